"""One layout's facts under a Resolved (cached), and setup(), where plans start."""

from itertools import chain
from operator import itemgetter

from planner.memo import IdentityMemo, alike_kinds, distinct_objects, first_places
from planner.model.attention import cdiv
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.all2all import all2all_notes, no_ep_dispatch_refusal, runs_all2all
from planner.serving.eagle_window import draft_rank_bytes
from planner.serving.engine import EngineSettings, StageKv, sparse_mla_kv
from planner.serving.eplb import (
    EXPERT_BUFFER_FROM,
    draft_state_sized,
    eplb_state_bytes,
)
from planner.serving.eplb import (
    layout_refusal as eplb_layout_refusal,
)
from planner.serving.hardware import ClusterSpec
from planner.serving.layout import (
    ParallelLayout,
    first_moe,
    layout_key,
    layout_warnings,
    pp_layer_split,
)
from planner.serving.lora.coverage import lora_refusal
from planner.serving.lora.deepseek_mla import kv_b_prefill_only_warnings
from planner.serving.lora.expert_formats import marlin_lora_layout_refusal, run_time_quantization
from planner.serving.lora.mamba import fully_sharded_refusal as mamba_fully_sharded_refusal
from planner.serving.lora.moe import (
    fully_sharded_tp,
    moe_layout_refusal,
    rank_experts,
    shared_expert_stream_warnings,
)
from planner.serving.lora.settings import LoraSettings, fully_sharded_refusal, slot_dtype_bytes
from planner.serving.lora.slots import stage_lora_bytes
from planner.serving.lora.tower import tower_refusal
from planner.serving.mm_modes import encoder_data_parallel, served_towers, tower_lora
from planner.serving.mm_processor import processor_spec
from planner.serving.moe_backend import runs_flydsl
from planner.serving.mtp import draft_builds_embed, draft_own_heads
from planner.serving.plan import shared
from planner.serving.plan.cluster import rank_position
from planner.serving.plan.derive import resolve
from planner.serving.plan.facts import LayoutFacts, Refused, Resolved, Setup
from planner.serving.plan.fit import full_request
from planner.serving.plan.moe import (
    all2all_taken,
    b12x_width,
    draft_moe,
    eplb_notes,
    layout_load,
    redundant_experts,
)
from planner.serving.plan.notes import (
    assumed_link_warnings,
    bridge_warnings,
    cross_node_tp_warnings,
    ray_order_warnings,
)
from planner.serving.plan.refusals import (
    align_block_error,
    busy_errors,
    empty_stage_errors,
    kv_sharing_errors,
    node_gpu_errors,
    node_quant_errors,
    page_size_errors,
    wna16_backend_errors,
)
from planner.serving.plan.shared import cached, spec_params
from planner.serving.processor_order import processor_order_spec
from planner.serving.startup.fp8_block import fp8_block_refusal
from planner.serving.startup.model_config import qk_norm_gather_refusal
from planner.serving.startup.stored_gate import stored_gate_warnings
from planner.serving.startup.w4afp8 import w4afp8_shape_refusal
from planner.serving.startup.wna16_shapes import marlin_shape_findings
from planner.serving.tie import served_spec
from planner.serving.vllm_cli import vllm_cli
from planner.serving.vllm_versions import (
    LayoutRefused,
    Version,
    parse_version,
    vllm_rules,
    window_batched_tokens,
)
from planner.serving.weights import (
    WeightLoadRules,
    WeightTerms,
    deepstack_buffer_bytes,
    rank_totals,
    rank_weights,
    sparse_mla_buffer_bytes,
    stage_kinds,
    vision_every_stage,
)


