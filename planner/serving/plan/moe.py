"""The MoE figures: the draft's experts, EPLB's, the MoE workspace, all-to-all buffers."""

from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.all2all import (
    NO_BUFFER,
    deepep_buffer_bytes,
    effective_backend,
    ll_tokens,
    running_backend,
    runs_all2all,
)
from planner.serving.engine import EngineSettings
from planner.serving.eplb import (
    DRAFT_UNMODELLED as EPLB_DRAFT_UNMODELLED,
)
from planner.serving.eplb import (
    EXPERT_BUFFER_FROM,
    draft_note,
    draft_state_sized,
    eplb_state_bytes,
    eplb_state_inputs,
    profile_inputs,
    profile_rearrangement,
    redundant_count,
)
from planner.serving.eplb import (
    UNMODELLED as EPLB_UNMODELLED,
)
from planner.serving.layout import (
    ParallelLayout,
    first_moe,
    moe_wna16_load,
    pp_layer_split,
    quark_mx_shared_misaligned,
)
from planner.serving.moe_backend import (
    B12X,
    b12x_sized,
    b12x_width_problem,
    b12x_workspace_bytes,
)
from planner.serving.plan.facts import Resolved, Setup
from planner.serving.plan.models import TermInputs
from planner.serving.plan.shared import gib, spec_params
from planner.serving.vllm_cli import vllm_cli
from planner.serving.vllm_versions import (
    SP_MOE_EVERY,
    Version,
    sequence_parallel_moe,
    sp_moe_shared_whole,
    vllm_rules,
)
from planner.serving.weights import WeightLoadRules, moe_layer_experts_bytes


def eplb_notes(spec: ModelSpec, layout: ParallelLayout, s: EngineSettings, redundant: int,
               version: Version) -> tuple[str, ...]:
    """Where EPLB runs on this layout, what its state adds to the first stage's weights term
    (its buffers): eplb.eplb_state_bytes' formula and the transfer buffer."""
    if not (s.enable_eplb and layout.ep):
        return ()
    moe = first_moe(spec)
    if moe is None:
        return ()
    layers = sum(isinstance(spec.layers[i].mlp, MoeMlp)
                 for i in pp_layer_split(spec.num_layers, layout.pp)[0])
    formula = eplb_state_bytes(layers, moe.num_experts, redundant, layout.ep_size, version)[1]
    local = (moe.num_experts + redundant) / layout.ep_size

    def buffer(layer: str) -> str:  # the transfer buffer, from EXPERT_BUFFER_FROM
        return (f", and its transfer buffer, a copy of one {layer}'s local experts"
                if version >= EXPERT_BUFFER_FROM else "")

    draft = draft_moe(spec, s)
    drafted = ""
    if draft and draft_state_sized(spec.model_type, version):
        drafted = ("; on the last stage also the MTP draft's own (vLLM adds the draft "
                   "to EplbState): "
                   + eplb_state_bytes(spec.mtp_layers, draft.num_experts, redundant,
                                      layout.ep_size, version)[1] + buffer("draft MoE layer"))
    return (f"--enable-eplb: {local:g} experts a MoE layer on each of the {layout.ep_size} EP "
            f"ranks ({moe.num_experts} routed + {redundant} redundant); the weights' buffers "
            f"(stage 0) hold EplbState's maps and load statistics: {formula}"
            f"{buffer('MoE layer')}{drafted}",
            *filter(None, [draft_note(spec.model_type, version) if draft else None]))


def eplb_weights_inputs(st: Setup, pp_stage: int) -> TermInputs:
    """EplbState's sizes inside the weights term's buffers on a worker of this stage, as
    _rank_terms adds them (eplb.eplb_state_inputs; the MTP draft's own state on the last
    stage where it is sized); {} without EPLB on a MoE model."""
    s, layout, spec = st.s, st.layout, st.spec
    moe = first_moe(spec)
    if not (s.enable_eplb and layout.ep and moe is not None):
        return {}
    version = vllm_rules(s.vllm_version).version
    layers = sum(isinstance(spec.layers[i].mlp, MoeMlp)
                 for i in pp_layer_split(spec.num_layers, layout.pp)[pp_stage])
    redundant = redundant_experts(spec, s, layout)
    inputs = eplb_state_inputs(layers, moe.num_experts, redundant, layout.ep_size, version)
    draft = draft_moe(spec, s)
    if draft and draft_state_sized(spec.model_type, version) and pp_stage == layout.pp - 1:
        inputs["eplb_draft_state_bytes"] = eplb_state_bytes(
            spec.mtp_layers, draft.num_experts, redundant, layout.ep_size, version)[0]
    return inputs


