"""What an NVIDIA compute capability gives a GPU: the number formats its tensor cores compute
natively (GpuFormat, per capability) and its FP32 and special-function lanes per SM (SM_UNITS),
which turn a datasheet FP32 rate into SMs x clock."""

import re
from typing import Literal

GpuFormat = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4", "mxfp4", "nvfp4"]
"""Number formats a GPU's tensor cores (matrix units) compute in natively."""


def parse_capability(compute_capability: str) -> tuple[int, int] | None:
    """An NVIDIA "major.minor" compute capability as numbers; None off NVIDIA or unknown (an
    AMD target such as "gfx942", an empty string)."""
    match = re.fullmatch(r"(\d+)\.(\d+)", compute_capability)
    return (int(match[1]), int(match[2])) if match else None


def cc_to_int(cc: tuple[int, int]) -> int:
    """A parsed capability as vLLM compares it, major x 10 + minor: 90 for (9, 0), 121 for
    (12, 1) (platforms/interface.py DeviceCapability.to_int, 0.9.0-0.34.0 wheels, which asserts
    a one-digit minor)."""
    return cc[0] * 10 + cc[1]


def capability_int(compute_capability: str) -> int | None:
    """An NVIDIA "major.minor" capability as vLLM compares it (cc_to_int); None off NVIDIA or
    unknown (parse_capability)."""
    cc = parse_capability(compute_capability)
    return cc_to_int(cc) if cc else None


def cc_at_least(compute_capability: str, major: int, minor: int) -> bool:
    """True when an NVIDIA "major.minor" capability is at least (major, minor)."""
    cc = parse_capability(compute_capability)
    return cc is not None and cc >= (major, minor)


# Native tensor-core formats per NVIDIA compute capability (CUDA C++ Programming Guide,
# "Compute Capabilities"; architecture whitepapers). Turing (7.5) has FP16, INT8 and INT4
# tensor cores, no BF16 (NVIDIA T4 datasheet; vLLM platforms/cuda.py supported_dtypes lists
# bfloat16 from capability 80 only). Hopper dropped INT4 tensor cores;
# FP8 arrived with Ada (8.9) and Hopper (9.0); MXFP4/NVFP4 with Blackwell (10.x, 12.x).
_AMPERE = ("fp32", "bf16", "fp16", "int8", "int4")
_ADA = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
_HOPPER = ("fp32", "bf16", "fp16", "fp8", "int8")
_BLACKWELL = ("fp32", "bf16", "fp16", "fp8", "int8", "mxfp4", "nvfp4")
_NVIDIA_WEIGHT_FORMATS: dict[str, tuple[GpuFormat, ...]] = {
    "7.0": ("fp32", "fp16"),
    "7.5": ("fp32", "fp16", "int8", "int4"),
    "8.0": _AMPERE,
    "8.6": _AMPERE,
    "8.9": _ADA,
    "9.0": _HOPPER,
    "10.0": _BLACKWELL,
    "10.3": _BLACKWELL,
    "12.0": _BLACKWELL,
    "12.1": _BLACKWELL,
}
CONSERVATIVE_FORMATS: tuple[GpuFormat, ...] = ("fp32", "fp16")

NVIDIA_CAPABILITIES: tuple[str, ...] = tuple(_NVIDIA_WEIGHT_FORMATS)
"""The NVIDIA compute capabilities Headroom knows the formats of, oldest first: those a GPU of
unknown capability may have (custom.with_capability)."""


NVIDIA_LISTED_CAPABILITIES: tuple[str, ...] = (
    "1.0", "1.1", "1.2", "1.3", "2.0", "2.1", "3.0", "3.2", "3.5", "3.7", "5.0", "5.2", "5.3",
    "6.0", "6.1", "6.2", "7.0", "7.2", "7.5", "8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "10.1",
    "10.3", "10.7", "11.0", "12.0", "12.1")
"""Every compute capability an NVIDIA GPU has, oldest first (capability_problem refuses any
other). NVIDIA's tables, read through the search tool on 2026-12-05:
developer.nvidia.com/cuda-gpus (12.1 GB10, 12.0 RTX 50 / RTX PRO Blackwell, 11.0 Jetson
T5000, 10.3 B300, 10.0 B200, 9.0 H100, 8.9 L4 / RTX 40, 8.7 Jetson Orin, 8.6 A10 / RTX 30;
8.0 and 7.5 are the A100's and T4's, NVIDIA_CAPABILITIES' presets) and
developer.nvidia.com/cuda-legacy-gpus (7.2 Jetson AGX Xavier, 7.0 V100, 6.2 Jetson TX2, 6.1
P40, 6.0 P100, 5.3 Jetson Nano, 5.2 M40, 5.0 GTX 750 Ti). Unverified against NVIDIA's own
text, from third-party copies: 3.7 (K80), 3.5 (K40), 3.0 (K10) (cnblogs.com/nightnine/p/
16591404), 3.2, 2.1, 2.0 and 1.0-1.3 (the CUDA SDK support list copied in blog.csdn.net/
mujie2015/article/details/137119349). From CUDA's own release notes as read through the
search tool, not from the tables: 10.1, Jetson Thor under CUDA 12.9 and older (NVIDIA's
cuRANDDx release notes, docs.nvidia.com/cuda/curanddx/release_notes.html: "Thor SM renaming
from sm_101 to sm_110 starting from CUDA 13.0 ... For CUDA 12.9 and older releases, Thor stays
labeled as sm_101"; the B100 is 10.0, as the B200); 10.7, Rubin (CUDA 13.4, as PyTorch PR
#190654 quotes its release notes: "adds support for the NVIDIA Rubin Architecture (compute
capability 10.7)"; vLLM PR #49387 "Add sm_107 for Rubin", merged; cuDNN 9.26: "Support for
Rubin-architecture GPUs (CUDA compute capability 10.7)")."""


