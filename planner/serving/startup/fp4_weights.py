"""FP4 weights (NVFP4, MXFP4) where the GPU has no FP4 tensor cores or is an AMD one: the kernels
vLLM runs them with (Marlin FP4, OpenAI's Triton MoE, the NVFP4 emulation) and the MoE
backends its ROCm oracles refuse (fused_moe/oracle/mxfp4.py, nvfp4.py; quantization/mxfp4.py
before 0.19)."""

from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.hardware import GpuSpec
from planner.serving.layout import first_moe, quantized_component
from planner.serving.moe_backend import ORACLE_FROM
from planner.serving.mxfp4 import mxfp4_rocm_padding
from planner.serving.mxfp4_kernels import Mxfp4Kernel
from planner.serving.startup.device import capability
from planner.serving.startup.modelopt import MIXED_W4A16_NVFP4_FROM
from planner.serving.startup.quant_method import QUANT_METHOD
from planner.serving.vllm_cli import VllmCli
from planner.serving.vllm_versions import (
    NEWEST_COVERED,
    NVFP4_ROCM_EMULATION_FROM,
    Version,
    in_span,
    version_label,
)

MARLIN_BY: dict[str, tuple[str, str]] = {
    "--enable-lora": ("with --enable-lora", "vLLM keeps only the MXFP4 experts classes that take "
                      "LoRA, Marlin first among them. Source: vLLM quantization/mxfp4.py "
                      "get_mxfp4_backend_with_lora (0.17-0.18), fused_moe/oracle/mxfp4.py "
                      "(0.19-0.20), modular_kernel.py is_supported_config (0.21 on)."),
    "--moe-backend marlin": ("with --moe-backend marlin", "vLLM's MXFP4 oracle maps it to MARLIN "
                             "and takes it or refuses. Source: vLLM fused_moe/oracle/mxfp4.py "
                             "map_mxfp4_backend (0.19 on)."),
    "mxfp4_marlin": ("as asked", "VLLM_MXFP4_USE_MARLIN=1, or vLLM's fallback where "
                     "triton_kernels is missing. Source: vLLM quantization/mxfp4.py "
                     "get_mxfp4_backend (0.11-0.18), fused_moe/oracle/mxfp4.py (0.19 on).")}
"""(how fp4_weight_notes names it, why with the source) where MXFP4 experts run on Marlin
whatever mxfp4_kernel picks (mxfp4.mxfp4_on_marlin, mxfp4.mxfp4_moe_kernel_of), by the setting:
EngineSettings.enable_lora, .moe_backend (from 0.19), .mxfp4_marlin."""


MXFP4_NOTE_KERNELS: dict[Mxfp4Kernel, str] = {
    "triton": "the OAI Triton MoE kernels",
    "marlin": "the Marlin MXFP4 kernel"}
"""How fp4_weight_notes names the kernels MXFP4 experts run on (mxfp4.mxfp4_moe_kernel_of) on a
GPU without FP4 tensor cores, where vLLM picks the kernel itself; it names no other (OpenAI's
Triton MoE with what vLLM does without triton_kernels: mxfp4_triton_default)."""

MXFP4_CUTLASS_BEFORE_MARLIN_FROM: Version = (0, 20, 0)
"""The first release whose own MXFP4 pick without triton_kernels takes FlashInfer's CUTLASS MoE
on compute capability 9.0 rather than Marlin (mxfp4_triton_default).

NOTE: fused_moe/oracle/mxfp4.py, each wheel 0.19.0-0.34.0 read: the default priority list
(_get_priority_backends in 0.19.x, _get_priority_backends_for_gpt_oss from 0.20.0) has TRITON,
then FLASHINFER_CUTLASS_MXFP4_BF16, ahead of MARLIN (and of HUMMING, which prioritize_humming
moves only ahead of Marlin, from 0.32.0); FlashInferExperts (flashinfer_cutlass_moe.py) takes
(kMxfp4Static, None) on is_device_capability(90) where has_flashinfer_cutlass_fused_moe() (vLLM's
images ship FlashInfer), never on 8.x. 0.19.x's OAI Triton device check reads the capability
only, so without triton_kernels it still takes TRITON and fails loading the weights
(MXFP4_TRITON_CHECKED_FROM); 0.17.0-0.18.x quantization/mxfp4.py get_mxfp4_backend falls back
to Marlin (FlashInfer on 9.0 only with VLLM_USE_FLASHINFER_MOE_MXFP4_BF16). An A100 or RTX 3090
runs Marlin by default in every release (no Triton note there)."""

