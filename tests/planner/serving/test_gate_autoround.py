"""A Qwen3-MoE gate (its file hands it the quant config from vLLM 0.10.1) under an AutoRound
(INC) checkpoint: INCConfig.get_quant_method keeps it 16-bit only where an extra_config key
equal to its name has bits >= 16, else get_layer_config quantizes it (its name under
block_name_to_quantize) unless an exact or regex (re.search) extra_config entry gives it 16 bits
(inc.py 0.19.0; inc/inc.py + inc/config_parser.py 0.34.0; router_dtype.GATE_QUANTIZING_METHODS
NOTE). Before, every AutoRound gate was planned 16-bit.

Qwen3-30B-A3B: 48 gates of 2,048 (hidden) x 128 (experts) = 262,144 weights, whole on every
rank; 16-bit 524,288 B a layer. GPTQ- or AWQ-packed int4 group 128: 4 bits + a 16-bit scale
and a 4-bit zero point per 128 = 4.15625 bits, 262,144 x 4.15625 / 8 = 136,192 B a layer;
int8 group 128: 8 + (16 + 8) / 128 = 8.1875 bits, 268,288 B."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.hardware import GPU_PRESETS
from planner.serving.layout import ParallelLayout
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights

LAYERS = 48
BF16 = 2_048 * 128 * 2  # 524,288 B a layer
INT4_G128 = 2_048 * 128 * 133 // 256  # x 4.15625 / 8 = 136,192 B a layer
INT8_G128 = 2_048 * 128 * 131 // 128  # x 8.1875 / 8 = 268,288 B a layer
AUTOROUND = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True,
             "data_type": "int", "packing_format": "auto_round:auto_gptq",
             "block_name_to_quantize": "model.layers", "autoround_version": "0.16.1"}
EVERY_GATE_16 = {f"model.layers.{i}.mlp.gate": {"bits": 16} for i in range(LAYERS)}


def _router_bytes(quantization_config: dict, version: tuple[int, int, int]) -> int:
    """The router bytes one H200 holds (TP 1) for Qwen3-30B-A3B under this config."""
    config = copy.deepcopy(catalog_entry("Qwen/Qwen3-30B-A3B").config)
    config["quantization_config"] = quantization_config
    spec = parse_model_config(config, name="acme/autoround")
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, GPU_PRESETS["h200"])
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].router_bytes


@pytest.mark.parametrize(("quantization_config", "total"), [
    # no extra_config entry: each gate GPTQ int4, 48 x 136,192 = 6,537,216 B (was 48 x 524,288
    # = 25,165,824)
    (AUTOROUND, LAYERS * INT4_G128),
    # AWQ packing, the same int4 tensors' bytes
    ({**AUTOROUND, "packing_format": "auto_round:auto_awq"}, LAYERS * INT4_G128),
    # int8: 48 x 268,288 = 12,877,824 B
    ({**AUTOROUND, "bits": 8}, LAYERS * INT8_G128),
    # no block_name_to_quantize: every layer quantized, the gate too
    ({**AUTOROUND, "block_name_to_quantize": None}, LAYERS * INT4_G128),
    # AutoRound 0.16's own export: each gate named at bits 16 -> UnquantizedLinearMethod,
    # 25,165,824 B as before
    ({**AUTOROUND, "extra_config": EVERY_GATE_16}, LAYERS * BF16),
    # a regex entry re.search-ing every gate: 16-bit
    ({**AUTOROUND, "extra_config": {r".*mlp\.gate$": {"bits": 16}}}, LAYERS * BF16),
    # layer 0's gate alone: 524,288 + 47 x 136,192 = 6,925,312 B
    ({**AUTOROUND, "extra_config": {"model.layers.0.mlp.gate": {"bits": 16}}},
     BF16 + (LAYERS - 1) * INT4_G128),
])
def test_autoround_gate_as_vllm_builds_it(quantization_config, total):
    for version in ((0, 19, 0), (0, 34, 0)):
        assert _router_bytes(quantization_config, version) == total
