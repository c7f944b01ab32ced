"""planner.serving.recommend: the GPU counts searched and which rows serve a workload."""

import json

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import NetworkSpec, parse_network
from planner.serving.layout import ParallelLayout
from planner.serving.prices import with_overrides
from planner.serving.recommend import (
    FellOut,
    RecommendError,
    RecommendResult,
    Workload,
    _best,
    _cluster,
    _miss,
    _Tally,
    gpu_counts,
    recommend,
)
from planner.serving.replicas import dp_requests
from planner.serving.sweep import SweepRow, layout_candidates, sweep


def test_counts_are_powers_of_two_then_whole_nodes() -> None:
    assert gpu_counts(8) == (1, 2, 4, 8)
    assert gpu_counts(6) == (1, 2, 4)
    assert gpu_counts(32) == (1, 2, 4, 8, 16, 24, 32)
    with pytest.raises(RecommendError):
        gpu_counts(0)


@pytest.mark.parametrize("weights_bytes, pruned", [
    (23_283_447_209, 0),  # the plan's budget exactly: planned, as the plan fits weights to it
    (23_283_447_210, 1),  # a byte over it: pruned
])
def test_a_count_is_pruned_on_the_plans_integer_budget(monkeypatch, weights_bytes,
                                                       pruned) -> None:
    # A count is pruned where the smallest weights pass the plan's own budget of its GPUs:
    # vLLM's request_memory, ceil(total x gpu_memory_utilization), a GPU (engines.VllmEngine
    # .budget_bytes), the cluster budget launch.fitted_note weighs checkpoints against. One
    # RTX 3090 (the preset's CUDA total 25,308,094,792 B) at vLLM 0.34's default 0.92:
    # 25,308,094,792 x 0.92 = 23,283,447,208.64 -> ceil 23,283,447,209 B. The float product
    # recommend compared before pruned weights of exactly that budget (a window under a byte
    # a GPU, which no catalog checkpoint's weights fall in at any count and 0.01-1.00
    # utilization); the weights are set here to sit on its edges.
    monkeypatch.setattr("planner.serving.recommend._smallest_weights",
                        lambda *args: weights_bytes)
    result = recommend([catalog_spec("Qwen/Qwen3-8B")], Workload(), with_overrides(),
                       gpus_max=1, gpu_keys=("rtx-3090",))
    assert result.pruned == pruned


def test_the_search_is_named_in_one_phrase_however_many_counts() -> None:
    def searched(keys: tuple[str, ...], gpus_max: int) -> str:
        return RecommendResult.model_construct(gpu_keys=keys,
                                               gpu_counts=gpu_counts(gpus_max)).searched()

    assert searched(("h100-sxm",), 8) == "1 priced GPU preset x (1, 2, 4, 8) GPUs"
    # --gpus-max 1: one count (read "x (1,) GPUs", a Python tuple)
    assert searched(("h100-sxm",), 1) == "1 priced GPU preset x 1 GPU"
    assert searched(("h100-sxm",), 2) == "1 priced GPU preset x (1, 2) GPUs"
    assert searched(("h100-sxm", "l40s"), 16) == "2 priced GPU presets x (1, 2, 4, 8, 16) GPUs"
    # 4,096 GPUs: 1, 2, 4, 8 and 511 whole nodes from 16 up, shown as the pattern
    assert searched(("h100-sxm", "l40s"), 4096) == (
        "2 priced GPU presets x (1, 2, 4, 8, 16, ... every 8 up to 4,096) GPUs")


def _row(conc: float, tps: float | None = None, tpot: float | None = None,
         fits: bool = True, dp: int = 1, ceiling: int = 0, verdict: str = "",
         at: int = 4) -> SweepRow:
    return SweepRow.model_construct(fits=fits, max_concurrency=conc, output_tokens_per_s=tps,
                                    tpot_ms=tpot, layout=ParallelLayout(dp=dp),
                                    max_context_tokens=ceiling, verdict=verdict,
                                    quant_label="BF16", kv_cache_dtype="auto",
                                    speed_concurrency=None if tps is None else at)


