"""Which quantized MoE experts vLLM serves under LoRA, per release, and on which experts class:
FP8 (Triton, or Marlin on GPUs without FP8 from vLLM 0.20), int4 GPTQ / AWQ / compressed-tensors
W4A16 and ModelOpt NVFP4 (MarlinExperts from 0.20), gpt-oss's MXFP4 (Marlin, NVIDIA only: moe's
docstring), the --moe-backend values and run-time quantizations whose LoRA path is read (and
the MegaMoE backends vLLM refuses LoRA with from 0.33.0, for any model), and the refusals of
the rest. The slots are moe's, in lora_dtype whatever the experts' format.

Read from the `.py` files of the vLLM 0.17.0-0.34.0 wheels (settings.LORA_READ):
- the unquantized MoE picks the Triton experts with LoRA (fused_moe/oracle/unquantized.py;
  0.17.0: Triton on CUDA by default, FusedMoEWithLoRA asserts TritonExperts).
- FP8 experts (Fp8Config's Fp8MoEMethod: an FP8 checkpoint of per-tensor or block scales, or
  --quantization fp8, whose online MoE methods call the same select_fp8_moe_backend in every
  release read; ModelOpt's and compressed-tensors' FP8 MoE methods too: LORA_FP8_METHODS):
  0.17.0-0.19.x fused_moe/oracle/fp8.py select_fp8_moe_backend returns TRITON (TritonExperts)
  first thing where config.is_lora_enabled, on any GPU, and FusedMoEWithLoRA.
  _inject_lora_into_fused_moe asserts TritonExperts; TritonExperts._supports_quant_scheme lists
  the FP8 schemes only where the device supports FP8 (CUDA capability >= 8.9 or ROCm gfx9 in
  0.17.0), a check that branch skips: not planned on GPUs without FP8 (fp8_lora_gpu_refusal). From
  FP8_LORA_MARLIN_FROM the branch is gone: the oracle walks its priority list (AITER, FlashInfer
  TRT-LLM and CUTLASS, DeepGEMM, vLLM CUTLASS, TRITON, MARLIN, ...) and modular_kernel.py
  FusedMoEExperts.is_supported_config drops every class without LoRAExpertsMixin (only
  TritonExperts and its subclasses, MarlinExperts, the OAI unfused Triton experts and, from
  0.26.0, the TRT-LLM BF16 / MXFP4 LoRA experts have it), so TritonExperts where
  current_platform.supports_fp8() and MarlinExperts (CUDA capability >= 7.5, FP8 block / channel /
  tensor weights in SUPPORTED_W) below: 0.20.0, 0.21.0, 0.24.0, 0.25.0, 0.28.0, 0.31.0, 0.33.0 and
  0.34.0 read. Either keeps the FP8 weights as stored (Triton reads them as loaded; Marlin W8A16
  is how Headroom already plans FP8 on GPUs without FP8, hardware.spec weight_format_support), so
  the weights figure is unchanged; the slots are moe's, in lora_dtype (LoRAConfig: auto
  is model_config.dtype, the checkpoint's 16-bit torch_dtype) whatever the experts' quantization.
  From 0.31.0 an explicit --moe-backend whose block-FP8 shard cannot be refined pads it to whole
  blocks only without LoRA (fused_moe/oracle/fp8.py pad_tp_shard_to_weight_blocks: "Block-aligned
  FP8 TP sharding requires 128-aligned global expert dimensions, pure TP, and no LoRA or expert
  bias.").
- int4 (GPTQ, AWQ, compressed-tensors W4A16) and ModelOpt NVFP4 experts (marlin_lora_experts):
  0.17.0-0.19.x stop at start-up, as the assert above takes TritonExperts alone but for MXFP4:
  the GPTQ / AWQ Marlin MoE methods' select_gemm_impl gives MarlinExperts under LoRA (GPTQ
  8-bit raises "GPTQ-Marlin kernel does not support 8-bit weights."), compressed-tensors
  WNA16MarlinMoEMethod's MarlinExperts, ModelOpt NVFP4's oracle (no LoRA branch there)
  FlashInfer, CUTLASS or Marlin experts: MARLIN_LORA_WORDS (marlin_lora_release_refusal). From
  MARLIN_LORA_FROM they run on MarlinExperts (LoRAExpertsMixin; CUDA capability >= 7.5, int4 and
  NVFP4 in SUPPORTED_W): GPTQ's GPTQMarlinMoEMethod (0.20.0-0.21.0; auto_gptq.py
  AutoGPTQMoEMethod from 0.22.0) and compressed-tensors' WNA16 Marlin method build it through
  fused_moe/oracle/int_wna16.py select_wna16_moe_backend, AWQMarlinMoEMethod.select_gemm_impl
  returns it "ONLY ... when LoRA is enabled" (0.20.0-0.21.0; the oracle from 0.22.0, auto_awq.py
  from 0.24.0), and the WNA16 (0.27.0 on: FLASHINFER_TRTLLM first, Humming first on Hopper from
  0.32.0) and NVFP4 oracles (FlashInfer TRT-LLM / CuteDSL / CUTLASS, vLLM CUTLASS, then MARLIN,
  Humming, emulation) walk their lists through is_supported_config, which drops every class
  without LoRAExpertsMixin, so MARLIN is the first taken on every NVIDIA GPU that runs them
  (FusedMoEWithLoRA then asserts moe_kernel.supports_lora() and `not is_monolithic`). Marlin
  keeps the layer's hidden_size and intermediate_size_per_partition: its tile padding
  (marlin_utils_fp4.py prepare_nvfp4_moe_layer_for_marlin's padded_N, int_wna16.py
  marlin_moe_padded_intermediate, 0.25.0 on) pads the weight tensors it repacks, local to
  them, so the LoRA slots are moe's 16-bit ones at the unpadded sizes, and the int4 / FP4
  weights keep the bytes Headroom plans without LoRA (Marlin int4 is how they run there on
  NVIDIA; NVFP4 on Blackwell runs FlashInfer / CUTLASS without LoRA, FP4 values and FP8 block
  scales either way). Where Marlin MoE does not take int4 experts (layout.moe_wna16_fallback:
  a per-GPU width Marlin's tiles or groups refuse, any layout on AMD) LoRA is refused
  (marlin_lora_layout_refusal): GPTQ / AWQ's MoeWNA16Method has no modular kernel in
  0.20.0-0.26.x, so FusedMoEWithLoRA calls fused_moe_method_base.py select_gemm_impl, which
  raises "MoeWNA16Method uses the new modular kernel initialization logic. This function
  should not be called."; compressed-tensors' fallback (select_gemm_impl under LoRA) and every
  fallback from 0.27.0 (the oracle's TRITON) run TritonWNA16Experts, which inherits
  LoRAExpertsMixin from TritonExperts but whose apply() reads no LoRA context: vLLM starts, and
  the experts' adapters do not apply. NVFP4 off NVIDIA is refused too (Marlin is CUDA-only; the
  ROCm emulation under LoRA is not read). Other run-time schemes but fp8 and gpt-oss's MXFP4
  experts off Marlin are not read (moe_engine_refusal).

"""

