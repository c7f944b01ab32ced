"""DeepSeek-V4-Flash's parameters and per-GPU bytes as vLLM 0.22 allocates them, worked by hand
from ../shared/model-configs/deepseek-ai__DeepSeek-V4-Flash.json (hidden 4096, 43 layers:
compress_ratios 0, 0, then 4 / 128 alternating, 4 last -> 21 layers of ratio 4, 20 of 128, 2
window-only; 64 heads x 512, q_lora 1024, o_lora 1024 x 8 groups, indexer 64 x 128, 256
experts of 2048 + 1 shared, top-6, hc_mult 4, 3 hash layers, vocab 129,280).

Shapes from vLLM 0.22.0 models/deepseek_v4 (nvidia/model.py, attention.py, compressor.py,
quant_config.py); dtypes: linear layers FP8 128 x 128 blocks with 1-byte ue8m0 scales
(expert_dtype fp4), experts MXFP4 (4.25 bits), compressors / indexer weights_proj / gate /
norms bf16, attn_sink / ape / hyper-connections / e_score_correction_bias float32, tid2eid
int32.
"""

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.quant import checkpoint_scheme, what_if_scheme
from planner.serving.layout import ParallelLayout
from planner.serving.weights import WeightLoadRules, rank_weights, weights_bytes

ENTRY = catalog_entry("deepseek-ai/DeepSeek-V4-Flash")
SPEC = parse_model_config(ENTRY.config, ENTRY.hf_quant_config, name=ENTRY.repo_id)


def test_parameter_count_by_component():
    # attention, window-only layer: wq_a + wkv 4096 x (1024 + 512) = 6,291,456, q_norm 1024,
    # kv_norm 512, wq_b 1024 x 64 x 512 = 33,554,432, wo_a (64 x 512 / 8 = 4096) x (8 x 1024)
    # = 33,554,432, wo_b 8192 x 4096 = 33,554,432, sinks 64 -> 106,956,352.
    # ratio 128: + compressor ape 128 x 512 + wkv/wgate 4096 x 2 x 512 + norm 512 = 4,260,352.
    # ratio 4: + compressor (coff 2) 4 x 1024 + 4096 x 2048 + 512 = 8,393,216, + indexer
    # wq_b 1024 x 8192 = 8,388,608, weights_proj 4096 x 64 = 262,144, its compressor
    # 4 x 256 + 4096 x 512 + 128 = 2,098,304 -> 126,098,624.
    p = count_params(SPEC)
    assert [p.layers[i].attention for i in (0, 2, 3)] == [106_956_352, 126_098_624, 111_216_704]
    # router: gate 4096 x 256 = 1,048,576 + tid2eid 129,280 x 6 = 775,680 (layers 0-2) or
    # the correction bias 256.
    assert [p.layers[i].router for i in (2, 3)] == [1_824_256, 1_048_832]
    # hyper-connections: 2 x ((2 + 4) x 4 x 4 x 4096 + 24 + 3) = 786,486 per layer;
    # head 4 x 4 x 4096 + 4 + 1 = 65,541.
    assert p.layers[0].hyper_connections == 786_486 and p.hc_head == 65_541
    # layers: 43 x (experts 256 x 3 x 4096 x 2048 = 6,442,450,944 + shared 25,165,824 +
    # norms 8192 + hc 786,486 + gate 1,048,576) = 43 x 6,469,460,022 = 278,186,780,946;
    # + attention 43 x 106,956,352 + 20 x 4,260,352 + 21 x 19,142,272 = 5,086,317,888;
    # + tid2eid 3 x 775,680 + bias 40 x 256 = 2,337,280; + embed and head 2 x 129,280 x
    # 4096 = 1,059,061,760 + final norm 4096 + hc head 65,541 = 284,334,567,511, the count
    # transformers 5.24 gives on `meta` (tests/fixtures/param_counts.json).
    assert p.text_total == 284_334_567_511


