"""Shared by the CLI tests: the `model_dir` fixture (a folder holding the tiny config.json,
as `--model` accepts it), run_main (`python -m planner` in-process), plan_json (a plan's JSON)
with rope_cache_bytes (its rotary cache) and rtx4090_rig (a second node of another GPU
model)."""

import json
import struct
from pathlib import Path

import pytest

from cli.planner_cli import main
from tests.cli.tiny_model import TINY_CONFIG

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots" / "rtx3090x8.json"
NO_TENSORS = struct.pack("<Q", 2) + b"{}"
"""A safetensors file of no tensors (its 8-byte header length, then the header {}): weights a
folder holds for `vllm serve`, where an empty file is a corrupt one Headroom refuses."""


@pytest.fixture()
def model_dir(tmp_path: Path) -> Path:
    """A folder holding the tiny config.json, as `--model` accepts it."""
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG))
    return tmp_path


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """`python -m planner ARGV` in-process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def plan_json(capsys, *argv: str) -> dict:
    """`python -m planner plan ARGV --json` in-process, which must exit 0: the plan."""
    code, out, err = run_main(capsys, "plan", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def plan_errors(capsys, *argv: str, word: str) -> tuple[bool, list[str]]:
    """`python -m planner plan ARGV --json`, which must exit 0: (fits, its errors holding
    `word`)."""
    plan = plan_json(capsys, *argv)
    return plan["fits"], [e for e in plan["errors"] if word in e]


def rope_cache_bytes(plan: dict) -> int:
    """A plan's rotary cos/sin cache bytes a GPU (its weights term's rope_cache_bytes)."""
    weights = next(t for t in plan["terms"] if t["key"] == "weights")
    return int(weights["inputs"]["rope_cache_bytes"])


def rtx4090_rig() -> dict:
    """The recorded 8x RTX 3090 rig's snapshot as another host, "rig-4090", of 8 RTX 4090s
    (compute capability 8.9, nvidia-smi 24,564 MiB, the rig's 440 MiB reserved, new UUIDs:
    each snapshot is one machine): with the rig, a cluster of two GPU models."""
    rig = json.loads(SNAPSHOT.read_text())
    rig["hostname"] = "rig-4090"
    total = 24564 << 20
    for gpu in rig["gpus"]:
        gpu.update(uuid=gpu["uuid"][:-4] + "beef", name="NVIDIA GeForce RTX 4090",
                   compute_capability="8.9", memory_total_bytes=total,
                   memory_free_bytes=total - gpu["memory_reserved_bytes"]
                   - gpu["memory_used_bytes"])
    return rig
