"""Recommend: the cheapest GPUs x count x weight format x layout that serve a workload.

For each model, each priced GPU preset and each GPU count (powers of two up to one 8-GPU node,
then whole nodes, up to `gpus_max`), the sweep (planner.serving.sweep) plans every weight
format x layout using exactly that many GPUs x KV dtype at the workload's context, with its
speed (planner.serving.speed) at the workload's concurrency, or, given a request rate, at
the fewest requests in flight whose output tokens/s reach rate x output length. Every row runs
the concurrency at once: where vLLM's default max_num_seqs per replica is fewer than its share,
ceil(concurrency / DP), the row is planned and launched at --max-num-seqs raised to that share
(sweep.held_settings), since vLLM would queue the rest (the slot wait `plan` notes, outside
its TTFT); at a rate, a row that stops short of it at that max_num_seqs while its KV cache
holds more requests is planned again at --max-num-seqs raised to the fewest that reach it
(sweep.rate_raised). A row is kept when it fits with room for the concurrency (the share in
each DP replica's KV pool: replicas.dp_requests), reaches the rate and meets the TTFT/TPOT
targets.
Per (model, GPU) the best row at the fewest GPUs with a row the targeted vLLM can launch is
listed, and a what-if row (no command for that vLLM) where one serves on fewer GPUs or no
launchable row serves; launchable rows first, then cheapest $/hour, with $ per million
output tokens ($/hour / output tokens per hour: at the rate when one is given, else at the
throughput of the concurrency). GPU counts whose memory cannot hold the smallest weight
format are skipped before any plan is made, counts above one node are searched through
replica families (planner.serving.replicas), and once a count serves the workload with a
launchable row, larger counts of the same GPU (dearer per hour) are not planned.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, computed_field

from planner.catalog import catalog_spec
from planner.model.quant import checkpoint_scheme, scheme
from planner.model.spec import ModelSpec
from planner.serving.auto_layout import lora_where_sized
from planner.serving.engine import EngineSettings, derived_max_model_len
from planner.serving.hardware import (
    GPU_PRESETS,
    GpuSpec,
    NetworkSpec,
    NoWsl2TotalError,
    network_assumed_text,
    preset_cluster,
    with_wsl2,
)
from planner.serving.launch import NO_COMMAND, fitted_note, what_if_alternatives
from planner.serving.layout import ParallelLayout, layout_errors
from planner.serving.long_len import memory_parts, unmodelled_risk
from planner.serving.mm_modes import tower_dropped, tower_settings_where_built
from planner.serving.plan import (
    NO_FIT,
    PlanRequest,
    unmodelled_ranks,
)
from planner.serving.plan.shared import ENGINE
from planner.serving.prices import PRICE_TABLE_DATE, GpuPrice
from planner.serving.replicas import (
    SLACK,
    Bound,
    Family,
    dp_requests,
    families,
    held_seqs,
    lowest_counts,
    pool_requests,
    rate_room,
    relaxed_speed,
    replica_plan,
)
from planner.serving.speed import (
    SPEED_COLUMNS,
    Arrival,
    PlanFigures,
    ServingLoad,
    context_rule,
    speed_figures,
    tpot_meets,
)
from planner.serving.sweep import (
    KV_DTYPES,
    FormatKind,
    SweepRow,
    candidate_settings,
    format_kind,
    layout_candidates,
    quant_candidates,
    rank_key,
    sweep,
)
from planner.serving.vllm_versions import EngineError, Version, vllm_rules
from planner.serving.weights import weights_bytes
from planner.text import counted, decimal, per_second, tenths_up

GPUS_PER_NODE = 8
"""Counts above this are whole 8-GPU nodes (the usual HGX / rented-node size)."""
LONGER_LEN_REFUSED = ("vLLM refuses a --max-model-len longer than that; --context sets it, "
                      "--allow-long-max-model-len plans it past the model's as vLLM serves it "
                      "under VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")
"""Why a context longer than a model's derived max_model_len rules the model out, in the CLI's
terms (recommend's --context is the launch command's --max-model-len; the app says its own)."""


class RecommendError(ValueError):
    """A recommendation that cannot be searched (bad workload, nothing priced)."""


class NoPriceError(RecommendError):
    """No GPU in the search has a price: `keys` are the presets searched (each caller says
    where a price is given: the CLI's --price, the app's price table)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        named = ", ".join(keys) if len(keys) <= 4 else f"{len(keys)} presets"
        super().__init__(f"no GPU in the search has a price ({named}: none on record)")
        self.keys = keys


class Workload(BaseModel):
    """What must be served: a context and a concurrency, or a request rate, and targets."""

    model_config = ConfigDict(frozen=True)

    input_len: int = Field(1024, ge=1)
    output_len: int = Field(1024, ge=1)
    context_tokens: int | None = Field(None, ge=1)
    """max_model_len to plan; default input_len + output_len."""
    concurrency: int = Field(1, ge=1)
    """Requests served at once (each up to context_tokens long)."""
    arrival: Arrival = "staggered"
    """How the requests arrive (ServingLoad.arrival): burst, all together."""
    requests_per_s: float | None = Field(None, gt=0)
    """Arrival rate to sustain: needs output tokens/s >= rate x output_len (speed model)."""
    ttft_ms: float | None = Field(None, gt=0)
    tpot_ms: float | None = Field(None, gt=0)
    spec_acceptance_length: float | None = Field(None, ge=1, allow_inf_nan=False)
    """With speculative decoding, the mean acceptance length (ServingLoad's)."""

    @property
    def max_model_len(self) -> int:
        """The max_model_len every candidate is planned at."""
        return self.context_tokens or self.input_len + self.output_len

    @property
    def load(self) -> ServingLoad:
        """The serving load the speed model is asked about."""
        return ServingLoad(input_len=self.input_len, output_len=self.output_len,
                           concurrency=self.concurrency, arrival=self.arrival,
                           spec_acceptance_length=self.spec_acceptance_length)

    @property
    def output_tokens_per_s(self) -> float | None:
        """Output tokens/s a request rate needs: rate x output length."""
        return None if self.requests_per_s is None else self.requests_per_s * self.output_len


RunKind = Literal["serve", "what-if", "no command"]
"""Whether a recommendation starts as planned (Recommendation.run_kind)."""


