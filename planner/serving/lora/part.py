"""One wrapped module's LoRA slots in a decoder layer (or the vision tower) on one TP rank, and
what a step moves through its kernels: planner.serving.lora's slots, moe, deepseek_mla and
tower build them; planner.serving.speed.lora_cost reads them."""

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

