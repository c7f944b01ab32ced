"""The KV-fit arithmetic: blocks a pool holds, one request's need, the longest that fits."""

from functools import lru_cache

from planner.memo import IdentityMemo, distinct_objects
from planner.model.attention import cdiv
from planner.model.attention.kvformat import KvBytes
from planner.model.attention.sliding import SlidingWindowKv
from planner.model.spec import ModelSpec
from planner.serving.engine import StageKv, blocks_per_request, request_bytes
from planner.serving.layout import ParallelLayout
from planner.serving.plan import shared
from planner.serving.plan.facts import LayoutFacts, RequestLines, Resolved, Setup
from planner.serving.plan.shared import cached
from planner.text import counted

CEILING_SEARCH_TOKENS = 1 << 24
"""Upper end of the max_model_len search (16M tokens), like vLLM's estimate_max_model_len."""


def kv_room_text(tokens: int) -> str:
    """A KV-limited length as written: "114,944", or "16,777,216+" at the search's end
    (CEILING_SEARCH_TOKENS), where the pool holds more than was searched (gpt-oss-120b on 8x
    H200: 113.93 GiB a GPU at 4,608 B a token of its full-attention layers)."""
    return f"{tokens:,}+" if tokens >= CEILING_SEARCH_TOKENS else f"{tokens:,}"


def kv_ceiling(f: "LayoutFacts", pools: dict[int, int], tp: int, mbt: int, num_blocks: int,
               held: int) -> int:
    """Largest max_model_len one request fits in, on every stage with a pool (vLLM
    estimate_max_model_len; `pools`: each such PP stage's smallest KV pool; `held`: the
    blocks held back, vLLM's start-up check's (_null_blocks) or, for what a request can use,
    the null block on every release (_unusable_last_block)).

    A length fits when each stage's summed per-layer need fits its smallest KV pool less the
    held blocks and the request's blocks fit the blocks every worker gets less them (_fits).
    NOTE: past every sliding window's cap, need and blocks grow linearly in cdiv(L, block):
    need = a x cdiv(L, B) + c. So the answer is first worked out in closed form from each
    stage's lines (LayoutFacts.lines: largest k with a x k + c <= pool - held blocks,
    L = k x B); only when it falls short of a cap, or a stage's kinds have different block
    sizes (unified pages: not linear in one block), does the binary search run. A request of
    the search's top length that fits is read off the lines too (_fit_lines fits them through
    k = cdiv(top, B)): on a large cluster most plans fit it (9,606 of Qwen3-235B-A22B's 11,578
    ceilings over 4,096 GPUs), and each summed its stages' layers for it.
    """
    guess, linear_from, lines, top_fits = CEILING_SEARCH_TOKENS, 0, f.lines, True
    # stages alike (one StageKv object: engine.stage_layouts) with equal pools answer alike,
    # so each pair is asked once (a deep PP split's 126 stages are a few pairs)
    distinct: dict[tuple[int, int], int] = {}
    for pp_stage, pool in pools.items():
        distinct.setdefault((id(f.stages[pp_stage][1]), pool), pp_stage)
    for (_, pool), pp_stage in distinct.items():
        stage = f.stages[pp_stage][1]
        if pp_stage not in lines:
            lines[pp_stage] = _request_lines(stage, f.kv_b, tp, mbt)
        line = lines[pp_stage]
        if line is None:
            break  # different block sizes: search
        # (comparisons, not min and max: this runs for every plan that fits)
        if line.linear_from > linear_from:
            linear_from = line.linear_from
        top = cdiv(CEILING_SEARCH_TOKENS, stage.block_tokens)
        for slope, room in ((line.bytes_slope,
                             pool - held * stage.bytes_per_block - line.bytes_intercept),
                            (line.blocks_slope, num_blocks - held - line.blocks_intercept)):
            if slope > 0:
                length = room // slope * stage.block_tokens if room > 0 else 0
                if length < guess:
                    guess = length
            if slope * top > room:
                top_fits = False
    else:
        # exact: k = cdiv(guess, B) is the largest k both lines allow; where the top length
        # fits, guess is that length (each line allows k >= cdiv(top, B))
        if top_fits or linear_from <= guess < CEILING_SEARCH_TOKENS:
            return guess
    stages = [(f.stages[pp_stage][1], pool) for (_, pool), pp_stage in distinct.items()]
    kv_bytes = f.kv_b
    lo, hi = 0, CEILING_SEARCH_TOKENS
    if _fits(stages, hi, kv_bytes, tp, mbt, num_blocks - held, held):
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _fits(stages, mid, kv_bytes, tp, mbt, num_blocks - held, held):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _fits(stages: list[tuple[StageKv, int]], length: int, kv_bytes: KvBytes, tp: int, mbt: int,
          usable_blocks: int, held: int) -> bool:
    """Whether one request of `length` tokens fits every stage (kv_ceiling's exact check): its
    layers' bytes within each stage's pool less `held` blocks, its blocks within
    `usable_blocks` (the fewest any worker gets less `held`; _null_blocks)."""
    for stage, pool in stages:
        if request_bytes(stage, length, kv_bytes, tp, mbt) > pool - held * stage.bytes_per_block:
            return False
        if blocks_per_request(stage, length, mbt) > usable_blocks:
            return False
    return True


