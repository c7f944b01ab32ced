"""The 16 GB V100 presets (v100-16gb: SXM2, v100-pcie-16gb) and vLLM's rules for compute
capability 7.0 on them.

Expected figures are worked out by hand from the sources each preset cites (PyTorch's
device properties and nvidia-smi tables naming the card, NVIDIA's figures as reprinted) and
from Qwen3-4B's config.json, not from the code.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    SIZES_WITHOUT_PRESET,
    gpu_preset,
    match_gpu_name,
    preset_cluster,
    resolve_gpu_key,
    with_wsl2,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import DEFAULT_PRICES

MIB = 2**20
SXM2, PCIE = gpu_preset("v100-16gb"), gpu_preset("v100-pcie-16gb")


@pytest.mark.parametrize(("name", "key"), [
    ("Tesla V100-SXM2-16GB", "v100-16gb"), ("V100 16GB", "v100-16gb"), ("v100-16gb", "v100-16gb"),
    ("Tesla V100-PCIE-16GB", "v100-pcie-16gb"), ("V100 PCIe 16GB", "v100-pcie-16gb"),
    ("Tesla V100-SXM2-32GB", "v100-32gb"), ("Tesla V100-PCIE-32GB", "v100-pcie-32gb"),
])
def test_the_names_people_and_nvml_write_resolve(name: str, key: str) -> None:
    assert resolve_gpu_key(name) == key


def test_the_16_gb_card_is_no_longer_a_size_without_a_preset() -> None:
    assert "v100-32gb" not in SIZES_WITHOUT_PRESET


def test_the_totals_and_datasheet_rates() -> None:
    # PyTorch on a 'Tesla V100-SXM2-16GB': total_memory=16130MB (MiB); older drivers'
    # nvidia-smi 16160 MiB on 'Tesla V100-PCIE' hosts; newer ones print 16384 MiB on both
    assert (SXM2.memory_total_bytes, PCIE.memory_total_bytes) == (16130 * MIB, 16160 * MIB)
    assert with_wsl2(SXM2).memory_total_bytes == with_wsl2(PCIE).memory_total_bytes == 16 * 2**30
    # 4,096-bit HBM2: 900 GB/s on both; FP16 tensor 125 (SXM2) and 112 (PCIe) TFLOP/s; no BF16
    assert SXM2.memory_bandwidth_gbps == PCIE.memory_bandwidth_gbps == 900.0
    assert (SXM2.dense_tflops("fp16"), PCIE.dense_tflops("fp16")) == (125.0, 112.0)
    assert SXM2.dense_tflops("bf16") is None and SXM2.dense_tflops("int8") is None
    # the 112 is 640 tensor cores x 64 FMA x 2 at about 1.37 GHz: 640 x 128 x 1.37 = 112.2
    assert PCIE.dense_tflops("fp16") == pytest.approx(640 * 128 * 1.37e-3, abs=0.3)
    assert (SXM2.pcie_generation, PCIE.pcie_generation) == (3, 3)
    assert (SXM2.nvlink_bandwidth_gbps, PCIE.nvlink_bandwidth_gbps) == (300.0, None)
    assert DEFAULT_PRICES["v100-16gb"].usd_per_gpu_hour is None
    assert DEFAULT_PRICES["v100-pcie-16gb"].usd_per_gpu_hour is None
    # an audit of a V100 PCIe 16GB on a driver reporting 16152 MiB is the preset at its total
    audited = match_gpu_name("Tesla V100-PCIE-16GB", 16152 * MIB)
    assert audited.key == "v100-pcie-16gb" and audited.memory_total_bytes == 16152 * MIB


def test_links_nvlink_on_sxm2_pcie_with_p2p_on_the_pcie_card() -> None:
    assert preset_cluster("v100-16gb", 8).nodes[0].intra_node_link == "nvlink"
    assert preset_cluster("v100-pcie-16gb", 4).nodes[0].intra_node_link == "pcie"


@pytest.mark.parametrize("gpu", [SXM2, PCIE], ids=lambda g: g.key)
def test_capability_7_0_formats(gpu) -> None:
    assert gpu.compute_capability == "7.0"
    assert gpu.native_weight_formats == ("fp32", "fp16") and gpu.native_kv_dtypes == ("fp16",)
    # below 7.5 no Marlin kernel: FP8 and 4-bit weights have no weight-only path
    assert gpu.weight_format_support("fp8") == "unsupported"
    assert not gpu.computes_bf16


def _plan(key: str, model: str = "Qwen/Qwen3-4B", version: str = "0.19.0", **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(key, 1),
                            layout=ParallelLayout(),
                            engine=EngineSettings(vllm_version=version, **engine)))


def test_qwen3_4b_on_one_v100_sxm2_16gb_worked_by_hand() -> None:
    result = _plan("v100-16gb", max_model_len=8000)
    assert result.weight_format == "fp16" and result.fits and result.errors == []
    # budget on vLLM 0.19 (the last release whose wheels run 7.0; utilization 0.9 there):
    # ceil(16,130 x 2**20 x 0.9) = ceil(16,913,530,880 x 0.9) = 15,222,177,792 B
    budget = next(t for t in result.terms if t.key == "budget")
    assert budget.value == 15_222_177_792
    # 4,022,468,096 params x 2 B + rotary cos/sin cache 40,960 x 128 x 2 B (as on the T4)
    assert result.weights_bytes_per_gpu == 4_022_468_096 * 2 + 10_485_760 == 8_055_421_952
    # 36 layers x 8 KV heads x (128 + 128) x 2 B
    assert result.kv_bytes_per_token_per_gpu == 147_456
    blocks = result.kv_cache_bytes_per_gpu // (result.block_size * 147_456)
    assert result.num_gpu_blocks == blocks
    assert result.kv_cache_bytes_per_gpu < 15_222_177_792 - 8_055_421_952


def test_vllm_refuses_what_7_0_cannot_run() -> None:
    assert _plan("v100-pcie-16gb", max_model_len=8000, dtype="bfloat16").errors == [
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your "
        "Tesla V100-PCIE-16GB GPU has compute capability 7.0. You can use float16 instead by "
        "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."]
    # Gemma-3 is refused in float16 by vLLM, so below 8.0 it loads in float32 (4 B a parameter)
    assert _plan("v100-16gb", "google/gemma-3-4b-it", max_model_len=4096).weight_format == "fp32"
    # from 0.20 vLLM's wheels hold no code for 7.0: the new presets are refused as v100-32gb is
    for key in ("v100-16gb", "v100-pcie-16gb"):
        errors = _plan(key, version="0.33.0", max_model_len=8000).errors
        assert errors[0].startswith("vLLM's prebuilt wheels hold no CUDA code for compute "
                                    f"capability 7.0 ({gpu_preset(key).name}) on vLLM 0.33.0")
    # FP8 weights: no Marlin below 7.5 (fp8's minimum capability 75 from 0.14.0)
    assert _plan("v100-16gb", "meta-llama/Llama-3.1-8B-Instruct", "0.19.0", max_model_len=4096,
                 target_quant="fp8-tensor").errors == [
        "The quantization method fp8 is not supported for the current GPU. Minimum "
        "capability: 75. Current capability: 70."]
