"""KV budgets on a cluster whose audited nodes hold different GPUs, as vLLM sizes them: each
worker's budget is its own GPU's total x gpu_memory_utilization (v1/worker/utils.py
request_memory: ceil(total x utilization), read by gpu_worker.py determine_available_memory),
and get_kv_cache_configs (v1/core/kv_cache_utils.py 0.19.0, kv_cache_planning.py 0.33.0)
gives every rank the fewest blocks of all ranks, over every pipeline stage.

Figures worked by hand: the RTX 3090 fixture's CUDA total is 24,576 - 440 MiB reserved =
24,136 MiB = 25,308,430,336 B, the RTX 4090's 24,564 - 357 = 24,207 MiB = 25,382,879,232 B
(tests.probes.test_cluster). At 0.9: ceil(25,308,430,336 x 0.9) = ceil(22,777,587,302.4) =
22,777,587,303 B and ceil(25,382,879,232 x 0.9) = ceil(22,844,591,308.8) = 22,844,591,309 B,
67,004,006 B apart. Llama-3.1-70B (../shared/model-configs: 80 layers, 8 KV heads of 128,
BF16) at TP=8 x PP=2: a block of a stage is 40 layers x 16 tokens x 2 (K, V) x 1 KV head x
128 x 2 B = 327,680 B. Planned on vLLM 0.33.0 (pinned: the subject is the mixed GPUs, and the
16-token block above is 0.33.0's; 0.34.0's is 64, vllm_versions.BLOCK_64_DEFAULT_FROM).
"""

from __future__ import annotations

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.layout import ParallelLayout
from planner.serving.plan import Plan, PlanRequest, plan
from probes.cluster import snapshots_to_cluster
from probes.snapshot import HardwareSnapshot
from tests.probes.test_cluster import renamed
from tests.probes.test_mixed_node_speed import _rtx4090

BUDGET_3090 = 22_777_587_303
BUDGET_4090 = 22_844_591_309
BLOCK_BYTES = 327_680


def _plan(nodes: list[HardwareSnapshot]) -> Plan:
    return plan(PlanRequest(model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"),
                            cluster=snapshots_to_cluster(nodes),
                            layout=ParallelLayout(tp=8, pp=2),
                            engine=EngineSettings(max_model_len=8192,
                                                  gpu_memory_utilization=0.9,
                                                  vllm_version="0.33.0")))


def _num_blocks_note(p: Plan) -> str:
    return next(t.note for t in p.terms if t.key == "num_blocks")


def test_each_rank_is_budgeted_on_its_own_gpu_and_the_fewest_blocks_bind(
        rig: HardwareSnapshot) -> None:
    mixed = _plan([rig, _rtx4090(rig)])
    budgets = [g.budget_bytes for g in mixed.per_gpu]
    assert budgets == [BUDGET_3090] * 8 + [BUDGET_4090] * 8
    # the same ranks on two 3090 nodes: the 4090's stage holds 67,004,006 B more KV, no more
    # weights or overheads (each stage's are its own, whatever the GPU's total)
    uniform = _plan([rig, renamed(rig, "node2")])
    assert [g.budget_bytes for g in uniform.per_gpu] == [BUDGET_3090] * 16
    assert [m.kv_cache_bytes - u.kv_cache_bytes for m, u in
            zip(mixed.per_gpu, uniform.per_gpu, strict=True)] == [0] * 8 + [67_004_006] * 8
    assert all(g.num_blocks == g.kv_cache_bytes // BLOCK_BYTES for g in mixed.per_gpu)
    # every rank takes the fewest blocks of all ranks: stage 2's (its sampler and lm_head),
    # on the larger 4090, not a 3090's
    assert mixed.num_gpu_blocks == min(g.num_blocks for g in mixed.per_gpu)
    assert mixed.binding_rank == 8
    assert mixed.num_gpu_blocks == mixed.per_gpu[8].num_blocks > uniform.num_gpu_blocks
    assert _num_blocks_note(mixed).startswith(
        "rank 8 binds (node 1, NVIDIA GeForce RTX 4090, stage 1)")
    assert _num_blocks_note(uniform) == ""  # one GPU total: nothing to choose between


def test_the_smaller_gpu_on_the_last_stage_binds(rig: HardwareSnapshot) -> None:
    p = _plan([_rtx4090(rig), renamed(rig, "node1")])
    assert [g.budget_bytes for g in p.per_gpu] == [BUDGET_4090] * 8 + [BUDGET_3090] * 8
    assert p.binding_rank == 8
    assert p.num_gpu_blocks == min(g.num_blocks for g in p.per_gpu)
    assert _num_blocks_note(p).startswith(
        "rank 8 binds (node 1, NVIDIA GeForce RTX 3090, stage 1)")