MXFP4_TRITON_CHECKED_FROM: Version = (0, 20, 0)
"""The first release whose OpenAI Triton MoE experts ask for triton_kernels in their device
check, so that an explicit --moe-backend triton / triton_unfused without it is refused by the
MXFP4 oracle (mxfp4_triton_asked).

NOTE: every wheel 0.17.0-0.34.0 ships vllm/third_party/triton_kernels, which
utils/import_utils.py has_triton_kernels falls back to (a trial import from 0.23.0's
_has_module, find_spec only before). Without it, vLLM's own pick skips TRITON for the next
backend (Marlin on the GPUs this note is for: quantization/mxfp4.py get_mxfp4_backend
0.17.0-0.18.x, where --moe-backend is not read for MXFP4; fused_moe/oracle/mxfp4.py priority
lists from 0.19.0). An explicit value never falls back: the oracle maps it
(map_mxfp4_backend) and takes that backend or raises (_return_or_raise). 0.20.0-0.34.0
BaseOAITritonExperts / OAITritonMxfp4ExpertsMonolithic._supports_current_device return
`... and has_triton_kernels()`, so is_supported_config fails and it raises ValueError("Mxfp4
MoE backend 'TRITON' does not support the deployment configuration since kernel does not
support current device ..."); 0.19.x's check reads the capability only, the oracle takes
TRITON, and convert_to_mxfp4_moe_kernel_format fails at `from triton_kernels.matmul_ogs
import FlexCtx, PrecisionConfig` (ModuleNotFoundError) while loading the weights."""


def mxfp4_triton_asked(value: str, version: Version) -> str:
    """How fp4_weight_notes names OpenAI's Triton MoE where --moe-backend `value` asks for it
    on vLLM `version` (mxfp4.mxfp4_backend_picks): no Marlin fallback without triton_kernels,
    the error instead (MXFP4_TRITON_CHECKED_FROM)."""
    fails = ("'s MXFP4 oracle raises at start-up" if version >= MXFP4_TRITON_CHECKED_FROM
             else " fails loading the weights")
    return (f"the OAI Triton MoE kernels as --moe-backend {value} asks (no Marlin fallback: "
            f"without triton_kernels, which the wheel ships, vLLM {version_label(version)}"
            f"{fails})")


def mxfp4_triton_default(version: Version, compute_capability: str) -> str:
    """How fp4_weight_notes names OpenAI's Triton MoE where vLLM `version` picks it itself, with
    what that release takes without triton_kernels (the wheel ships it; MXFP4_TRITON_CHECKED_FROM,
    MXFP4_CUTLASS_BEFORE_MARLIN_FROM)."""
    if version < ORACLE_FROM["mxfp4"]:
        instead = "Marlin MXFP4"
    elif version < MXFP4_CUTLASS_BEFORE_MARLIN_FROM:
        instead = f"vLLM {version_label(version)} still takes them and fails loading the weights"
    elif compute_capability == "9.0":
        instead = "FlashInfer's CUTLASS MXFP4 MoE, next in vLLM's list"
    else:
        instead = "Marlin MXFP4"
    return (f"{MXFP4_NOTE_KERNELS['triton']} ({instead} without triton_kernels, which the "
            "wheel ships)")


