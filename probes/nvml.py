"""GPU probe through NVML: per-GPU facts, NVLink, the topology matrix and GPU processes.

The only importer of pynvml (from the `nvidia-ml-py` distribution). Every NVML call goes
through `_query`, which turns "not supported" and every other NVML error into None plus a
note, so one failing field never loses the others. Only the caller decides what "no GPU"
means: `probe_gpus` reports it, it does not raise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from planner.serving.hardware import capability_problem, pcie_slot_problem
from planner.text import shortened
from probes.host import process_state

try:
    import pynvml
except ImportError:  # nvidia-ml-py missing: reported by probe_gpus as the reason
    pynvml = None

TOPOLOGY_LEGEND = (
    ("X", "Self"),
    ("SYS", "Connection traversing PCIe as well as the SMP interconnect between NUMA nodes"),
    ("NODE", "Connection traversing PCIe and the interconnect between host bridges in a node"),
    ("PHB", "Connection traversing PCIe as well as a PCIe Host Bridge (typically the CPU)"),
    ("PXB", "Connection traversing multiple PCIe bridges (without traversing the host bridge)"),
    ("PIX", "Connection traversing at most a single PCIe bridge"),
    ("NV#", "Connection traversing a bonded set of # NVLinks"),
)
"""The legend `nvidia-smi topo -m` prints under its matrix."""

MIG_NOTE = ("CUDA, and so vLLM, runs each MIG instance as a device of its own, holding a slice "
            "of the GPU's memory, with no NVLink or peer-to-peer to another instance")
"""What MIG mode means for a plan. NOTE: NVIDIA's CUPTI guide, Multi-Instance GPU: "Each GPU
Instance claims ... a subset of the overall GPU memory ... Every Compute Instance acts and
operates as a CUDA device"; RAPIDS' MIG guide: "When using MIG, NVLink and NVSwitch are thus
completely unavailable" (no CUDA IPC between instances)."""

PCIE_LEVELS = ("PIX", "PXB", "PHB", "NODE", "SYS")
"""PCIe levels from nearest to farthest; the index orders them (`worst` = highest)."""

# NOTE: nvmlGpuTopologyLevel_t values from nvml.h: INTERNAL=0, SINGLE=10, MULTIPLE=20,
# HOSTBRIDGE=30, NODE=40, SYSTEM=50. nvidia-smi prints SINGLE as PIX, MULTIPLE as PXB,
# HOSTBRIDGE as PHB, NODE as NODE, SYSTEM as SYS. INTERNAL (two GPUs on one board, e.g. K80)
# sits behind the board's own PCIe switch, so it is shown as PIX.
_NVML_LEVEL_TO_SMI = {0: "PIX", 10: "PIX", 20: "PXB", 30: "PHB", 40: "NODE", 50: "SYS"}

# NOTE: nvmlClocksEventReason* bit values from nvml.h (pynvml exposes the same numbers as
# nvmlClocksEventReason* / nvmlClocksThrottleReason*); `nvidia-smi -q -d PERFORMANCE` lists
# them as "Clocks Event Reasons".
CLOCK_EVENT_REASONS = {
    0x1: "gpu_idle",
    0x2: "applications_clocks_setting",
    0x4: "sw_power_cap",
    0x8: "hw_slowdown",
    0x10: "sync_boost",
    0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}


def echoed(value: object) -> str:
    """A value read from a snapshot as its one-line load error quotes it: its repr, cut at 64
    characters by planner.text.shortened (a string inside its quotes), so a 400-digit number or
    an edited file's long list or key is not printed whole."""
    return repr(shortened(value)) if isinstance(value, str) else shortened(repr(value))


C_UINT_MAX = 2**32 - 1
"""The most an NVML reading of C type `unsigned int` holds (nvidia-ml-py 13.615.71, pynvml.py:
c_uint for nvmlDeviceGetIndex, the PCIe link, clock and temperature readings, power in
milliwatts, a process's pid): a loaded snapshot's larger value was printed as read (a
400-digit temperature in the report's audit table and its finding)."""

C_ULONGLONG_MAX = 2**64 - 1
"""The most an NVML reading of C type `unsigned long long` holds (pynvml.py as above: the
memory figures of c_nvmlMemory_t and c_nvmlMemory_v2_t, nvmlDeviceGetTotalEccErrors, a
process's usedGpuMemory)."""

