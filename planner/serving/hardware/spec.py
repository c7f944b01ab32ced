"""The hardware a plan reads: one GPU model (GpuSpec), the PCIe slot it sits in (PcieSlot), one
host (NodeSpec), the network between hosts (NetworkSpec), and the hardware errors.

`memory_total_bytes` is what CUDA reports as *total* (cudaMemGetInfo, the figure vLLM
multiplies by `gpu_memory_utilization`), not the marketing label: the driver keeps a few
hundred MiB of the board for itself, so an "80 GB" H100 shows 79.19 GiB.
"""

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.serving.hardware.capability import GpuFormat, cc_at_least, sm_cycles
from planner.text import plural, shortened
from planner.units import TIB

LinkKind = Literal["nvlink", "pcie", "pcie-no-p2p", "cross-socket"]
"""How the GPUs of one node exchange tensor-parallel traffic: NVLink; PCIe with peer-to-peer
(P2P) DMA; PCIe without P2P (NCCL stages every transfer through host memory); or across the
CPU sockets' interconnect (UPI / Infinity Fabric), also through host memory."""
FormatSupport = Literal["native", "weight_only", "unsupported"]

MAX_GPUS_PER_NODE = 64
MAX_MEMORY_TOTAL_BYTES = TIB


class HardwareError(ValueError):
    """Bad hardware input (unknown preset, impossible size or layout); one-line message."""


class UnknownGpuError(HardwareError):
    """A GPU preset key that is not in GPU_PRESETS."""


class OnePerMachineError(HardwareError):
    """More than one GPU per node of a model sold one per machine (GpuSpec.one_per_machine: a
    DGX Spark holds one GB10): `what` says so, `gpus` is how many were asked for in all, each
    its own node; the message adds the layout to plan instead (in the app's words: GPUs per
    node and nodes; the CLI names its --nodes)."""

    def __init__(self, what: str, gpus: int) -> None:
        super().__init__(f"{what}: plan 1 GPU per node on {gpus} nodes")
        self.what, self.gpus = what, gpus


