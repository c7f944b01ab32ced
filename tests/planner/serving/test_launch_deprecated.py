"""A checkpoint whose quantization vLLM deprecates loads only with
--allow-deprecated-quantization (vllm_versions.DEPRECATED_QUANTIZATION): config/model.py
ModelConfig._verify_quantization raises "The quantization method %s is deprecated and will be
removed in future versions of vLLM. To bypass, set `--allow-deprecated-quantization`." for a
method in quantization/__init__.py DEPRECATED_QUANTIZATION_METHODS, which lists fbgemm_fp8 from
the 0.14.0 wheel to the 0.34.0 one; the 0.13.0 wheel has neither the list nor the flag."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli

FLAG = " --allow-deprecated-quantization"


def _fbgemm_plan(version: str, **engine):
    # Llama-3.1-8B-Instruct's config with an FBGEMM FP8 quantization_config (the form Meta's
    # *-FP8 checkpoints write: per-channel FP8 weights, lm_head kept 16-bit)
    config = {**catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
              "quantization_config": {"quant_method": "fbgemm_fp8",
                                      "activation_scale_ub": 1200.0,
                                      "modules_to_not_convert": ["lm_head"]}}
    spec = parse_model_config(config, name="acme/llama-fbgemm-fp8")
    assert spec.quant is not None and spec.quant.method == "fbgemm_fp8"
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


@pytest.mark.parametrize("version", ["0.14.0", "0.19.0", "0.33.0", "0.34.0"])
def test_fbgemm_fp8_gets_the_flag_from_0_14(version: str) -> None:
    p = _fbgemm_plan(version)
    assert p.fits and p.vllm_command is not None and FLAG in p.vllm_command
    assert command_problems(p.vllm_command, vllm_cli(version)) == []
    assert "--allow-deprecated-quantization" in p.launch_note


def test_fbgemm_fp8_needs_no_flag_before_0_14() -> None:
    # 0.13.0: no DEPRECATED_QUANTIZATION_METHODS, and its parser has no such flag
    p = _fbgemm_plan("0.13.0")
    assert p.vllm_command is not None and FLAG not in p.vllm_command
    assert command_problems(p.vllm_command + FLAG, vllm_cli("0.13.0"))


def test_a_what_if_format_of_it_loads_without_the_flag() -> None:
    # --target-quant plans another format, loaded from the checkpoint given as it
    # (--target-checkpoint): the deprecated checkpoint method is not what the command loads,
    # so no flag. (Without a checkpoint of it there is no command at all, and nothing to test.)
    p = _fbgemm_plan("0.34.0", target_quant="fp8-channel", target_checkpoint="acme/llama-fp8")
    assert p.vllm_command is not None and p.vllm_command.startswith("vllm serve acme/llama-fp8 ")
    assert FLAG not in p.vllm_command


@pytest.mark.parametrize(("method", "version", "flag"), [
    # fp_quant is in DEPRECATED_QUANTIZATION_METHODS in the 0.14.0-0.33.0 wheels (and in
    # 0.33.0's QuantizationMethods: the checkpoint loads, as 16-bit weights by Headroom's
    # reading, only with the flag); 0.13.0 has no list
    ("fp_quant", "0.13.0", False), ("fp_quant", "0.14.0", True), ("fp_quant", "0.33.0", True),
    # experts_int8 is listed in the 0.14.0-0.19.1 wheels' list, not in 0.20.0's, which still
    # has the method
    ("experts_int8", "0.19.0", True), ("experts_int8", "0.20.0", False),
])
def test_an_unread_deprecated_method_gets_the_flag_too(method, version, flag) -> None:
    # Headroom reads no format from these (ModelSpec.unread_quant_method: 16-bit weights with a
    # warning), but vLLM resolves the checkpoint's quant_method to them all the same and stops
    # without the flag; the 0.33.0 command Headroom printed for fp_quant did not start
    config = {**catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
              "quantization_config": {"quant_method": method}}
    spec = parse_model_config(config, name="acme/llama-q")
    assert spec.quant is None and spec.unread_quant_method == method
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                         engine=EngineSettings(vllm_version=version, max_model_len=8192)))
    assert p.fits and p.vllm_command is not None
    assert (FLAG in p.vllm_command) is flag
    assert command_problems(p.vllm_command, vllm_cli(version)) == []
