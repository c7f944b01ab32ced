"""The presets rtx-4500-ada, rtx-2000-ada, rtx-a2000-12gb and a16: their names resolve (and their
neighbours' still do), and each figure is the one its sources give, worked out here by hand from
those sources (NVIDIA's figures as reprinted, spec tables, nvidia-smi tables naming the card),
not read back from the code; one plan each of Qwen3-4B, whose sizes come from its config.json."""

import math

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    CAPABILITY_WITHOUT_PRESET,
    OtherMemorySizeError,
    UnknownGpuError,
    capability_from_name,
    gpu_preset,
    match_gpu_name,
    other_presets_named,
    pcie_rate,
    preset_cluster,
    resolve_gpu_key,
    size_without_preset,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import DEFAULT_PRICES

MIB, GIB = 2**20, 2**30
NEW = ("rtx-4500-ada", "rtx-2000-ada", "rtx-a2000-12gb", "a16")


@pytest.mark.parametrize(("name", "key"), [
    ("RTX 4500 Ada", "rtx-4500-ada"), ("NVIDIA RTX 4500 Ada Generation", "rtx-4500-ada"),
    ("RTX 2000 Ada", "rtx-2000-ada"), ("NVIDIA RTX 2000 Ada Generation", "rtx-2000-ada"),
    ("RTX A2000 12GB", "rtx-a2000-12gb"), ("NVIDIA RTX A2000 12GB", "rtx-a2000-12gb"),
    ("A16", "a16"), ("NVIDIA A16", "a16"),
    # the neighbours keep theirs
    ("RTX 4000 Ada", "rtx-4000-ada"), ("NVIDIA RTX 4000 Ada Generation", "rtx-4000-ada"),
    ("RTX 5000 Ada", "rtx-5000-ada"), ("RTX A4500", "rtx-a4500"), ("A2", "a2"), ("A10", "a10"),
    ("NVIDIA A100-SXM4-80GB", "a100-80gb"),
])
def test_the_names_people_and_nvml_write_resolve(name: str, key: str) -> None:
    assert resolve_gpu_key(name) == key


@pytest.mark.parametrize("name", [
    "RTX 4000 SFF Ada", "NVIDIA RTX 4000 SFF Ada Generation", "A2000",
    "NVIDIA RTX 2000 Ada Generation Laptop GPU", "NVIDIA RTX 2000E Ada Generation",
    "NVIDIA A16-2Q", "RTX 4500", "RTX 2000",
])
def test_other_cards_are_not_these_presets(name: str) -> None:
    # the 70 W RTX 4000 SFF Ada has no preset (its figures were not found), the laptop and
    # the 2000E are other products, "A16-2Q" a vGPU profile; "RTX 4500" / "RTX 2000" leave
    # out which generation
    with pytest.raises(UnknownGpuError):
        resolve_gpu_key(name)


def test_the_sff_card_is_still_a_capability_only_name() -> None:
    # it shares "RTX 4000 ... Ada" with rtx-4000-ada but is another card (70 W, not 130 W)
    assert capability_from_name("NVIDIA RTX 4000 SFF Ada Generation")[0] == "8.9"
    assert capability_from_name("NVIDIA RTX 4000 Ada Generation") is None
    for card in ("NVIDIA RTX A2000", "NVIDIA RTX 4500 Ada", "NVIDIA RTX 2000 Ada", "NVIDIA A16"):
        assert card not in CAPABILITY_WITHOUT_PRESET


def test_the_6_gb_rtx_a2000_is_a_size_without_a_preset() -> None:
    # Tom's Hardware France: the RTX A2000 launched with 6 GB; the preset is the 12 GB card,
    # whose NVML name says "12GB": "NVIDIA RTX A2000" (nvidia-smi on a 6 GB card) was planned
    # on the 12 GB preset's 11.49 GiB, twice its memory
    for name in ("NVIDIA RTX A2000", "RTX A2000"):
        with pytest.raises(OtherMemorySizeError, match=r"NVML's name of the 6 GB card \(--gpu "
                           r"rtx-a2000-12gb plans the other size.*--gpu-memory-gib X"):
            resolve_gpu_key(name)
    assert size_without_preset("NVIDIA RTX A2000 12GB") is None
    with pytest.raises(OtherMemorySizeError, match="rtx-a2000-12gb .*not 6 GB"):
        resolve_gpu_key("RTX A2000 6GB")
    # an audit of the 6 GB card (NVML "NVIDIA RTX A2000", ~5.7 GiB) is no preset: custom
    audited = match_gpu_name("NVIDIA RTX A2000", round(5.7 * GIB), "8.6")
    assert audited.key != "rtx-a2000-12gb" and audited.compute_capability == "8.6"