def fp4_weight_notes(gpu: GpuSpec, scheme: QuantScheme, cli: VllmCli | None = None,
                     marlin_by: str | None = None,
                     mxfp4_kernel: Mxfp4Kernel | None = None,
                     triton_asked: tuple[str, Version] | None = None,
                     version: Version = NEWEST_COVERED) -> list[str]:
    """What vLLM runs FP4 weights with on a GPU without FP4 tensor cores (it loads them): none
    where `cli`'s release refuses the method on this GPU (its get_min_capability(), as
    startup_errors says; MXFP4's is 80 in every covered release, so a T4 gets no note).
    `mxfp4_kernel`: the kernel MXFP4 experts run on (mxfp4.mxfp4_moe_kernel_of), which the note
    names where it is Marlin or OpenAI's Triton MoE (none for another kernel, or None: one that
    does not run here); `triton_asked`: (the --moe-backend value, vLLM's version) where that
    value picks OpenAI's Triton MoE (mxfp4_triton_asked); `version`: the vLLM release, whose own
    pick without triton_kernels the Triton note names (mxfp4_triton_default). `marlin_by`: the
    setting that puts MXFP4 experts on Marlin whatever the GPU (mxfp4.mxfp4_on_marlin; a
    MARLIN_BY key), named in the note, which FP4 tensor cores then get too.

    NOTE: NVFP4: ModelOpt's get_min_capability() is 80 (0.11.0-0.13.0 wheels), then 75, so no
    covered release refuses an 8.x or 9.x GPU (vllm_cli fixtures). The W4A4 kernels need FP4
    tensor cores (FlashInfer CuTe-DSL "requires sm_10x", cutlass_fp4_supported()); the next in
    0.33.0 and 0.34.0 model_executor/kernels/linear/__init__.py _POSSIBLE_NVFP4_KERNELS is
    MarlinNvFp4LinearKernel, "NVFP4 weight-only GEMM via Marlin (W4A16)", whose
    is_fp4_marlin_supported() is capability >= 7.5 (>= 8.0 in 0.11.0: modelopt.py
    ModelOptNvFp4LinearMethod backend "marlin"). MXFP4 (gpt-oss): 0.33.0 and 0.34.0
    fused_moe/oracle/mxfp4.py _get_priority_backends_for_gpt_oss takes the OAI Triton MoE
    kernels on 9.0-12.x (_triton_kernel_moe_supports_current_device, 16-bit activations,
    when triton_kernels is installed) and Marlin MXFP4 (capability >= 7.5) otherwise; for the
    GPUs this note is for (no native FP4: below 10.0) the 0.11.0-0.18.0 wheels choose the same
    in quantization/mxfp4.py get_mxfp4_backend (0.18.0: FlashInfer on 10.x, triton_kernels on
    9.0 <= capability < 11.0, else Marlin).
    """
    fmt = scheme.family
    if fmt not in ("nvfp4", "mxfp4") or gpu.vendor != "nvidia" or capability(gpu) is None:
        return []
    minimum = cli.quantization_min_capability.get(QUANT_METHOD[fmt], 0) if cli else 0
    if capability(gpu) < max(75, minimum):
        return []  # the quantization method's minimum capability refuses it (below 7.5 always)
    forced = marlin_by if fmt == "mxfp4" else None
    if gpu.weight_format_support(fmt) == "native" and not forced:
        return []
    cc = gpu.compute_capability
    if fmt == "nvfp4":
        return [f"NVFP4 on {gpu.name} (compute capability {cc}) runs through vLLM's Marlin FP4 "
                "fallback: weights stay 4-bit, compute is 16-bit (MarlinNvFp4LinearKernel, "
                "W4A16; FP4 tensor cores need Blackwell). Source: vLLM "
                "model_executor/kernels/linear/nvfp4/marlin.py."]
    if forced:
        how, why = MARLIN_BY[forced]
        return [f"MXFP4 on {gpu.name} (compute capability {cc}) runs on the Marlin MXFP4 kernel "
                f"{how}: weights stay 4-bit, compute is 16-bit. {why}"]
    if mxfp4_kernel is None or mxfp4_kernel not in MXFP4_NOTE_KERNELS:
        return []
    kernel = (MXFP4_NOTE_KERNELS[mxfp4_kernel] if mxfp4_kernel != "triton"
              else mxfp4_triton_asked(*triton_asked) if triton_asked
              else mxfp4_triton_default(version, cc))
    return [f"MXFP4 on {gpu.name} (compute capability {cc}) runs on {kernel}: weights stay "
            "4-bit, compute is 16-bit. Source: vLLM model_executor/layers/quantization/mxfp4.py "
            "get_mxfp4_backend (0.11-0.18), fused_moe/oracle/mxfp4.py (0.19 on)."]


