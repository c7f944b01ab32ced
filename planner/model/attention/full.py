"""Full (global) softmax attention: K and V for every token of every sequence."""

from typing import Literal

from planner.model.attention.base import KvLayer, kv_dtype_input
from planner.model.attention.kvformat import KvBytes, TurboQuantFormat, side_bytes, side_formula


class FullAttentionKv(KvLayer):
    """Standard MHA/GQA/MQA attention layer (vLLM `FullAttentionSpec`)."""

    kind: Literal["full"] = "full"
    num_kv_heads: int
    head_dim: int
    v_head_dim: int
    boundary: bool = False
    """A first or last layer a turboquant_* run keeps in the model's 16-bit dtype
    (kvformat.boundary_layers); set only for such a run (attention.turboquant_layers)."""

    @property
    def group_key(self) -> str:
        """Boundary layers have their own page (one vLLM group still: UniformTypeKVCacheSpecs)."""
        return "full-16bit" if self.boundary else self.kind

    def _kv(self, kv_elem_bytes: KvBytes) -> KvBytes:
        """2 B per element on a turboquant run's boundary layer, else the format itself."""
        return 2 if self.boundary and isinstance(kv_elem_bytes, TurboQuantFormat) \
            else kv_elem_bytes

    def kv_heads_per_rank(self, tp: int) -> int:
        """KV heads held by one TP rank.

        NOTE: vLLM ModelConfig.get_num_kv_heads = max(1, total_kv_heads // tp): once
        tp >= kv heads the heads are replicated, not split further. Qwen3-235B-A22B has
        4 KV heads: TP=4 -> 1 head per rank, TP=8 -> still 1 (each head on 2 ranks).
        """
        return max(1, self.num_kv_heads // tp)

    def bytes_per_token(self, kv_elem_bytes: KvBytes, tp: int) -> int:
        """K and V of one token on one rank.

        NOTE: vLLM AttentionSpec page = block x kv_heads x (head_size + head_size_v) x dtype
        (v1/kv_cache_interface.py), i.e. 2 x kv_heads x head_dim x bytes per token when
        v = k dims. Llama-3.1-8B: 2 x 8 x 128 x 2 B = 4,096 B per layer, x 32 layers =
        131,072 B/token. Layers with k_eq_v (kv_shared) store both K and V: vLLM's gemma4.py
        builds them as any other layer (QKVParallelLinear with a V slot K's weights fill, the
        standard Attention layer with head_size_v = head_size; 0.19.0, 0.33.0, 0.34.0 wheels).
        A packed format (kvformat.KvFormat: nvfp4, per-token-head) sizes each head vector with
        its scales: kv_heads x (side(head_dim) + side(v_head_dim)); turboquant: the packed
        K|V slot, 16-bit on the boundary layers (kvformat.TURBOQUANT_NOTE).
        """
        kv_elem_bytes = self._kv(kv_elem_bytes)
        return self.kv_heads_per_rank(tp) * (side_bytes(kv_elem_bytes, self.head_dim)
                                             + side_bytes(kv_elem_bytes, self.v_head_dim))

    def inputs(self, kv_elem_bytes: KvBytes, tp: int) -> dict[str, int | str]:
        """formula's inputs: the model's KV heads, what one GPU holds, the head dims."""
        return {"kv_heads": self.num_kv_heads, "tp": tp,
                "kv_heads_per_gpu": self.kv_heads_per_rank(tp), "head_dim": self.head_dim,
                "v_head_dim": self.v_head_dim, **kv_dtype_input(self._kv(kv_elem_bytes)),
                "bytes_per_token_per_layer": self.bytes_per_token(kv_elem_bytes, tp)}

    def formula(self, kv_elem_bytes: KvBytes, tp: int) -> str:
        """'max(1, 4 // 8) KV heads x (128 + 128) dims x 2 B = 512 B'; packed formats:
        'max(1, 8 // 1) KV heads x [K (128 / 2 + 128 / 16 x 1 = 72) B nvfp4 + V (...)]'."""
        kv_elem_bytes = self._kv(kv_elem_bytes)
        if not isinstance(kv_elem_bytes, int):
            return (
                f"max(1, {self.num_kv_heads} // {tp}) KV heads x [K "
                f"{side_formula(kv_elem_bytes, self.head_dim)} + V "
                f"{side_formula(kv_elem_bytes, self.v_head_dim)}] = "
                f"{self.bytes_per_token(kv_elem_bytes, tp):,} B"
            )
        return (
            f"max(1, {self.num_kv_heads} // {tp}) KV heads x ({self.head_dim} + "
            f"{self.v_head_dim}) dims x {kv_elem_bytes} B = "
            f"{self.bytes_per_token(kv_elem_bytes, tp):,} B"
        )


class DraftAttentionKv(FullAttentionKv):
    """A speculative drafter's full-attention layer whose KV heads or head dims differ from
    the target's (planner.serving.eagle.eagle_kv_layers): vLLM's FullAttentionSpec of it is not
    the target layers', so it is a type of its own, in the one group UniformTypeKVCacheSpecs
    makes of full-attention layers of several shapes (v1/kv_cache_interface.py
    is_uniform_type, 0.17.0 on: every spec a FullAttentionSpec of one block size)."""

    @property
    def group_key(self) -> str:
        """Its own type beside the target's full-attention layers."""
        return "full-draft"
