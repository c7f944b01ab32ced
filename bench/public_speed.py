"""Headroom's speed model against published vLLM runs on GPUs without calibration rows.

Public runs, checking only, never fitted. bench/public_speed_runs.json holds published vLLM
serving measurements (URL, the figures quoted verbatim, model, weight format, GPU, layout,
vLLM version, input/output lengths, concurrency) on NVIDIA GPUs that
../shared/calibration/perf-silicon-aic.csv has no rows for (A100, A40, RTX 3090/4090/5090,
RTX A6000, GH200, DGX Spark). Each is planned exactly as a user would: `python -m planner plan
--model M --input-len I --output-len O --concurrency C --json` plus the run's `plan_flags`
(GPU, GPU count, TP, link, vLLM version, format, engine settings), through the CLI's own
entry point (cli.planner_cli.main), and its `tpot_ms` / `ttft_ms` are compared with the
published ones. No coefficient is set from these runs; bench/speed_accuracy.py's held-out
rows measure the fit, these measure how it transfers.

A run whose config is a stand-in (`config_stand_in`: a shared config without its
quantization_config, for the base model of an NVFP4 checkpoint; where the run served another
format its plan_flags name it, --target-quant awq or w4a16) is planned from that config
written to a temporary folder.

Two checks on parts of the runs file are printed after the summary (and in --json): the runs
held back from the choice of the per-layer overheads' clock scaling (HELD_BACK, by position
in the file: the first 30 chose it, each later collection was appended in order), and the
fourth collection, planned `--arrival steady`, planned again staggered and burst
(STEADY_CHECK, arrival_check).

    python bench/public_speed.py           # per run, then median / p90 absolute % error
    python bench/public_speed.py --json    # the same as JSON
    python bench/public_speed.py --write planner/accuracy_data/public_speed_results.json
                                           # also store the summary, dated, for the report
"""

import argparse
import contextlib
import io
import json
import math
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.planner_cli import main as planner_main  # noqa: E402
from planner.report import PUBLIC_SPEED_RESULTS  # noqa: E402
from planner.serving.hardware import GPU_PRESETS  # noqa: E402

RUNS = Path(__file__).with_name("public_speed_runs.json")
LABEL = "public runs, checking only, never fitted"
STEADY_CHECK = (53, None)
"""The fourth collection (runs 54-60, start and stop as a slice): the first blind check of
--arrival steady, each run's mode chosen from its source (arrival_note) before any was
planned, all 7 steady (arrival_check)."""
HELD_BACK = (("added after the clock scaling was chosen", 30, 35),
             ("collected blind on 2026-12-01", 35, 45),
             ("collected blind on 2026-12-02", 45, 53),
             ("fourth collection, 2026-12-02", *STEADY_CHECK),
             ("held back before the fourth", 30, 53),
             ("the clock scaling was not chosen on", 30, None))
"""Groups of runs by position in the runs file (start, stop as a slice): the per-layer
overheads' clock scaling was chosen on the first 30 runs, so only the later ones test it; the
collections after it were appended in order (docs/accuracy-speed.md quotes each group)."""


def measured(run: dict) -> tuple[float | None, float | None]:
    """(TTFT ms, TPOT ms) as published; a single-stream output rate x tok/s is 1000 / x ms."""
    m = run["measured"]
    tpot = m.get("tpot_ms")
    if tpot is None and "output_tok_s_single_stream" in m:
        tpot = 1000.0 / m["output_tok_s_single_stream"]
    return m.get("ttft_ms"), tpot


def _stand_in(run: dict, folder: Path) -> str:
    """The run's stand-in config.json (its quantization_config removed), written to folder."""
    path = ROOT / run["config_stand_in"].split(" ", 1)[0]  # the path, then why it stands in
    config = json.loads(path.read_text(encoding="utf-8"))
    config.pop("quantization_config", None)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return str(folder / "config.json")


def argv(run: dict, model: str) -> list[str]:
    """The `python -m planner plan` arguments for one run."""
    return ["plan", "--model", model, "--input-len", str(run["input_len"]),
            "--output-len", str(run["output_len"]), "--concurrency", str(run["concurrency"]),
            *run["plan_flags"], "--json"]


