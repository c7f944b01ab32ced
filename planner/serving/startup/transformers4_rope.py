"""What transformers 4, the one vLLM 0.12.0-0.19.0 run (wheel METADATA `transformers<5,>=4.56.0`:
vllm_versions.TRANSFORMERS_5_ALLOWED_FROM), does to config.json's rope object before vLLM
builds the model, where vLLM then stops: a rope object nested by layer type gets the config's
rope_theta written in beside its blocks (nested_theta_errors), the config classes that
validate a rope_scaling block at load refuse a llama3 block without
original_max_position_embeddings before vLLM would fill it (llama3_validation_error), and those
with a validator of their own refuse any llama3 block (own_validator_errors).
Read in the transformers 4.57.6 wheel (models/<type>/configuration_<type>.py, every config
class's __init__ read by an AST scan) and the vLLM 0.12.0-0.19.0 wheels."""

from collections.abc import Callable

from planner.model.spec import ModelSpec, WindowInputs
from planner.serving.vllm_versions import (
    ROPE_PARAMETERS_WINDOW_FROM,
    TRANSFORMERS_5_ALLOWED_FROM,
    Version,
    version_label,
)

THETA_CLASS_TYPES = frozenset({
    "EvollaModel", "Glm4vMoe_text", "apertus", "arcee", "aria_text", "bamba", "bitnet", "blt",
    "blt_global_transformer", "blt_local_decoder", "blt_local_encoder", "blt_patcher",
    "chameleon", "cohere", "cohere2", "csm", "csm_depth_decoder_model", "deepseek_v2",
    "deepseek_v3", "deepseek_v32", "dia_decoder", "dia_encoder", "diffllama", "dinov3_vit",
    "doge", "dots1", "efficientloftr", "emu3_text_model", "ernie4_5", "ernie4_5_moe", "exaone4",
    "falcon", "falcon_h1", "flex_olmo", "fuyu", "gemma", "gemma2", "gemma3_text",
    "gemma3n_text", "glm", "glm4", "glm4_moe", "glm4v_text", "gpt_neox", "gpt_neox_japanese",
    "gpt_oss", "granite", "granitemoe",
    "granitemoehybrid", "granitemoeshared", "helium", "hunyuan_v1_dense", "hunyuan_v1_moe",
    "jetmoe", "kyutai_speech_to_text", "lfm2", "llama", "llama4_text", "llama4_vision_model",
    "longcat_flash", "mimi", "minimax", "ministral", "mistral", "mixtral", "mllama_text_model",
    "moonshine", "moshi", "nemotron", "olmo", "olmo2", "olmo3", "olmoe", "persimmon", "phi",
    "phi3", "phi4_multimodal", "phimoe", "pixtral", "qwen2", "qwen2_5_omni_dit",
    "qwen2_5_omni_talker", "qwen2_5_omni_text", "qwen2_5_vl", "qwen2_5_vl_text", "qwen2_moe",
    "qwen2_vl", "qwen2_vl_text", "qwen3", "qwen3_moe", "qwen3_next",
    "qwen3_omni_moe_talker_code_predictor", "qwen3_omni_moe_talker_text", "qwen3_omni_moe_text",
    "qwen3_vl_moe_text", "qwen3_vl_text", "recurrent_gemma", "seed_oss", "smollm3", "stablelm",
    "starcoder2", "t5_gemma_module", "vaultgemma", "zamba2"
})  # fmt: skip
"""The text config model_types whose config class under transformers 4 holds a rope_theta where
config.json gives none, which patch_rope_parameters then writes into the rope object.

NOTE: every model_type whose transformers 4.57.6 config class's __init__ defaults rope_theta to
a number (LlamaConfig 10000.0, Gemma3TextConfig 1_000_000.0, Olmo3Config 10000.0: `self.
rope_theta = rope_theta`) or sets one whatever config.json says (BambaConfig `self.rope_theta =
10000.0`; GPTNeoXConfig and GPTNeoXJapaneseConfig `self.rope_theta = rotary_emb_base`, default
10000: ROTARY_ALIAS_CLASS_TYPES), plus the types read with such a class: qwen2_vl /
qwen2_5_vl, whose flat config.json Qwen2VLConfig / Qwen2_5_VLConfig build into a
Qwen2VLTextConfig / Qwen2_5_VLTextConfig (`self.sub_configs["text_config"](**kwargs)`,
4.57.6), and deepseek_v32, which vLLM reads with transformers' DeepseekV3Config
(transformers_utils/config.py _CONFIG_REGISTRY, 0.12.0-0.19.0 wheels). vLLM's own classes for
flex_olmo, nemotron, qwen3_next (0.12.0-0.19.0) and olmo3 (0.12.0-0.18.1) write
`rope_parameters["rope_theta"]` themselves where the object has none
(transformers_utils/configs/, 0.12.0 and 0.19.0): the same stop. Not in it: kimi_k2
(DeepseekV3Config from 0.18.0, its repository's class before), and model_types with no
transformers 4 class (Gemma 4: no 4.x has configuration_gemma4), which transformers 4 does not
load at all."""