from typing import TYPE_CHECKING

from planner.model.quant import QuantScheme, scheme
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.layout import ParallelLayout, moe_wna16_fallback
from planner.serving.lora.moe import MOE_LORA_ARCHITECTURES
from planner.serving.vllm_versions import version_label

if TYPE_CHECKING:  # only the type of `gpu`
    from planner.serving.hardware import GpuSpec

LORA_FP8_METHODS = ("fp8", "modelopt", "compressed-tensors")
"""The checkpoint quant methods whose FP8 experts' MoE method (Fp8MoEMethod,
ModelOptFp8MoEMethod, CompressedTensorsW8A8Fp8MoEMethod) calls fused_moe/oracle/fp8.py
select_fp8_moe_backend in every release read (quantization/fp8.py, modelopt.py and
compressed_tensors/compressed_tensors_moe*.py of the 0.17.0, 0.19.0, 0.20.0, 0.24.0, 0.28.0,
0.31.0 and 0.34.0 wheels), so they take LoRA as the module docstring's FP8 experts do."""

LORA_FP8_SCHEMES = ("fp8-tensor", "fp8-channel", "fp8-block128")
"""The FP8 expert schemes (per-tensor, per-channel or block scales) of LORA_FP8_METHODS."""

FP8_LORA_MARLIN_FROM: tuple[int, int, int] = (0, 20, 0)
"""The first release whose FP8 MoE oracle picks the experts by LoRAExpertsMixin (MarlinExperts
on GPUs without FP8); 0.17.0-0.19.x force TritonExperts under LoRA on any GPU (module
docstring)."""


