"""A hub that hangs costs one deadline, not one per rerun or per compared model.

The app runs under AppTest in a fresh interpreter (huggingface_hub reads HF_ENDPOINT at
import) against the local fake hub (tests/hubserver.py) whose repos accept connections and
never answer, with HEADROOM_HUB_DEADLINE_S=3.
"""

import json
import subprocess
import sys
from pathlib import Path

from tests.hubserver import FakeFile, FakeHub, FakeRepo, client_env

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 3
HANGING = [f"acme/hanging-{i}" for i in range(4)]

SESSION = """
import json, sys, time
from streamlit.testing.v1 import AppTest
from probes.snapshot import load_snapshot
from ui import io

snapshot = load_snapshot("tests/fixtures/snapshots/no-gpu-vm.json")
io.take_snapshot = lambda: snapshot  # this machine as GPU-less, as every app test sees it
models = json.loads(sys.argv[1])


def timed(at):
    start = time.monotonic()
    at.run()
    return {"s": time.monotonic() - start, "errors": [e.value for e in at.error]}


out = {}
at = AppTest.from_file("app.py", default_timeout=120)
at.query_params["model"] = models[0]
out["first"] = timed(at)
out["rerun"] = timed(at)
compare = AppTest.from_file("app.py", default_timeout=120)
compare.query_params["cmp"] = ",".join(models[1:])
compare.run()
compare.switch_page("ui/pages/compare.py")
out["compare"] = timed(compare)
out["compare_rerun"] = timed(compare)
print(json.dumps(out))
"""


def test_failures_are_remembered_and_compared_models_are_looked_up_together(tmp_path):
    config = (ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-8B.json").read_bytes()
    hub = FakeHub({name: FakeRepo({"config.json": FakeFile(config)}, behaviour="hang")
                   for name in HANGING})
    try:
        env = client_env(hub.url, tmp_path, HEADROOM_HUB_DEADLINE_S=str(DEADLINE_S))
        # The bound only stops a hung run from hanging the suite; it is not a timing.
        proc = subprocess.run([sys.executable, "-c", SESSION, json.dumps(HANGING)], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)
        asked = [path for _, path, _ in hub.requests]
    finally:
        hub.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # the first look-up waits the deadline and says so; the rerun is answered from memory
    assert out["first"]["s"] >= DEADLINE_S
    assert any("did not answer" in e or "timed out" in e for e in out["first"]["errors"])
    assert any("the hub is asked again after 60 s" in e for e in out["rerun"]["errors"])
    assert out["rerun"]["s"] < DEADLINE_S
    # the hub was asked about each repo once: reruns and the Compare page's second run
    # found the failures remembered
    for name in HANGING:
        assert sum(f"/api/models/{name}" in path for path in asked) == 1, (name, asked)
    # three hanging models on the Compare page wait about one deadline together, not three
    # (the deadline or the client's own request timeout, capped at the deadline, says so)
    late = [e for e in out["compare"]["errors"] if "did not answer" in e or "timed out" in e]
    assert len(late) == 3
    assert out["compare"]["s"] < 2 * DEADLINE_S
    assert out["compare_rerun"]["s"] < DEADLINE_S
