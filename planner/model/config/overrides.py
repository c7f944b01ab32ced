"""vLLM's --hf-overrides: the keys of config.json Headroom models the effect of, and the config
vLLM reads once it has applied them."""

import json
import math

from planner.model.config.length import rope_nested
from planner.model.config.reader import MAX_CONTEXT
from planner.model.spec import ConfigError
from planner.text import shortened

ROPE_KEYS = ("rope_scaling", "rope_parameters")
"""The two spellings of one rope block: transformers 5's PreTrainedConfig.rope_scaling is a
property whose setter sets rope_parameters (configuration_utils.py, 5.25.0)."""

HF_OVERRIDE_KEYS = (*ROPE_KEYS, "max_position_embeddings")
"""The --hf-overrides keys whose effect Headroom plans: the rope block (the derived
max_model_len, engine.window; the rotary cos/sin cache rows, serving.weights.rope_rows) and the
length vLLM derives max_model_len from, at the top level or under TEXT_CONFIG. Any other key is
refused, not ignored."""

TEXT_CONFIG = "text_config"
"""The --hf-overrides key whose object vLLM applies to the text model's sub-config
(ModelConfig._apply_dict_overrides, NESTED_OVERRIDES_FROM on): the one a wrapper's keys go
under."""

FLAT_TEXT_CONFIG_TYPES = frozenset(("qwen2_vl", "qwen2_5_vl"))
"""NOTE: model types whose transformers config class builds its text_config from the top-level
keys of a flat config.json (Qwen2VLConfig / Qwen2_5_VLConfig __post_init__, 5.25.0: "Hub
configs are saved as flat dicts"; 4.57.6 __init__ the same), so vLLM's loaded config has a
text_config whose keys Headroom reads at config.json's top level; transformers 4.57.6 forwards
a key set on the wrapper to it (__setattr__ / __getattribute__), 5.x does not."""

ORIGINAL_READ_TYPES = frozenset((
    "llama3", "yarn", "deepseek_yarn", "deepseek_llama_scaling", "longrope"))
"""NOTE: the rope types whose get_rope reads rope_parameters["original_max_position_embeddings"]
(model_executor/layers/rotary_embedding/__init__.py, 0.34.0 wheel), a KeyError where the block
has none."""

LAYER_TYPE_ROPE_TEXT_TYPES = frozenset(("gemma3_text",))
"""NOTE: text model types whose flat config.json rope block transformers 5 nests by layer type
(Gemma3TextConfig.convert_rope_params_to_dict, 5.25.0: full_attention / sliding_attention), so
a flat block merged into it is not one vLLM reads as such."""


def parse_hf_overrides(text: str) -> dict:
    """--hf-overrides as vLLM's parser reads it (json.loads: engine/arg_utils.py parse_type,
    0.34.0 wheel), limited to HF_OVERRIDE_KEYS at the top level or under TEXT_CONFIG (one of
    the two); ConfigError in one line otherwise (the caller names the flag or field). The rope
    block's own fields are checked where the overridden config is parsed
    (length.rope_scaling, length._rope_blocks), as a config.json's are."""
    try:
        overrides = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        overrides = None
    if not isinstance(overrides, dict) or not overrides:
        raise ConfigError(f"{shortened(text)!r} is not a JSON object of config "
                          "keys, e.g. '{\"max_position_embeddings\": 131072}'")
    if TEXT_CONFIG not in overrides:
        _checked(overrides, "")
        return overrides
    nested = overrides[TEXT_CONFIG]
    if not isinstance(nested, dict) or not nested:
        raise ConfigError(f"{TEXT_CONFIG} must be a JSON object of the text model's config "
                          "keys, e.g. '{\"text_config\": {\"max_position_embeddings\": 131072}}'")
    if len(overrides) > 1:
        top = next(k for k in overrides if k != TEXT_CONFIG)
        raise ConfigError(f"key {shortened(top)!r} beside {TEXT_CONFIG}: give the keys either "
                          f"at the top level or under {TEXT_CONFIG}, not both")
    _checked(nested, f"{TEXT_CONFIG}.")
    for key in ROPE_KEYS:
        if key in nested and "type" in nested[key] and "rope_type" not in nested[key]:
            raise ConfigError(f"{TEXT_CONFIG}.{key} gives \"type\" without \"rope_type\": vLLM "
                              "merges the block into the text config's, whose rope_type (set "
                              "when the config loads) it keeps and reads: give \"rope_type\"")
    return overrides


