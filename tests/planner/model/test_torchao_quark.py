"""torchao and Quark checkpoints, planned as vLLM loads them (config.quant._torchao / _quark,
torchao_quark.own_loader_errors), against figures worked out by hand. Before, both quant_methods
were "not understood: planned as 16-bit weights".

The quantization_config blocks are the layouts vLLM's loaders read (quantization/torchao.py
TorchAOConfig.from_config, quark/quark.py QuarkConfig.from_config; 0.19.0-0.34.0 wheels) on
the real Qwen/Qwen3-8B and Qwen/Qwen3-30B-A3B configs (tests/fixtures/configs/SOURCES.md);
no verbatim config.json of a pytorch/ or amd/ checkpoint was found in the stored sources.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup import torchao_quark
from planner.serving.weights import rank_weights
from tests.conftest import past_v100_wheels

TORCHAO_INT4 = {"quant_method": "torchao", "modules_to_not_convert": None, "quant_type": {
    "default": {"_type": "Int4WeightOnlyConfig", "_version": 2, "_data": {
        "group_size": 128, "int4_packing_format": {"_type": "Int4PackingFormat",
                                                   "_data": "TILE_PACKED_TO_4D"}}}}}
_ROW = {"_type": "PerRow", "_version": 1, "_data": {"dim": -1}}
TORCHAO_FP8 = {"quant_method": "torchao", "quant_type": {"default": {
    "_type": "Float8DynamicActivationFloat8WeightConfig", "_version": 2,
    "_data": {"granularity": [_ROW, _ROW]}}}}
_FP8 = {"dtype": "fp8_e4m3", "qscheme": "per_tensor", "is_dynamic": False, "symmetric": True,
        "ch_axis": None, "group_size": None}
_KV = {"weight": _FP8, "input_tensors": _FP8, "output_tensors": _FP8, "bias": None}
QUARK_FP8_KV = {
    "quant_method": "quark",
    "export": {"kv_cache_group": ["*k_proj", "*v_proj"], "pack_method": "reorder",
               "weight_format": "real_quantized"},
    "global_quant_config": {"weight": _FP8, "input_tensors": _FP8, "output_tensors": None,
                            "bias": None},
    "layer_quant_config": {"*k_proj": _KV, "*v_proj": _KV},
    "layer_type_quant_config": {}, "exclude": ["lm_head"]}

# Qwen3-8B (config.json: hidden 4,096, 36 layers, 32 heads / 8 KV heads of 128, MLP 12,288,
# vocab 151,936, untied, max_position_embeddings 40,960):
#   linear weights per layer: q, o 4,096^2 = 16,777,216 each; k, v 4,096 x 1,024 = 4,194,304
#     each; MLP 3 x 4,096 x 12,288 = 150,994,944 -> 192,937,984; x 36 = 6,945,767,424
#   16-bit: embeddings = lm_head = 151,936 x 4,096 x 2 B = 1,244,659,712 B each; norms
#     (36 x (2 x 4,096 + 2 x 128) + 4,096) x 2 B = 616,448 B; rope cos/sin 40,960 x 128 x 2 B
#     = 10,485,760 B -> 2,500,421,632 B besides the linears
LINEARS = 6_945_767_424
KEPT_BYTES = 2 * 1_244_659_712 + 616_448 + 10_485_760


def _spec(quantization_config: dict, model: str = "Qwen/Qwen3-8B"):
    config = {**catalog_entry(model).config, "quantization_config": quantization_config}
    return parse_model_config(config, name="acme/quantized")


def _weights(spec) -> int:
    return rank_weights(spec, checkpoint_scheme(spec), ParallelLayout())[0].total_bytes


def _plan(spec, gpu: str, version: str = "0.34.0", **engine):
    return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def test_torchao_int4_qwen3_8b_weights_by_hand() -> None:
    # Int4WeightOnlyConfig group 128: int4 + a 16-bit scale and a 16-bit zero point per 128
    # inputs = 4 + 32/128 = 4.25 bits: 6,945,767,424 x 4.25 / 8 = 3,689,938,944 B
    # -> 3,689,938,944 + 2,500,421,632 = 6,190,360,576 B (5.77 GiB; 16-bit: 16,391,956,480 B)
    spec = _spec(TORCHAO_INT4)
    assert spec.quant.scheme == "torchao-int4-g128" and spec.unread_quant_method is None
    assert _weights(spec) == 3_689_938_944 + KEPT_BYTES == 6_190_360_576
    assert any("pip install torchao>=0.10.0" in w for w in spec.warnings)
    p = _plan(spec, "rtx-4090")
    assert p.fits and p.verdict.startswith("Fits: ")


def test_torchao_leaves_routed_experts_16_bit() -> None:
    # Qwen3-30B-A3B: 48 layers x 128 experts x 3 x 2,048 x 768 = 28,991,029,248 expert
    # weights; vLLM's TorchAOConfig gives FusedMoE layers no method (UnquantizedFusedMoEMethod):
    # 2 B each = 57,982,058,496 B, in int4 as in FP8
    for config in (TORCHAO_INT4, TORCHAO_FP8):
        spec = _spec(config, "Qwen/Qwen3-30B-A3B")
        rank = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout())[0]
        assert rank.experts_bytes == 57_982_058_496, config
        # attention: 48 x (2 x 2,048 x 4,096 + 2 x 2,048 x 512) = 905,969,664 weights, quantized
        assert rank.attention_bytes < 905_969_664 * 2


def test_torchao_fp8_needs_fp8_tensor_cores() -> None:
    # Float8DynamicActivationFloat8WeightConfig, PerRow: FP8 weights with fp32 row scales
    spec = _spec(TORCHAO_FP8)
    assert spec.quant.scheme == "fp8-channel"
    a100 = _plan(spec, "a100-80gb")
    assert not a100.fits and a100.errors[0].startswith(
        "torchao FP8 activation quantization config 'Float8DynamicActivationFloat8WeightConfig' "
        "requires GPU compute capability >= 8.9 (e.g., NVIDIA Ada Lovelace / Hopper or AMD "
        "MI300+) (current GPU compute capability: 8.0).")
    # 0.21.0 has no such check in vLLM: torchao's own assertion stops it
    assert _plan(spec, "a100-80gb", "0.21.0").errors[0].startswith(
        "Float8 dynamic activation quantization is only supported on CUDA>=8.9 and MI300+")
    assert _plan(spec, "rtx-4090").fits


def test_quark_fp8_kv_weights_by_hand_and_capability() -> None:
    # FP8 per-tensor weights: 1 B each (one fp32 scale per tensor, 4 B, left out) with lm_head
    # excluded: 6,945,767,424 + 2,500,421,632 = 9,446,189,056 B (16-bit: 16,391,956,480 B)
    spec = _spec(QUARK_FP8_KV)
    assert spec.quant.method == "quark" and spec.quant.scheme == "fp8-tensor"
    assert _weights(spec) == LINEARS + KEPT_BYTES == 9_446_189_056
    # QuarkW8A8Fp8.get_min_capability() is 89: an A100 (80) is refused in vLLM's words
    a100 = _plan(spec, "a100-80gb")
    assert not a100.fits and a100.errors[0].startswith(
        "Quantization scheme is not supported for the current GPU. Min capability: 89. "
        "Current capability: 80.")
    h100 = _plan(spec, "h100-sxm")
    assert h100.fits
    # kv_cache_group: --kv-cache-dtype auto keeps the model's dtype (vLLM resolves `auto`
    # from ModelOpt configs only): 36 layers x 2 x 8 x 128 x 2 B = 147,456 B per token
    assert any("--kv-cache-dtype fp8" in w for w in spec.warnings)
    assert h100.kv_bytes_per_token == 147_456


def test_quark_per_block_fp8_from_0_28() -> None:
    block = {**_FP8, "qscheme": "per_block", "block_size": [128, 128]}
    act = {**_FP8, "qscheme": "per_group", "group_size": 128, "is_dynamic": True}
    config = {**QUARK_FP8_KV, "export": {"kv_cache_group": []}, "layer_quant_config": {},
              "global_quant_config": {"weight": block, "input_tensors": act}}
    spec = _spec(config)
    assert spec.quant.scheme == "fp8-block128"
    assert _plan(spec, "h100-sxm", "0.28.0").fits
    assert _plan(spec, "h100-sxm", "0.27.0").errors[0].startswith(
        "No quark compatible scheme was found.")


def test_quark_int8_w8a8_needs_7_5() -> None:
    int8 = {"dtype": "int8", "qscheme": "per_channel", "is_dynamic": False, "symmetric": True}
    act = {"dtype": "int8", "qscheme": "per_channel", "is_dynamic": True, "symmetric": True}
    spec = _spec({**QUARK_FP8_KV, "export": {"kv_cache_group": []}, "layer_quant_config": {},
                  "global_quant_config": {"weight": int8, "input_tensors": act}})
    assert spec.quant.scheme == "w8a8-int8"
    v100 = _plan(spec, "v100-sxm2-32gb")
    assert not v100.fits and past_v100_wheels(v100.errors)[0].startswith(
        "Quantization scheme is not supported for the current GPU. Min capability: 75. "
        "Current capability: 70.")


def test_formats_not_read_are_named_and_planned_16_bit() -> None:
    # a torchao type Headroom does not size: named, 16-bit, counted as unread
    int8 = {"quant_method": "torchao", "quant_type": {"default": {
        "_type": "Int8WeightOnlyConfig", "_version": 1, "_data": {}}}}
    spec = _spec(int8)
    assert spec.quant is None and spec.unread_quant_method == "torchao"
    assert any("quant_type 'Int8WeightOnlyConfig' not understood" in w for w in spec.warnings)
    # a Quark format Headroom does not read likewise: MXFP4 weights with static FP8 inputs
    # (vLLM's QuarkW4A8_MXFP4_FP8)
    fp4 = {"dtype": "fp4", "qscheme": "per_group", "group_size": 32, "scale_format": "e8m0"}
    mx = _spec({**QUARK_FP8_KV, "export": {"kv_cache_group": []}, "layer_quant_config": {},
                "global_quant_config": {"weight": fp4, "input_tensors": _FP8}})
    assert mx.quant is None and mx.unread_quant_method == "quark"
    assert any("global_quant_config not understood (weight 'fp4' 'per_group', input_tensors "
               "'fp8_e4m3' 'per_tensor')" in w for w in mx.warnings)
    assert _plan(mx, "h100-sxm").verdict.startswith(
        "Fits (unmodelled: quark weights planned as 16-bit): ")


@pytest.mark.parametrize(("config", "words"), [
    ({"quant_method": "quark"}, "The export key should be included in the configurations of "
                                "Quark quantized model"),
    ({**QUARK_FP8_KV, "layer_quant_config": {}}, "The Quark quantized model has the "
                                                 "kv_cache_group parameter setting"),
    ({"quant_method": "torchao"}, "quant_type must be specified"),
    ({"quant_method": "torchao", "quant_type": {"default": {}, "other": {}}},
     "Expected only one key 'default' in quant_type dictionary"),
])
def test_configs_vllm_stops_at_are_refused_in_its_words(config: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        _spec(config)


def _moe_quark(weight: dict, inputs: dict) -> object:
    return _spec({**QUARK_FP8_KV, "export": {"kv_cache_group": []}, "layer_quant_config": {},
                  "global_quant_config": {"weight": weight, "input_tensors": inputs}},
                 "Qwen/Qwen3-30B-A3B")


def test_quark_moe_pairs_weight_and_input_scales() -> None:
    # per-channel FP8 weights with dynamic per-tensor inputs load as linears
    # (QuarkConfig._is_fp8_w8a8), but QuarkW8A8Fp8MoEMethod pairs the two qschemes
    channel = {**_FP8, "qscheme": "per_channel"}
    tensor_in = {**_FP8, "is_dynamic": True}
    p = _plan(_moe_quark(channel, tensor_in), "h100-sxm")
    assert not p.fits and p.errors[0].startswith(
        "For FP8 Fused MoE layers, only per-tensor, per-channel and per-block scales for "
        "weights and activations are supported. Found per_channel, per_tensor")
    assert _plan(_moe_quark(channel, {**tensor_in, "qscheme": "per_channel"}), "h100-sxm").fits
    # per-block experts: the MoE method takes them from 0.30, the linears from 0.28
    block = {**_FP8, "qscheme": "per_block", "block_size": [128, 128]}
    group_in = {**_FP8, "qscheme": "per_group", "group_size": 128, "is_dynamic": True}
    spec = _moe_quark(block, group_in)
    assert _plan(spec, "h100-sxm", "0.29.0").errors[0].startswith(
        "For FP8 Fused MoE layers, only per-tensor and per-channel scales for weights and "
        "activations are supported. Found per_block, per_group")
    assert _plan(spec, "h100-sxm", "0.30.0").fits


def test_quark_int8_experts_from_0_20() -> None:
    # static per-tensor inputs, which 0.19.0's linears take (_is_static_tensor_w8a8), so the
    # experts are what stops it; 0.20.0's QuarkW8A8Int8MoEMethod takes them
    int8 = {"dtype": "int8", "qscheme": "per_channel", "is_dynamic": False, "symmetric": True}
    act = {"dtype": "int8", "qscheme": "per_tensor", "is_dynamic": False, "symmetric": True}
    spec = _moe_quark(int8, act)
    assert _plan(spec, "h100-sxm", "0.19.0").errors[0] == (
        "Unsupported FusedMoe scheme (vLLM 0.19.0 quark_moe.py: no INT8 MoE method before 0.20.0)")
    assert _plan(spec, "h100-sxm", "0.20.0").fits


def test_quark_moe_refusal_names_the_first_release_from_its_constant(monkeypatch) -> None:
    # The release the refusal names is the constant's (torchao_quark.QUARK_INT8_MOE_FROM,
    # QUARK_MX_MOE_FROM) as a full release, "0.20.0", not hand-written beside it: moved, the
    # words follow. Called directly: a plan's checks are cached per release.
    int8 = {"dtype": "int8", "qscheme": "per_channel", "is_dynamic": False, "symmetric": True}
    act = {"dtype": "int8", "qscheme": "per_tensor", "is_dynamic": False, "symmetric": True}
    spec = _moe_quark(int8, act)
    int8_scheme = checkpoint_scheme(spec)
    mx = _moe_quark(_MXFP4, {**_MXFP4, "is_dynamic": True})
    assert torchao_quark._quark_moe_errors(mx, checkpoint_scheme(mx), (0, 9, 2)) == [
        "Unsupported FusedMoe scheme (vLLM 0.9.2 quark_moe.py: no OCP MX MoE method before 0.10.0)"]
    monkeypatch.setattr(torchao_quark, "QUARK_INT8_MOE_FROM", (0, 21, 1))
    assert torchao_quark._quark_moe_errors(spec, int8_scheme, (0, 20, 0)) == [
        "Unsupported FusedMoe scheme (vLLM 0.20.0 quark_moe.py: no INT8 MoE method before 0.21.1)"]


_MX = {"qscheme": "per_group", "group_size": 32, "scale_format": "e8m0", "is_dynamic": False,
       "ch_axis": -1}


@pytest.mark.parametrize(("values", "bits", "weights"), [
    # Qwen3-30B-A3B: attention 905,969,664 + experts 28,991,029,248 = 29,896,998,912 weights
    # in OCP MX (router "*mlp.gate" and lm_head excluded); 16-bit: router 48 x 128 x 2,048 =
    # 12,582,912 x 2 B = 25,165,824 + embeddings and lm_head 2 x 151,936 x 2,048 x 2 B =
    # 1,244,659,712 + norms (48 x (2 x 2,048 + 2 x 128) + 2,048) x 2 B = 421,888 + rope
    # 40,960 x 128 x 2 B = 10,485,760 -> 1,280,733,184 B (16-bit in all: 61,074,731,008 B)
    ("fp4", 4.25, 29_896_998_912 * 4.25 / 8 + 1_280_733_184),   # = 17,163,513,856
    ("fp6_e2m3", 6.25, 29_896_998_912 * 6.25 / 8 + 1_280_733_184),  # = 24,637,763,584
])
def test_quark_ocp_mx_every_linear_and_expert(values: str, bits: float, weights: float) -> None:
    # QuarkOCP_MX packs the values (MXFP4 two a byte, MXFP6 four in three) with one e8m0
    # scale per 32: 4 + 8/32 = 4.25 and 6 + 8/32 = 6.25 bits; attention too (unlike gpt-oss's
    # Mxfp4Config, experts only)
    mx = {**_MX, "dtype": values}
    spec = _spec({**QUARK_FP8_KV, "export": {"kv_cache_group": []}, "layer_quant_config": {},
                  "exclude": ["lm_head", "*mlp.gate"],
                  "global_quant_config": {"weight": mx, "input_tensors": {**mx,
                                                                          "is_dynamic": True}}},
                 "Qwen/Qwen3-30B-A3B")
    assert checkpoint_scheme(spec).bits_per_weight == bits
    assert _weights(spec) == weights
    assert _plan(spec, "h100-sxm").fits and _plan(spec, "mi300x").fits


_DYNAMIC_FP8 = {**_FP8, "is_dynamic": True}


def _quark_global(weight: object, inputs: object) -> dict:
    return {**QUARK_FP8_KV, "export": {"kv_cache_group": []}, "layer_quant_config": {},
            "global_quant_config": {"weight": weight, "input_tensors": inputs}}


def _torchao_fp8(granularity: object) -> dict:
    return {"quant_method": "torchao", "quant_type": {"default": {
        "_type": "Float8DynamicActivationFloat8WeightConfig", "_data": {
            "granularity": granularity}}}}


@pytest.mark.parametrize(("config", "shown"), [
    # a granularity whose _type is an object or a list, not a class name (torchao's
    # config_from_dict imports _type by name: vLLM stops at load)
    (_torchao_fp8({"_type": {"a": 1}}), "granularity {'_type': {'a': 1}}"),
    (_torchao_fp8([{"_type": [1]}, {"_type": [1]}]), "granularity [{'_type': [1]}"),
    # Quark OCP MX weights whose dtype is a list; FP8 per_block weights whose block_size is a
    # number (vLLM's _is_fp8_w8a8 takes list(block_size): TypeError at load from 0.28)
    (_quark_global({**_MX, "dtype": ["fp4"]}, None), "weight ['fp4'] 'per_group'"),
    (_quark_global({**_FP8, "qscheme": "per_block", "block_size": 128},
                   {**_DYNAMIC_FP8, "qscheme": "per_group", "group_size": 128}),
     "weight 'fp8_e4m3' 'per_block'"),
])
def test_malformed_formats_are_named_not_a_type_error(config: dict, shown: str) -> None:
    # each stopped the parser with "config.json is malformed: TypeError: unhashable type" (or
    # "'int' object is not iterable"), naming no field; now the format is named in the
    # not-understood warning and planned as 16-bit weights
    spec = _spec(config)
    assert spec.quant is None
    assert any("not understood" in w and shown in w for w in spec.warnings), spec.warnings


def test_quark_fp8_input_qscheme_not_a_name_is_none() -> None:
    # FP8 per-tensor weights with dynamic inputs whose qscheme is a list: vLLM's _is_fp8_w8a8
    # takes dynamic inputs whatever their qscheme (a dynamic per-tensor activation key unless
    # "per_channel", 0.34.0), so the linears load; the spec keeps no qscheme (it was a
    # validation error, "config.json gives an invalid input_qscheme", naming no key of the file)
    spec = _spec(_quark_global(_FP8, {**_DYNAMIC_FP8, "qscheme": ["per_tensor"]}))
    assert spec.quant.scheme == "fp8-tensor" and spec.quant.input_qscheme is None
    assert _plan(spec, "h100-sxm").fits


def test_torchao_int4_version_shown_as_written() -> None:
    # _version "2" (a string) is not torchao's version 2: the warning shows it quoted (it read
    # "_version 2: torchao 0.18.0 quantizes version 2 only", contradicting itself)
    default = {**TORCHAO_INT4["quant_type"]["default"], "_version": "2"}
    spec = _spec({**TORCHAO_INT4, "quant_type": {"default": default}})
    assert any("Int4WeightOnlyConfig _version '2': torchao 0.18.0" in w for w in spec.warnings)


_INT8 = {"dtype": "int8", "qscheme": "per_channel", "is_dynamic": False, "symmetric": True}


def test_quark_int8_dynamic_per_token_inputs_from_0_20() -> None:
    # dynamic per-token INT8 inputs (per_channel, is_dynamic): quark.py reads them from 0.20.0
    # (_is_dynamic_per_token_w8a8); 0.19.0 takes static per-tensor inputs only and its
    # _get_scheme_from_config raises "No quark compatible scheme was found." at the first
    # linear. A dense Qwen3-8B, so no MoE rule is involved.
    dynamic = {**_INT8, "qscheme": "per_channel", "is_dynamic": True}
    spec = _spec(_quark_global(_INT8, dynamic))
    assert spec.quant.scheme == "w8a8-int8" and spec.quant.input_qscheme == "per_channel"
    old = _plan(spec, "h100-sxm", "0.19.0")
    assert not old.fits and old.errors[0].startswith("No quark compatible scheme was found.")
    assert _plan(spec, "h100-sxm", "0.20.0").fits
    # static per-tensor inputs load on 0.19.0
    static = _spec(_quark_global(_INT8, {**_INT8, "qscheme": "per_tensor"}))
    assert _plan(static, "h100-sxm", "0.19.0").fits


def test_quark_fp8_below_8_9_in_each_release_words() -> None:
    # an A100 (compute capability 8.0) with Quark FP8 W8A8: up to 0.29.0 quark.py asks
    # _check_scheme_supported(89, error=False) and falls through to "No quark compatible scheme
    # was found."; from 0.30.0 init_scheme raises "Quantization scheme is not supported ..."
    spec = _spec(_quark_global(_FP8, _FP8))
    old = _plan(spec, "a100-80gb", "0.29.0")
    assert not old.fits and old.errors[0].startswith("No quark compatible scheme was found.")
    assert "current capability: 80" in old.errors[0]
    new = _plan(spec, "a100-80gb", "0.30.0")
    assert not new.fits and new.errors[0].startswith(
        "Quantization scheme is not supported for the current GPU. Min capability: 89. "
        "Current capability: 80.")


_MXFP4 = {**_MX, "dtype": "fp4"}


@pytest.mark.parametrize(("weight", "inputs", "refused_before"), [
    # MXFP4 weights with dynamic MXFP4 inputs: _is_mx_fp4 reads them in the 0.9.1 wheel
    (_MXFP4, {**_MXFP4, "is_dynamic": True}, None),
    # MXFP4 weights with 16-bit inputs: _is_w_ocp_mx_a_x (weights only) from 0.17.0; 0.12.0 -
    # 0.16.x's _is_ocp_mx and 0.9.1 - 0.11.x's _is_mx_fp4 want MX inputs
    (_MXFP4, None, "0.17.0"),
    # MXFP6 weights and inputs: _is_ocp_mx from 0.12.0; _is_mx_fp4 reads fp4 only
    ({**_MX, "dtype": "fp6_e2m3"}, {**_MX, "dtype": "fp6_e2m3", "is_dynamic": True}, "0.12.0"),
])
def test_quark_ocp_mx_linears_by_release(weight: dict, inputs: dict | None,
                                         refused_before: str | None) -> None:
    # on an H100 (vLLM emulates OCP MX there; QuarkOCP_MX / QuarkW4A4MXFP4 need 7.0)
    spec = _spec(_quark_global(weight, inputs))
    assert spec.quant.method == "quark" and spec.quant.scheme.startswith("quark-mx")
    releases = ("0.9.1", "0.11.0", "0.12.0", "0.16.0", "0.17.0", "0.34.0")
    refused = [v for v in releases if not _plan(spec, "h100-sxm", v).fits]
    first_loading = releases.index(refused_before) if refused_before else 0
    assert refused == list(releases[:first_loading])
    if refused:
        assert _plan(spec, "h100-sxm", refused[0]).errors[0].startswith(
            "No quark compatible scheme was found.")


def test_quark_moe_methods_by_release() -> None:
    # OCP MX experts: quark_moe.py has no MX MoE method in 0.9.1 / 0.9.2 ("Unsupported FusedMoe
    # scheme"), QuarkW4A4MXFp4MoEMethod from 0.10.0
    mx = _moe_quark(_MXFP4, {**_MXFP4, "is_dynamic": True})
    assert _plan(mx, "h100-sxm", "0.9.2").errors[0].startswith("Unsupported FusedMoe scheme")
    assert _plan(mx, "h100-sxm", "0.10.0").fits
    # FP8 per-channel weights with dynamic per-channel inputs: QuarkW8A8Fp8MoEMethod pairs them
    # from 0.11.0; 0.9.1 - 0.10.2 take per-tensor scales only
    channel = _moe_quark({**_FP8, "qscheme": "per_channel"},
                         {**_DYNAMIC_FP8, "qscheme": "per_channel"})
    assert _plan(channel, "h100-sxm", "0.10.2").errors[0].startswith(
        "For FP8 Fused MoE layers, only per-tensor scales for weights and activations are "
        "supported. Found per_channel, per_channel")
    assert _plan(channel, "h100-sxm", "0.11.0").fits
    assert _plan(_moe_quark(_FP8, _FP8), "h100-sxm", "0.9.1").fits


def test_a_group_size_out_of_range_says_the_range() -> None:
    # 10**30 is an integer: "must be an integer, got 1000000000000000000000000000000" read as
    # if it were not; the range the parser takes (-1 to 2**20 = 1,048,576) is said instead
    default = {**TORCHAO_INT4["quant_type"]["default"], "_data": {"group_size": 10**30}}
    with pytest.raises(ConfigError, match=r"group_size must be an integer from -1 to 1,048,576, "
                                          r"got 1,000,000,000,000,000,000,000,000,000,000$"):
        _spec({**TORCHAO_INT4, "quant_type": {"default": default}})


def _what_if_note(target: str, version: str) -> str:
    spec = catalog_entry("Qwen/Qwen3-8B")
    bf16 = parse_model_config(spec.config, name="Qwen/Qwen3-8B")
    return _plan(bf16, "h100-sxm", version, target_quant=target).launch_note


def test_what_if_notes_name_the_tool_and_what_vllm_makes_at_load() -> None:
    # neither llm-compressor nor GPTQModel writes a torchao or Quark OCP MX config (the note
    # named them). torchao: model_loader/weight_utils.py get_quant_config takes a torchao
    # config from --hf-overrides (quantization_config_dict_json) from 0.11.1, so "cannot make
    # one at load" is 0.11.0's case only
    note = _what_if_note("torchao-int4-g128", "0.34.0")
    assert "vLLM 0.34.0 makes one at load only from a torchao config in --hf-overrides" in note
    assert "quantize it first (e.g. with torchao)" in note
    assert "cannot make one at load: quantize it first (e.g. with torchao)" in _what_if_note(
        "torchao-int4-g128", "0.11.0")
    assert "cannot make one at load: quantize it first (e.g. with AMD Quark)" in _what_if_note(
        "quark-mxfp4", "0.34.0")
