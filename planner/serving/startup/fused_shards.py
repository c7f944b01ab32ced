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

from typing import Literal, NamedTuple

from planner.model.exclusion_match import ct_entry_matches, maps_names
from planner.model.layer_names import WRAPPED, WRAPPED_ROOT, vllm_wrapped
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LayerSpec,
    LinearAttentionMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.mlp_activation import TEXT_NAMED, text_classes
from planner.serving.vllm_versions import Version, in_span, version_label

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
Each method but FBGEMM's maps its list with the model's hf_to_vllm_mapper (apply_vllm_mapper)
in the wheels that check a merged layer the mapper renames (exclusion_match.MAPPER_FIRST). The
others, read in the same wheels, check no shards:
- GPTQ `dynamic`: gptq_utils.get_dynamic_override is asked for the merged prefix only
  (config.quant.gptq_dynamic plans that: a rule naming q_proj alone matches no layer);
- INC / AutoRound extra_config: INCConfig raises "Fused module ... requires consistent quant
  config" itself (refused by config.quant._inc_overrides and startup.autoround);
- MXFP4: Mxfp4Config reads no list;
- bitsandbytes llm_int8_skip_modules (is_layer_skipped_bnb: an entry equal to one of the
  prefix's dot-separated parts, or to a leading run of them) and TorchAO modules_to_not_convert
  (torchao.py should_skip: the prefix itself, or ".entry." inside ".prefix."): a shard's name
  never matches the merged layer's, so vLLM quantizes the merged layer whole where the list
  names its shards (planned so: exclusion_match.LIST_MATCH "parts" and "dotted")."""

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


SHOULD_IGNORE_METHODS = ("compressed-tensors", "quark")
"""The methods whose should_ignore_layer (compressed-tensors', Quark's quark/utils.py: module
NOTE) checks the shards, with its own words and its guard for a listed merged name
(CT_PATTERN_FROM); the others' is_layer_skipped has FUSED_NAME_FIRST_FROM's."""


Part = Literal["attention", "own_kv", "mla", "linear", "mlp", "shared"]
"""The part of a decoder layer a merged layer belongs to: "attention" (AttentionMixer), "own_kv"
(an AttentionMixer computing its own K and V: no kv_source), "mla" (an MlaMixer with
q_lora_rank), "linear" (Gated DeltaNet), "mlp" (a gated DenseMlp), "shared" (a MoeMlp's shared
experts; Gemma 4's dense MLP beside its experts)."""


class _Merged(NamedTuple):
    """One merged layer of a decoder layer: the `part` it belongs to, its module path in the
    layer (`block`), its name (the packed_modules_mapping key), its shards, the releases whose
    model class maps it and names it (prefix=f"{prefix}.qkv_proj") [first, until), and
    `unmapped_after`: whether the releases from `until` on are known to check it no more (the
    mapping is gone: the refusal says so), not where Headroom only stops reading it (gemma and
    phi, built with the Transformers backend; Qwen2-MoE's dense gate_up_proj, mapped in
    __init__ on a condition the spec does not tell)."""

    part: Part
    block: str
    fused: str
    shards: tuple[str, ...]
    first: Version = (0, 9, 1)
    until: Version | None = None
    unmapped_after: bool = True


def _since(first: Version, *merged: _Merged) -> tuple[_Merged, ...]:
    """`merged`, each mapped from release `first`."""
    return tuple(m._replace(first=first) for m in merged)


def _native(until: Version, *merged: _Merged) -> tuple[_Merged, ...]:
    """`merged`, built by the model's own class up to release `until`, from which vLLM builds
    the model with the Transformers backend (its fusers not read: not checked there)."""
    return tuple(m._replace(until=until, unmapped_after=False) for m in merged)


_QKV = _Merged("attention", "self_attn", "qkv_proj", ("q_proj", "k_proj", "v_proj"))
_GATE_UP = _Merged("mlp", "mlp", "gate_up_proj", ("gate_proj", "up_proj"))
_SHARED_GATE_UP = _GATE_UP._replace(part="shared", block="mlp.shared_expert", first=(0, 11, 0))
_LLAMA = (_QKV, _GATE_UP)
_LLAMA4_FEED_FORWARD = (_GATE_UP._replace(block="feed_forward"),
                        _GATE_UP._replace(part="shared", block="feed_forward.shared_expert"))
_QWEN3_5 = (*_since((0, 17, 0), _QKV, _GATE_UP, _SHARED_GATE_UP),
            _Merged("linear", "linear_attn", "in_proj_qkvz", ("in_proj_qkv", "in_proj_z"),
                    (0, 17, 0)),
            _Merged("linear", "linear_attn", "in_proj_ba", ("in_proj_b", "in_proj_a"), (0, 17, 0)))
_GEMMA4 = (_QKV._replace(first=(0, 19, 0), until=(0, 30, 0), unmapped_after=False),
           _QKV._replace(part="own_kv", first=(0, 30, 0)),
           *_since((0, 19, 0), _GATE_UP, _GATE_UP._replace(part="shared")))
_DEEPSEEK_V4 = _since((0, 29, 0),
                      _Merged("attention", "attn", "fused_wqa_wkv", ("wq_a", "wkv")),
                      _Merged("shared", "ffn.shared_experts", "gate_up_proj", ("w1", "w3")))
_HUNYUAN = _native((0, 29, 0), *_since((0, 10, 0), *_LLAMA),
                   _GATE_UP._replace(part="shared", block="mlp.shared_mlp", first=(0, 14, 0)))
_DEEPSEEK = _since((0, 10, 1),
                   _Merged("mla", "self_attn", "fused_qkv_a_proj",
                           ("q_a_proj", "kv_a_proj_with_mqa")),
                   _GATE_UP, _SHARED_GATE_UP._replace(block="mlp.shared_experts"))

MERGED_LAYERS: dict[str, tuple[_Merged, ...]] = {
    **dict.fromkeys(("llama", "mistral", "granite", "nemotron-nas", "qwen2", "qwen3", "mimo",
                     "gemma3", "gemma3_text"), _LLAMA),
    "llama4": (_QKV, *_since((0, 10, 0), *_LLAMA4_FEED_FORWARD)),
    "llama4_text": (_QKV, *_LLAMA4_FEED_FORWARD),
    "qwen3_vl": _since((0, 11, 0), *_LLAMA),
    "qwen3_vl_moe": _since((0, 11, 0), _QKV),
    "gemma": _native((0, 34, 0), *_LLAMA),
    "gemma2": _since((0, 11, 1), *_LLAMA),
    "phi": _native((0, 32, 0), _QKV._replace(first=(0, 11, 1))),
    "mixtral": (_QKV,),
    "minimax_m2": _since((0, 15, 0), _QKV),
    "gpt_oss": (_QKV._replace(block="attn", first=(0, 11, 1)),),
    "mimo_v2_flash": _since((0, 21, 0), *_LLAMA),
    "qwen2_moe": (*_since((0, 11, 0), _QKV, _SHARED_GATE_UP),
                  _GATE_UP._replace(first=(0, 11, 0), until=(0, 11, 1), unmapped_after=False)),
    "qwen3_moe": (_QKV, _GATE_UP._replace(until=(0, 11, 1))),
    "qwen3_next": (_QKV._replace(first=(0, 10, 2)), _GATE_UP._replace(first=(0, 11, 0)),
                   _SHARED_GATE_UP,
                   _Merged("linear", "linear_attn", "in_proj", ("in_proj_qkvz", "in_proj_ba"),
                           (0, 10, 2), (0, 11, 0))),
    "qwen3_5": _QWEN3_5,
    "qwen3_5_moe": _QWEN3_5,
    **dict.fromkeys(("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "glm_moe_dsa"),
                    _DEEPSEEK),
    "gemma4": _GEMMA4,
    "gemma4_text": _GEMMA4,
    "nemotron_h": (_QKV._replace(block="mixer"),),
    "llava": _LLAMA,
    "llava_next": _since((0, 25, 0), *_LLAMA),
    "mistral3": _LLAMA,
    "olmo2": _native((0, 26, 0), *_since((0, 10, 2), *_LLAMA)),
    "olmo3": _native((0, 29, 0), *_since((0, 11, 0), *_LLAMA)),
    "olmoe": _native((0, 34, 0), _QKV._replace(first=(0, 11, 1))),
    "granitemoe": (_QKV,),
    "granitemoeshared": (_QKV,),
    "granitemoehybrid": (_QKV._replace(first=(0, 9, 2)),),
    "ernie4_5_moe": _since((0, 9, 2), *_LLAMA,
                           _GATE_UP._replace(part="shared", block="mlp.shared_experts")),
    **dict.fromkeys(("hunyuan_v1_moe", "hunyuan_v1_dense", "hunyuan"), _HUNYUAN),
    "deepseek_v4": _DEEPSEEK_V4,
    **dict.fromkeys(("kimi_k25", "kimi_vl", "arctic", "starcoder2", "phi3"), ()),
}
"""The merged layers whose shards vLLM checks, by model_type, as each release's model class
maps them (packed_modules_mapping) and names them (prefix=f"{prefix}.qkv_proj", ...). Where
the mapping is written into the class's dict in __init__ (DeepSeek's fused_qkv_a_proj,
Qwen2-MoE's gate_up_proj), the quantization config sees it: vLLM passes the class's dict by
reference before the model is built (model_loader/utils.py configure_quant_config).

NOTE (llama.py and the others read in every wheel 0.9.1-0.34.0 but where said; a family
missing here is not checked, docs/known-limits.md says which):
- llama.py, qwen2.py (Qwen3's MLP is Qwen2MLP), qwen3.py, granite.py, nemotron_nas.py
  (DeciLMForCausalLM; its attention and MLP are LlamaAttention's and LlamaMLP's): qkv_proj and
  gate_up_proj in every wheel. mistral: LlamaForCausalLM to 0.14.x, from 0.15.0 mistral.py
  MistralForCausalLM(LlamaForCausalLM), the mapping inherited; mimo.py MiMoForCausalLM
  (Qwen2ForCausalLM) inherits Qwen2's.
- gemma3.py (Gemma3ForCausalLM) and gemma3_mm.py (Gemma3ForConditionalGeneration): qkv_proj
  and gate_up_proj in every wheel (WRAPPED). mllama4.py Llama4ForConditionalGeneration:
  qkv_proj in every wheel, gate_up_proj from 0.10.0; llama4.py Llama4ForCausalLM both in every
  wheel; the layer's MLP is feed_forward (LlamaMLP), an MoE layer's shared expert
  feed_forward.shared_expert (LlamaMLP). qwen3_vl.py Qwen3VLForConditionalGeneration (from
  0.11.0): qkv_proj and gate_up_proj; Qwen3VLMoeForConditionalGeneration inherits them in the
  0.11.0 wheel and maps qkv_proj alone from 0.11.1 (its MoE layers have no dense MLP).
- gemma.py: qkv_proj and gate_up_proj to 0.33.x; 0.34.0's registry builds GemmaForCausalLM
  with the Transformers backend, phi.py's PhiForCausalLM from 0.32.0 (its fusers, which merge
  layers as they see fit, not read: not checked there). gemma2.py: the same mapping in every
  wheel, but its qkv_proj and gate_up_proj have no prefix before 0.11.1 (their name "": no
  shard check). phi.py: "qkv_proj": [q_proj, k_proj, v_proj], the layer named from 0.11.1;
  its MLP is fc1 / fc2.
- mixtral.py: qkv_proj only (the experts are one FusedMoE). minimax_m2.py (from 0.11.1):
  qkv_proj mapped from 0.15.0. mimo_v2.py (MiMoV2FlashForCausalLM from 0.21.0; the 0.14.0-0.20.0
  mimo_v2_flash.py maps none): qkv_proj and gate_up_proj.
- gpt_oss.py: "qkv": [q_proj, k_proj, v_proj] in the 0.10.2 and 0.11.0 wheels (a key no layer
  is named by: the layer is "qkv_proj"), "qkv_proj" from 0.11.1; the layer is
  model.layers.N.attn.qkv_proj, and its hf_to_vllm_mapper's orig_to_new_substr ".self_attn." ->
  ".attn." (every wheel 0.10.2-0.34.0) renames the list's entries (RENAMED).
- qwen2_moe.py: qkv_proj and gate_up_proj mapped from 0.10.0, the layers named from 0.11.0;
  from 0.11.1 gate_up_proj is mapped in __init__ only where config.mlp_only_layers or
  shared_expert_intermediate_size (which the spec does not say apart): the dense MLP's is
  checked on 0.11.0 only, the shared expert's from 0.11.0.
- qwen3_moe.py: gate_up_proj (Qwen3MoeMLP, dense layers) mapped in the 0.9.1-0.11.0 wheels only.
- qwen3_next.py: "in_proj": ["in_proj_qkvz", "in_proj_ba"] in the 0.10.2 wheel (one
  MergedColumnParallelLinear in_proj), none in 0.11.0-0.16.0 (two layers), identity entries
  from 0.17.0 ("in_proj_qkvz": ["in_proj_qkvz"], "in_proj_ba": ["in_proj_ba"]: one shard each,
  nothing to disagree); its MLPs (dense and shared expert) are qwen2_moe.py's Qwen2MoeMLP,
  whose gate_up_proj has no prefix in the 0.10.2 wheel and f"{prefix}.gate_up_proj" from
  0.11.0; Qwen3.5's too. qwen3_5.py (0.17.0-0.34.0): Qwen3_5ForCausalLMBase's and
  Qwen3_5ForConditionalGeneration's mapping adds "in_proj_qkvz": ["in_proj_qkv", "in_proj_z"]
  and "in_proj_ba": ["in_proj_b", "in_proj_a"] to qkv_proj and gate_up_proj (with LoRA on,
  in_proj_qkv and in_proj_z are layers of their own: not modelled).
- deepseek_v2.py DeepseekV2ForCausalLM (DeepseekV3ForCausalLM, Kimi-K2's, and to 0.28.x
  DeepSeek-V3.2's and GlmMoeDsaForCausalLM subclass it): no mapping in the 0.9.1-0.10.0 wheels;
  from 0.10.1 "gate_up_proj" (the dense MLP and mlp.shared_experts, DeepseekV2MLP) and, where
  q_lora_rank is set, "fused_qkv_a_proj": ["q_a_proj", "kv_a_proj_with_mqa"] (the MLA layer's
  self_attn.fused_qkv_a_proj); its "qkv_proj" (from 0.11.1) is DeepSeek-V1's plain attention,
  which Headroom does not plan. vllm/models/deepseek_v32 (DeepSeek-V3.2 and GlmMoeDsa from
  0.29.0; 0.29.0, 0.30.0, 0.32.0-0.34.0 wheels): DeepseekV32ForCausalLM(DeepseekV2ForCausalLM)
  calls its __init__, the same names (self_attn.fused_qkv_a_proj, DeepseekV2MLP / MoE).
- gemma4.py Gemma4ForCausalLM and gemma4_mm.py Gemma4ForConditionalGeneration (0.19.0-0.34.0,
  every wheel): qkv_proj and gate_up_proj. Each decoder layer's mlp (Gemma4MLP,
  f"{prefix}.mlp.gate_up_proj") is built beside the experts of an MoE layer too (the spec's
  shared expert). Up to 0.29.x every layer builds qkv_proj; from 0.30.0 a KV-shared layer
  (num_kv_shared_layers: the spec's kv_source) builds q_proj alone, no merged layer. An
  attention_k_eq_v full-attention layer keeps qkv_proj = [q_proj, k_proj, v_proj] though its
  checkpoint ships no v_proj (its K loaded into both slots): a list keeping its q_proj and
  k_proj leaves v_proj unlisted, and is_layer_skipped / should_ignore_layer raise.
- nemotron_h.py NemotronHForCausalLM: qkv_proj in every wheel 0.9.1-0.34.0, the attention
  block's model.layers.N.mixer.qkv_proj (the checkpoint's backbone.layers.N: RENAMED); its
  MLPs and shared experts are up_proj / down_proj, none merged.
- llava.py LlavaForConditionalGeneration and mistral3.py Mistral3ForConditionalGeneration:
  qkv_proj and gate_up_proj in every wheel; llava_next.py LlavaNextForConditionalGeneration
  from 0.29.0 (none in 0.9.1-0.28.0). Their text model (language_model, built from
  text_config) names its layers language_model.model.layers.N.self_attn.qkv_proj /
  mlp.gate_up_proj (WRAPPED) where it is a TEXT_BUILT class. From 0.25.0 those classes
  (LlamaForCausalLM, MistralForCausalLM with it, GraniteForCausalLM, Qwen2ForCausalLM) are
  SupportsQuant, whose __new__ adds their own mapping to the quantization config's
  (interfaces.py _maybe_apply_model_mapping): LLaVA-NeXT's are checked from 0.25.0.
- olmo2.py Olmo2ForCausalLM: qkv_proj and gate_up_proj from 0.10.2 (none before), built by the
  Transformers backend from 0.26.0; Olmo3ForCausalLM is olmo2.py's class 0.11.0-0.25.x,
  olmo3.py's (the same mapping) 0.26.0-0.28.x, the Transformers backend's from 0.29.0.
  olmoe.py: qkv_proj mapped from 0.10.0, the layer named from 0.11.1 (no prefix before), the
  Transformers backend from 0.34.0; its gate_up_proj (0.10.0-0.11.0) names no layer.
- granitemoe.py GraniteMoeForCausalLM and granitemoeshared.py (GraniteMoeAttention): qkv_proj
  in every wheel (the shared MLP's input_linear is one layer); granitemoehybrid.py: qkv_proj
  of its attention layers (self_attn) from 0.9.2 (an empty mapping in 0.9.1); the identity
  entries it adds from 0.11.1 (conv1d, in_proj, input_linear) are one shard each.
- ernie45_moe.py (0.9.2-0.34.0): qkv_proj, gate_up_proj of the dense layers and of an MoE
  layer's mlp.shared_experts.
- hunyuan_v1.py (HunYuanDenseV1ForCausalLM and HunYuanMoEV1ForCausalLM, 0.10.0-0.28.x; the
  Transformers backend from 0.29.0; 0.9.2's hunyuan_v1_moe.py not read): qkv_proj and a dense
  layer's gate_up_proj; an MoE layer's shared_mlp is named mlp.shared_mlp from 0.14.0 (no
  prefix before). Cross-layer attention (use_cla: q_proj alone in its HunYuanCrossAttention
  layers) is not modelled (the parser flags it).
- DeepSeek-V4 (DeepseekV4ForCausalLM: deepseek_v4.py in the 0.20.0 and 0.21.0 wheels, from
  0.22.0 vllm/models/deepseek_v4, whose nvidia/model.py class the CUDA platform builds; read
  0.20.0, 0.21.0, 0.24.0, 0.25.0, 0.28.0-0.34.0, not 0.22.x, 0.23.0, 0.26.0, 0.27.0): no
  mapping up to 0.28.0 (amd/model.py's, ROCm only, from 0.28.0), from 0.29.0 "gate_up_proj":
  ["w1", "w3"] (ffn.shared_experts), "fused_wqa_wkv": ["wq_a", "wkv"] (every layer's
  attn.fused_wqa_wkv) and "fused_wkv_wgate": ["wkv", "wgate"] (attn.compressor and
  attn.indexer.compressor, built with quant_config=None: never asked). Its quantization config
  is DeepseekV4FP8Config (Fp8Config's list and is_layer_skipped; a Quark checkpoint's exclude
  is read as that list too, not by Quark's rule as here); its hf_to_vllm_mapper names the
  checkpoint's layers.N as model.layers.N (RENAMED).
- arctic.py (0.9.1-0.28.x) and starcoder2.py (0.9.1-0.24.x; the Transformers backend from
  0.25.0) map nothing; phi3.py maps "qkv_proj": ["qkv_proj"] and "gate_up_proj":
  ["gate_up_proj"] (its checkpoints store them merged): one shard each.
- kimi_k25.py KimiK25ForConditionalGeneration (0.15.0-0.34.0) and kimi_vl.py
  KimiVLForConditionalGeneration (0.9.1-0.34.0): no packed_modules_mapping of their own. Their
  language model is a DeepseekV2Model (Kimi-VL to 0.14.x, Kimi-K2.5 in 0.15.x), then a
  DeepseekV2ForCausalLM (not SupportsQuant in any wheel), which writes fused_qkv_a_proj into
  its class's dict, one no quantization config holds: KimiK25 is SupportsQuant from 0.16.0
  with no mapping to add, and neither class is passed by configure_quant_config with one. The
  config's mapping stays empty (base_config.py): no shard is checked, on any release."""

class _Rename(NamedTuple):
    """One rename of a model class's hf_to_vllm_mapper: the checkpoint's text, vLLM's, the
    release from which the class has it, and whether it renames a leading `checkpoint` only
    (orig_to_new_prefix) or its first occurrence anywhere (orig_to_new_substr)."""

    checkpoint: str
    vllm: str
    first: Version
    prefix: bool


TEXT_TABLE = ("paligemma",)
"""Wrappers whose merged layers are their text model's, as MERGED_LAYERS has them for
text_config.model_type.

NOTE: paligemma.py PaliGemmaForConditionalGeneration maps qkv_proj and gate_up_proj in every
wheel 0.9.1-0.34.0 and builds its text model as GemmaForCausalLM where text_config.model_type
is "gemma", else Gemma2ForCausalLM (it sets text_config.architectures so), whose layers are
named as MERGED_LAYERS' "gemma" and "gemma2" say (Gemma 2's from 0.11.1; Gemma's built by the
Transformers backend from 0.34.0); its mapper renames model.language_model. from 0.9.2."""


RENAMED = {"gpt_oss": _Rename(".self_attn.", ".attn.", (0, 10, 2), prefix=False),
           "nemotron_h": _Rename("backbone", "model", (0, 10, 2), prefix=True),
           "gemma4_text": _Rename("model.language_model.", "model.", (0, 20, 0), prefix=True),
           "deepseek_v4": _Rename("layers.", "model.layers.", (0, 29, 0), prefix=True)}
"""A ...ForCausalLM class whose hf_to_vllm_mapper renames part of a layer's name, which each
method applies to its list (exclusion_match.maps_names).

NOTE: gpt_oss.py GptOssForCausalLM.hf_to_vllm_mapper, orig_to_new_substr ".self_attn." ->
".attn." in every wheel 0.10.2-0.34.0 (MERGED_LAYERS' NOTE). nemotron_h.py
NemotronHForCausalLM: orig_to_new_prefix "backbone" -> "model" from the 0.10.2 wheel (its
load_weights replaces the name itself in 0.9.1-0.10.1: a list's backbone. names match no
layer there); its orig_to_new_stacked (q_proj -> qkv_proj, from 0.26.0) is left out of what a
method applies (interfaces.py SupportsQuant: get_unstacked_mapper in 0.26.0-0.28.0,
get_rename_mapper from 0.29.0). gemma4.py Gemma4ForCausalLM: orig_to_new_prefix
"model.language_model." -> "model." from the 0.20.0 wheel (none in 0.19.0). DeepSeek-V4's
_make_deepseek_v4_weights_mapper: orig_to_new_prefix "layers." -> "model.layers." (0.24.0,
0.25.0, 0.28.0-0.34.0 wheels; from 0.29.0 here, where its layers are first checked)."""

TEXT_BUILT = ("LlamaForCausalLM", "MistralForCausalLM", "GraniteForCausalLM", "Qwen2ForCausalLM")
"""The text classes of a TEXT_NAMED wrapper (LLaVA, LLaVA-NeXT, Mistral 3: the class its
text_config resolves to, mlp_activation.text_classes) whose merged layers are read here:
self_attn.qkv_proj and mlp.gate_up_proj in every wheel (MERGED_LAYERS' NOTE), and each
SupportsQuant from 0.25.0. A wrapper around another class, or none, is not checked."""

def _vllm_names(spec: ModelSpec, entries: tuple[str, ...], method: str, version: Version
                ) -> tuple[str, tuple[str, ...]]:
    """Where vLLM `version` builds `spec`'s decoder layers, and the list as `method` reads it
    there (WRAPPED, RENAMED)."""
    root = "model."
    maps = maps_names(method, version)
    if vllm_wrapped(spec):
        named, root = WRAPPED_ROOT
        first = WRAPPED[spec.model_type]
        if maps and first is not None and version >= first:
            entries = tuple(root + entry.removeprefix(named) if entry.startswith(named)
                            else entry for entry in entries)
    rename = RENAMED.get(spec.model_type)
    if rename is not None and maps and version >= rename.first:
        entries = tuple(entry.replace(rename.checkpoint, rename.vllm, 1)
                        if not rename.prefix or entry.startswith(rename.checkpoint) else entry
                        for entry in entries)
    return root, entries


def _text_read(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version` builds a TEXT_NAMED wrapper's text model as a TEXT_BUILT class
    (True for a model that is no such wrapper)."""
    wrapper = next((arch for arch in spec.architectures if arch in TEXT_NAMED), None)
    if wrapper is None:
        return True
    names, _ = text_classes(spec, wrapper, version)
    return bool(names) and names[0] in TEXT_BUILT


def _parts(layer: LayerSpec) -> set[Part]:
    """The parts of `layer` that MERGED_LAYERS' entries name."""
    parts: set[Part] = set()
    if isinstance(layer.mixer, AttentionMixer):
        parts.add("attention")
        if layer.mixer.kv_source is None:
            parts.add("own_kv")
    if isinstance(layer.mixer, MlaMixer) and layer.mixer.q_lora_rank is not None:
        parts.add("mla")
    if isinstance(layer.mixer, LinearAttentionMixer):
        parts.add("linear")
    if isinstance(layer.mlp, DenseMlp) and layer.mlp.gated:
        parts.add("mlp")
    if isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts:
        parts.add("shared")
    return parts


def _matches(name: str, entry: str, match: Match) -> bool:
    """Whether one list entry names the layer `name` (_Method.match)."""
    if match == "substring":
        return entry in name
    if match == "regex":
        return ct_entry_matches(name, entry)
    return entry == name


def _listed(name: str, entries: tuple[str, ...], match: Match) -> bool:
    """Whether any of the list's `entries` names the layer `name` (_matches)."""
    return any(_matches(name, entry, match) for entry in entries)


def _words(prefix: str, merged: _Merged, method: str, version: Version) -> str:
    """vLLM's ValueError for the merged layer `prefix` (module NOTE)."""
    if method not in SHOULD_IGNORE_METHODS:
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
    if method in SHOULD_IGNORE_METHODS:
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
    table = spec.model_type
    if table in TEXT_TABLE:
        table = spec.window.text_model_type if spec.window is not None else ""
    merged_layers = MERGED_LAYERS.get(table, ())
    if method is None or not merged_layers or version < method.first \
            or not stored_format(spec, scheme) or not _text_read(spec, version):
        return []
    key, entries = quant.release_exclusions(version)
    if not entries:
        return []
    root, entries = _vllm_names(spec, entries, quant.method, version)
    live = [m for m in merged_layers if in_span(version, m.first, m.until)]
    for layer in spec.layers:
        parts = _parts(layer)
        for merged in (m for m in live if m.part in parts):
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
                if merged.until and merged.unmapped_after else ""
            words = _words(prefix, merged, quant.method, version).rstrip(".")
            return [f"vLLM {version_label(version)} stops building the model: {words} (the "
                    f"checkpoint's {key} keeps {' / '.join(kept)} 16-bit and not "
                    f"{' / '.join(left)}, which vLLM merges into {merged.fused}; on every "
                    f"layout){later}."]
    return []
