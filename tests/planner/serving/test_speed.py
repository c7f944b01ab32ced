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
    # a request in flight holds its prompt and on average half its output: 1024 + 512 tokens
    assert est.concurrency == p.kv_cache_tokens // 1536 == est.kv_limited_concurrency
    assert any("capped" in n for n in est.notes)


def test_pipeline_raises_throughput_not_single_request_speed() -> None:
    spec = _spec("meta-llama/Llama-3.1-8B-Instruct")

    def speed(layout: ParallelLayout, concurrency: int):
        request = PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2), layout=layout,
                              engine=EngineSettings(max_model_len=8192))
        return estimate_speed(request, ServingLoad(concurrency=concurrency))

    tp1, pp2, tp2 = (ParallelLayout(), ParallelLayout(pp=2), ParallelLayout(tp=2))
    # alone, a token walks both stages in turn: no faster than one GPU doing all the layers
    assert speed(pp2, 1).tpot_ms > 0.97 * speed(tp1, 1).tpot_ms
    assert speed(tp2, 1).tpot_ms < 0.8 * speed(tp1, 1).tpot_ms  # TP splits every layer
    # busy, both stages work at once on two micro-batches: more tokens/s than one GPU
    assert speed(pp2, 64).output_tokens_per_s > 1.2 * speed(tp1, 64).output_tokens_per_s
    assert speed(pp2, 64).tpot_ms < 2 * speed(pp2, 1).tpot_ms


def _qwen3_32b_on_3090s(tp: int, link: str):
    request = PlanRequest(model=_spec("Qwen/Qwen3-32B"),
                          cluster=preset_cluster("rtx-3090", tp, intra_node_link=link),
                          layout=ParallelLayout(tp=tp),
                          engine=EngineSettings(max_model_len=8192,
                                                target_quant="w4a16-gptq-g128"))
    return estimate_speed(request, ServingLoad(input_len=4096, output_len=256))


def test_pcie_without_p2p_costs_prefill_more_than_decode() -> None:
    # Measured (issue 10, public runs): on 2x RTX 3090, P2P off costs 3-5 % of decode but
    # 35-49 % of prefill. Decode all-reduces are small (latency), prefill's are large
    # (bandwidth, 5x lower through host memory).
    p2p, host = _qwen3_32b_on_3090s(2, "pcie"), _qwen3_32b_on_3090s(2, "pcie-no-p2p")
    decode_cost = host.tpot_ms / p2p.tpot_ms - 1
    prefill_cost = host.prefill_ms / p2p.prefill_ms - 1
    # the model: decode +8.7 % (above the measured 3-5 %: the 10 us host-staged hop latency
    # is an estimate), prefill +24 % (below 35-49 %)
    assert 0 < decode_cost < 0.10
    assert 0.2 < prefill_cost < 0.6
    assert prefill_cost > 2 * decode_cost


def test_tp4_over_tp2_on_3090s_helps_prefill_more_than_decode() -> None:
    # Measured (issue 10): TP=2 -> TP=4 on 3090s leaves single-stream decode about flat but
    # speeds prefill 55-62 %. The model: halving the weights per GPU is eaten by 3x the ring
    # hops per all-reduce; prefill halves its compute per GPU.
    tp2, tp4 = _qwen3_32b_on_3090s(2, "pcie-no-p2p"), _qwen3_32b_on_3090s(4, "pcie-no-p2p")
    decode_gain = tp2.tpot_ms / tp4.tpot_ms - 1
    prefill_gain = tp2.prefill_ms / tp4.prefill_ms - 1
    assert abs(decode_gain) < 0.2
    assert prefill_gain > 0.25 and prefill_gain > decode_gain + 0.15


@pytest.mark.xfail(strict=True, reason="the model gives 80 % of the roofline, not the measured "
                   "61 %: its FP4 efficiency (0.821) is fitted on B200/B300 HBM3e rows; GB10's "
                   "LPDDR5X unified memory is not in the calibration data")
def test_dgx_spark_decodes_near_61_percent_of_its_bandwidth_roofline() -> None:
    # Measured (issue 10): a DGX Spark decodes Llama-3.3-70B NVFP4 at ~61 % of its bandwidth
    # roofline (weights / 273 GB/s). Llama-3.3-70B has Llama-3.1-70B's architecture.
    request = PlanRequest(model=_spec("meta-llama/Llama-3.1-70B-Instruct"),
                          cluster=preset_cluster("dgx-spark-gb10", 1),
                          engine=EngineSettings(max_model_len=8192, target_quant="nvfp4"))
    est = estimate_speed(request, ServingLoad(input_len=128, output_len=256))
    # bytes a token reads: 80 layers x (2 x 8192^2 q, o + 2 x 8192 x 1024 k, v + 3 x 8192 x
    # 28,672 MLP) = 68,451,041,280 weights x 4.5/8 B (NVFP4) + lm_head 128,256 x 8192 x 2 B
    # = 38.504 + 2.101 = 40.605 GB -> 40.605 / 273 GB/s = 148.7 ms
    roofline_ms = (68_451_041_280 * 4.5 / 8 + 128_256 * 8192 * 2) / 273e9 * 1e3
    assert est.kernel == "fp4"
    assert roofline_ms / est.tpot_ms == pytest.approx(0.61, abs=0.09)


def test_fitted_coefficients_are_physical() -> None:
    assert all(0 < e <= 1 for e in FITTED.bandwidth_efficiency.values())
    assert 0 < FITTED.compute_efficiency <= 1
