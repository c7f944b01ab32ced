"""The explanation terms of an estimate: each speed figure with its formula written in the
model's own numbers (what the plan JSON, the report and the app show).
"""

from __future__ import annotations

import math
from collections import Counter

from planner.serving.all2all import NAIVE
from planner.serving.engine import TRITON_MLA_PIECEWISE_NOTE
from planner.serving.hardware import GPU_PRESETS, SM_UNITS
from planner.serving.plan import Term, TermInputs, inputs_text
from planner.serving.speed.coefficients import (
    CALIBRATION_GEMM_RATIO,
    EAGER_LAYER_OVERHEAD_FACTOR,
    EFFICIENCY_BASIS,
    FITTED_ON,
    REFERENCE_CLOCK_MHZ,
    REFERENCE_CLOCK_TEXT,
    WNA16_FALLBACK_SLOWDOWN,
)
from planner.serving.speed.collectives import (
    CUSTOM_AR_MAX_BYTES,
    FLASHINFER_ALLREDUCE_FROM,
    FLASHINFER_ALLREDUCE_NOTE,
    allreduce_algorithm,
    ar_capability,
    collectives_label,
    dispatch_label,
    explained_all_to_all,
    explained_rates,
    gather_group,
    gathers,
    measured_allreduce,
    sequence_parallel,
    sequence_parallel_shard,
)
from planner.serving.speed.context import (
    Context,
    Device,
    expert_factor,
    marlin_fp32_tflops,
    marlin_rate,
    measured_moe_rate,
    read_capped,
)
from planner.serving.speed.drafting import DRAFT_UNVALIDATED, Drafted
from planner.serving.speed.kernels import (
    DEEPGEMM_ALIGN_ROWS,
    FA3_MAX_HEAD_DIM,
    MARLIN_FP32_FLOP_PER_SM_CYCLE,
    MXFP4_W4A16_LABEL,
    WIDE_HEAD_FA4_SM90_SHARE,
    kernel_label,
)
from planner.serving.speed.lora_cost import (
    ACTIVE_ADAPTERS,
    LORA_UNVALIDATED,
    PrefillLora,
)
from planner.serving.speed.routing import (
    busiest_rank_touched,
    expected_experts_touched,
    experts_held,
)
from planner.serving.speed.stages import Stage, compressed_entries
from planner.serving.speed.step import (
    BurstStep,
    clock_factor,
    ep_ranks,
    expert_shares,
    indexer_skip,
    moe_kernels_launched,
    moe_layer_us,
    physical_experts,
    piecewise_layer_cost,
    sequence_host_s,
    steps_ahead,
)
from planner.serving.startup.attention_backend import FLEX_PIECEWISE_NOTE
from planner.serving.vllm_versions import SP_MOE_EVERY, SP_MOE_SCATTER
from planner.text import counted, decimal, plural

Inputs = TermInputs
"""A term's named inputs, units in the keys (Term.inputs: numbers written as text)."""


def _term(key: str, label: str, value: float, unit: str, formula: str, note: str = "",
          inputs: Inputs | None = None) -> Term:
    return Term(key=key, label=label, value=value, unit=unit, formula=formula, note=note,
                inputs=inputs_text(inputs))


def _notes(*notes: str) -> str:
    """The non-empty notes joined with "; "."""
    return "; ".join(n for n in notes if n)


def _fitted(*what: str) -> str:
    """The note naming the fitted coefficients a formula uses and where they were fitted."""
    return f"{', '.join(what)}: {FITTED_ON}"


def _datasheet(ctx: Context) -> str:
    """The GPU preset's source for its datasheet figures (its first clause)."""
    return ctx.device.gpu.source.split(";")[0]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


def _part_ms(seconds: float) -> str:
    """A part of a figure as _ms, or in us where _ms would round a non-zero part to "0.000 ms"
    (a short request's attention and softmax: "0.384 us")."""
    return f"{seconds * 1e6:.3f} us" if 0 < seconds < 0.5e-6 else _ms(seconds)


def _avg(count: float) -> str:
    """A mean count as the value uses it, to 2 decimals without trailing zeros: a stage step's
    micro-batch, 21 sequences / PP 5 = "4.2" (not "4"), 8 = "8"."""
    return f"{count:,.2f}".rstrip("0").rstrip(".")


def _avg_of(count: float, noun: str) -> str:
    """_avg(count) with `noun` in the number it reads as: "1 token", "4.2 tokens"."""
    return f"{_avg(count)} {plural(round(count, 2), noun)}"


def _kv_token_bytes(ctx: Context, s, context: float) -> str:
    """One sequence's KV read in stage `s`'s numbers (step._kv_read_bytes): its full-attention
    bytes a token x the context, + each sliding-window group's bytes x min(context, window),
    + 2 x its recurrent state on a hybrid's Gated DeltaNet / Mamba layers (step._state_bytes),
    each kind of layer's state in the dtypes the memory plan holds it in (Stage.state_layers)."""
    full = f"{context:,.0f} tokens x {s.kv_bytes_per_token:,} B"
    # a hybrid's fixed recurrent state, read and written back each step (step._state_bytes)
    layers = " + ".join(f"{counted(n, 'layer')} x ({formula})"
                        for n, formula in s.state_layers)
    state = (f" + 2 x {s.state_bytes:,} B recurrent state (read + write; {layers})"
             if s.state_bytes else "")
    if not s.window_kv and not state:
        return full
    windows = "".join(
        f" + {n} sliding layer{'s' if n > 1 else ''} x min({context:,.0f}, {w:,}) tokens x "
        f"{per:,} B" for (w, per), n in Counter(s.window_kv).items())
    return f"({full}{windows}{_compressed_text(ctx, s, context)}{state})"


def _compressed_text(ctx: Context, s, context: float) -> str:
    """DeepSeek-V4's compressed reads of stage `s` at `context` tokens, each kind of layer's
    (stages.CompressedRead): its compressed entries (all, or the indexer's top-k) and the
    indexer keys it scores."""
    parts = []
    for layer, n in Counter(s.compressed_kv).items():
        held = f"{context:,.0f} // {layer.ratio}"
        entries = f"min({held}, {layer.topk:,})" if layer.topk else held
        keys = layer.index_keys(context, indexer_skip(ctx, prefill=False))
        index = (f" + {keys:,.0f} indexer keys x {layer.index_key_bytes:,} B" if keys
                 else "")
        parts.append(f" + {counted(n, f'1:{layer.ratio} layer')} x ({entries} entries x "
                     f"{layer.entry_bytes:,} B{index})")
    return "".join(parts)


def _capped(ctx: Context, rate: str, efficiency: float) -> str:
    """The read rate as a formula: (rate), or min(rate, measured read) where the cap binds."""
    if not read_capped(ctx, efficiency):
        return f"({rate})"
    return f"min({rate}, {ctx.device.read_cap / 1e9:g} GB/s measured read)"


def _cap_note(ctx: Context, efficiency: float) -> str:
    """Where the measured read rate binds, its source (the GPU preset's)."""
    if not read_capped(ctx, efficiency):
        return ""
    return f"the GPU's measured read rate binds: {ctx.device.gpu.measured_read_source}"


def release_caveats(ctx: Context) -> tuple[str, str]:
    """(CUDA-graph caveat, all-reduce caveat) of this plan's vLLM release: the terms whose
    fitted or measured figures come from runs of 0.11+ and that vLLM 0.9.1-0.10.x runs
    otherwise, without a source that sizes the difference (each "" where none applies):
    - piecewise CUDA graphs only before 0.11 (vllm_versions.FULL_GRAPHS_FROM), for MLA
      models on TRITON_MLA before 0.22 (engine.triton_mla_piecewise), and on FLEX_ATTENTION
      in 0.11.0 (startup.attention_backend.flex_decodes_piecewise): every layer's attention
      runs outside the graphs, launched from Python; a decode step adds the measured cost of
      that (step.piecewise_layer_cost), but the per-layer overhead was fitted on runs of
      0.11-0.19 with full decode graphs (FULL_AND_PIECEWISE) and a host slower than the GPU
      is not planned;
    - no symmetric-memory all-reduce before 0.11 (vllm_versions.SYMM_MEM_FROM): on NVLink 4/5
      a prefill chunk's all-reduce of 8 MiB or more runs on NCCL, while NVLINK_ALLREDUCE's
      measured line passes through torch symmetric memory's 16 MiB time."""
    dev = ctx.device
    v = dev.rules.label
    host = ("; where the host issues the attention's kernels slower than the GPU runs the "
            "layer, the step is the host's, which no term carries (public runs of {runs} "
            "decode {times} slower than planned: README, Known limits)")
    graphs = "" if ctx.eager else (
        f"vLLM {v} captures piecewise CUDA graphs only (full decode graphs from 0.11): each "
        "layer's attention runs outside them, a decode step adds the measured per-layer "
        "cost of that (the piecewise figure), and the per-layer overhead, fitted on 0.11+ "
        f"runs with full decode graphs, is unverified for {v}"
        + host.format(runs="gpt-oss-120b on A100s under 0.10.1", times="1.5-2.2x")
        if not dev.rules.full_graphs else
        TRITON_MLA_PIECEWISE_NOTE.format(v=v) + ": a decode step adds the measured per-layer "
        "cost of that (the piecewise figure); the per-layer overhead, fitted on runs with full "
        "decode graphs, is unverified here" + host.format(
            runs="DeepSeek-V2-Lite on vLLM 0.16.0 at batch 1", times="1.3-1.75x")
        if dev.mla_piecewise else
        FLEX_PIECEWISE_NOTE.format(v=v) + ": a decode step adds the measured per-layer cost of "
        "that (the piecewise figure, FlashAttention 2's, a floor here); the per-layer overhead, "
        "fitted on runs with full decode graphs, is unverified here"
        if dev.flex_piecewise else "")
    chunk_msg = ctx.mbt * ctx.hidden * dev.act_b
    measured_on_nccl = (not dev.rules.symm_mem and ctx.tp > 1 and chunk_msg >= CUSTOM_AR_MAX_BYTES
                        and measured_allreduce(dev.link) is not None)
    allreduce = "" if not measured_on_nccl else (
        f"vLLM {v} has no symmetric-memory all-reduce (from 0.11): a prefill chunk's "
        f"{chunk_msg:,} B all-reduce runs on NCCL, charged at the measured NVLink line whose "
        f"16 MiB point is symmetric memory's: unverified for {v}")
    return graphs, allreduce


