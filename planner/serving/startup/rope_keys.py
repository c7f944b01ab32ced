"""vLLM's failures on a rope block's keys that depend on the release: whether it reads a rope
object nested by layer type at all, what fills a llama3 block's missing
original_max_position_embeddings (transformers 5 does, transformers 4 does not), and which YaRN
keys beside the factor and betas its YaRN classes compute with.
The release-independent checks of a block's keys are planner.model.config.length's.
Each rule's NOTE names the vLLM and transformers sources read."""

import math

from planner.model.config.families import MLA_ONLY_TYPES
from planner.model.config.length import rope_layer_types
from planner.model.spec import ModelSpec, RopeBlock, RopeKey, WindowInputs
from planner.serving.startup.transformers4_rope import (
    legacy_type_error,
    llama3_class_error,
    llama3_validation_error,
)
from planner.serving.vllm_versions import (
    ROPE_PARAMETERS_WINDOW_FROM,
    TRANSFORMERS_5_ALLOWED_FROM,
    Version,
    version_label,
)


def reads_rope_object(w: WindowInputs, version: Version) -> bool:
    """Whether vLLM `version` reads the config's rope object at all: a rope_scaling one in every
    release, a rope_parameters one (ropes_parameters_only) from ROPE_PARAMETERS_WINDOW_FROM.

    NOTE: before 0.12.0 vLLM reads config.rope_scaling only (patch_rope_scaling,
    transformers_utils/config.py, 0.9.2 and 0.11.2 wheels; the models pass
    `config.rope_scaling` to get_rope), and transformers 4 reads no rope_parameters key, so a
    rope_parameters object, flat or nested, is an unread attribute there. From the 0.12.0 wheel
    patch_rope_parameters reads it, patching each layer type's block where nested (`if
    set(config.rope_parameters.keys()).issubset(ALLOWED_LAYER_TYPES)`), and the models pass
    config.rope_parameters (gemma3.py: `config.rope_parameters[layer_type]`). A nested
    rope_scaling is read in every release: before 0.12.0 patch_rope_scaling_dict raises
    ValueError("rope_scaling should have a 'rope_type' key") on it (0.9.2, 0.11.2), a refusal
    either way."""
    return version >= ROPE_PARAMETERS_WINDOW_FROM or not w.ropes_parameters_only


