"""Each figure of the binding GPU as a Term with its formula, inputs and note."""

import math
import re
from collections.abc import Iterable
from typing import NamedTuple

from planner.model.attention.base import KvLayer
from planner.model.attention.full import FullAttentionKv
from planner.model.attention.kvformat import KvBytes
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.activation_dsv4 import dsv4_first_capture_bytes
from planner.serving.all2all import buffer_note, effective_backend
from planner.serving.draft_startup import draft_graphs_note, draft_profile_note
from planner.serving.eagle import eagle_bytes_formula
from planner.serving.eagle_window import draft_rank_bytes
from planner.serving.encoder_cover import (
    encoder_gap,
    fit_lift_note,
    measured,
    pan_and_scan_note,
    profiled,
)
from planner.serving.engine import (
    GRAPH_BYTES_PER_GRAPH,
    NCCL_CONNECTION_BYTES,
    NCCL_P2P_CONNECTIONS,
    TRITON_MLA_PIECEWISE_NOTE,
    EncoderProfile,
    EngineSettings,
    StageKv,
    activation_bytes,
    activation_inputs,
    checkpoint_kv_note,
    default_block_size,
    dsv4_graphs_note,
    non_torch_parts,
    profiled_encoder,
)
from planner.serving.eplb import profile_note
from planner.serving.flashinfer_workspace import WORKSPACE_NOTE
from planner.serving.hardware import GpuSpec, memory_total_note
from planner.serving.lora.coverage import LORA_TOWER_CONNECTOR
from planner.serving.lora.cuda_graphs import lora_capture_cases, lora_capture_counts
from planner.serving.lora.deepseek_mla import mla_note
from planner.serving.lora.moe import (
    MOE_LORA_ARCHITECTURES,
    expert_slot_shapes,
    fully_sharded_tp,
    moe_flag_bytes,
    rank_experts,
)
from planner.serving.lora.punica import punica_buffer_bytes, tower_punica_bytes
from planner.serving.lora.settings import LoraSettings, slot_dtype_bytes
from planner.serving.lora.slots import lm_head_mapping_bytes, stage_parts, wrapped_heads
from planner.serving.lora.tower import tower_note
from planner.serving.mm_modes import text_only, text_only_flag
from planner.serving.moe_backend import B12X
from planner.serving.plan.facts import Capture, Resolved, Setup
from planner.serving.plan.fit import capacity, kv_room_text, pool_blocks
from planner.serving.plan.layout_facts import sized_lora
from planner.serving.plan.models import RankMemory, Term, TermInputs, inputs_text
from planner.serving.plan.moe import (
    all2all_buffer,
    eplb_profile,
    eplb_weights_inputs,
    moe_workspace,
)
from planner.serving.plan.shared import gib, spec_params
from planner.serving.plan.verdict import Outcome
from planner.serving.plan.worker import (
    runner_buffers,
    sequence_parallel,
    v2_warm_peak,
)
from planner.serving.runner_buffers import RunnerBuffers, runner_buffers_formula
from planner.serving.runner_v2 import v2_term_notes
from planner.serving.spec_graph_mode import spec_piecewise_note
from planner.serving.startup.attention_backend import FLEX_PIECEWISE_NOTE
from planner.serving.vllm_versions import (
    GRAPHS_SUBTRACTED_FROM,
    MROPE_POSITIONS_FACTOR_FROM,
    MROPE_UNENLARGED_TYPES,
    VllmRules,
    version_label,
    vllm_rules,
)
from planner.serving.weights import (
    FP32_ROPE_CACHE,
    a_fp32_at_load,
    data_mode_split_params,
    deepstack_buffer_bytes,
    global_rope_widths,
    made_at_load,
    rope_cache_rows,
    sparse_mla_buffer_bytes,
    tower_bytes,
    tower_rank_bytes,
    vision_every_stage,
)
from planner.text import counted, layer_span, plural
from planner.units import MIB, number_as_given

WEIGHT_PARTS = {
    "embeddings_bytes": "embeddings", "attention_bytes": "attention",
    "dense_mlp_bytes": "dense MLP", "experts_bytes": "routed experts",
    "shared_experts_bytes": "shared experts", "router_bytes": "router", "norms_bytes": "norms",
    "lm_head_bytes": "lm_head", "vision_bytes": "vision tower",
    "rope_cache_bytes": "rotary cos/sin cache", "mtp_bytes": "MTP draft",
    "eagle_draft_bytes": "EAGLE-3 draft",
    "hyper_connections_bytes": "hyper-connections", "buffers_bytes": "buffers",
    "lora_bytes": "LoRA slots",
}
"""WeightTerms' parts, as the weights term's formula names them."""


def _weights_formula(st: Setup, bind: RankMemory) -> str:
    """The binding rank's weights as the sum of their parts (rank_weights), and where they
    sit. Every rank's weights are its (stage, TP rank) position's (plan reads their rank_totals,
    the totals of these same parts), so the parts add up to bind.weights_bytes: a DP
    replica's ranks hold what replica 0's hold, its EP share of the experts included."""
    layout, f = st.layout, st.facts
    where = (f"{f.r.scheme.label}; stage {bind.pp_stage}, TP rank {bind.tp_rank}, "
             f"{layer_span(*bind.layers)}")
    parts = f.weight_terms[bind.pp_stage * layout.tp + bind.tp_rank]
    shown = " + ".join(f"{name} {gib(getattr(parts, field))}"
                       for field, name in WEIGHT_PARTS.items() if getattr(parts, field))
    if f.r.scheme.key != "mxfp4" and f.r.expert_pad[1] > 1:
        where += _trtllm_pad_note(st.spec, f.r.expert_pad[1], layout.expert_tp)
    return f"{shown} = {gib(bind.weights_bytes)} ({where}{_load_time_note(st, bind)})"


def _load_time_note(st: Setup, bind: RankMemory) -> str:
    """'; ...' for each tensor vLLM makes (or frees) at load that these weights hold (or
    leave out) and the checkpoint's size (weights_bytes) does not: the 16-bit kv_b_proj copy
    of a quantized MLA and a router (or its e_score_correction_bias) in float32 over the
    checkpoint's 16 bits (weights.made_at_load), Mamba2's A or Gated DeltaNet's A_log in float32
    (weights.a_fp32_at_load), a float32 rotary cache (FP32_ROPE_CACHE), the
    sparse-MLA top-k buffer (sparse_mla_buffer_bytes), Qwen3-VL's deepstack inputs
    (deepstack_buffer_bytes),
    GPTQ zero points Marlin frees (weight_load.gptq_zeros_freed_bits), routed experts in MoE
    WNA16's layout (LayoutFacts.load: moe.layout_load), shared experts whole on every TP rank
    under sequence-parallel MoE (WeightLoadRules.shared_experts_whole), dense MLPs whole where
    every layer runs on the TP shards (WeightLoadRules.dense_mlp_whole); '' where none."""
    spec, r, tp = st.spec, st.facts.r, st.layout.tp
    layers = range(*bind.layers)
    notes = []
    kv_b, fp32_router = made_at_load(spec, r.scheme, layers, tp, r.load)
    if kv_b:
        notes.append(f"attention holds the {gib(kv_b)} 16-bit copy of kv_b_proj "
                     "vLLM makes at load (W_UK_T / W_UV)")
    if fp32_router:
        notes.append(f"{fp32_router} in float32, as vLLM builds it")
    a_name, a_layers, a_heads = a_fp32_at_load(spec, layers, tp, r.load)
    if a_layers:
        notes.append(f"{a_name} in float32, as vLLM builds it: {a_layers} layers x "
                     f"{a_heads:g} heads x 4 B = {math.ceil(a_layers * a_heads * 4):,} B")
    if spec.model_type in FP32_ROPE_CACHE:
        notes.append("rotary cos/sin cache in float32, as vLLM builds it")
    if spec.mrope:
        notes.append(_mrope_note(spec, r.load.mrope_factor, st.s.vllm_version, r.act_b))
    if positions := r.load.rope_positions:  # long_len.rope_cache_positions: MiniMax-M2
        dims = global_rope_widths(spec)
        rows = rope_cache_rows(spec, r.load.mrope_factor, positions)
        notes.append(f"rotary cos/sin cache over max_model_len: {rows:,} rows x "
                     f"{' + '.join(f'{w:,}' for w in dims)} x {r.act_b} B = "
                     f"{rows * sum(dims) * r.act_b:,} B ({spec.model_type}.py: "
                     "max(max_position_embeddings, max_model_len))")
    topk_bytes = sparse_mla_buffer_bytes(spec, r.mbt)
    if topk_bytes:
        drafts = r.states.draft_kv_layers if bind.pp_stage == st.layout.pp - 1 else 0
        notes.append(f"buffers: the top-k indices vLLM allocates at init, {r.mbt:,} batched "
                     f"tokens x {topk_bytes // (4 * r.mbt):,} x 4 B"
                     + (f", x {1 + drafts} with the MTP draft's" if drafts else ""))
    deepstack = (deepstack_buffer_bytes(spec, r.mbt, r.act_b)
                 if not r.tower_dropped and _tower_stage(st, bind) else 0)
    if deepstack:
        levels = deepstack // (r.mbt * spec.hidden_size * r.act_b)
        notes.append(f"buffers: the deepstack inputs vLLM allocates at init beside the vision "
                     f"tower, {levels} x {r.mbt:,} batched tokens x {spec.hidden_size:,} x "
                     f"{r.act_b} B = {deepstack:,} B (qwen3_vl.py deepstack_input_embeds)")
    if r.load.zeros_freed_bits:
        notes.append("without the unused GPTQ zero points vLLM's Marlin frees at load")
    draft = st.s.speculative_draft
    if draft is not None and bind.pp_stage == st.layout.pp - 1:
        parts = draft_rank_bytes(draft, spec, st.s.vllm_version, r.max_model_len, tp,
                                 st.layout.pp, r.act_b)
        notes.append(f"EAGLE-3 draft: {eagle_bytes_formula(draft, parts, tp, r.act_b)}")
    if st.facts.load.dense_mlp_whole:
        notes.append(f"dense MLPs whole on each of the {tp} TP ranks, not split: vLLM "
                     f"{st.s.vllm_version} runs every layer sequence-parallel on this layout "
                     "(models/deepseek_v32 on CUDA, use_sequence_parallel_moe at PP 1) and "
                     "builds them with is_sequence_parallel")
    if st.facts.load.shared_experts_misaligned:
        notes.append(f"shared experts whole on each of the {tp} TP ranks, not split: vLLM "
                     f"{st.s.vllm_version} replicates a Quark OCP MX shared expert whose "
                     "TP share is not a whole number of MX groups under expert parallelism "
                     "(qwen3_next.py _should_replicate_misaligned_shared_expert)")
    elif st.facts.load.shared_experts_whole:
        notes.append(f"shared experts whole on each of the {tp} TP ranks, not split: vLLM "
                     f"{st.s.vllm_version} runs sequence-parallel MoE on this layout "
                     "(use_sequence_parallel_moe: EP, TP > 1, DP > 1) and builds them with "
                     "disable_tp=is_sequence_parallel")
    wna16 = st.facts.load.wna16_expert_bits
    if wna16:
        notes.append(f"routed experts at {wna16:g} bits per weight, as vLLM's MoE WNA16 "
                     "fallback holds them (its group halved until it divides each expert's "
                     "width per GPU)")
    return "".join(f"; {note}" for note in notes)


