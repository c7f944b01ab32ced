"""plan() and plan_summary(): size each worker, conclude the binding one and its fields."""

from typing import Any

from planner.memo import distinct_objects
from planner.model.attention import kv_bytes_per_token
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, gpus_label
from planner.serving.launch import fitted_note, over_nodes, with_layout
from planner.serving.layout import ParallelLayout
from planner.serving.lora.moe import ep_lora_flags
from planner.serving.plan.cluster import rank_position
from planner.serving.plan.facts import Setup
from planner.serving.plan.fit import held_blocks, stage_layouts_key
from planner.serving.plan.layout_facts import setup
from planner.serving.plan.load_peak import load_peak_errors
from planner.serving.plan.models import Plan, PlanRequest, PlanSummary, RankMemory
from planner.serving.plan.refusals import cached_layout_errors, kv_pool_oom_errors
from planner.serving.plan.shared import cached, spec_params
from planner.serving.plan.terms import WarmRestart, plan_terms, warm_restart
from planner.serving.plan.verdict import Binding, Outcome, outcome
from planner.serving.plan.window_reservation import (
    reservation_binds,
    reservation_note,
    smaller_batched_tokens,
)
from planner.serving.plan.worker import memory
from planner.serving.vllm_cli import vllm_cli
from planner.serving.vllm_versions import vllm_rules, window_batched_tokens
from planner.serving.weights import WeightTerms, rank_totals


def plan(request: PlanRequest, *, nearest: bool = True) -> Plan:
    """Plan one model on one cluster with one layout and vLLM settings. `nearest=False`: no
    nearest_fit (nor its nearest_fit_change) for a plan that does not fit (fixes.nearest_fit
    plans up to a few hundred changes), for plans shown without it (the app's concurrency
    curve, compared models)."""
    st = setup(request.model, request.cluster, request.layout, request.engine)
    spec, layout, s, f = st.spec, st.layout, st.s, st.facts
    r = f.r
    errors = cached_layout_errors(st)
    memo: dict[tuple[int, int, int, str], tuple[int, ...]] = {}
    ranks: list[RankMemory] = []
    weight_totals = rank_totals(f.weight_terms)
    for rank in range(min(layout.gpus, st.cluster.gpu_count)):
        pp_stage, tp_rank, node_index, gpu_index = rank_position(layout, st.cluster, rank)
        node = st.cluster.nodes[node_index]
        total = node.gpu.memory_total_bytes
        used = node.memory_used_bytes[gpu_index] if node.memory_used_bytes else 0
        position = pp_stage * layout.tp + tp_rank
        w = weight_totals[position]
        key = (pp_stage, w, total, node.gpu.compute_capability)
        if key not in memo:
            memo[key] = memory(st, *key)
        budget, act, nt, graphs, kv, blocks, buffers = memo[key]
        rng, stage = f.stages[pp_stage]
        ranks.append(RankMemory.model_construct(
            rank=rank, node=node_index, gpu_index=gpu_index, tp_rank=tp_rank, pp_stage=pp_stage,
            layers=(rng.start, rng.stop), total_bytes=total, used_by_others_bytes=used,
            budget_bytes=budget, weights_bytes=w, activation_bytes=act, non_torch_bytes=nt,
            cuda_graph_bytes=graphs, kv_cache_bytes=kv, free_bytes=max(0, total - budget - used),
            num_blocks=blocks, kv_bytes_per_token=stage.kv_bytes_per_token if stage else 0,
            runner_buffer_bytes=buffers, lora_bytes=f.weight_terms[position].lora_bytes,
        ))
    candidates = [Binding(m.pp_stage, m.weights_bytes, m.total_bytes,
                          st.cluster.nodes[m.node].gpu.compute_capability, m.budget_bytes,
                          m.activation_bytes, m.non_torch_bytes, m.cuda_graph_bytes,
                          m.kv_cache_bytes, m.num_blocks, m.runner_buffer_bytes) for m in ranks]
    index, out, fields, loads = _conclude(st, candidates, errors)
    if fields["fits"] and reservation_binds(st):
        fields["warnings"] = [*fields["warnings"], *_reservation_note(request, st, fields)]
    binding = ranks[index]
    params = spec_params(spec)
    # no warm restart where vLLM runs out of memory loading the model (load_peak_errors)
    warm = warm_restart(st, binding) if loads else None
    warm_fits = _warm_restart_fits(fields, warm, layout.pp)
    terms = plan_terms(st, binding, out, warm)
    kv_b = f.kv_b
    if nearest and not fields["fits"]:
        # imported here, not at the top: planner.serving.fixes imports this package to plan
        # its candidates
        from planner.serving.fixes import allow_long_fit, nearest_fit

        fix = nearest_fit(request, Plan.model_construct(**fields))
        if fix:
            fields.update(nearest_fit=fix.text, nearest_fit_change=fix.change,
                          longer_context_fit=fix.longer_context)
        fields.update(allow_long_fit=allow_long_fit(request))
    return Plan.model_construct(
        **fields,
        model_runner=r.runner[0],
        model_runner_reason=r.runner[1],
        v2_warm_restart_available_kv_bytes=warm.kv_cache_bytes if warm else None,
        v2_warm_restart_kv_cache_tokens=warm.capacity[1] if warm and warm.capacity else None,
        v2_warm_restart_max_concurrency=warm.capacity[2] if warm and warm.capacity else None,
        v2_warm_restart_fits=warm_fits,
        **_warm_launch_fields(st, warm_fits),
        engine=s,
        vllm_release=vllm_rules(s.vllm_version).label,
        gpu_name=r.gpu_name,
        gpus_label=gpus_label(st.cluster, layout.gpus),
        wsl2=r.wsl2,
        params_total=params.total,
        params_active=params.active,
        weights_bytes_total=sum(weight_totals[: layout.tp * layout.pp]),
        kv_bytes_per_token=cached(spec, ("kv", kv_b), lambda: kv_bytes_per_token(spec, kv_b)),
        per_gpu=ranks,
        binding_rank=binding.rank,
        terms=terms,
    )