def layer_block_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM `version`'s failure on a rope object nested by layer type: a rope_scaling one
    before ROPE_PARAMETERS_WINDOW_FROM, which vLLM patches as one block (_nested_scaling_error),
    else its blocks' (WindowInputs.layer_block_problems, one per block of the model's layer
    types), where it reads the object (reads_rope_object); [] elsewhere."""
    w = spec.window
    if w is not None and w.ropes_nested and not w.ropes_parameters_only \
            and version < ROPE_PARAMETERS_WINDOW_FROM:
        return [_nested_scaling_error(version)]
    if w is None or not w.layer_block_problems or not reads_rope_object(w, version):
        return []
    return [f"{problem} (vLLM {version_label(version)} reads each layer type's block)"
            for problem in w.layer_block_problems]


def _nested_scaling_error(version: Version) -> str:
    """vLLM `version`'s (before 0.12.0) ValueError on a rope_scaling nested by layer type.

    NOTE: get_config calls patch_rope_scaling(config) on every config, which hands
    config.rope_scaling (and text_config's) whole to patch_rope_scaling_dict; an object whose
    keys are layer types has neither "rope_type" nor "type", so it raises ValueError(
    "rope_scaling should have a 'rope_type' key") (transformers_utils/config.py, 0.9.0, 0.9.2,
    0.10.2 and 0.11.2 wheels). From 0.12.0 patch_rope_parameters patches each layer type's
    block (reads_rope_object's NOTE)."""
    return ("ValueError: rope_scaling should have a 'rope_type' key: the config's rope_scaling "
            f"is nested by layer type, and vLLM {version_label(version)}'s "
            "patch_rope_scaling_dict reads it as one block (vLLM "
            f"{version_label(ROPE_PARAMETERS_WINDOW_FROM)} and later read each layer type's "
            "block). Give one flat rope_scaling block, or plan a later release.")


def llama3_original_errors(spec: ModelSpec, version: Version, overridden: bool = False
                           ) -> list[str]:
    """vLLM `version`'s failure on a flat llama3 rope block without a usable
    original_max_position_embeddings (left out or null) where nothing fills it in: every
    release under transformers 4 (before TRANSFORMERS_5_ALLOWED_FROM), except a block spelled
    rope_parameters before ROPE_PARAMETERS_WINDOW_FROM (read by neither) and, from it, a text
    config with a top-level original_max_position_embeddings (or a class default: Phi-3's),
    which vLLM copies into the block, unless the text config's transformers 4 class validates
    a rope_scaling block at load (transformers4_rope.llama3_validation_error; not asked where
    --hf-overrides sets the rope block, `overridden`: vLLM applies it after the load). []
    elsewhere, and where the class's own validator refuses any llama3 block first
    (transformers4_rope.own_validator_errors) or the class refuses a block giving `type` alone
    (transformers4_rope.legacy_type_errors).

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
    block with a top-level original_max_position_embeddings is refused on 0.12.0-0.19.0 for
    those classes (transformers4_rope.VALIDATED_TYPES) with their error. From 0.19.1
    (transformers 5) standardize_rope_params sets it from original_max_position_embeddings or
    max_position_embeddings (modeling_rope_utils.py, 5.25.0) and vLLM starts."""
    w = spec.window
    if w is None or version >= TRANSFORMERS_5_ALLOWED_FROM or w.ropes_nested:
        return []
    if [r.rope_type for r in w.ropes] != ["llama3"] or w.ropes[0].original_max_position_embeddings:
        return []
    if not overridden and (llama3_class_error(w, version) or legacy_type_error(w, version)):
        return []
    if not reads_rope_object(w, version):
        return []
    if version >= ROPE_PARAMETERS_WINDOW_FROM and w.original_max_position_embeddings:
        error = None if overridden else llama3_validation_error(w, version)
        return [error] if error else []
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


YARN_ATTENTION_FACTOR_FROM: Version = (0, 30, 0)
"""NOTE: get_rope's yarn branch passes on "extrapolation_factor", "attn_factor", "beta_fast",
"beta_slow" (0.9.0-0.11.0 wheels; "apply_yarn_scaling" from 0.11.1, "truncate" from 0.12.0) up
to the 0.29.0 wheel, and "beta_fast", "beta_slow", "mscale", "mscale_all_dim",
"attention_factor", "truncate" from the 0.30.0 wheel (0.30.0-0.34.0); its deepseek_yarn /
deepseek_llama_scaling branch "extrapolation_factor", "attn_factor", the betas, "mscale",
"mscale_all_dim" up to 0.29.0, the betas, "mscale", "mscale_all_dim" from 0.30.0
(rotary_embedding.py, 0.9.0-0.10.2 wheels; rotary_embedding/__init__.py, 0.11.0-0.34.0)."""

APPLY_YARN_SCALING_FROM: Version = (0, 11, 1)
"""NOTE: the first wheel whose get_rope passes a yarn block's "apply_yarn_scaling" on to
YaRNScalingRotaryEmbedding (not to MRotaryEmbedding: `extra_kwargs.pop("apply_yarn_scaling",
None)`), which then takes `float(attn_factor)` where it is false (0.11.1, 0.19.0, 0.29.0
wheels)."""


def _yarn_key_problem(block: RopeBlock, mrope: bool, version: Version
                      ) -> tuple[RopeKey, str, str] | None:
    """The first YaRN key of `block` vLLM `version` fails on as it builds the rotary
    embedding: (key, the error, what vLLM computes with it), or None.

    NOTE: up to 0.29.0 YaRNScalingRotaryEmbedding computes `float(yarn_get_mscale(factor) *
    attn_factor)` (`float(attn_factor)` where apply_yarn_scaling is false),
    MRotaryEmbedding's YaRN the product, and both `(1 - yarn_linear_ramp_mask(...)) *
    extrapolation_factor`; DeepseekScalingRotaryEmbedding `yarn_get_mscale(factor,
    float(mscale)) / yarn_get_mscale(factor, float(mscale_all_dim)) * attn_factor` and the same
    ramp product (rotary_embedding.py 0.9.2; yarn_scaling_rope.py, mrope.py,
    deepseek_scaling_rope.py 0.19.0, 0.29.0). From 0.30.0 YaRNScalingRotaryEmbedding and
    MRotaryEmbedding take `float(attention_factor)` where it is not None, else, `if mscale and
    mscale_all_dim`, common.yarn_get_mscale(factor, mscale) / yarn_get_mscale(factor,
    mscale_all_dim), `0.1 * mscale * math.log(scale) + 1.0` above a factor of 1;
    DeepseekScalingRotaryEmbedding float(mscale) and float(mscale_all_dim) (0.30.0 and 0.34.0
    wheels). Python's `x * "1.5"` is a TypeError and float("x") a ValueError; true is 1, nan and
    inf raise nothing (a cache of nan: not refused). A zero divisor is
    _zero_divisor_error's."""
    keys = block.yarn_by_key
    deepseek = block.rope_type != "yarn"
    checks: list[tuple[str, str]] = []  # (key, "float" | "times" | "scale")
    if version < YARN_ATTENTION_FACTOR_FROM:
        scaled = keys.get("apply_yarn_scaling")
        as_float = (not deepseek and not mrope and version >= APPLY_YARN_SCALING_FROM
                    and scaled is not None and not scaled.truthy)
        checks += [("mscale", "float"), ("mscale_all_dim", "float")] if deepseek else []
        checks += [("attn_factor", "float" if as_float else "times"),
                   ("extrapolation_factor", "times")]
    elif deepseek:
        checks += [("mscale", "float"), ("mscale_all_dim", "float")]
    elif _mscale_ratio(keys, block, version):
        checks += [("mscale", "scale"), ("mscale_all_dim", "scale")]
    elif "attention_factor" in keys and keys["attention_factor"].shown != "null":
        checks.append(("attention_factor", "float"))
    for name, op in checks:
        key = keys.get(name)
        if key is None or (key.value is not None if op == "float" else key.number):
            continue
        if op == "float":
            error = "TypeError" if key.shown[:1] != '"' else "ValueError"
            return key, error, f"float({name})"
        if op == "times":
            return key, "TypeError", f"a product with {name}"
        return key, "TypeError", f"0.1 x {name} x log(factor) + 1"
    return None


def _mscale_ratio(keys: dict[str, RopeKey], block: RopeBlock, version: Version) -> bool:
    """Whether vLLM `version`'s YaRN class for `block` divides yarn_get_mscale(factor,
    mscale) by yarn_get_mscale(factor, mscale_all_dim) (_yarn_key_problem's NOTE): the
    deepseek types always (mscale_all_dim defaults to 0), yarn from YARN_ATTENTION_FACTOR_FROM
    where attention_factor is absent or null and mscale and mscale_all_dim are both truthy,
    the factor above 1 (yarn_get_mscale returns 1.0 at or under it without reading mscale)."""
    if block.rope_type != "yarn":
        return True
    attention = keys.get("attention_factor")
    return (version >= YARN_ATTENTION_FACTOR_FROM
            and (attention is None or attention.shown == "null")
            and all(k in keys and keys[k].truthy for k in ("mscale", "mscale_all_dim"))
            and (block.factor or 0) > 1)


def _zero_divisor_error(block: RopeBlock, version: Version, where: str) -> str | None:
    """vLLM `version`'s error dividing by zero on `block`'s (config.json's `where`)
    mscale_all_dim, or None: where it takes the ratio (_mscale_ratio) and 0.1 x mscale_all_dim
    x log(factor) + 1 is exactly 0.0, Python's float division raises ZeroDivisionError ("float
    division by zero") as the model is built. A zero numerator (mscale's) is a cache of
    zeros: it runs, not refused; so do inf and nan (no exception in float arithmetic).

    NOTE: yarn_get_mscale(scale, mscale) = `0.1 * mscale * math.log(scale) + 1.0` for scale
    > 1 (rotary_embedding.py 0.9.2; deepseek_scaling_rope.py and common.py 0.29.0, 0.30.0,
    0.34.0 wheels), divided into in plain Python floats, not tensors (DeepseekScaling
    RotaryEmbedding.__init__ every release; YaRNScalingRotaryEmbedding and MRotaryEmbedding
    from 0.30.0). DeepSeek-V3's config.json: mscale 1.0, mscale_all_dim 1.0, factor 40."""
    keys = block.yarn_by_key
    divisor = keys.get("mscale_all_dim")
    if divisor is None or divisor.value is None or not (block.factor or 0) > 1:
        return None
    if not _mscale_ratio(keys, block, version):
        return None
    log_factor = math.log(block.factor)
    if 0.1 * divisor.value * log_factor + 1.0 != 0.0:
        return None
    return (f"ZeroDivisionError: {where}.mscale_all_dim = {divisor.shown}: vLLM "
            f"{version_label(version)}'s {block.rope_type} rotary embedding divides by "
            f"yarn_get_mscale(factor, mscale_all_dim) = 0.1 x {divisor.value:g} x "
            f"log({block.factor:g}) + 1 = 0 as it builds the model (float division by zero). "
            "Give another mscale_all_dim (DeepSeek-V3: 1.0), or leave the key out.")


def yarn_key_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM `version`'s failures on a yarn / deepseek_yarn / deepseek_llama_scaling block's
    attn_factor, extrapolation_factor, attention_factor, mscale or mscale_all_dim that its YaRN
    rotary embedding cannot compute with (_yarn_key_problem) or that zeroes its divisor
    (_zero_divisor_error), naming the key and value, where vLLM `version` reads the rope object
    (reads_rope_object): the flat block, or in an object nested by layer type each block of
    the model's layer types (length.rope_layer_types), as layer_block_errors checks them and
    vLLM's per-layer classes hand them to get_rope (gemma4.py `dict(config.rope_parameters[
    layer_type])`, 0.29.0 and 0.34.0 wheels; get_rope passes a block's YaRN keys as it does a
    flat one's, rotary_embedding/__init__.py 0.29.0, 0.34.0). [] elsewhere."""
    w = spec.window
    if w is None or not reads_rope_object(w, version):
        return []
    key = "rope_parameters" if w.ropes_parameters_only else "rope_scaling"
    if w.ropes_nested:
        types = rope_layer_types(spec.layers)
        blocks = [(b, f"{key}.{b.layer_type}", b.mrope) for b in w.ropes
                  if b.layer_type in types]
    else:
        blocks = [(_as_get_rope_reads(w, b), key, spec.mrope) for b in w.ropes[:1]]
    return [error for block, where, mrope in blocks
            if (error := _yarn_block_error(block, where, mrope, version))]


DEEPSEEK_ATTENTION_TYPES = (*MLA_ONLY_TYPES, "glm4_moe_lite")
"""The model_types whose attention is deepseek_v2.py's DeepseekV2Attention /
DeepseekV2MLAAttention, which rename the rope block (_as_get_rope_reads): MLA_ONLY_TYPES and
glm4_moe_lite (GLM-4.7-Flash), whose Glm4MoeLiteAttention and Glm4MoeLiteMLAAttention subclass
them without an __init__ of their own (glm4_moe_lite.py, 0.19.0 and 0.34.0 wheels; the file
from 0.15.0)."""


def _as_get_rope_reads(w: WindowInputs, block: RopeBlock) -> RopeBlock:
    """A flat `block` as get_rope reads it: a model_type vLLM builds with deepseek_v2.py's
    attention (DEEPSEEK_ATTENTION_TYPES: DeepSeek-V2 / V3 / V3.2, Kimi-K2, GLM-5,
    GLM-4.7-Flash) has its config.json's
    "type": "yarn" renamed deepseek_yarn first, so DeepseekScalingRotaryEmbedding's rules
    apply (float(mscale), float(mscale_all_dim), always their ratio; no attention_factor).

    NOTE: DeepseekV2Attention / DeepseekV2MLAAttention set `rope_scaling["rope_type"] =
    'deepseek_yarn'` for any block (deepseek_v2.py, 0.9.2 wheel), and for any type but
    "default" `config.rope_parameters["rope_type"]` = "deepseek_yarn", or
    "deepseek_llama_scaling" (apply_yarn_scaling false, 0.19.0, 0.29.0, 0.30.0; attention_factor
    1.0, 0.34.0; deepseek_v2.py, and deepseek_v32/attention.py 0.34.0): get_rope builds both
    with DeepseekScalingRotaryEmbedding (rotary_embedding/__init__.py 0.19.0-0.34.0)."""
    if w.text_model_type not in DEEPSEEK_ATTENTION_TYPES or block.rope_type == "default":
        return block
    return block.model_copy(update={"rope_type": "deepseek_yarn"})


def _yarn_block_error(block: RopeBlock, where: str, mrope: bool, version: Version
                      ) -> str | None:
    """vLLM `version`'s failure on one YaRN block (config.json's `where`) of yarn_key_errors,
    or None."""
    problem = _yarn_key_problem(block, mrope, version)
    if problem is None:
        return _zero_divisor_error(block, version, where)
    key, error, use = problem
    return (f"{error}: {where}.{key.key} = {key.shown}: vLLM {version_label(version)}'s "
            f"{block.rope_type} rotary embedding computes {use} as it builds the model, and "
            "this value is no number it can use. Give a number, or leave the key out.")
