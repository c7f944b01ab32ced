"""How vLLM's loader for a checkpoint's quantization method matches its exclusion list to the
layers it builds, where that differs from placing each entry in the component it names
(quant.parse_exclusions): fp8 compares an entry whole with a layer's name (names_no_layer),
compressed-tensors whole or as a "re:" regex from the name's start, AWQ looks for it inside the
name, ModelOpt too or as a wildcard, bitsandbytes among the name's dot-separated parts, TorchAO
as ".entry." inside it (name_keeps)."""

import re
from fnmatch import fnmatch
from typing import Literal, NamedTuple

import regex

from planner.model.layer_names import (
    WRAPPED,
    WRAPPED_ROOT,
    LayerPrefix,
    layer_prefixes,
    router_prefix,
    vllm_wrapped,
)
from planner.model.spec import ModelSpec

ListMatch = Literal["exact", "regex", "substring", "modelopt", "parts", "dotted"]

LIST_MATCH: dict[str, ListMatch] = {
    "fp8": "exact", "fbgemm_fp8": "exact", "compressed-tensors": "regex",
    "awq": "substring", "awq_marlin": "substring", "modelopt": "modelopt",
    "bitsandbytes": "parts", "torchao": "dotted"}
"""How each method's loader matches its exclusion list; a method not here is planned by the
component each entry names.

NOTE: quantization/utils/quant_utils.py is_layer_skipped (0.19.0 and 0.34.0 wheels), called by
each method's get_quant_method with the layer's full prefix ('model.layers.3.mlp.gate'):
Fp8Config and FBGEMMFp8Config exact (`prefix in ignored_layers`; 0.34.0 match_mode "exact"),
a merged layer kept where its shards are (qkv_proj <- q/k/v_proj), a FusedMoE layer
('model.layers.3.mlp.experts') where an entry holding "experts" contains its prefix
(`prefix in layer_name`); AWQConfig / AWQMarlinConfig (0.19.0) and AutoAWQConfig (0.34.0)
substring (skip_with_substr=True / match_mode "substring": `layer in prefix`), the FusedMoE
layer's prefix too. CompressedTensorsConfig ("regex"): ct_ignored. So an fp8 or
compressed-tensors entry that is a glob ('model.layers.*.mlp.gate'), names no layer index
('mlp.gate') or names a block ('model.layers.3.mlp', '...self_attn') keeps nothing, and an AWQ
entry 'gate' keeps every name holding it: each router, and from 0.24.0 (FUSED_NAME_FIRST_FROM,
startup.fused_shards) each merged gate_up_proj (0.11.1-0.23.0 refuse its shards' disagreement:
fused_shards.fused_shard_errors). ModelOptQuantConfigBase.is_layer_excluded (modelopt.py, 0.19.0
and 0.34.0): the exact is_layer_skipped (shards, FusedMoE), then an entry inside the layer's
name (a merged one's own), then fnmatch(name, entry): "gate" keeps each router and
gate_up_proj, "*gate" each router, "*gate*" both where no mapper splits it
(MAPPER_FROM). Its list is also placed as each entry names a component (an entry rooted at a
multimodal wrapper, 'model.language_model.layers.0.self_attn*', only where vLLM reads it:
WRAPPER_READ_FROM), the two read together: a ModelOpt entry keeps what either finds.

NOTE: bitsandbytes.py is_layer_skipped_bnb (the same rule in every wheel that has the method,
0.9.0-0.27.0; the 0.28.0 wheel drops it), asked by BitsAndBytesConfig.get_quant_method for
each LinearBase with its full prefix: an entry equal to one of the prefix's dot-separated parts
('self_attn', 'o_proj', 'gate', '3') or to a leading run of them ('model.layers.3',
'model.layers.3.self_attn', the whole name), so 'q_proj' or 'mlp.gate' keeps nothing and
'gate' each router but no gate_up_proj; a FusedMoE gets BitsAndBytesMoEMethod whatever the
list (0.10.1-0.27.0; RoutedExperts in 0.27.0). torchao.py should_skip (0.9.2-0.34.0, the same
rule; 0.9.0-0.9.1's TorchAOConfig reads no list), asked by TorchAOConfig.get_quant_method for
each LinearBase: the entry equal to the prefix or ".entry." inside ".prefix." ('mlp.gate',
'layers.1', 'self_attn'), so 'q_proj' keeps nothing and 'layers.1' layer 1 alone; any other
layer (a FusedMoE) gets no method. Neither looks at a merged layer's shards nor maps its list
(no apply_vllm_mapper in either file, 0.19.0 and 0.34.0): a list naming q_proj, or q_proj,
k_proj and v_proj each, leaves qkv_proj quantized."""

