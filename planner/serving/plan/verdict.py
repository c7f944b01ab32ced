"""A sized plan's outcome: capacity, ceiling, verdict and how a request misses."""

from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple

from planner.model import quant
from planner.model.spec import ModelSpec
from planner.serving.all2all import effective_backend, unsized_part
from planner.serving.encoder_cover import encoder_gap
from planner.serving.engine import EngineSettings
from planner.serving.mm_processor import PanAndScanProfile
from planner.serving.plan.facts import Setup
from planner.serving.plan.fit import (
    capacity,
    capacity_factor,
    kv_ceiling,
    passes,
    pool_blocks,
    stage_requests,
)
from planner.serving.plan.moe import all2all_buffer, eplb_unmodelled
from planner.serving.plan.shared import gib, vllm_kv_check_gib
from planner.serving.startup.block_size import block_sizes_taken
from planner.serving.vllm_cli import vllm_cli
from planner.serving.vllm_versions import (
    FULL_SEQUENCE_ADMISSION_FROM,
    KV_CHECK_IN_BLOCKS_FROM,
    KV_CHECK_NULL_BLOCK_FROM,
    KV_SHORTFALL_HINT_FROM,
    MAX_SEQ_LEN_REFUSAL_SPELT_MODEL_S_FROM,
    EncoderRules,
    parse_version,
    vllm_rules,
)
from planner.text import counted, per_replica, ranks_by
from planner.units import number_as_given


class Binding(NamedTuple):
    """The worker with the fewest blocks, whose figures the plan reports."""

    pp_stage: int
    weights: int
    total: int
    compute_capability: str  # its GPU's: the FlashInfer workspace it holds (overheads)
    budget: int
    activation: int
    non_torch: int
    graphs: int
    kv: int
    blocks: int
    runner_buffers: int = 0


class Outcome(NamedTuple):
    """Capacity, ceiling, verdict: what both plan paths report beyond the binding worker."""

    per_request: int
    concurrency: float
    tokens: int
    ceiling: int
    model_limit: int
    errors: list[str]
    warnings: list[str]
    verdict: str
    shortfall: int  # bytes per GPU the memory checks are short by (0: none short)
    longest_shortfall: int  # ... and, before 0.29, a max_model_len request's usable blocks


class _RequestMiss(NamedTuple):
    """How one max_model_len request misses _fits' checks, and by how much."""

    shortfall: int  # bytes per GPU that make every check pass (_request_miss)
    blocks: int  # the most blocks a stage's request needs
    pp_stage: int  # the stage that needs them
    on_blocks: bool  # only the blocks miss: every stage's pool holds its request's bytes


def _request_miss(st: Setup, pools: dict[int, int], num_blocks: int, held: int,
                  length: int) -> _RequestMiss:
    """The least bytes S per GPU with which one request of `length` tokens (max_model_len for
    vLLM's start-up check) passes kv_ceiling's own check (_fits), every pool grown by S (a higher
    utilization): on each stage with a pool,
    request bytes + `held` blocks <= pool + S (vLLM's null block from 0.29, _null_blocks),
    and, as every worker gets the fewest blocks of all (num_blocks = min over workers of
    pool // block), the most blocks a stage's request needs <= (pool + S) // block - held on
    each, i.e. S >= (most + held) x block - pool.
    A pool of none or less (weights and the rest fill the budget) is short by the request's
    bytes and held blocks on top of what it is under 0, as more memory must supply all of it."""
    f = st.facts
    per_stage = stage_requests(st, length)
    stages = [(pp_stage, f.stages[pp_stage][1], pool) for pp_stage, pool in pools.items()]
    blocks, at = max((per_stage[pp_stage][0], pp_stage) for pp_stage, _, _ in stages)
    on_bytes = max(per_stage[pp_stage][1] + held * stage.bytes_per_block - pool
                   for pp_stage, stage, pool in stages)
    on_blocks = max((blocks + held) * stage.bytes_per_block - pool for _, stage, pool in stages)
    return _RequestMiss(max(on_bytes, on_blocks, 0), blocks, at,
                        on_bytes <= 0 and blocks > num_blocks - held)


