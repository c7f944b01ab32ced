"""`plan --quantization fp8` on vLLM 0.13.0-0.15.1, where each layer's fp8 copy is made inside
load_weights beside every 16-bit weight (planner.serving.plan.load_peak): the warning and the
refusal as the CLI prints them and as --json carries them."""

import json

from tests.cli.conftest import run_main

QWEN3_30B = ["plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--quantization",
             "fp8", "--vllm-version", "0.14.0"]
# tests/planner/serving/test_fp8_load_peak.py works these figures out: 56.88 GiB of BF16
# weights + 27.86 GiB of fp8 copies (the router's too) + 0.25 GiB non-torch on the H100's 79.19 GiB
FIGURES = ("56.88 GiB of BF16 weights per GPU + 27.86 GiB of their fp8 copies + 0.25 GiB "
           "non-torch = 84.99 GiB exceed the GPU's 79.19 GiB by 5.80 GiB, and it will likely run "
           "out of CUDA memory while loading the model")


def test_the_load_warning_is_printed_beside_fits_and_carried_by_the_json(capsys) -> None:
    code, out, _ = run_main(capsys, *QWEN3_30B)
    assert code == 0 and "\nFits: " in out
    [line] = [line for line in out.splitlines() if "load_weights" in line]
    assert line.startswith("warning: vLLM 0.14.0 makes FP8 E4M3, per-tensor scale of each "
                           "layer inside the model's load_weights") and FIGURES in line, line
    code, out, _ = run_main(capsys, *QWEN3_30B, "--json")
    plan = json.loads(out)
    assert code == 0 and plan["fits"]
    assert [w for w in plan["warnings"] if "load_weights" in w] == [line.removeprefix("warning: ")]


def test_a_model_loaded_in_one_load_weights_call_is_refused(capsys) -> None:
    code, out, _ = run_main(capsys, "plan", "--model", "deepseek-ai/DeepSeek-V2-Lite-Chat",
                            "--gpu", "a100-40gb", "--quantization", "fp8", "--vllm-version",
                            "0.14.0", "--max-model-len", "8000", "--json")
    plan = json.loads(out)
    assert code == 0 and not plan["fits"] and plan["vllm_command"] is None
    assert "DeepseekV2ForCausalLM.load_weights takes the whole checkpoint in one call: 29.28 " \
        "GiB of BF16 weights per GPU + 14.13 GiB of their fp8 copies" in plan["errors"][0]
