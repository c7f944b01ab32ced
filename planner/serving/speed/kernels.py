"""Kernel selection: which GEMM family a weight format runs on a GPU (kernel_family), which
kernel vLLM serves routed experts with (moe_kernel), and the vLLM rules behind those choices
(MXFP4's backends per release, DeepGEMM's padded block-FP8 MoE, Marlin MoE's SM-bound reads).
Every choice that differs between vLLM releases is pinned to the release that changed it, read
from the wheels (0.9.1-0.34.0, as planner.serving.vllm_versions); the int4 Marlin MoE, FP8
Marlin W8A16 and NVFP4 choices are the same in the 0.9.1-0.11.0 wheels (compressed_tensors_moe.py
get_moe_method, gptq_marlin.py, marlin_utils.check_moe_marlin_supports_layer, fp8.py).

Routed experts run on the MoE kernel family vLLM picks (moe_kernel: for MXFP4 the kernel
planner.serving.mxfp4.mxfp4_kernel picks per release and GPU, Marlin MoE for weight-only,
vLLM's fused-MoE paths otherwise), each with its own expert factors (SpeedCoefficients);
Marlin MoE's expert reads are bound by SMs x clock on Hopper/Blackwell (MARLIN_MOE).
"""

from __future__ import annotations

import re
from typing import Literal

from planner.model.quant import QuantScheme
from planner.serving.hardware import GpuFormat, GpuSpec
from planner.serving.mxfp4 import mxfp4_backend_picks, mxfp4_moe_kernel_of
from planner.serving.mxfp4_kernels import Mxfp4Kernel
from planner.serving.startup.attention_backend import sm90_fa4_takes_kv
from planner.serving.vllm_versions import DEFAULT_VLLM_VERSION, vllm_rules

KernelFamily = Literal["bf16", "fp8", "fp4", "weight-only"]
"""How the GEMMs run: 16-bit; FP8 tensor cores (W8A8); FP4 tensor cores (NVFP4/MXFP4 on
Blackwell); or weight-only (Marlin/Machete W4A16, W8A16: weights dequantised to 16-bit in
the kernel, so memory is saved and compute is 16-bit)."""


def kernel_label(family: KernelFamily, dense_fmt: GpuFormat, weights: str) -> str:
    """A kernel family as the speed summaries and formulas show it, `weights` the served
    scheme's family (QuantScheme.family): the 16-bit family ("bf16", the key the coefficients
    and the JSON's speed.kernel keep) named by the format the plan computes in, its served
    dtype's (engine.served_dtype: "fp16" for a bfloat16 checkpoint on a GPU without bfloat16
    or under --dtype float16, "fp32" where vLLM runs the model in float32); MXFP4 on the fp4
    family as "mxfp4 w4a16" (MXFP4_W4A16_LABEL); the other families as they are."""
    if family == "fp4" and weights == "mxfp4":
        return MXFP4_W4A16_LABEL
    return dense_fmt if family == "bf16" else family


MXFP4_W4A16_LABEL = "mxfp4 w4a16"
"""What runs MXFP4 (gpt-oss) experts off Marlin with no environment variable set: FP4 weights
read as such, 16-bit activations, 16-bit compute (no FP4 tensor-core GEMM), on Hopper and AMD
GPUs (OpenAI's triton_kernels) and on datacenter Blackwell (FlashInfer's TRT-LLM MXFP4 x BF16)
alike; the speed model times it with the fp4 family's fitted figures (speed.kernel "fp4").
Source: vLLM model_executor/layers/quantization/mxfp4.py (vllm-project/vllm at 007d5005):
get_mxfp4_backend returns TRITON on 9.0 (SM90_FI_MXFP4_BF16 only under
VLLM_USE_FLASHINFER_MOE_MXFP4_BF16) and SM100_FI_MXFP4_BF16 on the 10.x family (the MXFP8
activation backends only under VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8[_CUTLASS]), and
get_fused_moe_quant_config gives both mxfp4_w4a16_moe_quant_config (apply: TRITON's
triton_kernel_moe_forward takes the hidden states as they are; SM100_FI_MXFP4_BF16 asserts
x.dtype == torch.bfloat16 and passes x_scale None)."""


MoeKernel = Literal["fused-moe", "flashinfer-trtllm-mxfp4", "triton-mxfp4", "marlin-moe",
                    "flashinfer-trtllm-int4", "humming-moe", "moe-wna16", "nvfp4-emulation",
                    "flydsl-moe", "deepgemm-moe"]
