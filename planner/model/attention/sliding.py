"""Sliding-window (local) attention: pages like full attention, need bounded by the window."""

from typing import Literal

from planner.model.attention.base import cdiv
from planner.model.attention.full import FullAttentionKv


class SlidingWindowKv(FullAttentionKv):
    """A local-attention layer keeping the last `sliding_window` tokens (`SlidingWindowSpec`)."""

    kind: Literal["sliding"] = "sliding"  # type: ignore[assignment]
    sliding_window: int

    def max_memory_usage_bytes(
        self,
        max_model_len: int,
        block_size: int,
        kv_elem_bytes: int,
        tp: int,
        max_num_batched_tokens: int,
    ) -> int:
        """Pages one request holds: the window plus one chunk of prefill, plus one block.

        NOTE: vLLM SlidingWindowSpec.max_memory_usage_bytes (0.11-0.19):
        tokens = min(window - 1 + max_num_batched_tokens, max_model_len);
        need = (cdiv(tokens, block) + 1) x page. From 0.26 vLLM counts max_in_flight_tokens
        there, which the caller passes as `max_num_batched_tokens`
        (vllm_versions.window_batched_tokens). Gemma-3-27B (window 1024, 8192 batched
        tokens, max_model_len 8192): min(1023 + 8192, 8192) = 8192 -> 512 + 1 = 513 blocks,
        which reproduces the logged concurrency 15,997 / (512 + 6 x 513) = 4.46.
        """
        tokens = min(self.sliding_window - 1 + max_num_batched_tokens, max_model_len)
        return (cdiv(tokens, block_size) + 1) * self.page_bytes(block_size, kv_elem_bytes, tp)

    @property
    def group_key(self) -> str:
        """Sliding layers group by window size (vLLM groups equal specs)."""
        return f"sliding-{self.sliding_window}"

    def formula(self, kv_elem_bytes: int, tp: int) -> str:
        """Per-token bytes, kept for at most the window."""
        return f"{super().formula(kv_elem_bytes, tp)} (kept for {self.sliding_window:,} tokens)"
