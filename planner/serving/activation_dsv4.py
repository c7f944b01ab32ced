"""DeepSeek-V4's profile-run activation peak, from the tensors vLLM 0.22 holds at its largest
moment (the standard-decoder fit in planner.serving.engine has no term for any of them).

The moment: the Lightning indexer's op inside a ratio-4 layer's attention, in the dummy
forward of max_num_batched_tokens (T) tokens (v1/worker/gpu_model_runner.py profile_run;
the model is torch.compile'd, so values dead between the split graphs are freed). Live then
(vLLM 0.22.0 wheel, models/deepseek_v4/):
- streams: the hyper-connection residual, T x hc_mult x hidden (nvidia/model.py
  DeepseekV4DecoderLayer._forward_cuda, mhc_fused_post_pre), and the layer input T x hidden;
  the residual holds T / TP rows in the 0.27+ sequence-parallel mode (streams_bytes);
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
- the workspace: one buffer per worker (v1/worker/workspace.py WorkspaceManager
  .get_simultaneous), grown to the largest request and never shrunk, so every layer's requests
  share it and it stays allocated from its first growth to the end of the profile run. The
  requests: FlashMLA's prefill gather 4 x (ceil(max_model_len / 4) + window + T) x head_dim
  bf16 (nvidia/flashmla.py forward_mqa dummy path, PREFILL_CHUNK_SIZE 4), the indexer's K
  gather max_model_len x 40 / 4 x (index_dim + 4) + 1 MiB (get_max_prefill_buffer_size), and
  the routed experts' caches, requested by layer 0's MoE before the first ratio-4 layer runs
  (marlin_moe_workspace_bytes). The buffer is the largest of the three.
The MoE moment (streams + the workspace + the MoE's input and router outputs) is lower; the
sampler's moment (the fit's 3.637 x logits bytes) comes after the forward, with the workspace
still held; the peak is the larger of the two moments.
"""

import math
from typing import NamedTuple

from planner.model.spec import ModelSpec
from planner.serving.hardware import parse_capability
from planner.serving.layout import first_moe
from planner.units import MIB, gib_text

INDEXER_MAX_LOGITS_BYTES = 512 * MIB
"""NOTE: vLLM envs.py VLLM_SPARSE_INDEXER_MAX_LOGITS_MB default 512 (0.22.0 wheel)."""
PREFILL_CHUNK = 4
"""NOTE: nvidia/flashmla.py DeepseekV4FlashMLASparseImpl.PREFILL_CHUNK_SIZE (0.22.0 wheel)."""
PREFILL_BUFFER_FACTOR = 40
"""NOTE: v1/attention/backends/mla/indexer.py get_max_prefill_buffer_size: max_model_len x 40."""
RADIX_TOPK_WORKSPACE_BYTES = 1 << 20
"""NOTE: sparse_attn_indexer.py RADIX_TOPK_WORKSPACE_SIZE (uint8)."""
WORKSPACE_ALIGN_BYTES = 256
"""NOTE: v1/worker/workspace.py WorkspaceManager.get_simultaneous rounds each view up to 256 B."""
MARLIN_INTER_ALIGN, MARLIN_HIDDEN_ALIGN = 128, 256
"""NOTE: fused_moe/oracle/mxfp4.py mxfp4_round_up_hidden_size_and_intermediate_size, Marlin:
intermediate (per partition) up to a multiple of 128, hidden up to 256 (0.21.0-0.25.0)."""


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
    top_k: int  # routed experts per token (0: no MoE layer)
    moe_inter: int  # one routed expert's intermediate size


def dsv4_shape(spec: ModelSpec) -> Dsv4Shape | None:
    """The shape of a DeepSeek-V4 spec, None for other models."""
    c = spec.compressed_attention
    if c is None:
        return None
    moe = first_moe(spec)
    return Dsv4Shape(spec.hidden_size, c.hc_mult, c.num_heads, c.head_dim, c.q_lora_rank,
                     c.index_n_heads, c.index_head_dim, c.sliding_window,
                     4 in c.compress_ratios, moe.experts_per_token if moe else 0,
                     moe.expert_intermediate_size if moe else 0)


