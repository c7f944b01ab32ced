"""The context window vLLM works out of config.json: the derived max_model_len (the
longest it accepts) and the one it starts with."""

from typing import NamedTuple

from planner.model.config.length import UNSCALED_ROPE_TYPES, YARN_ROPE_TYPES
from planner.model.spec import ModelSpec, RopeBlock, WindowInputs
from planner.serving.vllm_versions import (
    DEFAULT_VLLM_VERSION,
    LONGROPE_WINDOW_FROM,
    ROPE_PARAMETERS_WINDOW_FROM,
    TOKENIZER_WINDOW_POOLING_ONLY_FROM,
    TRANSFORMERS_4_ROPE_THETA,
    YARN_WINDOW_UNSCALED_FROM,
    Version,
    vllm_rules,
)


def _window_inputs(spec: ModelSpec) -> WindowInputs:
    """spec.window, or for a hand-built spec its max_position_embeddings and rope fields."""
    if spec.window is not None:
        return spec.window
    ropes = () if spec.rope_scaling_type is None else (RopeBlock(
        rope_type=spec.rope_scaling_type, factor=spec.rope_scaling_factor,
        original_max_position_embeddings=spec.original_max_position_embeddings),)
    return WindowInputs(lengths=(("max_position_embeddings", spec.max_position_embeddings),),
                        ropes=ropes, text_model_type=spec.model_type)


class VllmWindow(NamedTuple):
    """How vLLM works a model's window out of config.json (vllm_window)."""

    limit: int
    """the derived max_model_len a given --max-model-len may not pass"""
    start: int
    """the max_model_len vLLM starts with when none is given"""
    key: str | None
    """vLLM's max_len_key, which its refusal names: the config's least length key (the first
    in its order at that value), model_max_length where the config gives one; None without
    any (vLLM then assumes 2,048)"""
    length: int
    """that key's value (2,048 without one), before rope scaling"""
    model_max_length: int | None
    """config.json's model_max_length, which vLLM's refusal names beside the key"""
    rope: str
    """the rope scaling that took the limit from `length` ("linear factor 8", "yarn factor 4 x
    original_max_position_embeddings 32,768"); "" where none did"""
    shown: str
    """the derived length as vLLM's refusal prints it: "40960.0" where vLLM multiplied it by
    a float rope factor (_scales), "40960" where it stayed an int"""

    def why(self, max_position_embeddings: int) -> str:
        """Why the limit is not the config's max_position_embeddings, in one phrase ("" where
        it is): "seq_length 8,192 is the least of the length keys", "yarn factor 4 x
        original_max_position_embeddings 32,768 rope scaling"."""
        if self.limit == max_position_embeddings:
            return ""
        parts = [f"{self.rope} rope scaling"] if self.rope else []
        if self.key is None:
            parts.insert(0, f"none of vLLM's length keys is given: {self.length:,} assumed")
        elif self.key == "model_max_length":
            parts.insert(0, f"model_max_length {self.length:,} replaces the other length keys")
        elif self.key != "max_position_embeddings":
            parts.insert(0, f"{self.key} {self.length:,} is the least of the length keys")
        return "; ".join(parts)


def vllm_window(spec: ModelSpec, version: Version | None = None) -> VllmWindow:
    """The window vLLM `version` (default: the newest covered) works out of config.json for
    this model: its derived max_model_len, its start without --max-model-len and the key and
    rope scaling that set them (_vllm_window)."""
    return _vllm_window(spec, version or vllm_rules(DEFAULT_VLLM_VERSION).version)


def _vllm_window(spec: ModelSpec, version: Version) -> VllmWindow:
    """vllm_window's figures, as vLLM `version` works them out of config.json."""
    return inputs_window(_window_inputs(spec), spec.max_position_embeddings, version)