def test_checkpoint_bytes_as_vllm_loads_them():
    # embed + head 2 x 129,280 x 4096 x 2 B = 2,118,123,520; experts 43 x 256 x 25,165,824
    # x 17/32 B = 147,169,738,752; shared 43 x (25,165,824 + scales 32 x 32 + 32 x 16) =
    # 1,082,196,480; router 43 x 4096 x 256 x 2 + 3 x 129,280 x 6 x 4 + 40 x 256 x 4 =
    # 99,526,656; norms (43 x 2 + 1) x 4096 x 2 = 712,704; hyper-connections 43 x 2 x
    # 393,243 x 4 + 65,541 x 4 = 135,537,756; attention: window-only layer 6,291,456 + 384
    # scales + 1536 x 2 + 3 x (33,554,432 + 2048) + 256 = 106,964,608, ratio 128 adds
    # 262,144 + 8,388,608 + 1024 = 8,651,776, ratio 4 adds 16,384 + 16,777,216 + 1024 +
    # indexer (8,388,608 + 512) + 524,288 + (4096 + 4,194,304 + 256) = 29,906,688 ->
    # 43 x 106,964,608 + 20 x 8,651,776 + 21 x 29,906,688 = 5,400,554,112.
    assert weights_bytes(SPEC, checkpoint_scheme(SPEC)).total_bytes == 156_006_389_980


def test_per_gpu_bytes_2x_gh200_tp2_ep():
    # vLLM issue #44376 (../shared/calibration/vllm-other-gpus.json vllm-i44376): TP=2 with
    # expert parallel, vllm.LLM's 16,384-token batch. Per GPU: embed and head 64,640 rows x
    # 4096 x 2 = 529,530,880 each; experts 43 x 128 x 13,369,344 = 73,584,869,376; shared
    # (gate_up 2048 x 4096 + 512, down 4096 x 1024 + 256) x 43 = 541,098,240; attention:
    # wq_b / wo_a / wo_b halved (16,777,216 + 1024 each), sink still 64 x 4 -> 56,629,888
    # per layer x 43 + 173,035,520 + 628,040,448 = 3,236,161,152; router, norms and
    # hyper-connections replicated (99,526,656 + 712,704 + 135,537,756); rope caches 2 thetas
    # x 1,048,576 x 64 x 4 = 536,870,912; buffers 16,384 x 512 x 4 + 16,384 x 16,384 x 2 =
    # 570,425,344. Total 79,764,263,900 B = 74.29 GiB.
    terms = rank_weights(SPEC, checkpoint_scheme(SPEC), ParallelLayout(tp=2, ep=True),
                         max_num_batched_tokens=16_384)
    assert len(terms) == 2 and terms[0] == terms[1]
    t = terms[0]
    assert (t.experts_bytes, t.attention_bytes, t.rope_cache_bytes, t.buffers_bytes) == (
        73_584_869_376, 3_236_161_152, 536_870_912, 570_425_344)
    assert t.total_bytes == 79_764_263_900


def test_a_what_if_in_its_own_format_loads_the_same_bytes():
    # --target-quant fp8-block128-fp4experts --target-checkpoint X: X is loaded by the same
    # DeepseekV4FP8Config and model code (no exclusion list or per-module formats in the
    # config decide a dtype), so the same 79,764,263,900 B per GPU as the test above, rotary
    # caches and buffers included
    terms = rank_weights(SPEC, what_if_scheme(SPEC.quant.scheme),
                         ParallelLayout(tp=2, ep=True), max_num_batched_tokens=16_384)
    assert (terms[0].rope_cache_bytes, terms[0].buffers_bytes) == (536_870_912, 570_425_344)
    assert terms[0].total_bytes == 79_764_263_900


def test_buffers_scale_with_the_batch():
    # vllm serve's 8,192-token batch: 8192 x (512 x 4 + 16,384 x 2) = 285,212,672.
    t = rank_weights(SPEC, checkpoint_scheme(SPEC), ParallelLayout(tp=2, ep=True),
                     max_num_batched_tokens=8192)[0]
    assert t.buffers_bytes == 285_212_672