def _checked(overrides: dict, where: str) -> None:
    """ConfigError unless `overrides` (the keys at `where`, '' or 'text_config.') are
    HF_OVERRIDE_KEYS: one rope block, a JSON object, and a whole max_position_embeddings."""
    other = [k for k in overrides if k not in HF_OVERRIDE_KEYS]
    if other:
        raise ConfigError(f"key {shortened(where + other[0])!r} is not planned: Headroom "
                          f"models only {', '.join(HF_OVERRIDE_KEYS)} (drop it, or plan a "
                          "config.json that holds it)")
    if len([k for k in ROPE_KEYS if k in overrides]) > 1:
        raise ConfigError(f"both {where}rope_scaling and {where}rope_parameters given, which "
                          "set the same block (transformers' rope_scaling setter): give one")
    for key in ROPE_KEYS:
        if key in overrides and not isinstance(overrides[key], dict):
            raise ConfigError(f"{where}{key} must be a JSON object (a rope block such "
                              "as {\"rope_type\": \"yarn\", \"factor\": 4.0, "
                              "\"original_max_position_embeddings\": 32768})")
    length = overrides.get("max_position_embeddings", 1)
    if (isinstance(length, bool) or not isinstance(length, int | float)
            or not (isinstance(length, int) or math.isfinite(length) and length == int(length))
            or not 1 <= length <= MAX_CONTEXT):
        raise ConfigError(f"{where}max_position_embeddings {shortened(json.dumps(length))}"
                          f" is not a whole number of tokens in 1..{MAX_CONTEXT:,}")


def with_hf_overrides(config: dict, overrides: dict) -> dict:
    """config.json as vLLM reads it under --hf-overrides `overrides` (parse_hf_overrides'):
    top-level keys set on the top-level config, a rope block replacing the config's own under
    either spelling; TEXT_CONFIG's keys set on the text config, a rope block merged into its
    own (_merged_text). Refused: top-level keys on a config.json with a text_config (vLLM sets
    them on the wrapper, whose text model does not read them), and TEXT_CONFIG on one without
    (vLLM sets text_config to the object itself and stops), but for FLAT_TEXT_CONFIG_TYPES,
    whose text config Headroom reads at the top level.

    NOTE: ModelConfig.__post_init__ (config/model.py, 0.11.1-0.34.0 wheels) passes a non-dict
    value to get_config, which calls config.update() (setattr on the top-level config); a dict
    value is applied after loading by _apply_dict_overrides: one whose name is a sub-config
    (text_config) is updated key by key (_update_nested), any other set with setattr on the
    top config, which transformers 5 turns into rope_parameters = value for rope_scaling,
    standardize_rope_params then filling a yarn block's original_max_position_embeddings from
    max_position_embeddings where it has none (modeling_rope_utils.py, 5.25.0), as
    length.window_inputs reads it. Neither path reaches a wrapper's text_config under
    transformers 5: PreTrainedConfig.__setattr__ maps attribute_map only (5.25.0), and vLLM
    derives max_model_len and builds the rotary embedding from hf_text_config
    (get_hf_text_config: config.get_text_config())."""
    text = config.get(TEXT_CONFIG)
    nested = overrides.get(TEXT_CONFIG)
    if isinstance(text, dict):
        if nested is None:
            key = next(iter(overrides))
            raise ConfigError(
                f"config.json has a text_config, and vLLM sets {key} on the top-level config, "
                "which the text model it derives max_model_len from does not read: nest it, "
                f"'{{\"text_config\": {{\"{key}\": ...}}}}'")
        return {**config, TEXT_CONFIG: _merged_text(text, nested)}
    if nested is None:
        return _replaced(config, overrides)
    if config.get("model_type") in FLAT_TEXT_CONFIG_TYPES:
        return _merged_text(config, nested)
    raise ConfigError("config.json has no text_config: vLLM sets text_config to this object "
                      "and stops (\"The text_config extracted from the model config does not "
                      "have `num_attention_heads`\"): give the keys at the top level")


def overridden_paths(config: dict, overrides: dict) -> tuple[str, ...]:
    """Where in `config` (config.json as read) with_hf_overrides sets the keys of `overrides`
    other than a rope block (whose figures the card gives as derived): 'text_config.KEY'
    under a text_config, 'KEY' at the top level (a FLAT_TEXT_CONFIG_TYPES text config's
    too). The figures read there are --hf-overrides', not config.json's."""
    nested = overrides.get(TEXT_CONFIG)
    prefix = f"{TEXT_CONFIG}." if nested is not None and isinstance(
        config.get(TEXT_CONFIG), dict) else ""
    return tuple(prefix + key for key in (nested if nested is not None else overrides)
                 if key not in ROPE_KEYS)


def overridden_error(message: str, config: dict, overrides: dict) -> str:
    """`message`, a ConfigError read from `config` (config.json as read) under --hf-overrides
    `overrides` (with_hf_overrides'), naming a key the flag set as the user wrote it, without
    'config.json: ' (the caller names the flag, as for parse_hf_overrides' errors): a
    text_config.rope_parameters block merged into the text config's rope_scaling read
    'config.json: text_config.rope_scaling.factor must be a positive number'; it reads
    'text_config.rope_parameters.factor must be ...'. A field of a merged block that the flag
    did not give stays config.json's; a message on the merged block as a whole names both."""
    nested = overrides.get(TEXT_CONFIG)
    text = config.get(TEXT_CONFIG)
    inner = text if nested is not None and isinstance(text, dict) else config
    prefix = f"{TEXT_CONFIG}." if inner is not config else ""
    given = f"{TEXT_CONFIG}." if nested is not None else ""
    for key, value in (nested if nested is not None else overrides).items():
        have = next((k for k in ROPE_KEYS if isinstance(inner.get(k), dict)), None) if (
            nested is not None and key in ROPE_KEYS) else None
        head = f"config.json: {prefix}{have or key}"
        rest = message.removeprefix(head)
        if rest == message or rest[:1].isalnum() or rest[:1] == "_":
            continue
        field = rest[1:].split(" ", 1)[0].split(":", 1)[0] if rest[:1] == "." else None
        if field is not None and isinstance(value, dict) and field not in value:
            return message  # config.json's own field of the merged block
        merged = f" (merged into config.json's {prefix}{have})" if have and field is None else ""
        return f"{given}{key}{merged}{rest}"
    return message


