"""Speed on a cluster whose audited nodes hold different GPUs: each pipeline stage runs at its
own node's GPU (speed.context.stage_gpus), a TP group over both at the slower one.

Figures worked by hand from Llama-3.1-70B-Instruct's config (../shared/model-configs: hidden
8,192, intermediate 28,672, 64 heads, 8 KV heads of 128, 80 layers, vocab 128,256, BF16) and
the presets' datasheet bandwidths (RTX 3090 936 GB/s, RTX 4090 1,008 GB/s). One TP=8 rank of
one layer reads (8,192 x 8,192 x 2 + 8,192 x 1,024 x 2 attention + 3 x 8,192 x 28,672 MLP) / 8
+ 2 x 8,192 norms (whole on every rank) = 18,874,368 + 88,080,384 + 16,384 = 106,971,136
parameters, 213,942,272 B: stage 1 (40 layers) 8,557,690,880 B; stage 2 (40 layers, the
lm_head 128,256 x 8,192 / 8 x 2 B = 262,668,288 B and the final norm 16,384 B)
8,820,375,552 B.
"""

from __future__ import annotations

import gc

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, _build_context, _context, estimate_speed
from planner.serving.speed.coefficients import FITTED
from planner.serving.speed.context import Context
from planner.serving.speed.step import _stage_parts, _tokens
from probes.cluster import snapshots_to_cluster
from probes.snapshot import HardwareSnapshot
from tests.probes.test_cluster import MIB, renamed

STAGE1_BYTES = 40 * 213_942_272  # 8,557,690,880
STAGE2_BYTES = STAGE1_BYTES + 262_668_288 + 16_384  # 8,820,375,552
EFF = FITTED.bandwidth_efficiency["bf16"]  # the fitted share of the datasheet bandwidth
LOAD = ServingLoad(input_len=2048, output_len=256, concurrency=1)


def _rtx4090(rig: HardwareSnapshot) -> HardwareSnapshot:
    # as test_cluster's mixed fixture: nvidia-smi 24,564 MiB, about 357 MiB reserved
    return renamed(rig, "node2", name="NVIDIA GeForce RTX 4090", compute_capability="8.9",
                   memory_total_bytes=24564 * MIB, memory_reserved_bytes=357 * MIB)


def _request(nodes: list[HardwareSnapshot], tp: int, pp: int) -> PlanRequest:
    return PlanRequest(model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"),
                       cluster=snapshots_to_cluster(nodes),
                       layout=ParallelLayout(tp=tp, pp=pp),
                       engine=EngineSettings(max_model_len=8192))


def _stage_weights(request: PlanRequest) -> list[tuple[str, float]]:
    """(GPU, weight-read seconds) of each pipeline stage's decode step of one sequence."""
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    parts = _stage_parts(ctx, _tokens(ctx, 1), 1, 2048 + 128, prefill=False)
    return [(ctx.runs_on(k).device.gpu.name, parts[k]["weights"]) for k in ctx.order]


def test_each_pp_stage_reads_at_its_own_nodes_bandwidth(rig: HardwareSnapshot) -> None:
    request = _request([rig, _rtx4090(rig)], tp=8, pp=2)
    (gpu1, s1), (gpu2, s2) = _stage_weights(request)
    assert (gpu1, gpu2) == ("NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 4090")
    assert s1 == pytest.approx(STAGE1_BYTES / (936e9 * EFF))  # 10.159 ms at 0.900
    assert s2 == pytest.approx(STAGE2_BYTES / (1008e9 * EFF))  # 9.723 ms, not 10.471 at 936
    est = estimate_speed(request, LOAD)
    terms = {t.key: t for t in est.terms}
    # the decode terms are the slowest stage's: stage 1, on the 3090
    assert terms["decode_weights"].value == pytest.approx(s1 * 1e3)
    assert "/ (936 GB/s datasheet x" in terms["decode_weights"].formula
    note = terms["decode_step"].note
    # numbered from 0, as the memory plan's PP stages (the report shows both)
    assert "PP stage 0 (40 layers) on NVIDIA GeForce RTX 3090 (936 GB/s)" in note
    assert "PP stage 1 (40 layers) on NVIDIA GeForce RTX 4090 (1,008 GB/s)" in note
    assert ("the decode terms above are PP stage 0's, the slowest (PP stages numbered from 0, "
            "as the memory plan's)") in note