"""Which kernel family vLLM runs a MoE layer's routed experts on (moe_kernel): its own fused-MoE
paths (Triton fused_moe, CUTLASS, DeepGEMM, FlashInfer for FP8/NVFP4: the default figure);
FlashInfer's TRT-LLM MXFP4 x BF16 MoE (gpt-oss on datacenter Blackwell); OpenAI's
triton_kernels matmul_ogs (MXFP4 on Hopper, AMD GPUs, and by release B300 and RTX 50:
mxfp4.mxfp4_kernel, mxfp4.MXFP4_ROCM_KERNEL); Marlin MoE (weight-only: int4/GPTQ/AWQ, and
the MXFP4/FP8 fallbacks on older NVIDIA GPUs; CUDA only); from vLLM 0.32 FlashInfer's TRT-LLM
MxInt4 MoE and Humming for some weight-only MoE (no calibration rows: they take the default
figures); MoE WNA16, vLLM's Triton fallback for GPTQ/AWQ experts Marlin MoE cannot take
(layout_moe_kernel); vLLM's NVFP4 emulation on AMD GPUs
(vllm_versions.NVFP4_ROCM_EMULATION_FROM) and its FlyDSL MoE (--moe-backend flydsl on gfx950:
moe_backend.runs_flydsl): default figures, no calibration row; DeepGEMM's MoE where FlashInfer's
TRT-LLM FP8 MoE refuses a model's router on Blackwell (DEEPGEMM_FLOAT32_ROUTER_MOE), with its
own per-layer overhead (SpeedCoefficients.moe_kernel_layer_overhead_us)."""


_MXFP4_KERNELS: dict[Mxfp4Kernel, MoeKernel] = {
    "flashinfer": "flashinfer-trtllm-mxfp4", "triton": "triton-mxfp4", "marlin": "marlin-moe",
    "deep_gemm": "deepgemm-moe", "humming": "humming-moe", "flashinfer_cutlass": "fused-moe",
    "aiter": "fused-moe", "unpadded": "fused-moe", "emulation": "fused-moe", "other": "fused-moe",
    "unknown": "marlin-moe"}
"""The speed model's kernel per MXFP4 kernel (mxfp4.mxfp4_moe_kernel_of); those only
--moe-backend reaches and no calibration row measures take the default figures (fused-moe); the
default on an NVIDIA GPU of unknown capability is timed as Marlin."""


def mxfp4_moe_kernel(gpu: GpuSpec, vllm_version: str = DEFAULT_VLLM_VERSION,
                     moe_backend: str | None = None, marlin: bool = False) -> MoeKernel:
    """The kernel vLLM `vllm_version` runs MXFP4 (gpt-oss) experts on on this GPU:
    mxfp4.mxfp4_moe_kernel_of's (Marlin where `marlin`: mxfp4.mxfp4_on_marlin; else the
    --moe-backend value's where the release reads it, else mxfp4.mxfp4_kernel's), the one the
    memory side pads the experts for (mxfp4.mxfp4_expert_padding; the sources per release are
    there). With no environment variable set:
    FlashInfer's TRT-LLM MXFP4 x BF16 MoE on datacenter Blackwell (SM100_FI_MXFP4_BF16 /
    FLASHINFER_TRTLLM_MXFP4_BF16, first when FlashInfer is installed, as in vLLM's images),
    OpenAI's triton_kernels (matmul_ogs) on Hopper (the SM90 FlashInfer path needs
    VLLM_USE_FLASHINFER_MOE_MXFP4_BF16) and on AMD GPUs (mxfp4.MXFP4_ROCM_KERNEL), Marlin
    elsewhere."""
    version = vllm_rules(vllm_version).version
    return _MXFP4_KERNELS[mxfp4_moe_kernel_of(version, gpu.compute_capability, gpu.vendor, marlin,
                                              moe_backend)]