MAPPER_FROM: dict[str, tuple[int, int, int]] = {
    **dict.fromkeys(("LlamaForCausalLM", "MistralForCausalLM", "Llama4ForCausalLM",
                     "MixtralForCausalLM", "Qwen2ForCausalLM", "Qwen2MoeForCausalLM",
                     "Qwen3ForCausalLM", "Qwen3MoeForCausalLM", "MiniMaxM2ForCausalLM"),
                    (0, 25, 0)),
    "Qwen3_5ForCausalLM": (0, 28, 0), "Qwen3_5MoeForCausalLM": (0, 28, 0),
    "Qwen3NextForCausalLM": (0, 29, 0), "GptOssForCausalLM": (0, 10, 2),
    "Gemma3ForConditionalGeneration": (0, 9, 2), "Gemma4ForConditionalGeneration": (0, 19, 0),
    **dict.fromkeys(("Qwen3VLForConditionalGeneration", "Qwen3VLMoeForConditionalGeneration"),
                    (0, 11, 0)),
    **dict.fromkeys(("Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration"),
                    (0, 17, 0))}
"""The architectures whose vLLM class carries an hf_to_vllm_mapper, from the first release
that gives it one, so that a ModelOpt list is rewritten before it is matched (_mapper_split)
from that release or SPLIT_FROM, whichever is later (mapper_splits).

NOTE: modelopt.py ModelOptQuantConfigBase.apply_vllm_mapper (0.13.0-0.34.0 wheels; vllm issue
28072) replaces an entry ending "*" after any character but "." ('X*') by 'X' and 'X.*'
before hf_to_vllm_mapper.apply_list; model_loader/utils.py configure_quant_config and
interfaces.py SupportsQuant._maybe_apply_model_mapping call it where the model class has a
mapper (its class attribute, own or inherited: read in each wheel 0.12.0-0.34.0). From 0.25.0
llama.py (LlamaForCausalLM = LlamaModel.hf_to_vllm_mapper, inherited by mistral.py's
MistralForCausalLM and llama4.py's Llama4ForCausalLM), mixtral.py, qwen2.py, qwen2_moe.py,
qwen3.py, qwen3_moe.py and minimax_m2.py; from 0.28.0 qwen3_5.py Qwen3_5ForCausalLMBase
(0.25.0-0.27.1: only its Qwen3_5Model has one); from 0.29.0 qwen3_next.py Qwen3NextForCausalLM
(`WeightsMapper(orig_to_new_prefix={"mtp.": None})`); gpt_oss.py GptOssForCausalLM since its
first wheel with a mapper, 0.10.2; 0.24.0 and before none of the others. deepseek_v2.py's and
glm4_moe.py's causal-LM classes have none in any. The multimodal classes: gemma3_mm.py
Gemma3ForConditionalGeneration from 0.9.2, gemma4_mm.py Gemma4ForConditionalGeneration from its
first wheel (0.19.0), qwen3_vl.py Qwen3VLForConditionalGeneration (qwen3_vl_moe.py's subclass)
from 0.11.0, and qwen3_5.py's Qwen3_5(Moe)ForConditionalGeneration, subclasses of it, from 0.17.0;
mllama4.py Llama4ForConditionalGeneration none in any. The split changes what an entry matches only
where 'X' holds a wildcard: '*mlp.gate*' becomes '*mlp.gate' and '*mlp.gate.*', which fnmatch
each router and no gate_up_proj; read whole (0.13.0-0.24.0 on Llama, Qwen3 ...), it fnmatches
gate_up_proj too."""

WRAPPER_ROOT = WRAPPED_ROOT[0]
"""The root transformers gives a multimodal checkpoint's text layers
('model.language_model.layers.0.self_attn'), which ModelOpt writes into its lists
(layer_names.WRAPPED_ROOT's first)."""

WRAPPER_READ_FROM: dict[str, tuple[int, int, int]] = {
    "Gemma3ForConditionalGeneration": (0, 10, 2), "Gemma4ForConditionalGeneration": (0, 19, 0),
    **dict.fromkeys(("Qwen3VLForConditionalGeneration", "Qwen3VLMoeForConditionalGeneration"),
                    (0, 11, 0)),
    **dict.fromkeys(("Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration"),
                    (0, 17, 0)),
    **dict.fromkeys(("Qwen3_5ForCausalLM", "Qwen3_5MoeForCausalLM"), (0, 28, 0))}
