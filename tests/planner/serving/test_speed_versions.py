"""planner.serving.speed on vLLM 0.9.1-0.10.x: each release's kernels, read from its wheel.

Hand figures, none read from the code under test:
- MXFP4 experts (gpt-oss): the 0.10.1 wheel (torch==2.7.1 in METADATA) runs them on Marlin on
  every CUDA GPU but compute capability 10.0 (quantization/mxfp4.py Mxfp4MoEMethod.
  _should_use_marlin: `not is_torch_equal_or_newer("2.8.0")`); 10.0 takes FlashInfer's
  TRT-LLM MXFP4 x BF16 MoE (_should_use_flashinfer_mxfp4_bf16: is_device_capability(100), an
  exact match, so not B300's 10.3). The 0.10.2 wheel (torch 2.8.0, get_mxfp4_backend):
  FlashInfer on 10.0, Marlin below 9.0, triton_kernels on every other GPU (H100's 9.0, B300's
  10.3, RTX 5090's 12.0); the 0.11.0-0.11.2 wheels the same. The 0.12.0 wheel: triton_kernels
  only on 9.0 <= capability < 11.0 (12.0 back to Marlin); the 0.13.0 wheel: FlashInfer on
  is_device_capability_family(100), B300 too (test_speed_moe_kernels.py for 0.19).
  The 0.9.1-0.10.0 wheels have no quantization/mxfp4.py at all.
- Marlin MoE's SM-bound read rate on H100 (FP32 67 TFLOP/s, datasheet): 0.0395 B/FLOP (FITTED,
  the 2026-12-05 refit on the 846 fit rows) x 67e12 = 2,646.5 GB/s, below the bandwidth one,
  3,350 GB/s x 0.9 x 0.901 = 2,716.5 GB/s (0.0403 before: 2,700 GB/s).
- CUDA graphs: piecewise only before 0.11 (0.10.2 config/__init__.py: an unset cudagraph_mode
  becomes PIECEWISE; 0.11.0: FULL_AND_PIECEWISE). Symmetric-memory all-reduce: off before 0.11
  (envs.py VLLM_ALLREDUCE_USE_SYMM_MEM "0" in 0.10.2, "1" in 0.11.0), so messages of 8 MiB or
  more go from vLLM's custom all-reduce straight to pynccl (cuda_communicator.py all_reduce).
  Neither changes a figure (no source sizes the difference): the terms say "unverified".
"""

import pytest

from planner.catalog import catalog_spec as _spec
from planner.model.quant import scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import estimate_speed
from planner.serving.speed.kernels import kernel_family, moe_kernel
from planner.serving.vllm_versions import EngineError

GPT_OSS = _spec("openai/gpt-oss-120b")
LLAMA_70B = _spec("meta-llama/Meta-Llama-3.1-70B")


def _gpt_oss(gpu: str, version: str) -> PlanRequest:
    return PlanRequest(model=GPT_OSS, cluster=preset_cluster(gpu, 2), layout=ParallelLayout(tp=2),
                       engine=EngineSettings(max_model_len=8192, vllm_version=version))


def _term(est, key: str):
    return next(t for t in est.terms if t.key == key)


def test_gpt_oss_on_h100_runs_marlin_moe_under_0_10_1_and_triton_from_0_10_2() -> None:
    old = estimate_speed(_gpt_oss("h100-sxm", "0.10.1"))
    weights = _term(old, "decode_weights").formula
    assert old.kernel == "weight-only"
    assert "MoE kernel marlin-moe" in weights
    # FITTED's 0.0395 B/FLOP (the 2026-12-05 refit on the 846 fit rows) x H100's 67 TFLOP/s
    # FP32 = 2,646.5 GB/s (2,700.1 at 0.0403 before)
    assert "= 2,646 GB/s, Marlin MoE's SM-bound rate" in weights
    for version in ("0.10.2", "0.11.0"):
        new = estimate_speed(_gpt_oss("h100-sxm", version))
        assert new.kernel == "fp4"
        assert "MoE kernel triton-mxfp4" in _term(new, "decode_weights").formula


@pytest.mark.parametrize(("gpu", "version", "kernel", "memory_side"), [
    ("b200", "0.10.1", "flashinfer-trtllm-mxfp4", "FlashInfer"),  # 10.0 exactly
    ("b300", "0.10.1", "marlin-moe", "Marlin"),  # 10.3 is not 10.0: torch 2.7.1 -> Marlin
    ("h100-sxm", "0.10.1", "marlin-moe", "Marlin"),
    ("b300", "0.10.2", "triton-mxfp4", "Triton"),  # 10.3 >= 9.0, not 10.0: triton_kernels
    ("b200", "0.10.2", "flashinfer-trtllm-mxfp4", "FlashInfer"),
    ("h100-sxm", "0.10.2", "triton-mxfp4", "Triton"),
    # 0.10.1 quantization/mxfp4.py:123-135 _should_use_marlin: CUDA, not 10.0, below 9.0
    ("a100-80gb", "0.10.1", "marlin-moe", "Marlin"),
])
def test_mxfp4_moe_kernel_is_the_one_the_memory_side_pads_for(gpu: str, version: str,
                                                                kernel: str,
                                                                memory_side: str) -> None:
    request = _gpt_oss(gpu, version)
    est = estimate_speed(request)
    assert f"MoE kernel {kernel}" in _term(est, "decode_weights").formula
    # the plan's note on the MXFP4 padding (mxfp4.mxfp4_note) names the same kernel
    assert any(memory_side in w and "MXFP4" in w for w in plan(request).warnings), \
        plan(request).warnings