class GpuSpec(BaseModel):
    """One GPU model: memory CUDA can see, bandwidth, dense compute and native formats."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(min_length=1)
    """Stable id used by the CLI `--gpu`, e.g. "rtx-3090"."""
    name: str = Field(min_length=1)
    """Name as NVML reports it where known, e.g. "NVIDIA GeForce RTX 3090"."""
    vendor: Literal["nvidia", "amd"]
    memory_label: str
    """Marketing label, e.g. "24 GB"."""
    memory_total_bytes: int = Field(gt=0, lt=MAX_MEMORY_TOTAL_BYTES)
    """Total reported by CUDA (cudaMemGetInfo), e.g. H100 80GB: 79.19 GiB."""
    memory_bandwidth_gbps: float = Field(ge=0)
    """Peak memory bandwidth in GB/s (10**9); 0.0 means unknown (custom GPUs)."""
    bf16_dense_tflops: float | None = Field(default=None, gt=0)
    fp16_dense_tflops: float | None = Field(default=None, gt=0)
    """Dense FP16 tensor TFLOP/s of a GPU without bfloat16 (compute capability < 8.0: the T4's
    datasheet 65); None where FP16 runs at the bf16 figure (dense_tflops)."""
    fp8_dense_tflops: float | None = Field(default=None, gt=0)
    fp4_dense_tflops: float | None = Field(default=None, gt=0)
    int8_dense_tops: float | None = Field(default=None, gt=0)
    """Dense INT8 tensor TOPS; None where the datasheet gives none (fp16 = the bf16 figure)."""
    fp32_tflops: float | None = Field(default=None, gt=0)
    """Dense non-tensor FP32 TFLOP/s (SMs x FP32 lanes per SM x 2 x clock): the CUDA-core rate;
    with the architecture's lanes per SM (SM_UNITS) it gives SMs x clock, which bounds the
    kernels limited by instruction issue rather than memory (speed/kernels.py MARLIN_MOE, the
    softmax exponentials); None where the preset's datasheet figure is not recorded."""
    boost_clock_mhz: float | None = Field(default=None, gt=0)
    """The GPU's rated boost clock in MHz (SM clock; the datasheet's or, where NVIDIA gives none
    in its datasheet, the spec database the preset's notes name), the clock its fp32_tflops is
    worked out at; it scales the speed model's per-layer overheads (speed/step.py _overhead_s).
    None where no source was found (the overheads then assume speed.coefficients'
    REFERENCE_CLOCK_MHZ, the H100/H200/B200 boost clock they were fitted at)."""
    softmax_exp_tera_per_s: float | None = Field(default=None, gt=0)
    """Exponentials per second (10**12) the special function units issue (MUFU.EX2, one per
    attention score in softmax): SMs x clock (sm_cycles_tera_per_s) x the architecture's SFU
    lanes per SM (SM_UNITS); None where the preset has no FP32 figure or its architecture is
    not in SM_UNITS (the softmax term is then left out)."""
    compute_capability: str
    """CUDA compute capability ("8.6"), the gfx target for AMD, "" when unknown."""
    native_weight_formats: tuple[GpuFormat, ...]
    native_kv_dtypes: tuple[GpuFormat, ...]
    """KV dtypes the attention kernels compute in without upcasting."""
    unified_memory: bool = False
    """GH200/GB10: CPU and GPU share memory; where vLLM reads free memory then depends on
    the release and the part (planner.serving.vllm_versions.free_memory_source)."""
    interconnect: str
    measured_read_gbps: float | None = Field(default=None, gt=0)
    """Device-memory read rate a saturating read kernel measured, GB/s, where one is published
    and below what the speed model's fitted efficiencies (on HBM parts) would read at; None
    elsewhere. The speed model never streams weights or KV faster."""
    measured_read_source: str = ""
    """Where measured_read_gbps comes from (shown in the speed terms when it binds)."""
    measured_gemm_tflops: float | None = Field(default=None, gt=0)
    """BF16 TFLOP/s a large dense matmul (torch.matmul, cuBLAS) measured on this GPU, where one
    is published; None elsewhere. Datacenter parts run their tensor cores clock- and
    power-limited well below the datasheet, GeForce cards at or above it; the speed model
    scales its fitted compute efficiency by this over the datasheet, relative to the
    calibration GPUs' (speed.coefficients.gemm_factor)."""
    measured_gemm_source: str = ""
    """Where measured_gemm_tflops comes from (shown in the compute terms)."""
    measured_bf16_moe_tflops: float | None = Field(default=None, gt=0)
    """TFLOP/s vLLM's Triton fused_moe (fused_experts: both expert GEMMs, the activation and
    the token sort) measured multiplying 16-bit experts at a prefill-size batch on this GPU,
    where one is published; None elsewhere. The fitted expert compute factor was fitted on
    FP8/NVFP4/MXFP4 expert rows only (no calibration row has 16-bit experts): where this is
    set, 16-bit experts on the fused-MoE path compute at it instead
    (speed.context._expert_compute)."""
    measured_bf16_moe_source: str = ""
    """Where measured_bf16_moe_tflops comes from (shown in the prefill terms)."""
    nvidia_smi_total_mib: int | None = Field(default=None, gt=0)
    """The total nvidia-smi prints for this card (MiB, 2**20 B), where the preset's source or
    notes cite one (the NOTE on driver reservation, presets.py, lists the measured pairs); None
    where no source gives it. Under Windows WSL2 CUDA reports this whole total (with_wsl2)."""
    memory_total_cuda_driver: str = ""
    """The CUDA driver version ('11.4', as deviceQuery prints 'CUDA Driver Version') that
    memory_total_bytes was read on, where that driver is older than CUDA 12.8: newer drivers
    report less (presets.old_driver_total_note, the NOTE on older drivers' totals); '' where
    the total is a newer driver's, an estimate, from a source that names no driver, or not the
    preset's (given, measured, WSL2)."""
    wsl2: bool = False
    """memory_total_bytes is the card's total under Windows WSL2 (nvidia-smi's whole total,
    with_wsl2), not the native-Linux one CUDA reports with the driver's reservation taken off."""
    nvlink_bandwidth_gbps: float | None = Field(default=None, gt=0)
    """Total (both directions) NVLink bandwidth per GPU in GB/s; None without NVLink."""
    default_intra_node_link: LinkKind = "pcie"
    """How several of these GPUs in one box talk by default: "nvlink" only for NVSwitch
    (SXM/HGX) parts; bridged PCIe cards pair up at most, so they default to "pcie"; GeForce
    cards whose driver refuses PCIe P2P default to "pcie-no-p2p" (see presets.NO_P2P_NOTE)."""
    pcie_generation: int = Field(default=4, ge=3, le=6)
    """PCIe generation of the card's host link (3, 4, 5, 6)."""
    pcie_lanes: int = Field(default=16, ge=1, le=16)
    """Lanes the card's host link has electrically (16; 8 on the RTX 4060 Ti and 5060 Ti,
    whose x16 connector carries x8): with the slot's (NodeSpec.pcie_slot) they set the PCIe
    rate (pcie_rate)."""
    aliases: tuple[str, ...] = ()
    """Other names of the same product: NVML spellings (e.g. per driver version), or the
    system it is sold as where that is how people name it ("NVIDIA DGX Spark" for GB10)."""
    one_per_machine: str = ""
    """The machine that holds exactly one of this GPU ("DGX Spark": one GB10 superchip), so
    several are several nodes; "" where a machine takes several."""
    rented_one_per_machine: str = ""
    """The product the default price is for (planner.serving.prices) where it holds one of
    this GPU though machines holding several exist ("Lambda's 1x GH200 instance"; GH200 NVL2
    and 4-way nodes hold two or four): recommend plans N of them as N nodes of one, as it does
    one_per_machine; plan and sweep take several per node, over the link the preset assumes
    (planner.serving.plan.notes.assumed_link_warnings says which); "" elsewhere."""
    source: str = Field(min_length=1)
    notes: str = ""

    @property
    def sm_cycles_tera_per_s(self) -> float | None:
        """SMs x clock in 10**12 SM-cycles per second (see sm_cycles); None without the FP32
        figure or the architecture's lanes per SM."""
        return sm_cycles(self.fp32_tflops, self.compute_capability)

    @property
    def gemm_ratio(self) -> float | None:
        """measured_gemm_tflops / bf16_dense_tflops; None without both."""
        if self.measured_gemm_tflops is None or self.bf16_dense_tflops is None:
            return None
        return self.measured_gemm_tflops / self.bf16_dense_tflops

    @property
    def nvlink_bridge_gpus(self) -> int | None:
        """How many GPUs one NVLink bridge joins, as the preset's datasheet interconnect says
        ("optional 2-way NVLink 3 bridge": 2; "2-/4-way NVLink bridge": 4); None for NVSwitch
        parts, cards without NVLink, or a bridge whose size the interconnect does not state."""
        match = re.search(r"(\d+)-way NVLink", self.interconnect)
        return int(match[1]) if match and self.nvlink_bandwidth_gbps else None

    @property
    def p2p_over_pcie(self) -> bool:
        """Whether the driver allows PCIe peer-to-peer between two of these cards."""
        return self.default_intra_node_link != "pcie-no-p2p"

    def dense_tflops(self, fmt: GpuFormat) -> float | None:
        """Dense tensor-core TFLOP/s (TOPS for int8) in `fmt`; None when not published.

        fp16 runs at the bf16 rate, but at its own figure on a GPU without bfloat16
        (fp16_dense_tflops); mxfp4 and nvfp4 share the FP4 rate; fp32 is the CUDA cores'
        rate (fp32_tflops, no tensor cores): float32 matmuls run at torch's default "highest"
        precision, without TF32 (the 0.19.0 wheel's v1/worker/gpu_worker.py sets it from
        VLLM_FLOAT32_MATMUL_PRECISION, default "highest" in envs.py).
        """
        return {
            "fp32": self.fp32_tflops,
            "bf16": self.bf16_dense_tflops,
            "fp16": self.fp16_dense_tflops or self.bf16_dense_tflops,
            "fp8": self.fp8_dense_tflops, "int8": self.int8_dense_tops,
            "mxfp4": self.fp4_dense_tflops, "nvfp4": self.fp4_dense_tflops,
        }.get(fmt)

    @property
    def computes_bf16(self) -> bool:
        """Whether bfloat16 runs natively here (False below compute capability 8.0), which
        decides the dtype vLLM's --dtype auto serves (engine.served_dtype)."""
        return self.weight_format_support("bf16") == "native"

    def weight_format_support(self, fmt: GpuFormat) -> FormatSupport:
        """How weights stored in `fmt` run here: native tensor cores, weight-only, or not.

        NOTE: vLLM runs FP8, INT8/INT4 (GPTQ/AWQ), MXFP4 and NVFP4 checkpoints on NVIDIA
        cc >= 7.5 without native support through Marlin weight-only kernels: weights stay
        compressed in memory and are dequantised to 16-bit inside the GEMM (W8A16/W4A16).
        Memory is saved, compute is 16-bit. E.g. an FP8 Llama on an RTX 3090 takes
        ~1 byte/param of VRAM. Source: vLLM docs, "Supported Hardware" quantization table;
        the 0.19.0 wheel's quantization/utils/marlin_utils.py (query_marlin_supported_quant_types:
        no Marlin type below capability 75), marlin_utils_fp8.py and marlin_utils_fp4.py
        (is_fp8/fp4_marlin_supported: has_device_capability(75)). Which releases load a format
        on 7.5 is each quantization method's get_min_capability() (startup.startup_errors: FP8
        needs 80 up to 0.13.0, 75 from 0.14.0; MXFP4 80 in every release).
        """
        if fmt in self.native_weight_formats:
            return "native"
        if (self.vendor == "nvidia" and fmt not in ("fp32", "bf16", "fp16")
                and cc_at_least(self.compute_capability, 7, 5)):
            return "weight_only"
        return "unsupported"


