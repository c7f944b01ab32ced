"""Every float Headroom writes into `vllm serve` reads back, through the targeted release's
parser (planner.serving.vllm_cli.option_values: argparse `type=float` for FLOAT_FLAGS,
engine/arg_utils.py get_kwargs, 0.9.1 / 0.19.0 / 0.34.0 wheels), as the float that was planned,
bit for bit: ':g' wrote --gpu-memory-utilization 0.9234567 as 0.923457, so vLLM would have
sized its budget on another fraction than the plan's."""

import json
import math

import pytest

from planner.serving.vllm_cli import command_problems, option_values, vllm_cli
from planner.units import number_as_given
from tests.cli.conftest import plan_json

QWEN3_8B = ("--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--max-model-len", "8k")
QWEN3_VL = ("--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100-sxm", "--gpus", "2")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only


def _same_float(read: float, planned: float) -> bool:
    """Equal and of the same sign: -0.0 == 0.0 in Python, so the sign is held apart."""
    return read == planned and math.copysign(1, read) == math.copysign(1, planned)


def _read_back(plan: dict, flag: str, version: str) -> list[float]:
    """`flag`'s value in each of the plan's commands, as vLLM `version`'s parser reads it
    (each command first checked to parse at all)."""
    cli = vllm_cli(version)
    commands = [plan["vllm_command"], *plan["vllm_commands"]]
    assert all(command_problems(c, cli) == [] for c in commands), commands
    return [option_values(c, cli)[flag] for c in commands]


@pytest.mark.parametrize("version", ["0.9.1", "0.19.0", "0.34.0"])
@pytest.mark.parametrize(("given", "word"), [
    # seven significant digits: ':g' kept six ("0.923457", 0.923457 != 0.9234567)
    ("0.9234567", "0.9234567"),
    # float("0.30000000000000004") is 0.1 + 0.2, one ulp above 0.3: 17 digits, all needed
    ("0.30000000000000004", "0.30000000000000004"),
    # a whole number as typed, without ".0"; float("1") is 1.0
    ("1", "1"),
])
def test_gpu_memory_utilization_reads_back_as_planned(capsys, version, given, word) -> None:
    plan = plan_json(capsys, *QWEN3_8B, "--gpu-memory-utilization", given,
                     "--vllm-version", version)
    planned = plan["engine"]["gpu_memory_utilization"]
    assert planned == float(given)
    assert f" --gpu-memory-utilization {word} " in plan["vllm_command"]
    assert all(_same_float(read, planned)
               for read in _read_back(plan, "--gpu-memory-utilization", version))


@pytest.mark.parametrize("version", ["0.13.0", "0.34.0"])
@pytest.mark.parametrize(("given", "word", "meant"), [
    ("0.12345678", "0.12345678", 0.12345678),  # ':g': 0.123457
    ("0.9999999", "0.9999999", 0.9999999),  # ':g': 1, outside vLLM's [0, 1)
    # a negative zero is the rate 0 (pruning off) the user meant, written "0": repr wrote
    # "-0", a word that reads as a flag; float("0") is +0.0
    ("-0.0", "0", 0.0),
])
def test_video_pruning_rate_reads_back_as_meant(capsys, version, given, word, meant) -> None:
    plan = plan_json(capsys, *QWEN3_VL, f"--video-pruning-rate={given}", "--vllm-version",
                     version)
    assert plan["vllm_command"].endswith(f" --video-pruning-rate {word}")
    assert all(_same_float(read, meant)
               for read in _read_back(plan, "--video-pruning-rate", version))


def test_number_as_given_writes_the_shortest_text_float_reads_back() -> None:
    # repr's shortest round-trip digits, ".0" dropped, a negative zero as 0
    # (pairs, not a dict: -0.0 and 0.0 are one key)
    cases = [(0.9234567, "0.9234567"), (1.0, "1"), (1e-05, "1e-05"), (-0.0, "0"), (0.0, "0"),
             (-0.5, "-0.5"), (1e16, "1e+16")]
    assert [(value, number_as_given(value)) for value, _ in cases] == cases
    assert all(_same_float(float(word), value or 0.0) for value, word in cases)


def test_a_float_flag_the_parser_refuses_is_named_in_argparse_words() -> None:
    # argparse's _get_value: "invalid %(type)s value: %(value)r" for type=float
    cli = vllm_cli("0.19.0")
    assert command_problems("vllm serve m --gpu-memory-utilization 0,9", cli) == [
        "vLLM 0.19.0: argument --gpu-memory-utilization: invalid float value: '0,9'"]
    with pytest.raises(ValueError, match="invalid float value"):
        option_values("vllm serve m --video-pruning-rate half", cli)


def test_hf_overrides_json_numbers_read_back_as_planned(capsys) -> None:
    # vLLM reads --hf-overrides with json.loads (engine/arg_utils.py union_dict_and_str,
    # 0.19.0 / 0.34.0 wheels; parse_type(json.loads) in 0.9.1) as Headroom does
    # (overrides.parse_hf_overrides), and json.dumps writes a float's repr: a factor of 9
    # significant digits reaches vLLM whole, as planned
    given = {"rope_scaling": {"rope_type": "yarn", "factor": 4.00000001,
                              "original_max_position_embeddings": 32768}}
    plan = plan_json(capsys, "--model", "Qwen/Qwen3-32B", "--gpu", "h100", "--gpus", "2",
                     "--hf-overrides", json.dumps(given), "--vllm-version", "0.29.0")
    planned = json.loads(plan["engine"]["hf_overrides"])
    read = [json.loads(text) for text in _read_back(plan, "--hf-overrides", "0.29.0")]
    assert planned == given and all(r == given for r in read)
    assert read[0]["rope_scaling"]["factor"] == 4.00000001