class Recommendation(BaseModel):
    """One configuration that serves the workload, with its cost."""

    model_config = ConfigDict(frozen=True)

    model_name: str
    gpu_key: str
    gpu_name: str
    gpus: int
    nodes: int
    quant_key: str
    quant_label: str
    layout: ParallelLayout
    kv_cache_dtype: str
    max_context_tokens: int
    max_concurrency: float
    usd_per_hour: float
    usd_per_million_output_tokens: float | None
    """At the workload's throughput; None without a speed figure."""
    ttft_ms: float | None = None
    tpot_ms: float | None = None
    output_tokens_per_s: float | None = None
    """Output tokens/s of all requests at `speed_concurrency` (planner.serving.speed)."""
    output_tokens_per_s_per_request: float | None = None
    prefill_tokens_per_s: float | None = None
    speed_concurrency: int | None = None
    """Requests in flight the speed figures are for: the workload's concurrency, or at a
    request rate the fewest that reach it."""
    price_source: str
    price_estimate: bool
    format_kind: FormatKind
    """How the row's weight format comes from the model's checkpoint (sweep.format_kind):
    "own", "at load" or "what-if" (a format only a converted checkpoint holds)."""
    vllm_command: str | None
    """None when there is no command (launch_note says why): a what-if format no known
    checkpoint holds, or a reason of the checkpoint's own (its code needs
    --trust-remote-code, a folder without weights)."""
    launch_note: str = ""
    raised_flags: dict[str, int] = Field(default_factory=dict)
    """vLLM flags the row raises over their defaults to run the concurrency at once, as its
    command sets them (SweepRow.raised_flags: {"max_num_seqs": 500}); empty where the
    defaults run it."""
    verdict: str = ""
    """The plan's verdict (planner.serving.plan): it starts UNMODELLED_FIT where the figures
    leave a part out (an unknown architecture part, a vision encoder's start-up profile)."""

    @computed_field
    @property
    def launchable(self) -> bool:
        """Whether the targeted vLLM can start it as planned (a `vllm serve` command);
        launchable rows rank first."""
        return self.vllm_command is not None

    @property
    def run_kind(self) -> RunKind:
        """The table's "run" word: "serve" with a command; without one, "what-if" where the
        format needs a converted checkpoint, else "no command" (the checkpoint's own format or
        one vLLM makes at load, held back for the launch note's reason, e.g. Kimi-K2's
        tokenizer without --trust-remote-code), so such a row is not read as a conversion."""
        if self.launchable:
            return "serve"
        return "what-if" if self.format_kind == "what-if" else "no command"

    @property
    def why_no_command(self) -> str:
        """Why the row has no command, headed by its run word in place of the note's own
        opening (launch.NO_COMMAND), so it is not said twice: "what-if, no command: ..." or
        "no command: ..."; "" for a row with a command. The CLI's Launch line and, capitalised,
        the Recommend page's note under a picked row, one wording for both."""
        if self.launchable:
            return ""
        head = "what-if, no command" if self.run_kind == "what-if" else "no command"
        return f"{head}: {self.launch_note.removeprefix(NO_COMMAND)}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_concurrency_all_replicas(self) -> float:
        """The requests the DP replicas hold together: DP x max_concurrency (one replica's),
        as the sweep's key of the same name."""
        return self.layout.dp * self.max_concurrency


FellOutReason = Literal["refused", "memory", "room", "tpot", "ttft", "rate"]
"""The first check a plan fails (_miss): vLLM refuses it at start-up though its memory holds
the context; its memory does not hold the context; its KV cache holds fewer requests than its
share of the concurrency; it misses the TPOT target, the TTFT target (at the requests in
flight its speed is for: at a rate the fewest reaching it, or one where even one misses), the
request rate (before the targets where no concurrency reaches it: the sweep's search for it
ended at its top, above one request in flight)."""


class FellOut(BaseModel):
    """Plans made that do not serve the workload for one reason (FellOutReason), counted."""

    model_config = ConfigDict(frozen=True)

    reason: FellOutReason
    plans: int
    detail: str = ""
    """refused: the most common refusal, in vLLM's words; rate, tpot, ttft: the plan that came
    closest and its figure; memory, room: empty."""
    closest: float | None = None
    """rate, tpot, ttft: the closest plan's figure unrounded (output tokens/s, TPOT or TTFT
    ms); None for the others."""


def ceiling_note(rows: Iterable[tuple[int, int | None]]) -> str:
    """What a table's ceiling column means where a row's ceiling passes the --max-model-len
    its command sets ("" where none does): the longest request each row's KV cache holds,
    which that --max-model-len does not start (Qwen3-32B at 2,048 tokens: a ceiling of 40,960
    beside --max-model-len 2048). `rows`: each row's (ceiling, max_model_len); the length is
    named where the rows passing it share one. recommend's and sweep's tables (CLI and app)
    give it under the table."""
    lengths = {length for ceiling, length in rows if length and ceiling > length}
    if not lengths:
        return ""
    named = f"the {lengths.pop():,}" if len(lengths) == 1 else "the one"
    return (f"the longest single request a row's KV cache holds, at a larger "
            f"--max-model-len than {named} its command sets (the model's limit at most).")


class RecommendResult(BaseModel):
    """The configurations found, launchable first, then cheapest, and what the search
    covered."""

    model_config = ConfigDict(frozen=True)

    workload: Workload
    gpu_counts: tuple[int, ...]
    gpu_keys: tuple[str, ...]
    unpriced_gpu_keys: tuple[str, ...]
    """Presets left out for want of a price (give one to include them)."""
    wsl2: bool = False
    """Planned under Windows WSL2: each preset on its nvidia-smi total (hardware.with_wsl2)."""
    no_wsl2_total_gpu_keys: tuple[str, ...] = ()
    """Presets left out under WSL2: no nvidia-smi total on record, so no WSL2 total."""
    plans_made: int
    pruned: int = Field(description="(model, GPU, count) skipped: memory below the weights")
    price_table_date: str = PRICE_TABLE_DATE
    rows: tuple[Recommendation, ...]
    counts_skipped: int = Field(0, description="(model, GPU, count) not planned: below the "
                                "fewest GPUs any replica family could serve on "
                                "(planner.serving.replicas)")
    notes: tuple[str, ...] = ()
    """Models left out because no count up to gpus_max can serve them, and why."""
    lora_notes: tuple[str, ...] = ()
    """Models searched without the engine's --enable-lora, each named, and why: Headroom does
    not size their LoRA slots (auto_layout.lora_where_sized, compared_lora_note's words)."""
    network_assumed: str | None = None
    """What the speed terms across nodes of the rows listed over several nodes assume where
    no network was given, in ClusterSpec.network_assumed's words (hardware.network_assumed_text,
    each GPU model's rate once); None where no row spans nodes or a network was given."""
    fell_out: tuple[FellOut, ...] = ()
    """Why the plans made do not serve the workload (those that serve are not counted), in
    FellOutReason's order: what the CLI and the app say where no row is found."""

    def why_none(self) -> str:
        """The tally of fell_out as one sentence ("" where no plan was made), e.g. "Of 280 plans
        made, 280 refused by vLLM at start-up (...)." (a detail's own full stop dropped)."""
        w = self.workload
        share = (f"requests (ceil({w.concurrency:,} / DP) in each DP replica)"
                 if w.concurrency > 1 else "request")
        phrases = {
            "refused": "refused by vLLM at start-up",
            "memory": f"do not fit memory at {w.max_model_len:,} tokens of context",
            "room": f"have KV room for fewer than {w.concurrency:,} {share}",
            "tpot": f"miss the TPOT target ({decimal(w.tpot_ms)} ms)" if w.tpot_ms else "",
            "ttft": f"miss the TTFT target ({decimal(w.ttft_ms)} ms)" if w.ttft_ms else "",
            "rate": f"miss {per_second(w.requests_per_s, 'request')}" if w.requests_per_s else "",
        }
        # a detail in vLLM's words ends its sentence: "(... 64)." not "(... 64.)."
        parts = [f"{f.plans:,} {phrases[f.reason]}" + (f" ({f.detail.rstrip('.')})"
                                                       if f.detail else "")
                 for f in self.fell_out]
        return f"Of {self.plans_made:,} plans made, {'; '.join(parts)}." if parts else ""

    def searched(self) -> str:
        """What the search covered, as one phrase for the CLI and the app: the priced presets
        x the GPU counts, all of them up to 16 GPUs, then the pattern (up to 4,096 GPUs the
        counts run to 515 numbers)."""
        counts = self.gpu_counts
        label = counted(counts[0], "GPU") if len(counts) == 1 else \
            f"({', '.join(map(str, counts))}) GPUs" if len(counts) <= 6 else \
            f"({', '.join(map(str, counts[:5]))}, ... every 8 up to {counts[-1]:,}) GPUs"
        return f"{counted(len(self.gpu_keys), 'priced GPU preset')} x {label}"

    @property
    def some_without_command(self) -> bool:
        """Whether a listed row has no command for the targeted vLLM (Recommendation.launchable
        false): only then do the CLI table and the Recommend page say how such rows rank and
        what their run word means."""
        return any(not r.launchable for r in self.rows)

    def ceiling_note(self) -> str:
        """What the ceiling column means where a row's passes the workload's context ("" where
        none does): ceiling_note at the workload's max_model_len."""
        length = self.workload.max_model_len
        return ceiling_note((r.max_context_tokens, length) for r in self.rows)

    def caveats(self) -> list[str]:
        """One line per model and set of parts whose rows fit on figures that leave those
        parts out (their verdicts start UNMODELLED_FIT), naming the rows by rank: the CLI and
        the app show them, as `plan` shows such a verdict as no confident fit."""
        groups = unmodelled_ranks(enumerate(self.rows, 1),
                                  by=lambda row, parts: (row.model_name, parts))
        return [f"{model} ({', '.join(f'#{rank}' for rank in at)}): the figures leave out "
                f"{parts}, " + ("so " if memory_parts(parts) else "") + unmodelled_risk(parts)
                + " (`plan` with the row's settings gives the warning; check against a real "
                "start-up)"
                for (model, parts), at in groups.items()]


