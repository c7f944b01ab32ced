"""Multi-LoRA serving (`vllm serve --enable-lora --max-loras N --max-lora-rank R
[--fully-sharded-loras]`): the GPU memory vLLM's LoRA slots take on each GPU before the KV
cache is sized, and the releases and models it is sized for.

Read from the `.py` files of the vLLM 0.31.0 (sha256 39132b43...), 0.32.0 (5e2ecdc5...),
0.33.0 (4b6bdec4...) and 0.34.0 (79ca4b3c...) wheels (LORA_READ: lora/, config/lora.py,
models/llama.py, the model runners' LoRA parts; each part cited below reads the same in the
four, and lora/layers/row_parallel_linear.py, logits_processor.py and the Punica files are
byte-identical), then compared, part by part, with the 0.17.0, 0.18.0, 0.19.0, 0.20.0,
0.21.0, 0.22.0, 0.22.1, 0.23.0, 0.24.0, 0.25.0, 0.26.0, 0.27.0, 0.28.0, 0.29.0 and 0.30.0
wheels (the other patch releases diffed with their x.y.0: LORA_READ): the
create_lora_weights, __init__ and can_replace_layer of every lora/layers class read the same
but for docstrings and the OOT-class lookup (0.17.0-0.19.0:
MergedColumnParallelLinearWithLoRA leaves --fully-sharded-loras at TP=1 to the sharded class,
of the same shapes there; 0.19.0 adds GateLinearWithLoRA, for MoE gates), and so do
config/lora.py's fields, _all_lora_classes (to 0.32.0; 0.33.0 and 0.34.0 add classes after the
ones used here), the Punica GPU wrapper and kernel metadata, the vocabulary limit and each
model's packed_modules_mapping and embedding_modules, except
two rules pinned to the release that changed them (EMBEDDING_INDICES_ONE_ROW_FROM,
V2_LORA_GRAPH_CASES_FROM):
- config/lora.py LoRAConfig: max_lora_rank is a Literal MaxLoRARanks (MAX_LORA_RANKS, default
  16), max_loras `Field(default=1, ge=1)`, fully_sharded_loras False, lora_dtype "auto" (the
  model's dtype: verify_with_model_config). lora_extra_vocab_size is gone from LoRAConfig from
  the 0.12.0 wheel (the 0.11.0 wheel still has it): no extra-vocabulary rows in any release read
  (0.17.0-0.28.0's VocabParallelEmbeddingWithLoRA, lora/layers/vocal_parallel_embedding.py,
  only views the base weight's added rows, of which there are none).
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
  without --enable-tower-connector-lora (LORA_TOWER_CONNECTOR).
- the slots (lora_a_stacked / lora_b_stacked, `torch.zeros` in lora_dtype), R = max_lora_rank:
  a column layer (layers/base_linear.py, column_parallel_linear.py) has per output slice A
  (max_loras, 1, R, input_size) and B (max_loras, 1, slice per TP rank, R); a row layer
  (row_parallel_linear.py) A (max_loras, 1, R, input_size / TP) and B (max_loras, 1,
  output_size, R). --fully-sharded-loras (the *ShardedLoRA classes, same create_lora_weights)
  gives column layers A of R / TP rows and row layers B of output_size / TP
  (distributed/utils.py divide asserts each is whole: fully_sharded_refusal). QKV's k/v slice
  per rank is max(1, kv heads / TP) heads (QKVParallelLinear replicates them past TP = kv
  heads). The embedding (layers/vocab_parallel_embedding.py): A (max_loras, vocab, R) and B
  (max_loras, 1, hidden, R), unsharded; lm_head (layers/logits_processor.py): A (max_loras, 1,
  R, hidden) and B (max_loras, 1, vocab, R), unsharded, with at TP > 1 the int64
  sharded_to_full_mapping_gpu over the padded vocabulary (ParallelLMHead pads it to 64:
  VOCAB_PAD). create_lora_weights raises for a vocabulary over LORA_VOCAB_LIMIT.
- punica_wrapper/punica_base.py and punica_gpu.py (ops/triton_ops/lora_kernel_metadata.py):
  the index buffers, 4 int64 of max_num_batched_tokens (to 0.28.0 5: _embeddings_indices is
  (2, max_num_batched_tokens) there, EMBEDDING_INDICES_ONE_ROW_FROM) and 3 of max_num_seqs, and
  two LoRAKernelMeta of 2 int32 of max_num_batched_tokens, 2 of max_loras + 1 and 1 of
  max_loras + 2 (punica_buffer_bytes).
- the profile run (v1/worker/lora_model_runner_mixin.py maybe_setup_dummy_loras): the dummy
  LoRAs are made on the CPU (model_manager.create_dummy_lora, device "cpu") and copied into the
  slots: no GPU memory beyond them. CUDA graphs: every capture size is captured once per
  active-LoRA case, [0] + lora/utils.py get_captured_lora_counts(max_loras,
  specialize_active_lora) with cudagraph_specialize_lora (config/compilation.py, default True
  in every release read): V1's v1/cudagraph_dispatcher.py CudagraphDispatcher._get_lora_cases
  (0.17.0-0.33.0; get_capture_descs is the product of the sizes and the cases) and Model Runner
  V2's v1/worker/gpu/lora_utils.py get_lora_capture_cases (0.24.0-0.34.0; cudagraph_utils.py
  CudaGraphManager loops over product(sizes, lora_capture_cases)), and the graph estimate
  (gpu_model_runner.py profile_cudagraph_memory) counts every descriptor.
  get_captured_lora_counts (the same in 0.17.0-0.34.0) gives the powers of two up to
  max_loras + 1 and max_loras + 1 where LoRAConfig.specialize_active_lora is set
  (--specialize-active-lora: default False in config/lora.py of every release read, set by
  nothing else; in every covered release's parser from 0.16.0, so in every release of
  LORA_READ); else [max_loras + 1]. So 2 cases per size by default (max_loras 4: 0
  and 5 active LoRAs), and with the flag 1 + the distinct values of the powers
  of two up to max_loras and max_loras + 1 (max_loras 4: 0, 1, 2, 4 and 5):
  lora_capture_counts. Model Runner V2 before 0.24.0 (v1/worker/gpu/cudagraph_utils.py
  capture(has_lora=...), 0.22.0-0.23.0 where it is a default) captures each size once, with
  LoRA, the flag or not: lora_capture_cases.

- Qwen3.5 (models/qwen3_5.py Qwen3_5ForConditionalGeneration, SupportsLoRA in every release
  read; HYBRID_GDN_LORA): its language_model is a Qwen3_5ForCausalLM, the vision tower
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
  declared from 0.29.0 only (QWEN3_5_EMBEDDINGS_FROM). The MTP layers are not built without
  speculative decoding. Qwen3.5-MoE (Qwen3_5MoeForConditionalGeneration, a
  Qwen3_5ForConditionalGeneration whose language_model is a Qwen3_5MoeForCausalLM of the same
  Qwen3_5ForCausalLMBase: the same vision-tower, GDN, attention and embedding rules) has
  qwen3_next.py Qwen3NextSparseMoeBlock MLPs, sized by planner.serving.lora.moe.
- Qwen3-Next (models/qwen3_next.py Qwen3NextForCausalLM, SupportsLoRA in every release read,
  no embedding_modules: no embedding or lm_head slots): the same Qwen3NextAttention and
  Qwen3NextSparseMoeBlock (lora_moe), its GDN layers built with gqa_interleaved_layout=True
  (0.17.0-0.18.x qwen3_next.py Qwen3NextGatedDeltaNet; 0.19.0-0.20.x keep in_proj_qkvz under
  LoRA, create_in_proj_qkvz being Qwen3.5's only): in_proj_qkvz a MergedColumnParallelLinear of
  one output size, 2 x key + 2 x value, and in_proj_ba of one, 2 x value heads (0.17.0:
  [value heads] x 2), each packed as a list of one (["in_proj_qkvz"], ["in_proj_ba"]), so
  lora/layers/column_parallel_linear.py ColumnParallelLinearWithLoRA (can_replace_layer: a
  MergedColumnParallelLinear of a packed list of one and under 3 output sizes): one A (R x
  hidden) and B of the whole width / TP each (LoraModules.gdn_slices); conv1d and out_proj as
  Qwen3.5's.

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
and first dense layers, planner.serving.lora.deepseek_mla; over EP from vLLM 0.21.0); other
architectures are refused, never guessed.
Qwen3ForCausalLM's batch-sharded sampling (--enable-batch-sharded-sampling, off by default:
v1/worker/gpu/sample/batch_shard.py) calls the logits without their TP gather, which the
LoRA lm_head refuses (NotImplementedError in logits_processor.py); Headroom has no such flag.
"""