class PcieSlot(BaseModel):
    """The PCIe link GPUs sit on where it is narrower or older than the card's own: a slot
    wired x8 or x4, a riser at x1, an older board's generation. A field left None is the
    card's (GpuSpec.pcie_generation, pcie_lanes)."""

    model_config = ConfigDict(frozen=True)

    generation: int | None = Field(default=None, ge=1, le=6)
    lanes: int | None = Field(default=None, ge=1, le=16)
    source: str = "given"
    """Where it comes from: "given" (the flags, the app's fields) or the audit that read it."""


class NodeSpec(BaseModel):
    """One host: several identical GPUs, how they are linked, what others already use."""

    model_config = ConfigDict(frozen=True)

    hostname: str = "node0"
    gpu: GpuSpec
    gpus_per_node: int = Field(ge=1, le=MAX_GPUS_PER_NODE)
    intra_node_link: LinkKind
    pcie_topology: str | None = None
    """Worst `nvidia-smi topo -m` level between GPUs (PIX/PXB/PHB/NODE/SYS), from an audit."""
    pcie_slot: PcieSlot | None = None
    """The PCIe link the node's slowest GPU trains at (slot, riser), as an audit read it or
    as given (--pcie-gen / --pcie-lanes, the Hardware page); None: each GPU's own link."""
    memory_used_bytes: tuple[int, ...] = ()
    """Per-GPU memory already used by other processes (audit); empty or one per GPU."""

    @model_validator(mode="after")
    def _check_used_memory(self) -> "NodeSpec":
        """Used memory is per GPU and can never exceed the GPU's total."""
        if self.memory_used_bytes and len(self.memory_used_bytes) != self.gpus_per_node:
            raise ValueError(
                f"memory_used_bytes has {len(self.memory_used_bytes)} entries, "
                f"expected 0 or {self.gpus_per_node} (one per GPU)"
            )
        for used in self.memory_used_bytes:
            if not 0 <= used <= self.gpu.memory_total_bytes:
                raise ValueError(
                    f"memory_used_bytes {used} is outside 0..{self.gpu.memory_total_bytes}"
                )
        return self


