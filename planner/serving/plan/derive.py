"""The settings vLLM derives for a model, cluster and flags (Resolved), cached."""

from typing import Any, NamedTuple

from planner.memo import IdentityMemo
from planner.model import quant
from planner.model.spec import (
    AttentionMixer,
    LinearAttentionMixer,
    MambaMixer,
    ModelSpec,
)
from planner.serving.all2all import batched_dp_moe
from planner.serving.eagle import eagle_kv_layers
from planner.serving.eagle_window import draft_window_limit, draft_window_note
from planner.serving.engine import (
    EngineSettings,
    StateRules,
    checkpoint_fp8_kv,
    cuda_graph_count,
    default_batch_limits,
    model_facts,
    served_dtype,
    served_kv_elem_bytes,
    spec_graph_refusal,
    state_dtype_rules,
    text_only_facts,
    triton_mla_piecewise,
    vllm_window,
)
from planner.serving.eplb import moe_method_kind
from planner.serving.flashinfer_workspace import flashinfer_workspace
from planner.serving.hardware import ClusterSpec, GpuSpec, parse_capability
from planner.serving.launch import (
    Launch,
    fp8_made_at_load,
    launch,
    library_backend_gap,
    remote_code_gap,
    remote_code_note,
    unknown_type_note,
    untyped_config_note,
)
from planner.serving.layout import ParallelLayout
from planner.serving.long_len import long_len, over_window_part, over_window_warning
from planner.serving.lora.cuda_graphs import lora_graph_count
from planner.serving.mla_block import mla_block_size, triton_mla_fallback
from planner.serving.mm_modes import (
    data_mode_taken,
    encoder_data_parallel,
    profiled_limit,
    profiled_video_patches,
    text_only,
    tower_dropped,
)
from planner.serving.mm_processor import pan_and_scan_profile
from planner.serving.moe_backend import B12X
from planner.serving.mxfp4 import mxfp4_on_marlin
from planner.serving.plan import shared
from planner.serving.plan.cluster import CLUSTER_CAPABILITIES, capabilities
from planner.serving.plan.facts import Capture, Resolved
from planner.serving.plan.models import PlanRequest
from planner.serving.plan.moe import all2all_taken
from planner.serving.plan.notes import gpu_notes, model_notes, setting_notes
from planner.serving.plan.refusals import (
    config_refusals,
    ep_refusal,
    moe_refusals,
    mtp_refusal,
    quant_refusals,
    refuse_unplannable,
)
from planner.serving.plan.verdict import unread_weights_part
from planner.serving.plan.worker import placeholder_block
from planner.serving.runner_choice import asked_runner
from planner.serving.spec_graph_mode import spec_piecewise_backend
from planner.serving.startup import quantization_errors
from planner.serving.startup.attention_backend import flex_decodes_piecewise
from planner.serving.startup.autoround import (
    inc_as_stored_errors,
    inc_overrides_quantization,
)
from planner.serving.startup.device import capability
from planner.serving.startup.gemma4_backend import gemma4_default_block, gemma4_mm_prefix
from planner.serving.startup.quant_method import config_quant_method
from planner.serving.startup.triton_sm75 import triton_sm75_errors
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.startup.wna16_kernels import gptq_tp_refusal
from planner.serving.video_pruning import position_channels, video_pruned
from planner.serving.vllm_cli import VllmCli, vllm_cli
from planner.serving.vllm_versions import (
    ALIGN_BLOCK_BATCHED,
    COMM_BEFORE_SNAPSHOT_FROM,
    FLASHINFER_GDN_CHECKPOINT_TOKENS,
    FP8_AT_LOAD_ON_META_FROM,
    HYBRID_ALIGN_TO_BLOCK_FROM,
    MAMBA2_CHECKPOINT_BLOCK_FROM,
    MAMBA_ALL_SPEC_PAGES_FROM,
    MAMBA_BLOCK_WITHOUT_PREFIX_CACHING,
    MOONVIT_SPLIT_FROM,
    SIGLIP_HEAD_DROPPED_FROM,
    SPEC_GRAPH_ROUND_FROM,
    SPEC_GRAPH_TP_MULTIPLE_UNTIL,
    TOWER_FIRST_STAGE_ON_V2_FROM,
    EngineError,
    VllmRules,
    align_refusal,
    flashinfer_hd256_bug,
    float16_refused,
    gdn_flashinfer_prefill,
    hybrid_prefix_caching,
    in_span,
    mamba_cache_mode,
    model_runner,
    nemotron_ssm_default,
    runner_encoder_rules,
    vllm_rules,
)
from planner.serving.weights import (
    VISION_ON_EVERY_STAGE,
    rope_cache_reach,
    transformers_backend,
)
from planner.units import TORCH_DTYPE_BYTES, VLLM_KV_DTYPE


