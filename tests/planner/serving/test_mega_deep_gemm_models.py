"""--moe-backend flashinfer_moe_ep_mega_deep_gemm on a model other than DeepSeek-V4: vLLM 0.34.0
refuses it as the config is built (config/kernel.py validate_flashinfer_moe_ep_model, from
KernelConfig.set_platform_defaults in VllmConfig.__post_init__), whatever the model's layers;
Qwen3-30B-A3B and Qwen3-8B were planned to fit with the flag in the launch command."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

_spec = cache(catalog_spec)
BACKEND = "flashinfer_moe_ep_mega_deep_gemm"


def _plan(repo: str, version: str = "0.34.0"):
    return plan(PlanRequest(model=_spec(repo), cluster=preset_cluster("b200", 1),
                            layout=ParallelLayout(tp=1),
                            engine=EngineSettings(moe_backend=BACKEND, max_model_len=8192,
                                                  vllm_version=version)))


@pytest.mark.parametrize(("repo", "architecture"), [
    ("Qwen/Qwen3-30B-A3B", "Qwen3MoeForCausalLM"), ("Qwen/Qwen3-8B", "Qwen3ForCausalLM")])
def test_another_model_is_refused_in_vllm_s_words(repo: str, architecture: str) -> None:
    result = _plan(repo)
    assert not result.fits and result.vllm_command is None
    # FLASHINFER_MOE_EP_ARCHITECTURES, sorted as vLLM's message sorts it
    assert (f"moe_backend='{BACKEND}' is only supported for DeepSeek-V4 models "
            "(['DeepSeekV4MTPModel', 'DeepseekV41ForCausalLM', 'DeepseekV4ForCausalLM']), but "
            f"the model is ['{architecture}'].") in result.errors, result.errors


def test_the_check_is_not_assumed_for_a_release_not_read() -> None:
    # 0.33.0's config/kernel.py was not read for it: no refusal claimed there
    assert not any("only supported for DeepSeek-V4" in e
                   for e in _plan("Qwen/Qwen3-30B-A3B", "0.33.0").errors)


def _dsv4(all2all: str | None, moe_backend: str = BACKEND):
    return plan(PlanRequest(model=_spec("deepseek-ai/DeepSeek-V4-Flash"),
                            cluster=preset_cluster("b200", 8),
                            layout=ParallelLayout(tp=1, dp=8, ep=True),
                            engine=EngineSettings(moe_backend=moe_backend, max_model_len=8192,
                                                  all2all_backend=all2all)))


@pytest.mark.parametrize("moe_backend", [BACKEND, "flashinfer_moe_ep_cutedsl"])
def test_a_flashinfer_moe_ep_backend_refuses_another_all2all(moe_backend: str) -> None:
    # 0.34.0 config/kernel.py bind_passthrough_all2all_backend: these backends dispatch and
    # combine themselves; any all2all other than the default allgather_reducescatter raises
    result = _dsv4("deepep_low_latency", moe_backend)
    assert not result.fits and result.vllm_command is None
    assert (f"moe_backend={moe_backend!r} dispatches and combines itself and cannot be paired "
            "with all2all_backend='deepep_low_latency'; leave --all2all-backend unset."
            ) in result.errors, result.errors
    for taken in (None, "allgather_reducescatter"):  # the default, bound to passthrough
        errors = _dsv4(taken, moe_backend).errors
        assert not any("dispatches and combines itself" in e for e in errors), errors


def test_a_moe_backend_on_a_dense_model_says_it_changes_nothing() -> None:
    # --all2all-backend on a dense model said "ignores it ... no MoE layers"; --moe-backend,
    # read by the fused-MoE oracles only (and, from 0.34.0, the MoE-EP checks above), said
    # nothing while the launch command passed it
    dense = plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("h100-sxm", 1),
                             layout=ParallelLayout(tp=1),
                             engine=EngineSettings(moe_backend="triton", max_model_len=8192)))
    assert dense.fits
    assert ("--moe-backend triton: vLLM reads it for MoE layers only, and Qwen/Qwen3-8B has "
            "none: it changes nothing here.") in dense.warnings, dense.warnings
    moe = plan(PlanRequest(model=_spec("Qwen/Qwen3-30B-A3B"), cluster=preset_cluster("h100-sxm", 1),
                           layout=ParallelLayout(tp=1),
                           engine=EngineSettings(moe_backend="triton", max_model_len=8192)))
    assert not any("changes nothing" in w for w in moe.warnings), moe.warnings