def test_profile_run_activation_2x_gh200():
    # vLLM 0.22 models/deepseek_v4, the indexer op of a ratio-4 layer at 16,384 tokens, TP=2
    # (32 local heads -> FlashMLA pads to 64), max_model_len 30,000:
    # streams 16,384 x (4 + 1) x 4096 x 2 = 671,088,640; o_padded + padded q
    # 2 x 16,384 x 64 x 512 x 2 = 2,147,483,648; GEMMs 2 x 16,384 x 1536 x 2 + 16,384 x 2048
    # x 4 + 16,384 x 512 x 4 + 16,384 x 64 x 2 = 270,532,608; indexer queries 16,384 x 64 x
    # (128 + 4) + 512 MiB logits = 675,282,944 -> 3,764,387,840 B besides the workspace.
    # The workspace (v1/worker/workspace.py, one buffer, never shrunk) is the largest request:
    # attention gathers max(4 x (7500 + 128 + 16,384) x 512 x 2 = 98,353,152, 300,000 x 132
    # + 1 MiB) = 98,353,152, or layer 0's Marlin MoE (modular_kernel.py _allocate_buffers,
    # marlin_moe.py workspace_shapes; EP keeps each expert's 2048 whole): max(16,384 x 6 x
    # max(2048, 4096), 16,384 x 4096) x 2 = 805,306,368 + 16,384 x 6 x max(4096, 4096) x 2 =
    # 805,306,368 -> 1,610,612,736. Forward 3,764,387,840 + 1,610,612,736 = 5,375,000,576.
    from planner.serving.activation_dsv4 import dsv4_activation, dsv4_shape

    shape = dsv4_shape(SPEC)
    peak, formula = dsv4_activation(shape, 2, 16_384, 30_000, 2, 10**9, 1, True)
    assert peak == 5_375_000_576 and "64 heads" in formula and "Marlin MoE" in formula
    # TP without EP splits each expert (N = 1024): max(1024, 4096) and max(2048, 4096) are
    # still the hidden size, so the same bytes
    assert dsv4_activation(shape, 2, 16_384, 30_000, 2, 10**9, 2, True)[0] == 5_375_000_576
    # on datacenter Blackwell the experts run FlashInfer / DeepGEMM: only the attention
    # gathers are counted, 3,764,387,840 + 98,353,152 = 3,862,740,992
    assert dsv4_activation(shape, 2, 16_384, 30_000, 2, 10**9, 1, False)[0] == 3_862_740_992
    # a sampler larger than the forward moment wins, with the workspace still held:
    # 4 GiB + 1,610,612,736 = 5,905,580,032
    assert dsv4_activation(shape, 2, 16_384, 30_000, 2, 4 << 30, 1, True)[0] == 5_905_580_032


def test_the_marlin_workspace_splits_each_expert_over_tp_x_dp_without_ep():
    # vLLM 0.22 FusedMoEParallelConfig.make (fused_moe/config.py flatten_tp_across_dp_and_pcp)
    # gives the MoE layer tp_size dp x tp without --enable-expert-parallel, and FusedMoE's
    # intermediate_size_per_partition is 2048 // that (layer.py), as the weights already
    # split it (ParallelLayout.expert_tp). TP=2 x DP=2 on H200 (9.0: Marlin), 8,192 tokens:
    # N = 2048 / 4 = 512 (a multiple of 128), K 4096: max(512, 4096) and max(1024, 4096) are
    # K, so 2 x 8,192 x 6 x 4096 x 2 B = 805,306,368 B = 0.75 GiB either way (before, the
    # formula named N = 1024, the split over TP alone)
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    p = plan(PlanRequest(model=SPEC, cluster=preset_cluster("h200", 4),
                         layout=ParallelLayout(tp=2, dp=2),
                         engine=EngineSettings(max_model_len=8192)))
    formula = next(t.formula for t in p.terms if t.key == "activation")
    assert ("Marlin MoE 8,192 x 6 x (max(512, 4096) + max(2 x 512, 4096)) x 2 B = 0.75 GiB"
            in formula)
    # and the bytes are one TP=2 replica's (N = 1024 there: the same K-wide buffers)
    one = plan(PlanRequest(model=SPEC, cluster=preset_cluster("h200", 2),
                           layout=ParallelLayout(tp=2), engine=EngineSettings(max_model_len=8192)))
    assert p.activation_bytes_per_gpu == one.activation_bytes_per_gpu

