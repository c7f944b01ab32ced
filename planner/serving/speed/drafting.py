"""Speculative decoding in the speed: the drafter's pass as a Stage (an EAGLE-3 drafter's
decoder layer, fc and lm_head; an MTP draft layer with the target's lm_head) and the passes
one step and one prompt run, at the user's mean acceptance length
(ServingLoad.spec_acceptance_length).

NOTE (vLLM 0.34.0, Model Runner V2, the only runner there; the default target release):
- v1/worker/gpu/model_runner.py: after each step's forward and sampling, every step (prefill
  chunks included) calls speculator.propose over the step's batch; EagleSpeculator and
  MTPSpeculator (spec_decode/eagle/speculator.py, mtp/speculator.py) are both
  TargetDependentARSpeculator (target_dependent_ar/speculator.py).
- propose runs the drafter once over the step's scheduled tokens, input_batch.num_tokens ("we
  maintain the size of input_ids and hidden_states the same as the target model's"), and
  samples draft token 0 from the last token of each request (_prefill:
  last_hidden_states[last_token_indices]); then, with num_speculative_tokens k > 1,
  _run_multi_step_decode runs k - 1 more passes of one token per request
  (autoregressive/speculator.py _multi_step_decode: `for step in range(1,
  num_speculative_steps)`, uniform_token_count=1). k passes in all. The V1 runner before it
  does the same (v1/spec_decode/eagle.py EagleProposer.propose, 0.17.0: a pass over
  num_tokens, then `for token_index in range(self.num_speculative_tokens - 1)` over
  batch_size; llm_base_proposer.py, 0.33.0, likewise): the same passes on 0.17.0-0.34.0
  (earlier releases' MTP proposer not read).
- An EAGLE-3 drafter's fc (3 x hidden -> hidden, ReplicatedLinear) runs once a step, before
  the first pass: propose calls self.model.combine_hidden_states (-> self.model.fc) on the
  target's aux hidden states (target_dependent_ar/speculator.py 0.34.0; eagle.py
  EagleProposer.propose 0.19.0; llm_base_proposer.py 0.25.0), and the later passes feed the
  drafter's own output back (llama_eagle3.py LlamaModel.forward calls no fc), so only the
  first pass reads it. An MTP layer's fc (eh_proj) is in its forward: every pass.
- From 0.33.0 (Model Runner V2, every model's default there: vllm_versions.V2_RUNNER_DEFAULTS)
  a step whose every request is a non-final prefill chunk proposes no drafts
  (scheduler.py Scheduler._drafts_unused -> SchedulerOutput.skip_drafts; model_runner.py
  num_spec_tokens_to_schedule 0): propose runs the first pass alone, to keep the drafter's
  KV in sync (DRAFTS_SKIPPED_FROM). Before it, and on 0.33.x's Model Runner V1 (asked with
  --model-runner v1), every chunk's step proposes k.
- The target's decode step schedules each running request's k drafts + 1 token and computes
  logits at all of them (v1/worker/gpu/input_batch.py: num_logits = num_draft_tokens + 1 per
  request), so a verify step is a decode step of C x (k + 1) tokens reading each request's KV
  once.
- vLLM's SpecDecoding log line "Mean acceptance length: %.2f" is 1 + accepted / drafts
  ("Conventionally, mean acceptance length includes the bonus token":
  v1/spec_decode/metrics.py SpecDecodingLogging.log, 0.17.0 and 0.34.0): the tokens each
  request's step emits on average, 1 to k + 1. TPOT = step / that.
Not modelled: the drafter's sampling and input-preparation kernels between passes, the
verify step's rejection sampler over its C x (k + 1) logits rows, and the drafter's CUDA-graph
modes (each pass costs the per-layer overhead of its layers, as a target step); the lm_head a
skipped chunk's first pass does not run (skip_sample: one row, read whole here); vLLM's token
budget: a step schedules at most max_num_batched_tokens (scheduler.py: each running request's
k + 1 capped by the budget left, drafts cut to fit, the rest wait), while C x (k + 1) is timed
whole here; a hybrid's verify step reads and writes its recurrent state at one token's size
(step._state_bytes).
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from planner.model.attention.compressed import DSV4_TOKEN_BYTES
from planner.model.attention.kvformat import KvBytes
from planner.model.spec import ModelSpec
from planner.serving.eagle import EagleDraft, eagle_kv_layers, eagle_rank_bytes
from planner.serving.engine import EngineSettings
from planner.serving.plan import PlanRequest
from planner.serving.speed.kernels import FA3_MAX_HEAD_DIM
from planner.serving.speed.stages import AttnGroup, Stage
from planner.serving.vocab import vocab_rows_per_rank
from planner.serving.weights import mtp_fc_replicated
from planner.serving.weights_dsv4 import dsv4_draft_bytes
from planner.text import counted, decimal

DRAFT_UNVALIDATED = ("the drafter's timing is unvalidated: the calibration data has no "
                     "speculative-decoding rows")
"""What the speed says of every drafter figure (its terms and note)."""


def acceptance_refusal(acceptance: float | None, k: int) -> str:
    """Why a mean acceptance length cannot be planned with `k` draft tokens a step
    (EngineSettings.num_speculative_tokens; "" where it can): it needs drafts and lies in 1
    to k + 1."""
    if acceptance is None:
        return ""
    if not k:
        return ("--spec-acceptance-length needs speculative decoding: give "
                "--num-speculative-tokens N (MTP, or with --speculative-model)")
    if not 1 <= acceptance <= k + 1:
        return (f"--spec-acceptance-length {decimal(acceptance)} is outside 1 to {k + 1}: with "
                f"{counted(k, 'draft token')} a step a request emits at most every draft + the "
                "bonus token")
    return ""


class DraftStages(NamedTuple):
    """The drafter's Stage on one GPU of the last stage for the first pass of a step (over its
    scheduled tokens) and for each later pass (one token a sequence): an EAGLE-3 drafter's fc
    runs in the first only (the module NOTE), an MTP layer's in every pass."""

    first: Stage
    later: Stage


