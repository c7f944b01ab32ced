"""Browser test: `streamlit run app.py` on 127.0.0.1, driven by Debian's chromium (Playwright).

Visits every page on the seed scenario (pinned in the URL, so a GPU on the test machine
does not change it), asserts the key text and saves a screenshot of each page to a
temporary folder. With HEADROOM_SCREENSHOTS_DIR=docs/screenshots the Plan, Hardware and
Compare screenshots are written there instead (how the README's images are made):

    HEADROOM_SCREENSHOTS_DIR=docs/screenshots python -m pytest -m browser tests/browser
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SEED = "hw=preset&gpu=rtx-3090&gpn=8&nodes=1&model=Qwen/Qwen3-235B-A22B-GPTQ-Int4&tp=8"
SNAPSHOT = ROOT / "tests" / "fixtures" / "snapshots" / "rtx3090x8.json"
START_TIMEOUT_S = 30

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found (Debian package chromium: apt-get install -y chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A headless Streamlit server on a free local port, stopped at the end."""
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start on {url} within {START_TIMEOUT_S} s")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool]:
    """Where screenshots go, and whether that is the docs folder."""
    docs = os.environ.get("HEADROOM_SCREENSHOTS_DIR")
    if docs:
        return Path(docs).resolve(), True
    return tmp_path_factory.mktemp("artifacts"), False


def _open(browser, server: str, path: str, height: int = 1600):
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.set_default_timeout(30_000)
    page.goto(f"{server}/{path}")
    page.wait_for_selector("[data-testid=stAppViewContainer]")
    return page


def _settle(page, charts: int = 0) -> None:
    """Wait until the script finished and `charts` plotly figures are drawn."""
    if charts:
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {charts}")
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]")
    page.wait_for_timeout(1500)  # canvas tables (st.dataframe) draw after the script ends


def _shot(page, shots: tuple[Path, bool], name: str, for_docs: bool) -> None:
    folder, docs = shots
    if for_docs or not docs:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))


def test_every_page_in_a_real_browser(browser, server: str, shots) -> None:
    page = _open(browser, server, f"?{SEED}", height=1900)
    page.get_by_text("48,128 B").first.wait_for()  # KV per token per GPU at TP=8
    page.get_by_text("Fits:").first.wait_for()
    # the seed layout follows the Marlin MoE advice: TP=8 with expert parallelism
    page.locator("[data-testid=stCode]", has_text="vllm serve Qwen/Qwen3-235B-A22B-GPTQ-Int4 "
                 "--tensor-parallel-size 8 --enable-expert-parallel").first.wait_for()
    page.get_by_text("KV room, one request").first.wait_for()  # beside the capped ceiling
    _settle(page, charts=2)
    _shot(page, shots, "plan", for_docs=True)
    page.close()

    page = _open(browser, server, "hardware?hw=snapshots", height=2000)
    page.locator("input[type=file]").set_input_files(str(SNAPSHOT))
    page.get_by_text("snapshots: rig-3090x8").first.wait_for()
    page.get_by_text("No NVLink").first.wait_for()  # a finding of the recorded rig
    page.get_by_text("ulimit memlock").first.wait_for()  # the host facts table
    _settle(page)
    _shot(page, shots, "hardware", for_docs=True)
    page.close()

    page = _open(browser, server, f"model?{SEED}")
    page.get_by_text("64 / 4 / 128").first.wait_for()  # heads / KV heads / head_dim
    _settle(page, charts=1)
    _shot(page, shots, "model", for_docs=False)
    page.close()

    page = _open(browser, server, f"compare?{SEED}", height=1300)
    page.get_by_text("Context ceiling (one request)").first.wait_for()
    _settle(page, charts=4)
    _shot(page, shots, "compare", for_docs=True)
    page.close()

    page = _open(browser, server, f"report?{SEED}")
    page.get_by_text("Headroom report: Qwen/Qwen3-235B-A22B-GPTQ-Int4").first.wait_for()
    page.get_by_text("the KV cache alone holds").first.wait_for()
    _settle(page)
    _shot(page, shots, "report", for_docs=False)
    page.close()