def plan_speed(run: dict, model: str) -> tuple[float | None, float | None, str]:
    """(TTFT ms, TPOT ms, the CLI's error line) from `python -m planner plan --json`."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = planner_main(argv(run, model), prog="python -m planner")
    if code != 0:
        return None, None, err.getvalue().strip()
    data = json.loads(out.getvalue())
    if not data["fits"]:
        return None, None, "does not fit"
    if data.get("tpot_ms") is None:  # e.g. a GPU preset without the rate a term needs
        return None, None, "no speed estimate"
    return data["ttft_ms"], data["tpot_ms"], ""


def interconnect(run: dict) -> str:
    """How the run's GPUs talk: one GPU, or the link the plan runs on."""
    return "1 GPU" if run["tp"] * run.get("pp", 1) == 1 else run["link"]


def _pct(model: float | None, truth: float | None) -> float | None:
    if model is None or truth is None:
        return None
    return abs(model / truth - 1) * 100


def evaluate(runs: list[dict]) -> list[dict]:
    """Per run: the published and planned TTFT / TPOT and their absolute % errors."""
    rows = []
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # catalog configs only: no network
    with tempfile.TemporaryDirectory() as tmp:
        for run in runs:
            model = _stand_in(run, Path(tmp)) if "config_stand_in" in run else run["model"]
            ttft, tpot = measured(run)
            p_ttft, p_tpot, error = plan_speed(run, model)
            rows.append({
                "id": run["id"], "gpu": run["gpu"], "interconnect": interconnect(run),
                "model": run["model"], "tp": run["tp"], "input_len": run["input_len"],
                "output_len": run["output_len"], "concurrency": run["concurrency"],
                "ttft_ms": ttft, "model_ttft_ms": p_ttft, "ttft_err_pct": _pct(p_ttft, ttft),
                "tpot_ms": tpot, "model_tpot_ms": p_tpot, "tpot_err_pct": _pct(p_tpot, tpot),
                "error": error,
            })
    return rows


def stats(rows: list[dict]) -> dict:
    """Runs, median and p90 absolute % error of TPOT and TTFT over the runs that give them."""
    out: dict = {"runs": len(rows)}
    for metric in ("tpot", "ttft"):
        errs = [r[f"{metric}_err_pct"] for r in rows if r[f"{metric}_err_pct"] is not None]
        out[f"{metric}_n"] = len(errs)
        out[f"{metric}_median"] = round(float(np.median(errs)), 1) if errs else None
        out[f"{metric}_p90"] = round(float(np.percentile(errs, 90)), 1) if errs else None
    return out


def held_back(rows: list[dict]) -> list[dict]:
    """stats of each HELD_BACK group, named with its runs' positions (1-based)."""
    out = []
    for name, start, stop in HELD_BACK:
        group = rows[start:stop]
        out.append({"group": name, "first": start + 1, "last": start + len(group),
                    **stats(group)})
    return out


def with_arrival(run: dict, mode: str) -> dict:
    """The run planned with --arrival `mode` in place of its own (a copy)."""
    flags = run["plan_flags"]
    if "--arrival" in flags:
        at = flags.index("--arrival")
        flags = flags[:at] + flags[at + 2:]
    return {**run, "plan_flags": [*flags, "--arrival", mode]}


def arrival_check(runs: list[dict]) -> dict:
    """The STEADY_CHECK runs (of the whole runs file) planned in each --arrival mode: stats
    per mode and `ttft_under`, how many TTFTs are planned below the published one."""
    out = {}
    for mode in ("steady", "staggered", "burst"):
        planned = evaluate([with_arrival(run, mode) for run in runs[slice(*STEADY_CHECK)]])
        out[mode] = {**stats(planned), "ttft_under": sum(
            r["model_ttft_ms"] < r["ttft_ms"] for r in planned if r["ttft_err_pct"] is not None)}
    return out


def summary(rows: list[dict]) -> dict:
    """All runs, then per GPU and per interconnect."""
    return {"all": stats(rows),
            **{key: {k: stats([r for r in rows if r[key] == k])
                     for k in sorted({r[key] for r in rows})}
               for key in ("gpu", "interconnect")}}


