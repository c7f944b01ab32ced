"""Granite 4.0 hybrids (model_type "granitemoehybrid", GraniteMoeHybridForCausalLM) planned as
vLLM builds them, and GraniteMoeShared's shared MLP counted.

SMALL is hand-made (no verbatim public copy of a Granite 4.0 config.json was found to cite),
shaped like the published family: Mamba2 and NoPE attention layers by layer_types, routed
experts plus a shared MLP on every layer, tied embeddings, one Mamba group. Every figure is
worked by hand in the comments from vLLM's granitemoehybrid.py / granitemoeshared.py /
layers/mamba/mamba_mixer2.py (0.19.0 wheel; the rules are the same in 0.11.0-0.34.0 but where
said).
"""

import json

import pytest

from cli.planner_cli import main
from planner.model.attention import kv_bytes_per_token, kv_layer_spec
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.spec import AttentionMixer, ConfigError, DenseMlp, MambaMixer, MoeMlp
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.weights import rank_dense_params

SMALL = {
    "architectures": ["GraniteMoeHybridForCausalLM"], "model_type": "granitemoehybrid",
    "torch_dtype": "bfloat16", "hidden_act": "silu", "hidden_size": 64,
    "intermediate_size": 32, "num_hidden_layers": 4, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 4096,
    "tie_word_embeddings": True, "attention_bias": False,
    "layer_types": ["mamba", "attention", "mamba", "mamba"],
    "num_local_experts": 4, "num_experts_per_tok": 2, "shared_intermediate_size": 48,
    "mamba_n_heads": 8, "mamba_d_head": 16, "mamba_d_state": 16, "mamba_n_groups": 1,
    "mamba_d_conv": 4, "mamba_expand": 2, "mamba_chunk_size": 256, "mamba_conv_bias": True,
    "mamba_proj_bias": False, "position_embedding_type": "nope", "rope_theta": 10000,
    "embedding_multiplier": 12, "logits_scaling": 2, "residual_multiplier": 0.22,
    "attention_multiplier": 0.015625, "rms_norm_eps": 1e-05,
}  # fmt: skip

# By hand (hidden 64):
# Mamba2 layer (8 heads x 16 = d_inner 128, d_state 16, 1 group, kernel 4): in_proj 64 x (2 x
#   128 + 2 x 16 + 8) = 18,944; conv1d (128 + 32) x (4 + 1 bias) = 800; A, D, dt_bias 3 x 8 =
#   24; gated norm 128; out_proj 128 x 64 = 8,192: 28,088.
# Attention layer (head_dim 64 / 4 = 16, 2 KV heads, no rope): q 4,096 + k, v 2 x 2,048 +
#   o 4,096 = 12,288.
# MLP, every layer: experts 4 x 3 x 64 x 32 = 24,576; shared MLP 3 x 64 x 48 = 9,216; router
#   64 x 4 = 256: 34,048.
# Embeddings 1,000 x 64 = 64,000 (tied); norms 2 x 64 x 4 + 64 = 576.
MAMBA_LAYER, ATTENTION_LAYER, MLP_LAYER = 28_088, 12_288, 34_048
TOTAL = 64_000 + 3 * MAMBA_LAYER + ATTENTION_LAYER + 4 * MLP_LAYER + 576  # 297,320


def test_small_layers_and_parameters_by_hand():
    spec = parse_model_config(SMALL, name="x")
    assert not [w for w in spec.warnings if "not a known architecture" in w
                or "keys not understood" in w], spec.warnings
    assert [type(layer.mixer) for layer in spec.layers] == [
        MambaMixer, AttentionMixer, MambaMixer, MambaMixer]
    # SMALL has no mamba_chunk_size: transformers GraniteMoeHybridConfig's 256, which vLLM's
    # ModelConfig.get_mamba_chunk_size reads off the loaded config
    assert spec.layers[0].mixer == MambaMixer(num_heads=8, head_dim=16, state_size=16,
                                              n_groups=1, conv_kernel=4, chunk_size=256)
    attention = spec.layers[1].mixer
    assert (attention.num_heads, attention.num_kv_heads, attention.head_dim) == (4, 2, 16)
    assert attention.rotary_dim == 0 and not attention.qkv_bias and not attention.o_bias
    moe = spec.layers[0].mlp
    assert (moe.num_experts, moe.experts_per_token, moe.expert_intermediate_size) == (4, 2, 32)
    assert (moe.num_shared_experts, moe.shared_intermediate_size) == (1, 48)
    assert moe.renormalize and not moe.router_bias and not moe.shared_expert_gate
    assert all(layer.num_norms == 2 for layer in spec.layers) and spec.tie_word_embeddings
    params = count_params(spec)
    assert params.total == TOTAL == 297_320
    # active: 2 of the 4 experts, 2 x 6,144 x 4 layers = 49,152 less
    assert params.active == 248_168


