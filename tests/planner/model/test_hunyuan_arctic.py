"""HunYuan (hunyuan_v1_moe / hunyuan_v1_dense / Tencent's "hunyuan") and Snowflake Arctic planned
as vLLM builds them: HunYuan's shared MLP and per-layer lists, Arctic's dense layers and
residual MLP, each counted by hand from vLLM's model files (0.28.0 wheel: hunyuan_v1.py,
arctic.py; Arctic is deprecated, not served, from 0.29.0).

A13B is Hunyuan-A13B's architecture keys as Tencent's GitHub repository gives them
(models/config.json, read at the public fork tianyu1412/Hunyuan-A13B, commit df832eb: model_type
"hunyuan"; its vision keys left out): not a verbatim copy of the Hugging Face hub file, whose
revision may differ. Its published "80B total, 13B active" is a check on the count, not its
source. No Arctic config.json was found verbatim (and no safetensors index for either model):
the Arctic figures are hand-made configs worked by hand.
"""

import pytest

from planner.model.attention import kv_bytes_per_token
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.quant import what_if_scheme
from planner.model.spec import ConfigError, DenseMlp, MoeMlp
from planner.serving.hardware import GPU_PRESETS
from planner.serving.layout import ParallelLayout
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights, weights_bytes

A13B = {
    "architectures": ["HunYuanMoEV1ForCausalLM"], "model_type": "hunyuan",
    "attention_bias": False, "attention_head_dim": 128, "cla_share_factor": 2,
    "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 3072,
    "max_position_embeddings": 32768, "mlp_bias": False, "moe_intermediate_size": [3072] * 32,
    "moe_layer_num_skipped": 0, "moe_topk": [8] * 32, "norm_topk_prob": True,
    "num_attention_heads": 32, "num_experts": 64, "num_hidden_layers": 32,
    "num_key_value_heads": 8, "num_shared_expert": [1] * 32, "org_vocab_size": 128167,
    "rms_norm_eps": 1e-05, "rope_scaling": {"alpha": 1000.0, "beta_fast": 32, "beta_slow": 1,
                                            "factor": 1.0, "mscale": 1.0,
                                            "mscale_all_dim": 1.0, "type": "dynamic"},
    "rope_theta": 10000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
    "use_cla": False, "use_mixed_mlp_moe": True, "use_qk_norm": True, "vocab_size": 128167,
}  # fmt: skip

SMALL = {
    "architectures": ["HunYuanMoEV1ForCausalLM"], "model_type": "hunyuan_v1_moe",
    "torch_dtype": "bfloat16", "hidden_act": "silu", "hidden_size": 64, "head_dim": 16,
    "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 4096,
    "tie_word_embeddings": True, "num_experts": 4, "moe_topk": [1, 2],
    "moe_intermediate_size": [32, 48], "use_mixed_mlp_moe": True, "num_shared_expert": [1, 2],
    "use_qk_norm": True,
}  # fmt: skip

ARCTIC = {
    "architectures": ["ArcticForCausalLM"], "model_type": "arctic", "torch_dtype": "bfloat16",
    "hidden_act": "silu", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000,
    "max_position_embeddings": 4096, "tie_word_embeddings": False, "num_local_experts": 8,
    "num_experts_per_tok": 2, "moe_layer_frequency": 2, "use_residual": True,
}  # fmt: skip


def _flagged(spec) -> list[str]:
    return [w for w in spec.warnings if "not a known architecture" in w
            or "not understood" in w or "HunYuan" in w or "use_cla" in w]


@pytest.mark.parametrize("model_type", ["hunyuan", "hunyuan_v1_moe"])
def test_a13b_total_active_and_kv_by_hand(model_type):
    spec = parse_model_config(A13B | {"model_type": model_type}, name="x")
    assert _flagged(spec) == [] and spec.unmodelled == ()
    # embeddings 128,167 x 4,096 = 524,972,032 (tied). A layer: attention q, o 4,096 x 4,096
    # each + k, v 4,096 x 1,024 each = 41,943,040, q/k norms 2 x 128 = 256; norms 2 x 4,096 =
    # 8,192; router 4,096 x 64 = 262,144; an expert 3 x 4,096 x 3,072 = 37,748,736, x 64 =
    # 2,415,919,104; shared_mlp (intermediate_size 3,072 x num_shared_expert 1) 37,748,736:
    # 2,495,881,472 x 32 = 79,868,207,104, + embeddings + final norm 4,096 = 80,393,183,232
    # (the published "80B"). Active: 56 of 64 experts idle, 56 x 37,748,736 x 32 =
    # 67,645,734,912 less: 12,747,448,320 (the published "13B active")
    params = count_params(spec)
    assert params.total == 80_393_183_232
    assert params.active == 12_747_448_320
    # KV: 32 layers x (K + V) x 8 KV heads x 128 x 2 B = 131,072 B a token
    assert kv_bytes_per_token(spec, 2) == 131_072


