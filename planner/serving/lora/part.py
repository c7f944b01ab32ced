"""One wrapped module's LoRA slots in a decoder layer (or the vision tower) on one TP rank, and
what a step moves through its kernels: planner.serving.lora's slots, moe, deepseek_mla and
tower build them; planner.serving.speed.lora_cost reads them (part_sums)."""

from collections.abc import Iterable
from typing import NamedTuple


class LayerPart(NamedTuple):
    """A module's name, its slots' elements ((A + B) x max_loras, x `wraps`), the activation
    elements one token moves through its kernels (the shrink reads the input once per A slice,
    the expand reads and writes the output: lora/ops/triton_ops lora_shrink_op.py,
    lora_expand_op.py; for routed experts per (token, expert) pair), the routed experts on the
    rank whose slots these are (0: not routed; read per touched expert), the wrappers the slots
    are counted over (`wraps`: a module met again through an alias is wrapped again, but the
    forward calls one of them), whether its LoRA never runs in a text step (`idle`) and whether
    it runs in prefill only (`prefill_only`: MLA's kv_b_proj, deepseek_mla.mla_parts)."""

    name: str
    elements: int
    token_elements: int
    experts: int = 0
    wraps: int = 1
    idle: bool = False
    prefill_only: bool = False


class LoraPart(NamedTuple):
    """One module kind's slots on a GPU: its name, elements per layer, layers, and what a step
    moves through its LoRA kernels (part.LayerPart's token_elements, experts, wraps, idle
    and prefill_only; planner.serving.speed.lora_cost reads them), with `lookup`: the elements
    of its slots a step reads per token rather than whole (the embedding's A rows)."""

    name: str
    elements: int
    count: int
    token_elements: int = 0
    lookup: int = 0
    experts: int = 0
    wraps: int = 1
    idle: bool = False
    prefill_only: bool = False


Sums = tuple[int, int, int, int, int, int, int, int, int, int, int]
"""What a step's LoRA kernels read and multiply of some parts, all max_loras slots (the speed
model's lora_cost.LoraStage divides by max_loras): (read whole, routed experts, token
activations, token FLOP elements, lm_head activations, lm_head FLOP elements, prefill-only read
whole, token activations and token FLOP elements, pair activations, pair FLOP elements)."""

NO_SUMS: Sums = (0,) * 11  # type: ignore[assignment]


def part_sums(parts: Iterable[LoraPart]) -> Sums:
    """The Sums of `parts` that run in the forward (not idle), each module's one called wrapper
    (LoraPart.wraps): the embedding's looked-up A rows not read whole, the lm_head's by logit
    row, the prefill-only modules' apart, the routed experts' by touched expert and (token,
    expert) pair."""
    sums = list(NO_SUMS)
    for p in parts:
        if p.idle:
            continue
        whole = (p.elements // p.wraps - p.lookup) * p.count  # one wrapper runs
        if p.experts:
            parts_sums = (0, p.elements * p.count, 0, 0, 0, 0, 0, 0, 0,
                          p.token_elements * p.count, p.elements // p.experts * p.count)
        elif p.name == "lm_head":
            parts_sums = (whole, 0, 0, 0, p.token_elements, p.elements, 0, 0, 0, 0, 0)
        elif p.prefill_only:
            parts_sums = (0, 0, 0, 0, 0, 0, whole, p.token_elements * p.count, whole, 0, 0)
        else:
            parts_sums = (whole, 0, p.token_elements * p.count, whole, 0, 0, 0, 0, 0, 0, 0)
        sums = [a + b for a, b in zip(sums, parts_sums, strict=True)]
    return tuple(sums)  # type: ignore[return-value]
