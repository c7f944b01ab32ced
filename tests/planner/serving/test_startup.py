"""vLLM's start-up refusals (planner.serving.startup), worded as vLLM words them."""

from planner.model.quant import scheme
from planner.serving.hardware import gpu_preset
from planner.serving.startup import startup_errors
from planner.serving.vllm_cli import vllm_cli

BASE = {"gpu": gpu_preset("h100-sxm"), "scheme": scheme("bf16"), "cli": vllm_cli("0.33.0"),
        "max_model_len": 8192, "model_limit": 40960, "mbt": 8192, "seqs": 1024,
        "mbt_given": True, "chunked_prefill": True}


def errors(**changes) -> list[str]:
    return startup_errors(**{**BASE, **changes})


def test_defaults_start() -> None:
    assert errors() == []


def test_batched_tokens_below_max_model_len_only_without_chunked_prefill() -> None:
    assert errors(mbt=4096, seqs=256) == []  # chunked prefill splits long prompts
    assert errors(mbt=4096, seqs=256, chunked_prefill=False) == [
        "max_num_batched_tokens (4096) is smaller than max_model_len (8192). This effectively "
        "limits the maximum sequence length to max_num_batched_tokens and makes vLLM reject "
        "longer sequences. Please increase max_num_batched_tokens or decrease max_model_len."]


def test_capability_per_release_and_format() -> None:
    v100, rtx3090 = gpu_preset("v100-32gb"), gpu_preset("rtx-3090")
    assert errors(gpu=v100, scheme=scheme("fp8-block128")) == [
        "The quantization method fp8 is not supported for the current GPU. Minimum "
        "capability: 75. Current capability: 70."]
    # ModelOpt NVFP4's get_min_capability() is 75 (Marlin W4A16): an RTX 3090 (8.6) loads it
    assert errors(gpu=rtx3090, scheme=scheme("nvfp4")) == []
    assert errors(gpu=v100, scheme=scheme("w4a16-gptq-g128")) == []  # GPTQ: 60
