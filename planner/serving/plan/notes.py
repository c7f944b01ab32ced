"""The warnings that refuse nothing: the format's, the settings', the model's, the layout's."""

from planner.model import quant
from planner.model.config.reader import MAX_CONTEXT
from planner.model.spec import LinearAttentionMixer, MambaMixer, ModelSpec
from planner.serving.eagle import eagle_note
from planner.serving.engine import EngineSettings, ds_mla_read, is_sparse_mla
from planner.serving.eplb import method_note
from planner.serving.hardware import ClusterSpec, GpuSpec
from planner.serving.hf_overrides import hf_overrides_notes
from planner.serving.layout import ParallelLayout, straddling_tp_group
from planner.serving.mm_modes import mm_mode_notes, profiled_video_patches
from planner.serving.mm_processor import processor_notes
from planner.serving.moe_backend import (
    FLYDSL,
    aiter_env_note,
    b12x_note,
    dense_note,
    mxfp4_triton_runs,
    oracle_skip_note,
    runs_flydsl,
)
from planner.serving.mxfp4 import mxfp4_backend_picks, mxfp4_note, mxfp4_on_marlin
from planner.serving.mxfp4_kernels import Mxfp4Kernel
from planner.serving.plan import shared
from planner.serving.plan.cluster import CLUSTER_GPUS, last_node, nvlink_gpus
from planner.serving.plan.facts import Resolved
from planner.serving.plan.shared import gib
from planner.serving.processor_order import processor_order_note
from planner.serving.startup.autoround import inc_notes, inc_quantization_notes
from planner.serving.startup.exclusion_lists import exclusion_list_note, mapper_split_note
from planner.serving.startup.fp4_weights import fp4_weight_notes, rocm_fp4_notes
from planner.serving.startup.model_config import gemma_asserts_tie
from planner.serving.tie import transformers_tie_note
from planner.serving.unnamed_architecture import filled_generator_note
from planner.serving.video_pruning import pruning_notes
from planner.serving.vllm_cli import VllmCli, vllm_cli
from planner.serving.vllm_versions import (
    CHUNKED_OFF_TOKENS_MAX_FROM,
    DSV4_LAYOUT_FROM,
    DSV4_LAYOUT_GONE_FROM,
    MAMBA_ALIGN_FROM,
    MAMBA_ALL_DEPRECATED,
    MAMBA_BLOCK_IN_ALIGN,
    MAMBA_MODE_ASKED,
    MAMBA_MODE_IGNORED_FROM,
    MAMBA_MODE_IGNORED_LOG,
    NEMOTRON_H_SSM_FP32_FROM,
    QWEN35_SSM_OVERRIDE_LOG,
    ROPE_PARAMETERS_WINDOW_FROM,
    TOKENIZER_WINDOW_POOLING_ONLY_FROM,
    TRANSFORMERS_4_ROPE_THETA,
    TRANSFORMERS_5_ALLOWED_FROM,
    TRANSFORMERS_5_ONLY_FROM,
    V1_ONLY_FROM,
    VllmRules,
    free_memory_source,
    hybrid_prefix_caching,
    hybrid_prefix_caching_dropped,
    in_span,
    mamba_cache_mode,
    nemotron_ssm_architectures,
    qwen35_ssm_architectures,
    unified_memory_note,
)
from planner.units import number_as_given


def gpu_notes(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
              gpu: GpuSpec, scheme: quant.QuantScheme, kernel: Mxfp4Kernel) -> tuple[str, ...]:
    """The notes of the weight format on the sizing GPU (Resolved.gpu_notes): MXFP4's kernel
    and padding on vLLM < 0.11 (mxfp4_note) unless Marlin is asked for, else the FP4
    formats' notes on CUDA (naming the setting that puts MXFP4 on Marlin) and ROCm. `kernel`:
    the one MXFP4 experts run on (mxfp4.mxfp4_moe_kernel_of), which the notes name: none where
    it is OpenAI's Triton MoE and that does not run on this GPU (the plan is refused:
    moe_backend.oracle_refusal)."""
    mxfp4 = scheme.key == "mxfp4"
    old_mxfp4 = (mxfp4_note(rules.version, gpu.compute_capability, kernel)
                 if mxfp4 and rules.version < V1_ONLY_FROM and gpu.vendor == "nvidia" else None)
    on_marlin = mxfp4_on_marlin(s, gpu.vendor)
    named = mxfp4_backend_picks(rules.version, on_marlin, s.moe_backend)  # picks `kernel`
    marlin_by = (("--enable-lora" if s.enable_lora else "mxfp4_marlin") if on_marlin
                 else "--moe-backend marlin" if named and kernel == "marlin" else None)
    runs = kernel != "triton" or mxfp4_triton_runs(rules.version, gpu.vendor,
                                                   gpu.compute_capability) is not False
    return ((old_mxfp4,) if old_mxfp4 and not s.mxfp4_marlin
            else tuple(fp4_weight_notes(gpu, scheme, cli, marlin_by,
                                        kernel if mxfp4 and runs else None,
                                        (named, rules.version) if named else None,
                                        rules.version)
                       + rocm_fp4_notes(spec, scheme, rules.version, gpu)))


