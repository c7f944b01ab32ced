"""Compare page: 2 to 6 models on the same hardware and vLLM settings, side by side."""

from contextlib import suppress

import pandas as pd
import streamlit as st

from planner.catalog import catalog_entries
from planner.report import (
    comparison_row,
    fits_cell,
    model_warnings,
    stalled_meaning,
    unmodelled_fit,
    with_param_check,
)
from planner.serving.auto_layout import at_compared_len
from planner.serving.plan import LARGER_LEN_STEP, PlanRequest, verdict_unmodelled
from planner.serving.speed import context_rule, estimate_speed
from planner.text import capitalized, control_quoted, counted, md_escape
from planner.units import GIB, number_as_given
from ui import format as fmt
from ui.charts import grouped_bars
from ui.context import (
    COMPARE_LARGER_LEN_STEP,
    USER_ERRORS,
    app_markdown,
    compare_engine,
    compare_plan,
    compared_formats,
    compared_revision,
    current_cluster,
    current_load,
    drafter_caption,
    lora_caption,
    model_source,
    model_spec,
    prefetch_sources,
    release_default_note,
    show_error,
    show_the_way_out,
    state_dtypes_caption,
    tower_caption,
)
from ui.settle import (
    allow_long_input,
    drafter_inputs,
    hf_overrides_input,
    mamba_paging_inputs,
    mamba_paging_offered,
    mm_limit_inputs,
    mm_limits_offered,
    processor_inputs,
    processor_keys_offered,
    runner_choices,
    runner_inputs,
    settle_state,
    state_dtypes_offered,
    tower_mode_inputs,
    tower_modes_offered,
)
from ui.state import (
    DEFAULT_COMPARE_CONTEXT,
    LABELS,
    MAX_COMPARE,
    RUNNER_NAMES,
    bind,
    state,
    typed_input,
)
from ui.tables import key_grid

WARNED = " ⚠"  # after a model's fits cell where it has warnings (each listed under the grid)


settle_state()  # the settings the Plan page settles, with its warnings (ui/settle.py)
st.title("Compare")
# untouched, the picker and the context start from the Plan page's model and max_model_len
# (the picker's callback ran before this script: a change is already in the state)
models = state().compared_models()
options = sorted({*(e.repo_id for e in catalog_entries()), *models})
typed_input(st.multiselect,
            f"{LABELS['compare']} (2 to 6; type any Hugging Face repo id to add it)",
            options=options, max_selections=MAX_COMPARE, accept_new_options=True,
            **bind("compare", "compare", seed=models))
# no widget bounds (a browser refuses an out-of-range value silently): the state refuses aloud
# the max_model_len every model is planned at (the ceiling, the verdicts and the concurrency
# column follow it): "Concurrency at context" named only the last
typed_input(st.number_input, f"{LABELS['compare_context']} (tokens)", step=4096,
            help="the context each model is planned at and its concurrency is counted "
            "at (another model than the Plan page's at its own maximum where that is "
            "lower, as report --compare); until changed here, the Plan page's "
            f"max_model_len where one is given, else {DEFAULT_COMPARE_CONTEXT:,}",
            **bind("compare", "compare_context", seed=state().compared_context()))
if len(models) < 2:
    st.info("Pick at least two models to compare.")
    st.stop()
prefetch_sources(name for name in models if not compared_revision(name))
# the Plan page's "Language model only", "Encoder TP mode" and processor options, offered
# here where a compared model takes them (a model that cannot read is left to the grid below,
# which says why); its model runner, and its state dtypes where a compared model has Mamba or
# Gated DeltaNet layers, shared by every model as report --compare shares them
readable = []
for name in models:
    with suppress(*USER_ERRORS):
        readable.append(model_spec(name, compared_revision(name)))
offered = tower_modes_offered(readable)
tower_mode_inputs("compare", *offered, one_row=True)
processor_inputs("compare", processor_keys_offered(readable))
state_dtypes = state_dtypes_offered(readable)
hybrid = any(spec.has_state_layers for spec in readable)
# folded, as the Plan page's "More vLLM options" (the caption below names what is set): open,
# their three rows put a hybrid's grid below the fold at 1280x800 and 1024x768
with st.expander("vLLM options for every model", key="compare.vllm_options"):
    # --limit-mm-per-prompt's counts, where a compared model has a vision tower
    mm_limit_inputs("compare", mm_limits_offered(readable), one_row=True)
    runner_inputs("compare", runner_choices(), state_dtypes, one_row=True)
    allow_long_input("compare")
    drafter_inputs("compare", False, one_row=True)
    # prefix caching and the Mamba cache mode and block size, where one has such layers
    mamba_paging_inputs("compare", *mamba_paging_offered(readable), prefix=hybrid,
                        one_row=True)
    hf_overrides_input("compare")
