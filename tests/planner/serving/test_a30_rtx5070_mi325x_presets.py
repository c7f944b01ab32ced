"""The presets a30, rtx-5070 and mi325x: their names resolve (and their neighbours' still do),
and each figure is the one its sources give, worked out here by hand from those sources (the
A30 datasheet as tabulated, nvbench's and deviceQuery's device lines, NVIDIA's RTX 50 table,
AMD's MI325X figures, nvidia-smi tables naming the card), not read back from the code; one
plan of Qwen3-8B on an A30 and of Qwen3-4B on an RTX 5070, whose sizes come from config.json."""

import math

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    NoGpuPresetError,
    OtherMemorySizeError,
    UnknownGpuError,
    gpu_preset,
    link_spec,
    match_gpu_name,
    mig_parent,
    near_gpu_hint,
    other_presets_named,
    pcie_rate,
    preset_cluster,
    resolve_gpu_key,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import DEFAULT_PRICES

MIB, GIB = 2**20, 2**30
NEW = ("a30", "rtx-5070", "mi325x")


@pytest.mark.parametrize(("name", "key"), [
    ("A30", "a30"), ("NVIDIA A30", "a30"), ("nvidia a30 24gb", "a30"),
    ("RTX 5070", "rtx-5070"), ("NVIDIA GeForce RTX 5070", "rtx-5070"), ("rtx5070", "rtx-5070"),
    ("MI325X", "mi325x"), ("AMD Instinct MI325X", "mi325x"),
    # the neighbours keep theirs
    ("A40", "a40"), ("A10", "a10"), ("A2", "a2"), ("RTX 5070 Ti", "rtx-5070-ti"),
    ("NVIDIA GeForce RTX 5070 Ti", "rtx-5070-ti"), ("MI300X", "mi300x"),
    ("AMD Instinct MI300X", "mi300x"),
])
def test_the_names_people_and_nvml_write_resolve(name: str, key: str) -> None:
    assert resolve_gpu_key(name) == key


@pytest.mark.parametrize("name", [
    "NVIDIA GeForce RTX 5070 Laptop GPU", "RTX 5060", "A300", "MI325", "A3",
])
def test_other_cards_are_not_these_presets(name: str) -> None:
    with pytest.raises(UnknownGpuError):
        resolve_gpu_key(name)


def test_a_laptop_gpu_is_said_to_be_one_never_offered_the_desktop_preset() -> None:
    # "did you mean rtx-5070-ti, rtx-5070?" offered the desktop card, another product
    laptop = "NVIDIA GeForce RTX 5070 Laptop GPU"
    with pytest.raises(NoGpuPresetError) as refused:
        resolve_gpu_key(laptop)
    assert str(refused.value) == (f"no GPU preset for {laptop!r}, a laptop GPU, which no preset "
                                  "models: the desktop card of its number is another product, "
                                  "not planned for it")
    assert near_gpu_hint(laptop) == (" (a laptop GPU, which no preset models: the desktop card "
                                     "of its number is another product, not planned for it)")
    # an audit's reading, even at the desktop card's very total: a GPU of its own, by its name
    desktop = gpu_preset("rtx-5070")
    audited = match_gpu_name(laptop, desktop.memory_total_bytes, "12.0")
    assert audited.key == "custom" and audited.name == laptop


def test_a_size_the_a30_is_not_sold_in_is_refused() -> None:
    with pytest.raises(OtherMemorySizeError, match="a30 .*not 48 GB"):
        resolve_gpu_key("A30 48GB")


def test_a_full_name_names_no_other_preset() -> None:
    for name in ("NVIDIA A30", "NVIDIA GeForce RTX 5070", "AMD Instinct MI325X"):
        assert other_presets_named(name) == (), name


def test_an_a30_mig_slice_is_a_slice_of_the_a30() -> None:
    # NVIDIA's MIG post: "A single A30 can be partitioned into up to four MIG instances", four
    # of 6 GB each; a slice shares the A30's SMs, so its capability and formats
    assert mig_parent("NVIDIA A30 MIG 1g.6gb").key == "a30"


def test_a30_figures_from_its_datasheet_and_device_lines() -> None:
    a30 = gpu_preset("NVIDIA A30")
    sms, clock_ghz = 56, 1.44  # deviceQuery / nvbench: 56 SMs, 1,440 MHz
    assert a30.boost_clock_mhz == clock_ghz * 1000
    # the datasheet's 165 dense BF16, 330 INT8 and 10.3 FP32, from GA100's per-SM rates (the
    # A100's 312 = 108 x 2,048 x 1.41 GHz): 56 x 2,048 x 1.44 = 165.15, x 4,096 = 330.3,
    # FP32 56 x 64 lanes x 2 x 1.44 = 10.32
    assert a30.bf16_dense_tflops == pytest.approx(sms * 2048 * clock_ghz / 1000, rel=1e-3)
    assert a30.int8_dense_tops == pytest.approx(sms * 4096 * clock_ghz / 1000, rel=1e-3)
    assert a30.fp32_tflops == pytest.approx(sms * 64 * 2 * clock_ghz / 1000, rel=3e-3)
    assert a30.fp8_dense_tflops is None and "fp8" not in a30.native_weight_formats  # Ampere
    assert a30.compute_capability == "8.0"
    # the softmax exponentials: 56 SMs x 1.44 GHz x 16 SFU lanes
    assert a30.softmax_exp_tera_per_s == pytest.approx(sms * clock_ghz / 1000 * 16, rel=3e-3)
    # nvbench: "933 GB/sec (3072-bit DDR @1215MHz)"
    assert a30.memory_bandwidth_gbps == pytest.approx(3072 / 8 * 1215e6 * 2 / 1e9, abs=0.2)


