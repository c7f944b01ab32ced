"""Which kernel vLLM runs MXFP4 (gpt-oss) experts on, per release and GPU, and what that
kernel pads them to.

One rule for both sides: the memory plan pads the experts for the kernel (weights), and the
speed model runs it (speed.kernels.mxfp4_moe_kernel). Read from the 0.10.1-0.34.0 wheels; the
0.9.1-0.10.0 wheels have no MXFP4 at all (MXFP4_FROM). The kernels' names and the one each
--moe-backend value names: mxfp4_kernels.
"""

from typing import TYPE_CHECKING

from planner.serving.hardware import parse_capability
from planner.serving.moe_backend import ORACLE_FROM
from planner.serving.mxfp4_kernels import MXFP4_BACKEND_KERNELS, Mxfp4Kernel
from planner.serving.vllm_versions import Version, in_span, sm100_family, version_label

if TYPE_CHECKING:  # only the type of `s`: engine.settings imports this module through lora
    from planner.serving.engine.settings import EngineSettings

MXFP4_FROM: Version = (0, 10, 1)
"""NOTE: the 0.9.1-0.10.0 wheels have no model_executor/layers/quantization/mxfp4.py ("mxfp4" is
not in quantization/__init__.py's QUANTIZATION_METHODS); it arrives with gpt-oss in 0.10.1. An
MXFP4 plan (gpt-oss, or --target-quant mxfp4) on an older release is refused."""

MXFP4_MARLIN_UNTIL: Version = (0, 10, 1)
"""NOTE: the 0.10.0 and 0.10.1 wheels pin torch==2.7.1 (METADATA Requires-Dist; 0.10.0 has no
mxfp4.py yet, nor gpt-oss's model class) and the 0.10.1 wheel's
model_executor/layers/quantization/mxfp4.py Mxfp4MoEMethod._should_use_marlin runs MXFP4 experts
on Marlin on every CUDA GPU but compute capability 10.0 while torch is older than 2.8.0, Hopper
too (hidden round_up 256, intermediate round_up 128). The 0.10.2 wheel (torch==2.8.0)
get_mxfp4_backend: Marlin below 9.0, else the Triton kernel where triton_kernels is installed
(intermediate round_up 64). On 10.0 both take FlashInfer's BF16 MoE when FlashInfer is
installed (the vllm[flashinfer] extra): hidden and intermediate round_up 256."""


MXFP4_TRITON_BELOW_11_FROM: Version = (0, 12, 0)
"""NOTE: get_mxfp4_backend takes triton_kernels only on (9, 0) <= capability < (11, 0) from the
0.12.0 wheel (triton_kernels_supported; fused_moe/oracle/mxfp4.py select_mxfp4_moe_backend in
0.19.0), Marlin above (12.x; 11.x but in MXFP4_TRITON_SM110); the 0.11.2 wheel on any >= 9.0."""

MXFP4_TRITON_SM110: tuple[Version, Version] = ((0, 32, 0), (0, 34, 0))
"""(first release, first release without) running gpt-oss's MXFP4 experts on OpenAI's Triton MoE
on compute capability 11.x (Jetson Thor; a custom GPU here) rather than Marlin.

NOTE: fused_moe/oracle/mxfp4.py _get_priority_backends_for_gpt_oss puts TRITON ahead of Marlin
(FlashInfer's TRT-LLM ahead of it takes family 100 only; prioritize_humming moves Humming only
on 9.0), and gpt_oss_triton_kernels_moe.py _triton_kernel_moe_supports_current_device takes
(9, 0) <= capability < (13, 0) from the 0.32.0 wheel (< (11, 0) in 0.31.0). The 0.32.0 and
0.33.0 wheels move TRITON behind Marlin on is_device_capability_family(120) only; the 0.34.0
wheel on family 110 too ("Jetson Thor (SM110): MARLIN stays the default as it has not been
benchmarked")."""

