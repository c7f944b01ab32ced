"""The Tesla T4 preset (Turing, compute capability 7.5) and vLLM's rules for 7.5.

Expected figures are worked out by hand from the sources the preset cites (NVIDIA's T4
datasheet, nvidia-smi tables, PyTorch OOM messages), from Qwen3-4B's and Llama-3.1-8B's
config.json, and from vLLM's own messages as T4 users quote them, not from the code.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings, served_dtype
from planner.serving.hardware import gpu_preset, match_gpu_name, preset_cluster, with_wsl2
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import DEFAULT_PRICES
from planner.serving.sweep import quant_candidates
from planner.serving.vllm_versions import float16_refused

T4 = gpu_preset("t4")


def _plan(model: str, version: str = "0.33.0", **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("t4", 1),
                            layout=ParallelLayout(),
                            engine=EngineSettings(vllm_version=version, **engine)))


def test_the_preset_carries_the_datasheet_and_the_logged_totals() -> None:
    assert T4.name == "Tesla T4" and T4.compute_capability == "7.5"
    # 256-bit GDDR6 at 10 Gbps: 256 x 10 / 8 = 320 GB/s
    assert T4.memory_bandwidth_gbps == 256 * 10 / 8 == 320.0
    # PyTorch on a T4: "GPU 0; 14.75 GiB total capacity" = 14.75 x 2**30 B
    assert T4.memory_total_bytes == 15_837_691_904
    # nvidia-smi "15360MiB" on Tesla T4 hosts; under WSL2 CUDA reports all of it
    assert T4.nvidia_smi_total_mib == 15360
    assert with_wsl2(T4).memory_total_bytes == 15360 * 2**20 == 16_106_127_360
    # datasheet: 65 TFLOPS mixed precision (FP16), 130 INT8 TOPS, 8.1 FP32; no FP8 / FP4
    assert (T4.dense_tflops("fp16"), T4.dense_tflops("int8"), T4.fp32_tflops) == (65.0, 130, 8.1)
    assert T4.dense_tflops("fp8") is None and T4.dense_tflops("nvfp4") is None
    # no bfloat16 below 8.0: the 65 is FP16's own figure, and there is no BF16 one
    assert (T4.fp16_dense_tflops, T4.bf16_dense_tflops, T4.dense_tflops("bf16")) == (65.0, None,
                                                                                      None)
    # a float32 plan runs on the CUDA cores: the datasheet's FP32 8.1
    assert T4.dense_tflops("fp32") == 8.1
    assert (T4.pcie_generation, T4.pcie_lanes, T4.nvlink_bandwidth_gbps) == (3, 16, None)
    # SMs x clock = 8.1 / (2 x 64 FP32 lanes) = 0.06328125e12 (40 SMs x 1.59 GHz = 0.0636e12);
    # x 16 SFUs = 1.0125e12 exponentials/s
    assert T4.sm_cycles_tera_per_s == pytest.approx(0.06328125)
    assert T4.softmax_exp_tera_per_s == pytest.approx(1.0125)
    assert match_gpu_name("Tesla T4", T4.memory_total_bytes).key == "t4"
    assert DEFAULT_PRICES["t4"].usd_per_gpu_hour is None  # no sourced on-demand price


def test_turing_formats_and_marlin_weight_only() -> None:
    # tensor cores: FP16, INT8, INT4; no BF16 (vLLM's supported_dtypes: bfloat16 from 8.0)
    assert T4.native_weight_formats == ("fp32", "fp16", "int8", "int4")
    assert T4.native_kv_dtypes == ("fp16",)
    assert T4.weight_format_support("bf16") == "unsupported"
    # Marlin (query_marlin_supported_quant_types, is_fp8/fp4_marlin_supported) from 7.5
    assert [T4.weight_format_support(f) for f in ("fp8", "nvfp4", "mxfp4")] == ["weight_only"] * 3
    # a V100 (7.0) stays below Marlin's floor
    assert gpu_preset("v100-32gb").weight_format_support("fp8") == "unsupported"
    # the sweep keeps 8-bit and 4-bit what-ifs, not the FP4 families that need FP4 tensor cores
    keys = quant_candidates(catalog_spec("Qwen/Qwen3-4B"), preset_cluster("t4", 1))
    assert any(k.startswith("fp8") for k in keys) and any("gptq" in k for k in keys)
    assert not any(k.startswith(("mxfp4", "nvfp4")) for k in keys)


def test_qwen3_4b_bf16_checkpoint_is_served_as_fp16() -> None:
    result = _plan("Qwen/Qwen3-4B", max_model_len=8000)
    # config.json: torch_dtype bfloat16; vLLM's --dtype auto falls back to float16 below 8.0
    assert result.weight_format == "fp16"
    # params: embeddings 151,936 x 2,560 = 388,956,160 (tied); per layer q 2,560 x 4,096 +
    # k, v 2 x 2,560 x 1,024 + o 4,096 x 2,560 + q/k norms 2 x 128 + MLP 3 x 2,560 x 9,728 +
    # 2 x 2,560 norms = 100,930,816; x 36 = 3,633,509,376; + final norm 2,560 = 4,022,468,096
    assert result.params_total == 4_022_468_096
    # 2 B each + rotary cos/sin cache 40,960 positions x 128 x 2 B = 10,485,760
    assert result.weights_bytes_per_gpu == 4_022_468_096 * 2 + 10_485_760 == 8_055_421_952
    # KV: 36 layers x 8 KV heads x (128 + 128) x 2 B (float16)
    assert result.kv_bytes_per_token_per_gpu == 36 * 8 * 256 * 2 == 147_456
    budget = next(t for t in result.terms if t.key == "budget")
    assert budget.value == 14_570_676_552  # ceil(15,837,691,904 x 0.92)
    assert result.fits and result.errors == []


def test_llama_3_1_8b_in_fp16_does_not_fit_one_t4() -> None:
    result = _plan("meta-llama/Llama-3.1-8B-Instruct", max_model_len=4096)
    # 8,030,261,248 params x 2 B = 16,060,522,496 B (14.96 GiB) > 0.92 x 14.75 GiB (13.57)
    assert result.params_total == 8_030_261_248
    assert result.weights_bytes_per_gpu >= 16_060_522_496 > 14_570_676_552
    assert not result.fits


def test_vllm_refuses_what_compute_capability_7_5_cannot_run() -> None:
    # the message T4 users quote (vllm-project/vllm#1153 and others)
    assert _plan("Qwen/Qwen3-4B", max_model_len=8000, dtype="bfloat16").errors == [
        "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your "
        "Tesla T4 GPU has compute capability 7.5. You can use float16 instead by explicitly "
        "setting the `dtype` flag in CLI, for example: --dtype=half."]
    # fp8's get_min_capability() is 80 up to 0.13.0, 75 from 0.14.0
    fp8 = {"max_model_len": 4096, "target_quant": "fp8-tensor"}
    assert _plan("meta-llama/Llama-3.1-8B-Instruct", "0.13.0", **fp8).errors == [
        "The quantization method fp8 is not supported for the current GPU. Minimum "
        "capability: 80. Current capability: 75."]
    assert _plan("meta-llama/Llama-3.1-8B-Instruct", "0.19.0", **fp8).fits
    # MXFP4 (gpt-oss) needs 80 in every release; no note on a Marlin kernel that never loads
    oss = _plan("openai/gpt-oss-20b", max_model_len=8000)
    assert ("The quantization method mxfp4 is not supported for the current GPU. Minimum "
            "capability: 80. Current capability: 75.") in oss.errors
    assert not any("Marlin MXFP4" in w for w in oss.warnings)
    # from 0.24 TRITON_ATTN alone attends on 7.5 (FlashInfer's floor raised to 8.0) and refuses
    # an fp8 KV cache below SM89
    assert _plan("Qwen/Qwen3-4B", max_model_len=8000, kv_cache_dtype="fp8").errors == [
        "FP8 KV cache is not supported by the Triton attention backend on Tesla T4 (compute "
        "capability 7.5); native FP8 (fp8e4nv) requires SM89+. Re-run with --kv-cache-dtype "
        "float16."]


def test_gemma_2_is_served_in_float32_not_float16() -> None:
    # vLLM's _FLOAT16_NOT_SUPPORTED_MODELS (gemma2, gemma3, glm4; gemma3_text from 0.10.2;
    # plamo2 to 0.26) leave a T4 only float32 under --dtype auto (its platform list is
    # [float16, float32], float16 dropped for these types), so gemma-2-2b-it (config float32)
    # loads in float32, 4 B per parameter. Parameters from its config.json: embeddings
    # 256,000 x 2,304 = 589,824,000 (tied); per layer q and o 2 x 2,304 x 2,048, k and v
    # 2 x 2,304 x 1,024, MLP 3 x 2,304 x 9,216, 4 norms x 2,304 = 77,865,984; x 26 layers
    # + final norm 2,304 = 2,614,341,888
    result = _plan("google/gemma-2-2b-it", max_model_len=4096)
    assert result.params_total == 2_614_341_888
    assert result.weight_format == "fp32"
    assert result.weights_bytes_per_gpu >= 2_614_341_888 * 4
    # KV in float32 too: 26 layers x 4 KV heads x (256 + 256) x 4 B per token
    assert result.kv_bytes_per_token_per_gpu == 26 * 4 * 512 * 4 == 212_992
    # on an A100 the preferred dtype is bfloat16: 2 B per parameter
    a100 = plan(PlanRequest(model=catalog_spec("google/gemma-2-2b-it"),
                            cluster=preset_cluster("a100-80gb", 1), layout=ParallelLayout(),
                            engine=EngineSettings(max_model_len=4096)))
    assert a100.weight_format == "bf16"


def test_the_sweep_names_the_dtype_vllm_runs_a_16_bit_checkpoint_in() -> None:
    """The sweep's checkpoint rows of a bfloat16 config read "BF16" on a T4 while plan said
    FP16 (Qwen3-4B: no bfloat16 below compute capability 8.0) or FP32 (gemma-2-9b-it,
    torch_dtype bfloat16 in the catalog's config: float16 refused too, see above), beside
    weights twice the BF16 size: the label is what vLLM holds."""
    from planner.serving.sweep import sweep

    for model, label in (("Qwen/Qwen3-4B", "FP16"), ("google/gemma-2-9b-it", "FP32")):
        result = sweep(catalog_spec(model), preset_cluster("t4", 1),
                       EngineSettings(max_model_len=4096), quant_keys=["bf16"],
                       kv_dtypes=["auto"], layouts=[ParallelLayout()])
        assert [row.quant_label for row in result.rows] == [label], model


def test_the_releases_that_refuse_float16() -> None:
    assert float16_refused("gemma2", (0, 9, 1)) and float16_refused("glm4", (0, 33, 0))
    assert not float16_refused("gemma3_text", (0, 10, 1))
    assert float16_refused("gemma3_text", (0, 10, 2))
    assert float16_refused("plamo2", (0, 26, 0)) and not float16_refused("plamo2", (0, 27, 1))
    assert not float16_refused("qwen3", (0, 33, 0))
    # a float16 checkpoint of such a model runs in bfloat16 where the GPU has it, float32
    # where not; other models keep float16
    auto = EngineSettings()
    assert served_dtype(auto, "float16", bf16=True, fp16=False) == "bfloat16"
    assert served_dtype(auto, "float16", bf16=False, fp16=False) == "float32"
    assert served_dtype(auto, "bfloat16", bf16=False, fp16=True) == "float16"
    assert served_dtype(auto, "float16", bf16=False, fp16=True) == "float16"
