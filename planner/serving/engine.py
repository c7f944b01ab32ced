"""The vLLM (V1 engine) memory model: every term vLLM subtracts before the KV cache, named.

Per worker (GPU), vLLM 0.11-0.34 computes (v1/worker/gpu_worker.py determine_available_memory;
0.34 with its extensible KV cache off, as the launch command runs it: vllm_versions.
EXTENSIBLE_KV_CACHE_FROM; see ../shared/calibration/VLLM_ACCOUNTING.md section 1):
    budget    = ceil(total x gpu_memory_utilization)        (of TOTAL memory, not free)
    KV pool   = budget - weights - activation peak - non-torch [- CUDA graphs from 0.20]
                [- the model runner's buffers from 0.27: planner.serving.runner_buffers]
then groups the layers, sizes one block for all groups, and every rank uses the smallest
block count (section 3). The constants below are calibrated on 39 real v0.19 H100 start-ups;
bench/accuracy.py refits them and prints the residuals.
"""

import bisect
import math
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.memo import IdentityMemo, first_alike
from planner.model.attention import (
    DeepseekV4Kv,
    FullAttentionKv,
    KvLayer,
    RecurrentStateKv,
    SlidingWindowKv,
    cdiv,
    kv_layer_spec,
    model_kv_layers,
    turboquant_layers,
)
from planner.model.attention.kvformat import FP8_DS_MLA, KV_FORMATS, KvBytes
from planner.model.spec import (
    DenseMlp,
    MlaMixer,
    ModelSpec,
    MoeMlp,
    RopeBlock,
    VisionEncoder,
    WindowInputs,
)
from planner.serving.activation_dsv4 import (
    Dsv4Shape,
    dsv4_activation,
    dsv4_marlin,
    dsv4_shape,
)
from planner.serving.all2all import BATCHED_DP_TOKENS
from planner.serving.hardware import parse_capability
from planner.serving.layout import ParallelLayout, pp_layer_split
from planner.serving.moe_backend import normalize_moe_backend
from planner.serving.vllm_versions import (
    BLOCK_64_DEFAULT_FROM,
    CHUNKED_OFF_TOKENS_MAX_FROM,
    CUSTOM_AR_WORLD_SIZES,
    DEFAULT_ENCODER_RULES,
    DEFAULT_VLLM_VERSION,
    LONGROPE_WINDOW_FROM,
    ROPE_PARAMETERS_WINDOW_FROM,
    SEQS_CAPPED_AT_GIVEN_TOKENS_FROM,
    TOKENIZER_WINDOW_POOLING_ONLY_FROM,
    TRITON_MLA_FULL_GRAPHS_FROM,
    YARN_WINDOW_UNSCALED_FROM,
    EncoderRules,
    Version,
    VllmRules,
    custom_ar_enabled,
    default_gpu_memory_utilization,
    float16_refused,
    sm100_family,
    vllm_rules,
)
from planner.text import counted, has_control
from planner.units import GIB, MIB, TORCH_DTYPE_BYTES, KvCacheDtype, kv_dtype_bytes


def checkpoint_name_problem(name: str) -> str | None:
    """Why `name` cannot be the checkpoint a `vllm serve` command loads (None when it can):
    blank, a flag (leading '-': vLLM's parser reads --trust-remote-code as an option, not a
    model), or a control character (a newline splits the command). Spaces and shell
    characters are fine: planner.serving.launch quotes the name as one shell word."""
    if not name.strip():
        return "is empty"
    if name.lstrip().startswith("-"):
        return f"{name!r} starts with '-', so vLLM would read it as an option, not a model"
    if has_control(name):
        return f"{name!r} holds a control character (a newline splits the command)"
    return None


class EngineSettings(BaseModel):
    """The `vllm serve` settings that change memory, with vLLM's defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vllm_version: str = Field(
        default=DEFAULT_VLLM_VERSION, description="whose rules apply (serving.vllm_versions)"
    )
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    quantization: str | None = Field(default=None, description="runtime --quantization, e.g. fp8")
    target_quant: str | None = Field(
        default=None, description="what-if scheme key (planner.model.quant)"
    )
    target_checkpoint: str | None = Field(
        default=None, description="a checkpoint holding target_quant, for the launch command"
    )
    revision: str | None = Field(
        default=None, description="the hub commit the config was read at, pinned by the "
        "launch command (vLLM --revision) when the planned repo itself is served"
    )
    trust_remote_code: bool = Field(
        default=False, description="the launch command passes vLLM --trust-remote-code (it "
        "runs the repository's own Python code; Headroom never does): launch-only")
    kv_cache_dtype: KvCacheDtype = "auto"
    gpu_memory_utilization: float = Field(
        default=default_gpu_memory_utilization(DEFAULT_VLLM_VERSION), gt=0, le=1,
        description="None or unset: vLLM's default for vllm_version "
        "(0.92 from 0.20.0, 0.9 before; vllm_versions.default_gpu_memory_utilization)")
    max_model_len: int | None = Field(default=None, gt=0, description="None: the model's")
    max_num_seqs: int | None = Field(default=None, gt=0, description="None: vLLM's default")
    max_num_batched_tokens: int | None = Field(default=None, gt=0, description="None: default")
    block_size: int | None = Field(
        default=None, gt=0, description="--block-size; None: vLLM's choice (DEFAULT_BLOCK_SIZE, "
        "or the attention backend's: mla_block.mla_block_size)")
    enforce_eager: bool = False
    enable_prefix_caching: bool | None = Field(
        default=None, description="None: vLLM's default (on for hybrid models from 0.26)")
    enable_chunked_prefill: bool = Field(default=True, description="vLLM V1's default; off: "
                                         "batched tokens must cover max_model_len")
    kv_cache_memory_bytes: int | None = Field(default=None, gt=0,
                                              description="--kv-cache-memory-bytes")
    skip_mm_profiling: bool = Field(
        default=False, description="--skip-mm-profiling: no multimodal encoder profile run")
    num_speculative_tokens: int = Field(
        default=0, ge=0, description="--speculative-config method mtp: draft tokens per step "
        "from the model's own MTP layers (0: no speculative decoding)")
    mxfp4_marlin: bool = Field(
        default=False, description="MXFP4 experts on vLLM's Marlin kernel: its fallback when "
        "triton_kernels is missing on Hopper, or VLLM_MXFP4_USE_MARLIN=1 (0.11-0.19). NVIDIA "
        "only: on AMD GPUs vLLM 0.19-0.23 refuses it (fp4_weights.MXFP4_MARLIN_ENV) and other "
        "releases' ROCm path does not read it")
    flashinfer_sampler: bool = Field(
        default=False, description="vLLM's FlashInfer top-k/top-p sampler is on (the log "
        "prints 'Using FlashInfer for top-p & top-k sampling'): before 0.11.1 whenever "
        "flashinfer is installed, from 0.11.1 with VLLM_USE_FLASHINFER_SAMPLER=1. Before 0.17 "
        "it replaces the logits sort the activation term counts "
        "(vllm_versions.TRITON_TOP_K_TOP_P_FROM)")
    moe_backend: str | None = Field(
        default=None, description="--moe-backend (vLLM 0.17.0 on; the release's parser "
        "choices: planner.serving.moe_backend); None: not passed, vLLM's auto. flashinfer_b12x "
        "adds its MoE workspace to the activation peak (vLLM 0.25-0.28)")
    all2all_backend: str | None = Field(
        default=None, description="--all2all-backend (vLLM 0.11.1 on; the release's parser "
        "choices: planner.serving.all2all); None: not passed, vLLM's default "
        "(allgather_reducescatter). Read by vLLM on MoE models with --enable-expert-parallel "
        "and --data-parallel-size > 1; the DeepEP backends' buffers come off the KV pool")
    enable_eplb: bool = Field(
        default=False, description="--enable-eplb (vLLM 0.9.2 on): the expert-parallel load "
        "balancer; with --enable-expert-parallel only (planner.serving.eplb)")
    num_redundant_experts: int | None = Field(
        default=None, ge=0, description="EPLB's redundant experts per MoE layer (vLLM "
        "--num-redundant-experts to 0.11.1, --eplb-config num_redundant_experts from 0.10.2); "
        "each EP rank holds (routed + redundant) / EP size experts. None: not passed, vLLM's "
        "default (0; from 0.34.0 the least making the experts divisible by the EP size)")
    activation_bytes: int | None = Field(default=None, ge=0, description="override")
    non_torch_bytes: int | None = Field(default=None, ge=0, description="override")
    cuda_graph_bytes: int | None = Field(default=None, ge=0, description="override")

    @model_validator(mode="before")
    @classmethod
    def _release_utilization(cls, data: object) -> object:
        """An unset (or None) gpu_memory_utilization is vLLM's default for vllm_version."""
        if isinstance(data, dict) and data.get("gpu_memory_utilization") is None:
            version = data.get("vllm_version") or DEFAULT_VLLM_VERSION
            data = {**data, "gpu_memory_utilization": default_gpu_memory_utilization(
                version if isinstance(version, str) else DEFAULT_VLLM_VERSION)}
        return data

    @field_validator("moe_backend")
    @classmethod
    def _moe_backend_word(cls, value: str | None) -> str | None:
        """The value as vLLM's parser reads it (moe_backend.normalize_moe_backend); one word."""
        if value is None:
            return None
        word = normalize_moe_backend(value)
        if not word or not all(c.isalnum() or c == "_" for c in word):
            raise ValueError(f"--moe-backend {value!r} is not a backend name")
        return word

    @field_validator("all2all_backend")
    @classmethod
    def _all2all_word(cls, value: str | None) -> str | None:
        """One backend name (the release's parser checks the choice: all2all.all2all_refusal)."""
        if value is not None and not (value and all(c.isalnum() or c == "_" for c in value)):
            raise ValueError(f"--all2all-backend {value!r} is not a backend name")
        return value

    @field_validator("target_checkpoint", "revision")
    @classmethod
    def _loadable_name(cls, value: str | None) -> str | None:
        """A checkpoint name (or revision) vLLM reads as one (checkpoint_name_problem)."""
        problem = None if value is None else checkpoint_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value


# --- defaults -------------------------------------------------------------------------------


def default_batch_limits(
    gpu_memory_total_bytes: int, gpu_name: str, max_model_len: int,
    rules: VllmRules | None = None, compute_capability: str = "",
    chunked_prefill: bool = True, batched_dp: bool = False, tokens_given: int | None = None,
) -> tuple[int, int]:
    """vLLM's default (max_num_batched_tokens, max_num_seqs) for `vllm serve` on this GPU
    (`batched_dp`: the layout and --all2all-backend make vLLM's batched-DP MoE, whose tokens
    are 256 in place of the GPU's: all2all.batched_dp_moe). `tokens_given`: the
    --max-num-batched-tokens given, returned as the tokens, and the sequences' default
    capped at it (vllm_versions.SEQS_CAPPED_AT_GIVEN_TOKENS_FROM).

    NOTE: vLLM engine/arg_utils.py EngineArgs.get_batch_defaults (OpenAI API server usage
    context): GPUs with >= 70 GiB that are not A100 get 8192 tokens / 1024 seqs, every other
    GPU 2048 / 256; from 0.28.0 (vllm_versions.BIG_GPU_TIER_FROM) GPUs with >= 160 GiB get
    16384 / 1024. GB10 (DGX Spark, cc 12.1, 119+ GiB unified) is on the small tier in every
    release: from 0.33.0 by name (is_gb10); before, because NvmlCudaPlatform's
    get_device_total_memory (nvmlDeviceGetMemoryInfo) raises NVML_ERROR_NOT_SUPPORTED on GB10
    (kubernetes-sigs/dra-driver-nvidia-gpu#1073, NVIDIA-NeMo/RL#2203) and the except branch
    sets device_memory to 0. DGX Spark start-ups log it (bench/public_memory_runs.json): NVIDIA's
    0.11.0 and 0.13.0 builds print max_num_batched_tokens=2048, a 0.27.1 start-up captures
    PIECEWISE 51 + FULL 35 graphs (256 sequences); a driver whose NVML reported GB10's memory
    would put vLLM < 0.33 on the 8192 / 1024 tier (unverified: none logged). Then
    _set_default_max_num_seqs_and_batched_tokens_args caps tokens at max_num_seqs x
    max_model_len (0.19.0 wheel on; 0.11.0 did not cap, which only matters below 8 tokens)
    and seqs at tokens. RTX 3090 (23.57 GiB): 2048 / 256; H100 80GB (79.19 GiB): 8192 / 1024
    (the llm-d v0.19 logs profile 8192 tokens). With chunked prefill off the tokens cover
    max_model_len from 0.11.1 (vllm_versions.CHUNKED_OFF_TOKENS_MAX_FROM); before, vLLM turns
    chunked prefill back on for generative models and the defaults stand.
    """
    rules = rules or vllm_rules(DEFAULT_VLLM_VERSION)
    gb10 = compute_capability == "12.1"
    if rules.big_gpu_tier and gpu_memory_total_bytes >= 160 * GIB:
        tokens, seqs = 16384, 1024
    elif (gpu_memory_total_bytes >= 70 * GIB and "a100" not in gpu_name.lower()
          and not gb10):
        tokens, seqs = 8192, 1024
    else:
        tokens, seqs = 2048, 256
    if tokens_given is not None:
        capped = rules.version >= SEQS_CAPPED_AT_GIVEN_TOKENS_FROM
        return tokens_given, min(seqs, tokens_given) if capped else seqs
    if batched_dp:
        tokens = BATCHED_DP_TOKENS
    if not chunked_prefill and rules.version >= CHUNKED_OFF_TOKENS_MAX_FROM:
        tokens = max(max_model_len, tokens)
    tokens = min(seqs * max_model_len, tokens)
    return tokens, min(seqs, tokens)


