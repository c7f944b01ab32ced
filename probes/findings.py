"""Red flags and advice from a HardwareSnapshot: pure functions, no I/O.

Each rule looks at one concern and returns zero or more Findings; `audit` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from planner.serving.hardware import parse_capability
from planner.serving.startup.wheel_arch import WHEEL_MIN_CAPABILITY, wheel_floor
from planner.serving.vllm_versions import DEFAULT_VLLM_VERSION, default_gpu_memory_utilization
from planner.units import GIB, MIB, gib_text
from probes.host import UNLIMITED
from probes.nvml import MIG_NOTE, GpuInfo, compact_ranges
from probes.snapshot import HardwareSnapshot

Severity = Literal["info", "warning", "critical"]

VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = default_gpu_memory_utilization(DEFAULT_VLLM_VERSION)
"""vLLM's default --gpu-memory-utilization in the default release, as Headroom's command runs
it (planner.serving.vllm_versions.default_gpu_memory_utilization: 0.92 from 0.20)."""
MEMORY_IN_USE_FLAG_BYTES = 512 * MIB
"""Memory used on a GPU before the audit mentions it (a desktop session alone uses less)."""
LOW_DISK_FREE_BYTES = 50 * GIB
"""Free space below which the HF cache disk is flagged when no checkpoint size is given."""
HOT_GPU_C = 85
"""GPU core temperature worth a look; GeForce/datacenter parts slow down near 90 C."""
_THERMAL_REASONS = ("sw_thermal_slowdown", "hw_thermal_slowdown", "hw_slowdown",
                    "hw_power_brake_slowdown")


class Finding(BaseModel):
    """One red flag or piece of advice about the node."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    title: str
    evidence: str
    advice: str


def gpu_names(indices: list[int]) -> str:
    """'GPU2-4' for [2, 3, 4]; 'GPU0-1,5' for [0, 1, 5]."""
    return "GPU" + compact_ranges(indices)


def max_startable_utilization(gpu: GpuInfo) -> float | None:
    """Largest --gpu-memory-utilization (2 decimals) vLLM accepts given the free memory now.

    NOTE: vLLM refuses to start when free < ceil(total * util), total and free as CUDA
    reports them (shared/calibration/VLLM_ACCOUNTING.md, section 1a). CUDA's total is
    NVML total - reserved (GpuInfo.usable_total_bytes); NVML v2 free excludes reserved.
    So util_max = floor(100 * free / usable_total) / 100. Worked example, RTX 3090 with
    4096 MiB in use: usable 24136 MiB, free 24136 - 4096 = 20040 MiB,
    20040 / 24136 = 0.8303 -> 0.83 (the default 0.92 would refuse to start).
    """
    usable, free = gpu.usable_total_bytes, gpu.memory_free_bytes
    if not usable or free is None:
        return None
    return max(0, min(free, usable)) * 100 // usable / 100


