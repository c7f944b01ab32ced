"""Sweep: every valid quantization x (TP, PP, EP) x KV dtype for one model on one cluster, ranked.

Each combination is one `summary_figures()` (plan_summary()'s figures of `plan()`, without
per-GPU objects or formula strings, as a dict; layouts are validated once here, not per plan);
the sweep only enumerates, filters with the same validity rules vLLM applies
(planner.serving.layout.layout_errors, the GPU's format support) and ranks: fits first, then the
longest context ceiling, then the highest concurrency of all DP replicas, then fewer GPUs (by
default: rank_key; rows vLLM starts but whose longest request never completes follow the
other fitting rows; rows that do not fit: memory misses by their shortfall per GPU first, then
the rows vLLM refuses for another reason).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, computed_field

from planner.memo import IdentityMemo
from planner.model.quant import COMPONENTS, QuantScheme, checkpoint_scheme, scheme
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.eplb import AUTO_REDUNDANT_FROM
from planner.serving.hardware import ClusterSpec, GpuFormat
from planner.serving.layout import (
    ParallelLayout,
    filled_gpus,
    layout_errors,
    quant_alignment_errors,
    spec_head_errors,
)
from planner.serving.plan import PlanRequest, redundant_experts, summary_figures, verdict_stalled
from planner.serving.replicas import held_seqs
from planner.serving.speed import (
    PlanFigures,
    ServingLoad,
    SpeedFigures,
    context_rule,
    speed_columns,
    speed_figures,
    tpot_meets,
)
from planner.serving.vllm_versions import EngineError, LayoutRefused, vllm_rules

KV_DTYPES: tuple[str, ...] = ("auto", "fp8")
"""KV cache dtypes tried by default: the model's own and fp8 (one byte per element)."""

WHAT_IF_KEYS: tuple[str, ...] = (
    "fp8-tensor", "w8a8-int8", "w4a16-gptq-g128", "w4a16-awq-g128", "mxfp4", "nvfp4",
)
"""Formats a 16-bit checkpoint can be turned into (at load for fp8, or offline)."""

NATIVE_ONLY_FAMILIES = ("mxfp4", "nvfp4")
"""Families proposed only where the GPU computes them natively (Blackwell): elsewhere a
4-bit GPTQ/AWQ checkpoint gives the same memory with wider kernel support."""


Objective = Literal["context", "concurrency", "throughput", "fewest-gpus"]
OBJECTIVES: tuple[Objective, ...] = ("context", "concurrency", "throughput", "fewest-gpus")
"""What the sweep ranks by (after fits first): the longest context ceiling (the default),
the most concurrent requests, the highest output throughput within a TPOT target, or the
fewest GPUs."""


class SweepError(ValueError):
    """A sweep that cannot run (no quantization or layout candidate at all)."""


def _gpu_format(s: QuantScheme) -> GpuFormat | None:
    """The tensor-core format a scheme's weights need (None: plain 16/32-bit floats)."""
    if s.family in ("gptq", "awq"):
        return "int8" if s.bits_per_weight >= 8 else "int4"
    formats: dict[str, GpuFormat] = {"fp8": "fp8", "int8": "int8", "mxfp4": "mxfp4",
                                      "nvfp4": "nvfp4"}
    return formats.get(s.family)


def accepts_what_if(spec: ModelSpec) -> bool:
    """True for a 16-bit checkpoint, the only kind given what-if formats (the app's choices,
    the sweep's rows, the CLI's --target-quant): a quantized checkpoint is planned as stored,
    since re-quantizing it is not something vLLM does."""
    own = checkpoint_scheme(spec)
    return own.family == "float" and own.bits_per_weight >= 16


def quantizes_weights(spec: ModelSpec, key: str) -> bool:
    """Whether what-if format `key` stores any of this model's weights below 16 bits.

    False for a format that quantizes routed experts only on a model without them: MXFP4
    (vLLM's Mxfp4Config.get_quant_method gives every Linear layer UnquantizedLinearMethod and
    only RoutedExperts its MoE method, quantization/mxfp4.py in the 0.34.0 wheel), whose
    what-if on a dense model would plan the 16-bit checkpoint again under another name."""
    s = scheme(key)
    return spec.is_moe or any(not s.leaves_unquantized(c) for c in COMPONENTS if c != "experts")


def quant_candidates(spec: ModelSpec, cluster: ClusterSpec) -> tuple[str, ...]:
    """The checkpoint's own scheme, plus what-if targets when the checkpoint is 16-bit
    (accepts_what_if). What-ifs are kept only where the cluster's GPU can run them
    (weight-only counts) and where they quantize some of the model's weights
    (quantizes_weights)."""
    own = checkpoint_scheme(spec)
    if not accepts_what_if(spec):
        return (own.key,)
    gpu = cluster.sizing_node.gpu
    keys = [own.key]
    for key in WHAT_IF_KEYS:
        fmt = _gpu_format(scheme(key))
        support = "native" if fmt is None else gpu.weight_format_support(fmt)
        if support == "unsupported":
            continue
        if scheme(key).family in NATIVE_ONLY_FAMILIES and support != "native":
            continue
        if not quantizes_weights(spec, key):
            continue
        keys.append(key)
    return tuple(keys)


