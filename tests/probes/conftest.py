"""Shared fixtures for the hardware-audit tests: recorded snapshots and the fake NVML."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from probes import nvml
from probes.snapshot import HardwareSnapshot, load_snapshot
from tests.probes.fake_nvml import FakeNvml, rtx3090_node

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "fixtures" / "snapshots"
RTX3090X8 = SNAPSHOTS / "rtx3090x8.json"
NO_GPU_VM = SNAPSHOTS / "no-gpu-vm.json"


def raw_3090() -> dict:
    """The recorded 8x RTX 3090 snapshot as parsed JSON, for a test to edit and load."""
    return json.loads(RTX3090X8.read_text())


def plan_snapshot(raw: dict, tmp_path: Path) -> tuple[Path, subprocess.CompletedProcess]:
    """`python -m planner plan --model Qwen/Qwen3-8B --snapshot node.json` of `raw` written to
    tmp_path, offline, in a fresh interpreter: (the file's path, the finished run)."""
    path = tmp_path / "node.json"
    path.write_text(json.dumps(raw))
    return path, subprocess.run(
        [sys.executable, "-m", "planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
         str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"HF_HUB_OFFLINE": "1", "PATH": ""})


@pytest.fixture
def rig() -> HardwareSnapshot:
    """The recorded 8x RTX 3090 node (two PCIe switch groups, no NVLink)."""
    return load_snapshot(RTX3090X8)


@pytest.fixture
def no_gpu() -> HardwareSnapshot:
    """The recorded snapshot of the CI-like VM without an NVIDIA driver."""
    return load_snapshot(NO_GPU_VM)


@pytest.fixture
def fake_3090(monkeypatch: pytest.MonkeyPatch) -> FakeNvml:
    """An 8x RTX 3090 fake injected as probes.nvml.pynvml."""
    fake = rtx3090_node()
    monkeypatch.setattr(nvml, "pynvml", fake)
    return fake
