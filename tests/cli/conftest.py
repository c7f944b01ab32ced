"""Shared by the CLI tests: the `model_dir` fixture (a folder holding the tiny config.json,
as `--model` accepts it) and run_main (`python -m planner` in-process)."""

import json
from pathlib import Path

import pytest

from cli.planner_cli import main
from tests.cli.tiny_model import TINY_CONFIG


@pytest.fixture()
def model_dir(tmp_path: Path) -> Path:
    """A folder holding the tiny config.json, as `--model` accepts it."""
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG))
    return tmp_path


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """`python -m planner ARGV` in-process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err