@pytest.mark.parametrize(("gpu", "version", "family", "kernel"), [
    # 0.11.0-0.11.2 get_mxfp4_backend is 0.10.2's: FlashInfer on exactly 10.0, triton_kernels
    # on any other capability >= 9.0
    ("b300", "0.11.0", "fp4", "triton-mxfp4"),
    ("rtx-5090", "0.11.2", "fp4", "triton-mxfp4"),
    # 0.12.0: triton_kernels only on 9.0 <= capability < 11.0, FlashInfer still exactly 10.0
    ("b300", "0.12.0", "fp4", "triton-mxfp4"),
    ("rtx-5090", "0.12.0", "weight-only", "marlin-moe"),
    # 0.13.0: is_device_capability_family(100): every 10.x
    ("b300", "0.13.0", "fp4", "flashinfer-trtllm-mxfp4"),
    ("b300", "0.33.0", "fp4", "flashinfer-trtllm-mxfp4"),
    ("h100-sxm", "0.12.0", "fp4", "triton-mxfp4"),
    ("rtx-3090", "0.11.0", "weight-only", "marlin-moe"),
    # 0.19.0 fused_moe/oracle/mxfp4.py select_mxfp4_moe_backend on GB10 (12.1), first supported
    # of _get_priority_backends (l.169-184): FlashInfer TRT-LLM needs is_device_capability_family
    # (100) (experts/trtllm_mxfp4_moe.py:79-81), triton_kernels 9.0 <= cc < 11.0
    # (gpt_oss_triton_kernels_moe.py:555-564, 887-896; fused and unfused), FlashInfer CUTLASS
    # takes (kMxfp4Static, None) only on is_device_capability(90) (flashinfer_cutlass_moe.py
    # 143-178): Marlin (fused_marlin_moe.py:565-567, >= 7.5)
    ("dgx-spark-gb10", "0.19.0", "weight-only", "marlin-moe"),
])
def test_mxfp4_backend_per_release_from_0_11(gpu: str, version: str, family: str,
                                              kernel: str) -> None:
    fmt, spec = scheme("mxfp4"), gpu_preset(gpu)
    got, _ = kernel_family(fmt, spec, version)
    assert got == family
    assert moe_kernel(fmt, spec, got, version) == kernel


def test_mxfp4_before_0_10_1_is_refused() -> None:
    qwen = _spec("Qwen/Qwen3-30B-A3B")
    request = PlanRequest(model=qwen, cluster=preset_cluster("h100-sxm", 1),
                          layout=ParallelLayout(),
                          engine=EngineSettings(max_model_len=8192, target_quant="mxfp4",
                                                vllm_version="0.10.0"))
    with pytest.raises(EngineError, match="no MXFP4 quantization"):
        plan(request)


def _llama(version: str, eager: bool = False):
    request = PlanRequest(model=LLAMA_70B, cluster=preset_cluster("h100-sxm", 8),
                          layout=ParallelLayout(tp=8),
                          engine=EngineSettings(max_model_len=8192, vllm_version=version,
                                                enforce_eager=eager))
    return estimate_speed(request)


def test_piecewise_graphs_before_0_11_label_the_fitted_layer_overhead_unverified() -> None:
    old, new = _llama("0.10.2"), _llama("0.11.0")
    old_term, new_term = _term(old, "step_overhead"), _term(new, "step_overhead")
    assert "piecewise CUDA graphs only" in old_term.note
    assert "unverified for 0.10.2" in old_term.note
    assert any("piecewise CUDA graphs only" in n for n in old.notes)
    assert "piecewise" not in new_term.note and "unverified for" not in new_term.note
    # a decode step of piecewise graphs adds the per-layer cost vLLM PR #20059 measured
    # (FlashAttention 2, Qwen2.5-1.5B-Instruct's 28 layers: TPOT median 5.42 ms piecewise,
    # 5.02 with full decode graphs: 0.40 / 28 = 14.3 us), unscaled by the clock: Llama-3.1-70B's
    # 80 layers x 14.3 us = 1.144 ms on top of the same fitted overhead
    assert old_term.value - new_term.value == pytest.approx(80 * 14.3e-3)
    assert "14.3 us x 80 layers measured for piecewise CUDA graphs" in old_term.formula
    assert "vLLM PR #20059" in old_term.note
    assert old.tpot_ms - new.tpot_ms == pytest.approx(80 * 14.3e-3, abs=1e-6)
    # --enforce-eager captures no graphs on either release: nothing to label
    assert "piecewise" not in _term(_llama("0.10.2", eager=True), "step_overhead").note


def test_prefill_allreduce_runs_on_nccl_without_symmetric_memory_before_0_11() -> None:
    old = _term(_llama("0.10.2"), "allreduce").note
    new = _term(_llama("0.11.0"), "allreduce").note
    assert "NCCL (NVLink, message >= 8 MiB; no symmetric-memory all-reduce" in old
    assert "unverified for 0.10.2" in old
    assert "torch symmetric memory or NCCL (NVLink, message >= 8 MiB)" in new
    assert "unverified for" not in new
    # decode messages stay on vLLM's custom all-reduce (< 8 MiB) on both
    assert "decode: vLLM custom all-reduce (NVLink)" in old
