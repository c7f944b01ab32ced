"""vLLM's (and transformers') refusals of a model's config.json or architecture on a release,
whatever the weight format: a null field transformers 5 refuses, an untied Gemma whose model
asserts the tie, a Nemotron-H MoE before nemotron_h.py builds one, OLMo 3's rope_parameters on
olmo2.py under transformers 5, the Transformers backend's k_norm gather above the KV heads,
a head_dim of 0 before vLLM reads it as hidden_size / num_attention_heads, a head_dim that
vLLM's own attention class does not read, and a rope object mixing flat keys with
per-layer-type blocks.
Each rule's NOTE names the vLLM and transformers sources read."""

from planner.model.config.length import PER_LAYER_ROPE_TYPES
from planner.model.config.mamba import PLANNED_SSM_DTYPES
from planner.model.spec import (
    AttentionMixer,
    LinearAttentionMixer,
    MambaMixer,
    ModelSpec,
    WindowInputs,
)
from planner.serving.layout import first_moe
from planner.serving.tie import served_tie
from planner.serving.vllm_versions import (
    GEMMA3_ROPE_PER_LAYER_FROM,
    LATENT_MOE_FROM,
    NEMOTRON_H_MOE_FROM,
    OLMO3_MODEL_FROM,
    ROPE_PARAMETERS_WINDOW_FROM,
    TRANSFORMERS_5_ALLOWED_FROM,
    TRANSFORMERS_5_ONLY_FROM,
    Version,
    nemotron_ssm_architectures,
    qwen35_ssm_architectures,
    version_label,
)


def _pinned(version: Version, outcome: str = "loads the value as written") -> str:
    """What a release that also runs under transformers 4 does with transformers<5 pinned
    (TRANSFORMERS_5_ALLOWED_FROM up to TRANSFORMERS_5_ONLY_FROM), for a refusal under 5:
    `outcome`."""
    return (f" (vLLM {version_label(version)} runs transformers 5 in its image and a fresh pip "
            f"install; with transformers<5 pinned it {outcome})"
            if version < TRANSFORMERS_5_ONLY_FROM else "")


def null_field_errors(spec: ModelSpec, version: Version) -> list[str]:
    """transformers' refusal of a config.json field written out as null that its config class
    annotates without None (ModelSpec.refused_nulls), where vLLM `version` is planned under
    transformers 5 (TRANSFORMERS_5_ALLOWED_FROM: 0.19.1 on; required, 5.5.3 or later, from
    TRANSFORMERS_5_ONLY_FROM).

    NOTE: transformers 5.24.0 PreTrainedConfig is a @strict dataclass (huggingface_hub):
    Qwen3Config.from_dict({"head_dim": None}) raises StrictDataclassFieldValidationError
    ("Validation error for field 'head_dim': TypeError: Field 'head_dim' expected int, got
    NoneType (value: None)") when AutoConfig loads config.json, before vLLM builds anything."""
    if version < TRANSFORMERS_5_ALLOWED_FROM or not spec.refused_nulls:
        return []
    return [f"transformers 5 refuses config.json (StrictDataclassFieldValidationError): "
            f"{', '.join(spec.refused_nulls)} null where the class annotates the field without "
            f"None{_pinned(version, 'loads it, the null read as 0.19.0 reads it')}. Remove the "
            "null (the class default applies) or give the value."]


ZERO_HEAD_DIM_FALLBACK_FROM: Version = (0, 25, 0)
"""NOTE: ModelConfig.get_head_size (config/model.py through 0.16.0; transformers_utils/
model_arch_config_convertor.py ModelArchConfigConvertorBase.get_head_size from 0.17.0) returns
config.head_dim wherever it is not None ("Some configs may set head_dim=None") in the 0.9.1-
0.24.0 wheels, so a head_dim of 0 reads as 0, and from the 0.25.0 wheel only where it is above
0 ("Some config classes may set head_dim=None or materialize a missing head_dim as 0"), else
hidden_size // num_attention_heads (0.25.0, 0.29.0, 0.30.0, 0.34.0 wheels). The attention
backends' metadata builders take that figure (flash_attn.py FlashAttentionMetadataBuilder
`self.headdim = self.model_config.get_head_size()`, its ahead-of-time scheduler's headdim;
triton_attn.py, flex_attention.py, rocm_attn.py alike; 0.11.1 and 0.19.1 wheels)."""


