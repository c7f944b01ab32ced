"""The nearest change that fits as settings (planner.serving.fixes: Plan.nearest_fit_change),
beside its words: each figure worked out by hand."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB


def _request(**engine) -> PlanRequest:
    return PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("h100", 1),
                       layout=ParallelLayout(),
                       engine=EngineSettings(vllm_version="0.34.0", **engine))


def test_a_context_too_long_for_the_kv_pool_gets_the_shorter_max_model_len_as_a_setting():
    # Qwen3-8B (tests/fixtures/configs/Qwen__Qwen3-8B.json): 36 layers x 8 KV heads x 128
    # head_dim x 2 (K, V) x 2 B (bf16) = 147,456 B per token, one H100. A KV pool of exactly
    # 2 GiB (--kv-cache-memory-bytes 2147483648) in vLLM 0.34.0's 64-token blocks (64 x
    # 147,456 = 9,437,184 B a block): 2,147,483,648 // 9,437,184 = 227 blocks, one of them
    # vLLM's null block, so one request holds 226 x 64 = 14,464 tokens, under the model's
    # 40,960 (max_position_embeddings): it does not fit, and --max-model-len 14464 does
    assert 2 * 36 * 8 * 128 * 2 == 147_456 and 2 * GIB // (64 * 147_456) == 227
    result = plan(_request(kv_cache_memory_bytes=2 * GIB))
    assert not result.fits and result.max_model_len == 40_960
    # the second choice, an fp8 KV cache (H100: compute capability 9.0) on the same 2 GiB:
    # 73,728 B a token, 64 x 73,728 = 4,718,592 B a block, 2 GiB // 4,718,592 = 455 blocks,
    # less the null block: 454 x 64 = 29,056 tokens
    assert 2 * GIB // (64 * 73_728) == 455
    assert result.nearest_fit == "--max-model-len 14464 fits"
    assert result.longer_context_fit == "--kv-cache-dtype fp8 with --max-model-len 29056 fits"
    assert result.fit_advice == ("Nearest change: --max-model-len 14464 fits. For a "
                                 "longer context: --kv-cache-dtype fp8 with --max-model-len "
                                 "29056 fits.")
    assert result.nearest_fit_change == {"max_model_len": 226 * 64}  # the first choice only
    applied = plan(_request(kv_cache_memory_bytes=2 * GIB, **result.nearest_fit_change))
    assert applied.fits and applied.nearest_fit_change is None


def test_a_layout_change_names_the_whole_layout():
    # Qwen3-235B-A22B in bf16 on 8 H100s asked at TP=4 (tests/cli/test_planner_cli.py works
    # it out: 470,187,269,120 B of weights / 4 = 117.5 GB per 80 GB GPU, / 8 = 58.8 GB fits):
    # the change is TP=8, and the setting carries the whole layout, PP, DP and EP as planned
    request = PlanRequest(model=catalog_spec("Qwen/Qwen3-235B-A22B"),
                          cluster=preset_cluster("h100-sxm", 8), layout=ParallelLayout(tp=4))
    result = plan(request)
    assert result.nearest_fit == "TP=8 fits"
    assert result.nearest_fit_change == {"tp": 8, "pp": 1, "dp": 1, "ep": False}


def test_a_batched_token_budget_that_leaves_no_kv_cache_gets_vllms_default_back():
    # Qwen3-8B on one H100 (79.19 GiB = 85,031,714,816 B) with --max-num-batched-tokens
    # 10,000,000: the profile's hidden states alone are 10^7 x 4,096 (hidden_size) x 2 B =
    # 81.92 GB, which with the 8.19 B parameters x 2 B = 16.4 GB of weights is over the GPU's
    # whole memory (10^7 x 4,096 x 2 + 16 x 10^9 > 79.19 x 2^30), so no setting but the token
    # budget leaves room for a KV cache; vLLM's default for this GPU is 8,192 tokens
    # (EngineArgs.get_batch_defaults: >= 70 GiB, not an A100, under 160 GiB), at which the
    # plan fits. Before, nearest_fit was None
    result = plan(_request(max_num_batched_tokens=10**7))
    assert not result.fits
    assert result.nearest_fit == "--max-num-batched-tokens 8192 fits"
    assert result.nearest_fit_change == {"max_num_batched_tokens": 8192}
    applied = plan(_request(**result.nearest_fit_change))
    assert applied.fits and applied.max_num_batched_tokens == 8192
    # a budget below the default is never raised: it is not what fills the GPU
    assert "--max-num-batched-tokens" not in (plan(_request(
        max_num_batched_tokens=4096, kv_cache_memory_bytes=2 * GIB)).nearest_fit or "")


def test_sequences_and_tokens_both_above_the_defaults_come_back_together():
    # Qwen3-8B on one H100 under vLLM 0.34.0 (Model Runner V2) with --max-num-seqs and
    # --max-num-batched-tokens 262,144: V2's output_bin_counts alone, 262,144 sequences x
    # 151,936 vocab x 4 B = 159.3 GB, are over the GPU's 85.0 GB. Back to the token default
    # only, 8,192 < 262,144 sequences, vLLM refuses (max_num_batched_tokens must be >=
    # max_num_seqs); both defaults, 1,024 sequences and 8,192 tokens on an 80 GB H100
    # (EngineArgs.get_batch_defaults), fit. Before, nearest_fit was None
    result = plan(_request(max_num_seqs=262_144, max_num_batched_tokens=262_144))
    assert not result.fits
    assert result.nearest_fit == "--max-num-seqs 1024 --max-num-batched-tokens 8192 fits"
    assert result.nearest_fit_change == {"max_num_seqs": 1024, "max_num_batched_tokens": 8192}
    assert plan(_request(**result.nearest_fit_change)).fits


def test_no_fp8_kv_second_choice_where_the_kv_cache_is_fp8_already_or_refused():
    # the same 2 GiB pool with an fp8 KV cache asked: 29,056 tokens (above), shortened alone
    result = plan(_request(kv_cache_memory_bytes=2 * GIB, kv_cache_dtype="fp8"))
    assert result.nearest_fit == "--max-model-len 29056 fits"
    assert result.longer_context_fit is None
    # an A100 (compute capability 8.0) with DeepSeek-V2-Lite-Chat (MLA): vLLM 0.34.0 refuses an
    # fp8 KV cache on TRITON_MLA below 8.9 (planner.serving.startup.attention_backend), so
    # the only change offered is the shorter context
    request = PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat"),
                          cluster=preset_cluster("a100-80gb", 1), layout=ParallelLayout(),
                          engine=EngineSettings(vllm_version="0.34.0",
                                                kv_cache_memory_bytes=GIB // 4))
    result = plan(request)
    assert not result.fits and result.nearest_fit is not None
    assert result.nearest_fit.startswith("--max-model-len ")
    assert "fp8" not in result.nearest_fit and result.longer_context_fit is None
    # on an H100 (9.0) the same request gets the fp8 second choice
    on_h100 = plan(request.model_copy(update={"cluster": preset_cluster("h100-sxm", 1)}))
    assert on_h100.longer_context_fit.startswith("--kv-cache-dtype fp8 with --max-model-len ")


def test_an_fp8_kv_cache_that_holds_the_whole_asked_context_is_offered():
    # Qwen3-8B on one H100, vLLM 0.34.0 (64-token blocks), a 4 GiB pool at its 40,960 tokens:
    # 16-bit 9,437,184 B a block, 4,294,967,296 // 9,437,184 = 455 blocks, less the null
    # block 454 x 64 = 29,056 tokens (shortened); fp8 4,718,592 B a block, 910 blocks, 909 x
    # 64 = 58,176 tokens >= 40,960: fp8 holds all the asked context (was offered nothing, the
    # fp8 plan's context being capped at the asked 40,960)
    assert 4 * GIB // (64 * 147_456) == 455 and 4 * GIB // (64 * 73_728) == 910
    result = plan(_request(kv_cache_memory_bytes=4 * GIB))
    assert not result.fits and result.nearest_fit == "--max-model-len 29056 fits"
    assert result.longer_context_fit == "--kv-cache-dtype fp8 with --max-model-len 40960 fits"


def test_a_block_larger_than_the_kv_pool_gets_a_smaller_block_not_more_memory():
    # Qwen3-8B: 147,456 B a token (above). --block-size 16384: one block is 16,384 x 147,456
    # = 2,415,919,104 B, more than a 2 GiB pool (2,147,483,648 B): no block, so vLLM 0.34.0
    # says "No available memory for the cache blocks. Try increasing `gpu_memory_utilization`"
    # (its words), where a smaller block is the change. Its own 64-token blocks hold 226 x 64
    # = 14,464 tokens of that pool (above), more than --max-model-len 8192: that fits
    assert 16_384 * 147_456 == 2_415_919_104 > 2 * GIB
    result = plan(_request(kv_cache_memory_bytes=2 * GIB, block_size=16_384, max_model_len=8192))
    assert not result.fits
    assert result.errors[0] == (
        "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
        "when initializing the engine. (Headroom: with --block-size 16384 one KV block of "
        "16,384 tokens is 2,415,919,104 B, and the pool of 2,147,483,648 B holds 0 blocks, and "
        "vLLM 0.34.0 keeps one as its null block: a smaller --block-size is the change; vLLM "
        "0.34.0 runs any multiple of 16, and without --block-size it picks its own.)")
    assert result.nearest_fit == "--block-size left to vLLM's choice fits"
    assert result.nearest_fit_change == {"block_size": None}
    applied = plan(_request(kv_cache_memory_bytes=2 * GIB, max_model_len=8192))
    assert applied.fits and applied.num_gpu_blocks == 227


def test_a_block_the_pool_holds_gets_no_block_advice():
    # 64-token blocks given (9,437,184 B each): the 2 GiB pool holds 227 of them, a request of
    # the model's 40,960 tokens does not fit, and the change is the shorter context, as
    # without --block-size; the verdict adds no block-size advice
    result = plan(_request(kv_cache_memory_bytes=2 * GIB, block_size=64))
    assert not result.fits and "Headroom: with --block-size" not in result.errors[0]
    assert result.nearest_fit == "--max-model-len 14464 fits"