def test_a30_total_is_nvbenchs_cuda_total() -> None:
    # nvbench's "Global Memory: 23805 MiB Free / 24060 MiB Total" (cudaMemGetInfo, MiB rounded
    # down): 516 MiB under nvidia-smi's 24576, the lowest of the three totals found (PyTorch's
    # 23.53 GiB, deviceQuery's 25,343,295,488 B)
    a30 = gpu_preset("a30")
    assert a30.memory_total_bytes == 24060 * MIB
    assert a30.nvidia_smi_total_mib == 24576
    assert a30.memory_total_bytes < round(23.53 * GIB) < 25_343_295_488
    # an audit of an A30 keeps the preset at the total it measures
    audited = match_gpu_name("NVIDIA A30", 25_343_295_488)
    assert audited.key == "a30" and audited.memory_total_bytes == 25_343_295_488


def test_a30_links_as_the_other_bridged_data_centre_cards() -> None:
    a30 = gpu_preset("a30")
    # 'NVLINK 200GB/s', a bridge joining two cards: pcie by default, nvlink for a bridged pair
    assert (a30.nvlink_bandwidth_gbps, a30.nvlink_bridge_gpus) == (200.0, 2)
    assert a30.default_intra_node_link == gpu_preset("a40").default_intra_node_link == "pcie"
    assert link_spec(a30, "nvlink").bandwidth_gbps == 200.0 / 2  # per direction
    assert preset_cluster("a30", 2, intra_node_link="nvlink").nodes[0].intra_node_link == "nvlink"
    # 'PCIe Gen4 64GB/s': x16 at 1.969 GB/s per lane per direction
    assert (a30.pcie_generation, a30.pcie_lanes) == (4, 16)
    assert pcie_rate(a30).gbps == pytest.approx(16 * 1.969, abs=0.01)


def test_rtx_5070_figures_from_nvidias_table() -> None:
    gpu = gpu_preset("NVIDIA GeForce RTX 5070")
    ai_tops, sms = 988.0, 6144 // 128  # NVIDIA's table: 6,144 CUDA cores (48 SMs), "988 AI TOPS"
    # 988 is sparse FP4: dense FP4 / 2, FP8 / 8, BF16 (FP32 accumulate) / 16, INT8 / 4, the
    # ratios of the RTX 5090's 3,352 AI TOPS to its rtx-5090 preset
    assert (gpu.fp4_dense_tflops, gpu.fp8_dense_tflops, gpu.bf16_dense_tflops,
            gpu.int8_dense_tops) == (ai_tops / 2, ai_tops / 8, ai_tops / 16, ai_tops / 4)
    # the boost clock: NVIDIA's 2.51 GHz gives 987.0 AI TOPS at 8,192 sparse FP4 FLOP per SM per
    # clock (the RTX 5090's 3,352 = 170 x 8,192 x 2.407 GHz: 48 x 8,192 x 2.51e-3 = 987.0);
    # the listings' 2,512 MHz gives 988
    assert round(sms * 8192 * gpu.boost_clock_mhz * 1e-6) == ai_tops
    assert gpu.fp32_tflops == pytest.approx(6144 * 2 * gpu.boost_clock_mhz * 1e-6, abs=0.005)
    # 192 bits x 28 Gbps / 8; a device readout: "672.05 GB/s (theoretical peak)"
    assert gpu.memory_bandwidth_gbps == 192 / 8 * 28 == pytest.approx(672.05, abs=0.1)
    assert gpu.compute_capability == "12.0" and "nvfp4" in gpu.native_weight_formats


def test_rtx_5070_memory_links_and_pcie() -> None:
    gpu = gpu_preset("rtx-5070")
    # no CUDA total naming the card: nvidia-smi's 12227 MiB less 512 MiB = 11.44 GiB
    assert gpu.nvidia_smi_total_mib == 12227
    assert gpu.memory_total_bytes == (12227 - 512) * MIB
    assert "estimated" in gpu.notes
    # a GeForce card: no PCIe P2P, no NVLink; PCIe 5.0 x16
    assert gpu.default_intra_node_link == "pcie-no-p2p" and gpu.nvlink_bandwidth_gbps is None
    assert (gpu.pcie_generation, gpu.pcie_lanes) == (5, 16)
    # an audit of one at nvidia-smi's whole 12227 MiB (as WSL2 reports it) keeps the preset
    audited = match_gpu_name("NVIDIA GeForce RTX 5070", 12227 * MIB)
    assert audited.key == "rtx-5070" and audited.memory_total_bytes == 12227 * MIB


