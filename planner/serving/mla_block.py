"""The KV cache block size vLLM runs a model with: --block-size, or vLLM's choice without it.

vLLM does not keep its default (16) for multi-head latent attention (MLA) models, nor, until
0.17, a given --block-size: until 0.17 the CUDA platform forces the size the default MLA
backend's kernel needs, and from 0.18 the attention backend it selects gives its preferred
size unless --block-size was given (DeepSeek-V4's: DSV4_BLOCK). The block size sets the
pool's block count (KV bytes // page), its tokens (blocks x block size) and what one request
holds (cdiv(max_model_len, block size) blocks).
"""

from planner.model.spec import AttentionMixer, MlaMixer, ModelSpec
from planner.serving.engine import (
    DEFAULT_BLOCK_SIZE,
    DSV4_BLOCK,
    default_block_size,
    is_dense_mla,
    is_sparse_mla,
)
from planner.serving.hardware import cc_to_int, parse_capability
from planner.serving.startup.attention_backend import dense_mla_backends
from planner.serving.vllm_versions import (
    BLOCK_64_DEFAULT_FROM,
    TRITON_MLA_FULL_GRAPHS_FROM,
    Version,
    sm100_family,
)
from planner.units import VLLM_KV_DTYPE

BACKEND_BLOCK_FROM: Version = (0, 18, 0)
"""From 0.18.0 the selected backend sets the size (platforms/interface.py
update_block_size_for_backend); before, platforms/cuda.py check_and_update_config forces it."""

BLACKWELL_CUTLASS_FROM: Version = (0, 10, 1)
"""NOTE: platforms/cuda.py check_and_update_config forces CUTLASS_MLA (128-token blocks) on
datacenter Blackwell (vllm_versions.sm100_family) from the 0.10.1 wheel; the 0.9.1 and 0.10.0
wheels choose it only when VLLM_ATTENTION_BACKEND asks."""

SPARSE_BLOCK_64_FROM: Version = (0, 11, 0)
"""NOTE: check_and_update_config sets block size 64 for sparse MLA (hf_config has index_topk:
DeepSeek-V3.2, GLM-5; "block_size != 64") from the 0.11.0 wheel, last, so on every GPU."""

BLOCK_MULTIPLES_FROM: Version = (0, 11, 1)
"""NOTE: check_and_update_config keeps a given size that is a multiple of the kernel's
("% 64 != 0" / "% 128 != 0") from the 0.11.1 wheel (0.11.2's and 0.12.0's
check_and_update_config are 0.11.1's); the 0.9.1-0.11.0 wheels test "!= 64" / "!= 128"."""

BLACKWELL_FLASHINFER_MLA_FROM: Version = (0, 15, 0)
"""NOTE: check_and_update_config gives a model with qk_nope_head_dim 128 FLASHINFER_MLA on
datacenter Blackwell (a size other than 32 and no multiple of 64 becomes 64) from the 0.15.0
wheel; before, CUTLASS_MLA."""

FLASHINFER_MLA_NOPE_192_FROM: Version = (0, 19, 0)
"""NOTE: FLASHINFER_MLA takes qk_nope_head_dim 64 or 128 in the 0.18.0 wheel, and 192 too from
the 0.19.0 wheel (0.33.0's and 0.34.0's the same): v1/attention/backends/mla/flashinfer_mla.py
FlashInferMLABackend.supports_combination ("FlashInfer MLA kernel requires qk_nope_head_dim
in [64, 128, 192]")."""


