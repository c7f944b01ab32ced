"""Recommend: the cheapest GPUs x count x weight format x layout that serve a workload.

For each model, each priced GPU preset and each GPU count (powers of two up to one 8-GPU node,
then whole nodes, up to `gpus_max`), the sweep (planner.serving.sweep) plans every weight
format x layout using exactly that many GPUs x KV dtype at the workload's context, with its
speed (planner.serving.speed) at the workload's concurrency, or, given a request rate, at
the fewest requests in flight whose output tokens/s reach rate x output length. A row is kept
when it fits with room for the concurrency, reaches the rate and meets the TTFT/TPOT targets;
the best row per (model, GPU, count) is listed, cheapest $/hour first, with $ per million
output tokens ($/hour / output tokens per hour: at the rate when one is given, else at the
throughput of the concurrency). GPU counts whose memory
cannot hold the smallest weight format are skipped before any plan is made, and once a count
serves the workload, larger counts of the same GPU (dearer per hour) are not planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from planner.model.quant import scheme
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import GPU_PRESETS, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.prices import PRICE_TABLE_DATE, GpuPrice
from planner.serving.speed import ServingLoad
from planner.serving.sweep import SweepRow, layout_candidates, quant_candidates, sweep
from planner.serving.weights import weights_bytes

GPUS_PER_NODE = 8
"""Counts above this are whole 8-GPU nodes (the usual HGX / rented-node size)."""


class RecommendError(ValueError):
    """A recommendation that cannot be searched (bad workload, nothing priced)."""


class Workload(BaseModel):
    """What must be served: a context and a concurrency, or a request rate, and targets."""

    model_config = ConfigDict(frozen=True)

    input_len: int = Field(1024, ge=1)
    output_len: int = Field(1024, ge=1)
    context_tokens: int | None = Field(None, ge=1)
    """max_model_len to plan; default input_len + output_len."""
    concurrency: int = Field(1, ge=1)
    """Requests served at once (each up to context_tokens long)."""
    requests_per_s: float | None = Field(None, gt=0)
    """Arrival rate to sustain: needs output tokens/s >= rate x output_len (speed model)."""
    ttft_ms: float | None = Field(None, gt=0)
    tpot_ms: float | None = Field(None, gt=0)

    @property
    def max_model_len(self) -> int:
        """The max_model_len every candidate is planned at."""
        return self.context_tokens or self.input_len + self.output_len

    @property
    def load(self) -> ServingLoad:
        """The serving load the speed model is asked about."""
        return ServingLoad(input_len=self.input_len, output_len=self.output_len,
                           concurrency=self.concurrency)

    @property
    def output_tokens_per_s(self) -> float | None:
        """Output tokens/s a request rate needs: rate x output length."""
        return None if self.requests_per_s is None else self.requests_per_s * self.output_len


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
    vllm_command: str | None
    """None when there is no command (a what-if needing a converted checkpoint): launch_note."""
    launch_note: str = ""


class RecommendResult(BaseModel):
    """The configurations found, cheapest first, and what the search covered."""

    model_config = ConfigDict(frozen=True)

    workload: Workload
    gpu_counts: tuple[int, ...]
    gpu_keys: tuple[str, ...]
    unpriced_gpu_keys: tuple[str, ...]
    """Presets left out for want of a price (give one to include them)."""
    plans_made: int
    pruned: int = Field(description="(model, GPU, count) skipped: memory below the weights")
    price_table_date: str = PRICE_TABLE_DATE
    rows: tuple[Recommendation, ...]


def gpu_counts(gpus_max: int) -> tuple[int, ...]:
    """1, 2, 4, 8 (up to one node), then whole nodes: 16, 24, ..., all <= gpus_max."""
    if gpus_max < 1:
        raise RecommendError(f"--gpus-max must be >= 1, got {gpus_max}")
    powers = [1 << k for k in range(GPUS_PER_NODE.bit_length()) if 1 << k <= gpus_max]
    nodes = range(2 * GPUS_PER_NODE, gpus_max + 1, GPUS_PER_NODE)
    return tuple(sorted({*powers, *nodes}))


def _cluster(gpu_key: str, gpus: int):
    """`gpus` presets: one node up to 8, else whole 8-GPU nodes."""
    per_node = min(gpus, GPUS_PER_NODE)
    return preset_cluster(gpu_key, per_node, gpus // per_node)


def _smallest_weights(spec: ModelSpec, keys: Sequence[str], memo: dict) -> int:
    """Bytes of the whole model in its smallest candidate format (the pruning bound)."""
    for key in keys:
        if key not in memo:
            memo[key] = weights_bytes(spec, scheme(key)).total_bytes
    return min(memo[key] for key in keys)


def _serves(row: SweepRow, workload: Workload) -> bool:
    """Fits at the workload's context with room for its concurrency, and meets its targets."""
    if not row.fits or row.max_concurrency < workload.concurrency:
        return False
    needed = workload.output_tokens_per_s
    if needed is not None and (row.output_tokens_per_s or 0.0) < needed:
        return False
    return all(target is None or (value is not None and value <= target)
               for value, target in ((row.tpot_ms, workload.tpot_ms),
                                     (row.ttft_ms, workload.ttft_ms)))


