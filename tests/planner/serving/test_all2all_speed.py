"""The MoE dispatch + combine at DP > 1 with EP costed by the --all2all-backend vLLM runs
(collectives.all_to_all_s NOTE), worked by hand for Qwen3-30B-A3B (the catalog's config:
hidden 2,048, 128 routed experts, 8 per token, 48 MoE layers, BF16: 2 B an activation) at
TP=2 x DP=2 + EP on 4x RTX 4090 without P2P: the preset's pcie-no-p2p link, PCIe 4.0 x16
(16 lanes x 16 GT/s x 128/130 / 8 = 31.5077 GB/s) x the host-staged fraction 6.34 / 31.5
(hardware/links.py HOST_STAGED_FRACTION) = 6.34154 GB/s, x 0.80 link efficiency (FITTED) =
5.07323 GB/s; NCCL start-up 6 us + a 3 us step (links.py, measured on PCIe)."""

import math

import pytest

from planner.catalog import catalog_spec
from planner.serving.all2all import running_backend
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import _context, estimate_speed
from planner.serving.speed.coefficients import FITTED
from planner.serving.speed.collectives import explained_all_to_all, rank_hit_chance

RATE = 16 * 16 * 128 / 130 / 8 * 6.34 / 31.5 * 1e9 * 0.80  # B/s
START_S = (6 + 3) * 1e-6
TOKENS = 1_024  # a DP rank's tokens in one prefill step


def _a2a(version: str, backend: str | None = None, tokens: float = TOKENS, ep: bool = True):
    request = PlanRequest(model=catalog_spec("Qwen/Qwen3-30B-A3B"),
                          cluster=preset_cluster("rtx-4090", 4),
                          layout=ParallelLayout(tp=2, dp=2, ep=ep),
                          engine=EngineSettings(max_model_len=8192, vllm_version=version,
                                                all2all_backend=backend))
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    return explained_all_to_all(ctx, tokens, f"{tokens:,} tokens")


def test_default_backend_per_release() -> None:
    # envs.py VLLM_ALL2ALL_BACKEND: "naive" in 0.10.2, "allgather_reducescatter" in 0.11.0;
    # the flag's default from 0.11.1; pplx removed (runs AgRs) from 0.17.0, naive from 0.19.0
    assert running_backend(None, (0, 10, 2)) == "naive"
    assert running_backend(None, (0, 11, 0)) == "allgather_reducescatter"
    assert running_backend(None, (0, 34, 0)) == "allgather_reducescatter"
    assert running_backend("naive", (0, 18, 0)) == "naive"
    assert running_backend("naive", (0, 19, 0)) == "allgather_reducescatter"
    assert running_backend("pplx", (0, 17, 0)) == "allgather_reducescatter"
    assert running_backend("deepep_high_throughput", (0, 34, 0)) == "deepep_high_throughput"


def test_agrs_on_4x_rtx_4090_gathers_the_ep_groups_shards() -> None:
    # vLLM 0.34.0's default, allgather_reducescatter (AgRsAll2AllManager), at TP=2 x DP=2 + EP
    # runs Qwen3-MoE sequence-parallel (config/parallel.py use_sequence_parallel_moe): each TP
    # rank dispatches its shard of ceil(1,024 / 2) = 512 tokens, all_gatherv over the EP group
    # of 4 (`get_ep_group() if is_sequence_parallel`), reduce_scatterv back: the other 3
    # ranks' 512 x 2,048 x 2 B = 6,291,456 B each way:
    # 2 x (9 us + 6,291,456 / 5.07323e9 s = 1,240.13 us) = 2,498.25 us a MoE layer
    a2a = _a2a("0.34.0", tokens=512)
    assert a2a.inputs["moe_gathered_bytes"] == 3 * 512 * 2_048 * 2 == 6_291_456
    assert a2a.seconds * 1e6 == pytest.approx(2 * (9 + 1_240.13), rel=1e-5)
    assert "allgather_reducescatter (vLLM 0.34.0 AgRsAll2AllManager" in a2a.text
    # without EP the same backend gathers the DP group of 2 (get_dp_group()): the other
    # rank's 1,024 tokens x 2,048 x 2 B = 4,194,304 B (4,096 B a token a MoE layer) each way:
    # 2 x (9 us + 4,194,304 / 5.07323e9 s = 826.75 us) = 1,671.5 us a MoE layer, x 48 =
    # 80.23 ms a 2,048-token prefill step (r10's hand estimate: about 80 ms)
    dp_group = _a2a("0.34.0", ep=False)
    assert dp_group.inputs["gathered_bytes"] == 1_024 * 2_048 * 2 == 4_194_304
    one_way_s = 4_194_304 / RATE
    assert one_way_s == pytest.approx(826.75e-6, rel=1e-4)
    assert dp_group.seconds == pytest.approx(2 * (START_S + one_way_s))
    assert 48 * dp_group.seconds * 1e3 == pytest.approx(80.23, rel=1e-3)
    # costed as k routed copies (the old term): 1,024 x 8 x 4,096 B x 3/4 = 25,165,824 B each
    # way, 2 x (9 us + 4.9605 ms) x 48 = 477.07 ms: the 477 ms r10 found in a 630 ms prefill
    ll = _a2a("0.34.0", "deepep_low_latency")
    assert ll.inputs["dispatch_bytes"] == 1_024 * 8 * 4_096
    assert 48 * ll.seconds * 1e3 == pytest.approx(
        48 * 2 * (START_S + 25_165_824 / RATE) * 1e3) == pytest.approx(477.07, rel=1e-3)


