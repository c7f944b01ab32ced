"""An NVFP4 KV cache on an AMD GPU has no attention backend: vLLM's ROCm selector raises at
start-up, so the plan does not fit and the app does not offer it.

Read in the 0.34.0 wheel: platforms/rocm.py _get_backend_priorities lists ROCM_ATTN,
ROCM_AITER_FA, ROCM_AITER_UNIFIED_ATTN, TRITON_ATTN, TURBOQUANT, ROCM_OCTAVE and ULTRAQUANT
(TRITON_MLA, ROCM_AITER_MLA, ROCM_AITER_MLA_SPARSE for MLA), and their
supported_kv_cache_dtypes hold auto, float16, bfloat16, the fp8 variants, the per-token-head
formats (TRITON_ATTN) and each quantizing backend's own presets, no nvfp4; with none valid
get_attn_backend_cls raises "No valid attention backend found for rocm with ...". The
backends that take nvfp4 (FlashInfer) and nvfp4_ds_mla (FLASHMLA_SPARSE) are CUDA's in every
release (attention_backend's NOTEs)."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.attention_backend import runnable_kv_cache_dtypes
from planner.serving.vllm_cli import vllm_cli

_spec = cache(catalog_spec)
LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"


def _plan(kv: str):
    return plan(PlanRequest(model=_spec(LLAMA_8B), cluster=preset_cluster("mi300x", 1),
                            layout=ParallelLayout(tp=1),
                            engine=EngineSettings(kv_cache_dtype=kv, max_model_len=8192)))


@pytest.mark.parametrize("kv", ["nvfp4", "nvfp4_4over6"])
def test_an_nvfp4_kv_cache_on_mi300x_does_not_fit(kv: str) -> None:
    result = _plan(kv)
    assert not result.fits and result.vllm_command is None
    assert result.errors[0].startswith(
        f"No valid attention backend found for rocm with kv_cache_dtype={kv}"), result.errors


def test_an_fp8_kv_cache_on_mi300x_still_fits() -> None:
    result = _plan("fp8")
    assert result.fits and result.errors == []


def test_the_app_offers_no_nvfp4_kv_cache_on_mi300x() -> None:
    offered = runnable_kv_cache_dtypes(gpu_preset("mi300x"), _spec(LLAMA_8B), vllm_cli("0.34.0"))
    assert "fp8" in offered and not [kv for kv in offered if kv.startswith("nvfp4")], offered