def test_moe_kernel_and_first_capture_logits():
    # fused_moe/oracle/mxfp4.py select_deepseek_v4_mxfp4_moe_backend (0.21.0-0.25.0): the
    # FlashInfer TRT-LLM and DeepGEMM MXFP4 kernels need is_device_capability_family(100);
    # everything else falls through to Marlin
    from planner.serving.activation_dsv4 import (
        dsv4_first_capture_bytes,
        dsv4_marlin,
        dsv4_shape,
    )

    assert [dsv4_marlin(cc) for cc in ("9.0", "8.9", "12.0", "10.0", "10.3", "")] == [
        True, True, True, False, False, True]
    # profile_cudagraph_memory: the first PIECEWISE warm-up has no attention metadata, so
    # sparse_attn_indexer.py allocates its 512 MiB dummy logits fresh after empty_cache()
    shape = dsv4_shape(SPEC)
    assert dsv4_first_capture_bytes(shape, 51) == 512 << 20
    assert dsv4_first_capture_bytes(shape, 0) == 0  # FULL graphs only: real indexer path


def test_mtp_draft_layer_per_gpu_tp8_ep():
    # --speculative-config method mtp, num_speculative_tokens 1 (num_nextn_predict_layers 1):
    # vLLM builds one DeepSeekV4MultiTokenPredictorLayer (deepseek_v4_mtp.py 0.20.0-0.21.0,
    # models/deepseek_v4/nvidia/mtp.py 0.22.0-0.34.0), on 8 x H200 at TP=8 with EP. Its
    # mtp_block is layer 43: compress_ratio 1 (layer_id >= num_hidden_layers), so window-only
    # attention: wq_a + wkv whole 1536 x 4096 + 12 x 32 scales = 6,291,840 + q/kv norms
    # 1536 x 2 = 6,294,912; wq_b 4096 x 1024 + 32 x 8, wo_a 1024 x 4096 + 8 x 32, wo_b 4096 x
    # 1024 + 32 x 8 = 3 x 4,194,560; sink max(8, 64) x 4 = 256 -> 18,878,848. Norms 2 x 4096
    # x 2 = 16,384; hyper-connections 8 x (24 x 4 x 4096 + 24 + 3) = 3,145,944; experts
    # 256 / 8 = 32 x (3 x 2048 x 4096 / 2 + 3 x 2048 x 4096 / 32) = 427,819,008; shared
    # gate_up 512 x 4096 + 4 x 32 + down 4096 x 256 + 32 x 2 = 3,145,920; router 4096 x 256
    # x 2 + bias 256 x 4 (layer 43 is no hash layer) = 2,098,176 -> 455,104,280. Besides:
    # enorm, hnorm, shared_head.norm 3 x 4096 x 2 = 24,576; e_proj + h_proj FP8 2 x (4096 x
    # 4096 + 32 x 32) = 33,556,480; hc_head 4 x (4 x 4 x 4096 + 4 + 1) = 262,164. The
    # embedding and shared_head.head are the target's at PP 1: 488,947,500 B per GPU.
    layout = ParallelLayout(tp=8, ep=True)
    base = rank_weights(SPEC, checkpoint_scheme(SPEC), layout, max_num_batched_tokens=8192)
    draft = rank_weights(SPEC, checkpoint_scheme(SPEC), layout, max_num_batched_tokens=8192,
                         mtp_layers=1)
    assert {t.mtp_bytes for t in draft} == {488_947_500}
    assert all(d.total_bytes - b.total_bytes == 488_947_500 for b, d in zip(base, draft,
                                                                              strict=True))