def eplb_unmodelled(spec: ModelSpec, s: EngineSettings, version: Version) -> tuple[str, ...]:
    """The verdict's unmodelled parts where EPLB runs: the communicators' buffers
    (eplb.UNMODELLED) and an MTP draft's state where eplb_notes says it is not counted
    (eplb.draft_note)."""
    unsized = draft_moe(spec, s) and draft_note(spec.model_type, version)
    return (EPLB_UNMODELLED, *([EPLB_DRAFT_UNMODELLED] if unsized else []))


def layout_load(spec: ModelSpec, s: EngineSettings, r: Resolved, layout: ParallelLayout
                ) -> WeightLoadRules:
    """r.load (weight_load.weight_load_rules) on this layout (load_on_layout), under the
    sequence-parallel MoE it runs (sp_moe_on_layout; --enable-lora as given: a plan whose
    LoRA is refused is refused)."""
    return load_on_layout(r.load, spec, layout, r.scheme, s.vllm_version,
                          r.linear_ask[2].vendor,
                          sp_moe_on_layout(spec, s, layout, s.enable_lora,
                                           r.linear_ask[2].vendor))[0]


def sp_moe_on_layout(spec: ModelSpec, s: EngineSettings, layout: ParallelLayout,
                     lora: bool, vendor: str) -> str:
    """How vLLM runs sequence-parallel MoE for this model and layout
    (vllm_versions.sequence_parallel_moe: "" off, a dense model too) under the all2all backend
    it runs (all2all.running_backend of --all2all-backend where its parser takes it), `lora`:
    LoRA slots held, on `vendor`'s GPUs (CUDA for "nvidia")."""
    if not spec.is_moe:
        return ""
    version = vllm_rules(s.vllm_version).version
    backend = all2all_running(s, version)
    return sequence_parallel_moe(next(iter(spec.architectures), ""), version, backend,
                                 layout.ep, layout.tp, layout.dp, layout.pp, lora,
                                 vendor == "nvidia")


def load_on_layout(load: WeightLoadRules, spec: ModelSpec, layout: ParallelLayout,
                   scheme: QuantScheme, vllm_version: str, vendor: str, sp_moe: str = ""
                   ) -> tuple[WeightLoadRules, bool]:
    """(`load` on this layout: with MoE WNA16's bits for routed experts that fall back there
    from Marlin MoE, and the shared experts (with a latent MoE's fc1 where the release splits
    it: latent_fc1_split) whole on every TP rank where the release builds them so under
    sequence-parallel MoE (`sp_moe`: sp_moe_on_layout; vllm_versions.sp_moe_shared_whole),
    or where expert parallelism keeps a Quark OCP MX shared expert whole whose TP share is
    not a whole number of MX groups (layout.quark_mx_shared_misaligned), and the dense MLPs
    whole where every layer runs on the TP shards (SP_MOE_EVERY);
    whether they fall back), the fallback asked once
    (layout.moe_wna16_load): the one rule for the plan's weights (layout_load) and the speed
    model's stages and kernel (speed._build_context)."""
    fallback, bits = moe_wna16_load(spec, layout, scheme, vllm_version, vendor)
    replicated = layout.ep and bool(quark_mx_shared_misaligned(spec, layout.tp, scheme,
                                                                vllm_version))
    sp_whole = sp_moe_shared_whole(next(iter(spec.architectures), ""),
                                   vllm_rules(vllm_version).version, sp_moe)
    return load._replace(wna16_expert_bits=bits, shared_experts_whole=replicated or sp_whole,
                         shared_experts_misaligned=replicated and not sp_whole,
                         dense_mlp_whole=sp_moe == SP_MOE_EVERY), fallback