def test_mi325x_is_the_mi300x_compute_with_more_memory() -> None:
    mi325x, mi300x = gpu_preset("AMD Instinct MI325X"), gpu_preset("mi300x")
    assert (mi325x.vendor, mi325x.compute_capability) == ("amd", "gfx942")
    # AMD: FP16/BF16 1,307.4, FP8 2,614.9 and FP32 163.4 TFLOPS, as the MI300X's
    assert (mi325x.bf16_dense_tflops, mi325x.fp8_dense_tflops) == (1307.4, 2614.9)
    assert mi325x.fp8_dense_tflops == pytest.approx(2 * mi325x.bf16_dense_tflops, abs=0.1)
    assert (mi325x.bf16_dense_tflops, mi325x.fp8_dense_tflops, mi325x.fp32_tflops,
            mi325x.boost_clock_mhz) == (mi300x.bf16_dense_tflops, mi300x.fp8_dense_tflops,
                                        mi300x.fp32_tflops, mi300x.boost_clock_mhz)
    # 304 CUs (ROCm's table) x 256 FP32 FLOP per clock x 2.1 GHz (the clock table's 2,100)
    assert mi325x.fp32_tflops == pytest.approx(304 * 256 * 2.1e-3, abs=0.05)
    assert mi325x.native_weight_formats == mi300x.native_weight_formats
    assert mi325x.softmax_exp_tera_per_s is None  # gfx942: no SM_UNITS entry
    # 256 GB HBM3E at 6 TB/s; 255.98 GiB as vLLM users give it (vllm-project/vllm#41963)
    assert mi325x.memory_bandwidth_gbps == 6 * 1000
    assert mi325x.memory_total_bytes == round(255.98 * GIB)
    assert (mi325x.pcie_generation, mi325x.pcie_lanes) == (5, 16)  # 'PCIe Gen 5 ... 16 lanes'
    assert mi325x.default_intra_node_link == "pcie" and mi325x.nvlink_bandwidth_gbps is None


def test_no_default_price() -> None:
    for key in NEW:
        assert DEFAULT_PRICES[key].usd_per_gpu_hour is None, key


def _plan(model: str, key: str):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(key, 1),
                            layout=ParallelLayout(),
                            engine=EngineSettings(vllm_version="0.19.0", max_model_len=8000)))


def test_qwen3_8b_in_bfloat16_fits_one_a30() -> None:
    result = _plan("Qwen/Qwen3-8B", "a30")
    assert result.fits and result.errors == [] and result.weight_format == "bf16"
    # config.json: hidden 4,096, 36 layers, 32 / 8 heads of 128, MLP 12,288, vocab 151,936,
    # untied lm_head: 2 x 151,936 x 4,096 + 36 x (2 x 4,096^2 + 2 x 4,096 x 1,024 + 3 x 4,096
    # x 12,288 + 2 x 128 + 2 x 4,096) + 4,096 = 8,190,735,360 params, x 2 B, plus the rotary
    # cos/sin cache, 40,960 positions x 128 x 2 B
    per_layer = 2 * 4096**2 + 2 * 4096 * 1024 + 3 * 4096 * 12288 + 2 * 128 + 2 * 4096
    params = 2 * 151936 * 4096 + 36 * per_layer + 4096  # 8,190,735,360
    assert result.weights_bytes_per_gpu == params * 2 + 40960 * 128 * 2 == 16_391_956_480
    # budget on vLLM 0.19 (utilization 0.9): ceil(24,060 MiB x 0.9) = 22,705,864,704 B
    budget = next(t for t in result.terms if t.key == "budget")
    assert budget.value == math.ceil(24060 * MIB * 0.9) == 22_705_864_704
    # 36 layers x 8 KV heads x (128 + 128) x 2 B a token; the pool is what is left of the budget
    assert result.kv_bytes_per_token_per_gpu == 36 * 8 * 256 * 2 == 147_456
    assert 0 < result.kv_cache_bytes_per_gpu < budget.value - 16_391_956_480


def test_qwen3_4b_in_bfloat16_fits_one_rtx_5070() -> None:
    result = _plan("Qwen/Qwen3-4B", "rtx-5070")
    assert result.fits and result.errors == [] and result.weight_format == "bf16"
    # 4,022,468,096 params x 2 B + the rotary cache 40,960 x 128 x 2 B
    assert result.weights_bytes_per_gpu == 4_022_468_096 * 2 + 40960 * 128 * 2
    budget = next(t for t in result.terms if t.key == "budget")
    assert budget.value == math.ceil((12227 - 512) * MIB * 0.9)
    assert 0 < result.kv_cache_bytes_per_gpu < budget.value - result.weights_bytes_per_gpu
