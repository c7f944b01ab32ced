"""Marlin's minimum tile per TP rank for quantized dense linear layers (64 outputs, 128 inputs:
wna16_shapes.MARLIN_TILE_PADDING_FROM): what vLLM 0.19-0.23 runs instead, or refuses, and from 0.24
the padding that makes any width run. Figures worked by hand from ../shared configs."""

import pytest

from planner.catalog import catalog_spec
from planner.model.quant import scheme, what_if_scheme
from planner.model.spec import QuantSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.wna16_shapes import dense_linears, marlin_shape_findings
from planner.serving.sweep import sweep
from planner.serving.vllm_versions import LayoutRefused

QWEN35 = catalog_spec("Qwen/Qwen3.5-27B")
QWEN35_MOE = catalog_spec("Qwen/Qwen3.5-35B-A3B")
QWEN3_NEXT = catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct")
RTX3090, H100 = gpu_preset("rtx-3090"), gpu_preset("h100-sxm")
GPTQ, AWQ = what_if_scheme("w4a16-gptq-g128"), what_if_scheme("w4a16-awq-g128")


def _plan(spec, release: str, tp: int, quant: str = "w4a16-gptq-g128", dtype: str = "auto"):
    return plan(PlanRequest(
        model=spec, cluster=preset_cluster("rtx-3090", tp), layout=ParallelLayout(tp=tp),
        engine=EngineSettings(max_model_len=4096, vllm_version=release, dtype=dtype,
                              target_quant=quant)))


def test_qwen35_27b_gptq_in_proj_ba_finds_no_kernel_in_bfloat16_up_to_0_22() -> None:
    # Qwen3.5-27B: 48 value heads, so in_proj_ba (b | a) is 48 + 48 = 96 outputs. 0.21.0
    # splits it over TP: 96 / 2 = 48 per GPU at TP=2, 48 % 64 = 48 -> Marlin cannot take it;
    # in bfloat16 Exllama cannot either (float16 only) and 0.21 has no Humming: refused, in
    # vLLM's words: marlin_utils.verify_marlin_supports_shape writes "is not divisible by " +
    # " min_thread_n = 64", two spaces (0.19.0, 0.23.0, 0.29.0, 0.34.0 wheels)
    with pytest.raises(LayoutRefused, match="output_size_per_partition = 48 is not divisible "
                       "by  min_thread_n = 64"):
        _plan(QWEN35, "0.21.0", 2)
    # 0.22.0 keeps it whole (GDN_BA_WHOLE_FROM): 96 per GPU, 96 % 64 = 32: still refused, and
    # at TP=1 on 0.21.0 too (96 on the one GPU)
    with pytest.raises(LayoutRefused, match="output_size_per_partition = 96 is not"):
        _plan(QWEN35, "0.22.0", 2)
    with pytest.raises(LayoutRefused, match="Failed to find a kernel that can implement"):
        _plan(QWEN35, "0.21.0", 1)


def test_qwen35_27b_gptq_runs_on_a_slower_kernel_or_pads() -> None:
    # float16 on 0.21.0: Exllama takes it (uint4b8, group 128 > 0, 48 % (32 / 4) = 0)
    exllama = _plan(QWEN35, "0.21.0", 2, dtype="float16")
    assert exllama.fits
    assert any("in_proj_ba" in w and "on Exllama" in w for w in exllama.warnings)
    # 0.23.0 lists HummingLinearKernel after Marlin: no act-order, no zero points -> Humming
    humming = _plan(QWEN35, "0.23.0", 2)
    assert any("in_proj_ba" in w and "on Humming" in w for w in humming.warnings)
    # 0.24.0 zero-pads Marlin's tiles: no warning, the same weights as 0.23.0
    padded = _plan(QWEN35, "0.24.0", 2)
    assert not any("Marlin" in w and "in_proj_ba" in w for w in padded.warnings)
    assert padded.weights_bytes_per_gpu == humming.weights_bytes_per_gpu


