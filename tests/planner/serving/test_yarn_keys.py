"""A YaRN block's attn_factor, extrapolation_factor, attention_factor, mscale or
mscale_all_dim that vLLM's YaRN rotary embedding cannot compute with: refused on the releases
that read the key, as they read it (startup.rope_keys.yarn_key_errors).

Up to 0.29.0 get_rope hands yarn "extrapolation_factor" / "attn_factor" (and
"apply_yarn_scaling" from 0.11.1), deepseek_yarn those and "mscale" / "mscale_all_dim"; from
0.30.0 yarn "attention_factor" / "mscale" / "mscale_all_dim", deepseek_yarn "mscale" /
"mscale_all_dim" (rotary_embedding.py 0.9.2; rotary_embedding/__init__.py 0.11.0-0.34.0).
Qwen3-8B (tests/fixtures/configs) with Qwen's YaRN block, factor 4 x 32,768.
"""

import copy
import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.serving.startup.rope_keys import yarn_key_errors
from tests.cli.conftest import plan_errors

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"
QWEN3_8B = json.loads((CONFIGS / "Qwen__Qwen3-8B.json").read_text())
YARN = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}


def _errors(version: tuple[int, int, int], **keys: object) -> list[str]:
    config = copy.deepcopy(QWEN3_8B)
    config["rope_scaling"] = {**YARN, **keys}
    return yarn_key_errors(parse_model_config(config), version)


@pytest.mark.parametrize(("keys", "version", "words"), [
    # float(yarn_get_mscale(4) * "x"): 1.1386 x a string is a TypeError (0.9.2, 0.29.0)
    ({"attn_factor": "x"}, (0, 9, 2), 'TypeError: rope_scaling.attn_factor = "x": vLLM 0.9.2'),
    ({"attn_factor": "x"}, (0, 29, 0), "computes a product with attn_factor"),
    # even a string float() would take: the product comes first
    ({"attn_factor": "1.5"}, (0, 29, 0), 'rope_scaling.attn_factor = "1.5"'),
    ({"attn_factor": None}, (0, 19, 0), "rope_scaling.attn_factor = null"),
    # (1 - ramp mask) x null: TypeError (0.9.2)
    ({"extrapolation_factor": None}, (0, 9, 2), "rope_scaling.extrapolation_factor = null"),
    ({"extrapolation_factor": [1.0]}, (0, 29, 0), "rope_scaling.extrapolation_factor = [1.0]"),
    # 0.11.0 passes no apply_yarn_scaling, so the product stands
    ({"attn_factor": "1.5", "apply_yarn_scaling": False}, (0, 11, 0), "attn_factor"),
    # float("x") is a ValueError (0.30.0-0.34.0's YaRNScalingRotaryEmbedding)
    ({"attention_factor": "x"}, (0, 34, 0),
     'ValueError: rope_scaling.attention_factor = "x": vLLM 0.34.0\'s yarn rotary embedding '
     "computes float(attention_factor)"),
    ({"attention_factor": [1]}, (0, 30, 0), "TypeError: rope_scaling.attention_factor = [1]"),
    # both truthy and factor 4 > 1: 0.1 x "x" x log(4) + 1 is a TypeError
    ({"mscale": "x", "mscale_all_dim": 1.0}, (0, 34, 0),
     "rope_scaling.mscale = \"x\": vLLM 0.34.0's yarn rotary embedding computes 0.1 x mscale "
     "x log(factor) + 1"),
    ({"mscale": 1.0, "mscale_all_dim": "0.707"}, (0, 30, 0), 'mscale_all_dim = "0.707"'),
])
def test_a_yarn_key_vllm_cannot_compute_with_is_refused(keys, version, words):
    (error,) = _errors(version, **keys)
    assert words in error
    assert error.endswith("Give a number, or leave the key out.")