C_INT_RANGE = {"ge": -(2**31), "le": 2**31 - 1}
"""The range of an NVML reading of C type `int` (pynvml.py as above: c_int for
nvmlSystemGetCudaDriverVersion and nvmlDeviceGetNumaNodeId)."""


class NvLinkInfo(BaseModel):
    """One NVLink of a GPU (`nvidia-smi nvlink --status`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    link: int = Field(ge=0, le=C_UINT_MAX)
    active: bool = Field(strict=True, description="a JSON boolean: 'on' planned NVLink")
    remote_pci_bus_id: str | None = Field(description="the GPU or NVSwitch at the far end")


class GpuProcess(BaseModel):
    """A compute process holding memory on a GPU (`nvidia-smi --query-compute-apps`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pid: int = Field(ge=0, le=C_UINT_MAX, strict=True)
    used_memory_bytes: int | None = Field(ge=0, le=C_ULONGLONG_MAX, strict=True,
                                          description="None where NVML cannot say (WDDM)")
    name: str | None = None
    status: str = Field(description="psutil status, 'gone' when the PID no longer exists here")

    @property
    def defunct(self) -> bool:
        """True when the process is a zombie or gone but NVML still lists it."""
        return self.status in ("zombie", "gone")


_LIVE = {"live": True}
"""GpuInfo's validation context for a reading NVML gives now (_recorded), not a snapshot's."""


class GpuInfo(BaseModel):
    """What NVML says about one GPU (`nvidia-smi -q -i <index>`); None = not readable.

    A loaded snapshot holds only what NVML can report: its counts are JSON integers (`true` is
    not 1, which planned a PCIe x1 link), its modes JSON booleans ("on" is not true), its
    readings are NVML's unsigned values (no negative watts, degrees, MHz, lanes or error
    counts) within the C type NVML reads each in (C_UINT_MAX, C_ULONGLONG_MAX), finite watts
    and percents of 0-100, a "major.minor" compute capability, a max PCIe link a PCIe link
    has, free and used memory that add up to the total; others were printed in the report's
    audit table as read ("nan W", "-1 C", "Gen-1 x-1", a 400-digit temperature) or planned
    without a word."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0, le=C_UINT_MAX, strict=True)
    name: str | None
    uuid: str | None
    pci_bus_id: str | None = Field(description="e.g. '00000000:01:00.0'")
    driver_version: str | None = Field(description="e.g. '570.172.08'")
    cuda_driver_version: int | None = Field(strict=True, **C_INT_RANGE,
                                            description="CUDA version the driver supports, "
                                            "1000*major + 10*minor: 12080 = 12.8")
    memory_total_bytes: int | None = Field(
        ge=1, le=C_ULONGLONG_MAX, strict=True, description="NVML total (24576 MiB on an RTX 3090)"
    )
    memory_reserved_bytes: int | None = Field(ge=0, le=C_ULONGLONG_MAX, strict=True,
                                              description="held by the driver, not usable")
    memory_used_bytes: int | None = Field(ge=0, le=C_ULONGLONG_MAX, strict=True)
    memory_free_bytes: int | None = Field(ge=0, le=C_ULONGLONG_MAX, strict=True)
    compute_capability: str | None = Field(description="e.g. '8.6'")
    pcie_generation_current: int | None = Field(ge=0, le=C_UINT_MAX, strict=True,
                                                description="the link now; drops at idle")
    pcie_generation_max: int | None = Field(
        ge=0, strict=True,
        description="the most the device and the system allow (a Gen4 card in a Gen3 slot: 3); "
                    "the planner's PCIe rate (probes.cluster)")
    pcie_width_current: int | None = Field(ge=0, le=C_UINT_MAX, strict=True)
    pcie_width_max: int | None = Field(
        ge=0, strict=True,
        description="lanes the device and the system allow (a x16 card in a slot wired x8: 8)")
    power_draw_watts: float | None = Field(ge=0, le=C_UINT_MAX / 1000, allow_inf_nan=False,
                                           strict=True)
    power_limit_watts: float | None = Field(ge=0, le=C_UINT_MAX / 1000, allow_inf_nan=False,
                                            strict=True,
                                            description="enforced power limit")
    temperature_c: int | None = Field(ge=0, le=C_UINT_MAX, strict=True)
    utilization_gpu_percent: int | None = Field(ge=0, le=100, strict=True)
    utilization_memory_percent: int | None = Field(ge=0, le=100, strict=True)
    ecc_enabled: bool | None = Field(strict=True,
                                     description="current ECC mode; None where unsupported")
    ecc_errors_corrected: int | None = Field(ge=0, le=C_ULONGLONG_MAX, strict=True,
                                             description="volatile (since boot) count")
    ecc_errors_uncorrected: int | None = Field(ge=0, le=C_ULONGLONG_MAX, strict=True,
                                               description="volatile (since boot) count")
    mig_enabled: bool | None = Field(strict=True)
    clock_graphics_mhz: int | None = Field(ge=0, le=C_UINT_MAX, strict=True)
    clock_sm_mhz: int | None = Field(ge=0, le=C_UINT_MAX, strict=True)
    clock_memory_mhz: int | None = Field(ge=0, le=C_UINT_MAX, strict=True)
    clock_graphics_max_mhz: int | None = Field(ge=0, le=C_UINT_MAX, strict=True)
    clock_memory_max_mhz: int | None = Field(ge=0, le=C_UINT_MAX, strict=True)
    clock_event_reasons: list[str] | None = Field(description="why clocks are held down now")
    persistence_mode: bool | None = Field(strict=True)
    numa_node: int | None = Field(**C_INT_RANGE, description="'GPU NUMA ID' in nvidia-smi topo -m")
    cpu_affinity: str | None = Field(description="CPU list, e.g. '0-31,64-95'")
    nvlinks: list[NvLinkInfo]
    processes: list[GpuProcess]
    notes: list[str] = Field(default_factory=list)

    @field_validator("compute_capability")
    @classmethod
    def _capability_as_nvml_gives_it(cls, value: str | None) -> str | None:
        """NVML's "major.minor" (nvmlDeviceGetCudaComputeCapability's two integers, written
        f"{major}.{minor}" by _gpu_info): a major from 1, a minor of one digit (CUDA names a
        capability sm_XY, 12.1 = sm_121), one an NVIDIA GPU has
        (planner.serving.hardware.capability_problem: 99.9 was planned as such a GPU); None
        where NVML could not say. 'x' or '9.0.0' was planned as "compute capability unknown"
        without a word."""
        if value is not None and not re.fullmatch(r"[1-9]\d*\.\d", value):
            raise ValueError(f"{shortened(value)!r} is not a compute capability NVML reports "
                             "(major.minor, e.g. '8.6'; null where it could not say)")
        unreal = None if value is None else capability_problem(value)
        if unreal:
            raise ValueError(unreal)
        return value

    @field_validator("pcie_generation_max", "pcie_width_max")
    @classmethod
    def _link_a_pcie_slot_has(cls, value: int | None, info: ValidationInfo) -> int | None:
        """The planner's PCIe rate reads these (probes.cluster._slot): a generation or width no
        PCIe link has (0, 10**30) was dropped silently for the card's own, while 1 was planned
        with a note (hardware.pcie_slot_problem, as --pcie-gen / --pcie-lanes are checked)."""
        field = "generation" if info.field_name == "pcie_generation_max" else "lanes"
        problem = None if value is None else pcie_slot_problem(**{field: value})
        if problem:
            raise ValueError(f"{problem} (NVML's max link; null where it could not say)")
        return value

    @model_validator(mode="after")
    def _reserved_within_total(self) -> GpuInfo:
        """Driver-reserved memory is part of the total, so usable memory stays positive."""
        total, reserved = self.memory_total_bytes, self.memory_reserved_bytes
        if total is not None and reserved is not None and reserved >= total:
            raise ValueError(f"memory_reserved_bytes ({reserved}) must be below "
                             f"memory_total_bytes ({total})")
        return self

    @model_validator(mode="after")
    def _memory_adds_up(self, info: ValidationInfo) -> GpuInfo:
        """Free and used memory as NVML splits the total: nvmlMemory_t (v1) "The total amount
        is equal to the sum of the amounts of free and used memory", used counting the
        reserved; nvmlMemory_v2_t gives reserved apart, counted in used (R525 API reference)
        or not (the recorded snapshots: total = reserved + used + free to the byte). So free +
        used lies within [total - reserved, total]. Free 0 with used 0 planned as a GPU
        nothing holds, while vLLM's start-up check reads the free memory. A snapshot read back
        is called corrupt; a live reading (_recorded's _LIVE context) is NVML's own."""
        total, used, free = self.memory_total_bytes, self.memory_used_bytes, self.memory_free_bytes
        if total is None or used is None or free is None:
            return self
        reserved = self.memory_reserved_bytes or 0
        if not total - reserved <= used + free <= total:
            held = f"memory_total_bytes {total:,} less memory_reserved_bytes {reserved:,}"
            corrupt = ("" if info.context == _LIVE else ": the snapshot is corrupt or edited "
                       "(write it again with `python -m probes --json`)")
            raise ValueError(
                f"memory_used_bytes {used:,} + memory_free_bytes {free:,} = {used + free:,} B, "
                f"not between {held} and the total, as NVML splits a GPU's memory{corrupt}")
        return self

    @property
    def usable_total_bytes(self) -> int | None:
        """NVML total less driver-reserved memory: about what CUDA (and vLLM) see as total.

        NOTE: NVML's v2 memory struct splits out `reserved`. RTX 3090: NVML total 24576 MiB,
        reserved about 440 MiB, so usable = 24136 MiB = 23.57 GiB, the total PyTorch prints
        in its OOM messages (planner/serving/hardware/presets.py NOTE on driver reservation).
        Without the v2 struct the NVML total is returned, about 0.5 GiB too high.
        """
        if self.memory_total_bytes is None:
            return None
        return self.memory_total_bytes - (self.memory_reserved_bytes or 0)

    @property
    def active_nvlinks(self) -> int:
        """How many NVLinks are up."""
        return sum(link.active for link in self.nvlinks)


class TopologyMatrix(BaseModel):
    """How each pair of GPUs is connected, as `nvidia-smi topo -m` shows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gpu_indices: list[int]
    pcie: list[list[str | None]] = Field(
        description="X on the diagonal, else PIX/PXB/PHB/NODE/SYS; None where NVML failed"
    )
    nvlink: list[list[Annotated[int, Field(strict=True)]]] = Field(
        description="bonded active NVLinks between each pair: JSON integers (`true` or \"4\" "
                    "planned NVLink on GPUs without it)")

    @model_validator(mode="after")
    def _square(self) -> TopologyMatrix:
        """Both matrices are n x n for the n GPUs listed (a recorded or edited snapshot may
        not be: every reader indexes them by position), links are counted from 0."""
        n = len(self.gpu_indices)
        if len(set(self.gpu_indices)) != n:
            raise ValueError(f"gpu_indices {echoed(self.gpu_indices)} repeat a GPU")
        for name, matrix in (("pcie", self.pcie), ("nvlink", self.nvlink)):
            if len(matrix) != n or any(len(row) != n for row in matrix):
                shape = f"{len(matrix)} rows of {sorted({len(r) for r in matrix})} cells"
                raise ValueError(f"{name} must be {n} x {n} (one row and column per GPU in "
                                 f"gpu_indices), got {shape}")
        if any(count < 0 for row in self.nvlink for count in row):
            raise ValueError("nvlink counts must be 0 or more")
        if any(self.nvlink[i][i] for i in range(n)):
            raise ValueError("nvlink's diagonal (a GPU's links to itself) must be 0, as the "
                             "probe writes it")
        for i, row in enumerate(self.pcie):
            for j, level in enumerate(row):
                allowed = ("X",) if i == j else PCIE_LEVELS
                if level is not None and level not in allowed:
                    raise ValueError(
                        f"pcie[{i}][{j}] is {echoed(level)}, not one of {', '.join(allowed)} "
                        "or null: the PCIe matrix holds the PCIe level between two GPUs "
                        "(NVLinks are counted in the nvlink matrix)")
        self._symmetric()
        return self

    def _symmetric(self) -> None:
        """Both matrices read the same from either GPU of a pair, as the probe writes them (a
        link and a PCIe path join two GPUs): an edited GPU0->GPU1 NV4 with GPU1->GPU0 PHB was
        planned as whichever cell a reader looked at."""
        for i, j in self.pairs():
            for name, matrix in (("pcie", self.pcie), ("nvlink", self.nvlink)):
                if matrix[i][j] != matrix[j][i]:
                    a, b = self.gpu_indices[i], self.gpu_indices[j]
                    raise ValueError(
                        f"GPU{a}->GPU{b} is {self.cell(i, j)} but GPU{b}->GPU{a} is "
                        f"{self.cell(j, i)} ({name}[{i}][{j}] {matrix[i][j]!r}, {name}[{j}][{i}] "
                        f"{matrix[j][i]!r}): a link joins both GPUs, so the matrix reads the same "
                        "both ways; write the snapshot again with `python -m probes --json`")

    def cell(self, row: int, col: int) -> str:
        """The nvidia-smi cell: X, NV# when NVLinked, else the PCIe level ('?' if unknown)."""
        if row == col:
            return "X"
        if self.nvlink[row][col]:
            return f"NV{self.nvlink[row][col]}"
        return self.pcie[row][col] or "?"

    @property
    def has_nvlink(self) -> bool:
        """True when any pair of GPUs shares an active NVLink."""
        return any(any(row) for row in self.nvlink)

    def pairs(self) -> list[tuple[int, int]]:
        """Matrix positions (row, col) of each unordered GPU pair."""
        n = len(self.gpu_indices)
        return [(i, j) for i in range(n) for j in range(i + 1, n)]

    def worst_pcie_level(self) -> str | None:
        """The farthest PCIe level between any two GPUs (None with fewer than two GPUs)."""
        levels = [self.pcie[i][j] for i, j in self.pairs() if self.pcie[i][j] in PCIE_LEVELS]
        return max(levels, key=PCIE_LEVELS.index, default=None)

    def host_bridge_groups(self) -> list[list[int]]:
        """GPU indices grouped by shared PCIe switches (PIX/PXB links, transitively);
        GPUs in one group reach each other without crossing a CPU host bridge."""
        groups = [{i} for i in range(len(self.gpu_indices))]
        for i, j in self.pairs():
            if self.pcie[i][j] in ("PIX", "PXB"):
                gi = next(g for g in groups if i in g)
                gj = next(g for g in groups if j in g)
                if gi is not gj:
                    gi |= gj
                    groups.remove(gj)
        return [sorted(self.gpu_indices[k] for k in g) for g in groups]


class GpuProbe(BaseModel):
    """Result of one NVML pass: the GPUs, or why there are none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nvml_available: bool
    unavailable_reason: str | None = None
    gpus: list[GpuInfo] = Field(default_factory=list)
    topology: TopologyMatrix | None = None
    notes: list[str] = Field(default_factory=list)


def _query(notes: list[str], label: str, func_name: str, *args: Any) -> Any:
    """Call pynvml.<func_name>(*args); on any failure return None and add a note.

    NVML answers NOT_SUPPORTED for many fields on consumer cards (ECC, MIG, NVLink), and a
    binding may lack a newer function; both simply leave that field empty.
    """
    try:
        return getattr(pynvml, func_name)(*args)
    except pynvml.NVMLError_NotSupported:
        notes.append(f"{label}: not supported")
    except Exception as exc:  # any failure of one NVML call is one missing field
        notes.append(f"{label}: {exc or type(exc).__name__}")
    return None


def _text(value: Any) -> str | None:
    """NVML strings arrive as bytes from older bindings and str from newer ones."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _bus_id(pci_info: Any) -> str | None:
    """Upper-case PCI bus id from an nvmlPciInfo_t, for comparing GPUs and NVLink ends."""
    return None if pci_info is None else (_text(pci_info.busId) or "").upper() or None


def compact_ranges(numbers: Iterable[int]) -> str:
    """Sorted numbers as ranges, the way Linux prints CPU lists: [0, 1, 2, 3, 8] -> '0-3,8'."""
    ranges: list[list[int]] = []
    for n in sorted(numbers):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def cpu_list(mask_words: Any, bits_per_word: int = 64) -> str | None:
    """Compact CPU list ('0-3,12-15') from NVML's CPU affinity bitmask array.

    NOTE: word k bit b is CPU 64*k + b, as in nvmlDeviceGetCpuAffinity; e.g. words
    [0b1111_0000_0000_1111] give CPUs 0-3 and 12-15, printed "0-3,12-15".
    """
    if mask_words is None:
        return None
    cpus = [
        k * bits_per_word + b
        for k, word in enumerate(mask_words)
        for b in range(bits_per_word)
        if int(word) >> b & 1
    ]
    return compact_ranges(cpus) or None


def _watts(milliwatts: int | None) -> float | None:
    return None if milliwatts is None else milliwatts / 1000


def _enabled(mode: Any) -> bool | None:
    """Current state from a (current, pending) NVML mode pair."""
    return None if mode is None else bool(mode[0])


def _nvlinks(handle: Any, notes: list[str]) -> list[NvLinkInfo]:
    """Active state and far end of each NVLink (`nvidia-smi nvlink --status`)."""
    links = []
    for link in range(pynvml.NVML_NVLINK_MAX_LINKS):
        # Links past the GPU's last one answer an error: that ends the list and is only
        # worth a note for link 0 (a GPU without NVLink).
        state = _query(notes if link == 0 else [], "NVLink", "nvmlDeviceGetNvLinkState",
                       handle, link)
        if state is None:
            break
        remote = _query(notes, f"NVLink {link} remote", "nvmlDeviceGetNvLinkRemotePciInfo",
                        handle, link) if state else None
        links.append(NvLinkInfo(link=link, active=bool(state), remote_pci_bus_id=_bus_id(remote)))
    return links


def _processes(handle: Any, notes: list[str]) -> list[GpuProcess]:
    """Compute processes with their GPU memory, and whether each still exists on the host."""
    procs = _query(notes, "compute processes", "nvmlDeviceGetComputeRunningProcesses", handle)
    result = []
    for proc in procs or ():
        state = process_state(proc.pid)
        result.append(GpuProcess(pid=proc.pid, used_memory_bytes=proc.usedGpuMemory,
                                 name=state.name, status=state.status))
    return result


_MEMORY_SPLIT = ("memory_used_bytes", "memory_free_bytes", "memory_reserved_bytes")
"""The readings GpuInfo's memory checks (no field of their own) weigh against the total."""


def _recorded(**fields: Any) -> GpuInfo:
    """GpuInfo of what NVML answered; readings the snapshot model refuses (a field's own check,
    or the memory split's, which names no field) are left out with a note each, so a driver's
    quirk costs those readings, not the audit."""
    while True:  # each pass leaves out at least one reading: fields' checks, then the split
        try:
            return GpuInfo.model_validate(fields, context=_LIVE)
        except ValidationError as exc:
            for error in exc.errors():
                dropped = (str(error["loc"][0]),) if error["loc"] else _MEMORY_SPLIT
                if all(fields.get(name) is None for name in dropped):
                    raise
                fields |= dict.fromkeys(dropped)
                message = error["msg"].removeprefix("Value error, ")
                fields["notes"] = [*fields["notes"], f"{', '.join(sorted(dropped))}: left out, "
                                   f"NVML's reading is refused ({message})"]


def _gpu_info(index: int, handle: Any, driver: str | None, cuda: int | None) -> GpuInfo:
    """Every per-GPU field, each read on its own."""
    notes: list[str] = []

    def q(label: str, func_name: str, *args: Any) -> Any:
        return _query(notes, label, func_name, handle, *args)

    memory = q("memory", "nvmlDeviceGetMemoryInfo", pynvml.nvmlMemory_v2)
    if memory is None:  # drivers before r510 lack the v2 struct with `reserved`
        memory = q("memory (v1)", "nvmlDeviceGetMemoryInfo")
    capability = q("compute capability", "nvmlDeviceGetCudaComputeCapability")
    utilization = q("utilization", "nvmlDeviceGetUtilizationRates")
    ecc = q("ECC mode", "nvmlDeviceGetEccMode")
    ecc_on = _enabled(ecc)
    reasons = q("clock event reasons", "nvmlDeviceGetCurrentClocksEventReasons")
    persistence = q("persistence mode", "nvmlDeviceGetPersistenceMode")
    affinity_words = -(-(os.cpu_count() or 1) // 64)
    return _recorded(
        index=index,
        name=_text(q("name", "nvmlDeviceGetName")),
        uuid=_text(q("UUID", "nvmlDeviceGetUUID")),
        pci_bus_id=_bus_id(q("PCI info", "nvmlDeviceGetPciInfo")),
        driver_version=driver,
        cuda_driver_version=cuda,
        memory_total_bytes=memory and memory.total,
        memory_reserved_bytes=getattr(memory, "reserved", None),
        memory_used_bytes=memory and memory.used,
        memory_free_bytes=memory and memory.free,
        compute_capability=capability and f"{capability[0]}.{capability[1]}",
        pcie_generation_current=q("PCIe gen", "nvmlDeviceGetCurrPcieLinkGeneration"),
        pcie_generation_max=q("PCIe max gen", "nvmlDeviceGetMaxPcieLinkGeneration"),
        pcie_width_current=q("PCIe width", "nvmlDeviceGetCurrPcieLinkWidth"),
        pcie_width_max=q("PCIe max width", "nvmlDeviceGetMaxPcieLinkWidth"),
        power_draw_watts=_watts(q("power draw", "nvmlDeviceGetPowerUsage")),
        power_limit_watts=_watts(q("power limit", "nvmlDeviceGetEnforcedPowerLimit")),
        temperature_c=q("temperature", "nvmlDeviceGetTemperature", pynvml.NVML_TEMPERATURE_GPU),
        utilization_gpu_percent=utilization and utilization.gpu,
        utilization_memory_percent=utilization and utilization.memory,
        ecc_enabled=ecc_on,
        ecc_errors_corrected=q("ECC corrected", "nvmlDeviceGetTotalEccErrors",
                               pynvml.NVML_MEMORY_ERROR_TYPE_CORRECTED,
                               pynvml.NVML_VOLATILE_ECC) if ecc_on else None,
        ecc_errors_uncorrected=q("ECC uncorrected", "nvmlDeviceGetTotalEccErrors",
                                 pynvml.NVML_MEMORY_ERROR_TYPE_UNCORRECTED,
                                 pynvml.NVML_VOLATILE_ECC) if ecc_on else None,
        mig_enabled=_enabled(q("MIG mode", "nvmlDeviceGetMigMode")),
        clock_graphics_mhz=q("graphics clock", "nvmlDeviceGetClockInfo",
                             pynvml.NVML_CLOCK_GRAPHICS),
        clock_sm_mhz=q("SM clock", "nvmlDeviceGetClockInfo", pynvml.NVML_CLOCK_SM),
        clock_memory_mhz=q("memory clock", "nvmlDeviceGetClockInfo", pynvml.NVML_CLOCK_MEM),
        clock_graphics_max_mhz=q("max graphics clock", "nvmlDeviceGetMaxClockInfo",
                                 pynvml.NVML_CLOCK_GRAPHICS),
        clock_memory_max_mhz=q("max memory clock", "nvmlDeviceGetMaxClockInfo",
                               pynvml.NVML_CLOCK_MEM),
        clock_event_reasons=None if reasons is None else [
            name for bit, name in CLOCK_EVENT_REASONS.items() if reasons & bit
        ],
        persistence_mode=None if persistence is None else bool(persistence),
        numa_node=q("NUMA node", "nvmlDeviceGetNumaNodeId"),
        cpu_affinity=cpu_list(q("CPU affinity", "nvmlDeviceGetCpuAffinity", affinity_words)),
        nvlinks=_nvlinks(handle, notes),
        processes=_processes(handle, notes),
        notes=notes,
    )


def _nvlink_counts(gpus: list[GpuInfo]) -> list[list[int]]:
    """Active NVLinks between each pair, matched by the far end's PCI bus id.

    NOTE: behind an NVSwitch (HGX/DGX) a link's far end is the switch, not a GPU, and every
    GPU on the fabric reaches every other; nvidia-smi then shows NV<links> for each pair,
    e.g. NV18 on an 8x H100 SXM board (18 links per GPU). So links to a non-GPU bus id count
    as switch links and a pair gets min(switch links of the two).
    """
    by_bus = {g.pci_bus_id: k for k, g in enumerate(gpus) if g.pci_bus_id}
    n = len(gpus)
    counts = [[0] * n for _ in range(n)]
    switch_links = [0] * n
    for i, gpu in enumerate(gpus):
        for link in gpu.nvlinks:
            j = by_bus.get(link.remote_pci_bus_id) if link.active else None
            if j is not None and j != i:
                counts[i][j] += 1
            elif link.active:
                switch_links[i] += 1
    for i in range(n):
        for j in range(n):
            if i != j and switch_links[i] and switch_links[j]:
                counts[i][j] += min(switch_links[i], switch_links[j])
    return counts


def _paired_nvlink_counts(gpus: list[GpuInfo], notes: list[str]) -> list[list[int]]:
    """The NVLink counts with each pair's two ends agreeing: where one GPU reports more
    active links to the other than it reports back (a link's state or far end not read on
    one side), the pair gets the fewer, with a note."""
    counts = _nvlink_counts(gpus)
    for i in range(len(gpus)):
        for j in range(i + 1, len(gpus)):
            if counts[i][j] != counts[j][i]:
                notes.append(f"NVLink GPU{gpus[i].index}-GPU{gpus[j].index}: GPU"
                             f"{gpus[i].index} reports {counts[i][j]} active links, GPU"
                             f"{gpus[j].index} {counts[j][i]}; planned with "
                             f"{min(counts[i][j], counts[j][i])}")
                counts[i][j] = counts[j][i] = min(counts[i][j], counts[j][i])
    return counts


def _topology(handles: list[Any], gpus: list[GpuInfo], notes: list[str]) -> TopologyMatrix:
    """The `nvidia-smi topo -m` matrix from NVML's common-ancestor query and NVLink ends."""
    n = len(handles)
    pcie: list[list[str | None]] = [["X" if i == j else None for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            level = _query(notes, f"topology GPU{gpus[i].index}-GPU{gpus[j].index}",
                           "nvmlDeviceGetTopologyCommonAncestor", handles[i], handles[j])
            pcie[i][j] = pcie[j][i] = _NVML_LEVEL_TO_SMI.get(level)
    return TopologyMatrix(gpu_indices=[g.index for g in gpus], pcie=pcie,
                          nvlink=_paired_nvlink_counts(gpus, notes))


def _init_failure(exc: Exception) -> str:
    """A one-line reason for NVML not starting, naming the library when it is missing."""
    if isinstance(exc, pynvml.NVMLError_LibraryNotFound):
        return "NVML could not load: libnvidia-ml.so.1 not found (no NVIDIA driver installed)"
    if isinstance(exc, pynvml.NVMLError_DriverNotLoaded):
        return "NVML could not start: the NVIDIA kernel driver is not loaded"
    return f"NVML could not start: {exc or type(exc).__name__}"


def probe_gpus() -> GpuProbe:
    """Read every GPU NVML can see; on a machine without the driver, say why instead."""
    if pynvml is None:
        reason = "nvidia-ml-py is not installed (pip install nvidia-ml-py)"
        return GpuProbe(nvml_available=False, unavailable_reason=reason)
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # any init failure means "no GPU", with a reason
        return GpuProbe(nvml_available=False, unavailable_reason=_init_failure(exc))
    notes: list[str] = []
    try:
        driver = _text(_query(notes, "driver version", "nvmlSystemGetDriverVersion"))
        cuda = _query(notes, "CUDA driver version", "nvmlSystemGetCudaDriverVersion")
        count = _query(notes, "GPU count", "nvmlDeviceGetCount") or 0
        handles, gpus = [], []
        for index in range(count):
            handle = _query(notes, f"GPU{index} handle", "nvmlDeviceGetHandleByIndex", index)
            if handle is not None:
                handles.append(handle)
                gpus.append(_gpu_info(index, handle, driver, cuda))
        topology = _topology(handles, gpus, notes) if gpus else None
    finally:
        _query(notes, "shutdown", "nvmlShutdown")
    return GpuProbe(nvml_available=True, gpus=gpus, topology=topology, notes=notes,
                    unavailable_reason=None if gpus else "NVML started but found no GPU")
