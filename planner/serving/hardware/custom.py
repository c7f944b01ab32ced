"""A GPU no preset holds (custom_gpu): planned from its CUDA total, its formats from its
compute capability where known, and the note a plan carries where that is unknown."""

from typing import Literal

from planner.serving.hardware.capability import (
    CONSERVATIVE_FORMATS,
    NVIDIA_CAPABILITIES,
    capability_problem,
    nvidia_formats,
)
from planner.serving.hardware.cluster import ClusterSpec
from planner.serving.hardware.presets import NO_P2P_GEFORCE, NO_P2P_NOTE, PRESET_ROWS
from planner.serving.hardware.spec import MAX_MEMORY_TOTAL_BYTES, GpuSpec, HardwareError
from planner.units import gib_text


def no_bf16_assumed_note(gpu: GpuSpec, how: str) -> str | None:
    """The note a plan on a GPU of unknown compute capability carries (custom_gpu without
    one: a --gpu-memory-gib GPU without --gpu-name or with one no preset has, an audited GPU
    of no preset whose capability was not read), None on any other: its native formats are
    then fp32 and fp16 only, so the plan serves a bfloat16 checkpoint as vLLM does on a card
    below capability 8.0 (engine.served_dtype), which a recent GPU would not. `how`: how to
    name its model where it is asked (the CLI's --gpu-name, the app's GPU model picker). It
    says too that such a GPU is taken to be one vLLM's wheels run on (the start-up checks try
    only those capabilities: startup.unknown_capability.possible_gpus), which a K80 is not."""
    if gpu.compute_capability or gpu.computes_bf16:
        return None
    return (f"{gpu.name}: its compute capability is unknown, so it is planned as a GPU without "
            "bfloat16 (fp32 and fp16 only, as vLLM serves a card below compute capability "
            "8.0: a bfloat16 model in float16, Gemma 2 in float32), where a recent GPU would "
            "load bfloat16, and as one vLLM's prebuilt wheels run on (none runs a Tesla K80 or "
            f"P40); {how} to plan it as a named GPU")


def no_bf16_assumed_notes(cluster: ClusterSpec, how: str) -> list[str]:
    """no_bf16_assumed_note of each GPU model the cluster's nodes plan, once a model (the
    nodes of a --gpu-memory-gib cluster share one; snapshots may mix them)."""
    gpus = {node.gpu.name: node.gpu for node in cluster.nodes}.values()
    return [note for gpu in gpus if (note := no_bf16_assumed_note(gpu, how))]


def with_capability(gpu: GpuSpec, compute_capability: str) -> GpuSpec:
    """An NVIDIA GPU as if of this compute capability, with that capability's native formats
    (nvidia_formats): what a GPU of unknown capability may be, for the start-up refusals that
    follow the capability (plan.refusals.unknown_capability_refusals)."""
    weights, kv = nvidia_formats(compute_capability)
    return gpu.model_copy(update={"compute_capability": compute_capability,
                                  "native_weight_formats": weights, "native_kv_dtypes": kv})


MEMORY_LABEL_MARGIN = 0.10
"""How far below a GPU's given memory a preset's CUDA total may be for the GPU to be of that
preset's compute capability (capabilities_of_size). --gpu-memory-gib asks for what CUDA
reports, yet a card's label is what a person knows: an "80 GB" A100 given as 80 GiB is over
its 79.25 GiB CUDA total. Among the presets the label read as GiB is furthest over the total
on the A2 and A16 ("16 GB", 14.50 GiB): 14.50 GiB is 9.4 % below 16 GiB (1 - 14.50 / 16), so
10 % keeps every preset's label within reach of its own capability. A wider margin only adds
capabilities, so the refusals it decides (plan.refusals) refuse more, never less."""

_LARGEST_TOTAL_BYTES: dict[str, int] = {
    cc: max((gpu.memory_total_bytes for gpu in PRESET_ROWS
             if gpu.vendor == "nvidia" and gpu.compute_capability == cc), default=0)
    for cc in NVIDIA_CAPABILITIES}
"""The largest CUDA total of an NVIDIA preset of each compute capability Headroom knows (0:
none has it)."""


def capabilities_of_size(memory_total_bytes: int) -> tuple[str, ...]:
    """The NVIDIA compute capabilities (NVIDIA_CAPABILITIES, oldest first) a GPU of unknown
    capability with this CUDA total may have: those of a preset whose total is at least this
    one less MEMORY_LABEL_MARGIN (80 GiB: 8.0, the A100 80GB's 79.25 GiB; not 7.5, whose
    largest preset, the Quadro RTX 8000, has 47.46 GiB); every one where no preset is that
    large (a GPU larger than any Headroom knows is not told apart by its memory)."""
    floor = memory_total_bytes * (1 - MEMORY_LABEL_MARGIN)
    return (tuple(cc for cc, largest in _LARGEST_TOTAL_BYTES.items() if largest >= floor)
            or NVIDIA_CAPABILITIES)


def custom_gpu(
    memory_total_bytes: int,
    name: str = "Custom GPU",
    *,
    key: str = "custom",
    vendor: Literal["nvidia", "amd"] = "nvidia",
    compute_capability: str = "",
    memory_bandwidth_gbps: float = 0.0,
    unified_memory: bool = False,
    notes: str = "measured by audit; no preset",
) -> GpuSpec:
    """A GpuSpec for a GPU without a preset, from its CUDA total (bytes).

    Native formats follow the compute capability when given; otherwise only fp32/fp16
    are assumed. Bandwidth 0.0 means unknown. A GeForce RTX 30/40/50 card no preset names
    (an RTX 4090 D) links as those presets do, pcie-no-p2p: its driver refuses P2P.
    """
    if not 0 < memory_total_bytes < MAX_MEMORY_TOTAL_BYTES:
        raise HardwareError(
            f"GPU memory total must be between 1 byte and 1 TiB, got {memory_total_bytes} bytes"
        )
    if not name.strip():
        raise HardwareError("GPU name must not be empty")
    if memory_bandwidth_gbps < 0:
        raise HardwareError(f"memory bandwidth must be >= 0 GB/s, got {memory_bandwidth_gbps}")
    unreal = (capability_problem(compute_capability)
              if vendor == "nvidia" and compute_capability else None)
    if unreal:
        raise HardwareError(unreal)
    weights, kv = (
        nvidia_formats(compute_capability)
        if vendor == "nvidia"
        else (CONSERVATIVE_FORMATS, ("fp16",))
    )
    no_p2p = vendor == "nvidia" and NO_P2P_GEFORCE.search(name) is not None
    return GpuSpec(
        key=key,
        name=name,
        vendor=vendor,
        memory_label=f"{gib_text(memory_total_bytes)} (measured)",
        memory_total_bytes=memory_total_bytes,
        memory_bandwidth_gbps=memory_bandwidth_gbps,
        compute_capability=compute_capability,
        native_weight_formats=weights,
        native_kv_dtypes=kv,
        unified_memory=unified_memory,
        interconnect="unknown",
        default_intra_node_link="pcie-no-p2p" if no_p2p else "pcie",
        source="custom",
        notes=f"{notes} {NO_P2P_NOTE}" if no_p2p else notes,
    )
