"""Multi-LoRA slots of the DeepSeek-V2/V3 family (DeepseekV2ForCausalLM, DeepseekV3ForCausalLM,
DeepseekV32ForCausalLM, and GLM-5's GlmMoeDsaForCausalLM): the MLA attention's wrapped
projections, the V3.2 sparse-attention indexer's, the releases that wrap them more than once
and the releases and checkpoints refused. Their MoE layers (router gate, shared experts, routed
experts) are planner.serving.lora.moe's, their dense layers planner.serving.lora's.

Read from models/deepseek_v2.py of the vLLM 0.17.0, 0.18.0, 0.19.0, 0.20.0, 0.21.0, 0.23.0,
0.24.0, 0.25.0, 0.26.0, 0.27.0, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.32.0 and 0.34.0 wheels (the
file of each other release of settings.LORA_READ equals one of them byte for byte: 0.17.1, 0.18.1,
0.19.1, 0.20.1-0.20.2, 0.22.0-0.22.1 with 0.21.0, 0.25.1, 0.27.1, 0.33.0 with 0.32.0), with
layers/mla.py, layers/attention/mla_attention.py and lora/model_manager.py of the same wheels:
- DeepseekV2ForCausalLM (DeepseekV3ForCausalLM is its subclass, `pass`): SupportsLoRA,
  packed_modules_mapping gate_up_proj (gate_proj, up_proj) and, where q_lora_rank is set,
  fused_qkv_a_proj (q_a_proj, kv_a_proj_with_mqa); no embedding_modules (SupportsLoRA's {},
  models/interfaces.py), so no embed_tokens / lm_head slots; never sets is_3d_moe_weight
  (FusedMoEWithLoRA experts).
- DeepseekV2DecoderLayer: a layer is MoE where n_routed_experts is set, layer_idx >=
  first_k_dense_replace and layer_idx % moe_layer_freq == 0, else DeepseekV2MLP(hidden,
  intermediate_size): gate_up_proj (MergedColumnParallelLinear, 2 slices) and down_proj
  (RowParallelLinear), the dense rules.
- DeepseekV2MoE builds, in this order, gate (GateLinear(hidden, n_routed_experts), a
  ReplicatedLinear, in every release read), shared_experts (DeepseekV2MLP(hidden,
  moe_intermediate_size x n_shared_experts) on the attention's TP; disable_tp only under
  sequence-parallel MoE, not planned) and experts (SharedFusedMoE 0.17.0-0.19.0, FusedMoE
  0.20.0-0.26.0, FusedMoEFactory 0.27.0-0.34.0, each given gate=self.gate and the shared
  experts): moe's router gate (GATE_WRAPPED_TWICE on 0.21.0), shared expert (no
  shared_expert_gate) and experts.
- the MLA attention (DeepseekV2MLAAttention; model_config.use_mla, on unless VLLM_MLA_DISABLE):
  with q_lora_rank None (DeepSeek-V2-Lite), kv_a_proj_with_mqa (ReplicatedLinear(hidden,
  kv_lora_rank + qk_rope_head_dim): lora/layers/replicated_linear.py ReplicatedLinearWithLoRA,
  A (N, 1, R, hidden), B (N, 1, kv_lora_rank + rope, R), unsharded, --fully-sharded-loras or
  not: base_linear.py create_lora_weights' ReplicatedLinear branch), q_proj (ColumnParallelLinear
  (hidden, heads x (qk_nope + qk_rope)): ColumnParallelLinearWithLoRA, A (N, 1, R, hidden), B
  (N, 1, heads x 192 / TP, R)), kv_b_proj (ColumnParallelLinear(kv_lora_rank, heads x (qk_nope
  + v_head_dim)): A (N, 1, R, kv_lora_rank), B (N, 1, heads x 256 / TP, R)) and o_proj
  (RowParallelLinear(heads x v_head_dim, hidden): A (N, 1, R, heads x v / TP), B (N, 1, hidden,
  R)); --fully-sharded-loras splits the column A rows and row B rows over TP as for every
  column and row layer. vLLM refuses LoRA with MLA nowhere (no lora check in layers/mla.py,
  mla_attention.py, the MLA backends or the attention selector), and MLA absorbing kv_b_proj's
  weight into W_UK / W_UV (process_weights_after_loading, before the LoRA manager is built)
  does not stop its wrapping: the slots are allocated as for any ColumnParallelLinear.
  With q_lora_rank set (DeepSeek-V3, DeepSeek-R1, Kimi-K2) the attention builds instead of
  kv_a_proj_with_mqa and q_proj fused_qkv_a_proj, a DeepSeekV2FusedQkvAProj (0.17.x) /
  DeepSeekV2FusedQkvAProjLinear (0.18.0 on): MergedColumnParallelLinear(hidden, [q_lora_rank,
  kv_lora_rank + qk_rope_head_dim], disable_tp=True), so its tp_size is 1 at any TP (layers/
  linear.py), and q_b_proj (ColumnParallelLinear(q_lora_rank, heads x (qk_nope + qk_rope)),
  after q_a_layernorm, an RMSNorm no LoRA class takes). packed_modules_mapping gains
  fused_qkv_a_proj: [q_a_proj, kv_a_proj_with_mqa] in every release read, so the module manager
  hands from_layer a 2-name list. lora/layers/column_parallel_linear.py:
  MergedColumnParallelLinearWithLoRA.can_replace_layer takes `type(source_layer) is
  MergedColumnParallelLinear` only in 0.17.0-0.19.x, and no other class takes the subclass
  (ColumnParallelLinearWithLoRA wants the exact type and a 1-name list, the variable-slice class
  the exact type, ReplicatedLinearWithLoRA a ReplicatedLinear), so from_layer returns it
  unwrapped and register_module asserts on model.layers.0.self_attn.fused_qkv_a_proj, before any
  router gate (release_refusal). From FUSED_QKV_A_LORA_FROM (0.20.0) it takes an isinstance
  subclass whose tp_size is 1 (`return tp_size == 1`, with --fully-sharded-loras or not; the
  sharded twin gives the same shapes, as its A rows are max_lora_rank / the layer's tp_size 1):
  output_slices (q_lora_rank, kv_lora_rank + rope) / 1 (base_linear.py takes tp_size from the
  base layer), 2 A (N, 1, R, hidden) and B (N, 1, q_lora_rank, R) and (N, 1, kv_lora_rank +
  rope, R), whole on every rank. q_b_proj is ColumnParallelLinearWithLoRA: A (N, 1, R,
  q_lora_rank), B (N, 1, heads x 192 / TP, R), --fully-sharded-loras splitting A's rows.
- MultiHeadLatentAttentionWrapper (layers/mla.py, self_attn.mla_attn, built after the
  projections) keeps its own references to kv_a_proj_with_mqa, q_proj, kv_b_proj and o_proj
  (MLAModules), and its MLAAttention (mla_attention.py, self_attn.mla_attn.mla_attn) one more
  to kv_b_proj, each a registered submodule: lora/model_manager.py _create_lora_modules walks
  named_modules(remove_duplicate=False) in every release read and, before wrapped_by_id
  (MLA_ALIASES_WRAPPED_UNTIL), wraps each path it meets: replace_submodule sets the wrapper on
  self_attn only, so the alias paths still hold the base layer and get wrappers of their own,
  with their own slots (from_layer -> create_lora_weights): kv_a_proj_with_mqa, q_proj and
  o_proj twice, kv_b_proj three times (mla_alias_wraps); fused_qkv_a_proj and q_b_proj, also
  MLAModules held by the wrapper under their own names (so packed_modules_mapping still finds
  fused_qkv_a_proj's list), twice in 0.20.0-0.21.0, as o_proj. From 0.22.0 wrapped_by_id hands the
  aliases the first wrapper: once each.
- the router gate under 0.17.0-0.18.x (GATE_LORA_FROM): ReplicatedLinearWithLoRA.can_replace_layer
  takes `type(source_layer) is ReplicatedLinear` only, and no other class takes a GateLinear, so
  from_layer returns it unwrapped and register_module asserts (release_refusal); 0.19.0 adds
  lora/layers/gate_linear.py GateLinearWithLoRA (a ReplicatedLinearWithLoRA: the same shapes),
  and from 0.20.0 ReplicatedLinearWithLoRA takes it (isinstance).
- DeepSeek-V3.2's sparse-attention indexer (hf_config index_topk; every layer builds one where
  no indexer_types / index_topk_freq / index_topk_pattern makes models/utils.py
  compute_skip_topk_layers skip it, 0.29.0 on). models/registry.py maps DeepseekV32ForCausalLM to
  deepseek_v2.py's DeepseekV3ForCausalLM in 0.17.0-0.28.0 (is_v32: the Indexer in
  DeepseekV2MLAAttention, handed to the MLA wrapper and its MLAAttention) and to
  vllm/models/deepseek_v32 DeepseekV32ForCausalLM from 0.29.0 (on CUDA nvidia/model.py: a
  DeepseekV2ForCausalLM subclass, so the same packed_modules_mapping and no embedding_modules,
  with DeepseekV2MoE / DeepseekV2MLP; its DeepseekV32Attention is itself the MLAAttention and
  holds fused_qkv_a_proj, q_b_proj, kv_b_proj, o_proj and the DeepseekV32Indexer once each;
  read in the 0.29.0-0.34.0 wheels' deepseek_v32/attention.py). The indexer's wq_b is a
  ReplicatedLinear(q_lora_rank, index_head_dim x index_n_heads) in every release:
  ReplicatedLinearWithLoRA, A (N, 1, R, q_lora_rank), B (N, 1, index_n_heads x index_head_dim,
  R), whole on every rank (indexer_parts). Its wk_weights_proj (0.20.0 on; wk and weights_proj
  ReplicatedLinears before, refused anyway) is a MergedColumnParallelLinear(hidden,
  [index_head_dim, index_n_heads], disable_tp) not in packed_modules_mapping: from_layer gets []
  and no class takes it (ColumnParallelLinearWithLoRA wants 1 name, MergedColumnParallelLinear-
  WithLoRA 2, the variable-slice class 3+ output sizes), and from 0.20.0 _create_lora_modules
  warns "LoRA target module ... could not be wrapped by any LoRA layer implementation. It will be
  ignored." (a ValueError only with --lora-target-modules): no slots. k_norm (LayerNorm), the
  k_cache and the SparseAttnIndexer op are no LinearBase. Before MLA_ALIASES_WRAPPED_UNTIL the
  Indexer is met three times (self_attn.indexer, mla_attn.indexer, mla_attn.mla_attn.indexer),
  but as one object: replace_submodule sets the first wrapper on it, the live
  named_modules(remove_duplicate=False) walk then meets that wrapper at the alias paths, no LoRA
  class takes a BaseLayerWithLoRA and it is registered again without new slots, so wq_b is
  wrapped once in every release. 0.17.0-0.19.x fail on V3.2's fused_qkv_a_proj as on V3's
  (release_refusal). vLLM refuses LoRA with sparse MLA nowhere (no LoRA check in
  layers/attention, layers/sparse_attn_indexer.py, the sparse MLA backends or deepseek_v32/).
- GLM-5 (GlmMoeDsaForCausalLM, model_type glm_moe_dsa): models/registry.py maps it to
  deepseek_v2.py's GlmMoeDsaForCausalLM (`class GlmMoeDsaForCausalLM(DeepseekV2ForCausalLM):
  pass`) in 0.17.0-0.28.0 and to vllm/models/deepseek_v32 from 0.29.0, whose __init__.py binds
  the name to nvidia/model.py's DeepseekV32ForCausalLM on CUDA (`from .nvidia.model import
  DeepseekV32ForCausalLM as GlmMoeDsaForCausalLM`; off CUDA deepseek_v2.py's, amd/model.py's on
  ROCm from 0.31.0, as V3.2's): DeepSeek-V3.2's class in every release read, so its rules
  above (its config has index_topk: deepseek_v2.py's is_v32 and the indexer), with GLM-5's
  numbers (q_lora_rank 2,048, qk_nope_head_dim 192, v_head_dim 256, index_n_heads 32,
  first_k_dense_replace 3). What GLM-5 alone sets changes no slot: its float32 router
  (_get_moe_router_dtype, 0.25.0 on: GateLinear out_dtype float32, called on the model's dtype,
  so the LoRA shrink reads bfloat16; its weight float32 in 0.25.x alone:
  vllm_versions.DEEPSEEK_GATE_ROUTER_DTYPE_SPAN), the 0.29.0-0.34.0 SM103 low-latency GEMMs
  (deepseek_v32/nvidia/glm52_low_latency_gemm.py: a quant_method swap on the base linears) and
  model_executor/models/config.py's DCP defaults (decode context parallelism, not planned). Its
  MTP layer (num_nextn_predict_layers) is not built without speculative decoding.
Not read: DeepseekForCausalLM (DeepSeek-V1's MHA DeepseekAttention), the DCP q replication's
DCPGroupColumnParallelLinear q_proj (0.27.0 on, with decode context parallelism), ROCm AITER's
fused shared experts.
"""