def setting_notes(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                  gpu: GpuSpec, scheme: quant.QuantScheme, remote_gap: tuple, b12x: bool,
                  eplb_kind: str) -> tuple[str, ...]:
    """The model notes that follow the format and flags (INC, the remote-code gap's rest, the
    exclusion list this release reads and how it matches a ModelOpt list's 'X*' entries, a
    filled generation config, the MoE backend's, EPLB's, vLLM's log on a
    --mamba-ssm-cache-dtype over Qwen3.5's, on a --mamba-cache-mode or --mamba-block-size it
    changes or drops, an EAGLE-3 drafter's and its config's garbage numbers, --hf-overrides'),
    after model_notes' own."""
    return (tuple(inc_notes(spec, scheme, rules.version, gpu))
            + tuple(inc_quantization_notes(spec, s.quantization)) + remote_gap[1:] + tuple(
                filter(None, [exclusion_list_note(spec, scheme, rules.version),
                              mapper_split_note(spec, scheme, rules.version),
                              filled_generator_note(spec, cli),
                              b12x_note(rules.version) if b12x else None,
                              _flydsl_note(scheme) if runs_flydsl(
                                  spec, scheme, s.moe_backend, rules.version,
                                  gpu.compute_capability) else None,
                              oracle_skip_note(spec, scheme, s.moe_backend, rules.version)
                              if s.moe_backend else None,
                              dense_note(s.moe_backend, spec) if s.moe_backend else None,
                              aiter_env_note(spec, scheme, s.moe_backend, rules.version,
                                             gpu.vendor)
                              if s.moe_backend else None,
                              method_note(eplb_kind, rules.version)
                              if s.enable_eplb and spec.is_moe else None,
                              _ssm_override_note(spec, s, rules),
                              _nemotron_ssm_class_note(spec, s, rules),
                              eagle_note(s.speculative_draft, s.num_speculative_tokens,
                                         s.vllm_version)
                              if s.speculative_draft is not None else None]))
            + (s.speculative_draft.warnings if s.speculative_draft is not None else ())
            + mamba_mode_notes(spec, s, rules)
            + mm_mode_notes(spec, s, rules.version) + processor_notes(spec, s, rules.version)
            + pruning_notes(spec, s, rules.version, bool(profiled_video_patches(spec, s)))
            + tuple(filter(None, [processor_order_note(spec, rules.version)]))
            + hf_overrides_notes(s.hf_overrides, rules.version, rules.label))


def _ssm_override_note(spec: ModelSpec, s: EngineSettings, rules: VllmRules) -> str | None:
    """vLLM's warning where --mamba-ssm-cache-dtype is given over a different mamba_ssm_dtype
    in a Qwen3.5 config (QWEN35_SSM_OVERRIDE_LOG, for the architectures that release sends
    through that config class); None elsewhere. The state is planned in the value given
    (engine.stages._state_dtype), as vLLM uses it."""
    given = s.mamba_ssm_cache_dtype
    if given == "auto" or not qwen35_ssm_architectures(rules.version).intersection(
            spec.architectures):
        return None
    config = next((layer.mixer.ssm_dtype for layer in spec.layers
                   if isinstance(layer.mixer, LinearAttentionMixer) and layer.mixer.ssm_dtype),
                  None)
    if config in (None, given):
        return None
    logged = QWEN35_SSM_OVERRIDE_LOG.format(config=config, given=given)
    return (f"vLLM {rules.label} logs \"{logged}\" (model_executor/models/config.py "
            "Qwen3_5ForConditionalGenerationConfig): the "
            f"Gated DeltaNet SSM state is planned in {given}, as given, not in the config's "
            f"{config}.")


