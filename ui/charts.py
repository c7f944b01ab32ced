"""Plotly figures shared by the pages (display only: every number comes from the planner)."""

import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from planner.serving.plan import Plan, RankMemory
from planner.text import counted, rank_runs
from planner.units import GIB, gib_text
from ui.format import short_model_names

_SEGMENTS = (
    ("weights_bytes", "weights", "#4c78a8"),
    ("lora_bytes", "LoRA slots", "#9ecae9"),
    ("activation_bytes", "activation peak", "#f58518"),
    ("non_torch_bytes", "non-torch (CUDA ctx, NCCL)", "#e45756"),
    ("runner_buffer_bytes", "model runner buffers", "#72b7b2"),
    ("cuda_graph_bytes", "CUDA graphs", "#b279a2"),
    ("kv_cache_bytes", "KV cache pool", "#54a24b"),
    ("used_by_others_bytes", "other processes", "#9d755d"),
)

_SHOWN_WHERE_ANY = ("lora_bytes", "used_by_others_bytes", "runner_buffer_bytes")
"""Segments the memory bar has only where some GPU has such bytes: a plan without LoRA, other
processes or runner buffers (vLLM before 0.27) draws no empty entry for them."""


MEMORY_BARS_PER_GPU = 16
"""Up to this many GPUs the memory chart has one bar each; above it, one bar per distinct
breakdown, labelled with its GPUs (64 nodes x 64 GPUs drew 4,096 bars whose labels ran
into each other, and 64 H100s 64 slivers)."""


MODEBAR = {"remove": ["zoom", "pan", "select", "lasso", "zoomin", "zoomout", "autoscale"]}
"""Every chart's plotly modebar (drawn at its top right while the pointer is on the chart,
beside Streamlit's fullscreen button) with its download and reset buttons only: its seven
buttons, 200 px, hid the Compare charts' titles' ends ("one request)" at 1366 px) and the
memory legend's last entries; a drag still zooms, a double click resets."""
MEMORY_TOP_PX = 80
"""The memory chart's top margin: its legend, above the plot, in two rows at 1280 px, is
kept clear of the modebar's 28 px at the top ("model runner buffers" under the modebar at
1280 px, "weights" at 1366 in one row under a 30 px margin)."""


TWO_LEVEL_MARGIN_PX = 60
"""The memory chart's bottom margin under a two-level axis, the GPUs' labels and their nodes'
under them (12 px text each): plotly widens the margin for the first level only (to 34 px),
and 'node 0' was cut in half."""


def _memory_bars(result: Plan) -> list[tuple[str, str | None, RankMemory]]:
    """(label, node, GPU) per bar: each GPU ('GPU3'; on several nodes its index in its node,
    'GPU0', and its node, 'node 1', where 'GPU4' read as a fifth GPU of one node; else node
    None), or above MEMORY_BARS_PER_GPU GPUs one bar per set of GPUs whose figures are all
    equal ('GPU0-7, 16-23 (16 GPUs)', ranks), in rank order of their first GPU. Display only:
    the bar shows the figures the planner gave them."""
    if len(result.per_gpu) <= MEMORY_BARS_PER_GPU:
        if len({r.node for r in result.per_gpu}) > 1:
            return [(f"GPU{r.gpu_index}", f"node {r.node}", r) for r in result.per_gpu]
        return [(f"GPU{r.rank}", None, r) for r in result.per_gpu]
    same: dict[tuple[int, ...], list[RankMemory]] = {}
    for r in result.per_gpu:
        figures = (r.total_bytes, r.budget_bytes, *(_segment_bytes(r, f) for f, _, _ in _SEGMENTS))
        same.setdefault(figures, []).append(r)
    return [(f"GPU{rank_runs([r.rank for r in ranks], '')} ({counted(len(ranks), 'GPU')})",
             None, ranks[0]) for ranks in same.values()]


