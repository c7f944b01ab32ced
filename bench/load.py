"""Load on a real app server: memory after many sessions, rerun latency under concurrency.

    python bench/load.py [--sessions 20] [--rounds 3] [--concurrent 20] [--reruns 5]
                         [--page plan] [--json]

Starts `streamlit run app.py` headless on 127.0.0.1 (a free port, HF_HUB_OFFLINE=1) and drives
it as browsers do, over Streamlit's own websocket protocol (/_stcore/stream: BackMsg
rerun_script in, ForwardMsg deltas out until script_finished), without rendering anything:
- memory: `--rounds` rounds of `--sessions` sessions, each opening the page and rerunning it
  `--reruns` times, then closing; the server's RSS after each round, and after an idle wait
  past Streamlit's disconnected-session TTL;
- latency: `--concurrent` sessions open at once, each rerunning `--reruns` times back to back;
  the median and 90th percentile rerun time (send -> script_finished), and /_stcore/health
  response times polled meanwhile.
Loopback only; every wait is bounded (`--timeout` per rerun, the server stopped at the end).
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.app_server import free_port, health_s, start_server, stop_server  # noqa: E402

PAGES = {"plan": "", "hardware": "hardware", "model": "model", "compare": "compare",
         "report": "report"}
"""Page name -> URL path (the Plan page is the default)."""
IDLE_WAIT_S = 150
"""Past streamlit's server.disconnectedSessionTTL (120 s) so ended sessions can be freed."""


def rss_mib(proc: subprocess.Popen) -> float:
    """Resident memory of the server process (and its children), MiB."""
    process = psutil.Process(proc.pid)
    total = process.memory_info().rss + sum(c.memory_info().rss for c in process.children())
    return total / 2**20


class Session:
    """One browser tab: a websocket that reruns a page and waits for it to finish."""

    def __init__(self, port: int, page: str, timeout_s: float) -> None:
        self._url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self._page = PAGES[page]
        self._timeout_s = timeout_s
        self._ws = None

    async def __aenter__(self) -> "Session":
        self._ws = await websockets.connect(self._url, subprotocols=["streamlit"],
                                            max_size=None, open_timeout=self._timeout_s)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    async def rerun(self) -> float:
        """Seconds from the rerun request to script_finished (the page fully sent)."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_name = self._page
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        async with asyncio.timeout(self._timeout_s):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self._ws.recv())
                if forward.WhichOneof("type") == "script_finished":
                    return time.perf_counter() - start


async def run_sessions(port: int, page: str, count: int, reruns: int,
                       timeout_s: float) -> list[float]:
    """`count` sessions at once, each opening the page then rerunning it `reruns` times;
    the rerun times (the first run of each session excluded)."""
    async def one() -> list[float]:
        async with Session(port, page, timeout_s) as session:
            await session.rerun()
            return [await session.rerun() for _ in range(reruns)]

    results = await asyncio.gather(*(one() for _ in range(count)))
    return [t for times in results for t in times]


async def latency_under_load(port: int, page: str, count: int, reruns: int,
                             timeout_s: float) -> tuple[list[float], list[float]]:
    """Rerun times of `count` concurrent sessions, and health-check times polled meanwhile."""
    health: list[float] = []
    done = asyncio.Event()

    async def poll() -> None:
        while not done.is_set():
            took = await asyncio.to_thread(health_s, port)
            health.append(took if took is not None else float("inf"))
            await asyncio.sleep(0.5)

    poller = asyncio.create_task(poll())
    try:
        times = await run_sessions(port, page, count, reruns, timeout_s)
    finally:
        done.set()
        await poller
    return times, health


def _stats(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(ordered), "median_s": round(statistics.median(ordered), 3),
            "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
            "max_s": round(ordered[-1], 3)}


def main() -> int:
    """Run both measurements against one fresh server and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="sessions per memory round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--page", choices=sorted(PAGES), default="plan")
    parser.add_argument("--timeout", type=float, default=120.0, help="per rerun, seconds")
    parser.add_argument("--idle", type=float, default=IDLE_WAIT_S,
                        help="idle wait before the last RSS reading, seconds (0: skip)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (1 <= args.sessions <= 200 and 1 <= args.concurrent <= 100 and args.rounds <= 10):
        raise SystemExit("bounded: --sessions 1-200, --concurrent 1-100, --rounds <= 10")
    port = free_port()
    server = start_server(port)
    try:
        result: dict = {"page": args.page, "rss_start_mib": round(rss_mib(server), 1)}
        # one warm-up session: imports, the catalog and the first plan are one-off costs
        asyncio.run(run_sessions(port, args.page, 1, 1, args.timeout))
        result["rss_warm_mib"] = round(rss_mib(server), 1)
        rounds = []
        for _ in range(args.rounds):
            asyncio.run(run_sessions(port, args.page, args.sessions, args.reruns, args.timeout))
            rounds.append(round(rss_mib(server), 1))
        result["rss_after_rounds_mib"] = rounds
        if args.idle > 0:
            time.sleep(args.idle)
            result["rss_after_idle_mib"] = round(rss_mib(server), 1)
        times, health = asyncio.run(latency_under_load(port, args.page, args.concurrent,
                                                       args.reruns, args.timeout))
        result["rerun_under_load"] = {"sessions": args.concurrent, **_stats(times)}
        result["health_under_load"] = _stats(health)
        result["rerun_alone"] = _stats(asyncio.run(run_sessions(port, args.page, 1, 10,
                                                                args.timeout)))
    finally:
        stop_server(server)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"page {result['page']}: RSS {result['rss_warm_mib']} MiB warm, after "
              f"{args.rounds} rounds of {args.sessions} sessions "
              f"{result['rss_after_rounds_mib']} MiB"
              + (f", after {args.idle:g} s idle {result['rss_after_idle_mib']} MiB"
                 if args.idle > 0 else ""))
        load, alone = result["rerun_under_load"], result["rerun_alone"]
        print(f"rerun alone: median {alone['median_s']} s; with {args.concurrent} concurrent "
              f"sessions: median {load['median_s']} s, p90 {load['p90_s']} s; health check "
              f"median {result['health_under_load']['median_s']} s, max "
              f"{result['health_under_load']['max_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
