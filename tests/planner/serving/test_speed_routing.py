"""The busiest EP rank's share of a step's routed experts (planner.serving.speed.routing), and
how an EP size below TP (SGLang's --ep-size) and EPLB's redundant experts change it, worked
by hand."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.speed.routing import (
    _cdfs,
    busiest_rank_pairs,
    busiest_rank_touched,
    expected_max,
)


def test_one_token_over_8_ranks_of_16_experts() -> None:
    # Qwen3-235B-A22B (8 of 128) over 8 ranks: p = 1/16, F(0..6) = 0.35607, 0.73588, 0.92579,
    # 0.98487, 0.99767, 0.99972, 0.99997; sum of 1 - F(m)^8 = 0.99974 + 0.91403 + 0.46038 +
    # 0.11482 + 0.01849 + 0.00224 + 0.00022 + ... = 2.510 (docs/known-limits.md: 2.53 for
    # 8 distinct experts, every way to spread them over the ranks summed, which the independent
    # binomials approximate)
    assert busiest_rank_touched(128, 8, 1, 8) == pytest.approx(2.510, abs=1e-3)


def test_every_expert_touched_reads_the_fullest_rank() -> None:
    # 60 experts over 8 ranks: 8, 8, 8, 8, 7, 7, 7, 7 (vLLM's determine_expert_map); at
    # 10,000 tokens every expert is touched (p = 1 - (56/60)^10,000 = 1): the busiest rank
    # touches its 8
    assert busiest_rank_touched(60, 4, 10_000, 8) == 8.0


def test_two_ranks_of_one_expert() -> None:
    # 2 experts, 1 per token, 1 token, 2 ranks of 1: each touched with p = 1/2, F(0) = 1/2,
    # so E[max] = 1 - (1/2)^2 = 0.75 (the exact figure is 1: the binomials are independent
    # where the token's one expert is on exactly one rank; the approximation's floor)
    assert busiest_rank_touched(2, 1, 1, 2) == pytest.approx(0.75)
    assert expected_max(((2, 1, 0.5),)) == pytest.approx(0.75)


def test_binomial_cdf_window_ends_at_one() -> None:
    # Binomial(2, 1/2): pmf 1/4, 1/2, 1/4, so F(0..3) = 1/4, 3/4, 1, 1 (m = 3 is past n, where
    # another rank group's window can reach), never above 1. A window starting at m = 1 counts
    # no mass below it: 1/2, 3/4; one stopping short of the top stays below 1.
    whole = _cdfs(2, 0.5, 0, 4)
    assert whole == pytest.approx([0.25, 0.75, 1.0, 1.0])
    assert max(whole) <= 1.0
    assert _cdfs(2, 0.5, 1, 3) == pytest.approx([0.5, 0.75])
    assert _cdfs(2, 0.5, 0, 2) == pytest.approx([0.25, 0.75])


def test_the_busiest_ranks_pairs_at_large_batch() -> None:
    # Qwen3.5-397B-A17B (10 of 512) at 128 tokens over 4 ranks: 1,280 pairs, Binomial(1,280,
    # 1/4) each, mean 320, sd sqrt(1,280 x 3/16) = 15.49; the max of 4 normals lies 1.0294 sd
    # above the mean: 320 + 15.95 = 335.95, 5.0 % over the mean rank
    assert busiest_rank_pairs(512, 10, 128, 4) == pytest.approx(335.95, rel=2e-4)


def _weights_term(layout: ParallelLayout, concurrency: int, moe_ep_size: int | None = None,
                  **engine):
    request = PlanRequest(model=catalog_spec("Qwen/Qwen3-30B-A3B"),
                          cluster=preset_cluster("h100-sxm", 8), layout=layout,
                          engine=EngineSettings(max_model_len=8192, **engine))
    est = estimate_speed(request, ServingLoad(concurrency=concurrency), moe_ep_size=moe_ep_size)
    return next(t for t in est.terms if t.key == "decode_weights")


def test_an_ep_size_below_tp_waits_for_the_busiest_of_its_groups() -> None:
    # Qwen3-30B-A3B (8 of 128 experts, 48 MoE layers, each expert 3 x 2,048 x 768 BF16 =
    # 9,437,184 B) at TP=4, 16 requests: SGLang's --ep-size 2 gives each rank 64 experts, each
    # half wide (moe_tp 2): 64 x 9,437,184 / 2 x 48 B, the same bytes as vLLM's 32 whole
    # experts (32 x 9,437,184 x 48 = 14,495,514,624 B)
    vllm = _weights_term(ParallelLayout(tp=4, ep=True), 16)
    sglang = _weights_term(ParallelLayout(tp=4, ep=True), 16, moe_ep_size=2)
    assert int(vllm.inputs["expert_bytes"]) == int(sglang.inputs["expert_bytes"]) \
        == 14_495_514_624
    assert (sglang.inputs["ep_size"], sglang.inputs["busiest_rank_experts"],
            sglang.inputs["moe_tp_size"]) == ("2", "64", "2")
    # each expert touched with p = 1 - (15/16)^16 = 0.643926; a group's Binomial(64, p) has
    # mean 41.2113, sd sqrt(64 x 0.643926 x 0.356074) = 3.83068; the larger of two normals
    # lies sd / sqrt(pi) = 2.16125 above: 43.3726 of 64 touched (0.6777 of its bytes)
    assert float(sglang.inputs["busiest_rank_experts_touched"]) == pytest.approx(43.3726,
                                                                               rel=2e-4)
    # the read falls by the bytes' fraction saved over the expert rate (3,350 GB/s x 0.9 x
    # the fitted expert factor, as the term's inputs name them)
    rate = 3350e9 * float(vllm.inputs["bandwidth_efficiency"]) * float(
        vllm.inputs["expert_bandwidth_factor"])
    saved = 14_495_514_624 * (float(vllm.inputs["busiest_rank_experts_touched"]) / 32
                              - float(sglang.inputs["busiest_rank_experts_touched"]) / 64)
    assert vllm.value - sglang.value == pytest.approx(saved / rate * 1e3, rel=1e-3)


@pytest.mark.parametrize(("layout", "size"), [
    (ParallelLayout(tp=4, ep=True), 3), (ParallelLayout(tp=4), 2),
    (ParallelLayout(tp=2, dp=2, ep=True), 2)])
def test_an_ep_size_that_is_no_group_of_tp_is_refused(layout, size) -> None:
    with pytest.raises(ValueError, match="needs EP at DP = 1 and must divide tp"):
        _weights_term(layout, 1, moe_ep_size=size)


def test_eplb_redundant_experts_are_held_and_read_by_every_ep_rank() -> None:
    # TP=8 + EP with 8 redundant experts: (128 + 8) / 8 = 17 a rank, not 16: 17 x 9,437,184
    # x 48 = 7,700,742,144 B, 16/16 -> 17/17 touched at 256 requests (p = 1 - (1 - 8/136)^256
    # = 1 - 2e-7), so the read grows by 9,437,184 x 48 = 452,984,832 B over the expert rate
    plain = _weights_term(ParallelLayout(tp=8, ep=True), 256)
    eplb = _weights_term(ParallelLayout(tp=8, ep=True), 256, enable_eplb=True,
                         num_redundant_experts=8)
    assert int(plain.inputs["expert_bytes"]) == 7_247_757_312
    assert int(eplb.inputs["expert_bytes"]) == 7_700_742_144
    assert (eplb.inputs["busiest_rank_experts"], eplb.inputs["redundant_experts"]) == ("17", "8")
    assert float(eplb.inputs["busiest_rank_experts_touched"]) == pytest.approx(17, abs=1e-4)
    rate = 3350e9 * float(eplb.inputs["bandwidth_efficiency"]) * float(
        eplb.inputs["expert_bandwidth_factor"])
    assert eplb.value - plain.value == pytest.approx(452_984_832 / rate * 1e3, rel=1e-3)
    assert "(128 + 8 EPLB redundant)" in eplb.formula
