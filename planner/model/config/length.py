"""The context: rope scaling, and the lengths and rope blocks vLLM's derived max_model_len
reads (config.json's and tokenizer_config.json's)."""

import json
import math
from collections.abc import Collection, Iterable

from planner.jsondoc import json_kind
from planner.model.config.reader import MAX_CONTEXT, Reader, as_int
from planner.model.config.wrapper import text_model_type
from planner.model.spec import (
    AttentionMixer,
    ConfigError,
    LayerSpec,
    RopeBlock,
    RopeKey,
    WindowInputs,
)
from planner.text import shortened

FACTOR_ROPE_TYPES = ("linear", "ntk", "yarn", "llama3", "deepseek_yarn")
"""The rope types whose scaling factor vLLM's get_rope reads with rope_parameters["factor"]
(a missing one is a KeyError).

NOTE: model_executor/layers/rotary_embedding/__init__.py of the 0.34.0 wheel (rotary_embedding.py
get_rope in 0.9.1: the same for these five); transformers 5.25.0 modeling_rope_utils
_validate_{linear,yarn,llama3}_rope_parameters list "factor" in required_keys and raise
KeyError "Missing required keys in `rope_parameters` for 'rope_type'='linear': {'factor'}".
"dynamic" is left out: vLLM takes an "alpha" there instead."""

ROPE_TYPE_KEYS = {"llama3": ("low_freq_factor", "high_freq_factor"),
                  "longrope": ("short_factor", "long_factor"),
                  "su": ("short_factor", "long_factor")}
"""The keys beside the factor that vLLM's get_rope reads with rope_parameters[key] for a rope
type (a missing one is a KeyError): llama3, longrope and su blocks without them planned as
fitting. su is longrope's legacy name: vLLM renames it before get_rope reads the block
(transformers_utils/config.py patch_rope_scaling_dict, 0.9.2 wheel; patch_legacy_rope_type,
0.29.0 and 0.34.0 wheels: `if rope_parameters["rope_type"] == "su": ... = "longrope"`).

NOTE: model_executor/layers/rotary_embedding.py get_rope (0.9.2 wheel: rope_scaling[
"low_freq_factor"], ["high_freq_factor"], ["short_factor"], ["long_factor"]) and
rotary_embedding/__init__.py (0.29.0 and 0.34.0 wheels: rope_parameters[...], the same four);
transformers 5.25.0 modeling_rope_utils _validate_llama3_rope_parameters /
_validate_longrope_rope_parameters list them in required_keys (Qwen3Config(rope_scaling={
"rope_type": "llama3", "factor": 4.0}) raises KeyError "Missing required keys in
`rope_parameters` for 'rope_type'='llama3': {'low_freq_factor', 'high_freq_factor'}")."""


def _check_theta(theta: object, where: str) -> None:
    """Refuse a RoPE base that is a string, an array or an object (null and numbers pass).

    NOTE: vLLM's get_rope takes `base = rope_parameters.get("rope_theta", 10000)` (0.34.0 wheel,
    rotary_embedding/__init__.py; transformers 5.25.0's LlamaConfig(rope_theta="x") keeps the
    string in rope_parameters) and RotaryEmbedding._compute_inv_freq computes `base **
    (torch.arange(...) / rotary_dim)` (rotary_embedding/base.py): a TypeError as the model is
    built. Headroom reads no figure from it, so it planned such a config as fitting."""
    if isinstance(theta, str | list | dict):
        raise ConfigError(f"{where} is {json_kind(theta)}: vLLM's rotary embedding raises it "
                          "to a power as it builds the model (base ** ..., a TypeError); give "
                          "the RoPE base, a number such as 10000")


YARN_ROPE_TYPES = ("yarn", "deepseek_yarn", "deepseek_llama_scaling")
"""The YaRN rope types: their rotary embedding takes beta_fast / beta_slow (yarn_beta_problem),
and from vLLM's YARN_WINDOW_UNSCALED_FROM their factor leaves the derived length as it is
(planner.serving.engine.window). A tuple, as UNSCALED_ROPE_TYPES: a rope_type that is no
string (['llama3']) must reach the blocks' own refusal, not raise TypeError (unhashable) in a
set's membership test."""


