"""plan(PlanRequest) -> Plan: does the model fit, per GPU, and how much KV cache it leaves.

One serialisable result feeds the pages, the report and `--json`. Every figure comes with a
Term whose formula is filled in with the real numbers.
"""

import math

from pydantic import BaseModel, ConfigDict, Field

from planner import quant
from planner.attention import kv_bytes_per_token
from planner.engine import (
    GRAPHS_SUBTRACTED_FROM,
    TOKENS_FROM_CONCURRENCY_FROM,
    EngineSettings,
    StageKv,
    act_elem_bytes,
    activation_bytes,
    blocks_per_request,
    cuda_graph_bytes,
    default_batch_limits,
    kv_elem_bytes,
    model_facts,
    non_torch_bytes,
    request_bytes,
    served_dtype,
    stage_layouts,
    version_tuple,
)
from planner.hardware import ClusterSpec
from planner.layout import ParallelLayout, layout_errors
from planner.model_spec import ModelSpec
from planner.params import count_params
from planner.units import GIB
from planner.weights import rank_weights

CEILING_SEARCH_TOKENS = 1 << 24
"""Upper end of the max_model_len search (16M tokens), like vLLM's estimate_max_model_len."""

_MiB = 1 << 20


class PlanRequest(BaseModel):
    """Everything one plan needs: model, cluster, layout and engine settings."""

    model_config = ConfigDict(frozen=True)

    model: ModelSpec
    cluster: ClusterSpec
    layout: ParallelLayout = ParallelLayout()
    engine: EngineSettings = EngineSettings()


