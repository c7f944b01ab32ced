"""Pipeline stages: what the busiest GPU of each PP stage reads (dense weights, routed experts,
KV per token) and multiplies (parameters, attention widths), worked out once per layout.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Literal, NamedTuple

from planner.memo import IdentityMemo, alike_kinds, distinct_objects, first_alike
from planner.model.attention import KvLayer, model_kv_layers
from planner.model.attention.compressed import DSV4_TOKEN_BYTES, DeepseekV4Kv
from planner.model.attention.kvformat import KvBytes
from planner.model.attention.sliding import SlidingWindowKv
from planner.model.params import LayerParams, ParamBreakdown
from planner.model.quant import QuantScheme
from planner.model.spec import AttentionMixer, MlaMixer, ModelSpec, MoeMlp
from planner.serving.engine import DEFAULT_STATE_RULES, StateRules, state_dtyped
from planner.serving.layout import ParallelLayout, pp_layer_split
from planner.serving.plan import PlanRequest, param_breakdown
from planner.serving.speed.kernels import FA3_MAX_HEAD_DIM
from planner.serving.weights import (
    WeightLoadRules,
    WeightTerms,
    expert_padding_factor,
    layer_kinds,
    mla_kv_b_decode_unread_bytes,
    rank_dense_params,
    rank_weights,
    stage_kinds,
    tied_head_bytes,
)
from planner.serving.weights_dsv4 import dsv4_hc_head_bytes


@dataclass(frozen=True)
class AttnGroup:
    """Attention layers of one stage whose queries see at most `span` tokens (None: the whole
    causal context; a sliding window; a sparse-attention top-k) and whose heads are, or are
    not, `wide`, summed over the layers."""

    span: int | None
    wide: bool  # heads wider than kernels.FA3_MAX_HEAD_DIM (kernels.wide_head_attention_share)
    width_decode: int  # heads per rank x (qk + v dims), decode form (MLA absorbed)
    width_prefill: int  # the same in prefill form (MLA decompressed per head)
    heads: int  # query heads per rank: one softmax exponential per head per key
    # DeepSeek-V4: besides its window (span), a query meets one compressed entry every
    # `compress_ratio` tokens (0: none), at most `compressed_topk` of them (0: all)
    compress_ratio: int = 0
    compressed_topk: int = 0

    def keys(self, context: float) -> float:
        """The keys one query of a sequence of `context` tokens meets in one of these
        layers: the context, capped by the span, + its compressed entries."""
        span = context if self.span is None else min(context, self.span)
        return span + compressed_entries(context, self.compress_ratio, self.compressed_topk)


def compressed_entries(context: float, ratio: int, topk: int) -> float:
    """The compressed entries a DeepSeek-V4 query attends to at `context` tokens: every one of
    the context // ratio its layer holds (sparse_mla.py, C128A: num_compressed = (position +
    1) // compress_ratio, all of them its decode top-k), or the indexer's top-k of them
    (`topk`: attention.py DeepseekV4Indexer; every one while they number at most top-k,
    fill_short_context_topk_indices); 0 where the layer compresses nothing (ratio 0)."""
    if not ratio:
        return 0
    held = context // ratio
    return min(held, topk) if topk else held


# When DeepSeek-V4's indexer scores a 1:4 layer's keys (speed.step.indexer_skip): whenever
# it runs ("never" skipped), not while the entries number at most top-k ("short"), or not at
# all ("always" skipped: the top-k filled with the first entries)
IndexerSkip = Literal["never", "short", "always"]


class CompressedRead(NamedTuple):
    """One DeepSeek-V4 layer that compresses its KV, as a decode step reads it (flashmla.py
    _forward_decode: FlashMLA's extra_k_cache at the top-k indices; attention.py
    DeepseekV4Indexer)."""

    ratio: int  # one compressed entry every `ratio` tokens
    topk: int  # the indexer's top-k (0: no indexer, every entry read)
    entry_bytes: int  # one compressed entry (compressed.DSV4_TOKEN_BYTES, fp8_ds_mla)
    index_key_bytes: int  # one indexer key: fp8 index_head_dim + a float32 scale per 128
    index_width: int  # indexer heads x index_head_dim (ReplicatedLinear: whole on every rank)

    def index_keys(self, context: float, skip: IndexerSkip) -> float:
        """The indexer keys one query scores at `context` tokens: every compressed entry's
        (context // ratio); none without an indexer, nor where the step skips it (`skip`:
        speed.step.indexer_skip): always, or while the entries number at most top-k."""
        held = context // self.ratio
        skipped = skip == "always" or (skip == "short" and held <= self.topk)
        return held if self.topk and not skipped else 0

    def read_bytes(self, context: float, skip: IndexerSkip) -> float:
        """Bytes one sequence's query reads: its compressed entries at entry_bytes, + the
        indexer keys it scores at index_key_bytes."""
        return (compressed_entries(context, self.ratio, self.topk) * self.entry_bytes
                + self.index_keys(context, skip) * self.index_key_bytes)


@dataclass(frozen=True)
class Stage:
    """What one GPU of one pipeline stage reads and computes (the slowest rank of the stage)."""

    layers: int
    dense_bytes: int  # weights read every step: attention, dense MLP, shared experts, lm_head
    expert_bytes: int  # routed experts held by this rank
    dense_params: float  # parameters per rank every token multiplies (excl. routed experts)
    # the part of dense_params that is the MoE routers' gates (hidden x experts a layer,
    # whole on every rank)
    router_params: float
    lm_head_params: float  # the part of dense_params that is the lm_head (last stage only)
    expert_params_per_token: float  # routed-expert parameters per token per rank (k x size)
    attention: tuple[AttnGroup, ...]  # attention layers by the tokens a query sees, head width
    sparse_layers: int  # layers with a sparse-attention indexer
    indexer_width: int  # sum over sparse layers of indexer heads x dim (replicated on TP)
    kv_bytes_per_token: int  # full-attention KV bytes per token on this rank
    window_kv: tuple[tuple[int, int], ...]  # (window, bytes per token) of sliding layers
    compressed_kv: tuple[CompressedRead, ...]  # DeepSeek-V4's compressing layers, one a layer
    state_bytes: int  # fixed recurrent state (GDN / Mamba conv + SSM) per sequence on this rank
    # (the layers, one's state_bytes formula in its dtypes: RecurrentStateKv.formula) per kind
    # of recurrent layer, the state_bytes' terms
    state_layers: tuple[tuple[int, str], ...]
    moe_layers: int  # layers with routed experts (a DP dispatch/combine happens in each)
    # the dataclass hash of the fields above, worked out once: every plan's estimate hashes
    # its stages by value (_build_stages, Context.__post_init__)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(_STAGE_VALUES(self)))

    def __hash__(self) -> int:
        return self._hash


_STAGES: IdentityMemo[tuple[Stage, ...]] = IdentityMemo(4096)
"""Per-stage bytes and parameters by (spec, weight format, layout, dtypes, the recurrent
state's dtypes: engine.state_dtype_rules). 4,096: recommend
bounds every EP family (tp x dp up to the expert count) of every format and KV dtype, and a
smaller memo cleared itself mid-search (Qwen3-30B-A3B at 1,000 req/s over 1,024 GPUs: 9.0 s
at 512 entries, 7.3 s at 4,096); entries are a few small tuples and die with their spec."""


_PARTS: IdentityMemo[object] = IdentityMemo(16384)
"""What _build_stages reads that the KV dtype does not change, by spec: each layout's rank
weights by (weight format, TP, PP, DP, EP, activation bytes, weights.WeightLoadRules), shared
by the stages of both KV dtypes, and each stage's dense parameters per TP rank by (its layers,
TP, in_proj_ba whole, fc1_latent_proj split), which no other part of the weight format nor DP
changes (rank_dense_params counts one byte per weight), and the model's KV layers
(model_kv_layers) with their recurrent state in the memory plan's dtypes (by those dtypes:
engine.state_dtyped).
Each was worked out again for every one of recommend's families (Qwen3-30B-A3B at 1,000
req/s over every preset: 2,218 stage tuples). 16,384: a sweep over 4,096 GPUs stores ~11,000
(Llama 3.1 405B), which at 4,096 cleared it mid-sweep."""


def _rank_weights(spec: ModelSpec, scheme: QuantScheme, layout: ParallelLayout,
                  params: ParamBreakdown, act_b: int,
                  load: WeightLoadRules) -> tuple[WeightTerms, ...]:
    """rank_weights at `act_b` bytes per activation element under the release's `load` rules
    (weight_load.weight_load_rules: in_proj_ba whole on every TP rank, fc1_latent_proj split, the
    gate in float32, the sparse-MLA Indexer's wk in the weight format, each where it says so),
    the routed experts padded as the memory plan holds them (its expert_pad:
    weight_load.expert_padding, MXFP4's for its kernel, 16-bit experts' TRT-LLM BF16 width; the
    kernels read the padding), without
    the zeros_freed_bits per weight of GPTQ zero points Marlin frees at load
    (weight_load.gptq_zeros_freed_bits: a step reads none), as _PARTS caches them."""
    return rank_weights(spec, scheme, layout, params, served_dtype_bytes=act_b,
                        expert_pad=load.expert_pad, rules=load)


def _stage_kinds(spec: ModelSpec, scheme: QuantScheme, params: ParamBreakdown,
                 kv_layers: tuple[KvLayer | None, ...]) -> tuple[int, ...]:
    """Per decoder layer, the first layer alike in all that _build_stages reads of it: its
    kind in rank_weights' terms (weights.layer_kinds: mixer, MLP, parameters, bits) and the
    KV layer it reads."""
    weight_kinds = layer_kinds(spec, scheme, params)
    return first_alike((kind, kv_layers[i if layer.kv_source is None else layer.kv_source])
                       for i, (kind, layer) in enumerate(zip(weight_kinds, spec.layers,
                                                             strict=True)))


def pipeline_stages(request: PlanRequest, scheme: QuantScheme, act_b: int, kv_b: KvBytes,
                    load: WeightLoadRules, states: StateRules = DEFAULT_STATE_RULES
                    ) -> tuple[Stage, ...]:
    """Per PP stage, what its busiest rank reads and multiplies (_build_stages), a hybrid's
    recurrent state in the dtypes `states` names (plan.state_dtypes: the memory plan's; the
    default, the newest releases' without a mamba dtype flag)."""
    spec, layout = request.model, request.layout
    key = (scheme.memo_key, layout.tp, layout.pp, layout.dp, layout.ep, act_b, kv_b, load,
           states)
    return _STAGES.get(spec, key, _build_stages, spec, request, scheme, act_b, kv_b, load,
                       states)


def _held_kv_layers(spec: ModelSpec, states: StateRules) -> tuple[KvLayer | None, ...]:
    """The model's KV layers (model_kv_layers) as the memory plan holds their recurrent state
    (engine.state_dtyped)."""
    return state_dtyped(model_kv_layers(spec), states)


def _build_stages(spec: ModelSpec, request: PlanRequest, scheme: QuantScheme, act_b: int,
                  kv_b: KvBytes, load: WeightLoadRules, states: StateRules
                  ) -> tuple[Stage, ...]:
    """Per PP stage: the bytes its busiest rank reads and the parameters it multiplies."""
    layout = request.layout
    params: ParamBreakdown = param_breakdown(spec)
    kv_layers = _PARTS.get(spec, ("kv_layers", states), _held_kv_layers, spec, states)
    kinds, of_stage = _PARTS.get(spec, ("stage kinds", scheme.memo_key, layout.tp, layout.pp,
                                        layout.dp, layout.ep, act_b, load, states),
                                 _stage_kinds_of_layout, spec, scheme, layout, params, act_b,
                                 load, kv_layers, states)
    # each token's routed experts are spread over tp x dp ranks: whole experts with EP,
    # every expert sliced over tp x dp without it (ParallelLayout.expert_tp)
    moe_ranks = layout.tp * layout.dp
    found = [_KIND_STAGES.get(
        spec, (scheme.memo_key, layout.tp, moe_ranks, layout.expert_tp, kv_b, load.gdn_ba_whole,
               load.latent_fc1_split, load.expert_pad, states, kind, last, w),
        _kind_stage, spec, scheme, layout.tp, moe_ranks, layout.expert_tp, params, kv_layers,
        kv_b, load, layers, last, w, states) for kind, layers, last, w in kinds]
    # equal stages as one object, so that an estimate works each out once (Context.distinct);
    # each object hashed once, not once per stage (126 of Llama 3.1 405B at PP 126)
    distinct: dict[Stage, Stage] = {}
    one = [distinct.setdefault(stage, stage) for stage in found]
    return tuple(map(one.__getitem__, of_stage))


def _stage_kinds_of_layout(spec: ModelSpec, scheme: QuantScheme, layout: ParallelLayout,
                           params: ParamBreakdown, act_b: int, load: WeightLoadRules,
                           kv_layers: tuple[KvLayer | None, ...], states: StateRules
                           ) -> tuple[tuple[tuple, ...], tuple[int, ...]]:
    """What _build_stages reads of a layout that the KV dtype does not change: (each kind of
    stage once, as (its layers' kinds, its layers, whether it is the last, its busiest rank's
    terms), and per stage the index of its kind), worked out once for both KV dtypes (`kv_layers`
in `states`' dtypes)."""
    weights = _PARTS.get(spec, ("weights", scheme.memo_key, layout.tp, layout.pp, layout.dp,
                                layout.ep, act_b, load),
                         _rank_weights, spec, scheme, layout, params, act_b, load)
    kinds = _PARTS.get(spec, ("kinds", scheme.memo_key, states), _stage_kinds, spec, scheme,
                       params, kv_layers)
    of_stage, firsts = _PARTS.get(spec, ("stage kinds", scheme.memo_key, layout.pp, states),
                                  _kinds_of_stages, spec, scheme, params, kinds, layout.pp)
    stages = pp_layer_split(spec.num_layers, layout.pp)
    found = []
    for stage in firsts:
        layers = stages[stage]
        # rank_weights repeats one object over the ranks that hold the same bytes
        # (the first busiest, as max over every rank: distinct_objects keeps their order)
        held = weights[stage * layout.tp:(stage + 1) * layout.tp]
        found.append((kinds[layers.start:layers.stop], layers, stage == layout.pp - 1,
                      max(distinct_objects(held), key=lambda t: t.total_bytes)))
    return tuple(found), of_stage


def _kinds_of_stages(spec: ModelSpec, scheme: QuantScheme, params: ParamBreakdown,
                     kinds: tuple[int, ...], pp: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(per PP stage, the index of its kind; the first stage of each kind) at this PP: a stage
    alike another kind for kind (_stage_kinds) with the same first / last duties, of the same
    kind in rank_weights' terms (weights.stage_kinds: its ranks hold the same weight objects),
    is the same Stage (Llama 3.1 405B at PP 126: three kinds, not 126 stages)."""
    weight_kinds = stage_kinds(spec, scheme, params, pp)[0]
    return alike_kinds((kinds[layers.start:layers.stop], stage == 0, stage == pp - 1,
                        weight_kinds[stage])
                       for stage, layers in enumerate(pp_layer_split(spec.num_layers, pp)))


def _layer_reads(spec: ModelSpec, kv_layers: tuple[KvLayer | None, ...], kv_b: KvBytes,
                 tp: int) -> tuple[tuple, ...]:
    """Per decoder layer at TP `tp`, what _kind_stage sums over a stage's layers: (its
    attention group (the span it reads, wider than FA3's head dim, DeepSeek-V4's compress
    ratio and top-k: 0 for none), decode and prefill widths per rank, heads per rank, its
    sparse Indexer's width (0 for none), the bytes per token per rank of the full-attention
    KV it reads (0 for none), of a sliding window's KV (its window, those bytes; None for
    none), its fixed recurrent state's bytes per sequence per rank (Gated DeltaNet / Mamba;
    0 for none: RecurrentStateKv.state_bytes, in the dtypes the memory plan holds it in:
    _held_kv_layers) and their formula (None for none), and DeepSeek-V4's compressed reads
    (_dsv4_reads; None for none)), worked out once per model, TP, KV bytes and state dtypes
    rather than per kind of stage."""
    reads = []
    for i, layer in enumerate(spec.layers):
        mixer, source = layer.mixer, layer.kv_source
        # a KV-shared layer reads its source layer's cache (Gemma 4)
        kv = kv_layers[i if source is None else source]
        sliding = isinstance(kv, SlidingWindowKv)
        span, wide, index_width = kv.sliding_window if sliding else None, False, 0
        if isinstance(mixer, AttentionMixer):
            heads = max(1, mixer.num_heads // tp)
            dec = pre = heads * (mixer.head_dim + mixer.v_head_dim)
            wide = mixer.head_dim > FA3_MAX_HEAD_DIM
        elif isinstance(mixer, MlaMixer):
            heads = max(1, mixer.num_heads // tp)
            dec = heads * (2 * mixer.kv_lora_rank + mixer.qk_rope_head_dim)
            pre = heads * (mixer.qk_nope_head_dim + mixer.qk_rope_head_dim
                           + mixer.v_head_dim)
            if mixer.index_n_heads and mixer.index_head_dim and mixer.index_topk:
                span = mixer.index_topk
                index_width = mixer.index_n_heads * mixer.index_head_dim
        else:
            heads = dec = pre = 0
        per_token = 0 if kv is None else kv.bytes_per_token(kv_b, tp)
        state = 0 if kv is None or source is not None else kv.state_bytes(tp, kv_b)
        if isinstance(kv, DeepseekV4Kv):
            reads.append(_dsv4_reads(spec, kv, wide, dec, pre, heads))
            continue
        reads.append(((span, wide, 0, 0), dec, pre, heads, index_width,
                      0 if sliding else per_token,
                      (kv.sliding_window, per_token) if sliding else None, state,
                      kv.formula(kv_b, tp) if state else None, None))
    return tuple(reads)


def _dsv4_reads(spec: ModelSpec, kv: DeepseekV4Kv, wide: bool, dec: int, pre: int,
                heads: int) -> tuple:
    """A DeepSeek-V4 layer's entry of _layer_reads: its query reads the sliding window's
    entries (DeepseekV4SWACache, every layer) and, where the layer compresses (ratio > 1),
    its compressed entries, through the indexer's top-k at ratio 4 (the only layers with an
    indexer: attention.py DeepseekV4MLAAttention), all of them at 128; each entry 584 B
    (fp8_ds_mla, the same on every TP rank: compressed.DeepseekV4Kv), an indexer key 132 B.
    Nothing of it grows with the context as a full-attention cache's read does."""
    c, ratio = spec.compressed_attention, kv.compress_ratio
    topk = c.index_topk if ratio == 4 else 0
    compressed = None
    if ratio > 1:
        compressed = CompressedRead(ratio, topk, DSV4_TOKEN_BYTES,
                                    kv.index_key_bytes if topk else 0,
                                    c.index_n_heads * c.index_head_dim if topk else 0)
    return ((kv.sliding_window, wide, ratio if ratio > 1 else 0, topk), dec, pre, heads, 0,
            0, (kv.sliding_window, DSV4_TOKEN_BYTES), 0, None, compressed)


