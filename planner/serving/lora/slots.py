"""The LoRA slots vLLM allocates on each GPU before the KV cache is sized (`vllm serve
--enable-lora --max-loras N --max-lora-rank R [--fully-sharded-loras]`): the attention, dense
MLP, Gated-DeltaNet, embedding and lm_head modules' (the rules below), and one stage's sum
(stage_parts, stage_lora_bytes) with the parts mamba, moe, deepseek_mla and tower size and
punica's buffers.

Read from the `.py` files of the vLLM 0.31.0 (sha256 39132b43...), 0.32.0 (5e2ecdc5...),
0.33.0 (4b6bdec4...) and 0.34.0 (79ca4b3c...) wheels (settings.LORA_READ: lora/, config/lora.py,
models/llama.py, the model runners' LoRA parts; each part cited below reads the same in the
four, and lora/layers/row_parallel_linear.py, logits_processor.py and the Punica files are
byte-identical), then compared, part by part, with the 0.17.0, 0.18.0, 0.19.0, 0.20.0,
0.21.0, 0.22.0, 0.22.1, 0.23.0, 0.24.0, 0.25.0, 0.26.0, 0.27.0, 0.28.0, 0.29.0 and 0.30.0
wheels (the other patch releases diffed with their x.y.0: settings.LORA_READ): the
create_lora_weights, __init__ and can_replace_layer of every lora/layers class read the same
but for docstrings and the OOT-class lookup (0.17.0-0.19.0:
MergedColumnParallelLinearWithLoRA leaves --fully-sharded-loras at TP=1 to the sharded class,
of the same shapes there; 0.19.0 adds GateLinearWithLoRA, for MoE gates), and so do
config/lora.py's fields, _all_lora_classes (to 0.32.0; 0.33.0 and 0.34.0 add classes after the
ones used here), the Punica GPU wrapper and kernel metadata, the vocabulary limit and each
model's packed_modules_mapping and embedding_modules, except
two rules pinned to the release that changed them (punica.EMBEDDING_INDICES_ONE_ROW_FROM,
cuda_graphs.V2_LORA_GRAPH_CASES_FROM):
- lora/model_manager.py _create_lora_modules wraps every module whose name ends in one of
  lora/utils.py get_supported_lora_modules (every LinearBase / MoERunner suffix and the model's
  embedding_modules), each by the first class of utils._all_lora_classes whose
  can_replace_layer takes it (from_layer), which allocates max_loras slots at once
  (create_lora_weights) before the profile run: they are counted in the model's load memory.
- models/llama.py LlamaForCausalLM, models/qwen2.py Qwen2ForCausalLM, models/qwen3.py
  Qwen3ForCausalLM (Qwen2MLP, Qwen2Model), models/mistral.py MistralForCausalLM (registry.py maps it
  there in every release read; a LlamaForCausalLM with MistralAttention, a LlamaAttention, and
  MistralMLP's same gate_up/down), models/gemma2.py Gemma2ForCausalLM (Gemma2Attention, Gemma2MLP),
  models/gemma3.py Gemma3ForCausalLM (the text-only Gemma 3: Gemma3Attention, Gemma3MLP, the same
  four linears) and models/phi3.py Phi3ForCausalLM (a LlamaForCausalLM whose packed_modules_mapping
  maps qkv_proj to ["qkv_proj"] and gate_up_proj to ["gate_up_proj"]: one slice each, so
  QKVParallelLinearWithLoRA and ColumnParallelLinearWithLoRA, whose can_replace_layer takes a packed
  list of one, with one A over the whole output and B of output_size_per_partition), the
  architectures sized (LORA_ARCHITECTURES): per decoder layer qkv_proj (QKVParallelLinear, packed
  q/k/v -> MergedQKVParallelLinearWithLoRA, 3 slices), o_proj (RowParallelLinear), gate_up_proj
  (MergedColumnParallelLinear, packed gate/up -> MergedColumnParallelLinearWithLoRA, 2 slices),
  down_proj (RowParallelLinear); Llama's (Phi3's too, inherited) and Qwen3's embedding_modules
  embed_tokens (VocabParallelEmbeddingWithLoRA; built on the first PP rank, and on the last where
  the embeddings are tied) and lm_head (its LogitsProcessor wrapped by LogitsProcessorWithLoRA, last
  PP rank); Qwen2ForCausalLM, Gemma2ForCausalLM and Gemma3ForCausalLM declare no embedding_modules
  (SupportsLoRA's default {}, models/interfaces.py) and MistralForCausalLM sets it to {} ("We don't
  support LoRA on the embedding layers"), so neither is wrapped there (MistralDecoderLayer's
  ada_rms_norm_t_cond linears, built only where the config sets ada_rms_norm_t_cond, are not in
  Headroom's model and not sized). A tied lm_head is still its own ParallelLMHead (tie_weights
  shares the weight only), so it gets its slots.
- models/gemma3_mm.py Gemma3ForConditionalGeneration and qwen3_vl.py
  Qwen3VLForConditionalGeneration: their language model, wrapped as the text-only
  Gemma3ForCausalLM's and Qwen3ForCausalLM's; their vision tower and connector get no LoRA
  without --enable-tower-connector-lora (coverage.LORA_TOWER_CONNECTOR).
- models/granite.py GraniteForCausalLM, mimo.py MiMoForCausalLM and nemotron_nas.py
  DeciLMForCausalLM (SupportsLoRA, their packed_modules_mapping and embedding_modules the same
  in every release read): Llama's four linears a layer (qkv_proj 3 slices, o_proj, gate_up_proj
  2, down_proj). Granite declares Llama's embedding_modules; a tied lm_head is its own
  ParallelLMHead (`self.lm_head.weight = self.model.embed_tokens.weight` to 0.27.1,
  tie_weights from 0.28.0: no alias); its embedding_multiplier, residual_multiplier,
  attention_multiplier (the attention's scale) and logits_scaling (LogitsProcessor's scale)
  are floats applied in forward, no tensor and no slot. MiMo is a Qwen2ForCausalLM subclass
  that declares nothing of its own (no embedding_modules: no embedding or lm_head slots, nor
  a tied-head alias to 0.27.1); MiMoModel is a Qwen2Model of num_hidden_layers layers, the
  checkpoint's model.mtp_layers dropped at load: they are the MiMoMTP drafter's (mimo_mtp.py),
  loaded after load_lora_model wrapped the target only (v1/worker/gpu_model_runner.py 0.17.0,
  v1/worker/gpu/model_runner.py 0.34.0; v1/worker/gpu/spec_decode/eagle/utils.py: "The drafter
  does not use the target's LoRA adapter"). DeciLM (HasNoOps, Llama's embedding_modules) builds
  per block_configs[i] a LlamaAttention of num_attention_heads / n_heads_in_group kv heads
  unless attention.no_op, and a LlamaMLP of _ffn_mult_to_intermediate_size(ffn_mult, hidden)
  unless ffn.no_op: each layer its own shapes, and a no-op block no module, so no slots
  (coverage.LoraModules.no_op_blocks).
- models/phi.py PhiForCausalLM (SupportsLoRA; the 0.17.0-0.31.0 wheels, byte-identical
  0.17.0-0.24.0 and 0.25.0-0.31.0, which differ in the weight loader only; from 0.32.0 the
  Transformers backend, below): packed_modules_mapping qkv_proj (q/k/v,
  3 slices, a QKVParallelLinear of num_attention_heads KV heads), no embedding_modules (no
  embedding or lm_head slots); PhiAttention's dense and PhiMLP's fc2 RowParallelLinears, fc1 a
  ColumnParallelLinear of n_inner (4 x hidden without one; ColumnParallelLinearWithLoRA, one
  A: LoraModules.ungated_mlp, the names LoraModules.linear_names). Its biases (every linear's,
  the lm_head's) take no slot: no LoRA layer of a release read allocates a bias. Parallel
  attention and MLP and partial rotary change no shape.
- models/gemma.py GemmaForCausalLM (SupportsLoRA; 0.17.0-0.33.0, from 0.34.0 the Transformers
  backend): Llama's packed qkv_proj and gate_up_proj, o_proj (heads x head_dim in) and
  down_proj, no embedding_modules (no embedding or lm_head slots; 0.17.0-0.28.0 take the
  logits from embed_tokens, 0.29.0 on from a tied ParallelLMHead, neither wrapped).
- vLLM's Transformers backend (models/transformers/, 0.32.0, 0.33.0 and 0.34.0 wheels;
  fusers/base.py, qkv.py, glu.py and merged_column.py byte-identical, fx_utils.py's tracer
  changed in 0.33.0), which serves PhiForCausalLM from 0.32.0
  and GemmaForCausalLM from 0.34.0 (coverage.on_transformers_backend): base.py Base is
  SupportsLoRA with embedding_modules {"embed_tokens": "input_embeddings"} only, so embed_tokens
  (a VocabParallelEmbedding: replace_embedding_class; Gemma's GemmaTextScaledWordEmbedding
  rebased on it, which VocabParallelEmbeddingWithLoRA.can_replace_layer takes by isinstance)
  gets the embedding slots above, built where pipeline_parallel keeps it (the first stage, a
  tied last one), and causal.py's ParallelLMHead, no LinearBase, no slots: no
  LogitsProcessorWithLoRA, no mapping, no vocabulary limit. recursive_replace fuses each
  module whose fx trace and source match (fuser.py FUSERS, fusers/qkv.py QKVFuser, glu.py
  GLUFuser), else gives each nn.Linear the style of the transformers model's tp_plan
  (configuration_phi.py / configuration_gemma.py base_model_tp_plan): PhiAttention's and
  GemmaAttention's q/k/v_proj -> qkv_proj, a QKVParallelLinear of q_proj's out / head_dim heads
  and k_proj's kv heads, packed [q_proj, k_proj, v_proj] (3 slices), their dense / o_proj
  rowwise; GemmaMLP's act_fn(gate_proj(x)) * up_proj(x) -> gate_up_proj, a
  MergedColumnParallelLinear packed [gate_proj, up_proj] (its gelu / gelu_pytorch_tanh has a
  GeluAndMul), down_proj rowwise; PhiMLP's fc1 colwise, fc2 rowwise (tp_plan): the modules,
  names and shapes of phi.py and gemma.py, so the same slots. Run, not only read: those fusers'
  match, update_forward and validate, with base.py's recursive_replace mimicked on the phi-2
  and gemma-7b configs built by transformers 5.19.0 (the newest 0.32.0 admits, <5.20) and
  5.22.2 (0.34.0's newest, <5.23), gave exactly these modules at TP 1, 2 and 8; the minimum
  both pin, 5.16.1, has the same PhiAttention, PhiMLP, GemmaAttention and GemmaMLP (its
  GemmaConfig keeps hidden_act "gelu", GELUActivation, also with a GeluAndMul).
- the slots (lora_a_stacked / lora_b_stacked, `torch.zeros` in lora_dtype), R = max_lora_rank:
  a column layer (layers/base_linear.py, column_parallel_linear.py) has per output slice A
  (max_loras, 1, R, input_size) and B (max_loras, 1, slice per TP rank, R); a row layer
  (row_parallel_linear.py) A (max_loras, 1, R, input_size / TP) and B (max_loras, 1,
  output_size, R). --fully-sharded-loras (the *ShardedLoRA classes, same create_lora_weights)
  gives column layers A of R / TP rows and row layers B of output_size / TP
  (distributed/utils.py divide asserts each is whole: settings.fully_sharded_refusal). QKV's k/v
  slice per rank is max(1, kv heads / TP) heads (QKVParallelLinear replicates them past TP = kv
  heads). The embedding (layers/vocab_parallel_embedding.py): A (max_loras, vocab, R) and B
  (max_loras, 1, hidden, R), unsharded; lm_head (layers/logits_processor.py): A (max_loras, 1,
  R, hidden) and B (max_loras, 1, vocab, R), unsharded, with at TP > 1 the int64
  sharded_to_full_mapping_gpu over the padded vocabulary (ParallelLMHead pads it to 64:
  vocab.VOCAB_PADDING). create_lora_weights raises for a vocabulary over
  coverage.LORA_VOCAB_LIMIT.
- the profile run (v1/worker/lora_model_runner_mixin.py maybe_setup_dummy_loras): the dummy
  LoRAs are made on the CPU (model_manager.create_dummy_lora, device "cpu") and copied into the
  slots: no GPU memory beyond them. CUDA graphs: cuda_graphs.
- Qwen3.5 (models/qwen3_5.py Qwen3_5ForConditionalGeneration, SupportsLoRA in every release
  read; coverage.HYBRID_GDN_LORA): its language_model is a Qwen3_5ForCausalLM, the vision tower
  ("visual.") and connector ("visual.merger", "visual.deepstack_merger_list": qwen3_vl.py
  get_mm_mapping) get no Punica wrapper unless enable_tower_connector_lora (config/lora.py,
  default False; model_manager.py _get_punica_wrapper), so they are not wrapped. Its full
  attention is qwen3_next.py Qwen3NextAttention: qkv_proj a QKVParallelLinear of
  total_num_heads x (1 + attn_output_gate) q heads (MergedQKVParallelLinearWithLoRA's q slice
  is base_layer.num_heads x head_size: the gate doubles it), o_proj of heads x head_dim; the
  MLP Qwen3NextMLP's gate_up_proj/down_proj. Its Gated-DeltaNet layers (0.17.0-0.18.0
  qwen3_next.py/qwen3_5.py Qwen3_5GatedDeltaNet, 0.19.0-0.21.0 layers/mamba/gdn_linear_attn.py,
  from 0.22.0 layers/mamba/gdn/qwen_gdn_linear_attn.py QwenGatedDeltaNetAttention, flat layout)
  build in_proj_qkvz, a MergedColumnParallelLinear of output_sizes [key, key, value, value]
  (key = linear_num_key_heads x linear_key_head_dim, value the same of value heads), packed
  ["in_proj_qkv", "in_proj_z"], so MergedColumnParallelLinearWithLoRA (two packed names) with
  one A per output size, 4, and B of each size / TP (from 0.21.0 set_lora splits a qkv
  adapter over the first three); 0.19.0-0.20.0 build it under LoRA as in_proj_qkv
  ([key, key, value]) and in_proj_z (ColumnParallelLinear of value), the same 4 A and B
  rows; in_proj_ba, [value heads] x 2 (2 A); conv1d, a ColumnParallelLinear of input
  linear_conv_kernel_dim and output 2 x key + value, a LinearBase, so wrapped
  (ColumnParallelLinearWithLoRA: A rank x kernel, B output / TP x rank); out_proj a
  RowParallelLinear of value -> hidden. Its embedding_modules (embed_tokens, lm_head) are
  declared from 0.29.0 only (coverage.QWEN3_5_EMBEDDINGS_FROM). The MTP layers are not built without
  speculative decoding. Qwen3.5-MoE (Qwen3_5MoeForConditionalGeneration, a
  Qwen3_5ForConditionalGeneration whose language_model is a Qwen3_5MoeForCausalLM of the same
  Qwen3_5ForCausalLMBase: the same vision-tower, GDN, attention and embedding rules) has
  qwen3_next.py Qwen3NextSparseMoeBlock MLPs, sized by planner.serving.lora.moe.
- Qwen3-Next (models/qwen3_next.py Qwen3NextForCausalLM, SupportsLoRA in every release read,
  no embedding_modules: no embedding or lm_head slots): the same Qwen3NextAttention and
  Qwen3NextSparseMoeBlock (moe), its GDN layers built with gqa_interleaved_layout=True
  (0.17.0-0.18.x qwen3_next.py Qwen3NextGatedDeltaNet; 0.19.0-0.20.x keep in_proj_qkvz under
  LoRA, create_in_proj_qkvz being Qwen3.5's only): in_proj_qkvz a MergedColumnParallelLinear of
  one output size, 2 x key + 2 x value, and in_proj_ba of one, 2 x value heads (0.17.0:
  [value heads] x 2), each packed as a list of one (["in_proj_qkvz"], ["in_proj_ba"]), so
  lora/layers/column_parallel_linear.py ColumnParallelLinearWithLoRA (can_replace_layer: a
  MergedColumnParallelLinear of a packed list of one and under 3 output sizes): one A (R x
  hidden) and B of the whole width / TP each (LoraModules.gdn_slices); conv1d and out_proj as
  Qwen3.5's.

- models/nemotron_h.py NemotronHForCausalLM (Nemotron-H, Nemotron 3 Nano;
  coverage.HYBRID_MAMBA_LORA): one block a layer; its Mamba2 layers' slots are
  planner.serving.lora.mamba's, its attention and embedding_modules (embed_tokens, lm_head) the
  rules above, its relu2 MLP (NemotronHMLP, also its MoE's shared_experts) up_proj, a
  ColumnParallelLinear (ColumnParallelLinearWithLoRA: one A, B of intermediate / TP), and
  down_proj (row); its experts moe's.

Not sized (each said in the lora term's note): the LoRA kernels' transient buffers in the
profile run (float32 (slices, tokens, R) shrink outputs) and, at TP > 1, the copy of the
gathered logits the lm_head LoRA's reindexing makes (logits[:, sharded_to_full_mapping_gpu]).
MoE architectures: the attention and vocabulary rules above and the per-expert slots of
planner.serving.lora.moe (Qwen3MoeForCausalLM; Qwen2MoeForCausalLM with its shared expert and
shared_expert_gate; MixtralForCausalLM; GptOssForCausalLM's MXFP4 experts on Marlin, NVIDIA
only; Qwen3_5MoeForConditionalGeneration's and Qwen3NextForCausalLM's experts, shared expert
and gate beside their GDN layers; Qwen3VLMoeForConditionalGeneration's language model, a
Qwen3-MoE with FusedMoE3DWithLoRA experts; DeepseekV2ForCausalLM's, DeepseekV3ForCausalLM's and
DeepseekV32ForCausalLM's experts, shared experts and router gate beside their MLA attention
and first dense layers, planner.serving.lora.deepseek_mla, GLM-5's GlmMoeDsaForCausalLM too;
MiniMaxM2ForCausalLM's experts and float32 router gate from vLLM 0.23.0;
Gemma4ForConditionalGeneration's router, dense MLP and experts beside its sliding and full
attention from vLLM 0.20.0, its dense checkpoints by the rules above; over EP from vLLM
0.21.0); other architectures are refused, never guessed.
Qwen3ForCausalLM's batch-sharded sampling (--enable-batch-sharded-sampling, off by default:
v1/worker/gpu/sample/batch_shard.py) calls the logits without their TP gather, which the
LoRA lm_head refuses (NotImplementedError in logits_processor.py); Headroom has no such flag.
"""

