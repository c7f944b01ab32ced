"""Why Headroom does not offer some of vLLM's --kv-cache-dtype choices: one line per dtype.

Most of them cannot run on an NVIDIA GPU at all (vLLM's CUDA platform has no backend for
them), so refusing them with that reason is the right behaviour, not a gap; the rest are named
with what is missing. Read from the 0.33.0 wheel, and the 0.34.0 one, whose --kv-cache-dtype
choices are the same (the release each arrived in: the CLI fixtures in planner/serving/vllm_cli/).
"""

_NO_CUDA_BACKEND = ("vLLM's CUDA platform has no attention backend that lists it "
                    "(platforms/cuda.py _get_backend_priorities)")

OCTAVE = (f"ROCm only (0.33.0+): its one backend, ROCM_OCTAVE, runs only where "
          f"current_platform.is_rocm() on RDNA3/CDNA3 (rocm_octave_attn.py "
          f"supports_compute_capability); {_NO_CUDA_BACKEND}")
"""NOTE: 0.33.0 (and 0.34.0) rocm_octave_attn.py supports_compute_capability returns
current_platform.is_rocm() and (get_rdna_version() == 3 or get_cdna_version() == 3); no
dense CUDA backend (FLASH_ATTN, FLASHINFER, TRITON_ATTN, FLEX_ATTENTION, TURBOQUANT) has an
octave_* dtype in supported_kv_cache_dtypes."""

UNSIZED_KV_REASONS: dict[str, str] = {
    "octave_k3v4": OCTAVE,
    "octave_k3v3": OCTAVE,
    "octave_k3v3_compact": OCTAVE,
    "fp8_inc": ("Intel Gaudi only: 'Intel Gaudi (HPU) supports fp8 (using fp8_inc)' "
                f"(vllm/config/cache.py); {_NO_CUDA_BACKEND}"),
    "ultraquant_4bit": (
        "not auto-selected on NVIDIA (0.32.0+): ULTRAQUANT is in no priority list of "
        "platforms/cuda.py, so vLLM answers 'No valid attention backend found' unless "
        "--attention-backend ULTRAQUANT is given (its decode kernel is AMD's FlyDSL MFMA, "
        "a Triton fallback elsewhere: ultraquant_attn.py); Headroom does not emit that flag"),
    "fp8_ds_mla": (
        "DeepSeek sparse-MLA layout only (DeepSeek-V3.2, GLM-5, DeepSeek-V4): vLLM serves "
        "--kv-cache-dtype fp8 on FLASHMLA_SPARSE as fp8_ds_mla itself "
        "(mla_attention.py _canonicalize_sparse_mla_kv_cache_dtype); pass fp8"),
}
"""vLLM --kv-cache-dtype choices Headroom refuses, with the reason (the CLI's one-line error,
README "Known limits")."""


def unsized_reason(kv_cache_dtype: str) -> str:
    """Why this vLLM dtype is not offered (a future one: its page layout is not modelled)."""
    return UNSIZED_KV_REASONS.get(kv_cache_dtype, "its page layout is not modelled")
