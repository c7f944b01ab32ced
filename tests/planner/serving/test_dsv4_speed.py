"""DeepSeek-V4 in the speed: its own MTP draft pass (speed.drafting.dsv4_mtp_stage) and vLLM's
sequence-parallel mode (step._tokens, collectives.gather_s), worked by hand for DeepSeek-V4-Flash
(the catalog's config, the same as /work/shared/model-configs': hidden 4,096, 43 layers, hc_mult
4, 256 routed experts of 2,048 in MXFP4, 1 shared expert, FP8 128 x 128 blocks with ue8m0 scales,
vocab 129,280, sliding window 128) at --dp 2 --tp 4 --ep on 8 H200, 64 requests (32 a DP
rank) of 1,024 in + 1,024 out, from vLLM 0.34.0 models/deepseek_v4/nvidia/model.py and mtp.py,
models/common/ops/sequence_parallel.py."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, estimate_speed

LOAD = {"concurrency": 64, "input_len": 1_024, "output_len": 1_024}

# the H200's NVLink 4 all-reduce rates (collectives.NVLINK_ALLREDUCE, the measured line):
# start-up 4.5 us + 1.3 us x 3 peers = 8.4 us at TP 4, bus 433.6 GB/s; the EP all-to-all's
# 2 us step over 450 GB/s x 0.80
START_US, BUS = 4.5 + 1.3 * 3, 433.6e9
A2A_STEP_US, A2A_RATE = 2.0, 450e9 * 0.80


def _flash(version: str, k: int = 0, tau: float | None = None):
    request = PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V4-Flash"),
                          cluster=preset_cluster("h200", 8),
                          layout=ParallelLayout(tp=4, dp=2, ep=True),
                          engine=EngineSettings(num_speculative_tokens=k, vllm_version=version))
    est = estimate_speed(request, ServingLoad(spec_acceptance_length=tau, **LOAD),
                         plan_result=plan(request))
    return est, {t.key: t for t in est.terms}


def _inputs(term) -> dict[str, float]:
    return {key: float(value) for key, value in term.inputs.items()}


def _a2a_us(tokens: int, group: int) -> float:
    """The MoE dispatch + combine of `tokens` a rank on vLLM's default backend,
    allgather_reducescatter (AgRsAll2AllManager: all_gatherv over the EP group in sequence-
    parallel MoE, the DP group otherwise, reduce_scatterv back): 2 x [step + the other
    group - 1 ranks' tokens x 4,096 x 2 B / rate]."""
    return 2 * (A2A_STEP_US + (group - 1) * tokens * 4_096 * 2 / A2A_RATE * 1e6)


def test_sequence_parallel_collectives_at_a_decode_step_by_hand():
    # vLLM 0.34.0 (sequence parallel: PP 1, EP, TP 4 > 1, DP 2 > 1): 32 tokens a DP rank,
    # sp_shard gives each TP rank ceil(32 / 4) = 8. Each of the 43 layers all-gathers
    # 4 x 8 x 4,096 x 2 B = 262,144 B before attention and reduce-scatters as much after it
    # (wo_b's all-reduce off), each half a ring all-reduce: 8.4 us + 3/4 x 262,144 B / 433.6
    # GB/s = 8.4 + 0.45343 = 8.85343 us, x 2 x 43 = 761.395 us; the forward ends with one
    # all-gather of the 4 hc streams, 1,048,576 B: 8.4 + 1.81373 = 10.21373 us. The MoE
    # (FusedMoE is_sequence_parallel: no final all-reduce) dispatches each rank's 8 tokens,
    # on 0.34.0's default allgather_reducescatter an all_gatherv over the EP group of 8
    # (AgRsAll2AllManager: get_ep_group() if is_sequence_parallel) and a reduce_scatterv back:
    # 2 x [2 + 7 x 8 x 8,192 B / 360 GB/s = 1.27431] = 6.54862 us, x 43 = 281.591 us.
    # Total 1,053.20 us. (Costed as DeepEP's k = 6 copies, 2 x [2 + 8 x 6 x 8,192 x 7/8 / 360
    # GB/s] = 5.91147 us a layer, it was 1,025.80 us.)
    _, sp = _flash("0.34.0")
    term = sp["allreduce"]
    got = _inputs(term)
    assert (got["shard_tokens"], got["tokens"], got["gathers_per_layer"]) == (8, 32, 2)
    assert (got["gathered_bytes"], got["streams_gather_bytes"]) == (262_144, 1_048_576)
    assert got["startup_us"] == pytest.approx(START_US)
    assert got["bus_bandwidth_gbps"] == pytest.approx(BUS / 1e9)
    layer_us = 2 * (START_US + 3 / 4 * 262_144 / BUS * 1e6)
    last_us = START_US + 3 / 4 * 1_048_576 / BUS * 1e6
    assert layer_us == pytest.approx(17.70686, rel=1e-5)
    assert last_us == pytest.approx(10.21373, rel=1e-5)
    assert _a2a_us(8, 8) == pytest.approx(6.54862, rel=1e-5)
    assert got["all_to_all_us_per_moe_layer"] == pytest.approx(_a2a_us(8, 8))
    assert got["moe_gathered_bytes"] == 7 * 8 * 8_192
    assert term.value * 1e3 == pytest.approx(43 * layer_us + last_us + 43 * _a2a_us(8, 8))
    assert term.value == pytest.approx(1.05320, rel=1e-4)
    # vLLM 0.26.0 (no such mode): two all-reduces of 32 x 4,096 x 2 = 262,144 B a layer,
    # 8.4 + 3/4 x 2 x 262,144 B / 433.6 GB/s = 9.30686 us, x 86 = 800.390 us, and every TP
    # rank gathers the other DP rank's 32 tokens over the DP group of 2: 2 x [2 + 262,144 B /
    # 360 GB/s = 0.72818] = 5.45636 us, x 43 = 234.623 us; 1,035.01 us
    _, plain = _flash("0.26.0")
    assert plain["allreduce"].value * 1e3 == pytest.approx(
        86 * (START_US + 3 / 4 * 2 * 262_144 / BUS * 1e6) + 43 * _a2a_us(32, 2))
    assert plain["allreduce"].value == pytest.approx(1.03501, rel=1e-4)


def test_sequence_parallel_reads_the_shared_expert_whole_on_every_gpu():
    # DeepseekV4MLP is_sequence_parallel: gate_up_proj 2 x 2,048 x 4,096 + 32 x 32 ue8m0
    # scales = 16,778,240 B, down_proj 4,096 x 2,048 + 32 x 16 = 8,389,120 B: 25,167,360 B a
    # layer on every GPU, where TP 4 splits it to 4,194,304 + 8 x 32 + 2,097,152 + 32 x 4 =
    # 6,291,840 B; the step reads 43 x (25,167,360 - 6,291,840) = 811,647,360 B more (each rank
    # multiplies it whole over its 8 tokens: the FLOPs of a quarter over 32)
    _, sp = _flash("0.34.0")
    _, plain = _flash("0.26.0")
    extra = _inputs(sp["decode_weights"])["dense_bytes"] \
        - _inputs(plain["decode_weights"])["dense_bytes"]
    assert extra == 43 * (25_167_360 - 6_291_840) == 811_647_360


def test_dsv4_mtp_pass_by_hand():
    # DeepSeekV4MultiTokenPredictorLayer on one GPU (weights_dsv4.dsv4_draft_bytes, sequence
    # parallel: shared expert whole), read every pass (mtp.py forward: enorm / hnorm, h_proj
    # and e_proj, the mtp_block; compute_logits: hc_head, shared_head.norm, the target's head):
    #   attention at compress ratio 1: fused_wqa_wkv (1,024 + 512) x 4,096 + 12 x 32 scales =
    #   6,291,840; q_norm + kv_norm 1,536 x 2 = 3,072; wq_b 64 x 512 / 4 = 8,192 x 1,024 +
    #   64 x 8 = 8,389,120; wo_a 8 x 1,024 / 4 = 2,048 x 4,096 + 16 x 32 = 8,389,120; wo_b
    #   4,096 x 2,048 + 32 x 16 = 8,389,120; attn_sink 4 x 64 = 256: 31,462,528 B;
    #   attn_norm + ffn_norm 2 x 4,096 x 2 = 16,384; hyper-connections 4 B x 2 x (24 x 16,384
    #   + 24 + 3) = 3,145,944; shared expert whole 25,167,360; gate 4,096 x 256 x 2 + 256 x 4
    #   = 2,098,176: the block 61,890,392 B;
    #   + enorm, hnorm, shared_head.norm 3 x 4,096 x 2 = 24,576; e_proj + h_proj 2 x (4,096 x
    #   4,096 + 32 x 32) = 33,556,480; hc_head 4 x (4 x 16,384 + 4 + 1) = 262,164: 95,733,612 B;
    #   + the target's lm_head 129,280 / 4 = 32,320 rows x 4,096 x 2 = 264,765,440 B:
    #   360,499,052 B; routed experts 256 / 8 = 32 x (3 x 2,048 x 4,096 / 2 + 3 x 2,048 x
    #   4,096 / 32) = 32 x 13,369,344 = 427,819,008 B, read at the share its tokens touch.
    # KV: the 128-token window alone, 584 B a token (448 fp8 + 128 bf16 RoPE + 8 scales):
    # 32 sequences x 128 x 584 = 2,392,064 B.
    # One draft token: pass 1 runs over the verify step's 32 x (1 + 1) = 64 tokens, its
    # lm_head on 32 rows; no later pass.
    est, terms = _flash("0.34.0", k=1, tau=1.6)
    first = _inputs(terms["spec_draft_first"])
    assert "spec_draft_pass" not in terms
    assert first["draft_weight_bytes"] == 360_499_052
    assert first["draft_expert_bytes"] == 427_819_008
    assert first["draft_kv_bytes_per_token"] == 0
    assert (first["tokens"], first["sequences"], first["context_tokens"]) == (64, 32, 1_536)
    kv = _inputs(terms["decode_kv"])
    assert first["kv_ms"] == pytest.approx(
        32 * 128 * 584 / (4_800e9 * kv["kv_bandwidth_efficiency"]) * 1e3)
    # its read at the target's rates: the dense bytes at 4,800 GB/s x the fp8 efficiency, the
    # experts the busiest rank's 128 routed tokens touch (the verify step's: 64 x DP 2) at x
    # the expert factor
    w = _inputs(terms["decode_weights"])
    assert w["routed_tokens"] == 128
    rate = 4_800e9 * w["bandwidth_efficiency"]
    assert first["weights_ms"] == pytest.approx(
        (360_499_052 / rate + 427_819_008 * w["busiest_rank_experts_touched"] / 32
         / (rate * w["expert_bandwidth_factor"])) * 1e3)
    # its collectives, sequence parallel: ceil(64 / 4) = 16 tokens a rank; its layer's
    # all-gather + reduce-scatter of 4 x 16 x 4,096 x 2 = 524,288 B, 2 x (8.4 + 0.90686) us;
    # its last all-gather of 4 streams, 2,097,152 B: 8.4 + 3.62745 us; its MoE's gather of
    # the EP group's 16-token shards (allgather_reducescatter), 2 x [2 + 7 x 16 x 8,192 B /
    # 360 GB/s = 2.54862] us: 39.738 us
    collectives_us = (2 * (START_US + 3 / 4 * 524_288 / BUS * 1e6)
                      + START_US + 3 / 4 * 2_097_152 / BUS * 1e6 + _a2a_us(16, 8))
    assert collectives_us == pytest.approx(39.738, rel=1e-4)
    assert first["allreduce_ms"] * 1e3 == pytest.approx(collectives_us)
    step = terms["spec_step"].value
    assert step == pytest.approx(terms["decode_step"].value + terms["spec_draft_first"].value)
    interference = _inputs(terms["tpot"])["interference_ms"]
    assert est.tpot_ms == pytest.approx(step / 1.6 + interference)


def test_a_mega_moe_backend_at_dp_1_dispatches_each_ranks_shard():
    # --moe-backend deep_gemm_mega_moe turns the mode on at TP 8, DP 1 (EP over the TP group):
    # 16 tokens, ceil(16 / 8) = 2 a rank, each dispatched to 6 experts over B200's NVLink 5:
    # 2 x [2 us + 2 x 6 x 4,096 x 2 B x 7/8 / (900 GB/s x 0.80)] = 2 x (2 + 0.119467) =
    # 4.238933 us a MoE layer (none at DP 1 outside the mode: the all-reduce sums the experts)
    request = PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V4-Flash"),
                          cluster=preset_cluster("b200", 8),
                          layout=ParallelLayout(tp=8, ep=True),
                          engine=EngineSettings(moe_backend="deep_gemm_mega_moe",
                                                vllm_version="0.34.0"))
    est = estimate_speed(request, ServingLoad(concurrency=16), plan_result=plan(request))
    got = _inputs({t.key: t for t in est.terms}["allreduce"])
    assert (got["shard_tokens"], got["tokens"]) == (2, 16)
    assert got["all_to_all_us_per_moe_layer"] == pytest.approx(
        2 * (2 + 2 * 6 * 4_096 * 2 * 7 / 8 / (900e9 * 0.80) * 1e6))
    assert got["all_to_all_us_per_moe_layer"] == pytest.approx(4.238933, rel=1e-6)