def test_the_plans_that_do_not_serve_are_tallied_by_their_first_miss() -> None:
    # 4 requests of 4,096 tokens within 50 ms TPOT: a row that does not fit is short of
    # memory where its ceiling is below 4,096 tokens, else refused at start-up (its verdict);
    # one that fits with room for 3.99 requests lacks room; 60 and 55 ms miss the target
    work = Workload(context_tokens=4096, concurrency=4, tpot_ms=50)
    rows = [_row(0.0, fits=False, ceiling=1000, verdict="Does not fit: The weights alone"),
            _row(9.0, fits=False, ceiling=4096, verdict="Does not fit: refusal A"),
            _row(9.0, fits=False, ceiling=8192, verdict="Does not fit: refusal A"),
            _row(9.0, fits=False, ceiling=8192, verdict="Does not fit: refusal B"),
            _row(3.99, tps=10.0, tpot=1.0),
            _row(4.0, tps=10.0, tpot=60.0), _row(4.0, tps=10.0, tpot=55.0),
            _row(4.0, tps=10.0, tpot=50.0)]
    tally = _Tally(work)
    assert tally.serving(rows, "m on 2x l4") == rows[-1:]
    assert tally.fell_out() == (
        FellOut(reason="refused", plans=3, detail="most common: refusal A"),
        FellOut(reason="memory", plans=1),
        FellOut(reason="room", plans=1),
        FellOut(reason="tpot", plans=2, detail="best TPOT 55.0 ms at 4 requests in flight: "
                                               "m on 2x l4, BF16, TP=1, KV auto", closest=55.0))
    result = RecommendResult.model_construct(workload=work, plans_made=8,
                                             fell_out=tally.fell_out())
    assert result.why_none() == (
        "Of 8 plans made, 3 refused by vLLM at start-up (most common: refusal A); 1 do not fit "
        "memory at 4,096 tokens of context; 1 have KV room for fewer than 4 requests (ceil(4 / "
        "DP) in each DP replica); 2 miss the TPOT target (50 ms) (best TPOT 55.0 ms at 4 "
        "requests in flight: m on 2x l4, BF16, TP=1, KV auto).")
    # at a rate of 2 x 512 = 1,024 output tokens/s, 1,000 misses it, by 24
    rate = _Tally(Workload(requests_per_s=2, output_len=512))
    assert rate.serving([_row(1.0, tps=1000.0, tpot=5.0)], "m on 1x l4") == []
    assert rate.fell_out() == (FellOut(reason="rate", plans=1, detail=(
        "most 1,000 output tokens/s of 1,024 needed at 4 requests in flight: m on 1x l4, BF16, "
        "TP=1, KV auto"), closest=1000.0),)


def test_a_row_that_cannot_reach_the_rate_misses_the_rate_not_its_latency() -> None:
    """5 requests/s x 512 output tokens = 2,560 output tokens/s within 50 ms TPOT. The sweep
    gives a row at a rate its figures at the fewest requests in flight reaching it; at one
    request where even one misses a target; else at the top of its search (max_num_seqs or
    the KV cache's most) where none reaches it. A row at 14 requests giving 272 tokens/s, 50.1
    ms TPOT, is the last: no concurrency gives 2,560, so it misses the rate, and it is not the
    TPOT miss "closest to serving" (2x RTX 4090, INT8 W8A8, PP=2, auto KV, before: "best TPOT
    50.1 ms at 14 requests in flight")."""
    work = Workload(requests_per_s=5, input_len=2048, output_len=512, tpot_ms=50)
    short = _row(13.35, tps=272.0, tpot=50.1, at=14)
    assert _miss(short, work) == "rate"
    assert _miss(_row(13.35, tps=20.0, tpot=60.0, at=1), work) == "tpot"  # even one misses
    # 2,600 >= 2,560 at the fewest requests reaching it, but at 55 ms: a TPOT miss
    assert _miss(_row(300.0, tps=2600.0, tpot=55.0, at=100), work) == "tpot"
    assert _miss(_row(300.0, tps=2600.0, tpot=50.0, at=100), work) is None
    tally = _Tally(work)
    assert tally.serving([short, _row(300.0, tps=2600.0, tpot=66.0, at=182)], "m on 8x l4") == []
    assert tally.fell_out() == (
        FellOut(reason="tpot", plans=1, detail="best TPOT 66.0 ms at 182 requests in flight: "
                                               "m on 8x l4, BF16, TP=1, KV auto", closest=66.0),
        FellOut(reason="rate", plans=1, detail="most 272 output tokens/s of 2,560 needed at "
                                               "14 requests in flight: m on 8x l4, BF16, TP=1, "
                                               "KV auto", closest=272.0))