W4A16_NVFP4_MARLIN_FROM = (0, 22)
"""The first vLLM release that runs a ModelOpt W4A16_NVFP4 checkpoint (NVFP4 weights with
16-bit activations, QuantSpec.weight_only; nvidia/Qwen3.6-35B-A3B-NVFP4's routed and shared
experts, beside FP8 attention) weight-only on every GPU, Blackwell included. Read from the
0.22.0, 0.25.1, 0.33.0 and 0.34.0 wheels: quantization/modelopt.py ModelOptNvFp4W4A16LinearMethod
pins MarlinNvFp4LinearKernel in 0.22.0-0.26.0 ("For W4A16 there is exactly one valid kernel,
so we pin it"; 0.27.0 and 0.28.0: init_nvfp4_linear_kernel(use_a16=True), which forces
Marlin); the 0.31.0, 0.33.0 and 0.34.0 wheels' init_nvfp4_linear_kernel (kernels/linear/__init__.py)
take FlashInfer's CuTe-DSL W4A16 GEMM on 10.0/10.3 and Humming where prefers_humming (9.0)
before Marlin, each FP4 weights x 16-bit activations, so the family stays weight-only (the
fitted weight-only efficiencies are Marlin's: for those kernels, unverified); and
ModelOptNvFp4FusedMoE sets use_a16 and asks fused_moe/oracle/nvfp4.py
select_nvfp4_moe_backend with activation_key=None, which every FP4 tensor-core backend
refuses (FlashInfer TRT-LLM, CuteDSL, CUTLASS and vLLM's CUTLASS take only (kNvfp4Static,
kNvfp4Dynamic): experts/*.py _supports_quant_scheme), so Marlin MoE serves the experts (FP4
dequantised to 16-bit, mma.sync at the 16-bit rate); ModelOptMixedPrecisionConfig routes
W4A16_NVFP4 layers there too. 0.21.0 has the linear method but still runs the MoE with
kNvfp4Dynamic (W4A4) and leaves mixed-precision W4A16_NVFP4 layers unquantized; 0.20.0 knows
no W4A16_NVFP4: before 0.22 the format keeps NVFP4's family. A compressed-tensors NVFP4A16
checkpoint (QuantSpec.weight_only from config.quant._ct_nvfp4) runs the same way from 0.22 on
too: the 0.22.0 wheel's get_scheme builds CompressedTensorsW4A16Fp4 (apply_fp4_marlin_linear),
the 0.23.0, 0.25.0, 0.33.0 and 0.34.0 wheels' CompressedTensorsW4A4Fp4(use_a16=True)
(init_nvfp4_linear_kernel(use_a16=True)), and its experts ask the NVFP4 oracle with
activation_key None (fp4_weights.CT_NVFP4A16_MOE_FROM); earlier releases keep NVFP4's family here
(not read for speed)."""


def kernel_family(scheme: QuantScheme, gpu: GpuSpec, vllm_version: str = DEFAULT_VLLM_VERSION,
                  weight_only: bool = False, moe_backend: str | None = None,
                  mxfp4_marlin: bool = False) -> tuple[KernelFamily, GpuFormat]:
    """(kernel family, compute format) of a weight format on a GPU under vLLM `vllm_version`;
    `weight_only`: the checkpoint keeps 16-bit activations (QuantSpec.weight_only);
    `moe_backend`: --moe-backend, which picks MXFP4's kernel (mxfp4_moe_kernel);
    `mxfp4_marlin`: MXFP4 on Marlin whatever that pick (mxfp4.mxfp4_on_marlin).

    FP8 runs on FP8 tensor cores from Ada/Hopper on, else as Marlin W8A16; NVFP4 on FP4
    tensor cores on Blackwell only, else weight-only, and weight-only everywhere for a
    W4A16_NVFP4 checkpoint from W4A16_NVFP4_MARLIN_FROM; GPTQ/AWQ/bnb/GGUF/int8 are
    weight-only (vLLM's Marlin/Machete kernels). Source: vLLM docs, "Supported Hardware"; the
    same choice in the 0.9.1-0.11.0 wheels (quantization/fp8.py Fp8LinearMethod /
    Fp8MoEMethod use_marlin = not has_device_capability(89); modelopt.py NVFP4 use_marlin
    without CUTLASS FP4). MXFP4 (gpt-oss) has its own MoE kernels (mxfp4_moe_kernel): on
    FlashInfer's or triton_kernels' FP4 weights are read as such and multiplied with 16-bit
    activations, so compute runs at the 16-bit rate; on Marlin they are weight-only.
    """
    fam = scheme.family
    if fam == "nvfp4" and weight_only \
            and vllm_rules(vllm_version).version[:2] >= W4A16_NVFP4_MARLIN_FROM:
        return "weight-only", "bf16"
    if fam == "float":
        return "bf16", "bf16"
    if fam == "fp8" and gpu.weight_format_support("fp8") == "native":
        return "fp8", "fp8"
    if fam == "mxfp4" and mxfp4_moe_kernel(gpu, vllm_version, moe_backend,
                                           mxfp4_marlin) != "marlin-moe":
        return "fp4", "bf16"  # FlashInfer or triton_kernels MXFP4 x BF16: 16-bit compute
    if fam == "nvfp4" and gpu.weight_format_support(fam) == "native":
        return "fp4", fam
    if fam == "int8" and gpu.weight_format_support("int8") == "native":
        return "fp8", "int8"  # W8A8 int8 GEMMs: the same 8-bit tensor-core path and rate
    return "weight-only", "bf16"


