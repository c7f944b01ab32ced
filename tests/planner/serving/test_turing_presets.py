"""The Turing presets (rtx-2080-ti, titan-rtx, quadro-rtx-8000, quadro-rtx-6000) and vLLM's
rules for compute capability 7.5 on them.

Expected figures are worked out by hand from the sources each preset cites (PyTorch OOM
messages, nvidia-smi tables, NVIDIA's spec figures as reprinted) and from Qwen3-4B's
config.json, not from the code.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    UnknownGpuError,
    capability_from_name,
    gpu_preset,
    match_gpu_name,
    preset_cluster,
    resolve_gpu_key,
    with_wsl2,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import DEFAULT_PRICES

GIB = 2**30
TURING = ("rtx-2080-ti", "titan-rtx", "quadro-rtx-8000", "quadro-rtx-6000")


@pytest.mark.parametrize(("name", "key"), [
    ("RTX 2080 Ti", "rtx-2080-ti"), ("NVIDIA GeForce RTX 2080 Ti", "rtx-2080-ti"),
    ("GeForce RTX 2080 Ti", "rtx-2080-ti"),  # older drivers' NVML name
    ("TITAN RTX", "titan-rtx"), ("NVIDIA TITAN RTX", "titan-rtx"), ("Titan RTX", "titan-rtx"),
    ("Quadro RTX 8000", "quadro-rtx-8000"), ("quadro rtx 8000", "quadro-rtx-8000"),
    ("Quadro RTX 6000", "quadro-rtx-6000"),
    ("RTX 8000", "quadro-rtx-8000"),  # no other card of that number (Victarry's "an RTX 8000")
])
def test_the_names_people_and_nvml_write_resolve(name: str, key: str) -> None:
    assert resolve_gpu_key(name) == key
    # no longer a capability-only entry: the preset's figures apply
    assert capability_from_name(name) is None


@pytest.mark.parametrize(("name", "meant"), [
    # NVML: "Quadro RTX 6000" (Turing, 24 GB), "NVIDIA RTX 6000 Ada Generation" (48 GB), "NVIDIA
    # RTX PRO 6000 Blackwell ..." (96 GB, three editions): "RTX 6000" was planned as the 24 GB
    # Quadro without a word
    ("RTX 6000", "quadro-rtx-6000, rtx-6000-ada, rtx-pro-6000, rtx-pro-6000-maxq or "
                 "rtx-pro-6000-server"),
    ("RTX 5000", "quadro-rtx-5000, rtx-5000-ada or rtx-pro-5000"),
    # and "RTX 4000" read as the Quadro RTX 4000's capability 7.5, though the RTX 4000 Ada (8.9)
    # and the RTX PRO 4000 (12.0) have presets
    ("RTX 4000", "rtx-4000-ada or rtx-pro-4000"),
])
def test_a_number_several_workstation_lines_share_is_asked_back(name: str, meant: str) -> None:
    with pytest.raises(UnknownGpuError) as refused:
        resolve_gpu_key(name)
    assert refused.value.args[0] == f"GPU {name!r} is ambiguous: did you mean {meant}?"
    assert capability_from_name(name) is None


def test_the_cuda_totals_are_the_logged_ones() -> None:
    # PyTorch: 'GPU 0; 10.76 GiB total capacity' (RTX 2080 Ti), '23.65 GiB' (TitanRTX),
    # '47.46 GiB' (RTX8000); the Quadro RTX 6000 as the TITAN RTX (same 24 GB TU102 board)
    totals = {key: gpu_preset(key).memory_total_bytes for key in TURING}
    assert totals == {"rtx-2080-ti": round(10.76 * GIB), "titan-rtx": round(23.65 * GIB),
                      "quadro-rtx-8000": round(47.46 * GIB),
                      "quadro-rtx-6000": round(23.65 * GIB)}
    # older drivers' nvidia-smi printed the CUDA total: 11019 MiB / 1024 = 10.76 GiB,
    # 24220 / 1024 = 23.65, 48601 / 1024 = 47.46
    # newer drivers print the whole framebuffer, which WSL2 reports as CUDA's total
    assert with_wsl2(gpu_preset("rtx-2080-ti")).memory_total_bytes == 11264 * 2**20
    assert with_wsl2(gpu_preset("titan-rtx")).memory_total_bytes == 24 * GIB  # 24576 MiB
    # an audit of a 2080 Ti on an older driver (11019 MiB) is the preset at its own total
    audited = match_gpu_name("GeForce RTX 2080 Ti", 11019 * 2**20)
    assert audited.key == "rtx-2080-ti" and audited.memory_total_bytes == 11019 * 2**20


def test_the_datasheet_rates() -> None:
    gpu, quadro = gpu_preset("rtx-2080-ti"), gpu_preset("quadro-rtx-8000")
    # 352 bits x 14 Gbps / 8 = 616 GB/s; FP32 68 SMs x 64 x 2 x 1.545 GHz = 13.45 TFLOP/s
    assert gpu.memory_bandwidth_gbps == 352 * 14 / 8 == 616.0
    assert gpu.fp32_tflops == round(68 * 64 * 2 * 1.545e9 / 1e12, 2) == 13.45
    # TU102 per SM: 130.5 / (72 x 1.77) = 1,024 FLOP a clock; 68 x 1.545 x 1,024 = 107.6,
    # halved for FP32 accumulate on GeForce: 53.8
    assert round(quadro.dense_tflops("fp16") * 1e6 / (72 * quadro.boost_clock_mhz)) == 1024
    assert gpu.dense_tflops("fp16") == round(68 * 1.545 * 1024 / 1e3 / 2, 1) == 53.8
    # 384 bits x 14 Gbps / 8 = 672 GB/s; 72 SMs x 64 x 2 x 1.77 GHz = 16.31 (datasheet 16.3)
    assert quadro.memory_bandwidth_gbps == 384 * 14 / 8 == 672.0
    assert (quadro.dense_tflops("fp16"), quadro.fp32_tflops) == (130.5, 16.3)
    for key in TURING:
        gpu = gpu_preset(key)
        assert (gpu.pcie_generation, gpu.nvlink_bandwidth_gbps, gpu.nvlink_bridge_gpus) == (
            3, 100.0, 2), key
        assert DEFAULT_PRICES[key].usd_per_gpu_hour is None  # no sourced on-demand price


def test_links_no_p2p_on_the_geforce_card_and_a_bridge_joins_pairs() -> None:
    # 'Device=0 CANNOT Access Peer Device=1' on eight RTX 2080 Ti (NVIDIA/nccl-tests#117)
    assert preset_cluster("rtx-2080-ti", 2).nodes[0].intra_node_link == "pcie-no-p2p"
    assert preset_cluster("quadro-rtx-8000", 4).nodes[0].intra_node_link == "pcie"
    assert preset_cluster("titan-rtx", 2, intra_node_link="nvlink").nodes[0].intra_node_link \
        == "nvlink"


@pytest.mark.parametrize("key", TURING)
def test_capability_7_5_formats_no_bf16_no_fp8(key: str) -> None:
    gpu = gpu_preset(key)
    assert gpu.compute_capability == "7.5"
    assert gpu.native_weight_formats == ("fp32", "fp16", "int8", "int4")
    assert gpu.native_kv_dtypes == ("fp16",)
    assert gpu.bf16_dense_tflops is None and gpu.dense_tflops("fp8") is None
    assert not gpu.computes_bf16
    # Marlin weight-only kernels from 7.5
    assert gpu.weight_format_support("fp8") == "weight_only"
    # 16 SFUs per SM: SMs x clock x 16 (72 x 1.77e9 x 16 = 2.039e12 on the TU102 Quadros)
    sms, clock = (68, 1.545) if key == "rtx-2080-ti" else (72, 1.77)
    assert gpu.softmax_exp_tera_per_s == pytest.approx(sms * clock * 16 / 1e3, rel=0.005)


def _plan(key: str, gpus: int, version: str = "0.33.0", **engine):
    return plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-4B"),
                            cluster=preset_cluster(key, gpus),
                            layout=ParallelLayout(tp=gpus),
                            engine=EngineSettings(vllm_version=version, **engine)))


def test_qwen3_4b_on_two_rtx_2080_ti_worked_by_hand() -> None:
    result = _plan("rtx-2080-ti", 2, max_model_len=8000)
    # bfloat16 checkpoint served as float16 below 8.0
    assert result.weight_format == "fp16" and result.fits and result.errors == []
    # budget: ceil(10.76 x 2**30 x 0.92) = ceil(11,553,462,026 x 0.92) = 10,629,185,064 B
    budget = next(t for t in result.terms if t.key == "budget")
    assert budget.value == 10_629_185_064
    # weights per GPU at TP 2 (Qwen3-4B config.json: hidden 2,560, 36 layers, 32 query heads and
    # 8 KV heads of 128, MLP 9,728, vocab 151,936 tied): the embedding 151,936 x 2,560 / 2 =
    # 194,478,080; a layer's q 2,560 x 4,096 + k, v 2 x 2,560 x 1,024 + o 4,096 x 2,560 + MLP
    # 3 x 2,560 x 9,728 = 100,925,440 split in 2 = 50,462,720, plus its replicated q/k norms
    # 2 x 128 and 2 x 2,560 layer norms = 5,376: 50,468,096 x 36 = 1,816,851,456; final norm
    # 2,560: 2,011,332,096 params x 2 B + the rotary cos/sin cache 40,960 x 128 x 2 B
    assert result.weights_bytes_per_gpu == 2_011_332_096 * 2 + 10_485_760 == 4_033_149_952
    # KV per token per GPU: 36 layers x 4 of the 8 KV heads x (128 + 128) x 2 B
    assert result.kv_bytes_per_token_per_gpu == 36 * 4 * 256 * 2 == 73_728
    # blocks: whole blocks of the pool, each block_size tokens x 73,728 B; the tokens vLLM
    # prints are at most what those blocks hold
    blocks = result.kv_cache_bytes_per_gpu // (result.block_size * 73_728)
    assert result.num_gpu_blocks == blocks
    assert blocks * result.block_size - result.block_size < result.kv_cache_tokens \
        <= blocks * result.block_size
    # the pool is what the budget leaves: under 10,629,185,064 - 4,033,149,952 = 6.14 GiB, and
    # over 4.4 GiB of it (the rest: activations, CUDA graphs and buffers, about 1.6 GiB)
    assert 4.4 * GIB < result.kv_cache_bytes_per_gpu < (10_629_185_064 - 4_033_149_952)


def test_vllm_refuses_bfloat16_and_fp8_kv_on_the_new_presets() -> None:
    # the message vLLM prints below 8.0 (as on a T4: config/model.py)
    assert _plan("quadro-rtx-8000", 1, max_model_len=8000, dtype="bfloat16").errors == [
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your "
        "Quadro RTX 8000 GPU has compute capability 7.5. You can use float16 instead by "
        "explicitly setting the `dtype` flag in CLI, for example: --dtype=half."]
    # from 0.24 only TRITON_ATTN attends on 7.5 (no FlashAttention 2: FLASH_ATTN needs 8.0),
    # and it refuses an fp8 KV cache below SM89
    assert _plan("titan-rtx", 1, max_model_len=8000, kv_cache_dtype="fp8").errors == [
        "FP8 KV cache is not supported by the Triton attention backend on NVIDIA TITAN RTX "
        "(compute capability 7.5); native FP8 (fp8e4nv) requires SM89+. Re-run with "
        "--kv-cache-dtype float16."]