from planner.model.spec import MlaMixer, ModelSpec, MoeMlp
from planner.serving.lora.part import LayerPart
from planner.serving.vllm_versions import version_label

Version = tuple[int, int, int]

DEEPSEEK_LORA = ("DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM",
                 "GlmMoeDsaForCausalLM")
"""The DeepSeek-V2/V3/V3.2 architectures, and GLM-5's (V3.2's class), whose LoRA modules are
read (module docstring)."""

GATE_LORA_FROM: Version = (0, 19, 0)
"""The first release with a LoRA class for DeepSeek's GateLinear router gate
(lora/layers/gate_linear.py GateLinearWithLoRA); 0.17.0-0.18.x fail at start-up
(release_refusal)."""

FUSED_QKV_A_LORA_FROM: Version = (0, 20, 0)
"""The first release whose MergedColumnParallelLinearWithLoRA takes the fused_qkv_a_proj of a
q_lora_rank model (a MergedColumnParallelLinear subclass); 0.17.0-0.19.x fail at start-up
(release_refusal)."""

FUSED_QKV_A_CLASS_RENAMED: Version = (0, 18, 0)
"""The first release whose fused_qkv_a_proj class is DeepSeekV2FusedQkvAProjLinear (0.17.x:
DeepSeekV2FusedQkvAProj)."""

