"""A rope object nested by layer type (Gemma 4's rope_parameters: one block per
"full_attention" / "sliding_attention") gets each block checked as a flat block is, for the
layer types the model has: vLLM's gemma4.py hands each layer its type's block, and get_rope
reads it with rope_parameters[key] (rotary_embedding/__init__.py, 0.29.0 and 0.34.0 wheels).

Gemma-4-26B-A4B (tests/fixtures/configs): full_attention {"rope_type": "proportional",
"rope_theta": 1e6, "partial_rotary_factor": 0.25}, sliding_attention {"rope_type": "default",
"rope_theta": 10000}, 30 layers of both types.
"""

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from tests.conftest import load_ref_config

LLAMA3_KEYS = {"low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 8192}
"""Llama-3.1's own llama3 keys (tests/fixtures/configs/meta-llama__Meta-Llama-3.1-8B.json)."""


def _gemma4(layer_type: str, block: dict) -> dict:
    """Gemma-4-26B-A4B's config.json with `block` as its `layer_type` rope block."""
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    config["text_config"]["rope_parameters"][layer_type] = block
    return config


@pytest.mark.parametrize(("layer_type", "block", "words"), [
    # get_rope's llama3 branch reads rope_parameters["low_freq_factor"] (KeyError)
    ("full_attention", {"rope_type": "llama3", "factor": 8.0, "rope_theta": 1e6},
     "text_config.rope_parameters.full_attention has rope_type 'llama3' but no "
     "low_freq_factor or high_freq_factor"),
    # its linear branch reads rope_parameters["factor"] (KeyError)
    ("sliding_attention", {"rope_type": "linear", "rope_theta": 10000.0},
     "text_config.rope_parameters.sliding_attention has rope_type 'linear' but "
     "no factor"),
    ("sliding_attention", {"rope_type": "longrope", "short_factor": [1.0] * 64},
     "text_config.rope_parameters.sliding_attention has rope_type 'longrope' but no "
     "long_factor"),
    # YaRN's log(32,768 / (0 x 2 x pi)) divides by zero
    ("full_attention", {"rope_type": "yarn", "factor": 4.0,
                        "original_max_position_embeddings": 32768, "beta_fast": 0},
     "text_config.rope_parameters.full_attention.beta_fast = 0 divides by zero in vLLM's "
     "YaRN log(32,768 / (beta_fast x 2 x pi))"),
    ("sliding_attention", {"rope_type": "linear", "factor": -2.0},
     "text_config.rope_parameters.sliding_attention.factor must be a positive number"),
    ("full_attention", {"rope_type": "linear", "factor": "8"},
     "text_config.rope_parameters.full_attention.factor must be a positive number"),
    ("full_attention", {"rope_type": "default", "rope_theta": "1e6"},
     "text_config.rope_parameters.full_attention.rope_theta is a string"),
])
def test_a_layer_types_block_is_checked_as_a_flat_one(layer_type, block, words):
    with pytest.raises(ConfigError) as caught:
        parse_model_config(_gemma4(layer_type, block))
    assert str(caught.value).startswith(f"config.json: {words}"), caught.value


@pytest.mark.parametrize("block", [
    {"rope_type": "llama3", "factor": 8.0, "rope_theta": 1e6, **LLAMA3_KEYS},
    {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768,
     "beta_fast": 32, "beta_slow": 1},
])
def test_a_layer_types_usable_block_still_parses(block):
    spec = parse_model_config(_gemma4("full_attention", block))
    assert {r.rope_type for r in spec.window.ropes} == {block["rope_type"], "default"}


def test_a_block_of_a_layer_type_the_model_lacks_is_left_alone():
    # Gemma 4 has no chunked_attention layer: gemma4.py hands no layer this block, and
    # transformers 5.25.0 validates only the config's layer_types' blocks
    # (nested_rope_parameter_keys), so vLLM never reads the missing keys
    spec = parse_model_config(_gemma4("chunked_attention", {"rope_type": "llama3",
                                                            "factor": 8.0}))
    assert "llama3" in {r.rope_type for r in spec.window.ropes}
