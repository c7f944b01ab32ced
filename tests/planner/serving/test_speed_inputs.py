"""Every speed term names its inputs (units in the keys) and marks its constants as fitted,
measured, datasheet or estimated; worked by hand from the configs and the hardware notes."""

import re

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import GPU_PRESETS, link_spec, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.speed.coefficients import (
    CALIBRATION_GPUS,
    FITTED,
    REFERENCE_CLOCK_MHZ,
    REFERENCE_CLOCK_TEXT,
)
from planner.serving.speed.collectives import explained_rates


def _spec(repo_id: str):
    entry = catalog_entry(repo_id)
    return parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)


def _terms(repo_id: str, gpu: str, gpus: int, layout: ParallelLayout, load: ServingLoad,
           nodes: int = 1, link: str | None = None, **engine) -> dict:
    request = PlanRequest(model=_spec(repo_id), cluster=preset_cluster(gpu, gpus, nodes, link),
                          layout=layout,
                          engine=EngineSettings(**{"max_model_len": 8192, **engine}))
    return {t.key: t for t in estimate_speed(request, load).terms}


def test_allreduce_inputs_on_two_rtx_3090s_without_p2p_are_the_pcie_constants() -> None:
    # Qwen3-8B config.json: hidden_size 4,096, 36 layers. One request decodes 1 token: each
    # all-reduce carries 1 x 4,096 x 2 B = 8,192 B. GeForce without P2P (the preset's default
    # link): NCCL's ring, 2 (2 - 1) = 2 steps x 3 us + its 6 us start-up, both measured with
    # nccl-tests (links.py's NOTE: 12 us at 2 GPUs, 48.2 at 8). Rate: PCIe 4.0 x16 = 16 GT/s
    # x 16 lanes x 128/130 / 8 = 31.5077 GB/s x 6.34/31.5 staged through host memory =
    # 6.34155 GB/s, x the estimated link efficiency 0.8 = 5.07324 GB/s. Per step: 2 x 36 x
    # (12 us + 1/2 x 2 x 8,192 B / 5.07324 GB/s = 1.61474 us) = 72 x 13.61474 = 980.26 us
    terms = _terms("Qwen/Qwen3-8B", "rtx-3090", 2, ParallelLayout(tp=2), ServingLoad())
    allreduce = terms["allreduce"]
    assert allreduce.inputs == {
        "tp": "2", "allreduces_per_layer": "2", "layers": "36", "message_bytes": "8192",
        "tokens": "1", "hidden_size": "4096", "bytes_per_activation": "2", "startup_us": "12",
        "hops": "2", "latency_us_per_hop": "3", "nccl_startup_us": "6",
        "link_bandwidth_gbps": "6.34155", "link_efficiency": "0.8",
        "bus_bandwidth_gbps": "5.07324"}
    assert allreduce.value == pytest.approx(0.98026, abs=1e-5)
    assert allreduce.formula.startswith(
        "2 x 36 layers x [6 us NCCL start-up (measured) + 2 hops x 3 us (measured) + (2 - 1)/2 "
        "x 2 x 8,192 B / (6.3 GB/s x 0.80 estimated link efficiency)]")
    # the note names the measurements and the estimate
    assert "measured (nccl-tests on 2 and 8 GeForce cards" in allreduce.note
    assert "tinygrad/open-gpu-kernel-modules#44" in allreduce.note
    assert "link efficiency 0.8: estimated, unverified" in allreduce.note


