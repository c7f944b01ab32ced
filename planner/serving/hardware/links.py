"""Link physics: how fast GPUs exchange collective traffic inside a node (NVLink, PCIe with or
without peer-to-peer, across sockets) and between nodes (the network), with NCCL's step and
start-up latencies; the link kind read from `nvidia-smi topo -m`."""

from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from planner.serving.hardware.spec import GpuSpec, HardwareError, LinkKind, NetworkSpec, PcieSlot
from planner.text import counted, shortened

PCIE_LANES = (1, 2, 4, 8, 16)
"""Link widths a GPU trains at (--pcie-lanes takes these)."""


def pcie_slot_problem(generation: int | None = None, lanes: int | None = None) -> str | None:
    """Why a PCIe generation or lane count given (--pcie-gen, --pcie-lanes, the Hardware
    page's fields, a link's parameters) cannot be planned, in one line; None when both can
    (or are not given)."""
    if generation is not None and generation not in PCIE_X16_GBPS:
        return f"PCIe generation {shortened(str(generation))} is not one of 1..6"
    if lanes is not None and lanes not in PCIE_LANES:
        return (f"PCIe lanes {shortened(str(lanes))} is not a link width GPUs train at "
                f"({', '.join(map(str, PCIE_LANES))})")
    return None


class LinkSpec(BaseModel):
    """One GPU-to-GPU link as the speed model (and NCCL buffer sizing) sees it."""

    model_config = ConfigDict(frozen=True)

    kind: LinkKind | Literal["network"]
    """"network": between nodes (network_link), never a node's --link."""
    bandwidth_gbps: float = Field(gt=0)
    """Per GPU, per direction, GB/s (10**9): what a ring all-reduce's bus bandwidth is bound by."""
    latency_us: float = Field(gt=0)
    """One hop (ring step) of a collective: synchronisation + wire, microseconds."""
    startup_us: float = Field(default=0.0, ge=0)
    """Fixed part of one NCCL collective on this link (launch, set-up), microseconds: an
    NCCL operation costs startup_us + steps x latency_us (NCCL's own baseLat + nsteps x hwLat
    form, src/graph/tuning.cc). 0 on NVLink, whose collectives run vLLM's kernels or carry
    their measured start-up (speed.collectives.NVLINK_ALLREDUCE)."""
    p2p: bool
    """Whether GPUs DMA straight into each other's memory (NVLink, PCIe P2P)."""
    pcie_generation: int | None = None
    """The PCIe generation the link runs at (pcie_rate); None on NVLink and the network."""
    pcie_lanes: int | None = None
    """The PCIe lanes it runs on (pcie_rate); None on NVLink and the network."""
    formula: str
    source: str
    timing_basis: str
    """Where latency_us and startup_us come from, as the speed terms mark them (the timing
    part of `source` says how): "measured" on PCIe (nccl-tests on GeForce cards, the NOTE on
    PCIE_NCCL_STEP_US), "estimated, unverified" on NVLink, "NCCL's tuning constant,
    unverified" on the network (NCCL_NET_STEP_US)."""


