"""Weight bytes: whole checkpoints and per-GPU shares, against figures worked out by hand,
published checkpoint sizes and vLLM's own start-up logs."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog import catalog_spec as _catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.quant import (
    COMPONENTS,
    SCHEMES,
    QuantScheme,
    checkpoint_scheme,
    scheme,
    what_if_scheme,
)
from planner.model.spec import (
    AttentionMixer,
    ConfigError,
    DenseMlp,
    LayerSpec,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
    QuantSpec,
)
from planner.serving.engine import EngineSettings
from planner.serving.hardware import GPU_PRESETS, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.moe_backend import trtllm_bf16_width_pad
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup import model_config, router_dtype, weight_load
from planner.serving.vllm_cli import vllm_cli
from planner.serving.weights import (
    WeightLoadRules,
    WeightTerms,
    _scheme_bits,
    _Shard,
    _terms,
    layer_kinds,
    rank_weights,
    rope_cache_bytes,
    transformers_backend,
    weights_bytes,
)
from planner.units import GIB

BF16 = SCHEMES["bf16"]


def make_spec(
    *,
    layers: int = 2,
    hidden: int = 64,
    heads: int = 4,
    kv_heads: int = 2,
    head_dim: int = 16,
    mlp: DenseMlp | MoeMlp | None = None,
    **overrides,
) -> ModelSpec:
    """A small Llama-like spec: vocab 100, untied, bf16; keyword overrides replace fields."""
    mixer = AttentionMixer(
        num_heads=heads, num_kv_heads=kv_heads, head_dim=head_dim, v_head_dim=head_dim
    )
    fields = {
        "model_type": "llama",
        "hidden_size": hidden,
        "vocab_size": 100,
        "layers": tuple(
            LayerSpec(index=i, mixer=mixer, mlp=mlp or DenseMlp(intermediate_size=128))
            for i in range(layers)
        ),
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "max_position_embeddings": 4096,
    }
    return ModelSpec(**(fields | overrides))


# The default spec by hand: embeddings = lm_head = 100 x 64 = 6,400; per layer q 64x64 = 4,096,
# k = v = 64x32 = 2,048, o 4,096 -> attention 12,288; MLP 3 x 64 x 128 = 24,576; norms 2 x 64.
# Total = 2 x 6,400 + 2 x (12,288 + 24,576 + 128) + 64 final norm = 86,848 params.


def test_whole_model_bf16_by_component():
    terms = weights_bytes(make_spec(), BF16)
    assert terms == WeightTerms(
        embeddings_bytes=12_800,
        attention_bytes=2 * 12_288 * 2,
        dense_mlp_bytes=2 * 24_576 * 2,
        norms_bytes=(2 * 128 + 64) * 2,
        lm_head_bytes=12_800,
    )
    assert terms.total_bytes == 86_848 * 2


def test_fp32_doubles_bf16():
    spec = make_spec()
    assert weights_bytes(spec, SCHEMES["fp32"]).total_bytes == 86_848 * 4


def test_tp2_splits_heads_and_pads_the_vocab():
    # vocab 100 pads to 128 (multiple of 64) -> 64 rows per rank: 64 x 64 x 2 B = 8,192 B
    # attention 12,288 / 2 per layer, MLP 24,576 / 2, norms replicated (2 x 128 + 64) x 2 B;
    # every rank builds the rope cos/sin cache: 4,096 positions x 16 dims x 2 B = 131,072 B
    ranks = rank_weights(make_spec(), BF16, ParallelLayout(tp=2))
    assert len(ranks) == 2 and ranks[0] == ranks[1]
    assert ranks[0] == WeightTerms(
        embeddings_bytes=8_192,
        attention_bytes=2 * 6_144 * 2,
        dense_mlp_bytes=2 * 12_288 * 2,
        norms_bytes=640,
        lm_head_bytes=8_192,
        rope_cache_bytes=131_072,
    )


def test_kv_heads_replicated_when_tp_exceeds_them():
    # 2 KV heads at TP 4: each rank holds max(1, 2 // 4) = 1 KV head = half of k+v:
    # k+v = 2 x 64 x 32 = 4,096 -> 2,048; q+o = 8,192 / 4 = 2,048 -> 4,096 params per layer
    # (an even split would give 12,288 / 4 = 3,072).
    rank = rank_weights(make_spec(), BF16, ParallelLayout(tp=4))[0]
    assert rank.attention_bytes == 2 * 4_096 * 2


def test_qwen3_8b_tp2_rank_by_hand():
    # Qwen3-8B config.json: hidden 4,096, 36 layers, 32 heads / 8 KV heads of 128, q/k
    # RMSNorms of 128, MLP 12,288, vocab 151,936 (2,374 x 64: no padding), untied, bf16,
    # max_position_embeddings 40,960, no rope scaling. Per rank at TP=2:
    #   embeddings = lm_head = 151,936 / 2 x 4,096 x 2 B = 622,329,856 B each
    #   attention 36 x ((2 x 4,096^2 + 2 x 4,096 x 1,024) / 2 + q_norm + k_norm 2 x 128,
    #     replicated) = 36 x 20,971,776 x 2 B = 1,509,967,872 B
    #   MLP 36 x 3 x 4,096 x 12,288 / 2 x 2 B = 5,435,817,984 B
    #   norms (36 x 2 + 1) x 4,096 x 2 B = 598,016 B; rope cos/sin 40,960 x 128 x 2 B
    #   = 10,485,760 B -> 8,201,529,344 B on either rank
    spec = _catalog_spec("Qwen/Qwen3-8B")
    ranks = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout(tp=2))
    assert [r.attention_bytes for r in ranks] == [1_509_967_872] * 2
    assert [r.total_bytes for r in ranks] == [8_201_529_344] * 2


def test_pp_split_embeddings_first_lm_head_last():
    # 3 layers, PP 2: vLLM gives [2, 1] (the remainder goes to the stage before the last).
    # Loaded, the vocab is padded even at TP 1: 128 rows x 64 x 2 B = 16,384 B.
    spec = make_spec(layers=3)
    first, last = rank_weights(spec, BF16, ParallelLayout(pp=2))
    assert first.embeddings_bytes == 16_384 and first.lm_head_bytes == 0
    assert last.embeddings_bytes == 0 and last.lm_head_bytes == 16_384
    assert first.attention_bytes == 2 * 12_288 * 2
    assert last.attention_bytes == 12_288 * 2
    assert first.norms_bytes == 2 * 128 * 2  # two layers' norms
    assert last.norms_bytes == (128 + 64) * 2  # one layer + final norm


def test_tied_embeddings_copy_on_last_stage_only_with_pp():
    spec = make_spec(tie_word_embeddings=True)
    whole = weights_bytes(spec, BF16)
    assert whole.lm_head_bytes == 0 and whole.embeddings_bytes == 12_800
    (single,) = rank_weights(spec, BF16, ParallelLayout())
    assert single.lm_head_bytes == 0
    first, last = rank_weights(spec, BF16, ParallelLayout(pp=2))
    assert first.embeddings_bytes == 16_384 and first.lm_head_bytes == 0  # padded to 128 rows
    assert last.lm_head_bytes == 16_384  # its own copy of the tied matrix


def test_gguf_tied_embeddings_take_the_output_type():
    # llama.cpp quantizes a tied token_embd with the output type: Q6_K 6.5625 bits
    spec = make_spec(tie_word_embeddings=True)
    terms = weights_bytes(spec, scheme("gguf-q4_k_m"))
    assert terms.embeddings_bytes == 6_400 * 6.5625 / 8  # 5,250


MOE = MoeMlp(num_experts=4, experts_per_token=2, expert_intermediate_size=32)
# one expert = 3 x 64 x 32 = 6,144 params; 4 experts = 24,576; router 64 x 4 = 256


@pytest.mark.parametrize(
    ("layout", "experts_per_rank"),
    [
        (ParallelLayout(tp=2), 2.0),  # every expert sliced in half
        (ParallelLayout(tp=2, ep=True), 2),  # EP size 2: two whole experts each
        (ParallelLayout(tp=2, dp=2, ep=True), 1),  # EP size 4: one each
        # without EP vLLM slices every expert over tp x dp = 4 ranks (flatten_tp_across_dp)
        (ParallelLayout(tp=2, dp=2), 1.0),
        (ParallelLayout(tp=1, dp=4), 1.0),
    ],
)
def test_experts_tp_and_ep(layout, experts_per_rank):
    rank = rank_weights(make_spec(layers=1, mlp=MOE), BF16, layout)[0]
    assert rank.experts_bytes == experts_per_rank * 6_144 * 2
    assert rank.router_bytes == 256 * 2  # replicated


def test_dp_without_ep_slices_the_experts_over_tp_x_dp(ref_config):
    # Qwen/Qwen3-30B-A3B bf16 (model-configs): 48 layers x 128 experts x 3 x 2048 x 768
    # = 28,991,029,248 routed-expert params x 2 B = 57,982,058,496 B. vLLM
    # FusedMoEParallelConfig.make without EP: MoE TP = tp x dp, so TP=2 x DP=2 holds a
    # quarter on every GPU, 14,495,514,624 B (TP=2 alone: a half, 28,991,029,248 B).
    # Attention stays TP=2: q 2048 x 4096, k/v 2048 x 512 each, o 4096 x 2048, q/k norms
    # 2 x 128 -> (18,874,624 - 256) / 2 + 256 = 9,437,440 params x 48 x 2 B.
    spec = spec_of(ref_config, "Qwen__Qwen3-30B-A3B")
    ranks = rank_weights(spec, BF16, ParallelLayout(tp=2, dp=2))
    assert [r.experts_bytes for r in ranks] == [14_495_514_624] * 2
    assert [r.attention_bytes for r in ranks] == [9_437_440 * 48 * 2] * 2
    (tp2,) = {r.experts_bytes for r in rank_weights(spec, BF16, ParallelLayout(tp=2))}
    assert tp2 == 28_991_029_248
    # dense MLPs and shared experts keep the plain TP group
    dense = make_spec(layers=1)
    assert rank_weights(dense, BF16, ParallelLayout(tp=2, dp=2)) == rank_weights(
        dense, BF16, ParallelLayout(tp=2))


def test_uneven_ep_gives_the_first_ranks_one_more():
    moe = MOE.model_copy(update={"num_experts": 3})
    ranks = rank_weights(make_spec(layers=1, mlp=moe), BF16, ParallelLayout(tp=2, ep=True))
    assert [r.experts_bytes for r in ranks] == [2 * 6_144 * 2, 6_144 * 2]


def test_gemma4_router_scales_and_layer_norms_whole_on_every_rank(ref_config):
    # google/gemma-4-26B-A4B, bf16, TP 4: vLLM gemma4.py replicates the router (GateLinear
    # proj 2816 x 128, scale 2816, per_expert_scale 128) and loads every norm (4 + 3 MoE norms
    # of 2816) and the layer_scalar [1] whole on each rank. router 30 x 363,392 x 2 B =
    # 21,803,520; norms (30 x (7 x 2816 + 1) + final 2816) x 2 B = 1,188,412.
    spec = spec_of(ref_config, "google__gemma-4-26B-A4B")
    ranks = rank_weights(spec, BF16, ParallelLayout(tp=4))
    assert [r.router_bytes for r in ranks] == [21_803_520] * 4
    assert [r.norms_bytes for r in ranks] == [1_188_412] * 4


def test_gemma4_k_eq_v_layers_hold_a_v_projection_on_the_gpu(ref_config):
    # vLLM gemma4.py (0.19.0, 0.33.0, 0.34.0 wheels) builds every layer with a KV cache of its
    # own as one QKVParallelLinear, V slot included, and loads k_proj into both K and V: the GPU
    # holds the same layer as a checkpoint that stores v_proj. google/gemma-4-26B-A4B: 5
    # full-attention layers x 2 global KV heads x 512 x hidden 2,816 = 14,417,920 V
    # parameters the checkpoint lacks: 28,835,840 B at TP 1, 14,417,920 B a rank at TP 2
    # (one KV head each).
    config, quant = ref_config("google__gemma-4-26B-A4B")
    k_eq_v = parse_model_config(config, quant, name="k_eq_v")
    text = {**config["text_config"], "attention_k_eq_v": False}
    with_v = parse_model_config({**config, "text_config": text}, quant, name="with_v")
    assert count_params(with_v).total - count_params(k_eq_v).total == 14_417_920
    stored = sum(layer.attention for layer in count_params(k_eq_v).layers) * 2
    ranks = [rank_weights(k_eq_v, BF16, ParallelLayout(tp=tp))[0].attention_bytes
             for tp in (1, 2)]
    assert ranks[0] == stored + 28_835_840
    assert ranks == [rank_weights(with_v, BF16, ParallelLayout(tp=tp))[0].attention_bytes
                     for tp in (1, 2)]


def test_quantized_mla_holds_a_16_bit_copy_of_kv_b():
    # vLLM mla_attention.py MLAAttention.process_weights_after_loading (0.19.0, 0.24.0, 0.34.0)
    # dequantizes a quantized kv_b_proj to the activation dtype and keeps it as W_UK_T / W_UV
    # beside the FP8 kv_b_proj. deepseek-ai/DeepSeek-V3 (FP8 block 128 x 128: 8 + 32 / 16,384
    # = 8.001953125 bits), TP 8, one layer on one rank:
    #   q_a + kv_a whole 7,168 x (1,536 + 576) + norms 1,536 + 512 = 15,140,864, split
    #   (q_b 1,536 x 128 x 192 + kv_b 512 x 128 x 256 + o 128 x 128 x 7,168) / 8 = 21,495,808:
    #   36,636,672 x 8.001953125 / 8 = 36,645,616.5 B, norms kept 16-bit 2,048 x (16 -
    #   8.001953125) / 8 = 2,047.5 B, the copy 512 x 16 x 256 x 2 B = 4,194,304 B:
    #   40,841,968 B a layer, x 61 = 2,491,360,048 B (2,235,507,504 without the copy).
    spec = _catalog_spec("deepseek-ai/DeepSeek-V3")
    rank = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout(tp=8))[0]
    assert rank.attention_bytes == 61 * 40_841_968 == 2_491_360_048
    # The checkpoint as stored (weights_bytes) has no copy: one GPU's bytes at TP 1 less
    # 61 x 512 x 128 x 256 x 2 B = 2,046,820,352.
    whole = weights_bytes(spec, checkpoint_scheme(spec)).attention_bytes
    assert whole == rank_weights(spec, checkpoint_scheme(spec), ParallelLayout())[0] \
        .attention_bytes - 61 * 512 * 128 * 256 * 2
    # An unquantized kv_b_proj is its own W_UK / W_UV (get_and_maybe_dequant_weights returns
    # weight.to(act_dtype), the same tensor): DeepSeek-V2-Lite in bf16 holds no copy.
    lite = _catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat")
    stored = sum(layer.attention for layer in count_params(lite).layers) * 2
    assert rank_weights(lite, BF16, ParallelLayout())[0].attention_bytes == stored


def test_minimax_m2_and_mimo_v2_routers_held_in_float32(ref_config):
    # vLLM builds these routers in float32 whatever the checkpoint's dtype (weights._router_bits:
    # minimax_m2.py params_dtype=torch.float32; mimo_v2.py moe_router_dtype, "float32" by
    # default; 0.19.0, 0.24.0, 0.34.0 wheels), whole on every rank. MiniMax-M2.5 (FP8, the gate
    # in modules_to_not_convert) at TP 4: 62 MoE layers x (3,072 x 256 + 256 bias) = 48,774,656
    # x 4 B = 195,098,624 (97,549,312 in bf16). MiMo-V2-Flash: 47 MoE layers x (4,096 x 256 +
    # 256) = 49,295,104 x 4 B = 197,180,416; a config asking moe_router_dtype bfloat16 x 2 B =
    # 98,590,208.
    spec = spec_of(ref_config, "MiniMaxAI__MiniMax-M2.5")
    ranks = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout(tp=4))
    assert [r.router_bytes for r in ranks] == [195_098_624] * 4
    config, quant = ref_config("XiaomiMiMo__MiMo-V2-Flash")
    mimo = parse_model_config(config, quant, name="mimo")
    assert rank_weights(mimo, checkpoint_scheme(mimo), ParallelLayout(tp=4))[0].router_bytes \
        == 197_180_416
    bf16_router = parse_model_config({**config, "moe_router_dtype": "bfloat16"}, quant,
                                     name="mimo_bf16_router")
    assert rank_weights(bf16_router, checkpoint_scheme(bf16_router),
                        ParallelLayout(tp=4))[0].router_bytes == 98_590_208
    # The checkpoint as stored (weights_bytes) keeps the planned 2 B: 62 x 786,688 x 2.
    assert weights_bytes(spec, checkpoint_scheme(spec)).router_bytes == 97_549_312


def test_gpt_oss_rope_cache_in_float32():
    # vLLM gpt_oss.py builds its rotary embedding with dtype=torch.float32 (0.19.0, 0.24.0,
    # 0.34.0 wheels), held as such on every GPU (weights.FP32_ROPE_CACHE): yarn,
    # original_max_position_embeddings 4,096 x factor 32 = 131,072 rows x head_dim 64 x 4 B =
    # 33,554,432 B per GPU at any TP, where a bf16 cache would be 16,777,216.
    spec = _catalog_spec("openai/gpt-oss-20b")
    ranks = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout(tp=2))
    assert [r.rope_cache_bytes for r in ranks] == [33_554_432] * 2


def test_sparse_mla_indexer_wk_in_the_model_dtype_from_0_20():
    # DeepSeek-V3.2's Indexer wk (hidden 7,168 -> index_head_dim 128) is fused with
    # weights_proj into wk_weights_proj, quant_config=None, from vLLM 0.20.0 (deepseek_v2.py;
    # 0.34.0 models/deepseek_v32/attention.py); 0.19.0 builds it with the FP8 quant_config
    # (vllm_versions.INDEXER_WK_UNQUANTIZED_FROM). Replicated on every rank: 61 layers x
    # 917,504 x (16 - 8.001953125) / 8 B = 61 x 917,280 = 55,954,080 B more per GPU at TP 8.
    spec = _catalog_spec("deepseek-ai/DeepSeek-V3.2")
    fp8 = checkpoint_scheme(spec)
    kept, quantized = (rank_weights(spec, fp8, ParallelLayout(tp=8),
                                    rules=WeightLoadRules(indexer_wk_quantized=q))[0]
                       .attention_bytes for q in (False, True))
    assert kept - quantized == 55_954_080
    weights = {}
    for version in ("0.19.0", "0.20.0"):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 8),
                             layout=ParallelLayout(tp=8),
                             engine=EngineSettings(vllm_version=version, max_model_len=4096)))
        weights[version] = p.per_gpu[0].weights_bytes
    assert weights["0.20.0"] - weights["0.19.0"] == 55_954_080


def test_nemotron_h_gate_in_float32_off_hopper_and_blackwell():
    # vLLM nemotron_h.py: the gate is a GateLinear(force_fp32_compute=True) from 0.17.0, held in
    # float32 unless a specialized router kernel runs: CUDA capability 9.0 or 10.x
    # (gate_linear.py; vllm_versions.GATE_FP32_OFF_SM90_SM100_FROM); a float32 ReplicatedLinear
    # on every GPU before. Nemotron-3-Nano (bf16): 23 MoE layers x (2,688 x 128 + 128 bias) =
    # 7,916,416 router parameters on every rank; the bias (e_score_correction_bias) is float32
    # on every GPU (router_dtype.correction_bias_fp32), so the float32 gate holds 23 x 2,688 x
    # 128 x 2 B = 15,826,944 B more.
    spec = _catalog_spec("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16")
    v34, v16 = (0, 34, 0), (0, 16, 0)
    assert [router_dtype.gate_fp32(spec, v, GPU_PRESETS[gpu]) for v, gpu in (
        (v34, "h100-sxm"), (v34, "b200"), (v34, "a100-80gb"), (v34, "rtx-5090"),
        (v34, "mi300x"), (v16, "h100-sxm"))] == [False, False, True, True, True, True]
    weights = {}
    for gpu in ("h100-sxm", "a100-80gb"):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 2),
                             layout=ParallelLayout(tp=2),
                             engine=EngineSettings(max_model_len=4096)))
        weights[gpu] = p.per_gpu[0].weights_bytes
    assert weights["a100-80gb"] - weights["h100-sxm"] == 23 * 2688 * 128 * 2 == 15_826_944


def test_correction_bias_in_float32_whatever_the_gate():
    # vLLM deepseek_v2.py DeepseekV2MoE (topk_method "noaux_tc"): gate.e_score_correction_bias
    # = nn.Parameter(torch.empty(n_routed_experts)), the model dtype, in the 0.9.1-0.10.1
    # wheels; torch.empty(..., dtype=torch.float32) from 0.10.2 (0.10.2-0.34.0 read:
    # vllm_versions.CORRECTION_BIAS_FP32_FROM), beside a gate in the model dtype. A plain
    # Parameter: whole on every rank, TP or EP. deepseek-ai/DeepSeek-V3 (FP8, the gate kept
    # bf16): 61 layers - first_k_dense_replace 3 = 58 MoE layers x 256 experts, hidden 7,168:
    #   bf16 bias: 58 x (7,168 x 256 + 256) x 2 B = 212,890,624 B
    #   fp32 bias: 58 x (7,168 x 256 x 2 + 256 x 4) B = 212,920,320 B, 58 x 256 x 2 = 29,696 more
    v3 = _catalog_spec("deepseek-ai/DeepSeek-V3")
    fp8 = checkpoint_scheme(v3)
    assert [router_dtype.correction_bias_fp32(v3, v) for v in (
        (0, 10, 1), (0, 10, 2), (0, 34, 0))] == [False, True, True]
    fp32 = WeightLoadRules(correction_bias_fp32=True)
    for layout in (ParallelLayout(tp=8), ParallelLayout(tp=8, ep=True),
                   ParallelLayout(tp=4, dp=2, ep=True)):
        assert {r.router_bytes for r in rank_weights(v3, fp8, layout, rules=fp32)} == {
            212_920_320}
        assert {r.router_bytes for r in rank_weights(v3, fp8, layout)} == {212_890_624}
    # PP splits it by layer like the gate: the stages' rank 0 hold 212,920,320 B between them
    stages = rank_weights(v3, fp8, ParallelLayout(tp=4, pp=2), rules=fp32)
    assert stages[0].router_bytes + stages[4].router_bytes == 212_920_320
    # the checkpoint as stored (weights_bytes) keeps the planned 2 B
    assert weights_bytes(v3, fp8).router_bytes == 212_890_624
    # the plan: 29,696 B more weights per GPU on 0.10.2 than 0.10.1, named in the weights term
    weights, said = {}, {}
    for version in ("0.10.1", "0.10.2"):
        p = plan(PlanRequest(model=v3, cluster=preset_cluster("h200", 8),
                             layout=ParallelLayout(tp=8),
                             engine=EngineSettings(vllm_version=version, max_model_len=4096)))
        weights[version] = p.per_gpu[0].weights_bytes
        said[version] = "router's e_score_correction_bias in float32, as vLLM builds it" in (
            next(t.formula for t in p.terms if t.key == "weights"))
    assert weights["0.10.2"] - weights["0.10.1"] == 29_696
    assert said == {"0.10.1": False, "0.10.2": True}
    # Nemotron-H (nemotron_h.py NemotronHMoE, every wheel 0.11.1-0.34.0: dtype=torch.float32)
    # with its gate in bf16 (0.34.0 on an H100: router_dtype.gate_fp32): Nemotron-3-Super FP8,
    # 40 MoE layers x (4,096 x 512 x 2 + 512 x 4) B = 167,854,080 B per GPU (167,813,120 with
    # a bf16 bias). A float32 router (MiniMax-M2's, MoeMlp.router_fp32) holds its bias in
    # float32 already: 62 x (3,072 x 256 + 256) x 4 B = 195,098,624 B with the rule or without.
    nemotron = _catalog_spec("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    rules = weight_load.weight_load_rules(nemotron, checkpoint_scheme(nemotron), None,
                                          (0, 34, 0), GPU_PRESETS["h100-sxm"])
    assert not rules.gate_fp32 and rules.correction_bias_fp32
    assert rank_weights(nemotron, checkpoint_scheme(nemotron), ParallelLayout(tp=4),
                        rules=rules)[0].router_bytes == 167_854_080
    minimax = _catalog_spec("MiniMaxAI/MiniMax-M2.5")
    assert {rank_weights(minimax, checkpoint_scheme(minimax), ParallelLayout(tp=4),
                         rules=WeightLoadRules(correction_bias_fp32=flag))[0].router_bytes
            for flag in (False, True)} == {195_098_624}


def test_glm5_gate_in_float32_on_vllm_0_25_only(ref_config):
    # vLLM deepseek_v2.py DeepseekV2MoE.__init__: GateLinear(hidden, n_routed_experts) in the
    # model dtype in the 0.24.0 wheel; in the 0.25.0 and 0.25.1 wheels
    # params_dtype=_get_moe_router_dtype(config), torch.float32 for model_type "glm_moe_dsa"
    # or moe_router_dtype "float32"; from 0.26.0 (0.26.0-0.34.0 read) only out_dtype, the
    # weight back in the model dtype (vllm_versions.DEEPSEEK_GATE_ROUTER_DTYPE_SPAN). On every
    # GPU: params_dtype is given, whatever force_fp32_compute and the router kernels do.
    glm5 = spec_of(ref_config, "zai-org__GLM-5")
    versions = ((0, 24, 0), (0, 25, 0), (0, 25, 1), (0, 26, 0))
    for gpu in ("h100-sxm", "a100-80gb", "mi300x"):
        assert [router_dtype.gate_fp32(glm5, v, GPU_PRESETS[gpu]) for v in versions] == [
            False, True, True, False]
        # the MTP draft's config is renamed deepseek_mtp (config/speculative.py
        # hf_config_override, 0.25.0 / 0.25.1): its gate keeps the model dtype
        assert not any(router_dtype.gate_fp32(glm5, v, GPU_PRESETS[gpu], draft=True)
                       for v in versions)
    # zai-org/GLM-5 (bf16): 78 layers - first_k_dense_replace 3 = 75 MoE layers, hidden 6,144,
    # 256 routed experts; the gate 6,144 x 256 = 1,572,864 parameters a layer, whole on every
    # TP and EP rank (GateLinear is a ReplicatedLinear), its correction bias 256 in float32:
    #   0.24 / 0.26: 75 x (1,572,864 x 2 + 256 x 4) = 75 x 3,146,752 = 236,006,400 B
    #   0.25:        75 x (1,572,864 x 4 + 256 x 4) = 75 x 6,292,480 = 471,936,000 B
    #   75 x 1,572,864 x (4 - 2) = 235,929,600 B more per GPU
    # PP 2 (39 layers a stage): stage 0 layers 0-38, 36 of them MoE; stage 1 39 MoE layers.
    bf16 = checkpoint_scheme(glm5)
    router = {}
    for v in versions:
        rules = weight_load.weight_load_rules(glm5, bf16, None, v, GPU_PRESETS["h200"])
        for layout in (ParallelLayout(tp=8), ParallelLayout(tp=8, ep=True)):
            assert {r.router_bytes for r in rank_weights(glm5, bf16, layout, rules=rules)} == {
                471_936_000 if v[:2] == (0, 25) else 236_006_400}
        stages = rank_weights(glm5, bf16, ParallelLayout(tp=4, pp=2), rules=rules,
                              mtp_layers=1)
        router[v] = (stages[0].router_bytes, stages[4].router_bytes, stages[4].mtp_bytes)
    assert router[(0, 24, 0)][:2] == router[(0, 26, 0)][:2] == (36 * 3_146_752, 39 * 3_146_752)
    assert router[(0, 25, 0)][:2] == router[(0, 25, 1)][:2] == (
        36 * 6_292_480, 39 * 6_292_480) == (226_529_280, 245_406_720)
    # the draft layer's bytes do not move (its gate 1,572,864 x 2 B on every release)
    assert len({r[2] for r in router.values()}) == 1
    # the plan at TP 8 x PP 2: weights per GPU 36 x 3,145,728 = 113,246,208 B more on stage 0,
    # 39 x 3,145,728 = 122,683,392 B on stage 1 on 0.25.0 than on 0.24.0 and 0.26.0; the
    # weights term names the float32 router
    weights, said = {}, {}
    for version in ("0.24.0", "0.25.0", "0.26.0"):
        p = plan(PlanRequest(model=glm5, cluster=preset_cluster("h200", 16),
                             layout=ParallelLayout(tp=8, pp=2),
                             engine=EngineSettings(vllm_version=version, max_model_len=4096)))
        weights[version] = (p.per_gpu[0].weights_bytes, p.per_gpu[-1].weights_bytes)
        said[version] = "router in float32, as vLLM builds it" in (
            next(t.formula for t in p.terms if t.key == "weights"))
    assert weights["0.24.0"] == weights["0.26.0"]
    assert (weights["0.25.0"][0] - weights["0.24.0"][0],
            weights["0.25.0"][1] - weights["0.24.0"][1]) == (113_246_208, 122_683_392)
    assert said == {"0.24.0": False, "0.25.0": True, "0.26.0": False}
    # any DeepseekV2MoE config asking moe_router_dtype "float32" (compared with ==: another
    # value or type is no float32 router and no refusal), draft included; DeepSeek-V3 asks none
    config, quant = ref_config("deepseek-ai__DeepSeek-V3")
    v3 = parse_model_config(config, quant, name="v3")
    asked = parse_model_config({**config, "moe_router_dtype": "float32"}, quant, name="v3_fp32")
    other = parse_model_config({**config, "moe_router_dtype": 32}, quant, name="v3_32")
    h100 = GPU_PRESETS["h100-sxm"]
    assert [router_dtype.gate_fp32(s, v, h100, draft=d) for s in (v3, asked, other)
            for v in versions for d in (False, True)] == [
        False] * 8 + [False, False, True, True, True, True, False, False] + [False] * 8


SMALL_GLM4_MOE = {"architectures": ["Glm4MoeForCausalLM"], "model_type": "glm4_moe",
                  "hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4,
                  "num_key_value_heads": 2, "head_dim": 64, "intermediate_size": 512,
                  "moe_intermediate_size": 128, "n_routed_experts": 16,
                  "num_experts_per_tok": 4, "n_shared_experts": 1, "first_k_dense_replace": 1,
                  "vocab_size": 1000, "torch_dtype": "bfloat16",
                  "max_position_embeddings": 4096, "tie_word_embeddings": False,
                  "num_nextn_predict_layers": 1}
"""A small GLM-4.5-shaped config: 4 layers, first_k_dense_replace 1: layer 0 dense, layers 1-3
MoE of hidden 256, 16 experts, one MTP layer."""


def test_glm4_moe_router_in_float32_from_vllm_0_10_1():
    # vLLM glm4_moe.py Glm4MoE: gate ReplicatedLinear(hidden, n_routed_experts) and an
    # unconditional gate.e_score_correction_bias torch.empty(n_routed_experts), both in the
    # model dtype, in the 0.10.0 wheel; nn.Linear(..., dtype=torch.float32) and the bias
    # dtype=torch.float32 from 0.10.1 (GateLinear(params_dtype=torch.float32) from 0.32.0):
    # float32 on every GPU, whole on every rank (vllm_versions.GLM4_MOE_GATE_FP32_FROM).
    # glm4_moe_lite.py's Glm4MoeLite is that class; glm4_moe_mtp.py's draft a Glm4MoeDecoderLayer.
    # SMALL_GLM4_MOE: 3 MoE layers of hidden 256, 16 experts;
    # router 256 x 16 + 16 bias = 4,112 parameters a layer (the bias was left out: 4,096).
    config = SMALL_GLM4_MOE
    a100 = GPU_PRESETS["a100-80gb"]
    for model_type in ("glm4_moe", "glm4_moe_lite"):
        spec = parse_model_config({**config, "model_type": model_type}, name=model_type)
        assert {layer.mlp.router_bias for layer in spec.layers[1:]} == {True}
        assert [router_dtype.gate_fp32(spec, v, GPU_PRESETS[gpu], draft=d)
                for v in ((0, 10, 0), (0, 10, 1), (0, 34, 0))
                for gpu in ("a100-80gb", "h100-sxm") for d in (False, True)] == [
            False] * 4 + [True] * 8
    spec = parse_model_config(config, name="glm4_moe")
    bf16 = checkpoint_scheme(spec)
    held = {}
    for v in ((0, 10, 0), (0, 10, 1), (0, 34, 0)):
        rules = weight_load.weight_load_rules(spec, bf16, None, v, a100)
        ranks = rank_weights(spec, bf16, ParallelLayout(tp=2), rules=rules, mtp_layers=1)
        held[v] = ({r.router_bytes for r in ranks}, ranks[0].mtp_bytes)
    # 0.10.0: 3 x 4,112 x 2 B = 24,672 on each TP rank; from 0.10.1: 3 x 4,112 x 4 B = 49,344;
    # the draft layer's router 4,112 x (4 - 2) = 8,224 B more with it
    assert held[(0, 10, 0)][0] == {24_672}
    assert held[(0, 10, 1)][0] == held[(0, 34, 0)][0] == {49_344}
    assert held[(0, 10, 1)][1] - held[(0, 10, 0)][1] == 8_224


def test_bf16_experts_padded_for_flashinfer_trtllm_on_datacenter_blackwell():
    # vLLM 0.24.0-0.34.0 fused_moe/oracle/unquantized.py: FLASHINFER_TRTLLM first on CUDA (moved
    # back on Hopper only), its TrtLlmBf16Experts on family 10.x only, with SiLU and
    # RenormalizeNaive routing (softmax, norm_topk_prob true); its gated weights padded to a
    # per-GPU expert width that is a multiple of 128 from 0.29.0 (align_moe_weights_for_fi,
    # min_alignment=128; unquantized_round_up_hidden_size_and_intermediate_size from 0.31.0);
    # 0.24.0-0.28.0 pad only `if not is_act_and_mul` (gated SiLU unpadded). Qwen3-30B-A3B bf16,
    # TP 8: 48 layers x 128 experts x 3 x 2,048 x 768 / 8 = 3,623,878,656 parameters a GPU,
    # x 2 B = 7,247,757,312 B (6.75 GiB); padded 96 -> 128: x 128 / 96 = 9,663,676,416 B
    # (9.00 GiB), 2,415,919,104 B (2.25 GiB) more.
    spec = _catalog_spec("Qwen/Qwen3-30B-A3B")
    experts = {}
    for gpu, version, backend in (("b200", "0.34.0", None), ("b300", "0.29.0", None),
                                  ("b200", "0.23.0", None), ("b300", "0.28.0", None),
                                  ("b200", "0.24.0", None), ("h200", "0.34.0", None),
                                  ("rtx-pro-6000", "0.34.0", None),
                                  ("b200", "0.34.0", "triton"),
                                  ("b200", "0.34.0", "flashinfer_trtllm")):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 8),
                             layout=ParallelLayout(tp=8),
                             engine=EngineSettings(max_model_len=4096, vllm_version=version,
                                                   moe_backend=backend)))
        term = next(t for t in p.terms if t.key == "weights")
        experts[gpu, version, backend] = (p.per_gpu[0].weights_bytes, "96 -> 128" in term.formula)
    padded = experts["b200", "0.34.0", None]
    assert padded[1] and experts["b300", "0.29.0", None][1]
    assert experts["b200", "0.34.0", "flashinfer_trtllm"] == padded
    for key in (("b200", "0.23.0", None), ("b300", "0.28.0", None), ("b200", "0.24.0", None),
                ("h200", "0.34.0", None),
                ("rtx-pro-6000", "0.34.0", None), ("b200", "0.34.0", "triton")):
        assert padded[0] - experts[key][0] == 2_415_919_104 and not experts[key][1], key
    v34 = (0, 34, 0)
    # Qwen1.5-MoE: norm_topk_prob false -> Default routing, which the kernel refuses
    qwen15 = _catalog_spec("Qwen/Qwen1.5-MoE-A2.7B")
    assert [trtllm_bf16_width_pad(s, checkpoint_scheme(s), None, v34, cc, "nvidia")
            for s, cc in ((spec, "10.0"), (spec, "10.3"), (spec, "12.1"), (qwen15, "10.0"),
                          (_catalog_spec("Qwen/Qwen3-30B-A3B-FP8"), "10.0"))] \
        == [128, 128, 1, 1, 1]


def test_symmetric_gptq_zero_points_freed_on_marlin_before_0_34():
    # vLLM mixed_precision/marlin.py MarlinLinearKernel.process_weights_after_loading replaces
    # the unused qzeros of a symmetric GPTQ linear layer (zero_points=False) with an empty
    # Parameter up to 0.33.0; 0.34.0 retires them and keeps the data (_retire_unused_zp);
    # Machete (H100, capability 9.0, g128) never touches them (vllm_versions
    # GPTQ_UNUSED_ZEROS_KEPT_FROM). Qwen2.5-7B-Instruct: 28 layers x (q, o 2 x 3,584 x 3,584 +
    # k, v 2 x 3,584 x 512 = 29,360,128 attention + 3 x 3,584 x 18,944 = 203,685,888 MLP)
    # = 6,525,288,448 linear weights; int4 g128 zero points 4 / 128 bits each:
    # 6,525,288,448 / 32 / 8 = 25,489,408 B. Attention alone at 4.125 bits: 28 x 29,360,128
    # x 4.125 = 3,391,094,784 bits + the 16-bit biases 2,064,384 = 3,393,159,168 / 8
    # = 424,144,896 B (427,356,160 B at 4.15625, test_attention_biases_stay_16_bit...).
    spec = _catalog_spec("Qwen/Qwen2.5-7B-Instruct")
    gptq = what_if_scheme("w4a16-gptq-g128")
    gpus = {g: GPU_PRESETS[g] for g in ("rtx-4090", "a100-80gb", "h100-sxm", "mi300x")}
    assert [weight_load.gptq_zeros_freed_bits(spec, gptq, v, gpus[g]) for v, g in (
        ((0, 33, 0), "rtx-4090"), ((0, 10, 0), "a100-80gb"), ((0, 34, 0), "rtx-4090"),
        ((0, 33, 0), "h100-sxm"), ((0, 33, 0), "mi300x"))] == [0.03125, 0.03125, 0, 0, 0]
    # Groups of 32, which Machete refuses, on H100: Marlin frees them up to 0.31.0 (4 bits /
    # 32 = 0.125 a weight); from 0.32.0 prioritize_humming puts Humming ahead of Marlin on 9.0
    # (kernels/linear/__init__.py _resolve_backend_kernels, 0.32.0 and 0.33.0 wheels), which
    # keeps them as its zero_point (mixed_precision/humming.py).
    g32 = what_if_scheme("w4a16-gptq-g32")
    assert [weight_load.gptq_zeros_freed_bits(spec, g32, v, gpus["h100-sxm"])
            for v in ((0, 31, 0), (0, 32, 0), (0, 33, 0))] == [0.125, 0, 0]
    assert rank_weights(spec, gptq, ParallelLayout(),
                        rules=WeightLoadRules(zeros_freed_bits=0.03125))[0] \
        .attention_bytes == 424_144_896
    weights = {}
    for gpu, version in (("rtx-4090", "0.33.0"), ("rtx-4090", "0.34.0"), ("h100-sxm", "0.33.0")):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 1), engine=EngineSettings(
            max_model_len=4096, vllm_version=version, target_quant="w4a16-gptq-g128")))
        weights[gpu, version] = p.per_gpu[0].weights_bytes
    assert weights["rtx-4090", "0.34.0"] - weights["rtx-4090", "0.33.0"] == 25_489_408
    assert weights["h100-sxm", "0.33.0"] == weights["rtx-4090", "0.34.0"]


def test_sparse_mla_topk_indices_buffer_on_every_rank():
    # vLLM deepseek_v2.py DeepseekV2Model.__init__ allocates topk_indices_buffer
    # (max_num_batched_tokens x index_topk int32) at init, on every PP rank, for a config with
    # index_topk (0.11.0-0.24.0 wheels; 0.34.0 models/deepseek_v32/nvidia/model.py).
    # DeepSeek-V3.2 at 8,192 batched tokens: 8,192 x 2,048 x 4 B = 67,108,864 B on each GPU.
    spec = _catalog_spec("deepseek-ai/DeepSeek-V3.2")
    fp8 = checkpoint_scheme(spec)
    ranks = rank_weights(spec, fp8, ParallelLayout(tp=4, pp=2), max_num_batched_tokens=8192)
    assert [r.buffers_bytes for r in ranks] == [67_108_864] * 8
    dense = _catalog_spec("deepseek-ai/DeepSeek-V3")
    assert rank_weights(dense, checkpoint_scheme(dense), ParallelLayout(tp=8),
                        max_num_batched_tokens=8192)[0].buffers_bytes == 0
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 8),
                         layout=ParallelLayout(tp=8),
                         engine=EngineSettings(max_model_len=4096, max_num_batched_tokens=8192)))
    # (the plan's release holds the router's correction bias in float32: its rules here too)
    assert p.per_gpu[0].weights_bytes - rank_weights(
        spec, fp8, ParallelLayout(tp=8),
        rules=WeightLoadRules(correction_bias_fp32=True))[0].total_bytes == 67_108_864
    # with the MTP draft (--speculative-config method mtp), its one layer allocates its own
    # (deepseek_mtp.py DeepSeekMultiTokenPredictorLayer, 0.24.0; deepseek_v32/nvidia/mtp.py,
    # 0.34.0) on the stage that holds the draft, the last: 2 x 67,108,864 = 134,217,728 B there
    assert [r.buffers_bytes for r in rank_weights(
        spec, fp8, ParallelLayout(tp=4, pp=2), max_num_batched_tokens=8192, mtp_layers=1)] \
        == [67_108_864] * 4 + [134_217_728] * 4
    mtp = plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 8),
                           layout=ParallelLayout(tp=8),
                           engine=EngineSettings(max_model_len=4096, max_num_batched_tokens=8192,
                                                 num_speculative_tokens=1)))
    assert "8,192 batched tokens x 2,048 x 4 B, x 2 with the MTP draft's" in next(
        t for t in mtp.terms if t.key == "weights").formula


def test_gemma4_e2b_per_layer_embeddings_and_shared_layers_per_rank():
    # google/gemma-4-E2B-it, bf16, TP 2 (vLLM 0.33.0 gemma4.py): embed_tokens 262,144 / 2 x
    # 1536 = 201,326,592; embed_tokens_per_layer (VocabParallelEmbedding) 131,072 x 8,960 =
    # 1,174,405,120; per_layer_model_projection (ColumnParallelLinear) 1536 x 8,960 / 2 =
    # 6,881,280; its norm 256; per-layer gate + projection + norm (replicated) 35 x 787,968
    # = 27,578,880 -> 1,410,192,128 x 2 B = 2,820,384,256.
    # attention: 1 KV head < TP 2, so each rank holds it whole; q and o split by heads:
    # sliding 3,145,728 + 786,432 + 512 = 3,932,672; full 6,291,456 + 1,572,864 + 1,024 =
    # 7,865,344; shared sliding (no k/v) 3,145,728 + 256 = 3,145,984; shared full 6,291,456 +
    # 512 = 6,291,968 -> 12 x 3,932,672 + 3 x 7,865,344 + 16 x 3,145,984 + 4 x 6,291,968 =
    # 146,291,712 x 2 B = 292,583,424.
    from tests.planner.model.test_model_spec import e2b

    ranks = rank_weights(e2b(), BF16, ParallelLayout(tp=2))
    assert [r.embeddings_bytes for r in ranks] == [2_820_384_256] * 2
    assert [r.attention_bytes for r in ranks] == [292_583_424] * 2
    # TP 1: (402,653,184 + 2,362,573,056 + 27,578,880) x 2 B
    assert rank_weights(e2b(), BF16, ParallelLayout())[0].embeddings_bytes == 5_585_610_240


def test_gemma4_embeddings_and_per_layer_embeddings_on_every_pp_stage():
    # vLLM 0.33.0 gemma4.py Gemma4Model.__init__ builds embed_tokens, embed_tokens_per_layer,
    # per_layer_model_projection, its norm and the final norm with no is_first_rank guard, so
    # every PP stage holds them; the tied lm_head is the last stage's embed_tokens.
    # google/gemma-4-E2B-it bf16, TP 1, PP 3: layers 12 / 12 / 11 (vLLM get_pp_indices).
    # embed_tokens 262,144 x 1,536 x 2 B = 805,306,368; PLE (262,144 + 1,536) x 8,960 + 256
    # = 2,362,573,056 x 2 B = 4,725,146,112; per-layer gate + projection + norm 787,968 x
    # 2 B = 1,575,936 a layer.
    from tests.planner.model.test_model_spec import e2b

    stages = rank_weights(e2b(), BF16, ParallelLayout(pp=3))
    middle = 805_306_368 + 4_725_146_112 + 12 * 1_575_936  # 5,549,363,712
    assert [s.embeddings_bytes for s in stages] == [
        middle, middle, 4_725_146_112 + 11 * 1_575_936]  # last: embed_tokens is its lm_head
    assert [s.lm_head_bytes for s in stages] == [0, 0, 805_306_368]
    # the final norm (1,536 x 2 B) on every stage: stages 0 and 1 differ by it alone from
    # their 12 layers' norms, the same on both
    assert stages[0].norms_bytes == stages[1].norms_bytes
    first_only = rank_weights(e2b().model_copy(update={"model_type": "llama"}), BF16,
                              ParallelLayout(pp=3))
    assert stages[1].norms_bytes - first_only[1].norms_bytes == 1_536 * 2

def test_vision_tower_on_every_pp_stage_unless_v2_guards_it():
    # vLLM qwen3_vl_moe.py Qwen3VLMoeForConditionalGeneration.__init__ builds self.visual
    # (Qwen3_VisionTransformer) with no PP guard (0.11.0-0.33.0 wheels); from 0.33.0
    # interfaces.py _mark_tower_model skips it after the first stage on Model Runner V2.
    # Qwen/Qwen3-VL-30B-A3B-Instruct bf16: tower 27 x 15,239,504 + 1,770,624 + 2,654,208 +
    # 30,679,808 + 3 x 30,686,720 = 538,631,408 params x 2 B = 1,077,262,816; TP 2 splits
    # all but its 4,649,600 unsplit params (test_qwen3_vl_tower_per_gpu_at_tp2).
    spec = _catalog_spec("Qwen/Qwen3-VL-30B-A3B-Instruct")
    stages = rank_weights(spec, BF16, ParallelLayout(pp=2))
    assert [s.vision_bytes for s in stages] == [1_077_262_816] * 2
    tp2 = rank_weights(spec, BF16, ParallelLayout(tp=2, pp=2))
    assert [s.vision_bytes for s in tp2] == [543_281_008] * 4
    v2 = rank_weights(spec, BF16, ParallelLayout(pp=2), vision_first_stage_only=True)
    assert [s.vision_bytes for s in v2] == [1_077_262_816, 0]
    # the other stage terms do not move with the tower
    assert stages[1].total_bytes - v2[1].total_bytes == 1_077_262_816
    # a model type whose vLLM file was not read keeps the tower on the first stage
    other = rank_weights(spec.model_copy(update={"model_type": "glm4v_moe"}), BF16,
                         ParallelLayout(pp=2))
    assert [s.vision_bytes for s in other] == [1_077_262_816, 0]


def test_vision_weights_leave_out_what_vllm_does_not_build():
    # ibm-granite/granite-vision-3.3-2b bf16: the checkpoint's tower + projector 441,863,232
    # params (tests/planner/model/test_config_vision.py). vLLM llava_next.py builds it with
    # init_vision_tower_for_llava(require_post_norm=False): post_layernorm 2 x 1152 = 2,304
    # never built; siglip.py builds the pooling head 15,238,352 only before 0.15.0.
    # From 0.15.0: (441,863,232 - 2,304 - 15,238,352) x 2 B = 853,245,152; before:
    # (441,863,232 - 2,304) x 2 B = 883,721,856.
    spec = _catalog_spec("ibm-granite/granite-vision-3.3-2b")
    assert rank_weights(spec, BF16, ParallelLayout())[0].vision_bytes == 853_245_152
    old = rank_weights(spec, BF16, ParallelLayout(), siglip_head=True)
    assert old[0].vision_bytes == 883_721_856
    # the whole checkpoint keeps every tensor: 441,863,232 x 2 B
    assert weights_bytes(spec, BF16).vision_bytes == 883_726_464


def test_qwen3_vl_tower_per_gpu_at_tp2():
    # Qwen/Qwen3-VL-30B-A3B-Instruct bf16 (27 x 1152, MLP 4304, Conv3d 3 x 2 x 16 x 16,
    # 2,304 positions, merge 2: 4,608, out 2048, 3 deepstack mergers), 538,631,408 params.
    # vLLM qwen3_vl.py (0.19.0, 0.33.0) splits q/k/v, MLP and merger linears over TP; whole on
    # each rank: Conv3d 3 x 2 x 256 x 1152 + 1152 = 1,770,624; pos_embed 2,304 x 1152 =
    # 2,654,208; per block 2 LayerNorms 4 x 1152 + attn.proj and mlp.linear_fc2 (Row) biases
    # 2 x 1152 = 6,912, x 27 = 186,624; merger LayerNorm 2,304 + linear_fc2 bias 2,048 =
    # 4,352; each deepstack merger LayerNorm(4,608) 9,216 + 2,048 = 11,264, x 3 = 33,792.
    # Whole: 4,649,600. Per GPU: (538,631,408 - 4,649,600) / 2 + 4,649,600 = 271,640,504
    # params x 2 B = 543,281,008 (all-split: 538,631,408).
    spec = _catalog_spec("Qwen/Qwen3-VL-30B-A3B-Instruct")
    assert spec.vision.replicated_params == 4_649_600
    assert [s.vision_bytes for s in rank_weights(spec, BF16, ParallelLayout(tp=2))] == [
        543_281_008] * 2


def test_kimi_vl_tower_per_gpu_at_tp2():
    # moonshotai/Kimi-VL-A3B-Instruct bf16 MoonViT (27 x 1152, MLP 4304, patch 14, 64 x 64
    # positions, merge 2 x 2: 4,608, text 2048): conv 3 x 196 x 1152 + 1152 = 678,528;
    # positions 4,096 x 1152 = 4,718,592; blocks 27 x 15,239,504 = 411,466,608;
    # final_layernorm 2,304; projector LayerNorm 2,304 + 4,608^2 + 4,608 + 4,608 x 2,048 +
    # 2,048 = 30,679,808. Total 447,545,840.
    # vLLM 0.19.0 / 0.33.0 (moonvit.py, kimi_vl.py) split wqkv / wo / fc0 / fc1 over TP and
    # keep whole: conv, positions, per block norm0 + norm1 4 x 1152 and the wo / fc1 (Row)
    # biases 2 x 1152 = 6,912 (x 27 = 186,624), final_layernorm and the ReplicatedLinear
    # projector: 678,528 + 4,718,592 + 186,624 + 2,304 + 30,679,808 = 36,265,856.
    # Per GPU at TP 2: (447,545,840 - 36,265,856) / 2 + 36,265,856 = 241,905,848 params x 2 B
    # = 483,811,696.
    spec = _catalog_spec("moonshotai/Kimi-VL-A3B-Instruct")
    tp2 = rank_weights(spec, BF16, ParallelLayout(tp=2))
    assert [s.vision_bytes for s in tp2] == [483_811_696] * 2
    # before 0.14.0 (moonvit.py nn.Linear / ReplicatedLinear) every rank holds all of it:
    # 447,545,840 x 2 B = 895,091,680
    whole = rank_weights(spec, BF16, ParallelLayout(tp=2), tower_whole=True)
    assert [s.vision_bytes for s in whole] == [895_091_680] * 2
    # TP 1 is the whole tower either way
    assert rank_weights(spec, BF16, ParallelLayout())[0].vision_bytes == 895_091_680


def test_siglip_tower_per_gpu_at_tp2_with_and_without_pooling_head():
    # ibm-granite/granite-vision-3.3-2b bf16 (SigLIP 27 x 1152, MLP 4304, 384 px / 14: 729
    # positions; feature layers up to -1: all 27 built; LLaVA-NeXT projector with biases,
    # text 2048). Whole on each rank: conv 3 x 196 x 1152 + 1152 = 678,528; positions 729 x
    # 1152 = 839,808; per layer 2 LayerNorms 4,608 + out_proj / fc2 (Row) biases 2,304 =
    # 6,912, x 27 = 186,624; linear_2 bias 2,048 and image_newline 2,048: 1,709,056.
    # From 0.15.0 (no head): built 426,622,576 (test above); (426,622,576 - 1,709,056) / 2
    # + 1,709,056 = 214,165,816 params x 2 B = 428,331,632.
    spec = _catalog_spec("ibm-granite/granite-vision-3.3-2b")
    assert [s.vision_bytes for s in rank_weights(spec, BF16, ParallelLayout(tp=2))] == [
        428_331_632] * 2
    # With the head (before 0.15.0): built 441,860,928; the head's SiglipMLP fc1 / fc2
    # weights and fc1 bias 2 x 1152 x 4304 + 4304 = 9,920,720 split, the other 15,238,352 -
    # 9,920,720 = 5,317,632 whole: whole 7,026,688; (441,860,928 - 7,026,688) / 2 +
    # 7,026,688 = 224,443,808 params x 2 B = 448,887,616.
    old = rank_weights(spec, BF16, ParallelLayout(tp=2), siglip_head=True)
    assert [s.vision_bytes for s in old] == [448_887_616] * 2


def test_gemma2_tied_embeddings_and_final_norm_on_every_pp_stage():
    # vLLM gemma2.py Gemma2Model.__init__ (0.9.1, 0.10.1, 0.19.0, 0.33.0 wheels) builds
    # embed_tokens and the final norm unguarded; Gemma2ForCausalLM computes logits with
    # model.embed_tokens (no lm_head of its own). google/gemma-2-9b-it bf16, PP 3: layers
    # 14 / 14 / 14; embed_tokens 256,000 x 3,584 x 2 B = 1,835,008,000 on every stage (the
    # last stage's is its lm_head); norms 14 layers x 4 RMSNorms x 3,584 x 2 B = 401,408 plus
    # the final norm 3,584 x 2 B = 7,168 on every stage.
    stages = rank_weights(_catalog_spec("google/gemma-2-9b-it"), BF16, ParallelLayout(pp=3))
    assert [s.embeddings_bytes for s in stages] == [1_835_008_000, 1_835_008_000, 0]
    assert [s.lm_head_bytes for s in stages] == [0, 0, 1_835_008_000]
    assert [s.norms_bytes for s in stages] == [408_576] * 3


def test_untied_moe_embeddings_and_lm_head_on_every_pp_stage():
    # vLLM qwen3_moe.py Qwen3MoeModel.__init__ (0.9.1, 0.10.1, 0.19.0, 0.33.0 wheels) builds
    # embed_tokens and the final norm unguarded, Qwen3MoeForCausalLM its ParallelLMHead too.
    # Qwen/Qwen3-30B-A3B bf16 (untied), PP 3: layers 16 / 16 / 16; embed_tokens 151,936 x
    # 2,048 x 2 B = 622,329,856 on every stage, lm_head the same on every stage; norms
    # 16 x 2 x 2,048 x 2 B = 131,072 (the q/k norms are counted with attention) plus the
    # final norm 2,048 x 2 B = 4,096.
    spec = _catalog_spec("Qwen/Qwen3-30B-A3B")
    stages = rank_weights(spec, BF16, ParallelLayout(pp=3))
    assert [s.embeddings_bytes for s in stages] == [622_329_856] * 3
    assert [s.lm_head_bytes for s in stages] == [622_329_856] * 3
    assert [s.norms_bytes for s in stages] == [135_168] * 3
    # qwen3_next.py / qwen3_5.py guard the final norm (is_last_rank) but not embed_tokens
    nxt = rank_weights(spec.model_copy(update={"model_type": "qwen3_next"}), BF16,
                       ParallelLayout(pp=3))
    assert [s.embeddings_bytes for s in nxt] == [622_329_856] * 3
    assert [s.lm_head_bytes for s in nxt] == [622_329_856] * 3  # qwen3_next.py: unguarded
    assert [s.norms_bytes for s in nxt] == [131_072, 131_072, 135_168]
    # llama.py guards both: first stage (or a tied last stage) and last stage only
    llama = rank_weights(spec.model_copy(update={"model_type": "llama"}), BF16,
                         ParallelLayout(pp=3))
    assert [s.embeddings_bytes for s in llama] == [622_329_856, 0, 0]
    assert [s.lm_head_bytes for s in llama] == [0, 0, 622_329_856]
    assert [s.norms_bytes for s in llama] == [131_072, 131_072, 135_168]


@pytest.mark.parametrize(("repo_id", "model_type", "native", "backend"), [
    ("google/gemma-7b", "gemma", "0.33.0", "0.34.0"),  # gemma.py gone from the 0.34.0 wheel
    ("Qwen/Qwen3-30B-A3B", "olmoe", "0.33.0", "0.34.0"),  # olmoe.py likewise
    ("Qwen/Qwen3-30B-A3B", "phi", "0.31.0", "0.32.0"),
    ("Qwen/Qwen3-30B-A3B", "olmo2", "0.25.0", "0.26.0"),
    ("Qwen/Qwen3-30B-A3B", "olmo3", "0.28.0", "0.29.0"),  # olmo3.py in 0.26.0-0.28.0
    ("Qwen/Qwen3-30B-A3B", "starcoder2", "0.24.0", "0.25.0"),
])
def test_transformers_backend_by_release(repo_id, model_type, native, backend):
    # registry.py: GemmaForCausalLM ("gemma", ...) and OlmoeForCausalLM ("olmoe", ...) in the
    # 0.33.0 wheel, ("transformers", "TransformersForCausalLM" / "TransformersMoEForCausalLM")
    # in 0.34.0's; PhiForCausalLM moves in 0.32.0, Olmo2ForCausalLM in 0.26.0,
    # Starcoder2ForCausalLM in 0.25.0 (each wheel's registry read)
    spec = _catalog_spec(repo_id).model_copy(update={"model_type": model_type})
    assert not transformers_backend(spec, vllm_cli(native).transformers_architectures)
    assert transformers_backend(spec, vllm_cli(backend).transformers_architectures)
    llama = spec.model_copy(update={"model_type": "llama"})
    assert not transformers_backend(llama, vllm_cli(backend).transformers_architectures)


def test_transformers_backend_keeps_stage_tensors_to_first_and_last_stage():
    # vLLM 0.34.0 models/transformers/base.py Base.pipeline_parallel: what comes before the
    # decoder layers (embed_tokens) is a PPMissingLayer but on the first stage, or the last
    # where tied; what comes after (the final norm) on every stage but the last; causal.py
    # builds lm_head on the last stage only. google/gemma-7b bf16 (tied), PP 3: layers
    # 9 / 10 / 9; embed_tokens 256,000 x 3,072 x 2 B = 1,572,864,000 on the first stage, the
    # last stage's copy its lm_head; norms 2 x 3,072 x 2 B = 12,288 a layer: 110,592 /
    # 122,880 / 110,592, and the final norm 6,144 on the last stage only: 116,736.
    spec = _catalog_spec("google/gemma-7b")
    stages = rank_weights(spec, BF16, ParallelLayout(pp=3), transformers_backend=True)
    assert [s.embeddings_bytes for s in stages] == [1_572_864_000, 0, 0]
    assert [s.lm_head_bytes for s in stages] == [0, 0, 1_572_864_000]
    assert [s.norms_bytes for s in stages] == [110_592, 122_880, 116_736]
    # gemma.py (0.33.0 and before) builds embed_tokens and the norm on every stage
    native = rank_weights(spec, BF16, ParallelLayout(pp=3))
    assert [s.embeddings_bytes for s in native] == [1_572_864_000, 1_572_864_000, 0]
    assert [s.norms_bytes for s in native] == [116_736, 129_024, 116_736]
    # untied (OLMoE's class on Qwen3-30B-A3B's sizes, vocab 151,936 x 2,048 x 2 B =
    # 622,329,856): embed_tokens on the first stage, lm_head on the last; olmoe.py (0.33.0)
    # built both on every stage
    olmoe = _catalog_spec("Qwen/Qwen3-30B-A3B").model_copy(update={"model_type": "olmoe"})
    stages = rank_weights(olmoe, BF16, ParallelLayout(pp=3), transformers_backend=True)
    assert [s.embeddings_bytes for s in stages] == [622_329_856, 0, 0]
    assert [s.lm_head_bytes for s in stages] == [0, 0, 622_329_856]
    native = rank_weights(olmoe, BF16, ParallelLayout(pp=3))
    assert [s.lm_head_bytes for s in native] == [622_329_856] * 3


def test_olmo3_stage_tensors_on_every_stage_before_the_transformers_backend():
    # vLLM builds Olmo3ForCausalLM with olmo2.py (0.11.0-0.25.0) and olmo3.py (0.26.0-0.28.0,
    # Olmo3Model / Olmo3ForCausalLM: embed_tokens, the final norm and an untied lm_head with no
    # PP guard), so every stage holds them; the Transformers backend from 0.29.0 keeps them to
    # the first / last stage. On Qwen3-8B's sizes (untied, vocab 151,936 x 4,096 x 2 B =
    # 1,244,659,712 B; final norm 4,096 x 2 B = 8,192 B), PP 3. They were placed as a guarded
    # model's on every release.
    olmo3 = _catalog_spec("Qwen/Qwen3-8B").model_copy(update={"model_type": "olmo3"})
    native = rank_weights(olmo3, BF16, ParallelLayout(pp=3))
    backend = rank_weights(olmo3, BF16, ParallelLayout(pp=3), transformers_backend=True)
    assert [s.embeddings_bytes for s in native] == [1_244_659_712] * 3
    assert [s.lm_head_bytes for s in native] == [1_244_659_712] * 3
    assert [s.embeddings_bytes for s in backend] == [1_244_659_712, 0, 0]
    assert [s.lm_head_bytes for s in backend] == [0, 0, 1_244_659_712]
    assert [a.norms_bytes - b.norms_bytes for a, b in zip(native, backend, strict=True)] == [
        8_192, 8_192, 0]


def test_gemma_pp_plan_on_0_34():
    # the plan at vLLM 0.34.0 takes the Transformers backend's placement: google/gemma-7b on
    # 3 x L4 at PP 3, the middle stage holds neither embed_tokens (1,572,864,000 B) nor the
    # final norm (6,144 B), the first stage no final norm; the last stage the same as 0.33.0
    weights = {}
    for version in ("0.33.0", "0.34.0"):
        p = plan(PlanRequest(model=_catalog_spec("google/gemma-7b"),
                             cluster=preset_cluster("l4", 3), layout=ParallelLayout(pp=3),
                             engine=EngineSettings(vllm_version=version, max_model_len=4096)))
        weights[version] = [g.weights_bytes for g in p.per_gpu]
    assert [a - b for a, b in zip(weights["0.33.0"], weights["0.34.0"], strict=True)] == [
        6_144, 1_572_864_000 + 6_144, 0]


def test_mla_latent_projections_are_replicated():
    # q_a 64x32 + norm 32, kv_a 64x(16+4) + norm 16 -> 3,376 replicated;
    # q_b 32x4x12 = 1,536, kv_b 16x4x(8+8) = 1,024, o 4x8x64 = 2,048 -> 4,608 split.
    # Total 7,984; per rank at TP 2: 3,376 + 2,304 = 5,680.
    mla = MlaMixer(
        num_heads=4,
        q_lora_rank=32,
        kv_lora_rank=16,
        qk_nope_head_dim=8,
        qk_rope_head_dim=4,
        v_head_dim=8,
    )
    spec = make_spec(layers=1)
    spec = spec.model_copy(update={"layers": (spec.layers[0].model_copy(update={"mixer": mla}),)})
    assert weights_bytes(spec, BF16).attention_bytes == 7_984 * 2
    assert rank_weights(spec, BF16, ParallelLayout(tp=2))[0].attention_bytes == 5_680 * 2


def test_checkpoint_exclusions_apply_in_own_format_only():
    # fp8 block128: 12,288 x 8.001953125 / 8 = 12,291 B per layer of attention
    quant = QuantSpec(
        method="fp8",
        scheme="fp8-block128",
        # each of layer 0's attention projections by its full name, as Fp8Config's exact
        # is_layer_skipped needs ("model.layers.0.self_attn" names no layer: test_exclusion_match)
        excluded_modules=tuple(f"model.layers.0.self_attn.{p}_proj" for p in "qkvo"),
        summary="FP8 e4m3, 128x128 block scales",
    )
    spec = make_spec(quant=quant)
    own = weights_bytes(spec, checkpoint_scheme(spec))
    assert own.attention_bytes == 12_288 * 2 + 12_291  # layer 0 kept in 16-bit
    what_if = weights_bytes(make_spec(), scheme("fp8-block128"))
    assert what_if.attention_bytes == 2 * 12_291
    assert own.embeddings_bytes == what_if.embeddings_bytes == 12_800  # kept 16-bit anyway


def test_modelopt_mixed_precision_charges_each_module_at_its_own_format(ref_config):
    """nvidia/Qwen3.6-35B-A3B-NVFP4 (hf_quant_config.json MIXED_PRECISION, quantized_layers):
    the GDN and attention projections FP8, the routed and shared experts and the lm_head
    W4A16_NVFP4 (group 16: 4.5 bits), everything unlisted 16-bit (vLLM
    ModelOptMixedPrecisionConfig). FP8 parameters from config.json's text_config (hidden 2048;
    GDN: 16 key heads x 128, 32 value heads x 128; attention: 16 heads x 256 with the output
    gate, 2 KV heads x 256): 30 GDN x (in_proj_qkv 2048 x 8,192 + in_proj_z 2048 x 4,096 +
    out_proj 4,096 x 2048) = 1,006,632,960 and 10 attention x (q_proj 2048 x 8,192 + k, v
    2048 x 512 + o_proj 4,096 x 2048) = 272,629,760: 1,279,262,720 x 1 B. The attention
    component also holds the unlisted in_proj_b/a (2048 x 64) of each GDN, 30 x 131,072 =
    3,932,160, charged at its FP8 byte (not 2 B), and the tensors vLLM never quantizes
    (weights._attention_kept_per_rank) at 2 B: each GDN's conv1d (8,192 x 4), dt_bias, A_log
    (32 each) and norm (128), each attention layer's q/k norms (256 each): 30 x 32,960 + 10 x
    512 = 993,920 x 2 B = 1,987,840 (at the FP8 byte before, 993,920 B)."""
    spec = spec_of(ref_config, "nvidia__Qwen3.6-35B-A3B-NVFP4")
    w = weights_bytes(spec, checkpoint_scheme(spec))
    assert w.attention_bytes == 1_279_262_720 + 3_932_160 + 1_987_840
    assert w.lm_head_bytes == 248_320 * 2048 * 9 // 16  # 286,064,640 (16-bit before)
    assert w.experts_bytes == 40 * 256 * 3 * 2048 * 512 * 9 // 16  # 18,119,393,280
    assert w.embeddings_bytes == 248_320 * 2048 * 2 and w.router_bytes == 40 * 2048 * 256 * 2
    # a what-if format ignores the checkpoint's map: GPTQ int4 g128 throughout, lm_head 16-bit;
    # attention (1,284,188,800 - 993,920) x 133 / 256 = 666,659,840 + 993,920 x 2 B
    gptq = weights_bytes(spec, scheme("w4a16-gptq-g128"))
    assert gptq.attention_bytes == 666_659_840 + 1_987_840
    assert gptq.lm_head_bytes == 248_320 * 2048 * 2


def test_a_what_if_in_a_mixed_checkpoints_own_format_is_planned_uniformly(ref_config):
    """--target-quant nvfp4 --target-checkpoint X on nvidia/Qwen3.6-35B-A3B-NVFP4 plans X,
    whose per-module layout is unknown: NVFP4 (4.5 bits) throughout with the format's usual
    16-bit keeps, as a what-if of a 16-bit model, not the source's FP8 projections and
    W4A16_NVFP4 lm_head (quant.stored_format). By hand, with the counts of the test above:
    attention (1,284,188,800 - 993,920 kept 16-bit) x 9/16 = 721,797,120 + 993,920 x 2 B =
    723,784,960 (FP8: 1,285,182,720); shared experts 40 x 3 x 2048 x 512 x 9/16 =
    70,778,880 + their shared_expert_gate (never quantized, weights._shared_expert_gate)
    40 x 2048 x 2 B = 163,840: 70,942,720 (70,824,960 with the gate at 9/16 B before);
    lm_head 248,320 x 2048 x 2 = 1,017,118,720 (W4A16_NVFP4: 286,064,640); routed experts as
    stored."""
    spec = spec_of(ref_config, "nvidia__Qwen3.6-35B-A3B-NVFP4")
    w = weights_bytes(spec, what_if_scheme("nvfp4"))
    assert w.attention_bytes == 721_797_120 + 1_987_840
    assert w.shared_experts_bytes == 70_942_720
    assert w.lm_head_bytes == w.embeddings_bytes == 1_017_118_720
    assert w.experts_bytes == 40 * 256 * 3 * 2048 * 512 * 9 // 16
    assert w.router_bytes == 40 * 2048 * 256 * 2
    assert w == weights_bytes(spec.model_copy(update={"quant": None}), what_if_scheme("nvfp4"))


# --- acceptance: real configs ---------------------------------------------------------------


def spec_of(ref_config, name: str) -> ModelSpec:
    config, quant = ref_config(name)
    return parse_model_config(config, quant, name=name)


def test_qwen25_72b_bf16_on_disk(ref_config):
    # 72,706,203,648 params (full shard scan, model-configs/SOURCES.md) x 2 B
    # = 145,412,407,296 B = 135.43 GiB
    spec = spec_of(ref_config, "Qwen__Qwen2.5-72B-Instruct")
    terms = weights_bytes(spec, checkpoint_scheme(spec))
    assert terms.total_bytes / GIB == pytest.approx(135.43, rel=0.005)


def test_gpt_oss_20b_mxfp4_on_disk(ref_config):
    # 12.82 GiB in 3 shards (SOURCES.md). By hand: expert weights 24 x 32 x 24,891,840
    # params at 4.25 bits = 10,152,345,600 B; attention, router, norms, embeddings, lm_head
    # and the expert biases (24 x 32 x 8,640) in bf16 = 1,804,459,584 params x 2 B
    # = 3,608,919,168 B -> 13,761,264,768 B = 12.816 GiB. 0.5 %: the published figure has
    # four significant digits (+-0.04 %).
    spec = spec_of(ref_config, "openai__gpt-oss-20b")
    terms = weights_bytes(spec, checkpoint_scheme(spec))
    assert terms.total_bytes / GIB == pytest.approx(12.82, rel=0.005)
    assert terms.attention_bytes == 24 * 26_550_144 * 2  # kept in bf16 by the exclusions


def test_gpt_oss_20b_expert_biases_stay_bf16(ref_config):
    # The checkpoint stores gate_up_proj_bias [32, 5760] and down_proj_bias [32, 2880] in bf16
    # and vLLM's Mxfp4MoEMethod creates w13_bias / w2_bias as bf16: only the *_blocks are
    # 4.25-bit. So the exact total is the hand figure above, 13,761,264,768 B; biases at
    # 4.25 bits would be 24 x 32 x 8,640 x (2 - 0.53125) B = 9,745,920 B less.
    spec = spec_of(ref_config, "openai__gpt-oss-20b")
    terms = weights_bytes(spec, checkpoint_scheme(spec))
    assert terms.total_bytes == 13_761_264_768


def test_kimi_k2_fp8_block_on_disk(ref_config):
    # 958.51 GiB in 61 files, fp8 e4m3 with fp32 weight_scale_inv per 128x128 block
    # (SOURCES.md, full shard scan); embeddings, lm_head, routers and norms in bf16.
    spec = spec_of(ref_config, "moonshotai__Kimi-K2-Instruct")
    terms = weights_bytes(spec, checkpoint_scheme(spec))
    assert terms.total_bytes / GIB == pytest.approx(958.51, rel=0.005)


# vLLM v0.19.0 on one H100, `model_loading_took_gib` of rank 0
# (/work/shared/calibration/vllm-v0.19-h100.json, llm-d-planner accuracy logs).
# Llama-3.1-8B by hand: 8,030,261,248 params x 2 B = 14.96 GiB; the quantized runs keep
# embeddings + lm_head (1,050,673,152 params) in 16-bit and quantize the 6,979,321,856 linear
# weights: fp8 1 B each -> 6.50 + 1.96 = 8.46 GiB; GPTQ g128 4.156 bits -> 3.38 + 1.96 = 5.33.
CALIBRATION = [
    ("meta-llama__Meta-Llama-3.1-8B", None, ParallelLayout(), 14.99),
    ("meta-llama__Meta-Llama-3.1-8B", None, ParallelLayout(tp=2), 7.51),
    ("meta-llama__Meta-Llama-3.1-8B", None, ParallelLayout(tp=4), 3.77),
    ("meta-llama__Meta-Llama-3.1-8B", None, ParallelLayout(pp=2), 7.51),
    ("meta-llama__Meta-Llama-3.1-8B", None, ParallelLayout(pp=4), 4.26),
    ("meta-llama__Meta-Llama-3.1-8B", "fp16", ParallelLayout(), 14.99),
    ("meta-llama__Meta-Llama-3.1-8B", "fp32", ParallelLayout(), 29.98),
    ("meta-llama__Meta-Llama-3.1-8B", "fp8-tensor", ParallelLayout(), 8.49),  # --quantization fp8
    ("meta-llama__Meta-Llama-3.1-8B", "w4a16-gptq-g128", ParallelLayout(), 5.38),  # RedHatAI
    ("meta-llama__Meta-Llama-3.1-8B", "w8a8-int8", ParallelLayout(), 8.49),  # RedHatAI w8a8
    ("Qwen__Qwen3-8B", None, ParallelLayout(), 15.27),
    ("Qwen__Qwen2.5-72B-Instruct", None, ParallelLayout(tp=2), 67.8),
    ("Qwen__Qwen3-30B-A3B", None, ParallelLayout(), 56.88),
    ("mistralai__Mixtral-8x7B-v0.1", None, ParallelLayout(tp=2), 43.51),  # Instruct: same arch
]


@pytest.mark.parametrize(("name", "key", "layout", "loaded_gib"), CALIBRATION)
def test_per_gpu_loaded_size_matches_vllm(ref_config, name, key, layout, loaded_gib):
    spec = spec_of(ref_config, name)
    quant = scheme(key) if key else checkpoint_scheme(spec)
    rank0 = rank_weights(spec, quant, layout)[0]
    # 0.5 %: the logs print 2 decimals and the remaining gaps (GPTQ g_idx, vocab padding)
    # are under 0.3 %; 2 % would not notice a missing rope cache or a 16-bit embedding table
    assert rank0.total_bytes / GIB == pytest.approx(loaded_gib, rel=0.005)


# --- properties -------------------------------------------------------------------------------

specs = st.builds(
    lambda layers, hidden_mult, heads_pow, kv_pow, moe, tied: make_spec(
        layers=layers,
        hidden=64 * hidden_mult,
        heads=2**heads_pow,
        kv_heads=2 ** min(kv_pow, heads_pow),
        mlp=MOE if moe else None,
        tie_word_embeddings=tied,
    ),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 4),
    st.integers(0, 4),
    st.booleans(),
    st.booleans(),
)


def dominates(low: QuantScheme, high: QuantScheme) -> bool:
    """True when `low` stores every component in no more bits than `high`."""
    return all(low.bits_for(c) <= high.bits_for(c) for c in COMPONENTS)


@settings(max_examples=40, deadline=None)
@given(specs, st.sampled_from(sorted(SCHEMES)), st.sampled_from(sorted(SCHEMES)))
def test_fewer_bits_never_more_bytes(spec, key_a, key_b):
    low, high = SCHEMES[key_a], SCHEMES[key_b]
    if not dominates(low, high):
        low, high = high, low
    if dominates(low, high):
        assert weights_bytes(spec, low).total_bytes <= weights_bytes(spec, high).total_bytes


@settings(max_examples=40, deadline=None)
@given(specs, st.floats(1, 32), st.floats(1, 32))
def test_fewer_bits_per_weight_same_keeps(spec, bits_a, bits_b):
    make = lambda bits: SCHEMES["nvfp4"].model_copy(update={"bits_per_weight": bits})  # noqa: E731
    low, high = sorted((bits_a, bits_b))
    assert weights_bytes(spec, make(low)).total_bytes <= weights_bytes(spec, make(high)).total_bytes


@settings(max_examples=40, deadline=None)
@given(specs, st.sampled_from(sorted(SCHEMES)), st.booleans(), st.integers(1, 2))
def test_more_tp_never_more_bytes_per_rank(spec, key, ep, pp):
    pp = min(pp, spec.num_layers)
    layouts = [ParallelLayout(tp=tp, pp=pp, ep=ep) for tp in (1, 2, 4, 8, 16)]
    worst = [max(r.total_bytes for r in rank_weights(spec, SCHEMES[key], lay)) for lay in layouts]
    assert worst == sorted(worst, reverse=True)


@pytest.mark.parametrize(
    ("repo_id", "expected"),
    [
        # llama3 rope: max_position_embeddings rows: 131,072 x 128 x 2 B = 32 MiB (0.031 GiB,
        # the gap between our weights and vLLM's 14.99 GiB "Model loading took" line)
        ("meta-llama/Llama-3.1-8B-Instruct", 131_072 * 128 * 2),
        # linear x8 (global layers): 1,048,576 x 256 x 2 B = 512 MiB, plus the unscaled
        # local rope of the sliding layers: 131,072 x 256 x 2 B = 64 MiB
        ("google/gemma-3-12b-it", 1_048_576 * 256 * 2 + 131_072 * 256 * 2),
        # deepseek_yarn: original 4,096 x factor 40 = 163,840 rows x qk_rope_head_dim 64 x 2 B
        ("deepseek-ai/DeepSeek-V2-Lite-Chat", 163_840 * 64 * 2),
        # llama3 rope over 10,485,760 positions x 128 x 2 B = 2.5 GiB (log: weights 53.12 GiB
        # per GPU at TP=4 against 50.57 GiB without the cache)
        ("meta-llama/Llama-4-Scout-17B-16E-Instruct", 10_485_760 * 128 * 2),
        # partial_rotary_factor 0.25 of head_dim 256 = 64 dims over 262,144 positions
        ("Qwen/Qwen3-Next-80B-A3B-Instruct", 262_144 * 64 * 2),
        # text_config.rope_parameters.partial_rotary_factor 0.25 (mrope, default type)
        ("Qwen/Qwen3.5-27B", 262_144 * 64 * 2),
        # partial_rotary_factor 0.4 of head_dim 2560 / 32 = 80 -> int(32.0) = 32 dims, 2,048 rows
        ("microsoft/phi-2", 2_048 * 32 * 2),
        # rotary_dim 64 of head_dim 128, 196,608 positions
        ("MiniMaxAI/MiniMax-M2.5", 196_608 * 64 * 2),
        # int(192 x 0.334) = 64 dims; full layers (rope_theta) and sliding layers
        # (swa_rope_theta) each get their own cache of 262,144 rows
        ("XiaomiMiMo/MiMo-V2-Flash", 2 * 262_144 * 64 * 2),
        # Nemotron-H attention has no rope (NoPE): no cache at all
        ("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", 0),
        # proportional rope on the global layers: 0.25 x 512 dims rotate but the cache spans
        # the full head_dim 512; sliding layers: default rope over head_dim 256; 262,144 rows
        ("google/gemma-4-26B-A4B", 262_144 * 512 * 2 + 262_144 * 256 * 2),
    ],
)
def test_rope_cache_bytes_by_rope_type(repo_id, expected):
    assert rope_cache_bytes(_catalog_spec(repo_id), 2) == expected


def test_rope_cache_in_served_dtype_on_every_rank():
    spec = _catalog_spec("meta-llama/Llama-3.1-8B-Instruct")
    ranks = rank_weights(spec, BF16, ParallelLayout(tp=2, pp=2), served_dtype_bytes=4)
    assert {r.rope_cache_bytes for r in ranks} == {131_072 * 128 * 4}
    assert weights_bytes(spec, BF16).rope_cache_bytes == 0  # not part of the checkpoint


def test_mxfp4_experts_padded_for_marlin_below_hopper():
    # gpt-oss-120b (config.json): 36 layers x 128 experts, hidden 2,880, expert width 2,880.
    # vLLM pads MXFP4 experts for Marlin to hidden % 256 and intermediate % 128
    # (quantization/mxfp4.py, 0.11.0; fused_moe/oracle/mxfp4.py, 0.33.0): 3,072 x 2,944.
    # Extra per GPU: 36 x 128 x 3 x (3,072 x 2,944 - 2,880 x 2,880) params x 4.25 / 8 B
    # = 10,362,028,032 x 0.53125 = 5,504,827,392 B. Biases: Marlin keeps them bf16 at the
    # padded sizes (create_weights: w13_bias 2 x 2,944, w2_bias 3,072), 36 x 128 x 8,960 x 2 B;
    # Hopper's Triton kernel (which rounds only the width up to 64, which 2,880 is at TP=1)
    # holds them in float32, 36 x 128 x 8,640 x 4 B: 4,608 x (17,920 - 34,560) = -76,677,120 B.
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    spec = _catalog_spec("openai/gpt-oss-120b")
    h100 = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1)))
    a100 = plan(PlanRequest(model=spec, cluster=preset_cluster("a100-80gb", 1)))
    assert a100.weights_bytes_per_gpu - h100.weights_bytes_per_gpu == pytest.approx(
        5_504_827_392 - 76_677_120, abs=64)
    # vLLM issue #23278 (H100 on the Marlin fallback) logged 65.9651 GiB: within 0.1 %
    assert a100.weights_bytes_per_gpu / GIB == pytest.approx(65.9651, rel=0.001)


@pytest.mark.parametrize(("model", "gpu", "version", "per_layer"), [
    # E x I x H x 51 / 32 B of MXFP4 experts + E x (2 x I + H) x 4 B of float32 biases, at the
    # sizes the kernel pads to. H100 (9.0): OAI Triton MoE, width % 64: 2,880 x 2,880 stays.
    ("openai/gpt-oss-20b", "h100-sxm", "0.17.0", 32 * 13_219_200 + 32 * 8_640 * 4),
    ("openai/gpt-oss-20b", "h100-sxm", "0.34.0", 32 * 13_219_200 + 32 * 8_640 * 4),
    ("openai/gpt-oss-120b", "h100-sxm", "0.21.0", 128 * 13_219_200 + 128 * 8_640 * 4),
    ("openai/gpt-oss-120b", "h100-sxm", "0.28.0", 128 * 13_219_200 + 128 * 8_640 * 4),
    # B200 (10.0): FlashInfer's TRT-LLM MXFP4 x BF16 MoE, hidden % 256 (3,072), width % 256
    # (3,072) before 0.27, % 128 (2,944) from it: 3,072 x 3,072 x 51 / 32 = 15,040,512 B and
    # biases 2 x 3,072 + 3,072 = 9,216; 2,944 x 3,072 x 51 / 32 = 14,413,824 B and 8,960.
    ("openai/gpt-oss-20b", "b200", "0.21.0", 32 * 15_040_512 + 32 * 9_216 * 4),
    ("openai/gpt-oss-20b", "b200", "0.34.0", 32 * 14_413_824 + 32 * 8_960 * 4),
    ("openai/gpt-oss-120b", "b200", "0.17.0", 128 * 15_040_512 + 128 * 9_216 * 4),
    ("openai/gpt-oss-120b", "b200", "0.34.0", 128 * 14_413_824 + 128 * 8_960 * 4),
])
def test_mxfp4_expert_biases_float32_on_triton_and_trtllm(model, gpu, version, per_layer):
    # gpt-oss-20b: 24 layers x 32 experts, gpt-oss-120b: 36 x 128; hidden and expert width
    # 2,880 (config.json). vLLM creates w13_bias / w2_bias in bf16 and, for the Triton and
    # TRT-LLM kernels, re-registers them as float32 in process_weights_after_loading (the bf16
    # ones freed before the weights are measured): mxfp4.MXFP4_FP32_BIAS_KERNELS. 2,880 x
    # 2,880 x 51 / 32 = 13,219,200 B an expert. gpt-oss-20b on H100: 24 x (423,014,400 + 1,105,920)
    # = 10,178,887,680 B, of which 26,542,080 B of biases (13,271,040 B in bf16).
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    layers = 24 if model.endswith("-20b") else 36
    result = plan(PlanRequest(model=_catalog_spec(model), cluster=preset_cluster(gpu, 1),
                              engine=EngineSettings(vllm_version=version)))
    weights = next(t for t in result.terms if t.key == "weights")
    assert weights.inputs["experts_bytes"] == str(layers * per_layer)


@pytest.mark.parametrize(("version", "moe_backend", "expert_bytes", "bias_elems", "bias_bytes"), [
    ("0.34.0", None, 13_219_200, 8_640, 4), ("0.34.0", "triton", 13_219_200, 8_640, 4),
    ("0.34.0", "marlin", 14_413_824, 8_960, 2),
    ("0.34.0", "flashinfer_cutlass", 13_813_248, 8_832, 2),
    ("0.17.0", "marlin", 13_219_200, 8_640, 4)])
def test_mxfp4_expert_bias_dtype_follows_the_moe_backend(version, moe_backend, expert_bytes,
                                                          bias_elems, bias_bytes):
    # --moe-backend marlin keeps the biases bf16 (marlin_utils_fp4.py `.to(param_dtype)`), as
    # FlashInfer's CUTLASS MoE does (`.to(torch.bfloat16)`); the 0.17.0 quantization/mxfp4.py
    # does not read --moe-backend (Triton, float32). Each pads for its kernel (0.34.0
    # mxfp4_round_up_hidden_size_and_intermediate_size): Triton the width to 64 (2,880 stays):
    # 3 x 2,880 x 2,880 x 17/32 = 13,219,200 B an expert, biases 2 x 2,880 + 2,880 = 8,640;
    # Marlin hidden to 256 (3,072), width to 128 (2,944): 3 x 3,072 x 2,944 x 17/32 =
    # 14,413,824 B, biases 2 x 2,944 + 3,072 = 8,960; FlashInfer CUTLASS both to 128 (2,944):
    # 3 x 2,944 x 2,944 x 17/32 = 13,813,248 B, biases 3 x 2,944 = 8,832. gpt-oss-20b: 24 x 32
    # experts.
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    result = plan(PlanRequest(model=_catalog_spec("openai/gpt-oss-20b"),
                              cluster=preset_cluster("h100-sxm", 1),
                              engine=EngineSettings(vllm_version=version,
                                                    moe_backend=moe_backend)))
    weights = next(t for t in result.terms if t.key == "weights")
    assert weights.inputs["experts_bytes"] == str(24 * 32 * (expert_bytes
                                                             + bias_elems * bias_bytes))


# gpt-oss-120b (config.json): 36 layers x 128 experts = 4,608 experts per GPU at any TP, each
# gate_up + down = 3 x hidden x width params at 4.25 bits (17/32 B). Padding adds, per GPU,
# 4,608 x 3 x (padded hidden x padded width - 2,880 x width) x 17/32 B, width = 2,880 / TP.
# vLLM pads per MoE kernel: triton_kernels rounds the width up to 64 (quantization/mxfp4.py
# create_weights `else` branch, 0.10.2-0.18.0 wheels; fused_moe/oracle/mxfp4.py
# mxfp4_round_up_hidden_size_and_intermediate_size, 0.19.0-0.33.0); FlashInfer's TRT-LLM MoE
# to 256 x 256 (0.10.1-0.26.0), 256 x 128 from 0.27.0; Marlin 256 x 128. The expert biases
# take the padding too (create_weights, 0.11.0 and 0.34.0 wheels: w13_bias 2 x padded width,
# w2_bias the padded hidden, whole on every rank), bf16 on Marlin: + 4,608 x (2 x width pad +
# hidden pad) x 2 B; float32 on triton_kernels and FlashInfer's TRT-LLM MoE
# (mxfp4.MXFP4_FP32_BIAS_KERNELS): + 4,608 x (padded x 4 - unpadded x 2) B, unpadded
# 2 x 2,880 / TP + 2,880.
@pytest.mark.parametrize(("gpu", "version", "tp", "extra_bytes"), [
    # H100 (9.0) on triton_kernels: TP=2 1,440 -> 1,472: 13,824 x 2,880 x 32 x 17/32
    # + biases 4,608 x ((2 x 1,472 + 2,880) x 4 - (2 x 1,440 + 2,880) x 2) = 4,608 x 11,776
    ("h100-sxm", "0.33.0", 2, 676_823_040 + 54_263_808),
    # TP=4 720 -> 768: 13,824 x 2,880 x 48 x 17/32 + 4,608 x (4,416 x 4 - 4,320 x 2)
    ("h100-sxm", "0.11.0", 4, 1_015_234_560 + 41_582_592),
    # TP=8 360 -> 384: 13,824 x 2,880 x 24 x 17/32 + 4,608 x (3,648 x 4 - 3,600 x 2)
    ("h100-sxm", "0.19.0", 8, 507_617_280 + 34_062_336),
    ("h100-sxm", "0.19.0", 1, 79_626_240),  # 2,880 = 45 x 64; biases 4,608 x 8,640 x 2
    # B300 (10.3): triton_kernels on 0.11-0.12 (FlashInfer on exactly 10.0 there)
    ("b300", "0.11.0", 2, 676_823_040 + 54_263_808),
    ("b300", "0.12.0", 2, 676_823_040 + 54_263_808),
    # FlashInfer on every 10.x from 0.13: 3,072 x 1,536: 13,824 x 571,392 x 17/32
    # + 4,608 x ((2 x 1,536 + 3,072) x 4 - 5,760 x 2)
    ("b300", "0.13.0", 2, 4_196_302_848 + 60_162_048),
    # B200 (10.0) FlashInfer 256 x 256 until 0.26: 3,072 x 3,072: 13,824 x 1,142,784 x 17/32
    # + 4,608 x (9,216 x 4 - 8,640 x 2)
    ("b200", "0.19.0", 1, 8_392_605_696 + 90_243_072),
    # 256 x 128 from 0.27: 3,072 x 2,944: 13,824 x 749,568 x 17/32 + 4,608 x (8,960 x 4
    # - 8,640 x 2)
    ("b200", "0.33.0", 1, 5_504_827_392 + 85_524_480),
    # RTX 5090 (12.0): triton_kernels on 0.11.x, Marlin from 0.12 (3,072 x 1,536)
    ("rtx-5090", "0.11.2", 2, 676_823_040 + 54_263_808),
    ("rtx-5090", "0.12.0", 2, 4_196_302_848 + 3_538_944),
])
def test_mxfp4_experts_padded_for_the_kernel_vllm_picks(gpu: str, version: str, tp: int,
                                                         extra_bytes: int) -> None:
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    spec = _catalog_spec("openai/gpt-oss-120b")
    layout = ParallelLayout(tp=tp)
    planned = plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, tp), layout=layout,
                               engine=EngineSettings(vllm_version=version, max_model_len=8192)))
    unpadded = max(w.total_bytes for w in rank_weights(spec, checkpoint_scheme(spec), layout,
                                                       served_dtype_bytes=2))
    assert planned.weights_bytes_per_gpu - unpadded == pytest.approx(extra_bytes, abs=64)


@pytest.mark.parametrize(("version", "extra_bytes"), [
    ("0.31.0", 5_504_827_392 + 2_949_120),  # OAI Triton MoE takes capability < 11.0: Marlin
    # Triton (< 13.0) ahead of Marlin on 11.x; 2,880 = 45 x 64: no padding, but the biases
    # in float32: 4,608 x 8,640 x 2 B more
    ("0.32.0", 79_626_240),
    ("0.33.0", 79_626_240),
    ("0.34.0", 5_504_827_392 + 2_949_120),  # Marlin ahead of Triton on 110 too: 3,072 x 2,944
])
def test_mxfp4_experts_on_sm110_triton_in_0_32_and_0_33_only(version: str,
                                                             extra_bytes: int) -> None:
    # fused_moe/oracle/mxfp4.py _get_priority_backends_for_gpt_oss: TRITON before MARLIN, moved
    # behind it on is_device_capability_family(120) in the 0.32.0 / 0.33.0 wheels and on
    # family 110 too in 0.34.0 ("Jetson Thor (SM110): MARLIN stays the default");
    # _triton_kernel_moe_supports_current_device: (9, 0) <= cap < (11, 0) in 0.31.0, < (13, 0)
    # from 0.32.0. gpt-oss-120b at TP=1 on an 11.0 GPU (custom: no preset is 11.x): Marlin pads
    # to 256 x 128, 4,608 experts x 3 x (3,072 x 2,944 - 2,880 x 2,880) x 17/32 B =
    # 13,824 x 749,568 x 17/32 = 5,504,827,392 B, and 2,949,120 B of padded biases (as on the
    # A100 above); Triton pads the width to 64, which 2,880 is.
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import ClusterSpec, NodeSpec, custom_gpu
    from planner.serving.plan import PlanRequest, plan

    thor = custom_gpu(128 * 1024**3, "NVIDIA Thor", compute_capability="11.0")
    cluster = ClusterSpec(nodes=(NodeSpec(gpu=thor, gpus_per_node=1, intra_node_link="pcie"),),
                          source="test")
    spec = _catalog_spec("openai/gpt-oss-120b")
    planned = plan(PlanRequest(model=spec, cluster=cluster,
                               engine=EngineSettings(vllm_version=version, max_model_len=8192)))
    unpadded = max(w.total_bytes for w in rank_weights(spec, checkpoint_scheme(spec),
                                                       ParallelLayout(), served_dtype_bytes=2))
    assert planned.weights_bytes_per_gpu - unpadded == pytest.approx(extra_bytes, abs=64)


def test_attention_biases_stay_16_bit_in_a_quantized_format():
    # vLLM's ColumnParallelLinear (QKVParallelLinear) and RowParallelLinear create `bias` in
    # params_dtype whatever the quant_method (linear.py, 0.33.0 wheel): GPTQ/AWQ/... keep the
    # q/k/v biases 16-bit. Qwen2.5-7B-Instruct (config.json): hidden 3,584, 28 heads and 4 KV
    # heads of 128, q/k/v biases, no o bias, 28 layers. Per layer: q, o 2 x 3,584 x 3,584 +
    # k, v 2 x 3,584 x 512 = 29,360,128 weights, 3,584 + 2 x 512 = 4,608 biases. GPTQ int4
    # g128 at 4 + 20 / 128 = 4.15625 bits: 28 x 29,360,128 x 4.15625 = 3,416,784,896 bits,
    # the biases 28 x 4,608 x 16 = 2,064,384 bits: 3,418,849,280 / 8 = 427,356,160 B (at the
    # quantized bits, as planned before: 427,165,144 B, 191,016 B less).
    spec = _catalog_spec("Qwen/Qwen2.5-7B-Instruct")
    gptq = what_if_scheme("w4a16-gptq-g128")
    assert weights_bytes(spec, gptq).attention_bytes == 427_356_160
    # TP 2: q and o split by heads, k/v by KV heads (2 of 4 each); biases 1,792 + 512 = 2,304
    # a rank: 28 x 14,680,064 x 4.15625 = 1,708,392,448 bits + 28 x 2,304 x 16 = 1,032,192
    # bits = 1,709,424,640 / 8 = 213,678,080 B
    assert rank_weights(spec, gptq, ParallelLayout(tp=2))[1].attention_bytes == 213_678_080
    # bf16: 28 x (29,360,128 + 4,608) x 2 B = 1,644,425,216, as before
    assert weights_bytes(spec, BF16).attention_bytes == 1_644_425_216


def test_qwen3_q_k_norms_stay_16_bit_in_gptq():
    # vLLM's Qwen3MoeAttention builds q_norm / k_norm as RMSNorm(head_dim), a plain parameter in
    # the model dtype (qwen3_moe.py, layers/layernorm.py; 0.19.0 and 0.33.0 wheels): no GPTQ
    # quant_method touches it. Qwen3-235B-A22B (the seed report's model): hidden 4,096, 64 heads
    # and 4 KV heads of 128, 94 layers. Per layer: q, o 2 x 4,096 x 8,192 + k, v 2 x 4,096 x
    # 512 = 71,303,168 weights and q_norm + k_norm 2 x 128 = 256. GPTQ int4 g128 at 4.15625 =
    # 133 / 32 bits, 133 / 256 B: 94 x 71,303,168 = 6,702,497,792 / 256 x 133 = 3,482,157,056 B,
    # the norms 94 x 256 = 24,064 x 2 B = 48,128 B: 3,482,205,184 (at the quantized bits, as
    # planned before: 24,064 x 133 / 256 = 12,502 B, 3,482,169,558 in all, 35,626 B less).
    spec = _catalog_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    own = checkpoint_scheme(spec)
    assert own.key == "w4a16-gptq-g128"
    assert weights_bytes(spec, own).attention_bytes == 3_482_205_184
    # TP 8 (the seed report's EP layout): q, o / 8 = 8,388,608, k, v one of 4 KV heads each =
    # 1,048,576: 94 x 9,437,184 = 887,095,296 / 256 x 133 = 460,873,728 B; the norms whole on
    # every rank, 48,128 B: 460,921,856 B a GPU (35,626 B more than 460,886,230 before, the KV
    # pool's 35,626 B less in docs/examples/seed-8x3090-qwen3-235b-w4a16.md)
    rank = rank_weights(spec, own, ParallelLayout(tp=8, ep=True))[0]
    assert rank.attention_bytes == 460_921_856


def test_qwen3_next_gdn_norm_and_shared_expert_gate_whole_on_every_rank(ref_config):
    # vLLM builds Gated DeltaNet's gated norm as RMSNormGated(head_v_dim) and the MoE block's
    # shared_expert_gate as nn.Linear / ReplicatedLinear(hidden, 1, quant_config=None): both
    # whole on every TP rank, in the model dtype in any scheme (weights._attention_per_rank,
    # weights._shared_expert_gate). Qwen3-Next-80B-A3B-Instruct (config.json): hidden 2,048,
    # 48 layers, every 4th full attention (12), the other 36 Gated DeltaNet with 16 key heads
    # and 32 value heads of 128, kernel 4; full attention 16 heads and 2 KV heads of 256 with
    # the output gate; every layer MoE with a 512-wide shared expert.
    # GDN layer: in_proj 2,048 x (2 x 2,048 + 2 x 4,096 + 2 x 32) = 25,296,896, conv1d
    # (2 x 2,048 + 4,096) x 4 = 32,768, dt_bias + A_log 64, norm 128, out_proj 4,096 x 2,048 =
    # 8,388,608: 33,718,464. TP 4: (33,718,464 - 128) / 4 + 128 = 8,429,712 a rank.
    # Full attention: q 2,048 x 8,192 + k, v 2,048 x 512 each + o 4,096 x 2,048 = 27,262,976
    # and q/k norms 2 x 256 whole; TP 4: k, v one of the 2 KV heads each, 1,048,576; q, o
    # 25,165,824 / 4 = 6,291,456; + 512: 7,340,544 a rank.
    spec = spec_of(ref_config, "Qwen__Qwen3-Next-80B-A3B-Instruct")
    rank = rank_weights(spec, BF16, ParallelLayout(tp=4))[0]
    # bf16: 36 x 8,429,712 x 2 + 12 x 7,340,544 x 2 = 606,939,264 + 176,173,056 = 783,112,320
    # (the norm split before: 36 x 96 x 2 = 6,912 B less)
    assert rank.attention_bytes == 783_112_320
    # shared expert: gate/up/down 3 x 2,048 x 512 / 4 = 786,432 + the gate 2,048 whole:
    # 48 x 788,480 x 2 = 75,694,080 (the gate split before: 48 x 1,536 x 2 = 147,456 B less)
    assert rank.shared_experts_bytes == 75_694_080
    fp8 = rank_weights(spec, scheme("fp8-tensor"), ParallelLayout(tp=4))[0]
    # FP8, kept 16-bit per GDN layer: conv1d 8,192 + dt_bias and A_log 16 + norm 128 = 8,336:
    # (8,429,712 - 8,336) x 1 + 8,336 x 2 = 8,438,048; per attention layer the q/k norms 512:
    # 7,340,032 + 1,024 = 7,341,056. 36 x 8,438,048 + 12 x 7,341,056 = 391,862,400.
    assert fp8.attention_bytes == 391_862_400
    # the shared expert 786,432 x 1 B + the gate 2,048 x 2 B = 790,528; x 48 = 37,945,344
    # (at FP8's byte before: 48 x 786,944 = 37,773,312)
    assert fp8.shared_experts_bytes == 37_945_344


def test_dense_mlp_down_bias_whole_on_every_rank_and_16_bit():
    # vLLM's RowParallelLinear (Phi's fc2, Llama's down_proj with mlp_bias) creates its bias
    # whole on every rank, the column-parallel fc1 / gate_up bias split; both in params_dtype
    # whatever the quant_method (weights._dense_mlp_per_rank). microsoft/phi-2 (config.json):
    # hidden 2,560, fc1 2,560 -> 10,240 and fc2 10,240 -> 2,560 with biases, 32 layers,
    # float16. Per layer 2 x 2,560 x 10,240 = 52,428,800 weights + 10,240 + 2,560 biases.
    spec = _catalog_spec("microsoft/phi-2")
    # TP 2: weights 26,214,400, fc1 bias 5,120, fc2 bias 2,560: 26,222,080 x 2 B x 32 =
    # 1,678,213,120 (fc2's bias split before: 32 x 1,280 x 2 = 81,920 B less)
    assert rank_weights(spec, BF16, ParallelLayout(tp=2))[0].dense_mlp_bytes == 1_678_213_120
    # GPTQ int4 g128 (133 / 256 B a weight): 26,214,400 x 133 / 256 = 13,619,200 + biases
    # (5,120 + 2,560) x 2 B = 15,360: 13,634,560 x 32 = 436,305,920
    gptq = what_if_scheme("w4a16-gptq-g128")
    assert rank_weights(spec, gptq, ParallelLayout(tp=2))[0].dense_mlp_bytes == 436_305_920
    # TP 1, whole checkpoint: 52,428,800 x 133 / 256 = 27,238,400 + 12,800 x 2 = 27,264,000
    # x 32 = 872,448,000
    assert weights_bytes(spec, gptq).dense_mlp_bytes == 872_448_000


def _one_layer(mixer: object) -> ModelSpec:
    """make_spec's 1-layer model (hidden 64) with `mixer` as its token mixer."""
    spec = make_spec(layers=1)
    return spec.model_copy(update={"layers": (spec.layers[0].model_copy(
        update={"mixer": mixer}),)})


