"""KV cache per layer kind: one small class per kind, one registry, the per-token total.

Kinds (vLLM v1 `kv_cache_interface.py` names in brackets): full attention
[FullAttentionSpec], sliding window [SlidingWindowSpec], MLA [MLAAttentionSpec],
Gated DeltaNet and Mamba2 [MambaSpec]. A new kind is one class plus one registry line;
an unknown mixer is an error that names it.
"""

from collections.abc import Callable

from planner.model.attention.base import KvLayer, cdiv
from planner.model.attention.compressed import DeepseekV4Kv
from planner.model.attention.full import DraftAttentionKv, FullAttentionKv
from planner.model.attention.kvformat import KvBytes, TurboQuantFormat, boundary_layers
from planner.model.attention.linear import GatedDeltaNetKv, RecurrentStateKv
from planner.model.attention.mamba import Mamba2Kv
from planner.model.attention.mla import MlaKv
from planner.model.attention.sliding import SlidingWindowKv
from planner.model.spec import (
    AttentionMixer,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
)
from planner.units import TORCH_DTYPE_BYTES

__all__ = [
    "DeepseekV4Kv",
    "DraftAttentionKv",
    "FullAttentionKv",
    "GatedDeltaNetKv",
    "KvLayer",
    "Mamba2Kv",
    "MlaKv",
    "RecurrentStateKv",
    "SlidingWindowKv",
    "UnknownLayerKindError",
    "cdiv",
    "kv_bytes_per_token",
    "kv_layer_spec",
    "model_kv_layers",
    "turboquant_layers",
]


class UnknownLayerKindError(ValueError):
    """A token mixer with no KV layer class registered for it."""


def _attention(mixer: AttentionMixer, state_elem_bytes: int) -> KvLayer:
    dims = {
        "num_kv_heads": mixer.num_kv_heads,
        "head_dim": mixer.head_dim,
        "v_head_dim": mixer.v_head_dim,
    }
    if mixer.kind == "sliding" and mixer.sliding_window:
        return SlidingWindowKv(sliding_window=mixer.sliding_window, chunked=mixer.chunked,
                               **dims)
    return FullAttentionKv(**dims)


def _mla(mixer: MlaMixer, state_elem_bytes: int) -> KvLayer:
    return MlaKv(
        kv_lora_rank=mixer.kv_lora_rank,
        qk_rope_head_dim=mixer.qk_rope_head_dim,
        index_head_dim=mixer.index_head_dim if mixer.index_n_heads else None,
    )


def _linear(mixer: LinearAttentionMixer, state_elem_bytes: int) -> KvLayer:
    return GatedDeltaNetKv(
        num_key_heads=mixer.num_key_heads,
        num_value_heads=mixer.num_value_heads,
        key_head_dim=mixer.key_head_dim,
        value_head_dim=mixer.value_head_dim,
        conv_kernel_dim=mixer.conv_kernel_dim,
        state_elem_bytes=state_elem_bytes,
        ssm_elem_bytes=TORCH_DTYPE_BYTES[mixer.ssm_dtype] if mixer.ssm_dtype else None,
    )


def _mamba(mixer: MambaMixer, state_elem_bytes: int) -> KvLayer:
    """The conv state in the model dtype; the SSM state in the config's mamba_ssm_cache_dtype
    where the model class reads it, float32 where such a config names none (the newest
    releases' NemotronHForCausalLMConfig.DEFAULT_MAMBA_SSM_CACHE_DTYPE, and transformers 5
    NemotronHConfig's `mamba_ssm_cache_dtype: str = "float32"`; per release, architecture and
    config class: vllm_versions.nemotron_ssm_default)."""
    source = ("model" if not mixer.config_ssm_dtype
              else "config" if mixer.state_dtype else "default")
    return Mamba2Kv(
        num_heads=mixer.num_heads,
        head_dim=mixer.head_dim,
        state_size=mixer.state_size,
        n_groups=mixer.n_groups,
        conv_kernel=mixer.conv_kernel,
        state_elem_bytes=state_elem_bytes,
        ssm_elem_bytes=(TORCH_DTYPE_BYTES[mixer.state_dtype] if source == "config"
                        else TORCH_DTYPE_BYTES["float32"] if source == "default" else None),
        ssm_dtype_from=source,
    )