def _weight_scheme(spec: ModelSpec, settings: EngineSettings, served: str) -> quant.QuantScheme:
    """The weight format vLLM will hold: what-if scheme, runtime quantization, or checkpoint
    (a 16/32-bit checkpoint is held in the served dtype `served`)."""
    if settings.target_quant:
        return quant.what_if_scheme(settings.target_quant)
    if settings.quantization and not inc_overrides_quantization(spec, settings.quantization):
        for candidate in quant.SCHEMES.values():
            if candidate.runtime and candidate.vllm_quantization == settings.quantization:
                return candidate
        raise quant.UnknownSchemeError(_not_load_time(spec, settings.quantization,
                                                      vllm_cli(settings.vllm_version)))
    if spec.quant is None:
        return quant.scheme(quant.DTYPE_SCHEME[served])
    return quant.checkpoint_scheme(spec)


def _not_load_time(spec: ModelSpec, method: str, cli: VllmCli) -> str:
    """Why --quantization `method` (no scheme quantizes at load with it) is not planned, and
    what to give instead: nothing for a quantized checkpoint, --target-quant for a 16-bit one.
    The load-time methods named are those the release's parser takes (`cli`): bitsandbytes
    left vLLM's --quantization choices in 0.28.0, and was named on 0.28-0.34 as the method to
    give, which those releases refuse."""
    load_time = sorted({s.vllm_quantization for s in quant.SCHEMES.values()
                        if s.runtime and s.vllm_quantization
                        and cli.accepts("--quantization", s.vllm_quantization)})
    head = (f"--quantization {method}: Headroom plans only vLLM's load-time quantization "
            f"({', '.join(load_time)}); {spec.name or 'the model'} ")
    if spec.quant is not None:
        return (head + f"is stored as {quant.checkpoint_scheme(spec).label} and planned as "
                "stored without --quantization (vLLM reads the format from its config)")
    return head + ("is 16-bit: plan another format as a what-if with --target-quant (e.g. "
                   "--target-quant awq)")


_RESOLVED: IdentityMemo[Resolved] = IdentityMemo(256)


_DERIVED: IdentityMemo[Resolved] = IdentityMemo(256)


def resolve(spec: ModelSpec, cluster: ClusterSpec, s: EngineSettings,
            layout: ParallelLayout) -> Resolved:
    """The settings vLLM derives for this model, cluster and flags, cached by identity (a
    sweep plans every layout with the same three objects) and, on a miss, by the value of the
    settings, which are small: a rerun's sweep (new settings objects, equal values) derives
    nothing again. Keyed by the engine too (its budgets and launch flags; the layout facts
    and overheads cached under a Resolved follow it), and by the two things of the layout the
    settings follow: whether it makes vLLM's batched-DP MoE (all2all.batched_dp_moe: its
    default token budget) and, for a draft on 0.11.1, its TP (_graph_tp)."""
    version = vllm_rules(s.vllm_version).version
    batched = all2all_taken(s) and batched_dp_moe(s.all2all_backend, version, layout.dp,
                                                  layout.ep)
    graph_tp = _graph_tp(s, version, layout.tp)
    return _RESOLVED.get_all((spec, cluster, s), (shared.ENGINE, batched, graph_tp),
                             _derive_once, spec, cluster, s, batched, graph_tp)


def _graph_tp(s: EngineSettings, version: tuple[int, ...], tp: int) -> int:
    """The TP the CUDA graph capture sizes follow: `tp` with a draft on a release that rounds
    them to max(1 + k, TP) (vllm_versions.SPEC_GRAPH_TP_MULTIPLE_UNTIL: 0.11.1), else 1 (a
    Resolved shared by every TP)."""
    rounds = SPEC_GRAPH_ROUND_FROM <= version < SPEC_GRAPH_TP_MULTIPLE_UNTIL
    return tp if rounds and s.num_speculative_tokens else 1


def _derive_once(spec: ModelSpec, cluster: ClusterSpec, s: EngineSettings,
                 batched: bool, graph_tp: int) -> Resolved:
    """_derive, cached by the value of the settings (see resolve)."""
    return _DERIVED.get_all((spec, cluster), (s, shared.ENGINE, batched, graph_tp), _derive,
                            spec, cluster, s, batched, graph_tp)


_ON_GPU: IdentityMemo[dict[str, Any]] = IdentityMemo(1024)
"""_derive_on_gpu's fields by the identity of the model and sizing GPU and the value of the
settings and the cluster's compute capabilities: recommend plans each GPU preset at 1, 2, 4
and 8 GPUs (four clusters of one GpuSpec object), and derived each settings' ~45 fields once
per cluster (750 derivations for Qwen3-32B over 21 presets, 226 distinct)."""