def test_mtp_draft_sits_on_the_last_stage_with_its_embedding_at_pp2():
    # TP=4 x PP=2 with EP: the draft layer on stage 1 only. Its layer at TP 4: attention
    # 6,294,912 + wq_b 8192 x 1024 + 64 x 8, wo_a 2048 x 4096 + 16 x 32, wo_b 4096 x 2048 +
    # 32 x 16 (3 x 8,389,120) + sink 64 x 4 = 31,462,528; norms 16,384; hyper 3,145,944;
    # experts 64 x 13,369,344 = 855,638,016; shared 1024 x 4096 + 8 x 32 + 4096 x 512 + 32 x
    # 4 = 6,291,840; router 2,098,176; + 24,576 + 33,556,480 + 262,164 = 932,496,108. At
    # PP > 1 one embedding table joins the last stage (draft_builds_embed): the draft's own
    # on 0.21-0.33, on 0.34 the target's second copy (spec_decode_needs_target_embed), which
    # the draft takes: 129,280 / 4 = 32,320 rows x 4096 x 2 B = 264,765,440 -> 1,197,261,548
    # B per GPU of the last stage.
    draft = rank_weights(SPEC, checkpoint_scheme(SPEC), ParallelLayout(tp=4, pp=2, ep=True),
                         max_num_batched_tokens=8192, mtp_layers=1, mtp_own_embed=True)
    assert [t.mtp_bytes for t in draft] == [0] * 4 + [1_197_261_548] * 4


def test_a_plan_with_the_mtp_draft_adds_its_weights():
    # --num-speculative-tokens 1 on 8 x H200, TP=8 with EP: the weights term of every GPU
    # grows by the draft layer worked out above, 488,947,500 B = 0.46 GiB, on the first
    # release with the draft (0.20.0) and the newest (0.34.0) alike; from 0.27 the draft also
    # brings _mtp_hidden_buffer, vllm serve's 8,192 tokens x 4 x 4096 x 2 B = 268,435,456
    # (0.20.0 holds it without the draft too): 488,947,500 + 268,435,456 = 757,382,956
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    def weights(tokens: int, version: str) -> tuple[int, str]:
        p = plan(PlanRequest(model=SPEC, cluster=preset_cluster("h200", 8),
                             layout=ParallelLayout(tp=8, ep=True),
                             engine=EngineSettings(max_model_len=8192, vllm_version=version,
                                                   num_speculative_tokens=tokens)))
        return (p.per_gpu[0].weights_bytes,
                next(t.formula for t in p.terms if t.key == "weights"))

    for version, grown in (("0.20.0", 488_947_500), ("0.34.0", 757_382_956)):
        (without, _), (drafted, formula) = weights(0, version), weights(1, version)
        assert drafted - without == grown and "MTP draft 0.46 GiB" in formula


