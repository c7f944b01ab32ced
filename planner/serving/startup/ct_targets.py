"""vLLM's refusal, up to 0.20.2, of a compressed-tensors checkpoint whose config groups'
targets take a layer it builds with the quant config in no scheme while the ignore list does
not name it (ct_target_errors); 0.22.0 on build that layer unquantized, as the plan holds it
(planner.model.exclusion_match.ct_targeted).

NOTE: CompressedTensorsConfig.get_scheme_dict (compressed_tensors.py) asks should_ignore_layer
first, then find_matched_target (compressed_tensors/utils.py), which in the 0.9.0-0.20.2 wheels
ends `if matched_target is None: raise ValueError(f"Unable to find matching target for
{layer_name} in the compressed-tensors config.")`; from 0.22.0 it returns None and
get_scheme_dict returns None (vLLM PR 41965, "Allow configs with non-explicit ignores"; read in
the 0.22.0, 0.29.0 and 0.34.0 wheels). vLLM has no 0.21.0 release. A FusedMoE layer is asked
as '{prefix}.0.gate_proj', '.0.up_proj', '.0.down_proj' in that order (compressed_tensors_moe.py
get_moe_method). Layers are built in order: each decoder layer's attention, then its MLP block,
whose gate comes before its experts (qwen3_moe.py Qwen3MoeSparseMoeBlock, 0.19.0)."""

from planner.model.exclusion_match import (
    EXPERT_PROJECTIONS,
    ct_entry_matches,
    ct_ignored,
    ct_named,
    ct_read,
    ct_targeted,
)
from planner.model.layer_names import LayerPrefix, layer_prefixes, router_prefix
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec
from planner.serving.startup.router_dtype import gate_takes_quant_config
from planner.serving.vllm_versions import Version, version_label

CT_TARGET_MISS_UNQUANTIZED_FROM: Version = (0, 22, 0)
"""The first release whose find_matched_target returns None for a layer no target takes
(module NOTE); the releases before raise ValueError."""


def ct_target_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM `version`'s refusal of a compressed-tensors checkpoint as stored whose targets
    (QuantSpec.targets) take none of the names vLLM asks about for a layer it builds with the
    quant config and the ignore list does not keep, at the first such layer: softmax
    attention, dense and shared-expert MLPs, routed experts, and the gate where the model file
    hands it the quant config (router_dtype.gate_takes_quant_config). [] from
    CT_TARGET_MISS_UNQUANTIZED_FROM, for a what-if, or where no targets are read. E.g.
    Qwen3-30B-A3B with targets ['re:.*self_attn.*', 're:.*mlp.experts.*']: 0.19.0 stops at
    model.layers.0.mlp.gate, 0.22.0 builds every gate 16-bit."""
    quant = spec.quant
    if quant is None or quant.method != "compressed-tensors" or not quant.targets \
            or version >= CT_TARGET_MISS_UNQUANTIZED_FROM or not stored_format(spec, scheme):
        return []
    _, entries = quant.release_exclusions(version)
    entries, targets = ct_read(spec, entries, version), ct_read(spec, quant.targets, version)
    for layer in spec.layers:
        found = layer_prefixes(layer, spec.model_type)
        router = router_prefix(layer, spec.model_type)
        if router is not None and gate_takes_quant_config(spec, version):
            found.insert(sum(item.component == "attention" for item in found), router)
        missed = next((named for named in (ct_named(spec, item) for item in found)
                       if not ct_ignored(named, entries) and not ct_targeted(named, targets)),
                      None)
        if missed is not None:
            return [f"vLLM {version_label(version)} stops building the model: Unable to find "
                    f"matching target for {_asked(missed, targets)} in the "
                    "compressed-tensors config. (find_matched_target: no target of the "
                    f"checkpoint's config_groups ({', '.join(quant.targets)}) takes it by "
                    "name, class or shards, and its ignore list does not name it; vLLM "
                    f"{version_label(CT_TARGET_MISS_UNQUANTIZED_FROM)} and later build it "
                    "unquantized.)"]
    return []


def _asked(layer: LayerPrefix, targets: tuple[str, ...]) -> str:
    """The name vLLM's ValueError quotes: a FusedMoE layer's first projection no target
    matches, else the layer's own name."""
    if layer.component != "experts":
        return layer.prefix
    return next(name for name in (f"{layer.prefix}.0.{p}" for p in EXPERT_PROJECTIONS)
                if not any(ct_entry_matches(name, t) for t in targets))
