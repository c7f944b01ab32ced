"""bitsandbytes' llm_int8_skip_modules and TorchAO's modules_to_not_convert matched as vLLM's
loaders match them against the MERGED layers' names (exclusion_match LIST_MATCH "parts" and
"dotted"): bitsandbytes.py is_layer_skipped_bnb (an entry equal to a dot-separated part of the
name or a leading run of parts; 0.9.0-0.27.0, read in 0.19.0 and 0.27.0) and torchao.py
should_skip (the name itself or ".entry." inside it; 0.9.2-0.34.0, read in 0.19.0 and
0.34.0). A list naming q_proj (or q_proj, k_proj and v_proj each) keeps no qkv_proj 16-bit.
Bytes per GPU (H200, TP 1) worked by hand."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.hardware import GPU_PRESETS
from planner.serving.layout import ParallelLayout
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights

H200 = GPU_PRESETS["h200"]
BNB = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
       "bnb_4bit_use_double_quant": True}
TORCHAO = {"quant_method": "torchao", "quant_type": {"default": {
    "_type": "Int4WeightOnlyConfig", "_version": 2, "_data": {"group_size": 128}}}}

# Qwen2.5-7B-Instruct (config.json): hidden 3,584, 28 heads and 4 KV heads of 128, intermediate
# 18,944, 28 layers. Per layer: q_proj and o_proj 3,584 x 3,584 = 12,845,056 weights each,
# k_proj and v_proj 512 x 3,584 = 1,835,008 each: attention 29,360,128 weights; q/k/v biases
# (3,584 + 2 x 512) x 2 B = 9,216 B, 16-bit whatever the list.
LAYERS = 28
Q_OR_O = 3_584 * 3_584
KV = 512 * 3_584
ATTENTION = 2 * Q_OR_O + 2 * KV  # 29,360,128
BIAS = (3_584 + 2 * 512) * 2  # 9,216 B
MLP = 3 * 3_584 * 18_944  # gate/up/down: 203,685,888 weights


def _nf4(weights: int) -> int:
    """NF4 with double quant: 4 + 8 / 64 + 32 / 16,384 = 4.126953125 bits = 33.015625 B per 64
    weights (every count here divides by 64)."""
    return weights // 64 * 33 + weights // 64 // 64  # 33 B + 1/64 B a block


def _int4_g128(weights: int) -> int:
    """torchao Int4WeightOnlyConfig group 128: 4 + (16 + 16) / 128 = 4.25 bits = 68 B per 128
    weights."""
    return weights // 128 * 68


def _spec(repo: str, quantization_config: dict):
    config = copy.deepcopy(catalog_entry(repo).config)
    config["quantization_config"] = quantization_config
    return parse_model_config(config)


def _weights(spec, version):
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, H200)
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0]


def test_the_hand_rates():
    """29,360,128 / 64 = 458,752 blocks x 33.015625 = 15,145,984 B NF4; / 128 = 229,376 groups
    x 68 = 15,597,568 B int4 g128."""
    assert _nf4(ATTENTION) == 15_145_984
    assert _int4_g128(ATTENTION) == 15_597_568


@pytest.mark.parametrize("entries", [
    ["q_proj"],  # not a part of 'model.layers.N.self_attn.qkv_proj'
    ["q_proj", "k_proj", "v_proj"],
    ["model.layers.0.self_attn.q_proj"],  # no leading run of the merged name
])
def test_bitsandbytes_shard_names_keep_no_qkv_proj(entries):
    """is_layer_skipped_bnb never sees a shard's name: every layer's attention NF4,
    28 x (15,145,984 + 9,216) = 424,345,600 B (the full name was planned 16-bit in its share:
    layer 0 25,690,112 + 8,519,616 + 9,216 = 34,218,944 B, not 15,155,200; the bare names were
    placed nowhere)."""
    spec = _spec("Qwen/Qwen2.5-7B-Instruct", {**BNB, "llm_int8_skip_modules": entries})
    assert _weights(spec, (0, 19, 0)).attention_bytes == LAYERS * (_nf4(ATTENTION) + BIAS) \
        == 424_345_600


@pytest.mark.parametrize(("entry", "kept_layers"), [
    ("self_attn", 28),  # a part of every attention layer's name
    ("model.layers.3.self_attn", 1),  # a leading run of layer 3's names
    ("3", 1),  # the part "3" of 'model.layers.3.…'
])
def test_bitsandbytes_parts_and_leading_runs(entry, kept_layers):
    """Kept attention 16-bit: 29,360,128 x 2 + 9,216 = 58,729,472 B a layer, the others
    15,155,200: 'self_attn' 28 x 58,729,472 = 1,644,425,216 B; one layer 58,729,472 +
    27 x 15,155,200 = 467,919,872 B."""
    spec = _spec("Qwen/Qwen2.5-7B-Instruct", {**BNB, "llm_int8_skip_modules": [entry]})
    kept, quantized = ATTENTION * 2 + BIAS, _nf4(ATTENTION) + BIAS
    assert _weights(spec, (0, 19, 0)).attention_bytes == kept_layers * kept + (
        LAYERS - kept_layers) * quantized


def test_bitsandbytes_layer_entry_keeps_its_mlp_too():
    """'3' is a part of 'model.layers.3.mlp.gate_up_proj' and '.down_proj': layer 3's MLP
    16-bit, 203,685,888 x 2 = 407,371,776 B, beside 27 x 105,075,264 (NF4: 3,182,592 blocks
    x 33.015625) = 2,837,032,128: 3,244,403,904 B (was all NF4: '3' placed nowhere)."""
    spec = _spec("Qwen/Qwen2.5-7B-Instruct", {**BNB, "llm_int8_skip_modules": ["3"]})
    assert _nf4(MLP) == 105_075_264
    assert _weights(spec, (0, 19, 0)).dense_mlp_bytes == MLP * 2 + 27 * _nf4(MLP) \
        == 3_244_403_904


# Qwen3-30B-A3B: 48 MoE layers, each gate 2,048 (hidden) x 128 (experts) = 262,144 weights:
# 524,288 B 16-bit, NF4 4,096 blocks x 33.015625 = 135,232 B (BitsAndBytesLinearMethod: the
# model file hands the gate the quant config from 0.10.1).
GATES = 48
GATE_BF16 = 262_144 * 2
GATE_NF4 = 135_232


@pytest.mark.parametrize(("entry", "kept"), [
    ("gate", 48),  # the last part of each 'model.layers.N.mlp.gate'
    ("mlp.gate", 0),  # neither one part nor a leading run (was read as every gate)
    ("model.layers.3.mlp.gate", 1),  # the whole name, a leading run
])
def test_bitsandbytes_gate_entries(entry, kept):
    """'mlp.gate' keeps nothing: 48 x 135,232 = 6,491,136 B (was 48 x 524,288 = 25,165,824);
    layer 3's name 524,288 + 47 x 135,232 = 6,880,192 B."""
    spec = _spec("Qwen/Qwen3-30B-A3B", {**BNB, "llm_int8_skip_modules": ["lm_head", entry]})
    assert _nf4(262_144) == GATE_NF4
    assert _weights(spec, (0, 19, 0)).router_bytes == kept * GATE_BF16 + (
        GATES - kept) * GATE_NF4


