"""The GPU presets: one row per GPU model (GPU_PRESETS), each citing where its figures come
from, with the notes its rows share; the CUDA total estimated from nvidia-smi's where no log
gives it (the NOTE on driver reservation)."""

import re

from planner.serving.hardware.capability import nvidia_formats, softmax_exp_rate
from planner.serving.hardware.spec import GpuSpec, LinkKind
from planner.units import GIB, MIB


def _gib(value_gib: float) -> int:
    """Bytes for a GiB figure as CUDA/PyTorch print it (two decimals)."""
    return round(value_gib * GIB)


# NOTE: CUDA total. A preset's memory_total_bytes is CUDA's total, what vLLM budgets from
# (cudaMemGetInfo's total: torch.cuda.mem_get_info, vLLM's 'Free memory on device (x/y GiB)',
# PyTorch's OOM 'total capacity'). A device property of the card (cudaDeviceProp.
# totalGlobalMem: torch.cuda.get_device_properties().total_memory, printed in MiB rounded down;
# deviceQuery's 'Total amount of global memory'; cuDeviceTotalMem) is the same number and is
# taken alike. PyTorch reads the first in CUDACachingAllocator's OOM message (cudaMemGetInfo)
# and the second in torch/csrc/cuda/Module.cpp (totalGlobalMem), and on every card where both
# were found they agree: H100 SXM total_memory=81089MB and 81090MB (two hosts) = 79.19 GiB,
# vLLM's logged total (shared/calibration); A10G 22587MB = OOM 22.06 GiB; T4 15102MB = OOM
# 14.75 GiB; RTX 3090 24259MB and deviceQuery 24,238-24,268 MiB = 23.67-23.70 GiB, OOM 23.70.
# What moves it is the driver, whichever API prints it: the RTX 3090's OOM messages read 23.70
# GiB on older drivers and 23.57 on newer ones, an RTX 4090's total 23.52 GiB on a CUDA 13.0
# driver and 23.64 on older ones: up to ~130 MiB, so a row names the driver where its source
# does (the NOTE on older drivers' totals). A total found for the card (either API) is taken
# over the estimate below; the newest driver's where several were found, but for the rtx-4090
# row, which keeps its 23.64 GiB (a CUDA 12.4 driver's) with the older-driver note. Sources
# (find_string ids, for maintainers): PyTorch Module.cpp 167594636, CUDACachingAllocator.cpp
# 6306562085; H100 43466784132, 53763892014; T4 20312906761; RTX 3090 31908259347 and the OOM
# issues GaoLii/DSP#10, xiaoxiangAQ/GAS-Net#7 ('23.70 GiB total capacity' on 3090s).
# NOTE: driver reservation. Where no CUDA total was found in public logs, it is estimated
# as the nvidia-smi "Total" minus 512 MiB. Measured pairs (nvidia-smi MiB -> CUDA GiB):
# H100 81559 -> 79.19 (468 MiB kept), RTX 3090 24576 -> 23.57 (440), RTX 4090
# 24564 -> 23.64 (357), RTX 5090 32607 -> 31.36 (494), L4 23034 -> 22.03 (475),
# RTX 6000 Ada 46068 -> 44.43 (572), H200 143771 -> 139.80 (616; 615.06 in a probes snapshot,
# tests/fixtures/snapshots/h200x1.json), RTX PRO 6000
# 97887 -> 94.97 (638), B200 183359 -> 178.36 (718); median 494 MiB, spread +-0.2 GiB.
# Worked example: H100 NVL 95830 MiB -> (95830 - 512) MiB = 93.08 GiB. Each preset keeps its
# nvidia-smi total (GpuSpec.nvidia_smi_total_mib) where its source or this NOTE gives one, each
# from nvidia-smi tables that name the card; left out: the V100 32GB's (tables print 32510 and
# 32768 MiB, the second above the preset's CUDA total by only 256 MiB), GB10 (nvidia-smi prints
# none) and AMD's MI300X.
_DRIVER_RESERVED_BYTES = 512 * MIB


def estimated_total_bytes(nvidia_smi_total_mib: int) -> int:
    """CUDA total estimated from the nvidia-smi total (see the NOTE above)."""
    return nvidia_smi_total_mib * MIB - _DRIVER_RESERVED_BYTES


# NOTE: older drivers' totals. One card's CUDA total falls with a newer driver. deviceQuery's
# 'Total amount of global memory' (the device property the NOTE on CUDA totals takes) on the
# same GeForce model under several drivers: RTX 3060 12 GB 12,045 MiB on CUDA 11.4, 12,042 on
# 12.1, 12,044 on 12.2, 12,004 on 12.4, 11,901 on 13.0 (144 MiB under 11.4's); RTX 3070 7,974
# on 11.6, 7,949 on 11.7, 7,817 and 7,851 on 12.8 (up to 157 under 11.6's); RTX 4090 24,210 on
# 12.4, 24,081 on 13.0 (129 under). A datacenter card moves less: H100 80GB HBM3 81,090 on
# 12.8, 81,079 on 13.0. So a row whose total was read on a driver older than CUDA 12.8 (the
# older side of every GeForce pair: GpuSpec.memory_total_cuda_driver) says a current driver may
# report up to 157 MiB less, the largest drop measured, and the plan's budget term carries it
# (memory_total_note). The row's figure is not moved: no newer total of that card itself was
# found, and the drop differs by card (98-157 MiB). Sources (find_string ids, for
# maintainers): RTX 3060 30345972827, 12548300077, 26628083945, 33692912679, 54853641448;
# RTX 3070 24853334455, 30606528265, 12020098570, 8257959654; RTX 4090 32561467115,
# 38922833505; H100 49048227853, 24146908628.
OLDER_DRIVER_DROP_BYTES = 157 * MIB
"""The most a current driver was measured to report under an older one's total for the same
GeForce model (RTX 3070: 7,974 MiB on CUDA 11.6, 7,817 on 12.8; the NOTE above)."""


MEASURED_TOTAL_STEP = "give the total CUDA reports on your host (--gpu-memory-gib; an audit " \
    "measures it)"
"""How the older-driver notes (old_driver_total_note, memory_total.old_driver_budget_note) ask
for the host's own CUDA total, in the CLI's words: the app names its Hardware page's field
instead (ui.context.app_words)."""


def old_driver_total_note(driver: str) -> str:
    """What a row whose total was read on CUDA `driver` (older than 12.8) says of it (the NOTE
    above)."""
    return (f"CUDA total read on a CUDA {driver} driver: newer drivers report up to "
            f"{OLDER_DRIVER_DROP_BYTES // MIB} MiB less (the same GeForce model on two drivers, "
            "deviceQuery: RTX 3060 12 GB 12,045 MiB on CUDA 11.4, 11,901 on 13.0; RTX 3070 7,974 "
            "on 11.6, 7,817 on 12.8; RTX 4090 24,210 on 12.4, 24,081 on 13.0; another card's own "
            "total on a newer driver was not found), so on a current driver this total, and the "
            f"budget vLLM takes from it, may be that much high: {MEASURED_TOTAL_STEP}.")


_ESTIMATED = None
"""A preset row's memory_total_bytes when only its nvidia-smi total is known: _nvidia estimates
the CUDA total from it (estimated_total_bytes)."""


_AMPERE_NOTE = (
    "No FP8 tensor cores: vLLM runs FP8/INT4/MXFP4/NVFP4 checkpoints through Marlin "
    "weight-only kernels (16-bit compute); --kv-cache-dtype fp8 only stores KV in fp8 "
    "and upcasts it in the attention kernel."
)
_GEFORCE_NOTE = (
    "GeForce tensor throughput is the FP32-accumulate rate (half the FP16-accumulate "
    "figure in marketing)."
)
NO_P2P_NOTE = (
    "GeForce driver refuses PCIe peer-to-peer (cudaDeviceCanAccessPeer = 0 without an NVLink "
    "bridge or a patched kernel module: NVIDIA/nccl#1127, sgl-project/sglang#531, "
    "tinygrad/open-gpu-kernel-modules#29), so NCCL stages TP traffic through host memory; "
    "plan the link as pcie for a P2P-enabled driver (--link pcie; the Hardware page's "
    "GPU-to-GPU link)."
)
_GEFORCE_COMPARE = (
    # NOTE: find_string id 55562349537: the source cited below (search-index handles, for
    # maintainers; users see titles and quotes)
    "NVIDIA's GeForce compare page (nvidia.com/en-gb/geforce/graphics-cards/compare/, as a "
    "verbatim replica captured 2026-05-19 reprints it), column"
)
"""The source of the GeForce presets' CUDA cores, boost clock, bus width and AI TOPS."""
NO_P2P_GEFORCE = re.compile(r"\bGeForce RTX [345]0\d0\b", re.IGNORECASE)
"""An NVML name of the GeForce RTX 30/40/50 series, whose driver refuses PCIe P2P
(NO_P2P_NOTE; every such preset's link is pcie-no-p2p): "NVIDIA GeForce RTX 4090 D", "NVIDIA
GeForce RTX 4060 Laptop GPU"."""
_GA10X_TENSOR = (
    "Tensor rates derived from the GA102 whitepaper's RTX 3090 column (rtx-3090 preset): 71 "
    "dense FP16/BF16 TFLOPS with FP32 accumulate = 82 SMs x 1.695 GHz x 512 FLOP per SM per "
    "clock, INT8 284 = the same x 2,048; so SMs x boost clock x 512 (x 2,048 for INT8):"
)
_AD10X_TENSOR = (
    "Tensor rates derived from NVIDIA's 'AI TOPS' (unverified), the sparse FP8 rate with FP16 "
    "accumulate as on the RTX 4090, whose 1321 AI TOPS is the Ada whitepaper's 1,321.2 and "
    "whose dense BF16 (FP32 accumulate) 165.2, FP8 330.3 and INT8 660.6 are / 8, / 4 and / 2 of "
    "it (rtx-4090 preset):"
)
_NO_READ_CAP = (
    "at least 0.9 of the datasheet bandwidth, the rate the speed model's fitted weight "
    "efficiency reads at, so the preset carries no measured read cap (measured_read_gbps)."
)
_MAMF = (
    "stas00/ml-engineering compute/accelerator/README.md, 'Maximum Achievable Matmul FLOPS "
    "comparison table', BF16 (torch.matmul; the mean of 100 iterations after 50 warm-up, at the "
    "best shape a brute-force search found), row"
)
"""The source of the datacenter GPUs' measured_gemm_tflops: one author's method on each."""
_A100_SXM_GEMM = (
    271.2,
    f"{_MAMF} 'NVIDIA A100 SXM | 271.2 | 312 | 86.9% | 1024x10240x5120 | 2.6.0+cu126' "
    "(memory size not stated; both SXM parts: 312 TFLOPS, 400 W)")
"""The A100 SXM row, shared by the 40 GB and 80 GB presets."""
_A100_SXM_80GB_BF16_MOE = (
    145.7,
    "vLLM PR #40542 (benchmark table, 'bf16, hidden=2048, top_k=6, 1x A100 80GB SXM4', "
    "E=64, N=1408: M=4096 '2919.0' us with vLLM's default config): 4,096 tokens x 6 experts x "
    "2 x (2,816 x 2,048 + 2,048 x 1,408) = 425.2 GFLOP in 2.919 ms = 145.7 TFLOP/s, 0.47 of "
    "the 312 peak and 0.54 of the measured large GEMM (271.2)")
"""The measured BF16 fused-MoE rate of the A100-SXM4-80GB (GpuSpec.measured_bf16_moe_tflops)."""
_TORCH_DB = (
    "zzc0721/torch-performance-test-data database.md (one table of contributed runs of its "
    "test.py: torch.mm of two square matrices, 30 iterations after 6 warm-up, the best of the "
    "sizes 1,024, 2,048, 4,096, 8,192 and 10,240; the same table's datacenter rows read 2-3 % "
    "under the MAMF table's: A100 SXM4 80GB 264.53 against 271.2, B200 1,696.03 against "
    "1,745), BF16 column,")
"""The source of measured_gemm_tflops on the PCIe and GeForce parts the MAMF table lacks."""
_H100_SXM_GEMM = (
    794.5,
    f"{_MAMF} 'NVIDIA H100 SXM | 794.5 | 989 | 80.3% | 2048x2048x13312 | 2.7.0+cu126 | "
    "H200 is the same'")
"""The H100 SXM row, whose note gives the H200 the same figure."""
_A100_SXM_PCIE = (
    "Host link PCIe 4.0: Inspur's MLPerf Training v1.0 system description (nf5488a5_pytorch.json: "
    "'NVIDIA A100-SXM4-80GB (500W)', accelerator_host_interconnect 'PCIe Gen4')."
)
"""The source of the A100 SXM presets' PCIe generation."""
_RRZE_STREAM = "RRZE's gpu-stream read kernel (one load stream, te42kyfo/gpu-benches"
_ESTIMATED_NOTE = "memory_total_bytes estimated: nvidia-smi total minus 512 MiB (see NOTE)."
_AD104_TOTAL_NOTE = (
    "CUDA total assumed equal to the RTX 4070's device listing, 11,874 MiB = 11.60 GiB (rtx-4070 "
    "preset: the same AD104 with 12 GB GDDR6X on 192 bits, nvidia-smi 12282 MiB), as the a10 row "
    "takes the A10G's; estimated 11.49 GiB (12282 - 512 MiB) before 2026-12-05.")
_A100_FP32_NOTE = (
    "FP32 19.5 TFLOPS (A100 datasheet, non-Tensor; 108 SMs x 64 FP32 lanes x 2 x 1.41 GHz = "
    "19.49): GA100 has 64 FP32 lanes per SM, so its exponential rate is FP32 / 8 (SM_UNITS). "
    "Boost clock 1,410 MHz: deviceQuery on an A100 40GB, '(108) Multiprocessors, (64) CUDA "
    "Cores/MP ... GPU Max Clock rate: 1410 MHz' (Paderborn PC2 documentation wiki, 'NVIDIA A100 "
    "40GB with NVLINK')."
)


def _nvidia(
    key: str,
    name: str,
    memory_label: str,
    memory_total_bytes: int | None,
    bandwidth_gbps: float,
    tflops: tuple[float | None, float | None, float | None],
    compute_capability: str,
    interconnect: str,
    source: str,
    *,
    nvlink_gbps: float | None = None,
    default_link: LinkKind = "pcie",
    int8_tops: float | None = None,
    fp16_tflops: float | None = None,
    fp32_tflops: float | None = None,
    boost_clock_mhz: float | None = None,
    pcie_gen: int = 4,
    pcie_lanes: int = 16,
    unified_memory: bool = False,
    measured_read: tuple[float, str] | None = None,
    measured_gemm: tuple[float, str] | None = None,
    measured_bf16_moe: tuple[float, str] | None = None,
    aliases: tuple[str, ...] = (),
    one_per_machine: str = "",
    rented_one_per_machine: str = "",
    nvidia_smi_mib: int | None = None,
    total_driver: str = "",
    notes: str = "",
) -> GpuSpec:
    """Build one NVIDIA preset row; formats follow from the compute capability. A
    memory_total_bytes of _ESTIMATED: the CUDA total estimated from `nvidia_smi_mib` (the NOTE
    on driver reservation). `total_driver`: the CUDA driver older than 12.8 the total was read
    on, which the notes then name (old_driver_total_note)."""
    weights, kv = nvidia_formats(compute_capability)
    if memory_total_bytes is _ESTIMATED:
        memory_total_bytes = estimated_total_bytes(nvidia_smi_mib)
    if total_driver:
        notes = f"{notes} {old_driver_total_note(total_driver)}"
    bf16, fp8, fp4 = tflops
    return GpuSpec(
        key=key,
        name=name,
        vendor="nvidia",
        memory_label=memory_label,
        memory_total_bytes=memory_total_bytes,
        memory_bandwidth_gbps=bandwidth_gbps,
        bf16_dense_tflops=bf16,
        fp16_dense_tflops=fp16_tflops,
        fp8_dense_tflops=fp8,
        fp4_dense_tflops=fp4,
        int8_dense_tops=int8_tops,
        fp32_tflops=fp32_tflops,
        boost_clock_mhz=boost_clock_mhz,
        softmax_exp_tera_per_s=softmax_exp_rate(fp32_tflops, compute_capability),
        compute_capability=compute_capability,
        native_weight_formats=weights,
        native_kv_dtypes=kv,
        unified_memory=unified_memory,
        measured_read_gbps=measured_read[0] if measured_read else None,
        measured_read_source=measured_read[1] if measured_read else "",
        measured_gemm_tflops=measured_gemm[0] if measured_gemm else None,
        measured_gemm_source=measured_gemm[1] if measured_gemm else "",
        measured_bf16_moe_tflops=measured_bf16_moe[0] if measured_bf16_moe else None,
        measured_bf16_moe_source=measured_bf16_moe[1] if measured_bf16_moe else "",
        interconnect=interconnect,
        nvlink_bandwidth_gbps=nvlink_gbps,
        default_intra_node_link=default_link,
        pcie_generation=pcie_gen,
        pcie_lanes=pcie_lanes,
        aliases=aliases,
        one_per_machine=one_per_machine,
        rented_one_per_machine=rented_one_per_machine,
        nvidia_smi_total_mib=nvidia_smi_mib,
        memory_total_cuda_driver=total_driver,
        source=source,
        notes=notes,
    )


_TURING_NOTE = (
    "No BF16 and no FP8 (compute capability 7.5, as the t4 row): the 16-bit rate is FP16's; "
    "vLLM serves a bfloat16 checkpoint as float16 under --dtype auto (Gemma-2/3 and GLM-4 in "
    "float32) and refuses --dtype bfloat16; Marlin weight-only kernels run GPTQ, AWQ, FP8 and "
    "NVFP4 weights (FP8 checkpoints from vLLM 0.14.0), MXFP4 in no release; no FlashAttention "
    "2 (FLASH_ATTN needs 8.0: the t4 row names the attention backend by release)."
)
_TU102_TENSOR = (
    "Tensor rates at the TU102 per-SM rate of the Quadro RTX 8000 datasheet (quadro-rtx-8000 "
    "row): 130.5 TFLOPS / (72 SMs x 1.77 GHz) = 1,024 FLOP per SM per clock, so"
)
_QUADRO_RTX_TU102 = {"fp16_tflops": 130.5, "int8_tops": 261.0, "fp32_tflops": 16.3,
                     "boost_clock_mhz": 1770.0, "nvlink_gbps": 100.0, "pcie_gen": 3}
"""The rates the Quadro RTX 8000 and 6000 rows share (the same 72-SM TU102 at 1,770 MHz; the
quadro-rtx-8000 row's sources and notes)."""
_VOLTA_NOTE = (
    "No BF16, no INT8 or FP8 tensor cores (compute capability 7.0, as the v100-32gb row): FP16 "
    "only; a bfloat16 checkpoint is served as float16, Gemma-2/3 and GLM-4 as float32 "
    "(engine.served_dtype); below 7.5 no Marlin weight-only kernel runs, so FP8, GPTQ-Marlin "
    "and AWQ-Marlin weights are refused in vLLM's words; no FlashAttention 2 (8.0). vLLM "
    "0.9.1-0.10.1 start 7.0 on their V0 engine, which Headroom does not plan."
)
_V100_SXM2_FP32 = (
    "FP32 15.7 TFLOPS at a 1,530 MHz boost clock: Cornell Virtual Workshop, 'NVIDIA Tesla "
    "V100' (cvw.cac.cornell.edu), 5120 FP32 CUDA cores x 2 flop per core per cycle x 1.53 "
    "Gcycle/s = 15.7 Tflop/s (80 SMs x 64 FP32 lanes, SM_UNITS 7.0); Markidis et al., 'NVIDIA "
    "Tensor Core Programmability, Performance & Precision' (KTH, ORNL, 2018): 'it can be "
    "boosted to 1.53 GHz ... 15.7 Tflops/s with single precision'. NVIDIA's V100 datasheet "
    "text was not found in the search index, so the FP32 line is not quoted from it."
)
"""The SXM2 V100 rows' FP32 rate and boost clock, with their sources."""
_TU102_BRIDGE = "PCIe 3.0 x16; optional 2-way NVLink bridge (100 GB/s)"
"""The host link and NVLink bridge of the TU102 cards (each row's source gives the 100 GB/s)."""
_PCIE4 = "PCIe 4.0 x16, no NVLink"
_PCIE5 = "PCIe 5.0 x16, no NVLink"

_MI300X = GpuSpec(
    key="mi300x",
    name="AMD Instinct MI300X",
    vendor="amd",
    memory_label="192 GB HBM3",
    memory_total_bytes=_gib(191.98),
    memory_bandwidth_gbps=5300.0,
    bf16_dense_tflops=1307.4,
    fp8_dense_tflops=2614.9,
    fp4_dense_tflops=None,
    fp32_tflops=163.4,
    boost_clock_mhz=2100.0,
    compute_capability="gfx942",
    native_weight_formats=("fp32", "bf16", "fp16", "fp8", "int8"),
    native_kv_dtypes=("bf16", "fp16", "fp8"),
    interconnect="AMD Infinity Fabric, 7 links (896 GB/s)",
    nvlink_bandwidth_gbps=None,
    pcie_generation=5,
    source="AMD Instinct MI300X Accelerator data sheet (2023); total 191.98 GiB from "
    "PyTorch 'HIP out of memory' messages; host link PCIe 5.0 x16 from AMD's MLPerf "
    "Inference v4.1 system description (8xMI300X_2xEPYC-9374F.json: 'AMD Instinct "
    "MI300X-NPS1-SPX-192GB-750W', accelerator_host_interconnect 'PCIe Gen5 x16')",
    notes="Spec row: the planner's engine rules are NVIDIA-first. FP8 is the FNUZ "
    "variant (e4m3fnuz). Some ROCm versions report 191.69 GiB. Read rate: no saturating read "
    "figure, so no measured read cap (measured_read_gbps): RRZE's gpu-stream read kernel "
    "still rises at full occupancy on an MI300X (4,001 -> 4,199 GB/s, 0.79 of 5,300; "
    "xxrjun/gpu-benches gpu-stream/mi300x.txt, a fork of te42kyfo/gpu-benches). FP32 163.4 "
    "TFLOPS and clock 2,100 MHz: AMD's MI300X product page as a spec comparison transcribes "
    "it ('Peak Single Precision Matrix (FP32) / FP32 163.4 / 163.4 TFLOPs', 'Peak Engine "
    "Clock 2100 MHz', 304 compute units: 304 x 256 FP32 FLOP per clock x 2.1 GHz = 163.4); "
    "an MI300X VF's own device properties ('AMD Instinct MI300X VF Benchmark Report': "
    "clockRate 2100000 kHz, multiProcessorCount 304). float32 plans run at this rate (the "
    "BF16 one stood in for it); gfx942 has no SM_UNITS entry, so no softmax exponential "
    "term.",
)
"""AMD's CDNA3 row, the base of the mi325x row (same compute, other memory)."""

