"""Windows WSL2: a preset planned on its whole nvidia-smi total (planner.serving.hardware
with_wsl2), as CUDA reports it there.

Expected figures are worked out by hand from nvidia-smi's MiB (x 2**20 bytes) and from the
WSL2 logs bench/public_memory_runs.json quotes, not from the code.
"""

import inspect

import pytest

from planner.catalog import catalog_spec
from planner.serving import hardware
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    GPU_PRESETS,
    NoWsl2TotalError,
    preset_cluster,
    with_wsl2,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, recommend
from planner.units import GIB

NO_NVIDIA_SMI_TOTAL = {
    # no source in the preset table gives their nvidia-smi total: the RTX 3060's gives its
    # CUDA total only (a vLLM log), the RTX A6000's 49140 MiB is "as commonly printed" (no
    # named-GPU log), the A10's CUDA total is the A10G's assumed, B300/GB200 totals come from
    # marketing labels, GB10 reports none, MI300X is AMD's
    "rtx-3060", "rtx-a6000", "dgx-spark-gb10", "a10", "a40", "l40", "a100-80gb-pcie",
    "h100-pcie", "a100-40gb", "a100-80gb", "b300", "gb200", "v100-32gb", "mi300x",
}  # fmt: skip


def test_the_wsl2_total_is_the_whole_nvidia_smi_total() -> None:
    # RTX 5070 Ti: nvidia-smi 16303 MiB (the WSL2 run's hardware table) = 16303 x 2**20 B
    cluster = preset_cluster("rtx-5070-ti", 1, wsl2=True)
    gpu = cluster.nodes[0].gpu
    assert gpu.memory_total_bytes == 17_094_934_528 and gpu.wsl2
    assert gpu.memory_label == "15.92 GiB (WSL2)"  # 16303 / 1024 = 15.921
    assert cluster.source == "preset: 1x NVIDIA GeForce RTX 5070 Ti at 15.92 GiB (WSL2)"
    assert "memory under WSL2: nvidia-smi's 16,303 MiB = 15.92 GiB" in gpu.source
    # native Linux keeps the estimate: 16303 - 512 MiB = 15791 MiB = 15.42 GiB
    assert round(GPU_PRESETS["rtx-5070-ti"].memory_total_bytes / GIB, 2) == 15.42


@pytest.mark.parametrize(("key", "printed_gib"), [
    ("rtx-4090", 23.99),  # vLLM 0.27.1 under WSL2: 'Free memory on device (22.45/23.99 GiB)'
    ("rtx-4080", 15.99),  # the WSL2 RTX 4080 notes: '14.39 GiB = 15.99 总量 x 0.9'
])
def test_the_rule_gives_the_totals_the_wsl2_logs_print(key: str, printed_gib: float) -> None:
    assert round(with_wsl2(GPU_PRESETS[key]).memory_total_bytes / GIB, 2) == printed_gib


def test_a_memory_given_wins_over_wsl2() -> None:
    # --gpu-memory-gib is what CUDA reports: --wsl2 changes nothing then
    cluster = preset_cluster("rtx-4090", 1, memory_total_bytes=20 * GIB, wsl2=True)
    gpu = cluster.nodes[0].gpu
    assert gpu.memory_total_bytes == 21_474_836_480 and not gpu.wsl2
    assert cluster.source == "preset: 1x NVIDIA GeForce RTX 4090 at 20.00 GiB (given)"


def test_a_preset_without_an_nvidia_smi_total_is_refused_under_wsl2() -> None:
    assert {k for k, g in GPU_PRESETS.items() if g.nvidia_smi_total_mib is None} \
        == NO_NVIDIA_SMI_TOTAL
    with pytest.raises(NoWsl2TotalError, match=r"^no nvidia-smi total is on record for "
                       r"h100-pcie \(NVIDIA H100 PCIe\), so its memory under WSL2 is not known"):
        preset_cluster("h100-pcie", 1, wsl2=True)
    assert preset_cluster("h100-pcie", 1).nodes[0].gpu.memory_total_bytes \
        == GPU_PRESETS["h100-pcie"].memory_total_bytes  # native Linux: no change


def test_every_nvidia_smi_total_is_cited() -> None:
    # each figure stands in its row's source or notes, or in the NOTE on driver reservation
    module = inspect.getsource(hardware)
    note = module[module.index("# NOTE: driver reservation"):module.index("_DRIVER_RESERVED_BYTES")]
    for gpu in GPU_PRESETS.values():
        if gpu.nvidia_smi_total_mib is not None:
            figure = str(gpu.nvidia_smi_total_mib)
            cited = f"{gpu.source} {gpu.notes}".replace(",", "")
            assert figure in cited or figure in note, gpu.key


def test_the_budget_term_says_why() -> None:
    spec = catalog_spec("Qwen/Qwen3-0.6B")
    result = plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-4090", 1, wsl2=True),
                              layout=ParallelLayout(tp=1),
                              engine=EngineSettings(gpu_memory_utilization=0.9,
                                                    max_model_len=4096)))
    budget = next(t for t in result.terms if t.key == "budget")
    # 24564 MiB x 0.9 = 22,107.6 MiB = 21.59 GiB
    assert budget.formula == "ceil(23.99 GiB x 0.9) = 21.59 GiB"
    assert "total 23.99 GiB (WSL2) = 25,757,220,864 B" in budget.note
    assert "(23.64 GiB) (native Linux)" in budget.note
    assert "WDDM" in budget.note and "(22.45/23.99 GiB)" in budget.note
    assert result.wsl2
    native = plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-4090", 1),
                              layout=ParallelLayout(tp=1),
                              engine=EngineSettings(gpu_memory_utilization=0.9,
                                                    max_model_len=4096)))
    assert not native.wsl2 and "WSL2" not in next(t for t in native.terms
                                                  if t.key == "budget").note


def test_recommend_under_wsl2_leaves_out_the_presets_without_a_total() -> None:
    spec = catalog_spec("Qwen/Qwen3-0.6B")
    result = recommend([spec], Workload(context_tokens=4096), with_overrides(), gpus_max=1,
                       top=3, wsl2=True)
    assert result.wsl2 and set(result.no_wsl2_total_gpu_keys) == NO_NVIDIA_SMI_TOTAL
    assert not NO_NVIDIA_SMI_TOTAL & set(result.gpu_keys)
    with pytest.raises(NoWsl2TotalError):
        recommend([spec], Workload(context_tokens=4096), with_overrides(), gpus_max=1,
                  gpu_keys=("h100-pcie",), wsl2=True)
