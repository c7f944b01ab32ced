"""A request longer than max_model_len: vLLM before 0.32 rejects it, from 0.32 clamps its output.

Hand figures, read from vLLM's wheels (vllm_versions.CLAMP_OUTPUT_FROM), none from the code under
test: the 0.31.0 wheel's renderers/params.py TokenizeParams.max_input_tokens is max_total_tokens
- max_output_tokens, so a 1,024-token prompt with max_tokens 1,024 at max_model_len 1,500 fails
_token_len_check (1,024 > 1,500 - 1,024 = 476): HTTP 400. The 0.32.0 wheel's max_input_tokens is
max_total_tokens (1,500), and entrypoints/serve/utils/api_utils.py get_max_tokens gives
min(1,024, 1,500 - 1,024) = 476 output tokens. max_tokens 1,600 > 1,500 is rejected by
TokenizeParams.__post_init__ in both; a 1,500-token prompt leaves max_tokens 1,500 - 1,500 = 0,
which SamplingParams rejects ("max_tokens must be at least 1").
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.report import no_speed_reason, sweep_speed_note
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan, summary_figures
from planner.serving.speed import (
    PlanFigures,
    ServingLoad,
    context_rule,
    estimate_speed,
    speed_figures,
)
from planner.serving.sweep import sweep

_ENTRY = catalog_entry("Qwen/Qwen3-8B")
QWEN_8B = parse_model_config(_ENTRY.config, _ENTRY.hf_quant_config, name="Qwen/Qwen3-8B")
ASKED = ServingLoad(input_len=1024, output_len=1024)


def _request(version: str) -> PlanRequest:
    return PlanRequest(model=QWEN_8B, cluster=preset_cluster("h100-sxm", 1),
                       layout=ParallelLayout(),
                       engine=EngineSettings(max_model_len=1500, vllm_version=version))


@pytest.mark.parametrize("version", ["0.32.0", "0.33.0"])
def test_from_0_32_the_output_is_clamped_to_max_model_len_less_the_input(version: str) -> None:
    request = _request(version)
    est = estimate_speed(request, ASKED)
    assert est.load.output_len == 476  # 1,500 - 1,024
    assert est.notes[0] == (f"output clamped to 476 tokens: max_model_len 1,500 - input 1,024; "
                            f"vLLM {version} get_max_tokens (entrypoints/serve/utils/api_utils.py)")
    # the same figures as a request asking for 476 tokens, which fits whole and has no note
    whole = estimate_speed(request, ServingLoad(input_len=1024, output_len=476))
    assert (est.ttft_ms, est.tpot_ms, est.kv_limited_concurrency) == (
        whole.ttft_ms, whole.tpot_ms, whole.kv_limited_concurrency)
    assert not any("clamped" in note for note in whole.notes)
    # the sweep's and recommend's path clamps alike
    figures = PlanFigures.of(summary_figures(request.model, request.cluster, request.layout,
                                             request.engine))
    assert speed_figures(request, ASKED, plan_result=figures).tpot_ms == est.tpot_ms


def test_before_0_32_the_request_is_rejected_and_has_no_speed() -> None:
    request = _request("0.31.0")
    assert estimate_speed(request, ASKED) is None
    assert no_speed_reason(plan(request), ASKED) == (
        "No speed figures: one request of 1,024 + 1,024 = 2,048 tokens is longer than "
        "max_model_len 1,500: vLLM 0.31.0 rejects it (HTTP 400, max_tokens too large; releases "
        "from 0.32 clamp the output instead).")


@pytest.mark.parametrize("version", ["0.9.1", "0.31.0", "0.32.0", "0.33.0"])
def test_an_input_of_max_model_len_is_rejected_on_every_release(version: str) -> None:
    load = ServingLoad(input_len=1500, output_len=1)
    assert estimate_speed(_request(version), load) is None
    assert context_rule(load, 1500, version).why.endswith(
        "its input leaves no room for one output token: every vLLM release rejects it")


def test_an_output_longer_than_max_model_len_is_rejected_from_0_32_too() -> None:
    load = ServingLoad(input_len=10, output_len=1600)
    assert estimate_speed(_request("0.33.0"), load) is None
    assert context_rule(load, 1500, "0.33.0") == (None, (
        "one request of 10 + 1,600 = 1,610 tokens is longer than max_model_len 1,500: vLLM "
        "0.33.0 rejects it (HTTP 400, max_tokens 1,600 greater than max_model_len)"))


def test_a_request_of_exactly_max_model_len_is_served_whole() -> None:
    load = ServingLoad(input_len=1024, output_len=476)  # 1,500 tokens
    assert context_rule(load, 1500, "0.31.0") == (476, "")
    assert estimate_speed(_request("0.31.0"), load) is not None


@pytest.mark.parametrize(("version", "said", "tpot"), [
    ("0.33.0", "output clamped to 476 tokens: max_model_len 1,500 - input 1,024; vLLM 0.33.0 "
               "get_max_tokens (entrypoints/serve/utils/api_utils.py)", True),
    ("0.31.0", "one request of 1,024 + 1,024 = 2,048 tokens is longer than max_model_len 1,500: "
               "vLLM 0.31.0 rejects it (HTTP 400, max_tokens too large; releases from 0.32 "
               "clamp the output instead)", False),
])
def test_a_sweep_says_what_vllm_does_with_a_request_past_max_model_len(
        version: str, said: str, tpot: bool) -> None:
    # the speed columns are at 476 output tokens (0.33) or empty (0.31) though every row fits:
    # the note under the table must not claim 1,024 output tokens without saying so
    request = _request(version)
    result = sweep(request.model, request.cluster, request.engine, quant_keys=("bf16",),
                   kv_dtypes=("auto",), layouts=(ParallelLayout(),), load=ASKED)
    [row] = result.rows
    assert row.fits and (row.tpot_ms is not None) == tpot
    assert result.context_notes == (said,)
    assert sweep_speed_note(result) == (
        "speed at 1,024 input / 1,024 output tokens, 1 request in flight, capped by the KV "
        f"cache; ranked by context; {said}")
    # a request that fits whole: no note
    whole = sweep(request.model, request.cluster, request.engine, quant_keys=("bf16",),
                  kv_dtypes=("auto",), layouts=(ParallelLayout(),),
                  load=ServingLoad(input_len=1024, output_len=476))
    assert whole.context_notes == ()


def test_a_clamp_to_one_token_reads_in_the_singular() -> None:
    # 1,499 + 1,024 at max_model_len 1,500: vLLM 0.33 generates 1,500 - 1,499 = 1 token
    rule = context_rule(ServingLoad(input_len=1499, output_len=1024), 1500, "0.33.0")
    assert rule.output_len == 1
    assert rule.why.startswith("output clamped to 1 token: max_model_len 1,500 - input 1,499;")


def test_before_0_32_an_output_longer_than_max_model_len_is_not_said_to_be_clamped_later() -> None:
    # 10 + 1,600 at max_model_len 1,500 on 0.31: rejected, and the 0.32.0 wheel's
    # TokenizeParams.__post_init__ rejects max_tokens 1,600 > 1,500 too: "releases from 0.32
    # clamp the output instead" would send the user to a release that refuses it as well
    why = context_rule(ServingLoad(input_len=10, output_len=1600), 1500, "0.31.0").why
    assert why == ("one request of 10 + 1,600 = 1,610 tokens is longer than max_model_len "
                   "1,500: vLLM 0.31.0 rejects it (HTTP 400, max_tokens too large; so do "
                   "releases from 0.32: the output alone exceeds max_model_len)")
