"""A checkpoint whose safetensors header cannot be read (review h419 #5): planned "Fits" with a
`vllm serve` command before, the reason probes.hub worked out dropped, while vLLM (safetensors
safe_open: HeaderTooLarge, InvalidHeaderDeserialization) refuses to load it.

- a local folder: no launch command, its note naming the file and why (as for a directory
  named model.safetensors: the plan of the config stays), and plan's parameter-check warning;
- a hub repo (or one whose headers did not arrive in time): the warning (a hub's answer may be
  late or odd without the files being bad).
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import run_main
from tests.hubserver import FakeFile, FakeHub, FakeRepo, client_env

ROOT = Path(__file__).resolve().parents[2]
QWEN3_06B = ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-0.6B.json"
NOT_DONE = "Parameter check against the checkpoint: not done (safetensors headers not read: "
REFUSED = "; the plan rests on config.json alone"


def _folder(tmp_path: Path, weights: bytes) -> Path:
    shutil.copy(QWEN3_06B, tmp_path / "config.json")
    (tmp_path / "model.safetensors").write_bytes(weights)
    return tmp_path


@pytest.mark.parametrize(("weights", "why"), [
    # 64 x 0xff: the 8-byte length reads 2**64 - 1
    (b"\xff" * 64, "model.safetensors declares a 18,446,744,073,709,551,615-byte header, over "
     "the 100 MB safetensors limit: a corrupt file or not a safetensors file"),
    (struct.pack("<Q", 500) + b'{"w": {"dtype"', "model.safetensors ends inside its "
     "500-byte header (truncated?)"),
    (struct.pack("<Q", 5) + b"[1,2]", "model.safetensors has a header that is not a JSON "
     "object"),
])
def test_a_corrupt_local_checkpoint_gets_no_command_and_says_why(capsys, tmp_path: Path,
                                                                 weights: bytes,
                                                                 why: str) -> None:
    folder = _folder(tmp_path, weights)
    code, out, err = run_main(capsys, "plan", "--model", str(folder), "--gpu", "h100-sxm",
                              "--json")
    data = json.loads(out)
    assert code == 0 and data["fits"] and data["vllm_command"] is None
    assert data["launch_note"] == (
        f"No launch command: {why}: vLLM refuses the checkpoint at load. Download it again, "
        "or plan its repo id (--model OWNER/NAME), for a command.")
    assert f"{NOT_DONE}{why}){REFUSED}" in data["warnings"]
    code, out, err = run_main(capsys, "sweep", "--model", str(folder), "--gpu", "h100-sxm")
    assert code == 0 and f"warning: {NOT_DONE}{why}){REFUSED}\n" in err, err


def test_a_hub_repo_whose_header_is_garbage_plans_with_a_warning(tmp_path: Path) -> None:
    weights = FakeFile(b"\xff" * 64, size_bytes=10**9)
    hub = FakeHub({"acme/garbage": FakeRepo({"config.json": FakeFile(QWEN3_06B.read_bytes()),
                                             "model.safetensors": weights})})
    try:
        done = subprocess.run([sys.executable, "-m", "planner", "plan", "--model",
                               "acme/garbage", "--gpu", "h100-sxm", "--json"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60,
                              env=client_env(hub.url, tmp_path))
    finally:
        hub.stop()
    assert done.returncode == 0, done.stderr
    warnings = json.loads(done.stdout)["warnings"]
    said = [w for w in warnings if w.startswith(NOT_DONE)]
    assert len(said) == 1 and said[0].endswith(REFUSED), warnings
