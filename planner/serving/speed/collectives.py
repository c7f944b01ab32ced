"""Collectives: TP all-reduce (which algorithm vLLM runs, its hops and rates, the measured
NVLink 4/5 rates), EP all-to-all and the pipeline's point-to-point hop.

- all-reduce over N ranks (twice per layer) = start-up + (N - 1)/N x 2 x bytes / bus
  bandwidth, over ClusterSpec.link (NVLink, PCIe P2P, through host, cross-socket): start-up
  with vLLM's custom all-reduce (P2P on every rank, two GPUs or NVLink, messages under 8 MiB:
  allreduce_algorithm) over NVLink its measured line, 4.5 us + 1.3 us x (N - 1) peers
  (_nvlink_ar_start_us), elsewhere 2 hops x link latency; with NCCL's ring 2 (N - 1) hops x
  link latency + the link's NCCL start-up (on PCIe 6 us + 3 us per step, measured with
  nccl-tests: hardware/links.py); bus
  bandwidth = link rate x link_efficiency, except on NVLink 4/5 where both are the published
  benchmark's (NVLINK_ALLREDUCE: NVLink 5 all-reduces reach 640 GB/s of its 900);
- EP all-to-all (dispatch + combine per MoE layer) only with attention DP (dp > 1) or in
  DeepSeek-V4's sequence-parallel mode (each rank's token shard: step._tokens); under
  sequence-parallel MoE (Context.sp_moe) each TP rank dispatches its shard over the EP group
  and the MoE layers' TP all-reduces become NCCL all-gathers / reduce-scatters
  (nccl_gather_s, step.tp_collectives_s);
- across nodes (node_span: a TP group or a PP hop that leaves a node) NCCL over the network
  (hardware.network_link: the --network given, else the DGX NIC): the ring in NCCL's own
  cost form (_cross_node_rates), sends over the GPU's share of the NICs (pipeline_hops_s),
  the EP all-to-all's share for other nodes (all_to_all_s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from planner.serving.all2all import DEEPEP_HT, DEEPEP_LL, GATHERS, NAIVE
from planner.serving.hardware import LinkSpec
from planner.serving.speed.context import Context, CrossNode
from planner.serving.vllm_versions import (
    CUSTOM_AR_WORLD_SIZES,
    SP_MOE_EVERY,
    SP_MOE_SCATTER,
    Version,
    VllmRules,
    custom_ar_enabled,
)
from planner.text import counted

CUSTOM_AR_MAX_BYTES = 8192 * 1024
"""vLLM's own all-reduce takes a message only below this size: CustomAllreduce(max_size=8192 *
1024) and should_custom_ar's `inp_size < self.max_size` (vllm/distributed/device_communicators/
custom_all_reduce.py, 0.9.1-0.34.0; only symmetric memory, on by default from 0.11, lowers it on
Hopper/datacenter Blackwell, all_reduce_utils.CUSTOM_ALL_REDUCE_MAX_SIZES). Larger messages (a
prefill chunk of 2,048 tokens x 5,120 x 2 B = 20 MiB) fall through to NCCL (cuda_communicator.py
CudaCommunicator.all_reduce: custom all-reduce, then symmetric memory, then pynccl)."""


CUSTOM_AR_SYMM_MEM_MAX_BYTES = {
    "9.0": {2: 64 << 20, 4: 32 << 20, 6: 512 << 10, 8: 256 << 10},
    "10.0": {2: 2 << 20, 4: 2 << 20, 6: 1 << 20, 8: 1 << 20},
    "10.3": {2: 4 << 20, 4: 4 << 20, 6: 8 << 20, 8: 4 << 20},
}
"""NOTE: all_reduce_utils.py CUSTOM_ALL_REDUCE_MAX_SIZES (the same for 9.0 and 10.0 in the
0.11.0, 0.12.0, 0.17.0, 0.19.0, 0.26.0, 0.27.0, 0.33.0 and 0.34.0 wheels): with the symmetric-memory
communicator on (VllmRules.symm_mem, on the GPUs and TP sizes of this table)
CustomAllreduce's max_size is min(this, 8 MiB), so on 8x H100 it takes messages below 256 KiB
only. Between that and 8 MiB cuda_communicator.py CudaCommunicator.all_reduce goes on to
SymmMemCommunicator (below all_reduce_utils.py SYMM_MEM_ALL_REDUCE_MAX_SIZES), which runs
torch's multimem_all_reduce_ on SYMM_MEM_MULTIMEM's TP sizes and two_shot_all_reduce_ on the
others, then to pynccl. The figures keep the custom kernel's start-up for them: the measured
NVLink 4 line (NVLINK_ALLREDUCE) is that multimem kernel's at 16 MiB. 10.3 (B300) joins the
tables in the 0.19.0 wheel (AR_TABLES_10_3_FROM; absent from 0.18.0's; the same in 0.27.0,
0.33.0 and 0.34.0)."""

AR_TABLES_10_3_FROM: Version = (0, 19, 0)
"""NOTE: all_reduce_utils.py CUSTOM_ALL_REDUCE_MAX_SIZES / SYMM_MEM_ALL_REDUCE_MAX_SIZES and
symm_mem.py _WORLD_SIZES_MULTIMEM have a "10.3" entry from the 0.19.0 wheel (not in 0.18.0's):
before it symm_mem.py disables itself on B300 ("Device capability %s not supported") and the
custom kernel keeps its 8 MiB limit."""

SYMM_MEM_BELOW_8_MIB = {"10.3": {2: 4 << 20}}
"""NOTE: the SYMM_MEM_ALL_REDUCE_MAX_SIZES entries below CUSTOM_AR_MAX_BYTES (0.19.0, 0.27.0,
0.33.0, 0.34.0 wheels; every 9.0 / 10.0 entry and 10.3's 4/6/8-GPU ones are 8 MiB or more): on two
B300s a message of 4-8 MiB is too large for both the custom kernel and symmetric memory and
goes to pynccl. Exactly 4 MiB (256 tokens x 8,192 x 2 B) is labelled NCCL too, as 0.19.0-0.20.0
run it (should_use_symm_mem `inp_size < self.max_size`); from the 0.23.0 wheel `<=` sends it to
symmetric memory (0.21-0.22 not read). The figures are the same either way."""

SYMM_MEM_MULTIMEM = {"9.0": (4, 6, 8), "10.0": (6, 8), "10.3": (6, 8)}
"""NOTE: symm_mem.py SymmMemCommunicator._WORLD_SIZES_MULTIMEM (0.11.0-0.34.0 wheels; 10.3
from 0.19.0)."""


def ar_capability(compute_capability: str, version: Version) -> str:
    """The compute capability vLLM's all-reduce size tables know in `version` ("" for one
    they lack: 10.3 before AR_TABLES_10_3_FROM)."""
    if compute_capability == "10.3" and version < AR_TABLES_10_3_FROM:
        return ""
    return compute_capability

FLASHINFER_ALLREDUCE_NOTE = (
    "; from vLLM 0.29 FlashInfer's all-reduce is tried before these where FlashInfer is "
    "installed and takes the TP size (VLLM_ALLREDUCE_USE_FLASHINFER defaults to 1, "
    "FI_ALLREDUCE_FUSION_MAX_SIZE_MB): not modelled, charged as above")

FLASHINFER_ALLREDUCE_FROM: Version = (0, 29, 0)
"""NOTE: envs.py VLLM_ALLREDUCE_USE_FLASHINFER defaults to "0" in the 0.19.0-0.28.0 wheels and to
"1" from 0.29.0 (0.31.0, 0.33.0, 0.34.0); cuda_communicator.py CudaCommunicator.all_reduce tries
FlashInferAllReduce.should_use_fi_ar before the custom kernel (single node: its mnnvl backend,
trtllm without NVSwitch multicast)."""


@dataclass(frozen=True)
class MeasuredAllreduce:
    """What vLLM's prefill-size all-reduces reach on one NVLink generation, measured: the bus
    bandwidth ((N - 1)/N x 2 x bytes / time) and the start-up time of a message too large for
    vLLM's custom kernel (torch symmetric memory or NCCL: kernel launch, barriers, pipeline
    fill), from a straight line through the fastest algorithm's times at 16 and 128 MiB."""

    bus_gbps: float
    startup_us: float
    source: str