@pytest.mark.parametrize(("keys", "version"), [
    # not passed on by that release's get_rope
    ({"attn_factor": "x", "extrapolation_factor": None}, (0, 30, 0)),
    ({"attention_factor": "x", "mscale": "x", "mscale_all_dim": "x"}, (0, 29, 0)),
    # true is 1, nan and inf raise nothing (1e400 reads as inf)
    ({"attn_factor": True, "extrapolation_factor": float("nan")}, (0, 29, 0)),
    ({"attn_factor": 1e400}, (0, 9, 2)),
    # apply_yarn_scaling false: float("1.5") = 1.5 (0.11.1-0.29.0)
    ({"attn_factor": "1.5", "apply_yarn_scaling": False}, (0, 29, 0)),
    # float("1.5"); null attention_factor is skipped for the mscale branch
    ({"attention_factor": "1.5"}, (0, 34, 0)),
    ({"attention_factor": None}, (0, 34, 0)),
    # attention_factor given: mscale / mscale_all_dim not read
    ({"attention_factor": 1.2, "mscale": "x", "mscale_all_dim": 1.0}, (0, 34, 0)),
    # `if mscale and mscale_all_dim`: one alone is not read
    ({"mscale": "x"}, (0, 34, 0)),
    ({"mscale": "x", "mscale_all_dim": 0}, (0, 34, 0)),
])
def test_a_yarn_key_vllm_does_not_fail_on_plans(keys, version):
    assert _errors(version, **keys) == []


def test_a_factor_of_one_reads_no_mscale():
    # yarn_get_mscale returns 1.0 for a scale <= 1 before it reads mscale (common.py, 0.34.0)
    assert _errors((0, 34, 0), factor=1.0, mscale="x", mscale_all_dim=1.0) == []


@pytest.mark.parametrize(("keys", "version", "words"), [
    # DeepseekScalingRotaryEmbedding: float(mscale) in every release
    ({"mscale": "x"}, (0, 9, 2), 'ValueError: rope_scaling.mscale = "x"'),
    ({"mscale": None}, (0, 34, 0), "TypeError: rope_scaling.mscale = null"),
    ({"mscale_all_dim": {}}, (0, 29, 0), "TypeError: rope_scaling.mscale_all_dim = {}"),
    # ... x attn_factor up to 0.29.0
    ({"attn_factor": "x"}, (0, 29, 0), 'rope_scaling.attn_factor = "x"'),
])
def test_a_deepseek_yarn_key_is_checked_as_its_class_reads_it(keys, version, words):
    (error,) = _errors(version, rope_type="deepseek_yarn", **keys)
    assert words in error
    assert "deepseek_yarn rotary embedding" in error


@pytest.mark.parametrize(("keys", "version"), [
    ({"mscale": "0.707", "mscale_all_dim": 0.707}, (0, 34, 0)),  # float("0.707")
    ({"attn_factor": "x"}, (0, 30, 0)),  # no longer passed
])
def test_a_deepseek_yarn_key_it_takes_plans(keys, version):
    assert _errors(version, rope_type="deepseek_yarn", **keys) == []


def test_an_mrope_yarn_block_multiplies_attn_factor_whatever_apply_yarn_scaling_says():
    # get_rope pops apply_yarn_scaling for MRotaryEmbedding, which computes
    # float(yarn_get_mscale(factor) * attn_factor) (mrope.py, 0.29.0)
    keys = {"attn_factor": "1.5", "apply_yarn_scaling": False, "mrope_section": [24, 20, 20]}
    (error,) = _errors((0, 29, 0), **keys)
    assert "a product with attn_factor" in error


def test_the_cli_plan_reads_does_not_fit_on_0_29_0_and_fits_on_0_30_0(capsys):
    argv = ("--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--hf-overrides",
            json.dumps({"rope_scaling": {**YARN, "attn_factor": "x"}}))
    assert plan_errors(capsys, *argv, "--vllm-version", "0.29.0", word="attn_factor") == (
        False, ["TypeError: rope_scaling.attn_factor = \"x\": vLLM 0.29.0's yarn rotary "
                "embedding computes a product with attn_factor as it builds the model, and "
                "this value is no number it can use. Give a number, or leave the key out."])
    assert plan_errors(capsys, *argv, "--vllm-version", "0.30.0", word="attn_factor") == (
        True, [])


