"""vLLM's prebuilt wheels hold no CUDA code for a GPU below compute capability 7.0 (Pascal:
Tesla P100 / P40, GTX 10 series), so a pip-installed vLLM stops at its first kernel
(wheel_arch_errors).

NOTE: `cuobjdump --list-elf` / `--list-ptx` (nvidia-cuda-cuobjdump 13.5.37) of the compiled ops
of the PyPI wheels (vllm/_C.abi3.so, _moe_C.abi3.so, _C_stable_libtorch.abi3.so): 0.9.1,
0.10.1, 0.10.2, 0.11.0, 0.12.0, 0.13.0, 0.14.0, 0.15.0, 0.16.0, 0.17.0 and 0.19.0 hold SASS
for sm_70 and newer, and one module of _C.abi3.so for sm_52 (SASS and PTX); 0.20.0, 0.21.0,
0.24.0, 0.27.1, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.33.0 and 0.34.0 for sm_75 and newer, PTX for
sm_75 / sm_80 and newer. None holds sm_60 or
sm_61 code, and SASS runs only within its major version, PTX only from its own version up, so
a 6.x GPU has no image of their kernels; releases between those read are taken to be alike.
vLLM's Python does not refuse 6.x (platforms/cuda.py supported_dtypes gives it float16 and
float32, 0.34.0 wheel); CUDA's error is what stops it, as a GTX 1080 Ti on pip-installed
vLLM 0.9.1 reported (vLLM issue #19542). A vLLM built from source for 6.x is not modelled."""

from planner.serving.hardware import GpuSpec
from planner.serving.startup.device import capability

WHEEL_MIN_CAPABILITY = 70
"""The lowest compute capability (major x 10 + minor) the compiled ops of every vLLM wheel read
hold code for (the NOTE above; from 0.20.0 it is 75, which this rule does not model)."""


def wheel_arch_errors(gpu: GpuSpec) -> list[str]:
    """CUDA's error where vLLM's wheels hold no code for the GPU's compute capability (below
    WHEEL_MIN_CAPABILITY); [] at 7.0 and up, off NVIDIA or where the capability is unknown."""
    current = capability(gpu)
    if current is None or current >= WHEEL_MIN_CAPABILITY:
        return []
    return [f"vLLM's prebuilt wheels hold no CUDA code for compute capability "
            f"{gpu.compute_capability} ({gpu.name}): their compiled ops are built for 7.0 and "
            "newer (7.5 from 0.20.0), so a pip-installed vLLM stops at its first kernel: "
            "\"RuntimeError: CUDA error: no kernel image is available for execution on the "
            "device\" (vLLM issue #19542: a GTX 1080 Ti on 0.9.1); a vLLM built from source "
            "for this GPU is not modelled."]
