"""Which linears carry biases, per architecture, as vLLM's model files build them
(attention._attention_biases, mlp.mlp_bias, Phi's lm_head bias), and where those biases sit
on a TP rank (weights._terms, _attention_per_rank, _dense_mlp_per_rank)."""

import math

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.quant import SCHEMES, what_if_scheme
from planner.model.spec import ConfigError
from planner.serving.layout import ParallelLayout
from planner.serving.weights import rank_weights, weights_bytes
from tests.conftest import load_ref_config


def _total(config: dict) -> int:
    return count_params(parse_model_config(config)).total


def _config(name: str) -> dict:
    """A reference config.json (tests/fixtures/configs), or by repo id the catalog's copy."""
    if "/" in name:
        return catalog_entry(name).config
    return load_ref_config(name)[0]


@pytest.mark.parametrize(("name", "change", "added"), [
    # qwen3.py / minimax_m2.py: attention_bias puts a bias on qkv_proj only (o_proj
    # bias=False). Qwen3-8B: q 32 x 128 = 4,096, k and v 8 x 128 = 1,024 each: 6,144 a layer
    # x 36 = 221,184 (o's 4,096 x 36 = 147,456 were counted too before).
    ("Qwen__Qwen3-8B", {"attention_bias": True}, 221_184),
    # MiniMax-M2.5: q 48 x 128 = 6,144 + k, v 8 x 128 each = 8,192 a layer x 62 = 507,904
    ("MiniMaxAI__MiniMax-M2.5", {"attention_bias": True}, 507_904),
    # qwen3_next.py Qwen3NextAttention reads qkv_bias, not attention_bias. Qwen3-Next-80B:
    # 48 / 4 = 12 full-attention layers, q with its output gate 2 x 16 x 256 = 8,192 + k, v
    # 2 x 256 = 512 each: 9,216 a layer x 12 = 110,592.
    ("Qwen__Qwen3-Next-80B-A3B-Instruct", {"qkv_bias": True}, 110_592),
    ("Qwen__Qwen3-Next-80B-A3B-Instruct", {"attention_bias": True}, 0),
    # llama.py: `attention_bias or bias` on qkv and o. Meta-Llama-3.1-8B: q 4,096 + k, v 1,024 each
    # + o 4,096 = 10,240 a layer x 32 = 327,680.
    ("meta-llama__Meta-Llama-3.1-8B", {"bias": True}, 327_680),
    # ... and a qkv_bias key overrides qkv alone (InternLM3): o's 4,096 x 32 = 131,072
    ("meta-llama__Meta-Llama-3.1-8B", {"attention_bias": True, "qkv_bias": False}, 131_072),
    # granite.py takes `attention_bias or bias` too but no qkv_bias. Granite-3.3-8B: q 4,096
    # + k, v 1,024 each + o 4,096 = 10,240 a layer x 40 = 409,600.
    ("ibm-granite/granite-3.3-8b-instruct", {"bias": True}, 409_600),
    ("ibm-granite/granite-3.3-8b-instruct", {"qkv_bias": True}, 0),
    # bias=False whatever the config says: mixtral.py, llama4.py (Llama4DecoderLayer),
    # nemotron_h.py, gemma.py (the catalog's gemma-7b config is reconstructed; only its
    # model_type matters here)
    ("mistralai__Mixtral-8x7B-v0.1", {"attention_bias": True}, 0),
    ("meta-llama__Llama-4-Maverick-17B-128E-Instruct", {"attention_bias": True}, 0),
    ("nvidia__Nemotron-H-56B-Base-8K", {"attention_bias": True}, 0),
    ("google/gemma-7b", {"attention_bias": True}, 0),
])
def test_attention_biases_follow_the_vllm_model_file(name, change, added):
    config = _config(name)
    assert _total(_text_changed(config, change)) - _total(config) == added


@pytest.mark.parametrize("config", [
    catalog_entry("google/gemma-7b").config,
    {"model_type": "olmoe", "hidden_size": 64, "num_hidden_layers": 2,
     "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128,
     "vocab_size": 100, "num_experts": 4, "num_experts_per_tok": 2},
])
def test_gemma_olmoe_attention_bias_noted_for_the_transformers_backend(config):
    # gemma.py GemmaAttention / olmoe.py OlmoeAttention build q/k/v/o with bias=False (to
    # 0.33.0); the 0.34.0 wheel has neither file and serves them through the Transformers
    # backend: transformers 5.24.0 GemmaAttention / OlmoeAttention q/k/v/o_proj
    # `bias=config.attention_bias`. Counted as before, with a note; none without the key.
    biased = parse_model_config({**config, "attention_bias": True}, name="x")
    assert count_params(biased).total == _total(config)
    note = " ".join(biased.assumptions)
    assert f"attention_bias true: no q/k/v/o biases counted, as vLLM's own {config['model_type']}" \
        ".py (0.9.1-0.33.x) builds none; vLLM 0.34 on runs this model through its " \
        "Transformers backend, which builds them" in note
    assert "attention_bias true" not in " ".join(parse_model_config(config, name="x").assumptions)