def yarn_beta_problem(key: str, beta: object, original: int) -> str | None:
    """Why a YaRN block's `key` (beta_fast or beta_slow) = `beta` makes vLLM fail as it builds
    the rotary embedding, or None: it computes log(`original` / (beta x 2 x pi)) and floors it,
    so beta must be a number (a bool is Python's 0 or 1) with that log finite: a string, null,
    array or object is a TypeError, 0 a ZeroDivisionError, a negative or infinite beta the log
    of a number at or under zero (ValueError: math domain error), a beta so small the ratio
    overflows the floor of inf (OverflowError).

    NOTE: yarn_find_correction_dim(num_rotations, dim, base, max_position_embeddings) =
    dim x log(max_position_embeddings / (num_rotations x 2 x pi)) / (2 log base), floored and
    ceiled by yarn_find_correction_range (model_executor/layers/rotary_embedding.py in the
    0.9.2 wheel, rotary_embedding/common.py in 0.29.0 and 0.34.0, floored unless truncate is
    false, 0.29.0 on), called from YaRNScalingRotaryEmbedding._compute_inv_freq (yarn, and
    MRotaryEmbedding's YaRN from 0.29.0) and DeepseekScalingRotaryEmbedding (deepseek_yarn,
    deepseek_llama_scaling from 0.29.0) with max_position_embeddings = the block's
    original_max_position_embeddings; get_rope passes the key as given (its extra_kwargs:
    null too). transformers 5.25.0's _validate_yarn_rope_parameters only warns of a
    non-number, then compares `(beta_fast or 32) < (beta_slow or 1)`: a string is a TypeError
    at load."""
    if beta is None or not isinstance(beta, int | float):
        return f"is {json_kind(beta)}, not a number: vLLM's YaRN multiplies it by 2 x pi"
    shown = json.dumps(beta)
    if beta == 0:
        return f"= {shown} divides by zero in vLLM's YaRN log({original:,} / ({key} x 2 x pi))"
    ratio = original / (beta * 2 * math.pi)
    if not 0 < ratio < math.inf:  # nan fails both
        return (f"= {shown} leaves no finite log in vLLM's YaRN log({original:,} / ({key} x 2 "
                f"x pi)): {original:,} / ({shown} x 2 x pi) = {ratio:g}")
    return None


UNSCALED_ROPE_TYPES = ("su", "longrope", "llama3")
"""The rope types whose factor vLLM applies neither to the derived max_model_len nor to a
cos/sin cache's rows, so no factor of theirs shrinks or stretches the context
(scaled_context_problem).

NOTE: _get_and_verify_max_len skips them, `if rope_type not in ("su", "longrope", "llama3"):`
(config.py 0.9.2, config/model.py 0.14.0, 0.29.0 and 0.34.0 wheels; planner.serving.engine.
window reads the same); get_rope builds Llama3RotaryEmbedding over max_position_embeddings
rows (RotaryEmbedding's torch.arange(max_position_embeddings)) and
Phi3LongRoPEScaledRotaryEmbedding from short_factor / long_factor, never reading "factor"
(rotary_embedding.py 0.9.2, rotary_embedding/ 0.29.0 and 0.34.0); vLLM's config patch renames
"su" to "longrope". A tuple: a rope_type that is no string (["llama3"]) is refused elsewhere."""


