"""What a new user's walkthrough of the Plan page found (session 53): the Quantization box
naming the format the chosen GPU serves a BF16 checkpoint in, an unusable hardware's reason
shown once, and the first screen at 1280x800 holding the verdict's caveats and a refused
plan's Apply (tests/browser/test_browser_laptop.py measures the pixels)."""

import pytest

from tests.app.conftest import open_page

QWEN3_8B = "Qwen/Qwen3-8B"
"""A BF16 checkpoint (config.json torch_dtype "bfloat16", ../shared/model-configs)."""


def _quant_box(at) -> str:
    box = at.selectbox(key="plan.quant")
    return box.format_func(box.value)


@pytest.mark.parametrize("link", [{"gpu": "t4", "gpn": "1"},
                                  {"gpu": "v100-32gb", "gpn": "1"},
                                  {"gpu": "rtx-2080-ti", "gpn": "1", "gmem": "22"}])
def test_a_gpu_without_bfloat16_names_the_bf16_checkpoint_served_in_fp16(link) -> None:
    # T4 (compute capability 7.5), V100 (7.0), RTX 2080 Ti (7.5): below 8.0 vLLM's CUDA
    # platform lists [float16, float32] (platforms/cuda.py supported_dtypes), so --dtype auto
    # serves the bfloat16 checkpoint in float16 (config/model.py _resolve_auto_dtype); the
    # box said "Checkpoint: BF16" above a plan sized in FP16
    at = open_page("plan", model=QWEN3_8B, len="8192", **link)
    assert not at.exception
    assert _quant_box(at) == "Checkpoint: BF16, served in FP16"


def test_a_gpu_with_bfloat16_names_the_checkpoint_as_stored() -> None:
    # H100 (9.0) computes bfloat16: served as stored; a quantized checkpoint keeps its label
    at = open_page("plan", model=QWEN3_8B, gpu="h100-sxm", gpn="1")
    assert _quant_box(at) == "Checkpoint: BF16"
    at = open_page("plan", model="openai/gpt-oss-120b", gpu="t4", gpn="8")
    assert _quant_box(at) == "Checkpoint: MXFP4 (experts only)"