def _padded_expert_size(spec: ModelSpec, layer: int, lp: LayerParams, expert_tp: int,
                        expert_pad: tuple[int, int]) -> float:
    """One routed expert's parameters in layer `layer` as its kernel multiplies them: the
    weights padded as the memory plan holds them (`expert_pad`: weight_load.expert_padding;
    weights.expert_padding_factor at `expert_tp`), the biases as they are.

    NOTE: the kernels multiply over the padding (the vLLM 0.19.0-0.34.0 fused_moe sources):
    runner/moe_runner.py pads the MoE input to moe_config.hidden_dim (F.pad; the TRT-LLM
    MXFP4 x MXFP8 method's skip_forward_padding quantizes it padded instead);
    experts/marlin_moe.py runs size_k = the padded hidden and size_n = 2 x the padded width
    (w2's shape); trtllm_mxfp4_moe.py hands FlashInfer intermediate_size_per_partition (padded)
    and the padded input; the CUTLASS / DeepGEMM / TRT-LLM BF16 paths run their GEMMs over
    the padded weight tensors, and OAI triton_kernels' matmul_ogs over the (width-)padded
    ones (gpt_oss_triton_kernels_moe.py passes no unpadded size). Only ROCm's
    aiter_mxfp4_w4a16_moe.py hands aiter's moe_gemm_a8w4 unpadded_N / unpadded_K; whether
    that kernel skips the padded blocks is in aiter's source, not vLLM's (unverified:
    counted padded here too).
    gpt-oss-120b on Marlin (3,072 x 2,944 at TP=1): 3 x 3,072 x 2,944 = 27,131,904 weights an
    expert, was 3 x 2,880 x 2,880 = 24,883,200."""
    mlp = spec.layers[layer].mlp
    if expert_pad == (1, 1) or not isinstance(mlp, MoeMlp):
        return lp.expert_size
    return ((lp.expert_size - lp.expert_bias)
            * expert_padding_factor(spec.hidden_size, mlp, expert_tp, expert_pad)
            + lp.expert_bias)