def zero_head_dim_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM `version`'s head size of a head_dim of 0 (ModelSpec.zero_head_dim), 0 before
    ZERO_HEAD_DIM_FALLBACK_FROM (llama.py kept the 0 too before 0.15.0): not planned (what the
    metadata builders do with 0 is not read)."""
    if not spec.zero_head_dim or version >= ZERO_HEAD_DIM_FALLBACK_FROM:
        return []
    return [f"{spec.zero_head_dim} is 0: vLLM {version_label(version)}'s "
            "ModelConfig.get_head_size reads it as 0 (it falls back to hidden_size / "
            f"num_attention_heads from {version_label(ZERO_HEAD_DIM_FALLBACK_FROM)}), which "
            "the attention backends' metadata builders take (flash_attn.py "
            "FlashAttentionMetadataBuilder headdim): not planned; remove head_dim, or plan vLLM "
            f"{version_label(ZERO_HEAD_DIM_FALLBACK_FROM)} or later"]


def unread_head_dim_errors(spec: ModelSpec, version: Version,
                           transformers_backend: bool) -> list[str]:
    """The refusal of a config.json head_dim that vLLM `version`'s own attention class for the
    model_type does not read (ModelSpec.unread_head_dim): none where the release builds the
    model with its Transformers backend (weights.transformers_backend), which reads it.

    NOTE: qwen2.py, qwen2_moe.py, granitemoe.py, olmo2.py, olmo3.py, olmoe.py, starcoder2.py
    build `hidden_size // self.total_num_heads`-wide heads (families.HEAD_DIM_UNREAD_TYPES), and
    the KV cache spec takes that width (attention/layer.py Attention.get_kv_cache_spec
    `head_size=self.head_size`, 0.11.1; gpu_model_runner.py get_kv_cache_spec), while
    ModelConfig.get_head_size returns the head_dim given (what the attention backends'
    metadata builders take). transformers builds the checkpoint at head_dim (5.25.0
    modeling_qwen2.py Qwen2Attention `getattr(config, "head_dim", ...)`, the others alike), so
    its q/k/v/o projections are heads x head_dim wide; vLLM's QKVParallelLinear and
    RowParallelLinear weight_loader narrow each loaded shard to the layer's own width
    (layers/linear.py `loaded_weight.narrow(...)`, then `assert param_data.shape ==
    loaded_weight.shape`; 0.11.1 and 0.34.0 wheels): a wider head_dim loads cut (the first
    columns of each projection: not the model), a narrower one stops at load (narrow past the
    end). Read, not run."""
    if not spec.unread_head_dim or transformers_backend:
        return []
    return [f"{spec.unread_head_dim}: vLLM {version_label(version)}'s own {spec.model_type} "
            "attention reads no head_dim and builds hidden_size / num_attention_heads-wide "
            "heads (its KV cache too), while transformers builds the checkpoint's at head_dim, "
            "so vLLM's weight loader cuts its projections to that width or stops: not planned"]


def field_type_errors(spec: ModelSpec, version: Version) -> list[str]:
    """transformers' refusal of a config.json field whose value is not of the type its config
    class declares (ModelSpec.mistyped_fields), where vLLM `version` is planned under
    transformers 5 (TRANSFORMERS_5_ALLOWED_FROM: 0.19.1 on).

    NOTE: transformers 5.22.2 LlamaConfig.from_dict({"use_cache": "x"}) raises
    StrictDataclassFieldValidationError ("Validation error for field 'use_cache'"), as for
    `rms_norm_eps: 1`, `pretraining_tp: 1.0`, `attention_bias: 1` (planner.model.config.defaults
    .json_type_matches); transformers 4.57.6's PretrainedConfig (configuration_utils.py) checks
    no types, so releases under transformers 4 load the value as written."""
    if version < TRANSFORMERS_5_ALLOWED_FROM or not spec.mistyped_fields:
        return []
    return [f"transformers 5 refuses config.json (StrictDataclassFieldValidationError): "
            f"{'; '.join(spec.mistyped_fields)}{_pinned(version)}. Give a value of the declared "
            "type, or remove the field (the class default applies)."]


GEMMA_TIE_ASSERTED_LAST: dict[str, Version] = {
    "gemma": (0, 28, 0), "gemma2": (0, 28, 0), "gemma3_text": (0, 13, 0)}
"""NOTE: the last release whose vLLM model for a text model_type asserts
config.tie_word_embeddings ("# currently all existing Gemma models have `tie_word_embeddings`
enabled" / `assert config.tie_word_embeddings`): gemma.py GemmaForCausalLM and gemma2.py
Gemma2ForCausalLM in the 0.10.2-0.28.0 wheels (0.29.0-0.33.0: gemma.py ties `if
config.tie_word_embeddings`, 0.34.0 has no gemma.py and builds GemmaForCausalLM on the
Transformers backend; gemma2.py always ties its logits to embed_tokens:
GEMMA2_ALWAYS_TIED_FROM); gemma3.py Gemma3ForCausalLM in the 0.10.2-0.13.0 wheels (0.14.0 on:
`if config.tie_word_embeddings`). gemma4.py ties `if` from 0.19.0. Keyed on the text config's
model_type: a wrapper (gemma3_mm.py, paligemma.py) builds these from its text config, with the
tie that release reads (tie.served_tie)."""


def gemma_asserts_tie(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version`'s model for the text model asserts the tie
    (GEMMA_TIE_ASSERTED_LAST)."""
    text_type = spec.window.text_model_type if spec.window else spec.model_type
    last = GEMMA_TIE_ASSERTED_LAST.get(text_type)
    return last is not None and version <= last


def gemma_tie_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM's refusal of an untied Gemma (tie_word_embeddings false or null, which the parser
    reads untied, as vLLM `version` reads it: tie.served_tie) on a release whose model asserts
    the tie (GEMMA_TIE_ASSERTED_LAST); [] otherwise. E.g. a gemma3_text config.json with
    tie_word_embeddings null on 0.13.0."""
    if not gemma_asserts_tie(spec, version) or served_tie(spec, version):
        return []
    text_type = spec.window.text_model_type if spec.window else spec.model_type
    pinned = (" (vLLM copies the wrapper's onto the text model under transformers 5, which "
              "this release's image and a fresh pip install run; with transformers<5 pinned "
              "it builds text_config's true and starts)"
              if spec.text_tie_word_embeddings and version < TRANSFORMERS_5_ONLY_FROM else "")
    return [f"AssertionError: vLLM {version_label(version)} builds {text_type} only with "
            "tie_word_embeddings true (`assert config.tie_word_embeddings`: \"currently all "
            "existing Gemma models have `tie_word_embeddings` enabled\"); this config.json "
            f"gives it false or null{pinned}."]


def nemotron_h_moe_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM's failure to build a Nemotron-H MoE on a release whose nemotron_h.py has no MoE
    layer (before vllm_versions.NEMOTRON_H_MOE_FROM) or, for a latent MoE (moe_latent_size
    set), no latent projections (before LATENT_MOE_FROM); [] otherwise. E.g.
    Nemotron-3-Nano-30B-A3B on 0.11.0, Nemotron-3-Super-120B-A12B on 0.12.0."""
    moe = first_moe(spec)
    if spec.model_type != "nemotron_h" or moe is None:
        return []
    if version < NEMOTRON_H_MOE_FROM:
        return [f"KeyError: 'E' (vLLM {version_label(version)}'s nemotron_h.py builds the "
                "hybrid_override_pattern layers 'M', '-' and '*' only, not this model's 'E' "
                f"MoE layers; MoE layers from vLLM {version_label(NEMOTRON_H_MOE_FROM)})"]
    if not moe.latent_size or version >= LATENT_MOE_FROM:
        return []
    return [f"vLLM {version_label(version)}'s nemotron_h.py NemotronHMoE has no latent MoE: it "
            "reads no moe_latent_size, builds no fc1_latent_proj / fc2_latent_proj and sizes "
            f"the routed experts {spec.hidden_size:,} wide, not {moe.latent_size:,}, so this "
            "checkpoint's MoE tensors do not load (latent MoE from vLLM "
            f"{version_label(LATENT_MOE_FROM)})."]