def _null_blocks(vllm_version: str) -> int:
    """The blocks vLLM's start-up check holds back from a worker's pool (the null block
    BlockPool keeps): 1 from KV_CHECK_NULL_BLOCK_FROM, 0 before.

    NOTE: v1/core/kv_cache_utils.py check_enough_kv_cache_memory (0.13.0: the layers' bytes
    summed) and get_kv_cache_configs' _check_enough_kv_cache_memory (0.20.0, 0.28.0: whole
    blocks, _max_memory_usage_bytes_from_groups) raise where the need > the worker's available
    memory; from 0.29.0 (kv_cache_utils.py; kv_cache_planning.py in 0.34.0) where it >
    available - _pool_bytes_per_block ("Reserve the null block BlockPool permanently holds
    back"). So a request of B blocks starts on a worker of N = pool // block blocks where
    B <= N before 0.29 and B <= N - 1 from it, full attention (one group: its blocks' bytes
    are its layers') and hybrid alike."""
    return 1 if parse_version(vllm_version) >= KV_CHECK_NULL_BLOCK_FROM else 0


class _ShortStage(NamedTuple):
    """The PP stage whose workers raise vLLM's start-up refusal, with their figures."""

    pp_stage: int
    need: int  # bytes one max_model_len request needs there
    available: int  # its smallest pool less the blocks the check holds back


def _first_short_stage(st: Setup, bind: Binding, pools: dict[int, int], held: int
                       ) -> _ShortStage:
    """The first PP stage (vLLM's workers check in rank order, stage by stage) whose
    max_model_len request needs more bytes than its pool less `held` blocks, or the binding
    worker's stage where none does (a miss in blocks: _short_of_blocks).

    NOTE: v1/core/kv_cache_utils.py get_kv_cache_configs (0.29.0) runs
    _check_enough_kv_cache_memory for each worker on its own projected groups
    (_project_kv_cache_groups_to_worker) and its own memory, so the message names that
    worker's need and memory, not the hungriest stage's need (Kimi-K2 at TP=8 x PP=2 on H100s:
    stage 1's 30 MLA layers need 4.22 GiB of its 3.98, where stage 0's 31 need 4.36 of 7.08).
    The need is the layers' bytes (request_bytes) before KV_CHECK_IN_BLOCKS_FROM and the
    stage's whole blocks x its bytes per block from it, as _short_of_blocks words it
    (_max_memory_usage_bytes_from_groups): Nemotron-3-Nano at 0.30.0 on 1 H100 at utilization
    0.80, 134 blocks x 12,877,824 B = 1.61 GiB, where its layers' bytes are 1.60 GiB."""
    f = st.facts
    per_stage = stage_requests(st, f.r.max_model_len)
    in_blocks = parse_version(st.s.vllm_version) >= KV_CHECK_IN_BLOCKS_FROM
    short = [_ShortStage(pp_stage, (per_stage[pp_stage][0] * f.stages[pp_stage][1].bytes_per_block
                                    if in_blocks else per_stage[pp_stage][1]),
                         pools[pp_stage] - held * f.stages[pp_stage][1].bytes_per_block)
             for pp_stage in sorted(pools)]
    return next((s for s in short if s.need > s.available),
                next(s for s in short if s.pp_stage == bind.pp_stage))


def _short_stage_estimate(st: Setup, pools: dict[int, int], short: _ShortStage, ceiling: int,
                          num_blocks: int, held: int) -> int:
    """vLLM's "estimated maximum model length" in its refusal: the refusing worker's own
    (estimate_max_model_len on its groups and memory, get_kv_cache_configs), which is the
    plan's `ceiling` (held back: 1) where that worker holds the only pool; 0 without blocks."""
    if not num_blocks:
        return 0
    if held and len(pools) == 1:
        return ceiling
    f = st.facts
    pool = pools[short.pp_stage]
    return kv_ceiling(f, {short.pp_stage: pool}, st.layout.tp, f.window_mbt,
                      pool_blocks(pool, f.stages[short.pp_stage][1]), held)


def _null_block(st: Setup, bind: Binding) -> int:
    """The bytes vLLM holds back from the binding worker's pool before its "No available
    memory for the cache blocks" check (available <= 0): _null_blocks of its block, none
    without KV layers."""
    stage = st.facts.stages[bind.pp_stage][1]
    return _null_blocks(st.s.vllm_version) * stage.bytes_per_block if stage else 0


