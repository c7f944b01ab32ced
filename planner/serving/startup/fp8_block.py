"""vLLM's refusal of block-FP8 weights (Fp8Config weight_block_size, e.g. 128 x 128) whose
tensor-parallel shard is not a whole number of blocks: Fp8LinearMethod.create_weights and
Fp8MoEMethod.create_weights raise ValueError while the model is built
(vllm_versions.FP8_BLOCK_MERGED_EXEMPT_FROM, FP8_MOE_BLOCK_REFINED_FROM), Gated DeltaNet's
linears as each release builds them (GDN_BA_PAIR_FROM)."""

from math import gcd
from typing import NamedTuple

from planner.model.config.quant import W4AFP8_SCHEME
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import LinearAttentionMixer, ModelSpec, MoeMlp
from planner.serving.layout import ParallelLayout, quantized_component
from planner.serving.startup.weight_load import GDN_SPLIT_BA_TYPES
from planner.serving.startup.wna16_shapes import GDN_TYPES, NarrowLinear, dense_linears
from planner.serving.vllm_versions import (
    FP8_BLOCK_MERGED_EXEMPT_FROM,
    FP8_BLOCK_MERGED_LAST_FREE_FROM,
    FP8_MOE_BLOCK_PADDED_FROM,
    FP8_MOE_BLOCK_REFINED_FROM,
    GDN_BA_ONE_SHARD_FROM,
    GDN_BA_PAIR_FROM,
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
"""Gated DeltaNet's quantized linears (conv1d is built without the quant_config), which
dense_linears lists as 0.21.0 builds them for a Marlin check; here as each release builds them
(_gdn_linears)."""

GDN_MODULE_WORDS = {"in_proj_qkvz": ("in_proj_qkv", "in_proj_z"),
                    "in_proj_ba": ("in_proj_b", "in_proj_a"),
                    "out_proj": ("linear_attn.out_proj",)}
"""What a checkpoint's exclusion list names each Gated DeltaNet linear by: itself or, for
Qwen3.5, the shards vLLM merges into it (qwen3_5.py packed_modules_mapping: in_proj_qkvz <-
in_proj_qkv / in_proj_z, in_proj_ba <- in_proj_b / in_proj_a)."""

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


def _gdn_kept(spec: ModelSpec, scheme: QuantScheme) -> frozenset[str]:
    """The Gated DeltaNet linears (GDN_LINEARS) the checkpoint keeps 16-bit: those its exclusion
    list names in any layer (GDN_MODULE_WORDS), as stored. A what-if target keeps in_proj_ba,
    as vLLM's comment on it says of the block-FP8 checkpoints it loads ("ba_proj doesn't support
    blockwise fp8 quantization.", GDN_BA_PAIR_FROM's NOTE): Qwen3-Next-80B-A3B-Instruct-FP8's
    list names one of in_proj_qkvz / in_proj_ba and not the other (vLLM issue #25378's 0.10.2
    refusal). One kept in some layers only is taken as kept: never a refusal vLLM may not
    raise."""
    if not stored_format(spec, scheme):
        return frozenset({"in_proj_ba"})
    return frozenset(linear for linear, words in GDN_MODULE_WORDS.items()
                     if any(word in name for name in spec.quant.excluded_modules
                            for word in words))


def _gdn_linears(spec: ModelSpec, tp: int, version: Version) -> list[NarrowLinear]:
    """Gated DeltaNet's in_proj_qkvz, in_proj_ba and out_proj as vLLM `version` (0.11.0 or
    later) builds them on one TP rank (GDN_BA_PAIR_FROM's NOTE): one output shard each up to
    0.16.0; from 0.17.0 Qwen3.5's in_proj_qkvz in four (q, k, v, z) and in_proj_ba in two (b, a),
    as Qwen3-Next's in_proj_ba in 0.17.0 only. E.g. Qwen3-Next (16 key heads, 32 value heads, all
    128 wide) at TP=2: in_proj_qkvz (2 x 2048 + 2 x 4096) / 2 = 6144, in_proj_ba 64 / 2 = 32."""
    mixer = next(layer.mixer for layer in spec.layers
                 if isinstance(layer.mixer, LinearAttentionMixer))
    keys = mixer.num_key_heads * mixer.key_head_dim
    values = mixer.num_value_heads * mixer.value_head_dim
    heads = mixer.num_value_heads
    flat = spec.model_type in GDN_SPLIT_BA_TYPES  # Qwen3.5, served from 0.17.0
    pair = flat or GDN_BA_PAIR_FROM <= version < GDN_BA_ONE_SHARD_FROM

    def column(name: str, outputs: tuple[int, ...]) -> NarrowLinear:
        parts = tuple(size // tp for size in outputs)
        return NarrowLinear("attention", name, sum(parts), spec.hidden_size, False, False,
                            parts, tp > 1)

    return [column("in_proj_qkvz", (keys, keys, values, values) if flat
                   else (2 * keys + 2 * values,)),
            column("in_proj_ba", (heads, heads) if pair else (2 * heads,)),
            NarrowLinear("attention", "out_proj", spec.hidden_size, values // tp, True, tp > 1,
                         (spec.hidden_size,), False)]


def _built_linears(spec: ModelSpec, tp: int, version: Version) -> list[NarrowLinear]:
    """dense_linears' layers in their order, Gated DeltaNet's as `version` builds them
    (_gdn_linears) in place of the ones dense_linears lists."""
    gdn = spec.model_type in GDN_TYPES
    built: list[NarrowLinear] = []
    for layer in dense_linears(spec, tp, False):
        if not gdn or layer.name not in GDN_LINEARS:
            built.append(layer)
        elif layer.name == GDN_LINEARS[0]:
            built.extend(_gdn_linears(spec, tp, version))
    return built


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
                kept: frozenset[str], layout: ParallelLayout, version: Version,
                moe_backend: str | None) -> _Miss | None:
    """The first block-FP8 layer vLLM `version` refuses on `layout` (None where all load):
    the dense linears of the `quantized` components in the order dense_linears lists them
    (Gated DeltaNet's as the release builds them, but those `kept` 16-bit: _built_linears),
    then the routed experts where "experts" is among them."""
    for layer in _built_linears(spec, layout.tp, version):
        if layer.component not in quantized or layer.name in kept:
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
    kept = _gdn_kept(spec, scheme) if spec.model_type in GDN_TYPES else frozenset()
    miss = _first_miss(spec, block, quantized, kept, layout, version, moe_backend)
    if miss is None:
        return None

    def runs(lay: ParallelLayout, release: Version = version) -> bool:
        return _first_miss(spec, block, quantized, kept, lay, release, moe_backend) is None

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