_V100_PCIE_16GB = _nvidia(
    "v100-pcie-16gb", "Tesla V100-PCIE-16GB", "16 GB HBM2", 16160 * MIB, 900.0,
    (None, None, None), "7.0", "PCIe 3.0 x16, no NVLink",
    # NOTE: find_string ids 4763179891, 47257916895, 17131672623, 48318694783: the nvidia-smi
    # tables cited below (search-index handles, for maintainers; users see titles and quotes)
    "NVIDIA's Tesla V100 PCIe figures as io-tech.fi reports them: 80 SMs, about 1,370 MHz, "
    "'112 TFLOPS' tensor, 14 TFLOPS FP32, 28 TFLOPS FP16, 16 GB HBM2 on 4,096 bits, 900 GB/s, "
    "250 W; PCIe 3.0 x16, boost 1,380 MHz (sysrqmts.com's Tesla V100 PCIe 16 GB column); "
    "nvidia-smi 16160 MiB on 'Tesla V100-PCIE...' hosts on older drivers, 16384 MiB on "
    "'Tesla V100-PCIE-16GB' hosts on newer ones",
    fp16_tflops=112.0, pcie_gen=3, nvidia_smi_mib=16384, fp32_tflops=14.0,
    boost_clock_mhz=1380.0,
    notes=f"{_VOLTA_NOTE} FP32 14 TFLOPS and the 1,380 MHz boost clock from the source's "
    "figures (80 SMs x 64 FP32 lanes x 2 x 1.38 GHz = 14.13, SM_UNITS 7.0). CUDA total "
    "16160 MiB (15.78 GiB) from the older drivers' nvidia-smi "
    "total, which prints CUDA's (as the 2080 Ti's 11019 MiB = its logged 10.76 GiB): no CUDA "
    "log naming this card was found, so unverified; PyTorch prints 'GPU 0; 15.78 GiB total "
    "capacity' on a '16G V100' of unnamed form (kchengiva/Shift-GCN#34). Default link pcie "
    "with P2P: a Tesla card's driver allows PCIe peer-to-peer (NVIDIA/nccl#175: 'GPU-P2P "
    "could be enabled for the Tesla serial GPU'). The V100 PCIe 32GB is v100-pcie-32gb.",
)
"""The V100 PCIe 16GB row, the base of the v100-pcie-32gb row (the same board with twice the
HBM2)."""
_V100_PCIE_32GB = _V100_PCIE_16GB.model_copy(update=dict(
    key="v100-pcie-32gb",
    name="Tesla V100-PCIE-32GB",
    memory_label="32 GB HBM2",
    memory_total_bytes=round(32510.5 * MIB),
    nvidia_smi_total_mib=32768,
    # NOTE: find_string ids 34091627320, 47295128722, 71395714733, 68912269761, 40722835223,
    # 52485379050, 61178370208, 34071573884: the sources cited below, in order (search-index
    # handles, for maintainers; users see titles and quotes)
    source="The v100-pcie-16gb row's figures, the same GV100 PCIe board with 32 GB of HBM2: "
    "a TechPowerUp-derived table lists the 'Tesla V100 PCIe 32GB' as the 16GB card (~28.26 "
    "FP16 and ~14.13 FP32 TFLOPS, 897.0 GB/s), another '3x Tesla V100 PCIE 32GB' host '900 "
    "GB/s (HBM2)', no NVLink ('PCIe only'); CUDA total 32,510.5 MiB from PyTorch on the "
    "card ('YOLOv5 2022-3-15 torch 1.11.0+cu102 CUDA:0 (Tesla V100-PCIE-32GB, 32510.5MB)': "
    "total_memory / 1024**2, unrounded); nvidia-smi 32768 MiB on 'Tesla V100-PCIE-32GB' hosts "
    "(CUDA 12.1, 12.2, 12.4 and 12.9 drivers; 575.57.08)",
    notes=f"{_VOLTA_NOTE} Rates, clock and links the v100-pcie-16gb row's (112 FP16 tensor and "
    "14 FP32 TFLOPS, 1,380 MHz, PCIe 3.0 x16, no NVLink: the 32 GB card's own datasheet "
    "column was not found in the search index, so unverified for it). CUDA total 32,510.5 "
    "MiB = 31.75 GiB on a CUDA 10.2 PyTorch wheel, the driver unnamed; hashcat on a CUDA "
    "12.0 host prints '32190/32500 MB' for it (which API it reads was not checked). Default "
    "link pcie with P2P, as the 16 GB card. It was planned as the v100-32gb row (SXM2 "
    "figures, NVLink by default) before 2026-12-05.",
))
"""The V100 PCIe 32GB: the 16 GB PCIe card's figures with its own memory."""


