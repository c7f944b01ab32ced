"""vLLM's load failure on a checkpoint whose MoE gate is stored otherwise than the model file
builds it: a ModelOpt gate stored quantized where the file builds it unquantized
(quant_config=None), whose 16-bit `weight` has no parameter for the scales stored beside it
(stored_gate_errors); a Qwen3-MoE GPTQ gate stored 16-bit that vLLM 0.10.1 builds GPTQ, or
stored quantized (AutoRound) that 0.9.0-0.10.0 build unquantized (gptq_gate_errors).

NOTE: a ModelOpt checkpoint quantizes every nn.Linear its exclude_modules does not name
(hf_quant_config.json / quantization_config; nvidia's MoE checkpoints name their gates there:
the catalog's NVFP4 Qwen3-235B), storing the gate's FP8 / NVFP4 weight with its input_scale and
weight_scale (NVFP4: and weight_scale_2), which a safetensors file lists sorted, input_scale
first. A gate the exporting transformers class builds as a bare nn.Parameter in an nn.Module
is never quantized and never listed: ModelOpt gives quantizers to nn.Linear
(QuantModuleRegistry, quantization/nn/modules/quant_linear.py) and its expert classes, and
writes to exclude_modules only modules holding quantizers whose format is none
(export/quant_utils.py get_quant_config, nvidia-modelopt 0.37.0). Such routers (transformers
4.57.6 and 5.25.0 wheels): DeepseekV2MoEGate, DeepseekV3TopkRouter, Glm4MoeTopkRouter,
GptOssTopKRouter; and, in 5.25.0 only (no class in 4.57.6), DeepseekV32TopkRouter,
GlmMoeDsaTopkRouter, Glm4MoeLiteTopkRouter, MiMoV2FlashTopkRouter, NemotronHTopkRouter,
DeepseekV4TopKRouter / DeepseekV4HashRouter and Qwen3-5-MoE's Qwen3_5MoeTopKRouter (its
shared_expert_gate an nn.Linear). So DeepSeek-V2 / V3 / R1, DeepSeek-V3.2, DeepSeek-V4, GLM-4.5,
GLM-4.7-Flash, GLM-5, gpt-oss, MiMo-V2-Flash and Nemotron-H checkpoints (and Qwen3.5-MoE's
router) store the gate 16-bit whatever the list says, which every vLLM loader takes: not
refused (nemotron_h.py's loader, read 0.11.1-0.34.0, would raise KeyError to 0.25.x and
ValueError from 0.26.0 at a quantized one; vllm/models/deepseek_v4's, 0.22.0 on, not read).
What each remaining model file's loader does with a quantized gate's scales
(STORED_GATE_LOADS), read in the 0.9.0, 0.9.2, 0.12.0, 0.17.0, 0.19.0, 0.24.0, 0.25.0 and
0.34.0 wheels, and in every minor where a loader changes:
- "KeyError": a hand-written loop that looks each name up in params_dict, the only guards a
  missing bias and a k/v scale (maybe_remap_kv_scale_name leaves "input_scale" as it is), so
  `params_dict[name]` raises for the gate's first scale.
- "ValueError": AutoWeightsLoader (models/utils.py _load_module) raises "There is no module or
  parameter named '...gate.input_scale' in ..." (the quant config ignores only q/k/v_scale and
  zero-point suffixes: QuantizationConfig._ignore_unexpected_suffixes).
- "skips": a loop that skips a name params_dict lacks, then copies the gate's weight into its
  unquantized parameter, whose loader (ReplicatedLinear.weight_loader) asserts the sizes: an
  FP8 weight, the unquantized one's shape, loads (held unquantized, as planned; its
  weight_scale dropped); an NVFP4 one, two values a byte ([out, in / 2] uint8:
  ModelOptNvFp4LinearMethod.create_weights), stops: AssertionError "Tried to load weights of
  size ..."; "skips_default": the same into an nn.Linear's weight, which has no weight_loader:
  default_weight_loader's AssertionError "Attempted to load weight (...) into parameter (...)".
  Other ModelOpt formats (W4A16_AWQ, MXFP4, INT8) are not read here.
- "quant_config": the file hands the gate the model's quant config, which builds the scales.
Per file: mixtral.py's gate KeyError to 0.24.0, ValueError from 0.25.0 (MixtralModel's loader
AutoWeightsLoader's). qwen3_next.py's gate takes the quant config 0.10.2-0.16.0
(vllm_versions.QWEN3_NEXT_GATE_QUANTIZED_SPAN), skips 0.17.0-0.24.0 (a warning "Parameter ...
not found in params_dict, skip loading"), ValueError from 0.25.0; its shared_expert_gate, built
without the quant config in every release (torch.nn.Linear(hidden, 1) 0.10.2-0.13.0,
ReplicatedLinear(..., quant_config=None) from 0.14.0: weights._shared_expert_gate holds it
16-bit in each), KeyError 0.10.2-0.12.0, skips 0.13.0-0.24.0 (0.13.0 into the nn.Linear),
ValueError from 0.25.0. qwen3_5.py (Qwen3.5-MoE, its first wheel 0.17.0) builds its
shared_expert_gate in qwen3_next.py's Qwen3NextSparseMoeBlock (quant_config=None from 0.17.0):
Qwen3_5Model's loop skips it 0.17.0-0.24.0 ("... not found in params_dict, skip loading"), its
AutoWeightsLoader raises from 0.25.0; a Qwen3_5MoeForConditionalGeneration checkpoint names the
layers model.language_model.layers.N (layer_names.WRAPPED). Kimi K2, Kimi-VL and Kimi K2.5
(remote code, their gate class not read here) build deepseek_v2.py's DeepseekV2MoE (its gate a
ReplicatedLinear(quant_config=None), a GateLinear from 0.17.0): Kimi K2 through
DeepseekV3ForCausalLM (the loop DeepseekV2ForCausalLM's to 0.20.x, DeepseekV2Model's, which
AutoWeightsLoader calls, from 0.22.0), Kimi-VL and K2.5 through their own loops (kimi_vl.py
0.9.0- 0.14.x, kimi_k25.py 0.15.0), then AutoWeightsLoader handing the language_model's tensors
to deepseek_v2.py's: KeyError in every release; their checkpoints name the layers
language_model.model.layers.N (an older Kimi K2.5 NVFP4 language_model.layers.N: kimi_k25.py's
hf_to_vllm_mapper). ernie45_moe.py (its gate a ReplicatedLinear(quant_config=None), a
GateLinear without one from 0.31.0) KeyError 0.9.2- 0.25.x (Ernie4_5_MoeForCausalLM's loop in
0.9.2, Ernie4_5_MoeModel's after), ValueError from 0.26.0 (Ernie4_5_MoeModel's
AutoWeightsLoader). llama4.py's router (feed_forward.router) KeyError in every release:
Llama4Model's loop, which Llama4ForCausalLM's and mllama4.py Llama4ForConditionalGeneration's
AutoWeightsLoader call. minimax_m2.py's gate KeyError 0.11.1-0.24.0, ValueError from 0.25.0;
its checkpoint stores the MoE block as block_sparse_moe (MiniMaxM2DecoderLayer.
block_sparse_moe), which vLLM prefixes "mlp" (layer_names.router_prefix). gemma4.py's router
(Gemma4Router.proj, a GateLinear built without a quant config 0.19.0-0.34.0; transformers
5.25.0's Gemma4TextRouter.proj is an nn.Linear, so the checkpoint stores it quantized unless
listed, as layers.N.router.proj beside router.scale, an nn.Parameter never quantized) KeyError
0.19.0-0.23.0 (Gemma4Model's loop ends `param = params_dict[name]`), skips 0.24.0-0.30.0,
silently (`if name not in params_dict: continue` added before it), ValueError from 0.31.0
(Gemma4Model.load_weights AutoWeightsLoader's)."""