def test_ep_all_to_all_over_pcie_names_every_figure_it_multiplies() -> None:
    # Qwen3-30B-A3B config.json: hidden_size 2,048, 48 layers, all MoE (decoder_sparse_step 1,
    # no mlp_only_layers), num_experts_per_tok 8, bfloat16 (2 B). 2x L40S over PCIe 4.0 x16
    # with P2P, TP=1 x DP=2 + EP: one request, so each DP rank dispatches 1 token's 8 expert
    # copies, 1 x 8 x 2,048 x 2 B = 32,768 B, (2 - 1)/2 of them to the other rank = 16,384 B,
    # at 16 GT/s x 16 x 128/130 / 8 = 31.5077 GB/s x 0.8 estimated = 25.2062 GB/s: 0.650 us,
    # + NCCL's 6 us start-up + 3 us step (measured on GeForce cards, hardware/links.py), each
    # way: 2 x (9 + 0.650) = 19.300 us a MoE layer; x 48 = 926.4 us. TP=1: no all-reduce.
    # (--all2all-backend deepep_low_latency: DeepEP's one message per routed expert)
    allreduce = _terms("Qwen/Qwen3-30B-A3B", "l40s", 2, ParallelLayout(dp=2, ep=True),
                       ServingLoad(), link="pcie",
                       all2all_backend="deepep_low_latency")["allreduce"]
    assert allreduce.label == "EP all-to-all per stage step"
    assert allreduce.inputs == {
        "tp": "1", "moe_layers": "48", "all_to_all_us_per_moe_layer": "19.3", "tokens": "1",
        "experts_per_token": "8", "hidden_size": "2048", "bytes_per_activation": "2",
        "dispatch_bytes": "32768", "ep_size": "2", "all_to_all_startup_us": "6",
        "all_to_all_step_us": "3", "link_bandwidth_gbps": "31.5077", "link_efficiency": "0.8"}
    assert allreduce.value == pytest.approx(0.9264, abs=1e-6)
    assert allreduce.formula == (
        "TP=1: no all-reduce + 48 MoE layers x 19.3 us EP all-to-all (dispatch + combine: "
        "deepep_low_latency (one copy per routed expert): 2 x [6 us NCCL start-up + 3 us step "
        "(measured) + 1 token x 8 experts x 2,048 x 2 B x (2 - 1)/2 to other ranks / (31.5 "
        "GB/s x 0.80 estimated link efficiency)]) = 0.926 ms")
    assert "link efficiency 0.8: estimated, unverified" in allreduce.note
    # on vLLM 0.34.0's default, allgather_reducescatter, the other rank's 1 token x 2,048 x
    # 2 B = 4,096 B each way (AgRsAll2AllManager): 2 x (9 + 4,096 / 25.2062e3 = 0.1625 us)
    # = 18.325 us a MoE layer, x 48 = 879.6 us; its inputs name the gathered bytes
    agrs = _terms("Qwen/Qwen3-30B-A3B", "l40s", 2, ParallelLayout(dp=2, ep=True),
                  ServingLoad(), link="pcie")["allreduce"]
    assert agrs.value == pytest.approx(48 * 2 * (9 + 4_096 / 25.2062e3) * 1e-3, rel=1e-5)
    assert (agrs.inputs["gathered_bytes"], agrs.inputs["dp"]) == ("4096", "2")
    assert ("48 MoE layers x 18.3 us EP all-to-all (all-gather + reduce-scatter over the 2 DP "
            "ranks: allgather_reducescatter (vLLM 0.34.0 AgRsAll2AllManager; routing tensors "
            "not charged): 2 x [6 us NCCL start-up + 3 us step (measured) + the other rank's "
            "1 token x 2,048 x 2 B / (31.5 GB/s x 0.80 estimated link efficiency)])"
            ) in agrs.formula


