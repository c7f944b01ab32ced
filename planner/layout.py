"""Parallel layouts (TP, PP, DP, EP) and the checks vLLM makes before it will start one.

vLLM splits attention heads and MLP columns across the TP ranks of a stage, splits the
decoder layers across PP stages (embeddings on the first stage, lm_head on the last),
runs DP replicas side by side, and with `--enable-expert-parallel` places whole routed
experts on the tp x dp ranks instead of slicing every expert by TP.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from planner.model_spec import (
    AttentionMixer,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)

if TYPE_CHECKING:  # planner.hardware is only needed for the type of `cluster`
    from planner.hardware import ClusterSpec


class ParallelLayout(BaseModel):
    """How one model is spread over GPUs: tensor, pipeline, data parallel and expert parallel."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tp: int = Field(default=1, ge=1, description="--tensor-parallel-size")
    pp: int = Field(default=1, ge=1, description="--pipeline-parallel-size")
    dp: int = Field(default=1, ge=1, description="--data-parallel-size (replicas)")
    ep: bool = Field(default=False, description="--enable-expert-parallel (EP size = tp x dp)")

    @property
    def gpus(self) -> int:
        """GPUs the layout occupies: tp x pp x dp."""
        return self.tp * self.pp * self.dp

    @property
    def ep_size(self) -> int:
        """Ranks the routed experts are spread over: tp x dp with EP, else 1 (sliced by TP)."""
        return self.tp * self.dp if self.ep else 1

    def label(self) -> str:
        """Short display form, e.g. 'TP=8', 'TP=4 x PP=2', 'TP=2 x DP=4 + EP'."""
        parts = [f"TP={self.tp}"]
        if self.pp > 1:
            parts.append(f"PP={self.pp}")
        if self.dp > 1:
            parts.append(f"DP={self.dp}")
        return " x ".join(parts) + (" + EP" if self.ep else "")


@lru_cache(maxsize=1024)
def pp_layer_split(num_layers: int, pp: int) -> tuple[range, ...]:
    """Decoder layers of each PP stage, as vLLM's `get_pp_indices` assigns them.

    NOTE: vLLM (model_executor/models/utils.py get_pp_indices, no VLLM_PP_LAYER_PARTITION)
    gives every stage num_layers // pp layers, then adds one of the remaining layers to
    each stage counted backwards from the second-to-last (`partitions[-i] += 1` for
    i in 2..remainder+1), so the last stage, which also holds lm_head, stays light.
    Example: 94 layers, PP=4 -> 23 each + 2 left over -> [23, 24, 24, 23];
    61 layers, PP=4 -> [15, 15, 16, 15].
    """
    if pp < 1 or num_layers < pp:
        raise ValueError(f"cannot split {num_layers} layers over {pp} pipeline stages")
    sizes = [num_layers // pp] * pp
    for i in range(2, num_layers % pp + 2):
        sizes[-i] += 1
    stages, start = [], 0
    for size in sizes:
        stages.append(range(start, start + size))
        start += size
    return tuple(stages)


def _head_errors(mixer: object, tp: int) -> list[str]:
    """Head-count divisibility checks of one token mixer at this TP (vLLM's own wording)."""
    errors: list[str] = []
    if isinstance(mixer, AttentionMixer | MlaMixer) and mixer.num_heads % tp:
        # vLLM ModelConfig.verify_with_parallel_config
        errors.append(
            f"Total number of attention heads ({mixer.num_heads}) must be divisible by "
            f"tensor parallel size ({tp})."
        )
    if isinstance(mixer, AttentionMixer):
        kv = mixer.num_kv_heads
        # NOTE: QKVParallelLinear: kv heads are split when tp <= kv, replicated tp // kv
        # times when tp > kv; either way one must divide the other (vllm linear.py divide()).
        if (kv >= tp and kv % tp) or (kv < tp and tp % kv):
            errors.append(
                f"{kv} KV heads cannot be split or replicated evenly over tensor parallel "
                f"size {tp} (one must divide the other)."
            )
    if isinstance(mixer, LinearAttentionMixer) and (
        mixer.num_key_heads % tp or mixer.num_value_heads % tp
    ):
        errors.append(
            f"Linear-attention heads ({mixer.num_key_heads} key, {mixer.num_value_heads} "
            f"value) must be divisible by tensor parallel size ({tp})."
        )
    if isinstance(mixer, MambaMixer) and mixer.num_heads % tp:
        errors.append(
            f"Mamba heads ({mixer.num_heads}) must be divisible by tensor parallel size ({tp})."
        )
    return errors


_SPEC_CACHE: dict[tuple, tuple[ModelSpec, object]] = {}


def _per_spec(spec: ModelSpec, key: tuple, compute):
    """Per-spec facts cached by identity (a sweep checks dozens of layouts of one spec)."""
    hit = _SPEC_CACHE.get((id(spec), *key))
    if hit is not None and hit[0] is spec:
        return hit[1]
    if len(_SPEC_CACHE) > 1024:
        _SPEC_CACHE.clear()
    value = compute()
    _SPEC_CACHE[(id(spec), *key)] = (spec, value)
    return value


def _spec_head_errors(spec: ModelSpec, tp: int) -> list[str]:
    """Distinct head-count errors over all layers at this TP, in layer order."""

    def compute() -> tuple[str, ...]:
        messages = (m for layer in spec.layers for m in _head_errors(layer.mixer, tp))
        return tuple(dict.fromkeys(messages))

    return list(_per_spec(spec, ("heads", tp), compute))


def _first_moe(spec: ModelSpec) -> MoeMlp | None:
    """The first routed-expert MLP of the model (None for dense models)."""
    return _per_spec(spec, ("moe",), lambda: next(
        (layer.mlp for layer in spec.layers if isinstance(layer.mlp, MoeMlp)), None))


def layout_errors(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout) -> list[str]:
    """Reasons this layout cannot run this model on this cluster (empty when it can)."""
    errors: list[str] = []
    if layout.gpus > cluster.gpu_count:
        errors.append(
            f"The layout {layout.label()} needs {layout.gpus} GPUs (tp x pp x dp) but the "
            f"cluster has {cluster.gpu_count}."
        )
    if layout.pp > spec.num_layers:
        errors.append(
            f"Pipeline parallel size {layout.pp} exceeds the model's {spec.num_layers} layers."
        )
    errors += _spec_head_errors(spec, layout.tp)
    moe = _first_moe(spec)
    if layout.ep and moe is None:
        errors.append("--enable-expert-parallel was set but the model has no routed experts.")
    if moe is not None and layout.ep and moe.num_experts % layout.ep_size:
        errors.append(
            f"{moe.num_experts} routed experts are not divisible by the expert-parallel size "
            f"{layout.ep_size} (tp x dp)."
        )
    if moe is not None and not layout.ep and moe.expert_intermediate_size % layout.tp:
        # vLLM FusedMoE: intermediate_size_per_partition = divide(intermediate_size, tp_size)
        errors.append(
            f"The expert intermediate size ({moe.expert_intermediate_size}) is not divisible "
            f"by tensor parallel size ({layout.tp}); try --enable-expert-parallel."
        )
    return errors