def setup(
    spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout, s: EngineSettings
) -> Setup:
    """Resolve the settings vLLM would derive and fetch the per-model prepared facts, for the
    model as the release builds it (tie.served_spec), reads its processor files
    (processor_order.processor_order_spec), its processor sizes its images
    (mm_processor.processor_spec) and the flags leave its towers (mm_modes.served_towers)."""
    spec = served_towers(processor_spec(processor_order_spec(
        served_spec(spec, s.vllm_version), parse_version(s.vllm_version)), s), s)
    r = resolve(spec, cluster, s, layout)
    if r.ep_refusal and layout.ep_size > 1:
        raise LayoutRefused(r.ep_refusal)
    if r.tp_refusal and layout.tp > 1:
        raise LayoutRefused(r.tp_refusal)
    key = layout_key(layout)
    facts = _LAYOUT_FACTS.get(spec, (id(r), *key), _layout_facts, spec, cluster, layout, s, r)
    if isinstance(facts, Refused):
        raise LayoutRefused(facts.message)
    return Setup(spec, cluster, layout, s, key, facts)


def _marlin_shape(spec: ModelSpec, r: Resolved, tp: int) -> tuple[tuple[str, ...], ...]:
    """wna16_shapes.marlin_shape_findings at this TP (refusal, warnings), cached per spec."""
    served, version, gpu = r.linear_ask
    key = ("marlin-shape", r.scheme.memo_key, tp, served, version, gpu.key,
           gpu.compute_capability, gpu.vendor, r.load.gdn_ba_whole)
    return cached(spec, key, marlin_shape_findings, spec, r.scheme, tp, served, version, gpu,
                  r.load.gdn_ba_whole)


_LAYOUT_FACTS: IdentityMemo[LayoutFacts | Refused] = IdentityMemo(16384)
"""LayoutFacts (or Refused) by spec, Resolved (its id: each entry holds it) and layout. A
Resolved is one per model, cluster, settings value and engine (resolve), so a rerun's sweep
finds its layouts' and another engine does not. 16,384: a sweep over 4,096 GPUs plans 8,622
(Llama 3.1 405B, 512 nodes x 8 H100); at 4,096 the memo cleared itself mid-sweep and every
row's speed worked its layout's facts out again."""


