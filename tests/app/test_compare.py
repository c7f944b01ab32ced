"""Compare page: several models on the same GPUs, side by side.

Hand-worked (bf16 KV, whole model): Llama-3.1-70B 2 x 80 layers x 8 KV heads x 128 x 2 B =
327,680 B per token (TP=8: 8 // 8 = 1 KV head -> 40,960 B per GPU); Qwen3-30B-A3B
2 x 48 x 4 x 128 x 2 B = 98,304 B. Llama-3.1-70B weights at TP=8: 70,553,706,496 params
(param_counts.json) x 2 B / 8 = 16.427 GiB + the rope cos/sin cache every rank builds,
131,072 positions x 128 x 2 B = 0.031 GiB -> 16.46 GiB per GPU (vocab 128,256 splits evenly).
"""

import json

import pandas as pd
import pytest

from planner.text import md_escape
from tests.app.conftest import ROOT, hub_answers, metric, open_link, open_page
from ui.charts import grouped_bars
from ui.format import short_model_names


def test_default_comparison_table_and_charts() -> None:
    at = open_page("compare", tp="8")  # pinned: the hand-worked figures are at TP=8
    assert not at.exception
    table = at.dataframe[0].value.set_index("model")
    assert list(table.index) == [
        "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-30B-A3B", "meta-llama/Meta-Llama-3.1-70B"]
    assert table.loc["meta-llama/Meta-Llama-3.1-70B", "KV B/token (model)"] == 327_680
    assert table.loc["Qwen/Qwen3-30B-A3B", "KV B/token (model)"] == 98_304
    assert abs(table.loc["meta-llama/Meta-Llama-3.1-70B", "weights per GPU (GiB)"] - 16.46) < 0.006
    assert table.loc["meta-llama/Meta-Llama-3.1-70B", "KV B/token per GPU"] == 40_960
    assert table.loc["Qwen/Qwen3-235B-A22B-GPTQ-Int4", "KV B/token per GPU"] == 48_128
    # 70,553,706,496 params in words, not "70.6 B" beside the byte columns; dense: all active
    llama = table.loc["meta-llama/Meta-Llama-3.1-70B"]
    assert (llama["params"], llama["active (embeddings included)"]) == ("70.6 billion",) * 2
    assert len(at.get("plotly_chart")) == 4


def test_context_changes_the_concurrency_column() -> None:
    at = open_page("compare")
    at.number_input(key="compare.compare_context").set_value(8192).run()
    table = at.dataframe[0].value
    assert "concurrency at 8,192" in table.columns
    assert at.query_params["ctx"] == "8192"
    # the charts' titles name their units (their axes do not)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"]
              for c in at.get("plotly_chart")]
    assert titles == ["Weights per GPU (GiB)", "KV bytes per token",
                      "Context ceiling (tokens, one request)",
                      "Concurrent requests at 8,192 tokens"]  # by row


def test_a_request_past_the_context_is_clamped_and_said() -> None:
    # 1,024 in + 1,024 out at a 1,500-token context: vLLM 0.34 (the default) generates
    # 1,500 - 1,024 = 476 (0.34.0 wheel, entrypoints/serve/utils/api_utils.py get_max_tokens:
    # max_model_len - input_length; vllm_versions.CLAMP_OUTPUT_FROM), so the speed columns
    # are filled, at 476 output tokens, not empty
    at = open_page("compare", tp="8", ctx="1500")
    assert not at.exception
    assert at.dataframe[0].value["TPOT (ms)"].notna().all()
    caption = " ".join(c.value for c in at.caption)
    # a sentence of its own after the caption's first one (no concurrency marked: no words
    # on marks)
    assert "A concurrency marked (refused)" not in caption and "reading no KV cache" not in caption
    assert ("rejects a request that long. Output clamped to 476 tokens: max_model_len "
            "1,500 - input 1,024; vLLM 0.34.0" in caption)


def test_a_bad_model_is_reported_and_the_others_still_compared() -> None:
    at = open_page("compare", cmp="Qwen/Qwen3-8B,bad repo!!,Qwen/Qwen3-32B")
    assert not at.exception
    assert any(e.value.startswith("bad repo!!:") for e in at.error)
    assert len(at.dataframe[0].value) == 2


def test_a_bad_model_holding_a_control_character_is_named_quoted() -> None:
    # cmp=%00: the row's label echoed the raw NUL before its message's quoted '\x00'
    at = open_page("compare", cmp="Qwen/Qwen3-8B,\x00,a\x1b[2Jb")
    assert not at.exception
    labels = sorted(e.value.split(": ", 1)[0] for e in at.error)
    # repr's quotes and backslash, the backslash Markdown-escaped (it shows as one)
    assert labels == ["'\\\\x00'", "'a\\\\x1b\\[2Jb'"]
    assert not any(c in e.value for e in at.error for c in "\x00\x1b")


def test_one_model_asks_for_another() -> None:
    at = open_page("compare", cmp="Qwen/Qwen3-8B")
    assert any("at least two models" in i.value for i in at.info)


def test_speed_columns_follow_the_plan_pages_load() -> None:
    at = open_page("compare", tp="8", conc="4")
    assert not at.exception
    table = at.dataframe[0].value.set_index("model")
    assert "4 requests in flight" in " ".join(c.value for c in at.caption)
    # decode reads the active weights each step: Qwen3-30B-A3B (~3 B active) against the
    # dense Llama-3.1-70B (70 B) on the same GPUs and layout must be faster per token
    qwen, llama = "Qwen/Qwen3-30B-A3B", "meta-llama/Meta-Llama-3.1-70B"
    assert 0 < table.loc[qwen, "TPOT (ms)"] < table.loc[llama, "TPOT (ms)"]
    assert table.loc[qwen, "output tok/s"] > table.loc[llama, "output tok/s"]