def _derive(spec: ModelSpec, cluster: ClusterSpec, s: EngineSettings,
            batched: bool, graph_tp: int) -> Resolved:
    """Work out the settings resolve caches (`batched`: vLLM's batched-DP MoE; `graph_tp`: the
    TP the capture sizes follow): the sizing GPU's (_derive_on_gpu, cached across clusters of
    it), then the cluster's own."""
    node = cluster.sizing_node
    ccs = CLUSTER_CAPABILITIES.get(cluster, (), capabilities, cluster)
    on_gpu = _ON_GPU.get_all((spec, node.gpu), (s, shared.ENGINE, batched, graph_tp, ccs),
                             _derive_on_gpu, spec, node.gpu, ccs, s, batched, graph_tp)
    resolved = Resolved(
        **on_gpu,
        link=node.intra_node_link, gpus_per_node=node.gpus_per_node,
        gpu_count=cluster.gpu_count,
        gpu_totals=tuple({n.gpu.memory_total_bytes for n in cluster.nodes}),
        budgets={n.gpu.memory_total_bytes: shared.ENGINE.budget_bytes(n.gpu.memory_total_bytes, s)
                 for n in cluster.nodes},
        busy=any(n.memory_used_bytes for n in cluster.nodes),
    )
    return resolved._replace(overhead_key=_overhead_key(resolved, s))


