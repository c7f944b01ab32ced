"""Speed: TTFT, TPOT and throughput of a plan at a serving load, from physics and a few fitted
coefficients, every term named with its formula.

How to call it (the app, the CLI, the report, the sweep and `recommend` all do this):

    from planner.serving.plan import PlanRequest, plan
    from planner.serving.speed import ServingLoad, estimate_speed
    request = PlanRequest(model=spec, cluster=cluster, layout=layout, engine=engine)
    est = estimate_speed(request, ServingLoad(input_len=1024, output_len=1024, concurrency=8))
    # pass plan_result=plan(request) when you already have it (it is computed otherwise);
    # the sweep passes PlanFigures.of(its summary figures): the five figures the estimate reads,
    # to speed_figures, which gives the figures alone (SpeedFigures: no terms, no notes)

`est` is None when the plan does not fit or one request (input + output tokens) is longer
than its max_model_len on a release that rejects such a request (context_rule; a release
that clamps its output is estimated at the clamped output, with a note), or the GPU has
no bandwidth or compute figure (a custom GPU). Otherwise a SpeedEstimate: ttft_ms,
tpot_ms, output_tokens_per_s (all requests), output_tokens_per_s_per_request,
prefill_tokens_per_s, the concurrency actually served (capped at the KV-limited maximum,
min(max_num_seqs, the requests the KV cache's blocks hold) x DP: `kv_bound` says when that cap
binds, `seqs_bound` when max_num_seqs is the lower of the two), and `terms`
(planner.serving.plan.Term, each with its formula filled in).

This package holds the public entry (ServingLoad, SpeedEstimate, SpeedFigures, PlanFigures,
estimate_speed, speed_figures, context_rule, acceptance_refusal, SPEED_KEYS, SPEED_COLUMNS,
speed_columns, speed_fields), each layout's context (_context) and the serving at a load: one
replica; DP replicas split the concurrency and add their throughput; at concurrency C (capped
at what the KV cache holds) TPOT = decode step at C + the other requests' prefill work spread
over the output; TTFT = request overhead + prefill + the decode steps ahead of it (C > 1: one,
two with vLLM's async scheduling from 0.14 at PP=1: step.steps_ahead) + a share of the other
C - 1 requests' whole prefills (arrival "staggered", the default), or, with arrival "steady"
(desynchronized arrivals), the M/D/1 wait for the prefill work that arrives over one request's
cycle (step.steady_wait_s) in place of that share, or, with arrival "burst" (all C arrive
together), request overhead + the mean over the C requests of the packed prefill steps until
each one's prompt ends (step.burst_estimate). Between nodes TP all-reduce and PP hops run over
the network and the EP all-to-all's share for other nodes (hardware.network_link). With
speculative decoding (EngineSettings.num_speculative_tokens k) and the load's mean acceptance
length tau (ServingLoad.spec_acceptance_length, vLLM's logged "Mean acceptance length"), a step
is a verify step of k + 1 tokens a request + the drafter's k passes, and TPOT = that step / tau
+ the prefill interference (speed.drafting); without tau the drafter is left out (a note says
so). Not modelled: prefix caching.
The rest, one concept per module:
- coefficients: SpeedCoefficients, FITTED and the estimated constants;
- kernels: kernel_family, moe_kernel and the DeepGEMM and Marlin MoE rules;
- context: the device's facts and a layout's context with its read and compute rates;
- stages: what each pipeline stage's busiest GPU reads and multiplies;
- collectives: all-reduce (algorithm, hops, rates, measured NVLink rates), all-to-all, p2p;
- routing: the experts a step's tokens touch, and with EP the busiest rank's share;
- step: the per-step time model, decode and prefill;
- drafting: speculative decoding's drafter pass (EAGLE-3, MTP) and the acceptance length;
- terms: each figure's formula;
- facts: the model's figures for published facts on hardware the calibration data lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from operator import attrgetter
from typing import Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field

from planner.memo import IdentityMemo
from planner.model.attention import cdiv
from planner.model.attention.kvformat import KvBytes
from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.engine import (
    EngineSettings,
    StateRules,
    default_max_model_len,
    sparse_mla_kv,
)
from planner.serving.layout import moe_wna16_fallback
from planner.serving.mxfp4 import mxfp4_on_marlin
from planner.serving.plan import (
    PlanRequest,
    PlanSummary,
    Term,
    held_request_blocks,
    plan,
    redundant_experts,
)
from planner.serving.plan.layout_facts import sized_lora
from planner.serving.plan.moe import all2all_running, load_on_layout, sp_moe_on_layout
from planner.serving.speed.coefficients import FITTED, WNA16_FALLBACK_SLOWDOWN, SpeedCoefficients
from planner.serving.speed.collectives import (
    collectives_label,
    dispatch_label,
    gathers,
    moe_group_node_ranks,
    nnodes_ar_world_sizes,
    node_span,
    sequence_parallel,
)
from planner.serving.speed.context import (
    Context,
    cluster_slowest_gpu,
    default_moe_figures,
    device_for,
    runs_padded_moe,
    stage_gpus,
)
from planner.serving.speed.drafting import (
    DRAFT_UNVALIDATED,
    Drafted,
    DraftStages,
    acceptance_refusal,
    drafter_label,
    dsv4_mtp_stage,
    eagle_stages,
    mtp_stage,
)
from planner.serving.speed.kernels import KernelFamily, kernel_label, moe_backend_timed
from planner.serving.speed.lora_cost import ACTIVE_ADAPTERS, LORA_UNVALIDATED, pipeline_lora
from planner.serving.speed.stages import pipeline_stages
from planner.serving.speed.step import (
    burst_estimate,
    decode_estimate,
    draft_estimate,
    draft_prefill,
    prefill_estimate,
    proposes_every_chunk,
    steady_wait_s,
    steps_ahead,
)
from planner.serving.speed.terms import (
    cap_phrase,
    release_caveats,
    speed_terms,
    stage_gpus_note,
)
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.tie import served_spec
from planner.serving.video_pruning import video_pruned
from planner.serving.vllm_versions import (
    CLAMP_OUTPUT_FROM,
    CUSTOM_AR_WORLD_SIZES,
    vllm_rules,
)
from planner.serving.weights import WeightLoadRules, dsv4_sequence_parallel_on
from planner.text import counted, decimal, per_replica

Arrival = Literal["staggered", "burst", "steady"]
"""How a load's requests arrive (ServingLoad.arrival); ARRIVALS lists them, the default first."""
ARRIVALS: tuple[Arrival, ...] = get_args(Arrival)
ACCEPTANCE_STEP = ("--spec-acceptance-length X (vLLM's logged \"Mean acceptance length\") "
                   "models it")
