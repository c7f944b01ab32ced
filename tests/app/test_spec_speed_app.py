"""The "Mean acceptance length" field (the CLI's --spec-acceptance-length, link key accept):
shown beside the draft tokens wherever drafts are planned (the Plan page's EAGLE-3 drafter or
MTP draft tokens > 0; the Compare and Recommend pages' drafter), it puts speculative decoding
in the speed figures as `plan --json` does; a value the draft tokens cannot emit is replaced by
none in the planner's words (speed.acceptance_refusal), never a traceback.

By hand (the CLI's terms for Qwen3-32B at TP 2 on 2 H100s, SpecForge's Qwen3-32B drafter,
tests/fixtures/drafters, 3 drafts, one request of 1,024 in + 1,024 out): the speculative step
is the verify step of 3 + 1 tokens, 14.981 ms, + the drafter's first pass over those 4 tokens,
0.335 ms, + 2 more passes of one token without the fc (read by the first pass only: its
3 x 5,120 x 5,120 x 2 B = 157,286,400 B less, 806,133,760 -> 648,847,360 B), 2 x 0.283 ms
= 15.882 ms; at mean acceptance length 2.4 each emits 2.4 tokens, TPOT = 15.882 / 2.4 =
6.617 ms (one request: no other's prefill to spread over the output), where without drafting
TPOT is one plain decode step.
"""

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from planner.report import tpot_text
from tests.app.conftest import metric, more_options, open_link, open_page, show_chart, texts
from tests.cli.conftest import run_main
from tests.planner.serving.test_eagle import QWEN3_32B_DRAFTER, _drafter_folder
from ui.format import three_figures

DRAFTER = "acme/qwen3-32b-eagle3"
PLAN = {"model": "Qwen/Qwen3-32B", "gpu": "h100-sxm", "gpn": "2", "tp": "2"}
CONFIG = json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8"))
FIELD = "plan.spec_acceptance_length"
CLI = ("plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2", "--tp", "2",
       "--num-speculative-tokens", "3", "--json")


def _cli_speed(capsys, tmp_path: Path, *extra: str) -> dict:
    """`plan --json`'s speed for PLAN with the fixture drafter read from a folder."""
    folder = _drafter_folder(tmp_path, QWEN3_32B_DRAFTER)
    code, out, err = run_main(capsys, *CLI, "--speculative-model", str(folder), *extra)
    assert code == 0, err
    return json.loads(out)["speed"]


def _speed_terms(at) -> dict[str, str]:
    """The speed terms table's figure -> value, its tab open."""
    show_chart(at, "Throughput and latency")
    [table] = [t.value for t in at.table if "Time per output token" in t.value.index]
    return dict(zip(table.index, table["value"], strict=True))


def _curve_tpot(at) -> dict[int, float]:
    """The Throughput and latency chart's TPOT curve: concurrency -> ms (its tab open)."""
    [chart] = at.get("plotly_chart")
    tpot = next(d for d in json.loads(chart.proto.spec)["data"] if d["name"] == "TPOT (ms)")
    return dict(zip(_values(tpot["x"]), _values(tpot["y"]), strict=True))


def _values(series: list | dict) -> list:
    """A plotly series as numbers: a list, or numpy's bytes as plotly encodes an array."""
    if isinstance(series, list):
        return series
    return np.frombuffer(base64.b64decode(series["bdata"]), dtype=series["dtype"]).tolist()


