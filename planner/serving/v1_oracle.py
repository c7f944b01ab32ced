"""Which start-ups of vLLM 0.9.1-0.10.x run the V1 engine Headroom models, and which it refuses.

Before 0.11 vLLM still ships its V0 engine and EngineArgs._is_v1_supported_oracle
(engine/arg_utils.py) falls back to it, with only a log line, for settings, hardware and
models V1 did not run yet; V0 profiles and lays out memory differently (not modelled). Those
start-ups, and the V1 features whose pre-0.11 memory Headroom has not read, are refused with
one line naming the release and the reason, never planned with the V1 rules of later releases.
From 0.11.0 (vllm_versions.V1_ONLY_FROM) every start-up is V1 and nothing here applies.
"""

from planner.model.spec import MlaMixer, ModelSpec
from planner.serving.hardware import cc_to_int, parse_capability
from planner.serving.startup.wheel_arch import (
    LAST_CUDA12_RELEASE,
    WHEEL_MIN_CAPABILITY,
    wheel_floor,
)
from planner.serving.vllm_cli import VllmCli, unrecognized_flag
from planner.serving.vllm_versions import V1_ONLY_FROM, Version, version_label
from planner.units import VLLM_KV_DTYPE

KV_BLACKWELL_FROM: Version = (0, 10, 0)
"""NOTE: with --kv-cache-dtype other than auto the oracle asks the platform: the 0.9.1 and 0.9.2
wheels accept only an fp8 cache on FlashAttention 3 (flash_attn_supports_fp8: FA3 and compute
capability 9.x, Hopper); from 0.10.0 CudaPlatform.is_kv_cache_dtype_supported also accepts any
cache dtype on compute capability 10.0 (is_device_capability(100)). Everything else falls back
to V0."""

KV_MLA_FROM: Version = (0, 10, 2)
"""NOTE: the 0.10.2 wheel's is_kv_cache_dtype_supported takes an MLA model's cache dtype on its
default backends (FLASHMLA, CUTLASS_MLA on 10.0) whatever the GPU; before, MLA models follow
the same FlashAttention rule as the others."""

OLD_GPU_FALLBACK_UNTIL: Version = (0, 10, 1)
"""NOTE: "Compute Capability < 8.0" falls back to V0 in the 0.9.1-0.10.1 oracles; the check is
gone from the 0.10.2 wheel, which serves Volta / Turing on V1 as 0.11.0 does: platforms/cuda.py
get_attn_backend_cls gives every non-MLA layer FLEX_ATTENTION there ("FlexAttention is the
default for older GPUs"; attention_backend.FLEX_BELOW_SM80) and MLA TRITON_MLA, whose prefill
runs FlashAttention 2 (attention_backend.mla_prefill_errors); a non-auto KV dtype falls back to
V0 below (is_kv_cache_dtype_supported: fp8 on FlashAttention 3 only, MLA aside)."""

FP32_FALLBACK_UNTIL: Version = (0, 9, 1)
"""NOTE: the 0.9.1 oracle runs only float16 / bfloat16 models on V1 (V1_SUPPORTED_DTYPES);
--dtype float32 falls back to V0. The check is gone from the 0.9.2 wheel."""

INNER_STATE_FALLBACK_UNTIL: Version = (0, 10, 1)
"""NOTE: Mamba and hybrid (Mamba / linear-attention) models: the 0.9.x registries mark the Mamba
families SupportsV0Only and the 0.10.0-0.10.1 oracles fall back for any model with inner state
(`model_config.has_inner_state and _warn_or_fallback("Mamba")`, V1 only with VLLM_USE_V1=1 set);
0.10.2 runs them on V1 with a layout Headroom has not read for it (refused as not read)."""


def _kv_on_v1(version: Version, kv_cache_dtype: str, cc: tuple[int, int], mla: bool) -> bool:
    """Whether the oracle of `version` keeps a non-auto KV cache dtype on V1 (see the NOTEs)."""
    name = VLLM_KV_DTYPE.get(kv_cache_dtype, kv_cache_dtype)
    if version >= KV_MLA_FROM and mla:
        return True
    if version >= KV_BLACKWELL_FROM and cc == (10, 0):
        return True
    return name.startswith("fp8") and cc[0] == 9


def uncovered_reason(version: Version, compute_capability: str, spec: ModelSpec, cli: VllmCli,
                     *, kv_cache_dtype: str = "auto", dtype: str = "auto",
                     num_speculative_tokens: int = 0, kv_cache_memory_bytes: int | None = None,
                     ) -> str | None:
    """One line: why Headroom does not plan this start-up on vLLM `version` (a V0 fall-back,
    or a V1 feature it has not read for this release); None when it does (always from 0.11)."""
    if version >= V1_ONLY_FROM:
        return None
    v = version_label(version)
    v0 = f"vLLM {v} would start it on its V0 engine, which Headroom does not model"
    cc = parse_capability(compute_capability)
    mla = any(isinstance(layer.mixer, MlaMixer) for layer in spec.layers)
    if cc is None:
        return (f"vLLM {v}'s engine oracle off NVIDIA GPUs (ROCm, TPU, CPU) is not read; plan "
                "it with vLLM 0.11 or later")
    if cc[0] < 8 and version <= OLD_GPU_FALLBACK_UNTIL:
        floor = wheel_floor(compute_capability)  # the releases whose wheels run it
        if floor is None:
            advice = "plan it with vLLM 0.11 or later"
        elif cc_to_int(cc) < WHEEL_MIN_CAPABILITY:
            advice = floor  # no release runs it
        else:
            advice = f"plan it with vLLM 0.11 to {LAST_CUDA12_RELEASE}: {floor}"
        return (f"{v0} (compute capability {compute_capability} < 8.0: engine/arg_utils.py "
                f"_is_v1_supported_oracle); {advice}")
    if kv_cache_dtype != "auto" and not _kv_on_v1(
            version, kv_cache_dtype, cc, mla):
        return (f"{v0} (--kv-cache-dtype {VLLM_KV_DTYPE.get(kv_cache_dtype, kv_cache_dtype)} on "
                f"compute capability {compute_capability}: CudaPlatform."
                "is_kv_cache_dtype_supported); use --kv-cache-dtype auto or vLLM 0.11 or later")
    if dtype == "float32" and version <= FP32_FALLBACK_UNTIL:
        return f"{v0} (--dtype float32: V1 runs float16 / bfloat16 only in {v})"
    if not cli.serves(spec.architectures):
        return (f"vLLM {v} has no model class for {', '.join(spec.architectures)} "
                "(model_executor/models/registry.py); it would try the Transformers backend, "
                "which Headroom does not model")
    if spec.has_state_layers:
        if version <= INNER_STATE_FALLBACK_UNTIL:
            return f"{v0} (a model with Mamba / linear-attention state: has_inner_state)"
        return (f"vLLM {v}'s V1 layout of Mamba / linear-attention state is not read; plan "
                "it with vLLM 0.11 or later")
    if spec.model_type.startswith("llama4"):
        return (f"vLLM {v}'s chunked local attention (Llama 4; from 0.10.1 it disables the "
                "hybrid KV cache manager for it) is not read; plan it with vLLM 0.11 or later")
    if spec.vision is not None:
        return (f"vLLM {v}'s multimodal encoder profile run (its encoder budget) is not read; "
                "plan it with vLLM 0.11 or later")
    if num_speculative_tokens:
        return (f"vLLM {v}'s speculative-decoding memory is not read; plan it with vLLM 0.11 "
                "or later")
    if kv_cache_memory_bytes is not None:
        return unrecognized_flag("--kv-cache-memory-bytes", cli)
    return None
