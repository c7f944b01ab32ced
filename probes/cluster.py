"""Turn recorded hardware snapshots into the planner's ClusterSpec (one node per snapshot)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from planner.serving.hardware import (
    MAX_MEMORY_TOTAL_BYTES,
    PCIE_LANES,
    PCIE_X16_GBPS,
    SNAPSHOTS_SOURCE,
    ClusterSpec,
    GpuSpec,
    HardwareError,
    NetworkSpec,
    NodeSpec,
    PcieSlot,
    link_from_topology,
    match_gpu_name,
    near_gpu_hint,
    pcie_rate,
    unified_preset,
)
from planner.units import GIB, gib_text
from probes.nvml import MIG_NOTE, GpuInfo, compact_ranges
from probes.snapshot import HardwareSnapshot, SnapshotError, first_error, shown_uuid


def _gpu_spec(snap: HardwareSnapshot, gpu: GpuInfo) -> GpuSpec:
    """The planner's GpuSpec for one audited GPU (preset by NVML name, else measured); a
    unified-memory part (GB10), whose memory NVML does not report, is its preset's."""
    unified = None if gpu.name is None else unified_preset(gpu.name)
    if unified is not None:
        return unified
    if gpu.name is None or gpu.usable_total_bytes is None:
        raise SnapshotError(f"{snap.hostname}: GPU{gpu.index} has no name or memory total "
                            "in the snapshot, so it cannot be planned for")
    if gpu.usable_total_bytes >= MAX_MEMORY_TOTAL_BYTES:
        # the hardware model's refusal gives the usable total, a figure the file does not hold
        reserved = gpu.memory_reserved_bytes or 0
        raise SnapshotError(f"{snap.hostname}: GPU{gpu.index}: memory_total_bytes "
                            f"{gpu.memory_total_bytes:,} less memory_reserved_bytes {reserved:,} "
                            f"is {gpu.usable_total_bytes:,} B, not a GPU's memory (under 1 TiB): "
                            "the snapshot is corrupt; take it again with python -m probes --json")
    try:
        return match_gpu_name(gpu.name, gpu.usable_total_bytes, gpu.compute_capability)
    except HardwareError as exc:  # e.g. a memory total no GPU has
        raise SnapshotError(f"{snap.hostname}: GPU{gpu.index}: {exc}") from None


def _link(snap: HardwareSnapshot, gpu: GpuSpec):
    """The node's link kind from its topology matrix (every GPU pair's cell); without a
    matrix, NVLink when any GPU has an active NVLink, else the GPU's default PCIe link."""
    topology = snap.topology
    if topology is not None and len(topology.gpu_indices) > 1:
        return link_from_topology([topology.cell(i, j) for i, j in topology.pairs()], gpu)
    if len(snap.gpus) > 1 and all(g.active_nvlinks for g in snap.gpus):
        return "nvlink"
    return "pcie" if gpu.default_intra_node_link == "nvlink" else gpu.default_intra_node_link


def _slot(snap: HardwareSnapshot, gpu: GpuSpec) -> PcieSlot | None:
    """The PCIe link of the node's slowest GPU (a collective waits for it), each compared at
    pcie_rate as the `gpu` planned, from NVML's max link generation and width: the most the
    device and the system allow (nvmlDeviceGetMaxPcieLinkGeneration / ...Width: "for a device
    with a 16x PCIe bus width attached to a 8x PCIe system bus this function will report a max
    link width of 8"), where the current ones drop at idle (the recorded RTX 3090s idle at Gen1
    of Gen4). Behind a PCIe switch it is the link to the switch. None where no GPU reports
    either; a figure no PCIe link has is left to the card. Read on nodes of several GPUs only
    (snapshot_to_node): one GPU has no link to another."""
    slots = [PcieSlot(
        generation=g.pcie_generation_max if g.pcie_generation_max in PCIE_X16_GBPS else None,
        lanes=g.pcie_width_max if g.pcie_width_max in PCIE_LANES else None,
        source=f"audit of {snap.hostname}: GPU{g.index} at most Gen{g.pcie_generation_max} "
               f"x{g.pcie_width_max} (NVML max link)") for g in snap.gpus]
    slots = [s for s in slots if s.generation is not None or s.lanes is not None]
    return min(slots, key=lambda s: pcie_rate(gpu, s).gbps, default=None)


