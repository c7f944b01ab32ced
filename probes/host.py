"""Host probe: OS, CPU, RAM, disks, ulimits and the serving stack's versions.

The only importer of psutil. Every reader degrades on its own: a fact that cannot be read
becomes None and a note, never an exception.
"""

from __future__ import annotations

import os
import platform
import re
import resource
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Literal

import psutil
from pydantic import BaseModel, ConfigDict, Field, model_validator

from probes.files import home_expanded

UNLIMITED = -1
"""Stored for a ulimit of `unlimited` (what `ulimit -l` prints, `docker --ulimit memlock=-1`)."""

MAX_HOST_COUNT = 2**64 - 1
"""The most a loaded snapshot's host may state for RAM, swap, a disk, an open-files or
locked-memory limit: a 64-bit counter's largest value, 16 EiB in bytes (the kernel's rlim_t;
no RAM, swap or filesystem comes near it). A 400-digit count was a traceback as the report
divided it into GiB (OverflowError: integer division result too large for a float), or was
printed as read."""

SERVING_PACKAGES = (
    "torch",
    "vllm",
    "sglang",
    "transformers",
    "flash-attn",
    "flashinfer-python",
    "flashinfer",
    "triton",
    "xformers",
    "autoawq",
    "bitsandbytes",
    "llmcompressor",
    "nvidia-ml-py",
    "pynvml",
)
"""Distributions whose versions are read from metadata (never imported: importing torch or
vllm takes seconds and may touch the GPU). `pynvml` is the deprecated distribution that also
provides the `pynvml` module and can shadow nvidia-ml-py."""

NVCC_TIMEOUT_S = 5.0

DiskRole = Literal["mount", "hf_cache", "model_dir"]


class DiskInfo(BaseModel):
    """Space on the filesystem that holds one mount point or named directory."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: DiskRole = Field(description="a mounted filesystem, the HF cache, or a model dir")
    path: str = Field(description="the mount point or the directory asked about")
    exists: bool = Field(strict=True, description="False when the directory is not created yet")
    mount_point: str | None = Field(description="mount point of the filesystem holding path")
    total_bytes: int | None = Field(None, ge=0, le=MAX_HOST_COUNT, strict=True)
    used_bytes: int | None = Field(None, ge=0, le=MAX_HOST_COUNT, strict=True)
    free_bytes: int | None = Field(None, ge=0, le=MAX_HOST_COUNT, strict=True,
                                   description="free to non-root users (f_bavail)")


class ProcessState(BaseModel):
    """What the host knows about one PID that NVML reports on a GPU."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    status: str = Field(description="psutil status ('running', 'sleeping', 'zombie'...) or 'gone'")


