"""vLLM's refusal of a checkpoint whose exclusion list keeps some, not all, of the shards of a
layer vLLM builds merged (q_proj / k_proj / v_proj as qkv_proj, gate_proj / up_proj as
gate_up_proj, Gated DeltaNet's projections): the quantization method's get_quant_method raises
ValueError while the model is built, on every layout (fused_shard_errors).

NOTE: read in the wheels 0.9.1, 0.10.0-0.10.2, 0.11.0, 0.17.0, 0.18.0, 0.19.0, 0.20.0-0.34.0
(quantization/utils/quant_utils.py is_layer_skipped; each method's get_quant_method;
compressed_tensors/utils.py should_ignore_layer, from 0.30.0 utils/config_utils.py
find_matching_patterns; the model classes' packed_modules_mapping, QuantizationConfig.
packed_modules_mapping in base_config.py). For a layer whose last name is a key of the model
class's packed_modules_mapping, vLLM looks each shard's name up in the list (the layer's name
with the key replaced by the shard's) and raises where some are listed and some are not:
is_layer_skipped "Detected some but not all shards of P are quantized. All shards of fused
layers to have the same precision."; should_ignore_layer "Found a different quantization
schemes for [shards] in P. vLLM requires all to use the same scheme." (0.9.1-0.29.0), "Found
different quantization schemes for the shards of P. vLLM requires all to use the same scheme."
(0.30.0-0.34.0). vLLM issue #25378 is the first: Qwen3-Next-80B-A3B-Instruct-FP8's
modules_to_not_convert lists in_proj_ba but not in_proj_qkvz, which the 0.10.2 wheel merges
into one in_proj."""

import re
from typing import Literal, NamedTuple

from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LayerSpec,
    LinearAttentionMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.vllm_versions import Version, version_label

Match = Literal["exact", "substring", "regex"]


class _Method(NamedTuple):
    """How one quantization method reads its exclusion list: `match` (is_layer_skipped's exact
    name or substring; compressed-tensors' exact name or "re:" regex, re.match), from `first`
    (the release whose get_quant_method first passes the model's packed_modules_mapping)."""

    match: Match
    first: Version


FUSED_SHARD_METHODS = {
    "fp8": _Method("exact", (0, 9, 1)),
    "fbgemm_fp8": _Method("exact", (0, 9, 1)),
    "modelopt": _Method("exact", (0, 10, 2)),
    "awq": _Method("substring", (0, 11, 1)),
    "awq_marlin": _Method("substring", (0, 11, 1)),
    "compressed-tensors": _Method("regex", (0, 9, 1)),
    "quark": _Method("regex", (0, 9, 1)),
}
"""The methods Headroom reads an exclusion list for whose get_quant_method checks a merged
layer's shards alike. The list is the one each release reads (QuantSpec.release_exclusions:
the key per method and release is config.quant.EXCLUSION_KEYS' and MODELOPT_KEYS_BEFORE's).

NOTE: Fp8Config calls is_layer_skipped(prefix, ignored_layers, packed_modules_mapping) for
every LinearBase in every wheel (exact names: `match_mode` "exact" in 0.34.0), with the list it
reads (ignored_layers; from 0.10.1 else modules_to_not_convert). FBGEMMFp8Config: the same
call, every wheel. ModelOpt (ModelOptFp8Config, ModelOptNvFp4Config; from 0.17.0
ModelOptQuantConfigBase.is_layer_excluded, which ModelOptMixedPrecisionConfig shares): the same
exact call with packed_modules_mapping from the 0.10.2 wheel, ahead of its substring and
fnmatch matching (0.9.1-0.10.1 pass no mapping). AWQConfig and AWQMarlinConfig (AutoAWQConfig
from 0.24.0): is_layer_skipped with the mapping and substring matching (skip_with_substr=True;
match_mode "substring" in 0.34.0) from the 0.11.1 wheel, is_layer_skipped_awq (no shard check)
before. CompressedTensorsConfig.get_quant_method: should_ignore_layer(prefix, ignore,
packed_modules_mapping) in every wheel, its names exact or "re:" regexes (re.match).
QuarkConfig (quark.py, 0.9.1, 0.19.0 and 0.34.0 wheels) asks quark/utils.py
should_ignore_layer(prefix, exclude, packed_modules_mapping) of each layer, whose text (read in
every wheel) is compressed-tensors' rule and words but for its merged name (CT_PATTERN_FROM).
Each method maps its list with the model's hf_to_vllm_mapper (apply_vllm_mapper) in the
wheels that check a merged layer's shards (Quark's from 0.14.0, before any merged layer of
WRAPPED_ROOT's). The others, read in the same wheels, check no shards:
- GPTQ `dynamic`: gptq_utils.get_dynamic_override is asked for the merged prefix only
  (config.quant.gptq_dynamic plans that: a rule naming q_proj alone matches no layer);
- INC / AutoRound extra_config: INCConfig raises "Fused module ... requires consistent quant
  config" itself (refused by config.quant._inc_overrides and startup.autoround);
- MXFP4: Mxfp4Config reads no list;
- bitsandbytes llm_int8_skip_modules (is_layer_skipped_bnb: an entry equal to one of the
  prefix's dot-separated parts, or to a leading run of them) and TorchAO modules_to_not_convert
  (torchao.py should_skip: the prefix itself, or ".entry." inside ".prefix."): a shard's name
  never matches the merged layer's, so vLLM quantizes the merged layer whole where the list
  names its shards (docs/known-limits.md: Headroom keeps the component 16-bit)."""