_MLA_INDEXER = MlaMixer(num_heads=4, q_lora_rank=32, kv_lora_rank=16, qk_nope_head_dim=8,
                        qk_rope_head_dim=4, v_head_dim=8, index_n_heads=2, index_head_dim=8)


@pytest.mark.parametrize(("mixer", "fp8_bytes", "fp8_tp2_bytes", "params"), [
    # make_spec's attention (hidden 64, 4 heads and 2 KV heads of 16): 12,288 weights, q_norm +
    # k_norm 2 x 16 = 32 (whole on every rank), sinks one per head, 4 (2 a rank at TP 2).
    # FP8 (8 bits): 12,288 x 1 B + 36 x 2 B = 12,360; TP 2: 6,144 + (32 + 2) x 2 = 6,212.
    (AttentionMixer(num_heads=4, num_kv_heads=2, head_dim=16, v_head_dim=16, qk_norm=True,
                    sinks=True), 12_360, 6_212, 12_324),
    # per-layer q/k norms (MiniMax-M2): (4 + 2) x 16 = 96, split over TP as the heads:
    # 12,288 + 96 x 2 = 12,480; TP 2: 6,144 + 48 x 2 = 6,240.
    (AttentionMixer(num_heads=4, num_kv_heads=2, head_dim=16, v_head_dim=16, qk_norm=True,
                    qk_norm_per_layer=True), 12_480, 6_240, 12_384),
    # the same norms whole on every rank (OLMo 2, OLMoE): TP 2: 6,144 + 96 x 2 = 6,336.
    (AttentionMixer(num_heads=4, num_kv_heads=2, head_dim=16, v_head_dim=16, qk_norm=True,
                    qk_norm_per_layer=True, qk_norm_whole=True), 12_480, 6_336, 12_384),
    # MLA (test_mla_latent_projections_are_replicated's, 7,984) with a 2-head x 8 indexer: wq_b
    # 32 x 16 = 512, wk 64 x 8 = 512, k_norm weight + bias 16, weights_proj 64 x 2 = 128: 9,152.
    # Kept 16-bit: q_a_layernorm 32 + kv_a_layernorm 16 + k_norm 16 + weights_proj 128 = 192:
    # 8,960 + 192 x 2 = 9,344. TP 2: q_b, kv_b, o 4,608 / 2 split, the rest replicated: 6,848
    # params, 6,656 + 192 x 2 = 7,040. A GPU also holds the 16-bit copy of the FP8 kv_b
    # (W_UK_T / W_UV, test_quantized_mla_holds_a_16_bit_copy_of_kv_b), the checkpoint not:
    # 16 x 4 x (8 + 8) / 2 = 512 params, 1,024 B a rank at TP 2, and from vLLM 0.20 the
    # indexer's wk (64 x 8 = 512) in 16 bits, 512 B more: 8,576.
    (_MLA_INDEXER, 9_344, 8_576, 9_152),
    # Gated DeltaNet, 2 key heads and 4 value heads of 8, kernel 4: in_proj 64 x (2 x 16 +
    # 2 x 32 + 2 x 4) = 6,656, conv1d (2 x 16 + 32) x 4 = 256, dt_bias + A_log 8, norm 8,
    # out_proj 32 x 64 = 2,048: 8,976. Kept: 256 + 8 + 8 = 272: 8,704 + 544 = 9,248. TP 2: all
    # but the norm halve, the norm (one head's 8) whole on every rank: 4,484 + 8 = 4,492 params,
    # kept 132 + 8 = 140: 4,352 + 280 = 4,632 (4,624 with the norm split, before).
    (LinearAttentionMixer(num_key_heads=2, num_value_heads=4, key_head_dim=8, value_head_dim=8,
                          conv_kernel_dim=4), 9_248, 4_632, 8_976),
    # Mamba2, 4 heads of 8, 1 group of state 8, kernel 4: d_inner 32, conv_dim 32 + 16 = 48;
    # in_proj 64 x (64 + 16 + 4) = 5,376, conv1d 48 x (4 + 1 bias) = 240, A, D, dt_bias 12, norm
    # 32, out_proj 32 x 64 = 2,048: 7,708. Kept: 240 + 12 + 32 = 284: 7,424 + 568 = 7,992. TP 2:
    # MambaMixer2 replicates the one group (2 groups, then split): in_proj (64 + 2 x 2 x 8 + 4)
    # / 2 = 50 x 64 = 3,200, out_proj 1,024; kept conv1d (32 + 32) / 2 x 5 = 160, A, D, dt_bias
    # 6, norm 16: 4,224 + 182 x 2 = 4,588 (3,996, half, with the group split, before).
    (MambaMixer(num_heads=4, head_dim=8, state_size=8, n_groups=1, conv_kernel=4), 7_992,
     4_588, 7_708),
])
def test_mixer_norms_sinks_and_unquantized_tensors_stay_16_bit(mixer, fp8_bytes, fp8_tp2_bytes,
                                                               params):
    # vLLM builds these in the model dtype whatever the quantization (weights.py
    # _attention_kept_per_rank's NOTE): RMSNorm / LayerNorm weights, gpt-oss sinks, the
    # indexer's weights_proj and the conv1d of GDN and Mamba2 (no quant_config), dt_bias, A_log,
    # D. Before, all of them were charged at the scheme's bits (FP8: `params` x 1 B).
    spec = _one_layer(mixer)
    fp8 = scheme("fp8-tensor")
    assert weights_bytes(spec, fp8).attention_bytes == fp8_bytes
    assert rank_weights(spec, fp8, ParallelLayout(tp=2))[0].attention_bytes == fp8_tp2_bytes
    assert weights_bytes(spec, BF16).attention_bytes == params * 2  # 16-bit: unchanged