NVLINK4_GBPS = 450.0
"""NVLink 4's per-direction rate (LinkSpec.bandwidth_gbps of H100/H200 SXM), the link the
custom all-reduce's start-up line (NVLINK_AR_PEER_US) was measured on."""

NVLINK_ALLREDUCE: dict[float, MeasuredAllreduce] = {
    NVLINK4_GBPS: MeasuredAllreduce(
        433.6, 19.3, "NVLink 4 (H100/H200, SM 9.0): vLLM PR #42324 benchmark table, 8 GPUs "
        "(unverified: the world size is read from its crossovers), 16 MiB in 87 us (torch "
        "symmetric memory multimem), 128 MiB in 561 us (pynccl)"),
    900.0: MeasuredAllreduce(
        640.3, 26.1, "NVLink 5 (B300, SM 10.3): vLLM PR #37756 benchmark table, 8 GPUs "
        "(unverified: the world size is read from its crossovers: custom all-reduce to 4 MiB, "
        "symmetric memory below 64 MiB), 16 MiB in 72 us (multimem), 128 MiB in 393 us "
        "(pynccl)"),
}
"""Measured all-reduce rates per NVLink generation, keyed by the link's per-direction GB/s
(LinkSpec.bandwidth_gbps: NVLink 4 450, NVLink 5 900). NVLink 5 doubles the link but its
all-reduces reach 0.71 of it where NVLink 4's reach 0.96: the collectives run on a fixed
number of CTAs whose copy-and-reduce rate does not double with the link (vLLM issue #33459,
"Torch symm AllReduce seems suboptimal on 8xB200 (fixed CTA count?)"). A Blackwell prefill
therefore spends more of its time in all-reduce than the link rate says: Llama-3.1-70B, TP=8,
a 1,024-token chunk (16 MiB per all-reduce, 160 per chunk): 11.5 ms (26.1 us + 29.4 MB of bus
traffic at 640.3 GB/s, each) where the link rate said 7.2 ms (4 us + at 900 x 0.8 GB/s).
Other links (NVLink 3, PCIe) keep the link rate x link_efficiency."""


NVLINK_AR_START_US = 4.5
"""The fixed part of the measured start-up line below, us (its value at no peer)."""
NVLINK_AR_PEER_US = 1.3
"""NOTE: the start-up of vLLM's one-shot custom all-reduce over NVLink, MEASURED as a line in
the number of peers: NVLINK_AR_START_US + NVLINK_AR_PEER_US x (N - 1), us. Each rank's kernel
reads all N - 1 peers' buffers between two barriers that exchange a flag with every peer
(csrc/custom_all_reduce.cuh cross_device_reduce_1stage between barrier_at_start and
barrier_at_end), so the cost grows with the peers. Source: the isolated-primitive tables of
vLLM PRs #24111 (H100: ca_1stage at (32, 8192) bf16 = 0.5 MiB, 0.007 ms on 2 GPUs and 0.013
ms on 6) and #24532 (0.010 ms on 4 GPUs; the GPU is not in the quoted table: unverified),
less the bandwidth part
this model charges for 0.5 MiB at NVLINK_ALLREDUCE's 433.6 GB/s ((N - 1)/N x 2 x 524,288 B:
1.2 / 1.8 / 2.0 us): 5.8, 8.2 and 11.0 us; the line through the 2- and 6-GPU points gives
4.5 + 1.3 x (N - 1) (8.4 us on 4 GPUs against the 8.2 read). Measured on NVLink 4 and applied
to NVLink 3 and 5 alike (unverified), and to the small messages vLLM hands to torch symmetric
memory on H100/B200 (charged as the custom kernel: 6 GPUs at 0.5 MiB, 0.013 ms either way).
It replaced 2 hops x the 2 us NVLink hop estimate (4 us at every N): fitted on the calibration
rows, the per-layer overhead had taken the difference, over-charging TP=1 and under-charging
TP=8 (bench/speed_accuracy.py, docs/accuracy-speed.md)."""


def _nvlink_ar_start_us(n: int) -> float:
    """The start-up of vLLM's one-shot custom all-reduce over NVLink on `n` GPUs, us: the
    measured line NVLINK_AR_START_US + NVLINK_AR_PEER_US x (n - 1)."""
    return NVLINK_AR_START_US + NVLINK_AR_PEER_US * (n - 1)


def measured_allreduce(link: LinkSpec) -> MeasuredAllreduce | None:
    """The measured all-reduce rates of this link (NVLINK_ALLREDUCE), None off NVLink 4/5."""
    return NVLINK_ALLREDUCE.get(link.bandwidth_gbps) if link.kind == "nvlink" else None


@lru_cache(maxsize=4096)
def node_span(tp: int, pp: int, gpus_per_node: int) -> tuple[tuple[int, int] | None, int]:
    """((most nodes one TP group spans, fewest of its ranks in one node) or None when every
    TP group sits in one node, the PP hops that cross nodes) of one replica: vLLM numbers the
    ranks stage by stage (stage i holds ranks i x tp .. (i + 1) x tp - 1) and nodes hold
    gpus_per_node ranks each. A hop from stage i to i + 1 sends from rank i x tp + j to
    (i + 1) x tp + j: it crosses when a node boundary lies in (i x tp, (i + 2) x tp - 1].
    Cached: every plan's speed asks it, a Python step per stage."""
    g = gpus_per_node
    span, fewest, hops = 1, tp, 0
    for i in range(pp):
        first, last = i * tp, (i + 1) * tp - 1
        nodes = last // g - first // g + 1
        if nodes > 1:
            span = max(span, nodes)
            fewest = min(fewest, g - first % g, last % g + 1)
        hops += i < pp - 1 and ((i + 2) * tp - 1) // g > first // g
    return ((span, fewest) if span > 1 else None), hops


def moe_group_node_ranks(tp: int, pp: int, dp: int, gpus_per_node: int) -> tuple[int, int]:
    """(ranks of one PP stage's TP x DP group, its DP ranks) in the first node, or (0, 0)
    where the whole group sits in one node. The MoE layers gather over that group at DP > 1
    (all_to_all_s: the EP group, or without EP the DP group within it). vLLM numbers the ranks
    replica by replica, rank = d x tp x pp + stage x tp + t (the ranks plan/moe.py places
    DeepEP's buffer on), so under PP a node holds fewer of the group than its GPUs: TP=4 x
    PP=2 x DP=2 on two nodes of 8 puts one replica in each node and 4 of the group's 8 ranks
    (1 of its 2 DP ranks) in each."""
    ranks = dp_ranks = 0
    for d in range(dp):
        first = d * tp * pp
        if first >= gpus_per_node:
            break
        ranks += min(tp, gpus_per_node - first)
        dp_ranks += 1
    return (0, 0) if ranks == tp * dp else (ranks, dp_ranks)


def nnodes_ar_world_sizes(link: LinkSpec, n: int, compute_capability: str,
                          rules: VllmRules) -> tuple[int, ...]:
    """The TP sizes the custom kernel's cost applies to when --nnodes turns vLLM's custom
    all-reduce off for every TP group (vllm_versions.NNODES_CUSTOM_AR_OFF): on NVLink where torch
    symmetric memory runs (`rules.symm_mem`, CUSTOM_AR_SYMM_MEM_MAX_BYTES' GPUs and TP sizes)
    CudaCommunicator.all_reduce hands it the messages the custom kernel took, charged alike
    (CUSTOM_AR_SYMM_MEM_MAX_BYTES), so the release's sizes; elsewhere none: NCCL's ring."""
    symm = CUSTOM_AR_SYMM_MEM_MAX_BYTES.get(ar_capability(compute_capability, rules.version), {})
    if rules.symm_mem and link.kind == "nvlink" and n in symm:
        return CUSTOM_AR_WORLD_SIZES
    return ()


def _custom_ar(link: LinkSpec, n: int, nbytes: float, world_sizes: tuple[int, ...],
               cross: CrossNode | None = None) -> bool:
    """Whether vLLM's custom all-reduce takes this message (allreduce_algorithm's rules)."""
    return (cross is None and nbytes < CUSTOM_AR_MAX_BYTES
            and custom_ar_enabled(link.kind == "nvlink", link.p2p, n, world_sizes))


def allreduce_algorithm(link: LinkSpec, n: int, nbytes: float, *, symm_mem: bool = True,
                        world_sizes: tuple[int, ...] = CUSTOM_AR_WORLD_SIZES,
                        compute_capability: str = "", cross: CrossNode | None = None) -> str:
    """Which all-reduce vLLM runs for one message of `nbytes` over `n` GPUs on `link`.

    vLLM (custom_all_reduce.py, CustomAllreduce.__init__ and should_custom_ar) enables its own
    kernel only for a TP size in its supported list (`world_sizes`:
    vllm_versions.CUSTOM_AR_WORLD_SIZES; TP=3/5/7 and 16 run NCCL, and torch symmetric memory
    takes 2/4/6/8 only), where every rank can P2P (`_can_p2p`; a
    GeForce driver without P2P fails it)
    and the group is two GPUs or fully NVLink-connected ("Custom allreduce is disabled because
    it's not supported on more than two PCIe-only GPUs"), and then only for messages below
    CUSTOM_AR_MAX_BYTES; with two GPUs its kernel is one-shot (each rank reads its peer's
    buffer between two barriers). Otherwise NCCL's ring runs it, through pinned host memory
    (NCCL's SHM transport) where the GPUs cannot P2P. On NVLink a message of CUSTOM_AR_MAX_BYTES
    or more goes to torch symmetric memory (all_reduce_utils.SYMM_MEM_ALL_REDUCE_MAX_SIZES) or
    NCCL, charged at the measured start-up of NVLINK_ALLREDUCE; to NCCL alone with `symm_mem`
    False (VllmRules.symm_mem: VLLM_ALLREDUCE_USE_SYMM_MEM defaults to 0 in the 0.10.2 wheel,
    which is the first with symm_mem.py, so cuda_communicator.py CudaCommunicator.all_reduce
    goes from custom all-reduce straight to pynccl before 0.11; the 0.9.1-0.10.2 wheels'
    CustomAllreduce has the same 8 MiB max_size and conditions). With symmetric memory on a
    GPU of `compute_capability` 9.0 or 10.0 the custom kernel's limit is lower
    (CUSTOM_AR_SYMM_MEM_MAX_BYTES) and torch symmetric memory runs the messages above it: the
    name changes, not the figures (nor for FlashInfer's all-reduce, tried first from 0.29:
    FLASHINFER_ALLREDUCE_NOTE).

    A group over several nodes (`cross`) runs NCCL's ring over the network: CustomAllreduce
    disables itself unless in_the_same_node_as holds for every rank (custom_all_reduce.py
    0.9.1-0.26) or, from 0.27 (its 16-GPU size), the nodes share one multi-node NVLink domain
    (MNNVL multicast, GB200/GB300 NVL72: give such a rack as one node); torch symmetric memory
    takes 2/4/6/8 ranks only (SYMM_MEM_ALL_REDUCE_MAX_SIZES).
    """
    if cross is not None:
        return (f"NCCL ring across {cross.nodes} nodes (vLLM's custom all-reduce and torch "
                "symmetric memory run within one node: custom_all_reduce.py "
                "in_the_same_node_as, multi-node only over MNNVL)")
    if link.kind == "nvlink" and n not in world_sizes:
        return (f"NCCL ring (NVLink; vLLM's custom all-reduce runs on "
                f"{', '.join(map(str, world_sizes))} GPUs only)")
    if link.kind == "nvlink":
        if nbytes >= CUSTOM_AR_MAX_BYTES:
            if not symm_mem:
                return "NCCL (NVLink, message >= 8 MiB; no symmetric-memory all-reduce " \
                    "before vLLM 0.11)"
            return "torch symmetric memory or NCCL (NVLink, message >= 8 MiB)"
        cap = CUSTOM_AR_SYMM_MEM_MAX_BYTES.get(compute_capability, {}).get(n, nbytes + 1)
        if symm_mem and nbytes >= cap:
            symm_cap = SYMM_MEM_BELOW_8_MIB.get(compute_capability, {}).get(n, CUSTOM_AR_MAX_BYTES)
            if nbytes >= symm_cap:
                return (f"NCCL (NVLink; vLLM's custom all-reduce and torch symmetric memory "
                        f"take messages below {_size(cap)} and {_size(symm_cap)} on compute "
                        f"capability {compute_capability} x {n} GPUs: all_reduce_utils.py; "
                        "charged as the custom kernel, at its measured start-up)")
            kind = "multimem" if n in SYMM_MEM_MULTIMEM[compute_capability] else "two-shot"
            return (f"torch symmetric memory {kind} (NVLink; vLLM's custom all-reduce takes "
                    f"messages below {_size(cap)} on compute capability "
                    f"{compute_capability} x {n} GPUs once symmetric memory is on: "
                    "all_reduce_utils.py CUSTOM_ALL_REDUCE_MAX_SIZES; charged as the custom "
                    "kernel, at its measured start-up)")
        return "vLLM custom all-reduce (NVLink)"
    if _custom_ar(link, n, nbytes, world_sizes):
        return "vLLM one-shot custom all-reduce (P2P, 2 GPUs, < 8 MiB)"
    if not link.p2p:
        return "NCCL ring through host memory (no P2P)"
    if n > 2:
        return "NCCL ring (vLLM's custom all-reduce is off on more than two PCIe GPUs)"
    return "NCCL ring (message >= 8 MiB, vLLM's custom all-reduce limit)"


def _size(nbytes: int) -> str:
    """1,048,576 -> '1 MiB', 262,144 -> '256 KiB'."""
    return f"{nbytes >> 20} MiB" if nbytes >= 1 << 20 else f"{nbytes >> 10} KiB"


def _hops(n: int, custom_ar: bool, halves: int = 2) -> int:
    """2 for vLLM's own kernel (a barrier before and after the peers' reads), else NCCL's
    ring, `halves` x (n - 1) steps: 2 (n - 1) for an all-reduce (reduce-scatter, then
    all-gather), n - 1 for one all-gather or reduce-scatter."""
    return 2 if custom_ar else halves * (n - 1)


class AllreduceRates(NamedTuple):
    """One all-reduce's start-up and bus bandwidth (allreduce_rates), each as the allreduce
    term writes it, and the inputs its formula names (explained_rates)."""

    startup_s: float
    bus: float  # B/s
    startup_text: str
    bus_text: str
    inputs: dict[str, float]


def allreduce_rates(link: LinkSpec, n: int, nbytes: float, link_efficiency: float, *,
                    text: bool = True, world_sizes: tuple[int, ...] = CUSTOM_AR_WORLD_SIZES,
                    cross: CrossNode | None = None, halves: int = 2
                    ) -> tuple[float, float, str, str]:
    """(start-up seconds, bus bandwidth B/s, each as the allreduce term writes it) of one
    all-reduce of `nbytes` over `n` GPUs (explained_rates without its inputs). `text=False`:
    the two texts are empty (a step's time needs only the numbers)."""
    return explained_rates(link, n, nbytes, link_efficiency, text=text,
                           world_sizes=world_sizes, cross=cross, halves=halves)[:4]


def explained_rates(link: LinkSpec, n: int, nbytes: float, link_efficiency: float, *,
                    text: bool = True, world_sizes: tuple[int, ...] = CUSTOM_AR_WORLD_SIZES,
                    cross: CrossNode | None = None, halves: int = 2) -> AllreduceRates:
    """The start-up and bus bandwidth of one all-reduce of `nbytes` over `n` GPUs: on NVLink
    4/5 the measured bus bandwidth (NVLINK_ALLREDUCE) and, from 8 MiB, the measured start-up;
    else the link rate x link_efficiency. Any other start-up: where vLLM's custom kernel runs
    it over NVLink, its measured line (_nvlink_ar_start_us), else hops x the link's latency,
    plus the link's NCCL start-up when NCCL runs it (LinkSpec.startup_us: 6 us on PCIe,
    measured); each figure's basis in the texts (LinkSpec.timing_basis). `text=False`: no texts nor
    inputs. Over several nodes: _cross_node_rates. `halves` 1: one all-gather or reduce-scatter,
    whose NCCL ring takes half the all-reduce's steps (_hops)."""
    if cross is not None:
        return _cross_node_rates(link, n, link_efficiency, cross, text, halves)
    custom_ar = _custom_ar(link, n, nbytes, world_sizes)
    hops = _hops(n, custom_ar, halves)
    nvlink_ar = custom_ar and link.kind == "nvlink"
    startup = _nvlink_ar_start_us(n) if nvlink_ar else hops * link.latency_us
    nccl_startup = link.startup_us and not custom_ar
    if nccl_startup:
        startup += link.startup_us
    measured = measured_allreduce(link)
    measured_startup = measured is not None and nbytes >= CUSTOM_AR_MAX_BYTES
    if measured_startup:
        startup = measured.startup_us
    bus = link.bandwidth_gbps * 1e9 * link_efficiency if measured is None \
        else measured.bus_gbps * 1e9
    if not text:
        return AllreduceRates(startup * 1e-6, bus, "", "", {})
    basis = link.timing_basis
    inputs = {"startup_us": startup}
    startup_text = f"{counted(hops, 'hop')} x {link.latency_us:g} us ({basis})"
    if not nvlink_ar and not measured_startup:
        inputs |= {"hops": hops, "latency_us_per_hop": link.latency_us}
    if nvlink_ar and not measured_startup:
        startup_text = (f"{NVLINK_AR_START_US:g} us + {NVLINK_AR_PEER_US:g} us x "
                        f"{counted(n - 1, 'peer')} measured start-up"
                        + ("" if link.bandwidth_gbps == NVLINK4_GBPS else
                           " (measured on NVLink 4, unverified on this link)"))
        inputs |= {"custom_allreduce_start_us": NVLINK_AR_START_US,
                   "custom_allreduce_us_per_peer": NVLINK_AR_PEER_US, "peers": n - 1}
    if nccl_startup and not measured_startup:
        startup_text = f"{link.startup_us:g} us NCCL start-up ({basis}) + {startup_text}"
        inputs["nccl_startup_us"] = link.startup_us
    if measured_startup:
        startup_text = f"{measured.startup_us:g} us measured start-up"
    if measured is None:
        bus_text = (f"({link.bandwidth_gbps:.1f} GB/s x {link_efficiency:.2f} estimated link "
                    "efficiency)")
        inputs |= {"link_bandwidth_gbps": link.bandwidth_gbps,
                   "link_efficiency": link_efficiency}
    else:
        bus_text = f"{measured.bus_gbps:g} GB/s measured bus bandwidth"
    inputs["bus_bandwidth_gbps"] = bus / 1e9
    return AllreduceRates(startup * 1e-6, bus, startup_text, bus_text, inputs)


def _cross_node_rates(link: LinkSpec, n: int, link_efficiency: float, cross: CrossNode,
                      text: bool, halves: int = 2) -> AllreduceRates:
    """explained_rates of NCCL's ring over `cross.nodes` nodes, in NCCL's own cost form
    (src/graph/tuning.cc: baseLat + (nsteps - nInterSteps) x intra + nInterSteps x inter,
    nsteps = 2 (n - 1), nInterSteps = 2 (nodes - 1); half of each for one all-gather or
    reduce-scatter, `halves` 1): start-up = the network's NCCL start-up +
    the intra-node steps x the node link's hop + the network steps x the network's. Bus
    bandwidth: each ring channel leaves a node through one NIC, so the ring moves at most the
    fewest ranks in one node x one NIC's rate x link_efficiency, nor more than inside a node
    (the node link's rate, or NVLINK_ALLREDUCE's measured one)."""
    net = cross.net
    inter = halves * (cross.nodes - 1)
    intra = halves * (n - 1) - inter
    startup = net.startup_us + intra * link.latency_us + inter * net.latency_us
    measured = measured_allreduce(link)
    node_bus = link.bandwidth_gbps * link_efficiency if measured is None else measured.bus_gbps
    net_bus = cross.ranks_per_node * net.bandwidth_gbps * link_efficiency
    bus = min(node_bus, net_bus)
    if not text:
        return AllreduceRates(startup * 1e-6, bus * 1e9, "", "", {})
    net_basis = net.timing_basis
    startup_text = (f"{net.startup_us:g} us NCCL start-up ({net_basis}) + {intra} node hops x "
                    f"{link.latency_us:g} us ({link.timing_basis}) + {inter} network hops x "
                    f"{net.latency_us:g} us ({net_basis})")
    # the network link's rate is one GPU's share of its node's NICs (network_link), so the
    # count is of ranks, not NICs: 2x100 GbE for 8 GPUs is 8 x 3.125 GB/s, over 2 NICs
    bus_text = (f"min({node_bus:.1f} GB/s in a node, {cross.ranks_per_node} ranks in a node x "
                f"{net.bandwidth_gbps:g} GB/s network per GPU x {link_efficiency:.2f} estimated "
                "link efficiency)")
    inputs = {"startup_us": startup, "nccl_startup_us": net.startup_us, "node_hops": intra,
              "latency_us_per_node_hop": link.latency_us, "network_hops": inter,
              "latency_us_per_network_hop": net.latency_us, "node_bus_gbps": node_bus,
              "ranks_per_node": cross.ranks_per_node,
              "network_gbps_per_gpu": net.bandwidth_gbps, "link_efficiency": link_efficiency,
              "bus_bandwidth_gbps": bus}
    return AllreduceRates(startup * 1e-6, bus * 1e9, startup_text, bus_text, inputs)


def allreduce_s(ctx: Context, nbytes: float) -> float:
    """One all-reduce of `nbytes` over the TP group: its start-up plus the ring's
    (N-1)/N x 2 x bytes over the bus bandwidth (GenZ collective_times.py form; allreduce_rates
    gives both)."""
    return _tp_collective_s(ctx, nbytes, 2)


def gather_s(ctx: Context, nbytes: float) -> float:
    """One all-gather, or one reduce-scatter, over the TP group whose gathered tensor (the
    reduce-scatter's input) is `nbytes`: each is one half of a ring all-reduce, so its
    start-up plus (N-1)/N x bytes over the bus bandwidth, at the all-reduce's rates for that
    message (allreduce_rates; vLLM 0.34.0 runs them in its custom all-reduce's buffers,
    custom_all_reduce.py custom_all_gather / custom_reduce_scatter, else NCCL:
    models/common/ops/sequence_parallel.py sp_all_gather / sp_reduce_scatter; unverified
    against a measured run)."""
    return _tp_collective_s(ctx, nbytes, 1)


def nccl_gather_s(ctx: Context, nbytes: float) -> float:
    """One all-gather, or one reduce-scatter, over the TP group run by NCCL, whose gathered
    tensor (the reduce-scatter's input) is `nbytes`: the ring's TP - 1 steps + (N-1)/N x bytes
    over the bus bandwidth (explained_rates with no custom all-reduce, `halves` 1). The TP
    all-gather and reduce-scatter of sequence-parallel MoE (Context.sp_moe) run so:
    tensor_model_parallel_all_gather / _reduce_scatter reach base_device_communicator.py
    all_gather (torch all_gather_into_tensor) in 0.11.0-0.26.x and cuda_communicator.py
    CudaCommunicator.all_gather / reduce_scatter (pynccl; NCCL symmetric memory only with
    VLLM_USE_NCCL_SYMM_MEM, default 0) from 0.27.0, never vLLM's custom all-reduce buffers
    (custom_all_gather is called by DeepSeek-V4's own sequence-parallel ops alone)."""
    return _tp_collective_s(ctx, nbytes, 1, world_sizes=())


def _tp_collective_s(ctx: Context, nbytes: float, halves: int,
                     world_sizes: tuple[int, ...] | None = None) -> float:
    """A ring collective over the TP group of `halves` halves (all-reduce 2: reduce-scatter +
    all-gather) of `nbytes`: start-up + (N-1)/N x halves x bytes / bus bandwidth; vLLM's
    custom kernel on the context's `world_sizes` (ctx.ar_world_sizes where None; () for
    NCCL alone)."""
    n = ctx.tp
    if n == 1:
        return 0.0
    dev = ctx.device
    sizes = ctx.ar_world_sizes if world_sizes is None else world_sizes
    startup, bw, _, _ = allreduce_rates(dev.link, n, nbytes, ctx.c.link_efficiency, text=False,
                                        world_sizes=sizes, cross=ctx.cross, halves=halves)
    return startup + (n - 1) / n * halves * nbytes / bw


def sequence_parallel_shard(ctx: Context, tokens: float) -> int:
    """Tokens on one TP rank in DeepSeek-V4's sequence-parallel mode (Context.sp_streams) or
    sequence-parallel MoE (Context.sp_moe): sp_shard (models/common/ops/sequence_parallel.py,
    0.34.0), sequence_parallel_chunk (models/utils.py, 0.11.0-0.34.0) and the decoder layers'
    reduce-scatter (SP_MOE_ATTENTION_SCATTER_FROM) pad the step's tokens to a multiple of TP
    and hand each rank its slice, ceil(tokens / TP)."""
    return math.ceil(tokens / ctx.tp)


def sequence_parallel(ctx: Context) -> bool:
    """Whether each TP rank routes its own token shard (sequence_parallel_shard) rather than
    every TP rank the DP rank's tokens: DeepSeek-V4's sequence-parallel mode or
    sequence-parallel MoE."""
    return bool(ctx.sp_streams or ctx.sp_moe)


def dispatch_label(ctx: Context) -> str:
    """How a plan's terms name all_to_all_s: EP's all-to-all, or without EP the DP
    all-gather / reduce-scatter of the experts sliced over tp x dp, short enough for the CLI's
    19-character label column ("DP MoE all-gather/reduce-scatter" ran past it at TP=1 x DP=8);
    the term's formula names both halves."""
    return "EP all-to-all" if ctx.ep else "DP MoE gather"


def collectives_label(ctx: Context) -> str:
    """What SpeedEstimate.allreduce_ms_per_step holds, as the plan's speed lines name it: the
    TP all-reduce, and where MoE layers gather DP ranks (all_to_all_s) their dispatch and
    combine; at TP = 1 only the latter ("EP all-to-all" for TP=1 x DP=16 + EP, where "TP
    all-reduce" named a figure with no TP in it)."""
    if ctx.sp_streams or ctx.sp_moe in (SP_MOE_SCATTER, SP_MOE_EVERY):  # all-reduces replaced
        return f"TP gather/scatter + {dispatch_label(ctx)}"
    if not (ctx.dp > 1 and ctx.device.moe is not None):
        return "TP all-reduce"
    return dispatch_label(ctx) if ctx.tp == 1 else f"TP all-reduce + {dispatch_label(ctx)}"


def all_to_all_s(ctx: Context, tokens: float) -> float:
    """The MoE dispatch + combine of one MoE layer with attention DP (dp > 1), by the
    --all2all-backend vLLM runs (Context.all2all: the given one, else the release's default,
    all2all.running_backend). With DP = 1 the hidden states are already on every TP rank and
    the expert outputs are summed by the layer's all-reduce, so there is none.

    NOTE: what each backend sends per MoE layer (vllm/distributed/device_communicators/
    all2all.py, 0.10.2, 0.11.0, 0.13.0, 0.19.0, 0.27.0 and 0.34.0 read), T a DP rank's tokens,
    h the hidden size, G the DP group's size (the EP group's in sequence-parallel MoE, where
    each rank dispatches its shard):
    - allgather_reducescatter (the default from 0.11.0: AgRsAll2AllManager), and without EP
      where that is the backend (0.25.1 all2all_utils.py "Detected DP deployment with no
      --enable-expert-parallel. Falling back to AllGather+ReduceScatter"): dispatch
      all_gatherv's every DP rank's
      hidden states over the DP group (`get_ep_group() if is_sequence_parallel else
      get_dp_group()`), combine reduce_scatterv's them back: (G - 1) x T x h per rank each
      way, not k copies; a ring over the group, at the network's rate where it spans nodes.
      The routing tensors gathered with them (dispatch only) are not charged: router
      logits, T x E in the gate's dtype (0.11.0-0.13.0 dispatch; from 0.17.0
      dispatch_router_logits, which the MoE runner calls for a quant method without its own
      modular kernel: BF16's UnquantizedFusedMoEMethod through 0.19.x, which sets
      self.kernel, not moe_kernel, so supports_internal_mk is False), or from 0.20.0 for BF16
      (moe_kernel set: prepare_finalize/naive_dp_ep.py MoEPrepareAndFinalizeNaiveDPEPModular
      .prepare -> dispatch) the top-k weights (float32) and ids (int32, fused_topk_router.py),
      k x 8 B a token: Qwen3-30B-A3B's 128 BF16 logits are 256 B a token beside its 4,096 B
      of hidden state (64 B of top-k from 0.20.0); Qwen3-Next's 512 are 1,024 B beside 4,096.
      BF16 hidden states travel unquantized (_quantize_and_setup_dispatch with no quant
      dtype returns them as they are).
    - naive (the default 0.9.1-0.10.2, NaiveAll2AllManager; removed from 0.19.0): dispatch
      broadcasts each DP rank's hidden states (and router logits) to the group, G
      broadcasts of T x h; combine all-reduces the gathered G x T x h over the group and
      keeps its own slice: 2 (G - 1) x T x h a ring. Over the DP group in 0.10.2, the EP
      group from 0.11.0; charged over G either way.
    - Without EP the layers dispatch through the same manager, the backend's: the EP group's
      communicator builds it whenever DP > 1 (base_device_communicator.py `use_ep =
      data_parallel_size > 1`, 0.10.2, 0.11.0, 0.19.0), and the MoE layer calls
      get_ep_group().dispatch / combine at DP > 1 with or without EP (0.10.2 and 0.11.0
      fused_moe/layer.py forward_impl do_naive_dispatch_combine; 0.19.0 all2all_utils.py
      make_moe_prepare_and_finalize_naive_dp_ep, whose log says AllGather+ReduceScatter
      whatever the manager): naive on 0.9.1-0.10.2 by default, not all-gather.
    - deepep_high_throughput: DeepEP's normal dispatch sends a token once to each rank that
      holds one of its k experts (Buffer.get_dispatch_layout's is_token_in_rank, read in
      deepseek-ai/DeepEP through the code index, commit unpinned), and combine sends each
      rank's summed output back once: with uniform routing a given other rank holds one of
      a token's k experts with chance 1 - C(E - E/EP, k) / C(E, k) (k draws without
      replacement, E/EP experts a rank), so (EP - 1) x that x T x h to other ranks each way.
    - deepep_low_latency: one message per (token, top-k expert) (DeepEP csrc/kernels/
      internode_ll.cu dispatch: dst_rank = dst_expert_idx / num_local_experts, each top-k
      slot its own warp; combine likewise per expert), so k x (EP - 1)/EP x T x h each way.
    - pplx and the backends not read here (mori*, nixl_ep, flashinfer_*, deepep_v2, moonep,
      passthrough): charged as low-latency DeepEP, one copy per routed expert (unverified).
    - DeepSeek-V4's sequence-parallel mode at DP = 1 (a mega-MoE --moe-backend: step._tokens)
      keeps the per-expert copies too (unverified).
    Activations are charged at the model's dtype: a quantized dispatch (vLLM quantizes before
    the gather where the MoE kernel takes FP8/FP4 input, prepare_finalize/naive_dp_ep.py
    _quantize_and_setup_dispatch from 0.17.0) is not modelled. Under sequence-parallel MoE
    (Context.sp_moe: ParallelConfig.use_sequence_parallel_moe, EP, TP > 1, DP > 1 and a
    listed backend, vllm_versions.SP_MOE_BACKEND_CHANGES; the blocks of SP_MOE_FROM) the caller
    passes a TP rank's shard, ceil(T / TP) (step._tokens), and the gathering backends
    gather the EP group's TP x DP shards: (TP x DP - 1) x ceil(T / TP) x h each way, 3.5 x T
    x h at TP=2 x DP=2 where the DP group's gather moved T x h (its all-gather over TP in
    place of the all-reduce: step.tp_collectives_s). Unverified against a measured run.

    An EP group over several nodes (Context.ep_node_ranks = m ranks in each node): with uniform
    routing (EP - m)/(EP - 1) of a rank's remote copies leave its node, over the network
    (Context.net), (m - 1)/(EP - 1) go to its node's peers over the node's link; the two run
    side by side (NVLink and the NICs), so each direction costs the network's NCCL start-up
    + step and the slower of the two shares."""
    return explained_all_to_all(ctx, tokens).seconds


class AllToAll(NamedTuple):
    """One MoE layer's dispatch + combine (explained_all_to_all): its seconds, its formula in
    the plan's numbers, "2 x [start-up + bytes x share / rate]", and the inputs it names."""

    seconds: float
    text: str
    inputs: dict[str, float]


def rank_hit_chance(experts: int, k: int, ranks: int) -> float:
    """The chance that a given EP rank holds at least one of a token's k experts under
    uniform routing: 1 - C(E - E/ranks, k) / C(E, k), k distinct experts of E, E/ranks a
    rank (DeepEP's high-throughput dispatch sends the token once to each such rank)."""
    local = experts / ranks
    return 1.0 - math.prod(max(experts - local - i, 0.0) / (experts - i) for i in range(k))


def explained_all_to_all(ctx: Context, tokens: float, tokens_text: str = "") -> AllToAll:
    """all_to_all_s's seconds for `tokens` tokens a DP rank, with its formula and inputs where
    `tokens_text` names the tokens ("1 token"); ("", {}) without it (a step's time needs only
    the seconds) or where no all-to-all runs."""
    # DeepSeek-V4's sequence-parallel mode dispatches each rank's shard over EP at DP 1 too
    # (a mega-MoE backend: step._tokens)
    if ctx.device.moe is None or not (ctx.dp > 1 or ctx.sp_streams):
        return AllToAll(0.0, "", {})
    if gathers(ctx):
        return _gathered(ctx, tokens, tokens_text)
    return _routed(ctx, tokens, tokens_text)


def gathers(ctx: Context) -> bool:
    """Whether the MoE layers' dispatch gathers whole DP ranks' tokens (allgather_reducescatter,
    naive, or no EP) rather than sending tokens to their experts' ranks (all_to_all_s NOTE)."""
    return ctx.dp > 1 and (not ctx.ep or ctx.all2all in GATHERS)


def gather_group(ctx: Context) -> int:
    """The ranks a gathering dispatch gathers over: the DP group, or the EP group where each
    TP rank dispatches its shard (sequence_parallel: AgRsAll2AllManager `get_ep_group() if
    is_sequence_parallel else get_dp_group()`; NaiveAll2AllManager `self.world_size if
    is_sequence_parallel else self.dp_world_size`, 0.11.0-0.34.0)."""
    return ctx.tp * ctx.dp if sequence_parallel(ctx) else ctx.dp


def _gathered(ctx: Context, tokens: float, tokens_text: str) -> AllToAll:
    """explained_all_to_all of allgather_reducescatter (and of every backend without EP) or
    naive: the group's tokens gathered to every rank, scattered back (all_to_all_s NOTE)."""
    dev, net = ctx.device, ctx.net
    act_b, eff = dev.act_b, ctx.c.link_efficiency
    group = gather_group(ctx)
    naive = ctx.all2all == NAIVE  # with or without EP: the EP group's manager (NOTE)
    one = tokens * ctx.hidden * act_b  # one rank's hidden states
    gathered = one * (group - 1)
    hop = dev.link if net is None else net
    bw = min(_rate(ctx, dev.link), _rate(ctx, hop))
    if naive:  # group broadcasts of one rank's states, then an all-reduce of all of them
        seconds = group * (_start_s(hop) + one / bw) + _start_s(hop) + 2 * gathered / bw
    else:
        seconds = 2 * (_start_s(hop) + gathered / bw)
    if not tokens_text:
        return AllToAll(seconds, "", {})
    rate = (f"{dev.link.bandwidth_gbps:.1f} GB/s" if net is None else
            f"min({dev.link.bandwidth_gbps:.1f} GB/s in a node, {net.bandwidth_gbps:g} GB/s "
            "network per GPU)")
    over = f"({rate} x {eff:.2f} estimated link efficiency)"
    start = _start_text(hop)
    state = f"{tokens_text} x {ctx.hidden:,} x {act_b:g} B"
    if naive:
        text = (f"naive (vLLM {dev.rules.label} NaiveAll2AllManager): {group} broadcasts x "
                f"[{start} + {state} / {over}] + [{start} + 2 x ({group} - 1) x {state} / "
                f"{over}] all-reduce")
    else:
        others = "the other rank's" if group == 2 else f"the other {group - 1} ranks'"
        text = (("" if not ctx.ep else f"allgather_reducescatter (vLLM {dev.rules.label} "
                 "AgRsAll2AllManager; routing tensors not charged): ")
                + f"2 x [{start} + {others} {state} / {over}]")
    return AllToAll(
        seconds, text,
        {"dp": ctx.dp, "tokens": tokens, "hidden_size": ctx.hidden,
         "bytes_per_activation": act_b,
         # the sequence-parallel term names its layers' gather "gathered_bytes" already
         ("moe_gathered_bytes" if sequence_parallel(ctx) else "gathered_bytes"): gathered,
         **({"broadcasts": group} if naive else {}), **_start_inputs(hop),
         "link_bandwidth_gbps": dev.link.bandwidth_gbps,
         **({} if net is None else {"network_gbps_per_gpu": net.bandwidth_gbps}),
         "link_efficiency": eff})