def test_the_grid_shows_the_key_columns_and_the_rest_under_more_columns() -> None:
    # at 1280 px the grid must not scroll sideways: the key columns under short labels, the
    # others in an expander; every column of the table is shown in one of the two grids
    at = open_page("compare", tp="8")
    grid, more = at.dataframe[0], at.dataframe[1]
    # the models by name without the owner (the charts'), the whole repo ids under More
    assert list(grid.proto.column_order) == [
        "name", "layout", "fits", "weights per GPU (GiB)", "ceiling (tokens)",
        "concurrency at 32,768", "TPOT (ms)", "output tok/s"]
    assert list(more.proto.column_order) == [
        "model", "params", "active (embeddings included)", "KV B/token per GPU",
        "KV B/token (model)", "TTFT (ms)", "tok/s per request", "warnings"]
    shown = {*grid.proto.column_order, *more.proto.column_order}
    assert shown == set(grid.value.columns)  # the verdicts are in the table below
    config = json.loads(grid.proto.columns)
    # a number column (sorted by its figures) shown as text: two decimals on every row
    # (concurrency as 2.81, 12.50), marked where vLLM refuses the model (none here)
    assert config["concurrency at 32,768"] == {
        "label": "conc. @ 32,768", "help": "concurrency at 32,768",
        "type_config": {"type": "number"}}
    figures = grid.value["concurrency at 32,768"]
    assert list(_shown(grid)["concurrency at 32,768"]) == [f"{v:,.2f}" for v in figures]
    # the first is the shared vLLM options' ("vLLM options for every model")
    assert at.expander[1].label.startswith("More columns")


def test_the_grid_names_each_model_as_the_charts_do_the_whole_id_under_more_columns() -> None:
    # six models on 8 H100: "meta-llama/Llama-4-Maverick-17B-128E-Instruct" (45 characters)
    # and "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8" (44) were cut at the 230 px model
    # column at 1280 and 1366 px (helper 446's review); each goes by its name without the
    # owner, as the charts' bars do, in a column the grid sizes to them (tests/browser: whole,
    # no sideways scroll; a fixed 300 px pushed TPOT and tok/s past the edge at 1024 px), the
    # whole id under More columns and in the verdict table
    models = ["deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-Next-80B-A3B-Instruct",
              "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "openai/gpt-oss-120b",
              "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", "moonshotai/Kimi-K2-Instruct"]
    at = open_page("compare", gpu="h100-sxm", model=models[0], cmp=",".join(models))
    assert not at.exception
    grid, more = at.dataframe[0], at.dataframe[1]
    assert list(grid.value["name"]) == [
        "DeepSeek-V3", "Qwen3-Next-80B-A3B-Instruct", "Llama-4-Maverick-17B-128E-Instruct",
        "gpt-oss-120b", "NVIDIA-Nemotron-3-Super-120B-A12B-FP8", "Kimi-K2-Instruct"]
    assert list(more.value["model"]) == models and "model" in more.proto.column_order
    config = json.loads(grid.proto.columns)["name"]
    assert config["label"] == "model" and "width" not in config
    assert "whole repo id is under More columns" in config["help"]
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["y"]
    assert bars == list(grid.value["name"])  # the charts' names
    assert list(at.table[0].value.index) == models  # the verdicts, by whole id
    # two repos of one name go by their whole ids, which alone tell them apart
    assert short_model_names(["Qwen/Qwen3-8B", "acme/Qwen3-8B", "Qwen/Qwen3-32B"]) == [
        "Qwen/Qwen3-8B", "acme/Qwen3-8B", "Qwen3-32B"]


def test_one_request_in_flight_reads_in_the_singular() -> None:
    # the default load is one request: the caption must not say "1 requests"
    at = open_page("compare", tp="8", conc="1")
    captions = " ".join(c.value for c in at.caption)
    assert "1 request in flight" in captions and "1 requests" not in captions


def test_the_caption_says_how_the_requests_arrive() -> None:
    # the speed columns follow the Plan page's arrivals too: a burst or steady load said so
    # nowhere on this page, so its TTFT column read as if the requests were staggered
    captions = {arr: " ".join(c.value for c in open_page("compare", tp="8", conc="4",
                                                         arr=arr).caption)
                for arr in ("burst", "steady")}
    assert "4 requests in flight, arriving together, capped by each KV cache" in captions["burst"]
    assert ("4 requests in flight, arriving desynchronized (steady), capped by each KV cache"
            in captions["steady"])

def test_a_link_of_empty_entries_says_it_was_ignored() -> None:
    # cmp=,,, was read as no models: the page asked for two with no word about the link
    at = open_link("compare", cmp=",,,")
    assert not at.exception and at.title[0].value == "Compare"
    assert [w.value for w in at.sidebar.warning] == [
        "Link parameter cmp=',,,' ignored: it names no model, only empty entries between "
        "commas."]
    assert list(at.dataframe[0].value["model"]) == [  # the default comparison, shown
        "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-30B-A3B", "meta-llama/Meta-Llama-3.1-70B"]
    # an emptied picker is a link too (cmp=): no models, no message
    at = open_link("compare", cmp="")
    assert not at.sidebar.warning and any("at least two models" in i.value for i in at.info)


def test_a_blank_model_typed_into_the_picker_is_refused_where_it_is_typed() -> None:
    # a new option of spaces was compared as a model the page called "'' looks like a local
    # path; the app takes Hugging Face repo ids (org/name)"
    at = open_page("compare")
    default = at.multiselect[0].value
    at.multiselect[0].set_value(["Qwen/Qwen3-8B", " "]).run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [
        "Models = ['Qwen/Qwen3-8B', ' '] refused: an entry is blank: a model is a Hugging Face "
        f"repo id such as Qwen/Qwen3-8B, not blank. Kept {default}."]
    # the picker keeps what was typed, to correct, the reason under it (ui.state.typed_input);
    # the comparison the models kept
    assert at.multiselect[0].value == ["Qwen/Qwen3-8B", " "]
    assert at.main.get_by_key("refused-compare.compare").warning
    assert list(at.dataframe[0].value["model"]) == default


