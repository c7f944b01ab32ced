"""DeepSeek-V4 on one GPU, as vLLM 0.22 allocates it: every parameter in its loaded dtype,
the rotary caches, and the buffers the model builds at init (counted in "Model loading").

Sources (vLLM 0.22.0 wheel, models/deepseek_v4/): quant_config.py DeepseekV4FP8Config
(linear layers FP8 e4m3 in 128 x 128 blocks, block scales ue8m0 (1 B) when expert_dtype is
"fp4", else float32; routed experts Mxfp4MoEMethod: uint8 e2m1 pairs + one uint8 ue8m0 scale
per 32, no padding at 4096 / 2048), nvidia/model.py (DeepseekV4Attention, DeepseekV4MoE,
DeepseekV4DecoderLayer, DeepseekV4Model), attention.py (DeepseekV4Indexer), compressor.py
(DeepseekCompressor: quant_config=None, so bf16). Parameter counts are
planner.model.params.dsv4_attention_params' (exact against transformers on `meta`).
"""

import math
from typing import NamedTuple

from planner.model.spec import CompressedAttention, Mlp, ModelSpec, MoeMlp

FP8_BLOCK = 128
MXFP4_GROUP = 32
FLASHMLA_MIN_HEADS = 64
"""NOTE: DeepseekV4Attention pads attn_sink to max(local heads, 64) float32 for FlashMLA."""


class Dsv4Rank(NamedTuple):
    """Bytes on one GPU by component."""

    embeddings: int
    attention: int
    experts: int
    shared_experts: int
    router: int
    norms: int
    hyper_connections: int
    lm_head: int
    rope_cache: int


def _fp8(out: int, inp: int, scale_b: int) -> int:
    """An FP8 block-quantized linear: out x in bytes + one scale per 128 x 128 block
    (fp8.py Fp8LinearMethod.create_weights: weight_scale_inv of ceil(out/128) x ceil(in/128),
    float8_e8m0fnu when is_scale_e8m0)."""
    return out * inp + math.ceil(out / FP8_BLOCK) * math.ceil(inp / FP8_BLOCK) * scale_b


def _compressor(hidden: int, dim: int, ratio: int, act_b: int) -> int:
    """DeepseekCompressor: ape float32 (ratio x coff x dim), fused_wkv_wgate unquantized
    (hidden x 2 coff dim) and an RMSNorm(dim) in the model dtype; coff = 2 at ratio 4."""
    coff = 2 if ratio == 4 else 1
    return 4 * ratio * coff * dim + act_b * (hidden * 2 * coff * dim + dim)


