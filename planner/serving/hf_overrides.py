"""What a plan says of --hf-overrides (the config vLLM reads once they are applied is the one
planned: model.config.overrides)."""

import json

from planner.model.config.overrides import ROPE_KEYS
from planner.serving.vllm_versions import (
    TRANSFORMERS_5_ONLY_FROM,
    YARN_WINDOW_UNSCALED_FROM,
    Version,
    version_label,
)


def hf_overrides_notes(hf_overrides: str | None, version: Version, label: str
                       ) -> tuple[str, ...]:
    """The plan's notes on --hf-overrides `hf_overrides` under vLLM `version` (`label`): that
    they were applied; where a yarn block is given without max_position_embeddings from
    YARN_WINDOW_UNSCALED_FROM, that the derived max_model_len stays max_position_embeddings
    (engine.window.inputs_window); from TRANSFORMERS_5_ONLY_FROM, where the block has no
    rope_theta, that transformers leaves it None.

    NOTE: transformers 5.25.0 (configuration_utils.py rope_scaling setter, modeling_rope_utils.py
    standardize_rope_params): the block replaces rope_parameters, and its rope_theta is set
    from getattr(config, "rope_theta", None), which a loaded Qwen3Config no longer has (it
    moved into the replaced block): None (checked with Qwen3Config(rope_theta=1e6)). vLLM's
    get_rope then takes rope_parameters.get("rope_theta", 10000), None, as the base
    (model_executor/layers/rotary_embedding/__init__.py, 0.34.0); set_default_rope_theta does
    not replace a key that is there (transformers_utils/config.py)."""
    if not hf_overrides:
        return ()
    given = json.loads(hf_overrides)
    notes = [f"--hf-overrides {hf_overrides}: planned on config.json with these keys set, as "
             f"vLLM {label} sets them before it derives max_model_len and builds the rotary "
             "cache."]
    block = next((given[k] for k in ROPE_KEYS if k in given), None)
    if block is None:
        return tuple(notes)
    kind = block.get("rope_type", block.get("type"))
    if (kind == "yarn" and "max_position_embeddings" not in given
            and version >= YARN_WINDOW_UNSCALED_FROM):
        notes.append(f"vLLM {label} takes a yarn block's max_position_embeddings as already "
                     "scaled (from vLLM " f"{version_label(YARN_WINDOW_UNSCALED_FROM)}): the "
                     "derived max_model_len stays max_position_embeddings; to serve past it, "
                     "add \"max_position_embeddings\" (original_max_position_embeddings x "
                     "factor) to --hf-overrides.")
    if "rope_theta" not in block and version >= TRANSFORMERS_5_ONLY_FROM:
        notes.append("The rope block replaces the config's, and transformers 5 (5.25.0 read) "
                     "sets its rope_theta to None rather than the config's, which vLLM's "
                     "rotary embedding then takes as its base: give \"rope_theta\" in the "
                     "block (the config's value).")
    return tuple(notes)