NETWORK_FORM = "NICS x GBITS per node, e.g. 8x400 or 2x100"
_NETWORK = re.compile(r"(\d+)\s*[xX\u00d7*]\s*(\d+(?:\.\d+)?)\s*(?:g|gb/s|gbps|gbit/s|gbe)?",
                      re.IGNORECASE)


class NetworkSpec(BaseModel):
    """The network between nodes as given (--network, the Hardware page's field): each node's
    NICs for GPU traffic and their line rate; its GPUs share them evenly (network_link)."""

    model_config = ConfigDict(frozen=True)

    nics_per_node: int = Field(ge=1, le=64)
    nic_gbits: float = Field(gt=0, le=10_000)
    """One NIC's line rate, Gb/s (10**9 bits), per direction."""
    source: str = "given"
    """Where it comes from: "given" (--network, the app's field) or the audit that read it."""

    @property
    def label(self) -> str:
        """'8x 400 Gb/s NICs per node'."""
        return (f"{self.nics_per_node}x {self.nic_gbits:g} Gb/s "
                f"{plural(self.nics_per_node, 'NIC')} per node")


def parse_network(text: str) -> NetworkSpec:
    """'8x400', '2 x 100 Gb/s', '1x400G' -> NetworkSpec; HardwareError in one line naming the
    form otherwise (the CLI's --network and the Hardware page read it alike)."""
    match = _NETWORK.fullmatch(text.strip())
    if match is None:
        raise HardwareError(f"network {shortened(text.strip())!r} is not {NETWORK_FORM} "
                            "(NICs x Gb/s each)")
    nics, gbits = int(match[1]), float(match[2])
    if not 1 <= nics <= 64:
        raise HardwareError(f"network {text.strip()!r}: NICs per node must be 1..64")
    if not 0 < gbits <= 10_000:
        raise HardwareError(f"network {text.strip()!r}: a NIC's rate must be 0 < Gb/s <= "
                            "10,000")
    return NetworkSpec(nics_per_node=nics, nic_gbits=gbits)