MLA_ALIASES_WRAPPED_UNTIL: Version = (0, 22, 0)
"""The first release whose _create_lora_modules (lora/model_manager.py wrapped_by_id) gives the
MLA wrapper's aliases of the attention's projections the first wrapper; before it each alias
is wrapped again, with its own slots (module docstring)."""


def release_refusal(spec: ModelSpec, version: Version) -> str | None:
    """vLLM `version` failing at start-up with --enable-lora on a DeepSeek model: before
    FUSED_QKV_A_LORA_FROM no LoRA class takes a q_lora_rank model's fused_qkv_a_proj, before
    GATE_LORA_FROM none its GateLinear router gate, and register_module asserts on the first
    one it meets (layer 0's attention comes before any MoE layer's gate; lora/model_manager.py);
    None otherwise."""
    if spec.architectures[0] not in DEEPSEEK_LORA:
        return None
    label = version_label(version)
    fused = next((layer.index for layer in spec.layers if isinstance(layer.mixer, MlaMixer)
                  and layer.mixer.q_lora_rank is not None), None)
    if fused is not None and version < FUSED_QKV_A_LORA_FROM:
        cls = ("DeepSeekV2FusedQkvAProjLinear" if version >= FUSED_QKV_A_CLASS_RENAMED
               else "DeepSeekV2FusedQkvAProj")
        return (f"--enable-lora: vLLM {label} fails at start-up (\"Module model.layers.{fused}."
                "self_attn.fused_qkv_a_proj must be a BaseLayerWithLoRA instance, got <class "
                f"'vllm.model_executor.models.deepseek_v2.{cls}'>\", lora/model_manager.py: "
                "MergedColumnParallelLinearWithLoRA takes the q_lora_rank's fused_qkv_a_proj, a "
                "MergedColumnParallelLinear subclass, from vLLM 0.20.0)")
    first = next((layer.index for layer in spec.layers if isinstance(layer.mlp, MoeMlp)), None)
    if first is None or version >= GATE_LORA_FROM:
        return None
    return (f"--enable-lora: vLLM {label} fails at start-up (\"Module model.layers.{first}.mlp."
            "gate must be a BaseLayerWithLoRA instance, got <class 'vllm.model_executor.layers."
            "fused_moe.router.gate_linear.GateLinear'>\", lora/model_manager.py: no LoRA class "
            "takes the GateLinear router gate before vLLM 0.19.0's GateLinearWithLoRA)")


