"""A cluster: the nodes that serve one model together (ClusterSpec), where each global rank
sits, the GPUs a layout names, the overrides of its link and PCIe slot, and a cluster of
preset GPUs (preset_cluster)."""

from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

from pydantic import BaseModel, ConfigDict, Field

from planner.memo import IdentityMemo
from planner.serving.hardware.links import (
    NETWORK_DEFAULT_GBITS,
    NETWORK_GBITS_PER_GPU,
    LinkSpec,
    link_spec,
    no_dgx_reference_text,
    no_nvlink,
    pcie_slot_problem,
)
from planner.serving.hardware.memory_total import with_memory_total, with_wsl2
from planner.serving.hardware.names import gpu_preset
from planner.serving.hardware.spec import (
    MAX_GPUS_PER_NODE,
    MAX_MEMORY_TOTAL_BYTES,
    GpuSpec,
    HardwareError,
    LinkKind,
    NetworkSpec,
    NodeSpec,
    OnePerMachineError,
    PcieSlot,
)

SNAPSHOTS_SOURCE = "snapshots: "
"""How ClusterSpec.source starts for nodes read from audits' snapshots (probes.cluster)."""


class ClusterSpec(BaseModel):
    """One or more nodes that serve one model together."""

    model_config = ConfigDict(frozen=True)

    nodes: tuple[NodeSpec, ...] = Field(min_length=1)
    network: NetworkSpec | None = None
    """The network between nodes as given or read; None: the GPU's DGX default, assumed
    (network_link, network_assumed)."""
    source: str
    """"preset: 8x RTX 3090", "live audit of host X", "snapshots: a.json, b.json"."""

    @property
    def gpu_count(self) -> int:
        """GPUs over all nodes. Cached by the cluster's identity (_GPU_COUNTS)."""
        return _GPU_COUNTS.get(self, (), _gpu_count, self)

    @property
    def vendor(self) -> str:
        """The GPUs' vendor, node 0's ("nvidia" or "amd"): it picks vLLM's platform (CUDA or
        ROCm), one for the whole cluster."""
        return self.nodes[0].gpu.vendor

    @property
    def gpus_per_node(self) -> int:
        """GPUs in the first node (nodes are normally identical; on nodes of different GPU
        counts the layouts planned fill each node they reach with this many, the last at most
        this many: layout.layout_errors)."""
        return self.nodes[0].gpus_per_node

    @property
    def network_assumed(self) -> str | None:
        """On several nodes with no network given nor read by an audit (network None): that it
        is assumed and what (network_assumed_text of the nodes' GPUs), the one place the CLI's
        note and the app's read it from; None on one node (nothing crosses a network) or with
        a network given or read."""
        if self.network is not None or len(self.nodes) == 1:
            return None
        return network_assumed_text((node.gpu for node in self.nodes),
                                    snapshots=self.source.startswith(SNAPSHOTS_SOURCE))

    def rank_node(self, rank: int) -> tuple[int, int]:
        """(node index, GPU index on that node) of global rank `rank` (0 <= rank < gpu_count):
        the ranks fill the nodes in their order, node 0's GPUs 0, 1, ... first, then node 1's.

        NOTE: vLLM's --nnodes places the ranks so: node R's `vllm serve` starts local ranks 0 ..
        local_world_size - 1 as global ranks local_world_size x R + local rank, each on cuda:local
        rank (v1/executor/multiproc_executor.py MultiprocExecutor._init_executor, 0.19.0, 0.33.0
        and 0.34.0 wheels), local_world_size = world size / nnodes (engine/arg_utils.py
        EngineArgs.create_engine_config: "world_size=... must be divisible by nnodes=..." asserted
        in 0.19.0, a ValueError in 0.33.0 and 0.34.0); Ray puts the head node's workers first
        (0.19.0 v1/executor/ray_executor.py sort_by_driver_then_worker_ip, 0.33.0 and 0.34.0
        v1/executor/ray_utils.py get_bundles_sorted_by_node). The layouts Headroom plans over nodes
        of different GPU counts are those this order gives as --nnodes does (layout.layout_errors),
        and on nodes of one count it is rank // GPUs per node, the
        rule plans have always used. The one rule for memory (plan) and speed (stage_gpus)."""
        starts = node_starts(self)
        if starts is None:
            return divmod(rank, self.nodes[0].gpus_per_node)
        node = bisect_right(starts, rank) - 1
        return node, rank - starts[node]

    @property
    def sizing_node(self) -> "NodeSpec":
        """The node whose GPU the engine-wide settings (batch defaults, kernels) are planned
        on: the first node, whose GPU 0 `vllm serve` reads there.

        NOTE: EngineArgs.get_batch_defaults (engine/arg_utils.py, 0.19.0, 0.33.0, 0.34.0 wheels)
        reads current_platform.get_device_total_memory() and get_device_name() with their
        default device_id=0 (platforms/cuda.py NvmlCudaPlatform: NVML's handle of
        CUDA_VISIBLE_DEVICES[0], else of index 0), called by create_engine_config in the
        process `vllm serve` runs, node 0's (the API server's; the scheduler runs on what it
        resolved). The other nodes' `vllm serve --headless` resolve their own from their own
        GPU 0 (entrypoints/cli/serve.py run_headless), but Headroom's commands spell out
        --max-num-batched-tokens and --max-num-seqs (launch.engine_flags), so every node runs
        node 0's. Each rank's KV budget is its own GPU's (plan.worker.memory), the fewest blocks of
        all ranks binding, as in vLLM."""
        return self.nodes[0]

    @property
    def link(self) -> "LinkSpec":
        """The intra-node link tensor-parallel traffic runs over: the slowest of all nodes
        (one collective waits for its slowest member). Each distinct (GPU, link, slot) is sized
        once: a preset of 512 nodes shares one GPU object."""
        distinct = {(id(n.gpu), n.intra_node_link, n.pcie_slot): n for n in self.nodes}.values()
        return min((link_spec(n.gpu, n.intra_node_link, n.pcie_slot) for n in distinct),
                   key=lambda link: (link.bandwidth_gbps, -link.latency_us))