"""How to have drafts modelled, the tail of the note of a plan with drafts and no acceptance
length (the app names its own field: ui.context.app_words)."""


class ServingLoad(BaseModel):
    """What the server is asked to do: request shape and how many run at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_len: int = Field(default=1024, ge=1, le=1 << 24, description="prompt tokens")
    output_len: int = Field(default=1024, ge=1, le=1 << 24, description="generated tokens")
    concurrency: int = Field(default=1, ge=1, le=1 << 20, description="requests in flight")
    arrival: Arrival = Field(
        default="staggered", description="staggered: requests arrive spread out and queue "
        "behind a fitted share of the others' prefills; burst: all arrive together (a "
        "closed-loop benchmark of equal lengths) and are prefilled in packed steps; steady: "
        "desynchronized arrivals (production traffic, varied lengths) that wait only for the "
        "prefill work arriving with them (step.steady_wait_s)")
    spec_acceptance_length: float | None = Field(
        default=None, ge=1, allow_inf_nan=False, description="with speculative decoding "
        "(EngineSettings.num_speculative_tokens k), the mean tokens each request's step emits, "
        "1 to k + 1: vLLM's \"Mean acceptance length\" (its SpecDecoding metrics log line, 1 + "
        "accepted / drafts, the bonus token included); None: decode without the drafter "
        "(speed.drafting)")

    @property
    def held_tokens(self) -> int:
        """KV tokens a request in flight holds on average: vLLM allocates KV blocks as tokens
        arrive, so its prompt and half its output (1,024 in + 1,024 out: 1,536)."""
        return self.input_len + self.output_len // 2

    @property
    def held_label(self) -> str:
        """What the KV-limited concurrency counts a request as: "holding 1,536 tokens each on
        average (1,024 in + half of 1,024 out)"."""
        return (f"holding {counted(self.held_tokens, 'token')} each on average "
                f"({self.input_len:,} in + "
                f"half of {self.output_len:,} out)")

    @property
    def one_token(self) -> bool:
        """Whether each request gives one output token (as served: context_rule may clamp the
        output), so TPOT, the gap between output tokens, is undefined: reported as None
        (n/a), as vLLM's benchmark leaves a request of one output token out of its TPOT
        figures (benchmarks/serve.py calculate_metrics: `if output_len > 1:` before
        `tpots.append`). The step time (decode step + the other requests' prefills) still
        enters the output tokens/s, as at any output length."""
        return self.output_len < 2

    @property
    def arriving(self) -> str:
        """What a description of the load adds after its concurrency: ", arriving together"
        for a burst, ", arriving desynchronized (steady)" for steady arrivals, "" for the
        default, staggered; then, with a mean acceptance length, ", mean acceptance length
        2.5"."""
        arrival = {"burst": ", arriving together",
                   "steady": ", arriving desynchronized (steady)"}.get(self.arrival, "")
        if self.spec_acceptance_length is None:
            return arrival
        return f"{arrival}, mean acceptance length {decimal(self.spec_acceptance_length)}"


class EpMarlin(BaseModel):
    """The speed model on the layout warning's fact for a plan whose routed experts fall back
    from Marlin MoE to MoE WNA16 where --enable-expert-parallel keeps them whole on Marlin MoE
    (layout._marlin_moe_warning): the same plan with EP, at the same load and concurrencies.
    EP drops the fallback's x WNA16_FALLBACK_SLOWDOWN (an estimate) but makes each MoE layer
    wait for the GPU whose experts are busiest (routing), so which is faster depends on the
    load."""

    model_config = ConfigDict(frozen=True)

    tpot_ms: float = Field(description="the plan with EP: its TPOT at this load")
    concurrency: int = Field(description="the requests the plan with EP serves at once at "
                             "this load (the asked, capped by its KV cache and max_num_seqs "
                             "as this plan's are): its tpot_ms is at these")
    ahead_from: int | None = Field(description="the fewest requests at once at which EP's "
                                   "TPOT is lower (1 to checked_to); None where it is lower at "
                                   "none")
    ahead_to: int | None = Field(description="the most requests at once at which EP's TPOT is "
                                 "lower (checked_to where it stays lower to the end); None "
                                 "where it is lower at none")
    ahead_count: int = Field(description="at how many of the concurrencies 1 to checked_to "
                             "EP's TPOT is lower (ahead_to - ahead_from + 1 where they are "
                             "one run)")
    checked_to: int = Field(description="the larger of the two plans' KV-limited "
                            "concurrencies: above it neither TPOT changes")


def _ahead_text(ep: EpMarlin) -> str:
    """Where EP's TPOT is lower, in words: one run of concurrencies, or its ends and count."""
    if ep.ahead_from is None or ep.ahead_to is None:
        return f"EP not ahead at any of 1 to {ep.checked_to:,} requests at once"
    if ep.ahead_to - ep.ahead_from + 1 != ep.ahead_count:
        return (f"EP ahead at {ep.ahead_count:,} of 1 to {ep.checked_to:,} requests at once, "
                f"from {ep.ahead_from:,} to {ep.ahead_to:,}")
    if ep.ahead_to == ep.checked_to:
        return ("EP ahead at every concurrency" if ep.ahead_from == 1 else
                f"EP ahead from {counted(ep.ahead_from, 'request')} at once")
    return f"EP ahead from {ep.ahead_from:,} to {counted(ep.ahead_to, 'request')} at once"


def ep_marlin_text(ep: EpMarlin, tpot_ms: float, asked: int, served: int) -> str:
    """EpMarlin in words, for a plan of `tpot_ms` at `served` of `asked` requests at once; where
    either plan's KV cache (or max_num_seqs) caps the asked, each TPOT is named with the
    requests it is at, which then differ from the asked (and may from each other)."""
    ahead = _ahead_text(ep)
    capped = ("each plan" if ep.concurrency < asked and served < asked else
              "the EP plan" if ep.concurrency < asked else "this plan")
    at = (f"{counted(asked, 'request')} at once against this plan's {tpot_ms:.2f} ms"
          if ep.concurrency == served == asked else
          f"{counted(ep.concurrency, 'request')} at once against this plan's {tpot_ms:.2f} ms "
          f"at {served:,} (of {asked:,} asked, {capped} capped by its KV cache or "
          "max_num_seqs)")
    return (f"with --enable-expert-parallel the experts stay whole on Marlin MoE, but each MoE "
            f"layer waits for the GPU whose experts are busiest: TPOT {ep.tpot_ms:.2f} ms at "
            f"{at}; "
            f"{ahead} (checked up to {ep.checked_to:,}, the larger KV-limited concurrency); "
            f"the x {WNA16_FALLBACK_SLOWDOWN} fallback read is an estimate, and so is this "
            "comparison")