def _segment_bytes(r: RankMemory, field: str) -> int:
    """A GPU's bytes in one segment of its bar: its weights less its LoRA slots, which have
    their own segment above them (vLLM allocates them with the weights, which count them:
    RankMemory.lora_bytes), so the bar's total is the GPU's either way."""
    return r.weights_bytes - r.lora_bytes if field == "weights_bytes" else getattr(r, field)


def _lora_label(sizes_bytes: list[int]) -> str:
    """The LoRA slots' legend entry with their size ('LoRA slots (0.34 GiB)', 'up to' the most
    where GPUs differ): a few hundred MiB on an 80 GiB bar is a pixel's sliver at 1280 px."""
    most = gib_text(max(sizes_bytes))
    return f"LoRA slots ({most})" if len(set(sizes_bytes)) == 1 else f"LoRA slots (up to {most})"


def memory_bar(result: Plan) -> go.Figure:
    """One stacked bar per GPU (or per set of equal GPUs: _memory_bars): weights, LoRA slots
    (--enable-lora), activation, non-torch, runner buffers (vLLM 0.27 on), graphs, KV pool,
    others, free.

    Free is what the budget (`gpu_memory_utilization` x total) leaves of the GPU's total.
    Each segment's hover is its size as gib_text writes it: "%{y:.2f} GiB" read "0.00 GiB"
    for a runner's 4 MiB buffers. On several nodes the axis has two levels, each GPU over its
    node's name, once under the node's bars: 'GPU0<br>node 0' under each of 16 bars ran into
    its neighbours at 1024 px ("node 0node 0"). The legend is above the plot: below it, at a
    fixed fraction of the plot's height, its three rows at 1024 px covered those labels.
    """
    bars = _memory_bars(result)
    gpus = [label for label, _, _ in bars]
    x = [[node for _, node, _ in bars], gpus] if bars[0][1] is not None else gpus
    fig = go.Figure()
    for field, label, color in _SEGMENTS:
        sizes = [max(0, _segment_bytes(r, field)) for _, _, r in bars]
        if any(sizes) or field not in _SHOWN_WHERE_ANY:
            _add_segment(fig, x, sizes, _lora_label(sizes) if field == "lora_bytes" else label,
                         color)
    free = [max(0, r.total_bytes - sum(max(0, _segment_bytes(r, f)) for f, _, _ in _SEGMENTS))
            for _, _, r in bars]
    _add_segment(fig, x, free, "free", "#d3d3d3")
    _budget_line(fig, [r.budget_bytes / GIB for _, _, r in bars])
    fig.update_layout(barmode="stack", yaxis_title="GiB", height=MEMORY_TOP_PX + 330,
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                              "font": {"size": 12}}, modebar=MODEBAR,
                      margin={"t": MEMORY_TOP_PX,
                              "b": TWO_LEVEL_MARGIN_PX if x is not gpus else 10})
    return fig


def _add_segment(fig: go.Figure, x: list, sizes_bytes: list[int], label: str,
                 color: str) -> None:
    """One stacked segment of the memory bars at `x` (the bars' labels, or their nodes' and
    theirs: a two-level axis): heights in GiB, hovers as gib_text."""
    fig.add_bar(x=x, y=[size / GIB for size in sizes_bytes], name=label, marker_color=color,
                customdata=[gib_text(size) for size in sizes_bytes],
                hovertemplate="%{customdata}")


def line_mark(axis: str, at: float, dash: str, color: str = "#222222") -> dict:
    """A reference line across the plot as a layout shape: a horizontal one at y = `at`
    (axis 'y') or a vertical one at x = `at` (axis 'x', data units even on a log axis).
    Written as a dict: plotly's add_hline/add_vline take 10-30 ms each, on every rerun."""
    line = {"color": color, "width": 2, "dash": dash}
    if axis == "y":
        return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": at,
                "y1": at, "line": line}
    return {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x", "x0": at, "x1": at,
            "line": line}