def _conclude(
    st: Setup, candidates: list[Binding], errors: list[str], every_node: bool = True
) -> tuple[int, Outcome, dict[str, Any], bool]:
    """From the sized workers (in rank order): the binding one (fewest blocks, first on a tie),
    the outcome, every PlanSummary field, shared by plan() and plan_summary() (but
    vllm_commands without `every_node`: _launch_fields), and whether vLLM gets past loading the
    model (load_peak_errors: none)."""
    f = st.facts
    r = f.r
    busy, empty, pages = f.checks
    # a refusal other than memory: a layout's (not validated), start-up's, busy GPU's, empty
    # stage's or page size's (more memory does not make such a plan fit)
    refused = bool(errors or r.refusals or busy or empty or pages)
    over, oom = kv_pool_oom_errors(st, candidates)
    # vLLM loads the model only past every start-up check (a refused plan never gets there)
    peak_over, peak, at_load = (0, [], []) if refused else load_peak_errors(st, candidates)
    over = max(over, peak_over)
    if r.refusals or busy or empty or oom or peak or pages:  # (most plans have none)
        errors[:0] = [e for e in r.refusals if e not in errors]
        for found in (busy, empty, peak, oom, pages):
            errors += [e for e in found if e not in errors]
    # one pass (a plan has a few workers; a generator or key function per plan cost more):
    # the binding worker, the fewest blocks then the least KV (the first on a tie) of those
    # with a KV layer, each such stage's smallest pool, the heaviest weights, any overweight
    index, fewest, heaviest, overweight = 0, None, 0, False
    pools: dict[int, int] = {}
    for i, c in enumerate(candidates):
        heaviest = max(heaviest, c.weights)
        overweight = overweight or c.weights > c.budget
        if f.stages[c.pp_stage][1] is not None:
            pools[c.pp_stage] = min(pools.get(c.pp_stage, c.kv), c.kv)
            if fewest is None or (c.blocks, c.kv) < fewest:
                index, fewest = i, (c.blocks, c.kv)
    if fewest is None and len(candidates) > 1:  # no worker holds KV: the least KV binds
        index = min(range(len(candidates)), key=lambda i: (candidates[i].blocks, candidates[i].kv))
    bind = candidates[index]
    out = outcome(st, bind, pools, overweight, errors)
    out.warnings.extend(at_load)
    stage = f.stages[bind.pp_stage][1]
    fields = {
        "model_name": st.spec.name or st.spec.model_type,
        "layout": st.layout,
        "gpus_used": st.layout.gpus,
        "weights_bytes_per_gpu": heaviest,
        "kv_bytes_per_token_per_gpu": stage.kv_bytes_per_token if stage else 0,
        "activation_bytes_per_gpu": bind.activation,
        "non_torch_bytes_per_gpu": bind.non_torch,
        "cuda_graph_bytes_per_gpu": bind.graphs,
        "runner_buffer_bytes_per_gpu": bind.runner_buffers,
        # a sweep plan has up to hundreds of (stage, TP rank) positions: read them only with
        # LoRA on (a 4,096-GPU sweep spent a quarter of its time here)
        "lora_bytes_per_gpu": (_heaviest_lora_bytes(f.weight_terms, heaviest)
                               if st.s.enable_lora else 0),
        "kv_cache_bytes_per_gpu": bind.kv,
        "num_gpu_blocks": bind.blocks,
        "block_size": stage.block_tokens if stage else r.block_size,
        "kv_cache_tokens": out.tokens,
        "max_concurrency": out.concurrency,
        "max_context_tokens": min(out.ceiling, out.model_limit),
        "kv_limited_context_tokens": out.ceiling,
        "max_model_len": r.max_model_len,
        "max_num_batched_tokens": r.mbt,
        "max_num_seqs": r.seqs,
        "fits": not out.errors,
        "memory_shortfall_bytes_per_gpu": None if refused else max(out.shortfall, over),
        "max_model_len_shortfall_bytes_per_gpu":
            None if refused else max(out.longest_shortfall, over),
        "verdict": out.verdict,
        "warnings": out.warnings,
        "errors": out.errors,
        **_launch_fields(st, not out.errors, every_node),
        "weight_format": r.scheme.key,
        "weight_format_label": r.scheme.label,
    }
    return index, out, fields, not peak


