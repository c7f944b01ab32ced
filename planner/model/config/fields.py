"""FieldLog: one FieldSource per architecture figure, per-layer figures folded into one entry.

The parser builds every layer on its own, so a figure such as the expert count is read once
per MoE layer. The log keeps each figure once and, when it holds for only some layers or
differs between them, says which layers in that one entry, e.g. DeepSeek-V3 experts:
"256 (layers 3-60); dense in layers 0-2".
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from planner.model.spec import FieldSource, LayerSpec
from planner.text import consecutive_runs, rank_runs

Part = Literal["model", "mixer", "mlp"]
"""What a figure describes: the whole model, a layer's token mixer, or a layer's MLP."""

MAX_VALUES = 4
"""Past this many distinct per-layer values (NAS models) the entry gives the range instead."""

MIXER_NAMES = {"full": "full attention", "sliding": "sliding window", "mla": "MLA",
                "linear": "linear attention", "mamba": "Mamba", None: "no token mixer"}  # fmt: skip
_MLP_NAMES = {"dense": "dense", "moe": "MoE", None: "no MLP"}


@dataclass
class _Figure:
    """One figure as read: (value, source) -> the layers it holds for (empty: model-wide)."""

    part: Part
    groups: dict[tuple[str, str], list[int]] = field(default_factory=dict)


class FieldLog:
    """Architecture figures in the order the parser first read them, each with its source."""

    def __init__(self) -> None:
        self._figures: dict[str, _Figure] = {}

    def add(
        self, label: str, value: str, source: str, layer: int | None = None, part: Part = "model"
    ) -> None:
        """Record a figure; with `layer`, the value holds for that layer only."""
        figure = self._figures.setdefault(label, _Figure(part))
        layers = figure.groups.setdefault((value, source), [])
        if layer is not None and layer not in layers:
            layers.append(layer)

    def sources(self, layers: Sequence[LayerSpec]) -> tuple[FieldSource, ...]:
        """One FieldSource per figure; per-layer figures say which layers hold which value."""
        out = []
        for label, figure in self._figures.items():
            if not any(figure.groups.values()):  # model-wide
                out += [FieldSource(field=label, value=v, source=s) for v, s in figure.groups]
                continue
            value = _layer_value(figure, layers)
            sources = dict.fromkeys(s for _, s in figure.groups)
            out.append(FieldSource(field=label, value=value, source="; ".join(sources)))
        return tuple(out)


def _kind(layer: LayerSpec, part: Part) -> str:
    """The layer's mixer or MLP kind, in words."""
    if part == "mlp":
        return _MLP_NAMES[layer.mlp.kind if layer.mlp else None]
    return MIXER_NAMES[layer.mixer.kind if layer.mixer else None]


def _layer_value(figure: _Figure, layers: Sequence[LayerSpec]) -> str:
    """'256' when one value holds everywhere, else each value with its layers and the rest."""
    values: dict[str, list[int]] = {}
    for (value, _), idx in figure.groups.items():
        values.setdefault(value, []).extend(idx)
    covered = {i for idx in values.values() for i in idx}
    if len(values) == 1 and len(covered) == len(layers):
        return next(iter(values))
    kinds: dict[str, list[int]] = {}
    for layer in layers:
        kinds.setdefault(_kind(layer, figure.part), []).append(layer.index)
    if len(values) > MAX_VALUES:
        parts = [_range(list(values), len(covered))]
    else:
        parts = [f"{v} ({_where(sorted(idx), kinds)})" for v, idx in values.items()]
    rest: dict[str, list[int]] = {}
    for layer in layers:
        if layer.index not in covered:
            rest.setdefault(_kind(layer, figure.part), []).append(layer.index)
    parts += [f"{name} in {_where(idx, {})}" for name, idx in rest.items()]
    return "; ".join(parts)


def _range(values: list[str], n_layers: int) -> str:
    """'varies per layer: 7 values from 5376 to 28672 over 80 layers'."""
    numeric = all(v.lstrip("-").isdigit() for v in values)
    ordered = sorted(values, key=int) if numeric else values
    return (
        f"varies per layer: {len(values)} values from {ordered[0]} to {ordered[-1]} "
        f"over {n_layers} layers"
    )


def _where(idx: list[int], kinds: dict[str, list[int]]) -> str:
    """Layers in few words: 'layers 3-60', 'layers 5, 11, ..., 59', 'sliding window layers'.

    NOTE: up to three runs are listed ('layers 0-2, 4'); then an arithmetic progression
    (Gemma 3 global layers: 5, 11, ..., 59); then a whole layer kind ('sliding window
    layers'); else a count ('36 layers').
    """
    if len(consecutive_runs(idx)) <= 3:
        word = "layer" if len(idx) == 1 else "layers"
        return f"{word} {rank_runs(idx, '')}"
    step = idx[1] - idx[0]
    if all(b - a == step for a, b in zip(idx, idx[1:], strict=False)):
        return f"layers {idx[0]}, {idx[1]}, ..., {idx[-1]}"
    for name, members in kinds.items():
        if members == idx:
            return f"{name} layers"
    return f"{len(idx)} layers"
