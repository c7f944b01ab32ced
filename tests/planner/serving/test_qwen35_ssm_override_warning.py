"""vLLM's warning where --mamba-ssm-cache-dtype is given over a different mamba_ssm_dtype in a
Qwen3.5 config, surfaced in the plan's warnings for the releases and architectures that log it.

vLLM: model_executor/models/config.py Qwen3_5ForConditionalGenerationConfig.verify_and_update_config
(the same body in every release 0.17.0-0.34.0, patch releases included):
    if cache_config.mamba_ssm_cache_dtype == "auto": ... = mamba_ssm_dtype
    elif mamba_ssm_dtype is not None and cache_config.mamba_ssm_cache_dtype != mamba_ssm_dtype:
        logger.warning("Qwen3.5 model specifies mamba_ssm_dtype='%s' in its config, "
                       "but --mamba-ssm-cache-dtype='%s' was passed. "
                       "Using the user-specified value.", ...)
MODELS_CONFIG_MAP sends Qwen3_5ForConditionalGeneration and Qwen3_5MoeForConditionalGeneration
through it from 0.17.0 (absent from the 0.16.0 wheel), ColQwen3_5 from 0.19.0 (not in 0.18.x),
Qwen3_5ForCausalLM / Qwen3_5MoeForCausalLM from 0.27.0 (Qwen3_5ForCausalLMConfig, not in 0.26.0),
the Qwen4Exp configs from 0.29.0. NemotronHForCausalLMConfig logs only where the value is auto.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import qwen35_ssm_architectures

QWEN35 = "Qwen/Qwen3.5-27B"  # text_config mamba_ssm_dtype "float32" (catalog config)
LOGGED = ("\"Qwen3.5 model specifies mamba_ssm_dtype='float32' in its config, but "
          "--mamba-ssm-cache-dtype='float16' was passed. Using the user-specified value.\"")


def _warnings(model: str, version: str, tp: int = 2, **engine) -> list[str]:
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp),
        engine=EngineSettings(vllm_version=version, **engine))).warnings


@pytest.mark.parametrize("version", ["0.17.0", "0.22.0", "0.34.0"])
def test_a_value_over_qwen35s_config_is_vllms_warning(version: str) -> None:
    found = [w for w in _warnings(QWEN35, version, mamba_ssm_cache_dtype="float16")
             if LOGGED in w]
    assert len(found) == 1 and f"vLLM {version} logs" in found[0]
    assert "Qwen3_5ForConditionalGenerationConfig" in found[0]


@pytest.mark.parametrize(("model", "engine"), [
    (QWEN35, {"mamba_ssm_cache_dtype": "float32"}),  # the config's own value: no log
    (QWEN35, {}),  # auto: the config's value is taken, no log
    (QWEN35, {"mamba_cache_dtype": "float32"}),  # the conv flag: not compared
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", {"mamba_ssm_cache_dtype": "float16"}),  # no
    # mamba_ssm_dtype in its config, nor a Qwen3.5 architecture
    ("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", {"mamba_ssm_cache_dtype": "float16"}),
])
def test_no_warning_where_vllm_logs_none(model: str, engine: dict) -> None:
    assert not [w for w in _warnings(model, "0.34.0", **engine) if "user-specified" in w]


def test_the_architectures_per_release() -> None:
    assert qwen35_ssm_architectures((0, 16, 0)) == frozenset()
    pair = {"Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration"}
    assert qwen35_ssm_architectures((0, 18, 1)) == pair
    assert qwen35_ssm_architectures((0, 19, 0)) == pair | {"ColQwen3_5"}
    assert "Qwen3_5ForCausalLM" not in qwen35_ssm_architectures((0, 26, 0))
    assert {"Qwen3_5ForCausalLM", "Qwen3_5MoeForCausalLM"} <= qwen35_ssm_architectures(
        (0, 27, 0))
    assert "Qwen4ExpForCausalLM" in qwen35_ssm_architectures((0, 29, 0))
    assert "Qwen4ExpForCausalLM" not in qwen35_ssm_architectures((0, 28, 0))