def test_nemotron3_latent_projections_are_whole_on_every_rank(ref_config):
    """nemotron_h.py NemotronHMoE builds fc1_latent_proj / fc2_latent_proj as ReplicatedLinear
    (0.14.0-0.33.0): whole on every TP rank, where the shared expert is split. They were
    split over TP with it (587,202,560 B per GPU short at TP 8)."""
    spec = spec_of(ref_config, "nvidia__NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    rank = rank_weights(spec, BF16, ParallelLayout(tp=8))[0]
    # per MoE layer (40 of them, hidden 4,096): the relu2 shared expert up + down,
    # 2 x 4,096 x 5,376 = 44,040,192 / 8 = 5,505,024, and the latent projections
    # 2 x 4,096 x 1,024 = 8,388,608 whole: 13,893,632 x 2 B x 40 = 1,111,490,560 B
    assert rank.shared_experts_bytes == 1_111_490_560
    # mlp_bias true: fc1's bias (1,024) and fc2's (4,096) on each, whole and 16-bit:
    # 40 x 5,120 x 2 B = 409,600 B more
    config, quant = ref_config("nvidia__NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    biased = parse_model_config(config | {"mlp_bias": True}, quant, name="x")
    rank = rank_weights(biased, BF16, ParallelLayout(tp=8))[0]
    assert rank.shared_experts_bytes == 1_111_490_560 + 409_600
    # vLLM passes the value to the layers' bias=: "x" was accepted without a word
    with pytest.raises(ConfigError, match="mlp_bias must be true or false, got 'x'"):
        parse_model_config(config | {"mlp_bias": "x"}, quant, name="x")


def test_nemotron3_latent_fc1_is_split_over_tp_on_0_13(ref_config):
    """The 0.13.0 wheel's NemotronHMoE builds fc1_latent_proj as a ColumnParallelLinear (split
    over TP) and fc2_latent_proj as a ReplicatedLinear (vllm_versions.LATENT_FC1_WHOLE_FROM);
    0.14.0 on, both whole. Releases before 0.13.0 have no latent MoE (LATENT_MOE_FROM)."""
    config, quant = ref_config("nvidia__NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    spec = spec_of(ref_config, "nvidia__NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    split = WeightLoadRules(latent_fc1_split=True)
    rank = rank_weights(spec, BF16, ParallelLayout(tp=8), rules=split)[0]
    # per MoE layer: the shared expert 5,505,024 (as above), fc1 4,096 x 1,024 / 8 = 524,288,
    # fc2 1,024 x 4,096 = 4,194,304 whole: 10,223,616 x 2 B x 40 = 817,889,280 B
    # (1,111,490,560 - 40 x 4,194,304 x 7/8 x 2 B = 1,111,490,560 - 293,601,280)
    assert rank.shared_experts_bytes == 817_889_280
    # with mlp_bias: fc1's 1,024-wide bias split (128 a rank), fc2's 4,096 whole, 16-bit:
    # 40 x (128 + 4,096) x 2 B = 337,920 B more
    biased = parse_model_config(config | {"mlp_bias": True}, quant, name="x")
    rank = rank_weights(biased, BF16, ParallelLayout(tp=8), rules=split)[0]
    assert rank.shared_experts_bytes == 817_889_280 + 337_920
    assert weight_load.latent_fc1_split((0, 13, 0)) and not weight_load.latent_fc1_split((0, 14, 0))
    # the plan on 8 H100s: 0.13.0 holds 40 x 4,096 x 1,024 x 7/8 x 2 B = 293,601,280 B less per
    # GPU than 0.14.0 (nothing else in this model's weights differs between the two)
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    def planned(release: str):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 8),
                                layout=ParallelLayout(tp=8),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release)))
    assert (planned("0.14.0").weights_bytes_per_gpu - planned("0.13.0").weights_bytes_per_gpu
            == 293_601_280)
    assert not planned("0.12.0").fits
    assert model_config.nemotron_h_moe_errors(spec, (0, 13, 0)) == []
    assert model_config.nemotron_h_moe_errors(spec, (0, 12, 0)) == [
        "vLLM 0.12.0's nemotron_h.py NemotronHMoE has no latent MoE: it reads no "
        "moe_latent_size, builds no fc1_latent_proj / fc2_latent_proj and sizes the routed "
        "experts 4,096 wide, not 1,024, so this checkpoint's MoE tensors do not load (latent "
        "MoE from vLLM 0.13.0)."]


