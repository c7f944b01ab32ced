"""Plotly figures shared by the pages (display only: every number comes from the planner)."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from planner.serving.plan import Plan
from planner.units import GIB

_SEGMENTS = (
    ("weights_bytes", "weights", "#4c78a8"),
    ("activation_bytes", "activation peak", "#f58518"),
    ("non_torch_bytes", "non-torch (CUDA ctx, NCCL)", "#e45756"),
    ("cuda_graph_bytes", "CUDA graphs", "#b279a2"),
    ("kv_cache_bytes", "KV cache pool", "#54a24b"),
    ("used_by_others_bytes", "other processes", "#9d755d"),
)


def memory_bar(result: Plan) -> go.Figure:
    """One stacked bar per GPU: weights, activation, non-torch, graphs, KV pool, others, free.

    Free is what the budget (`gpu_memory_utilization` x total) leaves of the GPU's total.
    """
    gpus = [f"GPU{r.rank}" for r in result.per_gpu]
    fig = go.Figure()
    for field, label, color in _SEGMENTS:
        values = [max(0, getattr(r, field)) / GIB for r in result.per_gpu]
        if any(values) or field != "used_by_others_bytes":
            fig.add_bar(x=gpus, y=values, name=label, marker_color=color,
                        hovertemplate="%{y:.2f} GiB")
    free = [
        max(0, r.total_bytes - sum(max(0, getattr(r, f)) for f, _, _ in _SEGMENTS)) / GIB
        for r in result.per_gpu
    ]
    fig.add_bar(x=gpus, y=free, name="free", marker_color="#d3d3d3",
                hovertemplate="%{y:.2f} GiB")
    fig.update_layout(barmode="stack", yaxis_title="GiB", height=320,
                      legend={"orientation": "h", "y": -0.2}, margin={"t": 30, "b": 10})
    return fig


def sweep_heatmap(table: pd.DataFrame, metric: str) -> go.Figure:
    """`metric` over (quantization x KV dtype) rows and layout columns, from the sweep table."""
    table = table.assign(format=table["quantization"] + " · KV " + table["KV dtype"])
    grid = table.pivot_table(index="format", columns="layout", values=metric, aggfunc="max")
    fig = px.imshow(grid, text_auto=True, aspect="auto", color_continuous_scale="Greens",
                    labels={"color": metric})
    fig.update_layout(height=120 + 40 * len(grid), margin={"t": 30, "b": 10})
    return fig


def grouped_bars(table: pd.DataFrame, columns: list[str], title: str) -> go.Figure:
    """One group per model, one bar per column (Compare page); a lone column is coloured by
    the `fits` column: green fits, red does not."""
    fit_colors = ["#54a24b" if fits else "#e45756" for fits in table["fits"]]
    names = [str(model).rsplit("/", 1)[-1] for model in table["model"]]
    fig = go.Figure()
    for column in columns:
        fig.add_bar(x=names, y=table[column], name=column,
                    marker_color=fit_colors if len(columns) == 1 else None)
    fig.update_layout(barmode="group", title=title, height=320, margin={"t": 60, "b": 10},
                      showlegend=len(columns) > 1,
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig
