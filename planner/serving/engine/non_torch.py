"""Memory outside torch that vLLM's profile counts per worker: the CUDA context and NCCL
(and, before 0.11, custom all-reduce) buffers, calibrated."""

from typing import NamedTuple

from planner.serving.layout import ParallelLayout
from planner.serving.vllm_versions import CUSTOM_AR_WORLD_SIZES, custom_ar_enabled
from planner.units import GIB

CONTEXT_BYTES = int(0.25 * GIB)
PP_ONLY_BYTES = int(0.07 * GIB)
"""NOTE: non_torch_forward_increase of a worker without TP peers: 0.24-0.27 GiB in the v0.19
H100 logs at TP=1 (CUDA context growth, cuBLAS workspace), about 0.07 GiB per GPU with PP
only (VLLM_ACCOUNTING section 5). It is also the whole figure where NCCL keeps its buffers
in host memory: 2x RTX 4090 at TP=2 (no P2P) print 0.25 GiB (vllm-other-gpus.json)."""

NCCL_CONNECTION_BYTES = (1 << 22) + 120 * 640 * 8 * 8 + 8 * 512 * 8 * 16
"""NOTE: NCCL src/init.cc: one P2P connection's receive buffers are DEFAULT_BUFFSIZE (Simple,
4 MiB) + DEFAULT_LL128_BUFFSIZE (NCCL_LL128_ELEMS_PER_THREAD 120 x NCCL_LL128_MAX_NTHREADS
640 x NCCL_STEPS 8 x 8 B = 4,915,200 B) + DEFAULT_LL_BUFFSIZE (NCCL_LL_LINES_PER_THREAD 8 x
NCCL_LL_MAX_NTHREADS 512 x 8 steps x 16 B = 524,288 B) = 9,633,792 B (9.19 MiB; a DGX Spark
report measured 9.19 MiB per proxy connection). Without P2P (GeForce cards, PHB, across
sockets) NCCL's SHM transport keeps them in host memory: nothing on the GPU."""

NCCL_P2P_CONNECTIONS = 4
"""ASSUMED (no log prints it): 2 channels x (ring + tree) receive connections per GPU over
PCIe with P2P, 4 x 9.19 MiB = 36.75 MiB."""

CUSTOM_AR_BYTES = 2 * 8192 * 1024
"""NOTE: vLLM distributed/device_communicators/custom_all_reduce.py CustomAllreduce (0.19.0
wheel): with peers on one node it cudaMallocs meta_size() + max_size (8 MiB) and an 8 MiB IPC
buffer outside torch (the 8 MiB rank_data tensor is torch memory). It is disabled for world
sizes other than 2/4/6/8 (vllm_versions.CUSTOM_AR_WORLD_SIZES), "on more than two PCIe-only
GPUs" (not fully connected), and without GPU P2P. From the 0.27.0 wheel (to 0.34.0) the
constructor takes 16 too, though should_custom_ar leaves every TP=16 all-reduce to NCCL.
vLLM counts it only before 0.11, where the worker's memory snapshot precedes the
communicators (vllm_versions.COMM_BEFORE_SNAPSHOT_FROM): charged at 2/4/6/8 there only."""

NVLS_BYTES = int(1.850 * GIB)
"""FITTED: NCCL on an NVSwitch with NVLink SHARP (Hopper and later SXM parts): NVLS multicast
buffers plus its many channels' buffers, per GPU. vLLM issue #9699 shows NCCL's line
"NVLS comm ... nvlsPerRankSize 301989888 nvlsTotalSize 2415919104" on 8x H200; the size
does not follow a formula we could read, so it is the mean of non_torch_forward_increase
minus the context term over the 6 v0.19 H100 runs at TP 2 and 4 (2.07-2.17 GiB logged; the
custom all-reduce and symmetric-memory buffers are not in them:
vllm_versions.COMM_BEFORE_SNAPSHOT_FROM):
1.850 GiB, leave-one-out error at most 0.084 GiB (`python bench/accuracy.py --fit`)."""


class NonTorchPart(NamedTuple):
    """One part of a worker's non-torch memory: its label, bytes and where its figure comes
    from (measured, fitted, read from source or assumed), written together so a part never
    lacks its source."""
    label: str
    bytes: int
    source: str


def non_torch_parts(
    layout: ParallelLayout, link: str = "nvlink", nvswitch_sharp: bool = True,
    tp_within_node: bool = True, comm_counted: bool = False,
) -> tuple[NonTorchPart, ...]:
    """Named parts of the non-torch memory of one worker that vLLM's profile counts: CUDA
    context, NCCL, custom AR.

    `link` is the node's intra-node link kind (planner.serving.hardware): P2P works over
    "nvlink" and "pcie"; `nvswitch_sharp`: the GPUs sit on an NVLink-SHARP NVSwitch (the
    fitted NVLS term). `comm_counted`: the release takes its memory snapshot before building
    the communicators (before vllm_versions.COMM_BEFORE_SNAPSHOT_FROM), so their custom
    all-reduce buffers count. --nnodes turning the custom all-reduce off
    (vllm_versions.NNODES_CUSTOM_AR_OFF) begins at 0.11.1, after that, so it moves no memory
    figure (speed reads it).
    """
    context = ("CUDA context: measured (non_torch_forward_increase of the v0.19 H100 "
               "start-ups: 0.24-0.27 GiB at TP=1, about 0.07 GiB per GPU with PP only, "
               "VLLM_ACCOUNTING section 5)")
    if layout.tp == 1:
        return (NonTorchPart("CUDA context", PP_ONLY_BYTES if layout.pp > 1 else CONTEXT_BYTES,
                             context),)
    p2p = link in ("nvlink", "pcie") and tp_within_node
    parts = [NonTorchPart("CUDA context", CONTEXT_BYTES, context)]
    if p2p and link == "nvlink" and nvswitch_sharp:
        parts.append(NonTorchPart(
            "NCCL NVLS + channels (fitted)", NVLS_BYTES,
            "NVLS + channels: fitted (mean over the 6 v0.19 H100 runs at TP 2 and 4)"))
    elif p2p:
        parts.append(NonTorchPart(
            f"NCCL {NCCL_P2P_CONNECTIONS} x 9.19 MiB P2P buffers",
            NCCL_P2P_CONNECTIONS * NCCL_CONNECTION_BYTES,
            "NCCL P2P buffers: 9.19 MiB per connection from NCCL src/init.cc's default buffer "
            f"sizes; {NCCL_P2P_CONNECTIONS} connections per GPU assumed (unverified: no log "
            "prints it)"))
    if comm_counted and custom_ar_enabled(link == "nvlink", p2p, layout.tp,
                                          CUSTOM_AR_WORLD_SIZES):
        parts.append(NonTorchPart(
            "vLLM custom all-reduce 2 x 8 MiB", CUSTOM_AR_BYTES,
            "custom all-reduce: vLLM custom_all_reduce.py (0.19.0 wheel), counted before 0.11 "
            "only"))
    return tuple(parts)


def non_torch_bytes(
    layout: ParallelLayout, link: str = "nvlink", nvswitch_sharp: bool = True,
    tp_within_node: bool = True, comm_counted: bool = False,
) -> int:
    """CUDA context + NCCL / custom all-reduce buffers per GPU (see non_torch_parts)."""
    parts = non_torch_parts(layout, link, nvswitch_sharp, tp_within_node, comm_counted)
    return sum(part.bytes for part in parts)