"""The architectures whose class's hf_to_vllm_mapper renames WRAPPER_ROOT onto the root vLLM
gives its text layers, from the first release whose ModelOpt config applies it: there a
wrapper-rooted entry names those layers; in any other class or release it names none.

NOTE: vLLM names a multimodal class's text layers 'language_model.model.layers.N'
(`maybe_prefix(prefix, "language_model")` around a causal LM's "model": gemma3_mm.py,
gemma4_mm.py, qwen3_vl.py, qwen3_5.py, mllama4.py, 0.19.0 and 0.34.0 wheels), a text class's
'model.layers.N'. Their mappers' orig_to_new_prefix {"model.language_model.":
"language_model.model."}: gemma3_mm.py from 0.9.2, gemma4_mm.py from 0.19.0, qwen3_vl.py (and
the Qwen3-VL-MoE and Qwen3.5 subclasses) from 0.11.0 / 0.17.0; qwen3_5.py
Qwen3_5ForCausalLMBase {"model.language_model.": "model."} from 0.28.0; mllama4.py none.
ModelOpt's config applies a mapper from 0.10.2 (modelopt.py apply_vllm_mapper; 0.10.1 and
before: base_config.py's no-op), so Gemma 3's from 0.10.2. is_layer_excluded (0.13.0, 0.24.0
wheels) matches an entry against the layer's vLLM name: 'model.language_model.layers.0.
self_attn*' unrenamed is neither inside 'language_model.model.layers.0.self_attn.qkv_proj'
nor fnmatch-es it, so that layer is quantized."""

SPLIT_FROM = (0, 13, 0)
"""The first release whose apply_vllm_mapper splits an entry 'X*' (0.10.2-0.12.0: it hands the
list to hf_to_vllm_mapper.apply_list as written; modelopt.py in those wheels)."""


def mapper_splits(spec: ModelSpec, version: tuple[int, int, int] | None = None) -> bool:
    """Whether vLLM `version` (None: the newest, as the plan's weights) splits this model's
    ModelOpt list (MAPPER_FROM NOTE): its architecture's class has a mapper there."""
    return _since(MAPPER_FROM, spec, version, SPLIT_FROM)


def wrapper_read(spec: ModelSpec, version: tuple[int, int, int] | None = None) -> bool:
    """Whether vLLM `version` (None: the newest) reads this model's ModelOpt entries rooted at
    WRAPPER_ROOT as naming its text layers (WRAPPER_READ_FROM NOTE)."""
    return _since(WRAPPER_READ_FROM, spec, version, (0, 0, 0))


def _since(table: dict[str, tuple[int, int, int]], spec: ModelSpec,
           version: tuple[int, int, int] | None, floor: tuple[int, int, int]) -> bool:
    """Whether the model's architecture is in `table` from a release at or before `version`
    (None: any) and `floor`."""
    since = table.get(spec.architectures[0]) if spec.architectures else None
    return since is not None and _reached(max(since, floor), version)


def _reached(first: tuple[int, int, int] | None, version: tuple[int, int, int] | None) -> bool:
    """Whether vLLM `version` (None: the newest) is `first` or later (None: no release is)."""
    return first is not None and (version is None or version >= first)


def modelopt_read(spec: ModelSpec, entries: tuple[str, ...],
                  version: tuple[int, int, int] | None = None) -> tuple[str, ...]:
    """A ModelOpt list as vLLM `version` (None: the newest) matches it, in the names Headroom
    gives layers ('model.layers.N.…'): split where mapper_splits, each entry rooted at
    WRAPPER_ROOT read at 'model.' where wrapper_read, else left out (it names no layer)."""
    if mapper_splits(spec, version):
        entries = _mapper_split(entries)
    read = wrapper_read(spec, version)
    return tuple("model." + e.removeprefix(WRAPPER_ROOT) if e.startswith(WRAPPER_ROOT) else e
                 for e in entries if read or not e.startswith(WRAPPER_ROOT))


INC_METHODS = ("auto-round", "inc")
"""The quant_method values vLLM's AutoRound / INC loader takes (config.quant's NOTE above
INC_UNKNOWN_NAMES), whose extra_config keys may be regular expressions (inc_searched_gates)."""


def inc_regex_key(name: str) -> bool:
    """Whether vLLM's INC parser reads this extra_config key as a regular expression (any of
    *+?^$()[]{}|\\ in it: matched by re.search, never a layer's exact name)."""
    return any(c in name for c in "*+?^$()[]{}|\\")