def test_the_mtp_hidden_buffer_is_held_without_a_draft_before_0_27_only():
    # DeepseekV4Model's _mtp_hidden_buffer (max_num_batched_tokens x hc_mult x hidden, bf16)
    # sits on the last PP rank with or without a draft in vLLM 0.21.0-0.26.0, and from 0.27.0
    # only with a hidden-state draft (needs_mtp_hidden_states). TP=4 x PP=2 with EP on 8 x
    # H200, vllm serve's 8,192 tokens: top-k indices 8,192 x 512 x 4 = 16,777,216 B on every
    # GPU; the hidden buffer 8,192 x 4 x 4096 x 2 = 268,435,456 B on stage 1 only.
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    def weights(version: str, tokens: int = 0) -> list[int]:
        p = plan(PlanRequest(model=SPEC, cluster=preset_cluster("h200", 8),
                             layout=ParallelLayout(tp=4, pp=2, ep=True),
                             engine=EngineSettings(max_model_len=8192, vllm_version=version,
                                                   num_speculative_tokens=tokens)))
        return [g.weights_bytes for g in p.per_gpu]

    old, new = weights("0.26.0"), weights("0.27.0")
    assert [a - b for a, b in zip(old, new, strict=True)] == [0] * 4 + [268_435_456] * 4
    # with the draft 0.27.0 holds it again: the draft's 1,197,261,548 B (above) + 268,435,456
    # = 1,465,697,004 B more on stage 1 than without
    assert [b - a for a, b in zip(new, weights("0.27.0", 1), strict=True)] == (
        [0] * 4 + [1_465_697_004] * 4)
    # rank_weights by the rule: 16,777,216 without the draft, + 268,435,456 = 285,212,672
    # with it
    rules = WeightLoadRules(dsv4_mtp_buffer_draft_only=True)
    layout = ParallelLayout(tp=8, ep=True)
    bare = rank_weights(SPEC, checkpoint_scheme(SPEC), layout, max_num_batched_tokens=8192,
                        rules=rules)
    drafted = rank_weights(SPEC, checkpoint_scheme(SPEC), layout, max_num_batched_tokens=8192,
                           rules=rules, mtp_layers=1)
    assert {t.buffers_bytes for t in bare} == {16_777_216}
    assert {t.buffers_bytes for t in drafted} == {285_212_672}


def test_pipeline_parallel_is_refused_before_0_21():
    # vLLM 0.20.0-0.20.2: DeepseekV4ForCausalLM(nn.Module) is no SupportsPP, so PP=2 fails
    # verify_with_parallel_config in vLLM's words; 0.21.0 is the first SupportsPP release
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import layout_errors

    cluster, layout = preset_cluster("h200", 8), ParallelLayout(tp=4, pp=2, ep=True)
    errors = layout_errors(SPEC, cluster, layout, vllm_version="0.20.2")
    assert errors == ['vLLM 0.20.2 refuses pipeline parallelism for DeepSeek-V4: "Pipeline '
                      'parallelism is not supported for this model. Supported models implement '
                      'the `SupportsPP` interface." (DeepseekV4ForCausalLM implements it from '
                      '0.21.0)']
    assert layout_errors(SPEC, cluster, layout, vllm_version="0.21.0") == []
    assert layout_errors(SPEC, cluster, ParallelLayout(tp=8, ep=True), vllm_version="0.20.0") == []


