"""A MoE router's float32 weights per model_type and vLLM release (router_dtype.
ROUTER_DTYPE_RULES), in the bytes each GPU holds: the correction bias whole on every TP and EP
rank, split by layer over PP."""

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import SCHEMES, checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import GPU_PRESETS, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup import router_dtype
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights

H200 = GPU_PRESETS["h200"]


def _router_bytes(spec, version, layout):
    """Each rank's router bytes under `version`'s load rules on an H200."""
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, H200)
    return [r.router_bytes for r in rank_weights(spec, scheme, layout, rules=rules)]


@pytest.mark.parametrize(("repo", "added"), [
    # deepseek_v2.py DeepseekV2MoE: gate.e_score_correction_bias in the model dtype to 0.10.1,
    # float32 from 0.10.2 (vllm_versions.CORRECTION_BIAS_FP32_FROM), one per routed expert in
    # each MoE layer: (MoE layers) x (experts) x (4 - 2) B more on every GPU
    ("deepseek-ai/DeepSeek-V3", 58 * 256 * 2),  # 61 - 3 dense: 29,696
    ("deepseek-ai/DeepSeek-R1", 58 * 256 * 2),
    ("deepseek-ai/DeepSeek-V3.2", 58 * 256 * 2),
    ("moonshotai/Kimi-K2-Instruct", 60 * 384 * 2),  # 61 - 1 dense: 46,080
    ("moonshotai/Kimi-K2.5", 60 * 384 * 2),  # kimi_k25.py's DeepseekV2 text model
    ("moonshotai/Kimi-VL-A3B-Instruct", 26 * 64 * 2),  # kimi_vl.py's: 27 - 1 dense: 3,328
    ("zai-org/GLM-5", 75 * 256 * 2),  # 78 - 3 dense: 38,400
    ("deepseek-ai/DeepSeek-V2-Lite-Chat", 0),  # topk_method "greedy": no correction bias
])
def test_deepseek_v2_moe_correction_bias_per_family(repo, added):
    spec = catalog_spec(repo)
    for layout in (ParallelLayout(tp=8), ParallelLayout(tp=8, ep=True)):
        before, after = (_router_bytes(spec, v, layout) for v in ((0, 10, 1), (0, 10, 2)))
        assert {a - b for a, b in zip(after, before, strict=True)} == {added}


def test_mimo_v2_bias_float32_from_0_31_whatever_the_router_dtype():
    # mimo_v2.py MiMoV2MoE: gate and bias in moe_router_dtype ("float32" by default) to 0.30.0;
    # from 0.31.0 the bias in gate.out_dtype, float32 (vllm_versions.MIMO_V2_BIAS_OUT_DTYPE_FROM).
    # MiMo-V2-Flash: 48 layers, moe_layer_freq's first dense: 47 MoE layers, hidden 4,096,
    # 256 experts; router 4,096 x 256 = 1,048,576 weights + 256 bias a layer, whole on each rank.
    config = catalog_entry("XiaomiMiMo/MiMo-V2-Flash").config
    default = parse_model_config(config, name="mimo")
    bf16 = parse_model_config(config | {"moe_router_dtype": "bfloat16"}, name="mimo_bf16")
    assert [router_dtype.correction_bias_fp32(bf16, v) for v in (
        (0, 14, 0), (0, 30, 0), (0, 31, 0), (0, 34, 0))] == [False, False, True, True]
    for layout in (ParallelLayout(tp=4), ParallelLayout(tp=4, ep=True)):
        # the default float32 router in every release: 47 x 1,048,832 x 4 B = 197,180,416
        assert set(_router_bytes(default, (0, 30, 0), layout)) == set(
            _router_bytes(default, (0, 31, 0), layout)) == {197_180_416}
        # bf16 asked: 47 x (1,048,576 x 2 + 256 x 2) = 98,590,208 B on 0.30.0,
        # 47 x (1,048,576 x 2 + 256 x 4) = 98,614,272 B on 0.31.0: 47 x 256 x 2 = 24,064 more
        assert set(_router_bytes(bf16, (0, 30, 0), layout)) == {98_590_208}
        assert set(_router_bytes(bf16, (0, 31, 0), layout)) == {98_614_272}
    # the plan's weights per GPU move by those 24,064 B, and its weights term names the bias
    older, newer = (_planned_weights(bf16, v) for v in ("0.30.0", "0.31.0"))
    assert newer[0] - older[0] == 24_064
    named = "router's e_score_correction_bias in float32, as vLLM builds it"
    assert named not in older[1] and named in newer[1]


def _planned_weights(spec, version):
    """The plan's weights per GPU and the weights term's formula at TP 8 on 8 H200s."""
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 8),
                         layout=ParallelLayout(tp=8),
                         engine=EngineSettings(vllm_version=version, max_model_len=4096)))
    return p.per_gpu[0].weights_bytes, next(t.formula for t in p.terms if t.key == "weights")