# NOTE: get_mxfp4_backend picks FlashInfer's MXFP4 x BF16 MoE on is_device_capability_family(100)
# (every 10.x: B200's 10.0, B300's 10.3) from the 0.13.0 wheel; the 0.12.0 wheel on exactly 10.0
# (is_device_capability(100)), so B300 runs triton_kernels there (vllm_versions.sm100_family).

MXFP4_TRTLLM_WIDTH_128_FROM: Version = (0, 27, 0)
"""NOTE: FlashInfer's TRT-LLM MXFP4 MoE pads the per-rank expert width to a multiple of 256
(hidden 256) in the 0.10.1-0.18.0 wheels' quantization/mxfp4.py create_weights and the 0.19.0
and 0.26.0 wheels' fused_moe/oracle/mxfp4.py mxfp4_round_up_hidden_size_and_intermediate_size
(`elif backend in TRTLLM_BACKENDS`); to a multiple of 128 (hidden still 256) from the 0.27.0
wheel (0.28.0, 0.30.0, 0.32.0, 0.33.0, 0.34.0 the same)."""

MXFP4_ROCM_KERNEL: Mxfp4Kernel = "triton"
"""The kernel vLLM runs MXFP4 experts on on AMD GPUs (ROCm) with no environment variable set:
OpenAI's Triton MoE kernels (triton_kernels), never Marlin (its MoE runs on CUDA only).

NOTE: read per release. quantization/mxfp4.py: the 0.10.1 wheel's
Mxfp4MoEMethod._should_use_marlin is False on ROCm unless VLLM_MXFP4_USE_MARLIN is set (Marlin
only `if current_platform.is_cuda()`), so apply() runs the Triton MoE; get_mxfp4_backend in the
0.10.2-0.18.0 wheels: `elif
current_platform.is_rocm() and has_triton_kernels(): return Mxfp4Backend.TRITON` (0.10.2,
0.11.0-0.11.2, 0.12.0-0.16.0 read; 0.17.0 and 0.18.0 put the AITER CK kernel first where
rocm_aiter_ops.is_enabled() and on_gfx950()).
fused_moe/oracle/mxfp4.py (0.19.0-0.34.0 wheels, each read): the gpt-oss priority list puts
only AITER backends (CK / AITER, AITER_MXFP4_BF16, AITER_MXFP4_FP8, AITER_MXFP4_MXFP4, from
0.30.0 AITER_TRITON_MXFP4_BF16) and CUDA-only FlashInfer ahead of TRITON, and every AITER
expert class asks rocm_aiter_ops.is_enabled() / is_fused_moe_enabled(), off by default
(envs.py VLLM_ROCM_USE_AITER "False"); TRITON's OAITritonMxfp4ExpertsMonolithic
(gpt_oss_triton_kernels_moe.py _supports_current_device) takes ROCm capability (9, 0) <= cap
< (11, 0) in 0.19.0-0.21.0 (gfx942 reads 9.4, gfx950 9.5), on_gfx9() or on_gfx1x() from
0.22.0; MarlinExperts (fused_marlin_moe.py / experts/marlin_moe.py) is `p.is_cuda() and
p.has_device_capability((7, 5))` in every one. The CUDA wheels ship triton_kernels as
vllm/third_party/triton_kernels (0.19.0-0.34.0), assumed in a ROCm build too. ROCm pads
these experts its own way (MXFP4_ROCM_PAD)."""

MXFP4_ROCM_PAD: tuple[tuple[Version, tuple[int, int] | None], ...] = (
    ((0, 10, 1), (1, 128)), ((0, 10, 2), (128, 128)), ((0, 11, 0), (256, 256)),
    ((0, 11, 1), None), ((0, 19, 0), (256, 256)))