class NicInfo(BaseModel):
    """One network port the kernel reports a line rate for (probe_nics)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="'mlx5_0 port 1' (InfiniBand/RoCE) or 'eth0' (Ethernet)")
    kind: Literal["infiniband", "ethernet"]
    gbits: float = Field(gt=0, description="line rate, Gb/s (10**9 bits) per direction")


_IB_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*Gb/sec")


def probe_nics(sys_root: Path = Path("/sys")) -> list[NicInfo] | None:
    """The active RDMA ports (/sys/class/infiniband/*/ports/*/rate, '400 Gb/sec (4X NDR)',
    with state ACTIVE; RoCE ports are listed there too) and the physical Ethernet interfaces
    with a link (/sys/class/net/*/speed in Mb/s, a `device` link: not lo, bridges or veths).
    None when neither folder exists (not Linux, or /sys hidden); never raises: an unreadable
    port is left out."""
    ib, net = sys_root / "class" / "infiniband", sys_root / "class" / "net"
    if not ib.is_dir() and not net.is_dir():
        return None
    nics: list[NicInfo] = []
    for rate in sorted(ib.glob("*/ports/*/rate")) if ib.is_dir() else ():
        port = rate.parent
        state = _read(port / "state")
        match = _IB_RATE.match(_read(rate) or "")
        if match and float(match[1]) > 0 and (state is None or "ACTIVE" in state):
            nics.append(NicInfo(name=f"{port.parent.parent.name} port {port.name}",
                                kind="infiniband", gbits=float(match[1])))
    for iface in sorted(net.iterdir()) if net.is_dir() else ():
        speed = _read(iface / "speed")
        if (iface / "device").exists() and speed and speed.strip().isdigit() \
                and int(speed) > 0:
            nics.append(NicInfo(name=iface.name, kind="ethernet", gbits=int(speed) / 1000))
    return nics


def _read(path: Path) -> str | None:
    """A sysfs file's text, None when absent or unreadable (a down link's speed raises
    EINVAL)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


class HostInfo(BaseModel):
    """Facts about the machine around the GPUs.

    A loaded snapshot holds only what the host can report: byte counts are JSON integers of 0
    to MAX_HOST_COUNT, limits 0 to it or UNLIMITED, CPU sockets, cores, threads and NUMA
    nodes 1 or more (each probe reads none as None); a negative available RAM printed "-0.00
    GiB available" and planned a GB10 as holding more than its total, -1 sockets printed "-1
    sockets" in the audit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    os_name: str | None = Field(description="PRETTY_NAME from /etc/os-release")
    os_id: str | None = Field(description="ID from /etc/os-release, e.g. 'ubuntu'")
    os_version_id: str | None = Field(description="VERSION_ID from /etc/os-release, e.g. '22.04'")
    kernel: str = Field(description="uname -r")
    wsl2: bool | None = Field(default=None, strict=True,
                              description="Windows WSL2: /proc/sys/kernel/osrelease "
                              "holds 'microsoft' (is_wsl2; information: the GPUs' measured "
                              "totals are what CUDA reports there); None when not read (older "
                              "snapshots, no /proc)")
    architecture: str = Field(description="uname -m, e.g. 'x86_64'")
    cpu_model: str | None
    cpu_sockets: int | None = Field(ge=1, strict=True,
                                    description="distinct 'physical id' in /proc/cpuinfo")
    cpu_cores: int | None = Field(ge=1, strict=True, description="physical cores")
    cpu_threads: int | None = Field(ge=1, strict=True, description="logical CPUs")
    numa_nodes: int | None = Field(ge=1, strict=True,
                                   description="NUMA nodes under /sys/devices/system/node")
    ram_total_bytes: int = Field(ge=0, le=MAX_HOST_COUNT, strict=True)
    ram_available_bytes: int = Field(ge=0, le=MAX_HOST_COUNT, strict=True,
                                     description="read as a unified-memory GPU's free memory "
                                     "(probes.cluster._host_held)")
    swap_total_bytes: int = Field(ge=0, le=MAX_HOST_COUNT, strict=True)
    swap_used_bytes: int = Field(ge=0, le=MAX_HOST_COUNT, strict=True)
    disks: list[DiskInfo]
    ulimit_nofile_soft: int | None = Field(ge=UNLIMITED, le=MAX_HOST_COUNT, strict=True,
                                           description=f"open files; {UNLIMITED} = unlimited")
    ulimit_nofile_hard: int | None = Field(ge=UNLIMITED, le=MAX_HOST_COUNT, strict=True)
    ulimit_memlock_soft_bytes: int | None = Field(ge=UNLIMITED, le=MAX_HOST_COUNT, strict=True,
                                                  description=f"{UNLIMITED} = unlimited")
    ulimit_memlock_hard_bytes: int | None = Field(ge=UNLIMITED, le=MAX_HOST_COUNT, strict=True)
    python_version: str
    packages: dict[str, str | None] = Field(
        description="distribution name -> installed version, None when not installed"
    )
    cuda_toolkit_version: str | None = Field(description="from `nvcc --version`, None if absent")
    nics: list[NicInfo] | None = Field(default=None, description="probe_nics: ports with a "
                                       "line rate; None when not read (older snapshots)")
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _parts_within_totals(self) -> HostInfo:
        """Available RAM and used swap are parts of their totals, as psutil reads them; a GB10's
        free memory is the available RAM (probes.cluster._host_held), so 200 GiB available of
        119 GiB planned none of it held."""
        for part, whole in (("ram_available_bytes", "ram_total_bytes"),
                            ("swap_used_bytes", "swap_total_bytes")):
            if getattr(self, part) > getattr(self, whole):
                raise ValueError(f"{part} {getattr(self, part):,} is more than {whole} "
                                 f"{getattr(self, whole):,}: the snapshot is corrupt or edited")
        return self


def read_os_release(path: Path = Path("/etc/os-release")) -> dict[str, str]:
    """Parse os-release KEY=value lines (values may be quoted); empty dict if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            fields[key.strip()] = value.strip().strip("\"'")
    return fields


def parse_cpuinfo(text: str) -> tuple[str | None, int | None]:
    """CPU model name and socket count (distinct `physical id`) from /proc/cpuinfo text."""
    models = re.findall(r"^model name\s*:\s*(.+)$", text, flags=re.MULTILINE)
    sockets = set(re.findall(r"^physical id\s*:\s*(\d+)$", text, flags=re.MULTILINE))
    return (models[0].strip() if models else None), (len(sockets) or None)


def parse_nvcc_version(text: str) -> str | None:
    """The toolkit release from `nvcc --version`, e.g. '12.8' from 'release 12.8, V12.8.93'."""
    found = re.search(r"release (\d+\.\d+)", text)
    return found.group(1) if found else None


def hf_cache_dir(environ: dict[str, str] | None = None) -> Path:
    """Where huggingface_hub stores downloads: HF_HUB_CACHE, else HF_HOME/hub, else
    ~/.cache/huggingface/hub (XDG_CACHE_HOME is honoured as huggingface_hub does)."""
    env = os.environ if environ is None else environ
    if env.get("HF_HUB_CACHE"):
        return home_expanded(env["HF_HUB_CACHE"])
    if env.get("HF_HOME"):
        return home_expanded(env["HF_HOME"]) / "hub"
    cache_home = home_expanded(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "huggingface" / "hub"


def _mount_point(path: Path) -> Path:
    """The mount point of the filesystem that holds an existing path."""
    path = path.resolve()
    while not os.path.ismount(path):
        path = path.parent
    return path


def disk_for(path: Path, role: DiskRole) -> DiskInfo:
    """Size, use and free space of the filesystem that holds `path`. A path not created yet
    is measured at its nearest existing parent, where it would be created."""
    path = home_expanded(path)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        usage = shutil.disk_usage(existing)
        mount = str(_mount_point(existing))
    except OSError:
        return DiskInfo(role=role, path=str(path), exists=path.exists(), mount_point=None)
    return DiskInfo(
        role=role,
        path=str(path),
        exists=path.exists(),
        mount_point=mount,
        total_bytes=usage.total,
        used_bytes=usage.used,
        free_bytes=usage.free,
    )


def _mounted_disks() -> list[DiskInfo]:
    """One DiskInfo per physical mounted filesystem (`df` without pseudo filesystems);
    containers bind-mount single files such as /etc/hosts, which are skipped."""
    seen: set[str] = set()
    disks = []
    for part in psutil.disk_partitions(all=False):
        if part.mountpoint in seen or not os.path.isdir(part.mountpoint):
            continue
        seen.add(part.mountpoint)
        disks.append(disk_for(Path(part.mountpoint), "mount"))
    return disks


def _ulimit(limit: int) -> tuple[int | None, int | None]:
    """Soft and hard values of one rlimit, with RLIM_INFINITY stored as UNLIMITED."""
    try:
        soft, hard = resource.getrlimit(limit)
    except (OSError, ValueError):
        return None, None
    return tuple(UNLIMITED if v == resource.RLIM_INFINITY else v for v in (soft, hard))


def package_versions(names: tuple[str, ...] = SERVING_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution from its metadata, without importing it."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cuda_toolkit_version(notes: list[str]) -> str | None:
    """CUDA toolkit release from `nvcc --version` (short timeout); None when nvcc is absent."""
    nvcc = shutil.which("nvcc") or (
        "/usr/local/cuda/bin/nvcc" if os.access("/usr/local/cuda/bin/nvcc", os.X_OK) else None
    )
    if nvcc is None:
        return None
    try:
        done = subprocess.run(
            [nvcc, "--version"], capture_output=True, text=True, timeout=NVCC_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        notes.append(f"nvcc --version failed: {exc}")
        return None
    return parse_nvcc_version(done.stdout)


def process_state(pid: int) -> ProcessState:
    """Name and status of a PID; status 'gone' when no such process is visible here
    (inside a container, processes of other PID namespaces look gone too)."""
    try:
        proc = psutil.Process(pid)
        return ProcessState(name=proc.name(), status=proc.status())
    except psutil.NoSuchProcess:
        return ProcessState(status="gone")
    except psutil.AccessDenied:
        return ProcessState(status="unknown")


def is_wsl2(osrelease: Path = Path("/proc/sys/kernel/osrelease")) -> bool | None:
    """Whether the kernel is WSL2's, which names itself in lower case ('6.6.87.2-microsoft-
    standard-WSL2'); WSL1's, which runs no CUDA, is '4.4.0-19041-Microsoft'. None when the
    file cannot be read."""
    text = _read(osrelease)
    return None if text is None else "microsoft" in text


def _count_numa_nodes(root: Path = Path("/sys/devices/system/node")) -> int | None:
    nodes = [p for p in root.glob("node*") if p.name[4:].isdigit()]
    return len(nodes) or None


def probe_host(model_dirs: tuple[Path, ...] = ()) -> HostInfo:
    """Read the host facts; disks include the HF cache and each named model directory."""
    notes: list[str] = []
    os_release = read_os_release()
    try:
        cpu_model, sockets = parse_cpuinfo(Path("/proc/cpuinfo").read_text(encoding="utf-8"))
    except OSError as exc:
        cpu_model, sockets = platform.processor() or None, None
        notes.append(f"/proc/cpuinfo unreadable: {exc}")
    ram, swap = psutil.virtual_memory(), psutil.swap_memory()
    nofile = _ulimit(resource.RLIMIT_NOFILE)
    memlock = _ulimit(resource.RLIMIT_MEMLOCK)
    disks = _mounted_disks() + [disk_for(hf_cache_dir(), "hf_cache")]
    disks += [disk_for(d, "model_dir") for d in model_dirs]
    return HostInfo(
        os_name=os_release.get("PRETTY_NAME"),
        os_id=os_release.get("ID"),
        os_version_id=os_release.get("VERSION_ID"),
        kernel=platform.release(),
        wsl2=is_wsl2(),
        architecture=platform.machine(),
        cpu_model=cpu_model,
        cpu_sockets=sockets,
        cpu_cores=psutil.cpu_count(logical=False),
        cpu_threads=psutil.cpu_count(logical=True),
        numa_nodes=_count_numa_nodes(),
        ram_total_bytes=ram.total,
        ram_available_bytes=ram.available,
        swap_total_bytes=swap.total,
        swap_used_bytes=swap.used,
        disks=disks,
        ulimit_nofile_soft=nofile[0],
        ulimit_nofile_hard=nofile[1],
        ulimit_memlock_soft_bytes=memlock[0],
        ulimit_memlock_hard_bytes=memlock[1],
        python_version=platform.python_version(),
        packages=package_versions(),
        cuda_toolkit_version=cuda_toolkit_version(notes),
        nics=probe_nics(),
        notes=notes,
    )
