"""The interface every KV layer kind implements (vLLM v1 `KVCacheSpec`, one class per kind)."""

from pydantic import BaseModel, ConfigDict

from planner.model.attention.kvformat import KvBytes


def cdiv(a: int, b: int) -> int:
    """Ceiling division, as vLLM's `cdiv`."""
    return -(a // -b)


class KvLayer(BaseModel):
    """KV cache of one decoder layer: page size, per-token growth, fixed state, per-request need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str

    def bytes_per_token(self, kv_elem_bytes: KvBytes, tp: int) -> int:
        """Bytes one more token of context adds on one rank (0 for fixed-state kinds)."""
        raise NotImplementedError

    def state_bytes(self, tp: int, kv_elem_bytes: KvBytes = 2) -> int:
        """Bytes per sequence that do not grow with context (recurrent state); 0 for attention."""
        return 0

    def page_bytes(self, block_size: int, kv_elem_bytes: KvBytes, tp: int) -> int:
        """Bytes of one page (one layer, one block of `block_size` tokens, one rank)."""
        return block_size * self.bytes_per_token(kv_elem_bytes, tp)

    def max_memory_usage_bytes(
        self,
        max_model_len: int,
        block_size: int,
        kv_elem_bytes: KvBytes,
        tp: int,
        max_num_batched_tokens: int,
    ) -> int:
        """Bytes one request of `max_model_len` tokens needs on this layer (vLLM's name)."""
        page = self.page_bytes(block_size, kv_elem_bytes, tp)
        return cdiv(max_model_len, block_size) * page

    @property
    def group_key(self) -> str:
        """Layers with the same key share a vLLM KV cache group type (full, sliding-N, mamba)."""
        return self.kind

    def formula(self, kv_elem_bytes: KvBytes, tp: int) -> str:
        """Per-token (or per-sequence) formula of one layer with the real numbers filled in."""
        raise NotImplementedError

    def inputs(self, kv_elem_bytes: KvBytes, tp: int) -> dict[str, int | str]:
        """The named inputs of `formula`, units in the keys: here the per-token bytes and the
        state bytes (kinds that show their dimensions say more)."""
        return {"bytes_per_token_per_layer": self.bytes_per_token(kv_elem_bytes, tp),
                "state_bytes_per_layer": self.state_bytes(tp, kv_elem_bytes),
                **kv_dtype_input(kv_elem_bytes)}


def kv_dtype_input(kv_elem_bytes: KvBytes) -> dict[str, int | str]:
    """The KV element as an input: its bytes (kv_dtype_bytes), or a packed format's name."""
    if isinstance(kv_elem_bytes, int):
        return {"kv_dtype_bytes": kv_elem_bytes}
    return {"kv_format": kv_elem_bytes.name}