# The target's own layers at TP 8 on 8 H200, vLLM 0.34.0, one request (output 1 token: its
# context 1 / 2 token past the prompt on average). The config's compress_ratios for the 43
# layers: 0, 0 (window only), then 4, 128 alternating from layer 2 to 41, and 4 at layer 42:
# 2 window-only layers, 21 at 1:4 (indexer top-512), 20 at 1:128. Every entry 584 B (fp8_ds_mla:
# 448 fp8 + 128 bf16 RoPE + 8 scale bytes), an indexer key 128 + 128 / 128 x 4 = 132 B.
WINDOW_B = 128 * 584  # 74,752 B: each layer's 128-token window (flashmla.py swa_lens)
HYPER_B = 4 * 2 * ((2 + 4) * 4 * 4 * 4_096 + (2 + 4) * 4 + 3)  # hc_{attn,ffn}_{fn,base,scale}
HC_HEAD_B = 4 * (4 * 4 * 4_096 + 4 + 1)  # hc_head_fn, hc_head_base, hc_head_scale
# H200: 4,800 GB/s; the fitted KV efficiency 0.707, the FP8 weight efficiency 0.865
KV_BW, WEIGHT_BW = 4_800e9 * 0.707, 4_800e9 * 0.865


def _tp8(version: str, input_len: int, eager: bool = False):
    request = PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V4-Flash"),
                          cluster=preset_cluster("h200", 8), layout=ParallelLayout(tp=8),
                          engine=EngineSettings(vllm_version=version, enforce_eager=eager))
    result = plan(request)
    est = estimate_speed(request, ServingLoad(concurrency=1, input_len=input_len,
                                              output_len=1), plan_result=result)
    weights = {key: int(value) for key, value in next(
        t for t in result.terms if t.key == "weights").inputs.items() if key.endswith("_bytes")}
    return {t.key: t for t in est.terms}, weights


