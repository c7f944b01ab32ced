"""recommend runs the workload's concurrency at once in every row: where vLLM's default
max_num_seqs per replica is fewer than a replica's share, ceil(concurrency / DP), the row is
planned and launched at --max-num-seqs raised to it (sweep.held_settings). Before, such a row
kept the default (256 on an RTX A6000, < 70 GiB: engine.batch_defaults) and its speed was at
256 requests, its TTFT leaving out the minute-long wait of the other 244 for a slot."""

import re

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, _cluster, recommend
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.sweep import held_settings

A6000 = {"max_num_seqs": 256, "max_num_batched_tokens": 2048}
"""vLLM's defaults on a GPU under 70 GiB (engine.batch_defaults): 256 requests, 2,048 tokens."""


def test_max_num_seqs_is_raised_to_a_replicas_share_only_where_the_default_is_fewer() -> None:
    base = EngineSettings()
    made: dict = {}
    # 500 on one replica: 500 > 256; 2,048 batched tokens already cover 500 sequences
    one = held_settings(base, A6000, ParallelLayout(tp=2), 500, made)
    assert (one.max_num_seqs, one.max_num_batched_tokens) == (500, None)
    # over two replicas ceil(500 / 2) = 250 <= 256 each: the default stands
    assert held_settings(base, A6000, ParallelLayout(dp=2), 500, made) is None
    # ceil(501 / 2) = 251, still <= 256; ceil(1,001 / 2) = 501 > 256
    assert held_settings(base, A6000, ParallelLayout(dp=2), 501, made) is None
    assert held_settings(base, A6000, ParallelLayout(dp=2), 1001, made).max_num_seqs == 501
    # 3,000 on one replica: vLLM refuses fewer batched tokens (2,048) than sequences, so the
    # tokens are raised to 3,000 with them
    many = held_settings(base, A6000, ParallelLayout(), 3000, made)
    assert (many.max_num_seqs, many.max_num_batched_tokens) == (3000, 3000)
    # one settings object per raise: the plan's caches are keyed by identity
    assert held_settings(base, A6000, ParallelLayout(tp=2), 500, made) is one


def _max_num_seqs(command: str) -> int:
    return int(re.search(r"--max-num-seqs (\d+)", command)[1])


def test_500_requests_on_rtx_a6000s_run_500_at_once_with_plans_ttft() -> None:
    """The review's case (review-h436 #1): Qwen3-8B, 500 requests of 1,024 + 1,024 tokens,
    TTFT <= 5,000 ms. The cheapest row had been 2x RTX A6000 TP=1 x PP=2 at vLLM's
    --max-num-seqs 256, its TTFT 3,207 ms at 256 in flight while 244 waited (plan: 62.5 s
    each on average, not in TTFT). Now every row's command runs 500 at once (--max-num-seqs x
    DP >= 500), its speed is at 500, and its TTFT is `plan`'s for that command at 500."""
    spec = catalog_spec("Qwen/Qwen3-8B")
    workload = Workload(concurrency=500, ttft_ms=5000)
    result = recommend([spec], workload, with_overrides({}), gpu_keys=("rtx-a6000",),
                       gpus_max=2)
    [row] = result.rows
    assert row.gpus == 2 and row.layout == ParallelLayout(tp=2)
    # one replica: ceil(500 / 1) = 500 > the A6000's default 256
    assert _max_num_seqs(row.vllm_command) == 500
    assert row.raised_flags == {"max_num_seqs": 500}  # 2,048 batched tokens cover 500
    assert row.speed_concurrency == 500
    # the KV room at the raised flags still holds them: 2,048-token requests are 32 blocks of
    # 64 tokens (vLLM 0.34's block), so 500 need 16,000 blocks
    assert row.max_concurrency >= 500
    # plan's speed for the command's own settings at 500 in flight: the same TTFT, no wait
    engine = EngineSettings(max_model_len=2048, max_num_seqs=500, quantization="fp8",
                            kv_cache_dtype="fp8")
    speed = estimate_speed(PlanRequest(model=spec, cluster=_cluster("rtx-a6000", 2),
                                       layout=row.layout, engine=engine),
                           ServingLoad(concurrency=500))
    assert speed.concurrency == 500 and not speed.seqs_bound and speed.kv_wait_ms == 0
    assert row.ttft_ms == speed.ttft_ms <= 5000