def test_the_closest_miss_is_rounded_away_from_the_target() -> None:
    """The closest plan's figure never reads as meeting the target: 5 requests/s x 512 output
    tokens = 2,560 tokens/s needed, 2,559.6 given is "most 2,559" (it read "most 2,560 output
    tokens/s of 2,560 needed"); a TPOT of 50.04 ms over a 50 ms target is "50.1" (not
    "50.0"); 2.5 requests/s x 1,023 tokens = 2,557.5 needed is "2,558"."""
    work = Workload(requests_per_s=5, output_len=512, tpot_ms=50)
    tally = _Tally(work)
    assert tally.serving([_row(9.0, tps=2559.6, tpot=20.0, at=256),
                          _row(9.0, tps=10.0, tpot=50.04, at=1)], "m on 8x l4") == []
    assert tally.fell_out() == (
        FellOut(reason="tpot", plans=1, detail="best TPOT 50.1 ms at 1 request in flight: "
                                               "m on 8x l4, BF16, TP=1, KV auto", closest=50.04),
        FellOut(reason="rate", plans=1, detail="most 2,559 output tokens/s of 2,560 needed at "
                                               "256 requests in flight: m on 8x l4, BF16, "
                                               "TP=1, KV auto", closest=2559.6))
    half = _Tally(Workload(requests_per_s=2.5, output_len=1023))
    half.serving([_row(9.0, tps=2000.0, at=64)], "m on 1x l4")
    assert half.fell_out()[0].detail.startswith("most 2,000 output tokens/s of 2,558 needed")
    # a figure already at one decimal stays: 50.1 ms is 50.1, not 50.2 (501.00000000000006)
    tpot = _Tally(work)
    tpot.serving([_row(9.0, tps=10.0, tpot=50.1, at=1)], "m on 1x l4")
    assert tpot.fell_out()[0].detail.startswith("best TPOT 50.1 ms")


def test_every_plan_refused_by_flashinfer_says_so() -> None:
    """Gemma-3 4B (head size 256 in every attention layer, catalog config) on a B200 (compute
    capability 10.0) under vLLM 0.15.1, where FlashInfer is first on 10.x and asserts on head
    size 256 in 16-token blocks (attention_backend.flashinfer_hd256_errors: 0.13-0.17 on any
    10.x): every plan is refused, none short of memory (a 4B model in 180 GB), and --block-size
    32 lifts it."""
    spec = catalog_spec("google/gemma-3-4b-it")
    old = EngineSettings(vllm_version="0.15.1")
    result = recommend([spec], Workload(), with_overrides(), gpu_keys=("b200",), engine=old)
    assert not result.rows and result.plans_made > 0
    assert result.fell_out == (FellOut(
        reason="refused", plans=result.plans_made,
        detail="There is a bug in FlashInfer block_size 16 head size 256 support. Please avoid "
               "this combination by passing --block-size 32 or --block-size 64."),)
    assert result.why_none().startswith(f"Of {result.plans_made:,} plans made, "
                                        f"{result.plans_made:,} refused by vLLM at start-up (")
    # vLLM's sentence keeps its words inside the brackets, its full stop once, outside them
    assert result.why_none().endswith("passing --block-size 32 or --block-size 64).")
    assert recommend([spec], Workload(), with_overrides(), gpu_keys=("b200",),
                     engine=old.model_copy(update={"block_size": 32})).rows


