"""The block size vLLM runs MLA models with (planner.serving.mla_block), per release and GPU,
and what it does to the pool: blocks, tokens, blocks per request.

Expected sizes are read off vLLM's source (the wheels), not the code under test:
0.9.1-0.17.0 platforms/cuda.py check_and_update_config forces FlashMLA's 64 on Hopper,
CUTLASS_MLA's 128 on Blackwell (10.0 only before 0.13.0), FlashInfer MLA's 64 on Blackwell
from 0.15.0 (qk_nope_head_dim 128) and 64 for sparse MLA; 0.18.0 on the first valid backend's
preferred size: FLASH_ATTN_MLA 16 on Hopper (FLASHMLA 64 for an fp8 cache), FLASHINFER_MLA 32
on Blackwell, TRITON_MLA 16 elsewhere, 64 for sparse MLA (its indexer's 64).
"""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.mla_block import mla_block_size
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import parse_version

_spec = cache(catalog_spec)


V3, V32, GLM5 = "deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V3.2", "zai-org/GLM-5"


@pytest.mark.parametrize(("model", "version", "cc", "kv", "given", "runs"), [
    # 0.9.1 / 0.10.0: FlashMLA on Hopper only ("!= 64"), Blackwell keeps the size
    (V3, "0.9.1", "9.0", "auto", 16, 64), (V3, "0.10.0", "10.0", "auto", 16, 16),
    (V3, "0.10.0", "9.0", "auto", 128, 64),
    # 0.10.1-0.12: CUTLASS_MLA on cc 10.0 (not 10.3); "!= 128" before 0.11.1, "% 128" from it
    (V3, "0.11.0", "10.0", "auto", 16, 128), (V3, "0.11.0", "10.3", "auto", 16, 16),
    (V3, "0.11.0", "10.0", "auto", 256, 128), (V3, "0.12.0", "10.0", "auto", 256, 256),
    (V3, "0.12.0", "9.0", "auto", 128, 128), (V3, "0.12.0", "9.0", "auto", 32, 64),
    # "% 128" / "% 64" already in the 0.11.1 and 0.11.2 wheels (check_and_update_config as
    # 0.12.0's)
    (V3, "0.11.1", "10.0", "auto", 256, 256), (V3, "0.11.2", "9.0", "auto", 128, 128),
    # 0.13-0.14: any 10.x; 0.15-0.17: FlashInfer MLA for qk_nope_head_dim 128 (32 is kept)
    (V3, "0.13.0", "10.3", "auto", 16, 128), (V3, "0.15.0", "10.0", "auto", 16, 64),
    (V3, "0.17.0", "10.0", "auto", 32, 32), (V3, "0.17.0", "10.0", "auto", 48, 64),
    (V3, "0.17.0", "9.0", "auto", 16, 64), (V3, "0.17.0", "8.0", "auto", 16, 16),
    # sparse MLA: 64 on every GPU from 0.11, even over a size given
    (V32, "0.11.0", "10.0", "auto", 16, 64), (V32, "0.17.0", "9.0", "auto", 128, 64),
    (GLM5, "0.16.0", "10.0", "auto", 32, 64),
    # before 0.18 a given 16 is forced like vLLM's default (None)
    (V3, "0.17.0", "9.0", "auto", None, 64), (V32, "0.17.0", "8.0", "auto", None, 64),
    # 0.18 on: the backend's preference without --block-size (None), a size given is kept,
    # 16 included (CacheConfig.user_specified_block_size)
    (V3, "0.19.0", "9.0", "auto", None, 16), (V3, "0.19.0", "9.0", "bf16", None, 16),
    (V3, "0.19.0", "9.0", "fp8", None, 64), (V3, "0.33.0", "9.0", "fp8_e4m3", None, 64),
    (V3, "0.19.0", "10.0", "auto", None, 32), (V3, "0.33.0", "10.3", "fp8", None, 32),
    (V3, "0.19.0", "12.0", "auto", None, 16), (V3, "0.19.0", "8.0", "auto", None, 16),
    (V3, "0.19.0", "10.0", "auto", 128, 128), (V3, "0.19.0", "9.0", "auto", 48, 48),
    (V3, "0.33.0", "10.0", "auto", 16, 16), (V3, "0.33.0", "9.0", "fp8", 16, 16),
    (V32, "0.19.0", "9.0", "auto", None, 64), (V32, "0.33.0", "10.0", "fp8", None, 64),
    # GLM-5's qk_nope_head_dim 192: FLASHINFER_MLA takes it from 0.19 (not in 0.18); sparse
    # anyway, so 64
    (GLM5, "0.18.0", "10.0", "auto", None, 64), (V32, "0.33.0", "10.0", "auto", 256, 256),
])
def test_the_block_size_vllm_runs_mla_with(model, version, cc, kv, given, runs) -> None:
    assert mla_block_size(_spec(model), given, parse_version(version), cc, kv) == runs