def test_target_reads_each_layer_kinds_kv_at_32k_by_hand():
    # 32,768.5 tokens: a 1:4 layer holds 32,768.5 // 4 = 8,192 entries, more than the top-512,
    # so its indexer scores all 8,192 keys and the query reads 512 entries: 512 x 584 +
    # 8,192 x 132 = 299,008 + 1,081,344 = 1,380,352 B; a 1:128 layer reads all 256: 149,504 B;
    # every layer its window, 74,752 B. 43 x 74,752 + 21 x 1,380,352 + 20 x 149,504 =
    # 3,214,336 + 28,987,392 + 2,990,080 = 35,191,808 B a step (was 32,768.5 x 3,839 B of
    # compressed growth a token = 125,797,271.5 B, no window)
    terms, weights = _tp8("0.34.0", 32_768)
    kv = _inputs(terms["decode_kv"])
    assert kv["context_tokens"] == 32_768.5
    assert (kv["sliding_layers_w128"], kv["compressed_layers_r4"],
            kv["compressed_layers_r128"]) == (43, 21, 20)
    assert (kv["compressed_entries_r4"], kv["indexer_keys_r4"]) == (512, 8_192)
    assert (kv["compressed_entries_r128"], kv["indexer_keys_r128"]) == (256, 0)
    assert kv["kv_bytes_per_layer_r4"] == 512 * 584 + 8_192 * 132 == 1_380_352
    assert kv["kv_bytes_per_layer_r128"] == 256 * 584 == 149_504
    read = 43 * WINDOW_B + 21 * 1_380_352 + 20 * 149_504
    assert read == 35_191_808
    assert terms["decode_kv"].value == pytest.approx(read / KV_BW * 1e3)
    # attention: 8 heads a GPU x (512 + 512) = 8,192 wide, over 128 keys (window-only), 128 +
    # 512 (1:4), 128 + 256 (1:128): 2 x 128 + 21 x 640 + 20 x 384 = 21,376 keys, x 2 x 8,192
    # = 350,224,384 FLOPs (was 43 x 32,768.5 keys: 23,085,801,472); the indexer's 64 heads x
    # 128 over 8,192 keys in 21 layers: 2 x 8,192 x 8,192 x 21 = 2,818,572,288 FLOPs
    compute = _inputs(terms["decode_compute"])
    assert compute["attention_flops"] == 2 * 8_192 * (2 * 128 + 21 * 640 + 20 * 384) \
        == 350_224_384
    assert compute["indexer_flops"] == 2 * 8_192 * 8_192 * 21 == 2_818_572_288
    # the float32 hyper-connections: mix = (2 + 4) x 4 = 24; a layer's hc_attn and hc_ffn fn
    # (24 x 4 x 4,096), base (24) and scale (3): 4 x 2 x (393,216 + 27) = 3,145,944 B, x 43 =
    # 135,275,592; hc_head 4 x (16 x 4,096 + 5) = 262,164: 135,537,756 B read every step
    # besides the attention, shared experts, router, norms and lm_head the memory plan holds
    assert HYPER_B == 3_145_944 and HC_HEAD_B == 262_164
    hyper = 43 * HYPER_B + HC_HEAD_B
    assert weights["hyper_connections_bytes"] == hyper == 135_537_756
    read_before = sum(weights[k] for k in ("attention_bytes", "shared_experts_bytes",
                                           "router_bytes", "norms_bytes", "lm_head_bytes"))
    assert _inputs(terms["decode_weights"])["dense_bytes"] == read_before + hyper
    # TPOT: weights + KV bind (compute 0.011 ms): + 135,537,756 B / 4,152 GB/s = 0.032644 ms,
    # + (35,191,808 - 125,797,271.5) B / 3,393.6 GB/s = -0.026699 ms: + 0.005945 ms on the
    # 5.164430 ms this estimate gave without them
    delta_ms = (hyper / WEIGHT_BW + (read - 32_768.5 * 3_839) / KV_BW) * 1e3
    assert delta_ms == pytest.approx(0.005945, abs=1e-6)
    assert terms["tpot"].value == pytest.approx(5.164430 + delta_ms, abs=2e-6)


