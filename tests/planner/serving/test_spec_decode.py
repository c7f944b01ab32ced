"""MTP speculative decoding (draft KV layers, widened conv states, state pages, draft weights)
and the MXFP4 Marlin fallback, each checked against a logged vLLM start-up."""

import pytest

from planner.catalog import catalog_spec as _spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB


def _qwen35(spec_tokens: int, **engine):
    # The club-3090 run (../shared/calibration/vllm-other-gpus.json club3090-pr594): 2x RTX
    # 3090, TP=2, fp8 weights and KV, 262,144 tokens, 8,192 batched tokens, 2 sequences,
    # prefix caching; Qwen3.5-27B's config stands in for Qwen3.6-27B (same layout).
    return plan(PlanRequest(
        model=_spec("Qwen/Qwen3.5-27B"), cluster=preset_cluster("rtx-3090", 2),
        layout=ParallelLayout(tp=2),
        engine=EngineSettings(quantization="fp8", kv_cache_dtype="fp8", max_model_len=262144,
                              max_num_batched_tokens=8192, max_num_seqs=2,
                              enable_prefix_caching=True, num_speculative_tokens=spec_tokens,
                              **engine)))


def test_mtp_reproduces_the_club3090_pool_arithmetic():
    # Log (club3090-pr594): Available KV cache memory 5.33 GiB, GPU KV cache size 300,220
    # tokens, Maximum concurrency for 262,144 tokens 1.15x; MTP configured (the club-3090
    # recipes use {"method": "mtp", "num_speculative_tokens": 3}).
    # By hand, from vLLM's source (mamba_utils.py gated_delta_net_state_shape, num_spec = 3;
    # kv_cache_interface.py MambaSpec "align": 2 + 3 state pages; the MTP layer's attention
    # joins the KV cache):
    #   GDN page = 10,240 / 2 x (3 + 3) x 2 B + 24 x 128 x 128 x 4 B = 61,440 + 1,572,864
    #            = 1,634,304 B
    #   attention block = 16 x cdiv(1,634,304, 16 x 1,024 B) = 1,600 tokens (page 1,638,400 B)
    #   17 attention layers (16 + 1 draft), 48 GDN -> groups of 17: 1 + 3 groups,
    #   block = 17 x 1,638,400 = 27,852,800 B; 5.33 GiB // block = 205 blocks
    #   per request = cdiv(262,144, 1,600) + 3 x (2 + 3) = 164 + 15 = 179 blocks
    #   205 / 179 = 1.1453 -> int(1.1453 x 262,144) = 300,220 tokens (the log's figure)
    p = _qwen35(3, kv_cache_memory_bytes=round(5.33 * GIB))
    assert (p.block_size, p.num_gpu_blocks) == (1600, 205)
    assert p.kv_cache_tokens == 300_220
    assert round(p.max_concurrency, 2) == 1.15
    # without speculative decoding the same pool reads 222 blocks / 174 per request: 1.28
    assert round(_qwen35(0, kv_cache_memory_bytes=round(5.33 * GIB)).max_concurrency, 2) == 1.28


def test_mtp_draft_weights_and_launch_flag():
    # One MTP layer of Qwen3.5-27B (a full-attention decoder layer) at TP=2, fp8:
    # q (with gate) 5,120 x 24 x 256 x 2 + k, v 5,120 x 4 x 256 x 2 + o 6,144 x 5,120
    # + MLP 3 x 5,120 x 17,408 + fc 2 x 5,120 x 5,120 = 424,673,280 params / 2 ranks
    # = 212,336,640 B at 1 B each, plus block-fp8 scales and norms (< 1 %).
    with_mtp, without = _qwen35(3), _qwen35(0)
    extra = with_mtp.weights_bytes_per_gpu - without.weights_bytes_per_gpu
    assert extra == pytest.approx(212_336_640, rel=0.01)
    assert ('--speculative-config \'{"method": "mtp", "num_speculative_tokens": 3}\''
            in with_mtp.vllm_command)