"""(first release, (hidden, per-rank width) multiples) vLLM pads MXFP4 experts to on ROCm for
the Triton MoE (MXFP4_ROCM_KERNEL), each up to the next row's release; None: by GPU,
get_padding_alignment (mxfp4_rocm_padding).

NOTE: quantization/mxfp4.py Mxfp4MoEMethod.create_weights, the `elif current_platform.is_rocm()`
branch its Triton backend reaches: 0.10.1 rounds the width up to 128 only; 0.10.2 both to 128;
0.11.0 both to 256; the 0.11.1-0.18.0 wheels (0.11.1, 0.11.2, 0.12.0, 0.13.0, 0.14.0, 0.15.1,
0.16.0, 0.17.0, 0.18.0 read) both to mxfp4_utils.get_padding_alignment(): 256 where triton's
current target arch is "gfx950", else 128. fused_moe/oracle/mxfp4.py
mxfp4_round_up_hidden_size_and_intermediate_size, 0.19.0-0.34.0 wheels (each read): the
`elif current_platform.is_rocm()` branch gives TRITON 256 x 256 (0.28.0 on: 128 only for
AITER_MXFP4_BF16 with SiLU/SiTU; from 0.31.0 (0.31.0-0.34.0 wheels; not in 0.29.0 or 0.30.0)
also TRITON_UNFUSED off CDNA4 with SiLU/SiTU; gpt-oss's swigluoai is neither)."""


def mxfp4_rocm_padding(version: Version, compute_capability: str) -> tuple[int, int] | None:
    """(hidden, per-rank width) multiples of MXFP4 experts on an AMD GPU (MXFP4_ROCM_PAD);
    None where they hang on a gfx target this GPU does not name (a custom GPU)."""
    pad = next((pad for first, pad in reversed(MXFP4_ROCM_PAD) if version >= first), (1, 1))
    if pad is not None:
        return pad
    if not compute_capability.startswith("gfx"):
        return None
    align = 256 if compute_capability == "gfx950" else 128
    return (align, align)


def mxfp4_kernel(version: Version, compute_capability: str) -> Mxfp4Kernel:
    """The kernel vLLM `version` (0.10.1 on) runs MXFP4 experts on on this NVIDIA GPU with no
    environment variable set, FlashInfer assumed installed (as in vLLM's images): FlashInfer's
    TRT-LLM MXFP4 x BF16 MoE on exactly 10.0 (is_device_capability(100)), every 10.x from 0.13
    (vllm_versions.sm100_family); Marlin on every other GPU up to 0.10.1 (MXFP4_MARLIN_UNTIL) and
    below 9.0; else OpenAI's triton_kernels (the 0.10.2, 0.11.0, 0.11.1 and 0.11.2 wheels'
    get_mxfp4_backend: any other capability >= 9.0, B300's 10.3 and 12.x too, though the 0.12.0
    wheel's comment has triton_kernels "only confirmed to work on SM90 and SM100"), below 11.0 only
    from MXFP4_TRITON_BELOW_11_FROM (Marlin on 12.x, and on 11.x but in MXFP4_TRITON_SM110). The
    memory side pads the experts for it (mxfp4_expert_padding) and the speed model runs it
    (speed.kernels.mxfp4_moe_kernel). An unknown capability reads as Marlin here
    (mxfp4_ep_reason); mxfp4_moe_kernel_of calls it "unknown" before asking."""
    capability = parse_capability(compute_capability)
    if capability is None:
        return "marlin"
    if sm100_family(version, capability):
        return "flashinfer"
    if version <= MXFP4_MARLIN_UNTIL or capability[0] < 9:
        return "marlin"
    if version >= MXFP4_TRITON_BELOW_11_FROM and capability[0] >= 11 and not (
            capability[0] == 11 and in_span(version, *MXFP4_TRITON_SM110)):
        return "marlin"
    return "triton"


