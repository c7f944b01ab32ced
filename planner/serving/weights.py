"""Weight bytes: the whole checkpoint, and each GPU's share under TP / PP / EP as vLLM loads it.

Bytes per component = parameters x bits of the component in the scheme / 8. In the
checkpoint's own format, planned as stored (quant.stored_format), the checkpoint's exclusion
list also keeps the modules it names in 16-bit; a what-if scheme, even of the checkpoint's own
format, applies only its own 16-bit keeps.
"""

import math
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from functools import partial
from itertools import chain
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from planner.memo import IdentityMemo, alike_kinds, distinct_objects, first_alike
from planner.model.attention.mamba import mamba_groups_total
from planner.model.config.wrapper import layer_type
from planner.model.params import (
    LayerParams,
    ParamBreakdown,
    count_params,
    latent_bias_params,
    latent_params,
    layer_params,
    qk_norm_params,
)
from planner.model.quant import (
    KEPT_BITS,
    Component,
    Exclusions,
    QuantScheme,
    checkpoint_exclusions,
    checkpoint_formats,
    checkpoint_module_bits,
    model_keeps_16bit,
    stored_format,
)
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.layout import ParallelLayout, pp_layer_split
from planner.serving.mxfp4_kernels import Mxfp4Kernel
from planner.serving.vocab import vocab_rows_per_rank
from planner.serving.weights_dsv4 import (
    dsv4_buffer_bytes,
    dsv4_draft_bytes,
    dsv4_rank_bytes,
    dsv4_sequence_parallel,
)
from planner.units import TORCH_DTYPE_BYTES


class WeightTerms(BaseModel):
    """Weight bytes by component, for a whole model or one GPU."""

    model_config = ConfigDict(frozen=True)

    embeddings_bytes: int = Field(default=0, ge=0)
    attention_bytes: int = Field(default=0, ge=0, description="token mixers (any kind)")
    dense_mlp_bytes: int = Field(default=0, ge=0)
    experts_bytes: int = Field(default=0, ge=0, description="routed experts")
    shared_experts_bytes: int = Field(default=0, ge=0)
    router_bytes: int = Field(default=0, ge=0)
    norms_bytes: int = Field(default=0, ge=0, description="layer norms and the final norm")
    lm_head_bytes: int = Field(default=0, ge=0)
    vision_bytes: int = Field(default=0, ge=0, description="vision/audio tower, model dtype")
    rope_cache_bytes: int = Field(
        default=0, ge=0, description="rotary cos/sin cache vLLM builds at load (not stored)"
    )
    mtp_bytes: int = Field(default=0, ge=0, description="MTP draft layers (speculative "
                           "decoding), last stage")
    eagle_draft_bytes: int = Field(default=0, ge=0, description="an EAGLE-3 drafter "
                                   "checkpoint's weights (--speculative-config method eagle3), "
                                   "last stage (planner.serving.eagle)")
    hyper_connections_bytes: int = Field(default=0, ge=0, description="DeepSeek-V4's "
                                         "hyper-connection mixing, float32")
    buffers_bytes: int = Field(default=0, ge=0, description="buffers the model allocates at "
                               "init, sized by max_num_batched_tokens (DeepSeek-V3.2 / V4, "
                               "GLM-5, Qwen3-VL's deepstack inputs)")
    lora_bytes: int = Field(default=0, ge=0, description="vLLM's LoRA slots, the lm_head LoRA's "
                            "vocabulary mapping and Punica's index buffers (--enable-lora: "
                            "planner.serving.lora)")

    @property
    def total_bytes(self) -> int:
        """All weight bytes."""
        return (
            self.embeddings_bytes
            + self.attention_bytes
            + self.dense_mlp_bytes
            + self.experts_bytes
            + self.shared_experts_bytes
            + self.router_bytes
            + self.norms_bytes
            + self.lm_head_bytes
            + self.vision_bytes
            + self.rope_cache_bytes
            + self.mtp_bytes
            + self.eagle_draft_bytes
            + self.hyper_connections_bytes
            + self.buffers_bytes
            + self.lora_bytes
        )


class WeightLoadRules(NamedTuple):
    """How a vLLM release builds a model's weights on one GPU, beyond the checkpoint: what the
    memory plan (plan.derive._derive, on the sizing GPU) and the speed model
    (speed._build_context, on the slowest GPU) both pass to rank_weights, as
    weight_load.weight_load_rules sets them. The defaults are rank_weights' own: none of these
    rules."""

    gdn_ba_whole: bool = False  # weight_load.gdn_ba_whole
    latent_fc1_split: bool = False  # weight_load.latent_fc1_split
    gate_fp32: bool = False  # router_dtype.gate_fp32
    # the MTP draft layer's gate in the model dtype whatever gate_fp32 says of the model's
    # (router_dtype.gate_fp32 with draft=True: GLM-5's draft on 0.25, renamed deepseek_mtp)
    draft_gate_kept: bool = False
    # a MoE router bias that is gate.e_score_correction_bias, held in float32
    # (router_dtype.correction_bias_fp32)
    correction_bias_fp32: bool = False
    # the MoE router in the scheme's own bits where the scheme keeps it 16-bit: a checkpoint's
    # method or a runtime quantization that takes it (router_dtype.gate_quantized)
    router_quantized: bool = False
    # (hidden, per-rank width) multiples the routed experts are padded to (weight_load.
    # expert_padding: MXFP4's kernel's, else 16-bit experts' TRT-LLM width), held and read
    expert_pad: tuple[int, int] = (1, 1)
    indexer_wk_quantized: bool = False  # vllm_versions.INDEXER_WK_UNQUANTIZED_FROM
    # DeepSeek-V4's _mtp_hidden_buffer held only with an MTP draft running
    # (vllm_versions.DSV4_MTP_BUFFER_DRAFT_ONLY_FROM; else on the last stage always)
    dsv4_mtp_buffer_draft_only: bool = False
    # DeepSeek-V4's sequence-parallel mode, which holds the shared experts whole on every rank,
    # in this release (vllm_versions.DSV4_SEQUENCE_PARALLEL_FROM), and --moe-backend one of its
    # mega-MoE values (moe_backend.mega_moe_backend): the layout decides
    # (weights_dsv4.dsv4_sequence_parallel)
    dsv4_sequence_parallel: bool = False
    mega_moe: bool = False
    # the shared experts whole on every TP rank, as vLLM builds them under sequence-parallel
    # MoE on this layout (vllm_versions.sp_moe_shared_whole; plan.moe.load_on_layout)
    shared_experts_whole: bool = False
    # of which: whole because vLLM cannot split a Quark OCP MX shared expert into whole MX
    # groups and replicates it under EP without sequence-parallel MoE, so every rank
    # multiplies each token through all of it (layout.quark_mx_shared_misaligned)
    shared_experts_misaligned: bool = False
    # the dense MLPs whole on every TP rank, as DeepSeek-V3.2 / GLM-5 build them where every
    # layer runs sequence-parallel (vllm_versions.SP_EVERY_LAYER_FROM; plan.moe.load_on_layout)
    dense_mlp_whole: bool = False
    # weight_load.gptq_zeros_freed_bits: GPTQ zero points Marlin frees
    zeros_freed_bits: float = 0.0
    # layout.moe_wna16_load: routed experts as MoE WNA16 holds them (0.0: as the scheme)
    wna16_expert_bits: float = 0.0
    redundant_experts: int = 0  # EPLB's redundant experts per MoE layer, spread over EP ranks
    eplb_expert_buffer: bool = False  # eplb_buffer_bytes: EPLB's one-layer transfer buffer
    eplb_draft_buffer: bool = False  # and the MTP draft's own (eplb.draft_state_sized)
    expert_bias_fp32: bool = False  # mxfp4.MXFP4_FP32_BIAS_KERNELS: routed-expert biases in float32
    # mxfp4.mxfp4_moe_kernel_of: the kernel MXFP4 experts run on, asked once per plan: MXFP4's
    # expert_pad and expert_bias_fp32 follow it, the plan's notes name it (plan.notes.gpu_notes)
    mxfp4_kernel: Mxfp4Kernel = "unknown"
    # rows per position of an M-RoPE rotary cache (vllm_versions.mrope_cache_factor)
    mrope_factor: int = 1
    # the mixer kinds ("mamba", "linear") whose A / A_log vLLM holds in float32
    # (weight_load.a_fp32_mixers; _a_fp32_per_rank)
    a_fp32_mixers: frozenset[str] = frozenset()
    # the positions the rotary cache is built over where vLLM takes max_model_len past
    # max_position_embeddings (long_len.rope_cache_positions: MiniMax-M2); 0: the config's
    rope_positions: int = 0


_NO_LOAD_RULES = WeightLoadRules()
"""rank_weights' and _Shard's default: none of the rules."""


@dataclass(frozen=True)
class _Shard:
    """Where one GPU sits: its layers, its TP and EP position, and its PP-stage duties."""

    layers: range
    tp: int = 1
    ep_size: int = 1  # 1: experts sliced over tp x expert_dp; else whole experts over tp x dp
    ep_rank: int = 0
    first_stage: bool = True
    last_stage: bool = True
    pad_vocab: bool = False
    expert_pad: tuple[int, int] = (1, 1)  # (hidden, intermediate) multiples of the MoE kernel
    layers_only: bool = False  # a lone layer (an MTP draft's, a per-layer read): no stage tensors
    vision_every_stage: bool = False  # the vision tower on this stage too (VISION_ON_EVERY_STAGE)
    vision_unbuilt: int = 0  # tower parameters this release does not build (rank_weights)
    vision_whole: int = 0  # tower parameters every TP rank holds whole (rank_weights)
    expert_dp: int = 1  # without EP, the DP ranks the routed experts are also sliced over
    transformers_backend: bool = False  # stage tensors placed as the Transformers backend does
    stored: bool = False  # the checkpoint as stored (weights_bytes): no load-time tensors (_terms)
    rules: WeightLoadRules = _NO_LOAD_RULES  # rank_weights' `rules`, read by _terms
    # per decoder layer, its kind (layer_kinds, in the format of the bits _terms is given):
    # _layer_bits works out each kind's figures once; empty: every layer its own
    kinds: tuple[int, ...] = ()

    @property
    def expert_tp(self) -> int:
        """Ranks each routed expert is sliced over (layout.ParallelLayout.expert_tp)."""
        return self.tp * self.expert_dp if self.ep_size == 1 else 1


def weights_bytes(
    spec: ModelSpec, scheme: QuantScheme, params: ParamBreakdown | None = None
) -> WeightTerms:
    """Bytes of the whole checkpoint (text model, plus any vision tower) in this scheme, as
    stored: without what vLLM only makes at load (Gemma 4's V slot, _v_slot; a quantized MLA
    kv_b_proj's 16-bit copy, _mla_dequantized_kv_b; float32 routers and correction biases,
    _router_total_bits; Mamba2's float32 A and Gated DeltaNet's A_log, _a_fp32_per_rank), which
    rank_weights holds, so that it compares with the checkpoint's published size
    (tests/planner/model/test_reference_figures.py: DeepSeek-V3 FP8, Gemma-4-31B NVFP4)."""
    shard = _Shard(range(spec.num_layers), stored=True)
    params = params or count_params(spec)
    if _dsv4_model(spec, scheme):
        whole = _dsv4_terms(spec, params, shard, TORCH_DTYPE_BYTES[spec.torch_dtype], 0)
        return whole.model_copy(update={"rope_cache_bytes": 0})
    return _terms(spec, _scheme_bits(spec, scheme), params, shard)


