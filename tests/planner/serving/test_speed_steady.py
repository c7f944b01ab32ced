"""ServingLoad.arrival "steady": desynchronized arrivals. TTFT = request overheads + prefill
+ the decode steps ahead (C > 1: 2 on the default release's async scheduling,
step.steps_ahead) + the M/D/1 mean wait for the prefill work the other C - 1 clients
bring over one request's cycle (step.steady_wait_s), in place of "staggered"'s fitted share
of their whole prefills. TPOT and throughput terms other than TTFT are the same for both."""

import math

import pytest

from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.speed.step import steady_wait_s
from tests.planner.serving.test_speed_burst import REQUEST, _overheads_ms, _term


def test_the_wait_solves_the_closed_loop_m_d_1_by_hand() -> None:
    """3 other clients, 100 ms of prefill work each, a 1 s cycle without the wait:
    2 (x - 1)(x - 0.3) = 0.3 x 0.1 -> x^2 - 1.3 x + 0.285 = 0 -> x = (1.3 + sqrt(1.69 - 1.14))
    / 2 = (1.3 + 0.741620) / 2 = 1.020810 s; the wait 20.81 ms. Check: rho = 0.3 / 1.020810 =
    0.293884, M/D/1 wait = 0.293884 x 0.1 / (2 x 0.706116) = 20.81 ms."""
    assert steady_wait_s(3, 0.1, 1.0) * 1e3 == pytest.approx(20.810, abs=1e-3)
    rho = 0.3 / 1.020810
    assert rho * 0.1 / (2 * (1 - rho)) * 1e3 == pytest.approx(20.810, abs=2e-3)


def test_no_others_no_wait_and_a_busy_loop_stays_below_saturation() -> None:
    assert steady_wait_s(0, 0.1, 1.0) == 0.0
    # 100 others x 100 ms of prefill = 10 s of work per 1 s base cycle: the loop slows down
    # (x = (11 + sqrt(81 + 2)) / 2 = 10.055 s), rho = 10 / 10.055 < 1, the wait finite
    wait = steady_wait_s(100, 0.1, 1.0)
    assert wait == pytest.approx((11 + math.sqrt(83)) / 2 - 1, rel=1e-12)
    assert 10 / (1.0 + wait) < 1


def _est(concurrency: int, arrival: str):
    return estimate_speed(REQUEST, ServingLoad(input_len=1024, output_len=128,
                                               concurrency=concurrency, arrival=arrival))


def test_steady_ttft_is_the_overheads_prefill_the_steps_ahead_and_the_wait() -> None:
    """Llama-3.1-8B on one H100 at 16 in flight: the steady TTFT adds up from its own terms
    (two decode steps ahead on the default release, 0.33: async scheduling), the wait
    recomputed from the prefill work and the cycle (TTFT without the wait + 127 output tokens
    at the TPOT), and it is below the staggered TTFT, whose fitted share queues 15 whole
    prefills; TPOT is the same."""
    steady, staggered = _est(16, "steady"), _est(16, "staggered")
    prefill = _term(steady, "prefill").value
    marginal = _term(steady, "prefill_marginal").value
    step = _term(steady, "decode_step").value
    before_wait = _overheads_ms() + prefill + 2 * step
    cycle = before_wait + 127 * steady.tpot_ms
    wait = steady_wait_s(15, marginal / 1e3, cycle / 1e3) * 1e3
    assert _term(steady, "steady_wait").value == pytest.approx(wait, rel=1e-9)
    assert steady.ttft_ms == pytest.approx(before_wait + wait, rel=1e-9)
    assert steady.tpot_ms == staggered.tpot_ms
    assert steady.ttft_ms < staggered.ttft_ms
    assert "steady wait for the others' prefill work" in _term(steady, "ttft").formula


def test_one_request_is_the_same_under_every_arrival() -> None:
    steady, staggered = _est(1, "steady"), _est(1, "staggered")
    assert steady.ttft_ms == staggered.ttft_ms
    assert not any(t.key == "steady_wait" for t in steady.terms)