def _mrope_note(spec: ModelSpec, factor: int, release: str, elem: int) -> str:
    """The rows of an M-RoPE model's rotary cos/sin cache (weights.rope_cache_rows at
    vllm_versions.mrope_cache_factor's rows per position) and why: enlarged x 4 by
    MRotaryEmbedding, one per position for Qwen3-VL / Qwen3.5 from
    MROPE_POSITIONS_FACTOR_FROM unless video pruning is on, or one per position where this
    release's get_rope builds no M-RoPE for the rope type."""
    rows, base = rope_cache_rows(spec, factor), rope_cache_rows(spec)
    dims = global_rope_widths(spec)
    widths = " + ".join(f"{w:,}" for w in dims)
    size = f"{rows:,} rows x {widths} x {elem} B = {rows * sum(dims) * elem:,} B"
    original, scale = spec.original_max_position_embeddings, spec.rope_scaling_factor
    if spec.rope_scaling_type == "yarn" and original:
        base_text = f"yarn {original:,} x {scale:g} = {base:,} positions"
    else:
        base_text = f"{base:,} positions"
    unenlarged = (vllm_rules(release).version >= MROPE_POSITIONS_FACTOR_FROM
                  and spec.model_type in MROPE_UNENLARGED_TYPES)
    if factor > 1:
        why = ("with mrope_positions_factor 4 as --video-pruning-rate prunes video (qwen3_vl.py: "
               "pruning keeps the positions of the tokens it drops)" if unenlarged
               else "for video positions (cache_max_position_num, rotary_embedding/mrope.py)")
        return (f"rotary cos/sin cache: M-RoPE (mrope_section), {base_text} x {factor} = "
                f"{size}: vLLM {release}'s MRotaryEmbedding enlarges it {why}")
    if unenlarged:
        why = (f"vLLM {release} builds it with mrope_positions_factor 1 without video pruning "
               "(qwen3_vl.py, 4 with --video-pruning-rate)")
    else:
        why = (f"vLLM {release}'s get_rope builds no M-RoPE for the "
               f"{spec.rope_scaling_type or 'default'} rope type (rotary_embedding/__init__.py)")
    return f"rotary cos/sin cache: M-RoPE (mrope_section), one row per position, {size}: {why}"


