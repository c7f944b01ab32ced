"""plan(PlanRequest) -> Plan: does the model fit, per GPU, and how much KV cache it leaves.

One serialisable result feeds the pages, the report and `--json`. Every figure comes with a
Term whose formula is filled in with the real numbers.

One concern per module; this package re-exports the names used outside it:
- models: PlanRequest, Term (and TermInputs), RankMemory, PlanSummary, Plan;
- shared: ENGINE (the engine whose rules plan() applies: every module reads it as
  shared.ENGINE, so swapping that one name swaps the engine), the per-spec cache (cached,
  spec_params, param_breakdown) and gib;
- facts: the NamedTuples both plan paths carry (Resolved, LayoutFacts, Refused, Setup,
  RequestLines);
- cluster: a rank's stage, node and GPU, the last node a layout reaches, the nodes' compute
  capabilities and NVLink GPUs;
- derive: the settings vLLM derives for a model, cluster and flags (resolve: batch limits,
  weight format, runner, state rules, launch), cached by identity and value;
- refusals: the start-up refusals (config, GPU, quantization, MoE, EP, busy GPUs, later
  nodes, empty stages, KV sharing, page sizes, a given KV pool) and the layout errors;
- notes: the warnings that refuse nothing (the format's on the GPU, the settings', the
  model's, a TP group over nodes, Ray's node order, NVLink bridges);
- moe: the MTP draft's experts, EPLB (redundant experts, notes, profile peak), the MoE
  workspace, all-to-all buffers, the b12x width;
- layout_facts: one layout's facts under a Resolved (weights per rank, KV stages, warnings,
  checks, distinct workers), cached, and setup(), where both plan paths start;
- fit: the KV-fit arithmetic: a pool's blocks, capacity, one request's need per stage, the
  ceiling search (kv_ceiling, CEILING_SEARCH_TOKENS);
- worker: one worker's memory (memory): the overheads vLLM subtracts, runner buffers, KV pool;
- verdict: the outcome (capacity, ceiling, verdict: NO_FIT, CONFIDENT_FIT, ...), how a
  request misses, the unmodelled parts;
- terms: each figure of the binding GPU as a Term with its formula, inputs and note (weights,
  activation, non-torch, graphs, KV, context; the V2 warm restart);
- entry: plan(), plan_summary() and summary_figures() (size each worker, conclude).
"""
from planner.serving.plan.derive import piecewise_decode, served_scheme, state_dtypes
from planner.serving.plan.entry import held_request_blocks, plan, plan_summary, summary_figures
from planner.serving.plan.fit import kv_room_text
from planner.serving.plan.load_peak import MORE_GPUS_STEP
from planner.serving.plan.models import (
    WARM_RESTART_LAUNCH_NOTE,
    FitChange,
    Plan,
    PlanRequest,
    PlanSummary,
    RankMemory,
    Term,
    TermInputs,
    inputs_text,
)
from planner.serving.plan.moe import redundant_experts
from planner.serving.plan.refusals import mtp_refusal
from planner.serving.plan.shared import param_breakdown
from planner.serving.plan.verdict import (
    CONFIDENT_FIT,
    LARGER_LEN_STEP,
    NO_FIT,
    unmodelled_ranks,
    verdict_stalled,
    verdict_unmodelled,
)

__all__ = [
    # models
    "FitChange", "Plan", "PlanRequest", "PlanSummary", "RankMemory", "Term", "TermInputs",
    "WARM_RESTART_LAUNCH_NOTE", "inputs_text",
    # shared
    "param_breakdown",
    # fit
    "kv_room_text",
    # load_peak
    "MORE_GPUS_STEP",
    # moe
    "redundant_experts",
    # derive
    "piecewise_decode", "served_scheme", "state_dtypes",
    # refusals
    "mtp_refusal",
    # verdict
    "CONFIDENT_FIT", "LARGER_LEN_STEP", "NO_FIT", "unmodelled_ranks", "verdict_stalled",
    "verdict_unmodelled",
    # entry
    "held_request_blocks", "plan", "plan_summary", "summary_figures",
]