def test_target_reads_every_compressed_entry_at_1k_by_hand():
    # 1,024.5 tokens: a 1:4 layer holds 256 entries, no more than the top-512, so the query
    # reads all 256: 149,504 B; a 1:128 layer 8 x 584 = 4,672 B. 3,214,336 + 21 x 149,504 +
    # 20 x 4,672 = 3,214,336 + 3,139,584 + 93,440 = 6,447,360 B (was 1,024.5 x 3,839 =
    # 3,933,055.5). Whether the indexer also scores its 256 keys (256 x 132 = 33,792 B a 1:4
    # layer) depends on how the step runs: DeepseekV4Indexer.forward skips it where
    # max_seq_len // 4 <= topk "and not torch.cuda.is_current_stream_capturing()" (0.28.0+),
    # decided in the input preparation a full CUDA graph captures, so a graph-replayed decode
    # step of 0.34.0 scores them: 6,447,360 + 21 x 33,792 = 6,447,360 + 709,632 = 7,156,992 B
    terms, _ = _tp8("0.34.0", 1_024)
    kv = _inputs(terms["decode_kv"])
    assert (kv["compressed_entries_r4"], kv["indexer_keys_r4"]) == (256, 256)
    assert kv["compressed_entries_r128"] == 8
    read = 43 * WINDOW_B + 21 * (256 * 584 + 256 * 132) + 20 * 8 * 584
    assert read == 6_447_360 + 709_632 == 7_156_992
    assert terms["decode_kv"].value == pytest.approx(read / KV_BW * 1e3)
    # 2 x 128 + 21 x (128 + 256) + 20 x (128 + 8) = 11,040 keys x 2 x 8,192 = 180,879,360;
    # the indexer's 64 x 128 over 256 keys in 21 layers: 2 x 8,192 x 256 x 21 = 88,080,384
    compute = _inputs(terms["decode_compute"])
    assert compute["attention_flops"] == 2 * 8_192 * 11_040 == 180_879_360
    assert compute["indexer_flops"] == 2 * 8_192 * 256 * 21 == 88_080_384
    # TPOT 5.128519 ms before: + 0.032644 ms hyper-connections + 0.000950 ms KV
    delta_ms = ((43 * HYPER_B + HC_HEAD_B) / WEIGHT_BW + (read - 1_024.5 * 3_839) / KV_BW) * 1e3
    assert delta_ms == pytest.approx(0.033594, abs=1e-6)
    assert terms["tpot"].value == pytest.approx(5.128519 + delta_ms, abs=2e-6)
    # --enforce-eager runs the forward each step: the skip holds, 6,447,360 B, no indexer FLOPs
    eager, _ = _tp8("0.34.0", 1_024, eager=True)
    kv = _inputs(eager["decode_kv"])
    assert (kv["indexer_keys_r4"], kv["kv_bytes_per_layer_r4"]) == (0, 149_504)
    assert eager["decode_kv"].value == pytest.approx(6_447_360 / KV_BW * 1e3)
    assert "indexer_flops" not in _inputs(eager["decode_compute"])
    # 0.26.0 scores every key at any length: + 256 x 132 = 33,792 B a 1:4 layer
    old, _ = _tp8("0.26.0", 1_024)
    kv = _inputs(old["decode_kv"])
    assert (kv["indexer_keys_r4"], kv["kv_bytes_per_layer_r4"]) == (256, 149_504 + 33_792)
    assert _inputs(old["decode_compute"])["indexer_flops"] == 2 * 8_192 * 256 * 21