@pytest.mark.parametrize("extra", [
    {"model_type": "olmo2"},
    {"model_type": "olmo3"},
    {"model_type": "olmoe", "num_experts": 4, "num_experts_per_tok": 2},
])
def test_olmo_qk_norms_span_the_projections_whole_on_every_rank(extra):
    """olmo2.py Olmo2Attention (OLMo 2, and OLMo 3 to 0.25.0) / olmoe.py OlmoeAttention: q_norm
    over all heads x head_dim, k_norm over all KV heads x head_dim, whole on every TP rank (q
    and k all-gathered before them: families.WHOLE_QK_NORM_TYPES). They were one head_dim each,
    as Qwen3's (and none for OLMo 3, read as an unknown type)."""
    config = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100,
              "torch_dtype": "bfloat16", **extra}
    spec = parse_model_config(config, name="x")
    # head_dim 64 / 4 = 16. A layer: q 64 x 64 = 4,096, k and v 64 x 32 = 2,048 each, o 4,096,
    # q_norm 64 + k_norm 2 x 16 = 32: 12,384 (was 12,288 + 2 x 16 = 12,320).
    # TP 2: q and o halve, 4,096; k and v one of the 2 KV heads, 2,048; norms whole, 96:
    # 6,240 a layer x 2 layers x 2 B = 24,960 B (was 6,176: 24,704).
    assert weights_bytes(spec, BF16).attention_bytes == 2 * 12_384 * 2
    assert rank_weights(spec, BF16, ParallelLayout(tp=2))[0].attention_bytes == 24_960