def _routed(ctx: Context, tokens: float, tokens_text: str) -> AllToAll:
    """explained_all_to_all of a backend that sends tokens to their experts' ranks: DeepEP
    high-throughput once per rank, the others once per routed expert (all_to_all_s NOTE)."""
    dev, net = ctx.device, ctx.net
    act_b, eff = dev.act_b, ctx.c.link_efficiency
    ep = ctx.tp * ctx.dp
    k = dev.moe.experts_per_token
    one = tokens * ctx.hidden * act_b
    per_rank = ctx.dp > 1 and ctx.all2all == DEEPEP_HT
    experts = dev.moe.num_experts
    chance = rank_hit_chance(experts, k, ep) if per_rank else k / ep
    to_each = one * chance  # the bytes to each other rank
    m = ctx.ep_node_ranks if net is not None else 0
    if m:
        seconds = 2 * (_start_s(net) + max((m - 1) * to_each / _rate(ctx, dev.link),
                                           (ep - m) * to_each / _rate(ctx, net)))
        hop = net
    else:
        seconds = 2 * (_start_s(dev.link) + (ep - 1) * to_each / _rate(ctx, dev.link))
        hop = dev.link
    if not tokens_text:
        return AllToAll(seconds, "", {})
    if m:
        share = (f"max({m - 1}/{ep} to its node's other ranks / "
                 f"{dev.link.bandwidth_gbps:.1f} GB/s, {ep - m}/{ep} to other nodes / "
                 f"{net.bandwidth_gbps:g} GB/s network per GPU) / {eff:.2f} estimated link "
                 "efficiency")
    else:
        share = (f"({ep} - 1)/{ep} to other ranks / ({dev.link.bandwidth_gbps:.1f} GB/s x "
                 f"{eff:.2f} estimated link efficiency)")
    inputs = {"tokens": tokens, "experts_per_token": k, "hidden_size": ctx.hidden,
              "bytes_per_activation": act_b, "dispatch_bytes": one * chance * ep,
              "ep_size": ep, **({"ep_ranks_per_node": m} if m else {}), **_start_inputs(hop),
              "link_bandwidth_gbps": dev.link.bandwidth_gbps,
              **({"network_gbps_per_gpu": net.bandwidth_gbps} if m else {}),
              "link_efficiency": eff}
    if per_rank:
        text = (f"deepep_high_throughput (one copy per rank holding one of its {k} experts: "
                f"1 - C({experts} - {experts}/{ep}, {k}) / C({experts}, {k}) = {chance:.4f} a "
                f"rank, uniform routing): 2 x [{_start_text(hop)} + {tokens_text} x "
                f"{ctx.hidden:,} x {act_b:g} B x {ep} x {chance:.4f} x {share}]")
        inputs |= {"rank_hit_chance": chance, "num_experts": experts}
    else:
        how = ("" if ctx.dp == 1 else
               f"{ctx.all2all} (one copy per routed expert"
               + ("" if ctx.all2all == DEEPEP_LL else ", as DeepEP low-latency: unverified")
               + "): ")
        text = (f"{how}2 x [{_start_text(hop)} + {tokens_text} x {k} experts x "
                f"{ctx.hidden:,} x {act_b:g} B x {share}]")
    return AllToAll(seconds, text, inputs)


def _start_text(link: LinkSpec) -> str:
    """_start_s in its numbers: "6 us NCCL start-up + 3 us step (measured)", "2 us step
    (estimated, unverified)" on a link without an NCCL start-up (NVLink)."""
    startup = f"{link.startup_us:g} us NCCL start-up + " if link.startup_us else ""
    return f"{startup}{link.latency_us:g} us step ({link.timing_basis})"


def _start_inputs(link: LinkSpec) -> dict[str, float]:
    """_start_text's figures as inputs (the start-up where the link has one)."""
    return ({"all_to_all_startup_us": link.startup_us} if link.startup_us else {}) | {
        "all_to_all_step_us": link.latency_us}


def _rate(ctx: Context, link: LinkSpec) -> float:
    """B/s a collective reaches over `link`: its bandwidth x the link efficiency."""
    return link.bandwidth_gbps * 1e9 * ctx.c.link_efficiency


def _start_s(link: LinkSpec) -> float:
    """The NCCL start-up of one message over `link`: start-up + one step."""
    return (link.startup_us + link.latency_us) * 1e-6


def _p2p_s(ctx: Context, link: LinkSpec, tokens: float) -> float:
    """One hop between pipeline stages over `link`: the hidden states of `tokens` tokens, one
    NCCL send (the link's NCCL start-up + one step)."""
    return _start_s(link) + tokens * ctx.hidden * ctx.device.act_b / _rate(ctx, link)


def pipeline_hops_s(ctx: Context, tokens: float) -> float:
    """The PP - 1 hops of `tokens` tokens between stages: those between nodes (Context.net_hops,
    node_span) over the network (Context.net), the rest over the node's link."""
    if ctx.pp == 1:
        return 0.0
    inside = (ctx.pp - 1 - ctx.net_hops) * _p2p_s(ctx, ctx.device.link, tokens)
    if ctx.net is None or not ctx.net_hops:
        return inside
    return inside + ctx.net_hops * _p2p_s(ctx, ctx.net, tokens)
