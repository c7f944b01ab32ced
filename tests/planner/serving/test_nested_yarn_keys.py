"""YaRN's other keys (attn_factor, extrapolation_factor, attention_factor, mscale,
mscale_all_dim) inside a rope object nested by layer type are checked per block as a flat
block's are (startup.rope_keys.yarn_key_errors), for the layer types the model has and on the
releases that read the object (a rope_parameters one from 0.12.0): gemma4.py hands each layer
`dict(config.rope_parameters[layer_type])` and get_rope passes the block's YaRN keys to
YaRNScalingRotaryEmbedding / DeepseekScalingRotaryEmbedding as it does a flat block's
(rotary_embedding/__init__.py, 0.29.0 and 0.34.0 wheels).

Gemma-4-26B-A4B (tests/fixtures/configs): full_attention and sliding_attention layers, no
chunked_attention; each test sets one block to YaRN, factor 4 over 32,768 positions.
"""

import pytest

from planner.model.config.parser import parse_model_config
from planner.serving.startup.rope_keys import yarn_key_errors
from tests.conftest import load_ref_config

YARN = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
E = 2.718281828459045
"""math.log(E) is exactly 1.0: 0.1 x -10 x 1.0 + 1 = 0.0 (tests/planner/serving/
test_yarn_mscale_zero.py)."""


def _errors(version: tuple[int, int, int], layer_type: str, **block: object) -> list[str]:
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    config["text_config"]["rope_parameters"][layer_type] = {**YARN, **block}
    return yarn_key_errors(parse_model_config(config), version)


def test_a_blocks_attn_factor_is_refused_naming_the_block():
    # up to 0.29.0: float(yarn_get_mscale(4) * "x"), a TypeError
    assert _errors((0, 29, 0), "full_attention", attn_factor="x") == [
        'TypeError: rope_parameters.full_attention.attn_factor = "x": vLLM 0.29.0\'s yarn '
        "rotary embedding computes a product with attn_factor as it builds the model, and "
        "this value is no number it can use. Give a number, or leave the key out."]


@pytest.mark.parametrize(("version", "block", "words"), [
    # from 0.30.0: float("x") is a ValueError
    ((0, 34, 0), {"attention_factor": "x"},
     'ValueError: rope_parameters.sliding_attention.attention_factor = "x"'),
    # deepseek_yarn: float(None), a TypeError, in every release
    ((0, 12, 0), {"rope_type": "deepseek_yarn", "mscale": None},
     "TypeError: rope_parameters.sliding_attention.mscale = null"),
    # the divisor 0.1 x -10 x log(e) + 1 = 0
    ((0, 34, 0), {"rope_type": "deepseek_yarn", "factor": E, "mscale_all_dim": -10},
     "ZeroDivisionError: rope_parameters.sliding_attention.mscale_all_dim = -10"),
])
def test_each_layer_types_block_is_checked_per_release(version, block, words):
    (error,) = _errors(version, "sliding_attention", **block)
    assert error.startswith(words), error


@pytest.mark.parametrize(("version", "layer_type", "block"), [
    # 0.30.0 no longer passes yarn's attn_factor
    ((0, 30, 0), "full_attention", {"attn_factor": "x"}),
    # before 0.12.0 vLLM reads no rope_parameters object (rope_scaling only, 0.11.2 wheel)
    ((0, 11, 2), "full_attention", {"attn_factor": "x"}),
    # no chunked_attention layer: no layer gets the block, transformers does not validate it
    ((0, 29, 0), "chunked_attention", {"attn_factor": "x"}),
])
def test_a_block_vllm_does_not_read_plans(version, layer_type, block):
    assert _errors(version, layer_type, **block) == []


def test_an_mrope_block_multiplies_attn_factor_whatever_apply_yarn_scaling_says():
    # get_rope pops apply_yarn_scaling for MRotaryEmbedding, built for a block with
    # mrope_section, which computes float(yarn_get_mscale(factor) * attn_factor) (mrope.py,
    # 0.29.0): "1.5" is refused here, taken by float() in a block without mrope_section
    keys = {"attn_factor": "1.5", "apply_yarn_scaling": False}
    assert _errors((0, 29, 0), "full_attention", **keys) == []
    (error,) = _errors((0, 29, 0), "full_attention", mrope_section=[24, 20, 20], **keys)
    assert "a product with attn_factor" in error