class SpeedEstimate(BaseModel):
    """Speed of one plan at one load: latency per request, throughput, and the terms."""

    model_config = ConfigDict(frozen=True)

    load: ServingLoad
    concurrency: int = Field(description="requests served at once (load, capped by KV)")
    kv_limited_concurrency: int = Field(description="min(max_num_seqs, requests the KV cache "
                                        "holds, each holding input + half the output tokens "
                                        "on average) x DP replicas")
    kv_bound: bool = Field(description="the KV-limited concurrency capped the requested one "
                           "(seqs_bound says whether max_num_seqs or the KV cache set it)")
    seqs_bound: bool = Field(description="the cap is max_num_seqs: the KV cache's blocks hold "
                             "more requests")
    ttft_ms: float = Field(description="a served request's (admitted to a KV slot)")
    tpot_ms: float | None = Field(description="None with one output token per request: there "
                                  "is no gap between output tokens (ServingLoad.one_token)")
    kv_wait_ms: float = Field(description="a client's mean wait for a KV slot before TTFT "
                              "starts (0 when the KV cache holds every request)")
    output_tokens_per_s: float = Field(description="all requests together")
    output_tokens_per_s_per_request: float | None = Field(description="1 / TPOT; None where "
                                                          "TPOT is (one output token)")
    prefill_tokens_per_s: float = Field(description="one request's prompt / its prefill time")
    decode_step_ms: float = Field(description="one decode step of the whole pipeline (with "
                                  "speculative decoding modelled: the verify step + the "
                                  "drafter's passes, the spec_step term)")
    prefill_ms: float = Field(description="one request's prefill, nothing queued")
    allreduce_ms_per_step: float = Field(description="TP all-reduce time inside one decode step"
                                         ", with the MoE layers' DP dispatch and combine where "
                                         "they gather DP ranks (allreduce_label)")
    allreduce_label: str = Field(description="what "
                                 "allreduce_ms_per_step holds (collectives.collectives_label): "
                                 "'TP all-reduce', 'EP all-to-all', 'TP all-reduce + EP "
                                 "all-to-all', ...")
    kernel: KernelFamily
    kernel_label: str = Field(description="the kernel family as shown (speed.kernels."
                              "kernel_label): the 16-bit family by the dtype it computes in, "
                              "bf16, fp16 or fp32; MXFP4 on the fp4 family as 'mxfp4 w4a16' "
                              "(FP4 weights, 16-bit compute); the others as `kernel`")
    link: str
    link_bandwidth_gbps: float = Field(description="the link's rate per GPU per direction, GB/s "
                                       "(hardware.link_spec), before the link efficiency")
    link_pcie_generation: int | None = Field(description="the PCIe generation it runs at: the "
                                             "card's, or its slot's where older; None on NVLink")
    link_pcie_lanes: int | None = Field(description="the PCIe lanes it runs on: the card's, or "
                                        "its slot's where fewer; None on NVLink")
    terms: list[Term]
    notes: list[str]
    ep_marlin: EpMarlin | None = Field(None, description="where the MoE experts fall back to "
                                       "MoE WNA16 and --enable-expert-parallel keeps them on "
                                       "Marlin MoE: the plan with EP, compared (a note says it)")

    @property
    def ep_marlin_note(self) -> str | None:
        """The note that says ep_marlin (ep_marlin_text), None without one."""
        if self.ep_marlin is None:
            return None
        return ep_marlin_text(self.ep_marlin, self.tpot_ms, self.load.concurrency,
                              self.concurrency)

    @property
    def cap_phrase(self) -> str:
        """Which limit capped the requested concurrency: "max_num_seqs binds" or "the KV cache
        binds" (meaningful where kv_bound)."""
        return cap_phrase(self.seqs_bound)


class PlanFigures(NamedTuple):
    """The figures of a plan an estimate reads (every PlanSummary, and so every Plan, has
    them): what the sweep and `recommend` pass from summary_figures() instead of building a
    PlanSummary of all its fields for each estimate."""

    fits: bool
    max_model_len: int
    max_num_seqs: int
    max_num_batched_tokens: int
    num_gpu_blocks: int

    @classmethod
    def of(cls, figures: Mapping[str, Any]) -> PlanFigures:
        """These figures of summary_figures(...) (or any mapping with the PlanSummary keys)."""
        return cls(*map(figures.__getitem__, cls._fields))


class SpeedFigures(NamedTuple):
    """An estimate's figures, named as SpeedEstimate names them, without its load, terms and
    notes: what speed_figures gives a caller that keeps only figures (the sweep's rows,
    recommend's bounds)."""

    concurrency: int
    kv_limited_concurrency: int
    kv_bound: bool
    seqs_bound: bool
    ttft_ms: float
    tpot_ms: float | None
    kv_wait_ms: float
    output_tokens_per_s: float
    output_tokens_per_s_per_request: float | None
    prefill_tokens_per_s: float
    decode_step_ms: float
    prefill_ms: float
    allreduce_ms_per_step: float


def estimate_speed(
    request: PlanRequest,
    load: ServingLoad | None = None,
    *,
    plan_result: PlanSummary | PlanFigures | None = None,
    coefficients: SpeedCoefficients = FITTED,
    moe_ep_size: int | None = None,
) -> SpeedEstimate | None:
    """Speed of `request` at `load` (default 1024 in, 1024 out, one request); None when the
    plan does not fit or one request of input + output tokens exceeds its max_model_len on a
    release that rejects it (context_rule), or the GPU has no bandwidth or compute figure (a
    custom GPU: report.no_speed_reason says which). A plan that fits holds a request of
    max_model_len tokens (its context ceiling is at least max_model_len, else it does not
    fit), so the served request always fits its KV cache.

    `plan_result` is plan(request), its PlanSummary (Plan extends it) or its PlanFigures: of
    the plan, only fits, max_model_len, max_num_seqs, max_num_batched_tokens and
    num_gpu_blocks are read, and every PlanSummary has them.

    `moe_ep_size`: with EP (layout.ep) at DP = 1, an EP size below TP that divides it, as
    SGLang's --ep-size sets (FusedMoE: num_experts // moe_ep_size experts a rank, each sliced
    over moe_tp_size = tp_size // ep_size ranks; distributed/parallel_state.py); vLLM has none
    (its EP size is TP x DP), so only bench/speed_accuracy.py's SGLang rows pass it. A rank
    then holds E / moe_ep_size experts 1 / (TP / moe_ep_size) wide, the same bytes as vLLM's
    E / TP whole ones (layout_errors asks the EP size, TP here, to divide E), and the routed
    experts' read and compute wait for the busiest of moe_ep_size groups (step.ep_ranks).
    Taken at DP = 1 only (with DP > 1 the dispatch and combine are costed over every rank:
    collectives.explained_all_to_all): ValueError otherwise, or where it does not divide TP.

    `load.spec_acceptance_length` (the mean acceptance length, speed.drafting) models
    speculative decoding: ValueError where the settings have no drafts or it exceeds
    num_speculative_tokens + 1 (acceptance_refusal gives the message first)."""
    if moe_ep_size is not None:
        layout = request.layout
        if not layout.ep or layout.dp > 1 or moe_ep_size < 1 or layout.tp % moe_ep_size:
            raise ValueError(f"moe_ep_size {moe_ep_size} needs EP at DP = 1 and must divide "
                             f"tp = {layout.tp}")
    return _estimate(request, load or ServingLoad(), plan_result or plan(request),
                     coefficients, explain=True, moe_ep=moe_ep_size or 0)


