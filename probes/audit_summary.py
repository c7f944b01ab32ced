"""HardwareSnapshot (+ its findings) -> planner.report.AuditSummary, the audit as reports show it.

The report renderer is pure and never sees probe types; this module flattens a snapshot into
the small model it reads. Fields the probes could not read become '—', never an error.
"""

from __future__ import annotations

from planner.report import AuditSummary, Fact, FindingRow, GpuRow
from planner.text import plural
from planner.units import gib_text
from probes.findings import Finding, audit
from probes.host import UNLIMITED, HostInfo
from probes.nvml import TOPOLOGY_LEGEND, GpuInfo, TopologyMatrix
from probes.snapshot import HardwareSnapshot

MISSING = "—"


def _or_missing(value: object, suffix: str = "") -> str:
    """A table cell: the value with its unit, or '—' when the probe could not read it."""
    return MISSING if value is None else f"{value}{suffix}"


def _gib_text(n_bytes: int | None) -> str:
    return MISSING if n_bytes is None else gib_text(n_bytes)


def cuda_version_text(cuda_driver_version: int | None) -> str | None:
    """NVML's 1000*major + 10*minor as 'major.minor': 12080 -> '12.8', 11040 -> '11.4'."""
    if cuda_driver_version is None:
        return None
    return f"{cuda_driver_version // 1000}.{cuda_driver_version % 1000 // 10}"


def _pcie_link_text(gpu: GpuInfo) -> str:
    """NVML's current PCIe link with its maximum, "Gen1 x16 (Gen4 x16)": an idle card
    downclocks its link (Gen1), while the plan runs at the maximum (hardware.pcie_rate), so
    the current one alone would misread as the planned link. '—' for a part it could not read."""
    now = MISSING
    if gpu.pcie_generation_current is not None:
        now = f"Gen{gpu.pcie_generation_current} x{_or_missing(gpu.pcie_width_current)}"
    if gpu.pcie_generation_max is None:
        return now
    return f"{now} (Gen{gpu.pcie_generation_max} x{_or_missing(gpu.pcie_width_max)})"


def _gpu_row(gpu: GpuInfo) -> GpuRow:
    ecc = MISSING if gpu.ecc_enabled is None else ("on" if gpu.ecc_enabled else "off")
    return GpuRow(
        index=gpu.index,
        name=gpu.name or MISSING,
        memory_total_bytes=gpu.memory_total_bytes,
        memory_used_bytes=gpu.memory_used_bytes,
        pcie_link=_pcie_link_text(gpu),
        power_limit_watts=gpu.power_limit_watts,
        temperature_c=gpu.temperature_c,
        ecc=ecc,
        nvlinks_active=gpu.active_nvlinks,
    )


def _topology(topo: TopologyMatrix | None, gpus: list[GpuInfo]) -> tuple[tuple[str, ...], ...]:
    """The matrix nvidia-smi topo -m prints, as rows (header first); () under two GPUs."""
    if topo is None or len(topo.gpu_indices) < 2:
        return ()
    names = [f"GPU{i}" for i in topo.gpu_indices]
    rows = [("", *names, "CPU Affinity", "NUMA")]
    for r, gpu in enumerate(gpus[: len(names)]):
        cells = [topo.cell(r, c) for c in range(len(names))]
        rows.append((names[r], *cells, _or_missing(gpu.cpu_affinity),
                     _or_missing(gpu.numa_node)))
    return tuple(rows)


def _limit_text(value: int | None) -> str:
    return "unlimited" if value == UNLIMITED else _or_missing(value)


def _host_facts(host: HostInfo) -> tuple[Fact, ...]:
    facts = [
        Fact(label="OS", value=f"{_or_missing(host.os_name)}, kernel {host.kernel}, "
             f"{host.architecture}" + (", Windows WSL2" if host.wsl2 else "")),
        Fact(label="CPU", value=f"{_or_missing(host.cpu_model)}: {_or_missing(host.cpu_sockets)}"
             f" {plural(host.cpu_sockets, 'socket')}, {_or_missing(host.cpu_cores)} "
             f"{plural(host.cpu_cores, 'core')} / {_or_missing(host.cpu_threads)} "
             f"{plural(host.cpu_threads, 'thread')}, {_or_missing(host.numa_nodes)} NUMA"),
        Fact(label="RAM", value=f"{_gib_text(host.ram_total_bytes)} "
             f"({_gib_text(host.ram_available_bytes)} available)"),
        Fact(label="Swap", value=f"{_gib_text(host.swap_total_bytes)} "
             f"({_gib_text(host.swap_used_bytes)} used)"),
    ]
    facts += [
        Fact(label=f"Disk ({d.role})", value=f"{d.path}: {_gib_text(d.free_bytes)} free of "
             f"{_gib_text(d.total_bytes)}")
        for d in host.disks
    ]
    memlock = host.ulimit_memlock_soft_bytes
    facts += [
        Fact(label="ulimit nofile", value=_limit_text(host.ulimit_nofile_soft)),
        Fact(label="ulimit memlock", value=_limit_text(memlock) if memlock in (None, UNLIMITED)
             else _gib_text(memlock)),
        Fact(label="Python", value=host.python_version),
    ]
    return tuple(facts)


def _finding_row(finding: Finding) -> FindingRow:
    return FindingRow(code=finding.code, severity=finding.severity, title=finding.title,
                      evidence=finding.evidence, advice=finding.advice)


def audit_summary(
    snapshot: HardwareSnapshot,
    findings: list[Finding] | None = None,
    *,
    checkpoint_bytes: int | None = None,
) -> AuditSummary:
    """The report's view of one snapshot; findings are computed when not given."""
    if findings is None:
        findings = audit(snapshot, checkpoint_bytes)
    first = snapshot.gpus[0] if snapshot.gpus else None
    stack = [Fact(label=name, value=_or_missing(version))
             for name, version in snapshot.host.packages.items()]
    return AuditSummary(
        hostname=snapshot.hostname,
        taken_at=snapshot.taken_at,
        gpus=tuple(_gpu_row(g) for g in snapshot.gpus),
        gpu_unavailable_reason=snapshot.gpu_unavailable_reason,
        driver_version=first.driver_version if first else None,
        cuda_version=cuda_version_text(first.cuda_driver_version) if first else None,
        cuda_toolkit_version=snapshot.host.cuda_toolkit_version,
        topology=_topology(snapshot.topology, snapshot.gpus),
        topology_legend=tuple(Fact(label=code, value=text) for code, text in TOPOLOGY_LEGEND),
        host=_host_facts(snapshot.host),
        serving_stack=tuple(stack),
        findings=tuple(_finding_row(f) for f in findings),
    )
