"""A compressed-tensors lm_head the config groups' targets take (by name or ParallelLMHead's
class): vLLM 0.20.0-0.34.0 build it in the group's scheme (compressed_tensors.py
get_quant_method's ParallelLMHead branch, 0.20.0, 0.22.0, 0.34.0 wheels; ParallelLMHead hands
its quant method [vocab / TP, hidden], vocab_parallel_embedding.py), planned so; 0.9.0-0.19.1
build it 16-bit and stop loading its quantized tensors (planner.serving.startup.ct_lm_head).

Llama-3.1-8B-Instruct: vocab 128,256 (a multiple of 64: no padding), hidden 4,096, untied:
lm_head 128,256 x 4,096 = 525,336,576 weights, 16-bit 1,050,673,152 B (H200, TP 1)."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.startup.ct_lm_head import ct_lm_head_errors
from tests.planner.model.test_exclusion_match import _weights
from tests.planner.serving.test_router_checkpoint_quant import CT_W4A16

FP8_CHANNEL = {"quant_method": "compressed-tensors", "format": "float-quantized",
               "config_groups": {"group_0": {"targets": ["Linear"], "weights": {
                   "num_bits": 8, "type": "float", "symmetric": True, "strategy": "channel",
                   "dynamic": False}, "input_activations": {
                   "num_bits": 8, "type": "float", "symmetric": True, "strategy": "token",
                   "dynamic": True}}}}
INT8_W8A8 = copy.deepcopy(FP8_CHANNEL)
INT8_W8A8["format"] = "int-quantized"
for part in ("weights", "input_activations"):
    INT8_W8A8["config_groups"]["group_0"][part]["type"] = "int"


def _spec(qc: dict, targets: list[str], ignore: list[str], tied: bool = False):
    config = copy.deepcopy(catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config)
    group = {**qc["config_groups"]["group_0"], "targets": targets}
    config["quantization_config"] = {**qc, "config_groups": {"group_0": group},
                                     "ignore": ignore}
    config["tie_word_embeddings"] = tied
    return parse_model_config(config)


def _errors(spec, version):
    return ct_lm_head_errors(spec, checkpoint_scheme(spec), version)


@pytest.mark.parametrize(("qc", "lm_head_bytes"), [
    # W4A16 g128: 525,336,576 x 4 / 8 = 262,668,288 B weight_packed + bf16 weight_scale
    # [128,256, 4,096 / 128 = 32] = 8,208,384 B
    (CT_W4A16, 262_668_288 + 8_208_384),
    # FP8 / int8 per channel: 525,336,576 B + fp32 weight_scale [128,256, 1] = 513,024 B
    (FP8_CHANNEL, 525_336_576 + 513_024),
    (INT8_W8A8, 525_336_576 + 513_024),
])
def test_a_taken_lm_head_is_planned_in_the_scheme(qc, lm_head_bytes):
    taken = _spec(qc, ["Linear", "lm_head"], [])
    assert _weights(taken).lm_head_bytes == lm_head_bytes
    by_class = _spec(qc, ["Linear", "ParallelLMHead"], [])
    assert _weights(by_class).lm_head_bytes == lm_head_bytes
    assert _errors(taken, (0, 20, 0)) == []


@pytest.mark.parametrize("targets_ignore", [
    (["Linear"], []),                  # "Linear" is not held in "ParallelLMHead"
    (["Linear", "lm_head"], ["lm_head"]),  # should_ignore_layer first
])
def test_an_untaken_lm_head_stays_16_bit(targets_ignore):
    spec = _spec(CT_W4A16, *targets_ignore)
    assert _weights(spec).lm_head_bytes == 2 * 525_336_576 == 1_050_673_152
    assert _errors(spec, (0, 19, 0)) == []


@pytest.mark.parametrize(("qc", "tensor"), [(CT_W4A16, "weight_packed"),
                                             (FP8_CHANNEL, "weight_scale")])
@pytest.mark.parametrize("version", [(0, 9, 0), (0, 19, 0), (0, 19, 1)])
def test_before_0_20_the_quantized_lm_head_does_not_load(qc, tensor, version):
    (error,) = _errors(_spec(qc, ["Linear", "lm_head"], []), version)
    assert error.startswith(f"vLLM {'.'.join(map(str, version))} stops loading the checkpoint: "
                            "its config_groups targets (Linear, lm_head) take lm_head")
    assert f"\"There is no module or parameter named 'lm_head.{tensor}' in " \
        "LlamaForCausalLM.\"" in error


def test_a_tied_lm_head_is_the_embedding():
    """Tied: vLLM does not load lm_head. (skip_prefixes) and Headroom plans it as the 16-bit
    token embedding, 1,050,673,152 B, with no lm_head bytes of its own."""
    spec = _spec(CT_W4A16, ["Linear", "lm_head"], [], tied=True)
    weights = _weights(spec)
    assert (weights.embeddings_bytes, weights.lm_head_bytes) == (1_050_673_152, 0)
    assert _errors(spec, (0, 19, 0)) == []
