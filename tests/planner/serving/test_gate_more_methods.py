"""A Qwen3-MoE gate (its file hands it the quant config from vLLM 0.10.1) under fbgemm_fp8,
w4afp8, torchao and Quark checkpoints: each method's get_quant_method gives every LinearBase
its list does not keep the checkpoint's format (router_dtype.GATE_QUANTIZING_METHODS NOTE,
read in the 0.9.0, 0.13.0, 0.19.0, 0.27.0 and 0.34.0 wheels). Before, all four were planned
16-bit. Qwen3-30B-A3B: 48 gates of 2,048 (hidden) x 128 (experts) = 262,144 weights, whole on
every rank; 16-bit 524,288 B a layer."""

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
LAYERS = 48
GATE = 2_048 * 128  # 262,144 weights a layer
BF16 = GATE * 2  # 524,288 B a layer
GATES = [f"model.layers.{i}.mlp.gate" for i in range(LAYERS)]
FBGEMM = {"quant_method": "fbgemm_fp8", "modules_to_not_convert": ["lm_head"],
          "activation_scale_ub": 1200.0}
W4AFP8 = {"quant_method": "w4afp8", "group_size": 128, "weight_block_size": [128, 128],
          "activation_scheme": "dynamic", "modules_to_not_convert": ["lm_head"]}
TORCHAO_INT4 = {"quant_method": "torchao", "modules_to_not_convert": ["lm_head"],
                "quant_type": {"default": {"_type": "Int4WeightOnlyConfig", "_version": 2,
                                           "_data": {"group_size": 128}}}}
_FP8 = {"dtype": "fp8_e4m3", "qscheme": "per_tensor", "is_dynamic": False, "symmetric": True,
        "ch_axis": None, "group_size": None}
QUARK_FP8 = {"quant_method": "quark", "export": {"kv_cache_group": []},
             "global_quant_config": {"weight": _FP8, "input_tensors": _FP8,
                                     "output_tensors": None, "bias": None},
             "layer_quant_config": {}, "layer_type_quant_config": {}, "exclude": ["lm_head"]}


def _router_bytes(quantization_config: dict, version: tuple[int, int, int]) -> int:
    """The router bytes one H200 holds (TP 1) for Qwen3-30B-A3B under this config."""
    config = copy.deepcopy(catalog_entry("Qwen/Qwen3-30B-A3B").config)
    config["quantization_config"] = quantization_config
    spec = parse_model_config(config, name="acme/quantized")
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, H200)
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].router_bytes


@pytest.mark.parametrize(("quantization_config", "versions", "per_layer"), [
    # FBGEMMFp8LinearMethod: 1 B a weight + a float32 scale per output row, which the
    # fp8-channel scheme amortizes over 4,096 inputs: 262,144 x (8 + 32 / 4,096) / 8 =
    # 262,144 + 256 = 262,400 B
    (FBGEMM, [(0, 19, 0), (0, 34, 0)], 262_400),
    # is_layer_skipped's exact match names every gate: UnquantizedLinearMethod
    ({**FBGEMM, "modules_to_not_convert": ["lm_head", *GATES]}, [(0, 19, 0)], BF16),
    # W4AFP8Config hands the gate Fp8Config's method, 128 x 128 blocks: 262,144 B of fp8 +
    # weight_scale_inv float32 [1, 16] = 64 B -> 262,208 B (8 + 32 / 16,384 bits a weight)
    (W4AFP8, [(0, 34, 0)], GATE + 16 * 4),
    # TorchAOLinearMethod, int4 group 128: 4 bits + a 16-bit scale and zero point per 128 =
    # 4.25 bits; 262,144 x 4.25 / 8 = 139,264 B
    (TORCHAO_INT4, [(0, 19, 0), (0, 34, 0)], 139_264),
    # should_skip: ".mlp.gate." inside ".model.layers.N.mlp.gate.": 16-bit
    ({**TORCHAO_INT4, "modules_to_not_convert": ["lm_head", "mlp.gate"]}, [(0, 34, 0)], BF16),
    # QuarkW8A8Fp8 per tensor: 1 B a weight (its two float32 scalars not counted, as for
    # every per-tensor FP8 linear)
    (QUARK_FP8, [(0, 19, 0), (0, 34, 0)], GATE),
    # exclude "*mlp.gate" (fnmatch in should_ignore_layer): 16-bit
    ({**QUARK_FP8, "exclude": ["lm_head", "*mlp.gate"]}, [(0, 19, 0)], BF16),
])
def test_gate_in_the_checkpoint_format(quantization_config, versions, per_layer):
    for version in versions:
        assert _router_bytes(quantization_config, version) == LAYERS * per_layer


def test_before_the_file_hands_the_gate_the_config():
    """qwen3_moe.py builds the gate with quant_config=None on 0.10.0
    (vllm_versions.QWEN3_MOE_GATE_QUANTIZED_FROM): 48 x 524,288 = 25,165,824 B."""
    assert _router_bytes(FBGEMM, (0, 10, 0)) == LAYERS * BF16 == 25_165_824