def test_the_slower_gpu_second_holds_the_larger_last_stage(rig: HardwareSnapshot) -> None:
    rtx4090 = _rtx4090(rig)
    request = _request([rtx4090, renamed(rig, "node1")], tp=8, pp=2)
    (gpu1, s1), (gpu2, s2) = _stage_weights(request)
    assert (gpu1, gpu2) == ("NVIDIA GeForce RTX 4090", "NVIDIA GeForce RTX 3090")
    assert s1 == pytest.approx(STAGE1_BYTES / (1008e9 * EFF))  # 9.431 ms
    assert s2 == pytest.approx(STAGE2_BYTES / (936e9 * EFF))  # 10.471 ms
    terms = {t.key: t for t in estimate_speed(request, LOAD).terms}
    assert terms["decode_weights"].value == pytest.approx(s2 * 1e3)
    assert "are PP stage 1's, the slowest" in terms["decode_step"].note


def test_a_tp_group_over_both_gpus_runs_at_the_slower(rig: HardwareSnapshot) -> None:
    request = _request([rig, _rtx4090(rig)], tp=16, pp=1)
    [(gpu, seconds)] = _stage_weights(request)
    # one TP=16 rank of one layer: q and o 8,192 x 8,192 / 16 each, one whole KV head
    # (8 KV heads over 16 ranks: each replicated twice) 2 x 8,192 x 128, MLP / 16, norms
    per_layer = 2 * 4_194_304 + 2 * 1_048_576 + 704_643_072 // 16 + 16_384  # 54,542,336
    # 80 layers + the lm_head / 16 (65,667,072) + the final norm, 2 B each: 8,858,124,288 B
    dense = (80 * per_layer + 128_256 * 8_192 // 16 + 8_192) * 2
    assert gpu == "NVIDIA GeForce RTX 3090"
    assert seconds == pytest.approx(dense / (936e9 * EFF))
    est = estimate_speed(request, LOAD)
    assert {t.key: t for t in est.terms}["decode_step"].note == ""
    assert ("the model's ranks (its TP group) sit on nodes of NVIDIA GeForce RTX 3090 and "
            "NVIDIA GeForce RTX 4090: the slowest, NVIDIA GeForce RTX 3090 (936 GB/s), binds "
            "each step") in " ".join(est.notes)


def test_identical_nodes_keep_one_context(rig: HardwareSnapshot) -> None:
    request = _request([rig, renamed(rig, "node2")], tp=8, pp=2)
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    assert ctx.stage_devices == ()
    assert all(ctx.runs_on(k) is ctx for k in range(len(ctx.distinct)))
    est = estimate_speed(request, LOAD)
    # one GPU model: no GPU per stage, only which PP stage the decode terms are for
    note = {t.key: t for t in est.terms}["decode_step"].note
    assert note.startswith("the decode terms above are the slowest stage's, PP stage ")
    assert "each stage runs on its own node's GPU" not in note
    assert not any("sit on nodes of" in n for n in est.notes)


def test_a_dropped_context_is_freed_without_the_cycle_collector(rig: HardwareSnapshot) -> None:
    # a context holds no reference to itself (Context.runs_on): one the memo drops, its stage
    # contexts on the other GPU included, goes at once, as a sweep with the collector off needs
    request = _request([rig, _rtx4090(rig)], tp=8, pp=2)
    mbt = plan(request).max_num_batched_tokens
    gc.disable()
    try:  # type(), not isinstance(): that reads torch's deprecated module attributes
        before = sum(type(o) is Context for o in gc.get_objects())
        ctx = _build_context(request, FITTED, mbt)
        assert ctx.stage_devices and any(on is not None for on in ctx.elsewhere)
        del ctx
        assert sum(type(o) is Context for o in gc.get_objects()) == before
    finally:
        gc.enable()