_LAYOUTS: IdentityMemo[tuple[ParallelLayout, ...]] = IdentityMemo(256)


def layout_candidates(spec: ModelSpec, cluster: ClusterSpec,
                      engine: EngineSettings | None = None) -> tuple[ParallelLayout, ...]:
    """Every (TP, PP) with TP x PP <= GPUs, plus every data-parallel split (DP > 1) of the
    layouts that fill the cluster (TP x PP x DP = GPUs; on nodes of different GPU counts
    also = layout.filled_gpus, what --nnodes fills), EP on and off for MoE (more than one
    rank), that vLLM accepts; with `engine`'s --enable-eplb the EP size must divide the routed
    experts + EPLB's redundant ones (plan.redundant_experts), as vLLM's FusedMoE checks them
    (planner.serving.eplb), not the routed experts alone. Cached by the identity of the model
    and cluster and by the engine's rule (_layout_rule): a rerun's sweep (the app reruns on every
    change) lists and checks them once."""
    rule = _layout_rule(spec, engine)
    return _LAYOUTS.get_all((spec, cluster), rule, _valid_layouts, spec, cluster,
                            engine if rule else None)


def _layout_rule(spec: ModelSpec, engine: EngineSettings | None) -> tuple:
    """What the engine changes in the layout rule, as a cache key: EPLB's (_eplb_rule), and
    --mm-encoder-tp-mode data on a vision model at its release (layout.vision_head_errors: no
    vision heads split where the class takes it); () where neither applies."""
    data = engine is not None and engine.mm_encoder_tp_mode == "data" and spec.vision is not None
    eplb = _eplb_rule(spec, engine)
    return (*eplb, "data", engine.vllm_version) if data else eplb


def _eplb_rule(spec: ModelSpec, engine: EngineSettings | None) -> tuple:
    """What EPLB changes in the layout rule, as a cache key: () without --enable-eplb or
    routed experts; else the given redundant count (None: unset) and whether the release fills
    an unset one in (eplb.AUTO_REDUNDANT_FROM)."""
    if engine is None or not engine.enable_eplb or not spec.is_moe:
        return ()
    return (engine.num_redundant_experts,
            vllm_rules(engine.vllm_version).version >= AUTO_REDUNDANT_FROM)