def test_the_speed_figures_say_they_leave_speculative_decoding_out():
    # README: "--num-speculative-tokens N ... (the speed model ignores it)"; users see it too
    from planner.serving.speed import estimate_speed

    request = PlanRequest(model=_spec("Qwen/Qwen3.5-27B"), cluster=preset_cluster("h100-sxm", 1),
                          engine=EngineSettings(max_model_len=32768, num_speculative_tokens=3))
    est = estimate_speed(request)
    assert any(n.startswith("speculative decoding (3 MTP draft tokens) is not modelled")
               for n in est.notes)
    plain = estimate_speed(request.model_copy(update={"engine": EngineSettings(
        max_model_len=32768)}))
    assert not any("speculative" in n for n in plain.notes)


def test_mtp_refused_in_vllms_words_without_an_mtp_draft():
    # vLLM SpeculativeConfig.__post_init__ (config/speculative.py, 0.22.0 and 0.33.0 wheels):
    # hf_config_override leaves a model type it has no MTP draft for as it is (qwen3;
    # minimax_m2, whose config declares num_mtp_modules 3 that vLLM never loads), and
    # NotImplementedError(f"Unsupported speculative method: '{self.method}'") follows.
    # nemotron_h is rewritten only with num_nextn_predict_layers > 0 (Nemotron-3 Nano: none).
    for repo in ("Qwen/Qwen3-8B", "MiniMaxAI/MiniMax-M2.5",
                 "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"):
        p = plan(PlanRequest(model=_spec(repo), cluster=preset_cluster("h100-sxm", 8),
                             layout=ParallelLayout(tp=8),
                             engine=EngineSettings(num_speculative_tokens=2)))
        assert not p.fits
        assert "Unsupported speculative method: 'mtp'" in p.verdict
        assert "multi-token-prediction" in p.verdict


@pytest.mark.parametrize(("repo", "last_refused", "first"), [
    # the first unpacked wheel whose hf_config_override maps the type (none has 0.18.0)
    ("XiaomiMiMo/MiMo-V2-Flash", "0.20.0", "0.21.0"),  # MiMoV2FlashForCausalLM
    ("zai-org/GLM-5", "0.15.0", "0.16.0"),  # glm_moe_dsa -> deepseek_mtp
    ("Qwen/Qwen3.5-27B", "0.16.0", "0.17.0"),  # qwen3_5 -> qwen3_5_mtp
    ("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", "0.16.0", "0.17.0"),  # nemotron_h_mtp
])
def test_mtp_refused_before_the_release_that_maps_the_model(repo, last_refused, first):
    from planner.serving.mtp import mtp_refusal

    spec = _spec(repo)
    (refusal,) = mtp_refusal(spec, 1, last_refused)
    assert f"vLLM {last_refused} refuses" in refusal
    assert "Unsupported speculative method: 'mtp'" in refusal and f"arrives in {first}" in refusal
    assert mtp_refusal(spec, 1, first) == () == mtp_refusal(spec, 1, "0.33.0")


@pytest.mark.parametrize(("model_type", "last_refused", "first"), [
    # config/speculative.py hf_config_override rewrites pangu_ultra_moe to pangu_ultra_moe_mtp
    # (OpenPanguMTPModel) in the 0.11.1 and 0.11.2 wheels, not in 0.11.0's; step3p5 to
    # step3p5_mtp (registry: Step3p5MTP) in the 0.15.1 wheel, not in 0.15.0's. Both patch
    # releases are covered releases of their own (their own fixtures)
    ("pangu_ultra_moe", "0.11.0", "0.11.1"), ("step3p5", "0.15.0", "0.15.1")])
def test_mtp_drafts_from_the_patch_release_that_maps_it(model_type, last_refused, first):
    # No Pangu or Step-3.5 config is bundled: DeepSeek-V3's (one MTP layer) under their
    # model_type stands in, as only the type and the MTP layers decide
    from planner.serving.mtp import mtp_refusal

    spec = _spec("deepseek-ai/DeepSeek-V3").model_copy(update={"model_type": model_type})
    (refusal,) = mtp_refusal(spec, 1, last_refused)
    assert f"vLLM {last_refused} refuses" in refusal and f"arrives in {first}" in refusal
    assert mtp_refusal(spec, 1, first) == () == mtp_refusal(spec, 1, first[:-1] + "2")


