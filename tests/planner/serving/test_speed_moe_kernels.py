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
  = 2.8841e13 FLOP / (1,979 TFLOP/s x the fitted compute efficiency) = 23.13 ms at 0.63.
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest
from planner.serving.speed import FITTED, ServingLoad, estimate_speed

ENTRY = catalog_entry("Qwen/Qwen3-235B-A22B-FP8")
QWEN_FP8 = parse_model_config(ENTRY.config, ENTRY.hf_quant_config, name=ENTRY.repo_id)
PADDING_FLOP = 2 * 9_437_184 * 94 * 128 * 127  # 2.8841e13


def _est(version: str, tp: int = 2, ep: bool = False, gpu: str = "h200"):
    request = PlanRequest(model=QWEN_FP8, cluster=preset_cluster(gpu, 8),
                          layout=ParallelLayout(tp=tp, ep=ep),
                          engine=EngineSettings(max_model_len=4096, vllm_version=version))
    return estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))


def _padding_ms(est) -> float | None:
    term = next((t for t in est.terms if t.key == "decode_moe_padding"), None)
    return None if term is None else term.value


def test_vllm_0_12_pads_every_expert_to_128_rows() -> None:
    assert pytest.approx(2.8841e13, rel=1e-4) == PADDING_FLOP
    hand_ms = PADDING_FLOP / (1979e12 * FITTED.compute_efficiency) * 1e3
    assert pytest.approx(23.13, abs=0.01) == PADDING_FLOP / (1979e12 * 0.63) * 1e3
    old, new = _est("0.12.0"), _est("0.15.0")
    assert _padding_ms(old) == pytest.approx(hand_ms, rel=1e-3)
    # the padding is added to the step, everything else equal: one request, no prefill
    # interference, so the TPOTs differ by exactly the padded rows
    assert _padding_ms(new) is None
    assert old.tpot_ms - new.tpot_ms == pytest.approx(hand_ms, rel=1e-3)


def test_deepgemm_moe_is_off_at_moe_tp_8_and_before_0_12_on_hopper() -> None:
    # get_fp8_moe_backend: DeepGEMM MoE off by default when the MoE's TP size is >= 8;
    # with expert parallelism the MoE's TP size is 1 and each GPU pads its 16 experts:
    # 2 x 18,874,368 x 94 x 16 x 127 = 7.2103e12 FLOP, a quarter of TP=2's
    assert _padding_ms(_est("0.12.0", tp=8)) is None
    ep = _padding_ms(_est("0.12.0", tp=8, ep=True))
    assert ep == pytest.approx(2 * 18_874_368 * 94 * 16 * 127
                               / (1979e12 * FITTED.compute_efficiency) * 1e3, rel=1e-3)
    # 0.11 on Hopper needs VLLM_USE_DEEP_GEMM_E8M0_HOPPER for DeepGEMM below 128 tokens
    assert _padding_ms(_est("0.11.0")) is None


def test_blackwell_pads_too_at_its_own_fp8_rate() -> None:
    # is_deep_gemm_supported: sm90 and sm100; B200 FP8 4,500 TFLOP/s dense (datasheet),
    # TP=4: 2 x 4,718,592 x 94 x 128 x 127 = 1.4421e13 FLOP
    ms = _padding_ms(_est("0.14.0", tp=4, gpu="b200"))
    assert ms == pytest.approx(2 * 4_718_592 * 94 * 128 * 127
                               / (4500e12 * FITTED.compute_efficiency) * 1e3, rel=1e-3)


def test_only_moe_layers_pay_the_moe_layer_overhead() -> None:
    # Llama-3.1-70B (config.json: 80 layers, dense MLPs): 1.36 us + 80 x 67.8 us = 5,425.36 us;
    # Qwen3-235B-A22B-FP8 at TP=8 (no DeepGEMM padding there): 94 MoE layers,
    # 1.36 + 94 x (67.8 + 17.8) = 8,047.76 us at the coefficients refitted on 2026-12-01
    entry = catalog_entry("meta-llama/Meta-Llama-3.1-70B")
    llama = parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)
    request = PlanRequest(model=llama, cluster=preset_cluster("h200", 8),
                          layout=ParallelLayout(tp=8), engine=EngineSettings(max_model_len=4096))
    dense = estimate_speed(request, ServingLoad(input_len=1024, output_len=1024))
    moe = _est("0.15.0", tp=8)
    c = FITTED
    dense_us, moe_us = (next(t.value for t in e.terms if t.key == "step_overhead") * 1e3
                        for e in (dense, moe))
    assert dense_us == pytest.approx(c.step_overhead_us + 80 * c.layer_overhead_us)
    assert moe_us == pytest.approx(c.step_overhead_us + 94 * (
        c.layer_overhead_us + c.moe_layer_overhead_us))
    assert (dense_us, moe_us) == pytest.approx((5425.36, 8047.76), abs=0.01)