def test_an_mtp_draft_layer_holds_its_gate_and_indexer_wk_as_the_model_does():
    # The MTP draft's decoder layer is the model's own class (nemotron_h_mtp.py builds a
    # NemotronHMoEDecoderLayer, its gate a GateLinear(force_fp32_compute=True); deepseek_mtp.py
    # a DeepseekV2DecoderLayer with the quant_config, whose Indexer wk takes it in 0.19.0), so
    # it holds them as the model's layers do on that release and GPU. Nemotron-3-Super FP8,
    # TP 4, one draft layer: a float32 gate holds (4,096 x 512 + 512 bias) x 2 B = 4,195,328 B
    # more than a bf16 one. DeepSeek-V3.2 FP8, TP 8: a quantized wk (FP8, block 128 x 128:
    # 8.001953125 bits) 7,168 x 128 x (16 - 8.001953125) / 8 = 917,280 B less than a 16-bit one.
    super_fp8 = _catalog_spec("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8")
    fp32, bf16 = (rank_weights(super_fp8, checkpoint_scheme(super_fp8), ParallelLayout(tp=4),
                               mtp_layers=1, rules=WeightLoadRules(gate_fp32=flag))[0].mtp_bytes
                  for flag in (True, False))
    assert fp32 - bf16 == (4096 * 512 + 512) * 2
    v32 = _catalog_spec("deepseek-ai/DeepSeek-V3.2")
    quantized, kept = (rank_weights(v32, checkpoint_scheme(v32), ParallelLayout(tp=8),
                                    mtp_layers=1,
                                    rules=WeightLoadRules(indexer_wk_quantized=flag))[0].mtp_bytes
                       for flag in (True, False))
    assert kept - quantized == 7168 * 128 * (16 - 8.001953125) / 8