def eplb_profile(st: Setup, pp_stage: int) -> tuple[int, str, TermInputs]:
    """(bytes, formula, inputs) vLLM's profile run holds above the weights on a worker of this
    stage when it rearranges EPLB's experts (eplb.profile_rearrangement): one MoE layer's local
    experts of the stage as the weights term loads them (weights.moe_layer_experts_bytes,
    with this layout's redundant experts), its MoE layers, the dummy forward's output
    (--max-num-batched-tokens x hidden in the served dtype; on a stage before the last the
    IntermediateTensors' hidden_states and residual: make_empty_intermediate_tensors_factory
    in deepseek_v2.py and qwen3_moe.py) and the MoE backend's workspace, which stays
    (moe_workspace); (0, "", {}) without EPLB or a MoE layer on the stage."""
    s, layout, spec = st.s, st.layout, st.spec
    if not (s.enable_eplb and layout.ep and spec.is_moe):  # the cheap check first
        return 0, "", {}
    r = st.facts.r
    layers = st.facts.stages[pp_stage][0]
    moes = [mlp for i in layers if isinstance(mlp := spec.layers[i].mlp, MoeMlp)]
    if not moes:
        return 0, "", {}
    rules = st.facts.load._replace(redundant_experts=redundant_experts(spec, s, layout))
    copy = moe_layer_experts_bytes(spec, r.scheme, layout, layers, spec_params(spec),
                                   expert_pad=r.expert_pad, rules=rules)
    last = pp_stage == layout.pp - 1
    output = r.mbt * spec.hidden_size * r.act_b * (1 if last else 2)
    version = vllm_rules(s.vllm_version).version
    moment, formula = profile_rearrangement(copy, moes[0].gated, layout.ep_size, len(moes),
                                            moes[0].num_experts, output, version)
    workspace = moe_workspace(st, pp_stage)[0]
    if workspace:
        moment += workspace
        formula += f" + {workspace:,} B MoE workspace (the moe_workspace term) = {moment:,} B"
    inputs: TermInputs = {"layer_experts_bytes": copy, "ep_size": layout.ep_size,
                          "moe_layers": len(moes), "num_experts": moes[0].num_experts,
                          "dummy_output_bytes": output,
                          **profile_inputs(copy, moes[0].gated, moes[0].num_experts, version)}
    return moment, formula, inputs | ({"moe_workspace_bytes": workspace} if workspace else {})


def redundant_experts(spec: ModelSpec, s: EngineSettings, layout: ParallelLayout) -> int:
    """EPLB's redundant experts per MoE layer vLLM builds on this layout (eplb.redundant_count;
    0 without EPLB, EP or routed experts): what layout_errors adds to the routed experts the
    EP size must divide."""
    if not (s.enable_eplb and layout.ep):
        return 0
    moe = first_moe(spec)
    if moe is None:
        return 0
    return redundant_count(True, s.num_redundant_experts, moe.num_experts, layout.ep_size,
                           vllm_rules(s.vllm_version).version)


def b12x_width(spec: ModelSpec, layout: ParallelLayout, s: EngineSettings
               ) -> tuple[bool, str] | None:
    """moe_backend.b12x_width_problem for --moe-backend flashinfer_b12x on this layout: each
    MoE layer's intermediate size per MoE TP rank (vLLM FusedMoEConfig
    intermediate_size_per_partition: over tp x dp, ParallelLayout.expert_tp; EP is refused
    with this backend); None otherwise."""
    if s.moe_backend != B12X or not spec.is_moe:
        return None
    return b12x_width_problem(vllm_rules(s.vllm_version).version, [
        layer.mlp.expert_intermediate_size // layout.expert_tp for layer in spec.layers
        if isinstance(layer.mlp, MoeMlp)])


def draft_moe(spec: ModelSpec, s: EngineSettings) -> MoeMlp | None:
    """The routed experts of each MTP draft layer vLLM loads (--num-speculative-tokens on a
    model with MTP layers: the spec's own mtp_layer, else a copy of its last layer, as the
    weights' _mtp_bytes counts them), None without a draft or without experts in it."""
    if not (s.num_speculative_tokens and spec.mtp_layers) or s.speculative_draft is not None:
        return None
    mlp = (spec.mtp_layer or spec.layers[-1]).mlp
    return mlp if isinstance(mlp, MoeMlp) else None


