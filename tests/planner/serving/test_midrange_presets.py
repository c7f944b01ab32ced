"""The presets rtx-4070, rtx-3070, rtx-a4500, a2 and quadro-rtx-5000: their names resolve (and
their neighbours' still do), and each figure is the one its sources give, worked out here by
hand from those sources (NVIDIA's compare page and datasheet figures as reprinted, spec tables,
nvidia-smi tables and PyTorch OOM messages naming the card), not read back from the code."""

import pytest

from planner.serving.hardware import (
    UnknownGpuError,
    capability_from_name,
    gpu_preset,
    other_presets_named,
    pcie_rate,
    preset_cluster,
    resolve_gpu_key,
    with_wsl2,
)

MIB, GIB = 2**20, 2**30
NEW = ("rtx-4070", "rtx-3070", "rtx-a4500", "a2", "quadro-rtx-5000")


@pytest.mark.parametrize(("name", "key"), [
    ("RTX 4070", "rtx-4070"), ("NVIDIA GeForce RTX 4070", "rtx-4070"), ("rtx4070", "rtx-4070"),
    ("RTX 4070 Super", "rtx-4070-super"), ("RTX 4070 Ti", "rtx-4070-ti"),
    ("NVIDIA GeForce RTX 4070 Ti SUPER", "rtx-4070-ti-super"),
    ("RTX 3070", "rtx-3070"), ("NVIDIA GeForce RTX 3070", "rtx-3070"),
    ("RTX A4500", "rtx-a4500"), ("NVIDIA RTX A4500", "rtx-a4500"),
    ("RTX A4000", "rtx-a4000"), ("RTX A5000", "rtx-a5000"),
    ("A2", "a2"), ("NVIDIA A2", "a2"), ("nvidia a2 16gb", "a2"), ("A10", "a10"),
    ("A10G", "a10g"), ("A40", "a40"),
    ("Quadro RTX 5000", "quadro-rtx-5000"), ("NVIDIA Quadro RTX 5000", "quadro-rtx-5000"),
    ("RTX 5000 Ada", "rtx-5000-ada"), ("NVIDIA RTX 5000 Ada Generation", "rtx-5000-ada"),
])
def test_the_names_people_and_nvml_write_resolve(name: str, key: str) -> None:
    assert resolve_gpu_key(name) == key


@pytest.mark.parametrize("name", [
    "RTX 3070 Ti", "NVIDIA GeForce RTX 3070 Laptop GPU", "NVIDIA GeForce RTX 4070 Laptop GPU",
    "A20", "A200", "A2000", "A2 8GB", "Quadro RTX 5000 with Max-Q Design",
])
def test_other_cards_are_not_these_presets(name: str) -> None:
    # the 3070 Ti (GDDR6X, 48 SMs) and the laptop GPUs are other cards, "A2000" is no spelling
    # of the RTX A2000 (rtx-a2000-12gb); "A2 8GB" states a size the A2 does not have
    with pytest.raises(UnknownGpuError):
        resolve_gpu_key(name)


def test_the_model_name_without_the_brand_word_is_the_card() -> None:
    # "A4500" and "A4000" were refused ("did you mean rtx-a4500?"): NVIDIA's names are "RTX
    # A4500" and "RTX A4000" (the presets' NVML names), which people write without "RTX";
    # no other preset's key starts with "rtx-a4500" or "rtx-a4000", so no note names one
    for name, key in (("A4500", "rtx-a4500"), ("A4000", "rtx-a4000")):
        assert resolve_gpu_key(name) == key
        assert other_presets_named(name) == (), name


def test_a_full_name_names_no_other_preset() -> None:
    # "RTX 4070" is a full spelling: the SUPER and Ti presets are not what it may mean
    for name in ("RTX 4070", "NVIDIA GeForce RTX 4070", "A2", "NVIDIA A2", "RTX 3070",
                 "Quadro RTX 5000", "RTX A4500"):
        assert other_presets_named(name) == (), name


