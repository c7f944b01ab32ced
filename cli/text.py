"""Readable (non-JSON) output of the planner commands: a plan, a sweep, an architecture card."""

from __future__ import annotations

from planner.report import (
    ModelCard,
    all_replicas,
    card_facts,
    collectives_text,
    concurrency_note,
    errors_beside_verdict,
    kv_limit_cap,
    kv_limited_requests,
    kv_pool_text,
    launch_note_ranks,
    link_phrase,
    max_model_len_stop,
    no_speed_reason,
    not_planned_lines,
    own_format_line,
    served_note,
    shown_sweep_rows,
    speed_cell,
    sweep_caveats,
    sweep_cells,
    sweep_concurrency,
    sweep_notes,
    sweep_speed_cells,
    sweep_speed_note,
    text_columns,
    tpot_cell,
    tpot_text,
    usd_per_million_cell,
    warm_restart_text,
)
from planner.serving.launch import other_nodes_note, spans_nodes
from planner.serving.plan import WARM_RESTART_LAUNCH_NOTE, Plan
from planner.serving.prices import USER_PRICE_SOURCE
from planner.serving.recommend import Recommendation, RecommendResult
from planner.serving.speed import ServingLoad, SpeedEstimate
from planner.serving.sweep import SweepResult, format_kind
from planner.text import counted, decimal, per_replica, per_second, plural, rank_runs, ranks_by
from planner.units import gib_text


def auto_layout_note(rule: str) -> str:
    """What plan says (text, and JSON `layout_note`) when none of --tp/--pp/--dp was given:
    `rule` (auto_layout.layout_rule), as the app's Plan page caption says it, in the CLI's
    flags."""
    return f"Layout chosen for this hardware: {rule}; give --tp, --pp or --dp to change it."



def speed_lines(speed: SpeedEstimate | None, plan: Plan, load: ServingLoad) -> list[str]:
    """The Speed block of a plan: TTFT, TPOT, throughput, prefill rate, all-reduce, notes; or
    why there is none."""
    if speed is None:
        return [no_speed_reason(plan, load)]
    load = speed.load
    asked = "" if speed.concurrency == load.concurrency else f" (of {load.concurrency:,} asked)"
    return [
        f"Speed at {load.input_len:,} in / {load.output_len:,} out, "
        f"{counted(speed.concurrency, 'request')} at once{load.arriving}{asked}; "
        f"{speed.kernel_label} kernels, {link_phrase(speed, plan)}",
        f"  TTFT                {speed.ttft_ms:,.0f} ms",
        f"  TPOT                {tpot_text(speed.tpot_ms)}"
        + ("" if speed.tpot_ms is None else
           f" ({speed.output_tokens_per_s_per_request:,.1f} tok/s per request)"),
        f"  output throughput   {speed_cell(speed.output_tokens_per_s)} tok/s (all requests)",
        f"  prefill             {speed.prefill_tokens_per_s:,.0f} tok/s (one request)",
        _collectives_line(speed, plan.layout.tp),
        f"  KV-limited          {kv_limited_requests(speed, plan.layout.dp)} "
        f"{plural(speed.kv_limited_concurrency, 'request')} "
        f"{load.held_label}"
        + (f": {cap}" if (cap := kv_limit_cap(speed, plan)) else ""),
        *(f"  note: {n}" for n in speed.notes),
    ]


def _collectives_line(speed: SpeedEstimate, tp: int) -> str:
    """The speed block's line for allreduce_ms_per_step, named by what it holds
    (allreduce_label): the first collective in the column, the one beside it after; none at
    TP=1 (collectives_text)."""
    first, _, beside = speed.allreduce_label.partition(" + ")
    value = collectives_text(speed, tp)
    if value.startswith("none"):
        return f"  {first:<19} {value}"
    return (f"  {first:<19} {value} per decode step"
            + (f" (with the {beside})" if beside else ""))


