"""Multi-LoRA slots of MoE models (the MoE part of planner.serving.lora): the per-expert
slots vLLM's FusedMoEWithLoRA (FusedMoE3DWithLoRA for gpt-oss) allocates and the router
gate's, for the MoE architectures read, and the MoE layouts refused (EP,
sequence-parallel experts); the experts' formats under LoRA: expert_formats.

Read from the `.py` files of the vLLM 0.17.0-0.34.0 wheels (settings.LORA_READ):
- lora/layers/fused_moe.py FusedMoEWithLoRA._create_lora_a_weights / _create_lora_b_weights
  (`torch.zeros` in lora_dtype, E = local_num_experts = num_experts without EP, I =
  intermediate_size_per_partition = moe_intermediate_size / the MoE's TP size, R =
  max_lora_rank, N = max_loras): w13 A, one per slice (2: gate and up, is_act_and_mul), (N,
  E, R, hidden); w13 B per slice (N, E, I, R); w2 A (N, E, R, I); w2 B (N, E, hidden, R).
  --fully-sharded-loras: w13 A of R / TP rows, w2 B of hidden / TP rows (divide), TP being
  FusedMoEWithLoRA.tp_size: get_tensor_model_parallel_world_size(), the attention's TP, in
  0.17.0-0.20.x, the MoE's (base_layer.tp_size) from 0.21.0 (FULLY_SHARDED_MOE_TP_FROM). Plus
  create_lora_weights' adapter_enabled, int32 of max_loras + 1. These lines read the same in
  every release read, but for 0.26.0's enable_moe_shared_loras (LoRAConfig, default False:
  the per-expert shapes above; Headroom passes no such flag). The MoE's TP size is
  moe_parallel_config.tp_size: tp x dp without EP (layout.expert_tp; fused_moe/config.py
  FusedMoEConfig.__post_init__ asserts the intermediate size divides).
- lora/model_manager.py _create_lora_modules: a FusedMoE (0.17.0-0.23.0) / MoERunner
  (0.24.0-0.34.0) gets the packed list ["w1", "w3"] where the model's is_3d_moe_weight is
  False (models/interfaces.py default; Qwen3MoeForCausalLM keeps it), so FusedMoEWithLoRA
  (can_replace_layer: two packed modules) and not FusedMoE3DWithLoRA.
- the router gate (models/qwen3_moe.py Qwen3MoeSparseMoeBlock.gate: ReplicatedLinear to 0.30.0,
  GateLinear, a ReplicatedLinear, from 0.31.0) is a LinearBase, so `gate` is a supported suffix
  (utils.get_supported_lora_modules) and ReplicatedLinearWithLoRA wraps it (layers/
  replicated_linear.py, base_linear.py create_lora_weights): A (N, 1, R, hidden), B (N, 1,
  num_experts, R), unsharded, --fully-sharded-loras or not. The MoE layer holds the gate too:
  FusedMoE._gate (0.17.0-0.19.0, suffix `_gate`: not wrapped) and MoERunner.gate (0.20.0-0.34.0);
  the 0.20.0 MoERunner is no nn.Module (MoERunnerInterface(ABC)), the 0.21.0 one is
  (PluggableLayer), and 0.21.0's _create_lora_modules (named_modules(remove_duplicate=False))
  wraps that path, `mlp.experts.runner.gate`, a second time: GATE_WRAPPED_TWICE; from 0.22.0
  wrapped_by_id gives the alias the first wrapper.
- models/qwen3_moe.py Qwen3MoeForCausalLM (SupportsLoRA in every release read):
  packed_modules_mapping qkv_proj (q/k/v) and, only with mlp_only_layers, gate_up_proj;
  embedding_modules embed_tokens and lm_head; decoder layers Qwen3MoeAttention (qkv_proj,
  o_proj: the dense rules of planner.serving.lora) and Qwen3MoeSparseMoeBlock (gate, experts),
  with a shared expert only where shared_expert_intermediate_size is set (not read: refused).
- models/qwen2_moe.py Qwen2MoeForCausalLM (SupportsLoRA in every release read; no
  embedding_modules, so SupportsLoRA's {} and no embed_tokens / lm_head slots):
  packed_modules_mapping qkv_proj and, where shared_expert_intermediate_size > 0 or
  mlp_only_layers, gate_up_proj (gate/up); Qwen2MoeSparseMoeBlock builds, in this order, gate
  (ReplicatedLinear(hidden, num_experts) to 0.30.0, GateLinear from 0.31.0), shared_expert_gate
  (ReplicatedLinear(hidden, 1), whether or not a shared expert is built), shared_expert (a
  Qwen2MoeMLP: gate_up_proj MergedColumnParallelLinear(hidden, [shared_expert_intermediate_size]
  x 2) and down_proj RowParallelLinear, on the attention's TP group: no disable_tp or
  is_sequence_parallel passed) and experts (SharedFusedMoE 0.17.0-0.19.0, FusedMoE
  0.20.0-0.26.0, FusedMoEFactory 0.27.0-0.34.0, each given shared_experts and never the gate).
  So per MoE layer: the router gate once in every release (the runner holds no gate: no
  GATE_WRAPPED_TWICE), the shared expert's gate_up_proj (MergedColumnParallelLinearWithLoRA, 2
  slices) and down_proj (RowParallelLinearWithLoRA) by the dense rules at the attention's TP,
  shared_expert_gate (ReplicatedLinearWithLoRA: A (N, 1, R, hidden), B (N, 1, 1, R),
  unsharded) and the experts (FusedMoEWithLoRA, as above). The aliases add nothing: the MoE
  layer's own reference to the shared expert (SharedFusedMoE._shared_experts, the runner's
  SharedExperts._layer) is the same Qwen2MoeMLP, visited after mlp.shared_expert (registered
  first; 0.34.0 sorts runner paths last), whose linears are by then the wrappers (no
  can_replace_layer takes a wrapper) or, 0.22.0 on, in wrapped_by_id; and
  Qwen2MoeMLP.expert_gate, the same module as shared_expert_gate, has the suffix
  `expert_gate`, which get_supported_lora_modules (named_modules() without duplicates: the
  module is first seen as shared_expert_gate) never lists. qwen2_moe.py, lora/layers/
  fused_moe.py, model_manager.py and config/parallel.py of every patch release read equal its
  x.y.0's byte for byte.
- models/mixtral.py MixtralForCausalLM (SupportsLoRA in every release read; mixtral.py of
  0.17.0-0.19.0, 0.20.0-0.22.1, 0.23.0-0.24.0, 0.25.0-0.26.0, 0.27.0, 0.28.0, 0.29.0-0.30.0 and
  0.31.0-0.34.0 read, and of each patch release equal to its x.y.0's): packed_modules_mapping
  qkv_proj only; embedding_modules embed_tokens and lm_head; is_3d_moe_weight left False, so
  FusedMoEWithLoRA; MixtralDecoderLayer's self_attn (MixtralAttention: qkv_proj, o_proj, the
  dense rules) and block_sparse_moe (MixtralMoE: gate, ReplicatedLinear(hidden, num_experts) to
  0.30.0 and GateLinear from 0.31.0, and experts, FusedMoE to 0.26.0 and FusedMoEFactory from
  0.27.0, given neither the gate nor tp_size / dp_size: the experts' TP is tp x dp). So the
  gate once in every release.
- models/gpt_oss.py GptOssForCausalLM (SupportsLoRA in every release read; gpt_oss.py of
  0.17.0, 0.18.0, 0.19.0, 0.20.0-0.22.1, 0.23.0, 0.24.0, 0.25.0-0.26.0, 0.27.0-0.28.0,
  0.29.0-0.30.0, 0.31.0-0.32.0 and 0.33.0-0.34.0 read): is_3d_moe_weight True, so
  _create_lora_modules gives the MoE layer the packed list ["w13"] (unless
  enable_mixed_moe_lora_format, default False, from 0.24.0) and FusedMoE3DWithLoRA wraps it
  (can_replace_layer: one packed module): one w13 A (N, E, R, hidden) (R / TP rows with
  --fully-sharded-loras), w13 B (N, E, 2 x I, R), w2 A and B as above, the same
  adapter_enabled; packed_modules_mapping qkv_proj only and no embedding_modules (no
  embedding / lm_head slots); OAIAttention's biased qkv_proj / o_proj take the dense rules (the
  LoRA linears allocate no bias slots) and its sinks are a Parameter, not wrapped;
  MLPBlock.router (ReplicatedLinear(hidden, num_experts, bias=True); GateLinear in 0.19.0 and
  from 0.31.0) is never handed to the experts: wrapped once, A (N, 1, R, hidden) and B (N, 1,
  num_experts, R), the unpadded hidden. The MXFP4 experts with LoRA run on Marlin on NVIDIA in
  every release read: 0.17.0-0.18.x quantization/mxfp4.py get_mxfp4_backend_with_lora and
  0.19.0-0.20.x fused_moe/oracle/mxfp4.py select_(gpt_oss_)mxfp4_moe_backend's LoRA branch
  take TRITON_UNFUSED only where VLLM_MXFP4_USE_MARLIN is set to 0 (`is False`; unset is
  None), else MARLIN (off CUDA: no backend in 0.17-0.18, "Mxfp4 LoRA is currently only
  supported on CUDA." in 0.19-0.20); 0.21.0-0.34.0 walk _get_priority_backends_for_gpt_oss and
  modular_kernel.py FusedMoEExperts.is_supported_config (from 0.20.0) drops every class
  without LoRAExpertsMixin (the OAI Triton, FlashInfer, CUTLASS, Humming and AITER ones), so
  MarlinExperts (CUDA, capability >= 7.5) is the first taken; 0.33.0's TrtLlmMxfp4LoRAExperts
  only for an explicit TRT-LLM --moe-backend, and --moe-backend triton names classes without
  LoRA (expert_formats.MXFP4_LORA_BACKENDS). Marlin pads hidden to 256 and the per-rank width to 128
  (mxfp4.MXFP4_MARLIN_PAD; 0.17.0-0.18.x Mxfp4MoEMethod.create_weights' MARLIN branch sets
  layer.hidden_size and intermediate_size_per_partition, 0.19.0-0.34.0
  mxfp4_round_up_hidden_size_and_intermediate_size's result is written to moe_config.hidden_dim
  and intermediate_size_per_partition), and the LoRA layer reads those padded sizes (base_layer
  / moe_config), so the expert slots are padded too: gpt-oss's hidden 2,880 -> 3,072, width
  2,880 -> 2,944 at TP=1, 1,440 -> 1,536 at TP=2. The weights take Marlin's padding too
  (weight_load.expert_padding, mxfp4.mxfp4_on_marlin). Not read: an unquantized (BF16)
  gpt-oss checkpoint's experts, and the ROCm fall-back of 0.21.0 on (refused:
  expert_formats.mxfp4_lora_vendor_refusal).
- models/qwen3_5.py Qwen3_5MoeForConditionalGeneration (read in the 0.17.0, 0.18.0, 0.19.0,
  0.20.0, 0.21.0, 0.22.0, 0.28.0, 0.29.0, 0.31.0 and 0.34.0 wheels; its GDN layers, attention,
  vision tower and embedding_modules are planner.serving.lora's Qwen3.5 rules): a
  Qwen3_5ForConditionalGeneration (so its packed_modules_mapping, no gate_up_proj in the MoE
  layers) and a MixtureOfExperts (lora/model_manager.py is_moe_model), whose
  Qwen3_5DecoderLayer builds, where model_type is "qwen3_5_moe_text", qwen3_next.py
  Qwen3NextSparseMoeBlock: gate (ReplicatedLinear(hidden, num_experts) to 0.30.0, GateLinear
  from 0.31.0), shared_expert_gate (ReplicatedLinear(hidden, 1)), shared_expert (Qwen3NextMLP,
  qwen2_moe.py's Qwen2MoeMLP, on the attention's TP: disable_tp only for a Quark OCP MX shared
  expert TP splits unevenly, from 0.29.0, and no shared expert where ROCm AITER's fused shared
  experts are on, VLLM_ROCM_USE_AITER_FUSION_SHARED_EXPERTS, default off) and experts
  (SharedFusedMoE 0.17.0-0.19.0, FusedMoE 0.20.0-0.26.0, FusedMoEFactory 0.27.0-0.34.0,
  given shared_experts and, unlike Qwen2-MoE's, gate=self.gate: the runner holds the gate,
  GATE_WRAPPED_TWICE). So per MoE layer Qwen2-MoE's shared expert, shared_expert_gate and
  router gate, and the experts: FusedMoEWithLoRA to 0.18.x, FusedMoE3DWithLoRA (is_3d_moe_weight
  True, QWEN3_5_MOE_3D_FROM; unquantized, so no Marlin padding) from 0.19.0. Not modelled:
  ROCm AITER's fused shared expert (the variable set); a Quark checkpoint is refused as
  quantized. models/qwen3_next.py Qwen3NextForCausalLM (read in the same wheels) builds the same
  Qwen3NextSparseMoeBlock in every layer not in mlp_only_layers (Qwen3-Next-80B-A3B: all) and
  never sets is_3d_moe_weight: FusedMoEWithLoRA in every release.
- models/qwen3_vl_moe.py Qwen3VLMoeForConditionalGeneration (read in every wheel of
  settings.LORA_READ; the file differs between 0.17.0, 0.18.0, 0.20.0, 0.22.0, 0.24.0, 0.25.0,
  0.26.0, 0.27.0, 0.28.0, 0.30.0, 0.31.0 and 0.32.0, none of it in what is read here): a
  Qwen3VLForConditionalGeneration (SupportsLoRA, get_mm_mapping: its vision tower and mergers
  unwrapped, coverage.LORA_TOWER_CONNECTOR) and a MixtureOfExperts (model_manager.py is_moe_model)
  with is_3d_moe_weight True in every release, so FusedMoE3DWithLoRA (packed ["w13"]);
  packed_modules_mapping qkv_proj, joined with its language model's (gate_up_proj only with
  mlp_only_layers); its language_model is a Qwen3MoeLLMForCausalLM, a Qwen3MoeForCausalLM
  subclass (its embedding_modules embed_tokens and lm_head; the lm_head its own ParallelLMHead
  in every release, tied by sharing the weight to 0.27.x and tie_weights from 0.28.0), built
  from text_config, whose Qwen3MoeLLMModel (a Qwen3MoeModel) layers are Qwen3MoeDecoderLayer's
  (Qwen3VLMoeDecoderLayer from 0.28.0 only passes the fused-checkpoint layout and the mrope
  factor): Qwen3MoeSparseMoeBlock, its gate handed to the MoE layer as Qwen3-MoE's
  (GATE_WRAPPED_TWICE on 0.21.0).
- models/deepseek_v2.py DeepseekV2ForCausalLM and DeepseekV3ForCausalLM (read in every wheel of
  settings.LORA_READ: planner.serving.lora.deepseek_mla): DeepseekV2MoE's gate (GateLinear, handed
  to the MoE layer: GATE_WRAPPED_TWICE on 0.21.0), shared_experts (a DeepseekV2MLP of
  moe_intermediate_size x n_shared_experts, the dense rules, no shared_expert_gate) and experts
  (FusedMoEWithLoRA: is_3d_moe_weight never set), beside first_k_dense_replace dense layers
  (MoeLoraModules.dense_layers).
- models/mllama4.py Llama4ForConditionalGeneration (SupportsLoRA in every release read;
  mllama4.py and llama4.py of 0.17.0, 0.18.0, 0.19.0, 0.20.0, 0.23.0, 0.24.0, 0.25.0, 0.27.0,
  0.29.0, 0.30.0, 0.31.0 and 0.34.0 read, each other release's equal to one of them byte for
  byte): packed_modules_mapping qkv_proj (q/k/v) and gate_up_proj (gate/up), no
  embedding_modules of its own, but its language_model, llama4.py Llama4ForCausalLM (built by
  initialize_model from text_config), a LlamaForCausalLM, declares embed_tokens and lm_head,
  which lora/utils.py get_supported_lora_modules reads off every module, so both are wrapped
  (untied: Llama4Config's tie_word_embeddings False); get_mm_mapping language_model
  "language_model", connector "multi_modal_projector." and "vision_model.vision_adapter.",
  tower "vision_model.": no LoRA there without --enable-tower-connector-lora (with it:
  planner.serving.lora.tower). It never sets is_3d_moe_weight: FusedMoEWithLoRA. Each
  Llama4DecoderLayer has Llama4Attention (qkv_proj QKVParallelLinear, o_proj RowParallelLinear:
  the dense rules; its qk_norm an RMSNorm without weight, its chunked local attention
  (attention_chunk_size, three layers of four) and NoPE layers change no linear) and a
  feed_forward that is Llama4MoE where (layer + 1) % interleave_moe_layer_step == 0 (Maverick's
  step 2: the odd layers; Scout's 1: all), else LlamaMLP(hidden, intermediate_size_mlp)
  (gate_up_proj and down_proj: the dense rules). Llama4MoE builds, in this order, router
  (ReplicatedLinear(hidden, num_local_experts) 0.17.0-0.30.0, GateLinear from 0.31.0: a
  ReplicatedLinear, taken by isinstance from 0.20.0, so ReplicatedLinearWithLoRA in every
  release: A (N, 1, R, hidden), B (N, 1, num_local_experts, R)), shared_expert (LlamaMLP(hidden,
  intermediate_size): gate_up_proj and down_proj at the attention's TP; disable_tp only under
  sequence-parallel MoE, refused) and experts (SharedFusedMoE 0.17.0-0.19.x, FusedMoE
  0.20.0-0.26.0, FusedMoEFactory 0.27.0-0.34.0; num_local_experts of intermediate_size, top-1
  with a sigmoid custom_routing_function and apply_router_weight_on_input, which the LoRA layer
  passes through and never refuses), given shared_experts and never the router: the router is
  wrapped once in every release (no GATE_WRAPPED_TWICE), no shared_expert_gate, and the shared
  expert's alias in the MoE layer adds nothing, as Qwen2-MoE's (feed_forward.shared_expert is
  registered before feed_forward.experts). Llama4MoE passes is_sequence_parallel =
  use_sequence_parallel_moe in every release (SEQUENCE_PARALLEL_MOE_UNTIL).
- models/minimax_m2.py MiniMaxM2ForCausalLM (MiniMax-M2, M2.5, M2.7; SupportsLoRA in every
  release read; minimax_m2.py of 0.17.0, 0.19.0, 0.19.1, 0.20.0, 0.21.0, 0.23.0, 0.25.0, 0.27.0,
  0.29.0 and 0.31.0 read, each other release's equal to one of them byte for byte):
  packed_modules_mapping qkv_proj (q/k/v) only, no embedding_modules (SupportsLoRA's {}: no
  embed_tokens / lm_head slots, no lm_head mapping), is_3d_moe_weight left False
  (FusedMoEWithLoRA). MiniMaxM2DecoderLayer: self_attn (MiniMaxM2Attention: qkv_proj
  QKVParallelLinear and o_proj RowParallelLinear, the dense rules; full attention, no sliding
  window; its q_norm / k_norm, MiniMaxText01RMSNormTP over all heads, are no LinearBase) and
  block_sparse_moe (MiniMaxM2MoE, no shared expert): experts (FusedMoE to 0.26.0, FusedMoEFactory
  from 0.27.0; num_local_experts of intermediate_size, sigmoid scoring with
  e_score_correction_bias, a Parameter; given neither the gate nor is_sequence_parallel, so
  never sequence-parallel and the gate wrapped once in every release) built before gate, a
  float32 router: ReplicatedLinear(hidden, num_local_experts, params_dtype=torch.float32)
  called on `hidden_states.to(torch.float32)` in 0.17.0-0.22.1, GateLinear(params_dtype and
  out_dtype float32) called on the model's hidden states from 0.23.0 (GATE_IN_MODEL_DTYPE_FROM).
  Either is ReplicatedLinearWithLoRA (A (N, 1, R, hidden), B (N, 1, num_local_experts, R) in
  lora_dtype): its LoRA shrink gets the layer's input, and lora/ops/triton_ops/lora_shrink_op.py
  asserts `inputs.dtype == lora_a_weights[0].dtype` (and float16 / bfloat16) whenever an adapter
  is active in every release read, so before 0.23.0 the float32 input fails
  (float32_gate_refusal; a public vLLM-side patch of the gate's dtype says the same:
  PrimeIntellect-ai/prime-rl pull 1831). Its FP8 block-128 experts (MiniMax-M2.5 / M2.7) take
  expert_formats' FP8 rules; its MTP modules (num_mtp_modules) are skipped when loading
  (get_spec_layer_idx_from_weight_name) and not built.
- models/gemma4_mm.py Gemma4ForConditionalGeneration (SupportsLoRA from 0.20.0; the files read:
  coverage.LORA_TOWER_CONNECTOR), whose language_model is gemma4.py Gemma4ForCausalLM: every
  Gemma4DecoderLayer builds self_attn (Gemma4Attention: qkv_proj a QKVParallelLinear of
  num_attention_heads and, on a full-attention layer, global_head_dim and, with
  attention_k_eq_v, num_global_key_value_heads, else head_dim and num_key_value_heads; k_eq_v
  keeps the V slot, loaded with K, so MergedQKVParallelLinearWithLoRA's three slices; 0.34.0
  only sets lora_packed_modules ["q_proj", "k_proj", "k_proj"] on those layers, which
  model_manager.py _register_packed_modules reads to pack an adapter, not to size slots; and
  o_proj: the dense rules, at sliding and full layers alike) and mlp (Gemma4MLP: gate_up_proj
  and down_proj of intermediate_size, the dense rules); with enable_moe_block (0.20.0-0.31.0;
  num_experts set from 0.32.0) also router (Gemma4Router: proj, GateLinear(hidden, num_experts),
  a ReplicatedLinear: ReplicatedLinearWithLoRA, A (N, 1, R, hidden) and B (N, 1, num_experts,
  R)) and experts (Gemma4MoE.experts, FusedMoE to 0.26.0, FusedMoEFactory from 0.27.0, the
  layer's own experts from 0.31.0; moe_intermediate_size, activation gelu to 0.20.x and
  gelu_tanh from 0.21.0, which TritonExperts and MarlinExperts take in every release, a custom
  routing function, given no gate: the router wrapped once in every release, no
  GATE_WRAPPED_TWICE), is_3d_moe_weight never set: FusedMoEWithLoRA. So the dense MLP is sized
  as a shared expert without a gate (MoeLoraModules.shared_name "mlp"), and its sliding layers
  take the attention rules. The 26B-A4B: 30 such MoE layers; the 31B (enable_moe_block false,
  num_experts None) builds no router or experts: the dense rules (dense_checkpoints). Not read,
  refused: per-layer inputs (hidden_size_per_layer_input > 0: per_layer_model_projection,
  per_layer_input_gate and per_layer_projection, LinearBase all) and KV-shared layers
  (num_kv_shared_layers; from 0.30.0 a q_proj ColumnParallelLinear there; the 26B-A4B and 31B
  have neither). No release passes the experts is_sequence_parallel (not in
  SEQUENCE_PARALLEL_MOE_UNTIL).
- EP: the 0.17.0-0.20.0 FusedMoEWithLoRA asserts `not use_ep` ("EP support for Fused MoE LoRA
  is not implemented yet"). From 0.21.0 (FusedMoEParallelConfig.make: use_ep = tp x dp > 1 and
  --enable-expert-parallel; the MoE's tp_size 1 then, ep_size tp x dp) FusedMoEWithLoRA
  ._ep_check asserts all2all_backend == "allgather_reducescatter" (config/parallel.py
  ParallelConfig.all2all_backend's default in every release 0.21.0-0.34.0; removed pplx / naive
  fall back to it in __post_init__), create_lora_weights' _verify_ep_fs refuses
  --fully-sharded-loras ("Fused MoE LoRA does not support enable_expert_parallel=True together
  with fully_sharded_loras=True"), and 0.34.0's _ep_check also asks expert_placement_strategy
  "linear" (its default; Headroom passes no such flag) and no sequence-parallel MoE (not
  planned). The slots then have E = local_num_experts (moe_config.num_local_experts /
  base_layer.local_num_experts: num_experts // ep_size, one more on the first num_experts %
  ep_size ranks, weights._experts_per_rank) and I = the whole moe_intermediate_size; the
  router gate stays (N, 1, R, hidden) + (N, 1, num_experts, R). EPLB's redundant experts under
  LoRA are not read (refused).
Not sized: the MoE LoRA kernels' transient buffers in the forward (punica_gpu.py
moe_lora_align_block_size's sorted token ids, expert ids and padded counts; fused_moe_lora's
intermediate caches), allocated per call, in the profile run's activations.
"""