def _block_larger_than_pool(st: Setup, bind: Binding, held: int) -> str:
    """Headroom's advice, after vLLM's words, where a --block-size given makes one block
    larger than the binding worker's KV pool (less the null block vLLM holds back: held), so
    the pool holds no block a request can use: vLLM's "Try increasing
    `gpu_memory_utilization`" names more memory, where a smaller block is the change (the
    sizes the release runs: block_sizes_taken). "" where no size is given or a block fits."""
    stage = st.facts.stages[bind.pp_stage][1]
    if st.s.block_size is None or stage is None or bind.kv <= 0 or bind.blocks > held:
        return ""
    null = f", and vLLM {st.s.vllm_version} keeps one as its null block" if held else ""
    return (f" (Headroom: with --block-size {st.s.block_size} one KV block of "
            f"{stage.block_tokens:,} tokens is {stage.bytes_per_block:,} B, and the pool of "
            f"{bind.kv:,} B holds {counted(bind.blocks, 'block')}{null}: a smaller "
            "--block-size is the change; vLLM "
            f"{st.s.vllm_version} runs {block_sizes_taken(vllm_cli(st.s.vllm_version))}, and "
            "without --block-size it picks its own.)")


def _serve_one_request(version: str, max_model_len: int, quoted: bool = True) -> str:
    """The opening of vLLM's KV cache refusal as release `version` spells it where `quoted`
    (MAX_SEQ_LEN_REFUSAL_SPELT_MODEL_S_FROM): "the models's max seq len" up to 0.20, "the
    model's max seq len" from 0.22, the text a user finds in the log; Headroom's own sentence
    ("model's") where vLLM `version` prints no such refusal."""
    spelt = not quoted or parse_version(version) >= MAX_SEQ_LEN_REFUSAL_SPELT_MODEL_S_FROM
    return (f"To serve at least one request with the {'model' if spelt else 'models'}'s max "
            f"seq len ({max_model_len}), ")


def _short_of_blocks(st: Setup, bind: Binding, miss: _RequestMiss, estimate: str, hint: str
                     ) -> str:
    """The refusal of a max_model_len request whose bytes fit every pool but whose blocks do
    not fit the fewest any worker gets (a hybrid model's stage: its groups in pages unified to
    one size), with the blocks as the cause and, in vLLM's words, their bytes.

    NOTE: v1/core/kv_cache_planning.py (0.34.0) _check_enough_kv_cache_memory compares a
    worker's need in whole blocks (_max_memory_usage_bytes_from_groups: its bytes per block x
    the blocks of every group) with its pool less one block (the null block;
    KV_CHECK_NULL_BLOCK_FROM), so vLLM words this miss as bytes: "(X GiB KV cache is needed,
    which is larger than the available KV cache memory (Y GiB)"; before
    KV_CHECK_IN_BLOCKS_FROM it sums the layers' bytes, which fit."""
    f, version = st.facts, parse_version(st.s.vllm_version)
    stage, bpb = f.stages[miss.pp_stage][1], f.stages[bind.pp_stage][1].bytes_per_block
    request = stage_requests(st, f.r.max_model_len)[miss.pp_stage][1]
    groups = (f"the whole model's {stage.num_groups} groups, as every stage does," if
              f.r.kv_grouping[2] else "its layers' groups")
    held = _null_blocks(st.s.vllm_version)
    usable = (f"the {bind.blocks - held:,} every worker gets less the null block" if held else
              f"the {bind.blocks:,} every worker gets")
    head = (_serve_one_request(st.s.vllm_version, f.r.max_model_len,
                               quoted=version >= KV_CHECK_IN_BLOCKS_FROM)
            + f"PP stage {miss.pp_stage} needs {miss.blocks:,} KV blocks ({groups} in "
            f"pages of one size), more than {usable} (the fewest "
            f"of any: {gib(bind.kv)} // {bpb:,} B = {bind.blocks:,} on PP stage "
            f"{bind.pp_stage}); its request's {gib(request)} fit its pool, its whole blocks "
            f"do not.{estimate} ")
    if version < KV_CHECK_IN_BLOCKS_FROM:
        return head + (f"vLLM {st.s.vllm_version} checks the layers' bytes at start-up, which "
                       "fit, so it starts without this refusal. " + hint)
    return head + (f"vLLM says it in bytes of whole blocks ({miss.blocks:,} x {bpb:,} B against "
                   f"the pool{' less one block' if held else ''}): "
                   f"({vllm_kv_check_gib(miss.blocks * bpb, st.s.vllm_version)} KV cache is "
                   "needed, which is larger than the available KV cache memory "
                   f"({vllm_kv_check_gib(bind.kv - held * bpb, st.s.vllm_version)}). " + hint)