def test_ep_all_to_all_over_two_nodes_names_the_network_share() -> None:
    # The same model on 2 nodes of 8 H100 SXM, TP=1 x DP=16 + EP, 64 requests: 4 a rank, so
    # 4 x 8 x 2,048 x 2 B = 131,072 B of expert copies. Of 16 ranks, 8 per node: 7/16 go to
    # its node's peers over NVLink 4, 450 GB/s x 0.8 = 360 GB/s: 0.1593 us; 8/16 cross the
    # network, the DGX's 400 Gb/s NIC per GPU = 50 GB/s x 0.8 = 40 GB/s: 1.6384 us, the
    # slower. With the network's NCCL start-up 6.6 us + a 2.7 us step (NCCL's tuning.cc
    # constants): 2 x (9.3 + 1.6384) = 21.8768 us a MoE layer, x 48 = 1,050.09 us
    # (--all2all-backend deepep_low_latency: one message per routed expert)
    allreduce = _terms("Qwen/Qwen3-30B-A3B", "h100-sxm", 8, ParallelLayout(dp=16, ep=True),
                       ServingLoad(concurrency=64), nodes=2,
                       all2all_backend="deepep_low_latency")["allreduce"]
    inputs = allreduce.inputs
    assert {k: inputs[k] for k in ("all_to_all_us_per_moe_layer", "tokens", "dispatch_bytes",
                                   "ep_size", "ep_ranks_per_node", "all_to_all_startup_us",
                                   "all_to_all_step_us", "link_bandwidth_gbps",
                                   "network_gbps_per_gpu")} == {
        "all_to_all_us_per_moe_layer": "21.8768", "tokens": "4", "dispatch_bytes": "131072",
        "ep_size": "16", "ep_ranks_per_node": "8", "all_to_all_startup_us": "6.6",
        "all_to_all_step_us": "2.7", "link_bandwidth_gbps": "450", "network_gbps_per_gpu": "50"}
    assert allreduce.value == pytest.approx(48 * 21.8768e-3, abs=1e-6)
    assert ("2 x [6.6 us NCCL start-up + 2.7 us step (NCCL's tuning constant, unverified) + "
            "4 tokens x 8 experts x 2,048 x 2 B x max(7/16 to its node's other ranks / 450.0 "
            "GB/s, 8/16 to other nodes / 50 GB/s network per GPU) / 0.80 estimated link "
            "efficiency]") in allreduce.formula


def test_dp_moe_gather_without_ep_names_the_gathered_tokens() -> None:
    # Without EP at DP=2 vLLM all-gathers the other DP rank's tokens and reduce-scatters them
    # back (AgRsAll2AllManager): 16 requests, 8 a rank: 8 x 2,048 x 2 B x (2 - 1) = 32,768 B
    # over NVLink 4 at 450 GB/s x 0.8 = 360 GB/s: 0.0910 us, + the 2 us NVLink step
    # (estimated): 2 x 2.0910 = 4.18204 us a MoE layer, x 48 = 200.738 us
    allreduce = _terms("Qwen/Qwen3-30B-A3B", "h100-sxm", 2, ParallelLayout(dp=2),
                       ServingLoad(concurrency=16))["allreduce"]
    assert allreduce.inputs == {
        "tp": "1", "moe_layers": "48", "all_to_all_us_per_moe_layer": "4.18204", "dp": "2",
        "tokens": "8", "hidden_size": "2048", "bytes_per_activation": "2",
        "gathered_bytes": "32768", "all_to_all_step_us": "2", "link_bandwidth_gbps": "450",
        "link_efficiency": "0.8"}
    assert allreduce.value == pytest.approx(0.200738, abs=1e-6)
    assert ("(all-gather + reduce-scatter over the 2 DP ranks: 2 x [2 us step (estimated, "
            "unverified) + the other rank's 8 tokens x 2,048 x 2 B / (450.0 GB/s x 0.80 "
            "estimated link efficiency)])") in allreduce.formula


