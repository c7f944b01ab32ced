"""vLLM's prebuilt wheels, and the PyTorch each pins, hold no CUDA code for a GPU below compute
capability 7.0 (Pascal: Tesla P100 / P40, GTX 10 series) on any release, nor below 7.5 (Volta:
Tesla V100, TITAN V) from 0.20.0, so a pip-installed vLLM stops at its first kernel
(wheel_arch_errors).

NOTE: `cuobjdump --list-elf` / `--list-ptx` (nvidia-cuda-cuobjdump 13.5.37) of the compiled ops
of the PyPI wheels (vllm/_C.abi3.so, _moe_C.abi3.so, _C_stable_libtorch.abi3.so,
_moe_C_stable_libtorch.abi3.so): 0.9.1, 0.10.1, 0.10.2, 0.11.0, 0.12.0, 0.13.0, 0.14.0, 0.15.0,
0.16.0, 0.17.0 and 0.19.0 hold SASS for sm_70 and newer, and one module of _C.abi3.so for sm_52
(SASS and PTX); 0.20.0, 0.21.0, 0.24.0, 0.27.1, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.33.0 and
0.34.0 for sm_75 and newer, PTX for sm_75 / sm_80 and newer. None holds sm_60 or sm_61 code,
and SASS runs only within its major version, PTX only from its own version up, so a 6.x GPU
has no image of their kernels, nor a 7.0 one of 0.20.0's and later; releases between those
read are taken to be alike. vLLM's Python does not refuse 6.x (platforms/cuda.py
supported_dtypes gives it float16 and float32, 0.34.0 wheel); CUDA's error is what stops it,
as a GTX 1080 Ti on pip-installed vLLM 0.9.1 reported (vLLM issue #19542). A vLLM built from
source for 6.x is not modelled.

NOTE (7.0 from 0.20.0): it is not only vLLM's ops. 0.20.0's ops link libcudart.so.13 (the
default wheel is CUDA 13 from vLLM PR #39878, "Switch default CUDA to 13.0", which sets the
arch lists to 7.5 and up), and each wheel pins the PyPI torch (METADATA Requires-Dist:
torch==2.11.0 in 0.20.0-0.26.0, 2.13.0 in 0.27.1-0.32.0, 2.14.0 in 0.33.0-0.34.0; 2.10.0 in
0.19.0), which from 2.11.0 is torch 2.x+cu130 (torch/version.py; nvidia-*-cu13 Requires-Dist):
`cuobjdump` of torch/lib/libtorch_cuda.so of 2.11.0, 2.13.0 and 2.14.0 lists SASS for sm_75,
sm_80, sm_86, sm_90, sm_100 and sm_120 only and no PTX, as torch's own table says
(torch/cuda/__init__.py PYTORCH_RELEASES_CODE_CC "13.0": 75 and up; PyTorch dropped Volta from
its CUDA 12.8 and 12.9 builds too in 2.11: pytorch PRs #172598 and #175253, issue #172352). So
a V100 has no image of PyTorch's own kernels (GPUModelRunner.__init__'s torch.zeros buffers on
the GPU, gpu_model_runner.py, 0.20.0 wheel, before the model loads) before any vLLM op:
every model stops, dense or MoE, whatever the attention backend or compile settings (a MoE
forward also reaches _moe_C's topk_softmax, fused_moe/router/fused_topk_router.py). A Tesla
V100-SXM2-32GB on a nightly after the switch (0.19.1rc1.dev391, its torch warning it was built
for 7.5 and up; CUDA 12.9 or 13.0 not said) stopped at start-up with "torch.AcceleratorError:
CUDA error: no kernel image is available for execution on the device" (vLLM PR #39878, comment
of 2026-04-18). vLLM's CUDA 12.9 variant (off PyPI) pairs with
PyTorch's 12.9 builds, which hold 7.5 and up as well (pytorch PRs #172598, #188443); a vLLM
and PyTorch built for 7.0 (PyTorch's CUDA 12.6 wheels hold it) are not modelled."""

from planner.serving.hardware import GpuSpec, NoGpuPresetError, capability_int
from planner.serving.startup.device import capability
from planner.serving.vllm_versions import Version, version_label

