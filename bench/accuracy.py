"""Accuracy of the planner against 39 real vLLM v0.19 start-ups on one H100 (llm-d logs).

Runs plan() on every ../shared/calibration case whose config planner.catalog can supply and
prints, per figure, the mean absolute percentage error and the worst case, beside llm-d's
published figures. `--json` prints the same as JSON; `--fit` refits the activation
coefficients by least squares and prints leave-one-out residuals (numpy, bench only).

    python bench/accuracy.py [--json] [--fit] [--data PATH] [--write bench/accuracy_results.json]

`--write` stores both (figures, leave-one-out residuals, date, command) for the report's
"Assumptions and limits" section (cli reads it; planner.report.accuracy_figures parses it).
"""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.catalog import catalog_entry  # noqa: E402
from planner.model.spec import ModelSpec, parse_model_config  # noqa: E402
from planner.serving.engine import (  # noqa: E402
    EngineSettings,
    act_elem_bytes,
    activation_features,
    model_facts,
)
from planner.serving.hardware import preset_cluster  # noqa: E402
from planner.serving.layout import ParallelLayout  # noqa: E402
from planner.serving.plan import PlanRequest, plan  # noqa: E402
from planner.units import GIB  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "calibration" / "vllm-v0.19-h100.json"
LLMD_PUBLISHED = {"weights": "0.75 %", "available_kv": "6.70 %", "max_concurrency": "9.90 %"}
"""llm-d-planner's published MAPE on the same sweep (accuracy report, commit d3121e05)."""
TARGETS = {"weights": 1.0, "available_kv": 3.0, "kv_tokens": 3.0, "max_concurrency": 3.0}

# figure key -> (log field, how to read the plan's figure)
FIGURES = {
    "weights": ("model_loading_took_gib", lambda p: p.per_gpu[0].weights_bytes / GIB),
    "activation": ("torch_peak_increase_gib", lambda p: p.per_gpu[0].activation_bytes / GIB),
    "non_torch": ("non_torch_forward_increase_gib", lambda p: p.per_gpu[0].non_torch_bytes / GIB),
    "cuda_graphs": ("cuda_graph_estimated_gib", lambda p: p.per_gpu[0].cuda_graph_bytes / GIB),
    "available_kv": ("available_kv_cache_gib", lambda p: p.per_gpu[0].kv_cache_bytes / GIB),
    "kv_tokens": ("gpu_kv_cache_tokens", lambda p: p.kv_cache_tokens),
    "max_concurrency": ("max_concurrency", lambda p: p.max_concurrency),
}


def _spec(repo_id: str) -> ModelSpec | None:
    """The ModelSpec for a calibration model, or None when the catalog has no config for it."""
    entry = catalog_entry(repo_id)
    if entry is None:
        return None
    return parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)


def _request(case: dict, spec) -> PlanRequest:
    """The PlanRequest that reproduces one logged start-up (vLLM 0.19: graphs not subtracted)."""
    tp, pp = case["tensor_parallel_size"], case["pipeline_parallel_size"]
    engine = EngineSettings(
        vllm_version="0.19",
        dtype="float32" if case["weight_dtype"] == "torch.float32" else "auto",
        quantization="fp8" if case["weight_quantization"] == "fp8" else None,
        kv_cache_dtype="fp8" if case["kv_cache_dtype"].startswith("fp8") else "auto",
        gpu_memory_utilization=case["gpu_memory_utilization"],
        max_model_len=case["max_model_len"],
        max_num_seqs=case["max_num_seqs"],
        max_num_batched_tokens=case["max_num_batched_tokens"],
    )
    return PlanRequest(
        model=spec,
        cluster=preset_cluster("h100-sxm", tp * pp),
        layout=ParallelLayout(tp=tp, pp=pp),
        engine=engine,
    )