def rank_weights(
    spec: ModelSpec,
    scheme: QuantScheme,
    layout: ParallelLayout,
    params: ParamBreakdown | None = None,
    *,
    served_dtype_bytes: int | None = None,
    expert_pad: tuple[int, int] = (1, 1),
    mtp_layers: int = 0,
    mtp_own_heads: bool = False,
    mtp_own_embed: bool = False,
    max_num_batched_tokens: int = 0,
    vision_first_stage_only: bool = False,
    siglip_head: bool = False,
    tower_whole: bool = False,
    tower_dropped: bool = False,
    transformers_backend: bool = False,
    rules: WeightLoadRules = _NO_LOAD_RULES,
) -> tuple[WeightTerms, ...]:
    """Bytes on each GPU of one replica, as vLLM loads them: index = pp_stage * tp + tp_rank.

    TP splits heads and MLP columns, PP splits layers (vLLM get_pp_indices), EP places whole
    experts over tp x dp ranks (the entry for tp_rank r is EP rank r, i.e. DP rank 0); without
    EP every routed expert is sliced over the tp x dp ranks (_Shard.expert_tp), so every DP
    rank holds the same bytes. Every
    rank also holds the rotary cos/sin cache (rope_cache_bytes) in the served dtype
    (`served_dtype_bytes`, default: the checkpoint's torch_dtype). `expert_pad`: the MoE
    kernel rounds each expert's hidden and per-rank intermediate dims up to these multiples
    (mxfp4.mxfp4_expert_padding). `max_num_batched_tokens` sizes the buffers DeepSeek-V3.2 /
    V4 and GLM-5 allocate at init (sparse_mla_buffer_bytes, weights_dsv4.dsv4_buffer_bytes).
    `mtp_layers`: MTP draft layers loaded for speculative
    decoding, held by the last stage (mtp_bytes); `mtp_own_heads`: each keeps its own lm_head
    copy in the served dtype (planner.serving.mtp.SHARED_HEAD_FROM); `mtp_own_embed`: the draft
    builds its own embed_tokens (planner.serving.mtp.draft_builds_embed), a second padded
    vocabulary x hidden table in the served dtype on the last stage at PP > 1, where vLLM does
    not swap it for the target's. The vision tower sits on
    every stage for VISION_ON_EVERY_STAGE's model types unless `vision_first_stage_only`
    (vLLM 0.33 on Model Runner V2: vllm_versions.TOWER_FIRST_STAGE_ON_V2_FROM).
    The tower leaves out what vLLM never builds (VisionSpec.unbuilt_params) and the SigLIP
    pooling head unless `siglip_head` (releases before vllm_versions.SIGLIP_HEAD_DROPPED_FROM).
    TP splits the tower's Column / Row / QKV layers, and every rank holds the rest whole
    (VisionSpec.replicated_params, at vLLM's default --mm-encoder-tp-mode weights);
    `tower_whole`: this release builds the whole tower unsplit on every rank
    (vllm_versions.MOONVIT_SPLIT_FROM, or --mm-encoder-tp-mode data: mm_modes.
    encoder_data_parallel); `tower_dropped`: this release builds no tower at all for the model
    served text-only (mm_modes.tower_dropped). `transformers_backend`: this release serves the text
    model through its Transformers backend (transformers_backend), which keeps the token
    embeddings, final norm and lm_head off the stages the model's own class builds them on
    (FINAL_NORM_ON_EVERY_STAGE). `rules`: how this release builds the weights on this GPU
    (weight_load.weight_load_rules), each where it says so: every TP rank holds each Gated
    DeltaNet layer's in_proj_ba whole (gdn_ba_whole: weight_load.gdn_ba_whole;
    _attention_per_rank); a latent MoE's fc1_latent_proj is split over TP (latent_fc1_split:
    weight_load.latent_fc1_split; _latent_projections); Nemotron-H's gate is held in float32
    (gate_fp32: router_dtype.gate_fp32; _router_bits); DeepSeek-V3's and Nemotron-H's
    gate.e_score_correction_bias is held in float32 (correction_bias_fp32:
    router_dtype.correction_bias_fp32; _router_total_bits); a sparse-attention Indexer's wk is
    built with the quant_config, not in the model dtype (indexer_wk_quantized: before
    vllm_versions.INDEXER_WK_UNQUANTIZED_FROM; _attention_kept_per_rank); the scheme's dense
    linear layers lose zeros_freed_bits per weight at load (weight_load.gptq_zeros_freed_bits;
    _without_linear_zeros); DeepSeek-V4's _mtp_hidden_buffer is held only with MTP draft layers
    (dsv4_mtp_buffer_draft_only: vllm_versions.DSV4_MTP_BUFFER_DRAFT_ONLY_FROM; _dsv4_terms),
    and its shared experts whole on every rank in its sequence-parallel mode
    (dsv4_sequence_parallel, mega_moe: weights_dsv4.dsv4_sequence_parallel; _dsv4_terms);
    the other sequence-parallel MoE blocks' shared experts whole on every TP rank
    (shared_experts_whole: vllm_versions.sp_moe_shared_whole; _layer_addends), the MTP
    draft's too (its decoder layer reads the same parallel config).
    Its expert_pad is not read here: callers pass it as
    `expert_pad` (plan.derive._derive, speed.stages._rank_weights).
    """
    params = params or count_params(spec)
    placement = _vision_placement(spec, params, vision_first_stage_only, siglip_head,
                                  tower_whole, tower_dropped)
    every_stage, unbuilt, whole = placement
    elem = served_dtype_bytes or TORCH_DTYPE_BYTES[spec.torch_dtype]
    ep_size = layout.ep_size
    dsv4 = _dsv4_model(spec, scheme)
    buffers = sparse_mla_buffer_bytes(spec, max_num_batched_tokens)
    deepstack = 0 if tower_dropped else deepstack_buffer_bytes(spec, max_num_batched_tokens, elem)
    # what, besides a stage's kind and its EP remainders, the terms of a stage read: alike
    # stages of other layouts (other PP sizes, the plan's and the speed's calls) share them.
    # The batched tokens and the tower's flags as the terms read them (the buffers, the
    # tower's placement): the plan's call passes them and the speed's not, alike for a text
    # model without sparse-MLA buffers
    asked = (scheme.memo_key, layout.tp, ep_size, layout.dp, layout.pp > 1, expert_pad, elem,
             mtp_layers, mtp_own_heads, mtp_own_embed, buffers, deepstack, placement,
             transformers_backend, rules)

    def ranks_of() -> tuple[WeightTerms, ...]:
        """Each kind of stage's ranks once, then the stages' ranks as a chain of them (no
        Python step per stage: 126 stages x TP 32 of Llama 3.1 405B are a few kinds)."""
        bits = _loaded_bits(spec, scheme, rules)
        stages = pp_layer_split(spec.num_layers, layout.pp)
        rope = rope_cache_bytes(spec, 4 if spec.model_type in FP32_ROPE_CACHE else elem,
                                rules.mrope_factor, rules.rope_positions)
        remainders, runs = _ep_remainder_runs(params, rules, ep_size, layout.tp)
        # stages of alike layers (_layer_kinds) and the same first / last duties hold the
        # same bytes: a deep PP split (126 stages of Llama 3.1 405B) works out a few
        kinds = () if dsv4 else layer_kinds(spec, scheme, params)
        of_stage, firsts = stage_kinds(spec, scheme, params, layout.pp)
        ranks: list[list[WeightTerms]] = []
        for stage in firsts:
            layers = stages[stage]
            kind_ranks: list[WeightTerms] = []
            for tp_rank, run_end in zip(runs, runs[1:], strict=False):
                shard = _Shard(
                    layers=layers, tp=layout.tp, ep_size=ep_size, ep_rank=tp_rank,
                    first_stage=stage == 0, last_stage=stage == layout.pp - 1,
                    pad_vocab=True, expert_pad=expert_pad,
                    vision_every_stage=every_stage, vision_unbuilt=unbuilt,
                    vision_whole=whole, expert_dp=layout.dp,
                    transformers_backend=transformers_backend, rules=rules, kinds=kinds,
                )
                if dsv4:
                    terms = _dsv4_terms(spec, params, shard, elem, max_num_batched_tokens,
                                        mtp_layers, mtp_own_heads, mtp_own_embed, layout.pp)
                else:
                    alike = (kinds[layers.start:layers.stop], stage == 0,
                             stage == layout.pp - 1)
                    terms = _STAGE_TERMS.get_all(
                        (spec, params), (*asked, alike, tuple(tp_rank < r for r in remainders)),
                        partial(_loaded_terms, spec, scheme, bits, params, shard, elem=elem,
                                rope=rope, buffers=buffers, deepstack=deepstack,
                                mtp_layers=mtp_layers,
                                mtp_own_heads=mtp_own_heads, mtp_own_embed=mtp_own_embed,
                                pp=layout.pp))
                kind_ranks += [terms] * (run_end - tp_rank)
            ranks.append(kind_ranks)
        return tuple(chain.from_iterable(map(ranks.__getitem__, of_stage)))

    # DeepSeek-V4's terms read the batched tokens themselves (_dsv4_terms)
    return _RANKS.get_all((spec, params),
                          (*asked, layout.pp, max_num_batched_tokens if dsv4 else 0), ranks_of)


_RANKS: IdentityMemo[tuple[WeightTerms, ...]] = IdentityMemo(16384)
"""rank_weights by (spec, parameter breakdown), what its stages' terms read (its `asked`),
PP and DeepSeek-V4's batched tokens: the plan and the speed of a layout ask it once each
(Llama 3.1 405B over 4,096 GPUs: 8,546 calls of 4,311 layouts and formats), and a text
model's two calls read the same."""


_STAGE_KINDS: IdentityMemo[tuple[tuple[int, ...], tuple[int, ...]]] = IdentityMemo(4096)
"""_kinds_of_stages by (spec, parameter breakdown), weight format and PP: what no other part
of a layout changes (a sweep over 4,096 GPUs asks rank_weights 8,546 times, of ~630 formats x
PP sizes)."""


