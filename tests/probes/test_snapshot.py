"""HardwareSnapshot: JSON round trip, take_snapshot without a GPU, load_snapshot errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probes import nvml
from probes.snapshot import (
    MAX_SNAPSHOT_BYTES,
    HardwareSnapshot,
    SnapshotError,
    load_snapshot,
    take_snapshot,
)
from tests.cli.conftest import run_main
from tests.probes.conftest import RTX3090X8, raw_3090
from tests.probes.fake_nvml import FakeGpu, FakeNvml


def test_json_round_trip(rig: HardwareSnapshot) -> None:
    again = load_snapshot(rig.to_json().encode())
    assert again == rig
    assert again.gpus[7].memory_total_bytes == 25_769_803_776  # 24576 MiB, NVML total


def test_recorded_3090_fixture_facts(rig: HardwareSnapshot) -> None:
    assert rig.kind == "headroom.hardware-snapshot" and rig.schema_version == 1
    assert len(rig.gpus) == 8
    assert {g.driver_version for g in rig.gpus} == {"570.172.08"}
    assert {g.cuda_driver_version for g in rig.gpus} == {12080}
    assert rig.host.os_version_id == "22.04" and rig.host.cpu_sockets == 1


def test_no_gpu_fixture_made_on_this_vm(no_gpu: HardwareSnapshot) -> None:
    assert no_gpu.gpus == [] and no_gpu.topology is None and not no_gpu.nvml_available
    assert "libnvidia-ml.so.1 not found" in no_gpu.gpu_unavailable_reason
    assert any(d.role == "hf_cache" for d in no_gpu.host.disks)


def test_take_snapshot_without_nvml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(nvml, "pynvml", FakeNvml([], init_error=12))  # LIBRARY_NOT_FOUND
    snap = take_snapshot(model_dirs=(tmp_path,))
    assert snap.gpus == [] and snap.nvml_available is False
    assert snap.host.disks[-1].path == str(tmp_path)
    assert snap.taken_at.endswith("+00:00")


def test_one_gpu_stays_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvml, "pynvml", FakeNvml([FakeGpu(bus_id="00000000:01:00.0")]))
    raw = json.loads(take_snapshot().to_json())
    assert isinstance(raw["gpus"], list) and len(raw["gpus"]) == 1
    assert raw["topology"]["pcie"] == [["X"]]


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "snap.json"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("data", "message"), [
    (b"hello", "not valid JSON"),
    (b'{"kind": "headroom.hardware-snapshot", "schema_version": 1, "gpus": [', "not valid JSON"),
    (b"\xff\xfe\x00", "not JSON"),
    (b"[1, 2]", "a snapshot is a JSON object, got an array"),
    (b"null", "a snapshot is a JSON object, got null"),  # "got NoneType" before
    (b'{"kind": "something-else", "schema_version": 1}', "kind is 'something-else'"),
    (b'{"schema_version": 1}', "snapshot has no kind: it is not a hardware snapshot "),
    (b'{"kind": null, "schema_version": 1}', "kind is None, expected"),
    # json kept the last kind without a word
    (b'{"kind": "x", "kind": "headroom.hardware-snapshot", "schema_version": 1}',
     "^snapshot: 'kind' is given twice: give each once$"),
])
def test_load_rejects_bad_bytes(data: bytes, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        load_snapshot(data)


@pytest.mark.parametrize("version", [2, 0, 1.5])
def test_load_rejects_unsupported_schema_version(version: object) -> None:
    raw = raw_3090()
    raw["schema_version"] = version
    with pytest.raises(SnapshotError, match=f"schema_version {version!r} is not supported"):
        load_snapshot(json.dumps(raw).encode())


@pytest.mark.parametrize(("version", "kind"), [
    ("1", "a string ('1')"), (None, "null (None)"), (True, "a boolean (True)"),
    ([1], "an array ([1])")])
def test_a_schema_version_that_is_no_number_is_named_as_such(version: object,
                                                             kind: str) -> None:
    # the string '1' read "schema_version '1' is not supported (this Headroom reads version
    # 1)": the version it reads, refused
    raw = raw_3090()
    raw["schema_version"] = version
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(json.dumps(raw).encode())
    assert str(caught.value) == (f"snapshot: schema_version is {kind}, not a number: this "
                                 "Headroom reads version 1, the number (write one with `python "
                                 "-m probes --json`)")


def test_a_snapshot_without_schema_version_says_so(tmp_path: Path) -> None:
    # it said "schema_version None is not supported", as if the file gave null
    raw = raw_3090()
    del raw["schema_version"]
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(write(tmp_path, json.dumps(raw).encode()))
    assert str(caught.value) == (f"{tmp_path / 'snap.json'} has no schema_version (this Headroom "
                                 "reads version 1; write one with `python -m probes --json`)")


def test_load_names_the_field_that_violates_the_schema(tmp_path: Path) -> None:
    raw = raw_3090()
    raw["gpus"][3]["memory_total_bytes"] = "24 GB"
    with pytest.raises(SnapshotError, match=r"snap\.json: gpus\.3\.memory_total_bytes: "):
        load_snapshot(write(tmp_path, json.dumps(raw).encode()))


@pytest.mark.parametrize(("field", "value", "words"), [
    ("memory_total_bytes", 0, "greater than or equal to 1"),
    ("memory_total_bytes", False, "Input should be a valid integer"),  # not read as 0
    ("memory_free_bytes", -1, "greater than or equal to 0"),
    # the recorded 3090 has 25,769,803,776 B total: reserving all of it leaves nothing usable
    ("memory_reserved_bytes", 25_769_803_776, "must be below memory_total_bytes"),
])
def test_load_refuses_memory_no_gpu_can_have(field: str, value: object, words: str) -> None:
    # Found by the snapshot fuzzer: a total of False (0) loaded and made the cluster's usable
    # total negative, which only failed later, deep in the hardware model.
    raw = raw_3090()
    raw["gpus"][0][field] = value
    with pytest.raises(SnapshotError, match=words):
        load_snapshot(json.dumps(raw).encode())


@pytest.mark.parametrize(("field", "value", "words"), [
    # found by fuzzing the CLI: each was loaded, and report printed it in the audit table
    ("power_limit_watts", float("nan"), "Input should be a finite number"),  # "nan W"
    ("power_limit_watts", -1, "Input should be greater than or equal to 0"),  # "-1 W"
    ("temperature_c", -1, "Input should be greater than or equal to 0"),  # "-1 C"
    ("pcie_generation_current", -1, "Input should be greater than or equal to 0"),  # "Gen-1"
    ("utilization_gpu_percent", 101, "Input should be less than or equal to 100"),
    # JSON true was read as 1: a node planned at PCIe x1
    ("pcie_width_max", True, "Input should be a valid integer"),
    # past the C type NVML reads each in (unsigned int: 2**32 - 1; unsigned long long:
    # 2**64 - 1; int: 2**31 - 1): 400 digits were printed as read in the audit table
    ("temperature_c", 10**400, "Input should be less than or equal to 4294967295"),
    ("clock_graphics_max_mhz", 2**32, "Input should be less than or equal to 4294967295"),
    ("index", 2**32, "Input should be less than or equal to 4294967295"),
    ("power_limit_watts", 1e308, "Input should be less than or equal to 4294967.295"),
    ("ecc_errors_uncorrected", 2**64,
     "Input should be less than or equal to 18446744073709551615"),
    ("cuda_driver_version", 2**31, "Input should be less than or equal to 2147483647"),
    ("numa_node", 10**400, "Input should be less than or equal to 2147483647"),
])
def test_load_refuses_readings_nvml_cannot_report(field: str, value: object, words: str) -> None:
    raw = raw_3090()
    raw["gpus"][0][field] = value
    with pytest.raises(SnapshotError, match=rf"gpus\.0\.{field}: {words}"):
        load_snapshot(json.dumps(raw).encode())


def test_the_largest_readings_nvml_can_report_load() -> None:
    # each C type's largest value is a reading NVML can give: it loads as read
    raw = raw_3090()
    raw["gpus"][0].update(temperature_c=2**32 - 1, ecc_errors_corrected=2**64 - 1,
                          power_draw_watts=(2**32 - 1) / 1000, cuda_driver_version=2**31 - 1,
                          processes=[{"pid": 2**32 - 1, "used_memory_bytes": 2**30,
                                      "name": None, "status": "gone"}])
    gpu = load_snapshot(json.dumps(raw).encode()).gpus[0]
    assert (gpu.temperature_c, gpu.ecc_errors_corrected, gpu.power_draw_watts,
            gpu.cuda_driver_version, gpu.processes[0].pid) == (
        4_294_967_295, 18_446_744_073_709_551_615, 4_294_967.295, 2_147_483_647, 4_294_967_295)


@pytest.mark.parametrize(("field", "value", "words"), [
    # review h419 #8: each loaded and planned without a word ('x': "compute capability
    # unknown"; PCIe 0 or 10**30: the card's own link in place of the one read)
    ("compute_capability", "x", "'x' is not a compute capability NVML reports (major.minor, "
     "e.g. '8.6'; null where it could not say)"),
    ("compute_capability", "", "'' is not a compute capability NVML reports"),
    ("compute_capability", "9.0.0", "'9.0.0' is not a compute capability NVML reports"),
    ("compute_capability", "0.9", "'0.9' is not a compute capability NVML reports"),
    # review h435 #6: 99.9 and 8.8 read as NVML writes them, but no NVIDIA GPU has either
    # (NVIDIA's tables: ... 8.7 Jetson Orin, 8.9 Ada ...); 99.9 was planned as such a GPU
    ("compute_capability", "99.9", "compute capability 99.9 is none an NVIDIA GPU has "
     "(NVIDIA's tables list 1.0, 1.1, 1.2, 1.3, 2.0, 2.1, 3.0, 3.2, 3.5, 3.7, 5.0, 5.2, 5.3, "
     "6.0, 6.1, 6.2, 7.0, 7.2, 7.5, 8.0, 8.6, 8.7, 8.9, 9.0, 10.0, 10.1, 10.3, 10.7, 11.0, "
     "12.0, 12.1)"),
    ("compute_capability", "8.8", "compute capability 8.8 is none an NVIDIA GPU has"),
    ("pcie_generation_max", 0, "PCIe generation 0 is not one of 1..6 (NVML's max link; null "
     "where it could not say)"),
    ("pcie_generation_max", 10**30, "PCIe generation 1000000000000000000000000000000 is not "
     "one of 1..6"),
    ("pcie_width_max", 0, "PCIe lanes 0 is not a link width GPUs train at (1, 2, 4, 8, 16)"),
    ("pcie_width_max", 12, "PCIe lanes 12 is not a link width GPUs train at"),
])
def test_load_refuses_a_capability_or_link_nvml_cannot_report(field: str, value: object,
                                                              words: str) -> None:
    raw = raw_3090()
    raw["gpus"][0][field] = value
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(json.dumps(raw).encode())
    assert str(caught.value).startswith(f"snapshot: gpus.0.{field}: {words}"), caught.value


def test_load_takes_what_nvml_reports_or_null() -> None:
    raw = raw_3090()
    raw["gpus"][0].update(compute_capability="12.1", pcie_generation_max=None,
                          pcie_width_max=None)
    raw["gpus"][1].update(compute_capability=None, pcie_generation_max=1, pcie_width_max=1)
    gpus = load_snapshot(json.dumps(raw).encode()).gpus
    assert (gpus[0].compute_capability, gpus[1].pcie_width_max) == ("12.1", 1)


@pytest.mark.parametrize(("used", "free"), [
    (0, 0),  # review h419 #8: planned as a GPU nothing holds
    (1_048_576, 25_768_755_201),  # 1 B more than the whole total
    (1_048_576, 25_307_381_759),  # 1 B short of what the total less reserved leaves
])
def test_load_refuses_free_and_used_memory_that_do_not_add_up(used: int, free: int) -> None:
    # the recorded 3090: total 25,769,803,776 B = reserved 461,373,440 + used 1,048,576 +
    # free 25,307,381,760 to the byte; free + used must lie in [total - reserved, total]
    raw = raw_3090()
    raw["gpus"][2].update(memory_used_bytes=used, memory_free_bytes=free)
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(json.dumps(raw).encode())
    assert str(caught.value) == (
        f"snapshot: gpus.2: memory_used_bytes {used:,} + memory_free_bytes {free:,} = "
        f"{used + free:,} B, not between memory_total_bytes 25,769,803,776 less "
        "memory_reserved_bytes 461,373,440 and the total, as NVML splits a GPU's memory: the "
        "snapshot is corrupt or edited (write it again with `python -m probes --json`)")


def test_load_takes_used_memory_counting_the_reserved_as_nvml_v1_gives_it() -> None:
    # nvmlMemory_t: total = free + used, used holding the reserved: 461,373,440 + 1,048,576
    raw = raw_3090()
    raw["gpus"][2].update(memory_used_bytes=462_422_016, memory_reserved_bytes=None)
    assert load_snapshot(json.dumps(raw).encode()).gpus[2].memory_used_bytes == 462_422_016


def test_control_characters_in_a_snapshots_text_are_shown_as_spaces() -> None:
    # a plan's header and notes, the report and `python -m probes --load` printed a loaded
    # snapshot's names as read: a newline split "Qwen/Qwen3-8B on 8x NVIDIA ..." over two
    # lines and an escape sequence cleared or recoloured the terminal. NVML, /proc and the
    # hostname never hold one; each becomes a space (as Markdown shows a newline) and a note
    # names the fields
    raw = raw_3090()
    raw["hostname"] = "rig\x1b[2J\nname"
    raw["gpus"][0]["name"] = "NVIDIA \x1b[31mEvil\nGPU"
    raw["host"]["os_name"] = "Ubuntu\x07"
    snap = load_snapshot(json.dumps(raw).encode())
    assert snap.hostname == "rig [2J name"
    assert snap.gpus[0].name == "NVIDIA  [31mEvil GPU"
    assert snap.host.os_name == "Ubuntu "
    assert snap.notes[-1] == ("control characters in hostname, host.os_name, gpus.0.name are "
                              "shown as spaces (a hostname, NVML and /proc hold none)")
    assert load_snapshot(RTX3090X8).notes == raw_3090()["notes"]  # a clean one: no note


def test_a_10000_character_gpu_name_is_shown_cut_to_96(capsys, tmp_path: Path) -> None:
    # a GPU name of 10,000 characters was printed whole in the plan, its notes and the report;
    # NVML's name buffer is 96 bytes, so 93 characters and "..." and a note saying so
    raw = raw_3090()
    raw["gpus"][0]["name"] = "NVIDIA GeForce RTX 3090" + "x" * 9_977
    raw["hostname"] = "h" * 96  # at the limit: whole
    snap = load_snapshot(json.dumps(raw).encode())
    assert snap.gpus[0].name == "NVIDIA GeForce RTX 3090" + "x" * 70 + "..."
    assert len(snap.gpus[0].name) == 96 and snap.hostname == "h" * 96
    assert snap.notes[-1] == ("gpus.0.name longer than 96 characters are shown as their first "
                              "93 and '...' (NVML's strings and a hostname are shorter)")
    path = write(tmp_path, json.dumps(raw).encode())
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                              str(path))
    assert code == 0, err
    assert "x" * 71 not in out + err and "x" * 70 + "..." in out + err


def test_control_characters_in_a_snapshots_keys_are_shown_as_spaces_too() -> None:
    # host.packages is the one mapping with free keys (distribution name -> version):
    # `python -m probes --load` printed "Installed: ..., torch^[[2J" and "Evil 2.0" on a line
    # of its own, and the report's audit summary the same; the values were spaced, not the keys
    raw = raw_3090()
    raw["host"]["packages"]["torch\x1b[2J\nEvil"] = "2.0"
    snap = load_snapshot(json.dumps(raw).encode())
    assert snap.host.packages["torch [2J Evil"] == "2.0"
    assert not any(ord(c) < 32 for name in snap.host.packages for c in name)
    assert snap.notes[-1] == ("control characters in host.packages.torch [2J Evil (its name) "
                              "are shown as spaces (a hostname, NVML and /proc hold none)")


def test_load_rejects_unknown_fields() -> None:
    raw = raw_3090()
    raw["host"]["colour"] = "green"
    with pytest.raises(SnapshotError, match=r"host\.colour: Extra inputs are not permitted"):
        load_snapshot(json.dumps(raw).encode())


def test_load_checks_size_before_parsing(tmp_path: Path) -> None:
    # Over 5 MB and not JSON: the size must be what is reported, so it was checked first.
    path = write(tmp_path, b"x" * (5_000_000 + 1))
    with pytest.raises(SnapshotError, match=r"over the 5 MB limit \(more than 5,000,000 bytes"):
        load_snapshot(path)
    with pytest.raises(SnapshotError, match="over the 5 MB limit"):
        load_snapshot(b" " * (MAX_SNAPSHOT_BYTES + 1))


def test_load_exactly_at_the_limit_is_parsed(tmp_path: Path) -> None:
    padded = RTX3090X8.read_bytes().ljust(5_000_000, b" ")
    assert load_snapshot(write(tmp_path, padded)).hostname == "rig-3090x8"


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot read"):
        load_snapshot(tmp_path / "nope.json")


def test_load_refuses_a_gpu_uuid_listed_twice() -> None:
    raw = raw_3090()
    raw["gpus"][5]["uuid"] = "GPU-" + "x" * 100  # also: a long one is cut in the message
    raw["gpus"][7]["uuid"] = raw["gpus"][5]["uuid"]
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == (
        f"snapshot: GPU UUID GPU-{'x' * 57}... is on GPU 5 and GPU 7: NVML gives every GPU its "
        "own UUID, so this snapshot is corrupt or edited (write it again with `python -m probes "
        "--json`)")
    for gpu in raw["gpus"][5:]:  # UUIDs NVML could not read (null) are no repeat
        gpu["uuid"] = None
    assert len(load_snapshot(json.dumps(raw).encode()).gpus) == 8


@pytest.mark.parametrize(("change", "words"), [
    (lambda raw: raw["topology"]["nvlink"][2].append(0), "topology: nvlink must be 8 x 8"),
    (lambda raw: raw["topology"]["pcie"].pop(), "topology: pcie must be 8 x 8"),
    (lambda raw: raw["topology"]["nvlink"][0].__setitem__(1, -2), "nvlink counts must be 0"),
    (lambda raw: raw["topology"]["gpu_indices"].__setitem__(1, 0), "repeat a GPU"),
    (lambda raw: raw["gpus"].pop(), "topology.gpu_indices [0, 1, 2, 3, 4, 5, 6, 7] must list"),
])
def test_load_refuses_a_topology_that_does_not_match_the_gpus(change, words: str) -> None:
    raw = raw_3090()
    change(raw)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert words in str(info.value)
    assert "Value error" not in str(info.value)


def _set_gpu_index(raw: dict, value: int) -> None:
    raw["topology"]["gpu_indices"][0] = value


@pytest.mark.parametrize(("change", "field"), [
    (lambda raw: raw.update(kind=10**400), "kind is "),
    (lambda raw: raw.update(schema_version=10**400), "schema_version "),
    (lambda raw: raw.update(schema_version="9" * 400), "schema_version is a string "),
    (lambda raw: raw["topology"]["pcie"][0].__setitem__(1, "9" * 400), "pcie[0][1] is "),
    (lambda raw: _set_gpu_index(raw, 10**400), "topology.gpu_indices "),
    (lambda raw: raw["gpus"][0].update({"9" * 400: 1}), "gpus.0.999"),
])
def test_a_400_digit_value_is_cut_in_the_load_error(change, field: str) -> None:
    # each was printed whole: a 470-560 character line; the value is cut at 64 characters
    # (planner.text.shortened; 66 with a string's quotes), the field still named: the longest
    # message's own words (pcie's) are 177 characters
    raw = raw_3090()
    change(raw)
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    message = str(info.value)
    assert field in message and "..." in message
    assert len(message) <= 177 + 66, message


def test_a_400_digit_kind_is_shown_as_its_first_61_characters() -> None:
    raw = raw_3090()
    raw["kind"] = 10**400
    with pytest.raises(SnapshotError) as info:
        load_snapshot(json.dumps(raw).encode())
    assert str(info.value) == ("snapshot: kind is 1" + "0" * 60 + "..., expected "
                               "'headroom.hardware-snapshot' (write one with `python -m probes "
                               "--json`)")