def test_a_sliding_window_wide_heads_and_the_tpot_share_are_inputs() -> None:
    # Gemma 2 9B config.json: sliding_window 4,096, 42 layers alternating, so 21 sliding
    # layers; 8 KV heads x 256 x 2 (K, V) x 2 B = 8,192 B a token each
    gemma2 = _terms("google/gemma-2-9b-it", "l40s", 1, ParallelLayout(),
                    ServingLoad(concurrency=8))
    kv = gemma2["decode_kv"].inputs
    assert {k: kv[k] for k in kv if k.endswith("_w4096")} == {
        "sliding_window_tokens_w4096": "4096", "sliding_layers_w4096": "21",
        "kv_bytes_per_token_per_layer_w4096": "8192"}
    # the TPOT's interference: the fitted share x 7 other requests x one's prefill work /
    # 1,024 output tokens, the figure its formula shows in brackets
    tpot = gemma2["tpot"].inputs
    assert float(tpot["interference_ms"]) == pytest.approx(
        float(tpot["prefill_interference"]) * 7 * float(tpot["prefill_marginal_ms"]) / 1024,
        rel=1e-5)
    assert tpot["other_requests"] == "7"
    # Gemma 4 26B-A4B: global_head_dim 512, over FA3's 256, so on an H100 (vLLM 0.34) those
    # layers' attention runs on FlashAttention 4 at 0.465 of the 989.4 TFLOP/s BF16 rate
    compute = _terms("google/gemma-4-26B-A4B", "h100-sxm", 1, ParallelLayout(),
                     ServingLoad())["decode_compute"]
    assert "(heads over 256: 460, x 0.465)" in compute.formula
    assert {k: compute.inputs[k] for k in ("fa3_max_head_dim", "wide_head_attention_tflops",
                                           "wide_head_attention_share")} == {
        "fa3_max_head_dim": "256", "wide_head_attention_tflops": "460.071",
        "wide_head_attention_share": "0.465"}


def test_an_nvlink_ring_marks_its_hop_latency_as_an_estimate() -> None:
    # A100 NVLink 3: a 16 MiB message is too large for vLLM's custom all-reduce (8 MiB), so
    # NCCL's ring runs it: 2 x (8 - 1) = 14 steps x the 2 us NVLink hop, an estimate
    # (hardware/links.py: no measurement); 300 GB/s (600 / 2) x 0.8 = 240 GB/s of bus bandwidth
    a100 = link_spec(preset_cluster("a100-80gb", 8).nodes[0].gpu, "nvlink")
    rates = explained_rates(a100, 8, 16 << 20, 0.8)
    assert rates.startup_text == "14 hops x 2 us (estimated, unverified)"
    assert rates.inputs == {"startup_us": 28.0, "hops": 14, "latency_us_per_hop": 2.0,
                            "link_bandwidth_gbps": 300.0, "link_efficiency": 0.8,
                            "bus_bandwidth_gbps": 240.0}
    # a decode-size message runs vLLM's custom kernel: its start-up was measured on NVLink 4
    small = explained_rates(a100, 8, 65_536, 0.8)
    assert small.startup_text == ("4.5 us + 1.3 us x 7 peers measured start-up (measured on "
                                  "NVLink 4, unverified on this link)")
    assert small.inputs["startup_us"] == pytest.approx(4.5 + 1.3 * 7)


def test_the_fixed_overhead_shows_the_fitted_per_layer_figure_and_the_clocks() -> None:
    # Qwen3-8B (36 layers) at PP=2: stages of 18. 55.2 us (fitted) x 18 = 993.6 us x 1,980 MHz
    # (the H100/H200/B200 boost clock) / 1,695 MHz (the RTX 3090's) = 1,160.665 us (1,183.79
    # at 56.3 us before the 2026-12-05 refit on the 846 fit rows); no per-step
    # term (it fitted to 0 and was dropped), so no "/ PP 2"
    terms = _terms("Qwen/Qwen3-8B", "rtx-3090", 4, ParallelLayout(tp=2, pp=2), ServingLoad())
    overhead = terms["step_overhead"]
    assert overhead.value == pytest.approx(1.16067, abs=1e-5)
    assert overhead.formula == (
        "fitted 55.2 us x 18 layers x 1980/1695 MHz (the H100/H200/B200 boost clock the "
        "overheads were fitted at / the NVIDIA GeForce RTX 3090's) = 1.161 ms")
    assert overhead.inputs == {"layer_overhead_us": "55.2", "layers": "18",
                               "calibration_clock_mhz": "1980", "clock_factor": "1.16814",
                               "gpu_clock_mhz": "1695"}
    assert "perf-silicon-aic.csv" in overhead.note  # where it was fitted
    # B300, a calibration GPU, boosts at 2,032 MHz: the note does not call 1,980 every
    # calibration GPU's clock, and says B300's rows are scaled, and were so in the 2026-12-05
    # refit
    assert ("1980 MHz: the H100/H200/B200 boost clock the overheads were fitted at "
            "(coefficients.REFERENCE_CLOCK_MHZ; B300's rows, at 2032 MHz, scale by 1980/2032, "
            "fitted so); 1695 MHz: the NVIDIA GeForce RTX 3090's boost clock") \
        in overhead.note
    assert "AMD" not in overhead.note