def scaled_context_problem(rope_type: object, factor: float, base: int) -> str | None:
    """Why a `rope_type` factor applied to a `base` length gives no usable context, or None:
    past MAX_CONTEXT, or under one token (factor 1e-300: vLLM's derived max_model_len int(1e-300
    x 32,768) = 0, which Headroom's plan divided by, a ZeroDivisionError traceback); never for
    UNSCALED_ROPE_TYPES, whose factor sizes neither.

    NOTE: vLLM multiplies the derived length by the factor and takes int() of it
    (config/model.py _get_and_verify_max_len, 0.29.0 wheel: `derived_max_model_len *=
    scaling_factor`, `max_model_len = int(derived_max_model_len)`; its validate_model_config_
    after then raises "max_model_len must be a positive integer" for 0), and linear and YaRN
    scaling build a cos/sin cache of max_position_embeddings x factor rows (rotary_embedding/
    linear_scaling_rope.py `max_len = self.max_position_embeddings * scaling_factor`,
    yarn_scaling_rope.py `torch.arange(self.max_position_embeddings * self.scaling_factor)`,
    0.29.0 wheel): under one, torch.arange of it is the one row of position 0."""
    if rope_type in UNSCALED_ROPE_TYPES:
        return None
    tokens = factor * base
    if tokens > MAX_CONTEXT:
        return (f"stretches the context to {tokens:,.0f} tokens ({factor:g} x {base:,}), over "
                f"the {MAX_CONTEXT:,}-token limit of any real model")
    if tokens < 1:
        return (f"shrinks the context to {tokens:.3g} tokens ({factor:g} x {base:,}), under "
                "one: vLLM's rotary cos/sin cache of that many rows holds position 0 alone, and "
                "a max_model_len it derives from it is 0")
    return None


def _checked_block(block: dict, where: str, max_pos: int) -> dict:
    """One flat rope block (config.json's `where`) as get_rope reads it: {} where it scales
    nothing (no rope_type, "default", or no factor), else its type, factor and
    original_max_position_embeddings; refused where vLLM fails to build it: a rope_theta it
    cannot raise to a power, a factor or a ROPE_TYPE_KEYS key get_rope reads with [] left out,
    a factor that is no positive number or sizes no usable context (scaled_context_problem),
    a YaRN beta_fast / beta_slow it cannot use (yarn_beta_problem)."""
    _check_theta(block.get("rope_theta"), f"{where}.rope_theta")
    rtype = block.get("rope_type", block.get("type"))
    factor = block.get("factor")
    if factor is None and rtype in FACTOR_ROPE_TYPES:
        raise ConfigError(f"{where} has rope_type {rtype!r} but no factor: vLLM's "
                          f"get_rope reads rope_parameters[\"factor\"] for it (KeyError), "
                          "as transformers' rope validation does (\"Missing required keys in "
                          "`rope_parameters`\"); give the scaling factor")
    # a rope_type that is no string (["llama3"]) is refused where the blocks are read
    needed = ROPE_TYPE_KEYS.get(rtype, ()) if isinstance(rtype, str) else ()
    missing = [key for key in needed if key not in block]
    if missing:
        raise ConfigError(f"{where} has rope_type {rtype!r} but no "
                          f"{' or '.join(missing)}: vLLM's get_rope reads rope_parameters["
                          f"\"{missing[0]}\"] for it (KeyError), as transformers' rope "
                          "validation does (\"Missing required keys in `rope_parameters`\");"
                          f" give {' and '.join(missing)}")
    if rtype is None or rtype == "default" or factor is None:
        return {}
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor > 0:
        raise ConfigError(f"{where}.factor must be a positive number")
    out: dict = {"type": str(rtype), "factor": float(factor)}
    orig = block.get("original_max_position_embeddings")
    if orig is not None:
        out["original"] = as_int(orig, f"{where}.original_max_position_embeddings",
                                 1, MAX_CONTEXT)  # fmt: skip
    base = out.get("original", max_pos) if rtype == "yarn" else max_pos
    if problem := scaled_context_problem(rtype, factor, base):
        raise ConfigError(f"{where}.factor = {factor:g} {problem}: not a usable rope scaling")
    if rtype in YARN_ROPE_TYPES:
        for key in ("beta_fast", "beta_slow"):
            if key in block and (problem := yarn_beta_problem(
                    key, block[key], out.get("original", max_pos))):
                raise ConfigError(
                    f"{where}.{key} {problem}, an error as vLLM builds the rotary embedding; "
                    "give a positive number of rotations (DeepSeek-V3: beta_fast 32, "
                    "beta_slow 1) or leave the key out")
    return out