FUSED_NAME_FIRST_FROM: Version = (0, 24, 0)
"""NOTE: from the 0.24.0 wheel is_layer_skipped takes a merged layer whose own name the list
matches as skipped before it looks at the shards ("Some checkpoints (e.g. block-FP8
Step-3.5-Flash) already list the fused name"); the 0.9.1-0.23.0 wheels look at the shards
only."""

CT_PATTERN_FROM: Version = (0, 30, 0)
"""NOTE: compressed-tensors' should_ignore_layer skips the shard check where the list holds
the merged layer's own name (`layer_name not in ignore`, exact) in the 0.9.1-0.29.0 wheels;
from 0.30.0 (find_matching_patterns) where any entry matches it, a regex included, and its
ValueError has other words (module NOTE). Quark's (quark/utils.py) has no such guard in the
0.9.1-0.29.0 wheels, so it looks at the shards whatever the list says; from 0.30.0 it calls
find_matching_patterns too, with the same words."""


class _Merged(NamedTuple):
    """One merged layer of a decoder layer: its module path in the layer (`block`), its name
    (the packed_modules_mapping key), its shards, the releases whose model class maps it
    [first, until)."""

    block: str
    fused: str
    shards: tuple[str, ...]
    first: Version = (0, 9, 1)
    until: Version | None = None


_QKV = _Merged("self_attn", "qkv_proj", ("q_proj", "k_proj", "v_proj"))
_GATE_UP = _Merged("mlp", "gate_up_proj", ("gate_proj", "up_proj"))
_SHARED_GATE_UP = _Merged("mlp.shared_expert", "gate_up_proj", ("gate_proj", "up_proj"),
                          first=(0, 11, 0))
_QWEN3_5 = (_QKV._replace(first=(0, 17, 0)), _GATE_UP._replace(first=(0, 17, 0)),
            _SHARED_GATE_UP._replace(first=(0, 17, 0)),
            _Merged("linear_attn", "in_proj_qkvz", ("in_proj_qkv", "in_proj_z"), (0, 17, 0)),
            _Merged("linear_attn", "in_proj_ba", ("in_proj_b", "in_proj_a"), (0, 17, 0)))

MERGED_LAYERS: dict[str, tuple[_Merged, ...]] = {
    "llama": (_QKV, _GATE_UP),
    "qwen2": (_QKV, _GATE_UP),
    "qwen3": (_QKV, _GATE_UP),
    "qwen3_moe": (_QKV, _GATE_UP._replace(until=(0, 11, 1))),
    "qwen3_next": (_QKV._replace(first=(0, 10, 2)), _GATE_UP._replace(first=(0, 11, 0)),
                   _SHARED_GATE_UP,
                   _Merged("linear_attn", "in_proj", ("in_proj_qkvz", "in_proj_ba"),
                           (0, 10, 2), (0, 11, 0))),
    "qwen3_5": _QWEN3_5,
    "qwen3_5_moe": _QWEN3_5,
}
"""The merged layers whose shards vLLM checks, by model_type, as each release's model class
maps them (packed_modules_mapping) and names them (prefix=f"{prefix}.qkv_proj", ...).

NOTE: llama.py, qwen2.py (Qwen3's MLP is Qwen2MLP), qwen3.py: qkv_proj and gate_up_proj in
every wheel 0.9.1-0.34.0. qwen3_moe.py: gate_up_proj (Qwen3MoeMLP, dense layers) mapped in the
0.9.1-0.11.0 wheels only. qwen3_next.py: "in_proj": ["in_proj_qkvz", "in_proj_ba"] in the
0.10.2 wheel (one MergedColumnParallelLinear in_proj), none in 0.11.0-0.16.0 (two layers),
identity entries from 0.17.0 ("in_proj_qkvz": ["in_proj_qkvz"], "in_proj_ba": ["in_proj_ba"]:
one shard each, nothing to disagree); its MLPs (dense and shared expert) are qwen2_moe.py's
Qwen2MoeMLP, whose gate_up_proj has no prefix in the 0.10.2 wheel (its name "": no shard
check) and f"{prefix}.gate_up_proj" from 0.11.0 (0.11.0, 0.11.1 and 0.34.0 wheels); Qwen3.5's
too. qwen3_5.py (0.17.0-0.34.0): Qwen3_5ForCausalLMBase's and
Qwen3_5ForConditionalGeneration's mapping adds "in_proj_qkvz": ["in_proj_qkv", "in_proj_z"]
and "in_proj_ba": ["in_proj_b", "in_proj_a"] to qkv_proj and gate_up_proj (with LoRA on,
in_proj_qkv and in_proj_z are layers of their own: not modelled)."""