def gpu_counts(gpus_max: int) -> tuple[int, ...]:
    """1, 2, 4, 8 (up to one node), then whole nodes: 16, 24, ..., all <= gpus_max."""
    if gpus_max < 1:
        raise RecommendError(f"--gpus-max must be >= 1, got {gpus_max}")
    powers = [1 << k for k in range(GPUS_PER_NODE.bit_length()) if 1 << k <= gpus_max]
    nodes = range(2 * GPUS_PER_NODE, gpus_max + 1, GPUS_PER_NODE)
    return tuple(sorted({*powers, *nodes}))


def _gpu(gpu_key: str, wsl2: bool) -> GpuSpec:
    """The preset as planned: its WSL2 total (hardware.with_wsl2) under `wsl2`."""
    return with_wsl2(GPU_PRESETS[gpu_key]) if wsl2 else GPU_PRESETS[gpu_key]


def rows_network_assumed(rows: Iterable[Recommendation], *, network: NetworkSpec | None,
                         wsl2: bool = False) -> str | None:
    """What the speed terms across nodes of those `rows` over several nodes assume where no
    `network` was given (hardware.network_assumed_text of their GPUs): RecommendResult's
    network_assumed, and the way out's row's (planner.serving.way_out); None where no row
    spans nodes or a network was given."""
    spanning = [_gpu(r.gpu_key, wsl2) for r in rows if r.nodes > 1 and network is None]
    return network_assumed_text(spanning) if spanning else None


def _per_node(gpu_key: str, gpus: int) -> int:
    """GPUs per node of `gpus` presets: all of them up to 8, else 8; one for a GPU a machine
    holds one of (GpuSpec.one_per_machine: each DGX Spark is a node) or whose priced product
    does (GpuSpec.rented_one_per_machine: each Lambda 1x GH200 instance is a node)."""
    gpu = GPU_PRESETS[gpu_key]
    one = gpu.one_per_machine or gpu.rented_one_per_machine
    return 1 if one else min(gpus, GPUS_PER_NODE)


