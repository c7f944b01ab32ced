"""Time of one tensor-parallel all-reduce per message size over a PCIe link, from the two
libraries vLLM runs it with: its own custom all-reduce where vLLM picks it, otherwise NCCL, costed
with NCCL's own tuning model. Every constant is read from their source (cited below).

vLLM's custom all-reduce (vllm/distributed/device_communicators/custom_all_reduce.py, v0.33):
it is enabled only when every rank can P2P and the group is two GPUs or fully NVLink-connected
("Custom allreduce is disabled because it's not supported on more than two PCIe-only GPUs"), and
`should_custom_ar` takes a message only while `inp_size < self.max_size`, max_size = 8192 x 1024
B (8 MiB; larger per-GPU limits apply only to symmetric-memory Hopper/Blackwell). With two GPUs
its kernel is one-shot (csrc/custom_all_reduce.cuh: `if (world_size_ == 2)
cross_device_reduce_1stage`): each rank reads its peer's whole buffer over the link between a
start and an end barrier, i.e. 2 flag hops + bytes / link rate.

NCCL otherwise (src/graph/tuning.cc, commit b6475625): a ring all-reduce of protocol p over n
ranks of one node costs  baseLat[p] + 2 (n - 1) x hwLat[link][p]  us  +  bytes / algBw,  with
algBw = busBw x n / (2 (n - 1)), busBw = the ring's channel bandwidth (Simple) and a quarter of
it for LL (`busBw * 1.0/4.0`); NCCL runs the protocol its model finds fastest. LL128 is enabled
only on NVLink (`graphs[a]->typeIntra <= PATH_NVB`) and Tree never beats Ring within one node
(the same 2 (n - 1) hops, busBw x 0.92 x 1/2 against Ring's x n / (2 (n - 1)) >= 1/2), so a PCIe
all-reduce is Ring LL or Ring Simple. The link's hwLat row is "PCI" for every path that is not
NVLink (`typeIntra == LINK_NVL ? NCCL_HW_NVLINK : NCCL_HW_PCI`): P2P and SHM (through host) alike.

busBw: the ring's channels cannot carry more than the path's slowest link, which NCCL's
topology rates at width x speed / 80 GB/s (hardware.NCCL_PCI_X16_GBPS: 12 x 2^(gen - 3) GB/s for
x16), and that bound is taken as reached with P2P (unverified: NCCL's search, src/graph/search.cc,
picks per-channel speeds from a fixed list, speedArrayIntra { 40, 30, 20, 18, 15, 12, ... },
so two 12 GB/s channels fill PCIe 4.0's 24). Without P2P the bytes go through pinned
host memory (NCCL's SHM transport: the sender's GPU writes them to host memory over its PCIe
link, the receiver's GPU reads them over its own: two PCIe copies per hop); what that path
carries is the measured host-staged rate (hardware.HOST_STAGED_FRACTION), not the link's. The
step latency doubles: NCCL's SHM transport (src/transport/shm.cc) puts the receiver's buffers and
`tail` flag in host shared memory (`send->conn.buffs[p] = resources->devRemHostMem->buff`,
`recv->conn.buffs[p] = resources->devHostMem->buff`), so every ring step is two PCIe transfers in
turn (sender GPU to host, host to receiver GPU) where P2P is one: 2 x hwLat per step.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.serving.hardware import LinkSpec

NCCL_RING_BASE_LAT_US = {"LL": 6.6, "Simple": 8.4}
"""NCCL tuning.cc baseLat, Ring row { LL 6.6, LL128 14.0, Simple 8.4 } us."""
NCCL_PCI_RING_HW_LAT_US = {"LL": 1.0, "Simple": 5.7}
"""NCCL tuning.cc hwLat[NCCL_HW_PCI], Ring row { LL 1.0, LL128 2.5, Simple 5.7 } us per step."""
NCCL_LL_BW_SHARE = 0.25
"""NCCL tuning.cc: Ring LL carries a quarter of the bus bandwidth for an all-reduce (LL packs
8 bytes of data with 8 bytes of flags and its all-reduce busBw is x 1/4)."""
SHM_COPIES_PER_STEP = 2
"""Without P2P each ring step crosses PCIe twice (GPU -> pinned host memory -> GPU)."""
CUSTOM_AR_MAX_BYTES = 8192 * 1024
"""vLLM CustomAllreduce(max_size=8192 * 1024): larger messages go to NCCL."""
CUSTOM_AR_BARRIERS = 2
"""One-shot kernel: a barrier at its start and at its end, one flag crossing of the link each,
charged at NCCL's own cost of one PCIe LL step (hwLat PCI Ring LL, 1.0 us)."""


@dataclass(frozen=True)
class AllReduce:
    """One all-reduce: seconds and the formula that gave them, in the model's numbers."""

    seconds: float
    formula: str


def custom_allreduce_used(link: LinkSpec, n: int, nbytes: float) -> bool:
    """Whether vLLM runs this all-reduce with its custom kernel (see the module docstring)."""
    return (link.kind == "nvlink" or (link.p2p and n == 2)) and nbytes < CUSTOM_AR_MAX_BYTES


def pcie_allreduce(link: LinkSpec, n: int, nbytes: float) -> AllReduce:
    """All-reduce of `nbytes` over `n` GPUs on a PCIe link (with or without P2P, or across
    sockets): vLLM's one-shot custom kernel where vLLM uses it, else NCCL's faster of Ring LL
    and Ring Simple per NCCL's tuning model."""
    bus = link.nccl_bus_gbps * 1e9
    if custom_allreduce_used(link, n, nbytes):
        lat = CUSTOM_AR_BARRIERS * NCCL_PCI_RING_HW_LAT_US["LL"]
        return AllReduce(lat * 1e-6 + nbytes / bus,
                         f"vLLM one-shot custom all-reduce: {CUSTOM_AR_BARRIERS} barriers x "
                         f"{NCCL_PCI_RING_HW_LAT_US['LL']:g} us + {nbytes:,.0f} B / "
                         f"{link.nccl_bus_gbps:.2f} GB/s")
    copies = 1 if link.p2p else SHM_COPIES_PER_STEP
    via = "" if link.p2p else f"{copies} copies x "
    best = None
    for proto in ("LL", "Simple"):
        hw_us = NCCL_PCI_RING_HW_LAT_US[proto]
        lat_us = NCCL_RING_BASE_LAT_US[proto] + 2 * (n - 1) * copies * hw_us
        share = NCCL_LL_BW_SHARE if proto == "LL" else 1.0
        alg = link.nccl_bus_gbps * share * n / (2 * (n - 1))
        seconds = lat_us * 1e-6 + nbytes / (alg * 1e9)
        if best is None or seconds < best.seconds:
            best = AllReduce(seconds, (
                f"NCCL Ring {proto}: {NCCL_RING_BASE_LAT_US[proto]:g} + 2 x {n - 1} x {via}"
                f"{hw_us:g} us + {nbytes:,.0f} B / "
                f"({link.nccl_bus_gbps:.2f} GB/s{' x 1/4' if proto == 'LL' else ''} x "
                f"{n}/{2 * (n - 1)})"))
    return best