from itertools import accumulate
from operator import add, and_
from typing import NamedTuple

from planner.memo import IdentityMemo
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.lora.coverage import LORA_ARCHITECTURES, on_transformers_backend
from planner.serving.lora.deepseek_mla import mla_parts
from planner.serving.lora.mamba import mamba_parts
from planner.serving.lora.moe import (
    MOE_LORA_ARCHITECTURES,
    ExpertSlots,
    moe_flag_bytes,
    moe_layer_parts,
)
from planner.serving.lora.part import NO_SUMS, LayerPart, LoraPart, Sums, part_sums
from planner.serving.lora.punica import punica_buffer_bytes, tower_punica_bytes
from planner.serving.lora.settings import LoraSettings, Version
from planner.serving.lora.tower import tower_parts
from planner.serving.vocab import padded_vocab
from planner.serving.weights import stage_heads


def wrapped_heads(spec: ModelSpec, version: Version) -> tuple[bool, bool]:
    """Whether vLLM `version` wraps the embedding and the lm_head of `spec` (_heads_wrapped, on
    the backend coverage.on_transformers_backend finds)."""
    return _heads_wrapped(spec, version, on_transformers_backend(spec, version))


def _heads_wrapped(spec: ModelSpec, version: Version, backend: bool) -> tuple[bool, bool]:
    """wrapped_heads, `backend` whether vLLM serves `spec` on its Transformers backend: both
    where its class declares them (LORA_ARCHITECTURES), the embedding only on that backend
    (Base's embedding_modules, module docstring)."""
    if backend:
        return True, False
    modules = LORA_ARCHITECTURES[spec.architectures[0]]
    wraps = modules.embeddings and version >= modules.embeddings_from
    return wraps, wraps