from typing import TYPE_CHECKING, NamedTuple

from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.all2all import effective_backend
from planner.serving.lora.deepseek_mla import DEEPSEEK_LORA
from planner.serving.lora.part import LayerPart
from planner.serving.lora.settings import shrink_assert_refusal
from planner.serving.mxfp4 import MXFP4_MARLIN_PAD
from planner.serving.vllm_versions import OLDEST_COVERED, in_span, version_label

if TYPE_CHECKING:  # only the type of `layout`
    from planner.serving.layout import ParallelLayout

QWEN3_5_MOE_3D_FROM: tuple[int, int, int] = (0, 19, 0)
"""models/qwen3_5.py Qwen3_5MoeForConditionalGeneration sets is_3d_moe_weight = True ("For MoE
LoRA weights loading") from the 0.19.0 wheel; 0.17.0-0.18.x leave interfaces.py's False, so
FusedMoEWithLoRA (two w13 A) wraps its experts there."""



class MoeLoraModules(NamedTuple):
    """What an MoE architecture's block gives vLLM's LoRA manager beyond its router gate and
    experts: whether the MoE layer is handed the gate too (wrapped again in
    GATE_WRAPPED_TWICE), the first release whose block calls its router gate on the model's
    dtype (gate_in_model_dtype_from: before it a float32 input the LoRA shrink refuses,
    float32_gate_refusal), whether the block builds a shared_expert_gate and takes a shared
    expert (Qwen2MoeSparseMoeBlock, Qwen3NextSparseMoeBlock), the gate's module name, whether
    its experts are gpt-oss's MXFP4 ones padded for Marlin (expert_formats.MXFP4_LORA_BACKENDS),
    and the first release whose class sets is_3d_moe_weight, which makes the experts
    FusedMoE3DWithLoRA (one w13 A, a w13 B of twice the width: fused_w13; None: never); a shared
    expert's shared_expert_gate (DeepSeek's has none) and module name (DeepSeek's
    "shared_experts"), and whether dense gated MLP layers sit beside the MoE ones (DeepSeek's
    first_k_dense_replace: the dense rules of planner.serving.lora), and whether chunked local
    attention layers (Llama 4's attention_chunk_size) or sliding ones (gpt-oss's, Gemma 4's) are
    among its attention layers (the same qkv_proj and o_proj), whether the class builds
    checkpoints without MoE layers too, sized by the dense rules (`dense_checkpoints`: Gemma 4's
    31B), whether vLLM wraps its router gate (router_lora False: Nemotron-H's non-gated MoE,
    whose `mixer.gate` lora/model_manager.py skips: planner.serving.lora.mamba) and whether its
    FP8 experts' LoRA path is read (fp8_read False: Nemotron-H's non-gated ones,
    expert_formats.moe_engine_refusal)."""
    runner_gate: bool
    shared_expert: bool
    gate_name: str = "gate"
    mxfp4: bool = False
    fused_w13_from: tuple[int, int, int] | None = None
    shared_expert_gate: bool = True
    shared_name: str = "shared_expert"
    dense_layers: bool = False
    chunked_attention: bool = False
    gate_in_model_dtype_from: tuple[int, int, int] = (0, 0, 0)
    sliding_attention: bool = False
    dense_checkpoints: bool = False
    router_lora: bool = True
    fp8_read: bool = True


