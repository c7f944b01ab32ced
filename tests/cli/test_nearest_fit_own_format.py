"""The nearest change that fits never offers the checkpoint's own 16-bit format: where vLLM
serves a bfloat16 checkpoint in float32, the plan held 32 bits a weight, so "--target-quant
bf16 (a BF16 checkpoint) fits" was offered, but --target-quant naming the checkpoint's own
format plans it as stored, in float32 again, and that plan does not fit.

- Qwen3-8B (8,190,735,360 parameters, bfloat16) on one RTX 3090 with --dtype float32:
  4 B x 8,190,735,360 = 30.5 GiB of weights, more than the budget, 0.92 x 23.57 GiB = 21.68.
- Gemma 2 9B (9,241,705,984 parameters, bfloat16) on two T4s: the T4 (compute capability 7.5)
  has no bfloat16, and vLLM serves Gemma 2 in float32 there rather than float16 (config
  dtype resolution): 4 B x 9,241,705,984 / TP 2 = 17.2 GiB a GPU, more than 0.92 x 14.75 GiB
  = 13.57.
"""

import json

import pytest

from tests.cli.conftest import run_main

CASES = {
    "float32 asked": ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--dtype", "float32",
                      "--max-model-len", "8000"),
    "gemma 2 on T4": ("--model", "google/gemma-2-9b-it", "--gpu", "t4", "--gpus", "2",
                      "--max-model-len", "8000"),
}


def _plan(capsys, *args: str) -> dict:
    code, out, err = run_main(capsys, "plan", *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_own_format_is_not_offered(capsys, case: str) -> None:
    args = CASES[case]
    data = _plan(capsys, *args)
    assert not data["fits"] and data["weight_format"] == "fp32"
    assert not (data["nearest_fit"] or "").startswith("--target-quant bf16"), data["nearest_fit"]
    # what the old suggestion planned: the checkpoint as stored, in float32, not fitting
    again = _plan(capsys, *args, "--target-quant", "bf16")
    assert not again["fits"] and again["weight_format"] == "fp32"
