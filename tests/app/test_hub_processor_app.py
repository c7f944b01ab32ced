"""The app on a hub repo whose Qwen3.5 checkpoint ships its processor files: the Plan page's
activation names the file the video's limit came from, with the CLI's figures
(tests/planner/model/test_processor_limits.py works them by hand), and a processor file the
hub lists but Headroom cannot read (over MAX_CONFIG_BYTES, binary, a JSON array) is a note on
the Model page, the assumed limit planned, never a traceback; so is a tokenizer_config.json
not read (ModelSource.tokenizer_problem, which the CLI prints on stderr).

The app runs under AppTest in a fresh interpreter (huggingface_hub reads HF_ENDPOINT at import)
against the local fake hub (tests/hubserver.py) with the real client.
"""

import json
import subprocess
import sys

from tests.conftest import CONFIG_DIR
from tests.hubserver import FakeFile, FakeHub, FakeRepo, client_env

ROOT = CONFIG_DIR.parents[2]
CONFIG = FakeFile((CONFIG_DIR / "Qwen__Qwen3.5-27B.json").read_bytes())
IMAGE = FakeFile(json.dumps({"size": {"longest_edge": 16_777_216}}).encode())
VIDEO = FakeFile(json.dumps({"size": {"longest_edge": 234_881_024}}).encode())
"""A copy of Qwen/Qwen3.5-9B-Base's video processor file's size."""

VISITS = """
import json, sys
from streamlit.testing.v1 import AppTest
from probes.snapshot import load_snapshot
from ui import io

snapshot = load_snapshot("tests/fixtures/snapshots/no-gpu-vm.json")
io.take_snapshot = lambda: snapshot
out = {}
for model in json.loads(sys.argv[1]):
    at = AppTest.from_file("app.py", default_timeout=120)
    at.query_params.update(model=model, gpu="h100-sxm", gpn="1", vllm="0.20.0", len="8192")
    at.run()
    seen = {"exception": bool(at.exception)}
    rows = at.table[0].value
    act = rows.loc[[i for i in rows.index if i.startswith("Profile-run activation")][0]]
    seen["activation"] = [act["value"], act["formula"]]
    at.switch_page("ui/pages/model.py")
    at.run()
    seen["model_exception"] = bool(at.exception)
    seen["captions"] = [c.value for c in at.caption]
    out[model] = seen
print(json.dumps(out))
"""


def test_the_plan_page_names_the_processor_file_and_notes_one_not_read(tmp_path) -> None:
    repos = {
        "acme/video": FakeRepo({"config.json": CONFIG, "preprocessor_config.json": IMAGE,
                                "video_preprocessor_config.json": VIDEO}),
        # listed at 10 GB: not fetched (probes.hub MAX_CONFIG_BYTES, 4 MB)
        "acme/huge": FakeRepo({"config.json": CONFIG, "preprocessor_config.json": IMAGE,
                               "video_preprocessor_config.json": FakeFile(
                                   b"{}", size_bytes=10**10)}),
        "acme/binary": FakeRepo({"config.json": CONFIG,
                                 "preprocessor_config.json": FakeFile(b"\x89PNG\r\n\x1a\n\0")}),
        "acme/array": FakeRepo({"config.json": CONFIG, "processor_config.json": FakeFile(b"[1]"),
                                "video_preprocessor_config.json": VIDEO}),
        # a tokenizer_config.json that is no JSON object: the CLI's stderr note, on the Model
        # page too (it was shown nowhere when the hub gave checkpoint metadata)
        "acme/tokenizer": FakeRepo({"config.json": CONFIG, "tokenizer_config.json":
                                    FakeFile(b"[1]")}),
    }
    hub = FakeHub(repos)
    try:
        # The bound only stops a hung run from hanging the suite; it is not a timing.
        proc = subprocess.run([sys.executable, "-c", VISITS, json.dumps(list(repos))], cwd=ROOT,
                              env=client_env(hub.url, tmp_path), capture_output=True,
                              text=True, timeout=600)
    finally:
        hub.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    for model, page in seen.items():
        assert not page["exception"] and not page["model_exception"], model
    value, formula = seen["acme/video"]["activation"]
    # 458,752 patches x 15,360 values x 2 B (test_processor_limits works it), as the CLI
    assert value == "13.12 GiB (14,092,861,440 B)"
    assert ("1 dummy video of 2 frames at the video processor's largest size, from "
            "video_preprocessor_config.json size.longest_edge: 458,752 patches") in formula
    assert any("video processor longest_edge 234,881,024 px from video_preprocessor_config.json"
               in c for c in seen["acme/video"]["captions"])
    notes = {
        "acme/huge": "acme/huge/video_preprocessor_config.json is over the 4 MB limit: not read",
        "acme/binary": "acme/binary/preprocessor_config.json ",
        # the Model page's note says what is planned: processor_config.json is the file
        # transformers 5.x reads first for both processors (model.config.processor _pick), so
        # neither limit is read: vision.QWEN3_VL_MAX_PIXELS 16,777,216 and
        # QWEN3_VL_VIDEO_MAX_PIXELS 25,165,824 assumed, not the video file's 234,881,024
        "acme/array": "acme/array/processor_config.json holds an array, not a JSON object: not "
                      "read; a Qwen3-VL-family tower (no other reads these files) plans the "
                      "image limit 16,777,216 px assumed (unverified), video limit 25,165,824 px "
                      "assumed (unverified) (transformers 5.x's file order)",
    }
    assert any(c.startswith(
        "acme/tokenizer/tokenizer_config.json holds an array, not a JSON object: its tokenizer "
        "is not read, so whether vLLM needs --trust-remote-code for it is not known (vLLM "
        "cannot read that file either)") for c in seen["acme/tokenizer"]["captions"]), (
        seen["acme/tokenizer"]["captions"])
    for model, note in notes.items():
        assert any(c.startswith(note) for c in seen[model]["captions"]), seen[model]["captions"]
        # the file transformers would read is not known: the assumed limits, the image profiled
        # (16,384 tokens > 12,288), 65,536 patches
        value, formula = seen[model]["activation"]
        assert "1 dummy image at the image processor's largest size" in formula, formula
        assert "65,536 patches" in formula