GATE_IN_MODEL_DTYPE_FROM: tuple[int, int, int] = (0, 23, 0)
"""The first release whose models/minimax_m2.py MiniMaxM2MoE builds its router as a GateLinear
(out_dtype float32) called on the model's hidden states; 0.17.0-0.22.1 call a float32
ReplicatedLinear on `hidden_states.to(torch.float32)` (module docstring)."""


MOE_LORA_ARCHITECTURES: dict[str, MoeLoraModules] = {
    "Qwen3MoeForCausalLM": MoeLoraModules(runner_gate=True, shared_expert=False),
    "Qwen2MoeForCausalLM": MoeLoraModules(runner_gate=False, shared_expert=True),
    "MixtralForCausalLM": MoeLoraModules(runner_gate=False, shared_expert=False),
    "GptOssForCausalLM": MoeLoraModules(runner_gate=False, shared_expert=False,
                                        gate_name="router", mxfp4=True,
                                        fused_w13_from=(0, 0, 0), sliding_attention=True),
    "Qwen3_5MoeForConditionalGeneration": MoeLoraModules(
        runner_gate=True, shared_expert=True, fused_w13_from=QWEN3_5_MOE_3D_FROM),
    "Qwen3NextForCausalLM": MoeLoraModules(runner_gate=True, shared_expert=True),
    "Qwen3VLMoeForConditionalGeneration": MoeLoraModules(
        runner_gate=True, shared_expert=False, fused_w13_from=(0, 0, 0)),
    **dict.fromkeys(DEEPSEEK_LORA, MoeLoraModules(
        runner_gate=True, shared_expert=True, shared_expert_gate=False,
        shared_name="shared_experts", dense_layers=True)),
    "Llama4ForConditionalGeneration": MoeLoraModules(
        runner_gate=False, shared_expert=True, gate_name="router", shared_expert_gate=False,
        dense_layers=True, chunked_attention=True),
    "MiniMaxM2ForCausalLM": MoeLoraModules(
        runner_gate=False, shared_expert=False,
        gate_in_model_dtype_from=GATE_IN_MODEL_DTYPE_FROM),
    "Gemma4ForConditionalGeneration": MoeLoraModules(
        runner_gate=False, shared_expert=True, gate_name="router.proj", shared_expert_gate=False,
        shared_name="mlp", sliding_attention=True, dense_checkpoints=True),
    "NemotronHForCausalLM": MoeLoraModules(
        runner_gate=False, shared_expert=True, shared_expert_gate=False,
        shared_name="shared_experts", router_lora=False, fp8_read=False)}