def _layout_facts(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                  s: EngineSettings, r: Resolved) -> LayoutFacts | Refused:
    """Work out what setup caches (each fact from its own cache: the weights per weight
    format, the KV layout, the request's need and the warnings shared across formats), or
    the refusal of a layout vLLM does not start."""
    narrow, marlin_warnings = _marlin_shape(spec, r, layout.tp)
    width = b12x_width(spec, layout, s)
    # the release's rules and flags, once for this layout's refusals and checks
    rules, cli = vllm_rules(s.vllm_version), vllm_cli(s.vllm_version)
    version = rules.version
    redundant = redundant_experts(spec, s, layout)
    lora = sized_lora(spec, s, r.vision_first_stage_only)
    refusal = narrow[0] if narrow else width[1] if width and width[0] else \
        qk_norm_gather_refusal(spec, layout.tp, version, r.transformers_backend) \
        or no_ep_dispatch_refusal(s.all2all_backend if all2all_taken(s) else None, version,
                                  layout.dp, layout.ep, spec.is_moe) \
        or w4afp8_shape_refusal(spec, r.scheme, layout.expert_tp, version) \
        or (fp8_block_refusal(spec, r.scheme, layout, version,  # LoRA: no padded FP8 shard
                              None if s.enable_lora else s.moe_backend)
            if cli.serves(spec.architectures) else None) \
        or (eplb_layout_refusal(True, layout.ep, layout.tp, layout.dp,
                                moe.num_experts if (moe := first_moe(spec)) else 0, redundant,
                                version) if s.enable_eplb else None) \
        or (moe_layout_refusal(spec, layout.tp, layout.ep_size, version, s.all2all_backend,
                               lora.fully_sharded, s.enable_eplb)
            or fully_sharded_refusal(lora, spec, layout.tp, fully_sharded_tp(
                layout.tp, layout.expert_tp, version) if first_moe(spec) else None)
            or (mamba_fully_sharded_refusal(spec, layout.tp, version)
                if lora.fully_sharded else None)
            or tower_refusal(spec, lora.tower, 1 if lora.tower_data_parallel else layout.tp,
                             lora.fully_sharded)
            or marlin_lora_layout_refusal(spec, layout, r.scheme, s.vllm_version,
                                          cluster.vendor)
            if lora else None)
    if refusal:
        return Refused(r, refusal)
    load = layout_load(spec, s, r, layout)
    eplb = _eplb_release(spec, s, layout)
    terms, lora_kinds = _terms_and_lora_kinds(spec, s, r, layout, load, eplb)
    # (shared by the KV dtypes' plans, as the terms are)
    holdings = _rank_holdings(spec, r, layout, eplb, lora_kinds)
    kv_b = sparse_mla_kv(spec, s, r.kv_plain, r.compute_capability, layout.tp)
    stages = shared.ENGINE.stage_layouts(r.facts, layout, r.block_size, kv_b, r.fa4_fp8_hd512,
                                  r.states, r.kv_grouping[0], r.kv_grouping[2])
    too_wide = align_block_error(stages, r, rules.label)
    if too_wide:
        return Refused(r, too_wide)
    # no MoE WNA16 fallback to warn of (the note)
    flydsl = runs_flydsl(spec, r.scheme, s.moe_backend, version, r.compute_capability)
    warnings = (*(() if flydsl else layout_warnings(spec, layout, r.scheme, s.vllm_version,
                                                    cluster.vendor, r.compute_capability)),
                *marlin_warnings,
                *stored_gate_warnings(spec, r.scheme, version),
                *r.gpu_notes, *bridge_warnings(cluster, layout.tp),
                *assumed_link_warnings(cluster, layout),
                *cross_node_tp_warnings(layout, r),
                *ray_order_warnings(cluster, layout, s, r),
                *(width[1:] if width else ()),
                *(all2all_notes(s.all2all_backend, version, layout.dp, layout.ep, spec.is_moe,
                                s.max_num_batched_tokens is not None)
                  if all2all_taken(s) else ()),
                *eplb_notes(spec, layout, s, redundant, version),
                *((*shared_expert_stream_warnings(spec, lora.fully_sharded, layout.tp, version,
                                                  s.enforce_eager),
                   *kv_b_prefill_only_warnings(spec),
                   *filter(None, [tower_lora(spec, s).ignored]))
                  if lora else ()))
    # a KV-shared layer cut from its source fails at model load, before any KV sizing
    checks = (tuple(busy_errors(cluster, layout, s, r, version)
                    + node_quant_errors(spec, cluster, layout, s, r, rules, cli)
                    + node_gpu_errors(spec, cluster, layout, s, r, rules, cli)
                    + wna16_backend_errors(spec, cluster, layout, s, r, rules)),
              tuple(kv_sharing_errors(spec, stages) or empty_stage_errors(stages, version)),
              tuple(page_size_errors(stages, r, s)))
    window_mbt = window_batched_tokens(r.in_flight_window, r.runner[0], layout.pp, r.mbt)
    return LayoutFacts(r, terms, load, stages, kv_b,
                       full_request(spec, r, layout, stages, kv_b, window_mbt), window_mbt,
                       warnings, {}, _distinct_workers(
                            cluster, layout, r, terms, holdings, stages,
                            all2all_taken(s) and runs_all2all(layout.dp, layout.ep,
                                                              spec.is_moe)), checks, {})


def _eplb_release(spec: ModelSpec, s: EngineSettings, layout: ParallelLayout) -> Version | None:
    """The release EPLB's state is sized for (its tensors differ by release), None where EPLB
    does not run on this layout."""
    return vllm_rules(s.vllm_version).version if s.enable_eplb and layout.ep and spec.is_moe \
        else None


def rank_terms(spec: ModelSpec, s: EngineSettings, r: Resolved,
               layout: ParallelLayout) -> tuple[WeightTerms, ...]:
    """The weights of each (stage, TP rank) position in r.scheme (_rank_terms), cached per
    weight format and layout: the plan's, or the 16-bit model a release loads whole before
    making fp8 of it (load_peak.load_peak_errors: r with that scheme)."""
    return _terms_and_lora_kinds(spec, s, r, layout, layout_load(spec, s, r, layout),
                                 _eplb_release(spec, s, layout))[0]