def test_0_27_graphs_record_the_indexers_skip_at_any_length():
    # 0.27.0's skip has no capture condition and its capture's dummy seq_lens are
    # max_query_len (1 a decode: 1 // 4 = 0 <= 512), so its full decode graphs replay
    # fill_short_context_topk_indices: the first 512 of a 1:4 layer's 8,192 entries at
    # 32,768.5 tokens, no key scored. 3,214,336 + 21 x 512 x 584 + 20 x 149,504 = 3,214,336 +
    # 6,279,168 + 2,990,080 = 12,483,584 B (0.34.0: 35,191,808)
    terms, _ = _tp8("0.27.0", 32_768)
    kv = _inputs(terms["decode_kv"])
    assert (kv["compressed_entries_r4"], kv["indexer_keys_r4"]) == (512, 0)
    read = 43 * WINDOW_B + 21 * 512 * 584 + 20 * 256 * 584
    assert read == 12_483_584
    assert terms["decode_kv"].value == pytest.approx(read / KV_BW * 1e3)
    assert "indexer_flops" not in _inputs(terms["decode_compute"])
    # eagerly the indexer runs there (8,192 > 512): 1,380,352 B a 1:4 layer as 0.34.0's
    kv = _inputs(_tp8("0.27.0", 32_768, eager=True)[0]["decode_kv"])
    assert (kv["indexer_keys_r4"], kv["kv_bytes_per_layer_r4"]) == (8_192, 1_380_352)


def test_sequence_parallel_routers_score_each_ranks_shard():
    # --dp 2 --tp 4 --ep on 0.34.0: each rank's DeepseekV4MoE gates ceil(32 / 4) = 8 of the
    # DP rank's 32 tokens; its 43 gates of 4,096 x 256 = 45,088,768 parameters multiply 8
    # tokens, not 32: 2 x 45,088,768 x 24 = 2,164,260,864 FLOPs fewer a step
    _, sp = _flash("0.34.0")
    got = _inputs(sp["decode_compute"])
    assert (got["router_params"], got["router_tokens"], got["tokens"]) == (
        43 * 4_096 * 256, 8, 32)
    assert "- 2 x 0.045 G router params x (32 - 8 shard) tokens" in sp["decode_compute"].formula
    _, plain = _flash("0.26.0")
    assert "router_params" not in _inputs(plain["decode_compute"])