@pytest.mark.parametrize("repo", ["deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-R1",
                                  "deepseek-ai/DeepSeek-V3.2", "Qwen/Qwen3-Next-80B-A3B-Instruct",
                                  "XiaomiMiMo/MiMo-7B-Base", "Qwen/Qwen3.5-35B-A3B"])
def test_mtp_drafts_from_the_oldest_covered_release(repo):
    # deepseek_v3 (0.7.3), mimo (MiMoForCausalLM, 0.10.0), deepseek_v32 and qwen3_next
    # (0.11.0) are mapped in every covered release; qwen3_5_moe from 0.17.0; one draft layer
    # each (num_nextn_predict_layers / mtp_num_hidden_layers 1; Qwen3-Next: parser default)
    from planner.serving.mtp import mtp_refusal

    spec = _spec(repo)
    assert spec.mtp_layers == 1
    assert mtp_refusal(spec, 3, "0.19.0") == ()


def test_deepseek_v3_drafts_with_an_mla_layer():
    # deepseek_mtp.py DeepSeekMultiTokenPredictorLayer: a DeepseekV2DecoderLayer (MLA); its
    # cache holds kv_lora_rank 512 + qk_rope_head_dim 64 per token, bf16, on every TP rank:
    # (512 + 64) x 2 B = 1,152 B.
    from planner.serving.engine import model_facts

    draft = model_facts(_spec("deepseek-ai/DeepSeek-V3")).draft_kv
    assert draft.bytes_per_token(2, 1) == draft.bytes_per_token(2, 8) == 1_152


def _mimo_v2(tp: int, spec_tokens: int):
    return plan(PlanRequest(model=_spec("XiaomiMiMo/MiMo-V2-Flash"),
                            cluster=preset_cluster("h100-sxm", tp), layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(max_model_len=32768, vllm_version="0.22.0",
                                                  num_speculative_tokens=spec_tokens)))


def test_mimo_v2_flash_drafts_with_one_sliding_window_layer():
    # vLLM 0.22.0 config/speculative.py hf_config_override: MiMoV2FlashForCausalLM ->
    # mimo_v2_mtp, n_predict = _MIMO_V2_FLASH_NUM_MTP_LAYERS = 1 (models/mimo_v2_mtp.py:54);
    # MiMoV2MTPLayer's attention "uses the SWA attention configuration": swa_num_key_value_heads
    # 8, swa_head_dim 192 (K), swa_v_head_dim 128 (V), sliding_window_size 128. KV bytes per
    # token, bf16: TP=1 8 x (192 + 128) x 2 B = 5,120 B; TP=8 1 x 320 x 2 = 640 B (the model's
    # last layer, full attention with 4 KV heads, would give 2,560 B).
    from planner.serving.engine import model_facts

    spec = _spec("XiaomiMiMo/MiMo-V2-Flash")
    assert spec.mtp_layers == 1
    draft = model_facts(spec).draft_kv
    assert draft.bytes_per_token(2, 1) == 5_120
    assert draft.bytes_per_token(2, 8) == 640
    assert spec.mtp_layer.mixer.sliding_window == 128
    assert _mimo_v2(8, 0).fits and _mimo_v2(8, 1).fits


