"""TP and PP across nodes: NCCL over the network, never vLLM's single-node kernels; B300's
all-reduce size tables (0.19+). Figures worked by hand from the DGX datasheets' NIC rates,
NCCL's tuning constants and Llama-3.1-70B's config (hidden 8,192, 80 layers, BF16)."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    HardwareError,
    gpu_preset,
    link_spec,
    network_link,
    parse_network,
    preset_cluster,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.speed.collectives import (
    CrossNode,
    allreduce_algorithm,
    allreduce_rates,
    ar_capability,
    moe_group_node_ranks,
    node_span,
)

LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"
ONE = ServingLoad(input_len=2048, output_len=256, concurrency=1)


def _estimate(tp: int, pp: int, gpus_per_node: int, nodes: int, network: str = "",
              model: str = LLAMA_70B, dp: int = 1, ep: bool = False, all2all: str | None = None):
    spec = catalog_spec(model)
    cluster = preset_cluster("h100-sxm", gpus_per_node, nodes,
                             network=parse_network(network) if network else None)
    request = PlanRequest(model=spec, cluster=cluster,
                          layout=ParallelLayout(tp=tp, pp=pp, dp=dp, ep=ep),
                          engine=EngineSettings(max_model_len=8192, all2all_backend=all2all))
    return estimate_speed(request, ONE)


def test_h100_network_link_is_one_400_gbit_nic_per_gpu() -> None:
    net = network_link(gpu_preset("h100-sxm"))
    assert (net.bandwidth_gbps, net.latency_us, net.startup_us) == (50.0, 2.7, 6.6)
    assert "ConnectX-7" in net.source
    assert network_link(gpu_preset("b300")).bandwidth_gbps == 100.0  # 800 Gb/s
    assert "unverified" in network_link(gpu_preset("rtx-4090")).source


def test_node_span_of_tp_groups_and_pp_hops() -> None:
    assert node_span(16, 1, 8) == ((2, 8), 0)  # TP=16 over two 8-GPU nodes
    assert node_span(8, 2, 8) == (None, 1)  # one stage per node: the hop crosses
    assert node_span(4, 4, 8) == (None, 1)  # stages 0-1 node 0, 2-3 node 1
    # TP=6 x PP=2: stage 1 holds ranks 6-11 (2 in node 0, 4 in node 1); rank 0 -> 6 stays
    # in node 0 but rank 2 -> 8 crosses
    assert node_span(6, 2, 8) == ((2, 2), 1)
    assert node_span(32, 1, 8) == ((4, 8), 0)


def test_tp16_over_two_h100_nodes_is_an_nccl_ring_over_the_network() -> None:
    # decode, 1 sequence: 1 x 8,192 x 2 B = 16,384 B per all-reduce, 2 x 80 = 160 per step.
    # NCCL ring over 16 ranks in 2 nodes: 30 steps, 2 of them over the network:
    # 6.6 us + 28 x 2 us (NVLink hop) + 2 x 2.7 us = 68.0 us; bus = min(433.6 GB/s measured
    # NVLink 4, 8 NICs x 50 GB/s x 0.8 = 320 GB/s) = 320 GB/s:
    # 68.0 + 15/16 x 2 x 16,384 / 320e3 us = 68.0 + 0.096 = 68.096 us; x 160 = 10.89536 ms
    tp16 = _estimate(16, 1, 8, 2)
    assert tp16.allreduce_ms_per_step == pytest.approx(10.89536, rel=1e-6)
    term = next(t for t in tp16.terms if t.key == "allreduce")
    assert "NCCL ring across 2 nodes" in str(term)
    assert "vLLM custom all-reduce" not in str(term)
    # within one node, TP=8: vLLM's custom kernel, 4.5 us + 1.3 us x 7 peers measured start-up
    # + 7/8 x 2 x 16,384 B / 433.6 GB/s = 13.6 + 0.06613 = 13.66613 us; x 160 = 2.18658 ms
    assert _estimate(8, 1, 8, 1).allreduce_ms_per_step == pytest.approx(2.18658, rel=1e-4)


def test_prefill_chunk_over_two_nodes_is_bound_by_the_nics() -> None:
    # a 2,048-token chunk: 2,048 x 8,192 x 2 = 33,554,432 B (32 MiB)
    h100 = gpu_preset("h100-sxm")
    cross = CrossNode(network_link(h100), 2, 8)
    start, bus, _, _ = allreduce_rates(link_spec(h100, "nvlink"), 16, 33_554_432, 0.8,
                                       cross=cross)
    assert start * 1e6 == pytest.approx(68.0)
    assert bus == pytest.approx(320e9)
    # 68.0 us + 15/16 x 2 x 33,554,432 B / 320 GB/s = 68.0 + 196.608 = 264.608 us
    assert (start + 15 / 16 * 2 * 33_554_432 / bus) * 1e6 == pytest.approx(264.608)
    # 4 ranks per node: 4 NICs x 50 x 0.8 = 160 GB/s
    assert allreduce_rates(link_spec(h100, "nvlink"), 8, 1 << 20, 0.8,
                           cross=CrossNode(network_link(h100), 2, 4))[1] == pytest.approx(160e9)


def test_tp8_pp2_over_two_nodes_sends_one_hop_over_the_network() -> None:
    # the same layout on one 16-GPU node differs by its single PP hop: over the network
    # 6.6 + 2.7 us + 16,384 B / (50 GB/s x 0.8) = 9.3 + 0.4096 = 9.7096 us; over NVLink
    # 2 us + 16,384 B / (450 GB/s x 0.8) = 2.04551 us; difference 7.66409 us
    two_nodes, one_node = _estimate(8, 2, 8, 2), _estimate(8, 2, 16, 1)
    assert two_nodes.decode_step_ms - one_node.decode_step_ms == pytest.approx(
        7.66409e-3, rel=1e-4)
    assert two_nodes.allreduce_ms_per_step == one_node.allreduce_ms_per_step
    assert any("1 of 1 PP hop runs" in note for note in two_nodes.notes)


def test_b300_custom_allreduce_limits_from_vllm_0_19() -> None:
    # all_reduce_utils.py 0.19.0: CUSTOM_ALL_REDUCE_MAX_SIZES["10.3"] = 4/4/8/4 MiB,
    # SYMM_MEM_ALL_REDUCE_MAX_SIZES["10.3"][2] = 4 MiB, multimem on 6 and 8 GPUs
    nvlink = link_spec(gpu_preset("b300"), "nvlink")
    mib = 1 << 20

    def algo(n: int, nbytes: int, version=(0, 19, 0)) -> str:
        return allreduce_algorithm(nvlink, n, nbytes,
                                   compute_capability=ar_capability("10.3", version))

    assert algo(2, 3 * mib).startswith("vLLM custom all-reduce")
    assert algo(2, 5 * mib).startswith("NCCL (NVLink")  # above both 4 MiB limits
    assert algo(4, 5 * mib).startswith("torch symmetric memory two-shot")
    assert algo(8, 5 * mib).startswith("torch symmetric memory multimem")
    assert algo(6, 7 * mib).startswith("vLLM custom all-reduce")  # 6 GPUs: 8 MiB
    # 0.18 has no 10.3 entry: the custom kernel keeps its 8 MiB limit
    assert algo(2, 5 * mib, (0, 18, 0)).startswith("vLLM custom all-reduce")


@pytest.mark.parametrize(("text", "nics", "gbits"), [
    ("8x400", 8, 400.0), ("2 x 100 Gb/s", 2, 100.0), ("1X400G", 1, 400.0), ("4x12.5", 4, 12.5)])
def test_parse_network(text: str, nics: int, gbits: float) -> None:
    net = parse_network(text)
    assert (net.nics_per_node, net.nic_gbits) == (nics, gbits)


@pytest.mark.parametrize("text", ["400", "8x", "x400", "0x400", "65x100", "8x0", "8x20000",
                                  "eight by 400", "8x400 Tb/s"])
def test_parse_network_refuses_in_one_line(text: str) -> None:
    with pytest.raises(HardwareError, match="NICs|Gb/s") as exc:
        parse_network(text)
    assert "\n" not in str(exc.value)


def test_given_network_is_shared_by_the_node_gpus() -> None:
    h100 = gpu_preset("h100-sxm")
    # 8 NICs x 100 Gb/s / 8 GPUs = 100 Gb/s per GPU = 12.5 GB/s; 2 x 100 / 8 = 3.125 GB/s;
    # one 400 Gb/s NIC for 8 GPUs = 6.25 GB/s
    assert network_link(h100, parse_network("8x100"), 8).bandwidth_gbps == 12.5
    assert network_link(h100, parse_network("2x100"), 8).bandwidth_gbps == 3.125
    one = network_link(h100, parse_network("1x400"), 8)
    assert one.bandwidth_gbps == 6.25
    assert one.source.startswith("given: 1x 400 Gb/s NIC per node")
    assert one.formula.startswith("1 NIC x 400 Gb/s per node / 8 GPUs / 8 bits per byte")
    assert network_link(h100).source.startswith("preset: DGX H100")


def test_tp16_over_a_100_gbit_network_is_bound_by_its_nics() -> None:
    # as test_tp16_over_two_h100_nodes_is_an_nccl_ring_over_the_network, with 8x 100 Gb/s
    # NICs per node: bus = min(433.6, 8 NICs x 12.5 GB/s x 0.8 = 80 GB/s) = 80 GB/s;
    # 68.0 + 15/16 x 2 x 16,384 / 80e3 us = 68.384 us; x 160 = 10.94144 ms
    slow = _estimate(16, 1, 8, 2, "8x100")
    assert slow.allreduce_ms_per_step == pytest.approx(10.94144, rel=1e-6)
    # two 100 GbE ports per node: 8 x 3.125 x 0.8 = 20 GB/s; 68 + 1.536 = 69.536 us x 160
    ports = _estimate(16, 1, 8, 2, "2x100")
    assert ports.allreduce_ms_per_step == pytest.approx(11.12576, rel=1e-6)
    # each of the 8 ranks' share of the 2 ports (2 x 100 / 8 / 8 = 3.125 GB/s); the formula
    # once read "8 NICs x 3.125 GB/s" of a node that has 2
    assert ("8 ranks in a node x 3.125 GB/s network per GPU x 0.80" in next(
        t for t in ports.terms if t.key == "allreduce").formula)
    term = next(t for t in slow.terms if t.key == "allreduce")
    assert ("min(433.6 GB/s in a node, 8 ranks in a node x 12.5 GB/s network per GPU x 0.80 "
            "estimated link efficiency)" in term.formula)
    assert "given: 8x 100 Gb/s NICs per node" in term.note
    # 8x400 given is the DGX default: the same figure
    assert _estimate(16, 1, 8, 2, "8x400").allreduce_ms_per_step == pytest.approx(
        _estimate(16, 1, 8, 2).allreduce_ms_per_step)
    # a prefill chunk of 32 MiB: 68.0 + 15/16 x 2 x 33,554,432 B / 80 GB/s = 854.432 us
    h100 = gpu_preset("h100-sxm")
    start, bus, _, _ = allreduce_rates(
        link_spec(h100, "nvlink"), 16, 33_554_432, 0.8,
        cross=CrossNode(network_link(h100, parse_network("8x100"), 8), 2, 8))
    assert (start + 15 / 16 * 2 * 33_554_432 / bus) * 1e6 == pytest.approx(854.432)


QWEN3_30B = "Qwen/Qwen3-30B-A3B"
LL = "deepep_low_latency"  # --all2all-backend: one copy per routed expert (collectives NOTE)


def test_moe_group_node_ranks_count_pipeline_stages() -> None:
    # vLLM numbers ranks replica by replica (rank = d x tp x pp + stage x tp + t): one PP
    # stage's TP x DP group has tp ranks in each replica, tp x pp GPUs apart
    assert moe_group_node_ranks(8, 1, 2, 8) == (8, 1)  # a replica per node: 8 of 16
    assert moe_group_node_ranks(1, 1, 16, 8) == (8, 8)
    # TP=4 x PP=2 x DP=2: each replica fills a node, so 4 of the stage's 8 ranks (1 of 2
    # DP ranks) per node; counted as tp x dp = 8 <= 8 GPUs it was taken to sit in one node
    assert moe_group_node_ranks(4, 2, 2, 8) == (4, 1)
    assert moe_group_node_ranks(1, 2, 8, 8) == (4, 4)  # ranks 0, 2, 4, 6 in node 0
    assert moe_group_node_ranks(1, 4, 128, 8) == (2, 2)
    assert moe_group_node_ranks(4, 4, 2, 8) == (4, 1)  # a replica over two nodes
    assert moe_group_node_ranks(2, 2, 2, 8) == (0, 0)  # 8 GPUs in one node


def test_pp_replicas_over_two_nodes_gather_over_the_network() -> None:
    # Qwen3-30B-A3B TP=1 x PP=2 x DP=8 on two nodes of 8: replica d holds ranks 2d, 2d + 1,
    # so stage 0's group is ranks 0, 2, ..., 14: 4 in each node. Each stage has 24 of the 48
    # MoE layers. With EP one token's 8 x 2,048 x 2 = 32,768 B of copies: 4/8 leave the node
    # (16,384 B / 40 GB/s = 0.4096 us), 3/8 stay (12,288 B / 360 GB/s = 0.0341 us): 6.6 + 2.7
    # + 0.4096 = 9.7096 us per direction, x 2 x 24 = 0.4660608 ms a stage step (the term),
    # 0.9321216 ms over both stages (the estimate's figure). It was costed over NVLink alone,
    # 2 x (2 + 28,672 / 360e3) us x 24 = 0.0998 ms a stage step, with no network note.
    # (--all2all-backend deepep_low_latency: one copy per routed expert; the default,
    # allgather_reducescatter, gathers as without EP below)
    ep = _estimate(1, 2, 8, 2, model=QWEN3_30B, dp=8, ep=True, all2all=LL)
    assert next(t for t in ep.terms if t.key == "allreduce").value == pytest.approx(
        0.4660608, rel=1e-6)
    assert ep.allreduce_ms_per_step == pytest.approx(2 * 0.4660608, rel=1e-6)
    assert any("EP all-to-all's traffic to the 4 of 8 ranks in other nodes" in note
               for note in ep.notes)
    # without EP the DP group gathers the other 7 ranks' token, 7 x 2,048 x 2 = 28,672 B, at
    # min(360, 40) GB/s = 0.7168 us: 2 x (9.3 + 0.7168) us x 24 = 0.4808064 ms a stage step
    gather = _estimate(1, 2, 8, 2, model=QWEN3_30B, dp=8)
    assert gather.allreduce_ms_per_step == pytest.approx(2 * 0.4808064, rel=1e-6)
    # with EP on vLLM 0.34.0's default backend (AgRsAll2AllManager) the same bytes
    assert _estimate(1, 2, 8, 2, model=QWEN3_30B, dp=8, ep=True
                     ).allreduce_ms_per_step == pytest.approx(2 * 0.4808064, rel=1e-6)
    assert any("the DP MoE gather's traffic to the 4 of 8 DP ranks in other nodes"
               in note for note in gather.notes)
    # its explanation names the DP gather, not EP's expert copies
    note = next(t for t in gather.terms if t.key == "allreduce").note
    assert "over the 8 DP ranks, 4 per node" in note and "expert copies" not in note


def test_ep_all_to_all_over_two_nodes_crosses_the_network() -> None:
    # Qwen3-30B-A3B (hidden 2,048, 8 of 128 experts, 48 MoE layers, BF16), TP=1 x DP=16 with
    # EP under --all2all-backend deepep_low_latency (one message per routed expert): one
    # token per DP rank sends 8 x 2,048 x 2 = 32,768 B of expert copies.
    # One node of 16: 15/16 of it over NVLink: 2 us + 30,720 B / 360 GB/s = 2.08533 us per
    # direction; x 2 x 48 = 0.200192 ms
    one = _estimate(1, 1, 16, 1, model=QWEN3_30B, dp=16, ep=True, all2all=LL)
    assert one.allreduce_ms_per_step == pytest.approx(0.200192, rel=1e-6)
    # two nodes of 8: (2 - 1)/2 = 8/16 leaves the node (16,384 B over 50 GB/s x 0.8 =
    # 0.4096 us), 7/16 stays (14,336 B / 360 GB/s = 0.0398 us), side by side: 6.6 + 2.7 us
    # NCCL start-up + step + 0.4096 = 9.7096 us per direction; x 2 x 48 = 0.9321216 ms
    two = _estimate(1, 1, 8, 2, model=QWEN3_30B, dp=16, ep=True, all2all=LL)
    assert two.allreduce_ms_per_step == pytest.approx(0.9321216, rel=1e-6)
    assert any("EP all-to-all's traffic to the 8 of 16 ranks in other nodes" in note
               for note in two.notes)
    # 8x 100 Gb/s: 16,384 B / 10 GB/s = 1.6384 us: 10.9384 us x 96 = 1.0500864 ms
    assert _estimate(1, 1, 8, 2, "8x100", model=QWEN3_30B, dp=16, ep=True, all2all=LL
                     ).allreduce_ms_per_step == pytest.approx(1.0500864, rel=1e-6)
    # four nodes of 4: 12/16 leaves (24,576 B / 40 GB/s = 0.6144 us): 9.9144 us x 96
    assert _estimate(1, 1, 4, 4, model=QWEN3_30B, dp=16, ep=True, all2all=LL
                     ).allreduce_ms_per_step == pytest.approx(0.9517824, rel=1e-6)
