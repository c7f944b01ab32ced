"""Where a step's tokens route, under uniform routing: the experts they touch, and under expert
parallelism (EP) what the busiest rank holds of them.

Without EP every rank holds a 1/(TP x DP) slice of every expert, so every rank reads the
slices of the same touched experts and multiplies the same tokens: the mean is every rank's
figure. With EP each rank holds whole experts (vLLM FusedMoE determine_expert_map: E // ranks
each, one more on the first E % ranks) and computes only the (token, expert) pairs routed to
them; each MoE layer waits for the rank with the most. Per layer that is E[max over the ranks]
of each rank's count, each rank's count binomial:
- touched experts: its n experts, each touched with the step's probability
  p = 1 - (1 - k/E)^tokens (expected_experts_touched / E);
- (token, expert) pairs: tokens x k pairs, each on the rank with probability n / E;
and E[max] = sum over m >= 0 of 1 - prod over ranks of F(m), F each rank's binomial CDF
(expected_max). Treating a rank's experts (and a token's k picks) as independent is the
binomial approximation: 8 of 128 experts over 8 ranks at one token put 2.51 on the busiest
rank against 2.53 for 8 distinct experts (every way to spread them over the ranks summed;
docs/known-limits.md).
"""

from __future__ import annotations

import math
from functools import lru_cache

TAIL_SDS = 12
"""expected_max sums m within this many standard deviations of the ranks' means: beyond, each
term differs from 1 (below) or 0 (above) by less than a binomial tail at 12 sd (< 1e-30 for a
normal one)."""


def expected_experts_touched(num_experts: int, top_k: int, tokens: int) -> float:
    """Expected number of distinct experts a step's `tokens` route to (uniform routing):
    E x (1 - (1 - k/E)^tokens). gpt-oss-120b (E=128, k=4) at 64 tokens: 111.2."""
    return num_experts * (1 - (1 - top_k / num_experts) ** tokens)


def _cdfs(n: int, p: float, lo: int, hi: int) -> list[float]:
    """Binomial(n, p)'s CDF at lo .. hi - 1, its mass below lo taken as 0 (expected_max's
    window), capped at 1: the pmf at lo from lgamma, then pmf(m + 1) = pmf(m) x (n - m)/(m + 1)
    x p/(1 - p). The hot loop of a MoE search above one node (a window of up to thousands of
    m per rank group): once the sum reaches 1 every later term is 1 (the pmf is never
    negative), so the rest is filled in; q = 1 - p is taken once and the cap is a test, not
    min(), which keep each figure's arithmetic, and so every float, as it was."""
    if p >= 1:
        return [float(m >= n) for m in range(lo, hi)]
    if p <= 0:
        return [1.0] * (hi - lo)
    pmf = math.exp(math.lgamma(n + 1) - math.lgamma(lo + 1) - math.lgamma(n - lo + 1)
                   + lo * math.log(p) + (n - lo) * math.log1p(-p))
    q = 1 - p
    cdf, out = 0.0, []
    for m in range(lo, hi):
        cdf += pmf
        if cdf >= 1.0:
            return out + [1.0] * (hi - m)
        out.append(cdf)
        pmf *= (n - m) / (m + 1) * p / q
    return out


def expected_max(ranks: tuple[tuple[int, int, float], ...]) -> float:
    """E[max] of independent binomial counts, `ranks` as (how many ranks, n, p):
    sum over m >= 0 of 1 - prod F(m)^how many. Below the window of the highest mean every
    term is 1 (its rank's F is ~0), above every window's top each is 0 (every F is ~1)."""
    def sd(n: int, p: float) -> float:
        return TAIL_SDS * math.sqrt(n * p * (1 - p)) if 0 < p < 1 else 0.0

    lo = max(max(0, math.floor(n * min(p, 1) - sd(n, p))) for _, n, p in ranks)
    hi = max(min(n, math.ceil(n * min(p, 1) + sd(n, p)) + 1) for _, n, p in ranks)
    below = [1.0] * (hi - lo)  # P(every rank <= m), m = lo .. hi - 1
    for count, n, p in ranks:
        below = [b * f ** count for b, f in zip(below, _cdfs(n, p, lo, hi), strict=True)]
    return lo + math.fsum(1 - b for b in below)


def _rank_experts(num_experts: int, ranks: int) -> tuple[tuple[int, int], ...]:
    """(ranks, experts each holds) under EP: E // ranks on every rank, one more on the first
    E % ranks (vLLM FusedMoE determine_expert_map; weights._experts_per_rank)."""
    each, extra = divmod(num_experts, ranks)
    return tuple((r, n) for r, n in ((extra, each + 1), (ranks - extra, each)) if r)


def experts_held(num_experts: int, ranks: int) -> int:
    """The most experts one EP rank holds, ceil(E / ranks) (_rank_experts): the busiest
    rank's, whose bytes Stage.expert_bytes are."""
    return max(n for _, n in _rank_experts(num_experts, ranks))


@lru_cache(maxsize=4096)
def busiest_rank_touched(num_experts: int, top_k: int, tokens: int, ranks: int) -> float:
    """Expected experts the EP rank touching the most touches in one MoE layer: each of its
    experts touched with p = 1 - (1 - k/E)^tokens, E[max] over the ranks (expected_max).
    8 of 128 experts over 8 ranks of 16 at one token: 2.51, where the mean rank touches 1."""
    p = expected_experts_touched(num_experts, top_k, tokens) / num_experts
    return expected_max(tuple((r, n, p) for r, n in _rank_experts(num_experts, ranks)))


@lru_cache(maxsize=4096)
def busiest_rank_pairs(num_experts: int, top_k: int, tokens: int, ranks: int) -> float:
    """Expected (token, expert) pairs the EP rank computing the most computes in one MoE
    layer: tokens x k pairs, each on a rank with the share n / E of the experts it holds,
    E[max] over the ranks (expected_max). 128 tokens x 10 of 512 experts over 4 ranks:
    336.0 against a mean of 320."""
    return expected_max(tuple((r, tokens * top_k, n / num_experts)
                              for r, n in _rank_experts(num_experts, ranks)))