def _budget_line(fig: go.Figure, budgets_gib: list[float]) -> None:
    """A dashed line at each GPU's budget (gpu_memory_utilization x total): what the stacked
    terms must stay under, so a 'Does not fit' bar shows by how much it overflows. Mixed GPUs
    have a segment per bar, "budget" over the first bar of each budget: unnamed, the segments
    of 8 RTX 3090s and an H200 said nothing of what they mark (helper 540's review)."""
    # the line's dark grey: the theme's grey text was faint over the grey "free"
    label = {"yref": "y", "text": "budget", "showarrow": False, "xanchor": "left",
             "yanchor": "bottom", "font": {"size": 12, "color": "#222222"}}
    if len(set(budgets_gib)) == 1:
        fig.update_layout(shapes=[line_mark("y", budgets_gib[0], "dash")], annotations=[
            {**label, "xref": "paper", "x": 0, "y": budgets_gib[0]}])
        return
    style = {"color": "#222222", "width": 2, "dash": "dash"}
    fig.update_layout(shapes=[  # mixed GPUs: one segment per bar
        {"type": "line", "xref": "x", "x0": i - 0.4, "x1": i + 0.4, "yref": "y", "y0": budget,
         "y1": budget, "line": style} for i, budget in enumerate(budgets_gib)],
        annotations=[{**label, "xref": "x", "x": budgets_gib.index(budget) - 0.4, "y": budget}
                     for budget in dict.fromkeys(budgets_gib)])


HEATMAP_MAX_LAYOUTS = 16
"""Layout columns the sweep heatmap shows (the best ones): beyond ~16, labels and cells get
too narrow to read at 1280 px; the table beside it has every row."""


def _layout_order(label: str) -> tuple[int, int, int, int, bool]:
    """Sort key of a layout label such as 'TP=2 x PP=2 x DP=2 + EP': GPUs, TP, PP, DP, EP."""
    tp, pp, dp = (int(m.group(1)) if (m := re.search(rf"{part}=(\d+)", label)) else 1
                  for part in ("TP", "PP", "DP"))
    return tp * pp * dp, tp, pp, dp, "EP" in label


def _compact(value: float) -> str:
    """A cell label that fits a narrow cell: '41k' for 40,960, '6.5M', '12.3' (hover is exact)."""
    if abs(value) >= 10**6:
        return f"{value / 10**6:.1f}M"
    if abs(value) >= 10**4:
        return f"{value / 10**3:.0f}k"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.1f}"


def sweep_heatmap(table: pd.DataFrame, metric: str) -> go.Figure:
    """`metric` over (quantization x KV dtype) rows and layout columns, from the sweep table
    (ranked, best first): the HEATMAP_MAX_LAYOUTS layouts with the best values, ties taken in
    the sweep's rank order, then ordered by GPUs then TP. (Ties were taken in no order: with
    every ceiling capped at the model's 40,960, the sweep's top row's TP=8 was left out.)"""
    table = table.assign(format=table["quantization"] + "<br>KV " + table["KV dtype"])
    grid = table.pivot_table(index="format", columns="layout", values=metric, aggfunc="max")
    values = grid.max().fillna(-1)  # a layout with no value at all sorts last
    ranked = list(dict.fromkeys(table["layout"]))  # each layout at its best row's rank
    best = sorted(ranked, key=lambda layout: -values[layout])[:HEATMAP_MAX_LAYOUTS]  # stable
    grid = grid[sorted(best, key=_layout_order)]
    cells = grid.map(lambda v: "" if pd.isna(v) else _compact(v))
    # one value in every cell (each ceiling at the model's max_model_len): a colour bar of
    # one colour, its ticks made up around it ("163.8404k" ... "163.8396k" for 163,840)
    one_value = grid.stack().nunique() <= 1
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=list(grid.columns), y=list(grid.index), text=cells.values,
        texttemplate="%{text}", textfont={"size": 11}, colorscale="Greens",
        showscale=not one_value,
        colorbar={"title": {"text": metric, "side": "right", "font": {"size": 12}},
                  "thickness": 14, "tickfont": {"size": 11}},
        hovertemplate="%{y}<br>%{x}<br>" + metric + ": %{z:,}<extra></extra>"))
    fig.update_layout(
        height=max(360, 150 + 44 * len(grid)), font={"size": 12}, modebar=MODEBAR,
        margin={"t": 20, "b": 10, "l": 10, "r": 10},
        xaxis={"title": {"text": "layout", "standoff": 8}, "tickangle": -40,
               "tickfont": {"size": 11}, "automargin": True, "type": "category"},
        yaxis={"tickfont": {"size": 11}, "automargin": True, "autorange": "reversed"})
    return fig


