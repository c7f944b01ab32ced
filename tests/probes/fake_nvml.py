"""A test double of the pynvml functions probes.nvml calls, injected as `probes.nvml.pynvml`.

Error classes and constants are the real ones from nvidia-ml-py (they are data); only the
functions are fake, answering from FakeGpu records the way NVML does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pynvml as real

MIB = 1 << 20

REAL_DATA = {name: value for name, value in vars(real).items()
             if name.startswith(("NVML_", "NVMLError", "nvmlMemory_v"))}
"""Constants and error classes of the real binding: data, not behaviour."""

# nvmlGpuTopologyLevel_t values (nvml.h)
SINGLE, MULTIPLE, HOSTBRIDGE, NODE, SYSTEM = 10, 20, 30, 40, 50


@dataclass
class FakeGpu:
    """One GPU as NVML would describe it; `errors` maps a function name to an NVML error."""

    bus_id: str
    name: str = "NVIDIA GeForce RTX 3090"
    total_mib: int = 24576
    reserved_mib: int = 440
    used_mib: int = 1
    numa_node: int = 0
    affinity_words: tuple[int, ...] = (0xFFFF_FFFF_FFFF,)  # CPUs 0-47
    temperature_c: int = 34
    clock_event_reasons: int = 0x1  # gpu_idle
    nvlinks: list[tuple[bool, str]] | None = None  # None: NVLink not supported
    processes: list[tuple[int, int | None]] = field(default_factory=list)  # (pid, bytes)
    errors: dict[str, int] = field(default_factory=lambda: {
        "nvmlDeviceGetEccMode": real.NVML_ERROR_NOT_SUPPORTED,
        "nvmlDeviceGetMigMode": real.NVML_ERROR_NOT_SUPPORTED,
    })


class FakeNvml(SimpleNamespace):
    """Module-like stand-in for pynvml over a list of FakeGpu and a topology table."""

    def __init__(self, gpus: list[FakeGpu], levels: dict[tuple[int, int], int] | None = None,
                 init_error: int | None = None) -> None:
        super().__init__(**REAL_DATA, gpus=gpus, levels=levels or {}, init_error=init_error,
                         calls=[])

    def _gpu(self, handle: FakeGpu, func: str) -> FakeGpu:
        self.calls.append(func)
        if func in handle.errors:
            raise real.NVMLError(handle.errors[func])
        return handle

    def _answer(self, handle: FakeGpu, func: str, value: int) -> int:
        self._gpu(handle, func)
        return value

    # system
    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise real.NVMLError(self.init_error)
        self.calls.append("nvmlInit")

    def nvmlShutdown(self) -> None:
        self.calls.append("nvmlShutdown")

    def nvmlSystemGetDriverVersion(self) -> str:
        return "570.172.08"

    def nvmlSystemGetCudaDriverVersion(self) -> int:
        return 12080

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> FakeGpu:
        return self.gpus[index]

    # per GPU
    def nvmlDeviceGetName(self, h: FakeGpu) -> str:
        return self._gpu(h, "nvmlDeviceGetName").name

    def nvmlDeviceGetUUID(self, h: FakeGpu) -> str:
        return f"GPU-fake-{self._gpu(h, 'nvmlDeviceGetUUID').bus_id}"

    def nvmlDeviceGetPciInfo(self, h: FakeGpu) -> Any:
        # older bindings return bytes; the probe must accept them
        return SimpleNamespace(busId=self._gpu(h, "nvmlDeviceGetPciInfo").bus_id.encode())

    def nvmlDeviceGetMemoryInfo(self, h: FakeGpu, version: int | None = None) -> Any:
        g = self._gpu(h, "nvmlDeviceGetMemoryInfo")
        free = (g.total_mib - g.reserved_mib - g.used_mib) * MIB
        return SimpleNamespace(total=g.total_mib * MIB, reserved=g.reserved_mib * MIB,
                               used=g.used_mib * MIB, free=free)

    def nvmlDeviceGetCudaComputeCapability(self, h: FakeGpu) -> tuple[int, int]:
        self._gpu(h, "nvmlDeviceGetCudaComputeCapability")
        return (8, 6)

    def nvmlDeviceGetCurrPcieLinkGeneration(self, h: FakeGpu) -> int:
        return self._answer(h, "nvmlDeviceGetCurrPcieLinkGeneration", 1)  # idle: Gen1

    def nvmlDeviceGetMaxPcieLinkGeneration(self, h: FakeGpu) -> int:
        return self._answer(h, "nvmlDeviceGetMaxPcieLinkGeneration", 4)

    def nvmlDeviceGetCurrPcieLinkWidth(self, h: FakeGpu) -> int:
        return self._answer(h, "nvmlDeviceGetCurrPcieLinkWidth", 16)

    def nvmlDeviceGetMaxPcieLinkWidth(self, h: FakeGpu) -> int:
        return self._answer(h, "nvmlDeviceGetMaxPcieLinkWidth", 16)

    def nvmlDeviceGetPowerUsage(self, h: FakeGpu) -> int:
        return self._answer(h, "nvmlDeviceGetPowerUsage", 21_500)  # mW

    def nvmlDeviceGetEnforcedPowerLimit(self, h: FakeGpu) -> int:
        return self._answer(h, "nvmlDeviceGetEnforcedPowerLimit", 350_000)  # mW

    def nvmlDeviceGetTemperature(self, h: FakeGpu, sensor: int) -> int:
        return self._gpu(h, "nvmlDeviceGetTemperature").temperature_c

    def nvmlDeviceGetUtilizationRates(self, h: FakeGpu) -> Any:
        self._gpu(h, "nvmlDeviceGetUtilizationRates")
        return SimpleNamespace(gpu=0, memory=0)

    def nvmlDeviceGetEccMode(self, h: FakeGpu) -> list[int]:
        self._gpu(h, "nvmlDeviceGetEccMode")
        return [1, 1]

    def nvmlDeviceGetTotalEccErrors(self, h: FakeGpu, error_type: int, counter: int) -> int:
        self._gpu(h, "nvmlDeviceGetTotalEccErrors")
        return 0

    def nvmlDeviceGetMigMode(self, h: FakeGpu) -> list[int]:
        self._gpu(h, "nvmlDeviceGetMigMode")
        return [0, 0]

    def nvmlDeviceGetClockInfo(self, h: FakeGpu, clock: int) -> int:
        self._gpu(h, "nvmlDeviceGetClockInfo")
        return {real.NVML_CLOCK_GRAPHICS: 210, real.NVML_CLOCK_SM: 210,
                real.NVML_CLOCK_MEM: 405}[clock]

    def nvmlDeviceGetMaxClockInfo(self, h: FakeGpu, clock: int) -> int:
        self._gpu(h, "nvmlDeviceGetMaxClockInfo")
        return {real.NVML_CLOCK_GRAPHICS: 2100, real.NVML_CLOCK_MEM: 9751}[clock]

    def nvmlDeviceGetCurrentClocksEventReasons(self, h: FakeGpu) -> int:
        return self._gpu(h, "nvmlDeviceGetCurrentClocksEventReasons").clock_event_reasons

    def nvmlDeviceGetPersistenceMode(self, h: FakeGpu) -> int:
        return self._answer(h, "nvmlDeviceGetPersistenceMode", 1)

    def nvmlDeviceGetNumaNodeId(self, h: FakeGpu) -> int:
        return self._gpu(h, "nvmlDeviceGetNumaNodeId").numa_node

    def nvmlDeviceGetCpuAffinity(self, h: FakeGpu, words: int) -> tuple[int, ...]:
        return self._gpu(h, "nvmlDeviceGetCpuAffinity").affinity_words

    def nvmlDeviceGetNvLinkState(self, h: FakeGpu, link: int) -> int:
        g = self._gpu(h, "nvmlDeviceGetNvLinkState")
        if g.nvlinks is None:
            raise real.NVMLError(real.NVML_ERROR_NOT_SUPPORTED)
        if link >= len(g.nvlinks):
            raise real.NVMLError(real.NVML_ERROR_INVALID_ARGUMENT)
        return int(g.nvlinks[link][0])

    def nvmlDeviceGetNvLinkRemotePciInfo(self, h: FakeGpu, link: int) -> Any:
        g = self._gpu(h, "nvmlDeviceGetNvLinkRemotePciInfo")
        return SimpleNamespace(busId=g.nvlinks[link][1])

    def nvmlDeviceGetComputeRunningProcesses(self, h: FakeGpu) -> list[Any]:
        g = self._gpu(h, "nvmlDeviceGetComputeRunningProcesses")
        return [SimpleNamespace(pid=pid, usedGpuMemory=used) for pid, used in g.processes]

    def nvmlDeviceGetTopologyCommonAncestor(self, a: FakeGpu, b: FakeGpu) -> int:
        i, j = sorted((self.gpus.index(a), self.gpus.index(b)))
        self.calls.append("nvmlDeviceGetTopologyCommonAncestor")
        if (i, j) not in self.levels:
            raise real.NVMLError(real.NVML_ERROR_UNKNOWN)
        return self.levels[(i, j)]


def rtx3090_node() -> FakeNvml:
    """8x RTX 3090 on one AMD EPYC socket: GPU0 and GPU1 each behind their own root port,
    GPU2-4 behind one PCIe switch, GPU5-7 behind another, no NVLink bridges.

    As `nvidia-smi topo -m` shows it (hand-written):
            GPU0  GPU1  GPU2  GPU3  GPU4  GPU5  GPU6  GPU7
      GPU0   X    NODE  NODE  NODE  NODE  NODE  NODE  NODE
      GPU1  NODE   X    NODE  NODE  NODE  NODE  NODE  NODE
      GPU2  NODE  NODE   X    PIX   PXB   NODE  NODE  NODE
      GPU3  NODE  NODE  PIX    X    PXB   NODE  NODE  NODE
      GPU4  NODE  NODE  PXB   PXB    X    NODE  NODE  NODE
      GPU5  NODE  NODE  NODE  NODE  NODE   X    PIX   PXB
      GPU6  NODE  NODE  NODE  NODE  NODE  PIX    X    PXB
      GPU7  NODE  NODE  NODE  NODE  NODE  PXB   PXB    X
    """
    bus = ["01", "21", "41", "42", "45", "81", "82", "85"]
    gpus = [FakeGpu(bus_id=f"00000000:{b}:00.0") for b in bus]
    levels = {(i, j): NODE for i in range(8) for j in range(i + 1, 8)}
    levels.update({(2, 3): SINGLE, (2, 4): MULTIPLE, (3, 4): MULTIPLE,
                   (5, 6): SINGLE, (5, 7): MULTIPLE, (6, 7): MULTIPLE})
    return FakeNvml(gpus, levels)
