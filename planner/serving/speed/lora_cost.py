"""Multi-LoRA's time in a step (`--enable-lora`): vLLM's Punica kernels on every wrapped module,
from the slots planner.serving.lora sizes (stage_parts: the shapes are read there, not here).

Read from the vLLM 0.34.0 wheel's lora/ and checked in 0.17.0-0.33.0 (lora.settings.LORA_READ: the
kernels' early return for an empty slot, their active-LoRA grid axis, the expand's
add_inputs and the scheduler's max_loras cap read alike in each; fused_moe_lora_op.py in
every one):
- each wrapped linear's forward runs its base GEMM, then punica_wrapper/punica_gpu.py
  add_lora_linear: lora_shrink (ops/triton_ops/lora_shrink_op.py: buffer[i] = x @ A[i] for
  each of the module's A slices, into a float32 (slices, tokens, rank) buffer it zeroes) and
  lora_expand (lora_expand_op.py: y[:, slice i] += buffer[i] @ B[i], add_inputs=True), on the
  same CUDA stream: 0.17.0-0.19.x have no other; from 0.20.0 VLLM_LORA_ENABLE_DUAL_STREAM,
  which would run them beside the base GEMM (layers/base_linear.py _apply_async_impl),
  defaults to "0" (envs.py; config/lora.py turns it off under --fully-sharded-loras). So the
  LoRA kernels add their own time to the step, after the base GEMM, not overlapped with it.
- which adapters are read: both kernels launch a grid whose third axis is the active-LoRA
  count (max_loras + 1 without --specialize-active-lora: LoRAKernelMeta.meta_args), and a
  program whose lora_ids entry is -1 (no adapter there) returns before reading anything
  (`if lora_id == -1: return`); the others read their adapter's A or B slice for the tokens
  of that adapter (token_indices_sorted_by_lora_ids). So a step reads the slots of the
  adapters its tokens use, not all max_loras slots; a batch without any adapter returns at
  no_lora_flag_cpu. vLLM's scheduler admits at most max_loras distinct adapters into one
  batch (v1/core/sched/scheduler.py: "Scheduling would exceed max_loras, skip."), so a step
  of S sequences reads min(S, max_loras) adapters when each sequence asks a different one:
  ACTIVE_ADAPTERS, the worst case, an input of the term.
- the MoE experts (lora/layers/fused_moe.py FusedMoEWithLoRA / FusedMoE3DWithLoRA, ops/
  triton_ops/fused_moe_lora_op.py): w13 then w2, each a shrink and an expand over the
  tokens sorted by (adapter, expert) (moe_lora_align_block_size); a block reads the A / B
  slots of its (adapter, expert), so a step reads, per active adapter, the experts its
  tokens are routed to: expected_experts_touched at that adapter's tokens.
- the embedding (layers/vocab_parallel_embedding.py): F.embedding gathers each token's A row,
  then add_lora_embedding expands it with B (the whole B read); the lm_head (layers/
  logits_processor.py, add_lora_logits): shrink and expand on the logit rows only.
- FLOPs: 2 x (A + B) elements of one adapter per token (2 x rank x (input + output) per slice),
  on the experts per (token, expert) pair; the kernels compute in the served 16-bit dtype
  (the shrink asserts float16 / bfloat16 inputs).
- CUDA graphs and torch.compile: lora_shrink and lora_expand are registered custom ops
  (direct_register_custom_op), opaque to the compiled graph; every capture size is captured
  once per active-LoRA case (lora.cuda_graphs.lora_capture_cases), so a step with adapters replays a
  graph holding the kernels above. Without --specialize-active-lora its grid has max_loras
  + 1 programs along the LoRA axis, the empty slots' returning at once; with it the grid is
  the active count rounded up to a captured power of two (LoRAKernelMeta.prepare_tensors).
  Either way the same slots are read: the term is the same, the early-returning programs'
  launch cost not counted.

Slots that hold no step's work: a GDN layer's conv1d (its weight goes to the causal_conv1d
kernels, the module is never called), the vision tower's and connector's
(--enable-tower-connector-lora: they run in the encoder, on image inputs only; a text step is
timed), a tied lm_head's alias as an embedding and the second wrapper of a module met again
through an alias (lora.part.LayerPart.wraps: the forward calls one). One runs in prefill only:
DeepSeek's MLA kv_b_proj (LayerPart.prefill_only; layers/attention/mla_attention.py calls it in
forward_mha and the prefill-context paths, 0.17.0-0.34.0; decode multiplies by the absorbed
W_UK / W_UV), so a decode step does not read its slots.

Activations are counted as memory traffic: at a prefill chunk's thousands of tokens they
stream from memory; at a decode step's few tokens they mostly sit in L2, so there the term is
an upper bound on them (Llama-3.1-8B at 8 sequences: 68 of the 421 MB).
Not modelled: each kernel's fixed launch and tail time (two Triton kernels and the buffer's
zeroing per wrapped module: the fitted per-layer overhead knows no LoRA run), repeat reads of
an adapter's slot by several token blocks beyond one (L2 caching assumed), the float32
buffer (12 x slices x rank B per token), and --fully-sharded-loras' all-gather of the shrink
output. No coefficient is fitted: ../shared/calibration has no LoRA run, so the term is
not validated against measured LoRA runs (LORA_UNVALIDATED, said wherever it is shown).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from planner.memo import IdentityMemo
from planner.model.spec import ModelSpec
from planner.serving.layout import ParallelLayout, first_moe, pp_layer_split
from planner.serving.lora.moe import ExpertSlots, rank_experts
from planner.serving.lora.part import Sums, part_sums
from planner.serving.lora.settings import LoraSettings, slot_dtype_bytes
from planner.serving.lora.slots import layer_runs, stage_parts
from planner.serving.speed.routing import expected_experts_touched

if TYPE_CHECKING:  # only types
    from planner.serving.speed.context import Context

ACTIVE_ADAPTERS = "min(sequences in the step, max_loras): each request a different adapter"
"""The assumption the LoRA term makes about the adapters a step reads (the worst case: vLLM
caps a batch's distinct adapters at max_loras), shown with the term."""

LORA_UNVALIDATED = "not validated against measured LoRA runs"
"""What the LoRA term says wherever it is shown: the calibration data has no LoRA run."""


class LoraStage(NamedTuple):
    """What one GPU of one pipeline stage's LoRA kernels move and multiply in a step, from
    lora.slots.stage_parts: per active adapter (slot elements read whole), per token, per logit row
    and per routed (token, expert) pair on this rank."""

    adapter_elements: int  # one adapter's slots read whole: every module a decode step runs
    # (not the experts), the embedding's B but not its A rows (looked up per token)
    expert_elements: int  # one adapter's routed-expert slots on this rank, all MoE layers
    token_elements: int  # activation elements a token moves (not the lm_head's nor experts')
    token_flop_elements: int  # one adapter's elements a token multiplies (lm_head, experts not)
    head_elements: int  # the lm_head's activation elements per logit row
    head_flop_elements: int  # one adapter's lm_head elements (per logit row)
    # a prefill step adds these to adapter_elements, token_elements and token_flop_elements:
    # the modules only prefill runs (LayerPart.prefill_only: MLA's kv_b_proj)
    prefill_adapter_elements: int
    prefill_token_elements: int
    prefill_token_flop_elements: int
    pair_elements: int  # the experts' activation elements per (token, expert) pair, all layers
    pair_flop_elements: int  # one adapter's one-expert elements per pair, all MoE layers
    pair_share: float  # (token, expert) pairs per routed token landing on this rank: k x
    # local experts / E
    num_experts: int  # E (0 for a dense model)
    top_k: int
    max_loras: int
    lora_b: int  # bytes of a slot element (lora_dtype)
    act_b: int  # bytes of an activation element (the served dtype)


_LORA_STAGES: IdentityMemo[tuple[LoraStage, ...]] = IdentityMemo(4096)
"""pipeline_lora by spec and (TP, PP, LoRA settings, activation bytes, the rank's experts of
an MoE model): a sweep's contexts share them (Llama 3.1 405B over 4,096 GPUs with
--enable-lora: 8,454 contexts of up to 126 stages; worked out stage by stage, layer by layer,
33 s)."""


def pipeline_lora(spec: ModelSpec, layout: ParallelLayout, lora: LoraSettings, act_b: int
                  ) -> tuple[LoraStage, ...]:
    """Each pipeline stage's LoraStage (lora_stage) on its TP rank 0 (EP rank 0 holds the most
    experts: lora.moe.rank_experts; DP and EP change a dense model's none). Cached
    (_LORA_STAGES)."""
    experts = rank_experts(layout, 0) if first_moe(spec) else ExpertSlots(layout.tp)
    return _LORA_STAGES.get(spec, (layout.tp, layout.pp, lora, act_b, experts),
                            _pipeline_lora, spec, layout, lora, act_b, experts)


def _pipeline_lora(spec: ModelSpec, layout: ParallelLayout, lora: LoraSettings, act_b: int,
                   experts: ExpertSlots) -> tuple[LoraStage, ...]:
    """Work out what pipeline_lora caches (equal stages as one object): each stage's layers
    from the running sums lora.slots.layer_runs keeps, its embedding and lm_head from
    stage_parts of no layer, once per kind of stage (first, last)."""
    running = layer_runs(spec, layout.tp, lora, experts).sums
    ends: dict[tuple[bool, bool], Sums] = {}
    distinct: dict[LoraStage, LoraStage] = {}
    stages = []
    for i, layers in enumerate(pp_layer_split(spec.num_layers, layout.pp)):
        kind = (i == 0, i == layout.pp - 1)
        if kind not in ends:
            ends[kind] = part_sums(stage_parts(spec, range(0), *kind, layout.tp, lora, experts))
        stage = lora_stage(spec, running[layers.start], running[layers.stop], ends[kind], lora,
                           experts, act_b)
        stages.append(distinct.setdefault(stage, stage))
    return tuple(stages)


def lora_stage(spec: ModelSpec, start: Sums, stop: Sums, ends: Sums, lora: LoraSettings,
               experts: ExpertSlots, act_b: int) -> LoraStage:
    """The LoraStage of the TP rank holding `experts` of a stage whose layers' running sums
    run from `start` to `stop` (lora.slots.layer_runs) and whose embedding and lm_head sum to
    `ends` (part.part_sums of lora.slots.stage_parts' slots, divided by max_loras here for
    one adapter)."""
    n = lora.max_loras
    (whole, routed, token, token_flop, head, head_flop, prefill_whole, prefill_token,
     prefill_flop, pair, pair_flop) = (
        b - a + end for a, b, end in zip(start, stop, ends, strict=True))
    moe = first_moe(spec)
    e, k = (moe.num_experts, moe.experts_per_token) if moe is not None else (0, 0)
    return LoraStage(
        adapter_elements=whole // n, expert_elements=routed // n, token_elements=token,
        token_flop_elements=token_flop // n, head_elements=head, head_flop_elements=head_flop // n,
        prefill_adapter_elements=prefill_whole // n, prefill_token_elements=prefill_token,
        prefill_token_flop_elements=prefill_flop // n,
        pair_elements=pair, pair_flop_elements=pair_flop // n,
        pair_share=k * experts.local(e) / e if e else 0.0, num_experts=e, top_k=k,
        max_loras=n, lora_b=slot_dtype_bytes(lora, act_b), act_b=act_b)


def active_adapters(stage: LoraStage, seqs: float) -> int:
    """ACTIVE_ADAPTERS: the distinct adapters a step of `seqs` sequences reads, at most
    max_loras."""
    return min(stage.max_loras, max(1, math.ceil(seqs)))


class LoraWork(NamedTuple):
    """One step's LoRA reads and FLOPs on one GPU of one stage."""

    adapters: int  # active adapters (active_adapters)
    adapter_bytes: float  # their slots read: whole, and the experts their tokens touch
    activation_bytes: float  # inputs read per slice, outputs read and written
    flops: float


def lora_work(stage: LoraStage, tokens: float, routed: float, logit_rows: float, seqs: float,
              prefill: bool) -> LoraWork:
    """The LoRA reads and FLOPs of a step of `tokens` new tokens (`routed`: the tokens the
    routed experts see, x DP), `logit_rows` lm_head rows and `seqs` sequences, a prefill or a
    decode step (`prefill`: the prefill-only modules run too): active adapters x (their slots
    read whole + their routed experts' slots x the expected fraction touched at tokens /
    adapters each, uniform routing), activations per token, per logit row and per (token,
    expert) pair on this rank; FLOPs 2 x the elements each multiplies."""
    adapters = active_adapters(stage, seqs)
    touched = (expected_experts_touched(stage.num_experts, stage.top_k, math.ceil(
        routed / adapters)) / stage.num_experts if stage.num_experts else 0.0)
    pairs = routed * stage.pair_share
    whole, token, token_flop = (stage.adapter_elements, stage.token_elements,
                                stage.token_flop_elements)
    if prefill:
        whole += stage.prefill_adapter_elements
        token += stage.prefill_token_elements
        token_flop += stage.prefill_token_flop_elements
    return LoraWork(
        adapters, adapters * (whole + stage.expert_elements * touched) * stage.lora_b,
        (tokens * token + logit_rows * stage.head_elements + pairs * stage.pair_elements)
        * stage.act_b,
        2 * (tokens * token_flop + logit_rows * stage.head_flop_elements
             + pairs * stage.pair_flop_elements))


def lora_step_s(ctx: Context, work: LoraWork) -> tuple[float, float]:
    """(read seconds, compute seconds) of a step's LoRA kernels: their bytes at the weights'
    read rate (the kernel family's bandwidth efficiency, Context.weights_bw) and their FLOPs at
    the served 16-bit rate (Device.attn_flops) x the compute efficiency; the step adds the
    larger (the kernels run after the base GEMM on its stream: module docstring)."""
    return ((work.adapter_bytes + work.activation_bytes) / ctx.weights_bw,
            work.flops / (ctx.device.attn_flops * ctx.compute_eff))


class PrefillLora(NamedTuple):
    """The LoRA kernels in one prompt's prefill, summed over its chunks and stages: seconds
    (each stage's max(read, compute) per chunk), the adapters' slot bytes and the activation
    bytes read, and FLOPs (all 0 without LoRA)."""

    seconds: float = 0.0
    adapter_bytes: float = 0.0
    activation_bytes: float = 0.0
    flops: float = 0.0
