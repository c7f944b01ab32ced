"""TP and PP across nodes: NCCL over the network, never vLLM's single-node kernels; B300's
all-reduce size tables (0.19+). Figures worked by hand from the DGX datasheets' NIC rates,
NCCL's tuning constants and Llama-3.1-70B's config (hidden 8,192, 80 layers, BF16)."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, link_spec, network_link, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.speed.collectives import (
    CrossNode,
    allreduce_algorithm,
    allreduce_rates,
    ar_capability,
    node_span,
)

LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"
ONE = ServingLoad(input_len=2048, output_len=256, concurrency=1)


def _estimate(tp: int, pp: int, gpus_per_node: int, nodes: int):
    entry = catalog_entry(LLAMA_70B)
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=LLAMA_70B)
    request = PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", gpus_per_node, nodes),
                          layout=ParallelLayout(tp=tp, pp=pp),
                          engine=EngineSettings(max_model_len=8192))
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
    # within one node, TP=8: vLLM's custom kernel, 2 hops x 2 us + 7/8 x 2 x 16,384 B /
    # 433.6 GB/s = 4.06613 us; x 160 = 0.65058 ms
    assert _estimate(8, 1, 8, 1).allreduce_ms_per_step == pytest.approx(0.65058, rel=1e-4)


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
    assert any("1 of 1 PP hops" in note for note in two_nodes.notes)


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