def inc_searched_gates(spec: ModelSpec, kept: tuple[str, ...]) -> frozenset[int]:
    """The decoder layers whose MoE gate one of an AutoRound checkpoint's 16-bit extra_config
    regex keys (`kept`: QuantSpec.excluded_modules) re.search-es by the name vLLM gives it
    (ct_named), the keys renamed as the class's mapper renames them (ct_read: a key rooted at
    'model.language_model.' read at 'language_model.model.'); an invalid pattern finds none.

    NOTE: INCConfig.get_layer_config's get_config (inc.py 0.19.0; the same loop from the 0.11.1
    auto_round.py) and INCConfigParser._resolve_raw (inc/config_parser.py 0.24.0-0.34.0) try
    each key holding a REGEX_SPECIAL_CHARS character with re.search against the layer's name
    after its exact key, skipping one that raises re.error (`import regex as re`, the regex
    package, in each); apply_vllm_mapper (inc.py 0.19.0,
    inc/inc.py 0.34.0) runs the keys through the mapper's apply_dict first, which renames
    literal prefixes only (a key '.*mlp\\.gate$' stays). Only the gate is matched so: other
    regex keys are placed by the component they name (quant.parse_exclusions)."""
    patterns = [key for key in ct_read(spec, tuple(k for k in kept if inc_regex_key(k)))
                if vllm_pattern_error(key) is None]
    return frozenset(layer.index for layer in spec.layers if patterns
                     and (gate := router_prefix(layer, spec.model_type)) is not None
                     and any(regex.search(p, ct_named(spec, gate).prefix) for p in patterns))


def wrapped_read(spec: ModelSpec, entries: tuple[str, ...], match: ListMatch) -> tuple[str, ...]:
    """A bitsandbytes ("parts") or TorchAO ("dotted") list as vLLM matches it, in the names
    Headroom gives layers ('model.layers.N.…'): unchanged for a text class; where vLLM names the
    layers 'language_model.model.layers.N.…' (layer_names.vllm_wrapped), an entry rooted there
    read at 'model.' and 'language_model' (a part of every such name) as 'model'. A dotted entry
    rooted at 'model.' ('model.layers.3.mlp', 'model.language_model.layers.3') is left out of a
    bitsandbytes list, as wrapper_layers_read reads an unmapped list: it is no dot-free part
    and no leading run of those names, so it keeps nothing; a TorchAO one stays, as
    ".model.layers.3.mlp." lies inside ".language_model.model.layers.3.mlp.gate_up_proj." as it
    does inside Headroom's name. Any other entry rooted at 'language_model.'
    ('language_model.layers.3') keeps nothing under either rule, as in Headroom's names.

    NOTE: neither BitsAndBytesConfig nor TorchAOConfig has an apply_vllm_mapper (bitsandbytes.py
    in the 0.9.0, 0.13.0, 0.19.0 and 0.27.0 wheels, torchao.py in 0.9.0, 0.9.2, 0.10.1, 0.11.0,
    0.13.0, 0.16.0, 0.19.0, 0.22.0, 0.24.0, 0.27.0, 0.28.0, 0.30.0 and 0.34.0: base_config.py's
    no-op), so is_layer_skipped_bnb and should_skip meet llm_int8_skip_modules /
    modules_to_not_convert as the checkpoint wrote them, whatever the class's hf_to_vllm_mapper
    renames in its weights (LIST_MATCH NOTE)."""
    if not vllm_wrapped(spec):
        return entries
    bare = ("language_model", WRAPPED_ROOT[1][:-1])
    entries = tuple("model" if entry in bare else entry for entry in entries)
    inside = tuple(e for e in entries if match == "dotted" and e.startswith("model."))
    return wrapper_layers_read(spec, entries, mapped=False) + inside


def wrapper_layers_read(spec: ModelSpec, entries: tuple[str, ...], mapped: bool
                        ) -> tuple[str, ...]:
    """A list whose entries vLLM compares with its layers' names, in the names Headroom gives
    layers ('model.layers.N.…'): unchanged for a text class; on a multimodal wrapper, whose text
    layers vLLM names 'language_model.model.layers.N.…' (layer_names.vllm_wrapped), an entry
    rooted there read at 'model.', one rooted at the checkpoint's 'model.language_model.' too
    where `mapped` (the method renames its list with the class's hf_to_vllm_mapper, which maps
    that root to vLLM's), and an entry rooted at 'model.' that no mapper renames left out: vLLM
    names nothing there ('model.layers.3.mlp.gate'; without a mapper, 'model.language_model.…'
    and 'model.visual.…' too)."""
    if not vllm_wrapped(spec):
        return entries
    named, vllm_root = WRAPPED_ROOT
    read = []
    for entry in entries:
        if mapped and entry.startswith(named):
            entry = vllm_root + entry.removeprefix(named)
        if entry.startswith(vllm_root):
            read.append("model." + entry.removeprefix(vllm_root))
        elif not entry.startswith("model.layers." if mapped else "model."):
            read.append(entry)
    return tuple(read)


MAPPER_FIRST = {"fbgemm_fp8": None, "modelopt": (0, 10, 2), "awq": (0, 11, 1),
                "awq_marlin": (0, 11, 1), "quark": (0, 11, 1)}
