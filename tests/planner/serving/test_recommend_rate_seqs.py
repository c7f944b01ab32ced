"""recommend at a request rate raises --max-num-seqs to reach the rate where the KV cache holds
more requests than vLLM's default (sweep.rate_raised). Before, a rate search stopped at the
default (256 on an L40S, < 70 GiB: engine.batch_defaults), so Qwen3-8B at 55 requests/s on
L40S GPUs answered 2x l40s ($2.18 an hour) where one, at a raised --max-num-seqs, serves."""

import re

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, summary_figures
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, _cluster, recommend
from planner.serving.replicas import rate_room
from planner.serving.speed import ServingLoad, estimate_speed

NEEDED = 55 * 128
"""55 requests/s x 128 output tokens = 7,040 output tokens/s."""


def _l40s(max_num_seqs: int | None) -> PlanRequest:
    """One L40S with the recommended row's flags (FP8 weights and KV, --max-model-len 384)."""
    engine = EngineSettings(max_model_len=384, max_num_seqs=max_num_seqs, quantization="fp8",
                            kv_cache_dtype="fp8")
    return PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"), cluster=_cluster("l40s", 1),
                       layout=ParallelLayout(), engine=engine)


def _by_hand(request: PlanRequest, concurrency: int) -> float:
    """Output tokens/s at `concurrency` in flight from the plan's TPOT and TTFT terms: each
    request gives 128 tokens per (TTFT + 128 x TPOT), so C / (TPOT + TTFT / 128)."""
    speed = estimate_speed(request, ServingLoad(concurrency=concurrency, input_len=256,
                                                output_len=128))
    assert speed.concurrency == concurrency  # the KV cache holds them all
    return concurrency / (speed.tpot_ms / 1e3 + speed.ttft_ms / 1e3 / 128)


def test_the_review_case_at_512_in_flight_reaches_the_rate_on_one_l40s() -> None:
    """`plan ... --max-num-seqs 512 --concurrency 512`: TPOT 65.13 ms and TTFT 599.8 ms give
    512 / (0.06513 + 0.5998 / 128 = 0.06982) = 7,333 output tokens/s, over the 7,040 needed;
    at vLLM's default 256, TPOT 38.80 and TTFT 328.4 ms give 256 / (0.03880 + 0.3284 / 128 =
    0.04136) = 6,189, short of it. (7,389 and 6,260 at TPOT 64.7 / 38.4 ms, TTFT 583 / 320 ms
    before the 2026-12-05 refit on the 846 fit rows, whose FP8 weights read at 0.865 of the
    bandwidth, not 0.9.)"""
    assert _by_hand(_l40s(512), 512) == pytest.approx(7333, abs=5)
    default = _by_hand(_l40s(None), 256)
    assert default == pytest.approx(6189, abs=5) and default < NEEDED


def test_55_requests_per_s_on_l40s_run_on_one_gpu_at_raised_max_num_seqs() -> None:
    """One L40S at the fewest requests in flight reaching 7,040 output tokens/s: 418 (TPOT
    55.46 ms, TTFT 500.11 ms: 418 / (0.05546 + 0.50011 / 128 = 0.05937) = 7,041), where 417
    give 7,037 (TPOT 55.36, TTFT 499.05 ms: 417 / 0.05926). The command carries
    --max-num-seqs 418 and the row's KV room is the plan made at it: vLLM's CUDA-graph
    captures and sampler profile at 418 sequences leave 6,795 KV blocks of 64 tokens (vLLM
    0.34's block), 6,795 x 64 / 384 = 1,132.5 requests of 384, against 6,916 (1,152.7) at the
    default 256. (402, at TPOT 53.4 ms and 6,806 blocks, before the 2026-12-05 refit on the
    846 fit rows read FP8 weights at 0.865 of the bandwidth, not 0.9.)"""
    result = recommend([catalog_spec("Qwen/Qwen3-8B")],
                       Workload(input_len=256, output_len=128, requests_per_s=55),
                       with_overrides(), gpu_keys=("l40s",))
    [row] = result.rows
    assert (row.gpus, row.layout, row.quant_key, row.kv_cache_dtype) == \
        (1, ParallelLayout(), "fp8-tensor", "fp8")
    assert row.usd_per_hour == pytest.approx(1.09, abs=0.005)
    assert row.speed_concurrency == 418
    assert row.raised_flags == {"max_num_seqs": 418}  # 2,048 batched tokens cover 418
    assert int(re.search(r"--max-num-seqs (\d+)", row.vllm_command)[1]) == 418
    fewest = _by_hand(_l40s(418), 418)
    assert fewest == pytest.approx(7041, abs=1) and fewest >= NEEDED
    assert _by_hand(_l40s(418), 417) < NEEDED
    assert row.output_tokens_per_s >= NEEDED and row.tpot_ms == pytest.approx(55.46, abs=0.05)
    raised, default = (summary_figures(r.model, r.cluster, r.layout, r.engine)
                       for r in (_l40s(418), _l40s(None)))
    assert (raised["num_gpu_blocks"], default["num_gpu_blocks"]) == (6795, 6916)
    assert row.max_concurrency == raised["max_concurrency"] == pytest.approx(6795 * 64 / 384)