ROTARY_ALIAS_CLASS_TYPES = frozenset({"gpt_neox", "gpt_neox_japanese"})
"""model_types whose transformers 4.57.6 config class copies config.json's rotary_emb_base
(default 10000) into rope_theta (`self.rope_theta = rotary_emb_base`), so that 0.12.0, which
reads config.rope_theta only, writes a top-level rotary_emb_base in too."""

ROTARY_ALIASES_READ_FROM: Version = (0, 13, 0)
"""NOTE: the first wheel whose patch_rope_parameters reads `getattr_iter(config, ["rope_theta",
"rotary_emb_base"])` and ["partial_rotary_factor", "rotary_pct", "rotary_emb_fraction"] and
writes them into rope_parameters under transformers 4 (0.13.0-0.19.0 wheels); 0.12.0's reads
config.rope_theta only, so a top-level rotary_emb_base goes in there only where the class
copies it (ROTARY_ALIAS_CLASS_TYPES)."""

VALIDATED_TYPES = frozenset({
    "EvollaModel", "Glm4vMoe_text", "apertus", "arcee", "aria_text", "cohere", "cohere2", "csm",
    "csm_depth_decoder_model", "deepseek_v2", "deepseek_v3", "deepseek_v32", "dia_decoder",
    "dia_encoder", "diffllama", "doge", "efficientloftr", "emu3_text_model", "ernie4_5",
    "ernie4_5_moe", "gemma3_text", "gemma3n_text", "glm4_moe", "glm4v_text", "gpt_neox",
    "gpt_neox_japanese", "gpt_oss", "granite", "granitemoe", "granitemoehybrid",
    "granitemoeshared", "llama", "longcat_flash", "mllama_text_model", "moonshine", "olmoe",
    "persimmon", "phi", "phimoe", "qwen2", "qwen2_5_omni_text", "qwen2_5_vl", "qwen2_5_vl_text",
    "qwen2_moe", "qwen2_vl", "qwen2_vl_text", "qwen3", "qwen3_moe",
    "qwen3_omni_moe_talker_code_predictor", "qwen3_omni_moe_talker_text", "qwen3_omni_moe_text",
    "qwen3_vl_moe_text", "qwen3_vl_text", "seed_oss", "smollm3", "stablelm", "starcoder2"
})  # fmt: skip
"""The text config model_types whose config class under transformers 4 validates a rope_scaling
block as it loads config.json.

NOTE: every model_type whose transformers 4.57.6 config class's __init__ calls
rope_config_validation(self) (LlamaConfig, Qwen3Config, Gemma3TextConfig, DeepseekV3Config,
...; the VL text classes with ignore_keys={"mrope_section"}), plus qwen2_vl / qwen2_5_vl and
deepseek_v32 as THETA_CLASS_TYPES reads them, less flex_olmo, nemotron and qwen3_next, which
vLLM loads with its own classes (none calls it: transformers_utils/configs/, 0.12.0 and
0.19.0). rope_config_validation reads config.rope_scaling only (never rope_parameters), and
_validate_llama3_parameters requires "original_max_position_embeddings" (_check_received_keys:
KeyError) and then compares it `>= config.max_position_embeddings` (modeling_rope_utils.py,
4.57.6). Phi3Config, OlmoConfig and Olmo2Config run a validator of their own instead
(OWN_VALIDATOR_TYPES); Olmo3Config's `_rope_scaling_validation` calls rope_config_validation,
but vLLM 0.11.0-0.18.1 load olmo3 with their own class (not modelled: 0.19.0, which loads
transformers' Olmo3Config)."""