def _longest_request_miss(st: Setup, pools: dict[int, int], num_blocks: int) -> _RequestMiss:
    """How a request that grows to max_model_len misses the blocks it can use on every
    release: vLLM's scheduler computes at most max_model_len - 1 tokens (the last sampled one
    is never fed back: v1/core/sched/scheduler.py, max_model_len - num_computed_tokens - 1 in
    0.28.0), whose KV must fit the N - 1 blocks BlockPool leaves free beside its null block
    (block_pool.py, 0.13.0-0.28.0: `self.null_block = self.free_block_queue.popleft()`)."""
    return _request_miss(st, pools, num_blocks, 1, st.facts.r.max_model_len - 1)


def _unusable_last_block(st: Setup, bind: Binding, miss: _RequestMiss, ceiling: int) -> str:
    """Why a max_model_len request that passes a pre-0.29 start-up check never completes
    (`miss`: _longest_request_miss): the check let a request of N blocks through
    (_null_blocks), the BlockPool leaves N - 1 free, and the prompt is checked only against
    max_model_len (v1/engine/input_processor.py). Where the request outgrows the `ceiling`
    (N - 1 blocks) allocate_slots returns None and the scheduler preempts the newest running
    request until it has preempted this one (first come first served; v1/core/sched/
    scheduler.py, 0.11.0, 0.19.0, 0.28.0); it is then never admitted again: from
    FULL_SEQUENCE_ADMISSION_FROM all its tokens must fit the free blocks, and before it, with
    prefix caching, its cached blocks count as blocks to allocate. As the waiting queue's head
    it `break`s the admission loop, holding back every request queued behind it until it is
    aborted; without prefix caching before 0.19 it is recomputed and preempted in a loop."""
    length, version = st.facts.r.max_model_len, st.s.vllm_version
    stage = f" on PP stage {miss.pp_stage}" if st.layout.pp > 1 else ""
    shorter = (f"One request can reach {ceiling:,} tokens; --max-model-len {ceiling} or "
               if ceiling else "No request gets a KV block; ")
    held_back = ("so it waits at the head of the queue for good, holding back every request "
                 "queued behind it until it is aborted")
    readmit = (f"admits a waiting request only where all its tokens fit the free blocks "
               f"(scheduler_reserve_full_isl, on by default), {held_back}."
               if parse_version(version) >= FULL_SEQUENCE_ADMISSION_FROM else
               f"with prefix caching (on by default) counts its cached blocks as blocks to "
               f"allocate when it is readmitted, {held_back}; without prefix caching it is "
               "recomputed and preempted again, over and over.")
    return (f"vLLM {version} starts this plan (its start-up check compares one "
            f"request with the whole pool, all {counted(bind.blocks, 'block')} a worker gets), "
            "but its BlockPool takes one of them as the null block, so a request that grows to "
            f"{length:,} tokens needs {counted(miss.blocks, 'KV block')}{stage}, more than the "
            f"{bind.blocks - 1:,} left, and never completes: vLLM preempts it where it finds no "
            "free block (after the requests admitted after it: first come, first served), and "
            f"{readmit} {shorter}a pool {miss.shortfall:,} B larger serves every request "
            "(max_model_len_shortfall_bytes_per_gpu).")


