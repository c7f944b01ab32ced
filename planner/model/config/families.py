"""The model_type tables the parse branches on: the architectures Headroom knows, and the
families that share one of vLLM's rules (Gemma's, Qwen 2's biases, q/k norms, head dims, MLA,
Llama's attention, HunYuan)."""


GEMMA_TYPES = ("gemma", "gemma2", "gemma3", "gemma3_text", "gemma4", "gemma4_text")
QWEN2_BIAS_TYPES = ("qwen2", "qwen2_moe", "qwen2_vl", "qwen2_5_vl", "mimo")
QK_NORM_TYPES = (
    "qwen3", "qwen3_moe", "qwen3_next", "qwen3_vl", "qwen3_vl_text", "qwen3_vl_moe",
    "qwen3_vl_moe_text", "qwen3_5", "qwen3_5_text", "qwen3_5_moe", "qwen3_5_moe_text",
    "gemma3", "gemma3_text", "gemma4", "gemma4_text", "olmo2", "olmo3", "olmoe",
)  # fmt: skip
WHOLE_QK_NORM_TYPES = ("olmo2", "olmo3", "olmoe")
"""NOTE: vLLM builds these q/k norms over the whole projections, q_norm over all heads x
head_dim and k_norm over all KV heads x head_dim, and at TP > 1 all-gathers q and k before them
(`_apply_qk_norm`), so every rank holds both whole: olmo2.py Olmo2Attention (q_norm
`RMSNorm(config.hidden_size)`, k_norm `RMSNorm(self.total_num_kv_heads * self.head_dim)`,
head_dim = hidden_size / num_attention_heads; 0.9.1, 0.11.0, 0.19.0 and 0.25.0 wheels; the
0.26.0 wheel drops olmo2.py and runs Olmo2ForCausalLM through the Transformers backend:
transformers 5.24.0 modeling_olmo2.py Olmo2Attention builds `Olmo2RMSNorm(num_attention_heads
* head_dim)` and `(num_key_value_heads * head_dim)`; vLLM's QKVFuser (fusers/qkv.py, 0.25.0
on) builds q, k and v as a QKVParallelLinear, not as the base_model_tp_plan's
`colwise_gather_output`, and the norms as TPAwareRMSNorm (fusers/rms_norm.py), which holds
its weight whole and all-gathers a TP-sharded input before it: every rank holds them whole
there too, and above the KV heads the gather stops vLLM, model_config.qk_norm_gather_refusal),
olmoe.py OlmoeAttention
(`RMSNorm(self.total_num_heads * self.head_dim)` and `RMSNorm(self.total_num_kv_heads *
self.head_dim)`; 0.9.1, 0.19.0 and 0.33.0 wheels; the 0.34.0 wheel drops olmoe.py and runs
OlmoeForCausalLM through the Transformers backend: transformers 5.24.0 modeling_olmoe.py
OlmoeAttention `OlmoeRMSNorm(config.hidden_size)` and `((hidden_size // num_attention_heads) *
num_key_value_heads)`, built as OLMo 2's).
OLMo 3 the same: Olmo3ForCausalLM is
olmo2.py's Olmo2ForCausalLM in the 0.11.0-0.25.0 registries, olmo3.py Olmo3Attention in
0.26.0-0.28.0 (the same norms and all-gather), the Transformers backend from 0.29.0 (transformers
5.24.0 modeling_olmo3.py Olmo3Attention `Olmo3RMSNorm(num_attention_heads * head_dim)` and
`(num_key_value_heads * head_dim)`, built as OLMo 2's). Not one head_dim each, as
Qwen3's."""
NOPE_TYPES = ("nemotron_h",)
"""Attention without any rotary embedding (vLLM nemotron_h.py builds no get_rope)."""
HEAD_DIM_AS_GIVEN_TYPES = ("gemma", "gemma2", "gemma3", "gemma3_text")
"""NOTE: model_types whose vLLM model passes config.head_dim to its attention as it is
(gemma.py, gemma2.py and gemma3.py `head_dim=config.head_dim`, 0.11.0 and 0.33.0 wheels;
gemma.py also 0.23.0; gemma2.py and gemma3.py 0.34.0, whose registry serves GemmaForCausalLM
through the Transformers backend: transformers 5.24.0 modeling_gemma.py GemmaAttention
`getattr(config, "head_dim", ...)`, GemmaConfig `head_dim: int = 256`), where others fall back
on hidden_size / num_attention_heads for a null
(qwen3.py and llama.py `head_dim or hidden_size // total_num_heads`; transformers 4.57.1
LlamaConfig and GptOssConfig derive it)."""
ZERO_HEAD_DIM_TYPES = ("llama", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "ernie4_5_moe",
                       "minimax_m2", "granitemoe", "mimo", "granitemoeshared")