_STAGE_VALUES = attrgetter(*(f.name for f in fields(Stage) if f.compare))
"""A Stage's compared fields, in order: what the dataclass hash hashes."""


_KIND_STAGES: IdentityMemo[Stage] = IdentityMemo(16384)
"""_kind_stage by spec and all it reads: the weight format, TP, MoE ranks, KV bytes, the
state dtypes, the load rules it reads, the stage's kind (_stage_kinds of its layers), whether
it is the last and its busiest rank's terms (by value). A sweep's layouts share their
stages' kinds (Llama 3.1 405B at 4,096 GPUs: 8,469 layouts' stages of a few thousand kinds),
which each layout worked out again."""


def _kind_stage(spec: ModelSpec, scheme: QuantScheme, tp: int, moe_ranks: int, expert_tp: int,
                params: ParamBreakdown, kv_layers: tuple[KvLayer | None, ...], kv_b: KvBytes,
                load: WeightLoadRules, layers: range, last: bool, w: WeightTerms,
                states: StateRules) -> Stage:
    """One stage of `layers` whose busiest rank holds `w`: the bytes it reads and the
    parameters it multiplies (_build_stages' per kind of stage; `expert_tp`: the ranks each
    routed expert is sliced over, ParallelLayout.expert_tp; `kv_layers` in `states`' dtypes,
    which key its reads)."""
    # an earlier stage's lm_head (weights.LM_HEAD_ON_EVERY_STAGE) is held, never read; a
    # head tied to the same stage's embed_tokens is in embeddings_bytes, read all the same
    head = 0
    if last:
        head = w.lm_head_bytes or (tied_head_bytes(spec, scheme, tp)
                                   if spec.tie_word_embeddings else 0)
    # DeepSeek-V4's hyper-connections (float32) are read every step: each layer's hc_attn and
    # hc_ffn fn / base / scale (nvidia/model.py DeepseekV4DecoderLayer.forward's mhc
    # kernels), and hc_head, which every stage holds and the last alone runs
    # (DeepseekV4Model.forward: hc_head_fused_kernel_tilelang after the last PP rank's check)
    hyper = w.hyper_connections_bytes - (
        0 if last or not w.hyper_connections_bytes else dsv4_hc_head_bytes(spec))
    # MLA decode reads the 16-bit copy of a quantized kv_b_proj, not the kv_b_proj itself
    dense = (w.attention_bytes + w.dense_mlp_bytes + w.shared_experts_bytes
             + w.router_bytes + w.norms_bytes + hyper + head
             - _PARTS.get(spec, ("kv_b unread", scheme.memo_key, layers, tp),
                          mla_kv_b_decode_unread_bytes, spec, scheme, layers, tp))
    lps = [params.layers[i] for i in layers]
    # whole on every rank what vLLM replicates (the router, MLA's q_a / kv_a, ...)
    dense_params: float = _PARTS.get(spec, ("dense", layers, tp, load.gdn_ba_whole,
                                            load.latent_fc1_split,
                                            load.shared_experts_misaligned),
                                     rank_dense_params, spec, params, layers, tp,
                                     load.gdn_ba_whole, load.latent_fc1_split,
                                     load.shared_experts_misaligned)
    lm_head = (params.lm_head or params.embeddings) / tp if last else 0.0
    dense_params += lm_head
    expert = sum(lp.experts_per_token * _padded_expert_size(spec, layer_i, lp, expert_tp,
                                                             load.expert_pad)
                 for layer_i, lp in zip(layers, lps, strict=True)) / moe_ranks
    groups: dict[tuple[int | None, bool, int, int], list[int]] = {}
    indexer = n_sparse = 0
    kv_full, windows, compressed, state_bytes, state_layers = 0, [], [], 0, Counter()
    reads = _PARTS.get(spec, ("layer reads", tp, kv_b, states), _layer_reads, spec, kv_layers,
                       kv_b, tp)
    for (group, dec, pre, heads, index_width, full_kv, window_kv, state,
         state_formula, compressed_kv) in map(reads.__getitem__, layers):
        if heads:
            g = groups.setdefault(group, [0, 0, 0])
            g[0], g[1], g[2] = g[0] + dec, g[1] + pre, g[2] + heads
        if index_width:
            n_sparse += 1
            indexer += index_width
        kv_full += full_kv
        if window_kv is not None:
            windows.append(window_kv)
        if compressed_kv is not None:
            compressed.append(compressed_kv)
        state_bytes += state
        if state:
            state_layers[state_formula] += 1
    return Stage(
        layers=len(layers), dense_bytes=dense, expert_bytes=w.experts_bytes,
        dense_params=dense_params, lm_head_params=lm_head, expert_params_per_token=expert,
        router_params=sum(spec.hidden_size * spec.layers[i].mlp.num_experts for i in layers
                          if isinstance(spec.layers[i].mlp, MoeMlp)),
        attention=tuple(AttnGroup(span, wide, *g, ratio, topk)
                        for (span, wide, ratio, topk), g in groups.items()),
        sparse_layers=n_sparse,
        indexer_width=indexer,
        kv_bytes_per_token=kv_full,
        window_kv=tuple(windows),
        compressed_kv=tuple(compressed),
        state_bytes=state_bytes,
        state_layers=tuple((n, formula) for formula, n in state_layers.items()),
        moe_layers=sum(1 for i in layers if isinstance(spec.layers[i].mlp, MoeMlp)),
    )