def _cluster(gpu_key: str, gpus: int, network: NetworkSpec | None = None, wsl2: bool = False):
    """`gpus` presets: one node up to 8, else whole 8-GPU nodes over `network` (_per_node);
    on their WSL2 totals under `wsl2`."""
    per_node = _per_node(gpu_key, gpus)
    return preset_cluster(gpu_key, per_node, gpus // per_node, network=network, wsl2=wsl2)


def _smallest_weights(spec: ModelSpec, keys: Sequence[str], dropped: bool, memo: dict) -> int:
    """Bytes of the whole model in its smallest candidate format (the pruning bound), less its
    vision tower where `dropped`: served text-only, vLLM builds none (mm_modes.tower_dropped),
    and a count that holds the language model alone is planned, not pruned."""
    for key in keys:
        if key not in memo:
            terms = weights_bytes(spec, scheme(key))
            memo[key] = terms.total_bytes - (terms.vision_bytes if dropped else 0)
    return min(memo[key] for key in keys)


def _miss(row: SweepRow, workload: Workload) -> FellOutReason | None:
    """The first check the row fails (FellOutReason's order: a row that misses a target at
    one request in flight keeps that request's figures, so its output tokens/s say nothing of
    the rate; but at a rate, a row whose figures are for more requests and fall short of it
    misses the rate, as no concurrency reaches it), None where it serves: fits at the
    workload's context with room for its concurrency, ceil(concurrency / DP) in each DP
    replica (dp_requests: vLLM's load balancer spreads them), and meets its targets. A row
    that does not fit
    is short of memory where its ceiling is below the workload's context (the plan's memory
    checks: weights over the budget, no KV blocks, or a KV cache short of one request of
    max_model_len, all leave the ceiling below it; recommend never plans a context above the
    model's own limit), else refused by vLLM's start-up checks (its verdict says which)."""
    # a row vLLM starts whose workload-length request never completes (SweepRow.stalled,
    # before vLLM 0.29) is short of memory too: its ceiling is below the workload's context
    if not row.fits or row.stalled:
        return "memory" if row.max_context_tokens < workload.max_model_len else "refused"
    if row.max_concurrency < dp_requests(workload.concurrency, row.layout.dp):
        return "room"
    needed = workload.output_tokens_per_s
    if needed is not None and (row.speed_concurrency or 1) > 1 \
            and (row.output_tokens_per_s or 0.0) < needed:
        # searched past one request in flight and still short: its figures are at the top of
        # the search (sweep.row_speed), so no concurrency reaches the rate, whatever its
        # latency there (2x RTX 4090 at 272 of 2,560 output tokens/s is not "a TPOT of 50.1
        # ms" from serving 5 requests/s)
        return "rate"
    if workload.tpot_ms is not None and (row.output_tokens_per_s is None
                                         or not tpot_meets(row.tpot_ms, workload.tpot_ms)):
        return "tpot"
    if workload.ttft_ms is not None and (row.ttft_ms is None or row.ttft_ms > workload.ttft_ms):
        return "ttft"
    if needed is not None and (row.output_tokens_per_s or 0.0) < needed:
        return "rate"
    return None


class _Near(NamedTuple):
    """The plan closest to serving for one speed reason (_Tally._near)."""

    key: float  # the figure, negated for a rate: lower is closer
    value: float  # the figure unrounded (FellOut.closest)
    detail: str  # the figure rounded away from the target, and where (FellOut.detail)


class _Tally:
    """The plans that do not serve, by _miss's reason, as the search checks them: the
    refusals' counts by message, and per speed reason the plan closest to serving."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.plans: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.closest: dict[str, _Near] = {}

    def serving(self, rows: Sequence[SweepRow], where: str) -> list[SweepRow]:
        """The rows that serve; the others counted. `where`: the model and GPUs, in words."""
        out = []
        for row in rows:
            why = _miss(row, self.workload)
            if why is None:
                out.append(row)
                continue
            self.plans[why] += 1
            if why == "refused":
                self.refusals[row.verdict.removeprefix(NO_FIT)] += 1
            elif why in ("rate", "tpot", "ttft"):
                self._near(why, row, where)
        return out

    def _near(self, why: str, row: SweepRow, where: str) -> None:
        """Keep `row` for `why` if it is the closest yet: the most output tokens/s, or the
        lowest TPOT or TTFT (a row without the figure is never the closest)."""
        value = {"rate": row.output_tokens_per_s, "tpot": row.tpot_ms, "ttft": row.ttft_ms}[why]
        if value is None:
            return
        key = -value if why == "rate" else value
        if why not in self.closest or key < self.closest[why].key:
            # rounded away from the target, so a miss never reads as a hit: 2,559.6 output
            # tokens/s of 2,560 is "most 2,559 of 2,560", a TPOT of 50.04 ms over 50 "50.1"
            if why == "rate":
                needed = math.ceil(self.workload.output_tokens_per_s or 0.0)
                figure, unit, of = f"{math.floor(value):,}", "output tokens/s", \
                    f" of {needed:,} needed"
            else:
                figure, unit, of = tenths_up(value), "ms", ""
            best = "most" if why == "rate" else f"best {why.upper()}"
            self.closest[why] = _Near(key, value, f"{best} {figure} {unit}"
                                      f"{of} at {counted(row.speed_concurrency or 1, 'request')} "
                                      f"in flight: {where}, {row.quant_label}, "
                                      f"{row.layout.label()}, KV {row.kv_cache_dtype}")

    def fell_out(self) -> tuple[FellOut, ...]:
        """The counts in FellOutReason's order, with their details."""
        top = self.refusals.most_common(1)
        details = {"refused": ("" if len(self.refusals) == 1 else "most common: ") + top[0][0]
                   if top else "",
                   **{why: near.detail for why, near in self.closest.items()}}
        return tuple(FellOut(reason=why, plans=self.plans[why], detail=details.get(why, ""),
                             closest=self.closest[why].value if why in self.closest else None)
                     for why in FellOutReason.__args__ if self.plans[why])


def _best(rows: Sequence[SweepRow], workload: Workload) -> SweepRow:
    """Of the rows serving the workload on the same GPUs (same price): at a request rate the
    lowest TPOT at it, else the most output tokens/s at the concurrency; then the most
    concurrency (all DP replicas') and the longest context."""
    def key(r: SweepRow) -> tuple:
        speed = (-(r.tpot_ms or float("inf")) if workload.requests_per_s is not None
                 else r.output_tokens_per_s or 0.0)
        return (speed, r.max_concurrency_all_replicas, r.max_context_tokens)
    return max(rows, key=key)


def _recommendation(spec: ModelSpec, gpu_key: str, gpus: int, row: SweepRow, price: GpuPrice,
                    workload: Workload) -> Recommendation:
    usd_per_hour = gpus * (price.usd_per_gpu_hour or 0.0)
    served_tps = workload.output_tokens_per_s or row.output_tokens_per_s
    per_million = (usd_per_hour / (served_tps * 3600) * 1e6) if served_tps else None
    return Recommendation(
        model_name=spec.name or spec.model_type, gpu_key=gpu_key,
        gpu_name=GPU_PRESETS[gpu_key].name, gpus=gpus, nodes=gpus // _per_node(gpu_key, gpus),
        quant_key=row.quant_key, quant_label=row.quant_label,
        format_kind=format_kind(row.quant_key, checkpoint_scheme(spec).key), layout=row.layout,
        kv_cache_dtype=row.kv_cache_dtype, max_context_tokens=row.max_context_tokens,
        max_concurrency=row.max_concurrency, usd_per_hour=usd_per_hour,
        usd_per_million_output_tokens=per_million,
        **{key: getattr(row, key) for key in SPEED_COLUMNS},
        price_source=price.source, price_estimate=price.estimate,
        vllm_command=row.vllm_command, launch_note=row.launch_note,
        raised_flags=row.raised_flags, verdict=row.verdict,
    )


def _format_settings(spec: ModelSpec, settings: EngineSettings, quant: str, kv: str,
                     cache: dict) -> EngineSettings:
    """candidate_settings, one object per (weight format, KV dtype) for every count: the
    plan's and the speed model's caches are keyed by the settings' identity."""
    key = ("settings", quant, kv)
    if key not in cache:
        cache[key] = candidate_settings(settings, quant, kv, checkpoint_scheme(spec).key)
    return cache[key]


def _search_counts(spec: ModelSpec, gpu_key: str, workload: Workload,
                   settings: EngineSettings, gpus_max: int,
                   network: NetworkSpec | None, wsl2: bool) -> dict[Family, Bound]:
    """Each family's lowest GPU count that could serve (planner.serving.replicas), over the
    `network` the rows are planned on: a family spanning nodes bounded on the preset's
    network would be bounded too high where the given one is faster."""
    cluster = _cluster(gpu_key, min(gpus_max, GPUS_PER_NODE), network, wsl2)
    fams = families(spec, cluster, quant_candidates(spec, cluster), KV_DTYPES, gpus_max,
                    settings.vllm_version, settings.mm_encoder_tp_mode)
    made: dict = {}
    return lowest_counts(
        spec, cluster, fams,
        lambda fam: _format_settings(spec, settings, fam.quant_key, fam.kv_cache_dtype, made),
        workload.load, output_tokens_per_s=workload.output_tokens_per_s,
        concurrency=workload.concurrency, ttft_ms=workload.ttft_ms, tpot_ms=workload.tpot_ms,
        memory_bytes=_gpu(gpu_key, wsl2).memory_total_bytes * settings.gpu_memory_utilization)


def _planned(spec: ModelSpec, cluster, settings: EngineSettings, member: ParallelLayout,
             cache: dict) -> tuple[dict, object] | None:
    """(summary_figures, the cluster they were planned on) of one replica, planned once for
    every count; None where this vLLM plans none with these settings (replicas.replica_plan)."""
    key = ("plan", settings.kv_cache_dtype, settings.quantization, settings.target_quant, member)
    if key not in cache:
        figures, _ = replica_plan(spec, cluster, member, settings)
        cache[key] = None if figures is None else (figures, cluster)
    return cache[key]


def _replica(spec: ModelSpec, cluster, settings: EngineSettings, member: ParallelLayout,
             workload: Workload, held: int, cache: dict) -> tuple[float, float | None]:
    """(the requests of max_model_len its KV cache holds, -inf where it does not fit; at a
    rate, the most output tokens/s it could reach, 0.0 where the speed model gives none, else
    None) of one replica, planned once for every count at the default flags. The most: at
    max_num_seqs per replica (vLLM's, raised to the replica's share of the `held` requests its
    DP replicas run at once where fewer: held_seqs) or, where more, at the requests of the
    workload's held length its KV pool holds: the raise sweep.rate_raised makes to reach a
    rate, as within one node (the raised plan's pool is smaller, so this bounds it; the speed
    model's throughput grows with the requests in flight)."""
    key = ("replica", settings.kv_cache_dtype, settings.quantization, settings.target_quant,
           member, held)
    if key not in cache:
        planned = _planned(spec, cluster, settings, member, cache)
        if planned is None:
            cache[key] = (-math.inf, None)
            return cache[key]
        figures = planned[0]
        top = None
        if figures["fits"] and workload.output_tokens_per_s is not None:
            request = PlanRequest.model_construct(model=spec, cluster=cluster, layout=member,
                                                  engine=settings)
            seqs = max(held_seqs(figures["max_num_seqs"], held, member.dp),
                       pool_requests(request, figures, workload.load))
            load = workload.load.model_copy(update={"concurrency": seqs * member.dp})
            speed = speed_figures(request, load, plan_result=PlanFigures.of(figures)._replace(
                max_num_seqs=seqs))
            top = 0.0 if speed is None else speed.output_tokens_per_s
        cache[key] = (figures["max_concurrency"] if figures["fits"] else -math.inf, top)
    return cache[key]


def _pp_top(spec: ModelSpec, cluster, settings: EngineSettings, member: ParallelLayout,
            workload: Workload, held: int, cache: dict) -> float:
    """Output tokens/s the PP > 1 replica `member` cannot reach: PP x those of its PP = 1
    replica with unlimited KV room at a PP-th of the most requests the PP replica could run
    per DP rank (a PP replica at r requests does the PP = 1 replica's per-step work at r / PP
    requests plus the stages' hand-offs: planner.serving.replicas). The most: max_num_seqs
    (vLLM's, raised to run `held` requests over its DP replicas: held_seqs), or, where more,
    PP x the requests its PP = 1 replica's KV and weight bytes could hold (replicas.rate_room),
    up to which sweep.rate_raised raises --max-num-seqs to reach a rate. inf where the PP = 1
    replica gives no figure. One plan per family, then one estimate per PP."""
    one = member.model_copy(update={"pp": 1})
    planned = _planned(spec, cluster, settings, one, cache)
    if planned is None or not planned[0]["fits"]:
        return math.inf
    figures, planned_on = planned
    request = PlanRequest.model_construct(model=spec, cluster=planned_on, layout=one,
                                          engine=settings)
    per_rank = max(-(-held_seqs(figures["max_num_seqs"], held, member.dp) // member.pp),
                   rate_room(request, figures, workload.load))
    key = ("pp_top", settings.kv_cache_dtype, settings.quantization, settings.target_quant,
           one, per_rank)
    if key not in cache:
        # on the cluster the PP = 1 replica was planned on: its speed context is built once
        speed = relaxed_speed(spec, planned_on, one, settings, workload.load, figures,
                              per_rank * one.dp, held)
        cache[key] = math.inf if speed is None else speed.output_tokens_per_s
    return member.pp * cache[key]


def _member_can_serve(spec: ModelSpec, cluster, settings: EngineSettings,
                      layout: ParallelLayout, workload: Workload, cache: dict) -> bool:
    """Whether `layout` could serve: its replica fits with room for its share of the
    concurrency (dp_requests: ceil(concurrency / dp)) and, at a rate, dp replicas at the most
    output tokens/s each could reach (_replica: at max_num_seqs, or at the raise to the
    requests its KV cache holds that sweep.rate_raised makes, as within one node) reach it.
    For a dense model a replica's plan and speed do not depend on DP
    (planner.serving.replicas); a MoE model's experts are spread over tp x dp, so its layout
    is planned whole. A PP > 1 replica is first bounded by its PP = 1 replica at 1/PP of the
    requests (_pp_top), so it is not planned at counts that bound rules out."""
    member = layout if layout.ep or spec.is_moe else layout.model_copy(update={"dp": 1})
    needed = workload.output_tokens_per_s
    share = dp_requests(workload.concurrency, layout.dp)
    replicas = layout.dp // member.dp
    held = share * member.dp  # the requests the member's DP replicas run at once
    if needed is not None and layout.pp > 1 and \
            _pp_top(spec, cluster, settings, member, workload, held, cache) * replicas * SLACK \
            < needed:
        return False
    room, top = _replica(spec, cluster, settings, member, workload, held, cache)
    return room >= share and (top is None or top * replicas * (1 + 1e-9) >= needed)


def _node_rows(spec: ModelSpec, cluster, settings: EngineSettings,
               alive: Mapping[Family, Bound], gpus: int, workload: Workload, cache: dict
               ) -> list[SweepRow]:
    """The sweep's rows at `gpus` GPUs for the layouts of the `alive` families that could
    serve (_member_can_serve), in the order the full sweep would rank them (its ranking is
    stable, so the rows it leaves out change no other row's place)."""
    wanted: dict[tuple[str, str], set[ParallelLayout]] = {}
    for fam, bound in alive.items():
        wanted.setdefault((fam.quant_key, fam.kv_cache_dtype), set()).update(
            lay for lay in fam.layouts(gpus, spec.num_layers)
            if lay.ep or lay.tp * lay.pp >= bound.replica_gpus(
                dp_requests(workload.concurrency, lay.dp)))
    rows: list[SweepRow] = []
    for quant in quant_candidates(spec, cluster):
        for kv in KV_DTYPES:
            fam_settings = _format_settings(spec, settings, quant, kv, cache)
            layouts = sorted((lay for lay in wanted.get((quant, kv), ())
                              if not layout_errors(spec, cluster, lay, scheme(quant),
                                                   settings.vllm_version,
                                                   mm_encoder_tp_mode=settings.mm_encoder_tp_mode,
                                                   speculative_draft=settings.speculative_draft)
                              and _member_can_serve(spec, cluster, fam_settings, lay, workload,
                                                    cache)),
                             key=lambda lay: (lay.tp, lay.pp, lay.dp, lay.ep))
            if layouts:
                rows += _workload_sweep(spec, cluster, settings, workload, quant_keys=(quant,),
                                        kv_dtypes=(kv,), layouts=layouts)
    return sorted(rows, key=rank_key)


class _Picks:
    """Per (model, GPU): the first count with a launchable serving row, and a what-if (no
    command for the targeted vLLM) only where it serves on fewer GPUs."""

    def __init__(self) -> None:
        self.launchable: tuple[int, SweepRow] | None = None
        self.what_if: tuple[int, SweepRow] | None = None

    def add(self, gpus: int, serving: Sequence[SweepRow], workload: Workload) -> bool:
        """Record the rows serving on `gpus` GPUs; True once a launchable one is found."""
        runnable = [r for r in serving if r.vllm_command]
        if runnable:
            self.launchable = (gpus, _best(runnable, workload))
        elif serving and self.what_if is None:
            self.what_if = (gpus, _best(serving, workload))
        return self.launchable is not None

    def picked(self) -> list[tuple[int, SweepRow]]:
        out = [self.launchable] if self.launchable else []
        if self.what_if and (not out or self.what_if[0] < out[0][0]):
            out.append(self.what_if)
        return out


def weigh_alternatives(row: Recommendation, spec: ModelSpec, settings: EngineSettings,
                       workload: Workload, network: NetworkSpec | None,
                       wsl2: bool) -> Recommendation:
    """`row` with its what-if launch note suggesting only the catalog checkpoints of the
    model in another format (launch.what_if_alternatives) that serve `workload` on its GPUs;
    each that does not is said so, with why (_alternative_miss). Its note weighed only their
    weights against the GPUs' budget (launch.fitted_note): nvidia/Llama-3.1-70B-Instruct-FP8
    was suggested for 4 requests of 8,192 tokens on 2x A100 40GB PCIe, where its KV cache
    holds 1.55 of them at most. A row whose note is not that no-checkpoint note is kept."""
    if row.run_kind != "what-if":
        return row
    started = what_if_alternatives(row.model_name, scheme(row.quant_key), settings.vllm_version)
    budget = row.gpus * ENGINE.budget_bytes(_gpu(row.gpu_key, wsl2).memory_total_bytes,
                                            settings)
    dropped = tower_dropped(spec, settings, vllm_rules(settings.vllm_version).version)
    if not started.others or row.launch_note != fitted_note(started, budget, dropped):
        return row
    unmet = {repo: why for repo in started.others
             if (why := _alternative_miss(catalog_spec(repo), row, settings, workload,
                                          network, wsl2))}
    if not unmet:
        return row
    return row.model_copy(update={"launch_note": fitted_note(started, budget, dropped, unmet)})


def _alternative_miss(spec: ModelSpec, row: Recommendation, settings: EngineSettings,
                      workload: Workload, network: NetworkSpec | None, wsl2: bool) -> str | None:
    """Why the checkpoint `spec`, in its own format, serves `workload` on none of the layouts
    on `row`'s GPUs (over nodes, `row`'s own layout), in words; None where one serves (_miss)."""
    cluster = _cluster(row.gpu_key, row.gpus, network, wsl2)
    layouts = [row.layout] if row.gpus > GPUS_PER_NODE else \
        [lay for lay in layout_candidates(spec, cluster) if lay.gpus == row.gpus]
    try:
        rows = _workload_sweep(spec, cluster, settings, workload, layouts=layouts,
                               quant_keys=(checkpoint_scheme(spec).key,))
    except EngineError as exc:  # every layout refused
        return f"vLLM {settings.vllm_version} refuses it there ({exc})"
    if any(_miss(r, workload) is None for r in rows):
        return None
    if not rows:
        return f"no layout of it runs on {row.gpus} GPUs"
    best = max(rows, key=lambda r: (r.fits, r.max_concurrency_all_replicas,
                                    r.max_context_tokens))
    why = _miss(best, workload)
    length = f"{workload.max_model_len:,} tokens"
    if why == "room":
        # rounded down, so a miss never reads as the target: 3.996 is "3.99", not "4.00"
        room = math.floor(best.max_concurrency_all_replicas * 100) / 100
        return (f"its KV cache holds {room:.2f} requests of {length} at most "
                f"({best.layout.label()}), not {workload.concurrency:,}")
    if why in ("tpot", "ttft", "rate"):
        return f"its plans that hold the requests miss the {_TARGET_WORDS[why]}"
    return (f"no layout of it on these GPUs holds a request of {length}"
            if why == "memory" else "vLLM refuses every layout of it there")


_TARGET_WORDS = {"tpot": "TPOT target", "ttft": "TTFT target", "rate": "request rate"}
"""What a speed miss of an alternative checkpoint misses, in _alternative_miss's words."""


def _rank(r: Recommendation) -> tuple:
    """Launchable first, then cheapest $/hour, $ per M output tokens, fewer GPUs, more room
    (all DP replicas')."""
    return (r.vllm_command is None, r.usd_per_hour,
            r.usd_per_million_output_tokens or float("inf"), r.gpus,
            -r.max_concurrency_all_replicas)


def _cutoff(found: Sequence[Recommendation], top: int) -> float:
    """$/hour above which a launchable row cannot enter the `top` (inf until `top` are found):
    what-ifs rank after every launchable row, so they cannot either."""
    costs = sorted(r.usd_per_hour for r in found if r.vllm_command)
    return costs[top - 1] if len(costs) >= top else float("inf")


def _absurd(spec: ModelSpec, workload: Workload, lows: Mapping[str, Mapping[Family, Bound]],
            gpus_max: int) -> str:
    """Why no searched GPU count can serve (the families' bounds), as one line."""
    fewest = min((low.gpus for per_gpu in lows.values() for low in per_gpu.values()),
                 default=math.inf)
    name = spec.name or spec.model_type
    if math.isinf(fewest):
        reasons = []
        if workload.ttft_ms is not None or workload.tpot_ms is not None:
            reasons.append("meets the TTFT/TPOT targets even with one request in flight")
        if workload.concurrency > 1:
            reasons.append(f"holds {workload.concurrency:,} requests of "
                           f"{workload.max_model_len:,} tokens (ceil({workload.concurrency:,} "
                           "/ DP) in each DP replica, at most one PP stage per layer)")
        return (f"{name}: no searched GPU, weight format and layout "
                f"{' or '.join(reasons) or 'serves it'}")
    if workload.output_tokens_per_s is None:  # no rate asked: the bound is the memory's
        return (f"{name}: holding {workload.concurrency:,} requests of "
                f"{workload.max_model_len:,} tokens needs at least {fewest:,.0f} GPUs of any "
                "searched preset (a bound from one replica's weights and one request's KV "
                f"cache per GPU), more than --gpus-max {gpus_max:,}")
    return (f"{name}: serving {workload.output_tokens_per_s:,.0f} output tokens/s needs at "
            f"least {fewest:,.0f} GPUs of any searched preset (a bound from one replica's "
            f"most output tokens/s per GPU), more than --gpus-max {gpus_max:,}")


def _check_context(workload: Workload, release: str) -> None:
    """RecommendError when one request of the workload is longer than its context: refused
    on every release, as vLLM before 0.32 rejects such a request and from 0.32 generates
    fewer output tokens than asked (speed.context_rule), so the workload as stated cannot be
    served either way."""
    length, context = workload.input_len + workload.output_len, workload.max_model_len
    if length <= context:
        return
    served = context_rule(workload.load, context, release).output_len
    happens = (f"vLLM {release} rejects such a request" if served is None else
               f"vLLM {release} would cut each output to {served:,} tokens")
    raise RecommendError(f"context {context:,} tokens cannot hold an input of "
                         f"{workload.input_len:,} tokens and an output of "
                         f"{workload.output_len:,} tokens ({happens}): give a context of "
                         f"{length:,} tokens or more")


def recommend(
    models: Sequence[ModelSpec],
    workload: Workload,
    prices: Mapping[str, GpuPrice],
    *,
    engine: EngineSettings | None = None,
    gpus_max: int = 8,
    gpu_keys: Sequence[str] | None = None,
    top: int = 10,
    network: NetworkSpec | None = None,
    trust_remote_code: Callable[[ModelSpec], bool] | None = None,
    wsl2: bool = False,
) -> RecommendResult:
    """The `top` cheapest configurations serving `workload`, launchable ones first, best row
    per (model, GPU, count).

    `engine` holds the vLLM knobs every candidate shares (gpu_memory_utilization, ...);
    max_model_len comes from the workload, weight format and KV dtype from the search. Its
    --enable-lora is planned for the models whose LoRA slots Headroom sizes; the others are
    searched without it, each named in lora_notes (auto_layout.lora_where_sized).
    Counts above one node are searched through replica families (planner.serving.replicas):
    only counts and layouts a family's bound allows are planned, and none whose $/hour
    cannot enter the `top`. `network`: between the nodes of those counts (None: the GPU's
    DGX network, hardware.network_link). `trust_remote_code`: whether a model's commands
    pass vLLM's --trust-remote-code (the app: only a model that needs it), None: `engine`'s
    for every model. `wsl2`: the GPUs run under Windows WSL2, each planned on its nvidia-smi
    total (hardware.with_wsl2); a preset without one is left out of the whole search
    (no_wsl2_total_gpu_keys), or refused (NoWsl2TotalError) when `gpu_keys` names it.
    """
    if not models:
        raise RecommendError("give at least one model")
    keys, no_total, priced = _presets(prices, gpu_keys, wsl2)
    counts = gpu_counts(gpus_max)
    shared = (engine or EngineSettings()).model_copy(
        update={"max_model_len": workload.max_model_len})
    release = vllm_rules(shared.vllm_version)  # EngineError (one line): not covered
    _check_context(workload, release.label)
    search = _Search(workload, prices, priced, counts, gpus_max=gpus_max, top=top,
                     network=network, wsl2=wsl2)
    lora_notes = []
    for index, spec in enumerate(models):
        settings = shared if trust_remote_code is None else shared.model_copy(
            update={"trust_remote_code": trust_remote_code(spec)})
        settings, lora_note = lora_where_sized(spec, settings)  # without LoRA, and why
        settings = tower_settings_where_built(spec, settings)  # a text model: as without them
        if lora_note:
            lora_notes.append(f"{spec.name or spec.model_type}: {lora_note}")
        search.model(index, spec, settings, release.version)
    if search.notes and len(search.notes) == len(models):
        raise RecommendError("; ".join(search.notes))
    rows = tuple(weigh_alternatives(r, *search.spec_settings[r.model_name], workload, network,
                                    wsl2) for r in search.ranked())
    return RecommendResult(
        workload=workload, gpu_counts=counts, gpu_keys=priced,
        unpriced_gpu_keys=tuple(k for k in keys if k not in priced), plans_made=search.plans,
        wsl2=wsl2, no_wsl2_total_gpu_keys=no_total,
        pruned=search.pruned, counts_skipped=search.skipped, notes=tuple(search.notes),
        lora_notes=tuple(lora_notes),
        rows=rows, network_assumed=rows_network_assumed(rows, network=network, wsl2=wsl2),
        fell_out=search.tally.fell_out(),
    )


def _presets(prices: Mapping[str, GpuPrice], gpu_keys: Sequence[str] | None,
             wsl2: bool) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(the presets searched, those left out under `wsl2` for want of an nvidia-smi total,
    the searched ones priced): `gpu_keys`, or every preset. NoWsl2TotalError where
    `gpu_keys` names one without a WSL2 total, NoPriceError where none is priced."""
    keys = tuple(gpu_keys) if gpu_keys is not None else tuple(GPU_PRESETS)
    no_total = tuple(k for k in keys if wsl2 and GPU_PRESETS[k].nvidia_smi_total_mib is None)
    if no_total and gpu_keys is not None:
        raise NoWsl2TotalError(GPU_PRESETS[no_total[0]])
    keys = tuple(k for k in keys if k not in no_total)
    priced = tuple(k for k in keys if prices.get(k) and prices[k].usd_per_gpu_hour is not None)
    if not priced:
        raise NoPriceError(keys)
    return keys, no_total, priced


def _out_of_reach(lows: Mapping[str, Mapping[Family, Bound]], gpus_max: int) -> bool:
    """Whether every family's bound is above `gpus_max` (_absurd says why), unless every
    family was refused: no plan is made then, and the refusal is the note."""
    bounds = [low for per_gpu in lows.values() for low in per_gpu.values()]
    refused = any(low.refusal for low in bounds) and all(low.refusal for low in bounds)
    return all(low.gpus > gpus_max for low in bounds) and not refused


def _cheapest_bound_first(priced: Sequence[str], lows: Mapping[str, Mapping[Family, Bound]],
                          prices: Mapping[str, GpuPrice]) -> Sequence[str]:
    """The GPUs in the order they are searched: by the $/hour of their fewest GPUs any family
    could serve on, so the cutoff rules out dear GPUs sooner (the order changes what is
    planned, not the rows: ties are put back in the presets' order by _Search.ranked); the
    presets' order where there are no bounds (counts within one node)."""
    if not lows:
        return priced
    return sorted(priced, key=lambda k: min((b.gpus for b in lows[k].values()),
                                            default=math.inf)
                  * (prices[k].usd_per_gpu_hour or 0.0))


class _LiveBounds:
    """One GPU's family bounds as its count loop sees them: every family until a what-if row
    serves, then only the launchable ones (only they can add a row), each view with its
    fewest GPUs (0 where counts stay within one node: no bounds), worked out once."""

    def __init__(self, lows: Mapping[Family, Bound], bounded: bool) -> None:
        self.lows = lows
        self.bounded = bounded
        self.views: dict[bool, tuple[dict[Family, Bound], float]] = {}

    def view(self, after_what_if: bool) -> tuple[dict[Family, Bound], float]:
        """(the bounds that can still add a row, their fewest GPUs)."""
        if after_what_if not in self.views:
            kept = {fam: b for fam, b in self.lows.items() if b.launchable or not after_what_if}
            self.views[after_what_if] = (kept, min((b.gpus for b in kept.values()),
                                                   default=math.inf) if self.bounded else 0.0)
        return self.views[after_what_if]


def _workload_sweep(spec: ModelSpec, cluster, settings: EngineSettings, workload: Workload,
                    **choices) -> list[SweepRow]:
    """The sweep's rows of the candidates `choices` names (quant_keys, kv_dtypes, layouts) at
    the workload's load and targets, all its requests held at once."""
    return list(sweep(spec, cluster, settings, load=workload.load,
                      tpot_ms_target=workload.tpot_ms, ttft_ms_target=workload.ttft_ms,
                      min_output_tokens_per_s=workload.output_tokens_per_s,
                      held_concurrency=workload.concurrency, **choices).rows)


class _Search:
    """recommend's search over models x priced GPUs x counts, and what it found so far: the
    rows, the plans made, pruned and skipped, the notes on models left out, and each
    (model, GPU)'s place in the search (the order ties are listed in)."""

    def __init__(self, workload: Workload, prices: Mapping[str, GpuPrice],
                 priced: tuple[str, ...], counts: tuple[int, ...], *, gpus_max: int,
                 top: int, network: NetworkSpec | None, wsl2: bool) -> None:
        self.workload, self.prices, self.priced = workload, prices, priced
        self.counts, self.gpus_max = counts, gpus_max
        self.top, self.network, self.wsl2 = top, network, wsl2
        self.found: list[Recommendation] = []
        self.tally = _Tally(workload)
        self.notes: list[str] = []
        self.place: dict[tuple[str, str], tuple[int, int]] = {}
        self.spec_settings: dict[str, tuple[ModelSpec, EngineSettings]] = {}
        self.plans = self.pruned = self.skipped = 0

    def model(self, index: int, spec: ModelSpec, settings: EngineSettings,
              version: Version) -> None:
        """Search model number `index` on every priced GPU, or note why it is left out: a
        context longer than vLLM `version` allows it, no searched count any family could
        serve on, or every plan refused."""
        name = spec.name or spec.model_type
        self.spec_settings[name] = (spec, settings)
        limit = derived_max_model_len(spec, version)
        # refused on any GPUs (planner.serving.startup), unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1
        # lets vLLM serve it (planner.serving.long_len: each plan's verdict names the risk)
        if self.workload.max_model_len > limit and not settings.allow_long_max_model_len:
            self.notes.append(f"{name}: a context of {self.workload.max_model_len:,} tokens is "
                              f"longer than the model's {limit:,} ({LONGER_LEN_REFUSED})")
            return
        # why this vLLM plans none of a candidate (replicas.replica_plan), each once: the
        # candidate drops out, and a model none of whose plans are made is noted with it
        refused: dict[str, None] = {}
        lows: dict[str, dict[Family, Bound]] = {}
        if self.counts[-1] > GPUS_PER_NODE:
            lows = {k: _search_counts(spec, k, self.workload, settings, self.gpus_max,
                                      self.network, self.wsl2) for k in self.priced}
            refused.update(dict.fromkeys(b.refusal for per_gpu in lows.values()
                                         for b in per_gpu.values() if b.refusal))
            if _out_of_reach(lows, self.gpus_max):
                self.notes.append(_absurd(spec, self.workload, lows, self.gpus_max))
                return
        made_before = self.plans
        memo: dict[str, int] = {}  # one model's, at its settings: `dropped` fixed
        for gpu_key in _cheapest_bound_first(self.priced, lows, self.prices):
            live = _LiveBounds(lows.get(gpu_key, {}), bool(lows))
            picks = self._counts(spec, settings, gpu_key, live, memo, refused)
            self.place[name, gpu_key] = (index, self.priced.index(gpu_key))
            self.found += [_recommendation(spec, gpu_key, n, row, self.prices[gpu_key],
                                           self.workload) for n, row in picks.picked()]
        if self.plans == made_before and refused:
            self.notes.append(f"{name}: {next(iter(refused))}")

    def _counts(self, spec: ModelSpec, settings: EngineSettings, gpu_key: str,
                live: _LiveBounds, memo: dict[str, int], refused: dict[str, None]) -> _Picks:
        """Plan `gpu_key` at each count, fewest first, up to the first with a launchable row
        serving the workload (more of the same GPU only costs more per hour); stop at a
        count no family could serve on or whose $/hour cannot enter the `top`. A count whose
        memory budget (n x the plan's budget a GPU, ceil(total x gpu_memory_utilization): the
        cluster budget launch.fitted_note weighs checkpoints against) is below the smallest
        weights is pruned, one below the fewest GPUs any family could serve on skipped."""
        gpu, usd_per_gpu_hour = _gpu(gpu_key, self.wsl2), self.prices[gpu_key].usd_per_gpu_hour
        budget_bytes = ENGINE.budget_bytes(gpu.memory_total_bytes, settings)  # the plan's, a GPU
        picks = _Picks()
        members: dict = {}
        quants = quant_candidates(spec, _cluster(gpu_key, 1, wsl2=self.wsl2))  # one GPU kind
        dropped = tower_dropped(spec, settings, vllm_rules(settings.vllm_version).version)
        for n in self.counts:
            bounds, fewest = live.view(picks.what_if is not None)
            if fewest > self.gpus_max:
                break
            if n > GPUS_PER_NODE and n * (usd_per_gpu_hour or 0.0) > _cutoff(self.found,
                                                                              self.top):
                break
            if _smallest_weights(spec, quants, dropped, memo) > n * budget_bytes:
                self.pruned += 1
                continue
            if n < fewest:
                self.skipped += 1
                continue
            rows = self._rows(spec, settings, gpu_key, n, bounds, quants, members, refused)
            if rows is None:
                continue
            self.plans += len(rows)
            where = f"{spec.name or spec.model_type} on {n}x {gpu_key}"
            if picks.add(n, self.tally.serving(rows, where), self.workload):
                break
        return picks

    def _rows(self, spec: ModelSpec, settings: EngineSettings, gpu_key: str, n: int,
              bounds: Mapping[Family, Bound], quants: Sequence[str], members: dict,
              refused: dict[str, None]) -> list[SweepRow] | None:
        """The sweep's rows on `n` GPUs: over nodes, the layouts of the families whose bound
        is at most `n` (_node_rows); within one node, every layout on exactly `n` GPUs. None
        where none is planned: no layout on `n` GPUs, or this vLLM refuses every candidate
        (its reason kept in `refused`)."""
        cluster = _cluster(gpu_key, n, self.network, self.wsl2)
        if n > GPUS_PER_NODE:
            alive = {fam: b for fam, b in bounds.items() if b.gpus <= n}
            return _node_rows(spec, cluster, settings, alive, n, self.workload, members)
        layouts = [lay for lay in layout_candidates(spec, cluster) if lay.gpus == n]
        if not layouts:
            return None
        try:
            return _workload_sweep(spec, cluster, settings, self.workload, quant_keys=quants,
                                   layouts=layouts)
        except EngineError as exc:  # the sweep's: every candidate here refused
            refused.setdefault(str(exc))
            return None

    def ranked(self) -> tuple[Recommendation, ...]:
        """The `top` rows found, by _rank, ties in the order their (model, GPU) was listed."""
        self.found.sort(key=lambda r: (_rank(r), self.place[r.model_name, r.gpu_key]))
        return tuple(self.found[:self.top])
