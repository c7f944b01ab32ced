"""VLLM_ALLOW_LONG_MAX_MODEL_LEN=1: a --max-model-len above the derived one
(engine.vllm_window's limit), which vLLM then serves with a warning instead of refusing.

NOTE: what the variable changes, read in the .py files of every covered wheel (0.9.1, 0.9.2,
0.10.0-0.10.2 and every minor 0.11.0-0.34.0): envs.py reads it as
`os.environ.get("VLLM_ALLOW_LONG_MAX_MODEL_LEN", "0").strip().lower() in ("1", "true")`, and
its only reader is _get_and_verify_max_len (config.py in 0.9.1-0.10.0, config/__init__.py in
0.10.1-0.10.2, config/model.py from 0.11.0): where a given max_model_len passes the derived
length (and the config's model_max_length, which already is the derived one where given) it
logs a warning (over_window_warning) in place of the ValueError
(startup.startup_errors) and returns the length asked. So the KV cache, the batch limits,
the activation profile and the scheduler all run at that length, as at any other.

What it does NOT change:
- the rotary embedding: the models build get_rope(max_position=config.max_position_embeddings)
  (qwen3.py, llama.py in the 0.9.1 and 0.34.0 wheels; qwen3.py's call in every wheel), whose
  cos/sin cache holds one row per position of it (rotary_embedding base.py
  _compute_cos_sin_cache, `torch.arange(self.max_position_embeddings)`; a rope scaling's
  and an M-RoPE's own rows aside: weights.rope_cache_reach) and which ops.rotary_embedding
  indexes by position unchecked: a position past it reads past the cache (vLLM's own warning,
  from LONG_LEN_CAUTION_FROM: NaN with RoPE, a CUDA out-of-bounds error with absolute
  positions). MiniMax-M2 is the exception (ROPE_CACHE_AT_MAX_MODEL_LEN), whose larger cache
  the weights count (rope_cache_positions); an M-RoPE cache of 4 rows a position
  (vllm_versions.mrope_cache_factor) holds a text request past the derived length too, and
  a model with no rotary embedding (Nemotron-H: nemotron_h.py builds none) has no cache to
  pass;
- no other start-up check: the ValueErrors naming max_model_len in the wheels (0.9.1, 0.20.0,
  0.34.0 read whole) are the batch limits', the KV cache check's (both planned at the length
  asked) and speculative_max_model_len's, which Headroom does not plan; so no covered release
  still refuses it for a sliding-window, hard-capped or encoder-decoder model (the
  NotImplementedError beside it, before 0.12.0, is --disable-sliding-window's, not planned).
"""

from planner.serving.engine import VllmWindow
from planner.serving.vllm_versions import LONG_LEN_CAUTION_FROM, Version

ALLOW_LONG_ENV = "VLLM_ALLOW_LONG_MAX_MODEL_LEN"
"""The environment variable (envs.py), set to 1 in the launch command (env_prefix)."""

ROPE_CACHE_AT_MAX_MODEL_LEN: dict[str, Version] = {"minimax_m2": (0, 11, 1)}
"""model_type -> the first release whose model builds its cos/sin cache for max(
max_position_embeddings, max_model_len), so positions past the derived length stay inside it.

NOTE: minimax_m2.py (0.11.1 wheel, its first, to 0.34.0): MiniMaxM2ForCausalLM.__init__ sets
`self.config.max_model_len = vllm_config.model_config.max_model_len` before the model is built,
and MiniMaxM2DecoderLayer takes `max_position_embeddings = max(config.max_position_embeddings,
config.max_model_len)` for its attention's get_rope (every wheel 0.11.1-0.34.0):
`get_rope(head_dim, rotary_dim=config.rotary_dim, max_position=...)` in 0.11.1-0.12.0, from
0.13.0 `partial_rotary_factor = rotary_dim / head_dim` in rope_parameters, a cache rotary_dim
wide either way, no dtype passed, in get_rope's default dtype
(torch.get_default_dtype(): the model dtype vLLM builds it under)."""


def rope_cache_positions(model_type: str, max_position_embeddings: int, version: Version,
                         max_model_len: int) -> int:
    """The positions vLLM `version` builds this model's rotary cos/sin cache over where that is
    `max_model_len` past max_position_embeddings (ROPE_CACHE_AT_MAX_MODEL_LEN:
    weights.rope_cache_rows takes them); 0 elsewhere (the config's positions)."""
    return max_model_len if (_cache_grows(model_type, version)
                             and max_model_len > max_position_embeddings) else 0


def long_len(allowed: bool, max_model_len: int, window: VllmWindow) -> bool:
    """Whether VLLM_ALLOW_LONG_MAX_MODEL_LEN lets `max_model_len` pass `window`'s limit: it is
    `allowed` (EngineSettings.allow_long_max_model_len) and the length is above it."""
    return allowed and max_model_len > window.limit


CAUTION = ("VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution. If the model uses "
           "relative position encoding (RoPE), positions exceeding derived_max_model_len lead "
           "to nan. If the model uses absolute position encoding, positions exceeding "
           "derived_max_model_len will cause a CUDA array out-of-bounds error.")
"""_get_and_verify_max_len's `warning` from LONG_LEN_CAUTION_FROM, which both its refusal and
its warning end with (over_window_refusal, over_window_warning)."""