from typing import NamedTuple

from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LinearAttentionMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.lora.deepseek_mla import DEEPSEEK_LORA, mla_parts
from planner.serving.lora.deepseek_mla import release_refusal as deepseek_release_refusal
from planner.serving.lora.moe import (
    MOE_LORA_ARCHITECTURES,
    ExpertSlots,
    marlin_lora_release_refusal,
    mega_moe_lora_refusal,
    moe_engine_refusal,
    moe_flag_bytes,
    moe_layer_parts,
    moe_layers_refusal,
)
from planner.serving.lora.part import LayerPart
from planner.serving.lora.tower import tower_parts, tower_punica_shapes
from planner.serving.weights import stage_heads
from planner.text import shortened
from planner.units import TORCH_DTYPE_BYTES

Version = tuple[int, int, int]

LORA_READ: tuple[Version, ...] = (
    (0, 17, 0), (0, 17, 1), (0, 18, 0), (0, 18, 1), (0, 19, 0), (0, 19, 1), (0, 20, 0),
    (0, 20, 1), (0, 20, 2), (0, 21, 0), (0, 22, 0), (0, 22, 1), (0, 23, 0), (0, 24, 0),
    (0, 25, 0), (0, 25, 1), (0, 26, 0), (0, 27, 0), (0, 27, 1), (0, 28, 0), (0, 29, 0),
    (0, 30, 0), (0, 31, 0), (0, 32, 0), (0, 33, 0), (0, 34, 0))