def test_small_per_layer_lists_and_shared_mlp_by_hand():
    spec = parse_model_config(SMALL, name="x")
    # vLLM's Transformers backend (0.29 on) builds every shared MLP of intermediate_size: the
    # second layer's num_shared_expert 2 differs, flagged
    assert spec.unmodelled == ("HunYuan on vLLM's Transformers backend (0.29 on)",)
    first, second = (layer.mlp for layer in spec.layers)
    # moe_topk, moe_intermediate_size, num_shared_expert read [layer_id]; the shared MLP is
    # intermediate_size x num_shared_expert: 96 and 192
    assert (first.experts_per_token, first.expert_intermediate_size,
            first.shared_intermediate_size) == (1, 32, 96)
    assert (second.experts_per_token, second.expert_intermediate_size,
            second.shared_intermediate_size) == (2, 48, 192)
    assert not first.renormalize and second.renormalize  # renormalize=top_k > 1
    assert not first.shared_expert_gate and not first.router_bias
    # embeddings 1,000 x 64 = 64,000 (tied). Attention 64 x 64 x 2 + 64 x 32 x 2 = 12,288 +
    # q/k norms 32 = 12,320 x 2 = 24,640; norms 2 x 64 x 2 + 64 = 320; routers 64 x 4 x 2 =
    # 512. Layer 0: experts 4 x 3 x 64 x 32 = 24,576, shared 3 x 64 x 96 = 18,432; layer 1:
    # experts 4 x 3 x 64 x 48 = 36,864, shared 3 x 64 x 192 = 36,864. Total 206,208; active:
    # 3 idle experts of 6,144 and 2 of 9,216 less: 206,208 - 36,864 = 169,344
    params = count_params(spec)
    assert params.total == 206_208
    assert params.active == 169_344


def test_small_without_mixed_mlp_has_no_shared_mlp():
    # `use_mixed_mlp_moe > 0` builds it: 18,432 + 36,864 = 55,296 fewer. vLLM's Transformers
    # backend (0.29 on) builds one whatever the key says: flagged
    for unmixed in (False, 0):
        spec = parse_model_config(SMALL | {"use_mixed_mlp_moe": unmixed}, name="x")
        assert count_params(spec).total == 206_208 - 55_296
        assert spec.unmodelled == ("HunYuan on vLLM's Transformers backend (0.29 on)",)


def test_one_expert_is_a_dense_layer_with_mlp_bias():
    # _is_moe: num_experts 1 builds HunYuanMLP(intermediate_size, bias=mlp_bias): 3 x 64 x 96
    # + biases 96 + 96 + 64 = 18,688 a layer, no router
    spec = parse_model_config(SMALL | {"num_experts": 1, "mlp_bias": True}, name="x")
    assert all(layer.mlp == DenseMlp(intermediate_size=96, bias=True) for layer in spec.layers)
    assert count_params(spec).total == 64_000 + 24_640 + 320 + 2 * 18_688


def test_attention_bias_from_bias_key():
    # hunyuan_v1.py: `attention_bias or bias` on q/k/v and o: 64 + 32 + 32 + 64 = 192 a layer
    spec = parse_model_config(SMALL | {"bias": True}, name="x")
    assert count_params(spec).total == 206_208 + 2 * 192


def test_cross_layer_attention_is_flagged_not_planned():
    alike = SMALL | {"num_shared_expert": 1}  # as the Transformers backend builds it
    spec = parse_model_config(alike | {"use_cla": True, "cla_share_factor": 2}, name="x")
    assert spec.unmodelled == ("HunYuan cross-layer attention (use_cla)",)
    for off in ({"use_cla": False, "cla_share_factor": 2}, {"use_cla": True}):
        assert parse_model_config(alike | off, name="x").unmodelled == ()


def test_a_short_per_layer_list_is_refused():
    with pytest.raises(ConfigError, match=r"moe_topk has 1 entries: vLLM reads entry 1"):
        parse_model_config(SMALL | {"moe_topk": [2]}, name="x")