def moe_kernel(scheme: QuantScheme, gpu: GpuSpec, family: KernelFamily,
               vllm_version: str = DEFAULT_VLLM_VERSION,
               architectures: tuple[str, ...] = (), moe_backend: str | None = None) -> MoeKernel:
    """The kernel family vLLM (`vllm_version`, default the planner's) serves routed experts of
    this weight format with on this GPU, with no environment variable set; `architectures`:
    the model's (ModelSpec.architectures); `moe_backend`: --moe-backend (MXFP4 only here).

    Block-FP8 experts of a model in DEEPGEMM_FLOAT32_ROUTER_ARCHS on compute capability 10.x
    under a release in DEEPGEMM_FLOAT32_ROUTER_MOE: DeepGEMM's MoE.
    MXFP4 (gpt-oss): mxfp4_moe_kernel, by release and --moe-backend.
    Weight-only MoE (int4 GPTQ/AWQ/compressed-tensors WNA16) up to 0.31: Marlin MoE
    (compressed_tensors_moe.py CompressedTensorsWNA16MarlinMoEMethod whenever
    check_moe_marlin_supports_layer holds; FlashInfer's MxInt4 MoE only behind
    VLLM_USE_FLASHINFER_MOE_INT4, default 0). From 0.32 fused_moe/oracle/int_wna16.py tries
    FlashInfer's TRT-LLM MxInt4 MoE first (10.x, symmetric int4 in groups of 32: kInt4Static32,
    no zero points) and on 9.0 puts Humming ahead of Marlin (humming/priority.py). NVFP4
    below Blackwell and W4A16_NVFP4 (weight-only here): Marlin MoE, and from 0.32 Humming on
    9.0, where fused_moe/oracle/nvfp4.py select_nvfp4_moe_backend applies the same
    prioritize_humming and no FP4 tensor-core backend runs (they need 10.x or 12.x) while
    experts/fused_humming_moe.py takes (kNvfp4Static, kNvfp4Dynamic) and (kNvfp4Static, None)
    (0.32.0-0.34.0 wheels; 0.30-0.31 keep Marlin ahead). NVFP4 on AMD GPUs:
    vLLM's emulation (vllm_versions.NVFP4_ROCM_EMULATION_FROM). The rest: vLLM's fused-MoE paths.
    """
    if scheme.family == "mxfp4" and family == "fp4":
        return mxfp4_moe_kernel(gpu, vllm_version, moe_backend)
    if scheme.family == "nvfp4" and gpu.vendor != "nvidia":
        return "nvfp4-emulation"
    if family == "fp8" and _deepgemm_float32_router(scheme, gpu, vllm_version, architectures):
        return "deepgemm-moe"
    if family != "weight-only":
        return "fused-moe"
    if vllm_rules(vllm_version).version[:2] >= (0, 32) and gpu.vendor == "nvidia":
        if gpu.compute_capability.startswith("10.") and scheme.family == "gptq" \
                and scheme.key.endswith("-g32"):
            return "flashinfer-trtllm-int4"
        if gpu.compute_capability == "9.0" and scheme.family in ("gptq", "awq", "nvfp4"):
            return "humming-moe"
    return "marlin-moe"


def moe_backend_timed(scheme: QuantScheme, vllm_version: str, moe_backend: str | None,
                      mxfp4_marlin: bool, kernel: MoeKernel) -> bool:
    """Whether the routed experts' kernel the speed model times (`kernel`: moe_kernel's, or
    FlyDSL's MoE where moe_backend.runs_flydsl) follows --moe-backend: FlyDSL's, and MXFP4's
    where the value picks the kernel (mxfp4.mxfp4_backend_picks: vLLM 0.19 on, Marlin not
    forced by `mxfp4_marlin`), which kernel_family and moe_kernel time through
    mxfp4_moe_kernel. Every other format's experts are timed on vLLM's own pick."""
    version = vllm_rules(vllm_version).version
    return kernel == "flydsl-moe" or (
        scheme.family == "mxfp4"
        and mxfp4_backend_picks(version, mxfp4_marlin, moe_backend) is not None)