try:
    cluster = current_cluster()
    engine = compare_engine()
except USER_ERRORS as exc:
    show_error("Cannot compare", exc)
    show_the_way_out()
    st.stop()
st.caption(f"All on {md_escape(cluster.source)} with vLLM {engine.vllm_version}'s rules; "
           f"{md_escape(compared_formats(models))}, KV dtype {engine.kv_cache_dtype}, "
           f"gpu_memory_utilization {number_as_given(engine.gpu_memory_utilization)}"
           f"{release_default_note()}, "
           f"max_model_len {engine.max_model_len:,}"
           # the flags as inline code, each on one line (as a wrapped line split
           # "--max-lora-rank 16" after its "--" at 1280 px: app_markdown)
           + app_markdown(
               (f", --block-size {engine.block_size}" if state().block_size else "")
               + (", --enforce-eager" if engine.enforce_eager else "")
               # a length past a model's own, as report --compare plans it
               + (", VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (CLI: --allow-long-max-model-len)"
                  if engine.allow_long_max_model_len else "")
               # the runner asked, as report --compare plans it (vLLM reads no flag for it)
               + (f", model runner {RUNNER_NAMES[engine.model_runner]} (CLI: --model-runner "
                  f"{engine.model_runner})" if engine.model_runner != "auto" else "")
               # the state dtypes, Mamba paging and prefix caching, as report --compare
               # carries them, where the page offers them (a kept choice no compared model
               # reads is not named)
               + (state_dtypes_caption(engine) if hybrid else "")
               # the Plan page's EPLB, as report --compare carries it (not for a dense model)
               + (", --enable-eplb" + (f" with {engine.num_redundant_experts} redundant "
                                       "experts" if engine.num_redundant_experts is not None
                                       else "")
                  + " on the models with routed experts" if engine.enable_eplb else "")
               # the Plan page's LoRA, as report --compare carries it (not where not sized)
               + lora_caption(engine)
               # the tower flags, as report --compare carries them (not for a text model)
               + tower_caption(engine, offered)
               # the Plan page's drafter, as report --compare carries it
               + drafter_caption(engine)) + ".")

load = current_load(engine)  # the acceptance length with the drafter's drafts only
speed_note = st.empty()  # its caption once the grid's concurrencies are known (_speed_note)
context = f"concurrency at {engine.max_model_len:,}"
compared = []  # (comparison row, plan, its warnings) per model that plans
for name in models:
    try:
        revision = compared_revision(name)  # the Plan page's, for the Plan page's model
        spec = model_spec(name, revision)
        # the checkpoint's parameter check where it disagrees, among the warnings, as the
        # Plan page's; then the config's own (the Model page's), which no plan repeats
        own = compare_engine(name)  # the Plan page's model in its weight format
        # the others at their own maximum where the context is over it, as report --compare
        # plans its --compare models: Qwen3-32B (40,960) at 131,072 read "no, 2.28
        # (refused)" where report --compare read "yes, 7.30 at 40,960 (its maximum)"
        if name != state().model:
            own = at_compared_len(spec, own, engine.max_model_len)
        result = with_param_check(compare_plan(spec, cluster, own), spec,
                                  model_source(name, revision))
    except USER_ERRORS as exc:
        # a name holding a control character (a link's cmp=%00) quoted, as the message quotes
        # it: a raw NUL or escape reached the label
        show_error(md_escape(control_quoted(name)), exc)
        continue
    speed = estimate_speed(PlanRequest(model=spec, cluster=cluster, layout=result.layout,
                                       engine=result.engine), load, plan_result=result)
    warnings = model_warnings(result, spec, own)  # a LoRA not sized for it among them
    compared.append((comparison_row(result, speed, warnings, engine.max_model_len), result,
                     warnings))