# NOTE: PCIe x16 rates per direction, from the PCI-SIG base specifications: 3.0 runs
# 8 GT/s, 4.0 16 GT/s, 5.0 32 GT/s per lane with 128b/130b encoding, so x16 carries
# 8 x 16 x 128/130 / 8 = 15.75 GB/s (3.0), 31.5 GB/s (4.0), 63.0 GB/s (5.0) per direction;
# 1.0 and 2.0 run 2.5 and 5 GT/s with 8b/10b encoding: x16 2.5 x 16 x 8/10 / 8 = 4.0 GB/s and
# 8.0 GB/s (the PCI-SIG rates as Wikipedia's "PCI Express" comparison table gives them, 0.250
# and 0.500 GB/s per lane). 6.0 runs 64 GT/s (PAM4) in FLIT mode, no 128b/130b: each 256-byte
# flit carries 236 bytes of TLP, 6 of data-link payload, 8 of CRC and 6 of FEC
# (glennklockwood.com/garden/PCIe-Gen6, citing PCI-SIG's PCI Express 6.0 specification page;
# the specification itself was not read: unverified), so x16 = 64 x 16 / 8 = 128 GB/s raw and
# 128 x 242/256 = 121.0 GB/s per direction with CRC and FEC taken off as 3.0-5.0's encoding is
# (236/256, TLP bytes only, would give 118; 3.0-5.0 count their DLLPs as data too). The b300
# and gb200 presets are PCIe 6.0 cards (their NVLink is the default link; --link pcie,
# pcie-no-p2p or cross-socket plans them at this rate); on an older card a 6.0 slot plans at
# the card's generation. A link of fewer lanes carries its share: lanes / 16 of it, e.g.
# PCIe 4.0 x8 = 8 x 16 GT/s x 128/130 / 8 = 15.75 GB/s (pcie_rate).
PCIE_X16_GBPS: dict[int, float] = {
    gen: rate * 16 * data_bits / line_bits / 8 for gen, rate, data_bits, line_bits in (
        (1, 2.5, 8, 10), (2, 5.0, 8, 10), (3, 8.0, 128, 130), (4, 16.0, 128, 130),
        (5, 32.0, 128, 130), (6, 64.0, 242, 256))
}
# NOTE: PCIe collective latencies are MEASURED (nccl-tests all_reduce_perf, 8 B - 4 KB,
# outside CUDA graphs, so a kernel launch included), GeForce cards without P2P:
#   2 GPUs (2 ring steps): 11.6-12.9 us, 2x RTX 2080 Ti, PCIe 3.0, P2P not supported
#     (Anthony-Hoo/Anthony-Hoo.github.io posts/AutoDL_Multi-GPU_Interconnection_Test.md);
#     alltoall on 2x RTX 4090 with P2P disabled 11.3-11.9 us (tinygrad/open-gpu-kernel-modules#17);
#   8 GPUs (14 ring steps): 42.1 us on 8 RTX 4090 (NVIDIA/nccl#1530), 54.2 us on 8 RTX 3090
#     (NVIDIA/nccl#1439), both on stock GeForce drivers, which give no P2P (the transport is
#     not printed).
# The line through 12 us at 2 steps and their mean 48.2 us at 14 steps: PCIE_NCCL_STEP_US =
# 3.0 us per ring step + PCIE_NCCL_STARTUP_US = 6.0 us per collective (NCCL's own cost form,
# baseLat + nsteps x hwLat, src/graph/tuning.cc; its tuning constants, 6.6 us + 1.0 us per PCIe
# LL step, pick algorithms and are lower than these measurements). With P2P the same line
# holds within a launch: 4 V100 over PCIe P2P in a CUDA graph (no launch), 19.4 us at 4 KB over
# 6 steps (haohervchb/sglang-V100#2) against 6 + 6 x 3 = 24 us. The same step applies to
# vLLM's one-shot kernel between two P2P GPUs (two barriers: 6 us; a one-shot push kernel on
# V100 takes 4.0 us, the same source). Across host bridges and sockets (NODE/SYS) the same
# measured step holds: the 8-GPU rings behind the line leave one host bridge themselves (the 8
# RTX 3090 of NVIDIA/nccl#1439 sit at bus 0x04-0x09 and 0x83-0x88, two root complexes; the
# topology is not printed, so NODE or SYS is inferred from the bus IDs), and no measurement
# separates a socket hop at these message sizes. NVLink: 2 us per hop (an estimate) for NCCL's
# ring steps and pipeline sends; vLLM's custom kernel has its measured start-up
# (speed.collectives.NVLINK_AR_START_US), prefill-size messages the measured NVLINK_ALLREDUCE.
PCIE_NCCL_STEP_US = 3.0
PCIE_NCCL_STARTUP_US = 6.0
# Bandwidth without P2P is MEASURED, not derived: cuda-samples p2pBandwidthLatencyTest on
# 2x RTX 4090, PCIe 4.0, P2P disabled (tinygrad/open-gpu-kernel-modules#44): 6.34 GB/s
# unidirectional = 0.20 of the 31.5 GB/s x16 rate (the copy is staged through host memory).
# The same fraction is applied to every PCIe generation and across sockets (unverified). NCCL's
# own host-staged all-reduce measured 3.9-4.0 GB/s of bus bandwidth on two PCIe 3.0 x16 pairs
# (NVIDIA/nccl#384, one channel; the 2080 Ti pair above): 0.25 of 15.75 GB/s, where this
# fraction x the link efficiency 0.8 gives 0.16; no PCIe 4.0/5.0 measurement was found to say
# whether it scales with the generation (the staged copy above does not: 5.71 GB/s on the
# PCIe 3.0 pair, 6.34 on PCIe 4.0), so the copy-based figure stays. The fraction is of the x16
# rate of the link's generation, whatever its lanes: the staged copy runs at a fifth of an x16
# link, bound by the host (the same copy between RTX 5090s measures 42.7-43.9 GB/s on an EPYC
# Turin host, 0.68 of 63.0: aikitoria/open-gpu-kernel-modules README), not by the lanes, so a
# narrower link only caps it, as the copy crosses it (link_spec: min of the two; unverified,
# no staged copy on a narrower link was found).
HOST_STAGED_FRACTION = 6.34 / 31.5
_LINK_LATENCY_US: dict[str, float] = {
    "nvlink": 2.0, "pcie": PCIE_NCCL_STEP_US, "pcie-no-p2p": PCIE_NCCL_STEP_US,
    "cross-socket": PCIE_NCCL_STEP_US,
}


