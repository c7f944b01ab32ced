"""The V100 PCIe 32GB preset (v100-pcie-32gb): NVML's 'Tesla V100-PCIE-32GB' was an alias of
v100-32gb, the SXM2 module, so a PCIe card was planned with the SXM2's 125 TFLOP/s and
NVLink between its GPUs, which the PCIe card has none of.

Expected figures are worked out by hand from the sources the preset cites (PyTorch's device
properties and nvidia-smi tables naming the card), not from the code.
"""

from planner.serving.hardware import (
    GPU_PRESETS,
    gpu_preset,
    match_gpu_name,
    preset_cluster,
    resolve_gpu_key,
    with_wsl2,
)
from planner.serving.prices import DEFAULT_PRICES

MIB = 2**20
PCIE_32, PCIE_16, SXM2_32 = (gpu_preset(k) for k in ("v100-pcie-32gb", "v100-pcie-16gb",
                                                      "v100-32gb"))


def test_nvml_s_name_is_the_pcie_card_not_the_sxm2_module() -> None:
    assert resolve_gpu_key("Tesla V100-PCIE-32GB") == "v100-pcie-32gb"
    assert "Tesla V100-PCIE-32GB" not in SXM2_32.aliases
    # an audit reading 31.74 GiB (a newer driver) keeps the preset at its own total
    audited = match_gpu_name("Tesla V100-PCIE-32GB", 32502 * MIB)
    assert audited.key == "v100-pcie-32gb" and audited.memory_total_bytes == 32502 * MIB


def test_its_total_is_the_cards_own() -> None:
    # PyTorch on the card: 'CUDA:0 (Tesla V100-PCIE-32GB, 32510.5MB)', YOLOv5 printing
    # total_memory / 1024**2 unrounded: 32510.5 x 2**20 = 34,089,730,048 B = 31.75 GiB
    assert PCIE_32.memory_total_bytes == 34_089_730_048
    assert PCIE_32.memory_label == "32 GB HBM2"
    # nvidia-smi prints 32768 MiB on newer drivers: WSL2 hands CUDA all of it, 32 GiB
    assert PCIE_32.nvidia_smi_total_mib == 32768
    assert with_wsl2(PCIE_32).memory_total_bytes == 32 * 2**30


def test_the_pcie_card_s_rates_and_links_not_the_sxm2_s() -> None:
    # the 16 GB PCIe card's figures: 112 FP16 tensor TFLOP/s (SXM2 125), 14 FP32 (SXM2
    # 15.7), 900 GB/s as both, PCIe 3.0, no NVLink (SXM2 300 GB/s, nvlink by default)
    assert (PCIE_32.dense_tflops("fp16"), PCIE_32.fp32_tflops) == (112.0, 14.0)
    assert PCIE_32.memory_bandwidth_gbps == 900.0 and PCIE_32.pcie_generation == 3
    assert PCIE_32.nvlink_bandwidth_gbps is None
    assert preset_cluster("v100-pcie-32gb", 4).nodes[0].intra_node_link == "pcie"
    assert preset_cluster("v100-32gb", 4).nodes[0].intra_node_link == "nvlink"
    # the rest is the 16 GB card's (built from it): the key, name, memory and sources differ
    differ = {f for f in type(PCIE_32).model_fields if getattr(PCIE_32, f) != getattr(PCIE_16, f)}
    assert differ == {"key", "name", "memory_label", "memory_total_bytes",
                      "nvidia_smi_total_mib", "source", "notes"}
    assert PCIE_32.compute_capability == "7.0" and PCIE_32.native_weight_formats == (
        "fp32", "fp16")
    assert "v100-pcie-32gb" in GPU_PRESETS
    assert DEFAULT_PRICES["v100-pcie-32gb"].usd_per_gpu_hour is None