import re
from typing import Literal, NamedTuple, cast

from planner.model.exclusion_match import modelopt_names
from planner.model.layer_names import WRAPPED, WRAPPED_ROOT, router_prefix, vllm_wrapped
from planner.model.quant import QuantScheme, checkpoint_exclusions, stored_format
from planner.model.spec import LayerSpec, ModelSpec, MoeMlp
from planner.serving.startup.router_dtype import EVERY_RELEASE
from planner.serving.vllm_versions import (
    QWEN3_MOE_GATE_QUANTIZED_FROM,
    QWEN3_MOE_GPTQ_GATE_DROPPED_FROM,
    QWEN3_NEXT_GATE_QUANTIZED_SPAN,
    Version,
    version_label,
)

GateLoad = Literal["quant_config", "skips", "skips_default", "KeyError", "ValueError"]


class _GateLoad(NamedTuple):
    """A MoE gate a model file builds unquantized: the file, the gate's module in the MoE
    block, what the file's loader does with the gate's stored scales from each release on
    (ascending; module NOTE), the block's name in the checkpoint where vLLM's prefix
    (layer_names.router_prefix) names it otherwise, and where the checkpoint roots its decoder
    layers where that is not "model." nor a WRAPPED class's "model.language_model." (each
    spelling its checkpoints use)."""

    file: str
    module: str
    loads: tuple[tuple[Version, GateLoad], ...]
    stored_block: str = ""
    stored_roots: tuple[str, ...] = ()
    linear_before: Version | None = None
    """The first transformers release whose model class builds the gate as a bare-Parameter
    nn.Module, which ModelOpt never quantizes (TRANSFORMERS_ROUTER_MODULE); None where every
    release read builds an nn.Linear, or the model is remote code."""