def _terms_and_lora_kinds(spec: ModelSpec, s: EngineSettings, r: Resolved,
                          layout: ParallelLayout, load: WeightLoadRules, eplb: Version | None
                          ) -> tuple[tuple[WeightTerms, ...], tuple[int, ...] | None]:
    """rank_terms, with the LoRA copies' stage kinds (_with_lora; None without LoRA), sized by
    `load` (moe.layout_load of r on this layout), EPLB's state for release `eplb`
    (_eplb_release: None without EPLB on this layout)."""
    redundant = redundant_experts(spec, s, layout)
    draft = draft_moe(spec, s) if eplb and draft_state_sized(spec.model_type, eplb) else None
    own_heads = bool(r.states.draft_kv_layers) and draft_own_heads(spec, s.vllm_version)
    own_embed = bool(r.states.draft_kv_layers) and draft_builds_embed(spec, s.vllm_version)
    lora = sized_lora(spec, s, r.vision_first_stage_only)
    key = ("weights", r.scheme.memo_key, *layout_key(layout), r.act_b, r.expert_pad,
           r.states.draft_kv_layers, own_heads, own_embed,
           # the batched tokens where buffers are sized by them (the sparse-MLA and
           # Qwen3-VL deepstack buffers: weights.rank_weights)
           r.mbt if spec.compressed_attention or sparse_mla_buffer_bytes(spec, 1)
           or deepstack_buffer_bytes(spec, 1, 1) else 0,
           r.vision_first_stage_only,
           load, r.siglip_head, r.tower_whole, r.tower_dropped, r.transformers_backend,
           redundant, eplb,
           draft is not None, s.speculative_draft)
    terms = with_eagle_draft(
        cached(spec, key, _rank_terms, spec, r, layout, load, own_heads, own_embed, redundant,
               eplb, draft), spec, s, r, layout)
    if lora is None:
        return terms, None
    tower_len = r.max_model_len if lora.tower else 0  # (the tower's Punica buffers read it)
    return cached(spec, ("lora", *key, lora, r.mbt, r.seqs, tower_len), _with_lora, spec, r,
                  layout, terms, lora, eplb, tower_len)


def with_eagle_draft(terms: tuple[WeightTerms, ...], spec: ModelSpec, s: EngineSettings,
                     r: Resolved, layout: ParallelLayout) -> tuple[WeightTerms, ...]:
    """`terms` with an EAGLE-3 drafter's weights on each GPU of the last stage
    (eagle_window.draft_rank_bytes in the served dtype, its rotary cache with them: vLLM
    builds the drafter there only), as they are without one."""
    draft = s.speculative_draft
    if draft is None:
        return terms
    added = draft_rank_bytes(draft, spec, s.vllm_version, r.max_model_len, layout.tp,
                             layout.pp, r.act_b).total
    last = (layout.pp - 1) * layout.tp
    return terms[:last] + tuple(t.model_copy(update={"eagle_draft_bytes": added})
                                for t in terms[last:])


def sized_lora(spec: ModelSpec, s: EngineSettings, vision_first_stage_only: bool
               ) -> LoraSettings | None:
    """The LoRA flags whose slots the weights hold: None without --enable-lora, or where the
    release or the model is refused (lora.coverage.lora_refusal: the plan says so,
    plan.refusals.lora_refusals). The tower's slots sit on every stage where the tower does
    (weights.vision_every_stage of `vision_first_stage_only`)."""
    if not s.enable_lora:  # (every plan asks: no release lookup without the flag)
        return None
    rules = vllm_rules(s.vllm_version)
    quantization = run_time_quantization(s.quantization, s.target_quant)
    # once per model and settings: the refusal reads every layer, and every plan asks twice
    # (17,244 times in a 4,096-GPU sweep of Llama 3.1 405B)
    if cached(spec, ("lora-refusal", rules.version, rules.label, quantization, s.moe_backend),
              lora_refusal, spec, rules.version, rules.label, quantization, s.moe_backend):
        return None
    tower = tower_lora(spec, s).wrapped
    return LoraSettings(s.max_loras, s.max_lora_rank, s.fully_sharded_loras, rules.version,
                        s.specialize_active_lora, s.lora_dtype, tower,
                        tower and vision_every_stage(spec, vision_first_stage_only),
                        tower and encoder_data_parallel(spec, s, rules.version))


