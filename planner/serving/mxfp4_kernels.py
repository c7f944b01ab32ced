"""The kernels vLLM runs MXFP4 (gpt-oss) experts on, and the kernel each --moe-backend value
names for them: the names mxfp4 picks from (mxfp4.mxfp4_moe_kernel_of, the kernel choice) and
moe_backend checks a named value against (moe_backend.oracle_refusal)."""

from typing import Literal

Mxfp4Kernel = Literal["flashinfer", "marlin", "triton", "flashinfer_cutlass", "deep_gemm",
                      "humming", "aiter", "unpadded", "emulation", "other", "unknown"]
"""The kernels vLLM runs MXFP4 experts on: by default flashinfer (TRT-LLM), marlin or triton
(mxfp4.mxfp4_kernel); the rest only by --moe-backend (MXFP4_BACKEND_KERNELS); "unknown": the
default on an NVIDIA GPU of unknown compute capability (a custom GPU), padded for none
(mxfp4.mxfp4_expert_padding), biases as created (bf16), timed as Marlin (speed.kernels)."""

MXFP4_BACKEND_KERNELS: dict[str, Mxfp4Kernel] = {
    "marlin": "marlin", "triton": "triton", "triton_unfused": "triton",
    "flashinfer_trtllm": "flashinfer", "flashinfer_trtllm_afp8": "flashinfer",
    "flashinfer_cutlass": "flashinfer_cutlass", "flashinfer_cutlass_afp8": "flashinfer_cutlass",
    "deep_gemm": "deep_gemm", "humming": "humming", "b12x": "unpadded",
    "flashinfer_moe_ep_cutedsl": "unpadded", "flashinfer_moe_ep_mega_deep_gemm": "unpadded",
    "emulation": "emulation", **{name: "aiter" for name in (
        "aiter", "aiter_triton_mxfp4_bf16", "aiter_mxfp4_fp8", "aiter_triton_mxfp4_mxfp4",
        "aiter_mxfp4_mxfp4")}}
"""The kernel each --moe-backend value runs MXFP4 experts on, where the release's oracle reads
it (moe_backend.ORACLE_FROM["mxfp4"], 0.19.0; vLLM refuses the value on a GPU it does not
run on: moe_backend.oracle_refusal). ck, xpu and cpu: "other".

NOTE: fused_moe/oracle/mxfp4.py map_mxfp4_backend (0.34.0 wheel): triton -> TRITON,
triton_unfused -> TRITON_UNFUSED, flashinfer_trtllm -> FLASHINFER_TRTLLM_MXFP4_BF16 /
_MXFP8 (TRTLLM_BACKENDS), flashinfer_cutlass -> FLASHINFER_CUTLASS_MXFP4_BF16 / _MXFP8,
deep_gemm -> DEEPGEMM_MXFP4, marlin -> MARLIN (BATCHED_MARLIN under batched all2all), b12x ->
B12X_BACKENDS, flashinfer_moe_ep_* -> FLASHINFER_MOE_EP_MXFP4_BACKENDS, aiter* -> the AITER
backends; select_mxfp4_moe_backend returns the mapped backend where it supports the layer, else
raises, never falling back to auto."""