def eagle_stages(draft: EagleDraft, spec: ModelSpec, engine: EngineSettings, tp: int, pp: int,
                 act_b: int, kv_b: KvBytes) -> DraftStages:
    """The EAGLE-3 drafter's passes on one GPU of the last stage: its decoder layer(s), norms
    and lm_head over draft_vocab_size read (eagle.eagle_rank_bytes in the served dtype; the
    d2t map and the embedding rows are looked up, not streamed), their parameters
    multiplied, its KV layers (eagle.eagle_kv_layers) read; the first pass reads and
    multiplies its fc (3 x hidden -> hidden, whole on every rank) too."""
    parts = eagle_rank_bytes(draft, tp, pp, act_b, spec.vocab_size, engine.vllm_version)
    heads = draft.num_heads // tp
    kv = sum(layer.bytes_per_token(kv_b, tp) for layer in eagle_kv_layers(draft, spec))
    width = draft.num_layers * heads * 2 * draft.head_dim

    def stage(fc: int) -> Stage:
        return Stage(
            layers=draft.num_layers, dense_bytes=parts.layers + fc + parts.norms
            + parts.lm_head, expert_bytes=0,
            dense_params=(parts.layers + fc + parts.lm_head) / act_b, router_params=0.0,
            lm_head_params=parts.lm_head / act_b, expert_params_per_token=0.0,
            attention=(AttnGroup(None, draft.head_dim > FA3_MAX_HEAD_DIM, width, width,
                                  draft.num_layers * heads),),
            sparse_layers=0, indexer_width=0, kv_bytes_per_token=kv, window_kv=(),
            compressed_kv=(), state_bytes=0, state_layers=(), moe_layers=0)

    return DraftStages(stage(parts.fc), stage(0))


def mtp_stage(request: PlanRequest, per_layer: tuple[Stage, ...], act_b: int) -> Stage:
    """One MTP draft pass on one GPU of the last stage: the target's last decoder layer (vLLM
    builds the draft layer as a copy of it), with the target's lm_head and final norm, as the
    last stage of a layout of one layer a stage gives them (`per_layer`:
    stages.pipeline_stages at PP = the layer count), + its fc (2 x hidden -> hidden; whole
    where vLLM replicates it, weights.mtp_fc_replicated; read in the served dtype) and the 2
    more norms."""
    spec = request.model
    last = per_layer[-1]
    h, tp = spec.hidden_size, request.layout.tp
    fc = 2 * h * h // (1 if mtp_fc_replicated(spec) else tp)
    return replace(last, layers=1, dense_bytes=last.dense_bytes + (fc + 2 * h) * act_b,
                   dense_params=last.dense_params + fc)