def over_window(max_model_len: int, window: VllmWindow, version: Version) -> str:
    """vLLM `version`'s words for a max_model_len above the derived one, which both its refusal
    and its warning open with (_get_and_verify_max_len's `msg`, the derived length as vLLM
    prints it: "40960.0" where a rope factor made it a float, VllmWindow.shown). Before
    LONG_LEN_CAUTION_FROM it goes on " This may lead to incorrect model outputs or CUDA
    errors." (config.py, 0.9.1 and 0.10.0 wheels; config/__init__.py, 0.10.1)."""
    msg = (f"User-specified max_model_len ({max_model_len}) is greater than the derived "
           f"max_model_len ({window.key}={window.shown} or model_max_length="
           f"{window.model_max_length} in model's config.json).")
    if version < LONG_LEN_CAUTION_FROM:
        return f"{msg} This may lead to incorrect model outputs or CUDA errors."
    return msg


def over_window_refusal(max_model_len: int, window: VllmWindow, version: Version) -> str:
    """The ValueError vLLM `version` raises for a max_model_len above the derived one without
    VLLM_ALLOW_LONG_MAX_MODEL_LEN, in its words (startup.startup_errors).

    NOTE: _get_and_verify_max_len: `f"{msg} To allow overriding this maximum, set the env var
    VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"` (0.9.1, 0.10.0 and 0.10.1 wheels: no full stop), and
    from LONG_LEN_CAUTION_FROM `...=1. {warning}` (0.10.2, 0.11.1, 0.12.0 and 0.34.0 wheels)."""
    said = (f"{over_window(max_model_len, window, version)} To allow overriding this maximum, "
            f"set the env var {ALLOW_LONG_ENV}=1")
    return f"{said}. {CAUTION}" if version >= LONG_LEN_CAUTION_FROM else said


def over_window_warning(max_model_len: int, window: VllmWindow, version: Version,
                        model_type: str, cache_rows: int) -> str:
    """The warning vLLM `version` logs at start-up under VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, in
    its words, then what it means for this model's rotary cache (Headroom's words):
    `cache_rows`, the positions every cos/sin cache it builds holds (weights.rope_cache_reach:
    0 where it builds none), counted in the weights; a request of max_model_len stays inside
    it where they reach that far (MiniMax-M2's cache built for max_model_len:
    rope_cache_positions; an M-RoPE's 4 rows a position), and reads past it otherwise.

    NOTE: 0.9.1-0.10.1 (config.py, config/__init__.py): logger.warning("%s Make sure the value
    is correct and within the model context size.", msg); from LONG_LEN_CAUTION_FROM:
    logger.warning_once("%s %s", msg, warning) with CAUTION."""
    msg = over_window(max_model_len, window, version)
    said = (f"{msg} {CAUTION}" if version >= LONG_LEN_CAUTION_FROM else
            f"{msg} Make sure the value is correct and within the model context size.")
    output = f"what the model outputs past {window.limit:,} is not modelled"
    if _cache_grows(model_type, version):
        cache = ("this model's rotary cos/sin cache is built for max_model_len (minimax_m2.py: "
                 f"max(max_position_embeddings, max_model_len)), so positions past "
                 f"{window.limit:,} stay inside it; the weights count its {cache_rows:,} rows, "
                 "and what the model outputs past the length its config gives is not modelled")
    elif not cache_rows:
        cache = ("this model has no rotary embedding (vLLM builds no cos/sin cache for it), so "
                 f"no position reads past one; the memory figures hold at the length asked, "
                 f"{output}")
    elif cache_rows >= max_model_len:
        cache = (f"vLLM builds its rotary cos/sin cache over {cache_rows:,} positions (the "
                 f"weights term's rows), so a request of {max_model_len:,} tokens stays inside "
                 f"it; the memory figures hold at the length asked, {output}")
    else:
        cache = (f"vLLM builds its rotary cos/sin cache over {cache_rows:,} positions (get_rope's "
                 f"max_position; the weights term's rows), so a request past {cache_rows:,} "
                 f"tokens reads past it; the memory figures hold at the length asked, {output}")
    return f"vLLM warns at start-up ({ALLOW_LONG_ENV}=1): \"{said}\" Headroom: {cache}."


def _cache_grows(model_type: str, version: Version) -> bool:
    """Whether vLLM `version` builds this model's cos/sin cache for max_model_len
    (ROPE_CACHE_AT_MAX_MODEL_LEN)."""
    first = ROPE_CACHE_AT_MAX_MODEL_LEN.get(model_type)
    return first is not None and version >= first


OUTPUT_PART = "output past the model's"
"""How over_window_part's part opens: it leaves out no byte (memory_parts), the rotary cache
counted at the rows vLLM builds whatever the length (weights.rope_cache_rows)."""


def over_window_part(window: VllmWindow) -> str:
    """The verdict's unmodelled part of a plan past the derived length (verdict.UNMODELLED_FIT:
    no confident "Fits"): the output there."""
    return f"{OUTPUT_PART} {window.limit:,} tokens ({ALLOW_LONG_ENV}=1)"


def memory_parts(parts: str) -> bool:
    """Whether a verdict's unmodelled parts ("a, b": verdict.verdict_unmodelled) leave out
    any memory, i.e. hold another part than an OUTPUT_PART, which leaves out no byte."""
    return any(not part.startswith(OUTPUT_PART) for part in parts.split(", "))


def unmodelled_risk(parts: str) -> str:
    """What a fit whose figures leave `parts` out risks, where the tables and recommend's
    caveats name such rows: the KV room, or, with OUTPUT_PARTs only, the output (the memory
    figures hold)."""
    if memory_parts(parts):
        return "the KV room may be less than planned"
    return ("the memory figures hold, but vLLM warns that the output past that length may be "
            "NaN or wrong")


def env_prefix(long: bool) -> str:
    """The launch command's `VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 ` where a length past the derived
    one is planned (`long`: long_len), '' elsewhere (vLLM reads the variable nowhere else)."""
    return f"{ALLOW_LONG_ENV}=1 " if long else ""