def _lanes_note(ctx: Context) -> str:
    """How MARLIN_MOE's FP32 figure follows from the datasheet one where the SMs are not the
    128-lane ones its coefficient was fitted on ("" where they are)."""
    dev = ctx.device
    lanes = SM_UNITS[dev.gpu.compute_capability][0]
    fitted = MARLIN_FP32_FLOP_PER_SM_CYCLE // 2
    return "" if lanes == fitted else (f" (SMs x clock x {MARLIN_FP32_FLOP_PER_SM_CYCLE}: "
                                       f"{dev.gpu.fp32_tflops:g} x {fitted} / {lanes} FP32 "
                                       "lanes per SM)")


def _lanes_inputs(ctx: Context) -> Inputs:
    """_lanes_note's figures as inputs ({} where it says nothing)."""
    if not _lanes_note(ctx):
        return {}
    return {"fp32_tflops": ctx.device.gpu.fp32_tflops,
            "fp32_lanes_per_sm": SM_UNITS[ctx.device.gpu.compute_capability][0],
            "marlin_fp32_flop_per_sm_per_clock": MARLIN_FP32_FLOP_PER_SM_CYCLE}


def _exp_rule(ctx: Context) -> str:
    """The softmax exponential rate's rule in this GPU's numbers (hardware.SM_UNITS)."""
    dev = ctx.device
    lanes, sfu = SM_UNITS[dev.gpu.compute_capability]
    return (f"SMs x clock = {dev.gpu.fp32_tflops:g} FP32 TFLOP/s / (2 x {lanes} FP32 lanes "
            f"per SM), x {sfu} SFU exponentials per SM per clock")


def _exp_inputs(ctx: Context) -> Inputs:
    """The softmax exponential rate's inputs (_exp_rule)."""
    gpu = ctx.device.gpu
    lanes, sfu = SM_UNITS[gpu.compute_capability]
    return {"exp_per_s": ctx.device.exp_rate, "fp32_tflops": gpu.fp32_tflops,
            "fp32_lanes_per_sm": lanes, "sfu_exp_per_sm_per_clock": sfu}


def _no_exp_rate(ctx: Context) -> str:
    """Why the GPU has no softmax exponential rate: no FP32 figure, or an architecture without
    lanes per SM in hardware.SM_UNITS (MI300X's gfx942)."""
    gpu = ctx.device.gpu
    if gpu.fp32_tflops is None:
        return "no FP32 figure for this GPU"
    return f"no lanes per SM on record for {gpu.compute_capability} (hardware.SM_UNITS)"


def _per_layer(ctx: Context, s) -> tuple[str, Inputs]:
    """The per-layer overheads of stage `s` x the clock factor (step.clock_factor), in its
    numbers, "55.2 us x 94 layers x 1980/1410 MHz (...)", and its inputs."""
    c = ctx.c
    terms = [f"{c.layer_overhead_us:g} us x {counted(s.layers, 'layer')}"]
    inputs: Inputs = {"layer_overhead_us": c.layer_overhead_us, "layers": s.layers}
    if s.moe_layers and moe_kernels_launched(ctx):
        terms.append(f"{moe_layer_us(ctx):g} us x {counted(s.moe_layers, 'MoE layer')}")
        inputs |= {"moe_layer_overhead_us": moe_layer_us(ctx), "moe_layers": s.moe_layers}
    if s.sparse_layers:
        terms.append(f"{c.indexer_layer_overhead_us:g} us x "
                     f"{counted(s.sparse_layers, 'indexer layer')}")
        inputs |= {"indexer_layer_overhead_us": c.indexer_layer_overhead_us,
                   "indexer_layers": s.sparse_layers}
    fitted = "fitted " if len(terms) == 1 else "each fitted: "
    per_layer = f"{fitted}{terms[0]}" if len(terms) == 1 else f"({fitted}{' + '.join(terms)})"
    gpu = ctx.device.gpu
    clock = gpu.boost_clock_mhz
    inputs |= {"calibration_clock_mhz": REFERENCE_CLOCK_MHZ, "clock_factor": clock_factor(gpu)}
    if clock is None:
        return (f"{per_layer} x 1 (clock unknown: {REFERENCE_CLOCK_MHZ:g} MHz assumed, "
                f"{REFERENCE_CLOCK_TEXT})"), inputs
    inputs["gpu_clock_mhz"] = clock
    return (f"{per_layer} x {REFERENCE_CLOCK_MHZ:g}/{clock:g} MHz ({REFERENCE_CLOCK_TEXT} / "
            f"the {gpu.name}'s)"), inputs


def _compute_eff(ctx: Context, digits: int = 3) -> str:
    """The compute efficiency as a formula: the fitted figure, or on a GPU with a measured
    large-GEMM rate that figure x its measured / datasheet ratio / the calibration GPUs'
    (coefficients.gemm_factor)."""
    gpu, fitted = ctx.device.gpu, ctx.c.compute_efficiency
    if gpu.gemm_ratio is None:
        return f"{fitted:.{digits}f} fitted"
    return (f"{ctx.compute_eff:.3f} (fitted {fitted:.3f} x {gpu.measured_gemm_tflops:g} measured "
            f"/ {gpu.bf16_dense_tflops:g} datasheet BF16 TFLOP/s / the calibration GPUs' "
            f"{CALIBRATION_GEMM_RATIO:.4f})")


def _compute_inputs(ctx: Context) -> Inputs:
    """The compute rate's inputs (_compute_eff): the rate, the efficiency, and on a GPU with a
    measured large-GEMM rate the figures that scale the fitted efficiency."""
    dev, gpu = ctx.device, ctx.device.gpu
    inputs: Inputs = {"peak_tflops": dev.peak_flops / 1e12,
                      "attention_tflops": dev.attn_flops / 1e12,
                      "compute_efficiency": ctx.compute_eff,
                      "fitted_compute_efficiency": ctx.c.compute_efficiency}
    if not dev.dense_flops == dev.lm_head_flops == dev.peak_flops:  # _part_rates shows them
        inputs |= {"dense_part_tflops": dev.dense_flops / 1e12,
                   "lm_head_tflops": dev.lm_head_flops / 1e12}
    if _wide_heads(ctx):
        inputs |= {"fa3_max_head_dim": FA3_MAX_HEAD_DIM,
                   "wide_head_attention_tflops": dev.wide_attn_flops / 1e12,
                   "wide_head_attention_share": WIDE_HEAD_FA4_SM90_SHARE}
    if gpu.gemm_ratio is not None:
        inputs |= {"measured_gemm_tflops": gpu.measured_gemm_tflops,
                   "datasheet_bf16_tflops": gpu.bf16_dense_tflops,
                   "calibration_gemm_ratio": CALIBRATION_GEMM_RATIO}
    return inputs


def _gemm_note(ctx: Context) -> str:
    """Where the GPU's datasheet and measured large-GEMM rates come from and the compute
    efficiency's fit, where heads wider than FA3's run at FlashAttention 4's SM90 rate
    (_wide_heads) its source, and a float32 plan's FP32 rate."""
    gpu = ctx.device.gpu
    source = gpu.measured_gemm_source
    notes = [f"TFLOP/s: {_datasheet(ctx)}"]
    if source:
        notes.append(f"measured large-GEMM rate: {source}; the calibration GPUs' "
                     f"{CALIBRATION_GEMM_RATIO:.4f}: their mean measured / datasheet BF16 "
                     "rate (coefficients.CALIBRATION_GEMM_RATIO)")
    if ctx.device.dense_fmt == "fp32":  # a float32 plan: no tensor cores (dense_tflops)
        notes.append(f"float32: GEMMs and attention at the CUDA cores' FP32 "
                     f"{gpu.fp32_tflops:g} TFLOP/s (torch's 'highest' matmul precision, no "
                     "TF32)" if gpu.fp32_tflops else "float32: no FP32 figure for this GPU, "
                     "so its 16-bit tensor-core rate stands in (overstated, unverified)")
    if _wide_heads(ctx):
        notes.append(f"heads over {FA3_MAX_HEAD_DIM} run on FlashAttention 4's SM90 kernel "
                     "(vLLM Gemma4Config, 0.24+), at 44-49 % of a GH200's sustained BF16 "
                     "GEMM rate at head_dim 512 (pegainfer issue #1051)")
    if measured_moe_rate(ctx) is not None:
        notes.append("16-bit routed experts at the measured fused-MoE rate, "
                     f"{gpu.measured_bf16_moe_tflops:g} TFLOP/s, not the expert compute factor "
                     f"fitted on quantized experts: {gpu.measured_bf16_moe_source}")
    notes.append(_fitted("the compute efficiency" + (", the expert compute factor"
                                                     if ctx.device.moe is not None else "")))
    return "; ".join(notes)


def _wide_heads(ctx: Context) -> bool:
    """Whether this plan has attention layers with heads wider than FA3's that run at their own
    rate (kernels.wide_head_attention_share below 1)."""
    dev = ctx.device
    return dev.wide_attn_flops != dev.attn_flops and any(
        g.wide for s in ctx.distinct for g in s.attention)


def _attn_rate(ctx: Context) -> str:
    """The attention rate in TFLOP/s as the formulas show it, with the wide heads' rate where
    they run at their own (_wide_heads): "989 (heads over 256: 460, x 0.465)"."""
    dev = ctx.device
    rate = f"{dev.attn_flops / 1e12:,.0f}"
    if not _wide_heads(ctx):
        return rate
    return (f"{rate} (heads over {FA3_MAX_HEAD_DIM}: {dev.wide_attn_flops / 1e12:,.0f}, "
            f"x {WIDE_HEAD_FA4_SM90_SHARE:g})")


def _part_rates(dev: Device) -> str:
    """Where a mixed checkpoint's dense part and lm_head run at their own formats' rates
    (context._part_tflops), those rates; else nothing."""
    if dev.dense_flops == dev.lm_head_flops == dev.peak_flops:
        return ""
    return (f"; dense part at {dev.dense_flops / 1e12:,.1f}, lm_head at "
            f"{dev.lm_head_flops / 1e12:,.1f} TFLOP/s, each module at its own format's rate")


