"""vLLM's prebuilt wheels hold no code for compute capability 6.x (cuobjdump of their compiled
ops: sm_70 and newer to 0.19.0, sm_75 and newer from 0.20.0; startup.wheel_arch's NOTE): a P40
or P100 was planned to fit, and a pip-installed vLLM stops at its first kernel."""

import pytest

from planner.serving.hardware import GIB, custom_gpu
from planner.serving.startup.wheel_arch import wheel_arch_errors


@pytest.mark.parametrize("cc", ["6.0", "6.1", "5.2"])
def test_below_7_0_is_refused_with_cuda_s_words(cc: str) -> None:
    gpu = custom_gpu(24 * GIB, name="Tesla P40", compute_capability=cc)
    [error] = wheel_arch_errors(gpu)
    assert error.startswith(f"vLLM's prebuilt wheels hold no CUDA code for compute capability "
                            f"{cc} (Tesla P40)")
    assert "no kernel image is available for execution on the device" in error


@pytest.mark.parametrize("cc", ["7.0", "7.5", "8.0", ""])
def test_7_0_up_and_an_unknown_capability_are_not(cc: str) -> None:
    assert wheel_arch_errors(custom_gpu(24 * GIB, compute_capability=cc)) == []