"""The MoE architectures whose vLLM LoRA modules are read (models/qwen3_moe.py, qwen2_moe.py,
mixtral.py, gpt_oss.py, qwen3_5.py, qwen3_next.py, qwen3_vl_moe.py, deepseek_v2.py (and
deepseek_v32/), mllama4.py / llama4.py, minimax_m2.py, gemma4_mm.py / gemma4.py and
nemotron_h.py: the module docstring, deepseek_mla's and mamba's); their attention and vocabulary
rules are
coverage.LORA_ARCHITECTURES'."""


def float32_gate_refusal(spec: ModelSpec, version: tuple[int, int, int]) -> str | None:
    """vLLM `version` failing under LoRA on an MoE architecture whose block calls its float32
    router gate on float32 hidden states there (before MoeLoraModules.gate_in_model_dtype_from:
    MiniMax-M2 to 0.22.1): the gate's LoRA shrink asserts its input is in the slots' dtype as
    soon as an adapter is active, which the CUDA-graph capture of the active-LoRA cases makes
    it at start-up (module docstring); None otherwise."""
    modules = MOE_LORA_ARCHITECTURES.get(spec.architectures[0])
    if modules is None or version >= modules.gate_in_model_dtype_from:
        return None
    label, since = map(version_label, (version, modules.gate_in_model_dtype_from))
    return shrink_assert_refusal(
        f"vLLM {label}", ", `assert inputs.dtype == lora_a_weights[0].dtype`",
        f"{spec.architectures[0]}'s block calls its float32 router gate on "
        "hidden_states.to(torch.float32), and the gate's LoRA slots are in the LoRA dtype "
        f"(float16 or bfloat16); from vLLM {since} the gate is a GateLinear called on the "
        "model's dtype")


