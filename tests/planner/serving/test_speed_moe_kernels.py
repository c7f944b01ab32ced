"""planner.serving.speed: the MoE kernel path vLLM picks per weight format, release and GPU.

Block-FP8 MoE layers on vLLM 0.12-0.14 run DeepGEMM's contiguous grouped GEMM, whose rows are
padded to 128 per local expert (vLLM fused_moe/deep_gemm_utils.py compute_aligned_M:
M x k + E x (128 - 1)); from 0.15 FlashInfer's CUTLASS MoE comes first (oracle/fp8.py).

Hand figures, none read from the code under test:
- Qwen3-235B-A22B-FP8 config.json: 94 layers, all MoE, 128 experts, hidden 4096, expert
  width 1536: one expert = 3 x 4096 x 1536 = 18,874,368 parameters, 9,437,184 per GPU at
  TP=2 (experts sliced by TP).
- H200 SXM (NVIDIA datasheet): FP8 tensor cores 3,958 TFLOP/s with sparsity = 1,979 dense.
- Padding per step at TP=2: 2 x 9,437,184 x 94 layers x 128 experts x 127 rows
  = 28,841,242,263,552 FLOP / (1,979 TFLOP/s x the H200's compute efficiency: the fitted
  0.636 x its measured 794.5 / 989.4 BF16 TFLOP/s / the calibration GPUs' 0.79195 = 0.6449,
  tests/planner/serving/gemm_rates.py) = 22.599 ms.

Which kernel family serves routed experts (speed.kernels.moe_kernel), from vLLM's backend choices
with no environment variable set: MXFP4 on FlashInfer's TRT-LLM MoE on sm100 and OpenAI's
triton_kernels on sm90, weight-only on Marlin MoE (FlashInfer TRT-LLM MxInt4 / Humming from
0.32); each family's expert efficiency is fitted (bench/speed_accuracy.py).
"""

import pytest

from planner.catalog import catalog_entry
from planner.catalog import catalog_spec as _spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import scheme
from planner.serving import layout as layout_module
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout, layout_warnings, moe_wna16_fallback
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, _context, estimate_speed
from planner.serving.speed.coefficients import FITTED
from planner.serving.speed.context import marlin_fp32_tflops
from planner.serving.speed.kernels import kernel_family, moe_kernel
from tests.planner.serving.gemm_rates import B200_EFF, H100_EFF

ENTRY = catalog_entry("Qwen/Qwen3-235B-A22B-FP8")
QWEN_FP8 = parse_model_config(ENTRY.config, ENTRY.hf_quant_config, name=ENTRY.repo_id)
PADDING_FLOP = 2 * 9_437_184 * 94 * 128 * 127  # 28,841,242,263,552
DEEPSEEK_V3 = _spec("deepseek-ai/DeepSeek-V3")
"""At MoE TP=8 without EP Qwen3-235B-A22B-FP8's experts are 1,536 / 8 = 192 wide, not whole
128 x 128 FP8 blocks: vLLM refuses them before 0.29.0 (Fp8MoEMethod.create_weights).
DeepSeek-V3's (config.json: 61 layers, the first 3 dense: 58 MoE, 256 experts, hidden 7168,
expert width 2048) are 2,048 / 8 = 256 = 2 x 128: one expert = 3 x 7168 x 2048 = 44,040,192
parameters, 5,505,024 per GPU at TP=8. Its padding per step there: 2 x 5,505,024 x 58 x 256
x 127 = 20,761,603,473,408 FLOP / (1,979 TFLOP/s x 0.6449, gemm_rates.H100_EFF) = 16.268 ms."""


def _est(version: str, tp: int = 2, ep: bool = False, gpu: str = "h200", model=QWEN_FP8):
    request = PlanRequest(model=model, cluster=preset_cluster(gpu, 8),
                          layout=ParallelLayout(tp=tp, ep=ep),
                          engine=EngineSettings(max_model_len=4096, vllm_version=version))
    return estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))


def _padding_ms(est) -> float | None:
    term = next((t for t in est.terms if t.key == "decode_moe_padding"), None)
    return None if term is None else term.value


def test_vllm_0_12_pads_every_expert_to_128_rows() -> None:
    # the efficiency the hand figure was worked at (a refit must rework the figures here)
    assert FITTED.compute_efficiency == 0.636
    # H200: PADDING_FLOP / (1,979e12 x 0.6449, its compute efficiency: gemm_rates.H100_EFF)
    hand_ms = 22.599
    assert pytest.approx(hand_ms, rel=1e-4) == PADDING_FLOP / (1979e12 * H100_EFF) * 1e3
    old, new = _est("0.12.0"), _est("0.15.0")
    assert _padding_ms(old) == pytest.approx(hand_ms, rel=1e-3)
    # the padding is added to the step, everything else equal: one request, no prefill
    # interference, so the TPOTs differ by exactly the padded rows
    assert _padding_ms(new) is None
    assert old.tpot_ms - new.tpot_ms == pytest.approx(hand_ms, rel=1e-3)