MXFP4_FP32_BIAS_KERNELS: frozenset[Mxfp4Kernel] = frozenset({"flashinfer", "triton", "aiter"})
"""The kernels (mxfp4_moe_kernel_of) on which vLLM holds MXFP4 experts' biases in float32: OpenAI's
Triton MoE (ROCm's too) and FlashInfer's TRT-LLM MoE in every release with MXFP4 (MXFP4_FROM),
AITER's (--moe-backend aiter*, ROCm only) where the oracle reads it. marlin, flashinfer_cutlass
and deep_gemm keep bf16; cpu converts too but runs on no GPU; humming, b12x, xpu and emulation
are not read for this and are planned bf16 as created.

NOTE: vLLM creates gpt-oss's routed-expert biases (w13_bias, w2_bias) in bf16 and converts them
to float32 in process_weights_after_loading for OpenAI's Triton MoE and FlashInfer's TRT-LLM MoE
(`.to(torch.float32)`; TRT-LLM then shuffles and reshapes them to (num_experts, -1), the same
element count), and re-registers them (`layer.w13_bias = Parameter(...)` to 0.18.x,
replace_parameter from 0.19.0: a new Parameter, or `.data` rebound where the fp32 tensor does not
fit the bf16 storage), so the bf16 tensors are freed before load_model's DeviceMemoryProfiler reads
the weights (torch.cuda.max_memory_allocated after reset_peak_memory_stats: what is live) and the
steady state holds float32, twice the bytes. Marlin keeps them in the model dtype
(marlin_utils_fp4.py: `bias.to(param_dtype)`), as FlashInfer's CUTLASS MoE does (swapped back
`.to(torch.bfloat16)`). Read: quantization/mxfp4.py Mxfp4MoEMethod.process_weights_after_loading in
the 0.10.1 (the FlashInfer branch and the Triton `else`), 0.10.2, 0.11.0, 0.14.0, 0.17.0, 0.17.1,
0.18.0, 0.18.1 wheels (TRITON, SM100_FI_MXFP4_BF16 / _MXFP8_TRTLLM and ROCm's CK branches);
fused_moe/oracle/mxfp4.py convert_gpt_oss_weight_to_mxfp4_moe_kernel_format in every
0.19.0-0.34.0 wheel (TRITON_BACKENDS, TRTLLM_BACKENDS and every AITER branch). The Triton
branch is the one ROCm's Triton MoE (MXFP4_ROCM_KERNEL) takes too."""


def mxfp4_backend_read(version: Version, moe_backend: str | None) -> str | None:
    """--moe-backend where vLLM `version`'s MXFP4 oracle reads it (moe_backend.ORACLE_FROM
    ["mxfp4"], 0.19.0; 0.17-0.18 quantization/mxfp4.py does not); None where it is auto or not
    read."""
    read = moe_backend not in (None, "auto") and version >= ORACLE_FROM["mxfp4"]
    return moe_backend if read else None


def mxfp4_backend_picks(version: Version, marlin: bool, moe_backend: str | None) -> str | None:
    """The --moe-backend value that picks the kernel MXFP4 experts run on (mxfp4_moe_kernel_of):
    the one vLLM `version`'s oracle reads (mxfp4_backend_read) unless Marlin is forced
    (`marlin`: mxfp4_on_marlin); None where vLLM's own pick or Marlin stands."""
    return None if marlin else mxfp4_backend_read(version, moe_backend)


def mxfp4_moe_kernel_of(version: Version, compute_capability: str, vendor: str, marlin: bool,
                        moe_backend: str | None) -> Mxfp4Kernel:
    """The one rule for the kernel vLLM `version` runs MXFP4 (gpt-oss) experts on: Marlin where
    `marlin` (mxfp4_on_marlin); else the --moe-backend value's
    (mxfp4_kernels.MXFP4_BACKEND_KERNELS) where the release's oracle reads it (from
    moe_backend.ORACLE_FROM["mxfp4"], 0.19.0; earlier releases ignore it); else the default:
    MXFP4_ROCM_KERNEL on AMD GPUs, mxfp4_kernel on NVIDIA ("unknown" where the capability is).
    The padding (mxfp4_expert_padding), the bias dtype
    (MXFP4_FP32_BIAS_KERNELS: startup.weight_load), the plan's kernel note (plan.notes.gpu_notes)
    and the speed model (speed.kernels.mxfp4_moe_kernel) all read it."""
    if named := mxfp4_backend_picks(version, marlin, moe_backend):
        return MXFP4_BACKEND_KERNELS.get(named, "other")
    if marlin:
        return "marlin"
    if vendor != "nvidia":
        return MXFP4_ROCM_KERNEL
    return "unknown" if parse_capability(compute_capability) is None \
        else mxfp4_kernel(version, compute_capability)