_OLMO_BLOCK = "a block of two fields, `type` 'linear' or 'dynamic' and a float `factor` above 1"

OWN_VALIDATOR_TYPES: dict[str, tuple[str, str]] = {
    "phi3": ("Phi3Config", "a longrope block of three fields, `type`, `short_factor` and "
             "`long_factor` (`type` su or yarn renamed longrope first)"),
    "olmo": ("OlmoConfig", _OLMO_BLOCK),
    "olmo2": ("Olmo2Config", _OLMO_BLOCK),
}
"""The text config model_types whose transformers 4 config class checks rope_scaling with a
validator of its own as it loads config.json, with the class and the one block it takes: any
llama3 block raises ValueError there, original_max_position_embeddings or not.

NOTE: Phi3Config / OlmoConfig / Olmo2Config.__init__ set self.rope_scaling, then (Phi3Config
after _rope_scaling_adjustment) call _rope_scaling_validation, which raises ValueError unless
the block has exactly three (Phi-3) / two (OLMo) keys, its `type` key (never `rope_type`) is
'longrope' / 'linear' or 'dynamic', and its factors are of those forms
(configuration_phi3.py, configuration_olmo.py, configuration_olmo2.py: the same in the 4.51.1,
4.56.0 and 4.57.6 wheels). vLLM registers no class of its own for them (_CONFIG_REGISTRY,
transformers_utils/config.py, 0.9.0, 0.11.0, 0.12.0, 0.18.1, 0.19.0 wheels). The 0.9.0-0.11.0
wheels require `transformers>=4.51.1` / `>=4.53.2` / `>=4.55.2` (0.9.0, 0.10.0, 0.10.2 and
0.11.0 METADATA), uncapped, and 0.11.1-0.19.0 `transformers<5,>=4.56.0`; Headroom plans
every release before TRANSFORMERS_5_ALLOWED_FROM under transformers 4, as its other rope rules.
transformers 5.5.3's OlmoConfig / Olmo2Config have no validator of their own; its
Phi3Config.validate_rope still refuses a rope_type other than default or longrope (whether vLLM
0.19.1 on run it as they load the config is not read: planned there)."""


def _written_beside(w: WindowInputs, version: Version) -> str | None:
    """What vLLM `version`'s patch_rope_parameters writes into a rope object under transformers
    4 (nested_theta_errors' NOTE), or None where it writes nothing."""
    alias = w.rope_theta_as_rotary_emb_base
    if w.rope_theta_top_level and (not alias or version >= ROTARY_ALIASES_READ_FROM
                                   or w.text_model_type in ROTARY_ALIAS_CLASS_TYPES):
        return f"config.json's {'rotary_emb_base' if alias else 'rope_theta'}"
    if w.text_model_type in THETA_CLASS_TYPES:
        return ("the rope_theta that transformers 4's config class for model_type "
                f"'{w.text_model_type}' defaults to")
    if w.original_max_position_embeddings:
        return "config.json's original_max_position_embeddings"
    return None