def _with_lora(spec: ModelSpec, r: Resolved, layout: ParallelLayout,
               terms: tuple[WeightTerms, ...], lora: LoraSettings, eplb: Version | None,
               tower_len: int) -> tuple[tuple[WeightTerms, ...], tuple[int, ...]]:
    """`terms` with each (stage, TP rank) position's LoRA bytes (lora.slots.stage_lora_bytes: the
    slots in lora_dtype (auto: the served dtype), its stage's embedding and lm_head included),
    and per PP stage the index of its kind: the stages whose ranks hold the same copies are
    one kind (_rank_holdings; worked out here once, not once per KV dtype's plan).
    `eplb`: the release EPLB's state in `terms` is sized for (_rank_holdings without LoRA
    reads it: per stage, the kind of the weight objects its ranks hold in `terms`);
    `tower_len`: max_model_len with the tower's LoRA (its Punica buffers read it:
    lora.punica.tower_punica_bytes), else 0."""
    # a stage's TP ranks hold the same slots but for their experts under EP (rank_experts):
    # sized once per layout, for every weight format (they read the served dtype, not it)
    elem = slot_dtype_bytes(lora, r.act_b)
    lora_of_stage, lora_rows = cached(
        spec, ("lora-bytes", *layout_key(layout), lora, elem, r.mbt, r.seqs, tower_len),
        _stage_lora_bytes, spec, layout, lora, elem, r.mbt, r.seqs, tower_len)
    # stages of one weight kind and one kind of LoRA bytes hold the same copies: each such
    # kind's ranks copied from its first stage, one copy per terms object and LoRA bytes (a
    # step per position was 3.2 million in a 4,096-GPU sweep of Llama 3.1 405B, ~0.9 s)
    kind_of_stage, firsts = alike_kinds(zip(_rank_holdings(spec, r, layout, eplb, None),
                                            lora_of_stage, strict=True))
    copies: dict[tuple[int, int], WeightTerms] = {}
    rows: list[tuple[WeightTerms, ...]] = []
    for stage in firsts:  # (a Python step per distinct rank of a kind, not per rank)
        held = terms[stage * layout.tp:(stage + 1) * layout.tp]
        keys = tuple(zip(map(id, held), lora_rows[lora_of_stage[stage]], strict=True))
        for key, w in dict(zip(keys, held, strict=True)).items():
            if key not in copies:
                copies[key] = w.model_copy(update={"lora_bytes": key[1]})
        rows.append(tuple(map(copies.__getitem__, keys)))
    # kinds whose ranks hold the same copies are one (weight kinds may share objects)
    number = alike_kinds(tuple(map(id, row)) for row in rows)[0]
    return (tuple(chain.from_iterable(map(rows.__getitem__, kind_of_stage))),
            tuple(map(number.__getitem__, kind_of_stage)))


