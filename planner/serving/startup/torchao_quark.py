"""Checkpoints vLLM loads with their own config class whatever format they hold, torchao and
Quark (own_loader_method): torchao FP8's capability check (quantization/torchao.py) and Quark's
schemes and MoE methods per release (quantization/quark/quark.py, quark_moe.py,
schemes/)."""

from planner.model.config.quant import QUARK_PER_BLOCK_FROM, SOME_FORMATS_READ, TORCHAO_FP8
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec
from planner.serving.hardware import GpuSpec
from planner.serving.layout import first_moe, quantized_component
from planner.serving.startup.device import capability
from planner.serving.vllm_versions import Version, version_label


def own_loader_method(spec: ModelSpec, scheme: QuantScheme) -> str | None:
    """"torchao" or "quark" for such a checkpoint planned as stored, whose own config class
    vLLM loads it with whatever format it holds: capability_errors names it and takes its
    get_min_capability (the vllm_cli fixtures: torchao 75, quark 70), not the format
    family's. None for any other."""
    quant = spec.quant
    return quant.method if stored_format(spec, scheme) and quant.method in SOME_FORMATS_READ \
        else None


TORCHAO_FP8_CHECK_FROM: Version = (0, 22, 0)
"""NOTE: the first release whose quantization/torchao.py has
_check_torchao_fp8_activation_capability (absent from the 0.19.0-0.21.0 wheels, in 0.22.0,
0.23.0, 0.24.0, 0.29.0, 0.33.0, 0.34.0): torchao_quantize_param_data raises its ValueError
where current_platform.supports_fp8() is false (NVIDIA below 8.9, AMD before MI300). Before it
torchao's own check stops the load: quant_api.py asserts "Float8 dynamic activation
quantization is only supported on CUDA>=8.9 and MI300+" (torchao 0.18.0)."""

QUARK_SCHEME_MIN_CAPABILITY = {"fp8": ("QuarkW8A8Fp8", 89), "int8": ("QuarkW8A8Int8", 75),
                               "ocp_mx": ("QuarkOCP_MX", 70)}
"""NOTE: get_min_capability of the Quark scheme that loads each format family
(quark/schemes/quark_w8a8_fp8.py, quark_w8a8_int8.py, quark_ocp_mx.py; 0.19.0, 0.29.0,
0.34.0 wheels), which
QuarkConfig._check_scheme_supported compares with the GPU's (RuntimeError "Quantization
scheme is not supported for the current GPU. Min capability: N. Current capability: C.",
the same words as a tuple up to 0.28.0); FP8 before QUARK_FP8_CAPABILITY_ERROR_FROM in other
words."""

QUARK_FP8_CAPABILITY_ERROR_FROM: Version = (0, 30, 0)
"""NOTE: the first release whose quark.py picks QuarkW8A8Fp8 whatever the GPU and refuses it in
init_scheme (_check_scheme_supported, the words of QUARK_SCHEME_MIN_CAPABILITY; 0.30.0-0.34.0
wheels). 0.9.1-0.29.0's _get_scheme_from_config asks _check_scheme_supported(89, error=False)
and below 89 falls through to NotImplementedError "No quark compatible scheme was found."
(0.9.1, 0.18.0, 0.19.0, 0.20.0-0.29.0 wheels, each read)."""

QUARK_INT8_DYNAMIC_FROM: Version = (0, 20, 0)
"""NOTE: the first release whose quark.py takes INT8 W8A8 with dynamic per-token inputs
(input_tensors per_channel, is_dynamic: _is_dynamic_per_token_w8a8, 0.20.0-0.29.0; then
_is_w8a8_int8, 0.30.0-0.34.0). 0.9.1-0.19.0 take static per-tensor inputs only
(_is_static_tensor_w8a8; 0.9.1, 0.11.0, 0.14.0, 0.16.0, 0.18.0, 0.19.0 wheels) and raise
NotImplementedError "No quark compatible scheme was found." for dynamic ones."""


