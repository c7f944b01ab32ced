"""Parallel layouts (TP, PP, DP, EP) and the checks vLLM makes before it will start one.

vLLM splits attention heads and MLP columns across the TP ranks of a stage, splits the
decoder layers across PP stages (embeddings on the first stage, lm_head on the last),
runs DP replicas side by side, and with `--enable-expert-parallel` places whole routed
experts on the tp x dp ranks instead of slicing every expert by TP.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from planner.memo import IdentityMemo
from planner.model.config.quant import INC_METHODS, INC_UNKNOWN_NAMES
from planner.model.quant import (
    OCP_MX_GROUP_SIZE,
    QuantScheme,
    checkpoint_exclusions,
    model_keeps_16bit,
    stored_format,
)
from planner.model.spec import (
    AttentionMixer,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.eagle import EagleDraft, eagle_head_errors
from planner.serving.hardware import node_starts
from planner.serving.vllm_versions import (
    CT_WNA16_MOE_ACT_ORDER_FROM,
    CT_WNA16_MOE_ASYMMETRIC_FROM,
    CT_WNA16_MOE_GROUP_CHECK_FROM,
    CT_WNA16_MOE_READ_FROM,
    DEFAULT_VLLM_VERSION,
    DSV4_PP_FROM,
    HUMMING_FIRST_ON_HOPPER_FROM,
    MARLIN_MOE_ACT_ORDER_PADDING_FROM,
    MARLIN_MOE_TILE_PADDING_FROM,
    QUARK_MX_SHARED_REPLICATE_FROM,
    encoder_tp_data_taken,
    marlin_moe_pads,
    parse_version,
    version_label,
    vllm_rules,
)

if TYPE_CHECKING:  # planner.serving.hardware is only needed for the type of `cluster`
    from planner.serving.hardware import ClusterSpec


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
        """Ranks the routed experts are spread over: tp x dp with EP, else 1 (each expert
        sliced over tp x dp instead: expert_tp)."""
        return self.tp * self.dp if self.ep else 1

    @property
    def expert_tp(self) -> int:
        """Ranks each routed expert is sliced over: tp x dp without EP, 1 with EP.

        NOTE: vLLM FusedMoEParallelConfig.make (flatten_tp_across_dp in 0.9.1 layer.py and
        0.11.0 fused_moe/config.py, flatten_tp_across_dp_and_pcp in 0.25.1, 0.33.0, 0.34.0) gives
        the MoE layer a TP size of dp x tp when --enable-expert-parallel is off: "TP = 2,
        DP = 2, EP = False ... TP = {4, r} ... the tensors are sharded across 4 devices".
        Attention, dense MLPs and shared experts keep the plain TP group.
        """
        return 1 if self.ep else self.tp * self.dp

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
    if isinstance(mixer, MambaMixer) and mixer.n_groups % tp and mixer.n_groups != 1:
        # NOTE: mamba_mixer2.py MambaMixer2 (0.9.2, 0.19.0, 0.34.0 wheels) asserts
        # `(n_groups % self.tp_size) == 0 or n_groups == 1`; one group is replicated instead
        errors.append(
            f"Mamba groups ({mixer.n_groups}) must be divisible by tensor parallel size ({tp}) "
            "or be 1 (vLLM MambaMixer2)."
        )
    return errors


_SPEC_CACHE: IdentityMemo[object] = IdentityMemo(16384)
"""Room for every TP size's entries at 64 nodes x 64 GPUs (the Plan page checks each of the
4,096 sizes, ~3 entries apiece): at 1,024 the memo cleared itself again and again within one
rerun, and worked every layer's head counts out again for each size."""


def layout_key(layout: ParallelLayout) -> tuple[int, int, int, bool]:
    """A layout as a cache key part (hashing the pydantic model costs more than a plan step);
    the whole layout wherever the cached value names it (layout.label()): keyed by the expert
    TP alone, the Marlin MoE messages named the first layout of that expert TP checked (TP=1
    x PP=32 x DP=128 in the plan of TP=64 x PP=32 x DP=2 on 4,096 GPUs)."""
    return layout.tp, layout.pp, layout.dp, layout.ep


def _per_spec(spec: ModelSpec, key: tuple, compute, *args):
    """Per-spec facts cached by identity (a sweep checks dozens of layouts of one spec); on a
    miss, compute(*args)."""
    return _SPEC_CACHE.get(spec, key, compute, *args)


def spec_head_errors(spec: ModelSpec, tp: int) -> list[str]:
    """Distinct head-count errors over all layers at this TP, in layer order (layout_errors';
    the sweep skips a TP with any before listing its layouts)."""

    def compute() -> tuple[str, ...]:
        messages = (m for mixer in _distinct_mixers(spec) for m in _head_errors(mixer, tp))
        return tuple(dict.fromkeys(messages))

    return list(_per_spec(spec, ("heads", tp), compute))


def _distinct_mixers(spec: ModelSpec) -> tuple[object, ...]:
    """Each distinct token mixer of the spec once, in layer order: equal mixers give equal
    head errors, so spec_head_errors checks a few rather than every layer at each TP (the
    sweep over 4,096 GPUs asks it of 4,096 TPs: Llama 3.1 405B's 126 layers are one mixer)."""
    return _per_spec(spec, ("mixers",), lambda: tuple(dict.fromkeys(
        layer.mixer for layer in spec.layers)))


def straddling_tp_group(layout: ParallelLayout, gpus_per_node: int) -> tuple[int, int] | None:
    """(first rank, last rank) of the first TP group whose ranks lie on more than one node, None
    when every TP group sits in one node. vLLM numbers the ranks DP x PP x TP, TP innermost
    (parallel_state.initialize_model_parallel reshapes arange(world_size) to (-1, dp, pp, pcp,
    tp); 0.19.0, 0.34.0 wheels), so TP group k is ranks k x tp .. (k + 1) x tp - 1, and node n
    holds ranks n x gpus_per_node onward (v1/executor/multiproc_executor.py: global rank =
    local_world_size x node_rank_within_dp + local rank, 0.19.0): TP=2 x PP=5 on 2 nodes of 5
    puts ranks 4 and 5 of one group on nodes 0 and 1, though TP=2 is narrower than a node."""
    return _straddling(layout.tp, layout.gpus, gpus_per_node)