def test_bitsandbytes_keeps_no_routed_experts():
    """BitsAndBytesConfig.get_quant_method hands a FusedMoE BitsAndBytesMoEMethod without
    asking the list: 'experts' keeps nothing. One layer's 128 experts, 3 x 2,048 x 768 =
    603,979,776 weights, NF4 9,437,184 blocks x 33.015625 = 311,574,528 B; x 48 =
    14,955,577,344 B (was 16-bit, 48 x 1,207,959,552)."""
    spec = _spec("Qwen/Qwen3-30B-A3B", {**BNB, "llm_int8_skip_modules": ["lm_head", "experts"]})
    assert _nf4(603_979_776) == 311_574_528
    assert _weights(spec, (0, 19, 0)).experts_bytes == GATES * 311_574_528 == 14_955_577_344


@pytest.mark.parametrize("version", [(0, 19, 0), (0, 34, 0)])
@pytest.mark.parametrize("entries", [
    ["q_proj"],  # '.q_proj.' is not in '.model.layers.N.self_attn.qkv_proj.'
    ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"],
])
def test_torchao_shard_names_keep_no_qkv_proj(entries, version):
    """should_skip never sees a shard's name: attention int4, 28 x (15,597,568 + 9,216) =
    436,989,952 B (the 'self_attn.' names were planned 16-bit in their share: 28 x (16,515,072 x 2
    + o_proj's 6,823,936 + 9,216) = 1,116,172,288; the bare name was placed nowhere)."""
    spec = _spec("Qwen/Qwen2.5-7B-Instruct", {**TORCHAO, "modules_to_not_convert": entries})
    assert _weights(spec, version).attention_bytes == LAYERS * (
        _int4_g128(ATTENTION) + BIAS) == 436_989_952


def test_torchao_dotted_entry_keeps_one_layer():
    """'.layers.1.' is inside each of layer 1's names and no other's (not layer 10's-19's):
    layer 1's attention 58,729,472 B and MLP 407,371,776 B 16-bit, the others int4 (attention
    15,606,784 B, MLP 1,591,296 groups x 68 = 108,208,128 B): attention 58,729,472 +
    27 x 15,606,784 = 480,112,640 B, MLP 407,371,776 + 27 x 108,208,128 = 3,328,991,232 B
    (was all int4: 'layers.1' placed nowhere)."""
    spec = _spec("Qwen/Qwen2.5-7B-Instruct", {**TORCHAO, "modules_to_not_convert": ["layers.1"]})
    weights = _weights(spec, (0, 34, 0))
    assert weights.attention_bytes == ATTENTION * 2 + BIAS + 27 * (
        _int4_g128(ATTENTION) + BIAS) == 480_112_640
    assert weights.dense_mlp_bytes == MLP * 2 + 27 * _int4_g128(MLP) == 3_328_991_232
