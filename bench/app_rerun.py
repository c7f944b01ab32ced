"""Time a full rerun of the app's Plan page (the seed scenario) through Streamlit's AppTest.

    python bench/app_rerun.py [--runs 20] [--warmup 3] [--json]

Each rerun executes app.py end to end as a browser rerun would: state and URL sync, the
sidebar, the Plan page's widgets, one plan() call, the concurrency curve (one plan() per
context point), the memory bar and every formula. The first run (imports, the cached live
audit) is excluded; the figure is the median of `--runs` reruns after `--warmup` more.
Target: under 0.3 s. Offline: HF_HUB_OFFLINE=1, the seed model comes from the catalog.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.3


def rerun_seconds(runs: int, warmup: int) -> list[float]:
    """Wall time of each of `runs` reruns of the default (Plan) page, after warm-up."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for _ in range(1 + warmup):
        at.run()
    if at.exception:
        raise SystemExit(f"the app raised: {at.exception[0].value}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    """Print the median rerun time (and the spread) against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    times = rerun_seconds(args.runs, args.warmup)
    result = {
        "page": "Plan (seed scenario)",
        "runs": args.runs,
        "median_s": round(statistics.median(times), 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "target_s": TARGET_S,
        "meets_target": statistics.median(times) < TARGET_S,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Plan page rerun: median {result['median_s']:.3f} s over {args.runs} reruns "
              f"(min {result['min_s']:.3f}, max {result['max_s']:.3f}); target < {TARGET_S} s: "
              f"{'met' if result['meets_target'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