def passes(f: "LayoutFacts", pools: dict[int, int], tp: int, num_blocks: int, length: int
           ) -> bool:
    """Whether one request of `length` passes vLLM's start-up check before 0.29, which holds
    no null block back (_null_blocks): _fits at that length on every stage with a pool, as
    `kv_ceiling(..., held=0) >= length` reads it (its search stops at CEILING_SEARCH_TOKENS),
    without searching for the ceiling."""
    return num_blocks > 0 and length <= CEILING_SEARCH_TOKENS and _fits(
        [(f.stages[pp_stage][1], pool) for pp_stage, pool in pools.items()], length, f.kv_b,
        tp, f.window_mbt, num_blocks, 0)


_LINES: IdentityMemo[RequestLines] = IdentityMemo(16384)
"""Each stage object's lines (one lookup by identity); a miss asks _fit_lines, which caches
them by the stage's value. 16,384: a sweep over 4,096 GPUs asks ~4,900 (Llama 3.1 405B)."""


def _request_lines(stage: StageKv, kv_bytes: KvBytes, tp: int, mbt: int
                   ) -> RequestLines | None:
    """The lines of one stage, cached per stage layout (stage layouts are cached objects);
    None where its kinds have different block sizes (unified pages: not linear in one
    block).

    Sliding-window needs stop growing at window - 1 + `mbt` (the batched tokens they count,
    window_batched_tokens), so both costs
    are exactly linear from the smallest k where they meet their far-away line (binary
    search once per stage; full attention and MLA are linear from k = 0).
    """
    if len({*stage.kind_blocks, *(block for *_, block in stage.groups)}) > 1:
        return None
    # only sliding layers count the batched tokens (SlidingWindowKv.max_memory_usage_bytes,
    # DeepSeek-V4's groups): other stages' lines are fitted once for every `mbt` (Llama 3.1
    # 405B over 4,096 GPUs: 388 fits, where each layout's batched tokens made 3,216); a
    # stage's blocks count the whole model's sliding groups too (StageKv.groups)
    if not (stage.dsv4_groups or any(isinstance(kv, SlidingWindowKv)
                                     for kv, *_ in (*stage.kinds, *stage.groups))):
        mbt = 0
    return _LINES.get(stage, (kv_bytes, tp, mbt), _fit_lines, stage, kv_bytes, tp, mbt)


@lru_cache(maxsize=4096)
def _fit_lines(stage: StageKv, kv_bytes: KvBytes, tp: int, mbt: int) -> RequestLines:
    """Fit the lines of one stage (see _request_lines), cached by the stage's value: a pure
    function of the frozen StageKv's fields (request_bytes and blocks_per_request read
    nothing else) and the three numbers. Every PP split makes its own stage objects, so the
    identity cache alone refitted the same stage (say, 7 MLA layers at TP 8) for each split,
    GPU and count of a recommend search: 416,084 fits in 4 min of DeepSeek-V3's 512-GPU
    search, of a few hundred distinct stages. The cache holds StageKv values (their KV
    layers), never a spec.
    """
    block, far = stage.block_tokens, CEILING_SEARCH_TOKENS // stage.block_tokens

    def costs(k: int) -> tuple[int, int]:
        return (request_bytes(stage, k * block, kv_bytes, tp, mbt),
                blocks_per_request(stage, k * block, mbt))

    (b_far, n_far), (b_next, n_next) = costs(far), costs(far + 1)
    b_slope, n_slope = b_next - b_far, n_next - n_far
    b_icpt, n_icpt = b_far - b_slope * far, n_far - n_slope * far
    lo, hi = 0, far
    while lo < hi:
        mid = (lo + hi) // 2
        if costs(mid) == (b_slope * mid + b_icpt, n_slope * mid + n_icpt):
            hi = mid
        else:
            lo = mid + 1
    return RequestLines(b_slope, b_icpt, n_slope, n_icpt, lo * block)


def pool_blocks(kv_bytes: int, stage: StageKv | None) -> int:
    """The KV blocks a pool of `kv_bytes` holds on a stage (vLLM's num_blocks: the pool //
    the bytes of one block over all its layers): 0 for a pool of none or less, or a stage
    without KV layers."""
    return max(0, kv_bytes) // stage.bytes_per_block if stage else 0


