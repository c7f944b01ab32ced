"""bitsandbytes' llm_int8_skip_modules on a multimodal wrapper class, whose text layers vLLM
names language_model.model.layers.N (gemma3_mm.py Gemma3ForConditionalGeneration builds
language_model at maybe_prefix(prefix, "language_model"), 0.9.0-0.27.0 wheels) and whose list
BitsAndBytesConfig never renames (no apply_vllm_mapper in bitsandbytes.py, 0.9.0, 0.13.0,
0.19.0, 0.27.0): is_layer_skipped_bnb then keeps a layer for an entry rooted at
'language_model.model.' and none for one rooted at 'model.' (exclusion_match.wrapped_read). Before,
Headroom matched both against 'model.layers.N' and planned the other way round.

google/gemma-3-4b-it's text_config: hidden 2,560, intermediate 10,240, 34 layers. Per layer
the MLP's gate/up/down are 3 x 2,560 x 10,240 = 78,643,200 weights: 16-bit 157,286,400 B;
NF4 with double quant (4 + 8 / 64 + 32 / 16,384 bits) 78,643,200 / 64 = 1,228,800 blocks x 33 B
= 40,550,400 B + 1,228,800 / 64 = 19,200 B of second-level scales = 40,569,600 B.

TorchAO's modules_to_not_convert on the same class: TorchAOConfig has no
apply_vllm_mapper either (torchao.py 0.9.0-0.34.0 wheels) and should_skip keeps a layer where
the entry equals its name or ".entry." lies inside ".name." (0.19.0, 0.34.0), so an entry
rooted at 'language_model.' keeps the layers under it (was planned int4) and one rooted at
'model.layers.' still does. torchao int4 group 128 (4 bits + a 16-bit scale and a 16-bit zero
point per 128 = 4.25 bits): 78,643,200 x 4.25 / 8 = 41,779,200 B a layer."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.hardware import GPU_PRESETS
from planner.serving.layout import ParallelLayout
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights

BNB = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
       "bnb_4bit_use_double_quant": True}
LAYERS = 34
MLP_BF16 = 3 * 2_560 * 10_240 * 2  # 157,286,400 B a layer
MLP_NF4 = 40_569_600  # a layer (module docstring)


def _dense_mlp_bytes(quantization_config: dict, version: tuple[int, int, int]) -> int:
    """The dense MLP bytes one H200 holds (TP 1) for gemma-3-4b-it under this config."""
    config = copy.deepcopy(catalog_entry("google/gemma-3-4b-it").config)
    config["quantization_config"] = quantization_config
    spec = parse_model_config(config)
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, GPU_PRESETS["h200"])
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0].dense_mlp_bytes


@pytest.mark.parametrize(("skip", "expected"), [
    # 'model.layers.3.mlp' is no part and no leading run of 'language_model.model.layers.3.mlp.
    # gate_up_proj': every MLP NF4, 34 x 40,569,600 = 1,379,366,400 B (was 1,496,083,200)
    (["lm_head", "model.layers.3.mlp"], LAYERS * MLP_NF4),
    # transformers 4.52's own name, not renamed for bitsandbytes: the same
    (["lm_head", "model.language_model.layers.3.mlp"], LAYERS * MLP_NF4),
    # vLLM's name, a leading run: layer 3 16-bit, 33 x 40,569,600 + 157,286,400 =
    # 1,496,083,200 B (was 1,379,366,400)
    (["lm_head", "language_model.model.layers.3.mlp"], 33 * MLP_NF4 + MLP_BF16),
    # 'language_model', the first part of every text layer's name: all 16-bit, 34 x 157,286,400
    # = 5,347,737,600 B
    (["language_model"], LAYERS * MLP_BF16),
    # a part ('mlp') matches whatever the root: all 16-bit, as before
    (["mlp"], LAYERS * MLP_BF16),
])
def test_wrapper_entries_as_vllm_names_the_layers(skip, expected):
    for version in ((0, 19, 0), (0, 27, 0)):
        assert _dense_mlp_bytes({**BNB, "llm_int8_skip_modules": skip}, version) == expected


TORCHAO_INT4 = {"quant_method": "torchao",
                "quant_type": {"default": {"_type": "Int4WeightOnlyConfig", "_version": 2,
                                           "_data": {"group_size": 128}}}}
MLP_INT4 = 3 * 2_560 * 10_240 * 17 // 32  # x 4.25 / 8 = 41,779,200 B a layer


@pytest.mark.parametrize(("skip", "expected"), [
    # '.language_model.model.layers.3.mlp.' inside vLLM's
    # '.language_model.model.layers.3.mlp.gate_up_proj.': layer 3 16-bit,
    # 33 x 41,779,200 + 157,286,400 = 1,536,000,000 B (was 34 x 41,779,200 = 1,420,492,800)
    (["lm_head", "language_model.model.layers.3.mlp"], 33 * MLP_INT4 + MLP_BF16),
    # '.language_model.model.layers.3.' keeps all of layer 3, its MLP among it: the same
    (["lm_head", "language_model.model.layers.3"], 33 * MLP_INT4 + MLP_BF16),
    # '.language_model.' lies inside every text layer's name: all 16-bit, 34 x 157,286,400 =
    # 5,347,737,600 B (was 1,420,492,800)
    (["language_model"], LAYERS * MLP_BF16),
    # '.model.layers.3.mlp.' lies inside vLLM's name too (unlike bitsandbytes' leading runs):
    # layer 3 16-bit, as before
    (["lm_head", "model.layers.3.mlp"], 33 * MLP_INT4 + MLP_BF16),
    # transformers 4.52's own name, not renamed: inside no vLLM name, every MLP int4
    (["lm_head", "model.language_model.layers.3.mlp"], LAYERS * MLP_INT4),
    # '.language_model.layers.3.' is not inside '.language_model.model.layers.3.…': int4
    (["lm_head", "language_model.layers.3"], LAYERS * MLP_INT4),
])
def test_torchao_wrapper_entries_as_vllm_names_the_layers(skip, expected):
    for version in ((0, 19, 0), (0, 34, 0)):
        assert _dense_mlp_bytes({**TORCHAO_INT4, "modules_to_not_convert": skip},
                                version) == expected