"""NOTE: the releases whose method renames its list with the model's hf_to_vllm_mapper
(apply_vllm_mapper; model_loader/utils.py configure_quant_config calls it): Fp8Config and
CompressedTensorsConfig from the 0.9.2 wheel (none in 0.9.1), ModelOpt from 0.10.2, AWQ /
AWQ-Marlin and Quark (quark.py maps each list of its config) from 0.11.1 (absent in the 0.11.0
wheel); FBGEMMFp8Config never (the base class's no-op, 0.11.1, 0.19.0 and 0.34.0 wheels): its
list keeps the checkpoint's names."""


def maps_names(method: str, version: tuple[int, int, int] | None) -> bool:
    """Whether `method` renames its list with the model's hf_to_vllm_mapper in `version` (None:
    the newest) (MAPPER_FIRST; a method it does not name, Fp8Config's and
    CompressedTensorsConfig's, from 0.9.2)."""
    return _reached(MAPPER_FIRST.get(method, (0, 9, 2)), version)


def exact_read(spec: ModelSpec, entries: tuple[str, ...],
               version: tuple[int, int, int] | None) -> tuple[str, ...]:
    """An fp8 or fbgemm_fp8 list (LIST_MATCH "exact") as vLLM `version` (None: the newest)
    compares it whole with its layers' names (wrapper_layers_read), renamed by the class's
    mapper where the method maps its list there (maps_names) and the class has one
    (layer_names.WRAPPED): FBGEMMFp8Config's 'model.language_model.layers.3.mlp.gate' never
    names vLLM's 'language_model.model.layers.3.mlp.gate', so that gate is quantized."""
    return wrapper_layers_read(spec, entries, maps_names(spec.quant.method, version)
                               and wrapper_mapped(spec, version))


def wrapper_mapped(spec: ModelSpec, version: tuple[int, int, int] | None) -> bool:
    """Whether this model is a multimodal wrapper (layer_names.vllm_wrapped) whose class's
    hf_to_vllm_mapper renames 'model.language_model.' to 'language_model.model.' in vLLM
    `version` (None: the newest; layer_names.WRAPPED)."""
    return vllm_wrapped(spec) and _reached(WRAPPED.get(spec.model_type), version)


_GLOB = re.compile(r"[*?\[]")
_INDEXED = re.compile(r"layers\.\d+\.")
_BLOCKS = frozenset({"mlp", "feed_forward", "block_sparse_moe", "self_attn", "attn",
                     "attention", "mixer", "linear_attn", "shared_expert", "shared_experts",
                     "shared_mlp"})
"""The last names of modules that hold linear layers, none itself one."""


def names_no_layer(name: str) -> bool:
    """Whether an entry compared whole with each layer's name (LIST_MATCH "exact") equals
    none: a glob, a name without a layer index, a block's name; a routed-experts entry keeps its
    layer's FusedMoE where it holds its index. A compressed-tensors "re:" entry is a regex."""
    if name.startswith("re:"):
        return False
    if _GLOB.search(name) or not _INDEXED.search(name):
        return True
    last = name.rsplit(".", 1)[-1]
    experts = "experts" in name and "shared_expert" not in name
    return not experts and (last in _BLOCKS or last.isdigit())


def ct_entry_matches(name: str, entry: str) -> bool:
    """Whether one compressed-tensors list entry names the layer `name`: equal to it, or a
    "re:" pattern matching it from its start with the regex package, as vLLM matches it
    ('re:.*mlp.gate' matches 'model.layers.0.mlp.gate_up_proj' too: nothing ties the pattern to
    the name's end).

    NOTE: compressed_tensors/utils.py _is_equal_or_regex_match (0.9.0-0.29.0 wheels),
    quantization/utils/config_utils.py is_equal_or_regex_match (0.30.0-0.34.0, use_fnmatch
    False): `re.match(target[3:], value)` for a "re:" target, else `target == value`, where
    both files `import regex as re` (read in the 0.19.0, 0.20.2, 0.22.0, 0.29.0, 0.30.0 and
    0.34.0 wheels): the regex package, which reads patterns Python's re refuses (a
    variable-width look-behind, an inline flag after the start, a Unicode property class)."""
    if entry.startswith("re:"):
        return vllm_matches(entry[3:], name)
    return entry == name


def ct_pattern_error(entry: str) -> str | None:
    """Why vLLM cannot compile a compressed-tensors "re:" entry (ct_entry_matches): the regex
    package's error, None for a plain entry or a pattern it reads."""
    return vllm_pattern_error(entry[3:]) if entry.startswith("re:") else None


def vllm_matches(pattern: str, name: str) -> bool:
    """Whether `pattern` matches the layer name `name` from its start as vLLM's quantization
    configs match one: with the regex package (`import regex as re`: compressed_tensors/utils.py,
    utils/config_utils.py, utils/gptq_utils.py; 0.19.0 and 0.34.0 wheels), not Python's re."""
    return regex.match(pattern, name) is not None