def tied_head_alias(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version` wraps the tied lm_head of `spec` a second time as an embedding:
    where the class makes the lm_head embed_tokens itself (before
    LoraModules.tied_head_own_from), lora/model_manager.py _create_lora_modules meets the one
    VocabParallelEmbedding under both names (named_modules(remove_duplicate=False), 0.17.0-0.34.0)
    and wraps each, the alias rule of 0.22.0 on (wrapped_by_id) skipping a name with "lm_head"
    in it: lm_head becomes a second VocabParallelEmbeddingWithLoRA (VocabParallelEmbedding is
    its can_replace_layer's exact type), with embed_tokens' slots, A (max_loras, vocab, R) and B
    (max_loras, 1, hidden, R), and its LogitsProcessor a LogitsProcessorWithLoRA, as untied."""
    modules = LORA_ARCHITECTURES[spec.architectures[0]]
    return spec.tie_word_embeddings and version < modules.tied_head_own_from



def _layer_parts(spec: ModelSpec, layer_index: int, tp: int, experts: ExpertSlots,
                 lora: LoraSettings) -> tuple[LayerPart, ...]:
    """The slots of one decoder layer's wrapped modules on one TP rank, as part.LayerPart
    (module, elements, token elements, ...): (A + B) x max_loras, per the module docstring, and
    per token slices x input + 2 x output, one A per slice (LORA_ARCHITECTURES): the
    attention's qkv_proj and o_proj (MLA's projections: deepseek_mla.mla_parts), then a dense
    MLP's gate_up_proj and down_proj, or an MoE layer's router gate, gates and experts
    (moe.moe_layer_parts, the rank's `experts`) and its shared expert's gate_up_proj and
    down_proj (Qwen2-MoE, DeepSeek: the dense rules); none for a no-op block (DeciLM)."""
    layer = spec.layers[layer_index]
    attn, mlp = layer.mixer, layer.mlp
    # a block absent (None) is a no-op block (coverage.LoraModules.no_op_blocks): no slots
    assert attn is None or isinstance(
        attn, AttentionMixer | LinearAttentionMixer | MlaMixer | MambaMixer)
    assert mlp is None or isinstance(mlp, DenseMlp | MoeMlp)
    n, r, h = lora.max_loras, lora.rank, spec.hidden_size
    rank_a = r // tp if lora.fully_sharded else r  # column layers' A rows
    row_out = h // tp if lora.fully_sharded else h  # row layers' B rows
    modules = LORA_ARCHITECTURES[spec.architectures[0]]
    if attn is None:
        parts: tuple[LayerPart, ...] = ()
    elif isinstance(attn, LinearAttentionMixer):
        parts = gdn_parts(attn, modules.gdn_slices, h, tp, n, r, rank_a, row_out)
    elif isinstance(attn, MambaMixer):
        parts = mamba_parts(attn, h, tp, n, r, rank_a, row_out, lora.fully_sharded)
    elif isinstance(attn, MlaMixer):
        parts = mla_parts(attn, lora.version, h, tp, n, r, rank_a, row_out)
    else:
        # the output gate doubles the q heads (qwen3_next.py Qwen3NextAttention: QKVParallelLinear
        # of total_num_heads x (1 + attn_output_gate)); o_proj's input stays heads x head_dim
        q = attn.num_heads * (1 + attn.output_gate) // tp * attn.head_dim
        kv = max(1, attn.num_kv_heads // tp) * attn.head_dim
        q_in = attn.num_heads * attn.head_dim // tp
        parts = (LayerPart("qkv_proj", n * (modules.qkv_slices * rank_a * h + (q + 2 * kv) * r),
                           modules.qkv_slices * h + 2 * (q + 2 * kv)),
                 LayerPart(modules.linear_names.attention_out, n * (r * q_in + row_out * r),
                           q_in + 2 * row_out))
    if mlp is None:
        return parts
    if isinstance(mlp, MoeMlp):
        parts += moe_layer_parts(spec, mlp, experts, n, r, lora.fully_sharded, lora.version,
                                 tp)
        if not mlp.num_shared_experts:
            return parts
    dense, prefix = ((mlp.shared_intermediate_size,
                      f"{MOE_LORA_ARCHITECTURES[spec.architectures[0]].shared_name}.")
                     if isinstance(mlp, MoeMlp) else (mlp.intermediate_size, ""))
    inter = dense // tp
    up = (LayerPart(f"{prefix}gate_up_proj",
                    n * (modules.gate_up_slices * rank_a * h + 2 * inter * r),
                    modules.gate_up_slices * h + 2 * 2 * inter) if mlp.gated
          # Nemotron-H's relu2 MLP and shared expert: up_proj, Phi's fc1, a ColumnParallelLinear
          # (one A)
          else LayerPart(f"{prefix}{modules.linear_names.mlp_up}", n * (rank_a * h + inter * r),
                         h + 2 * inter))
    return parts + (up, LayerPart(f"{prefix}{modules.linear_names.mlp_down}",
                                  n * (r * inter + row_out * r), inter + 2 * row_out))


def gdn_parts(gdn: LinearAttentionMixer, slices: tuple[int, int], h: int, tp: int, n: int,
              r: int, rank_a: int, row_out: int) -> tuple[LayerPart, ...]:
    """A Gated-DeltaNet layer's slots on one TP rank (layers/mamba/gdn QwenGatedDeltaNetAttention;
    module docstring): in_proj_qkvz (q, k of key heads x key dim, v, z of value heads x value
    dim) and in_proj_ba (2 x value heads), of `slices` LoRA A each (Qwen3.5's flat layout 4 and
    2, Qwen3-Next's interleaved one 1 and 1: LoraModules.gdn_slices), conv1d (a
    ColumnParallelLinear of input conv kernel, output 2 x key + value dims) and out_proj (row,
    value dims -> hidden). conv1d's LoRA never runs: the layer hands conv1d.weight to the
    causal_conv1d kernels and never calls the module (layers/mamba/gdn/qwen_gdn_linear_attn.py,
    0.34.0), so it is idle."""
    key = gdn.num_key_heads * gdn.key_head_dim
    value = gdn.num_value_heads * gdn.value_head_dim
    qkvz, ba = slices
    qkvz_out, ba_out = (2 * key + 2 * value) // tp, 2 * gdn.num_value_heads // tp
    return (LayerPart("in_proj_qkvz", n * (qkvz * rank_a * h + qkvz_out * r),
                      qkvz * h + 2 * qkvz_out),
            LayerPart("in_proj_ba", n * (ba * rank_a * h + ba_out * r), ba * h + 2 * ba_out),
            LayerPart("conv1d", n * (rank_a * gdn.conv_kernel_dim + (2 * key + value) // tp * r),
                      0, idle=True),
            LayerPart("out_proj", n * (r * value // tp + row_out * r), value // tp + 2 * row_out))


def _counted(part: LayerPart, count: int) -> LoraPart:
    """A layer's `part` as the LoraPart of `count` layers."""
    return LoraPart(part.name, part.elements, count, part.token_elements, experts=part.experts,
                    wraps=part.wraps, idle=part.idle, prefill_only=part.prefill_only)


def stage_parts(spec: ModelSpec, layers: range, first: bool, last: bool, tp: int,
                lora: LoraSettings, experts: ExpertSlots | None = None) -> tuple[LoraPart, ...]:
    """The LoRA slots of one TP rank of a PP stage holding `layers` (the embedding and lm_head
    on the stages vLLM builds them on, weights.stage_heads, where it wraps them:
    wrapped_heads; lora/model_manager.py _create_lora_modules, 0.17.0, 0.24.0 and 0.34.0
    wheels, skips a PPMissingLayer only, so it wraps each one built, and with an lm_head its
    LogitsProcessor),
    in elements, each module kind once with the count of layers; elements x lora_dtype bytes
    are the bytes. `experts`: the rank's routed experts (moe.ExpertSlots; None: sliced over
    `tp`, no EP)."""
    counts: dict[LayerPart, int] = {}  # a module's part: its layers
    for index in layers:
        for part in _layer_parts(spec, index, tp, experts or ExpertSlots(tp), lora):
            counts[part] = counts.get(part, 0) + 1
    parts = [_counted(part, count) for part, count in counts.items()]
    if lora.tower and (first or lora.tower_every_stage):  # where vLLM builds the tower
        # the tower's LoRA runs in the vision encoder, on image inputs only: idle in a text step
        parts += [LoraPart(*part, idle=True) for part in tower_parts(
            spec, tp, lora.max_loras, lora.rank, lora.fully_sharded, lora.tower_data_parallel)]
    backend = on_transformers_backend(spec, lora.version)  # no unguarded heads (base.py)
    embed, head = map(and_, stage_heads(spec, first, last, unguarded=not backend),
                      _heads_wrapped(spec, lora.version, backend))
    n, r, h, vocab = lora.max_loras, lora.rank, spec.hidden_size, spec.vocab_size
    if embed:
        # a token's A row gathered (F.embedding) and read back by the expand, which reads and
        # writes the hidden state (layers/vocab_parallel_embedding.py forward)
        parts.append(LoraPart("embed_tokens", n * (vocab * r + h * r), 1, 3 * r + 2 * h,
                              lookup=n * vocab * r))
    if head and tied_head_alias(spec, lora.version):
        # the alias the forward never calls as an embedding: the model embeds through
        # embed_tokens' wrapper, the logits through the LogitsProcessorWithLoRA
        parts.append(LoraPart("lm_head as embedding", n * (vocab * r + h * r), 1, idle=True))
    if head:
        parts.append(LoraPart("lm_head", n * (r * h + vocab * r), 1, h + 2 * vocab))
    return tuple(parts)


def lm_head_mapping_bytes(spec: ModelSpec, first: bool, last: bool, tp: int,
                          version: Version) -> int:
    """The lm_head LoRA's int64 sharded_to_full_mapping_gpu at TP > 1 on a stage with the
    lm_head (stage_heads): the vocabulary padded to VOCAB_PADDING x 8 B (logits_processor.py
    create_lora_weights); 0 where lm_head is not wrapped."""
    if tp == 1 or not wrapped_heads(spec, version)[1] or not stage_heads(spec, first, last)[1]:
        return 0
    return padded_vocab(spec.vocab_size) * 8



def stage_lora_bytes(spec: ModelSpec, layers: range, first: bool, last: bool, tp: int,
                     lora: LoraSettings, dtype_bytes: int, max_num_batched_tokens: int,
                     max_num_seqs: int, experts: ExpertSlots | None = None,
                     max_model_len: int = 0) -> int:
    """All the LoRA bytes on one TP rank of a stage: its slots in lora_dtype, the MoE layers'
    adapter flags (moe.moe_flag_bytes), the lm_head mapping (stage_heads) and the Punica
    buffers (the tower's and connector's too: tower_punica_bytes, which reads
    `max_model_len`). Its layers' slots from their running sums (layer_runs: `layers` is a
    PP stage's, consecutive), the embedding's, lm_head's and tower's from stage_parts of no
    layer."""
    running = layer_runs(spec, tp, lora, experts or ExpertSlots(tp)).slots
    slots = running[layers.stop] - running[layers.start] + sum(
        p.elements * p.count for p in stage_parts(spec, range(0), first, last, tp, lora, experts))
    return (slots * dtype_bytes + moe_flag_bytes(spec, layers, lora.max_loras)
            + lm_head_mapping_bytes(spec, first, last, tp, lora.version)
            + punica_buffer_bytes(max_num_batched_tokens, max_num_seqs, lora.max_loras,
                                  lora.version)
            + tower_punica_bytes(spec, lora, max_num_batched_tokens, max_num_seqs,
                                 max_model_len))


class LayerRuns(NamedTuple):
    """The decoder layers' LoRA on one TP rank, running (entry i: layers 0 to i - 1, each
    layer's _layer_parts, as stage_parts counts them): the slots' elements (stage_lora_bytes)
    and what a step's kernels read and multiply of them (part.part_sums: the speed model's
    lora_cost.lora_stage)."""

    slots: tuple[int, ...]
    sums: tuple[Sums, ...]


_LAYER_RUNS: IdentityMemo[LayerRuns] = IdentityMemo(1024)
"""layer_runs by spec and (TP, the LoRA settings _layer_parts reads: max_loras, rank,
fully_sharded and version, the rank's experts): a stage's layers' slots and
step sums are lookups, not a walk over its layers (a 4,096-GPU sweep of Qwen3-235B-A22B sizes
54,193 stages, 1.7 s of its 8.3 s layer by layer; the Llama 3.1 405B sweep's 848 LoRA layouts
time 50,607 stages)."""


def layer_runs(spec: ModelSpec, tp: int, lora: LoraSettings, experts: ExpertSlots
               ) -> LayerRuns:
    """The LayerRuns of the decoder layers on one TP rank holding `experts`: the one walk over
    the layers' slots that the memory (stage_lora_bytes) and the speed model read. Cached
    (_LAYER_RUNS)."""
    key = (tp, lora.max_loras, lora.rank, lora.fully_sharded, lora.version, experts)
    return _LAYER_RUNS.get(spec, key, _layer_runs, spec, tp, lora, experts)


def _layer_runs(spec: ModelSpec, tp: int, lora: LoraSettings, experts: ExpertSlots
                ) -> LayerRuns:
    """Work out what layer_runs caches."""
    layers = [_layer_parts(spec, index, tp, experts, lora) for index in range(spec.num_layers)]
    return LayerRuns(
        tuple(accumulate((sum(p.elements for p in parts) for parts in layers), initial=0)),
        tuple(accumulate((part_sums(_counted(part, 1) for part in parts) for parts in layers),
                         _added, initial=NO_SUMS)))


def _added(sums: Sums, more: Sums) -> Sums:
    """Two Sums added figure by figure."""
    return tuple(map(add, sums, more))  # type: ignore[return-value]
