"""The speed parts of the app: load inputs, TTFT/TPOT/throughput metrics, the curve against
concurrency and the terms (every figure from planner.serving.speed, formatted here)."""

import pandas as pd
import streamlit as st

from planner.report import link_phrase, speed_cell, tpot_text
from planner.serving.plan import Plan, PlanRequest
from planner.serving.speed import ARRIVALS, ServingLoad, SpeedEstimate, estimate_speed
from planner.serving.sweep import OBJECTIVES
from planner.text import counted, md_escape
from ui import format as fmt
from ui.charts import speed_vs_concurrency
from ui.context import app_words
from ui.state import LABELS, bind, state, typed_input
from ui.tables import terms_table

_MAX_CURVE_POINTS = 12


def load_controls(container, page: str = "plan") -> None:
    """Input tokens, output tokens and concurrency, side by side in `container` (the Plan and
    Report pages: one state, so both show the same load; arrivals: arrival_control)."""
    # fields level at the bottom where a label takes two lines beside its help; 0.5rem apart,
    # not 1rem: with its help 0.25rem clear (app.py), "Output tokens" took two at 1280 px
    a, b, c = container.columns(3, vertical_alignment="bottom", gap="xsmall")
    # no widget bounds (a browser refuses an out-of-range value silently): the state refuses
    # it aloud (ui.state.AppState's limits)
    typed_input(a.number_input, LABELS["input_len"], step=256,
                help="prompt tokens per request (speed figures)",
                under=container, **bind(page, "input_len"))
    typed_input(b.number_input, LABELS["output_len"], step=256,
                help="generated tokens per request (speed figures)",
                under=container, **bind(page, "output_len"))
    typed_input(c.number_input, LABELS["concurrency"], step=1,
                help="requests in flight; capped at what the KV cache holds and at "
                "max_num_seqs",
                under=container, **bind(page, "concurrency"))


def arrival_control(container, page: str = "plan", *, compact: bool = False) -> None:
    """The load's arrivals, staggered, burst or steady (ServingLoad.arrival). `compact`: the label
    folded into the choices ("burst arrivals"), one line high, beside the Plan page's "More
    vLLM options" so the speed figures stay above the fold."""
    container.selectbox(
        LABELS["arrival"], ARRIVALS, format_func=(lambda a: f"{a} arrivals") if compact else str,
        label_visibility="collapsed" if compact else "visible",
        help="staggered: requests arrive spread out, each queued behind a fitted share of the "
        "others' prefills; burst: all arrive together (a closed-loop benchmark of equal "
        "lengths), their prompts packed into max_num_batched_tokens-token steps; steady: "
        "desynchronized arrivals (production traffic, varied lengths), each waiting only "
        "for the prefill work arriving with it (not validated: its first blind check planned "
        "TTFT under; CLI: --arrival)", **bind(page, "arrival"))


OBJECTIVE_LABELS = {
    "context": "longest context", "concurrency": "most concurrency",
    "throughput": "highest throughput (within the TPOT target)", "fewest-gpus": "fewest GPUs",
}


def objective_controls(container, page: str = "plan") -> None:
    """What ranks the sweep (planner.serving.sweep.OBJECTIVES) and the TPOT target of the
    throughput ranking, side by side in `container` (the Plan and Report pages)."""
    left, right = container.columns(2)
    left.selectbox(LABELS["sweep_objective"], OBJECTIVES, format_func=OBJECTIVE_LABELS.get,
                   help="fitting rows always come first", **bind(page, "sweep_objective"))
    # a short label: "TPOT target (ms, throughput ranking)" took two lines in the Report
    # page's narrower column at 1280 px, its field below the others. No widget bounds: with
    # min_value 0.1, 0.05 typed in was dropped without a word; the state refuses it aloud
    typed_input(right.number_input, LABELS["tpot_target_ms"], value=None,
                step=5.0, placeholder="none",
                disabled=state().sweep_objective != "throughput",
                help="ranking by highest throughput only: rows whose time per output "
                "token meets it rank first, each at the concurrency with the most "
                "tokens/s within it",
                under=container, **bind(page, "tpot_target_ms"))