def _attention(c: CompressedAttention, hidden: int, ratio: int, tp: int, scale_b: int,
               act_b: int) -> int:
    """One attention block on one TP rank.

    fused_wqa_wkv (replicated, disable_tp) and the indexer's wq_b (ReplicatedLinear) are
    whole on every rank; wq_b and wo_a (ColumnParallel) split their outputs, wo_b
    (RowParallel) its input; q_norm / kv_norm and the compressors are replicated.
    """
    heads, dim = c.num_heads, c.head_dim
    total = _fp8(c.q_lora_rank + dim, hidden, scale_b) + act_b * (c.q_lora_rank + dim)
    total += _fp8(heads * dim // tp, c.q_lora_rank, scale_b)
    total += _fp8(c.o_groups * c.o_lora_rank // tp, heads * dim // c.o_groups, scale_b)
    total += _fp8(hidden, c.o_groups * c.o_lora_rank // tp, scale_b)
    total += 4 * max(heads // tp, FLASHMLA_MIN_HEADS)
    if ratio > 1:
        total += _compressor(hidden, dim, ratio, act_b)
    if ratio == 4:
        total += _fp8(c.index_n_heads * c.index_head_dim, c.q_lora_rank, scale_b)
        total += act_b * hidden * c.index_n_heads  # weights_proj, quant_config=None
        total += _compressor(hidden, c.index_head_dim, ratio, act_b)
    return total


def _layer_bytes(spec: ModelSpec, mlp: Mlp | None, ratio: int, hashed: bool, local_experts: int,
                 tp: int, scale_b: int, act_b: int, shared_whole: bool) -> Dsv4Rank:
    """A DeepseekV4DecoderLayer on one rank (no embeddings, lm_head or rotary caches):
    attention compressing by `ratio`, its norms and hyper-connections, and an MoE `mlp` with
    `local_experts` routed experts here and a tid2eid table where `hashed` (a hash-routed
    layer), else the correction bias; its shared experts split over TP, or whole where
    `shared_whole` (dsv4_sequence_parallel)."""
    c, hidden = spec.compressed_attention, spec.hidden_size
    attention = _attention(c, hidden, ratio, tp, scale_b, act_b)
    norms = 2 * hidden * act_b  # attn_norm, ffn_norm
    mix = (2 + c.hc_mult) * c.hc_mult
    hyper = 4 * 2 * (mix * c.hc_mult * hidden + mix + 3)  # hc_{attn,ffn}_{fn,base,scale}
    if not isinstance(mlp, MoeMlp):
        return Dsv4Rank(0, attention, 0, 0, 0, norms, hyper, 0, 0)
    inter = mlp.expert_intermediate_size
    if _fp4_experts(spec):
        # w13 + w2: 3 x inter x hidden e2m1 pairs + a ue8m0 scale per 32
        experts = local_experts * (3 * inter * hidden // 2 + 3 * inter * hidden // MXFP4_GROUP)
    else:
        experts = local_experts * (_fp8(2 * inter, hidden, scale_b)
                                   + _fp8(hidden, inter, scale_b))
    shared = 0
    shared_tp = 1 if shared_whole else tp
    shared_inter = mlp.shared_intermediate_size * max(1, mlp.num_shared_experts)
    if mlp.num_shared_experts:
        shared = (_fp8(2 * shared_inter // shared_tp, hidden, scale_b)
                  + _fp8(hidden, shared_inter // shared_tp, scale_b))
    # GateLinear in the model dtype; tid2eid int32 (vocab x top_k) on hash layers, else
    # e_score_correction_bias float32 (experts).
    router = act_b * hidden * mlp.num_experts + (
        4 * spec.vocab_size * mlp.experts_per_token if hashed else 4 * mlp.num_experts)
    return Dsv4Rank(0, attention, experts, shared, router, norms, hyper, 0, 0)


def _scale_bytes(spec: ModelSpec) -> int:
    """Bytes of an FP8 block scale: 1 (ue8m0) where the experts are FP4, else 4
    (DeepseekV4FP8Config.is_scale_e8m0)."""
    return 1 if _fp4_experts(spec) else 4


def _fp4_experts(spec: ModelSpec) -> bool:
    """Whether the checkpoint's routed experts are MXFP4 (expert_dtype "fp4")."""
    return spec.quant is not None and "fp4experts" in spec.quant.scheme


def dsv4_rank_bytes(spec: ModelSpec, layers: range, tp: int, local_experts: tuple[int, ...],
                    first_stage: bool, last_stage: bool, vocab_rows: int, act_b: int,
                    shared_whole: bool = False) -> Dsv4Rank:
    """DeepSeek-V4's bytes on one rank; local_experts[i] = routed experts of layer i held
    here (whole experts under EP; under TP every expert's intermediate is split instead,
    which Mxfp4MoEMethod prices the same per parameter); the shared experts whole where
    `shared_whole` (dsv4_sequence_parallel)."""
    c, hidden = spec.compressed_attention, spec.hidden_size
    scale_b = _scale_bytes(spec)
    per_layer = [_layer_bytes(spec, spec.layers[i].mlp, c.compress_ratios[i],
                              i < c.num_hash_layers, local_experts[i], tp, scale_b, act_b,
                              shared_whole)
                 for i in layers]
    summed = Dsv4Rank(*map(sum, zip(*per_layer, strict=True)))
    table = vocab_rows * hidden * act_b
    return summed._replace(
        embeddings=table if first_stage else 0, lm_head=table if last_stage else 0,
        norms=summed.norms + (hidden * act_b if last_stage else 0),
        hyper_connections=summed.hyper_connections + dsv4_hc_head_bytes(spec),
        rope_cache=dsv4_rope_bytes(spec))


def dsv4_hc_head_bytes(spec: ModelSpec) -> int:
    """hc_head_fn, hc_head_base and hc_head_scale in float32: hc_mult x (hc_mult x hidden),
    hc_mult and 1 (nvidia/model.py DeepseekV4Model; each MTP layer holds its own)."""
    c = spec.compressed_attention
    return 4 * (c.hc_mult * c.hc_mult * spec.hidden_size + c.hc_mult + 1)


def dsv4_draft_bytes(spec: ModelSpec, tp: int, local_experts: int, act_b: int,
                     shared_whole: bool = False) -> int:
    """One MTP draft layer of DeepSeek-V4 on one rank of the last stage, as vLLM builds
    DeepSeekV4MultiTokenPredictorLayer (model_executor/models/deepseek_v4_mtp.py in the
    0.20.0-0.21.0 wheels, models/deepseek_v4/nvidia/mtp.py in 0.22.0-0.34.0; the modules and
    their dtypes are the same in every release): enorm, hnorm and shared_head.norm (RMSNorm,
    model dtype); e_proj and h_proj, hidden x hidden ReplicatedLinear with the quant_config (FP8
    128 x 128 blocks, whole on every rank); hc_head fn / base / scale (float32); and a
    DeepseekV4DecoderLayer, its mtp_block. DeepseekV4Attention gives a layer_id >=
    num_hidden_layers compress_ratio 1 (window only: no compressor, no indexer), and
    DeepseekV4MoE a layer not below num_hash_layers the correction bias, not tid2eid; the
    experts go to Mxfp4MoEMethod as the target's (DeepseekV4FP8Config, no ignored layers),
    `local_experts` of them here, its shared experts whole where `shared_whole`
    (dsv4_sequence_parallel: 0.34.0 v1/worker/gpu/spec_decode/eagle/utils.py load_eagle_model
    builds the draft under the target's vllm_config, its parallel config and, unless the
    speculative config names its own, --moe-backend). Not counted: the draft's embed_tokens and
    shared_head.head, which the proposer replaces by the target's at PP 1 (at PP > 1 one table
    on the last stage, rank_weights' mtp_own_embed: the draft's own in 0.21.0-0.33.0, the
    target's second copy there in 0.34.0, which nvidia/model.py builds where
    spec_decode_needs_target_embed and the draft takes), and its topk_indices_buffer, replaced
    by the target's (llm_base_proposer.py, v1/worker/gpu/spec_decode/eagle/utils.py); its rotary
    cache is the target's (get_rope caches by its arguments)."""
    hidden = spec.hidden_size
    scale_b = _scale_bytes(spec)
    block = _layer_bytes(spec, spec.layers[-1].mlp, 1, False, local_experts, tp, scale_b,
                         act_b, shared_whole)
    return (sum(block) + 3 * hidden * act_b + 2 * _fp8(hidden, hidden, scale_b)
            + dsv4_hc_head_bytes(spec))


def dsv4_sequence_parallel(tp: int, ep_size: int, pp_one: bool, mega_moe: bool) -> bool:
    """Whether vLLM runs DeepSeek-V4 sequence-parallel on a layout, in a release that has the
    mode (vllm_versions.DSV4_SEQUENCE_PARALLEL_FROM: models/deepseek_v4/nvidia/model.py
    _use_sequence_parallel, 0.27.0-0.34.0): PP 1 (`pp_one`), expert parallelism at TP > 1
    (`ep_size` = tp x dp under EP, 1 without), and DP > 1 (ep_size > tp) or a mega-MoE
    --moe-backend (`mega_moe`: moe_backend.mega_moe_backend). Each decoder layer then keeps
    the residual stream sharded by token over the TP group and builds its shared experts'
    DeepseekV4MLP with is_sequence_parallel: gate_up_proj and down_proj disable_tp, whole on
    every rank (Flash: 25,167,360 B a layer, not 6,291,840 at TP 4)."""
    return pp_one and tp > 1 and ep_size > 1 and (mega_moe or ep_size > tp)


def dsv4_rope_bytes(spec: ModelSpec) -> int:
    """Rotary caches: DeepseekV4ScalingRotaryEmbedding keeps cos_sin_cache in float32,
    original_max_position x factor rows x rope_dim, and get_rope builds one per rope_theta:
    window-only layers use rope_theta, compressed layers compress_rope_theta (nvidia/model.py
    DeepseekV4Attention; rotary_embedding/deepseek_scaling_rope.py). Flash: 2 x 65,536 x 16
    x 64 x 4 B = 512 MiB."""
    c = spec.compressed_attention
    rows = math.ceil((spec.original_max_position_embeddings or spec.max_position_embeddings)
                     * (spec.rope_scaling_factor or 1.0))
    thetas = {max(1, r) > 1 for r in c.compress_ratios}
    return len(thetas) * rows * c.rope_head_dim * 4


def dsv4_buffer_bytes(spec: ModelSpec, max_num_batched_tokens: int, act_b: int,
                      mtp_hidden: bool = True) -> int:
    """Buffers DeepseekV4Model allocates at init, sized by max_num_batched_tokens:
    topk_indices_buffer (tokens x index_topk int32) on every rank and, where `mtp_hidden`,
    _mtp_hidden_buffer (tokens x hc_mult x hidden, model dtype): on the last PP rank, with or
    without an MTP draft before vLLM 0.27, only with one from 0.27
    (vllm_versions.DSV4_MTP_BUFFER_DRAFT_ONLY_FROM). Flash at 16,384 tokens: 16,384 x 512 x 4
    = 32 MiB + 16,384 x 16,384 x 2 = 512 MiB.
    """
    c = spec.compressed_attention
    tokens = max_num_batched_tokens
    mtp_hidden_b = tokens * c.hc_mult * spec.hidden_size * act_b if mtp_hidden else 0
    return tokens * c.index_topk * 4 + mtp_hidden_b