def dsv4_marlin(compute_capability: str) -> bool:
    """Whether vLLM runs DeepSeek-V4's MXFP4 experts on Marlin on this GPU: every GPU but
    datacenter Blackwell (fused_moe/oracle/mxfp4.py select_deepseek_v4_mxfp4_moe_backend, the
    0.21.0-0.25.0 wheels: FlashInfer TRT-LLM MXFP8 and DeepGEMM MXFP4 first, both
    is_device_capability_family(100) only, then Marlin, compute capability >= 7.5). An unknown
    capability reads as Marlin, as planner.serving.mxfp4.mxfp4_kernel does. Each worker picks
    it from its own GPU (plan.worker.overheads passes the worker's capability): vLLM calls
    select_deepseek_v4_mxfp4_moe_backend in Mxfp4MoEMethod.__init__ as the worker builds its
    model (quantization/mxfp4.py, 0.30.0 and 0.34.0 wheels), and each kernel class's
    is_supported_config reads that process's current_platform, so on a mixed cluster an H100
    stage runs Marlin beside a B200 stage that does not."""
    capability = parse_capability(compute_capability)
    return capability is None or capability[0] != 10


def dsv4_first_capture_bytes(s: Dsv4Shape | None, piecewise_graphs: int) -> int:
    """What DeepSeek-V4's indexer adds to vLLM's CUDA graph estimate (bytes): its dummy logits.

    v1/worker/gpu_model_runner.py profile_cudagraph_memory (0.21.0-0.25.0 wheels) empties the
    allocator's cache, then measures each mode's first capture (the largest size) as the drop
    in cudaMemGetInfo's free memory over _warmup_and_capture; PIECEWISE comes first, and its
    warm-up is a _dummy_run without attention metadata (force_attention only for FULL), so
    every ratio-4 layer's indexer takes sparse_attn_indexer.py's profiling path, which
    allocates the VLLM_SPARSE_INDEXER_MAX_LOGITS_MB (512) dummy logits whatever the batch:
    fresh memory, counted in the first capture. The second capture, the per-graph sample,
    finds the block cached. FULL warm-ups build metadata and run the real indexer."""
    return INDEXER_MAX_LOGITS_BYTES if s is not None and s.has_indexer and piecewise_graphs \
        else 0