def test_under_dp_all_replicas_stand_beside_one_replicas_concurrency() -> None:
    # dense models at TP=4 x DP=2 on the 8 RTX 3090s: each replica is TP=4 on 4 GPUs with
    # its own KV pool, so one replica holds what TP=4 on 4 of those GPUs alone holds, and the
    # two replicas twice that
    models = "Qwen/Qwen3-8B,Qwen/Qwen3-32B"
    at = open_page("compare", cmp=models, tp="4", dp="2")
    assert not at.exception
    table = at.dataframe[0].value.set_index("model")
    alone = open_page("compare", cmp=models, gpn="4", tp="4").dataframe[0].value
    one = alone.set_index("model")["concurrency at 32,768"]
    per = table["concurrency at 32,768, per replica"]
    both = table["concurrency at 32,768, all replicas"]
    assert list(table["layout"]) == ["TP=4 x DP=2"] * 2 and list(alone["layout"]) == ["TP=4"] * 2
    assert (one > 1).all() and list(per) == list(one)
    # each cell rounded to 2 decimals: 29.09 beside 14.55 (Qwen3-8B)
    assert all(abs(b - 2 * p) < 0.02 for b, p in zip(both, per, strict=True))
    grid, more = at.dataframe[0], at.dataframe[1]
    # the layout label is longer: one replica's concurrency is under "More columns" (as the
    # Plan page's sweep has it), so the grid holds the models' names whole and still does
    # not scroll sideways at 1280 px (tests/browser)
    assert list(grid.proto.column_order) == [
        "name", "layout", "fits", "weights per GPU (GiB)", "ceiling (tokens)",
        "concurrency at 32,768, all replicas", "TPOT (ms)", "output tok/s"]
    assert list(more.proto.column_order) == [
        "model", "params", "active (embeddings included)", "concurrency at 32,768, per replica",
        "KV B/token per GPU", "KV B/token (model)", "TTFT (ms)", "tok/s per request",
        "warnings"]
    assert {*grid.proto.column_order, *more.proto.column_order} == set(grid.value.columns)
    config = json.loads(grid.proto.columns)
    assert config["concurrency at 32,768, all replicas"] == {
        "label": "all replicas", "help": "concurrency at 32,768, all replicas",
        "type_config": {"type": "number"}}  # its cells the text below
    for shown_grid, column, figures in ((grid, "all replicas", both), (more, "per replica", per)):
        assert list(_shown(shown_grid)[f"concurrency at 32,768, {column}"]) == [
            f"{v:,.2f}" for v in figures]
    assert json.loads(more.proto.columns)["concurrency at 32,768, per replica"]["label"] == \
        "concurrency at 32,768, per replica"
    assert at.expander[1].label.startswith(
        "More columns: the whole repo id, parameters, one replica's concurrency, KV bytes")
    assert any('"all replicas" is the concurrency at 32,768 tokens' in c.value
               for c in at.caption)
    # no DP (the test above): the grid keeps its one concurrency column, and no caption
    assert "concurrency at 32,768, per replica" not in alone.columns


def test_a_model_named_twice_in_the_link_is_compared_once() -> None:
    # cmp=Qwen/Qwen3-8B,Qwen/Qwen3-8B,Qwen/Qwen3-32B gave three rows, two of them identical
    at = open_page("compare", cmp="Qwen/Qwen3-8B,Qwen/Qwen3-8B,Qwen/Qwen3-32B")
    assert not at.exception
    assert list(at.dataframe[0].value["model"]) == ["Qwen/Qwen3-8B", "Qwen/Qwen3-32B"]
    assert at.query_params["cmp"] == "Qwen/Qwen3-8B,Qwen/Qwen3-32B"


def test_a_model_named_twice_in_another_case_is_compared_once() -> None:
    # the Hub resolves repo ids without case (huggingface_hub issue #2090): Qwen/Qwen3-8B and
    # qwen/qwen3-8b are one model, and were two identical rows; the first spelling is kept
    at = open_page("compare", cmp="Qwen/Qwen3-8B,qwen/qwen3-8b,Qwen/Qwen3-32B")
    assert not at.exception
    assert list(at.dataframe[0].value["model"]) == ["Qwen/Qwen3-8B", "Qwen/Qwen3-32B"]
    assert at.query_params["cmp"] == "Qwen/Qwen3-8B,Qwen/Qwen3-32B"
    # typed into the picker in another case: one entry, in the picker as in the table
    at.multiselect[0].set_value(["Qwen/Qwen3-32B", "Qwen/Qwen3-8B", "QWEN/QWEN3-8B"]).run()
    assert not at.exception and not at.warning
    assert at.multiselect[0].value == ["Qwen/Qwen3-32B", "Qwen/Qwen3-8B"]
    assert list(at.dataframe[0].value["model"]) == ["Qwen/Qwen3-32B", "Qwen/Qwen3-8B"]


def _warned(at) -> dict[str, str]:
    """The warning block under the grid per model, by the model it names first."""
    return {w.value.split(": ", 1)[0]: w.value for w in at.warning}


def test_a_fit_on_unmodelled_figures_is_marked_and_its_warning_listed() -> None:
    # gemma-3-4b-it on one H100 at 16 sequences: the Plan page's verdict is "Fits
    # (unmodelled: ...)", a warning (tests/app/test_plan.py); here its row reads yes*, not a
    # plain yes, its bars are amber, and the Plan page's warning that says why is listed
    gemma, qwen = "google/gemma-3-4b-it", "Qwen/Qwen3-8B"
    at = open_page("compare", cmp=f"{gemma},{qwen}", gpu="h100-sxm", gpn="1", seqs="16")
    assert not at.exception
    table = at.dataframe[0].value.set_index("model")
    assert list(table["fits"]) == ["yes* ⚠", "yes"]  # ⚠: warnings, listed under the grid
    assert at.title[0].value == "Compare" and not any("fits cell" in m.value for m in at.markdown)
    assert table.loc[qwen, "warnings"] == 0 and table.loc[gemma, "warnings"] >= 1
    warned = _warned(at)
    assert list(warned) == [gemma]  # Qwen3-8B fits on modelled figures, with no warning
    assert warned[gemma].startswith(
        f"{gemma}: yes\\*, fits on figures that leave out Gemma 3 SigLIP vision encoder "
        "start-up profile; the KV room may be less than planned.")  # the report's words
    assert "\n- vLLM profiles the Gemma 3 SigLIP vision encoder" in warned[gemma]
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["marker"]["color"] == [
        "#f2a93b", "#54a24b"]
    assert "warnings" in at.dataframe[1].proto.column_order  # the count: "More columns"