def _nemotron_ssm_class_note(spec: ModelSpec, s: EngineSettings, rules: VllmRules
                             ) -> str | None:
    """Which config class sets the Mamba2 SSM state's dtype where a Nemotron-H config.json
    names none, on the release that runs under transformers 4 or 5 and still falls back on
    float16 (TRANSFORMERS_5_ALLOWED_FROM up to NEMOTRON_H_SSM_FP32_FROM: 0.19.1), and the
    other case's figure; None elsewhere, or where --mamba-ssm-cache-dtype is given. Planned as
    vllm_versions.nemotron_ssm_default: the repository's class (float16) with
    --trust-remote-code and an auto_map AutoConfig, else transformers 5's (float32)."""
    if (s.mamba_ssm_cache_dtype != "auto"
            or not TRANSFORMERS_5_ALLOWED_FROM <= rules.version < NEMOTRON_H_SSM_FP32_FROM
            or not nemotron_ssm_architectures(rules.version).intersection(spec.architectures)
            or not any(isinstance(layer.mixer, MambaMixer) and layer.mixer.config_ssm_dtype
                       and layer.mixer.state_dtype is None for layer in spec.layers)):
        return None
    head = (f"vLLM {rules.label} runs under transformers 4 or 5 (it requires transformers "
            ">=4.56.0, not 5.0-5.5.0), and config.json names no mamba_ssm_cache_dtype, so the "
            "Mamba2 SSM state's dtype is the default of the config class vLLM reads it with "
            "(models/config.py NemotronHForCausalLMConfig): ")
    if s.trust_remote_code and spec.remote_config_class is not None:
        return head + (f"with --trust-remote-code that is auto_map's {spec.remote_config_class} "
                       "under either, taken to declare none, as NVIDIA's does (vLLM's copy, "
                       "configs/nemotron_h.py): planned in float16, vLLM's fallback. Without "
                       "the flag, transformers 5, which a fresh pip install of this release "
                       "resolves, reads it with its own NemotronHConfig, float32: twice the SSM "
                       "state bytes.")
    remote = ("only with --trust-remote-code, with auto_map's class, taken to declare none "
              "as NVIDIA's does: float16, vLLM's fallback, half the SSM state bytes"
              if spec.remote_config_class is not None else
              "not at all (no nemotron_h class, and config.json has no auto_map AutoConfig)")
    return head + ("planned under transformers 5, which a fresh pip install of this release "
                   "resolves, whose NemotronHConfig declares float32. Under transformers 4 vLLM "
                   f"reads the config {remote}.")


def mamba_mode_notes(spec: ModelSpec, s: EngineSettings, rules: VllmRules) -> tuple[str, ...]:
    """What vLLM `rules` logs on a --mamba-cache-mode given (its deprecations, any model; for a
    model with Mamba / Gated DeltaNet layers the mode it runs instead: MAMBA_MODE_ASKED), on
    an --enable-prefix-caching it drops for such a model before 0.15.0
    (hybrid_prefix_caching_dropped) or keeps with a state page per block, and
    a --mamba-block-size that changes nothing in mamba_cache_mode "align"
    (MAMBA_BLOCK_IN_ALIGN); () where neither is given. The plan pages the state in the mode
    vLLM runs (vllm_versions.mamba_cache_mode)."""
    asked, version = s.mamba_cache_mode, rules.version
    notes = []
    start, end, words = MAMBA_ALL_DEPRECATED
    if asked == "all" and in_span(version, start, end):
        notes.append(f"vLLM {rules.label} logs \"{words}\" (config/cache.py).")
    if asked != "auto" and version >= MAMBA_MODE_IGNORED_FROM:
        notes.append(f"vLLM {rules.label} logs \""
                     + MAMBA_MODE_IGNORED_LOG.format(release=f"v{version[0]}.{version[1]}.0")
                     + f"\" (engine/arg_utils.py): --mamba-cache-mode {asked} is not passed on.")
    if not spec.has_state_layers:
        return tuple(notes)
    prefix_caching = hybrid_prefix_caching(rules, s.enable_prefix_caching)
    mode = mamba_cache_mode(version, spec.architectures, prefix_caching,
                            s.num_speculative_tokens > 0, asked)
    dropped = hybrid_prefix_caching_dropped(version, spec.architectures)
    if s.enable_prefix_caching and dropped:
        notes.append(f"--enable-prefix-caching: vLLM {rules.label} logs \"{dropped}\" "
                     "(model_executor/models/config.py MambaModelConfig); planned without "
                     "prefix caching.")
    elif s.enable_prefix_caching and version < MAMBA_ALIGN_FROM:
        notes.append(f"--enable-prefix-caching: vLLM {rules.label} keeps a state page per "
                     "block of max_model_len for each request, the block a multiple of the "
                     "Mamba chunk (mamba_cache_mode 'all' from 0.15.0; "
                     "vllm_versions.MAMBA_PREFIX_CACHING_FROM).")
    off, fallback, default = MAMBA_MODE_ASKED
    logged = (None if asked in ("auto", mode) or version >= MAMBA_MODE_IGNORED_FROM
              else off if not prefix_caching
              else fallback if asked == "all"
              else default.format(mode=mode, architecture=spec.architectures[0]))
    if logged:
        notes.append(f"--mamba-cache-mode {asked}: vLLM {rules.label} logs \"{logged}\" "
                     f"(model_executor/models/config.py MambaModelConfig); planned in "
                     f"mamba_cache_mode '{mode}'.")
    if s.mamba_block_size is not None and mode == "align":
        notes.append(MAMBA_BLOCK_IN_ALIGN.format(given=s.mamba_block_size, release=rules.label)
                     + ".")
    return tuple(notes)