def layout_moe_kernel(kernel: MoeKernel, wna16: bool) -> MoeKernel:
    """The kernel the routed experts run on at a layout: MoE WNA16 (Triton) where the layout's
    experts fall back from Marlin MoE (`wna16`: layout.moe_wna16_fallback,
    check_moe_marlin_supports_layer fails), unless moe_kernel picked (`kernel`) a backend vLLM's
    WNA16 MoE oracle tries ahead of Marlin (ORACLE_BEFORE_MARLIN), which serves them all the
    same. The fallback is decided before AutoGPTQMoEMethod / AutoAWQMoEMethod are built
    (auto_gptq.py / auto_awq.py get_quant_method, 0.27.0-0.34.0 wheels; gptq_marlin.py /
    awq_marlin.py in 0.19.0: "Falling back to Moe WNA16 kernels."), but from the 0.27.0 wheel
    the fallback's MoeWNA16Method (moe_wna16.py __init__) asks the same oracle,
    fused_moe/oracle/int_wna16.py select_wna16_moe_backend, whose
    _backend_incompatibility_reason strikes only Marlin, batched Marlin and emulation for a
    MoeWNA16Config ("the MoeWNA16 checkpoint layout is not supported"): on 9.0 from 0.32
    prioritize_humming puts Humming first (fused_humming_moe.py takes its kInt4Static key),
    elsewhere Triton (TritonWNA16Experts) is the first left. compressed-tensors experts off
    Marlin ask it from CompressedTensorsWNA16MoEMethod alike (0.27.0-0.34.0). Read in the
    0.32.0, 0.33.0 and 0.34.0 wheels. MoE WNA16 is timed as Marlin MoE (MARLIN_BOUND_KERNELS) x
    WNA16_FALLBACK_SLOWDOWN, the estimate being relative to Marlin MoE. FlyDSL's MoE
    (moe_backend.runs_flydsl) replaces the whole method, so no Marlin check moves it either."""
    return "moe-wna16" if wna16 and kernel not in (*ORACLE_BEFORE_MARLIN, "flydsl-moe") \
        else kernel


ORACLE_BEFORE_MARLIN: tuple[MoeKernel, ...] = ("humming-moe", "flashinfer-trtllm-int4")
"""The kernels moe_kernel picks that vLLM's WNA16 MoE oracle (fused_moe/oracle/int_wna16.py
_get_priority_backends: FlashInfer TRT-LLM first, Humming ahead of Marlin on 9.0 from 0.32)
tries before Marlin, so a layout's Marlin check does not move experts off them
(layout_moe_kernel)."""


MARLIN_BOUND_KERNELS: tuple[MoeKernel, ...] = ("marlin-moe", "moe-wna16")
"""The MoE kernels whose expert reads MARLIN_MOE's SM-bound rate caps: Marlin MoE (measured)
and MoE WNA16, whose WNA16_FALLBACK_SLOWDOWN estimate is relative to Marlin MoE's rate."""


DEEPGEMM_PADDED_MOE = ((0, 11, 1), (0, 14))
"""vLLM releases (first release, last minor) whose block-FP8 MoE layers run DeepGEMM's
m-grouped contiguous GEMM at every batch size on compute capability 9.0 and 10.x, with rows
padded per expert. The 0.11.1 wheel already does (VLLM_USE_DEEP_GEMM_E8M0 on Hopper, no
_HOPPER variable; get_fp8_moe_backend picks DEEPGEMM for block-quantized weights wherever
is_deep_gemm_supported(); compute_aligned_M as below) but has no MoE-TP >= 8 cut-off, which
starts at 0.12.0 (DEEPGEMM_MOE_TP8_OFF_FROM). Read from vLLM's source:
- quantization/fp8.py get_fp8_moe_backend (0.12; fused_moe/oracle/fp8.py in 0.14): DeepGEMM
  is picked for block-quantized weights when is_deep_gemm_supported() (sm90, sm100), before
  the SM100 CUTLASS block-scaled path and Triton; FlashInfer only when VLLM_USE_FLASHINFER_MOE_FP8
  is set; off by default when the MoE's TP size (tp x dp without expert parallelism, 1 with
  it) is >= 8;
- fused_moe/triton_deep_gemm_moe.py: DeepGEMM is used whenever is_deep_gemm_e8m0_used(),
  which VLLM_USE_DEEP_GEMM_E8M0 (default 1) turns on on Hopper too from 0.11.1 (0.11.0
  needed VLLM_USE_DEEP_GEMM_E8M0_HOPPER there: Triton below M = 128);
- fused_moe/deep_gemm_utils.py compute_aligned_M: without per-expert token counts on the CPU
  (the single-node path) the grouped GEMM gets M_sum = round_up(M x k + E_local x (128 - 1),
  128) rows, room for every local expert's last partial 128-row block.
From 0.15 FlashInfer's CUTLASS MoE, which supports 128-block FP8 on sm90, comes first in
oracle/fp8.py's backend order. Before 0.11 DeepGEMM is off by default (envs.py
VLLM_USE_DEEP_GEMM "0" in the 0.9.1-0.10.2 wheels, "1" from 0.11.0): quantization/fp8.py
Fp8MoEMethod runs block-FP8 experts on Triton's fused_moe, or on exactly compute capability
10.0 from 0.10.0 on CUTLASS's block-scaled grouped GEMM (allow_cutlass_block_scaled_grouped_
gemm), both vLLM fused-MoE paths without per-expert padding. The padded blocks are charged as
computed rows at the dense GEMM efficiency: Qwen3-235B-A22B-FP8 on vLLM 0.12 decodes at
~52 ms (TP=2) and ~35 ms (TP=4) whatever the batch (4-48 requests, perf-silicon-aic.csv), as a
fixed 128 x 127 x E-row GEMM does, where the byte count alone gives 17-41 ms growing with the
batch."""