def _no_gpu(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    if snap.gpus:
        return []
    return [Finding(
        code="no-gpu",
        severity="warning",
        title="No NVIDIA GPU found",
        evidence=snap.gpu_unavailable_reason or "NVML listed no GPU",
        advice="Planning still works from GPU presets. To plan for a GPU node, run "
               "`python -m probes --json > node.json` there and load that snapshot.",
    )]


def _no_nvlink(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    topo = snap.topology
    if topo is None or len(topo.gpu_indices) < 2 or topo.has_nvlink:
        return []
    groups = topo.host_bridge_groups()
    shared = [gpu_names(g) for g in groups if len(g) > 1]
    alone = [gpu_names(g) for g in groups if len(g) == 1]
    evidence = (f"{len(topo.gpu_indices)} GPUs and no active NVLink: tensor-parallel "
                "all-reduces cross PCIe.")
    if shared:
        evidence += f" GPUs sharing a PCIe switch (PIX/PXB): {' and '.join(shared)}."
    if alone:
        evidence += f" Behind their own host bridge: {', '.join(alone)}."
    return [Finding(
        code="no-nvlink",
        severity="warning",
        title="No NVLink: tensor parallelism runs over PCIe",
        evidence=evidence,
        advice="Prefer fewer tensor-parallel ranks (the smallest TP that fits) and pipeline "
               "parallelism across the rest; keep each TP group inside one PCIe switch group"
               + (f" (e.g. CUDA_VISIBLE_DEVICES={','.join(map(str, max(groups, key=len)))})"
                  if shared else "") + ".",
    )]


def _split_sockets(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    topo = snap.topology
    if topo is None:
        return []
    sys_pairs = [(i, j) for i, j in topo.pairs()
                 if topo.pcie[i][j] == "SYS" and not topo.nvlink[i][j]]
    if not sys_pairs:
        return []
    by_node: dict[int | None, list[int]] = {}
    for gpu in snap.gpus:
        by_node.setdefault(gpu.numa_node, []).append(gpu.index)
    placement = "; ".join(f"NUMA node {node if node is not None else '?'}: {gpu_names(idx)}"
                          for node, idx in by_node.items())
    return [Finding(
        code="gpus-across-sockets",
        severity="warning",
        title="GPUs are split across CPU sockets / NUMA nodes",
        evidence=f"{len(sys_pairs)} GPU pairs connect through the inter-socket link (SYS). "
                 f"{placement}.",
        advice="Keep each tensor-parallel group on one socket's GPUs; put pipeline stages "
               "across sockets. Pin the serving process near its GPUs (numactl).",
    )]


def _memory_in_use(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    busy = [g for g in snap.gpus if (g.memory_used_bytes or 0) >= MEMORY_IN_USE_FLAG_BYTES]
    if not busy:
        return []
    limits = {g.index: max_startable_utilization(g) for g in busy}
    blocked = any(u is not None and u < VLLM_DEFAULT_GPU_MEMORY_UTILIZATION
                  for u in limits.values())
    evidence = "; ".join(
        f"GPU{g.index}: {gib_text(g.memory_used_bytes)} used, largest gpu_memory_utilization "
        f"that starts: {limits[g.index] if limits[g.index] is not None else 'unknown'}"
        for g in busy)
    known = [u for u in limits.values() if u is not None]
    lower = f", or pass --gpu-memory-utilization {min(known)} or lower" if known else ""
    return [Finding(
        code="gpu-memory-in-use",
        severity="warning" if blocked else "info",
        title="GPU memory is already in use",
        evidence=evidence + ".",
        advice="vLLM asks for gpu_memory_utilization x total memory and refuses to start "
               f"when less is free. Stop the other processes{lower}.",
    )]


def _defunct_processes(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    held = [(g.index, p) for g in snap.gpus for p in g.processes if p.defunct]
    if not held:
        return []
    evidence = "; ".join(
        f"GPU{idx}: pid {p.pid} ({p.name or 'unknown'}) {p.status}"
        + (f", {gib_text(p.used_memory_bytes)}" if p.used_memory_bytes is not None else "")
        for idx, p in held)
    return [Finding(
        code="defunct-gpu-processes",
        severity="critical",
        title="GPU memory is held by defunct or vanished processes",
        evidence=evidence + ". (Inside a container, processes of other PID namespaces "
                 "also look gone.)",
        advice="Kill the zombie's parent process; if the memory stays held, check "
               "`nvidia-smi`, `fuser -v /dev/nvidia*`, then reset the GPU or reboot.",
    )]


def _low_disk(snap: HardwareSnapshot, checkpoint_bytes: int | None) -> list[Finding]:
    findings = []
    for disk in snap.host.disks:
        if disk.role == "mount" or disk.free_bytes is None:
            continue
        need = checkpoint_bytes if checkpoint_bytes is not None else LOW_DISK_FREE_BYTES
        if disk.free_bytes >= need:
            continue
        what = (f"the checkpoint needs {gib_text(checkpoint_bytes)}" if checkpoint_bytes
                is not None else f"less than {gib_text(LOW_DISK_FREE_BYTES)} free")
        findings.append(Finding(
            code="low-disk",
            severity="critical" if checkpoint_bytes is not None else "warning",
            title=f"Low disk space for {'the HF cache' if disk.role == 'hf_cache' else disk.path}",
            evidence=f"{disk.path} (on {disk.mount_point}): {gib_text(disk.free_bytes)} free; "
                     f"{what}.",
            advice="Free space, or point HF_HUB_CACHE / the model directory at a larger disk "
                   "before downloading.",
        ))
    return findings


def _memlock(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    soft = snap.host.ulimit_memlock_soft_bytes
    if not snap.gpus or soft is None or soft == UNLIMITED:
        return []
    return [Finding(
        code="memlock-limited",
        severity="warning",
        title="Locked-memory limit (ulimit -l) is low",
        evidence=f"memlock soft limit {soft // 1024} KiB.",
        advice="NCCL over InfiniBand/RoCE registers pinned buffers and fails or slows with a "
               "low memlock limit: set `ulimit -l unlimited` (limits.conf) or run Docker with "
               "`--ulimit memlock=-1`.",
    )]


def _thermal(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    hot = []
    for g in snap.gpus:
        reasons = [r for r in g.clock_event_reasons or () if r in _THERMAL_REASONS]
        if reasons or (g.temperature_c or 0) >= HOT_GPU_C:
            hot.append(f"GPU{g.index}: {g.temperature_c} C"
                       + (f", clocks held by {', '.join(reasons)}" if reasons else ""))
    if not hot:
        return []
    return [Finding(
        code="thermal",
        severity="warning",
        title="GPUs are hot or thermally throttled",
        evidence="; ".join(hot) + ".",
        advice="Check airflow and fan curves; throttled GPUs slow every tensor-parallel "
               "peer down to their pace. A lower power limit (nvidia-smi -pl) costs little "
               "decode speed.",
    )]


def _ecc(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    findings = []
    for field, severity, title in (
        ("ecc_errors_uncorrected", "critical", "Uncorrected ECC memory errors"),
        ("ecc_errors_corrected", "info", "Corrected ECC memory errors"),
    ):
        bad = [(g.index, getattr(g, field)) for g in snap.gpus if getattr(g, field)]
        if bad:
            findings.append(Finding(
                code=field.replace("_", "-"),
                severity=severity,
                title=title,
                evidence="; ".join(f"GPU{i}: {n} since boot" for i, n in bad) + ".",
                advice="Check `nvidia-smi -q -d ECC,PAGE_RETIREMENT`; a GPU with uncorrected "
                       "errors needs a reset and may need replacing.",
            ))
    return findings


def _mixed_models(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    names: dict[str, list[int]] = {}
    for g in snap.gpus:
        names.setdefault(g.name or "unknown", []).append(g.index)
    if len(names) < 2:
        return []
    return [Finding(
        code="mixed-gpu-models",
        severity="warning",
        title="Mixed GPU models in one node",
        evidence="; ".join(f"{name}: {gpu_names(idx)}" for name, idx in names.items()) + ".",
        advice="Tensor parallelism splits evenly, so the smallest and slowest GPU sets the "
               "pace and the memory per rank; serve on one model's GPUs "
               "(CUDA_VISIBLE_DEVICES) or size for the smallest.",
    )]


def _mig(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    on = [g.index for g in snap.gpus if g.mig_enabled]
    if not on:
        return []
    return [Finding(
        code="mig-enabled",
        severity="warning",
        title="MIG is enabled",
        evidence=f"{gpu_names(on)}: MIG mode on. {MIG_NOTE}.",
        advice="To serve on whole GPUs, disable MIG (`sudo nvidia-smi -i <GPU> -mig 0`, then "
               "reset the GPU); to plan one instance, give --gpu-memory-gib X, its memory as "
               "CUDA reports it, and --gpu-name with the instance's name as `nvidia-smi -L` "
               "prints it ('H100 MIG 3g.40gb'), for its GPU's compute capability and formats.",
    )]


def _no_vllm_wheel(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    """GPUs whose compute capability vLLM's prebuilt wheels hold no code for (wheel_floor):
    critical where no release's do (a Tesla K80's 3.7, a P40's 6.1), a warning where only the
    older releases' do (a V100's 7.0)."""
    by_capability: dict[str, list[int]] = {}
    for g in snap.gpus:
        if g.compute_capability and wheel_floor(g.compute_capability):
            by_capability.setdefault(g.compute_capability, []).append(g.index)
    findings = []
    for capability, indices in by_capability.items():
        major, minor = parse_capability(capability) or (0, 0)
        none = major * 10 + minor < WHEEL_MIN_CAPABILITY
        findings.append(Finding(
            code="no-vllm-wheel" if none else "no-recent-vllm-wheel",
            severity="critical" if none else "warning",
            title=(f"vLLM does not run on compute capability {capability}" if none else
                   f"Recent vLLM releases do not run on compute capability {capability}"),
            evidence=f"{gpu_names(indices)}: {wheel_floor(capability)}.",
            advice=("Serve on GPUs of compute capability 7.5 or newer; a vLLM (and PyTorch) "
                    "built from source for this GPU is not something Headroom plans." if none
                    else "Pin an older vLLM (pip install 'vllm<0.20') and plan with "
                    "--vllm-version 0.19.0, or serve on GPUs of compute capability 7.5 or "
                    "newer."),
        ))
    return findings


def _deprecated_pynvml(snap: HardwareSnapshot, _: int | None) -> list[Finding]:
    version = snap.host.packages.get("pynvml")
    if version is None:
        return []
    return [Finding(
        code="deprecated-pynvml",
        severity="warning",
        title="The deprecated `pynvml` package is installed",
        evidence=f"pynvml {version} is installed beside nvidia-ml-py; both provide the "
                 "`pynvml` module and the old one can shadow the maintained one.",
        advice="`pip uninstall pynvml` and keep `nvidia-ml-py` (vLLM warns about the same).",
    )]


Rule = Callable[[HardwareSnapshot, int | None], list[Finding]]
RULES: tuple[Rule, ...] = (
    _no_gpu, _no_nvlink, _split_sockets, _memory_in_use, _defunct_processes, _low_disk,
    _memlock, _thermal, _ecc, _mixed_models, _mig, _no_vllm_wheel, _deprecated_pynvml,
)
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def audit(snapshot: HardwareSnapshot, checkpoint_bytes: int | None = None) -> list[Finding]:
    """Every finding for a snapshot, most severe first. `checkpoint_bytes` (the model's
    size on disk) makes the disk check compare against it instead of a 50 GiB floor."""
    findings = [f for rule in RULES for f in rule(snapshot, checkpoint_bytes)]
    return sorted(findings, key=lambda f: _SEVERITY_ORDER[f.severity])
