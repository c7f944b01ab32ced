"""Clusters whose nodes differ: which node a rank runs on, which layouts vLLM places as planned
over nodes of different GPU counts, and which GPU the engine-wide batch defaults are read on.

Sources (vLLM 0.19.0 and 0.33.0 wheels, read): --nnodes N starts world size / N ranks on every
node (engine/arg_utils.py EngineArgs.create_engine_config: local_world_size = world_size //
nnodes), node R's as global ranks local_world_size x R + local rank on cuda:local rank
(v1/executor/multiproc_executor.py MultiprocExecutor._init_executor); the batch defaults are
read by EngineArgs.get_batch_defaults on current_platform's device 0 in the process that builds
the config, node 0's `vllm serve` (>= 70 GiB and not A100: 8192 tokens / 1024 sequences, else
2048 / 256, for the OpenAI API server).

Figures worked by hand: nodes of 4 and 8 GPUs hold ranks 0-3 and 4-11, so rank 4 is node 1's
GPU 0 and rank 11 its GPU 7. TP=4 x PP=3 is 12 ranks: node by node 4 + 8, but --nnodes 2 starts
12 / 2 = 6 on each, more than node 0's 4 GPUs: refused. TP=4 x PP=2 is 8 ranks, 4 + 4, what
--nnodes 2 starts (8 / 2 = 4 a node): two commands. On nodes of 8 and 4, TP=4 x PP=3 is 8 + 4
(node 1 holds at most node 0's 8): planned, with no --nnodes command (12 / 2 = 6 a node would
split a TP group), as 12 ranks on two nodes of 8 are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from planner.catalog import catalog_spec
from planner.report import idle_gpus
from planner.serving.auto_layout import AUTO_LAYOUT_RULE, auto_layout, layout_rule, layout_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    ClusterSpec,
    NodeSpec,
    gpu_preset,
    gpus_label,
    preset_cluster,
)
from planner.serving.layout import ParallelLayout, filled_gpus, layout_errors
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed.context import stage_gpus
from planner.serving.sweep import layout_candidates
from tests.cli.test_bad_inputs import assert_one_line_error, run

QWEN_8B = "Qwen/Qwen3-8B"
SNAPSHOT = Path(__file__).parents[2] / "fixtures" / "snapshots" / "rtx3090x8.json"


def _node(gpu: str, count: int, host: str) -> NodeSpec:
    return NodeSpec(hostname=host, gpu=gpu_preset(gpu), gpus_per_node=count,
                    intra_node_link="pcie")


def _cluster(*nodes: tuple[str, int]) -> ClusterSpec:
    return ClusterSpec(nodes=tuple(_node(gpu, count, f"n{i}")
                                   for i, (gpu, count) in enumerate(nodes)), source="test")


def _plan(cluster: ClusterSpec, tp: int, pp: int = 1, model: str = QWEN_8B):
    return plan(PlanRequest(model=catalog_spec(model), cluster=cluster,
                            layout=ParallelLayout(tp=tp, pp=pp),
                            engine=EngineSettings(max_model_len=8192)))


def test_ranks_fill_the_nodes_in_order_each_to_its_own_count() -> None:
    uneven = _cluster(("rtx-3090", 4), ("rtx-4090", 8))
    assert [uneven.rank_node(r) for r in (0, 3, 4, 11)] == [(0, 0), (0, 3), (1, 0), (1, 7)]
    even = preset_cluster("rtx-3090", 8, 2)  # rank // 8, as plans always placed them
    assert [even.rank_node(r) for r in (7, 8, 15)] == [(0, 7), (1, 0), (1, 7)]


def test_a_layout_nnodes_cannot_place_on_uneven_nodes_is_refused() -> None:
    spec = catalog_spec(QWEN_8B)
    uneven = _cluster(("rtx-3090", 4), ("rtx-4090", 8))
    errors = layout_errors(spec, uneven, ParallelLayout(tp=4, pp=3))
    assert errors == [
        "The layout TP=4 x PP=3 places its 12 ranks on nodes of 4, 8 GPUs as 4 + 8: vLLM's "
        "--nnodes starts the same number of ranks on every node (world size / nodes), so on "
        "nodes of different GPU counts each node a layout reaches must hold node 0's 4, the "
        "last at most that."]
    assert not layout_errors(spec, uneven, ParallelLayout(tp=4, pp=2))  # 4 + 4
    assert not layout_errors(spec, uneven, ParallelLayout(tp=4))  # node 0 only
    # the sweep and the app's layouts skip it: every candidate keeps 4 ranks on node 0
    assert ParallelLayout(tp=4, pp=3) not in layout_candidates(spec, uneven)
    assert all(lay.gpus <= 8 for lay in layout_candidates(spec, uneven))
    # nodes of one count are untouched: 12 ranks on two nodes of 8 stay a plan
    assert not layout_errors(spec, preset_cluster("rtx-3090", 8, 2), ParallelLayout(tp=4, pp=3))


def test_memory_and_speed_put_a_rank_on_the_same_node() -> None:
    # TP=4 x PP=2 on 4 x 3090 + 8 x 4090: stage 1 (ranks 4-7) is node 1's GPUs 0-3, 4090s
    uneven = _cluster(("rtx-3090", 4), ("rtx-4090", 8))
    result = _plan(uneven, tp=4, pp=2)
    assert [(g.node, g.gpu_index) for g in result.per_gpu] == [
        (0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)]
    assert [g.total_bytes for g in result.per_gpu] == (
        [gpu_preset("rtx-3090").memory_total_bytes] * 4
        + [gpu_preset("rtx-4090").memory_total_bytes] * 4)
    stages = stage_gpus(uneven, ParallelLayout(tp=4, pp=2))
    assert [s.gpu.key for s in stages] == ["rtx-3090", "rtx-4090"]
    # --nnodes 2 starts 8 / 2 = 4 ranks on each node: the placement planned
    assert len(result.vllm_commands) == 2 and "--nnodes 2" in result.vllm_commands[1]


def test_nodes_ending_short_plan_without_a_command_as_on_even_nodes() -> None:
    uneven = _cluster(("rtx-3090", 8), ("rtx-4090", 4))
    result = _plan(uneven, tp=4, pp=3)
    assert result.fits and not result.errors
    assert [g.node for g in result.per_gpu] == [0] * 8 + [1] * 4
    assert result.vllm_commands == []
    assert "12 GPUs do not fill 2 nodes of 8" in result.launch_note


def test_a_middle_node_of_fewer_gpus_is_refused_not_a_traceback() -> None:
    # 8 + 4 + 8 GPUs, TP=4 x PP=5 = 20 ranks: node 1 would hold 4 where node 0 holds 8 (and
    # 20 / 3 nodes is no whole number); it raised IndexError before (node = rank // 8 reached
    # node 1's GPU 4 of 4)
    uneven = _cluster(("rtx-3090", 8), ("rtx-4090", 4), ("rtx-3090", 8))
    result = _plan(uneven, tp=4, pp=5, model="meta-llama/Llama-3.1-70B-Instruct")
    assert not result.fits
    assert any("as 8 + 4 + 8" in e for e in result.errors)
    assert [g.node for g in result.per_gpu] == [0] * 8 + [1] * 4 + [2] * 8


@pytest.mark.parametrize(("first", "second", "tokens", "seqs"), [
    # node 0 an H100 (79.19 GiB >= 70, not A100): 8192 tokens / 1024 sequences, though the
    # 3090 of node 1 has the smaller total (2048 / 256 where it were node 0)
    ("h100-sxm", "rtx-3090", 8192, 1024),
    ("rtx-3090", "h100-sxm", 2048, 256),
])
def test_batch_defaults_are_node_0s_gpu(first: str, second: str, tokens: int,
                                        seqs: int) -> None:
    cluster = _cluster((first, 1), (second, 1))
    assert cluster.sizing_node is cluster.nodes[0]
    result = _plan(cluster, tp=1)
    assert (result.max_num_batched_tokens, result.max_num_seqs) == (tokens, seqs)


def _first_gpus(snapshot: dict, count: int, hostname: str) -> dict:
    """Another machine of `count` of the snapshot's GPUs: new UUIDs (NVML's are per GPU)."""
    topology = snapshot["topology"]
    gpus = [{**g, "uuid": g["uuid"][:-4] + "beef"} for g in snapshot["gpus"][:count]]
    return {**snapshot, "hostname": hostname, "gpus": gpus, "topology": {
        "gpu_indices": topology["gpu_indices"][:count],
        "pcie": [row[:count] for row in topology["pcie"][:count]],
        "nvlink": [row[:count] for row in topology["nvlink"][:count]]}}


def test_the_cli_refuses_it_in_one_line(tmp_path: Path) -> None:
    rig = json.loads(SNAPSHOT.read_text())
    small, big = tmp_path / "n0.json", tmp_path / "n1.json"
    small.write_text(json.dumps(_first_gpus(rig, 4, "n0")))
    big.write_text(json.dumps({**rig, "hostname": "n1"}))
    done = run("planner", "plan", "--model", QWEN_8B, "--snapshot", str(small), "--snapshot",
               str(big), "--tp", "4", "--pp", "3", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: ",
                          "invalid layout TP=4 x PP=3: The layout TP=4 x PP=3 places its 12 "
                          "ranks on nodes of 4, 8 GPUs as 4 + 8")


def test_a_quantization_a_later_node_cannot_run_is_its_start_up_refusal() -> None:
    # Qwen3-32B-FP8 (vLLM's fp8 method, get_min_capability() 75 in the 0.33.0 wheel) on an
    # H100 node 0 (9.0) and a V100 node 1 (7.0): node 1's `vllm serve --headless` builds its
    # own VllmConfig and refuses it (config/vllm.py _get_quantization_config); a layout on
    # node 0 alone starts
    cluster = _cluster(("h100-sxm", 2), ("v100-32gb", 2))
    refusal = ("Node 1 (n1, Tesla V100-SXM2-32GB): The quantization method fp8 is not "
               "supported for the current GPU. Minimum capability: 75. Current capability: 70.")
    assert refusal in _plan(cluster, tp=2, pp=2, model="Qwen/Qwen3-32B-FP8").errors
    assert refusal not in _plan(cluster, tp=2, model="Qwen/Qwen3-32B-FP8").errors


def test_the_hardwares_layout_on_uneven_nodes_is_one_the_app_offers() -> None:
    # 4 + 8 GPUs: --nnodes fills 8 of them, 4 a node (filled_gpus), so the data-parallel
    # splits listed fill 8 (they filled all 12 only, every one refused: the Plan page had no
    # EP choice for the hardware's TP=4 x DP=2 and raised IndexError). The candidates decide:
    # the fitting layouts on the most GPUs (8), TP within node 0's 4, widest first: TP=4 x
    # DP=2 and TP=4 x PP=2, both 40,960 tokens of context, the first listed taken
    spec = catalog_spec(QWEN_8B)
    uneven = _cluster(("rtx-3090", 4), ("rtx-4090", 8))
    assert filled_gpus(uneven) == 8
    assert filled_gpus(_cluster(("rtx-3090", 8), ("rtx-4090", 4))) == 8  # node 0 alone
    candidates = layout_candidates(spec, uneven)
    assert {lay for lay in candidates if lay.dp > 1} == {
        ParallelLayout(tp=tp, pp=pp, dp=dp) for tp, pp, dp in (
            (1, 1, 8), (1, 2, 4), (1, 4, 2), (2, 1, 4), (2, 2, 2), (4, 1, 2))}
    engine = EngineSettings(max_model_len=8192)
    chosen = auto_layout(spec, uneven, layout_scheme(spec, engine), engine, ep=False)
    assert chosen == ParallelLayout(tp=4, dp=2)
    assert chosen in candidates
    # the note says why the rule's first choice (TP = GPUs per node) is not there
    assert layout_rule(spec, uneven, chosen, engine, ep=False) == (
        f"{AUTO_LAYOUT_RULE}; TP = GPUs per node was passed over: the nodes hold different "
        "GPU counts (4, 8)")


@pytest.mark.parametrize(("version", "third", "warned"), [
    ("0.10.2", "a100-80gb", True),  # Ray; nodes 1-2 hold an H100 and an A100
    ("0.10.2", "h100-sxm", False),  # Ray, but nodes 1-2 alike: any order plans the same
    ("0.33.0", "a100-80gb", False),  # --nnodes: node R holds ranks 8R-8R+7 as planned
])
def test_ray_orders_the_later_nodes_itself(version: str, third: str, warned: bool) -> None:
    # 3 nodes of 8, TP=8 x PP=3: Ray (vLLM < 0.11.1) sorts the workers by (not on node 0,
    # workers on their node, IP): nodes 1 and 2 hold 8 each, so the IP address decides which
    # holds stage 1 (sort_by_driver_then_worker_ip, executor/ray_distributed_executor.py 0.10.2)
    cluster = _cluster(("h100-sxm", 8), ("h100-sxm", 8), (third, 8))
    result = plan(PlanRequest(
        model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"), cluster=cluster,
        layout=ParallelLayout(tp=8, pp=3),
        engine=EngineSettings(max_model_len=8192, vllm_version=version)))
    ray = [w for w in result.warnings if "sort_by_driver_then_worker_ip" in w]
    assert bool(ray) == warned
    if warned:
        assert ray[0].startswith("vLLM 0.10.2 runs these 3 nodes on Ray, which gives ranks to "
                                 "the nodes after node 0 by how many workers each holds")
        assert "nodes 1-2 hold NVIDIA H100 80GB HBM3, NVIDIA A100-SXM4-80GB" in ray[0]


def test_the_gpus_used_are_named_node_by_node_where_they_differ() -> None:
    # the headline names node 0's model only ("8x NVIDIA GeForce RTX 3090"); TP=4 x PP=2 on
    # 4 x 3090 + 8 x 4090 runs ranks 0-3 on node 0 and 4-7 on node 1's GPUs 0-3
    uneven = _cluster(("rtx-3090", 4), ("rtx-4090", 8))
    assert idle_gpus(uneven, _plan(uneven, tp=4, pp=2)) == (
        "This layout uses 8 of 12 GPUs: 4x NVIDIA GeForce RTX 3090 (node 0), 4x NVIDIA GeForce "
        "RTX 4090 (node 1); idle: node 1 GPUs 4-7.")
    full = _cluster(("rtx-3090", 8), ("rtx-4090", 8))
    assert idle_gpus(full, _plan(full, tp=8, pp=2)) == (
        "This layout uses all 16 GPUs: 8x NVIDIA GeForce RTX 3090 (node 0), 8x NVIDIA GeForce "
        "RTX 4090 (node 1).")
    # one model, every GPU used: nothing to say, as before
    even = preset_cluster("rtx-3090", 8, 2)
    assert idle_gpus(even, _plan(even, tp=8, pp=2)) == ""


def test_nodes_idle_alike_are_one_entry() -> None:
    """TP=32 on 64 nodes x 64 GPUs listed "node 1 GPUs 0-63; node 2 GPUs 0-63; ..." 63 times
    (1,252 characters on the Plan page; helper 366's QA). By hand: TP=32 is ranks 0-31 on
    node 0, so node 0's GPUs 32-63 and every GPU of nodes 1-63 are idle; 64 x 64 = 4,096."""
    big = preset_cluster("rtx-3090", 64, 64)
    assert idle_gpus(big, _plan(big, tp=32)) == (
        "This layout uses 32 of 4,096 GPUs; idle: node 0 GPUs 32-63; nodes 1-63 GPUs 0-63.")
    # TP=2 on 3 nodes x 2 RTX 3090 + 1 x 4 RTX 4090: node 0 busy, nodes 1-2 idle alike, node 3
    # idle on 4 GPUs, a different run
    mixed = _cluster(("rtx-3090", 2), ("rtx-3090", 2), ("rtx-3090", 2), ("rtx-4090", 4))
    assert idle_gpus(mixed, _plan(mixed, tp=2)) == (
        "This layout uses 2 of 10 GPUs; idle: nodes 1-2 GPUs 0-1; node 3 GPUs 0-3.")


def test_the_headline_names_each_gpu_model_the_layout_runs_on_with_its_count() -> None:
    # the headline read "16x NVIDIA GeForce RTX 3090" for 8 x 3090 + 8 x 4090 (node 0's model
    # for every GPU). Ranks fill the nodes in order: 16 ranks take all 8 of each node, 12 take
    # node 0's 8 and node 1's GPUs 0-3, 8 only node 0's
    mixed = _cluster(("rtx-3090", 8), ("rtx-4090", 8))
    assert gpus_label(mixed, 16) == "8x NVIDIA GeForce RTX 3090 + 8x NVIDIA GeForce RTX 4090"
    assert gpus_label(mixed, 12) == "8x NVIDIA GeForce RTX 3090 + 4x NVIDIA GeForce RTX 4090"
    assert gpus_label(mixed, 8) == "8x NVIDIA GeForce RTX 3090"
    # a model on two nodes is counted once, in the order the nodes first hold it: 4 + 8 = 12
    # 3090s (nodes 0 and 2) and the 8 4090s of node 1
    sandwich = _cluster(("rtx-3090", 4), ("rtx-4090", 8), ("rtx-3090", 8))
    assert gpus_label(sandwich, 20) == "12x NVIDIA GeForce RTX 3090 + 8x NVIDIA GeForce RTX 4090"
    # one model: as the headline always read it
    assert gpus_label(preset_cluster("rtx-3090", 8, 2), 16) == "16x NVIDIA GeForce RTX 3090"
    # the plan carries it (the CLI's plan, its JSON and the report read Plan.gpus_label); its
    # gpu_name stays node 0's
    result = _plan(mixed, tp=8, pp=2)
    assert result.gpus_label == "8x NVIDIA GeForce RTX 3090 + 8x NVIDIA GeForce RTX 4090"
    assert result.gpu_name == "NVIDIA GeForce RTX 3090"
    assert _plan(mixed, tp=8).gpus_label == "8x NVIDIA GeForce RTX 3090"
