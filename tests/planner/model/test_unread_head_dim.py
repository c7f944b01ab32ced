"""A config.json head_dim that vLLM's own attention class does not read (families.
HEAD_DIM_UNREAD_TYPES): refused on the releases that build the model with that class, planned
as given where the Transformers backend builds it; Qwen2-VL's text model planned as vLLM and
transformers build it, hidden_size / num_attention_heads.

Expected figures are worked by hand from the configs (tests/fixtures/configs, verbatim from
/work/shared/model-configs) and the sources named in each test.
"""

from planner.model.attention import kv_bytes_per_token
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from tests.conftest import load_ref_config


def _errors(spec, version: str) -> list[str]:
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 4),
                            layout=ParallelLayout(tp=4),
                            engine=EngineSettings(vllm_version=version))).errors


def test_a_qwen2_head_dim_vllm_does_not_read_is_refused_on_every_release():
    # Qwen2.5-72B-Instruct: hidden 8,192, 64 heads, 8 KV heads, 80 layers, no head_dim.
    # qwen2.py Qwen2Attention `self.head_dim = hidden_size // self.total_num_heads` = 128
    # (0.9.1, 0.11.1, 0.12.0, 0.17.0, 0.19.1, 0.25.0, 0.28.0, 0.34.0 wheels): KV per token
    # 2 (K, V) x 80 layers x 8 KV heads x 128 x 2 B (bf16) = 327,680 B.
    config, _ = load_ref_config("Qwen__Qwen2.5-72B-Instruct")
    assert kv_bytes_per_token(parse_model_config(config), 2) == 2 * 80 * 8 * 128 * 2 == 327_680
    # head_dim 128 = 8,192 / 64: the same heads, nothing refused (TP 4 on 4 H100s)
    same = parse_model_config({**config, "head_dim": 128})
    assert same.unread_head_dim == "" and _errors(same, "0.34.0") == []
    assert kv_bytes_per_token(same, 2) == 327_680
    # head_dim 256: transformers 5.25.0 Qwen2Attention builds q/k/v_proj 256 wide per head
    # (the checkpoint: 2 x 80 x 8 x 256 x 2 = 655,360 B a token), vLLM's class 128 wide
    # (its KV cache spec: Attention.get_kv_cache_spec head_size=self.head_size), and its
    # loader narrows each shard to 128 (layers/linear.py): refused, 0.11.1 as 0.34.0
    wide = parse_model_config({**config, "head_dim": 256})
    assert kv_bytes_per_token(wide, 2) == 2 * 80 * 8 * 256 * 2 == 655_360
    assert wide.unread_head_dim == ("config.json: head_dim = 256, not hidden_size / "
                                    "num_attention_heads = 8192 / 64 = 128")
    for version in ("0.11.1", "0.34.0"):
        assert _errors(wide, version) == [
            f"config.json: head_dim = 256, not hidden_size / num_attention_heads = 8192 / 64 "
            f"= 128: vLLM {version}'s own qwen2 attention reads no head_dim and builds "
            "hidden_size / num_attention_heads-wide heads (its KV cache too), while "
            "transformers builds the checkpoint's at head_dim, so vLLM's weight loader cuts "
            "its projections to that width or stops: not planned"]
    # a narrower head_dim, 64, likewise (narrow past the end of the 64-wide shards)
    assert parse_model_config({**config, "head_dim": 64}).unread_head_dim.endswith("= 128")


def test_a_starcoder2_head_dim_is_planned_where_the_transformers_backend_builds_it():
    # starcoder2.py Starcoder2Attention `self.head_dim = self.hidden_size //
    # self.total_num_heads` (0.9.1-0.24.x); from 0.25.0 the registry serves
    # Starcoder2ForCausalLM through the Transformers backend, whose transformers 5.25.0
    # Starcoder2Attention takes `getattr(config, "head_dim", None) or ...`: 32 here, not
    # 64 / 4 = 16. KV: 2 (K, V) x 2 layers x 2 KV heads x 32 x 2 B = 512 B a token.
    spec = parse_model_config({
        "architectures": ["Starcoder2ForCausalLM"], "model_type": "starcoder2",
        "hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 100,
        "intermediate_size": 256, "num_attention_heads": 4, "num_key_value_heads": 2,
        "head_dim": 32})
    assert kv_bytes_per_token(spec, 2) == 2 * 2 * 2 * 32 * 2 == 512
    assert _errors(spec, "0.24.0")[0].startswith(
        "config.json: head_dim = 32, not hidden_size / num_attention_heads = 64 / 4 = 16: vLLM "
        "0.24.0's own starcoder2 attention reads no head_dim")
    assert _errors(spec, "0.25.0") == []


def test_a_qwen2_5_vl_head_dim_is_hidden_over_heads_as_both_build_it():
    # Qwen2.5-72B's text config under qwen2_5_vl: qwen2_5_vl.py builds Qwen2ForCausalLM
    # (qwen2.py, 128 wide) and transformers 5.25.0 Qwen2_5_VLAttention `self.head_dim =
    # self.hidden_size // self.num_heads` too, so a head_dim of 256 is not what either
    # builds: KV 2 x 80 x 8 x 128 x 2 = 327,680 B, noted, not refused
    config, _ = load_ref_config("Qwen__Qwen2.5-72B-Instruct")
    spec = parse_model_config({**config, "model_type": "qwen2_5_vl", "head_dim": 256,
                               "architectures": ["Qwen2_5_VLForConditionalGeneration"]})
    assert {layer.mixer.head_dim for layer in spec.layers} == {128}
    assert kv_bytes_per_token(spec, 2) == 327_680
    assert spec.unread_head_dim == ""
    assert ("head_dim = 256 not read: planned as hidden_size / num_attention_heads = 8192 / 64 "
            "= 128, as vLLM's qwen2_5_vl text attention (qwen2.py) and transformers build it"
            ) in " ".join(spec.assumptions)
    # a head_dim of 0 is what ModelConfig.get_head_size returns before 0.25.0 (its
    # `head_dim > 0` fallback from the 0.25.0 wheel): refused there, as for qwen2
    zero = parse_model_config({**config, "model_type": "qwen2_5_vl", "head_dim": 0,
                               "architectures": ["Qwen2_5_VLForConditionalGeneration"]})
    assert _errors(zero, "0.24.0")[0].startswith(
        "config.json: head_dim is 0: vLLM 0.24.0's ModelConfig.get_head_size reads it as 0")
    assert _errors(zero, "0.25.0") == []