def dsv4_mtp_stage(request: PlanRequest, per_layer: tuple[Stage, ...], act_b: int,
                   sequence_parallel: bool) -> Stage:
    """One DeepSeek-V4 MTP draft pass on one GPU of the last stage, as vLLM 0.34.0
    models/deepseek_v4/nvidia/mtp.py runs DeepSeekV4MultiTokenPredictorLayer.forward and
    compute_logits on every pass: the fused enorm / hnorm, h_proj over the target's
    hc_mult-stream residual (T x hc_mult rows) + e_proj over the embeddings (T rows), its
    mtp_block (a DeepseekV4DecoderLayer at compress ratio 1: window-only attention, no
    compressor nor indexer), then hc_head (fn / base / scale) and shared_head.norm before the
    target's lm_head on the rows vLLM computes logits for. Read every pass: its weights but the
    routed experts (weights_dsv4.dsv4_draft_bytes at no local expert: the block, its
    hyper-connections, the 3 norms, e_proj and h_proj whole, hc_head; its shared experts whole
    where `sequence_parallel`) + the target's lm_head rows on this rank; its routed experts are
    the last decoder layer's (the same MoE: Mxfp4MoEMethod, the same EP share), read at the
    share its tokens touch. Multiplied as the target's last window-only layer (compress ratio
    <= 1, else its last layer; per_layer: stages.pipeline_stages at PP = the layer count), +
    e_proj and h_proj, (1 + hc_mult) x hidden^2 a token (each rank's token shard alone where
    `sequence_parallel`: x 1 / TP); its queries attend to the sliding window alone
    (DeepseekV4SWACache), whose KV it reads: min(context, window) x 584 B a sequence
    (compressed.DSV4_TOKEN_BYTES), as the target's layers read theirs."""
    spec, tp = request.model, request.layout.tp
    c, h = spec.compressed_attention, spec.hidden_size
    last = per_layer[-1]
    # the last window-only layer (the last layer where every layer compresses)
    window = per_layer[max((i for i, r in enumerate(c.compress_ratios) if r <= 1),
                           default=len(per_layer) - 1)]
    head = vocab_rows_per_rank(spec.vocab_size, tp) * h * act_b
    projections = (1 + c.hc_mult) * h * h / (tp if sequence_parallel else 1)
    return Stage(
        layers=1, dense_bytes=dsv4_draft_bytes(spec, tp, 0, act_b, sequence_parallel) + head,
        expert_bytes=last.expert_bytes,
        dense_params=window.dense_params - window.lm_head_params + projections
        + last.lm_head_params, router_params=window.router_params,
        lm_head_params=last.lm_head_params,
        expert_params_per_token=last.expert_params_per_token,
        attention=tuple(replace(g, span=c.sliding_window, compress_ratio=0, compressed_topk=0)
                        for g in window.attention),
        sparse_layers=0, indexer_width=0, kv_bytes_per_token=0,
        window_kv=((c.sliding_window, DSV4_TOKEN_BYTES),), compressed_kv=(), state_bytes=0,
        state_layers=(),
        moe_layers=1)


def drafter_label(engine: EngineSettings, spec: ModelSpec) -> str:
    """What drafts, in words: "the EAGLE-3 drafter REPO (1 decoder layer, fc, lm_head over
    32,000 tokens)", "the MTP layer (a copy of the last decoder layer, its fc, the target's
    lm_head)" or DeepSeek-V4's own (dsv4_mtp_stage)."""
    draft = engine.speculative_draft
    if draft is None and spec.compressed_attention is not None:
        return ("DeepSeek-V4's MTP layer (window-only attention + e_proj, h_proj, "
                "hyper-connections, hc_head; the target's lm_head)")
    if draft is None:
        return "the MTP layer (a copy of the last decoder layer + its fc; the target's lm_head)"
    return (f"the EAGLE-3 drafter {draft.model} ({draft.num_layers} decoder layer(s) + fc + its "
            f"lm_head over {draft.draft_vocab_size:,} tokens)")


class DraftPasses(NamedTuple):
    """The drafter's passes in one step (step.draft_estimate), in seconds, with the parts
    (step._step_parts) of the first pass and of one later pass."""

    seconds: float
    first_s: float
    later_s: float
    first: dict[str, float]
    later: dict[str, float]


class Drafted(NamedTuple):
    """Speculative decoding in one estimate: k drafts a step at mean acceptance length
    `acceptance`, the step (verify + the drafter's passes), the passes, and the drafter over one
    prompt (seconds alone, what it adds to a busy step: step.draft_prefill), and whether every
    prompt chunk's step proposes (step.proposes_every_chunk; else the last chunk's alone)."""

    drafter: str  # what drafts, in words (drafter_label)
    k: int
    acceptance: float
    step_s: float
    passes: DraftPasses
    prefill_s: float
    prefill_marginal_s: float
    every_chunk: bool
