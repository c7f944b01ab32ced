"""The app's error box for a hub that answers a web page, an image, a bare 404, redirects
without end or a model info of another shape, and for hub configs that are too deep, hold a
4,301-digit integer or describe an impossible model (issue 13 reproducers): a clear message,
no traceback.

The app runs under AppTest in a fresh interpreter (huggingface_hub reads HF_ENDPOINT at import)
against the local fake hub (tests/hubserver.py) with the real client.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_bad_inputs import MPT
from tests.conftest import load_ref_config
from tests.hubserver import FakeFile, FakeHub, FakeRepo, client_env

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad_inputs"

VISITS = """
import json, sys
from streamlit.testing.v1 import AppTest
from probes.snapshot import load_snapshot
from ui import io

snapshot = load_snapshot("tests/fixtures/snapshots/no-gpu-vm.json")
io.take_snapshot = lambda: snapshot  # this machine as GPU-less, as every app test sees it
out = {}
for model in json.loads(sys.argv[1]):
    at = AppTest.from_file("app.py", default_timeout=60)
    at.query_params["model"] = model
    at.run()
    out[model] = {"exception": bool(at.exception), "errors": [e.value for e in at.error]}
print(json.dumps(out))
"""

EXPECTED = {
    "acme/html": "returned something that is not JSON (an HTML page)",
    "acme/png": "returned something that is not JSON (binary data, not text)",
    "acme/plain404": "answered HTTP 404 for acme/plain404, without the hub's error details",
    "acme/deep": "config.json is nested too deeply to be read",
    "acme/bigint": "config.json holds an integer of more than 4,300 digits",
    # planned as if fine before; transformers reads config.json as open(encoding="utf-8")
    # and json.loads(text), which refuses the mark (U+FEFF) and cannot decode UTF-16
    "acme/bom": "acme/bom/config.json starts with a UTF-8 byte-order mark (BOM), which vLLM "
                "cannot load (transformers and safetensors read UTF-8 without one): save it "
                "as UTF-8 without the BOM.",
    "acme/utf16": "acme/utf16/config.json is UTF-16 text, which vLLM cannot load",
    "acme/kv-gt": "num_key_value_heads = 64 is more than num_attention_heads = 32",
    "acme/kv-split": "num_attention_heads = 32 is not divisible by num_key_value_heads = 5",
    "acme/yarn": "rope_scaling.factor = 1e+06 stretches the context",
    # an uncaught TooManyRedirects / TypeError from the client before
    "acme/redirect_loop": "answered acme/redirect_loop with redirects that never end",
    "acme/info-list": "answered acme/info-list's model info with JSON that is not a model's "
                      "(an array, not an object)",
    # "num_hidden_layers is missing (needed: layers)." alone before, as in the CLI
    "acme/mpt": "num_hidden_layers is missing (needed: layers): model_type 'mpt' is not an "
                "architecture Headroom knows, so it read only the standard names",
    # planned as the Qwen3 its model_type names before, silently, as in the CLI
    "acme/archs-int": "config.json: architectures must be a list of model class names such as ",
    # a fitting FP8 plan before, as in the CLI
    "acme/fp8-static": "quantization_config.activation_scheme \"static\" with weight_block_size: "
                       "vLLM's Fp8Config stops at load",
}


def test_odd_hub_answers_are_clear_errors_in_the_app(tmp_path: Path) -> None:
    config = FakeFile((ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-8B.json")
                      .read_bytes())
    repos = {f"acme/{kind}": FakeRepo({"config.json": config}, behaviour=kind)
             for kind in ("html", "png", "plain404", "redirect_loop")}
    repos["acme/info-list"] = FakeRepo({"config.json": config}, model_info=b"[1, 2]")
    repos["acme/deep"] = FakeRepo(
        {"config.json": FakeFile((BAD / "deep_nesting.config.json").read_bytes())})
    repos["acme/bigint"] = FakeRepo(
        {"config.json": FakeFile((BAD / "bigint_4301_digits.config.json").read_bytes())})
    repos["acme/bom"] = FakeRepo({"config.json": FakeFile(b"\xef\xbb\xbf" + config.data)})
    repos["acme/utf16"] = FakeRepo(
        {"config.json": FakeFile(config.data.decode().encode("utf-16"))})
    for repo, name in (("kv-gt", "kv_heads_gt_heads"), ("kv-split", "kv_heads_not_dividing_heads"),
                       ("yarn", "yarn_factor_1e6")):
        repos[f"acme/{repo}"] = FakeRepo(
            {"config.json": FakeFile((BAD / f"{name}.config.json").read_bytes())})
    repos["acme/mpt"] = FakeRepo({"config.json": FakeFile(json.dumps(MPT).encode())})
    repos["acme/archs-int"] = FakeRepo({"config.json": FakeFile(json.dumps(
        json.loads(config.data) | {"architectures": 5}).encode())})
    fp8, _ = load_ref_config("Qwen__Qwen3-30B-A3B-FP8")
    fp8["quantization_config"]["activation_scheme"] = "static"
    repos["acme/fp8-static"] = FakeRepo({"config.json": FakeFile(json.dumps(fp8).encode())})
    hub = FakeHub(repos)
    env = client_env(hub.url, tmp_path)
    try:
        # The bound only stops a hung run from hanging the suite; it is not a timing.
        proc = subprocess.run([sys.executable, "-c", VISITS, json.dumps(list(EXPECTED))],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        hub.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    for model, words in EXPECTED.items():
        assert not seen[model]["exception"], model
        assert any(words in e for e in seen[model]["errors"]), (model, seen[model]["errors"])
        assert not any("Expecting value" in e or "server-side" in e
                       for e in seen[model]["errors"])


@pytest.mark.parametrize(("endpoint", "proxy", "words"), [
    # the app did not start: huggingface_hub raised ValueError parsing HF_ENDPOINT at import
    ("http://[::1", None, "is not a URL (Invalid IPv6 URL): set HF_ENDPOINT to the hub's address"),
    # the client's first request raised httpx2.InvalidURL: a traceback in the page
    ("http://256.1.1.1", None, "is not a URL (Invalid IPv4 address: "),
    ("http://127.0.0.1:1", "http://x:abc", "is not a URL (Invalid port: "),
])
def test_a_malformed_hf_endpoint_or_proxy_is_an_error_box(tmp_path: Path, endpoint: str,
                                                          proxy: str | None, words: str) -> None:
    env = client_env(endpoint, tmp_path, **({"HTTPS_PROXY": proxy} if proxy else {}))
    proc = subprocess.run([sys.executable, "-c", VISITS, json.dumps(["acme/anything"])],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])["acme/anything"]
    assert not seen["exception"]
    # the value is shown Markdown-escaped, the words after it as they are
    assert any(words in e for e in seen["errors"]), seen["errors"]


PINNED = """
import json
from streamlit.testing.v1 import AppTest
from probes.snapshot import load_snapshot
from tests.app.conftest import launch_command
from ui import io