def vllm_pattern_error(pattern: str) -> str | None:
    """The regex package's error compiling `pattern` (vllm_matches), None where it reads it."""
    try:
        regex.compile(pattern)
    except regex.error as err:
        return str(err)
    return None


def _ct_listed(name: str, entries: tuple[str, ...]) -> bool:
    """Whether any compressed-tensors entry names the layer `name` (ct_entry_matches)."""
    return any(ct_entry_matches(name, entry) for entry in entries)


def ct_read(spec: ModelSpec, entries: tuple[str, ...],
            version: tuple[int, int, int] | None = None) -> tuple[str, ...]:
    """A compressed-tensors ignore list or targets as vLLM `version` (None: the newest) matches
    them against the names ct_named gives: where the class's hf_to_vllm_mapper renames
    WRAPPED_ROOT (layer_names.WRAPPED), an entry rooted at 'model.language_model.' read at
    'language_model.model.'; a "re:" entry as written.

    NOTE: CompressedTensorsConfig.apply_vllm_mapper (compressed_tensors.py 0.13.0, 0.19.0 and
    0.34.0 wheels) maps a target or ignore entry through the mapper where `"." in target and not
    target.startswith("re:")`; 0.9.2-0.12.0 hand the whole list to hf_to_vllm_mapper.apply_list,
    whose prefixes no "re:" entry starts with."""
    if not wrapper_mapped(spec, version):
        return entries
    named, vllm_root = WRAPPED_ROOT
    return tuple(vllm_root + e.removeprefix(named) if e.startswith(named) else e
                 for e in entries)


def ct_named(spec: ModelSpec, layer: LayerPrefix) -> LayerPrefix:
    """`layer` under the names vLLM builds it with, which should_ignore_layer and
    find_matched_target see: 'language_model.model.layers.N.…' where layer_names.vllm_wrapped,
    else as Headroom names it ('model.layers.N.…')."""
    if not vllm_wrapped(spec):
        return layer
    root = WRAPPED_ROOT[1]
    return layer._replace(prefix=root + layer.prefix.removeprefix("model."),
                          names=tuple(root + n.removeprefix("model.") for n in layer.names))


EXPERT_PROJECTIONS = ("gate_proj", "up_proj", "down_proj")
"""The names under which vLLM asks a compressed-tensors list about a FusedMoE layer:
'{prefix}.0.gate_proj' and so on (ct_ignored NOTE)."""


def ct_ignored(layer: LayerPrefix, entries: tuple[str, ...]) -> bool:
    """Whether vLLM's compressed-tensors loader keeps `layer` 16-bit by its `ignore` list
    (ct_entry_matches): a layer its name matches; a merged one (qkv_proj, gate_up_proj) whose
    own name matches or each of whose shards' does; a FusedMoE layer whose expert 0's three
    projections' names all match.

    NOTE: CompressedTensorsConfig.get_scheme_dict asks should_ignore_layer(prefix, ignore,
    packed_modules_mapping). 0.30.0-0.34.0 (config_utils.py find_matching_patterns): an entry
    matching the merged layer's own name first, else its shards', which must all or none
    match (ValueError otherwise: fused_shards). 0.9.0-0.29.0 (compressed_tensors/utils.py):
    the merged name only where the list holds it as text (`layer_name not in ignore`), else
    the shards: a "re:" entry matching 'mlp.gate_up_proj' but neither shard keeps it 16-bit
    from 0.30.0 only (planned so; docs/known-limits.md). compressed_tensors_moe.py
    get_moe_method asks get_scheme_dict of '{prefix}.0.gate_proj', '.0.up_proj' and
    '.0.down_proj' (0.12.0-0.31.0 these names; 0.32.0-0.34.0 the layer's ckpt_*_proj_name,
    these by default) and builds UnquantizedFusedMoEMethod where all are ignored; some but
    not all raise "All MoE projections need to have same quantization scheme"
    (startup.ct_expert_projections: planned quantized). 0.9.0-0.11.2's get_moe_method reads
    no ignore list (the experts take "Linear"'s or the projections' scheme: not modelled)."""
    if layer.component == "experts":
        return all(ct_projection_ignored(layer.prefix, p, entries) for p in EXPERT_PROJECTIONS)
    return _ct_listed(layer.prefix, entries) or all(
        _ct_listed(name, entries) for name in layer.names)


LINEAR_CLASSES = {"qkv_proj": "QKVParallelLinear", "gate_up_proj": "MergedColumnParallelLinear",
                  "o_proj": "RowParallelLinear", "down_proj": "RowParallelLinear"}
