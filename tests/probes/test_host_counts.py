"""A snapshot's host and GPU-process counts are what the host can report: 0 or more (CPU
counts 1 or more).

A hand-edited -1 B of available RAM loaded, printed "-0.00 GiB available" and planned a GB10
(whose free memory vLLM reads from the host's available RAM) as holding 1 B more than its
total; a process with pid -1 and -5 B was flagged as a defunct process holding "-0.00 GiB".
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from probes.audit_summary import audit_summary
from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import raw_3090


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
    # past a 64-bit counter: a 400-digit RAM, swap, disk or memlock limit was an OverflowError
    # traceback in `report`, which divides each into GiB
    (("host", "ram_total_bytes"), 10**400,
     "host.ram_total_bytes: Input should be less than or equal to 18446744073709551615"),
    (("host", "swap_total_bytes"), 2**64,
     "host.swap_total_bytes: Input should be less than or equal to 18446744073709551615"),
    (("host", "disks", 0, "total_bytes"), 10**400,
     "host.disks.0.total_bytes: Input should be less than or equal to 18446744073709551615"),
    (("host", "ulimit_nofile_hard"), 2**64,
     "host.ulimit_nofile_hard: Input should be less than or equal to 18446744073709551615"),
    (("host", "ulimit_memlock_soft_bytes"), 10**400,
     "host.ulimit_memlock_soft_bytes: Input should be less than or equal to "
     "18446744073709551615"),
    # a CPU count is 1 or more (the probes read none as None): -1 printed "-1 sockets"
    (("host", "cpu_sockets"), -1, "host.cpu_sockets: Input should be greater than or equal to 1"),
    (("host", "cpu_cores"), 0, "host.cpu_cores: Input should be greater than or equal to 1"),
    (("host", "cpu_threads"), True, "host.cpu_threads: Input should be a valid integer"),
    (("host", "numa_nodes"), "2", "host.numa_nodes: Input should be a valid integer"),
    (("gpus", 0, "processes"), [{"pid": -1, "used_memory_bytes": 1, "name": None,
                                 "status": "gone"}],
     "gpus.0.processes.0.pid: Input should be greater than or equal to 0"),
    (("gpus", 0, "processes"), [{"pid": 7, "used_memory_bytes": -5, "name": None,
                                 "status": "gone"}],
     "gpus.0.processes.0.used_memory_bytes: Input should be greater than or equal to 0"),
])
def test_a_count_the_host_cannot_report_is_refused(path: tuple, value: object,
                                                   words: str) -> None:
    raw = raw_3090()
    _set(path, value)(raw)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == f"snapshot: {words}"


def test_unlimited_limits_and_empty_counts_still_load() -> None:
    raw = raw_3090()
    raw["host"]["ulimit_memlock_soft_bytes"] = -1  # UNLIMITED, as RLIM_INFINITY is stored
    raw["host"]["disks"][0]["free_bytes"] = None
    raw["host"]["cpu_sockets"] = None  # no 'physical id' in /proc/cpuinfo (parse_cpuinfo)
    raw["gpus"][0]["processes"] = [{"pid": 0, "used_memory_bytes": None, "name": None,
                                    "status": "gone"}]
    snap = load_snapshot(json.dumps(raw).encode())
    assert snap.host.ulimit_memlock_soft_bytes == -1 and snap.host.disks[0].free_bytes is None


def test_available_ram_above_the_total_is_refused() -> None:
    # a DGX Spark's audit edited to 200 GiB available of 119 GiB: the GB10, whose free memory
    # vLLM reads from the host's available RAM, was planned with none of it held
    raw = raw_3090()
    raw["host"].update(ram_total_bytes=119 * 2**30, ram_available_bytes=200 * 2**30)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == (
        "snapshot: host: ram_available_bytes 214,748,364,800 is more than ram_total_bytes "
        "127,775,277,056: the snapshot is corrupt or edited")
    raw["host"].update(ram_available_bytes=119 * 2**30, swap_total_bytes=0, swap_used_bytes=1)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == ("snapshot: host: swap_used_bytes 1 is more than swap_total_bytes "
                               "0: the snapshot is corrupt or edited")


def test_the_largest_64_bit_counts_load_and_report() -> None:
    # 2**64 - 1 B (16 EiB), the most a 64-bit counter states, loads, and the audit summary
    # divides it into GiB: 2**64 / 2**30 = 2**34 = 17,179,869,184 GiB less one byte
    raw = raw_3090()
    most = 2**64 - 1
    raw["host"].update(ram_total_bytes=most, ram_available_bytes=most,
                       ulimit_memlock_soft_bytes=most)
    facts = {f.label: f.value for f in audit_summary(load_snapshot(json.dumps(raw).encode())).host}
    assert facts["RAM"] == "17,179,869,184.00 GiB (17,179,869,184.00 GiB available)"
    assert facts["ulimit memlock"] == "17,179,869,184.00 GiB"
