"""The speed model's streaming efficiency against a real GPU: bench/gpu_facts.py on a lent
H200 (2026-12-04, bench/gpu_facts_h200.json) timed cuBLAS decode GEMMs of three real weight
matrices. Each added byte costs the same time whatever the matrix (a fixed part per GEMM plus
bytes at a rate): that rate over the datasheet bandwidth is what bandwidth_efficiency stands
for, so a refit that moves it away from the measurement has stopped being physical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.serving.hardware import GPU_PRESETS
from planner.serving.speed.coefficients import FITTED

FACTS = json.loads((Path(__file__).resolve().parents[3] / "bench" / "gpu_facts_h200.json")
                   .read_text())
BYTES = {"gate_up 4096x28672": 4096 * 28672 * 2, "gate_up 8192x57344": 8192 * 57344 * 2,
         "o_proj 8192x8192": 8192 * 8192 * 2}
"""BF16 bytes of each matrix bench/gpu_facts.py timed (its DECODE_SHAPES)."""


def _line(batch: int) -> tuple[float, float]:
    """(bytes per second, fixed seconds) through the two larger matrices at `batch`."""
    rows = {name: row["bf16_ms"] / 1e3 for row in FACTS["decode_gemm"] if row["batch"] == batch
            for name in BYTES if row["matrix"].startswith(name)}
    small, large = "gate_up 4096x28672", "gate_up 8192x57344"
    rate = (BYTES[large] - BYTES[small]) / (rows[large] - rows[small])
    return rate, rows[small] - BYTES[small] / rate


@pytest.mark.parametrize("batch", [1, 8, 32])
def test_bf16_streaming_efficiency_is_the_measured_one(batch: int) -> None:
    assert FACTS["gpu"] == "NVIDIA H200"
    rate, fixed_s = _line(batch)
    measured = rate / (GPU_PRESETS["h200"].memory_bandwidth_gbps * 1e9)
    # by hand at batch 1: (939,524,096 - 234,881,024) B / (238.1 - 74.1) us = 4,297 GB/s, 0.895
    assert 0.875 < measured < 0.9
    assert abs(FITTED.bandwidth_efficiency["bf16"] - measured) <= 0.025
    assert 15e-6 < fixed_s < 25e-6  # about 19 us a GEMM timed alone, launch included

