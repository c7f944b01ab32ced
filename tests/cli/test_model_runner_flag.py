"""--model-runner on plan, sweep, report and recommend (planner.serving.runner_choice): the
runner asked, the variable in the command, and one line, exit 2, where vLLM cannot run it."""

import json

import pytest

from tests.cli.conftest import run_main

PLAN = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm"]


def test_plan_json_carries_the_runner_asked(capsys) -> None:
    # Qwen3-8B runs V2 at 0.28.0; asked V1 it holds V1's buffers (inputs_embeds 8,192 x 4,096
    # x 2 B + the block table 1,024 x 2,560 x 4 B = 77,594,624 B, test_runner_choice)
    code, out, _ = run_main(capsys, *PLAN, "--vllm-version", "0.28.0", "--model-runner", "v1",
                            "--json")
    data = json.loads(out)
    assert code == 0 and data["model_runner"] == "v1"
    assert data["engine"]["model_runner"] == "v1"
    assert data["runner_buffer_bytes_per_gpu"] == 77_594_624
    assert data["vllm_command"].startswith("VLLM_USE_V2_MODEL_RUNNER=0 vllm serve Qwen/Qwen3-8B")
    code, out, _ = run_main(capsys, *PLAN, "--vllm-version", "0.28.0", "--json")
    assert "model_runner" not in json.loads(out)["engine"]  # auto: the dump as it was


@pytest.mark.parametrize("command", [
    ["sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "1"],
    ["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--date", "2026-01-01"],
    ["recommend", "--model", "Qwen/Qwen3-8B", "--context", "8192", "--gpu", "h100-sxm"],
])
def test_every_command_takes_it_and_puts_it_in_the_command(capsys, command) -> None:
    code, out, _ = run_main(capsys, *command, "--vllm-version", "0.30.0", "--model-runner", "v1")
    assert code == 0 and "VLLM_USE_V2_MODEL_RUNNER=0 vllm serve Qwen/Qwen3-8B" in out


@pytest.mark.parametrize(("argv", "words"), [
    ([*PLAN, "--vllm-version", "0.34.0", "--model-runner", "v1"],
     "vLLM 0.34.0 has no Model Runner V1"),
    ([*PLAN, "--vllm-version", "0.11.1", "--model-runner", "v2"],
     "vLLM 0.11.1 has no VLLM_USE_V2_MODEL_RUNNER"),
    (["recommend", "--model", "Qwen/Qwen3-8B", "--context", "8192", "--model-runner", "v1"],
     "vLLM 0.34.0 has no Model Runner V1"),
    (["plan", "--model", "Qwen/Qwen3-Next-80B-A3B-Instruct", "--gpu", "h100-sxm", "--gpus", "4",
      "--vllm-version", "0.22.0", "--model-runner", "v2"],
     '"VLLM_USE_V2_MODEL_RUNNER does not yet support: hybrid/mamba models"'),
])
def test_a_runner_vllm_cannot_run_exits_2_in_one_line(capsys, argv, words) -> None:
    code, _, err = run_main(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert words in err, err