_WINDOW_SKIP = ("su", "longrope", "llama3")
"""Rope types whose factor vLLM never applies to the derived length (YARN_WINDOW_UNSCALED_FROM
adds the yarn types)."""
_YARN_TYPES = ("yarn", "deepseek_yarn", "deepseek_llama_scaling")


def _window_inputs(spec: ModelSpec) -> WindowInputs:
    """spec.window, or for a hand-built spec its max_position_embeddings and rope fields."""
    if spec.window is not None:
        return spec.window
    ropes = () if spec.rope_scaling_type is None else (RopeBlock(
        rope_type=spec.rope_scaling_type, factor=spec.rope_scaling_factor,
        original_max_position_embeddings=spec.original_max_position_embeddings),)
    return WindowInputs(lengths=(("max_position_embeddings", spec.max_position_embeddings),),
                        ropes=ropes, text_model_type=spec.model_type)


class VllmWindow(NamedTuple):
    """How vLLM works a model's window out of config.json (vllm_window)."""

    limit: int
    """the derived max_model_len a given --max-model-len may not pass"""
    start: int
    """the max_model_len vLLM starts with when none is given"""
    key: str | None
    """vLLM's max_len_key, which its refusal names: the config's least length key (the first
    in its order at that value), model_max_length where the config gives one; None without
    any (vLLM then assumes 2,048)"""
    length: int
    """that key's value (2,048 without one), before rope scaling"""
    model_max_length: int | None
    """config.json's model_max_length, which vLLM's refusal names beside the key"""
    rope: str
    """the rope scaling that took the limit from `length` ("linear factor 8", "yarn factor 4 x
    original_max_position_embeddings 32,768"); "" where none did"""

    def why(self, max_position_embeddings: int) -> str:
        """Why the limit is not the config's max_position_embeddings, in one phrase ("" where
        it is): "seq_length 8,192 is the least of the length keys", "yarn factor 4 x
        original_max_position_embeddings 32,768 rope scaling"."""
        if self.limit == max_position_embeddings:
            return ""
        parts = [f"{self.rope} rope scaling"] if self.rope else []
        if self.key is None:
            parts.insert(0, f"none of vLLM's length keys is given: {self.length:,} assumed")
        elif self.key == "model_max_length":
            parts.insert(0, f"model_max_length {self.length:,} replaces the other length keys")
        elif self.key != "max_position_embeddings":
            parts.insert(0, f"{self.key} {self.length:,} is the least of the length keys")
        return "; ".join(parts)


def vllm_window(spec: ModelSpec, version: Version | None = None) -> VllmWindow:
    """The window vLLM `version` (default: the newest covered) works out of config.json for
    this model: its derived max_model_len, its start without --max-model-len and the key and
    rope scaling that set them (_vllm_window)."""
    return _vllm_window(spec, version or vllm_rules(DEFAULT_VLLM_VERSION).version)


def _vllm_window(spec: ModelSpec, version: Version) -> VllmWindow:
    """vllm_window's figures, as vLLM `version` works them out of config.json.

    NOTE: config/model.py _get_and_verify_max_len (config.py in 0.9.1-0.10.0; read in the
    0.9.1, 0.9.2, 0.10.0-0.10.2 and every minor 0.11.0-0.34.0 wheel, and 0.11.1):
    1. the least of the text config's length keys (parser VLLM_LENGTH_KEYS: max_position_
       embeddings, n_positions, max_seq_len, seq_length, ...), but model_max_length where the
       config gives one ("For Command-R / Cohere"); none of them: 2048. max_len_key names it:
       the first key in that order whose value is below every earlier one, model_max_length
       where given, None without any (derive_max_model_len_and_key in
       transformers_utils/model_arch_config_convertor.py, 0.19.0 and 0.30.0 wheels), and the
       refusal of a longer --max-model-len names it with the scaled length
       (startup.startup_errors);
    2. unless the text config's model_type contains "gemma3" ("Gemma3's max_model_len (128K)
       is already scaled by RoPE scaling"), times the factor of a rope block whose type is not
       su / longrope / llama3 (default 1, and "default" applies a factor it carries); a yarn
       block first sets the length to its original_max_position_embeddings
       (ROPE_PARAMETERS_WINDOW_FROM: which one), until YARN_WINDOW_UNSCALED_FROM skips the
       yarn types instead;
    3. without --max-model-len, that length, but a longrope model's own
       original_max_position_embeddings from LONGROPE_WINDOW_FROM;
    4. vLLM 0.9.1 only: that start capped at tokenizer_config.json's model_max_length
       where Headroom read one (TOKENIZER_WINDOW_POOLING_ONLY_FROM; vLLM caps a given
       --max-model-len too, after the check against the limit: a plan note says so).
    vLLM's cap at the sliding window applies under --disable-sliding-window only, which
    Headroom does not plan.
    Llama-3.1 (llama3 x 8): 131,072; DeepSeek-V3 (yarn 40 x 4,096, max_position_embeddings
    163,840): 163,840 either way; Gemma-3 (linear x 8): 131,072.
    """
    w = _window_inputs(spec)
    lengths = dict(w.lengths)
    key = min(lengths, key=lengths.__getitem__, default=None)  # the first of the least
    if lengths.get("model_max_length"):
        key = "model_max_length"
    derived: float = lengths[key] if key else 2048
    length, rope = int(derived), ""
    new_rope = version >= ROPE_PARAMETERS_WINDOW_FROM
    # before 0.12 vLLM reads transformers 4's rope_scaling only: neither a block nested by
    # layer type nor any rope_parameters (transformers 5's spelling; the 0.11.0 wheel has no
    # mention of it) is one
    ropes = w.ropes if new_rope or not (w.ropes_nested or w.ropes_parameters_only) else ()
    skip = _WINDOW_SKIP + (_YARN_TYPES if version >= YARN_WINDOW_UNSCALED_FROM else ())
    if ropes and "gemma3" not in w.text_model_type:
        factor, applied, yarn = 1.0, "", None
        for block in ropes:
            if block.rope_type in skip:
                continue
            factor, applied = block.factor or factor, block.rope_type
            if block.rope_type == "yarn":
                # vLLM < 0.12 reads the block's own (a KeyError without it: max_position_
                # embeddings is planned); from 0.12 the config's top-level one comes first
                top = w.original_max_position_embeddings if new_rope else None
                derived = yarn = (top or block.original_max_position_embeddings
                                  or spec.max_position_embeddings)
        derived *= factor
        if yarn is not None:
            rope = f"yarn factor {factor:g} x original_max_position_embeddings {yarn:,}"
        elif factor != 1:
            rope = f"{applied} factor {factor:g}"
    limit = int(derived)
    start = limit
    if version >= LONGROPE_WINDOW_FROM and any(r.rope_type == "longrope" for r in w.ropes):
        start = int(w.original_max_position_embeddings or derived)
    cap = w.tokenizer_model_max_length
    if version < TOKENIZER_WINDOW_POOLING_ONLY_FROM and cap:
        start = min(start, cap)
    return VllmWindow(limit, start, key, length, lengths.get("model_max_length"), rope)


def derived_max_model_len(spec: ModelSpec, version: Version | None = None) -> int:
    """The longest max_model_len vLLM `version` (default: the newest covered) accepts for this
    model; a larger one raises "User-specified max_model_len (...) is greater than the derived
    max_model_len" unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (_vllm_window)."""
    return vllm_window(spec, version).limit


def default_max_model_len(spec: ModelSpec, version: Version | None = None) -> int:
    """The max_model_len vLLM `version` starts this model with when --max-model-len is not
    given (_vllm_window): the derived length, a longrope model's original context from 0.11.1."""
    return vllm_window(spec, version).start


# --- calibrated overheads -------------------------------------------------------------------

SAMPLER_COEF = 3.637
FORWARD_COEF = 0.308
MOE_ROUTED_COEF = 2.574
"""NOTE: activation peak of the profile run (torch_peak_increase), least-squares fit on the
first 26 v0.19 H100 start-ups that print it. `python bench/accuracy.py --fit` re-derives them
on all 35 bundled cases (gemma-2 served in bf16): 3.640 / 0.280 / 2.615, within the
leave-one-out residual of these values, which give the lower worst-case KV error, so kept:
  peak = 3.637 x S + 0.308 x F + 2.574 x R, where
  S = min(max_num_seqs, max_num_batched_tokens) x vocab x 4 B (fp32 logits of the dummy
      sampler run; last PP stage only; not split by TP: logits are gathered),
  F = max_num_batched_tokens x (hidden + widest MLP output per rank) x dtype bytes,
  R = max_num_batched_tokens x experts_per_token x hidden x dtype bytes (MoE stages).
Llama-3.1-8B, 8192 tokens, 1024 seqs: S = 1024 x 128,256 x 4 = 0.489 GiB,
F = 8192 x (4096 + 28,672) x 2 = 0.500 GiB -> 1.78 + 0.15 = 1.93 GiB (log: 1.89).
Leave-one-out residual 0.087 GiB mean (4.5 %), worst -0.37 GiB (Mixtral-8x7B, TP=2);
multimodal models' vision encoders are profiled too (encoder_profile: Qwen3-VL, Llama 4; the
other towers: encoder_cover, measured inside this fit or warned about).
Figures and per-case residuals: planner/accuracy_data/accuracy_results.json.
The fit describes cold starts: each of the 15 logs read (of the 16 the index holds) prints
"Compiling a graph for compile range (1, 8192) takes" and "Cache the graph", none "Directly
load the compiled graph(s) ... from the cache", and vLLM compiles inside the measured window
(0.19.0 v1/worker/gpu_worker.py determine_available_memory: memory_profiling resets the peak
stats, utils/mem_utils.py, then profile_run's first forward compiles). A warm cache can log a
lower peak: one public V2 pair (0.27.1, RTX 4090, Qwen3-8B) 1.18 GiB cold, 0.19 warm; no
warm V1 start-up was found."""

CONTEXT_BYTES = int(0.25 * GIB)
PP_ONLY_BYTES = int(0.07 * GIB)
"""NOTE: non_torch_forward_increase of a worker without TP peers: 0.24-0.27 GiB in the v0.19
H100 logs at TP=1 (CUDA context growth, cuBLAS workspace), about 0.07 GiB per GPU with PP
only (VLLM_ACCOUNTING section 5). It is also the whole figure where NCCL keeps its buffers
in host memory: 2x RTX 4090 at TP=2 (no P2P) print 0.25 GiB (vllm-other-gpus.json)."""

NCCL_CONNECTION_BYTES = (1 << 22) + 120 * 640 * 8 * 8 + 8 * 512 * 8 * 16
"""NOTE: NCCL src/init.cc: one P2P connection's receive buffers are DEFAULT_BUFFSIZE (Simple,
4 MiB) + DEFAULT_LL128_BUFFSIZE (NCCL_LL128_ELEMS_PER_THREAD 120 x NCCL_LL128_MAX_NTHREADS
640 x NCCL_STEPS 8 x 8 B = 4,915,200 B) + DEFAULT_LL_BUFFSIZE (NCCL_LL_LINES_PER_THREAD 8 x
NCCL_LL_MAX_NTHREADS 512 x 8 steps x 16 B = 524,288 B) = 9,633,792 B (9.19 MiB; a DGX Spark
report measured 9.19 MiB per proxy connection). Without P2P (GeForce cards, PHB, across
sockets) NCCL's SHM transport keeps them in host memory: nothing on the GPU."""