def own_rope_scaling(config: dict) -> bool:
    """Whether config.json's text config (its text_config; a config without one, or a
    FLAT_TEXT_CONFIG_TYPES one, itself) holds a rope_scaling object, read before any
    --hf-overrides: the attribute transformers 4 loads as given, and the one a
    text_config.rope_scaling override is merged into under it.

    NOTE: patch_rope_parameters (transformers_utils/config.py, 0.12.0 and 0.19.0 wheels),
    transformers 4 branch: `if (rope_scaling := getattr(config, "rope_scaling", None)) is not
    None: config.rope_parameters = rope_scaling` (the same dict), else rope_parameters is a new
    {"rope_type": "default", "rope_theta": ...}; _update_nested, after it, merges the override
    into getattr(text_config, "rope_scaling") where that is a dict and sets it otherwise. So
    the merge reaches the rope_parameters vLLM reads only where this is True (transformers
    4.57.6, Qwen3VLConfig from Qwen3-VL-32B-Instruct's config.json: both names the merged
    block, one object; Qwen3VLMoeConfig from Qwen3-VL-30B-A3B-Instruct's, which has none:
    rope_parameters stays {"rope_type": "default", "rope_theta": 5000000}; vLLM's
    Qwen3_5TextConfig, 0.17.0 wheel, takes rope_parameters only)."""
    text = config.get(TEXT_CONFIG)
    return isinstance((text if isinstance(text, dict) else config).get("rope_scaling"), dict)


def _replaced(config: dict, overrides: dict) -> dict:
    """`config` with the top-level `overrides` set, a rope block replacing either spelling."""
    out = dict(config)
    for key, value in overrides.items():
        if key in ROPE_KEYS:
            for old in ROPE_KEYS:
                out.pop(old, None)
        out[key] = value
    return out


def _merged_text(text: dict, nested: dict) -> dict:
    """The text config `text` with TEXT_CONFIG's keys `nested` applied as vLLM's
    _update_nested applies them: max_position_embeddings set; a rope block merged key by key
    into the text config's own, whichever spelling config.json gives it (transformers 5's
    rope_scaling property returns rope_parameters: both name the one block), its other keys
    (mrope_section, rope_theta) kept; set as given where the text config has none.

    NOTE: ModelConfig._update_nested (config/model.py, 0.11.1-0.34.0 wheels) recurses into a
    dict value whose target (getattr of the sub-config) is a dict and sets the rest; it runs
    after get_config, so patch_rope_parameters and transformers' standardize_rope_params do not
    see the merged block: a yarn-type block must bring original_max_position_embeddings
    (ORIGINAL_READ_TYPES) unless the config's has it, and a block of a text config that
    transformers 5 nests by layer type (LAYER_TYPE_ROPE_TEXT_TYPES, or nested in config.json)
    is refused. Checked by running _update_nested's logic on transformers 5.25.0's
    Qwen3VLConfig and Qwen3_5Config loaded from Qwen3-VL-32B-Instruct's and Qwen3.5-27B's
    config.json: a nested yarn block lands in text_config.rope_parameters beside mrope_section
    and rope_theta; the same keys at the top level leave the text config as it was."""
    out = dict(text)
    for key, value in nested.items():
        if key not in ROPE_KEYS:
            out[key] = value
            continue
        have = next((k for k in ROPE_KEYS if isinstance(text.get(k), dict)), None)
        if have and rope_nested(text[have]) or text.get("model_type") in \
                LAYER_TYPE_ROPE_TEXT_TYPES:
            raise ConfigError(
                f"{TEXT_CONFIG}.{key} is not planned for this model: its text config's rope is "
                "one block per layer type under transformers 5, which vLLM merges a flat block "
                "into as keys beside them (max_position_embeddings alone is planned)")
        block = {**text[have], **value} if have else dict(value)
        kind = block.get("rope_type", block.get("type"))
        if kind in ORIGINAL_READ_TYPES and "original_max_position_embeddings" not in block:
            raise ConfigError(
                f"{TEXT_CONFIG}.{key}: a {kind} block needs original_max_position_embeddings "
                "here: vLLM merges it into the loaded text config's rope block, which "
                "transformers filled at load only for the type it had, and get_rope reads it "
                "(KeyError)")
        out[have or key] = block
    return out