DEEPGEMM_MOE_TP8_OFF_FROM = (0, 12, 0)
"""The first release whose get_fp8_moe_backend turns DeepGEMM MoE off by default at a MoE TP
size >= 8 (absent from the 0.11.1 wheel's quantization/fp8.py, present in 0.12.0's)."""


DEEPGEMM_ALIGN_ROWS = 128
"""DeepGEMM's M alignment of the contiguous layout; vLLM uses DeepGEMM's MoE only when the
weights' block shape equals it (triton_deep_gemm_moe.py: block_shape ==
get_mk_alignment_for_contiguous_layout()), so 128 for the 128x128 block-FP8 checkpoints."""


def runs_deepgemm_moe(scheme: QuantScheme, gpu: GpuSpec, vllm_version: str) -> bool:
    """Whether vLLM runs block-FP8 MoE layers of this format on this GPU through DeepGEMM's
    padded grouped GEMM (DEEPGEMM_PADDED_MOE: block-FP8 weights, vLLM 0.11.1-0.14, compute
    capability 9.0 or 10.x); runs_padded_moe adds the layout's MoE TP size."""
    lo, hi = DEEPGEMM_PADDED_MOE
    version = vllm_rules(vllm_version).version
    return (scheme.key.startswith("fp8-block") and gpu.vendor == "nvidia"
            and re.fullmatch(r"9\.0|10\.\d+", gpu.compute_capability) is not None
            and lo <= version and version[:2] <= hi)


DEEPGEMM_FLOAT32_ROUTER_MOE = ((0, 15), (0, 17), (0, 18))
"""vLLM releases (minor) whose block-FP8 MoE on compute capability 10.x runs DeepGEMM's MoE at
every batch size for a model whose router FlashInfer's TRT-LLM FP8 MoE refuses
(DEEPGEMM_FLOAT32_ROUTER_ARCHS). Read from each wheel's fused_moe/oracle/fp8.py
(select_fp8_moe_backend; _get_priority_backends from 0.17): FLASHINFER_TRTLLM, then
FLASHINFER_CUTLASS, then DEEPGEMM. FlashInferExperts (flashinfer_cutlass_moe.py
_supports_quant_scheme) takes (kFp8Static128BlockSym, kFp8Dynamic128Sym) only on exactly 9.0
(0.15.1-0.19.0), so on 10.x TRT-LLM's refusal leaves DEEPGEMM: TritonOrDeepGemmExperts
(triton_deep_gemm_moe.py) runs DeepGemmExperts whenever is_deep_gemm_e8m0_used()
(VLLM_USE_DEEP_GEMM_E8M0 default 1 on 9.0 and 10.x: utils/deep_gemm.py, envs.py), DeepGEMM
installed as in vLLM's images (as DEEPGEMM_PADDED_MOE). TRT-LLM's refusal of MiniMax-M2
(models/minimax_m2.py FusedMoE: scoring_func sigmoid, e_score_correction_bias, no
num_expert_group, router_logits_dtype=torch.float32, 0.15.1-0.19.0 alike):
- 0.15.1: the bias router's routing_method_type is RenormalizeNaive
  (router/fused_topk_bias_router.py) and flashinfer_trtllm_moe.py
  is_supported_config_trtllm_fp8 refuses float32 router logits but for DeepSeekV3
  (_supports_router_logits_dtype);
- 0.16.0: accepted (fused_moe/config.py get_routing_method_type: sigmoid with top_k > 1 is
  DeepSeekV3), so TRT-LLM serves it: not in this list;
- 0.17.0: get_routing_method_type (with has_e_score_bias and num_expert_group) gives
  Unspecified, which experts/trtllm_fp8_moe.py TrtLlmFp8Experts._supports_routing_method
  refuses (DeepSeekV3, Renormalize, RenormalizeNaive only);
- 0.18.0: TrtLlmFp8ExpertsModular comes beside the monolithic class, but their shared
  TrtLlmFp8ExpertsBase._supports_router_logits_dtype refuses float32 logits but for
  DeepSeekV3, so both refuse;
- 0.19.0 (and the 0.20.0-0.34.0 wheels) move that check to TrtLlmFp8ExpertsMonolithic: the
  modular TRT-LLM experts serve it, not in this list.
Before 0.15 DEEPGEMM_PADDED_MOE decides. The padded rows that rule charges are not charged
here: on B200 (perf-silicon-aic.csv, MiniMax-M2.5 on vLLM 0.17.0) charging them over-predicts
TPOT by 27-80 % (the more, the fewer the GPUs), while the measured excess over TRT-LLM-era
figures is about the same at TP=2 and TP=4 (about 2 ms a step at 4 requests), a per-layer
cost rather than padded FLOPs (ASSUMPTION: DeepGEMM's SM100 grouped GEMM skips the padding
blocks; not read). The family's per-MoE-layer overhead is its own fitted figure
(SpeedCoefficients.moe_kernel_layer_overhead_us)."""