def _derive_on_gpu(spec: ModelSpec, gpu: GpuSpec, ccs: tuple[str, ...], s: EngineSettings,
                   batched: bool, graph_tp: int) -> dict[str, Any]:
    """The Resolved fields that follow the sizing GPU and settings, not the cluster's size
    (`ccs`: its nodes' compute capabilities, which refuse_unplannable and ep_refusal
    read and FlashInfer's workspace is worked out for, one each; `graph_tp`: resolve's
    _graph_tp)."""
    rules = vllm_rules(s.vllm_version)
    window = vllm_window(spec, rules.version)
    max_model_len = s.max_model_len or window.start
    long = long_len(s.allow_long_max_model_len, max_model_len, window)
    fp8_kv = checkpoint_fp8_kv(spec, s, rules)
    mbt, seqs = _batch_limits(s, rules, gpu, max_model_len, batched)
    bf16 = gpu.computes_bf16
    fp16 = not float16_refused(spec.model_type, rules.version)
    served = served_dtype(s, spec.torch_dtype, bf16, fp16)
    scheme = _weight_scheme(spec, s, served)
    cli = vllm_cli(s.vllm_version)
    refuse_unplannable(spec, ccs, s, rules, cli, scheme)
    _require_mamba_settings(spec, s, rules, max_model_len)
    started = _launch(spec, s, rules, cli, gpu, scheme, max_model_len, mbt, seqs, long)
    runner = _runner(spec, s, rules, scheme, gpu.vendor == "amd")
    remote_gap = remote_code_gap(spec, cli) or library_backend_gap(spec, cli) or ()
    b12x = s.moe_backend == B12X and spec.is_moe  # vLLM reads --moe-backend for MoE layers only
    selector_kv = "fp8" if fp8_kv else s.kv_cache_dtype  # the KV dtype the selector sees
    spec_tokens = (s.num_speculative_tokens if spec.mtp_layers or s.speculative_draft is not None
                   else 0)
    act_b = TORCH_DTYPE_BYTES[served]
    subtract_graphs = rules.graphs_subtracted and not s.enforce_eager
    ask = _GraphAsk(selector_kv=selector_kv, served=served, max_num_seqs=seqs,
                    max_num_batched_tokens=mbt, spec_tokens=spec_tokens, runner=runner[0],
                    tp=graph_tp, act_bytes=act_b, subtract_graphs=subtract_graphs)
    captures = {cc: _capture(spec, s, rules, cc, gpu.vendor, ask) for cc in ccs}
    mixed = quant.checkpoint_formats(spec, scheme) is not None  # ModelOpt MIXED_PRECISION
    mismatch = tuple(quantization_errors(spec, s.quantization))
    load = weight_load_rules(spec, scheme, s.moe_backend, rules.version, gpu,
                             mxfp4_on_marlin(s, gpu.vendor), max_model_len,
                             video_pruned(spec, s))
    eplb_kind = moe_method_kind(spec.quant.method if spec.quant else None, s.quantization,
                                bool(s.target_quant), scheme.key)
    return dict(
        gpu_name=gpu.name, wsl2=gpu.wsl2,
        max_model_len=_drafted_len(s, runner[0], max_model_len),
        mbt=mbt, seqs=seqs,
        kv_plain=served_kv_elem_bytes(spec, s, bf16, rules),
        block_size=_block_size(spec, s, rules, gpu, selector_kv),
        act_b=act_b,
        subtract_graphs=subtract_graphs,
        old_graphs=not rules.graphs_subtracted and not s.enforce_eager,
        tokens_from_concurrency=rules.tokens_from_concurrency,
        scheme=scheme, mixed=mixed,
        facts=text_only_facts(spec) if text_only(spec, s) else model_facts(spec),
        nvswitch_sharp=gpu.default_intra_node_link == "nvlink" and _cc(gpu) >= (9, 0),
        compute_capability=gpu.compute_capability,
        captures=captures,
        fa4_fp8_hd512=rules.sm90_fa4_fp8_hd512 and _cc(gpu)[0] == 9
        and VLLM_KV_DTYPE[selector_kv] in ("fp8", "fp8_e4m3"),
        comm_counted=rules.version < COMM_BEFORE_SNAPSHOT_FROM,
        sampler=(rules.sort_sampler and not s.flashinfer_sampler, rules.sampler_holds_forward),
        runner=runner,
        vision_first_stage_only=runner[0] == "v2"
        and rules.version >= TOWER_FIRST_STAGE_ON_V2_FROM,
        load=load,
        siglip_head=rules.version < SIGLIP_HEAD_DROPPED_FROM,
        tower_whole=spec.model_type == "kimi_vl" and rules.version < MOONVIT_SPLIT_FROM
        or encoder_data_parallel(spec, s, rules.version),
        tower_dropped=tower_dropped(spec, s, rules.version),
        transformers_backend=transformers_backend(spec, cli.transformers_architectures),
        encoder_tp_data=data_mode_taken(spec, rules.version),
        linear_ask=(served, rules.version, gpu),
        encoder_every_stage=runner[0] == "v1" and spec.model_type in VISION_ON_EVERY_STAGE,
        encoder_rules=runner_encoder_rules(rules.encoder._replace(
            data_parallel=encoder_data_parallel(spec, s, rules.version),
            items_per_prompt=profiled_limit(spec, s),
            video_patches=profiled_video_patches(spec, s),
            position_channels=position_channels(spec, s, rules.version)), runner[0],
            rules.version),
        pan_and_scan=pan_and_scan_profile(spec, s, mbt, seqs, max_model_len),
        in_flight_window=rules.in_flight_window,
        kv_grouping=(rules.group_pad_ratio, rules.page_unify, rules.global_kv_groups),
        expert_pad=load.expert_pad,
        states=_state_rules(spec, s, rules, gpu.compute_capability),
        align_block_batched=_align_block_batched(spec, s, rules),
        gpu_notes=gpu_notes(spec, s, rules, cli, gpu, scheme, load.mxfp4_kernel),
        model_notes=model_notes(spec, gpu, s, rules)
        + setting_notes(spec, s, rules, cli, gpu, scheme, remote_gap, b12x, eplb_kind)
        + _draft_window_notes(s, runner[0], max_model_len)
        + ((over_window_warning(max_model_len, window, rules.version, spec.model_type,
                                rope_cache_reach(spec, load.mrope_factor, load.rope_positions)),)
           if long else ()),
        gap_parts=remote_gap[:1] + unread_weights_part(spec, scheme)
        + ((over_window_part(window),) if long else ()),
        model_limit=max_model_len if long else window.limit,
        long_len=long,
        refusals=config_refusals(spec, s, rules, cli, gpu, scheme, window, max_model_len,
                                 mbt, seqs, mixed, mismatch, fp16, served)
        + quant_refusals(spec, s, rules, cli, gpu, scheme, served, mixed, mismatch)
        + moe_refusals(spec, s, rules, cli, gpu, scheme, b12x, eplb_kind)
        + started.refused + tuple(triton_sm75_errors(gpu, spec, cli, served))
        + _graph_refusal(s, rules, ask, gpu.compute_capability, captures),
        ep_refusal=ep_refusal(ccs, s, rules, scheme, b12x),
        tp_refusal=gptq_tp_refusal(spec, scheme, served, rules.version, gpu),
        launch=started,
        whole_16bit=quant.scheme(quant.DTYPE_SCHEME[served])
        if rules.version < FP8_AT_LOAD_ON_META_FROM and fp8_made_at_load(
            spec.name or "<model>", scheme, s, config_quant_method(spec), rules.version)
        else None,
    )


def _blackwell_sizes(rules: VllmRules, cc: str) -> bool:
    """Whether vLLM `rules` captures up to 1,024 tokens on a GPU of compute capability `cc`
    (vllm_versions.BLACKWELL_GRAPHS_1024_FROM: datacenter Blackwell, 10.x)."""
    return rules.blackwell_graphs_1024 and (parse_capability(cc) or (0, 0))[0] == 10


