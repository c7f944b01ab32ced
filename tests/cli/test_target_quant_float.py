"""--target-quant naming another float format of a 16-bit checkpoint (fp16 of a bfloat16
one, bf16 of a float16 one) is vLLM's --dtype: the weights are cast at load. It printed "No
FP16 checkpoint of Qwen/Qwen3-8B is known and vLLM 0.34.0 cannot make one at load: quantize it
first (e.g. with llm-compressor or GPTQModel)", and planned it without --dtype's checks.

Qwen3-8B's config.json says bfloat16 and phi-2's float16; both formats are 2 B a weight, so
the plan is the one `--dtype` gives, and the command carries that flag. A T4 (compute
capability 7.5) has no bfloat16, which vLLM refuses ("Bfloat16 is only supported on GPUs with
compute capability of at least 8.0")."""

import json

from tests.cli.conftest import run_main


def _plan(capsys, *args: str) -> dict:
    code, out, err = run_main(capsys, "plan", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_fp16_of_a_bf16_checkpoint_is_dtype_float16(capsys) -> None:
    base = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len", "8192")
    what_if = _plan(capsys, *base, "--target-quant", "fp16")
    dtype = _plan(capsys, *base, "--dtype", "float16")
    assert what_if["fits"] and what_if["weight_format"] == "fp16"
    assert " --dtype float16 " in what_if["vllm_command"], what_if["vllm_command"]
    assert what_if["vllm_command"] == dtype["vllm_command"]
    assert what_if["kv_cache_tokens"] == dtype["kv_cache_tokens"]


def test_bf16_of_a_fp16_checkpoint(capsys) -> None:
    ok = _plan(capsys, "--model", "microsoft/phi-2", "--gpu", "rtx-3090", "--target-quant",
               "bf16")
    assert ok["fits"] and " --dtype bfloat16 " in ok["vllm_command"], ok["vllm_command"]
    t4 = _plan(capsys, "--model", "microsoft/phi-2", "--gpu", "t4", "--target-quant", "bf16")
    assert not t4["fits"] and t4["vllm_command"] is None
    assert "Bfloat16 is only supported on GPUs with compute capability of at least 8.0" in \
        t4["verdict"], t4["verdict"]


def test_a_dtype_that_disagrees_is_refused(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                            "--target-quant", "fp16", "--dtype", "bfloat16")
    assert code == 2 and err.count("\n") == 1, err
    assert "--target-quant fp16 and --dtype bfloat16" in err, err
