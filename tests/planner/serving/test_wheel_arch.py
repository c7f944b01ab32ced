"""vLLM's prebuilt wheels hold no code for compute capability 6.x on any release, nor 7.0 from
0.20.0 (cuobjdump of their compiled ops: sm_70 and newer to 0.19.0, sm_75 and newer from 0.20.0;
the PyTorch 0.20.0-0.34.0 pin, 2.11.0 / 2.13.0 / 2.14.0 +cu130, sm_75 and newer, no PTX;
startup.wheel_arch's NOTEs): a P40 or P100 was planned to fit, and a V100 on 0.20 and later,
where a pip-installed vLLM stops at its first kernel (vLLM PR #39878: a V100 on a 0.19.1
nightly with torch 2.11)."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    ClusterSpec,
    NodeSpec,
    custom_gpu,
    gpu_preset,
    preset_cluster,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.wheel_arch import wheel_arch_errors
from planner.units import GIB

V100 = "Tesla V100-SXM2-32GB"


@pytest.mark.parametrize("cc", ["6.0", "6.1", "5.2"])
@pytest.mark.parametrize("version", [(0, 9, 1), (0, 19, 0), (0, 34, 0)])
def test_below_7_0_is_refused_with_cuda_s_words(cc: str, version) -> None:
    gpu = custom_gpu(24 * GIB, name="Tesla P40", compute_capability=cc)
    [error] = wheel_arch_errors(gpu, version)
    assert error.startswith(f"vLLM's prebuilt wheels hold no CUDA code for compute capability "
                            f"{cc} (Tesla P40) on vLLM {'.'.join(map(str, version))}: ")
    assert "no kernel image is available for execution on the device" in error
    assert "0.19 and earlier hold code" not in error  # none does for 6.x


@pytest.mark.parametrize("version", [(0, 20, 0), (0, 28, 0), (0, 34, 0)])
def test_a_v100_from_0_20_is_refused_as_cuda_13_builds_for_7_5(version) -> None:
    # the preset and a hand-made 7.0 card (TITAN V) alike; 7.2 (Jetson Xavier) has no 7.0 code
    # either (SASS runs within its major version from its own minor up; none of 7.x below 7.5)
    for gpu in (gpu_preset("v100-32gb"), custom_gpu(12 * GIB, name="TITAN V",
                                                     compute_capability="7.0")):
        [error] = wheel_arch_errors(gpu, version)
        label = ".".join(map(str, version))
        assert error.startswith(f"vLLM's prebuilt wheels hold no CUDA code for compute "
                                f"capability 7.0 ({gpu.name}) on vLLM {label}: ")
        assert "CUDA 13 builds for 7.5 and newer" in error
        assert "\"CUDA error: no kernel image is available for execution on the device\"" in error
        assert "vLLM PR #39878" in error and "vLLM 0.19 and earlier hold code for it" in error
    assert wheel_arch_errors(custom_gpu(32 * GIB, compute_capability="7.2"), version)


@pytest.mark.parametrize(("cc", "version"), [
    ("7.0", (0, 19, 0)), ("7.0", (0, 9, 1)), ("7.5", (0, 20, 0)), ("7.5", (0, 34, 0)),
    ("8.0", (0, 34, 0)), ("", (0, 34, 0)),
])
def test_what_the_wheels_hold_code_for_and_an_unknown_capability_are_not(cc, version) -> None:
    assert wheel_arch_errors(custom_gpu(24 * GIB, compute_capability=cc), version) == []


def _plan(model: str, version: str, cluster: ClusterSpec | None = None, pp: int = 1):
    return plan(PlanRequest(model=catalog_spec(model),
                            cluster=cluster or preset_cluster("v100-32gb", 1),
                            layout=ParallelLayout(pp=pp),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096)))


def test_a_v100_plan_dense_or_moe_stops_from_0_20_and_runs_on_0_19() -> None:
    # torch's own kernels have no 7.0 image from 0.20 (a dense forward reaches them before any
    # vLLM op); a MoE one also reaches _moe_C's topk_softmax. Qwen3-8B in float16: 16.4 GB of
    # weights on 32 GB, so 0.19.0 fits it
    for model in ("Qwen/Qwen3-8B", "Qwen/Qwen1.5-MoE-A2.7B"):
        for version in ("0.20.0", "0.34.0"):
            result = _plan(model, version)
            assert not result.fits and result.vllm_command is None, (model, version)
            assert result.errors[0].startswith(
                f"vLLM's prebuilt wheels hold no CUDA code for compute capability 7.0 ({V100}) "
                f"on vLLM {version}: "), (model, version, result.errors)
    old = _plan("Qwen/Qwen3-8B", "0.19.0")
    assert old.fits and old.errors == []


def test_a_v100_node_past_node_0_is_refused_naming_it() -> None:
    # every worker runs its kernels on its own GPU: an H100 node 0 and a V100 node 1 at PP=2
    # puts rank 1 on the V100, whose wheels' refusal is named with its node; 0.19 runs both
    cluster = ClusterSpec(nodes=tuple(
        NodeSpec(hostname=f"n{i}", gpu=gpu_preset(gpu), gpus_per_node=1,
                 intra_node_link="pcie") for i, gpu in enumerate(("h100-sxm", "v100-32gb"))),
        source="test")
    result = _plan("Qwen/Qwen3-8B", "0.34.0", cluster, pp=2)
    assert not result.fits
    assert result.errors[0].startswith(
        f"Node 1 (n1, {V100}): vLLM's prebuilt wheels hold no CUDA code for compute capability "
        "7.0"), result.errors
    assert not any("prebuilt wheels" in e for e in _plan("Qwen/Qwen3-8B", "0.19.0", cluster,
                                                          pp=2).errors)
    # a Pascal node 1 on 0.19 too (only node 0's GPU was checked before)
    p40 = custom_gpu(24 * GIB, name="Tesla P40", compute_capability="6.1")
    pascal = cluster.model_copy(update={"nodes": (cluster.nodes[0], cluster.nodes[1].model_copy(
        update={"gpu": p40}))})
    assert _plan("Qwen/Qwen3-8B", "0.19.0", pascal, pp=2).errors[0].startswith(
        "Node 1 (n1, Tesla P40): vLLM's prebuilt wheels hold no CUDA code for compute "
        "capability 6.1 (Tesla P40) on vLLM 0.19.0: ")