def stage_gpus_note(ctx: Context, stage_s: list[float], slow: int) -> str:
    """Where the stages run on GPUs of more than one model (Context.stage_devices), which GPU
    each ran on and its step: "PP stage 0 (24 layers) on RTX 3090 (936 GB/s): 12.345 ms; PP
    stage 1 ...; the decode terms above are PP stage 0's, the slowest (...)"; on one GPU model
    under PP, the stage
    the decode terms are for, as its layers may not be the memory plan's binding stage's
    (Kimi-K2 at PP 4: "the decode terms above are the slowest stage's, PP stage 3 of 0-3 (15
    layers; 2.418 ms a step)", numbered from 0 as the memory plan's PP stages, which binds on
    stage 2's 16 layers); "" for one stage."""
    if not ctx.stage_devices:
        if ctx.pp == 1:
            return ""
        layers = counted(ctx.distinct[slow].layers, "layer")
        return (f"the decode terms above are the slowest stage's, PP stage "
                f"{ctx.order.index(slow)} of 0-{ctx.pp - 1} ({layers}; {_ms(stage_s[slow])} a "
                "step)")
    runs = "; ".join(
        f"PP stage {i} ({counted(ctx.distinct[k].layers, 'layer')}) on "
        f"{ctx.runs_on(k).device.gpu.name} "
        f"({ctx.runs_on(k).device.gpu.memory_bandwidth_gbps:,.0f} GB/s): {_ms(stage_s[k])}"
        for i, k in enumerate(ctx.order))
    return (f"each stage runs on its own node's GPU: {runs} per step; the decode terms above "
            f"are PP stage {ctx.order.index(slow)}'s, the slowest (PP stages numbered from 0, "
            "as the memory plan's)")


def cap_phrase(seqs_bound: bool) -> str:
    """Which limit caps a load's concurrency at the KV-limited concurrency, min(max_num_seqs,
    the requests the KV cache's blocks hold): "max_num_seqs binds" or "the KV cache binds"."""
    return "max_num_seqs binds" if seqs_bound else "the KV cache binds"


def speed_terms(ctx: Context, s, load, conc, kv_limit, per_replica, context, parts,
                tpot_base, interference, prefill_s, marginal_s, chunks, tpot, ttft,
                kv_wait, aggregate, softmax_s, burst, steady, blocks, seqs_bound,
                stages_note: str, hops_s: float, prefill_lora: PrefillLora,
                drafted: Drafted | None = None) -> list[Term]:
    """The speed figures with their formulas in the model's own numbers, the decode terms in
    `s`'s, the slowest stage (step.decode_estimate: the one whose parts they show); `burst`:
    burst_estimate's (mean seconds, steps) when the requests arrive together, else None;
    `steady`: (the wait, the cycle without it) in seconds under steady arrivals
    (step.steady_wait_s), else None; `blocks`: (the pool's
    blocks per replica, the blocks one request holds at load.held_tokens, max_num_seqs);
    `seqs_bound`: the
    cap on the concurrency is max_num_seqs, not the KV cache (cap_phrase); `stages_note`:
    the decode step's note (stage_gpus_note); `hops_s`: its stage hops' seconds;
    `prefill_lora`: the LoRA kernels in one request's prefill (with LoRA: _lora_terms);
    `drafted`: speculative decoding where the load gives its mean acceptance length
    (drafting.Drafted: `tpot_base` is then the verify step, and `prefill_s`, `marginal_s`
    hold the drafter's share)."""
    micro = max(1.0, per_replica / ctx.pp)
    # a verify step's tokens: k drafts + 1 a sequence (step.decode_estimate's width)
    tokens = micro * (drafted.k + 1 if drafted else 1)
    step_s = drafted.step_s if drafted else tpot_base
    graphs_caveat, allreduce_caveat = release_caveats(ctx)
    padding = _padding_terms(ctx, s, parts)
    return [
        _kv_limit_term(ctx, load, conc, kv_limit, blocks, seqs_bound),
        *_decode_read_terms(ctx, s, parts, micro, context, tokens),
        _decode_compute_term(ctx, s, parts, tokens),
        *padding,
        _collectives_term(ctx, s, parts, tokens, allreduce_caveat),
        _overhead_term(ctx, s, parts, graphs_caveat),
        *_lora_terms(ctx, parts, micro, load, chunks, prefill_lora),
        _decode_step_term(ctx, tpot_base, padding, stages_note, per_replica, hops_s, drafted),
        *(_draft_terms(ctx, drafted, micro, context, tpot_base) if drafted else []),
        *_prefill_terms(ctx, load, prefill_s, marginal_s, chunks, softmax_s, drafted),
        *([] if burst is None else [_burst_term(ctx, load, per_replica, *burst)]),
        *([] if steady is None else [_steady_term(per_replica - 1, marginal_s, *steady)]),
        _ttft_term(ctx, load, per_replica, step_s, prefill_s, ttft, burst, steady),
        _kv_wait_term(load, kv_limit, kv_wait, ttft, tpot, aggregate),
        *_output_terms(ctx, load, conc, per_replica, step_s, interference, marginal_s, tpot,
                       ttft, aggregate, drafted),
    ]


def _kv_limit_term(ctx: Context, load, conc, kv_limit, blocks, seqs_bound) -> Term:
    """The KV-limited concurrency: the requests the KV cache's blocks hold, capped by
    max_num_seqs, over the DP replicas, and which limit binds where it cuts the load."""
    pool, held, seqs = blocks
    return _term("kv_limited_concurrency", "KV-limited concurrency", kv_limit, "requests",
                 f"min(max_num_seqs {seqs:,}, {pool:,} KV blocks // {counted(held, 'block')} "
                 f"per request holding {load.input_len:,} in + {load.output_len:,} / 2 out on "
                 f"average) x DP {ctx.dp} = {kv_limit:,}; served {conc:,} of "
                 f"{load.concurrency:,} asked",
                 cap_phrase(seqs_bound) if conc < load.concurrency else "",
                 {"max_num_seqs": seqs, "kv_blocks": pool, "blocks_per_request": held,
                  "input_tokens": load.input_len, "output_tokens": load.output_len,
                  "dp": ctx.dp, "concurrency_requests": load.concurrency,
                  "served_requests": conc})


def _moe_read_text(ctx: Context, s, micro: float) -> tuple[str, str, Inputs]:
    """(the experts' read, their read rate, their inputs) in the weight-read formula's words,
    where the model has routed experts: the experts a stage step's tokens touch
    (routing.expected_experts_touched; with EP the busiest rank's: _busiest_read_text) and
    the expert rate's fitted factor, capped by Marlin MoE's SM-bound rate where it has one;
    ("", "", {}) for a dense model."""
    dev = ctx.device
    c = ctx.c
    touched = moe_eff = ""
    inputs: Inputs = {}
    if dev.moe is not None:
        routed = math.ceil(micro * ctx.dp)
        e, k = dev.moe.num_experts, dev.moe.experts_per_token
        slow = (f" x {WNA16_FALLBACK_SLOWDOWN:g} WNA16 fallback" if ctx.moe_kernel == "moe-wna16"
                else "")
        moe_eff = f"; experts at x {expert_factor(ctx):.3f} (fitted) of it"
        inputs = {"expert_bytes": s.expert_bytes, "num_experts": e, "experts_per_token": k,
                  "routed_tokens": routed,
                  "experts_touched": expected_experts_touched(e, k, routed),
                  "expert_bandwidth_factor": expert_factor(ctx)}
        if math.isfinite(marlin_rate(ctx)):
            moe_eff = (f"; experts at min(x {expert_factor(ctx):.3f} (fitted) of it, "
                       f"{c.marlin_moe_bytes_per_fp32_flop:g} B/FLOP (fitted) x "
                       f"{marlin_fp32_tflops(dev.gpu):g} FP32 TFLOP/s{_lanes_note(ctx)} = "
                       f"{marlin_rate(ctx) / 1e9:,.0f} GB/s, Marlin MoE's SM-bound rate)")
            inputs |= {"marlin_bytes_per_fp32_flop": c.marlin_moe_bytes_per_fp32_flop,
                       "marlin_fp32_tflops": marlin_fp32_tflops(dev.gpu),
                       "marlin_rate_gbps": marlin_rate(ctx) / 1e9, **_lanes_inputs(ctx)}
        if slow:
            slow += " (estimated, unverified)"
            inputs["wna16_slowdown"] = WNA16_FALLBACK_SLOWDOWN
        moe_eff += f", MoE kernel {ctx.moe_kernel}"
        if ep_ranks(ctx) > 1:
            touched, busiest_inputs = _busiest_read_text(ctx, s, routed)
            inputs |= busiest_inputs
        else:
            touched = (f" + {s.expert_bytes / 1e9:.3f} GB experts x (1 - (1 - {k}/{e})^"
                       f"{routed}) = {expected_experts_touched(e, k, routed):.1f} of {e} touched")
        touched += slow
    return touched, moe_eff, inputs


def _busiest_read_text(ctx: Context, s, routed: int) -> tuple[str, Inputs]:
    """The experts' read with EP, in the weight-read formula's words, and its inputs: the
    experts the busiest EP group touches of the ceil(P / groups) each of its ranks holds
    (routing; P: the routed experts + EPLB's redundant ones, step.physical_experts; the
    groups: step.ep_ranks, each expert sliced over its group's ranks where they are fewer
    than TP x DP)."""
    e, k, ranks = physical_experts(ctx), ctx.device.moe.experts_per_token, ep_ranks(ctx)
    held = experts_held(e, ranks)
    busiest = busiest_rank_touched(e, k, routed, ranks)
    p = expected_experts_touched(e, k, routed) / e
    sliced = ctx.tp * ctx.dp // ranks
    groups = (f"{ranks} EP groups (each expert sliced over its {sliced} ranks)" if sliced > 1
              else f"{ranks} EP ranks")
    experts = (f"({ctx.device.moe.num_experts} + {ctx.redundant_experts} EPLB redundant)"
               if ctx.redundant_experts else f"{e}")
    return (f" + {s.expert_bytes / 1e9:.3f} GB experts x {busiest:.2f} / {held} held: the "
            f"busiest of {groups}' expected touched experts, E[max] = sum over m of "
            f"1 - F(m)^{ranks}, F Binomial({held}, 1 - (1 - {k}/{experts})^{routed} = "
            f"{p:.3f}) (the mean rank's {held * p:.2f})",
            {"ep_size": ranks, "busiest_rank_experts": held,
             "busiest_rank_experts_touched": busiest,
             **({"moe_tp_size": sliced} if sliced > 1 else {}),
             **({"redundant_experts": ctx.redundant_experts} if ctx.redundant_experts else {})})


