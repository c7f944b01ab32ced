"""A GPU's model number as people say it ("3090", "PRO 6000") wherever the CLI takes a GPU's
name: --gpu of plan, sweep, report and recommend, --gpu-name with --gpu-memory-gib, and a
--price's GPU. Each is read as the name with "RTX" in front (hardware.resolve_gpu_key), and a
number several product lines share ("6000": "RTX 6000") exits 2 asking which."""

import json

import pytest

from tests.cli.conftest import run_main

NOTE_3090 = ("--gpu '3090' is the rtx-3090 preset (NVIDIA GeForce RTX 3090); for the other 3090 "
             "presets give --gpu rtx-3090-ti")


@pytest.mark.parametrize("command", ["plan", "sweep", "report"])
def test_a_model_number_plans_its_preset_with_the_note_naming_the_others(capsys,
                                                                         command: str) -> None:
    code, _, err = run_main(capsys, command, "--model", "Qwen/Qwen3-0.6B", "--gpu", "3090")
    assert code == 0, err
    assert NOTE_3090 in err, err


def test_recommend_searches_the_preset_a_model_number_names(capsys) -> None:
    code, _, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-0.6B", "--gpu", "3090",
                            "--price", "3090=0.2", "--context", "8k")
    assert code == 0, err
    assert NOTE_3090 in err, err
    # the price's GPU is read as --gpu's is
    assert ("--price '3090' is the rtx-3090 preset (NVIDIA GeForce RTX 3090); for the other "
            "3090 presets give --price rtx-3090-ti=USD") in err, err


def test_a_number_several_product_lines_share_exits_2_asking_which(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", "6000")
    assert (code, out) == (2, "")
    assert err == ("python -m planner plan: error: GPU '6000' is ambiguous: did you mean "
                   "quadro-rtx-6000, rtx-6000-ada, rtx-pro-6000, rtx-pro-6000-maxq or "
                   "rtx-pro-6000-server?\n")


def test_a_gpu_name_of_a_model_number_is_that_preset_at_the_memory_given(capsys) -> None:
    # 23.57 GiB is the rtx-3090 preset's CUDA total (24,576 - 440 MiB): its own model and
    # memory, so no note; "3090" was "no preset GPU model (did you mean rtx-3090, ...)"
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu-memory-gib",
                              "23.57", "--gpu-name", "3090", "--json")
    assert code == 0, err
    assert "no preset GPU model" not in err, err
    assert json.loads(out)["gpu_name"] == "NVIDIA GeForce RTX 3090"  # the preset's NVML name


@pytest.mark.parametrize(("name", "offered"), [
    # "6000" read as "RTX 6000": every preset whose key holds both words (rtx, 6000), from
    # the preset list; --gpu-name offered near_gpu_keys' rtx-a6000, rtx-6000-ada, rtx-pro-6000
    ("6000", "quadro-rtx-6000, rtx-6000-ada, rtx-pro-6000, rtx-pro-6000-maxq or "
             "rtx-pro-6000-server"),
    # a near miss: 309 starts 3090, the model number of rtx-3090 and rtx-3090-ti
    ("309", "rtx-3090 or rtx-3090-ti"),
])
def test_gpu_and_gpu_name_offer_the_same_presets(capsys, name: str, offered: str) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", name)
    assert (code, out) == (2, "")
    assert f"did you mean {offered}?" in err, err
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu-memory-gib",
                            "40", "--gpu-name", name)
    assert code == 0, err
    assert (f"--gpu-name {name!r} is no preset GPU model (did you mean {offered}?): planned "
            "as a GPU of unknown model") in err, err
