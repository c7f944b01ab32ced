"""The nearest change that makes a plan fit: a few single changes, each planned.

A plan that does not fit gets no launch command (planner.serving.launch); this says what
to change instead, e.g. "--max-model-len 32768 fits" or "TP=4 x PP=2 fits".
"""

from planner.serving.engine import EngineSettings
from planner.serving.layout import ParallelLayout
from planner.serving.plan import Plan, PlanRequest, summary_figures
from planner.serving.sweep import layout_candidates
from planner.serving.vllm_versions import EngineError


def _tries(request: PlanRequest, result: Plan) -> list[tuple[str, EngineSettings,
                                                              ParallelLayout]]:
    """Candidate single changes, in the order they are offered (smallest change first)."""
    s, layout = request.engine, request.layout
    tries = []
    if result.max_num_batched_tokens < result.max_num_seqs:
        seqs = result.max_num_batched_tokens
        tries.append((f"--max-num-seqs {seqs}", s.model_copy(update={"max_num_seqs": seqs}),
                      layout))
    length = result.max_context_tokens
    if 0 < length < result.max_model_len:
        tries.append((f"--max-model-len {length}",
                      s.model_copy(update={"max_model_len": length}), layout))
    if not s.kv_cache_dtype.startswith("fp8"):
        tries.append(("--kv-cache-dtype fp8", s.model_copy(update={"kv_cache_dtype": "fp8"}),
                      layout))
    if s.gpu_memory_utilization < 0.95 and not s.kv_cache_memory_bytes:
        tries.append(("--gpu-memory-utilization 0.95",
                      s.model_copy(update={"gpu_memory_utilization": 0.95}), layout))
    # the asked DP (replicas) and EP first: a layout that changes them comes only when none
    # that keeps them fits (nearest_fit then says so); then the fewest of TP and PP changed
    # (TP=4 asked on 8 GPUs: TP=8 or TP=4 x PP=2 before TP=1 x PP=7), then the fewest GPUs
    wider = sorted((lay for lay in layout_candidates(request.model, request.cluster)
                    if lay.gpus > layout.gpus or (lay.gpus == layout.gpus and lay != layout)),
                   key=lambda lay: (lay.dp != layout.dp, lay.ep != layout.ep,
                                    (lay.tp != layout.tp) + (lay.pp != layout.pp), lay.gpus,
                                    lay.dp, lay.pp, -lay.tp, not lay.ep))
    tries += [(lay.label(), s, lay) for lay in wider]
    return tries


def nearest_fit(request: PlanRequest, result: Plan) -> str | None:
    """'<change> fits' for the first candidate change that fits, None when none does; a
    layout that changes the asked DP or EP says that none keeping them fits."""
    if result.fits:
        return None
    for label, settings, layout in _tries(request, result):
        try:
            # layout_errors checked too: a setting change keeps a layout vLLM refuses, and
            # layout_candidates does not check the weight format's group alignment
            figures = summary_figures(request.model, request.cluster, layout, settings)
        except EngineError:  # a start-up vLLM refuses: this layout (LayoutRefused) or these
            # changed settings (a V0 fall-back); the request's own settings planned
            continue
        if figures["fits"]:
            return f"{label} fits{_kept_note(request, layout)}"
    return None


def _kept_note(request: PlanRequest, layout: ParallelLayout) -> str:
    """'' when `layout` keeps the asked DP and EP, else why it changes them: every layout that
    keeps both was tried first (_tries) and none fits."""
    asked = request.layout
    if (layout.dp, layout.ep) == (asked.dp, asked.ep):
        return ""
    kept = [f"DP={asked.dp}"] if asked.dp > 1 or layout.dp != asked.dp else []
    if asked.ep or layout.ep:
        kept.append("EP" if asked.ep else "EP off")
    return (f" (no layout of these {request.cluster.gpu_count} GPUs that keeps "
            f"{' and '.join(kept)} fits)")