class _GraphAsk(NamedTuple):
    """What every worker's CUDA graph capture follows besides its GPU (_capture,
    _graph_refusal): the KV dtype the backend selector sees and the served dtype, the batch
    limits, the draft's tokens, the model runner and the TP size the capture sizes round to
    (resolve's _graph_tp), as cuda_graph_count and spec_graph_refusal take them, and the
    activations' bytes and whether vLLM subtracts the graph estimate, as flashinfer_workspace
    takes them."""

    selector_kv: str
    served: str
    max_num_seqs: int
    max_num_batched_tokens: int
    spec_tokens: int
    runner: str
    tp: int
    act_bytes: int
    subtract_graphs: bool

    def graph_args(self, rules: VllmRules, cc: str, full_decode: bool) -> tuple:
        """cuda_graph_count's and spec_graph_refusal's arguments on a GPU of compute
        capability `cc`, in their order."""
        return (self.max_num_seqs, self.max_num_batched_tokens, _blackwell_sizes(rules, cc),
                rules, full_decode, self.spec_tokens, self.runner, self.tp)


def _capture(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cc: str, vendor: str,
             ask: _GraphAsk) -> Capture:
    """What a worker on a GPU of compute capability `cc` captures (Capture): its attention
    backend's cudagraph support on that GPU (TRITON_MLA, FLEX_ATTENTION or a draft's backend
    without full graphs), the graphs (cuda_graph_count of `ask`'s batch limits and draft) and
    FlashInfer's workspace.

    NOTE: the capture sizes are the GPU's own too: config/vllm.py _set_cudagraph_sizes reads
    current_platform where the VllmConfig is built (0.30.0 wheel), and every node past node
    0 builds its own (entrypoints/cli/serve.py run_headless: MultiprocExecutor(vllm_config) for
    the node's workers), as Headroom's commands start them wherever that rule exists (--nnodes
    from 0.11.1, launch.over_nodes; BLACKWELL_GRAPHS_1024_FROM is 0.28.0)."""
    mla = triton_mla_piecewise(spec, rules, cc, vendor) or (
        rules.full_graphs and triton_mla_fallback(spec, s.block_size, rules.version, cc,
                                                  ask.selector_kv))
    flex = flex_decodes_piecewise(cc, spec, rules)
    drafted = None if mla or flex else spec_piecewise_backend(
        spec, rules, cc, vendor, ask.selector_kv, ask.served, ask.spec_tokens,
        not text_only(spec, s), s.block_size)
    graphs = lora_graph_count(
        cuda_graph_count(*ask.graph_args(rules, cc, not (mla or flex or drafted))),
        s.enable_lora, rules.version, ask.runner, s.max_loras, s.specialize_active_lora)
    return Capture(graphs, mla, flex, drafted,
                   flashinfer_workspace(spec, s, rules, cc, ask.act_bytes, graphs[1],
                                        ask.subtract_graphs, ask.runner))


def _graph_refusal(s: EngineSettings, rules: VllmRules, ask: _GraphAsk, first_cc: str,
                   captures: dict[str, Capture]) -> tuple[str, ...]:
    """vLLM's refusal of the CUDA graph capture sizes for a draft (engine.spec_graph_refusal
    of `ask`'s batch limits and draft) on the first of the cluster's GPUs that refuses
    them, node 0's (`first_cc`) first; none under --enforce-eager (no graph captured).

    NOTE: every worker rounds its own capture sizes for its own cudagraph mode: the model
    runner calls adjust_cudagraph_sizes_for_spec_decode when its attention backend leaves
    full decode graphs (v1/worker/gpu_model_runner.py _check_and_update_cudagraph_mode, 0.11.1
    and 0.12.0 wheels; CompilationConfig.resolve_cudagraph_mode_and_sizes from it, 0.30.0 and
    0.34.0), and one worker's ValueError stops the start-up: an H100 stage refuses what an
    A100 node 0 (TRITON_MLA, piecewise: no rounding) starts."""
    if s.enforce_eager:
        return ()
    for cc in sorted(captures, key=lambda cc: cc != first_cc):
        refusal = spec_graph_refusal(*ask.graph_args(rules, cc, captures[cc].full_decode))
        if refusal:
            return (refusal,)
    return ()


def _drafted_len(s: EngineSettings, runner: str, max_model_len: int) -> int:
    """The max_model_len vLLM serves with: `max_model_len` (given, or the model's), lowered to
    an EAGLE-3 drafter's where vLLM does (eagle_window.draft_window_limit; VllmConfig lowers
    it after --max-model-len was checked against the model's window and the batch limits were
    set, so those and the launch command keep `max_model_len`)."""
    draft = s.speculative_draft
    limit = draft and draft_window_limit(draft, s.vllm_version, runner, max_model_len)
    return limit or max_model_len