def layer_block_problems(block: dict, where: str, max_pos: int,
                         layer_types: Collection[str]) -> tuple[str, ...]:
    """Why vLLM fails on each block of a rope object nested by layer type (rope_nested),
    checked as a flat one (_checked_block's refusal, naming the block), for the layer types the
    model has (`layer_types`: "full_attention", "sliding_attention"); a block of a layer type
    the model lacks reaches neither get_rope nor transformers' validation, and is left alone.
    Recorded, not raised: whether a release reads the object is startup.rope_keys'
    (layer_block_errors).

    NOTE: gemma4.py Gemma4Attention hands get_rope `dict(config.rope_parameters[layer_type])`
    (0.29.0 and 0.34.0 wheels), gemma3.py `config.rope_parameters[layer_type]` (0.34.0; 0.29.0
    where the object has the layer type), and get_rope reads that block's keys as it reads a
    flat one (rotary_embedding/__init__.py, 0.29.0 and 0.34.0: rope_parameters["factor"],
    ["low_freq_factor"], YaRN's beta_fast / beta_slow passed on). transformers 5.25.0's
    validate_rope, which vLLM's patch_rope_parameters calls (transformers_utils/config.py,
    0.29.0 and 0.34.0), runs each layer type's validation on its block, restricted to the
    config's layer_types (nested_rope_parameter_keys): "Missing required keys in
    `rope_parameters` for 'rope_type'='llama3'" as a KeyError at load. A model that reads the
    object flat hands it whole to get_rope, whose cache key hashes each value (a TypeError on
    the nested dicts), so no release that reads the object builds it either way. vLLM's
    derived max_model_len multiplies by the factor of every block, not the full-attention
    block's alone (config/model.py _get_and_verify_max_len, iter_rope_parameters in 0.34.0,
    rope_parameters.values() in 0.29.0; the last block's factor wins, Gemma 3 skipped),
    which planner.serving.engine.window reads from WindowInputs.ropes."""
    problems = []
    for layer_type in sorted(set(block) & set(layer_types)):
        one = block[layer_type]
        try:
            if isinstance(one, dict):
                _checked_block(one, f"{where}.{layer_type}", max_pos)
        except ConfigError as exc:
            problems.append(str(exc))
    return tuple(problems)


def rope_layer_types(layers: Iterable[LayerSpec]) -> frozenset[str]:
    """The layer types, as rope objects nested by layer type name them ("full_attention",
    "sliding_attention"), of the model's rotary attention layers (AttentionMixer), as
    startup.model_config reads them for the per-layer rope classes."""
    return frozenset(f"{layer.mixer.kind}_attention" for layer in layers
                     if isinstance(layer.mixer, AttentionMixer))


def rope_scaling(r: Reader, top: Reader, max_pos: int) -> dict:
    """rope_scaling / rope_parameters: type, factor, the context a YaRN factor gives, and
    "mrope" where the block has mrope_section (get_rope then builds an M-RoPE, whatever the
    factor: ModelSpec.mrope); an object of blocks per layer type gives {} (its blocks are
    checked per release: layer_block_problems).

    A factor that stretches the context past MAX_CONTEXT is refused. NOTE (vLLM
    model_executor/layers/rotary_embedding, get_rope): linear and YaRN scaling precompute a
    cos/sin cache of (max_position or original_max_position_embeddings) x factor rows, so
    YaRN factor 1e6 on Llama-3.1's 8,192 would be 8.2e9 rows (about 2 TB in bf16 at
    rotary_dim 128); real factors are 4-64 (Qwen3 4 x 32,768, DeepSeek-V3 40 x 4,096).
    Neither vLLM nor transformers caps the factor (transformers only warns below 1)."""
    for reader in (r, top):
        _check_theta(reader.cfg.get("rope_theta"), reader.where("rope_theta"))
        k = reader.key("rope_scaling", "rope_parameters")
        if k is None:
            continue
        block = reader.cfg[k]
        if not isinstance(block, dict):
            raise ConfigError(f"{reader.where(k)} must be an object")
        if rope_nested(block):
            return {}
        mrope = {"mrope": True} if "mrope_section" in block else {}
        out = _checked_block(block, reader.where(k), max_pos)
        if not out:
            return mrope
        if out["type"] == "yarn" and "original" in out:
            # NOTE: YaRN stretches the trained context by `factor`: DeepSeek-V3 40 x 4096 =
            # 163,840 tokens; gpt-oss 32 x 4096 = 131,072 (rope_scaling block of config.json).
            out["extended"] = int(out["factor"] * out["original"])
            out["formula"] = f"{out['factor']:g} x {out['original']} ({k}: yarn)"
        return {**out, **mrope}
    return {}


