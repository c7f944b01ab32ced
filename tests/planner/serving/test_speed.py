"""planner.serving.speed: the API, the physics the model must respect, the measured facts."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.quant import scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import (
    FITTED,
    ServingLoad,
    estimate_speed,
    expected_experts_touched,
    kernel_family,
)


def _spec(repo_id: str):
    entry = catalog_entry(repo_id)
    return parse_model_config(entry.config, entry.hf_quant_config, name=repo_id)


QWEN_INT4 = _spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
SEED = EngineSettings(max_model_len=40960)


def _seed(layout: ParallelLayout, link: str | None = None) -> PlanRequest:
    return PlanRequest(model=QWEN_INT4, cluster=preset_cluster("rtx-3090", 8, intra_node_link=link),
                       layout=layout, engine=SEED)


def test_gpt_oss_120b_batch_64_touches_111_of_128_experts() -> None:
    # 128 x (1 - (1 - 4/128)^64) = 128 x (1 - 0.96875^64) = 128 x (1 - 0.1311) = 111.2
    assert expected_experts_touched(128, 4, 64) == pytest.approx(111.2, abs=0.1)
    assert expected_experts_touched(128, 4, 1) == pytest.approx(4.0)


def test_kernel_families_per_generation() -> None:
    fp8, nvfp4, gptq = scheme("fp8-block128"), scheme("nvfp4"), scheme("w4a16-gptq-g128")
    assert kernel_family(fp8, gpu_preset("rtx-3090")) == ("weight-only", "bf16")  # Marlin W8A16
    assert kernel_family(fp8, gpu_preset("rtx-4090")) == ("fp8", "fp8")
    assert kernel_family(fp8, gpu_preset("h100-sxm")) == ("fp8", "fp8")
    assert kernel_family(nvfp4, gpu_preset("h100-sxm")) == ("weight-only", "bf16")
    assert kernel_family(nvfp4, gpu_preset("b200")) == ("fp4", "nvfp4")
    assert kernel_family(gptq, gpu_preset("b200")) == ("weight-only", "bf16")


def test_a_plan_that_does_not_fit_has_no_speed() -> None:
    request = PlanRequest(model=QWEN_INT4, cluster=preset_cluster("rtx-3090", 2),
                          layout=ParallelLayout(tp=2), engine=SEED)
    assert not plan(request).fits
    assert estimate_speed(request) is None


def test_a_request_longer_than_the_ceiling_has_no_speed() -> None:
    assert estimate_speed(_seed(ParallelLayout(tp=8)), ServingLoad(input_len=40000,
                                                                   output_len=2000)) is None


def test_estimate_fields_and_terms() -> None:
    est = estimate_speed(_seed(ParallelLayout(tp=8, ep=True)))
    assert est is not None and est.concurrency == 1 and not est.kv_bound
    assert est.output_tokens_per_s_per_request == pytest.approx(1000 / est.tpot_ms)
    assert est.prefill_tokens_per_s == pytest.approx(1024 / (est.prefill_ms / 1000))
    keys = {t.key for t in est.terms}
    assert {"decode_weights", "allreduce", "prefill", "ttft", "tpot"} <= keys
    assert all(t.formula for t in est.terms)
    assert est.link == "pcie-no-p2p"


def test_concurrency_is_capped_by_the_kv_cache() -> None:
    request = _seed(ParallelLayout(tp=8, ep=True))
    p = plan(request)
    est = estimate_speed(request, ServingLoad(concurrency=1000), plan_result=p)
    assert est.kv_bound
    assert est.concurrency == p.kv_cache_tokens // 2048 == est.kv_limited_concurrency
    assert any("capped" in n for n in est.notes)


def test_pipeline_raises_throughput_not_single_request_speed() -> None:
    tp8 = estimate_speed(_seed(ParallelLayout(tp=8, ep=True)))
    pp8 = estimate_speed(_seed(ParallelLayout(tp=1, pp=8)))
    pp8_busy = estimate_speed(_seed(ParallelLayout(tp=1, pp=8)), ServingLoad(concurrency=32))
    # PP=8 reads the same bytes per token as one GPU would, in turn: no faster alone
    assert pp8.tpot_ms > 0.9 * tp8.tpot_ms
    assert pp8.prefill_ms > tp8.prefill_ms
    # with 32 requests the 8 stages work at once: throughput grows more than 8x
    assert pp8_busy.output_tokens_per_s > 8 * pp8.output_tokens_per_s


def test_pcie_without_p2p_costs_prefill_more_than_decode() -> None:
    # Measured (issue 10): on 2x RTX 3090 P2P off costs 3-5 % of decode but 35-49 % of
    # prefill. The model must show the same ordering: prefill is bandwidth-bound on the link.
    spec = _spec("Qwen/Qwen3-32B")
    engine = EngineSettings(max_model_len=8192, target_quant="w4a16-gptq-g128")

    def speed(link: str):
        request = PlanRequest(model=spec, cluster=preset_cluster("rtx-3090", 2,
                              intra_node_link=link), layout=ParallelLayout(tp=2), engine=engine)
        return estimate_speed(request, ServingLoad(input_len=4096, output_len=256))

    p2p, host = speed("pcie"), speed("pcie-no-p2p")
    decode_cost = host.tpot_ms / p2p.tpot_ms - 1
    prefill_cost = host.prefill_ms / p2p.prefill_ms - 1
    assert 0 < decode_cost < 0.10
    assert prefill_cost > 2 * decode_cost


def test_fitted_coefficients_are_physical() -> None:
    assert all(0 < e <= 1 for e in FITTED.bandwidth_efficiency.values())
    assert 0 < FITTED.compute_efficiency <= 1