def speed_figures(request: PlanRequest, load: ServingLoad, *,
                  plan_result: PlanSummary | PlanFigures,
                  coefficients: SpeedCoefficients = FITTED) -> SpeedFigures | None:
    """estimate_speed's figures alone, for a caller that keeps no terms or notes (the sweep's
    rows, recommend's bounds): no formula strings, notes or validated SpeedEstimate, which
    were half an estimate's time."""
    return _estimate(request, load, plan_result, coefficients, explain=False)


def _estimate(request: PlanRequest, load: ServingLoad, p: PlanSummary | PlanFigures,
              coefficients: SpeedCoefficients, *, explain: bool, moe_ep: int = 0
              ) -> SpeedEstimate | SpeedFigures | None:
    """estimate_speed (explain: with its terms and notes) or speed_figures; `moe_ep`:
    estimate_speed's moe_ep_size (0: TP x DP)."""
    if not p.fits:
        return None
    asked = request  # before served_spec: the EP comparison plans it again (_ep_marlin)
    served = _served(request, load, p)
    if served is None:
        return None
    request, load, clamp = served
    ctx = _context(request, coefficients, p.max_num_batched_tokens, moe_ep)
    if ctx is None:
        return None  # a custom GPU without a bandwidth or compute figure: no speed
    # the pool's blocks over one request's at the held length (not kv_cache_tokens // held:
    # vLLM's token figure prices sliding groups at max_model_len's window rule)
    held_blocks = _cached(ctx.held_blocks, load.held_tokens, held_request_blocks, request,
                          load.held_tokens)
    pool_requests = p.num_gpu_blocks // held_blocks  # requests one replica's blocks hold
    kv_limit = max(1, min(p.max_num_seqs, pool_requests)) * ctx.dp
    conc = min(load.concurrency, kv_limit)
    seqs_bound = conc < load.concurrency and p.max_num_seqs < pool_requests
    replica_conc = cdiv(conc, ctx.dp)
    context = load.input_len + load.output_len / 2
    k = request.engine.num_speculative_tokens
    drafting = _drafting(ctx, load, request.engine)
    width = k + 1 if drafting else 1
    tpot_base, parts, slow, stage_s, hops_s = _cached(
        ctx.decodes, (replica_conc, context, width), decode_estimate, ctx, replica_conc,
        context, width)
    prefill_s, marginal_s, chunks, softmax_s, prefill_lora = _cached(
        ctx.prefills, load.input_len, prefill_estimate, ctx, load.input_len)
    drafted = None
    if drafting:
        passes = draft_estimate(ctx, replica_conc, context, k)
        every = proposes_every_chunk(ctx.device.rules.version, request.engine.model_runner)
        drafted = Drafted(drafter_label(request.engine, request.model), k,
                          load.spec_acceptance_length, tpot_base + passes.seconds, passes,
                          *draft_prefill(ctx, load.input_len, k, every), every)
        prefill_s += drafted.prefill_s
        marginal_s += drafted.prefill_marginal_s
    step_s = drafted.step_s if drafted else tpot_base
    others = replica_conc - 1
    interference = coefficients.prefill_interference * others * marginal_s / load.output_len
    tpot = step_s / (drafted.acceptance if drafted else 1) + interference
    burst = burst_estimate(ctx, replica_conc, load.input_len) if load.arrival == "burst" else None
    ttft, steady = _ttft_s(ctx, coefficients, load, others, (prefill_s, marginal_s),
                           (step_s, tpot), burst)
    kv_wait = _kv_wait_s(load, kv_limit, ttft, tpot)
    aggregate = conc / (tpot + ttft / load.output_len)
    figures = SpeedFigures(
        concurrency=conc, kv_limited_concurrency=kv_limit, kv_bound=conc < load.concurrency,
        seqs_bound=seqs_bound,
        ttft_ms=ttft * 1e3, tpot_ms=None if load.one_token else tpot * 1e3,
        kv_wait_ms=kv_wait * 1e3, output_tokens_per_s=aggregate,
        output_tokens_per_s_per_request=None if load.one_token else 1 / tpot,
        prefill_tokens_per_s=load.input_len / prefill_s, decode_step_ms=step_s * 1e3,
        prefill_ms=prefill_s * 1e3, allreduce_ms_per_step=parts["allreduce"] * ctx.pp * 1e3,
    )
    if not explain:
        return figures
    # the decode terms in the slowest stage's numbers, on its GPU (Context.runs_on)
    terms = speed_terms(ctx.runs_on(slow), ctx.distinct[slow], load, conc, kv_limit,
                        replica_conc, context, parts, tpot_base, interference, prefill_s,
                        marginal_s, chunks, tpot, ttft, kv_wait, aggregate, softmax_s, burst,
                        steady, (p.num_gpu_blocks, held_blocks, p.max_num_seqs),
                        seqs_bound, stage_gpus_note(ctx, stage_s, slow),
                        hops_s, prefill_lora, drafted)
    return _explained(asked, request, load, p, ctx, figures, terms, clamp, held_blocks,
                      kv_wait)


def _drafting(ctx: Context, load: ServingLoad, engine: EngineSettings) -> bool:
    """Whether the estimate models speculative decoding: the load gives a mean acceptance
    length and the context a drafter pass (Context.drafter); ValueError where the length is
    not one these settings can emit (drafting.acceptance_refusal)."""
    refusal = acceptance_refusal(load.spec_acceptance_length, engine.num_speculative_tokens)
    if refusal:
        raise ValueError(refusal)
    return load.spec_acceptance_length is not None and ctx.drafter() is not None


