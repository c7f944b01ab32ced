"""Gated DeltaNet linear attention: a fixed recurrent state per sequence."""

from typing import Literal

from planner.model.attention.base import KvLayer


class RecurrentStateKv(KvLayer):
    """Base of fixed-state kinds (vLLM `MambaSpec`): no per-token growth, one page per sequence."""

    state_elem_bytes: int = 2
    ssm_elem_bytes: int | None = None
    """The temporal (SSM / delta-rule) state's dtype width where the release gives it one of
    its own (vLLM mamba_ssm_cache_dtype); None: the conv state's, the model dtype."""
    spec_tokens: int = 0
    """Speculative tokens the conv state also keeps (vLLM MambaStateShapeCalculator: the
    conv state is kernel - 1 + num_speculative_tokens wide)."""

    def bytes_per_token(self, kv_elem_bytes: int, tp: int) -> int:
        """A recurrent state does not grow with context."""
        return 0

    def _parts(self, tp: int) -> tuple[int, int]:
        """(conv, temporal) state elements on one rank."""
        raise NotImplementedError

    def state_elements(self, tp: int) -> int:
        """Conv state + temporal state elements on one rank."""
        return sum(self._parts(tp))

    def state_bytes(self, tp: int, kv_elem_bytes: int = 2) -> int:
        """State of one sequence on one rank: conv state in the model dtype, temporal state in
        `ssm_elem_bytes` where set (not the KV dtype).

        NOTE: vLLM MambaSpec.page_size_bytes = sum(prod(shape) x dtype_size) over the
        (conv, temporal) shapes and dtypes; mamba_utils.py MambaStateDtypeCalculator.
        _mamba_state_dtype (mamba2_state_dtype and gated_delta_net_state_dtype, 0.10.2-0.34.0
        wheels): conv dtype = mamba_cache_dtype (auto: the model dtype), temporal dtype =
        mamba_ssm_cache_dtype, or the conv dtype where that is auto. Neither follows
        --kv-cache-dtype.
        """
        conv, temporal = self._parts(tp)
        return conv * self.state_elem_bytes + temporal * (
            self.ssm_elem_bytes or self.state_elem_bytes)

    def page_bytes(self, block_size: int, kv_elem_bytes: int, tp: int) -> int:
        """One page holds one whole state, whatever the block size."""
        return self.state_bytes(tp)

    def max_memory_usage_bytes(
        self,
        max_model_len: int,
        block_size: int,
        kv_elem_bytes: int,
        tp: int,
        max_num_batched_tokens: int,
    ) -> int:
        """One state page per request (mamba_cache_mode 'none', no speculative decoding)."""
        return self.state_bytes(tp)


class GatedDeltaNetKv(RecurrentStateKv):
    """A Gated DeltaNet layer (Qwen3-Next, Qwen3.5): conv state + delta-rule state."""

    kind: Literal["linear"] = "linear"
    num_key_heads: int
    num_value_heads: int
    key_head_dim: int
    value_head_dim: int
    conv_kernel_dim: int

    def _parts(self, tp: int) -> tuple[int, int]:
        """(conv, temporal) state elements on one rank.

        NOTE: vLLM mamba_utils.py MambaStateShapeCalculator.gated_delta_net_state_shape:
        conv_dim = key_dim x key_heads x 2 + value_dim x value_heads;
        conv = conv_dim / tp x (kernel - 1 + num_spec);
        temporal = value_heads / tp x v_dim x k_dim.
        Qwen3-Next-80B-A3B at TP=1: conv_dim = 128 x 16 x 2 + 128 x 32 = 8,192;
        8,192 x 3 + 32 x 128 x 128 = 24,576 + 524,288 = 548,864 elements
        (x 2 B = 1,097,728 B per layer per sequence). The temporal state's dtype
        (ssm_elem_bytes): Qwen3_5ForConditionalGenerationConfig sets mamba_ssm_cache_dtype
        from the config's mamba_ssm_dtype (float32 for Qwen3.5/3.6; vllm_versions.
        CONFIG_SSM_DTYPE_FROM). Qwen3.5-27B at TP=2: conv (128 x 16 x 2 + 128 x 48) / 2 x 3 =
        15,360 x 2 B; temporal 24 x 128 x 128 = 393,216 x 4 B -> 30,720 + 1,572,864 =
        1,603,584 B per layer per sequence.
        """
        conv_dim = (
            self.key_head_dim * self.num_key_heads * 2 + self.value_head_dim * self.num_value_heads
        )
        conv = conv_dim // tp * (self.conv_kernel_dim - 1 + self.spec_tokens)
        return conv, self.num_value_heads // tp * self.value_head_dim * self.key_head_dim

    def formula(self, kv_elem_bytes: int, tp: int) -> str:
        """Fixed state per sequence with the numbers filled in."""
        conv_dim = (
            self.key_head_dim * self.num_key_heads * 2 + self.value_head_dim * self.num_value_heads
        )
        return (
            f"{conv_dim} / {tp} x {self.conv_kernel_dim - 1 + self.spec_tokens} conv x "
            f"{self.state_elem_bytes} B + {self.num_value_heads} / {tp} x {self.value_head_dim}"
            f" x {self.key_head_dim} state x {self.ssm_elem_bytes or self.state_elem_bytes} B = "
            f"{self.state_bytes(tp):,} B per sequence"
        )