def _trtllm_pad_note(spec: ModelSpec, multiple: int, expert_tp: int) -> str:
    """'; routed experts padded ...' where FlashInfer's TRT-LLM BF16 MoE widens this GPU's
    16-bit experts (moe_backend.trtllm_bf16_width_pad), else ''."""
    mlp = next(layer.mlp for layer in spec.layers if isinstance(layer.mlp, MoeMlp))
    width = mlp.expert_intermediate_size // expert_tp
    padded = -(-width // multiple) * multiple
    if padded == width:
        return ""
    return (f"; routed experts padded for FlashInfer's TRT-LLM BF16 MoE: expert width "
            f"{mlp.expert_intermediate_size:,} / {expert_tp} = {width:,} -> {padded:,} a GPU "
            f"(a multiple of {multiple}), x {padded / width:.3f} (fused_moe/oracle/"
            "unquantized.py)")


def _tower_stage(st: Setup, bind: RankMemory) -> bool:
    """Whether the binding GPU's stage is one vLLM builds the vision tower on (the first, or
    every stage: weights.vision_every_stage), as rank_weights places it."""
    return bind.pp_stage == 0 or vision_every_stage(st.spec, st.facts.r.vision_first_stage_only)


def _tower_tp_note(st: Setup, bind: RankMemory) -> str:
    """What the vision tower's flags change on the binding GPU: the tower a text-only model
    (mm_modes.tower_dropped) leaves off, the whole tower --mm-encoder-tp-mode data holds, or,
    at the default, what data mode would add where the model takes it
    (vllm_versions.ENCODER_TP_DATA_TYPES) and TP splits the tower."""
    f, tp = st.facts, st.layout.tp
    held = f.weight_terms[bind.pp_stage * tp + bind.tp_rank].vision_bytes
    params = spec_params(st.spec)
    whole = tower_bytes(st.spec, params, f.r.siglip_head)
    if f.r.tower_dropped:
        on_stage = _tower_stage(st, bind)
        left = tower_rank_bytes(st.spec, params, tp, f.r.siglip_head) if on_stage else 0
        deepstack = deepstack_buffer_bytes(st.spec, f.r.mbt, f.r.act_b) if on_stage else 0
        return (f"{text_only_flag(st.s)}: vLLM builds no vision tower (interfaces.py "
                "_mark_tower_model: a StageMissingLayer, its weights not loaded) and profiles "
                f"no encoder: {gib(left)} of tower weights off this GPU ({gib(whole)} whole"
                + (f", split over TP {tp})" if tp > 1 else ")")
                + (f", and its {deepstack:,} B of deepstack input buffers (qwen3_vl.py "
                   "deepstack_input_embeds)" if deepstack else ""))
    data = tower_rank_bytes(st.spec, params, tp, f.r.siglip_head, tower_whole=True)
    projector = (" but its multi_modal_projector linear_1, which TP still splits (mllama4.py: "
                 "no disable_tp)" if data_mode_split_params(st.spec) else "")
    if f.r.encoder_rules.data_parallel and tp > 1:
        split = tower_rank_bytes(st.spec, params, tp, f.r.siglip_head)
        return (f"--mm-encoder-tp-mode data: the whole vision tower on each GPU{projector}, "
                f"{gib(data)} ({gib(data - split)} more than the {gib(split)} split over TP "
                f"{tp} at the default weights mode" + ("; its encoder profiled at TP 1 widths)"
                                                       if f.r.encoder_rules.profiled else ")"))
    if not (f.r.encoder_tp_data and held and data > held):
        return ""
    return (f"vision tower split over TP {tp} at vLLM's default --mm-encoder-tp-mode "
            f"weights: {gib(held)} on this GPU, its patch embedding, positions, norms "
            f"and unsplit layers whole; --mm-encoder-tp-mode data would put all "
            f"{gib(data)} on each GPU ({gib(data - held)} more"
            + ("; its multi_modal_projector linear_1 still split over TP: mllama4.py, no "
               "disable_tp)" if projector else ")"))


def _block_formula(stage: StageKv, kv_b: KvBytes, tp: int) -> str:
    """'32 layers per group x 65,536 B page (16 tokens) = ...'; turboquant's two page sizes
    in one group: '28 pages x 25,088 B + 4 pages x 65,536 B (16 tokens) = ...'."""
    if stage.uniform_type:
        pages = " + ".join(f"{counted(n, 'page')} x {kv.page_bytes(b, kv_b, tp):,} B"
                           for (kv, n), b in zip(stage.kinds, stage.kind_blocks, strict=True))
        return f"{pages} ({stage.block_tokens} tokens) = {stage.bytes_per_block:,} B"
    return (f"{counted(stage.group_size, 'layer')} per group x {stage.page_bytes:,} B page "
            f"({stage.block_tokens} tokens) = {stage.bytes_per_block:,} B")


def _per_token_part(kv: KvLayer, layers: int, kv_b: KvBytes, tp: int) -> str:
    """One group of layers in the KV-bytes-per-token sum: "12 layers x [...= 1,024 B]"; a
    fixed-state group (Gated DeltaNet, Mamba) adds 0 B a token, its state per sequence beside
    it, as the report's KV lines say (report.kv_formula_lines)."""
    if kv.bytes_per_token(kv_b, tp) == 0:
        return (f"{layers} {kv.kind} {plural(layers, 'layer')} x 0 B (a fixed state per sequence: "
                f"{kv.formula(kv_b, tp)})")
    return f"{counted(layers, 'layer')} x [{kv.formula(kv_b, tp)}]"


RUNNER_BUFFERS_NOTE = (
    "from vLLM 0.27.0 memory_profiling (utils/mem_utils.py) measures what the start-up "
    "consumed from free memory (total_consumed) where it added the weights' load to torch's "
    "peak and the non-torch growth before, so the tensors the model runner makes after the "
    "init snapshot outside the weights' load (its __init__ and, on Model Runner V2, the "
    "sampler load_model builds) come off the KV cache too: read from v1/worker/"
    "gpu_model_runner.py (V1, 0.27.0-0.33.x; gone from 0.34.0) and v1/worker/gpu/ (V2, "
    "0.27.0-0.34.0; planner.serving.runner_buffers); the small index buffers, about 1 MiB "
    "at most, are left out")
"""The runner_buffers term's note (vllm_versions.RUNNER_BUFFERS_COUNTED_FROM)."""


ACTIVATION_FIT_SOURCE = ("least-squares fit on vLLM v0.19 H100 start-ups with a cold "
                         "torch.compile cache (a warm cache can measure less and leave more "
                         "KV: README Known limits)")
"""Where the activation fit comes from, in the plan's activation term (engine.SAMPLER_COEF's
note: every calibration log read compiles cold)."""

EAGER_FIT_SOURCE = ("least-squares fit on vLLM v0.19 H100 start-ups, all compiled; under "
                    "--enforce-eager nothing compiles (config/vllm.py VllmConfig.__post_init__: "
                    "compilation mode NONE) and the eager forward's peak is not sized: "
                    "unverified")
"""The fit's source under --enforce-eager, where no compile cache exists to be cold or warm."""


def _fit_source(eager: bool) -> str:
    """ACTIVATION_FIT_SOURCE, or EAGER_FIT_SOURCE under --enforce-eager."""
    return EAGER_FIT_SOURCE if eager else ACTIVATION_FIT_SOURCE


def _binding_note(st: Setup, bind: RankMemory) -> str:
    """On a cluster of several GPU totals, which rank (and GPU) the blocks are: each vLLM
    worker sizes its pool on its own GPU's total (gpu_worker.py determine_available_memory:
    requested_memory = ceil(total x gpu_memory_utilization), v1/worker/utils.py
    request_memory), and get_kv_cache_configs (v1/core/kv_cache_utils.py, 0.19.0;
    kv_cache_planning.py, 0.33.0 and 0.34.0) gives every rank the fewest blocks of all ranks, over
    every pipeline stage. '' on one total (nothing to choose between)."""
    if len(st.facts.r.gpu_totals) == 1:
        return ""
    gpu = _bind_gpu(st, bind)
    return (f"rank {bind.rank} binds (node {bind.node}, {gpu.name}, stage {bind.pp_stage}): each "
            "rank's budget is its own GPU's total x gpu_memory_utilization, and vLLM gives "
            "every rank the fewest blocks of all ranks (get_kv_cache_configs)")


KV_POOL_GIVEN_FORMULA = ("0.00 GiB: --kv-cache-memory-bytes gives the KV pool, so vLLM skips "
                         "memory profiling and subtracts none")
"""The formula of the activation, non-torch and CUDA graph terms under --kv-cache-memory-bytes
(memory counts them 0; kv_pool_oom_errors checks the pool and them against the GPU)."""


KV_POOL_GIVEN_PART_NOTE = (
    "not subtracted: --kv-cache-memory-bytes gives the KV pool, so vLLM skips memory profiling "
    "and the term holding this one is 0 B; its profile run still allocates it "
    "(gpu_worker.determine_available_memory runs profile_run all the same)")
"""What the parts shown inside those terms (the MoE workspace and EPLB's profile rearrangement in
the activation peak, the all-to-all buffer in the non-torch term) say first under
--kv-cache-memory-bytes, before their own note ("Without it: ...", the source of their figure):
their figures stand, subtracted from nothing (0.11.1, 0.34.0 wheels)."""


INSIDE_SKIPPED_TERMS = ("moe_workspace", "eplb_profile", "all2all_buffers",
                        "flashinfer_workspace")
"""The terms shown as parts of the activation, non-torch or CUDA graph term (plan_terms)."""


SOURCE_SUFFIX = "_source"
"""An input named '<name>_source' is the source of input <name> (runner_buffers, eplb): the
term's note lists it, Term.inputs keeps the quantities."""


def _term(key: str, label: str, value: float, unit: str, formula: str, note: str = "",
          inputs: TermInputs | None = None) -> Term:
    inputs = inputs or {}
    sources = "; ".join(f"{name.removesuffix(SOURCE_SUFFIX)}: {text}"
                        for name, text in inputs.items() if name.endswith(SOURCE_SUFFIX))
    return Term.model_construct(
        key=key, label=label, value=value, unit=unit, formula=formula,
        inputs=inputs_text({name: value for name, value in inputs.items()
                            if not name.endswith(SOURCE_SUFFIX)}),
        note="; ".join(filter(None, (note, sources and f"sources: {sources}")))
    )


class WarmRestart(NamedTuple):
    """What Model Runner V2 sizes on the binding rank when it restarts with a warm
    torch.compile cache (planner.serving.runner_v2)."""

    activation: tuple[int, str]  # v2_warm_activation: its profile peak, with its formula
    graphs: int  # the CUDA graph estimate V2 subtracts (none before 0.29.0)
    kv_cache_bytes: int | None  # the pool left; None where --kv-cache-memory-bytes gives it
    # its (blocks, KV tokens, max concurrency), counted as the plan's own pool (pool_blocks,
    # capacity); None where the pool is
    capacity: tuple[int, int, float] | None


def warm_restart(st: Setup, bind: RankMemory) -> WarmRestart | None:
    """V2's warm restart on the binding rank (`bind`): the planned pool with the V1 runner's
    activation and graph terms swapped for V2's; None where v2_warm_peak is. The planned
    (cold) activation is never below V2's warm peak (_worker_overheads), so this pool is never
    the smaller. No pool under --enforce-eager: nothing compiles, so there is no warm cache
    to restart with (planner.serving.runner_v2); the peak stays, the activation's floor."""
    s, f = st.s, st.facts
    r = f.r
    warm = v2_warm_peak(st, bind.pp_stage)
    if warm is None:
        return None
    planned = bind.cuda_graph_bytes if r.subtract_graphs else 0
    graphs = planned if vllm_rules(s.vllm_version).v2_graph_estimate else 0
    if s.kv_cache_memory_bytes or s.enforce_eager:
        return WarmRestart(warm, graphs, None, None)
    kv = bind.kv_cache_bytes + bind.activation_bytes - warm[0] + planned - graphs
    stage = f.stages[bind.pp_stage][1]
    blocks = pool_blocks(kv, stage)
    return WarmRestart(warm, graphs, kv, (blocks, *capacity(f, stage, blocks)))


def plan_terms(st: Setup, bind: RankMemory, out: Outcome, warm: WarmRestart | None
               ) -> list[Term]:
    """Every figure of the binding rank (`bind`) with its formula and real numbers; on Model
    Runner V2 the activation and graph terms say what V2 subtracts (planner.serving.runner_v2)
    and the KV term what a warm restart sizes (`warm`: warm_restart)."""
    s, r = st.s, st.facts.r
    stage = st.facts.stages[bind.pp_stage][1]
    rules = vllm_rules(s.vllm_version)
    v2_note, v2_graphs = (v2_term_notes(warm.activation if warm else None,
                                        rules.v2_graph_estimate, rules.label, s.enforce_eager,
                                        _profiled_encoder(st, bind) is not None)
                          if r.runner[0] == "v2" else ("", ""))
    draft = _draft_on_stage(st, bind)  # the draft's start-up share, named, not sized
    draft_profile = (draft_profile_note(rules, r.runner[0], draft, s.num_speculative_tokens,
                                        r.mbt) if draft and s.activation_bytes is None else "")
    draft_graphs = (draft_graphs_note(rules, r.runner[0], draft, s.num_speculative_tokens)
                    if _drafts(st) else "")
    workspace = moe_workspace(st, bind.pp_stage)
    buffer = all2all_buffer(st, bind.pp_stage)
    eplb = eplb_profile(st, bind.pp_stage)
    buffers = (RunnerBuffers((), {}) if s.kv_cache_memory_bytes
               else runner_buffers(st, bind.pp_stage))
    capture = r.captures[_bind_gpu(st, bind).compute_capability]
    attention_ws = 0 if s.cuda_graph_bytes is not None else capture.flashinfer_workspace
    terms = [
        _budget_term(st, bind),
        _term("weights", "Weights on the binding GPU", bind.weights_bytes, "B",
              _weights_formula(st, bind), _tower_tp_note(st, bind), _weights_inputs(st, bind)),
        _profile_activation_term(st, bind, warm, eplb, workspace, v2_note + draft_profile),
        _non_torch_term(st, bind, buffer),
        *_runner_buffers_terms(st, bind, buffers, rules),
        _graphs_term(s, r, bind, capture.graphs,
                     dsv4_first_capture_bytes(r.facts.dsv4, capture.graphs[0]),
                     _graphs_note(s, r, capture, rules, v2_graphs + draft_graphs), attention_ws),
        _kv_cache_term(st, bind, warm, stage, buffers),
        _per_token_term(st, bind, stage, rules),
        _block_term(st, stage, rules),
        _num_blocks_term(st, bind, stage),
        *_capacity_terms(r, stage, bind, out),
        _context_term(bind, out.ceiling, out.model_limit, r.long_len),
    ]
    _insert_inside_terms(terms, s, rules, buffer, eplb, workspace, r.mbt)
    if attention_ws:  # right after the cuda_graphs term, which holds it
        terms.insert(next(i for i, t in enumerate(terms) if t.key == "cuda_graphs") + 1, _term(
            "flashinfer_workspace", "FlashInfer attention workspace (inside the CUDA graph "
            "estimate)", attention_ws, "B", f"VLLM_FLASHINFER_WORKSPACE_BUFFER_SIZE "
            f"{attention_ws:,} B x 1 buffer = {gib(attention_ws)}", WORKSPACE_NOTE,
            {"flashinfer_workspace_bytes": attention_ws, "full_graphs": capture.graphs[1]}))
    lora = sized_lora(st.spec, s, r.vision_first_stage_only)
    if lora is not None:  # after the weights, which hold it
        terms.insert(2, _lora_term(st, bind, lora))
    if s.kv_cache_memory_bytes:  # memory: none of these is subtracted
        terms = _pool_given_terms(terms, s.kv_cache_memory_bytes)
    return terms


def _budget_term(st: Setup, bind: RankMemory) -> Term:
    """The budget term: the GPU's total times gpu_memory_utilization, a fraction of TOTAL
    memory (the GPU's note on what that total is)."""
    s = st.s
    return _term("budget", "Budget (total x utilization)", bind.budget_bytes, "B",
                 f"ceil({gib(bind.total_bytes)} x {number_as_given(s.gpu_memory_utilization)}) = "
                 f"{gib(bind.budget_bytes)}", "; ".join(filter(None, (
                     "gpu_memory_utilization is a fraction of TOTAL memory",
                     memory_total_note(_bind_gpu(st, bind), s.gpu_memory_utilization)))),
                 {"total_bytes": bind.total_bytes,
                  "gpu_memory_utilization": s.gpu_memory_utilization})


def _bind_gpu(st: Setup, bind: RankMemory) -> GpuSpec:
    """The binding rank's GPU: its node's, not node 0's (its compute capability is the one its
    worker's overheads were worked out on, plan.worker.overheads)."""
    return st.cluster.nodes[bind.node].gpu


def _profile_activation_term(st: Setup, bind: RankMemory, warm: WarmRestart | None,
                             eplb: tuple[int, str, TermInputs], workspace: tuple[int, str],
                             v2_note: str) -> Term:
    """The activation term from the profile run's forward (engine.activation_bytes, with the
    MoE `workspace` unless the activation is given), taken as the max with EPLB's and V2's
    peaks (_activation_formula); V2's and the vision encoder's notes after its source."""
    s, layout, r = st.s, st.layout, st.facts.r
    forward, act_formula = activation_bytes(
        r.facts, st.facts.stages[bind.pp_stage][0], bind.pp_stage == layout.pp - 1, r.mbt,
        r.seqs, layout.tp, r.act_b, r.max_model_len, layout.expert_tp,
        _bind_gpu(st, bind).compute_capability,
        *r.sampler, not s.skip_mm_profiling and s.activation_bytes is None,
        r.encoder_every_stage, r.encoder_rules,
        workspace[0] if s.activation_bytes is None else 0, sequence_parallel(st),
    )
    return _activation_term(
        st, bind, _activation_formula(forward, act_formula, eplb, warm, s.enforce_eager),
        v2_note + _encoder_note(st), _activation_inputs(st, bind, forward, eplb, warm))


def _runner_buffers_terms(st: Setup, bind: RankMemory, buffers: RunnerBuffers,
                          rules: VllmRules) -> list[Term]:
    """The runner_buffers term, where the model runner holds buffers outside the profile
    (none where --kv-cache-memory-bytes gives the pool)."""
    if not buffers.parts:
        return []
    r = st.facts.r
    return [_term("runner_buffers", "Model runner buffers", bind.runner_buffer_bytes, "B",
                  runner_buffers_formula(buffers.parts, r.runner[0], rules.label),
                  RUNNER_BUFFERS_NOTE,
                  {"runner": r.runner[0], "max_num_seqs": r.seqs,
                   "vocab_size": r.facts.vocab_size, "max_num_batched_tokens": r.mbt,
                   "hidden_size": r.facts.hidden_size, **_parts_inputs(buffers.parts),
                   **buffers.inputs})]


def _kv_cache_term(st: Setup, bind: RankMemory, warm: WarmRestart | None,
                   stage: StageKv | None, buffers: RunnerBuffers) -> Term:
    """The kv_cache term: the budget less every other term (or the given pool), with what a
    warm V2 restart sizes."""
    s, r = st.s, st.facts.r
    buffers_text = f" - {gib(bind.runner_buffer_bytes)} runner buffers" if buffers.parts else ""
    return _term("kv_cache", "KV cache pool per GPU", bind.kv_cache_bytes, "B",
                 _kv_formula(s, r, bind, buffers_text),
                 _warm_kv_note(bind, warm, stage, buffers_text, r.max_model_len),
                 _kv_inputs(s, r, bind, warm))


def _per_token_term(st: Setup, bind: RankMemory, stage: StageKv | None,
                    rules: VllmRules) -> Term:
    """The KV bytes one token takes on the binding GPU, summed over its stage's layer kinds."""
    kinds = stage.kinds if stage else ()
    kv_b, tp = st.facts.kv_b, st.layout.tp
    per_token = " + ".join(_per_token_part(kv, n, kv_b, tp) for kv, n in kinds)
    return _term("kv_bytes_per_token_per_gpu", "KV bytes per token per GPU",
                 bind.kv_bytes_per_token, "B", f"{per_token} = {bind.kv_bytes_per_token:,} B",
                 "; ".join(filter(None, (checkpoint_kv_note(st.spec, st.s, rules),
                                         _kv_heads_note(kinds, tp)))),
                 _per_token_inputs(kinds, kv_b, tp))


def _block_term(st: Setup, stage: StageKv | None, rules: VllmRules) -> Term:
    """The bytes of one KV block on the binding stage ("-" without KV layers)."""
    kv_b, tp = st.facts.kv_b, st.layout.tp
    return _term("bytes_per_block", "Bytes per block", stage.bytes_per_block if stage else 0,
                 "B", _block_formula(stage, kv_b, tp) if stage else "-",
                 _block_source(st.s, st.facts.r, stage, rules), _block_inputs(stage, kv_b, tp))


def _num_blocks_term(st: Setup, bind: RankMemory, stage: StageKv | None) -> Term:
    """The KV blocks of the binding rank: its pool over the bytes per block (none where the
    pool is below zero)."""
    num_blocks = bind.num_blocks
    return _term("num_blocks", "KV blocks (smallest rank)", num_blocks, "blocks",
                 (f"{gib(bind.kv_cache_bytes)} // {stage.bytes_per_block:,} B = {num_blocks:,}"
                  if bind.kv_cache_bytes >= 0 else f"max(0, {gib(bind.kv_cache_bytes)} // "
                  f"{stage.bytes_per_block:,} B) = 0: nothing is left for the KV cache")
                 if stage else "-", _binding_note(st, bind),
                 {"kv_cache_bytes": bind.kv_cache_bytes,
                  "bytes_per_block": stage.bytes_per_block if stage else 0})


def _capacity_terms(r: Resolved, stage: StageKv | None, bind: RankMemory, out: Outcome
                    ) -> list[Term]:
    """The kv_cache_tokens and max_concurrency terms: what the binding rank's blocks hold."""
    num_blocks, per_request, max_model_len = bind.num_blocks, out.per_request, r.max_model_len
    per_request_inputs = {"kv_blocks": num_blocks, "blocks_per_request": per_request,
                          "max_model_len_tokens": max_model_len}
    return [
        _term("kv_cache_tokens", "KV cache tokens", out.tokens, "tokens",
              _tokens_formula(r, stage, num_blocks, per_request, out.tokens),
              inputs=dict(per_request_inputs) if r.tokens_from_concurrency else
              {"kv_blocks": num_blocks, "kv_groups": stage.num_groups if stage else 0,
               "block_size_tokens": stage.block_tokens if stage else 0}),
        _term("max_concurrency", "Max concurrency at max_model_len", out.concurrency,
              "requests", f"{num_blocks:,} blocks / {counted(per_request, 'block')} per "
              f"{max_model_len:,}-token request = {out.concurrency:,.2f}",
              inputs=per_request_inputs),
    ]


def _lora_term(st: Setup, bind: RankMemory, lora: LoraSettings) -> Term:
    """The LoRA slots on the binding rank (planner.serving.lora), counted in its weights as vLLM
    counts them in the model's load memory: each wrapped module's (A + B) x max_loras elements
    in lora_dtype (auto: the served dtype), the lm_head mapping and the Punica buffers."""
    spec, layout, r = st.spec, st.layout, st.facts.r
    first, last = bind.pp_stage == 0, bind.pp_stage == layout.pp - 1
    parts = stage_parts(spec, range(*bind.layers), first, last, layout.tp, lora,
                        rank_experts(layout, bind.tp_rank))
    flags = moe_flag_bytes(spec, range(*bind.layers), lora.max_loras)
    mapping = lm_head_mapping_bytes(spec, first, last, layout.tp, lora.version)
    punica = punica_buffer_bytes(r.mbt, r.seqs, lora.max_loras, lora.version)
    tower_punica = tower_punica_bytes(spec, lora, r.mbt, r.seqs, r.max_model_len)
    shards = fully_sharded_tp(layout.tp, layout.expert_tp, lora.version)  # the experts' split
    # the binding position's figure in the weights, sized there (layout_facts._with_lora)
    value = st.facts.weight_terms[bind.pp_stage * layout.tp + bind.tp_rank].lora_bytes
    slots = " + ".join(f"{p.name} {p.count} x {p.elements:,}" if p.count > 1
                       else f"{p.name} {p.elements:,}" for p in parts)
    elem = slot_dtype_bytes(lora, r.act_b)
    formula = (f"({slots}) elements x {elem} B"
               + (f" + experts' adapter flags {flags:,} B" if flags else "")
               + (f" + lm_head vocabulary mapping {mapping:,} B" if mapping else "")
               + f" + Punica buffers {punica:,} B"
               + (f" + tower and connector Punica buffers {tower_punica:,} B"
                  if tower_punica else "") + f" = {gib(value)}")
    return _term("lora", "LoRA slots (inside the weights)", value, "B", formula,
                 _lora_note(st, lora, flags, mapping, shards), {
        "max_loras": lora.max_loras, "max_lora_rank": lora.rank,
        "fully_sharded_loras": str(lora.fully_sharded),
        "specialize_active_lora": str(lora.specialize),
        "enable_tower_connector_lora": str(lora.tower),
        "lora_dtype": lora.dtype, "lora_dtype_bytes": elem,
        "tp": layout.tp, "layers": bind.layers[1] - bind.layers[0],
        "hidden_size": spec.hidden_size, "vocab_size": spec.vocab_size,
        "max_num_batched_tokens": r.mbt, "max_num_seqs": r.seqs})


def _lora_note(st: Setup, lora: LoraSettings, flags: int, mapping: int, shards: int) -> str:
    """The lora term's note: the slot shapes vLLM allocates (`flags`: the experts' adapter flag
    bytes, 0 without MoE layers; `shards`: the experts' --fully-sharded-loras split), the CUDA
    graphs per active-LoRA count and what is not sized (`mapping`: the lm_head mapping's bytes,
    0 without one)."""
    spec, layout, r = st.spec, st.layout, st.facts.r
    cases = lora_capture_cases(lora.version, r.runner[0], lora.max_loras, lora.specialize)
    counts = lora_capture_counts(lora.max_loras, lora.specialize)
    tower = LORA_TOWER_CONNECTOR.get(spec.architectures[0])  # multimodal: left without LoRA
    return ("vLLM 0.17.0-0.34.0 lora/layers create_lora_weights: per module (A + B) x max_loras, "
            "A = rank x input (row layers: input / TP), B = output per TP rank x rank (row "
            "layers: the whole output)"
            + (", column A and row B over TP too (--fully-sharded-loras)"
               if lora.fully_sharded and layout.tp > 1 else "")
            + (f"; MoE {expert_slot_shapes(spec, lora.version)}"
               + (", the router gate replicated"
                  if MOE_LORA_ARCHITECTURES[spec.architectures[0]].router_lora else "")
               + (", with EP the rank's own experts, whole" if layout.ep_size > 1 else "")
               + (f", w13 A's rank and w2 B's hidden over TP {shards} (--fully-sharded-loras)"
                  if lora.fully_sharded and shards > 1 else "")
               if flags else "")
            + mla_note(spec, lora.version)
            + {(True, True): ", the embedding and lm_head unsharded",
               (True, False): ", the embedding unsharded; no lm_head slots (vLLM's Transformers "
                              "backend declares embed_tokens only)",
               (False, False): "; no embedding or lm_head slots (the class declares no "
                               "embedding_modules)"}[wrapped_heads(spec, lora.version)]
            + (f"; {tower_note(spec, r.mbt, r.seqs, r.max_model_len)}" if lora.tower else
               f"; the language model's modules only: {tower} get no LoRA (vLLM's "
               "--enable-tower-connector-lora, default off, is not passed)" if tower else "")
            + "; counted in the weights, as vLLM counts them in the model's load memory; "
            + ("no CUDA graphs to capture with LoRA (--enforce-eager)" if st.s.enforce_eager
               else f"CUDA graphs captured x {cases} ({', '.join(map(str, counts[:-1]))} and "
               f"{counts[-1]} active LoRAs: cudagraph_specialize_lora, "
               + ("with --specialize-active-lora's powers of two)" if lora.specialize else
                  "without --specialize-active-lora's powers of two)")
               if cases > 1 else "CUDA graphs captured once, with "
               "LoRA (Model Runner V2 before 0.24.0"
               + (", --specialize-active-lora or not)" if lora.specialize else ")"))
            + "; not sized: the LoRA kernels' transient float32 "
            "buffers in the profile run"
            + (", the MoE LoRA kernels' per-call token and expert index buffers"
               if flags else "")
            + (" and the lm_head LoRA's copy of the gathered logits at TP > 1"
               if mapping else "")
            + " (planner.serving.lora)")


def _tokens_formula(r: Resolved, stage: StageKv | None, num_blocks: int, per_request: int,
                    tokens: int) -> str:
    """The kv_cache_tokens term's formula: from the concurrency where the release counts the
    tokens that way (tokens_from_concurrency), else from the blocks and their groups."""
    if r.tokens_from_concurrency:
        # the concurrency itself (blocks / blocks per request), so the shown numbers reproduce
        tokens_formula = (f"int({num_blocks:,} blocks / {counted(per_request, 'block')} per "
                          f"request x {r.max_model_len:,}) = {tokens:,} tokens")
    else:
        tokens_formula = (f"{num_blocks:,} blocks // {counted(stage.num_groups, 'group')} x "
                          f"{stage.block_tokens} tokens = {tokens:,} tokens")
    return tokens_formula


def _drafts(st: Setup) -> bool:
    """Whether the plan drafts (an EAGLE-3 drafter, or the model's MTP layers, with
    --num-speculative-tokens): vLLM's capture sizes then follow the draft on every stage."""
    s = st.s
    return bool(s.num_speculative_tokens) and (s.speculative_draft is not None
                                                or bool(st.spec.mtp_layers))


def _draft_on_stage(st: Setup, bind: RankMemory) -> str | None:
    """The speculative draft vLLM builds on the binding rank's stage (the last: an EAGLE-3
    drafter, or the model's MTP layers with --num-speculative-tokens), by name; else None."""
    if bind.pp_stage != st.layout.pp - 1 or not _drafts(st):
        return None
    return "EAGLE-3 drafter" if st.s.speculative_draft is not None else "MTP draft"


def _graphs_note(s: EngineSettings, r: Resolved, capture: Capture, rules: VllmRules,
                 runner_graphs: str) -> str:
    """The cuda_graphs term's note: whether the release subtracts the graphs, with V2's and the
    draft's (`runner_graphs`: v2_term_notes, draft_startup.draft_graphs_note), the piecewise
    graphs the binding GPU's attention backend leaves (`capture`) and DeepSeek-V4's capture."""
    graphs_note = (
        "subtracted" if r.subtract_graphs
        else "none: --enforce-eager captures no CUDA graphs" if s.enforce_eager
        else f"reported, not subtracted (vLLM < {version_label(GRAPHS_SUBTRACTED_FROM)})")
    if not s.enforce_eager:
        graphs_note += runner_graphs
        if capture.mla_piecewise:
            graphs_note += "; " + TRITON_MLA_PIECEWISE_NOTE.format(v=rules.label)
        if capture.flex_piecewise:
            graphs_note += "; " + FLEX_PIECEWISE_NOTE.format(v=rules.label)
        if capture.spec_piecewise:
            graphs_note += "; " + spec_piecewise_note(capture.spec_piecewise,
                                                      s.num_speculative_tokens,
                                                      rules)
    if r.facts.dsv4 is not None and s.cuda_graph_bytes is None and not s.enforce_eager:
        graphs_note += "; " + dsv4_graphs_note()
    return graphs_note


def _encoder_note(st: Setup) -> str:
    """The activation term's note on the vision encoder: none profiled where Model Runner V2
    runs no encoder profile, inside the figure where a measured start-up profile covers it,
    else not modelled where the batch shape needs one, else _unprofiled_note."""
    s, r = st.s, st.facts.r
    rules = r.encoder_rules
    if st.spec.vision and not rules.profiled and profiled(st.spec, s, rules._replace(
            profiled=True)):
        return (f"; vision encoder: none profiled: Model Runner V2's profile_run in vLLM "
                f"{vllm_rules(s.vllm_version).label} (v1/worker/gpu/model_runner.py, the "
                "0.17.0-0.26.0 wheels) runs the decoder's dummy forward only, so the KV cache "
                "is sized without the encoder (vllm_versions.V2_ENCODER_PROFILE_FROM)"
                + fit_lift_note(st.spec, s))
    cover = measured(st.spec)
    gap = encoder_gap(st.spec, s, r.mbt, r.seqs, st.layout.pp, r.max_model_len, rules,
                      r.pan_and_scan)
    return (
        f"; vision encoder: the {cover.name} encoder's start-up profile is inside this "
        f"figure, not a term of its own: {cover.runs}"
        + ("; this plan's batch shape is outside theirs (see the warnings)" if gap else
           pan_and_scan_note(st.spec, r.pan_and_scan, r.mbt, r.seqs, r.max_model_len, r.act_b))
        if cover and profiled(st.spec, s, rules) else
        "; vision encoder: its start-up profile is not modelled (see the warnings)" if gap
        else _unprofiled_note(st))


def _unprofiled_note(st: Setup) -> str:
    """The activation note where vLLM profiles no encoder (text-only serving,
    --skip-mm-profiling) but the fitted figure holds some of one (encoder_cover.fit_lift_note);
    "" elsewhere."""
    s, lift = st.s, fit_lift_note(st.spec, st.s)
    why = (f"{text_only_flag(s)}: served text-only" if text_only(st.spec, s) else
           "--skip-mm-profiling" if s.skip_mm_profiling else "")
    return f"; vision encoder: none profiled ({why}){lift}" if why and lift else ""


def _activation_formula(forward: int, act_formula: str, eplb: tuple[int, str, TermInputs],
                        warm: WarmRestart | None, eager: bool) -> str:
    """The activation term's formula: the forward's (`forward`, `act_formula`), taken as the
    max with EPLB's profile rearrangement (`eplb`) and V2's warm peak where they are larger
    (under --enforce-eager, `eager`, V2's sized moments: the eager forward holds them too)."""
    if eplb[0]:
        act_formula = (f"max(forward {gib(forward)}, EPLB profile rearrangement "
                       f"{gib(eplb[0])}: the eplb_profile term) = "
                       f"{gib(max(forward, eplb[0]))}; forward: {act_formula}")
    if warm and warm.activation[0] > max(forward, eplb[0]):  # _worker_overheads' floor
        why = ("the eager forward holds them and more (planner.serving.runner_v2)" if eager
               else "a first start-up runs the same dummy forward in the same measured window "
                    "and compiles there too")
        act_formula = (f"max(V1 runner {gib(max(forward, eplb[0]))}, Model Runner V2's "
                       f"{'sized moments' if eager else 'warm peak'} "
                       f"{gib(warm.activation[0])}) = {gib(warm.activation[0])}: {why}; "
                       f"V1 runner: {act_formula}")
    return act_formula


def _kv_formula(s: EngineSettings, r: Resolved, bind: RankMemory, buffers_text: str) -> str:
    """The kv_cache term's formula: the budget less every other term, or the given
    --kv-cache-memory-bytes."""
    kv_formula = (
        f"{gib(bind.budget_bytes)} - {gib(bind.weights_bytes)} weights - "
        f"{gib(bind.activation_bytes)} activation - {gib(bind.non_torch_bytes)} non-torch"
        + buffers_text
        + (f" - {gib(bind.cuda_graph_bytes)} CUDA graphs" if r.subtract_graphs else "")
        + f" = {gib(bind.kv_cache_bytes)}"
    )
    if s.kv_cache_memory_bytes:
        kv_formula = f"--kv-cache-memory-bytes {s.kv_cache_memory_bytes:,} B (profiling skipped)"
    return kv_formula


def _warm_kv_note(bind: RankMemory, warm: WarmRestart | None, stage: StageKv | None,
                  buffers_text: str, max_model_len: int) -> str:
    """The kv_cache term's note: the pool Model Runner V2 sizes on a warm restart (`warm`);
    "" where there is none."""
    kv_note = ""
    if warm and warm.capacity:  # (None where its pool is)
        # what V2 sizes on a restart that finds the compile cache (planner.serving.runner_v2),
        # and what it holds, counted as the num_blocks, tokens and concurrency terms count
        warm_blocks, warm_tokens, warm_concurrency = warm.capacity
        kv_note = (f"Model Runner V2 restarting with a warm torch.compile cache: "
                   f"{gib(bind.budget_bytes)} - {gib(bind.weights_bytes)} weights - "
                   f"{gib(warm.activation[0])} activation - {gib(bind.non_torch_bytes)} "
                   f"non-torch{buffers_text} - {gib(warm.graphs)} CUDA graphs = "
                   f"{gib(warm.kv_cache_bytes)} "
                   "(planner.serving.runner_v2); "
                   + (f"{gib(warm.kv_cache_bytes)} // {stage.bytes_per_block:,} B = "
                      if stage else "")
                   + f"{warm_blocks:,} blocks: {warm_tokens:,} KV tokens, "
                   f"{warm_concurrency:,.2f} requests at {max_model_len:,} tokens; this plan "
                   "sizes a first (cold-compile) start-up")
    return kv_note


def _activation_term(st: Setup, bind: RankMemory, act_formula: str, notes: str,
                     inputs: TermInputs) -> Term:
    """The activation term: the profile run's peak with its sources (`notes`: V2's and the
    vision encoder's after them), or the given figure."""
    s, layout, r = st.s, st.layout, st.facts.r
    sampler = r.sampler
    return (
        _term("activation", "Profile-run activation peak", bind.activation_bytes, "B", act_formula,
              ("DeepSeek-V4: the tensors vLLM 0.22 holds, from its source; unverified against "
               "a printed peak" if r.facts.dsv4 else
               f"forward: {_fit_source(s.enforce_eager)}; sampler: the logits "
               "and sort buffers vLLM < 0.17 holds, from its and PyTorch's source (see "
               "planner.serving.engine SORT_ROW_BYTES)" if sampler[0] and (
                   bind.pp_stage == layout.pp - 1) else
               f"{_fit_source(s.enforce_eager)} (see planner.serving.engine)")
              + notes, inputs)
        if s.activation_bytes is None else
        _term("activation", "Profile-run activation peak", bind.activation_bytes, "B",
              f"{gib(bind.activation_bytes)} (given)", inputs=inputs))


def _activation_inputs(st: Setup, bind: RankMemory, forward: int,
                       eplb: tuple[int, str, TermInputs],
                       warm: WarmRestart | None) -> TermInputs:
    """The activation term's inputs: the fit's (engine.activation_inputs), with the MoE
    workspace, EPLB's rearrangement and V2's warm peak where the formula takes them,
    DeepSeek-V4's sequence-parallel mode where it shards the residual (worker.sequence_parallel);
    the given figure where --activation-bytes gives it."""
    s, layout, f = st.s, st.layout, st.facts
    if s.activation_bytes is not None:
        return {"activation_bytes": s.activation_bytes}
    r = f.r
    workspace = moe_workspace(st, bind.pp_stage)[0]
    inputs: TermInputs = {"tp": layout.tp, **activation_inputs(
        r.facts, f.stages[bind.pp_stage][0], bind.pp_stage == layout.pp - 1, r.mbt, r.seqs,
        layout.tp, r.act_b, *r.sampler)}
    inputs |= {"moe_workspace_bytes": workspace} if workspace else {}
    inputs |= {"sequence_parallel_token_shards": layout.tp} if sequence_parallel(st) else {}
    inputs |= _encoder_inputs(st, bind)
    if eplb[0] or warm and warm.activation[0] > forward:
        inputs |= {"decoder_peak_bytes": forward, "eplb_profile_bytes": eplb[0]}
    if warm and warm.activation[0] > max(forward, eplb[0]):
        inputs["v2_warm_peak_bytes"] = warm.activation[0]
    return inputs


def _profiled_encoder(st: Setup, bind: RankMemory) -> EncoderProfile | None:
    """The binding rank's vision encoder profile (engine.profiled_encoder), None where its
    profile run has none or the activation is given."""
    s, layout, r = st.s, st.layout, st.facts.r
    return profiled_encoder(r.facts, st.facts.stages[bind.pp_stage][0], layout.tp, r.mbt,
                            r.seqs, r.max_model_len, r.act_b,
                            not s.skip_mm_profiling and s.activation_bytes is None,
                            r.encoder_every_stage, r.encoder_rules)


def _encoder_inputs(st: Setup, bind: RankMemory) -> TermInputs:
    """The vision encoder's profile in the activation term's inputs (_profiled_encoder: its
    own peak, what stays held through the decoder's run, its dummy items); {} where the
    profile run has none."""
    enc = _profiled_encoder(st, bind)
    if enc is None:
        return {}
    return {"vision_encoder_peak_bytes": enc.vit_peak, "encoder_held_bytes": enc.held,
            "encoder_dummy_items": enc.items, "encoder_patches": enc.patches,
            **({"encoder_video_frames": enc.frames} if enc.frames else {}),
            **({"encoder_padded_rows": enc.rows} if enc.rows else {})}


def _weights_inputs(st: Setup, bind: RankMemory) -> TermInputs:
    """The weights term's inputs: where the binding rank sits and its parts' bytes."""
    parts = st.facts.weight_terms[bind.pp_stage * st.layout.tp + bind.tp_rank]
    return {"weight_format": st.facts.r.scheme.key, "tp": st.layout.tp,
            "tp_rank": bind.tp_rank, "pp_stage": bind.pp_stage, "first_layer": bind.layers[0],
            "last_layer": bind.layers[1] - 1,
            **{field: getattr(parts, field) for field in WEIGHT_PARTS if getattr(parts, field)},
            **({"shared_experts_split_ranks": 1} if st.facts.load.shared_experts_whole else {}),
            **({"dense_mlp_split_ranks": 1} if st.facts.load.dense_mlp_whole else {}),
            **eplb_weights_inputs(st, bind.pp_stage)}


def _part_key(text: str) -> str:
    """A part's name as an input key: its words before the first number, in snake case
    ("output_bin_counts 256 x ..." -> "output_bin_counts", "CUDA context" -> "cuda_context")."""
    return re.sub(r"\W+", "_", re.split(r"\d", text, maxsplit=1)[0]).strip("_").lower()


def _parts_inputs(parts: Iterable[tuple[str, int]]) -> TermInputs:
    """Named parts (text, bytes) as inputs keyed '<part>_bytes'."""
    return {f"{_part_key(text)}_bytes": n for text, n in parts}


def _kv_inputs(s: EngineSettings, r: Resolved, bind: RankMemory,
               warm: WarmRestart | None) -> TermInputs:
    """The kv_cache term's inputs: the budget and the terms it loses (the given pool under
    --kv-cache-memory-bytes), and what V2's warm restart subtracts instead where it sizes one."""
    if s.kv_cache_memory_bytes:
        return {"kv_cache_memory_bytes": s.kv_cache_memory_bytes}
    inputs: TermInputs = {
        "budget_bytes": bind.budget_bytes, "weights_bytes": bind.weights_bytes,
        "activation_bytes": bind.activation_bytes, "non_torch_bytes": bind.non_torch_bytes}
    inputs |= {"runner_buffer_bytes": bind.runner_buffer_bytes} if bind.runner_buffer_bytes \
        else {}
    inputs |= {"cuda_graph_bytes": bind.cuda_graph_bytes} if r.subtract_graphs else {}
    if warm and warm.capacity:
        inputs |= {"warm_activation_bytes": warm.activation[0],
                   "warm_cuda_graph_bytes": warm.graphs,
                   "warm_kv_cache_bytes": warm.kv_cache_bytes or 0,
                   "warm_kv_blocks": warm.capacity[0]}
    return inputs


def _kv_heads_note(kinds: tuple[tuple[KvLayer, int], ...], tp: int) -> str:
    """Where the KV heads per GPU come from, under TP with attention that has KV heads."""
    if tp == 1 or not any(isinstance(kv, FullAttentionKv) for kv, _ in kinds):
        return ""
    return ("KV heads per GPU: vLLM's ModelConfig.get_num_kv_heads, max(1, KV heads // TP): "
            "replicated, not split further, once TP exceeds them")


def _kind_prefixes(kinds: tuple[tuple[KvLayer, int], ...]) -> list[str]:
    """Each KV kind's prefix in the inputs: none for a single kind, else its group key
    ("sliding_1024_"), numbered where two kinds share one."""
    if len(kinds) == 1:
        return [""]
    prefixes: list[str] = []
    for kv, _ in kinds:
        prefix = re.sub(r"\W+", "_", kv.group_key) + "_"
        prefixes.append(prefix if prefix not in prefixes else f"{prefix}{len(prefixes)}_")
    return prefixes


def _per_token_inputs(kinds: tuple[tuple[KvLayer, int], ...], kv_b: KvBytes,
                      tp: int) -> TermInputs:
    """The kv_bytes_per_token_per_gpu term's inputs: each KV kind's layers and its own
    (KvLayer.inputs), prefixed by the kind where there are several."""
    inputs: TermInputs = {}
    for prefix, (kv, n) in zip(_kind_prefixes(kinds), kinds, strict=True):
        inputs |= {f"{prefix}layers": n,
                   **{f"{prefix}{k}": v for k, v in kv.inputs(kv_b, tp).items()}}
    return inputs or {"layers": 0}


def _block_source(s: EngineSettings, r: Resolved, stage: StageKv | None,
                  rules: VllmRules) -> str:
    """Where the bytes_per_block term's block size comes from: --block-size, vLLM's default
    (a model without MLA, at the size asked for), or what vLLM picks for this model and GPU
    (an MLA backend's, a hybrid's raised block, DeepSeek-V4's)."""
    if stage is None:
        return ""
    n = stage.block_tokens
    if n == r.block_size and n == s.block_size:
        return f"{n}-token blocks: --block-size"
    mla = any(kv.kind == "mla" for kv, _ in stage.kinds)  # (its backend's: mla_block_size)
    if n == r.block_size == default_block_size(rules.version) and not mla:
        return f"{n}-token blocks: vLLM {rules.label}'s CacheConfig.DEFAULT_BLOCK_SIZE"
    return (f"{n}-token blocks: what vLLM {rules.label} picks for this model and GPU "
            "(planner.serving.mla_block.mla_block_size, startup.gemma4_backend"
            ".gemma4_default_block, engine.stage_layouts)")


def _block_inputs(stage: StageKv | None, kv_b: KvBytes, tp: int) -> TermInputs:
    """The bytes_per_block term's inputs: the block's tokens and its pages."""
    if stage is None:
        return {"block_size_tokens": 0}
    if stage.uniform_type:
        pages: TermInputs = {}
        for prefix, (kv, n), b in zip(_kind_prefixes(stage.kinds), stage.kinds,
                                      stage.kind_blocks, strict=True):
            pages |= {f"{prefix}pages": n, f"{prefix}page_bytes": kv.page_bytes(b, kv_b, tp)}
        return {"block_size_tokens": stage.block_tokens, **pages}
    return {"block_size_tokens": stage.block_tokens, "layers_per_group": stage.group_size,
            "page_bytes": stage.page_bytes}


def _non_torch_term(st: Setup, bind: RankMemory,
                    buffer: tuple[int, str, bool] | None) -> Term:
    """The non_torch term: its parts (CUDA context, NCCL, the all-to-all buffer), or the
    given figure."""
    s, layout, r = st.s, st.layout, st.facts.r
    parts = non_torch_parts(layout, r.link, r.nvswitch_sharp, layout.tp <= r.gpus_per_node,
                            r.comm_counted)
    p2p = any(part.label.endswith("P2P buffers") for part in parts)
    inputs: TermInputs = {"non_torch_bytes": s.non_torch_bytes} if s.non_torch_bytes is not None \
        else {"tp": layout.tp, "pp": layout.pp, "link": r.link,
              **_parts_inputs((p.label, p.bytes) for p in parts),
              **({"nccl_p2p_connections": NCCL_P2P_CONNECTIONS,
                  "nccl_connection_bytes": NCCL_CONNECTION_BYTES} if p2p else {}),
              **({"all2all_buffer_bytes": buffer[0]} if buffer and buffer[0] else {})}
    return _term(
        "non_torch", "Non-torch memory (CUDA context, NCCL)", bind.non_torch_bytes, "B",
        " + ".join(f"{gib(p.bytes)} {p.label}" for p in parts)
        + (f" + {gib(buffer[0])} --all2all-backend buffer (all2all_buffers)"
           if buffer and buffer[0] else "")
        + f" = {gib(bind.non_torch_bytes)} at TP={layout.tp}, PP={layout.pp}"
        if s.non_torch_bytes is None else f"{gib(bind.non_torch_bytes)} (given)",
        "; ".join(p.source for p in parts) if s.non_torch_bytes is None else "", inputs)


def _graphs_term(s: EngineSettings, r: Resolved, bind: RankMemory, graphs: tuple[int, int],
                 first_capture: int, graphs_note: str, attention_ws: int) -> Term:
    """The cuda_graphs term: the (piecewise, full) `graphs` the binding GPU captures at the
    per-graph figure (with DeepSeek-V4's first capture and FlashInfer's workspace, the
    flashinfer_workspace term), or the given figure."""
    return _term(
        "cuda_graphs", "CUDA graphs", bind.cuda_graph_bytes, "B",
        f"{GRAPH_BYTES_PER_GRAPH / MIB:.1f} MiB x ({graphs[0]} piecewise + "
        f"{graphs[1]} full graphs)"
        + (f" + {first_capture / MIB:.0f} MiB DeepSeek-V4 indexer dummy logits in the "
           "first piecewise warm-up" if first_capture else "")
        + (f" + {attention_ws / MIB:.0f} MiB FlashInfer workspace in the first FULL capture "
           "(the flashinfer_workspace term)" if attention_ws else "")
        + f" = {gib(bind.cuda_graph_bytes)}"
        if s.cuda_graph_bytes is None and not s.enforce_eager
        else f"{gib(bind.cuda_graph_bytes)}",
        graphs_note + (_graph_source(r.runner[0])
                       if s.cuda_graph_bytes is None and not s.enforce_eager else ""),
        _graphs_inputs(s, r, graphs, first_capture))


def _graph_source(runner: str) -> str:
    """The cuda_graphs term's note on its per-graph figure and its count, citing the file of
    the plan's model runner that picks the capture sizes: V1's v1/cudagraph_dispatcher.py, or
    Model Runner V2's v1/worker/gpu/cudagraph_utils.py (the only runner, and file, from 0.34.0:
    vllm_versions.V1_RUNNER_REMOVED_FROM)."""
    dispatch = ("Model Runner V2's v1/worker/gpu/cudagraph_utils.py CudaGraphManager."
                "_init_candidates" if runner == "v2" else "v1/cudagraph_dispatcher.py")
    return ("; 8.4 MiB per graph: fitted (the median of the v0.19 H100 logs' CUDA graph "
            "estimate / their 102 graphs: engine.GRAPH_BYTES_PER_GRAPH); the graphs: one "
            "piecewise per capture size and, from 0.11, one full per size <= max_num_seqs "
            f"(vLLM {dispatch}: engine.cuda_graph_count)")


def _graphs_inputs(s: EngineSettings, r: Resolved, graphs: tuple[int, int],
                   first_capture: int) -> TermInputs:
    """The cuda_graphs term's inputs: the fitted per-graph figure and the graphs captured
    (engine.cuda_graph_count, from the capture sizes max_num_seqs and max_num_batched_tokens
    give), or the given figure."""
    if s.cuda_graph_bytes is not None:
        return {"cuda_graph_bytes": s.cuda_graph_bytes}
    if s.enforce_eager:
        return {"captured_graphs": 0}
    return {"fitted_bytes_per_graph": GRAPH_BYTES_PER_GRAPH, "piecewise_graphs": graphs[0],
            "full_graphs": graphs[1], "max_num_seqs": r.seqs, "max_num_batched_tokens": r.mbt,
            **({"first_capture_bytes": first_capture} if first_capture else {})}


def _context_term(bind: RankMemory, ceiling: int, model_limit: int, long: bool) -> Term:
    """The max_context_tokens term: the KV-limited length or the model's, the smaller (`long`:
    the model's is a --max-model-len past the derived one, VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)."""
    limit = ("the --max-model-len served past the derived one under "
             "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1" if long else
             "the derived max_model_len vLLM accepts")
    return _term("max_context_tokens", "Longest request that fits", min(ceiling, model_limit),
                 "tokens",
                 f"min(KV-limited {kv_room_text(ceiling)}: largest max_model_len whose "
                 f"per-layer need fits {gib(bind.kv_cache_bytes)} minus one block; model "
                 f"limit {model_limit:,}: {limit}) = {min(ceiling, model_limit):,} tokens",
                 "the KV cache binds" if ceiling <= model_limit else
                 "--max-model-len binds (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)" if long else
                 "the model's max length binds (max_position_embeddings and rope scaling)",
                 {"kv_cache_bytes": bind.kv_cache_bytes, "kv_limited_tokens": ceiling,
                  "model_limit_tokens": model_limit})


def _insert_inside_terms(terms: list[Term], s: EngineSettings, rules: VllmRules,
                         buffer: tuple[int, str, bool] | None,
                         eplb: tuple[int, str, TermInputs],
                         workspace: tuple[int, str], mbt: int) -> None:
    """Insert the terms counted inside another (the all-to-all buffer in non_torch, EPLB's
    rearrangement and the MoE workspace in the activation peak) after the term holding them."""
    if buffer and s.non_torch_bytes is None:  # after non_torch (then moe_workspace at 3)
        terms.insert(4, _term(
            "all2all_buffers", "All-to-all buffer (inside the non-torch term)", buffer[0], "B",
            buffer[1], buffer_note(effective_backend(s.all2all_backend, rules.version),
                                   rules.label),
            {"all2all_backend": effective_backend(s.all2all_backend, rules.version),
             "all2all_buffer_bytes": buffer[0]}))
    if eplb[0] and s.activation_bytes is None:  # after activation (moe_workspace goes before)
        terms.insert(3, _term(
            "eplb_profile", "EPLB profile rearrangement (inside the activation peak)", eplb[0],
            "B", eplb[1], profile_note(rules.version), eplb[2]))
    if workspace[0] and s.activation_bytes is None:
        terms.insert(3, _term(
            "moe_workspace", "MoE backend workspace (inside the activation peak)", workspace[0],
            "B", workspace[1], f"--moe-backend {B12X}: vLLM {rules.label} fused_moe/experts/"
            "flashinfer_b12x_moe.py FlashInferB12xExperts._ensure_wrapper builds one FlashInfer "
            "B12xMoEWrapper(use_cuda_graph=True, max_num_tokens=--max-num-batched-tokens) per "
            "MoE layer in the profile run; its buffers (FlashInfer 0.6.13-0.6.16.post3 "
            "b12x_moe.py _allocate_buffers, moe_dispatch.py allocate_sm120_static_workspace / "
            "allocate_sm120_dynamic_workspace) stay, so vLLM's profile counts them in the "
            "activation peak (planner.serving.moe_backend)",
            {"moe_backend": B12X, "max_num_batched_tokens": mbt,
             "moe_workspace_bytes": workspace[0]}))


def _pool_given_terms(terms: list[Term], pool_bytes: int) -> list[Term]:
    """The terms under --kv-cache-memory-bytes (memory: none of activation, non_torch and
    cuda_graphs is subtracted): their formulas and notes would still give what profiling
    finds ("0.25 GiB CUDA context = 0.00 GiB"); the parts inside them keep their figures
    (the profile run still allocates them), with a note that they are not subtracted."""
    given = {"kv_cache_memory_bytes": str(pool_bytes)}
    return [t.model_copy(update={"formula": KV_POOL_GIVEN_FORMULA, "note": "",
                                  "inputs": given}) if t.key in (
        "activation", "non_torch", "cuda_graphs") else t.model_copy(update={
            "note": f"{KV_POOL_GIVEN_PART_NOTE}. Without it: {t.note}"})
        if t.key in INSIDE_SKIPPED_TERMS
        else t
        for t in terms]
