"""gpt-oss's MXFP4 experts on RDNA GPUs (gfx10 / gfx11 / gfx12), vLLM's auto MoE backend.

Worked from the wheels by hand (fp4_weights.MXFP4_RDNA_REFUSED): fused_moe/oracle/mxfp4.py
select_mxfp4_moe_backend takes the first backend of its list whose kernel runs here; on ROCm
with no environment variable only OpenAI's Triton MoE can. Its _supports_current_device is
(9, 0) <= capability < (11, 0) in 0.19.0-0.21.0 (gfx1100 reads 11.0, gfx1201 12.0, gfx1030
10.3) and on_gfx9() or on_gfx1x() (gfx11, gfx12) from 0.22.0. 0.20-0.21 and 0.25 on list
EMULATION (a TritonExperts, any ROCm GPU) last. So:
  0.19: gfx11/gfx12 refused ("No MXFP4 MoE backend supports ..."), gfx10 runs Triton;
  0.20-0.21: everything runs (gfx10 Triton, gfx11/12 emulation);
  0.22-0.23: gfx10 refused (same words); 0.24: gfx10 refused by the TRITON_UNFUSED fallback's
  kernel check ("... since kernel does not support current device rocm.");
  0.25 on: everything runs. gfx942 (MI300X) runs in every release.
There is no RDNA preset: an MI300X preset with the target replaced stands in (its memory is
irrelevant to these checks).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

NONE = "No MXFP4 MoE backend supports the deployment configuration. (vLLM "
UNFUSED = ("Mxfp4 MoE backend 'TRITON_UNFUSED' does not support the deployment configuration "
           "since kernel does not support current device rocm. (vLLM ")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _errors(target: str, release: str) -> list[str]:
    gpu = gpu_preset("mi300x").model_copy(update={"compute_capability": target})
    cluster = ClusterSpec(nodes=(NodeSpec(gpu=gpu, gpus_per_node=1, intra_node_link="pcie"),),
                          source="test")
    return list(plan(PlanRequest(
        model=catalog_spec("openai/gpt-oss-20b"), cluster=cluster, layout=ParallelLayout(),
        engine=EngineSettings(max_model_len=4096, vllm_version=release))).errors)


@pytest.mark.parametrize(("target", "release", "said"), [
    ("gfx1100", "0.19.0", NONE), ("gfx1201", "0.19.1", NONE), ("gfx1030", "0.19.0", None),
    ("gfx1100", "0.20.0", None), ("gfx1030", "0.21.0", None),
    ("gfx1030", "0.22.0", NONE), ("gfx1030", "0.23.0", NONE), ("gfx1100", "0.22.0", None),
    ("gfx1030", "0.24.0", UNFUSED), ("gfx1201", "0.24.0", None),
    ("gfx1030", "0.25.0", None), ("gfx1030", "0.33.0", None),
    ("gfx942", "0.19.0", None), ("gfx942", "0.24.0", None),
])
def test_mxfp4_experts_on_rdna_per_release(target, release, said) -> None:
    errors = _errors(target, release)
    if said is None:
        assert errors == [], errors
    else:
        (error,) = errors
        assert error.startswith(said + release), error
        assert f"({target})" in error