def test_the_plan_pages_tpot_at_an_acceptance_length_is_the_clis(
        hub_reply, capsys, tmp_path: Path) -> None:
    hub_reply(DRAFTER, CONFIG)
    at = open_page(None, **PLAN, drafter=DRAFTER, spec="3")
    plain = metric(at, "TPOT")
    at.number_input(key=FIELD).set_value(2.4).run()
    assert not at.exception
    cli = _cli_speed(capsys, tmp_path, "--spec-acceptance-length", "2.4")
    assert cli["load"]["spec_acceptance_length"] == 2.4
    assert metric(at, "TPOT") == tpot_text(cli["tpot_ms"]) != plain
    # (14.981 + 0.335 + 2 x 0.283) ms / 2.4 = 6.617 ms (the module's docstring)
    # (the terms' figures rounded to 3 decimals: 15.882 / 2.4 = 6.6175)
    assert cli["tpot_ms"] == pytest.approx((14.981 + 0.335 + 2 * 0.283) / 2.4, abs=1e-3)
    terms = _speed_terms(at)
    assert terms["Time per output token"] == f"{three_figures(cli['tpot_ms'])} ms" == "6.62 ms"
    assert terms["Speculative step (verify + drafter)"] == \
        f"{three_figures(cli['decode_step_ms'])} ms" == "15.9 ms"
    assert {"Drafter pass 1", "Drafter passes 2 to 3",
            "Prefill: the drafter over the prompt"} <= terms.keys()
    page = texts(at)
    assert "modelled at mean acceptance length 2.4 (given)" in page
    assert "the drafter's timing is unvalidated" in page
    # the chart at one request is the metric's figure
    assert _curve_tpot(at)[1] == pytest.approx(cli["tpot_ms"])
    assert at.query_params["accept"] == "2.4"
    assert more_options(at) == "More vLLM options (3 set)"


def test_a_link_reproduces_it_and_the_other_pages_carry_it(hub_reply) -> None:
    hub_reply(DRAFTER, CONFIG)
    typed = open_page(None, **PLAN, drafter=DRAFTER, spec="3")
    typed.number_input(key=FIELD).set_value(1.8).run()
    linked = open_page(None, **PLAN, drafter=DRAFTER, spec="3", accept="1.8")
    assert not linked.exception
    assert linked.number_input(key=FIELD).value == 1.8
    assert metric(linked, "TPOT") == metric(typed, "TPOT")
    assert _speed_terms(linked) == _speed_terms(typed)
    # the Compare page plans its models with the drafter, so at the length too (its caption's
    # load line), and shows the field beside the draft tokens
    compare = open_page("compare", **PLAN, drafter=DRAFTER, spec="3", accept="1.8",
                        cmp="Qwen/Qwen3-32B,Qwen/Qwen3-8B")
    assert not compare.exception
    assert compare.number_input(key="compare.spec_acceptance_length").value == 1.8
    assert "1 request in flight, mean acceptance length 1.8, capped by each KV cache" \
        in texts(compare)
    recommend = open_page("recommend", **PLAN, drafter=DRAFTER, spec="3", accept="1.8")
    assert not recommend.exception
    assert recommend.number_input(key="recommend.spec_acceptance_length").value == 1.8
    assert "mean acceptance length: 1.8" in texts(recommend)
    report = open_page("report", **PLAN, drafter=DRAFTER, spec="3", accept="1.8")
    assert not report.exception
    assert "1 request at once, mean acceptance length 1.8" in texts(report)  # its heading


def test_the_field_is_shown_only_where_drafts_are_planned(hub_reply) -> None:
    hub_reply(DRAFTER, CONFIG)
    plain = open_page(None, **PLAN)  # no drafter; Qwen3-32B has no MTP layers
    assert FIELD not in _keys(plain)
    zero = open_page(None, **PLAN, drafter=DRAFTER, spec="0")
    assert FIELD not in _keys(zero)
    compare = open_page("compare", **PLAN, cmp="Qwen/Qwen3-32B,Qwen/Qwen3-8B")
    assert "compare.spec_acceptance_length" not in _keys(compare)
    drafted = open_page(None, **PLAN, drafter=DRAFTER, spec="2")
    assert FIELD in _keys(drafted) and drafted.number_input(key=FIELD).value is None
    # empty: today's figures, the note says the drafts are not modelled and how to model them
    notes = _notes(drafted)
    assert "speculative decoding (2 EAGLE-3 draft tokens from acme/qwen3-32b-eagle3) is not " \
        "modelled" in notes
    assert '"Mean acceptance length" beside the draft tokens' in notes
    assert "--spec-acceptance-length" not in notes


def _keys(at) -> set[str]:
    return {n.key for n in at.number_input}


def _notes(at) -> str:
    show_chart(at, "Throughput and latency")
    return "\n".join(str(c.value) for c in at.caption)


def test_an_mtp_models_draft_tokens_show_it() -> None:
    # DeepSeek-V3 has an MTP layer (num_nextn_predict_layers 1): its draft tokens field is
    # offered, and the acceptance length with them
    at = open_page(None, model="deepseek-ai/DeepSeek-V3", gpu="h200", gpn="8", spec="1",
                   accept="1.7")
    assert not at.exception
    assert at.number_input(key=FIELD).value == 1.7
    assert "modelled at mean acceptance length 1.7 (given)" in _notes(at)


