"""The busiest EP rank's share of a step's routed experts (planner.serving.speed.routing),
worked by hand."""

import pytest

from planner.serving.speed.routing import (
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


def test_the_busiest_ranks_pairs_at_large_batch() -> None:
    # Qwen3.5-397B-A17B (10 of 512) at 128 tokens over 4 ranks: 1,280 pairs, Binomial(1,280,
    # 1/4) each, mean 320, sd sqrt(1,280 x 3/16) = 15.49; the max of 4 normals lies 1.0294 sd
    # above the mean: 320 + 15.95 = 335.95, 5.0 % over the mean rank
    assert busiest_rank_pairs(512, 10, 128, 4) == pytest.approx(335.95, rel=2e-4)
