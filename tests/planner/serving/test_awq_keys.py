"""AWQ configs read with vLLM's keys, in vLLM's order (config.quant.AWQ_KEYS).

awq.py AWQConfig.from_config (0.9.1-0.23.0 wheels) and auto_awq.py AutoAWQConfig.from_config
(0.24.0-0.34.0) read get_from_keys(config, ["w_bit", "bits"]), (config, ["q_group_size",
"group_size"]) and (config, ["zero_point"]): the first key present wins, none present raises
ValueError "Cannot find any of [...] in the model's quantization config." Up to 0.23
awq_marlin.py is_awq_marlin_compatible reads .get("bits") / .get("group_size") only, so a
config giving AutoAWQ's older w_bit / q_group_size stays on awq.py's plain loader
(get_supported_act_dtypes [torch.half]).
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import resolve_scheme
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

OLD = {"quant_method": "awq", "w_bit": 4, "q_group_size": 128, "zero_point": True,
       "version": "GEMM"}  # AutoAWQ's older export keys


def _spec(quantization_config: dict):
    config = {**catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
              "quantization_config": quantization_config}  # torch_dtype bfloat16
    return parse_model_config(config, name="acme/llama-awq")


def _plan(quantization_config: dict, version: str, **engine):
    return plan(PlanRequest(model=_spec(quantization_config),
                            cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def test_w_bit_and_q_group_size_are_read() -> None:
    # q_group_size 64: groups of 64, not the 128 default
    quant = _spec(OLD | {"q_group_size": 64}).quant
    assert (quant.weight_bits, quant.group_size) == (4, 64)
    # 4 bits + one fp16 scale and one 4-bit zero point per 64 weights: 4 + 20 / 64 = 4.3125
    assert resolve_scheme(quant.scheme).bits_per_weight == pytest.approx(4.3125)


def test_w_bit_wins_over_bits_and_q_group_size_over_group_size() -> None:
    # get_from_keys returns the first key present: w_bit 4 over bits 8 (AWQ takes 4 bits
    # only), q_group_size 32 over group_size 128
    quant = _spec(OLD | {"bits": 8, "q_group_size": 32, "group_size": 128}).quant
    assert (quant.weight_bits, quant.group_size) == (4, 32)


@pytest.mark.parametrize(("drop", "keys"), [
    (("zero_point",), "['zero_point']"),
    (("w_bit",), "['w_bit', 'bits']"),
    (("q_group_size",), "['q_group_size', 'group_size']"),
])
def test_a_config_without_a_key_vllm_needs_is_refused_in_its_words(drop, keys) -> None:
    config = {k: v for k, v in OLD.items() if k not in drop}
    with pytest.raises(ConfigError, match=rf"Cannot find any of \{keys}\ in the model's "
                       "quantization config"):
        _spec(config)


def test_old_keys_stay_off_awq_marlin_up_to_0_23() -> None:
    # 0.23.0: is_awq_marlin_compatible finds no "bits" -> awq.py AWQConfig, float16 only
    error = next(e for e in _plan(OLD, "0.23.0").errors if "bfloat16" in e)
    assert error.startswith("torch.bfloat16 is not supported for quantization method awq. "
                            "Supported dtypes: [torch.float16]")
    assert "w_bit / q_group_size" in error
    assert _plan(OLD, "0.23.0", dtype="float16").fits
    # the same checkpoint with bits / group_size takes awq_marlin in bfloat16
    assert _plan({k: v for k, v in OLD.items() if k not in ("w_bit", "q_group_size")}
                 | {"bits": 4, "group_size": 128}, "0.23.0").fits
    # 0.24.0: AutoAWQConfig reads w_bit and asks Marlin by type, group and zero point
    assert _plan(OLD, "0.24.0").fits


@pytest.mark.parametrize(("config", "at", "bits"), [
    (OLD | {"w_bit": 8}, "w_bit", 8),  # AutoAWQ's older keys
    ({"quant_method": "awq", "bits": 8, "group_size": 128, "zero_point": True}, "bits", 8),
    (OLD | {"w_bit": 3}, "w_bit", 3),
])
def test_awq_of_other_than_4_bits_is_refused_in_vllms_words(config, at, bits) -> None:
    # No release loads it: awq.py AWQConfig.__init__ (0.9.1-0.23.0) raises "Currently, only
    # 4-bit weight quantization is supported for AWQ, but got 8 bits." (awq_marlin's override
    # takes uint4 only: Marlin lists no uint8 with zero points); auto_awq.py
    # AutoAWQConfig.__init__ (0.24.0-0.34.0) raises "Unsupported num_bits = 8. Supported: 4. ..."
    # The old code parsed it as scheme 'w8a16-awq-g128' and stopped at "Unknown quantization
    # scheme 'w8a16-awq-g128'" (3 bits: "is not 4 or 8"), a scheme the user never gave
    with pytest.raises(ConfigError) as refused:
        _spec(config)
    words = str(refused.value)
    assert words.startswith(f"config.json: quantization_config.{at} = {bits}: vLLM's AWQ "
                            "loaders take 4-bit weights only")
    assert (f'"Currently, only 4-bit weight quantization is supported for AWQ, but got {bits} '
            'bits."') in words
    assert f'"Unsupported num_bits = {bits}. Supported: 4. For 8-bit AWQ' in words
    assert "w8a16-awq" not in words