def network_assumed_text(gpus: Iterable[GpuSpec], *, snapshots: bool = False) -> str:
    """That the network between nodes of these GPUs is assumed, and what: each rate once (as
    default_network_gbits: a DGX's, NETWORK_GBITS_PER_GPU, else NETWORK_DEFAULT_GBITS), with
    its sources, the GPU models without a DGX reference named in one (nodes, or recommend's
    rows, may mix models); that no snapshot read a port's line rate where the nodes are
    `snapshots`. The words of ClusterSpec.network_assumed, and of recommend's rows over
    several nodes (presets: no snapshot)."""
    models = {(gpu.key, gpu.name): gpu for gpu in gpus}.values()
    sources = [NETWORK_GBITS_PER_GPU[gpu.key] for gpu in models
               if gpu.key in NETWORK_GBITS_PER_GPU]
    if unreferenced := [gpu.name for gpu in models if gpu.key not in NETWORK_GBITS_PER_GPU]:
        sources.append((NETWORK_DEFAULT_GBITS, no_dgx_reference_text(unreferenced)))
    by_rate: dict[float, list[str]] = {}
    for gbits, source in sources:
        by_rate.setdefault(gbits, []).append(source)
    rates = [f"{gbits:g} Gb/s per GPU ({'; '.join(said)})" for gbits, said in by_rate.items()]
    why = " (no snapshot read a port's line rate)" if snapshots else ""
    return (f"the network between nodes was neither given nor measured{why}: the speed terms "
            "across nodes (all-reduce, pipeline hop, all-to-all) assume " + " and ".join(rates))


_GPU_COUNTS: IdentityMemo[int] = IdentityMemo(256)
"""ClusterSpec.gpu_count by the cluster's identity: every layout's check asks it
(layout.layout_errors), and a preset of 512 nodes is a sum over 512 (recommend of
Qwen3-30B-A3B up to 4,096 GPUs: 16,897 asks, 11 million node steps, ~14% of its run)."""


def _gpu_count(cluster: ClusterSpec) -> int:
    """Work out what ClusterSpec.gpu_count caches."""
    return sum(node.gpus_per_node for node in cluster.nodes)


_NODE_STARTS: IdentityMemo[tuple[int, ...] | None] = IdentityMemo(256)


def node_starts(cluster: ClusterSpec) -> tuple[int, ...] | None:
    """Each node's first global rank (ClusterSpec.rank_node); None where every node holds
    the same number of GPUs (rank // that, with no table: a preset of 512 nodes). Cached by
    the cluster's identity."""
    return _NODE_STARTS.get(cluster, (), _node_starts, cluster)


def _node_starts(cluster: ClusterSpec) -> tuple[int, ...] | None:
    """Work out what node_starts caches."""
    counts = [node.gpus_per_node for node in cluster.nodes]
    if len(set(counts)) == 1:
        return None
    return tuple(accumulate(counts[:-1], initial=0))


def gpus_label(cluster: ClusterSpec, gpus: int) -> str:
    """The GPUs a layout of `gpus` ranks runs on, as every surface names them (the plan's
    headline, `Plan.gpus_label`): '16x NVIDIA GeForce RTX 3090' where they are of one model,
    else each model with its count, in node order: '8x NVIDIA GeForce RTX 3090 + 8x NVIDIA
    GeForce RTX 4090'. The ranks fill the nodes in order (ClusterSpec.rank_node), so the first
    `gpus` GPUs are the ones used (on several models, a layout larger than the cluster, which
    the plan refuses, is named by the cluster's GPUs). Node 0's model alone named them all."""
    counts: dict[str, int] = {}
    left = gpus
    for node in cluster.nodes:
        if left <= 0:
            break
        counts[node.gpu.name] = counts.get(node.gpu.name, 0) + min(left, node.gpus_per_node)
        left -= node.gpus_per_node
    if len(counts) < 2:  # one model: `gpus` of it, as the headline always read
        return f"{gpus}x {cluster.nodes[0].gpu.name}"
    return " + ".join(f"{count}x {name}" for name, count in counts.items())