def speed_metrics(est: SpeedEstimate, cols: list) -> None:
    """TTFT, TPOT and output tokens/s (all requests) in three `cols`: the Plan page's first
    row, beside the weights and KV pool per GPU."""
    cols[0].metric("TTFT", f"{est.ttft_ms:,.0f} ms",
                   help="time to first token: the prompt's prefill plus the prefills queued "
                   "ahead of it")
    cols[1].metric("TPOT", tpot_text(est.tpot_ms), help="time per output token (decode)")
    # at one request the per-request rate (49.3) read above the all-requests one (47.3) with
    # no word why: the first counts the decode only, the second each request's TTFT too
    cols[2].metric(f"Output tokens/s at {est.concurrency:,}", speed_cell(est.output_tokens_per_s),
                   help="all requests in flight together, each request's TTFT included: "
                   "requests / (TPOT + TTFT / output tokens)")


def rate_metrics(est: SpeedEstimate, cols: list) -> None:
    """Tokens/s per request and prefill tokens/s in two `cols` (the Plan page's second row)."""
    cols[0].metric("Tokens/s per request", speed_cell(est.output_tokens_per_s_per_request),
                   help="one request while it decodes: 1 / TPOT (its TTFT not counted, so "
                   "above the all-requests figure at one request)")
    cols[1].metric("Prefill tokens/s", f"{est.prefill_tokens_per_s:,.0f}",
                   help="one request's prompt divided by its prefill time")


def speed_cap_caption(est: SpeedEstimate) -> None:
    """Where the concurrency is capped (max_num_seqs or the KV cache), the line saying so and
    the clients' wait for a slot beyond the cap."""
    # the clients beyond the cap wait for a slot before their prefill (speed._kv_wait_s), as
    # the CLI's note says: without it, 64 clients on 2 slots read as served at the TTFT shown
    wait = (f" Each of the {counted(est.load.concurrency, 'client')} waits "
            f"{est.kv_wait_ms / 1e3:,.1f} s for a slot on average before its prefill starts "
            "(not in TTFT)." if est.kv_wait_ms > 0 else "")
    if est.seqs_bound:
        st.caption(f"Concurrency capped at {est.concurrency:,} by max_num_seqs: vLLM runs at "
                   f"most {counted(est.kv_limited_concurrency, 'request')} at once, and the KV "
                   f"cache holds more of them, {est.load.held_label}.{wait}")
    elif est.kv_bound:
        st.caption(f"Concurrency capped at {est.concurrency:,}: the KV cache holds "
                   f"{counted(est.kv_limited_concurrency, 'request')} {est.load.held_label}."
                   f"{wait}")


def curve_points(request: PlanRequest, result: Plan, load: ServingLoad, kv_limit: int
                 ) -> pd.DataFrame:
    """Speed at 1, 2, 4, ... requests up to the KV-limited concurrency (and at it)."""
    levels = sorted({*(1 << k for k in range(kv_limit.bit_length()) if 1 << k <= kv_limit),
                     kv_limit, min(load.concurrency, kv_limit)})
    if len(levels) > _MAX_CURVE_POINTS:  # keep the ends and the chosen point
        keep = {levels[0], levels[-1], min(load.concurrency, kv_limit)}
        step = len(levels) / _MAX_CURVE_POINTS
        levels = sorted(keep | {levels[int(i * step)] for i in range(_MAX_CURVE_POINTS)})
    rows = []
    for level in levels:
        est = estimate_speed(request, load.model_copy(update={"concurrency": level}),
                             plan_result=result)
        if est is not None:
            rows.append({"concurrency": est.concurrency, "output_tokens_per_s":
                         est.output_tokens_per_s, "tpot_ms": est.tpot_ms,
                         "ttft_ms": est.ttft_ms})
    return pd.DataFrame(rows).drop_duplicates("concurrency")


def speed_details(request: PlanRequest, result: Plan, est: SpeedEstimate) -> None:
    """The throughput-and-latency curve against concurrency, and the speed terms."""
    st.markdown("**Throughput and latency vs concurrency**")
    points = curve_points(request, result, est.load, est.kv_limited_concurrency)
    st.plotly_chart(speed_vs_concurrency(points, est.kv_limited_concurrency, est.concurrency),
                    width="stretch")
    with st.expander("How the speed figures are computed"):
        st.caption(f"Kernel path: {est.kernel_label}; {md_escape(link_phrase(est, result))}. "
                   "Coefficients: "
                   "planner.serving.speed.coefficients.FITTED (see docs/accuracy-speed.md).")
        terms_table(({"figure": t.label, "value": f"{fmt.three_figures(t.value)} {t.unit}",
                      "formula": t.formula, "inputs": t.inputs_text, "note": t.note}
                     for t in est.terms), "speed")
        for note in est.notes:  # the EP comparison already stands under the warnings
            if note != est.ep_marlin_note:
                st.caption(md_escape(app_words(note)))
