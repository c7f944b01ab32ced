"""A compressed-tensors checkpoint's kv_cache_scheme: which vLLM releases size an FP8 KV cache
from it, and over which --kv-cache-dtype.

Source (vLLM wheels): the Attention layer sets kv_cache_dtype "fp8" where the quantization config
has a kv_cache_scheme (only CompressedTensorsConfig has one): absent in 0.14.0 (attention/layer.py),
whatever --kv-cache-dtype says in 0.15.0-0.21.0 (`if kv_cache_scheme is not None:`), only under
`auto` from 0.22.0 ("an explicit choice (e.g. bfloat16) must win": 0.22.0, 0.34.0 attention.py).
0.14.0's resolve_kv_cache_dtype_string reads ModelOpt configs only, so there `auto` is 16-bit.

Llama-3.1-8B's verbatim config (tests/fixtures/configs): 32 layers x 8 KV heads x 128 dims x
(K + V) = 65,536 elements a token: 131,072 B in bf16, 65,536 B in fp8.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

CONFIG = Path(__file__).parents[2] / "fixtures" / "configs" / "meta-llama__Meta-Llama-3.1-8B.json"
FP8_W8A8 = {  # llm-compressor's FP8 W8A8 block with an FP8 KV cache scheme
    "quant_method": "compressed-tensors", "format": "float-quantized",
    "config_groups": {"group_0": {
        "targets": ["Linear"],
        "weights": {"num_bits": 8, "type": "float", "strategy": "channel", "symmetric": True,
                    "dynamic": False},
        "input_activations": {"num_bits": 8, "type": "float", "strategy": "token",
                              "symmetric": True, "dynamic": True}}},
    "ignore": ["lm_head"],
    "kv_cache_scheme": {"num_bits": 8, "type": "float", "strategy": "tensor", "symmetric": True,
                        "dynamic": False},
}
BF16_TOKEN_B, FP8_TOKEN_B = 32 * 8 * 128 * 2 * 2, 32 * 8 * 128 * 2 * 1


def _plan(version: str, kv_cache_dtype: str):
    config = {**json.loads(CONFIG.read_text()), "quantization_config": FP8_W8A8}
    return plan(PlanRequest(model=parse_model_config(config, name="acme/llama-fp8-kv"),
                            cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  kv_cache_dtype=kv_cache_dtype)))


@pytest.mark.parametrize(("version", "kv_cache_dtype", "token_bytes"), [
    ("0.14.0", "auto", BF16_TOKEN_B),  # was 65,536: the ModelOpt rule (0.14 on) taken for it
    ("0.15.0", "auto", FP8_TOKEN_B),
    ("0.19.0", "bf16", FP8_TOKEN_B),  # was 131,072: 0.15-0.21 set fp8 over the flag
    ("0.21.0", "bf16", FP8_TOKEN_B),
    ("0.22.0", "bf16", BF16_TOKEN_B),
    ("0.34.0", "bf16", BF16_TOKEN_B),
    ("0.34.0", "auto", FP8_TOKEN_B),
])
def test_kv_cache_scheme_sizes_fp8_where_the_release_applies_it(
        version: str, kv_cache_dtype: str, token_bytes: int) -> None:
    assert _plan(version, kv_cache_dtype).kv_bytes_per_token == token_bytes


def test_the_kv_term_says_where_its_fp8_comes_from() -> None:
    term = {t.key: t for t in _plan("0.19.0", "bf16").terms}["kv_bytes_per_token_per_gpu"]
    assert "kv_cache_scheme" in term.note and "over the bf16 KV cache asked for" in term.note
    assert {t.key: t for t in _plan("0.34.0", "bf16").terms}[
        "kv_bytes_per_token_per_gpu"].note == ""