def _raises(auto_from: Version | None = None) -> tuple[tuple[Version, GateLoad], ...]:
    """A hand-written loop's KeyError, AutoWeightsLoader's ValueError from `auto_from`."""
    return ((EVERY_RELEASE, "KeyError"),) + (((auto_from, "ValueError"),) if auto_from else ())


TRANSFORMERS_ROUTER_MODULE: Version = (5, 0, 0)
"""The first transformers release whose MixtralTopKRouter, Qwen3NextTopKRouter,
Ernie4_5_MoeTopKRouter and MiniMaxM2TopKRouter are nn.Modules holding a bare nn.Parameter
`weight` (F.linear in forward): read in the 4.57.6 wheel (mixtral, qwen3_next, ernie4_5_moe:
`self.gate = nn.Linear(...)`; no minimax_m2 model, MiniMax-M2 remote code), 5.0.0rc0 (the first
three routers already modules; no minimax_m2), 5.0.0, 5.5.0 and 5.25.0 (all four modules). In
every one of those wheels qwen3_next's and qwen3_5_moe's shared_expert_gate stays a
torch.nn.Linear and llama4's Llama4Router subclasses nn.Linear. A MiniMax-M2 export under 4.x
ran the repo's remote code (not read): refused as an nn.Linear gate, as before."""


