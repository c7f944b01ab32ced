"""Time `recommend`: is it fast enough to run interactively (the app's button, the CLI)?

    python bench/recommend.py [--repeat 3]

Runs a few workloads over every priced GPU preset x 1, 2, 4, 8 GPUs and prints, per workload,
the plans made, the GPU counts pruned (memory below the weights), the rows found and the
seconds (cold: the first search with freshly parsed specs; warm: the best of the repeats).
A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.catalog import catalog_spec  # noqa: E402
from planner.serving.prices import with_overrides  # noqa: E402
from planner.serving.recommend import Workload, recommend  # noqa: E402

WORKLOADS = (
    ("Qwen/Qwen3-8B", Workload(context_tokens=32768, concurrency=4, tpot_ms=40)),
    ("Qwen/Qwen3-8B", Workload(requests_per_s=2, output_len=512)),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", Workload(context_tokens=32768, concurrency=8)),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", Workload(requests_per_s=1, output_len=512,
                                                tpot_ms=100, ttft_ms=5000)),
    ("meta-llama/Meta-Llama-3.1-70B", Workload(concurrency=16, tpot_ms=0.1)),  # impossible
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prices = with_overrides()
    print(f"| model | workload | plans | pruned | rows | cold (s) | warm, best of {args.repeat} "
          "(s) |")
    print("|---|---|---|---|---|---|---|")
    for name, workload in WORKLOADS:
        spec = catalog_spec(name)
        times = []
        for _ in range(args.repeat + 1):
            start = time.perf_counter()
            result = recommend([spec], workload, prices)
            times.append(time.perf_counter() - start)
        shown = workload.model_dump(exclude_defaults=True)
        print(f"| {name} | {shown} | {result.plans_made:,} | {result.pruned} | "
              f"{len(result.rows)} | {times[0]:.2f} | {min(times[1:]):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
