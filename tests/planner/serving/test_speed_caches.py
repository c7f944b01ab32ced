"""The speed model's caches give every question its own answer, whatever was asked before.

Recommend estimates thousands of layouts of one spec, so the parts of a layout's pipeline
stages that the KV dtype does not change (speed.stages._PARTS: the rank weights per weight
format and layout, the dense parameters per stage and TP, the KV layers) and each context's
prefill per input length (Context.prefills) and decode step per batch, context and width
(Context.decodes) are worked out once and reused. Each test asks the
same questions of two copies of one spec (equal values, separate caches: the caches are keyed
by the spec's identity) in opposite orders: a cache keyed on too little hands one question
the answer of another asked before it, and the two orders then disagree.
"""

from planner.catalog import catalog_spec
from planner.model.quant import checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, summary_figures
from planner.serving.speed import PlanFigures, ServingLoad, speed_figures
from planner.serving.sweep import candidate_settings

QWEN30 = catalog_spec("Qwen/Qwen3-30B-A3B")
CLUSTER = preset_cluster("h100-sxm", 8, 2)
# the first and the last differ in TP, so each order meets a different TP first
LAYOUTS = (ParallelLayout(tp=1), ParallelLayout(tp=1, pp=2), ParallelLayout(tp=1, dp=4),
           ParallelLayout(tp=2, dp=2, ep=True), ParallelLayout(tp=2))
QUESTIONS = [(layout, quant, kv, input_len) for layout in LAYOUTS
             for quant in ("bf16", "fp8-tensor") for kv in ("auto", "fp8")
             for input_len in (1024, 4096)]


def _answers(spec, questions):
    """(TPOT, TTFT, output tokens/s, prefill ms) of each question at 8 requests in flight."""
    base = EngineSettings(max_model_len=8192)
    own = checkpoint_scheme(spec).key
    out = []
    for layout, quant, kv, input_len in questions:
        settings = candidate_settings(base, quant, kv, own)
        figures = summary_figures(spec, CLUSTER, layout, settings)
        request = PlanRequest.model_construct(model=spec, cluster=CLUSTER, layout=layout,
                                              engine=settings)
        speed = speed_figures(request, ServingLoad(input_len=input_len, output_len=512,
                                                   concurrency=8),
                              plan_result=PlanFigures.of(figures))
        out.append((speed.tpot_ms, speed.ttft_ms, speed.output_tokens_per_s, speed.prefill_ms))
    return out


def test_stage_parts_and_prefills_do_not_depend_on_the_order_asked() -> None:
    forward = _answers(QWEN30.model_copy(), QUESTIONS)
    backward = _answers(QWEN30.model_copy(), QUESTIONS[::-1])[::-1]
    assert forward == backward
    # every question differs from every other (else a wrong cache key could go unseen): the
    # layout, weight format, KV dtype and input length each change an estimate
    assert len(set(forward)) == len(QUESTIONS)


def test_alike_stages_of_other_layouts_share_one_speed_stage(monkeypatch) -> None:
    # Llama 3.1 405B at TP 1: PP 126's one-layer stages are of three kinds (first, between,
    # last); PP 125 splits 126 layers as 1, ..., 1, 2, 1 (the one left over on the stage
    # before the last), so its only new kind is the two-layer stage: one _kind_stage, where
    # every layout worked its own kinds out (four). The same stage objects come back.
    import planner.serving.speed.stages as stages_module
    from planner.serving.weights import WeightLoadRules

    worked: list[range] = []
    real = stages_module._kind_stage

    def counting(*args):
        worked.append(args[9])  # its layers
        return real(*args)

    monkeypatch.setattr(stages_module, "_kind_stage", counting)
    spec = catalog_spec("meta-llama/Meta-Llama-3.1-405B").model_copy()  # a fresh identity
    scheme, cluster = checkpoint_scheme(spec), preset_cluster("h100-sxm", 8, nodes=16)

    def stages(pp):
        request = PlanRequest.model_construct(model=spec, cluster=cluster,
                                              layout=ParallelLayout(tp=1, pp=pp),
                                              engine=EngineSettings())
        return stages_module.pipeline_stages(request, scheme, 2, 2, WeightLoadRules())

    deep = stages(126)
    assert worked == [range(0, 1), range(1, 2), range(125, 126)]
    worked.clear()
    other = stages(125)
    assert worked == [range(123, 125)]
    assert other[0] is deep[0] and other[1] is deep[1] and other[124] is deep[125]
    assert other[123].layers == 2


NEXT = catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct")
# one context (one layout and settings value) asked at every load: the decode step's batch
# (the concurrency on the one DP rank), its context (input + output / 2: 1,024 + 128 or
# + 1,024) and its width (one token a sequence, or k + 1 = 3 with MTP's 2 drafts at a mean
# acceptance length of 1.8) each change it
DECODE_LOADS = [ServingLoad(input_len=1024, output_len=output, concurrency=conc,
                            spec_acceptance_length=tau)
                for conc in (1, 4, 32) for output in (256, 2048) for tau in (None, 1.8)]


def _decode_answers(spec, loads):
    """(TPOT, decode step ms) of Qwen3-Next-80B-A3B at TP 4 on H100 with 2 MTP drafts under
    vLLM 0.34.0, at each load."""
    settings = EngineSettings(vllm_version="0.34.0", num_speculative_tokens=2)
    cluster, layout = preset_cluster("h100-sxm", 4), ParallelLayout(tp=4)
    figures = PlanFigures.of(summary_figures(spec, cluster, layout, settings))
    request = PlanRequest.model_construct(model=spec, cluster=cluster, layout=layout,
                                          engine=settings)
    out = []
    for load in loads:
        speed = speed_figures(request, load, plan_result=figures)
        out.append((speed.tpot_ms, speed.decode_step_ms))
    return out


def test_decode_steps_do_not_depend_on_the_order_asked() -> None:
    forward = _decode_answers(NEXT.model_copy(), DECODE_LOADS)
    backward = _decode_answers(NEXT.model_copy(), DECODE_LOADS[::-1])[::-1]
    assert forward == backward
    # every load's decode step differs from every other's (a cache keyed without the batch,
    # the context or the width would hand one the step of another)
    assert len({step for _, step in forward}) == len(DECODE_LOADS)
