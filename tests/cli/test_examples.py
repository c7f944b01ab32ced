"""The committed example report is what its documented command prints now, and it is right."""

import contextlib
import io
import re
from pathlib import Path

import pytest

from cli.planner_cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "seed-8x3090-qwen3-235b-w4a16.md"
COMMAND = ["report", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090",
           "--gpus", "8", "--tp", "8", "--ep", "--gpu-memory-utilization", "0.9", "--sweep",
           "--date", "2026-01-01"]


@pytest.fixture(scope="module")
def seed_report() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(COMMAND) == 0
    return out.getvalue()


def test_the_documented_command_is_the_one_tested() -> None:
    readme = (ROOT / "docs" / "examples" / "README.md").read_text()
    flat = " ".join(readme.replace("\\\n", " ").split())
    assert "python -m planner " + " ".join(COMMAND) in flat


def test_committed_example_is_current(seed_report: str) -> None:
    assert EXAMPLE.read_text() == seed_report


def test_a_checkpoint_swept_in_its_own_format_alone_has_no_kind_column(seed_report: str) -> None:
    # the seed's checkpoint is GPTQ int4: every row is in its own format, so neither a
    # "Kind" column nor the line naming the best own-format row (a BF16 checkpoint's sweep
    # has both: tests/planner/test_report.py)
    assert "| Weights | Layout |" in seed_report and "| Kind |" not in seed_report
    assert "own format" not in seed_report and "what-if" not in seed_report


def test_seed_scenario_figures(seed_report: str) -> None:
    # README seed scenario, by hand: 2 x 94 layers x 4 KV heads x 128 x 2 B = 192,512 B;
    # at TP=8 each GPU keeps max(1, 4 // 8) = 1 KV head: 2 x 94 x 1 x 128 x 2 B = 48,128 B.
    assert "total = 192,512 B per token" in seed_report
    assert "per GPU = 48,128 B per token" in seed_report
    ceiling = int(re.search(r"Context ceiling: ([\d,]+) tokens", seed_report)[1].replace(",", ""))
    # the hand-written audit's "2K-4K tokens max" was far too low: the KV pool holds ~108,000
    # tokens at 0.90 (tests/planner/serving/test_seed_scenario.py), so max_position_embeddings binds
    assert ceiling == 40_960


def test_the_reports_warm_restart_line_is_described_as_it_appears(seed_report: str) -> None:
    # README, Reports (docs/reports.md since the README split), said every report on Model
    # Runner V2 has a "Warm restart" line; the seed example runs V2 (vLLM 0.34.0, its header
    # says so) with none: V2's warm profile peak is modelled for dense text decoders only
    # (runner_v2.v2_modelled), and Qwen3-235B-A22B is an MoE. The section now names where the
    # line appears and where it does not.
    assert "- vLLM model runner: V2 " in seed_report
    assert "Warm restart" not in seed_report
    reports = " ".join((ROOT / "docs" / "reports.md").read_text(encoding="utf-8").split())
    assert "on Model Runner V2, for a text-only decoder with dense MLPs" in reports
    assert "none for an MoE, such as the seed example" in reports