_REGISTRY: dict[type, Callable[..., KvLayer]] = {
    AttentionMixer: _attention,
    MlaMixer: _mla,
    LinearAttentionMixer: _linear,
    MambaMixer: _mamba,
}


def kv_layer_spec(mixer: object, state_elem_bytes: int = 2) -> KvLayer | None:
    """The KV layer class for one token mixer (None for a layer without a mixer).

    `state_elem_bytes` is the model dtype width used by recurrent (GDN/Mamba) states.
    """
    if mixer is None:
        return None
    build = _REGISTRY.get(type(mixer))
    if build is None:
        raise UnknownLayerKindError(
            f"no KV cache model for token mixer {type(mixer).__name__!r}; "
            f"known: {', '.join(t.__name__ for t in _REGISTRY)}"
        )
    return build(mixer, state_elem_bytes)


def model_kv_layers(spec: ModelSpec) -> tuple[KvLayer | None, ...]:
    """One KV layer (or None) per decoder layer of the model, in order."""
    ca = spec.compressed_attention
    if ca is not None:  # DeepSeek-V4: its own caches per layer (attention/compressed.py)
        return tuple(DeepseekV4Kv(compress_ratio=c, sliding_window=ca.sliding_window,
                                  head_dim=ca.head_dim, index_head_dim=ca.index_head_dim)
                     for c in ca.compress_ratios)
    state_bytes = TORCH_DTYPE_BYTES[spec.torch_dtype]
    # NOTE: a layer reading another layer's KV (Gemma 4 num_kv_shared_layers) has no cache of
    # its own: vLLM 0.33.0 v1/worker/gpu_model_runner.py get_kv_cache_spec (0.34.0
    # v1/worker/gpu/attn_utils.py get_kv_cache_spec) skips a layer with
    # kv_sharing_target_layer_name, "so that KV cache management logic will act as this
    # layer does not exist".
    return tuple(None if layer.kv_source is not None
                 else kv_layer_spec(layer.mixer, state_bytes) for layer in spec.layers)


def turboquant_layers(kv_layers: tuple[KvLayer | None, ...], kv: KvBytes
                      ) -> tuple[KvLayer | None, ...]:
    """The layers as a turboquant_* run pages them: its boundary layers (kvformat.
    boundary_layers of the decoder layers) marked to stay 16-bit; unchanged for any other
    format or a model with other than full-attention layers (Headroom offers turboquant only
    there: serving.startup.attention_backend.kv_format_errors)."""
    if not isinstance(kv, TurboQuantFormat) or not all(
            type(k) is FullAttentionKv for k in kv_layers):
        return kv_layers
    keep = boundary_layers(len(kv_layers))
    return tuple(k.model_copy(update={"boundary": True}) if i in keep and k else k
                 for i, k in enumerate(kv_layers))


def kv_bytes_per_token(
    spec: ModelSpec, kv_elem_bytes: KvBytes, tp: int = 1, layers: range | None = None
) -> int:
    """KV bytes one more token of context adds, summed over the token-growing layers.

    At tp=1 this is the model's total; at the layout's TP it is the per-rank figure; pass a
    PP stage's `layers` range for that stage only. Sliding-window layers count (they grow
    until the window fills); GDN/Mamba layers add 0 (fixed state per sequence).
    NOTE: Qwen3-235B-A22B (94 layers, 4 KV heads, head_dim 128, bf16):
    TP=1: 2 x 94 x 4 x 128 x 2 = 192,512 B; TP=4 and TP=8: 2 x 94 x 1 x 128 x 2 = 48,128 B.
    """
    kv_layers = turboquant_layers(model_kv_layers(spec), kv_elem_bytes)
    picked = kv_layers if layers is None else (kv_layers[i] for i in layers)
    return sum(kv.bytes_per_token(kv_elem_bytes, tp) for kv in picked if kv is not None)