def test_awq_off_marlin_tiles_stops_on_its_own_cuda_gemm() -> None:
    # awq_marlin.py AWQMarlinConfig.get_quant_method: check_marlin_supports_layer fails for
    # in_proj_ba's 48 outputs at TP=2, so the layer goes to awq.py AWQLinearMethod, whose CUDA
    # kernels take float16 only (bfloat16: the profiling run's awq_dequantize refuses it) and
    # whose awq_gemm (below 256 tokens) wants OC % 64 == 0: 48 % 64 = 48 -> refused in float16
    # too; at TP=1 96 % 64 = 32 alike. o_proj etc. stay on Marlin
    with pytest.raises(LayoutRefused, match=r"^RuntimeError: expected scalar type Half but "
                       r"found BFloat16 \(vLLM 0\.21\.0 runs AWQ int4, group 128 \(W4A16\) "
                       r"with awq_marlin\.py's fallback .* \(in_proj_ba\), .*; in float16 "
                       r"awq_gemm raises in_proj_ba: OC is not multiple of cta_N = 64\)$"):
        _plan(QWEN35, "0.21.0", 2, quant="w4a16-awq-g128")
    for tp in (1, 2):
        with pytest.raises(LayoutRefused, match="^awq_gemm raises in_proj_ba: OC is not "
                           "multiple of cta_N = 64 "):
            _plan(QWEN35, "0.21.0", tp, quant="w4a16-awq-g128", dtype="float16")


def test_qwen35_moe_whole_in_proj_ba_fits_marlin_from_0_22() -> None:
    # Qwen3.5-35B-A3B: 32 value heads, in_proj_ba 64 outputs. Split at TP=2 (0.21.0): 32,
    # 32 % 64 = 32 -> refused; whole (0.22.0): 64 % 64 = 0 -> Marlin, nothing to say
    refusal, _ = marlin_shape_findings(QWEN35_MOE, GPTQ, 2, "bfloat16", (0, 21, 0), RTX3090,
                                       False)
    assert "output_size_per_partition = 32 is not divisible" in refusal[0]
    assert marlin_shape_findings(QWEN35_MOE, GPTQ, 2, "bfloat16", (0, 22, 0), RTX3090,
                                 True) == ((), ())
    # TP=1 keeps 64 on the one GPU in every release
    assert marlin_shape_findings(QWEN35_MOE, GPTQ, 1, "bfloat16", (0, 21, 0), RTX3090,
                                 False) == ((), ())


def test_hopper_machete_takes_what_marlin_does_not() -> None:
    # gpt-oss-20b: hidden 2,880 = 22 x 128 + 64, so qkv_proj's input misses Marlin's 128;
    # its output is (64 + 2 x 8) heads x 64 = 5,120. Machete (9.0 only, ahead of Marlin)
    # needs input % 64 (2,880 = 45 x 64) and output % 128 (5,120 = 40 x 128): takes it.
    gpt_oss = catalog_spec("openai/gpt-oss-20b")
    qkv = next(lay for lay in dense_linears(gpt_oss, 1, False) if lay.name == "qkv_proj")
    assert (qkv.out_size, qkv.in_size) == (5120, 2880)
    assert marlin_shape_findings(gpt_oss, GPTQ, 1, "bfloat16", (0, 21, 0), H100,
                                 False) == ((), ())
    refusal, _ = marlin_shape_findings(gpt_oss, GPTQ, 1, "bfloat16", (0, 21, 0), RTX3090,
                                       False)
    # (one space before min_thread_k: its f-strings end "divisible " and start "by min_thread_k")
    assert "input_size_per_partition = 2880 is not divisible by min_thread_k = 128" \
        in refusal[0]