def mla_alias_wraps(version: Version) -> tuple[int, int]:
    """The wrappers, each with its slots, of kv_a_proj_with_mqa, q_proj and o_proj, and of
    kv_b_proj, under vLLM `version` (MLA_ALIASES_WRAPPED_UNTIL)."""
    return (1, 1) if version >= MLA_ALIASES_WRAPPED_UNTIL else (2, 3)


def mla_parts(mla: MlaMixer, version: Version, h: int, tp: int, n: int, r: int, rank_a: int,
              row_out: int) -> tuple[LayerPart, ...]:
    """An MLA layer's slots on one TP rank, as part.LayerPart (module docstring; per token
    the input once per A slice and the output read and written; kv_b_proj prefill_only: MLA's
    decode multiplies by the absorbed W_UK / W_UV, and layers/attention/mla_attention.py calls
    kv_b_proj in forward_mha and the prefill-context paths only, 0.17.0-0.34.0): without a
    q_lora_rank kv_a_proj_with_mqa (replicated: A rank x hidden, B (kv_lora_rank + rope) x rank)
    and q_proj (column: A `rank_a` x hidden, B output / TP x rank), with one fused_qkv_a_proj
    (tp_size 1: 2 A rank x hidden, B (q_lora_rank + kv_lora_rank + rope) x rank) and q_b_proj
    (column, from q_lora_rank); kv_b_proj (column) and o_proj (row: A rank x heads x v / TP, B
    `row_out` x rank); x max_loras (`n`) x mla_alias_wraps."""
    wraps, kv_b_wraps = mla_alias_wraps(version)
    heads = mla.num_heads // tp
    q_width = heads * (mla.qk_nope_head_dim + mla.qk_rope_head_dim)
    kv_b_width = heads * (mla.qk_nope_head_dim + mla.v_head_dim)
    kv_a = mla.kv_lora_rank + mla.qk_rope_head_dim
    q_parts = ((("fused_qkv_a_proj", 2 * r * h + (mla.q_lora_rank + kv_a) * r,
                 2 * h + 2 * (mla.q_lora_rank + kv_a)),
                ("q_b_proj", rank_a * mla.q_lora_rank + q_width * r,
                 mla.q_lora_rank + 2 * q_width))
               if mla.q_lora_rank is not None else
               (("kv_a_proj_with_mqa", r * h + kv_a * r, h + 2 * kv_a),
                ("q_proj", rank_a * h + q_width * r, h + 2 * q_width)))
    v_in = heads * mla.v_head_dim
    return tuple(LayerPart(module, wraps * n * elements, token, wraps=wraps)
                 for module, elements, token in q_parts) + (
        LayerPart("kv_b_proj", kv_b_wraps * n * (rank_a * mla.kv_lora_rank + kv_b_width * r),
                  mla.kv_lora_rank + 2 * kv_b_width, wraps=kv_b_wraps, prefill_only=True),
        LayerPart("o_proj", wraps * n * (r * v_in + row_out * r), v_in + 2 * row_out,
                  wraps=wraps)) + indexer_parts(mla, n, r)


