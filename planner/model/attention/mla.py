"""Multi-head latent attention: one compressed latent per token, the same on every TP rank."""

from typing import Literal

from planner.model.attention.base import KvLayer, kv_dtype_input
from planner.model.attention.kvformat import KvBytes, side_bytes, side_formula

INDEXER_QUANT_BLOCK = 128
"""Elements per fp32 scale in the DeepSeek-V3.2 indexer key cache."""


class MlaKv(KvLayer):
    """An MLA layer (vLLM `MLAAttentionSpec`), plus the sparse-attention indexer cache if any."""

    kind: Literal["mla"] = "mla"
    kv_lora_rank: int
    qk_rope_head_dim: int
    index_head_dim: int | None = None

    def latent_bytes(self, kv_elem_bytes: KvBytes) -> int:
        """The latent of one token.

        NOTE: vLLM mla_attention.py builds MLAAttentionSpec with num_kv_heads=1,
        head_size = kv_lora_rank + qk_rope_head_dim, head_size_v = 0, max_tp_shards=1:
        not split by TP. DeepSeek-V3: (512 + 64) x 2 B = 1,152 B per layer, x 61 layers =
        70,272 B/token at any TP. A packed format is sized as one head vector of that size
        (unverified for MLA: startup.attention_backend refuses packed KV formats on MLA).
        """
        return side_bytes(kv_elem_bytes, self.kv_lora_rank + self.qk_rope_head_dim)

    def indexer_bytes(self) -> int:
        """The sparse-attention indexer key of one token (DeepSeek-V3.2, GLM-5), else 0.

        NOTE: vLLM's Indexer allocates its k_cache as uint8 of head_dim + head_dim //
        quant_block_size x 4 bytes (fp8 keys plus one fp32 scale per 128 elements,
        quant_block_size = 128), one head, not split by TP: 128 + 4 = 132 B per layer per
        token, whatever --kv-cache-dtype. Read in the wheels: 0.11.0
        model_executor/models/deepseek_v2.py (Indexer.__init__), 0.33.0 and 0.34.0
        models/deepseek_v32/attention.py (the same expression); not checked against a
        start-up log.
        """
        if not self.index_head_dim:
            return 0
        return self.index_head_dim + self.index_head_dim // INDEXER_QUANT_BLOCK * 4

    def bytes_per_token(self, kv_elem_bytes: KvBytes, tp: int) -> int:
        """Latent + indexer key of one token; identical on every rank."""
        return self.latent_bytes(kv_elem_bytes) + self.indexer_bytes()

    def inputs(self, kv_elem_bytes: KvBytes, tp: int) -> dict[str, int | str]:
        """formula's inputs: the latent's dims (one head, not split by TP), the indexer key."""
        return {"kv_lora_rank": self.kv_lora_rank, "qk_rope_head_dim": self.qk_rope_head_dim,
                **kv_dtype_input(kv_elem_bytes),
                "indexer_bytes_per_token": self.indexer_bytes(),
                "bytes_per_token_per_layer": self.bytes_per_token(kv_elem_bytes, tp)}

    def formula(self, kv_elem_bytes: KvBytes, tp: int) -> str:
        """'(512 + 64) x 2 B = 1,152 B (not split by TP)'."""
        text = (f"({self.kv_lora_rank} + {self.qk_rope_head_dim}) x {kv_elem_bytes} B"
                if isinstance(kv_elem_bytes, int) else
                side_formula(kv_elem_bytes, self.kv_lora_rank + self.qk_rope_head_dim))
        if self.index_head_dim:
            text += f" + indexer {self.indexer_bytes()} B"
        return f"{text} = {self.bytes_per_token(kv_elem_bytes, tp):,} B (not split by TP)"
