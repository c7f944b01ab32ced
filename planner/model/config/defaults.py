"""transformers' config-class defaults Headroom needs, per model_type: what a config.json
that leaves a field out means when transformers (and so vLLM) loads it.

Read from the transformers 5.24.0 wheel (`pip download transformers --no-deps`, never
installed): transformers/models/<type>/configuration_<type>.py, the class's
`max_position_embeddings` default. A model_type not listed falls back to the
PretrainedConfig/LlamaConfig 2048, stated as such.
"""

MAX_POSITION_DEFAULTS: dict[str, tuple[int, str]] = {
    "gemma3_text": (131_072, "Gemma3TextConfig"),
    "gemma3": (131_072, "Gemma3TextConfig (text_config)"),
    "gemma2": (8192, "Gemma2Config"),
    "gemma": (8192, "GemmaConfig"),
    "llama": (2048, "LlamaConfig"),
    "qwen2": (32768, "Qwen2Config"),
    "qwen2_moe": (32768, "Qwen2MoeConfig"),
    "qwen3": (32768, "Qwen3Config"),
    "qwen3_moe": (32768, "Qwen3MoeConfig"),
    "mistral": (131_072, "MistralConfig (4096 * 32)"),
    "mixtral": (131_072, "MixtralConfig (4096 * 32)"),
    "phi": (2048, "PhiConfig"),
    "phi3": (4096, "Phi3Config"),
    "granite": (2048, "GraniteConfig"),
    "deepseek_v2": (2048, "DeepseekV2Config"),
    "deepseek_v3": (4096, "DeepseekV3Config"),
}
"""model_type -> (max_position_embeddings default, the transformers class that sets it)."""


def max_position_default(model_type: str) -> tuple[int, str]:
    """(default, why) for a config.json without max_position_embeddings."""
    if model_type in MAX_POSITION_DEFAULTS:
        value, cls = MAX_POSITION_DEFAULTS[model_type]
        return value, f"{value} (transformers {cls} class default for model_type {model_type!r})"
    return 2048, "2048 (transformers PretrainedConfig/LlamaConfig default)"