NCCL_P2P_CONNECTIONS = 4
"""ASSUMED (no log prints it): 2 channels x (ring + tree) receive connections per GPU over
PCIe with P2P, 4 x 9.19 MiB = 36.75 MiB."""

CUSTOM_AR_BYTES = 2 * 8192 * 1024
"""NOTE: vLLM distributed/device_communicators/custom_all_reduce.py CustomAllreduce (0.19.0
wheel): with peers on one node it cudaMallocs meta_size() + max_size (8 MiB) and an 8 MiB IPC
buffer outside torch (the 8 MiB rank_data tensor is torch memory). It is disabled for world
sizes other than 2/4/6/8 (vllm_versions.CUSTOM_AR_WORLD_SIZES), "on more than two PCIe-only
GPUs" (not fully connected), and without GPU P2P. From the 0.27.0 wheel (to 0.34.0) the
constructor takes 16 too, though should_custom_ar leaves every TP=16 all-reduce to NCCL.
vLLM counts it only before 0.11, where the worker's memory snapshot precedes the
communicators (vllm_versions.COMM_BEFORE_SNAPSHOT_FROM): charged at 2/4/6/8 there only."""

NVLS_BYTES = int(1.850 * GIB)
"""FITTED: NCCL on an NVSwitch with NVLink SHARP (Hopper and later SXM parts): NVLS multicast
buffers plus its many channels' buffers, per GPU. vLLM issue #9699 shows NCCL's line
"NVLS comm ... nvlsPerRankSize 301989888 nvlsTotalSize 2415919104" on 8x H200; the size
does not follow a formula we could read, so it is the mean of non_torch_forward_increase
minus the context term over the 6 v0.19 H100 runs at TP 2 and 4 (2.07-2.17 GiB logged; the
custom all-reduce and symmetric-memory buffers are not in them:
vllm_versions.COMM_BEFORE_SNAPSHOT_FROM):
1.850 GiB, leave-one-out error at most 0.084 GiB (`python bench/accuracy.py --fit`)."""


def non_torch_parts(
    layout: ParallelLayout, link: str = "nvlink", nvswitch_sharp: bool = True,
    tp_within_node: bool = True, comm_counted: bool = False,
) -> tuple[tuple[str, int], ...]:
    """Named parts of the non-torch memory of one worker that vLLM's profile counts: CUDA
    context, NCCL, custom AR.

    `link` is the node's intra-node link kind (planner.serving.hardware): P2P works over
    "nvlink" and "pcie"; `nvswitch_sharp`: the GPUs sit on an NVLink-SHARP NVSwitch (the
    fitted NVLS term). `comm_counted`: the release takes its memory snapshot before building
    the communicators (before vllm_versions.COMM_BEFORE_SNAPSHOT_FROM), so their custom
    all-reduce buffers count. --nnodes turning the custom all-reduce off
    (vllm_versions.NNODES_CUSTOM_AR_OFF) begins at 0.11.1, after that, so it moves no memory
    figure (speed reads it).
    """
    if layout.tp == 1:
        return (("CUDA context", PP_ONLY_BYTES if layout.pp > 1 else CONTEXT_BYTES),)
    p2p = link in ("nvlink", "pcie") and tp_within_node
    parts = [("CUDA context", CONTEXT_BYTES)]
    if p2p and link == "nvlink" and nvswitch_sharp:
        parts.append(("NCCL NVLS + channels (fitted)", NVLS_BYTES))
    elif p2p:
        parts.append((f"NCCL {NCCL_P2P_CONNECTIONS} x 9.19 MiB P2P buffers",
                      NCCL_P2P_CONNECTIONS * NCCL_CONNECTION_BYTES))
    if comm_counted and custom_ar_enabled(link == "nvlink", p2p, layout.tp,
                                          CUSTOM_AR_WORLD_SIZES):
        parts.append(("vLLM custom all-reduce 2 x 8 MiB", CUSTOM_AR_BYTES))
    return tuple(parts)


def non_torch_sources(parts: tuple[tuple[str, int], ...]) -> str:
    """Where each constant of these non_torch_parts comes from (measured, fitted, read from
    source or assumed), one clause per part, "; "-joined."""
    sources = {
        "CUDA context": "CUDA context: measured (non_torch_forward_increase of the v0.19 H100 "
                        "start-ups: 0.24-0.27 GiB at TP=1, about 0.07 GiB per GPU with PP only, "
                        "VLLM_ACCOUNTING section 5)",
        "NCCL NVLS": "NVLS + channels: fitted (mean over the 6 v0.19 H100 runs at TP 2 and 4)",
        "NCCL ": "NCCL P2P buffers: 9.19 MiB per connection from NCCL src/init.cc's default "
                 f"buffer sizes; {NCCL_P2P_CONNECTIONS} connections per GPU assumed "
                 "(unverified: no log prints it)",
        "vLLM custom": "custom all-reduce: vLLM custom_all_reduce.py (0.19.0 wheel), counted "
                       "before 0.11 only",
    }
    return "; ".join(next(text for start, text in sources.items() if name.startswith(start))
                     for name, _ in parts)


def non_torch_bytes(
    layout: ParallelLayout, link: str = "nvlink", nvswitch_sharp: bool = True,
    tp_within_node: bool = True, comm_counted: bool = False,
) -> int:
    """CUDA context + NCCL / custom all-reduce buffers per GPU (see non_torch_parts)."""
    return sum(n for _, n in non_torch_parts(layout, link, nvswitch_sharp, tp_within_node,
                                             comm_counted))


GRAPH_BYTES_PER_GRAPH = int(8.4 * MIB)
"""FITTED: vLLM's estimate is first-capture + per-graph x (graphs - 1) per mode
(gpu_model_runner.py profile_cudagraph_memory); the v0.19 H100 logs (all at the default
102 graphs) show no dependence on depth (Llama-3.1-8B with 32 layers and gemma-2-9b with 42
both 0.84 GiB), so one coefficient per graph: the median of cuda_graph_estimated_gib / 102
over the 39 runs, 8.43 MiB, kept as 8.4; leave-one-out error 0.18 GiB mean (18.9 %)
(`python bench/accuracy.py --fit`). Past the first capture a graph keeps no tensors alive
(weak-referenced outputs, one pool captured largest-first: compilation/cuda_graph.py), so the
cost is driver memory and allocator steps; a fixed cost + one per layer on the stage gives 17.6 %
leave-one-out and was not adopted (docs/accuracy-memory.md)."""


DSV4_LOGGED_GRAPH_BYTES = int(2.44 * GIB)
DSV4_LOGGED_GRAPHS = 51
"""UNMODELLED, a log's figures, not a fit: DeepSeek-V4's CUDA graph memory.

vLLM issue #50576 (a DeepSeek-V4-Flash start-up on a 47.4 GiB SM8x card, an SM8x build whose log
lines sit where the 0.27.0 wheel's do: gpu_model_runner.py:6905 "Graph capturing finished" vs
6914, gpu_worker.py:726 "CUDA graph pool memory" vs 727) prints "Profiling CUDA graph memory:
PIECEWISE=51", spends 21 of its 22 s of capture on the 51 piecewise graphs (so, read from the
timing, no FULL graphs; its settings are not shown) and "2.51 GiB (actual), 2.44 GiB
(estimated)": 49 MiB a graph, about six times GRAPH_BYTES_PER_GRAPH. vLLM's estimate
(profile_cudagraph_memory, 0.22.0 and 0.27.0 wheels) is, per mode, the first capture (the
largest size) plus the second capture's growth x (graphs - 1), FULL and PIECEWISE overlaid by
their larger first capture; both are measured with cudaMemGetInfo (driver graph memory, the
warm-up's allocator growth, the private pool) and the split is logged at debug level only, so
one total can neither be derived from the source nor split into rules. It does not transfer
either: DeepSeek-V4 is compiled into torch.compile pieces (@support_torch_compile,
models/deepseek_v4/nvidia/model.py) in 0.22 only; from 0.23 it has no torch.compile and vLLM
auto-enables VLLM_USE_BREAKABLE_CUDAGRAPH for it (config/vllm.py), one eager-broken graph per
size, and its attention backends (FlashMLA sparse, sparse SWA, the indexer) support
UNIFORM_BATCH full graphs, which the #50576 build did not capture. Shown beside the fitted
figure, never used in it."""


def dsv4_graphs_note() -> str:
    """The cuda_graphs term's note for DeepSeek-V4 (see DSV4_LOGGED_GRAPH_BYTES)."""
    per_graph = DSV4_LOGGED_GRAPH_BYTES / DSV4_LOGGED_GRAPHS / MIB
    return (f"DeepSeek-V4: the per-graph cost is fitted on standard decoders (unmodelled for "
            f"it; only its indexer's dummy logits in the first capture are read from vLLM's "
            f"source, activation_dsv4.dsv4_first_capture_bytes); vLLM issue #50576's "
            f"DeepSeek-V4-Flash start-up (an SM8x build of about 0.27) "
            f"estimates {DSV4_LOGGED_GRAPH_BYTES / GIB:.2f} GiB for "
            f"{DSV4_LOGGED_GRAPHS} piecewise graphs, {per_graph:.0f} MiB a graph")


def capture_sizes(max_num_seqs: int, max_num_batched_tokens: int, blackwell_1024: bool,
                  rules: VllmRules | None = None) -> list[int]:
    """vLLM's default cudagraph_capture_sizes.

    NOTE: vLLM config/vllm.py VllmConfig._set_cudagraph_sizes (0.19.0-0.34.0 wheels; 0.34.0 then
    splits them, vllm_versions.SM100_GRAPH_GRIDS_FROM): the
    largest size is min(max_num_seqs x 2, 512), 1024 on Blackwell (cc 10.x) from 0.28.0,
    then at most max_num_batched_tokens; sizes are 1, 2, 4, then every 8 below 256, then
    every 16 up to the largest. max_num_seqs 256 -> 512 -> 3 + 31 + 17 = 51 sizes. Before
    0.12 every 8 up to the largest, and 0.9.x's largest is 512 whatever max_num_seqs
    (vllm_versions.GRAPH_STEP16_FROM, GRAPH_SIZES_BY_SEQS_FROM). Off that stride, the batched
    tokens join where they are the largest (from 0.21, GRAPH_ADDS_BATCHED_TOKENS_FROM) and
    max_num_seqs where it is at most 512 (1024) and the batched tokens (from 0.31,
    GRAPH_ADDS_MAX_SEQS_FROM).
    """
    step16 = rules is None or rules.graph_step16
    cap = 1024 if blackwell_1024 else 512
    largest = min(max_num_seqs * 2 if rules is None or rules.graph_sizes_by_seqs else cap, cap,
                  max_num_batched_tokens)
    sizes = [i for i in (1, 2, 4) if i <= largest]
    sizes += list(range(8, min(largest + 1, 256 if step16 else largest + 1), 8))
    sizes += list(range(256, largest + 1, 16)) if step16 else []
    extra = []
    if rules is not None and rules.graph_adds_batched_tokens and max_num_batched_tokens == largest:
        extra.append(max_num_batched_tokens)
    if (rules is not None and rules.graph_adds_max_seqs and max_num_seqs <= cap
            and max_num_seqs <= max_num_batched_tokens):
        extra.append(max_num_seqs)
    return sorted(set(sizes + extra))


