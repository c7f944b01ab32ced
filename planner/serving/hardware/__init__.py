"""GPU presets, nodes and clusters: the hardware side of a plan.

Every preset row cites where its figures come from. `memory_total_bytes` is what CUDA reports as
*total* (cudaMemGetInfo, the figure vLLM multiplies by `gpu_memory_utilization`), not the
marketing label: the driver keeps a few hundred MiB of the board for itself, so an "80 GB" H100
shows 79.19 GiB.

One concept per module; this package re-exports their public names:
- spec: the models (GpuSpec, PcieSlot, NodeSpec, NetworkSpec) and the hardware errors;
- capability: what an NVIDIA compute capability gives (native formats, SM_UNITS);
- links: link physics (PCIe rates, NVLink, the network, NCCL latencies, nvidia-smi topology);
- cluster: ClusterSpec, where each rank sits, link and slot overrides, preset_cluster;
- presets: the preset rows with their sources and shared notes (GPU_PRESETS), the CUDA total
  estimated from nvidia-smi's (the NOTE on driver reservation);
- names: GPU names to presets (spellings, NVML and MIG names, near-miss hints, other memory
  sizes, CAPABILITY_WITHOUT_PRESET);
- memory_total: a total other than the preset's (given in GiB, measured, under WSL2);
- custom: a GPU no preset holds (custom_gpu), the note on an unknown capability and the
  capabilities a GPU of that memory may have (capabilities_of_size);
- nvml_match: an audited GPU (NVML name and total) matched to its preset.
"""

from planner.serving.hardware.capability import (
    NVIDIA_CAPABILITIES,
    SM_UNITS,
    GpuFormat,
    capability_int,
    capability_problem,
    cc_to_int,
    parse_capability,
    sm_cycles,
)
from planner.serving.hardware.cluster import (
    SNAPSHOTS_SOURCE,
    ClusterSpec,
    gpus_label,
    network_assumed_text,
    node_starts,
    preset_cluster,
    with_link,
    with_pcie_slot,
)
from planner.serving.hardware.custom import (
    MEMORY_LABEL_MARGIN,
    capabilities_of_size,
    custom_gpu,
    no_bf16_assumed_note,
    no_bf16_assumed_notes,
    with_capability,
)
from planner.serving.hardware.links import (
    HOST_STAGED_FRACTION,
    NCCL_NET_STARTUP_US,
    NCCL_NET_STEP_US,
    NETWORK_DEFAULT_GBITS,
    NETWORK_GBITS_PER_GPU,
    PCIE_LANES,
    PCIE_NCCL_STARTUP_US,
    PCIE_NCCL_STEP_US,
    PCIE_X16_GBPS,
    LinkSpec,
    PcieRate,
    default_network_gbits,
    link_from_topology,
    link_spec,
    network_link,
    no_nvlink,
    pcie_rate,
    pcie_slot_problem,
)
from planner.serving.hardware.memory_total import (
    WSL2_REASON,
    NoWsl2TotalError,
    memory_total_note,
    memory_total_of_gib,
    with_memory_total,
    with_wsl2,
)
from planner.serving.hardware.names import (
    CAPABILITY_WITHOUT_PRESET,
    SIZES_WITHOUT_PRESET,
    AmbiguousGpuError,
    MigInstanceError,
    NoGpuPresetError,
    OtherMemorySizeError,
    capability_from_name,
    did_you_mean,
    gpu_preset,
    mig_instance,
    mig_parent,
    near_gpu_hint,
    near_gpu_keys,
    other_presets_named,
    preset_choice_note,
    preset_named,
    resolve_gpu_key,
    size_without_preset,
    stated_gb,
    states_other_memory,
    suggested_gpu_keys,
)
from planner.serving.hardware.nvml_match import match_gpu_name, memory_near, unified_preset
from planner.serving.hardware.presets import GPU_PRESETS, MEASURED_TOTAL_STEP
from planner.serving.hardware.spec import (
    MAX_GPUS_PER_NODE,
    MAX_MEMORY_TOTAL_BYTES,
    NETWORK_FORM,
    FormatSupport,
    GpuSpec,
    HardwareError,
    LinkKind,
    NetworkSpec,
    NodeSpec,
    OnePerMachineError,
    PcieSlot,
    UnknownGpuError,
    parse_network,
)

__all__ = [
    # spec
    "MAX_GPUS_PER_NODE", "MAX_MEMORY_TOTAL_BYTES", "NETWORK_FORM", "FormatSupport", "GpuSpec",
    "HardwareError", "LinkKind", "NetworkSpec", "NodeSpec", "OnePerMachineError", "PcieSlot",
    "UnknownGpuError", "parse_network",
    # capability
    "NVIDIA_CAPABILITIES", "SM_UNITS", "GpuFormat", "capability_int", "capability_problem",
    "cc_to_int", "parse_capability", "sm_cycles",
    # links
    "HOST_STAGED_FRACTION", "NCCL_NET_STARTUP_US", "NCCL_NET_STEP_US", "NETWORK_DEFAULT_GBITS",
    "NETWORK_GBITS_PER_GPU", "PCIE_LANES", "PCIE_NCCL_STARTUP_US", "PCIE_NCCL_STEP_US",
    "PCIE_X16_GBPS", "LinkSpec", "PcieRate", "default_network_gbits", "link_from_topology",
    "link_spec", "network_link", "no_nvlink", "pcie_rate", "pcie_slot_problem",
    # cluster
    "SNAPSHOTS_SOURCE", "ClusterSpec", "gpus_label", "network_assumed_text", "node_starts",
    "preset_cluster",
    "with_link", "with_pcie_slot",
    # presets
    "GPU_PRESETS", "MEASURED_TOTAL_STEP",
    # names
    "CAPABILITY_WITHOUT_PRESET", "SIZES_WITHOUT_PRESET", "AmbiguousGpuError", "MigInstanceError",
    "NoGpuPresetError", "OtherMemorySizeError", "capability_from_name", "did_you_mean",
    "gpu_preset", "mig_instance", "mig_parent", "near_gpu_hint", "near_gpu_keys",
    "other_presets_named", "preset_choice_note", "preset_named", "resolve_gpu_key",
    "size_without_preset", "stated_gb", "states_other_memory", "suggested_gpu_keys",
    # memory_total
    "WSL2_REASON", "NoWsl2TotalError", "memory_total_note", "memory_total_of_gib",
    "with_memory_total", "with_wsl2",
    # custom
    "MEMORY_LABEL_MARGIN", "capabilities_of_size", "custom_gpu", "no_bf16_assumed_note",
    "no_bf16_assumed_notes", "with_capability",
    # nvml_match
    "match_gpu_name", "memory_near", "unified_preset",
]
