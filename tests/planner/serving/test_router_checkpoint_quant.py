"""A MoE gate under a quantized checkpoint, per quantization method (router_dtype.
checkpoint_gate_quantized, GATE_QUANTIZING_METHODS): where the model file hands the gate the quant
config (Qwen3-MoE from vLLM 0.10.1), the method's loader quantizes it unless the checkpoint's
exclusion list names it (fp8, compressed-tensors, ModelOpt, AWQ with a list, bitsandbytes), or
keeps it 16-bit whatever the list (GPTQ, MXFP4). Bytes per GPU of Qwen3-30B-A3B's 48 gates,
each 2,048 (hidden) x 128 (experts) = 262,144 weights, whole on every rank."""

import copy

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import SCHEMES, checkpoint_scheme
from planner.serving.hardware import GPU_PRESETS
from planner.serving.layout import ParallelLayout
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights

H200 = GPU_PRESETS["h200"]
LAYERS = 48
GATE = 2_048 * 128  # 262,144 weights a layer
BF16 = GATE * 2  # 524,288 B a layer
# Fp8LinearMethod, 128 x 128 blocks: the fp8 weight, 1 B each, and weight_scale_inv float32
# [ceil(128 / 128), ceil(2,048 / 128)] = 16 x 4 B: 262,144 + 64 = 262,208 B a layer
FP8_BLOCK = GATE + 16 * 4
# AWQ int4, group 128: qweight int32 [2,048, 128 / 8] = 131,072 B, scales fp16 [16, 128] =
# 4,096 B, qzeros int32 [16, 128 / 8] = 1,024 B: 136,192 B a layer (Marlin repacks them whole)
AWQ = GATE // 2 + 16 * 128 * 2 + 16 * 16 * 4
GPTQ_GATE = [f"model.layers.{i}.mlp.gate" for i in range(LAYERS)]
FP8 = {"quant_method": "fp8", "activation_scheme": "dynamic"}
AWQ_CONFIG = {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True,
              "version": "gemm"}
CT_W4A16 = {"quant_method": "compressed-tensors", "format": "pack-quantized", "config_groups": {
    "group_0": {"targets": ["Linear"], "input_activations": None, "weights": {
        "num_bits": 4, "type": "int", "symmetric": True, "strategy": "group",
        "group_size": 128, "dynamic": False, "actorder": None}}}}


def _qwen3_30b(quantization_config: dict | None = None, hf_quant_config: dict | None = None):
    """Qwen3-30B-A3B's config.json with this quantization_config (or hf_quant_config.json)."""
    config = copy.deepcopy(catalog_entry("Qwen/Qwen3-30B-A3B").config)
    if quantization_config is not None:
        config["quantization_config"] = quantization_config
    return parse_model_config(config, hf_quant_config)


def _router_bytes(spec, version, scheme=None) -> int:
    """The router bytes one GPU holds under `version` on an H200 (TP 1)."""
    scheme = scheme or checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, H200)
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].router_bytes