def test_deepgemm_moe_is_off_at_moe_tp_8_and_before_0_12_on_hopper() -> None:
    # get_fp8_moe_backend: DeepGEMM MoE off by default when the MoE's TP size is >= 8
    # (DeepSeek-V3: Qwen's 192-wide shards are refused there, DEEPSEEK_V3);
    # with expert parallelism the MoE's TP size is 1 and each GPU pads its 16 experts:
    # 2 x 18,874,368 x 94 x 16 x 127 = 7.2103e12 FLOP, a quarter of TP=2's:
    # / (1,979 TFLOP/s x 0.6449, gemm_rates.H100_EFF) = 5.650 ms
    assert _padding_ms(_est("0.12.0", tp=8, model=DEEPSEEK_V3)) is None
    ep = _padding_ms(_est("0.12.0", tp=8, ep=True))
    assert ep == pytest.approx(5.650, rel=1e-3)
    # 0.11.0 on Hopper needs VLLM_USE_DEEP_GEMM_E8M0_HOPPER for DeepGEMM below 128 tokens
    assert _padding_ms(_est("0.11.0")) is None


def test_vllm_0_11_1_pads_at_every_moe_tp_size() -> None:
    # the 0.11.1 wheel: E8M0 DeepGEMM on Hopper by default and get_fp8_moe_backend picks
    # DeepGEMM for block-FP8 weights with no MoE-TP >= 8 cut-off (0.12.0 adds it). TP=2 pads
    # as 0.12 does (22.599 ms above); TP=8 pads each GPU's 256 experts of DeepSeek-V3's
    # 2,048 / 8 columns: 16.268 ms (DEEPSEEK_V3), where 0.12.0 does not
    assert pytest.approx(16.268, rel=1e-4) == 2 * 5_505_024 * 58 * 256 * 127 / (
        1979e12 * H100_EFF) * 1e3
    assert _padding_ms(_est("0.11.1")) == pytest.approx(22.599, rel=1e-3)
    assert _padding_ms(_est("0.11.2", tp=8, model=DEEPSEEK_V3)) == pytest.approx(16.268,
                                                                                 rel=1e-3)
    assert _padding_ms(_est("0.12.0", tp=8, model=DEEPSEEK_V3)) is None


def test_blackwell_pads_too_at_its_own_fp8_rate() -> None:
    # is_deep_gemm_supported: sm90 and sm100; B200 FP8 4,500 TFLOP/s dense (datasheet),
    # TP=4: 2 x 4,718,592 x 94 x 128 x 127 = 1.4421e13 FLOP / (4,500 TFLOP/s x 0.6228, its
    # compute efficiency: gemm_rates.B200_EFF) = 5.145 ms
    assert pytest.approx(5.145, rel=1e-4) == PADDING_FLOP / 2 / (4500e12 * B200_EFF) * 1e3
    ms = _padding_ms(_est("0.14.0", tp=4, gpu="b200"))
    assert ms == pytest.approx(5.145, rel=1e-3)


def test_only_moe_layers_pay_the_moe_layer_overhead() -> None:
    # Llama-3.1-70B (config.json: 80 layers, dense MLPs): 80 x 55.2 us = 4,416.0 us;
    # Qwen3-235B-A22B-FP8 at TP=8 + EP (whole experts: DEEPSEEK_V3; no DeepGEMM padding on
    # 0.15.0): 94 MoE layers,
    # 94 x (55.2 + 23.0) = 7,350.8 us at the coefficients refitted on 2026-12-05 on the 846
    # fit rows (4,504.0 and 94 x (56.3 + 23.5) = 7,501.2 us before)
    llama = _spec("meta-llama/Meta-Llama-3.1-70B")
    request = PlanRequest(model=llama, cluster=preset_cluster("h200", 8),
                          layout=ParallelLayout(tp=8), engine=EngineSettings(max_model_len=4096))
    dense = estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))
    moe = _est("0.15.0", tp=8, ep=True)
    c = FITTED
    dense_us, moe_us = (next(t.value for t in e.terms if t.key == "step_overhead") * 1e3
                        for e in (dense, moe))
    assert dense_us == pytest.approx(80 * c.layer_overhead_us)
    assert moe_us == pytest.approx(94 * (c.layer_overhead_us + c.moe_layer_overhead_us))
    assert (dense_us, moe_us) == pytest.approx((4416.0, 7350.8), abs=0.02)