def test_mimo_v2_flash_draft_weights():
    # mimo_v2_mtp.py (0.22.0) MiMoV2MTPLayer, fp8 block-128 checkpoint at TP=1:
    #   qkv_proj (fp8): (64 x 192 + 8 x 192 + 8 x 128) x 4,096 = 60,817,408 B
    #                   + scales (96 + 12 + 8) x 32 blocks x 4 B = 14,848 B
    #   o_proj (built without quant_config in mtp.layers: bf16): 64 x 128 x 4,096 x 2
    #                   = 67,108,864 B
    #   MLP (MiMoV2MLP, intermediate_size 16,384, fp8): 3 x 16,384 x 4,096 = 201,326,592 B
    #                   + scales 3 x 128 x 32 x 4 B = 49,152 B
    #   eh_proj (ReplicatedLinear, no quant_config: bf16) 8,192 x 4,096 x 2 = 67,108,864 B
    #   enorm, hnorm, input_layernorm, pre_mlp_layernorm, final_layernorm 5 x 4,096 x 2
    #                   = 40,960 B
    #   = 396,466,752 B (+ 64 attention-sink values); embed_tokens and lm_head are the target's
    # TP=8: qkv 7,602,176 + 1,856, o 8,388,608, MLP 25,165,824 + 6,144, eh_proj 67,108,864
    #   (replicated), norms 40,960 = 108,314,432 B (+ 8 sink values)
    for tp, cluster, draft_bytes in ((1, "h200", 396_466_752), (8, "h100-sxm", 108_314_432)):
        def weights(n, tp=tp, cluster=cluster):
            return plan(PlanRequest(
                model=_spec("XiaomiMiMo/MiMo-V2-Flash"), cluster=preset_cluster(cluster, tp),
                layout=ParallelLayout(tp=tp), engine=EngineSettings(
                    max_model_len=32768, vllm_version="0.22.0", num_speculative_tokens=n),
            )).weights_bytes_per_gpu
        assert weights(1) - weights(0) == pytest.approx(draft_bytes, abs=128)


def test_mimo_7b_draft_weights_and_kv():
    # vLLM mimo_mtp.py (0.22.0) MiMoMultiTokenPredictorLayer: token_layernorm,
    # hidden_layernorm, input_proj nn.Linear(8,192 -> 4,096) (replicated, bf16), a
    # Qwen2DecoderLayer (q/k/v with bias), final_layernorm; num_nextn_predict_layers 1.
    # Params: attention 4,096 x (4,096 + 2 x 1,024) + 6,144 bias + o 4,096 x 4,096
    #   = 41,949,184; MLP 3 x 4,096 x 11,008 = 135,266,304; 2 layer norms 8,192;
    #   input_proj 33,554,432; 3 norms 12,288 -> TP=1: 210,790,400 x 2 B = 421,580,800 B;
    #   TP=2: (20,974,592 + 67,633,152 + 8,192 + 33,554,432 + 12,288) x 2 = 244,365,312 B.
    # KV of the draft (full attention, 8 KV heads x 128): 2 x 8 x 128 x 2 = 4,096 B/token.
    from planner.serving.engine import model_facts

    spec = _spec("XiaomiMiMo/MiMo-7B-Base")
    assert model_facts(spec).draft_kv.bytes_per_token(2, 1) == 4_096
    for tp, draft_bytes in ((1, 421_580_800), (2, 244_365_312)):
        def weights(n, tp=tp):
            return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", tp),
                                    layout=ParallelLayout(tp=tp), engine=EngineSettings(
                                        max_model_len=32768, num_speculative_tokens=n),
                                    )).weights_bytes_per_gpu
        assert weights(1) - weights(0) == draft_bytes


def test_mxfp4_marlin_fallback_on_hopper():
    # vLLM issue #23278 (vllm-other-gpus.json vllm-i23278): gpt-oss-120b on one H100 on the
    # Marlin fallback (get_mxfp4_backend, 0.11.0 wheel: Marlin when triton_kernels is missing)
    # logged 65.9651 GiB of weights. Marlin pads experts to 3,072 x 2,944 (see
    # test_weights.py): 5,504,827,392 B more than Hopper's Triton kernel; its expert biases
    # are bf16 at the padded sizes, the Triton kernel's float32
    # (mxfp4.MXFP4_FP32_BIAS_KERNELS): 36 x 128 x (8,960 x 2 - 8,640 x 4) = -76,677,120 B.
    spec = _spec("openai/gpt-oss-120b")
    triton = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1)))
    marlin = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                              engine=EngineSettings(mxfp4_marlin=True)))
    assert marlin.weights_bytes_per_gpu - triton.weights_bytes_per_gpu == pytest.approx(
        5_504_827_392 - 76_677_120, abs=64)
    assert marlin.weights_bytes_per_gpu / GIB == pytest.approx(65.9651, rel=0.001)


