"""Each PP stage's layer range and KV layout (stage_layouts), with the release's rules
for recurrent state pages and MTP drafts (StateRules)."""

import math
from itertools import accumulate
from typing import NamedTuple

from planner.memo import IdentityMemo, first_alike
from planner.model.attention import (
    DeepseekV4Kv,
    FullAttentionKv,
    GatedDeltaNetKv,
    KvLayer,
    Mamba2Kv,
    RecurrentStateKv,
    SlidingWindowKv,
    turboquant_layers,
)
from planner.model.attention.kvformat import KvBytes
from planner.serving.engine.facts import ModelFacts
from planner.serving.engine.kv_layout import StageKv, stage_kv
from planner.serving.layout import ParallelLayout, pp_layer_split

_STAGES: IdentityMemo[tuple[tuple[range, StageKv | None], ...]] = IdentityMemo(16384)
"""stage_layouts by model facts, TP, PP and KV layout: a sweep over 4,096 GPUs asks ~1,700
(Llama 3.1 405B: every TP x PP at two KV dtypes), which at 1,024 cleared the memo again and
again and split the stages once per plan (8,677 times)."""


class StateRules(NamedTuple):
    """The version's rules for recurrent (GDN / Mamba) state pages, and what speculative
    decoding (MTP or an EAGLE-3 drafter) adds to the KV cache."""

    config_ssm_dtype: bool = True  # the config's mamba_ssm_dtype is honoured
    state_blocks: int = 1  # state pages a request holds (2 in "align", + speculative tokens,
    # + a prefill checkpoint's: vllm_versions.GDN_CHECKPOINT_FROM, MAMBA2_CHECKPOINT_BLOCK_FROM)
    spec_tokens: int = 0  # num_speculative_tokens: the conv states widen by as many columns
    draft_kv_layers: int = 0  # the MTP draft's attention layers, on the last stage
    attention_align: int = 16  # a hybrid's attention block multiple (_attention_block)
    align_to_block: bool = False  # the multiple is at least the block size (HYBRID_ALIGN_...)
    chunked_full: bool = False  # chunked layers as full attention (before CHUNKED_HYBRID_FROM)
    checkpoint_align: int = 1  # lcm'd into the multiple (vllm_versions.GDN_CHECKPOINT_FROM;
    # in mamba_cache_mode "all" the model's Mamba chunk, vllm_versions.MAMBA_ALL_BEFORE)
    state_all: bool = False  # "all": a state page per block of max_model_len, + state_blocks
    nemotron_ssm_bytes: int | None = 4  # a Nemotron-H SSM state's width where config.json
    # names none; None: the release reads no dtype from the config (vllm_versions.
    # nemotron_ssm_default), the model dtype's
    conv_bytes: int | None = None  # --mamba-cache-dtype's width (None: auto, the model dtype)
    ssm_bytes: int | None = None  # --mamba-ssm-cache-dtype's (None: auto); either given wins
    # over the config's and the release's default (vllm_versions.MAMBA_DTYPE_CHOICES)
    eagle_kv: tuple[KvLayer, ...] = ()  # an EAGLE-3 drafter's KV layers, on the last stage
    # (planner.serving.eagle.eagle_kv_layers)


DEFAULT_STATE_RULES = StateRules()


def stage_layouts(
    facts: ModelFacts, layout: ParallelLayout, block_size: int, kv_bytes: KvBytes,
    fa4_fp8_hd512: bool = False, states: StateRules = DEFAULT_STATE_RULES,
    group_pad_ratio: float = 1.5, whole_model: bool = False,
) -> tuple[tuple[range, StageKv | None], ...]:
    """Each PP stage's layer range and KV layout (None for a stage without KV layers);
    `whole_model`: the groups are the whole model's (vllm_versions.GLOBAL_KV_GROUPS_FROM)."""
    key = (layout.tp, layout.pp, block_size, kv_bytes, fa4_fp8_hd512, states, group_pad_ratio,
           whole_model)
    return _STAGES.get(facts, key, _split_stages, facts, layout, block_size, kv_bytes,
                       fa4_fp8_hd512, states, group_pad_ratio, whole_model)


