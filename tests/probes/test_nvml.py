"""probes.nvml through a fake pynvml injected at the module boundary (no GPU in CI)."""

from __future__ import annotations

import os
import subprocess

import pynvml as real
import pytest

from probes import nvml
from tests.probes.fake_nvml import MIB, NODE, SYSTEM, FakeGpu, FakeNvml

# The 8x RTX 3090 board of fake_nvml.rtx3090_node, as nvidia-smi topo -m prints it.
EXPECTED_3090_MATRIX = """\
X NODE NODE NODE NODE NODE NODE NODE
NODE X NODE NODE NODE NODE NODE NODE
NODE NODE X PIX PXB NODE NODE NODE
NODE NODE PIX X PXB NODE NODE NODE
NODE NODE PXB PXB X NODE NODE NODE
NODE NODE NODE NODE NODE X PIX PXB
NODE NODE NODE NODE NODE PIX X PXB
NODE NODE NODE NODE NODE PXB PXB X"""


def matrix_text(topo: nvml.TopologyMatrix) -> str:
    n = len(topo.gpu_indices)
    return "\n".join(" ".join(topo.cell(r, c) for c in range(n)) for r in range(n))


def test_reads_every_field_of_an_rtx3090(fake_3090: FakeNvml) -> None:
    probe = nvml.probe_gpus()
    assert probe.nvml_available and probe.unavailable_reason is None
    assert [g.index for g in probe.gpus] == list(range(8))
    gpu = probe.gpus[2]
    assert gpu.name == "NVIDIA GeForce RTX 3090"
    assert gpu.pci_bus_id == "00000000:41:00.0"  # bytes from the binding, decoded
    assert gpu.driver_version == "570.172.08" and gpu.cuda_driver_version == 12080
    # 24576 MiB = 24576 * 1048576 = 25,769,803,776 B as NVML total
    assert gpu.memory_total_bytes == 25_769_803_776
    # 440 MiB reserved -> 24136 MiB usable = 25,308,430,336 B = 23.57 GiB (CUDA's total)
    assert gpu.usable_total_bytes == 25_308_430_336
    assert round(gpu.usable_total_bytes / 2**30, 2) == 23.57
    assert gpu.memory_free_bytes == (24576 - 440 - 1) * MIB
    assert gpu.compute_capability == "8.6"
    assert (gpu.pcie_generation_current, gpu.pcie_width_current) == (1, 16)
    assert (gpu.pcie_generation_max, gpu.pcie_width_max) == (4, 16)
    assert (gpu.power_draw_watts, gpu.power_limit_watts) == (21.5, 350.0)
    assert gpu.clock_event_reasons == ["gpu_idle"]
    assert gpu.persistence_mode is True and gpu.numa_node == 0
    assert gpu.cpu_affinity == "0-47"
    assert gpu.clock_graphics_max_mhz == 2100 and gpu.clock_memory_max_mhz == 9751
    assert gpu.processes == [] and gpu.nvlinks == []
    assert "nvmlShutdown" in fake_3090.calls


def test_not_supported_fields_become_none_with_a_note(fake_3090: FakeNvml) -> None:
    gpu = nvml.probe_gpus().gpus[0]
    assert gpu.ecc_enabled is None and gpu.ecc_errors_uncorrected is None
    assert gpu.mig_enabled is None
    assert "ECC mode: not supported" in gpu.notes
    assert "NVLink: not supported" in gpu.notes
    assert gpu.temperature_c == 34  # its neighbours are still read


def test_one_failing_call_loses_only_its_field(fake_3090: FakeNvml) -> None:
    fake_3090.gpus[5].errors["nvmlDeviceGetTemperature"] = real.NVML_ERROR_GPU_IS_LOST
    gpus = nvml.probe_gpus().gpus
    assert gpus[5].temperature_c is None
    assert "temperature: GPU is lost" in gpus[5].notes
    assert gpus[5].memory_total_bytes == 25_769_803_776 and gpus[5].name is not None
    assert gpus[4].temperature_c == 34