@pytest.mark.parametrize("version", [(0, 19, 0), (0, 34, 0)])
@pytest.mark.parametrize(("quantization_config", "per_layer"), [
    # Fp8Config.get_quant_method: a gate no ignore list names gets Fp8LinearMethod
    ({**FP8, "weight_block_size": [128, 128], "modules_to_not_convert": ["lm_head"]},
     FP8_BLOCK),
    # every gate named (as Qwen's FP8 checkpoints do): UnquantizedLinearMethod, 2 B a weight,
    # though the per-tensor scheme is --quantization fp8's (was planned at 1 B)
    ({**FP8, "modules_to_not_convert": ["lm_head", *GPTQ_GATE]}, BF16),
    # AWQ with a list that does not name the gate: AWQ(Marlin)LinearMethod
    ({**AWQ_CONFIG, "modules_to_not_convert": ["lm_head"]}, AWQ),
    # is_layer_skipped's substring match: "gate" in "model.layers.0.mlp.gate"
    ({**AWQ_CONFIG, "modules_to_not_convert": ["gate"]}, BF16),
    # no list: maybe_update_config keeps the layers stored 16-bit (the gate, as AutoAWQ
    # checkpoints store it), from 0.11.1
    (AWQ_CONFIG, BF16),
    # compressed-tensors W4A16 symmetric, group 128: weight_packed int32 [128, 2,048 / 8] =
    # 131,072 B + weight_scale bf16 [128, 16] = 4,096 B (its weight_shape, two int64, is not
    # counted, as for every compressed-tensors linear)
    ({**CT_W4A16, "ignore": ["lm_head"]}, GATE // 2 + 128 * 16 * 2),
    # the llm-compressor recipe's regex, re.match-ed by should_ignore_layer: 16-bit
    ({**CT_W4A16, "ignore": ["lm_head", "re:.*mlp.gate$"]}, BF16),
    # MXFP4: every LinearBase UnquantizedLinearMethod
    ({"quant_method": "mxfp4"}, BF16),
])
def test_gate_per_checkpoint_method(quantization_config, per_layer, version):
    """Each method's get_quant_method for "model.layers.N.mlp.gate" (0.19.0 and 0.34.0)."""
    assert _router_bytes(_qwen3_30b(quantization_config), version) == LAYERS * per_layer


def test_gate_named_in_some_layers_only():
    """Only the layers whose gate the list names stay 16-bit: 24 x 524,288 + 24 x 262,208 =
    12,582,912 + 6,292,992 = 18,875,904 B."""
    spec = _qwen3_30b({**FP8, "weight_block_size": [128, 128],
                       "modules_to_not_convert": GPTQ_GATE[:24]})
    assert _router_bytes(spec, (0, 19, 0)) == 24 * BF16 + 24 * FP8_BLOCK == 18_875_904


def test_awq_without_a_list_before_0_11_1():
    """The 0.9.0-0.11.0 AWQ loaders have no maybe_update_config
    (vllm_versions.AWQ_STORED_DTYPES_FROM): no list keeps nothing 16-bit, the gate AWQ too
    (Qwen3-MoE's from 0.10.1): 48 x 136,192 = 6,537,216 B; on 0.10.0 the file hands it None."""
    spec = _qwen3_30b(AWQ_CONFIG)
    assert _router_bytes(spec, (0, 11, 0)) == LAYERS * AWQ == 6_537_216
    assert _router_bytes(spec, (0, 10, 0)) == LAYERS * BF16


@pytest.mark.parametrize(("exclude", "per_layer"), [
    # is_layer_excluded's fnmatch wildcard: 16-bit (was planned FP8: --quantization fp8's rule
    # read the scheme, not the checkpoint)
    (["lm_head", "model.layers.*.mlp.gate"], BF16),
    # not named: ModelOptFp8LinearMethod, 1 B a weight (its weight_scale and input_scale, two
    # float32 scalars, are not counted, as for every per-tensor FP8 linear)
    (["lm_head"], GATE),
])
def test_modelopt_fp8_gate(exclude, per_layer):
    spec = _qwen3_30b(hf_quant_config={"producer": {"name": "modelopt", "version": "0.33.0"},
                                       "quantization": {"quant_algo": "FP8",
                                                        "exclude_modules": exclude}})
    for version in ((0, 19, 0), (0, 34, 0)):
        assert _router_bytes(spec, version) == LAYERS * per_layer


def test_gptq_checkpoint_keeps_the_gate_16_bit():
    """Qwen3-235B-A22B-GPTQ-Int4 gives no module list: maybe_update_config quantizes only the
    layers stored quantized (from 0.11.0), and the gate is stored 16-bit: 94 x 4,096 x 128 x 2
    = 98,566,144 B."""
    spec = catalog_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    for version in ((0, 19, 0), (0, 34, 0)):
        assert _router_bytes(spec, version) == 94 * 4_096 * 128 * 2 == 98_566_144


def test_bitsandbytes_at_load_quantizes_the_gate():
    """--quantization bitsandbytes on the BF16 checkpoint (0.19.0): BitsAndBytesConfig hands the
    gate BitsAndBytesLinearMethod and the loader quantizes it to NF4 with compress_statistics:
    4 bits + a uint8 absmax per 64 (0.125) + a float32 one per 256 of those (32 / 16,384 =
    0.001953125) = 4.126953125 bits; 262,144 x 4.126953125 / 8 = 135,232 B a layer."""
    spec = _qwen3_30b()
    assert _router_bytes(spec, (0, 19, 0), SCHEMES["bnb-nf4"]) == LAYERS * 135_232


def test_a_gate_built_without_the_quant_config_stays_16_bit():
    """mixtral.py builds its gate with quant_config=None: an FP8 checkpoint that does not name
    it keeps it 16-bit (32 x 4,096 x 8 x 2 = 2,097,152 B)."""
    config = copy.deepcopy(catalog_entry("mistralai/Mixtral-8x7B-Instruct-v0.1").config)
    config["quantization_config"] = {**FP8, "weight_block_size": [128, 128],
                                     "modules_to_not_convert": ["lm_head"]}
    assert _router_bytes(parse_model_config(config), (0, 34, 0)) == 32 * 4_096 * 8 * 2