def _decode_read_terms(ctx: Context, s, parts, micro: float, context: float, tokens: float
                       ) -> list[Term]:
    """The decode step's memory reads on stage `s`: its weights (the dense part, and the routed
    experts its `tokens` touch: _moe_read_text) and its `micro` sequences' KV, each at the
    GPU's bandwidth x its fitted efficiency, capped by a measured read rate where one binds."""
    dev = ctx.device
    eff, efficiency = _weights_efficiency(ctx)
    kv_eff = ctx.c.kv_bandwidth_efficiency
    bw = f"{dev.gpu.memory_bandwidth_gbps:,.0f} GB/s datasheet"
    touched, moe_eff, moe_inputs = _moe_read_text(ctx, s, tokens)
    sources = f"bandwidth: {_datasheet(ctx)}"
    experts = ", the expert bandwidth factor" if dev.moe is not None else ""
    marlin = ", Marlin MoE's B/FLOP" if "marlin_rate_gbps" in moe_inputs else ""
    weights_inputs = {"dense_bytes": s.dense_bytes, **moe_inputs,
                      "bandwidth_gbps": dev.gpu.memory_bandwidth_gbps,
                      "bandwidth_efficiency": eff, **_cap_inputs(ctx, eff)}
    return [
        _term("decode_weights", "Decode: weight read per stage step", parts["weights"] * 1e3,
              "ms", f"({s.dense_bytes / 1e9:.3f} GB dense{touched}) / "
              f"{_capped(ctx, f'{bw} x {eff:.3f} {efficiency}{moe_eff}', eff)} = "
              f"{_ms(parts['weights'])}",
              _notes(_cap_note(ctx, eff), f"{efficiency} {eff:.3f}: "
                     f"{EFFICIENCY_BASIS[dev.family]}", sources,
                     _fitted(f"the expert bandwidth factor{marlin}") if experts else ""),
              weights_inputs),
        _term("decode_kv", "Decode: KV read per stage step", parts["kv"] * 1e3, "ms",
              f"{_avg_of(micro, 'seq')} x {_kv_token_bytes(ctx, s, context)} / "
              f"{_capped(ctx, f'{bw} x {kv_eff:.3f} fitted KV efficiency', kv_eff)} = "
              f"{_ms(parts['kv'])}",
              _notes(_cap_note(ctx, kv_eff), sources, _fitted("the KV efficiency")),
              {"sequences": micro, "context_tokens": context,
               "kv_bytes_per_token": s.kv_bytes_per_token, **_window_inputs(s),
               **_compressed_inputs(ctx, s, context),
               **({"recurrent_state_bytes": s.state_bytes} if s.state_bytes else {}),
               "bandwidth_gbps": dev.gpu.memory_bandwidth_gbps,
               "kv_bandwidth_efficiency": kv_eff, **_cap_inputs(ctx, kv_eff)}),
    ]


def _weights_efficiency(ctx: Context) -> tuple[float, str]:
    """(the efficiency the weights' read rate is at, Context.weights_eff; its name as the
    terms show it): the kernel family's label (kernels.kernel_label), MXFP4 w4a16 named as
    the fp4 family's figure it runs on. decode_weights and lora_decode (both read at
    Context.weights_bw) say it."""
    dev = ctx.device
    label = kernel_label(dev.family, dev.dense_fmt, dev.scheme.family)
    return ctx.weights_eff, (f"{dev.family} efficiency ({label} kernels)"
                             if label == MXFP4_W4A16_LABEL else f"{label} efficiency")


def _cap_inputs(ctx: Context, efficiency: float) -> Inputs:
    """The measured read rate where it binds (_capped), as an input."""
    return {"measured_read_gbps": ctx.device.read_cap / 1e9} if read_capped(
        ctx, efficiency) else {}


def _window_inputs(s) -> Inputs:
    """Each sliding-window group of stage `s` as inputs: its window, its layers and their KV
    bytes a token, keyed by the window ("sliding_window_tokens_w128", "sliding_layers_w128",
    "kv_bytes_per_token_per_layer_w128")."""
    return {key: value for (w, per), n in Counter(s.window_kv).items()
            for key, value in ((f"sliding_window_tokens_w{w}", w),
                               (f"sliding_layers_w{w}", n),
                               (f"kv_bytes_per_token_per_layer_w{w}", per))}


def _compressed_inputs(ctx: Context, s, context: float) -> Inputs:
    """Each kind of DeepSeek-V4 compressing layer of stage `s` as inputs, keyed by its ratio
    ("compressed_layers_r4", "compressed_entries_r4", "indexer_keys_r4",
    "kv_bytes_per_layer_r4": one sequence's read of one such layer at `context` tokens)."""
    return {key: value for layer, n in Counter(s.compressed_kv).items()
            for key, value in (
                (f"compressed_layers_r{layer.ratio}", n),
                (f"compressed_entries_r{layer.ratio}",
                 compressed_entries(context, layer.ratio, layer.topk)),
                (f"indexer_keys_r{layer.ratio}",
                 layer.index_keys(context, indexer_skip(ctx, prefill=False))),
                (f"kv_bytes_per_layer_r{layer.ratio}",
                 layer.read_bytes(context, indexer_skip(ctx, prefill=False))))}


def _decode_compute_term(ctx: Context, s, parts, tokens: float) -> Term:
    """The decode step's compute on stage `s`, its parts in their own numbers: the GEMMs at 2
    FLOPs a parameter a token (the routed experts' share, seen by the tokens of every DP rank,
    / the expert compute factor where the model has them), attention (and a sparse indexer)
    at its rate, both x the compute efficiency, and the softmax exponentials on the SFUs."""
    dev = ctx.device
    # the routed experts' share, named only where the model has them
    dp = f" x DP {ctx.dp}" if ctx.dp > 1 else ""
    busiest = expert_shares(ctx, math.ceil(tokens * ctx.dp))[1]
    ep = (f" x {busiest:.3f} (the busiest EP rank's expected (token, expert) pairs / the "
          f"mean's, routing.busiest_rank_pairs)" if dev.moe is not None and ep_ranks(ctx) > 1
          else "")
    params = (f"({s.dense_params / 1e9:.3f} + {s.expert_params_per_token / 1e9:.3f} expert{dp}"
              f"{ep} / {ctx.expert_compute:.3f} fitted)" if dev.moe is not None
              else f"{s.dense_params / 1e9:.3f}")
    experts = {"expert_params_per_token": s.expert_params_per_token,
               "expert_compute_factor": ctx.expert_compute} if dev.moe is not None else {}
    if ep:
        experts["busiest_rank_pairs_ratio"] = busiest
    # sequence-parallel routers score this GPU's shard alone (step._Tokens.gated)
    gated = (sequence_parallel_shard(ctx, tokens) if sequence_parallel(ctx) and s.router_params
             else 0)
    gemm = f"2 x {params} G params x {_avg_of(tokens, 'token')}"
    if gated:
        gemm += (f" - 2 x {s.router_params / 1e9:.3f} G router params x ({_avg(tokens)} - "
                 f"{gated} shard) tokens")
        experts |= {"router_params": s.router_params, "router_tokens": gated}
    eff = f"{ctx.compute_eff:.3f}"
    indexer = (f" + {parts['index_flops'] / 1e9:,.3f} G indexer FLOPs / "
               f"({dev.index_flops / 1e12:,.0f} TFLOP/s x {eff})" if parts["index_flops"] else "")
    return _term("decode_compute", "Decode: compute per stage step", parts["compute"] * 1e3, "ms",
                 f"[{gemm} / "
                 f"({dev.peak_flops / 1e12:,.0f} TFLOP/s datasheet x {_compute_eff(ctx)})"
                 f"{_part_rates(dev)} = {_part_ms(parts['gemm'])}] + "
                 f"[{parts['attention_flops'] / 1e9:,.3f} G attention FLOPs / "
                 f"({_attn_rate(ctx)} TFLOP/s x {eff}){indexer} = {_part_ms(parts['attention'])}]"
                 f" + softmax {_part_ms(parts['softmax'])} = {_ms(parts['compute'])}",
                 _gemm_note(ctx),
                 {"dense_params": s.dense_params, **experts, "tokens": tokens,
                  "attention_flops": parts["attention_flops"],
                  **({"indexer_flops": parts["index_flops"]} if parts["index_flops"] else {}),
                  "softmax_ms": parts["softmax"] * 1e3, **_compute_inputs(ctx)})


def _padding_terms(ctx: Context, s, parts) -> list[Term]:
    """The padded MoE rows' term where DeepGEMM pads every expert (Context.padded_moe), else
    none: a term of its own because only vLLM 0.12-0.14's block-FP8 MoE adds it."""
    dev = ctx.device
    padding = []
    if ctx.padded_moe and dev.moe is not None:
        one_expert = s.expert_params_per_token / dev.moe.experts_per_token
        padding = [_term(
            "decode_moe_padding", "Decode: padded MoE rows per stage step",
            parts["moe_padding"] * 1e3, "ms",
            f"2 x {one_expert / 1e9:.4f} G params (this GPU's routed-expert parameters / "
            f"{dev.moe.num_experts}) x {dev.moe.num_experts} experts x "
            f"{DEEPGEMM_ALIGN_ROWS - 1} padding rows / "
            f"({dev.peak_flops / 1e12:,.0f} TFLOP/s datasheet x {_compute_eff(ctx)}) = "
            f"{_ms(parts['moe_padding'])}",
            _notes("block-FP8 MoE on vLLM 0.12-0.14: DeepGEMM's grouped GEMM pads every "
                   "expert to 128 rows (deep_gemm_utils.py compute_aligned_M), added to the "
                   "step", _gemm_note(ctx)),
            {"expert_params": one_expert, "num_experts": dev.moe.num_experts,
             "padding_rows": DEEPGEMM_ALIGN_ROWS - 1, **_compute_inputs(ctx)})]
    return padding