def test_the_reference_clock_is_the_clock_of_the_calibration_gpus_it_names() -> None:
    # REFERENCE_CLOCK_TEXT names H100, H200 and B200: their presets boost at 1,980 MHz (H100
    # SXM per NVIDIA's H100 specifications, H200 the same GH100, B200's 75 FP32 TFLOPS / (148
    # SMs x 128 x 2)); B300, the fourth calibration GPU, at 2,032 (AWS's P6-B300 guide)
    assert {k: GPU_PRESETS[k].boost_clock_mhz for k in CALIBRATION_GPUS} == {
        "h100-sxm": 1980.0, "h200": 1980.0, "b200": 1980.0, "b300": 2032.0}
    # the GPUs the text names are those calibration GPUs whose clock REFERENCE_CLOCK_MHZ is
    named = REFERENCE_CLOCK_TEXT.removeprefix("the ").split(" boost clock")[0].split("/")
    assert named == ["H100", "H200", "B200"]
    assert {k for k in CALIBRATION_GPUS
            if GPU_PRESETS[k].boost_clock_mhz == REFERENCE_CLOCK_MHZ} == {
        k for k in CALIBRATION_GPUS if GPU_PRESETS[k].name.split()[1] in named}


def test_the_overheads_clock_scaling_on_an_amd_gpu_is_marked_unverified() -> None:
    # MI300X: 2,100 MHz (AMD's page); Qwen3-8B's 36 layers x 55.2 us x 1,980 / 2,100 =
    # 1,987.2 x 0.942857 = 1,873.6 us (1,911.0 at 56.3 us before the 2026-12-05 refit),
    # scaled from NVIDIA-fitted overheads, which no AMD run has checked
    overhead = _terms("Qwen/Qwen3-8B", "mi300x", 1, ParallelLayout(), ServingLoad())[
        "step_overhead"]
    assert overhead.value == pytest.approx(36 * 55.2 * 1980 / 2100 / 1e3)
    assert "x 1980/2100 MHz" in overhead.formula
    assert overhead.note.endswith("the overheads were fitted on NVIDIA GPUs: their scaling by "
                                  "the clock is unverified on AMD GPUs")