def test_act_order_keeps_the_strict_check_until_0_30() -> None:
    # Qwen3-Next interleaves in_proj_ba and keeps it split: 2 x 32 / 2 = 32 per GPU at TP=2.
    # A stored GPTQ checkpoint with act-order (g_idx) is not padded before 0.30 (the
    # `if c.has_g_idx:` branch of MarlinLinearKernel.can_implement); Humming and Triton take
    # no g_idx: refused on 0.24.0. Without act-order 0.24.0 pads it. sym true, as the catalog's
    # Qwen3-235B-A22B-GPTQ-Int4 config writes it (AutoGPTQConfig refuses GPTQ without it)
    def stored(act_order: bool):
        return QWEN3_NEXT.model_copy(update={"quant": QuantSpec(
            method="gptq", scheme="w4a16-gptq-g128", weight_bits=4, group_size=128,
            act_order=act_order, symmetric=True, summary="int4 g128")})
    held = scheme("w4a16-gptq-g128")
    for release in ((0, 24, 0), (0, 29, 0)):  # the first padding release, the last strict one
        refusal, _ = marlin_shape_findings(stored(True), held, 2, "bfloat16", release, RTX3090,
                                           False)
        assert "output_size_per_partition = 32" in refusal[0]
    assert marlin_shape_findings(stored(False), held, 2, "bfloat16", (0, 24, 0), RTX3090,
                                 False) == ((), ())
    assert marlin_shape_findings(stored(True), held, 2, "bfloat16", (0, 30, 0), RTX3090,
                                 False) == ((), ())


def test_sweep_skips_the_refused_layouts_with_the_reason() -> None:
    # Qwen3.5-35B-A3B on 4 RTX 3090s, vLLM 0.21.0, GPTQ int4: TP=1 (64 outputs) loads, TP=2
    # (32) and TP=4 (16) find no kernel; their reason is in `refused`
    result = sweep(QWEN35_MOE, preset_cluster("rtx-3090", 4),
                   EngineSettings(max_model_len=4096, vllm_version="0.21.0"),
                   quant_keys=["w4a16-gptq-g128"], kv_dtypes=["auto"],
                   layouts=[ParallelLayout(tp=tp) for tp in (1, 2, 4)])
    assert {row.layout.tp for row in result.rows} == {1}
    assert any("output_size_per_partition = 16 is not divisible" in why
               for why in result.refused)


def test_awq_off_marlin_groups_meets_awq_gemm_shape_checks_in_float16() -> None:
    # AWQ int4 g256 on NVIDIA: every dense layer on AWQ's own CUDA GEMM (awq.py to 0.23.0,
    # auto_awq.py AutoAWQLinearMethod from 0.24.0), whose awq_gemm wants OC % 64 == 0 and
    # OC % group == 0. granite-3.1-2b: hidden 2048, 32 heads, 8 kv heads, head_dim 64. TP=8:
    # qkv_proj = 32/8 x 64 + 2 x 8/8 x 64 = 256 + 128 = 384; 384 % 64 = 0, 384 % 256 = 128 ->
    # "OC is not multiple of Group size". TP=4: 8 x 64 + 2 x 2 x 64 = 768 = 3 x 256; o_proj
    # 2048 out, gate_up 2 x 8192 / 4 = 4096 -> runs
    granite = catalog_spec("ibm-granite/granite-3.1-2b-instruct")
    for release in ("0.23.0", "0.24.0", "0.33.0"):
        with pytest.raises(LayoutRefused, match="^awq_gemm raises qkv_proj: OC is not multiple "
                           f"of Group size \\(vLLM {release} runs AWQ int4, group 256"):
            _plan(granite, release, 8, quant="w4a16-awq-g256", dtype="float16")
        assert _plan(granite, release, 4, quant="w4a16-awq-g256", dtype="float16").fits
    # group 128 takes Marlin (384 % 64 = 0, 2048 % 128 = 0): no AWQ GEMM
    assert _plan(granite, "0.24.0", 8, quant="w4a16-awq-g128", dtype="float16").fits