@pytest.mark.parametrize(("version", "refused"), [((0, 11, 2), False), ((0, 12, 0), True)])
def test_a_rope_parameters_block_is_read_from_0_12_0(version, refused):
    # vLLM reads config.rope_scaling only before 0.12.0 (patch_rope_scaling, 0.11.2 wheel), and
    # transformers 4 no rope_parameters: the block's attn_factor "x" is not read there
    config = copy.deepcopy(QWEN3_8B)
    config["rope_parameters"] = {**YARN, "attn_factor": "x"}
    errors = yarn_key_errors(parse_model_config(config), version)
    assert [e.startswith('TypeError: rope_parameters.attn_factor = "x"') for e in errors] == (
        [True] if refused else [])


DEEPSEEK_V3 = json.loads((CONFIGS / "deepseek-ai__DeepSeek-V3.json").read_text())


def _deepseek_errors(version: tuple[int, int, int], **keys: object) -> list[str]:
    config = copy.deepcopy(DEEPSEEK_V3)
    config["rope_scaling"] |= keys
    return yarn_key_errors(parse_model_config(config), version)


def test_deepseek_v3s_yarn_block_is_read_as_deepseek_yarn():
    """DeepSeek-V3's config.json says "type": "yarn" (factor 40, mscale 1.0, mscale_all_dim
    1.0), but deepseek_v2.py renames any non-default block deepseek_yarn before get_rope
    (`config.rope_parameters["rope_type"] = "deepseek_yarn"`, 0.19.0-0.34.0;
    `rope_scaling["rope_type"] = 'deepseek_yarn'`, 0.9.2), so DeepseekScalingRotaryEmbedding
    takes float(mscale) / float(mscale_all_dim), not the yarn class's 0.1 x mscale x log(40)
    + 1 (0.30.0 on) and no attention_factor; it was checked as yarn."""
    assert _deepseek_errors((0, 34, 0)) == []
    # float("1.0") = 1.0: vLLM starts (was refused: 0.1 x "1.0" x log(40) is a TypeError)
    assert _deepseek_errors((0, 34, 0), mscale="1.0") == []
    # the DeepSeek branch passes no attention_factor (0.30.0 on): not read
    assert _deepseek_errors((0, 30, 0), attention_factor="x") == []
    # float(None) is a TypeError in every release (was planned up to 0.29.0: yarn's branch
    # passes no mscale_all_dim there)
    (error,) = _deepseek_errors((0, 29, 0), mscale_all_dim=None)
    assert error.startswith("TypeError: rope_scaling.mscale_all_dim = null: vLLM 0.29.0's "
                            "deepseek_yarn rotary embedding computes float(mscale_all_dim)")


def test_glm4_moe_lites_yarn_block_is_read_as_deepseek_yarn():
    """glm4_moe_lite.py's Glm4MoeLiteAttention / Glm4MoeLiteMLAAttention are deepseek_v2.py's
    DeepseekV2Attention / DeepseekV2MLAAttention (subclasses with `pass`, 0.19.0 and 0.34.0
    wheels), whose __init__ renames the block deepseek_yarn: DeepseekScalingRotaryEmbedding
    takes float("1.0") = 1.0 and starts (deepseek_scaling_rope.py 0.34.0); it was checked as
    yarn and refused (0.1 x "1.0" x log(40) is a TypeError). DeepSeek-V3's config.json under
    the glm4_moe_lite model_type (an MLA MoE like GLM-4.7-Flash)."""
    config = copy.deepcopy(DEEPSEEK_V3)
    config |= {"model_type": "glm4_moe_lite", "architectures": ["Glm4MoeLiteForCausalLM"]}
    config["rope_scaling"] |= {"mscale": "1.0"}
    assert yarn_key_errors(parse_model_config(config), (0, 34, 0)) == []
    config["rope_scaling"] |= {"mscale_all_dim": None}
    (error,) = yarn_key_errors(parse_model_config(config), (0, 34, 0))
    assert error.startswith("TypeError: rope_scaling.mscale_all_dim = null: vLLM 0.34.0's "
                            "deepseek_yarn rotary embedding computes float(mscale_all_dim)")
