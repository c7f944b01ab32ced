"""Time the sweep: how long do N plans take? Target: 1,000 plans in under 0.1 s (2-core CI).

    python bench/sweep.py [--repeat 3] [--gpus 8] [--gpu rtx-3090] [--speed]

Sweeps a few reference models (seed scenario first) over every quantization x layout x KV
dtype and prints plans, seconds (cold: the first sweep of a freshly parsed spec; warm: the
best of the repeats), plans per second and milliseconds per plan. With --speed every fitting
row also gets its speed (planner.serving.speed at 1,024 input / 1,024 output tokens, one
request), as `python -m planner sweep` and the app's sweep do. A benchmark, not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.catalog import catalog_spec  # noqa: E402
from planner.serving.engine import EngineSettings  # noqa: E402
from planner.serving.hardware import preset_cluster  # noqa: E402
from planner.serving.speed import ServingLoad  # noqa: E402
from planner.serving.sweep import sweep  # noqa: E402

MODELS = ("Qwen/Qwen3-235B-A22B", "meta-llama/Meta-Llama-3.1-70B", "openai/gpt-oss-120b",
          "deepseek-ai/DeepSeek-V3")
"""Bundled catalog entries (planner.catalog), so the benchmark runs from a clean clone."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gpu", default="rtx-3090")
    parser.add_argument("--gpus", type=int, default=8)
    parser.add_argument("--speed", action="store_true", help="speed for every fitting row")
    args = parser.parse_args()
    load = ServingLoad() if args.speed else None
    cluster = preset_cluster(args.gpu, args.gpus)
    total_plans, warm_s, cold_s = 0, 0.0, 0.0
    print(f"| model | plans | cold (s) | warm, best of {args.repeat} (s) | warm ms per plan |")
    print("|---|---|---|---|---|")
    for name in MODELS:
        # cold: a freshly parsed spec, so no per-model fact is prepared yet
        spec = catalog_spec(name)
        times = []
        for _ in range(args.repeat + 1):
            start = time.perf_counter()
            result = sweep(spec, cluster, EngineSettings(), load=load)
            times.append(time.perf_counter() - start)
        cold, best = times[0], min(times[1:])
        plans = len(result.rows)
        total_plans += plans
        warm_s += best
        cold_s += cold
        print(f"| {name} | {plans} | {cold:.3f} | {best:.3f} | {1000 * best / plans:.3f} |")
    if total_plans:
        print(f"\n{total_plans} plans: warm {warm_s:.3f} s ({total_plans / warm_s:,.0f} plans/s), "
              f"cold {cold_s:.3f} s; 1,000 plans would take {1000 * warm_s / total_plans:.3f} s "
              f"warm, {1000 * cold_s / total_plans:.3f} s cold (target < 0.1 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