WRAPPED_ROOT = ("model.language_model.", "language_model.model.")
"""Where a Qwen3.5 ...ForConditionalGeneration checkpoint names its decoder layers, and the
name vLLM builds them under: Qwen3VLForConditionalGeneration.hf_to_vllm_mapper's
orig_to_new_prefix (qwen3_vl.py, 0.17.0, 0.19.0 and 0.34.0 wheels), which each method applies
to its list (apply_vllm_mapper). A ...ForCausalLM class builds "model.layers.N"."""


def _blocks(layer: LayerSpec) -> set[str]:
    """The module paths of `layer` that MERGED_LAYERS' entries name."""
    blocks = set()
    if isinstance(layer.mixer, AttentionMixer):
        blocks.add("self_attn")
    if isinstance(layer.mixer, LinearAttentionMixer):
        blocks.add("linear_attn")
    if isinstance(layer.mlp, DenseMlp) and layer.mlp.gated:
        blocks.add("mlp")
    if isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts:
        blocks.add("mlp.shared_expert")
    return blocks


def _matches(name: str, entry: str, match: Match) -> bool:
    """Whether one list entry names the layer `name` (_Method.match)."""
    if match == "substring":
        return entry in name
    if match == "regex" and entry.startswith("re:"):
        return re.match(entry[3:], name) is not None
    return entry == name


def _listed(name: str, entries: tuple[str, ...], match: Match) -> bool:
    return any(_matches(name, entry, match) for entry in entries)


def _words(prefix: str, merged: _Merged, method: str, version: Version) -> str:
    """vLLM's ValueError for the merged layer `prefix` (module NOTE)."""
    if method not in ("compressed-tensors", "quark"):
        return (f"Detected some but not all shards of {prefix} are quantized. All shards of "
                "fused layers to have the same precision.")
    if version >= CT_PATTERN_FROM:
        return (f"Found different quantization schemes for the shards of {prefix}. vLLM "
                "requires all to use the same scheme.")
    return (f"Found a different quantization schemes for {list(merged.shards)} in {prefix}. "
            "vLLM requires all to use the same scheme.")


def _checked(prefix: str, entries: tuple[str, ...], method: str, match: Match,
             version: Version) -> bool:
    """Whether vLLM looks at the shards of the merged layer `prefix` (the list does not name
    the layer itself: FUSED_NAME_FIRST_FROM, CT_PATTERN_FROM)."""
    if method == "quark" and version < CT_PATTERN_FROM:
        return True
    if method in ("compressed-tensors", "quark"):
        return not (_listed(prefix, entries, match) if version >= CT_PATTERN_FROM
                    else prefix in entries)
    return version < FUSED_NAME_FIRST_FROM or not _listed(prefix, entries, match)


def fused_shard_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM `version`'s refusal of a checkpoint as stored whose exclusion list names some but
    not all shards of a merged layer (FUSED_SHARD_METHODS, MERGED_LAYERS), at its first such
    layer ([] where none, for a what-if, or a model or method not read). E.g. a Qwen3-Next
    FP8 checkpoint keeping model.layers.0.linear_attn.in_proj_ba and not in_proj_qkvz: vLLM
    0.10.2 builds the two as one in_proj and raises; 0.11.0 builds two layers and loads it. An
    FP8 list under "ignore" is read by no release: nothing to check."""
    quant = spec.quant
    method = FUSED_SHARD_METHODS.get(quant.method) if quant is not None else None
    merged_layers = MERGED_LAYERS.get(spec.model_type, ())
    if method is None or not merged_layers or version < method.first \
            or not stored_format(spec, scheme):
        return []
    key, entries = quant.release_exclusions(version)
    if not entries:
        return []
    root = "model."
    if spec.model_type.startswith("qwen3_5") \
            and any(arch.endswith("ForConditionalGeneration") for arch in spec.architectures):
        named, root = WRAPPED_ROOT
        entries = tuple(root + entry.removeprefix(named) if entry.startswith(named) else entry
                        for entry in entries)
    live = [m for m in merged_layers
            if m.first <= version and (m.until is None or version < m.until)]
    for layer in spec.layers:
        blocks = _blocks(layer)
        for merged in (m for m in live if m.block in blocks):
            prefix = f"{root}layers.{layer.index}.{merged.block}.{merged.fused}"
            if not _checked(prefix, entries, quant.method, method.match, version):
                continue
            listed = {shard: _listed(prefix.replace(merged.fused, shard), entries, method.match)
                      for shard in merged.shards}
            if len(set(listed.values())) < 2:
                continue
            kept = [shard for shard, keep in listed.items() if keep]
            left = [shard for shard, keep in listed.items() if not keep]
            later = f"; vLLM {version_label(merged.until)} and later do not check them" \
                if merged.until else ""
            words = _words(prefix, merged, quant.method, version).rstrip(".")
            return [f"vLLM {version_label(version)} stops building the model: {words} (the "
                    f"checkpoint's {key} keeps {' / '.join(kept)} 16-bit and not "
                    f"{' / '.join(left)}, which vLLM merges into {merged.fused}; on every "
                    f"layout){later}."]
    return []