def ssm_dtype_errors(spec: ModelSpec, given: str, version: Version) -> list[str]:
    """The refusal of a config SSM state dtype written as a string Headroom does not plan
    (MambaMixer.state_dtype_unplanned, LinearAttentionMixer.ssm_dtype_unplanned), where vLLM
    `version` takes it with --mamba-ssm-cache-dtype `given` auto: Nemotron-H's
    mamba_ssm_cache_dtype for vllm_versions.nemotron_ssm_architectures, Qwen3.5's
    mamba_ssm_dtype for qwen35_ssm_architectures. It was planned as if not written.

    NOTE: models/config.py NemotronHForCausalLMConfig / Qwen3_5ForConditionalGenerationConfig
    set cache_config.mamba_ssm_cache_dtype to the config's value where it is "auto" (CacheConfig
    validates no assignment), and mamba_utils.py _mamba_state_dtype looks it up in
    STR_DTYPE_TO_TORCH_DTYPE (`STR_DTYPE_TO_TORCH_DTYPE[mamba_ssm_cache_dtype]`, 0.17.0 and
    0.34.0 sources, 0.34.0 utils/torch_utils.py): a KeyError at start-up for a name the table
    lacks ('fp7'); a name it has other than those planned and their aliases
    (mamba.SSM_DTYPE_ALIASES: 'half', 'float') is not planned either ('fp8', 'auto' kept as
    auto)."""
    if given != "auto":
        return []
    qwen35 = qwen35_ssm_architectures(version).intersection(spec.architectures)
    nemotron = nemotron_ssm_architectures(version).intersection(spec.architectures)
    for layer in spec.layers:
        mixer = layer.mixer
        if isinstance(mixer, MambaMixer) and nemotron:
            written, reader = mixer.state_dtype_unplanned, "NemotronHForCausalLMConfig"
        elif isinstance(mixer, LinearAttentionMixer) and qwen35:
            written, reader = mixer.ssm_dtype_unplanned, "Qwen3_5ForConditionalGenerationConfig"
        else:
            continue
        if written is None:
            return []
        return [f"{written}: vLLM {version_label(version)} "
                f"takes it for the SSM state with --mamba-ssm-cache-dtype auto "
                f"(models/config.py {reader}) and looks it up in STR_DTYPE_TO_TORCH_DTYPE "
                "(mamba_utils.py _mamba_state_dtype; a KeyError at start-up for a name it "
                f"lacks); Headroom plans {', '.join(PLANNED_SSM_DTYPES)} there. Give "
                "--mamba-ssm-cache-dtype (a value given wins) or correct config.json."]
    return []


