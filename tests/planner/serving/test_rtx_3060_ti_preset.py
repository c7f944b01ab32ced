"""The rtx-3060-ti preset: its names resolve (and the RTX 3060's and 3070's still do), and each
figure is the one its sources give, worked out here by hand from those sources (NVIDIA's
compare page as reprinted, deviceQuery on the card, a GPU table, nvidia-smi tables), not read
back from the code; one plan of Qwen3-4B, whose sizes come from its config.json."""

import math

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    OtherMemorySizeError,
    UnknownGpuError,
    gpu_preset,
    match_gpu_name,
    pcie_rate,
    preset_cluster,
    resolve_gpu_key,
    size_without_preset,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import DEFAULT_PRICES

MIB = 2**20


@pytest.mark.parametrize(("name", "key"), [
    ("RTX 3060 Ti", "rtx-3060-ti"), ("NVIDIA GeForce RTX 3060 Ti", "rtx-3060-ti"),
    ("rtx3060ti", "rtx-3060-ti"), ("RTX 3060 Ti 8GB", "rtx-3060-ti"),
    # the neighbours keep theirs
    ("RTX 3060", "rtx-3060"), ("NVIDIA GeForce RTX 3060", "rtx-3060"), ("RTX 3070", "rtx-3070"),
])
def test_the_names_people_and_nvml_write_resolve(name: str, key: str) -> None:
    assert resolve_gpu_key(name) == key


def test_other_cards_and_sizes_are_not_this_preset() -> None:
    with pytest.raises(UnknownGpuError):
        resolve_gpu_key("NVIDIA GeForce RTX 3060 Ti Laptop GPU")
    # the RTX 3060's 8 GB card is still a size without a preset, not the 3060 Ti
    assert size_without_preset("RTX 3060") == 8 and size_without_preset("RTX 3060 Ti") is None
    with pytest.raises(OtherMemorySizeError, match="rtx-3060 .*not 8 GB"):
        resolve_gpu_key("RTX 3060 8GB")


def test_figures_from_the_compare_page_and_device_query() -> None:
    gpu = gpu_preset("NVIDIA GeForce RTX 3060 Ti")
    sms = 4864 // 128  # deviceQuery: "(038) Multiprocessors, (128) CUDA Cores/MP: 4864"
    assert sms == 38 and gpu.compute_capability == "8.6"
    # a GPU table's 16.20 FP32 TFLOPS / (4,864 x 2) = 1.6653 GHz: NVIDIA's "1.67" rounded
    assert gpu.boost_clock_mhz == pytest.approx(16.20e6 / (4864 * 2), abs=0.5)
    assert gpu.fp32_tflops == pytest.approx(sms * 128 * 2 * gpu.boost_clock_mhz * 1e-6, abs=0.005)
    # GA102's per-SM rates (the RTX 3090 column: 71 = 82 x 1.695 GHz x 512; INT8 x 2,048)
    assert gpu.bf16_dense_tflops == pytest.approx(sms * 1.665 * 512e-3, abs=0.005)
    assert gpu.int8_dense_tops == pytest.approx(sms * 1.665 * 2048e-3, abs=0.05)
    assert gpu.fp8_dense_tflops is None  # Ampere
    # deviceQuery: 'Memory Clock rate: 7001 Mhz' (x 2 = 14 Gbps) on 256 bits
    assert gpu.memory_bandwidth_gbps == pytest.approx(256 / 8 * 7001e6 * 2 / 1e9, abs=0.1)


def test_memory_is_the_device_property() -> None:
    gpu = gpu_preset("rtx-3060-ti")
    # deviceQuery: 'Total amount of global memory: 7972 MBytes (8359641088 bytes)'
    assert gpu.memory_total_bytes == 8359641088 and gpu.memory_total_bytes // MIB == 7972
    assert gpu.nvidia_smi_total_mib == 8192
    assert match_gpu_name("NVIDIA GeForce RTX 3060 Ti", 8359641088).key == "rtx-3060-ti"


def test_links_and_price() -> None:
    gpu = gpu_preset("rtx-3060-ti")
    assert gpu.default_intra_node_link == "pcie-no-p2p" and gpu.nvlink_bandwidth_gbps is None
    assert (gpu.pcie_generation, gpu.pcie_lanes) == (4, 16)
    assert pcie_rate(gpu).gbps == pytest.approx(16 * 1.969, abs=0.01)
    assert DEFAULT_PRICES["rtx-3060-ti"].usd_per_gpu_hour is None


def test_qwen3_4b_in_bfloat16_does_not_fit_one_but_fits_two() -> None:
    # bfloat16 weights: 4,022,468,096 params x 2 B + the rotary cache 40,960 x 128 x 2 B =
    # 8,055,421,952 B, above one card's budget ceil(8,359,641,088 x 0.9) = 7,523,676,980 B
    spec = catalog_spec("Qwen/Qwen3-4B")
    engine = EngineSettings(vllm_version="0.19.0", max_model_len=8000)
    one = plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-3060-ti", 1),
                           layout=ParallelLayout(), engine=engine))
    budget = next(t for t in one.terms if t.key == "budget")
    assert budget.value == math.ceil(8359641088 * 0.9) == 7_523_676_980
    assert one.weights_bytes_per_gpu == 4_022_468_096 * 2 + 40960 * 128 * 2 > budget.value
    assert not one.fits
    two = plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-3060-ti", 2),
                           layout=ParallelLayout(tp=2), engine=engine))
    assert two.fits and two.errors == []