def test_small_kv_and_mamba_state_by_hand():
    spec = parse_model_config(SMALL, name="x")
    # KV on the one attention layer only: K + V x 2 KV heads x 16 x 2 B = 128 B a token
    assert kv_bytes_per_token(spec, 2) == 128
    # Mamba state a request (mamba_state_shape): conv (128 + 2 x 1 x 16) x (4 - 1) = 480 +
    # ssm 8 x 16 x 16 = 2,048 -> 2,528 x 2 B = 5,056 at TP=1; at TP=2 the group is replicated
    # (2 groups): (128 + 2 x 2 x 16) / 2 x 3 = 288 + 4 x 16 x 16 = 1,024 -> 1,312 x 2 = 2,624
    state = kv_layer_spec(spec.layers[0].mixer, 2)
    assert state.state_bytes(1) == 5_056
    assert state.state_bytes(2) == 2_624


def test_small_per_layer_weights_tp1_and_tp2_by_hand():
    spec = parse_model_config(SMALL, name="x")
    params = count_params(spec)

    def layer(i: int, tp: int) -> int:  # mixer + shared MLP + router, one byte a parameter
        return rank_dense_params(spec, params, range(i, i + 1), tp)

    # TP=1: 28,088 + 9,216 + 256 = 37,560; attention 12,288 + 9,216 + 256 = 21,760
    assert (layer(0, 1), layer(1, 1)) == (37_560, 21_760)
    # TP=2, Mamba: MambaMixer2 replicates the one group (2 groups), in_proj (128 + 128 + 2 x
    # 2 x 16 + 8) / 2 = 164 x 64 = 10,496, conv1d (128 + 64) / 2 x 5 = 480, A, D, dt_bias 12,
    # norm 64, out_proj 64 x 64 = 4,096: 15,148 (not 28,088 / 2 = 14,044); shared MLP 4,608,
    # router whole 256: 20,012. Attention: 6,144 (one KV head a rank) + 4,608 + 256 = 11,008
    assert (layer(0, 2), layer(1, 2)) == (20_012, 11_008)


@pytest.mark.parametrize("version", ["0.11.0", "0.19.0", "0.34.0"])
def test_small_weights_a_gpu_by_hand(version):
    spec = parse_model_config(SMALL, name="x")
    # TP=1: 297,320 x 2 B + the embedding padded to 1,024 rows (24 x 64 x 2 B = 3,072), no
    # rotary cache (NoPE): 597,712; + Mamba2's A held in float32 (mamba_mixer2.py MambaMixer2,
    # every release): 3 Mamba layers x 8 heads x 2 B more = 48: 597,760
    # TP=2: embeddings 512 rows x 64 = 32,768; layers 3 x 20,012 + 11,008 = 71,044; experts
    # 24,576 / 2 x 4 = 49,152; norms 576 whole: 153,540 x 2 B = 307,080; + A's 3 x 4 heads x
    # 2 B = 24: 307,104
    for tp, weights in ((1, 597_760), (2, 307_104)):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", tp),
                             layout=ParallelLayout(tp=tp),
                             engine=EngineSettings(vllm_version=version, max_model_len=4096)))
        assert p.fits, (version, tp, p.errors)
        assert p.weights_bytes_per_gpu == weights, (version, tp)


def test_dense_hybrid_without_experts():
    # granitemoehybrid.py: block_sparse_moe only where num_local_experts > 0, so each layer's
    # MLP is the shared MLP (3 x 64 x 48 = 9,216 a layer), no router: 64,000 + 3 x 28,088 +
    # 12,288 + 4 x 9,216 + 576 = 197,992; without it either, no MLP: 161,128
    spec = parse_model_config(SMALL | {"num_local_experts": 0}, name="x")
    assert all(layer.mlp == DenseMlp(intermediate_size=48) for layer in spec.layers)
    assert count_params(spec).total == count_params(spec).active == 197_992
    bare = parse_model_config(SMALL | {"num_local_experts": 0, "shared_intermediate_size": 0},
                              name="x")
    assert all(layer.mlp is None for layer in bare.layers)
    assert count_params(bare).total == 161_128
    # a MoE hybrid without a shared MLP: 4 x 9,216 less
    no_shared = parse_model_config(SMALL | {"shared_intermediate_size": 0}, name="x")
    assert all(layer.mlp.num_shared_experts == 0 for layer in no_shared.layers)
    assert count_params(no_shared).total == TOTAL - 4 * 9_216


