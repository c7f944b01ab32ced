"""GPTQ configs without bits, group_size or desc_act refused as vLLM refuses them
(config.quant.GPTQ_KEYS).

Worked from the wheels: gptq.py GPTQConfig.from_config (0.9.1-0.21.0), gptq_marlin.py
GPTQMarlinConfig.from_config (0.9.1-0.21.0) and auto_gptq.py AutoGPTQConfig.from_config
(0.22.0-0.34.0) read get_from_keys(config, ["bits"]), (["group_size"]) and (["desc_act"]) in
that order, no default: ValueError "Cannot find any of ['desc_act'] in the model's quantization
config." Up to 0.21 gptq_marlin.py is_gptq_marlin_compatible reads them with .get and returns
False where one is None, so the config stays on GPTQConfig, which raises. get_from_keys returns
a present key's value, null included: a null desc_act reaches the config as None, which
is_gptq_marlin_compatible up to 0.21 does not take (gptq.py's plain loader, [torch.half]).
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

# the catalog's Qwen3-235B-A22B-GPTQ-Int4 quantization_config, as its config.json writes it
GPTQ = catalog_entry("Qwen/Qwen3-235B-A22B-GPTQ-Int4").config["quantization_config"]


def _spec(quantization_config: dict):
    config = {**catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
              "quantization_config": quantization_config}
    return parse_model_config(config, name="acme/llama-gptq")


def test_the_catalog_config_gives_every_key() -> None:
    assert GPTQ == {"quant_method": "gptq", "bits": 4, "group_size": 128, "sym": True,
                    "desc_act": False}
    assert _spec(GPTQ).quant.scheme == "w4a16-gptq-g128"


@pytest.mark.parametrize("key", ["bits", "group_size", "desc_act"])
def test_a_config_without_a_key_vllm_needs_is_refused_in_its_words(key) -> None:
    # the old code planned int4 group 128 (its defaults) or read desc_act as false
    config = {k: v for k, v in GPTQ.items() if k != key}
    with pytest.raises(ConfigError) as refused:
        _spec(config)
    assert str(refused.value) == (
        f"config.json: quantization_config has no {key}: vLLM's GPTQ loader stops at load "
        f"(\"Cannot find any of ['{key}'] in the model's quantization config.\", GPTQConfig / "
        "AutoGPTQConfig.from_config in every release)")


def test_the_first_missing_key_in_vllms_order_is_named() -> None:
    # bits is read before desc_act: without both, vLLM names bits
    config = {k: v for k, v in GPTQ.items() if k not in ("bits", "desc_act")}
    with pytest.raises(ConfigError, match=r"has no bits: .*\['bits'\]"):
        _spec(config)


@pytest.mark.parametrize(("method", "group", "shown"), [("gptq", None, "null"),
                                                        ("gptq", 0, "0"), ("awq", None, "null")])
def test_a_group_size_that_is_no_group_is_named_as_such(method, group, shown) -> None:
    # the old code built the scheme key 'w4a16-gptq-gNone' and stopped at "Unknown
    # quantization scheme", naming a scheme no one gave; a group is a positive count or -1
    config = {**GPTQ, "group_size": group} if method == "gptq" else {
        "quant_method": "awq", "bits": 4, "group_size": group, "zero_point": True}
    with pytest.raises(ConfigError) as refused:
        _spec(config)
    assert str(refused.value) == (
        f"config.json: quantization_config.group_size = {shown} is not a group size (a "
        "positive number of input weights, or -1 for one scale per output channel)")


def _plan(quantization_config: dict, version: str, **engine):
    return plan(PlanRequest(model=_spec(quantization_config),
                            cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def test_a_null_desc_act_is_read_and_stays_off_gptq_marlin_up_to_0_21() -> None:
    # get_from_keys: `if key in config: return config[key]`, so null reaches the config as
    # None, which turns no act-order on
    null = GPTQ | {"desc_act": None}
    quant = _spec(null).quant
    assert (quant.scheme, quant.act_order) == ("w4a16-gptq-g128", False)
    # 0.21.0: is_gptq_marlin_compatible returns False for desc_act None -> gptq.py GPTQConfig,
    # [torch.half] only: bfloat16 (Llama-3.1-8B's torch_dtype) refused in vLLM's words
    (error,) = _plan(null, "0.21.0").errors
    assert error.startswith("torch.bfloat16 is not supported for quantization method gptq. "
                            "Supported dtypes: [torch.float16]")
    assert "desc_act, which this config gives as null" in error
    assert _plan(null, "0.21.0", dtype="float16").fits
    assert _plan(GPTQ, "0.21.0").fits  # desc_act false: gptq_marlin, bfloat16
    # 0.22.0: AutoGPTQConfig takes [torch.half, torch.bfloat16] whatever desc_act
    assert _plan(null, "0.22.0").fits
