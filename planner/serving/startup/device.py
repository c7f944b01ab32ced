"""The GPU's compute capability as vLLM's start-up checks compare it (DeviceCapability.to_int():
major x 10 + minor), shared by every module of planner.serving.startup that asks it."""

from planner.serving.hardware import GpuSpec, parse_capability


def capability(gpu: GpuSpec) -> int | None:
    """vLLM's DeviceCapability.to_int(): major x 10 + minor (None off NVIDIA or unknown)."""
    cc = parse_capability(gpu.compute_capability)
    return cc[0] * 10 + cc[1] if cc else None