def with_link(cluster: ClusterSpec, kind: LinkKind) -> ClusterSpec:
    """The cluster with every node's intra-node link set to `kind` (a --link override);
    HardwareError when a node's GPU cannot have it (NVLink on a card without any)."""
    for node in cluster.nodes:
        link_spec(node.gpu, kind)
    nodes = tuple(n.model_copy(update={"intra_node_link": kind}) for n in cluster.nodes)
    return cluster.model_copy(update={"nodes": nodes})


def with_pcie_slot(cluster: ClusterSpec, generation: int | None, lanes: int | None,
                   source: str = "given") -> ClusterSpec:
    """The cluster with every node's PCIe slot at the `generation` and `lanes` given (--pcie-gen,
    --pcie-lanes, the Hardware page's fields), each in place of what an audit read (the other
    kept); unchanged when neither is given. HardwareError in one line for a generation or
    width no PCIe link has (pcie_slot_problem)."""
    problem = pcie_slot_problem(generation, lanes)
    if problem:
        raise HardwareError(problem)
    if generation is None and lanes is None:
        return cluster
    nodes = []
    for node in cluster.nodes:
        read = node.pcie_slot
        kept = read is not None and (generation is None and read.generation is not None
                                     or lanes is None and read.lanes is not None)
        given, other = ("generation", "lanes") if generation else ("lanes", "generation")
        slot = PcieSlot(generation=generation or (read.generation if read else None),
                        lanes=lanes or (read.lanes if read else None),
                        source=f"{given} {source}, {other} {read.source}" if kept else source)
        nodes.append(node.model_copy(update={"pcie_slot": slot}))
    return cluster.model_copy(update={"nodes": tuple(nodes)})


def preset_cluster(
    gpu_key: str,
    gpus_per_node: int,
    nodes: int = 1,
    intra_node_link: LinkKind | None = None,
    network: NetworkSpec | None = None,
    memory_total_bytes: int | None = None,
    wsl2: bool = False,
) -> ClusterSpec:
    """`nodes` identical nodes of `gpus_per_node` preset GPUs.

    The intra-node link defaults to the preset's (NVLink only for NVSwitch parts); asking
    for NVLink on a GPU without any is an error. `memory_total_bytes`: the preset's model with
    another CUDA total (a custom card that names its model: vLLM's batch defaults, formats
    and link follow the model, the budget the memory given). `wsl2`: the GPUs run under
    Windows WSL2, so their total is nvidia-smi's (with_wsl2); a memory_total_bytes given wins
    (it is what CUDA reports there) and `wsl2` then changes nothing.
    """
    gpu = gpu_preset(gpu_key)
    if memory_total_bytes is not None:
        if not 0 < memory_total_bytes < MAX_MEMORY_TOTAL_BYTES:
            raise HardwareError(f"GPU memory must be between 1 byte and 1 TiB, got "
                                f"{memory_total_bytes} bytes")
        gpu = with_memory_total(gpu, memory_total_bytes, "given")
    elif wsl2:
        gpu = with_wsl2(gpu)
    if not 1 <= gpus_per_node <= MAX_GPUS_PER_NODE:
        raise HardwareError(f"gpus_per_node must be 1..{MAX_GPUS_PER_NODE}, got {gpus_per_node}")
    if nodes < 1:
        raise HardwareError(f"nodes must be >= 1, got {nodes}")
    if gpu.one_per_machine and gpus_per_node > 1:
        gpus = gpus_per_node * nodes
        raise OnePerMachineError(f"a {gpu.one_per_machine} holds one {gpu.name}: {gpus} of "
                                 f"them are {gpus} nodes of one GPU each, not {nodes} of "
                                 f"{gpus_per_node}", gpus)
    link = intra_node_link or gpu.default_intra_node_link
    if link == "nvlink" and gpu.nvlink_bandwidth_gbps is None:
        raise HardwareError(no_nvlink(gpu))
    node_specs = tuple(
        NodeSpec(hostname=f"node{i}", gpu=gpu, gpus_per_node=gpus_per_node, intra_node_link=link)
        for i in range(nodes)
    )
    # a total given in place of the preset's is named with it ("at 20.00 GiB (given)"):
    # the source heads a sweep and a report, where "preset: 2x ..." alone reads as the
    # preset's own memory
    layout = f"{gpus_per_node}x {gpu.name}" + (
        f" at {gpu.memory_label}" if memory_total_bytes is not None or wsl2 else "")
    return ClusterSpec(
        nodes=node_specs,
        network=network,
        source=f"preset: {layout}" if nodes == 1 else f"preset: {nodes} nodes x {layout}",
    )