def _exporter_below(text: str | None, switch: Version) -> bool | None:
    """Whether the exporting transformers release (config.json transformers_version, e.g.
    '4.57.1', '5.0.0rc1', '4.51.0.dev0') precedes `switch`; None where it cannot tell: no
    version, one not read as major.minor.patch, or a pre-release (rcN / .devN) of `switch`
    itself, built from a tree before or after the change."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(\S*)", text or "")
    if match is None:
        return None
    release = (int(match[1]), int(match[2]), int(match[3]))
    if release == switch and match[4]:
        return None
    return release < switch


_DEEPSEEK_V2 = (_GateLoad("deepseek_v2.py", "gate", _raises()),)
_QWEN3_5_MOE = (_GateLoad("qwen3_5.py", "shared_expert_gate", ((EVERY_RELEASE, "skips"),
                                                                ((0, 25, 0), "ValueError"))),)
_KIMI_MM = ("language_model.model.", "language_model.")
STORED_GATE_LOADS: dict[str, tuple[_GateLoad, ...]] = {
    "mixtral": (_GateLoad("mixtral.py", "gate", _raises((0, 25, 0)),
                          linear_before=TRANSFORMERS_ROUTER_MODULE),),
    "qwen3_next": (
        _GateLoad("qwen3_next.py", "gate", ((EVERY_RELEASE, "quant_config"),
                                            (QWEN3_NEXT_GATE_QUANTIZED_SPAN[1], "skips"),
                                            ((0, 25, 0), "ValueError")),
                  linear_before=TRANSFORMERS_ROUTER_MODULE),
        _GateLoad("qwen3_next.py", "shared_expert_gate", ((EVERY_RELEASE, "KeyError"),
                                                          ((0, 13, 0), "skips_default"),
                                                          ((0, 14, 0), "skips"),
                                                          ((0, 25, 0), "ValueError")))),
    "kimi_k2": _DEEPSEEK_V2,
    **dict.fromkeys(("kimi_vl", "kimi_k25"), (_DEEPSEEK_V2[0]._replace(stored_roots=_KIMI_MM),)),
    **dict.fromkeys(("qwen3_5_moe", "qwen3_5_moe_text"), _QWEN3_5_MOE),
    "ernie4_5_moe": (_GateLoad("ernie45_moe.py", "gate", _raises((0, 26, 0)),
                               linear_before=TRANSFORMERS_ROUTER_MODULE),),
    "llama4": (_GateLoad("llama4.py", "router", _raises()),),
    "minimax_m2": (_GateLoad("minimax_m2.py", "gate", _raises((0, 25, 0)), "block_sparse_moe",
                             linear_before=TRANSFORMERS_ROUTER_MODULE),),
    **dict.fromkeys(("gemma4", "gemma4_text"), (_GateLoad(
        "gemma4.py", "proj", ((EVERY_RELEASE, "KeyError"), ((0, 24, 0), "skips"),
                              ((0, 31, 0), "ValueError")), "router"),)),
}
"""The model_types whose vLLM file is read for a quantized gate it builds unquantized (module
NOTE); other files' loaders are not read (docs/known-limits.md)."""


def _raised(load: _GateLoad, version: Version, family: str) -> str | None:
    """What vLLM `version`'s loader raises at this gate stored in `family`'s format; None where
    it loads."""
    how = [what for start, what in load.loads if start <= version][-1]
    if how == "KeyError":
        return "KeyError"
    if how == "ValueError":
        return 'ValueError "There is no module or parameter named ..."'
    if how == "skips" and family == "nvfp4":
        return 'AssertionError "Tried to load weights of size ..."'
    if how == "skips_default" and family == "nvfp4":
        return 'AssertionError "Attempted to load weight (...) into parameter (...)"'
    return None


def _stored_names(layer: LayerSpec, spec: ModelSpec, load: _GateLoad) -> tuple[str, ...]:
    """The gate's module name in the checkpoint ('model.layers.3.mlp.gate';
    'model.language_model.layers.3.mlp.gate' for a WRAPPED class's checkpoint, whose
    hf_to_vllm_mapper reads that root: layer_names.WRAPPED), each spelling its checkpoints use
    (_GateLoad.stored_roots); () where the layer builds none (a dense layer, no shared
    expert)."""
    router = router_prefix(layer, spec.model_type)
    if router is None or load.module == "shared_expert_gate" and not (
            isinstance(layer.mlp, MoeMlp) and layer.mlp.shared_expert_gate):
        return ()
    block = router.prefix.rsplit(".", 1)[0]
    if load.stored_block:
        block = f"{block.rsplit('.', 1)[0]}.{load.stored_block}"
    roots = load.stored_roots or ((WRAPPED_ROOT[0],) if vllm_wrapped(spec)
                                  and WRAPPED[spec.model_type] is not None else ("model.",))
    name = f"{block}.{load.module}".removeprefix("model.")
    return tuple(root + name for root in roots)