def _served(request: PlanRequest, load: ServingLoad, p: PlanSummary | PlanFigures
            ) -> tuple[PlanRequest, ServingLoad, str] | None:
    """(request, load, clamp note) as served: the model as plan() sizes it (served_spec), and
    a request longer than max_model_len clamped by the release's rule (context_rule's note);
    None where the release serves none of it."""
    spec = served_spec(request.model, request.engine.vllm_version)
    if spec is not request.model:
        request = request.model_copy(update={"model": spec})
    clamp = ""
    if load.input_len + load.output_len > p.max_model_len:
        served, clamp = context_rule(load, p.max_model_len, request.engine.vllm_version)
        if served is None:
            return None
        load = load.model_copy(update={"output_len": served})
    return request, load, clamp


def _cached(cache: dict, key: object, make: Callable[..., Any], *args: object) -> Any:
    """cache[key], made by make(*args) on the first ask: a Context keeps what a row's
    concurrency search and a rerun's sweep ask again (held blocks, prefill by input length,
    the decode step by batch, context and width)."""
    value = cache.get(key)
    if value is None:
        value = cache[key] = make(*args)
    return value


def _ttft_s(ctx: Context, coefficients: SpeedCoefficients, load: ServingLoad, others: int,
            prefill: tuple[float, float], step: tuple[float, float],
            burst: tuple | None) -> tuple[float, tuple[float, float] | None]:
    """(time to first token in s, the steady arrival's (M/D/1 wait, cycle) or None): host
    overhead, the prompt's prefill and the wait ahead of it. `prefill`: (prefill_s,
    marginal_s); `step`: (decode step alone, TPOT with the others' prefills)."""
    (prefill_s, marginal_s), (tpot_base, tpot) = prefill, step
    host_s = coefficients.request_overhead_ms / 1e3 \
        + coefficients.prompt_token_overhead_us * 1e-6 * load.input_len
    steady = None
    if burst is not None:  # all arrive together: the packed steps until each prompt ends
        prompt_s, queue = burst[0], 0.0
    else:
        # the prefill rides in a step with the running decode batch after the steps ahead of
        # it (the current one; with async scheduling also the one queued behind it:
        # steps_ahead), plus the prefill work queued ahead: a fitted share of the others'
        # whole prefills, or (steady) the M/D/1 wait for the prefill work arriving over one
        # request's cycle
        prompt_s = prefill_s
        queue = tpot_base * steps_ahead(ctx) * (others > 0)
        if load.arrival != "steady":
            queue += coefficients.queue_share * others * prefill_s
        elif others:
            cycle_s = host_s + prompt_s + queue + (load.output_len - 1) * tpot
            steady = (steady_wait_s(others, marginal_s, cycle_s), cycle_s)
            queue += steady[0]
    return host_s + prompt_s + queue, steady


def _explained(asked: PlanRequest, request: PlanRequest, load: ServingLoad,
               p: PlanSummary | PlanFigures, ctx: Context, figures: SpeedFigures,
               terms: list[Term], clamp: str, held_blocks: int, kv_wait: float) -> SpeedEstimate:
    """estimate_speed's answer: `figures` with the kernel, collective and link they assume,
    their `terms`, the notes (the clamp first) and the EP comparison (_ep_marlin of the
    `asked` request, before served_spec)."""
    link = ctx.device.link
    ep = _ep_marlin(asked, load, p, ctx, figures)
    return SpeedEstimate(load=load, **figures._asdict(), kernel=ctx.device.family,
                         kernel_label=kernel_label(ctx.device.family, ctx.device.dense_fmt,
                                                   ctx.device.scheme.family),
                         allreduce_label=collectives_label(ctx), link=link.kind,
                         link_bandwidth_gbps=link.bandwidth_gbps,
                         link_pcie_generation=link.pcie_generation,
                         link_pcie_lanes=link.pcie_lanes, terms=terms,
                         notes=[clamp] * bool(clamp) + _notes(
                             ctx, request, load, p, figures.concurrency,
                             load.held_tokens, held_blocks, kv_wait, figures.seqs_bound)
                         + _mixed_group_notes(request)
                         + ([ep_marlin_text(ep, figures.tpot_ms, load.concurrency,
                                            figures.concurrency)] if ep else []),
                         ep_marlin=ep)


def _ep_marlin(request: PlanRequest, load: ServingLoad, p: PlanSummary | PlanFigures,
               ctx: Context, figures: SpeedFigures) -> EpMarlin | None:
    """The plan with --enable-expert-parallel at the same load (EpMarlin), where this one's
    experts run MoE WNA16 and EP's would run Marlin MoE; None elsewhere, with no TPOT (one
    output token) or where the EP plan has no estimate (it does not fit)."""
    layout, s = request.layout, request.engine
    if layout.ep or ctx.moe_kernel != "moe-wna16" or figures.tpot_ms is None:
        return None
    ep = request.model_copy(update={"layout": layout.model_copy(update={"ep": True})})
    if moe_wna16_fallback(ep.model, ep.layout, ctx.device.scheme, s.vllm_version,
                          ep.cluster.vendor):
        return None  # EP's experts fall back too (on AMD GPUs every layout's do)
    ep_plan = plan(ep, nearest=False)

    def at(asked: PlanRequest, result: PlanSummary | PlanFigures, concurrency: int
           ) -> SpeedFigures | None:
        """`asked`'s speed figures (its plan `result`) at `concurrency` requests."""
        return speed_figures(asked, load.model_copy(update={"concurrency": concurrency}),
                             plan_result=result, coefficients=ctx.c)

    here = at(ep, ep_plan, load.concurrency)
    if here is None:
        return None
    key = (load.input_len, load.output_len, load.arrival, load.spec_acceptance_length)
    if key not in ctx.ep_ahead:  # (an estimate at one load has one at every concurrency)
        top = max(figures.kv_limited_concurrency, here.kv_limited_concurrency)
        ahead = [c for c in range(1, top + 1)
                 if at(ep, ep_plan, c).tpot_ms < at(request, p, c).tpot_ms]
        ctx.ep_ahead[key] = (ahead[0] if ahead else None, ahead[-1] if ahead else None,
                             len(ahead), top)
    ahead_from, ahead_to, count, checked_to = ctx.ep_ahead[key]
    return EpMarlin(tpot_ms=here.tpot_ms, concurrency=here.concurrency,
                    ahead_from=ahead_from, ahead_to=ahead_to,
                    ahead_count=count, checked_to=checked_to)


def tpot_meets(tpot_ms: float | None, target_ms: float | None) -> bool:
    """Whether an estimate's TPOT meets a target (no target: it does). No TPOT (one output
    token: ServingLoad.one_token) meets any, as vLLM's benchmark counts such a request's TPOT
    as 0 for its goodput (benchmarks/serve.py: "if output_len <= 1, we regard tpot as 0 for
    goodput"). Callers check first that there is an estimate at all."""
    return target_ms is None or tpot_ms is None or tpot_ms <= target_ms


