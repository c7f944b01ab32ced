"""A setting vLLM refuses on some compute capability, checked on an NVIDIA GPU whose capability
is unknown (custom_gpu given by its memory only): the checks that follow the capability pass
such a GPU, so each capability it may have is tried (possible_gpus) and the setting refused
where one of them refuses it (unknown_capability_refusal); a setting every one refuses is one
vLLM cannot run there at all (every_capability_refusal: the app does not offer it)."""

from collections.abc import Callable

from planner.serving.hardware import (
    MEMORY_LABEL_MARGIN,
    NVIDIA_CAPABILITIES,
    GpuSpec,
    capabilities_of_size,
    with_capability,
)
from planner.serving.startup.wheel_arch import wheel_arch_errors
from planner.serving.vllm_versions import Version, version_label
from planner.units import gib_text

GIVE_GPU_MODEL = ("give a GPU model Headroom knows (--gpu-name with --gpu-memory-gib, e.g. "
                  "'RTX 4090')")
"""How the CLI names the GPU's model, which gives its capability (the app names its Hardware
page's field instead: ui.context.app_words)."""

Errors = Callable[[GpuSpec], set[str]]
"""A start-up check that follows the capability: its refusals on a GPU."""


def _run(gpu: GpuSpec, version: Version, ccs: tuple[str, ...]) -> tuple[GpuSpec, ...]:
    """`gpu` as each of these compute capabilities (with_capability) vLLM `version`'s wheels
    run on (no wheel_arch_errors)."""
    return tuple(g for g in (with_capability(gpu, cc) for cc in ccs)
                 if not wheel_arch_errors(g, version))


def possible_gpus(gpu: GpuSpec, version: Version) -> tuple[GpuSpec, ...]:
    """`gpu` as each compute capability it may have (capabilities_of_size of its memory) that
    vLLM `version`'s wheels run on; () where `gpu` is not an NVIDIA GPU of unknown
    capability."""
    if gpu.vendor != "nvidia" or gpu.compute_capability:
        return ()
    return _run(gpu, version, capabilities_of_size(gpu.memory_total_bytes))


def _refused(gpu: GpuSpec, version: Version, errors: Errors
             ) -> tuple[tuple[GpuSpec, ...], dict[str, set[str]], bool]:
    """(possible_gpus; each capability of them -> the errors `errors` gives it that `gpu`
    itself does not meet, where there are some: one already given with the unknown capability
    is not given twice; whether `gpu` itself meets some)."""
    gpus = possible_gpus(gpu, version)
    known = errors(gpu) if gpus else set()
    new = {g.compute_capability: errors(g) - known for g in gpus}
    return gpus, {cc: e for cc, e in new.items() if e}, bool(known)


def _among(gpu: GpuSpec, version: Version, gpus: tuple[GpuSpec, ...]) -> str:
    """The capabilities tried, and why those: every one the wheels run on, or those of the
    presets of its memory (capabilities_of_size)."""
    ccs = [g.compute_capability for g in gpus]
    if len(gpus) == len(_run(gpu, version, NVIDIA_CAPABILITIES)):
        return f"{ccs[0]} to {ccs[-1]}, which its wheels run on"
    floor_bytes = gpu.memory_total_bytes * (1 - MEMORY_LABEL_MARGIN)
    return (f"{', '.join(ccs)}: those of Headroom's GPUs of {gib_text(floor_bytes)} or more (its "
            f"{gib_text(gpu.memory_total_bytes)} less {MEMORY_LABEL_MARGIN * 100:.0f} %) "
            "that its wheels run on")


def unknown_capability_refusal(gpu: GpuSpec, version: Version, what: str, errors: Errors
                               ) -> str | None:
    """Where `gpu` is NVIDIA of unknown compute capability: the refusal of `what` if `errors`
    gives some capability it may have (possible_gpus) an error it does not meet, naming them
    and how to give its model where others run it; every_capability_refusal's where none
    does. None where every one runs it, where `gpu` itself meets an error of `errors` and
    every capability refuses it (the setting is refused in those words already), or where the
    capability is known."""
    gpus, refused, known = _refused(gpu, version, errors)
    if not refused:
        return None
    if len(refused) == len(gpus):
        return None if known else _every_text(gpu, version, what, gpus, refused)
    return (f"{gpu.name}: its compute capability is unknown, and vLLM {version_label(version)} "
            f"refuses {what} on compute capability {', '.join(refused)} (of "
            f"{_among(gpu, version, gpus)}); {GIVE_GPU_MODEL} to plan it with its capability")


def every_capability_refusal(gpu: GpuSpec, version: Version, what: str, errors: Errors
                             ) -> str | None:
    """Where `gpu` is NVIDIA of unknown compute capability and every capability it may have
    (possible_gpus) refuses `what`, and `gpu` itself meets no error of `errors` (whose words
    refuse it already): the refusal, with the newest one's reason in vLLM's words (naming the
    GPU's model would not help); None otherwise."""
    gpus, refused, known = _refused(gpu, version, errors)
    return _every_text(gpu, version, what, gpus, refused) \
        if refused and len(refused) == len(gpus) and not known else None


def _every_text(gpu: GpuSpec, version: Version, what: str, gpus: tuple[GpuSpec, ...],
                refused: dict[str, set[str]]) -> str:
    """every_capability_refusal's words."""
    newest = gpus[-1].compute_capability
    return (f"{gpu.name}: its compute capability is unknown, and vLLM {version_label(version)} "
            f"refuses {what} on every compute capability it may have (of "
            f"{_among(gpu, version, gpus)}); on {newest}: {' '.join(sorted(refused[newest]))}")