def fused_w13(spec: ModelSpec, version: tuple[int, int, int]) -> bool:
    """Whether vLLM `version` wraps the experts of MoE `spec` as FusedMoE3DWithLoRA (its class
    sets is_3d_moe_weight there: MoeLoraModules.fused_w13_from), not FusedMoEWithLoRA."""
    since = MOE_LORA_ARCHITECTURES[spec.architectures[0]].fused_w13_from
    return since is not None and version >= since


GATE_WRAPPED_TWICE: tuple[int, int, int] = (0, 21, 0)
"""The release whose _create_lora_modules wraps the router gate twice where the MoE layer holds
it too (Qwen3-MoE: mlp.gate and the MoE runner's mlp.experts.runner.gate, the module docstring;
MoeLoraModules.runner_gate); once in the others, and in every release for the architectures
whose MoE layer is not given the gate."""

EP_LORA_FROM: tuple[int, int, int] = (0, 21, 0)
"""The first release whose FusedMoEWithLoRA serves --enable-expert-parallel (module
docstring)."""

EP_LORA_ALL2ALL = "allgather_reducescatter"
"""The only all2all backend FusedMoEWithLoRA._ep_check takes under EP (0.21.0-0.34.0), vLLM's
default: Headroom's command names it (ep_lora_flags)."""