def test_left_out_keys_take_the_transformers_class_defaults():
    # GraniteMoeHybridConfig (4.56.0, 5.24.0): mamba_d_head "auto" = mamba_expand x hidden /
    # mamba_n_heads = 128 / 8 = 16; num_local_experts 8; shared_intermediate_size 1024;
    # layer_types missing: transformers 5 writes "linear_attention" (Mamba) for every layer
    bare = {k: v for k, v in SMALL.items() if k not in (
        "mamba_d_head", "num_local_experts", "shared_intermediate_size", "layer_types")}
    spec = parse_model_config(bare, name="x")
    assert all(isinstance(layer.mixer, MambaMixer) for layer in spec.layers)
    assert spec.layers[0].mixer.head_dim == 16
    assert spec.layers[0].mlp.num_experts == 8
    assert spec.layers[0].mlp.shared_intermediate_size == 1024
    assert ("num_local_experts missing: assumed 8 (transformers GraniteMoeHybridConfig class "
            "default for model_type 'granitemoehybrid')") in spec.assumptions
    assert parse_model_config(SMALL | {"mamba_d_head": "auto"}, name="x").layers[0].mixer == (
        spec.layers[0].mixer)


def test_layer_type_names_rope_and_head_dim_as_vllm_reads_them():
    # transformers 5 renames "mamba" / "attention" to "linear_attention" / "full_attention"
    # (vLLM 0.32.0 on builds only those): the same layers
    renamed = parse_model_config(SMALL | {"layer_types": [
        "linear_attention", "full_attention", "linear_attention", "linear_attention"]}, name="x")
    assert renamed.layers == parse_model_config(SMALL, name="x").layers
    with pytest.raises(ConfigError, match=r"layer_types\[1\] = 'sliding_attention'"):
        parse_model_config(SMALL | {"layer_types": [
            "mamba", "sliding_attention", "mamba", "mamba"]}, name="x")
    # get_rope only where position_embedding_type is "rope": rotary dim = head_dim 16
    roped = parse_model_config(SMALL | {"position_embedding_type": "rope"}, name="x")
    assert roped.layers[1].mixer.rotary_dim == 16
    # GraniteMoeHybridAttention: head_dim = hidden_size // num_attention_heads, whatever
    # config.json's head_dim says
    assert parse_model_config(SMALL | {"head_dim": 32}, name="x").layers[1].mixer.head_dim == 16


def test_mamba_head_shapes_transformers_refuses_are_refused():
    with pytest.raises(ConfigError, match="the dimensions for the Mamba head state"):
        parse_model_config(SMALL | {"mamba_d_head": 8}, name="x")
    with pytest.raises(ConfigError, match="mamba_n_heads = 7 does not divide"):
        parse_model_config(SMALL | {"mamba_n_heads": 7, "mamba_d_head": "auto"}, name="x")
    with pytest.raises(ConfigError, match="num_local_experts is null"):
        parse_model_config(SMALL | {"num_local_experts": None}, name="x")


def test_mamba_groups_that_tp_does_not_divide_are_refused():
    # mamba_mixer2.py: assert n_groups % tp == 0 or n_groups == 1
    spec = parse_model_config(SMALL | {"mamba_n_groups": 2}, name="x")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 4),
                         layout=ParallelLayout(tp=4),
                         engine=EngineSettings(vllm_version="0.19.0", max_model_len=4096)))
    assert not p.fits
    assert any("Mamba groups (2) must be divisible by tensor parallel size (4)" in e
               for e in p.errors), p.errors


@pytest.mark.parametrize("version", ["0.19.0", "0.34.0"])
def test_not_silu_is_refused_where_the_shared_mlp_is_built(version):
    def fits(config: dict) -> tuple[bool, tuple[str, ...]]:
        p = plan(PlanRequest(model=parse_model_config(config, name="x"),
                             cluster=preset_cluster("h100-sxm", 1),
                             engine=EngineSettings(vllm_version=version, max_model_len=4096)))
        return p.fits, tuple(p.errors)

    ok, errors = fits(SMALL | {"hidden_act": "gelu"})
    assert not ok
    assert errors[0].startswith("ValueError: Unsupported activation: gelu. Only silu is "
                                "supported for now.")
    # no shared MLP (GraniteMoeMoE reads no activation): not refused for it
    ok, errors = fits(SMALL | {"hidden_act": "gelu", "shared_intermediate_size": 0})
    assert not any("Unsupported activation" in e for e in errors)