def test_the_per_layer_overheads_scale_with_the_sm_clock() -> None:
    # A100 80GB SXM boosts at 1,410 MHz (A100 deviceQuery: "GPU Max Clock rate: 1410 MHz"), the
    # calibration GPUs at 1,980 MHz: each small kernel's cycles take 1,980 / 1,410 = 1.40426 x
    # as long. Llama-3.1-70B (80 dense layers) at TP=8: 80 x 55.2 us x 1.40426 = 4,416 x
    # 1,980 / 1,410 = 6,201.191 us. B300 boosts at 2,032 MHz (AWS: 'P6-B300 instances: sudo
    # nvidia-smi -ac 3996,2032'): 4,416 x 1,980 / 2,032 = 4,302.992 us. H20's preset has no
    # clock: the calibration clock is assumed, 4,416 us. (At 56.3 us, before the 2026-12-05
    # refit on the 846 fit rows: 6,324.766, 4,388.740 and 4,504 us.)
    llama = _spec("meta-llama/Meta-Llama-3.1-70B")

    def overhead(gpu: str):
        request = PlanRequest(model=llama, cluster=preset_cluster(gpu, 8),
                              layout=ParallelLayout(tp=8),
                              engine=EngineSettings(max_model_len=4096))
        return next(t for t in estimate_speed(request).terms if t.key == "step_overhead")

    a100, b300, h20 = overhead("a100-80gb"), overhead("b300"), overhead("h20")
    assert a100.value * 1e3 == pytest.approx(6201.191, abs=0.001)
    assert "55.2 us x 80 layers x 1980/1410 MHz" in a100.formula
    assert b300.value * 1e3 == pytest.approx(4302.992, abs=0.001)
    assert "55.2 us x 80 layers x 1980/2032 MHz" in b300.formula
    assert h20.value * 1e3 == pytest.approx(4416.0, abs=0.001)
    assert ("clock unknown: 1980 MHz assumed, the H100/H200/B200 boost clock the overheads were "
            "fitted at") in h20.formula


def test_moe_kernel_per_format_and_generation() -> None:
    # vLLM's MXFP4 backend choice with no environment variable set (quantization/mxfp4.py
    # get_mxfp4_backend 0.11-0.17, fused_moe/oracle/mxfp4.py 0.19): FlashInfer TRT-LLM MXFP4 x
    # BF16 on sm100, triton_kernels on sm90, Marlin elsewhere; compressed-tensors WNA16 MoE:
    # Marlin MoE (compressed_tensors_moe.py); FP8 and NVFP4: vLLM's own fused-MoE paths
    trtllm = "flashinfer-trtllm-mxfp4"
    cases = [("mxfp4", "b200", trtllm), ("mxfp4", "b300", trtllm),
             ("mxfp4", "h200", "triton-mxfp4"), ("mxfp4", "h100-sxm", "triton-mxfp4"),
             ("mxfp4", "rtx-5090", "marlin-moe"), ("mxfp4", "rtx-3090", "marlin-moe"),
             ("w4a16-gptq-g128", "b200", "marlin-moe"),
             ("w4a16-gptq-g128", "rtx-3090", "marlin-moe"),
             ("fp8-block128", "h200", "fused-moe"), ("fp8-block128", "rtx-3090", "marlin-moe"),
             ("nvfp4", "b200", "fused-moe"), ("bf16", "h100-sxm", "fused-moe")]
    for key, gpu, expected in cases:
        fmt = scheme(key)
        family, _ = kernel_family(fmt, gpu_preset(gpu))
        assert moe_kernel(fmt, gpu_preset(gpu), family, "0.19.0") == expected, (key, gpu)
    # from 0.32 fused_moe/oracle/int_wna16.py: FlashInfer's TRT-LLM MxInt4 MoE first (sm100,
    # symmetric int4 in groups of 32 only), Humming ahead of Marlin on sm90
    kimi_int4, gptq = scheme("w4a16-ct-g32"), scheme("w4a16-gptq-g128")
    assert moe_kernel(kimi_int4, gpu_preset("b200"), "weight-only", "0.31.0") == "marlin-moe"
    assert moe_kernel(kimi_int4, gpu_preset("b200"), "weight-only", "0.33.0") \
        == "flashinfer-trtllm-int4"
    assert moe_kernel(gptq, gpu_preset("b200"), "weight-only", "0.33.0") == "marlin-moe"
    assert moe_kernel(gptq, gpu_preset("h200"), "weight-only", "0.33.0") == "humming-moe"
    assert moe_kernel(gptq, gpu_preset("rtx-3090"), "weight-only", "0.33.0") == "marlin-moe"
    # NVFP4 MoE on sm90 (no FP4 tensor cores): fused_moe/oracle/nvfp4.py Marlin up to 0.31,
    # from 0.32 prioritize_humming puts Humming, which takes (kNvfp4Static, kNvfp4Dynamic)
    # (experts/fused_humming_moe.py), ahead of it; Blackwell keeps its FP4 tensor-core MoE
    nvfp4 = scheme("nvfp4")
    assert kernel_family(nvfp4, gpu_preset("h200"), "0.33.0") == ("weight-only", "bf16")
    assert moe_kernel(nvfp4, gpu_preset("h200"), "weight-only", "0.31.0") == "marlin-moe"
    assert moe_kernel(nvfp4, gpu_preset("h200"), "weight-only", "0.32.0") == "humming-moe"
    assert moe_kernel(nvfp4, gpu_preset("b200"), "fp4", "0.33.0") == "fused-moe"