class ContextRule(NamedTuple):
    """What vLLM does with one request of a load's lengths at a max_model_len
    (vllm_versions.CLAMP_OUTPUT_FROM)."""

    output_len: int | None
    """the tokens it generates; None: it rejects the request"""
    why: str
    """one line: the clamp or the refusal ("" when the request fits whole)"""


def context_rule(load: ServingLoad, max_model_len: int, vllm_version: str) -> ContextRule:
    """What vLLM `vllm_version` does with one request of `load`'s lengths at `max_model_len`:
    generates them whole when input + output fit; rejects it when the input leaves no room
    for one output token (every release), on releases before 0.32, or when the output alone
    exceeds max_model_len; from 0.32 generates max_model_len - input tokens (1,500 - 1,024 =
    476 of 1,024 asked). Sources: vllm_versions.CLAMP_OUTPUT_FROM."""
    length = load.input_len + load.output_len
    if length <= max_model_len:
        return ContextRule(load.output_len, "")
    v = vllm_rules(vllm_version)
    over = (f"one request of {load.input_len:,} + {load.output_len:,} = {length:,} tokens is "
            f"longer than max_model_len {max_model_len:,}")
    if load.input_len >= max_model_len:
        return ContextRule(None, f"{over}, and its input leaves no room for one output token: "
                                 "every vLLM release rejects it")
    if v.version < CLAMP_OUTPUT_FROM:
        later = ("releases from 0.32 clamp the output instead" if load.output_len <= max_model_len
                 else "so do releases from 0.32: the output alone exceeds max_model_len")
        return ContextRule(None, f"{over}: vLLM {v.label} rejects it (HTTP 400, max_tokens too "
                                 f"large; {later})")
    if load.output_len > max_model_len:
        return ContextRule(None, f"{over}: vLLM {v.label} rejects it (HTTP 400, max_tokens "
                                 f"{load.output_len:,} greater than max_model_len)")
    served = max_model_len - load.input_len
    return ContextRule(served, f"output clamped to {counted(served, 'token')}: max_model_len "
                               f"{max_model_len:,} - input {load.input_len:,}; vLLM {v.label} "
                               "get_max_tokens (entrypoints/serve/utils/api_utils.py)")


def _moe_backend_notes(ctx: Context, s: EngineSettings) -> list[str]:
    """What the speed says of an explicit --moe-backend: that it is not modelled where the
    experts' kernel does not follow it (kernels.moe_backend_timed), and where it does, that
    the kernel it names is timed at the default MoE figures where no calibration row
    measures it (context.default_moe_figures)."""
    if not moe_backend_timed(ctx.device.scheme, s.vllm_version, s.moe_backend,
                             mxfp4_on_marlin(s, ctx.device.gpu.vendor), ctx.device.moe_kernel):
        return [f"--moe-backend {s.moe_backend} is not modelled in the speed: the routed "
                "experts are timed as the kernel vLLM picks itself for this format, GPU and "
                f"release ({ctx.moe_kernel}: speed.kernels.moe_kernel)"]
    if not default_moe_figures(ctx):
        return []
    c = ctx.c
    return [f"--moe-backend {s.moe_backend}: no calibration row measures the routed experts on "
            f"this kernel ({ctx.moe_kernel}: speed.kernels.moe_kernel), so they are timed at "
            "the default MoE kernel's fitted efficiency (expert bandwidth factor "
            f"{c.expert_bandwidth_factor:g}, compute factor {c.expert_compute_factor:g}: "
            "vLLM's own fused-MoE rows), unvalidated for this backend"]


def _notes(ctx: Context, request: PlanRequest, load: ServingLoad,
           p: PlanSummary | PlanFigures, conc: int, held: int, held_blocks: int, kv_wait: float,
           seqs_bound: bool) -> list[str]:
    """An estimate's notes: the cap on the concurrency (max_num_seqs or the KV cache), the MoE
    fallback kernel,
    what runs between nodes, the release's caveats and what is not modelled (an explicit
    --moe-backend where the experts' kernel does not follow it: kernels.moe_backend_timed),
    and speculative decoding, modelled at the load's acceptance length or not
    (_speculative_note)."""
    s = request.engine
    notes = []
    if conc < load.concurrency:
        replica = per_replica(ctx.dp)
        pool = (f"the KV cache's {p.num_gpu_blocks:,} blocks{replica} hold "
                f"{counted(max(1, p.num_gpu_blocks // held_blocks), 'request')} of {held:,} "
                f"tokens ({counted(held_blocks, 'block')} each; prompt + half the output, held "
                "on average)")
        why = (f" by max_num_seqs {p.max_num_seqs:,}{replica} ({pool})" if seqs_bound
               else f": {pool}")
        notes.append(f"concurrency capped at {conc:,}{why}; a client waits "
                     f"{kv_wait:,.1f} s for a slot on average (kv_wait, not in TTFT)")
    if ctx.moe_kernel == "moe-wna16":
        notes.append(f"MoE experts run the Triton WNA16 fallback: expert reads x "
                     f"{WNA16_FALLBACK_SLOWDOWN} (estimate)")
    if ctx.net is not None:
        over = ([f"the TP all-reduce (NCCL ring over {ctx.cross.nodes} nodes)"] if ctx.cross
                else [])
        over += [f"{ctx.net_hops} of {counted(ctx.pp - 1, 'PP hop')}"] if ctx.net_hops else []
        # EP's all-to-all reaches the group's ranks, a gather (no EP, or EP on
        # allgather_reducescatter / naive: collectives.gathers) its DP ranks
        group, here, whose = ((ctx.tp * ctx.dp, ctx.ep_node_ranks, "")
                              if not gathers(ctx) or sequence_parallel(ctx)
                              else (ctx.dp, ctx.dp_node_ranks, "DP "))
        over += [f"the {dispatch_label(ctx)}'s traffic to the {group - here:,} of {group:,} "
                 f"{whose}ranks in other nodes"] if ctx.ep_node_ranks else []
        # one all-reduce, one traffic, "1 of 3 PP hops" run*s*; two of them, "2 of 3 hops" run
        verb = "run" if len(over) > 1 or ctx.net_hops > 1 and not ctx.cross \
            and not ctx.ep_node_ranks else "runs"
        notes.append(f"{' and '.join(over)} {verb} between nodes over the network: "
                     f"{ctx.net.formula} ({ctx.net.source})")
    notes.extend(caveat for caveat in release_caveats(ctx) if caveat)
    if s.moe_backend not in (None, "auto") and ctx.device.moe is not None:
        notes.extend(_moe_backend_notes(ctx, s))
    if s.num_speculative_tokens:
        notes.append(_speculative_note(ctx, request, load, cdiv(conc, ctx.dp)))
    if s.num_speculative_tokens and s.speculative_draft is None \
            and any(stage.state_bytes for stage in ctx.distinct):
        # step._state_bytes: the one-token conv update touches kernel - 1 columns
        notes.append(f"the recurrent state is read at its one-token size: the conv kernel's "
                     f"K - 1 columns, not the K - 1 + {s.num_speculative_tokens} the memory "
                     f"plan holds for the drafts")
    if ctx.lora_stages:
        notes.append(f"--enable-lora: the LoRA kernels (Punica's shrink and expand on every "
                     f"wrapped module) are timed from the adapters' slots: a decode step's at "
                     f"{ACTIVE_ADAPTERS} (the worst case), a prefill's the one request's own "
                     f"(lora_decode and lora_prefill terms); {LORA_UNVALIDATED}")
    return notes