def test_cli_num_speculative_tokens(capsys):
    # `--num-speculative-tokens 3` reaches the plan: the same 205-block pool arithmetic as
    # test_mtp_reproduces_the_club3090_pool_arithmetic, and the launch command's flag.
    import json

    from cli.planner_cli import main

    code = main(["plan", "--model", "Qwen/Qwen3.5-27B", "--gpu", "rtx-3090", "--gpus", "2",
                 "--tp", "2", "--quantization", "fp8", "--kv-cache-dtype", "fp8",
                 "--max-model-len", "262144", "--max-num-seqs", "2",
                 "--max-num-batched-tokens", "8192", "--kv-cache-memory", str(round(5.33 * GIB)),
                 "--vllm-version", "0.33.0", "--num-speculative-tokens", "3", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["kv_cache_tokens"] == 300_220
    assert '"num_speculative_tokens": 3' in doc["vllm_command"]


def test_nemotron_3_super_drafts_an_attention_and_a_moe_layer():
    # vLLM nemotron_h_mtp.py (0.22.0) NemotronHMultiTokenPredictor: mtp_hybrid_override_pattern
    # "*E" -> NemotronHMTPAttentionDecoderLayer + NemotronHMTPMoEDecoderLayer (enorm, hnorm,
    # eh_proj ColumnParallelLinear(8,192 -> 4,096) on the first, final norm on the last).
    # bf16 config (no quantization_config), TP=2:
    #   attention q 4,096 x 32 x 128 / 2 + k, v 4,096 x 2 x 128 x 2 / 2 + o 4,096 x 4,096 / 2
    #     = 17,825,792 params
    #   512 experts x up + down in the 1,024 latent: 512 x 2 x 1,024 x 2,688 / 2 = 1,409,286,144
    #   latent projections 2 x 4,096 x 1,024 = 8,388,608 whole on each rank (nemotron_h.py
    #     NemotronHMoE: ReplicatedLinear, reused by NemotronHMTPMoEDecoderLayer); shared expert
    #     2 x 4,096 x 5,376 / 2 = 22,020,096; router 512 x 4,096 + 512 bias = 2,097,664
    #     (replicated)
    #   eh_proj 2 x 4,096 x 4,096 / 2 = 16,777,216; 5 norms 20,480
    #   = 1,476,416,000 params x 2 B = 2,952,832,000 B (the MoE-layer copy alone, as planned
    #   before, missed the attention layer's 35,651,584 B), + 512 x 2 B: the router's
    #   e_score_correction_bias in float32 (nemotron_h.py NemotronHMoE, dtype=torch.float32;
    #   the gate itself bf16 on an H100 from 0.17: router_dtype.gate_fp32) = 2,952,833,024 B
    # Its KV: the attention layer, 2 x 2 KV heads x 128 x 2 B = 1,024 B per token at TP=1.
    from planner.serving.engine import model_facts

    spec = _spec("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    assert model_facts(spec).draft_kv.bytes_per_token(2, 1) == 1_024

    def weights(n):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2),
                                layout=ParallelLayout(tp=2), engine=EngineSettings(
                                    max_model_len=32768, num_speculative_tokens=n),
                                )).weights_bytes_per_gpu
    assert weights(1) - weights(0) == 2_952_832_000 + 512 * 2 == 2_952_833_024


def test_an_mtp_draft_the_checkpoint_excludes_stays_16_bit():
    # nvidia/Qwen3.6-35B-A3B-NVFP4 excludes "mtp*" (hf_quant_config.json); vLLM modelopt.py
    # is_layer_excluded matches it as a wildcard against the draft's prefixes (qwen3_5_mtp.py:
    # mtp.fc, mtp.layers.0.*), so the draft loads in bf16. TP=1, one full-attention MoE layer:
    #   q with gate 2,048 x 16 x 256 x 2 + k, v 2,048 x 2 x 256 x 2 + o 4,096 x 2,048 + q/k
    #     norms 512 = 27,263,488; experts 256 x 3 x 2,048 x 512 = 805,306,368; shared expert
    #     3 x 2,048 x 512 + gate 2,048 = 3,147,776; router 256 x 2,048 = 524,288; 2 norms
    #     4,096; fc 2 x 2,048 x 2,048 = 8,388,608; 3 norms 6,144
    #   = 844,640,768 params x 2 B = 1,689,281,536 B (at NVFP4's 4.5 bits: about 0.48 GB)
    # A what-if of its own format (--target-checkpoint X: X's exclusions are unknown) is NVFP4
    # throughout: (27,263,488 - 512 + 805,306,368 + 3,147,776 - 2,048 + 8,388,608 fc) x 9/16 =
    # 474,808,320, router 524,288 x 2, the q/k norms 512 x 2 (RMSNorm, never quantized), the
    # shared_expert_gate 2,048 x 2 (never quantized, weights._shared_expert_gate) and the 5
    # norms 10,240 x 2 in 16-bit: 475,882,496 B (475,879,552 with the gate at 9/16 B).
    spec = _spec("nvidia/Qwen3.6-35B-A3B-NVFP4")

    def weights(n, target=None):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("b200", 1),
                                engine=EngineSettings(max_model_len=32768,
                                                      num_speculative_tokens=n,
                                                      target_quant=target),
                                )).weights_bytes_per_gpu
    assert weights(1) - weights(0) == 1_689_281_536
    assert weights(1, "nvfp4") - weights(0, "nvfp4") == 475_882_496