"""The releases whose LoRA source is read (the module docstring): every release on PyPI from
0.17.0 to 0.34.0. --enable-lora is refused under any other (0.12.0-0.16.0 differ: the LoRA
vocabulary limit is 257,024, the Punica kernel metadata (lora_kernel_metadata.py) reads
otherwise, Qwen3ForCausalLM has no embedding_modules to 0.15.1 and 0.12.0-0.14.0's registry
maps MistralForCausalLM to models/llama.py; 0.11.x still has lora_extra_vocab_size; none of
them is sized here).

The patch releases 0.17.1, 0.18.1, 0.19.1, 0.20.1, 0.20.2, 0.25.1 and 0.27.1: every `.py` file
of each wheel diffed with its x.y.0's (0.20.2 with 0.20.0), and none that is read here differs:
lora/ (layers, Punica wrapper and kernel metadata, model_manager.py, utils.py
get_captured_lora_counts), config/lora.py, v1/cudagraph_dispatcher.py, v1/worker/gpu/
(lora_utils.py, cudagraph_utils.py, model_runner.py), v1/worker/lora_model_runner_mixin.py,
models/ llama, qwen2, qwen3, mistral, gemma2, gemma3, phi3, qwen3_moe, interfaces and
registry.py, layers/linear.py, vocab_parallel_embedding.py, logits_processor.py,
fused_moe/oracle/unquantized.py, distributed/utils.py and engine/arg_utils.py read byte for
byte the same. What differs touches none of the rules: 0.17.1 gpu_model_runner.py (zeroing
new KV blocks) and fused_moe.py (TritonExperts takes the no-mul activations; Qwen3-MoE's
SiLU-and-mul unchanged); 0.18.1 config/vllm.py (DeepGEMM off on Blackwell for some models) and
config/attention.py (the TRT-LLM ragged DeepSeek prefill default); 0.19.1
config/compilation.py (a fuse_minimax_qk_norm pass field) and config/vllm.py (its compile
range); 0.20.1 gpu_model_runner.py (a log argument), fused_moe/config.py
(FusedMoEQuantConfig's MXFP4 mx_alignment; FusedMoEConfig the same) and config/vllm.py
(max_num_batched_tokens joins the capture sizes, vllm_versions.GRAPH_ADDS_BATCHED_TOKENS_FROM:
which sizes, not the LoRA cases per size), 0.20.2 moe_runner.py too (the TRT-LLM MXFP4 output
width); 0.25.1 fused_moe/layer.py (a docstring); 0.27.1 models/qwen3_dspark.py. Their `vllm
serve` parsers (tools/extract_vllm_cli.py fixture() on each wheel) equal their x.y.0 fixtures in
every key but the version and wheel, so vllm_cli's x.y.0 fixture checks their commands."""

EMBEDDING_INDICES_ONE_ROW_FROM: Version = (0, 29, 0)
"""lora/punica_wrapper/punica_base.py PunicaWrapperBase._embeddings_indices: torch.empty(2,
max_num_batched_tokens) int64 in the 0.17.0-0.28.0 wheels, torch.empty(max_num_batched_tokens)
from the 0.29.0 wheel."""

V2_LORA_GRAPH_CASES_FROM: Version = (0, 24, 0)
"""The first wheel whose Model Runner V2 captures the LoRA graph cases (v1/worker/gpu/
lora_utils.py get_lora_capture_cases, model_runner.py lora_capture_cases); the 0.22.0-0.23.0
V2 captures each size once (cudagraph_utils.py capture(has_lora=...)); before 0.22.0 V2 is
nobody's default (vllm_versions.V2_RUNNER_DEFAULTS)."""

MAX_LORA_RANKS: tuple[int, ...] = (1, 8, 16, 32, 64, 128, 256, 320, 512)
"""config/lora.py MaxLoRARanks of the 0.17.0-0.34.0 wheels: the --max-lora-rank choices."""

DEFAULT_MAX_LORA_RANK = 16

LORA_DTYPES: tuple[str, ...] = ("auto", "float16", "bfloat16")
"""config/lora.py LoRADType of the 0.17.0-0.34.0 wheels (every one reads the same): the
--lora-dtype values LoRAConfig takes (the parser takes any string, engine/arg_utils.py
`lora_dtype: str | torch.dtype | None`; LoRAConfig's Literal refuses the rest, float32
included). verify_with_model_config: "auto" (or None) -> the model's dtype, a name ->
getattr(torch, name). Every slot tensor (lora_a_stacked / lora_b_stacked of the linear,
embedding, logits-processor and fused-MoE layers) is `torch.zeros(..., dtype=lora_dtype)`;
the Punica index buffers (torch.long), the experts' adapter flags (torch.int) and the lm_head
mapping (torch.long) keep theirs."""
"""LoRAConfig.max_lora_rank's default (0.17.0-0.34.0)."""

QWEN3_5_EMBEDDINGS_FROM: Version = (0, 29, 0)
"""models/qwen3_5.py Qwen3_5ForCausalLMBase declares embedding_modules (embed_tokens, lm_head)
from the 0.29.0 wheel; to 0.28.0 neither it nor Qwen3VLForConditionalGeneration declares any,
so the language model's embedding and lm_head are not wrapped there."""


QWEN3_VL_TIED_HEAD_OWN_FROM: Version = (0, 28, 0)
"""models/qwen3_vl.py Qwen3LLMForCausalLM builds a tied lm_head as its own ParallelLMHead
(`ParallelLMHead(...).tie_weights(self.model.embed_tokens)`, sharing the weight only) from the
0.28.0 wheel; the 0.17.0-0.27.1 wheels set `self.lm_head = self.model.embed_tokens`
(tied_head_alias)."""


class LoraModules(NamedTuple):
    """What an architecture's class declares to vLLM's LoRA manager: whether its
    embedding_modules wrap embed_tokens and lm_head, and the slices of qkv_proj and gate_up_proj
    (its packed_modules_mapping: q/k/v and gate/up packed, 3 and 2; Phi3's one checkpoint
    module each, 1 and 1); embeddings_from: the first release whose class declares the
    embedding_modules (Qwen3.5: QWEN3_5_EMBEDDINGS_FROM); gdn_slices: the LoRA A slices of a
    Gated-DeltaNet layer's in_proj_qkvz and in_proj_ba (HYBRID_GDN_LORA: Qwen3.5's four and two
    output sizes; Qwen3-Next's interleaved projections one each); tied_head_own_from: the
    first release whose class builds a tied lm_head as its own ParallelLMHead (before it the
    lm_head is embed_tokens itself, wrapped twice: tied_head_alias)."""

    embeddings: bool
    qkv_slices: int = 3
    gate_up_slices: int = 2
    embeddings_from: Version = (0, 0, 0)
    gdn_slices: tuple[int, int] = (4, 2)
    tied_head_own_from: Version = (0, 0, 0)


