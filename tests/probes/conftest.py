"""Shared fixtures for the hardware-audit tests: recorded snapshots and the fake NVML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probes import nvml
from probes.snapshot import HardwareSnapshot, load_snapshot
from tests.probes.fake_nvml import FakeNvml, rtx3090_node

SNAPSHOTS = Path(__file__).resolve().parent.parent / "fixtures" / "snapshots"
RTX3090X8 = SNAPSHOTS / "rtx3090x8.json"
NO_GPU_VM = SNAPSHOTS / "no-gpu-vm.json"


def raw_3090() -> dict:
    """The recorded 8x RTX 3090 snapshot as parsed JSON, for a test to edit and load."""
    return json.loads(RTX3090X8.read_text())


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
