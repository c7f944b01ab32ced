"""A GPU's memory total other than its preset's: one given in GiB, one given or measured
(with_memory_total), and one under Windows WSL2 (with_wsl2: nvidia-smi's whole total)."""

from typing import Literal

from planner.serving.hardware.presets import (
    GPU_PRESETS,
    MEASURED_TOTAL_STEP,
    OLDER_DRIVER_DROP_BYTES,
)
from planner.serving.hardware.spec import MAX_MEMORY_TOTAL_BYTES, GpuSpec, HardwareError
from planner.units import GIB, MIB, gib_text, gib_text_as_given, number_as_given


def memory_total_of_gib(gib: float) -> int:
    """The CUDA total in bytes of a memory given in GiB (the CLI's --gpu-memory-gib, the app's
    gmem), rounded to a byte as both plan it; ValueError where that total is no byte or
    MAX_MEMORY_TOTAL_BYTES or more, which build_cluster refuses, so the input refuses it where
    it is typed (1e-300 GiB: 0 B; 1023.99999999999 GiB: 1 TiB)."""
    total = round(gib * GIB)
    if total < 1:
        raise ValueError(f"{gib:g} GiB is less than one byte")
    if total >= MAX_MEMORY_TOTAL_BYTES:
        raise ValueError(f"{gib!r} GiB rounds to 1 TiB (1024 GiB) or more")
    return total


# NOTE: Windows WSL2. Under WSL2 the GPU is run by the Windows driver (WDDM), which reports
# the whole framebuffer: CUDA's total is nvidia-smi's, with no driver reservation taken off.
# Two WSL2 logs (bench/public_memory_runs.json): an RTX 4090, nvidia-smi 24564 MiB, vLLM
# 0.27.1 prints 'Free memory on device (22.45/23.99 GiB)' (find_string id 61815222665):
# 24564 / 1024 = 23.99 GiB, where native Linux shows 23.64 (357 MiB kept); an RTX 4080,
# 'RTX 4080 16376 MiB', the notes' '14.39 GiB = 15.99 总量 x 0.9': 16376 / 1024 = 15.99 GiB.
WSL2_REASON = (
    "Windows WSL2: the Windows driver (WDDM) reports the whole framebuffer, so CUDA's total is "
    "nvidia-smi's (RTX 4090: 24564 MiB, vLLM prints 'Free memory on device (22.45/23.99 GiB)'; "
    "RTX 4080: 16376 MiB, 15.99 GiB; bench/public_memory_runs.json), not the native-Linux total "
    "less the driver's reservation")
"""Why a WSL2 plan's budget starts from nvidia-smi's total (the budget term's source)."""


class NoWsl2TotalError(HardwareError):
    """WSL2 asked of a preset whose nvidia-smi total no source gives: `what` says so, `key` is
    the preset's; the CLI and the app add how to give the memory in their own words."""

    def __init__(self, gpu: "GpuSpec") -> None:
        self.key = gpu.key
        why = _NO_NVIDIA_SMI_TOTAL.get(gpu.key)
        self.what = (f"no nvidia-smi total is on record for {gpu.key} ({gpu.name})"
                     + (f": {why}" if why else "") + ", so its memory under WSL2 is not known")
        super().__init__(f"{self.what}: give the memory CUDA reports")


# GB10: DGX Spark nvidia-smi tables read 'NVIDIA GB10 ... | Not Supported |' in the
# Memory-Usage column (find_string ids 53454382365, 54083393170).
_NO_NVIDIA_SMI_TOTAL = {
    "dgx-spark-gb10": "nvidia-smi prints none for its unified memory ('Memory-Usage: Not "
                      "Supported')",
}
"""Why a preset has no nvidia-smi total, where the reason is more than none being found
(NoWsl2TotalError says it)."""


def with_wsl2(gpu: GpuSpec) -> GpuSpec:
    """A preset's model with its total under Windows WSL2: nvidia-smi's whole total (the NOTE
    above), or NoWsl2TotalError where none is on record."""
    if gpu.nvidia_smi_total_mib is None:
        raise NoWsl2TotalError(gpu)
    total = gpu.nvidia_smi_total_mib * MIB
    return gpu.model_copy(update={
        "memory_total_bytes": total, "wsl2": True, "memory_label": f"{gib_text(total)} (WSL2)",
        "memory_total_cuda_driver": "",
        "source": f"{gpu.source}; memory under WSL2: nvidia-smi's {gpu.nvidia_smi_total_mib:,} "
                  f"MiB = {gib_text(total)}"})


def with_memory_total(gpu: GpuSpec, memory_total_bytes: int,
                      how: Literal["given", "measured"]) -> GpuSpec:
    """A preset's model with another CUDA total (bytes), given by the user or measured by an
    audit: the preset's identity kept, the budget from this total; the label and source
    say where the total came from."""
    shown = gib_text_as_given(memory_total_bytes) if how == "given" else gib_text(
        memory_total_bytes)
    return gpu.model_copy(update={
        "memory_total_bytes": memory_total_bytes, "memory_total_cuda_driver": "",
        "memory_label": f"{shown} ({how})", "source": f"{gpu.source}; memory as {how} ({shown})"})


def memory_total_note(gpu: GpuSpec, gpu_memory_utilization: float) -> str:
    """Where a preset model's total comes from when it is not the preset's, in bytes too (a
    measured total may round to the preset's GiB figure): "total 23.57 GiB (measured) =
    25,308,430,336 B, where the rtx-3090 preset holds 25,308,094,792 B (23.57 GiB)"; for a
    preset as it is whose total an older driver read, how much high the budget may be
    (old_driver_budget_note); else empty, and for a GPU of no preset."""
    preset = GPU_PRESETS.get(gpu.key)
    if preset is None:
        return ""
    if preset.memory_total_bytes == gpu.memory_total_bytes:
        return old_driver_budget_note(gpu, gpu_memory_utilization)
    return (f"total {gpu.memory_label} = {gpu.memory_total_bytes:,} B, where the {gpu.key} "
            f"preset holds {preset.memory_total_bytes:,} B "
            f"({gib_text(preset.memory_total_bytes)})"
            + (f" (native Linux); {WSL2_REASON}" if gpu.wsl2 else ""))


def old_driver_budget_note(gpu: GpuSpec, gpu_memory_utilization: float) -> str:
    """For a preset total read on a CUDA driver older than 12.8 (memory_total_cuda_driver), how
    much high the budget may be on a current driver: utilization x the most a newer driver was
    measured to report less (presets.OLDER_DRIVER_DROP_BYTES: 157 MiB; at 0.9, 141 MiB); ''
    for any other total."""
    driver = gpu.memory_total_cuda_driver
    if not driver:
        return ""
    drop_mib = OLDER_DRIVER_DROP_BYTES // MIB
    return (f"the {gpu.key} preset's total was read on a CUDA {driver} driver; newer drivers "
            f"report up to {drop_mib} MiB less (the preset's notes give the measured pairs), so "
            f"this budget may be up to {number_as_given(gpu_memory_utilization)} x {drop_mib} "
            "MiB = "
            f"{gpu_memory_utilization * drop_mib:.0f} MiB high: {MEASURED_TOTAL_STEP}")