def _speculative_note(ctx: Context, request: PlanRequest, load: ServingLoad, replica_conc: int
                      ) -> str:
    """What the speed makes of speculative decoding: modelled at the load's mean acceptance
    length (speed.drafting), or not, and how to have it modelled; where a replica's
    `replica_conc` verify steps of k + 1 tokens overrun max_num_batched_tokens, that vLLM
    schedules no more a step (drafts cut, the rest wait: drafting.py's NOTE), not modelled.
    An MTP layer of a shape of its own is named as not timed with or without the length."""
    s = request.engine
    k = s.num_speculative_tokens
    eagle = s.speculative_draft
    drafts = (f"{counted(k, 'EAGLE-3 draft token')} from {eagle.model}" if eagle
              else counted(k, "MTP draft token"))
    if load.spec_acceptance_length is not None and ctx.draft is not None:
        return (f"speculative decoding ({drafts}) modelled at mean acceptance length "
                f"{decimal(load.spec_acceptance_length)} (given): each step verifies "
                f"{counted(k, 'draft')} + 1 token a request and runs {k} drafter "
                f"pass{'es' * (k > 1)}, TPOT = step / {decimal(load.spec_acceptance_length)} "
                f"(spec_step term); {_budget_overrun(ctx, k, replica_conc)}"
                f"{DRAFT_UNVALIDATED}")
    if load.spec_acceptance_length is not None or eagle is None and _mtp_untimed(request.model):
        return (f"speculative decoding ({drafts}) is not modelled: the model's MTP layer has a "
                "shape of its own (MiMo-V2, Nemotron-H), which the speed does not "
                "time; these figures decode one token per step without it")
    without = "the drafter" if eagle else "the draft layer"
    return (f"speculative decoding ({drafts}) is not modelled: these figures decode one token "
            f"per step without {without} (with accepted drafts TPOT is lower); "
            f"{ACCEPTANCE_STEP}")


def _budget_overrun(ctx: Context, k: int, replica_conc: int) -> str:
    """What the speculative note says where `replica_conc` sequences' verify tokens, k + 1 a
    sequence, exceed the step's token budget (max_num_batched_tokens, ctx.mbt); "" where not."""
    tokens = replica_conc * (k + 1)
    if tokens <= ctx.mbt:
        return ""
    return (f"{replica_conc:,} sequences x {k + 1} = {tokens:,} verify tokens a step exceed "
            f"max_num_batched_tokens {ctx.mbt:,}: vLLM schedules at most {ctx.mbt:,} a step "
            "(the last request's drafts cut to fit, the rest wait), which the speed does not "
            "model (TPOT and throughput are optimistic there); ")


def _mixed_group_notes(request: PlanRequest) -> list[str]:
    """One note per pipeline stage whose ranks (its TP group, its DP replicas) sit on nodes
    of different GPU models (stage_gpus): the slowest binds each of its steps."""
    layout = request.layout
    group = "TP group" + (" and DP replicas" if layout.dp > 1 else "")
    return [f"{'the model' if layout.pp == 1 else f'stage {i + 1}'}'s ranks (its {group}) sit "
            f"on nodes of "
            f"{' and '.join(on.models)}: the slowest, {on.gpu.name} "
            f"({on.gpu.memory_bandwidth_gbps:,.0f} GB/s), binds each step, timed at its rates "
            "(a TP all-reduce waits for its slowest member; DP replicas are timed alike)"
            for i, on in enumerate(stage_gpus(request.cluster, layout) or ())
            if len(on.models) > 1]


_CONTEXTS: IdentityMemo[Context | None] = IdentityMemo(4096)
"""Each layout's Context, by the identity of the model, cluster and coefficients and the value
of the settings, layout and batch: the estimates of a sweep row's concurrency search share
one, and a rerun's sweep (new settings objects, equal values) builds none. 4,096 like the
stages (speed.stages._STAGES), which each entry holds."""


def _context(request: PlanRequest, coefficients: SpeedCoefficients, mbt: int, moe_ep: int = 0
             ) -> Context | None:
    """The context of this layout's estimates at max_num_batched_tokens `mbt` and EP size
    `moe_ep` (0: TP x DP); None without a bandwidth or compute figure (a custom GPU). Cached
    (_CONTEXTS)."""
    layout = request.layout
    return _CONTEXTS.get_all(
        (request.model, request.cluster, coefficients),
        (request.engine, layout.tp, layout.pp, layout.dp, layout.ep, mbt, moe_ep),
        _build_context, request, coefficients, mbt, moe_ep)


