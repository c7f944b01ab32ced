"""ServingLoad.arrival "burst": all C requests arrive together and vLLM packs their prompts
first come first served into steps of at most max_num_batched_tokens tokens; TTFT is the
request overheads + the mean over the C requests of the time until the step holding the end
of each prompt ends. "staggered" (the default) keeps the fitted queue share."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.speed.coefficients import FITTED
from tests.planner.serving.gemm_rates import H100_EFF

_ENTRY = catalog_entry("meta-llama/Llama-3.1-8B-Instruct")
LLAMA = parse_model_config(_ENTRY.config, _ENTRY.hf_quant_config,
                           name="meta-llama/Llama-3.1-8B-Instruct")
# one H100, TP=1 (no all-reduce), PP=1 (no hops), 8,192 tokens per step
REQUEST = PlanRequest(model=LLAMA, cluster=preset_cluster("h100-sxm", 1),
                      layout=ParallelLayout(tp=1),
                      engine=EngineSettings(max_model_len=16384, max_num_batched_tokens=8192,
                                            max_num_seqs=64))


def _est(concurrency: int, arrival: str, input_len: int = 1024):
    return estimate_speed(REQUEST, ServingLoad(input_len=input_len, output_len=128,
                                               concurrency=concurrency, arrival=arrival))


def _term(est, key: str):
    return next(t for t in est.terms if t.key == key)


def _overheads_ms(input_len: int = 1024) -> float:
    return FITTED.request_overhead_ms + FITTED.prompt_token_overhead_us * input_len / 1e3


def test_the_plan_packs_8192_tokens_a_step() -> None:
    assert plan(REQUEST).max_num_batched_tokens == 8192


def test_a_burst_of_one_is_the_staggered_request() -> None:
    # one request alone: one step of its 1,024 tokens either way
    assert _est(1, "burst").ttft_ms == pytest.approx(_est(1, "staggered").ttft_ms, rel=1e-12)


def test_burst_of_4_and_16_prompts_of_1024_tokens_by_hand() -> None:
    # Llama-3.1-8B on one H100: a prefill step of T >= 1,024 tokens is compute-bound, so a
    # step of k x 1,024 tokens of k whole prompts (each piece from its prompt's token 0: mean
    # causal context 512 in every step) costs the fixed overhead o + k x (p - o), p = one
    # prompt's prefill alone: compute (dense GEMMs, the lm_head on one row per prompt,
    # attention and softmax at context 512) scales with k. By hand (config.json: 32 layers,
    # hidden 4,096, 32 heads x 128, 8 KV heads, MLP 14,336, vocab 128,256; H100 SXM 989.4
    # TFLOP/s BF16 dense, 67 FP32):
    #   GEMM weights: 8,030,261,248 - embedding 525,336,576 - lm_head 525,336,576 - norms
    #   (2 x 32 + 1) x 4,096 = 6,979,321,856; 2 x 1,024 x that + 2 x 525,336,576 (lm_head on
    #   the last row) + attention 2 x 1,024 x 512 x 32 layers x 32 heads x (128 + 128)
    #   = 14,569,579,741,184 FLOP / (989.4e12 x 0.6449, the H100's compute efficiency:
    #   gemm_rates.H100_EFF) = 22.8346 ms
    #   softmax 1,024 x 512 x 32 heads x 32 layers / (67e12 / 256 x 16 = 4.1875e12 exp/s)
    #   = 0.1282 ms
    #   o = 32 x 55.2 us = 1.7664 ms -> p = 22.8346 + 0.1282 + 1.7664 = 24.7292 ms (1.8016
    #   and 24.7644 ms at 56.3 us before the 2026-12-05 refit on the 846 fit rows)
    #   (against the 15.010 GB weight read: / (3,350 GB/s x 0.9) = 4.98 ms, far below)
    assert pytest.approx(22.8346, abs=1e-4) == 14_569_579_741_184 / (989.4e12 * H100_EFF) * 1e3
    one = _est(1, "staggered")
    p, o = one.prefill_ms, _term(one, "step_overhead").value
    assert (p, o) == pytest.approx((24.7292, 1.7664), abs=1e-4)
    # 4 prompts: 4,096 tokens <= 8,192 -> one step holding all 4; all 4 end in step 1
    four = _est(4, "burst")
    step4 = o + 4 * (p - o)
    assert four.ttft_ms == pytest.approx(_overheads_ms() + step4, rel=1e-6)
    burst = _term(four, "burst_prefill")
    assert burst.value == pytest.approx(step4, rel=1e-6)
    # counts read as English ("into 1 step", "1 prompt"; was "1 step(s)", "1 prompt(s)")
    assert "4 prompts x 1,024 tokens packed" in burst.formula
    assert "into 1 step of <= 8,192 tokens" in burst.formula
    assert "step 1: 4,096 tokens of 4 prompts," in burst.formula
    assert "mean over the 4 requests of the time" in burst.formula
    assert "requests 1-4 end" in burst.formula
    # 16 prompts: 16,384 tokens -> 2 steps of 8,192 tokens, 8 whole prompts each;
    # requests 1-8 end at the end of step 1 (t), requests 9-16 at the end of step 2 (2t):
    # mean = (8 x t + 8 x 2t) / 16 = 1.5 t, t = o + 8 (p - o)
    sixteen = _est(16, "burst")
    t = o + 8 * (p - o)
    assert sixteen.ttft_ms == pytest.approx(_overheads_ms() + 1.5 * t, rel=1e-6)
    formula = _term(sixteen, "burst_prefill").formula
    assert "into 2 steps" in formula
    assert "step 1: 8,192 tokens of 8 prompts" in formula and "requests 1-8 end" in formula
    assert "step 2: 8,192 tokens of 8 prompts" in formula and "requests 9-16 end" in formula
    # TPOT does not depend on how the requests arrived
    assert sixteen.tpot_ms == _est(16, "staggered").tpot_ms


def test_a_prompt_that_does_not_fit_is_chunked_into_the_next_step() -> None:
    # 3 prompts of 3,000 tokens = 9,000: step 1 takes prompts 1 and 2 whole and 2,192 tokens
    # of prompt 3 (8,192); step 2 the last 808 tokens of prompt 3
    formula = _term(_est(3, "burst", input_len=3000), "burst_prefill").formula
    assert "into 2 steps" in formula
    assert "step 1: 8,192 tokens of 3 prompts" in formula and "requests 1-2 end" in formula
    assert "step 2: 808 tokens of 1 prompt," in formula and "request 3 end" in formula


def test_staggered_is_the_default_and_shows_no_burst_term() -> None:
    assert ServingLoad().arrival == "staggered"
    default = estimate_speed(REQUEST, ServingLoad(input_len=1024, output_len=128,
                                                  concurrency=16))
    assert default == _est(16, "staggered")
    assert "burst_prefill" not in {t.key for t in default.terms}


def test_an_unknown_arrival_is_refused() -> None:
    with pytest.raises(ValueError, match="arrival"):
        ServingLoad(arrival="poisson")