def test_no_fitted_coefficient_is_too_small_to_show() -> None:
    """A coefficient the fit drives to ~0 is dropped from the model, not shown as "0.0002 us /
    PP 2" (the per-step overhead, 2026-12-05): every fitted figure reads above 0.01, except a
    term that is exactly 0 for vLLM (SGLang's host work per sequence, which vLLM's rows do not
    want: shown nowhere, the decode-step term names it only where it is not 0)."""
    def numbers(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from numbers(v)
        elif isinstance(value, float):
            yield value

    dumped = FITTED.model_dump(exclude={"source"})
    assert dumped.pop("sequence_step_overhead_us") == 0.0
    assert min(numbers(dumped)) > 0.01


UNITS = ("_us", "_ms", "_gbps", "_bytes", "_tflops", "_flops", "_mhz", "_per_s", "_per_token",
         "_per_layer", "_per_peer", "_per_hop", "_per_sm", "_per_clock", "_per_fp32_flop",
         "_per_moe_layer", "_per_gpu", "_per_node_hop", "_per_network_hop")
"""Key endings that name a unit (a sliding-window group's key ends with its window, _w128)."""
COUNTS = {"tp", "dp", "layers", "tokens", "hops", "peers", "chunks", "steps", "requests",
          "clients", "sequences", "pp_stages", "stage_hops", "moe_layers", "indexer_layers",
          "num_experts", "experts_per_token", "experts_touched", "routed_tokens",
          "hidden_size", "input_tokens", "output_tokens", "context_tokens", "kv_blocks",
          "kv_slots", "max_num_seqs", "max_num_batched_tokens", "blocks_per_request",
          "concurrency_requests", "served_requests", "other_requests", "other_clients",
          "allreduces_per_layer", "decode_steps_ahead", "ranks_per_node", "node_hops",
          "network_hops", "dense_params", "expert_params", "expert_params_per_token",
          "padding_rows", "sliding_layers", "sliding_window_tokens", "ep_size",
          "ep_ranks_per_node", "fa3_max_head_dim", "busiest_rank_experts",
          "busiest_rank_experts_touched", "moe_tp_size", "redundant_experts",
          "router_params", "router_tokens", "shard_tokens"}
RATIOS = {"bandwidth_efficiency", "kv_bandwidth_efficiency", "compute_efficiency",
          "fitted_compute_efficiency", "link_efficiency", "expert_bandwidth_factor",
          "expert_compute_factor", "clock_factor", "calibration_gemm_ratio", "queue_share",
          "prefill_interference", "busy_share", "wna16_slowdown", "eager_factor",
          "bytes_per_activation", "wide_head_attention_share", "busiest_rank_pairs_ratio"}


@pytest.mark.parametrize(("repo_id", "gpu", "gpus", "layout", "load", "engine"), [
    ("Qwen/Qwen3-8B", "rtx-3090", 4, ParallelLayout(tp=2, pp=2),
     ServingLoad(concurrency=8, arrival="steady"), {}),
    ("Qwen/Qwen3-8B", "rtx-3090", 4, ParallelLayout(tp=2, pp=2),
     ServingLoad(concurrency=8, arrival="burst"), {}),
    ("openai/gpt-oss-120b", "rtx-3090", 4, ParallelLayout(tp=4), ServingLoad(concurrency=300),
     {}),
    ("Qwen/Qwen3-30B-A3B", "h100-sxm", 8, ParallelLayout(tp=2, dp=4, ep=True),
     ServingLoad(concurrency=8), {}),
    ("zai-org/GLM-5", "b200", 8, ParallelLayout(tp=8), ServingLoad(),
     {"max_model_len": 20000, "target_quant": "fp8-block128"}),
    ("Qwen/Qwen3-30B-A3B", "h100-sxm", 8, ParallelLayout(dp=16, ep=True),
     ServingLoad(concurrency=64), {"nodes": 2}),
    ("Qwen/Qwen3-30B-A3B", "h100-sxm", 2, ParallelLayout(dp=2), ServingLoad(concurrency=4), {}),
    ("Qwen/Qwen3-30B-A3B", "h100-sxm", 8, ParallelLayout(tp=8, ep=True),
     ServingLoad(concurrency=8), {"enable_eplb": True, "num_redundant_experts": 8}),
    ("google/gemma-4-26B-A4B", "h100-sxm", 1, ParallelLayout(), ServingLoad(concurrency=4),
     {}),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "a100-80gb", 4, ParallelLayout(tp=4), ServingLoad(),
     {}),
    ("nvidia/Qwen3.6-35B-A3B-NVFP4", "rtx-5090", 1, ParallelLayout(), ServingLoad(), {}),
])
def test_every_term_names_its_inputs_with_units(repo_id, gpu, gpus, layout, load,
                                                engine) -> None:
    terms = _terms(repo_id, gpu, gpus, layout, load, **engine)
    for term in terms.values():
        assert term.inputs, term.key
        for key, value in term.inputs.items():
            name = re.sub(r"_w\d+$", "", key)  # a sliding-window group's window
            assert name.endswith(UNITS) or name in COUNTS | RATIOS, (term.key, key)
            float(value)  # every input is a number
        assert "0.0002" not in term.formula and "/ PP" not in term.formula, term.key
