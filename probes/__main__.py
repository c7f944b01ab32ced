"""`python -m probes`: audit this node and print a summary, or write a snapshot with --json.

Exit 0 whether or not a GPU is present; exit 2 with one line on bad input; exit 141
(128 + SIGPIPE), silently, when the reader of stdout goes away (`| head`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cli.output import emit
from cli.parser import OneLineParser
from planner.report import text_columns
from planner.text import plural, sentence
from planner.units import gib_text
from probes.audit_summary import cuda_version_text
from probes.files import home_expanded
from probes.findings import Finding, audit
from probes.host import UNLIMITED, HostInfo
from probes.nvml import TOPOLOGY_LEGEND, GpuInfo, TopologyMatrix
from probes.snapshot import HardwareSnapshot, SnapshotError, load_snapshot, take_snapshot


def _fmt(value: Any, suffix: str = "") -> str:
    """A value for a table cell; '-' when NVML or the host could not say."""
    return "-" if value is None else f"{value}{suffix}"


def _gib(n_bytes: int | None) -> str:
    return "-" if n_bytes is None else gib_text(n_bytes)


def _gpu_rows(gpus: list[GpuInfo]) -> list[str]:
    rows = [["#", "Name", "Used / total", "Temp", "Power W", "PCIe now (max)", "Util",
             "Procs"]]
    for g in gpus:
        pcie = (f"Gen{_fmt(g.pcie_generation_current)} x{_fmt(g.pcie_width_current)} "
                f"(Gen{_fmt(g.pcie_generation_max)} x{_fmt(g.pcie_width_max)})")
        power = " / ".join("-" if w is None else f"{w:.0f}"
                           for w in (g.power_draw_watts, g.power_limit_watts))
        rows.append([str(g.index), _fmt(g.name),
                     f"{_gib(g.memory_used_bytes)} / {_gib(g.memory_total_bytes)}",
                     _fmt(g.temperature_c, " C"), power, pcie,
                     _fmt(g.utilization_gpu_percent, "%"), str(len(g.processes))])
    return text_columns(rows)


def _topology_rows(topo: TopologyMatrix, gpus: list[GpuInfo]) -> list[str]:
    names = [f"GPU{i}" for i in topo.gpu_indices]
    rows = [["", *names, "CPU Affinity", "GPU NUMA ID"]]
    for r, gpu in enumerate(gpus):
        cells = [topo.cell(r, c) for c in range(len(names))]
        rows.append([names[r], *cells, _fmt(gpu.cpu_affinity), _fmt(gpu.numa_node)])
    legend = [f"  {code:<4} = {meaning}" for code, meaning in TOPOLOGY_LEGEND]
    return [*text_columns(rows), "", "Legend:", *legend]


def _limit(value: int | None, unit: str = "") -> str:
    return "unlimited" if value == UNLIMITED else _fmt(value, unit)


def _host_rows(host: HostInfo) -> list[str]:
    installed = [f"{k} {v}" for k, v in host.packages.items() if v]
    missing = [k for k, v in host.packages.items() if not v]
    disks = [f"    {d.role:<9} {d.path}{'' if d.exists else ' (not created yet)'}: "
             f"{_gib(d.free_bytes)} free of {_gib(d.total_bytes)}"
             f" (on {_fmt(d.mount_point)})" for d in host.disks]
    memlock = host.ulimit_memlock_soft_bytes
    return [
        f"  OS: {_fmt(host.os_name)}, kernel {host.kernel}, {host.architecture}",
        f"  CPU: {_fmt(host.cpu_model)}, "
        f"{_fmt(host.cpu_sockets)} {plural(host.cpu_sockets, 'socket')}, "
        f"{_fmt(host.cpu_cores)} {plural(host.cpu_cores, 'core')} / "
        f"{_fmt(host.cpu_threads)} {plural(host.cpu_threads, 'thread')}, "
        f"{_fmt(host.numa_nodes)} NUMA {plural(host.numa_nodes, 'node')}",
        f"  RAM: {_gib(host.ram_total_bytes)} ({_gib(host.ram_available_bytes)} available),"
        f" swap {_gib(host.swap_total_bytes)} ({_gib(host.swap_used_bytes)} used)",
        "  Disks:",
        *disks,
        f"  ulimits: nofile {_limit(host.ulimit_nofile_soft)}, memlock "
        f"{_limit(memlock if memlock in (None, UNLIMITED) else memlock // 1024, ' KiB')}",
        f"  Python {host.python_version}; CUDA toolkit (nvcc) "
        f"{_fmt(host.cuda_toolkit_version) if host.cuda_toolkit_version else 'not found'}",
        f"  Installed: {', '.join(installed) or 'none of the serving stack'}",
        f"  Not installed: {', '.join(missing) or '-'}",
    ]


def _finding_rows(findings: list[Finding]) -> list[str]:
    if not findings:
        return ["  No red flags."]
    lines = []
    for f in findings:
        lines += [f"  [{f.severity.upper()}] {f.title}", f"    {f.evidence}",
                  f"    -> {f.advice}"]
    return lines


def render_summary(snap: HardwareSnapshot, findings: list[Finding]) -> str:
    """The human-readable audit: GPUs, topology with legend, host facts, findings."""
    lines = [f"Headroom hardware audit: {snap.hostname} at {snap.taken_at}", ""]
    if snap.gpus:
        first = snap.gpus[0]
        lines += [f"GPUs: {len(snap.gpus)}, driver {_fmt(first.driver_version)}, "
                  f"CUDA (driver) {_fmt(cuda_version_text(first.cuda_driver_version))}",
                  *_gpu_rows(snap.gpus), ""]
    else:
        lines += [f"GPUs: none ({snap.gpu_unavailable_reason})", ""]
    if snap.topology and len(snap.gpus) > 1:
        lines += ["Topology (as nvidia-smi topo -m):", *_topology_rows(snap.topology, snap.gpus),
                  ""]
    lines += ["Host:", *_host_rows(snap.host), "", "Findings:", *_finding_rows(findings)]
    if snap.notes or snap.host.notes or any(g.notes for g in snap.gpus):
        lines += ["", "Probe notes (fields left empty):", *(f"  {n}" for n in snap.notes)]
        lines += [f"  host: {n}" for n in snap.host.notes]
        lines += [f"  GPU{g.index}: {'; '.join(g.notes)}" for g in snap.gpus if g.notes]
    return "\n".join(lines)


def _model_dir(text: str) -> Path:
    """An argparse type: a directory, or a path not created yet (measured at its parent)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a directory")
    path = home_expanded(text)
    try:
        if path.exists() and not path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is not a directory")
    except OSError as exc:  # e.g. a name over the file system's limit
        raise argparse.ArgumentTypeError(f"{text} cannot be a directory ({exc.strerror})") from None
    return path