def test_the_parameter_check_and_the_configs_warnings_are_listed(monkeypatch) -> None:
    # the Plan page's parameter-check warning (tests/app/test_param_check.py: the checkpoint
    # stores 16,384,000 of the architecture's 41,685,504 parameters), and the config's own
    # warnings the Model page lists (DeepSeek-V4's unmodelled CUDA graphs: compressed.DSV4_WARNING)
    from planner.model.config.compressed import DSV4_WARNING
    from tests.app.test_param_check import REPO, _checkpoint
    from tests.cli.test_param_check_cli import LINE, STORED
    from tests.cli.tiny_model import TINY_CONFIG

    hub_answers(monkeypatch, REPO, TINY_CONFIG, checkpoint=_checkpoint(STORED))
    v4 = "deepseek-ai/DeepSeek-V4-Flash"
    # at 8,192 tokens, the tiny model's max_position_embeddings: it fits, with its warning
    at = open_page("compare", cmp=f"{REPO},{v4},Qwen/Qwen3-8B", ctx="8192")
    assert not at.exception
    table = at.dataframe[0].value.set_index("model")
    warned = _warned(at)
    assert set(warned) == {REPO, v4}
    assert warned[REPO].startswith(f"{REPO}: 1 warning.\n\n- {md_escape(LINE)}")
    assert table.loc[REPO, "warnings"] == 1 and table.loc["Qwen/Qwen3-8B", "warnings"] == 0
    assert table.loc[REPO, "fits"] == "yes ⚠" and table.loc["Qwen/Qwen3-8B", "fits"] == "yes"
    assert f"\n- {md_escape(DSV4_WARNING)}" in warned[v4]


def test_the_compare_page_and_report_compare_plan_each_model_on_the_same_layout(
        capsys) -> None:
    # Beside Qwen3-30B-A3B at TP=4 x DP=2 + EP on 8 H100s (128 experts over 8 ranks), one
    # rule on both surfaces (planner.serving.auto_layout.compared_layout), worked by hand:
    # - Qwen3-8B, dense: the same layout without EP, which means nothing there
    # - Qwen1.5-MoE-A2.7B: 60 experts over 8 EP ranks, unevenly as vLLM spreads them from
    #   0.10.1 (60 = 7 x 8 + 4: the first 4 ranks 8, the rest 7; 138f183), so TP=4 x DP=2 +
    #   EP as chosen (16 heads / 4); the page once took the widest layout, TP=8, while the CLI
    #   kept TP=4 x DP=2
    # - phi-4: 10 KV heads, which TP=4 neither divides nor is divided by: the widest layout
    #   that runs, TP=2 (40 / 2 query, 10 / 2 KV heads) x DP=4 on all 8
    from cli.planner_cli import main

    models = ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-8B", "Qwen/Qwen1.5-MoE-A2.7B",
              "microsoft/phi-4"]
    expected = ["TP=4 x DP=2 + EP", "TP=4 x DP=2", "TP=4 x DP=2 + EP", "TP=2 x DP=4"]
    at = open_page("compare", cmp=",".join(models), gpu="h100-sxm", gpn="8", tp="4", dp="2",
                   ep="1")
    assert not at.exception and not at.error
    page = at.dataframe[0].value.set_index("model")["layout"]
    assert [page[m] for m in models] == expected
    assert main(["report", "--model", models[0], "--gpu", "h100-sxm", "--gpus", "8", "--tp",
                 "4", "--dp", "2", "--ep", "--compare", *models[1:], "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["comparison"]
    assert [(r["model_name"], r["layout"]) for r in rows] == list(zip(models, expected,
                                                                      strict=True))
    # the Report page's comparison plans the Compare page's models the same way
    at = open_page("report", cmp=",".join(models), model=models[0], gpu="h100-sxm", gpn="8",
                   tp="4", dp="2", ep="1")
    at.checkbox(key="report.compare").check().run()
    assert not at.exception and not at.error
    cells = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1]
             for line in at.main.markdown[-1].value.splitlines()
             if line.startswith(tuple(f"| {m} |" for m in models))}
    assert [cells[m] for m in models] == expected


def _shown(grid) -> pd.DataFrame:
    """A grid's cells as the page shows them (its Styler's display values, where key_grid's
    `shown` gives a column text)."""
    from streamlit import dataframe_util

    return dataframe_util.convert_arrow_bytes_to_pandas_df(grid.proto.arrow_data.styler
                                                           .display_values)