PRESET_ROWS: tuple[GpuSpec, ...] = (
    # ---- consumer / workstation -------------------------------------------------------
    _nvidia(
        "rtx-3090", "NVIDIA GeForce RTX 3090", "24 GB GDDR6X", _gib(23.57), 936.0,
        (71.0, None, None), "8.6", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        "NVIDIA Ampere GA102 GPU Architecture whitepaper v2.1 (2021), RTX 3090 column; "
        "CUDA total 23.57 GiB from PyTorch OOM messages on RTX 3090 (nvidia-smi 24576 MiB)",
        nvlink_gbps=112.5,
        int8_tops=284.0, default_link="pcie-no-p2p", fp32_tflops=35.6, boost_clock_mhz=1695.0,
        measured_gemm=(
            76.58,
            f"{_TORCH_DB} the median of its three RTX 3090 rows: 76.34, 76.58 and 76.68"),
        nvidia_smi_mib=24576,
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} NVLink bridge joins pairs only. FP32 35.6 TFLOPS "
        "(non-Tensor): 10,496 CUDA cores = 82 SMs x 128 x 2 x 1.695 GHz boost = 35.58, NVIDIA's "
        "figure as Digital Trends quotes it (igorslab.de: 35.7). "
        f"{NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4090", "NVIDIA GeForce RTX 4090", "24 GB GDDR6X", _gib(23.64), 1008.0,
        (165.2, 330.3, None), "8.9", _PCIE4,
        # NOTE: find_string id 32561467115: the deviceQuery cited below (search-index handles,
        # for maintainers; users see titles and quotes)
        "NVIDIA Ada Lovelace GPU Architecture whitepaper v2.1 (2023), RTX 4090 column; "
        "CUDA total 23.64 GiB from a PyTorch OOM message (3DTopia/Phidias-Diffusion#8), as "
        "deviceQuery prints it on an 'NVIDIA GeForce RTX 4090' under a CUDA 12.4 driver: 'Total "
        "amount of global memory: 24210 MBytes (25386352640 bytes)' (23.64 GiB)",
        int8_tops=660.6, default_link="pcie-no-p2p", fp32_tflops=82.6, boost_clock_mhz=2520.0,
        measured_gemm=(
            165.26,
            f"{_TORCH_DB} the median of its six 24 GB RTX 4090 rows (162.39, 163.09, 164.81, "
            "165.71, 170.06, 173.31; the 48 GB rows, modified boards, left out)"),
        nvidia_smi_mib=24564, total_driver="12.4",
        notes=f"{_GEFORCE_NOTE} Older drivers report 23.65-23.68 GiB. FP32 82.6 TFLOPS (same "
        "whitepaper, non-Tensor; 16,384 CUDA cores = 128 SMs x 128 x 2 x 2.52 GHz = 82.6) sets "
        f"the softmax exponential rate. {NO_P2P_NOTE} Read rate: no read-only figure found; a "
        "copy kernel (standard/global_memory_bandwidth.cu, read + written bytes counted) moves "
        "904-922 GB/s on an RTX 4090, 921.85 with float4 (xytpai/nvbench README), 0.915 of "
        f"1,008: {_NO_READ_CAP}",
    ),
    _nvidia(
        "rtx-5090", "NVIDIA GeForce RTX 5090", "32 GB GDDR7", _gib(31.36), 1792.0,
        (209.5, 419.0, 1676.0), "12.0", _PCIE5,
        "NVIDIA RTX Blackwell GPU Architecture whitepaper v1.0 (2025), RTX 5090 column; "
        "CUDA total 31.36 GiB from a PyTorch OOM message (TrajectoryCrafter#20)",
        int8_tops=838.0, default_link="pcie-no-p2p", pcie_gen=5, fp32_tflops=104.8,
        boost_clock_mhz=2407.0,
        measured_gemm=(
            224.3,
            "main-horse.github.io/posts/5090-mm-perf ('Things I learned digging into 5090 "
            "perf'): the SemiAnalysis Nvidia matmul benchmark (matmul.py) on an RTX 5090, "
            "'(16384, 8192, 1280) 224.3 TFLOP' bf16 torch.matmul (one shape, not a search of "
            "shapes)"),
        nvidia_smi_mib=32607,
        notes=f"{_GEFORCE_NOTE} FP4 figure is 3352 AI TOPS (sparse) / 2; unsure whether "
        "FP4 is also halved for FP32 accumulate. Windows reports ~31.5 GiB. INT8 838 TOPS "
        "unverified. FP32 104.8 TFLOPS (non-Tensor): 21,760 CUDA cores = 170 SMs x 128 x 2 x "
        "2.407 GHz boost = 104.75 (Linux Format's RTX 5090 spec box: 104 TFLOPS FP32, 2,407 "
        f"MHz). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4080", "NVIDIA GeForce RTX 4080", "16 GB GDDR6X", 16_852_844_544, 716.8,
        (97.5, 195.0, None), "8.9", _PCIE4,
        # NOTE: find_string id 61252911742: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        "NVIDIA's RTX 4080 specifications as Tom's Hardware tabulates them (reprinted by "
        "holynerdvana.com, 'Nvidia GeForce RTX 4080 Specifications', 2022-11): 76 SMs, 9,728 CUDA "
        "cores, boost 2,505 MHz, 22.4 Gbps on 256 bits (717 GB/s), FP32 48.7 TFLOPS, FP16 (FP8) "
        "tensor 390 (780) TFLOPS with sparsity; nvidia-smi total 16376 MiB on an 'NVIDIA GeForce "
        "RTX 4080' (a llama.cpp fit ladder's environment line)",
        int8_tops=390.0, default_link="pcie-no-p2p", fp32_tflops=48.7, boost_clock_mhz=2505.0,
        nvidia_smi_mib=16376, total_driver="12.4",
        notes=f"{_GEFORCE_NOTE} CUDA total assumed equal to the RTX 4080 SUPER's deviceQuery "
        "total, 16,852,844,544 B = 15.70 GiB (rtx-4080-super preset: the same AD103 with 16 GB "
        "GDDR6X on 256 bits, nvidia-smi 16376 MiB; the RTX 4070 Ti SUPER's, on the same, is 320 "
        "KiB less); estimated 15.49 GiB (16376 - 512 MiB) before 2026-12-05. Tensor rates "
        "derived, unverified against the Ada "
        "whitepaper's RTX 4080 column: the sparse FP16-accumulate 390 and FP8 780 halved for "
        "dense (195, 390) and halved again for FP32 accumulate (97.5 BF16, 195 FP8), INT8 = the "
        "dense FP8 FP16-accumulate rate, the ratios the whitepaper gives the RTX 4090 (rtx-4090 "
        "preset). FP32 48.7 TFLOPS = 76 SMs x 128 x 2 x 2.505 GHz = 48.74. Bandwidth 22.4 Gbps x "
        "256 bits / 8 = 716.8 GB/s. Under WSL2 CUDA reports the whole 16376 MiB (15.99 GiB, "
        "bench/public_memory_runs.json). The RTX 4080 SUPER (80 SMs, 23 Gbps) is another "
        f"product. {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-5070-ti", "NVIDIA GeForce RTX 5070 Ti", "16 GB GDDR7", _ESTIMATED, 896.0,
        (87.875, 175.75, 703.0), "12.0", _PCIE5,
        # NOTE: find_string ids 55562349537, 37839904637, 56305463472, 68875113329, 61204836959: the
        # sources cited below, in order (search-index handles, for maintainers; users see titles and
        # quotes)
        "NVIDIA's GeForce RTX 50 series specifications table as reprinted: 8,960 CUDA cores, "
        "5th-generation tensor cores '1406 AI TOPS', boost clock 2.45 GHz; 16 GB GDDR7 on 256 "
        "bits, 896 GB/s, PCIe 5.0 (NVIDIA's Chinese spec page as a GPU table reprints it); 70 SMs "
        "and compute capability 12.0 from a device fingerprint ('NVIDIA GeForce RTX 5070 Ti', "
        "'12.0', sm_count 70); nvidia-smi total 16303 MiB",
        int8_tops=351.5, default_link="pcie-no-p2p", pcie_gen=5, fp32_tflops=43.9,
        boost_clock_mhz=2450.0,
        nvidia_smi_mib=16303,
        notes=f"{_GEFORCE_NOTE} {_ESTIMATED_NOTE} Tensor rates derived as the rtx-5090 preset's "
        "(unverified): 1406 AI TOPS is sparse FP4, so dense FP4 703, FP8 703 / 4 = 175.75, BF16 "
        "703 / 8 = 87.875, INT8 703 / 2 = 351.5. FP32 43.9 TFLOPS = 70 SMs x 128 x 2 x 2.45 GHz "
        f"= 43.90 (8,960 CUDA cores). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-5070", "NVIDIA GeForce RTX 5070", "12 GB GDDR7", _ESTIMATED, 672.0,
        (61.75, 123.5, 494.0), "12.0", _PCIE5,
        # NOTE: find_string ids 55562349537, 57570913829, 1556052421, 61388734219, 58258682458,
        # 7544457308, 60977636368, 55553401123: the sources cited below, in order (search-index
        # handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 5070': 6,144 CUDA cores, 5th-generation tensor cores '988 AI "
        "TOPS', boost 2.51 GHz, 12 GB GDDR7 on 192 bits, CUDA capability 12.0 and PCIe Gen 5 for "
        "the RTX 50 series; "
        "192 bits at 672 GB/s, 250 W, PCIe 5.0 for the series (a table of NVIDIA's launch "
        "figures); partner cards' listings (third-party): 'GPU Clock: 2512 MHz (OC Mode: 2652 "
        "MHz)', 'Memory Clock: 28 Gbps', 'PCIe 5.0 x16', and 'Boost Clock': '2512 MHz'; 'NVIDIA "
        "GeForce RTX 5070, 12 GB, sm_120, 48 SMs' (a WSL2 host's environment table); device "
        "properties of an 'NVIDIA GeForce RTX 5070 (SM 12.0)': 'Clock Rate: 2.51 GHz', 'Memory "
        "Bandwidth: 672.05 GB/s (theoretical peak)'; nvidia-smi total 12227 MiB on 'NVIDIA "
        "GeForce RTX 5070' Linux hosts (Arch Linux; driver 590.48.01, serving vLLM)",
        int8_tops=247.0, default_link="pcie-no-p2p", pcie_gen=5, fp32_tflops=30.87,
        boost_clock_mhz=2512.0,
        nvidia_smi_mib=12227,
        notes=f"{_GEFORCE_NOTE} {_ESTIMATED_NOTE} Tensor rates derived as the rtx-5090 preset's "
        "(unverified): 988 AI TOPS is sparse FP4, so dense FP4 494, FP8 / 4 = 123.5, BF16 / 8 = "
        "61.75, INT8 / 2 = 247. NVIDIA's 2.51 GHz is 2,512 MHz rounded, as its own 988 AI TOPS "
        "shows (48 SMs x 8,192 sparse FP4 FLOP per clock, the RTX 5090's 3,352 = 170 x 8,192 x "
        "2.407 GHz: x 2.512 GHz = 987.8, where 2.51 GHz gives 987.0), and as the partner "
        "listings' 2,512 MHz. FP32 30.87 TFLOPS = 48 SMs x 128 x 2 x 2.512 GHz (6,144 CUDA "
        "cores). 672 GB/s = 192 bits / 8 x 28 Gbps. No CUDA total naming the card was found: "
        "estimated 11.44 GiB from nvidia-smi's 12227 MiB. The RTX 5070 Laptop GPU is another "
        "product with its own NVML name: not this preset; nor is the RTX 5070 Ti (rtx-5070-ti "
        f"preset: 16 GB, 70 SMs). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-5080", "NVIDIA GeForce RTX 5080", "16 GB GDDR7", _ESTIMATED, 960.0,
        (112.5625, 225.125, 900.5), "12.0", _PCIE5,
        # NOTE: find_string ids 55562349537, 37839904637, 57570913829, 66668153576: the sources
        # cited below, in order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's GeForce RTX 50 series specifications table as reprinted: 10,752 CUDA cores, "
        "5th-generation tensor cores '1801 AI TOPS', boost clock 2.62 GHz; 16 GB GDDR7 on 256 bits "
        "at 960 GB/s, PCIe 5.0 (a table of NVIDIA's launch figures); nvidia-smi total 16303 MiB on "
        "an 'NVIDIA GeForce RTX 5080'",
        int8_tops=450.25, default_link="pcie-no-p2p", pcie_gen=5, fp32_tflops=56.3,
        boost_clock_mhz=2620.0,
        nvidia_smi_mib=16303,
        notes=f"{_GEFORCE_NOTE} {_ESTIMATED_NOTE} Tensor rates derived as the rtx-5090 preset's "
        "(unverified): 1801 AI TOPS is sparse FP4, so dense FP4 900.5, FP8 / 4 = 225.125, BF16 "
        "/ 8 = 112.5625, INT8 / 2 = 450.25. FP32 56.3 TFLOPS = 84 SMs x 128 x 2 x 2.62 GHz = "
        f"56.36 (10,752 CUDA cores). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-3060", "NVIDIA GeForce RTX 3060", "12 GB GDDR6", _gib(11.63), 360.0,
        (25.47, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 62458215816, 38186310099, 1376487760: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 3060': 3,584 CUDA cores, boost 1.78 GHz, 12 / 8 GB GDDR6 on 192 "
        "/ 128 bits; 28 SMs, boost 1,777 MHz, 12 GB on 192 bits at a 1,875 MHz memory clock (15 "
        "Gbps) = 360 GB/s, PCIe 4.0 x16 (pcpartdb.com's RTX 3060 12 GB page; 28 SMs also "
        "wccftech's launch report, 2021-01-12); CUDA total 11.63 GiB from a vLLM 0.19.0 log on a "
        "host 'equipped with an NVIDIA GeForce RTX 3060 12GB' (Ubuntu 24.04, Docker): 'Free memory "
        "on device cuda:0 (9.02/11.63 GiB)'; nvidia-smi total 12288 MiB on 'NVIDIA GeForce RTX "
        "3060' hosts (Linux; Windows, WDDM driver 536.99)",
        int8_tops=101.9, default_link="pcie-no-p2p", fp32_tflops=12.74, boost_clock_mhz=1777.0,
        nvidia_smi_mib=12288,
        # NOTE: find_string ids 32223685308, 57181620855, 7302864096: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} {_GA10X_TENSOR} 28 SMs x 1.777 GHz: 25.47 BF16, "
        "INT8 101.9 (unverified: no NVIDIA figure for the RTX 3060's own column was found; "
        "NVIDIA's launch '101 tensor TFLOPS', techtaks.com, is the sparse FP16-accumulate rate, / "
        "4 = 25.25). FP32 12.74 TFLOPS = 28 SMs x 128 x 2 x 1.777 GHz (NVIDIA: '13 shader "
        "TFLOPS'). PyTorch OOM messages on other RTX 3060 12 GB hosts print 11.75-11.76 GiB "
        "(driver or OS not stated), and one 'total capacity of 12.00 GiB' (OS not stated): 12288 "
        "MiB whole, as Windows and WSL2 report it. An early NVIDIA detail of 16 Gbps / 384 GB/s "
        "(techtaks.com) is not what shipped cards run (360 GB/s, above). The 8 GB RTX 3060 (128 "
        f"bits) is another product: not this preset. {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-3070", "NVIDIA GeForce RTX 3070", "8 GB GDDR6", _gib(7.78), 448.0,
        (40.63, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 55562349537, 43531540311: the sources cited below, in order
        # (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 3070': 5,888 CUDA cores, boost 1.73 GHz, 8 GB GDDR6 on 256 "
        "bits, CUDA capability 8.6 and PCIe Gen 4 for the RTX 30 series; FP32 20.31 TFLOPS, 5,888 "
        "CUDA cores, 220 W (Hugging Face's gpu_spec CSV, 'NVIDIA GeForce RTX 3070'); 256-bit "
        "GDDR6 at 1,750 MHz = 448 GB/s (hardwareluxx.de's Gigabyte RTX 3070 Gaming OC review); "
        "CUDA total 7.78 GiB from PyTorch OOM messages on RTX 3070s ('GPU 0; 7.78 GiB total "
        "capacity', akshitac8/OW-DETR#46, 'I use RTX3070'; 'GPU 0 has a total capacty of 7.78 "
        "GiB', meta-llama/codellama#82, 'with my 3070'); nvidia-smi total 8192 MiB on an 'NVIDIA "
        "GeForce RTX 3070' (Linux, driver 570.195.03: ace-step/ACE-Step#344)",
        int8_tops=162.5, default_link="pcie-no-p2p", fp32_tflops=20.31, boost_clock_mhz=1725.0,
        nvidia_smi_mib=8192,
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} {_GA10X_TENSOR} 46 SMs x 1.725 GHz: 40.63 BF16, "
        "INT8 162.5 (unverified: NVIDIA's own RTX 3070 column was not found). Boost 1,725 MHz, "
        "NVIDIA's 1.73 GHz: the quotient 20.31 TFLOPS / (5,888 x 2) = 1.7247 GHz, so FP32 = 46 "
        "SMs x 128 x 2 x 1.725 GHz = 20.31. 448 GB/s on 256 bits is 14 Gbps per pin. Other "
        "PyTorch OOM messages naming the card print 7.76 GiB (sshan-zhao/GASDA#19) and 7.79 "
        "(ToughStoneX/Self-Supervised-MVS#15): drivers keep 215-245 MiB of the 8192, where the "
        "RTX 3060's vLLM log (rtx-3060 preset) shows 0.12 GiB more kept than its OOM messages, "
        "so this total may be that much high; desktop or laptop card not stated in either "
        "message (the RTX 3070 Laptop GPU has its own NVML name). The RTX 3070 Ti (GDDR6X, 48 "
        f"SMs) is another product. {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-3060-ti", "NVIDIA GeForce RTX 3060 Ti", "8 GB GDDR6", 8_359_641_088, 448.0,
        (32.39, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 55562349537, 34099184611, 70109736510, 71392535126, 60987130264:
        # the sources cited below, in order (search-index handles, for maintainers; users see
        # titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 3060 Ti': 4,864 CUDA cores, boost 1.67 GHz, 8 GB GDDR6/6X on "
        "256 bits, CUDA capability 8.6 and PCIe Gen 4 for the RTX 30 series; deviceQuery on an "
        "'NVIDIA GeForce RTX 3060 Ti' (CUDA driver 12.2): 'CUDA Capability Major/Minor version "
        "number: 8.6', 'Total amount of global memory: 7972 MBytes (8359641088 bytes)', '(038) "
        "Multiprocessors, (128) CUDA Cores/MP: 4864 CUDA Cores', 'Memory Clock rate: 7001 Mhz', "
        "'Memory Bus Width: 256-bit'; FP32 16.20 TFLOPS and 448 GB/s in a GPU table (its RTX "
        "3070 and RTX 4070 rows: 20.31 and 29.15, the rtx-3070 and rtx-4070 presets'); "
        "nvidia-smi total 8192 MiB on 'NVIDIA GeForce RTX 3060 Ti' Linux hosts (drivers "
        "580.178.04 and 535.309.01)",
        int8_tops=129.6, default_link="pcie-no-p2p", fp32_tflops=16.2, boost_clock_mhz=1665.0,
        nvidia_smi_mib=8192, total_driver="12.2",
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} {_GA10X_TENSOR} 38 SMs x 1.665 GHz: 32.39 BF16, "
        "INT8 129.6 (unverified: NVIDIA's own RTX 3060 Ti tensor figure was not found). Boost "
        "1,665 MHz, NVIDIA's 1.67 GHz: the quotient 16.20 TFLOPS / (4,864 x 2) = 1.6653 GHz, so "
        "FP32 = 38 SMs x 128 x 2 x 1.665 GHz = 16.20; deviceQuery's 'GPU Max Clock rate: 1695 "
        "MHz' is the card's ceiling, not the rated boost. 448 GB/s = 256 bits / 8 x 14 Gbps "
        "(deviceQuery's 7001 MHz memory clock x 2). CUDA total: the device property above, "
        "7.79 GiB (the NOTE on CUDA totals), 220 MiB under nvidia-smi's 8192. NVIDIA's compare "
        "page lists the card with 'GDDR6/6X': a GDDR6X card, whose data rate was not read here, "
        "is planned at this card's 448 GB/s if it bears the same NVML name (speed errs slow). "
        "Not the RTX 3060 (rtx-3060 preset: 12 GB, 28 SMs) nor the RTX 3070 (rtx-3070 preset: "
        f"46 SMs). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-3080", "NVIDIA GeForce RTX 3080", "10 GB GDDR6X", _gib(9.65), 760.0,
        (59.54, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 56241919489, 55672471396, 55567595094: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 3080': 8,704 CUDA cores (the 10 GB card), boost 1.71 GHz, 10 GB "
        "GDDR6X on 320 bits; 68 SMs, 10 GB at 19 Gbps on 320 bits = 760 GB/s (TechPowerUp's "
        "GeForce Ampere architecture article, 2020-09-05; fudzilla: 29.8 TFLOPS single precision); "
        "CUDA total 9.65 GiB from PyTorch OOM messages on RTX 3080 10 GB cards ('GPU 0 has a total "
        "capacity of 9.65 GiB'); nvidia-smi 10240 MiB",
        int8_tops=238.1, default_link="pcie-no-p2p", fp32_tflops=29.77, boost_clock_mhz=1710.0,
        nvidia_smi_mib=10240,
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} {_GA10X_TENSOR} 68 SMs x 1.71 GHz: 59.54 BF16, "
        "INT8 238.1 (unverified against the whitepaper's RTX 3080 column). FP32 29.77 TFLOPS = "
        "68 SMs x 128 x 2 x 1.71 GHz (NVIDIA's 29.8). The RTX 3080 12 GB (70 SMs, 384 bits; "
        "its data rate is quoted as 19 and 19.5 Gbps) is another product with the same NVML "
        "name: the rtx-3080-12gb preset, which an audit's memory total picks (match_gpu_name). "
        f"{NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-3080-12gb", "NVIDIA GeForce RTX 3080", "12 GB GDDR6X", _ESTIMATED,
        912.0, (61.29, None, None), "8.6", _PCIE4,
        # NOTE: find_string id 54943028613: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 3080': 8960 / 8704 CUDA cores (12 / 10 GB), boost 1.71 GHz, 12 / "
        "10 GB GDDR6X on 384 / 320 bits; NVIDIA's RTX 3080 12GB figures as xda-developers "
        "tabulated them at its launch (2022-01-11; apachecn/xda-blog-zh-pt3 "
        "docs/nvidia-geforce-rtx-3080-gpu-12gb-vram.md): GA102-220, 70 SMs, 8,960 CUDA cores, "
        "boost 1,710 MHz, 12 GB GDDR6X on 384 bits, 912 GB/s, 350 W; the same 8,960 cores, 12 GB "
        "and 912 GB/s in a GPU table (CYBIRD-D/How-to-Choose-your-LLM-Model-for-translation "
        "Nvidia_GPU_Specification.md); nvidia-smi total 12288 MiB on an 'NVIDIA GeForce RTX 3080' "
        "(a WSL2 host's notes, 'GPU: NVIDIA GeForce RTX 3080, 12288 MiB ... (per nvidia-smi)'; the "
        "10 GB card prints 10240)",
        int8_tops=245.15, default_link="pcie-no-p2p", fp32_tflops=30.64, boost_clock_mhz=1710.0,
        nvidia_smi_mib=12288,
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} {_GA10X_TENSOR} 70 SMs x 1.71 GHz: 61.29 BF16, "
        "INT8 245.15 (unverified: no NVIDIA tensor figure for this card was found). FP32 30.64 "
        "TFLOPS = 70 SMs x 128 x 2 x 1.71 GHz. 912 GB/s on 384 bits is 19 Gbps per pin "
        f"(derived). {_ESTIMATED_NOTE} 12288 - 512 MiB = 11.50 GiB; no CUDA total naming a 12 GB "
        "RTX 3080 was found (the RTX 3080 Ti's, on the same 12 GB GDDR6X on 384 bits, is 11.76 GiB "
        "on a CUDA 11.4 driver: not assumed for this card). NVML "
        "names it 'NVIDIA GeForce RTX 3080' "
        "as the 10 GB card (rtx-3080 preset; PCI device IDs differ: 0x220a for the 12 GB, "
        "olealgoritme/gddr6#39): an audit picks this preset by its memory total (match_gpu_name: "
        "the closer total of the two, within 10 %), a typed name by the size it states ('RTX "
        f"3080 12GB'), 'RTX 3080' alone being the 10 GB card. {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-3080-ti", "NVIDIA GeForce RTX 3080 Ti", "12 GB GDDR6X", 12_630_491_136,
        912.0, (68.2, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 69739633203, 68763229835, 47577401068: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 3080 Ti': 10,240 CUDA cores, boost 1.67 GHz, 12 GB GDDR6X on 384 "
        "bits; 80 SMs, 19 Gbps on 384 bits = 912 GB/s (wccftech, 'RTX 3080 Ti ... 12 GB GDDR6X & "
        "10240 CUDA cores', from kopite7kimi before launch); FP32 ~34.1 TFLOPS and 912 GB/s in a "
        "GPU table; CUDA total 12,630,491,136 B (11.76 GiB) from deviceQuery on an 'NVIDIA GeForce "
        "RTX 3080 Ti' (CUDA 11.4 driver: 'Total amount of global memory: 12045 MBytes (12630491136 "
        "bytes)'); nvidia-smi total 12288 MiB on an 'NVIDIA GeForce RTX 3080 Ti' (an AutoDL Linux "
        "host)",
        int8_tops=272.8, default_link="pcie-no-p2p", fp32_tflops=34.1, boost_clock_mhz=1665.0,
        nvidia_smi_mib=12288, total_driver="11.4",
        # NOTE: find_string id 47577401068: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} {_GA10X_TENSOR} 80 SMs x 1.665 "
        "GHz: 68.2 BF16, INT8 272.8 (unverified). FP32 34.1 TFLOPS = 80 SMs x 128 x 2 x 1.665 GHz "
        "= 34.10; the clock is that quotient, NVIDIA's table rounds it to 1.67 GHz (unverified). "
        "The 19 Gbps data rate is a pre-launch report that the 912 GB/s of the GPU table confirms "
        "(384 / 8 x 19 = 912), as does deviceQuery on an 'NVIDIA GeForce RTX 3080 Ti': 'Memory "
        "Clock rate: 9501 Mhz' (x 2 = 19 Gbps), 'Memory Bus Width: 384-bit', '(080) "
        "Multiprocessors' (its 'GPU Max Clock rate: 1755 MHz' is not the rated boost). Its total "
        "global memory is the CUDA total (the NOTE on CUDA totals), 243 MiB under nvidia-smi's "
        "12288 on a CUDA 11.4 driver; it was estimated 11.50 GiB (12288 - 512 MiB) before "
        f"2026-12-05. {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-3090-ti", "NVIDIA GeForce RTX 3090 Ti", "24 GB GDDR6X", _ESTIMATED, 1008.0,
        (79.99, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 67116376599, 38730079768, 16923143: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 3090 Ti': 10,752 CUDA cores, boost 1.86 GHz, 24 GB GDDR6X on 384 "
        "bits, PCIe Gen 4 for the RTX 30 series; NVIDIA's launch details as TweakTown reported "
        "them (2022-01, 'NVIDIA GeForce RTX 3090 Ti: full specs'): GA102 with 84 SMs, base 1,560 / "
        "boost 1,860 MHz, 24 GB GDDR6X at 21 Gbps on 384 bits = 1,008 GB/s, 40 TFLOPS FP32, 450 W; "
        "NVIDIA's CES 2022 figures as stealthoptional.com quotes them: 40 shader, 78 RT and 320 "
        "tensor TFLOPS; nvidia-smi total 24564 MiB on 'NVIDIA GeForce RTX 3090 Ti' hosts (Linux, "
        "driver 580.173.02)",
        int8_tops=319.98, default_link="pcie-no-p2p", fp32_tflops=40.0, boost_clock_mhz=1860.0,
        nvidia_smi_mib=24564,
        notes=f"{_GEFORCE_NOTE} {_AMPERE_NOTE} {_ESTIMATED_NOTE} {_GA10X_TENSOR} 84 SMs x 1.86 "
        "GHz: 79.99 BF16, INT8 319.98; NVIDIA's '320 tensor TFLOPS' is the sparse "
        "FP16-accumulate rate (x 4 of the dense FP32-accumulate, as the RTX 3090's 285 is of its "
        "71), / 4 = 80, which agrees (hmc-tech.com's RTX 4090 D vs RTX 3090 Ti page: 80 TFLOPS "
        "tensor with FP32 accumulate). FP32 40.0 TFLOPS = 84 SMs x 128 x 2 x 1.86 GHz = 39.997. "
        "Bandwidth 384 / 8 x 21 Gbps = 1,008 GB/s (stealthoptional.com's '21.5 gbps' does not "
        "fit its own 1,008; not taken). No NVLink assumed: no NVIDIA statement on the RTX 3090 "
        "Ti's NVLink connector was found (a blog's consumer NVLink table says it has none; "
        "unverified), so an NVLink link is refused (--link nvlink; the Hardware page's nvlink). "
        "The driver's reservation is estimated (the RTX 4090, also 24564 MiB, keeps 357 MiB "
        f"rather than 512). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4060-ti-16gb", "NVIDIA GeForce RTX 4060 Ti", "16 GB GDDR6", 16_722_821_120,
        288.0, (44.125, 88.25, None), "8.9", "PCIe 4.0 x8, no NVLink",
        # NOTE: find_string ids 29787678425, 69548833080, 57619147197: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 4060 Ti': 4,352 CUDA cores, '353 AI TOPS', 22 TFLOPS, boost 2.54 "
        "GHz, 16 / 8 GB GDDR6 on 128 bits; boost 2,535 MHz (thefpsreview.com's RTX 4060 Ti family "
        "specifications, 'Default GPU Boost Clock 2535 MHz'; guru3d's RTX 40 series table); 18 "
        "Gbps GDDR6 (TechPowerUp's RTX 5060 Ti 8 GB review: 'the RTX 4060 Ti and its 18 Gbps "
        "GDDR6') = 288 GB/s; a PCI-Express 4.0 x8 host interface (TechPowerUp, 'NVIDIA GeForce RTX "
        "5060 Ti PCI-Express x8 Scaling'); deviceQuery on an RTX 4060 Ti 16GB (lspci 'AD106 "
        "[GeForce RTX 4060 Ti 16GB]', driver 590.48.01, CUDA 13.1): 'Total amount of global "
        "memory: 15948 MBytes (16722821120 bytes)', '(034) Multiprocessors, (128) CUDA Cores/MP', "
        "cc 8.9; nvidia-smi total 16380 MiB on Linux hosts",
        int8_tops=176.5, default_link="pcie-no-p2p", pcie_lanes=8, fp32_tflops=22.06,
        boost_clock_mhz=2535.0, nvidia_smi_mib=16380,
        # NOTE: find_string id 29787678425: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        notes=f"{_GEFORCE_NOTE} {_AD10X_TENSOR} 353 / 8 = 44.125 BF16, / 4 = "
        "88.25 FP8, / 2 = 176.5 INT8. FP32 22.06 TFLOPS = 34 SMs x 128 x 2 x 2.535 GHz = 22.065: "
        "NVIDIA's 2.54 GHz is 2,535 MHz rounded, as its own 353 AI TOPS shows (34 SMs x 4,096 "
        "sparse FP8 FLOP per clock, the RTX 4090's 1,321.2 = 128 x 4,096 x 2.52 GHz: x 2.535 GHz = "
        "353.0, where 2.54 GHz gives 353.7). deviceQuery's 'Memory Clock rate: 9001 Mhz' (x 2 = 18 "
        "Gbps) and 128-bit bus confirm the 288 GB/s. deviceQuery's total global memory, "
        "16,722,821,120 B (15.57 GiB, 432 MiB under nvidia-smi's 16380), is the CUDA total (the "
        "NOTE on CUDA totals: the RTX 3090's deviceQuery 24,238-24,268 MiB matches its OOM "
        "messages' 23.70 GiB on older drivers; the 23.57 GiB of newer ones is the driver's "
        "move, not the API's); it was estimated 15.50 GiB (16380 - 512 MiB) before 2026-12-05. "
        "The card is x8 electrically (TechPowerUp, above): its link is "
        "planned at PCIe 4.0 x8, 15.75 GB/s per direction (pcie_rate). The 8 GB RTX 4060 Ti has "
        "the same NVML name: an audit of one (8 GB against 16) is no match and stays a custom GPU. "
        f"{NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4070-ti-super", "NVIDIA GeForce RTX 4070 Ti SUPER", "16 GB GDDR6X",
        16_852_516_864, 672.0, (88.25, 176.5, None), "8.9", _PCIE4,
        # NOTE: find_string ids 69739633203, 69437149373, 54237061288, 56722048774: the sources
        # cited below, in order (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 4070 Ti Super': 8,448 CUDA cores, '706 AI TOPS', 44 TFLOPS, "
        "boost 2.61 GHz, 16 GB GDDR6X on 256 bits; 672 GB/s in two GPU tables (a third gives the "
        "RTX 4070 Ti's 504); deviceQuery-style properties of an 'NVIDIA GeForce RTX 4070 Ti "
        "SUPER': 'Compute capability: 8.9', 'Clock rate: 2610000', 'Multiprocessor count: 66' "
        "and 'Total global mem: 16852516864' (gist bigsnarfdude/946229ab3cfaab6c1c553654fb0a465a); "
        "nvidia-smi total 16376 MiB on a Debian host, driver 595.71.05",
        int8_tops=353.0, default_link="pcie-no-p2p", fp32_tflops=44.1, boost_clock_mhz=2610.0,
        nvidia_smi_mib=16376,
        notes=f"{_GEFORCE_NOTE} {_AD10X_TENSOR} 706 / 8 = 88.25 BF16, / 4 = "
        "176.5 FP8, / 2 = 353 INT8. FP32 44.1 TFLOPS = 66 SMs x 128 x 2 x 2.61 GHz = 44.10. "
        "672 GB/s on 256 bits is 21 Gbps per pin (derived; no data-rate source was found). The "
        "gist's 'Total global mem: 16852516864' (15.70 GiB, 304 MiB under nvidia-smi's 16376; "
        "the gist names no driver) is the CUDA total (the NOTE on CUDA totals); it was "
        "estimated 15.49 GiB (16376 - 512 MiB) before 2026-12-05. The RTX 4070 Ti (12 GB, AD104) "
        f"is another product. {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4070-super", "NVIDIA GeForce RTX 4070 SUPER", "12 GB GDDR6X", 11874 * MIB, 504.0,
        (71.0, 142.0, None), "8.9", _PCIE4,
        # NOTE: find_string ids 63546318255, 53150767369: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 4070 Super': 7,168 CUDA cores, '568 AI TOPS', 36 TFLOPS, boost "
        "2.48 GHz, 12 GB GDDR6X on 192 bits; 56 of AD104's 60 SMs (TechPowerUp's RTX 4070 SUPER "
        "Founders Edition review, 2024-01-16); 56 SMs, 192 bits, 504.2 GB/s and FP32 35.48 TFLOPS "
        "in a GPU table; 35.48 TFLOPS on Hugging Face's hardware page "
        "(huggingface.co/hardware/rtx-4070-super); nvidia-smi total 12282 MiB on an 'NVIDIA "
        "GeForce RTX 4070 SUPER' (Linux, driver 580.126.09)",
        int8_tops=284.0, default_link="pcie-no-p2p", fp32_tflops=35.48, boost_clock_mhz=2475.0,
        nvidia_smi_mib=12282,
        # NOTE: find_string id 33953439810: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        notes=f"{_GEFORCE_NOTE} {_AD104_TOTAL_NOTE} {_AD10X_TENSOR} 568 / 8 = 71 BF16, / 4 = 142 "
        "FP8, / 2 = 284 INT8. Boost 2,475 MHz: NVIDIA's 2.48 GHz rounded, as its own 568 AI TOPS "
        "shows (56 SMs x 4,096 sparse FP8 FLOP per clock, the RTX 4090's 1,321.2 = 128 x 4,096 x "
        "2.52 GHz: x 2.475 GHz = 567.7, where 2.48 gives 568.9), and as the 35.48 TFLOPS above (56 "
        "x 256 x 2.475 = 35.48; x 2.48 = 35.55); a table of Ada clocks gives 2,475. 504 GB/s on "
        "192 bits is 21 Gbps per pin (derived; the table's 504.2). Not the RTX 4070 (46 SMs) nor "
        f"the RTX 4070 Ti (rtx-4070-ti preset, 60 SMs). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4070", "NVIDIA GeForce RTX 4070", "12 GB GDDR6X", 11874 * MIB, 504.0,
        (58.25, 116.5, None), "8.9", _PCIE4,
        # NOTE: find_string ids 55562349537, 57909093042, 39784259410: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 4070': 5,888 CUDA cores, '466 AI TOPS', 29 TFLOPS, boost 2.48 "
        "GHz, 12 GB GDDR6X on 192 bits, CUDA capability 8.9 for the RTX 40 series; 46 SMs, boost "
        "2,475 MHz, 12 GB GDDR6X at 21 Gbps on 192 bits = 504 GB/s (thefpsreview.com's RTX 4070 "
        "family specifications; club386.com's table: 46 of AD104's 60 SMs, 29.1 FP32 TFLOPS, "
        "200 W); a CUDA device listing of two 'NVIDIA GeForce RTX 4070' (host driver 575.51.03, "
        "through a KVM passthrough layer): 'sm_89 smcount=46 totalmem=11874MiB'; "
        "nvidia-smi total 12282 MiB on 'NVIDIA GeForce RTX 4070' hosts (Linux, drivers 530.41.03 "
        "and later: meta-llama/llama#466)",
        int8_tops=233.0, default_link="pcie-no-p2p", fp32_tflops=29.15, boost_clock_mhz=2475.0,
        nvidia_smi_mib=12282,
        notes=f"{_GEFORCE_NOTE} {_AD10X_TENSOR} 466 / 8 = 58.25 BF16, / 4 = "
        "116.5 FP8, / 2 = 233 INT8. Boost 2,475 MHz: NVIDIA's 2.48 GHz rounded, as its own 466 AI "
        "TOPS shows (46 SMs x 4,096 sparse FP8 FLOP per clock x 2.475 GHz = 466.3, where 2.48 "
        "gives 467.3). FP32 29.15 TFLOPS = 46 SMs x 128 x 2 x 2.475 GHz. The device listing's "
        "'totalmem=11874MiB' is the CUDA total (the NOTE on CUDA totals): 11,874 MiB = 11.60 GiB, "
        "408 MiB under nvidia-smi's 12282; it was estimated 11.49 GiB (12282 - 512 MiB) before "
        "2026-12-05. The 2024 GDDR6 RTX 4070 (20 Gbps, 480 GB/s: Tom's Hardware, "
        "'RTX 4070 infused with slower GDDR6') has the same name: its bandwidth is 5 % under this "
        "row's. Not the RTX 4070 SUPER (rtx-4070-super preset, 56 SMs) nor the RTX 4070 Ti "
        "(rtx-4070-ti preset, 60 SMs); the RTX 4070 Laptop GPU (8 GB) is another product. "
        f"{NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4070-ti", "NVIDIA GeForce RTX 4070 Ti", "12 GB GDDR6X", 11874 * MIB,
        504.0, (80.125, 160.25, None), "8.9", _PCIE4,
        # NOTE: find_string ids 54237061288, 69589717654: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 4070 Ti': 7,680 CUDA cores, '641 AI TOPS', 40 TFLOPS, boost 2.61 "
        "GHz, 12 GB GDDR6X on 192 bits; 60 SMs and 504 GB/s in an Ada hardware table; nvidia-smi "
        "total 12282 MiB on a Linux host, driver 580.173.02, 'compute capability 8.9 (Ada)'",
        int8_tops=320.5, default_link="pcie-no-p2p", fp32_tflops=40.09, boost_clock_mhz=2610.0,
        nvidia_smi_mib=12282,
        notes=f"{_GEFORCE_NOTE} {_AD104_TOTAL_NOTE} {_AD10X_TENSOR} 641 / 8 = 80.125 BF16, / 4 = "
        "160.25 FP8, / 2 = 320.5 INT8. FP32 40.09 TFLOPS = 60 SMs x 128 x 2 x 2.61 GHz (Hugging "
        "Face's gpu_spec CSV: 40.09). 504 GB/s on 192 bits is 21 Gbps per pin (derived); a "
        "pre-launch report's 540 GB/s (pcwelt.de) is not it. Not the RTX 4070 Ti SUPER "
        f"(rtx-4070-ti-super preset: 16 GB, AD103). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-4080-super", "NVIDIA GeForce RTX 4080 SUPER", "16 GB GDDR6X",
        16_852_844_544, 736.0, (104.5, 209.0, None), "8.9", _PCIE4,
        # NOTE: find_string ids 69739633203, 69437149373, 54237061288, 13464696544, 62143206024: the
        # sources cited below, in order (search-index handles, for maintainers; users see titles and
        # quotes)
        f"{_GEFORCE_COMPARE} 'RTX 4080 Super': 10,240 CUDA cores, '836 AI TOPS', 52 TFLOPS, boost "
        "2.55 GHz, 16 GB GDDR6X on 256 bits; 736 GB/s in three GPU tables; deviceQuery on an "
        "'NVIDIA GeForce RTX 4080 SUPER': cc 8.9, '(080) Multiprocessors, (128) CUDA Cores/MP', "
        "'GPU Max Clock rate: 2550 MHz', 'Memory Bus Width: 256-bit', 'Total amount of global "
        "memory: 16072 MBytes (16852844544 bytes)' (CUDA 12.4 driver); nvidia-smi total 16376 MiB "
        "on a Vast.ai Linux host, driver 580.105.08",
        int8_tops=418.0, default_link="pcie-no-p2p", fp32_tflops=52.22, boost_clock_mhz=2550.0,
        nvidia_smi_mib=16376, total_driver="12.4",
        notes=f"{_GEFORCE_NOTE} {_AD10X_TENSOR} 836 / 8 = 104.5 BF16, / 4 = "
        "209 FP8, / 2 = 418 INT8. FP32 52.22 TFLOPS = 80 SMs x 128 x 2 x 2.55 GHz (NVIDIA: "
        "52). 736 GB/s on 256 bits is 23 Gbps per pin, the same deviceQuery's 'Memory Clock "
        "rate: 11501 Mhz' x 2 = 23.0 Gbps. deviceQuery's total global memory, 16,852,844,544 B "
        "(15.70 GiB, 304 MiB under nvidia-smi's 16376), is the CUDA total (the NOTE on CUDA "
        "totals); it was estimated 15.49 GiB (16376 - 512 MiB) before 2026-12-05. "
        f"Not the RTX 4080 (rtx-4080 preset: 76 SMs, 22.4 Gbps). {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-5060-ti-16gb", "NVIDIA GeForce RTX 5060 Ti", "16 GB GDDR7", _ESTIMATED,
        448.0, (47.4375, 94.875, 379.5), "12.0", "PCIe 5.0 x8, no NVLink",
        # NOTE: find_string ids 68332015088, 69192975654: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        f"{_GEFORCE_COMPARE} 'RTX 5060 Ti': 4,608 CUDA cores, 5th-generation tensor cores '759 AI "
        "TOPS', boost 2.57 GHz, 16 / 8 GB GDDR7 on 128 bits; 28 Gbps GDDR7 = 448 GB/s "
        "(TechPowerUp's RTX 5060 Ti 8 GB review) and a PCI-Express 5.0 x8 host interface "
        "(TechPowerUp, 'NVIDIA GeForce RTX 5060 Ti PCI-Express x8 Scaling'); boost 2,572 MHz "
        "(VideoCardz's final specifications as newsvidia.com reprints them; gamegpu.com's report: "
        "2,572 MHz boost, 2,407 base); 36 SMs (an RTX 5060 Ti 16GB review's table, SMs 84 / 70 / "
        "48 / 36 / 34 for the RTX 5080 / 5070 Ti / 5070 / 5060 Ti / 4060 Ti, as intopress.info "
        "reprints it); nvidia-smi total 16311 MiB on Linux hosts, one with 'compute capability "
        "12.0'",
        int8_tops=189.75, default_link="pcie-no-p2p", pcie_gen=5, pcie_lanes=8,
        fp32_tflops=23.70,
        boost_clock_mhz=2572.0,
        nvidia_smi_mib=16311,
        # NOTE: find_string id 69739633203: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        notes=f"{_GEFORCE_NOTE} {_ESTIMATED_NOTE} Tensor rates derived as the rtx-5090 preset's "
        "(unverified): 759 AI TOPS is sparse FP4, so dense FP4 379.5, FP8 / 4 = 94.875, BF16 / 8 = "
        "47.4375, INT8 / 2 = 189.75. FP32 23.70 TFLOPS = 36 SMs x 128 x 2 x 2.572 GHz = 23.703 (a "
        "GPU table: ~23.7): NVIDIA's 2.57 GHz is 2,572 MHz rounded, as its own 759 AI TOPS shows "
        "(36 SMs x 8,192 sparse FP4 FLOP per clock, the RTX 5090's 3,352 = 170 x 8,192 x 2.407 "
        "GHz: x 2.572 GHz = 758.5, where 2.57 GHz gives 757.9). The card is x8 electrically "
        "(TechPowerUp, above): its link is planned at PCIe 5.0 x8, 31.5 GB/s per direction "
        "(pcie_rate). The 8 GB RTX 5060 Ti has the same NVML name: an audit of one (8 GB against "
        f"16) is no match and stays a custom GPU. {NO_P2P_NOTE}",
    ),
    _nvidia(
        "rtx-a4000", "NVIDIA RTX A4000", "16 GB GDDR6 (ECC)", _ESTIMATED, 448.0,
        (76.7, None, None), "8.6", _PCIE4,
        # NOTE: find_string id 62243512255: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        "NVIDIA RTX A4000 datasheet (2021), as reprinted (ecer.com's RTX A4000 16G listing): 16 GB "
        "GDDR6 with ECC on 256 bits at 448 GB/s, 6,144 CUDA cores, 192 tensor cores, 19.2 TFLOPS "
        "single precision, tensor performance 153.4 TFLOPS, PCIe 4.0 x16, single slot; nvidia-smi "
        "total 16376 MiB on an 'NVIDIA RTX A4000'",
        int8_tops=153.4, fp32_tflops=19.17, boost_clock_mhz=1560.0,
        nvidia_smi_mib=16376,
        notes=f"{_AMPERE_NOTE} {_ESTIMATED_NOTE} Tensor 153.4 TFLOPS is the sparse figure, as the "
        "RTX A6000 datasheet's 309.7 (rtx-a6000 preset): 76.7 dense BF16, INT8 153.4 "
        "(unverified). FP32 19.17 TFLOPS (the datasheet's 19.2; Hugging Face's gpu_spec CSV: "
        "19.17, 6,144 CUDA cores) = 48 SMs x 128 x 2 x 1.56 GHz; the clock is that quotient, "
        "NVIDIA gives none (unverified). No NVLink.",
    ),
    _nvidia(
        "rtx-a4500", "NVIDIA RTX A4500", "20 GB GDDR6 (ECC)", _ESTIMATED, 640.0,
        (94.6, None, None), "8.6", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        # NOTE: find_string ids 34635057475, 55610180893, 61418909854, 61954776927: the sources
        # cited below, in order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA RTX A4500 datasheet, as a GEMM tutorial citing it quotes it: 'peak single "
        "precision performance of 23.7 TFLOPS'; 7,168 CUDA cores, 20 GB, 200 W, FP32 23.65 "
        "TFLOPS (Hugging Face's gpu_spec CSV, 'NVIDIA RTX A4500'); GA102, boost 1,650 MHz, 56 RT "
        "and 224 tensor cores, 20 GB GDDR6 on 320 bits at a 2,000 MHz memory clock (16 Gbps) = "
        "640.0 GB/s, PCIe 4.0 x16 (cputronic.com's RTX A4500 page); nvidia-smi total 20470 MiB "
        "on 'NVIDIA RTX A4500' hosts (driver 550.127.05, ECC off); a vLLM host with 'two RTX "
        "A4500 GPUs joined by an NVLink bridge' and its 'SM86-only source build'",
        nvlink_gbps=112.5, int8_tops=189.2, fp32_tflops=23.65, boost_clock_mhz=1650.0,
        nvidia_smi_mib=20470,
        notes=f"{_AMPERE_NOTE} {_ESTIMATED_NOTE} Tensor rates at the RTX A6000's per-SM rate "
        "(rtx-a6000 preset: 154.8 dense BF16 = 84 SMs x 1.8 GHz x 1,024), unverified for this "
        "card (its datasheet's tensor figure was not found): 56 SMs x 1.65 GHz x 1,024 = 94.6 "
        "dense BF16, INT8 189.2 (2 x, as the rtx-a4000 and rtx-a5000 rows). FP32 23.65 TFLOPS = "
        "56 SMs x 128 x 2 x 1.65 GHz (the datasheet's 23.7). Compute capability 8.6 from the "
        "GA102 chip (as the rtx-a5000 and rtx-a6000 presets) and the SM86 build above; NVIDIA's "
        "table not read for this card. NVLink 112.5 GB/s: GA102's third-generation NVLink, 'four "
        "x4 links ... 112.5 GB/sec total bandwidth between two GPUs' (NVIDIA's GA102 "
        "whitepaper, as Hugging Face's performance docs quote it; the rtx-a5000 row's datasheet "
        "figure), unverified for this card: default link pcie (a bridge joins pairs only; --link "
        "nvlink for a bridged pair).",
    ),
    _nvidia(
        "rtx-a2000-12gb", "NVIDIA RTX A2000 12GB", "12 GB GDDR6", _ESTIMATED, 288.0,
        (31.95, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 69614386589, 71566956064: the sources cited below, in order
        # (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's RTX A2000 figures as Tom's Hardware France reports its launch (tomshardware.fr/"
        "nvidia-lance-une-rtx-a2000-low-profile/): GA106, 3,328 CUDA cores, 104 third-generation "
        "tensor cores, 26 RT cores, GDDR6 on 192 bits at 288 GB/s, single precision 8.0 TFLOPS, "
        "PCIe 4.0 x16, 70 W, launched with 6 GB; the 12 GB card: boost 1,200 MHz, 26 SMs, 12 GB "
        "GDDR6 at 12 Gbps on 192 bits = 288.0 GB/s, PCIe 4.0 x16, 70 W (sysrqmts.com's and "
        "cputronic.com's RTX A2000 12 GB pages, third-party tables); compute capability 8.6 "
        "(NVIDIA's CUDA GPU Compute Capability table, developer.nvidia.com/cuda-gpus, read "
        "2026-12-05); nvidia-smi total 12282 MiB on 'NVIDIA RTX A2000 12GB' hosts (Linux, driver "
        "575.64.05, 70 W, 26 SMs; and a Windows host)",
        int8_tops=63.9, fp32_tflops=7.99, boost_clock_mhz=1200.0,
        nvidia_smi_mib=12282,
        notes=f"{_AMPERE_NOTE} {_ESTIMATED_NOTE} Tensor rates at the RTX A6000's per-SM rate "
        "(rtx-a6000 preset: 154.8 dense BF16 = 84 SMs x 1.8 GHz x 1,024), unverified for this "
        "card (its datasheet's tensor figure was not found): 26 SMs x 1.2 GHz x 1,024 = 31.95 "
        "dense BF16, INT8 63.9 (2 x, as the rtx-a4000 and rtx-a4500 rows). FP32 7.99 TFLOPS = 26 "
        "SMs x 128 x 2 x 1.2 GHz = 7.987 (NVIDIA's 8.0); the host above reads a 2,100 MHz "
        "maximum clock, the ceiling the 70 W limit keeps it under, not the rated boost. 288 GB/s "
        "on 192 bits is 12 Gbps per pin. No PCIe P2P fact found for this card: planned with P2P "
        "(pcie), unverified. No NVLink. The 6 GB RTX A2000 (NVML 'NVIDIA RTX A2000') is another "
        "size: a name stating 6 GB is refused, an audited one stays a custom GPU.",
    ),
    _nvidia(
        "rtx-a5000", "NVIDIA RTX A5000", "24 GB GDDR6 (ECC)", _ESTIMATED, 768.0,
        (111.1, None, None), "8.6", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        # NOTE: find_string ids 23081053719, 55793838612: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA RTX A5000 datasheet (2021), as reprinted: 768 GB/s on 384 bits, 8,192 CUDA cores, "
        "256 tensor cores, 27.8 TFLOPS single precision, tensor performance 222.2 TFLOPS, NVLink "
        "112.5 GB/s bidirectional (two cards), PCIe 4.0 x16; nvidia-smi total 24564 MiB on an "
        "'NVIDIA RTX A5000'",
        nvlink_gbps=112.5, int8_tops=222.2, fp32_tflops=27.77, boost_clock_mhz=1695.0,
        nvidia_smi_mib=24564,
        notes=f"{_AMPERE_NOTE} {_ESTIMATED_NOTE} Tensor 222.2 TFLOPS is the sparse figure, as the "
        "RTX A6000 datasheet's 309.7 (rtx-a6000 preset: 154.8 dense BF16, INT8 309.7): so 111.1 "
        "dense BF16, INT8 222.2 (unverified). FP32 27.77 TFLOPS (the datasheet's 27.8; Hugging "
        "Face's hardware page and its gpu_spec CSV: 27.77, 8,192 CUDA cores) = 64 SMs x 128 x 2 x "
        "1.695 GHz; the clock is that quotient, NVIDIA gives none (unverified).",
    ),
    _nvidia(
        "rtx-a6000", "NVIDIA RTX A6000", "48 GB GDDR6 (ECC)", _gib(47.54), 768.0,
        (154.8, None, None), "8.6", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        # NOTE: find_string ids 24523367540, 34083692014: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA RTX A6000 datasheet (2021); CUDA total 47.54 GiB as commonly printed in PyTorch "
        "OOM messages for 48 GB Ampere boards (nvidia-smi 49140 MiB, ECC off); nvidia-smi 49140 "
        "MiB on 'NVIDIA RTX A6000' hosts, ECC off",
        nvlink_gbps=112.5,
        int8_tops=309.7, fp32_tflops=38.7, boost_clock_mhz=1800.0,
        measured_gemm=(123.34, f"{_TORCH_DB} row 'NVIDIA RTX A6000': 123.34"),
        nvidia_smi_mib=49140,
        notes=f"{_AMPERE_NOTE} CUDA total not tied to a named-GPU log; with ECC on the "
        "board shows 46068 MiB and ~44.4 GiB. FP32 38.7 TFLOPS: 10,752 CUDA cores x 2 x 1.80 "
        "GHz boost = 38.71 (TechPowerUp's figure, sysrqmts.com), 1/4 of the 154.8 BF16 dense "
        "as on the A40's datasheet (37.4 vs 149.7).",
    ),
    _nvidia(
        "rtx-6000-ada", "NVIDIA RTX 6000 Ada Generation", "48 GB GDDR6 (ECC)", _gib(44.43),
        960.0, (364.2, 728.5, None), "8.9", _PCIE4,
        "NVIDIA RTX 6000 Ada Generation datasheet (2023), 1457 AI TFLOPS FP8 sparse; CUDA "
        "total 44.43 GiB from a PyTorch OOM message with nvidia-smi 46068 MiB "
        "(DINGYANB/MTVCrafter#21)",
        int8_tops=728.5, fp32_tflops=91.1, boost_clock_mhz=2505.0,
        nvidia_smi_mib=46068,
        notes="Figure is with ECC on (the default); ECC off shows 49140 MiB (~47.4 GiB). FP32 "
        "91.1 TFLOPS, NVIDIA's figure as grafikkarten.com quotes it (18,176 CUDA cores x 2 x "
        "2.505 GHz boost = 91.06).",
    ),
    _nvidia(
        "rtx-5000-ada", "NVIDIA RTX 5000 Ada Generation", "32 GB GDDR6 (ECC)", _ESTIMATED,
        576.0, (261.1, 522.2, None), "8.9", _PCIE4,
        # NOTE: find_string ids 55104460234, 48150673618, 56642908157, 55617590061: the sources
        # cited below, in order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA RTX 5000 Ada Generation datasheet (2023), as transcribed in "
        "atineoSE/coding-model-seeks-gpu pipeline/pipeline/sources/rtx5000ada_specs.md: 32 GB "
        "GDDR6 with ECC on 256 bits, 576 GB/s, 12,800 CUDA cores, 400 tensor cores, "
        "single-precision 65.3 TFLOPS and tensor performance 1044.4 TFLOPS ('Effective FP8 TFLOPS "
        "using sparsity'), peak rates at the boost clock, PCIe 4.0 x16, 250 W, NVLink no; "
        "nvidia-smi total 32760 MiB on 'NVIDIA RTX 5000 Ada Gene...' hosts, ECC off (Linux, driver "
        "570.195.03); the NVML name in full in RunPod's GPU type ids",
        int8_tops=522.2, fp32_tflops=65.3, boost_clock_mhz=2550.0,
        nvidia_smi_mib=32760,
        # NOTE: find_string id 33953439810: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        notes=f"{_ESTIMATED_NOTE} Dense rates derived as the rtx-6000-ada preset's (its "
        "datasheet's 1457.0 sparse FP8 gives 728.5 dense FP8 and INT8, 364.2 BF16, no GeForce "
        "halving for FP32 accumulate): 1044.4 / 2 = 522.2 FP8 and INT8, / 4 = 261.1 BF16 "
        "(unverified). 100 SMs (12,800 / 128). Boost 2,550 MHz: the clock both datasheet figures "
        "fit (100 x 256 x 2.55 GHz = 65.28 TFLOPS FP32; x 1,024 dense BF16 FLOP per SM per clock, "
        "the RTX 6000 Ada's 364.2 = 142 x 1,024 x 2.505 GHz, x 4 for sparse FP8 = 1,044.5), and a "
        "table of Ada clocks gives 2,550; NVIDIA states none here (unverified). 576 GB/s on 256 "
        "bits is 18 Gbps per pin (derived). The nvidia-smi tables found run with ECC off; with ECC "
        "on the board keeps more for itself (the RTX 6000 Ada shows 46068 MiB with ECC on, 49140 "
        "off), which no table here shows for this card: give the total CUDA reports for one with "
        "ECC on (--gpu-memory-gib; the Hardware page's memory per GPU).",
    ),
    _nvidia(
        "rtx-4000-ada", "NVIDIA RTX 4000 Ada Generation", "20 GB GDDR6 (ECC)", _ESTIMATED,
        360.0, (81.9, 163.8, None), "8.9", _PCIE4,
        # NOTE: find_string ids 37854190128, 19072313131, 61162860653, 60910666302: the sources
        # cited below, in order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's RTX 4000 Ada Generation figures as PC Gamer reports its launch (pcgamer.com/"
        "nvidia-announces-the-most-powerful-single-slot-gpu-on-the-planet-but-its-a-workstation-"
        "card-so-naturally-costs-dollar1250/): 6,144 CUDA cores, 20 GB GDDR6 on 160 bits at 360 "
        "GB/s, AD104, 130 W, 26.7 TFLOPS; the NVIDIA RTX 4000 Ada Generation datasheet's opening "
        "(a scribd copy): 48 RT cores, 192 fourth-generation tensor cores, 6,144 CUDA cores, 20 "
        "GB, PCIe Gen4, single slot; 48 SMs, boost 2,175 MHz "
        "(siliconcat.net/gpu/nvidia-rtx-4000-ada-generation); FP32 26.73 TFLOPS (Hugging Face's "
        "gpu_spec CSV, huggingface.co/datasets/ohdoking/gpu_spec); GDDR6 with ECC, 360 GB/s, PCIe "
        "Gen 4 x16, compute capability 8.9 in a host's hardware notes; nvidia-smi total 20475 MiB "
        "on 'NVIDIA RTX 4000 Ada Gene...' Linux hosts, ECC off (one with driver 595.84)",
        int8_tops=163.8, fp32_tflops=26.73, boost_clock_mhz=2175.0,
        nvidia_smi_mib=20475,
        # NOTE: find_string ids 32301492911, 8846942999: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        notes=f"{_ESTIMATED_NOTE} Tensor rates unverified: the datasheet's tensor figure was not "
        "read. A training script's constant 'RTX 4000 Ada ~327.6 TFLOPs' (labelled bf16/fp16 "
        "there, which cannot be: the RTX 6000 Ada's dense BF16 is 364.2 with 142 SMs) is taken as "
        "the datasheet's sparse FP8 'Tensor performance', as the other Ada workstation datasheets "
        "state it (rtx-6000-ada 1457.0, rtx-5000-ada 1044.4): / 2 FP8 and INT8 163.8, / 4 BF16 "
        "81.9. It does not fit the FP32 clock: the rtx-5000-ada preset's 1,024 dense BF16 FLOP per "
        "SM per clock at 48 SMs x 2.175 GHz gives 106.9; the lower figure is kept (compute errs "
        "slow). FP32 26.73 TFLOPS = 48 SMs x 128 x 2 x 2.175 GHz (NVIDIA's 26.7). 360 GB/s on 160 "
        "bits is 18 Gbps per pin (derived). The nvidia-smi tables found run with ECC off; with ECC "
        "on the board keeps more for itself (the rtx-5000-ada preset's note): give the total CUDA "
        "reports for one with ECC on. The RTX 4000 SFF Ada Generation (70 W; its nvidia-smi also "
        "shows 20475 MiB) is another product with its own name: it stays a custom GPU.",
    ),
    _nvidia(
        "rtx-4500-ada", "NVIDIA RTX 4500 Ada Generation", "24 GB GDDR6 (ECC)", _ESTIMATED,
        432.0, (158.5, 317.0, None), "8.9", _PCIE4,
        # NOTE: find_string ids 1410283680, 34727663025, 71647496854: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's figures as Hugging Face's hardware page lists them (huggingface.co/hardware/"
        "rtx-4500-ada): 24 GB, 39.6 TFLOPS, 210 W; 7,680 CUDA cores, boost 2,580 MHz, 24 GB GDDR6 "
        "on 192 bits at 18 Gbps = 432.0 GB/s, PCIe 4.0 x16 (askgeek.io's and cputronic.com's RTX "
        "4500 Ada Generation pages, third-party tables; technical.city: 240 tensor cores, 39.63 "
        "TFLOPS, 210 W); compute capability 8.9 (NVIDIA's CUDA GPU Compute Capability table, "
        "developer.nvidia.com/cuda-gpus, read 2026-12-05); nvidia-smi total 23034 MiB on an "
        "'NVIDIA RTX 4500 Ada Gene...' Linux host, ECC on, 210 W cap, and 24570 MiB on a Windows "
        "(WDDM) host with ECC off, whose PyTorch reads '23.99 GiB usable'",
        int8_tops=317.0, fp32_tflops=39.6, boost_clock_mhz=2580.0,
        nvidia_smi_mib=23034,
        notes=f"{_ESTIMATED_NOTE} Tensor rates unverified: the datasheet's tensor figure was not "
        "found. 60 SMs (7,680 / 128) x 1,024 dense BF16 FLOP per SM per clock (the rtx-5000-ada "
        "preset's rate, which fits its datasheet's 1044.4) x 2.58 GHz = 158.5 BF16, x 2 = 317.0 "
        "FP8 and INT8 (sparse FP8 634.0). FP32 39.6 TFLOPS = 60 SMs x 128 x 2 x 2.58 GHz = "
        "39.63; the boost clock is the third-party tables', NVIDIA's page gives none "
        "(unverified). 432 GB/s on 192 bits is 18 Gbps per pin. The CUDA total is estimated from "
        "the ECC-on Linux table, as the rtx-6000-ada row plans ECC on: with ECC off the card "
        "shows 24570 MiB (23.99 GiB in PyTorch on Windows), give that total for such a host "
        "(--gpu-memory-gib; the Hardware page's memory per GPU). No PCIe P2P fact found for "
        "this card: planned with P2P (pcie) as the other RTX Ada workstation presets, "
        "unverified. No NVLink.",
    ),
    _nvidia(
        "rtx-2000-ada", "NVIDIA RTX 2000 Ada Generation", "16 GB GDDR6 (ECC)", _ESTIMATED,
        224.0, (47.98, 95.95, None), "8.9", "PCIe 4.0 x8, no NVLink",
        # NOTE: find_string ids 26181690409, 61248887654: the sources cited below, in order
        # (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA RTX 2000 Ada Generation datasheet figures as itcreations.com's RTX 2000 Ada page "
        "lists them: 16 GB GDDR6 with ECC on 128 bits at 224 GB/s, 2,816 CUDA cores, 88 "
        "fourth-generation tensor cores, single-precision 12.0 TFLOPS, tensor performance 191.9 "
        "TFLOPS ('all values are based on the GPU with boost clock enabled', boost 2,130 MHz), "
        "PCIe 4.0 x8, total board power 70 W; 22 SMs, 16 GB GDDR6 at 14 Gbps on 128 bits, PCIe "
        "4.0 x8 (cnews.cz, the card's launch, February 2024); FP32 12.0 TFLOPS (Hugging Face's "
        "gpu_spec CSV, 'NVIDIA RTX 2000 Ada Generation'); compute capability 8.9 (NVIDIA's CUDA "
        "GPU Compute Capability table, developer.nvidia.com/cuda-gpus, read 2026-12-05); "
        "nvidia-smi total 16380 MiB on 'NVIDIA RTX 2000 Ada Gene...' Linux hosts, ECC off, 70 W "
        "cap (two hosts, CUDA 12.4)",
        int8_tops=95.95, fp32_tflops=12.0, boost_clock_mhz=2130.0, pcie_lanes=8,
        nvidia_smi_mib=16380,
        notes=f"{_ESTIMATED_NOTE} Tensor performance 191.9 TFLOPS read as sparse FP8, as the "
        "other Ada workstation datasheets state it (rtx-6000-ada 1457.0, rtx-5000-ada 1044.4): / "
        "2 = 95.95 FP8 and INT8, / 4 = 47.98 BF16 (unverified); it fits the SMs and clock: 22 x "
        "1,024 x 2.13 GHz = 47.98. FP32 12.0 TFLOPS = 22 SMs x 128 x 2 x 2.13 GHz = 11.996. 224 "
        "GB/s on 128 bits is 14 Gbps per pin. The card is x8 electrically: its link is planned "
        "at PCIe 4.0 x8, 15.75 GB/s per direction (pcie_rate). The nvidia-smi tables found run "
        "with ECC off; with ECC on the board keeps more for itself (the rtx-5000-ada preset's "
        "note): give the total CUDA reports for one with ECC on. No PCIe P2P fact found for this "
        "card: planned with P2P (pcie) as the other RTX Ada workstation presets, unverified. The "
        "RTX 2000 Ada Generation Laptop GPU (8 GB, 8188 MiB in nvidia-smi) and the RTX 2000E "
        "Ada Generation are other products with their own names: they stay custom GPUs.",
    ),
    _nvidia(
        "rtx-pro-6000", "NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "96 GB GDDR7 (ECC)",
        _gib(94.97), 1792.0, (500.0, 1000.0, 2000.0), "12.0", _PCIE5,
        "NVIDIA RTX PRO 6000 Blackwell datasheet (2025), 4 PFLOPS FP4 sparse; CUDA total "
        "94.97 GiB with nvidia-smi 97887 MiB (antirez/ds4#431)",
        int8_tops=1000.0, pcie_gen=5, fp32_tflops=125.0, boost_clock_mhz=2617.0,
        nvidia_smi_mib=97887,
        # NOTE: find_string ids 69598799291, 52072245151, 69868194304: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        notes="Dense TFLOP/s and INT8 TOPS derived from the sparse FP4 peak (/2 sparsity, x2 "
        "per wider format): 4,000 / 2 = 2,000 FP4, 1,000 FP8 and INT8, 500 BF16; unverified. "
        "The Workstation Edition: NVIDIA's product page "
        "(nvidia.com/en-us/products/workstations/professional-desktop-gpus/rtx-pro-6000, as a "
        "planning note quotes it: '1792 GB/sec', '4000' AI TOPS 'Theoretical FP4 TOPS using "
        "sparsity', 125 TFLOPS FP32, 600 W; a June 2026 datasheet revision is read as 126). The "
        "Max-Q Workstation Edition (the same 96 GB and 1792 GB/s, but 3511 AI TOPS, 110 TFLOPS "
        "FP32 and 300 W by its datasheet) is its own preset, rtx-pro-6000-maxq. The Server "
        "Edition is rtx-pro-6000-server (1,597 GB/s). Boost clock 2,617 MHz (hmc-tech.com's RTX "
        "PRO 6000 Blackwell specifications: 24,064 shaders at 2,617 MHz, 125.95 FP32 TFLOPS, 600 "
        "W; a third-party table, NVIDIA's datasheet gives no clock): 188 SMs x 128 x 2 x 2.617 "
        "GHz = 125.95, NVIDIA's 125 (126 in the revision).",
    ),
    _nvidia(
        "rtx-pro-6000-maxq", "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
        "96 GB GDDR7 (ECC)", _gib(94.97), 1792.0, (438.875, 877.75, 1755.5), "12.0", _PCIE5,
        # NOTE: find_string id 52072245151: the datasheet transcription quoted below (a
        # search-index handle, for maintainers; users see the title and quote)
        "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition datasheet, as a planning note "
        "transcribes it: '96 GB of GDDR7 ECC memory, 1792 GB/s memory bandwidth, 3511 AI TOPS, "
        "110 TFLOPS single-precision performance ... PCIe Gen 5 ... The total board power is "
        "300 W'; nvidia-smi 97887 MiB on Max-Q Workstation Editions (driver 595.71.05 and "
        "581.80, nvidia-smi printouts in public projects' notes)",
        int8_tops=877.75, pcie_gen=5, fp32_tflops=110.0, boost_clock_mhz=2288.0,
        nvidia_smi_mib=97887,
        notes="Dense TFLOP/s and INT8 TOPS derived as rtx-pro-6000's are, from the sparse FP4 "
        "peak (3511 AI TOPS read as FP4 with sparsity, as the Workstation page states for its "
        "4000: /2 sparsity, x2 per wider format): 1,755.5 FP4, 877.75 FP8 and INT8, 438.875 "
        "BF16; unverified. CUDA total taken as the Workstation Edition's 94.97 GiB (the same "
        "nvidia-smi 97,887 MiB; no Max-Q CUDA log found: unverified). The same 96 GB and "
        "1,792 GB/s as rtx-pro-6000, the Workstation Edition, at 300 W against 600 W: lower "
        "compute (110 against 125 FP32 TFLOPS). No price: none found naming the Max-Q. Boost clock "
        "2,288 MHz (technical.city's RTX PRO 6000 Blackwell Max-Q column: boost 2,288 MHz, 110.1 "
        "TFLOPS, 300 W; a third-party table, NVIDIA's datasheet gives no clock): 188 SMs x 128 x "
        "2 x 2.288 GHz = 110.1, the datasheet's 110 (cputronic.com lists the Workstation "
        "Edition's 2,617 MHz for it, which would give 126).",
    ),
    _nvidia(
        "rtx-pro-6000-server", "NVIDIA RTX PRO 6000 Blackwell Server Edition", "96 GB GDDR7 (ECC)",
        _gib(94.97), 1597.0, (500.0, 1000.0, 2000.0), "12.0", _PCIE5,
        # NOTE: find_string ids 69549664363, 60739552086, 69868194304: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's RTX PRO 6000 Blackwell Server Edition page (nvidia.com/en-us/data-center/"
        "rtx-pro-6000-blackwell-server-edition) as planning notes quote it: 'FP4 Tensor Core 4 "
        "PFLOPS', 'FP8 Tensor Core 2 PFLOPS', 'FP16 | BF16 Tensor Core 1 PFLOP', 'TF32 Tensor "
        "Core 234 TFLOPS', 'Single-Precision Performance (FP32): 120 TFLOPS', 96 GB GDDR7, 1597 "
        "GB/s, up to 600 W (the datasheet: 'up to 600 W configurable'; NVIDIA's product brief "
        "SP-12355: 600 and 450 W modes); CUDA total 94.97 GiB ('total=94.97 GiB' on 'NVIDIA RTX "
        "PRO 6000 Blackwell Server Edition (sm_120)', antirez/ds4#563); nvidia-smi 97887 MiB",
        int8_tops=1000.0, pcie_gen=5, fp32_tflops=120.0, boost_clock_mhz=2430.0,
        nvidia_smi_mib=97887,
        # NOTE: find_string id 62863973139: the EC2 guide cited below (a search-index handle, for
        # maintainers; users see the title and quote)
        notes="Dense TFLOP/s from the page's 4 / 2 / 1 PFLOPS read as sparse (/2; the page "
        "states no sparsity, the Workstation page does; its 234 TF32 is dense, and dense BF16 "
        "is 2x TF32, about 470, not 1,000); INT8 taken as FP8 (unverified). The same GB202 with "
        "188 SMs and the same 96 GB as rtx-pro-6000, the Workstation Edition: lower memory "
        "bandwidth (1,597 against 1,792 GB/s) and FP32 (120 against 125). Boost clock 2,430 MHz, "
        "the maximum graphics clock AWS sets on its G7e instances (RTX PRO 6000 Blackwell "
        "Server Edition GPUs, AWS's G7e announcement; EC2 User Guide, 'Optimize GPU settings on "
        "Amazon EC2 instances': 'G7e instances: sudo nvidia-smi -ac 12481,2430'), the product "
        "brief's 2,430 MHz as a planning note reads it: 24,064 x 2 x 2.43 GHz = 116.95 TFLOPS, "
        "below the page's 120, which stays the FP32 rate (NVIDIA's two figures fit no one "
        "clock).",
    ),
    _nvidia(
        "rtx-pro-5000", "NVIDIA RTX PRO 5000 Blackwell", "48 GB GDDR7 (ECC)",
        _ESTIMATED, 1344.0, (258.0, 516.0, 1032.0), "12.0", _PCIE5,
        # NOTE: find_string id 61506984505: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        "NVIDIA's RTX PRO 5000 Blackwell figures as reported at its launch and at the 72 GB "
        "model's (svethardware.cz, 2025-10-22; pepelac.news): 14,080 CUDA cores, '2064 AI TOPS', "
        "65 TFLOPS FP32, 48 GB GDDR7 with ECC at 1,344 GB/s, PCIe 5.0 x16, 300 W; 110 SMs and 384 "
        "bits (purepc.pl's GTC 2025 report); nvidia-smi total 48935 MiB on an 'NVIDIA RTX PRO 5000 "
        "Blackwell' (driver 595.71.05)",
        int8_tops=516.0, pcie_gen=5, fp32_tflops=65.0, boost_clock_mhz=2308.0,
        nvidia_smi_mib=48935,
        # NOTE: find_string id 70919330036: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        notes=f"{_ESTIMATED_NOTE} Dense TFLOP/s and INT8 TOPS derived as the rtx-pro-6000 preset's "
        "(unverified): 2064 AI TOPS is sparse FP4, so dense FP4 1,032, FP8 516, BF16 258, INT8 516 "
        "(no GeForce halving for FP32 accumulate assumed, as there). Boost clock 2,308 MHz = 65 "
        "TFLOPS / (110 SMs x 128 x 2): NVIDIA gives none (svethardware.cz works out about 2.29 "
        "GHz; spec databases list 2,377 and 2,617 MHz with 66.9 and 73.7 TFLOPS; unverified). "
        "1,344 GB/s is 384 bits x 28 Gbps; NVIDIA's own listing states 512 bits (pepelac.news), "
        "which the bandwidth does not fit. A vLLM 0.30.0 report names the card with '47.23 GiB' "
        "(how it was read is not stated) against the estimate's 47.29. The 72 GB model (NVIDIA "
        "lists both sizes under one product name) is another memory size: an audit of one is no "
        "name match here.",
    ),
    _nvidia(
        "rtx-pro-4500", "NVIDIA RTX PRO 4500 Blackwell", "32 GB GDDR7 (ECC)",
        _ESTIMATED, 896.0, (202.125, 404.25, 808.5), "12.0", _PCIE5,
        # NOTE: find_string ids 58615557983, 71416487241, 53248037232, 71463500960, 70091470353: the
        # sources cited below, in order (search-index handles, for maintainers; users see titles and
        # quotes)
        "NVIDIA's RTX PRO 4500 Blackwell datasheet (nvidia.com/content/dam/en-zz/Solutions/data-"
        "center/rtx-pro-4500-blackwell/workstation-datasheet-blackwell-rtx-pro-4500-we-nvidia-us-"
        "5108623-web.pdf) as a GPU catalogue transcribes it: 32 GB GDDR7 with ECC on 256 bits at "
        "896 GB/s, PCIe 5.0, 200 W, 1617 FP4 AI TOPS; 10,496 CUDA cores in 82 SMs (hmc-tech.com/"
        "gpus/nvidia-geforce-rtx-4090-vs-nvidia-rtx-pro-4500-blackwell); PCIe 5.0 x16 "
        "(technical.city/en/video/RTX-PRO-4500-Blackwell); FP32 50.53 TFLOPS "
        "(huggingface.co/hardware/rtx-pro-4500-ws); compute capability 12.0 for 'NVIDIA RTX PRO "
        "4500 Blackwell'; nvidia-smi total 32623 MiB on an 'NVIDIA RTX PRO 4500 Blac...', ECC off "
        "(32,623 MiB on two more hosts, Linux, driver 580.159.04)",
        int8_tops=404.25, pcie_gen=5, fp32_tflops=50.53, boost_clock_mhz=2407.0,
        nvidia_smi_mib=32623,
        # NOTE: find_string id 70620782239: the source cited below (search-index handles, for
        # maintainers; users see titles and quotes)
        notes=f"{_ESTIMATED_NOTE} Dense TFLOP/s and INT8 TOPS derived as the rtx-pro-6000 preset's "
        "(unverified): 1617 AI TOPS is sparse FP4, so dense FP4 808.5, FP8 404.25, BF16 202.125, "
        "INT8 404.25 (no GeForce halving for FP32 accumulate assumed, as there). Boost clock 2,407 "
        "MHz = 50.53 TFLOPS / (82 SMs x 128 x 2): NVIDIA gives none; the same clock gives the 1617 "
        "AI TOPS (82 x 8,192 sparse FP4 FLOP per SM per clock, the RTX 5090's 3,352 = 170 x 8,192 "
        "x 2.407 GHz: 1,616.9). A planner's card table gives '1687 AI TOPS' (no source named), "
        "which would need 2.511 GHz and does not fit the 50.53 TFLOPS; spec databases list 2,617 "
        "MHz and 54.94 TFLOPS (unverified). 896 GB/s on 256 bits is 28 Gbps per pin (derived). The "
        "nvidia-smi tables found run with ECC off; with ECC on the board keeps more for itself "
        "(the rtx-5000-ada preset's note): give the total CUDA reports for one with ECC on. No "
        "NVLink. The RTX PRO 4500 Blackwell Server Edition (NVML 'NVIDIA RTX PRO 4500 Blackwell "
        "Server Edition': 800 GB/s, 165 W, Exxact's benchmark page, exxactcorp.com) is another "
        "product: it stays a custom GPU.",
    ),
    _nvidia(
        "rtx-pro-4000", "NVIDIA RTX PRO 4000 Blackwell", "24 GB GDDR7 (ECC)",
        _ESTIMATED, 672.0, (147.25, 294.5, 589.0), "12.0", _PCIE5,
        # NOTE: find_string ids 58615557983, 55727200476, 55387878684, 71315649740, 69658859814: the
        # sources cited below, in order (search-index handles, for maintainers; users see titles and
        # quotes)
        "NVIDIA's RTX PRO 4000 Blackwell datasheet (nvidia.com/content/dam/en-zz/Solutions/"
        "products/workstations/professional-desktop-gpus/rtx-pro-4000/workstation-datasheet-rtx-"
        "pro-4000-nvidia-us-web.pdf) as a GPU catalogue transcribes it: 24 GB GDDR7 with ECC on "
        "192 bits at 672 GB/s, PCIe 5.0, single slot, 145 W, 1178 FP4 AI TOPS; 8,960 CUDA cores, "
        "PCIe 5.0 x16, 192 bits, 672 GB/s (cputronic.com/gpu/compare/nvidia-rtx-pro-4000-blackwell-"
        "vs-nvidia-rtx-pro-2000-blackwell); 70 SMs (a GPU table: 8,960 / 128); FP32 36.83 TFLOPS, "
        "140 W (huggingface.co/hardware/rtx-pro-4000); sm_120 on an 'NVIDIA RTX PRO 4000 "
        "Blackwell'; nvidia-smi total 24,467 MiB on 'NVIDIA RTX PRO 4000 Blackwell' hosts (Linux, "
        "driver 580.173.02, vLLM 0.19.0)",
        int8_tops=294.5, pcie_gen=5, fp32_tflops=36.83, boost_clock_mhz=2055.0,
        nvidia_smi_mib=24467,
        notes=f"{_ESTIMATED_NOTE} Dense TFLOP/s and INT8 TOPS derived as the rtx-pro-6000 "
        "preset's (unverified): 1178 AI TOPS is sparse FP4, so dense FP4 589, FP8 294.5, BF16 "
        "147.25, INT8 294.5 (no GeForce halving for FP32 accumulate assumed, as there). Boost "
        "clock 2,055 MHz = 36.83 TFLOPS / (70 SMs x 128 x 2): NVIDIA gives none; the same clock "
        "gives the 1178 AI TOPS (70 x 8,192 sparse FP4 FLOP per SM per clock: 1,178.4); spec "
        "databases list 2,617 MHz and 46.9 TFLOPS (unverified). 672 GB/s on 192 bits is 28 Gbps "
        "per pin (derived). The board power is 145 W in the catalogue, 140 W on Hugging Face's "
        "page (not planned on). No ECC state is stated beside the nvidia-smi totals found. No "
        "NVLink. The RTX PRO 4000 Blackwell SFF Edition (432 GB/s, 70 W, PCIe 5.0 x8; the "
        "catalogue above, hmc-tech.com/gpu/nvidia-rtx-pro-4000-blackwell-sff) is another "
        "product: it stays a custom GPU.",
    ),
    _nvidia(
        "dgx-spark-gb10", "NVIDIA GB10", "128 GB LPDDR5X unified", _gib(121.69), 273.0,
        (125.0, 250.0, 500.0), "12.1", "ConnectX-7 200 GbE (2-node clustering), no NVLink",
        "NVIDIA DGX Spark datasheet (2025), 1 PFLOP FP4 sparse, 273 GB/s; CUDA total "
        "121.69 GiB from vLLM 'Free memory on device (x/121.69 GiB)' logs",
        unified_memory=True,
        measured_read=(232.5, "a saturating read kernel on a DGX Spark (sm_121, CUDA 13.0) "
                       "measured 231-234 GB/s of device DRAM reads, 0.85 of 273 GB/s "
                       "(antirez/ds4#773)"),
        pcie_gen=5, fp32_tflops=31.0, boost_clock_mhz=2418.0, one_per_machine="DGX Spark",
        aliases=("NVIDIA DGX Spark",),
        # NOTE: find_string ids 55712110296, 61379955696: the deviceQuery output and the
        # nvidia-smi clocks cited below, in order (search-index handles, for maintainers; users
        # see titles and quotes)
        notes="Unified memory: OS and page cache share the pool, so free memory is well "
        "below total. PCIe generation 5 unverified (no source found). NVML reports no memory "
        "total. BF16/FP8 dense not published: 125/250 "
        "derived from the dense FP4 500 (/4 and /2, as the rtx-pro-6000 row; unverified). A "
        "measured BF16 matmul of 92.3 TFLOP/s on a GB10 (huggingface/kernels#283: CUDA 13, "
        "PyTorch 2.10) is 0.74 of 125 and rules out the GeForce halving (62.5). FP32 31 TFLOPS: "
        "NVIDIA at Hot Chips 2025 (The Register's GB10 report: 'about 31 teraFLOPS of single "
        "precision'; 6,144 CUDA cores = 48 SMs x 128). Boost clock 2,418 MHz: CUDA's deviceQuery "
        "on a DGX Spark ('NVIDIA GB10', 12.1: '(048) Multiprocessors, (128) CUDA Cores/MP', 'GPU "
        "Max Clock rate: 2,418 MHz'; kubesimplify, 'Day 3: The DGX Spark Unpacked'), the GB10's "
        "nvidia-smi Default Applications Clocks (2,418 MHz; its Max Clocks 3,003 MHz top the clock "
        "table, not a sustained rate). 48 x 128 x 2 x 2.418 GHz = 29.7 TFLOPS against NVIDIA's "
        "'about 31' (that figure would need 2.52 GHz; not used as a clock).",
    ),
    # ---- data-centre PCIe cards -------------------------------------------------------
    _nvidia(
        "a10", "NVIDIA A10", "24 GB GDDR6 (ECC)", _gib(22.06), 600.0,
        (125.0, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 51863024840, 31700982425: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA A10 Tensor Core GPU datasheet (2021); nvidia-smi total 23028 MiB on 'NVIDIA A10' "
        "hosts, ECC on",
        int8_tops=250.0, fp32_tflops=31.2, boost_clock_mhz=1695.0,
        nvidia_smi_mib=23028,
        notes=f"{_AMPERE_NOTE} CUDA total assumed equal to the A10G's measured 22.06 GiB "
        "(same 24 GB GDDR6 ECC, nvidia-smi 23028 MiB); estimated. FP32 31.2 TFLOPS: 9,216 CUDA "
        "cores = 72 SMs x 128 x 2 x 1.695 GHz boost = 31.24 (TechPowerUp's figure, "
        "sysrqmts.com), 1/4 of the 125 BF16 dense as on the A40's datasheet.",
    ),
    _nvidia(
        "a10g", "NVIDIA A10G", "24 GB GDDR6 (ECC)", _gib(22.06), 600.0,
        (70.0, None, None), "8.6", _PCIE4,
        # NOTE: find_string ids 68323719253, 57964593690, 51771234912: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "AWS's G5 variant of the A10 (no NVIDIA datasheet of its own): 24 GB, 600 GB/s and the "
        "dense tensor rate from Baseten's 'NVIDIA A10 vs A10G for ML model inference' ('A10G only "
        "has 70 TF', quoted with the AWS G5 page in a GPU spec table); CUDA total 22.06 GiB from a "
        "PyTorch OOM message on g5.2xlarge (A10G) hosts ('GPU 0 has a total capacity of 22.06 "
        "GiB'), nvidia-smi 23028 MiB",
        default_link="pcie-no-p2p",
        nvidia_smi_mib=23028, fp32_tflops=35.02, boost_clock_mhz=1710.0,
        # NOTE: find_string ids 67234836605, 62863973139: the device properties and the EC2 guide
        # cited below, in order (search-index handles, for maintainers; users see titles and
        # quotes)
        notes=f"{_AMPERE_NOTE} Not the A10 (a10 preset: 125 BF16 TFLOPS): the A10G trades tensor "
        "rate for CUDA-core rate and keeps the A10's memory and bandwidth (Baseten, above). "
        "BF16 70 TFLOPS dense unverified (no NVIDIA figure). FP32 35.02 TFLOPS = 80 SMs x 128 x "
        "2 x 1.71 GHz (derived; NVIDIA publishes none): 80 SMs from the card's own CUDA device "
        "properties (TorchCodec's 'Accelerated video decoding on GPUs with CUDA and NVDEC' "
        "tutorial: \"_CudaDeviceProperties(name='NVIDIA A10G', major=8, minor=6, "
        "total_memory=22587MB, multi_processor_count=80\", 22,587 MiB being the 22.06 GiB "
        "above); boost clock 1,710 MHz, the maximum graphics clock AWS sets on G5 instances "
        "(EC2 User Guide, 'Optimize GPU settings on Amazon EC2 instances': 'Set all GPU clock "
        "speeds to their maximum frequency', 'G5 instances: sudo nvidia-smi -ac 6250,1710'). "
        "Other published FP32 figures do not fit the 80 SMs: GoogleCloudPlatform/"
        "professional-services gpu-mapping.yaml's 31.52 TFLOPS ('collected from various online "
        "sources') is 72 SMs (the A10's) x 256 x 1.71 GHz; a gpu_catalog.json on Hugging Face "
        "gives 80 SMs, 1,695 MHz and 31.2 TFLOPS (80 x 256 x 1.695 GHz = 34.7). PCIe 4.0 x16 "
        "between the A10Gs of a "
        "g5.12xlarge/24xlarge/48xlarge ('PCIe' interconnect, AWS's instance table as gist "
        "shashankprasanna/10ebe6dc reprints it), without working P2P: CUDA refuses peer access "
        "on a g5.48xlarge ('peer access is not supported between these two devices', "
        "NVIDIA/TensorRT-LLM#1034) and p2pBandwidthLatencyTest on a g5.12xlarge measures "
        "49,207 us P2P writes against 12-21 us staged through the host (ray-project/ray#39471), "
        "so the default link is pcie-no-p2p (pcie if a host's P2P works: --link pcie, or "
        "the Hardware page's GPU-to-GPU link).",
    ),
    _nvidia(
        "a40", "NVIDIA A40", "48 GB GDDR6 (ECC)", _gib(44.42), 696.0,
        (149.7, None, None), "8.6", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        # NOTE: find_string ids 29934243570, 2475744650: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA A40 datasheet (2021); CUDA total 44.42 GiB from a PyTorch OOM message on an A40; "
        "nvidia-smi total 46068 MiB on 'NVIDIA A40' hosts, ECC on",
        nvlink_gbps=112.5,
        int8_tops=299.3, fp32_tflops=37.4, boost_clock_mhz=1740.0,
        measured_gemm=(122.29, f"{_TORCH_DB} row 'NVIDIA A40': 122.29"),
        nvidia_smi_mib=46068,
        notes=f"{_AMPERE_NOTE} FP32 37.4 TFLOPS: the datasheet's 'Peak FP32 TFLOPS "
        "(non-Tensor)' (reprinted by ecer.com). Boost clock 1,740 MHz, 84 SMs (TechPowerUp's "
        "figures as sysrqmts.com reprints them): 84 x 128 x 2 x 1.74 GHz = 37.4. Read rate: "
        f"{_RRZE_STREAM} gpu-stream/a40.txt) reads 679 GB/s on an A40 from 54 % occupancy on, "
        f"0.976 of 696: {_NO_READ_CAP}",
    ),
    _nvidia(
        "l4", "NVIDIA L4", "24 GB GDDR6 (ECC)", _gib(22.03), 300.0,
        (121.0, 242.5, None), "8.9", "PCIe 4.0 x16, no NVLink",
        "NVIDIA L4 Tensor Core GPU datasheet (2023); CUDA total 22.03 GiB from PyTorch OOM "
        "messages on L4 (nvidia-smi 23034 MiB)",
        int8_tops=242.5, fp32_tflops=30.3, boost_clock_mhz=2040.0,
        measured_gemm=(
            70.89,
            f"{_TORCH_DB} row 'NVIDIA L4': 70.89 (the contributor's issue #120 gives it at "
            "2,048; 54.91-59.40 at 4,096-10,240, the 72 W card's longer runs)"),
        nvidia_smi_mib=23034,
        notes="Some logs show 22.04-22.05 GiB (driver dependent). FP32 30.3 TFLOPS: 7,424 CUDA "
        "cores = 58 SMs x 128 x 2 x 2.04 GHz boost = 30.29 (TechPowerUp's figure, "
        "fpsbench.com), 1/4 of the datasheet's 121 BF16 dense.",
    ),
    _nvidia(
        "a2", "NVIDIA A2", "16 GB GDDR6 (ECC)", _ESTIMATED, 200.0,
        (18.13, None, None), "8.6", "PCIe 4.0 x8, no NVLink",
        # NOTE: find_string ids 70557240678, 29679446261, 19231731506: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA A2 Tensor Core GPU datasheet figures as a documentation page lists them (citing "
        "a2-datasheet.pdf): GA107, boost 1,770 MHz, 1,280 CUDA cores, 40 third-generation tensor "
        "cores, 16 GB GDDR6 with ECC at 200 GB/s, PCIe Gen4 x8, 40-60 W; 18.13 TFLOPS FP16 and "
        "BF16 tensor with FP32 accumulate, 36.25 INT8 tensor TOPS, 4.53 FP32 TFLOPS "
        "(hmc-tech.com's A2 column); compute capability 8.6 (NVIDIA's CUDA GPU Compute Capability "
        "table, developer.nvidia.com/cuda-gpus, read 2026-12-05); nvidia-smi total 15356 MiB "
        "on 'NVIDIA A2' hosts (Linux, 60 W cap, ECC on)",
        int8_tops=36.25, fp32_tflops=4.53, boost_clock_mhz=1770.0, pcie_lanes=8,
        nvidia_smi_mib=15356,
        notes=f"{_AMPERE_NOTE} {_ESTIMATED_NOTE} 10 SMs (1,280 / 128): tensor 10 x 1.77 GHz x "
        "1,024 = 18.12 BF16 (the A10's datacenter rate per SM, FP32 accumulate at full rate), "
        "x 2,048 = 36.25 INT8; FP32 4.53 TFLOPS = 10 x 128 x 2 x 1.77 GHz. 200 GB/s on 128 bits "
        "is 12.5 Gbps per pin. The card is x8 electrically: its link is planned at PCIe 4.0 x8, "
        "15.75 GB/s per direction (pcie_rate). At the 40 W setting it clocks lower: this row's "
        "compute is the 60 W card's. No PCIe P2P fact found for the A2: planned with P2P (pcie), "
        "unverified.",
    ),
    _nvidia(
        "a16", "NVIDIA A16", "16 GB GDDR6 (ECC) per GPU, 4 GPUs a board", _ESTIMATED, 200.0,
        (17.9, None, None), "8.6", "PCIe 4.0 x16 for the board's 4 GPUs, no NVLink",
        # NOTE: find_string ids 7979584688, 70690792144, 71051116011: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA A16 datasheet figures as panchaea.com's A16 page lists them, per board: GPU "
        "memory 4 x 16 GB GDDR6, memory bandwidth 4 x 200 GB/s, ECC yes, 4 x 1,280 CUDA cores, "
        "4 x 40 third-generation tensor cores, FP32 4 x 4.5 TFLOPS, FP16 tensor 4 x 17.9 TFLOPS "
        "(4 x 35.9 with sparsity), INT8 4 x 35.9 TOPS, system interface PCIe Gen4 (x16), 250 W, "
        "passive, MIG no; compute capability 8.6 (NVIDIA's CUDA GPU Compute Capability table, "
        "developer.nvidia.com/cuda-gpus, read 2026-12-05); nvidia-smi total 15356 MiB on each "
        "'NVIDIA A16' (Linux, ECC on, 62 W cap per GPU), four listed per board; a vLLM host "
        "serving Qwen3.5-35B-A3B GPTQ-Int4 over '4x NVIDIA A16' at --tensor-parallel-size 4",
        int8_tops=35.9, fp32_tflops=4.5, boost_clock_mhz=1758.0,
        nvidia_smi_mib=15356,
        notes=f"{_AMPERE_NOTE} {_ESTIMATED_NOTE} Planned per GPU: the board carries 4 GPUs, each "
        "its own CUDA device with its own 16 GB (nvidia-smi lists 4 'NVIDIA A16' a board, vLLM "
        "runs tensor parallel over them), so one board is --gpus 4 and every figure here is one "
        "GPU's (the datasheet's per-board figures / 4). Tensor 17.9 dense FP16 (BF16 alike on "
        "Ampere), INT8 35.9, FP32 4.5: the datasheet's; 10 SMs (1,280 / 128), as the a2 "
        "preset's GA107, whose 18.13 at 1,770 MHz puts this card's clock near 1.75 GHz (17.9 / "
        "(10 x 1,024)); NVIDIA gives no boost clock, so the one its FP32 figure implies is "
        "planned, 1,758 MHz = 4.5 TFLOPS / (10 SMs x 128 x 2) (derived, unverified, as "
        "rtx-pro-5000's). Link unverified: the "
        "board's one PCIe 4.0 x16 serves its 4 GPUs, whose own lanes and the switch joining them "
        "were not found; planned as PCIe 4.0 x16 with P2P (pcie) between them, optimistic where "
        "their traffic shares the board's link. No NVLink.",
    ),
    _nvidia(
        "a30", "NVIDIA A30", "24 GB HBM2", 24060 * MIB, 933.0,
        (165.0, None, None), "8.0", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        # NOTE: find_string ids 35175352601, 44084260650, 45630486731, 38597028088, 59681783063,
        # 43846728928, 61612706521, 1693279364: the sources cited below, in order (search-index
        # handles, for maintainers; users see titles and quotes)
        "NVIDIA A30 Tensor Core GPU datasheet figures as 'GPU Performance (Data Sheets) Quick "
        "Reference (2023)' tabulates them (citing nvidia.com/en-us/data-center/products/"
        "a30-gpu/): 24GB HBM2, 933GB/s, 'PCIe Gen4 64GB/s, NVLINK 200GB/s', FP32 10.3 TFLOPS, "
        "BFLOAT16 and FP16 TensorCore 165 TFLOPS, INT8 330 TOPS, INT4 661 TOPS, 165 W; CUDA total "
        "24,060 MiB from NVIDIA's nvbench on an 'NVIDIA A30' ('SM Version: 800', 'Number of SMs: "
        "56', 'SM Default Clock Rate: 1440 MHz', 'Global Memory: 23805 MiB Free / 24060 MiB "
        "Total', 'Global Memory Bus Peak: 933 GB/sec (3072-bit DDR @1215MHz)', 'ECC Enabled: "
        "Yes'), whose total is cudaMemGetInfo's in MiB rounded down (nvbench device_info.cu, "
        "markdown_printer.cu); deviceQuery on an 'NVIDIA A30' (CUDA driver 12.5): capability "
        "8.0, 56 multiprocessors x 64 CUDA cores, 'GPU Max Clock Rate 1440 MHz', 3072-bit bus at "
        "1215 MHz; an A30 host's notes: 'MIG support; up to two cards can be joined with an NVLink "
        "bridge'; nvidia-smi total 24576 MiB on 'NVIDIA A30' hosts (Linux, drivers 580.105.08 "
        "and 580.173.02); NVIDIA's MIG post: 'A single A30 can be partitioned into up to four "
        "MIG instances'",
        nvlink_gbps=200.0, int8_tops=330.0, fp32_tflops=10.3, boost_clock_mhz=1440.0,
        nvidia_smi_mib=24576,
        notes=f"{_AMPERE_NOTE} GA100, as the A100 (compute capability 8.0, 64 FP32 lanes per "
        "SM): the datasheet's dense rates fit its 56 SMs at 1,440 MHz, 56 x 2,048 x 1.44 GHz = "
        "165.2 BF16 (the A100's 108 x 2,048 x 1.41 = 311.9 of its 312), x 4,096 = 330.3 INT8, "
        "and FP32 56 x 64 x 2 x 1.44 GHz = 10.32. 933 GB/s = 3,072 bits / 8 x 1,215 MHz x 2. "
        "CUDA total: three figures found, 24,060 MiB (23.50 GiB, nvbench above, driver not "
        "stated), 'total capacty of 23.53 GiB' (a PyTorch OOM message, 'only 24G in A30', "
        "google/RB-Modulation#5, driver not stated) and 25,343,295,488 B (24,169 MiB, 23.60 GiB, "
        "the deviceQuery above on a CUDA 12.5 driver), a spread the NOTE on CUDA totals puts down "
        "to the driver; which driver is newest is not known, so the lowest is planned (a plan "
        "errs on fitting less): give the total CUDA reports on your host (--gpu-memory-gib; an "
        "audit measures it). NVLink 200 GB/s (both directions) over a bridge that joins two "
        "cards: default link pcie, --link nvlink for a bridged pair (as the a40 and "
        "a100-80gb-pcie rows). No PCIe P2P fact found for the A30: planned with P2P (pcie) as "
        "the other data-centre PCIe presets, unverified.",
    ),
    _nvidia(
        "t4", "Tesla T4", "16 GB GDDR6 (ECC)", _gib(14.75), 320.0,
        (None, None, None), "7.5", "PCIe 3.0 x16, no NVLink",
        # NOTE: find_string ids 70747246868, 29258903864, 29310183345, 47815321318, 5227491194,
        # 29546364868: the sources cited below, in order (search-index handles, for maintainers;
        # users see titles and quotes)
        "NVIDIA T4 Tensor Core GPU datasheet (t4-tensor-core-datasheet-951643.pdf, as quoted: "
        "'Mixed-Precision (FP16/FP32) 65 TFLOPS'; its other figures as reprinted at "
        "dtcms.com/a/145471.html: FP32 8.1 TFLOPS, INT8 130 TOPS, INT4 260 TOPS, 70 W, PCIe Gen3 "
        "x16); 40 SMs, 2,560 CUDA cores, boost 1,590 MHz, 256-bit GDDR6 at 10 Gbps = 320.0 GB/s "
        "(sysrqmts.com/en/gpus/nvidia/tesla/t4); CUDA total 14.75 GiB from PyTorch OOM messages on "
        "T4 ('GPU 0; 14.75 GiB total capacity'); nvidia-smi total 15360 MiB on 'Tesla T4' hosts, "
        "'70W' cap",
        fp16_tflops=65.0, int8_tops=130.0, fp32_tflops=8.1, boost_clock_mhz=1590.0, pcie_gen=3,
        nvidia_smi_mib=15360,
        # NOTE: find_string ids 12126150674, 18722886883: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        notes="No BF16 (compute capability 7.5): the 16-bit rate is FP16's, 65 TFLOPS with FP32 "
        "accumulate; vLLM serves a bfloat16 checkpoint as float16 under --dtype auto "
        "(config/model.py _resolve_auto_dtype, with a warning) and refuses --dtype bfloat16. FP32 "
        "8.1 TFLOPS = 40 SMs x 64 x 2 x 1.59 GHz = 8.14 (SM_UNITS, 7.x). Bandwidth: the bus gives "
        "320 GB/s (256 bits x 10 Gbps / 8); the datasheet's later edition prints '300 GB/sec' (the "
        "quote above). Older drivers print 15109 MiB; the 14.75 GiB CUDA total is 256 MiB under "
        "15360. Marlin weight-only kernels (GPTQ, AWQ, FP8, NVFP4) run from capability 7.5; FP8 "
        "checkpoints load from vLLM 0.14.0 (fp8's minimum capability 80 before) and MXFP4 in no "
        "release (80). Attention: in the 0.19.0 wheel FLASH_ATTN needs 8.0 and FlashInfer takes "
        "7.5-12.1 (supports_compute_capability), so FlashInfer runs here where installed, else "
        "TRITON_ATTN (in 0.22-0.23 FlashInfer's pinned 0.6.11-0.6.12 prefill asks 32 B over the "
        "T4's 64 KiB of shared memory at head size 128 in 16 bits and at 256: "
        "attention_backend.flashinfer_sm75_errors); the 0.24.0 wheel raises FlashInfer's floor "
        "to 8.0 ('currently broken on SM75 (Turing)', flashinfer-ai/flashinfer#3620), so from 0.24 "
        "TRITON_ATTN, which refuses an fp8 "
        "KV cache below SM89 and a bfloat16 one below SM80 (attention_backend.kv_format_errors).",
    ),
    # ---- Turing workstation and GeForce cards (compute capability 7.5, as the t4 row) -----
    _nvidia(
        "rtx-2080-ti", "NVIDIA GeForce RTX 2080 Ti", "11 GB GDDR6", _gib(10.76), 616.0,
        (None, None, None), "7.5", _TU102_BRIDGE,
        # NOTE: find_string ids 11947939436, 36918883778, 26023142809: the nvidia-smi tables cited
        # below (search-index handles, for maintainers; users see titles and quotes)
        "Tom's Hardware, 'Nvidia Titan RTX specs' (2018-12-03), its RTX 2080 Ti FE column: "
        "4,352 CUDA cores, 544 tensor cores, 352-bit GDDR6 at 14 Gbps, 616 GB/s, FP32 14.2 "
        "TFLOPS at the FE's 1,635 MHz; deviceQuery on a 'GeForce RTX 2080 Ti' (WonyoungCho/CUDA "
        "docs/rtx2080Ti.md): capability 7.5, 'GPU Clock rate: 1545 MHz', 11,523,260,416 B on a "
        "CUDA 10.1 driver; CUDA total 10.76 GiB from PyTorch OOM messages on RTX 2080 Ti "
        "('GPU 0; 10.76 GiB total capacity': JDAI-CV/image-captioning#11, ispc-lab/TMA#5); "
        "nvidia-smi 11264 MiB on 'NVIDIA GeForce RTX 2080 Ti' hosts (11019 MiB = 10.76 GiB on "
        "older drivers); NVLink: TechPowerUp's Turing architecture review, TU102's two x8 links, "
        "'the RTX 2080 Ti has a combined bi-directional peak bandwidth of 100 GB/s'",
        fp16_tflops=53.8, int8_tops=215.2, fp32_tflops=13.45, boost_clock_mhz=1545.0,
        nvlink_gbps=100.0, default_link="pcie-no-p2p", pcie_gen=3, nvidia_smi_mib=11264,
        notes=f"{_TURING_NOTE} {_TU102_TENSOR} 68 SMs x 1.545 GHz x 1,024 = 107.6 with FP16 "
        "accumulate, halved for FP32 accumulate on a GeForce card (the GeForce NOTE above, "
        "taken from the Ampere and Ada whitepapers; the Turing whitepaper's own column was not "
        "read): 53.8 TFLOPS, INT8 215.2 TOPS (2 x 107.6), both unverified. FP32 13.45 TFLOPS = "
        "68 SMs x 64 x 2 x 1.545 GHz (the reference clock; Founders Edition cards boost to "
        "1,635 MHz, 14.2 TFLOPS). No PCIe peer-to-peer: 'Device=0 CANNOT Access Peer Device=1' "
        "on eight 'NVIDIA GeForce RTX 2080 Ti' (NVIDIA/nccl-tests#117: 'the 2080ti has never "
        "supported p2p'), NVIDIA/nvbandwidth#13 ('Peer-to-peer mapping over PCIe is likely not "
        "supported'), tensorflow/tensorflow#24677 ('2080 Ti does not support p2p access without "
        "NVLink bridge'), so NCCL stages TP traffic through host memory; plan --link nvlink for "
        "a bridged pair. PCIe generation 3 unverified for this card (the Quadro RTX datasheets' "
        "'PCI Express 3.0 x16' for the same TU102). 22 GB boards (nvidia-smi 22528 MiB) are "
        "modified cards: an audit keeps their measured total.",
    ),
    _nvidia(
        "titan-rtx", "NVIDIA TITAN RTX", "24 GB GDDR6", _gib(23.65), 672.0,
        (None, None, None), "7.5", _TU102_BRIDGE,
        # NOTE: find_string ids 46259632659, 543783297, 5967450187, 8007544302: the sources cited
        # below, in order (search-index handles, for maintainers; users see titles and quotes)
        "Tom's Hardware, 'Nvidia Titan RTX specs' (2018-12-03): 4,608 CUDA cores, 576 tensor "
        "cores, boost 1,770 MHz, 24 GB GDDR6 at 14 Gbps on 384 bits, 672 GB/s, FP32 16.3 "
        "TFLOPS, 280 W, '130 teraflops of deep learning performance'; 72 SMs (NVIDIA's "
        "specifications as pcreview.co.uk lists them); NVLink 100 GB/s (dabio.net); CUDA total "
        "23.65 GiB from a PyTorch OOM message 'On TitanRTX' ('GPU 0; 23.65 GiB total "
        "capacity'); nvidia-smi 24576 MiB on 'NVIDIA TITAN RTX' hosts (24220 MiB = 23.65 GiB "
        "on older drivers)",
        fp16_tflops=130.5, int8_tops=261.0, fp32_tflops=16.31, boost_clock_mhz=1770.0,
        nvlink_gbps=100.0, pcie_gen=3, nvidia_smi_mib=24576,
        notes=f"{_TURING_NOTE} {_TU102_TENSOR} 72 SMs x 1.77 GHz x 1,024 = 130.5, NVIDIA's "
        "'130'; that it holds with FP32 accumulate (as the Quadro RTX datasheets state for "
        "theirs) is unverified for this card. INT8 261 TOPS = 2 x 130.5 (derived, as the "
        "quadro-rtx-8000 row). FP32 16.31 TFLOPS = 72 SMs x 64 x 2 x 1.77 GHz. No NVIDIA source "
        "on PCIe peer-to-peer between two TITAN RTX was found: planned with P2P (pcie), "
        "unverified; plan --link pcie-no-p2p where p2pBandwidthLatencyTest says 'CANNOT Access "
        "Peer'. PCIe generation 3 unverified for this card (the Quadro RTX datasheets' for the "
        "same TU102). Windows (WDDM) reports the whole 24576 MiB, 'a total capacity of 24.00 "
        "GiB' (lllyasviel/FramePack#79).",
    ),
    _nvidia(
        "quadro-rtx-8000", "Quadro RTX 8000", "48 GB GDDR6 (ECC)", _gib(47.46), 672.0,
        (None, None, None), "7.5", _TU102_BRIDGE,
        # NOTE: find_string ids 1973700005, 21424279589, 44434923147, 40356845709: the sources
        # cited below, in order (search-index handles, for maintainers; users see titles and
        # quotes)
        "Leadtek's Quadro RTX 8000 listing (maychudoanhnghiep.vn): "
        "4608 CUDA cores, 576 tensor cores, 48 GB GDDR6, 'Peak Single Precision (FP32) "
        "Performance 16.3 TFLOPS', 'Deep Learning TeraFLOPS 130.5 Tensor TFLOPS' ('FP16 matrix "
        "multiply with FP16 or FP32 accumulate'), 384-bit, 672 GB/s, 295 W, 'PCI Express 3.0 "
        "x16', 'NVLink Interconnect 100 GB/s'; CUDA total 47.46 GiB from a PyTorch OOM message "
        "on an RTX 8000 (Victarry/stable-dreambooth#8: 'GPU 0; 47.46 GiB total capacity') and a "
        "log on 'a single NVTIDIA Quadro RTX 8000' ('Total 47.46G'); nvidia-smi 49152 MiB on "
        "'Quadro RTX 8000' hosts, ECC off (48601 MiB = 47.46 GiB on older drivers)",
        **_QUADRO_RTX_TU102, nvidia_smi_mib=49152, aliases=("RTX 8000",),
        notes=f"{_TURING_NOTE} {_TU102_TENSOR} 72 SMs x 1.77 GHz x 1,024 = 130.5, the "
        "datasheet's. INT8 261 TOPS = 2 x 130.5, derived (the listing's 'INT8 65.2 TOPS' is the "
        "CUDA cores' 4 x 16.3, not the tensor rate; the passive Quadro RTX 6000's listing gives "
        "238.9 TOPS = 2 x its 119.4 tensor TFLOPS). Boost 1,770 MHz: the clock 16.3 TFLOPS fits "
        "(72 SMs x 64 x 2 x 1.77 GHz = 16.31) and spec databases list, NVIDIA's own figure not "
        "read (unverified). With ECC on (the passive data-center variant, 250 W) nvidia-smi "
        "shows 45556 MiB: a total given or measured that far off is planned as given. Default "
        "link pcie: workstations hold two or more cards on PCIe, a bridge joins pairs only "
        "(--link nvlink for a bridged pair).",
    ),
    _nvidia(
        "quadro-rtx-6000", "Quadro RTX 6000", "24 GB GDDR6 (ECC)", _gib(23.65), 672.0,
        (None, None, None), "7.5", _TU102_BRIDGE,
        # NOTE: find_string ids 53114005493, 20103490196, 27541869419, 7832803405: the nvidia-smi
        # tables cited below (search-index handles, for maintainers; users see titles and quotes)
        "chip.pl, 'Quadro RTX 6000' (2018-10): NVIDIA's 16.3 TFLOPS FP32 and 32.6 TFLOPS FP16, "
        "4608 CUDA cores, 576 tensor cores, 24 GB GDDR6 on 384 bits, 295 W, PCIe 3.0 x16, "
        "NVLink bridge; 672 GB/s, boost 1,770 MHz, 72 SMs (sysrqmts.com's Quadro RTX 6000 "
        "column); nvidia-smi 24576 MiB on 'Quadro RTX 6000' hosts, ECC off (24220 MiB on older "
        "drivers, the TITAN RTX's)",
        **_QUADRO_RTX_TU102, nvidia_smi_mib=24576,
        notes=f"{_TURING_NOTE} Tensor rates taken as the quadro-rtx-8000 row's (the same TU102 "
        "with 72 SMs at 1,770 MHz and the same 16.3 FP32 TFLOPS): 130.5 FP16, INT8 261, "
        "unverified for this card. CUDA total taken as the titan-rtx row's 23.65 GiB (the same "
        "24 GB on TU102, nvidia-smi 24220 MiB on older drivers and 24576 on newer on both), "
        "unverified: no CUDA log naming this card was found. The passive data-center variant "
        "(250 W, ECC on: nvidia-smi 22698 or 23040 MiB) is slower: its listing gives 14.9 FP32 "
        "and 119.4 tensor TFLOPS and 624 GB/s (maychudoanhnghiep.vn, Leadtek's listing), so this "
        "row's speed is optimistic for it. Default link pcie (bridges join pairs only).",
    ),
    _nvidia(
        "quadro-rtx-5000", "Quadro RTX 5000", "16 GB GDDR6 (ECC)", 16125 * MIB, 448.0,
        (None, None, None), "7.5", "PCIe 3.0 x16; optional 2-way NVLink bridge (50 GB/s)",
        # NOTE: find_string ids 2460374321, 35828826246, 62929336433, 106052789: the nvidia-smi
        # tables cited below (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA Quadro RTX 5000 datasheet as a reseller's listing reprints it "
        "(networking-equipments.sell.everychina.com): 16 GB GDDR6 on 256 bits, 'Up to 448 GB/s', "
        "ECC, 3,072 CUDA cores, 384 tensor cores, 'Single-Precision Performance 11.2 TFLOPS', "
        "'Tensor Performance 89.2 TFLOPS', NVLink '50 GB/s (bidirectional)' joining 2 cards, "
        "'PCI Express 3.0 x 16', total graphics power 230 W; Cornell Virtual Workshop, 'NVIDIA "
        "Quadro RTX 5000' (cvw.cac.cornell.edu, TACC Frontera): TU104, 48 SMs, '3072 CUDA cores "
        "x 2 flop/core/cycle x 1.815 Gcycle/s = 11.2 Tflop/s', compute capability 7.5 (as "
        "NVIDIA's earlier cuda-gpus table lists it, copied in blog.csdn.net/HaoZiHuang/article/"
        "details/125834480); "
        "nvidia-smi 16124-16125 MiB on 'Quadro RTX 5000' hosts (older drivers, ECC off, 230 W) "
        "and 16384 MiB (a Windows WDDM host, 230 W)",
        fp16_tflops=89.2, int8_tops=178.4, fp32_tflops=11.2, boost_clock_mhz=1815.0,
        nvlink_gbps=50.0, pcie_gen=3, nvidia_smi_mib=16384,
        notes=f"{_TURING_NOTE} Tensor 89.2 TFLOPS = 48 SMs x 1.815 GHz x 1,024, the Turing "
        "per-SM rate of the Quadro RTX 8000 datasheet (quadro-rtx-8000 row), whose 'FP16 or "
        "FP32 accumulate' is unverified for this card; INT8 178.4 TOPS = 2 x 89.2, derived (as "
        "the quadro-rtx-8000 row). FP32 11.2 TFLOPS = 48 x 64 x 2 x 1.815 GHz = 11.15 (the "
        "datasheet's, rounded). CUDA total 15.75 GiB = 16,125 MiB, the older drivers' nvidia-smi "
        "total, which is the CUDA total on the other Turing presets (11019 / 24220 / 48601 MiB = "
        "10.76 / 23.65 / 47.46 GiB from PyTorch OOM messages); unverified: no CUDA log naming "
        "this card was found. With ECC on nvidia-smi shows 15360 MiB (a cloud host): a total "
        "given or measured that far off is planned as given. Default link pcie (a bridge joins "
        "pairs only; --link nvlink for a bridged pair). The laptop Quadro RTX 5000 (110 W, boost "
        "1,770 MHz: sysrqmts.com's Quadro RTX 5000 Mobile column) may report the same NVML "
        "name: this row's speed is optimistic for it ('Quadro RTX 5000 with Max-Q Design' is a "
        "custom GPU).",
    ),
    _nvidia(
        "l40", "NVIDIA L40", "48 GB GDDR6 (ECC)", _gib(44.40), 864.0,
        (181.0, 362.0, None), "8.9", _PCIE4,
        # NOTE: find_string ids 15020386292, 60430572081: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA L40 GPU datasheet (2022); CUDA total 44.40 GiB from a PyTorch OOM message on an "
        "L40 (QwenLM/Qwen3-VL#2097); nvidia-smi total 46068 MiB on 'NVIDIA L40' hosts",
        int8_tops=362.0, fp32_tflops=90.5, boost_clock_mhz=2490.0,
        nvidia_smi_mib=46068,
        notes="FP32 90.5 TFLOPS: the L40/L40S datasheet table (reprinted by mullet.se). Boost "
        "clock 2,490 MHz, 142 SMs (hmc-tech.com's L40 specifications; pcpartdb.com: 2,490 MHz): "
        f"142 x 128 x 2 x 2.49 GHz = 90.5. Read rate: {_RRZE_STREAM} gpu-stream/l40.txt) "
        f"reads 844 GB/s on an L40 from 33 % occupancy on, 0.977 of 864: {_NO_READ_CAP}",
    ),
    _nvidia(
        "l40s", "NVIDIA L40S", "48 GB GDDR6 (ECC)", _gib(44.42), 864.0,
        (362.05, 733.0, None), "8.9", _PCIE4,
        "NVIDIA L40S GPU datasheet (2023); CUDA total 44.42 GiB from a vLLM 0.10.2 log on "
        "8x L40S, nvidia-smi 46068 MiB, driver 565.57.01: 'Free memory on device "
        "(43.93/44.42 GiB)' (bench/public_memory_runs.json)",
        int8_tops=733.0, fp32_tflops=91.6, boost_clock_mhz=2520.0,
        measured_gemm=(269.15, f"{_TORCH_DB} row 'NVIDIA L40S': 269.15"),
        nvidia_smi_mib=46068,
        notes="The L40 (same 48 GB GDDR6 ECC) reports 44.40 GiB in a PyTorch OOM message. FP32 "
        "91.6 TFLOPS: the L40/L40S datasheet table (reprinted by mullet.se). Boost clock 2,520 "
        "MHz, 142 SMs (TechPowerUp's L40S page as computizer.com reprints it): 142 x 128 x 2 x "
        "2.52 GHz = 91.6.",
    ),
    _nvidia(
        "l20", "NVIDIA L20", "48 GB GDDR6 (ECC)", _gib(44.42), 864.0,
        (119.5, 239.0, None), "8.9", _PCIE4,
        # NOTE: find_string ids 19540421271, 63349564404, 56262453470: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's China-market L20 (no NVIDIA datasheet found): dense FP16/BF16 119.5 TFLOPS, FP8 "
        "239, INT8 239 TOPS, FP32 59.8, 11,776 CUDA cores, 48 GB GDDR6 (a table of AI chips; "
        "xDiT's performance notes: 'The FP16 FLOPS of L20 is 119.5 TFLOPS'); 92 SMs, boost 2,520 "
        "MHz, 384 bits at a 2,250 MHz memory clock (18 Gbps) = 864 GB/s, PCIe 4.0 x16, FP32 59.35 "
        "TFLOPS (topcpu.net's A40 vs L20 page); nvidia-smi total 46068 MiB on 'NVIDIA L20' hosts",
        int8_tops=239.0, fp32_tflops=59.35, boost_clock_mhz=2520.0,
        nvidia_smi_mib=46068,
        # NOTE: find_string ids 17009777950, 56021201945: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        notes="Compute is capped well below the die's: 92 SMs of the L40S's kind would give about "
        "twice 119.5. 119.5 is the dense rate: an FP16 GEMM measures 113-115 TFLOPS on an L20 "
        "(cuBLAS 105-115; DefTruth/CUDA-Learn-Notes hgemm), which rules out the 59.8 dense FP16 a "
        "design note gives; FP8 239 taken as dense too (unverified). CUDA total assumed equal to "
        "the L40S's and A40's logged 44.42 GiB (the same 48 GB GDDR6 with ECC, nvidia-smi 46068 "
        "MiB); estimated. FP32 59.35 TFLOPS = 92 SMs x 128 x 2 x 2.52 GHz (the table's 59.8 would "
        "be 2.54 GHz). Boost clock unverified: the table's figures all fit 92 SMs at 2.54 GHz "
        "(FP32 92 x 256 x 2.54 = 59.8, FP16 92 x 512 x 2.54 = 119.6, FP8 x 1,024 = 239.3), "
        "topcpu.net's 2,520 MHz does not (119.5 would be 515 FLOP per SM per clock); no NVIDIA "
        "clock was found.",
    ),
    _nvidia(
        "a100-80gb-pcie", "NVIDIA A100 80GB PCIe", "80 GB HBM2e", _gib(79.25), 1935.0,
        (312.0, None, None), "8.0", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        # NOTE: find_string ids 70130704178, 2450430130: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA A100 Tensor Core GPU datasheet (2021), 80GB PCIe column; nvidia-smi total 81920 "
        "MiB on 'NVIDIA A100 80GB PCIe' hosts",
        nvlink_gbps=600.0,
        int8_tops=624.0, fp32_tflops=19.5, boost_clock_mhz=1410.0,
        nvidia_smi_mib=81920,
        measured_gemm=(
            252.9,
            f"{_MAMF} 'NVIDIA A100 PCIe | 252.9 | 312 | 81.1% | 2048x5120x6144 | 2.5.1+cu124' "
            "(memory size not stated)"),
        notes=f"{_AMPERE_NOTE} CUDA total assumed equal to the SXM 80GB part; estimated. "
        f"{_A100_FP32_NOTE}",
    ),
    _nvidia(
        "a100-40gb-pcie", "NVIDIA A100-PCIE-40GB", "40 GB HBM2", 42_405_855_232, 1555.0,
        (312.0, None, None), "8.0", "PCIe 4.0 x16; optional 2-way NVLink 3 bridge",
        # NOTE: find_string ids 71176800701, 56173472846, 18373896745: the logs cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA A100 Tensor Core GPU datasheet (2021), 40GB PCIe column, as Thunder Compute's "
        "'NVIDIA A100 Specifications' guide tabulates it: 40GB HBM2, 1,555 GB/s, 250 W TDP, "
        "boost 1,410 MHz; NVIDIA's launch figures for the 250 W A100 PCIe as wccftech reprints "
        "them (2020-06-22: FP32 19.5 TFLOPS, FP16 312 / 624 with sparsity, INT8 624 / 1,248 "
        "TOPS, two cards joined by NVLink at 600 GB/s); CUDA total 42,405,855,232 B on an "
        "'NVIDIA A100-PCIE-40GB, compute capability 8.0' (a CUDA benchmark log, driver "
        "590.48.01); nvidia-smi total 40960 MiB, power cap 250 W, on 'NVIDIA A100-PCIE-40GB' "
        "hosts",
        nvlink_gbps=600.0,
        int8_tops=624.0, fp32_tflops=19.5, boost_clock_mhz=1410.0,
        nvidia_smi_mib=40960,
        # NOTE: find_string ids 19372551100, 28957180799: PG-Strom's and llama.cpp's outputs below
        notes=f"{_AMPERE_NOTE} BF16 312 dense: the datasheet gives BF16 the FP16 rate on every "
        "A100 (glennklockwood.com's A100 page, from the datasheet: BF16 312 / 624). Compute "
        "capability 8.0 also as llama.cpp's ggml_cuda_init prints it on this card. Older "
        "drivers report 39.39 GiB (PG-Strom's gpu_device_info DEV_TOTAL_MEMSZ on an 'NVIDIA "
        "A100-PCIE-40GB'). NVLink 600 GB/s over a 2-way bridge, as the 80GB PCIe preset. No "
        "GEMM or read measurement of this 250 W card was found; the 300 W 80GB PCIe card's is "
        f"not reused. {_A100_FP32_NOTE}",
    ),
    _nvidia(
        "h100-pcie", "NVIDIA H100 PCIe", "80 GB HBM2e", _gib(79.19), 2000.0,
        (756.5, 1513.0, None), "9.0", "PCIe 5.0 x16; optional NVLink bridge",
        # NOTE: find_string ids 18180642103, 54145480721, 59474166547: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA H100 Tensor Core GPU datasheet (2023), H100 PCIe column; CUDA total 79.19 GiB from "
        "a PyTorch OOM message on 'NVIDIA H100 PCIe'; nvidia-smi total 81559 MiB on 'NVIDIA H100 "
        "PCIe' hosts (a TensorRT-LLM test report's 'NVIDIA H100 PCIe (81559 MiB)')",
        nvlink_gbps=600.0,
        int8_tops=1513.0, pcie_gen=5, fp32_tflops=51.0, boost_clock_mhz=1755.0,
        nvidia_smi_mib=81559,
        notes="FP32 51 TFLOPS: the datasheet's H100 PCIe column (reprinted by HPC Tech's "
        "archive-lib.hpctech.co.jp). Boost clock 1,755 MHz, 114 SMs (hmc-tech.com's H100 PCIe "
        "specifications, 51.22 FP32 TFLOPS; NVIDIA's final H100 specifications as prohardver.hu "
        f"tabulates them: 1.75 GHz). Read rate: {_RRZE_STREAM} README, 'NVIDIA-H100-PCIe / CUDA "
        f"11.7') reads 1,942 GB/s at full occupancy, 0.971 of 2,000: {_NO_READ_CAP}",
    ),
    _nvidia(
        "h100-nvl", "NVIDIA H100 NVL", "94 GB HBM3", _ESTIMATED, 3900.0,
        (835.5, 1670.5, None), "9.0", "PCIe 5.0 x16; 2-/4-way NVLink bridge",
        # NOTE: find_string ids 66157821910, 68455290723, 63019425432: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA H100 NVL datasheet (h100-nvl-datasheet.pdf, as PNY hosts it) and the H100 product "
        "page's specifications table, H100 NVL column, as reprinted: FP32 60 TFLOPS, BF16/FP16 "
        "1,671 and FP8 / INT8 3,341 with sparsity, 94 GB, 3.9 TB/s, NVLink 600 GB/s",
        nvlink_gbps=600.0,
        int8_tops=1670.5, pcie_gen=5, fp32_tflops=60.0, boost_clock_mhz=1785.0,
        nvidia_smi_mib=95830,
        # NOTE: find_string id 898697560: the benchmark report cited below (search-index handle,
        # for maintainers; users see titles and quotes)
        notes=f"{_ESTIMATED_NOTE} nvidia-smi 95830 MiB. Dense rates are the datasheet's sparse "
        "ones halved (1,671 / 2 = 835.5 BF16, 3,341 / 2 = 1,670.5 FP8 and INT8). FP32 60 TFLOPS "
        "(the datasheet's; it was 56.6, derived from the SXM column's FP32:BF16 ratio before the "
        "datasheet's figure was found) sets the softmax exponential rate. Boost clock 1,785 MHz: "
        "the card's own CUDA device properties in an 'NVIDIA H100 NVL Benchmark Report' "
        "(clockRate 1785000 kHz, multiProcessorCount 132, numberOfCoresPerMultiProcessor 128, "
        "compute capability 9.0); NVIDIA's datasheet gives no clock. 132 SMs x 128 x 2 x 1.785 "
        "GHz = 60.3 TFLOPS, the datasheet's 60.",
    ),
    # ---- SXM / HGX / superchips -------------------------------------------------------
    _nvidia(
        "a100-40gb", "NVIDIA A100-SXM4-40GB", "40 GB HBM2", _gib(39.50), 1555.0,
        (312.0, None, None), "8.0", "NVLink 3 via NVSwitch (600 GB/s)",
        # NOTE: find_string ids 6912809624, 4765509526: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA A100 Tensor Core GPU datasheet (2021), 40GB SXM column; CUDA total 39.50 GiB from "
        "a PyTorch OOM message on an A100 40GB (TianheWu/CoSeR#10); nvidia-smi total 40960 MiB on "
        "'NVIDIA A100-SXM4-40GB' hosts",
        nvlink_gbps=600.0, default_link="nvlink", nvidia_smi_mib=40960,
        int8_tops=624.0, fp32_tflops=19.5, boost_clock_mhz=1410.0,
        measured_gemm=_A100_SXM_GEMM,
        notes=f"{_AMPERE_NOTE} Older drivers report 39.39-39.59 GiB. {_A100_FP32_NOTE} "
        f"{_A100_SXM_PCIE} Read "
        f"rate: {_RRZE_STREAM} gpu-stream/a100_40.txt) reads 1,490 GB/s on an A100 40GB at full "
        f"occupancy, 0.958 of 1,555 (its triad, 2 loads + 1 store, 1,375 at most: 0.884): "
        f"{_NO_READ_CAP}",
    ),
    _nvidia(
        "a100-80gb", "NVIDIA A100-SXM4-80GB", "80 GB HBM2e", _gib(79.25), 2039.0,
        (312.0, None, None), "8.0", "NVLink 3 via NVSwitch (600 GB/s)",
        # NOTE: find_string ids 51850608602, 48480723662: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA A100 Tensor Core GPU datasheet (2021), 80GB SXM column; CUDA total 79.25 GiB from "
        "a PyTorch OOM message on an A100 (levihsu/OOTDiffusion#235); nvidia-smi total 81920 MiB "
        "on 'NVIDIA A100-SXM4-80GB' hosts",
        nvlink_gbps=600.0, default_link="nvlink", nvidia_smi_mib=81920,
        int8_tops=624.0, fp32_tflops=19.5, boost_clock_mhz=1410.0,
        measured_gemm=_A100_SXM_GEMM, measured_bf16_moe=_A100_SXM_80GB_BF16_MOE,
        notes=f"{_AMPERE_NOTE} Reports range 79.15-79.35 GiB with driver version. "
        f"{_A100_FP32_NOTE} {_A100_SXM_PCIE} Read rate: no saturating read figure, so no "
        "measured read cap "
        "(measured_read_gbps). RRZE's gpu-stream read kernel on an A100-SXM4-80GB "
        "(xxrjun/gpu-benches, a fork of te42kyfo/gpu-benches: gpu-stream/a100_80.txt, the card "
        "named in its device_order.py) still rises at full occupancy (1,713 -> 1,776 GB/s over "
        "the last two steps: loads in flight, not DRAM, bound it) and its triad (3 loads + 1 "
        "store) reaches 1,794, 0.880 of 2,039; BabelStream on an A100-SXM4-80GB (Tursa): triad "
        "1,724.8, dot 1,586.9 GB/s (ukri-bench/benchmark-BabelStream README). Such mixed kernels "
        "understate the read rate: on an A100 40GB the same gpu-stream reads at 0.958 of the "
        "datasheet and its triad at 0.884 (a100-40gb preset).",
    ),
    _nvidia(
        "h100-sxm", "NVIDIA H100 80GB HBM3", "80 GB HBM3", _gib(79.19), 3350.0,
        (989.4, 1978.9, None), "9.0", "NVLink 4 via NVSwitch (900 GB/s)",
        "NVIDIA H100 Tensor Core GPU datasheet (2023), H100 SXM column; CUDA total "
        "79.19 GiB from vLLM v0.19 logs (llm-d-planner, shared/calibration)",
        nvlink_gbps=900.0, default_link="nvlink",
        aliases=("NVIDIA H100 SXM5 80GB",),
        int8_tops=1978.9, pcie_gen=5, fp32_tflops=67.0, boost_clock_mhz=1980.0,
        measured_gemm=_H100_SXM_GEMM,
        nvidia_smi_mib=81559,
        notes="nvidia-smi shows 81559 MiB. Host link PCIe 5.0 x16: Dell's MLPerf Inference v3.1 "
        "system description (XE9680_H100_SXM_80GBx8_TRT.json: 'NVIDIA H100-SXM-80GB', "
        "accelerator_host_interconnect 'PCIe Gen5 x16'). "
        "FP32 67 TFLOPS (datasheet; 132 SMs x 128 x 2 x "
        "1.98 GHz = 66.9) sets the softmax exponential rate. Boost clock 1.98 GHz: NVIDIA's final "
        "H100 specifications (GPU boost 1.98 GHz SXM5, 1.75 GHz PCIe, as prohardver.hu tabulates "
        "them; glennklockwood.com's H100 page from the Hopper whitepaper: 1.98 GHz). Read rate: "
        "OpenCL-Benchmark's coalesced-read kernel reads 3,025.53 GB/s on an 'NVIDIA H100 80GB "
        "HBM3' (ProjectPhysX/OpenCL-Benchmark README, driver 565.57.01), 0.903 of 3,350: "
        f"{_NO_READ_CAP}",
    ),
    _nvidia(
        "h200", "NVIDIA H200", "141 GB HBM3e", _gib(139.80), 4800.0,
        (989.4, 1978.9, None), "9.0", "NVLink 4 via NVSwitch (900 GB/s)",
        "NVIDIA H200 Tensor Core GPU datasheet (2024), H200 SXM column; CUDA total "
        "139.80 GiB from PyTorch OOM messages on 8xH200 nodes",
        nvlink_gbps=900.0, default_link="nvlink",
        int8_tops=1978.9, pcie_gen=5, fp32_tflops=67.0, boost_clock_mhz=1980.0,
        measured_gemm=(_H100_SXM_GEMM[0],
                       f"{_H100_SXM_GEMM[1]} (no H200 row of its own in BF16)"),
        nvidia_smi_mib=143771,
        notes="Some drivers report 139.81 GiB. H200 NVL (PCIe) is a different product. Host link "
        "PCIe 5.0 x16: NVIDIA's MLPerf Inference v4.1 system description "
        "(H200-SXM-141GBx8_TRT_MaxQ.json: accelerator_host_interconnect 'PCIe Gen5 x16'). FP32 "
        "67 TFLOPS (datasheet; the H100's GH100 die) sets the softmax exponential rate. Boost "
        "clock 1,980 MHz (hmc-tech.com's H200 SXM specifications: 16,896 shaders, 66.91 FP32 "
        "TFLOPS). Read rate: no measured read cap (measured_read_gbps); a calibration GPU, whose "
        "fitted efficiencies absorb what its memory sustains. RRZE's gpu-stream on an H200 "
        "(te42kyfo/gpu-benches gpu-stream/h200.txt) does not saturate a read: its read kernel "
        "still rises at full occupancy (2,708 -> 2,756 GB/s); its write-only init peaks at "
        "3,898 GB/s (0.81 of 4,800) and its triad (2 loads + 1 store) at 3,534. Capping the "
        "H200's reads at 3,898 or 3,534 GB/s moved bench/speed_accuracy.py's held-out H200 TPOT "
        "median from 9.9 % to 10.3 % or 11.2 % (all rows: 9.3 % to 9.6 % or 9.3 %) when tried "
        "on 2026-12-01, under that day's coefficients.",
    ),
    _nvidia(
        "h800", "NVIDIA H800", "80 GB HBM3", _gib(79.19), 3350.0,
        (989.4, 1978.9, None), "9.0", "NVLink 4 via NVSwitch (400 GB/s)",
        # NOTE: find_string ids 19540421271, 59376360535, 71303046155: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's China-market H100 SXM (no NVIDIA datasheet found): the H100 SXM's compute, BF16 "
        "1,979 and FP8 3,958 TFLOPS with sparsity, FP32 67 TFLOPS (a table of AI chips); NVLink "
        "400 GB/s bidirectional against the H100's 900 (getdeploying.com's H800 page as a roofline "
        "note quotes it; philisun.com: memory and 3.35 TB/s as the H100's); DeepSeek-V3 technical "
        "report (arXiv 2412.19437) §3.1-3.2: 2,048 H800s, 'Each node in the H800 cluster contains "
        "8 GPUs connected by NVLink and NVSwitch', 'NVLink offers a bandwidth of 160 GB/s, roughly "
        "3.2 times that of IB (50 GB/s)'; nvidia-smi total 81559 MiB on an 'NVIDIA H800'",
        nvlink_gbps=400.0, default_link="nvlink", int8_tops=1978.9, pcie_gen=5, fp32_tflops=67.0,
        nvidia_smi_mib=81559, boost_clock_mhz=1980.0,
        notes="CUDA total assumed equal to the H100 SXM's logged 79.19 GiB (the same nvidia-smi "
        "81559 MiB); estimated. Dense rates are the H100 SXM preset's (the sparse 1,979 / 3,958 "
        "halved). FP64 is cut (1 TFLOPS), which no plan reads. DeepSeek's 160 GB/s is the usable "
        "rate per direction, 0.8 of 400 / 2. Boost clock 1,980 MHz, the H100 SXM's: nvidia-smi -q "
        "on an 8x 'NVIDIA H800' (Hopper) host (NVIDIA/DCGM#120: 'Max Clocks ... SM : 1980 MHz', "
        "'Default Applications Clocks ... Graphics : 1980 MHz', memory 2619 MHz); 132 SMs (the "
        "H100 SXM's, assumed) x 128 x 2 x 1.98 GHz = 66.9, the FP32 67 above. "
        "A reported 300 GB/s NVLink (Reuters via fudzilla, before launch) is not what shipped. "
        "PCIe generation 5 assumed as the H100 SXM's (unverified). The H800 PCIe (HBM2e) is "
        "another product.",
    ),
    _nvidia(
        "a800", "NVIDIA A800-SXM4-80GB", "80 GB HBM2e", _gib(79.25), 2039.0,
        (312.0, None, None), "8.0", "NVLink 3 via NVSwitch (400 GB/s)",
        # NOTE: find_string ids 36921727690, 34116126722, 17388466366: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA's China-market A100 SXM (no NVIDIA datasheet found): NVIDIA's A800 as Reuters "
        "reported it (tweakers.net, 2022-11: 'in grote lijnen gelijk aan de bestaande A100', "
        "NVLink 400 GB/s against the A100's 600, the A100's stated performance, up to 80 GB HBM2e, "
        "400 W SXM / 300 W PCIe; aiwiki.ai's A800 page: compute, memory and tensor cores "
        "unchanged, only NVLink cut from 600 to 400 GB/s); 8 GPUs per DGX A800 joined by NVSwitch "
        "at 400 GB/s each (blog.51cto.com/zhangxueliang/14287061); the A100 SXM4 80GB column of "
        "NVIDIA's A100 datasheet for the rest (a100-80gb preset: 312 dense BF16, 624 INT8, 19.5 "
        "FP32, 2,039 GB/s); nvidia-smi total 81920 MiB on 'NVIDIA A800-SXM4-80GB' hosts, 400 W",
        nvlink_gbps=400.0, default_link="nvlink", nvidia_smi_mib=81920,
        int8_tops=624.0, fp32_tflops=19.5, boost_clock_mhz=1410.0,
        measured_gemm=(_A100_SXM_GEMM[0],
                       f"{_A100_SXM_GEMM[1]} (no A800 row: the A100 SXM's, the same GA100 "
                       "at the same rated performance and 400 W)"),
        notes=f"{_AMPERE_NOTE} CUDA total assumed equal to the A100-SXM4-80GB's logged 79.25 "
        "GiB (the same nvidia-smi 81920 MiB); estimated. Compute, memory and clocks taken as the "
        "a100-80gb preset's (third-party reports that only NVLink differs; unverified against an "
        "NVIDIA A800 datasheet). NVLink 400 GB/s both directions: 200 per direction per GPU "
        f"(link_spec), against the A100's 300. {_A100_FP32_NOTE} PCIe generation 4 assumed as "
        "the A100 SXM's (unverified). The A800 PCIe ('NVIDIA A800 80GB PCIe') and the 40 GB A800 "
        "are other products.",
    ),
    _nvidia(
        "h20", "NVIDIA H20", "96 GB HBM3", 97285 * MIB, 4000.0,
        (148.0, 296.0, None), "9.0", "NVLink 4 (900 GB/s)",
        # NOTE: find_string ids 19540421271, 65846954299: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA's China-market Hopper (no NVIDIA datasheet found): 96 GB HBM3, dense FP16/BF16 148 "
        "TFLOPS, FP8 296, INT8 296 TOPS, FP32 44 (a table of AI chips; zangshuxian.com: "
        "'H20的FP16稠密算力为148TFLOPS', 78 SMs in Geekbench 6); 4.0 TB/s and NVLink 4.0 at 900 "
        "GB/s (willitrunai.com's H20 96GB page); nvidia-smi total 97871 MiB on 8x 'NVIDIA H20' "
        "hosts",
        nvlink_gbps=900.0, default_link="nvlink", int8_tops=296.0, pcie_gen=5, fp32_tflops=44.0,
        nvidia_smi_mib=97871,
        notes="CUDA total 97,285 MiB (95.00 GiB), the card's own device properties (quoted "
        "below; 586 MiB under the nvidia-smi total). Compute is capped at about 15 % of the "
        "H100 SXM's (989.4 BF16); "
        "memory and NVLink are the H100's or above. An AIBrix report on one H20 under vLLM 0.19.0 "
        "gives '95.33 GiB reported usable by the runtime' (vllm-project/aibrix#2770; not "
        "vLLM's printed total, so not taken). Boost clock left unknown (no nvidia-smi clock table, "
        "deviceQuery or spec sheet of the H20's found): 44 TFLOPS over 78 SMs x 128 x 2 gives "
        "2.2 GHz, above the H100 SXM's 1.98 (h100-sxm preset), and the 78 SMs are the card's own "
        "('_CudaDeviceProperties(name='NVIDIA H20', major=9, minor=0, total_memory=97285MB, "
        "multi_processor_count=78)' in a Triton kernel's comments), so the FP32 figure is the "
        "one in doubt; it sets the softmax exponential rate (unverified). "
        "Default link nvlink: 8-GPU H20 boards keep the H100's 900 GB/s NVLink (willitrunai.com; "
        "a taoguba.com.cn post, 'H20与H100相比其互联带宽(900GB/s)...保持不变'); the NVSwitch "
        "fabric is assumed as on HGX H100 (unverified). PCIe 5.0 host link assumed as the H100 "
        "SXM's (unverified). Some listings say HBM3e (ke60.top); the type does not enter a plan.",
    ),
    _nvidia(
        "gh200", "NVIDIA GH200 480GB", "96 GB HBM3 (+480 GB LPDDR5X)", _ESTIMATED,
        4000.0,
        (989.4, 1978.9, None), "9.0", "NVLink-C2C to Grace CPU (900 GB/s)",
        "NVIDIA GH200 Grace Hopper Superchip datasheet (2024), 96 GB HBM3 version",
        nvlink_gbps=900.0, unified_memory=True,
        int8_tops=1978.9, pcie_gen=5, fp32_tflops=66.9, boost_clock_mhz=1980.0,
        measured_gemm=(
            828.6,
            f"{_MAMF} 'NVIDIA GH200 SXM | 828.6 | 989 | 83.8% | 1024x15360x4096 | 2.6.0+cu126 | "
            "900W 141GiB HBM3e version' (the HBM3e part; this preset is the 96 GB HBM3 one, the "
            "same GH100 die and 989 TFLOPS datasheet)"),
        nvidia_smi_mib=97871, rented_one_per_machine="Lambda 1x GH200 instance",
        notes="PCIe generation 5 unverified (no source found; the Hopper GPU reaches the Grace "
        "CPU over NVLink-C2C). "
        "Machines: the priced product (Lambda on-demand) is an instance of one GH200 (Lambda's "
        "docs, 'Serving Llama 3.1 8B using vLLM on an NVIDIA GH200 instance', "
        "https://docs.lambda.ai: instance type '1x GH200 (96 GB)'), so recommend plans N of "
        "them as N nodes over the network, as DGX Sparks. Machines with several exist: GH200 "
        "NVL2 joins two superchips by NVLink in one node (https://developer.nvidia.com/blog/"
        "simplify-system-memory-management-with-the-latest-nvidia-gh200-nvl2-enterprise-ra), "
        "CSCS Alps's HPE Cray nodes hold four (https://docs.cscs.ch/alps/hardware, which does "
        "not say how they are linked), DGX GH200 joins up to 256 by an NVLink Switch System "
        "(https://www.nvidia.com/de-de/technologies/hopper-architecture/). Their GPU-to-GPU "
        "rate was not found: plan/sweep --gpu gh200 --gpus N (one node) charge the default "
        "link, PCIe 5.0 x16 (unverified, a low bound); `--link nvlink` charges the 900 GB/s "
        "below, the C2C figure, as much NVLink as a Hopper GPU has in all (the h100-sxm row), a "
        "high bound; `--nodes N` plans N 1x instances. "
        "CUDA total estimated (95.08 GiB) from nvidia-smi's 97,871 MiB on an 'NVIDIA "
        "GH200 480GB' (grace-gpu-containers README, sweetapi.com/biondizzle, 2026-04) minus "
        "the usual 512 MiB; it was 94.50 GiB from an OOM report on an unnamed ~96 GB card. "
        "NVLink figure is the C2C link to the CPU, not GPU-GPU. "
        "The 144 GB HBM3e version needs its own row. FP32 66.9 TFLOPS, the peak GPUInspector.jl "
        "works out from a GH200's own SM count and clock (pc2/GPUInspector.jl#27; H100 SXM's 132 "
        "SMs x 128 x 2 x 1.98 GHz), sets the softmax exponential rate. Read rate: "
        "OpenCL-Benchmark's coalesced-read kernel reads 3,614.60 GB/s on an 'NVIDIA GH200 480GB' "
        "(mredenti/PowerCapping configuration/OpenCL_benchmark.md, driver 555.42.06), 0.904 of "
        f"4,000: {_NO_READ_CAP}",
    ),
    _nvidia(
        "b200", "NVIDIA B200", "180 GB HBM3e", _gib(178.36), 8000.0,
        (2250.0, 4500.0, 9000.0), "10.0", "NVLink 5 via NVSwitch (1800 GB/s)",
        "NVIDIA HGX B200 / DGX B200 datasheet (2024): 1440 GB over 8 GPUs, 64 TB/s; CUDA "
        "total 178.36 GiB from PyTorch OOM messages on 8xB200 nodes",
        nvlink_gbps=1800.0, default_link="nvlink",
        int8_tops=4500.0, pcie_gen=5, fp32_tflops=75.0, boost_clock_mhz=1980.0,
        measured_gemm=(
            1745.0,
            f"{_MAMF} 'NVIDIA B200 SXM | 1745.0 | 2250 | 77.6% | 1792x16128x3072 | 2.7.1+cu128'"),
        nvidia_smi_mib=183359,
        notes="nvidia-smi shows 183359 MiB. Early marketing said 192 GB. Host link PCIe 5.0 "
        "x16: Nebius's MLPerf Inference v6.0 system description (nebius_b200_n1.json: 'NVIDIA "
        "B200-SXM-180GB', accelerator_host_interconnect 'PCIe Gen5 x16'). FP32 75 TFLOPS per "
        "GPU (HGX B200 specifications table) sets the softmax exponential rate. Boost clock 1.98 "
        "GHz, 148 SMs (hmc-tech.com's B200 specifications, 75.02 FP32 TFLOPS = 148 x 128 x 2 x "
        "1.98 GHz; NVIDIA's datasheets give no clock; a Reddit B200 user read 1,965 MHz, "
        "unverified).",
    ),
    _nvidia(
        "b300", "NVIDIA B300 SXM6 AC", "288 GB HBM3e", _ESTIMATED,
        8000.0, (2250.0, 4500.0, 13500.0), "10.3", "NVLink 5 via NVSwitch (1800 GB/s)",
        # NOTE: find_string ids 59793277385, 62498295286, 71609078484, 63137115739: the sources
        # cited below, in order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA technical blog 'Inside NVIDIA Blackwell Ultra' (2025): 288 GB HBM3e, 8 TB/s, "
        "NVLink 5 1.8 TB/s, dense NVFP4 1.5x B200; nvidia-smi's name, total and compute capability "
        "'NVIDIA B300 SXM6 AC, 275040 MiB, 10.3' on B300 hosts (three hosts; another prints "
        "'NVIDIA B300 SXM6 AC, 275,040 MiB HBM')",
        nvlink_gbps=1800.0, default_link="nvlink", pcie_gen=6, nvidia_smi_mib=275040,
        fp32_tflops=75.0, boost_clock_mhz=2032.0,
        measured_gemm=(
            1769.0,
            f"{_MAMF} 'NVIDIA B300 SXM | 1769.0 | 2250 | 78.6% | 12288x18432x1024 | 2.9.1+cu130 | "
            "same as B200, newer torch/cuda'"),
        notes="PCIe 6.0 host link from a third party's B300 notes (glennklockwood.com, "
        "'Upgrade to PCIe Gen6', '2x 256 GB/s PCIe Gen6 (H2D)'), unverified against NVIDIA. "
        f"{_ESTIMATED_NOTE} 275040 - 512 = 274,528 MiB = 268.09 GiB (was 267.72, 288 GB "
        "less 512 MiB: the marketing label, before an nvidia-smi total was found; no CUDA "
        "total logged yet). BF16/FP8 "
        "assumed equal to B200's; FP4 = 1.5 x B200's 9,000; INT8 not published (cut on "
        "Blackwell Ultra). Softmax: twice Blackwell's SFU throughput "
        "(NVIDIA, 'Making Softmax More Efficient with NVIDIA Blackwell Ultra'), FP32 assumed "
        "B200's 75 TFLOPS (estimate). Boost clock 2,032 MHz (NVIDIA publishes none): the maximum "
        "graphics clock AWS sets on its B300s (EC2 User Guide, 'Optimize GPU settings on Amazon "
        "EC2 instances': 'P6-B300 instances: sudo nvidia-smi -ac 3996,2032') and a B300 SXM6 "
        "AC's own nvidia-smi -q ('Clock State on B300 SXM6 AC', 2026-04-23: 'Hardware boost "
        "ceiling (per nvidia-smi -q): 2032 MHz', 'Default Applications Clocks: Graphics 2032 "
        "MHz'; 148 SMs, about 1,990 MHz sustained under a long FP32 kernel; an earlier "
        "characterisation, B300_TRUE_REFERENCE.md, 2026-04-18: boost 2,032 MHz, 1,920 MHz "
        "sustained). 148 x 128 x 2 x 2.032 GHz = 77.0 TFLOPS against the 75 assumed above (kept: "
        "an estimate). Its calibration rows' overheads scale by 1980/2032 "
        "(speed.coefficients.REFERENCE_CLOCK_MHZ; FITTED, refit 2026-12-05, was fitted with "
        "them so).",
    ),
    _nvidia(
        "gb200", "NVIDIA GB200", "186 GB HBM3e", _ESTIMATED,
        8000.0, (2500.0, 5000.0, 10000.0), "10.0", "NVLink 5 via NVSwitch (1800 GB/s)",
        # NOTE: find_string ids 60167695339, 66353498064, 71189052105: the sources cited below, in
        # order (search-index handles, for maintainers; users see titles and quotes)
        "NVIDIA GB200 NVL72 datasheet (2024): 13.4 TB HBM3e and 576 TB/s over 72 GPUs, FP4 1,440 / "
        "FP8 720 / BF16 360 PFLOPS sparse over 72 GPUs (dense = / 2); nvidia-smi total 189471 MiB "
        "on 'NVIDIA GB200' hosts ('4 x NVIDIA GB200, 189471 MiB each'; 'NVIDIA GB200, 189471 MiB "
        "(~185 GiB)'; 'NVIDIA GB200, 189471 MiB, 580.95.05')",
        nvlink_gbps=1800.0, default_link="nvlink", int8_tops=5000.0, pcie_gen=5,
        nvidia_smi_mib=189471,
        unified_memory=True, fp32_tflops=80.0, boost_clock_mhz=2112.0,
        # NOTE: find_string ids 68727747023, 68338340969: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        notes="PCIe generation 5, as the b200 row's (the same Blackwell GPU): PCIe 6.0 is new "
        "in Blackwell Ultra, NVIDIA's Hot Chips 2025 comparison as reported ('(G)B300 vs. "
        "(G)B200: Blackwell Ultra ... beherrscht PCIe 6.0', ComputerBase as inspohub.de copies "
        "it; 'PCI Express 6.0 instead of PCI Express 5.0', sheroking.site's summary of NVIDIA's "
        "'Inside NVIDIA Blackwell Ultra'; epium.com: 'support for PCIe Gen 6, while ... regular "
        "server Blackwell use PCIe Gen 5'; the b300 row's 'Upgrade to PCIe Gen6'). A March 2024 "
        "launch report (fudzilla.com) gave the B200 PCIe 6.0; no NVIDIA datasheet names the "
        "generation, so 5 is a third-party reading. A GB200's GPUs reach the host over "
        "NVLink-C2C, not PCIe (Crusoe's MLPerf Inference v6.1 system description, "
        "GB200-NVL72_GB200-186GB_aarch64x16_Dynamo.json: accelerator_host_interconnect "
        f"'NVLink-C2C'). {_ESTIMATED_NOTE} 189471 - 512 = 188,959 MiB = 184.53 GiB (was 172.73, "
        "186e9 B less 512 MiB: the label read in decimal GB, before an nvidia-smi total was found; "
        "an MLPerf v6.1 log's 'runtime detector reports 184 GiB per GPU', agrees). NVLink-C2C to "
        "Grace makes memory unified as on GH200. FP32 80 TFLOPS per GPU (GB200 NVL72 "
        "specifications table) sets the softmax exponential rate. Boost clock 2,112 MHz "
        "(hmc-tech.com's GB200 specifications: 2 x 18,944 shaders, 160.04 FP32 TFLOPS per "
        "superchip of two GPUs = 2 x 148 SMs x 128 x 2 x 2.112 GHz); a GB200 user's device "
        "properties read 152 SMs, which with 80 TFLOPS gives 2.056 GHz: the SM count and so the "
        "clock are unverified.",
    ),
    _nvidia(
        "v100-32gb", "Tesla V100-SXM2-32GB", "32 GB HBM2", _gib(31.75), 900.0,
        (None, None, None), "7.0", "NVLink 2 (300 GB/s)",
        # NOTE: find_string ids 71571056092, 71599317702: the sources cited below, in order (search-
        # index handles, for maintainers; users see titles and quotes)
        "NVIDIA Tesla V100 GPU datasheet (2018; volta-v100-datasheet-update-us-1165301-r5.pdf, as "
        "quoted: 'Tensor Performance 125 TFLOPS' for SXM2, 900 GB/s); CUDA total 31.75 GiB as "
        "commonly printed in PyTorch OOM messages on V100 32GB",
        fp16_tflops=125.0, nvlink_gbps=300.0, default_link="nvlink",
        fp32_tflops=15.7, boost_clock_mhz=1530.0,
        pcie_gen=3,
        notes="No BF16: FP16 tensor cores only (125 TFLOP/s on SXM2); a bfloat16 checkpoint is "
        "served as float16, Gemma-2/3 and GLM-4 as float32 (engine.served_dtype). vLLM "
        "0.9.1-0.10.1 start compute capability < 8.0 on their V0 engine, which Headroom does not "
        "plan "
        "(v1_oracle.OLD_GPU_FALLBACK_UNTIL); from 0.10.2 it is planned (0.10.2 and 0.11.0 serve "
        "attention here on FlexAttention: attention_backend.flex_attention_errors). The PCIe "
        "card, without NVLink, is v100-pcie-32gb ('Tesla V100-PCIE-32GB' was an alias of this "
        "row until 2026-12-05). PCIe generation 3 unverified (no source found). "
        f"{_V100_SXM2_FP32}",
    ),
    _nvidia(
        "v100-16gb", "Tesla V100-SXM2-16GB", "16 GB HBM2", 16130 * MIB, 900.0,
        (None, None, None), "7.0", "NVLink 2 (300 GB/s)",
        # NOTE: find_string ids 239993708, 14419402576, 1289170278, 21184045584, 8959097836: the
        # sources cited below, in order (search-index handles, for maintainers; users see titles
        # and quotes)
        "NVIDIA Tesla V100 GPU datasheet as the v100-32gb row quotes it ('Tensor Performance 125 "
        "TFLOPS' for SXM2, 900 GB/s, NVLink 300 GB/s): the 16 GB SXM2 module is the same GV100 "
        "with half the HBM2; CUDA total 16,130 MiB from PyTorch on the card, "
        "'_CudaDeviceProperties(name='Tesla V100-SXM2-16GB', total_memory=16130MB)' "
        "(ultralytics/yolov3 README; total_memory in MiB, rounded down); nvidia-smi 16384 MiB on "
        "'Tesla V100-SXM2-16GB' hosts on newer drivers (16130 and 16160 MiB on older ones)",
        fp16_tflops=125.0, nvlink_gbps=300.0, default_link="nvlink", pcie_gen=3,
        fp32_tflops=15.7, boost_clock_mhz=1530.0, nvidia_smi_mib=16384,
        notes=f"{_VOLTA_NOTE} {_V100_SXM2_FP32} PCIe generation 3 unverified (as the v100-32gb "
        "row). Default "
        "link nvlink as on the v100-32gb row (SXM2 modules sit on NVLink boards; how NCCL runs "
        "on a V100 board's links against the all-to-all NVLink this link plans is unverified; "
        "--link pcie for a host without it). CUDA total: older drivers' nvidia-smi prints "
        "CUDA's total (the 2080 Ti's 11019 MiB is its logged 10.76 GiB), 16130 MiB on some "
        "'Tesla V100-SXM2' hosts and 16160 on others: where CUDA reports 30 MiB more than this "
        "row, an audit plans the total it measures.",
    ),
    _V100_PCIE_16GB,
    _V100_PCIE_32GB,
    _MI300X,
    _MI300X.model_copy(update=dict(
        key="mi325x",
        name="AMD Instinct MI325X",
        memory_label="256 GB HBM3E",
        memory_total_bytes=_gib(255.98),
        memory_bandwidth_gbps=6000.0,
        interconnect="AMD Infinity Fabric, 7 links",
        # NOTE: find_string ids 58526046412, 1758535063: the rocminfo output and the clock table
        # cited below (search-index handles, for maintainers; users see titles and quotes)
        source="AMD's MI325X figures as awesomeagents.ai's 'AMD Instinct MI325X' page tabulates "
        "them: 256GB HBM3e, 6,000 GB/s (6 TB/s), FP8 2,614.9 TFLOPS (5,229.8 with sparsity), "
        "FP16 / BF16 1,307.4, FP32 163.4; AMD's MI325X accelerator page as wiaix.com reprints it: "
        "'6 TB/s of peak memory bandwidth', 'PCIe Gen 5 interface with 16 lanes', 'Seven Infinity "
        "Fabric links ensuring full connectivity between eight GPUs'; ROCm's GPU specifications "
        "table (rocm.docs.amd.com, 7.13.0-preview, reference/gpu-specs): MI325X, CDNA3, gfx942, "
        "VRAM 256 GiB, 304 compute units (38 per XCD); rocminfo on one: 'Name: gfx942', 'Marketing "
        "Name: AMD Instinct MI325X'; boost clock 2,100 MHz (stas00/ml-engineering's accelerator "
        "clock table: 'AMD MI325X | 2100', as the MI300X); total 255.98 GiB as vLLM users report "
        "it on 8x MI325X ('AMD MI325X x 8 (255.98 GiB HBM each)', vllm-project/vllm#41963, vLLM "
        "0.20.2rc1 on rocm/vllm-dev:nightly)",
        notes="Spec row as the mi300x preset: the planner's engine rules are NVIDIA-first. The "
        "MI300X's CDNA3 compute (gfx942, 304 compute units, the same 1,307.4 BF16 / 2,614.9 FP8 "
        "TFLOPS and 2,100 MHz) with 256 GB of HBM3E at 6 TB/s in place of its 192 GB of HBM3 at "
        "5.3. FP8 is the FNUZ variant (e4m3fnuz), as on the MI300X. FP32 163.4 TFLOPS = 304 "
        "compute units x 256 FP32 FLOP per clock x 2.1 GHz (the mi300x preset's arithmetic). "
        "Total: 255.98 GiB is vLLM users' figure for the card, not a log line quoted here "
        "(unverified; the MI300X's 191.98 GiB comes from 'HIP out of memory' messages), 0.02 GiB "
        "under 256 GiB as the MI300X's is under 192. Infinity Fabric: seven links "
        "per GPU, their bandwidth not read for this card (no figure planned: --link pcie by "
        "default, as the mi300x row). No measured read or GEMM rate: none found for this card; "
        "gfx942 has no SM_UNITS entry, so no softmax exponential term.",
    )),
)

GPU_PRESETS: dict[str, GpuSpec] = {gpu.key: gpu for gpu in PRESET_ROWS}
"""All presets by key."""