def _build_context(request: PlanRequest, coefficients: SpeedCoefficients, mbt: int,
                   moe_ep: int = 0) -> Context | None:
    """Work out what _context caches."""
    device = device_for(request, cluster_slowest_gpu(request.cluster))
    on = stage_gpus(request.cluster, request.layout)
    stage_devices = tuple(device_for(request, stage.gpu) for stage in on or ())
    if device is None or None in stage_devices:
        return None
    if all(dev is device for dev in stage_devices):
        stage_devices = ()  # every stage on the slowest GPU: the one context does
    spec, layout, s = request.model, request.layout, request.engine
    scheme, act_b, moe = device.scheme, device.act_b, device.moe
    # the load rules on this layout, and whether its experts fall back to MoE WNA16 (False
    # for a dense model), as the plan's weights read them (plan.moe.load_on_layout); the
    # rules the plan's Resolved cached where the slowest GPU is its sizing GPU
    # (weight_load_rules' memo: the plan itself is not at hand here, only its PlanSummary),
    # at the plan's length: the one given, else the release's start (plan.derive), which a
    # model whose rotary cache grows with it holds (long_len.rope_cache_positions), under the
    # sequence-parallel MoE the layout runs (shared experts whole where the release builds
    # them so: load_on_layout)
    version = device.rules.version
    # the tower's slots are idle in a step (lora.slots.stage_parts): which stages hold them
    # (sized_lora's vision_first_stage_only) does not move the speed
    lora = sized_lora(spec, s, True)
    sp_moe = (sp_moe_on_layout(spec, s, layout, lora is not None, request.cluster.vendor)
              if moe is not None else "")
    load, wna16 = load_on_layout(
        weight_load_rules(spec, scheme, s.moe_backend, version, device.gpu,
                          mxfp4_on_marlin(s, device.gpu.vendor),
                          s.max_model_len or default_max_model_len(spec, version),
                          video_pruned(spec, s)),
        spec, layout, scheme, s.vllm_version, request.cluster.vendor, sp_moe)
    gpn = request.cluster.gpus_per_node
    span, net_hops = (node_span(layout.tp, layout.pp, gpn)
                      if device.net is not None and layout.gpus > gpn else (None, 0))
    ep_node_ranks, dp_node_ranks = (
        moe_group_node_ranks(layout.tp, layout.pp, layout.dp, gpn)
        if moe is not None and layout.dp > 1 and device.net is not None else (0, 0))
    net = device.net if span or net_hops or ep_node_ranks else None
    # --nnodes turns vLLM's custom all-reduce off for every TP group (NNODES_CUSTOM_AR_OFF)
    custom_ar_off = device.rules.nnodes_custom_ar_off and layout.gpus > gpn and span is None
    # EPLB's redundant experts are held on the EP ranks like the routed ones (the weights
    # term's _physical_experts), so each rank's expert bytes count them
    redundant = redundant_experts(spec, s, layout)
    kv_b = sparse_mla_kv(spec, s, device.kv_plain, device.gpu.compute_capability, layout.tp)
    load = load._replace(redundant_experts=redundant)
    stages = pipeline_stages(request, scheme, act_b, kv_b, load, device.states)
    lora_stages = () if lora is None else pipeline_lora(spec, layout, lora, act_b)
    all2all = all2all_running(s, version)
    return Context(device=device, tp=layout.tp, pp=layout.pp, dp=layout.dp, ep=layout.ep,
                   moe_ep=moe_ep, redundant_experts=redundant,
                   all2all=all2all,
                   hidden=spec.hidden_size, c=coefficients, wna16=wna16, eager=s.enforce_eager,
                   mbt=mbt, padded_moe=runs_padded_moe(device, layout), stages=stages, net=net,
                   sp_streams=spec.compressed_attention.hc_mult if spec.compressed_attention
                   and dsv4_sequence_parallel_on(load, layout.tp, layout.ep_size, layout.pp)
                   else 0,
                   sp_moe=sp_moe,
                   span=span, net_hops=net_hops, ep_node_ranks=ep_node_ranks,
                   dp_node_ranks=dp_node_ranks,
                   custom_ar_off=custom_ar_off, stage_devices=stage_devices,
                   lora_stages=lora_stages,
                   draft_from=partial(_draft_stage, request, scheme, act_b, kv_b, load,
                                      device.states) if s.num_speculative_tokens else None,
                   ar_world_sizes=nnodes_ar_world_sizes(device.link, layout.tp,
                                                        device.gpu.compute_capability, device.rules)
                   if custom_ar_off else CUSTOM_AR_WORLD_SIZES)


def _draft_stage(request: PlanRequest, scheme: QuantScheme, act_b: int, kv_b: KvBytes,
                 load: WeightLoadRules, states: StateRules) -> DraftStages | None:
    """The drafter's passes (Context.drafter): the EAGLE-3 drafter's, else the MTP layer's (the
    last stage of the layout at one layer a stage: drafting.mtp_stage, every pass alike;
    DeepSeek-V4's own DeepSeekV4MultiTokenPredictorLayer, window-only attention with
    hyper-connections, drafting.dsv4_mtp_stage); None without MTP layers, or where the model's
    MTP layer has a shape of its own, not modelled: spec.mtp_layer (MiMo-V2, Nemotron-H)."""
    s, spec, layout = request.engine, request.model, request.layout
    if s.speculative_draft is not None:
        return eagle_stages(s.speculative_draft, spec, s, layout.tp, layout.pp, act_b, kv_b)
    if _mtp_untimed(spec) or not spec.mtp_layers:
        return None
    per_layer = pipeline_stages(request.model_copy(update={"layout": layout.model_copy(
        update={"pp": spec.num_layers})}), scheme, act_b, kv_b, load, states)
    mtp = (mtp_stage(request, per_layer, act_b) if spec.compressed_attention is None
           else dsv4_mtp_stage(request, per_layer, act_b, dsv4_sequence_parallel_on(
               load, layout.tp, layout.ep_size, layout.pp)))
    return DraftStages(mtp, mtp)


def _mtp_untimed(spec: ModelSpec) -> bool:
    """Whether the model's MTP layer has a shape of its own the speed does not time
    (_draft_stage): spec.mtp_layer (MiMo-V2, Nemotron-H)."""
    return spec.mtp_layer is not None


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


SPEED_KEYS = ("ttft_ms", "tpot_ms", "output_tokens_per_s", "output_tokens_per_s_per_request",
              "prefill_tokens_per_s")
"""The plan JSON's speed keys (a contract: add, never rename)."""

SPEED_COLUMNS = (*SPEED_KEYS, "speed_concurrency")
"""A table row's speed columns (the sweep's and recommend's rows, the report's comparison):
SPEED_KEYS and speed_concurrency, the requests in flight they are for."""

_speed_values = attrgetter(*SPEED_KEYS)


def speed_columns(speed: SpeedEstimate | SpeedFigures | None) -> dict[str, Any]:
    """A table row's SPEED_COLUMNS from an estimate or its figures (speed_concurrency: the
    concurrency served); none without one (the row keeps its Nones)."""
    if speed is None:
        return {}
    return dict(zip(SPEED_KEYS, _speed_values(speed), strict=True),
                speed_concurrency=speed.concurrency)


def speed_fields(est: SpeedEstimate | None) -> dict:
    """The speed keys of `python -m planner plan --json`: each figure, `speed_terms` (each term
    with `name`, its formula and value) and `speed` (the whole estimate); null without one."""
    if est is None:
        return {**dict.fromkeys(SPEED_KEYS), "speed_terms": None, "speed": None}
    return {
        **dict(zip(SPEED_KEYS, _speed_values(est), strict=True)),
        "speed_terms": [{"name": t.key, **t.model_dump(mode="json")} for t in est.terms],
        "speed": est.model_dump(mode="json", exclude={"terms"}),
    }