def _collective_sources(ctx: Context, sizes) -> str:
    """The collectives' sources for the all-reduce term's note: the measured all-reduce line,
    the network's, custom all-reduce turned off across nodes, and the EP all-to-all's split
    between the network and the node ("" where none applies)."""
    dev = ctx.device
    measured = measured_allreduce(dev.link)
    ar_source = f"; all-reduce rates: {measured.source}" if measured else ""
    if ctx.net is not None:
        ar_source += f"; network: {ctx.net.formula} ({ctx.net.source})"
    if ctx.custom_ar_off:
        ar_source += (f"; --nnodes turns vLLM's custom all-reduce off for every TP group in "
                      f"{dev.rules.label} (config/parallel.py, 0.12-0.26): "
                      + ("torch symmetric memory takes its messages, charged alike" if sizes
                         else "NCCL's ring runs them"))
    if ctx.ep_node_ranks and not gathers(ctx):
        ep, m = ctx.tp * ctx.dp, ctx.ep_node_ranks
        ar_source += (f"; {dispatch_label(ctx)} over {ep} ranks, {m} per node: "
                      f"{ep - m}/{ep} of each rank's expert copies cross the network, "
                      f"{m - 1}/{ep} stay in its node (uniform routing), each direction the "
                      "slower of the two + the network's NCCL start-up")
    elif ctx.ep_node_ranks:  # the gather over the DP (or EP) group (collectives.all_to_all_s)
        group, here = ((f"{gather_group(ctx)} EP", ctx.ep_node_ranks) if sequence_parallel(ctx)
                       else (f"{ctx.dp} DP", ctx.dp_node_ranks))
        ar_source += (f"; {dispatch_label(ctx)} over the {group} ranks, {here} per node: each "
                      "direction at the slower of the node's link and the network per GPU + "
                      "the network's NCCL start-up")
    return ar_source


def _allreduce_algorithms(ctx: Context, msg: float, chunk_msg: int, sizes) -> str:
    """Which all-reduce algorithm runs a decode step's and a prefill chunk's message
    (collectives.allreduce_algorithm), and FlashInfer's where it takes NVLink all-reduces;
    "" at TP 1 or with custom all-reduce off."""
    dev = ctx.device
    link = dev.link
    algorithms = "" if ctx.tp == 1 or ctx.custom_ar_off else "".join(
        f"; {what}: " + allreduce_algorithm(
            link, ctx.tp, size, symm_mem=dev.rules.symm_mem, world_sizes=sizes,
            compute_capability=ar_capability(dev.gpu.compute_capability, dev.rules.version),
            cross=ctx.cross)
        for what, size in (("decode", msg), (f"a prefill chunk's {chunk_msg:,} B", chunk_msg)))
    if algorithms and link.kind == "nvlink" and dev.rules.version >= FLASHINFER_ALLREDUCE_FROM:
        algorithms += FLASHINFER_ALLREDUCE_NOTE
    return algorithms


def _all_to_all_text(ctx: Context, s, tokens: float) -> tuple[str, Inputs]:
    """The MoE layers' all-to-all added to the all-reduce formula, and its inputs: EP's
    dispatch + combine to the other ranks, or without EP the all-gather + reduce-scatter over
    the DP ranks, each in its numbers (collectives.explained_all_to_all); ("", {}) where none
    runs."""
    a2a = explained_all_to_all(ctx, tokens, _avg_of(tokens, "token"))
    if not a2a.seconds:
        return "", {}
    how = ("dispatch + combine" if not gathers(ctx) else
           ("broadcasts + all-reduce" if ctx.all2all == NAIVE else "all-gather + reduce-scatter")
           + f" over the {gather_group(ctx)} "
           + ("EP ranks" if sequence_parallel(ctx) else "DP ranks"))
    return (f" + {counted(s.moe_layers, 'MoE layer')} x {a2a.seconds * 1e6:,.1f} us "
            f"{dispatch_label(ctx)} ({how}: {a2a.text})",
            {"moe_layers": s.moe_layers, "all_to_all_us_per_moe_layer": a2a.seconds * 1e6,
             **a2a.inputs})


def _collectives_term(ctx: Context, s, parts, tokens: float, allreduce_caveat: str) -> Term:
    """The decode step's collectives on stage `s`: TP's two all-reduces a layer (start-up +
    the ring's bytes at the link's rate) plus the MoE layers' all-to-all, with the rates'
    sources, the algorithms and this release's caveat (release_caveats) in its note; named
    by what it holds (collectives_label: "EP all-to-all" at TP=1 x DP=16 + EP)."""
    dev = ctx.device
    c = ctx.c
    msg = tokens * ctx.hidden * dev.act_b
    link = dev.link
    chunk_msg = ctx.mbt * ctx.hidden * dev.act_b
    sizes = ctx.ar_world_sizes
    rates = explained_rates(link, max(ctx.tp, 2), msg, c.link_efficiency, world_sizes=sizes,
                            cross=ctx.cross)
    ar_source = _collective_sources(ctx, sizes)
    algorithms = _allreduce_algorithms(ctx, msg, chunk_msg, sizes)
    allreduce_formula = (f"2 x {counted(s.layers, 'layer')} x [{rates.startup_text} + "
                         f"({ctx.tp} - 1)/{ctx.tp} x 2 x {msg:,.0f} B / {rates.bus_text}]"
                         if ctx.tp > 1 else "TP=1: no all-reduce")
    message = {"tp": ctx.tp, "allreduces_per_layer": 2, "layers": s.layers,
                     "message_bytes": msg, "tokens": tokens, "hidden_size": ctx.hidden,
                     "bytes_per_activation": dev.act_b, **rates.inputs} if ctx.tp > 1 else {"tp": 1}
    dispatched = tokens
    if ctx.sp_streams or ctx.sp_moe == SP_MOE_EVERY:
        allreduce_formula, message, dispatched = _sequence_parallel_text(ctx, s, tokens)
    elif ctx.sp_moe:
        allreduce_formula, message, dispatched = _sequence_parallel_moe_text(
            ctx, s, tokens, rates.startup_text, rates.bus_text, message)
    a2a_text, a2a_inputs = _all_to_all_text(ctx, s, dispatched)
    allreduce_formula += a2a_text
    # the step's tokens, not the shard a sequence-parallel rank dispatches
    inputs = {**message, **a2a_inputs} | ({"tokens": tokens} if sequence_parallel(ctx) else {})
    return _term("allreduce", f"{collectives_label(ctx)} per stage step",
                 parts["allreduce"] * 1e3, "ms",
                 f"{allreduce_formula} = {_ms(parts['allreduce'])}",
                 _notes(f"{link.kind}: {link.formula} ({link.source}){ar_source}{algorithms}",
                        _link_efficiency_note(ctx, inputs), allreduce_caveat),
                 inputs)


def _sequence_parallel_text(ctx: Context, s, tokens: float) -> tuple[str, Inputs, int]:
    """DeepSeek-V4's sequence-parallel collectives on stage `s` (step._tokens: each layer's
    all-gather before attention and reduce-scatter after it, of the step's tokens padded to a
    multiple of TP, and the forward's last all-gather of its hc_mult streams, each half a ring
    all-reduce: collectives.gather_s), DeepSeek-V3.2 / GLM-5's alike where every layer runs on
    the shards (SP_MOE_EVERY: the last all-gather of the hidden states alone), their inputs,
    and the tokens one rank dispatches to the MoE layers (its shard)."""
    dev, eff = ctx.device, ctx.c.link_efficiency
    shard = sequence_parallel_shard(ctx, tokens)
    gathered = shard * ctx.tp * ctx.hidden * dev.act_b
    count = max(ctx.sp_streams, 1)
    streams = gathered * count
    what = f"{ctx.sp_streams} streams" if ctx.sp_streams else "the hidden states"
    layer = explained_rates(dev.link, ctx.tp, gathered, eff, world_sizes=ctx.ar_world_sizes,
                            cross=ctx.cross)
    last = explained_rates(dev.link, ctx.tp, streams, eff, world_sizes=ctx.ar_world_sizes,
                           cross=ctx.cross)
    text = (f"sequence parallel ({shard:,} of {_avg_of(tokens, 'token')} a rank): "
            f"{counted(s.layers, 'layer')} x 2 x [{layer.startup_text} + ({ctx.tp} - 1)/{ctx.tp}"
            f" x {gathered:,} B / {layer.bus_text}] (all-gather before attention, "
            f"reduce-scatter after it) + [{last.startup_text} + ({ctx.tp} - 1)/{ctx.tp} x "
            f"{streams:,} B / {last.bus_text}] (the last all-gather of {what})")
    inputs = {"tp": ctx.tp, "gathers_per_layer": 2, "layers": s.layers, "tokens": tokens,
              "shard_tokens": shard, "gathered_bytes": gathered, "streams": count,
              "streams_gather_bytes": streams, "hidden_size": ctx.hidden,
              "bytes_per_activation": dev.act_b, **layer.inputs}
    return text, inputs, shard


def _sequence_parallel_moe_text(ctx: Context, s, tokens: float, ar_startup: str, ar_bus: str,
                                message: Inputs) -> tuple[str, Inputs, int]:
    """Sequence-parallel MoE's TP collectives on stage `s` (step.tp_collectives_s: the
    layers' all-reduces of the step's tokens, whose start-up and bus texts are given, less
    those the MoE layers replace by NCCL all-gathers / reduce-scatters of the TP shards,
    collectives.nccl_gather_s), their inputs added to the all-reduce's `message`, and the
    tokens one rank dispatches (its shard)."""
    dev, tp, m = ctx.device, ctx.tp, s.moe_layers
    shard = sequence_parallel_shard(ctx, tokens)
    gathered = shard * tp * ctx.hidden * dev.act_b
    msg = message["message_bytes"]
    gather = explained_rates(dev.link, tp, gathered, ctx.c.link_efficiency, world_sizes=(),
                             cross=ctx.cross, halves=1)
    allreduce = f"[{ar_startup} + ({tp} - 1)/{tp} x 2 x {msg:,.0f} B / {ar_bus}]"

    def nccl(nbytes: int) -> str:
        return f"[{gather.startup_text} + ({tp} - 1)/{tp} x {nbytes:,} B / {gather.bus_text}]"
    head = f"sequence-parallel MoE ({shard:,} of {_avg_of(tokens, 'token')} a rank): "
    inputs = message | {"shard_tokens": shard, "gathered_bytes": gathered,
                        "gather_startup_us": gather.inputs["startup_us"]}
    if ctx.sp_moe == SP_MOE_SCATTER:
        text = (f"{head}2 x {counted(s.layers - m, 'layer')} without MoE x {allreduce} + "
                f"(2 x {counted(m, 'MoE layer')} - 1) x {nccl(gathered)} (NCCL: each MoE "
                "layer's reduce-scatter after attention, all-gather before the next) + "
                f"{nccl(2 * gathered)} (the last all-gather of hidden states and residual)")
        return text, inputs | {"last_gather_bytes": 2 * gathered}, shard
    text = (f"{head}(2 x {counted(s.layers, 'layer')} - {m} MoE) x {allreduce} + {m} x "
            f"{nccl(gathered)} (NCCL all-gather of each MoE layer's output in place of its "
            "all-reduce)")
    return text, inputs, shard


