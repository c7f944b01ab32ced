"""The context window an EAGLE-3 drafter (planner.serving.eagle.EagleDraft) leaves the target:
the max_model_len vLLM lowers to the drafter's (draft_window_limit), the releases that feed
a drafter positions past its rotary cache (draft_window_note), and that cache's bytes
(draft_rope_bytes)."""

from planner.model.spec import AttentionMixer, ModelSpec
from planner.serving.eagle import (
    LLAMA_MAX_POSITION_EMBEDDINGS,
    DraftBytes,
    EagleDraft,
    eagle_rank_bytes,
)
from planner.serving.engine.window import inputs_window
from planner.serving.vllm_versions import Version, parse_version
from planner.serving.weights import FP32_ROPE_CACHE, rope_rows

DRAFT_POSITIONS_RAISED_FROM: Version = (0, 27, 0)
"""NOTE: from 0.27.0 config/speculative.py _maybe_override_draft_max_position_embeddings raises
an EAGLE drafter's max_position_embeddings to the target's max_model_len ("Overriding draft
model max_position_embeddings from %d to the target model's max_model_len (%d)"): "The proposer
feeds the draft positions up to the target's max_model_len, while max_position_embeddings sizes
the draft's rotary cos_sin_cache. A smaller checkpoint value (e.g. 2048 for
yuhuili/EAGLE3-LLaMA3.1-Instruct-8B) makes that cache gather go out of bounds (#48894)."
0.17.0-0.26.0 have no such override (config/speculative.py of each wheel)."""

DRAFT_WINDOW_LIMIT_FROM: Version = (0, 33, 0)
"""NOTE: from 0.33.0 the override above is for drafters whose rope types are all
CACHE_ONLY_ROPE_TYPES only (`if not _rope_only_sizes_cache(draft_hf_config): # VllmConfig
limits max_model_len to the draft's instead.`), and VllmConfig.__post_init__ calls
_limit_max_model_len_to_draft (config/vllm.py:1554 in 0.33.0, :1482 in 0.34.0): where the
draft's max_model_len (its ModelConfig's, derived from its config.json as the target's, capped
at the target's: speculative.py _maybe_override_draft_max_model_len) is below the target's,
it sets model_config.max_model_len to it, and logs DRAFT_WINDOW_LOG. 0.33.0 does it on Model
Runner V2 only (`or not self.use_v2_model_runner`, `or
spec_config.draft_shares_target_positions()`: the rope check); 0.34.0, whose only runner is V2,
through v1/worker/gpu/spec_decode/speculator_config.py DraftModelSpeculatorConfig.max_model_len
(None where shares_target_positions and _rope_only_sizes_cache)."""

CACHE_ONLY_ROPE_TYPES = frozenset({"default", "linear", "llama3", "ntk", "proportional"})
"""config/speculative.py _CACHE_ONLY_ROPE_TYPES (0.33.0, 0.34.0): "RoPE types for which
get_rope uses max_position_embeddings only to size the cos_sin_cache"; a config without a
rope block is "default"."""

DRAFT_WINDOW_LOG = ("The draft model's max_model_len ({draft}) is smaller than the target "
                    "model's ({target}) and the{v2} model runner can't skip speculation for "
                    "longer sequences; reducing max_model_len to {draft}.")
"""_limit_max_model_len_to_draft's warning (config/vllm.py; " V2" in 0.33.0, not in 0.34.0)."""

CACHE_AT_MAX_POSITION_ROPE_TYPES = ("default", "llama3")
"""Rope types whose cos_sin_cache holds max_position_embeddings positions exactly
(model_executor/layers/rotary_embedding/base.py _compute_cos_sin_cache
`torch.arange(self.max_position_embeddings)`, which llama3_rope.py inherits; 0.26.0 wheel)."""

RUNNER_NAMED_FROM: Version = (0, 34, 0)
"""DRAFT_WINDOW_LOG says "the V2 model runner" in 0.33.0, "the model runner" from 0.34.0."""


def draft_window_limit(draft: EagleDraft, vllm_version: str, runner: str,
                       max_model_len: int) -> int | None:
    """The max_model_len vLLM `vllm_version` on `runner` ("v1" / "v2") lowers `max_model_len`
    to for this drafter (DRAFT_WINDOW_LIMIT_FROM): the draft's own, derived from its config as
    the target's is (engine.window.inputs_window), where its rope is not cache-only and that
    is shorter; None where vLLM keeps `max_model_len`."""
    version = parse_version(vllm_version)
    if version < DRAFT_WINDOW_LIMIT_FROM or runner != "v2" or _rope_only_sizes_cache(draft):
        return None
    own = inputs_window(draft.window, _own_max_position(draft), version).start
    return own if own < max_model_len else None


def _rope_only_sizes_cache(draft: EagleDraft) -> bool:
    """Every rope type of the drafter is one whose max_position_embeddings only sizes its
    cos/sin cache (CACHE_ONLY_ROPE_TYPES: config/speculative.py _rope_only_sizes_cache)."""
    return all(rope.rope_type in CACHE_ONLY_ROPE_TYPES for rope in draft.window.ropes)


def _own_max_position(draft: EagleDraft) -> int:
    """The drafter config's max_position_embeddings (LlamaConfig's 2,048 where absent)."""
    return dict(draft.window.lengths).get("max_position_embeddings",
                                          LLAMA_MAX_POSITION_EMBEDDINGS)