LORA_ARCHITECTURES: dict[str, LoraModules] = {
    "LlamaForCausalLM": LoraModules(True), "Qwen2ForCausalLM": LoraModules(False),
    "Qwen3ForCausalLM": LoraModules(True), "MistralForCausalLM": LoraModules(False),
    "Gemma2ForCausalLM": LoraModules(False), "Gemma3ForCausalLM": LoraModules(False),
    "Phi3ForCausalLM": LoraModules(True, 1, 1), "Qwen3MoeForCausalLM": LoraModules(True),
    "Qwen2MoeForCausalLM": LoraModules(False), "MixtralForCausalLM": LoraModules(True),
    "GptOssForCausalLM": LoraModules(False), "Gemma3ForConditionalGeneration": LoraModules(False),
    "Qwen3_5ForConditionalGeneration": LoraModules(
        True, embeddings_from=QWEN3_5_EMBEDDINGS_FROM),
    "Qwen3VLForConditionalGeneration": LoraModules(
        True, tied_head_own_from=QWEN3_VL_TIED_HEAD_OWN_FROM),
    "Qwen3_5MoeForConditionalGeneration": LoraModules(
        True, embeddings_from=QWEN3_5_EMBEDDINGS_FROM),
    "Qwen3NextForCausalLM": LoraModules(False, gdn_slices=(1, 1)),
    "Qwen3VLMoeForConditionalGeneration": LoraModules(True),
    "Llama4ForConditionalGeneration": LoraModules(True),
    **dict.fromkeys(DEEPSEEK_LORA, LoraModules(False))}
"""The architectures whose vLLM module list is read (models/llama.py, qwen2.py, qwen3.py,
mistral.py, gemma2.py, gemma3.py, phi3.py, qwen3_moe.py, qwen2_moe.py, mixtral.py, gpt_oss.py,
gemma3_mm.py, qwen3_5.py, qwen3_vl.py, qwen3_vl_moe.py, deepseek_v2.py, mllama4.py / llama4.py:
their attention and embedding_modules, the experts in lora_moe; the same in every release of
LORA_READ but Qwen3.5's
embedding_modules; qwen3_5.py: HYBRID_GDN_LORA; deepseek_v2.py's MLA attention, DeepSeek-V3.2's
sparse-attention indexer (deepseek_v32/attention.py from 0.29.0) and the releases that refuse
them or wrap them more than once: lora_deepseek): the others are refused."""

LORA_TOWER_CONNECTOR: dict[str, str] = {
    "Gemma3ForConditionalGeneration": "vision_tower (SigLIP) and multi_modal_projector",
    "Qwen3_5ForConditionalGeneration": "visual (the vision tower) and its mergers",
    "Qwen3_5MoeForConditionalGeneration": "visual (the vision tower) and its mergers",
    "Qwen3VLForConditionalGeneration": "visual (the ViT), visual.merger and "
                                       "visual.deepstack_merger_list",
    "Qwen3VLMoeForConditionalGeneration": "visual (the ViT), visual.merger and "
                                          "visual.deepstack_merger_list",
    "Llama4ForConditionalGeneration": "vision_model (the ViT and its vision_adapter) and "
                                      "multi_modal_projector"}
"""The multimodal architectures sized, with the modules vLLM leaves without LoRA: their
language model's (get_mm_mapping's language_model) only, as the text-only class's.

models/gemma3_mm.py Gemma3ForConditionalGeneration (read in every wheel of LORA_READ): SupportsLoRA,
Gemma3ForCausalLM's packed_modules_mapping, no embedding_modules, its language_model built by
init_vllm_registered_model(architectures=["Gemma3ForCausalLM"]) from text_config (so its
layers are wrapped as the text-only Gemma3ForCausalLM's), get_mm_mapping language_model
"language_model", connector "multi_modal_projector" (a bare nn.Parameter matmul: no linear),
tower_model "vision_tower". lora/model_manager.py _maybe_init_mm gives a Punica wrapper to the
language_model prefix only (the same get_punica_wrapper(max_num_batched_tokens, max_num_seqs)
as a text model's) unless LoRAConfig.enable_tower_connector_lora (--enable-tower-connector-lora,
default False in config/lora.py of every release read; also needs the model's support:
hasattr get_num_mm_encoder_tokens to 0.28.0, supports_tower_connector_lora from 0.29.0, which
gemma3_mm.py sets True from 0.29.0, and gemma3_mm.py has get_num_mm_encoder_tokens in every
release read, so with the flag its SigLIP tower is wrapped in every one); _create_lora_modules
skips a module whose _get_punica_wrapper is None ("will be ignored"), so without the flag the
vision tower's linears get no slots. With it: planner.serving.lora.tower (the Qwen3-VL tower
sized, Gemma 3's SigLIP refused).

models/qwen3_vl.py Qwen3VLForConditionalGeneration (every wheel of LORA_READ): SupportsLoRA, no
embedding_modules of its own, get_mm_mapping language_model "language_model", connector
["visual.merger", "visual.deepstack_merger_list"], tower_model "visual." (supports tower LoRA in
every release, off by default as above); its language_model is a Qwen3LLMForCausalLM, a
Qwen3ForCausalLM subclass (so its embedding_modules embed_tokens and lm_head: lora/utils.py
get_supported_lora_modules reads every module's), built from text_config, whose Qwen3LLMModel
layers are Qwen3DecoderLayer's (Qwen3VLDecoderLayer from 0.32.0 only passes the mrope factor):
sized as Qwen3ForCausalLM. A tied lm_head is the embedding module itself to 0.27.1
(`self.lm_head = self.model.embed_tokens`; tie_weights from 0.28.0), so there it gets embedding
slots of its own besides the logits processor's (tied_head_alias).

models/qwen3_vl_moe.py Qwen3VLMoeForConditionalGeneration (every wheel of LORA_READ): a
Qwen3VLForConditionalGeneration (the same get_mm_mapping and tower rule) whose language_model is
a Qwen3MoeLLMForCausalLM, a Qwen3MoeForCausalLM subclass (embed_tokens and lm_head; its lm_head
stays a ParallelLMHead where tied, so tied embeddings are sized as Qwen3-MoE's): sized as
Qwen3MoeForCausalLM but for its FusedMoE3DWithLoRA experts (lora_moe)."""

