"""vLLM's load failure on a checkpoint whose MoE gate is stored otherwise than the model file
builds it: a ModelOpt gate stored quantized where the file builds it unquantized
(quant_config=None), whose 16-bit `weight` has no parameter for the scales stored beside it
(stored_gate_errors); a GPTQ gate stored 16-bit that vLLM 0.10.1 builds GPTQ (gptq_gate_errors).

NOTE: a ModelOpt checkpoint quantizes every linear layer its exclude_modules does not name
(hf_quant_config.json / quantization_config; nvidia's MoE checkpoints name their gates there:
the catalog's NVFP4 Qwen3-235B), storing the gate's FP8 / NVFP4 weight with its input_scale and
weight_scale. Read in the 0.9.0, 0.12.0, 0.17.0, 0.19.0, 0.24.0, 0.25.0 and 0.34.0 wheels:
mixtral.py builds `self.gate` with quant_config=None (ReplicatedLinear; GateLinear from 0.32.0)
in every release; its MixtralModel.load_weights loop looks each tensor up in params_dict, the
only guard a missing bias, so `params_dict[name]` raises KeyError for the gate's first scale
(0.9.0-0.24.0); from 0.25.0 it is AutoWeightsLoader's, which raises ValueError "There is no
module or parameter named '...gate.input_scale' in MixtralModel" (models/utils.py _load_module;
the quant config ignores only q/k/v_scale and zero-point suffixes). qwen3_next.py builds the
gate with quant_config=None from 0.17.0 (router_dtype.GATE_QUANT_CONFIG_SPANS); its load_weights
loop skips a name missing from params_dict with a warning in 0.17.0-0.24.0 (the gate loads,
held 16-bit, as planned), and from 0.25.0 AutoWeightsLoader raises as Mixtral's."""

from typing import NamedTuple

from planner.model.layer_names import router_prefix
from planner.model.quant import QuantScheme, checkpoint_exclusions, stored_format
from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import (
    QWEN3_MOE_GATE_QUANTIZED_FROM,
    QWEN3_MOE_GPTQ_GATE_DROPPED_FROM,
    Version,
    version_label,
)


class _GateLoad(NamedTuple):
    """A model file that builds the gate unquantized: its name, the first release whose loader
    stops at a quantized gate, and the first whose loader is AutoWeightsLoader (ValueError;
    KeyError before). The gate's module path is layer_names.router_prefix's."""

    file: str
    fails_from: Version
    auto_from: Version = (0, 25, 0)


STORED_GATE_FAILS = {
    "mixtral": _GateLoad("mixtral.py", (0, 9, 0)),
    "qwen3_next": _GateLoad("qwen3_next.py", (0, 25, 0)),
}
"""The model_types whose vLLM file is read for a quantized gate it builds unquantized (module
NOTE); other files' loaders are not read (docs/known-limits.md)."""


def stored_gate_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM `version`'s load failure for a ModelOpt checkpoint as stored whose exclude list
    leaves a MoE gate quantized that the model file builds unquantized (STORED_GATE_FAILS),
    naming its first such layer; [] for any other checkpoint, release or what-if."""
    load = STORED_GATE_FAILS.get(spec.model_type)
    quant = spec.quant
    if load is None or version < load.fails_from or not stored_format(spec, scheme) \
            or quant.method != "modelopt" or quant.module_formats:
        return []
    gate = _first_unlisted_gate(spec, scheme)
    if gate is None:
        return []
    raised = 'ValueError "There is no module or parameter named ..."' \
        if version >= load.auto_from else "KeyError"
    return [f"vLLM {version_label(version)} stops loading the weights: {load.file} builds "
            f"{gate} unquantized (quant_config=None), with no parameter for the input_scale / "
            "weight_scale this ModelOpt checkpoint stores for it (its "
            f"{quant.excluded_key or 'exclude_modules'} does not name the gate): {raised}."]


def gptq_gate_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM 0.10.1's load failure for a Qwen3-MoE GPTQ checkpoint as stored that keeps its gate
    16-bit (no autoround_version: AutoGPTQ's and GPTQModel's, Qwen/Qwen3-235B-A22B-GPTQ-Int4)
    where no `dynamic` "-:" rule keeps the gate, naming its first such layer; [] for any other
    checkpoint, model, release or what-if.

    NOTE: qwen3_moe.py in the 0.10.1 / 0.10.1.1 wheels builds `self.gate = ReplicatedLinear(...,
    quant_config=quant_config)`, so GPTQConfig / GPTQMarlinConfig.get_quant_method ->
    get_linear_quant_method gives it GPTQ(Marlin)LinearMethod: qweight, qzeros, scales, g_idx
    and no `weight`; Qwen3MoeModel.load_weights then looks the checkpoint's 16-bit
    'layers.N.mlp.gate.weight' up in params_dict (not in stacked_params_mapping nor the expert
    mapping, no ignored suffix) and raises KeyError. 0.10.0 builds it with quant_config=None
    and 0.10.2 drops the GPTQ config without an autoround_version
    (vllm_versions.QWEN3_MOE_GPTQ_GATE_DROPPED_FROM), so both load it 16-bit."""
    quant = spec.quant
    if spec.model_type != "qwen3_moe" or not stored_format(spec, scheme) \
            or quant.method != "gptq" or quant.autoround_gptq \
            or not QWEN3_MOE_GATE_QUANTIZED_FROM <= version < QWEN3_MOE_GPTQ_GATE_DROPPED_FROM:
        return []
    gate = _first_unlisted_gate(spec, scheme)
    if gate is None:
        return []
    return [f"vLLM {version_label(version)} stops loading the weights: qwen3_moe.py builds "
            f"{gate} with this GPTQ checkpoint's quant config (qweight, qzeros, scales, g_idx), "
            "with no parameter for the 16-bit weight a GPTQ checkpoint without an "
            "autoround_version stores for it: KeyError 'layers.N.mlp.gate.weight'. vLLM 0.10.0 "
            "and 0.10.2 on load it 16-bit."]


def _first_unlisted_gate(spec: ModelSpec, scheme: QuantScheme) -> str | None:
    """The first MoE gate's module path ('model.layers.0.mlp.gate') that the checkpoint's
    exclusion list (or GPTQ `dynamic` "-:" rules) does not keep 16-bit; None if none."""
    exclusions = checkpoint_exclusions(spec, scheme)
    return next((prefix.prefix for layer in spec.layers
                 if (prefix := router_prefix(layer, spec.model_type))
                 and not exclusions.excluded(layer.index, "router")), None)
