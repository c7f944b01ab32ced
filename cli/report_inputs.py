"""The one recipe for a report's inputs, shared by `python -m planner report` and the app's
Report page, so both print the same text for the same choices (the edges differ only in
how they read the choices: flags or widgets).

It reads the measured error the report quotes (planner/accuracy_data/, package data the benches
write), which is why it lives at the edge, not in planner/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import planner
from planner.model.checkpoint import ModelSource
from planner.model.spec import ModelSpec
from planner.report import (
    ACCURACY_RESULTS,
    PUBLIC_SPEED_RESULTS,
    SPEED_RESULTS,
    AccuracyFigure,
    AuditSummary,
    ComparisonRow,
    PublicSpeedAccuracy,
    ReportInputs,
    SpeedAccuracy,
    accuracy_figures,
    idle_gpus,
    model_card,
    public_speed_accuracy,
    speed_accuracy,
)
from planner.serving.auto_layout import layout_rule
from planner.serving.hardware import ClusterSpec
from planner.serving.mm_modes import served_towers
from planner.serving.plan import Plan, PlanRequest
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.sweep import Objective, sweep

PACKAGES_ROOT = Path(planner.__file__).resolve().parent.parent
"""The folder holding the planner package (the checkout, or site-packages once installed): the
report's file names are relative to it."""


def _read(path: Path, parse: Callable[[dict], Any], empty: Any) -> Any:
    """`parse` of the JSON file at `path`, `empty` when it is absent or unreadable."""
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return empty


def load_accuracy(path: Path = PACKAGES_ROOT / ACCURACY_RESULTS) -> tuple[AccuracyFigure, ...]:
    """The measured accuracy figures for the report, () when the file is absent or unreadable."""
    return _read(path, accuracy_figures, ())


def load_speed_accuracy(path: Path = PACKAGES_ROOT / SPEED_RESULTS) -> SpeedAccuracy | None:
    """The speed model's held-out error for the report, None when absent or unreadable."""
    return _read(path, speed_accuracy, None)


def load_public_speed_accuracy(path: Path = PACKAGES_ROOT / PUBLIC_SPEED_RESULTS
                               ) -> PublicSpeedAccuracy | None:
    """The speed model's error on published runs on GPUs without calibration rows, None when
    absent or unreadable."""
    return _read(path, public_speed_accuracy, None)


def today() -> date:
    """Today's date in UTC, the report's default date."""
    return datetime.now(UTC).date()


def report_inputs(
    spec: ModelSpec,
    source: ModelSource | None,
    cluster: ClusterSpec,
    chosen: Plan,
    *,
    day: date,
    with_sweep: bool,
    comparison: tuple[ComparisonRow, ...] = (),
    audits: tuple[AuditSummary, ...] = (),
    load: ServingLoad | None = None,
    objective: Objective = "context",
    tpot_ms_target: float | None = None,
    layout_auto: bool = False,
    ep: bool = False,
) -> ReportInputs:
    """ReportInputs for the plan `chosen` of `spec` on `cluster`: the model card, the sweep
    (when asked, over the plan's own engine settings, ranked by `objective` as `python -m
    planner sweep` ranks, every fitting row with its speed at `load`), the speed at `load`
    (default 1024 in, 1024 out, one request) and the measured accuracy figures. `layout_auto`:
    the plan's layout is the hardware's (planner.serving.auto_layout, ranked with `ep`, the
    wanted EP choice: --ep, the app's EP box), which the report says as `plan` and the Plan
    page do (the app drops the plan's own EP at TP x DP = 1)."""
    load = load or ServingLoad()
    request = PlanRequest(model=spec, cluster=cluster, layout=chosen.layout,
                          engine=chosen.engine)
    return ReportInputs(
        date=day.isoformat(),
        model=spec,
        card=model_card(served_towers(spec, chosen.engine), source, chosen.engine.vllm_version),
        cluster_source=cluster.source,
        idle_gpus=idle_gpus(cluster, chosen),
        layout_rule=layout_rule(spec, cluster, chosen.layout, chosen.engine,
                                ep=ep) if layout_auto else "",
        plan=chosen,
        gpu_bf16=cluster.sizing_node.gpu.computes_bf16,
        sweep=sweep(spec, cluster, chosen.engine, objective=objective,
                    tpot_ms_target=tpot_ms_target, load=load) if with_sweep else None,
        comparison=comparison,
        audits=audits,
        accuracy=load_accuracy(),
        accuracy_read=True,
        load=load,
        speed=estimate_speed(request, load, plan_result=chosen),
        speed_estimated=True,
        speed_accuracy=load_speed_accuracy(),
        public_speed_accuracy=load_public_speed_accuracy(),
    )