def own_loader_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                      gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a torchao or Quark checkpoint's format (own_loader_method) on this
    GPU or release; [] where it loads. torchao FP8 needs FP8 tensor cores
    (TORCHAO_FP8_CHECK_FROM); Quark's FP8 and INT8 schemes their minimum capability
    (QUARK_SCHEME_MIN_CAPABILITY), its per-block FP8, dynamic per-token INT8, MXFP6 and
    weight-only OCP MX a release that reads them (config.quant.QUARK_PER_BLOCK_FROM,
    QUARK_INT8_DYNAMIC_FROM, QUARK_MXFP6_FROM, QUARK_MX_WEIGHT_ONLY_FROM)."""
    method = own_loader_method(spec, scheme)
    at = f"vLLM {version_label(version)}"
    if method == "torchao":
        if scheme.family != "fp8" or gpu.weight_format_support("fp8") == "native":
            return []
        if version < TORCHAO_FP8_CHECK_FROM:
            return ["Float8 dynamic activation quantization is only supported on CUDA>=8.9 and "
                    f"MI300+ (torchao's check, which {at} reaches loading {TORCHAO_FP8})"]
        current = (f" (current GPU compute capability: {gpu.compute_capability})"
                   if gpu.vendor == "nvidia" else "")
        return [f"torchao FP8 activation quantization config '{TORCHAO_FP8}' requires GPU "
                "compute capability >= 8.9 (e.g., NVIDIA Ada Lovelace / Hopper or AMD "
                f"MI300+){current}. For older GPUs, consider using a non-FP8 config such as "
                f"Int8WeightOnlyConfig or Int4WeightOnlyConfig. ({at} quantization/torchao.py)"]
    if method != "quark":
        return []
    unread = (  # (this format, the first release that reads it, what earlier ones read)
        (scheme.key == "fp8-block128", QUARK_PER_BLOCK_FROM,
         "_is_fp8_w8a8 takes no per_block FP8 weights; it reads them"),
        (scheme.family == "int8" and spec.quant.input_qscheme == "per_channel",
         QUARK_INT8_DYNAMIC_FROM,
         "takes INT8 W8A8 with static per-tensor inputs only; dynamic per-token ones"),
        (scheme.key == "quark-mxfp6", QUARK_MXFP6_FROM, "reads MXFP4 OCP MX only; MXFP6"),
        (scheme.family == "ocp_mx" and spec.quant.input_qscheme != "per_group",
         QUARK_MX_WEIGHT_ONLY_FROM,
         "reads OCP MX weights with OCP MX inputs only; 16-bit inputs"))
    for this_format, since, read in unread:
        if this_format and version < since:
            return [f"No quark compatible scheme was found. ({at} quark.py {read} from "
                    f"{version_label(since)})"]
    name, need = QUARK_SCHEME_MIN_CAPABILITY[scheme.family]
    current = capability(gpu)
    if current is not None and current < need:
        if scheme.family == "fp8" and version < QUARK_FP8_CAPABILITY_ERROR_FROM:
            return [f"No quark compatible scheme was found. ({at} quark.py: FP8 W8A8 weights "
                    f"below compute capability {need} match no scheme; current capability: "
                    f"{current})"]
        return [f"Quantization scheme is not supported for the current GPU. Min capability: "
                f"{need}. Current capability: {current}. ({at}: Quark {name} weights)"]
    return _quark_moe_errors(spec, scheme, version)


QUARK_INT8_MOE_FROM: Version = (0, 20, 0)
"""NOTE: the first release with quark_moe.py QuarkW8A8Int8MoEMethod (0.20.0-0.34.0 wheels);
0.19.0's QuarkMoEMethod.get_moe_method takes W4A8, FP8 W8A8 and OCP MX experts only and raises
RuntimeError("Unsupported FusedMoe scheme") for INT8 ones."""

QUARK_FP8_MOE_BLOCK_FROM: Version = (0, 30, 0)
"""NOTE: the first release whose QuarkW8A8Fp8MoEMethod takes per_block weights with per_group
inputs (quark_moe.py, 0.30.0-0.34.0 wheels, each read); 0.19.0-0.29.0 take per_tensor /
per_tensor and per_channel / per_channel weights / inputs only. Either raises ValueError "For
FP8 Fused MoE layers, only per-tensor[, per-channel and per-block | and per-channel] scales for
weights and activations are supported. Found W, I" for any other pair."""