def _link_efficiency_note(ctx: Context, inputs: Inputs) -> str:
    """The link efficiency's basis where a formula uses it (an all-reduce at the link's rate
    or an all-to-all), else "" (NVLink 4/5's measured rates, TP=1 without all-to-all)."""
    if "link_efficiency" not in inputs and "all_to_all_us_per_moe_layer" not in inputs:
        return ""
    return (f"link efficiency {ctx.c.link_efficiency:g}: estimated, unverified (no calibration "
            "row runs over a link without a measured all-reduce rate)")


def _overhead_term(ctx: Context, s, parts, graphs_caveat: str) -> Term:
    """The fixed overhead of a stage step: the per-layer ones (_per_layer), x the eager factor
    without CUDA graphs, with where each figure comes from."""
    per_layer, inputs = _per_layer(ctx, s)
    eager = (f" x {EAGER_LAYER_OVERHEAD_FACTOR:g} (--enforce-eager: no CUDA graphs; estimated, "
             "unverified)") if ctx.eager else ""
    if ctx.eager:
        inputs["eager_factor"] = EAGER_LAYER_OVERHEAD_FACTOR
    gpu = ctx.device.gpu
    clock = gpu.boost_clock_mhz
    b300 = GPU_PRESETS["b300"].boost_clock_mhz
    clocks = (f"{REFERENCE_CLOCK_MHZ:g} MHz: {REFERENCE_CLOCK_TEXT} (coefficients."
              f"REFERENCE_CLOCK_MHZ; B300's rows, at {b300:g} MHz, scale by "
              f"{REFERENCE_CLOCK_MHZ:g}/{b300:g}, fitted so)"
              + (f"; {clock:g} MHz: the {gpu.name}'s boost clock (its GPU preset's; "
                 "sources in its notes)" if clock else "")
              + "; the scaling by the clock was chosen on the public runs' residuals "
              "(step._overhead_s)"
              + ("; the overheads were fitted on NVIDIA GPUs: their scaling by the clock is "
                 "unverified on AMD GPUs" if gpu.vendor == "amd" else ""))
    piecewise, piecewise_source = "", ""
    cost = piecewise_layer_cost(ctx)
    if cost is not None:
        piecewise = (f" + {cost.us:g} us x {counted(s.layers, 'layer')} measured for piecewise "
                     "CUDA graphs (not scaled by the clock)")
        piecewise_source = f"the piecewise figure: {cost.source}"
        inputs |= {"piecewise_layer_us": cost.us}
    return _term("step_overhead", "Fixed overhead per stage step", parts["overhead"] * 1e3, "ms",
                 f"{per_layer}{eager}{piecewise} = {_ms(parts['overhead'])}",
                 _notes(graphs_caveat, _fitted("the overheads per layer"), clocks,
                        piecewise_source), inputs)


def _lora_terms(ctx: Context, parts, micro: float, load, chunks: int, prefill: PrefillLora
                ) -> list[Term]:
    """With --enable-lora, the LoRA kernels' time in a decode step of the slowest stage and in
    one request's prefill of `chunks` chunks (lora_cost: the adapters' slots read,
    activations, FLOPs), each labelled unvalidated (LORA_UNVALIDATED); [] without."""
    if not ctx.lora_stages:
        return []
    dev = ctx.device
    eff, efficiency = _weights_efficiency(ctx)
    rate = _capped(ctx, f"{dev.gpu.memory_bandwidth_gbps:,.0f} GB/s x {eff:.3f} {efficiency}",
                   eff)
    adapters = int(parts["lora_adapters"])
    read_s, compute_s = parts["lora_read"], parts["lora_compute"]
    decode_note = _notes(f"adapters read: {ACTIVE_ADAPTERS} (the worst case)", LORA_SHARED_NOTE)
    prefill_note = _notes(_prefill_lora_assumes(ctx), LORA_SHARED_REF)
    return [
        _term("lora_decode", f"Decode: LoRA kernels per stage step ({LORA_UNVALIDATED})",
              parts["lora"] * 1e3, "ms",
              f"max(read, compute): read ({counted(adapters, 'active adapter')} x their slots "
              f"{parts['lora_adapter_bytes'] / 1e6:,.2f} MB + activations "
              f"{parts['lora_activation_bytes'] / 1e6:,.3f} MB) / {rate} = {_part_ms(read_s)}; "
              f"compute {parts['lora_flops'] / 1e9:,.3f} GFLOP / ({dev.attn_flops / 1e12:,.0f} "
              f"TFLOP/s x {_compute_eff(ctx)}) = {_part_ms(compute_s)}; at {_avg_of(micro, 'seq')} "
              f"a step", decode_note,
              {"active_adapters": adapters, "max_loras": ctx.lora_stages[0].max_loras,
               "sequences": micro, "adapter_bytes": parts["lora_adapter_bytes"],
               "activation_bytes": parts["lora_activation_bytes"],
               "lora_flops": parts["lora_flops"],
               "bandwidth_gbps": dev.gpu.memory_bandwidth_gbps, "bandwidth_efficiency": eff,
               **_cap_inputs(ctx, eff), "attention_tflops": dev.attn_flops / 1e12,
               "compute_efficiency": ctx.compute_eff}),
        _term("lora_prefill", f"Prefill: LoRA kernels in one request's prefill "
              f"({LORA_UNVALIDATED})",
              prefill.seconds * 1e3, "ms",
              f"each chunk's max(read, compute) of its LoRA kernels (1 active adapter: one "
              f"request), summed over {load.input_len:,} tokens in {counted(chunks, 'chunk')} "
              f"through {counted(ctx.pp, 'stage')}: read the adapter's slots "
              f"{prefill.adapter_bytes / 1e6:,.2f} MB + activations "
              f"{prefill.activation_bytes / 1e6:,.3f} MB, compute {prefill.flops / 1e9:,.3f} "
              f"GFLOP (at lora_decode's read and 16-bit rates) = {_ms(prefill.seconds)} (in the "
              "prefill term)",
              prefill_note, {"input_tokens": load.input_len, "max_num_batched_tokens": ctx.mbt,
                     "chunks": chunks, "adapter_bytes": prefill.adapter_bytes,
                     "activation_bytes": prefill.activation_bytes,
                     "lora_flops": prefill.flops}),
    ]


LORA_SHARED_NOTE = (
    f"{LORA_UNVALIDATED} (no LoRA run in the calibration data; no coefficient fitted); vLLM "
    "0.17.0-0.34.0 lora/punica_wrapper/punica_gpu.py, ops/triton_ops lora_shrink_op.py, "
    "lora_expand_op.py, fused_moe_lora_op.py: only the active adapters' slots are read, after "
    "the base GEMM on the same stream (speed.lora_cost); not counted: the LoRA kernels' launch "
    "and tail time (2 Triton kernels and a buffer fill per wrapped module)")
"""What the lora_decode and lora_prefill terms share: lora_decode's note says it, lora_prefill's
refers to it (LORA_SHARED_REF)."""

LORA_SHARED_REF = "calibration, vLLM source and what is not counted: as lora_decode's note"
"""lora_prefill's reference to LORA_SHARED_NOTE (the two terms are shown together)."""


def _prefill_lora_assumes(ctx: Context) -> str:
    """What the lora_prefill term assumes: the one request's adapter alone (not lora_decode's
    ACTIVE_ADAPTERS), read again by each chunk on each stage; its routed experts as the
    chunk's tokens touch them; MLA's prefill-only kv_b_proj slots (LoraStage.
    prefill_adapter_elements) where the model has them."""
    moe = any(stage.num_experts for stage in ctx.lora_stages)
    mla = any(stage.prefill_adapter_elements for stage in ctx.lora_stages)
    return ("1 adapter read: the one request's own, its prompt prefilled alone (no other "
            "request's adapter in its chunks); its slots read whole by every chunk on every "
            "stage" + (", its routed experts' as the chunk's tokens touch them" if moe else "")
            + (", MLA's kv_b_proj too (prefill only)" if mla else ""))


def _decode_step_term(ctx: Context, tpot_base: float, padding: list[Term], stages_note: str,
                      sequences: int, hops_s: float, drafted: Drafted | None) -> Term:
    """The whole pipeline's decode step from the stage terms above (padding: _padding_terms;
    the LoRA kernels: _lora_terms), with the host work per sequence where the coefficients
    have any (step.sequence_host_s: SGLang's rows in bench/speed_accuracy.py; 0 for vLLM);
    with `drafted`, the verify step of k + 1 tokens a sequence the terms above are of."""
    verify = (f"verify step of {drafted.k} drafts + 1 = {drafted.k + 1} tokens a sequence "
              "(the terms above are its): ") if drafted else ""
    us, host_s = ctx.c.sequence_step_overhead_us, sequence_host_s(ctx, sequences)
    host = f" + {us:g} us host work x {counted(sequences, 'sequence')} ({_ms(host_s)})" \
        if us else ""
    return _term("decode_step", "Decode step (whole pipeline)", tpot_base * 1e3, "ms",
                 f"{verify}max(sum over {counted(ctx.pp, 'stage')}, min(sequences, PP) x "
                 "slowest stage) "
                 f"of [max(weights + KV, compute) + all-reduce"
                 f"{' + padded MoE rows' if padding else ''}"
                 f"{' + LoRA kernels' if ctx.lora_stages else ''} + overhead] + "
                 f"{counted(ctx.pp - 1, 'stage hop')}"
                 + (f" ({_ms(hops_s)})" if ctx.pp > 1 else "") + host + f" = {_ms(tpot_base)}",
                 _notes(stages_note, "each stage hop: one NCCL send of the micro-batch's hidden "
                        "states (the link's start-up + one step + bytes / (link rate x link "
                        "efficiency))" if ctx.pp > 1 else "",
                        _fitted("the host work per sequence per step") if us else ""),
                 {"pp_stages": ctx.pp, "stage_hops": ctx.pp - 1, "stage_hops_ms": hops_s * 1e3,
                  "sequences": sequences}
                 | ({"sequence_step_overhead_us": us} if us else {}))


