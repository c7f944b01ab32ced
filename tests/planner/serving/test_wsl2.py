"""Windows WSL2: a preset planned on its whole nvidia-smi total (planner.serving.hardware
with_wsl2), as CUDA reports it there.

Expected figures are worked out by hand from nvidia-smi's MiB (x 2**20 bytes) and from the
WSL2 logs bench/public_memory_runs.json quotes, not from the code.
"""

import inspect

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    GPU_PRESETS,
    NoWsl2TotalError,
    preset_cluster,
    presets,
    with_wsl2,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, recommend
from planner.units import GIB

NO_NVIDIA_SMI_TOTAL = {
    # no nvidia-smi total on record: the V100 32GB's tables disagree (32510 and 32768 MiB),
    # GB10 reports none, MI300X and MI325X are AMD's
    "dgx-spark-gb10", "v100-32gb", "mi300x", "mi325x",
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


@pytest.mark.parametrize(("key", "mib", "wsl2_gib", "native_gib"), [
    # nvidia-smi MiB (tables naming the card, cited in the preset) x 2**20 B; / 1024 = GiB
    ("rtx-3060", 12288, 12.00, 11.63),  # 12288 / 1024 = 12.000
    ("rtx-a6000", 49140, 47.99, 47.54),  # 47.988 (ECC off)
    ("a10", 23028, 22.49, 22.06),  # 22.488
    ("a40", 46068, 44.99, 44.42),  # 44.988
    ("l40", 46068, 44.99, 44.40),
    ("a100-40gb", 40960, 40.00, 39.50),
    ("a100-80gb", 81920, 80.00, 79.25),
    ("a100-80gb-pcie", 81920, 80.00, 79.25),
    ("h100-pcie", 81559, 79.65, 79.19),  # 79.647
])
def test_the_added_nvidia_smi_totals(key: str, mib: int, wsl2_gib: float,
                                     native_gib: float) -> None:
    gpu = with_wsl2(GPU_PRESETS[key])
    assert gpu.memory_total_bytes == mib * 1_048_576
    assert round(gpu.memory_total_bytes / GIB, 2) == wsl2_gib
    assert gpu.memory_label == f"{wsl2_gib:.2f} GiB (WSL2)"
    # the native-Linux CUDA total (the preset's logged or estimated one) is unchanged
    assert round(GPU_PRESETS[key].memory_total_bytes / GIB, 2) == native_gib


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
                       r"v100-32gb \(Tesla V100-SXM2-32GB\), so its memory under WSL2 is not "
                       r"known"):
        preset_cluster("v100-32gb", 1, wsl2=True)
    assert preset_cluster("v100-32gb", 1).nodes[0].gpu.memory_total_bytes \
        == GPU_PRESETS["v100-32gb"].memory_total_bytes  # native Linux: no change
    # GB10: nvidia-smi's Memory-Usage reads 'Not Supported', and the refusal says so
    with pytest.raises(NoWsl2TotalError, match=r"^no nvidia-smi total is on record for "
                       r"dgx-spark-gb10 \(NVIDIA GB10\): nvidia-smi prints none for its unified "
                       r"memory \('Memory-Usage: Not Supported'\), so its memory under WSL2"):
        preset_cluster("dgx-spark-gb10", 1, wsl2=True)


def test_every_nvidia_smi_total_is_cited() -> None:
    # each figure stands in its row's source or notes, or in the NOTE on driver reservation
    module = inspect.getsource(presets)
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
                  gpu_keys=("v100-32gb",), wsl2=True)
