"""vLLM's --hf-overrides: the keys of config.json Headroom models the effect of, and the config
vLLM reads once it has applied them."""

import json
import math

from planner.model.config.reader import MAX_CONTEXT
from planner.model.spec import ConfigError
from planner.text import shortened

ROPE_KEYS = ("rope_scaling", "rope_parameters")
"""The two spellings of one rope block: transformers 5's PreTrainedConfig.rope_scaling is a
property whose setter sets rope_parameters (configuration_utils.py, 5.25.0)."""

HF_OVERRIDE_KEYS = (*ROPE_KEYS, "max_position_embeddings")
"""The --hf-overrides keys whose effect Headroom plans: the rope block (the derived
max_model_len, engine.window; the rotary cos/sin cache rows, serving.weights.rope_rows) and the
length vLLM derives max_model_len from. Any other key is refused, not ignored."""


def parse_hf_overrides(text: str) -> dict:
    """--hf-overrides as vLLM's parser reads it (json.loads: engine/arg_utils.py parse_type,
    0.34.0 wheel), limited to HF_OVERRIDE_KEYS; ConfigError in one line otherwise (the
    caller names the flag or field). The rope
    block's own fields are checked where the overridden config is parsed
    (length.rope_scaling, length._rope_blocks), as a config.json's are."""
    try:
        overrides = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        overrides = None
    if not isinstance(overrides, dict) or not overrides:
        raise ConfigError(f"{shortened(text)!r} is not a JSON object of config "
                          "keys, e.g. '{\"max_position_embeddings\": 131072}'")
    other = [k for k in overrides if k not in HF_OVERRIDE_KEYS]
    if other:
        raise ConfigError(f"key {shortened(other[0])!r} is not planned: Headroom "
                          f"models only {', '.join(HF_OVERRIDE_KEYS)} (drop it, or plan a "
                          "config.json that holds it)")
    if len([k for k in ROPE_KEYS if k in overrides]) > 1:
        raise ConfigError("both rope_scaling and rope_parameters given, which "
                          "set the same block (transformers' rope_scaling setter): give one")
    for key in ROPE_KEYS:
        if key in overrides and not isinstance(overrides[key], dict):
            raise ConfigError(f"{key} must be a JSON object (a rope block such "
                              "as {\"rope_type\": \"yarn\", \"factor\": 4.0, "
                              "\"original_max_position_embeddings\": 32768})")
    length = overrides.get("max_position_embeddings", 1)
    if (isinstance(length, bool) or not isinstance(length, int | float)
            or not (isinstance(length, int) or math.isfinite(length) and length == int(length))
            or not 1 <= length <= MAX_CONTEXT):
        raise ConfigError(f"max_position_embeddings {shortened(json.dumps(length))}"
                          f" is not a whole number of tokens in 1..{MAX_CONTEXT:,}")
    return overrides


def with_hf_overrides(config: dict, overrides: dict) -> dict:
    """config.json as vLLM reads it under --hf-overrides `overrides` (parse_hf_overrides'):
    each key set at the top level, a rope block replacing the config's own under either
    spelling. A config with a text_config is refused: vLLM sets the keys on the top-level
    config, not on the text model's that Headroom plans from.

    NOTE: ModelConfig.__post_init__ (config/model.py, 0.29.0 and 0.34.0 wheels) passes a
    non-dict value to get_config, which calls config.update() on the loaded config; a dict
    value (a rope block) is set after loading by _apply_dict_overrides (setattr on the top
    config), which transformers 5 turns into rope_parameters = value, standardize_rope_params
    then filling a yarn block's original_max_position_embeddings from max_position_embeddings
    where it has none (modeling_rope_utils.py, 5.25.0), as length.window_inputs reads it."""
    if isinstance(config.get("text_config"), dict):
        raise ConfigError("config.json has a text_config: vLLM sets the keys on its "
                          "top-level config, which Headroom does not plan the text model from")
    out = dict(config)
    for key, value in overrides.items():
        if key in ROPE_KEYS:
            for old in ROPE_KEYS:
                out.pop(old, None)
        out[key] = value
    return out
