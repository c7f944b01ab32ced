"""The speed model's fitted coefficients (SpeedCoefficients, FITTED) and its estimated
constants: the efficiencies, overheads and queueing shares, fitted by bench/speed_accuracy.py
on ../shared/calibration/perf-silicon-aic.csv; everything else is physics.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from planner.serving.hardware import GPU_PRESETS, GpuSpec
from planner.serving.speed.kernels import KernelFamily, MoeKernel


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
    layer_overhead_us: float = Field(ge=0)
    """Per layer per step: kernel launches and small ops a CUDA graph still replays."""
    moe_layer_overhead_us: float = Field(default=0.0, ge=0)
    """Per MoE layer per step on top: the kernels a fused-MoE layer runs that a dense MLP does
    not (vLLM fused_moe.py fused_experts_impl: router top-k, the activation quantisation,
    moe_align_block_size's sort of (token, expert) pairs, the second quantisation and
    ops.moe_sum's combine of the k expert outputs), each a launch-latency-bound kernel."""
    moe_kernel_layer_overhead_us: dict[MoeKernel, float] = Field(default_factory=dict)
    """moe_layer_overhead_us of the MoE kernel families with their own figure (moe_kernel); a
    family missing here takes moe_layer_overhead_us. DeepGEMM's MoE (deepgemm-moe) runs more
    small kernels per layer than Triton's fused_moe (deep_gemm_moe.py DeepGemmExperts.apply:
    the ep_scatter permute, a per-token-group FP8 quantisation of the activation between the
    two grouped GEMMs, the ep_gather unpermute)."""
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
    sequence_step_overhead_us: float = Field(default=0.0, ge=0)
    """Per running sequence per decode step, added to the step: the serving engine's host
    (CPU) work for each request every step (step.sequence_host_s). 0 in FITTED, not fitted:
    vLLM's rows place next to nothing there (2 us a sequence lowers the fit loss by 0.00003,
    5 us raises it; 2026-12-06). SGLang's rows read with 20 us (bench/speed_accuracy.py
    SGLANG_SEQUENCE_STEP_US: its scheduler, detokenizer and tokenizer manager handle every
    running request each step in Python)."""
    queue_share: float = Field(ge=0, le=1)
    """Share of the other C - 1 requests' prefills a new request waits behind, each a whole
    prefill as it runs alone (0: none ever waits; 0.5: all arrive at once and queue, as at a
    benchmark's start; a run of R rounds whose first round arrives at once: 1 / (2 R))."""
    prefill_interference: float = Field(ge=0, le=1)
    """Share of the other requests' prefill work (compute and all-reduce) that lands inside
    one request's decode steps."""
    source: str


FITTED = SpeedCoefficients(
    bandwidth_efficiency={"bf16": 0.9, "fp8": 0.865, "fp4": 0.9, "weight-only": 0.9},
    expert_bandwidth_factor=0.901,
    moe_kernel_bandwidth_factor={"flashinfer-trtllm-mxfp4": 1.0},
    moe_kernel_compute_factor={"flashinfer-trtllm-mxfp4": 1.2, "triton-mxfp4": 0.374},
    moe_kernel_layer_overhead_us={"deepgemm-moe": 49.8},
    marlin_moe_bytes_per_fp32_flop=0.0395,
    kv_bandwidth_efficiency=0.707,
    compute_efficiency=0.636,
    expert_compute_factor=0.233,
    link_efficiency=0.8,
    layer_overhead_us=55.2,
    moe_layer_overhead_us=23.0,
    indexer_layer_overhead_us=79.7,
    request_overhead_ms=19.1,
    prompt_token_overhead_us=4.99,
    queue_share=0.0784,
    prefill_interference=1.0,
    source="refit 2026-12-05 by `python bench/speed_accuracy.py --fit` (6.5 min at load 3.5) on "
    "the 846 fit rows of the split, Qwen3.5-397B-A17B's 134 among them (planned since its "
    "config joined the catalog, d5e6037f; the fit before had 712), each MoE layer waiting for "
    "the busiest EP rank's share of the routed experts (40936746): fp8 bandwidth 0.9 -> 0.865, "
    "Marlin MoE 0.0403 -> 0.0395 B per FP32 FLOP, expert compute factor 0.238 -> 0.2333, "
    "per-layer overhead 56.3 -> 55.20 us, MoE layer 23.5 -> 23.04 us, DeepGEMM MoE layer 50.8 "
    "-> 49.80 us, indexer 81.3 -> 79.71 us, request 19.9 -> 19.13 ms, prompt token 4.89 -> "
    "4.988 us, SGLang's request overhead 184 -> 211.6 ms and queue share 0.102 -> 0.097; the "
    "rest did not move; rounded to 3 digits (0.865, 0.0395, 0.233, 55.2, 23.0, 49.8, 79.7, "
    "19.1, 4.99; SGLang 212, 0.097). Fit loss 0.2148 -> 0.2144 (0.21481 -> 0.21441 at the "
    "rounded figures); held-out (359 rows) TPOT median 9.66 -> 9.80 %, TTFT 16.71 -> 15.04 %. "
    "bf16 stays at 0.9 (not fitted: no 16-bit row; FITTED's docstring). Before it, "
    "refit 2026-12-05 by `python bench/speed_accuracy.py --fit` (12.5 min at load 3-11) "
    "on the 712 fit rows left once the bench dropped the MiniMax-M2.5 FP8 series vLLM 0.18.0 "
    "refuses at TP=8 without EP (12 of the 724 it was fitted on before; de973bc6), with B300's "
    "rows at its 2,032 MHz clock (scaled by 1980/2032 since 2026-12-05, fitted at 1 before): "
    "expert compute factor 0.233 -> 0.23766, request 19.5 -> 19.89 ms, rounded to 3 digits "
    "(0.238, 19.9); no other coefficient moved, SGLang's neither (fit loss 0.2021 -> 0.2021 in "
    "the fit's own 4 digits; 0.20207 -> 0.20205 at the rounded figures). Before it, "
    "2026-12-05: the per-step overhead (step_overhead_us, 0.0002 us after fitting to "
    "~0 three refits in a row) dropped from the model, and `python bench/speed_accuracy.py "
    "--fit` rerun without it: no coefficient moved (fit loss 0.2012 -> 0.2012; held-out "
    "figures unchanged). Before it: refit 2026-12-04 by `python bench/speed_accuracy.py "
    "--fit` (every coefficient the "
    "fit moves, from the figures below; fit loss 0.2015 -> 0.2012) on the 724 fit rows of "
    "../shared/calibration/perf-silicon-aic.csv (H100/H200/B200/B300, vLLM and SGLang), after "
    "the bench's split began to key on the model's identity (DeepSeek-V3 is DeepSeek-R1: 30 "
    "configurations had been fitted under one name and held out under the other) and to keep a "
    "measurement listed under both names once: expert bandwidth factor 0.883 -> 0.901, DeepGEMM "
    "MoE per-layer overhead 49.8 -> 50.8 us, KV bandwidth 0.721 -> 0.707, step overhead 0.008 "
    "-> 0.0002 us (the rows barely constrain it beside the per-layer overhead), MoE layer 23.0 "
    "-> 23.5 us, request 19.1 -> 19.5 ms, prompt token 4.99 -> 4.89 us; the rest as fitted "
    "before. The fit before it (2026-12-04, 773 fit rows, fit loss 0.2100 -> 0.2083), after the "
    "bench began to plan each attention-DP row at batch_size x attention_dp_size sequences (the "
    "rows' batch is per DP rank; d0465ad): expert bandwidth factor 0.866 -> 0.883, Triton "
    "MXFP4 MoE compute factor 0.377 -> 0.374, DeepGEMM MoE per-layer overhead 45.6 -> 49.8 us, "
    "Marlin MoE 0.0376 -> 0.0403 B per FP32 FLOP, KV bandwidth 0.742 -> 0.721, compute 0.662 -> "
    "0.636, expert compute factor 0.224 -> 0.233, step overhead 0.319 -> 0.008 us, "
    "per-layer 60.3 -> 56.3 us, MoE layer "
    "17.1 -> 23.0 us, indexer 82.0 -> 81.3 us, request 18.7 -> 19.1 ms, prompt token 5.34 -> "
    "4.99 us, queue share 0.08 -> 0.0784. Earlier fits: the NVLink custom all-reduce's start-up "
    "as its measured line in the peers (collectives.NVLINK_AR_START_US), the request waiting 2 "
    "decode steps under vLLM 0.14+'s async scheduling (step.steps_ahead), DeepGEMM's MoE "
    "overhead on its own fit rows (MiniMax-M2.5 on B200, vLLM 0.17.0, "
    "kernels.DEEPGEMM_FLOAT32_ROUTER_MOE), the MoE kernel families (moe_kernel) and the tensors "
    "vLLM replicates on every TP rank counted whole in the compute terms "
    "(weights.rank_dense_params). bf16 not fitted: no row carries 16-bit weights (every one is "
    "FP8, NVFP4, MXFP4 or int4), set 2026-12-01 to the 0.9 the dense FP8 rows fit (it was a "
    "0.75 start value the fit could not move; see FITTED's docstring); fp8 at the 0.9 bound "
    "until the refit on the 846 fit rows; "
    "weight-only not fitted (its only rows, Kimi-K2.5 int4 MoE, would set every consumer "
    "GPTQ/AWQ figure) and held at the 0.9 bound like fp4; FlashInfer's TRT-LLM MXFP4 MoE at its "
    "physical bounds (experts read at 0.9 of the bandwidth, multiplied at 0.636 x 1.2 = 0.76 of "
    "the BF16 peak); link_efficiency 0.8 is an estimate (no PCIe rows; NVLink 4/5 use the "
    "measured NVLINK_ALLREDUCE rates); rounded to 3 digits (the step overhead, since dropped, to "
    "0.0002)",
)
"""The coefficients the planner uses (see bench/speed_accuracy.py for the fit and its error).
bf16: 16-bit weights are read at 0.9, the fp8 rows' fitted figure from 2026-12-01 until the
refit of 2026-12-05 on the 846 fit rows (0.865 since; bf16 not refitted with it): a decode GEMM
streams its weights at the memory's rate whatever their width, and no calibration row carries
16-bit weights to say otherwise (the bench prints the same figures at 0.75 and 0.9). The 0.75
start it replaced over-estimated TPOT by 13-29 % on every dense BF16 run at TP=1 that
bench/public_speed.py checks (RTX 4090/5090, RTX A6000, A100 40GB, GH200), so those runs found
this figure and no longer test it independently; GH200's own profile of one of them streams
weights at 0.87 of its datasheet bandwidth (docs/accuracy-speed.md).
Weight-only 0.9 is not fitted: its source is Marlin's own kernel timings (the PPoPP 2025
paper's artifact, IST-DASLab/marlin_artifact result/marlin.csv: one A10, ECC off, group 128,
seconds per call and speedup over PyTorch's FP16 matmul). Bytes as its bench.py counts them
(k x n / 2 of int4 weights, 2 x (k / 128) x n of scales, the FP16 activations and output)
over the time and the 600 GB/s datasheet: the 73,728 x 18,432 matrix at batch 1 / 16 / 32
streams at 0.965 / 0.961 / 0.957 (compute-bound from 64: 0.77); the five models' layer sets at
batch 16 at 0.83 (Llama-7B) / 0.91 / 0.92 / 0.93 / 0.94 (Falcon-180B), median 0.92, each
+-1-2 % for the CSV's 5-decimal seconds. FP16 matmul on the same shapes (time x speedup)
streams at 0.88-0.97, so Marlin reads at 0.94-1.01 of the 16-bit GEMM's rate (median 1.00):
weight-only takes bf16's 0.9 (0.92 is within the rounding and above the 0.9 cap).
Kimi-K2.5's int4 MoE rows (Marlin MoE, another kernel) run slower than it
(bench/speed_accuracy.py, group kimi-k2)."""


FITTED_ON = ("fitted by bench/speed_accuracy.py --fit on the fit rows of "
             "../shared/calibration/perf-silicon-aic.csv (H100/H200/B200/B300 SXM, vLLM and "
             "SGLang serving)")
"""Where FITTED's coefficients come from, as the speed terms' notes name it."""

EFFICIENCY_BASIS: dict[KernelFamily, str] = {
    "bf16": "not fitted (no 16-bit calibration row): the fp8 rows' fitted figure until "
            "2026-12-05 (0.865 since)",
    "fp8": "fitted",
    "fp4": "fitted",
    "weight-only": "not fitted: Marlin's own kernel timings (IST-DASLab/marlin_artifact "
                   "result/marlin.csv, median 0.92), capped at 0.9",
}
"""How each kernel family's bandwidth efficiency in FITTED was set (FITTED's docstring)."""


REFERENCE_CLOCK_MHZ = 1980.0
"""The boost clock of the H100, H200 and B200 calibration GPUs (not B300's, below), the clock
FITTED's per-layer overheads (layer_overhead_us, moe_layer_overhead_us,
indexer_layer_overhead_us) were fitted at; on another GPU they scale by REFERENCE_CLOCK_MHZ /
its GpuSpec.boost_clock_mhz (step._overhead_s).
H100 SXM 1,980 MHz (NVIDIA's H100 specifications); H200 1,980 MHz (the same GH100 die and
67 FP32 TFLOPS); B200 1,980 MHz (148 SMs x 128 x 2 x 1.98 GHz = NVIDIA's 75 FP32 TFLOPS;
hmc-tech.com's specifications). B300 boosts at 2,032 MHz (AWS's EC2 guide, 'P6-B300 instances:
sudo nvidia-smi -ac 3996,2032'; a B300 SXM6 AC's nvidia-smi -q; NVIDIA publishes none), found
after FITTED was fitted with its rows at this clock (factor 1): they scale by 1980/2032 =
0.974 (held-out B300 TPOT median 11.5 -> 10.7 %; fit rows 7.4 -> 7.5 %), and the refit of
2026-12-05 (FITTED.source) was fitted with them so (see hardware/presets.py, each preset's
notes)."""

REFERENCE_CLOCK_TEXT = "the H100/H200/B200 boost clock the overheads were fitted at"
"""What REFERENCE_CLOCK_MHZ is, as the step_overhead term names it (not every calibration
GPU's: B300 boosts at 2,032 MHz; a test checks the presets)."""


CALIBRATION_GPUS = ("h100-sxm", "h200", "b200", "b300")
"""The presets of the fit rows (FITTED's source)."""

CALIBRATION_GEMM_RATIO = sum(GPU_PRESETS[k].gemm_ratio for k in CALIBRATION_GPUS) / len(
    CALIBRATION_GPUS)
"""The calibration GPUs' mean measured large-GEMM rate over their datasheet dense BF16 rate
(GpuSpec.gemm_ratio): (794.5 / 989.4 x 2 + 1,745 / 2,250 + 1,769 / 2,250) / 4 = 0.792.
FITTED.compute_efficiency mixes this (the tensor cores' clock and power limit on those parts)
with how far vLLM's GEMMs get below a large matmul; gemm_factor splits the two."""


def gemm_factor(gpu: GpuSpec) -> float:
    """What the fitted compute efficiency is multiplied by on `gpu`: its measured large-GEMM
    rate over its datasheet (GpuSpec.gemm_ratio) / CALIBRATION_GEMM_RATIO, so the fit keeps its
    meaning (the fraction of a real large GEMM's rate vLLM reaches, as on the calibration
    GPUs); 1 without a measurement (the datasheet x the fitted efficiency, as before). The
    BF16 figure stands for every format: the clock and power limit it measures bind them alike
    (an assumption; only the datacenter parts have FP8 figures in the same table)."""
    ratio = gpu.gemm_ratio
    return 1.0 if ratio is None else ratio / CALIBRATION_GEMM_RATIO


EAGER_LAYER_OVERHEAD_FACTOR = 3.0
"""--enforce-eager: no CUDA graphs, each layer's kernels are launched from Python. ESTIMATE
(unverified; no eager runs in the calibration data)."""


class PiecewiseLayerCost(NamedTuple):
    """What a decode step of piecewise CUDA graphs costs beyond one of full decode graphs, per
    layer (each layer's attention is a splitting op: vLLM replays the graph pieces around it
    and launches the attention's kernels from Python), as one A/B on one vLLM build measured
    it: TPOT median piecewise - with full decode graphs, over the model's layers."""
    us: float
    source: str


PIECEWISE_LAYER_COST = PiecewiseLayerCost(
    14.3, "vLLM PR #20059 (fhl2000, 2025-06-29; FlashAttention 2): Qwen2.5-1.5B-Instruct, "
    "28 layers, ShareGPT at 1 request/s, TPOT median 5.42 ms piecewise against 5.02 with full "
    "decode graphs (its 'full cg + piecewise fg', what FULL_AND_PIECEWISE runs): 0.40 ms / 28 "
    "= 14.3 us (the GPU is not restated there; the same author's PR #20050 ran on an A100 40GB)")
"""vLLM 0.9.1-0.10.x (piecewise CUDA graphs only, vllm_versions.FULL_GRAPHS_FROM) and
FLEX_ATTENTION on 0.11.0 (startup.attention_backend.flex_decodes_piecewise). Measured
with FlashAttention 2, whose decode issues two kernels outside the graphs
(reshape_and_cache_flash, the attention); TRITON_ATTN issues three (its KV write,
kernel_unified_attention_3d, reduce_segments), so the figure is a floor there. Not scaled
by the SM clock (step._overhead_s scales the fitted overheads): part of it is the host's."""

TRITON_MLA_PIECEWISE_LAYER_COST = PiecewiseLayerCost(
    50.8, "vLLM PR #42885 (2026-05-17): Kimi-K2.6, 61 layers, on 8x A100 at TP=8, 1k in / 1k "
    "out, 32 prompts 16 at a time, TPOT median 32.0 ms with TRITON_MLA piecewise against 28.9 ms "
    "once TritonMLAMetadataBuilder allowed full decode graphs: 3.1 ms / 61 = 50.8 us")
"""MLA on TRITON_MLA before vLLM 0.22 (engine.triton_mla_piecewise; on 0.9.1-0.10.x,
engine.on_triton_mla, where every backend decodes piecewise): its decode issues some
ten kernels outside the graphs (mla_attention.py forward_impl, 0.16.0: concat_and_cache_mla,
the W_UK bmm, the query's cat, two zeros, decode_attention_fwd's two Triton stages, the W_UV
bmm and its two copies). Measured on A100s; not scaled by the SM clock."""


WNA16_FALLBACK_SLOWDOWN = 1.5
"""MoE layers that fall back from Marlin MoE to the Triton MoE WNA16 kernel read their
experts this much slower. ESTIMATE (unverified; no such runs in the calibration data)."""
