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


def cli_report(*flags: str) -> str:
    """What `python -m planner report ...` prints (in-process, stdout captured)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", *SEED_FLAGS, "--date", DATE.isoformat(), *flags]) == 0
    return out.getvalue()


def test_report_preview_and_downloads() -> None:
    at = open_page("report")
    assert not at.exception
    markdown = at.main.markdown[-1].value
    assert markdown.startswith("# Headroom report: Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    assert "preset: 8x NVIDIA GeForce RTX 3090" in markdown
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download Markdown", "Download JSON", "Download sweep CSV"]


@pytest.mark.parametrize("ep, with_sweep", [(False, True), (True, False)],
                         ids=["no EP, sweep", "EP, no sweep"])
def test_report_page_is_the_cli_report(ep: bool, with_sweep: bool) -> None:
    # Issue 7, done when: the Report page and `python -m planner report` produce the same
    # Markdown for the same inputs (seed scenario, same layout, sweep choice and date).
    at = open_page("report", **SEED_URL, ep="1" if ep else "0")
    at.date_input(key="report.date").set_value(DATE)
    at.checkbox(key="report.sweep").set_value(with_sweep).run()
    assert not at.exception
    page = at.main.markdown[-1].value
    cli = cli_report(*(["--ep"] if ep else []), *(["--sweep"] if with_sweep else []))
    assert page == cli.rstrip("\n")  # st.markdown drops the file's final newline, nothing else
    assert "## Alternatives" in page if with_sweep else "## Alternatives" not in page
    command = next(line for line in page.splitlines() if line.startswith("vllm serve"))
    assert ("--enable-expert-parallel" in command) == ep
    # TP=8 without EP: the Marlin MoE fallback and the advice to enable EP are in the report
    assert ("fall back from the Marlin MoE kernel" in page) == (not ep)
    assert "KV cache alone holds" in page  # the KV-limited context beside the capped ceiling
    assert "MAPE over" in page  # the measured accuracy figures reach both


def test_report_with_comparison_and_audit() -> None:
    at = open_page("report", cmp="Qwen/Qwen3-235B-A22B-GPTQ-Int4,Qwen/Qwen3-8B")
    at.checkbox(key="report.compare").check().run()
    assert not at.exception
    assert "Qwen/Qwen3-8B" in at.main.markdown[-1].value


def test_report_of_a_hardware_that_cannot_be_planned_is_an_inline_error() -> None:
    at = open_page("report", hw="audit")  # this test machine has no GPU
    assert not at.exception
    assert any(e.value.startswith("Cannot build the report") for e in at.error)