def test_the_concurrency_vllm_refuses_is_marked_refused() -> None:
    # at 131,072 tokens on 8x RTX 3090, the Plan page's Qwen3-235B (max_position_embeddings
    # 40,960) is refused by vLLM before any memory is counted (max_model_len over the derived
    # one): its cell and bar were empty (helper 478's QA: "0.88 concurrent requests" is no
    # figure vLLM serves) where report --compare prints the figure; shown now, marked refused.
    # Qwen3-30B-A3B (40,960 too), a compared model, is planned at its own maximum, as report
    # --compare plans it (13.56 at 40,960, the Report page's figure in CHANGELOG), not refused.
    # Llama 3.1 70B misses on memory: vLLM's own sentence gives 5.0 GiB of KV needed for one
    # request (80 layers x 8 KV heads x 128 x 2 x 2 B = 327,680 B a token x 131,072 tokens /
    # 8 GPUs = 5,368,709,120 B = 5 GiB, written "5.0" by 0.34.0's format_gib) and 3.67 GiB
    # there, 3.67 / 5.00 = 0.73 of one request, unmarked: how far it is from serving one
    at = open_page("compare", tp="8", ctx="131072")
    assert not at.exception
    column = "concurrency at 131,072"
    table = at.dataframe[0].value.set_index("model")[column]
    shown = _shown(at.dataframe[0]).set_index("model")[column]
    llama = "meta-llama/Meta-Llama-3.1-70B"
    verdict = at.table[0].value.loc[llama, "verdict"]
    assert "(5.0 GiB KV cache is needed" in verdict and "memory (3.67 GiB)" in verdict
    assert abs(table[llama] - 3.67 / 5.00) < 0.01 and shown[llama] == "0.73"
    qwen = ["Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-30B-A3B"]
    assert [shown[m] for m in qwen] == [f"{table[qwen[0]]:.2f} (refused)",
                                        f"{table[qwen[1]]:.2f} at 40,960 (its maximum)"]
    assert all(table[m] > 0 for m in qwen)  # a number column still: the grid sorts by it
    bars = json.loads(at.get("plotly_chart")[3].proto.spec)["data"][0]
    assert bars["text"] == list(shown)  # the grid's words at the bars' ends
    assert bars["marker"]["pattern"]["shape"] == ["/", "", ""]  # the refused one hatched
    captions = " ".join(c.value for c in at.caption)
    assert "A concurrency marked (refused): vLLM refuses the model for another reason than " \
        "memory" in captions and "hatched where the grid marks it (refused)" in captions


def test_the_compare_page_gives_report_compares_concurrency_where_vllm_refuses(
        capsys) -> None:
    # Qwen3-8B on a V100 at 40,960 tokens (the wheels of vLLM 0.34 hold no kernels for compute
    # capability 7.0, the Plan page's 2.18): report --compare printed the figure where the
    # Compare page left the cell and the bar empty. Both models are refused there, and the
    # page shows report --compare's figure, marked. Qwen3-30B-A3B's weights, 30.5 billion x
    # 2 B = 57 GiB, are also past the 32 GiB GPU: no KV cache, report --compare's 0.00, which
    # the page read "0.00 (refused)" as if only the refusal stood between it and serving;
    # it says no KV cache, as the CLI's plan says its KV pool is none, unhatched
    from tests.cli.conftest import run_main

    models = ["Qwen/Qwen3-8B", "Qwen/Qwen3-30B-A3B"]
    at = open_page("compare", cmp=",".join(models), hw="preset", gpu="v100-32gb", gpn="1",
                   nodes="1", ctx="40960")
    assert not at.exception
    code, out, _ = run_main(capsys, "report", "--model", models[0], "--gpu", "v100-32gb",
                            "--max-model-len", "40960", "--compare", models[1], "--format",
                            "json")
    cli = {r["model_name"]: r["max_concurrency"] for r in json.loads(out)["comparison"]}
    assert code == 0 and list(cli) == models
    shown = _shown(at.dataframe[0]).set_index("model")["concurrency at 40,960"]
    assert shown[models[0]] == f"{cli[models[0]]:.2f} (refused)" == "2.18 (refused)"  # the
    # Plan page's figure for this plan
    code, out, _ = run_main(capsys, "plan", "--model", models[1], "--gpu", "v100-32gb",
                            "--max-model-len", "40960")
    pool = next(line for line in out.splitlines() if line.startswith("  KV cache per GPU"))
    assert code == 0 and pool.split()[4] == "none" and cli[models[1]] == 0
    assert shown[models[1]] == "no KV cache"
    bars = json.loads(at.get("plotly_chart")[3].proto.spec)["data"][0]
    assert bars["text"] == list(shown) and bars["marker"]["pattern"]["shape"] == ["/", ""]
    assert "A concurrency reading no KV cache: the budget leaves the model none" in \
        " ".join(c.value for c in at.caption)


def test_the_plan_page_says_the_clis_concurrency_where_vllm_refuses_the_plan(capsys) -> None:
    # the Plan page's metric read "none" where the CLI's plan and its JSON gave the figure:
    # Qwen3-30B-A3B at 131,072 on 8x RTX 3090 (the 4.24 above), and Qwen3-8B on a V100 (the
    # wheels of vLLM 0.34 hold no kernels for compute capability 7.0). Both say the figure, with
    # the same words; at its own 40,960 it fits, no words; Llama 3.1 70B at 131,072 misses on
    # memory and keeps 3.67 / 5.00 = 0.73 (vLLM's sentence, as above), no words either
    from tests.cli.conftest import run_main

    link = {"hw": "preset", "gpu": "rtx-3090", "gpn": "8", "nodes": "1", "tp": "8"}
    words = "vLLM refuses this plan: see the verdict"
    for query, argv in (
            ({**link, "model": "Qwen/Qwen3-30B-A3B", "len": "131072"},
             ["--model", "Qwen/Qwen3-30B-A3B", "--gpu", "rtx-3090", "--gpus", "8", "--tp", "8",
              "--max-model-len", "131072"]),
            ({"hw": "preset", "gpu": "v100-32gb", "gpn": "1", "nodes": "1",
              "model": "Qwen/Qwen3-8B"},
             ["--model", "Qwen/Qwen3-8B", "--gpu", "v100-32gb"])):
        at = open_page(None, **query)
        assert not at.exception and at.error  # the refusal, in the verdict
        shown = next(m for m in at.metric if m.label.startswith("Concurrency at"))
        code, out, _ = run_main(capsys, "plan", *argv)
        line = next(line for line in out.splitlines() if line.startswith("  concurrency"))
        assert code == 0 and line.split()[1] == shown.value and line.endswith(f" ({words})")
        code, out, _ = run_main(capsys, "plan", *argv, "--json")
        assert f"{json.loads(out)['max_concurrency']:.2f}" == shown.value
        assert f"Concurrency {shown.value} ({words})" in " ".join(c.value for c in at.caption)
    fits = open_page(None, **link, model="Qwen/Qwen3-30B-A3B", len="40960")
    assert float(metric(fits, "Concurrency at 40,960")) > 1
    llama = open_page(None, **link, model="meta-llama/Meta-Llama-3.1-70B", len="131072")
    assert metric(llama, "Concurrency at 131,072") == "0.73"
    assert all(words not in c.value for c in (*fits.caption, *llama.caption))


