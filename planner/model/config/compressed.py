"""DeepSeek-V4's compressed attention: its KV cache layout and weight shapes."""

from planner.model.config.reader import MAX_CONTEXT, MAX_WIDTH, Notes, Reader
from planner.model.spec import CompressedAttention, ConfigError


def compressed_attention(r: Reader, model_type: str, num_layers: int, notes: Notes
                         ) -> CompressedAttention | None:
    """DeepSeek-V4's compressed attention fields (its KV cache layout), None for others.

    NOTE: vLLM models/deepseek_v4 (0.22.0 wheel): layer i compresses by compress_ratios[i]
    (0 and 1: the 128-token window only; 4: compressed cache + Lightning indexer; 128);
    compress_ratios has one more entry than num_hidden_layers (the MTP layer's)."""
    if model_type != "deepseek_v4":
        return None
    ratios = r.int_list("compress_ratios", hi=1 << 16)
    window = r.int_("sliding_window", hi=MAX_CONTEXT)
    head_dim = r.int_("head_dim", hi=MAX_WIDTH)
    index_dim = r.int_("index_head_dim", hi=MAX_WIDTH)
    shapes = {field: r.int_(key, lo=0 if field == "num_hash_layers" else 1, hi=MAX_WIDTH)
              for field, key in _DSV4_SHAPE_KEYS.items()}
    missing = [key for field, key in _DSV4_SHAPE_KEYS.items() if shapes[field] is None]
    if not ratios or len(ratios) < num_layers or None in (window, head_dim, index_dim) or (
            missing):
        raise ConfigError("config.json: deepseek_v4 needs compress_ratios (one per layer), "
                          "sliding_window, head_dim, index_head_dim and "
                          + ", ".join(_DSV4_SHAPE_KEYS.values()))
    notes.warnings.append(DSV4_WARNING)
    notes.unmodelled.append("DeepSeek-V4 CUDA graph memory")
    return CompressedAttention(compress_ratios=tuple(ratios[:num_layers]),
                               sliding_window=window, head_dim=head_dim,
                               index_head_dim=index_dim, **shapes)


DSV4_WARNING = (
    "deepseek_v4: parameters, weights, buffers, profile-run activation and KV cache are "
    "modelled from vLLM 0.22's source, but its CUDA graph memory is not (the per-graph cost "
    "is fitted on standard decoders, only the indexer's dummy logits of the first capture are "
    "read from the source; an independent DeepSeek-V4-Flash start-up, vLLM issue #50576, "
    "estimates 49 MiB a graph, about six times the fit), and the one logged start-up (2x "
    "GH200, vLLM issue #44376) has 4.0 GiB less KV pool than planned: read the pool as an "
    "upper bound")


_DSV4_SHAPE_KEYS = {
    "num_heads": "num_attention_heads", "q_lora_rank": "q_lora_rank",
    "o_lora_rank": "o_lora_rank", "o_groups": "o_groups", "rope_head_dim": "qk_rope_head_dim",
    "index_n_heads": "index_n_heads", "index_topk": "index_topk", "hc_mult": "hc_mult",
    "num_hash_layers": "num_hash_layers",
}  # fmt: skip
"""CompressedAttention field -> config.json key of DeepSeek-V4's weight shapes."""
