"""The hardware and model the state points at, resolved for the sidebar and every page.

Resolution raises the owning module's own error (HardwareError, SnapshotError, ...); the
caller shows it inline with `show_error`, so bad input never becomes a traceback.
"""

import streamlit as st

from planner.hardware import ClusterSpec, preset_cluster
from probes.cluster import snapshots_to_cluster
from probes.snapshot import HardwareSnapshot
from ui.io import live_snapshot
from ui.state import state

UPLOADS_KEY = "uploaded_snapshots"
"""session_state key of the uploaded snapshots: {file name: HardwareSnapshot}."""


def uploaded_snapshots() -> dict[str, HardwareSnapshot]:
    """Snapshots uploaded in this session (never in the URL, never written to disk)."""
    return st.session_state.setdefault(UPLOADS_KEY, {})


def gpu_present() -> bool:
    """True when the live audit sees at least one GPU on this machine."""
    return bool(live_snapshot().gpus)


def current_cluster() -> ClusterSpec:
    """The cluster chosen on the Hardware page: live audit, preset builder or snapshots."""
    current = state()
    if current.hardware == "audit":
        return snapshots_to_cluster([live_snapshot()])
    if current.hardware == "snapshots":
        return snapshots_to_cluster(list(uploaded_snapshots().values()))
    link = None if current.intra_node_link == "auto" else current.intra_node_link
    return preset_cluster(
        current.gpu,
        current.gpus_per_node,
        current.nodes,
        intra_node_link=link,
        inter_node_link=current.inter_node_link or None,
    )


def cluster_label(cluster: ClusterSpec) -> str:
    """'8x NVIDIA GeForce RTX 3090 (PCIe)' or '2 nodes x 8x NVIDIA H100 80GB HBM3 (NVLink)'."""
    node = cluster.nodes[0]
    link = "NVLink" if node.intra_node_link == "nvlink" else "PCIe"
    text = f"{node.gpus_per_node}x {node.gpu.name} ({link})"
    return text if len(cluster.nodes) == 1 else f"{len(cluster.nodes)} nodes x {text}"
