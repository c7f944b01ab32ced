"""Where a rerun's time goes: CPU seconds of the app script per rerun, and the top functions.

    python bench/rerun_cpu.py [--page plan] [--runs 5] [--top 25]

Runs the app through AppTest and profiles only the script thread with its own CPU clock
(time.thread_time), so other processes on a busy machine do not count. The figure includes
Streamlit's magic AST rewrite (streamlit/runtime/scriptrunner/magic.py), which AppTest redoes
on every run while a real server compiles each page once (ScriptCache): subtract it for the
server's share. Offline (HF_HUB_OFFLINE=1).
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Print the median CPU time per rerun and the profile's top functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="plan",
                        choices=["plan", "hardware", "model", "compare", "report"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    profile, cpu, enabled = cProfile.Profile(time.thread_time), [], [False]
    run_script = script_runner.ScriptRunner._run_script

    def profiled(self, *a, **k):
        if not enabled[0]:
            return run_script(self, *a, **k)
        start = time.thread_time()
        profile.enable()
        try:
            return run_script(self, *a, **k)
        finally:
            profile.disable()
            cpu.append(time.thread_time() - start)

    script_runner.ScriptRunner._run_script = profiled
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    if args.page != "plan":
        at.switch_page(f"ui/pages/{args.page}.py")
    at.run()
    enabled[0] = True
    for _ in range(args.runs):
        at.run()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    magic = sum(row[3] for func, row in stats.stats.items()
                if func[0].endswith("magic.py") and func[2] == "add_magic") / args.runs
    stats.print_stats(args.top)
    print(out.getvalue())
    print(f"{args.page} page: {statistics.median(cpu):.3f} s CPU per rerun (median of "
          f"{args.runs}), of which {magic:.3f} s is AppTest's magic rewrite")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