def _draft_window_notes(s: EngineSettings, runner: str, max_model_len: int) -> tuple[str, ...]:
    """An EAGLE-3 drafter's window note (eagle_window.draft_window_note), where one applies."""
    draft = s.speculative_draft
    note = draft and draft_window_note(draft, s.vllm_version, runner, max_model_len)
    return (note,) if note else ()


def _batch_limits(s: EngineSettings, rules: VllmRules, gpu: GpuSpec, max_model_len: int,
                  batched: bool) -> tuple[int, int]:
    """(--max-num-batched-tokens, --max-num-seqs): the flags where given, else vLLM's
    defaults for this GPU and release (engine.default_batch_limits), the token budget at
    most max_num_seqs x max_model_len."""
    default_mbt, default_seqs = default_batch_limits(
        gpu.memory_total_bytes, gpu.name, max_model_len, rules, gpu.compute_capability,
        s.enable_chunked_prefill, batched, s.max_num_batched_tokens,
    )
    seqs = s.max_num_seqs or default_seqs
    mbt = s.max_num_batched_tokens or min(default_mbt, seqs * max_model_len)
    return mbt, seqs


def _launch(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli, gpu: GpuSpec,
            scheme: quant.QuantScheme, max_model_len: int, mbt: int, seqs: int,
            long: bool) -> Launch:
    """The `vllm serve` command for these settings (planner.serving.launch), with the note of
    a model vLLM cannot load as configured and, for an auto-round target, INC's refusals of
    the checkpoint as stored; VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 before it where `long`
    (long_len.long_len)."""
    method = config_quant_method(spec)
    return launch(spec.name or "<model>", scheme, s,
                  shared.ENGINE.launch_flags(s, max_model_len, mbt, seqs), cli,
                  spec.unservable or untyped_config_note(spec, cli)
                  or unknown_type_note(spec, cli)
                  or (None if s.trust_remote_code else remote_code_note(spec, cli)),
                  method, tuple(inc_as_stored_errors(spec, rules.version, gpu))
                  if s.target_quant and method == "auto-round" else (), long)


def _runner(spec: ModelSpec, s: EngineSettings, rules: VllmRules, scheme: quant.QuantScheme,
            rocm: bool) -> tuple[str, str]:
    """The model runner vLLM `rules` starts this model on (vllm_versions.model_runner, or the
    one EngineSettings.model_runner asks: runner_choice.asked_runner; `rocm`: an AMD GPU): the
    checkpoint is quantized when its config has a quantization_config
    (spec.quant), or a what-if names a quantized format; a runtime --quantization leaves the
    config as it is."""
    quantized = scheme.family != "float" if s.target_quant else spec.quant is not None
    default = model_runner(rules, spec.architectures, spec.is_moe, quantized,
                           spec.has_state_layers, rocm=rocm)
    return asked_runner(rules, s.model_runner, default, spec.has_state_layers,
                        _mamba_mode(spec, s, rules) == "align", spec.architectures)


def _mamba_mode(spec: ModelSpec, s: EngineSettings, rules: VllmRules) -> str:
    """A hybrid model's mamba_cache_mode (vllm_versions.mamba_cache_mode): prefix caching as
    given, else the release's default for hybrids; the mode as --mamba-cache-mode asks."""
    return mamba_cache_mode(rules.version, spec.architectures,
                            hybrid_prefix_caching(rules, s.enable_prefix_caching),
                            s.num_speculative_tokens > 0, s.mamba_cache_mode)


def _require_mamba_settings(spec: ModelSpec, s: EngineSettings, rules: VllmRules,
                            max_model_len: int) -> None:
    """EngineError in vLLM's words where it refuses these settings on every layout:
    --mamba-block-size given, other than max_model_len, with prefix caching off (given off, or
    a hybrid's default off before 0.28; vllm_versions.MAMBA_BLOCK_WITHOUT_PREFIX_CACHING); a
    model with recurrent state in mamba_cache_mode "align" without chunked prefill, or with
    MTP speculative decoding vLLM builds (mtp_refusal: none) before 0.17
    (vllm_versions.align_refusal). A model without recurrent state is taken to run prefix
    caching by default (vLLM V1's for a decoder)."""
    prefix_caching = (hybrid_prefix_caching(rules, s.enable_prefix_caching)
                      if spec.has_state_layers
                      else s.enable_prefix_caching is not False)
    if s.mamba_block_size not in (None, max_model_len) and not prefix_caching:
        raise EngineError(f"--mamba-block-size {s.mamba_block_size}: vLLM {rules.label} "
                          "refuses it without prefix caching (config/vllm.py "
                          f"validate_mamba_block_size): \"{MAMBA_BLOCK_WITHOUT_PREFIX_CACHING}\"")
    refusal = align_refusal(
        rules.version, rules.label, s.enable_chunked_prefill,
        s.num_speculative_tokens > 0 and not mtp_refusal(spec, s)
    ) if spec.has_state_layers and _mamba_mode(spec, s, rules) == "align" else None
    if refusal:
        raise EngineError(refusal)