def test_sequence_parallel_mode_holds_the_shared_experts_whole():
    # vLLM 0.27.0-0.34.0 models/deepseek_v4/nvidia/model.py _use_sequence_parallel: PP 1, EP,
    # TP > 1 and DP > 1 (or a mega-MoE --moe-backend) build the shared experts' DeepseekV4MLP
    # with disable_tp. --dp 2 --tp 4 --enable-expert-parallel on 8 x H200, vLLM 0.34.0.
    # One layer's shared expert (n_shared_experts 1 x moe_intermediate_size 2048), FP8 with
    # 1-byte ue8m0 128 x 128 block scales (expert_dtype fp4):
    #   whole: gate_up 4096 x 4096 + 32 x 32 = 16,778,240; down 4096 x 2048 + 32 x 16 =
    #          8,389,120 -> 25,167,360; 43 layers -> 1,082,196,480 B per GPU
    #   TP 4:  gate_up 1024 x 4096 + 8 x 32 = 4,194,560; down 4096 x 512 + 32 x 4 = 2,097,280
    #          -> 6,291,840; 43 layers -> 270,549,120 B per GPU
    # The MTP draft's layer at TP 4, EP over 8 ranks (256 / 8 = 32 experts): attention
    # 31,462,528 + norms 16,384 + hyper 3,145,944 + experts 32 x 13,369,344 = 427,819,008 +
    # router 2,098,176 + enorm / hnorm / shared_head.norm 24,576 + e_proj / h_proj 33,556,480
    # + hc_head 262,164 = 498,385,260, + shared 25,167,360 = 523,552,620 whole, + 6,291,840 =
    # 504,677,100 split.
    from planner.serving.hardware import gpu_preset
    from planner.serving.startup.weight_load import weight_load_rules

    scheme, h200 = checkpoint_scheme(SPEC), gpu_preset("h200")

    def per_gpu(layout: ParallelLayout, version: tuple[int, int, int],
                moe_backend: str | None = None) -> set[tuple[int, int]]:
        rules = weight_load_rules(SPEC, scheme, moe_backend, version, h200)
        terms = rank_weights(SPEC, scheme, layout, max_num_batched_tokens=8192, rules=rules,
                             mtp_layers=1)
        return {(t.shared_experts_bytes, t.mtp_bytes) for t in terms}

    dp2 = ParallelLayout(tp=4, dp=2, ep=True)
    assert per_gpu(dp2, (0, 34, 0)) == {(1_082_196_480, 523_552_620)}
    assert per_gpu(dp2, (0, 27, 0)) == {(1_082_196_480, 523_552_620)}  # the first release
    # the mode off: before 0.27, without EP (experts sliced over tp x dp: 498,385,260 -
    # 427,819,008 + 256 x 13,369,344 / 8 = 498,385,260 again), at DP 1 on the default backend
    assert per_gpu(dp2, (0, 26, 0)) == {(270_549_120, 504_677_100)}
    assert per_gpu(ParallelLayout(tp=4, dp=2), (0, 34, 0)) == {(270_549_120, 504_677_100)}
    # TP 8, DP 1: 43 x 3,145,920 = 135,274,560 split (the draft 488,947,500, as above); the
    # mega-MoE backend turns the mode on at DP 1: 43 x 25,167,360 whole, the draft
    # 488,947,500 - 3,145,920 + 25,167,360 = 510,968,940
    tp8 = ParallelLayout(tp=8, ep=True)
    assert per_gpu(tp8, (0, 34, 0)) == {(135_274_560, 488_947_500)}
    assert per_gpu(tp8, (0, 34, 0), "deep_gemm_mega_moe") == {(1_082_196_480, 510_968_940)}
    # PP 2 keeps the split (pipeline_parallel_size == 1 in the rule): 43 layers over two
    # stages (22 + 21) x 6,291,840 at TP 4
    pp2 = rank_weights(SPEC, scheme, ParallelLayout(tp=4, pp=2, dp=2, ep=True),
                       max_num_batched_tokens=8192,
                       rules=weight_load_rules(SPEC, scheme, None, (0, 34, 0), h200))
    assert sorted({t.shared_experts_bytes for t in pp2}) == [21 * 6_291_840, 22 * 6_291_840]
    # ROCm builds models/deepseek_v4/amd/model.py, which never sets is_sequence_parallel
    rocm = weight_load_rules(SPEC, scheme, None, (0, 34, 0), gpu_preset("mi300x"))
    assert not rocm.dsv4_sequence_parallel


def test_mega_moe_backends_by_release():
    # MEGA_MOE_BACKENDS: 0.27-0.28 `== "deep_gemm_mega_moe"`; 0.29-0.31 config/kernel.py
    # adds flashinfer_moe_ep_mega_{deep_gemm,cutedsl}; 0.32-0.34 flashinfer_moe_ep_cutedsl
    # and flashinfer_moe_ep_mega_deep_gemm
    from planner.serving.moe_backend import mega_moe_backend

    cases = {("deep_gemm_mega_moe", (0, 27, 0)): True, ("deep_gemm_mega_moe", (0, 26, 0)): False,
             ("flashinfer_moe_ep_mega_cutedsl", (0, 28, 0)): False,
             ("flashinfer_moe_ep_mega_cutedsl", (0, 31, 0)): True,
             ("flashinfer_moe_ep_mega_cutedsl", (0, 32, 0)): False,
             ("flashinfer_moe_ep_cutedsl", (0, 31, 0)): False,
             ("flashinfer_moe_ep_cutedsl", (0, 34, 0)): True,
             ("flashinfer_moe_ep_mega_deep_gemm", (0, 29, 0)): True,
             ("flashinfer_trtllm", (0, 34, 0)): False, (None, (0, 34, 0)): False}
    assert {case: mega_moe_backend(*case) for case in cases} == cases