def no_nvlink(gpu: GpuSpec) -> str:
    """The refusal of an NVLink link on a GPU without NVLink, in the CLI's and the app's
    words alike (the --link flag, the Hardware page's link choice)."""
    return (f"{gpu.name} has no NVLink: its GPUs talk over PCIe (link pcie, or pcie-no-p2p "
            "without peer-to-peer)")


class PcieRate(NamedTuple):
    """The PCIe link two GPUs train at: the lower generation and the fewer lanes of the card
    and its slot, the rate per direction, and how it was found (pcie_rate)."""

    generation: int
    lanes: int
    gbps: float
    why: str
    """'' for the card's own x16; else ' (the card's own x8)' or the card and slot compared,
    for the formula."""
    source: str
    """The slot's source where the slot narrows the link (for LinkSpec.source), else ''."""

    @property
    def formula(self) -> str:
        """'PCIe 4.0 x8 = 15.75 GB/s per direction (the card's own PCIe 4.0 x8)'."""
        return (f"PCIe {self.generation}.0 x{self.lanes} = {self.gbps:.2f} GB/s per direction"
                f"{self.why}")


def pcie_rate(gpu: GpuSpec, slot: PcieSlot | None = None) -> PcieRate:
    """The PCIe rate per direction between GPUs of this model in `slot`: the lanes / 16 share of
    the x16 rate (PCIE_X16_GBPS) of min(card, slot) generation, at min(card, slot) lanes.

    E.g. an RTX 3090 (PCIe 4.0 x16) in a slot wired x8: 31.5 x 8 / 16 = 15.75 GB/s; an RTX 4060
    Ti (PCIe 4.0, x8 electrically) in a PCIe 3.0 x16 slot: 15.75 x 8 / 16 = 7.88 GB/s. A slot
    that differs from the card is named in the formula, one above it too (an RTX 3090 in a
    PCIe 5.0 slot, --pcie-gen 5, runs 4.0: the flag was dropped without a word).
    """
    card = f"PCIe {gpu.pcie_generation}.0 x{gpu.pcie_lanes}"
    gen = min(gpu.pcie_generation, slot.generation or 6) if slot else gpu.pcie_generation
    lanes = min(gpu.pcie_lanes, slot.lanes or 16) if slot else gpu.pcie_lanes
    gbps = PCIE_X16_GBPS[gen] * lanes / 16  # lanes / 16 is a power of two: exact at x16
    shown = slot and (f"PCIe {slot.generation or gpu.pcie_generation}.0 "
                      f"x{slot.lanes or gpu.pcie_lanes}")
    if slot and shown != card:  # a slot above the card too: the card caps it, said so
        return PcieRate(gen, lanes, gbps, f" (the card's {card} in a slot of {shown}, "
                        f"{slot.source}: the lower generation and the fewer lanes of the two)",
                        slot.source)
    return PcieRate(gen, lanes, gbps, "" if lanes == 16 else f" (the card's own {card})", "")