def test_arctic_dense_moe_and_residual_layers_by_hand():
    spec = parse_model_config(ARCTIC, name="x")
    assert _flagged(spec) == [] and spec.unmodelled == ()
    # (i + 1) % moe_layer_frequency 2 == 0: layers 1 and 3 MoE, with use_residual a residual
    # ArcticMLP of hidden_size and its residual_layernorm; 0 and 2 dense ArcticMLP
    kinds = [type(layer.mlp) for layer in spec.layers]
    assert kinds == [DenseMlp, MoeMlp, DenseMlp, MoeMlp]
    assert [layer.num_norms for layer in spec.layers] == [2, 3, 2, 3]
    moe = spec.layers[1].mlp
    assert (moe.expert_intermediate_size, moe.shared_intermediate_size) == (96, 64)
    assert moe.renormalize and not moe.router_bias
    # embeddings + lm_head 2 x 1,000 x 64 = 128,000. Attention (head_dim 64 / 4 = 16) 64 x 64
    # x 2 + 64 x 32 x 2 = 12,288 x 4 = 49,152. Norms 2 x 2 x 64 + 2 x 3 x 64 + 64 = 704.
    # Dense 3 x 64 x 96 = 18,432 x 2 = 36,864; experts 8 x 18,432 x 2 = 294,912; routers 64 x
    # 8 x 2 = 1,024; residual MLPs 3 x 64 x 64 x 2 = 24,576. Total 535,232; active: 6 idle
    # experts x 18,432 x 2 = 221,184 less: 314,048
    params = count_params(spec)
    assert params.total == 535_232
    assert params.active == 314_048
    # KV: 4 layers x (K + V) x 2 KV heads x 16 x 2 B = 512 B a token
    assert kv_bytes_per_token(spec, 2) == 512


def test_arctic_head_dim_is_hidden_over_heads_and_frequency_defaults_to_two():
    # ArcticAttention: head_dim = hidden_size // num_attention_heads, a config head_dim unread
    spec = parse_model_config(ARCTIC | {"head_dim": 8}, name="x")
    assert spec.layers[0].mixer.head_dim == 16
    unset = parse_model_config({k: v for k, v in ARCTIC.items() if k != "moe_layer_frequency"},
                               name="x")
    assert [isinstance(layer.mlp, MoeMlp) for layer in unset.layers] == [False, True] * 2
    assert any("moe_layer_frequency missing: assumed 2" in a for a in unset.assumptions)


def test_arctic_without_residual():
    # use_residual false: no residual MLP nor norm: 24,576 + 2 x 64 fewer
    spec = parse_model_config(ARCTIC | {"use_residual": False}, name="x")
    assert count_params(spec).total == 535_232 - 24_576 - 128
    assert [layer.num_norms for layer in spec.layers] == [2] * 4


def test_arctic_experts_stay_16bit_under_quantization():
    # arctic.py ArcticMoE: ws / w2s are plain parameters in the model dtype, no quant method:
    # an FP8 plan quantizes the dense and residual MLPs but not the 294,912 expert weights:
    # those stay 2 B each, the 36,864 dense and 24,576 residual MLP weights take fp8-tensor's
    # 8 bits (1 B) each, as do the 49,152 attention weights
    spec = parse_model_config(ARCTIC, name="x")
    terms = weights_bytes(spec, what_if_scheme("fp8-tensor"))
    assert terms.experts_bytes == 294_912 * 2
    assert terms.dense_mlp_bytes == 36_864
    assert terms.shared_experts_bytes == 24_576
    assert terms.attention_bytes == 49_152


@pytest.mark.parametrize("version", [(0, 9, 0), (0, 28, 0)])
def test_arctic_router_quantized_by_online_fp8(version):
    # arctic.py ArcticMoE builds `self.gate = ReplicatedLinear(hidden, num_experts, ...,
    # quant_config=quant_config)` in every wheel that serves it (0.9.0-0.28.0), and Fp8Config
    # quantizes it (router_dtype.GATE_QUANT_CONFIG_SPANS): 2 MoE layers x 64 x 8 x 1 B = 1,024 B
    # (the 16-bit figure was 2,048)
    spec = parse_model_config(ARCTIC, name="x")
    scheme = what_if_scheme("fp8-tensor")
    rules = weight_load_rules(spec, scheme, None, version, GPU_PRESETS["h100-sxm"])
    assert rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].router_bytes == 1_024