def test_deepseek_draft_keeps_its_own_head_before_0_17():
    # deepseek_mtp.py SharedHead.head is a ParallelLMHead per MTP layer; vLLM 0.16
    # (v1/spec_decode/eagle.py load_model) shares only embed_tokens and the model-level
    # lm_head, 0.17.0 also shares shared_head.head. DeepSeek-V3 at TP=8: 129,280 rows (a
    # multiple of 64) / 8 x 7,168 x 2 B = 231,669,760 B more per GPU on 0.16.
    spec = _spec("deepseek-ai/DeepSeek-V3")

    def draft(version):
        w = [plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 8),
                              layout=ParallelLayout(tp=8), engine=EngineSettings(
                                  max_model_len=32768, num_speculative_tokens=n,
                                  vllm_version=version))).weights_bytes_per_gpu for n in (0, 1)]
        return w[1] - w[0]
    assert draft("0.16.0") - draft("0.17.0") == 231_669_760


def test_mtp_draft_keeps_its_own_embedding_across_pipeline_stages():
    # At one pipeline stage vLLM swaps the draft's embed_tokens for the target's (V1
    # llm_base_proposer.py _maybe_share_embeddings `if get_pp_group().world_size == 1`, to
    # 0.33.0; Model Runner V2 eagle/utils.py maybe_share_target_embed returns at PP > 1 for a
    # draft without has_own_embed_tokens, 0.30.0-0.34.0): at PP 2 the last stage holds
    # qwen3_5_mtp.py's own VocabParallelEmbedding too. Qwen3.5-27B bf16, TP 1: 248,320 rows (a
    # multiple of 64) x 5,120 x 2 B = 2,542,796,800 B more than the draft layer alone.
    spec = _spec("Qwen/Qwen3.5-27B")

    def draft(pp):
        w = [plan(PlanRequest(model=spec, cluster=preset_cluster("h200", pp),
                              layout=ParallelLayout(pp=pp), engine=EngineSettings(
                                  max_model_len=32768, num_speculative_tokens=n,
                                  vllm_version="0.34.0"))).per_gpu[-1].weights_bytes
             for n in (0, 1)]
        return w[1] - w[0]
    assert draft(2) - draft(1) == 2_542_796_800


def test_nemotron_h_draft_builds_no_embedding_from_0_33():
    # nemotron_h_mtp.py NemotronHMultiTokenPredictor: a VocabParallelEmbedding of its own in
    # the 0.17.0-0.32.0 wheels; from 0.33.0 `embed_tokens: VocabParallelEmbedding | None =
    # None` ("must be shared from target model"), has_own_embed_tokens = False
    from planner.serving.mtp import draft_builds_embed

    nemotron = _spec("Qwen/Qwen3.5-27B").model_copy(update={"model_type": "nemotron_h"})
    assert draft_builds_embed(nemotron, "0.32.0")
    assert not draft_builds_embed(nemotron, "0.33.0")
    assert not draft_builds_embed(nemotron, "0.34.0")
    assert draft_builds_embed(_spec("deepseek-ai/DeepSeek-V3"), "0.34.0")
    assert not draft_builds_embed(_spec("meta-llama/Llama-3.1-8B-Instruct"), "0.34.0")
