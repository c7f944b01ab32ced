"""Speed: TTFT, TPOT and throughput of a plan at a serving load, from physics and a few fitted
coefficients, every term named with its formula.

How to call it (the app, the CLI, the report, the sweep and `recommend` all do this):

    from planner.serving.plan import PlanRequest, plan
    from planner.serving.speed import ServingLoad, estimate_speed
    request = PlanRequest(model=spec, cluster=cluster, layout=layout, engine=engine)
    est = estimate_speed(request, ServingLoad(input_len=1024, output_len=1024, concurrency=8))
    # pass plan_result=plan(request) when you already have it (it is computed otherwise);
    # the sweep passes PlanFigures.of(its summary figures): the five figures the estimate reads

`est` is None when the plan does not fit, or one request (input + output tokens) is longer
than the plan's context ceiling. Otherwise a SpeedEstimate: ttft_ms, tpot_ms,
output_tokens_per_s (all requests), output_tokens_per_s_per_request, prefill_tokens_per_s,
the concurrency actually served (capped at the KV-limited maximum, `kv_bound` says when that
cap binds), and `terms` (planner.serving.plan.Term, each with its formula filled in).

The model (one replica; DP replicas split the concurrency and add their throughput):
- decode step of one pipeline stage at B tokens = max(memory time, compute time)
  + TP all-reduce + fixed overhead, where memory time = (dense weights + routed experts x
  the expected fraction a step touches, 1 - (1 - k/E)^B) / (bandwidth x efficiency of the
  kernel family) + KV bytes read / (bandwidth x KV efficiency), compute time = (2 x dense
  parameters per rank x B + 2 x routed-expert parameters x B / the MoE compute factor) /
  dense TFLOP/s of the compute format + attention FLOPs / 16-bit TFLOP/s (+ a sparse-attention
  indexer's at FP8), all / the compute efficiency, + softmax exponentials (one per query head
  per key) / the GPU's SFU rate (FP32 TFLOP/s / 16); sliding-window layers attend to at most
  their window and sparse-attention (DSA) layers to at most index_topk tokens (these add an
  indexer overhead per layer); a prefill chunk runs the lm_head on its last token only;
- all-reduce over N ranks (twice per layer) = start-up + (N - 1)/N x 2 x bytes / bus
  bandwidth, over ClusterSpec.link (NVLink, PCIe P2P, through host, cross-socket): start-up =
  hops x link latency, hops = 2 with vLLM's custom all-reduce (P2P on every rank, two GPUs or
  NVLink, messages under 8 MiB: allreduce_algorithm), else NCCL's ring 2 (N - 1) + the link's
  NCCL start-up (on PCIe 6 us + 3 us per step, measured with nccl-tests: hardware.py); bus
  bandwidth = link rate x link_efficiency, except on NVLink 4/5 where both are the published
  benchmark's (NVLINK_ALLREDUCE: NVLink 5 all-reduces reach 640 GB/s of its 900);
- pipeline: a token passes every stage in turn, plus one hop between stages; PP stages
  work on PP micro-batches at once, so PP raises throughput, not single-request speed
  (TPOT = max(sum of the stages, min(sequences, PP) x the slowest stage));
- prefill of one request in chunks of max_num_batched_tokens, each chunk compute-bound
  (2 x active params x tokens + the causal attention term) or weight-read bound;
- serving at concurrency C (capped at what the KV cache holds): TPOT = decode step at C +
  the other requests' prefill work spread over the output; TTFT = request overhead + prefill
  + one decode step (C > 1) + a share of the other C - 1 requests' whole prefills.
- routed experts run on the MoE kernel family vLLM picks (moe_kernel: FlashInfer TRT-LLM
  MXFP4 on Blackwell, triton_kernels MXFP4 on Hopper, Marlin MoE for weight-only, vLLM's
  fused-MoE paths otherwise), each with its own expert factors; Marlin MoE's expert reads
  are bound by SMs x clock on Hopper/Blackwell (MARLIN_MOE);
- EP all-to-all (dispatch + combine per MoE layer) only with attention DP (dp > 1); not
  modelled: inter-node links, speculative decoding, prefix caching.
The efficiencies, overheads and queueing shares are SpeedCoefficients, fitted by
bench/speed_accuracy.py on ../shared/calibration/perf-silicon-aic.csv (see FITTED).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from planner.memo import IdentityMemo
from planner.model.attention import cdiv, model_kv_layers
from planner.model.attention.kvformat import KvBytes
from planner.model.attention.sliding import SlidingWindowKv
from planner.model.params import ParamBreakdown
from planner.model.quant import QuantScheme
from planner.model.spec import AttentionMixer, MlaMixer, ModelSpec, MoeMlp
from planner.serving.engine import act_elem_bytes, kv_elem_bytes, sparse_mla_kv
from planner.serving.hardware import GpuFormat, GpuSpec, LinkSpec
from planner.serving.layout import ParallelLayout, first_moe, layout_warnings, pp_layer_split
from planner.serving.plan import (
    PlanRequest,
    PlanSummary,
    Term,
    param_breakdown,
    plan,
    served_scheme,
)
from planner.serving.vllm_versions import DEFAULT_VLLM_VERSION, vllm_rules
from planner.serving.weights import rank_weights

KernelFamily = Literal["bf16", "fp8", "fp4", "weight-only"]
"""How the GEMMs run: 16-bit; FP8 tensor cores (W8A8); FP4 tensor cores (NVFP4/MXFP4 on
Blackwell); or weight-only (Marlin/Machete W4A16, W8A16: weights dequantised to 16-bit in
the kernel, so memory is saved and compute is 16-bit)."""

MoeKernel = Literal["fused-moe", "flashinfer-trtllm-mxfp4", "triton-mxfp4", "marlin-moe",
                    "flashinfer-trtllm-int4", "humming-moe"]
"""Which kernel family vLLM runs a MoE layer's routed experts on (moe_kernel): its own fused-MoE
paths (Triton fused_moe, CUTLASS, DeepGEMM, FlashInfer for FP8/NVFP4: the default figure);
FlashInfer's TRT-LLM MXFP4 x BF16 MoE (gpt-oss on datacenter Blackwell); OpenAI's
triton_kernels matmul_ogs (MXFP4 on Hopper); Marlin MoE (weight-only: int4/GPTQ/AWQ, and
the MXFP4/FP8 fallbacks on older GPUs); from vLLM 0.32 FlashInfer's TRT-LLM MxInt4 MoE and
Humming for some weight-only MoE (no calibration rows: they take the default figures)."""


class ServingLoad(BaseModel):
    """What the server is asked to do: request shape and how many run at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_len: int = Field(default=1024, ge=1, le=1 << 24, description="prompt tokens")
    output_len: int = Field(default=1024, ge=1, le=1 << 24, description="generated tokens")
    concurrency: int = Field(default=1, ge=1, le=1 << 20, description="requests in flight")


