"""Packed KV formats (nvfp4, per-token-head) sized as vLLM sizes a page, worked by hand from
vLLM's formulas (planner.model.attention.kvformat cites them), not from Headroom's output."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.model.attention import FullAttentionKv, kv_bytes_per_token
from planner.model.attention.kvformat import KV_FORMATS, boundary_layers
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

_spec = cache(catalog_spec)


LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"  # 32 layers, 8 KV heads, head_dim 128


def _llama_plan(gpu: str, kv: str):
    """Llama-3.1-8B on one `gpu` at 8,192 tokens in `kv`: it starts and fits."""
    result = plan(PlanRequest(model=_spec(LLAMA_8B), cluster=preset_cluster(gpu, 1),
                              layout=ParallelLayout(tp=1),
                              engine=EngineSettings(kv_cache_dtype=kv, max_model_len=8192)))
    assert result.errors == [] and result.fits
    return result


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
    # B200 (nvfp4 KV runs on the SM100 family): a block is 32 layers x one 64-token page (vLLM
    # 0.34.0's, the default's, block) of 64 x 1,152 B = 2,359,296 B; KV bytes per token 36,864
    # on the one GPU
    result = _llama_plan("b200", "nvfp4")
    assert result.kv_bytes_per_token == 36_864
    terms = {t.key: t for t in result.terms}
    assert terms["bytes_per_block"].value == 32 * 64 * 1_152
    assert result.vllm_command.split().count("nvfp4") == 1


# turboquant/config.py TurboQuantConfig, head_dim 128: key_packed_size = 128 (fp8 keys) or
# ceil(128 x bits / 8) + 2 (fp16 norm); value_packed_size = ceil(128 x bits / 8) + 4 (fp16 scale
# and zero); slot_size_aligned rounds the sum up to even. arg_utils.py keeps layers 0, 1, 30
# and 31 (get_boundary_skip_layers, n=2) at "auto": 8 heads x (128 + 128) x 2 B = 4,096 B.
@pytest.mark.parametrize(("kv", "slot"), [
    ("turboquant_k8v4", 128 + 64 + 4),  # 196
    ("turboquant_4bit_nc", 64 + 2 + 64 + 4),  # 134
    ("turboquant_k3v4_nc", 48 + 2 + 64 + 4),  # 118
    ("turboquant_3bit_nc", 48 + 2 + 48 + 4),  # 102
])
def test_llama_31_8b_turboquant_bytes_per_token(kv: str, slot: int) -> None:
    expected = 28 * 8 * slot + 4 * 4_096  # k8v4: 43,904 + 16,384 = 60,288 B
    assert kv_bytes_per_token(_spec(LLAMA_8B), KV_FORMATS[kv]) == expected


def test_turboquant_slot_rounds_to_even_and_boundaries_follow_the_layer_count() -> None:
    # head_dim 72, k3v4_nc: ceil(72 x 3 / 8) + 2 = 29, 36 + 4 = 40 -> 69, aligned 70
    assert KV_FORMATS["turboquant_k3v4_nc"].slot_bytes(72) == 70
    assert boundary_layers(32) == {0, 1, 30, 31}
    assert boundary_layers(3) == {0, 2}  # n = min(2, 3 // 2) = 1
    assert boundary_layers(1) == set()


def test_a_plan_pages_turboquant_in_one_group_of_two_page_sizes() -> None:
    # UniformTypeKVCacheSpecs: one block = the sum of the 32 layers' 64-token pages (vLLM
    # 0.34.0's, the default's, block): 28 x 64 x 8 x 196 + 4 x 64 x 4,096 = 2,809,856 +
    # 1,048,576 = 3,858,432 B = 64 x 60,288
    result = _llama_plan("h100", "turboquant_k8v4")
    assert result.kv_bytes_per_token == 60_288
    terms = {t.key: t for t in result.terms}
    assert terms["bytes_per_block"].value == 3_858_432
    formula = terms["bytes_per_block"].formula
    assert "4 pages x 262,144 B + 28 pages x 100,352 B (64 tokens)" in formula
    assert terms["kv_cache_tokens"].value == terms["kv_cache"].value // 3_858_432 * 64
    assert "--kv-cache-dtype turboquant_k8v4 " in result.vllm_command