def olmo3_rope_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM's error building an OLMo 3 where olmo2.py builds it under transformers 5
    (TRANSFORMERS_5_ALLOWED_FROM up to vllm_versions.OLMO3_MODEL_FROM), at its first
    layer that fails: a sliding one reads rope_parameters["rope_theta"] (KeyError, unless
    config.json's rope_parameters is one flat block holding rope_theta, which transformers 5
    keeps at the top), a full one hands rope_parameters whole to get_rope (TypeError: the
    nested blocks are unhashable); [] elsewhere, or where every layer slides on a flat block.

    NOTE: transformers 5.24.0's Olmo3Config (convert_rope_params_to_dict) adds the
    sliding_attention / full_attention blocks to a flat rope_parameters too (built here from a
    flat block: {"rope_type", "rope_theta", "full_attention": {...}, "sliding_attention":
    {...}}); get_rope (rotary_embedding/__init__.py, 0.19.1-0.25.0 wheels) keys its cache on
    tuple(rope_parameters.items()), `if key in _ROPE_DICT` hashing each value. With
    transformers<5 pinned (0.19.1-0.23.x) patch_rope_parameters writes a flat block and it
    starts. E.g. an OLMo 3 config.json on 0.25.0."""
    if spec.model_type != "olmo3" or not TRANSFORMERS_5_ALLOWED_FROM <= version < OLMO3_MODEL_FROM:
        return []
    flat_theta = spec.window is not None and spec.window.rope_parameters_theta
    built = f"vLLM {version_label(version)} builds Olmo3ForCausalLM with olmo2.py, whose"
    nested = ("transformers 5's Olmo3Config nests rope_parameters by layer type, "
              "sliding_attention / full_attention")
    later = (f"vLLM {version_label(OLMO3_MODEL_FROM)} on build it with olmo3.py, which reads "
             f"the nested blocks{_pinned(version, 'starts')}.")
    for layer in spec.layers:
        if not isinstance(layer.mixer, AttentionMixer):
            continue
        if not layer.mixer.sliding_window:
            return [f"TypeError: unhashable type: 'dict' ({built} full-attention layers pass "
                    f"config.rope_parameters whole to get_rope, which hashes its items; {nested},"
                    f" blocks it holds even where config.json gives one flat block). {later}"]
        if not flat_theta:
            return [f"KeyError: 'rope_theta' ({built} sliding-window layers read "
                    f"config.rope_parameters[\"rope_theta\"]; {nested}, with no rope_theta at "
                    f"the top). {later}"]
    return []


ROPE_THETA_ONLY_UNTIL_0_12 = frozenset({
    "arctic", "baichuan", "chatglm", "dbrx", "falcon", "gemma", "gemma2", "gptj", "gpt_neox",
    "mixtral", "molmo", "olmo", "persimmon", "phi", "stablelm", "starcoder2",
})  # fmt: skip
"""Model types whose vLLM class passes get_rope no rope block before ROPE_PARAMETERS_WINDOW_FROM
(`base=rope_theta` only), so a mixed rope_scaling reaches no cache key there.