FIT_COLORS = {"yes": "#54a24b", "yes*": "#f2a93b", "stalls": "#f2a93b", "no": "#e45756"}
"""A compared model's bar colour by its fits cell (planner.report.fits_cell: stalls, vLLM
starts it but its longest request never completes, is no confident fit, as yes*)."""


def grouped_bars(table: pd.DataFrame, columns: list[str], title: str,
                 refused: Sequence[bool] = (),
                 shown: Mapping[str, Sequence[str]] | None = None) -> go.Figure:
    """One group per model, one bar per column (Compare page); a lone column is coloured by
    the `fits` column (planner.report.fits_cell, a marker after a space allowed): green yes,
    amber yes* (fits on figures that leave parts out) and stalls, red no. `refused`, one per
    model: where true, its bars are hatched (a concurrency vLLM serves none of). `shown`: a
    column's texts at its bars' ends, one per model, in place of its figures: the grid's
    ('2.18 (refused)', 'no KV cache': ui.format.concurrency_text).

    The bars lie along the models' names, the first model on top: standing bars tilted the
    names of six models at 1280 px, the last one ran past the chart's edge
    ("Qwen3-Coder-480B-A35B-Instru") and the narrower plot wrapped the legend onto the title."""
    fit_colors = [FIT_COLORS[fits.split()[0]] for fits in table["fits"]]
    names = short_model_names(table["model"])
    marked = list(refused) or [False] * len(table)
    shown = shown or {}
    # the words after a figure, or in its place, the longest of them
    words = max((len(text.lstrip("0123456789,.")) for texts in shown.values()
                 for text in texts), default=0)
    fig = go.Figure()
    for column in columns:
        # each bar's figure at its end (cliponaxis: the longest one's in the right margin):
        # the axes had two or three ticks, so 40,960 beside 96,128 read only as "under 50k"
        fig.add_bar(y=names, x=table[column], name=column, orientation="h",
                    marker_color=fit_colors if len(columns) == 1 else None,
                    marker_pattern_shape=["/" if m else "" for m in marked],
                    text=list(shown.get(column) or _bar_texts(table[column])),
                    textposition="outside", cliponaxis=False, textfont={"size": 12})
    # the legend above the plot, under the title, with room for two rows; every chart of the
    # page one height, so the two columns' charts stay side by side
    legend = len(columns) > 1
    fig.update_layout(barmode="group", height=170 + 40 * len(names),
                      title={"text": title, "yref": "container", "y": 1, "yanchor": "top",
                             "pad": {"t": 12}},
                      margin={"t": 110 if legend else 60, "b": 10,
                              "r": BAR_TEXT_MARGIN_PX + round(words * BAR_WORD_CHAR_PX)},
                      showlegend=legend, modebar=MODEBAR,
                      yaxis={"autorange": "reversed"},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig


BAR_TEXT_MARGIN_PX = 72
"""The Compare charts' right margin, where the longest bar's figure is drawn: at plotly's
default in Streamlit's theme '16.46' read '16' and '327,680' '32' at 1280 px; 72 px holds
'1,338,624' in 12 px text."""
BAR_WORD_CHAR_PX = 5.6
"""The margin's more room a character of a bar's words (`shown`) takes, in 12 px text: 56 px
held ' (refused)' after a figure and 'no KV cache'; ' at 40,960 (its maximum)' (a compared
model at its own maximum) takes 24 of them."""


def _bar_texts(values: pd.Series) -> list[str]:
    """Each bar's figure, a column's with the same decimals: none where every one is whole
    ('40,960'), else two ('14.56', '7.00', as the grid beside shows them); empty where there
    is none (a model that does not fit has no speed)."""
    digits = 0 if all(float(v).is_integer() for v in values.dropna()) else 2
    return ["" if pd.isna(value) else f"{value:,.{digits}f}" for value in values]


SPEED_CHART_TOP_PX = 52
"""The speed chart's top margin: the KV-limit label's 20 px line under the modebar's 26."""
TICK_MIN_RATIO = 1.5
"""On the speed chart's log axis, a power-of-two tick closer than this factor to the marked
KV-limited or chosen concurrency is not labelled: at 1280 px "128" and "134" (TP=4 x DP=2 of
the seed) printed over each other as "1134", and at 1.25 "512" and "660" (TP=2 x DP=4 of
Qwen3-30B-A3B) still did at 1024 px, tilted. The marked point keeps its label."""


def speed_vs_concurrency(points: pd.DataFrame, kv_limit: int, chosen: int) -> go.Figure:
    """Output tokens/s (all requests, left axis) and TPOT / TTFT in ms (right axis) against
    requests in flight, from `points` (columns concurrency, output_tokens_per_s, tpot_ms,
    ttft_ms); the KV-limited concurrency and the chosen one are marked."""
    fig = go.Figure()
    fig.add_scatter(x=points["concurrency"], y=points["output_tokens_per_s"],
                    name="output tokens/s (all requests)", mode="lines+markers",
                    marker_color="#4c78a8", hovertemplate="%{y:,.0f} tokens/s")
    fig.add_scatter(x=points["concurrency"], y=points["tpot_ms"], name="TPOT (ms)",
                    mode="lines+markers", yaxis="y2", marker_color="#f58518",
                    hovertemplate="%{y:,.1f} ms")
    fig.add_scatter(x=points["concurrency"], y=points["ttft_ms"], name="TTFT (ms)",
                    mode="lines", yaxis="y2", line={"dash": "dot", "color": "#e45756"},
                    hovertemplate="%{y:,.0f} ms")
    # an annotation's x on a log axis is log10(x) (a label at x = the KV limit, 52, stretched
    # the axis to 1e52); a shape's x stays in data units
    marked = {kv_limit, chosen}
    ticks = [int(c) for c in points["concurrency"] if c in marked or all(
        max(c, m) / min(c, m) >= TICK_MIN_RATIO for m in marked)]
    shapes = [line_mark("x", kv_limit, "dash", "#54a24b")]
    notes = [{"x": math.log10(kv_limit), "y": 1, "yref": "paper", "yanchor": "bottom",
              "xanchor": "right", "text": f"KV limit: {kv_limit:,}", "showarrow": False}]
    # the chosen concurrency's line named in the legend: its label at the foot of the line
    # covered the curves' markers at 1 (the seed's default)
    if chosen != kv_limit:
        shapes.append({**line_mark("x", chosen, "dot", "#888888"), "showlegend": True,
                       "name": f"chosen: {chosen:,}"})
    fig.update_layout(
        shapes=shapes, annotations=notes,
        # ticks at the planned points and whole milliseconds: a log axis spanning less than
        # a decade otherwise labels its ticks with bare leading digits (6, 9, 1, 2)
        xaxis={"title": "requests in flight (concurrency)", "type": "log",
               "tickvals": ticks, "ticktext": [f"{c:,}" for c in ticks]},
        yaxis={"title": "output tokens/s", "rangemode": "tozero"},
        yaxis2={"title": "ms", "overlaying": "y", "side": "right", "type": "log",
                "automargin": True, "tickformat": ",.0f", "dtick": "D2"},
        # t: the KV-limit label sits above the plot, below plotly's modebar (26 px at the top
        # right, shown while the pointer is on the chart), which hid it at 30
        height=340, margin={"t": SPEED_CHART_TOP_PX, "b": 10, "r": 10}, modebar=MODEBAR,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