DEEPGEMM_FLOAT32_ROUTER_ARCHS = ("MiniMaxM2ForCausalLM",)
"""The architectures whose vLLM model file gives FlashInfer's TRT-LLM FP8 MoE a router it
refuses under DEEPGEMM_FLOAT32_ROUTER_MOE (read: models/minimax_m2.py only; other model files
not checked, so they keep the default choice)."""


def _deepgemm_float32_router(scheme: QuantScheme, gpu: GpuSpec, vllm_version: str,
                             architectures: tuple[str, ...]) -> bool:
    """Whether DEEPGEMM_FLOAT32_ROUTER_MOE sends this model's block-FP8 experts to DeepGEMM's
    MoE on this GPU under `vllm_version`."""
    return (scheme.key.startswith("fp8-block") and gpu.vendor == "nvidia"
            and gpu.compute_capability.startswith("10.")
            and vllm_rules(vllm_version).version[:2] in DEEPGEMM_FLOAT32_ROUTER_MOE
            and any(a in DEEPGEMM_FLOAT32_ROUTER_ARCHS for a in architectures))


MARLIN_MOE = "SM-bound"
"""Marlin MoE (fused_marlin_moe: int4/int8 weights dequantised on the CUDA cores, multiplied
with mma.sync, the Ampere instruction, not Hopper's wgmma or Blackwell's tcgen05) reads its
experts at a rate set by SMs x clock rather than by the memory on Hopper and Blackwell:
Kimi-K2.5's int4 experts (compressed-tensors WNA16, group 32, Marlin MoE per moe_kernel) at
TP=8 decode at nearly the same speed on H200 (4.8 TB/s) and B200 (8 TB/s): 10.4 against
10.0 ms at 4 requests, 31.1 against 28.5 ms at 64 (perf-silicon-aic.csv, vLLM 0.16.0 and
0.15.1), where a bandwidth-bound kernel would be 1.67x faster on B200; the GPUs' FP32 rates
(SMs x clock) are 67 and 75 TFLOP/s. So the expert rate is the smaller of the bandwidth one
and SpeedCoefficients.marlin_moe_bytes_per_fp32_flop x the FP32 FLOP/s of 128-lane SMs at the
GPU's SMs x clock (MARLIN_FP32_FLOP_PER_SM_CYCLE x GpuSpec.sm_cycles_tera_per_s: the datasheet
FP32 figure on Hopper, Blackwell, Ada and GA10x; A100's 64-lane SMs count 2 x 19.5 = 39,
ASSUMING the dequantising integer and half2 instructions issue per SM, not per FP32 lane:
unverified, no A100 Marlin MoE row or measurement). GPUs
without an FP32 figure stay bandwidth-bound; on an RTX 3090 (35.6 TFLOP/s: 1,339 GB/s) the
bound lies above its 936 GB/s."""
MARLIN_FP32_FLOP_PER_SM_CYCLE = 256
"""FP32 FLOP per SM per clock on the 128-lane SMs (2 x 128: an FMA on each lane) of the
Hopper and Blackwell rows MARLIN_MOE's coefficient was fitted on."""