def test_a_model_no_layout_runs_is_a_row_that_says_why_on_both_surfaces(
        monkeypatch, capsys, tmp_path) -> None:
    # A GPTQ checkpoint (groups of 128) whose MLP is 1,000 wide: down_proj takes 1,000 inputs
    # at TP=1 (1,000 % 128 = 104) and 500 at TP=2 (500 % 128 = 116), so vLLM loads it on no
    # layout of the 2 GPUs. The page said "no tensor/pipeline layout ... runs" and dropped it
    # (the Report page refused the whole report); now, as report --compare, it is a row on
    # the chosen TP=2 that does not fit and says why.
    from cli.planner_cli import main
    from tests.cli.tiny_model import TINY_CONFIG

    repo = "acme/misaligned-gptq"
    config = {**TINY_CONFIG, "intermediate_size": 1_000, "quantization_config": {
        "quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True}}
    why = "down_proj takes 500 inputs per GPU at tensor parallel size 2"
    hub_answers(monkeypatch, repo, config)
    at = open_page("compare", cmp=f"Qwen/Qwen3-8B,{repo}", gpu="h100-sxm", gpn="2", tp="2",
                   ctx="8192")  # the tiny config's max_position_embeddings
    assert not at.exception and not at.error
    table = at.dataframe[0].value.set_index("model")
    assert (table.loc[repo, "layout"], table.loc[repo, "fits"]) == ("TP=2", "no")
    assert why in at.table[0].value.loc[repo, "verdict"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert main(["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "2",
                 "--tp", "2", "--compare", str(tmp_path), "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)["comparison"][1]
    assert (row["layout"], row["fits"]) == ("TP=2", False) and why in row["verdict"]


def test_the_verdicts_name_this_pages_field_not_the_cli_flag() -> None:
    # Qwen3-235B's config stops at 40,960 positions (max_position_embeddings) and its KV cache
    # on 8x RTX 3090 holds more: at the page's 32,768 a longer request needs a larger
    # max_model_len, which the CLI's verdict calls --max-model-len. Every model here is planned
    # at this page's own field (the Plan page's only seeds it), so the verdict names that one:
    # it named the Plan page's, which no longer moves the rows once this one is changed
    at = open_page("compare", tp="8")
    verdict = at.table[0].value.loc["Qwen/Qwen3-235B-A22B-GPTQ-Int4", "verdict"]
    assert verdict.endswith(
        "one request can reach 32,768 tokens (max_model_len; the KV cache holds one of 40,960 "
        "at a larger max_model_len (this page's \"max_model_len for every model\" field)).")
    assert "--max-model-len" not in verdict and "Plan page" not in verdict
    # the field it names moves the rows: at 40,960 that request fits
    at.number_input(key="compare.compare_context").set_value(40960).run()
    verdict = at.table[0].value.loc["Qwen/Qwen3-235B-A22B-GPTQ-Int4", "verdict"]
    assert "at 40,960 tokens; one request can reach 40,960 tokens." in verdict, verdict


def test_the_comparison_starts_from_the_model_just_planned() -> None:
    # the page opened on its three defaults whatever the Plan page planned: a user planning
    # Qwen3-8B found Qwen3-235B first and no Qwen3-8B. Untouched, the picker starts from the
    # planned model, then the defaults' others (three in all), and follows a new model; the
    # link carries no cmp until the picker is changed
    at = open_page(None, model="Qwen/Qwen3-8B")
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception
    assert at.multiselect(key="compare.compare").value == [
        "Qwen/Qwen3-8B", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-30B-A3B"]
    table = at.dataframe[0].value.set_index("model")
    # Qwen3-8B: 36 layers x 8 KV heads x 128 dims x 2 (K, V) x 2 B = 147,456 B per token
    assert table.loc["Qwen/Qwen3-8B", "KV B/token (model)"] == 147_456
    assert "cmp" not in at.query_params
    # a new model on the Model page: the untouched comparison follows it
    at.switch_page("ui/pages/model.py").run()
    at.selectbox(key="model.catalog_choice").set_value("Qwen/Qwen3-32B").run()
    at.button(key="model.use_catalog").click().run()
    at.switch_page("ui/pages/compare.py").run()
    assert list(at.dataframe[0].value["model"]) == [
        "Qwen/Qwen3-32B", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-30B-A3B"]
    # the planned model among the defaults is not named twice: the seed's three, as before
    assert list(open_page("compare").dataframe[0].value["model"]) == [
        "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-30B-A3B", "meta-llama/Meta-Llama-3.1-70B"]


def test_a_changed_picker_is_kept_when_the_planned_model_changes() -> None:
    at = open_page("compare", model="Qwen/Qwen3-8B")
    at.multiselect(key="compare.compare").unselect("Qwen/Qwen3-30B-A3B").run()
    assert at.query_params["cmp"] == "Qwen/Qwen3-8B,Qwen/Qwen3-235B-A22B-GPTQ-Int4"
    at.switch_page("ui/pages/model.py").run()
    at.selectbox(key="model.catalog_choice").set_value("Qwen/Qwen3-32B").run()
    at.button(key="model.use_catalog").click().run()
    at.switch_page("ui/pages/compare.py").run()
    assert list(at.dataframe[0].value["model"]) == [
        "Qwen/Qwen3-8B", "Qwen/Qwen3-235B-A22B-GPTQ-Int4"]


def test_the_comparison_starts_at_the_plan_pages_max_model_len() -> None:
    # a plan at max_model_len 8,192 was compared at the page's 32,768: untouched, the field
    # starts at the Plan page's max_model_len where one is given (32,768 where it is empty)
    at = open_page("compare", len="8192")
    assert at.number_input(key="compare.compare_context").value == 8192
    assert "concurrency at 8,192" in at.dataframe[0].value.columns
    assert "max_model_len 8,192" in " ".join(c.value for c in at.caption)
    assert "ctx" not in at.query_params
    # a context typed here is the page's own, whatever the Plan page's
    at.number_input(key="compare.compare_context").set_value(16384).run()
    assert at.query_params["ctx"] == "16384"
    assert "concurrency at 16,384" in at.dataframe[0].value.columns


def test_the_context_field_says_it_is_every_models_max_model_len() -> None:
    # "Concurrency at context (tokens)" named the concurrency column only, though every
    # model is planned at it: the ceilings and the verdicts follow it too
    field = open_page("compare").number_input(key="compare.compare_context")
    assert field.label == "max_model_len for every model (tokens)"
    assert field.help == (
        "the context each model is planned at and its concurrency is counted at (another "
        "model than the Plan page's at its own maximum where that is lower, as report "
        "--compare); until changed here, the Plan page's max_model_len where one is given, "
        "else 32,768")


def test_the_planned_model_is_compared_in_the_plan_pages_what_if_format() -> None:
    # README's seed as a what-if: Qwen3-235B-A22B (BF16) planned in W4A16 on 8x RTX 3090
    # fits the Plan page (14.56 GiB of weights a GPU, as the GPTQ-Int4 checkpoint at TP=8);
    # the Compare page planned it in BF16, 470,187,269,120 B / 8 = 54.74 GiB of weights a GPU
    # against 21.68 GiB budgets: "no", beside a Plan page that said it fits
    query = {"model": "Qwen/Qwen3-235B-A22B", "quant": "w4a16-gptq-g128"}
    plan_page = open_page(None, **query)
    weights = next(m.value for m in plan_page.metric if m.label == "Weights per GPU")
    at = open_page("compare", **query, cmp="Qwen/Qwen3-235B-A22B,Qwen/Qwen3-30B-A3B")
    assert not at.exception
    row = at.dataframe[0].value.set_index("model").loc["Qwen/Qwen3-235B-A22B"]
    assert weights == "14.56 GiB" and row["weights per GPU (GiB)"] == 14.56
    assert row["fits"] == "yes" and row["KV B/token per GPU"] == 48_128
    assert ("Qwen/Qwen3-235B-A22B in the Plan page's Quantization, What-if: GPTQ int4, group "
            "128 (W4A16); the others each in its own checkpoint format, KV dtype auto"
            in at.caption[0].value)
    # the others in their own format, as before
    other = at.dataframe[0].value.set_index("model").loc["Qwen/Qwen3-30B-A3B"]
    assert other["weights per GPU (GiB)"] == 7.16


def test_the_plan_pages_model_is_compared_at_the_plan_pages_revision(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # acme/m's main branch holds a Qwen3-8B config, its v2 a Qwen3-14B one. The Plan page
    # plans v2; the Compare page's row for acme/m read the main branch: KV per token at TP=1
    # 2 x 36 layers x 8 KV heads x 128 x 2 B = 147,456 B (Qwen3-8B) beside the Plan page's
    # 2 x 40 x 8 x 128 x 2 B = 163,840 B (Qwen3-14B)
    from planner.model.checkpoint import ModelSource
    from ui import io

    def config(name: str) -> dict:
        return json.loads((ROOT / "planner" / "catalog_data" / f"Qwen__{name}.json")
                          .read_text())["config"]
    real = io.resolve_model

    def resolve(asked, revision=None, *args, **kwargs):
        if asked != "acme/m":
            return real(asked, revision, *args, **kwargs)
        return ModelSource.model_validate({
            "repo_id": asked, "revision": revision, "commit_sha": None, "origin": "hub",
            "config": config("Qwen3-14B" if revision == "v2" else "Qwen3-8B"),
            "hf_quant_config": None, "checkpoint": None, "notes": ()})
    monkeypatch.setattr(io, "resolve_model", resolve)
    io.forget_hub_answers()
    try:
        at = open_page(None, model="acme/m", rev="v2", gpu="h100-sxm", gpn="1")
        assert metric(at, "KV bytes/token per GPU") == "163,840 B"
        at.switch_page("ui/pages/compare.py").run()
        assert not at.exception and not at.error
        table = at.dataframe[0].value.set_index("model")
        assert table.loc["acme/m", "KV B/token per GPU"] == 163_840
    finally:
        io.forget_hub_answers()


def test_a_model_whose_longest_request_never_completes_gets_an_amber_bar() -> None:
    # fits_cell's stalls (vLLM before 0.29 starts the plan, its longest request never
    # completes) had no colour: the Compare page's charts raised KeyError 'stalls'. No
    # confident fit, so amber as yes*; a warning marker after a space as for the others
    table = pd.DataFrame([{"model": "a/yes", "fits": "yes", "w": 1.0},
                          {"model": "b/stalls", "fits": "stalls ⚠", "w": 2.0},
                          {"model": "c/starred", "fits": "yes*", "w": 3.0},
                          {"model": "d/no", "fits": "no", "w": 4.0}])
    colors = grouped_bars(table, ["w"], "w").data[0].marker.color
    assert list(colors) == ["#54a24b", "#f2a93b", "#f2a93b", "#e45756"]


def test_each_bar_carries_its_figure() -> None:
    # the charts' axes have two or three ticks: a 40,960 ceiling beside 96,128 read only as
    # "under 50k" (helper 478's QA); each bar is labelled, a column's labels with the same
    # decimals, none for a model without the figure
    table = pd.DataFrame([{"model": "a/x", "fits": "yes", "ceiling": 40_960, "w": 14.56,
                           "c": 3.5},
                          {"model": "b/y", "fits": "yes", "ceiling": 96_128, "w": 7.0,
                           "c": None},
                          {"model": "c/z", "fits": "no", "ceiling": 1_338_624, "w": 81.2,
                           "c": 1234.0}])
    assert list(grouped_bars(table, ["ceiling"], "t").data[0].text) == [
        "40,960", "96,128", "1,338,624"]
    weights, concurrency = grouped_bars(table, ["w", "c"], "t").data
    assert list(weights.text) == ["14.56", "7.00", "81.20"]
    assert list(concurrency.text) == ["3.50", "", "1,234.00"]
    assert weights.textposition == "outside" and weights.cliponaxis is False


def test_a_refused_models_bars_are_hatched_and_marked_in_every_column() -> None:
    # under DP the concurrency chart has two bars per model (all replicas, per replica): a
    # refused model's both are hatched and marked, the others neither; the right margin holds
    # the longer figure (72 px held '1,338,624' alone)
    table = pd.DataFrame([{"model": "a/x", "fits": "no", "all": 4.36, "one": 2.18},
                          {"model": "b/y", "fits": "yes", "all": 9.0, "one": 4.5}])
    shown = {"all": ["4.36 (refused)", "9.00"], "one": ["2.18 (refused)", "4.50"]}
    every, one = grouped_bars(table, ["all", "one"], "t", [True, False], shown).data
    assert list(every.text) == shown["all"] and list(one.text) == shown["one"]
    assert list(every.marker.pattern.shape) == list(one.marker.pattern.shape) == ["/", ""]
    assert grouped_bars(table, ["all"], "t", [True, False], shown).layout.margin.r > \
        grouped_bars(table, ["all"], "t").layout.margin.r


@pytest.mark.parametrize("ctx, cmp, expected", [
    # Qwen3-32B (../shared/model-configs: max_position_embeddings 40,960, rope_scaling null,
    # so vLLM's derived max_model_len is 40,960 and 0.34.0's _get_and_verify_max_len raises on
    # 131,072 without VLLM_ALLOW_LONG_MAX_MODEL_LEN=1). KV: 64 layers x 8 KV heads x 128 x 2
    # (K, V) x 2 B = 262,144 B a token, 131,072 B per GPU at TP 2, a 64-token block
    # 8,388,608 B; the pool, 39,202,667,436 B per GPU (its plan's), holds
    # 39,202,667,436 // 8,388,608 = 4,673 blocks at either length. At 131,072 the page planned
    # it there, "no, 2.28 (refused)" (4,673 / (131,072 / 64) = 2.28), where report --compare
    # planned it at its own 40,960: 4,673 / (40,960 / 64 = 640) = 7.30. Both now: 7.30.
    ("131072", "Qwen/Qwen3-32B", {"Qwen/Qwen3-32B": ("7.30 at 40,960 (its maximum)", 40960)}),
    # at 32,768, under its maximum: 4,673 / (32,768 / 64 = 512) = 9.13, as before
    ("32768", "Qwen/Qwen3-32B", {"Qwen/Qwen3-32B": ("9.13", 32768)}),
    # Llama-3.1-8B-Instruct: max_position_embeddings 131,072, rope llama3 (vLLM leaves its
    # factor 8 out of the derived length), at 262,144: 32 layers x 8 x 128 x 2 x 2 B =
    # 131,072 B a token, 65,536 per GPU, a block 4,194,304 B; its pool 64,429,699,914 B
    # // 4,194,304 = 15,361 blocks, 15,361 / (131,072 / 64 = 2,048) = 7.50. Qwen3-32B there:
    # 7.30 at 40,960 again. The Qwen3-VL row (262,144 its own) stays at 262,144.
    ("262144", "meta-llama/Llama-3.1-8B-Instruct,Qwen/Qwen3-32B",
     {"meta-llama/Llama-3.1-8B-Instruct": ("7.50 at 131,072 (its maximum)", 131072),
      "Qwen/Qwen3-32B": ("7.30 at 40,960 (its maximum)", 40960)}),
])
def test_a_model_whose_own_maximum_is_under_the_context_is_planned_at_it_as_the_cli(
        capsys, ctx: str, cmp: str, expected: dict) -> None:
    # every column of such a row (fits, ceiling, concurrency, speed, verdict) is report
    # --compare's, and its concurrency says the length it is at, as the CLI's row does
    from tests.cli.conftest import run_main

    vl = "Qwen/Qwen3-VL-32B-Instruct"
    at = open_page("compare", model=vl, cmp=f"{vl},{cmp}", gpu="h100-sxm", gpn="2", ctx=ctx)
    assert not at.exception
    code, out, _ = run_main(capsys, "report", "--model", vl, "--compare", *cmp.split(","),
                            "--gpu", "h100-sxm", "--gpus", "2", "--max-model-len", ctx,
                            "--format", "json")
    assert code == 0
    cli = {row["model_name"]: row for row in json.loads(out)["comparison"]}
    column = f"concurrency at {int(ctx):,}"
    grid = at.dataframe[0].value.set_index("model")
    shown = _shown(at.dataframe[0]).set_index("model")[column]
    verdicts = at.table[0].value["verdict"]
    for name, (text, length) in expected.items():
        row = cli[name]
        assert shown[name] == text and row["max_model_len"] == length and row["fits"]
        assert row["max_model_len_capped"] == (length < int(ctx))
        assert f"{row['max_concurrency']:.2f}" == text.split()[0]
        assert grid.loc[name, "fits"] == "yes"
        assert grid.loc[name, "ceiling (tokens)"] == row["max_context_tokens"]
        assert grid.loc[name, "TPOT (ms)"] == round(row["tpot_ms"], 1)
        # the verdict's figures (its words after them name the page's field, not the flag)
        assert verdicts[name].startswith(row["verdict"].split(";")[0])
    assert shown[vl] == f"{cli[vl]['max_concurrency']:.2f}" and not cli[vl]["max_model_len_capped"]
    capped = "A concurrency \"at ... (its maximum)\""
    assert (capped in " ".join(c.value for c in at.caption)) == (ctx != "32768")