class Term(BaseModel):
    """One figure of the plan with its formula filled in and its inputs."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: float
    unit: str
    formula: str
    inputs: dict[str, str] = Field(default_factory=dict)
    note: str = ""


class RankMemory(BaseModel):
    """The memory of one GPU (one worker) in the layout."""

    model_config = ConfigDict(frozen=True)

    rank: int
    node: int
    gpu_index: int
    tp_rank: int
    pp_stage: int
    layers: tuple[int, int]
    total_bytes: int
    used_by_others_bytes: int
    budget_bytes: int
    weights_bytes: int
    activation_bytes: int
    non_torch_bytes: int
    cuda_graph_bytes: int
    kv_cache_bytes: int
    free_bytes: int
    num_blocks: int
    kv_bytes_per_token: int


class Plan(BaseModel):
    """The result: per-GPU memory, KV capacity, ceiling, verdict and the vllm serve command."""

    model_config = ConfigDict(frozen=True)

    model_name: str
    layout: ParallelLayout
    engine: EngineSettings
    gpu_name: str
    gpus_used: int
    params_total: int
    params_active: int
    weights_bytes_total: int
    weights_bytes_per_gpu: int
    kv_bytes_per_token: int
    kv_bytes_per_token_per_gpu: int
    activation_bytes_per_gpu: int
    non_torch_bytes_per_gpu: int
    cuda_graph_bytes_per_gpu: int
    kv_cache_bytes_per_gpu: int
    num_gpu_blocks: int
    block_size: int
    kv_cache_tokens: int
    max_concurrency: float
    max_context_tokens: int
    max_model_len: int
    max_num_batched_tokens: int
    max_num_seqs: int
    fits: bool
    verdict: str
    warnings: list[str]
    errors: list[str]
    per_gpu: list[RankMemory]
    binding_rank: int
    terms: list[Term]
    vllm_command: str


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / GIB:.2f} GiB"


def _weight_scheme(spec: ModelSpec, settings: EngineSettings, served: str) -> quant.QuantScheme:
    """The weight format vLLM will hold: what-if scheme, runtime quantization, or checkpoint
    (a 16/32-bit checkpoint is held in the served dtype `served`)."""
    if settings.target_quant:
        return quant.scheme(settings.target_quant)
    if settings.quantization:
        for candidate in quant.SCHEMES.values():
            if candidate.runtime and candidate.vllm_quantization == settings.quantization:
                return candidate
        raise quant.UnknownSchemeError(
            f"runtime --quantization {settings.quantization!r} has no scheme in planner.quant"
        )
    if spec.quant is None:
        return quant.scheme({"bfloat16": "bf16", "float16": "fp16"}.get(served, "fp32"))
    return quant.checkpoint_scheme(spec)


def _vllm_command(
    spec: ModelSpec, layout: ParallelLayout, s: EngineSettings, max_model_len: int,
    mbt: int, seqs: int,
) -> str:
    """The `vllm serve` line that produces this plan (defaults spelled out where they matter)."""
    parts = [f"vllm serve {spec.name or '<model>'}"]
    if layout.tp > 1:
        parts.append(f"--tensor-parallel-size {layout.tp}")
    if layout.pp > 1:
        parts.append(f"--pipeline-parallel-size {layout.pp}")
    if layout.dp > 1:
        parts.append(f"--data-parallel-size {layout.dp}")
    if layout.ep:
        parts.append("--enable-expert-parallel")
    if s.dtype != "auto":
        parts.append(f"--dtype {s.dtype}")
    if s.quantization:
        parts.append(f"--quantization {s.quantization}")
    if s.kv_cache_dtype != "auto":
        parts.append(f"--kv-cache-dtype {s.kv_cache_dtype}")
    parts.append(f"--max-model-len {max_model_len}")
    if s.kv_cache_memory_bytes:
        parts.append(f"--kv-cache-memory {s.kv_cache_memory_bytes}")
    else:
        parts.append(f"--gpu-memory-utilization {s.gpu_memory_utilization:g}")
    parts.append(f"--max-num-batched-tokens {mbt}")
    parts.append(f"--max-num-seqs {seqs}")
    if s.block_size != 16:
        parts.append(f"--block-size {s.block_size}")
    if s.enforce_eager:
        parts.append("--enforce-eager")
    return " ".join(parts)


def _ceiling(
    stages: list[tuple[StageKv, int]], kv_bytes: int, tp: int, mbt: int, num_blocks: int
) -> int:
    """Largest max_model_len one request fits in, on every stage (vLLM estimate_max_model_len).

    A length fits when each stage's summed per-layer need fits its smallest KV pool minus one
    block (vLLM holds one null block back) and the request's blocks fit the shared pool.
    """

    def fits(length: int) -> bool:
        for stage, pool in stages:
            need = request_bytes(stage, length, kv_bytes, tp, mbt)
            if need > pool - stage.bytes_per_block:
                return False
            if blocks_per_request(stage, length, mbt) > num_blocks:
                return False
        return True

    lo, hi = 0, CEILING_SEARCH_TOKENS
    if fits(hi):
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


_CACHE: dict[tuple, tuple[ModelSpec, object]] = {}


def _param_totals(spec: ModelSpec) -> tuple[int, int]:
    """(total, active) parameters, computed once per spec."""
    params = count_params(spec)
    return params.total, params.active


def _cached(spec: ModelSpec, key: tuple, compute):
    """Per-spec results cached by identity: hashing a large frozen spec costs more than a plan."""
    full_key = (id(spec), *key)
    hit = _CACHE.get(full_key)
    if hit is not None and hit[0] is spec:
        return hit[1]
    if len(_CACHE) > 1024:
        _CACHE.clear()
    value = compute()
    _CACHE[full_key] = (spec, value)
    return value


def plan(request: PlanRequest) -> Plan:
    """Plan one model on one cluster with one layout and vLLM settings."""
    spec, cluster, layout, s = request.model, request.cluster, request.layout, request.engine
    facts = model_facts(spec)
    errors = list(_cached(spec, ("layout", layout, cluster.gpu_count),
                          lambda: layout_errors(spec, cluster, layout)))
    warnings: list[str] = []
    node0 = cluster.nodes[0]
    gpu = min((n.gpu for n in cluster.nodes), key=lambda g: g.memory_total_bytes)
    max_model_len = s.max_model_len or spec.max_position_embeddings
    default_mbt, default_seqs = default_batch_limits(
        gpu.memory_total_bytes, gpu.name, max_model_len
    )
    seqs = s.max_num_seqs or default_seqs
    mbt = s.max_num_batched_tokens or min(default_mbt, seqs * max_model_len)
    bf16 = gpu.weight_format_support("bf16") == "native"
    kv_b = kv_elem_bytes(s, spec.torch_dtype, bf16)
    act_b = act_elem_bytes(s, spec.torch_dtype, bf16)
    version = version_tuple(s.vllm_version)
    subtract_graphs = version >= GRAPHS_SUBTRACTED_FROM and not s.enforce_eager
    scheme = _weight_scheme(spec, s, served_dtype(s, spec.torch_dtype, bf16))
    weights = _cached(
        spec, ("weights", scheme.key, layout, act_b),
        lambda: rank_weights(spec, scheme, layout, served_dtype_bytes=act_b),
    )
    stages = stage_layouts(facts, layout, s.block_size, kv_b)
    params_total, params_active = _cached(spec, ("params",), lambda: _param_totals(spec))

    stage_act: dict[int, int] = {}
    ranks: list[RankMemory] = []
    gpus = min(layout.gpus, cluster.gpu_count)
    for rank in range(gpus):
        pp_stage, tp_rank = divmod(rank % (layout.tp * layout.pp), layout.tp)
        node_index, gpu_index = divmod(rank, node0.gpus_per_node)
        node = cluster.nodes[min(node_index, len(cluster.nodes) - 1)]
        total = node.gpu.memory_total_bytes
        used = node.memory_used_bytes[gpu_index] if node.memory_used_bytes else 0
        budget = math.ceil(total * s.gpu_memory_utilization)
        rng, stage = stages[pp_stage]
        w = weights[pp_stage * layout.tp + tp_rank].total_bytes
        if s.kv_cache_memory_bytes:
            act = nt = graphs = 0
            kv = s.kv_cache_memory_bytes
        else:
            last = pp_stage == layout.pp - 1
            if pp_stage not in stage_act:
                stage_act[pp_stage] = activation_bytes(
                    facts, rng, last, mbt, seqs, layout.tp, act_b
                )[0]
            act = s.activation_bytes if s.activation_bytes is not None else stage_act[pp_stage]
            nt = s.non_torch_bytes if s.non_torch_bytes is not None else non_torch_bytes(layout)
            graphs = 0 if s.enforce_eager else (
                s.cuda_graph_bytes if s.cuda_graph_bytes is not None else cuda_graph_bytes(len(rng))
            )
            kv = budget - w - act - nt - (graphs if subtract_graphs else 0)
        blocks = max(0, kv) // stage.bytes_per_block if stage else 0
        ranks.append(RankMemory.model_construct(
            rank=rank, node=node_index, gpu_index=gpu_index, tp_rank=tp_rank, pp_stage=pp_stage,
            layers=(rng.start, rng.stop), total_bytes=total, used_by_others_bytes=used,
            budget_bytes=budget, weights_bytes=w, activation_bytes=act, non_torch_bytes=nt,
            cuda_graph_bytes=graphs, kv_cache_bytes=kv, free_bytes=max(0, total - budget - used),
            num_blocks=blocks, kv_bytes_per_token=stage.kv_bytes_per_token if stage else 0,
        ))
        if total - used < budget and not s.kv_cache_memory_bytes:
            msg = (
                f"Free memory on device cuda:{gpu_index} ({_gib(total - used)}/{_gib(total)}) on "
                f"startup is less than desired GPU memory utilization "
                f"({s.gpu_memory_utilization:g}, {_gib(budget)}). Decrease GPU memory "
                "utilization or reduce GPU memory used by other processes."
            )
            if msg not in errors:
                errors.append(msg)
    binding = min(ranks, key=lambda r: (r.num_blocks, r.kv_cache_bytes))
    num_blocks = binding.num_blocks
    bind_stage = stages[binding.pp_stage][1]
    kv_stages = [st for _, st in stages if st is not None]

    # concurrency and tokens
    per_request = max(blocks_per_request(st, max_model_len, mbt) for st in kv_stages)
    concurrency = num_blocks / per_request if per_request else 0.0
    if version >= TOKENS_FROM_CONCURRENCY_FROM:
        tokens = int(concurrency * max_model_len)
        tokens_formula = f"int({concurrency:.2f} x {max_model_len:,}) = {tokens:,} tokens"
    else:
        tokens = num_blocks // bind_stage.num_groups * bind_stage.block_tokens
        tokens_formula = (
            f"{num_blocks:,} blocks // {bind_stage.num_groups} groups x "
            f"{bind_stage.block_tokens} tokens = {tokens:,} tokens"
        )
    pools = {}
    for r in ranks:
        st = stages[r.pp_stage][1]
        if st is not None:
            pools[r.pp_stage] = min(pools.get(r.pp_stage, r.kv_cache_bytes), r.kv_cache_bytes)
    ceiling_stages = [(stages[p][1], pool) for p, pool in pools.items()]
    ceiling = _ceiling(ceiling_stages, kv_b, layout.tp, mbt, num_blocks) if num_blocks else 0

    # verdict, in vLLM's words
    weights_total = sum(w.total_bytes for w in weights[: layout.tp * layout.pp])
    if any(r.weights_bytes > r.budget_bytes for r in ranks):
        errors.append(
            f"The weights alone ({_gib(binding.weights_bytes)} per GPU) do not fit the budget "
            f"({_gib(binding.budget_bytes)} = {s.gpu_memory_utilization:g} x "
            f"{_gib(binding.total_bytes)}); vLLM runs out of memory while loading the model."
        )
    elif binding.kv_cache_bytes <= 0:
        errors.append(
            "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
            "when initializing the engine."
        )
    else:
        need = max(request_bytes(st, max_model_len, kv_b, layout.tp, mbt) for st in kv_stages)
        if ceiling < max_model_len:
            estimate = f" Based on the available memory, the estimated maximum model length is " \
                f"{ceiling}." if ceiling else ""
            errors.append(
                f"To serve at least one request with the model's max seq len ({max_model_len}), "
                f"({_gib(need)} KV cache is needed, which is larger than the available KV cache "
                f"memory ({_gib(binding.kv_cache_bytes)}).{estimate} Try increasing "
                "`gpu_memory_utilization` or decreasing `max_model_len` when initializing the "
                "engine."
            )
    native = spec.max_position_embeddings
    if max_model_len > native:
        warnings.append(
            f"max_model_len {max_model_len:,} exceeds the model's max_position_embeddings "
            f"{native:,}; vLLM refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (or rope scaling)."
        )
    if version < GRAPHS_SUBTRACTED_FROM and not s.enforce_eager:
        warnings.append(
            f"vLLM {s.vllm_version} does not subtract CUDA graph memory "
            f"(~{_gib(binding.cuda_graph_bytes)} per GPU) from the KV budget; it is taken "
            "after the KV cache is allocated, from the memory left outside the utilization."
        )
    if gpu.unified_memory:
        warnings.append(
            f"{gpu.name} has unified memory: vLLM takes free memory from host RAM "
            "(psutil available), so other processes on the host shrink the budget."
        )
    fits = not errors
    if fits:
        verdict = (
            f"Fits: {num_blocks:,} blocks = {tokens:,} KV tokens per replica, "
            f"{concurrency:.2f} concurrent requests at {max_model_len:,} tokens; "
            f"one request can reach {ceiling:,} tokens."
        )
    else:
        verdict = "Does not fit: " + errors[-1] if errors else "Does not fit."

    terms = _terms(
        spec, layout, s, binding, bind_stage, kv_b, act_b, mbt, seqs, num_blocks, per_request,
        concurrency, tokens_formula, tokens, ceiling, max_model_len, subtract_graphs, facts,
        stages,
    )
    return Plan.model_construct(
        model_name=spec.name or spec.model_type,
        layout=layout,
        engine=s,
        gpu_name=gpu.name,
        gpus_used=layout.gpus,
        params_total=params_total,
        params_active=params_active,
        weights_bytes_total=weights_total,
        weights_bytes_per_gpu=max(r.weights_bytes for r in ranks),
        kv_bytes_per_token=_cached(spec, ("kv", kv_b), lambda: kv_bytes_per_token(spec, kv_b)),
        kv_bytes_per_token_per_gpu=binding.kv_bytes_per_token,
        activation_bytes_per_gpu=binding.activation_bytes,
        non_torch_bytes_per_gpu=binding.non_torch_bytes,
        cuda_graph_bytes_per_gpu=binding.cuda_graph_bytes,
        kv_cache_bytes_per_gpu=binding.kv_cache_bytes,
        num_gpu_blocks=num_blocks,
        block_size=bind_stage.block_tokens if bind_stage else s.block_size,
        kv_cache_tokens=tokens,
        max_concurrency=concurrency,
        max_context_tokens=ceiling,
        max_model_len=max_model_len,
        max_num_batched_tokens=mbt,
        max_num_seqs=seqs,
        fits=fits,
        verdict=verdict,
        warnings=warnings,
        errors=errors,
        per_gpu=ranks,
        binding_rank=binding.rank,
        terms=terms,
        vllm_command=_vllm_command(spec, layout, s, max_model_len, mbt, seqs),
    )


def _term(key: str, label: str, value: float, unit: str, formula: str, note: str = "") -> Term:
    return Term.model_construct(
        key=key, label=label, value=value, unit=unit, formula=formula, inputs={}, note=note
    )


def _terms(
    spec, layout, s, r, stage, kv_b, act_b, mbt, seqs, num_blocks, per_request, concurrency,
    tokens_formula, tokens, ceiling, max_model_len, subtract_graphs, facts, stages,
) -> list[Term]:
    """Every figure of the binding rank with its formula and real numbers."""
    kinds = stage.kinds if stage else ()
    per_token = " + ".join(f"{n} layers x [{kv.formula(kv_b, layout.tp)}]" for kv, n in kinds)
    graphs_note = "subtracted" if subtract_graphs else "reported, not subtracted (vLLM < 0.21)"
    act_formula = activation_bytes(
        facts, stages[r.pp_stage][0], r.pp_stage == layout.pp - 1, mbt, seqs, layout.tp, act_b
    )[1]
    kv_formula = (
        f"{_gib(r.budget_bytes)} - {_gib(r.weights_bytes)} weights - "
        f"{_gib(r.activation_bytes)} activation - {_gib(r.non_torch_bytes)} non-torch"
        + (f" - {_gib(r.cuda_graph_bytes)} CUDA graphs" if subtract_graphs else "")
        + f" = {_gib(r.kv_cache_bytes)}"
    )
    if s.kv_cache_memory_bytes:
        kv_formula = f"--kv-cache-memory {s.kv_cache_memory_bytes:,} B (profiling skipped)"
    return [
        _term("budget", "Budget (total x utilization)", r.budget_bytes, "B",
              f"ceil({_gib(r.total_bytes)} x {s.gpu_memory_utilization:g}) = "
              f"{_gib(r.budget_bytes)}", "gpu_memory_utilization is a fraction of TOTAL memory"),
        _term("weights", "Weights on the binding GPU", r.weights_bytes, "B",
              f"{_gib(r.weights_bytes)} (stage {r.pp_stage}, TP rank {r.tp_rank}, layers "
              f"{r.layers[0]}-{r.layers[1] - 1})"),
        _term("activation", "Profile-run activation peak", r.activation_bytes, "B", act_formula,
              "least-squares fit on vLLM v0.19 H100 start-ups (see planner.engine)"),
        _term("non_torch", "Non-torch memory (CUDA context, NCCL)", r.non_torch_bytes, "B",
              f"{_gib(r.non_torch_bytes)} at TP={layout.tp}, PP={layout.pp}"),
        _term("cuda_graphs", "CUDA graphs", r.cuda_graph_bytes, "B",
              f"0.496 GiB + 0.0123 GiB x {r.layers[1] - r.layers[0]} layers = "
              f"{_gib(r.cuda_graph_bytes)}", graphs_note),
        _term("kv_cache", "KV cache pool per GPU", r.kv_cache_bytes, "B", kv_formula),
        _term("kv_bytes_per_token_per_gpu", "KV bytes per token per GPU", r.kv_bytes_per_token,
              "B", f"{per_token} = {r.kv_bytes_per_token:,} B"),
        _term("bytes_per_block", "Bytes per block", stage.bytes_per_block if stage else 0, "B",
              f"{stage.group_size} layers per group x {stage.page_bytes:,} B page "
              f"({stage.block_tokens} tokens) = {stage.bytes_per_block:,} B" if stage else "-"),
        _term("num_blocks", "KV blocks (smallest rank)", num_blocks, "blocks",
              f"{_gib(r.kv_cache_bytes)} // {stage.bytes_per_block:,} B = {num_blocks:,}"
              if stage else "-"),
        _term("kv_cache_tokens", "KV cache tokens", tokens, "tokens", tokens_formula),
        _term("max_concurrency", "Max concurrency at max_model_len", concurrency, "requests",
              f"{num_blocks:,} blocks / {per_request:,} blocks per {max_model_len:,}-token "
              f"request = {concurrency:.2f}"),
        _term("max_context_tokens", "Longest request that fits", ceiling, "tokens",
              f"largest max_model_len whose per-layer need fits {_gib(r.kv_cache_bytes)} "
              f"minus one block = {ceiling:,} tokens"),
    ]