def _counted_terms(monkeypatch) -> list[range]:
    """The layers of each weights._terms call from now on (a stand-in that records them)."""
    import planner.serving.weights as weights_module

    calls: list[range] = []
    real = weights_module._terms

    def counting(*args):
        calls.append(args[-1].layers)
        return real(*args)

    monkeypatch.setattr(weights_module, "_terms", counting)
    return calls


def test_deep_pp_works_out_each_kind_of_stage_once(monkeypatch) -> None:
    # Llama 3.1 405B's 126 layers are alike, so at PP 126 (one layer a stage) there are three
    # kinds of stage: the first (embeddings), the 124 between and the last (final norm,
    # lm_head); each is summed once, not 126 times, and the stages between share one object
    calls = _counted_terms(monkeypatch)
    spec = _catalog_spec("meta-llama/Meta-Llama-3.1-405B")
    ranks = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout(tp=1, pp=126))
    assert calls == [range(0, 1), range(1, 2), range(125, 126)]
    assert len(ranks) == 126 and len({id(r) for r in ranks[1:125]}) == 1
    assert ranks[0].embeddings_bytes > 0 == ranks[1].embeddings_bytes
    assert ranks[125].lm_head_bytes > 0 == ranks[124].lm_head_bytes


def test_alike_stages_of_other_layouts_are_worked_out_once(monkeypatch) -> None:
    # Llama 3.1 405B at TP 1: PP 126 has three kinds of one-layer stage (first, between,
    # last); PP 125 splits 126 layers as 1, ..., 1, 2, 1 (vLLM get_pp_indices: the one left
    # over goes to the stage before the last), so only its two-layer stage is a new kind: one
    # _terms, where every call worked its own kinds out (four). The same objects come back.
    calls = _counted_terms(monkeypatch)
    spec = _catalog_spec("meta-llama/Meta-Llama-3.1-405B").model_copy()  # a fresh identity
    scheme, params = checkpoint_scheme(spec), count_params(spec)
    deep = rank_weights(spec, scheme, ParallelLayout(tp=1, pp=126), params)
    assert calls == [range(0, 1), range(1, 2), range(125, 126)]
    calls.clear()
    other = rank_weights(spec, scheme, ParallelLayout(tp=1, pp=125), params)
    assert calls == [range(123, 125)]
    assert other[0] is deep[0] and other[1] is deep[1] and other[124] is deep[125]
    assert other[123].norms_bytes == 2 * other[122].norms_bytes


@pytest.mark.parametrize("repo", ["openai/gpt-oss-20b", "Qwen/Qwen3-Next-80B-A3B-Instruct",
                                  "deepseek-ai/DeepSeek-V3", "google/gemma-3-27b-it"])
def test_layers_of_one_kind_sum_as_each_layer_on_its_own(repo: str) -> None:
    # a shard that carries the layers' kinds (as rank_weights' do) works each kind's figures
    # out once: the terms are those of a shard without them, whose layers are each their own
    # (gpt-oss: expert biases; Qwen3-Next: Gated DeltaNet and attention layers; DeepSeek-V3:
    # dense then MoE layers; Gemma 3: sliding and full layers)
    spec = _catalog_spec(repo)
    own, params = checkpoint_scheme(spec), count_params(spec)
    kinds = layer_kinds(spec, own, params)
    assert len(set(kinds)) > 1
    shard = _Shard(range(1, spec.num_layers), tp=2, ep_size=2, ep_rank=1, first_stage=False)
    bits = _scheme_bits(spec, own)
    assert _terms(spec, bits, params, replace(shard, kinds=kinds)) == _terms(spec, bits, params,
                                                                            shard)