def capability_problem(compute_capability: str) -> str | None:
    """Why a "major.minor" compute capability is none an NVIDIA GPU has, in one line (99.9 in
    a snapshot was planned as a GPU of that capability); None for one NVIDIA lists
    (NVIDIA_LISTED_CAPABILITIES)."""
    if compute_capability in NVIDIA_LISTED_CAPABILITIES:
        return None
    return (f"compute capability {compute_capability} is none an NVIDIA GPU has (NVIDIA's "
            f"tables list {', '.join(NVIDIA_LISTED_CAPABILITIES)})")


def nvidia_formats(compute_capability: str) -> tuple[tuple[GpuFormat, ...], tuple[GpuFormat, ...]]:
    """(weight formats, KV dtypes) an NVIDIA capability computes natively.

    KV dtypes are the 16-bit floats it has tensor cores for, plus fp8 where fp8 is native.
    """
    weights = _NVIDIA_WEIGHT_FORMATS.get(compute_capability, CONSERVATIVE_FORMATS)
    kv = tuple(f for f in ("bf16", "fp16", "fp8") if f in weights)
    return weights, kv


# NOTE: SM_UNITS, per CUDA compute capability: (FP32 lanes, SFU lanes) per SM. The datasheet
# FP32 TFLOP/s is SMs x FP32 lanes x 2 (an FMA) x clock, so SMs x clock = FP32 TFLOP/s /
# (2 x FP32 lanes), and the softmax exponentials (MUFU.EX2 on the special function units)
# issue at SMs x clock x SFU lanes. Sources: CUDA C++ Programming Guide (legacy, 12.x-13.1),
# "Compute Capability 8.x > Architecture": 64 FP32 cores per SM on 8.0 and 128 on 8.6/8.7/8.9,
# 16 special function units; "9.0" and "10.0": 128 FP32 cores, 16 SFUs; FA4 (Zadouri et al.
# 2026): MUFU 16 ops/clock/SM on H100 and B200; 10.3 (Blackwell Ultra) doubles the SFU
# throughput (NVIDIA, "Making Softmax More Efficient with NVIDIA Blackwell Ultra"); 12.x
# (RTX Blackwell, GB10) taken as 10.0's 128 and 16: its guide section was not found
# (unverified); "Compute Capability 7.x > Architecture" (Volta 7.0, Turing 7.5): "64 FP32
# cores for single-precision arithmetic operations ... 16 special function units for
# single-precision floating-point transcendental functions" per SM (find_string id
# 52726424321). Worked example: A100, 19.5 TFLOP/s / (2 x 64) = 0.1523e12 SM-cycles/s (108
# SMs x 1.41 GHz = 0.1523e12) x 16 = 2.4375e12 exp/s, where FP32 / 16 would give 1.22e12;
# H100 SXM, 67 / 256 x 16 = 4.1875e12.
SM_UNITS: dict[str, tuple[int, int]] = {
    "7.0": (64, 16),
    "7.5": (64, 16),
    "8.0": (64, 16),
    "8.6": (128, 16),
    "8.9": (128, 16),
    "9.0": (128, 16),
    "10.0": (128, 16),
    "10.3": (128, 32),
    "12.0": (128, 16),
    "12.1": (128, 16),
}
"""(FP32 lanes, SFU lanes) per SM by NVIDIA compute capability (see the NOTE above)."""


def sm_cycles(fp32_tflops: float | None, compute_capability: str) -> float | None:
    """SMs x clock in 10**12 SM-cycles/s: the FP32 TFLOP/s / (2 x FP32 lanes per SM);
    None without the FP32 figure or the capability's lanes (SM_UNITS)."""
    units = SM_UNITS.get(compute_capability)
    return fp32_tflops / (2 * units[0]) if fp32_tflops and units else None


def softmax_exp_rate(fp32_tflops: float | None, compute_capability: str) -> float | None:
    """Exponentials/s (10**12): SMs x clock x SFU lanes per SM (SM_UNITS)."""
    cycles = sm_cycles(fp32_tflops, compute_capability)
    return cycles * SM_UNITS[compute_capability][1] if cycles else None