snapshot = load_snapshot("tests/fixtures/snapshots/no-gpu-vm.json")
io.take_snapshot = lambda: snapshot
out = {}
for rev in ("main", ""):
    at = AppTest.from_file("app.py", default_timeout=60)
    at.query_params.update({"model": "acme/pinned", "gpu": "h100-sxm", "gpn": "1", "tp": "1"})
    if rev:
        at.query_params["rev"] = rev
    at.run()
    out[rev] = launch_command(at)
print(json.dumps(out))
"""


def test_a_chosen_revision_is_pinned_in_the_launch_command(tmp_path: Path) -> None:
    # the command loaded main whatever revision the page planned; now the commit read
    config = FakeFile((ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-0.6B.json")
                      .read_bytes())
    hub = FakeHub({"acme/pinned": FakeRepo({"config.json": config}, sha="b" * 40)})
    try:
        proc = subprocess.run([sys.executable, "-c", PINNED], cwd=ROOT,
                              env=client_env(hub.url, tmp_path), capture_output=True, text=True,
                              timeout=300)
    finally:
        hub.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["main"].startswith(f"vllm serve acme/pinned --revision {'b' * 40} ")
    assert "--revision" not in seen[""] and seen[""].startswith("vllm serve acme/pinned ")


def test_an_unreachable_hub_offers_no_local_path_in_the_app(tmp_path: Path) -> None:
    # nothing listens on port 1: the CLI's message ends "check your connection, proxy and
    # HF_ENDPOINT, or pass a path to a config.json", a way out the app refuses ("looks like a
    # local path; the app takes Hugging Face repo ids")
    env = client_env("http://127.0.0.1:1", tmp_path)
    proc = subprocess.run([sys.executable, "-c", VISITS, json.dumps(["acme/anything"])],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])["acme/anything"]
    assert not seen["exception"]
    errors = [e for e in seen["errors"] if "Cannot reach the hub" in e]
    assert len(errors) == 1  # the plan's box; the sidebar's says "No usable model." only
    for error in errors:
        assert "(ConnectError): check your connection, proxy and HF_ENDPOINT. acme/anything " \
            "is not in the local cache" in error
        assert "config.json" not in error


def test_a_hub_that_times_out_says_what_the_visitor_can_do(tmp_path: Path) -> None:
    # the CLI's ways out, "check your connection or proxy, or raise the deadline
    # (HEADROOM_HUB_DEADLINE_S)", are the server's: a visitor can change neither
    config = (ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-8B.json").read_bytes()
    hub = FakeHub({"acme/hang": FakeRepo({"config.json": FakeFile(config)}, behaviour="hang")})
    try:
        env = client_env(hub.url, tmp_path, HEADROOM_HUB_DEADLINE_S="2")
        # The bound only stops a hung run from hanging the suite; it is not a timing.
        proc = subprocess.run([sys.executable, "-c", VISITS, json.dumps(["acme/hang"])],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        hub.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])["acme/hang"]
    assert not seen["exception"]
    errors = [e for e in seen["errors"] if "did not answer within 2 s for acme/hang" in e]
    assert len(errors) == 1, seen["errors"]  # the plan's box; the sidebar's names no reason
    for error in errors:
        assert ("did not answer within 2 s for acme/hang: try again in a minute (a failed "
                "look-up is answered from memory for 60 s), pick a model of the bundled "
                "catalog (answered without the hub), or plan the model's config.json with the "
                "CLI (python -m planner plan --model path/to/config.json).") in error, error
        assert "HEADROOM\\_HUB\\_DEADLINE\\_S" not in error and "HEADROOM_HUB" not in error
        assert "check your connection" not in error
