"""vLLM's default batch limits (max_num_batched_tokens, max_num_seqs) per GPU and
release."""

from planner.serving.all2all import BATCHED_DP_TOKENS
from planner.serving.vllm_versions import (
    CHUNKED_OFF_TOKENS_MAX_FROM,
    DEFAULT_VLLM_VERSION,
    SEQS_CAPPED_AT_GIVEN_TOKENS_FROM,
    VllmRules,
    vllm_rules,
)
from planner.units import GIB


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