def _prefill_terms(ctx: Context, load, prefill_s: float, marginal_s: float, chunks: int,
                   softmax_s: float, drafted: Drafted | None = None) -> list[Term]:
    """One request's prefill (each chunk the slower of its compute, attention and softmax or
    its weight read, + all-reduce), its softmax exponentials, and the work it adds to a busy
    step; with `drafted`, `prefill_s` and `marginal_s` hold the drafter's over the prompt
    (its own term: _draft_prefill_term), which the prefill term leaves out."""
    dev = ctx.device
    own_s, own_marginal = ((drafted.prefill_s, drafted.prefill_marginal_s) if drafted
                           else (0.0, 0.0))
    target_s = prefill_s - own_s
    with_draft = f" ({_ms(target_s)} + the drafter's {_ms(own_s)})" if drafted else ""
    experts = f"experts x {ctx.expert_compute:.3f} fitted; " if dev.moe is not None else ""
    expert_inputs = {"expert_compute_factor": ctx.expert_compute} if dev.moe is not None else {}
    if dev.moe is not None and ep_ranks(ctx) > 1:
        first = min(ctx.mbt, load.input_len) * ctx.dp
        busiest = expert_shares(ctx, first)[1]
        experts = (f"experts x {ctx.expert_compute:.3f} fitted x the busiest of {ep_ranks(ctx)} "
                   f"EP ranks' expected (token, expert) pairs / the mean's, E[max] of "
                   f"Binomial(tokens x {dev.moe.experts_per_token}, 1/{ep_ranks(ctx)}): "
                   f"{busiest:.3f} at {first:,} tokens; ")
        expert_inputs["busiest_rank_pairs_ratio"] = busiest
    exp_inputs = _exp_inputs(ctx) if math.isfinite(dev.exp_rate) else {}
    return [
        _term("prefill", "Prefill of one request", target_s * 1e3, "ms",
              f"{counted(chunks, 'chunk')} of <= {ctx.mbt:,} tokens of {load.input_len:,}, each "
              f"max(2 x active params x tokens at {dev.peak_flops / 1e12:,.0f} TFLOP/s ("
              f"{experts}the lm_head on one token per chunk"
              f"{_part_rates(dev)}) + causal "
              f"attention at {_attn_rate(ctx)} TFLOP/s, all x "
              f"{_compute_eff(ctx, 2)}, + softmax {_ms(softmax_s)}; weight read) + "
              f"all-reduce through {counted(ctx.pp, 'stage')} = {_ms(target_s)}", _gemm_note(ctx),
              {"input_tokens": load.input_len, "chunks": chunks,
               "max_num_batched_tokens": ctx.mbt, **expert_inputs, **_compute_inputs(ctx),
               "softmax_ms": softmax_s * 1e3, "pp_stages": ctx.pp}),
        _term("prefill_softmax", "Prefill: softmax exponentials", softmax_s * 1e3, "ms",
              f"{load.input_len:,} tokens x keys seen (causal, capped by sliding windows and "
              f"sparse top-k) x query heads per GPU, summed over layers and chunks, / "
              + (f"{dev.exp_rate / 1e12:.4g}e12 exp/s ({_exp_rule(ctx)}) = {_ms(softmax_s)}"
                 if math.isfinite(dev.exp_rate)
                 else f"({_no_exp_rate(ctx)}: left out) = 0 ms"),
              "P.V waits for the softmax (NVIDIA, 'Making Softmax More Efficient with NVIDIA "
              "Blackwell Ultra'): the exponentials add to the attention GEMMs"
              + (f"; FP32 lanes and SFU exponentials per SM of compute capability "
                 f"{dev.gpu.compute_capability}: hardware.SM_UNITS (its NOTE gives the CUDA "
                 f"programming guide's figures; 12.x unverified); FP32 TFLOP/s: "
                 f"{_datasheet(ctx)}" if exp_inputs else ""),
              {"input_tokens": load.input_len, **exp_inputs}),
        _term("prefill_tokens_per_s", "Prefill tokens/s (one request)",
              load.input_len / prefill_s, "tok/s",
              f"{load.input_len:,} prompt tokens / {_ms(prefill_s)} prefill{with_draft} = "
              f"{load.input_len / prefill_s:,.0f} tok/s", "",
              {"input_tokens": load.input_len, "prefill_ms": prefill_s * 1e3}),
        _term("prefill_marginal", "Prefill work one request adds to a busy step",
              marginal_s * 1e3, "ms",
              f"compute + all-reduce of {load.input_len:,} tokens (no weight re-read) on the "
              f"busiest stage"
              + (f" {_ms(marginal_s - own_marginal)} + the drafter's pass over them "
                 f"{_ms(own_marginal)}" if drafted else "") + f" = {_ms(marginal_s)}", "",
              {"input_tokens": load.input_len}),
        *([_draft_prefill_term(ctx, load, drafted)] if drafted else []),
    ]


def _ttft_term(ctx: Context, load, per_replica: int, tpot_base: float, prefill_s: float,
               ttft: float, burst, steady) -> Term:
    """The time to first token: the fitted request and prompt-token overheads + the burst's
    prefill where the requests arrive together, else the prefill, the decode steps ahead and
    the wait for the others' prefills (steady, or a fitted share of them queued ahead)."""
    c = ctx.c
    queued = burst is None and steady is None and load.arrival != "steady"
    inputs: Inputs = {"request_overhead_ms": c.request_overhead_ms,
                      "prompt_token_overhead_us": c.prompt_token_overhead_us,
                      "input_tokens": load.input_len}
    if burst is not None:
        inputs |= {"burst_prefill_ms": burst[0] * 1e3, "requests": per_replica}
    else:
        inputs |= {"prefill_ms": prefill_s * 1e3, "decode_steps_ahead":
                   steps_ahead(ctx) if per_replica > 1 else 0, "decode_step_ms": tpot_base * 1e3}
    if steady is not None:
        inputs["steady_wait_ms"] = steady[0] * 1e3
    if queued:
        inputs |= {"queue_share": c.queue_share, "other_requests": per_replica - 1}
    shares = ", the queue share" if queued else ""
    return _term("ttft", "Time to first token (a served request)", ttft * 1e3, "ms",
                 f"{c.request_overhead_ms:g} ms fitted request overhead + "
                 f"{c.prompt_token_overhead_us:g} us fitted per prompt token x "
                 f"{load.input_len:,} prompt tokens + "
                 + (f"{_ms(burst[0])} burst prefill (mean over "
                    f"{counted(per_replica, 'request')} arriving together) = {_ms(ttft)}"
                    if burst is not None else
                    f"{_ms(prefill_s)} prefill + "
                    + _steps_ahead_text(ctx, tpot_base, per_replica)
                    + (f"{_ms(steady[0])} steady wait for the others' prefill work = "
                       f"{_ms(ttft)}" if steady is not None else
                       f"no wait (no other request) = {_ms(ttft)}"
                       if load.arrival == "steady" else
                       f"{c.queue_share:.3g} fitted share x {counted(per_replica - 1, 'other')} x "
                       f"{_ms(prefill_s)} prefill queued ahead = {_ms(ttft)}")),
                 _notes("the per-prompt-token time is fitted (BLIS's alpha1 form): host work "
                        "such as tokenization explains part of it, the rest is prefill time the "
                        "roofline misses", _fitted(f"the request and per-prompt-token "
                                                   f"overheads{shares}")),
                 inputs)


def _kv_wait_term(load, kv_limit, kv_wait: float, ttft: float, tpot: float,
                  aggregate: float) -> Term:
    """The closed loop's wait for a KV slot where more clients than slots ask (Little's law),
    outside TTFT."""
    return _term("kv_wait", "Wait for a KV slot (before TTFT starts)", kv_wait * 1e3, "ms",
                 f"({load.concurrency} clients / {counted(kv_limit, 'slot')} - 1) x "
                 f"({_ms(ttft)} TTFT + "
                 f"{load.output_len:,} output x {_ms(tpot)} TPOT) = {_ms(kv_wait)}"
                 if kv_wait else f"{counted(load.concurrency, 'client')} <= "
                 f"{counted(kv_limit, 'KV slot')}: none "
                 "waits = 0 ms",
                 "closed loop (each client sends its next request when its last ends): by "
                 "Little's law a request spends clients / slots x its served time in the server; "
                 f"a client's first token comes after {_ms(kv_wait + ttft)} and its tokens/s is "
                 f"{aggregate / load.concurrency:,.2f} (all requests' / clients); not in TTFT "
                 "(unvalidated: the calibration runs' KV size is unknown)" if kv_wait else "",
                 {"clients": load.concurrency, "kv_slots": kv_limit, "ttft_ms": ttft * 1e3,
                  "output_tokens": load.output_len, "tpot_ms": tpot * 1e3})


def _output_terms(ctx: Context, load, conc, per_replica: int, tpot_base: float,
                  interference: float, marginal_s: float, tpot: float, ttft: float,
                  aggregate: float, drafted: Drafted | None = None) -> list[Term]:
    """The time per output token (the decode step + the others' prefill work spread over the
    output tokens; with `drafted`, the speculative step (`tpot_base`) over the mean
    acceptance length) and the output tokens/s of all served requests it gives."""
    c = ctx.c
    step = (f"{_ms(tpot_base)} speculative step / {decimal(drafted.acceptance)} mean acceptance "
            f"length ({_ms(tpot_base / drafted.acceptance)})" if drafted
            else f"{_ms(tpot_base)} decode step")
    spec_inputs = {"spec_acceptance_length": drafted.acceptance} if drafted else {}
    return [
        _term("tpot", "Time per output token", tpot * 1e3, "ms",
              f"{step} + {c.prefill_interference:.3f} fitted share x "
              f"{counted(per_replica - 1, 'other')} x {_ms(marginal_s)} / "
              f"{load.output_len:,} output tokens ({_ms(interference)}) = {_ms(tpot)}",
              _notes("not a TPOT with one output token (TPOT: n/a, no gap between output "
                     "tokens); the output tokens/s below uses it" if load.one_token else "",
                     _fitted("the prefill interference share")),
              {"decode_step_ms": tpot_base * 1e3,
               "prefill_interference": c.prefill_interference,
               "other_requests": per_replica - 1, "prefill_marginal_ms": marginal_s * 1e3,
               "output_tokens": load.output_len, "interference_ms": interference * 1e3}
              | spec_inputs),
        *([] if load.one_token else [_term(
            "output_tokens_per_s_per_request", "Output tokens/s per request", 1 / tpot, "tok/s",
            f"1 / {_ms(tpot)} TPOT = {1 / tpot:,.1f} tok/s",
            "a request's rate between its output tokens, without its wait for the first",
            {"tpot_ms": tpot * 1e3})]),
        _term("output_tokens_per_s", "Output tokens/s (all requests)", aggregate, "tok/s",
              f"{counted(conc, 'request')} / ({_ms(tpot)} + {_ms(ttft)} / {load.output_len:,}) = "
              f"{aggregate:,.1f} tok/s", "",
              {"requests": conc, "tpot_ms": tpot * 1e3, "ttft_ms": ttft * 1e3,
               "output_tokens": load.output_len}),
    ]