ROCM_ATTN_HEAD_SIZES = (32, 64, 80, 96, 128, 160, 192, 224, 256)
ROCM_ATTN_KV_DTYPES = ("auto", "float16", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2")
MM_PREFIX_MODEL_TYPES = ("bagel", "gemma3", "molmo2", "moondream3", "paligemma")
"""NOTE: vLLM 0.34.0 v1/attention/backends/rocm_attn.py RocmAttentionBackend:
get_supported_head_sizes, supported_kv_cache_dtypes, supports_sink / supports_mm_prefix False;
transformers_utils/model_arch_config_convertor.py is_mm_prefix_lm's MM_PREFIX_LM_MODELS (a
multimodal config of these types attends bidirectionally over image tokens)."""


def rocm_attn_default(spec: ModelSpec, compute_capability: str, kv_cache_dtype: str) -> bool:
    """Whether vLLM 0.34 on an AMD GPU serves every attention layer of `spec` with ROCM_ATTN,
    whose get_preferred_block_size is 16 whatever the default ("Keep the native kernel for
    default-sized runs"), so that a run without --block-size pages KV in blocks of 16, not
    0.34's default 64. `kv_cache_dtype` as for mla_block_size.

    NOTE: vLLM 0.34.0 platforms/rocm.py _get_backend_priorities (not MLA): ROCM_ATTN first
    (without a KV connector), but on gfx1100 / gfx1201 TRITON_ATTN swaps ahead of it unless the
    cache is fp8_e5m2; RocmAttentionBackend.validate_configuration refuses attention sinks
    (gpt-oss), an mm-prefix model, a head size or KV dtype it does not list and
    encoder-decoder attention. platforms/interface.py update_block_size_for_backend then asks
    the one backend for its preference (rocm_attn.py get_preferred_block_size: 16; new in
    0.34.0, which raised CacheConfig.DEFAULT_BLOCK_SIZE to 64); with a second backend (a layer
    ROCM_ATTN refuses, Llama 4's chunked-local wrapper class) _preferred_block_size_for_backends
    keeps 64, which all of them take (MultipleOf(16)), as does TRITON_ATTN alone."""
    attention = [layer.mixer for layer in spec.layers if isinstance(layer.mixer, AttentionMixer)]
    kv = VLLM_KV_DTYPE[kv_cache_dtype]
    return bool(attention) and all(
        m.head_dim in ROCM_ATTN_HEAD_SIZES and m.v_head_dim == m.head_dim and not m.sinks
        and not m.chunked for m in attention) and kv in ROCM_ATTN_KV_DTYPES and not (
        spec.model_type in MM_PREFIX_MODEL_TYPES and spec.vision is not None) and not (
        compute_capability in ("gfx1100", "gfx1201") and kv != "fp8_e5m2")


def mla_block_size(spec: ModelSpec, block_size: int | None, version: Version,
                   compute_capability: str, kv_cache_dtype: str, vendor: str = "nvidia") -> int:
    """The block size vLLM `version` runs `spec` with on this GPU, given the --block-size
    (None: not given, vLLM's choice) and the KV cache dtype that reaches the selector
    (Headroom's name; "fp8" for a checkpoint's FP8 KV cache), on a `vendor` GPU. Models that
    are not all MLA keep the given size or vLLM's default (engine.default_block_size: 16, 64
    from 0.34, but ROCM_ATTN's 16 on an AMD GPU where it serves them: rocm_attn_default;
    hybrids: engine.kv_layout._attention_block raises it to
    hold the mamba state, as vLLM does with a given size too), DeepSeek-V4's compressed
    attention the given size or DSV4_BLOCK.

    NOTE: 0.9.1-0.17.0 platforms/cuda.py CudaPlatformBase.check_and_update_config (wheels):
    - sparse MLA: 64, whatever was given (SPARSE_BLOCK_64_FROM);
    - Blackwell (0.10.1-0.12.0: is_device_capability(100), 10.0 only; 0.13.0 on:
      is_device_capability_family(100), any 10.x: vllm_versions.sm100_family): FLASHINFER_MLA
      for qk_nope_head_dim 128 (BLACKWELL_FLASHINFER_MLA_FROM), otherwise CUTLASS_MLA (128;
      BLACKWELL_CUTLASS_FROM; BLOCK_MULTIPLES_FROM keep a multiple of 128);
    - Hopper (is_flashmla_supported / is_flashmla_dense_supported: major 9): FLASHMLA, 64
      (BLOCK_MULTIPLES_FROM keep a multiple of 64);
    - any other GPU: the size given (TRITON_MLA).
    0.18.0-0.34.0: a --block-size the user gave is kept (CacheConfig.user_specified_block_size);
    otherwise the first valid backend of platforms/cuda.py _get_backend_priorities gives
    get_preferred_block_size(16): 16 when its kernel takes 16, else its smallest kernel block
    (v1/attention/backend.py; kernel blocks in v1/attention/backends/mla/*.py,
    get_supported_kernel_block_sizes):
    - dense, 10.x: FLASHINFER_MLA ([32, 64] -> 32) for auto/float16/bfloat16/fp8/fp8_e4m3 and
      qk_nope_head_dim 64 or 128 (192 too: FLASHINFER_MLA_NOPE_192_FROM), else
      CUTLASS_MLA ([128]); TOKENSPEED_MLA (0.23 on, second) takes only what FLASHINFER_MLA
      takes;
    - dense, 9.x: FLASH_ATTN_MLA ([MultipleOf(16)] -> 16) for auto/float16/bfloat16, else
      FLASHMLA ([64]) for fp8/fp8_e4m3. The llm-d v0.19.0 H100 logs of DeepSeek-V2-Lite and
      Kimi-VL-A3B hold 16-token blocks (1,505,552 tokens = 94,097 x 16);
    - dense, other GPUs: TRITON_MLA ([MultipleOf(16)] -> 16);
    - sparse: 64. 0.18.0-0.32: the first attention layer's backend, which for
      deepseek_v2.py is the indexer's cache (built before the MLA layer), the indexer backend
      taking [64] only; 0.33.0 (_preferred_block_size_for_backends): the smallest size every
      backend takes, lcm(indexer's 64, FLASHMLA_SPARSE's MultipleOf(64) or
      FLASHINFER_MLA_SPARSE's MultipleOf(32)) = 64.
    0.34.0: the same selection from a default of 64 (vllm_versions.BLOCK_64_DEFAULT_FROM),
    which every dense backend above takes but CUTLASS_MLA ([128]): FLASHINFER_MLA 64 (was 32),
    FLASH_ATTN_MLA, FLASHMLA and TRITON_MLA 64, CUTLASS_MLA 128; sparse 64 (every backend
    supports 64, so _preferred_block_size_for_backends keeps it).
    """
    if spec.compressed_attention is not None:
        return DSV4_BLOCK if block_size is None else block_size
    if block_size is not None and version >= BACKEND_BLOCK_FROM:
        return block_size
    given = default_block_size(version) if block_size is None else block_size
    mixers = [layer.mixer for layer in spec.layers]
    if not mixers or not all(isinstance(m, MlaMixer) for m in mixers):
        if (block_size is None and vendor == "amd" and version >= BLOCK_64_DEFAULT_FROM
                and rocm_attn_default(spec, compute_capability, kv_cache_dtype)):
            return DEFAULT_BLOCK_SIZE  # ROCM_ATTN's 16 (rocm_attn_default)
        return given
    sparse = is_sparse_mla(spec)
    cc = parse_capability(compute_capability) or (0, 0)
    qk_nope = {m.qk_nope_head_dim for m in mixers if isinstance(m, MlaMixer)}
    if version >= BACKEND_BLOCK_FROM:
        if sparse:
            return 64
        # the KV dtypes each backend lists (attention_backend.dense_mla_backends, vLLM's names)
        listed = dense_mla_backends(version[1], cc_to_int(cc))
        kv = VLLM_KV_DTYPE[kv_cache_dtype]
        if cc[0] == 10:
            flashinfer = kv in listed["FLASHINFER_MLA"][0] and _flashinfer_nope(qk_nope, version)
            # get_preferred_block_size: FLASHINFER_MLA [32, 64] keeps a default of 64, else 32
            return (given if given == 64 else 32) if flashinfer else 128
        if cc[0] == 9 and kv not in listed["FLASH_ATTN_MLA"][0]:
            return 64
        return given
    multiples = version >= BLOCK_MULTIPLES_FROM
    if sparse and version >= SPARSE_BLOCK_64_FROM:
        return 64
    blackwell = sm100_family(version, cc)
    if blackwell and version >= BLACKWELL_FLASHINFER_MLA_FROM and qk_nope == {128}:
        return given if given == 32 or given % 64 == 0 else 64
    if blackwell and version >= BLACKWELL_CUTLASS_FROM:
        return given if multiples and given % 128 == 0 else 128
    if cc[0] == 9:
        return given if multiples and given % 64 == 0 else 64
    return given


def _flashinfer_nope(qk_nope: set[int], version: Version) -> bool:
    """Whether FLASHINFER_MLA takes these qk_nope_head_dims (FLASHINFER_MLA_NOPE_192_FROM)."""
    return qk_nope <= {64, 128} | ({192} if version >= FLASHINFER_MLA_NOPE_192_FROM else set())


def triton_mla_fallback(spec: ModelSpec, block_size: int | None, version: Version,
                        compute_capability: str, kv_cache_dtype: str) -> bool:
    """Whether vLLM 0.18-0.21 serves a dense-MLA model on a 9.x or 10.x GPU with TRITON_MLA
    because the --block-size given (kept from 0.18: BACKEND_BLOCK_FROM) or the KV dtype fits
    none of the faster backends; 0.22 gives TRITON_MLA full graphs
    (vllm_versions.TRITON_MLA_FULL_GRAPHS_FROM), and before 0.18 check_and_update_config
    replaces the size (mla_block_size). `kv_cache_dtype` as for mla_block_size.

    NOTE: platforms/cuda.py _get_backend_priorities (0.19.0 wheel): 10.x FLASHINFER_MLA,
    CUTLASS_MLA, FLASH_ATTN_MLA, FLASHMLA, TRITON_MLA; 9.x FLASH_ATTN_MLA, FLASHMLA,
    FLASHINFER_MLA, TRITON_MLA; the first whose compute capability, KV dtype
    (attention_backend.dense_mla_backends) and block size take it wins. v1/attention/backend.py
    supports_block_size: the size is a multiple of one of get_supported_kernel_block_sizes:
    FLASH_ATTN_MLA MultipleOf(16), FLASHMLA [64], FLASHINFER_MLA [32, 64], CUTLASS_MLA [128]
    (v1/attention/backends/mla/*.py). DeepSeek-V2-Lite on an H100 with --block-size 16 and an
    fp8 cache: FLASH_ATTN_MLA lists no fp8, FLASHMLA needs a multiple of 64: TRITON_MLA."""
    if block_size is None or not BACKEND_BLOCK_FROM <= version < TRITON_MLA_FULL_GRAPHS_FROM:
        return False
    cc = parse_capability(compute_capability) or (0, 0)
    if cc[0] not in (9, 10) or not is_dense_mla(spec):
        return False
    listed = dense_mla_backends(version[1], cc_to_int(cc))
    kv = VLLM_KV_DTYPE[kv_cache_dtype]

    def takes(backend: str, multiple: int) -> bool:
        dtypes, capable = listed[backend]
        return capable and kv in dtypes and block_size % multiple == 0

    qk_nope = {layer.mixer.qk_nope_head_dim for layer in spec.layers}
    return not ((takes("FLASHINFER_MLA", 32) and _flashinfer_nope(qk_nope, version))
                or takes("CUTLASS_MLA", 128) or takes("FLASH_ATTN_MLA", 16)
                or takes("FLASHMLA", 64))


def sparse_block_refusal(spec: ModelSpec, block_size: int | None, version: Version) -> list[str]:
    """vLLM's refusal of a given --block-size that no sparse MLA backend takes ([] otherwise).

    NOTE: from 0.18.0 a given size reaches the attention selector (before, sparse MLA runs 64
    whatever was given: mla_block_size). Every CUDA sparse MLA backend takes multiples of 32 at
    least (supports_block_size: block_size % kernel size == 0): 0.18.0/0.19.0 wheels
    FLASHMLA_SPARSE [64], FLASHINFER_MLA_SPARSE [32, 64], DEEPSEEK_V32_INDEXER [64]; 0.33.0
    and 0.34.0 FLASHMLA_SPARSE, FLASH_ATTN_MLA_SPARSE(_FA4), FLASHINFER_MLA_SPARSE_SM90/SM120
    MultipleOf(64), FLASHINFER_MLA_SPARSE MultipleOf(32). With none valid,
    platforms/cuda.py get_attn_backend_cls raises "No valid attention backend found for
    {device} with {AttentionSelectorConfig}. Reasons: {...}" (0.18.0, 0.19.0, 0.33.0, 0.34.0 wheels;
    the releases between unread). A multiple of 32 that is not one of 64 (32 on Blackwell's
    FLASHINFER_MLA_SPARSE) then meets the indexer's 64, which is not modelled.
    """
    if (block_size is None or block_size % 32 == 0 or version < BACKEND_BLOCK_FROM
            or not is_sparse_mla(spec)):
        return []
    return [f"--block-size {block_size}: vLLM raises \"No valid attention backend found for "
            f"cuda with AttentionSelectorConfig(..., block_size={block_size}, use_mla=True, ..., "
            "use_sparse=True, ...)\": its sparse MLA backends take multiples of 32 or 64 "
            "(FLASHINFER_MLA_SPARSE: 32; FLASHMLA_SPARSE and the DEEPSEEK_V32_INDEXER: 64); "
            "leave --block-size unset (vLLM's choice, 64) or pass --block-size 64."]


def dsv4_block_refusal(spec: ModelSpec, block_size: int | None) -> str | None:
    """Why DeepSeek-V4 is not planned at a given --block-size that is no multiple of
    DSV4_BLOCK (None otherwise): vLLM keeps a given size (0.18 on), and the model's C4 indexer
    cache takes 256-token kernel blocks only (v1/attention/backends/mla/indexer.py
    DeepseekV4IndexerBackend.get_supported_kernel_block_sizes: [256], 0.33.0 and 0.34.0
    wheels), which no smaller or unaligned block splits into. Which error vLLM raises is not
    read (unverified)."""
    if spec.compressed_attention is None or block_size is None or block_size % DSV4_BLOCK == 0:
        return None
    return (f"--block-size {block_size}: DeepSeek-V4's indexer cache takes {DSV4_BLOCK}-token "
            f"kernel blocks only (vLLM DeepseekV4IndexerBackend), which a {block_size}-token "
            f"block does not hold a whole number of; leave --block-size unset (vLLM's choice, "
            f"{DSV4_BLOCK}) or pass a multiple of {DSV4_BLOCK}")