def test_a_full_name_names_no_other_preset() -> None:
    for name in ("RTX 4500 Ada", "NVIDIA RTX 2000 Ada Generation", "NVIDIA RTX A2000 12GB",
                 "A16"):
        assert other_presets_named(name) == (), name


def test_memory_estimated_from_the_nvidia_smi_tables() -> None:
    # no CUDA log naming these cards was found: nvidia-smi's total less 512 MiB
    totals = {key: gpu_preset(key).memory_total_bytes for key in NEW}
    assert totals == {
        "rtx-4500-ada": (23034 - 512) * MIB,  # 21.99 GiB, a Linux host with ECC on
        "rtx-2000-ada": (16380 - 512) * MIB,  # 15.50 GiB, Linux hosts with ECC off
        "rtx-a2000-12gb": (12282 - 512) * MIB,  # 11.49 GiB
        "a16": (15356 - 512) * MIB,  # 14.50 GiB per GPU, ECC on
    }
    assert {key: gpu_preset(key).nvidia_smi_total_mib for key in NEW} == {
        "rtx-4500-ada": 23034, "rtx-2000-ada": 16380, "rtx-a2000-12gb": 12282, "a16": 15356}
    # an audit keeps the preset where the measured total is within 10 %
    assert match_gpu_name("NVIDIA RTX 4500 Ada Generation", 23_034 * MIB).key == "rtx-4500-ada"


def test_bandwidth_is_bus_width_times_data_rate() -> None:
    # bits / 8 x Gbps per pin: 192 x 18, 128 x 14, 192 x 12; the A16's 4 x 200 GB/s a board
    expected = {"rtx-4500-ada": 192 / 8 * 18, "rtx-2000-ada": 128 / 8 * 14,
                "rtx-a2000-12gb": 192 / 8 * 12, "a16": 800 / 4}
    assert {key: gpu_preset(key).memory_bandwidth_gbps for key in NEW} == expected


def test_compute_capability_and_formats() -> None:
    assert {key: gpu_preset(key).compute_capability for key in NEW} == {
        "rtx-4500-ada": "8.9", "rtx-2000-ada": "8.9", "rtx-a2000-12gb": "8.6", "a16": "8.6"}
    for key in ("rtx-4500-ada", "rtx-2000-ada"):
        assert "fp8" in gpu_preset(key).native_weight_formats, key  # Ada: FP8 tensor cores
    for key in ("rtx-a2000-12gb", "a16"):
        assert "fp8" not in gpu_preset(key).native_weight_formats, key