GPT_OSS = _spec("openai/gpt-oss-120b")


def _gpt_oss_overhead(gpu: str, enforce_eager: bool = False):
    request = PlanRequest(model=GPT_OSS, cluster=preset_cluster(gpu, 1), layout=ParallelLayout(),
                          engine=EngineSettings(max_model_len=8192, enforce_eager=enforce_eager))
    return next(t for t in estimate_speed(request).terms if t.key == "step_overhead")


def test_flashinfer_mxfp4_moe_launches_none_of_vllms_fused_moe_kernels() -> None:
    # gpt-oss-120b config.json: 36 layers, every one MoE. On B200 vLLM hands the router logits
    # to FlashInfer's trtllm_fp4_block_scale_moe, which routes and finalizes itself: no
    # per-MoE-layer overhead; on H200 (triton_kernels) every MoE layer pays it:
    # 36 x 55.2 = 1,987.2 us against 36 x (55.2 + 23.0) = 2,815.2 us (2,026.8 and 2,872.8 at
    # 56.3 and 23.5 us before the 2026-12-05 refit on the 846 fit rows)
    b200, h200 = _gpt_oss_overhead("b200"), _gpt_oss_overhead("h200")
    assert b200.value == pytest.approx(1.9872)
    assert h200.value == pytest.approx(2.8152)
    # the formula names the MoE-layer term only where it is charged
    assert "MoE layers" not in b200.formula
    assert "23 us x 36 MoE layers" in h200.formula  # 23.0, as the formula writes it


def test_eager_overhead_names_its_factor() -> None:
    # --enforce-eager: the per-layer overhead x EAGER_LAYER_OVERHEAD_FACTOR 3:
    # 36 x 55.2 x 3 = 5,961.6 us on B200 (1,980 MHz, factor 1; 6,080.4 at 56.3 us before the
    # 2026-12-05 refit on the 846 fit rows)
    eager = _gpt_oss_overhead("b200", enforce_eager=True)
    assert eager.value == pytest.approx(5.9616)
    assert ("x 3 (--enforce-eager: no CUDA graphs; estimated, unverified) = 5.962 ms"
            in eager.formula)


KIMI = _spec("moonshotai/Kimi-K2.5")


def _kimi(gpu: str):
    request = PlanRequest(model=KIMI, cluster=preset_cluster(gpu, 8), layout=ParallelLayout(tp=8),
                          engine=EngineSettings(max_model_len=2048, vllm_version="0.19.0"))
    return estimate_speed(request, ServingLoad(input_len=1024, output_len=1024, concurrency=4))


def test_marlin_moe_reads_experts_at_an_sm_bound_rate() -> None:
    # the rate is the coefficient x the GPU's FP32 FLOP/s (H200 67, B200 75 TFLOP/s, the
    # presets' datasheet figures) where that is below the bandwidth one
    k = FITTED.marlin_moe_bytes_per_fp32_flop
    for gpu, fp32, bw in (("h200", 67, 4800), ("b200", 75, 8000)):
        rate_gbps = k * fp32 * 1e3
        assert rate_gbps < bw * FITTED.bandwidth_efficiency["weight-only"] \
            * FITTED.expert_bandwidth_factor
        weights = next(t for t in _kimi(gpu).terms if t.key == "decode_weights")
        assert f"= {rate_gbps:,.0f} GB/s, Marlin MoE's SM-bound rate" in weights.formula
        assert "MoE kernel marlin-moe" in weights.formula


