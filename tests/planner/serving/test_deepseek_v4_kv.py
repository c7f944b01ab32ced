"""DeepSeek-V4's compressed-attention KV cache, checked against the GH200 start-up refusal of
vLLM issue #44376 (../shared/calibration/vllm-other-gpus.json vllm-i44376)."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings, model_facts, stage_layouts
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB


def _v4(**engine):
    spec = catalog_spec("deepseek-ai/DeepSeek-V4-Flash")
    # the LLM(...): TP=2 + EP on 2x GH200, fp8 KV, block 256, 30,000 tokens,
    # prefix caching; the offline LLM class batches 16,384 tokens by default (>= 70 GiB)
    settings = dict(vllm_version="0.22.0", kv_cache_dtype="fp8", block_size=256,
                    max_model_len=30000, max_num_batched_tokens=16384,
                    enable_prefix_caching=True, gpu_memory_utilization=0.95)
    return plan(PlanRequest(model=spec, cluster=preset_cluster("gh200", 2),
                            layout=ParallelLayout(tp=2, ep=True),
                            engine=EngineSettings(**settings | engine)))


def test_block_row_and_request_need_match_the_logged_refusal():
    # Log: "(6.66 GiB KV cache is needed, which is larger than the available KV cache memory
    # (5.44 GiB). ... the estimated maximum model length is 13528."
    # By hand (vLLM 0.22.0: kv_cache_interface.py pages, kv_cache_utils.py grouping):
    # compress_ratios: 2 window-only layers, 21 of ratio 4, 20 of ratio 128.
    #   full-context pages: c=4 cache 64 x 584 = 37,376 -> 37,440 (576-aligned); c=128
    #   2 x 584 -> 1,728; indexer 64 x 132 = 8,448 -> 8,640: a tuple of 47,808 B
    #   sliding groups: window caches (block 64, 43 layers), c=4 compressor states (block 4,
    #   window 8, 21 + 21 indexer), c=128 states (block 8, window 128, 20 layers);
    #   d = _approximate_gcd([21, 43, 21, 20], 21) = 22 -> 43 window caches split 22 + 21;
    #   block row = 22 x 47,808 = 1,051,776 B
    #   pages per 30,000-token request: cdiv(30,000, 256) = 118; 2 x (cdiv(127 + 16,384, 64)
    #   + 1) = 2 x 259; cdiv(7 + 16,384, 4) + 1 = 4,099; cdiv(127 + 16,384, 8) + 1 = 2,065:
    #   6,800 rows x 1,051,776 B = 7,152,076,800 B = 6.66 GiB
    p = _v4(kv_cache_memory_bytes=round(5.44 * GIB))
    assert p.per_gpu[0].kv_bytes_per_token == 21 * (584 // 4 + 132 // 4) + 20 * (584 // 128)
    assert not p.fits
    assert "(6.66 GiB KV cache is needed" in p.verdict
    assert p.num_gpu_blocks == round(5.44 * GIB) // 1_051_776
    # the longest request the 5.44 GiB pool holds: 13,528 logged (5.44 is rounded)
    assert p.kv_limited_context_tokens == pytest.approx(13_528, rel=0.002)


def test_vllm_serve_batch_default_needs_less():
    # `vllm serve` batches 8,192 tokens at >= 70 GiB: the windows cover fewer tokens,
    # 118 + 2 x 131 + 2,051 + 1,041 = 3,472 rows (3.40 GiB) per 30,000-token request
    p = _v4(max_num_batched_tokens=None, kv_cache_memory_bytes=round(5.44 * GIB))
    assert p.fits
    assert p.max_concurrency == pytest.approx(p.num_gpu_blocks / 3_472, rel=1e-9)


def test_pp_stage_rows_count_the_stage_tuples_of_the_whole_model_groups():
    # vLLM groups the specs merged over all PP workers and projects the groups on each worker
    # (kv_cache_utils.get_kv_cache_configs, _project_kv_cache_groups_to_worker, 0.22.0 wheel).
    # By hand, block 256 (the sparse SWA backend's): groups are the whole model's: the MLA
    # group, the 43 window caches split 22 + 21 (d = 22: tuples 0, 2, 4, ... and 1, 3, ...),
    # the c=4 compressor states, the c=128 states: 5 groups. PP=15: 43 layers -> [2, 3 x 13, 2]
    # (get_pp_indices). Stage 0 = layers 0-1 (both window-only): no MLA cache, one window
    # cache in each split group -> 1 tuple, row 47,808 B. Stage 1 = layers 2-4 (ratios 4,
    # 128, 4): MLA buckets 2 (c=4), 1 (c=128), 2 (indexer); window tuples 2, 3, 4 -> 2 in
    # the even group; 2 c=4 states -> 2 tuples, row 2 x 47,808 = 95,616 B.
    spec = catalog_spec("deepseek-ai/DeepSeek-V4-Flash")
    stages = stage_layouts(model_facts(spec), ParallelLayout(tp=1, pp=15), 256, 1)
    assert [len(rng) for rng, _ in stages] == [2] + [3] * 13 + [2]
    assert stages[0][1].bytes_per_block == 47_808
    assert stages[1][1].bytes_per_block == 95_616
    assert {stage.num_groups for _, stage in stages} == {5}
    # the whole model on one stage keeps the logged row (test above): 22 x 47,808
    whole = stage_layouts(model_facts(spec), ParallelLayout(tp=1, pp=1), 256, 1)
    assert whole[0][1].bytes_per_block == 1_051_776


def test_pp15_sweep_plans_every_layout():
    # the reported traceback: sweep --gpu h100-sxm --gpus 16 --nodes 2 reached PP=15
    spec = catalog_spec("deepseek-ai/DeepSeek-V4-Flash")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 8, nodes=2),
                         layout=ParallelLayout(tp=1, pp=15), engine=EngineSettings()))
    assert p.binding_rank != 0  # stage 0's 47,808 B rows leave it the most blocks


def test_the_parser_warning_states_the_logged_pool_gap():
    # Log: "available KV cache memory (5.44 GiB)". The warning every DeepSeek-V4 plan carries
    # names the gap between that and the plan of the same start-up (no pool given), so it
    # goes stale, and this fails, when a change moves the planned pool.
    from planner.model.config.compressed import DSV4_WARNING

    gap_gib = _v4().kv_cache_bytes_per_gpu / GIB - 5.44
    assert f"has {gap_gib:.1f} GiB less KV pool than planned" in DSV4_WARNING


def test_block_size_unset_is_the_sparse_swa_backends_256_and_a_given_16_is_refused():
    """Without --block-size vLLM takes DeepseekSparseSWABackend's preferred 256 (engine.
    DSV4_BLOCK) and the command leaves the flag out; a given size is kept (0.18 on), and 16
    does not hold the C4 indexer's 256-token kernel block (DeepseekV4IndexerBackend: [256])."""
    from planner.serving.vllm_versions import EngineError

    unset = _v4(block_size=None)
    assert unset.block_size == 256 and "--block-size" not in unset.vllm_command
    given = _v4(block_size=512)
    assert given.block_size == 512
    with pytest.raises(EngineError, match=r"^--block-size 16: DeepSeek-V4's indexer cache "
                       r"takes 256-token kernel blocks only"):
        _v4(block_size=16)