MARLIN_LORA_FROM: tuple[int, int, int] = (0, 20, 0)
"""The first release that serves LoRA on int4 and NVFP4 experts, on MarlinExperts
(marlin_lora_experts; module docstring); 0.17.0-0.19.x stop at start-up on them."""



LORA_MOE_BACKENDS = (None, "auto", "triton")
"""--moe-backend values under which the unquantized experts take vLLM's Triton LoRA path (None:
not passed)."""

MXFP4_LORA_BACKENDS = (None, "auto", "marlin")
"""--moe-backend values under which gpt-oss's MXFP4 experts, and int4 / NVFP4 ones
(marlin_lora_experts), take vLLM's Marlin LoRA path (moe's docstring, gpt-oss); "triton" names
the OAI Triton experts for MXFP4, which take no LoRA (0.21.0 on: select_mxfp4_moe_backend raises at
start-up), and TritonWNA16Experts for int4 from 0.27.0, whose apply() reads no LoRA context."""


MEGA_MOE_LORA_REFUSED_FROM: tuple[int, int, int] = (0, 33, 0)
MEGA_MOE_BACKENDS = ("deep_gemm_mega_moe", "flashinfer_moe_ep_cutedsl",
                     "flashinfer_moe_ep_mega_deep_gemm", "aiter_mega_moe")
"""NOTE: vLLM 0.33.0-0.34.0 config/vllm.py VllmConfig.__post_init__ calls
LoRAConfig.verify_with_kernel_config whenever LoRA is on, whatever the model (config/lora.py:
`if moe_backend in MEGA_MOE_BACKENDS or moe_backend == "aiter_mega_moe": raise
ValueError(f"LoRA is not supported with moe_backend={moe_backend!r}. ...")`; config/kernel.py
MEGA_MOE_BACKENDS = NATIVE_MEGA_MOE_BACKENDS {deep_gemm_mega_moe} | FLASHINFER_MOE_EP_BACKENDS
{flashinfer_moe_ep_cutedsl, flashinfer_moe_ep_mega_deep_gemm}). 0.17.0-0.32.0 have no such
check (no verify_with_kernel_config in config/lora.py): a dense model ignores the flag."""


def mega_moe_lora_refusal(version: tuple[int, int, int], moe_backend: str | None
                          ) -> str | None:
    """vLLM's start-up refusal of --enable-lora with a MegaMoE --moe-backend
    (MEGA_MOE_BACKENDS), for any model; None otherwise."""
    if version < MEGA_MOE_LORA_REFUSED_FROM or moe_backend not in MEGA_MOE_BACKENDS:
        return None
    return (f"--enable-lora with --moe-backend {moe_backend}: vLLM {version_label(version)} "
            f"refuses it at start-up, for any model (\"LoRA is not supported with "
            f"moe_backend='{moe_backend}'. Disable LoRA or select a MoE backend that supports "
            "LoRA.\", config/lora.py LoRAConfig.verify_with_kernel_config)")