def _text_changed(config: dict, change: dict) -> dict:
    """`config` with `change` applied to its text model's keys (text_config's, where it has
    one)."""
    text = config.get("text_config")
    return {**config, "text_config": {**text, **change}} if text else {**config, **change}


def test_gpt_oss_attention_biases_whatever_attention_bias_says():
    # gpt_oss.py OAIAttention: qkv and o bias=True hard-coded. gpt-oss-20b without them
    # would lose q 64 x 64 = 4,096 + k, v 8 x 64 = 512 each + o 2,880 = 8,000 a layer.
    config = _config("openai__gpt-oss-20b")
    assert _total({**config, "attention_bias": False}) == _total(config)


def test_phi2_lm_head_bias_makes_the_hub_total():
    # microsoft/phi-2 (config.json): hidden 2,560, 32 layers of 32 heads x 80 (MHA), MLP
    # 10,240 (fc1/fc2), vocab 51,200, untied, one LayerNorm (weight + bias) a layer.
    # A layer: qkv 3 x 2,560^2 = 19,660,800 + 7,680 bias, dense 6,553,600 + 2,560;
    # fc1 + fc2 2 x 2,560 x 10,240 = 52,428,800 + 10,240 + 2,560; norm 5,120:
    # 78,671,360 x 32 = 2,517,483,520. Embeddings 51,200 x 2,560 = 131,072,000; lm_head the
    # same + its bias 51,200 (phi.py ParallelLMHead bias=True) = 131,123,200; final LayerNorm
    # 5,120. Total 2,779,683,840: the Hub's safetensors count for microsoft/phi-2 (F16
    # 2,779,683,840); without the lm_head bias it was 51,200 short.
    params = count_params(parse_model_config(_config("microsoft/phi-2")))
    assert params.lm_head == 131_123_200
    assert params.total == 2_779_683_840


def test_phi2_lm_head_bias_split_over_vocab_and_16_bit():
    spec = parse_model_config(_config("microsoft/phi-2"))
    # TP 2: 51,200 = 800 x 64 rows, no padding, 25,600 a rank: (25,600 x 2,560 + 25,600 bias)
    # x 2 B = 131,123,200 B
    tp2 = rank_weights(spec, SCHEMES["bf16"], ParallelLayout(tp=2))[0]
    assert tp2.lm_head_bytes == 131_123_200
    # GGUF Q6_K lm_head (6.5625 bits a weight): 131,072,000 x 6.5625 / 8 = 107,520,000 B;
    # the bias stays 16-bit (ParallelLMHead creates it in params_dtype): 51,200 x 2 =
    # 102,400 B; 107,622,400 in all
    assert weights_bytes(spec, what_if_scheme("gguf-q6_k")).lm_head_bytes == 107_622_400


_STARCODER2 = {"model_type": "starcoder2", "hidden_size": 64, "num_hidden_layers": 2,
               "vocab_size": 100, "intermediate_size": 256, "num_attention_heads": 4,
               "num_key_value_heads": 2}
"""A small Starcoder2 config (no real one in ../shared/model-configs): head_dim 64 / 4 = 16,
tied embeddings (Starcoder2Config default), use_bias left out."""


def test_starcoder2_use_bias_defaults_to_true():
    # transformers 5.24.0 Starcoder2Config `use_bias: bool = True`; starcoder2.py puts it on
    # qkv_proj, o_proj, c_fc and c_proj. A layer: q 64 + k, v 2 x 16 = 32 each + o 64 +
    # c_fc 256 + c_proj 64 = 512 biases, x 2 layers = 1,024.
    # Whole model: embeddings 100 x 64 = 6,400 (tied); a layer: q/o 2 x 64 x 64 = 8,192,
    # k/v 2 x 64 x 32 = 4,096, c_fc + c_proj 2 x 64 x 256 = 32,768, 512 biases, two
    # LayerNorms 2 x 128 = 256: 45,824 x 2 = 91,648; final LayerNorm 128: 98,176.
    spec = parse_model_config(_STARCODER2)
    assert count_params(spec).total == 98_176
    assert _total(_STARCODER2) - _total({**_STARCODER2, "use_bias": False}) == 1_024
    assert "use_bias missing: assumed True (transformers Starcoder2Config class default" in (
        " ".join(spec.assumptions))


def test_starcoder2_biases_on_a_tp_rank():
    # TP 2, bf16. Attention a layer: q 64 x 32 = 2,048 and o 2,048 split by heads, k and v
    # 64 x 16 = 1,024 each (one KV head a rank): 6,144 weights; biases q 32, k 16, v 16 split,
    # o 64 whole (RowParallelLinear): 128. (6,144 + 128) x 2 B x 2 layers = 25,088 B.
    # MLP: c_fc 64 x 128 + c_proj 128 x 64 = 16,384 weights; c_fc bias 128 split, c_proj's
    # 64 whole: (16,384 + 192) x 2 B x 2 layers = 66,304 B.
    rank = rank_weights(parse_model_config(_STARCODER2), SCHEMES["bf16"], ParallelLayout(tp=2))[0]
    assert rank.attention_bytes == 25_088
    assert rank.dense_mlp_bytes == 66_304