NOTE: every get_rope call of models/<type>.py passes neither rope_scaling nor a sixth
positional argument in each of the 0.9.1, 0.9.2, 0.10.0-0.10.2, 0.11.0-0.11.2 wheels (an
AST scan of each file); from the 0.12.0 wheel each passes rope_parameters. Files in that set in
some of those wheels only are left out (refused as the rest): granitemoe (0.9.1-0.9.2), olmo2
(0.9.1-0.10.2), minimax_text_01 (0.10.2-0.11.2)."""


def _reads_layer_blocks(text_model_type: str, version: Version) -> bool:
    """Whether vLLM `version`'s class for this text model hands each attention layer its layer
    type's rope block (length.PER_LAYER_ROPE_TYPES): Gemma 3 / 3n from
    GEMMA3_ROPE_PER_LAYER_FROM, OLMo 3 from OLMO3_MODEL_FROM (before it olmo2.py's
    Olmo2Attention gives its full-attention layers the object whole: `config.rope_scaling` in
    the 0.11.0 and 0.11.2 wheels, `config.rope_parameters` in 0.24.0), Gemma 4 in every release
    that builds it (gemma4.py, 0.19.1 on)."""
    if not text_model_type.startswith(PER_LAYER_ROPE_TYPES):
        return False
    if text_model_type.startswith("gemma3"):
        return version >= GEMMA3_ROPE_PER_LAYER_FROM
    return not text_model_type.startswith("olmo3") or version >= OLMO3_MODEL_FROM


def _unhashable_layers(spec: ModelSpec, w: WindowInputs, version: Version
                       ) -> tuple[tuple[str, ...], str]:
    """The layer types of a per-layer class (_reads_layer_blocks) whose layers vLLM `version`
    hands get_rope a block holding a block per layer type, and why; ((), "") where none.

    NOTE: the class picks the layer type's block where the object has one, else: gemma3.py a
    default block for a sliding layer and the object whole for a global one (0.12.0 wheel),
    gemma3n.py the object copied whole (0.12.0), olmo3.py `rope_parameters.get(attn_type,
    rope_parameters)` (0.26.0), gemma4.py `dict(config.rope_parameters.copy())` (0.34.0).
    Under transformers 4 (before TRANSFORMERS_5_ALLOWED_FROM) patch_rope_parameters makes
    rope_parameters the rope_scaling object as written (transformers_utils/config.py, 0.12.0).
    Under transformers 5 Gemma3TextConfig, Gemma3nTextConfig and Olmo3Config
    convert_rope_params_to_dict merge a rope_scaling object into the full_attention block
    (`self.rope_parameters["full_attention"].update(rope_scaling)`: Gemma 3 in 5.5.3 and 5.25.0,
    OLMo 3 and Gemma 3n in 5.25.0) and fill a missing layer type's block of a rope_parameters
    one with the default; Gemma4TextConfig converts nothing (5.25.0)."""
    kind = w.text_model_type
    types = sorted({f"{layer.mixer.kind}_attention" for layer in spec.layers
                    if isinstance(layer.mixer, AttentionMixer)})
    if version >= TRANSFORMERS_5_ALLOWED_FROM and kind.startswith(("gemma3", "olmo3")):
        if w.ropes_parameters_only or "full_attention" not in types:
            return (), ""
        return ("full_attention",), ("transformers 5's config class merges a rope_scaling "
                                     "object into the full_attention block")
    own = set(w.ropes_mixed)
    if kind.startswith("gemma3") and not kind.startswith("gemma3n"):
        own.add("sliding_attention")  # gemma3.py's default block with rope_local_base_freq
    missing = tuple(t for t in types if t not in own)
    why = "the object has no block of their layer type, so the class hands them it whole"
    return missing, why if missing else ""


def mixed_rope_errors(spec: ModelSpec, version: Version, overridden: bool,
                      transformers_backend: bool) -> list[str]:
    """vLLM's failure on a rope object that mixes a flat block with per-layer-type blocks
    (WindowInputs.ropes_mixed), where vLLM `version` reads it: a rope_scaling one in every
    release, a rope_parameters one from ROPE_PARAMETERS_WINDOW_FROM (before it transformers 4
    and vLLM read no rope_parameters: the config's top-level rope_theta is the rope, as
    planned), but before it not for ROPE_THETA_ONLY_UNTIL_0_12, whose classes pass get_rope no
    rope block. Where the release's class reads the layer types' blocks (_reads_layer_blocks),
    only on the layers handed a block that holds the others (_unhashable_layers). [] on the
    Transformers backend (`transformers_backend`: HF's own rotary embedding, no get_rope) and
    elsewhere. `overridden`: --hf-overrides sets a
    rope block (hf_overrides.rope_overridden), so the object is config.json's with it applied,
    not config.json's own.

    NOTE (assumption: refused, as vLLM stops; transformers accepts it): vLLM reads the object
    as one flat block (length.rope_mixed) and the model hands it whole to get_rope
    (qwen3.py `rope_parameters=config.rope_parameters`, 0.12.0 and 0.34.0 wheels; llama.py
    `getattr(config, "rope_parameters", None)`, 0.12.0; qwen3.py `getattr(config,
    "rope_scaling", None)`, 0.11.2), which keys its cache on `tuple(rope_parameters_tuple.items())`
    and tests `if key in _ROPE_DICT`, hashing each value: a block under a layer type is a dict,
    so `TypeError: unhashable type: 'dict'` as the model is built (rotary_embedding.py 0.9.1,
    rotary_embedding/__init__.py 0.11.2, 0.12.0, 0.17.0, 0.24.0, 0.34.0 wheels).
    transformers does not refuse it: 4.57.1 validates a rope_scaling one as one flat block
    and logs "Unrecognized keys in `rope_scaling`" (rope_config_validation; it reads no
    rope_parameters), 5.5.3 validates it flat (its keys are no subset of layer_types) and logs
    "Unrecognized keys in `rope_parameters`", 5.25.0 standardizes only the blocks of the layer
    types the config declares (nested_rope_parameter_keys) and leaves the flat keys be
    (modeling_rope_utils.py of each)."""
    w = spec.window
    if w is None or not w.ropes_mixed or transformers_backend:
        return []
    if version < ROPE_PARAMETERS_WINDOW_FROM and (
            w.ropes_parameters_only or w.text_model_type in ROPE_THETA_ONLY_UNTIL_0_12):
        return []
    key = "rope_parameters" if w.ropes_parameters_only else "rope_scaling"
    whose = "the" if overridden else "config.json's"
    applied = " with --hf-overrides applied" if overridden else ""
    opening = (f"TypeError: unhashable type: 'dict' ({whose} {key}{applied} mixes a flat rope "
               f"block with blocks per layer type ({', '.join(w.ropes_mixed)}): vLLM "
               f"{version_label(version)} ")
    advice = "Give one flat block, or one block per layer type with nothing beside them."
    if not _reads_layer_blocks(w.text_model_type, version):
        return [f"{opening}reads it as one flat block and hands it whole to get_rope, whose "
                f"cache key hashes each value, as it builds the rotary embedding). {advice}"]
    types, why = _unhashable_layers(spec, w, version)
    if not types:
        return []
    return [f"{opening}hands its {', '.join(types)} layers a rope block holding blocks per "
            f"layer type ({why}), and get_rope's cache key hashes each value, as it builds the "
            f"rotary embedding). {advice}"]


def qk_norm_gather_refusal(spec: ModelSpec, tp: int, version: Version,
                           transformers_backend: bool) -> str | None:
    """vLLM's failure at the first forward of a model whose k_norm spans all KV heads (OLMo 2,
    OLMo 3, OLMoE: families.WHOLE_QK_NORM_TYPES) on its Transformers backend
    (weights.transformers_backend) at a TP above its KV heads (more than one); None elsewhere.
    E.g. an OLMo 2 with 2 KV heads of 128 at TP 4 on 0.34.0.

    NOTE: models/transformers/fusers/qkv.py QKVFuser fuses q_proj, k_proj and v_proj into a
    QKVParallelLinear, which gives each rank one KV head where tp >= total_num_kv_heads
    (layers/linear.py), and fusers/rms_norm.py RMSNormFuser builds the norms as TPAwareRMSNorm,
    whose forward raises this ValueError where the rank's width x tp is not the norm's width:
    head_dim x tp against KV heads x head_dim. Read in the 0.25.0-0.34.0 wheels, every release
    whose registry sends these models there (Olmo2ForCausalLM from 0.26.0, Olmo3ForCausalLM
    from 0.29.0, OlmoeForCausalLM from 0.34.0); their own olmo2.py / olmo3.py / olmoe.py
    all-gather k before the norm (_apply_qk_norm). Read, not run."""
    if not transformers_backend:
        return None
    for layer in spec.layers:
        mixer = layer.mixer
        if isinstance(mixer, AttentionMixer) and mixer.qk_norm_whole \
                and 1 < mixer.num_kv_heads < tp:
            full = mixer.num_kv_heads * mixer.head_dim
            return (f"Cannot gather norm of width {full}: a TP-sharded input of width "
                    f"{mixer.head_dim} does not tile it evenly across {tp} ranks (replicated "
                    f"or uneven sharding). (vLLM {version_label(version)} Transformers backend, "
                    f"TPAwareRMSNorm at the first forward: above TP {mixer.num_kv_heads} each "
                    f"rank holds one of the {mixer.num_kv_heads} KV heads, and k_norm spans "
                    f"them all; TP {mixer.num_kv_heads} or below runs)")
    return None