def moe_workspace(st: Setup, pp_stage: int) -> tuple[int, str]:
    """The MoE backend's profile-run workspace on a worker of this stage, with its formula:
    --moe-backend flashinfer_b12x on the releases moe_backend.b12x_sized holds for, one
    B12xMoEWrapper per MoE layer of the stage, the last stage's MTP draft layers included
    (their dummy forward is part of the profile run: gpu_model_runner._dummy_run calls
    drafter.dummy_run) (moe_backend.b12x_workspace_bytes: the experts' input width, the
    intermediate size per MoE TP rank, tp x dp: ParallelLayout.expert_tp;
    --max-num-batched-tokens); (0, "") for every other backend and release."""
    s, spec, tp = st.s, st.spec, st.layout.expert_tp
    if s.moe_backend != B12X or not b12x_sized(vllm_rules(s.vllm_version).version):
        return 0, ""
    mbt = st.facts.r.mbt
    draft = draft_moe(spec, s) if pp_stage == st.layout.pp - 1 else None
    mlps = [spec.layers[i].mlp for i in st.facts.stages[pp_stage][0]]
    if draft:
        mlps += [draft] * spec.mtp_layers
    shapes: dict[tuple[int, int, int, int], int] = {}
    for mlp in mlps:
        if isinstance(mlp, MoeMlp):
            shape = (mlp.num_experts, mlp.experts_per_token,
                     mlp.latent_size or spec.hidden_size, mlp.expert_intermediate_size // tp)
            shapes[shape] = shapes.get(shape, 0) + 1
    total, parts = 0, []
    for (experts, top_k, hidden, width), layers in shapes.items():
        static, dynamic, output = b12x_workspace_bytes(experts, top_k, hidden, width, mbt)
        total += layers * (static + dynamic + output)
        parts.append(f"{layers} MoE layers x (static {static:,} + dynamic {dynamic:,} + output "
                     f"{output:,} B) [E={experts}, top-k {top_k}, K={hidden}, N={width}, "
                     f"T={mbt:,}]")
    return total, " + ".join(parts) + f" = {gib(total)}"


def all2all_taken(s: EngineSettings) -> bool:
    """Whether --all2all-backend is given and the release's parser takes it (a refused value
    is the plan's refusal, in the parser's words: launch.launch, nothing else to say)."""
    return bool(s.all2all_backend) and vllm_cli(s.vllm_version).accepts(
        "--all2all-backend", s.all2all_backend)


def all2all_running(s: EngineSettings, version: Version) -> str:
    """The --all2all-backend vLLM `version` runs for these settings (all2all.running_backend):
    the given one where its parser takes it (all2all_taken), else the release's default."""
    return running_backend(s.all2all_backend if all2all_taken(s) else None, version)


def all2all_buffer(st: Setup, pp_stage: int) -> tuple[int, str, bool] | None:
    """(bytes, formula, sized) of the --all2all-backend's buffer outside torch on a worker of
    this stage, where its MoE layers dispatch through it (all2all.runs_all2all; vLLM counts it
    as non-torch memory: planner.serving.all2all); None where vLLM does not use it. A backend
    that holds no buffer gives 0 bytes; one not sized here (sized False) 0 bytes too, which
    the verdict names as unmodelled. The EP group of a stage is every DP replica's TP ranks of
    it, on the nodes ClusterSpec.rank_node places them (DeepEP's RDMA buffer where they span
    more than one)."""
    s, layout = st.s, st.layout
    # the cheap checks first: this runs for every stage of every plan (a sweep's hot path)
    if not all2all_taken(s) or not runs_all2all(layout.dp, layout.ep, st.spec.is_moe):
        return None
    moes = [mlp for i in st.facts.stages[pp_stage][0]
            if isinstance(mlp := st.spec.layers[i].mlp, MoeMlp)]
    if not moes:
        return None
    version = vllm_rules(s.vllm_version).version
    backend = effective_backend(s.all2all_backend, version)
    if backend in NO_BUFFER:
        return 0, f"{backend}: no buffer (its manager holds none)", True
    ranks = (d * layout.tp * layout.pp + pp_stage * layout.tp + t
             for d in range(layout.dp) for t in range(layout.tp))
    internode = len({st.cluster.rank_node(r)[0] for r in ranks
                     if r < st.cluster.gpu_count}) > 1
    # E counts EPLB's redundant experts: vLLM passes FusedMoE's global_num_experts
    redundant = redundant_experts(st.spec, s, layout)
    shapes = frozenset((mlp.latent_size or st.spec.hidden_size, mlp.num_experts + redundant)
                       for mlp in moes)
    return deepep_buffer_bytes(backend, internode, ll_tokens(version, st.facts.r.mbt),
                               shapes) or (
        0, f"{backend}: its buffers are not sized (unmodelled)", False)