def nested_theta_errors(spec: ModelSpec, version: Version, overridden: bool) -> list[str]:
    """vLLM `version`'s failure on config.json's rope object nested by layer type under
    transformers 4 (ROPE_PARAMETERS_WINDOW_FROM up to TRANSFORMERS_5_ALLOWED_FROM) where the
    config holds a rope_theta (at its top level, or its class's: THETA_CLASS_TYPES) or a
    top-level original_max_position_embeddings: patch_rope_parameters writes it into the
    object, which then has a key that is no layer type, and reads it as one block without a
    rope_type. [] elsewhere, and where --hf-overrides sets the rope object (`overridden`).

    NOTE: under transformers 4 patch_rope_parameters (transformers_utils/config.py) makes
    rope_parameters the rope_scaling object where there is one, then sets
    `config.rope_parameters["rope_theta"] = rope_theta` where the config's is not None (also
    rotary_emb_base and the partial rotary keys from 0.13.0), and in each release the config's
    original_max_position_embeddings (where truthy in 0.12.0-0.13.0, not None from 0.14.0),
    then patches the object per layer type only `if set(config.rope_parameters.keys())
    .issubset(ALLOWED_LAYER_TYPES)` (is_rope_parameters_nested from 0.14.0), else as one
    block: patch_rope_parameters_dict raises ValueError("rope_parameters should have a
    'rope_type' key") (0.12.0, 0.13.0, 0.15.0, 0.19.0 wheels). 0.19.1-0.23.0 run
    transformers 5 as planned (its branch standardizes the blocks); with transformers<5 pinned
    0.19.1-0.20.x stop the same way and 0.22.0 on skip the legacy patch for a nested object
    ("Loading nested rope_parameters (from Transformers v5) in Transformers v4", 0.22.0 and
    0.23.0 wheels). Before 0.12.0 vLLM reads rope_scaling only (rope_keys.layer_block_errors).
    E.g. a Gemma 3 config.json saved by transformers 5 (nested rope_parameters, no top-level
    rope_theta) on 0.19.0: Gemma3TextConfig's rope_theta 1e6 goes in."""
    w = spec.window
    if w is None or not w.ropes_nested or overridden:
        return []
    if not ROPE_PARAMETERS_WINDOW_FROM <= version < TRANSFORMERS_5_ALLOWED_FROM:
        return []
    written = _written_beside(w, version)
    if written is None:
        return []
    key = "rope_parameters" if w.ropes_parameters_only else "rope_scaling"
    return [f"ValueError: rope_parameters should have a 'rope_type' key (config.json's {key} "
            f"is nested by layer type, and vLLM {version_label(version)} runs transformers 4: "
            f"its patch_rope_parameters writes {written} into the object beside the blocks, "
            "then reads it as one block, which has no rope_type; under transformers 5, from "
            f"vLLM {version_label(TRANSFORMERS_5_ALLOWED_FROM)}, it stays nested). Give "
            "transformers 4's form (one flat rope_scaling block and a top-level rope_theta), "
            "or plan a later release."]


def _loads_flat_scaling(w: WindowInputs, version: Version) -> bool:
    """Whether vLLM `version` loads config.json's rope object as one flat rope_scaling block
    under transformers 4 (before TRANSFORMERS_5_ALLOWED_FROM), where a config class's
    validation of it applies."""
    return version < TRANSFORMERS_5_ALLOWED_FROM and not w.ropes_parameters_only \
        and not w.ropes_nested


def _config_json_errors(spec: ModelSpec, version: Version, overridden: bool,
                        error_of: Callable[[WindowInputs, Version], str | None]) -> list[str]:
    """`error_of`'s error for the model's text config as a list; [] where it has none and
    where --hf-overrides sets the rope block (`overridden`: config.json's own is not known)."""
    w = spec.window
    error = None if w is None or overridden else error_of(w, version)
    return [error] if error else []