def run(data: Path) -> dict:
    """Plan every case; collect per-figure errors."""
    cases = [c for c in json.loads(data.read_text()) if c["status"] == "ok"]
    errors: dict[str, list[tuple[float, str]]] = {k: [] for k in FIGURES}
    skipped = []
    for case in cases:
        spec = _spec(case["model"])
        if spec is None:
            skipped.append(case["model"])
            continue
        result = plan(_request(case, spec))
        for key, (field, read) in FIGURES.items():
            logged = case["figures"].get(field)
            if logged:
                pct = abs(read(result) - logged) / logged * 100
                errors[key].append((pct, case["id"]))
    summary = {}
    for key, errs in errors.items():
        if errs:
            worst = max(errs)
            summary[key] = {
                "mape_pct": round(sum(e for e, _ in errs) / len(errs), 2),
                "worst_pct": round(worst[0], 2),
                "worst_case": worst[1],
                "cases": len(errs),
                "target_pct": TARGETS.get(key),
                "llm_d_published": LLMD_PUBLISHED.get(key, ""),
            }
    return {"figures": summary, "skipped_no_config": sorted(set(skipped))}


def fit(data: Path) -> dict:
    """Least-squares refit of the activation coefficients, with leave-one-out residuals."""
    import numpy as np

    rows, ys, ids = [], [], []
    for case in json.loads(data.read_text()):
        logged = case["figures"].get("torch_peak_increase_gib")
        spec = _spec(case["model"])
        if case["status"] != "ok" or not logged or spec is None:
            continue
        request = _request(case, spec)
        p = plan(request)
        tp = case["tensor_parallel_size"]
        act_b = act_elem_bytes(request.engine, spec.torch_dtype)
        rank = p.per_gpu[0]
        last = rank.pp_stage == case["pipeline_parallel_size"] - 1
        feats = activation_features(
            model_facts(spec), range(*rank.layers), last, p.max_num_batched_tokens,
            p.max_num_seqs, tp, act_b,
        )
        rows.append([f / GIB for f in feats])
        ys.append(logged)
        ids.append(case["id"])
    x, y = np.array(rows), np.array(ys)
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    loo = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        c = np.linalg.lstsq(x[keep], y[keep], rcond=None)[0]
        loo.append(float(x[i] @ c - y[i]))
    worst = int(np.argmax(np.abs(loo)))
    return {
        "cases": len(y),
        "coefficients": {"sampler": round(float(coef[0]), 4), "forward": round(float(coef[1]), 4),
                         "moe_routed": round(float(coef[2]), 4)},
        "loo_worst_gib": round(loo[worst], 3),
        "loo_worst_case": ids[worst],
        "loo_mean_abs_gib": round(float(np.mean(np.abs(loo))), 3),
        "loo_mape_pct": round(float(np.mean(np.abs(loo) / y) * 100), 2),
        "loo_residual_gib": dict(zip(ids, (round(r, 3) for r in loo), strict=True)),
    }


def markdown(summary: dict) -> str:
    """The accuracy table: figure | MAPE | worst case | llm-d published."""
    lines = ["| figure | MAPE | worst case | target | llm-d published |", "|---|---|---|---|---|"]
    for key, s in summary["figures"].items():
        target = f"<= {s['target_pct']} %" if s["target_pct"] else ""
        lines.append(
            f"| {key} | {s['mape_pct']:.2f} % | {s['worst_pct']:.2f} % ({s['worst_case']}) | "
            f"{target} | {s['llm_d_published']} |"
        )
    if summary["skipped_no_config"]:
        lines.append("")
        lines.append("No bundled config (skipped): " + ", ".join(summary["skipped_no_config"]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--fit", action="store_true", help="refit the activation coefficients")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", type=Path, help="store figures + fit as JSON at this path")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"calibration data not found: {args.data}", file=sys.stderr)
        return 2
    if args.write:
        document = {
            "date": datetime.now(UTC).date().isoformat(),
            "command": "python bench/accuracy.py --write " + str(args.write),
            "data": "shared/calibration/" + args.data.name,
            **run(args.data),
            "activation_fit": fit(args.data),
        }
        args.write.write_text(json.dumps(document, indent=1) + "\n")
        print(markdown(document))
        return 0
    result = fit(args.data) if args.fit else run(args.data)
    print(json.dumps(result, indent=1) if args.json or args.fit else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