def _flydsl_note(scheme: quant.QuantScheme) -> str:
    """The note where vLLM builds the experts with its FlyDSL MoE (moe_backend.runs_flydsl)."""
    return (f"--moe-backend {FLYDSL}: vLLM builds the {scheme.label} experts with its FlyDSL MoE "
            "(CompressedTensorsW4A16FlydslMoEMethod, gfx950), not the Triton MoE WNA16; the "
            "speed estimate's flydsl-moe takes the default MoE figures (uncalibrated), and the "
            "experts' load checks are CompressedTensorsWNA16MoEMethod's (FlyDSL's own not "
            "read).")


def _unified_startup_room(total_bytes: int, s: EngineSettings) -> str:
    """What vLLM's start-up check leaves the host on a unified-memory GPU, where the OS and
    every other process share the memory vLLM reads as free.

    NOTE: vLLM refuses to start when the free memory it reads is below requested_memory
    (gpu_worker.py init_device in the 0.9.1-0.13.0 wheels, v1/worker/utils.py
    request_memory by 0.33.0, and 0.34.0 without its extensible KV cache, which the launch
    command turns off and a given KV pool rules out: vllm_versions.EXTENSIBLE_KV_CACHE_FROM):
    the "less than desired GPU memory utilization" error. It checks before anything reads
    kv_cache_memory_bytes, so a given KV pool does not skip it (init_device in the 0.10.2,
    0.11.0, 0.13.0, 0.20.0, 0.33.0 and 0.34.0 wheels)."""
    budget = shared.ENGINE.budget_bytes(total_bytes, s)
    return (f" vLLM starts only if it reads at least {number_as_given(s.gpu_memory_utilization)} x "
            f"{gib(total_bytes)} = {gib(budget)} free, so the OS and other processes may hold "
            f"at most {gib(total_bytes - budget)} when it starts (lower "
            "--gpu-memory-utilization to leave them more).")


