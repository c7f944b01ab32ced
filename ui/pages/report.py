"""Report page: the current plan (+ audit, sweep, comparison) as Markdown, JSON and CSV, with
its speed at the load chosen here or on the Plan page (one state) and the sweep ranked by the
objective chosen here or there (`report --input-len/--output-len/--concurrency --objective
--tpot-ms` on the command line).

The inputs are made by cli.report_inputs.report_inputs, the recipe `python -m planner report`
uses, so the same choices give the same text on both (tests/app/test_report.py checks it).
"""

import streamlit as st

from cli.report_inputs import report_inputs, today
from planner.report import (
    AuditSummary,
    ComparisonRow,
    build_report,
    comparison_row,
    model_warnings,
    with_param_check,
)
from planner.serving.auto_layout import at_compared_len
from planner.serving.plan import Plan, PlanRequest, plan
from planner.serving.speed import ServingLoad, estimate_speed
from probes.audit_summary import audit_summary
from ui.context import (
    USER_ERRORS,
    ModelInputError,
    app_words,
    compare_engine,
    compare_plan,
    current_load,
    current_request,
    error_text,
    model_source,
    model_spec,
    prefetch_sources,
    show_error,
    show_the_way_out,
    uploaded_snapshots,
)
from ui.io import live_snapshot
from ui.settle import settle_state
from ui.speed import arrival_control, load_controls, objective_controls
from ui.state import keep, state


def _audits() -> tuple[AuditSummary, ...]:
    """The audited nodes behind the hardware (none for a preset cluster)."""
    if state().hardware == "audit":
        return (audit_summary(live_snapshot()),)
    if state().hardware == "snapshots":
        return tuple(audit_summary(s) for s in uploaded_snapshots().values())
    return ()


def _comparison(request: PlanRequest, chosen: Plan, load: ServingLoad
                ) -> tuple[ComparisonRow, ...]:
    """The chosen plan beside the Compare page's models, as the Compare page plans them (the
    Plan page's LoRA where it is sized, else without it and a warning, as report --compare)
    but at the plan's max_model_len (capped at a model's own maximum: compared_max_model_len,
    as report --compare), each with its speed at the Plan page's load (as the Compare page
    shows it)."""
    others = [name for name in state().compared_models() if name != state().model]
    prefetch_sources(others)
    rows = [comparison_row(chosen, estimate_speed(request, load, plan_result=chosen))]
    engine = compare_engine()  # the others', each in its own checkpoint format
    others_load = current_load(engine)  # their drafts: the drafter's only (compare_engine)
    for name in others:
        try:
            spec = model_spec(name)
            at_len = at_compared_len(spec, engine, chosen.max_model_len)
            other = with_param_check(compare_plan(spec, request.cluster, at_len), spec,
                                     model_source(name))
        except USER_ERRORS as exc:  # which model, and the way out: the report names no page
            raise ModelInputError(
                f"{name} (a Compare page model): {error_text(exc).rstrip('.')}; remove it on "
                "the Compare page or untick 'Include the Compare page's models'") from None
        rows.append(comparison_row(other, estimate_speed(
            PlanRequest(model=spec, cluster=request.cluster, layout=other.layout,
                        engine=other.engine), others_load, plan_result=other),
            model_warnings(other, spec, at_len), chosen.max_model_len))
    return tuple(rows)


settle_state()  # the settings the Plan page settles, with its warnings (ui/settle.py)
st.title("Report")
left, mid, right = st.columns([2, 2, 1])
# kept in the session across pages, as the Recommend page's inputs (ui.state.keep)
# a short label: at 1280 px the whole one was cut ("...layout ...") in its column
with_sweep = left.checkbox("Include the sweep", help="every quantization x layout x KV dtype, "
                           "ranked by the objective below (CLI: --sweep)",
                           **keep("report.sweep", False))
with_comparison = mid.checkbox("Include the Compare page's models",
                               **keep("report.compare", False))
day = right.date_input("Date in the header", help="fix it to reproduce a report (CLI: --date)",
                       **keep("report.date", today()))