def _split_stages(
    facts: ModelFacts, layout: ParallelLayout, block_size: int, kv_bytes: KvBytes,
    fa4_fp8_hd512: bool, states: StateRules, group_pad_ratio: float = 1.5,
    whole_model: bool = False,
) -> tuple[tuple[range, StageKv | None], ...]:
    """Work out the stage layouts stage_layouts caches."""
    stages = pp_layer_split(len(facts.kv_layers), layout.pp)
    draft = facts.draft_kv if states.draft_kv_layers else None
    kv_layers = turboquant_layers(facts.kv_layers, kv_bytes)
    align = math.lcm(max(states.attention_align, block_size) if states.align_to_block
                     else states.attention_align, states.checkpoint_align)
    kinds = _KV_KINDS.get(facts, (kv_bytes,), _first_alike_kv, kv_layers)
    if kinds is None:
        # DeepSeek-V4's stages read their place in the model (stage_kv's `first`): each is
        # worked out on its own
        per_stage = [_stage_kv_layers(kv_layers, rng, states, draft, rng is stages[-1])
                     for rng in stages]
        model = tuple(kv for stage in per_stage for kv in stage)
        return tuple((rng, stage_kv(kv, block_size, kv_bytes, layout.tp, fa4_fp8_hd512,
                                    states.state_blocks, model, first, group_pad_ratio, align,
                                    states.state_all)
                      if kv else None)
                     for rng, kv, first in zip(stages, per_stage,
                                               accumulate(map(len, per_stage), initial=0),
                                               strict=False))  # (one start too many)
    # stages whose layers are alike kind for kind (and the last's draft) get one StageKv,
    # worked out once (Llama 3.1 405B at PP 126: one, not 126), and once across the layouts
    # of one TP (_KIND_STAGE_KV: the whole model's groups are those of every PP split)
    out = []
    alike: dict[tuple, StageKv | None] = {}
    for rng in stages:
        key = (kinds[rng.start:rng.stop], rng is stages[-1])
        if key not in alike:
            alike[key] = _KIND_STAGE_KV.get(
                facts, (*key, layout.tp, block_size, kv_bytes, fa4_fp8_hd512, states,
                        group_pad_ratio, whole_model),
                _kind_stage_kv, kv_layers, rng, states, draft, key[1], block_size, kv_bytes,
                layout.tp, fa4_fp8_hd512, group_pad_ratio, align, whole_model)
        out.append((rng, alike[key]))
    return tuple(out)


def _stage_kv_layers(kv_layers: tuple[KvLayer | None, ...], rng: range, states: StateRules,
                     draft: KvLayer | None, last: bool) -> tuple[KvLayer, ...]:
    """The KV layers of the stage of layers `rng` as the release holds them (_state_dtype),
    the MTP draft's or the EAGLE-3 drafter's on the last."""
    kv = tuple(_state_dtype(k, states) for k in kv_layers[rng.start:rng.stop] if k is not None)
    if draft is not None and last:
        kv += (draft,) * states.draft_kv_layers
    return kv + states.eagle_kv if last else kv


_KIND_STAGE_KV: IdentityMemo[StageKv | None] = IdentityMemo(16384)
"""_kind_stage_kv by model facts, the stage's kind (its layers' _first_alike_kv, whether it is
the last) and all else stage_kv reads: the stages of every PP split of one TP share a few
kinds (Llama 3.1 405B over 4,096 GPUs: ~1,700 splits, each of which grouped its stages)."""


def _kind_stage_kv(kv_layers: tuple[KvLayer | None, ...], rng: range, states: StateRules,
                   draft: KvLayer | None, last: bool, block_size: int, kv_bytes: KvBytes,
                   tp: int, fa4_fp8_hd512: bool, group_pad_ratio: float, align: int,
                   whole_model: bool) -> StageKv | None:
    """The StageKv of the stage of layers `rng` (None: it holds no KV layer), not DeepSeek-V4's
    (_split_stages); `whole_model`: grouped with the whole model's KV layers, the draft's
    with the last stage's."""
    kv = _stage_kv_layers(kv_layers, rng, states, draft, last)
    model = _stage_kv_layers(kv_layers, range(len(kv_layers)), states, draft, True) \
        if whole_model else ()
    return stage_kv(kv, block_size, kv_bytes, tp, fa4_fp8_hd512, states.state_blocks, model, 0,
                    group_pad_ratio, align, states.state_all) if kv else None


