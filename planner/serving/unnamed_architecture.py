"""A config.json that names no `architectures` (the key missing, or an empty list): the
model class vLLM picks for it, or why it picks none.

NOTE: get_config (vllm/transformers_utils/config.py) fills them in from 0.11.1 (read in
0.11.1, 0.19.0, 0.27.0 and 0.34.0; absent, but for GGUF files, in 0.9.1-0.11.0): where
`not config.architectures`, it sets [MODEL_MAPPING_NAMES[model_type]], transformers' base
model class (llama: LlamaModel; models/auto/modeling_auto.py), and where transformers has none
for the model_type it logs a warning and leaves them empty, and
ModelRegistry.inspect_model_cls (model_executor/models/registry.py) stops with "No model
architectures are specified". Before 0.11.1 nothing fills them and the registry finds no
class: 0.11.0 raises that error, 0.9.1-0.10.2 fail in ModelRegistry._normalize_archs or
_raise_for_unsupported. Counted on the lowest transformers the release allows (its
`transformers_min`), as launch.py does for model types.
"""

from planner.model.spec import ModelSpec
from planner.serving.pooling import pooling_refusal
from planner.serving.vllm_cli import (
    VllmCli,
    transformers_base_model_class,
    transformers_model_types,
)
from planner.serving.vllm_versions import ARCHITECTURES_FILLED_FROM, parse_version

NO_ARCHITECTURES = "No model architectures are specified"
"""ModelRegistry.inspect_model_cls's ValueError (0.11.0-0.34.0)."""


def architecture_refusal(spec: ModelSpec, cli: VllmCli) -> str | None:
    """One line where vLLM `cli` serves `spec`'s config.json as no generator: a pooling model
    (pooling.pooling_refusal), by the class it names or, where it names none, the one vLLM
    fills in (said first), or no class at all (the module's NOTE); None where it serves a
    generator, or vLLM cannot read config.json first (no model_type, or one neither it nor
    transformers has a config class for: launch.untyped_config_note, unknown_type_note)."""
    model_type = spec.config_model_type
    if not spec.architectures_missing or not model_type:
        return pooling_refusal(spec.architectures, cli)
    filled = _filled(model_type, cli)
    if filled is None:
        known = model_type in cli.config_model_types or model_type in (
            transformers_model_types(cli.transformers_min))
        return _unfilled(model_type, cli) if known else None
    refusal = pooling_refusal((filled,), cli)
    return refusal and f"{_filled_note(model_type, filled, cli)}; {refusal}"


def filled_generator_note(spec: ModelSpec, cli: VllmCli) -> str | None:
    """The plan's note where `spec`'s config.json names no architectures and vLLM `cli` fills
    in a generator's class (architecture_refusal None), the class said; None otherwise."""
    model_type = spec.config_model_type
    if not spec.architectures_missing or not model_type:
        return None
    filled = _filled(model_type, cli)
    if filled is None or pooling_refusal((filled,), cli) is not None:
        return None
    return (f"{_filled_note(model_type, filled, cli)}, and serves it as a generator "
            "(ModelConfig._get_default_runner_type).")


def _filled(model_type: str, cli: VllmCli) -> str | None:
    """The class vLLM `cli` gives a config.json of `model_type` that names no architectures;
    None where it gives none."""
    if parse_version(cli.vllm_version) < ARCHITECTURES_FILLED_FROM:
        return None
    return transformers_base_model_class(cli.transformers_min, model_type)


def _unfilled(model_type: str, cli: VllmCli) -> str:
    """Why vLLM `cli` finds no class for a config.json of `model_type` naming none."""
    v = cli.vllm_version
    if parse_version(v) < ARCHITECTURES_FILLED_FROM:
        return (f"config.json names no architectures, which vLLM {v} needs to pick a model "
                "class (model_executor/models/registry.py); it fills them in from 0.11.1 on "
                "(transformers_utils/config.py get_config): name the class in config.json's "
                "\"architectures\", or plan with vLLM 0.11.1 or later.")
    return (f"vLLM {v} stops with \"{NO_ARCHITECTURES}\": config.json names no architectures, "
            f"and transformers {cli.transformers_min}, the oldest it allows, has no base model "
            f"class for model_type '{model_type}' to fill in (MODEL_MAPPING_NAMES; "
            "transformers_utils/config.py get_config): name the class in config.json's "
            "\"architectures\".")


def _filled_note(model_type: str, arch: str, cli: VllmCli) -> str:
    """What vLLM `cli` gives a config.json of `model_type` that names no architectures."""
    return (f"config.json names no architectures: vLLM {cli.vllm_version} gives it {arch}, "
            f"transformers {cli.transformers_min}'s base model class for model_type "
            f"'{model_type}' (MODEL_MAPPING_NAMES; transformers_utils/config.py get_config)")
