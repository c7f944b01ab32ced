"""Mamba2 selective state-space layers: a fixed conv + SSM state per sequence."""

from typing import Literal

from planner.model.attention.linear import RecurrentStateKv


def mamba_groups_total(n_groups: int, tp: int) -> int:
    """Mamba2 groups after vLLM replicates them to follow the head shards.

    NOTE: vLLM MambaStateShapeCalculator.extra_groups_for_head_shards: 0 if n_groups % tp == 0
    else tp - n_groups, so n_groups = 1 is replicated on every rank (MambaMixer2 asserts
    `n_groups % tp == 0 or n_groups == 1`). Nemotron-H n_groups 8 at TP=4 -> 8; Granite 4.0
    n_groups 1 at TP=2 -> 2 (0.9.2, 0.19.0, 0.34.0 layers/mamba/mamba_mixer2.py)."""
    return n_groups + (0 if n_groups % tp == 0 else tp - n_groups)


class Mamba2Kv(RecurrentStateKv):
    """A Mamba2 layer (Nemotron-H, Jamba, Granite 4; vLLM `MambaSpec`)."""

    kind: Literal["mamba"] = "mamba"
    num_heads: int
    head_dim: int
    state_size: int
    n_groups: int
    conv_kernel: int
    ssm_dtype_from: Literal["model", "config", "default"] = "model"
    """Where the SSM state's dtype comes from: "model", the model dtype (a class that reads none
    from its config: GraniteMoeHybrid); "config", config.json's mamba_ssm_cache_dtype
    (ssm_elem_bytes; Nemotron-H); "default", a Nemotron-H config without one, planned at the
    newest releases' float32 (the release's own, or the model dtype where the release reads
    neither for the top-level architecture: engine.stages.StateRules.nemotron_ssm_bytes)."""

    def groups_per_rank_total(self, tp: int) -> int:
        """Groups after vLLM replicates them to follow the head shards (mamba_groups_total)."""
        return mamba_groups_total(self.n_groups, tp)

    def _parts(self, tp: int) -> tuple[int, int]:
        """(conv, SSM) state elements on one rank.

        NOTE: vLLM MambaStateShapeCalculator.mamba2_state_shape: intermediate = heads x
        head_dim; conv = (intermediate + 2 x groups x d_state) / tp x (kernel - 1 + num_spec);
        ssm = heads / tp x head_dim x d_state. Nemotron-H-56B (catalog config: 256 heads x 64,
        8 groups, d_state 256, kernel 4) at TP=2: (16,384 + 4,096) / 2 x 3 + 256 / 2 x 64 x 256
        = 30,720 + 2,097,152 = 2,127,872 elements. The conv state is in the model dtype, the SSM
        state in mamba_ssm_cache_dtype (RecurrentStateKv.state_bytes): Nemotron-3-Nano (64
        heads x 64, 8 groups, d_state 128, bfloat16, mamba_ssm_cache_dtype float32) at TP=1:
        (4,096 + 2,048) x 3 = 18,432 x 2 B + 64 x 64 x 128 = 524,288 x 4 B = 36,864 +
        2,097,152 = 2,134,016 B.
        """
        intermediate = self.num_heads * self.head_dim
        conv_dim = intermediate + 2 * self.groups_per_rank_total(tp) * self.state_size
        conv = conv_dim // tp * (self.conv_kernel - 1 + self.spec_tokens)
        return conv, self.num_heads // tp * self.head_dim * self.state_size

    def formula(self, kv_elem_bytes: int, tp: int) -> str:
        """Fixed state per sequence with the numbers filled in."""
        conv, ssm = self._parts(tp)
        return (
            f"conv {conv:,} x {self.state_elem_bytes} B + ssm state ({self.num_heads} heads x "
            f"{self.head_dim} x {self.state_size} / {tp}) {ssm:,} x "
            f"{self.ssm_elem_bytes or self.state_elem_bytes} B = {self.state_bytes(tp):,} B "
            "per sequence"
        )