def model_notes(spec: ModelSpec, gpu: GpuSpec, s: EngineSettings, rules: VllmRules
                ) -> tuple[str, ...]:
    """The warnings no layout or worker changes (after the CUDA-graph one, in this order):
    rope_parameters unread before vLLM 0.12 (its rope_theta overwritten to 0.23 under
    transformers 4), the lm_head under transformers 4 pinned on releases that allow either,
    unified memory, DeepSeek-V4's and sparse MLA's
    unread KV layouts, unmodelled parts."""
    notes = []
    if not s.enable_chunked_prefill and rules.version < CHUNKED_OFF_TOKENS_MAX_FROM:
        notes.append(f"vLLM {s.vllm_version} turns chunked prefill back on for every generative "
                     "model (engine/arg_utils.py _set_default_args): --no-enable-chunked-prefill "
                     "has no effect there, and the plan keeps the default batch.")
    if rules.version < TOKENIZER_WINDOW_POOLING_ONLY_FROM:
        cap = spec.window and spec.window.tokenizer_model_max_length
        unusable = spec.window and spec.window.tokenizer_model_max_length_unusable
        unread = (f"{unusable} here, not a usable length (a whole number of tokens from 1 to "
                  f"{MAX_CONTEXT:,})" if unusable else "Headroom did not read one for this model")
        notes.append(
            f"vLLM {s.vllm_version} caps max_model_len, given or not, at tokenizer_config.json's "
            "model_max_length (config.py get_and_verify_max_len; 0.9.2 on read it for pooling "
            "models only): " + (f"{cap:,} here, which the default window applies (a longer "
                                "--max-model-len is planned as given)" if cap else
                                f"{unread}, so the window here is config.json's alone and "
                                "vLLM's may be shorter") + ".")
    if rules.version < ROPE_PARAMETERS_WINDOW_FROM and spec.window and (
            spec.window.ropes_parameters_only):
        factor = any(block.factor for block in spec.window.ropes)
        notes.append(
            f"config.json gives its rope only as rope_parameters (transformers 5's spelling), "
            f"which vLLM {s.vllm_version} does not read (before 0.12 it reads transformers 4's "
            "rope_theta and rope_scaling): it would run the model with its config class's "
            "default rope_theta, not rope_parameters' own, and no rope scaling"
            + (", deriving the context without the block's factor (as planned here)" if factor
               else "") + ". Serve it with vLLM 0.12 or later.")
    elif rules.version < TRANSFORMERS_5_ONLY_FROM and spec.window and (
            spec.window.ropes_parameters_only and not spec.window.ropes_nested
            and not spec.window.rope_theta_top_level) and (
            theta := TRANSFORMERS_4_ROPE_THETA.get(spec.window.text_model_type)):
        pinned = rules.version >= TRANSFORMERS_5_ALLOWED_FROM
        notes.append(
            ("With transformers<5 pinned (planned under transformers 5, which its image and a "
             "fresh pip install run), " if pinned else "Under transformers 4, ")
            + f"vLLM {s.vllm_version} writes the {spec.window.text_model_type}"
            f" config class's default rope_theta, {theta:g}, over rope_parameters' own, as "
            "config.json gives no top-level rope_theta (transformers_utils/config.py "
            "patch_rope_parameters): a wrong rope unless the two agree. "
            + ("Leave transformers 5 installed" if pinned else "Serve it with vLLM 0.19.1 or "
               "later under transformers 5") + ", or add rope_theta to config.json.")
    tie_note = transformers_tie_note(spec, rules.version, s.vllm_version,
                                     gemma_asserts_tie(spec, rules.version))
    if tie_note:
        notes.append(tie_note)
    if gpu.unified_memory:
        notes.append(unified_memory_note(gpu.name, free_memory_source(
            rules, gpu.compute_capability, gpu.unified_memory), s.vllm_version)
            + _unified_startup_room(gpu.memory_total_bytes, s))
    if spec.compressed_attention and not (
            DSV4_LAYOUT_FROM <= rules.version < DSV4_LAYOUT_GONE_FROM):
        notes.append(
            f"DeepSeek-V4's KV cache layout is read from vLLM 0.21-0.24; vLLM "
            f"{s.vllm_version} reorganised it: its KV figures here are unverified.")
    if is_sparse_mla(spec) and not ds_mla_read(spec, rules.version):
        notes.append(
            f"Whether vLLM {s.vllm_version} stores {spec.name}'s KV cache as fp8_ds_mla "
            "(656 B per layer per token instead of 576 B at fp8) is not read for this "
            "release and GPU: the latent is sized as the plain dtype, unverified.")
    if spec.unmodelled:
        notes.append(
            "Not modelled: " + ", ".join(spec.unmodelled) + f" ({spec.model_type}). The "
            "memory figures leave these parts of the architecture out, so the verdict is not "
            "a confident fit: check against a real start-up."
        )
    return tuple(notes)


def cross_node_tp_warnings(layout: ParallelLayout, r: Resolved) -> list[str]:
    """A TP group over nodes. Wider than a node: engine.non_torch_parts counts no NCCL buffers
    for it (tp_within_node False, as for GPUs without P2P), though NCCL still joins the node's
    GPUs over their link and the nodes over the network; no start-up log of such a group has
    been read, so that memory is not modelled and the KV pool is an upper bound. At most a
    node wide but straddling a node boundary (layout.straddling_tp_group): the first group,
    ranks 0 .. tp - 1, sits in node 0 and holds the node's NCCL buffers, and vLLM gives every
    worker the fewest KV blocks any has (v1/core/kv_cache_utils.py get_kv_cache_configs,
    0.19.0), so the memory planned stands (tp_within_node True); the straddling group's own
    buffers are not modelled and its all-reduce runs over the network in the speed figures
    (speed.collectives.node_span). Said, as the plan read as if every group were in a node."""
    straddle = straddling_tp_group(layout, r.gpus_per_node)
    if straddle is None:
        return []
    if layout.tp > r.gpus_per_node:
        return [f"TP={layout.tp} spans {-(-layout.tp // r.gpus_per_node)} nodes: NCCL's buffers "
                "for a TP group over nodes (its channels inside each node and the network's) "
                "are not modelled in the non-torch memory, so the KV pool is an upper bound "
                "(unverified: no multi-node start-up log read)"]
    first, last = straddle
    g = r.gpus_per_node
    return [f"A TP group of {layout.label()} straddles nodes of {g} GPUs: ranks {first}-{last} "
            f"on nodes {first // g}-{last // g} (vLLM numbers ranks TP first, then PP, then "
            "DP), so its all-reduce runs over the network (the speed figures plan it so); "
            "its NCCL buffers over nodes are not modelled (the memory is that of the GPUs "
            "whose TP group sits in one node, which bound every GPU's KV pool). A TP size that "
            f"divides {g} keeps every group in one node"]