def _valid_layouts(spec: ModelSpec, cluster: ClusterSpec, engine: EngineSettings | None
                   ) -> tuple[ParallelLayout, ...]:
    """Work out what layout_candidates caches (`engine`: None where EPLB does not apply)."""
    # EP over a single rank (TP x DP = 1) is the same layout as no EP, so not listed twice.
    # A TP that splits some layer's heads unevenly, or more stages than layers, is refused by
    # layout_errors at any PP, DP and EP: such TP and PP are skipped before the inner loops
    # (the same layouts in the same order; over 4,096 GPUs DeepSeek-V3's 65,500 checks are 951).
    moe, gpus = spec.is_moe, cluster.gpu_count
    fills = {gpus, filled_gpus(cluster)}
    candidates = (
        ParallelLayout(tp=tp, pp=pp, dp=dp, ep=ep)
        for tp in range(1, gpus + 1) if not spec_head_errors(spec, tp)
        for pp in range(1, min(gpus // tp, spec.num_layers) + 1)
        for dp in (1, *(d for d in range(2, gpus // (tp * pp) + 1) if tp * pp * d in fills))
        for ep in ((False, True) if moe and tp * dp > 1 else (False,))
    )
    return tuple(c for c in candidates if not layout_errors(
        spec, cluster, c, vllm_version=engine.vllm_version if engine else None,
        redundant_experts=redundant_experts(spec, engine, c) if engine else 0,
        mm_encoder_tp_mode=engine.mm_encoder_tp_mode if engine else "weights",
        speculative_draft=engine.speculative_draft if engine else None))


class SweepRow(BaseModel):
    """One combination's headline figures (the full plan is one `plan()` call away)."""

    model_config = ConfigDict(frozen=True)

    quant_key: str
    quant_label: str
    layout: ParallelLayout
    kv_cache_dtype: str
    gpus_used: int
    fits: bool
    weights_bytes_per_gpu: int
    kv_cache_bytes_per_gpu: int
    kv_bytes_per_token_per_gpu: int
    kv_cache_tokens: int
    max_context_tokens: int
    max_concurrency: float
    """One replica's: under DP each replica holds its own KV pool (plan's max_concurrency)."""
    verdict: str
    vllm_command: str | None
    launch_note: str = ""
    memory_shortfall_bytes_per_gpu: int | None = None
    """The plan's (PlanSummary): 0 where it fits, the bytes per GPU a memory miss is short by,
    None where vLLM refuses it for another reason (more memory does not fix it)."""
    tpot_ms: float | None = None
    """Time per output token at the sweep's load (planner.serving.speed); None: no speed
    (the row does not fit, or the sweep was run without a load)."""
    output_tokens_per_s: float | None = None
    """Output tokens/s of all requests together at the sweep's load; None: no speed."""
    ttft_ms: float | None = None
    output_tokens_per_s_per_request: float | None = None
    prefill_tokens_per_s: float | None = None
    """One request's prompt / its prefill time (planner.serving.speed); None: no speed."""
    speed_concurrency: int | None = None
    """Requests in flight the speed figures are for: the load's (capped by the KV cache), or
    for the throughput objective the best concurrency within the TPOT target."""
    kv_bound: bool | None = None
    """Whether the KV cache (or max_num_seqs) holds fewer requests than the load sends
    (plan's speed kv_bound: speed_concurrency is then the cap, not the load's concurrency);
    None: no speed. Its out tok/s is at speed_concurrency and its TTFT leaves out kv_wait_ms."""
    kv_wait_ms: float | None = None
    """A client's mean wait for a KV slot before its TTFT starts, plan's kv_wait (0 where the
    KV cache holds every request; speed._kv_wait_s); None: no speed."""
    max_model_len: int | None = None
    """The --max-model-len the row's command sets (the plan's max_model_len): its ceiling
    (max_context_tokens) can pass it (ceiling_note)."""
    raised_flags: dict[str, int] = Field(default_factory=dict)
    """The EngineSettings fields raised over vLLM's defaults for the row to run a held
    concurrency at once (held_settings: {"max_num_seqs": 500}, recommend's rows); empty
    where the defaults run it, and in a sweep."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_concurrency_all_replicas(self) -> float:
        """The requests the DP replicas hold together: DP x max_concurrency (each runs its own
        engine and KV pool, and vLLM's DP load balancer spreads requests over them:
        DPLBAsyncMPClient.get_core_engine_for_request); what the sweep ranks by."""
        return self.layout.dp * self.max_concurrency

    @property
    def stalled(self) -> bool:
        """Whether vLLM starts the row but its longest request never completes (before 0.29:
        its verdict starts STALLED_FIT): the sweep ranks it after the other fitting rows,
        recommend counts it short of memory."""
        return verdict_stalled(self.verdict)


class SweepResult(BaseModel):
    """Every valid combination, best first, and what was tried."""

    model_config = ConfigDict(frozen=True)

    model_name: str
    cluster_source: str
    quant_keys: tuple[str, ...]
    kv_dtypes: tuple[str, ...]
    layouts_tried: int = Field(description="valid layouts (invalid ones are never planned)")
    rows: tuple[SweepRow, ...]
    objective: Objective = "context"
    tpot_ms_target: float | None = None
    load: ServingLoad | None = None
    """The serving load of the speed columns; None: the sweep ran without speed."""
    refused: tuple[str, ...] = Field(
        default=(), description="why some combinations were not planned (vLLM < 0.11 would run "
        "them on its V0 engine: planner.serving.v1_oracle)")
    context_notes: tuple[str, ...] = Field(
        default=(), description="what vLLM does with one request of the load's lengths where "
        "they exceed the fitting rows' max_model_len (speed.context_rule): their speed columns "
        "are at the clamped output, or empty where it rejects the request")

    def to_csv(self) -> str:
        """The ranked rows as CSV text (bytes as integers)."""
        return sweep_csv(self.rows)


def miss_key(fits: bool, shortfall_bytes_per_gpu: int | None, stalled: bool
             ) -> tuple[int, int, int]:
    """How a plan ranks by fitting (rank_key, auto_layout), as (how it fits, what kind of
    miss, by how much): a clean fit first, then one vLLM starts but whose longest request never
    completes (`stalled`: a STALLED_FIT verdict, before vLLM 0.29, less than one KV block per
    GPU short), then the memory misses by their memory_shortfall_bytes_per_gpu (the bytes per
    GPU more memory must supply), then the plans vLLM refuses for another reason (None: more
    memory does not fix them). auto_layout orders by the first (a clean fit, a stalled one,
    neither) before its layout preferences and by the rest after them."""
    if fits:
        return (1 if stalled else 0, 0, 0)
    return (2, 1, 0) if shortfall_bytes_per_gpu is None else (2, 0, shortfall_bytes_per_gpu)


def rank_key(row: SweepRow, objective: Objective = "context",
             tpot_ms_target: float | None = None) -> tuple:
    """Sort key, clean fits first, then by the objective. Fitting rows whose longest request
    never completes (SweepRow.stalled) follow them, and then the rows that do not fit: first
    the memory misses, the smallest shortfall per GPU first (miss_key:
    memory_shortfall_bytes_per_gpu, the least bytes per GPU that make one max_model_len
    request fit, what the pool is under 0 included), then the rows vLLM refuses for another
    reason (a start-up refusal, which more memory does not fix); each kind in the objective's
    order:
    context: longer ceiling, higher concurrency, fewer GPUs (the original order);
    concurrency: higher concurrency, longer ceiling, fewer GPUs;
    fewest-gpus: fewer GPUs, longer ceiling, higher concurrency;
    throughput: rows meeting the TPOT target (any, without one) first, then higher output
    tokens/s, then the context order (rows without a speed figure last).
    Concurrency is all DP replicas' (max_concurrency_all_replicas); output tokens/s is already
    all replicas' (the speed model serves the load's requests over DP replicas)."""
    together = row.max_concurrency_all_replicas
    context = (-row.max_context_tokens, -together, row.gpus_used)
    miss = miss_key(row.fits, row.memory_shortfall_bytes_per_gpu, row.stalled)
    if objective == "concurrency":
        return (*miss, -together, -row.max_context_tokens, row.gpus_used)
    if objective == "fewest-gpus":
        return (*miss, row.gpus_used, -row.max_context_tokens, -together)
    if objective == "throughput":
        tps, tpot = row.output_tokens_per_s, row.tpot_ms
        meets = tps is not None and tpot_meets(tpot, tpot_ms_target)
        return (*miss, not meets, -(tps or 0.0), *context)
    return (*miss, *context)


def ranked(rows: Iterable[SweepRow], objective: Objective = "context",
           tpot_ms_target: float | None = None) -> tuple[SweepRow, ...]:
    """`rows` best first for the objective (see rank_key)."""
    if objective not in OBJECTIVES:
        raise SweepError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    return tuple(sorted(rows, key=lambda row: rank_key(row, objective, tpot_ms_target)))


def sweep_row(figures: Mapping[str, Any], quant_key: str, kv_cache_dtype: str,
              speed: SpeedFigures | None = None, raised_flags: Mapping[str, int] | None = None
              ) -> SweepRow:
    """The headline figures of one plan: summary_figures(...), or dict(p) of a Plan or
    PlanSummary (iterating a pydantic model gives its fields; the names are the same), with
    the speed columns of `speed` where there is one, and the flags held_settings raised.
    Built validated (model_validate of the
    dict: fewer instructions than SweepRow(**dict), which packs the keywords again, per
    cc21724's callgrind pass); validation costs less than copying a blank row with an update
    or model_construct."""
    return SweepRow.model_validate({
        "quant_key": quant_key,
        # what vLLM holds: a 16-bit checkpoint runs as FP16 or FP32 where the GPU has no
        # bfloat16 (the plan's weight_format_label, not the candidate's "BF16")
        "quant_label": figures["weight_format_label"],
        "layout": figures["layout"],
        "kv_cache_dtype": kv_cache_dtype,
        "gpus_used": figures["gpus_used"],
        "fits": figures["fits"],
        "memory_shortfall_bytes_per_gpu": figures["memory_shortfall_bytes_per_gpu"],
        "weights_bytes_per_gpu": figures["weights_bytes_per_gpu"],
        "kv_cache_bytes_per_gpu": figures["kv_cache_bytes_per_gpu"],
        "kv_bytes_per_token_per_gpu": figures["kv_bytes_per_token_per_gpu"],
        "kv_cache_tokens": figures["kv_cache_tokens"],
        "max_context_tokens": figures["max_context_tokens"],
        "max_concurrency": figures["max_concurrency"],
        "verdict": figures["verdict"],
        "vllm_command": figures["vllm_command"],
        "launch_note": figures["launch_note"],
        "max_model_len": figures["max_model_len"],
        **speed_columns(speed),
        **({"kv_bound": speed.kv_bound, "kv_wait_ms": speed.kv_wait_ms} if speed else {}),
        **({"raised_flags": raised_flags} if raised_flags else {}),
    })


def row_speed(request: PlanRequest, figures: Mapping[str, Any], load: ServingLoad, *,
              best: bool = False, tpot_ms_target: float | None = None,
              ttft_ms_target: float | None = None,
              min_output_tokens_per_s: float | None = None) -> SpeedFigures | None:
    """The speed of one fitting row at `load`, or at a concurrency searched for:
    - `min_output_tokens_per_s`: the fewest requests in flight whose output tokens/s reach
      it (the best latency at that rate);
    - `best`: the most requests in flight, up to the KV-limited maximum (vLLM's max_num_seqs
      capped by the KV cache), whose TPOT and TTFT meet the targets: the most output tokens/s
      within them (no target: the maximum).
    A search's top is the most requests the KV cache holds where it holds fewer than
    max_num_seqs (kv_limited_concurrency, estimated again there): the concurrency is the
    search's choice, so no client of it waits for a KV slot (kv_bound false, kv_wait 0; the
    same throughput and latency as at max_num_seqs, whose excess clients only wait).
    Throughput, TPOT and TTFT all grow with concurrency, so each search is a bisection (about
    log2(max_num_seqs) estimates), and a row that misses a target with one request in
    flight is given up at once (returned as it is, so it ranks after the rows that meet it).
    A row keeps only the estimate's figures (speed_figures); estimate_speed gives a row's
    terms and notes."""
    summary = PlanFigures.of(figures)
    if min_output_tokens_per_s is None and not best:
        return speed_figures(request, load, plan_result=summary)

    def at(concurrency: int) -> SpeedFigures | None:
        at_load = load if concurrency == load.concurrency else \
            load.model_copy(update={"concurrency": concurrency})
        return speed_figures(request, at_load, plan_result=summary)

    def meets(e: SpeedFigures | None) -> bool:
        return e is not None and tpot_meets(e.tpot_ms, tpot_ms_target) \
            and (ttft_ms_target is None or e.ttft_ms <= ttft_ms_target)

    one = at(1)
    if one is None or not meets(one):
        return one
    if min_output_tokens_per_s is not None:
        def enough(e: SpeedFigures | None) -> bool:
            return e is not None and e.output_tokens_per_s >= min_output_tokens_per_s
        if enough(one):
            return one
        top = _search_top(at, figures["max_num_seqs"] * request.layout.dp)
        if top is None or not enough(top):
            return top
        return _bisect(at, top, enough, smallest=True, low=one)
    top = _search_top(at, figures["max_num_seqs"] * request.layout.dp)
    # (None only where one request has none too: speed does not depend on the concurrency)
    if top is None or meets(top):
        return top
    return _bisect(at, top, meets, smallest=False, low=one)


def _search_top(at, most: int) -> SpeedFigures | None:
    """The estimate `at` `most` requests in flight, or at the most the KV cache holds where
    that is fewer (row_speed's search top: no client waits for a slot)."""
    top = at(most)
    return at(top.kv_limited_concurrency) if top is not None and top.kv_bound else top


def _bisect(at, top: SpeedFigures, ok, *, smallest: bool, low: SpeedFigures
            ) -> SpeedFigures:
    """Between `low` (concurrency 1) and `top`: the smallest concurrency where `ok` holds (it
    fails at `low`, holds at `top`), or the largest (it holds at `low`, fails at `top`)."""
    lo, hi = low.concurrency, top.concurrency
    found = top if smallest else low
    while hi - lo > 1:
        middle = (lo + hi) // 2
        estimate = at(middle)
        good = ok(estimate)
        if good:
            found = estimate
        if good == smallest:
            hi = middle
        else:
            lo = middle
    return found


def quant_settings(key: str, own: str) -> dict[str, str | None]:
    """EngineSettings fields (`quantization`, `target_quant`) that plan weight format `key` for
    a checkpoint stored as `own`: the checkpoint's own format sets neither, a runtime what-if
    (fp8 from 16-bit) is vLLM's --quantization flag, an offline one is a `target_quant`."""
    target = scheme(key)
    if key == own:
        return {"quantization": None, "target_quant": None}
    if target.runtime and target.vllm_quantization:
        return {"quantization": target.vllm_quantization, "target_quant": None}
    return {"quantization": None, "target_quant": key}


FormatKind = Literal["own", "at load", "what-if"]


def format_kind(quant_key: str, own_key: str) -> FormatKind:
    """How a sweep row's weight format comes from the checkpoint stored as `own_key`: "own",
    as stored; "at load", made by vLLM as it loads the checkpoint (quant_settings: the
    format's --quantization, fp8 from a 16-bit checkpoint); "what-if", planned as if the
    checkpoint were converted to it (it needs a checkpoint in that format)."""
    if quant_key == own_key:
        return "own"
    return "at load" if quant_settings(quant_key, own_key)["quantization"] else "what-if"


def candidate_settings(engine: EngineSettings, key: str, kv_cache_dtype: str, own: str
                       ) -> EngineSettings:
    """`engine` planning weight format `key` (quant_settings, for a checkpoint stored as
    `own`) with this KV cache dtype: one sweep candidate's settings."""
    return engine.model_copy(update={"kv_cache_dtype": kv_cache_dtype,
                                     **quant_settings(key, own)})


def held_settings(settings: EngineSettings, figures: Mapping[str, Any], layout: ParallelLayout,
                  held: int, made: dict) -> EngineSettings | None:
    """`settings` raised to run `held` requests at once over `layout`'s DP replicas, where
    the plan's `figures` (vLLM's default max_num_seqs) run fewer: --max-num-seqs set to a
    replica's share, ceil(held / DP) (replicas.held_seqs), and --max-num-batched-tokens to it too
    where the default is fewer (vLLM refuses fewer batched tokens than sequences:
    startup.startup_errors); None where the default already runs them. vLLM runs at most
    max_num_seqs requests per replica and queues the rest (the slot wait `plan` notes), so
    recommend, whose concurrency every row must run, plans such a row at the raised flags.
    One settings object per raise in `made` (the plan's caches are keyed by identity); the
    fields it raised: raised_flags."""
    share = held_seqs(figures["max_num_seqs"], held, layout.dp)
    if share == figures["max_num_seqs"]:
        return None
    tokens = max(figures["max_num_batched_tokens"], share)
    key = (id(settings), share, tokens)
    if key not in made:
        made[key] = settings.model_copy(update={
            "max_num_seqs": share,
            **({"max_num_batched_tokens": tokens}
               if tokens > figures["max_num_batched_tokens"] else {})})
    return made[key]


def seqs_short(speed: SpeedFigures | None, figures: Mapping[str, Any], layout: ParallelLayout,
               rate: float) -> bool:
    """Whether a row's rate search (`speed`, row_speed) stopped short of `rate` output tokens/s
    at max_num_seqs requests per replica: the cap its plan runs, where the KV cache may hold
    more (rate_raised then looks)."""
    return speed is not None and speed.output_tokens_per_s < rate \
        and speed.concurrency == figures["max_num_seqs"] * layout.dp


def rate_raised(request: PlanRequest, figures: Mapping[str, Any], load: ServingLoad,
                rate: float, made: dict, *, tpot_ms_target: float | None = None,
                ttft_ms_target: float | None = None
                ) -> tuple[EngineSettings, dict[str, Any], SpeedFigures] | None:
    """(settings, plan figures, speed) of `request`'s row at --max-num-seqs raised to reach
    `rate` output tokens/s where its plan's max_num_seqs stops short (seqs_short) and its KV
    cache holds more requests; None where it holds too few, the targets fail at one request,
    or the raised plan (re-made: vLLM's CUDA-graph capture sizes and sampler profile grow with
    max_num_seqs, so its KV cache is smaller) no longer reaches the rate. The fewest requests
    in flight reaching the rate are searched with max_num_seqs lifted to the pool's blocks (a
    request holds at least one: the KV cache alone caps), then the row is planned again at a
    replica's share of them (held_settings) and searched again on that plan."""
    roomy = {**figures, "max_num_seqs": figures["num_gpu_blocks"]}
    targets = {"tpot_ms_target": tpot_ms_target, "ttft_ms_target": ttft_ms_target}
    need = row_speed(request, roomy, load, min_output_tokens_per_s=rate, **targets)
    if need is None or need.output_tokens_per_s < rate:
        return None
    settings = held_settings(request.engine, figures, request.layout, need.concurrency, made)
    if settings is None:
        return None
    try:
        raised = summary_figures(request.model, request.cluster, request.layout, settings,
                                 validated=True, every_node=False)
    except EngineError:  # vLLM refuses the raised flags here: the row keeps its own
        return None
    if not raised["fits"]:
        return None
    speed = row_speed(request.model_copy(update={"engine": settings}), raised, load,
                      min_output_tokens_per_s=rate, **targets)
    if speed is None or speed.output_tokens_per_s < rate:
        return None
    return settings, raised, speed


def raised_flags(settings: EngineSettings, raised: EngineSettings) -> dict[str, int]:
    """The batch flags `raised` (held_settings of `settings`) sets that `settings` does not."""
    return {field: getattr(raised, field) for field in ("max_num_seqs", "max_num_batched_tokens")
            if getattr(raised, field) != getattr(settings, field)}


def sweep(
    model: ModelSpec,
    cluster: ClusterSpec,
    engine: EngineSettings,
    *,
    quant_keys: Iterable[str] | None = None,
    kv_dtypes: Iterable[str] | None = None,
    layouts: Iterable[ParallelLayout] | None = None,
    objective: Objective = "context",
    tpot_ms_target: float | None = None,
    load: ServingLoad | None = None,
    min_output_tokens_per_s: float | None = None,
    ttft_ms_target: float | None = None,
    held_concurrency: int | None = None,
) -> SweepResult:
    """Plan every combination and rank them by `objective` (see rank_key).

    `engine`'s quantization and target_quant are replaced per weight format (quant_settings),
    so the caller passes its settings as they are; the other knobs apply to every row. With a
    `load`, every fitting row gets its speed (row_speed; the throughput objective needs one,
    `min_output_tokens_per_s` searches the concurrency that reaches a rate; the TPOT and
    TTFT targets bound both searches). `held_concurrency`: requests every row must run at
    once (recommend's requirement), a row whose vLLM default max_num_seqs runs fewer planned
    again at raised flags (held_settings). A row whose rate search stops short of
    `min_output_tokens_per_s` at max_num_seqs (seqs_short) is planned again at --max-num-seqs
    raised to reach it where its KV cache holds the requests (rate_raised).
    """
    if objective == "throughput" and load is None:
        load = ServingLoad()
    keys = tuple(quant_keys) if quant_keys is not None else quant_candidates(model, cluster)
    kvs = tuple(kv_dtypes) if kv_dtypes is not None else KV_DTYPES
    valid = _swept_layouts(model, cluster, engine, layouts)
    if not keys or not kvs or not valid:
        raise SweepError(f"nothing to sweep for {model.name or model.model_type} on "
                         f"{cluster.source}: no valid layout or quantization candidate")
    ask = None if load is None else _SpeedAsk(load, objective == "throughput", tpot_ms_target,
                                              ttft_ms_target, min_output_tokens_per_s)
    own = checkpoint_scheme(model).key
    rows = []
    context_notes: dict[str, None] = {}  # speed.context_rule's lines, in order, once each
    refused: dict[str, EngineError] = {}  # a release's V0 fall-backs (planner.serving.v1_oracle)
    made: dict = {}  # held_settings' raised settings, one object each
    for key in keys:
        # GPTQ/AWQ group alignment depends on the format: vLLM refuses misaligned layouts
        runnable = [lay for lay in valid
                    if not quant_alignment_errors(model, lay, scheme(key), engine.vllm_version,
                                                  cluster.vendor)]
        for kv in kvs:
            settings = candidate_settings(engine, key, kv, own)
            planned = _planned_layouts(model, cluster, runnable, settings, held_concurrency,
                                       made, refused)
            # the speeds after the format's plans, not between them: one code path at a time
            # stays in the CPU's caches (a speed sweep ~6 % faster, same rows in the same order)
            for layout, planned_settings, figures in planned:
                speed = None
                if ask is not None and figures["fits"]:
                    context_notes[context_rule(ask.load, figures["max_model_len"],
                                               settings.vllm_version).why] = None
                    # (validated: costs less than model_construct, 1.4 against 2.7 us)
                    request = PlanRequest(model=model, cluster=cluster, layout=layout,
                                          engine=planned_settings)
                    planned_settings, figures, speed = _timed(request, figures, ask, made)
                rows.append(sweep_row(figures, key, kv, speed,
                                      raised_flags(settings, planned_settings)))
    if refused and not rows:
        raise _eplb_without_ep_rows(model, cluster, engine, valid) or next(iter(refused.values()))
    return SweepResult(
        model_name=model.name or model.model_type,
        cluster_source=cluster.source,
        quant_keys=keys,
        kv_dtypes=kvs,
        layouts_tried=len(valid),
        rows=ranked(rows, objective, tpot_ms_target),
        objective=objective,
        tpot_ms_target=tpot_ms_target,
        load=load,
        refused=tuple(refused),
        context_notes=tuple(note for note in context_notes if note),
    )


def _swept_layouts(model: ModelSpec, cluster: ClusterSpec, engine: EngineSettings,
                   layouts: Iterable[ParallelLayout] | None) -> tuple[ParallelLayout, ...]:
    """The layouts a sweep tries: every candidate on the cluster, or those of `layouts` that
    vLLM accepts (layout_errors, with the engine's redundant experts)."""
    if layouts is None:
        return layout_candidates(model, cluster, engine)
    return tuple(lay for lay in layouts if not layout_errors(
        model, cluster, lay, vllm_version=engine.vllm_version,
        redundant_experts=redundant_experts(model, engine, lay),
        mm_encoder_tp_mode=engine.mm_encoder_tp_mode, speculative_draft=engine.speculative_draft))


def _planned_layouts(model: ModelSpec, cluster: ClusterSpec, layouts: list[ParallelLayout],
                     settings: EngineSettings, held_concurrency: int | None, made: dict,
                     refused: dict[str, EngineError]
                     ) -> list[tuple[ParallelLayout, EngineSettings, dict[str, Any]]]:
    """(layout, settings, figures) of each layout planned at `settings`, or at the flags
    raised to run `held_concurrency` requests (held_settings). A release's refusal is kept in
    `refused` and is no row; a refusal of the settings themselves (plan.derive._derive)
    holds for every layout, so none after it is tried."""
    planned = []
    for layout in layouts:
        try:
            figures = summary_figures(model, cluster, layout, settings, validated=True,
                                      every_node=False)
            raised = held_concurrency and held_settings(settings, figures, layout,
                                                        held_concurrency, made)
            planned.append((layout, raised or settings, summary_figures(
                model, cluster, layout, raised, validated=True, every_node=False)
                if raised else figures))
        except EngineError as exc:  # not planned on this release: not a row
            refused.setdefault(str(exc), exc)
            if not isinstance(exc, LayoutRefused):
                break
    return planned


class _SpeedAsk(NamedTuple):
    """What a sweep times its fitting rows at (row_speed's arguments): the load, whether to
    search the best concurrency (the throughput objective), the targets and the rate."""

    load: ServingLoad
    best: bool
    tpot_ms_target: float | None
    ttft_ms_target: float | None
    min_output_tokens_per_s: float | None


def _timed(request: PlanRequest, figures: Mapping[str, Any], ask: _SpeedAsk, made: dict
           ) -> tuple[EngineSettings, Mapping[str, Any], SpeedFigures | None]:
    """(settings, figures, speed) of a fitting row: its speed at `ask` (row_speed), or, where
    the rate search stops short at max_num_seqs (seqs_short), the row planned again at the
    raised --max-num-seqs that reaches it (rate_raised) where its KV cache holds that."""
    speed = row_speed(request, figures, ask.load, best=ask.best,
                      tpot_ms_target=ask.tpot_ms_target, ttft_ms_target=ask.ttft_ms_target,
                      min_output_tokens_per_s=ask.min_output_tokens_per_s)
    rate = ask.min_output_tokens_per_s
    if rate is not None and seqs_short(speed, figures, request.layout, rate):
        raised = rate_raised(request, figures, ask.load, rate, made,
                             tpot_ms_target=ask.tpot_ms_target,
                             ttft_ms_target=ask.ttft_ms_target)
        if raised is not None:
            return raised
    return request.engine, figures, speed


def _eplb_without_ep_rows(spec: ModelSpec, cluster: ClusterSpec, engine: EngineSettings,
                          valid: tuple[ParallelLayout, ...]) -> SweepError | None:
    """Why a sweep under --enable-eplb planned nothing where EPLB's redundant experts divide
    over no expert-parallel size the GPUs offer (128 routed + 1 on 8 GPUs: 129 over 2, 4 or
    8 ranks): every row left is one without EP, which vLLM refuses EPLB on, and that refusal
    alone ("without --enable-expert-parallel", when the sweep tries EP itself) hid the count
    that ruled the EP rows out. None where an EP layout was valid or none exists anyway."""
    if not _eplb_rule(spec, engine) or any(lay.ep for lay in valid):
        return None
    for lay in layout_candidates(spec, cluster):
        errors = lay.ep and layout_errors(spec, cluster, lay, vllm_version=engine.vllm_version,
                                          redundant_experts=redundant_experts(spec, engine, lay))
        if errors:
            return SweepError(
                "--enable-eplb needs --enable-expert-parallel, and vLLM refuses every "
                f"expert-parallel layout on {cluster.source} with EPLB's redundant experts: "
                f"{lay.label()}: {' '.join(errors)}")
    return None


CSV_COLUMNS = (
    "rank", "quant_key", "quant_label", "tp", "pp", "ep", "kv_cache_dtype", "gpus_used", "fits",
    "weights_bytes_per_gpu", "kv_cache_bytes_per_gpu", "kv_bytes_per_token_per_gpu",
    "kv_cache_tokens", "max_context_tokens", "max_concurrency", "vllm_command",
    "ttft_ms", "tpot_ms", "output_tokens_per_s", "speed_concurrency", "launch_note",
    "output_tokens_per_s_per_request", "prefill_tokens_per_s", "dp",
    "max_concurrency_all_replicas", "kv_bound", "kv_wait_ms", "max_model_len",
)
"""Columns are only ever added at the end (scripts read them by position too)."""


def sweep_csv(rows: Iterable[SweepRow]) -> str:
    """CSV text: the CSV_COLUMNS header, then one line per row in rank order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(
        [i, r.quant_key, r.quant_label, r.layout.tp, r.layout.pp, r.layout.ep,
         r.kv_cache_dtype, r.gpus_used, r.fits, r.weights_bytes_per_gpu,
         r.kv_cache_bytes_per_gpu, r.kv_bytes_per_token_per_gpu, r.kv_cache_tokens,
         r.max_context_tokens, round(r.max_concurrency, 4), r.vllm_command or "",
         *("" if v is None else round(v, 4) for v in (r.ttft_ms, r.tpot_ms,
                                                     r.output_tokens_per_s)),
         "" if r.speed_concurrency is None else r.speed_concurrency, r.launch_note,
         *("" if v is None else round(v, 4) for v in (r.output_tokens_per_s_per_request,
                                                     r.prefill_tokens_per_s)),
         r.layout.dp, round(r.max_concurrency_all_replicas, 4),
         "" if r.kv_bound is None else r.kv_bound,
         "" if r.kv_wait_ms is None else round(r.kv_wait_ms, 4), r.max_model_len or ""]
        for i, r in enumerate(rows, 1)
    )
    return out.getvalue()
