"""--wsl2 through the real command line: a preset planned on its whole nvidia-smi total, the
one-line refusal where no total is on record, and the note where a total is given.

Figures by hand: nvidia-smi MiB x 2**20 bytes; the WSL2 logs' totals in
bench/public_memory_runs.json.
"""

import json
import os

import pytest

from cli.args import build_parser
from tests.cli.conftest import run_main
from tests.cli.test_bad_inputs import SNAPSHOT, assert_one_line_error, run

PLAN = ("plan", "--model", "Qwen/Qwen3-0.6B", "--max-model-len", "4096",
        "--gpu-memory-utilization", "0.9")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize("command", ["plan", "sweep", "report", "recommend"])
def test_every_command_that_takes_gpu_takes_wsl2(command: str) -> None:
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    flags = {flag for action in sub._actions for flag in action.option_strings}
    assert {"--gpu", "--wsl2"} <= flags


def test_wsl2_plans_the_whole_nvidia_smi_total(capsys) -> None:
    code, out, _ = run_main(capsys, *PLAN, "--gpu", "rtx-5070-ti", "--wsl2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["wsl2"] is True
    budget = next(t for t in data["terms"] if t["key"] == "budget")
    # 16303 MiB = 15.92 GiB; x 0.9 = 14,672.7 MiB = 14.33 GiB
    assert budget["formula"] == "ceil(15.92 GiB x 0.9) = 14.33 GiB"
    assert "total 15.92 GiB (WSL2) = 17,094,934,528 B" in budget["note"]
    code, out, _ = run_main(capsys, *PLAN, "--gpu", "rtx-5070-ti", "--json")
    native = json.loads(out)
    # without --wsl2: 16303 - 512 MiB = 15791 MiB = 15.42 GiB, x 0.9 = 13.88 GiB
    assert native["wsl2"] is False
    assert next(t for t in native["terms"] if t["key"] == "budget")["formula"] \
        == "ceil(15.42 GiB x 0.9) = 13.88 GiB"


def test_a_preset_without_an_nvidia_smi_total_exits_2() -> None:
    done = run("planner", *PLAN, "--gpu", "a100-80gb", "--wsl2",
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: --wsl2: no nvidia-smi total "
                          "is on record for a100-80gb", "give --gpu-memory-gib X")


def test_recommend_refuses_a_named_preset_without_a_total(capsys) -> None:
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-0.6B", "--context",
                              "4096", "--gpu", "h100-pcie", "--wsl2")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--wsl2: no nvidia-smi total is on record for h100-pcie" in err
    assert "--gpu-memory-gib X" in err


def test_a_total_given_or_measured_wins_and_the_note_says_so(capsys) -> None:
    code, out, err = run_main(capsys, *PLAN, "--gpu-memory-gib", "20", "--gpu-name",
                              "rtx-4090", "--wsl2", "--json")
    assert code == 0
    assert "--wsl2 changes nothing here: --gpu-memory-gib is the total CUDA reports" in err
    data = json.loads(out)
    assert data["wsl2"] is False
    # 20 GiB x 0.9 = 18 GiB
    assert next(t for t in data["terms"] if t["key"] == "budget")["formula"] \
        == "ceil(20.00 GiB x 0.9) = 18.00 GiB"
    code, _, err = run_main(capsys, *PLAN, "--snapshot", str(SNAPSHOT), "--wsl2")
    assert code == 0
    assert "--wsl2 changes nothing here: the snapshots' totals are measured" in err
