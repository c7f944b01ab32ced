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
    print(f"\n{'group':<26}{'runs':>5}{'TPOT n':>7}{'med':>7}{'p90':>7}{'TTFT n':>8}{'med':>7}"
          f"{'p90':>7}")

    def line(name: str, s: dict) -> None:
        print(f"{name:<26}{s['runs']:>5}{s['tpot_n']:>7}{_fmt(s['tpot_median'], 6)}%"
              f"{_fmt(s['tpot_p90'], 6)}%{s['ttft_n']:>8}{_fmt(s['ttft_median'], 6)}%"
              f"{_fmt(s['ttft_p90'], 6)}%")
    line("all public runs", result["all"])
    for key in ("gpu", "interconnect"):
        for k, s in result[key].items():
            line(f"{key} {k}", s)
    print(f"Absolute % error, median and p90 ({LABEL}; targets for held-out rows: TPOT <= 10 %, "
          "TTFT <= 20 %)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write", type=Path, metavar="JSON",
                        help=f"also store the summary (the report reads {PUBLIC_SPEED_RESULTS})")
    args = parser.parse_args()
    runs = json.loads(RUNS.read_text(encoding="utf-8"))["runs"]
    rows = evaluate(runs)
    result = summary(rows)
    if args.write:
        stored = {"label": LABEL, "date": datetime.now(UTC).date().isoformat(),
                  "command": "python bench/public_speed.py", "runs_file": RUNS.name,
                  "gpu_names": {key: GPU_PRESETS[key].name for key in result["gpu"]},
                  "summary": result}
        args.write.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({"label": LABEL, "runs": rows, "summary": result}, indent=2))
    else:
        _print(rows, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