def llama3_validation_error(w: WindowInputs, version: Version) -> str | None:
    """transformers 4's error loading config.json's flat llama3 rope_scaling block without a
    usable original_max_position_embeddings, for the config classes that validate it
    (VALIDATED_TYPES), on vLLM `version` before TRANSFORMERS_5_ALLOWED_FROM: a KeyError where
    the block leaves the key out, a TypeError where it is null (Python's `None >= int`; any
    other value that is no usable length exits 2 at parse); None elsewhere, and where the block
    gives `type` alone to a class that does not copy it (legacy_type_error: its KeyError
    lists 'rope_type' too).
    rope_keys.llama3_original_errors asks it where vLLM would fill the key from a top-level
    original_max_position_embeddings (VALIDATED_TYPES' NOTE)."""
    if not _loads_flat_scaling(w, version):
        return None
    if w.text_model_type not in VALIDATED_TYPES or [r.rope_type for r in w.ropes] != ["llama3"]:
        return None
    if legacy_type_error(w, version):
        return None
    if w.ropes[0].original_null:
        error = "TypeError: '>=' not supported between instances of 'NoneType' and 'int'"
        problem = ("compares this llama3 block's original_max_position_embeddings, null, with "
                   "max_position_embeddings")
    else:
        error = ("KeyError: \"Missing required keys in `rope_scaling` for 'rope_type'='llama3': "
                 "{'original_max_position_embeddings'}\"")
        problem = "this llama3 block leaves out original_max_position_embeddings"
    return (f"{error} (vLLM {version_label(version)} runs transformers 4, whose config class for "
            f"model_type '{w.text_model_type}' validates a rope_scaling block as it loads "
            f"config.json (rope_config_validation), and {problem}; vLLM's "
            "patch_rope_parameters would copy the top-level original_max_position_embeddings in "
            "only after the load, and under transformers 5, from vLLM "
            f"{version_label(TRANSFORMERS_5_ALLOWED_FROM)}, standardize_rope_params fills it "
            "first). Give it in the block (Llama-3.1: 8192), or plan a later release.")


def own_validator_errors(spec: ModelSpec, version: Version, overridden: bool) -> list[str]:
    """transformers 4's ValueError loading config.json's flat llama3 rope_scaling block for a
    class with a validator of its own (OWN_VALIDATOR_TYPES), on vLLM `version` before
    TRANSFORMERS_5_ALLOWED_FROM; [] elsewhere, and where --hf-overrides sets the rope block
    (`overridden`: config.json's own is not known). E.g. Phi-4 (model_type phi3) given
    Llama-3.1's block: refused on 0.9.0-0.19.0 whether or not the block gives
    original_max_position_embeddings."""
    return _config_json_errors(spec, version, overridden, llama3_class_error)


def llama3_class_error(w: WindowInputs, version: Version) -> str | None:
    """own_validator_errors' error for the text config `w`, or None; rope_keys.
    llama3_original_errors asks it too, as the load stops before get_rope's KeyError."""
    if not _loads_flat_scaling(w, version):
        return None
    if w.text_model_type not in OWN_VALIDATOR_TYPES or "llama3" not in (
            r.rope_type for r in w.ropes):
        return None
    name, takes = OWN_VALIDATOR_TYPES[w.text_model_type]
    return (f"ValueError from {name}._rope_scaling_validation: it takes only {takes} (vLLM "
            f"{version_label(version)} runs transformers 4, whose config class for model_type "
            f"'{w.text_model_type}' validates rope_scaling with its own rules as it loads "
            "config.json and refuses this llama3 block, original_max_position_embeddings or "
            "not). Give rope_scaling a block its class takes, or plan a later release.")