"""The vLLM class of each layer layer_names names, by its last name; a router's is
ReplicatedLinear (GateLinear, a ReplicatedLinear, in some files from 0.32.0: both hold
"Linear").

NOTE: llama.py LlamaAttention (qkv_proj QKVParallelLinear, o_proj RowParallelLinear) and
LlamaMLP (gate_up_proj MergedColumnParallelLinear, down_proj RowParallelLinear), qwen3_moe.py
Qwen3MoeSparseMoeBlock's gate (ReplicatedLinear in 0.19.0, GateLinear in 0.34.0)."""


def ct_targeted(layer: LayerPrefix, targets: tuple[str, ...]) -> bool:
    """Whether a compressed-tensors config group's targets take `layer` (no targets read: every
    layer): a target matching its name (ct_entry_matches), held in its class's name
    (LINEAR_CLASSES, case aside: "Linear" takes every linear layer and, through "FusedMoE" /
    "RoutedExperts", every FusedMoE layer), or matching each of a merged layer's shards; a
    FusedMoE layer where each of expert 0's three projections is taken.

    NOTE: find_matched_target (compressed_tensors/utils.py, 0.9.0-0.34.0 wheels): the name
    (_find_first_match), the class name with check_contains (`target.lower() in
    value.lower()`), the shards (_match_fused_layer, "all" of them); the order changed in
    0.27.0, not whether a layer is taken. _add_fused_moe_to_target_scheme_map maps "FusedMoE"
    (0.9.0-0.23.0, the experts' class; 0.22.0-0.23.0's RoutedExperts an alias of it) /
    "RoutedExperts" (0.24.0 on, where the FusedMoE factory builds a RoutedExperts; read in the
    0.22.0, 0.23.0, 0.24.0, 0.26.0 and 0.34.0 wheels) to "Linear"'s scheme where "Linear" is a
    target. Untaken: 0.9.0-0.20.2 raise ValueError "Unable to find matching target for ...",
    0.22.0 on (vLLM PR 41965) build it unquantized (ct_targets.ct_target_errors)."""
    if not targets:
        return True
    if layer.component == "experts":
        return all(ct_projection_taken(layer.prefix, p, targets) for p in EXPERT_PROJECTIONS)
    cls = "ReplicatedLinear" if layer.component == "router" else \
        LINEAR_CLASSES[layer.prefix.rsplit(".", 1)[-1]]
    return _class_taken((cls,), targets) or _ct_listed(layer.prefix, targets) or all(
        _ct_listed(name, targets) for name in layer.names)


def ct_projection_taken(experts: str, projection: str, targets: tuple[str, ...]) -> bool:
    """Whether the targets take expert 0's `projection` of the FusedMoE layer `experts`, the
    name vLLM asks about ('{experts}.0.gate_proj'): "Linear", a target held in "FusedMoE" /
    "RoutedExperts" (ct_targeted NOTE), or one matching that name; every one where no targets
    are read."""
    return not targets or "Linear" in targets \
        or _class_taken(("FusedMoE", "RoutedExperts"), targets) \
        or _ct_listed(f"{experts}.0.{projection}", targets)


def ct_projection_ignored(experts: str, projection: str, entries: tuple[str, ...]) -> bool:
    """Whether the ignore list names expert 0's `projection` of the FusedMoE layer `experts`
    (ct_ignored keeps the layer where it names all three)."""
    return _ct_listed(f"{experts}.0.{projection}", entries)


def _class_taken(classes: tuple[str, ...], targets: tuple[str, ...]) -> bool:
    """Whether a target takes a layer by its class's name: as ct_entry_matches does, or held
    in it, case aside (_find_first_match with check_contains)."""
    return any(ct_entry_matches(cls, t) or not t.startswith("re:") and t.lower() in cls.lower()
               for cls in classes for t in targets)