def _aligned(n: int) -> int:
    return -(-n // WORKSPACE_ALIGN_BYTES) * WORKSPACE_ALIGN_BYTES


def _marlin_widths(s: Dsv4Shape, moe_tp: int) -> tuple[int, int]:
    """Marlin's N (expert intermediate per partition) and K (hidden), rounded up."""
    n = -(-(s.moe_inter // moe_tp) // MARLIN_INTER_ALIGN) * MARLIN_INTER_ALIGN
    return n, -(-s.hidden // MARLIN_HIDDEN_ALIGN) * MARLIN_HIDDEN_ALIGN


def marlin_moe_workspace_bytes(s: Dsv4Shape, moe_tp: int, tokens: int, act_b: int) -> int:
    """The routed experts' caches on Marlin, requested from the shared workspace (bytes).

    fused_moe/modular_kernel.py FusedMoEKernel._allocate_buffers (no chunking: M = the
    tokens) asks get_simultaneous for max(workspace13, output) and workspace2, whose shapes
    are experts/marlin_moe.py MarlinExperts.workspace_shapes: workspace13 M x top_k x max(N,
    K), workspace2 M x top_k x max(2N, K), output M x K, in the activation dtype; N is the
    expert intermediate per partition (whole under expert parallelism, else / tp x dp:
    FusedMoEParallelConfig.make flattens TP across DP, fused_moe/config.py), K the
    hidden size, both rounded up for Marlin. Same code in the 0.21.0-0.25.0 wheels. With
    data parallelism and EP vLLM gathers every DP rank's tokens before the experts; Headroom
    plans DP replicas as independent engines, so M stays one worker's batch.
    """
    n, k = _marlin_widths(s, moe_tp)
    ws13 = max(tokens * s.top_k * max(n, k), tokens * k) * act_b
    ws2 = tokens * s.top_k * max(2 * n, k) * act_b
    return _aligned(ws13) + _aligned(ws2)


def streams_bytes(s: Dsv4Shape, tp: int, tokens: int, act_b: int,
                  sequence_parallel: bool) -> tuple[int, str]:
    """The residual streams live at the indexer moment (bytes) and their formula: the
    hyper-connection residual (hc_mult x hidden a token) and the attention's input (hidden a
    token), over all `tokens` of the dummy batch.

    In vLLM's sequence-parallel mode (`sequence_parallel`, 0.27.0-0.34.0 models/deepseek_v4/
    nvidia/model.py) DeepseekV4Model.forward sp_shard's the embedding and input_ids to this
    GPU's rows, ceil(tokens / tp) (common/ops/sequence_parallel.py pads to a multiple of tp
    and slices), so the residual the layers carry (mhc_pre / mhc_fused_post_pre) holds those
    rows only; DeepseekV4DecoderLayer.forward sp_all_gather's the attention's input back to
    all the tokens (the shard, rebound, is dead) and sp_reduce_scatter's the output, so every
    tensor inside attention (o_padded, q, the input GEMMs, the indexer, the workspace's
    gathers) keeps all the tokens. The routed experts' workspace keeps them too: the MoE
    input is the reduce-scattered shard, but the expert-parallel dispatch gathers every EP
    rank's (distributed/device_communicators/all2all.py dispatch_router_logits all_gatherv
    with forward_context.py sp_local_sizes: dp x tp shards of ceil(tokens / tp) rows, dp x
    tokens where tp divides them, as the DP gather without the mode), and Headroom counts one
    replica's batch either way (marlin_moe_workspace_bytes). After the last layer the last
    stage all-gathers the residual (tokens x hc_mult x hidden) for hc_head: below the indexer
    moment (its 512 MiB logits alone are more); the sampler's moment (the fit's term) samples
    from those gathered rows, so it stays as it is."""
    if not sequence_parallel:
        return (tokens * (s.hc_mult + 1) * s.hidden * act_b,
                f"{tokens:,} x ({s.hc_mult} + 1) x {s.hidden} x {act_b} B")
    rows = -(-tokens // tp)
    return ((rows * s.hc_mult + tokens) * s.hidden * act_b,
            f"({rows:,} x {s.hc_mult} + {tokens:,}) x {s.hidden} x {act_b} B (sequence-"
            f"parallel: the residual holds this GPU's ceil({tokens:,} / {tp}) tokens, the "
            "attention input all of them after its all-gather)")


def dsv4_activation(s: Dsv4Shape, tp: int, tokens: int, max_model_len: int, act_b: int,
                    sampler_bytes: int, moe_tp: int, marlin: bool,
                    sequence_parallel: bool = False) -> tuple[int, str]:
    """Profile-run activation peak of one worker (bytes) and its formula; moe_tp splits each
    routed expert's intermediate (ParallelLayout.expert_tp: tp x dp, 1 under expert
    parallelism), marlin says whether the experts run on Marlin (dsv4_marlin);
    `sequence_parallel`: vLLM's sequence-parallel mode (weights_dsv4.dsv4_sequence_parallel),
    whose hyper-connection residual holds this GPU's share of the tokens (streams_bytes)."""
    t = tokens
    padded = 64 if s.heads // tp <= 64 else 128
    streams, streams_formula = streams_bytes(s, tp, t, act_b, sequence_parallel)
    heads = 2 * t * padded * s.head_dim * act_b  # o_padded + padded q
    gemm = 2 * t * (s.q_lora_rank + s.head_dim) * act_b + t * 4 * s.head_dim * 4
    indexer = 0
    attention_ws = PREFILL_CHUNK * (s.window + t) * s.head_dim * 2
    if s.has_indexer:
        gemm += t * 4 * s.index_dim * 4 + t * s.index_heads * act_b
        indexer = t * s.index_heads * (s.index_dim + 4) + INDEXER_MAX_LOGITS_BYTES
        gather = PREFILL_CHUNK * (math.ceil(max_model_len / 4) + s.window + t) * s.head_dim * 2
        k_gather = (max_model_len * PREFILL_BUFFER_FACTOR // 4 * (s.index_dim + 4)
                    + RADIX_TOPK_WORKSPACE_BYTES)
        attention_ws = max(gather, k_gather)
    if not s.top_k:
        moe_ws, moe_formula = 0, "no routed experts"
    elif marlin:
        moe_ws = marlin_moe_workspace_bytes(s, moe_tp, t, act_b)
        n, k = _marlin_widths(s, moe_tp)
        moe_formula = (f"Marlin MoE {t:,} x {s.top_k} x (max({n}, {k}) + max(2 x {n}, {k})) x "
                       f"{act_b} B = {gib_text(moe_ws)}")
    else:
        moe_ws, moe_formula = 0, "MoE on 10.x (FlashInfer / DeepGEMM) not modelled"
    workspace = max(attention_ws, moe_ws)
    forward = streams + heads + gemm + indexer + workspace
    sampler = sampler_bytes + workspace
    peak = max(forward, sampler)
    formula = (
        f"max(forward {gib_text(forward)}, sampler {gib_text(sampler_bytes)} + workspace"
        f"); forward at the indexer of a ratio-4 layer, {t:,} tokens: streams "
        f"{streams_formula} + o_padded and padded q 2 x {t:,} x "
        f"{padded} heads x {s.head_dim} x {act_b} B + input GEMMs {gib_text(gemm)} + indexer"
        f" queries and logits {gib_text(indexer)} + workspace {gib_text(workspace)} (the"
        f" shared buffer at its largest request: attention gathers {gib_text(attention_ws)},"
        f" {moe_formula}) = {gib_text(peak)} (vLLM 0.22 models/deepseek_v4, "
        "planner.serving.activation_dsv4)"
    )
    return peak, formula