def test_above_one_node_the_bounds_count_the_raise() -> None:
    """With --gpus-max 16 the families' rate bound (replicas.lowest_counts) is worked out at
    the most requests a replica could run (rate_room), not at vLLM's 256, or it put the
    fewest L40Ss at 7,040 / (6,189 x 1.05) = 1.08 and skipped the one that serves. For the
    FP8 TP=1 replica: one request holding 256 + 128 / 2 = 320 tokens is 5 blocks of 64 tokens
    x 73,728 bytes (36 layers x 8 KV heads x 128 x K and V x 1 byte) = 23,592,960 bytes, and
    the KV cache's 32,635,927,086 bytes with the weights' 9,446,189,056 hold 1,783.7 of them:
    1,784, above the pool's own 6,916 // 5 = 1,383."""
    request = _l40s(None)
    figures = summary_figures(request.model, request.cluster, request.layout, request.engine)
    assert (figures["kv_cache_bytes_per_gpu"], figures["weights_bytes_per_gpu"]) == \
        (32_635_927_086, 9_446_189_056)
    assert rate_room(request, figures, ServingLoad(input_len=256, output_len=128)) == 1784
    result = recommend([catalog_spec("Qwen/Qwen3-8B")],
                       Workload(input_len=256, output_len=128, requests_per_s=55),
                       with_overrides(), gpu_keys=("l40s",), gpus_max=16)
    assert [(r.gpus, r.raised_flags) for r in result.rows] == [(1, {"max_num_seqs": 418})]


def test_above_one_node_a_layout_reached_only_at_a_raised_max_num_seqs_is_offered() -> None:
    """880 requests/s = 16 x 55: sixteen L40Ss, each replica (DP = 16, TP = 1) running what
    the one-GPU row above runs, serve at 16 x $1.09 = $17.44 an hour, but only above vLLM's
    default 256 sequences a replica (16 x 6,189 = 99,024 output tokens/s there, short of the
    16 x 7,040 = 112,640 needed). Before, above one node a member was tested at the default
    alone, so the search went on to 24 GPUs at $26.16, which reach it at 256 a replica, where
    one node's rows raise --max-num-seqs (sweep.rate_raised)."""
    result = recommend([catalog_spec("Qwen/Qwen3-8B")],
                       Workload(input_len=256, output_len=128, requests_per_s=880),
                       with_overrides(), gpu_keys=("l40s",), gpus_max=32)
    [row] = result.rows
    assert (row.gpus, row.layout, row.quant_key, row.kv_cache_dtype) == \
        (16, ParallelLayout(dp=16), "fp8-tensor", "fp8")
    assert row.usd_per_hour == pytest.approx(16 * 1.09, abs=0.05)
    assert 16 * _by_hand(_l40s(None), 256) < 16 * NEEDED <= row.output_tokens_per_s
    # the command raises it: 417 a replica fall short (the one-GPU test), so 418 or more
    seqs = int(re.search(r"--max-num-seqs (\d+)", row.vllm_command)[1])
    assert row.raised_flags == {"max_num_seqs": seqs} and seqs >= 418
    assert 16 * _by_hand(_l40s(seqs), seqs) >= 16 * NEEDED
    assert "--nnodes 2 --master-addr $HEAD_NODE_IP --node-rank 0" in row.vllm_command