def test_models_outside_the_rules_keep_the_model_dtype():
    # qwen3_moe.py builds its gate in the model dtype with no correction bias, whatever
    # moe_router_dtype says (only deepseek_v2.py's _get_moe_router_dtype reads it, 0.25.x):
    # Qwen3-30B-A3B's router 48 x 2,048 x 128 x 2 B = 25,165,824 B on every release
    qwen = parse_model_config(catalog_entry("Qwen/Qwen3-30B-A3B").config
                              | {"moe_router_dtype": "float32"}, name="qwen_fp32")
    for version in ((0, 10, 2), (0, 25, 0), (0, 34, 0)):
        assert not router_dtype.gate_fp32(qwen, version, H200)
        assert not router_dtype.correction_bias_fp32(qwen, version)
        assert set(_router_bytes(qwen, version, ParallelLayout(tp=4))) == {25_165_824}


@pytest.mark.parametrize(("repo", "fp8", "version", "per_layer"), [
    # qwen3_moe.py Qwen3MoeSparseMoeBlock's gate takes the quant config from 0.10.1
    # (vllm_versions.QWEN3_MOE_GATE_QUANTIZED_FROM): under --quantization fp8 of the BF16
    # checkpoint, 2,048 x 128 x 1 B a layer; with quant_config=None to 0.10.0, 2 B
    ("Qwen/Qwen3-30B-A3B", "fp8-tensor", (0, 10, 1), 2_048 * 128 * 1),
    ("Qwen/Qwen3-30B-A3B", "fp8-tensor", (0, 34, 0), 2_048 * 128 * 1),
    ("Qwen/Qwen3-30B-A3B", "fp8-tensor", (0, 10, 0), 2_048 * 128 * 2),
    # Qwen's FP8 checkpoint lists every mlp.gate in modules_to_not_convert: 16-bit
    ("Qwen/Qwen3-30B-A3B-FP8", None, (0, 34, 0), 2_048 * 128 * 2),
    # mixtral.py builds its gate with quant_config=None (GateLinear's default, 0.34.0): 16-bit
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "fp8-tensor", (0, 34, 0), 4_096 * 8 * 2),
    # qwen3_vl_moe.py's Qwen3MoeLLMModel builds Qwen3MoeSparseMoeBlock with vllm_config's
    # quant_config in every wheel that has the file (0.11.0-0.34.0): 2,048 x 128 x 1 B
    ("Qwen/Qwen3-VL-30B-A3B-Instruct", "fp8-tensor", (0, 11, 0), 2_048 * 128 * 1),
    ("Qwen/Qwen3-VL-30B-A3B-Instruct", "fp8-tensor", (0, 34, 0), 2_048 * 128 * 1),
    # qwen3_next.py Qwen3NextSparseMoeBlock's gate takes the quant config 0.10.2 (the file's
    # first wheel) to 0.16.0, quant_config=None from 0.17.0
    # (vllm_versions.QWEN3_NEXT_GATE_QUANTIZED_SPAN): 2,048 x 512 x 1 B, then 2 B
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "fp8-tensor", (0, 10, 2), 2_048 * 512 * 1),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "fp8-tensor", (0, 16, 0), 2_048 * 512 * 1),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "fp8-tensor", (0, 17, 0), 2_048 * 512 * 2),
    # qwen3_5.py builds Qwen3NextSparseMoeBlock, first in 0.17.0: its gate 16-bit
    ("Qwen/Qwen3.5-35B-A3B", "fp8-tensor", (0, 17, 0), 2_048 * 256 * 2),
    # qwen2_moe.py's gate and llama4.py's router: quant_config=None in every release
    ("Qwen/Qwen1.5-MoE-A2.7B", "fp8-tensor", (0, 10, 2), 2_048 * 60 * 2),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "fp8-tensor", (0, 16, 0), 5_120 * 16 * 2),
])
def test_gate_quantized_by_online_fp8(repo, fp8, version, per_layer):
    """router_dtype.GATE_QUANT_CONFIG_SPANS: the gate in FP8 (1 B) where the model file hands
    it the quant config, else 16-bit (2 B); every layer of these models is MoE."""
    spec = catalog_spec(repo)
    scheme = SCHEMES[fp8] if fp8 else checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, H200)
    # 48 (Qwen3-30B-A3B, Qwen3-VL-30B-A3B's text config, Qwen3-Next: decoder_sparse_step 1,
    # mlp_only_layers []), 32 (Mixtral), 40 (Qwen3.5-35B-A3B), 24 (Qwen1.5-MoE), 48 (Scout)
    layers = spec.num_layers
    assert rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].router_bytes == \
        layers * per_layer