def test_marlin_moe_rate_follows_sms_x_clock_not_fp32_lanes() -> None:
    # The coefficient was fitted on 128-lane SMs (H200, B200), where it multiplies the
    # datasheet FP32 figure; A100's SMs have 64 FP32 lanes (CUDA C++ Programming Guide,
    # "Compute Capability 8.x"), so at its 108 SMs x 1.41 GHz it counts 19.5 x 128 / 64 = 39
    # TFLOP/s (108 x 1.41 GHz x 256 = 38.98), not 19.5: 0.0395 x 39 = 1,540.5 GB/s
    assert marlin_fp32_tflops(gpu_preset("h200")) == 67.0
    assert marlin_fp32_tflops(gpu_preset("a100-80gb")) == 39.0
    # A10G: 128-lane SMs, 80 x 1.71 GHz x 256 = 35.02 as its FP32 figure
    assert marlin_fp32_tflops(gpu_preset("a10g")) == 35.02
    # MI300X has an FP32 figure but gfx942 no lanes per SM (SM_UNITS): no SMs x clock
    assert marlin_fp32_tflops(gpu_preset("mi300x")) is None


def test_kimi_int4_decodes_about_as_fast_on_h200_as_on_b200() -> None:
    # perf-silicon-aic.csv, Kimi-K2.5 int4 (Marlin MoE), TP=8, 1,024 in / 1,024 out, 4
    # requests: 10.05 ms on B200 (vLLM 0.15.1), 10.39 ms on H200 (0.16.0), 0.967 of it,
    # although B200 has 8,000 / 4,800 = 1.67x the bandwidth; the SM-bound Marlin rate keeps
    # the model's ratio near it (bandwidth-bound experts gave 0.86)
    ratio = _kimi("b200").tpot_ms / _kimi("h200").tpot_ms
    assert 0.9 <= ratio <= 1.0


def test_the_wna16_fallback_follows_the_release() -> None:
    # Qwen3-30B-A3B (768-wide experts) as GPTQ group 32 at TP=8: 96 wide per GPU, 96 % max(64,
    # 32) = 32 -> MoE WNA16 on 0.24.0; from 0.25.0 Marlin MoE pads it (96 % 32 = 0): the
    # expert read loses its x 1.5 (coefficients.WNA16_FALLBACK_SLOWDOWN) and the note goes
    def est(version: str):
        request = PlanRequest(
            model=_spec("Qwen/Qwen3-30B-A3B"), cluster=preset_cluster("h100-sxm", 8),
            layout=ParallelLayout(tp=8),
            engine=EngineSettings(max_model_len=4096, vllm_version=version,
                                  target_quant="w4a16-gptq-g32"))
        return estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))
    fallback = "MoE experts run the Triton WNA16 fallback: expert reads x 1.5 (estimate)"
    old, new = est("0.24.0"), est("0.25.0")
    assert fallback in old.notes and fallback not in new.notes
    assert any("x 1.5 WNA16 fallback" in t.formula for t in old.terms)
    assert not any("WNA16" in t.formula for t in new.terms)
    assert new.tpot_ms < old.tpot_ms


def test_the_wna16_fallback_asks_the_oracle_that_puts_humming_first_on_hopper() -> None:
    # vLLM 0.33.0 auto_gptq.py AutoGPTQConfig.get_quant_method: a RoutedExperts layer failing
    # check_moe_marlin_supports_layer goes to MoeWNA16Config, whose MoeWNA16Method.__init__
    # (moe_wna16.py, 0.32.0 and 0.33.0 wheels) asks fused_moe/oracle/int_wna16.py
    # select_wna16_moe_backend too: _backend_incompatibility_reason strikes only Marlin,
    # batched Marlin and emulation for a MoeWNA16Config, and on 9.0 prioritize_humming puts
    # Humming first (its kInt4Static key is in fused_humming_moe.py's SUPPORTED_W_A); the
    # 0.30.0 oracle has no prioritize_humming, and off 9.0 Triton is the first left.
    # Qwen3-30B-A3B (768-wide experts, hidden 2048) as GPTQ group 128: TP=8 -> 768 / 8 = 96
    # per GPU, 96 % 128 = 96 -> off Marlin (group halved to 32: 96 % 32 = 0, it loads);
    # TP=2 -> 384 % 128 = 0 -> Marlin's check passes
    def formula(gpu: str, tp: int, version: str = "0.33.0") -> str:
        request = PlanRequest(
            model=_spec("Qwen/Qwen3-30B-A3B"), cluster=preset_cluster(gpu, 8),
            layout=ParallelLayout(tp=tp),
            engine=EngineSettings(max_model_len=4096, vllm_version=version,
                                  target_quant="w4a16-gptq-g128"))
        est = estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))
        return " ".join(t.formula for t in est.terms)
    for tp in (8, 2):  # H200 on 0.33: Humming whether or not Marlin takes the layout
        text = formula("h200", tp)
        assert "MoE kernel humming-moe" in text and "WNA16" not in text
    tp8 = formula("h200", 8, "0.30.0")  # no Humming priority: Triton, timed x 1.5
    assert "MoE kernel moe-wna16" in tp8 and "x 1.5 WNA16 fallback" in tp8
    tp8 = formula("a100-80gb", 8)  # 8.0 on 0.33: Triton
    assert "MoE kernel moe-wna16" in tp8 and "x 1.5 WNA16 fallback" in tp8


