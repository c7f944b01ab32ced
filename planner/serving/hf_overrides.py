"""What a plan says of --hf-overrides (the config vLLM reads once they are applied is the one
planned: model.config.overrides), and the releases that do not apply them as planned."""

import json

from planner.model.config.overrides import FLAT_TEXT_CONFIG_TYPES, ROPE_KEYS, TEXT_CONFIG
from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import (
    NESTED_HF_OVERRIDES_FROM,
    ROPE_PARAMETERS_WINDOW_FROM,
    TRANSFORMERS_5_ALLOWED_FROM,
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
    (engine.window.inputs_window); from TRANSFORMERS_5_ONLY_FROM, where a top-level block has
    no rope_theta, that transformers leaves it None (a block under text_config is merged into
    the config's, whose rope_theta it keeps: overrides._merged_text).

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
    keys = given.get(TEXT_CONFIG, given)
    where = ("in text_config" + (" (a rope block merged into the text config's own)"
                                 if any(k in keys for k in ROPE_KEYS) else "")
             if TEXT_CONFIG in given else "")
    notes = [f"--hf-overrides {hf_overrides}: planned on config.json with these keys set"
             f"{' ' + where if where else ''}, as vLLM {label} sets them before it derives "
             "max_model_len and builds the rotary cache."]
    block = next((keys[k] for k in ROPE_KEYS if k in keys), None)
    if block is None:
        return tuple(notes)
    kind = block.get("rope_type", block.get("type"))
    if (kind == "yarn" and "max_position_embeddings" not in keys
            and version >= YARN_WINDOW_UNSCALED_FROM):
        notes.append(f"vLLM {label} takes a yarn block's max_position_embeddings as already "
                     "scaled (from vLLM " f"{version_label(YARN_WINDOW_UNSCALED_FROM)}): the "
                     "derived max_model_len stays max_position_embeddings; to serve past it, "
                     "add \"max_position_embeddings\" (original_max_position_embeddings x "
                     "factor) to --hf-overrides"
                     f"{' (in text_config)' if where else ''}.")
    if not where and "rope_theta" not in block and version >= TRANSFORMERS_5_ONLY_FROM:
        notes.append("The rope block replaces the config's, and transformers 5 (5.25.0 read) "
                     "sets its rope_theta to None rather than the config's, which vLLM's "
                     "rotary embedding then takes as its base: give \"rope_theta\" in the "
                     "block (the config's value).")
    return tuple(notes)


def rope_overridden(hf_overrides: str | None) -> bool:
    """Whether --hf-overrides `hf_overrides` sets a rope block (ROPE_KEYS), at the top level or
    under text_config: the rope object vLLM reads is then config.json's with it applied
    (model.config.overrides.with_hf_overrides), which a refusal of it says."""
    if not hf_overrides:
        return False
    given = json.loads(hf_overrides)
    return any(k in ROPE_KEYS for k in (*given, *(given.get(TEXT_CONFIG) or {})))


def hf_overrides_errors(spec: ModelSpec, hf_overrides: str | None, version: Version,
                        label: str) -> tuple[str, ...]:
    """Where vLLM `version` (`label`) does not apply --hf-overrides `hf_overrides` as planned
    (model.config.overrides.with_hf_overrides: the keys reach the text model's config): the
    refusal, naming the release and the form that works; () elsewhere.

    - text_config before NESTED_HF_OVERRIDES_FROM: config.update sets text_config to the JSON
      object and get_hf_text_config's assertion stops vLLM.
    - a rope block under text_config spelled rope_parameters before
      ROPE_PARAMETERS_WINDOW_FROM, which reads rope_scaling only: set beside it, never read.
    - spelled rope_scaling from ROPE_PARAMETERS_WINDOW_FROM up to TRANSFORMERS_5_ALLOWED_FROM
      (transformers 4) where config.json's text config has no rope_scaling of its own
      (spec.own_rope_scaling, overrides.own_rope_scaling: patch_rope_parameters then makes
      rope_parameters a new dict, which the merge, set beside it, does not reach); with one
      (Qwen3-VL-32B) the merge reaches it and is planned (rope_parameters reaches in both
      cases: the merge goes into that dict, or sets it).
    - top-level keys on a FLAT_TEXT_CONFIG_TYPES model from TRANSFORMERS_5_ALLOWED_FROM:
      transformers 5 forwards nothing from the wrapper to its text_config (4.57.6's
      Qwen2VLConfig.__setattr__ did), so vLLM sets them where nothing reads them."""
    if not hf_overrides:
        return ()
    given = json.loads(hf_overrides)
    nested = given.get(TEXT_CONFIG)
    if nested is None:
        if spec.model_type in FLAT_TEXT_CONFIG_TYPES and version >= TRANSFORMERS_5_ALLOWED_FROM:
            return (f"--hf-overrides: vLLM {label} (transformers 5) sets these keys on "
                    f"{spec.model_type}'s top-level config, which its text config no longer "
                    "reads (transformers 4 forwarded them): nest them, '{\"text_config\": "
                    "{...}}', which vLLM applies to the text model from "
                    f"{version_label(NESTED_HF_OVERRIDES_FROM)}.",)
        return ()
    if version < NESTED_HF_OVERRIDES_FROM:
        return (f"AssertionError: vLLM {label} sets --hf-overrides' text_config to the JSON "
                "object itself (config.update; the nested update arrives in "
                f"{version_label(NESTED_HF_OVERRIDES_FROM)}), which get_hf_text_config's "
                "`assert hasattr(text_config, \"num_attention_heads\")` stops on: plan vLLM "
                f"{version_label(NESTED_HF_OVERRIDES_FROM)} or later.",)
    if "rope_parameters" in nested and version < ROPE_PARAMETERS_WINDOW_FROM:
        return (f"--hf-overrides: vLLM {label} reads the text config's rope_scaling "
                "(config/model.py, get_rope), and text_config.rope_parameters is set beside "
                "it, never read: give the block as rope_scaling.",)
    if "rope_scaling" in nested and not spec.own_rope_scaling and \
            ROPE_PARAMETERS_WINDOW_FROM <= version < TRANSFORMERS_5_ALLOWED_FROM:
        return (f"--hf-overrides: vLLM {label} (transformers 4) reads the text config's "
                "rope_parameters, which text_config.rope_scaling reaches only where config.json's "
                "text_config has a rope_scaling of its own (patch_rope_parameters), and this one "
                "has none: it is set beside them, never read; give the block as "
                "rope_parameters, which vLLM updates in place.",)
    return ()