def test_sequence_parallel_mode_shards_the_profile_residual():
    # --dp 2 --tp 4 --enable-expert-parallel on 8 x H200 (9.0: Marlin), max_model_len and
    # --max-num-batched-tokens 8,192: vLLM 0.34.0 runs the sequence-parallel mode, 0.26.0 has
    # none. models/deepseek_v4/nvidia/model.py (0.27.0 and 0.34.0): DeepseekV4Model.forward
    # sp_shard's the embedding to this GPU's 8,192 / 4 = 2,048 rows, so the hyper-connection
    # residual the layers carry is 2,048 x 4 x 4096; DeepseekV4DecoderLayer.forward
    # sp_all_gather's the attention input back to 8,192 x 4096 and reduce-scatters its output.
    # Changed tensors at the indexer moment, one only:
    #   residual  8,192 x 4 x 4096 x 2 = 268,435,456 -> 2,048 x 4 x 4096 x 2 = 67,108,864
    # Unchanged (all 8,192 rows either way): the attention input 8,192 x 4096 x 2 =
    # 67,108,864 (gathered), o_padded + padded q 2 x 8,192 x 64 x 512 x 2 = 1,073,741,824 (16
    # local heads pad to 64), the GEMMs 2 x 8,192 x 1536 x 2 + 8,192 x 2048 x 4 + 8,192 x 512
    # x 4 + 8,192 x 64 x 2 = 135,266,304, the indexer 8,192 x 64 x 132 + 512 MiB =
    # 606,076,928, and the workspace: attention gathers 4 x (2048 + 128 + 8,192) x 512 x 2 =
    # 42,467,328 below the Marlin MoE's 2 x 8,192 x 6 x 4096 x 2 = 805,306,368 (the EP
    # dispatch gathers dp x tp shards of 2,048 = dp x 8,192 rows, as DP's gather does without
    # the mode; one replica's 8,192 counted either way).
    # Mode off: 268,435,456 + 67,108,864 + 1,073,741,824 + 135,266,304 + 606,076,928 +
    # 805,306,368 = 2,955,935,744; on: 2,955,935,744 - 268,435,456 + 67,108,864 =
    # 2,754,609,152 (0.1875 GiB less). The sampler's moment, 3.637 x 1024 x 129,280 x 4 B
    # = 1,925,903,810 + 805,306,368 = 2,731,210,178, stays below both.
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    def activation(version: str, layout: ParallelLayout) -> tuple[int, str, dict]:
        p = plan(PlanRequest(model=SPEC, cluster=preset_cluster("h200", 8), layout=layout,
                             engine=EngineSettings(max_model_len=8192, vllm_version=version,
                                                   max_num_batched_tokens=8192)))
        term = next(t for t in p.terms if t.key == "activation")
        return p.activation_bytes_per_gpu, term.formula, term.inputs

    dp2 = ParallelLayout(tp=4, dp=2, ep=True)
    off, on = activation("0.26.0", dp2), activation("0.34.0", dp2)
    assert off[0] == 2_955_935_744 and "streams 8,192 x (4 + 1) x 4096 x 2 B" in off[1]
    assert on[0] == 2_754_609_152 and "streams (2,048 x 4 + 8,192) x 4096 x 2 B" in on[1]
    assert on[2]["sequence_parallel_token_shards"] == "4"
    assert "sequence_parallel_token_shards" not in off[2]
    assert activation("0.27.0", dp2)[0] == 2_754_609_152  # the mode's first release
    # without EP (no mode) 0.34.0 holds the whole residual: each expert split over 8 ranks,
    # N = 2048 / 8 = 256, max(256, 4096) and max(512, 4096) are K: the same workspace
    assert activation("0.34.0", ParallelLayout(tp=4, dp=2))[0] == 2_955_935_744
