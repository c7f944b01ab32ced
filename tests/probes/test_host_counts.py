"""A snapshot's host and GPU-process counts are what the host can report: 0 or more.

A hand-edited -1 B of available RAM loaded, printed "-0.00 GiB available" and planned a GB10
(whose free memory vLLM reads from the host's available RAM) as holding 1 B more than its
total; a process with pid -1 and -5 B was flagged as a defunct process holding "-0.00 GiB".
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import RTX3090X8


def _set(path: tuple, value: object) -> Callable[[dict], None]:
    def change(raw: dict) -> None:
        *parents, last = path
        node = raw
        for key in parents:
            node = node[key]
        node[last] = value
    return change


@pytest.mark.parametrize(("path", "value", "words"), [
    (("host", "ram_available_bytes"), -1,
     "host.ram_available_bytes: Input should be greater than or equal to 0"),
    (("host", "ram_total_bytes"), -(2**30),
     "host.ram_total_bytes: Input should be greater than or equal to 0"),
    (("host", "swap_used_bytes"), -4096,
     "host.swap_used_bytes: Input should be greater than or equal to 0"),
    (("host", "ram_available_bytes"), "1000",
     "host.ram_available_bytes: Input should be a valid integer"),
    (("host", "ram_total_bytes"), True, "host.ram_total_bytes: Input should be a valid integer"),
    (("host", "disks", 0, "free_bytes"), -1,
     "host.disks.0.free_bytes: Input should be greater than or equal to 0"),
    (("host", "ulimit_memlock_soft_bytes"), -2,
     "host.ulimit_memlock_soft_bytes: Input should be greater than or equal to -1"),
    (("gpus", 0, "processes"), [{"pid": -1, "used_memory_bytes": 1, "name": None,
                                 "status": "gone"}],
     "gpus.0.processes.0.pid: Input should be greater than or equal to 0"),
    (("gpus", 0, "processes"), [{"pid": 7, "used_memory_bytes": -5, "name": None,
                                 "status": "gone"}],
     "gpus.0.processes.0.used_memory_bytes: Input should be greater than or equal to 0"),
])
def test_a_count_the_host_cannot_report_is_refused(path: tuple, value: object,
                                                   words: str) -> None:
    raw = json.loads(RTX3090X8.read_text())
    _set(path, value)(raw)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == f"snapshot: {words}"


def test_unlimited_limits_and_empty_counts_still_load() -> None:
    raw = json.loads(RTX3090X8.read_text())
    raw["host"]["ulimit_memlock_soft_bytes"] = -1  # UNLIMITED, as RLIM_INFINITY is stored
    raw["host"]["disks"][0]["free_bytes"] = None
    raw["gpus"][0]["processes"] = [{"pid": 0, "used_memory_bytes": None, "name": None,
                                    "status": "gone"}]
    snap = load_snapshot(json.dumps(raw).encode())
    assert snap.host.ulimit_memlock_soft_bytes == -1 and snap.host.disks[0].free_bytes is None
