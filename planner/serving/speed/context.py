"""What an estimate resolves before any step: the device's facts (Device: GPU, link, weight
format, kernels, dtypes; cached per model, cluster and settings), the layout's context (Context,
with its pipeline stages; cached per layout by planner.serving.speed._context) and the read and
compute rates every step reads (measured-read cap, routed-expert rates).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import InitVar, dataclass, field, replace
from typing import NamedTuple

from planner.memo import IdentityMemo
from planner.model.attention.kvformat import KvBytes
from planner.model.quant import (
    DTYPE_SCHEME,
    ComponentFormats,
    Exclusions,
    QuantScheme,
    checkpoint_exclusions,
    checkpoint_formats,
    stored_format,
)
from planner.model.quant import scheme as quant_scheme
from planner.model.spec import ModelSpec, ModuleFormat, MoeMlp
from planner.serving.all2all import AGRS
from planner.serving.engine import (
    StateRules,
    checkpoint_fp8_kv,
    on_triton_mla,
    served_dtype,
    served_kv_elem_bytes,
)
from planner.serving.hardware import ClusterSpec, GpuFormat, GpuSpec, LinkSpec, network_link
from planner.serving.layout import ParallelLayout, first_moe
from planner.serving.moe_backend import runs_flydsl
from planner.serving.mxfp4 import mxfp4_on_marlin
from planner.serving.plan import (
    PlanRequest,
    param_breakdown,
    piecewise_decode,
    served_scheme,
    state_dtypes,
)
from planner.serving.speed.coefficients import SpeedCoefficients, gemm_factor
from planner.serving.speed.drafting import DraftStages
from planner.serving.speed.kernels import (
    DEEPGEMM_MOE_TP8_OFF_FROM,
    MARLIN_BOUND_KERNELS,
    MARLIN_FP32_FLOP_PER_SM_CYCLE,
    KernelFamily,
    MoeKernel,
    kernel_family,
    layout_moe_kernel,
    moe_kernel,
    runs_deepgemm_moe,
    wide_head_attention_share,
)
from planner.serving.speed.lora_cost import LoraStage, PrefillLora
from planner.serving.speed.stages import Stage
from planner.serving.vllm_versions import VllmRules, float16_refused, vllm_rules
from planner.units import TORCH_DTYPE_BYTES, VLLM_KV_DTYPE


@dataclass(frozen=True, slots=True)
class Device:
    """What an estimate reads of the model, cluster and settings on one GPU, none of it of the
    layout or the load: the GPU (the cluster's slowest; on a mixed cluster, a stage's too:
    stage_gpus) and the slowest link, the weight format and its kernels, the dtypes (slots:
    every step reads its rates through Context.device, and a slot reads faster than a
    NamedTuple field)."""

    gpu: GpuSpec
    link: LinkSpec
    scheme: QuantScheme
    act_b: int
    kv_plain: KvBytes  # the KV dtype's bytes; the layout's may be fp8_ds_mla (sparse_mla_kv)
    family: KernelFamily
    # the format the family's 16-bit GEMMs and the attention run in: the served dtype's
    # (engine.served_dtype; bf16, fp16 where the GPU has no bfloat16, fp32 for a float32 plan)
    dense_fmt: GpuFormat
    peak_flops: float  # FLOP/s of the compute format (a mixed checkpoint's: its experts')
    dense_flops: float  # FLOP/s of the dense part (peak_flops but for a mixed checkpoint)
    lm_head_flops: float  # FLOP/s of the lm_head (likewise)
    attn_flops: float  # FLOP/s of the attention kernels (in dense_fmt)
    wide_attn_flops: float  # attn_flops x kernels.wide_head_attention_share: heads over 256
    index_flops: float  # FLOP/s of the sparse-attention indexer's logits (FP8 where native)
    exp_rate: float  # softmax exponentials per second (SFUs; inf when the GPU has no figure)
    bw: float  # B/s: the datasheet bandwidth
    read_cap: float  # B/s: the GPU's measured read rate (inf without one)
    moe: MoeMlp | None  # the model's first routed-expert MLP
    moe_kernel: MoeKernel  # moe_kernel: the family serving the routed experts
    deepgemm_moe: bool  # runs_deepgemm_moe: block-FP8 MoE on DeepGEMM's padded path
    rules: VllmRules  # the release's rules (piecewise-only CUDA graphs, symmetric memory)
    mla_piecewise: bool  # plan.piecewise_decode on `gpu`: TRITON_MLA allows no full graphs
    flex_piecewise: bool  # plan.piecewise_decode on `gpu`: FLEX_ATTENTION allows no full graphs
    triton_mla: bool  # engine.on_triton_mla: the MLA attention on TRITON_MLA (any release)
    states: StateRules  # plan.state_dtypes: the recurrent state's dtypes the memory plan holds
    net: LinkSpec | None  # hardware.network_link between nodes; None on one node


_DEVICES: IdentityMemo[Device | None] = IdentityMemo(256)
_SLOWEST: IdentityMemo[GpuSpec] = IdentityMemo(256)
"""cluster_slowest_gpu by cluster."""


def runs_padded_moe(device: Device, layout: ParallelLayout) -> bool:
    """Whether this plan's MoE layers run DeepGEMM's padded grouped GEMM: a MoE model on the
    DeepGEMM path (Device.deepgemm_moe) whose MoE TP size (tp x dp, 1 with EP) is below 8
    from 0.12.0 (DEEPGEMM_MOE_TP8_OFF_FROM; any size on 0.11.1-0.11.2)."""
    moe_tp = 1 if layout.ep else layout.tp * layout.dp
    return device.moe is not None and device.deepgemm_moe and (
        moe_tp < 8 or device.rules.version < DEEPGEMM_MOE_TP8_OFF_FROM)


def slowest_gpu(gpus: Iterable[GpuSpec]) -> GpuSpec:
    """The GPU of the least memory bandwidth (the first on a tie): the one a step waits for
    where several run it together."""
    return min(gpus, key=lambda g: g.memory_bandwidth_gbps)


def cluster_slowest_gpu(cluster: ClusterSpec) -> GpuSpec:
    """slowest_gpu over the cluster's nodes, cached by the cluster's identity: every layout's
    speed context reads it, and a cluster of 512 nodes took a scan of them each time."""
    return _SLOWEST.get(cluster, (), _slowest_node_gpu, cluster)


def _slowest_node_gpu(cluster: ClusterSpec) -> GpuSpec:
    """Work out what cluster_slowest_gpu caches."""
    return slowest_gpu(node.gpu for node in cluster.nodes)


class StageGpu(NamedTuple):
    """The GPU one pipeline stage runs at (stage_gpus) and the GPU models its ranks sit on."""

    gpu: GpuSpec
    models: tuple[str, ...]  # GPU names in node order, each once


_STAGE_GPUS: IdentityMemo[tuple[StageGpu, ...] | None] = IdentityMemo(4096)


def stage_gpus(cluster: ClusterSpec, layout: ParallelLayout) -> tuple[StageGpu, ...] | None:
    """Each PP stage's GPU on a cluster whose nodes hold GPUs of more than one model (by
    name); None where every node holds the same model. vLLM numbers the ranks replica by
    replica and, in a replica, stage by stage: rank = (DP rank x PP + stage) x TP + TP rank
    ("the layout order is: ExternalDP x DP x PP x PCP x TP", all_ranks =
    torch.arange(world_size).reshape(-1, data_parallel_size, pipeline_model_parallel_size,
    prefill_context_model_parallel_size, tensor_model_parallel_size) in
    distributed/parallel_state.py initialize_model_parallel, 0.33.0 and 0.34.0 wheels; as
    node_span), and
    the nodes hold consecutive ranks in their order (ClusterSpec.rank_node, plan's rule too).
    A stage whose TP group or DP replicas sit on GPUs of several models runs each step at the
    slowest of them (slowest_gpu: a collective waits for its slowest member). Cached by
    cluster and layout."""
    return _STAGE_GPUS.get(cluster, (layout.tp, layout.pp, layout.dp), _stage_gpus, cluster,
                           layout)


def _stage_gpus(cluster: ClusterSpec, layout: ParallelLayout) -> tuple[StageGpu, ...] | None:
    """Work out what stage_gpus caches."""
    if len({n.gpu.name for n in cluster.nodes}) == 1:
        return None
    out = []
    for stage in range(layout.pp):
        gpus = dict.fromkeys(
            cluster.nodes[cluster.rank_node((d * layout.pp + stage) * layout.tp + j)[0]].gpu
            for d in range(layout.dp) for j in range(layout.tp))
        out.append(StageGpu(slowest_gpu(gpus), tuple(dict.fromkeys(g.name for g in gpus))))
    return tuple(out)


def device_for(request: PlanRequest, gpu: GpuSpec) -> Device | None:
    """The layout-independent part of an estimate on `gpu`; None without a bandwidth or
    compute figure (a custom GPU). Cached by the identity of the model, cluster, settings and
    GPU: a sweep estimates every layout with the same four."""
    return _DEVICES.get_all((request.model, request.cluster, request.engine, gpu), (),
                            _resolve_device, request, gpu)


def _resolve_device(request: PlanRequest, gpu: GpuSpec) -> Device | None:
    """Work out what device_for caches."""
    spec, s = request.model, request.engine
    if gpu.memory_bandwidth_gbps <= 0:
        return None
    scheme = served_scheme(request)
    bf16 = gpu.computes_bf16
    rules = vllm_rules(s.vllm_version)
    dtype = served_dtype(s, spec.torch_dtype, bf16,
                         not float16_refused(spec.model_type, rules.version))
    dense_fmt: GpuFormat = DTYPE_SCHEME[dtype]  # the format 16/32-bit GEMMs run in
    family, fmt = kernel_family(scheme, gpu, s.vllm_version,  # the checkpoint's, as stored
                                weight_only=stored_format(spec, scheme) and spec.quant.weight_only,
                                moe_backend=s.moe_backend,
                                mxfp4_marlin=mxfp4_on_marlin(s, gpu.vendor))
    peak = _tflops(gpu, fmt, dense_fmt)
    if peak is None:
        return None
    formats = checkpoint_formats(spec, scheme)
    dense, head = (_part_tflops(spec, formats, checkpoint_exclusions(spec, scheme), gpu,
                                s.vllm_version, dense_fmt) if formats else (peak, peak))
    attn = gpu.dense_tflops(dense_fmt) or peak
    piecewise = piecewise_decode(request, gpu)
    selector_kv = "fp8" if checkpoint_fp8_kv(spec, s, rules) else VLLM_KV_DTYPE[s.kv_cache_dtype]
    return Device(
        gpu=gpu, link=request.cluster.link, scheme=scheme, act_b=TORCH_DTYPE_BYTES[dtype],
        kv_plain=served_kv_elem_bytes(spec, s, bf16, rules),
        family=family, dense_fmt=dense_fmt, peak_flops=peak * 1e12,
        dense_flops=dense * 1e12,
        lm_head_flops=head * 1e12, attn_flops=attn * 1e12,
        wide_attn_flops=attn * wide_head_attention_share(gpu, s.vllm_version,
                                                         selector_kv) * 1e12,
        index_flops=(gpu.dense_tflops("fp8") or attn) * 1e12,
        exp_rate=(gpu.softmax_exp_tera_per_s or math.inf) * 1e12,
        bw=gpu.memory_bandwidth_gbps * 1e9, read_cap=(gpu.measured_read_gbps or math.inf) * 1e9,
        moe=first_moe(spec),
        moe_kernel=("flydsl-moe" if runs_flydsl(spec, scheme, s.moe_backend, rules.version,
                                                gpu.compute_capability)
                    else moe_kernel(scheme, gpu, family, s.vllm_version, spec.architectures,
                                    s.moe_backend)),
        deepgemm_moe=runs_deepgemm_moe(scheme, gpu, s.vllm_version),
        rules=rules,
        mla_piecewise=piecewise[0], flex_piecewise=piecewise[1],
        triton_mla=on_triton_mla(spec, rules.version, gpu.compute_capability, gpu.vendor),
        states=state_dtypes(request),
        net=(network_link(gpu, request.cluster.network, request.cluster.gpus_per_node)
             if len(request.cluster.nodes) > 1 else None),
    )


def _tflops(gpu: GpuSpec, fmt: GpuFormat, dense_fmt: GpuFormat) -> float | None:
    """Dense TFLOP/s of a compute format (kernel_family's; its 16-bit "bf16" runs in
    `dense_fmt`, the served dtype's), else of 16-bit (None without either figure; fp16's
    is bf16's but on a GPU without bfloat16, fp32's the CUDA cores': GpuSpec.dense_tflops)."""
    return gpu.dense_tflops(dense_fmt if fmt == "bf16" else fmt) or gpu.dense_tflops("fp16")


def _part_tflops(spec: ModelSpec, formats: ComponentFormats, excluded: Exclusions, gpu: GpuSpec,
                 vllm_version: str, dense_fmt: GpuFormat) -> tuple[float, float]:
    """(dense part, lm_head) TFLOP/s of a checkpoint whose modules have their own formats
    (ModelOpt MIXED_PRECISION): each component's GEMMs run on its format's kernel
    (kernel_family; a component none of whose modules is listed, or that the checkpoint
    excludes, at 16-bit: vLLM ModelOptMixedPrecisionConfig.get_quant_method tests
    is_layer_excluded first, 0.33.0 and 0.34.0 wheels; as weights._scheme_bits), so the dense
    part
    (attention, dense MLP, shared experts, router) takes the parameter-weighted harmonic mean
    of its components' rates, its time being the sum of theirs. nvidia/Qwen3.6-35B-A3B-NVFP4 on
    an RTX 5090 (vLLM 0.25): FP8 attention (1,279 M params of 1,284 M in the component) at
    419 TFLOP/s, W4A16_NVFP4 shared experts (126 M) on Marlin at 209.5, the 16-bit router
    (21 M) at 209.5; the W4A16_NVFP4 lm_head at 209.5. 16-bit compute runs in `dense_fmt`, the
    served dtype's. --moe-backend is not asked: vLLM reads it in the MoE oracles only
    (fused_moe/oracle/*.py select_*_moe_backend, from the routed experts' quant methods), and
    these parts are linear layers (get_quant_method: LinearBase -> build_linear_method or
    UnquantizedLinearMethod; layers/linear.py reads no moe_backend, 0.17.0-0.34.0 wheels; shared
    experts join the MoE kernel only under ROCm AITER's fused shared experts,
    fused_moe/utils.py resolve_layer_fused_shared_expert, 0.34.0, not planned); MXFP4, the
    one format whose kernel it moves in kernel_family, computes in 16-bit on either."""
    params = param_breakdown(spec)

    def rate(fmt: ModuleFormat | None) -> float:
        _, compute = kernel_family(quant_scheme(fmt.scheme if fmt else "bf16"), gpu,
                                   vllm_version, weight_only=fmt is not None and fmt.weight_only)
        return _tflops(gpu, compute, dense_fmt)

    def part(layer: int | None, component) -> ModuleFormat | None:
        return None if excluded.excluded(layer, component) else formats.format(layer, component)

    total = seconds = 0.0
    for i, lp in enumerate(params.layers):
        for component, n in (("attention", lp.attention), ("dense_mlp", lp.dense_mlp),
                             ("shared_experts", lp.shared_experts), ("router", lp.router)):
            total += n
            seconds += n / rate(part(i, component))
    return total / seconds, rate(part(None, "lm_head"))


class CrossNode(NamedTuple):
    """A TP group over several nodes (collectives.node_span): the network between them
    (hardware.network_link), the most nodes one group spans, the fewest of a group's ranks in
    one node."""

    net: LinkSpec
    nodes: int
    ranks_per_node: int


@dataclass(slots=True)
class Context:
    """Everything the estimates of one layout need: its device's facts (Device, held, not
    copied) and the layout's, resolved once and shared by them (never changed after
    __post_init__ but for stage_fixed, held_blocks, prefills, decodes and ep_ahead, caches)."""

    device: Device  # the GPU, link, weight format, kernels, dtypes and rates (device_for)
    tp: int
    pp: int
    dp: int
    ep: bool
    hidden: int
    c: SpeedCoefficients
    wna16: bool  # the layout sends the MoE layers off Marlin MoE (layout.moe_wna16_fallback)
    eager: bool
    mbt: int
    stages: tuple[Stage, ...]  # the pipeline stages (stages.pipeline_stages), equal ones shared
    # TP groups inside one node of a layout over several nodes whose release's --nnodes turns
    # vLLM's custom all-reduce off (vllm_versions.NNODES_CUSTOM_AR_OFF), and the TP sizes the
    # custom kernel's cost applies to (the release's; collectives.nnodes_ar_world_sizes)
    custom_ar_off: bool
    ar_world_sizes: tuple[int, ...]
    padded_moe: bool = False  # DEEPGEMM_PADDED_MOE: expert GEMMs over padded rows
    # with EP, the EP groups where an engine sets them below TP x DP (SGLang --ep-size: each
    # expert sliced over the TP x DP / moe_ep ranks of its group); 0: TP x DP (vLLM)
    moe_ep: int = 0
    # DeepSeek-V4's sequence-parallel mode (weights.dsv4_sequence_parallel_on): its hc_mult
    # residual streams, which the forward's last all-gather carries (collectives.
    # sequence_parallel_s); 0: the mode is off (TP all-reduces)
    sp_streams: int = 0
    # sequence-parallel MoE of the other models (vllm_versions.sequence_parallel_moe: SP_MOE_CHUNK
    # or SP_MOE_SCATTER; "" off): each TP rank dispatches its token shard over the EP group
    # (collectives.sequence_parallel_shard, gather_group) and the MoE layers' TP all-reduces
    # become all-gathers / reduce-scatters (step.tp_collectives_s)
    sp_moe: str = ""
    redundant_experts: int = 0  # EPLB's redundant experts per MoE layer (plan.redundant_experts)
    # the --all2all-backend vLLM runs (all2all.running_backend: the given one, else the
    # release's default), which sets the MoE dispatch's traffic (collectives.all_to_all_s)
    all2all: str = AGRS
    net: LinkSpec | None = None  # hardware.network_link, where the layout spans nodes
    # (most nodes one TP group spans, fewest of its ranks in one node) where it spans several
    # (collectives.node_span), else None: with `net`, the CrossNode `cross`
    span: InitVar[tuple[int, int] | None] = None
    net_hops: int = 0  # PP hops between nodes (collectives.node_span)
    # ranks of the MoE layers' TP x DP group (EP's, or the DP group's within it) in one node
    # where it spans several, and its DP ranks there (collectives.moe_group_node_ranks);
    # 0: in one node
    ep_node_ranks: int = 0
    dp_node_ranks: int = 0
    # each stage's device where the stages run on GPUs of more than one model (stage_gpus);
    # empty: every stage on `device`
    stage_devices: tuple[Device, ...] = ()
    # with --enable-lora, each pipeline stage's LoRA kernels' figures (lora_cost.lora_stage);
    # empty without LoRA
    lora_stages: tuple[LoraStage, ...] = ()
    # with speculative decoding, what works out the drafter's passes on the last stage's GPU
    # (speed.drafting.DraftStages: an EAGLE-3 drafter's or an MTP layer's), on first use
    # (drafter()): an estimate without an acceptance length needs none
    draft_from: Callable[[], DraftStages | None] | None = None
    # drafter()'s, once asked; None without drafts or not modelled
    draft: DraftStages | None = None

    # the read rates and expert compute factor every step of every stage reads, worked out
    # once per estimate (__post_init__), not once per step
    weights_eff: float = field(init=False)  # the kernel family's fitted bandwidth efficiency
    weights_bw: float = field(init=False)  # B/s: _stream_bw at weights_eff
    kv_bw: float = field(init=False)  # B/s: _stream_bw at the KV efficiency
    # the kernel serving the routed experts at this layout: MoE WNA16 where they fall back to
    # it (wna16, unless the device's kernel comes ahead of Marlin: kernels.layout_moe_kernel),
    # else the device's (kernels.moe_kernel); "moe-wna16" is what the x 1.5 slowdown keys on
    moe_kernel: MoeKernel = field(init=False)
    expert_bw: float = field(init=False)  # B/s: _expert_rate
    expert_compute: float = field(init=False)  # _expert_compute
    compute_eff: float = field(init=False)  # c.compute_efficiency x coefficients.gemm_factor
    cross: CrossNode | None = field(init=False)  # the TP group over nodes: net and span
    # `stages` without repeats (a stage on two devices twice, a stage of two LoRA stages
    # twice: the first stage's embedding LoRA, the last's lm_head LoRA), in order
    distinct: tuple[Stage, ...] = field(init=False)
    order: tuple[int, ...] = field(init=False)  # each stage's index in `distinct`
    # per stage of `distinct`, on a mixed cluster, this context on that stage's device (its
    # read and compute rates); None where the stage runs on this one's (runs_on)
    elsewhere: tuple[Context | None, ...] = field(init=False)
    # per stage of `distinct`, the LoRA figures of the stages it stands for (one: `distinct`
    # keeps stages of different LoRA figures apart); None without LoRA
    lora: tuple[LoraStage | None, ...] = field(init=False)
    # (padded MoE rows, overhead) seconds of each stage step: the same in every step of a
    # stage, so worked out at its first step (_step_parts), by the id of a stage in `stages`
    stage_fixed: dict[int, tuple[float, float]] = field(init=False)
    # plan.held_request_blocks by held tokens: the estimates of a concurrency search share it
    held_blocks: dict[int, int] = field(init=False)
    # step.prefill_estimate by input length: it reads nothing else, and recommend's PP bound
    # (_pp_top) estimates one layout at many concurrencies
    prefills: dict[int, tuple[float, float, int, float, PrefillLora]] = field(init=False)
    # step.decode_estimate by (sequences on a DP rank, mean context, tokens a sequence): it
    # reads nothing else, and a rerun's sweep (the context found again by settings value)
    # estimates every row at the same ones, as a concurrency search revisits its levels
    decodes: dict[tuple[int, float, int],
                  tuple[float, dict[str, float], int, list[float], float]] = field(init=False)
    # speed._ep_marlin's (ahead_from, ahead_to, ahead_count, checked_to) by (input, output,
    # arrival, mean acceptance length): the same at every concurrency, which the app's
    # concurrency curve asks level by level
    ep_ahead: dict[tuple[int, int, str, float | None],
                   tuple[int | None, int | None, int, int]] = field(init=False)

    def __post_init__(self, span: tuple[int, int] | None) -> None:
        self.cross = span and CrossNode(self.net, *span)
        devices = self.stage_devices or (self.device,) * len(self.stages)
        loras = self.lora_stages or (None,) * len(self.stages)
        # each (stage object, device, LoRA stage) triple once by identity, then by value: a
        # deep PP split repeats a few stage objects (speed.stages) and LoRA stages
        # (lora_cost.pipeline_lora), which need hashing only once each (zip and map: no
        # Python-level step per stage, 126 of Llama 3.1 405B at PP 126); on one device
        # without LoRA a stage object's id is its triple's (no tuple per stage)
        ids = tuple(zip(map(id, self.stages), map(id, devices), map(id, loras), strict=True)) \
            if self.stage_devices or self.lora_stages else tuple(map(id, self.stages))
        at = dict(zip(ids, range(len(ids)), strict=True))  # each triple: a stage holding it
        kinds = {(self.stages[i], id(devices[i]), loras[i]): devices[i] for i in at.values()}
        index = {key: i for i, key in enumerate(kinds)}
        self.distinct = tuple(stage for stage, _, _ in kinds)
        for key, i in at.items():
            at[key] = index[(self.stages[i], id(devices[i]), loras[i])]
        self.order = tuple(map(at.__getitem__, ids))
        self.lora = tuple(lora for _, _, lora in kinds)
        self.elsewhere = tuple(None if dev is self.device else replace(
            self, device=dev, stage_devices=(), span=span) for dev in kinds.values())
        self.stage_fixed = {}
        self.held_blocks = {}
        self.prefills = {}
        self.decodes = {}
        self.ep_ahead = {}
        self.moe_kernel = layout_moe_kernel(self.device.moe_kernel, self.wna16)
        eff = self.weights_eff = self.c.bandwidth_efficiency[self.device.family]
        self.weights_bw = _stream_bw(self, eff)
        self.kv_bw = _stream_bw(self, self.c.kv_bandwidth_efficiency)
        self.expert_bw = _expert_rate(self, eff)
        self.compute_eff = self.c.compute_efficiency * gemm_factor(self.device.gpu)
        self.expert_compute = _expert_compute(self)

    def drafter(self) -> DraftStages | None:
        """The drafter's passes (draft_from's), worked out on the first ask."""
        if self.draft_from is not None:
            self.draft, self.draft_from = self.draft_from(), None
        return self.draft

    def runs_on(self, k: int) -> Context:
        """The context stage `k` of `distinct` runs in: this one, or this one on its device
        (`elsewhere`; a context holds no reference to itself, which would leave every context
        a sweep drops for the cyclic collector: 11,578 of Qwen3-235B-A22B's 4,096-GPU sweep)."""
        return self.elsewhere[k] or self


def read_capped(ctx: Context, efficiency: float) -> bool:
    """Whether the GPU's measured read rate (GpuSpec.measured_read_gbps), not `efficiency` of
    the datasheet bandwidth, sets a kernel's read rate (_stream_bw; the terms say so)."""
    return ctx.device.bw * efficiency > ctx.device.read_cap


def _stream_bw(ctx: Context, efficiency: float) -> float:
    """B/s a kernel reads memory at: `efficiency` of the datasheet bandwidth, but never faster
    than the GPU's measured read rate (GpuSpec.measured_read_gbps): the fitted efficiencies
    come from HBM parts, and a part whose memory sustains less than its datasheet x those
    efficiencies (GB10's LPDDR5X) streams at what it sustains."""
    dev = ctx.device
    return dev.read_cap if read_capped(ctx, efficiency) else dev.bw * efficiency


def expert_factor(ctx: Context) -> float:
    """The routed-expert bandwidth factor of this plan's MoE kernel family."""
    c = ctx.c
    return c.moe_kernel_bandwidth_factor.get(ctx.moe_kernel, c.expert_bandwidth_factor)


def default_moe_figures(ctx: Context) -> bool:
    """Whether the routed experts are timed at the default MoE figures
    (SpeedCoefficients.expert_bandwidth_factor and expert_compute_factor, fitted on the rows of
    vLLM's own fused-MoE paths): their kernel has no factor of its own
    (moe_kernel_bandwidth_factor, moe_kernel_compute_factor), no Marlin MoE rate
    (MARLIN_BOUND_KERNELS) and no measured 16-bit rate (measured_moe_rate), because no
    calibration row measures it (FlashInfer's CUTLASS MXFP4 MoE, Humming, DeepGEMM's MXFP4,
    FlyDSL's MoE, ...)."""
    c, kernel = ctx.c, ctx.moe_kernel
    return (kernel not in c.moe_kernel_bandwidth_factor
            and kernel not in c.moe_kernel_compute_factor
            and kernel not in MARLIN_BOUND_KERNELS and measured_moe_rate(ctx) is None)


def marlin_fp32_tflops(gpu: GpuSpec) -> float | None:
    """The FP32 TFLOP/s MARLIN_MOE's coefficient multiplies: SMs x clock x
    MARLIN_FP32_FLOP_PER_SM_CYCLE (the datasheet figure on 128-lane SMs; A100's 64-lane SMs
    count double); None without the GPU's SMs x clock (GpuSpec.sm_cycles_tera_per_s)."""
    cycles = gpu.sm_cycles_tera_per_s
    return cycles * MARLIN_FP32_FLOP_PER_SM_CYCLE if cycles else None


def marlin_rate(ctx: Context) -> float:
    """MARLIN_MOE's SM-bound expert read rate in B/s (inf off Marlin MoE, or without the
    GPU's FP32 figure or the coefficient)."""
    k = ctx.c.marlin_moe_bytes_per_fp32_flop
    fp32 = marlin_fp32_tflops(ctx.device.gpu)
    if ctx.moe_kernel not in MARLIN_BOUND_KERNELS or not (k and fp32):
        return math.inf
    return k * fp32 * 1e12


def _expert_rate(ctx: Context, eff: float) -> float:
    """B/s at which routed experts are read: the bandwidth x the family's efficiency x the MoE
    kernel's factor (_stream_bw: at most the GPU's measured read rate), at most MARLIN_MOE's
    SM-bound rate."""
    return min(_stream_bw(ctx, eff * expert_factor(ctx)), marlin_rate(ctx))


def measured_moe_rate(ctx: Context) -> float | None:
    """FLOP/s of 16-bit routed experts on vLLM's fused-MoE path where the GPU has a measured
    rate for it (GpuSpec.measured_bf16_moe_tflops), else None. Only there: the fitted factor
    comes from FP8/NVFP4/MXFP4 expert rows (no calibration row has 16-bit experts), and the
    A100's measured BF16 rate is 2.9x what it gives (145.7 against 312 x 0.698 x 0.233 = 50.7
    TFLOP/s). Unquantized experts run Triton's fused_moe there: vLLM's
    select_unquantized_moe_backend (fused_moe/oracle/unquantized.py, 0.19.0) picks a FlashInfer
    backend on CUDA only with VLLM_USE_FLASHINFER_MOE_FP16 (default off; its CUTLASS one also
    needs EP and compute capability 9.0+), else TRITON."""
    dev = ctx.device
    rate = dev.gpu.measured_bf16_moe_tflops
    if rate is None or ctx.moe_kernel != "fused-moe" or dev.scheme.family != "float" \
            or dev.dense_fmt not in ("bf16", "fp16"):
        return None
    return rate * 1e12


def _expert_compute(ctx: Context) -> float:
    """The routed-expert compute factor of this plan's MoE kernel family: the measured 16-bit
    fused-MoE rate over the dense rate x the compute efficiency where the GPU has one
    (measured_moe_rate), else the fitted factor."""
    c = ctx.c
    measured = measured_moe_rate(ctx)
    if measured is not None:
        return measured / (ctx.device.peak_flops * ctx.compute_eff)
    return c.moe_kernel_compute_factor.get(ctx.moe_kernel, c.expert_compute_factor)
