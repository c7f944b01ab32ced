"""Where recommend finds nothing: the nearest way out, as one line the CLI and the app show.

The same search (planner.serving.recommend.recommend, same models, prices and settings) goes
on past --gpus-max up to WAY_OUT_GPUS_MAX GPUs: the fewest GPUs any row serves the workload
on, and where that row is a what-if, the fewest a launchable row serves it on. Where no count
up to that bound serves it, the line says so and names each TTFT/TPOT target the closest plan
misses, by how much.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from planner.model.spec import ModelSpec
from planner.serving.hardware import GPU_PRESETS
from planner.serving.prices import GpuPrice
from planner.serving.recommend import (
    Recommendation,
    RecommendError,
    RecommendResult,
    recommend,
    rows_network_assumed,
)
from planner.text import capitalized, decimal, tenths_up

WAY_OUT_GPUS_MAX = 64
"""How far the search goes on past --gpus-max for a way out: eight 8-GPU nodes (the app's
largest 'At most (GPUs)' choice). A search at or above it is not extended."""


def _row(r: Recommendation, named: bool) -> str:
    """One row in a few words: its GPUs, weights, layout and $/hour (its model where several
    were searched)."""
    model = f"{r.model_name}, " if named else ""
    return (f"{model}{r.gpus}x {r.gpu_key}, {r.quant_label}, {r.layout.label()}, "
            f"${r.usd_per_hour:,.2f}/hour")


def targets_missed(result: RecommendResult) -> str:
    """Each TTFT/TPOT target the plan closest to it misses, by how much, rounded away from
    the target ("" where no plan misses one): "the TPOT target (20 ms) is missed by 7.1 ms
    (best TPOT 27.1 ms at ...)"."""
    w = result.workload
    parts = []
    for f in result.fell_out:
        target = {"tpot": w.tpot_ms, "ttft": w.ttft_ms}.get(f.reason)
        if target is None or f.closest is None:
            continue
        parts.append(f"the {f.reason.upper()} target ({decimal(target)} ms) is missed by "
                     f"{tenths_up(f.closest - target)} ms ({f.detail})")
    return "; ".join(parts)


def way_out(result: RecommendResult, models: Sequence[ModelSpec],
            prices: Mapping[str, GpuPrice], *, gpus_max: int, step: Callable[[int], str],
            **search: Any) -> str:
    """The nearest way out of a `result` with no row, as one line ("" where it has rows, or
    where nothing is left to say): the search rerun at WAY_OUT_GPUS_MAX GPUs with every
    (model, GPU) searched to its first serving count (a `top` no $/hour cutoff reaches), e.g.
    "Searching on up to 64 GPUs: 16 would serve it (16x h100-sxm, ..., $63.84/hour, a
    what-if: ...): rerun with --gpus-max 16." (then, where a row named spans nodes and no
    network was given, what its figures assume: _network_said), or where none does, the
    targets missed (targets_missed); where no row up to it has a command, the first row's
    launch note says why. `step(n)`: how to search up to n GPUs, in the caller's words;
    `search`: recommend's other keyword arguments, as the first search was given them."""
    if result.rows:
        return ""
    missed = targets_missed(result)
    if gpus_max >= WAY_OUT_GPUS_MAX:
        return f"{missed[0].upper()}{missed[1:]}." if missed else ""
    head = f"Searching on up to {WAY_OUT_GPUS_MAX} GPUs"
    try:
        wider = recommend(models, result.workload, prices, gpus_max=WAY_OUT_GPUS_MAX,
                          top=2 * len(models) * len(GPU_PRESETS), **search)
    except RecommendError as exc:  # every model ruled out up to the bound: the bound says why
        return f"{head}: none serves it either ({exc})" + (f"; {missed}." if missed else ".")
    if not wider.rows:
        missed = targets_missed(wider)
        return f"{head}: none serves it either" + (f"; {missed}." if missed else ".")
    named = len(models) > 1
    fewest = min(r.gpus for r in wider.rows)
    first = next(r for r in wider.rows if r.gpus == fewest)  # launchable first, then cheapest
    line = f"{head}: {fewest} would serve it ({_row(first, named)}"
    if first.launchable:
        return _network_said(f"{line}): {step(fewest)}.", [first], search)
    line += (", a what-if" if first.run_kind == "what-if" else "") + \
        ": no command for the targeted vLLM)"
    runnable = [r for r in wider.rows if r.launchable]
    if not runnable:
        return _network_said(
            f"{line}: {step(fewest)}; none up to {WAY_OUT_GPUS_MAX} has a command. "
            f"{first.launch_note}", [first], search)  # why: the row's own note (a lone config..)
    least = min(runnable, key=lambda r: r.gpus)
    return _network_said(f"{line}: {step(fewest)}; with a command, {least.gpus} "
                         f"({_row(least, named)}): {step(least.gpus)}.", [first, least], search)


def _network_said(line: str, rows: Sequence[Recommendation], search: Mapping[str, Any]) -> str:
    """`line` and, where a row it names spans nodes and no network was given, what their
    figures assume (recommend's rows_network_assumed, the words the rows a search lists are
    noted with), as a sentence after it."""
    assumed = rows_network_assumed(rows, network=search.get("network"),
                                   wsl2=search.get("wsl2", False))
    return f"{line} {capitalized(assumed)}" if assumed else line
