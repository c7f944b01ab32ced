"""planner.serving.replicas: the facts the search above one node rests on, on real plans.

Each test plans the real thing (vLLM's memory rules, the speed model) and checks the
structural fact the bound uses, so a change to the plan or the speed model that breaks it
fails here instead of silently skipping GPU counts that serve.
"""

import math

import pytest

from planner.catalog import catalog_spec as _spec
from planner.model.quant import checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, PlanSummary, summary_figures
from planner.serving.replicas import SLACK, Family, families, lowest_counts, relaxed_speed
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.sweep import quant_settings

QWEN8 = _spec("Qwen/Qwen3-8B")
QWEN30 = _spec("Qwen/Qwen3-30B-A3B")
LOAD = ServingLoad(input_len=1024, output_len=256)
SETTINGS = EngineSettings(max_model_len=1280, kv_cache_dtype="fp8")


def _speed(spec, cluster, layout, settings, concurrency):
    figures = summary_figures(spec, cluster, layout, settings)
    request = PlanRequest.model_construct(model=spec, cluster=cluster, layout=layout,
                                          engine=settings)
    return figures, estimate_speed(request, LOAD.model_copy(update={"concurrency":
                                                                    concurrency}),
                                   plan_result=PlanSummary.model_construct(**figures))


@pytest.mark.parametrize(("spec", "gpu", "tp", "pp"), [
    (QWEN8, "h100-sxm", 1, 1), (QWEN8, "rtx-3090", 2, 2)])
def test_a_dense_replica_does_not_depend_on_dp(spec, gpu, tp, pp) -> None:
    """dp replicas of one replica: the same figures per replica, dp x its output tokens/s at
    dp x its requests (what lets the search compute a rate's replica count)."""
    cluster = preset_cluster(gpu, 8, 4)
    one, alone = _speed(spec, cluster, ParallelLayout(tp=tp, pp=pp), SETTINGS, 24)
    dp = 32 // (tp * pp)
    many, together = _speed(spec, cluster, ParallelLayout(tp=tp, pp=pp, dp=dp), SETTINGS,
                            24 * dp)
    for key in ("fits", "kv_cache_tokens", "max_concurrency", "max_num_seqs",
                "weights_bytes_per_gpu", "kv_cache_bytes_per_gpu"):
        assert one[key] == many[key], key
    assert together.output_tokens_per_s == pytest.approx(dp * alone.output_tokens_per_s)
    assert together.tpot_ms == pytest.approx(alone.tpot_ms)


def test_a_moe_replica_without_ep_depends_on_dp() -> None:
    """vLLM slices a MoE model's routed experts over tp x dp without EP (ParallelLayout.
    expert_tp): Qwen3-30B-A3B bf16 routed experts 48 x 128 x 3 x 2048 x 768 x 2 B =
    57,982,058,496 B; TP=2 holds a half per GPU, TP=2 x DP=16 a 32nd: 28,991,029,248 -
    1,811,939,328 = 27,179,089,920 B less per GPU, so its family fixes DP."""
    cluster = preset_cluster("a100-80gb", 8, 4)
    one = summary_figures(QWEN30, cluster, ParallelLayout(tp=2), SETTINGS)
    many = summary_figures(QWEN30, cluster, ParallelLayout(tp=2, dp=16), SETTINGS)
    assert one["weights_bytes_per_gpu"] - many["weights_bytes_per_gpu"] == 27_179_089_920
    # tp=2 at up to 16 GPUs: 768 % (2 x dp) == 0 for dp 1, 2, 3, 4, 6, 8 (10 and 14 do not
    # divide 768); with EP 128 % (2 x dp) == 0: dp 1, 2, 4, 8
    fams = families(QWEN30, cluster, ("bf16",), ("auto",), 16, "0.33.0")
    assert [f.dp for f in fams if f.tp == 2 and not f.ep] == [1, 2, 3, 4, 6, 8]
    assert [f.dp for f in fams if f.tp == 2 and f.ep] == [1, 2, 4, 8]
    # a dense model's family takes any DP
    assert [f.dp for f in families(QWEN8, cluster, ("bf16",), ("auto",), 16, "0.33.0")
            if f.tp == 2] == [0]


@pytest.mark.parametrize(("spec", "gpu", "quant"), [
    (QWEN8, "b300", "nvfp4"), (QWEN8, "rtx-3090", "w8a8-int8"), (QWEN30, "h100-sxm", "bf16"),
    (QWEN30, "l40s", "fp8-tensor")])
def test_no_pp_replica_beats_the_relaxed_pp1_replica_per_gpu(spec, gpu, quant) -> None:
    """The bound: a TP x PP replica at vLLM's max_num_seqs, with its real KV room, gives at
    most the output tokens/s per GPU of the TP x 1 replica with unlimited KV room; and its
    TPOT with one request in flight is no lower."""
    settings = SETTINGS.model_copy(update=quant_settings(quant, checkpoint_scheme(spec).key))
    cluster = preset_cluster(gpu, 8, 8)
    for tp in (1, 2):
        base = ParallelLayout(tp=tp)
        figures = summary_figures(spec, cluster, base, settings)
        bound = relaxed_speed(spec, cluster, base, settings, LOAD, figures, None)
        first = relaxed_speed(spec, cluster, base, settings, LOAD, figures, 1)
        for pp in (2, 3, 4, 6):
            layout = ParallelLayout(tp=tp, pp=pp)
            member, top = _speed(spec, cluster, layout, settings, figures["max_num_seqs"])
            if not member["fits"]:
                continue
            assert top.output_tokens_per_s / (tp * pp) <= bound.output_tokens_per_s / tp
            _, one = _speed(spec, cluster, layout, settings, 1)
            assert one.tpot_ms >= first.tpot_ms