"""NOTE: model_types whose vLLM attention is hidden_size / num_attention_heads wide for a
config.json head_dim of 0 (0.25.0 and 0.34.0 wheels): `head_dim or hidden_size //
total_num_heads` (llama.py LlamaAttention from the 0.15.0 wheel, where 0.9.1-0.14.0 keep
it as given; qwen3.py, qwen3_moe.py, ernie45_moe.py, minimax_m2.py), or no head_dim read at
all (qwen2.py, qwen2_moe.py, granitemoe.py `hidden_size // self.total_num_heads`; mimo.py
MiMoModel subclasses qwen2.py's Qwen2Model, whose Qwen2DecoderLayer builds Qwen2Attention, and
mimo_mtp.py's MTP block is a Qwen2DecoderLayer; granitemoeshared.py
GraniteMoeSharedDecoderLayer builds granitemoe.py's GraniteMoeAttention: every wheel
0.24.0-0.34.0 read, and 0.9.1 has both files).
transformers keeps the 0 (5.25.0 LlamaConfig, Qwen3Config, Qwen3MoeConfig from_dict). vLLM's
ModelConfig.get_head_size reads it as 0 before 0.25.0
(startup.model_config.ZERO_HEAD_DIM_FALLBACK_FROM). Other model_types' head_dim 0 is refused:
qwen3_next.py Qwen3NextAttention falls back to `config.head_dim or (self.hidden_size //
self.num_heads)` with num_heads the heads of one TP rank (num_attention_heads // tp_size;
0.25.0 and 0.34.0 wheels), TP times hidden_size / num_attention_heads past TP 1 (not
planned); mixtral.py and granite.py fall back for a missing or null head_dim only; gpt_oss.py,
llama4.py and the gemma models take it as given; the rest were not read for it."""
HEAD_DIM_UNREAD_TYPES = ("qwen2", "qwen2_moe", "mimo", "granitemoe", "granitemoeshared",
                         "starcoder2", "olmo2", "olmo3", "olmoe")
