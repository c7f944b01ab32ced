"""The per-step time model: one decode or prefill step of one pipeline stage (weights, KV,
compute, collectives, overheads), the pipeline around it and a request's chunked prefill.

- decode step of one pipeline stage at B tokens = max(memory time, compute time)
  + TP all-reduce + fixed overhead (its per-layer part x the calibration clock / the GPU's
  SM clock: _overhead_s), where memory time = (dense weights + routed experts x
  the expected fraction a step touches, 1 - (1 - k/E)^B; with EP the busiest rank's expected
  share of the experts it holds, routing.busiest_rank_touched) / (bandwidth x efficiency of
  the kernel family) + (KV bytes read + 2 x the recurrent state of a hybrid's Gated DeltaNet /
  Mamba layers, read and written back per sequence: _state_bytes) / (bandwidth x KV
  efficiency), compute time = (2 x dense parameters per rank x B + 2 x routed-expert
  parameters x B (with EP x the busiest rank's (token, expert) pairs / the mean rank's,
  routing.busiest_rank_pairs) / the MoE compute factor) /
  dense TFLOP/s of the compute format (a ModelOpt MIXED_PRECISION checkpoint's dense part and
  lm_head at their own formats': context._part_tflops) + attention FLOPs / 16-bit TFLOP/s
  (+ a sparse-attention indexer's at FP8), all / the compute efficiency, + softmax
  exponentials (one per query head per key) / the GPU's SFU rate (FP32 TFLOP/s / 16);
  sliding-window layers attend to at most their window and sparse-attention (DSA) layers to
  at most index_topk tokens (these add an indexer overhead per layer); a prefill chunk runs
  the lm_head on its last token only;
- host work per running sequence per decode step (sequence_host_s: 0 for vLLM; SGLang's
  scheduler, detokenizer and tokenizer manager handle every request each step in Python),
  added once per step;
- pipeline: a token passes every stage in turn, plus one hop between stages; PP stages
  work on PP micro-batches at once, so PP raises throughput, not single-request speed
  (TPOT = max(sum of the stages, min(sequences, PP) x the slowest stage));
- prefill of one request in chunks of max_num_batched_tokens, each chunk compute-bound
  (2 x active params x tokens + the causal attention term) or weight-read bound;
- speculative decoding (speed.drafting): a verify step is a decode step of k + 1 tokens a
  sequence; the drafter's k passes (the first over the step's tokens, the rest one token a
  sequence) are each a step of the drafter's Stage on the last stage's GPU (draft_estimate);
  each prefill chunk's step runs the first pass, the last chunk's (every chunk's before vLLM
  0.33.0 and on Model Runner V1: proposes_every_chunk) the later ones too (draft_prefill).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from planner.model.attention import cdiv
from planner.serving.hardware import GpuSpec
from planner.serving.speed.coefficients import (
    EAGER_LAYER_OVERHEAD_FACTOR,
    PIECEWISE_LAYER_COST,
    REFERENCE_CLOCK_MHZ,
    TRITON_MLA_PIECEWISE_LAYER_COST,
    WNA16_FALLBACK_SLOWDOWN,
    PiecewiseLayerCost,
)
from planner.serving.speed.collectives import (
    all_to_all_s,
    allreduce_s,
    gather_s,
    nccl_gather_s,
    pipeline_hops_s,
    sequence_parallel_shard,
)
from planner.serving.speed.context import Context
from planner.serving.speed.drafting import DraftPasses
from planner.serving.speed.kernels import DEEPGEMM_ALIGN_ROWS
from planner.serving.speed.lora_cost import LoraStage, PrefillLora, lora_step_s, lora_work
from planner.serving.speed.routing import (
    busiest_rank_pairs,
    busiest_rank_touched,
    expected_experts_touched,
    experts_held,
)
from planner.serving.speed.stages import IndexerSkip, Stage
from planner.serving.vllm_versions import (
    ASYNC_SCHEDULING_FROM,
    DRAFTS_SKIPPED_FROM,
    DSV4_INDEXER_GRAPH_SCORES_FROM,
    DSV4_INDEXER_SKIPS_SHORT_FROM,
    SP_MOE_CHUNK,
    SP_MOE_EVERY,
    SP_MOE_SCATTER,
)


def moe_kernels_launched(ctx: Context) -> bool:
    """Whether vLLM itself launches fused_experts_impl's extra kernels (router top-k, the
    moe_align_block_size sort, moe_sum) that moe_layer_overhead_us stands for. Not on
    FlashInfer's TRT-LLM MoE kernels: vLLM hands them the router logits and FlashInfer routes,
    runs both GEMMs and finalizes in one call (quantization/mxfp4.py apply, 0.15.0:
    trtllm_fp4_block_scale_moe(router_logits, ..., routing_method_type, do_finalize=True);
    the "Monolithic" TRT-LLM experts of fused_moe/experts/, 0.33.0 and 0.34.0)."""
    return not ctx.moe_kernel.startswith("flashinfer-trtllm")


def moe_layer_us(ctx: Context) -> float:
    """The per-MoE-layer overhead of the plan's MoE kernel family (its own figure where
    SpeedCoefficients.moe_kernel_layer_overhead_us has one, else moe_layer_overhead_us)."""
    return ctx.c.moe_kernel_layer_overhead_us.get(ctx.moe_kernel, ctx.c.moe_layer_overhead_us)


def clock_factor(gpu: GpuSpec) -> float:
    """REFERENCE_CLOCK_MHZ / the GPU's boost clock; 1 without one (a custom GPU, a preset
    whose clock no source gives: 1,980 MHz assumed, the H100/H200/B200 boost clock the
    overheads were fitted at)."""
    return REFERENCE_CLOCK_MHZ / gpu.boost_clock_mhz if gpu.boost_clock_mhz else 1.0


def _overhead_s(ctx: Context, stage: Stage) -> float:
    """Per-step overhead of one stage: the per-layer terms x the clock factor (clock_factor).
    No per-step term: a fitted per-step host time (scheduling, sampling, input preparation),
    divided over the PP stages, fitted to 0 three times in a row (0.319 -> 0.008 -> 0.0002 us,
    coefficients.FITTED's source): the calibration rows do not place any time there beside
    the per-layer overhead, so it was dropped (2026-12-05) rather than shown as a 0.

    The per-layer terms are, with CUDA graphs, the GPU time of the small kernels each layer
    runs (norms, RoPE, quantisation, router top-k, sort, combine), each bound by its launch and
    a roughly fixed number of cycles, not by bandwidth or FLOPs: their time goes as 1 / the SM
    clock. The H100/H200/B200 calibration rows run at REFERENCE_CLOCK_MHZ, so the fit cannot see
    this (B300's rows, at 2,032 MHz, are scaled since 2026-12-05, and FITTED was refit so the
    same day: coefficients.FITTED.source); the
    scaling is taken from the residuals of the public runs (bench/public_speed.py: A100 at
    1,410 MHz predicted too fast, RTX 5090 at 2,407 MHz too slow), which therefore no longer
    test it independently. The per-request term (in TTFT) is host (CPU) time: unscaled."""
    eager = EAGER_LAYER_OVERHEAD_FACTOR if ctx.eager else 1
    per_layer = ctx.c.layer_overhead_us * stage.layers \
        + moe_layer_us(ctx) * stage.moe_layers * moe_kernels_launched(ctx) \
        + ctx.c.indexer_layer_overhead_us * stage.sparse_layers
    return eager * per_layer * clock_factor(ctx.device.gpu) * 1e-6


def piecewise_layer_cost(ctx: Context) -> PiecewiseLayerCost | None:
    """The measured per-layer cost of decoding with piecewise CUDA graphs where vLLM captures
    no full decode graphs for this plan: MLA on TRITON_MLA, before 0.22 (Device.mla_piecewise)
    or on a release of piecewise graphs only (Device.triton_mla: the same attention outside the
    graphs), TRITON_MLA's figure; every other backend before 0.11 (VllmRules.full_graphs) and
    FLEX_ATTENTION on 0.11.0 (Device.flex_piecewise), the FlashAttention 2 one; None with full
    decode graphs and under --enforce-eager (no graphs at all: EAGER_LAYER_OVERHEAD_FACTOR)."""
    dev = ctx.device
    if ctx.eager:
        return None
    if dev.mla_piecewise or (dev.triton_mla and not dev.rules.full_graphs):
        return TRITON_MLA_PIECEWISE_LAYER_COST
    return PIECEWISE_LAYER_COST if dev.flex_piecewise or not dev.rules.full_graphs else None


def _piecewise_s(ctx: Context, stage: Stage) -> float:
    """A decode step's piecewise cost on one stage: piecewise_layer_cost x its layers, each
    layer's attention a splitting op (0 with full decode graphs). Decode only: prefill and
    mixed steps run the piecewise graphs on every release, FULL_AND_PIECEWISE included, so
    the fitted overheads hold them already."""
    cost = piecewise_layer_cost(ctx)
    return 0.0 if cost is None else cost.us * stage.layers * 1e-6


def indexer_skip(ctx: Context, prefill: bool) -> IndexerSkip:
    """When DeepSeek-V4's indexer skips scoring in a step: never before the short-context skip
    (vllm_versions.DSV4_INDEXER_SKIPS_SHORT_FROM); in a decode step replayed from a full CUDA
    graph (neither eager nor piecewise_layer_cost) as the capture recorded it, every step
    scoring from DSV4_INDEXER_GRAPH_SCORES_FROM and none before it; run eagerly (a prefill
    chunk, eager, piecewise decode), while the compressed entries number at most top-k."""
    version = ctx.device.rules.version
    if version < DSV4_INDEXER_SKIPS_SHORT_FROM:
        return "never"
    if not prefill and not ctx.eager and piecewise_layer_cost(ctx) is None:
        return "never" if version >= DSV4_INDEXER_GRAPH_SCORES_FROM else "always"
    return "short"


def _kv_read_bytes(stage: Stage, contexts: float, tokens_ctx: float, skip: IndexerSkip
                  ) -> float:
    """KV bytes one step reads for `contexts` sequences of `tokens_ctx` context each: the
    full-attention bytes a token x the context, each window's, and DeepSeek-V4's compressed
    entries and indexer keys (stages.CompressedRead.read_bytes; `skip`: the step's
    indexer_skip)."""
    window = sum(per * min(tokens_ctx, w) for w, per in stage.window_kv) \
        if stage.window_kv else 0
    compressed = sum(layer.read_bytes(tokens_ctx, skip)
                     for layer in stage.compressed_kv) if stage.compressed_kv else 0
    return contexts * (stage.kv_bytes_per_token * tokens_ctx + window + compressed)


def _state_bytes(stage: Stage, seqs: float) -> float:
    """Recurrent-state bytes one step moves for `seqs` sequences: each sequence's fixed state
    on this rank's Gated DeltaNet / Mamba layers (Stage.state_bytes: conv + SSM state) read
    once and written back once, 2 x state bytes, whatever the context.

    NOTE: vLLM's GDN decode, fused_recurrent_gated_delta_rule_packed_decode_kernel /
    fused_recurrent_gated_delta_rule_fwd_kernel (model_executor/layers/fla/ops/
    fused_recurrent.py, 0.19.0), loads each head's V x K state `b_h = tl.load(p_h0)` and,
    inplace_final_state=True (mamba/gdn/qwen_gdn_linear_attn.py, 0.34.0), stores it back
    `tl.store(p_ht, b_h)` into the same cache slot; _causal_conv1d_update_kernel
    (mamba/ops/causal_conv1d.py, 0.34.0) loads the conv state and stores the shifted one
    (`tl.store(conv_state_ptrs_target, new_conv_state)`); Mamba2's selective_state_update
    (mamba/ops/mamba_ssm.py, 0.34.0) loads `state` and stores it to dst_state_ptrs. A
    prefill chunk's kernels read the initial state and write the final one likewise.
    With MTP planned the memory plan holds each conv state kernel - 1 + n columns wide, but
    the step modelled here decodes one token, whose kernels touch the unwidened state:
    causal_conv1d_update's state_len is width - 1 without num_accepted_tokens and
    width - 1 + (seqlen - 1) with it (mamba/ops/causal_conv1d.py 1185-1187 in 0.17.0,
    1240-1242 in 0.34.0), and the kernel loads the width - 1 columns from the last accepted
    token's (col0.. at conv_state_token_offset, 0.34.0 871-887) and stores state_len columns
    (950-951), so K - 1 read and K - 1 written at seqlen 1; the delta-rule kernels load one
    state (the last accepted token's slot) and store one per token
    (fla/ops/fused_recurrent.py 106-120 and 155-161, 0.17.0; flash_linear_attention/ops/
    fused_sigmoid_gating.py 106-120 and 157-166, 0.34.0), as Mamba2's selective_state_update
    (mamba_ssm.py 334-337, 385, 435-447, 0.34.0): one read, one written. (A speculative verify
    step of 1 + n tokens reads the same and writes K - 1 + n conv columns and 1 + n states;
    it is timed at the one-token size here: speed._notes says so.) Hence speed.stages holds its
    stages by engine.state_dtype_rules, without the widening."""
    return 2 * seqs * stage.state_bytes


def _moe_padding_s(ctx: Context, stage: Stage) -> float:
    """DEEPGEMM_PADDED_MOE's padding rows, E x (128 - 1) per MoE layer, each multiplied by one
    expert's parameters on this rank (expert parameters per token / k, summed over the
    stage's layers) at the dense rate and compute efficiency; 0 off that path."""
    moe = ctx.device.moe
    if not ctx.padded_moe or moe is None:
        return 0.0
    rows = moe.num_experts * (DEEPGEMM_ALIGN_ROWS - 1)
    params = stage.expert_params_per_token / moe.experts_per_token
    return 2 * params * rows / (ctx.device.peak_flops * ctx.compute_eff)


class _Tokens(NamedTuple):
    """What `count` new tokens on this DP rank cost every stage of one step alike."""

    count: float
    routed: float  # tokens the routed experts see: x DP (gathered over the DP ranks)
    # the fraction of its experts the busiest rank reads (1 for a dense model): the mean
    # rank's without EP, routing.busiest_rank_touched's with EP
    touched: float
    busiest: float  # the busiest EP rank's (token, expert) pairs / the mean rank's (1 w/o EP)
    # one TP all-reduce of their hidden states; in DeepSeek-V4's sequence-parallel mode one
    # all-gather (or reduce-scatter) of them, padded to a multiple of TP: a layer runs two
    # collectives either way
    allreduce_s: float
    all_to_all_s: float  # one MoE layer's DP dispatch + combine (collectives.all_to_all_s)
    # the sequence-parallel forward's last all-gather of its hc_mult streams, or of hidden
    # states and residual after SP_MOE_SCATTER's last MoE layer (0 without it)
    streams_gather_s: float = 0.0
    # the tokens each rank's MoE routers score: `count`, or its sequence-parallel shard
    gated: float = 0.0
    # sequence-parallel MoE (Context.sp_moe): one NCCL all-gather (or reduce-scatter) over TP
    # of the TP shards' hidden states (collectives.nccl_gather_s); 0 without it
    moe_gather_s: float = 0.0


def _tokens(ctx: Context, tokens: float) -> _Tokens:
    """The per-step figures _step_parts reads for `tokens`, worked out once per step rather
    than once per stage. In DeepSeek-V4's sequence-parallel mode (Context.sp_streams; vLLM
    0.34.0 models/deepseek_v4/nvidia/model.py and mtp.py) each rank holds ceil(tokens / TP)
    of the residual stream: a layer all-gathers them before attention and reduce-scatters its
    output (wo_b's all-reduce off); the MoE takes its own tokens (FusedMoE
    is_sequence_parallel: no final all-reduce, runner/moe_runner.py), so each rank
    dispatches its shard alone, its router scoring that shard (DeepseekV4MoE.forward runs
    the gate on the rank's tokens); the forward ends with one all-gather of the hc_mult streams
    (the target before hc_head, the MTP layer before its return). Sequence-parallel MoE
    (Context.sp_moe) shards the MoE layers' tokens alike (sequence_parallel_chunk or the
    attention's reduce-scatter): each rank dispatches and routes its shard, and
    tp_collectives_s replaces the MoE layers' all-reduces by NCCL gathers of the shards;
    where every layer runs on the shards (SP_MOE_EVERY) the layers gather and scatter as
    DeepSeek-V4's do, and the last all-gather carries the hidden states alone."""
    routed_tokens = tokens * ctx.dp
    dev = ctx.device
    touched, busiest = expert_shares(ctx, math.ceil(routed_tokens))
    if not (ctx.sp_streams or ctx.sp_moe):
        return _Tokens(tokens, routed_tokens, touched, busiest,
                       allreduce_s(ctx, tokens * ctx.hidden * dev.act_b),
                       all_to_all_s(ctx, tokens), gated=tokens)
    shard = sequence_parallel_shard(ctx, tokens)
    gathered = shard * ctx.tp * ctx.hidden * dev.act_b
    if ctx.sp_moe and ctx.sp_moe != SP_MOE_EVERY:  # the all-reduces tp_collectives_s leaves
        last = nccl_gather_s(ctx, 2 * gathered) if ctx.sp_moe == SP_MOE_SCATTER else 0.0
        return _Tokens(tokens, routed_tokens, touched, busiest,
                       allreduce_s(ctx, tokens * ctx.hidden * dev.act_b),
                       all_to_all_s(ctx, shard), last, shard, nccl_gather_s(ctx, gathered))
    return _Tokens(tokens, routed_tokens, touched, busiest, gather_s(ctx, gathered),
                   all_to_all_s(ctx, shard), gather_s(ctx, gathered * max(ctx.sp_streams, 1)),
                   shard)


def ep_ranks(ctx: Context) -> int:
    """The EP groups the routed experts are spread over: with EP, TP x DP (vLLM: each rank
    holds whole experts) or the engine's smaller EP size (Context.moe_ep: SGLang's --ep-size,
    each group's ranks holding slices of the same experts); 1 without EP."""
    return (ctx.moe_ep or ctx.tp * ctx.dp) if ctx.ep else 1


def physical_experts(ctx: Context) -> int:
    """The experts of a MoE layer placed over the EP groups: the routed ones + EPLB's
    redundant copies (Context.redundant_experts; vLLM FusedMoE global_num_experts)."""
    return ctx.device.moe.num_experts + ctx.redundant_experts


def expert_shares(ctx: Context, routed: int) -> tuple[float, float]:
    """(the fraction of the experts it holds the busiest rank reads, its (token, expert)
    pairs / the mean rank's) at `routed` tokens a step: (1, 1) for a dense model; without EP
    every rank's, the expected touched fraction 1 - (1 - k/E)^routed, and 1; with EP
    (routing) the busiest EP group's expected touched experts / the ceil(P / groups) each of
    its ranks holds (Stage.expert_bytes is that rank's), and its expected pairs / routed x k /
    groups. P = E + R: EPLB's R redundant copies share their expert's pairs (vLLM picks the
    replica by the token's index: 0.12.0 fused_moe.py, its position modulo the replicas;
    0.20.0 fused_moe/router/base_router.py, a hash of it), counted as P physical experts of
    equal share 1/P (under uniform routing the balancer has no hot expert to favour; the
    replicas' halves make the touched count a little lower than P equal experts':
    docs/known-limits.md)."""
    moe = ctx.device.moe
    if moe is None:
        return 1.0, 1.0
    e, k, ranks = physical_experts(ctx), moe.experts_per_token, ep_ranks(ctx)
    if ranks == 1:
        return expected_experts_touched(e, k, routed) / e, 1.0
    return (busiest_rank_touched(e, k, routed, ranks) / experts_held(e, ranks),
            busiest_rank_pairs(e, k, routed, ranks) / (routed * k / ranks))


def _step_parts(ctx: Context, stage: Stage, step: _Tokens, seqs: float, context: float,
                prefill: bool, lora: LoraStage | None, logits: float | None = None
                ) -> dict[str, float]:
    """Seconds of one step of one stage: weights, KV, compute, all-reduce, overhead (and the
    compute's parts: the GEMMs, attention with the indexer, softmax, and their FLOPs), and
    with `lora` (the stage's LoRA figures) its LoRA kernels (lora_cost: the larger of their
    read and their compute, with the adapters, bytes and FLOPs behind them; 0 without).

    `step`: the new tokens on this DP rank (_tokens; decode: one per sequence; a speculative
    verify step: k + 1), `seqs` sequences each with `context` tokens of KV (for prefill,
    context is the mean causal context); `logits`: the lm_head's rows where they are neither
    (a drafter's first pass: one per sequence over a decode step's tokens).
    """
    tokens, routed_tokens = step.count, step.routed
    expert_s = stage.expert_bytes * step.touched / ctx.expert_bw
    if ctx.moe_kernel == "moe-wna16":
        expert_s *= WNA16_FALLBACK_SLOWDOWN
    weights_s = stage.dense_bytes / ctx.weights_bw + expert_s
    # the step's indexer skip, worked out once, not once per compressed layer (read by
    # DeepSeek-V4's compressed layers alone)
    skip = indexer_skip(ctx, prefill) if stage.compressed_kv else "never"
    kv_s = (_kv_read_bytes(stage, seqs, context, skip)
            + _state_bytes(stage, seqs)) / ctx.kv_bw
    # causal attention: each new token's query meets `context` keys (at most the group's
    # span: a sliding window, a sparse top-k) in Q.K^T and P.V; softmax takes one exponential
    # per head per key, on the SFUs, and P.V waits for it (NVIDIA, "Making Softmax More
    # Efficient with NVIDIA Blackwell Ultra", 2025: BMM2 cannot start until softmax completes)
    # heads wider than FA3's 256 run on FlashAttention 4's SM90 kernel on Hopper, at its own
    # rate (kernels.wide_head_attention_share)
    attn_flops = wide_flops = exps = 0.0
    for g in stage.attention:
        keys = tokens * g.keys(context)
        flops = 2 * keys * (g.width_prefill if prefill else g.width_decode)
        if g.wide:
            wide_flops += flops
        else:
            attn_flops += flops
        exps += keys * g.heads
    # vLLM computes logits only at each request's last scheduled token (gpu_model_runner.py,
    # logits_indices = query_start_loc[1:] - 1; hidden_states[logits_indices] into
    # compute_logits, 0.11.0 and 0.33.0; 0.34.0's v1/worker/gpu/input_batch.py the same
    # logits_indices): a prefill chunk runs the lm_head for one token
    logit_rows = logits if logits is not None else seqs if prefill else tokens
    dev = ctx.device
    # a sparse-MLA indexer scores every context token; DeepSeek-V4's every compressed entry
    # of a layer with one, where it scores at all (stages.CompressedRead.index_keys)
    index_flops = 2 * tokens * (context * stage.indexer_width + sum(
        layer.index_keys(context, skip) * layer.index_width
        for layer in stage.compressed_kv))
    # the routers score the tokens this rank routes (_Tokens.gated), all of them but in
    # DeepSeek-V4's sequence-parallel mode
    dense_flops = 2 * ((stage.dense_params - stage.lm_head_params) * tokens
                       - stage.router_params * (tokens - step.gated))
    gemm_s = (dense_flops / dev.dense_flops
              + 2 * stage.lm_head_params * logit_rows / dev.lm_head_flops
              + 2 * stage.expert_params_per_token * routed_tokens * step.busiest
              / (dev.peak_flops * ctx.expert_compute)) / ctx.compute_eff
    attention_s = (attn_flops / dev.attn_flops + wide_flops / dev.wide_attn_flops
                   + index_flops / dev.index_flops) / ctx.compute_eff
    softmax_s = exps / dev.exp_rate
    compute_s = gemm_s + attention_s + softmax_s
    comm_s = tp_collectives_s(ctx, stage, step)
    fixed = ctx.stage_fixed.get(id(stage))
    if fixed is None:
        fixed = ctx.stage_fixed[id(stage)] = (_moe_padding_s(ctx, stage), _overhead_s(ctx, stage))
    lora_parts = _lora_parts(ctx, lora, step, logit_rows, seqs, prefill) if lora else _NO_LORA
    return {"weights": weights_s, "kv": kv_s, "compute": compute_s,
            "allreduce": comm_s + stage.moe_layers * step.all_to_all_s,
            "moe_padding": fixed[0], "softmax": softmax_s,
            "overhead": fixed[1] + (0.0 if prefill else _piecewise_s(ctx, stage)),
            # the compute's parts, for its term's formula
            "gemm": gemm_s, "attention": attention_s, "attention_flops": attn_flops + wide_flops,
            "index_flops": index_flops, **lora_parts}


def tp_collectives_s(ctx: Context, stage: Stage, step: _Tokens) -> float:
    """The TP collectives of one step of `stage`: two all-reduces a layer (in DeepSeek-V4's
    sequence-parallel mode an all-gather and a reduce-scatter: _tokens) and the forward's last
    all-gather where there is one. Sequence-parallel MoE (Context.sp_moe; M the stage's MoE
    layers, L its layers, AR an all-reduce of the step's tokens, G an all-gather or
    reduce-scatter of the TP shards: _Tokens.moe_gather_s):
    - SP_MOE_CHUNK: the MoE block all-gathers its output in place of its all-reduce
      (qwen3_moe.py Qwen3MoeSparseMoeBlock.forward and the others, 0.11.0-0.34.0:
      `tensor_model_parallel_all_gather(final_hidden_states, 0)` where `is_sequence_parallel`,
      else maybe_all_reduce_tensor_model_parallel): (2L - M) x AR + M x G;
    - SP_MOE_SCATTER (PP = 1): each MoE layer reduce-scatters its attention output (no
      all-reduce), the next MoE layer all-gathers its input, and the last all-gathers hidden
      states and residual, 2 x hidden a token (vllm_versions.SP_MOE_ATTENTION_SCATTER_FROM):
      2 (L - M) x AR + (2M - 1) x G + the last gather (_Tokens.streams_gather_s);
    - SP_MOE_EVERY (DeepSeek-V3.2 / GLM-5 on CUDA from 0.29.0, PP = 1: vllm_versions.
      SP_EVERY_LAYER_FROM): every layer all-gathers before attention and reduce-scatters after
      it, as DeepSeek-V4's mode, in vLLM's custom buffers where they run (_tokens' gather_s in
      place of AR), and the forward ends with one all-gather of the hidden states."""
    m = stage.moe_layers
    if ctx.sp_moe == SP_MOE_CHUNK:
        return (2 * stage.layers - m) * step.allreduce_s + m * step.moe_gather_s
    if ctx.sp_moe == SP_MOE_SCATTER and m:
        return (2 * (stage.layers - m) * step.allreduce_s + (2 * m - 1) * step.moe_gather_s
                + step.streams_gather_s)
    return 2 * stage.layers * step.allreduce_s + step.streams_gather_s


_NO_LORA = {"lora": 0.0}
"""A step's LoRA part without --enable-lora: no time."""


def _lora_parts(ctx: Context, lora: LoraStage, step: _Tokens, logit_rows: float, seqs: float,
                prefill: bool) -> dict[str, float]:
    """The step's LoRA kernels (lora_cost.lora_work at its tokens, routed tokens, logit rows,
    sequences and kind of step): "lora", the larger of their read and compute seconds, and
    those, the active adapters, their bytes and FLOPs for the LoRA term."""
    work = lora_work(lora, step.count, step.routed, logit_rows, seqs, prefill)
    read_s, compute_s = lora_step_s(ctx, work)
    return {"lora": max(read_s, compute_s), "lora_read": read_s, "lora_compute": compute_s,
            "lora_adapters": work.adapters, "lora_adapter_bytes": work.adapter_bytes,
            "lora_activation_bytes": work.activation_bytes, "lora_flops": work.flops}


def _step_s(parts: dict[str, float]) -> float:
    """Roofline: memory and compute overlap; communication, the padded MoE rows and the
    overhead do not (DEEPGEMM_PADDED_MOE: the measured TPOT is the sum).

    The TP all-reduce does not overlap the GEMMs, in prefill as in decode: vLLM's
    RowParallelLinear.forward waits for it on the compute stream (`if self.reduce_results and
    self.tp_size > 1: output = tensor_model_parallel_all_reduce(output_parallel)`,
    model_executor/layers/linear.py, 0.33.0 and 0.34.0). The compile passes that would overlap it
    (sequence parallelism with async TP / GEMM-communication fusion) are off by default:
    PassConfig enable_sequence_parallelism = enable_async_tp = False (config/compilation.py,
    0.11.0); enable_sp = fuse_gemm_comms = IS_DENSE = False at every -O level
    (config/vllm.py, 0.19.0); 0.33.0 and 0.34.0 have no such pass."""
    return max(parts["weights"] + parts["kv"], parts["compute"]) + parts["allreduce"] \
        + parts["moe_padding"] + parts["overhead"] + parts["lora"]


def _stage_parts(ctx: Context, step: _Tokens, seqs: float, context: float, prefill: bool
                 ) -> list[dict[str, float]]:
    """_step_parts of each distinct stage (Context.distinct: a PP=8 layout has two or three;
    Context.order gives each pipeline stage's), each on its own GPU (Context.runs_on)."""
    return [_step_parts(ctx.runs_on(k), s, step, seqs, context, prefill, ctx.lora[k])
            for k, s in enumerate(ctx.distinct)]


def decode_estimate(ctx: Context, batch: int, context: float, width: int = 1
                    ) -> tuple[float, dict[str, float], int, list[float], float]:
    """(the decode step without prefill interference, the slowest stage's parts, its index in
    Context.distinct, each distinct stage's step seconds, the stage hops' seconds) at `batch`
    sequences on this DP rank of `width` tokens each (a speculative verify step: k drafts + 1,
    drafting.py's NOTE): PP micro-batches of batch / PP pass every stage in turn."""
    micro = max(1.0, batch / ctx.pp)
    step = _tokens(ctx, micro * width)
    parts = _stage_parts(ctx, step, micro, context, prefill=False)
    stage_s = [_step_s(p) for p in parts]
    slow = max(range(len(parts)), key=stage_s.__getitem__)  # the first of the slowest
    # fewer sequences than stages: a token walks the stages one after another (the sum);
    # a full pipeline: each stage serves min(batch, PP) micro-batches per token (the slowest)
    walk = max(sum(map(stage_s.__getitem__, ctx.order)), min(batch, ctx.pp) * stage_s[slow])
    hops = pipeline_hops_s(ctx, micro * width)
    return walk + hops + sequence_host_s(ctx, batch), parts[slow], slow, stage_s, hops


def _draft_pass(ctx: Context, stage: Stage, tokens: float, seqs: float, context: float,
                prefill: bool) -> tuple[float, dict[str, float]]:
    """(seconds, parts) of one drafter pass (`stage`: Context.drafter's first or later) of
    `tokens` tokens of `seqs` sequences, its lm_head on one token of each, on the last stage's
    GPU; its all-reduce of the target's hidden width (an EAGLE-3 drafter's hidden state is the
    target's in the drafters of tests/fixtures/drafters)."""
    on = ctx.runs_on(ctx.order[-1])
    parts = _step_parts(on, stage, _tokens(ctx, tokens), seqs, context, prefill, None,
                        logits=seqs)
    return _step_s(parts), parts


def draft_estimate(ctx: Context, batch: int, context: float, k: int) -> DraftPasses:
    """The drafter's k passes in one decode step at `batch` sequences on this DP rank
    (drafting.py's NOTE): the first over the verify step's batch x (k + 1) tokens, k - 1 more
    of one token a sequence, each over its micro-batch (batch / PP) on the last stage, which
    drafts for min(batch, PP) micro-batches a step."""
    micro = max(1.0, batch / ctx.pp)
    first_s, first = _draft_pass(ctx, ctx.draft.first, micro * (k + 1), micro, context,
                                 prefill=False)
    later_s, later = _draft_pass(ctx, ctx.draft.later, micro, micro, context, prefill=False)
    return DraftPasses(min(batch, ctx.pp) * (first_s + (k - 1) * later_s), first_s, later_s,
                       first, later)


def proposes_every_chunk(version: tuple[int, ...], model_runner: str) -> bool:
    """Whether every prefill chunk's step proposes drafts (the k - 1 later passes) on vLLM
    `version` with EngineSettings.model_runner `model_runner`: before vLLM 0.33.0, and on Model
    Runner V1, which 0.33.x runs only where --model-runner v1 asks it (V2_RUNNER_DEFAULTS:
    every model V2); from 0.33.0 Model Runner V2 skips a step's drafts where it holds
    non-final chunks alone (vllm_versions.DRAFTS_SKIPPED_FROM)."""
    return version < DRAFTS_SKIPPED_FROM or model_runner == "v1"


def draft_prefill(ctx: Context, input_len: int, k: int, every: bool) -> tuple[float, float]:
    """(seconds alone, marginal seconds) of the drafter over one prompt: each chunk's step runs
    its first pass over the chunk's tokens, and the k - 1 later passes of one token where the
    step proposes: every chunk's where `every` (proposes_every_chunk), else the last chunk's
    alone; marginal, what a busy step gains: the chunk pass's compute and all-reduce."""
    total = marginal = 0.0
    done = 0
    chunks = cdiv(input_len, ctx.mbt)
    for n in range(chunks):
        chunk = min(ctx.mbt, input_len - done)
        seconds, parts = _draft_pass(ctx, ctx.draft.first, chunk, 1, done + chunk / 2,
                                     prefill=True)
        done += chunk
        total += seconds
        if every or n == chunks - 1:
            total += (k - 1) * _draft_pass(ctx, ctx.draft.later, 1, 1, done, prefill=False)[0]
        marginal += parts["compute"] + parts["allreduce"]
    return total, marginal


def sequence_host_s(ctx: Context, batch: int) -> float:
    """The engine's host work for each of `batch` running sequences in one decode step,
    SpeedCoefficients.sequence_step_overhead_us x batch, added to the step (not hidden
    behind the GPU's: on SGLang's rows the added form fits, fit loss 0.2069, the overlapped
    max(GPU step, host) at best 0.2127; docs/accuracy-speed.md). 0 for vLLM (FITTED's 0)."""
    return ctx.c.sequence_step_overhead_us * 1e-6 * batch


def prefill_estimate(ctx: Context, input_len: int
                     ) -> tuple[float, float, int, float, PrefillLora]:
    """(seconds alone, marginal seconds, chunks, softmax seconds, LoRA kernels) of one prompt,
    chunk by chunk through every stage. Alone: each chunk step as the roofline gives it.
    Marginal: what the prompt adds to steps that run anyway (batched with other work): its
    compute, all-reduce and LoRA kernels, summed over the stages (the work one stage does for
    it is what the pipeline's busiest stage adds). Softmax: the part of the compute the
    exponentials take. LoRA: the LoRA kernels' part of the time alone and their work
    (PrefillLora)."""
    total = marginal = softmax = 0.0
    lora = [0.0] * 4  # PrefillLora's sums (none without --enable-lora: no stage has LoRA)
    has_lora = any(ctx.lora)
    done = 0
    chunks = cdiv(input_len, ctx.mbt)
    for _ in range(chunks):
        chunk = min(ctx.mbt, input_len - done)
        step_s, parts = _prefill_step(ctx, chunk, 1, done + chunk / 2)
        total += step_s
        # each distinct stage's share once, added stage by stage in order as before
        adds = [(p["compute"] + p["allreduce"] + p["lora"], p["softmax"],
                 tuple(p.get(key, 0.0) for key in _PREFILL_LORA_KEYS) if has_lora else ())
                for p in parts]
        for stage_marginal, stage_softmax, stage_lora in map(adds.__getitem__, ctx.order):
            marginal += stage_marginal
            softmax += stage_softmax
            if has_lora:
                lora = [a + b for a, b in zip(lora, stage_lora, strict=True)]
        done += chunk
    return total, marginal / ctx.pp, chunks, softmax, PrefillLora(*lora)


_PREFILL_LORA_KEYS = ("lora", "lora_adapter_bytes", "lora_activation_bytes", "lora_flops")
"""The step parts (_lora_parts) PrefillLora sums, in its order."""


def _prefill_step(ctx: Context, tokens: int, seqs: int, context: float
                  ) -> tuple[float, list[dict[str, float]]]:
    """(seconds, each distinct stage's parts) of one prefill step of `tokens` prompt tokens
    of `seqs` prompts whose queries see `context` keys on average, through every stage in
    turn plus the hops between them (each distinct stage's seconds worked out once, summed
    stage by stage: a deep PP split repeats two or three over its stages)."""
    parts = _stage_parts(ctx, _tokens(ctx, tokens), seqs, context, prefill=True)
    stage_s = [_step_s(p) for p in parts]
    return sum(map(stage_s.__getitem__, ctx.order)) + pipeline_hops_s(ctx, tokens), parts


class BurstStep(NamedTuple):
    """One scheduler step of a burst: its prompt tokens, the prompts it holds a piece of,
    its seconds, and how many prompts end in it."""

    tokens: int
    prompts: int
    seconds: float
    ended: int


def burst_estimate(ctx: Context, requests: int, input_len: int) -> tuple[float, list[BurstStep]]:
    """(mean seconds until a request's prompt completes, the steps) when `requests` prompts
    of `input_len` tokens arrive together on one replica: vLLM's scheduler packs them first
    come first served into steps of at most max_num_batched_tokens tokens (chunked prefill:
    a prompt that does not fit ends the step and goes on in the next: Scheduler.schedule in
    v1/core/sched/scheduler.py, 0.26.0, gives each waiting request min(its tokens, the token
    budget left) with chunked prefill on, its default), and a request's first
    token comes when the step holding its last prompt token ends. Each step is _prefill_step
    of its tokens, its prompts, and the token-weighted mean causal context of its pieces (a
    piece of t tokens starting at a prompt's token o sees o + t / 2 keys on average). Not
    counted: the decode tokens of requests already prefilled, which share later steps."""
    total = requests * input_len
    steps, clock, finished_s, pos = [], 0.0, 0.0, 0
    while pos < total:
        end = min(pos + ctx.mbt, total)
        first, last = pos // input_len, (end - 1) // input_len
        keys = 0.0
        for r in range(first, last + 1):
            start, stop = max(pos, r * input_len), min(end, (r + 1) * input_len)
            keys += (stop - start) * (start - r * input_len + (stop - start) / 2)
        prompts = last - first + 1
        seconds, _ = _prefill_step(ctx, end - pos, prompts, keys / (end - pos))
        clock += seconds
        ended = end // input_len - first
        finished_s += ended * clock
        steps.append(BurstStep(end - pos, prompts, seconds, ended))
        pos = end
    return finished_s / requests, steps


def steps_ahead(ctx: Context) -> int:
    """Decode steps a request that arrives while others decode waits through before the step
    that holds its prefill: the one running when it arrives, and with async scheduling (vLLM's
    default from ASYNC_SCHEDULING_FROM at one pipeline stage: vllm_versions) the one the
    engine queued behind it before reading the request, 2. PP > 1: 1 (the V1 model runner
    turns async scheduling off there; the V2 runner's queue of PP + 1 steps is not modelled)."""
    return 2 if ctx.pp == 1 and ctx.device.rules.version >= ASYNC_SCHEDULING_FROM else 1


def steady_wait_s(others: int, marginal_s: float, cycle_s: float) -> float:
    """Mean seconds a request waits for the other requests' prefill work when arrivals are
    steady (desynchronized: production traffic, or a closed loop whose requests have varied
    lengths or staggered starts), not bunched as a fixed-length benchmark's rounds are.

    Closed loop: each of the `others` clients sends its next request when its last ends, so
    they arrive at rate others / x, x the cycle of one request (`cycle_s`, its TTFT and
    output without this wait, + the wait), each bringing `marginal_s` of prefill work; the
    engine is busy prefilling them a share rho = others x marginal_s / x, and a request
    arriving at a random moment waits W = rho x marginal_s / (2 (1 - rho)) (the M/D/1 mean
    wait, Pollaczek-Khinchine with a fixed service time). x = cycle_s + W gives the quadratic
    2 (x - cycle_s)(x - n P) = n P^2 (n P = others x marginal_s), whose root above n P is
    x = ((cycle_s + n P) + sqrt((cycle_s - n P)^2 + 2 n P^2)) / 2: the closed loop slows its
    arrivals as the wait grows, so rho stays below 1. No fitted coefficient."""
    load_s = others * marginal_s
    if load_s <= 0:
        return 0.0
    x = (cycle_s + load_s + math.sqrt((cycle_s - load_s) ** 2 + 2 * load_s * marginal_s)) / 2
    return x - cycle_s