FA3_MAX_HEAD_DIM = 256
"""The widest attention head FlashAttention 3 serves on Hopper: vLLM's fa_utils.py
get_flash_attn_version upgrades FA3 to FA4 on compute capability 9.x when head_size > 256
("FA3 does not support head_size={head_size} on SM90: upgrading FlashAttention 3 -> 4",
0.22.0-0.34.0 wheels); Gemma4Config's docstring (model_executor/models/config.py, 0.24.0-0.34.0)
"The default FA3 on Hopper cannot handle head_dim > 256". Attention layers with wider heads
(Gemma 4's global layers, global_head_dim 512) are the ones WIDE_HEAD_FA4_SM90_SHARE rates."""

WIDE_HEAD_FA4_FROM = (0, 24)
"""The first vLLM release that runs a model whose attention heads are wider than
FA3_MAX_HEAD_DIM on FlashAttention 4 on Hopper. Read from the wheels' model_executor/models/
config.py Gemma4Config.verify_and_update_config (the one family with such heads): 0.19.0-0.23.0
force TRITON_ATTN for every layer when head_dim != global_head_dim and the larger exceeds 256;
0.24.0-0.30.0 set flash_attn_version = 4 for all layers when is_fa_version_supported(4) and the
widest head is <= 512 (0.31.0-0.34.0 the same, but per layer FA3 / FA4 with an FP8 KV cache on
9.x: the wide layers stay on FA4); vllm_flash_attn/flash_attn_interface.py _is_fa4_supported
holds on compute capability 9.x, 10.x and 11.x and cute/interface.py _validate_head_dims takes
head dims up to 512 on SM90. GH200 runs of google/gemma-4-31B-it on vLLM 0.28.0 (source build
2cf0a6915) report the FLASH_ATTN backend (pegainfer docs/benchmarks/gemma4-31b-gh200.md).
Before 0.24 (TRITON_ATTN) no published rate exists: those releases keep the default attention
rate (unverified). From 0.24 FA4 runs Gemma 4's 256-wide sliding-window layers too (forced for
every layer); they keep the default rate as well: no published FA4 figure at head_dim 256."""

WIDE_HEAD_FA4_SM90_SHARE = 0.465
"""FlashAttention 4's SM90 kernel at head_dim 512 runs at this share of the GPU's sustained
large-GEMM rate: "Measured on one GH200 at the chunked prefill's real shapes (one 8192-row
chunk against everything before it, 32 query heads over 4 KV heads, bf16, causal) with the
roofline taken in the same process (686 TFLOP/s sustained bf16 GEMM): FlashAttention 4 holds
44-49% of that roofline across the range" (pegainfer-project/pegainfer issue #1051,
2026-09-16); 0.465 is the middle of 44-49 %. The kernel's SM90 tile at head_dim > 256 is
64 x 64 queries x keys without register-held P (cute/interface.py _tile_size_fwd_sm90,
0.28.0: FwdConfig(64, 64, False, True)), against 128 x 80 at 256. The speed model's large-GEMM
rate is the dense BF16 peak x its compute efficiency (692.6 TFLOP/s on a GH200 against the
686 measured there), so the wide layers' attention runs at that x 0.465."""


def wide_head_attention_share(gpu: GpuSpec, vllm_version: str = DEFAULT_VLLM_VERSION,
                              kv_cache_dtype: str = "auto") -> float:
    """The share of the attention rate at which layers with heads wider than FA3_MAX_HEAD_DIM
    run under vLLM `vllm_version` on this GPU with a KV cache of `kv_cache_dtype` (vLLM's name,
    the one the selector sees): WIDE_HEAD_FA4_SM90_SHARE on Hopper (compute capability 9.x)
    from WIDE_HEAD_FA4_FROM (FlashAttention 4's SM90 kernel) where FLASH_ATTN takes the cache
    with FA4 (attention_backend.sm90_fa4_takes_kv: not fp8_e5m2, fp8 / fp8_e4m3 only from 0.31;
    FlashInfer or TRITON_ATTN serves the others), else 1 (no published rate for TRITON_ATTN,
    FlashInfer or the other GPUs' backends)."""
    version = vllm_rules(vllm_version).version
    if gpu.vendor == "nvidia" and gpu.compute_capability.startswith("9.") \
            and version[:2] >= WIDE_HEAD_FA4_FROM and sm90_fa4_takes_kv(kv_cache_dtype, version):
        return WIDE_HEAD_FA4_SM90_SHARE
    return 1.0
