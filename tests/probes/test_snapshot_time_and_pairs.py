"""A snapshot's taken_at is a time, its topology reads the same from both GPUs of a pair, and
its GPUs are listed only where NVML ran.

All were accepted from an edited file: taken_at 'yesterday' was shown as when the node was
audited, GPU0->GPU1 NV4 with GPU1->GPU0 at the PCIe level planned whichever cell a reader
looked at, and 8 GPUs beside nvml_available false were planned. The probe writes none of
them, and pairs a one-sided NVLink count down to the fewer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probes import nvml
from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import plan_snapshot, raw_3090
from tests.probes.fake_nvml import SYSTEM, FakeGpu, FakeNvml


@pytest.mark.parametrize("when", ["yesterday", "", "2025-13-01T00:00:00+00:00", "12:00"])
def test_a_taken_at_that_is_no_iso_time_is_refused(when: str) -> None:
    raw = raw_3090()
    raw["taken_at"] = when
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == (
        f"snapshot: taken_at is {when!r}, not an ISO 8601 time such as "
        "'2025-06-01T12:00:00+00:00' (when the probe ran); write one, or take the snapshot "
        "again with `python -m probes --json`")


@pytest.mark.parametrize("when", ["2025-08-20", "2025-08-20T09:14:03Z", "2025-08-20 09:14"])
def test_an_iso_date_or_time_still_loads(when: str) -> None:
    raw = raw_3090()
    raw["taken_at"] = when
    assert load_snapshot(json.dumps(raw).encode()).taken_at == when


def test_an_nvlink_on_one_side_of_a_pair_is_refused_naming_the_pair() -> None:
    raw = raw_3090()  # PCIe level NODE between GPU0 and GPU1, no NVLink
    raw["topology"]["nvlink"][0][1] = 4
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == (
        "snapshot: topology: GPU0->GPU1 is NV4 but GPU1->GPU0 is NODE (nvlink[0][1] 4, "
        "nvlink[1][0] 0): a link joins both GPUs, so the matrix reads the same both ways; "
        "write the snapshot again with `python -m probes --json`")


def test_a_pcie_level_differing_by_direction_is_refused() -> None:
    raw = raw_3090()  # GPU2-GPU3 share a PCIe switch: PIX both ways
    raw["topology"]["pcie"][3][2] = "PHB"
    with pytest.raises(SnapshotError, match=r"GPU2->GPU3 is PIX but GPU3->GPU2 is PHB "
                                             r"\(pcie\[2\]\[3\] 'PIX', pcie\[3\]\[2\] 'PHB'\)"):
        load_snapshot(json.dumps(raw).encode())


def test_nvlinks_from_a_gpu_to_itself_are_refused() -> None:
    raw = raw_3090()
    raw["topology"]["nvlink"][5][5] = 12  # has_nvlink read it as an NVLinked node
    with pytest.raises(SnapshotError, match=r"nvlink's diagonal .* must be 0"):
        load_snapshot(json.dumps(raw).encode())


def test_the_cli_refuses_an_asymmetric_topology_in_one_line(tmp_path: Path) -> None:
    raw = raw_3090()
    raw["topology"]["nvlink"][1][0] = 4
    path, done = plan_snapshot(raw, tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"python -m planner plan: error: {path}: topology: GPU0->GPU1 is NODE but GPU1->GPU0 "
        "is NV4 (nvlink[0][1] 0, nvlink[1][0] 4): a link joins both GPUs, so the matrix reads "
        "the same both ways; write the snapshot again with `python -m probes --json`.\n")


def test_the_probe_pairs_a_one_sided_nvlink_count_down_with_a_note(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # GPU0 reads 4 active links to GPU1; GPU1 reads 2 of them active (2 down on its side)
    a, b = "00000000:17:00.0", "00000000:65:00.0"
    gpus = [FakeGpu(bus_id=a, nvlinks=[(True, b)] * 4),
            FakeGpu(bus_id=b, nvlinks=[(True, a)] * 2 + [(False, a)] * 2)]
    monkeypatch.setattr(nvml, "pynvml", FakeNvml(gpus, {(0, 1): SYSTEM}))
    probe = nvml.probe_gpus()
    assert probe.topology.nvlink == [[0, 2], [2, 0]]
    assert ("NVLink GPU0-GPU1: GPU0 reports 4 active links, GPU1 2; planned with 2"
            in probe.notes)


@pytest.mark.parametrize(("change", "why"), [
    ({"nvml_available": False}, "nvml_available is false"),
    ({"gpu_unavailable_reason": "NVML could not start"},
     "gpu_unavailable_reason is 'NVML could not start'"),
])
def test_gpus_beside_an_nvml_that_did_not_run_are_refused(change: dict, why: str) -> None:
    raw = raw_3090()  # NVML ran and listed 8 RTX 3090s: they were planned, the audit said no NVML
    raw.update(change)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == (
        f"snapshot: {why}, yet 8 GPUs are listed: the probe lists GPUs only where NVML ran "
        "(nvml_available true, gpu_unavailable_reason null), so this snapshot is corrupt or "
        "edited (write it again with `python -m probes --json`)")
