"""ERNIE 4.5 MoE (model_type "ernie4_5_moe", Ernie4_5_MoeForCausalLM) planned as vLLM builds it.

SMALL is hand-made (no published model has this shape) to exercise the layer rule, the shared
experts and the biases with figures small enough to work by hand. A21B is ERNIE-4.5-21B-A3B's
shape as public test files quote its config.json (not a verbatim copy of the hub file); the
published "21B total, 3B active" is a check on it, not its source. Every figure below is
worked by hand in the comments from vLLM's ernie45_moe.py (0.19.0 wheel; the rules are the
same in 0.9.2-0.34.0 but where said).
"""

import json

import pytest

from cli.planner_cli import main
from planner.model.attention import kv_bytes_per_token
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.spec import ConfigError, DenseMlp, MoeMlp
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

SMALL = {
    "architectures": ["Ernie4_5_MoeForCausalLM"], "model_type": "ernie4_5_moe",
    "torch_dtype": "bfloat16", "hidden_act": "silu", "hidden_size": 64,
    "intermediate_size": 256, "num_hidden_layers": 6, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 4096,
    "tie_word_embeddings": True, "use_bias": False, "moe_num_experts": 8, "moe_k": 2,
    "moe_intermediate_size": 32, "moe_num_shared_experts": 2, "moe_layer_start_index": 1,
    "moe_layer_end_index": 4, "moe_layer_interval": 2,
}  # fmt: skip

A21B = {
    "architectures": ["Ernie4_5_MoeForCausalLM"], "model_type": "ernie4_5_moe",
    "hidden_act": "silu", "hidden_size": 2560, "intermediate_size": 12288,
    "max_position_embeddings": 131072, "num_attention_heads": 20, "num_key_value_heads": 4,
    "num_hidden_layers": 28, "rms_norm_eps": 1e-05, "vocab_size": 103424, "rope_theta": 500000,
    "use_bias": False, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
    "moe_num_experts": 64, "moe_num_shared_experts": 2, "moe_layer_start_index": 1,
    "moe_layer_end_index": 27, "moe_intermediate_size": 1536, "moe_k": 6,
    "moe_layer_interval": 1, "moe_capacity": [64, 64, 64], "moe_gate": "top2_fused",
    "head_dim": 128,
}  # fmt: skip


def _moe_layers(spec) -> list[int]:
    return [layer.index for layer in spec.layers if isinstance(layer.mlp, MoeMlp)]


def test_small_layers_experts_and_count_by_hand():
    spec = parse_model_config(SMALL, name="x")
    assert not [w for w in spec.warnings if "not a known architecture" in w
                or "keys not understood" in w]
    # MoE where 1 <= i <= 4 and (i + 1) % 2 == 0: layers 1 and 3; 0, 2, 4, 5 dense
    assert _moe_layers(spec) == [1, 3]
    moe = spec.layers[1].mlp
    assert (moe.num_experts, moe.experts_per_token, moe.expert_intermediate_size) == (8, 2, 32)
    # one shared MLP of moe_intermediate_size x moe_num_shared_experts = 64
    assert (moe.num_shared_experts, moe.shared_intermediate_size) == (1, 64)
    assert moe.router_bias and moe.renormalize and not moe.shared_expert_gate
    assert spec.layers[0].mlp == DenseMlp(intermediate_size=256)
    # embeddings 1,000 x 64 = 64,000, tied (no lm_head). Attention (head_dim 64 / 4 = 16):
    # q 64 x 64 + k, v 64 x 32 each + o 64 x 64 = 12,288 x 6 = 73,728. Norms 2 x 64 x 6 + 64 =
    # 832. Dense 3 x 64 x 256 = 49,152 x 4 = 196,608. An expert 3 x 64 x 32 = 6,144, x 8 =
    # 49,152 x 2 layers = 98,304; shared 3 x 64 x 64 = 12,288 x 2 = 24,576; router 64 x 8 +
    # 8 (e_score_correction_bias) = 520 x 2 = 1,040. Total 459,088; active: 2 of 8 experts,
    # 459,088 - 98,304 + 2 x 6,144 x 2 = 385,360.
    params = count_params(spec)
    assert params.total == 459_088
    assert params.active == 385_360


def test_small_use_bias_is_on_qkv_and_dense_mlps_only():
    # Ernie4_5_MoeAttention qkv_proj bias=use_bias, o_proj False; the dense Ernie4_5_MoeMLP
    # use_bias; the shared experts' MLP takes the default False. q, k, v biases 64 + 32 + 32 =
    # 128 x 6 = 768; dense gate/up 2 x 256 + down 64 = 576 x 4 = 2,304: 3,072 more
    spec = parse_model_config(SMALL | {"use_bias": True}, name="x")
    assert count_params(spec).total == 459_088 + 3_072


def test_left_out_layer_keys_are_the_transformers_class_defaults():
    # Ernie4_5_MoeConfig (4.56.0, 5.24.0): start 1, interval 1, end -1 -> num_hidden_layers - 1
    bare = {k: v for k, v in SMALL.items() if not k.startswith("moe_layer")}
    spec = parse_model_config(bare, name="x")
    assert _moe_layers(spec) == [1, 2, 3, 4, 5]
    assert ("moe_layer_start_index missing: assumed 1 (transformers Ernie4_5_MoeConfig class "
            "default for model_type 'ernie4_5_moe')") in spec.assumptions
    assert _moe_layers(parse_model_config(SMALL | {"moe_layer_end_index": -1}, name="x")) == [
        1, 3, 5]
    # use_moe false: every layer Ernie4_5_MoeMLP
    assert _moe_layers(parse_model_config(SMALL | {"use_moe": False}, name="x")) == []
    # no experts: use_moe = moe_num_experts > 0 is false, every layer dense (ernie45_moe.py),
    # verified, not the UNVERIFIED note of a type whose rule was not read
    spec = parse_model_config(SMALL | {"moe_num_experts": 0}, name="x")
    assert _moe_layers(spec) == []
    assert ("moe_num_experts = 0: no routed experts, every MLP planned dense "
            "(intermediate_size), as vLLM builds it (ernie45_moe.py: use_moe, where config.json "
            "leaves it out, is moe_num_experts > 0)") in spec.assumptions