FULLY_SHARDED_MOE_TP_FROM: tuple[int, int, int] = (0, 21, 0)
"""The first release whose FusedMoEWithLoRA.__init__ sets tp_size from base_layer.tp_size (the
MoE's TP, tp x dp without EP: "Use the MoE-aware TP rank/size"), which --fully-sharded-loras
divides the rank and the hidden size by; 0.17.0, 0.19.0 and 0.20.0 read
get_tensor_model_parallel_world_size(), the attention's TP (lora/layers/fused_moe.py)."""


def fully_sharded_tp(tp: int, expert_tp: int, version: tuple[int, int, int]) -> int:
    """The TP size --fully-sharded-loras splits the experts' w13 A rank and w2 B hidden rows over
    under vLLM `version`: the MoE's (`expert_tp`) from FULLY_SHARDED_MOE_TP_FROM, the
    attention's (`tp`) before (they differ under DP without EP)."""
    return expert_tp if version >= FULLY_SHARDED_MOE_TP_FROM else tp


class ExpertSlots(NamedTuple):
    """Which routed experts' slots one rank holds: the experts' TP size (layout.expert_tp) and,
    with EP, the EP group's size and this rank's place in it (layout.ep_size; 1 and 0 without
    EP)."""

    tp: int
    ep_size: int = 1
    ep_rank: int = 0

    def local(self, num_experts: int) -> int:
        """The experts on this rank: num_experts // ep_size, one more on the first
        num_experts % ep_size ranks (vLLM's linear placement: weights._experts_per_rank)."""
        return num_experts // self.ep_size + (self.ep_rank < num_experts % self.ep_size)


def rank_experts(layout: "ParallelLayout", tp_rank: int) -> ExpertSlots:
    """The ExpertSlots of TP rank `tp_rank` of DP rank 0 (EP rank `tp_rank` with EP: the
    weights' convention, weights.rank_weights, whose first ranks hold the most experts)."""
    return ExpertSlots(layout.expert_tp, layout.ep_size, tp_rank if layout.ep else 0)




SEQUENCE_PARALLEL_MOE_UNTIL: dict[str, tuple[int, int, int] | None] = {
    "Qwen3MoeForCausalLM": None, "Qwen3VLMoeForConditionalGeneration": None,
    "Qwen3NextForCausalLM": None, "Qwen3_5MoeForConditionalGeneration": None,
    "GptOssForCausalLM": (0, 25, 0), "Llama4ForConditionalGeneration": None,
    "NemotronHForCausalLM": None, **dict.fromkeys(DEEPSEEK_LORA)}
