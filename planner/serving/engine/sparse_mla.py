"""Which MLA a model has (dense, or sparse with an indexer) and the fp8_ds_mla layout vLLM
stores a sparse-MLA latent in per release, GPU and heads."""

from planner.memo import IdentityMemo
from planner.model.attention.kvformat import FP8_DS_MLA, KvBytes
from planner.model.spec import MlaMixer, ModelSpec
from planner.serving.engine.settings import EngineSettings
from planner.serving.hardware import parse_capability
from planner.serving.vllm_versions import Version, vllm_rules

DS_MLA_CONFIG_RULE = ((0, 11), (0, 17))
"""vLLM releases whose model config turns DeepseekV32ForCausalLM's fp8 cache into fp8_ds_mla."""
DS_MLA_BACKEND_RULE = ((0, 18), (0, 34))
"""vLLM releases where the sparse backend picked per GPU decides it (read 0.18-0.34: the 0.34.0
wheel's _canonicalize_sparse_mla_kv_cache_dtype, platforms/cuda.py _get_backend_priorities and
the sparse backends' classes are 0.33.0's)."""
DS_MLA_BY_HEADS = (0, 18)
"""NOTE: the 0.18.0 wheel's platforms/cuda.py _get_backend_priorities on compute capability
10.x puts FLASHMLA_SPARSE (whose fp8 is fp8_ds_mla) first above 16 attention heads per TP
rank and FLASHINFER_MLA_SPARSE (plain fp8) first at 16 or fewer (`num_heads`:
MLAAttention's, the model's num_local_heads = num_attention_heads // tp_size,
models/deepseek_v2.py, which GLM-5's GlmMoeDsaForCausalLM shares); from 0.19.0 an fp8* cache
prefers FlashInfer whatever the heads. FLASHMLA_SPARSE does not list fp8_e4m3: that one goes
to FlashInfer, plain, at any head count."""
DS_MLA_FEW_HEADS = 16
"""Heads per TP rank at or below which 0.18.0 prefers FLASHINFER_MLA_SPARSE (DS_MLA_BY_HEADS)."""


_SPARSE_MLA: IdentityMemo[bool] = IdentityMemo(256)


def is_sparse_mla(spec: ModelSpec) -> bool:
    """Whether the model has DeepSeek sparse-MLA layers (an indexer: DeepSeek-V3.2, GLM-5);
    looked up once per spec (cached by identity: the layers are walked once)."""
    return _SPARSE_MLA.get(spec, (), _has_indexer, spec)


def is_dense_mla(spec: ModelSpec) -> bool:
    """Whether every layer is MLA with no indexer, outside DeepSeek-V4's compressed attention:
    the models vLLM's dense-MLA attention backends serve (triton_mla_piecewise,
    mla_block.triton_mla_fallback)."""
    mixers = [layer.mixer for layer in spec.layers]
    return (spec.compressed_attention is None and bool(mixers)
            and all(isinstance(m, MlaMixer) for m in mixers) and not is_sparse_mla(spec))


def _has_indexer(spec: ModelSpec) -> bool:
    """Whether any layer is MLA with an indexer (is_sparse_mla, uncached)."""
    return any(isinstance(layer.mixer, MlaMixer) and layer.mixer.index_head_dim
               for layer in spec.layers)


def ds_mla_read(spec: ModelSpec, version: Version) -> bool:
    """Whether sparse_mla_kv's rule was read for this model and vLLM release (else: today's
    plain-dtype figure, flagged unverified by the plan)."""
    minor = version[:2]
    lo, hi = DS_MLA_CONFIG_RULE
    return (DS_MLA_BACKEND_RULE[0] <= minor <= DS_MLA_BACKEND_RULE[1]
            or (lo <= minor <= hi and spec.model_type == "deepseek_v32"))


def sparse_mla_kv(spec: ModelSpec, settings: EngineSettings, kv: KvBytes,
                  compute_capability: str, tp: int) -> KvBytes:
    """The KV layout vLLM stores a sparse-MLA model's latent in: fp8_ds_mla (656 B,
    FP8_DS_MLA_NOTE) where the release, GPU and (0.18 on 10.x) heads per TP rank make it so,
    else `kv` (the plain dtype).

    NOTE: 0.11.0-0.17.0 model_executor/models/config.py DeepseekV32ForCausalLM
    .verify_and_update_config sets cache_dtype = "fp8_ds_mla" on any GPU when the cache dtype
    startswith("fp8") (0.11.0: or is "auto"); only that architecture (not GLM-5's).
    0.18.0-0.34.0 model_executor/layers/attention/mla_attention.py: FLASHMLA_SPARSE turns a
    quantized (0.18-0.19: fp8*) dtype into fp8_ds_mla (from 0.24 _canonicalize_sparse_mla_kv_cache
    _dtype, which also turns auto / fp8 / fp8_e4m3 into it on FLASHINFER_MLA_SPARSE_SM120).
    Which backend (platforms/cuda.py _get_backend_priorities, MLA, head size 576): SM90 ->
    FLASHMLA_SPARSE is the first sparse backend taking fp8 (FLASH_ATTN_MLA_SPARSE, 0.25+,
    takes auto/float16/bfloat16 only; FLASHINFER_MLA_SPARSE_SM90, 0.30+, comes after it
    unless head size is 512); FLASHMLA_SPARSE does not list fp8_e4m3, which on SM90 runs on
    FLASHINFER_MLA_SPARSE_SM90 as plain fp8 from 0.30 and has no backend before
    (attention_backend._SPARSE_MLA_BACKENDS refuses it); SM100 with a quantized cache prefers
    FLASHINFER_MLA_SPARSE, which keeps plain fp8 (576 B), from 0.19 (0.18: by heads per rank,
    DS_MLA_BY_HEADS); SM120 (0.24+) has FLASHINFER_MLA_SPARSE_SM120 only (no sparse backend
    runs on 12.x before).
    """
    if not is_sparse_mla(spec):
        return kv
    version = vllm_rules(settings.vllm_version).version
    if not ds_mla_read(spec, version):
        return kv
    minor = version[:2]
    dtype = settings.kv_cache_dtype
    if minor <= DS_MLA_CONFIG_RULE[1]:
        fp8 = dtype in ("fp8", "fp8_e4m3", "fp8_e5m2")
        return FP8_DS_MLA if fp8 or (dtype == "auto" and minor == (0, 11)) else kv
    cc_major = (parse_capability(compute_capability) or (0, 0))[0]
    if (cc_major == 9 and dtype == "fp8") or (cc_major == 12 and minor >= (0, 24) and dtype
                                               in ("fp8", "fp8_e4m3", "auto")):
        return FP8_DS_MLA
    if cc_major == 10 and minor == DS_MLA_BY_HEADS and dtype == "fp8":
        heads = next(layer.mixer.num_heads for layer in spec.layers
                     if isinstance(layer.mixer, MlaMixer))
        return FP8_DS_MLA if heads // tp > DS_MLA_FEW_HEADS else kv
    return kv