class SpeedCoefficients(BaseModel):
    """The few fitted numbers of the speed model; everything else is physics."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bandwidth_efficiency: dict[KernelFamily, float]
    """Fraction of the datasheet memory bandwidth a decode GEMM of this family reaches."""
    expert_bandwidth_factor: float = Field(gt=0, le=2)
    """Routed-expert reads run at this times the family's efficiency: fused-MoE kernels
    stream many small expert matrices (gather, grouped GEMM, scatter), not one large one."""
    moe_kernel_bandwidth_factor: dict[MoeKernel, float] = Field(default_factory=dict)
    """expert_bandwidth_factor of the MoE kernel families with their own figure (moe_kernel);
    a family missing here reads its experts at expert_bandwidth_factor."""
    moe_kernel_compute_factor: dict[MoeKernel, float] = Field(default_factory=dict)
    """expert_compute_factor of the MoE kernel families with their own figure (moe_kernel); a
    family missing here multiplies its experts at expert_compute_factor."""
    marlin_moe_bytes_per_fp32_flop: float = Field(default=0.0, ge=0)
    """Marlin MoE's expert read rate where the SMs, not the memory, bound it: this many bytes
    per FP32 FLOP of the GPU (SMs x clock; MARLIN_MOE); 0: no such bound."""
    kv_bandwidth_efficiency: float = Field(gt=0, le=1)
    """Fraction of the bandwidth the attention kernel reaches reading the KV cache."""
    compute_efficiency: float = Field(gt=0, le=1)
    """Fraction of the dense TFLOP/s a large (prefill) GEMM reaches."""
    expert_compute_factor: float = Field(default=1.0, gt=0, le=2)
    """Routed-expert GEMMs run at this times the compute efficiency: a fused-MoE kernel
    multiplies many small per-expert matrices (tokens x k / E rows each), not one large one."""
    link_efficiency: float = Field(gt=0, le=1)
    """Fraction of the link bandwidth an all-reduce reaches (bus bandwidth / link rate), on
    links without a measured rate (NVLINK_ALLREDUCE has NVLink 4 and 5's)."""
    step_overhead_us: float = Field(ge=0)
    """Per decode/prefill step: scheduling, sampling, input preparation (CUDA graphs on)."""
    layer_overhead_us: float = Field(ge=0)
    """Per layer per step: kernel launches and small ops a CUDA graph still replays."""
    moe_layer_overhead_us: float = Field(default=0.0, ge=0)
    """Per MoE layer per step on top: the kernels a fused-MoE layer runs that a dense MLP does
    not (vLLM fused_moe.py fused_experts_impl: router top-k, the activation quantisation,
    moe_align_block_size's sort of (token, expert) pairs, the second quantisation and
    ops.moe_sum's combine of the k expert outputs), each a launch-latency-bound kernel."""
    indexer_layer_overhead_us: float = Field(default=0.0, ge=0)
    """Per sparse-attention layer per step on top: the indexer's own kernels (its
    projections, RoPE, fp8 quantisation of the index keys, the logits, the top-k selection)."""
    request_overhead_ms: float = Field(ge=0)
    """Per request, before its prefill: HTTP, tokenization, scheduling (in TTFT)."""
    prompt_token_overhead_us: float = Field(default=0.0, ge=0)
    """Per prompt token, in TTFT: time that grows with the prompt but not with TP, the form of
    BLIS's CPU-overhead regression (inference-sim, alpha0 + alpha1 x input length: tokenization,
    API serialization). The serving host's per-token work (tokenization; vLLM V1 hashes every
    16-token block with sha256 for prefix caching, v1/core/kv_cache_utils.py
    hash_block_tokens) explains only part of the fitted figure, ESTIMATE ~2 us a token
    (unverified); the rest is prefill time the roofline terms miss and the fit could not place
    (bench/speed_accuracy.py: it does not vary with TP on the fit rows)."""
    queue_share: float = Field(ge=0, le=1)
    """Share of the other C - 1 requests' prefills a new request waits behind, each a whole
    prefill as it runs alone (0: none ever waits; 0.5: all arrive at once and queue, as at a
    benchmark's start; a run of R rounds whose first round arrives at once: 1 / (2 R))."""
    prefill_interference: float = Field(ge=0, le=1)
    """Share of the other requests' prefill work (compute and all-reduce) that lands inside
    one request's decode steps."""
    source: str


FITTED = SpeedCoefficients(
    bandwidth_efficiency={"bf16": 0.75, "fp8": 0.9, "fp4": 0.9, "weight-only": 0.9},
    expert_bandwidth_factor=0.849,
    moe_kernel_bandwidth_factor={"flashinfer-trtllm-mxfp4": 1.0},
    moe_kernel_compute_factor={"flashinfer-trtllm-mxfp4": 1.2, "triton-mxfp4": 0.37},
    marlin_moe_bytes_per_fp32_flop=0.0369,
    kv_bandwidth_efficiency=0.742,
    compute_efficiency=0.662,
    expert_compute_factor=0.215,
    link_efficiency=0.8,
    step_overhead_us=13.1,
    layer_overhead_us=66.5,
    moe_layer_overhead_us=22.8,
    indexer_layer_overhead_us=89.0,
    request_overhead_ms=23.8,
    prompt_token_overhead_us=4.93,
    queue_share=0.0816,
    prefill_interference=1.0,
    source="fitted 2026-12-01 by `python bench/speed_accuracy.py --fit` on the 773 fit rows of "
    "../shared/calibration/perf-silicon-aic.csv (H100/H200/B200/B300, vLLM and SGLang), with "
    "the MoE kernel families (moe_kernel); bf16 kept at its 0.75 start (no bf16 row moved it); "
    "fp8 at the 0.9 bound; weight-only not fitted (its only rows, Kimi-K2.5 int4 MoE, would "
    "set every consumer GPTQ/AWQ figure) and held at the 0.9 bound like fp4; FlashInfer's "
    "TRT-LLM MXFP4 MoE at its physical bounds (experts read at 0.9 of the bandwidth, "
    "multiplied at 0.662 x 1.2 = 0.79 of the BF16 peak); link_efficiency 0.8 is an estimate "
    "(no PCIe rows; NVLink 4/5 use the measured NVLINK_ALLREDUCE rates); rounded to 3 digits",
)
"""The coefficients the planner uses (see bench/speed_accuracy.py for the fit and its error).
Weight-only 0.9 is not fitted: it stands for Marlin's published "near ideal 4x speedup up to
batch 16-32" (IST-DASLab/marlin README); Kimi-K2.5's int4 MoE rows (Marlin MoE) run slower
than it (bench/speed_accuracy.py, group kimi-k2)."""

EAGER_LAYER_OVERHEAD_FACTOR = 3.0
"""--enforce-eager: no CUDA graphs, each layer's kernels are launched from Python. ESTIMATE
(unverified; no eager runs in the calibration data)."""

DEEPGEMM_PADDED_MOE = ((0, 12), (0, 14))
"""vLLM releases (first, last minor) whose block-FP8 MoE layers run DeepGEMM's m-grouped
contiguous GEMM at every batch size on compute capability 9.0 and 10.x, with rows padded per
expert. Read from vLLM's source:
- quantization/fp8.py get_fp8_moe_backend (0.12; fused_moe/oracle/fp8.py in 0.14): DeepGEMM
  is picked for block-quantized weights when is_deep_gemm_supported() (sm90, sm100), before
  the SM100 CUTLASS block-scaled path and Triton; FlashInfer only when VLLM_USE_FLASHINFER_MOE_FP8
  is set; off by default when the MoE's TP size (tp x dp without expert parallelism, 1 with
  it) is >= 8;
- fused_moe/triton_deep_gemm_moe.py: DeepGEMM is used whenever is_deep_gemm_e8m0_used(),
  which VLLM_USE_DEEP_GEMM_E8M0 (default 1) turns on on Hopper too from 0.12 (0.11 needed
  VLLM_USE_DEEP_GEMM_E8M0_HOPPER there: Triton below M = 128);
- fused_moe/deep_gemm_utils.py compute_aligned_M: without per-expert token counts on the CPU
  (the single-node path) the grouped GEMM gets M_sum = round_up(M x k + E_local x (128 - 1),
  128) rows, room for every local expert's last partial 128-row block.
From 0.15 FlashInfer's CUTLASS MoE, which supports 128-block FP8 on sm90, comes first in
oracle/fp8.py's backend order. The padded blocks are charged as computed rows at the dense
GEMM efficiency: Qwen3-235B-A22B-FP8 on vLLM 0.12 decodes at ~52 ms (TP=2) and ~35 ms (TP=4)
whatever the batch (4-48 requests, perf-silicon-aic.csv), as a fixed 128 x 127 x E-row GEMM
does, where the byte count alone gives 17-41 ms growing with the batch."""
DEEPGEMM_ALIGN_ROWS = 128
"""DeepGEMM's M alignment of the contiguous layout; vLLM uses DeepGEMM's MoE only when the
weights' block shape equals it (triton_deep_gemm_moe.py: block_shape ==
get_mk_alignment_for_contiguous_layout()), so 128 for the 128x128 block-FP8 checkpoints."""

MARLIN_MOE = "SM-bound"
"""Marlin MoE (fused_marlin_moe: int4/int8 weights dequantised on the CUDA cores, multiplied
with mma.sync, the Ampere instruction, not Hopper's wgmma or Blackwell's tcgen05) reads its
experts at a rate set by SMs x clock rather than by the memory on Hopper and Blackwell:
Kimi-K2.5's int4 experts (compressed-tensors WNA16, group 32, Marlin MoE per moe_kernel) at
TP=8 decode at nearly the same speed on H200 (4.8 TB/s) and B200 (8 TB/s): 10.4 against
10.0 ms at 4 requests, 31.1 against 28.5 ms at 64 (perf-silicon-aic.csv, vLLM 0.16.0 and
0.15.1), where a bandwidth-bound kernel would be 1.67x faster on B200; the GPUs' FP32 rates
(SMs x clock) are 67 and 75 TFLOP/s. So the expert rate is the smaller of the bandwidth one
and SpeedCoefficients.marlin_moe_bytes_per_fp32_flop x the FP32 FLOP/s (GpuSpec.fp32_tflops;
GPUs without that figure stay bandwidth-bound: on an RTX 3090, 35.6 TFLOP/s, the bound would
lie above its 936 GB/s anyway)."""

WNA16_FALLBACK_SLOWDOWN = 1.5
"""MoE layers that fall back from Marlin MoE to the Triton MoE WNA16 kernel read their
experts this much slower. ESTIMATE (unverified; no such runs in the calibration data)."""


class SpeedEstimate(BaseModel):
    """Speed of one plan at one load: latency per request, throughput, and the terms."""

    model_config = ConfigDict(frozen=True)

    load: ServingLoad
    concurrency: int = Field(description="requests served at once (load, capped by KV)")
    kv_limited_concurrency: int = Field(description="requests of input + output tokens the "
                                        "KV cache holds (all replicas)")
    kv_bound: bool = Field(description="the KV cache capped the requested concurrency")
    ttft_ms: float = Field(description="a served request's (admitted to a KV slot)")
    tpot_ms: float
    kv_wait_ms: float = Field(description="a client's mean wait for a KV slot before TTFT "
                              "starts (0 when the KV cache holds every request)")
    output_tokens_per_s: float = Field(description="all requests together")
    output_tokens_per_s_per_request: float
    prefill_tokens_per_s: float = Field(description="one request's prompt / its prefill time")
    decode_step_ms: float = Field(description="one decode step of the whole pipeline")
    prefill_ms: float = Field(description="one request's prefill, nothing queued")
    allreduce_ms_per_step: float = Field(description="TP all-reduce time inside one decode step")
    kernel: KernelFamily
    link: str
    terms: list[Term]
    notes: list[str]


@dataclass(frozen=True)
class _AttnGroup:
    """Attention layers of one stage whose queries see at most `span` tokens (None: the whole
    causal context; a sliding window; a sparse-attention top-k), summed over the layers."""

    span: int | None
    width_decode: int  # heads per rank x (qk + v dims), decode form (MLA absorbed)
    width_prefill: int  # the same in prefill form (MLA decompressed per head)
    heads: int  # query heads per rank: one softmax exponential per head per key


@dataclass(frozen=True)
class _Stage:
    """What one GPU of one pipeline stage reads and computes (the slowest rank of the stage)."""

    layers: int
    dense_bytes: int  # weights read every step: attention, dense MLP, shared experts, lm_head
    expert_bytes: int  # routed experts held by this rank
    dense_params: float  # parameters per rank every token multiplies (excl. routed experts)
    lm_head_params: float  # the part of dense_params that is the lm_head (last stage only)
    expert_params_per_token: float  # routed-expert parameters per token per rank (k x size)
    attention: tuple[_AttnGroup, ...]  # attention layers grouped by the tokens a query sees
    sparse_layers: int  # layers with a sparse-attention indexer
    indexer_width: int  # sum over sparse layers of indexer heads x dim (replicated on TP)
    kv_bytes_per_token: int  # full-attention KV bytes per token on this rank
    window_kv: tuple[tuple[int, int], ...]  # (window, bytes per token) of sliding layers
    moe_layers: int  # layers with routed experts (EP all-to-all happens in each)


def kernel_family(scheme: QuantScheme, gpu: GpuSpec) -> tuple[KernelFamily, GpuFormat]:
    """(kernel family, compute format) of a weight format on a GPU.

    FP8 runs on FP8 tensor cores from Ada/Hopper on, else as Marlin W8A16; NVFP4 on FP4
    tensor cores on Blackwell only, else weight-only; GPTQ/AWQ/bnb/GGUF/int8 are weight-only
    (vLLM's Marlin/Machete kernels). Source: vLLM docs, "Supported Hardware". MXFP4 (gpt-oss)
    has its own MoE kernels on Hopper and datacenter Blackwell (vllm 0.17
    quantization/mxfp4.py get_mxfp4_backend: FlashInfer MXFP4 x BF16 on sm100 by default,
    MXFP4 x MXFP8 only behind VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8; triton_kernels on sm90;
    Marlin elsewhere, e.g. sm120 and Ampere): FP4 weights read as such, multiplied with
    16-bit activations, so compute runs at the 16-bit rate.
    """
    fam = scheme.family
    if fam == "float":
        return "bf16", "bf16"
    if fam == "fp8" and gpu.weight_format_support("fp8") == "native":
        return "fp8", "fp8"
    if fam == "mxfp4" and re.fullmatch(r"(9|10)\.\d+", gpu.compute_capability) \
            and gpu.vendor == "nvidia":
        return "fp4", "bf16"  # FlashInfer (sm100) or triton_kernels (sm90), 16-bit compute
    if fam == "nvfp4" and gpu.weight_format_support(fam) == "native":
        return "fp4", fam
    if fam == "int8" and gpu.weight_format_support("int8") == "native":
        return "fp8", "int8"  # W8A8 int8 GEMMs: the same 8-bit tensor-core path and rate
    return "weight-only", "bf16"


def moe_kernel(scheme: QuantScheme, gpu: GpuSpec, family: KernelFamily,
               vllm_version: str = DEFAULT_VLLM_VERSION) -> MoeKernel:
    """The kernel family vLLM (`vllm_version`, default the planner's) serves routed experts of
    this weight format with on this GPU, with no environment variable set.

    MXFP4 (gpt-oss): quantization/mxfp4.py get_mxfp4_backend (0.11.0-0.17.0) and
    fused_moe/oracle/mxfp4.py (0.19.0, 0.33.0): FlashInfer's TRT-LLM MXFP4 x BF16 MoE on
    compute capability 10.x (SM100_FI_MXFP4_BF16 / FLASHINFER_TRTLLM_MXFP4_BF16, first when
    FlashInfer is installed, as in vLLM's images), OpenAI's triton_kernels (matmul_ogs) on 9.0
    (the SM90 FlashInfer path needs VLLM_USE_FLASHINFER_MOE_MXFP4_BF16), Marlin elsewhere.
    Weight-only MoE (int4 GPTQ/AWQ/compressed-tensors WNA16) up to 0.31: Marlin MoE
    (compressed_tensors_moe.py CompressedTensorsWNA16MarlinMoEMethod whenever
    check_moe_marlin_supports_layer holds; FlashInfer's MxInt4 MoE only behind
    VLLM_USE_FLASHINFER_MOE_INT4, default 0). From 0.32 fused_moe/oracle/int_wna16.py tries
    FlashInfer's TRT-LLM MxInt4 MoE first (10.x, symmetric int4 in groups of 32: kInt4Static32,
    no zero points) and on 9.0 puts Humming ahead of Marlin (humming/priority.py). The rest:
    vLLM's fused-MoE paths.
    """
    if scheme.family == "mxfp4" and family == "fp4":
        return "flashinfer-trtllm-mxfp4" if gpu.compute_capability.startswith("10.") \
            else "triton-mxfp4"
    if family != "weight-only":
        return "fused-moe"
    if vllm_rules(vllm_version).version[:2] >= (0, 32) and gpu.vendor == "nvidia":
        if gpu.compute_capability.startswith("10.") and scheme.family == "gptq" \
                and scheme.key.endswith("-g32"):
            return "flashinfer-trtllm-int4"
        if gpu.compute_capability == "9.0" and scheme.family in ("gptq", "awq"):
            return "humming-moe"
    return "marlin-moe"


def _deepgemm_moe(scheme: QuantScheme, gpu: GpuSpec, vllm_version: str) -> bool:
    """Whether vLLM runs block-FP8 MoE layers of this format on this GPU through DeepGEMM's
    padded grouped GEMM at a MoE TP size below 8 (DEEPGEMM_PADDED_MOE: block-FP8 weights, vLLM
    0.12-0.14, compute capability 9.0 or 10.x); _padded_moe adds the layout's MoE TP size."""
    lo, hi = DEEPGEMM_PADDED_MOE
    return (scheme.key.startswith("fp8-block") and gpu.vendor == "nvidia"
            and re.fullmatch(r"9\.0|10\.\d+", gpu.compute_capability) is not None
            and lo <= vllm_rules(vllm_version).version[:2] <= hi)



def expected_experts_touched(num_experts: int, top_k: int, tokens: int) -> float:
    """Expected number of distinct experts a step's `tokens` route to (uniform routing):
    E x (1 - (1 - k/E)^tokens). gpt-oss-120b (E=128, k=4) at 64 tokens: 111.2."""
    return num_experts * (1 - (1 - top_k / num_experts) ** tokens)


_STAGES: IdentityMemo[tuple[_Stage, ...]] = IdentityMemo(4096)
"""Per-stage bytes and parameters by (spec, weight format, layout, dtypes). 4,096: recommend
bounds every EP family (tp x dp up to the expert count) of every format and KV dtype, and a
smaller memo cleared itself mid-search (Qwen3-30B-A3B at 1,000 req/s over 1,024 GPUs: 9.0 s
at 512 entries, 7.3 s at 4,096); entries are a few small tuples and die with their spec."""


def _stages(request: PlanRequest, scheme: QuantScheme, act_b: int, kv_b: KvBytes
            ) -> tuple[_Stage, ...]:
    spec, layout = request.model, request.layout
    key = (scheme.key, layout.tp, layout.pp, layout.dp, layout.ep, act_b, kv_b)
    return _STAGES.get(spec, key, _build_stages, spec, request, scheme, act_b, kv_b)


def _build_stages(spec: ModelSpec, request: PlanRequest, scheme: QuantScheme, act_b: int,
                  kv_b: KvBytes) -> tuple[_Stage, ...]:
    """Per PP stage: the bytes its busiest rank reads and the parameters it multiplies."""
    layout = request.layout
    params: ParamBreakdown = param_breakdown(spec)
    weights = rank_weights(spec, scheme, layout, params, served_dtype_bytes=act_b)
    kv_layers = model_kv_layers(spec)
    ep_div = layout.ep_size if layout.ep else layout.tp
    out = []
    for stage, layers in enumerate(pp_layer_split(spec.num_layers, layout.pp)):
        ranks = weights[stage * layout.tp:(stage + 1) * layout.tp]
        w = max(ranks, key=lambda t: t.total_bytes)
        dense = (w.attention_bytes + w.dense_mlp_bytes + w.shared_experts_bytes
                 + w.router_bytes + w.norms_bytes + w.lm_head_bytes)
        lps = [params.layers[i] for i in layers]
        dense_params = sum(lp.attention + lp.dense_mlp + lp.shared_experts + lp.router
                           for lp in lps) / layout.tp
        lm_head = (params.lm_head or params.embeddings) / layout.tp \
            if stage == layout.pp - 1 else 0.0
        dense_params += lm_head
        expert = sum(lp.experts_per_token * lp.expert_size for lp in lps) / ep_div
        groups: dict[int | None, list[int]] = {}
        indexer = n_sparse = 0
        kv_full, windows = 0, []
        for i in layers:
            mixer, kv = spec.layers[i].mixer, kv_layers[i]
            span = kv.sliding_window if isinstance(kv, SlidingWindowKv) else None
            if isinstance(mixer, AttentionMixer):
                heads = max(1, mixer.num_heads // layout.tp)
                dec = pre = heads * (mixer.head_dim + mixer.v_head_dim)
            elif isinstance(mixer, MlaMixer):
                heads = max(1, mixer.num_heads // layout.tp)
                dec = heads * (2 * mixer.kv_lora_rank + mixer.qk_rope_head_dim)
                pre = heads * (mixer.qk_nope_head_dim + mixer.qk_rope_head_dim
                               + mixer.v_head_dim)
                if mixer.index_n_heads and mixer.index_head_dim and mixer.index_topk:
                    span = mixer.index_topk
                    n_sparse += 1
                    indexer += mixer.index_n_heads * mixer.index_head_dim
            else:
                heads = dec = pre = 0
            if heads:
                g = groups.setdefault(span, [0, 0, 0])
                g[0], g[1], g[2] = g[0] + dec, g[1] + pre, g[2] + heads
            if kv is None:
                continue
            per_token = kv.bytes_per_token(kv_b, layout.tp)
            if isinstance(kv, SlidingWindowKv):
                windows.append((kv.sliding_window, per_token))
            else:
                kv_full += per_token
        out.append(_Stage(
            layers=len(layers), dense_bytes=dense, expert_bytes=w.experts_bytes,
            dense_params=dense_params, lm_head_params=lm_head, expert_params_per_token=expert,
            attention=tuple(_AttnGroup(span, *g) for span, g in groups.items()),
            sparse_layers=n_sparse,
            indexer_width=indexer,
            kv_bytes_per_token=kv_full,
            window_kv=tuple(windows),
            moe_layers=sum(1 for i in layers if isinstance(spec.layers[i].mlp, MoeMlp)),
        ))
    # equal stages as one object, so that an estimate works each out once (_per_stage)
    distinct: dict[_Stage, _Stage] = {}
    return tuple(distinct.setdefault(stage, stage) for stage in out)


@dataclass(slots=True)
class _Ctx:
    """Everything one estimate needs, resolved once (never changed after __post_init__: not
    frozen only because a frozen dataclass of 28 fields costs an estimate 2 us more to build)."""

    gpu: GpuSpec
    link: LinkSpec
    tp: int
    pp: int
    dp: int
    ep: bool
    hidden: int
    act_b: int
    moe: MoeMlp | None
    family: KernelFamily
    peak_flops: float  # FLOP/s of the compute format
    attn_flops: float  # FLOP/s of the attention kernels (16-bit tensor cores)
    index_flops: float  # FLOP/s of the sparse-attention indexer's logits (FP8 where native)
    exp_rate: float  # softmax exponentials per second (SFUs; inf when the GPU has no figure)
    bw: float  # B/s
    read_cap: float  # B/s: the GPU's measured read rate (inf without one)
    c: SpeedCoefficients
    wna16: bool
    eager: bool
    mbt: int
    padded_moe: bool = False  # DEEPGEMM_PADDED_MOE: expert GEMMs over padded rows
    moe_kernel: MoeKernel = "fused-moe"  # moe_kernel: the family serving the routed experts

    # the read rates and expert compute factor every step of every stage reads, worked out
    # once per estimate (__post_init__), not once per step
    weights_bw: float = field(init=False)  # B/s: _stream_bw at the family's efficiency
    kv_bw: float = field(init=False)  # B/s: _stream_bw at the KV efficiency
    expert_bw: float = field(init=False)  # B/s: _expert_rate
    expert_compute: float = field(init=False)  # _expert_compute
    # (padded MoE rows, overhead) seconds of each stage step: the same in every step of a
    # stage, so worked out at its first step (_step_parts), by the stage's id
    stage_fixed: dict[int, tuple[float, float]] = field(init=False)

    def __post_init__(self) -> None:
        self.stage_fixed = {}
        eff = self.c.bandwidth_efficiency[self.family]
        self.weights_bw = _stream_bw(self, eff)
        self.kv_bw = _stream_bw(self, self.c.kv_bandwidth_efficiency)
        self.expert_bw = _expert_rate(self, eff)
        self.expert_compute = _expert_compute(self)


CUSTOM_AR_MAX_BYTES = 8192 * 1024
"""vLLM's own all-reduce takes a message only below this size: CustomAllreduce(max_size=8192 *
1024) and should_custom_ar's `inp_size < self.max_size` (vllm/distributed/device_communicators/
custom_all_reduce.py, 0.11.0-0.33.0; only Hopper/datacenter-Blackwell symmetric memory lowers it,
all_reduce_utils.CUSTOM_ALL_REDUCE_MAX_SIZES). Larger messages (a prefill chunk of 2,048 tokens
x 5,120 x 2 B = 20 MiB) fall through to NCCL (cuda_communicator.py CudaCommunicator.all_reduce:
custom all-reduce, then symmetric memory, then pynccl)."""


@dataclass(frozen=True)
class MeasuredAllreduce:
    """What vLLM's prefill-size all-reduces reach on one NVLink generation, measured: the bus
    bandwidth ((N - 1)/N x 2 x bytes / time) and the start-up time of a message too large for
    vLLM's custom kernel (torch symmetric memory or NCCL: kernel launch, barriers, pipeline
    fill), from a straight line through the fastest algorithm's times at 16 and 128 MiB."""

    bus_gbps: float
    startup_us: float
    source: str


NVLINK_ALLREDUCE: dict[float, MeasuredAllreduce] = {
    450.0: MeasuredAllreduce(
        433.6, 19.3, "NVLink 4 (H100/H200, SM 9.0): vLLM PR #42324 benchmark table, 8 GPUs "
        "(unverified: the world size is read from its crossovers), 16 MiB in 87 us (torch "
        "symmetric memory multimem), 128 MiB in 561 us (pynccl)"),
    900.0: MeasuredAllreduce(
        640.3, 26.1, "NVLink 5 (B300, SM 10.3): vLLM PR #37756 benchmark table, 8 GPUs "
        "(unverified: the world size is read from its crossovers: custom all-reduce to 4 MiB, "
        "symmetric memory below 64 MiB), 16 MiB in 72 us (multimem), 128 MiB in 393 us "
        "(pynccl)"),
}
"""Measured all-reduce rates per NVLink generation, keyed by the link's per-direction GB/s
(LinkSpec.bandwidth_gbps: NVLink 4 450, NVLink 5 900). NVLink 5 doubles the link but its
all-reduces reach 0.71 of it where NVLink 4's reach 0.96: the collectives run on a fixed
number of CTAs whose copy-and-reduce rate does not double with the link (vLLM issue #33459,
"Torch symm AllReduce seems suboptimal on 8xB200 (fixed CTA count?)"). A Blackwell prefill
therefore spends more of its time in all-reduce than the link rate says: Llama-3.1-70B, TP=8,
a 1,024-token chunk (16 MiB per all-reduce, 160 per chunk): 11.5 ms (26.1 us + 29.4 MB of bus
traffic at 640.3 GB/s, each) where the link rate said 7.2 ms (4 us + at 900 x 0.8 GB/s).
Other links (NVLink 3, PCIe) keep the link rate x link_efficiency."""


def measured_allreduce(link: LinkSpec) -> MeasuredAllreduce | None:
    """The measured all-reduce rates of this link (NVLINK_ALLREDUCE), None off NVLink 4/5."""
    return NVLINK_ALLREDUCE.get(link.bandwidth_gbps) if link.kind == "nvlink" else None


def allreduce_algorithm(link: LinkSpec, n: int, nbytes: float) -> str:
    """Which all-reduce vLLM runs for one message of `nbytes` over `n` GPUs on `link`.

    vLLM (custom_all_reduce.py, CustomAllreduce.__init__ and should_custom_ar) enables its own
    kernel only where every rank can P2P (`_can_p2p`; a GeForce driver without P2P fails it)
    and the group is two GPUs or fully NVLink-connected ("Custom allreduce is disabled because
    it's not supported on more than two PCIe-only GPUs"), and then only for messages below
    CUSTOM_AR_MAX_BYTES; with two GPUs its kernel is one-shot (each rank reads its peer's
    buffer between two barriers). Otherwise NCCL's ring runs it, through pinned host memory
    (NCCL's SHM transport) where the GPUs cannot P2P. On NVLink a message of CUSTOM_AR_MAX_BYTES
    or more goes to torch symmetric memory (all_reduce_utils.SYMM_MEM_ALL_REDUCE_MAX_SIZES) or
    NCCL, charged at the measured start-up of NVLINK_ALLREDUCE.
    """
    if link.kind == "nvlink":
        if nbytes >= CUSTOM_AR_MAX_BYTES:
            return "torch symmetric memory or NCCL (NVLink, message >= 8 MiB)"
        return "vLLM custom all-reduce (NVLink)"
    if link.p2p and n == 2 and nbytes < CUSTOM_AR_MAX_BYTES:
        return "vLLM one-shot custom all-reduce (P2P, 2 GPUs, < 8 MiB)"
    if not link.p2p:
        return "NCCL ring through host memory (no P2P)"
    if n > 2:
        return "NCCL ring (vLLM's custom all-reduce is off on more than two PCIe GPUs)"
    return "NCCL ring (message >= 8 MiB, vLLM's custom all-reduce limit)"


def allreduce_hops(link: LinkSpec, n: int, nbytes: float) -> int:
    """Latency hops of one all-reduce over `n` GPUs: 2 for vLLM's own kernel (a barrier
    before and after the peers' reads), else NCCL's ring, 2 (n - 1) steps (reduce-scatter,
    then all-gather); allreduce_algorithm says which runs."""
    return 2 if allreduce_algorithm(link, n, nbytes).startswith("vLLM") else 2 * (n - 1)


def allreduce_rates(link: LinkSpec, n: int, nbytes: float, link_efficiency: float, *,
                    text: bool = True) -> tuple[float, float, str, str]:
    """(start-up seconds, bus bandwidth B/s, each as the allreduce term writes it) of one
    all-reduce of `nbytes` over `n` GPUs: on NVLink 4/5 the measured bus bandwidth
    (NVLINK_ALLREDUCE) and, from 8 MiB, the measured start-up; else the link rate x
    link_efficiency and hops x the link's latency, plus the link's NCCL start-up when NCCL
    runs it (LinkSpec.startup_us: 6 us on PCIe, measured). `text=False`: the two texts are
    empty (a step's time needs only the numbers)."""
    hops = allreduce_hops(link, n, nbytes)
    startup = hops * link.latency_us
    nccl_startup = link.startup_us and not allreduce_algorithm(link, n, nbytes).startswith("vLLM")
    if nccl_startup:
        startup += link.startup_us
    measured = measured_allreduce(link)
    measured_startup = measured is not None and nbytes >= CUSTOM_AR_MAX_BYTES
    if measured_startup:
        startup = measured.startup_us
    bus = link.bandwidth_gbps * 1e9 * link_efficiency if measured is None \
        else measured.bus_gbps * 1e9
    if not text:
        return startup * 1e-6, bus, "", ""
    startup_text = f"{hops} hops x {link.latency_us:g} us"
    if nccl_startup:
        startup_text = f"{link.startup_us:g} us + {startup_text}"
    if measured_startup:
        startup_text = f"{measured.startup_us:g} us measured start-up"
    bus_text = (f"({link.bandwidth_gbps:.1f} GB/s x {link_efficiency:.2f})" if measured is None
                else f"{measured.bus_gbps:g} GB/s measured bus bandwidth")
    return startup * 1e-6, bus, startup_text, bus_text


def _allreduce_s(ctx: _Ctx, nbytes: float) -> float:
    """One all-reduce of `nbytes` over the TP group: its start-up plus the ring's
    (N-1)/N x 2 x bytes over the bus bandwidth (GenZ collective_times.py form; allreduce_rates
    gives both)."""
    n = ctx.tp
    if n == 1:
        return 0.0
    startup, bw, _, _ = allreduce_rates(ctx.link, n, nbytes, ctx.c.link_efficiency, text=False)
    return startup + (n - 1) / n * 2 * nbytes / bw


def _moe_kernels_launched(ctx: _Ctx) -> bool:
    """Whether vLLM itself launches fused_experts_impl's extra kernels (router top-k, the
    moe_align_block_size sort, moe_sum) that moe_layer_overhead_us stands for. Not on
    FlashInfer's TRT-LLM MoE kernels: vLLM hands them the router logits and FlashInfer routes,
    runs both GEMMs and finalizes in one call (quantization/mxfp4.py apply, 0.15.0:
    trtllm_fp4_block_scale_moe(router_logits, ..., routing_method_type, do_finalize=True);
    the "Monolithic" TRT-LLM experts of fused_moe/experts/, 0.33.0)."""
    return not ctx.moe_kernel.startswith("flashinfer-trtllm")


def _overhead_s(ctx: _Ctx, stage: _Stage) -> float:
    eager = EAGER_LAYER_OVERHEAD_FACTOR if ctx.eager else 1
    per_layer = ctx.c.layer_overhead_us * stage.layers \
        + ctx.c.moe_layer_overhead_us * stage.moe_layers * _moe_kernels_launched(ctx) \
        + ctx.c.indexer_layer_overhead_us * stage.sparse_layers
    return (ctx.c.step_overhead_us / ctx.pp + eager * per_layer) * 1e-6


def _kv_read_bytes(stage: _Stage, contexts: float, tokens_ctx: float) -> float:
    """KV bytes one step reads for `contexts` sequences of `tokens_ctx` context each."""
    window = sum(per * min(tokens_ctx, w) for w, per in stage.window_kv) \
        if stage.window_kv else 0
    return contexts * (stage.kv_bytes_per_token * tokens_ctx + window)


def _moe_padding_s(ctx: _Ctx, stage: _Stage) -> float:
    """DEEPGEMM_PADDED_MOE's padding rows, E x (128 - 1) per MoE layer, each multiplied by one
    expert's parameters on this rank (expert parameters per token / k, summed over the
    stage's layers) at the dense rate and compute efficiency; 0 off that path."""
    if not ctx.padded_moe or ctx.moe is None:
        return 0.0
    rows = ctx.moe.num_experts * (DEEPGEMM_ALIGN_ROWS - 1)
    params = stage.expert_params_per_token / ctx.moe.experts_per_token
    return 2 * params * rows / (ctx.peak_flops * ctx.c.compute_efficiency)


def _read_capped(ctx: _Ctx, efficiency: float) -> bool:
    """Whether the GPU's measured read rate (GpuSpec.measured_read_gbps), not `efficiency` of
    the datasheet bandwidth, sets a kernel's read rate (_stream_bw; the terms say so)."""
    return ctx.bw * efficiency > ctx.read_cap


def _stream_bw(ctx: _Ctx, efficiency: float) -> float:
    """B/s a kernel reads memory at: `efficiency` of the datasheet bandwidth, but never faster
    than the GPU's measured read rate (GpuSpec.measured_read_gbps): the fitted efficiencies
    come from HBM parts, and a part whose memory sustains less than its datasheet x those
    efficiencies (GB10's LPDDR5X) streams at what it sustains."""
    return ctx.read_cap if _read_capped(ctx, efficiency) else ctx.bw * efficiency


class _Tokens(NamedTuple):
    """What `count` new tokens on this DP rank cost every stage of one step alike."""

    count: float
    routed: float  # tokens the routed experts see: x DP with EP (attention DP)
    touched: float  # the fraction of the experts they route to (1 for a dense model)
    allreduce_s: float  # one TP all-reduce of their hidden states
    all_to_all_s: float  # one MoE layer's EP all-to-all (_all_to_all_s)


def _tokens(ctx: _Ctx, tokens: float) -> _Tokens:
    """The per-step figures _step_parts reads for `tokens`, worked out once per step rather
    than once per stage."""
    routed_tokens = tokens * (ctx.dp if ctx.ep else 1)
    frac = 1.0
    if ctx.moe is not None:
        frac = expected_experts_touched(ctx.moe.num_experts, ctx.moe.experts_per_token,
                                        math.ceil(routed_tokens)) / ctx.moe.num_experts
    return _Tokens(tokens, routed_tokens, frac,
                   _allreduce_s(ctx, tokens * ctx.hidden * ctx.act_b), _all_to_all_s(ctx, tokens))


def _step_parts(ctx: _Ctx, stage: _Stage, step: _Tokens, seqs: float, context: float,
                prefill: bool) -> dict[str, float]:
    """Seconds of one step of one stage: weights, KV, compute, all-reduce, overhead.

    `step`: the new tokens on this DP rank (_tokens; decode: one per sequence), `seqs`
    sequences each with `context` tokens of KV (for prefill, context is the mean causal
    context).
    """
    tokens, routed_tokens = step.count, step.routed
    expert_s = stage.expert_bytes * step.touched / ctx.expert_bw
    if ctx.wna16:
        expert_s *= WNA16_FALLBACK_SLOWDOWN
    weights_s = stage.dense_bytes / ctx.weights_bw + expert_s
    kv_s = _kv_read_bytes(stage, seqs, context) / ctx.kv_bw
    # causal attention: each new token's query meets `context` keys (at most the group's
    # span: a sliding window, a sparse top-k) in Q.K^T and P.V; softmax takes one exponential
    # per head per key, on the SFUs, and P.V waits for it (NVIDIA, "Making Softmax More
    # Efficient with NVIDIA Blackwell Ultra", 2025: BMM2 cannot start until softmax completes)
    attn_flops = exps = 0.0
    for g in stage.attention:
        keys = tokens * (context if g.span is None else min(context, g.span))
        attn_flops += 2 * keys * (g.width_prefill if prefill else g.width_decode)
        exps += keys * g.heads
    # vLLM computes logits only at each request's last scheduled token (gpu_model_runner.py,
    # logits_indices = query_start_loc[1:] - 1; hidden_states[logits_indices] into
    # compute_logits, 0.11.0 and 0.33.0): a prefill chunk runs the lm_head for one token
    logit_rows = seqs if prefill else tokens
    compute_s = (2 * (stage.dense_params - stage.lm_head_params) * tokens / ctx.peak_flops
                 + 2 * stage.lm_head_params * logit_rows / ctx.peak_flops
                 + 2 * stage.expert_params_per_token * routed_tokens
                 / (ctx.peak_flops * ctx.expert_compute)
                 + attn_flops / ctx.attn_flops
                 + 2 * tokens * context * stage.indexer_width / ctx.index_flops
                 ) / ctx.c.compute_efficiency + exps / ctx.exp_rate
    comm_s = 2 * stage.layers * step.allreduce_s
    fixed = ctx.stage_fixed.get(id(stage))
    if fixed is None:
        fixed = ctx.stage_fixed[id(stage)] = (_moe_padding_s(ctx, stage), _overhead_s(ctx, stage))
    return {"weights": weights_s, "kv": kv_s, "compute": compute_s,
            "allreduce": comm_s + stage.moe_layers * step.all_to_all_s,
            "moe_padding": fixed[0], "overhead": fixed[1], "softmax": exps / ctx.exp_rate}


def _expert_factor(ctx: _Ctx) -> float:
    """The routed-expert bandwidth factor of this plan's MoE kernel family."""
    return ctx.c.moe_kernel_bandwidth_factor.get(ctx.moe_kernel, ctx.c.expert_bandwidth_factor)


def _marlin_rate(ctx: _Ctx) -> float:
    """MARLIN_MOE's SM-bound expert read rate in B/s (inf off Marlin MoE, or without the
    GPU's FP32 figure or the coefficient)."""
    k = ctx.c.marlin_moe_bytes_per_fp32_flop
    if ctx.moe_kernel != "marlin-moe" or not (k and ctx.gpu.fp32_tflops):
        return math.inf
    return k * ctx.gpu.fp32_tflops * 1e12


def _expert_rate(ctx: _Ctx, eff: float) -> float:
    """B/s at which routed experts are read: the bandwidth x the family's efficiency x the MoE
    kernel's factor (_stream_bw: at most the GPU's measured read rate), at most MARLIN_MOE's
    SM-bound rate."""
    return min(_stream_bw(ctx, eff * _expert_factor(ctx)), _marlin_rate(ctx))


def _expert_compute(ctx: _Ctx) -> float:
    """The routed-expert compute factor of this plan's MoE kernel family."""
    return ctx.c.moe_kernel_compute_factor.get(ctx.moe_kernel, ctx.c.expert_compute_factor)


def _all_to_all_s(ctx: _Ctx, tokens: float) -> float:
    """EP dispatch + combine of one MoE layer with attention DP (dp > 1): each DP rank sends
    its tokens' hidden states to the k experts' ranks ((EP-1)/EP of them remote) and gets
    them back. With DP = 1 the hidden states are already on every TP rank and the expert
    outputs are summed by the layer's all-reduce, so there is no all-to-all."""
    if not (ctx.ep and ctx.dp > 1 and ctx.moe is not None):
        return 0.0
    ep = ctx.tp * ctx.dp
    nbytes = tokens * ctx.moe.experts_per_token * ctx.hidden * ctx.act_b * (ep - 1) / ep
    bw = ctx.link.bandwidth_gbps * 1e9 * ctx.c.link_efficiency
    return 2 * ((ctx.link.startup_us + ctx.link.latency_us) * 1e-6 + nbytes / bw)


def _step_s(parts: dict[str, float]) -> float:
    """Roofline: memory and compute overlap; communication, the padded MoE rows and the
    overhead do not (DEEPGEMM_PADDED_MOE: the measured TPOT is the sum).

    The TP all-reduce does not overlap the GEMMs, in prefill as in decode: vLLM's
    RowParallelLinear.forward waits for it on the compute stream (`if self.reduce_results and
    self.tp_size > 1: output = tensor_model_parallel_all_reduce(output_parallel)`,
    model_executor/layers/linear.py, 0.33.0). The compile passes that would overlap it
    (sequence parallelism with async TP / GEMM-communication fusion) are off by default:
    PassConfig enable_sequence_parallelism = enable_async_tp = False (config/compilation.py,
    0.11.0); enable_sp = fuse_gemm_comms = IS_DENSE = False at every -O level
    (config/vllm.py, 0.19.0); 0.33.0 has no such pass."""
    return max(parts["weights"] + parts["kv"], parts["compute"]) + parts["allreduce"] \
        + parts["moe_padding"] + parts["overhead"]


def _p2p_s(ctx: _Ctx, tokens: float) -> float:
    """One hop between pipeline stages: the hidden states of `tokens` tokens, one NCCL send
    (the link's NCCL start-up + one step)."""
    bw = ctx.link.bandwidth_gbps * 1e9 * ctx.c.link_efficiency
    return ((ctx.link.startup_us + ctx.link.latency_us) * 1e-6
            + tokens * ctx.hidden * ctx.act_b / bw)


def _stage_parts(ctx: _Ctx, stages: tuple[_Stage, ...], step: _Tokens, seqs: float,
                 context: float, prefill: bool) -> list[dict[str, float]]:
    """_step_parts of every stage in order, worked out once per distinct stage (_build_stages
    hands equal stages out as one object: a PP=8 layout has two or three)."""
    done: dict[int, dict[str, float]] = {}
    return [done[id(s)] if id(s) in done else
            done.setdefault(id(s), _step_parts(ctx, s, step, seqs, context, prefill))
            for s in stages]


def _decode(ctx: _Ctx, stages: tuple[_Stage, ...], batch: int, context: float
            ) -> tuple[float, dict[str, float]]:
    """(TPOT without prefill interference, the slowest stage's parts) at `batch` sequences
    on this DP rank: PP micro-batches of batch / PP pass every stage in turn."""
    micro = max(1.0, batch / ctx.pp)
    step = _tokens(ctx, micro)
    parts = _stage_parts(ctx, stages, step, micro, context, prefill=False)
    stage_s = [_step_s(p) for p in parts]
    slow = max(range(len(stages)), key=lambda i: stage_s[i])
    # fewer sequences than stages: a token walks the stages one after another (the sum);
    # a full pipeline: each stage serves min(batch, PP) micro-batches per token (the slowest)
    walk = max(sum(stage_s), min(batch, ctx.pp) * stage_s[slow])
    return walk + (ctx.pp - 1) * _p2p_s(ctx, micro), parts[slow]


def _prefill(ctx: _Ctx, stages: tuple[_Stage, ...], input_len: int
             ) -> tuple[float, float, int, float]:
    """(seconds alone, marginal seconds, chunks, softmax seconds) of one prompt, chunk by
    chunk through every stage. Alone: each chunk step as the roofline gives it. Marginal: what
    the prompt adds to steps that run anyway (batched with other work): its compute and
    all-reduce, summed over the stages (the work one stage does for it is what the pipeline's
    busiest stage adds). Softmax: the part of the compute the exponentials take."""
    total = marginal = softmax = 0.0
    done = 0
    chunks = cdiv(input_len, ctx.mbt)
    for _ in range(chunks):
        chunk = min(ctx.mbt, input_len - done)
        mean_context = done + chunk / 2
        step = _tokens(ctx, chunk)
        for parts in _stage_parts(ctx, stages, step, 1, mean_context, prefill=True):
            total += _step_s(parts)
            marginal += parts["compute"] + parts["allreduce"]
            softmax += parts["softmax"]
        total += (ctx.pp - 1) * _p2p_s(ctx, chunk)
        done += chunk
    return total, marginal / ctx.pp, chunks, softmax


def _term(key: str, label: str, value: float, unit: str, formula: str, note: str = "") -> Term:
    return Term(key=key, label=label, value=value, unit=unit, formula=formula, note=note)


class _Device(NamedTuple):
    """What an estimate reads of the model, cluster and settings, none of it of the layout or
    the load: the slowest GPU and link, the weight format and its kernels, the dtypes."""

    gpu: GpuSpec
    link: LinkSpec
    scheme: QuantScheme
    act_b: int
    kv_b: KvBytes
    family: KernelFamily
    peak_flops: float  # FLOP/s of the compute format
    attn_flops: float  # FLOP/s of the attention kernels (16-bit tensor cores)
    index_flops: float  # FLOP/s of the sparse-attention indexer's logits (FP8 where native)
    exp_rate: float  # softmax exponentials per second (SFUs; inf when the GPU has no figure)
    bw: float  # B/s: the datasheet bandwidth
    read_cap: float  # B/s: the GPU's measured read rate (inf without one)
    moe: MoeMlp | None  # the model's first routed-expert MLP
    moe_kernel: MoeKernel  # moe_kernel: the family serving the routed experts
    deepgemm_moe: bool  # _deepgemm_moe: block-FP8 MoE on DeepGEMM's padded path


_DEVICES: IdentityMemo[_Device | None] = IdentityMemo(256)


def _padded_moe(device: _Device, layout: ParallelLayout) -> bool:
    """Whether this plan's MoE layers run DeepGEMM's padded grouped GEMM: a MoE model on the
    DeepGEMM path (_Device.deepgemm_moe) whose MoE TP size (tp x dp, 1 with EP) is below 8."""
    moe_tp = 1 if layout.ep else layout.tp * layout.dp
    return device.moe is not None and device.deepgemm_moe and moe_tp < 8


def _device(request: PlanRequest) -> _Device | None:
    """The layout-independent part of an estimate; None without a bandwidth or compute figure
    (a custom GPU). Cached by the identity of the model, cluster and settings: a sweep
    estimates every layout with the same three."""
    return _DEVICES.get_all((request.model, request.cluster, request.engine), (),
                            _resolve_device, request)


def _resolve_device(request: PlanRequest) -> _Device | None:
    """Work out what _device caches."""
    spec, s = request.model, request.engine
    gpu = min((n.gpu for n in request.cluster.nodes), key=lambda g: g.memory_bandwidth_gbps)
    if gpu.memory_bandwidth_gbps <= 0:
        return None
    scheme = served_scheme(request)
    bf16 = gpu.weight_format_support("bf16") == "native"
    family, fmt = kernel_family(scheme, gpu)
    if s.mxfp4_marlin and scheme.family == "mxfp4":
        family, fmt = "weight-only", "bf16"  # vLLM's Marlin MXFP4 fallback (EngineSettings)
    peak = gpu.dense_tflops(fmt) or gpu.bf16_dense_tflops or gpu.dense_tflops("fp16")
    if peak is None:
        return None
    attn = gpu.bf16_dense_tflops or peak
    return _Device(
        gpu=gpu, link=request.cluster.link, scheme=scheme,
        act_b=act_elem_bytes(s, spec.torch_dtype, bf16),
        kv_b=sparse_mla_kv(spec, s, kv_elem_bytes(s, spec.torch_dtype, bf16),
                           gpu.compute_capability),
        family=family, peak_flops=peak * 1e12, attn_flops=attn * 1e12,
        index_flops=(gpu.dense_tflops("fp8") or attn) * 1e12,
        exp_rate=(gpu.softmax_exp_tera_per_s or math.inf) * 1e12,
        bw=gpu.memory_bandwidth_gbps * 1e9, read_cap=(gpu.measured_read_gbps or math.inf) * 1e9,
        moe=first_moe(spec), moe_kernel=moe_kernel(scheme, gpu, family, s.vllm_version),
        deepgemm_moe=_deepgemm_moe(scheme, gpu, s.vllm_version),
    )


class PlanFigures(NamedTuple):
    """The figures of a plan an estimate reads (every PlanSummary, and so every Plan, has
    them): what the sweep and `recommend` pass from summary_figures() instead of building a
    PlanSummary of all its fields for each estimate."""

    fits: bool
    max_context_tokens: int
    max_num_seqs: int
    max_num_batched_tokens: int
    kv_cache_tokens: int

    @classmethod
    def of(cls, figures: Mapping[str, Any]) -> PlanFigures:
        """These figures of summary_figures(...) (or any mapping with the PlanSummary keys)."""
        return cls(*map(figures.__getitem__, cls._fields))


def estimate_speed(
    request: PlanRequest,
    load: ServingLoad | None = None,
    *,
    plan_result: PlanSummary | PlanFigures | None = None,
    coefficients: SpeedCoefficients = FITTED,
    with_terms: bool = True,
) -> SpeedEstimate | None:
    """Speed of `request` at `load` (default 1024 in, 1024 out, one request); None when the
    plan does not fit or one request of input + output tokens exceeds its context ceiling.

    `plan_result` is plan(request), its PlanSummary (Plan extends it) or its PlanFigures: of
    the plan, only fits, max_context_tokens, max_num_seqs, max_num_batched_tokens and
    kv_cache_tokens are read, and every PlanSummary has them. `with_terms=False` leaves
    `terms` empty, for a caller that keeps only the figures (the sweep's rows): the formula
    strings were a third of an estimate's time."""
    load = load or ServingLoad()
    p = plan_result or plan(request)
    length = load.input_len + load.output_len
    if not p.fits or length > p.max_context_tokens:
        return None
    device = _device(request)
    if device is None:
        return None  # a custom GPU without a bandwidth or compute figure: no speed
    spec, layout, s = request.model, request.layout, request.engine
    scheme, act_b, moe = device.scheme, device.act_b, device.moe
    # (layout_warnings has none for a dense model)
    wna16 = moe is not None and any("WNA16" in w for w in layout_warnings(spec, layout, scheme))
    ctx = _Ctx(gpu=device.gpu, link=device.link, tp=layout.tp, pp=layout.pp, dp=layout.dp,
               ep=layout.ep, hidden=spec.hidden_size, act_b=act_b, moe=moe, family=device.family,
               peak_flops=device.peak_flops, attn_flops=device.attn_flops,
               index_flops=device.index_flops, exp_rate=device.exp_rate, bw=device.bw,
               c=coefficients, read_cap=device.read_cap,
               wna16=wna16, eager=s.enforce_eager, mbt=p.max_num_batched_tokens,
               padded_moe=_padded_moe(device, layout), moe_kernel=device.moe_kernel)
    stages = _stages(request, scheme, act_b, device.kv_b)

    # vLLM allocates KV blocks as tokens arrive: a request in flight holds its prompt and,
    # on average, half its output
    held = load.input_len + load.output_len // 2
    kv_limit = max(1, min(p.max_num_seqs, p.kv_cache_tokens // held)) * layout.dp
    conc = min(load.concurrency, kv_limit)
    per_replica = cdiv(conc, layout.dp)
    context = load.input_len + load.output_len / 2
    tpot_base, parts = _decode(ctx, stages, per_replica, context)
    prefill_s, marginal_s, chunks, softmax_s = _prefill(ctx, stages, load.input_len)
    others = per_replica - 1
    interference = coefficients.prefill_interference * others * marginal_s / load.output_len
    tpot = tpot_base + interference
    # the prefill rides in a step with the running decode batch (waiting for the current
    # step, then sharing one): one decode step on top, plus the prefill work queued ahead
    queue = tpot_base * (others > 0) + coefficients.queue_share * others * prefill_s
    ttft = coefficients.request_overhead_ms / 1e3 + prefill_s + queue \
        + coefficients.prompt_token_overhead_us * 1e-6 * load.input_len
    kv_wait = _kv_wait_s(load, kv_limit, ttft, tpot)
    per_request = 1 / tpot
    aggregate = conc / (tpot + ttft / load.output_len)
    allreduce = parts["allreduce"] * ctx.pp
    notes = []
    if conc < load.concurrency:
        notes.append(f"concurrency capped at {conc}: the KV cache holds {p.kv_cache_tokens:,} "
                     f"tokens per replica = {kv_limit // layout.dp} requests of {held:,} "
                     "(prompt + half the output, held on average); a client waits "
                     f"{kv_wait:,.1f} s for a slot on average (kv_wait, not in TTFT)")
    if wna16:
        notes.append(f"MoE experts run the Triton WNA16 fallback: expert reads x "
                     f"{WNA16_FALLBACK_SLOWDOWN} (estimate)")
    if layout.gpus > request.cluster.gpus_per_node:
        notes.append("the layout spans nodes: collectives are charged at the intra-node link "
                     "(the inter-node link is not modelled)")
    if s.num_speculative_tokens:
        notes.append(f"speculative decoding ({s.num_speculative_tokens} MTP draft tokens) is "
                     "not modelled: these figures decode one token per step without the draft "
                     "layer (with accepted drafts TPOT is lower)")
    terms = _speed_terms(ctx, stages, load, conc, kv_limit, per_replica, context, parts,
                         tpot_base, interference, prefill_s, marginal_s, chunks, tpot, ttft,
                         kv_wait, aggregate, softmax_s) if with_terms else []
    return SpeedEstimate(
        load=load, concurrency=conc, kv_limited_concurrency=kv_limit,
        kv_bound=conc < load.concurrency, ttft_ms=ttft * 1e3, tpot_ms=tpot * 1e3,
        kv_wait_ms=kv_wait * 1e3,
        output_tokens_per_s=aggregate, output_tokens_per_s_per_request=per_request,
        prefill_tokens_per_s=load.input_len / prefill_s, decode_step_ms=tpot_base * 1e3,
        prefill_ms=prefill_s * 1e3, allreduce_ms_per_step=allreduce * 1e3, kernel=ctx.family,
        link=ctx.link.kind, terms=terms, notes=notes,
    )


def _kv_wait_s(load: ServingLoad, kv_limit: int, ttft: float, tpot: float) -> float:
    """A client's mean wait for a KV slot when more clients than slots send requests.

    Closed loop (a benchmark client at concurrency C sends its next request when its last one
    ends): by Little's law C clients on S = kv_limit slots each spend C / S x a served
    request's time (TTFT + output x TPOT) in the server, so a request waits (C / S - 1) x
    that before its prefill starts, and each client gets S / C of a served request's tokens/s.
    Not added to TTFT: added, it raised bench/speed_accuracy.py's held-out TTFT error
    (median 24.9 -> 25.0 %, p90 81.6 -> 87.6 %; each refitted: 24.3 -> 24.6 %, 81.4 -> 87.5 %)
    because the runs' KV size is unknown: the CSV records no memory fraction, and S is the
    small difference of two large numbers (MiniMax-M2.5 FP8 on one B300, 8,192 in + 1,024
    out: 95,456 KV tokens at 0.90 = 10 slots, 152,048 at 0.95 = 17; measured at 16 clients,
    TTFT 524 ms: nobody waited)."""
    if load.concurrency <= kv_limit:
        return 0.0
    return (load.concurrency / kv_limit - 1) * (ttft + load.output_len * tpot)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


def _capped(ctx: _Ctx, rate: str, efficiency: float) -> str:
    """The read rate as a formula: (rate), or min(rate, measured read) where the cap binds."""
    if not _read_capped(ctx, efficiency):
        return f"({rate})"
    return f"min({rate}, {ctx.read_cap / 1e9:g} GB/s measured read)"


def _cap_note(ctx: _Ctx, efficiency: float) -> str:
    """Where the measured read rate binds, its source (the GPU preset's)."""
    if not _read_capped(ctx, efficiency):
        return ""
    return f"the GPU's measured read rate binds: {ctx.gpu.measured_read_source}"


def _speed_terms(ctx: _Ctx, stages, load, conc, kv_limit, per_replica, context, parts,
                 tpot_base, interference, prefill_s, marginal_s, chunks, tpot, ttft,
                 kv_wait, aggregate, softmax_s) -> list[Term]:
    """The speed figures with their formulas in the model's own numbers."""
    c = ctx.c
    s = max(stages, key=lambda st: st.dense_bytes + st.expert_bytes)
    eff, kv_eff = c.bandwidth_efficiency[ctx.family], c.kv_bandwidth_efficiency
    bw = f"{ctx.gpu.memory_bandwidth_gbps:,.0f} GB/s"
    micro = max(1.0, per_replica / ctx.pp)
    touched = moe_eff = ""
    if ctx.moe is not None:
        routed = math.ceil(micro * (ctx.dp if ctx.ep else 1))
        e, k = ctx.moe.num_experts, ctx.moe.experts_per_token
        slow = f" x {WNA16_FALLBACK_SLOWDOWN:g} WNA16 fallback" if ctx.wna16 else ""
        moe_eff = f"; experts at x {_expert_factor(ctx):.3f} of it"
        if math.isfinite(_marlin_rate(ctx)):
            moe_eff = (f"; experts at min(x {_expert_factor(ctx):.3f} of it, "
                       f"{c.marlin_moe_bytes_per_fp32_flop:g} B/FLOP x "
                       f"{ctx.gpu.fp32_tflops:g} FP32 TFLOP/s = "
                       f"{_marlin_rate(ctx) / 1e9:,.0f} GB/s, Marlin MoE's SM-bound rate)")
        moe_eff += f", MoE kernel {ctx.moe_kernel}"
        touched = (f" + {s.expert_bytes / 1e9:.3f} GB experts x (1 - (1 - {k}/{e})^{routed}) "
                   f"= {expected_experts_touched(e, k, routed):.1f} of {e} touched{slow}")
    msg = micro * ctx.hidden * ctx.act_b
    link = ctx.link
    chunk_msg = ctx.mbt * ctx.hidden * ctx.act_b
    _, _, ar_start, ar_bw = allreduce_rates(link, max(ctx.tp, 2), msg, c.link_efficiency)
    measured = measured_allreduce(link)
    ar_source = f"; all-reduce rates: {measured.source}" if measured else ""
    algorithms = "" if ctx.tp == 1 else (
        f"; decode: {allreduce_algorithm(link, ctx.tp, msg)}; a prefill chunk's {chunk_msg:,} B: "
        f"{allreduce_algorithm(link, ctx.tp, chunk_msg)}")
    sparse = (f" + {c.indexer_layer_overhead_us:g} us x {s.sparse_layers} indexer layers"
              if s.sparse_layers else "")
    moe_layers = (f" + {c.moe_layer_overhead_us:g} us x {s.moe_layers} MoE layers"
                  if s.moe_layers else "")
    padding = []
    if ctx.padded_moe and ctx.moe is not None:
        one_expert = s.expert_params_per_token / ctx.moe.experts_per_token
        padding = [_term(
            "decode_moe_padding", "Decode: padded MoE rows per stage step",
            parts["moe_padding"] * 1e3, "ms",
            f"2 x {one_expert / 1e9:.4f} G params (this GPU's routed-expert parameters / "
            f"{ctx.moe.num_experts}) x {ctx.moe.num_experts} experts x "
            f"{DEEPGEMM_ALIGN_ROWS - 1} padding rows / "
            f"({ctx.peak_flops / 1e12:,.0f} TFLOP/s x {c.compute_efficiency:.3f}) = "
            f"{_ms(parts['moe_padding'])}",
            "block-FP8 MoE on vLLM 0.12-0.14: DeepGEMM's grouped GEMM pads every expert to "
            "128 rows (deep_gemm_utils.py compute_aligned_M), added to the step")]
    return [
        _term("kv_limited_concurrency", "KV-limited concurrency", kv_limit, "requests",
              f"min(max_num_seqs, KV tokens // ({load.input_len:,} in + {load.output_len:,} / 2 "
              f"out held on average)) x DP {ctx.dp} = {kv_limit}; served {conc} of "
              f"{load.concurrency} asked",
              "the KV cache binds" if conc < load.concurrency else ""),
        _term("decode_weights", "Decode: weight read per stage step", parts["weights"] * 1e3,
              "ms", f"({s.dense_bytes / 1e9:.3f} GB dense{touched}) / "
              f"{_capped(ctx, f'{bw} x {eff:.3f} {ctx.family} efficiency{moe_eff}', eff)} = "
              f"{_ms(parts['weights'])}", _cap_note(ctx, eff)),
        _term("decode_kv", "Decode: KV read per stage step", parts["kv"] * 1e3, "ms",
              f"{micro:.0f} seqs x {context:,.0f} tokens x {s.kv_bytes_per_token:,} B / "
              f"{_capped(ctx, f'{bw} x {kv_eff:.3f}', kv_eff)} = {_ms(parts['kv'])}",
              _cap_note(ctx, kv_eff)),
        _term("decode_compute", "Decode: compute per stage step", parts["compute"] * 1e3, "ms",
              f"2 x ({s.dense_params / 1e9:.3f} + {s.expert_params_per_token / 1e9:.3f} "
              f"expert / {_expert_compute(ctx):.3f}) G params x {micro:.0f} tokens "
              f"(+ attention at {ctx.attn_flops / 1e12:,.0f}) / ({ctx.peak_flops / 1e12:,.0f}"
              f" TFLOP/s x {c.compute_efficiency:.3f}) = {_ms(parts['compute'])}"),
        *padding,
        _term("allreduce", "TP all-reduce (+ EP all-to-all) per stage step",
              parts["allreduce"] * 1e3, "ms",
              f"2 x {s.layers} layers x [{ar_start} + ({ctx.tp} - 1)/{ctx.tp} x 2 x "
              f"{msg:,.0f} B / {ar_bw}] = {_ms(parts['allreduce'])}",
              f"{link.kind}: {link.formula}{ar_source}{algorithms}"),
        _term("step_overhead", "Fixed overhead per stage step", parts["overhead"] * 1e3, "ms",
              f"{c.step_overhead_us:g} us / PP {ctx.pp} + {c.layer_overhead_us:g} us x "
              f"{s.layers} layers{moe_layers}{sparse}{' x eager factor' if ctx.eager else ''} = "
              f"{_ms(parts['overhead'])}"),
        _term("decode_step", "Decode step (whole pipeline)", tpot_base * 1e3, "ms",
              f"max(sum over {ctx.pp} stage(s), min(sequences, PP) x slowest stage) of "
              f"[max(weights + KV, compute) + all-reduce"
              f"{' + padded MoE rows' if padding else ''} + overhead] + {ctx.pp - 1} stage "
              f"hops = {_ms(tpot_base)}"),
        _term("prefill", "Prefill of one request", prefill_s * 1e3, "ms",
              f"{chunks} chunk(s) of <= {ctx.mbt:,} tokens of {load.input_len:,}, each "
              f"max(2 x active params x tokens at {ctx.peak_flops / 1e12:,.0f} TFLOP/s (experts"
              f" x {_expert_compute(ctx):.3f}; the lm_head on one token per chunk) + causal "
              f"attention at {ctx.attn_flops / 1e12:,.0f} TFLOP/s, all x "
              f"{c.compute_efficiency:.2f}, + softmax {_ms(softmax_s)}; weight read) + "
              f"all-reduce through {ctx.pp} stage(s) = {_ms(prefill_s)}"),
        _term("prefill_softmax", "Prefill: softmax exponentials", softmax_s * 1e3, "ms",
              f"{load.input_len:,} tokens x keys seen (causal, capped by sliding windows and "
              f"sparse top-k) x query heads per GPU, summed over layers and chunks, / "
              + (f"{ctx.exp_rate / 1e12:.3g}e12 exp/s (FP32 TFLOP/s / 16: 16 SFU exponentials "
                 f"per SM per clock) = {_ms(softmax_s)}" if math.isfinite(ctx.exp_rate)
                 else "(no FP32 figure for this GPU: left out) = 0 ms"),
              "P.V waits for the softmax (NVIDIA, 'Making Softmax More Efficient with NVIDIA "
              "Blackwell Ultra'): the exponentials add to the attention GEMMs"),
        _term("prefill_marginal", "Prefill work one request adds to a busy step",
              marginal_s * 1e3, "ms",
              f"compute + all-reduce of {load.input_len:,} tokens (no weight re-read) on the "
              f"busiest stage = {_ms(marginal_s)}"),
        _term("ttft", "Time to first token (a served request)", ttft * 1e3, "ms",
              f"{c.request_overhead_ms:g} ms request overhead + "
              f"{c.prompt_token_overhead_us:g} us x {load.input_len:,} prompt tokens + "
              f"{_ms(prefill_s)} prefill + "
              f"{'one decode step ' + _ms(tpot_base) + ' + ' if per_replica > 1 else ''}"
              f"{c.queue_share:.3g} x {per_replica - 1} others x {_ms(prefill_s)} prefill "
              f"queued ahead = {_ms(ttft)}",
              "the per-prompt-token time is fitted (BLIS's alpha1 form): host work such as "
              "tokenization explains part of it, the rest is prefill time the roofline misses"),
        _term("kv_wait", "Wait for a KV slot (before TTFT starts)", kv_wait * 1e3, "ms",
              f"({load.concurrency} clients / {kv_limit} slots - 1) x ({_ms(ttft)} TTFT + "
              f"{load.output_len:,} output x {_ms(tpot)} TPOT) = {_ms(kv_wait)}"
              if kv_wait else f"{load.concurrency} client(s) <= {kv_limit} KV slots: none "
              "waits = 0 ms",
              "closed loop (each client sends its next request when its last ends): by "
              "Little's law a request spends clients / slots x its served time in the server; "
              f"a client's first token comes after {_ms(kv_wait + ttft)} and its tokens/s is "
              f"{aggregate / load.concurrency:,.2f} (all requests' / clients); not in TTFT "
              "(unvalidated: the calibration runs' KV size is unknown)" if kv_wait else ""),
        _term("tpot", "Time per output token", tpot * 1e3, "ms",
              f"{_ms(tpot_base)} decode step + {c.prefill_interference:.3f} x "
              f"{per_replica - 1} others x {_ms(marginal_s)} / {load.output_len:,} output "
              f"tokens ({_ms(interference)}) = {_ms(tpot)}"),
        _term("output_tokens_per_s", "Output tokens/s (all requests)", aggregate, "tok/s",
              f"{conc} requests / ({_ms(tpot)} + {_ms(ttft)} / {load.output_len:,}) = "
              f"{aggregate:,.1f} tok/s"),
    ]


SPEED_KEYS = ("ttft_ms", "tpot_ms", "output_tokens_per_s", "output_tokens_per_s_per_request",
              "prefill_tokens_per_s")
"""The plan JSON's speed keys (a contract: add, never rename)."""


def speed_fields(est: SpeedEstimate | None) -> dict:
    """The speed keys of `python -m planner plan --json`: each figure, `speed_terms` (each term
    with `name`, its formula and value) and `speed` (the whole estimate); null without one."""
    if est is None:
        return {**dict.fromkeys(SPEED_KEYS), "speed_terms": None, "speed": None}
    return {
        **{key: getattr(est, key) for key in SPEED_KEYS},
        "speed_terms": [{"name": t.key, **t.model_dump(mode="json")} for t in est.terms],
        "speed": est.model_dump(mode="json", exclude={"terms"}),
    }
