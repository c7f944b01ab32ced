"""report --compare under --format csv: the CSV is the sweep's rows only (docs/reports.md), so
the comparison was planned and silently left out; a note now says so, as the CLI notes the
other flags it ignores (--tpot-ms outside --objective throughput, ...)."""

import json

from tests.cli.conftest import run_main

ARGS = ("report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len", "8192",
        "--compare", "Qwen/Qwen3-4B")


def test_csv_notes_the_comparison_it_leaves_out(capsys) -> None:
    code, out, err = run_main(capsys, *ARGS, "--format", "csv")
    assert code == 0, err
    assert out.startswith("rank,") and "Qwen/Qwen3-4B" not in out
    assert "note: --compare is ignored with --format csv" in err, err


def test_json_holds_the_comparison_without_a_note(capsys) -> None:
    code, out, err = run_main(capsys, *ARGS, "--format", "json")
    assert code == 0, err
    assert "Qwen/Qwen3-4B" in json.dumps(json.loads(out)["comparison"])
    assert "--compare is ignored" not in err