@pytest.mark.parametrize(("change", "added"), [
    # Nemotron-H-56B (config.json): 54 Mamba layers ("M" in hybrid_override_pattern), hidden
    # 8,192, 256 heads x 64 = d_inner 16,384, 8 groups x state 256. use_bias (mamba_mixer2.py
    # in_proj / out_proj): in_proj 2 x 16,384 + 2 x 8 x 256 + 256 = 37,120 + out_proj 8,192 =
    # 45,312 a layer x 54 = 2,446,848.
    ({"use_bias": True}, 2_446_848),
    # use_conv_bias false: conv1d loses 16,384 + 4,096 = 20,480 a layer x 54 = 1,105,920
    ({"use_conv_bias": False}, -1_105_920),
])
def test_nemotron_h_mamba_biases(change, added):
    config = _config("nvidia__Nemotron-H-56B-Base-8K")
    assert _total({**config, **change}) - _total(config) == added


def test_nemotron_h_mamba_proj_biases_on_a_tp_rank():
    # TP 2, use_bias: in_proj's bias split, 37,120 / 2 = 18,560, out_proj's whole, 8,192:
    # 26,752 a layer x 54 = 1,444,608 parameters, 2,889,216 B in bf16, and in FP8 too (vLLM
    # creates biases in params_dtype whatever the quant_method: layers/linear.py)
    config = _config("nvidia__Nemotron-H-56B-Base-8K")
    spec, biased = parse_model_config(config), parse_model_config({**config, "use_bias": True})
    for scheme in (SCHEMES["bf16"], what_if_scheme("fp8-channel")):
        before, after = (rank_weights(s, scheme, ParallelLayout(tp=2))[0].attention_bytes
                         for s in (spec, biased))
        assert after - before == 2_889_216


def test_mimo_v2_router_bias_without_topk_method():
    # mimo_v2.py MiMoV2MoE builds gate.e_score_correction_bias unconditionally: removing
    # MiMo-V2-Flash's topk_method "noaux_tc" leaves its 47 MoE layers x 256 biases in place
    config = _config("XiaomiMiMo__MiMo-V2-Flash")
    assert _total({k: v for k, v in config.items() if k != "topk_method"}) == _total(config)


def test_nemotron_nas_mlp_bias():
    """nemotron_nas.py DeciLMDecoderLayer builds each FFN block's LlamaMLP with
    bias=getattr(config, "mlp_bias", False) (0.9.1-0.33.0); the NAS layers ignored it."""
    config = _config("nvidia__Llama-3_3-Nemotron-Super-49B-v1")
    # DeciLM's FFN width per block (_ffn_mult_to_intermediate_size): int(2 x mult x 8,192 / 3)
    # rounded up to a multiple of 256; gate and up biases [width] each, down's [8,192]
    widths = [256 * math.ceil(int(2 * b["ffn"]["ffn_mult"] * 8192 / 3) / 256)
              for b in config["block_configs"]
              if not b["ffn"].get("no_op") and not b["ffn"].get("replace_with_linear")]
    added = 2 * sum(widths) + len(widths) * 8192
    assert added == 3_940_352  # 80 blocks, widths summing to 1,642,496
    assert _total(config | {"mlp_bias": True}) - _total(config) == added
    with pytest.raises(ConfigError, match="mlp_bias must be true or false, got 'x'"):
        _total(config | {"mlp_bias": "x"})  # was accepted without a word


@pytest.mark.parametrize(("name", "added"), [
    # llama.py LlamaMLP bias=config.mlp_bias: gate and up [14,336] each, down [4,096] a layer,
    # Meta-Llama-3.1-8B's 32 layers: (2 x 14,336 + 4,096) x 32 = 32,768 x 32 = 1,048,576
    ("meta-llama__Meta-Llama-3.1-8B", 1_048_576),
    # qwen3.py's Qwen2MLP, deepseek_v2.py DeepseekV2MLP and llama4.py's dense LlamaMLP are
    # built with bias=False whatever mlp_bias says: nothing added. Headroom added
    # (2 x 12,288 + 4,096) x 36 = 1,032,192 to Qwen3-8B, (2 x 18,432 + 7,168) x 3 = 132,096
    # to DeepSeek-V3's three dense layers, and gemma-7b's (2 x 24,576 + 3,072) x 28.
    ("Qwen__Qwen3-8B", 0),
    ("deepseek-ai__DeepSeek-V3", 0),
    ("meta-llama__Llama-4-Maverick-17B-128E-Instruct", 0),
    ("google/gemma-7b", 0),
])
def test_mlp_bias_only_where_the_vllm_mlp_reads_it(name, added):
    config = _config(name)
    assert _total(_text_changed(config, {"mlp_bias": True})) - _total(config) == added