def _steps_ahead_text(ctx: Context, tpot_base: float, per_replica: int) -> str:
    """The TTFT formula's decode steps ahead of the prefill (step.steps_ahead): "one decode
    step 17.424 ms + ", "2 decode steps 2 x 17.424 ms (async scheduling) + ", "" alone."""
    if per_replica < 2:
        return ""
    if steps_ahead(ctx) == 1:
        return f"one decode step {_ms(tpot_base)} + "
    return f"2 decode steps 2 x {_ms(tpot_base)} (async scheduling) + "


def _burst_term(ctx: Context, load, requests: int, mean_s: float, steps: list[BurstStep]) -> Term:
    """The burst's prefill steps (step.burst_estimate): each step's tokens, prompts, time and the
    requests that end in it (the first three and the last two steps of a longer burst)."""
    shown, clock, done = [], 0.0, 0
    for n, st in enumerate(steps, 1):
        clock += st.seconds
        ends = (f"requests {done + 1}-{done + st.ended}" if st.ended > 1
                else f"request {done + 1}" if st.ended else "none")
        done += st.ended
        if n <= 3 or n > len(steps) - 2:
            shown.append(f"step {n}: {st.tokens:,} tokens of {counted(st.prompts, 'prompt')}, "
                         f"{_ms(st.seconds)}, ends at {_ms(clock)}, {ends} end")
        elif n == 4:
            shown.append(f"... {len(steps) - 5} more")
    return _term(
        "burst_prefill", "Burst: prefill steps until a request's prompt ends", mean_s * 1e3,
        "ms", f"{counted(requests, 'prompt')} x {load.input_len:,} tokens packed first come first "
        f"served into {counted(len(steps), 'step')} of <= {ctx.mbt:,} tokens "
        f"({'; '.join(shown)}); mean over the {counted(requests, 'request')} of the time their "
        f"last step ends = {_ms(mean_s)}",
        "all requests arrive together (a closed-loop benchmark of equal lengths): vLLM's "
        "scheduler fills each step with waiting prompts up to max_num_batched_tokens, "
        "chunking the one that does not fit; each step is a prefill step of its tokens "
        "(compute, attention, all-reduce, overhead); the decode tokens of requests already "
        "prefilled, which share later steps, are not counted",
        {"requests": requests, "input_tokens": load.input_len, "steps": len(steps),
         "max_num_batched_tokens": ctx.mbt})


def _steady_term(others: int, marginal_s: float, wait_s: float, cycle_s: float) -> Term:
    """The wait under steady arrivals (step.steady_wait_s) with its M/D/1 figures."""
    rho = others * marginal_s / (cycle_s + wait_s)
    return _term(
        "steady_wait", "Steady arrivals: wait for the others' prefill work", wait_s * 1e3, "ms",
        f"{others} other clients each send a request every {_ms(cycle_s + wait_s)} (TTFT + "
        f"output, this wait included), each bringing {_ms(marginal_s)} of prefill work: busy "
        f"share rho = {others} x {_ms(marginal_s)} / {_ms(cycle_s + wait_s)} = {rho:.3f}; "
        f"wait = rho x {_ms(marginal_s)} / (2 (1 - rho)) = {_ms(wait_s)}",
        "desynchronized arrivals (production traffic, a closed loop of varied lengths or "
        "staggered starts): a request arriving at a random moment waits for the prefill work "
        "in progress, the M/D/1 mean wait (Pollaczek-Khinchine, fixed service time); no fitted "
        "share (`--arrival staggered` queues behind a fitted share of whole prefills, as a "
        "fixed-length benchmark's bunched rounds do); not validated: on its first blind check "
        "(7 DGX Spark runs) it plans 5 of 7 TTFTs under and a sixth on (+0.05 %), median "
        "35.4 % against 47.8 % staggered (bench/public_speed.py)",
        {"other_clients": others, "prefill_marginal_ms": marginal_s * 1e3,
         "cycle_ms": (cycle_s + wait_s) * 1e3, "busy_share": rho})


def _pass_term(d: Stage, key: str, label: str, seconds: float, parts: dict[str, float],
               tokens: float, sequences: float, context: float, what: str) -> Term:
    """One drafter pass (step._draft_pass) of `tokens` tokens of `sequences` sequences: the
    roofline of `d`'s read and compute (Context.draft's first or later pass), + its all-reduce
    and per-layer overhead."""
    experts = (f" + {d.expert_bytes:,} B routed experts x the share {_avg(tokens)} tokens touch"
               if d.expert_bytes else "")
    routed = (f" (+ {d.expert_params_per_token:,.0f} routed-expert params a token)"
              if d.expert_params_per_token else "")
    windows = "".join(f" + min({context:,.0f}, {w:,}) tokens x {b:,} B" for w, b in d.window_kv)
    return _term(
        key, label, seconds * 1e3, "ms",
        f"{what}: max(weights {d.dense_bytes:,} B{experts} ({_part_ms(parts['weights'])}) + "
        f"KV {_avg_of(sequences, 'sequence')} x {context:,.0f} tokens x "
        f"{d.kv_bytes_per_token:,} B{windows} ({_part_ms(parts['kv'])}), compute: 2 x "
        f"{d.dense_params - d.lm_head_params:,.0f} params{routed} x "
        f"{_avg_of(tokens, 'token')} + 2 x {d.lm_head_params:,.0f} lm_head params x "
        f"{_avg_of(sequences, 'row')} + attention ({_part_ms(parts['compute'])})) + "
        f"all-reduce {_part_ms(parts['allreduce'])} + overhead of "
        f"{counted(d.layers, 'layer')} {_part_ms(parts['overhead'] + parts['moe_padding'])} = "
        f"{_ms(seconds)}",
        "the target's rates and efficiencies (the decode terms above); "
        f"{DRAFT_UNVALIDATED}",
        {"tokens": tokens, "sequences": sequences, "context_tokens": context,
         "draft_weight_bytes": d.dense_bytes, "draft_expert_bytes": d.expert_bytes,
         "draft_params": d.dense_params, "draft_kv_bytes_per_token": d.kv_bytes_per_token,
         "weights_ms": parts["weights"] * 1e3, "kv_ms": parts["kv"] * 1e3,
         "compute_ms": parts["compute"] * 1e3, "allreduce_ms": parts["allreduce"] * 1e3,
         "overhead_ms": (parts["overhead"] + parts["moe_padding"]) * 1e3})


def _draft_terms(ctx: Context, drafted: Drafted, micro: float, context: float,
                 verify_s: float) -> list[Term]:
    """The drafter's passes in one decode step (step.draft_estimate) and the speculative step
    they make with the verify step."""
    k, passes = drafted.k, drafted.passes
    later = [_pass_term(ctx.draft.later, "spec_draft_pass", f"Drafter passes 2 to {k}",
                        passes.later_s, passes.later, micro, micro, context,
                        f"each of {k - 1} more: one token a sequence")] if k > 1 else []
    rounds = min(round(micro * ctx.pp), ctx.pp)
    micro_batches = (f" x {counted(rounds, 'micro-batch')} (PP: the last stage drafts for "
                     "each)" if rounds > 1 else "")
    return [
        _pass_term(ctx.draft.first, "spec_draft_first", "Drafter pass 1", passes.first_s,
                   passes.first, micro * (k + 1), micro, context,
                   f"{drafted.drafter} over the verify step's {k + 1} tokens a sequence"),
        *later,
        _term("spec_step", "Speculative step (verify + drafter)", drafted.step_s * 1e3, "ms",
              f"{_ms(verify_s)} verify step + ({_ms(passes.first_s)} pass 1"
              + (f" + {k - 1} x {_ms(passes.later_s)}" if k > 1 else "")
              + f"){micro_batches} = {_ms(drafted.step_s)}; each emits "
              f"{decimal(drafted.acceptance)} {plural(drafted.acceptance, 'token')} a request "
              "on average (the mean acceptance length, given)",
              "vLLM 0.34.0 Model Runner V2: the verify step schedules k drafts + 1 token a "
              "request; the drafter (TargetDependentARSpeculator.propose) runs one pass over "
              "the step's tokens, then k - 1 of one token a request; the sampling and input "
              f"kernels between passes are not counted; {DRAFT_UNVALIDATED}",
              {"verify_step_ms": verify_s * 1e3, "draft_pass_first_ms": passes.first_s * 1e3,
               "draft_pass_ms": passes.later_s * 1e3, "num_speculative_tokens": k,
               "spec_acceptance_length": drafted.acceptance}),
    ]


def _draft_prefill_term(ctx: Context, load, drafted: Drafted) -> Term:
    """The drafter over one prompt (step.draft_prefill)."""
    chunks = math.ceil(load.input_len / ctx.mbt)
    skips = not drafted.every_chunk
    proposing = "the last chunk" if skips else "each chunk"
    skipping = ("vLLM 0.33.0+ on Model Runner V2: a step of non-final prefill chunks alone "
                "proposes no drafts (SchedulerOutput.skip_drafts), its first pass only keeps the "
                "drafter's KV; "
                if skips else "")
    return _term(
        "spec_draft_prefill", "Prefill: the drafter over the prompt", drafted.prefill_s * 1e3,
        "ms", f"{counted(chunks, 'chunk')} of <= {ctx.mbt:,} tokens of {load.input_len:,}: a "
        f"pass of {drafted.drafter} over each chunk + {drafted.k - 1} of one token after "
        f"{proposing} = {_ms(drafted.prefill_s)}; in a busy step it adds its compute + "
        f"all-reduce {_ms(drafted.prefill_marginal_s)}",
        "in the prefill and TTFT (a burst's packed prefill steps leave it out); "
        f"{skipping}{DRAFT_UNVALIDATED}",
        {"input_tokens": load.input_len, "chunks": chunks,
         "num_speculative_tokens": drafted.k,
         "marginal_ms": drafted.prefill_marginal_s * 1e3})