def _best(rows: Sequence[SweepRow], workload: Workload) -> SweepRow:
    """Of the rows serving the workload on the same GPUs (same price): at a request rate the
    lowest TPOT at it, else the most output tokens/s at the concurrency; then the most
    concurrency and the longest context."""
    def key(r: SweepRow) -> tuple:
        speed = (-(r.tpot_ms or float("inf")) if workload.requests_per_s is not None
                 else r.output_tokens_per_s or 0.0)
        return (speed, r.max_concurrency, r.max_context_tokens)
    return max(rows, key=key)


def _recommendation(spec: ModelSpec, gpu_key: str, gpus: int, row: SweepRow, price: GpuPrice,
                    workload: Workload) -> Recommendation:
    usd_per_hour = gpus * (price.usd_per_gpu_hour or 0.0)
    served_tps = workload.output_tokens_per_s or row.output_tokens_per_s
    per_million = (usd_per_hour / (served_tps * 3600) * 1e6) if served_tps else None
    return Recommendation(
        model_name=spec.name or spec.model_type, gpu_key=gpu_key,
        gpu_name=GPU_PRESETS[gpu_key].name, gpus=gpus, nodes=max(1, gpus // GPUS_PER_NODE),
        quant_key=row.quant_key, quant_label=row.quant_label, layout=row.layout,
        kv_cache_dtype=row.kv_cache_dtype, max_context_tokens=row.max_context_tokens,
        max_concurrency=row.max_concurrency, usd_per_hour=usd_per_hour,
        usd_per_million_output_tokens=per_million, tpot_ms=row.tpot_ms, ttft_ms=row.ttft_ms,
        output_tokens_per_s=row.output_tokens_per_s, speed_concurrency=row.speed_concurrency,
        output_tokens_per_s_per_request=row.output_tokens_per_s_per_request,
        prefill_tokens_per_s=row.prefill_tokens_per_s,
        price_source=price.source, price_estimate=price.estimate,
        vllm_command=row.vllm_command, launch_note=row.launch_note,
    )


def recommend(
    models: Sequence[ModelSpec],
    workload: Workload,
    prices: Mapping[str, GpuPrice],
    *,
    engine: EngineSettings | None = None,
    gpus_max: int = 8,
    gpu_keys: Sequence[str] | None = None,
    top: int = 10,
) -> RecommendResult:
    """The `top` cheapest configurations serving `workload`, best row per (model, GPU, count).

    `engine` holds the vLLM knobs every candidate shares (gpu_memory_utilization, ...);
    max_model_len comes from the workload, weight format and KV dtype from the search.
    """
    if not models:
        raise RecommendError("give at least one model")
    if workload.max_model_len < workload.input_len + 1:
        raise RecommendError(f"context {workload.max_model_len:,} tokens cannot hold an input "
                             f"of {workload.input_len:,} tokens and one output token")
    keys = tuple(gpu_keys) if gpu_keys is not None else tuple(GPU_PRESETS)
    priced = tuple(k for k in keys if prices.get(k) and prices[k].usd_per_gpu_hour is not None)
    if not priced:
        raise RecommendError("no GPU in the search has a price: give one with --price KEY=USD")
    counts = gpu_counts(gpus_max)
    settings = (engine or EngineSettings()).model_copy(
        update={"max_model_len": workload.max_model_len})
    found: list[Recommendation] = []
    plans = pruned = 0
    for spec in models:
        memo: dict[str, int] = {}
        for gpu_key in priced:
            gpu = GPU_PRESETS[gpu_key]
            for n in counts:
                cluster = _cluster(gpu_key, n)
                quants = quant_candidates(spec, cluster)
                budget = n * gpu.memory_total_bytes * settings.gpu_memory_utilization
                if _smallest_weights(spec, quants, memo) > budget:
                    pruned += 1
                    continue
                layouts = [lay for lay in layout_candidates(spec, cluster) if lay.gpus == n]
                if not layouts:
                    continue
                result = sweep(spec, cluster, settings, quant_keys=quants, layouts=layouts,
                               load=workload.load, tpot_ms_target=workload.tpot_ms,
                               ttft_ms_target=workload.ttft_ms,
                               min_output_tokens_per_s=workload.output_tokens_per_s)
                plans += len(result.rows)
                serving = [row for row in result.rows if _serves(row, workload)]
                if serving:
                    found.append(_recommendation(spec, gpu_key, n, _best(serving, workload),
                                                 prices[gpu_key], workload))
                    break  # more of the same GPU only costs more per hour
    found.sort(key=lambda r: (r.usd_per_hour, r.usd_per_million_output_tokens or float("inf"),
                              r.gpus, -r.max_concurrency))
    return RecommendResult(
        workload=workload, gpu_counts=counts, gpu_keys=priced,
        unpriced_gpu_keys=tuple(k for k in keys if k not in priced), plans_made=plans,
        pruned=pruned, rows=tuple(found[:top]),
    )