def link_spec(gpu: GpuSpec, kind: LinkKind, slot: PcieSlot | None = None) -> LinkSpec:
    """Bandwidth and latency of a link of `kind` between two GPUs of this model.

    NVLink: half the preset's bidirectional per-GPU NVLink figure (NVIDIA datasheets: A100
    600 GB/s, H100 900, B200 1800 GB/s total) per direction. PCIe: the rate of the card's
    generation and lanes, or of its `slot`'s where lower (pcie_rate). Without P2P or across
    sockets: HOST_STAGED_FRACTION of the x16 rate of its generation, at most its own rate.
    """
    pcie = pcie_rate(gpu, slot)
    latency = _LINK_LATENCY_US[kind]
    encoding = {6: "FLIT 242B/256B", 1: "8b/10b", 2: "8b/10b"}.get(pcie.generation, "128b/130b")
    slot_source = f"; slot: {pcie.source}" if pcie.source else ""
    if kind == "nvlink":
        if gpu.nvlink_bandwidth_gbps is None:
            raise HardwareError(no_nvlink(gpu))
        bw = gpu.nvlink_bandwidth_gbps / 2
        formula = f"{gpu.nvlink_bandwidth_gbps:g} GB/s NVLink (both directions) / 2"
        source = "NVLink per-GPU bandwidth from the GPU's datasheet (see its preset)"
    elif kind == "pcie":
        bw, formula = pcie.gbps, pcie.formula
        source = f"PCI-SIG base specification rates ({encoding} encoding){slot_source}"
    else:
        x16 = PCIE_X16_GBPS[pcie.generation]
        bw = min(x16 * HOST_STAGED_FRACTION, pcie.gbps)
        formula = (f"PCIe {pcie.generation}.0 x16 {x16:.2f} GB/s x {HOST_STAGED_FRACTION:.3f} "
                   "(staged through host memory; 6.34 of 31.5 GB/s measured on 2x RTX 4090)")
        source = "PCI-SIG rates x the host-staged fraction measured in "
        source += "tinygrad/open-gpu-kernel-modules#44"
        if pcie.lanes < 16:
            formula = (f"min({formula}, the PCIe {pcie.generation}.0 x{pcie.lanes} link's "
                       f"{pcie.gbps:.2f} GB/s) = {bw:.2f} GB/s")
            source += " (at x16, bound by the host: fewer lanes only cap it)"
        formula += pcie.why
        source += slot_source
    if kind == "nvlink":
        timing = f"; {latency:g} us per hop (an estimate)"
    elif kind == "cross-socket":
        timing = (f"; {PCIE_NCCL_STARTUP_US:g} us per NCCL collective + {latency:g} us per "
                  "step, measured on 8 GeForce cards whose rings cross host bridges "
                  "(NVIDIA/nccl#1439; NODE or SYS inferred from the bus IDs)")
    else:
        timing = (f"; {PCIE_NCCL_STARTUP_US:g} us per NCCL collective + {latency:g} us per "
                  "step, measured (nccl-tests on 2 and 8 GeForce cards, NVIDIA/nccl#1530, #1439)")
    on_pcie = kind != "nvlink"
    return LinkSpec(kind=kind, bandwidth_gbps=bw, latency_us=latency,
                    startup_us=PCIE_NCCL_STARTUP_US if on_pcie else 0.0,
                    p2p=kind in ("nvlink", "pcie"),
                    pcie_generation=pcie.generation if on_pcie else None,
                    pcie_lanes=pcie.lanes if on_pcie else None,
                    formula=formula, source=source + timing,
                    timing_basis="measured" if on_pcie else "estimated, unverified")


# NOTE: one NIC per GPU, as NVIDIA's DGX systems ship (docs.nvidia.com/dgx-basepod reference
# architecture, Core Components: DGX H100 and H200 "Four OSFP ports serving eight single-port
# NVIDIA ConnectX-7 VPI ... up to 400 Gb/s InfiniBand/Ethernet"; DGX B200 "4x OSFP ports serving
# 8x single-port NVIDIA ConnectX-7 VPI, Up to 400Gb/s InfiniBand/Ethernet"). B300: DGX B300 User
# Guide, eight ConnectX-8 at 800 Gb/s (read from the guide's rear-port figures as quoted by
# vengineer.hatenablog.com 2025-12-06: unverified). DGX Spark: one GB10 per machine, linked to
# other Sparks by its ConnectX-7 200 GbE adapter (the preset's interconnect). Any other GPU:
# NETWORK_DEFAULT_GBITS.
NETWORK_GBITS_PER_GPU: dict[str, tuple[float, str]] = {
    "h100-sxm": (400.0, "DGX H100: 8x ConnectX-7, 400 Gb/s each (NVIDIA DGX BasePOD RA)"),
    "h200": (400.0, "DGX H200: 8x ConnectX-7, 400 Gb/s each (NVIDIA DGX BasePOD RA)"),
    "b200": (400.0, "DGX B200: 8x ConnectX-7, 400 Gb/s each (NVIDIA DGX BasePOD RA)"),
    "b300": (800.0, "DGX B300: 8x ConnectX-8, 800 Gb/s each (DGX B300 User Guide; unverified)"),
    "dgx-spark-gb10": (200.0, "DGX Spark: one ConnectX-7 200 GbE adapter per Spark, its GB10's "
                       "link to other Sparks (NVIDIA DGX Spark datasheet; "
                       "dgx-spark.warehack.ing/explanation/multi-spark-networking)"),
}
NETWORK_DEFAULT_GBITS = 400.0
"""Unverified: the per-GPU network rate assumed for a GPU without a DGX reference (one
400 Gb/s NDR NIC per GPU, as on DGX H100; a cluster on 100 Gb/s Ethernet is 4x slower)."""
# NOTE: NCCL's own tuning constants (NVIDIA/nccl src/graph/tuning.cc, ncclTopoTuneModel):
# baseLat Ring/LL 6.6 us per collective and hwLat[NET] Ring/LL 2.7 us per ring step that crosses
# the network. Unverified against a measurement: on PCIe the same table's 1.0 us per step is
# below the measured 3.0 us (PCIE_NCCL_STEP_US).
NCCL_NET_STEP_US = 2.7
NCCL_NET_STARTUP_US = 6.6


