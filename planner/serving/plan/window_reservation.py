"""The plan's note naming --max-num-batched-tokens where the blocks vLLM reserves for the
tokens in flight in its sliding-window groups are most of what a request takes: that setting,
not the KV cache, is then what caps the concurrency."""

from planner.serving.plan.facts import Setup
from planner.serving.plan.fit import full_request

SMALLER_BATCHED_TOKENS = 2048
"""The --max-num-batched-tokens the note plans again at: `vllm serve`'s own default on a GPU
of under 70 GiB, an A100 or a GB10 (0.34.0 engine/arg_utils.py, the OPENAI_API_SERVER
default beside 8,192 on an H100 or H200); a plan already at or under it is planned again at
half its figure."""


def in_flight_blocks(st: Setup) -> int:
    """Of the blocks one max_model_len request takes (LayoutFacts.request), those for the
    tokens in flight (LayoutFacts.window_mbt) its sliding-window (or chunked-local) groups
    reserve: the request's blocks less the blocks at no tokens in flight, so 0 without such
    groups.

    NOTE: vLLM SlidingWindowSpec.max_admission_blocks_per_request (0.34.0
    v1/kv_cache_interface.py): cdiv(min(window - 1 + max_in_flight_tokens, max_model_len),
    block) + 1 a group, max_in_flight_tokens = max_concurrent_batches x max_num_batched_tokens
    (config/vllm.py), both the start-up pool's per-request need and the admission gate's cap;
    SlidingWindowSpec.max_memory_usage_bytes counts window - 1 + max_num_batched_tokens in
    0.19.0 (vllm_versions.window_batched_tokens)."""
    f = st.facts
    return f.request - full_request(st.spec, f.r, st.layout, f.stages, f.kv_b, 0)


def smaller_batched_tokens(mbt: int) -> int:
    """The --max-num-batched-tokens the note names, below the plan's `mbt`."""
    return SMALLER_BATCHED_TOKENS if mbt > SMALLER_BATCHED_TOKENS else mbt // 2


def reservation_binds(st: Setup) -> bool:
    """Whether the in-flight blocks are most of a max_model_len request's blocks (Gemma 3
    27B on one H100 at 16,384 tokens, vLLM 0.34: 1,440 of 1,798)."""
    return 2 * in_flight_blocks(st) > st.facts.request


def reservation_note(st: Setup, concurrency: float, smaller: int,
                     smaller_concurrency: float) -> str:
    """The note, one line: the request's blocks, the in-flight share and the setting, and the
    concurrency `smaller_concurrency` planned at --max-num-batched-tokens `smaller`."""
    f = st.facts
    mbt, mml = f.r.mbt, f.r.max_model_len
    batches = f.window_mbt // mbt
    tokens = (f"{f.window_mbt:,} tokens in flight ({batches} batches x "
              f"--max-num-batched-tokens {mbt})" if batches > 1 else
              f"{mbt:,} batched tokens (--max-num-batched-tokens {mbt})")
    return (f"--max-num-batched-tokens binds the concurrency: a request of {mml:,} tokens "
            f"takes {f.request:,} blocks, {in_flight_blocks(st):,} of them for the {tokens} "
            f"vLLM reserves in its sliding-window groups; at --max-num-batched-tokens "
            f"{smaller}, {smaller_concurrency:,.2f} concurrent requests at {mml:,} tokens "
            f"(not {concurrency:,.2f}).")
