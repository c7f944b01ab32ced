"""--video-pruning-rate / --video-pruning-method through the CLI (cli.args.add_mm_modes: plan,
sweep, report and recommend alike): vLLM's range refused in one line, the flag in every
command of a model with a tower, a text model searched beside it as without it, the JSON key
only where given. The figures are worked in tests/planner/serving/test_video_pruning.py:
Qwen3-VL-32B at vLLM 0.34.0 holds 262,144 x 4 x 128 x 2 B = 268,435,456 B of rotary cache
with pruning on, 67,108,864 B without."""

import json

import pytest

from tests.cli.conftest import plan_json, rope_cache_bytes, run_main

QWEN3_VL = ("--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100-sxm", "--gpus", "2")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only


@pytest.mark.parametrize(("rate", "why"), [
    # config/multimodal.py video_pruning_rate: Field(ge=0.0, lt=1.0), 0.11.1-0.34.0, built
    # only for a class with multimodal inputs (config/model.py __post_init__); 0.11.0's
    # `Optional[float] = None` has no range, so the message names the release
    ("1", "1 is not a fraction 0 <= R < 1: vLLM refuses it from 0.11.1 for a model with a "
     "tower"),
    ("-0.1", "-0.1 is not a fraction 0 <= R < 1: vLLM refuses it from 0.11.1"),
    # named as typed: 1.0000001 is above 1, which six significant digits (:g) wrote as "1"
    ("1.0000001", "1.0000001 is not a fraction 0 <= R < 1"),
    ("nan", "nan is not a fraction 0 <= R < 1: vLLM refuses it from 0.11.1"),
    ("half", "'half' is not a number: give a fraction 0 <= R < 1"),
])
def test_a_rate_vllm_refuses_exits_2_in_one_line(capsys, rate, why) -> None:
    for command in ("plan", "sweep", "report"):
        with pytest.raises(SystemExit) as refused:  # argparse's refusal of the value
            run_main(capsys, command, *QWEN3_VL, "--video-pruning-rate", rate)
        out, err = capsys.readouterr()
        assert refused.value.code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert f"argument --video-pruning-rate: {why}" in err, err


def test_plan_json_holds_the_rate_only_where_given(capsys) -> None:
    pruned = plan_json(capsys, *QWEN3_VL, "--video-pruning-rate", "0.75")
    plain = plan_json(capsys, *QWEN3_VL)
    assert pruned["engine"]["video_pruning_rate"] == 0.75
    assert "video_pruning_method" not in pruned["engine"]
    assert "video_pruning_rate" not in plain["engine"]
    assert pruned["vllm_command"].endswith(" --video-pruning-rate 0.75")
    assert (rope_cache_bytes(pruned), rope_cache_bytes(plain)) == (268_435_456, 67_108_864)


@pytest.mark.parametrize(("rate", "passed"), [
    # the launch command passes the rate vLLM is to read, not one rounded to 6 significant
    # digits: 0.9999999 as 1 is outside vLLM's [0, 1) (Field(ge=0.0, lt=1.0), 0.11.1-0.34.0)
    # and 0.12345678 as 0.123457 another rate
    ("0.9999999", "0.9999999"), ("0.12345678", "0.12345678"),
    # a whole number as the CLI took it; a tiny rate in Python's float syntax, which vLLM's
    # argparse `float` reads back
    ("0", "0"), ("0.00001", "1e-05"),
])
def test_the_command_passes_the_rate_as_given(capsys, rate, passed) -> None:
    planned = plan_json(capsys, *QWEN3_VL, "--video-pruning-rate", rate)
    assert planned["vllm_command"].endswith(f" --video-pruning-rate {passed}")
    assert float(passed) == float(rate) == planned["engine"]["video_pruning_rate"]


def test_report_and_sweep_plan_it_as_plan_does(capsys) -> None:
    code, out, err = run_main(capsys, "report", *QWEN3_VL, "--video-pruning-rate", "0.75")
    assert code == 0, err
    assert "262,144 positions x 4 = 1,048,576 rows x 128 x 2 B = 268,435,456 B" in out
    code, out, err = run_main(capsys, "sweep", *QWEN3_VL, "--video-pruning-rate", "0.75",
                              "--json")
    assert code == 0, err
    commands = [row["vllm_command"] for row in json.loads(out)["rows"] if row["vllm_command"]]
    assert commands and all(c.endswith(" --video-pruning-rate 0.75") for c in commands)


def test_recommend_leaves_a_text_model_as_without_it(capsys) -> None:
    # vLLM builds no MultiModalConfig for Qwen3-8B: searched and launched without the flag
    # (mm_modes.TOWER_SETTINGS); the engine block carries it under plan's key
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-VL-32B-Instruct",
                              "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--top", "4",
                              "--video-pruning-rate", "0.75", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found["engine"]["video_pruning_rate"] == 0.75
    rows = {row["model_name"]: row["vllm_command"] for row in found["rows"]}
    assert rows["Qwen/Qwen3-VL-32B-Instruct"].endswith(" --video-pruning-rate 0.75")
    assert "--video-pruning-rate" not in rows["Qwen/Qwen3-8B"]