def _align_block_batched(spec: ModelSpec, s: EngineSettings, rules: VllmRules) -> bool:
    """Whether vLLM `rules` asserts the attention block at most --max-num-batched-tokens: a
    model with recurrent state in mamba_cache_mode "align" in vllm_versions.ALIGN_BLOCK_BATCHED
    (checked per layout, whose TP sizes the block: refusals.align_block_error)."""
    return (in_span(rules.version, *ALIGN_BLOCK_BATCHED) and spec.has_state_layers
            and _mamba_mode(spec, s, rules) == "align")


def _state_rules(spec: ModelSpec, s: EngineSettings, rules, compute_capability: str
                 ) -> StateRules:
    """State pages per request, the conv states' width, the MTP draft's KV layers and the
    attention block's multiple (32 for head size 256 under FlashInfer's Blackwell bug,
    vllm_versions.FLASHINFER_HD256_FROM; 16 else; lcm'd with 64 where Gated DeltaNet exports
    FlashInfer prefill checkpoints, GDN_CHECKPOINT_FROM).

    NOTE: vLLM MambaSpec.max_memory_usage_bytes (v1/kv_cache_interface.py, 0.15.0-0.34.0
    wheels): a request holds 2 + num_speculative_blocks (+ num_prefill_checkpoint_blocks: 1
    for Mamba2 from MAMBA2_CHECKPOINT_BLOCK_FROM, for GDN on FlashInfer from
    GDN_CHECKPOINT_FROM) state pages in mamba_cache_mode "align" (prefix caching on a hybrid
    model), 1 + num_speculative_blocks in "none"; in "all" (vllm_versions.MAMBA_ALL_BEFORE)
    cdiv(max_model_len, block) (+ num_speculative_blocks from MAMBA_ALL_SPEC_PAGES_FROM), the
    block a multiple of the model's Mamba chunk (StateRules.state_all, checkpoint_align);
    mamba/abstract.py sets num_speculative_blocks = num_speculative_tokens, and
    MambaStateShapeCalculator widens each conv state to kernel - 1 + num_speculative_tokens.
    The MTP draft's attention layers (spec.mtp_layers) join the KV cache, or an EAGLE-3
    drafter's (planner.serving.eagle.eagle_kv_layers) in its place. Llama 4's chunked
    layers are full attention before vllm_versions.CHUNKED_HYBRID_FROM.
    """
    n = s.num_speculative_tokens
    mode = _mamba_mode(spec, s, rules)
    align, per_block = mode == "align", mode == "all"
    hd256 = flashinfer_hd256_bug(rules, compute_capability) and any(
        isinstance(layer.mixer, AttentionMixer) and layer.mixer.head_dim == 256
        for layer in spec.layers)
    gdn = [layer.mixer for layer in spec.layers
           if isinstance(layer.mixer, LinearAttentionMixer)]
    checkpoints = align and bool(gdn) and all(
        gdn_flashinfer_prefill(rules.version, compute_capability, m.key_head_dim) for m in gdn)
    mamba2 = align and rules.version >= MAMBA2_CHECKPOINT_BLOCK_FROM and any(
        isinstance(layer.mixer, MambaMixer) for layer in spec.layers)
    if per_block:
        held = n if rules.version >= MAMBA_ALL_SPEC_PAGES_FROM else 0
        multiple = s.mamba_block_size or next(layer.mixer.chunk_size for layer in spec.layers
                                              if isinstance(layer.mixer, MambaMixer))
    else:
        held = (2 if align else 1) + n + (checkpoints or mamba2)
        multiple = FLASHINFER_GDN_CHECKPOINT_TOKENS if checkpoints else 1
    eagle = s.speculative_draft
    return StateRules(rules.config_ssm_dtype, held, n,
                      spec.mtp_layers if n and eagle is None else 0, 32 if hd256 else 16,
                      rules.version >= HYBRID_ALIGN_TO_BLOCK_FROM, not rules.chunked_hybrid,
                      multiple, per_block, _nemotron_ssm_bytes(spec, s, rules),
                      _asked_bytes(s.mamba_cache_dtype), _asked_bytes(s.mamba_ssm_cache_dtype),
                      eagle_kv_layers(eagle, spec) if eagle is not None else ())