def _warm_restart_fits(fields: dict[str, Any], warm: WarmRestart | None, pp: int) -> bool:
    """Whether the start-up a plan (its `fields`: _conclude) refuses on memory alone passes on
    Model Runner V2's warm restart (`warm`): the warm pool's gain over the planned one covers
    the bytes the pool is short by (memory_shortfall_bytes_per_gpu), on one PP stage (`pp`),
    whose pool the binding rank's is.

    NOTE: the refused start-up leaves the warm cache behind: vLLM 0.34.0 (and 0.27.1)
    compilation/decorators.py compiles on the profile run's first forward and saves the AOT
    artifact (save_aot_compiled_function, under VLLM_CACHE_ROOT/torch_compile_cache) right
    after, and v1/engine/core.py _initialize_kv_caches profiles (determine_available_memory)
    before get_kv_cache_configs raises "To serve at least one request ...". The cache key
    (compilation/caching.py compute_env_and_config_hashes, VllmConfig.compile_factors) holds
    ModelConfig.max_model_len (not in its ignored_factors, config/model.py) and not
    CacheConfig.gpu_memory_utilization (ignored, config/cache.py)."""
    short = fields["memory_shortfall_bytes_per_gpu"]
    return (not fields["fits"] and bool(short) and warm is not None and pp == 1
            and warm.kv_cache_bytes is not None
            and warm.kv_cache_bytes - fields["kv_cache_bytes_per_gpu"] >= short)


def _reservation_note(request: PlanRequest, st: Setup, fields: dict[str, Any]) -> list[str]:
    """window_reservation's note, with the concurrency of the plan at the smaller
    --max-num-batched-tokens (planned in full: the activation shrinks with it too); none where
    that plan does not fit or holds no more requests."""
    smaller = smaller_batched_tokens(st.facts.r.mbt)
    engine = request.engine.model_copy(update={"max_num_batched_tokens": smaller})
    there = plan_summary(request.model_copy(update={"engine": engine}))
    if not there.fits or there.max_concurrency <= fields["max_concurrency"]:
        return []
    return [reservation_note(st, fields["max_concurrency"], smaller, there.max_concurrency)]


def _heaviest_lora_bytes(terms: tuple[WeightTerms, ...], heaviest_bytes: int) -> int:
    """The LoRA bytes inside the heaviest GPU's weights (`heaviest_bytes`,
    weights_bytes_per_gpu), the most where several positions weigh that: not the most on any
    GPU, which a stage of more layers and no embedding holds under PP (Qwen2.5-7B at PP=3:
    9 / 10 / 9 layers, the 10-layer stage lighter but with more LoRA slots)."""
    return max((w.lora_bytes for w in distinct_objects(terms) if w.total_bytes == heaviest_bytes),
               default=0)


def _warm_launch_fields(st: Setup, warm_fits: bool) -> dict[str, Any]:
    """v2_warm_restart_commands and v2_warm_restart_launch_note: where the plan is refused cold
    and fits on the warm restart (_warm_restart_fits), the commands and note a fitting plan
    carries (_launch_fields), the note over several nodes saying to set HEAD_NODE_IP; none
    otherwise, nor a note without commands (launch_note says why there are none)."""
    launch = _launch_fields(st, True) if warm_fits else {"vllm_commands": []}
    commands = launch["vllm_commands"]
    return {"v2_warm_restart_commands": commands,
            "v2_warm_restart_launch_note": launch["launch_note"] if commands else ""}