def inputs_window(w: WindowInputs, max_position_embeddings: int, version: Version
                  ) -> VllmWindow:
    """The window vLLM `version` works out of a config's length keys and rope blocks `w`
    (`max_position_embeddings`: a yarn block's last fallback): a model's (_vllm_window) or a
    speculative drafter's, whose ModelConfig vLLM derives the same way.

    NOTE: config/model.py _get_and_verify_max_len (config.py in 0.9.1-0.10.0; read in the
    0.9.1, 0.9.2, 0.10.0-0.10.2 and every minor 0.11.0-0.34.0 wheel, and 0.11.1):
    1. the least of the text config's length keys (parser VLLM_LENGTH_KEYS: max_position_
       embeddings, n_positions, max_seq_len, seq_length, ...), but model_max_length where the
       config gives one ("For Command-R / Cohere"); none of them: 2048. max_len_key names it:
       the first key in that order whose value is below every earlier one, model_max_length
       where given, None without any (derive_max_model_len_and_key in
       transformers_utils/model_arch_config_convertor.py, 0.19.0 and 0.30.0 wheels), and the
       refusal of a longer --max-model-len names it with the scaled length
       (startup.startup_errors);
    2. unless the text config's model_type contains "gemma3" ("Gemma3's max_model_len (128K)
       is already scaled by RoPE scaling"), times the factor of a rope block whose type is not
       su / longrope / llama3 (default 1, and "default" applies a factor it carries); a yarn
       block first sets the length to its original_max_position_embeddings
       (ROPE_PARAMETERS_WINDOW_FROM: which one), until YARN_WINDOW_UNSCALED_FROM skips the
       yarn types instead;
    3. without --max-model-len, that length, but a longrope model's own
       original_max_position_embeddings from LONGROPE_WINDOW_FROM;
    4. vLLM 0.9.1 only: that start capped at tokenizer_config.json's model_max_length
       where Headroom read one (TOKENIZER_WINDOW_POOLING_ONLY_FROM; vLLM caps a given
       --max-model-len too, after the check against the limit: a plan note says so).
    vLLM's cap at the sliding window applies under --disable-sliding-window only, which
    Headroom does not plan.
    Llama-3.1 (llama3 x 8): 131,072; DeepSeek-V3 (yarn 40 x 4,096, max_position_embeddings
    163,840): 163,840 either way; Gemma-3 (linear x 8): 131,072.
    """
    lengths = dict(w.lengths)
    key = min(lengths, key=lengths.__getitem__, default=None)  # the first of the least
    if lengths.get("model_max_length"):
        key = "model_max_length"
    derived: int | float = lengths[key] if key else 2048
    length, rope = int(derived), ""
    new_rope = version >= ROPE_PARAMETERS_WINDOW_FROM
    # before 0.12 vLLM reads transformers 4's rope_scaling only: neither a block nested by
    # layer type nor any rope_parameters (transformers 5's spelling; the 0.11.0 wheel has no
    # mention of it) is one
    ropes = w.ropes if new_rope or not (w.ropes_nested or w.ropes_parameters_only) else ()
    # UNSCALED_ROPE_TYPES: factors vLLM never applies to the derived length
    skip = UNSCALED_ROPE_TYPES + (YARN_ROPE_TYPES if version >= YARN_WINDOW_UNSCALED_FROM else ())
    if _scales(w, ropes, new_rope, skip):
        # vLLM's scaling_factor as written (rp.get("factor", 1.0)): a JSON integer factor
        # leaves the length an int, any other (1.0 without one) makes it a float
        factor: int | float = 1.0
        applied, yarn = "", None
        for block in ropes:
            if block.rope_type in skip:
                continue
            if block.factor:
                factor = int(block.factor) if block.factor_int else block.factor
            applied = block.rope_type
            if block.rope_type == "yarn":
                # vLLM < 0.12 reads the block's own (a KeyError without it: max_position_
                # embeddings is planned); from 0.12 the config's top-level one comes first
                top = w.original_max_position_embeddings if new_rope else None
                derived = yarn = (top or block.original_max_position_embeddings
                                  or max_position_embeddings)
        derived *= factor
        if yarn is not None:
            rope = f"yarn factor {factor:g} x original_max_position_embeddings {yarn:,}"
        elif factor != 1:
            rope = f"{applied} factor {factor:g}"
    limit = int(derived)
    start = limit
    if version >= LONGROPE_WINDOW_FROM and any(r.rope_type == "longrope" for r in w.ropes):
        start = int(w.original_max_position_embeddings or derived)
    cap = w.tokenizer_model_max_length
    if version < TOKENIZER_WINDOW_POOLING_ONLY_FROM and cap:
        start = min(start, cap)
    return VllmWindow(limit, start, key, length, lengths.get("model_max_length"), rope,
                      str(derived))


def _scales(w: WindowInputs, ropes: tuple[RopeBlock, ...], new_rope: bool,
            skip: tuple[str, ...]) -> bool:
    """Whether vLLM multiplies the derived length by a rope scaling factor (`derived_max_model
    _len *= scaling_factor`, 1.0 where no block gives one), which makes it a float unless
    the factor is a JSON integer: never for a "gemma3" text model type; before 0.12
    (`new_rope` False) where the config's rope_scaling block (`ropes`) is of a type not in
    `skip`; from 0.12 wherever the text config has rope_parameters, even all of skipped types
    (Llama-3.1's llama3) or none written (Qwen3-8B, whose rope_scaling is null).

    NOTE: config/model.py _get_and_verify_max_len: `if rope_scaling is not None and "gemma3"
    not in hf_config.model_type:` ... `if rope_type not in ("su", "longrope", "llama3"):` ...
    `scaling_factor = rope_scaling.get("factor", 1.0)`, `derived_max_model_len *=
    scaling_factor` inside that test (config.py 0.9.1-0.10.0, config/__init__.py 0.10.1-0.10.2,
    config/model.py 0.11.0-0.11.2 wheels); from the 0.12.0 wheel (to 0.34.0) `scaling_factor =
    1.0`, `scaling_factor = rp.get("factor", scaling_factor)` for each block not skipped, and
    `derived_max_model_len *= scaling_factor` after the loop, for any rope_parameters. vLLM
    0.12+ gives the text config rope_parameters wherever it has a rope block or a rope_theta,
    its config class's default included (transformers_utils/config.py patch_rope_parameters,
    0.12.0 wheel: `if (rope_theta := getattr(config, "rope_theta", None)) is not None: ...
    config.rope_parameters = {"rope_type": "default"}`; under transformers 5 the config
    class's standardize_rope_params, 0.34.0 wheel): a model type in
    TRANSFORMERS_4_ROPE_THETA, or rope_theta at its top level. The refusal prints the result
    with `f"{derived_max_model_len}"`: "40960.0" for Qwen3-8B on 0.12.0, "40960" on 0.11.2."""
    if "gemma3" in w.text_model_type:
        return False
    if not new_rope:
        return any(block.rope_type not in skip for block in ropes)
    return bool(ropes) or w.rope_theta_top_level or (
        w.text_model_type in TRANSFORMERS_4_ROPE_THETA)


def derived_max_model_len(spec: ModelSpec, version: Version | None = None) -> int:
    """The longest max_model_len vLLM `version` (default: the newest covered) accepts for this
    model; a larger one raises "User-specified max_model_len (...) is greater than the derived
    max_model_len" unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (_vllm_window)."""
    return vllm_window(spec, version).limit


def default_max_model_len(spec: ModelSpec, version: Version | None = None) -> int:
    """The max_model_len vLLM `version` starts this model with when --max-model-len is not
    given (_vllm_window): the derived length, a longrope model's original context from 0.11.1."""
    return vllm_window(spec, version).start
