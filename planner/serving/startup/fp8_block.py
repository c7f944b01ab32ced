"""vLLM's refusal of block-FP8 weights (Fp8Config weight_block_size, e.g. 128 x 128) whose
tensor-parallel shard is not a whole number of blocks: Fp8LinearMethod.create_weights and
Fp8MoEMethod.create_weights raise ValueError while the model is built
(vllm_versions.FP8_BLOCK_MERGED_EXEMPT_FROM, FP8_MOE_BLOCK_REFINED_FROM)."""

from math import gcd
from typing import NamedTuple

from planner.model.config.quant import W4AFP8_SCHEME
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.layout import ParallelLayout, quantized_component
from planner.serving.startup.wna16_shapes import GDN_TYPES, NarrowLinear, dense_linears
from planner.serving.vllm_versions import (
    FP8_BLOCK_MERGED_EXEMPT_FROM,
    FP8_BLOCK_MERGED_LAST_FREE_FROM,
    FP8_MOE_BLOCK_PADDED_FROM,
    FP8_MOE_BLOCK_REFINED_FROM,
    Version,
    version_label,
)

FP8_BLOCK_KEYS = ("fp8-block128", W4AFP8_SCHEME)
"""The schemes whose linear layers vLLM loads with Fp8Config's block-FP8 Fp8LinearMethod
(W4AFP8Config's linears are Fp8Config's); only fp8-block128's routed experts take
Fp8MoEMethod. fp8-block128-fp4experts (DeepSeek-V4, its own model classes) is not checked."""

REFINED_BLOCK_MIN = 32
"""refine_fp8_moe_block_shape's smallest refined block (`if refine < 32: return None`)."""

GDN_LINEARS = ("in_proj_qkvz", "in_proj_ba", "out_proj")
"""Gated DeltaNet's linears (qwen3_next.py / qwen3_5.py), not checked: vLLM builds them as
different classes by release (one ColumnParallelLinear, merged ones), not read here."""

ADAPTING_RELEASES = (FP8_BLOCK_MERGED_EXEMPT_FROM, FP8_MOE_BLOCK_REFINED_FROM,
                     FP8_MOE_BLOCK_PADDED_FROM)


class _Miss(NamedTuple):
    """The first layer vLLM refuses: its name, vLLM's words and the shard they name."""

    layer: str
    words: str
    where: str


def _block(spec: ModelSpec, scheme: QuantScheme) -> tuple[int, int] | None:
    """(block_n, block_k) of a block-FP8 scheme: the checkpoint's weight_block_size where it
    is planned as stored (None for a w4afp8 one with per-tensor linears), 128 x 128 for a
    what-if target; None for any other scheme."""
    if scheme.key not in FP8_BLOCK_KEYS:
        return None
    if stored_format(spec, scheme):
        return spec.quant.block_size
    return 128, 128


def _linear_miss(layer: NarrowLinear, block: tuple[int, int], version: Version) -> str | None:
    """Fp8LinearMethod's ValueError for one linear layer as a TP rank builds it (None where
    it loads): FP8_BLOCK_MERGED_EXEMPT_FROM's NOTE."""
    block_n, block_k = block
    merged = len(layer.parts) > 1
    if merged and version >= FP8_BLOCK_MERGED_EXEMPT_FROM \
            and any(part % block_n for part in layer.parts):
        return None  # allow_fp8_block_shape_mismatch
    if layer.split_input and layer.in_size % block_k:
        return (f"Weight input_size_per_partition = {layer.in_size} is not divisible by "
                f"weight quantization block_k = {block_k}.")
    if not (layer.split_output or merged):
        return None
    if not layer.split_output and version < FP8_BLOCK_MERGED_LAST_FREE_FROM \
            and layer.name == "fused_qkv_a_proj":
        return None  # two ReplicatedLinear layers before 0.10.0: q_a_proj, kv_a_proj_with_mqa
    checked = layer.parts if layer.split_output or version < FP8_BLOCK_MERGED_LAST_FREE_FROM \
        else layer.parts[:-1]
    bad = next((part for part in checked if part % block_n), None)
    return None if bad is None else (f"Weight output_partition_size = {bad} is not divisible "
                                     f"by weight quantization block_n = {block_n}.")


def _experts_adapted(mlp: MoeMlp, hidden: int, width: int, block: tuple[int, int],
                     layout: ParallelLayout, version: Version, moe_backend: str | None) -> bool:
    """Whether the release refines the block scales to the shard (from
    FP8_MOE_BLOCK_REFINED_FROM) or, with an explicit --moe-backend, pads the shard to whole
    blocks (from FP8_MOE_BLOCK_PADDED_FROM)."""
    block_n, block_k = block
    if version >= FP8_MOE_BLOCK_REFINED_FROM \
            and gcd(block_n, block_k, width, hidden) >= REFINED_BLOCK_MIN:
        return True
    return (version >= FP8_MOE_BLOCK_PADDED_FROM and moe_backend not in (None, "auto")
            and block_n == block_k and layout.expert_tp > 1 and not layout.ep
            and not mlp.bias and mlp.expert_intermediate_size % block_n == 0
            and hidden % block_n == 0)