def capacity(f: LayoutFacts, stage: StageKv | None, num_blocks: int) -> tuple[int, float]:
    """(KV tokens, max concurrency at max_model_len) of `num_blocks` blocks on a stage, as
    vLLM reports them: concurrency is blocks / blocks per max_model_len request; tokens are
    int(concurrency x max_model_len) from 0.20.1, num_blocks // groups x block tokens before
    (vllm_versions.TOKENS_FROM_CONCURRENCY_FROM)."""
    per_request = f.request
    concurrency = num_blocks / per_request if per_request else 0.0
    if f.r.tokens_from_concurrency:
        return int(concurrency * f.r.max_model_len), concurrency
    return num_blocks // stage.num_groups * stage.block_tokens, concurrency


def capacity_factor(f: LayoutFacts, stage: StageKv | None, num_blocks: int, tokens: int
                    ) -> str:
    """How `num_blocks` blocks count as `tokens` KV tokens (capacity), for the verdict's
    "N blocks = T KV tokens": "" where T is N x the block's tokens; else vLLM's factor.
    From 0.20.1 T is int(N / P x L), P the blocks a max_model_len request takes summed over
    the KV cache groups (Llama 4 Maverick at TP=8 on 0.34.0, L 1,048,576: 16,384 full-attention
    + 3 chunked-local groups x 384 = 17,536, so 76,390 blocks = 4,567,787 tokens, not x 64);
    before, N // groups x the block's tokens."""
    if stage is None or tokens == num_blocks * stage.block_tokens:
        return ""
    groups = f" in {stage.num_groups} KV cache groups" if stage.num_groups > 1 else ""
    if f.r.tokens_from_concurrency:
        return (f"{counted(f.r.max_model_len, 'token')} per {counted(f.request, 'block')}: "
                f"the blocks a max_model_len request takes{groups}")
    return (f"{num_blocks:,} // {stage.num_groups} KV cache groups x "
            f"{stage.block_tokens} tokens")


def stage_requests(st: Setup, length: int) -> dict[int, tuple[int, int]]:
    """Per PP stage holding KV, the (blocks, bytes) one request of `length` needs there
    (blocks_per_request, request_bytes): the same for every weight format and worker, so
    cached per spec by what the stages read, as full_request (a sweep asks it of every
    memory miss)."""
    f = st.facts
    key = ("stage requests", *stage_layouts_key(st.layout, f.r, f.kv_b), f.window_mbt, length)
    return cached(st.spec, key, _stage_request_needs, length, st.layout.tp, f.stages, f.kv_b,
                  f.window_mbt)


def _stage_request_needs(length: int, tp: int, stages: tuple[tuple[range, StageKv | None], ...],
                         kv_b: KvBytes, mbt: int) -> dict[int, tuple[int, int]]:
    """Work out what stage_requests caches."""
    return {pp_stage: (blocks_per_request(stage, length, mbt),
                       request_bytes(stage, length, kv_b, tp, mbt))
            for pp_stage, (_, stage) in enumerate(stages) if stage is not None}


def full_request(spec: ModelSpec, r: Resolved, layout: ParallelLayout,
                 stages: tuple[tuple[range, StageKv | None], ...], kv_b: KvBytes,
                 window_mbt: int) -> int:
    """The blocks one max_model_len request needs on its hungriest stage: the same for
    every weight format and worker, so cached per spec by all that the stages and the need
    read (the engine's stage layouts, the release's group padding among them; `window_mbt`:
    the batched tokens sliding needs count, window_batched_tokens)."""
    key = ("request", *stage_layouts_key(layout, r, kv_b), window_mbt, r.max_model_len)
    return cached(spec, key, _request_need, r, stages, window_mbt)


def stage_layouts_key(layout: ParallelLayout, r: Resolved, kv_b: KvBytes) -> tuple:
    """What ENGINE.stage_layouts reads besides the model (_layout_facts' call), as a cache key
    part: figures of the stages alone are shared by every weight format's plans."""
    return (shared.ENGINE, layout.tp, layout.pp, r.block_size, kv_b, r.fa4_fp8_hd512, r.states,
            r.kv_grouping[0], r.kv_grouping[2])


def _request_need(r: Resolved, stages: tuple[tuple[range, StageKv | None], ...], mbt: int
                  ) -> int:
    """Work out what full_request caches."""
    return max(blocks_per_request(stage, r.max_model_len, mbt)
               for stage in _distinct_stages(stages))


def held_blocks(stages: tuple[tuple[range, StageKv | None], ...], held_tokens: int,
                in_flight: int) -> int:
    """Work out what held_request_blocks caches."""
    return max(blocks_per_request(stage, held_tokens, in_flight)
               for stage in _distinct_stages(stages))


def _distinct_stages(stages: tuple[tuple[range, StageKv | None], ...]) -> tuple[StageKv, ...]:
    """The stages' KV layouts, each object once (engine.stage_layouts gives alike stages one
    StageKv), without the stages that hold none: what a maximum over the stages reads."""
    return distinct_objects(stage for _, stage in stages if stage is not None)
