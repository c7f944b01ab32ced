"""A snapshot's hostname names the node in every message: an empty one is refused.

An edited "hostname": "" loaded and planned, and the node was named by nothing: "Headroom
hardware audit:  at 2025-08-20T09:14:03+00:00", ": GPU0 has no name or memory total ...", the
report's "snapshots: " source.
"""

from __future__ import annotations

import json

import pytest

from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import raw_3090


@pytest.mark.parametrize("hostname", ["", "   "])
def test_an_empty_hostname_is_refused(hostname: str) -> None:
    raw = raw_3090()
    raw["hostname"] = hostname
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == (
        f"snapshot: hostname is {hostname!r}: a snapshot names its machine "
        "(socket.gethostname()), and the plan names the node by it; write one, or take the "
        "snapshot again with `python -m probes --json`")


def test_a_short_hostname_still_loads() -> None:
    raw = raw_3090()
    raw["hostname"] = "a"
    assert load_snapshot(json.dumps(raw).encode()).hostname == "a"
