"""vLLM's failures on a rope block's keys that depend on the release: what fills a llama3
block's missing original_max_position_embeddings (transformers 5 does, transformers 4 does not).
The release-independent checks of a block's keys are planner.model.config.length's.
Each rule's NOTE names the vLLM and transformers sources read."""

from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import (
    ROPE_PARAMETERS_WINDOW_FROM,
    TRANSFORMERS_5_ALLOWED_FROM,
    Version,
    version_label,
)


def llama3_original_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM `version`'s failure on a flat llama3 rope block without a usable
    original_max_position_embeddings (left out or null) where nothing fills it in: every
    release under transformers 4 (before TRANSFORMERS_5_ALLOWED_FROM), except a block spelled
    rope_parameters before ROPE_PARAMETERS_WINDOW_FROM (read by neither) and, from it, a text
    config with a top-level original_max_position_embeddings (or a class default: Phi-3's),
    which vLLM copies into the block. [] elsewhere.

    NOTE: get_rope reads `rope_scaling["original_max_position_embeddings"]` for llama3
    (rotary_embedding.py, 0.9.2 wheel; `rope_parameters[...]`, rotary_embedding/__init__.py,
    0.12.0 and 0.19.0 wheels): a KeyError as the model is built (None: Llama3RotaryEmbedding's
    `original_max_position_embeddings / low_freq_factor`, a TypeError). Under transformers 4
    nothing fills it before 0.12.0 (patch_rope_scaling, transformers_utils/config.py, 0.9.2
    and 0.11.2 wheels); patch_rope_parameters copies the config's top-level one in from 0.12.0
    (`if ompe := getattr(config, "original_max_position_embeddings", None)`, 0.12.0; `ompe is
    not None`, 0.19.0), and makes `rope_parameters` the rope_scaling object, or keeps
    config.json's rope_parameters as written. transformers 4.57.1's rope_config_validation
    lists the key in _validate_llama3_parameters' required_keys and raises KeyError("Missing
    required keys in `rope_scaling` for 'rope_type'='llama3'") at load for the config classes
    that call it on rope_scaling (LlamaConfig, Qwen3Config, ...), before vLLM's patch: such a
    block with a top-level original_max_position_embeddings is left planned (not refused) on
    0.12.0-0.19.0, where vLLM stops for those classes. From 0.19.1 (transformers 5)
    standardize_rope_params sets it from original_max_position_embeddings or
    max_position_embeddings (modeling_rope_utils.py, 5.25.0) and vLLM starts."""
    w = spec.window
    if w is None or version >= TRANSFORMERS_5_ALLOWED_FROM or w.ropes_nested:
        return []
    if [r.rope_type for r in w.ropes] != ["llama3"] or w.ropes[0].original_max_position_embeddings:
        return []
    if version < ROPE_PARAMETERS_WINDOW_FROM and w.ropes_parameters_only:
        return []
    if version >= ROPE_PARAMETERS_WINDOW_FROM and w.original_max_position_embeddings:
        return []
    key = "rope_parameters" if w.ropes_parameters_only else "rope_scaling"
    validated = ("" if w.ropes_parameters_only else
                 "; its rope validation refuses such a rope_scaling block at load for Llama, "
                 "Qwen and most config classes")
    return [f"KeyError: 'original_max_position_embeddings' (the {key} block is llama3 without "
            f"it: vLLM {version_label(version)} runs transformers 4, which does not fill it in"
            f"{validated}, and get_rope reads rope_parameters[\"original_max_position_"
            "embeddings\"] as it builds the model; under transformers 5, from vLLM "
            f"{version_label(TRANSFORMERS_5_ALLOWED_FROM)}, standardize_rope_params fills it). "
            "Give it in the block (Llama-3.1: 8192), or plan a later release."]