MXFP4_MARLIN_ENV: tuple[Version, Version] = ((0, 19, 0), (0, 24, 0))
"""The releases (first up to, not including, second) whose MXFP4 MoE oracle on ROCm honours
VLLM_MXFP4_USE_MARLIN (EngineSettings.mxfp4_marlin) by raising.

NOTE: fused_moe/oracle/mxfp4.py select_mxfp4_moe_backend, 0.19.0-0.23.0 wheels: `if
envs.is_set("VLLM_MXFP4_USE_MARLIN") and envs.VLLM_MXFP4_USE_MARLIN: return
_return_or_raise(Mxfp4MoeBackend.MARLIN, ...)`, and MarlinExperts._supports_current_device is
`p.is_cuda() and p.has_device_capability((7, 5))`, so on ROCm it raises ValueError(f"Mxfp4 MoE
backend 'MARLIN' does not support the deployment configuration since kernel does not support
current device {current_platform.device_name}."), device_name "rocm". The 0.24.0 wheel's envs.py
has no such variable (deprecated from 0.23: "Use --moe-backend marlin"); the 0.10.2-0.18.0
wheels read it only in get_mxfp4_backend's CUDA branch, so on ROCm it changes nothing there;
the 0.10.1 wheel's _should_use_marlin returns it on any platform (what Marlin then does on
ROCm not read: planned as on NVIDIA)."""


MXFP4_RDNA_REFUSED: tuple[tuple[Version, Version, tuple[str, ...], str, str], ...] = (
    ((0, 19, 0), (0, 20, 0), ("gfx11", "gfx12"),
     "No MXFP4 MoE backend supports the deployment configuration.",
     "OpenAI's Triton MoE takes ROCm capability 9.0 up to 11.0 only (gfx9, gfx10)"),
    ((0, 22, 0), (0, 24, 0), ("gfx10",),
     "No MXFP4 MoE backend supports the deployment configuration.",
     "OpenAI's Triton MoE takes gfx9 (gfx90a, gfx942, gfx950) and gfx11/gfx12 only"),
    ((0, 24, 0), (0, 25, 0), ("gfx10",),
     "Mxfp4 MoE backend 'TRITON_UNFUSED' does not support the deployment configuration since "
     "kernel does not support current device rocm.",
     "OpenAI's Triton MoE, and the unfused one vLLM falls back to on ROCm, take gfx9 (gfx90a, "
     "gfx942, gfx950) and gfx11/gfx12 only"))
"""(first release, first release without it, gfx target prefixes, vLLM's words, why) where no
MXFP4 MoE backend takes gpt-oss's experts (quantization method mxfp4) on an RDNA GPU with
--moe-backend auto and no environment variable set.

NOTE: fused_moe/oracle/mxfp4.py select_mxfp4_moe_backend walks the priority list
(_get_priority_backends in 0.19.0, _get_priority_backends_for_gpt_oss from 0.20.0) and takes
the first kernel whose is_supported_config passes; on ROCm only TRITON (and 0.19.0's
TRITON_UNFUSED) can: the AITER backends need rocm_aiter_ops.is_enabled() (VLLM_ROCM_USE_AITER,
default "False"), FlashInfer and Marlin is_cuda(), XPU is_xpu() (MXFP4_ROCM_KERNEL's NOTE).
The OAI Triton classes' _supports_current_device (fused_moe/ and, from 0.20.0, fused_moe/experts/
gpt_oss_triton_kernels_moe.py; 0.19.1 the same as 0.19.0) is
`(9, 0) <= capability < (11, 0)` in the 0.19.0-0.21.0 wheels (a gfx11xx reads 11.x, gfx12xx
12.x; gfx10xx 10.x passes), `on_gfx9() or on_gfx1x()` from 0.22.0 (platforms/rocm.py: gfx1x is
"gfx11"/"gfx12", gfx9 gfx90a/gfx942/gfx950; gfx10xx fails). After the list: 0.19.0 and
0.22.0-0.23.0 raise NotImplementedError("No MXFP4 MoE backend supports the deployment
configuration." ...) on CUDA and ROCm; 0.24.0 returns _return_or_raise(TRITON_UNFUSED) on ROCm,
whose kernel check raises ValueError(_make_log_unsupported) with reason "kernel does not support
current device rocm" (modular_kernel.py is_supported_config). 0.20.0-0.21.0 and 0.25.0-0.34.0
list EMULATION (OCP_MXQuantizationEmulationTritonExperts, a TritonExperts: is_cuda_alike();
from 0.28.0 is_supported_config also needs the amd-quark package, assumed installed),
which takes RDNA GPUs the Triton MoE does not: no refusal there (the emulation's memory is not
modelled)."""