UNCOPIED_TYPES = frozenset({
    "cohere", "cohere2", "efficientloftr", "emu3_text_model", "gemma3_text", "gemma3n_text",
    "granite", "granitemoe", "granitemoehybrid", "granitemoeshared", "mllama_text_model",
    "moonshine", "qwen3_vl_moe_text", "qwen3_vl_text"
})  # fmt: skip
"""The VALIDATED_TYPES whose config class validates a rope_scaling block without first copying
a legacy `type` into rope_type, so that a block giving `type` alone stops the load.

NOTE: every VALIDATED_TYPES class whose transformers 4.57.6 __init__ calls
rope_config_validation(self) with no `self.rope_scaling["rope_type"] = self.rope_scaling
["type"]` before it (CohereConfig, Cohere2Config, Gemma3TextConfig, Gemma3nTextConfig,
GraniteConfig and its MoE / hybrid / shared classes, MllamaTextConfig, Qwen3VLTextConfig,
Qwen3VLMoeTextConfig, Emu3TextConfig, MoonshineConfig, EfficientLoFTRConfig: an AST scan of
every configuration_*.py in the wheel). LlamaConfig, Qwen2/Qwen3 and their MoE and VL text
classes, DeepseekV2/V3Config, GptOssConfig and the other VALIDATED_TYPES copy it first
("# BC: if there is a 'type' field, copy it it to 'rope_type'."); PhimoeConfig sets rope_type
from `type` where it has none. vLLM 0.9.0-0.10.x's own Cohere2Config and MllamaTextConfig
(transformers_utils/configs/cohere2.py, mllama.py, 0.9.0 wheel) validate the same way (the
first a copy of transformers', the second its subclass). vLLM's patch_rope_parameters_dict
copies `type` into rope_type (transformers_utils/config.py, 0.12.0 and 0.19.0 wheels;
patch_rope_scaling_dict before), but get_config calls it only once the class has loaded
config.json. transformers 5.5.3's standardize_rope_params sets `rope_type` from `type`
(setdefault) before validate_rope (modeling_rope_utils.py)."""

LEGACY_VALIDATED_ROPE_TYPES = ("default", "linear", "dynamic", "yarn", "longrope", "llama3")
"""NOTE: the keys of ROPE_VALIDATION_FUNCTIONS (modeling_rope_utils.py, transformers 4.57.6),
whose validators each require "rope_type"; for a block with `type`, _check_received_keys drops
it from the received keys and adds "rope_type" to the required ones ("BC: 'rope_type' was
originally 'type'"), so a block without rope_type raises KeyError("Missing required keys in
`rope_scaling` for 'rope_type'='<type>': {..., 'rope_type'}"). Any other `type` (su, mrope)
finds no validator, is only logged, and loads (vLLM then renames it: length._rope_blocks)."""


def legacy_type_error(w: WindowInputs, version: Version) -> str | None:
    """transformers 4's KeyError loading config.json's flat rope_scaling block that gives its
    type as the legacy `type` key alone, for the classes that validate it without copying it
    into rope_type (UNCOPIED_TYPES), on vLLM `version` before TRANSFORMERS_5_ALLOWED_FROM
    (0.9.0-0.11.x allow transformers 4.57 too: OWN_VALIDATOR_TYPES' NOTE); None elsewhere.
    E.g. Gemma 3 with {"type": "linear", "factor": 8.0}: refused on 0.9.1-0.19.0."""
    if not _loads_flat_scaling(w, version):
        return None
    if w.text_model_type not in UNCOPIED_TYPES or len(w.ropes) != 1:
        return None
    legacy = w.ropes[0].legacy_type
    if legacy not in LEGACY_VALIDATED_ROPE_TYPES:
        return None
    return (f"KeyError: \"Missing required keys in `rope_scaling` for 'rope_type'='{legacy}': "
            "{..., 'rope_type'}\" (vLLM " f"{version_label(version)} runs transformers 4, "
            f"whose config class for model_type '{w.text_model_type}' validates a rope_scaling "
            "block as it loads config.json (rope_config_validation) without first copying the "
            "legacy `type` key into rope_type, and this block gives `type` alone; vLLM's "
            "patch_rope_parameters would copy it only after the load; under transformers 5, from "
            f"vLLM {version_label(TRANSFORMERS_5_ALLOWED_FROM)}, standardize_rope_params sets "
            "rope_type from `type` before validating). "
            f"Write \"rope_type\": \"{legacy}\" in the block, or plan a later release.")


def legacy_type_errors(spec: ModelSpec, version: Version, overridden: bool) -> list[str]:
    """legacy_type_error for the model's text config; [] where --hf-overrides sets the rope
    block (`overridden`: config.json's own is not known)."""
    return _config_json_errors(spec, version, overridden, legacy_type_error)