def outcome(
    st: Setup, bind: Binding, pools: dict[int, int], overweight: bool, errors: list[str]
) -> Outcome:
    """Concurrency, tokens, ceiling and the verdict in vLLM's words, from the binding worker."""
    layout, f = st.layout, st.facts
    max_model_len = f.r.max_model_len
    num_blocks = bind.blocks
    tokens, concurrency = capacity(f, f.stages[bind.pp_stage][1], num_blocks)
    held = _null_blocks(st.s.vllm_version)
    # what one request can use: every release's BlockPool takes the null block
    # (_unusable_last_block); the start-up check holds it back only from 0.29 (_null_blocks),
    # so before it a max_model_len request the usable blocks miss may still start
    ceiling = kv_ceiling(f, pools, layout.tp, f.window_mbt, num_blocks, 1) \
        if num_blocks > 1 else 0
    starts = ceiling >= max_model_len or not held and passes(
        f, pools, layout.tp, num_blocks, max_model_len)

    # a pool of none or less, or one short of a max_model_len request: short by what one
    # request needs (_request_miss); without KV layers vLLM checks no pool
    miss = _request_miss(st, pools, num_blocks, held, max_model_len) \
        if pools and not starts else None
    shortfall = miss.shortfall if miss else max(-bind.kv, 0)
    # before 0.29 a request that grows to max_model_len may need a block more than vLLM's
    # start-up check (_longest_request_miss)
    longest = _longest_request_miss(st, pools, num_blocks) \
        if pools and ceiling + 1 < max_model_len and not held else None
    error = _start_error(st, bind, pools, overweight, starts, miss, ceiling, held)
    if error:
        errors.append(error)
    stalls = not errors and longest is not None  # (its last token's KV is never written)
    parts, gap = _unmodelled(st, bind)
    warnings = _warnings(st, bind, longest if stalls else None, ceiling, gap)
    verdict = (_fit_verdict(st, bind, stalls, parts, ceiling, tokens, concurrency)
               if not errors else NO_FIT + errors[0])  # the first check vLLM fails, in its order
    return Outcome(f.request, concurrency, tokens, ceiling, f.r.model_limit, errors, warnings,
                   verdict, shortfall,
                   max(shortfall, longest.shortfall) if longest else shortfall)


def _start_error(st: Setup, bind: Binding, pools: dict[int, int], overweight: bool,
                 starts: bool, miss: _RequestMiss | None, ceiling: int, held: int
                 ) -> str | None:
    """The first of vLLM's start-up checks the binding worker fails, in vLLM's words: the
    weights over the budget, no memory for a cache block, or a KV cache short of one
    max_model_len request (_kv_short_error); None where it starts."""
    s = st.s
    if overweight:
        return (
            f"The weights alone ({gib(bind.weights)} per GPU) do not fit the budget "
            f"({gib(bind.budget)} = {number_as_given(s.gpu_memory_utilization)} x "
            f"{gib(bind.total)}); vLLM runs out of memory while loading the model."
        )
    if bind.kv <= _null_block(st, bind):
        return (
            "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
            "when initializing the engine." + _block_larger_than_pool(st, bind, held)
        )
    if not starts:
        return _kv_short_error(st, bind, pools, miss, ceiling, held)
    return None


def _kv_short_error(st: Setup, bind: Binding, pools: dict[int, int],
                    miss: _RequestMiss | None, ceiling: int, held: int) -> str:
    """vLLM's error where the KV cache is short of one max_model_len request, with vLLM's own
    estimate of the longest that fits (its start-up check's ceiling, the usable one from
    0.29) and, before 0.29, where that estimate's longest request never completes, the one
    that does."""
    s, max_model_len = st.s, st.facts.r.max_model_len
    short = _first_short_stage(st, bind, pools, held)
    checked = _short_stage_estimate(st, pools, short, ceiling, bind.blocks, held)
    estimate = f" Based on the available memory, the estimated maximum model length is " \
        f"{checked}." if checked else ""
    hint = ("Try increasing `gpu_memory_utilization` when initializing the engine. "
            "Decreasing `max_model_len` also reduces what is needed."
            if parse_version(s.vllm_version) >= KV_SHORTFALL_HINT_FROM else
            "Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
            "initializing the engine.")
    error = (
        _short_of_blocks(st, bind, miss, estimate, hint) if miss and miss.on_blocks else
        _serve_one_request(s.vllm_version, max_model_len)
        + f"({vllm_kv_check_gib(short.need, s.vllm_version)} KV cache is needed, which is "
        "larger than the available KV cache memory "
        f"({vllm_kv_check_gib(short.available, s.vllm_version)}).{estimate} {hint}"
    ) + _block_larger_than_pool(st, bind, held)
    if not held and len(pools) == 1 and checked > ceiling > 0:  # (_null_blocks)
        error += (f" (Headroom: at {checked} the longest request would never complete, "
                  f"as BlockPool keeps one block as its null block; {ceiling} is the "
                  "longest that does.)")
    return error