@pytest.mark.parametrize(("query", "words"), [
    # k lowered after the length was set: 2.4 with 1 draft token (1 to 2)
    ({"spec": "1", "accept": "2.4"}, "Mean acceptance length = 2.4 is not possible here: "
     "--spec-acceptance-length 2.4 is outside 1 to 2: with 1 draft token a step a request "
     "emits at most every draft + the bonus token. Showing Mean acceptance length = none "
     "instead."),
    # drafts off
    ({"spec": "0", "accept": "2"}, "Mean acceptance length = 2 is not possible here: "
     "--spec-acceptance-length needs speculative decoding"),
    # just past the bound, as given on both sides (":g" showed "= 2" and the CLI's 2.0000001)
    ({"spec": "1", "accept": "2.0000001"}, "Mean acceptance length = 2.0000001 is not possible "
     "here: --spec-acceptance-length 2.0000001 is outside 1 to 2"),
])
def test_a_length_the_drafts_cannot_emit_is_replaced_in_the_planners_words(
        hub_reply, query, words) -> None:
    hub_reply(DRAFTER, CONFIG)
    at = open_page(None, **PLAN, drafter=DRAFTER, **query)
    assert not at.exception
    assert words in texts(at)
    assert "accept" not in at.query_params


def test_lowering_the_draft_tokens_replaces_it_aloud(hub_reply) -> None:
    hub_reply(DRAFTER, CONFIG)
    at = open_page(None, **PLAN, drafter=DRAFTER, spec="3", accept="3.5")
    assert at.number_input(key=FIELD).value == 3.5
    at.number_input(key="plan.num_speculative_tokens").set_value(2).run()
    assert not at.exception
    assert ("--spec-acceptance-length 3.5 is outside 1 to 3: with 2 draft tokens a step a "
            "request emits at most every draft + the bonus token.") in texts(at)
    assert at.number_input(key=FIELD).value is None and "accept" not in at.query_params


@pytest.mark.parametrize(("value", "words"), [
    ("abc", "Link parameter accept='abc' ignored: "),
    ("nan", "Link parameter accept='nan' ignored: "),
    ("0.5", "Link parameter accept='0.5' ignored: "),
    ("66", "Link parameter accept='66' ignored: "),
])
def test_a_bad_link_value_is_ignored_with_a_message(value, words) -> None:
    at = open_link("plan", **PLAN, spec="0", accept=value)
    assert not at.exception
    assert words in texts(at)
    assert "accept" not in at.query_params


def test_a_typed_value_under_one_is_refused_and_kept(hub_reply) -> None:
    hub_reply(DRAFTER, CONFIG)
    at = open_page(None, **PLAN, drafter=DRAFTER, spec="3", accept="2")
    at.number_input(key=FIELD).set_value(0.5).run()
    assert not at.exception
    assert "Mean acceptance length = 0.5 refused: " in texts(at)
    # the field keeps 0.5 to correct, the plan the 2 before (ui.state.typed_input)
    assert at.number_input(key=FIELD).value == 0.5 and at.query_params["accept"] == "2.0"


def test_the_recommend_search_at_it_is_the_clis(hub_reply, capsys, tmp_path: Path) -> None:
    hub_reply(DRAFTER, CONFIG)
    at = open_page("recommend", **PLAN, drafter=DRAFTER, spec="3", accept="2.4")
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.context").set_value(8192).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    folder = _drafter_folder(tmp_path, QWEN3_32B_DRAFTER)
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-32B", "--gpu",
                              "h100-sxm", "--context", "8192", "--speculative-model",
                              str(folder), "--num-speculative-tokens", "3",
                              "--spec-acceptance-length", "2.4", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found["workload"]["spec_acceptance_length"] == 2.4
    rows = next(t.value for t in at.dataframe if "TPOT (ms)" in t.value.columns)
    # the cheapest row's TPOT, the CLI's at the same length (the caption names it)
    assert rows["TPOT (ms)"].iloc[0] == round(found["rows"][0]["tpot_ms"], 1)
    assert "mean acceptance length: 2.4" in texts(at)
