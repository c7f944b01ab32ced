"""GPU preset totals read on an older CUDA driver (review h433 #5): one card's CUDA total falls
with a newer driver, so a row whose total is a CUDA 11.4-12.4 driver's may be higher than what
a user on a current driver sees, and vLLM's budget (total x gpu_memory_utilization) with it.
Such a row names its driver and says by how much a newer one was measured to report less; the
plan's budget term says how much of that the budget carries.

The drop, worked from deviceQuery's 'Total amount of global memory' on one model under two
drivers (find_string ids in presets.py's NOTE on older drivers' totals): RTX 3070 7,974 MiB on
CUDA 11.6, 7,817 on 12.8: 157 MiB; RTX 3060 12 GB 12,045 on 11.4, 11,901 on 13.0: 144; RTX 4090
24,210 on 12.4, 24,081 on 13.0: 129. The largest, 157 MiB, is the one the notes give.
"""

import json

import pytest

from planner.serving.hardware import GPU_PRESETS, with_memory_total, with_wsl2
from planner.serving.hardware.memory_total import memory_total_note
from planner.serving.hardware.presets import OLDER_DRIVER_DROP_BYTES, old_driver_total_note
from planner.units import GIB, MIB
from tests.cli.conftest import run_main

OLD_DRIVER_ROWS = {"rtx-3080-ti": "11.4", "rtx-3060-ti": "12.2", "rtx-4080-super": "12.4",
                   "rtx-4080": "12.4", "rtx-4090": "12.4"}


# deviceQuery MiB on the older driver, then the newer (the module docstring)
PAIRS_MIB = {"RTX 3070": (7974, 7817), "RTX 3060 12 GB": (12045, 11901),
             "RTX 4090": (24210, 24081)}


def test_the_drop_is_the_largest_measured_pair() -> None:
    assert max(old - new for old, new in PAIRS_MIB.values()) * MIB == OLDER_DRIVER_DROP_BYTES
    note = old_driver_total_note("11.4")
    for card, (old, new) in PAIRS_MIB.items():
        assert f"{card} {old:,}" in note and f"{new:,} on" in note, card


@pytest.mark.parametrize(("key", "driver"), OLD_DRIVER_ROWS.items())
def test_a_row_read_on_an_older_driver_says_so(key: str, driver: str) -> None:
    gpu = GPU_PRESETS[key]
    assert gpu.memory_total_cuda_driver == driver
    assert (f"CUDA total read on a CUDA {driver} driver: newer drivers report up to 157 MiB "
            "less") in gpu.notes


def test_the_rtx_3080_ti_total_is_its_cuda_11_4_devicequery() -> None:
    # 'Total amount of global memory: 12045 MBytes (12630491136 bytes)', CUDA 11.4
    assert GPU_PRESETS["rtx-3080-ti"].memory_total_bytes == 12_630_491_136
    assert 12_630_491_136 // MIB == 12045


def test_rows_of_newer_drivers_or_no_stated_driver_say_nothing() -> None:
    tagged = {k for k, g in GPU_PRESETS.items() if g.memory_total_cuda_driver}
    assert tagged == set(OLD_DRIVER_ROWS)
    # rtx-4060-ti-16gb: deviceQuery on CUDA 13.1; rtx-4070: host driver 575.51.03 (CUDA 12.9);
    # rtx-3090: the newer drivers' 23.57 GiB; h100-sxm: vLLM's logged total
    for key in ("rtx-4060-ti-16gb", "rtx-4070", "rtx-3090", "h100-sxm"):
        assert "CUDA total read on a CUDA" not in GPU_PRESETS[key].notes, key


def test_a_given_measured_or_wsl2_total_is_no_older_drivers() -> None:
    gpu = GPU_PRESETS["rtx-3080-ti"]
    assert with_memory_total(gpu, gpu.memory_total_bytes, "measured").memory_total_cuda_driver \
        == ""
    assert with_wsl2(gpu).memory_total_cuda_driver == ""
    # the measured total equal to the preset's: read on the user's own driver, no caveat
    assert memory_total_note(with_memory_total(gpu, gpu.memory_total_bytes, "measured"), 0.9) \
        == ""


def _budget_note(capsys, *args: str) -> str:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--json", *args)
    assert code == 0, err
    return next(t["note"] for t in json.loads(out)["terms"] if t["key"] == "budget")


def test_the_budget_term_carries_the_older_driver_note(capsys) -> None:
    note = _budget_note(capsys, "--gpu", "rtx-3080-ti", "--gpu-memory-utilization", "0.9")
    # 0.9 x 157 MiB = 141.3 MiB
    assert ("the rtx-3080-ti preset's total was read on a CUDA 11.4 driver; newer drivers "
            "report up to 157 MiB less (the preset's notes give the measured pairs), so this "
            "budget may be up to 0.9 x 157 MiB = 141 MiB high") in note


def test_a_current_drivers_row_or_a_given_total_has_no_budget_caveat(capsys) -> None:
    assert "driver" not in _budget_note(capsys, "--gpu", "rtx-4060-ti-16gb")
    given = 12_630_491_136 / GIB  # the rtx-3080-ti's own total, given: the user's driver's
    assert "driver" not in _budget_note(capsys, "--gpu-name", "rtx-3080-ti",
                                        "--gpu-memory-gib", repr(given))
