"""vLLM's refusals of compressed-tensors routed experts: per-channel int4 / int8 weight-only
experts off Marlin (CompressedTensorsWNA16MoEMethod's `strategy == "group"` assertion), int8
ones whose group_size is not written -1 (0.27-0.28), and W8A8 int8 experts on ROCm before its
int8 MoE oracle takes them (fused_moe/oracle/int8.py)."""

from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.hardware import GpuSpec
from planner.serving.layout import first_moe, quantized_component
from planner.serving.vllm_versions import (
    CT_WNA16_MOE_READ_FROM,
    HUMMING_FIRST_ON_HOPPER_FROM,
    Version,
    in_span,
    version_label,
)


def ct_channel_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                          gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a compressed-tensors checkpoint's per-channel (strategy channel, the
    -gchannel keys) int4 / int8 weight-only experts where they leave Marlin at every layout: on
    Hopper from HUMMING_FIRST_ON_HOPPER_FROM, on AMD GPUs from CT_WNA16_MOE_READ_FROM.

    NOTE: compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.__init__ (0.32.0, 0.33.0
    and 0.34.0 wheels) asks select_wna16_moe_backend, which on compute capability 9.0 tries Humming
    before Marlin (humming/priority.py prioritize_humming); fused_humming_moe.py takes the
    per-channel key (kInt4Static / kInt8Static: GroupShape(1, -1)), so the backend is not
    Marlin and the next line is `assert weight_quant.strategy == "group"` ("channelwise is not
    supported by this kernel"): an AssertionError at any layout. On ROCm get_moe_method builds
    that method at every layout (layout.moe_wna16_fallback's NOTE), which asserts the same in
    __init__ in every wheel 0.19.0-0.34.0 (compressed_tensors_moe.py in 0.19.0,
    compressed_tensors_moe_wna16.py from 0.20.0: unconditionally up to 0.26.0, off Marlin from
    0.27.0, where the oracle's TritonWNA16Experts takes kInt4Static). Marlin takes such
    experts on other NVIDIA GPUs where its check holds (not planned: the layout checks have no
    channel rule). int8 experts on 0.27-0.28 stop one line earlier where their group_size is
    not written as -1 (ct_int8_moe_errors, on every GPU)."""
    if spec.quant is None or scheme.what_if or spec.quant.method != "compressed-tensors" \
            or not scheme.key.endswith("-gchannel") \
            or first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    label = version_label(version)
    if gpu.vendor != "nvidia":
        if version < CT_WNA16_MOE_READ_FROM or ct_int8_moe_errors(spec, scheme, version):
            return []  # older releases not read; int8 on 0.27-0.28 stops one line earlier
        return [f"vLLM {label} stops loading the {scheme.label} experts at `assert "
                "weight_quant.strategy == \"group\"` (channelwise is not supported by this "
                f"kernel) in CompressedTensorsWNA16MoEMethod: on {gpu.name} (ROCm) vLLM builds "
                "that method at every layout (no Marlin MoE there), and only Marlin takes "
                "per-channel scales."]
    if version < HUMMING_FIRST_ON_HOPPER_FROM or gpu.compute_capability != "9.0":
        return []
    return [f"vLLM {label} stops loading the {scheme.label} experts at `assert "
            "weight_quant.strategy == \"group\"` (CompressedTensorsWNA16MoEMethod: channelwise is "
            f"not supported by this kernel): on {gpu.name} (compute capability 9.0) its WNA16 "
            "MoE oracle picks Humming's MoE ahead of Marlin, and only Marlin takes per-channel "
            "scales. A release before 0.32 or another GPU runs them on Marlin MoE."]


CT_INT8_GROUP_ASSERT: Version = (0, 27, 0)
CT_INT8_GROUP_ASSERT_LAST: Version = (0, 29, 0)
"""NOTE: compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.__init__ asserts
`self.group_size == -1` for 8-bit weights in the 0.27.0 and 0.28.0 wheels (group_size taken
as weight_quant.group_size as the config writes it: compressed-tensors 0.17.0, vLLM's pin,
quant_args.py QuantizationArgs keeps None for a per-channel checkpoint that leaves it out,
-1 where it is written, a group's size otherwise), before the strategy assertion and before
the MoE oracle, so on every GPU; absent from 0.26.0 and 0.29.0 (from the first up to, not
including, the second). compressed_tensors_moe.py get_moe_method sends every int8 weight-only
(WNA16) MoE layer there in those wheels (the ROCm-only FlyDSL branch wants 4 bits)."""


def ct_int8_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM 0.27.0-0.28.x's refusal of a compressed-tensors checkpoint's int8 weight-only
    experts whose group_size is not written as -1 (CT_INT8_GROUP_ASSERT), on every GPU and
    layout: a per-channel checkpoint without group_size, or any group (e.g. 128)."""
    quant = spec.quant
    if quant is None or scheme.what_if or quant.method != "compressed-tensors" \
            or not scheme.key.startswith("w8a16-") or quant.group_size == -1 \
            or not CT_INT8_GROUP_ASSERT <= version < CT_INT8_GROUP_ASSERT_LAST \
            or first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    written = "unset" if quant.group_size is None else str(quant.group_size)
    return [f"vLLM {version_label(version)} stops loading the {scheme.label} experts at `assert "
            f"self.group_size == -1` (int8 experts; this checkpoint's group_size is {written}) "
            "in CompressedTensorsWNA16MoEMethod, on every GPU and layout: its int8 MoE path "
            "takes only per-channel scales written as group_size -1 (0.27.0 and 0.28.x; the "
            "assertion is not in 0.26.0 or 0.29.0)."]


INT8_MOE_ORACLE: tuple[Version, Version] = ((0, 20, 0), (0, 27, 0))
"""NOTE: compressed-tensors W8A8 int8 experts (CompressedTensorsW8A8Int8MoEMethod: channel
weights, dynamic per-token activations) ask fused_moe/oracle/int8.py select_int8_moe_backend
from the 0.20.0 wheel (0.19.0 has no oracle and calls the Triton fused MoE directly). Its
backends are TRITON (0.20.0-0.24.0), then TRITON, HUMMING, CPU (0.25.0, 0.26.0); TritonExperts
(experts/triton_moe.py _supports_quant_scheme) takes (kInt8StaticChannelSym,
kInt8DynamicTokenSym) only where `current_platform.is_cuda() and has_device_capability((7,
5))`, Humming on CUDA only (fused_humming_moe.py _supports_current_device), CPU on CPUs: on ROCm
none is left and the oracle raises NotImplementedError("No Int8 MoE backend supports the
deployment configuration."). The 0.27.0 wheel adds `or current_platform.is_rocm()` to the
Triton check (0.28.0-0.34.0 the same). From the first release up to, not including, the
second."""


def rocm_int8_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                         gpu: GpuSpec) -> list[str]:
    """vLLM 0.20.0-0.26.x's refusal of W8A8 int8 experts (compressed-tensors, stored or a
    what-if) on AMD GPUs (INT8_MOE_ORACLE)."""
    quant = spec.quant
    stored = quant is not None and quant.method == "compressed-tensors"
    if gpu.vendor == "nvidia" or scheme.key != "w8a8-int8" \
            or not (scheme.what_if or stored) \
            or not in_span(version, *INT8_MOE_ORACLE) \
            or first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    return [f"No Int8 MoE backend supports the deployment configuration. (vLLM "
            f"{version_label(version)} fused_moe/oracle/int8.py: the {scheme.label} experts on "
            f"{gpu.name} (ROCm) have no kernel, as its Triton int8 MoE runs on CUDA only; "
            "ROCm takes it from 0.27.0)"]