def moe_engine_refusal(spec: ModelSpec, quantization: str | None, moe_backend: str | None
                       ) -> str | None:
    """--enable-lora on an MoE model with a run-time or what-if quantization
    (run_time_quantization: --quantization or --target-quant but fp8, fp8_experts) or a
    --moe-backend other than LORA_MOE_BACKENDS (gpt-oss's MXFP4 experts and int4 / NVFP4 ones,
    marlin_lora_experts: MXFP4_LORA_BACKENDS), any run-time quantization of experts whose FP8
    LoRA path is not read (MoeLoraModules.fp8_read: Nemotron-H's non-gated ones): vLLM's LoRA
    path for those experts is not read (None for dense models)."""
    if not any(isinstance(layer.mlp, MoeMlp) for layer in spec.layers):
        return None
    modules = MOE_LORA_ARCHITECTURES[spec.architectures[0]]  # (model_refusal first)
    mxfp4 = modules.mxfp4
    if quantization and not modules.fp8_read:
        return (f"--enable-lora: {spec.architectures[0]}'s non-gated experts in {quantization} "
                "(asked with --quantization or --target-quant) take LoRA MoE kernels Headroom "
                "has not read (it reads its 16-bit experts'), so it is not planned")
    if quantization and (mxfp4 or not fp8_experts(spec, quantization)):
        return (f"--enable-lora: MoE experts in {quantization} (asked with --quantization or "
                "--target-quant) take LoRA MoE kernels Headroom has not read (it reads 16-bit "
                "and FP8 experts'), so it is not planned")
    marlin = "MXFP4 " if mxfp4 else "int4 / NVFP4 " if marlin_lora_experts(spec) else ""
    if moe_backend not in (MXFP4_LORA_BACKENDS if marlin else LORA_MOE_BACKENDS):
        return (f"--enable-lora with --moe-backend {moe_backend}: Headroom sizes MoE LoRA on "
                + (f"vLLM's Marlin {marlin}experts (auto or marlin)" if marlin
                   else "vLLM's Triton experts (auto or triton)") + " only, so it is not planned")
    return None


MARLIN_LORA_WORDS = (
    "; vLLM 0.17-0.19 stop at start-up on them (lora/layers/fused_moe.py: `assert "
    "isinstance(m_fused_moe_fn.impl.fused_experts, TritonExperts)`, which their Marlin or "
    "FlashInfer experts are not), 0.20 on take them on MarlinExperts")
"""What vLLM does with LoRA on int4 and NVFP4 experts (marlin_lora_release_refusal; module
docstring)."""


def marlin_lora_experts(spec: ModelSpec) -> bool:
    """Whether `spec`'s experts are int4 GPTQ / AWQ / compressed-tensors W4A16 or ModelOpt
    NVFP4, whose LoRA vLLM serves on MarlinExperts from MARLIN_LORA_FROM (module docstring)."""
    quant = spec.quant
    return quant is not None and quant.weight_bits == 4 and (
        quant.method in ("gptq", "awq")
        or quant.method == "compressed-tensors" and quant.scheme.startswith("w4a16")
        or (quant.method, quant.scheme) == ("modelopt", "nvfp4"))


def marlin_lora_release_refusal(spec: ModelSpec, version: tuple[int, int, int], label: str
                                ) -> str | None:
    """--enable-lora on int4 / NVFP4 experts (marlin_lora_experts) under a release before
    MARLIN_LORA_FROM, which stops at start-up on them; None otherwise."""
    if version >= MARLIN_LORA_FROM or not spec.is_moe or not marlin_lora_experts(spec):
        return None
    return (f"--enable-lora: {spec.name} has quantized experts ({spec.quant.method}), whose LoRA "
            f"vLLM {label} does not start, so it is not planned" + MARLIN_LORA_WORDS
            + f": serve vLLM {version_label(MARLIN_LORA_FROM)} or later")


def marlin_lora_layout_refusal(spec: ModelSpec, layout: ParallelLayout,
                               quant: QuantScheme | None, vllm_version: str, vendor: str
                               ) -> str | None:
    """--enable-lora on int4 experts that this layout sends off Marlin MoE in `quant`
    (layout.moe_wna16_fallback, asked only for such experts) or on NVFP4 experts off NVIDIA:
    vLLM has no LoRA path for them there (module docstring); None otherwise."""
    # (the checkpoint's quant first: ModelSpec.is_moe walks every layer, and every layout of
    # a sweep asks)
    if not marlin_lora_experts(spec) or not spec.is_moe:
        return None
    if spec.quant.scheme == "nvfp4":
        return None if vendor == "nvidia" else (
            "--enable-lora: vLLM serves NVFP4 experts with LoRA on Marlin, on NVIDIA GPUs "
            "only (MarlinExperts: is_cuda()), so it is not planned")
    if not moe_wna16_fallback(spec, layout, quant, vllm_version, vendor):
        return None
    return ("--enable-lora: at this layout vLLM runs the int4 experts off Marlin MoE (the "
            "plan's MoE WNA16 fallback without LoRA), where their LoRA is not served: "
            "MoeWNA16Method's select_gemm_impl raises \"MoeWNA16Method uses the new modular "
            "kernel initialization logic. This function should not be called.\" at start-up "
            "(vLLM 0.20-0.26), and TritonWNA16Experts' apply() reads no LoRA context (the "
            "compressed-tensors fallback, and every fallback from 0.27), so the experts' "
            "adapters would not apply; it is not planned. Plan a layout where Marlin MoE takes "
            "them (--enable-expert-parallel keeps the experts whole)")