def test_21b_a3b_total_active_weights_and_kv_by_hand():
    spec = parse_model_config(A21B, name="x")
    assert spec.unmodelled == ()
    assert _moe_layers(spec) == list(range(1, 28))
    # embeddings 103,424 x 2,560 = 264,765,440 (tied). Attention q 2,560 x 2,560 + k, v 2,560
    # x 512 each + o 2,560 x 2,560 = 15,728,640 x 28 = 440,401,920. Norms 2 x 2,560 x 28 +
    # 2,560 = 145,920. Layer 0 dense 3 x 2,560 x 12,288 = 94,371,840. An expert 3 x 2,560 x
    # 1,536 = 11,796,480, x 64 x 27 = 20,384,317,440; shared 3 x 2,560 x 3,072 = 23,592,960 x
    # 27 = 637,009,920; router (2,560 x 64 + 64) x 27 = 4,425,408. Total 21,825,437,888
    # (~21.8 B); active 21,825,437,888 - 20,384,317,440 + 6 x 11,796,480 x 27 = 3,352,150,208
    params = count_params(spec)
    assert params.total == 21_825_437_888
    assert params.active == 3_352_150_208
    # KV: 28 layers x (K + V) x 4 KV heads x 128 x 2 B = 57,344 B a token
    assert kv_bytes_per_token(spec, 2) == 57_344
    # weights on one H100 (vLLM 0.19.0): everything in bf16 but the router and its bias in
    # float32: (21,825,437,888 - 4,425,408) x 2 + 4,425,408 x 4 = 43,659,726,592, plus the
    # rotary cos/sin cache 131,072 x 128 x 2 = 33,554,432: 43,693,281,024. vLLM 0.11.0 holds
    # the router in bf16: 4,425,408 x 2 = 8,850,816 B less.
    h100 = preset_cluster("h100-sxm", 1)
    for version, weights in (("0.19.0", 43_693_281_024), ("0.11.1", 43_693_281_024),
                             ("0.11.0", 43_693_281_024 - 8_850_816)):
        p = plan(PlanRequest(model=spec, cluster=h100, engine=EngineSettings(
            vllm_version=version, max_model_len=32768)))
        assert p.fits, version
        assert p.weights_bytes_per_gpu == weights, version


def test_21b_a3b_tp2_expert_parallel_by_hand():
    # TP 2 + EP: embeddings, attention (2 KV heads a rank), the dense MLP and shared experts
    # halved, 32 of the 64 experts a rank, router, norms and rotary cache whole:
    # 264,765,440 + 440,401,920 + 94,371,840 + 20,384,317,440 + 637,009,920 (bytes: half the
    # parameters x 2 B) + 17,701,632 (router, float32) + 291,840 (norms) + 33,554,432 =
    # 21,872,414,464 B a GPU
    spec = parse_model_config(A21B, name="x")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2),
                         layout=ParallelLayout(tp=2, ep=True),
                         engine=EngineSettings(vllm_version="0.19.0", max_model_len=32768)))
    assert p.fits
    assert p.weights_bytes_per_gpu == 21_872_414_464


@pytest.mark.parametrize("version", ["0.9.2", "0.19.0", "0.34.0"])
def test_not_silu_is_refused_as_vllm_refuses_it(version):
    spec = parse_model_config(A21B | {"hidden_act": "gelu"}, name="x")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1), engine=EngineSettings(
        vllm_version=version, max_model_len=32768)))
    assert not p.fits
    assert p.errors[0].startswith("ValueError: Unsupported activation: gelu. Only silu is "
                                  "supported for now.")


@pytest.mark.parametrize("use_moe", [None, True, False])
def test_null_expert_count_is_refused_in_one_line_as_vllm_stops_on_it(tmp_path, capsys, use_moe):
    # ernie45_moe.py (0.19.0): `use_moe = getattr(config, "use_moe", moe_num_experts > 0)`
    # evaluates None > 0 (a TypeError) whether or not config.json gives use_moe; the old code
    # planned every layer dense
    config = A21B | {"moe_num_experts": None}
    if use_moe is not None:
        config["use_moe"] = use_moe
    with pytest.raises(ConfigError, match="moe_num_experts is null: vLLM compares it with 0"):
        parse_model_config(config, name="x")
    (tmp_path / "config.json").write_text(json.dumps(config))
    code = main(["plan", "--model", str(tmp_path), "--gpu", "h100-sxm"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "", out
    assert err.count("\n") == 1 and "config.json: moe_num_experts is null" in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("key", ["moe_layer_start_index", "moe_layer_end_index",
                                 "moe_layer_interval"])
def test_null_layer_key_is_refused_with_use_moe_false(key):
    # vLLM 0.11.1-0.34.0 ernie45_moe.py Ernie4_5_MoeForCausalLM.__init__: moe_layers_indices
    # compares every i with config.moe_layer_start_index / _end_index / (i + 1) %
    # config.moe_layer_interval whatever use_moe says, so None stops it (TypeError); the old
    # code returned every layer dense for use_moe false before looking at the keys
    with pytest.raises(ConfigError, match=f"{key} is null: vLLM compares each layer index"):
        parse_model_config(A21B | {"use_moe": False, key: None}, name="x")