_KV_KINDS: IdentityMemo[tuple[int, ...] | None] = IdentityMemo(256)
"""_first_alike_kv by model facts and KV bytes (turboquant marks some layers)."""


def _first_alike_kv(kv_layers: tuple[KvLayer | None, ...]) -> tuple[int, ...] | None:
    """Per layer, the first layer whose KV layer equals its own (None: no KV): what
    _split_stages' stages are compared by; None for DeepSeek-V4's, grouped over the whole
    model."""
    if any(isinstance(kv, DeepseekV4Kv) for kv in kv_layers):
        return None
    return first_alike(kv_layers)


def state_dtype_rules(states: StateRules) -> StateRules:
    """`states`' state dtypes alone, the rest DEFAULT_STATE_RULES' (no spec widening, no
    chunked layer as full attention): what one request's recurrent state bytes read
    (_state_dtype), which a decode step reads and writes back (speed.stages.pipeline_stages
    holds its stages by them). Without the MTP widening: a one-token step's kernels touch the
    conv kernel's K - 1 columns, not the K - 1 + n the pages hold (speed.step._state_bytes)."""
    return DEFAULT_STATE_RULES._replace(
        config_ssm_dtype=states.config_ssm_dtype, nemotron_ssm_bytes=states.nemotron_ssm_bytes,
        conv_bytes=states.conv_bytes, ssm_bytes=states.ssm_bytes)


def state_dtyped(kv_layers: tuple[KvLayer | None, ...], states: StateRules
                 ) -> tuple[KvLayer | None, ...]:
    """Each KV layer as the release holds it under `states` (_state_dtype; None stays None):
    the memory plan's recurrent state bytes per request, for the speed's decode reads."""
    return tuple(None if kv is None else _state_dtype(kv, states) for kv in kv_layers)


def _state_dtype(kv: KvLayer, states: StateRules) -> KvLayer:
    """A GDN layer keeps its config's state dtype only where the version honours it, a Mamba2
    one its config's or the release's default (Nemotron-H: StateRules.nemotron_ssm_bytes); a
    --mamba-cache-dtype given is the conv state's (and an auto SSM state's), a
    --mamba-ssm-cache-dtype given the SSM state's, but a GDN one's only where the release
    passes it (mamba_utils.py gated_delta_net_state_dtype takes mamba_ssm_cache_dtype from
    0.17.0, CONFIG_SSM_DTYPE_FROM; before, (conv, conv): 0.10.2-0.16.0 wheels); a
    recurrent layer's conv state widens by the speculative tokens; a chunked local layer is
    full attention where the release turns the hybrid KV cache manager off for it
    (vllm_versions.CHUNKED_HYBRID_FROM)."""
    if states.chunked_full and isinstance(kv, SlidingWindowKv) and kv.chunked:
        return FullAttentionKv(num_kv_heads=kv.num_kv_heads, head_dim=kv.head_dim,
                               v_head_dim=kv.v_head_dim)
    update: dict = {}
    if isinstance(kv, GatedDeltaNetKv) and not states.config_ssm_dtype:
        update["ssm_elem_bytes"] = None
    if isinstance(kv, Mamba2Kv) and kv.ssm_dtype_from != "model" and (
            states.nemotron_ssm_bytes is None or kv.ssm_dtype_from == "default"):
        update["ssm_elem_bytes"] = states.nemotron_ssm_bytes
    recurrent = isinstance(kv, RecurrentStateKv)
    if recurrent and states.conv_bytes:
        update["state_elem_bytes"] = states.conv_bytes
    if recurrent and states.ssm_bytes and (states.config_ssm_dtype
                                           or not isinstance(kv, GatedDeltaNetKv)):
        update["ssm_elem_bytes"] = states.ssm_bytes
    if recurrent and states.spec_tokens:
        update["spec_tokens"] = states.spec_tokens
    return kv.model_copy(update=update) if update else kv
