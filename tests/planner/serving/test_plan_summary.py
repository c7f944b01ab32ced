"""plan_summary(): the sweep's light path must give exactly the figures of the full plan()."""

import pytest

from planner.catalog import catalog_spec as _spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout, layout_errors
from planner.serving.plan import PlanRequest, PlanSummary, plan, plan_summary
from planner.units import GIB

CASES = [
    # dense GQA, TP and PP; the last PP stage also runs the sampler
    ("meta-llama/Llama-3.1-8B-Instruct", "h100-sxm", 4, ParallelLayout(tp=2, pp=2), {}),
    # the seed scenario as a what-if and from its own GPTQ checkpoint, EP on and off
    ("Qwen/Qwen3-235B-A22B", "rtx-3090", 8, ParallelLayout(tp=8),
     {"target_quant": "w4a16-gptq-g128"}),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "rtx-3090", 8, ParallelLayout(tp=4, pp=2, ep=True), {}),
    # 60 experts over EP 8: ranks 0-3 hold 8 experts, ranks 4-7 hold 7 (uneven weights)
    ("Qwen/Qwen1.5-MoE-A2.7B", "rtx-3090", 8, ParallelLayout(tp=8, ep=True), {}),
    # sliding + full groups; MLA; hybrid GDN + attention with a raised block size
    ("openai/gpt-oss-20b", "h100-sxm", 2, ParallelLayout(tp=2), {"kv_cache_dtype": "fp8"}),
    ("deepseek-ai/DeepSeek-V2-Lite-Chat", "h100-sxm", 2, ParallelLayout(pp=2),
     {"vllm_version": "0.19"}),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "h100-sxm", 4, ParallelLayout(tp=4),
     {"max_model_len": 65536}),
    # does not fit: the errors and verdict must agree too
    ("meta-llama/Llama-3.1-70B-Instruct", "rtx-3090", 2, ParallelLayout(tp=2), {}),
]


@pytest.mark.parametrize(("repo_id", "gpu", "gpus", "layout", "engine"), CASES)
def test_summary_equals_full_plan(repo_id, gpu, gpus, layout, engine):
    spec = _spec(repo_id)
    cluster = preset_cluster(gpu, gpus)
    request = PlanRequest(model=spec, cluster=cluster, layout=layout,
                          engine=EngineSettings(**engine))
    full = plan(request)
    validated = not layout_errors(spec, cluster, layout)
    summary = plan_summary(request, validated=validated)
    for name in PlanSummary.model_fields:
        assert getattr(summary, name) == getattr(full, name), name


def test_uneven_ep_reports_the_heavier_rank():
    # Qwen1.5-MoE: 24 layers x 60 experts x 3 x 2048 x 1408 params; EP 8 -> the first four
    # ranks hold 8 experts, the last four 7: one expert per layer more = 24 x 3 x 2048 x 1408
    # x 2 B = 0.39 GiB more weights on rank 0 than on rank 7.
    request = PlanRequest(model=_spec("Qwen/Qwen1.5-MoE-A2.7B"),
                          cluster=preset_cluster("rtx-3090", 8),
                          layout=ParallelLayout(tp=8, ep=True))
    full = plan(request)
    heavy, light = full.per_gpu[0].weights_bytes, full.per_gpu[7].weights_bytes
    assert (heavy - light) / GIB == pytest.approx(24 * 3 * 2048 * 1408 * 2 / GIB, rel=1e-6)
    summary = plan_summary(request, validated=True)
    assert summary.weights_bytes_per_gpu == heavy
    assert summary.num_gpu_blocks == full.per_gpu[0].num_blocks  # the heavy rank binds


def test_unvalidated_summary_reports_layout_errors():
    request = PlanRequest(model=_spec("meta-llama/Llama-3.1-8B-Instruct"),
                          cluster=preset_cluster("h100-sxm", 2), layout=ParallelLayout(tp=4))
    summary = plan_summary(request)
    assert not summary.fits and summary.errors == plan(request).errors
    assert any("needs 4 GPUs" in e for e in summary.errors)
