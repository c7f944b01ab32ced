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



def test_the_plan_headline_says_wsl2(capsys) -> None:
    # as sweep's and report's hardware line do ("... at 15.92 GiB (WSL2)"); plan's read the
    # same with and without --wsl2
    code, out, _ = run_main(capsys, *PLAN, "--gpu", "rtx-5070-ti", "--wsl2")
    assert code == 0
    assert out.splitlines()[0] == "Qwen/Qwen3-0.6B on 1x NVIDIA GeForce RTX 5070 Ti (WSL2), TP=1"
    _, out, _ = run_main(capsys, *PLAN, "--gpu", "rtx-5070-ti")
    assert out.splitlines()[0] == "Qwen/Qwen3-0.6B on 1x NVIDIA GeForce RTX 5070 Ti, TP=1"


@pytest.mark.parametrize(("gpu", "budget"), [
    # nvidia-smi MiB x 0.9 / 1024: 12288 -> 10.80, 49140 -> 43.19, 23028 -> 20.24, 46068 ->
    # 40.49, 40960 -> 36.00, 81920 -> 72.00, 81559 -> 71.68 GiB
    ("rtx-3060", "ceil(12.00 GiB x 0.9) = 10.80 GiB"),
    ("rtx-a6000", "ceil(47.99 GiB x 0.9) = 43.19 GiB"),
    ("a10", "ceil(22.49 GiB x 0.9) = 20.24 GiB"),
    ("a40", "ceil(44.99 GiB x 0.9) = 40.49 GiB"),
    ("l40", "ceil(44.99 GiB x 0.9) = 40.49 GiB"),
    ("a100-40gb", "ceil(40.00 GiB x 0.9) = 36.00 GiB"),
    ("a100-80gb", "ceil(80.00 GiB x 0.9) = 72.00 GiB"),
    ("a100-80gb-pcie", "ceil(80.00 GiB x 0.9) = 72.00 GiB"),
    ("h100-pcie", "ceil(79.65 GiB x 0.9) = 71.68 GiB"),
])
def test_wsl2_plans_the_presets_given_an_nvidia_smi_total(capsys, gpu: str,
                                                          budget: str) -> None:
    code, out, _ = run_main(capsys, *PLAN, "--gpu", gpu, "--wsl2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["wsl2"] is True
    assert next(t for t in data["terms"] if t["key"] == "budget")["formula"] == budget


def test_a_preset_without_an_nvidia_smi_total_exits_2() -> None:
    done = run("planner", *PLAN, "--gpu", "v100-32gb", "--wsl2",
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: --wsl2: no nvidia-smi total "
                          "is on record for v100-32gb", "give --gpu-memory-gib X")



def test_the_gpu_name_to_give_is_quoted_for_the_shell(capsys) -> None:
    # "DGX Spark" (two words) read "with --gpu-name DGX Spark.": pasted, the shell passes
    # --gpu-name DGX and an unknown argument Spark
    code, _, err = run_main(capsys, *PLAN, "--gpu", "DGX Spark", "--wsl2")
    assert code == 2 and err.rstrip().endswith("with --gpu-name 'DGX Spark'.")
    code, _, err = run_main(capsys, *PLAN, "--gpu", "v100-32gb", "--wsl2")
    assert code == 2 and err.rstrip().endswith("with --gpu-name v100-32gb.")


def test_the_recommend_heading_says_wsl2(capsys) -> None:
    # the table's memory figures are the WSL2 totals: the heading says so, as plan's first line
    args = ("recommend", "--model", "Qwen/Qwen3-0.6B", "--context", "4096", "--gpu",
            "rtx-4090", "--gpus-max", "1")
    code, out, _ = run_main(capsys, *args, "--wsl2")
    assert code == 0
    assert out.splitlines()[0].endswith("; GPUs under Windows WSL2, each on its nvidia-smi total")
    code, out, _ = run_main(capsys, *args)
    assert code == 0 and "WSL2" not in out.splitlines()[0]


def test_recommend_refuses_a_named_preset_without_a_total(capsys) -> None:
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-0.6B", "--context",
                              "4096", "--gpu", "v100-32gb", "--wsl2")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--wsl2: no nvidia-smi total is on record for v100-32gb" in err
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
