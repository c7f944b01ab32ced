"""Replica families: the lowest GPU count at which any layout of a family could serve a workload.

Recommend's search above one node (whole 8-GPU nodes up to 4,096 GPUs) cannot plan every
count: a count has up to hundreds of layouts and there are hundreds of counts. Every layout
tp x pp x dp is dp replicas of one tp x pp replica, so the search bounds each *family* of
layouts sharing a weight format, KV dtype, TP and EP (and, for a MoE model, DP, since vLLM
spreads the routed experts over tp x dp ranks: whole experts with EP, every expert sliced
over them without, ParallelLayout.expert_tp) by arithmetic, and plans only the counts and
families that could serve.

The bound rests on how planner.serving.speed builds a step (verified by
tests/planner/serving/test_replicas.py on real plans): the replica's PP stages split its
layers, so a PP replica at r requests does the same weight, KV, compute and all-reduce work
per step as the PP = 1 replica at r / PP requests, plus the stages' send/receive; each term
adds up, and max(memory, compute) of a sum is at most the sum of the stages' maxima. Per GPU,
a PP replica therefore never beats the PP = 1 replica of its family with unlimited KV room
(`relaxed`), and misses a TTFT/TPOT target wherever that replica misses it with one request
in flight. For a dense model a replica's plan and speed do not depend on DP, so dp
replicas serve dp times one replica's rate: the count a rate needs is
rate x output length / (output tokens/s per GPU); a MoE model's family fixes DP.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from planner.model.quant import scheme
from planner.model.spec import AttentionMixer, MlaMixer, ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec
from planner.serving.layout import ParallelLayout, first_moe, layout_errors
from planner.serving.plan import PlanRequest, held_request_blocks, summary_figures
from planner.serving.speed import (
    PlanFigures,
    ServingLoad,
    SpeedFigures,
    speed_figures,
    tpot_meets,
)
from planner.serving.vllm_versions import EngineError

SLACK = 1.05
"""Margin on every bound (throughput and memory x 1.05, targets / 1.05): the argument above
holds term by term, but the speed model and the plan round (requests per replica, experts
touched, KV blocks, uneven PP splits), so a family is dropped only when it misses by more."""

_HUGE = 1 << 50
"""KV tokens and context ceiling of the relaxed replica: room that never binds."""


class Bound(NamedTuple):
    """A family's fewest GPUs that could serve, and whether its members get a command."""

    gpus: float
    """math.inf: no member can serve."""
    launchable: bool
    """False where the family's weight format needs a converted checkpoint (no `vllm serve`
    command for the targeted vLLM): the PP = 1 plan's, True where it does not fit to say."""
    weights_gpus: float = 0.0
    request_gpus: float = 0.0
    """Without EP, one replica's weights and one request's KV bytes of max_model_len, each
    over one GPU's budget x SLACK (0.0: no memory bound, with EP or at concurrency 1)."""
    refusal: str = ""
    """Why the targeted vLLM plans no member at all (replica_plan; gpus is then math.inf),
    "" where it plans them."""

    def replica_gpus(self, requests: int) -> float:
        """Without EP, the fewest GPUs one replica needs to hold `requests` requests of
        max_model_len (memory): ceil(concurrency / DP) for a DP layout (dp_requests)."""
        return self.weights_gpus + requests * self.request_gpus