"""The MoE architectures whose block passes is_sequence_parallel=parallel_config
.use_sequence_parallel_moe to its experts (models/qwen3_moe.py Qwen3MoeSparseMoeBlock, also
Qwen3-VL-MoE's; qwen3_next.py Qwen3NextSparseMoeBlock, also Qwen3.5-MoE's; gpt_oss.py MLPBlock;
deepseek_v2.py DeepseekV2MoE; llama4.py Llama4MoE; nemotron_h.py NemotronHMoE; read in the
0.21.0-0.34.0 wheels), with the
first release where it no longer does under LoRA (gpt_oss.py adds `and vllm_config.lora_config
is None` in the 0.25.0 wheel; None: every release). config/parallel.py
use_sequence_parallel_moe is true under --enable-expert-parallel with TP > 1 and DP > 1 and the
all2all backend allgather_reducescatter (the only one EP LoRA takes), so the experts' sp_size
is TP and lora/layers/fused_moe.py FusedMoEWithLoRA.__init__'s _ep_check asserts `not
moe_config.moe_parallel_config.is_sequence_parallel` (0.21.0-0.34.0): a start-up failure.
Qwen2-MoE's and Mixtral's blocks pass nothing (not sequence-parallel)."""


def moe_layout_refusal(spec: ModelSpec, tp: int, ep_size: int, version: tuple[int, int, int],
                       all2all_backend: str | None, fully_sharded: bool, eplb: bool
                       ) -> str | None:
    """--enable-lora on an MoE model over EP (`ep_size` > 1: --enable-expert-parallel with tp x
    dp > 1), as vLLM refuses it (module docstring): before EP_LORA_FROM, with an all2all backend
    other than EP_LORA_ALL2ALL, with its experts sequence-parallel (TP `tp` > 1 and DP > 1:
    SEQUENCE_PARALLEL_MOE_UNTIL) or with --fully-sharded-loras; and EPLB's redundant experts,
    not read. None for dense models or without EP."""
    if ep_size == 1 or not any(isinstance(layer.mlp, MoeMlp) for layer in spec.layers):
        return None
    if version < EP_LORA_FROM:
        return ("--enable-lora with --enable-expert-parallel: vLLM fails at start-up (\"EP "
                "support for Fused MoE LoRA is not implemented yet\", lora/layers/fused_moe.py)")
    backend = effective_backend(all2all_backend, version) if all2all_backend else EP_LORA_ALL2ALL
    if backend != EP_LORA_ALL2ALL:
        return ("--enable-lora with --enable-expert-parallel: vLLM fails at start-up (\"Fused "
                f"MoE LoRA with EP currently only supports all2all_backend='{EP_LORA_ALL2ALL}', "
                f"got '{backend}'\", lora/layers/fused_moe.py); leave --all2all-backend unset")
    until = SEQUENCE_PARALLEL_MOE_UNTIL.get(spec.architectures[0], (0, 0, 0))  # absent: never
    if ep_size > tp > 1 and in_span(version, OLDEST_COVERED, until):
        return ("--enable-lora with --enable-expert-parallel at TP > 1 and DP > 1: vLLM fails at "
                "start-up (its MoE runs sequence-parallel there, config/parallel.py "
                "use_sequence_parallel_moe, and lora/layers/fused_moe.py _ep_check asserts "
                "`not moe_config.moe_parallel_config.is_sequence_parallel`); use TP=1 or DP=1 "
                "with EP")
    if fully_sharded:
        return ("--enable-lora with --enable-expert-parallel: vLLM fails at start-up (\"Fused "
                "MoE LoRA does not support enable_expert_parallel=True together with "
                "fully_sharded_loras=True\", lora/layers/fused_moe.py); drop "
                "--fully-sharded-loras or EP")
    if eplb:
        return ("--enable-lora with --enable-eplb: the redundant experts' LoRA slots under EPLB "
                "are not read, so it is not planned (plan it without EPLB)")
    return None


def ep_lora_flags(spec: ModelSpec, enable_lora: bool, ep_size: int,
                  all2all_backend: str | None) -> str:
    """The flag Headroom's command adds for LoRA on an MoE model over EP: --all2all-backend
    EP_LORA_ALL2ALL, vLLM's default but the only backend FusedMoEWithLoRA takes there, where
    --all2all-backend is not given ("" otherwise; moe_layout_refusal refuses the others)."""
    if not enable_lora or ep_size == 1 or all2all_backend or not spec.is_moe:
        return ""
    return f" --all2all-backend {EP_LORA_ALL2ALL}"


SHARED_EXPERT_FS_MAIN_STREAM_FROM: tuple[int, int, int] = (0, 33, 0)
"""The first release whose runner/shared_experts.py SharedExperts keeps the shared experts off
the side CUDA stream under --fully-sharded-loras (_lora_fully_sharded in
_disable_shared_experts_overlap: "Two collectives in flight on the same communicator from
different streams become independent branches under CUDA graph capture ... which deadlocks
NCCL", vLLM issue 60845); 0.17.0-0.32.0 have the side stream (0.17.0 runner/
default_moe_runner.py, 0.20.0-0.32.0 runner/shared_experts.py) and no such check."""


def shared_expert_stream_warnings(spec: ModelSpec, fully_sharded: bool, tp: int,
                                  version: tuple[int, int, int], enforce_eager: bool
                                  ) -> tuple[str, ...]:
    """The warning of a shared expert's fully-sharded LoRA at TP > 1 with CUDA graphs under a
    release before SHARED_EXPERT_FS_MAIN_STREAM_FROM (its docstring); () otherwise."""
    if not fully_sharded or tp == 1 or enforce_eager \
            or version >= SHARED_EXPERT_FS_MAIN_STREAM_FROM or not any(
                isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts
                for layer in spec.layers):
        return ()
    return ("--fully-sharded-loras with a shared expert at TP > 1: this vLLM may run the shared "
            "expert, whose LoRA layers then all-gather over TP, on a side CUDA stream beside "
            "the routed experts' LoRA collectives, which can deadlock NCCL under CUDA graphs; "
            "vLLM 0.33.0 keeps them on one stream (fused_moe/runner/shared_experts.py, vLLM "
            "issue 60845): serve 0.33.0 or later, or drop --fully-sharded-loras",)