def _launch_fields(st: Setup, fits: bool, every_node: bool = True) -> dict[str, Any]:
    """vllm_command, vllm_commands and launch_note: commands only for a plan that fits (a
    command vLLM's parser refuses is one of the plan's errors, and the verdict says it); over
    several nodes, one per node (launch.over_nodes). Without `every_node`, no vllm_commands of
    a plan that has commands: node 0's command alone is made (launch.over_nodes' `every_node`)."""
    started = st.facts.r.launch
    head, note, refused = started.head, started.note, started.refused
    if head is None and not refused:
        return {"vllm_command": None, "vllm_commands": [],
                "launch_note": fitted_note(started, _cluster_budget_bytes(st),
                                           st.facts.r.tower_dropped) if started.others else note}
    if not fits:
        return {"vllm_command": None, "vllm_commands": [],
                "launch_note": "No launch command: the plan does not fit (see the verdict)."}
    layout = st.layout
    # LoRA on MoE over EP: the one all2all backend vLLM's MoE LoRA takes, named
    head += ep_lora_flags(st.spec, st.s.enable_lora, layout.ep_size, st.s.all2all_backend)
    commands, nodes_note = over_nodes(
        with_layout(head, layout.tp, layout.pp, layout.dp, layout.ep),
        layout.tp * layout.pp * layout.dp, st.facts.r.gpus_per_node, layout.dp,
        vllm_cli(st.s.vllm_version), every_node=every_node)
    fields = {"vllm_command": commands[0] if commands else None,
              "launch_note": " ".join(filter(None, (note, nodes_note)))}
    return {**fields, "vllm_commands": list(commands)} if every_node else fields


def _cluster_budget_bytes(st: Setup) -> int:
    """The memory budget of all the cluster's GPUs together: each GPU's (Resolved.budgets,
    vLLM's request of its total) x the GPUs of its node."""
    return sum(st.facts.r.budgets[n.gpu.memory_total_bytes] * n.gpus_per_node
               for n in st.cluster.nodes)


def plan_summary(request: PlanRequest, *, validated: bool = False) -> PlanSummary:
    """The figures of plan(request) the sweep needs, for one worker per distinct PP stage.

    Workers of one stage differ only in their weights (EP splits experts unevenly: 60 over 8
    ranks -> 8 or 7 each) and, on mixed clusters, in their GPU's total; each distinct pair is
    sized once, on the first stage of each kind (_distinct_workers). `validated=True` skips
    layout_errors (the caller already filtered layouts).
    """
    return PlanSummary.model_construct(**summary_figures(
        request.model, request.cluster, request.layout, request.engine, validated=validated))


def summary_figures(
    model: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout, engine: EngineSettings,
    *, validated: bool = False, every_node: bool = True,
) -> dict[str, Any]:
    """plan_summary()'s fields as a plain dict, from the four parts of a request.

    The sweep builds its own row from them: one pydantic object per row instead of three
    (request, summary, row), a quarter of a sweep's time. Without `every_node`, no
    vllm_commands (one per node) where the plan has commands: its rows show vllm_command,
    node 0's (a sweep over 512 nodes made 730,790 commands to keep 7,012).
    """
    st = setup(model, cluster, layout, engine)
    errors = [] if validated else cached_layout_errors(st)
    return _conclude(st, [Binding(*worker, *memory(st, *worker))
                          for worker in st.facts.workers], errors, every_node)[2]


def held_request_blocks(request: PlanRequest, held_tokens: int) -> int:
    """Blocks one decoding request holding `held_tokens` needs on the plan's hungriest stage:
    the per-request rule the plan sizes max_model_len with (blocks_per_request), at the held
    length, its sliding groups counting the tokens a decoding request has in flight (one per
    step, times the batches async scheduling keeps in flight: window_batched_tokens at 1).

    NOTE: vLLM's scheduler allocates blocks as a request grows and frees the blocks that left
    a sliding window (single_type_kv_cache_manager.py SlidingWindowManager.
    remove_skipped_blocks), so a decoding request's sliding group holds cdiv(window - 1 +
    in-flight, block) + 1 blocks, not the window + max_num_batched_tokens that admitting a
    max_model_len request reserves. gpt-oss-20b (12 sliding layers of window 128 + 12 full,
    16-token blocks) at 0.33.0 holding 1,536 tokens: 96 full + cdiv(127 + 2, 16) + 1 = 10
    sliding = 106 blocks.
    """
    st = setup(request.model, request.cluster, request.layout, request.engine)
    r = st.facts.r
    in_flight = window_batched_tokens(r.in_flight_window, r.runner[0], st.layout.pp, 1)
    # (cached by the stages' inputs: the same for every weight format)
    return cached(st.spec, ("held blocks", *stage_layouts_key(st.layout, r, st.facts.kv_b),
                            held_tokens, in_flight),
                  held_blocks, st.facts.stages, held_tokens, in_flight)