def _wna16_case(spec, tp: int, quant: str, version: str = "0.33.0", ep: bool = False):
    """Qwen3-30B-A3B served as `quant` on 8 A100s (8.0: no Humming ahead of Marlin): the
    layout's warnings and the speed model's context (its `wna16` flag)."""
    request = PlanRequest(model=spec, cluster=preset_cluster("a100-80gb", 8),
                          layout=ParallelLayout(tp=tp, ep=ep),
                          engine=EngineSettings(max_model_len=4096, vllm_version=version,
                                                target_quant=quant))
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    warned = layout_warnings(spec, request.layout, ctx.device.scheme, version)
    return warned, ctx


# Qwen3-30B-A3B config.json: hidden 2048 (a multiple of 128), 768-wide experts, sliced by TP
# without EP. Marlin MoE needs the per-GPU width a multiple of max(64, group) before 0.25.0, of
# the group from it (check_moe_marlin_supports_layer, tile padding); groups outside -1, 32,
# 64, 128 fall back at any layout:
@pytest.mark.parametrize(("tp", "quant", "version", "ep", "falls_back"), [
    (8, "w4a16-gptq-g128", "0.33.0", False, True),  # 768 / 8 = 96, 96 % 128 = 96
    (2, "w4a16-gptq-g128", "0.33.0", False, False),  # 768 / 2 = 384, 384 % 128 = 0
    (8, "w4a16-gptq-g128", "0.33.0", True, False),  # EP keeps experts whole: 768 % 128 = 0
    (8, "w4a16-gptq-g32", "0.24.0", False, True),  # 96 % max(64, 32) = 32
    (8, "w4a16-gptq-g32", "0.25.0", False, False),  # padded to the group: 96 % 32 = 0
    (1, "w4a16-gptq-g256", "0.33.0", False, True),  # 256 is not a Marlin group
])
def test_the_speed_model_times_the_wna16_fallback_the_layout_warns_of(
        tp: int, quant: str, version: str, ep: bool, falls_back: bool) -> None:
    spec = _spec("Qwen/Qwen3-30B-A3B")
    warned, ctx = _wna16_case(spec, tp, quant, version, ep)
    assert moe_wna16_fallback(spec, ParallelLayout(tp=tp, ep=ep), ctx.device.scheme,
                              version) is falls_back
    assert ctx.wna16 is falls_back
    assert bool(warned) is falls_back


def test_a_reworded_wna16_warning_leaves_the_speed_model_alone(monkeypatch) -> None:
    # the speed model reads the fallback as a flag (layout.moe_wna16_fallback), not from the
    # warning's words: a warning that no longer says "WNA16" still times the fallback (96 % 128
    # = 96 at TP=8, above), and the estimate keeps its x 1.5 expert reads
    worded = layout_module._marlin_moe_warning

    def reworded(*args):
        text = worded(*args)
        return None if text is None else text.replace("WNA16", "Triton")

    monkeypatch.setattr(layout_module, "_marlin_moe_warning", reworded)
    spec = _spec("Qwen/Qwen3-30B-A3B").model_copy()  # a new identity: nothing cached for it
    warned, ctx = _wna16_case(spec, 8, "w4a16-gptq-g128")
    assert warned and not any("WNA16" in w for w in warned)
    assert ctx.wna16 and ctx.moe_kernel == "moe-wna16"