MXFP4_FLASHINFER_EP_FROM: Version = (0, 10, 2)
"""NOTE: the 0.10.1 wheel's quantization/mxfp4.py Mxfp4MoEMethod.apply, on the FlashInfer path
(should_use_flashinfer_mxfp4: compute capability 10.0 with FlashInfer), asserts `not
self.moe.use_ep` ("EP is not supported for flashinfer mxfp4 moe backend yet."): the profile
run at start-up reaches it whenever the expert-parallel size (tp x dp with
--enable-expert-parallel) is above 1; Marlin (VLLM_MXFP4_USE_MARLIN) returns before it. The
0.10.1.1 wheel's mxfp4.py is the same file; the 0.10.2 wheel has no such assert."""


def mxfp4_ep_reason(version: Version, compute_capability: str) -> str | None:
    """One line: why vLLM `version` stops at start-up with MXFP4 experts spread by expert
    parallelism on this GPU (MXFP4_FLASHINFER_EP_FROM); None where it starts."""
    if version >= MXFP4_FLASHINFER_EP_FROM or mxfp4_kernel(version, compute_capability) \
            != "flashinfer":
        return None
    return (f"vLLM {version_label(version)} stops at start-up: MXFP4 experts with expert "
            f"parallelism on compute capability {compute_capability} run FlashInfer's MoE, and "
            "quantization/mxfp4.py Mxfp4MoEMethod.apply asserts \"EP is not supported for "
            "flashinfer mxfp4 moe backend yet.\"; drop --enable-expert-parallel, or plan it "
            "with vLLM 0.10.2 or later")


MXFP4_MARLIN_PAD = (256, 128)
"""NOTE: Marlin's MoE kernel needs n % 256 and k % 128: MXFP4 experts padded to hidden % 256 and
per-rank width % 128 (quantization/mxfp4.py create_weights, 0.10.1-0.18.0 wheels; fused_moe/
oracle/mxfp4.py mxfp4_round_up_hidden_size_and_intermediate_size, 0.19.0-0.34.0)."""


def mxfp4_on_marlin(s: "EngineSettings", vendor: str) -> bool:
    """Whether vLLM runs MXFP4 experts on Marlin whatever mxfp4_kernel picks, under the engine
    settings `s`: on an NVIDIA GPU (Marlin's MoE is CUDA-only) with VLLM_MXFP4_USE_MARLIN=1
    (EngineSettings.mxfp4_marlin) or with --enable-lora, whose MXFP4 path takes Marlin in every
    release LoRA is planned for (0.17.0-0.34.0: lora.moe's module docstring)."""
    return (s.mxfp4_marlin or s.enable_lora) and vendor == "nvidia"


MXFP4_UNPADDED_FROM: Version = (0, 29, 0)
"""NOTE: fused_moe/oracle/mxfp4.py mxfp4_round_up_hidden_size_and_intermediate_size returns the
model's sizes unpadded for B12X_BACKENDS from the 0.29.0 wheel and for
FLASHINFER_MOE_EP_MXFP4_BACKENDS from 0.32.0 (the releases that map those values:
moe_backend.ORACLE_VALUES)."""

