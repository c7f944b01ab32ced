"""The GPU's compute capability as vLLM's start-up checks compare it (DeviceCapability.to_int():
major x 10 + minor), shared by every module of planner.serving.startup that asks it."""

from planner.serving.hardware import GpuSpec, capability_int


def capability(gpu: GpuSpec) -> int | None:
    """vLLM's DeviceCapability.to_int() of this GPU, major x 10 + minor (hardware.capability_int;
    None off NVIDIA or unknown)."""
    return capability_int(gpu.compute_capability)