def draft_window_note(draft: EagleDraft, vllm_version: str, runner: str,
                      max_model_len: int) -> str | None:
    """What vLLM does with a drafter whose context is shorter than `max_model_len` (the
    target's): lower it (draft_window_limit, its log quoted), or, before
    DRAFT_POSITIONS_RAISED_FROM, feed the draft positions past its rotary cache; None where
    neither applies."""
    limit = draft_window_limit(draft, vllm_version, runner, max_model_len)
    if limit is not None:
        v2 = " V2" if parse_version(vllm_version) < RUNNER_NAMED_FROM else ""
        log = DRAFT_WINDOW_LOG.format(draft=limit, target=max_model_len, v2=v2)
        return (f"vLLM {vllm_version} lowers max_model_len to the EAGLE-3 drafter's "
                f"(config/vllm.py _limit_max_model_len_to_draft; its rope "
                f"{', '.join(r.rope_type for r in draft.window.ropes)} is not one whose "
                f"max_position_embeddings vLLM raises to the target's): \"{log}\" The plan's "
                f"requests hold at most {limit:,} tokens.")
    own = dict(draft.window.lengths).get("max_position_embeddings")
    if parse_version(vllm_version) < DRAFT_POSITIONS_RAISED_FROM and own and own < max_model_len \
            and all(r.rope_type in CACHE_AT_MAX_POSITION_ROPE_TYPES for r in draft.window.ropes):
        return (f"vLLM {vllm_version} sizes the EAGLE-3 drafter's rotary cache from its "
                f"max_position_embeddings ({own:,}) but feeds it positions up to max_model_len "
                f"({max_model_len:,}); 0.27.0 raises it to the target's because \"a smaller "
                "checkpoint value ... makes that cache gather go out of bounds (#48894)\" "
                "(config/speculative.py): keep --max-model-len at or under it, or use 0.27.0+.")
    return None


def draft_max_position(draft: EagleDraft, vllm_version: str, max_model_len: int) -> int:
    """The max_position vLLM `vllm_version` builds the drafter's rotary embedding with: its
    config's max_position_embeddings (LlamaConfig's 2,048 where absent; llama.py
    LlamaDecoderLayer passes config.max_position_embeddings to LlamaAttention's get_rope),
    raised to the target's `max_model_len` from DRAFT_POSITIONS_RAISED_FROM where smaller, for
    cache-only rope types only from DRAFT_WINDOW_LIMIT_FROM (config/speculative.py
    _maybe_override_draft_max_position_embeddings: 0.27.0, 0.33.0)."""
    own = _own_max_position(draft)
    version = parse_version(vllm_version)
    if version < DRAFT_POSITIONS_RAISED_FROM or own >= max_model_len or (
            version >= DRAFT_WINDOW_LIMIT_FROM and not _rope_only_sizes_cache(draft)):
        return own
    return max_model_len


def draft_rope_bytes(draft: EagleDraft, spec: ModelSpec, vllm_version: str,
                     max_model_len: int, elem: int) -> int:
    """Bytes of the drafter's rotary cos/sin cache on each GPU of the last stage, in the
    served dtype of `elem` bytes: rows (weights.rope_rows of its rope type at
    draft_max_position) x head_dim (llama.py: the full head rotates); 0 where vLLM hands it
    the target's instance.

    NOTE: get_rope (model_executor/layers/rotary_embedding/__init__.py, 0.17.0:67, 0.34.0:74)
    returns the cached RotaryEmbedding of _ROPE_DICT for a key of (head_size, rotary_dim,
    max_position, is_neox_style, rope_parameters items, dual-chunk items, dtype; from 0.34.0
    mrope_positions_factor), else builds one whose cos_sin_cache buffer (rotary_embedding/
    base.py register_buffer, `cache.to(dtype)`) is allocated as the drafter loads. Headroom
    takes the drafter's as the target's where head_dim, max_position and the rope type,
    factor and original_max_position_embeddings match a full-rotary, non-local target layer's
    and the target's cache is not float32 (FP32_ROPE_CACHE). ASSUMED: rope_theta and the
    other rope parameters match then (not read from the target). SpecForge's Llama-3.1-70B
    drafter (llama3, original 4,096 against the target's 8,192) never shares; at vLLM 0.34.0
    and max_model_len 131,072 its max_position is raised to 131,072: 131,072 x 128 x 2 B =
    33,554,432 B."""
    rope = draft.window.ropes[0] if draft.window.ropes else None
    kind, factor, original = ((rope.rope_type, rope.factor, rope.original_max_position_embeddings)
                              if rope else ("default", None, None))
    max_position = draft_max_position(draft, vllm_version, max_model_len)
    shared = spec.model_type not in FP32_ROPE_CACHE and (
        max_position, kind, factor, original) == (
        spec.max_position_embeddings, spec.rope_scaling_type or "default",
        spec.rope_scaling_factor, spec.original_max_position_embeddings) and any(
        isinstance(layer.mixer, AttentionMixer) and not layer.mixer.rope_local
        and layer.mixer.rotary_dim == layer.mixer.rope_cache_dim == layer.mixer.head_dim
        == draft.head_dim for layer in spec.layers)
    return 0 if shared else rope_rows(kind, factor, max_position, original) * draft.head_dim * elem


def draft_rank_bytes(draft: EagleDraft, spec: ModelSpec, vllm_version: str, max_model_len: int,
                     tp: int, pp: int, elem: int) -> DraftBytes:
    """eagle.eagle_rank_bytes for `spec`'s drafter, with its own rotary cache
    (draft_rope_bytes)."""
    return eagle_rank_bytes(draft, tp, pp, elem, spec.vocab_size, vllm_version,
                            draft_rope_bytes(draft, spec, vllm_version, max_model_len, elem))