VLLM_LENGTH_KEYS = (
    "max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "model_max_length",
    "max_target_positions", "max_sequence_length", "max_seq_length", "seq_len",
)
"""NOTE: the keys vLLM reads for a model's length, in its order: possible_keys of
config/model.py _get_and_verify_max_len (0.9.1-0.13.0 wheels) and of
transformers_utils/model_arch_config_convertor.py derive_max_model_len_and_key (0.14.0-0.34.0
wheels: the same nine keys, read from hf_text_config in every release)."""

_LAYER_TYPE_KEYS = frozenset((
    "full_attention", "sliding_attention", "chunked_attention", "linear_attention", "conv",
    "mamba", "attention", "sparse", "dense", "hybrid", "moe", "main", "compress",
))
"""NOTE: a rope_parameters object whose keys are all layer types is nested, one block per
type: transformers 5.5.3 configuration_utils.ALLOWED_LAYER_TYPES, plus DeepSeek-V4's "main" and
"compress" (vLLM 0.33.0 and 0.34.0 transformers_utils/config.py is_rope_parameters_nested)."""

_CLASS_ORIGINAL_MAX_POSITION = {"phi3": 4096}
"""NOTE: transformers' Phi3Config sets original_max_position_embeddings = 4096 when config.json
leaves it out (4.57.1 and 5.5.3 models/phi3/configuration_phi3.py); vLLM reads it with getattr
on the loaded config (planner.serving.engine.window._vllm_window)."""


def _length(value: object) -> int | None:
    """A whole number of tokens in [1, MAX_CONTEXT], or None: a length vLLM could not use, or
    one past MAX_CONTEXT (no real model's; vLLM would take it), is left out."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        return None
    return int(value) if 1 <= value <= MAX_CONTEXT else None


def rope_nested(block: dict) -> bool:
    """Whether a rope_parameters object holds one block per layer type (_LAYER_TYPE_KEYS)."""
    return bool(block) and set(block) <= _LAYER_TYPE_KEYS


PER_LAYER_ROPE_TYPES = ("gemma3", "gemma4", "olmo3")
"""Text model types whose vLLM class hands each attention layer the block of its own layer type
where the rope object has one (gemma3.py from the 0.12.0 wheel, gemma4.py 0.24.0 and 0.34.0:
`if layer_type in config.rope_parameters: rope_parameters = config.rope_parameters[
layer_type]`; olmo3.py 0.26.0-0.28.0 `rope_parameters.get(attn_type, rope_parameters)`), so
a mixed rope object (rope_mixed) reaches get_rope by its blocks there: Headroom reads it as
vLLM does, the flat keys for the window and the layer type's block for the rotary dims
(attention.typed_ropes); any other model reads it flat."""


def rope_mixed(block: dict) -> tuple[str, ...]:
    """The layer-type keys of a rope object that holds blocks under them beside flat keys
    ({"rope_type": "default", "rope_theta": 1e6, "full_attention": {...}}): () for a flat
    block and for one nested by layer type only. vLLM reads such an object as one flat block
    (it is not rope_nested: transformers_utils/config.py is_rope_parameters_nested, 0.17.0-
    0.34.0 wheels; config/model.py, 0.12.0: `set(rope_parameters.keys()).issubset(
    ALLOWED_LAYER_TYPES)`), the blocks under it values of that block
    (startup.model_config.mixed_rope_errors)."""
    typed = tuple(k for k, v in block.items() if k in _LAYER_TYPE_KEYS and isinstance(v, dict))
    return typed if typed and not rope_nested(block) else ()


VLLM_ROPE_TYPES = frozenset((
    "default", "proportional", "llama3", "mllama4", "linear", "ntk", "dynamic", "xdrope", "yarn",
    "deepseek_yarn", "deepseek_llama_scaling", "longrope", "openpangu", "bailing_mrope",
))
"""NOTE: the rope types vLLM's get_rope builds (model_executor/layers/rotary_embedding/
__init__.py, 0.19.0 and 0.30.0 wheels, their union); any other raises `ValueError(f"Unknown
RoPE scaling type {scaling_type}")` when the model is built, after config/model.py has already
multiplied the context by its factor (Llama-3.1-8B with rope_type "x": 8 x 131,072)."""


YARN_PASSED_KEYS = ("extrapolation_factor", "attn_factor", "apply_yarn_scaling",
                    "attention_factor", "mscale", "mscale_all_dim")
"""The keys beside the factor, original length and betas that get_rope hands a YaRN rotary
embedding as written, on some release (startup.rope_keys.yarn_key_errors reads which)."""


def _yarn_keys(block: dict) -> tuple[RopeKey, ...]:
    """A YaRN block's YARN_PASSED_KEYS as Python's number x value, float(value) and
    bool(value) fare on each: what vLLM's YaRN classes compute from them."""
    out = []
    for key in YARN_PASSED_KEYS:
        if key not in block:
            continue
        value = block[key]
        try:
            as_float: float | None = float(value)
        except (TypeError, ValueError, OverflowError):
            as_float = None
        out.append(RopeKey(key=key, shown=shortened(json.dumps(value)), value=as_float,
                           number=isinstance(value, int | float) and as_float is not None,
                           truthy=bool(value)))
    return tuple(out)