def moe_layer_parts(spec: ModelSpec, moe: MoeMlp, experts: ExpertSlots, max_loras: int,
                    rank: int, fully_sharded: bool, version: tuple[int, int, int], tp: int
                    ) -> tuple[LayerPart, ...]:
    """One MoE layer's slots on one rank past its attention and shared expert (whose
    gate_up_proj and down_proj take the dense rules: slots._layer_parts), as part.LayerPart
    (the experts' token elements per (token, expert) pair: ops/triton_ops/fused_moe_lora_op.py
    reads the input, of K columns, once per A slice and reads and writes the (tokens, top_k, N
    x slices) output, for w13 and then w2; a gate wrapped twice is called once): the router
    gate's (A + B) x max_loras per wrap (GATE_WRAPPED_TWICE where
    MoeLoraModules.runner_gate; none where not router_lora), Qwen2-MoE's and Qwen3.5-MoE's
    shared_expert_gate, and the experts' w13 A (one slice where fused_w13 or the experts are
    non-gated, FusedMoEWithLoRA's _w13_slices 1, else two) and B (two slices, or one of twice
    the width; one of the width where non-gated), w2 A and B x max_loras x the rank's experts
    (`experts`: their TP size and EP place; module docstring), gpt-oss's hidden size and
    per-rank width padded to MXFP4_MARLIN_PAD, a latent MoE's experts on the latent width
    (latent_parts); `tp`: the attention's TP (fully_sharded_tp)."""
    modules = MOE_LORA_ARCHITECTURES[spec.architectures[0]]
    pad_h, pad_i = MXFP4_MARLIN_PAD if modules.mxfp4 else (1, 1)
    n, r, h, e = max_loras, rank, spec.hidden_size, moe.num_experts
    h_experts = -(-(moe.latent_size or h) // pad_h) * pad_h  # a latent MoE's experts: latent
    inter = -(-(moe.expert_intermediate_size // experts.tp) // pad_i) * pad_i
    shards = fully_sharded_tp(tp, experts.tp, version) if fully_sharded else 1
    rank_a = r // shards  # w13 A rows
    w2_out = h_experts // shards  # w2 B rows
    w13_a_slices = 1 if fused_w13(spec, version) or not moe.gated else 2
    w13_out = 2 * inter if moe.gated else inter  # non-gated: up_proj only (_w13_slices 1)
    wraps = 2 if version == GATE_WRAPPED_TWICE and modules.runner_gate else 1
    local = experts.local(e)
    pair = w13_a_slices * h_experts + 2 * w13_out + inter + 2 * h_experts
    return (*((LayerPart(modules.gate_name, wraps * n * (r * h + e * r), h + 2 * e,
                         wraps=wraps),) if modules.router_lora else ()),
            *((LayerPart("shared_expert_gate", n * (r * h + 1 * r), h + 2),)
              if modules.shared_expert and modules.shared_expert_gate else ()),
            *latent_parts(moe, h, n, r, version),
            LayerPart("experts", n * local * (
                w13_a_slices * rank_a * h_experts + w13_out * r + r * inter + w2_out * r),
                pair, local))


LATENT_OUT_IN_RUNNER_FROM: tuple[int, int, int] = (0, 20, 0)
"""The first release whose models/nemotron_h.py NemotronHMoE hands fc2_latent_proj to the MoE
layer (routed_output_transform) instead of calling it in its forward (0.17.0-0.19.x)."""


def latent_parts(moe: MoeMlp, h: int, n: int, r: int, version: tuple[int, int, int]
                 ) -> tuple[LayerPart, ...]:
    """A latent MoE's projections around its experts (models/nemotron_h.py NemotronHMoE,
    moe_latent_size; every release read): fc1_latent_proj (hidden -> latent) and
    fc2_latent_proj (latent -> hidden), ReplicatedLinears built before the experts, so
    ReplicatedLinearWithLoRA wraps each once under its block name (lora/utils.py
    get_supported_lora_modules lists the suffixes of named_modules() without duplicates: the
    MoE layer's routed_input_transform / routed_output_transform aliases are never listed):
    A (N, 1, R, input) and B (N, 1, output, R), unsharded. The MoE layer calls its own
    reference to fc1_latent_proj, the unwrapped module, so that LoRA never runs (idle);
    fc2_latent_proj's runs where NemotronHMoE's forward calls it (before
    LATENT_OUT_IN_RUNNER_FROM), idle after. None for other MoEs."""
    latent = moe.latent_size
    if latent is None:
        return ()
    return (LayerPart("fc1_latent_proj", n * (r * h + latent * r), h + 2 * latent, idle=True),
            LayerPart("fc2_latent_proj", n * (r * latent + h * r), latent + 2 * h,
                      idle=version >= LATENT_OUT_IN_RUNNER_FROM))


def expert_slot_shapes(spec: ModelSpec, version: tuple[int, int, int]) -> str:
    """The experts' LoRA class under vLLM `version` and slots per expert, in words (the lora
    term's note)."""
    if not MOE_LORA_ARCHITECTURES[spec.architectures[0]].router_lora:
        return ("(lora/layers/fused_moe.py FusedMoEWithLoRA, non-gated: one w13 slice): per "
                "expert on the rank w13 A (rank x hidden) and B (intermediate per TP rank x "
                "rank), w2 A (rank x intermediate per TP rank) and B (hidden x rank); no "
                "router gate slots (lora/model_manager.py skips a non-gated MoE's mixer.gate)")
    if fused_w13(spec, version):
        return ("(lora/layers/fused_moe.py FusedMoE3DWithLoRA): per expert on the rank w13 A "
                "(rank x hidden) and B (2 x intermediate per TP rank x rank), w2 A (rank x "
                "intermediate per TP rank) and B (hidden x rank)"
                + (", hidden and intermediate padded as Marlin pads the MXFP4 experts, to 256 "
                   "and 128" if MOE_LORA_ARCHITECTURES[spec.architectures[0]].mxfp4 else ""))
    return ("(lora/layers/fused_moe.py FusedMoEWithLoRA): per expert on the rank w13 A (2 x "
            "rank x hidden) and B (2 x intermediate per TP rank x rank), w2 A (rank x "
            "intermediate per TP rank) and B (hidden x rank)")


def moe_flag_bytes(spec: ModelSpec, layers: range, max_loras: int) -> int:
    """The MoE layers' adapter_enabled flags among `layers`: int32 of max_loras + 1 each
    (FusedMoEWithLoRA.create_lora_weights)."""
    moe_layers = sum(isinstance(spec.layers[index].mlp, MoeMlp) for index in layers)
    return moe_layers * (max_loras + 1) * 4