def _fmt(value: float | None, width: int, digits: int = 1) -> str:
    return f"{'-':>{width}}" if value is None or math.isnan(value) else \
        f"{value:>{width}.{digits}f}"


def _print(rows: list[dict], result: dict) -> None:
    print(f"Published vLLM runs on GPUs without calibration rows ({LABEL}); "
          "sources and quotes: bench/public_speed_runs.json")
    print(f"{'run':<38}{'TPOT pub':>9}{'model':>8}{'err%':>7}{'TTFT pub':>10}{'model':>9}"
          f"{'err%':>7}")
    for r in rows:
        print(f"{r['id']:<38}{_fmt(r['tpot_ms'], 9, 2)}{_fmt(r['model_tpot_ms'], 8, 2)}"
              f"{_fmt(r['tpot_err_pct'], 7)}{_fmt(r['ttft_ms'], 10)}{_fmt(r['model_ttft_ms'], 9)}"
              f"{_fmt(r['ttft_err_pct'], 7)}" + (f"  {r['error']}" if r["error"] else ""))
    print("\n" + _stats_header("group", 26))
    print(_stats_line("all public runs", result["all"], 26))
    for key in ("gpu", "interconnect"):
        for k, s in result[key].items():
            print(_stats_line(f"{key} {k}", s, 26))
    print(f"Absolute % error, median and p90 ({LABEL}; targets for held-out rows: TPOT <= 10 %, "
          "TTFT <= 20 %)")


def _stats_header(first: str, width: int) -> str:
    return (f"{first:<{width}}{'runs':>5}{'TPOT n':>7}{'med':>7}{'p90':>7}{'TTFT n':>8}"
            f"{'med':>7}{'p90':>7}")


def _stats_line(name: str, s: dict, width: int) -> str:
    """One stats() result as a table line: runs, then TPOT and TTFT n / median / p90."""
    return (f"{name:<{width}}{s['runs']:>5}{s['tpot_n']:>7}{_fmt(s['tpot_median'], 6)}%"
            f"{_fmt(s['tpot_p90'], 6)}%{s['ttft_n']:>8}{_fmt(s['ttft_median'], 6)}%"
            f"{_fmt(s['ttft_p90'], 6)}%")


def held_back_lines(groups: list[dict]) -> list[str]:
    """held_back as a table, each group named with its runs' positions in the runs file."""
    return ["Runs held back from the clock scaling's choice (by position in "
            f"{RUNS.name}: the first 30 chose it)", _stats_header("group", 52),
            *(_stats_line(f"runs {g['first']}-{g['last']}, {g['group']}", g, 52)
              for g in groups)]


def arrival_lines(check: dict) -> list[str]:
    """arrival_check as a table: each mode's figures and its TTFTs planned under."""
    first = STEADY_CHECK[0] + 1
    return [f"--arrival steady check: runs {first}-{first + check['steady']['runs'] - 1} (the "
            "fourth collection, planned steady) in each mode (under: TTFT planned below the "
            "published)",
            _stats_header("mode", 12) + f"{'under':>11}",
            *(_stats_line(mode, s, 12) + f"{s['ttft_under']:>5} of {s['ttft_n']}"
              for mode, s in check.items())]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write", type=Path, metavar="JSON",
                        help=f"also store the summary (the report reads {PUBLIC_SPEED_RESULTS})")
    args = parser.parse_args()
    runs = json.loads(RUNS.read_text(encoding="utf-8"))["runs"]
    rows = evaluate(runs)
    result = summary(rows)
    groups, check = held_back(rows), arrival_check(runs)
    if args.write:
        stored = {"label": LABEL, "date": datetime.now(UTC).date().isoformat(),
                  "command": "python bench/public_speed.py", "runs_file": RUNS.name,
                  "gpu_names": {key: GPU_PRESETS[key].name for key in result["gpu"]},
                  "summary": result}
        args.write.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({"label": LABEL, "runs": rows, "summary": result,
                          "held_back": groups, "arrival_check": check}, indent=2))
    else:
        _print(rows, result)
        print("", *held_back_lines(groups), "", *arrival_lines(check), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