def ray_order_warnings(cluster: ClusterSpec, layout: ParallelLayout, s: EngineSettings,
                       r: Resolved) -> list[str]:
    """Where a release without --nnodes runs the layout on Ray and the nodes past node 0 it
    reaches hold different GPUs: Ray gives ranks to those nodes by how many workers each
    holds, then by IP address, not in the order given, so which stage runs on which GPU may
    differ from the plan's (ClusterSpec.rank_node's order).

    NOTE: RayDistributedExecutor._init_workers_ray sorts the workers with
    sort_by_driver_then_worker_ip: (not on the driver's node, workers on that node, IP)
    (executor/ray_distributed_executor.py, 0.10.2 wheel, which v1's executor subclasses; the
    same in 0.19.0 v1/executor/ray_executor.py); --nnodes (0.11.1) places node R's ranks on
    node R (launch.over_nodes)."""
    last = last_node(cluster, layout, r)
    if last < 2 or vllm_cli(s.vllm_version).accepts("--nnodes"):
        return []
    later = cluster.nodes[1:last + 1]
    if len({(n.gpu.name, n.gpu.memory_total_bytes) for n in later}) == 1:
        return []
    return [f"vLLM {s.vllm_version} runs these {last + 1} nodes on Ray, which gives ranks to "
            "the nodes after node 0 by how many workers each holds, then by IP address "
            "(sort_by_driver_then_worker_ip), not in the order given; nodes 1-"
            f"{last} hold {', '.join(dict.fromkeys(n.gpu.name for n in later))}, so which "
            "stage runs on which GPU may differ from this plan's (vLLM 0.11.1 or later places "
            "them in order with --nnodes)"]


def assumed_link_warnings(cluster: ClusterSpec, layout: ParallelLayout) -> list[str]:
    """Several GPUs of a preset rented one a machine (GpuSpec.rented_one_per_machine: GH200)
    in one node, with a replica that talks within it (TP or PP > 1): the link between them is
    the preset's assumption, not a sourced one; say which and how to plan the others."""
    if layout.tp * layout.pp == 1:
        return []
    out: list[str] = []
    for node in dict.fromkeys(n for n in cluster.nodes if n.gpus_per_node > 1
                              and n.gpu.rented_one_per_machine):
        gpu = node.gpu
        n = node.gpus_per_node
        out.append(f"{n} {gpu.name}s in one node: the {node.intra_node_link} link between "
                   "them is assumed, unverified (no source found gives their GPU-to-GPU rate; "
                   "the preset's notes name the systems that hold several); --link picks "
                   f"another, and the priced {gpu.rented_one_per_machine} holds one: --gpus "
                   f"{n} --nodes {n} plans {n} of those, one per node over the network.")
    return out


def bridge_warnings(cluster: ClusterSpec, tp: int) -> list[str]:
    """NVLink asked for over more GPUs than one bridge joins (bridged PCIe cards): the
    all-reduce between bridged groups crosses PCIe, which the nvlink link does not model."""
    out: list[str] = []
    if tp <= 2:  # a bridge joins two GPUs at least
        return out
    for gpu in CLUSTER_GPUS.get(cluster, ("nvlink",), nvlink_gpus, cluster):
        bridge = gpu.nvlink_bridge_gpus
        if bridge and tp > bridge:
            out.append(f"{gpu.name}: an NVLink bridge joins {bridge} GPUs ({gpu.interconnect}), "
                       f"and TP={tp} spans {tp}: between the bridged groups the all-reduce runs "
                       "over PCIe, which --link nvlink does not model (plan --link pcie for "
                       "that bound).")
    return out
