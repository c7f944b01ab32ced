"""The topology matrix's PCIe cells: only what NVML's common-ancestor query gives.

An edited snapshot with "NV4" in its PCIe matrix (nvidia-smi topo -m prints NV# there) planned
NVLink on GPUs whose nvlink matrix holds no link, and a lower-case or unknown level ("pix",
"FOO") was ignored for PCIe through the host bridge; both are refused now, naming the cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import plan_snapshot, raw_3090


def _with_cell(value: str, row: int = 0, col: int = 1) -> bytes:
    raw = raw_3090()
    raw["topology"]["pcie"][row][col] = value
    return json.dumps(raw).encode()


@pytest.mark.parametrize(("value", "row", "col", "allowed"), [
    ("NV4", 0, 1, "PIX, PXB, PHB, NODE, SYS"),
    ("pix", 2, 3, "PIX, PXB, PHB, NODE, SYS"),
    ("FOO", 7, 6, "PIX, PXB, PHB, NODE, SYS"),
    ("X", 0, 1, "PIX, PXB, PHB, NODE, SYS"),
    ("SYS", 3, 3, "X"),
])
def test_a_pcie_cell_no_nvml_level_gives_is_refused(value: str, row: int, col: int,
                                                    allowed: str) -> None:
    with pytest.raises(SnapshotError) as info:
        load_snapshot(_with_cell(value, row, col))
    assert str(info.value) == (
        f"snapshot: topology: pcie[{row}][{col}] is {value!r}, not one of {allowed} or null: "
        "the PCIe matrix holds the PCIe level between two GPUs (NVLinks are counted in the "
        "nvlink matrix)")


@pytest.mark.parametrize("value", ["PIX", "PXB", "PHB", "NODE", "SYS", None])
def test_every_level_nvml_gives_and_null_still_load(value: str | None) -> None:
    raw = raw_3090()
    raw["topology"]["pcie"][0][1] = raw["topology"]["pcie"][1][0] = value  # both ways, as NVML
    assert load_snapshot(json.dumps(raw).encode()).topology.pcie[0][1] == value


def test_the_cli_refuses_nvlink_written_in_the_pcie_matrix(tmp_path: Path) -> None:
    raw = raw_3090()
    raw["topology"]["pcie"] = [["X" if i == j else "NV4" for j in range(8)] for i in range(8)]
    path, done = plan_snapshot(raw, tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"python -m planner plan: error: {path}: topology: pcie[0][1] is 'NV4', not one of PIX, "
        "PXB, PHB, NODE, SYS or null: the PCIe matrix holds the PCIe level between two GPUs "
        "(NVLinks are counted in the nvlink matrix).\n")


@pytest.mark.parametrize("count", [True, "4", 4.0])
def test_an_nvlink_count_that_is_not_a_json_integer_is_refused(count: object) -> None:
    # `true` off the diagonal (or "4") was read as 1 (4) bonded NVLinks: every pair of the
    # 3090s, which have none, showed NV1 and the node was planned on NVLink
    raw = raw_3090()
    raw["topology"]["nvlink"] = [[0 if i == j else count for j in range(8)] for i in range(8)]
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == ("snapshot: topology.nvlink.0.1: Input should be a valid integer "
                               "(and 55 more problems)")
