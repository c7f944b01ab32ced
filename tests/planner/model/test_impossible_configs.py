"""Configs no model can have are refused by the parser with the rule they break (issue 13)."""

import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad_inputs"


def bad(name: str) -> dict:
    return json.loads((BAD / name).read_text())


@pytest.mark.parametrize(("name", "words"), [
    ("kv_heads_gt_heads.config.json",
     "num_key_value_heads = 64 is more than num_attention_heads = 32"),
    ("kv_heads_not_dividing_heads.config.json",
     "num_attention_heads = 32 is not divisible by num_key_value_heads = 5"),
    # 1e6 x original_max_position_embeddings 8,192 = 8,192,000,000 > 2**30 = 1,073,741,824
    ("yarn_factor_1e6.config.json", "rope_scaling.factor = 1e+06 stretches the context to "
     "8,192,000,000 tokens (1e+06 x 8,192), over the 1,073,741,824-token limit"),
])
def test_reproducers_are_refused_with_the_rule(name: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_model_config(bad(name))
    assert words in str(info.value)


def test_the_limits_themselves_are_accepted() -> None:
    config = bad("kv_heads_gt_heads.config.json")
    for kv in (32, 16, 8, 1):  # every divisor of 32 query heads, up to MHA
        spec = parse_model_config({**config, "num_key_value_heads": kv})
        assert spec.layers[0].mixer.num_kv_heads == kv
    yarn = bad("yarn_factor_1e6.config.json")
    # 131,072 x 8,192 = 1,073,741,824 = 2**30 tokens exactly: the largest factor accepted
    edge = {**yarn, "rope_scaling": {**yarn["rope_scaling"], "factor": 131072}}
    assert parse_model_config(edge).extended_context_tokens == 2**30
    with pytest.raises(ConfigError, match="stretches the context"):
        parse_model_config({**yarn, "rope_scaling": {**yarn["rope_scaling"], "factor": 131073}})


def test_a_linear_factor_is_bounded_on_max_position_embeddings() -> None:
    config = bad("yarn_factor_1e6.config.json")
    # linear scaling stretches max_position_embeddings: 131,072 x 8,193 > 2**30
    linear = {**config, "rope_scaling": {"rope_type": "linear", "factor": 8193}}
    with pytest.raises(ConfigError, match="8193 x 131,072"):
        parse_model_config(linear)