if not compared:
    st.stop()
# under data parallelism each replica holds its own KV pool: a model's concurrency is all
# its replicas' together (what the sweep ranks by), with one replica's beside it
replicated = any(row.dp > 1 for row, _, _ in compared)
concurrency = f"{context}, all replicas" if replicated else context
replica = f"{context}, per replica"
table = pd.DataFrame([{
    # yes* where it fits on figures that leave parts out, as `report --compare` marks it,
    # and WARNED where the model has warnings (listed under the grid)
    "model": row.model_name, "name": name, "layout": row.layout,
    "fits": fits_cell(row) + (WARNED if warnings else ""), "warnings": len(warnings),
    "params": fmt.params(row.params_total),
    "active (embeddings included)": fmt.params(row.params_active),
    "weights per GPU (GiB)": round(row.weights_bytes_per_gpu / GIB, 2),
    "KV B/token per GPU": result.kv_bytes_per_token_per_gpu,
    "KV B/token (model)": row.kv_bytes_per_token,
    "ceiling (tokens)": row.max_context_tokens,
    concurrency: round(row.max_concurrency_all_replicas, 2),
    **({replica: round(row.max_concurrency, 2)} if replicated else {}),
    "TTFT (ms)": fmt.rounded(row.ttft_ms), "TPOT (ms)": fmt.rounded(row.tpot_ms, 1),
    "output tok/s": fmt.rounded(row.output_tokens_per_s),
    "tok/s per request": fmt.rounded(row.output_tokens_per_s_per_request, 1),
    # st.table renders its cells as Markdown; a longer request needs this page's field
    "verdict": app_markdown(row.verdict.replace(LARGER_LEN_STEP, COMPARE_LARGER_LEN_STEP)),
} for (row, result, warnings), name in zip(
    compared, fmt.short_model_names(row.model_name for row, _, _ in compared), strict=True)])
# a refused model's concurrency as report --compare prints it, marked in the grid and chart
# (they were empty where the CLI gave 2.18: Qwen3-8B on a V100); "no KV cache" where
# the budget leaves none, refused or not (it read "0.00 (refused)": Llama 3.1 70B on a V100)
shown = {concurrency: [fmt.concurrency_text(row.max_concurrency_all_replicas, result,
                                            row.max_model_len_capped)
                       for row, result, _ in compared]}
refused = [text.endswith(fmt.REFUSED_MARK) for text in shown[concurrency]]
# what a marked concurrency means, only where the grid shows one: at 1024 px both sentences
# pushed the grid's rows below the fold on the seed, which has neither
speed_note.caption(
    f"Speed at the Plan page's load: {load.input_len:,} input and {load.output_len:,} output "
    f"tokens, {counted(load.concurrency, 'request')} in flight{load.arriving}, capped by each "
    "KV cache; empty where the model does not fit or vLLM rejects a request that long."
    + (" A concurrency marked (refused): vLLM refuses the model for another reason than "
       "memory (a max_model_len over its own, a GPU its wheels have no kernels for; the "
       "verdict says which), and the figure, `report --compare`'s, is what the KV cache would "
       "hold, not requests vLLM serves." if any(refused) else "")
    + (" A concurrency reading no KV cache: the budget leaves the model none (the verdict "
       "says what fills it), so it holds no request, refused or not."
       if fmt.NO_KV_CACHE in shown[concurrency] else "")
    + (" A concurrency \"at ... (its maximum)\": the context is over that model's own "
       "max_model_len, which vLLM refuses to exceed (unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1), "
       "so it is planned at its own, all its columns, as `report --compare` plans its "
       "`--compare` models; the Plan page's model stays at the context, as the Plan page plans "
       "it." if any(row.max_model_len_capped for row, _, _ in compared) else "")
    + (f" {md_escape(capitalized(why))}" if (why := context_rule(
        load, engine.max_model_len, engine.vllm_version).why) else ""))
if replicated:
    shown[replica] = [fmt.concurrency_text(row.max_concurrency, result,
                                           row.max_model_len_capped)
                      for row, result, _ in compared]
    st.caption("Under data parallelism each replica holds its own KV pool: \"all replicas\" "
               f"is the concurrency at {engine.max_model_len:,} tokens of a model's replicas "
               "together (DP x \"per replica\", under More columns).")