load_controls(st, "report")  # the Plan page's load: one state, the same figures
# the ranking beside the arrivals, under the load: beside the load, in a fifth of the row,
# "Rank by" read "longest conte" at 1024 px
arrivals, ranking = st.columns([1, 3])
arrival_control(arrivals, "report")
objective_controls(ranking, "report")
try:
    request, load = current_request(), current_load()
    if request.layout.gpus > request.cluster.gpu_count:  # as the CLI refuses it (exit 2): a
        # report named "TP=8 + EP on 8x" GPUs of a 2-GPU cluster
        raise ModelInputError(
            f"the layout {request.layout.label()} needs {request.layout.gpus} GPUs, and the "
            f"cluster has {request.cluster.gpu_count}; pick a layout on the Plan page")
    chosen = plan(request)
    inputs = report_inputs(
        request.model, model_source(state().model, state().revision), request.cluster, chosen,
        day=day, with_sweep=with_sweep,
        comparison=_comparison(request, chosen, load) if with_comparison else (),
        audits=_audits(), load=load, objective=state().sweep_objective,
        tpot_ms_target=state().tpot_target_ms, layout_auto=state().tp is None,
        ep=state().ep,
    )
    bundle = build_report(inputs)
except USER_ERRORS as exc:
    show_error("Cannot build the report", exc)
    show_the_way_out()
    st.stop()
stem = f"headroom-{(request.model.name or 'model').replace('/', '_')}-{inputs.date}"
cols = st.columns(3)
# the CLI's report, save that the launch note asks for the Plan page's checkbox, not a flag
markdown = app_words(bundle.markdown)
cols[0].download_button("Download Markdown", markdown, f"{stem}.md", "text/markdown")
cols[1].download_button("Download JSON", bundle.json_text, f"{stem}.json", "application/json")
cols[2].download_button("Download sweep CSV", bundle.csv_text, f"{stem}.csv", "text/csv",
                        disabled=not with_sweep)
if with_comparison and (context := state().compared_context()) != chosen.max_model_len:
    # the table is report --compare's, at the plan's max_model_len: the Compare page's own
    # context gave the same models other figures (3.51 at 32,768 there, 2.81 at 40,960 here)
    st.caption(f"The compared models are at this plan's max_model_len, "
               f"{chosen.max_model_len:,} (or a model's own maximum where that is lower), as "
               "`report --compare` plans them; the Compare page plans them at its own "
               f"context, {context:,}, so its fits and concurrency figures may differ.")
# the report's wide tables (the alternatives' and compared models'; the memory plan's 15
# columns are two tables of 8 since, whole at 1280 px) ran past the box and the page's right
# edge at 1280 px, their last columns out of sight: each scrolls sideways inside the box
# instead, as GitHub shows a Markdown table.
# Its cells in st.table's 14 px with its 4 x 6 px padding (16 px and 6 x 12 px squeezed the
# memory plan's columns until "23.57 GiB" wrapped in every cell at 1280 px, each row two
# lines); a table of ten or more columns is one of figures (alternatives, compared models):
# its cells on one line; in the others (the memory plan's two among them)
# a cell is at least 10 characters wide, so a figure beside prose stays whole ("0.86 GiB"
# and "0.12 %" wrapped beside the Assumptions' formulas). The formulas' blocks wrap (each
# line ran past the box, its result out of sight), and so do the launch command's, an option
# a line (shell_continued), so only a value longer than the box wraps (an --hf-overrides
# JSON ran past its right edge at 1280 px), no flag split after a hyphen. Its headings a
# document's, under the page's own: at the page's 2.75 rem the title, "Headroom report:
# Qwen/Qwen3-235B-A22B-GPTQ-Int4", took two lines at 1280 px, the repo id split after a
# hyphen, and each section's heading 2.25 rem
st.html("<style>.st-key-report-body h1 {font-size: 1.75rem} "
        ".st-key-report-body h2 {font-size: 1.375rem} "
        ".st-key-report-body h3 {font-size: 1.125rem} "
        ".st-key-report-body table {display: block; width: max-content; "
        "max-width: 100%; overflow-x: auto; font-size: 0.875rem} "
        ".st-key-report-body :is(td, th) {padding: 0.25rem 0.375rem} "
        ".st-key-report-body table:has(th:nth-child(10)) td {white-space: nowrap} "
        ".st-key-report-body table:not(:has(th:nth-child(10))) td {min-width: 10ch} "
        ".st-key-report-body code:is(.language-text, .language-bash) "
        "{white-space: pre-wrap !important; overflow-wrap: anywhere}</style>")
with st.container(border=True, key="report-body"):
    st.markdown(markdown)
