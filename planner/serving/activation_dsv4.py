"""DeepSeek-V4's profile-run activation peak, from the tensors vLLM 0.22 holds at its largest
moment (the standard-decoder fit in planner.serving.engine has no term for any of them).

The moment: the Lightning indexer's op inside a ratio-4 layer's attention, in the dummy
forward of max_num_batched_tokens (T) tokens (v1/worker/gpu_model_runner.py profile_run;
the model is torch.compile'd, so values dead between the split graphs are freed). Live then
(vLLM 0.22.0 wheel, models/deepseek_v4/):
- streams: the hyper-connection residual, T x hc_mult x hidden (nvidia/model.py
  DeepseekV4DecoderLayer._forward_cuda, mhc_fused_post_pre), and the layer input T x hidden;
- o_padded: T x padded heads x head_dim (attention.py DeepseekV4MultiHeadLatentAttentionWrapper
  .forward; nvidia/flashmla.py get_padded_num_q_heads: 64 up to 64 local heads, else 128);
- the input GEMMs (attention_impl / attn_gemm_parallel_execute): qr_kv T x (q_lora + head_dim)
  and its normed copies (fused_q_kv_rmsnorm allocates both), the compressor's kv/score
  T x 2 x 2 x head_dim float32, the indexer compressor's T x 2 x 2 x index_dim float32 and
  the indexer weights T x index_heads;
- q padded to the FlashMLA heads: T x padded heads x head_dim (_fused_qnorm_rope_kv_insert's
  profile path F.pad); execute_in_parallel runs it before the indexer, so it is held;
- the indexer's fp8 queries T x index_heads x index_dim + float32 weights T x index_heads
  (common/ops/fused_indexer_q.py fused_indexer_q_rope_quant);
- the indexer's dummy logits, VLLM_SPARSE_INDEXER_MAX_LOGITS_MB = 512 MiB
  (model_executor/layers/sparse_attn_indexer.py, envs.py default);
- the workspace (v1/worker/workspace.py, kept at its largest): FlashMLA's prefill gather
  4 x (ceil(max_model_len / 4) + window + T) x head_dim bf16 (nvidia/flashmla.py forward_mqa
  dummy path, PREFILL_CHUNK_SIZE 4) or the indexer's K gather max_model_len x 40 / 4 x
  (index_dim + 4) + 1 MiB (get_max_prefill_buffer_size), whichever is larger.
The MoE moment (streams + Marlin's T x top_k x (2 x inter + inter) bf16 caches, about 2.1 GiB
for Flash at 16,384 tokens) and the sampler's (the fit's 3.637 x logits bytes) are lower; the
peak is the larger of this moment and the sampler's.
"""

import math
from typing import NamedTuple

from planner.model.spec import ModelSpec
from planner.units import GIB, MIB

INDEXER_MAX_LOGITS_BYTES = 512 * MIB
"""NOTE: vLLM envs.py VLLM_SPARSE_INDEXER_MAX_LOGITS_MB default 512 (0.22.0 wheel)."""
PREFILL_CHUNK = 4
"""NOTE: nvidia/flashmla.py DeepseekV4FlashMLASparseImpl.PREFILL_CHUNK_SIZE (0.22.0 wheel)."""
PREFILL_BUFFER_FACTOR = 40
"""NOTE: v1/attention/backends/mla/indexer.py get_max_prefill_buffer_size: max_model_len x 40."""
RADIX_TOPK_WORKSPACE_BYTES = 1 << 20
"""NOTE: sparse_attn_indexer.py RADIX_TOPK_WORKSPACE_SIZE (uint8)."""


class Dsv4Shape(NamedTuple):
    """The widths the profile-run moment is made of (from config.json)."""

    hidden: int
    hc_mult: int
    heads: int
    head_dim: int
    q_lora_rank: int
    index_heads: int
    index_dim: int
    window: int
    has_indexer: bool


def dsv4_shape(spec: ModelSpec) -> Dsv4Shape | None:
    """The shape of a DeepSeek-V4 spec, None for other models."""
    c = spec.compressed_attention
    if c is None:
        return None
    return Dsv4Shape(spec.hidden_size, c.hc_mult, c.num_heads, c.head_dim, c.q_lora_rank,
                     c.index_n_heads, c.index_head_dim, c.sliding_window,
                     4 in c.compress_ratios)


def dsv4_activation(s: Dsv4Shape, tp: int, tokens: int, max_model_len: int, act_b: int,
                    sampler_bytes: int) -> tuple[int, str]:
    """Profile-run activation peak of one worker (bytes) and its formula."""
    t = tokens
    padded = 64 if s.heads // tp <= 64 else 128
    streams = t * (s.hc_mult + 1) * s.hidden * act_b
    heads = 2 * t * padded * s.head_dim * act_b  # o_padded + padded q
    gemm = 2 * t * (s.q_lora_rank + s.head_dim) * act_b + t * 4 * s.head_dim * 4
    indexer = 0
    workspace = PREFILL_CHUNK * (s.window + t) * s.head_dim * 2
    if s.has_indexer:
        gemm += t * 4 * s.index_dim * 4 + t * s.index_heads * act_b
        indexer = t * s.index_heads * (s.index_dim + 4) + INDEXER_MAX_LOGITS_BYTES
        gather = PREFILL_CHUNK * (math.ceil(max_model_len / 4) + s.window + t) * s.head_dim * 2
        k_gather = (max_model_len * PREFILL_BUFFER_FACTOR // 4 * (s.index_dim + 4)
                    + RADIX_TOPK_WORKSPACE_BYTES)
        workspace = max(gather, k_gather)
    forward = streams + heads + gemm + indexer + workspace
    peak = max(forward, sampler_bytes)
    formula = (
        f"max(forward {forward / GIB:.2f} GiB, sampler {sampler_bytes / GIB:.2f} GiB); forward"
        f" at the indexer of a ratio-4 layer, {t:,} tokens: streams {t:,} x ({s.hc_mult} + 1)"
        f" x {s.hidden} x {act_b} B + o_padded and padded q 2 x {t:,} x {padded} heads x "
        f"{s.head_dim} x {act_b} B + input GEMMs {gemm / GIB:.2f} GiB + indexer queries and "
        f"logits {indexer / GIB:.2f} GiB + workspace {workspace / GIB:.2f} GiB "
        f"= {peak / GIB:.2f} GiB (vLLM 0.22 models/deepseek_v4, planner.serving.activation_dsv4)"
    )
    return peak, formula