def indexer_parts(mla: MlaMixer, n: int, r: int) -> tuple[LayerPart, ...]:
    """The sparse-attention indexer's slots (module docstring): wq_b, a ReplicatedLinear
    (q_lora_rank, index_n_heads x index_head_dim), ReplicatedLinearWithLoRA whole on every rank
    (A rank x q_lora_rank, B index_n_heads x index_head_dim x rank), wrapped once in every release
    sized, run in decode and prefill alike; wk_weights_proj takes no LoRA class; () without an
    indexer."""
    if mla.index_topk is None or mla.q_lora_rank is None or not (
            mla.index_n_heads and mla.index_head_dim):
        return ()
    out = mla.index_n_heads * mla.index_head_dim
    return (LayerPart("indexer.wq_b", n * (r * mla.q_lora_rank + out * r),
                      mla.q_lora_rank + 2 * out),)


KV_B_PREFILL_ONLY = (
    "--enable-lora with MLA attention: vLLM applies an adapter's kv_b_proj delta in prefill "
    "only; decode tokens see the base model's kv_b_proj. Its MLA decode (forward_mqa) multiplies "
    "by W_UK / W_UV, made from kv_b_proj's base weight when the model loads "
    "(layers/attention/mla_attention.py process_weights_after_loading reads it through "
    "get_and_maybe_dequant_weights), and it calls kv_b_proj only in forward_mha "
    "and the prefill-context paths _compute_prefill_context and "
    "_context_parallel_compute_prefill_context (sparse_mla_attention.py forward_mha and "
    "_compute_context_mha from 0.27.0), vLLM 0.17.0-0.34.0. An adapter that trains kv_b_proj "
    "decodes without that part; its slots are allocated and counted all the same")