def _experts_miss(spec: ModelSpec, block: tuple[int, int], layout: ParallelLayout,
                  version: Version, moe_backend: str | None) -> _Miss | None:
    """Fp8MoEMethod's ValueError for the routed experts (None where they load):
    FP8_MOE_BLOCK_REFINED_FROM's NOTE."""
    block_n, block_k = block
    for mlp in dict.fromkeys(layer.mlp for layer in spec.layers
                             if isinstance(layer.mlp, MoeMlp)):
        width = mlp.expert_intermediate_size // layout.expert_tp
        hidden = mlp.latent_size or spec.hidden_size
        if width % block_n == 0 and (layout.tp == 1 or width % block_k == 0) \
                or _experts_adapted(mlp, hidden, width, block, layout, version, moe_backend):
            continue
        words = (f"The output_size of gate's and up's weight = {width} is not divisible by "
                 f"weight quantization block_n = {block_n}." if width % block_n else
                 f"The input_size of down's weight = {width} is not divisible by weight "
                 f"quantization block_k = {block_k}.")
        split = (f"{mlp.expert_intermediate_size} / {layout.expert_tp}"
                 + (" (TP x DP without EP)" if layout.dp > 1 else "") + f" = {width}"
                 if layout.expert_tp > 1 else f"{width}")
        return _Miss("the routed experts (Fp8MoEMethod.create_weights)", words,
                     f"each expert is {split} wide per GPU")
    return None


def _first_miss(spec: ModelSpec, block: tuple[int, int], quantized: frozenset[str],
                layout: ParallelLayout, version: Version, moe_backend: str | None
                ) -> _Miss | None:
    """The first block-FP8 layer vLLM `version` refuses on `layout` (None where all load):
    the dense linears of the `quantized` components in the order dense_linears lists them
    (Gated DeltaNet's are not checked: GDN_LINEARS), then the routed experts where
    "experts" is among them."""
    for layer in dense_linears(spec, layout.tp, False):
        if layer.component not in quantized \
                or (spec.model_type in GDN_TYPES and layer.name in GDN_LINEARS):
            continue
        words = _linear_miss(layer, block, version)
        if words:
            shard = (f"{layer.in_size * layout.tp} / {layout.tp} = {layer.in_size} inputs per "
                     "GPU" if words.startswith("Weight input") else
                     "output shards " + " + ".join(map(str, layer.parts)) + " per GPU")
            return _Miss(f"{layer.name} (Fp8LinearMethod.create_weights)", words,
                         f"{layer.name} takes {shard}")
    return _experts_miss(spec, block, layout, version, moe_backend) \
        if "experts" in quantized else None


def fp8_block_refusal(spec: ModelSpec, scheme: QuantScheme, layout: ParallelLayout,
                      version: Version, moe_backend: str | None) -> str | None:
    """vLLM's refusal, in one line, of block-FP8 weights whose shard on `layout` is not a
    whole number of blocks (None where they load), with what runs it: --enable-expert-parallel
    (routed experts whole), the largest smaller TP dividing this one, or the first release
    that adapts (ADAPTING_RELEASES). Asked only where the release has its own class for the
    model (layout_facts), whose layers these are: MiMo-V2-Flash's qkv_proj (QKVParallelLinear
    with v_head_size, mimo_v2_flash.py, from 0.14.0; the 0.11.0-0.13.0 wheels have neither and
    run it on the Transformers backend, not modelled). E.g. Qwen3-32B-FP8 at TP=16: down_proj
    takes 25600 / 16 = 1600 inputs per GPU, 1600 % 128 = 64; TP=8 (3200 = 25 x 128) runs it."""
    block = _block(spec, scheme)
    if block is None:
        return None
    quantized = frozenset(
        part for part in ("attention", "dense_mlp", "shared_experts", "experts")
        if quantized_component(spec, scheme, part)
        and (part != "experts" or scheme.key == "fp8-block128"))
    miss = _first_miss(spec, block, quantized, layout, version, moe_backend)
    if miss is None:
        return None

    def runs(lay: ParallelLayout, release: Version = version) -> bool:
        return _first_miss(spec, block, quantized, lay, release, moe_backend) is None

    fixes = []
    if miss.layer.startswith("the routed experts") and not layout.ep \
            and runs(layout.model_copy(update={"ep": True})):
        fixes.append("--enable-expert-parallel (each GPU holds whole experts)")
    smaller = next((tp for tp in range(layout.tp - 1, 0, -1) if layout.tp % tp == 0
                    and runs(layout.model_copy(update={"tp": tp}))), None)
    if smaller:
        fixes.append(f"TP={smaller}")
    release = next((r for r in ADAPTING_RELEASES if version < r and runs(layout, r)), None)
    if release:
        fixes.append(f"vLLM {version_label(release)} or later")
    fix = ("; use " + " or ".join(fixes)) if fixes else ""
    return (f"vLLM {version_label(version)} stops building {miss.layer} at {layout.label()}: "
            f"{miss.words.rstrip('.')} ({miss.where}; the checkpoint's FP8 weight blocks are "
            f"{block[0]} x {block[1]}){fix}.")