def test_tensor_and_fp32_rates() -> None:
    ada4500, ada2000 = gpu_preset("rtx-4500-ada"), gpu_preset("rtx-2000-ada")
    a2000, a16 = gpu_preset("rtx-a2000-12gb"), gpu_preset("a16")
    # RTX 2000 Ada: the datasheet's "Tensor Performance 191.9" read as sparse FP8, as the RTX
    # 5000 Ada's 1044.4: / 2 FP8 and INT8, / 4 BF16; 22 SMs x 1,024 x 2.13 GHz agrees
    assert (ada2000.fp8_dense_tflops, ada2000.int8_dense_tops) == (191.9 / 2, 191.9 / 2)
    assert ada2000.bf16_dense_tflops == pytest.approx(191.9 / 4, abs=0.005)
    assert ada2000.bf16_dense_tflops == pytest.approx(22 * 1024 * 2.13e-3, abs=0.005)
    assert ada2000.fp32_tflops == 12.0 and ada2000.boost_clock_mhz == 2130.0
    assert round(2816 * 2 * ada2000.boost_clock_mhz * 1e-6, 2) == 12.0  # 11.996
    # RTX 4500 Ada: no tensor figure found: 60 SMs x 1,024 x 2.58 GHz (the RTX 5000 Ada's rate)
    assert ada4500.bf16_dense_tflops == pytest.approx(60 * 1024 * 2.58e-3, abs=0.05)  # 158.5
    assert ada4500.fp8_dense_tflops == ada4500.int8_dense_tops == 2 * 158.5
    assert ada4500.fp32_tflops == 39.6  # NVIDIA's, as Hugging Face lists it
    assert round(7680 * 2 * ada4500.boost_clock_mhz * 1e-6, 1) == 39.6  # 39.63
    # RTX A2000 12GB: the RTX A6000's 1,024 per SM per clock (154.8 = 84 x 1.8 x 1,024)
    assert a2000.bf16_dense_tflops == pytest.approx(26 * 1.2 * 1024e-3, abs=0.005)  # 31.95
    assert a2000.int8_dense_tops == pytest.approx(2 * 26 * 1.2 * 1024e-3, abs=0.05)  # 63.9
    assert a2000.fp32_tflops == pytest.approx(3328 * 2 * 1.2e-3, abs=0.005)  # 7.99, NVIDIA's 8.0
    # A16, one GPU: the datasheet's 4 x 17.9 FP16 tensor, 4 x 35.9 INT8, 4 x 4.5 FP32; NVIDIA
    # gives no clock: the one 4.5 TFLOPS implies on 10 SMs of 128 lanes, 4.5e12 / 2,560 / 2
    assert (a16.bf16_dense_tflops, a16.int8_dense_tops, a16.fp32_tflops) == (17.9, 35.9, 4.5)
    assert a16.boost_clock_mhz == pytest.approx(4.5e6 / (10 * 128 * 2), abs=0.5)  # 1,757.8


def test_links_and_pcie() -> None:
    # workstation cards: P2P over PCIe as the other RTX Ada / RTX A presets (unverified), no NVLink
    for key in NEW:
        gpu = gpu_preset(key)
        assert gpu.default_intra_node_link == "pcie" and gpu.nvlink_bandwidth_gbps is None, key
        assert preset_cluster(key, 2).nodes[0].intra_node_link == "pcie", key
    # the RTX 2000 Ada is PCIe 4.0 x8: 8 lanes x 1.969 GB/s = 15.75 GB/s per direction
    ada2000 = gpu_preset("rtx-2000-ada")
    assert (ada2000.pcie_generation, ada2000.pcie_lanes) == (4, 8)
    assert pcie_rate(ada2000).gbps == pytest.approx(15.75, abs=0.01)
    for key in ("rtx-4500-ada", "rtx-a2000-12gb", "a16"):
        assert (gpu_preset(key).pcie_generation, gpu_preset(key).pcie_lanes) == (4, 16), key
    # the A16 is planned per GPU: one board is 4 of them
    assert "Planned per GPU" in gpu_preset("a16").notes
    assert "one board is --gpus 4" in gpu_preset("a16").notes


def test_no_default_price() -> None:
    for key in NEW:
        assert DEFAULT_PRICES[key].usd_per_gpu_hour is None, key


@pytest.mark.parametrize("key", NEW)
def test_qwen3_4b_in_bfloat16_fits_one_gpu_of_each(key: str) -> None:
    # bfloat16 weights: 4,022,468,096 params x 2 B + rotary cos/sin cache 40,960 x 128 x 2 B
    result = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-4B"),
                              cluster=preset_cluster(key, 1), layout=ParallelLayout(),
                              engine=EngineSettings(vllm_version="0.19.0", max_model_len=8000)))
    assert result.fits and result.errors == [] and result.weight_format == "bf16"
    assert result.weights_bytes_per_gpu == 4_022_468_096 * 2 + 10_485_760 == 8_055_421_952
    # budget on vLLM 0.19 (utilization 0.9): ceil(CUDA total x 0.9)
    budget = next(t for t in result.terms if t.key == "budget")
    assert budget.value == math.ceil(gpu_preset(key).memory_total_bytes * 0.9)
    # 36 layers x 8 KV heads x (128 + 128) x 2 B a token; the pool is what is left of it
    assert result.kv_bytes_per_token_per_gpu == 147_456
    assert 0 < result.kv_cache_bytes_per_gpu < budget.value - 8_055_421_952
