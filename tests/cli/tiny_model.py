"""A tiny hand-written Llama-style config shared by the sweep, report and CLI tests.

Hand-worked figures (bf16, 2 bytes per element):
- KV bytes per token, whole model: 2 (K, V) x 4 layers x 2 KV heads x 64 head_dim x 2 B = 2,048 B
- per GPU at TP=2: 2 x 4 x (2 // 2 = 1) x 64 x 2 B = 1,024 B
- valid TP sizes: 8 query heads and 2 KV heads -> TP 1, 2, 4, 8 (3 divides neither)
"""

TINY_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 512,
    "intermediate_size": 1024,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
    "head_dim": 64,
    "vocab_size": 32000,
    "max_position_embeddings": 8192,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "rms_norm_eps": 1e-5,
    "hidden_act": "silu",
}
TINY_KV_BYTES_PER_TOKEN = 2048
TINY_KV_BYTES_PER_TOKEN_TP2 = 1024