def default_network_gbits(gpu: GpuSpec) -> tuple[float, str]:
    """(Gb/s per GPU, source) between nodes of this GPU when no network is given nor read:
    its DGX NIC's rate (NETWORK_GBITS_PER_GPU), else NETWORK_DEFAULT_GBITS, unverified."""
    return NETWORK_GBITS_PER_GPU.get(gpu.key, (NETWORK_DEFAULT_GBITS,
                                               no_dgx_reference_text([gpu.name])))


def no_dgx_reference_text(gpu_names: list[str]) -> str:
    """The source of NETWORK_DEFAULT_GBITS for these GPU models, none of them a DGX's."""
    names = (f"{', '.join(gpu_names[:-1])} and {gpu_names[-1]}" if len(gpu_names) > 1
             else gpu_names[0])
    return (f"unverified: no DGX reference for {names}, one {NETWORK_DEFAULT_GBITS:g} Gb/s NIC "
            "per GPU assumed")


def network_link(gpu: GpuSpec, network: NetworkSpec | None = None,
                 gpus_per_node: int = 1) -> LinkSpec:
    """The link between two nodes of this GPU as one GPU sees it: the `network` given
    (its NICs x rate shared evenly by the node's `gpus_per_node` GPUs), else its own DGX NIC's
    rate (NETWORK_GBITS_PER_GPU, else NETWORK_DEFAULT_GBITS), / 8 per direction; NCCL's
    network step and start-up (NCCL_NET_STEP_US, NCCL_NET_STARTUP_US)."""
    if network is not None:
        gbits = network.nics_per_node * network.nic_gbits / gpus_per_node
        formula = (f"{counted(network.nics_per_node, 'NIC')} x {network.nic_gbits:g} Gb/s per "
                   f"node / {counted(gpus_per_node, 'GPU')} / 8 bits per byte = {gbits / 8:g} "
                   "GB/s per GPU per direction")
        source = f"{network.source}: {network.label}"
    else:
        gbits, source = default_network_gbits(gpu)
        formula = (f"{gbits:g} Gb/s NIC per GPU / 8 bits per byte = {gbits / 8:g} GB/s per "
                   "direction")
        source = f"preset: {source}"
    return LinkSpec(
        kind="network", bandwidth_gbps=gbits / 8, latency_us=NCCL_NET_STEP_US,
        startup_us=NCCL_NET_STARTUP_US, p2p=True, formula=formula,
        source=f"{source}; {NCCL_NET_STARTUP_US:g} us per NCCL collective + "
               f"{NCCL_NET_STEP_US:g} us per network step (NCCL src/graph/tuning.cc "
               "constants, unverified)", timing_basis="NCCL's tuning constant, unverified")


def link_from_topology(cells: list[str], gpu: GpuSpec) -> LinkKind:
    """The link kind from the `nvidia-smi topo -m` cells between every pair of GPUs.

    NV# everywhere -> nvlink; otherwise the farthest PCIe level decides: PIX/PXB (a PCIe
    switch) -> pcie with P2P; PHB (through the CPU's host bridge) -> pcie-no-p2p (NCCL's
    default NCCL_P2P_LEVEL stops at PXB on Intel hosts, src/graph/paths.cc); NODE/SYS
    (between host bridges or sockets) -> cross-socket. NCCL src/graph/paths.cc,
    ncclTopoCheckP2p: "By default don't use P2P across CPU Host Bridges and further apart",
    `int p2pLevel = PATH_PXB` (AMD hosts with two GPUs excepted). A GPU whose driver refuses
    P2P (GeForce RTX 30/40/50) never gets better than pcie-no-p2p over PCIe.
    """
    if not cells:
        return gpu.default_intra_node_link
    if all(c.startswith("NV") for c in cells):
        return "nvlink"
    levels = ("PIX", "PXB", "PHB", "NODE", "SYS")
    worst = max((c for c in cells if c in levels), key=levels.index, default="PHB")
    kind: LinkKind = {"PIX": "pcie", "PXB": "pcie", "PHB": "pcie-no-p2p"}.get(
        worst, "cross-socket")
    if kind == "pcie" and not gpu.p2p_over_pcie:
        return "pcie-no-p2p"
    return kind