def test_a_function_missing_from_the_binding_is_a_note(
    fake_3090: FakeNvml, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(FakeNvml, "nvmlDeviceGetNumaNodeId")
    gpu = nvml.probe_gpus().gpus[0]
    assert gpu.numa_node is None
    assert any(n.startswith("NUMA node:") for n in gpu.notes)


def test_old_drivers_without_v2_memory_fall_back_to_v1(monkeypatch: pytest.MonkeyPatch) -> None:
    class V1Only(FakeNvml):
        def nvmlDeviceGetMemoryInfo(self, h: FakeGpu, version: int | None = None) -> object:
            if version is not None:
                raise real.NVMLError(real.NVML_ERROR_FUNCTION_NOT_FOUND)
            return type("M", (), {"total": 16 * 2**30, "used": 2**30, "free": 15 * 2**30})()

    monkeypatch.setattr(nvml, "pynvml", V1Only([FakeGpu(bus_id="00000000:01:00.0")]))
    gpu = nvml.probe_gpus().gpus[0]
    assert gpu.memory_total_bytes == 16 * 2**30 and gpu.memory_reserved_bytes is None
    assert gpu.usable_total_bytes == 16 * 2**30


def test_readings_the_snapshot_refuses_are_left_out_not_fatal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a driver whose memory split does not add up (16 GiB total, 2 + 15 GiB used + free, no
    # reserved: 1 GiB over) and whose max PCIe generation reads 0: the audit keeps the GPU and
    # its other readings, those left out with the reason
    class Quirky(FakeNvml):
        def nvmlDeviceGetMemoryInfo(self, h: FakeGpu, version: int | None = None) -> object:
            return type("M", (), {"total": 16 * 2**30, "used": 2 * 2**30,
                                  "free": 15 * 2**30, "reserved": 0})()

        def nvmlDeviceGetMaxPcieLinkGeneration(self, h: FakeGpu) -> int:
            return 0

    monkeypatch.setattr(nvml, "pynvml", Quirky([FakeGpu(bus_id="00000000:01:00.0")]))
    gpu = nvml.probe_gpus().gpus[0]
    assert gpu.name == "NVIDIA GeForce RTX 3090" and gpu.memory_total_bytes == 16 * 2**30
    assert gpu.pcie_generation_max is None and gpu.pcie_width_max == 16
    assert any(n.startswith("pcie_generation_max: left out") for n in gpu.notes)
    # the second try meets the memory split, which names no field: used and free go, in
    # NVML's words, not a snapshot's ("corrupt or edited"): 2 GiB = 2,147,483,648 B, 15 GiB =
    # 16,106,127,360 B, together 17 GiB = 18,253,611,008 B over the 16 GiB = 17,179,869,184 B
    assert gpu.memory_used_bytes is None and gpu.memory_free_bytes is None
    assert ("memory_free_bytes, memory_reserved_bytes, memory_used_bytes: left out, NVML's "
            "reading is refused (memory_used_bytes 2,147,483,648 + memory_free_bytes "
            "16,106,127,360 = 18,253,611,008 B, not between memory_total_bytes 17,179,869,184 "
            "less memory_reserved_bytes 0 and the total, as NVML splits a GPU's memory)"
            in gpu.notes)


def test_every_reading_refused_at_once_has_its_own_note(monkeypatch: pytest.MonkeyPatch) -> None:
    # capability (12, 10) reads "12.10", a minor of two digits, and max PCIe generation 0: both
    # refused in one pass, each with its own reason (the second's went unsaid)
    class Quirky(FakeNvml):
        def nvmlDeviceGetCudaComputeCapability(self, h: FakeGpu) -> tuple[int, int]:
            return (12, 10)

        def nvmlDeviceGetMaxPcieLinkGeneration(self, h: FakeGpu) -> int:
            return 0

    monkeypatch.setattr(nvml, "pynvml", Quirky([FakeGpu(bus_id="00000000:01:00.0")]))
    gpu = nvml.probe_gpus().gpus[0]
    assert gpu.compute_capability is None and gpu.pcie_generation_max is None
    left_out = [n for n in gpu.notes if ": left out, NVML's reading is refused (" in n]
    assert len(left_out) == 2, left_out
    assert left_out[0].startswith("compute_capability: left out") and "'12.10'" in left_out[0]
    assert left_out[1].startswith("pcie_generation_max: left out")
    assert "PCIe generation 0 is not one of 1..6" in left_out[1]


def test_topology_matches_nvidia_smi(fake_3090: FakeNvml) -> None:
    topo = nvml.probe_gpus().topology
    assert matrix_text(topo) == EXPECTED_3090_MATRIX
    assert not topo.has_nvlink
    assert topo.worst_pcie_level() == "NODE"
    assert topo.host_bridge_groups() == [[0], [1], [2, 3, 4], [5, 6, 7]]


def test_a_failed_pair_query_is_unknown_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    gpus = [FakeGpu(bus_id=f"00000000:0{i}:00.0") for i in range(3)]
    fake = FakeNvml(gpus, {(0, 1): SYSTEM, (1, 2): NODE})  # (0, 2) answers an error
    monkeypatch.setattr(nvml, "pynvml", fake)
    probe = nvml.probe_gpus()
    assert probe.topology.cell(0, 2) == "?" and probe.topology.cell(0, 1) == "SYS"
    assert any("topology GPU0-GPU2" in n for n in probe.notes)
    assert probe.topology.worst_pcie_level() == "SYS"


def test_nvlink_pairs_bonded_by_remote_bus_id(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two A100 PCIe cards joined by three NVLink bridges: 12 links each way -> NV12.
    a, b = "00000000:17:00.0", "00000000:65:00.0"
    gpus = [FakeGpu(bus_id=a, nvlinks=[(True, b)] * 12),
            FakeGpu(bus_id=b, nvlinks=[(True, a)] * 12)]
    monkeypatch.setattr(nvml, "pynvml", FakeNvml(gpus, {(0, 1): SYSTEM}))
    probe = nvml.probe_gpus()
    assert probe.topology.cell(0, 1) == "NV12" and probe.topology.cell(1, 0) == "NV12"
    assert probe.topology.pcie[0][1] == "SYS"  # the PCIe path is kept beside it
    assert probe.gpus[0].active_nvlinks == 12


def test_nvswitch_links_connect_every_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    # HGX H100: 18 links per GPU, all to NVSwitch bus ids -> NV18 between every pair.
    switches = [f"00000000:{0xc0 + s:02X}:00.0" for s in range(4)]
    gpus = [FakeGpu(bus_id=f"00000000:{0x18 + 0x10 * i:02X}:00.0",
                    nvlinks=[(True, switches[k % 4]) for k in range(18)]) for i in range(4)]
    levels = {(i, j): NODE for i in range(4) for j in range(i + 1, 4)}
    monkeypatch.setattr(nvml, "pynvml", FakeNvml(gpus, levels))
    topo = nvml.probe_gpus().topology
    assert {topo.cell(i, j) for i, j in topo.pairs()} == {"NV18"}


def test_inactive_nvlinks_do_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = "00000000:01:00.0", "00000000:02:00.0"
    gpus = [FakeGpu(bus_id=a, nvlinks=[(False, b)] * 4), FakeGpu(bus_id=b, nvlinks=[])]
    monkeypatch.setattr(nvml, "pynvml", FakeNvml(gpus, {(0, 1): SYSTEM}))
    probe = nvml.probe_gpus()
    assert not probe.topology.has_nvlink
    assert len(probe.gpus[0].nvlinks) == 4 and probe.gpus[0].active_nvlinks == 0


def test_processes_report_running_zombie_and_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    zombie = subprocess.Popen(["true"])
    os.waitid(os.P_PID, zombie.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        gpu = FakeGpu(bus_id="00000000:01:00.0", processes=[
            (os.getpid(), 3 * 2**30), (zombie.pid, 20 * 2**30), (gone.pid, None)])
        monkeypatch.setattr(nvml, "pynvml", FakeNvml([gpu]))
        procs = nvml.probe_gpus().gpus[0].processes
    finally:
        zombie.wait()
    assert [p.status for p in procs][1:] == ["zombie", "gone"]
    assert [p.defunct for p in procs] == [False, True, True]
    assert procs[0].used_memory_bytes == 3 * 2**30 and procs[2].used_memory_bytes is None


@pytest.mark.parametrize(("error", "reason"), [
    (real.NVML_ERROR_LIBRARY_NOT_FOUND, "libnvidia-ml.so.1 not found"),
    (real.NVML_ERROR_DRIVER_NOT_LOADED, "driver is not loaded"),
    (real.NVML_ERROR_NO_PERMISSION, "Insufficient Permissions"),
])
def test_init_failure_is_a_reason_not_an_exception(
    monkeypatch: pytest.MonkeyPatch, error: int, reason: str
) -> None:
    monkeypatch.setattr(nvml, "pynvml", FakeNvml([], init_error=error))
    probe = nvml.probe_gpus()
    assert not probe.nvml_available and probe.gpus == [] and probe.topology is None
    assert reason in probe.unavailable_reason


def test_no_gpu_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvml, "pynvml", FakeNvml([]))
    probe = nvml.probe_gpus()
    assert probe.nvml_available and probe.gpus == []
    assert probe.unavailable_reason == "NVML started but found no GPU"


@pytest.mark.parametrize(("words", "expected"), [
    ([0b1111_0000_0000_1111], "0-3,12-15"),
    ([1, 1], "0,64"),
    ([0], None),
])
def test_cpu_list_from_affinity_mask(words: list[int], expected: str | None) -> None:
    assert nvml.cpu_list(words) == expected


def test_compact_ranges() -> None:
    assert nvml.compact_ranges([8, 0, 1, 2, 3]) == "0-3,8"
    assert nvml.compact_ranges([]) == ""