def test_amd_gpus_time_grouped_experts_on_moe_wna16_at_every_layout() -> None:
    # marlin_utils.py check_moe_marlin_supports_layer returns False on ROCm in every wheel
    # 0.19.0-0.33.0, so GPTQ experts go to MoeWNA16Config (gptq.py GPTQConfig in 0.19.0,
    # auto_gptq.py AutoGPTQConfig.get_quant_method in 0.24.0 and 0.33.0), whose kernel on ROCm
    # is Triton's (fused_moe.py should_moe_wna16_use_cuda needs is_cuda(); from 0.27.0
    # oracle/int_wna16.py picks TritonWNA16Experts, Marlin failing the same check).
    # Qwen3-235B-A22B-GPTQ-Int4 (1536-wide experts, group 128) at TP=8 + EP: whole experts,
    # 1536 % 128 = 0 -> Marlin MoE on an H100 (0.24.0), MoE WNA16 x 1.5 on an MI300X
    def formula(gpu: str, version: str) -> str:
        request = PlanRequest(
            model=_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4"), cluster=preset_cluster(gpu, 8),
            layout=ParallelLayout(tp=8, ep=True),
            engine=EngineSettings(max_model_len=4096, vllm_version=version, dtype="float16"))
        est = estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))
        return " ".join(t.formula for t in est.terms)
    text = formula("h100-sxm", "0.24.0")
    assert "MoE kernel marlin-moe" in text and "WNA16" not in text
    for version in ("0.19.0", "0.24.0", "0.33.0"):
        text = formula("mi300x", version)
        assert "MoE kernel moe-wna16" in text and "x 1.5 WNA16 fallback" in text


def test_amd_gpus_run_fp4_experts_on_triton_or_emulation_never_marlin() -> None:
    # vLLM's Marlin MoE is CUDA-only (MarlinExperts._supports_current_device: is_cuda(), every
    # wheel 0.19.0-0.33.0). On ROCm with AITER off (VLLM_ROCM_USE_AITER "False"):
    # - MXFP4 (gpt-oss): quantization/mxfp4.py get_mxfp4_backend's ROCm branch returns TRITON
    #   (0.10.2-0.18.0), fused_moe/oracle/mxfp4.py reaches TRITON past the AITER backends
    #   (0.19.0-0.33.0): OpenAI's triton_kernels, FP4 weights x 16-bit activations
    # - NVFP4 W4A4: fused_moe/oracle/nvfp4.py's only ROCm backend is EMULATION (0.20.0-0.33.0)
    mi300x = gpu_preset("mi300x")
    mxfp4, nvfp4 = scheme("mxfp4"), scheme("nvfp4")
    for version in ("0.11.0", "0.19.0", "0.33.0"):
        assert kernel_family(mxfp4, mi300x, version) == ("fp4", "bf16")
        assert moe_kernel(mxfp4, mi300x, "fp4", version) == "triton-mxfp4"
    assert kernel_family(nvfp4, mi300x, "0.33.0") == ("weight-only", "bf16")  # no FP4 cores
    for version in ("0.20.0", "0.33.0"):
        assert moe_kernel(nvfp4, mi300x, "weight-only", version) == "nvfp4-emulation"
    # gpt-oss-120b on one MI300X (0.33.0): the formula names the Triton kernel
    request = PlanRequest(model=GPT_OSS, cluster=preset_cluster("mi300x", 1),
                          layout=ParallelLayout(), engine=EngineSettings(max_model_len=8192))
    text = " ".join(t.formula for t in estimate_speed(request).terms)
    assert "MoE kernel triton-mxfp4" in text and "marlin" not in text.lower()


MINIMAX = ("MiniMaxM2ForCausalLM",)


@pytest.mark.parametrize(("gpu", "version", "expected"), [
    ("b200", "0.14.0", "fused-moe"),  # DEEPGEMM_PADDED_MOE's era: that rule decides
    ("b200", "0.15.0", "deepgemm-moe"),  # bias router: RenormalizeNaive, float32 logits refused
    ("b200", "0.16.0", "fused-moe"),  # sigmoid top-8: DeepSeekV3, TRT-LLM takes it
    ("b200", "0.17.0", "deepgemm-moe"),  # Unspecified routing refused
    ("b200", "0.18.0", "deepgemm-moe"),  # modular TRT-LLM still refuses float32 logits
    ("b200", "0.19.0", "fused-moe"),  # modular TRT-LLM takes it
    ("b300", "0.17.0", "deepgemm-moe"),  # compute capability 10.3: the same 10.x path
    ("h200", "0.17.0", "fused-moe"),  # Hopper: Triton (TP) or FlashInfer CUTLASS (EP)
])
def test_minimax_block_fp8_experts_run_deepgemm_where_trtllm_refuses_its_router(
        gpu: str, version: str, expected: str) -> None:
    # vLLM's fused_moe/oracle/fp8.py tries FlashInfer TRT-LLM, then FlashInfer CUTLASS (block
    # FP8 on 9.0 only), then DeepGEMM; minimax_m2.py gives TRT-LLM a sigmoid router with a
    # correction bias, no expert groups and float32 logits (kernels.DEEPGEMM_FLOAT32_ROUTER_MOE)
    fp8 = scheme("fp8-block128")
    assert moe_kernel(fp8, gpu_preset(gpu), "fp8", version, MINIMAX) == expected