# at 1280 px the grid holds the key columns under short labels (the full name is the
# tooltip); the others are one click away: nothing scrolls sideways and nothing is dropped.
# Models go by the name the charts give them, without the owner, in a column the grid sizes
# to the longest (a fixed 300 px put TPOT and tok/s past the right edge at 1024 px for the
# seed's shorter names): whole repo ids were cut at 230 px ("meta-llama/Llama-4-Maverick-
# 17B-128E", "nvidia/NVIDIA-Nemotron-3-Super-120B-"); the whole id is under More columns, in
# the verdict table below and the picker above. The per-GPU KV bytes and, under DP (a longer layout
# label), one replica's concurrency are under "More columns" (both in a chart below, as the
# Plan page's sweep keeps one replica's), which leaves the name 300 px at 1280 px, ~43
# characters (the catalog's longest, 42).
key_grid(table.drop(columns="verdict"), {  # the verdicts: the static table below
    "name": "model", "layout": "layout", "fits": "fits", "weights per GPU (GiB)": "GiB/GPU",
    "ceiling (tokens)": "ceiling",
    concurrency: "all replicas" if replicated else f"conc. @ {engine.max_model_len:,}",
    "TPOT (ms)": "TPOT ms", "output tok/s": "tok/s",
}, ["model", "params", "active (embeddings included)", *([replica] if replicated else []),
    "KV B/token per GPU", "KV B/token (model)", "TTFT (ms)", "tok/s per request", "warnings"],
    "More columns: the whole repo id, parameters, "
    + ("one replica's concurrency, " if replicated else "") + "KV bytes per token (per GPU "
    "and the whole model's), TTFT, output tok/s per request, warnings",
    shown=shown, placeholder="—")
# a fit on figures that leave parts out is no confident fit (the Plan page's verdict is a
# warning there) and each model's warnings are the Plan page's: one block per model under
# the grid, as `report --compare` names its yes* rows under its table (in the app's words:
# the release to plan with is the sidebar's, not --vllm-version)
for row, _, warnings in compared:
    parts, stalls = verdict_unmodelled(row.verdict), fits_cell(row) == "stalls"
    if parts or warnings or stalls:
        st.warning(md_escape(f"{row.model_name}: " + (
            f"stalls, {stalled_meaning(parts)}." if stalls
            else f"yes*, {unmodelled_fit(parts)}." if parts
            else f"{counted(len(warnings), 'warning')}."))
            + "\n" + "".join(f"\n- {app_markdown(w)}" for w in warnings))
# the verdicts are sentences: a static table below wraps them whole (a grid cell cuts them)
st.table(table[["model", "verdict"]].set_index("model"))
st.caption("Bars are green where the model fits, amber where it fits on figures that leave "
           "parts out (yes*) or its longest request never completes (stalls), red where it "
           "does not; a concurrency bar is hatched where the grid marks it (refused). ⚠ "
           "after a fit: the model has warnings, listed under the grid.")
bars = ({concurrency: "all replicas", replica: "per replica"} if replicated  # legend names
        else {concurrency: concurrency})
# two charts a row, one below 1100 px (app.py's rule on this container): beside each other
# at 1024 px each was 330 px wide, and six long names were cut at its left edge
# ("DIA-Nemotron-3-Super-120B-A12B-FP8")
with st.container(key="compare-charts"):
    left, right = st.columns(2)
    left.plotly_chart(grouped_bars(table, ["weights per GPU (GiB)"], "Weights per GPU (GiB)"),
                      width="stretch")
    right.plotly_chart(grouped_bars(table, ["KV B/token per GPU", "KV B/token (model)"],
                                    "KV bytes per token"), width="stretch")
    # each title names its unit: the bars' axes carry none ("Context ceiling (one request)"
    # read as no unit, "Concurrent requests (concurrency at 32,768)" said concurrency twice)
    left, right = st.columns(2)
    left.plotly_chart(grouped_bars(table, ["ceiling (tokens)"],
                                   "Context ceiling (tokens, one request)"), width="stretch")
    right.plotly_chart(grouped_bars(table.rename(columns=bars), list(bars.values()),
                                    f"Concurrent requests at {engine.max_model_len:,} tokens",
                                    refused,
                                    {bars[name]: texts for name, texts in shown.items()}),
                       width="stretch")