def _nemotron_ssm_bytes(spec: ModelSpec, s: EngineSettings, rules: VllmRules) -> int | None:
    """The width of the SSM state vLLM takes for a Nemotron-H config without
    mamba_ssm_cache_dtype (vllm_versions.nemotron_ssm_default: its release, architectures and
    whether --trust-remote-code reads the config with auto_map's class); None: the release
    reads no dtype from this model's config, the model dtype."""
    dtype = nemotron_ssm_default(rules.version, spec.architectures,
                                 s.trust_remote_code and spec.remote_config_class is not None)
    return None if dtype is None else TORCH_DTYPE_BYTES[dtype]


def _asked_bytes(mamba_dtype: str) -> int | None:
    """The width of a --mamba-cache-dtype / --mamba-ssm-cache-dtype given (None: auto)."""
    return None if mamba_dtype == "auto" else TORCH_DTYPE_BYTES[mamba_dtype]


def _block_size(spec: ModelSpec, s: EngineSettings, rules: VllmRules, gpu: GpuSpec,
                selector_kv: str) -> int:
    """The block size vLLM runs with (mla_block.mla_block_size), raised where a Gemma 4
    served with images runs TRITON_FLASHINFER and --block-size is not given
    (gemma4_backend.gemma4_default_block)."""
    block = mla_block_size(spec, s.block_size, rules.version, gpu.compute_capability,
                           selector_kv, gpu.vendor)
    if s.block_size is not None or gpu.vendor != "nvidia":
        return block
    return gemma4_default_block(spec, rules.version, capability(gpu) or 0,
                                VLLM_KV_DTYPE[selector_kv],
                                gemma4_mm_prefix(spec, rules.version, not text_only(spec, s)),
                                block)


def _cc(gpu) -> tuple[int, int]:
    """The GPU's compute capability as numbers ((0, 0) when unknown, e.g. AMD targets)."""
    return parse_capability(gpu.compute_capability) or (0, 0)


def piecewise_decode(request: PlanRequest, gpu: GpuSpec) -> tuple[bool, bool]:
    """Why the plan's ranks on `gpu` (a speed Device's: a pipeline stage's GPU) decode with
    piecewise CUDA graphs on a release that captures full decode graphs, for the speed's cost
    and caveat: (its MLA attention on TRITON_MLA, engine.triton_mla_piecewise or
    mla_block.triton_mla_fallback; its attention on FLEX_ATTENTION,
    startup.attention_backend.flex_decodes_piecewise), as that GPU's capture resolves them
    (Resolved.captures: each worker resolves its cudagraph mode from its own attention
    backend, gpu_model_runner.py _check_and_update_cudagraph_mode, 0.19.0 and 0.30.0)."""
    r = resolve(request.model, request.cluster, request.engine, request.layout)
    capture = r.captures[gpu.compute_capability]
    return capture.mla_piecewise, capture.flex_piecewise


def state_dtypes(request: PlanRequest) -> StateRules:
    """The state dtypes the memory plan holds a request's recurrent state in (the release's
    defaults, the config's and --mamba-cache-dtype / --mamba-ssm-cache-dtype:
    engine.state_dtype_rules of its StateRules), for the speed's decode reads."""
    r = resolve(request.model, request.cluster, request.engine, request.layout)
    return state_dtype_rules(r.states)


def _overhead_key(r: Resolved, s: EngineSettings) -> tuple:
    """Everything _worker_overheads reads besides the spec, layout, stage and worker's GPU
    capability (plan.worker.overheads keys those): the Worker's resolved settings and the
    settings' overrides."""
    return (r.mbt, r.seqs, r.act_b, r.link, r.nvswitch_sharp, r.gpus_per_node,
            r.max_model_len, r.comm_counted,
            r.sampler, r.subtract_graphs,
            r.encoder_every_stage, r.encoder_rules, s.activation_bytes,
            s.non_torch_bytes, s.cuda_graph_bytes, s.enforce_eager, s.skip_mm_profiling,
            s.language_model_only, s.zero_mm_limits, s.mm_item_limits, s.mm_processor_kwargs,
            s.moe_backend and (s.moe_backend, s.vllm_version, s.num_speculative_tokens),
            s.all2all_backend and (s.all2all_backend, s.vllm_version),
            # the runner buffers' (runner_buffers)
            r.runner[0], vllm_rules(s.vllm_version).runner_buffers, placeholder_block(s),
            s.num_speculative_tokens, s.speculative_draft is None)


def served_scheme(request: PlanRequest) -> quant.QuantScheme:
    """The weight format vLLM holds for this request (what plan() sizes the weights in)."""
    return resolve(request.model, request.cluster, request.engine,
                   request.layout).scheme