class Family(NamedTuple):
    """Layouts sharing a weight format, KV dtype, TP and EP; `dp` is fixed for a MoE model."""

    quant_key: str
    kv_cache_dtype: str
    tp: int
    ep: bool = False
    dp: int = 0
    """0: any DP (a dense model's replicas are independent); else the DP a MoE model's
    routed experts are spread over (tp x dp ranks, with or without EP)."""

    def replica_gpus(self) -> int:
        """GPUs of one PP = 1 member: tp, or tp x dp where DP is fixed."""
        return self.tp * (self.dp or 1)

    def layouts(self, gpus: int, num_layers: int) -> list[ParallelLayout]:
        """The members using exactly `gpus` GPUs (PP up to the model's layers)."""
        if self.dp:
            pp, rest = divmod(gpus, self.tp * self.dp)
            return ([ParallelLayout(tp=self.tp, pp=pp, dp=self.dp, ep=self.ep)]
                    if not rest and pp <= num_layers else [])
        return [ParallelLayout(tp=self.tp, pp=pp, dp=gpus // (self.tp * pp))
                for pp in range(1, min(num_layers, gpus // self.tp) + 1)
                if gpus % (self.tp * pp) == 0]


def dp_requests(concurrency: int, dp: int) -> int:
    """Requests each of `dp` replicas must hold for `concurrency` in flight: ceil(concurrency
    / dp). vLLM's DP load balancer (v1/engine/core_client.py get_core_engine_for_request:
    DPAsyncMPClient on 0.9.1, DPLBAsyncMPClient 0.9.2-0.34.0) sends each new request to the
    engine with the least load (its waiting and running requests; 0.33.0 and 0.34.0 also count
    their own in-flight ones), so the requests spread evenly over the replicas, each with its own KV
    pool (an external load balancer, --data-parallel-external-lb, is not modelled)."""
    return -(-concurrency // dp)


def held_seqs(max_num_seqs: int, held: int, dp: int) -> int:
    """max_num_seqs per replica of a row that runs `held` requests at once over `dp`
    replicas: vLLM's default `max_num_seqs`, raised to a replica's share (dp_requests) where
    it is fewer, as recommend plans such a row (sweep.held_settings)."""
    return max(max_num_seqs, dp_requests(held, dp))


def families(spec: ModelSpec, cluster: ClusterSpec, quants: tuple[str, ...],
             kv_dtypes: tuple[str, ...], gpus_max: int, vllm_version: str,
             mm_encoder_tp_mode: str = "weights") -> list[Family]:
    """Every family with a member vLLM `vllm_version` accepts on this GPU (TP, EP size and
    format alignment checked on the PP = 1 member; the vision heads at `mm_encoder_tp_mode`:
    layout.vision_head_errors)."""
    moe = first_moe(spec)
    experts = moe.num_experts if moe is not None else 0
    wide = _wide(cluster, gpus_max)
    # vLLM divides attention heads by TP: only divisors of a head count can pass the check
    heads = next((layer.mixer.num_heads for layer in spec.layers
                  if isinstance(layer.mixer, AttentionMixer | MlaMixer)), None)
    tried = [tp for tp in range(1, gpus_max + 1) if heads is None or heads % tp == 0]
    out = []
    for quant in quants:
        tps = [tp for tp in tried
               if not layout_errors(spec, wide, ParallelLayout(tp=tp), scheme(quant),
                                    vllm_version, mm_encoder_tp_mode=mm_encoder_tp_mode)]
        # without EP a MoE model's experts are sliced over tp x dp (ParallelLayout.expert_tp),
        # so each DP whose slice vLLM accepts is a family of its own
        plain = {tp: [dp for dp in range(1, gpus_max // tp + 1)
                      if dp == 1 or moe.expert_intermediate_size % (tp * dp) == 0
                      and not layout_errors(spec, wide, ParallelLayout(tp=tp, dp=dp),
                                            scheme(quant), vllm_version,
                                            mm_encoder_tp_mode=mm_encoder_tp_mode)]
                 if experts else [0]
                 for tp in tps}
        for kv in kv_dtypes:
            for tp in tps:
                out.extend(Family(quant, kv, tp, False, dp) for dp in plain[tp])
                if not experts or experts % tp:
                    continue
                for dp in range(1, min(experts // tp, gpus_max // tp) + 1):
                    layout = ParallelLayout(tp=tp, dp=dp, ep=True)
                    if tp * dp > 1 and experts % (tp * dp) == 0 and not layout_errors(
                            spec, wide, layout, scheme(quant), vllm_version,
                            mm_encoder_tp_mode=mm_encoder_tp_mode):
                        out.append(Family(quant, kv, tp, True, dp))
    return out


def _wide(cluster: ClusterSpec, gpus: int) -> ClusterSpec:
    """`cluster` grown to at least `gpus` GPUs in whole nodes like its first (a layout check
    and a plan only need room for the layout)."""
    node = cluster.nodes[0]
    need = max(1, math.ceil(gpus / node.gpus_per_node))
    if len(cluster.nodes) >= need:
        return cluster
    return cluster.model_copy(update={"nodes": tuple(node for _ in range(need))})


def pool_requests(request: PlanRequest, figures: dict, load: ServingLoad) -> int:
    """The requests of `load`'s held length the KV pool of `request`'s plan (`figures`) holds
    per replica: its blocks over one held request's."""
    return figures["num_gpu_blocks"] // held_request_blocks(request, load.held_tokens)


def rate_room(request: PlanRequest, figures: dict, load: ServingLoad) -> int:
    """The most requests of `load`'s held length one replica of `request`'s family could run
    per PP stage at a rate: recommend raises --max-num-seqs up to the KV cache's room
    (sweep.rate_raised), and each of a PP replica's p stages keeps about 1/p of the weights
    and of each request's KV, so with its PP = 1 replica's plan (`figures`) leaving KV +
    weights bytes per GPU after activations, it holds at most p x (KV + weights) / one held
    request's bytes, that many per stage (the PP argument above). One held request's bytes:
    the KV cache's over the requests its blocks hold (where the replica holds none, the KV
    bytes per token x the held tokens); never fewer than vLLM's max_num_seqs."""
    kv = figures["kv_cache_bytes_per_gpu"]
    pool = pool_requests(request, figures, load)
    one = kv / pool if pool else figures["kv_bytes_per_token_per_gpu"] * load.held_tokens
    free = kv + figures["weights_bytes_per_gpu"]
    return max(figures["max_num_seqs"], math.ceil(free / one) if one > 0 else 0)


def relaxed_speed(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                  settings: EngineSettings, load: ServingLoad, figures: dict,
                  concurrency: int | None, held: int = 1) -> SpeedFigures | None:
    """The speed of `layout` (its plan's `figures`) with unlimited KV room at `concurrency`
    requests in flight (None: max_num_seqs per replica, vLLM's raised to run `held` requests
    at once: held_seqs), its figures only (a bound keeps no terms); None where the speed model
    gives none."""
    seqs = held_seqs(figures["max_num_seqs"], held, layout.dp)
    # the five figures an estimate reads of a plan (PlanFigures), not a PlanSummary of all
    # its fields: one was built per bound, the families' and each PP's (_pp_top)
    relaxed = PlanFigures(fits=True, max_model_len=figures["max_model_len"],
                          max_num_seqs=seqs,
                          max_num_batched_tokens=figures["max_num_batched_tokens"],
                          num_gpu_blocks=_HUGE)
    request = PlanRequest.model_construct(model=spec, cluster=cluster, layout=layout,
                                          engine=settings)
    conc = seqs * layout.dp if concurrency is None else concurrency
    return speed_figures(request, load.model_copy(update={"concurrency": conc}),
                         plan_result=relaxed)


def replica_plan(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                 settings: EngineSettings) -> tuple[dict[str, Any] | None, str]:
    """(summary_figures of a validated layout, ""), or (None, why) where the targeted vLLM
    plans no layout with these settings (plan.refusals.refuse_unplannable's EngineError: a
    start-up it runs on its V0 engine, an architecture it lacks, ...): a candidate the search
    drops, as the sweep drops its rows, not an error of the whole search."""
    try:
        return summary_figures(spec, cluster, layout, settings, validated=True), ""
    except EngineError as exc:
        return None, str(exc)


def lowest_counts(spec: ModelSpec, cluster: ClusterSpec, fams: list[Family],
                  settings_of, load: ServingLoad, *, output_tokens_per_s: float | None,
                  concurrency: int, memory_bytes: float, ttft_ms: float | None,
                  tpot_ms: float | None) -> dict[Family, Bound]:
    """Each family's fewest GPUs at which a member could serve (math.inf: none can).

    `settings_of(family)`: the engine settings with the family's weight format and KV dtype;
    `memory_bytes`: one GPU's budget (total x gpu_memory_utilization). A family misses the
    TTFT/TPOT targets when its PP = 1 relaxed replica misses them with one request in flight
    (checked only when a target is given). Without EP a replica (one DP rank's tp x pp GPUs)
    must hold its share of the requests of max_model_len, ceil(concurrency / dp)
    (dp_requests): weights + that share x the bytes one request takes in the PP = 1 plan (its
    KV cache / its concurrency) must fit in the replica's budget, and a family of fixed DP
    needs dp such replicas. A dense family's members at any DP need at least dp x weights +
    concurrency x one request's bytes, so at least (weights + concurrency x one request's
    bytes) GPUs' worth (the DP = 1 figure), and none can serve where a replica cannot hold
    even one request with one PP stage per layer. A rate
    needs rate / (output tokens/s per GPU of the relaxed replica at max_num_seqs: vLLM's
    raised to the most requests a replica of the family could hold (rate_room), and to the
    replica's share of the concurrency where fewer, held_seqs) GPUs. A family
    whose settings vLLM refuses (replica_plan) gets math.inf and the refusal.
    """
    out = {}
    # one cluster object per size: the plan's and the speed model's caches are keyed by its
    # identity, so families of the same size share its derived settings and speed contexts
    wides: dict[int, ClusterSpec] = {}
    for fam in fams:
        layout = ParallelLayout(tp=fam.tp, dp=fam.dp or 1, ep=fam.ep)
        settings = settings_of(fam)
        if layout.gpus not in wides:
            wides[layout.gpus] = _wide(cluster, layout.gpus)
        wide = wides[layout.gpus]
        figures, refusal = replica_plan(spec, wide, layout, settings)
        if figures is None:
            out[fam] = Bound(math.inf, False, refusal=refusal)
            continue
        low = float(layout.gpus)
        weights_gpus = request_gpus = 0.0
        if concurrency > 1 and not fam.ep and figures["max_concurrency"] > 0:
            per_request = figures["kv_cache_bytes_per_gpu"] * fam.tp / figures["max_concurrency"]
            weights_gpus = figures["weights_bytes_per_gpu"] * fam.tp / memory_bytes / SLACK
            request_gpus = per_request / memory_bytes / SLACK
            # a fixed DP's replicas each hold their share; a dense family's fewest replicas'
            # worth is at DP = 1, its smallest replica at one request each
            share = dp_requests(concurrency, layout.dp)
            fewest = share if fam.dp else 1
            # a replica has at most one PP stage per layer
            low = (max(fam.tp, weights_gpus + share * request_gpus) * layout.dp
                   if weights_gpus + fewest * request_gpus <= fam.tp * spec.num_layers
                   else math.inf)
        if ttft_ms is not None or tpot_ms is not None:
            one = relaxed_speed(spec, wide, layout, settings, load, figures, 1)
            if one is None or not tpot_meets(
                    one.tpot_ms, None if tpot_ms is None else tpot_ms * SLACK) or \
                    (ttft_ms is not None and one.ttft_ms > ttft_ms * SLACK):
                low = math.inf
        if output_tokens_per_s is not None and not math.isinf(low):
            request = PlanRequest.model_construct(model=spec, cluster=wide, layout=layout,
                                                  engine=settings)
            roomy = {**figures, "max_num_seqs": rate_room(request, figures, load)}
            top = relaxed_speed(spec, wide, layout, settings, load, roomy, None, concurrency)
            rate = 0.0 if top is None else top.output_tokens_per_s * SLACK / layout.gpus
            low = max(low, output_tokens_per_s / rate) if rate else math.inf
        out[fam] = Bound(low, figures["vllm_command"] is not None or not figures["fits"],
                         weights_gpus, request_gpus)
    return out
