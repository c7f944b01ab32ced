"""Report page: the same report the CLI writes, previewed and downloadable."""

import contextlib
import datetime as dt
import io

import pytest

from cli.planner_cli import main
from tests.app.conftest import open_page

SEED_MODEL = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
SEED_URL = {"hw": "preset", "gpu": "rtx-3090", "gpn": "8", "nodes": "1", "model": SEED_MODEL,
            "tp": "8", "pp": "1", "gmu": "0.9"}
SEED_FLAGS = ["--model", SEED_MODEL, "--gpu", "rtx-3090", "--gpus", "8", "--tp", "8",
              "--gpu-memory-utilization", "0.9"]
DATE = dt.date(2026, 1, 1)


def cli_report(*flags: str, seed: list[str] = SEED_FLAGS) -> str:
    """What `python -m planner report ...` prints (in-process, stdout captured)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", *seed, "--date", DATE.isoformat(), *flags]) == 0
    return out.getvalue()


def test_report_preview_and_downloads() -> None:
    at = open_page("report")
    assert not at.exception
    markdown = at.main.markdown[-1].value
    assert markdown.startswith("# Headroom report: Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    assert "preset: 8x NVIDIA GeForce RTX 3090" in markdown
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download Markdown", "Download JSON", "Download sweep CSV"]


LOAD_URL = {"in": "2048", "out": "256", "conc": "6", "obj": "throughput", "tpot": "40"}
LOAD_FLAGS = ["--input-len", "2048", "--output-len", "256", "--concurrency", "6",
              "--objective", "throughput", "--tpot-ms", "40"]


@pytest.mark.parametrize("ep, with_sweep, load, utilization", [
    (False, True, False, True), (True, False, False, False), (True, True, True, True)],
    ids=["no EP, sweep", "EP, no sweep, the release's utilization",
         "EP, sweep, load and objective"])
def test_report_page_is_the_cli_report(ep: bool, with_sweep: bool, load: bool,
                                       utilization: bool) -> None:
    # Issue 7, done when: the Report page and `python -m planner report` produce the same
    # Markdown for the same inputs (seed scenario, same layout, sweep choice and date).
    # Issue 10: and the same speed, the sweep's rows at the same load ranked by the same
    # objective (the Plan page's load and objective in the link; CLI: the same flags).
    # Without gmu and --gpu-memory-utilization: vLLM 0.34.0's default, 0.92, on both.
    url = SEED_URL if utilization else {k: v for k, v in SEED_URL.items() if k != "gmu"}
    at = open_page("report", **url, ep="1" if ep else "0", **(LOAD_URL if load else {}))
    at.date_input(key="report.date").set_value(DATE)
    at.checkbox(key="report.sweep").set_value(with_sweep).run()
    assert not at.exception
    page = at.main.markdown[-1].value
    cli = cli_report(*(["--ep"] if ep else []), *(["--sweep"] if with_sweep else []),
                     *(LOAD_FLAGS if load else []),
                     seed=SEED_FLAGS if utilization else SEED_FLAGS[:-2])
    assert page == cli.rstrip("\n")  # st.markdown drops the file's final newline, nothing else
    assert f"--gpu-memory-utilization {'0.9' if utilization else '0.92'} " in page
    assert "## Alternatives" in page if with_sweep else "## Alternatives" not in page
    command = page.split("## Launch\n\n```bash\n", 1)[1].split("\n```", 1)[0]
    assert command.startswith("vllm serve ")
    assert ("\n  --enable-expert-parallel \\\n" in command) == ep
    # TP=8 without EP: the Marlin MoE fallback and the advice to enable EP are in the report
    assert ("fall back from the Marlin MoE kernel" in page) == (not ep)
    assert "KV cache alone holds" in page  # the KV-limited context beside the capped ceiling
    assert "MAPE over" in page  # the measured accuracy figures reach both


def test_report_with_comparison_and_audit() -> None:
    models = "Qwen/Qwen3-235B-A22B-GPTQ-Int4,Qwen/Qwen3-8B"
    at = open_page("report", cmp=models, conc="2")
    at.checkbox(key="report.compare").check().run()
    assert not at.exception
    page = at.main.markdown[-1].value
    assert "Qwen/Qwen3-8B" in page
    # the comparison's speed is the Compare page's, at the same load
    assert "2 requests in flight, capped by each KV cache" in page
    row = next(line for line in page.splitlines() if line.startswith("| Qwen/Qwen3-8B |"))
    ttft, tpot, tokens, at_concurrency = [c.strip() for c in row.strip("|").split("|")][-4:]
    compare = open_page("compare", cmp=models, conc="2")
    table = compare.dataframe[0].value.set_index("model")
    assert tpot == f"{table.loc['Qwen/Qwen3-8B', 'TPOT (ms)']:,.1f}"
    assert ttft == f"{table.loc['Qwen/Qwen3-8B', 'TTFT (ms)']:,.0f}"
    assert tokens == f"{table.loc['Qwen/Qwen3-8B', 'output tok/s']:,.0f}" and at_concurrency == "2"


def test_the_compared_models_are_at_the_plans_max_model_len_as_in_the_cli(capsys) -> None:
    # The seed with the Compare page's default models (h446): the table, titled "on the same
    # hardware and settings", had the seed at 40,960 and the others at the Compare page's
    # 32,768 ("2.94 at 32,768" for Meta-Llama-3.1-70B), while `report --compare` planned each
    # at its own default (131,072: "no, 0.73"). Both now plan every model at the plan's
    # 40,960 (Qwen3-235B's max_position_embeddings), the page saying that the Compare page's
    # context differs. By hand (vLLM 0.34.0's 64-token blocks, 40,960 / 64 = 640 a request):
    # - Qwen3-30B-A3B: 48 layers, 4 KV heads of 128, bf16: 2 x 48 x 4 x 128 x 2 = 98,304 B a
    #   token; at TP=8 the 4 KV heads are replicated, one a GPU: 24,576 B a token per GPU
    # - Meta-Llama-3.1-70B: 80 layers, 8 KV heads of 8,192 / 64 = 128, bf16: 327,680 B a
    #   token, 40,960 per GPU at TP=8 (tests/cli/test_report_compare_max_model_len.py)
    from tests.cli.test_report_compare_max_model_len import LLAMA, pool_blocks

    qwen30 = "Qwen/Qwen3-30B-A3B"
    at = open_page("report", **SEED_URL, ep="1")
    at.date_input(key="report.date").set_value(DATE)
    at.checkbox(key="report.compare").check().run()
    assert not at.exception and not at.error
    page = at.main.markdown[-1].value
    assert page == cli_report("--ep", "--compare", qwen30, LLAMA).rstrip("\n")
    assert ("The compared models are at this plan's max_model_len, 40,960 (or a model's own "
            "maximum where that is lower), as `report --compare` plans them; the Compare page "
            "plans them at its own context, 32,768" in [c.value for c in at.caption][0])
    concurrency = {qwen30: pool_blocks(capsys, qwen30, 24_576, "--ep") / 640,
                   LLAMA: pool_blocks(capsys, LLAMA, 40_960, "--max-model-len", "40960") / 640}
    for model, kv_bytes in ((qwen30, "98,304"), (LLAMA, "327,680")):
        cells = next(line for line in page.splitlines()
                     if line.startswith(f"| {model} |")).split(" | ")
        # KV B/token, Fits, (Ceiling), Concurrency at max_model_len
        assert (cells[4], cells[5], cells[7]) == (
            kv_bytes, "yes", f"{concurrency[model]:.2f} at 40,960")


def test_report_of_a_hardware_that_cannot_be_planned_is_an_inline_error() -> None:
    at = open_page("report", hw="audit")  # this test machine has no GPU
    assert not at.exception
    assert any(e.value.startswith("Cannot build the report") for e in at.error)


def test_report_page_load_and_objective_controls_are_the_clis_flags() -> None:
    # the Report page's own load and ranking controls: changing them there gives the CLI's
    # report with the same flags, speed columns in the Alternatives table included
    at = open_page("report", **SEED_URL, ep="1")
    at.date_input(key="report.date").set_value(DATE)
    at.checkbox(key="report.sweep").check().run()
    at.number_input(key="report.concurrency").set_value(4).run()
    at.selectbox(key="report.sweep_objective").set_value("fewest-gpus").run()
    assert not at.exception
    page = at.main.markdown[-1].value
    cli = cli_report("--ep", "--sweep", "--concurrency", "4", "--objective", "fewest-gpus")
    assert page == cli.rstrip("\n")
    alternatives = page.split("## Alternatives")[1].split("## ")[0]
    header = next(line for line in alternatives.splitlines() if line.startswith("| \\#"))
    assert header.endswith("| TTFT ms | TPOT ms | Output tok/s | At concurrency |")
    assert "4 requests in flight, capped by the KV cache; ranked by fewest-gpus" in alternatives
    # one state: the Plan page's load and objective moved too (and the link with them)
    assert at.query_params["conc"] == "4" and at.query_params["obj"] == "fewest-gpus"


def test_a_layout_nobody_chose_is_said_in_both_reports() -> None:
    # Two nodes of 8 RTX 3090 with no TP picked: the seed model fits one node at TP=8, so
    # the hardware's layout is a replica per node, TP=8 x DP=2 (planner.serving.auto_layout),
    # and the report says how it was chosen; the Report page and the CLI agree.
    url = {k: v for k, v in SEED_URL.items() if k not in ("tp", "pp")} | {"nodes": "2"}
    at = open_page("report", **url, ep="1")
    at.date_input(key="report.date").set_value(DATE).run()
    assert not at.exception
    page = at.main.markdown[-1].value
    flags = ["--model", SEED_MODEL, "--gpu", "rtx-3090", "--gpus", "16", "--nodes", "2",
             "--gpu-memory-utilization", "0.9", "--ep"]
    cli = cli_report(seed=flags)
    assert page == cli.rstrip("\n")
    assert "- Configuration: TP=8 x DP=2 + EP on 16x" in page
    assert "- Layout chosen for this hardware: TP = GPUs per node" in page
    assert "Layout chosen for this hardware" not in cli_report()  # --tp 8 given: no line


def test_the_reports_choices_stay_after_a_visit_to_another_page() -> None:
    # Streamlit forgets a widget's value once its page is left: back from the Plan page, the
    # sweep was left out again and the header's date was today's, so the download no longer
    # matched `report --ep --sweep --date 2026-01-01`
    at = open_page("report", **SEED_URL)
    at.date_input(key="report.date").set_value(DATE)
    at.checkbox(key="report.sweep").check().run()
    at.switch_page("ui/pages/plan.py")
    at.run()
    at.switch_page("ui/pages/report.py")
    at.run()
    assert not at.exception
    assert at.checkbox(key="report.sweep").value and at.date_input(key="report.date").value == DATE
    assert at.main.markdown[-1].value == cli_report("--ep", "--sweep").rstrip("\n")


def test_a_compared_model_that_cannot_be_planned_is_named_with_the_way_out() -> None:
    # offline, a Compare page model outside the catalog cannot be read: the report, which
    # includes the Compare page's models, failed with the hub's message alone, no page named
    at = open_page("report", cmp="Qwen/Qwen3-8B,nobody/no-such-model")
    at.checkbox(key="report.compare").check().run()
    assert not at.exception
    message = at.error[0].value
    assert message.startswith("Cannot build the report: nobody/no-such-model (a Compare page "
                              "model): HF_HUB_OFFLINE is set")
    assert message.endswith("remove it on the Compare page or untick 'Include the Compare "
                            "page's models'.")
    at.checkbox(key="report.compare").uncheck().run()
    assert not at.error and at.main.markdown[-1].value.startswith("# Headroom report: ")


def test_nodes_of_two_gpu_models_are_each_named_on_the_plan_and_report_pages() -> None:
    # the recorded 8x RTX 3090 rig (node 0) and 8 RTX 4090s: Qwen3-8B at TP=8 x PP=2 runs on
    # all 16, 8 of each (ranks fill the nodes in order). The report's configuration named node
    # 0's model for all ("on 16x NVIDIA GeForce RTX 3090"); the Plan page names no count of
    # GPUs but its idle line, which names each node's
    import json

    from tests.cli.conftest import SNAPSHOT, rtx4090_rig

    at = open_page("hardware", hw="snapshots", model="Qwen/Qwen3-8B", tp="8", pp="2")
    at.get("file_uploader")[0].set_value(
        [("a.json", SNAPSHOT.read_bytes(), "application/json"),
         ("b.json", json.dumps(rtx4090_rig()).encode(), "application/json")]).run()
    assert not at.exception
    at.switch_page("ui/pages/plan.py").run()
    assert not at.exception
    assert [i.value for i in at.info if i.value.startswith("This layout")] == [
        "This layout uses all 16 GPUs: 8x NVIDIA GeForce RTX 3090 (node 0), 8x NVIDIA GeForce "
        "RTX 4090 (node 1)."]
    at.switch_page("ui/pages/report.py").run()
    assert not at.exception
    report = next(m.value for m in at.markdown if m.value.startswith("# Headroom report"))
    assert ("- Configuration: TP=8 x PP=2 on 8x NVIDIA GeForce RTX 3090 + 8x NVIDIA GeForce "
            "RTX 4090, weights") in report
    assert "16x NVIDIA GeForce RTX 3090" not in report


def test_the_tpot_target_label_is_short_and_says_its_ranking_in_its_help() -> None:
    # "TPOT target (ms, throughput ranking)" took two lines in the Report page's narrower
    # column at 1280 px, its field below the others (tests/browser checks the line-up)
    field = open_page("report").number_input(key="report.tpot_target_ms")
    assert field.label == "TPOT target (ms)"
    assert field.help.startswith("ranking by highest throughput only: ")