_ORIGINAL_KEY = "original_max_position_embeddings"


def _rope_blocks(block: dict, where: str = "rope_scaling") -> tuple[RopeBlock, ...]:
    """The rope blocks of one rope_scaling / rope_parameters object, with vLLM's renames; a
    rope type that is not a string, or that vLLM's get_rope does not know, is refused.

    NOTE: vLLM transformers_utils/config.py patch_rope_scaling_dict (0.9.1-0.11.1),
    patch_rope_parameters_dict (0.12.0-0.20.0), patch_legacy_rope_type (0.21.0-0.34.0): a
    legacy `type` becomes `rope_type`, "su" becomes "longrope", "mrope" becomes "default"."""
    out = []
    nested = rope_nested(block)
    for name, one in (block.items() if nested else ((None, block),)):
        if not isinstance(one, dict) or not one:
            continue
        key = "rope_type" if "rope_type" in one else "type"
        kind = one.get(key, "default")
        at = f"{where}.{name}.{key}" if nested else f"{where}.{key}"
        if not isinstance(kind, str):
            raise ConfigError(f"config.json: {at} must be a string, got {kind!r}")
        kind = {"su": "longrope", "mrope": "default"}.get(kind, kind)
        if kind not in VLLM_ROPE_TYPES:
            raise ConfigError(f"config.json: {at} = {kind!r}: vLLM stops on \"Unknown RoPE "
                              f"scaling type {kind}\" when it builds the rotary embedding "
                              "(get_rope, model_executor/layers/rotary_embedding)")
        raw = one.get("factor")
        factor = (float(raw) if isinstance(raw, int | float) and not isinstance(
            raw, bool) and math.isfinite(raw) and raw > 0 else None)
        out.append(RopeBlock(rope_type=kind, factor=factor,
                             factor_int=factor is not None and isinstance(raw, int),
                             original_max_position_embeddings=_length(one.get(_ORIGINAL_KEY)),
                             original_null=_ORIGINAL_KEY in one and one[_ORIGINAL_KEY] is None,
                             legacy_type=one.get("type") if key == "type" else None,
                             yarn_keys=_yarn_keys(one) if kind in YARN_ROPE_TYPES else (),
                             layer_type=name, mrope="mrope_section" in one))
    return tuple(out)