HYBRID_GDN_LORA = frozenset({"Qwen3_5ForConditionalGeneration",
                             "Qwen3_5MoeForConditionalGeneration", "Qwen3NextForCausalLM"})
"""The Gated-DeltaNet hybrids sized (the dense Qwen3.5 and Qwen3.5-MoE, models/qwen3_5.py, and
Qwen3-Next, models/qwen3_next.py; module docstring; the MoEs' experts, router gate and shared
expert: lora_moe):
their linear-attention layers' slots are gdn_parts; their vision tower ("visual.") and
connector ("visual.merger", "visual.deepstack_merger_list": qwen3_vl.py get_mm_mapping) get
no Punica wrapper, as Gemma 3's (LORA_TOWER_CONNECTOR)."""


def wraps_embeddings(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version` wraps the embedding and lm_head of `spec` (LORA_ARCHITECTURES)."""
    modules = LORA_ARCHITECTURES[spec.architectures[0]]
    return modules.embeddings and version >= modules.embeddings_from

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


LORA_VOCAB_LIMIT = 258048
"""layers/logits_processor.py create_lora_weights: "When using LoRA, vocab size must be <=
258048"."""

VOCAB_PAD = 64
"""layers/vocab_parallel_embedding.py DEFAULT_VOCAB_PADDING_SIZE, ParallelLMHead's padding."""


def lora_capture_counts(max_loras: int, specialize: bool) -> tuple[int, ...]:
    """The active-LoRA counts each capture size is captured for: [0] + lora/utils.py
    get_captured_lora_counts(max_loras, specialize) (0.17.0-0.34.0): 0 and max_loras + 1
    (two cases, whatever max_loras); with --specialize-active-lora (`specialize`) the powers of two
    up to max_loras + 1 and max_loras + 1 too (its `n & (n - 1) == 0 or n == max_loras + 1`
    over 1..max_loras + 1)."""
    top = max_loras + 1
    if not specialize:
        return 0, top
    powers = tuple(1 << i for i in range(top.bit_length()))  # 1, 2, 4, ... <= top
    return 0, *powers, *(() if top in powers else (top,))


def lora_capture_cases(version: Version, runner: str, max_loras: int = 1,
                       specialize: bool = False) -> int:
    """The graphs vLLM `version` captures per capture size with --enable-lora on `runner`
    ("v1" or "v2"): one per lora_capture_counts (`specialize`: --specialize-active-lora), or 1
    on V2 before V2_LORA_GRAPH_CASES_FROM."""
    if runner == "v2" and version < V2_LORA_GRAPH_CASES_FROM:
        return 1
    return len(lora_capture_counts(max_loras, specialize))


def lora_graph_count(graphs: tuple[int, int], enable_lora: bool, version: Version,
                     runner: str, max_loras: int = 1, specialize: bool = False
                     ) -> tuple[int, int]:
    """The (piecewise, full) CUDA graphs vLLM captures with --enable-lora: every capture size
    once per lora_capture_cases."""
    factor = lora_capture_cases(version, runner, max_loras, specialize) if enable_lora else 1
    return graphs[0] * factor, graphs[1] * factor


class LoraSettings(NamedTuple):
    """The LoRA flags a plan sizes (EngineSettings' enable_lora, max_loras, max_lora_rank,
    fully_sharded_loras, specialize_active_lora, lora_dtype, enable_tower_connector_lora) and
    the release (of LORA_READ) that serves them."""

    max_loras: int
    rank: int
    fully_sharded: bool
    version: Version
    specialize: bool = False
    dtype: str = "auto"
    tower: bool = False


def release_refusal(version: Version, label: str) -> str | None:
    """--enable-lora under a release whose LoRA source is not read (LORA_READ)."""
    if version in LORA_READ:
        return None
    read = ", ".join(".".join(map(str, v)) for v in LORA_READ)
    return (f"--enable-lora: Headroom sizes vLLM's LoRA slots for the releases whose source it "
            f"read ({read}); vLLM {label} is not read, so it is not planned")


def lora_dtype_refusal(lora_dtype: str) -> str | None:
    """vLLM's LoRAConfig refusing a --lora-dtype outside LoRADType, in its words' gist."""
    if lora_dtype in LORA_DTYPES:
        return None
    return (f"--lora-dtype: {shortened(lora_dtype)} is not one of {', '.join(LORA_DTYPES)} "
            "(vLLM 0.17.0-0.34.0 config/lora.py LoRADType)")


def slot_dtype_bytes(lora: LoraSettings, served_dtype_bytes: int) -> int:
    """The bytes of a slot element: lora_dtype's, auto being the served dtype's."""
    return served_dtype_bytes if lora.dtype == "auto" else TORCH_DTYPE_BYTES[lora.dtype]


def rank_refusal(rank: int) -> str | None:
    """vLLM's parser refusing a --max-lora-rank outside MaxLoRARanks, in its words' gist."""
    if rank in MAX_LORA_RANKS:
        return None
    return (f"argument --max-lora-rank: invalid choice: {shortened(str(rank))} (choose from "
            f"{', '.join(map(str, MAX_LORA_RANKS))}; vLLM config/lora.py MaxLoRARanks)")


def _mixers(spec: ModelSpec) -> tuple[type, ...]:
    """The token mixers whose LoRA modules are read for `spec`'s architecture."""
    if spec.architectures[0] in DEEPSEEK_LORA:
        return (MlaMixer,)
    return ((AttentionMixer, LinearAttentionMixer) if spec.architectures[0] in HYBRID_GDN_LORA
            else (AttentionMixer,))


def model_refusal(spec: ModelSpec) -> str | None:
    """Why the LoRA slots of `spec` are not sized: an architecture whose vLLM modules are not
    read, a layer other than full/sliding attention with a gated dense MLP (the MoE
    architectures: lora_moe.moe_layers_refusal), or a vocabulary vLLM's LoRA lm_head refuses;
    None where they are."""
    name = " / ".join(spec.architectures) or spec.model_type
    if len(spec.architectures) != 1 or spec.architectures[0] not in LORA_ARCHITECTURES:
        return (f"--enable-lora: Headroom sizes vLLM's LoRA slots for "
                f"{', '.join(LORA_ARCHITECTURES)} only (the modules vLLM wraps read in "
                f"models/llama.py, qwen2.py, qwen3.py, mistral.py, gemma2.py, gemma3.py, "
                f"phi3.py, qwen3_moe.py, qwen2_moe.py, mixtral.py, gpt_oss.py, gemma3_mm.py, "
                f"qwen3_5.py, qwen3_next.py, qwen3_vl.py, qwen3_vl_moe.py, deepseek_v2.py and "
                f"mllama4.py); "
                f"{name} is not read, so it is not planned")
    if spec.architectures[0] in MOE_LORA_ARCHITECTURES:
        refusal = moe_layers_refusal(spec, name, _mixers(spec),
                                     spec.architectures[0] in LORA_TOWER_CONNECTOR)
        if refusal:
            return refusal
    elif (spec.vision is not None and spec.architectures[0] not in LORA_TOWER_CONNECTOR
          ) or not all(
            isinstance(layer.mixer, _mixers(spec)) and isinstance(layer.mlp, DenseMlp)
            and layer.mlp.gated for layer in spec.layers):
        return (f"--enable-lora: {name} here has layers other than attention with a gated dense "
                "MLP, whose LoRA modules are not read, so it is not planned")
    if LORA_ARCHITECTURES[spec.architectures[0]].embeddings and spec.vocab_size > LORA_VOCAB_LIMIT:
        return (f"--enable-lora: vLLM refuses a vocabulary of {spec.vocab_size:,} "
                f"(\"When using LoRA, vocab size must be <= {LORA_VOCAB_LIMIT}\", "
                "lora/layers/logits_processor.py)")
    return None


MULTIMODAL_LORA_FROM: dict[str, tuple[str, Version | None]] = {
    "Gemma3nForConditionalGeneration": ("gemma3n_mm.py", None),
    "KimiVLForConditionalGeneration": ("kimi_vl.py", None),
    "KimiK25ForConditionalGeneration": ("kimi_k25.py", None),
    "Gemma4ForConditionalGeneration": ("gemma4_mm.py", (0, 20, 0)),
    "LlavaNextForConditionalGeneration": ("llava_next.py", (0, 29, 0)),
    "Mistral3ForConditionalGeneration": ("mistral3.py", (0, 0, 0)),
    "PixtralForConditionalGeneration": ("pixtral.py", (0, 0, 0)),
    "Qwen2VLForConditionalGeneration": ("qwen2_vl.py", (0, 0, 0)),
    "Qwen2_5_VLForConditionalGeneration": ("qwen2_5_vl.py", (0, 0, 0)),
    "LlavaForConditionalGeneration": ("llava.py", (0, 0, 0)),
    "InternVLChatModel": ("internvl.py", (0, 0, 0))}
"""Multimodal architectures whose LoRA modules Headroom has not read, with their vLLM model file
and the first release of LORA_READ whose class there is SupportsLoRA (None: none; the class
lines of every 0.17.0-0.34.0 wheel read): gemma3n_mm.py, kimi_vl.py and kimi_k25.py never,
gemma4_mm.py from 0.20.0 (0.19.x's class is not; 0.17-0.18 have no Gemma 4), llava_next.py
(granite-vision) from 0.29.0, the others in every release. Without it
v1/worker/lora_model_runner_mixin.py load_lora_model raises "<class> does not support LoRA yet."
at start-up (0.17.0-0.34.0): multimodal_lora_refusal says which."""


def multimodal_lora_refusal(spec: ModelSpec, version: Version, label: str) -> str | None:
    """--enable-lora on a multimodal architecture of MULTIMODAL_LORA_FROM: vLLM `label`'s
    start-up failure where its class is not SupportsLoRA, else the modules not read."""
    arch = spec.architectures[0] if len(spec.architectures) == 1 else ""
    if arch not in MULTIMODAL_LORA_FROM:
        return None
    file, since = MULTIMODAL_LORA_FROM[arch]
    if since is None or version < since:
        return (f"--enable-lora: vLLM {label} fails at start-up (\"{arch} does not support LoRA "
                f"yet.\", v1/worker/lora_model_runner_mixin.py): models/{file}'s class is not "
                "SupportsLoRA there" + (f" (it is from vLLM {'.'.join(map(str, since))})"
                                        if since else ""))
    return (f"--enable-lora: vLLM {label}'s models/{file} {arch} takes LoRA (SupportsLoRA), but "
            "Headroom has not read the modules it wraps (its language model's; the tower's "
            "with --enable-tower-connector-lora), so it is not planned")


def lora_refusal(spec: ModelSpec, version: Version, label: str, quantization: str | None = None,
                 moe_backend: str | None = None) -> str | None:
    """Why --enable-lora is not planned for `spec` under vLLM `label` (`version`): the release
    (release_refusal), a multimodal class not read (multimodal_lora_refusal), then the model and
    its settings (settings_refusal), then int4 / NVFP4 experts before vLLM 0.20
    (lora_moe.marlin_lora_release_refusal); None where the slots are sized."""
    return (release_refusal(version, label) or multimodal_lora_refusal(spec, version, label)
            or settings_refusal(spec, version, quantization, moe_backend)
            or marlin_lora_release_refusal(spec, version, label))


def settings_refusal(spec: ModelSpec, version: Version, quantization: str | None,
                     moe_backend: str | None) -> str | None:
    """Why the LoRA slots of `spec` are not sized under a read release `version`: the model
    (model_refusal), a MegaMoE `moe_backend` the release refuses LoRA with for any model
    (lora_moe.mega_moe_lora_refusal), then an MoE model's run-time `quantization` or
    `moe_backend` (lora_moe.moe_engine_refusal), then a release that fails to start it
    (lora_deepseek.release_refusal); None where they are."""
    return (model_refusal(spec) or mega_moe_lora_refusal(version, moe_backend)
            or moe_engine_refusal(spec, quantization, moe_backend)
            or deepseek_release_refusal(spec, version))


def fully_sharded_refusal(lora: LoraSettings, spec: ModelSpec, tp: int,
                          expert_tp: int | None = None) -> str | None:
    """vLLM's start-up failure where --fully-sharded-loras splits the rank or the hidden size
    over TP unevenly (distributed/utils.py divide asserts the division is whole), the MoE
    experts' slots over `expert_tp` too (lora_moe.fully_sharded_tp: tp x dp from 0.21.0)."""
    if not lora.fully_sharded:
        return None
    for over in dict.fromkeys((tp, expert_tp or tp)):
        for what, size in (("--max-lora-rank", lora.rank), ("hidden_size", spec.hidden_size)):
            if size % over:
                return (f"--fully-sharded-loras: vLLM splits {what} {size} over TP {over}, "
                        "which does not divide it (distributed/utils.py divide asserts), so it "
                        "fails at start-up")
    return None


class LoraPart(NamedTuple):
    """One module kind's slots on a GPU: its name, elements per layer, layers, and what a step
    moves through its LoRA kernels (lora_part.LayerPart's token_elements, experts, wraps, idle
    and prefill_only; planner.serving.speed.lora_cost reads them), with `lookup`: the elements
    of its slots a step reads per token rather than whole (the embedding's A rows)."""

    name: str
    elements: int
    count: int
    token_elements: int = 0
    lookup: int = 0
    experts: int = 0
    wraps: int = 1
    idle: bool = False
    prefill_only: bool = False


def _layer_parts(spec: ModelSpec, layer_index: int, tp: int, experts: ExpertSlots,
                 lora: LoraSettings) -> tuple[LayerPart, ...]:
    """The slots of one decoder layer's wrapped modules on one TP rank, as lora_part.LayerPart
    (module, elements, token elements, ...): (A + B) x max_loras, per the module docstring, and
    per token slices x input + 2 x output, one A per slice (LORA_ARCHITECTURES): the
    attention's qkv_proj and o_proj (MLA's projections: lora_deepseek.mla_parts), then a dense
    MLP's gate_up_proj and down_proj, or an MoE layer's router gate, gates and experts
    (lora_moe.moe_layer_parts, the rank's `experts`) and its shared expert's gate_up_proj and
    down_proj (Qwen2-MoE, DeepSeek: the dense rules)."""
    layer = spec.layers[layer_index]
    attn, mlp = layer.mixer, layer.mlp
    assert isinstance(attn, AttentionMixer | LinearAttentionMixer | MlaMixer)
    assert isinstance(mlp, DenseMlp | MoeMlp)
    n, r, h = lora.max_loras, lora.rank, spec.hidden_size
    rank_a = r // tp if lora.fully_sharded else r  # column layers' A rows
    row_out = h // tp if lora.fully_sharded else h  # row layers' B rows
    modules = LORA_ARCHITECTURES[spec.architectures[0]]
    if isinstance(attn, LinearAttentionMixer):
        parts = gdn_parts(attn, modules.gdn_slices, h, tp, n, r, rank_a, row_out)
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
                 LayerPart("o_proj", n * (r * q_in + row_out * r), q_in + 2 * row_out))
    if isinstance(mlp, MoeMlp):
        parts += moe_layer_parts(spec, mlp, experts, n, r, lora.fully_sharded, lora.version,
                                 tp)
        if not mlp.num_shared_experts:
            return parts
    dense, prefix = ((mlp.shared_intermediate_size,
                      f"{MOE_LORA_ARCHITECTURES[spec.architectures[0]].shared_name}.")
                     if isinstance(mlp, MoeMlp) else (mlp.intermediate_size, ""))
    inter = dense // tp
    return parts + (
        LayerPart(f"{prefix}gate_up_proj",
                  n * (modules.gate_up_slices * rank_a * h + 2 * inter * r),
                  modules.gate_up_slices * h + 2 * 2 * inter),
        LayerPart(f"{prefix}down_proj", n * (r * inter + row_out * r), inter + 2 * row_out),
    )


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


def stage_parts(spec: ModelSpec, layers: range, first: bool, last: bool, tp: int,
                lora: LoraSettings, experts: ExpertSlots | None = None) -> tuple[LoraPart, ...]:
    """The LoRA slots of one TP rank of a PP stage holding `layers` (the embedding and lm_head
    on the stages vLLM builds them on, weights.stage_heads, where it wraps them:
    LORA_ARCHITECTURES; lora/model_manager.py _create_lora_modules, 0.17.0, 0.24.0 and 0.34.0
    wheels, skips a PPMissingLayer only, so it wraps each one built, and with an lm_head its
    LogitsProcessor),
    in elements, each module kind once with the count of layers; elements x lora_dtype bytes
    are the bytes. `experts`: the rank's routed experts (lora_moe.ExpertSlots; None: sliced over
    `tp`, no EP)."""
    counts: dict[LayerPart, int] = {}  # a module's part: its layers
    for index in layers:
        for part in _layer_parts(spec, index, tp, experts or ExpertSlots(tp), lora):
            counts[part] = counts.get(part, 0) + 1
    parts = [LoraPart(name, elements, count, token, experts=routed, wraps=wraps, idle=idle,
                      prefill_only=prefill_only)
             for (name, elements, token, routed, wraps, idle, prefill_only), count
             in counts.items()]
    if lora.tower and first:  # (lora_tower.tower_refusal: PP = 1 only)
        # the tower's LoRA runs in the vision encoder, on image inputs only: idle in a text step
        parts += [LoraPart(*part, idle=True) for part in tower_parts(
            spec, tp, lora.max_loras, lora.rank, lora.fully_sharded)]
    if not wraps_embeddings(spec, lora.version):
        return tuple(parts)
    n, r, h, vocab = lora.max_loras, lora.rank, spec.hidden_size, spec.vocab_size
    embed, head = stage_heads(spec, first, last)
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
    lm_head (stage_heads): the vocabulary padded to VOCAB_PAD x 8 B (logits_processor.py
    create_lora_weights); 0 where lm_head is not wrapped."""
    if tp == 1 or not wraps_embeddings(spec, version) or not stage_heads(spec, first, last)[1]:
        return 0
    return -(-spec.vocab_size // VOCAB_PAD) * VOCAB_PAD * 8


def token_index_rows(version: Version) -> int:
    """The Punica wrapper's int64 rows of max_num_batched_tokens: _token_lora_indices,
    _sampler_indices, _sampler_indices_padded and _embeddings_indices' one row, two before
    EMBEDDING_INDICES_ONE_ROW_FROM."""
    return 4 if version >= EMBEDDING_INDICES_ONE_ROW_FROM else 5


def punica_buffer_bytes(max_num_batched_tokens: int, max_num_seqs: int, max_loras: int,
                        version: Version) -> int:
    """The Punica wrapper's index buffers on every GPU (module docstring): token_index_rows x
    tokens x 8 B + 3 x seqs x 8 B + 2 x (2 x tokens + 2 x (max_loras + 1) + (max_loras + 2))
    x 4 B."""
    return (token_index_rows(version) * max_num_batched_tokens * 8 + 3 * max_num_seqs * 8
            + 2 * (2 * max_num_batched_tokens + 2 * (max_loras + 1) + max_loras + 2) * 4)


def tower_punica_bytes(spec: ModelSpec, lora: LoraSettings, first: bool,
                       max_num_batched_tokens: int, max_num_seqs: int, max_model_len: int
                       ) -> int:
    """The tower's and connector's Punica wrappers (punica_buffer_bytes of
    lora_tower.tower_punica_shapes) on the first stage with --enable-tower-connector-lora; 0
    otherwise."""
    if not (lora.tower and first):
        return 0
    assert spec.vision is not None and spec.vision.encoder is not None  # (tower_refusal)
    tower, connector, batches = tower_punica_shapes(spec.vision.encoder, max_num_batched_tokens,
                                                    max_num_seqs, max_model_len)
    return sum(punica_buffer_bytes(tokens, batches, lora.max_loras, lora.version)
               for tokens in (tower, connector))


def stage_lora_bytes(spec: ModelSpec, layers: range, first: bool, last: bool, tp: int,
                     lora: LoraSettings, dtype_bytes: int, max_num_batched_tokens: int,
                     max_num_seqs: int, experts: ExpertSlots | None = None,
                     max_model_len: int = 0) -> int:
    """All the LoRA bytes on one TP rank of a stage: its slots in lora_dtype, the MoE layers'
    adapter flags (lora_moe.moe_flag_bytes), the lm_head mapping (stage_heads) and the Punica
    buffers (the tower's and connector's too: tower_punica_bytes, which reads
    `max_model_len`)."""
    slots = sum(p.elements * p.count
                for p in stage_parts(spec, layers, first, last, tp, lora, experts))
    return (slots * dtype_bytes + moe_flag_bytes(spec, layers, lora.max_loras)
            + lm_head_mapping_bytes(spec, first, last, tp, lora.version)
            + punica_buffer_bytes(max_num_batched_tokens, max_num_seqs, lora.max_loras,
                                  lora.version)
            + tower_punica_bytes(spec, lora, first, max_num_batched_tokens, max_num_seqs,
                                 max_model_len))