def _snapshot_file(text: str) -> str:
    """An argparse type: a snapshot path with something in it (an empty one would mean "no
    --load" and audit this machine instead)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a snapshot file")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the audit (or read a recorded snapshot) and print it; returns the exit code."""
    parser = OneLineParser(prog="python -m probes", description=__doc__.splitlines()[0],
                           spaced={"--load": os.path.exists})
    parser.add_argument("--json", action="store_true",
                        help="write the snapshot as JSON on stdout instead of the summary")
    parser.add_argument("--model-dir", action="append", type=_model_dir, default=[],
                        metavar="PATH", help="a model directory whose disk to check "
                        "(repeatable)")
    parser.add_argument("--load", metavar="SNAPSHOT.json", type=_snapshot_file,
                        help="summarise a recorded snapshot instead of probing this machine")
    args = parser.parse_args(argv)
    if args.load is not None and args.model_dir:
        parser.error("--model-dir measures this machine's disks: it does not apply to --load "
                     "(a recorded snapshot)")
    try:
        snap = (load_snapshot(args.load) if args.load is not None
                else take_snapshot(tuple(args.model_dir)))
    except SnapshotError as exc:
        print(f"python -m probes: error: {sentence(exc)}", file=sys.stderr)
        return 2
    return emit((snap.to_json() if args.json else render_summary(snap, audit(snap)))
                + "\n", "python -m probes")


if __name__ == "__main__":
    sys.exit(main())
