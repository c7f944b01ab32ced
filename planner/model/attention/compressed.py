"""DeepSeek-V4 compressed sparse attention: the caches one layer registers in vLLM.

NOTE: vLLM 0.22.0 wheel, models/deepseek_v4/ and v1/kv_cache_interface.py. Every layer has
a 64-token-block sliding-window cache (sparse_swa.py DeepseekV4SWACache); a layer with
compress ratio c > 1 adds its compressed MLA cache (attention.py DeepseekV4MLAAttention,
block = the cache block size, block / c stored tokens per page) and a float32 compressor
state (compressor.py CompressorStateCache: state_dim 2 x coff x head_dim, coff = 2 for
c = 4 else 1, window coff x c, blocks of 4 (c = 4) or 8 (c = 128) tokens); c = 4 layers
also carry the Lightning indexer's fp8 cache (head + 4 B scale per 128, block / 4 tokens per
page) and its own compressor state (head index_head_dim). Pages are padded to FlashMLA's
576 B. The cache is fp8 only and the same on every TP rank (one latent head).
"""

from typing import Literal, NamedTuple

from planner.model.attention.base import KvLayer, cdiv

DSV4_TOKEN_BYTES = 584
"""kv_cache_interface.py MLAAttentionSpec / SlidingWindowMLASpec.real_page_size_bytes for
model_version deepseek_v4: 448 B fp8 NoPE + 128 B bf16 RoPE + 8 B scales per stored token."""

PAGE_ALIGN = 576
"""_apply_alignment_padding: every DeepSeek-V4 page rounds up to 576 B (FlashMLA)."""

SWA_BLOCK = 64
"""sparse_swa.py DeepseekV4SWACache.block_size (shares its tensor with c = 4 pages)."""

COMPRESSOR_BLOCK = {4: 4, 128: 8}
"""compressor.py CompressorStateCache.block_size per compress ratio."""

INDEX_SCALE_BLOCK = 128
"""attention.py DeepseekV4Indexer: one 4-byte fp32 scale per 128 fp8 values per token."""


class Cache(NamedTuple):
    """One cache a layer registers: vLLM groups caches of equal (block, window)."""

    block: int
    window: int | None  # None: full context (compressed MLA, indexer)
    page_bytes: int


def _aligned(n: int) -> int:
    return cdiv(n, PAGE_ALIGN) * PAGE_ALIGN


class DeepseekV4Kv(KvLayer):
    """One DeepSeek-V4 decoder layer's KV caches (vLLM SlidingWindowMLASpec / MLAAttentionSpec)."""

    kind: Literal["dsv4"] = "dsv4"
    compress_ratio: int
    sliding_window: int
    head_dim: int
    index_head_dim: int

    def caches(self, block_size: int) -> tuple[Cache, ...]:
        """The layer's caches at this cache block size (vLLM's --block-size, 256 here)."""
        out = [Cache(SWA_BLOCK, self.sliding_window, _aligned(SWA_BLOCK * DSV4_TOKEN_BYTES))]
        c = self.compress_ratio
        if c <= 1:
            return tuple(out)
        out.append(Cache(block_size, None, _aligned(block_size // c * DSV4_TOKEN_BYTES)))
        coff = 2 if c == 4 else 1
        state_block = COMPRESSOR_BLOCK[c]
        out.append(Cache(state_block, coff * c,
                         _aligned(state_block * 2 * coff * self.head_dim * 4)))
        if c == 4:
            idx = self.index_head_dim
            out.append(Cache(block_size, None, _aligned(
                block_size // 4 * (idx + idx // INDEX_SCALE_BLOCK * 4))))
            out.append(Cache(state_block, coff * c, _aligned(state_block * 2 * 2 * idx * 4)))
        return tuple(out)

    @property
    def index_key_bytes(self) -> int:
        """One indexer key: index_head_dim fp8 values + a 4-byte scale per 128."""
        idx = self.index_head_dim
        return idx + idx // INDEX_SCALE_BLOCK * 4

    @property
    def group_key(self) -> str:
        return "dsv4"

    def bytes_per_token(self, kv_elem_bytes: int, tp: int) -> int:
        """Growth per token of context, past the windows: the compressed cache (584 B every
        c tokens) and, at c = 4, the indexer (132 B every 4 tokens); unpadded."""
        c = self.compress_ratio
        if c <= 1:
            return 0
        index = self.index_key_bytes // 4 if c == 4 else 0
        return DSV4_TOKEN_BYTES // c + index

    def page_bytes(self, block_size: int, kv_elem_bytes: int, tp: int) -> int:
        """All of the layer's pages at this block size."""
        return sum(cache.page_bytes for cache in self.caches(block_size))

    def formula(self, kv_elem_bytes: int, tp: int) -> str:
        """Per-token growth with the numbers filled in."""
        c = self.compress_ratio
        if c <= 1:
            return f"{self.sliding_window}-token window only = 0 B per token"
        index = f" + {self.index_key_bytes} B / 4 (indexer)" if c == 4 else ""
        return (f"{DSV4_TOKEN_BYTES} B / {c} (compressed){index} = "
                f"{self.bytes_per_token(kv_elem_bytes, tp)} B")
