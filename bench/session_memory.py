"""What ended app sessions leave behind: live model specs and Python heap after N sessions.

    python bench/session_memory.py [--sessions 20] [--json]

Each session opens the app through AppTest (the Plan page, then the Compare page, so it
parses its own specs as a browser session does), and is then dropped. After a full garbage
collection the script counts the ModelSpec objects still alive and the heap traced by
tracemalloc: with nothing holding ended sessions, both stay flat as N grows. (The server's
RSS, which Python's allocator rarely gives back, is measured by bench/load.py.)
"""

import argparse
import gc
import json
import os
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def live_specs() -> int:
    """ModelSpec objects alive now (after a full collection)."""
    from planner.model.spec import ModelSpec

    gc.collect()
    return sum(isinstance(o, ModelSpec) for o in gc.get_objects())


def one_session() -> None:
    """A visitor: the Plan page, then the Compare page (three more specs), then gone."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("ui/pages/compare.py").run()
    if at.exception:
        raise SystemExit(f"the app raised: {at.exception[0].value}")


def main() -> int:
    """Print live specs and traced heap after 1 and after N sessions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    one_session()  # imports, catalog and caches: one-off costs
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    after_one = None
    for i in range(args.sessions):
        one_session()
        if i == 0:
            after_one = (live_specs(), tracemalloc.get_traced_memory()[0] - baseline)
    result = {
        "sessions": args.sessions,
        "live_specs_after_1": after_one[0],
        "heap_growth_after_1_mib": round(after_one[1] / 2**20, 2),
        "live_specs_after_n": live_specs(),
        "heap_growth_after_n_mib": round((tracemalloc.get_traced_memory()[0] - baseline)
                                         / 2**20, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"after 1 session: {result['live_specs_after_1']} live specs, heap "
              f"+{result['heap_growth_after_1_mib']} MiB; after {args.sessions}: "
              f"{result['live_specs_after_n']} live specs, heap "
              f"+{result['heap_growth_after_n_mib']} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