def _planned_used(used_bytes: int, gpu: GpuSpec, planned: GpuSpec) -> int:
    """Memory in use on `gpu` as the same share of the `planned` GPU's total (rounded up),
    on a node planned as that many of its smallest GPU.

    vLLM's start-up check is per GPU: free memory >= that GPU's own total x
    gpu_memory_utilization (v1/worker/utils.py request_memory), i.e. used <= total x (1 -
    utilization), so the share in use decides it. Carried over as bytes, 2 GiB in use on an
    A100 80GB beside RTX 3090s (23.57 GiB) failed the check vLLM passes, and more than the
    3090's total refused the node."""
    if gpu.memory_total_bytes == planned.memory_total_bytes:
        return used_bytes
    return -(-used_bytes * planned.memory_total_bytes // gpu.memory_total_bytes)


def _host_held(snap: HardwareSnapshot, gpu: GpuSpec) -> tuple[list[int], str]:
    """On a unified-memory GPU (GB10), whose used memory NVML does not report, the memory the
    host held at the audit: total - the host's available RAM, on each GPU, and a note.

    vLLM reads the host's available RAM (psutil) as such a GPU's free memory (from 0.11.1 on
    compute capability 12.1: utils/mem_utils.py MemorySnapshot.measure) and refuses to start
    below requested_memory free, so the plan's start-up check needs what the host holds."""
    held = max(0, gpu.memory_total_bytes - snap.host.ram_available_bytes)
    note = (f"{snap.hostname}: {gpu.name} shares the host's RAM; "
            f"{gib_text(snap.host.ram_available_bytes)} was available at the audit, so "
            f"{gib_text(held)} of its {gib_text(gpu.memory_total_bytes)} is taken "
            "as held by other processes")
    return [held] * len(snap.gpus), note


def _capability_notes(snap: HardwareSnapshot, specs: list[GpuSpec]) -> list[str]:
    """A note for the GPUs matched to a preset by name whose audited compute capability is not
    the preset row's (an RTX 3090 read as 9.0): the preset's is planned (its native formats,
    vLLM's refusals by capability), and the note says both, where it was silently dropped."""
    differing: dict[tuple[str, str, str], list[int]] = {}
    for gpu, spec in zip(snap.gpus, specs, strict=True):
        read = gpu.compute_capability
        if spec.source != "custom" and read is not None and read != spec.compute_capability:
            differing.setdefault((spec.key, spec.compute_capability, read), []).append(gpu.index)
    return [f"{snap.hostname}: GPU{compact_ranges(indices)} read compute capability {read} "
            f"in the snapshot, where the {key} preset, matched by name, has {preset}: planned "
            f"with the preset's {preset} (its native formats and vLLM's refusals); a GPU of "
            f"{read} is another model than the preset's, or the snapshot was edited"
            for (key, preset, read), indices in differing.items()]


def snapshot_to_node(snap: HardwareSnapshot) -> tuple[NodeSpec, list[str]]:
    """One NodeSpec for a snapshot, plus notes on anything the planner simplifies.

    A node with several GPU models is planned as that many of its smallest GPU (by CUDA
    total): each vLLM worker budgets its KV cache on its own GPU's total and every rank takes
    the fewest blocks of all (plan.terms._binding_note), so budgets on the smallest total are at
    most vLLM's, never more. Its speed is timed at that GPU's rates, which the note says where
    another GPU of the node has less memory bandwidth (a TP step waits for its slowest
    member). vLLM itself warns on such a node: "Detected different devices in the system:
    ... Please make sure to set `CUDA_DEVICE_ORDER=PCI_BUS_ID` to avoid unexpected behavior."
    (platforms/cuda.py NvmlCudaPlatform.log_warnings, 0.19.0 and 0.33.0 wheels): its workers
    take cuda:<local rank> in CUDA's order, fastest first by default, while NVML, which the
    audit and vLLM's memory and name queries read, numbers GPUs by PCI bus.
    """
    if not snap.gpus:
        reason = snap.gpu_unavailable_reason or "NVML listed no GPU"
        raise SnapshotError(f"{snap.hostname}: the snapshot has no GPUs ({reason})")
    specs = [_gpu_spec(snap, g) for g in snap.gpus]
    smallest = min(specs, key=lambda s: s.memory_total_bytes)
    notes = []
    if len({s.name for s in specs}) > 1:
        slowest = min(specs, key=lambda s: s.memory_bandwidth_gbps)
        slower = (f"; speed is timed at its rates, though {slowest.name} reads memory at "
                  f"{slowest.memory_bandwidth_gbps:,.0f} GB/s to its "
                  f"{smallest.memory_bandwidth_gbps:,.0f}, and a step waits for its slowest GPU"
                  if 0 < slowest.memory_bandwidth_gbps < smallest.memory_bandwidth_gbps else "")
        notes.append(f"{snap.hostname} mixes {', '.join(sorted({s.name for s in specs}))}; "
                     f"planned as {len(specs)}x {smallest.name}{slower}; vLLM asks for "
                     "CUDA_DEVICE_ORDER=PCI_BUS_ID on such a node")
    if smallest.source == "custom":  # no preset: what is planned, as --gpu-name's note says
        hint = near_gpu_hint(smallest.name)
        capability = (f"compute capability {smallest.compute_capability or 'unknown'} "
                      f"(native formats: {', '.join(smallest.native_weight_formats)})")
        notes.append(f"{snap.hostname}: no preset for {smallest.name!r}{hint}: planned as a GPU "
                     f"of unknown model at its audited total "
                     f"({gib_text(smallest.memory_total_bytes)}) and {capability}; no "
                     "preset's memory bandwidth or TFLOP/s, so no speed figures")
    notes += _capability_notes(snap, specs)
    if mig := [g for g in snap.gpus if g.mig_enabled]:
        instance = f"{mig[0].name or 'GPU'} MIG <profile>"  # as nvidia-smi -L names it
        notes.append(f"{snap.hostname}: MIG is enabled on GPU"
                     f"{compact_ranges([g.index for g in mig])}, planned as whole GPUs of "
                     f"{gib_text(smallest.memory_total_bytes)}, though {MIG_NOTE}: disable "
                     f"MIG, or plan one instance with --gpu-memory-gib X --gpu-name "
                     f"'{instance}' (its parent's compute capability and formats)")
    used = [_planned_used(g.memory_used_bytes or 0, s, smallest)
            for g, s in zip(snap.gpus, specs, strict=True)]
    # a GPU whose share moves its figure at two-decimal GiB (a desktop's 1 MiB is no news)
    shares = [f"GPU{g.index} {gib_text(was)} of {gib_text(s.memory_total_bytes)} -> "
              f"{gib_text(now)}" for g, s, now in zip(snap.gpus, specs, used, strict=True)
              if round((was := g.memory_used_bytes or 0) / GIB, 2) != round(now / GIB, 2)]
    if shares:
        notes.append(f"{snap.hostname}: memory in use on its larger GPUs is planned as the same "
                     f"share of the {gib_text(smallest.memory_total_bytes)} planned, as "
                     "vLLM checks each GPU's free memory against its own total x "
                     f"gpu_memory_utilization: {'; '.join(shares)}")
    if smallest.unified_memory and all(g.memory_used_bytes is None for g in snap.gpus):
        used, note = _host_held(snap, smallest)
        notes.append(note)
    topology = snap.topology
    slot = _slot(snap, smallest) if len(snap.gpus) > 1 else None  # no link to plan
    rate = pcie_rate(smallest, slot)
    if rate.source:  # the slot is narrower or older than the card
        notes.append(f"{rate.source}: the node's PCIe links are planned at PCIe "
                     f"{rate.generation}.0 x{rate.lanes}, {rate.gbps:.2f} GB/s per direction")
    try:
        node = NodeSpec(
            hostname=snap.hostname,
            gpu=smallest,
            gpus_per_node=len(snap.gpus),
            intra_node_link=_link(snap, smallest),
            pcie_topology=topology.worst_pcie_level() if topology else None,
            pcie_slot=slot,
            memory_used_bytes=tuple(used),
        )
    except ValidationError as exc:  # e.g. memory used > the smallest GPU's total
        raise SnapshotError(f"{snap.hostname}: cannot plan for this node "
                            f"({first_error(exc)})") from None
    return node, notes


def _gpu_uuids(snap: HardwareSnapshot) -> frozenset[str] | None:
    """The snapshot's GPU UUIDs (NVML's, unique to each GPU), None unless every GPU has one."""
    uuids = [g.uuid for g in snap.gpus]
    return frozenset(uuids) if uuids and all(uuids) else None


def same_machine(a: HardwareSnapshot, b: HardwareSnapshot) -> bool:
    """Whether two snapshots describe one machine: the same hostname and, where both list
    their GPUs' UUIDs, the same ones (two machines may share a default hostname, never a
    GPU). A copy with another hostname is taken as another node, as its author meant."""
    if a.hostname != b.hostname:
        return False
    uuids_a, uuids_b = _gpu_uuids(a), _gpu_uuids(b)
    return uuids_a is None or uuids_b is None or uuids_a == uuids_b


def repeated_machine(earlier: Iterable[tuple[str, HardwareSnapshot]], name: str,
                     snap: HardwareSnapshot) -> str | None:
    """Why snapshot `name` cannot join the `earlier` (name, snapshot) pairs, or None: one
    snapshot is one node, so a machine given twice would be planned as two nodes, and a GPU
    UUID in two of them (NVML gives every GPU its own) would plan one GPU on two nodes. A
    copy given another hostname (every GPU UUID of the other file, no more) is taken as
    another node of that kind, as its author meant; a partial overlap is an edited file."""
    mine = _gpu_uuids(snap)
    for first, other in earlier:
        theirs_all = _gpu_uuids(other)
        if same_machine(other, snap):
            uuids = mine if theirs_all else None
            files = (f"{name} is given twice" if first == name else
                     f"{first} and {name} describe the same machine (hostname "
                     f"{snap.hostname}" + (f", the same {len(uuids)} GPU UUIDs)" if uuids
                                           else ")"))
            return (f"{files}: each snapshot is one node, so that machine would be planned as "
                    "two; give each machine's snapshot once.")
        if theirs_all is not None and theirs_all == mine:
            continue  # a copy given another hostname: another node of that kind
        theirs = {g.uuid: g.index for g in other.gpus if g.uuid}
        for gpu in snap.gpus:
            if gpu.uuid in theirs:
                files = (f"two files named {name}" if first == name else
                         f"{first} and {name}")
                return (f"GPU UUID {shown_uuid(gpu.uuid)} is in {files}, GPU "
                        f"{theirs[gpu.uuid]} of {other.hostname} and GPU {gpu.index} of "
                        f"{snap.hostname}: NVML gives every GPU its own UUID, so one GPU would "
                        "be planned on two nodes (write each machine's snapshot with `python -m "
                        "probes --json` on it).")
    return None


def snapshots_to_cluster(snapshots: list[HardwareSnapshot]) -> ClusterSpec:
    """A ClusterSpec with one NodeSpec per snapshot; SnapshotError if one has no GPUs.

    Mixed GPU models across nodes are allowed: each node's ranks are sized on their own GPU
    (the fewest KV blocks of all ranks bind, as in vLLM), batch defaults and kernels on node
    0's (ClusterSpec.sizing_node), which the ClusterSpec's `source` says.
    """
    return cluster_and_notes(snapshots)[0]


def cluster_and_notes(snapshots: list[HardwareSnapshot]) -> tuple[ClusterSpec, list[str]]:
    """snapshots_to_cluster's ClusterSpec and, apart, the notes its `source` ends with (GPU
    models mixed in a node, planned as the smallest, or across nodes), for a command line to
    print where it does not print the source."""
    if not snapshots:
        raise SnapshotError("no snapshots given")
    nodes, notes = [], []
    for snap in snapshots:
        node, node_notes = snapshot_to_node(snap)
        nodes.append(node)
        notes += node_notes
    names = sorted({n.gpu.name for n in nodes})
    if len(names) > 1:
        notes.append(f"mixed GPU models across nodes ({', '.join(names)}); each node's ranks "
                     "are sized on their own GPU's total and every rank takes the fewest KV "
                     "blocks of all ranks, as vLLM does; batch defaults and kernels are "
                     f"planned for node 0's GPU, as vLLM reads them there: {nodes[0].gpu.name} "
                     f"({nodes[0].hostname})")
    source = SNAPSHOTS_SOURCE + ", ".join(s.hostname for s in snapshots)
    return ClusterSpec(nodes=tuple(nodes), network=snapshots_network(snapshots),
                       source="; ".join([source, *notes])), notes


def snapshots_network(snapshots: list[HardwareSnapshot]) -> NetworkSpec | None:
    """The network between the nodes from the NICs their audits read (HostInfo.nics): each
    node's fastest ports of its RDMA ports (InfiniBand or RoCE), else of its Ethernet ports
    (a 1 GbE management port beside two 100 GbE ones is left out); the node with the least
    of it binds. None unless every snapshot has one (older snapshots, no /sys): the GPU's
    DGX network then applies (planner.serving.hardware.network_link)."""
    found: list[NetworkSpec] = []
    for snap in snapshots:
        nics = [n for n in snap.host.nics or [] if n.gbits <= 10_000]  # NetworkSpec's bound
        ports = [n for n in nics if n.kind == "infiniband"] or nics
        if not ports:
            return None
        fastest = max(n.gbits for n in ports)
        count = min(sum(n.gbits == fastest for n in ports), 64)
        found.append(NetworkSpec(nics_per_node=count, nic_gbits=fastest,
                                 source=f"audit of {snap.hostname}"))
    return min(found, key=lambda n: n.nics_per_node * n.nic_gbits)
