"""A YaRN block whose mscale_all_dim makes vLLM's divisor yarn_get_mscale(factor,
mscale_all_dim) = 0.1 x mscale_all_dim x log(factor) + 1 exactly zero: refused on the releases
whose YaRN class divides by it (ZeroDivisionError, plain Python floats), left planned elsewhere.

DeepseekScalingRotaryEmbedding divides in every release (rotary_embedding.py 0.9.2;
deepseek_scaling_rope.py 0.29.0, 0.34.0), YaRNScalingRotaryEmbedding from 0.30.0 where
attention_factor is absent and mscale and mscale_all_dim are both truthy (yarn_scaling_rope.py
0.30.0, 0.34.0); yarn_get_mscale returns 1.0 at a factor <= 1 (common.py 0.34.0).

By hand: factor e = 2.718281828459045, whose math.log is exactly 1.0; mscale_all_dim -10:
0.1 x -10 = -1.0 (0.1's error rounds away), x 1.0 = -1.0, + 1.0 = 0.0.
Qwen3-8B (tests/fixtures/configs) with a YaRN block over 32,768 positions.
"""

import copy
import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.serving.startup.rope_keys import yarn_key_errors

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"
QWEN3_8B = json.loads((CONFIGS / "Qwen__Qwen3-8B.json").read_text())
E = 2.718281828459045


def _errors(version: tuple[int, int, int], **block: object) -> list[str]:
    config = copy.deepcopy(QWEN3_8B)
    config["rope_scaling"] = {"original_max_position_embeddings": 32768, **block}
    return yarn_key_errors(parse_model_config(config), version)


@pytest.mark.parametrize(("block", "version", "shown"), [
    ({"rope_type": "deepseek_yarn", "factor": E, "mscale_all_dim": -10}, (0, 9, 2), "-10"),
    ({"rope_type": "deepseek_yarn", "factor": E, "mscale_all_dim": -10.0}, (0, 29, 0),
     "-10.0"),
    # float("-10") = -10.0: deepseek_yarn floats it first
    ({"rope_type": "deepseek_yarn", "factor": E, "mscale_all_dim": "-10"}, (0, 34, 0),
     '"-10"'),
    ({"rope_type": "yarn", "factor": E, "mscale": 1.0, "mscale_all_dim": -10}, (0, 30, 0),
     "-10"),
])
def test_an_mscale_all_dim_that_zeroes_the_divisor_is_refused(block, version, shown):
    (error,) = _errors(version, **block)
    label = ".".join(map(str, version))
    assert error == (
        f"ZeroDivisionError: rope_scaling.mscale_all_dim = {shown}: vLLM {label}'s "
        f"{block['rope_type']} rotary embedding divides by yarn_get_mscale(factor, "
        "mscale_all_dim) = 0.1 x -10 x log(2.71828) + 1 = 0 as it builds the model (float "
        "division by zero). Give another mscale_all_dim (DeepSeek-V3: 1.0), or leave the key "
        "out.")


@pytest.mark.parametrize(("block", "version"), [
    # yarn up to 0.29.0 takes no mscale_all_dim (get_rope does not pass it)
    ({"rope_type": "yarn", "factor": E, "mscale": 1.0, "mscale_all_dim": -10}, (0, 29, 0)),
    # attention_factor given: float(attention_factor), no ratio
    ({"rope_type": "yarn", "factor": E, "attention_factor": 1.0, "mscale": 1.0,
      "mscale_all_dim": -10}, (0, 34, 0)),
    # `if mscale and mscale_all_dim`: mscale 0 skips the ratio
    ({"rope_type": "yarn", "factor": E, "mscale": 0, "mscale_all_dim": -10}, (0, 34, 0)),
    # a factor of 1: yarn_get_mscale returns 1.0 without reading mscale_all_dim
    ({"rope_type": "deepseek_yarn", "factor": 1.0, "mscale_all_dim": -10}, (0, 34, 0)),
    # factor 4: 0.1 x -10 x 1.386 + 1 = -0.386, a negative divisor, no error
    ({"rope_type": "deepseek_yarn", "factor": 4.0, "mscale_all_dim": -10}, (0, 34, 0)),
    # a zero numerator (mscale -10 at factor e) is a cache of zeros: it runs
    ({"rope_type": "deepseek_yarn", "factor": E, "mscale": -10, "mscale_all_dim": 1.0},
     (0, 34, 0)),
])
def test_a_divisor_vllm_does_not_divide_by_zero_plans(block, version):
    assert _errors(version, **block) == []