@lru_cache(maxsize=4096)
def _straddling(tp: int, gpus: int, g: int) -> tuple[int, int] | None:
    """straddling_tp_group of a layout of `gpus` GPUs at this TP on nodes of `g` (cached:
    every plan asks it, a Python step per TP group)."""
    return next(((k * tp, (k + 1) * tp - 1) for k in range(gpus // tp)
                 if k * tp // g != ((k + 1) * tp - 1) // g), None)


def uneven_node_errors(cluster: ClusterSpec, layout: ParallelLayout) -> list[str]:
    """Why a layout over nodes of different GPU counts is not placed as planned ([] where it
    is, or every node holds as many GPUs).

    NOTE: vLLM's --nnodes N starts world size / N ranks on every node, node R holding global ranks
    R x that onward on its GPUs 0, 1, ... (engine/arg_utils.py EngineArgs.create_engine_config:
    local_world_size = world_size // nnodes, the world size asserted divisible by nnodes in 0.19.0,
    a ValueError in 0.33.0 and 0.34.0; v1/executor/multiproc_executor.py
    MultiprocExecutor._init_executor: global_start_rank = local_world_size x node_rank_within_dp).
    Ranks placed node by node (ClusterSpec.rank_node) are that placement where every node reached
    but the last holds the first node's GPU count and the last at most as many (a layout filling
    whole nodes of one count gets one command per node, one ending short has none:
    launch.over_nodes, as on nodes of one count). Anything else --nnodes cannot start as planned (a
    node given more ranks than it has GPUs, or nodes holding different numbers), and Ray's order of
    the nodes after the head is its own (0.19.0 v1/executor/ray_executor.py
    sort_by_driver_then_worker_ip: fewest workers, then IP address; 0.33.0 and 0.34.0
    v1/executor/ray_utils.py get_bundles_sorted_by_node: Ray's node
    id), so such a layout is refused as one vLLM does not place as planned."""
    first, gpus = cluster.gpus_per_node, layout.gpus
    if node_starts(cluster) is None or gpus <= first or gpus > cluster.gpu_count:
        return []
    counts = [node.gpus_per_node for node in cluster.nodes]
    reached = -(-gpus // first)  # the nodes --nnodes' placement of `first` a node reaches
    last = gpus - (reached - 1) * first
    if reached <= len(counts) and all(c == first for c in counts[1:reached - 1]) and (
            counts[reached - 1] >= last):
        return []
    held, left = [], gpus  # the ranks each node holds, node by node
    for count in counts:
        if left:
            held.append(min(count, left))
            left -= held[-1]
    return [
        f"The layout {layout.label()} places its {gpus} ranks on nodes of "
        f"{', '.join(map(str, counts))} GPUs as {' + '.join(map(str, held))}: vLLM's --nnodes "
        f"starts the same number of ranks on every node (world size / nodes), so on nodes of "
        f"different GPU counts each node a layout reaches must hold node 0's {first}, the "
        f"last at most that."
    ]


def filled_gpus(cluster: ClusterSpec) -> int:
    """The most GPUs a layout fills node by node with node 0's count on each node it reaches
    (uneven_node_errors' rule): every GPU on nodes of one count; on 4 + 8 GPUs 8 (4 a node,
    as --nnodes 2 starts them), on 8 + 4, 8 (node 0). The data-parallel splits the sweep
    lists fill these (sweep.layout_candidates)."""
    first, nodes = cluster.gpus_per_node, 1
    if node_starts(cluster) is None:
        return cluster.gpu_count
    for node in cluster.nodes[1:]:
        if node.gpus_per_node < first:
            break
        nodes += 1
        if node.gpus_per_node > first:
            break
    return first * nodes


def first_moe(spec: ModelSpec) -> MoeMlp | None:
    """The first routed-expert MLP of the model (None for dense models)."""
    return _per_spec(spec, ("moe",), _find_moe, spec)


def _find_moe(spec: ModelSpec) -> MoeMlp | None:
    """Work out what first_moe caches (every speed estimate of a sweep asks)."""
    return next((layer.mlp for layer in spec.layers if isinstance(layer.mlp, MoeMlp)), None)


def group_size(scheme: QuantScheme | None) -> int | None:
    """The GPTQ/AWQ quantization group of a scheme ('w4a16-gptq-g128' -> 128); None when the
    format has no input-wise groups (float, fp8, per-channel 'gchannel', ...)."""
    if scheme is None or scheme.family not in ("gptq", "awq"):
        return None
    return _key_group(scheme.key)


def int_bits(scheme: QuantScheme) -> int:
    """The integer width of a weight-only int key ('w8a16-gptq-g128' -> 8; the w4a16 keys 4),
    as vLLM's WNA16 kernels and checks are asked it."""
    return 8 if scheme.key.startswith("w8") else 4


@lru_cache(maxsize=256)
def _key_group(key: str) -> int | None:
    """The group a GPTQ/AWQ scheme key ends with (-g<N>), read once per key: group_size runs
    for every layout and speed estimate of a sweep."""
    match = re.search(r"-g(\d+)$", key)
    return int(match.group(1)) if match else None


def quantized_component(spec: ModelSpec, scheme: QuantScheme, component: str) -> bool:
    """Whether this component is stored in the scheme (not left in 16-bit by it or by the
    checkpoint's exclusion list, when the checkpoint is planned as stored)."""
    if scheme.leaves_unquantized(component) or model_keeps_16bit(spec, component):
        return False
    return not checkpoint_exclusions(spec, scheme).excluded(None, component)


def inc_checkpoint(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether `scheme` plans an AutoRound checkpoint as stored (quant_method auto-round, inc or
    one of the older spellings vLLM refuses: autoround.inc_errors)."""
    return stored_format(spec, scheme) and spec.quant.method in INC_METHODS + INC_UNKNOWN_NAMES


def inc_packing_off_marlin(spec: ModelSpec, scheme: QuantScheme) -> str:
    """Why an AutoRound checkpoint's packing keeps vLLM's INC loader off Marlin on every GPU and
    layout ("" where it does not, or for another checkpoint).

    NOTE: INCConfig.apply_gptq_quant_layer / apply_awq_quant_layer (0.19.0-0.23.0),
    INCWNA16LinearScheme and the INC WNA16 MoE builders (0.24.0-0.33.0 wheels) ask
    check_marlin_supported for GPTQ packing's uint4b8 / uint8b128 when sym ((bits, sym) in
    {(4, True), (8, True)}, else no Marlin) and for AWQ packing's uint4 / uint8 with has_zp =
    not sym; marlin_utils.query_marlin_supported_quant_types lists uint4 only with zero points
    and uint4b8 / uint8b128 only without: AWQ packing runs on Marlin asymmetric in 4 bits
    only. Off Marlin, experts go to MoeWNA16Method (MoeWNA16Config.from_config); linear layers
    to AWQ's own method, which takes 4 bits only (autoround._inc_layer_errors)."""
    if not inc_checkpoint(spec, scheme):
        return ""
    quant = spec.quant
    # absent: true from 0.29, refused before; null: None, not symmetric (config.quant._inc_sym)
    symmetric = quant.symmetric is not False and not quant.sym_null
    if scheme.family == "gptq" and not symmetric:
        return ("Marlin takes GPTQ packing symmetric only (uint4b8, uint8b128)"
                + ("; sym is null, which vLLM reads as None" if quant.sym_null else ""))
    if scheme.family == "awq" and (symmetric or quant.weight_bits != 4):
        return "Marlin takes AWQ packing with zero points (sym false) in 4 bits only (uint4)"
    return ""


def _row_parallel_inputs(spec: ModelSpec, tp: int) -> list[tuple[str, str, int]]:
    """(component, layer name, input size per TP rank) of every dense row-parallel layer:
    o_proj (heads x head_dim / tp), down_proj (intermediate / tp), shared-expert down_proj."""
    inputs: dict[tuple[str, str, int], None] = {}
    for layer in spec.layers:
        mixer, mlp = layer.mixer, layer.mlp
        if isinstance(mixer, AttentionMixer):
            inputs[("attention", "o_proj", mixer.num_heads * mixer.v_head_dim // tp)] = None
        if isinstance(mixer, MlaMixer):
            inputs[("attention", "o_proj", mixer.num_heads * mixer.v_head_dim // tp)] = None
        if mlp is not None and mlp.kind == "dense":
            inputs[("dense_mlp", "down_proj", mlp.intermediate_size // tp)] = None
        if isinstance(mlp, MoeMlp) and mlp.num_shared_experts:
            width = mlp.num_shared_experts * mlp.shared_intermediate_size // tp
            inputs[("shared_experts", "shared_expert.down_proj", width)] = None
    return list(inputs)


def quant_alignment_errors(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme | None, vllm_version: str,
    vendor: str = "nvidia",
) -> list[str]:
    """GPTQ/AWQ layers whose per-rank input is not a whole number of quantization groups.

    NOTE: vLLM GPTQ/AWQ (Marlin) linear methods, create_weights: a row-parallel layer's
    input_size_per_partition must be divisible by group_size, else ValueError "The input size
    is not aligned with the quantized weight shape. This can be caused by too large tensor
    parallel size." E.g. a 4096-wide down_proj with group 128 at TP=8: 512 % 128 = 0 fits;
    TP=16 -> 256 fits; an 11,008-wide one at TP=4: 2,752 % 128 = 64 -> refused.
    `vllm_version` and the GPUs' `vendor` decide which MoE layers fall back to MoE WNA16
    (moe_wna16_fallback).
    """
    group = group_size(scheme)
    if group is None:
        return []
    return list(_per_spec(spec, ("align", layout.tp, scheme.memo_key), lambda: tuple(
        f"The input size is not aligned with the quantized weight shape: {name} takes "
        f"{size} inputs per GPU at tensor parallel size {layout.tp}, not a multiple of the "
        f"{scheme.label} group size {group} (vLLM refuses to load it; "
        f"{'use a smaller TP' if layout.tp > 1 else 'at TP=1 no layout narrows it'})."
        for component, name, size in _row_parallel_inputs(spec, layout.tp)
        if size % group and quantized_component(spec, scheme, component)
    ))) + list(_per_spec(spec, ("moe-wna16", *layout_key(layout), scheme.memo_key,
                                vllm_version, vendor), _moe_wna16_errors, spec, layout, scheme,
                         vllm_version, vendor))


def quark_mx_shared_misaligned(spec: ModelSpec, tp: int, scheme: QuantScheme | None,
                               vllm_version: str) -> str:
    """Why vLLM `vllm_version` cannot split this model's Quark OCP MX shared expert over `tp`
    ranks ("" where it can or does not ask): its width not divisible by tp, or a rank's share
    not a whole number of MX groups (vllm_versions.QUARK_MX_SHARED_REPLICATE_FROM). Under
    expert parallelism vLLM then holds it whole on every rank (plan.moe.load_on_layout);
    without, it refuses the layout (layout_errors).

    E.g. Qwen3-Next-80B-A3B (512 wide): TP=8 -> 64 = 2 groups of 32, split; TP=32 -> 16,
    not a whole group."""
    since = QUARK_MX_SHARED_REPLICATE_FROM.get(next(iter(spec.architectures), ""))
    moe = first_moe(spec)
    if (since is None or scheme is None or scheme.family != "ocp_mx" or moe is None
            or not moe.num_shared_experts
            or parse_version(vllm_version) < since
            or not quantized_component(spec, scheme, "shared_experts")):
        return ""
    width = moe.num_shared_experts * moe.shared_intermediate_size
    share, remainder = divmod(width, tp)
    if remainder:
        return f"Shared-expert intermediate size {width} must be divisible by " \
               f"tensor-parallel size {tp}."
    if share % OCP_MX_GROUP_SIZE:
        return ("The Quark OCP MX shared expert cannot be tensor-parallelized: intermediate "
                f"size {width} with TP size {tp} produces a partition of {share}, which is "
                f"not divisible by the OCP MX group size {OCP_MX_GROUP_SIZE}. Choose a "
                "compatible tensor-parallel size or enable expert parallelism.")
    return ""


def _narrower_experts(layout: ParallelLayout) -> str:
    """The layout changes that narrow routed experts sliced into partial groups, for a
    refusal's advice: a smaller TP (at TP > 1) or whole experts a GPU with EP; "" where the
    experts are not sliced (EP on, or TP x DP = 1) and the width is the checkpoint's own."""
    if layout.expert_tp == 1:
        return ""
    return " or ".join((["a smaller TP"] if layout.tp > 1 else []) + ["--enable-expert-parallel"])


MOE_WNA16_MIN_GROUP = 32


def _moe_wna16_errors(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme, vllm_version: str, vendor: str
) -> tuple[str, ...]:
    """GPTQ/AWQ experts that fall back from Marlin MoE (moe_wna16_fallback) to MoE WNA16
    at a per-GPU width no group of 32 or more divides.

    NOTE: vLLM moe_wna16.py MoeWNA16Method.create_weights (0.19.0, 0.30.0, 0.33.0 wheels) halves
    the group until it divides intermediate_size_per_partition and hidden_size, under
    `assert group_size >= 32`: Qwen3-30B-A3B (768-wide experts, hidden 2048) in groups of
    128 at TP=8 is 96 per GPU -> group 32 runs; at TP=16 it is 48 -> 128, 64, 32, 16: the
    assertion stops the load (an AssertionError with no message). GPTQ and AWQ checkpoints
    (and what-ifs, labelled GPTQ) fall back there (gptq_marlin.py / awq_marlin.py, auto_gptq.py
    / auto_awq.py from 0.30); a compressed-tensors one falls back to its own
    CompressedTensorsWNA16MoEMethod instead, which has no such assertion but refuses on its
    own terms (_ct_wna16_errors)."""
    experts = _wna16_fallback_experts(spec, layout, scheme, moe_wna16_fallback(
        spec, layout, scheme, vllm_version, vendor))
    if experts is None:
        return ()
    if _stored_ct(spec, scheme):
        return _ct_wna16_errors(spec, layout, scheme, vllm_version, vendor)
    per_partition, group = experts
    if _moe_wna16_group(per_partition, spec.hidden_size, group) is None:
        return (
            f"vLLM stops loading the {scheme.label} experts at `assert group_size >= "
            f"{MOE_WNA16_MIN_GROUP}` (moe_wna16.py MoeWNA16Method.create_weights): each "
            f"expert is {per_partition} wide per GPU at {layout.label()}, which "
            + ("sends it from Marlin MoE to MoE WNA16" if vendor == "nvidia" else
               "MoE WNA16 serves on ROCm (no Marlin MoE there)")
            + f", and no group of {MOE_WNA16_MIN_GROUP} or more "
            f"in {group}, {group // 2}, ... divides {per_partition} and hidden "
            f"{spec.hidden_size}"
            + (f"; use {ways}." if (ways := _narrower_experts(layout)) else "."),
        )
    return ()


def _wna16_fallback_experts(spec: ModelSpec, layout: ParallelLayout,
                            scheme: QuantScheme | None, fallback: bool) -> tuple[int, int] | None:
    """(per-GPU expert width, the checkpoint's group) of the grouped int experts this layout
    sends from Marlin MoE to the WNA16 fallback (`fallback`: moe_wna16_fallback, asked by the
    caller); None where Marlin MoE takes them, the format has no group or the model no MoE
    layer. Asked by _moe_wna16_errors (the load's refusals) and moe_wna16_load (the bits)."""
    group, moe = group_size(scheme), first_moe(spec)
    if group is None or group <= 0 or moe is None or not fallback:
        return None
    return moe.expert_intermediate_size // layout.expert_tp, group


def _stored_ct(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """A compressed-tensors checkpoint's own format (not a what-if): its fallback is
    CompressedTensorsWNA16MoEMethod, not MoeWNA16Method (_ct_wna16_errors)."""
    return spec.quant is not None and spec.quant.method == "compressed-tensors" \
        and not scheme.what_if


def _moe_wna16_group(per_partition: int, hidden: int, group: int) -> int | None:
    """The group MoeWNA16Method.create_weights holds the experts in: `group` halved until it
    divides the per-GPU expert width and the hidden size (its scales repeated to match,
    group_size_div_factor); None where it would go below MOE_WNA16_MIN_GROUP (its assertion).
    Qwen3-235B-A22B g128 at TP=8: 192 % 128 -> 64 (192 = 3 x 64, 4096 = 64 x 64)."""
    while per_partition % group or hidden % group:
        group //= 2
        if group < MOE_WNA16_MIN_GROUP:
            return None
    return group


def moe_wna16_load(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme | None, vllm_version: str,
    vendor: str = "nvidia",
) -> tuple[bool, float]:
    """(moe_wna16_fallback, the bits per routed-expert weight as MoE WNA16 holds them) of this
    layout, the fallback asked once: what the plan's weights (plan.moe.load_on_layout;
    weights.WeightLoadRules.wna16_expert_bits) and the speed model's context read. The bits are
    0.0 where Marlin MoE takes the GPTQ/AWQ experts, for a compressed-tensors checkpoint (its
    own CompressedTensorsWNA16MoEMethod, _ct_wna16_errors) and where the load stops
    (_moe_wna16_errors).

    NOTE: vLLM moe_wna16.py MoeWNA16Method.create_weights (0.17.0, 0.20.0, 0.24.0, 0.30.0,
    0.34.0 source): w13_qweight (E, 2 x width, hidden / (8 / bits)) and w2_qweight (E, hidden,
    width / (8 / bits)) uint8, w13_scales (E, 2 x width, hidden / group) and w2_scales (E,
    hidden, width / group) in the model dtype, at the halved group (_moe_wna16_group); the
    packed uint8 zero points (bits / group per weight) only where MoeWNA16Config.from_config's
    has_zp (GPTQ `not sym`, AWQ `zero_point`), else (0,) placeholders. From 0.27.0
    process_weights_after_loading's TRITON conversion (oracle/int_wna16.py
    convert_to_wna16_moe_kernel_format) views them as uint8, the same bytes. So bits + (16 +
    zero bits) / group, not the checkpoint's bits + (16 + zero bits) / its group: Qwen3-235B-A22B
    GPTQ-Int4 (sym, g128) at TP=8: 4 + 16 / 64 = 4.25 bits, not 4.15625 (128 x 3 x 4,096 x
    192 = 301,989,888 weights per layer per GPU: 160,432,128 B, not 156,893,184)."""
    fallback = moe_wna16_fallback(spec, layout, scheme, vllm_version, vendor)
    experts = _wna16_fallback_experts(spec, layout, scheme, fallback)
    if experts is None or _stored_ct(spec, scheme):
        return fallback, 0.0
    per_partition, group = experts
    held = _moe_wna16_group(per_partition, spec.hidden_size, group)
    if held is None:
        return fallback, 0.0
    bits = int_bits(scheme)
    return fallback, bits + (16 + (bits if _wna16_zero_points(spec, scheme) else 0)) / held


def _wna16_zero_points(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """MoeWNA16Config.from_config's has_zp (moe_wna16.py, 0.17.0-0.34.0): GPTQ `not sym`, AWQ
    `zero_point`; a what-if GPTQ format is taken as symmetric (as gptq_zeros_freed_bits takes
    it), a what-if AWQ one with zero points (AutoAWQ's GEMM format)."""
    stored = stored_format(spec, scheme)
    if scheme.family == "awq":
        return not (stored and spec.quant.symmetric is True)
    return stored and spec.quant.symmetric is False


def _ct_wna16_errors(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme, vllm_version: str, vendor: str
) -> tuple[str, ...]:
    """Why vLLM stops loading compressed-tensors WNA16 experts that fall back from Marlin MoE
    (moe_wna16_fallback) to CompressedTensorsWNA16MoEMethod, in its words; () where they
    load. Per release (vllm_versions CT_WNA16_MOE_*; none before CT_WNA16_MOE_READ_FROM):
    act-order checkpoints up to 0.26 (get_moe_method's ValueError), asymmetric ones (zero
    points: the planner's -gptq- key) up to 0.28 (an assertion), then from 0.24 a hidden size
    or per-GPU expert width that is not a whole number of groups (create_weights' ValueError).
    E.g. Qwen3-30B-A3B's 768-wide experts (hidden 2048) in groups of 128 at TP=8: 768 / 8 = 96,
    96 % 128 = 96 -> refused from 0.24.0; with --enable-expert-parallel 768 = 6 x 128 runs
    Marlin MoE. The message suggests what keeps Marlin MoE where the layout can (on AMD GPUs
    no layout does: moe_wna16_fallback)."""
    rules = vllm_rules(vllm_version)
    if rules.version < CT_WNA16_MOE_READ_FROM:
        return ()
    group, moe = group_size(scheme), first_moe(spec)
    width = moe.expert_intermediate_size // layout.expert_tp
    where = (f"at {layout.label()} (each expert {width} wide per GPU)" if vendor == "nvidia"
             else f"on ROCm (each expert {width} wide per GPU at {layout.label()})")
    head = (f"vLLM {rules.label} stops loading the {scheme.label} experts, which Marlin MoE "
            f"does not take {where}: ")
    ways = _narrower_experts(layout)
    tail = f" Use {ways}." if ways else ""
    marlin_tail = tail if vendor == "nvidia" else ""  # a narrower layout keeps Marlin MoE
    if spec.quant.act_order and rules.version < CT_WNA16_MOE_ACT_ORDER_FROM:
        return (head + "WNA16MoE is not supported with actorder=group/dynamic. "
                "(compressed_tensors_moe.py get_moe_method)." + marlin_tail,)
    if "-ct-" not in scheme.key and rules.version < CT_WNA16_MOE_ASYMMETRIC_FROM:
        return (head + "Only symmetric quantization is supported for MoE (an assertion in "
                "CompressedTensorsWNA16MoEMethod)." + marlin_tail,)
    if rules.version < CT_WNA16_MOE_GROUP_CHECK_FROM:
        return ()
    if spec.hidden_size % group:
        return (head + f"CompressedTensors WNA16 MoE requires hidden_size ({spec.hidden_size}) "
                f"to be divisible by group_size ({group}). (create_weights; no layout "
                "changes the hidden size)",)
    if width % group:
        return (head + "CompressedTensors WNA16 MoE with static group scales requires the MoE "
                f"intermediate size per tensor-parallel partition ({width}) to be divisible by "
                f"group_size ({group}). (create_weights)" + tail,)
    return ()


MARLIN_MOE_HIDDEN_MULTIPLE = 128
MARLIN_MOE_MIN_GROUP = 64
MARLIN_MOE_GROUP_SIZES = (-1, 32, 64, 128)
"""The groups Marlin MoE takes: marlin_utils.check_moe_marlin_supports_layer (0.19.0, 0.27.0,
0.30.0 wheels; check_moe_marlin_supports_config in 0.33.0, 0.34.0) `supports_group_size = group_size
in [-1, 32, 64, 128]`, the linear MARLIN_SUPPORTED_GROUP_SIZES too. GPTQ/AWQ experts in
another group (256) go to MoE WNA16 on every one of those releases: from 0.27.0
AutoGPTQConfig / AutoAWQConfig.get_quant_method send them there ("Falling back to Moe WNA16
kernels."); in 0.19.0 is_gptq_marlin_compatible / is_awq_marlin_compatible refuse the group,
the checkpoint stays on GPTQConfig / AWQConfig, whose get_quant_method sends a FusedMoE layer
to MoeWNA16Config (GPTQConfig every one, AWQConfig those failing the same check). Linear
layers then leave Marlin too (0.19.0: GPTQ's exllama / AWQ's own kernels; 0.33.0: GPTQ's
choose_mp_linear_kernel, Machete on 9.0 or TritonW4A16LinearKernel, which takes group 256;
AWQ's AutoAWQLinearMethod, Triton): still weight-only, timed at Marlin's figures
(unverified for them)."""


def marlin_takes_group(scheme: QuantScheme) -> bool:
    """Whether Marlin (linear and MoE alike: MARLIN_MOE_GROUP_SIZES) takes the scheme's
    group, a format without input-wise groups counting as channelwise (-1)."""
    return (group_size(scheme) or -1) in MARLIN_MOE_GROUP_SIZES


def layout_warnings(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme | None, vllm_version: str,
    vendor: str = "nvidia", compute_capability: str = "",
) -> list[str]:
    """Slower-kernel warnings for a layout that runs (not errors): the one a MoE WNA16
    fallback (moe_wna16_fallback) logs, in words, for GPUs of `vendor` and this compute
    capability ("": not known, so the words name the Hopper case as a condition).

    NOTE: vLLM marlin_utils.check_moe_marlin_supports_layer: GPTQ/AWQ MoE layers run the fast
    Marlin MoE kernel only when hidden_size % 128 == 0 and intermediate_size_per_partition %
    max(64, group_size) == 0; otherwise vLLM logs "Layer ... is not supported by
    GPTQMoeMarlin. Falling back to Moe WNA16 kernels." (a slower Triton kernel). Without EP
    each expert is sliced over tp x dp (ParallelLayout.expert_tp): Qwen3-235B g128 at TP=8:
    1536 / 8 = 192, 192 % 128 = 64 -> fallback; with --enable-expert-parallel experts stay
    whole: 1536 % 128 = 0 -> Marlin. That is the rule of every release before 0.25.0; from
    it vLLM zero-pads the width, which then need only be a multiple of the group (192 % 128 =
    64 still falls back; 96 wide in groups of 32 runs Marlin), except for act-order checkpoints
    before 0.30.0 (vllm_versions.marlin_moe_pads).
    """
    warning = _moe_wna16_warning(spec, layout, scheme, vllm_version, vendor,
                                 compute_capability)
    return [] if warning is None else [warning]


def moe_wna16_fallback(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme | None, vllm_version: str,
    vendor: str = "nvidia",
) -> bool:
    """Whether vLLM sends this layout's quantized experts from Marlin MoE to MoE WNA16 (the
    rule layout_warnings words) on GPUs of `vendor`: the speed model times it
    (speed._build_context) and _moe_wna16_errors checks its loads, from this flag rather than
    the warning's words.

    NOTE: on AMD GPUs every layout falls back. marlin_utils.py check_moe_marlin_supports_layer
    (check_moe_marlin_supports_config from 0.27.0) opens with `if current_platform.is_rocm():
    return False` in every wheel read, 0.19.0-0.34.0, and each caller then leaves Marlin MoE:
    gptq.py GPTQConfig (0.19.0-0.21.0; gptq_marlin is CUDA-only there) sends every FusedMoE
    layer to MoeWNA16Config; awq_marlin.py / awq.py (0.19.0-0.23.0), auto_gptq.py (0.22.0 on),
    auto_awq.py (0.24.0 on) and the INC WNA16 MoE builders (inc/schemes, 0.28.0 on, the first
    release ROCm lists inc) fall back to MoeWNA16Config when the check fails;
    compressed_tensors_moe.py get_moe_method builds CompressedTensorsWNA16MoEMethod when `not
    check_moe_marlin_supports_layer(...) or current_platform.is_rocm()` (0.19.0-0.26.0) and
    always from 0.27.0. ROCm's own choices there take no preset's GPU or need a flag: the
    RDNA3 kernel (rocm_moe_rdna.is_supported, 0.24.0-0.29.0; the oracle's RDNA3 backend from
    0.30.0: gfx1100 only, not planned) and FlyDSL (compressed_tensors_moe_w4a16_flydsl.py,
    0.24.0 on: int4 in groups of 32 on gfx950 with --moe-backend flydsl, kernel_config's
    default being "auto"; the plan and the speed model follow moe_backend.runs_flydsl there
    instead of this fallback's warning and kernel). Both fallbacks run
    Triton: fused_moe.py should_moe_wna16_use_cuda needs current_platform.is_cuda(), so
    MoeWNA16Method runs the Triton fused_moe GPTQ/AWQ kernel (0.19.0-0.26.0); from 0.27.0
    fused_moe/oracle/int_wna16.py select_wna16_moe_backend finds Marlin failing the same check
    and FlashInfer's MxInt4 needing CUDA (trtllm_mxint4_moe.py _supports_current_device), and
    takes TritonWNA16Experts (_supports_current_device: is_cuda_alike())."""
    return _moe_wna16_warning(spec, layout, scheme, vllm_version, vendor) is not None


def _moe_wna16_warning(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme | None, vllm_version: str,
    vendor: str, compute_capability: str = "",
) -> str | None:
    """The MoE WNA16 fallback's warning (_marlin_moe_warning), None where Marlin MoE takes
    the experts or there are none in groups; cached per spec. Without a compute capability
    it is None exactly where moe_wna16_fallback is False."""
    if group_size(scheme) is None or first_moe(spec) is None:
        return None
    key = ("moe-kernel", *layout_key(layout), scheme.memo_key, vllm_version, vendor,
           compute_capability)
    return _per_spec(spec, key, _marlin_moe_warning, spec, layout, scheme, vllm_version, vendor,
                     compute_capability)


def _marlin_moe_warning(
    spec: ModelSpec, layout: ParallelLayout, scheme: QuantScheme, vllm_version: str, vendor: str,
    compute_capability: str,
) -> str | None:
    """Why this layout's grouped experts leave Marlin MoE for MoE WNA16, in words; None where
    they stay (layout_warnings' NOTE has the rule; moe_wna16_fallback's NOTE AMD's), and on
    Hopper from HUMMING_FIRST_ON_HOPPER_FROM, where Humming's MoE serves them at every layout
    (no slower kernel to warn of). A GPU known not to be Hopper gets no Hopper words.

    NOTE: humming/priority.py _HUMMING_PREFERRED_CAPABILITIES = frozenset({90}) (0.32.0, 0.33.0 and
    0.34.0 wheels): prioritize_humming moves Humming ahead of Marlin on compute capability 9.0
    only, so an Ampere, Ada or Blackwell GPU keeps the Triton fallback the words describe."""
    group, moe = group_size(scheme), first_moe(spec)
    if not quantized_component(spec, scheme, "experts"):
        return None
    if vendor != "nvidia":
        return (f"{scheme.label} MoE layers run vLLM's MoE WNA16 (Triton) kernel, not Marlin "
                "MoE, at any layout: check_moe_marlin_supports_layer is False on ROCm (AMD "
                "GPUs).")
    rules = vllm_rules(vllm_version)
    humming = rules.version >= HUMMING_FIRST_ON_HOPPER_FROM and not compute_capability
    if rules.version >= HUMMING_FIRST_ON_HOPPER_FROM and compute_capability == "9.0":
        return None
    hopper = (f" (vLLM {rules.label} runs them on Humming's MoE on Hopper, compute capability "
              "9.0, at every layout: its WNA16 MoE oracle tries Humming first there)"
              if humming else "")
    packing = inc_packing_off_marlin(spec, scheme)
    if packing:
        return (f"{scheme.label} MoE layers run the slower MoE WNA16 (Triton) kernel{hopper}, "
                f"not Marlin MoE: {packing} (vLLM's INC loader), at any layout.")
    fallback = (f"{scheme.label} MoE layers fall back from the Marlin MoE kernel to the slower "
                f"MoE WNA16 (Triton) kernel{hopper}: ")
    if not marlin_takes_group(scheme):
        return (
            f"{fallback}Marlin takes groups of {list(MARLIN_MOE_GROUP_SIZES)}, not {group} "
            "(vLLM's check_moe_marlin_supports_layer), at any layout; the linear layers leave "
            "Marlin for another weight-only kernel too."
        )
    act_order = not scheme.what_if and spec.quant is not None and spec.quant.act_order
    if marlin_moe_pads(rules.version, act_order):
        need, rule = group, (f"a multiple of group {group} (vLLM {rules.label} zero-pads the "
                             "width to Marlin's tiles, not to whole groups)")
    else:
        need = max(MARLIN_MOE_MIN_GROUP, group)
        padded = MARLIN_MOE_ACT_ORDER_PADDING_FROM if act_order else MARLIN_MOE_TILE_PADDING_FROM
        rule = (f"a multiple of max(64, group {group}) = {need} (vLLM pads "
                f"{'act-order ' if act_order else ''}experts from {'.'.join(map(str, padded))}, "
                f"not in {rules.label})")
    per_partition = moe.expert_intermediate_size // layout.expert_tp
    misfits = ([] if per_partition % need == 0 else
               [f"each expert is {per_partition} wide per GPU at {layout.label()}, not {rule}"])
    if spec.hidden_size % MARLIN_MOE_HIDDEN_MULTIPLE:
        misfits.append(f"hidden {spec.hidden_size} is not a multiple of "
                       f"{MARLIN_MOE_HIDDEN_MULTIPLE}")
    if not misfits:
        return None
    advice = ("" if layout.ep or moe.expert_intermediate_size % need
              or spec.hidden_size % MARLIN_MOE_HIDDEN_MULTIPLE else
              " --enable-expert-parallel keeps experts whole "
              f"({moe.expert_intermediate_size} % {need} = 0) and keeps the Marlin kernel"
              f"{' off Hopper' if humming else ''}, but each MoE layer then waits for the GPU "
              "whose experts are busiest, and how much slower the fallback runs is not "
              "measured (the speed model estimates it): which is faster depends on the load "
              "(the speed notes compare the two).")
    return f"{fallback}{'; '.join(misfits)}.{advice}"


VISION_HEADS_SPLIT_READ_FROM = (0, 17, 0)
"""NOTE: vLLM 0.17.0-0.34.0 qwen2_5_vl.py Qwen2_5_VisionAttention, the attention of the
Qwen3-VL / Qwen3.5 tower's blocks (qwen3_vl.py Qwen3_VisionBlock; qwen3_5.py imports
Qwen3_VisionTransformer), splits num_heads over the TP group at the default
--mm-encoder-tp-mode weights: `divide(num_heads, self.tp_size)` asserts at start-up. In data
mode its tp_size is 1 (vision.py is_vit_use_data_parallel), so nothing is split or checked.
Text-only serving (--language-model-only, every limit 0) still constructs the tower, on the meta
device (interfaces.py _mark_tower_model: no_init_weights under torch.device("meta"), then a
StageMissingLayer), so the check runs there too. Earlier releases' source is not read: no check
there."""


def vision_head_errors(spec: ModelSpec, tp: int, vllm_version: str | None,
                       mm_encoder_tp_mode: str = "weights") -> list[str]:
    """vLLM's start-up failure where TP does not divide the vision tower's heads
    (VISION_HEADS_SPLIT_READ_FROM; VisionEncoder.heads, read for the Qwen3-VL family): none
    where --mm-encoder-tp-mode data is given and the model class takes it (encoder_tp_data_taken:
    the tower's attention is not split)."""
    encoder = spec.vision.encoder if spec.vision else None
    version = parse_version(vllm_version or DEFAULT_VLLM_VERSION)
    if encoder is None or not encoder.heads or encoder.heads % tp == 0 \
            or version < VISION_HEADS_SPLIT_READ_FROM or (
            mm_encoder_tp_mode == "data" and encoder_tp_data_taken(spec.model_type, version)):
        return []
    return [f"The vision tower's {encoder.heads} attention heads (vision_config.num_heads) are "
            f"not divisible by tensor parallel size ({tp}): vLLM splits them over TP at the "
            "default --mm-encoder-tp-mode weights (qwen2_5_vl.py Qwen2_5_VisionAttention: "
            "divide(num_heads, tp_size)) and stops at start-up; --mm-encoder-tp-mode data "
            "holds the tower whole on every GPU instead."]


UNEVEN_EXPERTS_FROM = (0, 10, 1)
"""The first release whose EP split of routed experts over the tp x dp ranks that they do not
divide is planned: FusedMoE determine_expert_map gives every rank num_experts // ep_size and one
more to the first num_experts % ep_size ranks (0.10.1, 0.19.0 fused_moe/layer.py; 0.34.0
fused_moe/expert_map_manager.py), as weights._experts_per_rank counts them, and nothing refuses
the split without --enable-eplb (with it FusedMoE asks routed + redundant to divide:
eplb.layout_refusal). 0.9.2 and 0.10.0 (wheels read; 0.9.1 taken as 0.9.2) put all the remaining
experts on the last rank instead, which Headroom does not plan: their uneven splits stay refused."""


def layout_errors(
    spec: ModelSpec,
    cluster: ClusterSpec,
    layout: ParallelLayout,
    scheme: QuantScheme | None = None,
    vllm_version: str | None = None,
    redundant_experts: int = 0,
    mm_encoder_tp_mode: str = "weights",
    speculative_draft: EagleDraft | None = None,
) -> list[str]:
    """Reasons this layout cannot run this model on this cluster (empty when it can).

    With `scheme` (the weight format vLLM will hold) and the targeted `vllm_version`, GPTQ/AWQ
    group alignment is checked too (a scheme needs the version: quant_alignment_errors).
    `redundant_experts`: EPLB's (planner.serving.eplb), spread over the EP ranks with the
    routed experts, whose sum is what must divide then. `mm_encoder_tp_mode`: the engine's
    (vision_head_errors: data mode splits no vision heads). `speculative_draft`: the engine's
    EAGLE-3 drafter, whose heads vLLM splits over the target's TP (eagle_head_errors).
    """
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
    if layout.pp > 1 and spec.compressed_attention is not None and parse_version(
            vllm_version or DEFAULT_VLLM_VERSION) < DSV4_PP_FROM:
        errors.append(f"vLLM {vllm_version} refuses pipeline parallelism for DeepSeek-V4: "
                      "\"Pipeline parallelism is not supported for this model. Supported "
                      "models implement the `SupportsPP` interface.\" (DeepseekV4ForCausalLM "
                      f"implements it from {version_label(DSV4_PP_FROM)})")
    errors += spec_head_errors(spec, layout.tp)
    errors += vision_head_errors(spec, layout.tp, vllm_version, mm_encoder_tp_mode)
    errors += eagle_head_errors(speculative_draft, layout.tp)
    errors += uneven_node_errors(cluster, layout)
    moe = first_moe(spec)
    if layout.ep and moe is None:
        # vLLM config/model.py ModelConfig._verify_with_expert_parallelism (0.19.0, 0.33.0, 0.34.0)
        errors.append("vLLM refuses --enable-expert-parallel for a model without routed "
                      "experts: Number of experts in the model must be greater than 0 when "
                      "expert parallelism is enabled.")
    if moe is not None and layout.ep and (moe.num_experts + redundant_experts) % layout.ep_size \
            and (redundant_experts or parse_version(vllm_version or DEFAULT_VLLM_VERSION)
                 < UNEVEN_EXPERTS_FROM):
        # the experts vLLM divides: with EPLB's redundant ones (128 alone would divide 8)
        experts = (f"{moe.num_experts} routed + {redundant_experts} redundant experts (EPLB) = "
                   f"{moe.num_experts + redundant_experts}" if redundant_experts
                   else f"{moe.num_experts} routed experts")
        errors.append(
            f"{experts} are not divisible by the expert-parallel size {layout.ep_size} (tp x dp)"
            + ("." if redundant_experts else
               f": vLLM {vllm_version} puts the remaining experts on the last EP rank, which "
               "Headroom does not plan (from 0.10.1 it plans the uneven split).")
        )
    if moe is not None and moe.expert_intermediate_size % layout.expert_tp:
        # vLLM FusedMoE: intermediate_size_per_partition = divide(intermediate_size, tp_size),
        # tp_size the MoE layer's (tp x dp without EP: ParallelLayout.expert_tp)
        size = (f"tensor parallel size ({layout.tp})" if layout.dp == 1 else
                f"the MoE layer's tensor parallel size ({layout.expert_tp}: tp x dp without EP)")
        errors.append(
            f"The expert intermediate size ({moe.expert_intermediate_size}) is not divisible "
            f"by {size}; try --enable-expert-parallel."
        )
    if scheme is None:
        return errors
    if vllm_version is None:
        raise TypeError("layout_errors: a scheme needs the vllm_version it is served by")
    misaligned = quark_mx_shared_misaligned(spec, layout.tp, scheme, vllm_version)
    if misaligned and not layout.ep:
        # qwen3_next.py _should_replicate_misaligned_shared_expert raises it (0.29.0-0.34.0)
        errors.append(f"vLLM {vllm_version} refuses this layout: ValueError: {misaligned}")
    return errors + quant_alignment_errors(spec, layout, scheme, vllm_version, cluster.vendor)