@pytest.mark.parametrize(("spec", "gpu", "quant", "base"), [
    (QWEN8, "rtx-3090", "w8a8-int8", ParallelLayout(tp=2)),
    (QWEN30, "h100-sxm", "bf16", ParallelLayout(tp=1, dp=4)),
    (QWEN30, "h100-sxm", "fp8-tensor", ParallelLayout(tp=2, dp=8, ep=True))])
def test_a_pp_replica_does_the_pp1_replicas_work_at_a_pp_th_of_its_requests(spec, gpu, quant,
                                                                            base) -> None:
    """The bound recommend puts on a PP > 1 replica before planning it: at vLLM's
    max_num_seqs per DP rank, with its real KV room, it gives at most PP x the output
    tokens/s of its PP = 1 replica with unlimited KV room at ceil(max_num_seqs / PP) requests
    per DP rank (its stages split the same layers over PP micro-batches, plus the hand-offs);
    a MoE model's DP (its experts sliced over tp x dp, or EP) included."""
    settings = SETTINGS.model_copy(update=quant_settings(quant, checkpoint_scheme(spec).key))
    cluster = preset_cluster(gpu, 8, 8)
    figures = summary_figures(spec, cluster, base, settings)
    seqs = figures["max_num_seqs"]
    for pp in (2, 3, 4, 8, 16):
        layout = base.model_copy(update={"pp": pp})
        member, top = _speed(spec, cluster, layout, settings, seqs * base.dp)
        assert member["max_num_seqs"] == seqs  # vLLM's default: the GPU's, not the layout's
        if not member["fits"]:
            continue
        bound = relaxed_speed(spec, cluster, base, settings, LOAD, figures,
                              -(-seqs // pp) * base.dp)
        assert top.output_tokens_per_s <= pp * bound.output_tokens_per_s


def test_a_rate_needs_rate_over_the_best_per_gpu_throughput() -> None:
    """Qwen3-8B fp8 on H100s at 100 requests/s x 256 output tokens = 25,600 output tokens/s:
    the family's bound is that over (its relaxed replica's output tokens/s per GPU x SLACK),
    worked here from the relaxed replica's own estimate."""
    cluster = preset_cluster("h100-sxm", 8)
    fam = Family("fp8-tensor", "fp8", 1)
    settings = SETTINGS.model_copy(update=quant_settings("fp8-tensor",
                                                         checkpoint_scheme(QWEN8).key))
    bounds = lowest_counts(QWEN8, cluster, [fam], lambda _: settings, LOAD,
                           output_tokens_per_s=100 * 256, concurrency=1, memory_bytes=1e12,
                           ttft_ms=None, tpot_ms=None)
    figures = summary_figures(QWEN8, cluster, ParallelLayout(), settings)
    per_gpu = relaxed_speed(QWEN8, cluster, ParallelLayout(), settings, LOAD, figures,
                            None).output_tokens_per_s
    assert bounds[fam].gpus == pytest.approx(25_600 / (per_gpu * SLACK))
    assert bounds[fam].launchable  # fp8 from bf16 at load: vLLM's --quantization fp8
    # a TPOT target no replica meets even alone: the family cannot serve at any count
    dead = lowest_counts(QWEN8, cluster, [fam], lambda _: settings, LOAD,
                         output_tokens_per_s=None, concurrency=1, memory_bytes=1e12,
                         ttft_ms=None, tpot_ms=0.1)
    assert math.isinf(dead[fam].gpus)


def test_family_members_use_exactly_the_gpus() -> None:
    """tp=2 without EP at 24 GPUs: PP 1, 2, 3, 4, 6, 12 (dp 12, 6, 4, 3, 2, 1); with EP over
    tp x dp = 8 ranks at 24 GPUs: PP 3 only."""
    plain = Family("bf16", "auto", 2).layouts(24, num_layers=36)
    assert [(lay.pp, lay.dp) for lay in plain] == [(1, 12), (2, 6), (3, 4), (4, 3), (6, 2),
                                                    (12, 1)]
    assert Family("bf16", "auto", 2, True, 4).layouts(24, num_layers=48) == [
        ParallelLayout(tp=2, pp=3, dp=4, ep=True)]
    assert Family("bf16", "auto", 2, True, 4).layouts(20, num_layers=48) == []
    # a MoE model's family without EP fixes DP too (its experts sliced over tp x dp)
    assert Family("bf16", "auto", 2, False, 4).layouts(24, num_layers=48) == [
        ParallelLayout(tp=2, pp=3, dp=4)]