def _unmodelled(st: Setup, bind: Binding) -> tuple[tuple[str, ...], str | None]:
    """What the plan's figures leave out, as the verdict names them (unmodelled_parts, the
    facts' gaps, an unsized all-to-all buffer, EPLB's parts), and the encoder gap's warning."""
    s, layout, r = st.s, st.layout, st.facts.r
    parts, gap = unmodelled_parts(st.spec, s, r.mbt, r.seqs, layout.pp, r.max_model_len,
                                 r.encoder_rules, r.pan_and_scan)
    buffer = all2all_buffer(st, bind.pp_stage)
    version = vllm_rules(s.vllm_version).version
    return (*parts, *r.gap_parts,
            *([unsized_part(effective_backend(s.all2all_backend, version))]
              if buffer and not buffer[2] else []),
            *([GRAPHS_OUTSIDE_PART] if r.old_graphs and bind.graphs > _outside(bind) else []),
            *(eplb_unmodelled(st.spec, s, version)
              if s.enable_eplb and layout.ep and st.spec.is_moe else ())), gap


def _warnings(st: Setup, bind: Binding, stalled: _RequestMiss | None, ceiling: int,
              gap: str | None) -> list[str]:
    """The plan's warnings, in order: the facts', a fitting plan's longest request that never
    completes (`stalled`), CUDA graphs taken outside the KV budget (old releases), the
    model's notes, and the encoder gap."""
    s, r = st.s, st.facts.r
    warnings = list(st.facts.warnings)
    if stalled is not None:
        warnings.append(_unusable_last_block(st, bind, stalled, ceiling))
    if r.old_graphs:
        outside = _outside(bind)
        warnings.append(
            f"vLLM {s.vllm_version} does not subtract CUDA graph memory "
            f"(~{gib(bind.graphs)} per GPU) from the KV budget; it is taken "
            "after the KV cache is allocated, from the memory left outside the utilization ("
            f"{gib(outside)} = {gib(bind.total)} - {gib(bind.budget)} budget): "
            + ("room for them, the KV figures stand." if bind.graphs <= outside else
               "more than that room; whether the capture finds the rest is not modelled."))
    warnings += r.model_notes
    if gap:
        warnings.append(gap)
    return warnings


def _outside(bind: Binding) -> int:
    """The memory a worker leaves outside the utilization (total - budget), where a release
    that does not subtract the CUDA graph estimate takes the graphs from after the KV cache
    is allocated (0.17.0 gpu_worker.py: available_kv_cache_memory_bytes = requested_memory -
    non_kv_cache_memory, CUDA graphs left out; capture_model runs later)."""
    return bind.total - bind.budget


GRAPHS_OUTSIDE_PART = "CUDA graphs beyond the memory outside the utilization"
"""The unmodelled part of a fit on a release that does not subtract the CUDA graph estimate
(before GRAPHS_SUBTRACTED_FROM) where the estimate is larger than total - budget: the capture
after the KV cache may or may not find the rest."""


def _fit_verdict(st: Setup, bind: Binding, stalls: bool, parts: tuple[str, ...], ceiling: int,
                 tokens: int, concurrency: float) -> str:
    """The verdict of a plan that starts: its blocks, KV tokens and concurrency at
    max_model_len, and the longest request one can reach (the null block's, where the
    longest never completes: `stalls`)."""
    s, r = st.s, st.facts.r
    max_model_len, num_blocks = r.max_model_len, bind.blocks
    head = STALLED_FIT if stalls else "Fits"
    fits = head if not parts else f"{head} (unmodelled: {', '.join(parts)})"
    reach = min(ceiling, r.model_limit)
    # vLLM refuses a request over max_model_len, whatever the pool could hold
    reach_text = counted(reach, "token") if reach <= max_model_len else (
        f"{counted(max_model_len, 'token')} (max_model_len; the KV cache holds one of "
        f"{reach:,} {LARGER_LEN_STEP})")
    replica = per_replica(st.layout.dp)
    factor = capacity_factor(st.facts, st.facts.stages[bind.pp_stage][1], num_blocks, tokens)
    return (
        f"{fits}: {counted(num_blocks, 'block')} = {tokens:,} KV tokens{replica}"
        + (f" ({factor})" if factor else "") + ", "
        f"{concurrency:,.2f} concurrent requests{replica} at "
        f"{counted(max_model_len, 'token')}; "
        f"one request can reach {reach_text}"
        + (f", the {counted(num_blocks, 'block')} less the null block vLLM "
           f"{s.vllm_version} takes."
           if stalls else ".")
    )


LARGER_LEN_STEP = "at a larger --max-model-len"
"""How the verdict names the setting a longer request needs, in the CLI's words (the app says
it its own way: ui.context.app_words)."""