def test_deepgemm_moe_needs_the_minimax_router_and_block_fp8() -> None:
    # Qwen3-MoE's softmax router (Renormalize, bf16 logits) is TRT-LLM's on 0.17; per-tensor
    # FP8 is not DeepGEMM's (128x128 blocks only)
    b200 = gpu_preset("b200")
    assert moe_kernel(scheme("fp8-block128"), b200, "fp8", "0.17.0",
                      ("Qwen3MoeForCausalLM",)) == "fused-moe"
    assert moe_kernel(scheme("fp8-tensor"), b200, "fp8", "0.17.0", MINIMAX) == "fused-moe"


def test_deepgemm_moe_layers_pay_their_own_overhead() -> None:
    # MiniMax-M2.5 config.json: 62 layers, all MoE (no first_k_dense_replace). B200 runs at the
    # calibration clock (1,980 MHz), so no clock factor. On 0.17.0 (DeepGEMM's MoE):
    # 62 x (55.2 + 49.8) = 6,510.0 us; on 0.19.0 (TRT-LLM's modular experts, vLLM's own
    # routing kernels, the default 23.0 us): 62 x (55.2 + 23.0) = 4,848.4 us (6,640.2 and
    # 4,947.6 at 56.3, 50.8 and 23.5 us before the 2026-12-05 refit on the 846 fit rows)
    minimax = _spec("MiniMaxAI/MiniMax-M2.5")

    def overhead_us(version: str) -> float:
        request = PlanRequest(model=minimax, cluster=preset_cluster("b200", 8),
                              layout=ParallelLayout(tp=4),
                              engine=EngineSettings(max_model_len=4096, vllm_version=version))
        est = estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))
        return next(t.value for t in est.terms if t.key == "step_overhead") * 1e3

    assert FITTED.moe_kernel_layer_overhead_us == {"deepgemm-moe": 49.8}
    assert overhead_us("0.17.0") == pytest.approx(6510.0, abs=0.01)
    assert overhead_us("0.19.0") == pytest.approx(4848.4, abs=0.01)


def test_the_speed_model_reads_bf16_experts_as_trtllm_pads_them() -> None:
    # FlashInfer's TRT-LLM BF16 MoE runs on the padded weights vLLM holds (moe_backend
    # .trtllm_bf16_width_pad; fused_moe/oracle/unquantized.py align_moe_weights_for_fi from
    # 0.29.0, allocated padded from 0.31.0): the bytes a step reads are the padded ones, as the
    # plan's weights. Qwen3-30B-A3B BF16 at TP 8 on B200, vLLM 0.34.0: 48 layers x 128 experts
    # x 3 x 2,048 x 768 / 8 x 2 B = 7,247,757,312 B, padded 96 -> 128 wide: x 128 / 96 =
    # 9,663,676,416 B; --moe-backend triton reads the unpadded 7,247,757,312.
    unpadded_bytes = 48 * 128 * 3 * 2048 * 768 // 8 * 2  # 7,247,757,312
    read = {}
    for backend in (None, "triton"):
        request = PlanRequest(model=_spec("Qwen/Qwen3-30B-A3B"), cluster=preset_cluster("b200", 8),
                              layout=ParallelLayout(tp=8),
                              engine=EngineSettings(max_model_len=4096, vllm_version="0.34.0",
                                                    moe_backend=backend))
        ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
        read[backend] = ctx.stages[0].expert_bytes
    assert read == {None: unpadded_bytes * 128 // 96, "triton": unpadded_bytes}


def test_the_speed_model_reads_the_indexer_wk_in_the_format_vllm_holds() -> None:
    # DeepSeek-V3.2's sparse-attention Indexer wk takes the FP8 quant_config in vLLM 0.19.0
    # (deepseek_v2.py Indexer: wk = ReplicatedLinear(..., quant_config=quant_config)) and is
    # built unquantized from 0.20.0 (wk_weights_proj, quant_config=None;
    # vllm_versions.INDEXER_WK_UNQUANTIZED_FROM): the bytes a step reads follow, whole on each
    # of 8 H200s: 61 layers x 7,168 x 128 x (16 - 8.001953125) / 8 = 55,954,080 B more on 0.20.
    dense = {}
    for version in ("0.19.0", "0.20.0"):
        request = PlanRequest(model=_spec("deepseek-ai/DeepSeek-V3.2"),
                              cluster=preset_cluster("h200", 8), layout=ParallelLayout(tp=8),
                              engine=EngineSettings(max_model_len=4096, vllm_version=version))
        ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
        dense[version] = ctx.stages[0].dense_bytes
    assert dense["0.20.0"] - dense["0.19.0"] == 61 * 7168 * 128 * (16 - 8.001953125) / 8
