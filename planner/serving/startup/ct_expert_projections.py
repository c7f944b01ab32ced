"""vLLM's refusal of a compressed-tensors checkpoint that keeps some, not all, of expert 0's
projections of a FusedMoE layer unquantized (ct_expert_projection_errors): the experts are one
layer, built in one scheme, as fused_shards refuses a dense merged layer's shards kept apart.

NOTE: compressed_tensors_moe.py CompressedTensorsMoEMethod.get_moe_method (0.12.0, 0.13.0,
0.15.0, 0.19.0 wheels; compressed_tensors_moe/compressed_tensors_moe.py 0.20.0, 0.22.0, 0.26.0,
0.29.0, 0.31.0, 0.32.0, 0.34.0) asks get_scheme_dict of '{prefix}.0.gate_proj', '.0.up_proj',
'.0.down_proj' (from 0.32.0 the layer's ckpt_*_proj_name, these by default) and raises
ValueError("All MoE projections need to have same quantization scheme but found multiple")
where the three answers differ. get_scheme_dict answers None for a name should_ignore_layer
matches and, from 0.22.0, for one no target takes (find_matched_target returns None; before it
raises "Unable to find matching target": startup.ct_targets); else the target's scheme. The
0.9.0-0.11.2 wheels' get_moe_method takes no layer name and reads no ignore list."""

from planner.model.exclusion_match import (
    EXPERT_PROJECTIONS,
    ct_projection_ignored,
    ct_projection_taken,
)
from planner.model.layer_names import layer_prefixes
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec
from planner.serving.startup.ct_targets import CT_TARGET_MISS_UNQUANTIZED_FROM
from planner.serving.vllm_versions import Version, version_label

CT_MOE_SCHEMES_COMPARED_FROM: Version = (0, 12, 0)
"""The first release whose get_moe_method asks about expert 0's three projections and compares
their schemes (module NOTE)."""


def ct_expert_projection_errors(spec: ModelSpec, scheme: QuantScheme, version: Version
                                ) -> list[str]:
    """vLLM `version`'s refusal of a compressed-tensors checkpoint as stored whose ignore list
    (or, from CT_TARGET_MISS_UNQUANTIZED_FROM, whose targets leaving one out) keeps some but not
    all of expert 0's gate_proj / up_proj / down_proj unquantized, at the first MoE layer; []
    before CT_MOE_SCHEMES_COMPARED_FROM, for a what-if, and where a projection neither listed
    nor taken stops vLLM earlier (ct_targets, before 0.22.0). E.g. Qwen3-30B-A3B W4A16 with
    ignore ['lm_head', 're:.*experts.0.gate_proj']: refused on 0.12.0-0.34.0."""
    quant = spec.quant
    if quant is None or quant.method != "compressed-tensors" \
            or version < CT_MOE_SCHEMES_COMPARED_FROM or not stored_format(spec, scheme):
        return []
    key, entries = quant.release_exclusions(version)
    for layer in spec.layers:
        experts = next((p.prefix for p in layer_prefixes(layer, spec.model_type)
                        if p.component == "experts"), None)
        if experts is None:
            continue
        listed = [p for p in EXPERT_PROJECTIONS if ct_projection_ignored(experts, p, entries)]
        untaken = [p for p in EXPERT_PROJECTIONS if p not in listed
                   and not ct_projection_taken(experts, p, quant.targets)]
        if untaken and version < CT_TARGET_MISS_UNQUANTIZED_FROM:
            return []
        kept = len(listed) + len(untaken)
        if 0 < kept < len(EXPERT_PROJECTIONS):
            why = [f"its {key} names {' / '.join(listed)}"] if listed else []
            why += [f"no target takes {' / '.join(untaken)}"] if untaken else []
            quantized = [p for p in EXPERT_PROJECTIONS if p not in listed + untaken]
            return [f"vLLM {version_label(version)} stops building the model: All MoE "
                    "projections need to have same quantization scheme but found multiple "
                    f"(get_moe_method asks about {experts}.0.gate_proj / .0.up_proj / "
                    f".0.down_proj: {' and '.join(why)}, which it keeps unquantized, but not "
                    f"{' / '.join(quantized)}; vLLM builds a layer's routed experts as one "
                    "FusedMoE layer in one scheme). Give all three the same treatment."]
    return []