def test_models_that_are_not_mla_keep_the_block_size() -> None:
    qwen = _spec("Qwen/Qwen3-8B")
    assert mla_block_size(qwen, 16, parse_version("0.17.0"), "9.0", "auto") == 16
    assert mla_block_size(qwen, 16, parse_version("0.19.0"), "10.0", "auto") == 16
    assert mla_block_size(qwen, None, parse_version("0.33.0"), "10.0", "auto") == 16
    assert mla_block_size(qwen, 48, parse_version("0.33.0"), "10.0", "auto") == 48


def test_h100_runs_deepseek_v2_lite_in_16_token_blocks_under_0_19() -> None:
    """llm-d v0.19.0 H100 log: 94,097 blocks, 1,505,552 tokens = 16-token blocks
    (FLASH_ATTN_MLA, first on Hopper and taking 16)."""
    lite = _spec("deepseek-ai/DeepSeek-V2-Lite-Chat")
    assert mla_block_size(lite, None, parse_version("0.19.0"), "9.0", "auto") == 1_505_552 // 94_097


V3_LAYERS, MLA_BYTES = 61, 512 + 64
"""DeepSeek-V3 config.json: 61 layers, one latent of kv_lora_rank 512 + qk_rope_head_dim 64
elements per token per layer, on every TP rank (not split)."""


def _v3_on_8_h200(version: str, kv: str = "auto"):
    return plan(PlanRequest(model=_spec(V3), cluster=preset_cluster("h200", 8),
                            layout=ParallelLayout(tp=8),
                            engine=EngineSettings(vllm_version=version, kv_cache_dtype=kv)))