def stored_gate_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM `version`'s load failure for a ModelOpt checkpoint as stored whose exclude list
    leaves a MoE gate quantized that the model file builds unquantized and whose loader stops
    at it (STORED_GATE_LOADS), naming its first such layer; [] for any other checkpoint,
    release or what-if, and where the exporting transformers (QuantSpec.exporter_transformers)
    built that gate as a module ModelOpt does not quantize or does not say
    (stored_gate_warnings). The list names a gate where it matches the checkpoint's name for it
    as ModelOpt's is_layer_excluded matches (exclusion_match.modelopt_names), or a router
    whose vLLM prefix is that name where Headroom places an entry there (a "language_model."
    root)."""
    found = _unlisted_gate(spec, scheme, version, True)
    if found is None:
        return []
    load, gate, raised = found
    how = ("and skips the input_scale / weight_scale this ModelOpt checkpoint stores "
           "for it, but its NVFP4 weight, two values a byte, does not fit the "
           "unquantized parameter") if raised.startswith("AssertionError") else (
        "with no parameter for the input_scale / weight_scale this ModelOpt checkpoint "
        "stores for it")
    return [f"vLLM {version_label(version)} stops loading the weights: {load.file} "
            f"builds {gate} unquantized (quant_config=None), {how} (its "
            f"{spec.quant.excluded_key or 'exclude_modules'} does not name the gate): "
            f"{raised}."]


def stored_gate_warnings(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """The condition under which vLLM `version` stops at a gate stored_gate_errors would
    refuse, where config.json's transformers_version cannot tell whether the exporting
    transformers built it as an nn.Linear (none, unparseable, a pre-release of the switch):
    planned as loading, since a gate ModelOpt did not quantize is stored 16-bit and unlisted."""
    found = _unlisted_gate(spec, scheme, version, False)
    if found is None:
        return []
    load, gate, raised = found
    given = spec.quant.exporter_transformers
    said = "gives no transformers_version" if given is None else \
        f"transformers_version {given!r} does not say which release exported it"
    return [f"{gate} is not in this ModelOpt checkpoint's "
            f"{spec.quant.excluded_key or 'exclude_modules'}: it is stored quantized only if "
            f"the exporter's transformers built it as nn.Linear (releases before "
            f"{version_label(cast(Version, load.linear_before))}), and then "
            f"vLLM {version_label(version)} stops loading at its scales ({load.file}: "
            f"{raised}); config.json {said}: planned as stored 16-bit, which loads."]


def _built_linear(load: _GateLoad, exporter: str | None) -> bool | None:
    """Whether the exporting transformers (`exporter`: config.json's transformers_version)
    built this gate as an nn.Linear, which ModelOpt quantizes unless listed; None where the
    version cannot tell (_exporter_below)."""
    if load.linear_before is None:
        return True
    return _exporter_below(exporter, load.linear_before)


def _unlisted_gate(spec: ModelSpec, scheme: QuantScheme, version: Version, refused: bool
                   ) -> tuple[_GateLoad, str, str] | None:
    """(the gate's load row, its checkpoint name in the first such layer, what vLLM raises)
    for a ModelOpt checkpoint as stored whose exclude list leaves unnamed a gate vLLM
    `version`'s loader stops at: among the gates the exporter built as nn.Linear where
    `refused`, else among those whose exporter release cannot be told (_exporter_below)."""
    quant = spec.quant
    if not stored_format(spec, scheme) or quant.method != "modelopt" or quant.module_formats:
        return None
    wanted = True if refused else None
    failing = [(load, raised) for load in STORED_GATE_LOADS.get(spec.model_type, ())
               if (raised := _raised(load, version, scheme.family))
               and _built_linear(load, quant.exporter_transformers) is wanted]
    if not failing:
        return None
    exclusions = checkpoint_exclusions(spec, scheme)
    for layer in spec.layers:
        for load, raised in failing:
            gates = _stored_names(layer, spec, load)
            if not gates or any(modelopt_names(gate, quant.excluded_modules)
                                for gate in gates) or (
                    load.module != "shared_expert_gate" and not load.stored_block
                    and exclusions.excluded(layer.index, "router")):
                continue
            return load, gates[0], raised
    return None


def gptq_gate_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's load failure for a Qwen3-MoE GPTQ checkpoint as stored whose gate the release
    builds otherwise than it is stored, where no `dynamic` "-:" rule keeps the gate, naming its
    first such layer: 0.10.1 for a 16-bit gate (no autoround_version: AutoGPTQ's and
    GPTQModel's, Qwen/Qwen3-235B-A22B-GPTQ-Int4), 0.9.0-0.10.0 for a quantized one (AutoRound's
    GPTQ export, QuantSpec.autoround_gptq); [] for any other checkpoint, model, release or
    what-if.

    NOTE: qwen3_moe.py in the 0.10.1 / 0.10.1.1 wheels builds `self.gate = ReplicatedLinear(...,
    quant_config=quant_config)`, so GPTQConfig / GPTQMarlinConfig.get_quant_method ->
    get_linear_quant_method gives it GPTQ(Marlin)LinearMethod: qweight, qzeros, scales, g_idx
    and no `weight`; Qwen3MoeModel.load_weights then looks the checkpoint's 16-bit
    'layers.N.mlp.gate.weight' up in params_dict (not in stacked_params_mapping nor the expert
    mapping, no ignored suffix) and raises KeyError. 0.10.0 builds it with quant_config=None
    and 0.10.2 drops the GPTQ config without an autoround_version
    (vllm_versions.QWEN3_MOE_GPTQ_GATE_DROPPED_FROM), so both load it 16-bit. The other way
    round, the 0.9.0, 0.9.2 and 0.10.0 wheels build the gate with quant_config=None (a 16-bit
    `weight` only), and the same load_weights raises KeyError on the qweight / qzeros / scales
    AutoRound stores for it (no ignored suffix: ".bias" alone in 0.9.0-0.9.1, the scale
    suffixes added in 0.9.2); 0.10.1 on build it GPTQ (vllm_versions.
    QWEN3_MOE_GATE_QUANTIZED_FROM)."""
    quant = spec.quant
    if spec.model_type != "qwen3_moe" or not stored_format(spec, scheme) \
            or quant.method != "gptq":
        return []
    if quant.autoround_gptq:
        if version >= QWEN3_MOE_GATE_QUANTIZED_FROM:
            return []
        built = "unquantized (quant_config=None), with no parameter for the qweight, qzeros " \
            "and scales this AutoRound GPTQ checkpoint (autoround_version) stores for it"
        raised, loads = "'layers.N.mlp.gate.qweight' (or its qzeros / scales)", \
            f"{version_label(QWEN3_MOE_GATE_QUANTIZED_FROM)} on load it GPTQ"
    elif QWEN3_MOE_GATE_QUANTIZED_FROM <= version < QWEN3_MOE_GPTQ_GATE_DROPPED_FROM:
        built = "with this GPTQ checkpoint's quant config (qweight, qzeros, scales, g_idx), " \
            "with no parameter for the 16-bit weight a GPTQ checkpoint without an " \
            "autoround_version stores for it"
        raised, loads = "'layers.N.mlp.gate.weight'", "0.10.0 and 0.10.2 on load it 16-bit"
    else:
        return []
    gate = _first_unlisted_gate(spec, scheme)
    if gate is None:
        return []
    return [f"vLLM {version_label(version)} stops loading the weights: qwen3_moe.py builds "
            f"{gate} {built}: KeyError {raised}. vLLM {loads}."]


def _first_unlisted_gate(spec: ModelSpec, scheme: QuantScheme) -> str | None:
    """The first MoE gate's module path ('model.layers.0.mlp.gate') that the checkpoint's
    exclusion list (or GPTQ `dynamic` "-:" rules) does not keep 16-bit; None if none."""
    exclusions = checkpoint_exclusions(spec, scheme)
    return next((prefix.prefix for layer in spec.layers
                 if (prefix := router_prefix(layer, spec.model_type))
                 and not exclusions.excluded(layer.index, "router")), None)