CT_NVFP4A16_MOE_FROM: Version = (0, 17, 0)
"""NOTE: compressed_tensors_moe.py CompressedTensorsMoEMethod.get_moe_method (0.17.0-0.34.0
wheels; 0.17.0, 0.20.0, 0.22.0, 0.23.0, 0.25.0, 0.33.0, 0.34.0 read): NVFP4 weights with no
input_activations (NVFP4A16) build CompressedTensorsW4A4Nvfp4MoEMethod(use_a16=True), which
asks select_nvfp4_moe_backend with activation_key None, as ModelOpt's W4A16_NVFP4 experts do
from MIXED_W4A16_NVFP4_FROM (rocm_fp4_moe_errors' NOTE). Earlier releases not read here."""


def nvfp4_a16_experts(spec: ModelSpec, scheme: QuantScheme, version: Version) -> bool:
    """Whether vLLM `version` runs this checkpoint's NVFP4 experts with 16-bit activations
    (QuantSpec.weight_only: ModelOpt W4A16_NVFP4 from MIXED_W4A16_NVFP4_FROM, compressed-tensors
    NVFP4A16 from CT_NVFP4A16_MOE_FROM)."""
    quant = spec.quant
    if scheme.family != "nvfp4" or quant is None or scheme.what_if or not quant.weight_only:
        return False
    return version >= (CT_NVFP4A16_MOE_FROM if quant.method == "compressed-tensors"
                       else MIXED_W4A16_NVFP4_FROM)


def rocm_fp4_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version, gpu: GpuSpec,
                        mxfp4_marlin: bool = False, moe_backend: str | None = None
                        ) -> list[str]:
    """vLLM's refusal of FP4 experts on AMD GPUs, where no MoE backend of the release takes
    them: NVFP4 W4A16 experts (a ModelOpt W4A16_NVFP4 or compressed-tensors NVFP4A16
    checkpoint's: nvfp4_a16_experts) in every release, compressed-tensors NVFP4 experts before
    NVFP4_ROCM_EMULATION_FROM (ModelOpt ones there meet rocm_quantization_errors), and MXFP4
    experts with mxfp4_marlin (VLLM_MXFP4_USE_MARLIN=1) in MXFP4_MARLIN_ENV, and gpt-oss's
    MXFP4 experts on RDNA GPUs where vLLM's auto choice finds no backend (MXFP4_RDNA_REFUSED).

    NOTE: the W4A16 case: quantization/modelopt.py ModelOptNvFp4FusedMoE.__init__ (0.22.0-0.34.0
    wheels) asks select_nvfp4_moe_backend with activation_key None for quant_method
    "W4A16_NVFP4" (use_a16); EMULATION takes (kNvfp4Static, kNvfp4Dynamic) only
    (nvfp4_emulation_moe.py _supports_quant_scheme, 0.20.0-0.34.0) and Marlin / Humming, the
    backends that take None, run on CUDA only, so the oracle raises NotImplementedError("No
    NvFp4 MoE backend supports the deployment configuration.")."""
    if gpu.vendor == "nvidia" or first_moe(spec) is None \
            or not quantized_component(spec, scheme, "experts"):
        return []
    label, quant = version_label(version), spec.quant
    stored = quant is not None and not scheme.what_if
    nvfp4_refusal = "No NvFp4 MoE backend supports the deployment configuration. (vLLM " + label
    if scheme.family == "nvfp4" and stored and quant.method == "compressed-tensors" \
            and version < NVFP4_ROCM_EMULATION_FROM:
        return [f"{nvfp4_refusal} fused_moe/oracle/nvfp4.py: every NVFP4 MoE backend of this "
                f"release runs on CUDA only; vLLM emulates NVFP4 experts on ROCm from "
                f"{version_label(NVFP4_ROCM_EMULATION_FROM)})"]
    if nvfp4_a16_experts(spec, scheme, version):
        return [f"{nvfp4_refusal} fused_moe/oracle/nvfp4.py: on {gpu.name} (ROCm) no backend "
                "takes W4A16 NVFP4 experts (16-bit activations): Marlin and Humming run on CUDA "
                "only, and the emulation vLLM uses on ROCm takes W4A4 NVFP4 experts only)"]
    if scheme.family == "mxfp4" and mxfp4_marlin \
            and in_span(version, *MXFP4_MARLIN_ENV):
        return ["Mxfp4 MoE backend 'MARLIN' does not support the deployment configuration since "
                "kernel does not support current device rocm. (vLLM " + label + ": "
                "VLLM_MXFP4_USE_MARLIN=1 asks for Marlin's MoE, which runs on CUDA only; without "
                "it vLLM runs OpenAI's Triton MoE kernels on ROCm)"]
    rdna = next((row for row in MXFP4_RDNA_REFUSED if in_span(version, *row[:2])
                 and gpu.compute_capability.startswith(row[2])), None)
    if scheme.key == "mxfp4" and not mxfp4_marlin and moe_backend in (None, "auto") and rdna:
        return [f"{rdna[3]} (vLLM {label} fused_moe/oracle/mxfp4.py: on {gpu.name} "
                f"({gpu.compute_capability}) no MXFP4 MoE backend of this release runs: "
                f"{rdna[4]}; AITER's needs VLLM_ROCM_USE_AITER=1, the rest run on CUDA, XPU or "
                "CPU only)"]
    return []