@pytest.mark.parametrize(("version", "kv", "block", "elem_bytes"), [
    ("0.19.0", "auto", 16, 2),   # FLASH_ATTN_MLA, bf16 cache
    ("0.19.0", "fp8", 64, 1),    # FLASH_ATTN_MLA takes no fp8: FLASHMLA
    ("0.17.0", "auto", 64, 2),   # FlashMLA forced
])
def test_deepseek_v3_on_8_h200_blocks_by_hand(version, kv, block, elem_bytes) -> None:
    p = _v3_on_8_h200(version, kv)
    assert p.fits and p.block_size == block and p.max_model_len == 163_840
    page = block * MLA_BYTES * elem_bytes  # one layer, one block
    blocks = p.kv_cache_bytes_per_gpu // (V3_LAYERS * page)
    assert p.num_gpu_blocks == blocks
    assert p.kv_cache_tokens == blocks * block
    # one request holds ceil(163,840 / block) blocks: 10,240 at 16, 2,560 at 64
    per_request = -(-163_840 // block)
    assert per_request == {16: 10_240, 64: 2_560}[block]
    assert p.max_concurrency == pytest.approx(blocks / per_request)
    # the size is vLLM's own choice: the command leaves --block-size out
    assert p.vllm_command and "--block-size" not in p.vllm_command


def _v3_on_8_b200(**given):
    return plan(PlanRequest(model=_spec(V3), cluster=preset_cluster("b200", 8),
                            layout=ParallelLayout(tp=8),
                            engine=EngineSettings(vllm_version="0.33.0", **given)))


@pytest.mark.parametrize(("given", "block"), [
    ({}, 32),                   # vLLM's choice: FLASHINFER_MLA's preferred 32 on Blackwell
    ({"block_size": 16}, 16),   # --block-size 16 is kept from 0.18 (user_specified_block_size)
])
def test_deepseek_v3_on_8_b200_plans_a_given_16_as_16(given, block) -> None:
    """DeepSeek-V3 on 8 B200, vLLM 0.33.0, bf16 cache: 61 layers x (512 + 64) x 2 B =
    70,272 B per token on every rank; a block is `block` tokens of it."""
    p = _v3_on_8_b200(**given)
    assert V3_LAYERS * MLA_BYTES * 2 == 70_272
    assert p.fits and p.block_size == block
    blocks = p.kv_cache_bytes_per_gpu // (block * 70_272)
    assert p.num_gpu_blocks == blocks and p.kv_cache_tokens == blocks * block
    assert p.max_concurrency == pytest.approx(blocks / -(-p.max_model_len // block))
    words = p.vllm_command.split()
    assert ("--block-size" in words) == bool(given)
    if given:
        assert words[words.index("--block-size") + 1] == "16"


def test_sparse_mla_refuses_a_given_16_from_0_18_in_vllms_words() -> None:
    """DeepSeek-V3.2 (an indexer: sparse MLA): every CUDA sparse MLA backend of 0.18.0-0.33.0
    takes multiples of 32 at least, so vLLM's selector finds none for 16; before 0.18 the
    CUDA platform forced 64 whatever was given."""
    def run(version, **given):
        return plan(PlanRequest(model=_spec(V32), cluster=preset_cluster("b200", 8),
                                layout=ParallelLayout(tp=8),
                                engine=EngineSettings(vllm_version=version, **given)))
    refused = run("0.33.0", block_size=16)
    assert not refused.fits
    assert [e for e in refused.errors if "No valid attention backend found for cuda with "
            "AttentionSelectorConfig(..., block_size=16, use_mla=True, ..., use_sparse=True"
            in e]
    assert run("0.33.0").block_size == 64 and run("0.33.0").fits
    assert run("0.33.0", block_size=64).fits
    assert run("0.17.0", block_size=16).block_size == 64


@pytest.mark.parametrize(("model", "cc", "kv", "runs"), [
    # 0.34.0 config/cache.py DEFAULT_BLOCK_SIZE = 64 (16 in 0.33.0), passed to the backend's
    # get_preferred_block_size (v1/attention/backend.py:158-166: kept where supported, else
    # the smallest kernel block). Blackwell: FLASHINFER_MLA [32, 64] takes 64 (0.33.0: 32);
    # an fp8_e5m2 cache is not FLASHINFER_MLA's: CUTLASS_MLA [128] -> 128
    (V3, "10.0", "auto", 64), (V3, "10.0", "fp8_e5m2", 128),
    # Hopper: FLASH_ATTN_MLA MultipleOf(16) takes 64 (0.33.0: 16); fp8 -> FLASHMLA [64] -> 64
    (V3, "9.0", "auto", 64), (V3, "9.0", "fp8", 64),
    # other GPUs: TRITON_MLA MultipleOf(16) -> 64 (0.33.0: 16); sparse MLA 64 as before
    (V3, "8.0", "auto", 64), (V32, "9.0", "auto", 64),
])
def test_vllm_0_34_starts_mla_from_a_default_of_64(model, cc, kv, runs) -> None:
    assert mla_block_size(_spec(model), None, parse_version("0.34.0"), cc, kv) == runs


def test_models_that_are_not_mla_run_64_token_blocks_from_0_34() -> None:
    # FLASH_ATTN (MultipleOf(16)) keeps 0.34.0's default 64; a given size is still kept
    qwen = _spec("Qwen/Qwen3-8B")
    assert mla_block_size(qwen, None, parse_version("0.34.0"), "9.0", "auto") == 64
    assert mla_block_size(qwen, 16, parse_version("0.34.0"), "9.0", "auto") == 16
    # Qwen3-8B on one H100, 0.34.0, max_model_len 40,960: 36 layers x 8 KV heads x 128 x
    # 2 (K, V) x 2 B = 147,456 B per token, a 64-token block 9,437,184 B; one request holds
    # cdiv(40,960, 64) = 640 blocks (2,560 at 16 tokens)
    p = plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("h100-sxm", 1),
                         engine=EngineSettings(vllm_version="0.34.0")))
    assert p.block_size == 64 and p.max_model_len == 40_960
    blocks = p.kv_cache_bytes_per_gpu // 9_437_184
    assert p.num_gpu_blocks == blocks and p.kv_cache_tokens == blocks * 64
    assert p.max_concurrency == pytest.approx(blocks / 640)


def _mi300x(model: str, version: str = "0.34.0", tp: int = 1, **engine):
    return plan(PlanRequest(model=_spec(model), cluster=preset_cluster("mi300x", tp),
                            layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def test_rocm_attn_keeps_16_token_blocks_on_an_amd_gpu_under_0_34() -> None:
    # vLLM 0.34.0 platforms/rocm.py _get_backend_priorities puts ROCM_ATTN first for a plain
    # decoder on gfx942, and rocm_attn.py RocmAttentionBackend.get_preferred_block_size returns
    # 16 whatever the default ("Keep the native kernel for default-sized runs"), so
    # update_block_size_for_backend sets 16, not CacheConfig.DEFAULT_BLOCK_SIZE's 64.
    # Qwen3-8B: 36 layers x 8 KV heads x 128 x 2 (K, V) x 2 B = 147,456 B a token, a 16-token
    # block 2,359,296 B; a request of 8,192 tokens holds 8,192 / 16 = 512 blocks
    p = _mi300x("Qwen/Qwen3-8B")
    assert p.block_size == 16
    assert p.num_gpu_blocks == p.kv_cache_bytes_per_gpu // 2_359_296
    assert p.max_concurrency == pytest.approx(p.num_gpu_blocks / 512)
    # a given --block-size is kept; 0.33.0 had 16 anyway
    assert _mi300x("Qwen/Qwen3-8B", block_size=64).block_size == 64
    assert _mi300x("Qwen/Qwen3-8B", "0.33.0").block_size == 16
    # an fp8 cache is one of ROCM_ATTN's KV dtypes: 16 still
    assert _mi300x("Qwen/Qwen3-8B", kv_cache_dtype="fp8").block_size == 16


@pytest.mark.parametrize(("model", "tp"), [
    # attention sinks: RocmAttentionBackend.supports_sink False, so a backend taking 64
    ("openai/gpt-oss-20b", 1),
    # Gemma 3's multimodal config is an mm-prefix LM (MM_PREFIX_LM_MODELS "gemma3"):
    # supports_mm_prefix False
    ("google/gemma-3-27b-it", 1),
    # Llama 4's chunked local layers run a wrapper class of their own: two backends, and
    # _preferred_block_size_for_backends keeps 64, which both take
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", 4),
    # MLA on ROCm is TRITON_MLA (MultipleOf(16)): 64
    ("deepseek-ai/DeepSeek-V2-Lite-Chat", 1),
])
def test_models_rocm_attn_refuses_keep_0_34s_64_on_amd(model, tp) -> None:
    assert _mi300x(model, tp=tp).block_size == 64


def test_radeon_prefers_triton_attn_and_its_64_unless_the_cache_is_fp8_e5m2() -> None:
    # platforms/rocm.py: on gfx1100 / gfx1201 TRITON_ATTN is swapped ahead of ROCM_ATTN except
    # for an fp8_e5m2 cache; TRITON_ATTN's MultipleOf(16) keeps 0.34.0's 64
    from planner.serving.mla_block import rocm_attn_default

    qwen = _spec("Qwen/Qwen3-8B")
    assert rocm_attn_default(qwen, "gfx942", "auto")
    assert not rocm_attn_default(qwen, "gfx1100", "auto")
    assert not rocm_attn_default(qwen, "gfx1201", "fp8")
    assert rocm_attn_default(qwen, "gfx1201", "fp8_e5m2")
    # and never on an NVIDIA GPU
    assert mla_block_size(qwen, None, parse_version("0.34.0"), "9.4", "auto") == 64
    assert mla_block_size(qwen, None, parse_version("0.34.0"), "gfx942", "auto", "amd") == 16
