"""The two rates the report's Performance table shows beside TTFT and TPOT have their formulas
in the model's numbers too: the prefill rate (prompt tokens / one request's prefill) and a
request's output rate (1 / TPOT). Both were figures with no term, so the report's "How each
figure is made" block, the Plan page and plan --json's speed_terms left them out.

Checked by hand against the terms' own printed operands: 1,000 prompt tokens (the load) over
the printed prefill milliseconds, 1,000 ms over the printed TPOT.
"""

import re

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.speed import ServingLoad, estimate_speed

REQUEST = PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("l4", 1),
                      layout=ParallelLayout(), engine=EngineSettings(max_model_len=8192))


def _terms(output_len: int) -> dict:
    est = estimate_speed(REQUEST, ServingLoad(input_len=1000, output_len=output_len))
    return {t.key: t for t in est.terms}


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_prefill_rate_is_the_prompt_over_the_prefill() -> None:
    term = _terms(500)["prefill_tokens_per_s"]
    match = re.fullmatch(r"1,000 prompt tokens / ([\d.]+) ms prefill = ([\d,]+) tok/s",
                         term.formula)
    assert match, term.formula
    prefill_ms, rate = (_number(g) for g in match.groups())
    assert rate == pytest.approx(1000 / (prefill_ms / 1000), abs=0.6)
    assert term.label == "Prefill tokens/s (one request)" and term.unit == "tok/s"


def test_a_requests_output_rate_is_one_over_tpot() -> None:
    term = _terms(500)["output_tokens_per_s_per_request"]
    match = re.fullmatch(r"1 / ([\d.]+) ms TPOT = ([\d,.]+) tok/s", term.formula)
    assert match, term.formula
    tpot_ms, rate = (_number(g) for g in match.groups())
    assert rate == pytest.approx(1000 / tpot_ms, abs=0.06)
    assert term.label == "Output tokens/s per request"


def test_one_output_token_has_no_per_request_rate_term() -> None:
    # no TPOT with one output token (test_speed_one_token.py): no rate from it either
    terms = _terms(1)
    assert "output_tokens_per_s_per_request" not in terms
    assert "prefill_tokens_per_s" in terms