"""What vLLM does with an adapter's kv_b_proj under MLA (module docstring), read in
layers/attention/mla_attention.py (and sparse_mla_attention.py from 0.27.0) of every release
of settings.LORA_READ: every call of kv_b_proj is in forward_mha,
_compute_prefill_context or _context_parallel_compute_prefill_context (sparse: forward_mha,
_compute_context_mha), and process_weights_after_loading absorbs the base weight into W_UK_T /
W_UV, which forward_mqa's decode uses (through split_kv_b_proj from 0.31.0, the same read)."""


def kv_b_prefill_only_warnings(spec: ModelSpec) -> tuple[str, ...]:
    """KV_B_PREFILL_ONLY for a DeepSeek (MLA) model whose LoRA slots are planned; () for the
    other architectures."""
    return (KV_B_PREFILL_ONLY,) if spec.architectures[0] in DEEPSEEK_LORA else ()

def mla_note(spec: ModelSpec, version: Version) -> str:
    """The lora term's words on the MLA projections of a DeepSeek model under vLLM `version`
    ("" for other architectures)."""
    if spec.architectures[0] not in DEEPSEEK_LORA:
        return ""
    wraps, kv_b_wraps = mla_alias_wraps(version)
    fused = any(isinstance(layer.mixer, MlaMixer) and layer.mixer.q_lora_rank is not None
                for layer in spec.layers)
    return ("; MLA (models/deepseek_v2.py, planner.serving.lora.deepseek_mla): "
            + ("fused_qkv_a_proj (q_a_proj + kv_a_proj_with_mqa) unsharded, 2 slices (A 2 x rank "
               "x hidden, B (q_lora_rank + kv_lora_rank + qk_rope_head_dim) x rank), q_b_proj"
               if fused else
               "kv_a_proj_with_mqa replicated (A rank x hidden, B (kv_lora_rank + "
               "qk_rope_head_dim) x rank), q_proj")
            + " and kv_b_proj column, o_proj row layers"
            + (f", each wrapped {wraps} times and kv_b_proj {kv_b_wraps} (the MLA wrapper's "
               "references, wrapped again before vLLM 0.22.0's wrapped_by_id)"
               if kv_b_wraps > 1 else "")
            + ("; the sparse-attention indexer's (deepseek_v2.py Indexer; from vLLM 0.29.0 "
               "models/deepseek_v32/attention.py DeepseekV32Indexer) wq_b replicated, wrapped "
               "once (A rank x q_lora_rank, B index_n_heads x index_head_dim x rank); its "
               "wk_weights_proj, a 2-output MergedColumnParallelLinear no LoRA class takes, left "
               "unwrapped (vLLM warns and ignores it)"
               if any(indexer_parts(layer.mixer, 1, 1) for layer in spec.layers
                      if isinstance(layer.mixer, MlaMixer)) else ""))