NVFP4_EMULATION_FUSED_FROM: Version = (0, 25, 0)
"""NOTE: experts/nvfp4_emulation_moe.py calls dequantize_to_dtype on the layer's whole expert
weights before the Triton MoE in the 0.20.0-0.24.0 wheels (a 16-bit copy of them on every
forward); from the 0.25.0 wheel (0.25.0-0.34.0) its own @triton.jit kernel dequantizes each
tile it reads."""


def rocm_fp4_notes(spec: ModelSpec, scheme: QuantScheme, version: Version,
                   gpu: GpuSpec) -> list[str]:
    """What vLLM runs FP4 experts on on an AMD GPU, where rocm_fp4_moe_errors lets them
    start: MXFP4 on OpenAI's Triton MoE kernels (mxfp4.MXFP4_ROCM_KERNEL, padded as
    mxfp4.mxfp4_rocm_padding says), NVFP4 W4A4 on vLLM's emulation (NVFP4_ROCM_EMULATION_FROM)."""
    if gpu.vendor == "nvidia" or first_moe(spec) is None \
            or not quantized_component(spec, scheme, "experts"):
        return []
    if scheme.family == "mxfp4":
        pad = mxfp4_rocm_padding(version, gpu.compute_capability)
        padded = ("vLLM pads them by the GPU's gfx target (128 or 256), which this GPU does "
                  "not name: not sized" if pad is None else
                  f"padded to a width per GPU that is a multiple of {pad[1]}" if pad[0] == 1
                  else f"padded to multiples of {pad[0]} (hidden) x {pad[1]} (width per GPU)")
        return [f"MXFP4 experts on {gpu.name} run on OpenAI's Triton MoE kernels "
                "(triton_kernels; vLLM's ROCm choice with AITER off): weights stay 4-bit, "
                f"compute is 16-bit, {padded}. Source: vLLM fused_moe/oracle/mxfp4.py "
                "(quantization/mxfp4.py before 0.19)."]
    if scheme.family != "nvfp4" or version < NVFP4_ROCM_EMULATION_FROM \
            or nvfp4_a16_experts(spec, scheme, version):
        return []
    copy = ("; this release dequantizes each MoE layer's experts into a 16-bit copy on every "
            "forward, which this plan does not size" if version < NVFP4_EMULATION_FUSED_FROM
            else "")
    return [f"NVFP4 experts on {gpu.name} run on vLLM's NVFP4 emulation (ROCm has no NVFP4 MoE "
            "kernel): the FP4 weights are dequantized to 16-bit for a Triton MoE" + copy + ". "
            "Its speed is uncalibrated (the default MoE figures). Source: vLLM "
            "fused_moe/experts/nvfp4_emulation_moe.py."]
