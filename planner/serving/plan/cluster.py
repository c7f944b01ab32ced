"""What a plan reads of the cluster: a rank's node and GPU, capabilities, NVLink GPUs."""

from planner.memo import IdentityMemo
from planner.serving.hardware import ClusterSpec, GpuSpec
from planner.serving.layout import ParallelLayout
from planner.serving.plan.facts import Resolved


def rank_position(layout: ParallelLayout, cluster: ClusterSpec, rank: int
                  ) -> tuple[int, int, int, int]:
    """(pp_stage, tp_rank, node index, GPU index on the node) of a global rank (the node by
    ClusterSpec.rank_node, the rule speed.context.stage_gpus reads too)."""
    pp_stage, tp_rank = divmod(rank % (layout.tp * layout.pp), layout.tp)
    return (pp_stage, tp_rank, *cluster.rank_node(rank))


def last_node(cluster: ClusterSpec, layout: ParallelLayout, r: Resolved) -> int:
    """The index of the last node the layout's ranks reach (ClusterSpec.rank_node; the GPU
    count from `r`, which ClusterSpec.gpu_count sums over every node)."""
    return cluster.rank_node(min(layout.gpus, r.gpu_count) - 1)[0]


CLUSTER_GPUS: IdentityMemo[tuple[GpuSpec, ...]] = IdentityMemo(256)
"""nvlink_gpus by cluster: every layout's warnings read it, and 512 nodes took a scan each."""


CLUSTER_CAPABILITIES: IdentityMemo[tuple[str, ...]] = IdentityMemo(256)
"""capabilities by cluster: _derive and node_quant_errors read it (512 nodes, a scan each)."""


def capabilities(cluster: ClusterSpec) -> tuple[str, ...]:
    """The compute capabilities of the cluster's nodes' GPUs, each once, sorted."""
    return tuple(sorted({node.gpu.compute_capability for node in cluster.nodes}))


def nvlink_gpus(cluster: ClusterSpec) -> tuple[GpuSpec, ...]:
    """Each GPU model (by preset key) on the nodes whose GPUs talk over NVLink, once, in node
    order: the GPUs bridge_warnings checks."""
    first: dict[str, GpuSpec] = {}
    for node in cluster.nodes:
        if node.intra_node_link == "nvlink":
            first.setdefault(node.gpu.key, node.gpu)
    return tuple(first.values())