def test_a_row_whose_longest_request_never_completes_is_short_of_memory() -> None:
    # vLLM before 0.29 starts a pool of the request's blocks, but BlockPool takes one as the
    # null block (plan.verdict.STALLED_FIT): its ceiling, 8,176 tokens, is below the
    # workload's 8,192
    work = Workload(context_tokens=8192)
    stalled = _row(9.0, ceiling=8176, verdict="Starts, but its longest request never "
                   "completes: 512 blocks = 8,192 KV tokens per replica")
    assert _miss(stalled, work) == "memory"
    assert _miss(_row(9.0, ceiling=8192, verdict="Fits: 513 blocks"), work) is None


def test_a_row_serves_when_it_fits_holds_the_concurrency_and_meets_targets() -> None:
    four = Workload(concurrency=4)
    assert _miss(_row(4.0), four) is None
    assert _miss(_row(3.99), four) is not None  # KV room for 3.99 requests, not 4
    assert _miss(_row(9.0, fits=False), four) is not None
    fast = Workload(tpot_ms=50)
    assert _miss(_row(1.0, tps=100.0, tpot=50.0), fast) is None
    assert _miss(_row(1.0, tps=100.0, tpot=50.1), fast) is not None
    assert _miss(_row(1.0), fast) is not None  # no speed figure: the target is unproven
    # 2 requests/s x 512 output tokens = 1,024 output tokens/s needed
    rate = Workload(requests_per_s=2, output_len=512)
    assert _miss(_row(1.0, tps=1024.0), rate) is None
    assert _miss(_row(1.0, tps=1023.0), rate) is not None


def test_dp_replicas_each_hold_their_share_of_the_concurrency() -> None:
    # vLLM's DP load balancer sends each request to the least-loaded engine, so 9 requests
    # over 2 replicas put ceil(9 / 2) = 5 in one of them, 8 put 4 in each
    assert [dp_requests(c, dp) for c, dp in ((9, 2), (8, 2), (1, 4), (150, 3))] == [5, 4, 1, 50]
    # 4.54 requests of KV room per replica (the seed's TP=4 x DP=2, fp8 KV): 2 x 4 = 8
    # requests fit, 9 do not (5 > 4.54) though 2 x 4.54 = 9.08; one replica of 7.04 holds 7
    assert _miss(_row(4.54, dp=2), Workload(concurrency=8)) is None
    assert _miss(_row(4.54, dp=2), Workload(concurrency=9)) is not None
    assert _miss(_row(7.04), Workload(concurrency=8)) is not None


