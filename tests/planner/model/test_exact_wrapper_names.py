"""An fp8 / fbgemm_fp8 exclusion list (compared whole with vLLM's layer names) on a multimodal
wrapper, whose text layers vLLM builds as language_model.model.layers.N
(exclusion_match.exact_read). Fp8Config maps its list with the class's hf_to_vllm_mapper
(fp8.py apply_vllm_mapper, 0.19.0: 'model.language_model.' -> 'language_model.model.' for
Qwen3-VL from 0.11.0); FBGEMMFp8Config has no apply_vllm_mapper (fbgemm_fp8.py 0.10.1, 0.19.0,
0.34.0), so is_layer_skipped meets its entries as the checkpoint wrote them. Qwen3-VL-30B-A3B:
48 gates of 2,048 (hidden) x 128 (experts) = 262,144 weights, each handed the quant config by
qwen3_vl_moe.py (router_dtype.GATE_QUANT_CONFIG_SPANS); 16-bit 524,288 B a layer."""

import copy
import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.hardware import GPU_PRESETS
from planner.serving.layout import ParallelLayout
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights

CONFIG = Path(__file__).parents[2] / "fixtures/configs/Qwen__Qwen3-VL-30B-A3B-Instruct.json"
LAYERS = 48
BF16 = 2_048 * 128 * 2  # 524,288 B a layer
# FBGEMMFp8LinearMethod: 1 B a weight + a float32 scale per output row, which the fp8-channel
# scheme amortizes over 4,096 inputs: 262,144 x (8 + 32 / 4,096) / 8 = 262,144 + 256
FBGEMM_GATE = 262_400
# Fp8LinearMethod in 128 x 128 blocks: 262,144 B of fp8 + weight_scale_inv float32
# [128 / 128, 2,048 / 128] = 16 x 4 = 64 B
FP8_BLOCK_GATE = 262_208


def _gates(root: str) -> list[str]:
    return [f"{root}.{i}.mlp.gate" for i in range(LAYERS)]


def _router_bytes(quantization_config: dict) -> int:
    """The router bytes one H200 holds (TP 1) for Qwen3-VL-30B-A3B under this config, vLLM
    0.19.0."""
    config = copy.deepcopy(json.loads(CONFIG.read_text()))
    config["quantization_config"] = quantization_config
    spec = parse_model_config(config, name="acme/quantized")
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, (0, 19, 0), GPU_PRESETS["h200"])
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].router_bytes


def _fbgemm(skip: list[str]) -> dict:
    return {"quant_method": "fbgemm_fp8", "modules_to_not_convert": ["lm_head", *skip],
            "activation_scale_ub": 1200.0}


def _fp8(skip: list[str]) -> dict:
    return {"quant_method": "fp8", "activation_scheme": "dynamic",
            "weight_block_size": [128, 128], "modules_to_not_convert": ["lm_head", *skip]}


@pytest.mark.parametrize(("quantization_config", "per_layer"), [
    # transformers' names, unmapped by FBGEMM: no vLLM prefix equals them, the gates are fp8
    # (planned 16-bit before)
    (_fbgemm(_gates("model.language_model.layers")), FBGEMM_GATE),
    # a text class's names: vLLM's are language_model.model.layers.N, fp8 (16-bit before)
    (_fbgemm(_gates("model.layers")), FBGEMM_GATE),
    # vLLM's own names: each gate skipped, 16-bit
    (_fbgemm(_gates("language_model.model.layers")), BF16),
    # Fp8Config maps transformers' names to vLLM's: 16-bit
    (_fp8(_gates("model.language_model.layers")), BF16),
    # 'model.layers.' no mapper rule renames: no vLLM prefix equals it, fp8 (16-bit before)
    (_fp8(_gates("model.layers")), FP8_BLOCK_GATE),
])
def test_wrapper_gate_list_read_as_vllm_names_it(quantization_config, per_layer):
    assert _router_bytes(quantization_config) == LAYERS * per_layer