def _walk_grid(limit: int, step: Callable[[float], float]) -> list[int]:
    """vLLM 0.34 config/compilation.py _walk_grid: 1 up to `limit`, each size the next multiple
    of the largest power of two not above step(size), then `limit`."""
    grid, size = [], 1
    while size < limit:
        grid.append(size)
        stride = 1 << max(0, math.floor(math.log2(max(1.0, step(size)))))
        size = (size // stride + 1) * stride
    return [*grid, limit] if limit else []


SM100_GRAPH_TOKENS = 8192
"""vLLM 0.34 config/vllm.py _split_cudagraph_capture_sizes on SM100: the prefill graphs' and
the decode graphs' token cap (vllm_versions.SM100_GRAPH_GRIDS_FROM)."""


def _sm100_graph_count(max_num_seqs: int, max_num_batched_tokens: int) -> tuple[int, int]:
    """(piecewise, full) graphs of vLLM 0.34's SM100 grids (vllm_versions.SM100_GRAPH_GRIDS_
    FROM): config/compilation.py prefill_cudagraph_capture_grid up to min(8192, batched
    tokens) (54 sizes at 8192), decode_cudagraph_capture_grid up to max_num_seqs (64 at 1024),
    decode_cudagraph_capture_shapes capping them at min(max_num_seqs, min(batched tokens,
    8192)) one-token requests."""
    tokens = min(SM100_GRAPH_TOKENS, max_num_batched_tokens)
    prefill = _walk_grid(tokens, lambda t: min(t, max(8, t / 4), 0.07 * max(t, 4096)))
    decode = _walk_grid(max_num_seqs, lambda n: 0.65 * n ** (2 / 3))
    limit = min(max_num_seqs, tokens)
    reachable = decode[: bisect.bisect_left(decode, limit) + 1]
    return len(prefill), len({min(n, limit) for n in reachable})


def cuda_graph_count(max_num_seqs: int, max_num_batched_tokens: int,
                     blackwell_1024: bool = False, rules: VllmRules | None = None,
                     full_decode: bool = True) -> tuple[int, int]:
    """(piecewise, full) graphs vLLM captures by default (FULL_AND_PIECEWISE); `full_decode`
    False where the attention backend allows none (triton_mla_piecewise); `blackwell_1024`:
    a datacenter Blackwell (10.x) GPU under a release that singles it out.

    NOTE: v1/cudagraph_dispatcher.py (0.19.0 wheel): one PIECEWISE graph per capture size,
    plus one FULL decode graph per capture size <= max_num_seqs (uniform decode of one
    token per request). Default 1024 seqs on H100: 51 + 51 = 102 graphs. Before 0.11 the
    default mode is PIECEWISE: no full graphs (vllm_versions.FULL_GRAPHS_FROM). Model Runner
    V2 (v1/worker/gpu/cudagraph_utils.py CudaGraphManager._init_candidates, 0.33.0 and
    0.34.0) captures the same sets, but on SM100 from 0.34 (_sm100_graph_count).
    """
    if rules is not None and rules.sm100_graph_grids and blackwell_1024:
        piecewise, full = _sm100_graph_count(max_num_seqs, max_num_batched_tokens)
        return piecewise, full if full_decode else 0
    sizes = capture_sizes(max_num_seqs, max_num_batched_tokens, blackwell_1024, rules)
    full = (rules is None or rules.full_graphs) and full_decode
    return len(sizes), sum(1 for size in sizes if size <= max_num_seqs) if full else 0


def triton_mla_piecewise(spec: ModelSpec, rules: VllmRules, compute_capability: str,
                         vendor: str = "nvidia") -> bool:
    """Whether vLLM `rules` decodes `spec` with piecewise CUDA graphs only because its attention
    runs on TRITON_MLA, which supports none before 0.22 (vllm_versions.TRITON_MLA_FULL_GRAPHS_
    FROM): a dense-MLA model (every layer MLA, no indexer) on an NVIDIA GPU of compute
    capability other than 9.x and 10.x (an unknown one is not counted; 10.x other than 10.0
    before 0.13, where platforms/cuda.py takes Blackwell's MLA backends on is_device_capability
    (100) only and FlashMLA / FlashAttention MLA need major 9: vllm_versions.sm100_family), or
    on any AMD GPU, on a release that otherwise captures full decode graphs (0.11-0.21).

    NOTE: ROCm's MLA backend (platforms/rocm.py, 0.11.0, 0.16.0 and 0.21.0 wheels) is
    ROCM_AITER_MLA only with rocm_aiter_ops.is_mla_enabled() (VLLM_ROCM_USE_AITER, default
    False) or block size 1, else TRITON_MLA; Headroom plans no environment variable set."""
    cc = parse_capability(compute_capability) or (0, 0)
    off_flash = vendor == "amd" or cc[0] not in (0, 9, 10) or (
        cc[0] == 10 and not sm100_family(rules.version, cc))
    return (off_flash and rules.full_graphs and rules.version < TRITON_MLA_FULL_GRAPHS_FROM
            and is_dense_mla(spec))


TRITON_MLA_PIECEWISE_NOTE = (
    "vLLM {v} serves this GPU's MLA attention with TRITON_MLA, which supports no CUDA graph "
    "before 0.22 (AttentionCGSupport.NEVER; vllm_versions.TRITON_MLA_FULL_GRAPHS_FROM), so vLLM "
    "turns FULL_AND_PIECEWISE into PIECEWISE: no full decode graphs, each layer's attention "
    "launched from Python every step")
"""What triton_mla_piecewise means for a plan, on its CUDA graph and overhead terms."""


def cuda_graph_bytes(graphs: int) -> int:
    """Estimated CUDA graph memory of one worker that captures `graphs` graphs."""
    return GRAPH_BYTES_PER_GRAPH * graphs


# --- per-model facts, prepared once ------------------------------------------------------------


class StageKv(BaseModel):
    """How vLLM lays out the KV cache of one PP stage: groups, page and block sizes."""

    model_config = ConfigDict(frozen=True)

    layers: tuple[KvLayer, ...]
    kinds: tuple[tuple[KvLayer, int], ...]
    group_size: int
    num_groups: int
    page_bytes: int
    block_tokens: int
    kind_blocks: tuple[int, ...]
    state_blocks: int = 1
    bytes_per_block: int
    kv_bytes_per_token: int
    state_bytes: int
    dsv4_groups: tuple[tuple[int, int | None], ...] = ()  # DeepSeek-V4: (block, window)
    uniform_type: bool = False  # full-attention pages of two sizes in one group (turboquant)
    mixed_pages: bool = False  # kinds of different page sizes (unified from vLLM 0.12.0)
    groups: tuple[tuple[KvLayer, int, int], ...] = ()
    """The KV cache groups a request takes blocks in, kind by kind: (the kind's layer, its
    groups, their block tokens); the whole model's where vLLM groups it whole
    (vllm_versions.GLOBAL_KV_GROUPS_FROM), so also kinds with no layer on this stage."""


def _attention_block(layers: list[KvLayer], block_size: int, kv_bytes: KvBytes, tp: int,
                     align: int = 16) -> int:
    """Attention block size, raised for hybrid Mamba/GDN models so pages match.

    NOTE: vLLM HybridAttentionMambaModelConfig.verify_and_update_config: attention block =
    `align` x cdiv(mamba page, `align` x attention bytes per token per layer), then the mamba
    page is padded to the attention page; `align` (kernel_block_alignment_size) is 16, or 32
    for head size 256 on Blackwell in 0.11.1-0.17 (StateRules.attention_align), and at least
    the block size from 0.20 (vllm_versions.HYBRID_ALIGN_TO_BLOCK_FROM). Qwen3-Next at
    TP=1: GDN page 1,097,728 B, attention 2 x 2 x 256 x 2 = 2,048 B/token -> 16 x
    cdiv(1,097,728, 32,768) = 16 x 34 = 544 tokens (32 x cdiv(1,097,728, 65,536) = 544 too;
    from a block of 64, 0.34's default: 64 x cdiv(1,097,728, 131,072) = 64 x 9 = 576).
    """
    states = [kv.state_bytes(tp) for kv in layers if isinstance(kv, RecurrentStateKv)]
    per_token = max((kv.bytes_per_token(kv_bytes, tp) for kv in layers), default=0)
    if not states or per_token == 0:
        return block_size
    return max(block_size, align * cdiv(max(states), align * per_token))


FA4_FP8_HD512_BLOCK = 64
"""NOTE: vLLM v1/attention/backends/flash_attn.py _get_sm90_fa4_fp8_kv_block_size (0.31.0
wheel on, absent from 0.30.0): on Hopper (SM90) with an fp8 KV cache, layers of head size
512 run FlashAttention 4's FP8-dequant kernel, whose "64-token TMA tile/page" makes 64 their
block size (Gemma-4's global layers)."""


def _kernel_block(kv: KvLayer, block: int, kv_bytes: KvBytes, fa4_fp8_hd512: bool) -> int:
    """The block size the attention backend gives this layer kind (before page unification)."""
    if fa4_fp8_hd512 and kv_bytes == 1 and getattr(kv, "head_dim", 0) == 512:
        return max(block, FA4_FP8_HD512_BLOCK)
    return block


def stage_kv(layers: tuple[KvLayer, ...], block_size: int, kv_bytes: KvBytes, tp: int,
             fa4_fp8_hd512: bool = False, state_blocks: int = 1,
             model_layers: tuple[KvLayer, ...] = (), first: int = 0,
             group_pad_ratio: float = 1.5, attention_align: int = 16) -> StageKv:
    """Group the KV layers as vLLM does and size one block of this stage's (`layers`).

    NOTE: vLLM kv_cache_utils._get_kv_cache_groups_uniform_page_size: layers of equal spec
    form a type; group_size = the smallest type's layer count (or, from 0.12.0,
    vllm_versions.GROUP_PAD_FROM, the largest, when that is < `group_pad_ratio` x the
    smallest, to avoid padding: 1.25 to 0.17, 1.5 from 0.18, GROUP_PAD_WIDER_FROM); each type
    is cut into cdiv(its count, group_size) groups, group i taking its layers i, i + groups, ...
    One block = group_size pages. Gemma-3-27B: 52 sliding + 10 full -> size 10, 6 + 1 = 7
    groups; page 16 x 2 x 16 x 128 x 2 = 131,072 B; block = 10 pages = 1.25 MiB.
    Mixed page sizes (`mixed_pages`; before 0.12.0 vLLM cannot start, PAGE_UNIFY_FROM):
    unify_kv_cache_spec_page_size (0.19.0, 0.33.0 and 0.34.0 wheels) raises the
    block size of the kinds with smaller pages by max page / their page (a page that does
    not divide the largest is padded instead). Gemma-4-31B, fp8 KV: sliding layers 16 x 16
    heads x 512 x 1 B = 131,072 B, global layers 16 x 4 x 1,024 x 1 B = 65,536 B -> global
    blocks of 32 tokens, one 131,072 B page for every kind.
    `model_layers` (the whole model's, this stage from index `first`): vLLM groups the
    specs of all workers merged and gives each worker those groups with its own layers
    (vllm_versions.GLOBAL_KV_GROUPS_FROM), so the kinds, group size, groups and unified
    pages are the whole model's; a stage's block is the page x its fullest group's layers
    (get_kv_cache_config_from_groups: max len(group.layer_names); a type's run of c layers
    on the stage fills cdiv(c, that type's groups) of one group), and a request takes blocks
    in every group, empty ones too. Without `model_layers` the stage is grouped alone, as
    before that release. DeepSeek-V4 is always grouped whole (_dsv4_stage).
    """
    if layers and isinstance(layers[0], DeepseekV4Kv):
        return _dsv4_stage(model_layers or layers, range(first, first + len(layers)),
                           block_size)
    grouped = model_layers or layers
    kinds = _layer_kinds(grouped)
    counts = [n for _, n in kinds.values()]
    smallest, largest = min(counts), max(counts)
    group_size = largest if largest < group_pad_ratio * smallest else smallest
    num_groups = {key: cdiv(n, group_size) for key, (_, n) in kinds.items()}
    base = _attention_block(list(grouped), block_size, kv_bytes, tp, attention_align)
    blocks = [_kernel_block(kv, base, kv_bytes, fa4_fp8_hd512) for kv, _ in kinds.values()]
    pages = [kv.page_bytes(b, kv_bytes, tp) for (kv, _), b in zip(kinds.values(), blocks,
                                                                   strict=True)]
    page = max(pages)
    here = _layer_kinds(layers)
    if len(kinds) > 1 and all(type(kv) is FullAttentionKv for kv, _ in kinds.values()):
        # turboquant's 16-bit boundary pages: one group of every layer, a block is the sum
        # of the pages (vLLM UniformTypeKVCacheSpecs.page_size_bytes; kvformat.TURBOQUANT_NOTE)
        at = dict(zip(kinds, zip(blocks, pages, strict=True), strict=True))
        return StageKv(
            layers=layers, kinds=tuple(here.values()), group_size=len(layers), num_groups=1,
            page_bytes=page, block_tokens=base, kind_blocks=tuple(at[k][0] for k in here),
            state_blocks=state_blocks, uniform_type=True,
            bytes_per_block=sum(at[k][1] * n for k, (_, n) in here.items()),
            kv_bytes_per_token=sum(kv.bytes_per_token(kv_bytes, tp) for kv in layers),
            state_bytes=0, groups=((next(iter(kinds.values()))[0], 1, blocks[0]),))
    blocks = [b * (page // p) if p and page % p == 0 and not isinstance(kv, RecurrentStateKv)
              else b for (kv, _), b, p in zip(kinds.values(), blocks, pages, strict=True)]
    unified = dict(zip(kinds, blocks, strict=True))
    fullest = max(cdiv(n, num_groups[key]) for key, (_, n) in here.items())
    return StageKv(
        layers=layers,
        kinds=tuple(here.values()),
        group_size=fullest,
        num_groups=sum(num_groups.values()),
        page_bytes=page,
        block_tokens=min(blocks),
        kind_blocks=tuple(unified[key] for key in here),
        state_blocks=state_blocks,
        bytes_per_block=page * fullest,
        kv_bytes_per_token=sum(kv.bytes_per_token(kv_bytes, tp) for kv in layers),
        state_bytes=sum(kv.state_bytes(tp) for kv in layers),
        # a Mamba / GDN page is padded to the attention page (HybridAttentionMambaModelConfig)
        mixed_pages=len({p for (kv, _), p in zip(kinds.values(), pages, strict=True)
                         if not isinstance(kv, RecurrentStateKv)}) > 1,
        groups=tuple((kv, num_groups[key], unified[key]) for key, (kv, _) in kinds.items()),
    )


def _layer_kinds(layers: tuple[KvLayer, ...]) -> dict[str, tuple[KvLayer, int]]:
    """The layers' types in order of first appearance: each type's first layer and count
    (vLLM's same_type_layers, by KvLayer.group_key)."""
    kinds: dict[str, tuple[KvLayer, int]] = {}
    for kv in layers:
        head, count = kinds.get(kv.group_key, (kv, 0))
        kinds[kv.group_key] = (head, count + 1)
    return kinds


DEFAULT_BLOCK_SIZE = 16
"""vLLM config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE: the block size without --block-size,
before the attention backend's preference (mla_block.mla_block_size), to 0.33
(vllm_versions.BLOCK_64_DEFAULT_FROM: 64 from 0.34; default_block_size)."""

BLOCK_64 = 64
"""vLLM 0.34's CacheConfig.DEFAULT_BLOCK_SIZE (vllm_versions.BLOCK_64_DEFAULT_FROM)."""


def default_block_size(version: Version) -> int:
    """vLLM `version`'s CacheConfig.DEFAULT_BLOCK_SIZE: 16, 64 from 0.34
    (vllm_versions.BLOCK_64_DEFAULT_FROM)."""
    return BLOCK_64 if version >= BLOCK_64_DEFAULT_FROM else DEFAULT_BLOCK_SIZE

DSV4_BLOCK = 256
"""NOTE: DeepSeek-V4 without --block-size: vLLM takes the first attention backend's preferred
block size (platforms/interface.py update_block_size_for_backend), the sparse SWA backend's
256 (sparse_swa.py DeepseekSparseSWABackend.get_preferred_block_size, 0.22.0 wheel)."""


def _dsv4_stage(model: tuple[KvLayer, ...], stage: range, block_size: int) -> StageKv:
    """DeepSeek-V4's KV layout on one PP stage: one full-context MLA group and sliding groups
    sharing one tensor layout of "layer tuples", grouped over the whole model.

    NOTE: vLLM v1/core/kv_cache_utils.py (0.22.0 wheel): group_and_unify_kv_cache_specs puts
    the full-context caches (compressed MLA, indexer) in one group and the sliding caches in
    groups of equal (block, window); _get_kv_cache_groups_uniform_groups picks the layer-tuple
    count d = _approximate_gcd (least padding, at least the MLA group's count), pads sliding
    pages to the nearest MLA page size and splits each sliding group into cdiv(n, d) groups
    (group g takes layer tuples g, g + splits, ...). A block row is sum(distinct MLA page
    sizes) x the largest tuple count (_get_kv_cache_config_deepseek_v4, _max_memory_usage_
    bytes_from_groups), and a request needs, per group, its cache's max_memory_usage in pages.
    DeepSeek-V4-Flash (21 layers of ratio 4, 20 of 128, 2 window-only), block 256: MLA pages
    37,440 + 1,728 + 8,640 = 47,808 B, d = 22 (43 window caches -> 22 + 21), row = 22 x
    47,808 = 1,051,776 B.
    Pipeline parallel: get_kv_cache_configs groups the specs merged over all workers, then
    _project_kv_cache_groups_to_worker keeps each group's layers on the worker (an empty group
    keeps the global spec), so the groups and MLA pages are the whole model's and the row
    counts the stage's tuples: PP=15 puts the two window-only layers alone on stage 0, whose
    row is 1 x 47,808 B.
    """
    caches = [(i, cache) for i, kv in enumerate(model) for cache in kv.caches(block_size)]
    full = Counter(c.page_bytes for _, c in caches if c.window is None)
    mla_pages = sorted(full)
    sliding: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, c in caches:
        if c.window is not None:
            sliding.setdefault((c.block, c.window), []).append((i, c.page_bytes))
    counts = [full.most_common(1)[0][1]] + [Counter(p for _, p in m).most_common(1)[0][1]
                                             for m in sliding.values()]
    d = _approximate_gcd(counts, counts[0])
    groups: list[tuple[int, int | None]] = [(block_size, None)]
    here = Counter(c.page_bytes for i, c in caches if c.window is None and i in stage)
    tuples = [max(here.values(), default=0)]
    for (block, window), members in sliding.items():
        by_size: dict[int, list[int]] = {}
        for i, page in members:
            by_size.setdefault(min(p for p in mla_pages if p >= page), []).append(i)
        splits = cdiv(len(next(iter(by_size.values()))), d)
        groups += [(block, window)] * splits
        tuples += [sum(i in stage for i in layers[g::splits])
                   for g in range(splits) for layers in by_size.values()]
    layers = model[stage.start:stage.stop]
    row = sum(mla_pages) * max(tuples)
    ratios = Counter(kv.compress_ratio for kv in layers)
    kinds = tuple((next(kv for kv in layers if kv.compress_ratio == c), n)
                  for c, n in ratios.items())
    return StageKv(
        layers=layers, kinds=kinds, group_size=max(tuples),
        num_groups=len(groups), page_bytes=sum(mla_pages), block_tokens=block_size,
        kind_blocks=(block_size,), bytes_per_block=row,
        kv_bytes_per_token=sum(kv.bytes_per_token(1, 1) for kv in layers), state_bytes=0,
        dsv4_groups=tuple(groups),
    )


def _approximate_gcd(values: list[int], lower_bound: int) -> int:
    """vLLM kv_cache_utils._approximate_gcd: the d in [lower_bound, max] with the least
    round-up padding of `values`, the larger on a tie."""
    best_d, best_pad = lower_bound, None
    for d in range(lower_bound, max(values) + 1):
        pad = sum((d - x % d) % d for x in values)
        if best_pad is None or pad < best_pad or (pad == best_pad and d > best_d):
            best_d, best_pad = d, pad
    return best_d


def _dsv4_pages(stage: StageKv, max_model_len: int, mbt: int) -> int:
    """Pages (block rows) one DeepSeek-V4 request needs: per group, cdiv(L, block) for the
    full-context group, cdiv(min(window - 1 + batched tokens, L), block) + 1 for a sliding
    one (SlidingWindowSpec.max_admission_blocks_per_request; `mbt`: from 0.26 the in-flight
    tokens, vllm_versions.window_batched_tokens)."""
    return sum(cdiv(max_model_len, block) if window is None
               else cdiv(min(window - 1 + mbt, max_model_len), block) + 1
               for block, window in stage.dsv4_groups)


def blocks_per_request(stage: StageKv, max_model_len: int, max_num_batched_tokens: int) -> int:
    """Blocks one request of max_model_len needs, summed over groups (a recurrent group holds
    stage.state_blocks state pages: 2 in vLLM's mamba_cache_mode "align", 3 with a prefill
    checkpoint's, StateRules.state_blocks);
    `max_num_batched_tokens`: what sliding layers count (vllm_versions.window_batched_tokens).

    NOTE: vLLM get_max_concurrency_for_kv_cache_config: sum over groups of
    cdiv(max_memory_usage_bytes, page). Per group we take its first layer's need (all layers
    of a group are alike): Gemma-3-27B at 8192: 512 (full) + 6 x 513 (sliding) = 3,590.
    """
    if stage.dsv4_groups:
        return _dsv4_pages(stage, max_model_len, max_num_batched_tokens)
    total = 0
    for kv, groups, block in stage.groups:
        need = kv.max_memory_usage_bytes(max_model_len, block, 1, 1, max_num_batched_tokens)
        page = kv.page_bytes(block, 1, 1)
        held = stage.state_blocks if isinstance(kv, RecurrentStateKv) else 1
        total += groups * (cdiv(need, page) if page else 1) * held
    return total


def request_bytes(stage: StageKv, max_model_len: int, kv_bytes: KvBytes, tp: int, mbt: int) -> int:
    """Bytes one request of max_model_len needs on this stage (vLLM's start-up check).

    NOTE: vLLM check_enough_kv_cache_memory sums max_memory_usage_bytes over all layers of
    the worker and compares with its available memory; DeepSeek-V4: block rows x pages
    (_max_memory_usage_bytes_from_groups).
    """
    if stage.dsv4_groups:
        return stage.bytes_per_block * _dsv4_pages(stage, max_model_len, mbt)
    return sum(
        count * kv.max_memory_usage_bytes(max_model_len, block, kv_bytes, tp, mbt)
        * (stage.state_blocks if isinstance(kv, RecurrentStateKv) else 1)
        for (kv, count), block in zip(stage.kinds, stage.kind_blocks, strict=True)
    )


class ModelFacts(BaseModel):
    """Per-model figures the engine model needs, prepared once per ModelSpec."""

    model_config = ConfigDict(frozen=True)

    kv_layers: tuple[KvLayer | None, ...]
    hidden_size: int
    vocab_size: int
    mlp_width: tuple[int, ...]
    routed_per_token: tuple[int, ...]
    vision: VisionEncoder | None = None
    dsv4: Dsv4Shape | None = None  # DeepSeek-V4: its activation comes from activation_dsv4
    draft_kv: KvLayer | None = None  # the KV layer of one MTP draft layer (draft_kv_layer)


_FACTS: IdentityMemo[ModelFacts] = IdentityMemo(256)


def model_facts(spec: ModelSpec) -> ModelFacts:
    """Prepared facts for a spec, cached by identity (hashing a large frozen spec is slow)."""
    return _FACTS.get(spec, (), _prepare_facts, spec)


def _prepare_facts(spec: ModelSpec) -> ModelFacts:
    """Work out the facts model_facts caches."""
    widths, routed = [], []
    for layer in spec.layers:
        mlp = layer.mlp
        if isinstance(mlp, DenseMlp):
            widths.append(mlp.intermediate_size * (2 if mlp.gated else 1))
            routed.append(0)
        elif isinstance(mlp, MoeMlp):
            shared = mlp.num_shared_experts * mlp.shared_intermediate_size
            width = mlp.experts_per_token * mlp.expert_intermediate_size + shared
            widths.append(width * (2 if mlp.gated else 1))
            routed.append(mlp.experts_per_token)
        else:
            widths.append(0)
            routed.append(0)
    kv_layers = model_kv_layers(spec)
    draft_kv = (kv_layer_spec(spec.mtp_layer.mixer, TORCH_DTYPE_BYTES[spec.torch_dtype])
                if spec.mtp_layer else draft_kv_layer(kv_layers))
    return ModelFacts.model_construct(
        kv_layers=kv_layers,
        draft_kv=draft_kv,
        hidden_size=spec.hidden_size,
        vocab_size=spec.vocab_size,
        mlp_width=tuple(widths),
        routed_per_token=tuple(routed),
        vision=spec.vision.encoder if spec.vision else None,
        dsv4=dsv4_shape(spec),
    )


_WIDTHS: IdentityMemo[tuple[int, int]] = IdentityMemo(1024)


def activation_features(
    facts: ModelFacts,
    layers: range,
    last_stage: bool,
    max_num_batched_tokens: int,
    max_num_seqs: int,
    tp: int,
    act_bytes: int,
) -> tuple[int, int, int]:
    """The three byte counts the activation fit weighs: sampler S, forward F, MoE routed R."""
    mbt = max_num_batched_tokens
    widest, routed = stage_widths(facts, layers)
    width = widest // tp
    sampler = min(max_num_seqs, mbt) * facts.vocab_size * 4 if last_stage else 0
    forward = mbt * (facts.hidden_size + width) * act_bytes
    return sampler, forward, mbt * routed * facts.hidden_size * act_bytes


def activation_inputs(facts: ModelFacts, layers: range, last_stage: bool,
                      max_num_batched_tokens: int, max_num_seqs: int, tp: int,
                      act_bytes: int, sort_sampler: bool = False,
                      holds_forward: bool = True) -> dict[str, int | float]:
    """The named inputs of the fitted activation peak (SAMPLER_COEF: its three fitted
    coefficients, and the S, F, R byte counts with what each is made of); the sort sampler's
    moment in place of the fit's sampler term where vLLM < 0.17 sorts (`sort_sampler`:
    sort_sampler_peak_bytes, from source)."""
    mbt = max_num_batched_tokens
    sampler, forward, moe = activation_features(facts, layers, last_stage, mbt, max_num_seqs,
                                                tp, act_bytes)
    widest, routed = stage_widths(facts, layers)
    seqs = min(max_num_seqs, mbt) if last_stage else 0
    sampled: dict[str, int | float] = {
        "fitted_sampler_coef": SAMPLER_COEF, "sampler_seqs": seqs,
        "vocab_size": facts.vocab_size, "logits_dtype_bytes": 4, "sampler_bytes": sampler}
    if sort_sampler and last_stage:
        sampled = {"sampler_seqs": seqs, "vocab_size": facts.vocab_size,
                   "sort_row_bytes": SORT_ROW_BYTES, "sort_sampler_peak_bytes":
                   sort_sampler_peak_bytes(facts, seqs, mbt, act_bytes, holds_forward)[0]}
    if facts.dsv4 is not None:  # activation_dsv4: the tensors vLLM holds, the fit's sampler
        return {**sampled, "max_num_batched_tokens": mbt, "hidden_size": facts.hidden_size,
                "activation_dtype_bytes": act_bytes}
    return {
        **sampled, "fitted_forward_coef": FORWARD_COEF,
        "max_num_batched_tokens": mbt, "hidden_size": facts.hidden_size,
        "mlp_width_per_gpu": widest // tp, "activation_dtype_bytes": act_bytes,
        "forward_bytes": forward, "fitted_moe_routed_coef": MOE_ROUTED_COEF,
        "experts_per_token": routed, "moe_routed_bytes": moe}


def stage_widths(facts: ModelFacts, layers: range) -> tuple[int, int]:
    """The widest MLP and the most routed experts per token among `layers`: all that
    activation_bytes reads of a stage's layers, with whether the stage is the first and the
    last (cached per range)."""
    return _WIDTHS.get(facts, (layers.start, layers.stop), _widest, facts, layers)


def _widest(facts: ModelFacts, layers: range) -> tuple[int, int]:
    """The widest MLP and the most routed experts per token among these layers."""
    return (max((facts.mlp_width[i] for i in layers), default=0),
            max((facts.routed_per_token[i] for i in layers), default=0))


def activation_peak_bytes(features: tuple[int, int, int]) -> int:
    """Profile-run activation peak from the (S, F, R) byte counts (see SAMPLER_COEF)."""
    sampler, forward, moe = features
    return int(SAMPLER_COEF * sampler + FORWARD_COEF * forward + MOE_ROUTED_COEF * moe)


SORT_ROW_BYTES = 4 + 4 + 8
"""NOTE: per logit, what vLLM 0.9.1-0.16.0's dummy sampler holds on top of the model-dtype
logits that _dummy_sampler_run keeps (gpu_model_runner.py; compute_logits gathers the full
vocabulary on every TP rank): the fp32 copy (v1/sample/sampler.py Sampler.forward,
logits.to(torch.float32)) and logits.sort's outputs, fp32 values + int64 indices
(v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p; vllm_versions.TRITON_TOP_K_TOP_P_FROM)."""

SORT_SCRATCH_BYTES = {"segmented": 8 + 4 + 8, "full": 8 + 8 + 4 + 4 + 8}
"""NOTE: per logit, the sort's scratch (PyTorch aten/src/ATen/native/cuda/SortStable.cu
launch_stable_sort_kernel, rows of more than 4,096 values): 128 rows or more ("segmented",
segmented_sort_pairs): int64 reverse indices + cub's DeviceSegmentedRadixSort third key (fp32)
and value (int64) buffers, allocated when the source may not be overwritten
(cub dispatch_radix_sort.cuh: allocation_sizes "bytes needed for 3rd keys/values buffer");
2-127 rows ("full", segmented_sort_pairs_by_full_sort): two int2 index-and-segment arrays,
radix_sort_pairs' fp32 keys_out (allocated when passed nullptr) and DeviceRadixSort's third key
(fp32) and value (int2) buffers. One row, or rows of a million values or more
(segmented_sort_large_segments), sort one row at a time: the "segmented" bytes of one row."""


def sort_sampler_peak_bytes(facts: ModelFacts, seqs: int, mbt: int, act_bytes: int,
                            holds_forward: bool) -> tuple[int, str]:
    """vLLM 0.9.1-0.16.0's dummy-sampler moment (SORT_ROW_BYTES, SORT_SCRATCH_BYTES) with the
    forward's outputs profile_run still holds: the hidden states of every token (from 0.9.2,
    vllm_versions.SAMPLER_HOLDS_FORWARD_FROM), the sampled rows and their torch.rand_like."""
    vocab = facts.vocab_size
    if seqs == 1 or vocab >= 1_000_000:
        kind, per, count = "one row at a time", SORT_SCRATCH_BYTES["segmented"], vocab
    elif seqs < 128:
        kind, per, count = "full sort", SORT_SCRATCH_BYTES["full"], seqs * vocab
    else:
        kind, per, count = "segmented", SORT_SCRATCH_BYTES["segmented"], seqs * vocab
    rows = (mbt if holds_forward else 0) + 2 * seqs
    total = (seqs * vocab * (act_bytes + SORT_ROW_BYTES) + per * count
             + rows * facts.hidden_size * act_bytes)
    return total, (f"sort sampler {seqs} x {vocab:,} x ({act_bytes} + {SORT_ROW_BYTES}) B"
                   f" + {per} B x {count:,} ({kind} scratch) + {rows} rows x "
                   f"{facts.hidden_size} x {act_bytes} B held = {total / GIB:.2f} GiB")


def activation_bytes(
    facts: ModelFacts,
    layers: range,
    last_stage: bool,
    max_num_batched_tokens: int,
    max_num_seqs: int,
    tp: int,
    act_bytes: int,
    max_model_len: int = 0,
    expert_tp: int = 1,
    compute_capability: str = "",
    sort_sampler: bool = False,
    holds_forward: bool = True,
    mm_profiling: bool = False,
    encoder_every_stage: bool = False,
    encoder_rules: EncoderRules = DEFAULT_ENCODER_RULES,
    moe_workspace: int = 0,
) -> tuple[int, str]:
    """Profile-run activation peak of one worker, with its formula filled in (DeepSeek-V4:
    planner.serving.activation_dsv4, its sampler from the fit's sampler term; `expert_tp` (the
    ranks each routed expert is sliced over: ParallelLayout.expert_tp, tp x dp without EP, 1
    with it) and `compute_capability` pick its MoE kernel's split and workspace; `sort_sampler`
    and `holds_forward`: vllm_versions.TRITON_TOP_K_TOP_P_FROM, SAMPLER_HOLDS_FORWARD_FROM;
    `mm_profiling`: the profile run includes the vision encoder's (encoder_profile, on the first
    stage of a model with one, and on every stage with `encoder_every_stage`; vLLM without
    --skip-mm-profiling; `encoder_rules`: the release's, vllm_versions.encoder_rules);
    `moe_workspace`: what the MoE backend allocates in the decoder's dummy run and keeps
    (planner.serving.moe_backend), on top of the decoder's peak).

    NOTE: the V1 runner's profile_run (gpu_model_runner.py, the 0.10.1-0.33.0 wheels) calls
    model.embed_multimodal with no get_pp_group().is_first_rank test, so every stage that
    builds the tower (weights.VISION_ON_EVERY_STAGE) runs the encoder's profile; Model Runner
    V2's (v1/worker/gpu/model_runner.py, 0.29.0-0.34.0) only on the first PP rank."""
    decoder, formula = _decoder_activation_bytes(
        facts, layers, last_stage, max_num_batched_tokens, max_num_seqs, tp, act_bytes,
        max_model_len, expert_tp, compute_capability, sort_sampler, holds_forward)
    if moe_workspace:
        decoder += moe_workspace
        formula += (f"; + {moe_workspace / GIB:.2f} GiB MoE workspace (the moe_workspace term) "
                    f"= {decoder / GIB:.2f} GiB")
    enc = profiled_encoder(facts, layers, tp, max_num_batched_tokens, max_num_seqs,
                           max_model_len, act_bytes, mm_profiling, encoder_every_stage,
                           encoder_rules)
    if enc is None:
        return decoder, formula
    total = max(enc.vit_peak, enc.held + decoder)
    if enc.frames:
        item = (f"{counted(enc.items, 'dummy video')} of {enc.frames:,} frames, {enc.patches:,} "
                f"patches: vLLM 0.11-0.12 count {VIDEO_TOKEN_SCALE:g} tokens per video "
                f"embedding, so video outranks the image (video processor size unverified)")
    else:
        item = (f"{counted(enc.items, 'dummy image')} at the image processor's largest size, "
                f"unverified: {enc.patches:,} patches")
    padded = (f", each output padded to {enc.rows:,} rows (vLLM 0.11-0.12 profile_run)"
              if enc.rows else "")
    return total, (
        f"max(vision encoder profile {enc.vit_peak / GIB:.2f} GiB ({item}{padded}), "
        f"{enc.held / GIB:.2f} GiB encoder input + outputs held + "
        f"decoder {decoder / GIB:.2f} GiB) = {total / GIB:.2f} GiB; decoder: " + formula)


def _decoder_activation_bytes(
    facts: ModelFacts, layers: range, last_stage: bool, max_num_batched_tokens: int,
    max_num_seqs: int, tp: int, act_bytes: int, max_model_len: int, expert_tp: int,
    compute_capability: str, sort_sampler: bool, holds_forward: bool,
) -> tuple[int, str]:
    """activation_bytes without the vision encoder: the decoder's peak and its formula."""
    mbt = max_num_batched_tokens
    sampler, forward, moe = activation_features(
        facts, layers, last_stage, mbt, max_num_seqs, tp, act_bytes
    )
    if facts.dsv4 is not None:
        return dsv4_activation(facts.dsv4, tp, mbt, max_model_len, act_bytes,
                               int(SAMPLER_COEF * sampler), expert_tp,
                               dsv4_marlin(compute_capability))
    total = activation_peak_bytes((sampler, forward, moe))
    seqs = min(max_num_seqs, mbt) if last_stage else 0
    width = forward // (mbt * act_bytes) - facts.hidden_size
    routed = moe // (mbt * facts.hidden_size * act_bytes)
    forward_formula = (
        f"{FORWARD_COEF} x {mbt} tokens x ({facts.hidden_size} hidden + {width} widest MLP "
        f"up-projection per GPU) x {act_bytes} B + {MOE_ROUTED_COEF} x {mbt} tokens x {routed} "
        f"experts per token x {facts.hidden_size} hidden x {act_bytes} B")
    if sort_sampler and last_stage:
        # the dummy sampler sorts (vLLM 0.9.1-0.16.0): the larger of the fit's forward terms
        # and the sampler's moment; the profile run frees the forward's activations before
        # sampling, so the two do not add
        fwd = activation_peak_bytes((0, forward, moe))
        peak, sampler_formula = sort_sampler_peak_bytes(facts, seqs, mbt, act_bytes,
                                                        holds_forward)
        total = max(fwd, peak)
        return total, (f"max(forward {forward_formula} = {fwd / GIB:.2f} GiB, "
                       f"{sampler_formula}) = {total / GIB:.2f} GiB")
    formula = (
        f"{SAMPLER_COEF} x {seqs} seqs{'' if last_stage else ' (no sampler: not the last stage)'}"
        f" x {facts.vocab_size:,} vocab x 4 B + "
        + forward_formula + f" = {total / GIB:.2f} GiB"
    )
    return total, formula


MM_LIMIT_PER_PROMPT = 999
"""NOTE: vLLM config/multimodal.py get_limit_per_prompt: a modality without
--limit-mm-per-prompt allows 999 items per prompt."""


class EncoderProfile(NamedTuple):
    """vLLM's multimodal encoder profile run on one worker (bytes)."""

    vit_peak: int  # the encoder step's own peak: the ViT's forward, or padding its outputs
    held: int  # what stays allocated through the decoder's dummy run
    items: int
    patches: int
    frames: int = 0  # the dummy video's frames where video is profiled; 0: the image
    rows: int = 0  # the rows each output is padded to (EncoderRules.expand_to); 0: none


VIDEO_FRAMES_CAP = 24_576
"""NOTE: qwen3_vl.py _MAX_FRAMES_PER_VIDEO, the most frames vLLM's dummy Qwen3-VL video takes
(get_num_frames_with_most_features) in the 0.11.0-0.14.0 wheels."""

VIDEO_TOKEN_SCALE = 12.5
"""NOTE: qwen3_vl.py Qwen3VLProcessingInfo.get_max_video_tokens, 0.11.0-0.12.0 wheels
(vllm_versions.SCALED_VIDEO_RULE): int(video embeddings x 12.5), the timestamp text vLLM
expects around each one."""


def _video_patches(enc: VisionEncoder, frames: int) -> int:
    """Patches of a `frames`-frame dummy video at the image's largest size, vLLM 0.11.0-0.14.0.

    NOTE: qwen3_vl.py Qwen3VLProcessingInfo._get_vision_info with the video processor:
    transformers video_processing_qwen3_vl.py smart_resize(frames, side, side, temporal_factor
    t, factor p m, max_pixels = the video processor's longest_edge) (4.57.0, the same in
    5.24.0): edge = round(side / pm) pm, and where round(frames / t) t x edge^2 > max_pixels,
    edge = max(pm, floor(side / beta / pm) pm) with beta = sqrt(frames x side^2 / max_pixels);
    its min_pixels branch needs t_bar x edge^2 < shortest_edge, never true at side 4,096.
    grid_t = (frames + frames % t) // t; patches = grid_t (edge / p)^2. `side` is the image's
    largest size (get_image_size_with_most_features: 4,096 for Qwen3-VL)."""
    side = math.isqrt(enc.max_item_patches) * enc.patch
    factor = enc.patch * enc.merge
    edge = round(side / factor) * factor
    if round(frames / enc.temporal) * enc.temporal * edge * edge > enc.video_max_pixels:
        beta = math.sqrt(frames * side * side / enc.video_max_pixels)
        edge = max(factor, math.floor(side / beta / factor) * factor)
    grid_t = max((frames + frames % enc.temporal) // enc.temporal, 1)
    return grid_t * (edge // enc.patch) ** 2


@lru_cache(maxsize=64)
def qwen3_vl_dummy_video(enc: VisionEncoder, max_model_len: int) -> tuple[int, int]:
    """(frames, patches) of vLLM 0.11.0-0.14.0's dummy Qwen3-VL video.

    NOTE: qwen2_vl.py get_num_frames_with_most_features (one video per prompt: the registry
    asks with mm_counts 1 each) = min(_get_max_video_frames(max_model_len), VIDEO_FRAMES_CAP):
    from 2 frames (qwen3_vl.py start_num_frames), one more while the next count's embeddings
    (_video_patches / m^2) stay within max_model_len. The dummy is processed with do_resize
    False and do_sample_frames False (qwen3_vl.py get_dummy_processor_inputs,
    _get_dummy_videos), so the ViT gets exactly these patches. Qwen3-VL-30B-A3B at 65,536
    tokens: 24,576 frames of 32 x 32 -> 12,288 x 2 x 2 = 49,152 patches, 12,288 embeddings."""
    merged = enc.merge * enc.merge
    frames = 2
    while frames < VIDEO_FRAMES_CAP and _video_patches(enc, frames + 1) // merged <= max_model_len:
        frames += 1
    return frames, _video_patches(enc, frames)


def encoder_profile(enc: VisionEncoder, tp: int, mbt: int, seqs: int, max_model_len: int,
                    act_bytes: int, rules: EncoderRules = DEFAULT_ENCODER_RULES,
                    ) -> EncoderProfile:
    """The encoder half of vLLM's profile run, from the tensors it keeps alive.

    NOTE: vLLM v1/worker/gpu_model_runner.py profile_run (0.11.0-0.33.0 wheels; Model Runner V2,
    0.34.0's only runner, profiles alike: v1/worker/gpu/mm/encoder_runner.py
    profile_encoder_cache, 0.29.0-0.34.0, on the first PP rank): the encoder runs on one
    modality only, the one with the most tokens per item (get_modality_with_max_tokens; no tie
    arises here), on max_mm_items_per_batch dummy items of it (v1/worker/utils.py to 0.15,
    multimodal/encoder_budget.py from 0.16, 0.34.0's as 0.33.0's: items = max(1, min(budget //
    tokens per item, max_num_seqs x max(1, min(999, max_model_len // tokens per item)))), budget
    = max(max_num_batched_tokens, the most tokens per item of any modality)). Qwen3-VL's image
    is 16,384 tokens; its video (qwen3_vl_dummy_video) outranks it at 0.11-0.12 only
    (rules.scaled_video: 12.5 x 12,288 = 153,600 tokens at 65,536 max_model_len, the sipeed
    log's "budget of 153600 tokens, and profiled with 1 video items"; Qwen3.5, which 0.11-0.12
    do not have, is planned alike, unverified); from 0.13 the video's embeddings stay below (at
    most 16,200 in 0.13-0.14, a 3-frame 2,880 x 2,880 dummy; 12,288 from 0.15: 2 frames at
    QWEN3_VL_VIDEO_MAX_PIXELS / 2) and the image is profiled.
    The outputs stay in the encoder cache and the dummy batch stays referenced through the
    decoder's dummy run; at 0.11 each output is first padded to `budget` rows, at 0.12 to the
    modality's tokens per item (rules.expand_to, vllm_versions.EXPAND_TO_*_RULE), and the
    unpadded outputs live beside the padded copies until the last is made. Pixel values
    arrive in the model dtype (multimodal/processing.py, 0.11.0-0.13.0; processing/context.py
    in 0.20.0). Llama 4 counts its 2,448 embeddings per item, not the 19 separator tokens
    around them (processing_llama4.py _prompt_split_image): at 0.12 its outputs would pad by
    19 rows each, not counted (< 1 MiB). The torch peak is the largest of
      ViT: input N x (c t p^2) + positions N x h (prepare_encoder_metadata) + deepstack
           outputs k x N / m^2 x out + the live set of one block (below), x dtype bytes;
      padding: input + outputs N / m^2 x out x (1 + k) + the padded copies;
      decoder: input + the outputs (padded, where padded) + the decoder's own peak.
    One block's live set (qwen3_vl.py Qwen3_VisionTransformer.forward / Qwen3_VisionBlock,
    qwen2_5_vl.py Qwen2_5_VisionAttention.forward, linear.py RowParallelLinear.forward; the
    same code in the 0.19.0, 0.24.0, 0.33.0 and 0.34.0 wheels; the encoder runs eager). The caller's
    `hidden_states = blk(hidden_states, ...)` holds the block's input until the block
    returns, and a call's argument (norm1(x), norm2(x)) lives until the call returns:
      attention, at its proj: input + norm1(x) + qkv 3h/TP + the rearranged q|k made
        contiguous 2h/TP + the rotated q|k 2h/TP + the attention output h/TP (locals of
        forward) + proj's output h, + h more at TP > 1 (the all-reduce is out of place:
        RowParallelLinear keeps output_parallel beside the reduced output):
        (3 + [TP > 1]) h + 8 h / TP;
      MLP: input + x + norm2(x) + fc1 and GELU outputs 2 i / TP (ColumnParallel fc1), or at
        fc2: GELU output i / TP + fc2's output h (+ h at TP > 1):
        max(3 h + 2 i / TP, (4 + [TP > 1]) h + i / TP).
    Not counted: rotary cos/sin (N x head_dim, 9 MiB at N = 65,536), cu_seqlens.
    Qwen3-VL-30B-A3B, one 16,384-token image (N = 65,536, h 1152, i 4304, k 3, out 2048),
    TP=1: attention 11 h = 12,672 > MLP 12,064 per patch: 201,326,592 + 150,994,944 +
    201,326,592 + 65,536 x 12,672 x 2 = 1,660,944,384 -> 2,214,592,512 B = 2.06 GiB.
    """
    merge = enc.merge * enc.merge
    patches, frames = enc.max_item_patches, 0
    span = patches // merge  # tokens per item, as the budget counts them
    if rules.scaled_video and enc.video_max_pixels:
        video_frames, video_patches = qwen3_vl_dummy_video(enc, max_model_len)
        video_span = int(video_patches // merge * VIDEO_TOKEN_SCALE)
        if video_span > span:
            patches, frames, span = video_patches, video_frames, video_span
    budget = max(mbt, span)
    per_prompt = max(1, min(MM_LIMIT_PER_PROMPT, max_model_len // span))
    items = max(1, min(budget // span, seqs * per_prompt))
    n = items * patches
    merged = n // merge
    target = budget if rules.expand_to == "budget" else span if rules.expand_to == "item" else 0
    rows = target if target > patches // merge else 0
    width = enc.out_hidden * (1 + enc.deepstack) * act_bytes
    inputs = n * enc.patch_input * act_bytes
    held = inputs + (items * rows if rows else merged) * width
    h, mlp, reduced = enc.hidden, enc.mlp // tp, 1 if tp > 1 else 0
    block = max((3 + reduced) * h + 8 * h // tp, 3 * h + 2 * mlp, (4 + reduced) * h + mlp)
    vit = (n * enc.patch_input + n * h + enc.deepstack * merged * enc.out_hidden
           + n * block) * act_bytes
    padding = held + merged * width if rows else 0
    return EncoderProfile(max(vit, padding), held, items, n, frames, rows)


def profiled_encoder(facts: ModelFacts, layers: range, tp: int, max_num_batched_tokens: int,
                     max_num_seqs: int, max_model_len: int, act_bytes: int,
                     mm_profiling: bool, encoder_every_stage: bool,
                     encoder_rules: EncoderRules) -> EncoderProfile | None:
    """The vision encoder's profile run on a worker of these layers (activation_bytes), or
    None where the profile run has none (no tower, --skip-mm-profiling, a later stage)."""
    if facts.vision is None or not mm_profiling or (layers.start and not encoder_every_stage):
        return None
    return encoder_profile(facts.vision, tp, max_num_batched_tokens, max_num_seqs,
                           max_model_len, act_bytes, encoder_rules)


_STAGES: IdentityMemo[tuple[tuple[range, StageKv | None], ...]] = IdentityMemo(16384)
"""stage_layouts by model facts, TP, PP and KV layout: a sweep over 4,096 GPUs asks ~1,700
(Llama 3.1 405B: every TP x PP at two KV dtypes), which at 1,024 cleared the memo again and
again and split the stages once per plan (8,677 times)."""


class StateRules(NamedTuple):
    """The version's rules for recurrent (GDN / Mamba) state pages, and what MTP speculative
    decoding adds to the KV cache."""

    config_ssm_dtype: bool = True  # the config's mamba_ssm_dtype is honoured
    state_blocks: int = 1  # state pages a request holds (2 in "align", + speculative tokens,
    # + a prefill checkpoint's: vllm_versions.GDN_CHECKPOINT_FROM, MAMBA2_CHECKPOINT_BLOCK_FROM)
    spec_tokens: int = 0  # num_speculative_tokens: the conv states widen by as many columns
    draft_kv_layers: int = 0  # the MTP draft's attention layers, on the last stage
    attention_align: int = 16  # a hybrid's attention block multiple (_attention_block)
    align_to_block: bool = False  # the multiple is at least the block size (HYBRID_ALIGN_...)
    chunked_full: bool = False  # chunked layers as full attention (before CHUNKED_HYBRID_FROM)
    checkpoint_align: int = 1  # lcm'd into the multiple (vllm_versions.GDN_CHECKPOINT_FROM)


def draft_kv_layer(layers: tuple[KvLayer | None, ...]) -> KvLayer | None:
    """The KV layer of an MTP draft layer: the model's last attention (non-recurrent) layer,
    unless the spec names the draft's own layer (ModelSpec.mtp_layer: MiMo-V2-Flash's
    sliding-window draft, mimo_v2_mtp.py).

    NOTE: vLLM builds the MTP module as a copy of a full decoder layer (qwen3_5_mtp.py
    Qwen3_5MultiTokenPredictor: Qwen3_5DecoderLayer(layer_type="full_attention");
    deepseek_mtp.py: a DeepseekV2DecoderLayer, MLA); its attention registers its own KV cache
    spec, so it joins the attention group like one more layer. A 2x RTX 3090 Qwen3.6-27B log
    with MTP (club3090-pr594) groups 17 attention layers (16 + 1 draft) with 48 GDN layers.
    """
    return next((kv for kv in reversed(layers)
                 if kv is not None and not isinstance(kv, RecurrentStateKv)), None)


DEFAULT_STATE_RULES = StateRules()


def stage_layouts(
    facts: ModelFacts, layout: ParallelLayout, block_size: int, kv_bytes: KvBytes,
    fa4_fp8_hd512: bool = False, states: StateRules = DEFAULT_STATE_RULES,
    group_pad_ratio: float = 1.5, whole_model: bool = False,
) -> tuple[tuple[range, StageKv | None], ...]:
    """Each PP stage's layer range and KV layout (None for a stage without KV layers);
    `whole_model`: the groups are the whole model's (vllm_versions.GLOBAL_KV_GROUPS_FROM)."""
    key = (layout.tp, layout.pp, block_size, kv_bytes, fa4_fp8_hd512, states, group_pad_ratio,
           whole_model)
    return _STAGES.get(facts, key, _split_stages, facts, layout, block_size, kv_bytes,
                       fa4_fp8_hd512, states, group_pad_ratio, whole_model)


def _split_stages(
    facts: ModelFacts, layout: ParallelLayout, block_size: int, kv_bytes: KvBytes,
    fa4_fp8_hd512: bool, states: StateRules, group_pad_ratio: float = 1.5,
    whole_model: bool = False,
) -> tuple[tuple[range, StageKv | None], ...]:
    """Work out the stage layouts stage_layouts caches."""
    stages = pp_layer_split(len(facts.kv_layers), layout.pp)
    draft = facts.draft_kv if states.draft_kv_layers else None
    kv_layers = turboquant_layers(facts.kv_layers, kv_bytes)
    align = math.lcm(max(states.attention_align, block_size) if states.align_to_block
                     else states.attention_align, states.checkpoint_align)
    kinds = _KV_KINDS.get(facts, (kv_bytes,), _first_alike_kv, kv_layers)
    if kinds is None:
        # DeepSeek-V4's stages read their place in the model (stage_kv's `first`): each is
        # worked out on its own
        per_stage = [_stage_kv_layers(kv_layers, rng, states, draft, rng is stages[-1])
                     for rng in stages]
        model = tuple(kv for stage in per_stage for kv in stage)
        return tuple((rng, stage_kv(kv, block_size, kv_bytes, layout.tp, fa4_fp8_hd512,
                                    states.state_blocks, model, first, group_pad_ratio, align)
                      if kv else None)
                     for rng, kv, first in zip(stages, per_stage,
                                               accumulate(map(len, per_stage), initial=0),
                                               strict=False))  # (one start too many)
    # stages whose layers are alike kind for kind (and the last's draft) get one StageKv,
    # worked out once (Llama 3.1 405B at PP 126: one, not 126), and once across the layouts
    # of one TP (_KIND_STAGE_KV: the whole model's groups are those of every PP split)
    out = []
    alike: dict[tuple, StageKv | None] = {}
    for rng in stages:
        key = (kinds[rng.start:rng.stop], rng is stages[-1])
        if key not in alike:
            alike[key] = _KIND_STAGE_KV.get(
                facts, (*key, layout.tp, block_size, kv_bytes, fa4_fp8_hd512, states,
                        group_pad_ratio, whole_model),
                _kind_stage_kv, kv_layers, rng, states, draft, key[1], block_size, kv_bytes,
                layout.tp, fa4_fp8_hd512, group_pad_ratio, align, whole_model)
        out.append((rng, alike[key]))
    return tuple(out)


def _stage_kv_layers(kv_layers: tuple[KvLayer | None, ...], rng: range, states: StateRules,
                     draft: KvLayer | None, last: bool) -> tuple[KvLayer, ...]:
    """The KV layers of the stage of layers `rng` as the release holds them (_state_dtype),
    the MTP draft's on the last."""
    kv = tuple(_state_dtype(k, states) for k in kv_layers[rng.start:rng.stop] if k is not None)
    if draft is not None and last:
        kv += (draft,) * states.draft_kv_layers
    return kv


_KIND_STAGE_KV: IdentityMemo[StageKv | None] = IdentityMemo(16384)
"""_kind_stage_kv by model facts, the stage's kind (its layers' _first_alike_kv, whether it is
the last) and all else stage_kv reads: the stages of every PP split of one TP share a few
kinds (Llama 3.1 405B over 4,096 GPUs: ~1,700 splits, each of which grouped its stages)."""


def _kind_stage_kv(kv_layers: tuple[KvLayer | None, ...], rng: range, states: StateRules,
                   draft: KvLayer | None, last: bool, block_size: int, kv_bytes: KvBytes,
                   tp: int, fa4_fp8_hd512: bool, group_pad_ratio: float, align: int,
                   whole_model: bool) -> StageKv | None:
    """The StageKv of the stage of layers `rng` (None: it holds no KV layer), not DeepSeek-V4's
    (_split_stages); `whole_model`: grouped with the whole model's KV layers, the draft's
    with the last stage's."""
    kv = _stage_kv_layers(kv_layers, rng, states, draft, last)
    model = _stage_kv_layers(kv_layers, range(len(kv_layers)), states, draft, True) \
        if whole_model else ()
    return stage_kv(kv, block_size, kv_bytes, tp, fa4_fp8_hd512, states.state_blocks, model, 0,
                    group_pad_ratio, align) if kv else None


_KV_KINDS: IdentityMemo[tuple[int, ...] | None] = IdentityMemo(256)
"""_first_alike_kv by model facts and KV bytes (turboquant marks some layers)."""


def _first_alike_kv(kv_layers: tuple[KvLayer | None, ...]) -> tuple[int, ...] | None:
    """Per layer, the first layer whose KV layer equals its own (None: no KV): what
    _split_stages' stages are compared by; None for DeepSeek-V4's, grouped over the whole
    model."""
    if any(isinstance(kv, DeepseekV4Kv) for kv in kv_layers):
        return None
    return first_alike(kv_layers)


def _state_dtype(kv: KvLayer, states: StateRules) -> KvLayer:
    """A GDN layer keeps its config's state dtype only where the version honours it; a
    recurrent layer's conv state widens by the speculative tokens; a chunked local layer is
    full attention where the release turns the hybrid KV cache manager off for it
    (vllm_versions.CHUNKED_HYBRID_FROM)."""
    if states.chunked_full and isinstance(kv, SlidingWindowKv) and kv.chunked:
        return FullAttentionKv(num_kv_heads=kv.num_kv_heads, head_dim=kv.head_dim,
                               v_head_dim=kv.v_head_dim)
    update: dict = {}
    if not states.config_ssm_dtype and getattr(kv, "ssm_elem_bytes", None) is not None:
        update["ssm_elem_bytes"] = None
    if states.spec_tokens and isinstance(kv, RecurrentStateKv):
        update["spec_tokens"] = states.spec_tokens
    return kv.model_copy(update=update) if update else kv


def checkpoint_fp8_kv(spec: ModelSpec, settings: EngineSettings, rules: VllmRules) -> bool:
    """Whether the KV cache takes the checkpoint's FP8 format, unless a what-if replaces the
    checkpoint: a ModelOpt kv_cache_quant_algo FP8 under --kv-cache-dtype auto
    (vllm_versions.CHECKPOINT_KV_DTYPE_FROM); a compressed-tensors kv_cache_scheme under
    `auto` (CT_KV_SCHEME_FROM), and whatever --kv-cache-dtype says before
    CT_KV_SCHEME_AUTO_ONLY_FROM. The memory plan and the speed model both read it here."""
    if settings.target_quant or spec.quant is None or spec.quant.kv_cache_dtype != "fp8":
        return False
    if spec.quant.method == "compressed-tensors":
        return rules.ct_kv_scheme and (settings.kv_cache_dtype == "auto"
                                       or rules.ct_kv_scheme_forced)
    return settings.kv_cache_dtype == "auto" and rules.checkpoint_kv_dtype


def checkpoint_kv_note(spec: ModelSpec, settings: EngineSettings, rules: VllmRules) -> str:
    """Why the KV cache is 1 B an element where checkpoint_fp8_kv says the checkpoint sets it
    (the KV-bytes term's note), else ''."""
    if not checkpoint_fp8_kv(spec, settings, rules):
        return ""
    if spec.quant is not None and spec.quant.method == "compressed-tensors":
        over = ("" if settings.kv_cache_dtype == "auto" else
                f"; vLLM {rules.label} applies it over the {settings.kv_cache_dtype} KV cache "
                "asked for (0.22 on: only under auto)")
        return ("FP8 KV cache (1 B): the checkpoint's compressed-tensors kv_cache_scheme, which "
                f"vLLM's Attention layer applies from 0.15{over}")
    return ("FP8 KV cache (1 B): --kv-cache-dtype auto takes the checkpoint's ModelOpt "
            "kv_cache_quant_algo (vLLM 0.14 on)")


def served_kv_elem_bytes(spec: ModelSpec, settings: EngineSettings, bf16: bool = True,
                         rules: VllmRules | None = None) -> KvBytes:
    """What the KV cache is sized with: 1 B where --kv-cache-dtype auto takes the
    checkpoint's FP8 KV cache (checkpoint_fp8_kv), else kv_elem_bytes. The memory plan, the
    speed model and the KV formulas (report, Plan page) all read it here."""
    rules = rules or vllm_rules(settings.vllm_version)
    if checkpoint_fp8_kv(spec, settings, rules):
        return 1
    return kv_elem_bytes(settings, spec.torch_dtype, bf16,
                         not float16_refused(spec.model_type, rules.version))


def kv_elem_bytes(settings: EngineSettings, model_dtype: str, bf16: bool = True,
                  fp16: bool = True) -> KvBytes:
    """Bytes per KV element for these settings (auto follows the served dtype), or the packed
    format (nvfp4, per-token-head) that sizes each head vector with its scales."""
    packed = KV_FORMATS.get(settings.kv_cache_dtype)
    if packed is not None:
        return packed
    return kv_dtype_bytes(settings.kv_cache_dtype,
                          served_dtype(settings, model_dtype, bf16, fp16))


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


def served_dtype(settings: EngineSettings, model_dtype: str, bf16: bool = True,
                 fp16: bool = True) -> str:
    """The compute dtype vLLM runs: --dtype, or for auto the checkpoint's, float32 downcast and
    bfloat16 served as float16 where the GPU has no bfloat16.

    NOTE: vLLM config/model.py _resolve_auto_dtype: with --dtype auto a float32 checkpoint is
    downcast to the platform's preferred dtype, the first of current_platform.supported_dtypes
    (CUDA cc >= 8.0: bfloat16; older cards: float16). gemma-2-9b-it's config says float32;
    the v0.19 H100 log loads it as torch.bfloat16 in 17.22 GiB (not 34.4 GiB). A dtype the
    platform does not list (bfloat16 below cc 8.0: platforms/cuda.py supported_dtypes is
    [float16, float32] from 6.0) falls back to that preferred dtype with a warning ("Your
    device ... doesn't support torch.bfloat16. Falling back to torch.float16 for
    compatibility."; the 0.19.0 wheel). `bf16`: whether the GPU computes bfloat16 (False on
    pre-Ampere cards). `fp16`: whether the release lets the model run float16
    (vllm_versions.float16_refused: Gemma-2/3, GLM-4): where not, float16 leaves the supported
    list before the preferred dtype is taken, so on a GPU without bfloat16 it is float32
    (gemma-2-2b-it on a T4: 4 B per parameter, not 2) and a float16 checkpoint runs in
    bfloat16 where the GPU has it.
    """
    if settings.dtype != "auto":
        return settings.dtype
    preferred = "bfloat16" if bf16 else "float16" if fp16 else "float32"
    if model_dtype == "float32" or (model_dtype == "bfloat16" and not bf16) or (
            model_dtype == "float16" and not fp16):
        return preferred
    return model_dtype


def act_elem_bytes(settings: EngineSettings, model_dtype: str, bf16: bool = True,
                   fp16: bool = True) -> int:
    """Bytes per activation element."""
    return TORCH_DTYPE_BYTES[served_dtype(settings, model_dtype, bf16, fp16)]
