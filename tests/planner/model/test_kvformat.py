"""Packed KV formats (nvfp4, per-token-head) sized as vLLM sizes a page, worked by hand from
vLLM's formulas (planner.model.attention.kvformat cites them), not from Headroom's output."""

from functools import cache

import pytest

from planner.catalog import catalog_entry
from planner.model.attention import FullAttentionKv, kv_bytes_per_token
from planner.model.attention.kvformat import KV_FORMATS
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan


@cache
def _spec(repo_id: str):
    entry = catalog_entry(repo_id)
    return parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)


LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"  # 32 layers, 8 KV heads, head_dim 128


@pytest.mark.parametrize(("kv", "expected"), [
    # nvfp4_kv_cache_full_dim(128) = 128 // 2 + 128 // 16 = 72 B per head and side;
    # page per token = 2 sides x 8 heads x 72 = 1,152 B per layer; x 32 layers
    ("nvfp4", 32 * 2 * 8 * (64 + 8)),  # 36,864 B: 0.28 x bf16's 131,072
    ("nvfp4_4over6", 32 * 2 * 8 * (64 + 8)),
    # Triton per-token-head: (head_size + head_size_v) x 1 B + 2 fp32 scales per head
    ("int8_per_token_head", 32 * 8 * (128 + 128 + 2 * 4)),  # 67,584 B
    ("fp8_per_token_head", 32 * 8 * (128 + 128 + 2 * 4)),
    ("int4_per_token_head", 32 * 8 * (64 + 64 + 2 * 4)),  # 34,816 B: two int4 per byte
])
def test_llama_31_8b_kv_bytes_per_token(kv: str, expected: int) -> None:
    assert kv_bytes_per_token(_spec(LLAMA_8B), KV_FORMATS[kv]) == expected


def test_qwen3_235b_nvfp4_per_gpu_at_tp8() -> None:
    # 94 layers x max(1, 4 // 8) = 1 KV head x 2 sides x 72 B = 13,536 B (bf16: 48,128 B)
    spec = _spec("Qwen/Qwen3-235B-A22B")
    assert kv_bytes_per_token(spec, KV_FORMATS["nvfp4"], tp=8) == 94 * 1 * 2 * 72


def test_formula_shows_data_and_scales() -> None:
    kv = FullAttentionKv(num_kv_heads=8, head_dim=128, v_head_dim=128)
    assert kv.formula(KV_FORMATS["nvfp4"], 1) == (
        "max(1, 8 // 1) KV heads x [K (128 / 2 + 128 / 16 x 1 = 72) B nvfp4 + "
        "V (128 / 2 + 128 / 16 x 1 = 72) B nvfp4] = 1,152 B")
    assert "128 + 4 = 132" in kv.formula(KV_FORMATS["int8_per_token_head"], 1)


def test_a_plan_pages_nvfp4_blocks() -> None:
    # B200 (nvfp4 KV runs on the SM100 family): a block is 32 layers x one 16-token page of
    # 16 x 1,152 B = 589,824 B; KV bytes per token 36,864 on the one GPU
    spec = _spec(LLAMA_8B)
    result = plan(PlanRequest(model=spec, cluster=preset_cluster("b200", 1),
                              layout=ParallelLayout(tp=1),
                              engine=EngineSettings(kv_cache_dtype="nvfp4",
                                                    max_model_len=8192)))
    assert result.errors == [] and result.fits
    assert result.kv_bytes_per_token == 36_864
    terms = {t.key: t for t in result.terms}
    assert terms["bytes_per_block"].value == 32 * 16 * 1_152
    assert result.vllm_command.split().count("nvfp4") == 1