def test_they_are_no_longer_capability_only_names() -> None:
    for key in NEW:
        assert capability_from_name(gpu_preset(key).name) is None, key


def test_memory_from_the_nvidia_smi_tables_and_oom_messages() -> None:
    # a CUDA total found for the card where there is one (a device property is one: the NOTE on
    # CUDA totals), else estimated from nvidia-smi's total less 512 MiB
    totals = {key: gpu_preset(key).memory_total_bytes for key in NEW}
    assert totals == {
        "rtx-4070": 11874 * MIB,  # 11.60 GiB: a CUDA device listing's 'totalmem=11874MiB'
        "rtx-3070": round(7.78 * GIB),  # PyTorch: "GPU 0; 7.78 GiB total capacity" on RTX3070s
        "rtx-a4500": (20470 - 512) * MIB,  # 19.49 GiB
        "a2": (15356 - 512) * MIB,  # 14.50 GiB
        "quadro-rtx-5000": 16125 * MIB,  # the older drivers' nvidia-smi total, 15.75 GiB
    }
    smi = {key: gpu_preset(key).nvidia_smi_total_mib for key in NEW}
    assert smi == {"rtx-4070": 12282, "rtx-3070": 8192, "rtx-a4500": 20470, "a2": 15356,
                   "quadro-rtx-5000": 16384}
    # WSL2 reports nvidia-smi's whole total: 16 GiB for the Quadro RTX 5000 (a WDDM table)
    assert with_wsl2(gpu_preset("quadro-rtx-5000")).memory_total_bytes == 16 * GIB


def test_bandwidth_is_bus_width_times_data_rate() -> None:
    # bits / 8 x Gbps per pin: 192 x 21 (GDDR6X) = 504, 256 x 14 = 448, 320 x 16 = 640,
    # 128 x 12.5 = 200, 256 x 14 = 448 (the datasheets' GB/s)
    expected = {"rtx-4070": 192 / 8 * 21, "rtx-3070": 256 / 8 * 14, "rtx-a4500": 320 / 8 * 16,
                "a2": 128 / 8 * 12.5, "quadro-rtx-5000": 256 / 8 * 14}
    assert {key: gpu_preset(key).memory_bandwidth_gbps for key in NEW} == expected


def test_compute_capability_and_formats() -> None:
    caps = {key: gpu_preset(key).compute_capability for key in NEW}
    assert caps == {"rtx-4070": "8.9", "rtx-3070": "8.6", "rtx-a4500": "8.6", "a2": "8.6",
                    "quadro-rtx-5000": "7.5"}
    assert "fp8" in gpu_preset("rtx-4070").native_kv_dtypes  # Ada: FP8 tensor cores
    for key in ("rtx-3070", "rtx-a4500", "a2"):
        assert "fp8" not in gpu_preset(key).native_weight_formats, key
    quadro = gpu_preset("quadro-rtx-5000")
    assert "bf16" not in quadro.native_weight_formats and quadro.bf16_dense_tflops is None


