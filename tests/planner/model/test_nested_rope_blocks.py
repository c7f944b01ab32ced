"""A rope object nested by layer type (Gemma 4's rope_parameters: one block per
"full_attention" / "sliding_attention") gets each block checked as a flat block is, for the
layer types the model has: vLLM's gemma4.py hands each layer its type's block, and get_rope
reads it with rope_parameters[key] (rotary_embedding/__init__.py, 0.29.0 and 0.34.0 wheels).
Refused in the verdict on the releases that read the object (startup.rope_keys.
layer_block_errors): a rope_parameters one from 0.12.0 (patch_rope_parameters, transformers_utils/
config.py 0.12.0; before it vLLM and transformers 4 read rope_scaling only, 0.9.2 and 0.11.2).

Gemma-4-26B-A4B (tests/fixtures/configs): full_attention {"rope_type": "proportional",
"rope_theta": 1e6, "partial_rotary_factor": 0.25}, sliding_attention {"rope_type": "default",
"rope_theta": 10000}, 30 layers of both types.
"""

import pytest

from planner.model.config.parser import parse_model_config
from planner.serving.startup.rope_keys import layer_block_errors
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
    (error,) = layer_block_errors(parse_model_config(_gemma4(layer_type, block)), (0, 34, 0))
    assert error.startswith(f"config.json: {words}"), error
    assert error.endswith("(vLLM 0.34.0 reads each layer type's block)")


@pytest.mark.parametrize(("version", "refused"), [
    ((0, 11, 2), False),  # reads rope_scaling only: the rope_parameters object is not read
    ((0, 12, 0), True),   # patch_rope_parameters patches each layer type's block
    ((0, 29, 0), True),
])
def test_a_nested_rope_parameters_block_is_refused_from_0_12_0(version, refused):
    spec = parse_model_config(_gemma4("full_attention", {"rope_type": "linear"}))
    assert bool(layer_block_errors(spec, version)) is refused


NESTED_SCALING = ("ValueError: rope_scaling should have a 'rope_type' key: the config's "
                  "rope_scaling is nested by layer type, and vLLM ")


def test_a_nested_rope_scaling_block_is_refused_in_every_release():
    # vLLM reads rope_scaling in every release: before 0.12.0 patch_rope_scaling_dict stops on
    # the object itself (no "rope_type" key), from 0.12.0 on its linear block's missing factor
    config = _gemma4("full_attention", {"rope_type": "linear"})
    config["text_config"]["rope_scaling"] = config["text_config"].pop("rope_parameters")
    spec = parse_model_config(config)
    (error,) = layer_block_errors(spec, (0, 9, 2))
    assert error.startswith(NESTED_SCALING + "0.9.2's patch_rope_scaling_dict")
    (error,) = layer_block_errors(spec, (0, 12, 0))
    assert error.startswith("config.json: text_config.rope_scaling.full_attention has "
                            "rope_type 'linear' but no factor")


@pytest.mark.parametrize("version", [(0, 9, 2), (0, 11, 2)])
def test_a_nested_rope_scaling_of_good_blocks_stops_vllm_before_0_12_0(version):
    """get_config's patch_rope_scaling hands config.rope_scaling whole to
    patch_rope_scaling_dict, which raises ValueError("rope_scaling should have a 'rope_type'
    key") on an object keyed by layer type (transformers_utils/config.py, 0.9.2 and 0.11.2
    wheels): Qwen3-8B with Qwen3's own YaRN block (factor 4, original 32,768) nested under
    full_attention was planned there."""
    config, _ = load_ref_config("Qwen__Qwen3-8B")
    config["rope_scaling"] = {"full_attention": {
        "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}
    (error,) = layer_block_errors(parse_model_config(config), version)
    assert error.startswith(NESTED_SCALING)


@pytest.mark.parametrize("block", [
    {"rope_type": "llama3", "factor": 8.0, "rope_theta": 1e6, **LLAMA3_KEYS},
    {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768,
     "beta_fast": 32, "beta_slow": 1},
])
def test_a_layer_types_usable_block_still_parses(block):
    spec = parse_model_config(_gemma4("full_attention", block))
    assert {r.rope_type for r in spec.window.ropes} == {block["rope_type"], "default"}
    assert layer_block_errors(spec, (0, 34, 0)) == []


def test_a_block_of_a_layer_type_the_model_lacks_is_left_alone():
    # Gemma 4 has no chunked_attention layer: gemma4.py hands no layer this block, and
    # transformers 5.25.0 validates only the config's layer_types' blocks
    # (nested_rope_parameter_keys), so vLLM never reads the missing keys
    spec = parse_model_config(_gemma4("chunked_attention", {"rope_type": "llama3",
                                                            "factor": 8.0}))
    assert "llama3" in {r.rope_type for r in spec.window.ropes}
    assert layer_block_errors(spec, (0, 34, 0)) == []