def _ceiling_past_tokens(plan: Plan) -> str:
    """Why the context ceiling can pass the KV cache tokens (a newcomer reads it as a
    contradiction): the tokens are vLLM's own count, concurrency x max_model_len, while layers
    that keep only a window or a fixed state hold less than a token's full bytes for a long
    request. With every layer full the count passes the ceiling unless max_model_len is no
    multiple of the block size: each request is counted at max_model_len but takes whole
    blocks (Qwen3-8B at 1,500 tokens: 2,230 blocks / 94 per request x 1,500 = 35,585 tokens,
    ceiling 2,229 x 16 = 35,664), so the ceiling can pass the count by up to the rounding's
    share, (tokens + 1) x rounded request / max_model_len."""
    if plan.max_context_tokens <= plan.kv_cache_tokens:
        return ""
    length, block = plan.max_model_len, plan.block_size
    rounded = -(-length // block) * block
    rounding = plan.max_context_tokens * length <= (plan.kv_cache_tokens + 1) * rounded
    if rounded != length and rounding:
        return (f" (more than the KV cache tokens, vLLM's own count, which counts each "
                f"{length:,}-token request as {counted(length, 'token')} though it holds "
                f"{rounded:,}: whole {block}-token blocks)")
    return (" (more than the KV cache tokens, vLLM's own count: layers with a sliding "
            "window or a fixed state do not grow with the context)")


def plan_text(plan: Plan, speed: SpeedEstimate | None, load: ServingLoad, stored_format: str,
              idle: str = "", layout_note: str | None = None) -> str:
    """The plan's weight format (with the checkpoint's, `stored_format`, where the GPU serves a
    16-bit checkpoint in another dtype: served_note), its headline figures (KV tokens and
    concurrency per replica under DP, and the concurrency of all replicas), the GPUs the
    layout leaves idle (`idle`, from planner.report.idle_gpus), how the layout was chosen
    (`layout_note`, auto_layout_note where it is the hardware's), the binding GPU's memory,
    the speed block at `load` (or why there is none) and the launch command; on Model Runner
    V2 the pool a warm restart sizes beside the KV pool (warm_restart_text)."""
    replicas = f", {all_replicas(plan)}" if plan.layout.dp > 1 else ""
    lines = [
        f"{plan.model_name} on {plan.gpus_label}"
        f"{' (WSL2)' if plan.wsl2 else ''}, {plan.layout.label()}",
        *([idle] if idle else []),
        *([layout_note] if layout_note else []),
        "",
        f"  weight format       {plan.weight_format} ({plan.weight_format_label}"
        + (f": {note}" if (note := served_note(plan, stored_format)) else "") + ")",
        f"  parameters          {plan.params_total:,} total, {plan.params_active:,} active "
        "(embeddings included)",
        f"  weights per GPU     {gib_text(plan.weights_bytes_per_gpu)}"
        + (f" ({gib_text(plan.lora_bytes_per_gpu)} of them LoRA slots)"
           if plan.lora_bytes_per_gpu else ""),
        f"  activation per GPU  {gib_text(plan.activation_bytes_per_gpu)}",
        f"  non-torch per GPU   {gib_text(plan.non_torch_bytes_per_gpu)}",
        *([f"  runner buffers      {gib_text(plan.runner_buffer_bytes_per_gpu)}"]
          if plan.runner_buffer_bytes_per_gpu else []),
        f"  CUDA graphs per GPU {gib_text(plan.cuda_graph_bytes_per_gpu)}",
        f"  KV cache per GPU    {kv_pool_text(plan.kv_cache_bytes_per_gpu)}",
        *([f"  warm restart        {warm}"] if (warm := warm_restart_text(plan)) else []),
        f"  KV bytes per token  {plan.kv_bytes_per_token:,} B "
        f"({plan.kv_bytes_per_token_per_gpu:,} B per GPU)",
        f"  KV cache tokens     {plan.kv_cache_tokens:,}{per_replica(plan.layout.dp)}",
        f"  context ceiling     {plan.max_context_tokens:,} tokens{_ceiling_past_tokens(plan)}"
        f"{max_model_len_stop(plan)}",
        f"  concurrency         {plan.max_concurrency:,.2f}{per_replica(plan.layout.dp)} at "
        f"{counted(plan.max_model_len, 'token')}{replicas}"
        + (f" ({note})" if (note := concurrency_note(plan)) else ""),
        "",
        plan.verdict,
        *(f"warning: {w}" for w in plan.warnings),
        *(f"error: {e}" for e in errors_beside_verdict(plan)),
        "",
        *speed_lines(speed, plan, load),
        "",
        *plan.launch_lines,
        *([plan.launch_text] if plan.launch_text else []),
        *([WARM_RESTART_LAUNCH_NOTE, *plan.warm_restart_launch_lines]
          if plan.warm_restart_launch_lines else []),
        *([plan.v2_warm_restart_launch_note] if plan.v2_warm_restart_launch_note else []),
    ]
    return "\n".join(lines) + "\n"


def sweep_text(result: SweepResult, own_key: str, top: int | None) -> str:
    """The ranked sweep as an aligned table: the `top` best rows (None: all), each marked as
    the checkpoint's own format, one vLLM makes at load or a what-if (format_kind); the best
    own-format row is always shown (after a '...' line, with its real rank, when it ranks
    below `top`: shown_sweep_rows)."""
    shown = shown_sweep_rows(result.rows, own_key, top)
    cells = [["#", "format", "weights", "layout", "kv", "gpus", "fits", "weights/gpu",
              "kv/gpu", "ceiling", "concurrency"]]
    speed = result.load is not None
    if speed:
        cells[0] += ["ttft ms", "tpot ms", "out tok/s", "at C"]
    for rank, row in shown:
        if row is None:
            cells.append(["..."] + [""] * (len(cells[0]) - 1))
            continue
        line = sweep_cells([row])[0]
        kind = format_kind(row.quant_key, own_key)
        cells.append([str(rank), "checkpoint" if kind == "own" else kind, *line[1:]])
        if speed:
            cells[-1] += sweep_speed_cells(row, result.load.concurrency if result.load else None)
    total = len(result.rows)
    count = f"top {min(top, total)} of {total}" if top and top < total else f"all {total}"
    # the product counts every format on every valid layout; rows not planned for a format
    # (vLLM refuses it: GPTQ/AWQ alignment, a start-up it stops on that layout, settings it
    # refuses; or Headroom does not plan it on this release) are none: the "not planned:"
    # lines below say why
    left_out = len(result.quant_keys) * result.layouts_tried * len(result.kv_dtypes) - total
    head = (f"{result.model_name} on {result.cluster_source}: {count} combinations "
            f"({counted(len(result.quant_keys), 'weight format')} x "
            f"{counted(result.layouts_tried, 'layout')} x "
            f"{counted(len(result.kv_dtypes), 'KV dtype')}"
            + (f", less {left_out:,} not planned" if left_out else "") + "), best first")
    lines = [head, *not_planned_lines(result),
             *own_format_line(result.rows, own_key)]
    if top and top < total:
        lines.append("--top K or --all shows more rows")
    if speed:
        lines.append(sweep_speed_note(result))
    # one line per command, one per note shared by the rows without one ("#1-#20  <note>"),
    # in the order of the first rank each names
    launches = [line for _, line in sorted(
        [(rank, f"#{rank}  {_launch(row.vllm_command, row.launch_note)}")
         for rank, row in shown if row and row.vllm_command is not None]
        + [(at[0], f"{rank_runs(at)}  {note}")
           for note, at in launch_note_ranks((rank, row) for rank, row in shown if row).items()])]
    ranked = [(rank, row) for rank, row in shown if row]
    caveats = [*sweep_caveats(ranked), *sweep_notes(result, ranked)]
    if result.rows and not any(row.fits for row in result.rows):
        # the rows' launch notes say "see the verdict", which the table does not show: a
        # refusal of every row (an MTP draft the model lacks) left only "no" to go on
        caveats.append(f"no row fits; #1's verdict: {result.rows[0].verdict}")
    return "\n".join([*lines, "", *text_columns(cells), *([""] if caveats else []), *caveats,
                      "", "Launch:", *launches]) + "\n"


def _recommend_launch(r: Recommendation) -> str:
    """A recommendation's Launch line: its command, or why it has none, headed by its run
    column's word (Recommendation.run_kind)."""
    return _launch(r.vllm_command, r.launch_note) if r.vllm_command else r.why_no_command


def _launch(command: str | None, note: str) -> str:
    """A row's command (node 0's over several nodes, then the note saying what the others
    run: with --nnodes, the same command at their --node-rank, --headless, which the row does
    not list), or why it has none."""
    if command is None:
        return note
    if not spans_nodes(command):
        return command
    return f"{command}\n    {note}{other_nodes_note(command)}"


def _given_prices(result: RecommendResult) -> str:
    """", except those given (--price, --prices): rtx-3090": the listed rows' GPUs whose price
    is the user's, not the table's, so the Prices line does not call them list prices ("" if
    none)."""
    given = dict.fromkeys(r.gpu_key for r in result.rows if r.price_source == USER_PRICE_SOURCE)
    return f", except those given (--price, --prices): {', '.join(given)}" if given else ""


_WITHOUT_COMMAND_ROWS = (
    "Rows you can start with the targeted vLLM come first (cheapest first); rows with no "
    "command for it follow, each saying why under Launch: what-if (a format only a converted "
    "checkpoint holds) or no command (another reason, e.g. a flag to give).")
"""recommend's line under its table where a listed row has no command (some_without_command)."""


def recommend_text(result: RecommendResult, way_out: str = "") -> str:
    """The configurations as an aligned table (launchable first, then cheapest), each row's
    command or why it has none, then what the search covered; where none serves, why and
    `way_out` (planner.serving.way_out)."""
    w = result.workload
    room = f" with KV room for {counted(w.concurrency, 'request')}" if w.concurrency > 1 else ""
    goal = (f"{per_second(w.requests_per_s, 'request')}{room}" if w.requests_per_s is not None
            else counted(w.concurrency, "concurrent request"))
    targets = "".join(f", {name} <= {decimal(v)} ms" for name, v in (("TTFT", w.ttft_ms),
                                                                 ("TPOT", w.tpot_ms)) if v)
    head = (f"Cheapest configurations for {goal} at {w.max_model_len:,} tokens of context "
            f"(input {w.input_len:,}, output {w.output_len:,}{w.load.arriving}){targets}"
            + ("; GPUs under Windows WSL2, each on its nvidia-smi total" if result.wsl2 else ""))
    rows = [["#", "model", "gpus", "weights", "layout", "kv", "$/hour", "$/M out tok",
             "ttft ms", "tpot ms", "out tok/s", "at C", "ceiling", "kv room (req)", "run"]]
    rows += [[str(i), r.model_name, f"{r.gpus}x {r.gpu_key}", r.quant_label, r.layout.label(),
              r.kv_cache_dtype, f"{r.usd_per_hour:,.2f}" + ("*" if r.price_estimate else ""),
              usd_per_million_cell(r.usd_per_million_output_tokens), speed_cell(r.ttft_ms, 0),
              tpot_cell(r.tpot_ms, r.output_tokens_per_s), speed_cell(r.output_tokens_per_s),
              speed_cell(r.speed_concurrency, 0),
              f"{r.max_context_tokens:,}", sweep_concurrency(r),
              "vllm serve" if r.launchable else r.run_kind]
             for i, r in enumerate(result.rows, 1)]
    lines = [head, ""]
    lines += text_columns(rows) if result.rows else [
        "No configuration serves this workload within the search.",
        *filter(None, [result.why_none(), way_out])]
    if result.rows:
        lines += ["", *([_WITHOUT_COMMAND_ROWS] if result.some_without_command else []),
                  *[f"ceiling: {note}" for note in [result.ceiling_note()] if note],
                  f"kv room (req): the requests of {w.max_model_len:,} tokens the KV cache "
                  "holds at once (under DP, all replicas': DP x one's).", "Launch:",
                  # rows on the same command (one GPU count on several GPU models) share a line
                  *(f"{rank_runs(at)}  {line}" for line, at in
                    ranks_by(enumerate(result.rows, 1), _recommend_launch).items())]
    lines += [
        "",
        *(f"note: {n}" for n in (*result.notes, *result.caveats())),
        f"Searched {result.searched()}: {result.plans_made:,} plans "
        f"({result.pruned} GPU counts skipped: memory below the weights; "
        f"{result.counts_skipped} below the fewest GPUs a replica could serve on).",
        f"Prices: $ per GPU-hour, table of {result.price_table_date} (on-demand list prices, "
        f"--json gives each source){_given_prices(result)}; * marks an estimate.",
    ]
    if result.unpriced_gpu_keys:
        lines.append(f"No price (left out; add one with --price GPU=USD): "
                     f"{', '.join(result.unpriced_gpu_keys)}.")
    if result.no_wsl2_total_gpu_keys:
        lines.append(f"--wsl2: no nvidia-smi total on record (left out; plan them with "
                     f"--gpu-memory-gib): {', '.join(result.no_wsl2_total_gpu_keys)}.")
    return "\n".join(lines) + "\n"


def card_text(card: ModelCard) -> str:
    """The architecture card as aligned text, then each field's source and the assumptions."""
    lines = [card.name, "", *("  " + line for line in text_columns(
        [list(fact) for fact in card_facts(card)]))]
    if card.fields:
        lines += ["", "Fields and their sources:",
                  *("  " + line for line in text_columns(
                      [[f.field, f.value, f.source] for f in card.fields]))]
    lines += [f"assumption: {a}" for a in card.assumptions]
    lines += [f"warning: {w}" for w in card.warnings]
    return "\n".join(lines) + "\n"