def _stage_lora_bytes(spec: ModelSpec, layout: ParallelLayout, lora: LoraSettings,
                      dtype_bytes: int, max_num_batched_tokens: int, max_num_seqs: int,
                      max_model_len: int
                      ) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """(per PP stage, the index of its kind; per kind, its TP ranks' LoRA bytes in rank order:
    lora.slots.stage_lora_bytes), each stage sized once per kind of expert slots its ranks hold.

    A stage's bytes are kept per model and settings (a dict in plan.shared's cache, not an
    entry each, which would clear it mid-sweep), as a sweep's layouts of one TP and expert
    slots share layer ranges: a 4,096-GPU sweep sizes 51,470 stages of 5,481 kinds for Llama
    3.1 405B, 451,629 of 66,099 for Qwen3-235B-A22B (its EP ranks hold their own experts)."""
    known: dict[tuple, int] = cached(
        spec, ("lora-stages", lora, dtype_bytes, max_num_batched_tokens, max_num_seqs,
               max_model_len), dict)
    experts = [rank_experts(layout, rank) for rank in range(layout.tp)]
    kinds = set(experts)
    rows = []
    for stage, layers in enumerate(pp_layer_split(spec.num_layers, layout.pp)):
        sized = {}
        for slots in kinds:
            key = (layers, stage == 0, stage == layout.pp - 1, layout.tp, slots)
            if key not in known:
                known[key] = stage_lora_bytes(spec, layers, *key[1:4], lora, dtype_bytes,
                                              max_num_batched_tokens, max_num_seqs, slots,
                                              max_model_len)
            sized[slots] = known[key]
        rows.append(tuple(map(sized.__getitem__, experts)))
    of_stage, firsts = alike_kinds(rows)
    return of_stage, tuple(map(rows.__getitem__, firsts))