WHEEL_MIN_CAPABILITY = 70
"""The lowest compute capability (major x 10 + minor) the compiled ops of every vLLM wheel read
hold code for, to 0.19 (the NOTE above)."""

CUDA13_WHEELS_FROM: Version = (0, 20, 0)
"""From this release vLLM's wheels and the PyTorch they pin are CUDA 13 builds for
CUDA13_MIN_CAPABILITY and up (the second NOTE above)."""

CUDA13_MIN_CAPABILITY = 75

LAST_CUDA12_RELEASE = "0.19"
"""The last release line before CUDA13_WHEELS_FROM (0.19.x): the newest whose wheels hold code
for WHEEL_MIN_CAPABILITY to CUDA13_MIN_CAPABILITY, as the texts name it."""


def wheel_arch_errors(gpu: GpuSpec, version: Version) -> list[str]:
    """CUDA's error where the release's wheels hold no code for the GPU's compute capability
    (below WHEEL_MIN_CAPABILITY, or CUDA13_MIN_CAPABILITY from CUDA13_WHEELS_FROM); [] where
    they do, off NVIDIA or where the capability is unknown."""
    current = capability(gpu)
    cuda13 = version >= CUDA13_WHEELS_FROM
    minimum = CUDA13_MIN_CAPABILITY if cuda13 else WHEEL_MIN_CAPABILITY
    if current is None or current >= minimum:
        return []
    built = ("vLLM's compiled ops from 0.20.0, and the PyTorch each pins (torch 2.11.0 and "
             "later, +cu130), are CUDA 13 builds for 7.5 and newer" if cuda13 else
             "their compiled ops are built for 7.0 and newer (7.5 from 0.20.0)")
    seen = ("vLLM PR #39878: a V100 on a 0.19.1 nightly with torch 2.11" if cuda13
            else "vLLM issue #19542: a GTX 1080 Ti on 0.9.1")
    older = (" vLLM 0.19 and earlier hold code for it;"
             if cuda13 and current >= WHEEL_MIN_CAPABILITY else "")
    return [f"vLLM's prebuilt wheels hold no CUDA code for compute capability "
            f"{gpu.compute_capability} ({gpu.name}) on vLLM {version_label(version)}: {built}, "
            "so a pip-installed vLLM stops at its first kernel: \"CUDA error: no kernel image "
            f"is available for execution on the device\" ({seen});{older} a vLLM built from "
            "source for this GPU is not modelled."]


def wheel_floor(compute_capability: str) -> str | None:
    """Which releases' prebuilt wheels hold no CUDA code for a GPU of this compute capability,
    whatever --vllm-version (said of a GPU no preset has, named before any plan: "6.1": no
    release's, "7.0": 0.20.0's and later); None where every release's hold it, or the
    capability is unknown."""
    current = capability_int(compute_capability)
    if current is None or current >= CUDA13_MIN_CAPABILITY:
        return None
    since, newer = version_label(CUDA13_WHEELS_FROM), f"{CUDA13_MIN_CAPABILITY / 10:.1f} and newer"
    if current < WHEEL_MIN_CAPABILITY:
        return (f"vLLM's prebuilt wheels hold no CUDA code for compute capability "
                f"{compute_capability} on any release ({WHEEL_MIN_CAPABILITY / 10:.1f} and newer "
                f"to {LAST_CUDA12_RELEASE}, {newer} from {since}), so a pip-installed vLLM "
                "cannot run it")
    return (f"vLLM's prebuilt wheels hold no CUDA code for compute capability "
            f"{compute_capability} from {since} ({newer}), so a pip-installed vLLM {since} or "
            f"later cannot run it ({LAST_CUDA12_RELEASE} and earlier hold code for it)")


def no_preset_text(exc: NoGpuPresetError) -> str:
    """The error for a GPU name no preset has, and, where NVIDIA's tables give its compute
    capability, what vLLM's wheels run on it (wheel_floor): the CLI's --gpu, recommend's and
    the app's link say it alike."""
    floor = wheel_floor(exc.capability[0]) if exc.capability else None
    return f"{exc}: {floor}" if floor else str(exc)
