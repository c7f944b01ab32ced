"""Plan page, "More vLLM options": Video pruning rate (vLLM --video-pruning-rate, link key
vprune) gives the CLI's plan with the same flag, offered for a model with a vision tower on a
release whose parser has it, dropped in the CLI's words elsewhere.

Qwen3-VL-32B on vLLM 0.34.0 (../shared/model-configs/Qwen__Qwen3-VL-32B-Instruct.json: text
max_position_embeddings 262,144, head_dim 128, mrope_section): pruning on builds the rotary
cache with mrope_positions_factor 4 (qwen3_vl.py), 262,144 x 4 x 128 x 2 B = 268,435,456 B a
GPU against 67,108,864 B without: 201,326,592 B more weights per GPU.
"""

import json

import pytest

from cli.planner_cli import main
from tests.app.conftest import launch_command, metric, more_options, open_page
from ui import format as fmt
from ui.state import LABELS

QWEN3_VL = {"model": "Qwen/Qwen3-VL-32B-Instruct", "gpu": "h100-sxm", "gpn": "2",
            "len": "32768"}
CLI_QWEN3_VL = ["--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100-sxm", "--gpus", "2",
                "--max-model-len", "32768"]


def _cli_plan(capsys: pytest.CaptureFixture, *flags: str) -> dict:
    capsys.readouterr()
    assert main(["plan", *flags, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_rate_gives_the_clis_plan(capsys) -> None:
    at = open_page(None, **QWEN3_VL)
    assert not at.exception
    plain = metric(at, "Weights per GPU")
    at.number_input(key="plan.video_pruning_rate").set_value(0.75).run()
    assert not at.exception
    cli = _cli_plan(capsys, *CLI_QWEN3_VL, "--video-pruning-rate", "0.75")
    assert metric(at, "Weights per GPU") == fmt.gib(cli["weights_bytes_per_gpu"]) != plain
    assert launch_command(at) == cli["vllm_command"]
    assert launch_command(at).endswith(" --video-pruning-rate 0.75")
    assert at.query_params["vprune"] == "0.75"
    assert more_options(at) == "More vLLM options (1 set)"
    without = _cli_plan(capsys, *CLI_QWEN3_VL)
    assert cli["weights_bytes_per_gpu"] - without["weights_bytes_per_gpu"] == 201_326_592


def test_a_link_on_a_text_model_is_dropped() -> None:
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="h100-sxm", vprune="0.5")
    assert not at.exception
    label = LABELS["video_pruning_rate"]
    assert [w.value for w in at.main.warning if label in w.value] == [
        f"{label} = 0.5 is not possible here: Qwen/Qwen3-8B has no vision tower to prune "
        f"video for. Showing {label} = not passed instead."]
    assert not [w for w in at.number_input if w.key == "plan.video_pruning_rate"]
    assert "--video-pruning-rate" not in launch_command(at)


def test_a_release_without_the_flag_drops_it_in_the_clis_words() -> None:
    # the flag arrives in vLLM 0.11.0 (vllm_cli fixtures; the CLI exits 2 on 0.10.2)
    at = open_page(None, **QWEN3_VL, vllm="0.10.2", vprune="0.5")
    assert not at.exception
    label = LABELS["video_pruning_rate"]
    assert [w.value for w in at.main.warning if label in w.value] == [
        f"{label} = 0.5 is not possible here: vLLM 0.10.2: unrecognized arguments: "
        "--video-pruning-rate (the flag arrives in vLLM 0.11.0). Showing "
        f"{label} = not passed instead."]
    assert not [w for w in at.number_input if w.key == "plan.video_pruning_rate"]
