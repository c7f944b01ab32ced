"""A custom GPU given only by its memory (--gpu-memory-gib without --gpu-name) has no compute
capability, so Headroom plans it with fp32 and fp16 only (hardware.custom_gpu), as vLLM
serves a card below compute capability 8.0 (platforms/cuda.py supported_dtypes;
engine.served_dtype): gemma-2-9b-it, whose config says float32 and which vLLM will not run
in float16, is planned in FP32, 9,241,705,984 x 4 B = 34.4 GiB of weights, where any recent
GPU loads bfloat16 (17.2 GiB). It did so silently; the plan now says it on stderr, naming
--gpu-name. With --gpu-name of a preset the note is not printed."""

import json

from tests.cli.conftest import run_main

NOTE = ("note: Custom 80 GiB GPU: its compute capability is unknown, so it is planned as a "
        "GPU without bfloat16 (fp32 and fp16 only, as vLLM serves a card below compute "
        "capability 8.0: a bfloat16 model in float16, Gemma 2 in float32), where a recent GPU "
        "would load bfloat16; give --gpu-name MODEL (e.g. 'RTX 4090') to plan it as a named "
        "GPU")


def test_an_unnamed_custom_gpu_says_it_is_planned_without_bf16(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--gpu-memory-gib", "80", "--json")
    assert code == 0, err
    assert NOTE in err, err
    data = json.loads(out)
    assert data["weight_format"] == "fp32"
    assert data["params_total"] == 9_241_705_984


def test_a_named_custom_gpu_prints_no_such_note(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--gpu-memory-gib", "80", "--gpu-name", "H100 SXM", "--json")
    assert code == 0, err
    assert "compute capability is unknown" not in err, err
    assert json.loads(out)["weight_format"] == "bf16"