MXFP4_EMULATION_PAD_FROM: Version = (0, 26, 0)
"""NOTE: the same function rounds both sizes up to OCP_MX_BLOCK_SIZE (32,
quantization/utils/ocp_mx_utils.py) for EMULATION from the 0.26.0 wheel; 0.20.0-0.25.0 send it
to the last branch (ROCm's, else the width to 64)."""


def mxfp4_expert_padding(kernel: Mxfp4Kernel, version: Version, compute_capability: str,
                         vendor: str = "nvidia") -> tuple[int, int]:
    """(hidden, per-rank width) multiples vLLM `version` pads MXFP4 experts to on this GPU for
    `kernel` (the one mxfp4_moe_kernel_of picks), in the order of the 0.19.0-0.34.0 wheels'
    mxfp4_round_up_hidden_size_and_intermediate_size (each read; quantization/mxfp4.py
    create_weights before): B12X and FlashInfer's MoE-EP kernels none (MXFP4_UNPADDED_FROM);
    emulation 32 x 32 (MXFP4_EMULATION_PAD_FROM); DeepGEMM 128 x 128; Marlin MXFP4_MARLIN_PAD;
    FlashInfer's TRT-LLM 256 x 256, 256 x 128 from MXFP4_TRTLLM_WIDTH_128_FROM; FlashInfer's
    CUTLASS 128 x 128; then on AMD GPUs mxfp4_rocm_padding (nothing where it does not know
    the target); else (triton_kernels, Humming) only the width, to 64. gpt-oss (2,880 wide) on
    Hopper's triton_kernels: TP=1 stays 2,880, TP=2 1,440 -> 1,472, TP=4 720 -> 768, TP=8 360
    -> 384. The default on an NVIDIA GPU of unknown capability ("unknown") nothing."""
    if kernel == "unknown" or (kernel == "unpadded" and version >= MXFP4_UNPADDED_FROM):
        return (1, 1)
    if kernel == "emulation" and version >= MXFP4_EMULATION_PAD_FROM:
        return (32, 32)
    if kernel in ("deep_gemm", "flashinfer_cutlass"):
        return (128, 128)
    if kernel == "marlin":
        return MXFP4_MARLIN_PAD
    if kernel == "flashinfer":
        return (256, 128 if version >= MXFP4_TRTLLM_WIDTH_128_FROM else 256)
    if vendor != "nvidia":
        return mxfp4_rocm_padding(version, compute_capability) or (1, 1)
    return (1, 64)


def mxfp4_note(version: Version, compute_capability: str, kernel: Mxfp4Kernel) -> str | None:
    """The plan's note on vLLM `version` (< 0.11) naming the kernel MXFP4 experts run on
    (`kernel`, mxfp4_moe_kernel_of's) and its padding (mxfp4_expert_padding); None for a kernel
    it does not describe ("unknown", padded for none: an unknown capability, which these
    releases are not planned on anyway: v1_oracle.uncovered_reason)."""
    v, cc = version_label(version), compute_capability
    if kernel == "flashinfer":
        return (
            f"MXFP4 experts on compute capability 10.0 with vLLM {v}: FlashInfer's BF16 MoE "
            "kernel, padded to 256 x 256, assuming FlashInfer is installed (vllm[flashinfer]); "
            "without it the Triton kernel pads to 64 (mxfp4.py): weights unverified.")
    if kernel == "marlin":
        return (
            f"MXFP4 on compute capability {cc} with vLLM {v} runs on the Marlin MXFP4 kernel "
            "(16-bit compute), experts padded to 256 x 128 (mxfp4.py; 0.10.0-0.10.1 pin torch "
            "2.7.1, which has no Triton MXFP4 path).")
    if kernel != "triton":
        return None
    return (
        f"MXFP4 on compute capability {cc} with vLLM {v} runs on the OAI Triton MoE kernel "
        "(Marlin MXFP4 without triton_kernels: set it with the Marlin option), intermediate "
        "padded to 64 (mxfp4.py).")
