"""A headless `streamlit run app.py` on 127.0.0.1, for bench/load.py and the browser test:
started on a free port with HF_HUB_OFFLINE=1 (or a given environment) and waited for, then
stopped."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on at the moment (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health_s(port: int, timeout_s: float = 10) -> float | None:
    """Seconds /_stcore/health took to answer, or None when it did not (within `timeout_s`)."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                    timeout=timeout_s):
            return time.perf_counter() - start
    except OSError:
        return None


def start_server(port: int, timeout_s: float = 60,
                 env: dict[str, str] | None = None) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port, waited for until /_stcore/health answers;
    SystemExit when it has not within `timeout_s` or the server has exited. `env`: the
    server's environment (the browser test's local fake hub); None: this one, offline."""
    env = env or {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if health_s(port) is not None:
            return proc
        time.sleep(0.3)
    why = f"within {timeout_s:g} s" if proc.poll() is None else f"(exit {proc.returncode})"
    proc.kill()
    raise SystemExit(f"the app server did not answer /_stcore/health {why}")


def stop_server(proc: subprocess.Popen, timeout_s: float = 20) -> None:
    """Terminate the server; kill it if it has not stopped within `timeout_s`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
