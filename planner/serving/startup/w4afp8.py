"""vLLM's W4AFP8 checkpoints (quantization/w4afp8.py W4AFP8Config, from 0.34.0): the routed
experts' group and shape that CompressedTensorsW4A8Fp8MoEMethod asserts
(compressed_tensors_moe_w4a8_fp8.py)."""

from planner.model.config.quant import W4AFP8_GROUP, W4AFP8_SCHEME
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.layout import first_moe, quantized_component
from planner.serving.vllm_versions import W4AFP8_FROM, Version, version_label

W4A8_MOE_MULTIPLE = 256
"""CompressedTensorsW4A8Fp8MoEMethod.create_weights's CUTLASS reorder_tensor requirement on
both expert widths (w4afp8_shape_refusal)."""


def w4afp8_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a w4afp8 checkpoint whose routed experts' group is not 128 ([] where
    it loads, on releases before W4AFP8_FROM: unknown_quant_errors refuses the method).

    NOTE: 0.34.0 quantization/w4afp8.py W4AFP8Config.get_quant_method gives each RoutedExperts
    layer it does not skip CompressedTensorsW4A8Fp8MoEMethod(self.weight_quant, ...), whose
    weight_quant is QuantizationArgs(num_bits=4, symmetric=True, strategy="group",
    group_size=the config's group_size), and whose __init__
    (compressed_tensors_moe_w4a8_fp8.py) asserts `self.group_size == 128, "Only group size 128
    supported for W4A8 MoE"` while the model is built. A dense model (or experts the checkpoint
    skips) has no such layer: its linears are Fp8Config's, which read no group."""
    quant = spec.quant
    if not stored_format(spec, scheme) or quant.method != "w4afp8" or version < W4AFP8_FROM \
            or quant.group_size == W4AFP8_GROUP or first_moe(spec) is None \
            or not quantized_component(spec, scheme, "experts"):
        return []
    return [f"Only group size 128 supported for W4A8 MoE (vLLM {version_label(version)}: "
            f"the checkpoint's group_size is {quant.group_size}; "
            "CompressedTensorsW4A8Fp8MoEMethod asserts it while building the routed experts)"]


def w4afp8_shape_refusal(spec: ModelSpec, scheme: QuantScheme, expert_tp: int,
                         version: Version) -> str | None:
    """vLLM's refusal of w4afp8 routed experts whose hidden size, or intermediate size per
    rank (`expert_tp`: layout.ParallelLayout.expert_tp, TP x DP without EP, 1 with it), is not
    a multiple of 256; None where they load, or the method does not build them.

    NOTE: 0.34.0 compressed_tensors_moe_w4a8_fp8.py CompressedTensorsW4A8Fp8MoEMethod
    .create_weights ("requirement for CUTLASS reorder_tensor", whichever of CUTLASS and Humming
    select_w4a8_moe_backend picks): `assert hidden_size % 256 == 0, f"{hidden_size=} must be
    divisible by 256"`, then the same for intermediate_size_per_partition, which
    fused_moe/config.py FusedMoEConfig.__post_init__ sets to intermediate_size // tp_size
    (the MoE TP size, flatten_tp_across_dp_and_pcp) and routed_experts.py passes on through
    maybe_roundup_sizes (which rounds only hidden_size, and only for all2all backends:
    all2all_utils.maybe_roundup_layer_hidden_size). The hidden size is the experts' own
    (Nemotron-H's moe_latent_size where it has one: nemotron_h.py). E.g. Qwen3-30B-A3B
    (hidden 2048, moe_intermediate_size 768) at TP 2: 768 / 2 = 384."""
    if not (scheme.key == W4AFP8_SCHEME and version >= W4AFP8_FROM) \
            or not quantized_component(spec, scheme, "experts"):
        return None
    for layer in spec.layers:
        mlp = layer.mlp
        if not isinstance(mlp, MoeMlp):
            continue
        hidden = mlp.latent_size or spec.hidden_size
        width = mlp.expert_intermediate_size // expert_tp
        named = ("hidden_size", hidden) if hidden % W4A8_MOE_MULTIPLE else \
            ("intermediate_size_per_partition", width) if width % W4A8_MOE_MULTIPLE else None
        if named:
            where = "" if named[0] == "hidden_size" else (
                f"; {mlp.expert_intermediate_size} / {expert_tp} ranks" if expert_tp > 1
                else "")
            return (f"{named[0]}={named[1]} must be divisible by 256 (vLLM "
                    f"{version_label(version)} CompressedTensorsW4A8Fp8MoEMethod.create_weights "
                    f"asserts it for the W4A8 MoE kernels{where})")
    return None