def stage_kinds(spec: ModelSpec, scheme: QuantScheme, params: ParamBreakdown, pp: int
                ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(per PP stage, the index of its kind; the first stage of each kind): rank_weights gives
    the ranks of the stages of one kind the same WeightTerms objects. Stages of alike layers
    (layer_kinds) and the same first / last duties hold the same bytes, so a deep PP split
    (126 stages of Llama 3.1 405B) works out a few, not one each; DeepSeek-V4's stages read
    their place in the model, each its own kind."""
    if _dsv4_model(spec, scheme):
        return tuple(range(pp)), tuple(range(pp))
    return _STAGE_KINDS.get_all((spec, params), (scheme.memo_key, pp), _kinds_of_stages,
                                layer_kinds(spec, scheme, params),
                                pp_layer_split(spec.num_layers, pp))


def _kinds_of_stages(kinds: tuple[int, ...], stages: tuple[range, ...]
                     ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Work out what stage_kinds caches, from the layers' kinds (layer_kinds)."""
    return alike_kinds((kinds[layers.start:layers.stop], stage == 0, stage == len(stages) - 1)
                       for stage, layers in enumerate(stages))


_STAGE_TERMS: IdentityMemo[WeightTerms] = IdentityMemo(16384)
"""_loaded_terms by (spec, parameter breakdown), what rank_weights' call reads (its `asked`),
the stage's kind and its EP remainders. A sweep over 4,096 GPUs asks rank_weights of every
weight format x TP x PP (Llama 3.1 405B: 8,546 calls), whose stages are of a few hundred
kinds: each was worked out once per call (33,425 _terms)."""


def vision_every_stage(spec: ModelSpec, vision_first_stage_only: bool) -> bool:
    """Whether vLLM builds `spec`'s vision tower on every PP stage (VISION_ON_EVERY_STAGE, unless
    `vision_first_stage_only`: vllm_versions.TOWER_FIRST_STAGE_ON_V2_FROM)."""
    return (not vision_first_stage_only and spec.vision is not None
            and spec.model_type in VISION_ON_EVERY_STAGE)


def _vision_placement(spec: ModelSpec, params: ParamBreakdown, vision_first_stage_only: bool,
                      siglip_head: bool, tower_whole: bool, tower_dropped: bool = False
                      ) -> tuple[bool, int, int]:
    """Where rank_weights' vision tower sits and how it splits: (on every stage, the tower
    parameters this release does not build, those every TP rank holds whole), from its
    arguments of the same names; every stage's shard reads them (_Shard)."""
    every_stage = vision_every_stage(spec, vision_first_stage_only)
    unbuilt = params.vision if tower_dropped else _vision_unbuilt(spec, siglip_head)
    whole = 0 if spec.vision is None else max(
        0, params.vision - unbuilt - data_mode_split_params(spec)) if tower_whole else (
        spec.vision.replicated_params
        + (spec.vision.pooling_head_replicated_params if siglip_head else 0))
    return every_stage, unbuilt, whole


def data_mode_split_params(spec: ModelSpec) -> int:
    """The tower parameters TP still splits where the rest is whole on every rank (`tower_whole`
    under --mm-encoder-tp-mode data): Llama 4's multi_modal_projector linear_1, vision_output_dim
    x the text hidden (mllama4.py Llama4MultiModalProjector, a ColumnParallelLinear without
    disable_tp in the 0.17.0 and 0.34.0 wheels, where every Llama4VisionModel and
    vision_adapter linear takes disable_tp=use_data_parallel); 0 for the other towers (every
    linear disable_tp or ReplicatedLinear: qwen2_vl.py, qwen2_5_vl.py, qwen3_vl.py, moonvit.py,
    kimi_vl.py, kimi_k25_vit.py, 0.34.0)."""
    llama4 = spec.vision.llama4 if spec.vision else None
    return llama4.vision_out * spec.hidden_size if llama4 else 0


def _ep_remainder_runs(params: ParamBreakdown, rules: WeightLoadRules, ep_size: int, tp: int
                       ) -> tuple[list[int], tuple[int, ...]]:
    """(the distinct EP remainders, the TP ranks where a run of alike ranks starts, then tp):
    the ranks rank_weights works out once each instead of one by one."""
    # TP ranks of one stage hold the same bytes, except that EP gives the first
    # num_experts % ep_size ranks one more expert: each distinct case is computed once.
    remainders = sorted({experts % ep_size for experts in _MOE_EXPERTS.get(
        params, (rules.redundant_experts,), _moe_layer_experts, params, rules)})
    # ... and the ranks between two remainders form one run of one case, so each run is
    # looked up once (a stage of TP 128 is a run or two, not 128 lookups)
    runs = (0, *(r for r in remainders if 0 < r < tp), tp)
    return remainders, runs


_MOE_EXPERTS: IdentityMemo[frozenset[int]] = IdentityMemo(256)
"""_moe_layer_experts by parameter breakdown and EPLB's redundant experts: rank_weights asks
them of every layout, and they walk the layers."""


def _moe_layer_experts(params: ParamBreakdown, rules: WeightLoadRules) -> frozenset[int]:
    """The distinct counts of experts the MoE layers place over the EP ranks
    (_physical_experts; empty for a dense model)."""
    return frozenset(_physical_experts(lp, rules) for lp in params.layers if lp.expert_size)


def _loaded_terms(spec: ModelSpec, scheme: QuantScheme, bits: "_SchemeBits",
                  params: ParamBreakdown, shard: _Shard, *, elem: int, rope: int, buffers: int,
                  deepstack: int, mtp_layers: int, mtp_own_heads: bool, mtp_own_embed: bool,
                  pp: int) -> WeightTerms:
    """One rank's bytes as vLLM loads them (rank_weights, but DeepSeek-V4's): its shard of the
    checkpoint (_terms) plus what only the load makes: the rotary cache (`rope`), on the last
    stage the MTP draft's layers and heads (_mtp_bytes), the init buffers (`buffers` per
    model, again per draft layer; `deepstack` where the stage builds the vision tower) and
    EPLB's transfer buffers."""
    terms = _terms(spec, bits, params, shard)
    table = _vocab_rows(spec.vocab_size, shard) * spec.hidden_size * elem
    draft, draft_experts = _mtp_bytes(spec, scheme, bits, params, shard, elem) if (
        mtp_layers and shard.last_stage) else (0, 0)
    mtp = _draft_bytes(draft, table, mtp_layers, mtp_own_heads, mtp_own_embed and pp > 1
                       ) if shard.last_stage else 0
    # the MTP draft's layers allocate their own top-k buffer (sparse_mla_buffer_bytes)
    drafts = mtp_layers if shard.last_stage else 0
    return terms.model_copy(update={
        "rope_cache_bytes": rope, "mtp_bytes": mtp,
        "buffers_bytes": buffers * (1 + drafts)
        + (deepstack if shard.first_stage or shard.vision_every_stage else 0)
        + eplb_buffer_bytes(spec, bits, params, shard)
        + (draft_experts if shard.rules.eplb_draft_buffer and shard.ep_size > 1 else 0)})


def _draft_bytes(layer: int, table: int, mtp_layers: int, own_heads: bool, own_embed: bool
                 ) -> int:
    """The last stage's MTP draft bytes: `mtp_layers` draft layers of `layer` bytes each,
    plus a vocabulary `table` (the rank's padded rows x hidden, served dtype) per layer
    where each keeps its own lm_head copy (`own_heads`) and once where the draft keeps its
    own embedding (`own_embed`: at PP > 1)."""
    return ((layer + (table if own_heads else 0)) * mtp_layers
            + (table if own_embed else 0)) if mtp_layers else 0


_LAYER_KINDS: IdentityMemo[tuple[int, ...]] = IdentityMemo(256)
"""layer_kinds by (spec, parameter breakdown) and weight format."""


def layer_kinds(spec: ModelSpec, scheme: QuantScheme, params: ParamBreakdown
                ) -> tuple[int, ...]:
    """Per decoder layer, the first layer equal to it in all that _terms reads of a layer in
    this weight format (its mixer and MLP, parameters and bits as stored, which the bits
    loaded follow: _without_linear_zeros; whether the checkpoint's exclusion list names its
    router, which _loaded_bits reads; not its index): two stages whose layers match kind for
    kind sum the same figures in the same order, so rank_weights works one of them out for
    both."""
    return _LAYER_KINDS.get_all((spec, params), (scheme.memo_key,), _find_layer_kinds, spec,
                                params, _scheme_bits(spec, scheme),
                                checkpoint_exclusions(spec, scheme))


def _find_layer_kinds(spec: ModelSpec, params: ParamBreakdown, bits: "_SchemeBits",
                      exclusions: Exclusions) -> tuple[int, ...]:
    """Work out what layer_kinds caches."""
    return first_alike((layer.mixer, layer.mlp, lp.model_copy(update={"index": 0}), b,
                        exclusions.excluded(i, "router"))
                       for i, (layer, lp, b) in enumerate(zip(spec.layers, params.layers,
                                                              bits.layers, strict=True)))


def rank_totals(terms: tuple[WeightTerms, ...]) -> tuple[int, ...]:
    """total_bytes of each rank's terms, each distinct object's summed once: rank_weights
    repeats one object over the ranks that hold the same bytes (a stage of TP 128 holds one or
    two)."""
    totals = {id(w): w.total_bytes for w in distinct_objects(terms)}
    return tuple(map(totals.__getitem__, map(id, terms)))


def eplb_buffer_bytes(spec: ModelSpec, bits: "_SchemeBits", params: ParamBreakdown,
                      shard: _Shard) -> int:
    """EPLB's expert transfer buffer on one EP rank: a copy of the first MoE layer's local
    experts (_first_moe_layer_experts); 0 without rules.eplb_expert_buffer.

    NOTE: EplbState.add_model (distributed/eplb/eplb_state.py), run by the model runner's
    load_model before the profile, keeps `expert_buffer = [torch.empty_like(w) for w in
    model.expert_weights[0]]` (FusedMoE.get_expert_weights: every parameter but
    e_score_correction_bias, viewed per local expert) in the 0.12.0, 0.20.0-0.24.0, 0.27.0,
    0.28.0, 0.30.0, 0.33.0 and 0.34.0 wheels (0.34.0 none for --eplb-config communicator
    symm_mem, which Headroom does not set); the 0.11.1 wheel has none
    (planner.serving.eplb.EXPERT_BUFFER_FROM). DeepSeek-V3 with 18 local experts: 18 x
    44,050,944 B = 792,916,992 B."""
    return _first_moe_layer_experts(spec, bits, params, shard) if (
        shard.rules.eplb_expert_buffer) else 0


def moe_layer_experts_bytes(spec: ModelSpec, scheme: QuantScheme, layout: ParallelLayout,
                            layers: range, params: ParamBreakdown | None = None, *,
                            expert_pad: tuple[int, int] = (1, 1),
                            rules: WeightLoadRules = _NO_LOAD_RULES) -> int:
    """Every expert tensor (weights and scales) of the first MoE layer in `layers` as EP rank 0
    holds it, loaded as rank_weights loads it (`expert_pad`, `rules`: its arguments): what
    vLLM's EPLB copies to move one layer's experts (planner.serving.eplb
    .profile_rearrangement; the transfer buffer, eplb_buffer_bytes). 0 without EP or a MoE
    layer in `layers`."""
    params = params or count_params(spec)
    bits = _loaded_bits(spec, scheme, rules)
    return _first_moe_layer_experts(spec, bits, params, _Shard(
        layers, tp=layout.tp, ep_size=layout.ep_size,
        expert_pad=expert_pad, rules=rules))


def _first_moe_layer_experts(spec: ModelSpec, bits: "_SchemeBits", params: ParamBreakdown,
                             shard: _Shard) -> int:
    """The first MoE layer's local experts on this shard's EP rank, every expert tensor of
    the FusedMoE layer (weights and scales) as the rank holds them; 0 without EP or a MoE
    layer in the shard."""
    if shard.ep_size == 1:
        return 0
    first = next((i for i in shard.layers if params.layers[i].expert_size), None)
    if first is None:
        return 0
    return round(_terms(spec, bits, params, replace(
        shard, layers=range(first, first + 1), layers_only=True)).experts_bytes)


def sparse_mla_buffer_bytes(spec: ModelSpec, max_num_batched_tokens: int) -> int:
    """The top-k indices buffer a sparse-MLA model (DeepSeek-V3.2, GLM-5: MlaMixer.index_topk)
    allocates at init on every rank: max_num_batched_tokens x index_topk int32; 0 for others.

    NOTE: deepseek_v2.py DeepseekV2Model.__init__ (`self.is_v32 = hasattr(config,
    "index_topk")`: topk_indices_buffer = torch.empty(scheduler_config.max_num_batched_tokens,
    index_topk, dtype=torch.int32)), before any PP-rank test, in the 0.11.0, 0.14.0, 0.19.0
    and 0.24.0 wheels; 0.34.0's vllm/models/deepseek_v32/nvidia/model.py the same ("allocate
    the shared top-k buffer the indexer writes and the sparse MLA backend reads"). DeepSeek-V3.2
    at 8,192 batched tokens: 8,192 x 2,048 x 4 B = 67,108,864 B per GPU. An MTP draft layer
    allocates one more of its own (deepseek_mtp.py DeepSeekMultiTokenPredictorLayer.__init__,
    0.24.0 wheel; models/deepseek_v32/nvidia/mtp.py DeepseekV32MultiTokenPredictorLayer, 0.34.0;
    rank_weights adds them where the draft sits).
    """
    return max_num_batched_tokens * _TOPK.get(spec, (), _index_topk, spec) * 4


def deepstack_buffer_bytes(spec: ModelSpec, max_num_batched_tokens: int, elem_bytes: int) -> int:
    """The deepstack input buffers a Qwen3-VL model allocates at init on each rank that builds
    its vision tower: deepstack mergers x max_num_batched_tokens x text hidden x the served
    dtype, whole on every TP rank; 0 for a model without deepstack mergers (Qwen3.5, Llama 4).

    NOTE: qwen3_vl.py and qwen3_vl_moe.py Qwen3VL(Moe)ForConditionalGeneration.__init__
    (`self.deepstack_input_embeds = [torch.zeros(scheduler_config.max_num_batched_tokens,
    config.text_config.hidden_size) for _ in range(self.deepstack_num_level)]`, the default
    dtype on the load device: model_loader/base_loader.py set_default_torch_dtype; 0.11.0,
    0.13.0, 0.17.0, 0.27.0, 0.28.0 and 0.34.0 wheels). Only where the tower is built: 0.11.0 and
    0.13.0 `self.visual is not None`, 0.17.0-0.27.0 inside _mark_tower_model's meta-device
    context, from 0.28.0 `not isinstance(self.visual, StageMissingLayer)`, so none under
    --language-model-only or zero image and video limits. Qwen3-VL-32B at 8,192 batched
    tokens: 3 x 8,192 x 5,120 x 2 B = 251,658,240 B per GPU.
    """
    enc = spec.vision.encoder if spec.vision else None
    return 0 if enc is None else (enc.deepstack * max_num_batched_tokens * spec.hidden_size
                                  * elem_bytes)


_TOPK: IdentityMemo[int] = IdentityMemo(256)
"""_index_topk by spec: every plan asks sparse_mla_buffer_bytes, which walked the layers."""


def _index_topk(spec: ModelSpec) -> int:
    """The first sparse-MLA layer's index_topk (0: none)."""
    return next((layer.mixer.index_topk for layer in spec.layers
                 if isinstance(layer.mixer, MlaMixer) and layer.mixer.index_topk), 0)


def _vision_unbuilt(spec: ModelSpec, siglip_head: bool) -> int:
    """Tower parameters this release does not build (VisionSpec.unbuilt_params, and the SigLIP
    pooling head unless `siglip_head`)."""
    return 0 if spec.vision is None else spec.vision.unbuilt_params + (
        0 if siglip_head else spec.vision.pooling_head_params)


def tower_bytes(spec: ModelSpec, params: ParamBreakdown, siglip_head: bool = False) -> int:
    """The vision tower as this release builds it, whole: what one GPU holds of it at TP 1 or
    under --mm-encoder-tp-mode data (vllm_versions.ENCODER_TP_DATA_TYPES)."""
    if spec.vision is None:
        return 0
    return round((params.vision - _vision_unbuilt(spec, siglip_head))
                 * TORCH_DTYPE_BYTES[spec.torch_dtype])


def tower_rank_bytes(spec: ModelSpec, params: ParamBreakdown, tp: int, siglip_head: bool = False,
                     tower_whole: bool = False) -> int:
    """The vision tower on one TP rank of a stage that holds it, as rank_weights places it
    (its split layers over TP, VisionSpec.replicated_params whole; all of it whole where
    `tower_whole` but data_mode_split_params), in the checkpoint's dtype as tower_bytes."""
    _, unbuilt, whole = _vision_placement(spec, params, False, siglip_head, tower_whole)
    built = params.vision - unbuilt
    held = min(built, whole)
    return round(((built - held) / tp + held) * TORCH_DTYPE_BYTES[spec.torch_dtype])


def tied_head_bytes(spec: ModelSpec, scheme: QuantScheme, tp: int) -> int:
    """Bytes of a tied lm_head on one TP rank of a stage that also holds embed_tokens (PP = 1):
    its padded vocabulary rows (_vocab_rows) x hidden at the tied embeddings' bits. rank_weights
    counts that matrix once, in embeddings_bytes (the rank holds it once), and leaves
    lm_head_bytes 0; the logits GEMM still reads all of it every step (vLLM 0.19.0
    logits_processor.py LogitsProcessor._get_logits: lm_head.quant_method.apply(lm_head,
    hidden_states) over the ParallelLMHead that *ForCausalLM.__init__ ties to
    model.embed_tokens, e.g. gemma4.py Gemma4ForCausalLM: lm_head.tie_weights(embed_tokens)).
    google/gemma-4-26B-A4B at TP 1: 262,144 x 2,816 x 2 B = 1,476,395,008 B."""
    rows = _vocab_rows(spec.vocab_size, _Shard(range(0), tp=tp, pad_vocab=True))
    return math.ceil(rows * spec.hidden_size * _scheme_bits(spec, scheme).embeddings / 8)


def rank_dense_params(spec: ModelSpec, params: ParamBreakdown, layers: range, tp: int,
                      gdn_ba_whole: bool = False, latent_fc1_split: bool = False,
                      shared_experts_misaligned: bool = False) -> int:
    """Parameters one TP rank multiplies per token in `layers` outside the routed experts:
    its attention, dense MLP, shared experts and router, by the per-rank rules of its weight
    bytes (_terms at one byte per weight), so that what vLLM replicates on every TP rank
    counts whole there too: MLA's q_a / kv_a projections and a sparse-attention indexer
    (_attention_per_rank), KV heads when tp > num_kv_heads, the MoE router (ReplicatedLinear /
    GateLinear). DeepSeek-V3 layer at TP 8: 7,168 x (1,536 + 576) q_a + kv_a + 2,048 norms
    whole, (q_b 37,748,736 + kv_b 16,777,216 + o 117,440,512) / 8 = 36,636,672; the router
    7,168 x 256 + 256 bias = 1,835,264. DeepSeek-V4 takes the rules of its layers' mixer (a
    one-KV-head sliding-window attention, its KV layout), as a what-if scheme's bytes do
    (weights_dsv4 prices its checkpoint tensor by tensor, in bytes only): of what vLLM
    replicates (fused_wqa_wkv, the compressors, the indexer) that counts one 1,024-wide KV
    head whole and splits the rest, an undercount (unverified). `gdn_ba_whole`,
    `latent_fc1_split`: as WeightLoadRules' (rank_weights' `rules`);
    `shared_experts_misaligned` counts the shared experts whole (WeightLoadRules'; under
    sequence-parallel MoE each rank runs its whole copy over 1/TP of the tokens: split)."""
    one = (8.0,) * len(_LAYER_COMPONENTS)
    bits = _SchemeBits(8.0, 8.0, 8.0, (one,) * spec.num_layers, kept_bits=8.0)
    shard = _Shard(layers, tp, first_stage=False, last_stage=False, layers_only=True,
                   rules=WeightLoadRules(gdn_ba_whole=gdn_ba_whole,
                                         latent_fc1_split=latent_fc1_split,
                                         shared_experts_whole=shared_experts_misaligned))
    t = _terms(spec, bits, params, shard)
    return t.attention_bytes + t.dense_mlp_bytes + t.shared_experts_bytes + t.router_bytes


def _dsv4_model(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether DeepSeek-V4 in `scheme` is priced tensor by tensor (_dsv4_terms): in its own
    format, as stored or as a what-if of it (--target-quant with --target-checkpoint), unlike
    quant.stored_format. DeepseekV4FP8Config and the model code, not the checkpoint's module
    list, set every tensor's dtype (the config has no exclusion list or per-module formats),
    so another checkpoint in that format loads the same bytes: the uniform terms (_terms)
    would leave out its rotary caches, buffers and hyper-connections, and price its bf16
    compressors and replicated projections as split FP8 (1.53 GiB less per GPU for Flash at
    TP=8). Another format falls back to the uniform terms."""
    return (spec.compressed_attention is not None and spec.quant is not None
            and scheme.key == spec.quant.scheme)


def _dsv4_terms(spec: ModelSpec, params: ParamBreakdown, shard: _Shard, act_b: int,
                max_num_batched_tokens: int, mtp_layers: int = 0, mtp_own_heads: bool = False,
                mtp_own_embed: bool = False, pp: int = 1) -> WeightTerms:
    """DeepSeek-V4 on one rank (planner.serving.weights_dsv4); on the last stage its
    `mtp_layers` MTP draft layers (weights_dsv4.dsv4_draft_bytes), each with its own lm_head
    copy where `mtp_own_heads` and the draft's embedding where `mtp_own_embed` at PP > 1, as
    _loaded_terms adds them (the target's load_weights skips "mtp."); its _mtp_hidden_buffer
    on the last stage with the draft, or without it where the release builds it always (not
    shard.rules.dsv4_mtp_buffer_draft_only). In vLLM's sequence-parallel mode
    (weights_dsv4.dsv4_sequence_parallel, from shard.rules.dsv4_sequence_parallel) the target's
    and the draft's shared experts are whole on every rank."""
    local = tuple(round(_experts_per_rank(lp, shard) / lp.expert_size) if lp.expert_size
                  else 0 for lp in params.layers)
    rows = _vocab_rows(spec.vocab_size, shard)
    whole = dsv4_sequence_parallel_on(shard.rules, shard.tp, shard.ep_size, pp)
    r = dsv4_rank_bytes(spec, shard.layers, shard.tp, local, shard.first_stage,
                        shard.last_stage, rows, act_b, whole)
    buffers = dsv4_buffer_bytes(spec, max_num_batched_tokens, act_b, shard.last_stage and (
        bool(mtp_layers) or not shard.rules.dsv4_mtp_buffer_draft_only))
    table = rows * spec.hidden_size * act_b
    mtp = _draft_bytes(dsv4_draft_bytes(spec, shard.tp, local[-1], act_b, whole), table,
                       mtp_layers, mtp_own_heads, mtp_own_embed and pp > 1) if (
        mtp_layers and shard.last_stage) else 0
    return WeightTerms(embeddings_bytes=r.embeddings, attention_bytes=r.attention,
                       experts_bytes=r.experts, shared_experts_bytes=r.shared_experts,
                       router_bytes=r.router, norms_bytes=r.norms, lm_head_bytes=r.lm_head,
                       rope_cache_bytes=r.rope_cache, hyper_connections_bytes=r.hyper_connections,
                       buffers_bytes=buffers, mtp_bytes=mtp)


def dsv4_sequence_parallel_on(rules: WeightLoadRules, tp: int, ep_size: int, pp: int) -> bool:
    """Whether DeepSeek-V4 runs sequence-parallel at TP `tp`, EP size `ep_size` (1 without EP)
    and PP `pp` in the release and --moe-backend of `rules` (WeightLoadRules
    .dsv4_sequence_parallel, .mega_moe; weights_dsv4.dsv4_sequence_parallel): the memory
    plan's shared experts and the speed's collectives both follow it."""
    return rules.dsv4_sequence_parallel and dsv4_sequence_parallel(tp, ep_size, pp == 1,
                                                                   rules.mega_moe)


_REPLICATED_FC = frozenset({"deepseek_v3", "deepseek_v32", "glm_moe_dsa", "mimo",
                            "mimo_v2_flash"})
"""Model types whose MTP fc (eh_proj) is a replicated, unquantized linear in the model dtype.

NOTE: vLLM 0.22.0 deepseek_mtp.py DeepSeekMultiTokenPredictorLayer (also GLM-5's draft:
speculative.py maps glm_moe_dsa to deepseek_mtp) and mimo_mtp.py (input_proj) build it as
torch nn.Linear(2 x hidden, hidden); mimo_v2_mtp.py as ReplicatedLinear without a
quant_config. qwen3_next_mtp.py, qwen3_5_mtp.py and nemotron_h_mtp.py use a
ColumnParallelLinear.
"""


def _mtp_bytes(spec: ModelSpec, scheme: QuantScheme, bits: "_SchemeBits",
               params: ParamBreakdown, shard: _Shard, elem: int) -> tuple[int, int]:
    """One MTP draft layer on this rank: its decoder layer (a copy of the last one, or the
    spec's own mtp_layer), sharded like the model's layers, plus its fc (2 x hidden -> hidden)
    and 3 norms; embeddings and lm_head are the target's (at PP > 1 the draft's own embedding
    is rank_weights' mtp_own_embed). With its routed experts' bytes on this rank, which
    EPLB's transfer buffer for the draft copies (WeightLoadRules.eplb_draft_buffer; NOTE of
    eplb_buffer_bytes: the draft's EplbState.add_model does the same for its first MoE layer).

    NOTE: vLLM qwen3_5_mtp.py Qwen3_5MultiTokenPredictor (fc ColumnParallelLinear(2 x hidden,
    hidden), pre_fc_norm_hidden, pre_fc_norm_embedding, norm, one decoder layer);
    v1/spec_decode/llm_base_proposer.py _maybe_share_embeddings / _maybe_share_lm_head (V1, to
    0.33.0) and v1/worker/gpu/spec_decode/eagle/utils.py load_eagle_model (Model Runner V2, the
    only runner in 0.34.0): an MTP draft takes the target's lm_head, and its embedding at one
    pipeline stage (its own copies are deleted; planner.serving.mtp.draft_builds_embed).
    A column-parallel fc is held in the dense-MLP format of the last layer; a replicated one
    (_REPLICATED_FC) whole, in the served dtype. MiMo-V2-Flash (mimo_v2_mtp.py, 0.21.0-0.34.0):
    enorm, hnorm, final_layernorm, and the layer's o_proj is built without a quant_config
    (mimo_v2.py MiMoV2Attention: quant_config if "mtp.layers" not in prefix else None), so
    it stays in the served dtype.
    """
    n = spec.num_layers
    draft = spec.mtp_layer
    if mtp_excluded(spec, scheme):
        bits = _SchemeBits(bits.embeddings, bits.lm_head, bits.final_norm,
                           (*bits.layers[:-1], (KEPT_BITS,) * len(bits.layers[-1])))
    if draft is not None:
        spec = spec.model_copy(update={"layers": (*spec.layers, draft)})
        params = params.model_copy(update={"layers": (
            *params.layers, layer_params(draft, spec.hidden_size, spec.norm_bias))})
        bits = _SchemeBits(bits.embeddings, bits.lm_head, bits.final_norm,
                           (*bits.layers, bits.layers[-1]))
    index = n if draft is not None else n - 1
    # gdn_ba_whole stays off: vLLM builds a Qwen3-Next / Qwen3.5 MTP draft layer as
    # full_attention (qwen3_next_mtp.py, qwen3_5_mtp.py, 0.19.0 and 0.34.0): no in_proj_ba;
    # the gate as the model's unless the draft's renamed config loses the rule (draft_gate_kept)
    draft_rules = shard.rules._replace(gdn_ba_whole=False, gate_fp32=shard.rules.gate_fp32
                                       and not shard.rules.draft_gate_kept)
    layer = _terms(spec, bits, params, _Shard(range(index, index + 1), shard.tp, shard.ep_size,
                                              shard.ep_rank, False, False, shard.pad_vocab,
                                              shard.expert_pad, layers_only=True,
                                              expert_dp=shard.expert_dp,
                                              rules=draft_rules))
    hidden = spec.hidden_size
    if mtp_fc_replicated(spec):
        fc = 2 * hidden * hidden * elem
    else:
        fc = math.ceil(2 * hidden * hidden / shard.tp * bits.layers[-1][1] / 8)
    o_proj = 0
    if spec.model_type == "mimo_v2_flash" and isinstance(draft.mixer, AttentionMixer):
        o_params = draft.mixer.num_heads * draft.mixer.v_head_dim * hidden / shard.tp
        o_proj = math.ceil(o_params * (8 * elem - bits.layers[-1][0]) / 8)
    return layer.total_bytes + fc + 3 * hidden * elem + o_proj, layer.experts_bytes


def mtp_fc_replicated(spec: ModelSpec) -> bool:
    """Whether the model's MTP fc (eh_proj) is whole on every rank (_REPLICATED_FC), not split
    over TP."""
    return spec.model_type in _REPLICATED_FC


def mtp_excluded(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether the checkpoint's exclusion list keeps the MTP layers in 16-bit (planned as
    stored only: quant.stored_format).

    NOTE: vLLM modelopt.py ModelOptQuantConfigBase.is_layer_excluded matches exclude_modules
    as wildcards against the module prefix; qwen3_5_mtp.py builds the draft under "mtp"
    (mtp.fc, mtp.layers.0.*), so nvidia/Qwen3.6-35B-A3B-NVFP4's "mtp*" leaves it unquantized.
    """
    return stored_format(spec, scheme) and any(
        fnmatch("mtp.layers.0.mlp", p) and fnmatch("mtp.fc", p)
        for p in spec.quant.excluded_modules)


def rope_cache_rows(spec: ModelSpec, mrope_factor: int = 1, positions: int = 0) -> int:
    """Rows of the global rotary cos/sin cache vLLM precomputes, `mrope_factor` rows per
    position of an M-RoPE's (vllm_versions.mrope_cache_factor: 4 where MRotaryEmbedding
    enlarges it; Qwen3-VL-32B at vLLM 0.31: 262,144 x 4 = 1,048,576 rows, at 0.32 on 262,144),
    over `positions` where above max_position_embeddings (WeightLoadRules.rope_positions:
    MiniMax-M2's max_model_len, 262,144 rows past its 196,608).

    NOTE (vLLM model_executor/layers/rotary_embedding): get_rope(head_size, max_position =
    config.max_position_embeddings, ...) builds cos_sin_cache of shape [rows, rotary_dim]:
    default / llama3 / dynamic: rows = max_position (Llama-3.1: 131,072; Llama-4-Scout
    10,485,760), an M-RoPE's x mrope_factor; linear (LinearScalingRotaryEmbedding):
    max_position x factor (Gemma-3: 131,072 x 8 = 1,048,576); yarn and deepseek_yarn
    (YaRNScaling / DeepseekScaling, which get original_max_position_embeddings): ceil(original
    x factor) (DeepSeek-V2: 4,096 x 40 = 163,840), an M-RoPE's ceil(original x mrope_factor x
    factor). Other types (longrope, ...) are ASSUMED to be max_position rows.
    """
    return rope_rows(spec.rope_scaling_type, spec.rope_scaling_factor,
                     max(spec.max_position_embeddings, positions),
                     spec.original_max_position_embeddings, mrope_factor)


def rope_rows(kind: str | None, factor: float | None, max_position: int,
              original: int | None, mrope_factor: int = 1) -> int:
    """Rows of a cos/sin cache get_rope builds for rope type `kind` (rope_cache_rows): an
    M-RoPE enlarges the positions it is built over by `mrope_factor` before a YaRN factor
    applies (MRotaryEmbedding over original x 4, then YaRN's arange(positions x factor))."""
    if kind == "linear":
        return math.ceil(max_position * (factor or 1.0))
    if kind == "yarn" and original:
        return math.ceil(original * mrope_factor * (factor or 1.0))
    return max_position * mrope_factor


FP32_ROPE_CACHE = frozenset({"gpt_oss"})
"""model_types whose rotary cos/sin cache vLLM builds in float32 whatever the served dtype
(rank_weights).

NOTE: gpt_oss.py OAIAttention.__init__ calls get_rope(..., dtype=torch.float32) (0.19.0,
0.24.0 and 0.34.0 wheels) and rotary_embedding/base.py RotaryEmbeddingBase.__init__ keeps
cos_sin_cache as `cache.to(dtype)`: float32 at load. Its forward (_match_cos_sin_cache_dtype)
swaps in a copy in the query's dtype only outside torch.compile, after the model is loaded.
gpt-oss-20b / 120b: yarn 4,096 x 32 = 131,072 rows x head_dim 64 x 4 B = 33,554,432 B on
every GPU, 16,777,216 in bf16.
"""


_ROPE: IdentityMemo[int] = IdentityMemo(256)
"""rope_cache_bytes by spec and element bytes."""


def rope_cache_bytes(spec: ModelSpec, elem_bytes: int, mrope_factor: int = 1,
                     positions: int = 0) -> int:
    """_rope_cache_bytes, cached per spec, element size, M-RoPE rows per position and the
    positions it is built over (rope_cache_rows): rank_weights asks for every layout."""
    return _ROPE.get(spec, (elem_bytes, mrope_factor, positions), _rope_cache_bytes, spec,
                     elem_bytes, mrope_factor, positions)


def _rope_cache_bytes(spec: ModelSpec, elem_bytes: int, mrope_factor: int,
                      positions: int) -> int:
    """Bytes of the rotary cos/sin caches on one rank (vLLM builds them on every rank).

    NOTE (vLLM rotary_embedding/base.py, get_rope): RotaryEmbedding computes cos and sin
    (rotary_dim / 2 each) for every position, concatenates them into cos_sin_cache of shape
    [rows, rotary_dim] and stores it in the model dtype; get_rope caches one instance per
    distinct (head_size, rotary_dim, max_position, rope parameters, dtype), so layers share
    it. Llama-3.1-8B: 131,072 x 128 x 2 B = 33,554,432 B = 0.031 GiB, the gap between our
    weights and vLLM's "Model loading took" line. Gemma-3-12B (head_dim 256): 1,048,576 x
    256 x 2 = 0.5 GiB global + 131,072 x 256 x 2 = 0.0625 GiB for the sliding layers' own
    unscaled rope (rope_local: max_position rows). Partial rotary: Qwen3-Next 262,144 x
    (256 x 0.25 = 64) x 2 = 32 MiB. MLA uses qk_rope_head_dim; NoPE layers (rotary_dim 0),
    linear-attention and Mamba layers have none. An M-RoPE's cache holds `mrope_factor` rows
    per position (rope_cache_rows): Qwen3.5-27B at vLLM 0.31, 262,144 x 4 x 64 x 2 B = 128 MiB.
    Over `positions` past max_position_embeddings (rope_cache_rows): MiniMax-M2.5 at
    --max-model-len 262,144, 262,144 x 64 x 2 B = 32 MiB, not 196,608's 24 MiB.
    """
    rows = rope_cache_rows(spec, mrope_factor, positions)
    local_rows = spec.max_position_embeddings
    return elem_bytes * sum((local_rows if local else rows) * dim
                            for _, dim, local in _rope_caches(spec))


def rope_cache_reach(spec: ModelSpec, mrope_factor: int = 1, positions: int = 0) -> int:
    """The positions every rotary cos/sin cache of `spec` holds, as _rope_cache_bytes counts
    them: the fewest rows of its caches (rope_cache_rows for the global ones, at
    `mrope_factor` and over `positions`; max_position_embeddings for a sliding layer's own
    local rope: Gemma 3's 131,072), which ops.rotary_embedding indexes by position
    unchecked; 0 where it builds none (no layer with a rotary embedding: Nemotron-H)."""
    caches = _rope_caches(spec)
    if not caches:
        return 0
    rows = rope_cache_rows(spec, mrope_factor, positions)
    return min(spec.max_position_embeddings if local else rows for _, _, local in caches)


def global_rope_widths(spec: ModelSpec) -> tuple[int, ...]:
    """The widths of the rotary caches built over rope_cache_rows (not a sliding layer's own
    local rope), one per cache, as _rope_cache_bytes counts them."""
    return tuple(sorted(dim for _, dim, local in _rope_caches(spec) if not local))


def _rope_caches(spec: ModelSpec) -> set[tuple[int, int, bool]]:
    """(head_dim, cache width, local) of each rotary cache get_rope builds for `spec`'s
    layers: one per distinct key (_rope_cache_bytes)."""
    caches: set[tuple[int, int, bool]] = set()
    for layer in spec.layers:
        mixer = layer.mixer
        if isinstance(mixer, MlaMixer):
            caches.add((mixer.qk_rope_head_dim, mixer.qk_rope_head_dim, False))
        elif isinstance(mixer, AttentionMixer) and mixer.rotary_dim:
            caches.add((mixer.head_dim, mixer.rope_cache_dim, mixer.rope_local))
    return caches


_LAYER_COMPONENTS: tuple[Component, ...] = (
    "attention", "dense_mlp", "experts", "shared_experts", "router", "norms"
)  # fmt: skip
"""The per-layer components, in the order of _SchemeBits.layers' entries."""


@dataclass(frozen=True)
class _SchemeBits:
    """Bits per weight of every component in one scheme, checkpoint exclusions applied."""

    embeddings: float  # the token embeddings (lm_head bits when tied)
    lm_head: float
    final_norm: float
    layers: tuple[tuple[float, ...], ...]  # per layer, one entry per _LAYER_COMPONENTS
    kept_bits: float = KEPT_BITS  # a mixer's never-quantized tensors (_terms); a count's 8


_BITS: IdentityMemo[_SchemeBits] = IdentityMemo(256)
"""_scheme_bits by spec and weight format (scheme.memo_key)."""


def _scheme_bits(spec: ModelSpec, scheme: QuantScheme) -> _SchemeBits:
    """_find_bits, cached per spec and weight format: rank_weights asks for every layout."""
    return _BITS.get(spec, scheme.memo_key, _find_bits, spec, scheme)


def _find_bits(spec: ModelSpec, scheme: QuantScheme) -> _SchemeBits:
    """Look every component's bits up once, so that a shard's loop over layers only reads them.

    In the checkpoint's own format, as stored (quant.stored_format), its exclusion list keeps
    the modules it names in 16-bit, and a checkpoint that lists its modules' formats (ModelOpt
    MIXED_PRECISION) stores each component in its own (quant.ComponentFormats; unlisted ones
    16-bit), and one whose modules take their own int format (AutoRound extra_config:
    quant.ModuleBits) blends them into their components; layers no list names one by one
    share the same bits.
    """
    exclusions = checkpoint_exclusions(spec, scheme)
    formats = checkpoint_formats(spec, scheme)
    own = checkpoint_module_bits(spec, scheme)

    def bits(component: Component, layer: int | None = None) -> float:
        if exclusions.excluded(layer, component) or model_keeps_16bit(spec, component):
            return KEPT_BITS
        if formats is not None:
            return formats.bits(layer, component)
        listed = own.bits(layer, component) if own is not None else None
        return scheme.bits_for(component) if listed is None else listed

    shared = tuple(bits(c) for c in _LAYER_COMPONENTS)
    named = {i: tuple(bits(c, i) for c in _LAYER_COMPONENTS)
             for i in {*exclusions.by_layer, *(formats.by_layer if formats else ()),
                       *(own.by_layer if own else ())}}
    # NOTE: llama.cpp stores tied token embeddings in the output (lm_head) type, and every
    # other scheme keeps both in 16-bit, so tied embeddings take the lm_head bits.
    return _SchemeBits(
        embeddings=bits("lm_head" if spec.tie_word_embeddings else "embeddings"),
        lm_head=bits("lm_head"),
        final_norm=bits("norms"),
        layers=tuple(named.get(i, shared) for i in range(spec.num_layers)),
    )


_LINEAR_COMPONENTS = frozenset({"attention", "dense_mlp", "shared_experts"})


def _loaded_bits(spec: ModelSpec, scheme: QuantScheme, rules: WeightLoadRules) -> _SchemeBits:
    """The scheme's bits as this release loads them on this layout: less the linear layers'
    zero points it frees (_without_linear_zeros), routed experts in the scheme's own format at
    MoE WNA16's bits where they fall back there (rules.wna16_expert_bits), a 16-bit router in
    the scheme's bits where the quantization takes it (rules.router_quantized) and the
    checkpoint's exclusion list does not name that layer's (quant.checkpoint_exclusions)."""
    bits = _without_linear_zeros(_scheme_bits(spec, scheme), scheme, rules.zeros_freed_bits)
    if not (rules.wna16_expert_bits or rules.router_quantized):
        return bits
    own = scheme.bits_per_weight
    exclusions = checkpoint_exclusions(spec, scheme)

    def loaded(component: str, b: float, i: int) -> float:
        if component == "experts" and b == own and rules.wna16_expert_bits:
            return rules.wna16_expert_bits
        return own if (component == "router" and b == KEPT_BITS and rules.router_quantized
                       and not exclusions.excluded(i, "router")) else b

    return replace(bits, layers=tuple(
        tuple(loaded(c, b, i) for c, b in zip(_LAYER_COMPONENTS, layer, strict=True))
        for i, layer in enumerate(bits.layers)))


def _without_linear_zeros(bits: _SchemeBits, scheme: QuantScheme, freed: float) -> _SchemeBits:
    """`bits` less the `freed` bits per weight on the linear layers held in the scheme's own
    format (attention, dense MLP, shared experts, a quantized lm_head): the zero points vLLM
    drops at load (weight_load.gptq_zeros_freed_bits). Routed experts (fused Marlin MoE), routers,
    norms and 16-bit modules keep theirs. Qwen2.5-7B int4 g128: 4.15625 -> 4.125 bits."""
    if not freed:
        return bits
    own = scheme.bits_per_weight

    def less(value: float) -> float:
        return value - freed if value == own else value

    return replace(bits, lm_head=less(bits.lm_head), layers=tuple(
        tuple(less(b) if c in _LINEAR_COMPONENTS else b
              for c, b in zip(_LAYER_COMPONENTS, layer, strict=True))
        for layer in bits.layers))


def _terms(
    spec: ModelSpec, bits: _SchemeBits, params: ParamBreakdown, shard: _Shard
) -> WeightTerms:
    """Weight bytes of one shard of the model: its stage's own tensors (_stage_tensor_bits),
    then its decoder layers' (_layer_bits)."""
    total = _stage_tensor_bits(spec, bits, params, shard)
    attention, dense_mlp, experts, shared_experts, router, norms, per_layer_inputs = (
        _layer_bits(spec, bits, params, shard, total.get("norms", 0.0)))
    if per_layer_inputs:
        # NOTE: Gemma 4's per-layer input gate / projection are ReplicatedLinear and their
        # norm an RMSNorm (vLLM 0.33.0, 0.34.0 gemma4.py Gemma4DecoderLayer): whole on every rank,
        # counted with the embeddings at their bits (16 in a bf16 checkpoint; a quantized
        # E2B/E4B checkpoint's format for them is not read, unverified).
        _add(total, "embeddings", per_layer_inputs, bits.embeddings)
    total.update(attention=attention, dense_mlp=dense_mlp, experts=experts,
                 shared_experts=shared_experts, router=router, norms=norms)  # fmt: skip
    return WeightTerms(**{f"{c}_bytes": math.ceil(b / 8) for c, b in total.items()})


def _add(total: dict[str, float], component: str, n_params: float, n_bits: float) -> None:
    """Adds a component's bits to `total` (_terms' sums by component)."""
    total[component] = total.get(component, 0.0) + n_params * n_bits


def _stage_tensor_bits(spec: ModelSpec, bits: _SchemeBits, params: ParamBreakdown,
                       shard: _Shard) -> dict[str, float]:
    """Bits of the tensors outside the decoder layers that a shard's stage holds, by
    component: the embeddings, the vision tower, the final norm and the lm_head (with its
    bias), on the stages vLLM builds each on."""
    total: dict[str, float] = {}
    vocab_share = _vocab_rows(spec.vocab_size, shard) / spec.vocab_size
    unguarded = not (shard.layers_only or shard.transformers_backend)
    first, last, tied = shard.first_stage, shard.last_stage, not params.lm_head
    # the stages that build the embedding as such (tied=False): a later last stage's tied
    # embed_tokens is its lm_head, counted as such below
    embed, head = stage_heads(spec, first, last, tied=False, unguarded=unguarded)
    if embed:
        if first or not (last and tied):
            _add(total, "embeddings", params.embeddings * vocab_share, bits.embeddings)
        if spec.per_layer_input_size:
            _add(total, "embeddings", _per_layer_embeddings_per_rank(spec, shard), bits.embeddings)
    if shard.first_stage or shard.vision_every_stage:
        dtype_bits = 8 * TORCH_DTYPE_BYTES[spec.torch_dtype]
        built = params.vision - shard.vision_unbuilt
        whole = min(built, shard.vision_whole)
        _add(total, "vision", (built - whole) / shard.tp + whole, dtype_bits)
    if shard.last_stage or (unguarded and text_model_in(spec, FINAL_NORM_ON_EVERY_STAGE)):
        _add(total, "norms", params.final_norm, bits.final_norm)
    # NOTE: Phi's lm_head bias (params.lm_head_bias) is split over the vocabulary like the
    # head (ParallelLMHead `torch.empty(self.num_embeddings_per_partition, dtype=params_dtype)`,
    # layers/vocab_parallel_embedding.py, 0.9.1-0.34.0 wheels): the model dtype in any format.
    head_bias = params.lm_head_bias * vocab_share
    if head and (last or not tied):  # an earlier stage's tied lm_head is its embed_tokens
        # NOTE: with tied embeddings and PP > 1 the last stage holds its own copy of the
        # embedding matrix as lm_head (vLLM ParallelLMHead is only tied on a shared stage).
        elements = params.lm_head or (0 if first else params.embeddings)
        head_bits = bits.embeddings if tied else bits.lm_head
        _add(total, "lm_head", elements * vocab_share - head_bias, head_bits)
        _add(total, "lm_head", head_bias, max(head_bits, bits.kept_bits))
    return total


def _layer_bits(spec: ModelSpec, bits: _SchemeBits, params: ParamBreakdown, shard: _Shard,
                norms: float) -> tuple[float, float, float, float, float, float, float]:
    """Bits of a shard's decoder layers: (attention, dense MLP, routed experts, shared
    experts, router, norms, Gemma 4's per-layer inputs), the norms summed on from `norms`
    (the stage's final norm, as _terms adds them). Layers of one kind (shard.kinds) add the
    same figures (_layer_addends), worked out once per kind and added layer by layer, in
    order, as before: the same sums (Llama 3.1 405B's 126 layers are one kind)."""
    # The layer sums run in locals (the hot loop of a sweep), in the same order as _add().
    attention = dense_mlp = experts = shared_experts = router = per_layer_inputs = 0.0
    kinds, addends = shard.kinds, {}
    for i in shard.layers:
        kind = kinds[i] if kinds else i
        a = addends.get(kind)
        if a is None:
            a = addends[kind] = _layer_addends(spec, bits, params, shard, i)
        attention += a[0]
        attention += a[1]
        dense_mlp += a[2]
        dense_mlp += a[3]
        experts += a[4]
        experts += a[5]
        shared_experts += a[6]
        router += a[7]
        norms += a[8]
        per_layer_inputs += a[9]
    return attention, dense_mlp, experts, shared_experts, router, norms, per_layer_inputs


def quantized_params(spec: ModelSpec, params: ParamBreakdown, i: int, component: str) -> float:
    """The parameters of decoder layer `i`'s linear `component` that take the component's bits
    in the checkpoint as stored, whole (TP 1): less what vLLM holds in the model dtype whatever
    the format (_layer_addends: _attention_kept_per_rank, _dense_mlp_per_rank's biases, a
    shared_expert_gate and latent biases, routed experts' biases). A change in the component's
    bits scales these (startup.exclusion_lists.mapper_split_note)."""
    layer, lp, hidden = spec.layers[i], params.layers[i], spec.hidden_size
    if component == "attention":
        return lp.attention - _attention_kept_per_rank(layer.mixer, hidden, 1)
    if component == "dense_mlp":
        total, kept = _dense_mlp_per_rank(layer.mlp, hidden, lp.dense_mlp, 1)
        return total - kept
    if component == "shared_experts":
        return lp.shared_experts - _shared_expert_gate(layer.mlp, hidden) - _latent_projections(
            layer.mlp, hidden)[1]
    if component == "experts":
        return lp.routed_experts - (lp.routed_experts * lp.expert_bias / lp.expert_size
                                    if lp.expert_size else 0.0)
    return float(lp.router)


def _layer_addends(spec: ModelSpec, bits: _SchemeBits, params: ParamBreakdown, shard: _Shard,
                   i: int) -> tuple[float, ...]:
    """What decoder layer `i` adds to _layer_bits' sums, each in the order added (0.0 for a
    part it has none of, which leaves a sum as it is): attention, its 16-bit part; dense
    MLP, its 16-bit part; routed experts' biases, their weights; shared experts; router;
    norms; per-layer inputs."""
    layer, lp = spec.layers[i], params.layers[i]
    attention_bits, dense_bits, experts_bits, shared_bits, router_bits, norms_bits = (
        bits.layers[i]
    )
    attention_params = _attention_per_rank(
        layer.mixer, spec.hidden_size, lp.attention, shard.tp, shard.rules.gdn_ba_whole,
        v_slot=not shard.stored,
    )
    # the mixer's biases, norms, sinks, ... stay 16-bit in any scheme (_attention_kept_per_rank)
    attention_kept = 0.0
    if attention_bits < bits.kept_bits:
        wk_kept = not (shard.stored or shard.rules.indexer_wk_quantized)
        attention_kept = (_attention_kept_per_rank(layer.mixer, spec.hidden_size, shard.tp,
                                                   wk_kept) * (bits.kept_bits - attention_bits)
                          + (0.0 if shard.stored else _mla_dequantized_kv_b(layer.mixer, shard.tp)
                             * bits.kept_bits))
    if not shard.stored:  # A / A_log, counted above at the layer's bits, held in float32
        fp32 = _a_fp32_per_rank(layer.mixer, shard.tp, shard.rules.a_fp32_mixers)
        attention_kept += fp32 * max(0.0, 32 - max(attention_bits, bits.kept_bits))
    dense_params, dense_kept = _dense_mlp_per_rank(
        layer.mlp, spec.hidden_size, lp.dense_mlp, 1 if shard.rules.dense_mlp_whole else shard.tp)
    dense_kept_bits = dense_kept * (bits.kept_bits - dense_bits) if (
        dense_kept and dense_bits < bits.kept_bits) else 0.0
    expert_params = _experts_per_rank(lp, shard)
    expert_biases = 0.0
    if lp.expert_bias and isinstance(layer.mlp, MoeMlp):
        # NOTE: no scheme quantizes biases: gpt-oss stores its expert biases in bf16 beside
        # the MXFP4 blocks, and vLLM's Mxfp4MoEMethod creates w13_bias/w2_bias in bf16, then
        # holds them in float32 on the Triton and TRT-LLM kernels (rules.expert_bias_fp32).
        # gpt-oss-20b: 24 layers x 32 experts x (2 x 2880 + 2880) = 6,635,520 bias params.
        expert_params -= expert_params * lp.expert_bias / lp.expert_size
        bias_bits = 32.0 if shard.rules.expert_bias_fp32 and not shard.stored else max(
            experts_bits, KEPT_BITS)
        expert_biases = _expert_biases_per_rank(layer.mlp, lp, shard) * bias_bits
    if shard.expert_pad != (1, 1) and isinstance(layer.mlp, MoeMlp):
        expert_params *= expert_padding_factor(spec.hidden_size, layer.mlp, shard.expert_tp,
                                               shard.expert_pad)
    gate = _shared_expert_gate(layer.mlp, spec.hidden_size)
    latent, latent_bias = _latent_projections(layer.mlp, spec.hidden_size,
                                              shard.rules.latent_fc1_split)
    # NOTE: routers and norms are whole on every rank: vLLM builds the gate replicated
    # (ReplicatedLinear / GateLinear) and loads plain parameters and persistent buffers
    # whole (weight_utils.py default_weight_loader), in the model dtype (float32 where vLLM
    # builds them so: _router_total_bits). Gemma 4 (gemma4.py,
    # same in the 0.19.0, 0.20.0, 0.33.0 and 0.34.0 wheels): Gemma4Router.scale /
    # per_expert_scale, the MoE layers' three extra RMSNorms and Gemma4DecoderLayer's
    # layer_scalar buffer
    # (AutoWeightsLoader loads persistent buffers: utils.py _add_loadable_non_param_tensors).
    return (attention_params * attention_bits, attention_kept,
            dense_params * dense_bits, dense_kept_bits,
            expert_biases, expert_params * experts_bits,
            (lp.shared_experts - gate - latent) / (1 if shard.rules.shared_experts_whole
                                                   else shard.tp) * shared_bits
            + (latent - latent_bias) * shared_bits
            + (gate + latent_bias) * max(shared_bits, bits.kept_bits),
            lp.router * router_bits if shard.stored else _router_total_bits(
                layer.mlp, lp.router, router_bits, shard.rules),
            lp.norms * norms_bits,
            lp.per_layer_input)


def text_model_in(spec: ModelSpec, model_types: frozenset[str]) -> bool:
    """Whether the text model's vLLM class is one of `model_types`: the config's model_type,
    or text_config's for a wrapper that is no known architecture itself, which builds that
    type's vLLM model as it is (paligemma.py: Gemma2ForCausalLM from a gemma2 text_config;
    parser.layer_type)."""
    return spec.model_type in model_types or spec.window is not None and layer_type(
        spec.model_type, spec.window.text_model_type) in model_types


FINAL_NORM_ON_EVERY_STAGE = frozenset({
    "gemma", "gemma2", "gemma3", "gemma3_text", "gemma4", "gemma4_text", "gpt_oss",
    "granitemoe", "granitemoehybrid", "granitemoeshared", "mixtral", "nemotron_h", "olmo2",
    "olmo3", "olmoe", "phi", "qwen2_moe", "qwen3_moe", "qwen3_vl_moe", "starcoder2",
})  # fmt: skip
"""model_types whose token embeddings and final norm vLLM builds on every PP stage.

NOTE: their vLLM *Model.__init__ builds embed_tokens (gpt-oss: `embedding`) and the final norm
(Nemotron-H: `norm_f`, Phi: `final_layernorm`) with no get_pp_group().is_first_rank /
is_last_rank / PPMissingLayer guard, so every PP rank allocates and loads them (forward
reads them on the first / last rank only). Read in the 0.9.1, 0.10.1, 0.19.0 and 0.33.0
wheels (each file where that release ships it; gpt_oss.py from 0.10.1, gemma4.py from
0.19.0; olmo2.py, starcoder2.py and phi.py not in the 0.33.0 wheel read): gemma.py,
gemma2.py, gemma3.py (Gemma3ForConditionalGeneration's language model, gemma3_mm.py),
gemma4.py, gpt_oss.py, granitemoe.py, mixtral.py, nemotron_h.py, olmo2.py, olmoe.py,
phi.py, qwen2_moe.py, qwen3_moe.py (qwen3_vl_moe.py Qwen3MoeLLMModel subclasses it),
starcoder2.py; OLMo 3 too, whose Olmo3ForCausalLM the 0.11.0-0.25.0 registries build with
olmo2.py and the 0.26.0-0.28.0 ones with olmo3.py Olmo3Model (embed_tokens and norm
unguarded, 0.26.0 wheel); the 0.34.0 wheel the same for those it ships (gemma2.py,
gemma3.py, gemma4.py, gpt_oss.py, granitemoe.py, mixtral.py, nemotron_h.py, qwen2_moe.py,
qwen3_moe.py); granitemoehybrid.py GraniteMoeHybridModel (0.11.0, 0.19.0 and 0.34.0 wheels:
embed_tokens and norm unguarded, forward reads them on the first / last rank);
granitemoeshared.py GraniteMoeSharedModel (0.9.1, 0.19.0, 0.27.1, 0.28.0, 0.31.0 and 0.34.0
wheels: the same). A release
whose registry serves gemma, olmo2, olmo3, olmoe, phi or starcoder2
through the Transformers backend guards them (TRANSFORMERS_BACKEND_ARCHITECTURES). Llama,
Granite, Qwen2, Qwen3 (and Qwen3-VL), Phi-3, Mistral, DeepSeek-V2/V3, GLM-4 MoE, MiniMax-M2,
MiMo and MiMo-V2-Flash guard both (first stage / last stage)."""

EMBEDDINGS_ON_EVERY_STAGE = FINAL_NORM_ON_EVERY_STAGE | {
    "qwen3_next", "qwen3_5", "qwen3_5_moe",
}  # fmt: skip
"""model_types whose token embeddings (Gemma 4: and per-layer embeddings, PLE) sit on every
PP stage; a later stage's tied embed_tokens is its lm_head, counted as such.

NOTE: FINAL_NORM_ON_EVERY_STAGE's families, and qwen3_next.py / qwen3_5.py (Qwen3-Next,
Qwen3.5 and Qwen3.5-MoE), which build embed_tokens unguarded but the final norm on the last
stage only (is_last_rank / PPMissingLayer), in the 0.10.2 / 0.17.0 (first wheels with them),
0.19.0, 0.33.0 and 0.34.0 wheels (0.34.0's CUDA Qwen3.5, vllm/models/qwen3_5/nvidia/model.py
Qwen3_5Model, the same). vLLM Gemma4Model.__init__ (gemma4.py; 0.19.0, 0.20.0, 0.23.0,
0.25.0, 0.29.0, 0.32.0, 0.33.0 and 0.34.0 wheels) builds embed_tokens, embed_tokens_per_layer,
per_layer_model_projection, per_layer_projection_norm and norm unguarded, and
Gemma4ForCausalLM ties its ParallelLMHead to that rank's embed_tokens. Unverified against a
PP start-up."""

LM_HEAD_ON_EVERY_STAGE = frozenset({
    "gpt_oss", "granitemoe", "granitemoehybrid", "granitemoeshared", "mixtral", "nemotron_h",
    "olmo2", "olmo3", "olmoe", "phi", "qwen2_moe", "qwen3_moe", "qwen3_next", "qwen3_vl_moe",
    "starcoder2",
})  # fmt: skip
"""model_types whose untied lm_head vLLM builds on every PP stage (a tied one shares the
stage's embed_tokens, already counted as embeddings).

NOTE: their *ForCausalLM.__init__ builds `self.lm_head = ParallelLMHead(...)` with no
get_pp_group().is_last_rank / PPMissingLayer guard (compute_logits runs on the last rank
only): gpt_oss.py, granitemoe.py, mixtral.py, nemotron_h.py, olmo2.py, olmoe.py, phi.py,
qwen2_moe.py, qwen3_moe.py, qwen3_next.py, qwen3_vl_moe.py (Qwen3MoeLLMForCausalLM),
starcoder2.py (untied branch) in the 0.9.1, 0.19.0 and 0.33.0 wheels, each where it ships the
file, and those of them the 0.34.0 wheel ships; granitemoehybrid.py (0.11.0, 0.19.0, 0.34.0
wheels); granitemoeshared.py GraniteMoeSharedForCausalLM (0.9.1, 0.19.0, 0.27.1, 0.28.0, 0.31.0,
0.34.0 wheels); olmo3.py Olmo3ForCausalLM (0.26.0 wheel; OLMo
3 on olmo2.py before); on the Transformers backend the last stage only
(TRANSFORMERS_BACKEND_ARCHITECTURES). qwen3_5.py guards it (0.19.0, 0.33.0, 0.34.0); Gemma's
lm_head is tied (gemma.py, gemma3.py) or absent (gemma2.py: logits from embed_tokens)."""


def stage_heads(spec: ModelSpec, first: bool, last: bool, tied: bool | None = None,
                unguarded: bool = True) -> tuple[bool, bool]:
    """Whether a PP stage builds the embed_tokens and the lm_head modules: the first stage's
    embedding (a tied last stage's too, its lm_head), the last stage's lm_head, and every
    stage's for the types that build them unguarded (EMBEDDINGS_ON_EVERY_STAGE,
    LM_HEAD_ON_EVERY_STAGE) unless `unguarded` is false (the Transformers backend, a lone
    layer). `tied`: the lm_head is the embedding (None: the config's tie_word_embeddings).
    The one rule for the weights (_stage_tensor_bits) and the LoRA slots (lora.slots.stage_parts).
    NOTE: qwen3_moe.py Qwen3MoeForCausalLM builds its ParallelLMHead, tied or not, and
    Qwen3MoeModel its embed_tokens on every rank (0.17.0, 0.24.0 and 0.34.0 wheels); qwen3_5.py
    Qwen3_5Model its embed_tokens, its lm_head on the last rank only (0.29.0 and 0.34.0)."""
    tied = spec.tie_word_embeddings if tied is None else tied
    embed = first or (last and tied) or (
        unguarded and text_model_in(spec, EMBEDDINGS_ON_EVERY_STAGE))
    return embed, last or (unguarded and text_model_in(spec, LM_HEAD_ON_EVERY_STAGE))


TRANSFORMERS_BACKEND_ARCHITECTURES = {
    "gemma": "GemmaForCausalLM", "olmo2": "Olmo2ForCausalLM", "olmo3": "Olmo3ForCausalLM",
    "olmoe": "OlmoeForCausalLM", "phi": "PhiForCausalLM", "starcoder2": "Starcoder2ForCausalLM",
}  # fmt: skip
"""The architecture vLLM builds these types' text model with (config.json's; paligemma.py
writes GemmaForCausalLM into a gemma text_config), which later registries serve through the
Transformers backend (registry.py _TRANSFORMERS_BACKEND_MODELS, the fixture's
transformers_architectures): Starcoder2 from 0.25.0, OLMo 2 from 0.26.0, OLMo 3 from 0.29.0,
Phi from 0.32.0, Gemma and OLMoE from 0.34.0 (the 0.34.0 wheel has no gemma.py or olmoe.py).
FINAL_NORM_ON_EVERY_STAGE's types, for their PP stage placement; the OLMo ones also for their
k_norm at a TP above the KV heads (model_config.qk_norm_gather_refusal).

NOTE: the Transformers backend places the stage tensors itself: models/transformers/base.py
Base.pipeline_parallel (0.25.0, 0.26.0, 0.29.0, 0.32.0 and 0.34.0 wheels) takes the base
model's pp plan (transformers 5.24.0 GemmaConfig, Olmo2Config, PhiConfig, Starcoder2Config
base_model_pp_plan: embed_tokens, layers, the final norm), or without one the decoder's
children that hold parameters in order (OlmoeModel: embed_tokens, layers, norm), and makes a
PPMissingLayer of what comes before the layers except on the first stage, or the last where
tie_word_embeddings, and of what comes after them on every stage but the last; causal.py
CausalMixin builds lm_head (a ParallelLMHead, tied to that stage's embed_tokens where
tie_word_embeddings) on the last stage only. So a middle stage holds no embeddings, final
norm or lm_head; the first no final norm or lm_head."""


def transformers_backend(spec: ModelSpec, transformers_architectures: frozenset[str]) -> bool:
    """Whether a release whose registry serves `transformers_architectures` through its
    Transformers backend (vllm_cli.VllmCli) builds this text model there
    (TRANSFORMERS_BACKEND_ARCHITECTURES; a wrapper by its text model, as text_model_in)."""
    return text_model_in(spec, frozenset(
        model_type for model_type, architecture in TRANSFORMERS_BACKEND_ARCHITECTURES.items()
        if architecture in transformers_architectures))


VISION_ON_EVERY_STAGE = frozenset({
    "gemma3", "gemma4", "kimi_k25", "kimi_vl", "llama4", "llava", "llava_next", "mistral3",
    "paligemma", "qwen2_5_vl", "qwen2_vl", "qwen3_5", "qwen3_5_moe", "qwen3_vl", "qwen3_vl_moe",
})  # fmt: skip
"""Multimodal model_types whose vision tower and projector vLLM builds (and loads) on every PP
stage, though serving runs the encoder on the first only (gpu_model_runner.py _preprocess:
`supports_mm_inputs and is_first_rank`).

NOTE: their *ForConditionalGeneration.__init__ builds the tower with no get_pp_group() /
PPMissingLayer guard: gemma3_mm.py (SiglipVisionModel + Gemma3MultiModalProjector),
gemma4_mm.py, mllama4.py (Llama4VisionModel + projector), kimi_vl.py and kimi_k25.py
(MoonViT), llava.py, llava_next.py (granite-vision), mistral3.py (Pixtral tower), qwen2_vl.py,
qwen2_5_vl.py, qwen3_vl.py, qwen3_vl_moe.py, qwen3_5.py (Qwen3_VisionTransformer), each where
the release ships it, read in the 0.9.1, 0.10.1, 0.11.0-0.19.0, 0.20.0, 0.23.0-0.25.0,
0.29.0, 0.31.0, 0.32.0, 0.33.0 and 0.34.0 wheels (the only guard before 0.15 is
--limit-mm-per-prompt 0). From 0.15.0 they build it inside
SupportsMultiModal._mark_tower_model (interfaces.py), which swaps it for a StageMissingLayer
when every modality's limit is 0 and, from the 0.33.0 wheel (not in 0.32.0), "on pipeline
stages after the first under Model Runner V2" (`vllm_config.use_v2_model_runner and not
get_pp_group().is_first_rank`); the 0.34.0 wheel drops the runner test (`not
get_pp_group().is_first_rank`), V2 being its only runner (v1/worker/gpu_model_runner.py gone,
gpu_worker.py builds v1/worker/gpu/model_runner.py GPUModelRunner). paligemma.py
(SiglipVisionModel + PaliGemmaMultiModalProjector) likewise in the 0.9.1, 0.10.1, 0.16.0,
0.19.0, 0.24.0, 0.29.0, 0.33.0 and 0.34.0 wheels. Unverified against a PP start-up."""


def _per_layer_embeddings_per_rank(spec: ModelSpec, shard: _Shard) -> float:
    """Gemma 4's model-wide PLE tensors on one rank of the first stage.

    NOTE (vLLM 0.33.0 and 0.34.0 gemma4.py Gemma4Model): embed_tokens_per_layer is a
    VocabParallelEmbedding (rows padded to 64 and split over TP, as the token embeddings),
    per_layer_model_projection a ColumnParallelLinear (its layers x width outputs split over
    TP), per_layer_projection_norm whole. E2B at TP 1: 262,144 x 8,960 + 1,536 x 8,960 + 256.
    """
    width = spec.per_layer_input_size * spec.num_layers
    rows = _vocab_rows(spec.per_layer_input_vocab, shard)
    return rows * width + spec.hidden_size * width / shard.tp + spec.per_layer_input_size


def _vocab_rows(vocab_size: int, shard: _Shard) -> int:
    """Embedding rows on one rank: the padded vocabulary split over TP (vLLM:
    vocab.vocab_rows_per_rank) or all rows."""
    return vocab_rows_per_rank(vocab_size, shard.tp) if shard.pad_vocab else vocab_size


def _attention_per_rank(mixer: object, hidden: int, total: int, tp: int,
                        gdn_ba_whole: bool = False, v_slot: bool = True) -> float:
    """Token-mixer parameters on one TP rank.

    NOTE (vLLM QKVParallelLinear / RowParallelLinear): q and o split by heads; k and v split
    by KV heads while tp <= num_kv_heads, otherwise every rank holds one KV head (replicated
    tp / kv times), i.e. max(1, kv // tp) heads. Per-head q/k norms, OLMo 2's / OLMoE's
    whole-projection ones (families.WHOLE_QK_NORM_TYPES) and the o bias are replicated.
    Llama-3.1-8B layer at TP 16 (8 KV heads): k+v = 2 x 4096 x 1024 = 8,388,608 -> 1 of 8
    heads = 1,048,576 per rank; q+o = 33,554,432 / 16 = 2,097,152.
    MLA (DeepSeek-V2/V3): q_b (or q_proj), kv_b and o split by heads; q_a, kv_a, their norms
    and the sparse-attention indexer are replicated. Gated DeltaNet and Mamba2 split by heads,
    except Gated DeltaNet's gated output norm, RMSNormGated(head_v_dim): one head's width,
    applied to every value head, a plain parameter default_weight_loader loads whole, so every
    rank holds all of it. Read where the wheel ships Gated DeltaNet, in 0.10.2, 0.11.0,
    0.12.0, 0.13.0, 0.14.0, 0.15.1 and 0.16.0-0.34.0: `self.norm = RMSNormGated(
    self.head_v_dim, ...)` in qwen3_next.py Qwen3NextGatedDeltaNet.__init__ (0.10.2-0.18.1;
    qwen3_5.py Qwen3_5GatedDeltaNet subclasses it, 0.17.0-0.18.1), mamba/gdn_linear_attn.py
    GatedDeltaNetAttention.__init__ (0.19.0-0.21.0), mamba/gdn/qwen_gdn_linear_attn.py
    QwenGatedDeltaNetAttention.__init__ (0.22.0-0.34.0). Mamba2's Mixer2RMSNormGated is split
    (mamba_mixer2.py: per_rank_hidden_size = full_hidden_size // tp_size).
    `gdn_ba_whole`: Gated DeltaNet's in_proj_ba (hidden x 2 x num_value_heads) is whole on every
    rank too, in the layer's attention bits (vllm_versions.GDN_BA_WHOLE_FROM: still built with
    the quant_config; an AutoRound extra_config entry for in_proj_b / in_proj_a sets the whole
    component's bits, as quant._module_share places any GDN module). `v_slot`: with the V
    projection vLLM builds for a K=V layer (_v_slot); False for the checkpoint as stored.
    """
    if v_slot:
        total += _v_slot(mixer, hidden)
    if tp == 1:
        return total
    if isinstance(mixer, AttentionMixer):
        kv_width = _kv_width(mixer)
        kv = hidden * kv_width + (kv_width if mixer.qkv_bias else 0)
        replicated = hidden if mixer.o_bias else 0
        replicated += _shared_qk_norm(mixer)
        return (total - kv - replicated) / tp + _kv_on_rank(mixer, kv, tp) + replicated
    if isinstance(mixer, MlaMixer):
        heads = mixer.num_heads
        q_in = mixer.q_lora_rank or hidden
        split = q_in * heads * (mixer.qk_nope_head_dim + mixer.qk_rope_head_dim)
        split += mixer.kv_lora_rank * heads * (mixer.qk_nope_head_dim + mixer.v_head_dim)
        split += heads * mixer.v_head_dim * hidden
        return total - split + split / tp
    if isinstance(mixer, LinearAttentionMixer):
        whole = mixer.value_head_dim + (hidden * 2 * mixer.num_value_heads if gdn_ba_whole else 0)
        return (total - whole) / tp + whole
    if isinstance(mixer, MambaMixer):
        # out_proj's bias (RowParallelLinear) whole; in_proj and conv1d built with the groups
        # replicated to follow the head shards (_mamba_extra_groups), then split
        whole = hidden if mixer.proj_bias else 0
        return (total + _mamba_extra_groups(mixer, hidden, tp) - whole) / tp + whole
    return total / tp


def _mamba_extra_groups(mixer: MambaMixer, hidden: int, tp: int) -> int:
    """Parameters vLLM adds to a Mamba2 layer's in_proj and conv1d for the groups it replicates
    at `tp` (mamba_groups_total), before splitting them over the ranks.

    NOTE: mamba_mixer2.py MambaMixer2 (0.9.2, 0.19.0, 0.34.0 wheels): where n_groups % tp != 0
    (n_groups 1) it sets self.n_groups = n_groups + extra_groups_for_head_shards and builds
    conv1d and in_proj as ColumnParallelLinear of conv_dim = intermediate + 2 x n_groups x
    d_state (in_proj + intermediate + heads), whose loader (mamba_v2_sharded_weight_loader)
    gives every rank the whole group. Granite-style layer (hidden 64, 8 heads x 16, d_state 16,
    1 group, kernel 4 + conv bias) at TP=2: 1 extra group x 2 x 16 x (64 + 4 + 1) = 2,208."""
    extra = mamba_groups_total(mixer.n_groups, tp) - mixer.n_groups
    width = hidden + mixer.conv_kernel + mixer.conv_bias + mixer.proj_bias
    return extra * 2 * mixer.state_size * width



def _v_slot(mixer: object, hidden: int) -> int:
    """The value projection vLLM builds for a layer whose checkpoint has none: Gemma 4's
    attention_k_eq_v full-attention layers (kv_shared), K's shape again.

    NOTE: gemma4.py Gemma4Attention builds one QKVParallelLinear with num_kv_heads x head_dim
    of V for every layer with a KV cache of its own ("k_eq_v layers load K weights into both K
    and V slots ... no structural difference needed"), and the loader fills V with K's weights:
    the 0.19.0 wheel's weight iterator yields k_proj again as v_proj (weight.clone()), the
    0.33.0 and 0.34.0 wheels' hf_to_vllm_mapper stacks k_proj into the shards ["k", "v"]. The
    checkpoint's parameters (params._softmax_attention) have no v; the GPU holds it.
    Gemma-4-31B: 10 such layers x 4 KV heads x 512 x hidden 5,376 = 110,100,480 parameters."""
    if isinstance(mixer, AttentionMixer) and mixer.kv_shared and mixer.kv_source is None:
        return hidden * mixer.num_kv_heads * mixer.v_head_dim
    return 0


def _kv_width(mixer: AttentionMixer) -> int:
    """Output width of one layer's k and v projections as vLLM builds them: none for a layer
    reading another layer's KV (kv_source; params._softmax_attention), v beside k where the
    checkpoint has K=V (kv_shared: _v_slot)."""
    if mixer.kv_source is not None:
        return 0
    return mixer.num_kv_heads * (mixer.head_dim + mixer.v_head_dim)


def _kv_on_rank(mixer: AttentionMixer, kv_params: float, tp: int) -> float:
    """The part of the k/v projections' `kv_params` one TP rank holds: max(1, kv // tp) of
    the KV heads (replicated past tp = kv heads; _attention_per_rank's NOTE)."""
    return kv_params * max(1, mixer.num_kv_heads // tp) / mixer.num_kv_heads


def _shared_qk_norm(mixer: AttentionMixer) -> int:
    """The q/k norm weights every TP rank holds whole: Qwen3's per-head ones, one head_dim
    each, and OLMo 2's / OLMoE's whole-projection ones (qk_norm_whole: parser
    WHOLE_QK_NORM_TYPES), q only for a layer reading another layer's KV; 0 without q/k norms
    or where TP splits them by heads (MiniMax-M2's per-layer norms)."""
    if mixer.qk_norm_per_layer and not mixer.qk_norm_whole:
        return 0
    return qk_norm_params(mixer)


def _attention_kept_per_rank(mixer: object, hidden: int, tp: int,
                             indexer_wk_kept: bool = False) -> float:
    """Parameters of one token mixer on one TP rank that vLLM holds in the model dtype
    whatever the quantization, by _attention_per_rank's rules (what it replicates is whole).

    NOTE (vLLM 0.19.0, 0.33.0 and 0.34.0 wheels): biases: ColumnParallelLinear (QKVParallelLinear)
    and RowParallelLinear create `bias` in params_dtype whatever the quant_method
    (layers/linear.py); q's split by heads, k/v's by KV heads (max(1, kv // tp) of them),
    o's whole. Norms: RMSNorm and RMSNormGated create their weight in the default dtype,
    the model dtype while the model is built (layers/layernorm.py; model_loader
    set_default_torch_dtype): Qwen3's per-head q_norm / k_norm (qwen3.py, qwen3_moe.py),
    OLMo 2's / OLMoE's whole-projection ones (olmo2.py, olmoe.py),
    MLA's q_a_layernorm / kv_a_layernorm (deepseek_v2.py). Sinks: gpt_oss.py OAIAttention's
    `sinks`, num_heads // tp in the default dtype. DeepSeek-V3.2 / GLM-5 Indexer (replicated;
    deepseek_v2.py, 0.33.0 and 0.34.0 models/deepseek_v32/attention.py): k_norm LayerNorm weight
    + bias and weights_proj (quant_config=None), hidden x index_n_heads; with `indexer_wk_kept`
    (vllm_versions.INDEXER_WK_UNQUANTIZED_FROM: 0.20.0 on) its wk too, hidden x index_head_dim,
    fused with weights_proj into wk_weights_proj (DeepSeek-V3.2 FP8 at any TP: 61 x 7,168 x 128
    = 56,000,512 parameters on every rank); 0.33.0's k_norm in float32 left out (256 a layer).
    Gated DeltaNet (mamba/gdn_linear_attn.py, 0.33.0-0.34.0 mamba/gdn/qwen_gdn_linear_attn.py):
    conv1d is a ColumnParallelLinear built without a quant_config, dt_bias, A_log and the
    gated norm plain parameters. Mamba2 (mamba_mixer2.py): conv1d weight and bias
    (quant_config=None), A, D, dt_bias, the gated norm, and with use_bias the in_proj /
    out_proj biases. Both split over TP as
    _attention_per_rank splits them, Gated DeltaNet's gated norm whole. Mamba's A and (per
    release) A_log are float32: their other 16 bits are _a_fp32_per_rank's. Qwen3-235B-A22B:
    q_norm + k_norm 2 x 128 = 256 a layer on every rank, 94 x 256 = 24,064 in all.
    """
    if isinstance(mixer, AttentionMixer):
        kept = hidden if mixer.o_bias else 0.0
        if mixer.qkv_bias:
            # as params._softmax_attention: q (x2 with an output gate)
            q_out = mixer.num_heads * mixer.head_dim * (2 if mixer.output_gate else 1)
            kept += q_out / tp
            kept += _kv_on_rank(mixer, _kv_width(mixer), tp)
        shared_norms = _shared_qk_norm(mixer)
        kept += shared_norms + (qk_norm_params(mixer) - shared_norms) / tp
        if mixer.sinks:
            kept += mixer.num_heads / tp
        return kept
    if isinstance(mixer, MlaMixer):
        kept = (mixer.q_lora_rank or 0) + mixer.kv_lora_rank
        if mixer.index_n_heads and mixer.index_head_dim:
            kept += 2 * mixer.index_head_dim + hidden * mixer.index_n_heads
            kept += hidden * mixer.index_head_dim if indexer_wk_kept else 0
        return kept
    if isinstance(mixer, LinearAttentionMixer):
        conv = (2 * mixer.num_key_heads * mixer.key_head_dim
                + mixer.num_value_heads * mixer.value_head_dim) * mixer.conv_kernel_dim
        return (conv + 2 * mixer.num_value_heads) / tp + mixer.value_head_dim
    if isinstance(mixer, MambaMixer):
        d_inner = mixer.num_heads * mixer.head_dim
        groups = 2 * mamba_groups_total(mixer.n_groups, tp) * mixer.state_size  # replicated
        conv = (d_inner + groups) * (mixer.conv_kernel + (1 if mixer.conv_bias else 0))
        # use_bias: in_proj's bias split like its weight, out_proj's whole (_attention_per_rank)
        in_bias = 2 * d_inner + groups + mixer.num_heads if mixer.proj_bias else 0
        out_bias = hidden if mixer.proj_bias else 0
        return (conv + 3 * mixer.num_heads + d_inner + in_bias) / tp + out_bias
    return 0.0


def _a_fp32_per_rank(mixer: object, tp: int, kinds: frozenset[str]) -> float:
    """Parameters of one token mixer on one TP rank that vLLM holds in float32 whatever the
    model dtype, where `kinds` (WeightLoadRules.a_fp32_mixers) names the mixer's kind: Mamba2's
    A, one a head, and Gated DeltaNet's A_log, one a value head, each split over TP. The
    layer's bits count them as the rest of the mixer (the model dtype, 16 bits: _layer_addends
    adds the other 16).

    NOTE: mamba_mixer2.py MambaMixer2.__init__ builds `self.A = nn.Parameter(torch.empty(
    divide(num_heads, self.tp_size), dtype=torch.float32))` and loads it as `-torch.exp(
    x.float())` over sharded_weight_loader(0), D and dt_bias `torch.ones(num_heads //
    self.tp_size)` in the default dtype (the model dtype while vLLM builds the model): the same
    in the 0.9.1, 0.10.0, 0.10.2, 0.11.0, 0.13.0, 0.17.0, 0.19.0, 0.20.0, 0.24.0, 0.27.1, 0.28.0,
    0.30.0, 0.32.0, 0.33.0 and 0.34.0 wheels (Nemotron-H, Granite 4 hybrids); Gated DeltaNet's
    A_log per release: vllm_versions.GDN_A_LOG_MODEL_DTYPE_SPAN. Nemotron-3-Nano-30B-A3B
    (bf16): 23 Mamba2 layers x 64 heads x 2 B more = 2,944 B on one GPU, 1,472 B a GPU at TP=2.
    """
    if isinstance(mixer, MambaMixer) and mixer.kind in kinds:
        return mixer.num_heads / tp
    if isinstance(mixer, LinearAttentionMixer) and mixer.kind in kinds:
        return mixer.num_value_heads / tp
    return 0.0


def a_fp32_at_load(spec: ModelSpec, layers: range, tp: int, rules: WeightLoadRules
                   ) -> tuple[str, int, float]:
    """What of `layers`' token mixers vLLM holds in float32 on one TP rank under `rules`
    (_a_fp32_per_rank), for the weights term's formula: the parameter ("Mamba2 A" or "Gated
    DeltaNet A_log"), the layers holding it and its parameters a layer on the rank; ("", 0,
    0.0) where none. Nemotron-3-Nano-30B-A3B at TP=2: ("Mamba2 A", 23, 32.0)."""
    held = [(mixer, n) for mixer in (spec.layers[i].mixer for i in layers)
            if (n := _a_fp32_per_rank(mixer, tp, rules.a_fp32_mixers))]
    if not held:
        return "", 0, 0.0
    name = "Mamba2 A" if isinstance(held[0][0], MambaMixer) else "Gated DeltaNet A_log"
    return name, len(held), held[0][1]


def _mla_dequantized_kv_b(mixer: object, tp: int) -> float:
    """Parameters of the 16-bit copy of a quantized MLA kv_b_proj one TP rank holds beside
    it (W_UK_T and W_UV): kv_lora_rank x its heads x (qk_nope_head_dim + v_head_dim); 0 for
    other mixers. Counted only where the layer's attention is quantized (_terms).

    NOTE: mla_attention.py MLAAttention.process_weights_after_loading (0.19.0, 0.24.0 and
    0.34.0 wheels; 0.34.0 through split_kv_b_proj) dequantizes kv_b_proj to the activation
    dtype (quantization/utils/quant_utils.py get_and_maybe_dequant_weights(kv_b_proj,
    out_dtype=act_dtype)) and keeps that tensor as W_UK_T / W_UV (views of it) for decode,
    while kv_b_proj stays for the prefill path. An unquantized kv_b_proj comes back as itself
    (`weight.to(out_dtype)`): no copy. DeepSeek-V3 (FP8) at TP 8: 512 x 128 / 8 x (128 + 128)
    = 2,097,152 parameters a layer, 61 x 2,097,152 x 2 B = 255,852,544 B per GPU.
    """
    if not isinstance(mixer, MlaMixer):
        return 0.0
    return (mixer.kv_lora_rank * mixer.num_heads * (mixer.qk_nope_head_dim + mixer.v_head_dim)
            / tp)


def made_at_load(spec: ModelSpec, scheme: QuantScheme, layers: range, tp: int,
                 rules: WeightLoadRules) -> tuple[int, str]:
    """What vLLM makes at load in `layers` on one TP rank beyond the checkpoint in `scheme`,
    from one look-up of its bits: the bytes of the 16-bit kv_b_proj copies
    (_mla_dequantized_kv_b), which attention_bytes holds (DeepSeek-V3 (FP8) at TP 8:
    61 x 2,097,152 x 2 B = 255,852,544 B per GPU), and what of a router it raises to float32
    under `rules` (_router_fp32_at_load: "router", "router's e_score_correction_bias" or "")."""
    bits = _scheme_bits(spec, scheme)
    return (_mla_kv_b_bytes(spec, bits, layers, tp, copy=True),
            _router_fp32_at_load(spec, bits, layers, rules))


def _router_fp32_at_load(spec: ModelSpec, bits: _SchemeBits, layers: range,
                         rules: WeightLoadRules) -> str:
    """What these weights hold in float32 of the router of one of `layers` where the checkpoint,
    in `bits`, keeps it in fewer bits, the tensor vLLM makes at load beyond the checkpoint's
    size: "router" where _router_bits raises it whole from 16 bits (MoeMlp.router_fp32,
    rules.gate_fp32), else "router's e_score_correction_bias" where only its correction bias is
    (_fp32_correction_bias), else "". A router the checkpoint holds in
    another format keeps that format here (GGUF's ffn_gate_inp, which llama.cpp stores in
    float32 already; a format a checkpoint lists for it), and a layer without routed experts
    has no router to raise.

    NOTE: vLLM builds these gates with no quant_config in every wheel 0.12.0-0.34.0 (each
    read), so the checkpoint's quantization config never reaches them: minimax_m2.py
    MiniMaxM2MoE ReplicatedLinear(params_dtype=torch.float32, quant_config=None) to 0.22.1,
    GateLinear(params_dtype=torch.float32) from 0.23.0; MiMoV2MoE nn.Linear(dtype=gate_dtype)
    (mimo_v2_flash.py 0.14.0-0.20.0, mimo_v2.py 0.21.0-0.30.0), GateLinear(params_dtype=
    gate_dtype) from 0.31.0; nemotron_h.py NemotronHMoE ReplicatedLinear(params_dtype=
    torch.float32, quant_config=None) to 0.16.0, GateLinear(force_fp32_compute=True) from
    0.17.0. fused_moe/router/gate_linear.py GateLinear passes quant_config=None to
    ReplicatedLinear (0.17.0, 0.19.0, 0.26.0 read) and from 0.31.0 takes one as an argument,
    default None, which none of these model files passes. No catalog checkpoint of these
    families lists its gate in a quantized format (MiniMax-M2.5's modules_to_not_convert names
    it): one that did is planned as listed, unverified.
    """
    router = _LAYER_COMPONENTS.index("router")
    held = [(spec.layers[i].mlp, bits.layers[i][router]) for i in layers]
    if any(_router_bits(mlp, b, rules.gate_fp32) != b for mlp, b in held):
        return "router"
    if any(_fp32_correction_bias(mlp, rules) and b < 32 for mlp, b in held):
        return "router's e_score_correction_bias"
    return ""


def mla_kv_b_decode_unread_bytes(spec: ModelSpec, scheme: QuantScheme, layers: range,
                                 tp: int) -> int:
    """Bytes of the quantized kv_b_proj in `layers` on one TP rank that an MLA decode step
    does not read: it multiplies by the 16-bit copy instead (mla_attention.py MLAAttention
    forward_impl: torch.bmm(mqa_q_nope, W_UK_T) and _v_up_proj with W_UV; kv_b_proj runs only
    in the prefill path, forward_mha / _compute_prefill_context; 0.34.0 wheel), so the bytes a
    step reads are attention_bytes less these. DeepSeek-V3 (FP8, a 32-bit scale per 128 x 128
    block: 8 + 32 / 16,384 = 8.001953125 bits) at TP 8: 61 x 2,097,152 x 8.001953125 / 8 =
    127,957,504 B; the copy's 255,852,544 B are read in their place."""
    return _mla_kv_b_bytes(spec, _scheme_bits(spec, scheme), layers, tp, copy=False)


def _mla_kv_b_bytes(spec: ModelSpec, bits: _SchemeBits, layers: range, tp: int,
                    copy: bool) -> int:
    """The quantized MLA kv_b_proj's bytes in `layers` on one TP rank in its own format
    (`bits`), or (`copy`) its 16-bit copy's; layers whose attention is 16-bit have no copy (0)."""
    return math.ceil(sum(_mla_dequantized_kv_b(spec.layers[i].mixer, tp)
                         * (bits.kept_bits if copy else bits.layers[i][0])
                         for i in layers if bits.layers[i][0] < bits.kept_bits) / 8)


def _dense_mlp_per_rank(mlp: object, hidden: int, total: int, tp: int) -> tuple[float, float]:
    """A dense MLP's parameters on one TP rank, and the part of them vLLM holds in the model
    dtype whatever the quantization: its biases.

    NOTE: gate/up (MergedColumnParallelLinear; Phi's fc1 a ColumnParallelLinear) split their
    weight and bias over TP; down (RowParallelLinear; Phi's fc2) splits its weight but creates
    its bias whole, `torch.empty(self.output_size, dtype=params_dtype)`, on every rank, and
    both create `bias` in params_dtype (the model dtype) whatever the quant_method
    (layers/linear.py, read in 0.9.1, 0.10.1, 0.10.2, 0.11.0, 0.12.0, 0.13.0, 0.14.0, 0.15.1
    and 0.16.0-0.34.0). llama.py LlamaMLP (and granite.py) passes bias=getattr(config,
    "mlp_bias", False) to both (same wheels); phi.py PhiMLP takes the linears' default
    bias=True (0.9.1-0.31.0 wheels; 0.32.0-0.34.0 run Phi through the Transformers
    backend, not read).
    """
    if not (isinstance(mlp, DenseMlp) and mlp.bias):
        return total / tp, 0.0
    column_bias = mlp.intermediate_size * (2 if mlp.gated else 1) / tp
    return (total - hidden) / tp + hidden, column_bias + hidden


def _latent_projections(mlp: object, hidden: int, fc1_split: bool = False) -> tuple[int, int]:
    """Parameters of a latent MoE layer's fc1 / fc2 latent projections (params.latent_params)
    that every rank holds whole, and of their biases among them: the weights at the shared
    experts' bits, the biases in the model dtype (a linear layer creates its bias in
    params_dtype whatever the quant_method: _attention_kept_per_rank's NOTE). `fc1_split`:
    the release splits fc1 (hidden -> latent, with its latent-wide bias) over TP with the
    shared experts, so only fc2 is whole.

    NOTE: nemotron_h.py NemotronHMoE builds fc1_latent_proj and fc2_latent_proj as
    ReplicatedLinear (hidden -> moe_latent_size -> hidden; 0.14.0-0.34.0 wheels), which holds
    the whole weight on every TP rank; 0.13.0 builds fc1 as a ColumnParallelLinear
    (vllm_versions.LATENT_FC1_WHOLE_FROM). They were split over TP with the shared experts.
    Nemotron-3-Super (hidden 4,096, latent 1,024, 40 MoE layers) at TP 8: 40 x 2 x 4,096 x
    1,024 x 7/8 = 293,601,280 parameters more per GPU, 587,202,560 B in bf16 (half of it on
    0.13.0)."""
    if not isinstance(mlp, MoeMlp):
        return 0, 0
    whole, whole_bias = latent_params(mlp, hidden), latent_bias_params(mlp, hidden)
    if fc1_split and mlp.latent_size:
        fc1_bias = mlp.latent_size if whole_bias else 0
        return whole - hidden * mlp.latent_size - fc1_bias, whole_bias - fc1_bias
    return whole, whole_bias


def _shared_expert_gate(mlp: object, hidden: int) -> int:
    """Parameters of a MoE layer's shared_expert_gate (hidden -> 1; 0 without one): whole on
    every rank and in the model dtype whatever the quantization.

    NOTE: vLLM builds it as torch.nn.Linear(hidden_size, 1, bias=False) in qwen2_moe.py
    Qwen2MoeSparseMoeBlock (0.9.1-0.13.0 wheels) and qwen3_next.py Qwen3NextSparseMoeBlock
    (0.10.2-0.13.0), and as ReplicatedLinear(hidden_size, 1, bias=False, quant_config=None)
    in both from the 0.14.0 wheel (read in 0.14.0, 0.15.1 and 0.16.0-0.34.0); Qwen3.5-MoE
    (qwen3_5.py, 0.17.0-0.34.0; 0.34.0's CUDA one, vllm/models/qwen3_5/nvidia/model.py, too)
    uses Qwen3NextSparseMoeBlock. Either way a plain weight in
    the default (model) dtype, loaded whole on every rank, that no GPTQ / AWQ / FP8 method
    touches. Qwen3-Next-80B-A3B (hidden 2,048, 48 MoE layers) at TP 4: 48 x 2,048 x 3 / 4 =
    73,728 parameters more per GPU than split, 147,456 B in bf16.
    """
    if isinstance(mlp, MoeMlp) and mlp.shared_expert_gate and mlp.num_shared_experts:
        return hidden
    return 0


def _router_bits(mlp: object, router_bits: float, gate_fp32: bool = False) -> float:
    """Bits per router weight as vLLM holds it: 32 where it builds the router in float32
    (MoeMlp.router_fp32; `gate_fp32`: Nemotron-H's on this release and GPU, ERNIE 4.5's, GLM-5's
    on 0.25.x: router_dtype.gate_fp32)
    over the 16-bit model dtype the scheme keeps it in, else the scheme's (a parameter count's
    one byte stays one byte: rank_dense_params).

    NOTE: minimax_m2.py MiniMaxM2MoE: `GateLinear(..., params_dtype=torch.float32)` (a
    ReplicatedLinear in 0.19.0) and `e_score_correction_bias` `torch.empty(num_local_experts,
    dtype=torch.float32)`; mimo_v2.py MiMoV2MoE: gate params_dtype and the bias in
    moe_router_dtype, "float32" by default (nn.Linear(dtype=gate_dtype) in 0.19.0's
    mimo_v2_flash.py); 0.19.0, 0.24.0 and 0.34.0 wheels. MiniMax-M2.5 (62 layers x (3,072 x
    256 + 256) = 48,774,656 router parameters, whole on every rank): 195,098,624 B per GPU, was
    97,549,312. Nemotron-3-Super off Hopper / Blackwell-10.x (vllm_versions
    .GATE_FP32_OFF_SM90_SM100_FROM): 40 x (4,096 x 512 + 512) x 4 B = 335,626,240 B, was half.
    """
    if isinstance(mlp, MoeMlp) and (mlp.router_fp32 or gate_fp32) and router_bits == KEPT_BITS:
        return 32.0
    return router_bits


def _router_total_bits(mlp: object, router_params: int, router_bits: float,
                      rules: WeightLoadRules) -> float:
    """Bits of one layer's `router_params` router parameters as vLLM holds them (_router_bits),
    its correction bias in float32 whatever the gate's (_fp32_correction_bias).
    DeepSeek-V3 (bf16 gate, 58 MoE layers): 58 x (7,168 x 256 x 2 + 256 x 4) B = 212,920,320 B
    per GPU, 58 x 256 x 2 = 29,696 B more than in bf16."""
    bits = _router_bits(mlp, router_bits, rules.gate_fp32)
    if _fp32_correction_bias(mlp, rules):
        return (router_params - mlp.num_experts) * bits + mlp.num_experts * 32.0
    return router_params * bits


def _fp32_correction_bias(mlp: object, rules: WeightLoadRules) -> bool:
    """Whether vLLM holds this layer's router correction bias (one per routed expert,
    MoeMlp.router_bias) in float32 whatever the gate's: where `rules` say so
    (correction_bias_fp32: router_dtype.correction_bias_fp32)."""
    return rules.correction_bias_fp32 and isinstance(mlp, MoeMlp) and mlp.router_bias


def expert_padding_factor(hidden: int, mlp: MoeMlp, expert_tp: int,
                          expert_pad: tuple[int, int]) -> float:
    """Padded / real size of one routed expert's weights on a rank that holds it sliced over
    `expert_tp` ranks (ParallelLayout.expert_tp), hidden x intermediate padded to the
    `expert_pad` multiples (weight_load.expert_padding): what rank_weights holds and the speed
    model multiplies (speed.stages._kind_stage)."""
    inter = mlp.expert_intermediate_size // expert_tp
    pad_h, pad_i = expert_pad
    padded = (-(-hidden // pad_h) * pad_h) * (-(-inter // pad_i) * pad_i)
    return padded / (hidden * inter)


def _expert_biases_per_rank(mlp: MoeMlp, lp: LayerParams, shard: _Shard) -> float:
    """Routed-expert bias parameters on one rank, as vLLM allocates them: per local expert
    the w13 bias of (gate +) up rows of the padded intermediate slice, and the w2 bias whole
    (the padded hidden size: a row-parallel output bias is not sliced over TP).

    NOTE: vLLM 0.34.0 mxfp4.py GptOssMxfp4MoEMethod.create_weights and
    unquantized_fused_moe_method.py create_weights: w13_bias (num_experts,
    w13_num_shards x intermediate_size_per_partition), w2_bias (num_experts, hidden_size),
    both at the sizes maybe_roundup_sizes padded (routed_experts.py); Marlin keeps them so
    (marlin_utils_fp4.py prepare_moe_mxfp4_layer_for_marlin: permute_bias). gpt-oss-20b on
    Marlin at TP 2: 32 x (2 x 1536 + 3072) = 196,608 params a layer, not 32 x 4,320."""
    up_rows = 2 if mlp.gated else 1
    width = lp.expert_bias - up_rows * mlp.expert_intermediate_size
    pad_h, pad_i = shard.expert_pad
    inter = mlp.expert_intermediate_size // shard.expert_tp
    per_expert = up_rows * -(-inter // pad_i) * pad_i + -(-width // pad_h) * pad_h
    return _experts_per_rank(lp, shard) * shard.expert_tp / lp.expert_size * per_expert


def _experts_per_rank(lp: LayerParams, shard: _Shard) -> float:
    """Routed-expert parameters on one rank: sliced over tp x dp (_Shard.expert_tp), or whole
    experts with EP.

    NOTE: with EP vLLM (FusedMoE determine_expert_map) gives each of the ep_size = tp x dp
    ranks num_experts // ep_size experts and one more to the first num_experts % ep_size
    ranks: 60 experts over 8 ranks -> 8, 8, 8, 8, 7, 7, 7, 7. num_experts is FusedMoE's
    global_num_experts, the routed experts + EPLB's redundant ones (_physical_experts).
    """
    if shard.ep_size == 1 or not lp.expert_size:
        return lp.routed_experts / shard.expert_tp
    num_experts = _physical_experts(lp, shard.rules)
    local = num_experts // shard.ep_size + (shard.ep_rank < num_experts % shard.ep_size)
    return local * lp.expert_size


def _physical_experts(lp: LayerParams, rules: WeightLoadRules) -> int:
    """Experts of a MoE layer vLLM places over the EP ranks: its routed experts + EPLB's
    redundant ones (vLLM FusedMoE: global_num_experts = num_experts + num_redundant_experts,
    every one of them a full copy of a routed expert's weights; planner.serving.eplb)."""
    return lp.routed_experts // lp.expert_size + rules.redundant_experts
