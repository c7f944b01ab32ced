"""GPTQ bits other than 4 / 8, and quant_method "gptq_marlin", as vLLM reads them.

Worked from the wheels:
- gptq.py GPTQConfig.__init__ (every wheel 0.9.1-0.21.0) takes weight_bits in [2, 3, 4, 8], else
  "Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got 5 bits.";
  up to 0.21 nothing takes a 2/3-bit "gptq" config before it (is_gptq_marlin_compatible and
  is_gptq_bitblas_compatible want (bits, sym) in {(4, True), (8, True)}).
- auto_gptq.py AutoGPTQConfig (0.22.0-0.34.0, "gptq" and "gptq_marlin"): from_config
  get_from_keys(config, ["sym"]) then __init__ "Unsupported quantization config: bits=3,
  sym=True" for (bits, sym) outside {(4, True), (8, True)}.
- quant_method "gptq_marlin" up to 0.21.0 is gptq_marlin.py GPTQMarlinConfig (its
  is_gptq_marlin_compatible returns False for quant_method != "gptq", so no override moves it
  to gptq.py): the same sym read and the same "Unsupported quantization config" raise.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"  # torch_dtype bfloat16
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False}
MARLIN = GPTQ | {"quant_method": "gptq_marlin"}


def _spec(quantization_config: dict):
    config = {**catalog_entry(LLAMA).config, "quantization_config": quantization_config}
    return parse_model_config(config, name="acme/gptq")


def _refusal(quantization_config: dict) -> str:
    with pytest.raises(ConfigError) as info:
        _spec(quantization_config)
    return str(info.value)


def _errors(quantization_config: dict, version: str, **engine) -> list[str]:
    return plan(PlanRequest(model=_spec(quantization_config),
                            cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096,
                                                  **engine))).errors


@pytest.mark.parametrize("bits", [2, 3])
def test_2_or_3_bit_gptq_says_which_releases_load_it(bits) -> None:
    # was "config.json: quantization_config.bits = 3 is not 4 or 8": vLLM up to 0.21 loads it
    # (gptq.py), from 0.22 AutoGPTQConfig refuses it
    message = _refusal(GPTQ | {"bits": bits, "sym": True})
    assert message.startswith(f"config.json: quantization_config.bits = {bits}: Headroom does "
                              f"not plan 2- or 3-bit GPTQ weights. vLLM 0.9.1-0.21.0 loads them "
                              "on gptq.py GPTQConfig's own kernels (float16 only)")
    assert message.endswith(f"0.22.0 on stops at load (auto_gptq.py AutoGPTQConfig: "
                            f"\"Unsupported quantization config: bits={bits}, sym=True\")")
    assert "\n" not in message


def test_autogptq_asks_for_sym_before_the_bits() -> None:
    # from_config reads sym (required) before __init__ checks (bits, sym)
    assert _refusal(GPTQ | {"bits": 3}).endswith(
        "(auto_gptq.py AutoGPTQConfig: \"Cannot find any of ['sym'] in the model's "
        "quantization config.\")")


def test_gptq_bits_no_release_takes_are_refused_in_both_loaders_words() -> None:
    message = _refusal(GPTQ | {"bits": 5, "sym": False})
    assert "\"Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got 5 " \
        "bits.\"" in message
    assert message.endswith("\"Unsupported quantization config: bits=5, sym=False\")")


def test_gptq_marlin_3_bit_is_refused_in_every_release() -> None:
    # GPTQMarlinConfig (to 0.21) and AutoGPTQConfig (from 0.22) share TYPE_MAP {(4, T), (8, T)}
    assert _refusal(MARLIN | {"bits": 3, "sym": True}) == (
        "config.json: quantization_config.bits = 3: quant_method gptq_marlin takes 4 or 8 bits "
        "and stops at load in every release (gptq_marlin.py GPTQMarlinConfig, 0.9.1-0.21.0, and "
        "auto_gptq.py AutoGPTQConfig, 0.22.0 on: \"Unsupported quantization config: bits=3, "
        "sym=True\")")


@pytest.mark.parametrize("version", ["0.19.0", "0.21.0"])
def test_gptq_marlin_sym_false_is_refused_up_to_0_21_not_put_on_gptq_py(version) -> None:
    # quant_method "gptq" with sym false loads on gptq.py (bfloat16 refused there, float16
    # fits); "gptq_marlin" is GPTQMarlinConfig, which raises whatever the dtype
    for dtype in ("auto", "float16"):
        (error,) = _errors(MARLIN | {"sym": False}, version, dtype=dtype)
        assert error.startswith(f"Unsupported quantization config: bits=4, sym=False (vLLM "
                                f"{version} GPTQMarlinConfig")
    (error,) = _errors(MARLIN, version)  # sym absent: from_config's get_from_keys
    assert error.startswith("Cannot find any of ['sym'] in the model's quantization config. "
                            f"(vLLM {version} GPTQMarlinConfig.from_config")
    assert _errors(GPTQ | {"sym": False}, version, dtype="float16") == []


def test_gptq_marlin_with_a_null_desc_act_stays_on_marlin_up_to_0_21() -> None:
    # "gptq" with desc_act null leaves Marlin for gptq.py (float16 only: bfloat16 refused);
    # "gptq_marlin" is GPTQMarlinConfig, which takes None as no act order, in bfloat16
    assert _errors(MARLIN | {"sym": True, "desc_act": None}, "0.21.0") == []
    (error,) = _errors(GPTQ | {"sym": True, "desc_act": None}, "0.21.0")
    assert error.startswith("torch.bfloat16 is not supported for quantization method gptq")


def test_gptq_marlin_sym_false_from_0_22_reads_as_gptq() -> None:
    # the registry maps "gptq_marlin" to AutoGPTQConfig from 0.22.0 (0.22.0, 0.34.0 read)
    (error,) = _errors(MARLIN | {"sym": False}, "0.34.0")
    assert error.startswith("Unsupported quantization config: bits=4, sym=False (vLLM 0.34.0 "
                            "AutoGPTQConfig")