QUARK_FP8_MOE_CHANNEL_FROM: Version = (0, 11, 0)
"""NOTE: the first release whose QuarkW8A8Fp8MoEMethod takes per_channel / per_channel
(quark_moe.py: 0.11.0, 0.14.0, 0.16.0, 0.18.0, 0.19.0 wheels); 0.9.1-0.10.2 take per_tensor /
per_tensor only ("For FP8 Fused MoE layers, only per-tensor scales for weights and activations
are supported. Found W, I")."""

QUARK_MX_MOE_FROM: Version = (0, 10, 0)
"""NOTE: the first release with an OCP MX MoE method (quark_moe.py QuarkW4A4MXFp4MoEMethod,
0.10.0-0.11.x; QuarkOCP_MX_MoEMethod from 0.12.0): 0.9.1 and 0.9.2's get_moe_method takes FP8
W8A8 experts only and raises RuntimeError("Unsupported FusedMoe scheme")."""

QUARK_MXFP6_FROM: Version = (0, 12, 0)
"""NOTE: the first release whose quark.py reads MXFP6 (_is_ocp_mx: fp4, fp6_e3m2 or fp6_e2m3
weights and inputs; 0.12.0, 0.16.0 wheels): 0.9.1-0.11.x read MXFP4 only (_is_mx_fp4: fp4
weights and fp4 dynamic inputs) and stop at "No quark compatible scheme was found." (also for
MXFP4 weights with MXFP6 inputs, which Headroom does not tell apart: not checked)."""

QUARK_MX_WEIGHT_ONLY_FROM: Version = (0, 17, 0)
"""NOTE: the first release whose quark.py reads OCP MX weights alone (_is_w_ocp_mx_a_x, which
checks the weights only: 0.17.0, 0.18.0, 0.19.0 wheels, the same function). 0.9.1-0.16.x want
MX inputs too (_is_mx_fp4 / _is_ocp_mx: input_tensors per_group, group 32, e8m0) and stop a
checkpoint with 16-bit inputs at "No quark compatible scheme was found." (the inputs' group
and scale format are not checked here)."""

_QUARK_WEIGHT_QSCHEME = {"fp8-tensor": "per_tensor", "fp8-channel": "per_channel",
                         "fp8-block128": "per_block"}


def _quark_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a Quark checkpoint's quantized routed experts (own_loader_errors):
    INT8 before QUARK_INT8_MOE_FROM, OCP MX before QUARK_MX_MOE_FROM, FP8 weight / input
    scales its MoE method does not pair (QUARK_FP8_MOE_CHANNEL_FROM, QUARK_FP8_MOE_BLOCK_FROM).
    [] for a dense model or experts the checkpoint excludes."""
    if first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    at = f"vLLM {version_label(version)} quark_moe.py"
    if scheme.family in ("int8", "ocp_mx"):
        name, since = (("INT8", QUARK_INT8_MOE_FROM) if scheme.family == "int8"
                       else ("OCP MX", QUARK_MX_MOE_FROM))
        return [] if version >= since else [
            f"Unsupported FusedMoe scheme ({at}: no {name} MoE method before "
            f"{version_label(since)})"]
    if scheme.family != "fp8":
        return []
    pair = (_QUARK_WEIGHT_QSCHEME[scheme.key], spec.quant.input_qscheme)
    channel, block = version >= QUARK_FP8_MOE_CHANNEL_FROM, version >= QUARK_FP8_MOE_BLOCK_FROM
    if pair == ("per_tensor", "per_tensor") \
            or (channel and pair == ("per_channel", "per_channel")) \
            or (block and pair == ("per_block", "per_group")):
        return []
    scales = ("per-tensor, per-channel and per-block" if block else
              "per-tensor and per-channel" if channel else "per-tensor")
    return [f"For FP8 Fused MoE layers, only {scales} scales for weights and activations are "
            f"supported. Found {pair[0]}, {pair[1]} ({at} QuarkW8A8Fp8MoEMethod)"]