NO_FIT = "Does not fit: "
"""How a verdict starts where the plan does not fit: then the first check vLLM fails, in its
words (the report lists the others, recommend tallies the start-up refusals)."""


UNMODELLED_FIT = "Fits (unmodelled: "
"""How a verdict starts where the plan fits on figures that leave parts out (unmodelled_parts):
no confident fit (the Plan page shows it as a warning, recommend names such rows)."""


STALLED_FIT = "Starts, but its longest request never completes"
"""How a verdict starts where vLLM starts the plan (`fits`) but a request that grows to
max_model_len never gets the blocks it needs (before 0.29: _unusable_last_block, whose warning
says what vLLM does with it): no confident fit; " (unmodelled: a, b)" follows where the figures
also leave parts out."""


CONFIDENT_FIT = "Fits: "
"""How a confident fit's verdict starts: neither unmodelled parts nor a stalled request."""


def verdict_stalled(verdict: str) -> bool:
    """Whether a verdict is STALLED_FIT's: vLLM starts the plan but its longest request never
    completes (the sweep ranks such rows after the other fits, auto_layout passes them over,
    recommend counts them short of memory, tables mark them stalls)."""
    return verdict.startswith(STALLED_FIT)


def verdict_unmodelled(verdict: str) -> str | None:
    """The parts a verdict's figures leave out ("a, b" of "Fits (unmodelled: a, b): ...", or of
    STALLED_FIT's " (unmodelled: a, b): "); None for a verdict without them (the Plan page's
    verdict, the sweep's and recommend's tables mark such plans)."""
    for head in (UNMODELLED_FIT, f"{STALLED_FIT} (unmodelled: "):
        if verdict.startswith(head):
            return verdict[len(head):].partition("): ")[0]
    return None


def unmodelled_ranks(ranked: Iterable[tuple[int, Any]],
                     by: Callable[[Any, str], Hashable] = lambda row, parts: parts,
                     ) -> dict[Hashable, list[int]]:
    """The ranks of the (rank, row) pairs whose row's verdict fits on figures leaving parts
    out (verdict_unmodelled), grouped by by(row, parts) (the parts unless given), groups in
    the order they first appear (text.ranks_by): such a row is no confident fit, as `plan`
    says of its verdict (the sweep tables' yes* rows, recommend's caveats). A stalled fit
    (STALLED_FIT) is left out: its fits cell says stalls, and the line naming those rows says
    its parts (report.stalled_meaning)."""
    return ranks_by(ranked, lambda row: None if verdict_stalled(row.verdict) or (
        parts := verdict_unmodelled(row.verdict)) is None else by(row, parts))


def unread_weights_part(spec: ModelSpec, scheme: quant.QuantScheme) -> tuple[str, ...]:
    """The verdict's unmodelled part where a quantized checkpoint's weights are planned as
    16-bit because Headroom reads no format from them (ModelSpec.unread_quant_method, or an
    AutoRound block: ModelSpec.inc_unplanned; the parser warns of it): where the release takes
    them, vLLM loads them in their own format, so the figures are no confident fit. () for a
    what-if format, which loads another checkpoint."""
    fmt = spec.inc_unplanned
    if scheme.what_if or not (spec.unread_quant_method or fmt):
        return ()
    if spec.unread_quant_method:
        return (f"{spec.unread_quant_method} weights planned as 16-bit",)
    bits = f" {fmt.bits}-bit" if fmt.bits else ""
    return (f"AutoRound {fmt.data_type}{bits} weights planned as 16-bit",)


def unmodelled_parts(spec: ModelSpec, s: EngineSettings, mbt: int, seqs: int, pp: int,
                     max_model_len: int, encoder_rules: EncoderRules,
                     cropped: PanAndScanProfile | None) -> tuple[tuple[str, ...], str | None]:
    """What a plan's figures leave out, as its verdict names them ("Fits (unmodelled: ...)":
    the spec's unmodelled parts and a vision encoder profile encoder_cover.encoder_gap finds
    unmodelled; `cropped`: Resolved.pan_and_scan), and that gap's warning (None without one)."""
    gap = encoder_gap(spec, s, mbt, seqs, pp, max_model_len, encoder_rules, cropped)
    return ((*spec.unmodelled, gap[0]), gap[1]) if gap else (spec.unmodelled, None)
