"""A snapshot's modes and flags are JSON booleans, as the probes write them.

pydantic's lax mode read "on", "yes", "1" and 1 as true: every GPU's NVLink 0 "active": "on" in a
snapshot without a topology matrix planned 8 RTX 3090s, which have no NVLink, on NVLink
(probes.cluster._link: an active NVLink on every GPU), and "nvml_available": "yes" loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import raw_3090


def _nvlink_on(raw: dict) -> None:
    raw["topology"] = None
    for gpu in raw["gpus"]:
        gpu["nvlinks"] = [{"link": 0, "active": "on", "remote_pci_bus_id": None}]


def _set(where: Callable[[dict], dict], key: str, value: object) -> Callable[[dict], None]:
    return lambda raw: where(raw).__setitem__(key, value)


@pytest.mark.parametrize(("change", "words"), [
    (_nvlink_on, "gpus.0.nvlinks.0.active: Input should be a valid boolean (and 7 more "
                 "problems)"),
    (_set(lambda raw: raw, "nvml_available", "yes"), "nvml_available: Input should be a valid "
                                                     "boolean"),
    (_set(lambda raw: raw["gpus"][2], "persistence_mode", 1),
     "gpus.2.persistence_mode: Input should be a valid boolean"),
    (_set(lambda raw: raw["gpus"][0], "ecc_enabled", "true"),
     "gpus.0.ecc_enabled: Input should be a valid boolean"),
    (_set(lambda raw: raw["gpus"][0], "mig_enabled", "off"),
     "gpus.0.mig_enabled: Input should be a valid boolean"),
    (_set(lambda raw: raw["host"], "wsl2", "no"), "host.wsl2: Input should be a valid boolean"),
    (_set(lambda raw: raw["host"]["disks"][0], "exists", 0),
     "host.disks.0.exists: Input should be a valid boolean"),
])
def test_a_flag_that_is_not_a_json_boolean_is_refused(change: Callable[[dict], None],
                                                      words: str) -> None:
    raw = raw_3090()
    change(raw)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == f"snapshot: {words}"