"""NOTE: model_types whose own vLLM attention reads no head_dim: `self.head_dim = hidden_size //
self.total_num_heads` in qwen2.py Qwen2Attention (mimo.py's MiMoModel subclasses it), qwen2_moe.py
Qwen2MoeAttention, granitemoe.py GraniteMoeAttention (granitemoeshared.py builds it), olmo2.py
Olmo2Attention (Olmo3ForCausalLM's too before olmo3.py), olmo3.py Olmo3Attention, olmoe.py
OlmoeAttention and starcoder2.py Starcoder2Attention, in every wheel 0.9.1-0.34.0 that has
the file (weights.TRANSFORMERS_BACKEND_ARCHITECTURES: later releases build Starcoder2, OLMo 2,
OLMo 3 and OLMoE with the Transformers backend, whose transformers 5.25.0 *Attention take
`getattr(config, "head_dim", ...)`). transformers builds these checkpoints with head_dim
(5.25.0 modeling_qwen2.py Qwen2Attention and the rest alike; MiMo's remote modeling code not
read, taken as Qwen2's), so a head_dim other than
hidden_size / num_attention_heads is refused where vLLM's own class builds the model
(startup.model_config.unread_head_dim_errors). Qwen2-VL and Qwen2.5-VL are not: their
transformers text attention reads no head_dim either (HIDDEN_HEAD_DIM_TYPES)."""
QWEN2_VL_TYPES = ("qwen2_vl", "qwen2_5_vl")
HIDDEN_HEAD_DIM_TYPES = ("granitemoehybrid", "arctic", *QWEN2_VL_TYPES)
"""NOTE: model_types whose vLLM attention takes hidden_size / num_attention_heads as its head
size whatever config.json says: granitemoehybrid.py GraniteMoeHybridAttention `self.head_dim =
self.hidden_size // self.total_num_heads` (0.9.1-0.34.0 wheels read); arctic.py ArcticAttention
`self.head_dim = self.hidden_size // self.total_num_heads` (0.28.0 wheel read); qwen2_vl.py and
qwen2_5_vl.py, whose text model is qwen2.py's Qwen2ForCausalLM (HEAD_DIM_UNREAD_TYPES), as
transformers 5.25.0 builds them (modeling_qwen2_vl.py Qwen2VLAttention and
modeling_qwen2_5_vl.py Qwen2_5_VLAttention `self.head_dim = self.hidden_size //
self.num_heads`), so their checkpoints are that wide. vLLM's ModelConfig.get_head_size still
returns a head_dim given (what the attention backends' metadata builders take,
startup.model_config.ZERO_HEAD_DIM_FALLBACK_FROM): not planned, noted."""
MLA_ONLY_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "glm_moe_dsa")
"""NOTE: model_types vLLM builds with deepseek_v2.py's decoder layer (registry.py 0.19.0:
DeepseekV2/V3/V32ForCausalLM, GlmMoeDsaForCausalLM; kimi_k2 configs name
DeepseekV3ForCausalLM), which cannot run without kv_lora_rank. ModelConfig.use_mla is
is_deepseek_mla, true for these only when `kv_lora_rank is not None` (config.py 0.9.2;
model_arch_config_convertor.py 0.19.0 is_deepseek_mla); otherwise DeepseekV2DecoderLayer picks
DeepseekV2Attention (0.9.2, 0.11.0, 0.19.0, 0.34.0 wheels), whose __init__ sizes
kv_a_proj_with_mqa as `self.kv_lora_rank + self.qk_rope_head_dim`: a TypeError on None at
load. When qk_nope_head_dim and qk_rope_head_dim are both 0 the release decides (refused with
both words, as the parser does not know the release): 0.9.1-0.11.0 DeepseekV2DecoderLayer
takes DeepseekV2Attention all the same, whose __init__ first sets `self.scaling =
self.qk_head_dim**-0.5` of qk_head_dim = qk_nope_head_dim + qk_rope_head_dim = 0, a
ZeroDivisionError ("0.0 cannot be raised to a negative power") at layer 0 (0.9.1, 0.9.2,
0.10.0-0.10.2, 0.11.0 wheels); from 0.11.1 it takes DeepseekAttention, plain MHA, where
`all(dim == 0 for dim in (qk_nope_head_dim, qk_rope_head_dim))` (0.11.1, 0.15.0, 0.18.0,
0.19.0, 0.22.0, 0.28.0, 0.34.0 wheels; deepseek_v32/'s own classes from 0.29.0 not read for
this), which Headroom does not plan."""
NON_GATED_TYPES = ("phi", "gpt2", "gpt_neox", "gpt_bigcode", "starcoder2", "falcon", "nemotron")
KNOWN_TYPES = (
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "qwen3_next",
    "qwen3_vl", "qwen3_vl_moe", "qwen3_5", "qwen3_5_moe", "phi3", "phi", "granite",
    "gemma", "gemma2", "gemma3", "gemma3_text", "gemma4", "gemma4_text", "deepseek_v2",
    "deepseek_v3", "deepseek_v32", "kimi_k2", "kimi_k25", "glm_moe_dsa", "gpt_oss",
    "llama4", "llama4_text", "nemotron_h", "nemotron-nas", "minimax_m2", "mimo",
    "mimo_v2_flash", "mistral3", "kimi_vl", "granitemoe", "olmo2", "olmo3", "olmoe",
    "starcoder2", "deepseek_v4", "ernie4_5_moe", "granitemoehybrid", "granitemoeshared",
    "hunyuan_v1_moe", "hunyuan_v1_dense", "hunyuan", "arctic",
)  # fmt: skip
HUNYUAN_TYPES = ("hunyuan_v1_moe", "hunyuan_v1_dense", "hunyuan")
"""NOTE: model_types built by vLLM's hunyuan_v1.py (HunYuanDenseV1ForCausalLM and
HunYuanMoEV1ForCausalLM, 0.10.0-0.28.0; 0.28.0 wheel read): "hunyuan" is the remote-code config
of Tencent's own repositories (auto_map configuration_hunyuan.HunYuanConfig: Hunyuan-A13B's
models/config.json), which the same classes read. Each layer is a HunYuanSparseMoeBlock where
num_experts is above 1 (`_is_moe`), else a HunYuanMLP of intermediate_size (bias
config.mlp_bias); the block's experts take moe_intermediate_size (one integer, or a list read
`[layer_id]`), top-k moe_topk likewise, `renormalize=top_k > 1`, a router (gate) of hidden x
num_experts without bias or quantization, and where `use_mixed_mlp_moe > 0` a shared_mlp
HunYuanMLP of intermediate_size x num_shared_expert (likewise per layer), no bias, beside the
experts. q/k norms (RMSNorm(head_dim) each) where use_qk_norm; q/k/v/o biases from
`attention_bias or bias`. `moe_layer_num_skipped` is read by none of it. Cross-layer attention
(`use_cla`) is flagged, not planned (hunyuan_notes)."""


LLAMA_ATTENTION_TYPES = ("llama", "mistral", "mistral3", "phi3", "nemotron-nas")
"""model_types whose text model is built by llama.py LlamaDecoderLayer's rules
(_attention_biases)."""