def ct_takes_lm_head(targets: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Whether a compressed-tensors config's targets take the output layer 'lm_head' (by name,
    or its class ParallelLMHead's: _class_taken) and its ignore list does not name it.

    NOTE: CompressedTensorsConfig.get_quant_method hands a ParallelLMHead its scheme where
    get_scheme finds one (an unmatched target's ValueError caught) from the 0.20.0 wheel
    (read 0.20.0, 0.22.0, 0.29.0, 0.34.0): planned in the group's scheme (QuantSpec.
    module_schemes); 0.9.0-0.19.1 have no such branch, build it 16-bit and find no parameter
    for the checkpoint's quantized lm_head tensors (startup.ct_lm_head)."""
    return not _ct_listed("lm_head", ignore) and (
        _ct_listed("lm_head", targets) or _class_taken(("ParallelLMHead",), targets))


class NameKeeps(NamedTuple):
    """What an AWQ, compressed-tensors, ModelOpt, bitsandbytes or TorchAO list keeps 16-bit,
    matched to the layers Headroom names (layer_names): per layer the components whose layers
    it reads (`read`), those it keeps whole (`kept`), and the module names it keeps without the
    rest of their component (`alone`: a gate_up_proj beside a quantized down_proj)."""

    read: dict[int, frozenset[str]]
    kept: dict[int, frozenset[str]]
    alone: tuple[str, ...]


def _skipped(layer: LayerPrefix, entries: tuple[str, ...], match: ListMatch,
             targets: tuple[str, ...]) -> bool:
    """Whether `match`'s rule keeps one layer 16-bit (LIST_MATCH NOTE). "substring": an
    entry inside its name (a merged one's own, FUSED_NAME_FIRST_FROM), else inside each of its
    shards' names; "regex": ct_ignored, or no target takes it (ct_targeted); "modelopt": each
    shard's name listed, a FusedMoE's name inside an experts entry, an entry inside its name or
    a wildcard matching it; "parts" (bitsandbytes): an entry equal to a dot-separated part of
    its name or a leading run of them, never a FusedMoE; "dotted" (TorchAO): its name, or
    ".entry." inside it."""
    if match == "regex":
        return ct_ignored(layer, entries) or not ct_targeted(layer, targets)
    if match == "parts":
        parts = layer.prefix.split(".")
        runs = {".".join(parts[:i + 1]) for i in range(len(parts))}
        return layer.component != "experts" and any(e in parts or e in runs for e in entries)
    if match == "dotted":
        return any(e == layer.prefix or f".{e}." in f".{layer.prefix}." for e in entries)
    if match == "substring":
        return any(e in layer.prefix for e in entries) or all(
            any(e in name for e in entries) for name in layer.names)
    return all(name in entries for name in layer.names) \
        or any(e in layer.prefix or fnmatch(layer.prefix, e)
               or (layer.component == "experts" and layer.prefix in e) for e in entries)


def modelopt_names(name: str, entries: tuple[str, ...]) -> bool:
    """Whether a ModelOpt list names the one module `name` (a checkpoint's module name) as
    is_layer_excluded matches a layer's (LIST_MATCH NOTE): listed, an entry inside the name, or
    a wildcard matching it. Used where the name is the checkpoint's, not vLLM's prefix
    (startup.stored_gate)."""
    return _skipped(LayerPrefix(name, (name,), "router"), entries, "modelopt", ())


def split_entry(entry: str) -> bool:
    """Whether apply_vllm_mapper rewrites this ModelOpt entry (MAPPER_FROM NOTE): an 'X*'
    whose "*" follows another character than "."."""
    return len(entry) >= 2 and entry[-1] == "*" and entry[-2] != "."


def _mapper_split(entries: tuple[str, ...]) -> tuple[str, ...]:
    """A ModelOpt list as apply_vllm_mapper leaves it (MAPPER_FROM NOTE): each split_entry
    'X*' read as 'X' and 'X.*'."""
    return tuple(part for entry in entries for part in (
        (entry[:-1], entry[:-1] + ".*") if split_entry(entry) else (entry,)))


def name_keeps(spec: ModelSpec, entries: tuple[str, ...], match: ListMatch,
               targets: tuple[str, ...] = ()) -> NameKeeps:
    """The components and lone modules an AWQ ("substring"), compressed-tensors ("regex"),
    ModelOpt ("modelopt"), bitsandbytes ("parts") or TorchAO ("dotted") list keeps 16-bit in
    each decoder layer, a compressed-tensors one with the layers its `targets` leave
    (QuantSpec.targets), both matched under vLLM's names (ct_read, ct_named); a ModelOpt list
    as one release reads it (modelopt_read)."""
    read: dict[int, frozenset[str]] = {}
    kept: dict[int, frozenset[str]] = {}
    alone: list[str] = []
    regex_list = match == "regex"
    if regex_list:
        entries, targets = ct_read(spec, entries), ct_read(spec, targets)
    for layer in spec.layers:
        router = router_prefix(layer, spec.model_type)
        found = layer_prefixes(layer, spec.model_type) + ([router] if router else [])
        flagged = [(item, _skipped(ct_named(spec, item) if regex_list else item, entries, match,
                                   targets)) for item in found]
        skipped: dict[str, list[bool]] = {}
        for item, flag in flagged:
            skipped.setdefault(item.component, []).append(flag)
        read[layer.index] = frozenset(skipped)
        kept[layer.index] = frozenset(c for c, flags in skipped.items() if all(flags))
        alone.extend(name for item, flag in flagged if flag
                     and item.component not in kept[layer.index] for name in item.names)
    return NameKeeps(read=read, kept=kept, alone=tuple(alone))