def test_tensor_and_fp32_rates_from_sms_and_clocks() -> None:
    rtx4070, rtx3070 = gpu_preset("rtx-4070"), gpu_preset("rtx-3070")
    a4500, a2, quadro = gpu_preset("rtx-a4500"), gpu_preset("a2"), gpu_preset("quadro-rtx-5000")
    # RTX 4070: NVIDIA's "466 AI TOPS" (sparse FP8) / 8, / 4, / 2, as the RTX 4090's 1,321
    assert (rtx4070.bf16_dense_tflops, rtx4070.fp8_dense_tflops, rtx4070.int8_dense_tops) == (
        466 / 8, 466 / 4, 466 / 2)
    # 46 SMs x 4,096 x 2.475 GHz rounds to 466 (2.48 GHz would give 467); FP32 46 x 256 x clock
    assert rtx4070.boost_clock_mhz == 2475.0
    assert round(46 * 4096 * rtx4070.boost_clock_mhz * 1e-6) == 466
    assert rtx4070.fp32_tflops == pytest.approx(46 * 256 * 2.475e-3, abs=0.005)  # 29.15
    # RTX 3070: GA102's 512 (dense BF16, FP32 accumulate) and 2,048 (INT8) per SM per clock
    assert rtx3070.bf16_dense_tflops == pytest.approx(46 * 1.725 * 512e-3, abs=0.005)  # 40.63
    assert rtx3070.int8_dense_tops == pytest.approx(46 * 1.725 * 2048e-3, abs=0.05)  # 162.5
    assert rtx3070.fp32_tflops == pytest.approx(5888 * 2 * 1.725e-3, abs=0.005)  # 20.31
    # RTX A4500 at the RTX A6000's 1,024 per SM per clock (154.8 = 84 x 1.8 x 1,024)
    assert a4500.bf16_dense_tflops == pytest.approx(56 * 1.65 * 1024e-3, abs=0.05)  # 94.6
    assert a4500.int8_dense_tops == pytest.approx(2 * 56 * 1.65 * 1024e-3, abs=0.05)  # 189.2
    assert a4500.fp32_tflops == pytest.approx(7168 * 2 * 1.65e-3, abs=0.005)  # 23.65
    # A2: 10 SMs x 1.77 GHz x 1,024 = 18.12 (18.13 in the spec table), INT8 x 2,048 = 36.25
    assert a2.bf16_dense_tflops == pytest.approx(10 * 1.77 * 1024e-3, abs=0.01)
    assert a2.int8_dense_tops == pytest.approx(10 * 1.77 * 2048e-3, abs=0.01)
    assert a2.fp32_tflops == pytest.approx(1280 * 2 * 1.77e-3, abs=0.005)  # 4.53
    # Quadro RTX 5000: 48 SMs x 1.815 GHz x 1,024 = 89.2 FP16 (the datasheet's), FP32 48 x 64 x
    # 2 x 1.815 = 11.15 (the datasheet's 11.2)
    assert quadro.fp16_dense_tflops == pytest.approx(48 * 1.815 * 1024e-3, abs=0.05)
    assert quadro.int8_dense_tops == pytest.approx(2 * 89.2)
    assert quadro.fp32_tflops == pytest.approx(3072 * 2 * 1.815e-3, abs=0.06)


def test_links_and_pcie() -> None:
    # GeForce: no PCIe P2P on the stock driver, no NVLink
    for key in ("rtx-4070", "rtx-3070"):
        gpu = gpu_preset(key)
        assert gpu.default_intra_node_link == "pcie-no-p2p" and gpu.nvlink_bandwidth_gbps is None
        assert preset_cluster(key, 2).nodes[0].intra_node_link == "pcie-no-p2p"
    # workstation cards: P2P over PCIe; bridges join pairs (A4500 112.5 GB/s, RTX 5000 50 GB/s)
    assert preset_cluster("rtx-a4500", 2).nodes[0].intra_node_link == "pcie"
    assert gpu_preset("rtx-a4500").nvlink_bandwidth_gbps == 112.5
    assert gpu_preset("quadro-rtx-5000").nvlink_bandwidth_gbps == 50.0
    assert (gpu_preset("quadro-rtx-5000").pcie_generation,
            gpu_preset("quadro-rtx-5000").pcie_lanes) == (3, 16)
    # the A2 is PCIe 4.0 x8: 8 lanes x 1.969 GB/s = 15.75 GB/s per direction
    a2 = gpu_preset("a2")
    assert (a2.pcie_generation, a2.pcie_lanes) == (4, 8)
    assert pcie_rate(a2).gbps == pytest.approx(15.75, abs=0.01)
    assert a2.default_intra_node_link == "pcie" and a2.nvlink_bandwidth_gbps is None
