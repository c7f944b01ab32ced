"""Turn recorded hardware snapshots into the planner's ClusterSpec (one node per snapshot)."""

from __future__ import annotations

from planner.serving.hardware import (
    ClusterSpec,
    GpuSpec,
    NodeSpec,
    link_from_topology,
    match_gpu_name,
)
from probes.nvml import GpuInfo
from probes.snapshot import HardwareSnapshot, SnapshotError


def _gpu_spec(snap: HardwareSnapshot, gpu: GpuInfo) -> GpuSpec:
    """The planner's GpuSpec for one audited GPU (preset by NVML name, else measured)."""
    if gpu.name is None or gpu.usable_total_bytes is None:
        raise SnapshotError(f"{snap.hostname}: GPU{gpu.index} has no name or memory total "
                            "in the snapshot, so it cannot be planned for")
    return match_gpu_name(gpu.name, gpu.usable_total_bytes)


def _link(snap: HardwareSnapshot, gpu: GpuSpec):
    """The node's link kind from its topology matrix (every GPU pair's cell); without a
    matrix, NVLink when any GPU has an active NVLink, else the GPU's default PCIe link."""
    topology = snap.topology
    if topology is not None and len(topology.gpu_indices) > 1:
        return link_from_topology([topology.cell(i, j) for i, j in topology.pairs()], gpu)
    if len(snap.gpus) > 1 and all(g.active_nvlinks for g in snap.gpus):
        return "nvlink"
    return "pcie" if gpu.default_intra_node_link == "nvlink" else gpu.default_intra_node_link


def snapshot_to_node(snap: HardwareSnapshot) -> tuple[NodeSpec, list[str]]:
    """One NodeSpec for a snapshot, plus notes on anything the planner simplifies.

    A node with several GPU models is planned as that many of its smallest GPU.
    """
    if not snap.gpus:
        reason = snap.gpu_unavailable_reason or "NVML listed no GPU"
        raise SnapshotError(f"{snap.hostname}: the snapshot has no GPUs ({reason})")
    specs = [_gpu_spec(snap, g) for g in snap.gpus]
    smallest = min(specs, key=lambda s: s.memory_total_bytes)
    notes = []
    if len({s.name for s in specs}) > 1:
        notes.append(f"{snap.hostname} mixes {', '.join(sorted({s.name for s in specs}))}; "
                     f"planned as {len(specs)}x {smallest.name}")
    topology = snap.topology
    try:
        node = NodeSpec(
            hostname=snap.hostname,
            gpu=smallest,
            gpus_per_node=len(snap.gpus),
            intra_node_link=_link(snap, smallest),
            pcie_topology=topology.worst_pcie_level() if topology else None,
            memory_used_bytes=tuple(g.memory_used_bytes or 0 for g in snap.gpus),
        )
    except ValueError as exc:  # pydantic's ValidationError: e.g. used > the smallest total
        raise SnapshotError(f"{snap.hostname}: cannot plan for this node ({exc})") from exc
    return node, notes


def snapshots_to_cluster(snapshots: list[HardwareSnapshot]) -> ClusterSpec:
    """A ClusterSpec with one NodeSpec per snapshot; SnapshotError if one has no GPUs.

    Mixed GPU models across nodes are allowed; the planner sizes for the smallest, which
    the ClusterSpec's `source` says.
    """
    if not snapshots:
        raise SnapshotError("no snapshots given")
    nodes, notes = [], []
    for snap in snapshots:
        node, node_notes = snapshot_to_node(snap)
        nodes.append(node)
        notes += node_notes
    names = sorted({n.gpu.name for n in nodes})
    if len(names) > 1:
        smallest = min(nodes, key=lambda n: n.gpu.memory_total_bytes).gpu
        notes.append(f"mixed GPU models across nodes ({', '.join(names)}); the planner uses "
                     f"the smallest, {smallest.name}")
    source = "snapshots: " + ", ".join(s.hostname for s in snapshots)
    return ClusterSpec(nodes=tuple(nodes),
                       source="; ".join([source, *notes]))