def _rank_terms(spec: ModelSpec, r: Resolved, layout: ParallelLayout, load: WeightLoadRules,
                own_heads: bool, own_embed: bool, redundant: int = 0,
                eplb: Version | None = None, draft: MoeMlp | None = None
                ) -> tuple[WeightTerms, ...]:
    """The weights of each (stage, TP rank) position by component, in rank order (setup
    caches them per weight format and layout), as this release loads them on this layout
    (`load`: r.load with the MoE WNA16 experts' bits), with `redundant` EPLB experts per MoE layer
    (_redundant_experts) and, where EPLB runs under release `eplb`, its state in the buffers:
    the expert maps and load statistics (eplb.eplb_state_bytes) and its expert transfer
    buffer (weights.eplb_buffer_bytes, from eplb.EXPERT_BUFFER_FROM); with `draft` (the MTP
    draft's routed experts, where eplb.draft_state_sized) the draft's own on the last stage:
    its maps and statistics over its MoE layers and its transfer buffer."""
    eplb_buffer = eplb is not None and eplb >= EXPERT_BUFFER_FROM
    terms = rank_weights(spec, r.scheme, layout, spec_params(spec), served_dtype_bytes=r.act_b,
                        expert_pad=r.expert_pad, mtp_layers=r.states.draft_kv_layers,
                        mtp_own_heads=own_heads, mtp_own_embed=own_embed,
                        max_num_batched_tokens=r.mbt,
                        vision_first_stage_only=r.vision_first_stage_only,
                        siglip_head=r.siglip_head, tower_whole=r.tower_whole,
                        tower_dropped=r.tower_dropped,
                        transformers_backend=r.transformers_backend,
                        rules=load._replace(redundant_experts=redundant,
                                            eplb_expert_buffer=eplb_buffer,
                                            eplb_draft_buffer=eplb_buffer and bool(draft))
                        if redundant or eplb_buffer else load)
    moe = first_moe(spec)
    if eplb is None or moe is None:
        return terms
    stages = pp_layer_split(spec.num_layers, layout.pp)
    drafted = eplb_state_bytes(spec.mtp_layers, draft.num_experts, redundant, layout.ep_size,
                               eplb)[0] if draft else 0
    return tuple(w.model_copy(update={"buffers_bytes": w.buffers_bytes + eplb_state_bytes(
        sum(isinstance(spec.layers[i].mlp, MoeMlp) for i in stages[index // layout.tp]),
        moe.num_experts, redundant, layout.ep_size, eplb)[0]
        + (drafted if index // layout.tp == layout.pp - 1 else 0)})
        for index, w in enumerate(terms))


def _rank_holdings(spec: ModelSpec, r: Resolved, layout: ParallelLayout,
                   eplb: Version | None, lora_kinds: tuple[int, ...] | None
                   ) -> tuple[int, ...]:
    """Per PP stage, the index of the kind of the weight objects its TP ranks hold in
    _rank_terms(..., eplb=`eplb`) (_distinct_workers' `holdings`): rank_weights' stage kinds
    (weights.stage_kinds: one kind's ranks hold the same objects), or each stage its own
    where _rank_terms copies every rank's terms to add EPLB's state; with the LoRA slots
    `lora_kinds` (_with_lora: the stages whose ranks hold the same copies are one kind)."""
    if lora_kinds is not None:
        return lora_kinds
    if eplb is not None and first_moe(spec) is not None:
        return tuple(range(layout.pp))
    return stage_kinds(spec, r.scheme, spec_params(spec), layout.pp)[0]


def _distinct_workers(cluster: ClusterSpec, layout: ParallelLayout, r: Resolved,
                      terms: tuple[WeightTerms, ...], holdings: tuple[int, ...],
                      stages: tuple[tuple[range, StageKv | None], ...], own_nodes: bool
                      ) -> tuple[tuple[int, int, int, str], ...]:
    """(PP stage, weight bytes, GPU total, GPU compute capability) of each distinct worker,
    stage by stage, of the first stage of each kind: the workers summary_figures sizes
    (LayoutFacts.workers).

    A stage is another's kind where its TP ranks hold the same weight objects (rank_weights
    gives one object to the ranks of stages alike layer for layer with the same first / last
    duties: all that the overheads read of a stage, overheads), the same StageKv object and
    the same GPUs (CUDA total and compute capability: Resolved.captures);
    `own_nodes`: the all-to-all buffer reads which nodes each stage's ranks are on
    (all2all_buffer), so every stage is its own kind. Such a stage's workers
    size alike, pool for pool, so _conclude finds the same binding worker (the first of the
    fewest blocks), pools and ceiling from the first of each kind: a deep PP split (126 stages
    of Llama 3.1 405B) sizes a few workers, not one or more per stage."""
    gpus = min(layout.gpus, r.gpu_count)
    positions = min(gpus, layout.tp * layout.pp)  # (stage, TP rank) slots that have a GPU
    totals, ccs = r.gpu_totals, tuple(r.captures)
    workers: list[tuple[int, int, int, str]] = []
    if len(totals) == len(ccs) == 1 and not own_nodes and positions == layout.tp * layout.pp:
        # every stage whole on GPUs of one size and capability: a stage's kind is its ranks'
        # weight objects (`holdings`: _rank_holdings) and its StageKv object, each kind's first
        # stage found without a Python step per stage (first_places), its ranks' weights
        # summed once each
        for pp_stage in first_places(zip(holdings, map(id, map(itemgetter(1), stages)),
                                         strict=True)):
            held = distinct_objects(terms[pp_stage * layout.tp:(pp_stage + 1) * layout.tp])
            workers += [(pp_stage, w, totals[0], ccs[0])
                        for w in dict.fromkeys(t.total_bytes for t in held)]
        return tuple(workers)
    weight_totals = rank_totals(terms)
    kinds: set[tuple] = set()
    held = tuple(map(id, terms))
    for pp_stage in range(cdiv(positions, layout.tp)):
        first, end = pp_stage * layout.tp, min(pp_stage * layout.tp + layout.tp, positions)
        stage_gpus = ((totals[0], ccs[0]),) if len(totals) == len(ccs) == 1 else sorted({
            (gpu.memory_total_bytes, gpu.compute_capability)
            for gpu in (cluster.nodes[rank_position(layout, cluster, rank)[2]].gpu
                        for rank in range(gpus)
                        if rank_position(layout, cluster, rank)[0] == pp_stage)})
        kind = (held[first:end], id(stages[pp_stage][1]), tuple(stage_gpus),
                pp_stage if own_nodes else None)
        if kind in kinds:
            continue
        kinds.add(kind)
        stage_weights = dict.fromkeys(weight_totals[first:end])
        workers += [(pp_stage, w, *gpu) for gpu in stage_gpus for w in stage_weights]
    return tuple(workers)