def run_time_quantization(quantization: str | None, target_quant: str | None) -> str | None:
    """The quantization the LoRA rules read: --quantization, or a what-if --target-quant,
    as vLLM's load-time method where the what-if is one (--target-quant fp8 is launched as
    --quantization fp8, planner.serving.launch: the same run, so the same LoRA experts), else
    the what-if's scheme key (a checkpoint of it, its LoRA path not read); None for neither."""
    if target_quant is None:
        return quantization
    target = scheme(target_quant)
    return target.vllm_quantization if target.runtime and target.vllm_quantization \
        else target_quant


def fp8_experts(spec: ModelSpec, quantization: str | None) -> bool:
    """Whether the routed experts of `spec` are FP8 through select_fp8_moe_backend: an FP8
    checkpoint of LORA_FP8_METHODS and LORA_FP8_SCHEMES, or `quantization`
    (run_time_quantization: --quantization, or --target-quant fp8's) fp8 on an unquantized
    one."""
    if spec.quant is None:
        return quantization == "fp8"
    return spec.quant.method in LORA_FP8_METHODS and spec.quant.scheme in LORA_FP8_SCHEMES


def fp8_lora_gpu_refusal(spec: ModelSpec, quantization: str | None, version: tuple[int, int, int],
                         label: str, gpu: "GpuSpec") -> str | None:
    """--enable-lora on FP8 experts (fp8_experts) on a GPU without FP8 tensor cores under a
    release before FP8_LORA_MARLIN_FROM, whose LoRA branch forces TritonExperts' FP8 kernels
    there (module docstring); None otherwise."""
    if version >= FP8_LORA_MARLIN_FROM or not spec.is_moe \
            or not fp8_experts(spec, quantization) or gpu.weight_format_support("fp8") == "native":
        return None
    return (f"--enable-lora with FP8 experts on the {gpu.name} (no FP8 tensor cores): vLLM "
            f"{label} forces the Triton FP8 experts under LoRA (fused_moe/oracle/fp8.py "
            "select_fp8_moe_backend: `if config.is_lora_enabled: return Fp8MoeBackend.TRITON`), "
            "which its TritonExperts lists for FP8 only on GPUs with FP8, so it is not planned; "
            f"vLLM {version_label(FP8_LORA_MARLIN_FROM)} or later serves them on Marlin")


def mxfp4_lora_vendor_refusal(spec: ModelSpec, vendor: str) -> str | None:
    """--enable-lora on gpt-oss's MXFP4 experts off NVIDIA: vLLM's LoRA path runs them on
    Marlin, CUDA-only (moe's docstring, gpt-oss); 0.19.0-0.20.x raise "Mxfp4 LoRA is currently only
    supported on CUDA.", 0.17.0-0.18.x find no backend, and the ROCm fall-back of 0.21.0 on
    (TRITON_UNFUSED) is not read. None on NVIDIA or for other models."""
    if vendor == "nvidia" or spec.architectures != ("GptOssForCausalLM",):
        return None
    return ("--enable-lora: vLLM serves gpt-oss's MXFP4 experts with LoRA on Marlin, on NVIDIA "
            "GPUs only (fused_moe/oracle/mxfp4.py: \"Mxfp4 LoRA is currently only supported on "
            "CUDA.\" in 0.19-0.20; the ROCm fall-back of later releases is not read), so it is "
            "not planned")

