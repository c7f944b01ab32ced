"""A GPU as an audit reads it (NVML name, measured total, compute capability) matched to its
preset, else planned as a custom GPU (match_gpu_name, unified_preset)."""

from planner.serving.hardware.capability import parse_capability
from planner.serving.hardware.custom import custom_gpu
from planner.serving.hardware.memory_total import with_memory_total
from planner.serving.hardware.names import BY_SPELLING, compact_name
from planner.serving.hardware.presets import GPU_PRESETS
from planner.serving.hardware.spec import GpuSpec

# NOTE: a name match is only trusted when the measured total is within 10% of the
# preset's, so a 48 GB modded RTX 4090 (~47 GiB) is not taken for the 24 GB preset.
# Unified-memory parts (GB10) are matched by name alone: NVML reports no memory total
# for them, so an audit can only pass host RAM or nothing.
_NAME_MATCH_MEMORY_TOLERANCE = 0.10


def memory_near(gpu: "GpuSpec", memory_total_bytes: int) -> bool:
    """Whether a total is the preset's memory size (within _NAME_MATCH_MEMORY_TOLERANCE)."""
    gap = abs(gpu.memory_total_bytes - memory_total_bytes) / gpu.memory_total_bytes
    return gap <= _NAME_MATCH_MEMORY_TOLERANCE


def match_gpu_name(nvml_name: str, memory_total_bytes: int,
                   compute_capability: str | None = None) -> GpuSpec:
    """The preset for an NVML name, else a custom GpuSpec built from the measured total and
    the measured compute capability (NVML's "major.minor", whose native formats it plans:
    custom_gpu; another string or None leaves it unknown, fp32/fp16 only).

    The preset keeps its identity (name, compute capability, formats, link, the name and
    size vLLM's batch defaults read) and plans the measured total (with_memory_total): vLLM
    takes its budget from the CUDA total of the GPU it runs on, which is not always the
    preset's (an RTX 4090 prints 23.64 GiB on native Linux, 23.99 GiB under WSL2 and 23.52
    GiB on another host: bench/public_memory_runs.json). The measured total also refuses a
    match whose memory is clearly another product (see the NOTE above), and settles an NVML
    name two presets share (the RTX 3080's 10 and 12 GB cards) by the closer total. A unified-memory
    part keeps the preset's total: NVML gives it none (GB10), so what an audit passes is
    not CUDA's total.
    """
    unified = unified_preset(nvml_name)
    if unified is not None:
        return unified
    named = (GPU_PRESETS[key] for key in BY_SPELLING.get(compact_name(nvml_name), ()))
    # presets sharing the NVML name (RTX 3080 10 / 12 GB): the closest total first
    for gpu in sorted(named, key=lambda g: abs(g.memory_total_bytes - memory_total_bytes)):
        if memory_total_bytes == gpu.memory_total_bytes:
            return gpu
        if memory_near(gpu, memory_total_bytes):
            return with_memory_total(gpu, memory_total_bytes, "measured")
    capability = compute_capability or ""
    return custom_gpu(
        memory_total_bytes,
        name=nvml_name.strip() or "Unnamed GPU",
        compute_capability=capability if parse_capability(capability) else "",
        notes=f"measured by audit; no preset for {nvml_name!r} at this memory size",
    )


def unified_preset(nvml_name: str) -> GpuSpec | None:
    """The unified-memory preset (GB10, GH200) an NVML name designates, matched by name alone
    (the NOTE above): an audit plans it without a memory total, which NVML does not report
    for GB10 (nvmlDeviceGetMemoryInfo: NOT_SUPPORTED; planner.serving.engine
    default_batch_limits cites the reports)."""
    return next((GPU_PRESETS[key] for key in BY_SPELLING.get(compact_name(nvml_name), ())
                 if GPU_PRESETS[key].unified_memory), None)