def test_naive_on_vllm_0_10_2_broadcasts_then_all_reduces() -> None:
    # vLLM 0.10.2's default, naive (NaiveAll2AllManager): dispatch broadcasts each of the 2
    # DP ranks' 4,194,304 B over the DP group (2 x (9 us + 826.75 us)), combine all-reduces
    # the gathered 2 x 4,194,304 B: a ring's 2 x (2 - 1)/2 x 8,388,608 = 8,388,608 B
    # (9 us + 1,653.5 us): 3,334.0 us a MoE layer, twice AgRs's 1,671.5 us
    naive = _a2a("0.10.2")
    one = 4_194_304 / RATE
    assert naive.seconds == pytest.approx(2 * (START_S + one) + START_S + 2 * one)
    assert naive.seconds * 1e6 == pytest.approx(3_334.0, rel=1e-4)
    assert naive.inputs["broadcasts"] == 2
    assert "naive (vLLM 0.10.2 NaiveAll2AllManager)" in naive.text
    # 0.11.0 switches the default to allgather_reducescatter, and with it to sequence-parallel
    # MoE: each rank's 512-token shard over the EP group of 4, 2,498.25 us (above)
    assert _a2a("0.11.0", tokens=512).seconds * 1e6 == pytest.approx(2_498.25, rel=1e-5)


def test_without_ep_the_backends_manager_runs_naive_on_0_10_2() -> None:
    # Without --enable-expert-parallel at DP 2 vLLM 0.10.2 still builds the EP group's
    # manager (base_device_communicator.py `use_ep = data_parallel_size > 1`), its default
    # naive, and FusedMoE.forward_impl calls get_ep_group().dispatch / combine whenever
    # dp_size > 1 (do_naive_dispatch_combine): the same 3,334.0 us as with EP (2 broadcasts
    # x (9 us + 826.75 us) + 9 us + 1,653.5 us all-reduce), not AgRs's 1,671.5 us
    naive = _a2a("0.10.2", ep=False)
    assert naive.seconds * 1e6 == pytest.approx(3_334.0, rel=1e-4)
    assert naive.inputs["broadcasts"] == 2
    # a given naive on 0.18.0 (removed only from 0.19.0) runs it too; 0.11.0's default gathers
    assert _a2a("0.18.0", "naive", ep=False).seconds * 1e6 == pytest.approx(3_334.0, rel=1e-4)
    assert _a2a("0.11.0", ep=False).seconds * 1e6 == pytest.approx(1_671.5, rel=1e-4)
    # the plan's collectives term names what runs: broadcasts + all-reduce, not a gather
    request = PlanRequest(model=catalog_spec("Qwen/Qwen3-30B-A3B"),
                          cluster=preset_cluster("rtx-4090", 4),
                          layout=ParallelLayout(tp=2, dp=2),
                          engine=EngineSettings(max_model_len=8192, vllm_version="0.10.2"))
    term = next(t for t in estimate_speed(request).terms if t.key == "allreduce")
    assert "DP MoE gather (broadcasts + all-reduce over the 2 DP ranks: naive (vLLM 0.10.2 " \
        "NaiveAll2AllManager): 2 broadcasts x [" in term.formula


def test_deepep_high_throughput_sends_once_per_rank() -> None:
    # DeepEP's normal dispatch sends a token once to each rank holding one of its 8 experts
    # (is_token_in_rank). 128 experts over EP 4 = 32 a rank: a given rank holds none of a
    # token's 8 with chance C(96, 8) / C(128, 8) = 96 x 95 x ... x 89 / (128 x ... x 121)
    # = 0.092747, so it is sent there with chance 0.907253; to the 3 other ranks 2.72176
    # copies of 4,096 B = 11,148.3 B a token, where one per routed expert is 8 x 3/4 = 6:
    # 1,024 tokens: 11,415,881 B each way, 2 x (9 us + 2,250.21 us) = 4,518.4 us a MoE layer
    miss = math.comb(96, 8) / math.comb(128, 8)
    assert miss == pytest.approx(0.092747, rel=1e-4)
    assert rank_hit_chance(128, 8, 4) == pytest.approx(1 - miss)
    # with replacement (each of k picks independent, (1 - 1/EP)^k) it would be 1 - 0.75^8
    # = 0.899887: close, but experts are picked without repeats
    ht = _a2a("0.34.0", "deepep_high_throughput")
    sent = 1_024 * 4_096 * 3 * (1 - miss)
    assert sent == pytest.approx(11_415_881, rel=1e-6)
    assert ht.seconds == pytest.approx(2 * (START_S + sent / RATE))
    assert ht.seconds * 1e6 == pytest.approx(4_518.4, rel=1e-4)
    assert ht.inputs["rank_hit_chance"] == pytest.approx(0.907253, rel=1e-5)
    assert "deepep_high_throughput" in ht.text and "C(128 - 128/4, 8)" in ht.text


def test_a_given_backend_and_one_not_read_are_named() -> None:
    # mori is not read here: charged as one copy per routed expert, labelled unverified
    mori = _a2a("0.22.0", "mori", tokens=1)
    assert mori.seconds == pytest.approx(2 * (START_S + 8 * 4_096 * 3 / 4 / RATE))
    assert "mori (one copy per routed expert, as DeepEP low-latency: unverified)" in mori.text