def window_inputs(r: Reader, top: Reader, max_pos: int, model_type: str,
                  layer_types: Collection[str]) -> WindowInputs:
    """The fields vLLM's derived max_model_len reads (planner.serving.engine.window._vllm_window),
    and the problems of a nested rope object's blocks of the model's `layer_types`
    (layer_block_problems).

    The length keys come from the text config (vLLM reads hf_text_config); a config.json
    without max_position_embeddings (or its n_positions / max_sequence_length aliases) counts
    the transformers class default where defaults.py knows one, and otherwise none, as vLLM
    sees no attribute then; one written out as null counts none (vLLM's
    _get_and_verify_max_len skips a length that is None, config/model.py, 0.11.0 wheel)."""
    text_type = text_model_type(r, model_type)
    lengths = {k: v for k in VLLM_LENGTH_KEYS if (v := _length(r.get(k))) is not None}
    if "max_position_embeddings" not in lengths and not r.null(
            "max_position_embeddings", "n_positions", "max_sequence_length") and (
            set(lengths) & {"n_positions", "max_sequence_length"}
            or r.defaults and "max_position_embeddings" in r.defaults.values):
        lengths["max_position_embeddings"] = max_pos
    block: dict = {}
    where = "rope_scaling"
    for reader in (r, top):
        k = reader.key("rope_scaling", "rope_parameters")
        if k is not None and isinstance(reader.cfg[k], dict):
            block, where = reader.cfg[k], reader.prefix + k
            break
    original = _length(r.get("original_max_position_embeddings"))
    least = lengths.get("model_max_length") or min(lengths.values(), default=2048)
    ropes = _rope_blocks(block, where)
    flat = r.get("rope_parameters")
    for rope in ropes:
        base = (rope.original_max_position_embeddings or least) if rope.rope_type == "yarn" \
            else least
        if rope.factor and (problem := scaled_context_problem(rope.rope_type, rope.factor,
                                                              base)):
            raise ConfigError(f"config.json: a {rope.rope_type} rope factor of {rope.factor:g} "
                              f"{problem}: not a usable rope scaling")
    return WindowInputs(
        lengths=tuple((k, lengths[k]) for k in VLLM_LENGTH_KEYS if k in lengths),
        ropes=ropes,
        ropes_nested=rope_nested(block),
        layer_block_problems=layer_block_problems(
            block, f"config.json: {where}", max_pos, layer_types) if rope_nested(block) else (),
        ropes_mixed=rope_mixed(block),
        ropes_parameters_only=bool(ropes) and where.endswith("rope_parameters"),
        rope_theta_top_level=r.key("rope_theta", "rotary_emb_base") is not None,
        rope_theta_as_rotary_emb_base=r.key("rope_theta", "rotary_emb_base") == "rotary_emb_base",
        rope_parameters_theta=isinstance(flat, dict) and not rope_nested(flat)
        and flat.get("rope_theta") is not None,
        original_max_position_embeddings=original or _CLASS_ORIGINAL_MAX_POSITION.get(
            text_type),
        text_model_type=text_type,
    )


def tokenizer_length(tokenizer_config: dict) -> int | None:
    """tokenizer_config.json's model_max_length where it is a usable length.

    NOTE: transformers writes int(1e30) (VERY_LARGE_INTEGER) for a tokenizer without a limit;
    a value past MAX_CONTEXT is no limit to any real model, so it is left out (_length)."""
    return _length(tokenizer_config.get("model_max_length"))


def tokenizer_length_unusable(tokenizer_config: dict) -> str | None:
    """tokenizer_config.json's model_max_length as written (JSON, planner.text.shortened) where
    it is given but is no length: a string, a negative, a fraction, Infinity (1e400). None where
    tokenizer_length reads it, where it is null or left out, and for a whole number past
    MAX_CONTEXT (transformers' int(1e30), 'no limit'), which caps nothing."""
    value = tokenizer_config.get("model_max_length")
    no_limit = (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value) and value == int(value) and value > MAX_CONTEXT)
    if value is None or no_limit or _length(value) is not None:
        return None
    return shortened(json.dumps(value))
