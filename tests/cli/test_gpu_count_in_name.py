"""A GPU count written into --gpu ("8x H100", "2 x RTX 3090", "RTX 3090 x2", "2 RTX 3090"), as
people write a rig, gets the flags that say it: it was "unknown GPU preset '8x H100'; did you
mean h100-sxm, ..." followed by every preset key and advice to plan a GPU no preset has."""

import pytest

from tests.cli.conftest import run_main


@pytest.mark.parametrize(("gpu", "fix"), [
    ("8x H100", "--gpu H100 --gpus 8"),
    ("2 x RTX 3090", "--gpu 'RTX 3090' --gpus 2"),
    ("RTX 3090 x2", "--gpu 'RTX 3090' --gpus 2"),
    ("4×L40S", "--gpu L40S --gpus 4"),
    ("2 RTX 3090", "--gpu 'RTX 3090' --gpus 2"),
])
def test_the_count_is_named(capsys, gpu: str, fix: str) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", gpu)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.rstrip().endswith(f"--gpu {gpu!r} holds a GPU count: give {fix}."), err


def test_a_count_in_gpu_name_is_named(capsys) -> None:
    # with --gpu-memory-gib, '8x H100' was planned as one GPU of unknown model, so fp16 only
    with pytest.raises(SystemExit) as refused:  # argparse's refusal of the value
        run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib", "40",
                 "--gpu-name", "8x H100")
    out, err = capsys.readouterr()
    assert refused.value.code == 2 and out == "", err
    assert err == ("python -m planner plan: error: argument --gpu-name: '8x H100' holds a GPU "
                   "count: give --gpu-name H100 --gpus 8.\n")


def test_a_name_that_is_no_preset_with_a_count_stays_unknown(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "3x Tesla P100")
    assert code == 2 and "unknown GPU preset '3x Tesla P100'" in err, err


@pytest.mark.parametrize("gpu", ["H100 80", "RTX 3090 24"])
def test_a_bare_number_after_the_name_is_no_count(capsys, gpu: str) -> None:
    # a memory size as people write it: "holds a GPU count: give --gpus 80" would misread it
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", gpu)
    assert code == 2 and f"unknown GPU preset {gpu!r}; did you mean" in err, err
    assert "holds a GPU count" not in err


def test_the_fix_plans(capsys) -> None:
    """The flags every count form above is told to give (and the unquoted words' advice,
    tests/cli/test_bad_inputs.py) plan, in one step."""
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "RTX 3090",
                              "--gpus", "2", "--max-model-len", "8192")
    assert code == 0, err
    assert out.startswith("Qwen/Qwen3-8B on 2x NVIDIA GeForce RTX 3090, "), out