def test_cli_inspect_plans_it(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps(SMALL))
    code = main(["inspect", "--model", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "not an architecture Headroom knows" not in out + err


GRANITE_SHARED = {
    "architectures": ["GraniteMoeSharedForCausalLM"], "model_type": "granitemoeshared",
    "torch_dtype": "bfloat16", "hidden_act": "silu", "hidden_size": 64,
    "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 4096,
    "tie_word_embeddings": True, "num_local_experts": 4, "num_experts_per_tok": 2,
    "shared_intermediate_size": 48, "rope_theta": 10000,
}  # fmt: skip


def test_granite_moe_shared_mlp_is_counted():
    # granitemoeshared.py GraniteMoeSharedDecoderLayer: GraniteMoeMoE + GraniteMoeSharedMLP
    # (3 x 64 x 48 = 9,216, no bias) unless shared_intermediate_size is 0. A layer: attention
    # 12,288 + experts 24,576 + shared 9,216 + router 256 + norms 128 = 46,464; x 2 + 64,000
    # embeddings + 64 = 156,992 (the old code counted no shared MLP: 138,560). Active: 2 of 4
    # experts, 2 x 6,144 x 2 = 24,576 less: 132,416
    spec = parse_model_config(GRANITE_SHARED, name="x")
    mlp = spec.layers[0].mlp
    assert isinstance(mlp, MoeMlp)
    assert (mlp.num_shared_experts, mlp.shared_intermediate_size) == (1, 48)
    assert count_params(spec).total == 156_992
    assert count_params(spec).active == 132_416
    none = parse_model_config(GRANITE_SHARED | {"shared_intermediate_size": 0}, name="x")
    assert count_params(none).total == 138_560


# GraniteMoeShared is granitemoe.py's model plus the shared MLP (vLLM granitemoeshared.py, 0.9.1,
# 0.19.0, 0.27.1, 0.28.0, 0.31.0, 0.34.0 wheels): GraniteMoeAttention (no biases), GraniteMoeMoE,
# embed_tokens, final norm and lm_head on every PP stage; a left-out key takes transformers
# 5.24.0 GraniteMoeSharedConfig's default (8 experts, shared_intermediate_size 0).


def test_granite_moe_shared_is_a_known_type(tmp_path, capsys):
    # it was "model_type 'granitemoeshared' is not a known architecture" and a plan "Not
    # modelled: model_type 'granitemoeshared'"
    (tmp_path / "config.json").write_text(json.dumps(GRANITE_SHARED))
    assert main(["inspect", "--model", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "not a known architecture" not in out + err
    spec = parse_model_config(GRANITE_SHARED, name="x")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                         engine=EngineSettings(vllm_version="0.19.0", max_model_len=2048)))
    assert p.fits and not any("Not modelled" in w for w in p.warnings), p.warnings


def test_granite_moe_shared_attention_has_no_bias_whatever_the_config_says():
    # GraniteMoeAttention: qkv_proj and o_proj bias=False. attention_bias true planned q, k, v,
    # o biases (64 + 32 + 32 + 64 = 192 a layer, 2 layers: 157,376); the same 156,992 as without
    spec = parse_model_config(GRANITE_SHARED | {"attention_bias": True}, name="x")
    assert count_params(spec).total == 156_992


def test_granite_moe_shared_left_out_keys_take_its_config_class_defaults():
    # no num_local_experts, shared_intermediate_size, max_position_embeddings: 8 experts, no
    # shared MLP, 2,048 (GraniteMoeSharedConfig). A layer: attention 12,288 + experts 8 x 3 x 64 x
    # 32 = 49,152 + router 64 x 8 = 512 + norms 128 = 62,080; x 2 + 64,000 + 64 = 188,224.
    # Active: 2 of 8 experts, 6 x 6,144 x 2 = 73,728 less: 114,496. (It was planned dense:
    # 101,184, num_experts_per_tok "not understood".)
    bare = {k: v for k, v in GRANITE_SHARED.items() if k not in (
        "num_local_experts", "shared_intermediate_size", "max_position_embeddings")}
    spec = parse_model_config(bare, name="x")
    assert (count_params(spec).total, count_params(spec).active) == (188_224, 114_496)
    assert isinstance(spec.layers[0].mlp, MoeMlp)
    assert spec.layers[0].mlp.num_shared_experts == 0
    assert spec.max_position_embeddings == 2048


def test_granite_moe_shared_embeddings_norm_and_lm_head_sit_on_every_pp_stage():
    # untied, PP=2, one layer a stage (46,464 parameters, as above): each stage holds
    # embed_tokens and lm_head (vocab padded to 1,024 x 64 = 65,536 each), the final norm (64)
    # and its layer, in BF16: 2 x (46,464 + 65,536 + 65,536 + 64) = 355,200 B, plus the rotary
    # cos/sin cache 4,096 positions x 16 x 2 B = 131,072 B: 486,272 B on both stages (it was
    # 355,072 and 355,200: the embeddings on the first only, lm_head and norm on the last only)
    spec = parse_model_config(GRANITE_SHARED | {"tie_word_embeddings": False}, name="x")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2),
                         layout=ParallelLayout(pp=2),
                         engine=EngineSettings(vllm_version="0.19.0", max_model_len=2048)))
    assert [r.weights_bytes for r in p.per_gpu] == [486_272, 486_272]
