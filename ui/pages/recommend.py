"""Recommend page: the cheapest GPUs, count, weight format and layout that serve a workload.

One planner.serving.recommend.recommend() call over the models chosen here, with the price
table as edited on this page (defaults from planner.serving.prices, each with its source).
The inputs live in this session only (not in the link): the price table is too long for a URL.
"""

from contextlib import suppress

import pandas as pd
import streamlit as st

from planner.catalog import catalog_entries
from planner.report import usd_per_million_cell
from planner.serving.engine import EngineSettings
from planner.serving.hardware import GPU_PRESETS, NoWsl2TotalError, preset_cluster
from planner.serving.launch import other_nodes_note
from planner.serving.mm_modes import audio_limit_refusal, limit_refusal, served_towers
from planner.serving.plan import LARGER_LEN_STEP
from planner.serving.prices import (
    DEFAULT_PRICES,
    MAX_USD_PER_GPU_HOUR,
    PRICE_TABLE_DATE,
    GpuPrice,
    with_overrides,
)
from planner.serving.recommend import (
    GPUS_PER_NODE,
    NoPriceError,
    Recommendation,
    RecommendResult,
    Workload,
    recommend,
)
from planner.serving.way_out import WAY_OUT_GPUS_MAX, way_out
from planner.text import decimal, md_escape
from planner.units import number_as_given
from ui import format as fmt
from ui.context import (
    MEMORY_FIELD,
    RECOMMEND_LARGER_LEN_STEP,
    USER_ERRORS,
    app_markdown,
    app_words,
    assumed_network_note,
    current_network,
    drafter_knobs,
    lora_caption,
    lora_knobs,
    model_spec,
    override_knobs,
    planned_acceptance,
    prefix_caching,
    release_default_note,
    row_settings,
    show_error,
    state_settings,
    tower_modes,
    trusts_remote_code,
)
from ui.settle import (
    ALL2ALL_HELP,
    all2all_backends_offered,
    allow_long_input,
    backend_input,
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
from ui.state import blank_entry, keep, mm_limit_counts, set_state, state, typed_input
from ui.tables import key_grid

_RESULT_KEY = "recommend.result"
_PRICES_KEY = "recommend.prices"
# session_state key of the table the price editor edits: the defaults, then, back from another
# page (Streamlit forgets the editor's edits once its page is left), the prices as last edited
# (a comment: Streamlit's "magic" prints a bare string in a page script on the page)
_PRICE_TABLE_KEY = "recommend.price_table"
_EDITED_PRICES_KEY = "recommend.edited_prices"
_GPU_COUNTS = [1, 2, 4, 8, 16, 32, WAY_OUT_GPUS_MAX]  # the way out is always a choice here


def _price_table() -> tuple[dict[str, float], tuple[str, ...]]:
    """The editable price table; returns the prices the user changed or added, and the GPUs
    whose default price the user emptied (left out, as the column's help says). The prices
    stay in the session across pages, as the page's other inputs (ui.state.keep)."""
    if _PRICES_KEY not in st.session_state or _PRICE_TABLE_KEY not in st.session_state:
        edited_before = st.session_state.get(_EDITED_PRICES_KEY, {})
        st.session_state[_PRICE_TABLE_KEY] = pd.DataFrame([{
            "GPU": key, "name": GPU_PRESETS[key].name,
            "$/GPU-hour": edited_before.get(key, row.usd_per_gpu_hour),
            "estimate": row.estimate, "source": row.source,
        } for key, row in DEFAULT_PRICES.items()])
    edited = st.data_editor(
        st.session_state[_PRICE_TABLE_KEY], key=_PRICES_KEY, hide_index=True, height=300,
        disabled=["GPU", "name", "estimate", "source"],
        column_config={"$/GPU-hour": st.column_config.NumberColumn(
            "$/GPU-hour", min_value=0.0, max_value=MAX_USD_PER_GPU_HOUR, format="%.3f",
            help="on-demand $ per GPU-hour; empty: the GPU is left out")},
    )
    st.session_state[_EDITED_PRICES_KEY] = dict(zip(edited["GPU"], edited["$/GPU-hour"],
                                                    strict=True))
    changed, emptied = {}, []
    for key, usd in zip(edited["GPU"], edited["$/GPU-hour"], strict=True):
        default = DEFAULT_PRICES[key].usd_per_gpu_hour
        if pd.isna(usd):  # an emptied cell was planned at the default price
            if default is not None:
                emptied.append(key)
        elif usd != default:
            changed[key] = float(usd)
    return changed, tuple(emptied)


def _prices(changed: dict[str, float], emptied: tuple[str, ...]) -> dict[str, GpuPrice]:
    """The default table with the user's prices, and no price for the GPUs emptied (the
    search leaves them out and names them, as GPUs with none on record)."""
    prices = with_overrides(changed)
    for key in emptied:
        prices[key] = GpuPrice(gpu_key=key, usd_per_gpu_hour=None,
                               source="emptied in the Prices table")
    return prices


def _workload(drafts: int) -> Workload:
    """The workload widgets: a context and concurrency, or a request rate; lengths; targets.
    The arrivals are the Plan page's (state().arrival), named in the page's caption, and so
    is the mean acceptance length of the searched settings' `drafts` (planned_acceptance)."""
    # each input is kept in the session across pages (keep); the lengths and concurrency
    # start at the Plan page's load until changed here
    mode = st.radio("Serve", ["concurrent requests", "a request rate"], horizontal=True,
                    **keep("recommend.mode", "concurrent requests"))
    # no widget bounds (a browser refuses an out-of-range value without a word): keep's
    # limits refuse it aloud, as the state's do on the Plan page
    a, b, c, d = st.columns(4)
    # a refusal under the row, not in its quarter-wide column (typed_input)
    input_len = typed_input(a.number_input, "Input tokens", step=256, under=st, **keep(
        "recommend.input_len", state().input_len, (1, 1 << 24), "Input tokens"))
    output_len = typed_input(b.number_input, "Output tokens", step=256, under=st, **keep(
        "recommend.output_len", state().output_len, (1, 1 << 24), "Output tokens"))
    # the label on one line (it took two at 1280 and 1440 px, its field below the others)
    context = typed_input(c.number_input, "Context (max_model_len)", value=None, step=1024,
                          placeholder="input + output",
                          help="the longest request each row must hold (the CLI's "
                          "--context); empty: input + output tokens",
                          under=st, **keep("recommend.context", None, (2, 1 << 24), "Context"))
    if mode == "concurrent requests":
        concurrency = typed_input(d.number_input, "Concurrency", step=1, under=st, **keep(
            "recommend.concurrency", max(1, state().concurrency), (1, 1 << 16),
            "Concurrency"))
        rate = None
    else:
        concurrency = 1
        rate = typed_input(d.number_input, "Requests/s", step=0.5, format="%.3f", under=st,
                           **keep("recommend.rate", 1.0, (0.001, 1e6), "Requests/s"))
    e, f, g, h = st.columns(4)
    ttft = typed_input(e.number_input, "TTFT target (ms)", value=None, placeholder="none",
                       under=st, **keep("recommend.ttft", None, (0.1, 3.6e6), "TTFT target"))
    tpot = typed_input(f.number_input, "TPOT target (ms)", value=None, placeholder="none",
                       under=st, **keep("recommend.tpot", None, (0.1, 3.6e6), "TPOT target"))
    g.selectbox("At most (GPUs)", _GPU_COUNTS, **keep("recommend.gpus_max", 8))
    h.multiselect("Only these GPUs", list(GPU_PRESETS), placeholder="every priced GPU",
                  **keep("recommend.gpus", []))
    return Workload(input_len=input_len, output_len=output_len, context_tokens=context,
                    concurrency=concurrency, arrival=state().arrival, requests_per_s=rate,
                    ttft_ms=ttft, tpot_ms=tpot,
                    spec_acceptance_length=planned_acceptance(drafts))


def _more_gpus_step(gpus: int) -> str:
    """How to search up to `gpus` GPUs here (way_out's step): the smallest 'At most (GPUs)'
    choice that holds them."""
    return f"set 'At most (GPUs)' to {min(c for c in _GPU_COUNTS if c >= gpus)}"


def _names(keys: tuple[str, ...]) -> str:
    """GPU presets' names, each as inline code ('`rtx-4080`, `a10g`'), which the page keeps on
    one line."""
    return ", ".join(f"`{key}`" for key in keys)


def _answer(slot, result: RecommendResult, way: str) -> None:
    """The search's answer in `slot`, above the inputs: the first row (launchable first, then
    cheapest) as figures, its GPUs, $/hour and $ per million output tokens, then its model,
    weights, layout, KV dtype and verdict; or that none serves, why and the nearest way out
    (`way`: planner.serving.way_out). Under the button, the first row sat at the fold at
    1280x800 and 1366x768 (Qwen3-8B at 32,000 tokens x 8), below it under a model's warning,
    its verdict nowhere."""
    if not result.rows:
        slot.warning("No configuration serves this workload within the search: relax a target, "
                     "allow more GPUs or add prices. " + md_escape(" ".join(filter(
                         None, [result.why_none(), way]))))
        return
    best = result.rows[0]
    # the GPUs by preset, as the grid's rows name them, in the widest column: room for a long
    # preset's name ("8x rtx-pro-6000-maxq")
    box = slot.container(border=True)  # apart from the page's caption under it
    gpus, per_hour, per_m = box.columns([2, 1, 1])
    gpus.metric("Cheapest" if best.launchable else f"Cheapest ({best.run_kind})",
                f"{best.gpus}x {best.gpu_key}", help=f"{best.gpus}x {best.gpu_name}")
    per_hour.metric("$/hour", f"${best.usd_per_hour:,.2f}", help=md_escape(
        best.price_source + (" (an estimate)" if best.price_estimate else "")))
    # the CLI table's cell, "$" before a figure: not 301 digits at --requests-per-s 1e-300
    per_m.metric("$ per M output tokens",
                 usd_per_million_cell(best.usd_per_million_output_tokens, prefix="$"))
    # a longer request's max_model_len is this page's Context field (the Plan page's, in
    # app_words, moved none of these rows)
    verdict = best.verdict.replace(LARGER_LEN_STEP, RECOMMEND_LARGER_LEN_STEP)
    box.caption(app_markdown(
        f"{best.model_name}: {best.quant_label}, {best.layout.label()}, KV "
        f"{best.kv_cache_dtype} (row 1 below, with "
        f"{'its command' if best.launchable else 'why it has no command'}). {verdict}"))


def _show(result: RecommendResult, workload: Workload, models: list[str],
          engine: EngineSettings) -> None:
    """The configurations found (launchable first, then cheapest) and the command of a chosen
    one (where none serves, _answer says why). Each searched model's config warnings come
    first, as the Plan page and the CLI's recommend give them: an FP8 config without its
    quantization_config is searched as 16-bit weights; those of the towers `engine`'s flags
    leave (served_towers: Gemma 4 E2B's audio tower is not named under Language model only
    from vLLM 0.19.0, as vLLM builds none)."""
    for name in models:
        for warning in served_towers(model_spec(name), engine).warnings:
            st.warning(app_markdown(f"{name}: {warning}"))
    # a model searched without the Plan page's LoRA (its slots not sized), a model ruled out,
    # in the app's words
    for note in (*result.lora_notes, *result.notes):
        st.warning(md_escape(app_words(note)))
    if not result.rows:
        return
    table = pd.DataFrame([{
        "model": r.model_name, "name": name,
        "preset": f"{r.gpus}x {r.gpu_key}",
        "GPUs": f"{r.gpus}x {r.gpu_name}", "format": r.quant_key, "weights": r.quant_label,
        "layout": r.layout.label(), "KV dtype": r.kv_cache_dtype,
        "$/hour": round(r.usd_per_hour, 2), "price is an estimate": r.price_estimate,
        "$ per M output tokens": None if r.usd_per_million_output_tokens is None
        else round(r.usd_per_million_output_tokens, 3),
        "TTFT (ms)": None if r.ttft_ms is None else round(r.ttft_ms),
        "TPOT (ms)": None if r.tpot_ms is None else round(r.tpot_ms, 1),
        "output tok/s": None if r.output_tokens_per_s is None else round(r.output_tokens_per_s),
        "at concurrency": r.speed_concurrency, "ceiling (tokens)": r.max_context_tokens,
        "run": r.run_kind,
    } for r, name in zip(result.rows, fmt.short_model_names(r.model_name for r in result.rows),
                         strict=True)])
    # at 1280 px the grid holds the figures a choice is made on under short labels (the full
    # name is the tooltip; $ per million output tokens, TTFT, TPOT and tok/s were out of sight
    # to the right); the model (when one is searched), whether the price is an estimate, the
    # concurrency the speed is for and the ceiling are one click away. The GPUs are named by
    # preset ("1x rtx-3090", as the CLI's table, "Only these GPUs" and the unpriced list name
    # them): the full name was cut at the cell's edge ("1x NVIDIA GeForce RTX 309", 3090 or
    # 3090 Ti?), and two presets share one name (rtx-3080, rtx-3080-12gb)
    several = table["model"].nunique() > 1
    key_grid(table, {
        **({"name": "model"} if several else {}), "preset": "GPUs", "format": "format",
        "layout": "layout", "KV dtype": "KV", "$/hour": "$/h", "$ per M output tokens": "$/M tok",
        "TTFT (ms)": "TTFT ms", "TPOT (ms)": "TPOT ms", "output tok/s": "tok/s", "run": "run",
    }, ["preset", "GPUs", "model", "weights", "price is an estimate", "at concurrency",
        "ceiling (tokens)"],
        "More columns: the GPU's full name, the model, the weight format's full name, whether "
        "the price is an estimate, the concurrency the speed is for, the context ceiling",
        widths={"name": 136, "preset": 140}, placeholder="—",
        more_note=f"ceiling (tokens): {note}" if (note := result.ceiling_note()) else "")
    for caveat in result.caveats():  # ranks: the table's rows from 1
        st.warning(md_escape(caveat))
    if result.network_assumed is not None:  # rows over several nodes, no network given
        st.caption(md_escape(assumed_network_note(result.network_assumed)))
    if result.some_without_command:
        st.caption("Rows the targeted vLLM can start come first, cheapest first; rows with no "
                   "command follow: what-if (a format with no checkpoint vLLM can load) or no "
                   "command (another reason, e.g. a flag to give): pick one to see why.")
    st.caption(f"{result.plans_made:,} plans over {result.searched()}; {result.pruned} GPU "
               "counts skipped (memory "
               f"below the weights), {result.counts_skipped} below the fewest GPUs a replica "
               "could serve on. $ per million output tokens = $/hour / output tokens per "
               "hour, at the request rate when one is given, else at the concurrency's "
               "throughput.")
    # the presets' names as code, each on one line (app.py): as words, the browser broke them
    # at a hyphen ("rtx-4060-ti-" / "16gb", "quadro-rtx-" / "8000" at 1366 px)
    if result.unpriced_gpu_keys:
        st.caption(f"Left out for want of a price: {_names(result.unpriced_gpu_keys)}.")
    if result.no_wsl2_total_gpu_keys:
        st.caption("Left out under Windows (WSL2), no nvidia-smi total on record (plan one "
                   f"with the Hardware page's '{MEMORY_FIELD}'): "
                   f"{_names(result.no_wsl2_total_gpu_keys)}.")
    index = st.selectbox("Start one", range(len(result.rows)), key="recommend.row",
                         format_func=lambda i: f"#{i + 1}: {table.iloc[i]['GPUs']}, "
                         f"{table.iloc[i]['weights']}, {table.iloc[i]['layout']}")
    chosen = result.rows[index]
    if chosen.vllm_command:
        st.code(fmt.shell_block([chosen.vllm_command]), language="bash", wrap_lines=True)
    if chosen.launch_note:
        # node 0's command alone over several nodes: what the others run, as the CLI's row says;
        # without a command, the CLI's Launch wording (why_no_command), capitalised
        why = chosen.why_no_command
        st.caption(app_markdown(chosen.launch_note + other_nodes_note(chosen.vllm_command)
                                if chosen.vllm_command else why[:1].upper() + why[1:]))
    if st.button("Open it on the Plan page", key="recommend.plan_row", help="plans this row "
                 "there: its model, GPU preset and count, weight format, layout and KV dtype, "
                 "with this page's context and load (the Hardware page switches to the "
                 "preset, on its own memory, link and PCIe slot), for every figure, the "
                 "charts and the formulas"):
        _open_on_plan_page(chosen, workload, models)


def _open_on_plan_page(row: Recommendation, workload: Workload, models: list[str]) -> None:
    """Make `row` the Plan page's plan and go there: the preset cluster it was planned on
    (GPUs per node and nodes as recommend's), the model as named here, the row's format,
    layout and KV dtype (row_settings), the batch flags its command sets over vLLM's
    defaults (Recommendation.raised_flags; the others back to the defaults it was planned at),
    the workload's context and lengths, and the concurrency its speed is for."""
    name = next(m for m in models if model_spec(m).name == row.model_name)
    per_node = row.gpus // row.nodes
    cluster = preset_cluster(row.gpu_key, per_node, row.nodes, network=current_network(),
                             wsl2=state().wsl2)
    set_state(hardware="preset", gpu=row.gpu_key, gpus_per_node=per_node, nodes=row.nodes,
              gpu_memory_gib=None, intra_node_link="auto", pcie_generation=None,
              pcie_lanes=None, model=name, revision="",
              max_model_len=workload.max_model_len, input_len=workload.input_len,
              output_len=workload.output_len,
              concurrency=row.speed_concurrency or workload.concurrency,
              max_num_seqs=row.raised_flags.get("max_num_seqs"),
              max_num_batched_tokens=row.raised_flags.get("max_num_batched_tokens"),
              **row_settings(model_spec(name), cluster, row.quant_key, row.layout,
                             row.kv_cache_dtype))
    st.switch_page("ui/pages/plan.py")


def _options_set(limits: tuple[str, ...], state_dtypes: tuple[str, ...],
                 modes: tuple[str, ...], block: bool, hybrid: bool, all2all: bool) -> int:
    """How many of the folded "vLLM options for every row" are set away from their default:
    the counts per prompt of the modalities offered (`limits`: mm_limit_inputs, one flag), the
    model runner, the long max_model_len box (allow_long_input), the drafter, its draft
    tokens and their mean acceptance length, and, where offered (runner_inputs,
    mamba_paging_inputs: `state_dtypes`, the Mamba cache `modes`, `block` and, for a `hybrid`,
    prefix caching; backend_input: `all2all`), the state dtypes, Mamba paging and the
    all-to-all backend, and the HF overrides."""
    current = state()
    return sum(map(bool, (
        set(limits) & set(mm_limit_counts()),
        current.model_runner != "auto", current.allow_long_max_model_len,
        current.speculative_model,
        current.speculative_model and current.num_speculative_tokens,
        current.speculative_model and planned_acceptance(current.num_speculative_tokens),
        len(state_dtypes) > 1 and current.mamba_cache_dtype != "auto",
        len(state_dtypes) > 1 and current.mamba_ssm_cache_dtype != "auto",
        len(modes) > 1 and current.mamba_cache_mode != "auto",
        block and current.mamba_block_size, hybrid and current.prefix_caching != "auto",
        all2all and current.all2all_backend, current.hf_overrides)))


def _engine(**state_dtyped: object) -> EngineSettings:
    """The settings every row is searched with (whose: the comment under this function), with
    the state dtypes, Mamba paging and prefix caching `state_dtyped` where the page offers them
    (state_settings, prefix_caching)."""
    return EngineSettings(vllm_version=state().vllm_version,
                          gpu_memory_utilization=state().gpu_memory_utilization,
                          enforce_eager=state().enforce_eager, model_runner=state().model_runner,
                          allow_long_max_model_len=state().allow_long_max_model_len,
                          **({"block_size": state().block_size} if state().block_size else {}),
                          **lora_knobs(), **tower_modes(), **drafter_knobs(), **state_dtyped,
                          **override_knobs())


settle_state()  # the settings the Plan page settles, with its warnings (ui/settle.py)
# the sidebar's release and the Plan page's utilization (unset: the release's default) and
# arrivals (_workload); the Plan page's Trust remote code for the models that need it
# (trusts_remote_code); the Hardware page's Windows (WSL2) box (recommend --wsl2) and network
# between nodes (recommend --network), whatever its hardware source: this page searches presets;
# the Plan page's KV block size (recommend --block-size): Gemma-3 4B on a B200 under vLLM 0.15
# starts only at 32 or 64 (FlashInfer), so without it the search found no configuration;
# its Enforce eager box (recommend --enforce-eager); its multi-LoRA serving (recommend
# --enable-lora: a model whose slots are not sized is searched without it, warned); its
# Language model only, Encoder TP mode and processor options, offered here too under the
# models (recommend --language-model-only, --mm-encoder-tp-mode, --mm-processor-kwargs: a text
# model is searched without them); its model runner and state dtypes, offered here too, one
# choice for every row (recommend --model-runner, --mamba-cache-dtype, --mamba-ssm-cache-dtype)
st.title("Recommend")
shared = _engine()  # the caption's: the Plan page's settings every row is searched with
# the CLI's flags as inline code (app_markdown), kept whole: as text, "CLI: --arrival" broke
# after its first hyphen at 1280 px
st.caption(app_markdown(
    "The cheapest GPU presets x GPU count x weight format x layout that fit the context "
    "and concurrency (or sustain the request rate) and meet the latency targets, with "
    f"$/hour and $ per million output tokens, under vLLM {shared.vllm_version}'s rules "
    "(the sidebar's release), with the Plan page's gpu_memory_utilization: "
    f"{number_as_given(shared.gpu_memory_utilization)}{release_default_note()} and arrivals: "
    f"{state().arrival} (TTFT and its target; CLI: --arrival)"
    + (f", and mean acceptance length: {decimal(accepted)} (CLI: --spec-acceptance-length)"
       if (accepted := planned_acceptance(shared.num_speculative_tokens)) else "")
    + (f", and KV block size: {state().block_size} tokens (CLI: --block-size)"
       if state().block_size else "")
    + (", with Enforce eager ticked: no CUDA graphs (CLI: --enforce-eager)"
       if state().enforce_eager else "")
    + (", with a Context above a model's own served under VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 "
       "(CLI: --allow-long-max-model-len)" if shared.allow_long_max_model_len else "")
    + (f"; the Plan page's Multi-LoRA serving{lora_caption(shared)}" if shared.enable_lora
       else "") + "."))
if state().wsl2:
    st.caption(app_markdown(
        "Windows (WSL2), ticked on the Hardware page: each preset is planned on its whole "
        "nvidia-smi total, which CUDA reports under WSL2 (CLI: --wsl2); presets with none on "
        "record are left out."))
network = current_network()
if network is not None:
    st.caption(app_markdown(
        f"Network between nodes, from the Hardware page: {network.label} (CLI: "
        f"--network {network.nics_per_node}x{network.nic_gbits:g}), shared by each node's "
        f"GPUs: counts above {GPUS_PER_NODE} GPUs are whole {GPUS_PER_NODE}-GPU nodes planned "
        "over it, not the GPU's DGX network."))
# the answer before the inputs (_answer), once the button below them is pressed
answer = st.empty()
models_kept = keep("recommend.models", [state().model])  # a typed repo id stays an option
options = sorted({*(e.repo_id for e in catalog_entries()), state().model,
                  *st.session_state["recommend.models"]})
models = st.multiselect("Models", options, max_selections=4, accept_new_options=True,
                        **models_kept)
blank = blank_entry(models)
if blank:  # as the Compare page's Models field says it
    show_error("Cannot search", ValueError(f"Models: {blank}"))
    st.stop()
readable = []  # a model that cannot read is left to the search, which says why
for name in models:
    with suppress(*USER_ERRORS):
        readable.append(model_spec(name))
tower_mode_inputs("recommend", *tower_modes_offered(readable), one_row=True)
processor_inputs("recommend", processor_keys_offered(readable))
# the model runner, and the state dtypes where a model searched has Mamba or Gated DeltaNet
# layers: one choice for every row, as recommend --model-runner / --mamba-ssm-cache-dtype
# (a kept dtype no model here reads is not searched unseen, nor put in its commands)
state_dtypes_asked = state_dtypes_offered(readable)
# prefix caching and the Mamba cache mode and block size, likewise (recommend
# --enable-prefix-caching, --mamba-cache-mode, --mamba-block-size)
hybrid = any(spec.has_state_layers for spec in readable)
paging = mamba_paging_offered(readable)
# the all-to-all backend where a model searched is MoE: one choice for every row, as recommend
# --all2all-backend (the Plan page's, link key a2a; vLLM reads it at DP > 1 with EP)
all2all = all2all_backends_offered(readable)
# folded, as the Compare page's, its label counting those set (as the Plan page's "More vLLM
# options"): open, a hybrid's three rows put "Find the cheapest" below the fold at 1366x768,
# and the answer, above them, out of sight once it was pressed
limits = mm_limits_offered(readable)  # --limit-mm-per-prompt's, where a model has a tower
set_here = _options_set(limits, state_dtypes_asked, *paging, hybrid, len(all2all) > 1)
with st.expander("vLLM options for every row" + (f" ({set_here}\u00a0set)" if set_here else ""),
                 key="recommend.vllm_options"):
    mm_limit_inputs("recommend", limits, one_row=True)
    runner_inputs("recommend", runner_choices(), state_dtypes_asked, one_row=True)
    allow_long_input("recommend")
    drafter_inputs("recommend", False, one_row=True)
    mamba_paging_inputs("recommend", *paging, prefix=hybrid, one_row=True)
    backend_input("recommend", "all2all_backend", all2all, ALL2ALL_HELP)
    hf_overrides_input("recommend")
engine = _engine(**(state_settings() | prefix_caching() if hybrid else {}),
                 **({"all2all_backend": state().all2all_backend} if len(all2all) > 1 else {}))
# counts per prompt recommend refuses for a model here (a count above 0 before vLLM 0.16.0,
# an audio tower left with the vision modalities at 0): in its words, as it exits 2
limit_refused = next((f"{spec.name}: {why}" for spec in readable
                      for why in (audio_limit_refusal(spec, engine), limit_refusal(spec, engine))
                      if why), None)
if limit_refused:
    show_error("Cannot search", ValueError(limit_refused))
    st.stop()
try:
    workload = _workload(engine.num_speculative_tokens)
except USER_ERRORS as exc:
    show_error("Cannot search", exc)
    st.stop()
with st.expander(f"Prices ($ per GPU-hour; defaults of {PRICE_TABLE_DATE}, edit any)"):
    st.caption("On-demand rates, one provider per GPU where it lists it: RunPod's pods, else "
               "Lambda's list, else RunPod Serverless's always-on worker rate (usually dearer "
               "than a pod), else an estimate (marked); the source column names each. Prices "
               "move weekly: put in what you pay.")
    overrides, emptied = _price_table()
gpu_keys = tuple(st.session_state["recommend.gpus"]) or None
key = (tuple(models), workload, tuple(sorted(overrides.items())), emptied,
       st.session_state["recommend.gpus_max"], gpu_keys, engine, state().trust_remote_code,
       state().wsl2, network)
if st.button("Find the cheapest", type="primary", key="recommend.run", disabled=not models):
    try:
        with st.spinner("Planning every GPU x count x format x layout…"):
            specs = [model_spec(name) for name in models]
            prices = _prices(overrides, emptied)
            gpus_max = st.session_state["recommend.gpus_max"]
            search = {"engine": engine, "gpu_keys": gpu_keys, "network": network,
                      "trust_remote_code": trusts_remote_code, "wsl2": state().wsl2}
            result = recommend(specs, workload, prices, gpus_max=gpus_max, **search)
            way = way_out(result, specs, prices, gpus_max=gpus_max, step=_more_gpus_step,
                          **search)
        st.session_state[_RESULT_KEY] = (key, result, way)
    except NoPriceError as exc:  # the planner leaves where a price goes to its callers
        st.error(f"Cannot search: {md_escape(str(exc))}: enter a $ per GPU-hour for "
                 f"{md_escape(exc.keys[0])} in the 'Prices' table.")
    except NoWsl2TotalError as exc:  # its advice names a memory this page does not take
        st.error(f"Cannot search: {md_escape(exc.what)}: take it out of 'Only these GPUs', or "
                 f"plan it with the Hardware page's '{MEMORY_FIELD}'.")
    except USER_ERRORS as exc:
        show_error("Cannot search", exc)
stored = st.session_state.get(_RESULT_KEY)
if stored is not None and stored[0] == key:
    _answer(answer, stored[1], stored[2])
    _show(stored[1], workload, models, engine)
else:
    st.caption("Set the workload and press the button (a search takes a second or two).")