def test_a_dp_layout_is_recommended_where_each_replica_holds_its_share() -> None:
    """Qwen3-235B GPTQ, 8 requests of 32,768 tokens on 4x RTX A6000: TP=2 x DP=2 holds fewer
    than 8 requests in a replica, but the load balancer puts ceil(8 / 2) = 4 in each, so it
    serves (it used to be refused for want of room for all 8 in each replica)."""
    result = recommend([catalog_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4")],
                       Workload(context_tokens=32768, concurrency=8), with_overrides(),
                       gpus_max=4, gpu_keys=("rtx-a6000",))
    best = result.rows[0]
    assert (best.gpus, best.layout) == (4, ParallelLayout(tp=2, dp=2))
    assert 4 <= best.max_concurrency < 8
    assert best.speed_concurrency == 8
    # the JSON carries both replicas' room beside one replica's, as the sweep's rows do
    row = best.model_dump(mode="json")
    assert row["max_concurrency_all_replicas"] == 2 * row["max_concurrency"] >= 8


def _exhaustive(spec, workload: Workload, gpu_keys, gpus_max: int,
                network: NetworkSpec | None = None) -> list[tuple]:
    """The reference: the full sweep at every count of every GPU over `network` (what the
    search did before it bounded counts above one node), the same choice of rows per GPU."""
    settings = EngineSettings(max_model_len=workload.max_model_len)
    picked = []
    for key in gpu_keys:
        launchable = what_if = None
        for n in gpu_counts(gpus_max):
            cluster = _cluster(key, n, network)
            layouts = [lay for lay in layout_candidates(spec, cluster) if lay.gpus == n]
            rows = sweep(spec, cluster, settings, layouts=layouts, load=workload.load,
                         tpot_ms_target=workload.tpot_ms, ttft_ms_target=workload.ttft_ms,
                         min_output_tokens_per_s=workload.output_tokens_per_s).rows
            serving = [r for r in rows if _miss(r, workload) is None]
            runnable = [r for r in serving if r.vllm_command]
            if runnable:
                launchable = (n, _best(runnable, workload))
                break
            if serving and what_if is None:
                what_if = (n, _best(serving, workload))
        for found in (launchable, what_if):
            if found and (found is launchable or not launchable or found[0] < launchable[0]):
                n, r = found
                picked.append((key, n, r.quant_key, r.layout, r.kv_cache_dtype, r.tpot_ms))
    return picked


@pytest.mark.parametrize("workload", [
    # 60 requests/s x 256 output tokens = 15,360 output tokens/s: more than 8 cards
    Workload(requests_per_s=60, input_len=512, output_len=256),
    # 150 requests of 16,384 tokens in one replica: ~150 x 16,384 x 72 KiB of fp8 KV
    # (36 layers x 8 KV heads x 128 x 2) = 170 GiB + weights: more than 8 x 24 GB
    Workload(concurrency=150, context_tokens=16384),
])
def test_the_search_above_one_node_finds_what_planning_every_count_finds(workload) -> None:
    """Qwen3-8B on RTX 3090s and L4s where the answer lies above one node, where counts are
    bounded instead of planned one by one: the rows must be the reference's."""
    spec = catalog_spec("Qwen/Qwen3-8B")
    gpus = ("rtx-3090", "l4")
    result = recommend([spec], workload, with_overrides(), gpus_max=16, gpu_keys=gpus)
    got = sorted((r.gpu_key, r.gpus, r.quant_key, r.layout, r.kv_cache_dtype, r.tpot_ms)
                 for r in result.rows)
    want = sorted(_exhaustive(spec, workload, gpus, 16))
    assert got == want
    assert any(r.gpus == 16 and r.launchable for r in result.rows)


def test_counts_above_one_node_are_bounded_over_the_network_given() -> None:
    """Qwen3-235B at 40 requests/s x 1,024 output tokens = 40,960 output tokens/s on H100s
    over a network 8x faster than the DGX's (8 NICs x 3,200 Gb/s per node, 3,200 Gb/s per GPU
    against 400): 16 GPUs serve it, TP=1 x PP=2 x DP=8 over both nodes, where the DGX network
    serves it on no count up to 16. The families' bounds were worked out on the DGX network,
    where that family needs more than 16, so the search found no row at 16: the rows must be
    the full sweep's over the same network. (At 50 requests/s 16 GPUs served it with DP=16 +
    EP until the MoE dispatch at DP > 1 was costed as vLLM's allgather_reducescatter gathers
    it, 15 other ranks' tokens each way a MoE layer, 2026-12-07: no count up to 16 serves 50
    now, on either network.)"""
    spec = catalog_spec("Qwen/Qwen3-235B-A22B")
    workload = Workload(requests_per_s=40, input_len=1024, output_len=1024)
    network = parse_network("8x3200")
    result = recommend([spec], workload, with_overrides(), gpus_max=16, gpu_keys=("h100-sxm",),
                       network=network)
    got = [(r.gpu_key, r.gpus, r.quant_key, r.layout, r.kv_cache_dtype, r.tpot_ms)
           for r in result.rows]
    assert got == _exhaustive(spec, workload, ("h100-sxm",), 16, network)
    assert recommend([spec], workload, with_overrides(), gpus_max=16,
                     gpu_keys=("h100-sxm",)).rows == ()  # the DGX network: none
    assert result.rows[0].gpus == 16 and result.rows[0].nodes == 2


def test_launchable_rows_come_first_and_what_ifs_say_why() -> None:
    """4 requests/s of Qwen3-8B on RTX 3090s: an INT8 W8A8 what-if (no checkpoint vLLM can
    load) serves on fewer GPUs than any launchable format (2 against 4); it is listed, after
    the launchable rows, with the reason instead of a command. (3 requests/s until the
    3090's GEMMs ran at its measured rate: 2 launchable 3090s now serve those.)"""
    result = recommend([catalog_spec("Qwen/Qwen3-8B")], Workload(requests_per_s=4),
                       with_overrides(), gpu_keys=("rtx-3090", "l4"))
    flags = [r.launchable for r in result.rows]
    assert flags[0] and flags == sorted(flags, reverse=True)
    what_ifs = [r for r in result.rows if not r.launchable]
    assert what_ifs and all(r.vllm_command is None and "quantize it first" in r.launch_note
                            for r in what_ifs)
    for w in what_ifs:  # only where it needs fewer GPUs than that GPU's launchable row
        assert all(w.gpus < r.gpus for r in result.rows
                   if r.launchable and r.gpu_key == w.gpu_key)
    data = json.loads(result.model_dump_json())
    assert [row["launchable"] for row in data["rows"]] == flags


def test_dgx_sparks_are_recommended_as_one_node_each() -> None:
    """More than one DGX Spark is that many machines (a Spark holds one GB10): a row on 2 or
    4 of them is 2 or 4 nodes, and its command starts vLLM on each (--nnodes). It was one
    node of 4 GB10s over PCIe, a machine that does not exist, with a one-node command."""
    result = recommend([catalog_spec("openai/gpt-oss-120b")],
                       Workload(requests_per_s=2, input_len=2048, output_len=512),
                       with_overrides({"dgx-spark-gb10": 0.5}), gpu_keys=("dgx-spark-gb10",))
    many = [r for r in result.rows if r.gpus > 1]
    assert many, [(r.gpus, r.layout) for r in result.rows]
    for row in many:
        assert row.nodes == row.gpus
        assert row.vllm_command is None or f"--nnodes {row.gpus}" in row.vllm_command


def test_gh200s_are_recommended_as_lambda_instances_of_one() -> None:
    """GH200's price is Lambda's 1x instance (one GH200 each): Llama-3.1-70B (70.6e9 params;
    BF16 131.4 GiB, FP8 65.7 GiB of weights, against one GH200's 0.92 x 95.08 = 87.5 GiB)
    at 16 requests of 32,000 tokens needs 2 or more, and each is its own node: nodes = GPUs,
    --nnodes in the command, $4.58 an hour for 2 (2 x 2.29), the network assumed. It was one
    node of 2 over PCIe 5.0 x16 (and 16 were 2 nodes of 8), a box no one rents."""
    result = recommend([catalog_spec("meta-llama/Llama-3.1-70B-Instruct")],
                       Workload(concurrency=16, context_tokens=32_000), with_overrides(),
                       gpu_keys=("gh200",))
    assert result.rows and all(r.gpus > 1 for r in result.rows)
    for row in result.rows:
        assert row.nodes == row.gpus
        assert row.usd_per_hour == pytest.approx(row.gpus * 2.29)
        assert row.vllm_command is None or f"--nnodes {row.gpus}" in row.vllm_command
    assert "NVIDIA GH200 480GB" in result.network_assumed


def test_an_absurd_rate_is_refused_with_the_bound() -> None:
    """1,000,000 requests/s x 256 output tokens = 256,000,000 output tokens/s of Qwen3-8B:
    beyond 4,096 GPUs of any preset (the best, B300 in NVFP4, gives tens of thousands of
    tokens/s per GPU); refused at once with the figure, not searched for an hour."""
    with pytest.raises(RecommendError, match=r"256,000,000 output tokens/s needs at least "
                       r"[\d,]+ GPUs .* more than --gpus-max 4,096"):
        recommend([catalog_spec("Qwen/Qwen3-8B")], Workload(requests_per_s=1e6, output_len=256),
                  with_overrides(), gpus_max=4096)
