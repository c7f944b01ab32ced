"""plan(PlanRequest) -> Plan: does the model fit, per GPU, and how much KV cache it leaves.

One serialisable result feeds the pages, the report and `--json`. Every figure comes with a
Term whose formula is filled in with the real numbers.
"""

import re
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from planner.memo import IdentityMemo, distinct_objects, first_places
from planner.model import quant
from planner.model.attention import cdiv, kv_bytes_per_token
from planner.model.attention.base import KvLayer
from planner.model.attention.full import FullAttentionKv
from planner.model.attention.kvformat import KvBytes
from planner.model.attention.sliding import SlidingWindowKv
from planner.model.params import ParamBreakdown, count_params
from planner.model.spec import (
    AttentionMixer,
    LinearAttentionMixer,
    MambaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.activation_dsv4 import dsv4_first_capture_bytes
from planner.serving.all2all import (
    NO_BUFFER,
    all2all_notes,
    all2all_refusal,
    batched_dp_moe,
    buffer_note,
    deepep_buffer_bytes,
    effective_backend,
    ll_tokens,
    runs_all2all,
    unsized_part,
)
from planner.serving.encoder_cover import encoder_gap, measured, profiled
from planner.serving.engine import (
    GRAPH_BYTES_PER_GRAPH,
    NCCL_CONNECTION_BYTES,
    NCCL_P2P_CONNECTIONS,
    TRITON_MLA_PIECEWISE_NOTE,
    EngineSettings,
    ModelFacts,
    StageKv,
    StateRules,
    VllmWindow,
    activation_bytes,
    activation_inputs,
    blocks_per_request,
    checkpoint_fp8_kv,
    checkpoint_kv_note,
    cuda_graph_count,
    default_batch_limits,
    default_block_size,
    ds_mla_read,
    dsv4_graphs_note,
    is_sparse_mla,
    model_facts,
    non_torch_parts,
    profiled_encoder,
    request_bytes,
    served_dtype,
    served_kv_elem_bytes,
    sparse_mla_kv,
    stage_widths,
    triton_mla_piecewise,
    vllm_window,
)
from planner.serving.engines import VLLM, Engine, Overheads, Worker
from planner.serving.eplb import DRAFT_UNMODELLED as EPLB_DRAFT_UNMODELLED
from planner.serving.eplb import (
    EXPERT_BUFFER_FROM,
    draft_eplb_refusal,
    draft_note,
    draft_state_sized,
    eplb_state_bytes,
    flag_refusal,
    method_note,
    model_refusal,
    moe_method_kind,
    profile_note,
    profile_rearrangement,
    redundant_count,
    settings_refusals,
)
from planner.serving.eplb import UNMODELLED as EPLB_UNMODELLED
from planner.serving.eplb import layout_refusal as eplb_layout_refusal
from planner.serving.hardware import (
    ClusterSpec,
    GpuSpec,
    gpus_label,
    memory_total_note,
    node_starts,
    parse_capability,
)
from planner.serving.launch import (
    Launch,
    launch,
    library_backend_gap,
    over_nodes,
    remote_code_gap,
    remote_code_note,
    unknown_type_note,
    untyped_config_note,
    with_layout,
)
from planner.serving.layout import (
    ParallelLayout,
    first_moe,
    layout_errors,
    layout_key,
    layout_warnings,
    moe_wna16_fallback,
    pp_layer_split,
    straddling_tp_group,
)
from planner.serving.mla_block import (
    dsv4_block_refusal,
    mla_block_size,
    sparse_block_refusal,
    triton_mla_fallback,
)
from planner.serving.mlp_activation import silu_only_errors
from planner.serving.moe_backend import (
    B12X,
    FLYDSL,
    aiter_env_note,
    b12x_ep_refusal,
    b12x_note,
    b12x_refusals,
    b12x_sized,
    b12x_width_problem,
    b12x_workspace_bytes,
    dense_note,
    mega_deep_gemm_refusal,
    moe_ep_all2all_refusal,
    oracle_refusal,
    oracle_skip_note,
    runs_flydsl,
)
from planner.serving.mtp import draft_builds_embed, draft_own_heads
from planner.serving.mtp import mtp_refusal as draft_refusal
from planner.serving.mxfp4 import (
    MXFP4_FROM,
    MXFP4_MARLIN_PAD,
    mxfp4_ep_reason,
    mxfp4_expert_padding,
    mxfp4_note,
)
from planner.serving.runner_buffers import runner_buffer_parts, runner_buffers_formula
from planner.serving.runner_v2 import v2_term_notes, v2_warm_activation
from planner.serving.startup import (
    capability_errors,
    ct_linear_scheme,
    quantization_errors,
    startup_errors,
)
from planner.serving.startup.attention_backend import (
    flashinfer_hd256_errors,
    flashinfer_sm75_errors,
    flex_attention_errors,
    kv_format_errors,
    mla_prefill_errors,
)
from planner.serving.startup.autoround import (
    inc_as_stored_errors,
    inc_errors,
    inc_format_errors,
    inc_notes,
    inc_overrides_quantization,
    inc_quantization_notes,
)
from planner.serving.startup.compressed_tensors_moe import (
    ct_channel_moe_errors,
    ct_int8_moe_errors,
    rocm_int8_moe_errors,
)
from planner.serving.startup.dtype import (
    act_dtype_errors,
    dtype_errors,
    float16_errors,
    int8_float32_errors,
)
from planner.serving.startup.fp4_weights import (
    fp4_weight_notes,
    rocm_fp4_moe_errors,
    rocm_fp4_notes,
)
from planner.serving.startup.model_config import (
    gemma_asserts_tie,
    gemma_tie_errors,
    nemotron_h_moe_errors,
    null_field_errors,
    olmo3_rope_errors,
    olmo3_rope_note,
    qk_norm_gather_refusal,
)
from planner.serving.startup.modelopt import modelopt_legacy_errors, modelopt_mixed_errors
from planner.serving.startup.quant_method import (
    config_quant_method,
    rocm_quantization_errors,
    unknown_quant_errors,
)
from planner.serving.startup.torchao_quark import own_loader_errors, own_loader_method
from planner.serving.startup.triton_sm75 import triton_sm75_errors
from planner.serving.startup.w4afp8 import w4afp8_errors, w4afp8_shape_refusal
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.startup.wheel_arch import wheel_arch_errors
from planner.serving.startup.wna16_kernels import (
    gptq_dynamic_errors,
    gptq_kernel_errors,
    gptq_tp_refusal,
    rocm_awq_errors,
)
from planner.serving.startup.wna16_loaders import (
    act_order_errors,
    awq_marlin_capability_refusal,
    gptq_sym_errors,
    kept_marlin_method,
    marlin_named_errors,
)
from planner.serving.startup.wna16_shapes import cuda_awq_gemm_errors, marlin_shape_findings
from planner.serving.tie import served_spec, transformers_tie_note
from planner.serving.unnamed_architecture import architecture_refusal, filled_generator_note
from planner.serving.v1_oracle import uncovered_reason
from planner.serving.vllm_cli import VllmCli, vllm_cli
from planner.serving.vllm_versions import (
    CHUNKED_OFF_TOKENS_MAX_FROM,
    COMM_BEFORE_SNAPSHOT_FROM,
    DSV4_LAYOUT_FROM,
    DSV4_LAYOUT_GONE_FROM,
    ENCODER_TP_DATA_FROM,
    ENCODER_TP_DATA_TYPES,
    FLASHINFER_GDN_CHECKPOINT_TOKENS,
    FULL_SEQUENCE_ADMISSION_FROM,
    GRAPHS_SUBTRACTED_FROM,
    HYBRID_ALIGN_TO_BLOCK_FROM,
    KV_CHECK_IN_BLOCKS_FROM,
    KV_CHECK_NULL_BLOCK_FROM,
    KV_SHORTFALL_HINT_FROM,
    MAMBA2_CHECKPOINT_BLOCK_FROM,
    MOONVIT_SPLIT_FROM,
    ROPE_PARAMETERS_WINDOW_FROM,
    SIGLIP_HEAD_DROPPED_FROM,
    TOKENIZER_WINDOW_POOLING_ONLY_FROM,
    TOWER_FIRST_STAGE_ON_V2_FROM,
    TRANSFORMERS_4_ROPE_THETA,
    TRANSFORMERS_5_ONLY_FROM,
    V1_ONLY_FROM,
    EncoderRules,
    EngineError,
    LayoutRefused,
    Version,
    VllmRules,
    flashinfer_hd256_bug,
    float16_refused,
    free_memory_source,
    gdn_flashinfer_prefill,
    model_runner,
    parse_version,
    unified_memory_note,
    version_label,
    vllm_rules,
    window_batched_tokens,
)
from planner.serving.weights import (
    FP32_ROPE_CACHE,
    VISION_ON_EVERY_STAGE,
    WeightLoadRules,
    WeightTerms,
    made_at_load,
    moe_layer_experts_bytes,
    mtp_excluded,
    rank_totals,
    rank_weights,
    sparse_mla_buffer_bytes,
    stage_kinds,
    tower_bytes,
    transformers_backend,
)
from planner.text import counted, per_replica, ranks_by
from planner.units import GIB, MIB, TORCH_DTYPE_BYTES

ENGINE: Engine = VLLM
"""The engine whose memory rules plan() applies (planner.serving.engines: the seam)."""

CEILING_SEARCH_TOKENS = 1 << 24
"""Upper end of the max_model_len search (16M tokens), like vLLM's estimate_max_model_len."""


def kv_room_text(tokens: int) -> str:
    """A KV-limited length as written: "114,944", or "16,777,216+" at the search's end
    (CEILING_SEARCH_TOKENS), where the pool holds more than was searched (gpt-oss-120b on 8x
    H200: 113.93 GiB a GPU at 4,608 B a token of its full-attention layers)."""
    return f"{tokens:,}+" if tokens >= CEILING_SEARCH_TOKENS else f"{tokens:,}"

_MiB = 1 << 20


class PlanRequest(BaseModel):
    """Everything one plan needs: model, cluster, layout and engine settings."""

    model_config = ConfigDict(frozen=True)

    model: ModelSpec
    cluster: ClusterSpec
    layout: ParallelLayout = ParallelLayout()
    engine: EngineSettings = EngineSettings()


class Term(BaseModel):
    """One figure of the plan with its formula filled in and its inputs."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: float
    unit: str
    formula: str
    inputs: dict[str, str] = Field(default_factory=dict)
    note: str = ""

    @property
    def inputs_text(self) -> str:
        """The inputs as one line, "layers = 18, message_bytes = 8192" ("" without any)."""
        return ", ".join(f"{key} = {value}" for key, value in self.inputs.items())


TermInputs = dict[str, float | int | str]
"""A term's named inputs, units in the keys (Term.inputs holds them as text: inputs_text)."""


def inputs_text(inputs: TermInputs | None) -> dict[str, str]:
    """Named inputs as Term.inputs holds them, for the memory and the speed terms alike: whole
    numbers whole ("936", "4095525888"), other floats to 6 significant digits ("0.707",
    "6.34155"), text as it is."""
    def text(value: float | int | str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, int) or value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}"
    return {key: text(value) for key, value in (inputs or {}).items()}


class RankMemory(BaseModel):
    """The memory of one GPU (one worker) in the layout."""

    model_config = ConfigDict(frozen=True)

    rank: int
    node: int
    gpu_index: int
    tp_rank: int
    pp_stage: int
    layers: tuple[int, int]
    total_bytes: int
    used_by_others_bytes: int
    budget_bytes: int
    weights_bytes: int
    activation_bytes: int
    non_torch_bytes: int
    cuda_graph_bytes: int
    kv_cache_bytes: int
    free_bytes: int
    runner_buffer_bytes: int = Field(default=0, description="the model runner's persistent "
                                     "buffers vLLM takes off the KV cache from 0.27.0 "
                                     "(planner.serving.runner_buffers)")
    num_blocks: int
    kv_bytes_per_token: int


class PlanSummary(BaseModel):
    """The headline figures of a plan: what plan_summary() computes for the sweep.

    Plan extends it, so every field has the same name and meaning in both (tests check that
    plan_summary() and plan() agree on every one).
    """

    model_config = ConfigDict(frozen=True)

    model_name: str
    layout: ParallelLayout
    gpus_used: int
    weights_bytes_per_gpu: int
    kv_bytes_per_token_per_gpu: int
    activation_bytes_per_gpu: int
    non_torch_bytes_per_gpu: int
    cuda_graph_bytes_per_gpu: int
    runner_buffer_bytes_per_gpu: int = Field(default=0, description="the binding GPU's model "
                                             "runner buffers (vLLM 0.27.0 on; 0 before: "
                                             "planner.serving.runner_buffers)")
    kv_cache_bytes_per_gpu: int
    num_gpu_blocks: int
    block_size: int
    kv_cache_tokens: int
    max_concurrency: float
    max_context_tokens: int = Field(description="longest request: KV-limited, capped at the "
                                    "model's derived max_model_len")
    kv_limited_context_tokens: int = Field(description="longest request the KV cache holds")
    max_model_len: int
    max_num_batched_tokens: int
    max_num_seqs: int
    fits: bool
    memory_shortfall_bytes_per_gpu: int | None = Field(
        default=None, description="0 where the plan fits; where it misses on memory alone "
        "(one max_model_len request's KV and block, or its blocks, over the KV pool, with "
        "what the pool is under 0 where the weights or the rest fill the budget; a "
        "--kv-cache-memory-bytes pool over the GPU), the least bytes per GPU more memory "
        "must supply; None where vLLM refuses it for another reason (a start-up or layout "
        "refusal, a busy GPU), which more memory does not fix")
    max_model_len_shortfall_bytes_per_gpu: int | None = Field(
        default=None, description="the least bytes per GPU more memory must supply for vLLM "
        "to start the plan and for a request that grows to max_model_len to complete: "
        "memory_shortfall_bytes_per_gpu from vLLM 0.29 (its start-up check holds the null "
        "block back); before 0.29 also what lets that request's max_model_len - 1 tokens' KV "
        "fit the blocks less the null block (a plan that fits with a shortfall here starts, "
        "but that request never completes: its verdict starts 'Starts, but'); None where "
        "memory_shortfall_bytes_per_gpu is")
    verdict: str
    warnings: list[str]
    errors: list[str]
    vllm_command: str | None = Field(description="None when there is no command: see "
                                     "launch_note")
    launch_note: str = Field(default="", description="what the command loads, or why there "
                             "is none")
    vllm_commands: list[str] = Field(default_factory=list, description="every `vllm serve` "
                                     "command the plan needs, node 0's (vllm_command) first: "
                                     "one per node for a layout over several nodes (--nnodes), "
                                     "else one; empty when there is none")
    weight_format: str = Field(default="", description="the exact weight scheme planned "
                               "(planner.model.quant key), echoed for aliases like 'w4a16'")
    weight_format_label: str = ""


FitChange = dict[str, bool | int | float | str | None]
"""A change of a plan's settings (planner.serving.fixes): EngineSettings fields by name
(max_num_seqs, max_model_len, kv_cache_dtype, gpu_memory_utilization, target_quant,
target_checkpoint) and, for a layout, ParallelLayout's tp, pp, dp, ep, each the CLI flag of
that name (--max-model-len, --tp, ...), with its new value."""


class Plan(PlanSummary):
    """The result: per-GPU memory, KV capacity, ceiling, verdict and the vllm serve command."""

    nearest_fit: str | None = Field(default=None, description="a plan that does not fit: the "
                                    "first change that fits (planner.serving.fixes), e.g. "
                                    "'--max-model-len 32768 fits', 'TP=8 fits', or last a "
                                    "smaller weight format: '--target-quant w4a16-gptq-g128 "
                                    "(a GPTQ int4, group 128 (W4A16) checkpoint) fits'")
    nearest_fit_change: FitChange | None = Field(
        default=None, description="nearest_fit as settings, only those it changes, with their "
        "new values: {'max_model_len': 32768}, {'tp': 8, 'pp': 1, 'dp': 1, 'ep': False} (a "
        "layout: all four), {'target_quant': 'w4a16-gptq-g128'}; None where nearest_fit is")
    longer_context_fit: str | None = Field(
        default=None, description="where nearest_fit only shortens --max-model-len and the KV "
        "cache is 16-bit: the longer context an fp8 KV cache holds on the same memory, "
        "'--kv-cache-dtype fp8 with --max-model-len 29056 fits' (planned: None where this GPU "
        "and release refuse fp8 KV, or it holds no longer one)")

    @property
    def fit_advice(self) -> str:
        """nearest_fit and longer_context_fit in a sentence or two, as the CLI, app and report
        show them ('' for a plan with neither)."""
        if not self.nearest_fit:
            return ""
        longer = (f" For a longer context: {self.longer_context_fit}."
                  if self.longer_context_fit else "")
        return f"Nearest change that fits: {self.nearest_fit}.{longer}"

    @property
    def launch_lines(self) -> list[str]:
        """The commands as a shell block shows them: each node's under a `# node R` comment
        when there are several (vllm_commands), else the one command; [] when there is none."""
        if len(self.vllm_commands) < 2:
            return [self.vllm_command] if self.vllm_command else []
        return [line for rank, command in enumerate(self.vllm_commands)
                for line in (f"# node {rank}", command)]

    @property
    def launch_text(self) -> str:
        """The launch note with the nearest change that fits, as the CLI, app and report show
        it when there is no command."""
        return self.launch_note + (f" {self.fit_advice}" if self.fit_advice else "")

    engine: EngineSettings
    vllm_release: str = Field(
        default="", description="the vLLM release whose rules planned it, as Headroom reads "
        "engine.vllm_version (which echoes the text given): 'v0.19.1+cu128' -> '0.19.1', "
        "'0.19' -> '0.19.0', '0.10.1.1' -> '0.10.1' (vllm_versions.vllm_rules(...).label). A "
        "patch release without a command-line fixture is checked against its listed one's flags "
        "(0.19.1: 0.19.0's; vllm_versions.listed_stand_in)")
    gpu_name: str = Field(description="node 0's GPU model (ClusterSpec.sizing_node); "
                          "gpus_label names every model the layout runs on")
    gpus_label: str = Field(description="the GPUs the layout runs on, each model with its "
                            "count: '8x NVIDIA GeForce RTX 3090', or on nodes of several "
                            "models '8x NVIDIA GeForce RTX 3090 + 8x NVIDIA GeForce RTX 4090' "
                            "(hardware.gpus_label; the headline of the CLI's plan and the "
                            "report)")
    wsl2: bool = Field(default=False, description="the GPUs run under Windows WSL2: the "
                       "budget starts from nvidia-smi's whole total (hardware.with_wsl2, "
                       "the budget term's note says why)")
    params_total: int
    params_active: int
    weights_bytes_total: int
    kv_bytes_per_token: int
    per_gpu: list[RankMemory]
    binding_rank: int
    terms: list[Term]
    model_runner: Literal["v1", "v2"] = Field(
        default="v1", description="the model runner vLLM starts this on: v1 "
        "(v1/worker/gpu_model_runner.py, whose memory rules Headroom models) or v2 (Model "
        "Runner V2, v1/worker/gpu/model_runner.py; vllm_versions.V2_RUNNER_DEFAULTS)")
    model_runner_reason: str = Field(default="", description="why, with vLLM's source")
    v2_warm_restart_available_kv_bytes: int | None = Field(
        default=None, description="Model Runner V2 restarting with a warm torch.compile cache: "
        "the KV pool per GPU (binding rank) V2's own rules size (planner.serving.runner_v2: "
        "its profile peak and, from vLLM 0.29.0, graph estimate), beside kv_cache_bytes_per_gpu, "
        "which sizes a first, cold-compile start-up with the V1 runner's terms; None off V2, "
        "where V2's peak is not read (dense decoders only), or where the activation peak or "
        "the KV pool is given")
    v2_warm_restart_kv_cache_tokens: int | None = Field(
        default=None, description="the KV tokens (per replica) of that warm-restart pool, "
        "counted as kv_cache_tokens counts the plan's pool (the binding rank's block bytes and "
        "vLLM's token count); None where v2_warm_restart_available_kv_bytes is")
    v2_warm_restart_max_concurrency: float | None = Field(
        default=None, description="the max_model_len requests (per replica) that warm-restart "
        "pool holds, counted as max_concurrency; None where "
        "v2_warm_restart_available_kv_bytes is")


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / GIB:.2f} GiB"


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


def _ceiling(f: "_LayoutFacts", pools: dict[int, int], tp: int, mbt: int, num_blocks: int,
             held: int) -> int:
    """Largest max_model_len one request fits in, on every stage with a pool (vLLM
    estimate_max_model_len; `pools`: each such PP stage's smallest KV pool; `held`: the
    blocks held back, vLLM's start-up check's (_null_blocks) or, for what a request can use,
    the null block on every release (_unusable_last_block)).

    A length fits when each stage's summed per-layer need fits its smallest KV pool less the
    held blocks and the request's blocks fit the blocks every worker gets less them (_fits).
    NOTE: past every sliding window's cap, need and blocks grow linearly in cdiv(L, block):
    need = a x cdiv(L, B) + c. So the answer is first worked out in closed form from each
    stage's lines (_LayoutFacts.lines: largest k with a x k + c <= pool - held blocks,
    L = k x B); only when it falls short of a cap, or a stage's kinds have different block
    sizes (unified pages: not linear in one block), does the binary search run. A request of
    the search's top length that fits is read off the lines too (_fit_lines fits them through
    k = cdiv(top, B)): on a large cluster most plans fit it (9,606 of Qwen3-235B-A22B's 11,578
    ceilings over 4,096 GPUs), and each summed its stages' layers for it.
    """
    guess, linear_from, lines, top_fits = CEILING_SEARCH_TOKENS, 0, f.lines, True
    # stages alike (one StageKv object: engine.stage_layouts) with equal pools answer alike,
    # so each pair is asked once (a deep PP split's 126 stages are a few pairs)
    distinct: dict[tuple[int, int], int] = {}
    for pp_stage, pool in pools.items():
        distinct.setdefault((id(f.stages[pp_stage][1]), pool), pp_stage)
    for (_, pool), pp_stage in distinct.items():
        stage = f.stages[pp_stage][1]
        if pp_stage not in lines:
            lines[pp_stage] = _request_lines(stage, f.kv_b, tp, mbt)
        line = lines[pp_stage]
        if line is None:
            break  # different block sizes: search
        # (comparisons, not min and max: this runs for every plan that fits)
        if line.linear_from > linear_from:
            linear_from = line.linear_from
        top = cdiv(CEILING_SEARCH_TOKENS, stage.block_tokens)
        for slope, room in ((line.bytes_slope,
                             pool - held * stage.bytes_per_block - line.bytes_intercept),
                            (line.blocks_slope, num_blocks - held - line.blocks_intercept)):
            if slope > 0:
                length = room // slope * stage.block_tokens if room > 0 else 0
                if length < guess:
                    guess = length
            if slope * top > room:
                top_fits = False
    else:
        # exact: k = cdiv(guess, B) is the largest k both lines allow; where the top length
        # fits, guess is that length (each line allows k >= cdiv(top, B))
        if top_fits or linear_from <= guess < CEILING_SEARCH_TOKENS:
            return guess
    stages = [(f.stages[pp_stage][1], pool) for (_, pool), pp_stage in distinct.items()]
    kv_bytes = f.kv_b
    lo, hi = 0, CEILING_SEARCH_TOKENS
    if _fits(stages, hi, kv_bytes, tp, mbt, num_blocks - held, held):
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _fits(stages, mid, kv_bytes, tp, mbt, num_blocks - held, held):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _fits(stages: list[tuple[StageKv, int]], length: int, kv_bytes: KvBytes, tp: int, mbt: int,
          usable_blocks: int, held: int) -> bool:
    """Whether one request of `length` tokens fits every stage (_ceiling's exact check): its
    layers' bytes within each stage's pool less `held` blocks, its blocks within
    `usable_blocks` (the fewest any worker gets less `held`; _null_blocks)."""
    for stage, pool in stages:
        if request_bytes(stage, length, kv_bytes, tp, mbt) > pool - held * stage.bytes_per_block:
            return False
        if blocks_per_request(stage, length, mbt) > usable_blocks:
            return False
    return True


def _passes(f: "_LayoutFacts", pools: dict[int, int], tp: int, num_blocks: int, length: int
            ) -> bool:
    """Whether one request of `length` passes vLLM's start-up check before 0.29, which holds
    no null block back (_null_blocks): _fits at that length on every stage with a pool, as
    `_ceiling(..., held=0) >= length` reads it (its search stops at CEILING_SEARCH_TOKENS),
    without searching for the ceiling."""
    return num_blocks > 0 and length <= CEILING_SEARCH_TOKENS and _fits(
        [(f.stages[pp_stage][1], pool) for pp_stage, pool in pools.items()], length, f.kv_b,
        tp, f.window_mbt, num_blocks, 0)


class _RequestLines(NamedTuple):
    """One request's bytes and blocks as lines in k = cdiv(L, block), from L >= linear_from."""

    bytes_slope: int
    bytes_intercept: int
    blocks_slope: int
    blocks_intercept: int
    linear_from: int


_LINES: IdentityMemo[_RequestLines] = IdentityMemo(16384)
"""Each stage object's lines (one lookup by identity); a miss asks _fit_lines, which caches
them by the stage's value. 16,384: a sweep over 4,096 GPUs asks ~4,900 (Llama 3.1 405B)."""


def _request_lines(stage: StageKv, kv_bytes: KvBytes, tp: int, mbt: int
                   ) -> _RequestLines | None:
    """The lines of one stage, cached per stage layout (stage layouts are cached objects);
    None where its kinds have different block sizes (unified pages: not linear in one
    block).

    Sliding-window needs stop growing at window - 1 + `mbt` (the batched tokens they count,
    window_batched_tokens), so both costs
    are exactly linear from the smallest k where they meet their far-away line (binary
    search once per stage; full attention and MLA are linear from k = 0).
    """
    if len({*stage.kind_blocks, *(block for *_, block in stage.groups)}) > 1:
        return None
    # only sliding layers count the batched tokens (SlidingWindowKv.max_memory_usage_bytes,
    # DeepSeek-V4's groups): other stages' lines are fitted once for every `mbt` (Llama 3.1
    # 405B over 4,096 GPUs: 388 fits, where each layout's batched tokens made 3,216); a
    # stage's blocks count the whole model's sliding groups too (StageKv.groups)
    if not (stage.dsv4_groups or any(isinstance(kv, SlidingWindowKv)
                                     for kv, *_ in (*stage.kinds, *stage.groups))):
        mbt = 0
    return _LINES.get(stage, (kv_bytes, tp, mbt), _fit_lines, stage, kv_bytes, tp, mbt)


@lru_cache(maxsize=4096)
def _fit_lines(stage: StageKv, kv_bytes: KvBytes, tp: int, mbt: int) -> _RequestLines:
    """Fit the lines of one stage (see _request_lines), cached by the stage's value: a pure
    function of the frozen StageKv's fields (request_bytes and blocks_per_request read
    nothing else) and the three numbers. Every PP split makes its own stage objects, so the
    identity cache alone refitted the same stage (say, 7 MLA layers at TP 8) for each split,
    GPU and count of a recommend search: 416,084 fits in 4 min of DeepSeek-V3's 512-GPU
    search, of a few hundred distinct stages. The cache holds StageKv values (their KV
    layers), never a spec.
    """
    block, far = stage.block_tokens, CEILING_SEARCH_TOKENS // stage.block_tokens

    def costs(k: int) -> tuple[int, int]:
        return (request_bytes(stage, k * block, kv_bytes, tp, mbt),
                blocks_per_request(stage, k * block, mbt))

    (b_far, n_far), (b_next, n_next) = costs(far), costs(far + 1)
    b_slope, n_slope = b_next - b_far, n_next - n_far
    b_icpt, n_icpt = b_far - b_slope * far, n_far - n_slope * far
    lo, hi = 0, far
    while lo < hi:
        mid = (lo + hi) // 2
        if costs(mid) == (b_slope * mid + b_icpt, n_slope * mid + n_icpt):
            hi = mid
        else:
            lo = mid + 1
    return _RequestLines(b_slope, b_icpt, n_slope, n_icpt, lo * block)


_CACHE: IdentityMemo[Any] = IdentityMemo(16384)
"""Per-spec results: a 32-GPU sweep holds ~1,200 entries (weights, warnings per layout), one
over 4,096 GPUs ~6,000 (Llama 3.1 405B), which at 4,096 cleared it and worked the rank
weights out again."""

_OVERHEADS: IdentityMemo[Overheads] = IdentityMemo(16384)
"""Per-spec worker overheads (_overheads), apart from _CACHE: one entry per layout, PP stage
and GPU, so a recommend search across nodes stores tens of thousands (58,096 distinct in
DeepSeek-V3's 128-GPU search at 100,000 requests), which in _CACHE cleared it every ~4,000
and with it the per-layout weights (_rank_terms, 474 distinct computed 8,017 times)."""


def _params(spec: ModelSpec) -> ParamBreakdown:
    """The parameter breakdown, counted once per spec."""
    return _cached(spec, ("param_breakdown",), lambda: count_params(spec))


def _cached(spec: ModelSpec, key: tuple, compute, *args):
    """Per-spec results cached by identity: hashing a large frozen spec costs more than a plan.
    On a miss, compute(*args) (per-plan lookups pass a function and its arguments rather than
    a fresh closure, which costs more per hit: IdentityMemo.get)."""
    return _CACHE.get(spec, key, compute, *args)


class _LayoutFacts(NamedTuple):
    """What every plan of one layout under one _Resolved reads besides its workers' sizes,
    fetched in one lookup rather than one per fact (_setup)."""

    r: "_Resolved"  # held, so that the id _LAYOUT_FACTS keys on stays this object's
    weight_terms: tuple[WeightTerms, ...]  # each (stage, TP rank) position's, by part
    stages: tuple[tuple[range, StageKv | None], ...]
    kv_b: KvBytes  # the layout's KV layout (engine.sparse_mla_kv: 0.18 reads heads per rank)
    request: int  # blocks of one max_model_len request on its hungriest stage (_full_request)
    window_mbt: int  # the batched tokens sliding needs count (window_batched_tokens)
    warnings: tuple[str, ...]  # the layout's warnings no worker changes (_layout_facts)
    overheads: dict[int, Overheads]  # each PP stage's, once sized (_overheads)
    workers: tuple[tuple[int, int, int], ...]  # each kind of stage's distinct workers
    # the start-up failures no worker's sizes change, in the order _conclude adds them:
    # (_busy_errors, _kv_sharing_errors or else _empty_stage_errors, _page_size_errors)
    checks: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    lines: dict[int, _RequestLines | None]  # each PP stage's, once _ceiling needs them


class _Setup(NamedTuple):
    """Everything both plan paths derive from a request before looking at any GPU: the
    request and its layout's facts."""

    spec: ModelSpec
    cluster: ClusterSpec
    layout: ParallelLayout
    s: EngineSettings
    layout_key: tuple[int, int, int, bool]  # layout_key(layout), for the memo keys
    facts: _LayoutFacts


class _Resolved(NamedTuple):
    """The layout-independent part of a setup: one per (model, cluster, settings, engine)."""

    gpu_name: str
    wsl2: bool
    max_model_len: int
    mbt: int
    seqs: int
    kv_plain: KvBytes  # the KV dtype's bytes; the layout's (_LayoutFacts.kv_b) may be fp8_ds_mla
    block_size: int  # what vLLM runs: --block-size, or an MLA backend's (mla_block_size)
    act_b: int
    subtract_graphs: bool
    old_graphs: bool
    tokens_from_concurrency: bool
    scheme: quant.QuantScheme
    mixed: bool  # quant.checkpoint_formats: a ModelOpt MIXED_PRECISION checkpoint, as stored
    link: str
    nvswitch_sharp: bool
    compute_capability: str
    gpus_per_node: int
    graphs: tuple[int, int]
    mla_piecewise: bool  # engine.triton_mla_piecewise: TRITON_MLA allows no full graphs
    fa4_fp8_hd512: bool
    comm_counted: bool  # before vllm_versions.COMM_BEFORE_SNAPSHOT_FROM
    sampler: tuple[bool, bool]  # vllm_versions: (sort_sampler, sampler_holds_forward)
    runner: tuple[str, str]  # vllm_versions.model_runner: ("v1" | "v2", why)
    vision_first_stage_only: bool  # vllm_versions.TOWER_FIRST_STAGE_ON_V2_FROM on V2
    load: WeightLoadRules  # weight_load.weight_load_rules on the sizing GPU
    siglip_head: bool  # vllm_versions.SIGLIP_HEAD_DROPPED_FROM: the pooling head still built
    tower_whole: bool  # vllm_versions.MOONVIT_SPLIT_FROM: Kimi-VL's tower unsplit on every rank
    transformers_backend: bool  # weights.transformers_backend: its PP stage placement
    encoder_tp_data: bool  # vllm_versions.ENCODER_TP_DATA_TYPES: --mm-encoder-tp-mode data taken
    linear_ask: tuple  # (served dtype, release, sizing GPU): wna16_shapes.marlin_shape_findings
    encoder_every_stage: bool  # engine.activation_bytes: the V1 runner, tower on every stage
    encoder_rules: EncoderRules  # vllm_versions.encoder_rules: the encoder profile's
    in_flight_window: bool  # vllm_versions.IN_FLIGHT_WINDOW_FROM
    kv_grouping: tuple[float, bool, bool]  # (group_pad_ratio, PAGE_UNIFY_FROM,
    # GLOBAL_KV_GROUPS_FROM) of the release
    expert_pad: tuple[int, int]
    gpu_notes: tuple[str, ...]  # fp4_weight_notes: worked out once, not per plan
    model_notes: tuple[str, ...]  # _model_notes: likewise
    gap_parts: tuple[str, ...]  # remote_code_gap's / library_backend_gap's, unread_weights_part
    states: StateRules
    facts: ModelFacts
    model_limit: int
    refusals: tuple[str, ...]
    ep_refusal: str | None  # mxfp4.mxfp4_ep_reason: vLLM stops at start-up with EP > 1
    tp_refusal: str | None  # wna16_kernels.gptq_tp_refusal: ... and with TP > 1
    launch: Launch
    gpu_count: int  # the cluster's (ClusterSpec.gpu_count), read by every plan
    gpu_totals: tuple[int, ...]  # the distinct GPU memory totals of its nodes
    budgets: dict[int, int]  # ENGINE.budget_bytes of each of those totals
    busy: bool  # some GPU of the cluster has memory in use by others (_busy_errors)
    overhead_key: tuple = ()  # _overhead_key: what the overheads read of the settings


_RESOLVED: IdentityMemo[_Resolved] = IdentityMemo(256)
_DERIVED: IdentityMemo[_Resolved] = IdentityMemo(256)


def _resolve(spec: ModelSpec, cluster: ClusterSpec, s: EngineSettings,
             layout: ParallelLayout) -> _Resolved:
    """The settings vLLM derives for this model, cluster and flags, cached by identity (a
    sweep plans every layout with the same three objects) and, on a miss, by the value of the
    settings, which are small: a rerun's sweep (new settings objects, equal values) derives
    nothing again. Keyed by the engine too (its budgets and launch flags; the layout facts
    and overheads cached under a _Resolved follow it), and by whether the layout makes
    vLLM's batched-DP MoE (all2all.batched_dp_moe: its default token budget), the one thing
    of the layout the settings follow."""
    batched = _all2all_taken(s) and batched_dp_moe(
        s.all2all_backend, vllm_rules(s.vllm_version).version, layout.dp, layout.ep)
    return _RESOLVED.get_all((spec, cluster, s), (ENGINE, batched), _derive_once, spec,
                             cluster, s, batched)


def _derive_once(spec: ModelSpec, cluster: ClusterSpec, s: EngineSettings,
                 batched: bool) -> _Resolved:
    """_derive, cached by the value of the settings (see _resolve)."""
    return _DERIVED.get_all((spec, cluster), (s, ENGINE, batched), _derive, spec, cluster, s,
                            batched)


_ON_GPU: IdentityMemo[dict[str, Any]] = IdentityMemo(1024)
"""_derive_on_gpu's fields by the identity of the model and sizing GPU and the value of the
settings and the cluster's compute capabilities: recommend plans each GPU preset at 1, 2, 4
and 8 GPUs (four clusters of one GpuSpec object), and derived each settings' ~45 fields once
per cluster (750 derivations for Qwen3-32B over 21 presets, 226 distinct)."""


def _derive(spec: ModelSpec, cluster: ClusterSpec, s: EngineSettings,
            batched: bool) -> _Resolved:
    """Work out the settings _resolve caches (`batched`: vLLM's batched-DP MoE): the sizing
    GPU's (_derive_on_gpu, cached across clusters of it), then the cluster's own."""
    node = cluster.sizing_node
    ccs = _CLUSTER_CAPABILITIES.get(cluster, (), _capabilities, cluster)
    on_gpu = _ON_GPU.get_all((spec, node.gpu), (s, ENGINE, batched, ccs), _derive_on_gpu,
                             spec, node.gpu, ccs, s, batched)
    resolved = _Resolved(
        **on_gpu,
        link=node.intra_node_link, gpus_per_node=node.gpus_per_node,
        gpu_count=cluster.gpu_count,
        gpu_totals=tuple({n.gpu.memory_total_bytes for n in cluster.nodes}),
        budgets={n.gpu.memory_total_bytes: ENGINE.budget_bytes(n.gpu.memory_total_bytes, s)
                 for n in cluster.nodes},
        busy=any(n.memory_used_bytes for n in cluster.nodes),
    )
    return resolved._replace(overhead_key=_overhead_key(resolved, s))


def _derive_on_gpu(spec: ModelSpec, gpu: GpuSpec, ccs: tuple[str, ...], s: EngineSettings,
                   batched: bool) -> dict[str, Any]:
    """The _Resolved fields that follow the sizing GPU and settings, not the cluster's size
    (`ccs`: its nodes' compute capabilities, which _refuse_unplannable and _ep_refusal
    read)."""
    rules = vllm_rules(s.vllm_version)
    window = vllm_window(spec, rules.version)
    max_model_len = s.max_model_len or window.start
    fp8_kv = checkpoint_fp8_kv(spec, s, rules)
    mbt, seqs = _batch_limits(s, rules, gpu, max_model_len, batched)
    bf16 = gpu.computes_bf16
    fp16 = not float16_refused(spec.model_type, rules.version)
    served = served_dtype(s, spec.torch_dtype, bf16, fp16)
    scheme = _weight_scheme(spec, s, served)
    cli = vllm_cli(s.vllm_version)
    _refuse_unplannable(spec, ccs, s, rules, cli, scheme)
    started = _launch(spec, s, rules, cli, gpu, scheme, max_model_len, mbt, seqs)
    runner = _runner(spec, s, rules, scheme, gpu.vendor == "amd")
    remote_gap = remote_code_gap(spec, cli) or library_backend_gap(spec, cli) or ()
    b12x = s.moe_backend == B12X and spec.is_moe  # vLLM reads --moe-backend for MoE layers only
    selector_kv = "fp8" if fp8_kv else s.kv_cache_dtype  # the KV dtype the selector sees
    mla_piecewise = triton_mla_piecewise(spec, rules, gpu.compute_capability, gpu.vendor) or (
        rules.full_graphs and triton_mla_fallback(spec, s.block_size, rules.version,
                                                  gpu.compute_capability, selector_kv))
    mixed = quant.checkpoint_formats(spec, scheme) is not None  # ModelOpt MIXED_PRECISION
    mismatch = tuple(quantization_errors(spec, s.quantization))
    load = weight_load_rules(spec, scheme, s.moe_backend, rules.version, gpu)
    eplb_kind = moe_method_kind(spec.quant.method if spec.quant else None, s.quantization,
                                bool(s.target_quant), scheme.key)
    return dict(
        gpu_name=gpu.name, wsl2=gpu.wsl2, max_model_len=max_model_len,
        mbt=mbt, seqs=seqs,
        kv_plain=served_kv_elem_bytes(spec, s, bf16, rules),
        block_size=mla_block_size(spec, s.block_size, rules.version, gpu.compute_capability,
                                  selector_kv, gpu.vendor),
        act_b=TORCH_DTYPE_BYTES[served],
        subtract_graphs=rules.graphs_subtracted and not s.enforce_eager,
        old_graphs=not rules.graphs_subtracted and not s.enforce_eager,
        tokens_from_concurrency=rules.tokens_from_concurrency,
        scheme=scheme, mixed=mixed, facts=model_facts(spec),
        nvswitch_sharp=gpu.default_intra_node_link == "nvlink" and _cc(gpu) >= (9, 0),
        compute_capability=gpu.compute_capability,
        graphs=cuda_graph_count(seqs, mbt, rules.blackwell_graphs_1024 and _cc(gpu)[0] == 10,
                                rules, not mla_piecewise),
        mla_piecewise=mla_piecewise,
        fa4_fp8_hd512=rules.sm90_fa4_fp8_hd512 and _cc(gpu)[0] == 9,
        comm_counted=rules.version < COMM_BEFORE_SNAPSHOT_FROM,
        sampler=(rules.sort_sampler and not s.flashinfer_sampler, rules.sampler_holds_forward),
        runner=runner,
        vision_first_stage_only=runner[0] == "v2"
        and rules.version >= TOWER_FIRST_STAGE_ON_V2_FROM,
        load=load,
        siglip_head=rules.version < SIGLIP_HEAD_DROPPED_FROM,
        tower_whole=spec.model_type == "kimi_vl" and rules.version < MOONVIT_SPLIT_FROM,
        transformers_backend=transformers_backend(spec, cli.transformers_architectures),
        encoder_tp_data=spec.model_type in ENCODER_TP_DATA_TYPES
        and rules.version >= ENCODER_TP_DATA_FROM,
        linear_ask=(served, rules.version, gpu),
        encoder_every_stage=runner[0] == "v1" and spec.model_type in VISION_ON_EVERY_STAGE,
        encoder_rules=rules.encoder,
        in_flight_window=rules.in_flight_window,
        kv_grouping=(rules.group_pad_ratio, rules.page_unify, rules.global_kv_groups),
        expert_pad=_expert_pad(s, rules, gpu, scheme, load),
        states=_state_rules(spec, s, rules, gpu.compute_capability),
        gpu_notes=_gpu_notes(spec, s, rules, cli, gpu, scheme),
        model_notes=_model_notes(spec, gpu, s, rules)
        + _setting_notes(spec, s, rules, cli, gpu, scheme, remote_gap, b12x, eplb_kind),
        gap_parts=remote_gap[:1] + unread_weights_part(spec, scheme),
        model_limit=window.limit,
        refusals=_config_refusals(spec, s, rules, cli, gpu, scheme, window, max_model_len,
                                  mbt, seqs, mixed, mismatch, fp16, served)
        + _quant_refusals(spec, s, rules, cli, gpu, scheme, served, mixed, mismatch)
        + _moe_refusals(spec, s, rules, cli, gpu, scheme, b12x, eplb_kind)
        + started.refused + tuple(triton_sm75_errors(gpu, spec, cli, served)),
        ep_refusal=_ep_refusal(ccs, s, rules, scheme, b12x),
        tp_refusal=gptq_tp_refusal(spec, scheme, served, rules.version, gpu),
        launch=started,
    )


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


def _refuse_unplannable(spec: ModelSpec, ccs: tuple[str, ...], s: EngineSettings,
                        rules: VllmRules, cli: VllmCli, scheme: quant.QuantScheme) -> None:
    """Raise EngineError where this release cannot serve the model at all (its architecture,
    a start-up it runs on the V0 engine on one of the cluster's compute capabilities `ccs`,
    DeepSeek-V4's block size, MXFP4 before 0.10.1): no plan is made, unlike the start-up
    refusals a plan lists."""
    refusal = architecture_refusal(spec, cli)
    if refusal:
        raise EngineError(refusal)
    # vLLM < 0.11 runs some start-ups on its V0 engine: refused, never planned with V1 rules
    for node_gpu in ccs:
        reason = uncovered_reason(
            rules.version, node_gpu, spec, cli, kv_cache_dtype=s.kv_cache_dtype, dtype=s.dtype,
            num_speculative_tokens=s.num_speculative_tokens,
            kv_cache_memory_bytes=s.kv_cache_memory_bytes)
        if reason:
            raise EngineError(reason)
    dsv4_refusal = dsv4_block_refusal(spec, s.block_size)
    if dsv4_refusal:
        raise EngineError(dsv4_refusal)
    if scheme.family == "mxfp4" and rules.version < MXFP4_FROM:
        raise EngineError(f"vLLM {rules.label} has no MXFP4 quantization (quantization/mxfp4.py "
                          "arrives in 0.10.1); plan it with vLLM 0.10.1 or later")


def _launch(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli, gpu: GpuSpec,
            scheme: quant.QuantScheme, max_model_len: int, mbt: int, seqs: int) -> Launch:
    """The `vllm serve` command for these settings (planner.serving.launch), with the note of
    a model vLLM cannot load as configured and, for an auto-round target, INC's refusals of
    the checkpoint as stored."""
    method = config_quant_method(spec)
    return launch(spec.name or "<model>", scheme, s,
                  ENGINE.launch_flags(s, max_model_len, mbt, seqs), cli,
                  spec.unservable or untyped_config_note(spec, cli)
                  or unknown_type_note(spec, cli)
                  or (None if s.trust_remote_code else remote_code_note(spec, cli)),
                  method, tuple(inc_as_stored_errors(spec, rules.version, gpu))
                  if s.target_quant and method == "auto-round" else ())


def _expert_pad(s: EngineSettings, rules: VllmRules, gpu: GpuSpec, scheme: quant.QuantScheme,
                load: WeightLoadRules) -> tuple[int, int]:
    """The experts' padding (_Resolved.expert_pad): MXFP4's, Marlin's where
    VLLM_MXFP4_USE_MARLIN takes, else the weight load rules' width pad."""
    # VLLM_MXFP4_USE_MARLIN: Marlin MoE is CUDA-only (fp4_weights.MXFP4_MARLIN_ENV on ROCm)
    mxfp4_marlin = s.mxfp4_marlin and gpu.vendor == "nvidia"
    return ((MXFP4_MARLIN_PAD if mxfp4_marlin else
             mxfp4_expert_padding(rules.version, gpu.compute_capability, gpu.vendor))
            if scheme.key == "mxfp4" else (1, load.width_pad))


def _gpu_notes(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
               gpu: GpuSpec, scheme: quant.QuantScheme) -> tuple[str, ...]:
    """The notes of the weight format on the sizing GPU (_Resolved.gpu_notes): MXFP4's kernel
    and padding on vLLM < 0.11 (mxfp4_note) unless Marlin is asked for, else the FP4
    formats' notes on CUDA and ROCm."""
    old_mxfp4 = (mxfp4_note(rules.version, gpu.compute_capability)
                 if scheme.key == "mxfp4" and rules.version < V1_ONLY_FROM
                 and gpu.vendor == "nvidia" else None)
    return ((old_mxfp4,) if old_mxfp4 and not s.mxfp4_marlin
            else tuple(fp4_weight_notes(gpu, scheme, cli)
                       + rocm_fp4_notes(spec, scheme, rules.version, gpu)))


def _setting_notes(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                   gpu: GpuSpec, scheme: quant.QuantScheme, remote_gap: tuple, b12x: bool,
                   eplb_kind: str) -> tuple[str, ...]:
    """The model notes that follow the format and flags (INC, the remote-code gap's rest, a
    filled generation config, the MoE backend's, EPLB's), after _model_notes' own."""
    return (tuple(inc_notes(spec, scheme, rules.version, gpu))
            + tuple(inc_quantization_notes(spec, s.quantization)) + remote_gap[1:] + tuple(
                filter(None, [filled_generator_note(spec, cli),
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
                              if s.enable_eplb and spec.is_moe else None])))


def _config_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                     gpu: GpuSpec, scheme: quant.QuantScheme, window: VllmWindow,
                     max_model_len: int, mbt: int, seqs: int, mixed: bool,
                     mismatch: tuple[str, ...], fp16: bool, served: str) -> tuple[str, ...]:
    """The start-up refusals of the engine arguments and the model's config (lengths, batch,
    block size, MTP, KV format, dtypes, config fields), in the order vLLM meets them, with the
    attention kernels' first-prefill failures; the first of the three parts of
    _Resolved.refusals. `served`: the dtype vLLM computes in."""
    return (tuple(startup_errors(
            gpu=gpu, scheme=scheme, cli=cli, max_model_len=max_model_len,
            window=window, mbt=mbt, seqs=seqs,
            mbt_given=s.max_num_batched_tokens is not None,
            chunked_prefill=s.enable_chunked_prefill
            or rules.version < CHUNKED_OFF_TOKENS_MAX_FROM, block_size=s.block_size,
            mixed=mixed, ct_scheme=ct_linear_scheme(spec, scheme),
            named=kept_marlin_method(spec, scheme) or own_loader_method(spec, scheme)))
            + tuple(modelopt_mixed_errors(spec, scheme, rules.version))
            + mtp_refusal(spec, s)
            + tuple(sparse_block_refusal(spec, s.block_size, rules.version))
            + mismatch
            + _gpu_refusals(spec, s, rules, cli, gpu, served)
            + tuple(float16_errors(spec.model_type, s.dtype, not fp16))
            + tuple(null_field_errors(spec, rules.version))
            + tuple(gemma_tie_errors(spec, rules.version))
            + tuple(nemotron_h_moe_errors(spec, rules.version))
            + tuple(olmo3_rope_errors(spec, rules.version))
            + tuple(silu_only_errors(spec, cli)))


def _gpu_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                  gpu: GpuSpec, served: str) -> tuple[str, ...]:
    """The start-up refusals that follow the GPU's compute capability, which each worker meets
    on its own GPU (node 0's in _config_refusals, the later nodes' in _node_gpu_errors): the
    `served` dtype's (dtype_errors: bfloat16 below 8.0; --dtype auto resolves to float16 there,
    so only a bfloat16 the config holds fails), then the attention backend's as the model is
    built and run (0.10.2-0.11.0's FlexAttention, whose FlexAttentionImpl.__init__ raises for a
    soft cap before a quantized KV cache; KV dtype, MLA prefill, FlashInfer on a T4,
    FlashInfer's head-256 assertion). TRITON_ATTN's on a T4 (triton_sm75_errors) come after
    every start-up refusal: Triton meets them at the first prompt."""
    return (tuple(dtype_errors(gpu, served))  # Worker.init_device, before the model is built
            + tuple(flex_attention_errors(gpu, spec, cli))  # before its quantized-KV refusal
            + tuple(kv_format_errors(gpu, spec, s.kv_cache_dtype, cli))
            + tuple(mla_prefill_errors(gpu, spec, cli))
            + tuple(flashinfer_sm75_errors(gpu, spec, s.kv_cache_dtype, cli, served))
            + tuple(flashinfer_hd256_errors(spec, s, rules, gpu.compute_capability)))


def _quant_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                    gpu: GpuSpec, scheme: quant.QuantScheme, served: str, mixed: bool,
                    mismatch: tuple[str, ...]) -> tuple[str, ...]:
    """The start-up refusals of the weight format and its kernels on this GPU and release;
    the second part of _Resolved.refusals."""
    return (tuple(act_dtype_errors(spec, scheme, served, mixed, version=rules.version,
                                     vendor=gpu.vendor))
            + tuple(int8_float32_errors(scheme, served))
            + tuple(gptq_kernel_errors(spec, scheme, served, rules.version, gpu))
            + tuple(act_order_errors(spec, scheme, rules.version))
            + tuple(gptq_dynamic_errors(spec, scheme, rules.version, gpu))
            + tuple(gptq_sym_errors(spec, scheme, rules.version))
            + tuple(rocm_awq_errors(spec, scheme, served, rules.version, gpu))
            + tuple(cuda_awq_gemm_errors(spec, scheme, served, rules.version, gpu))
            # _verify_quantization stops at a mismatch, then at an unknown method, before
            # the platform's list
            + (() if mismatch else tuple(
                unknown_quant_errors(spec, scheme, mixed, cli, rules.version, gpu)
                or rocm_quantization_errors(spec, scheme, mixed, rules.version, gpu)))
            + tuple(ct_channel_moe_errors(spec, scheme, rules.version, gpu))
            + tuple(ct_int8_moe_errors(spec, scheme, rules.version))
            + tuple(rocm_int8_moe_errors(spec, scheme, rules.version, gpu))
            + tuple(rocm_fp4_moe_errors(spec, scheme, rules.version, gpu, s.mxfp4_marlin,
                                        s.moe_backend))
            + tuple(inc_errors(spec, scheme, rules.version, gpu))
            + tuple(inc_format_errors(spec, scheme, rules.version, gpu))
            + tuple(w4afp8_errors(spec, scheme, rules.version))
            + tuple(own_loader_errors(spec, scheme, rules.version, gpu))
            + tuple(marlin_named_errors(spec, scheme, rules.version, gpu))
            + tuple(modelopt_legacy_errors(spec, scheme, rules.version)))


def _moe_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                  gpu: GpuSpec, scheme: quant.QuantScheme, b12x: bool,
                  eplb_kind: str) -> tuple[str, ...]:
    """The start-up refusals of the MoE flags (--moe-backend, --all2all-backend, EPLB's);
    the last part of _Resolved.refusals before the launch's own."""
    return (tuple(b12x_refusals(rules.version, gpu.compute_capability, scheme.family,
                                  bool(_draft_moe(spec, s)) and mtp_excluded(spec, scheme),
                                  gpu.vendor)
                    if b12x else ())
            + tuple(filter(None, [oracle_refusal(spec, scheme, s.moe_backend, rules.version,
                                                 gpu.vendor, gpu.compute_capability)
                                  if s.moe_backend else None,
                                  mega_deep_gemm_refusal(s.moe_backend, spec.architectures,
                                                         rules.version)
                                  if s.moe_backend else None,
                                  moe_ep_all2all_refusal(s.moe_backend, s.all2all_backend,
                                                         rules.version)
                                  if s.moe_backend else None,
                                  all2all_refusal(s.all2all_backend, cli)
                                  if s.all2all_backend else None,
                                  flag_refusal(s.enable_eplb, s.num_redundant_experts, cli)]))
            # the MoE method is refused as FusedMoE is built, the model class at the profile
            + tuple(settings_refusals(s.enable_eplb, s.num_redundant_experts, eplb_kind,
                                      spec.is_moe, rules.version))
            + tuple(filter(None, [model_refusal(spec.architectures, spec.vision is not None,
                                                cli, rules.version)
                                  if s.enable_eplb and spec.is_moe else None,
                                  draft_eplb_refusal(spec.model_type, rules.version)
                                  if s.enable_eplb and _draft_moe(spec, s) else None])))


def _ep_refusal(ccs: tuple[str, ...], s: EngineSettings, rules: VllmRules,
                scheme: quant.QuantScheme, b12x: bool) -> str | None:
    """Why vLLM stops at start-up with EP > 1 (MXFP4 on some GPU of the cluster, whose
    compute capabilities are `ccs`, the B12x MoE backend); None where it does not
    (_Resolved.ep_refusal)."""
    return (next(filter(None, (mxfp4_ep_reason(rules.version, cc) for cc in ccs)), None)
        if scheme.key == "mxfp4" and not s.mxfp4_marlin else
        b12x_ep_refusal(rules.version) if b12x else None)


def _flydsl_note(scheme: quant.QuantScheme) -> str:
    """The note where vLLM builds the experts with its FlyDSL MoE (moe_backend.runs_flydsl)."""
    return (f"--moe-backend {FLYDSL}: vLLM builds the {scheme.label} experts with its FlyDSL MoE "
            "(CompressedTensorsW4A16FlydslMoEMethod, gfx950), not the Triton MoE WNA16; the "
            "speed estimate's flydsl-moe takes the default MoE figures (uncalibrated), and the "
            "experts' load checks are CompressedTensorsWNA16MoEMethod's (FlyDSL's own not "
            "read).")


def _runner(spec: ModelSpec, s: EngineSettings, rules: VllmRules, scheme: quant.QuantScheme,
            rocm: bool) -> tuple[str, str]:
    """The model runner vLLM `rules` starts this model on (vllm_versions.model_runner; `rocm`:
    an AMD GPU): the checkpoint is quantized when its config has a quantization_config
    (spec.quant), or a what-if names a quantized format; a runtime --quantization leaves the
    config as it is."""
    quantized = scheme.family != "float" if s.target_quant else spec.quant is not None
    stateful = any(isinstance(layer.mixer, MambaMixer | LinearAttentionMixer)
                   for layer in spec.layers)
    return model_runner(rules, spec.architectures, spec.is_moe, quantized, stateful, rocm=rocm)


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
    model), 1 + num_speculative_blocks otherwise;
    mamba/abstract.py sets num_speculative_blocks = num_speculative_tokens, and
    MambaStateShapeCalculator widens each conv state to kernel - 1 + num_speculative_tokens.
    The MTP draft's attention layers (spec.mtp_layers) join the KV cache. Llama 4's chunked
    layers are full attention before vllm_versions.CHUNKED_HYBRID_FROM.
    """
    n = s.num_speculative_tokens
    align = rules.mamba_align and (s.enable_prefix_caching if s.enable_prefix_caching
                                   is not None else rules.hybrid_prefix_caching)
    hd256 = flashinfer_hd256_bug(rules, compute_capability) and any(
        isinstance(layer.mixer, AttentionMixer) and layer.mixer.head_dim == 256
        for layer in spec.layers)
    gdn = [layer.mixer for layer in spec.layers
           if isinstance(layer.mixer, LinearAttentionMixer)]
    checkpoints = align and bool(gdn) and all(
        gdn_flashinfer_prefill(rules.version, compute_capability, m.key_head_dim) for m in gdn)
    mamba2 = align and rules.version >= MAMBA2_CHECKPOINT_BLOCK_FROM and any(
        isinstance(layer.mixer, MambaMixer) for layer in spec.layers)
    return StateRules(rules.config_ssm_dtype,
                      (2 if align else 1) + n + (checkpoints or mamba2), n,
                      spec.mtp_layers if n else 0, 32 if hd256 else 16,
                      rules.version >= HYBRID_ALIGN_TO_BLOCK_FROM, not rules.chunked_hybrid,
                      FLASHINFER_GDN_CHECKPOINT_TOKENS if checkpoints else 1)


def mtp_refusal(spec: ModelSpec, s: EngineSettings) -> tuple[str, ...]:
    """vLLM's refusal of MTP speculative decoding for this model and release
    (planner.serving.mtp; the plan's error; the app offers the setting only where it is
    empty)."""
    return draft_refusal(spec, s.num_speculative_tokens, s.vllm_version)


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
    budget = ENGINE.budget_bytes(total_bytes, s)
    return (f" vLLM starts only if it reads at least {s.gpu_memory_utilization:g} x "
            f"{_gib(total_bytes)} = {_gib(budget)} free, so the OS and other processes may hold "
            f"at most {_gib(total_bytes - budget)} when it starts (lower "
            "--gpu-memory-utilization to leave them more).")


def _model_notes(spec: ModelSpec, gpu: GpuSpec, s: EngineSettings, rules: VllmRules
                 ) -> tuple[str, ...]:
    """The warnings no layout or worker changes (after the CUDA-graph one, in this order):
    rope_parameters unread before vLLM 0.12 (its rope_theta overwritten to 0.23 under
    transformers 4), the lm_head and OLMo 3's start-up under transformers 5 on releases that
    allow either, unified memory, DeepSeek-V4's and sparse MLA's
    unread KV layouts, unmodelled parts."""
    notes = []
    if not s.enable_chunked_prefill and rules.version < CHUNKED_OFF_TOKENS_MAX_FROM:
        notes.append(f"vLLM {s.vllm_version} turns chunked prefill back on for every generative "
                     "model (engine/arg_utils.py _set_default_args): --no-enable-chunked-prefill "
                     "has no effect there, and the plan keeps the default batch.")
    if rules.version < TOKENIZER_WINDOW_POOLING_ONLY_FROM:
        cap = spec.window and spec.window.tokenizer_model_max_length
        notes.append(
            f"vLLM {s.vllm_version} caps max_model_len, given or not, at tokenizer_config.json's "
            "model_max_length (config.py get_and_verify_max_len; 0.9.2 on read it for pooling "
            "models only): " + (f"{cap:,} here, which the default window applies (a longer "
                                "--max-model-len is planned as given)" if cap else
                                "Headroom did not read one for this model, so the window here "
                                "is config.json's alone and vLLM's may be shorter") + ".")
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
        notes.append(
            f"Under transformers 4, vLLM {s.vllm_version} writes the {spec.window.text_model_type}"
            f" config class's default rope_theta, {theta:g}, over rope_parameters' own, as "
            "config.json gives no top-level rope_theta (transformers_utils/config.py "
            "patch_rope_parameters): a wrong rope unless the two agree. Serve it under "
            "transformers 5 where the release allows it, or add rope_theta to config.json.")
    tie_note = transformers_tie_note(spec, rules.version, s.vllm_version,
                                     gemma_asserts_tie(spec, rules.version))
    if tie_note:
        notes.append(tie_note)
    olmo3_note = olmo3_rope_note(spec, rules.version)
    if olmo3_note:
        notes.append(olmo3_note)
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


def _cc(gpu) -> tuple[int, int]:
    """The GPU's compute capability as numbers ((0, 0) when unknown, e.g. AMD targets)."""
    return parse_capability(gpu.compute_capability) or (0, 0)


def _setup(
    spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout, s: EngineSettings
) -> _Setup:
    """Resolve the settings vLLM would derive and fetch the per-model prepared facts, for the
    model as the release builds it (tie.served_spec)."""
    spec = served_spec(spec, s.vllm_version)
    r = _resolve(spec, cluster, s, layout)
    if r.ep_refusal and layout.ep_size > 1:
        raise LayoutRefused(r.ep_refusal)
    if r.tp_refusal and layout.tp > 1:
        raise LayoutRefused(r.tp_refusal)
    key = layout_key(layout)
    facts = _LAYOUT_FACTS.get(spec, (id(r), *key), _layout_facts, spec, cluster, layout, s, r)
    if isinstance(facts, _Refused):
        raise LayoutRefused(facts.message)
    return _Setup(spec, cluster, layout, s, key, facts)


def _marlin_shape(spec: ModelSpec, r: _Resolved, tp: int) -> tuple[tuple[str, ...], ...]:
    """wna16_shapes.marlin_shape_findings at this TP (refusal, warnings), cached per spec."""
    served, version, gpu = r.linear_ask
    key = ("marlin-shape", r.scheme.memo_key, tp, served, version, gpu.key,
           gpu.compute_capability, gpu.vendor, r.load.gdn_ba_whole)
    return _cached(spec, key, marlin_shape_findings, spec, r.scheme, tp, served, version, gpu,
                   r.load.gdn_ba_whole)


class _Refused(NamedTuple):
    """A layout vLLM refuses under one _Resolved (Marlin's tiles at this TP, the b12x MoE
    width), cached as _LayoutFacts are so that each plan of it pays one lookup."""

    r: "_Resolved"  # held, as _LayoutFacts.r
    message: str


_LAYOUT_FACTS: IdentityMemo[_LayoutFacts | _Refused] = IdentityMemo(16384)
"""_LayoutFacts (or _Refused) by spec, _Resolved (its id: each entry holds it) and layout. A
_Resolved is one per model, cluster, settings value and engine (_resolve), so a rerun's sweep
finds its layouts' and another engine does not. 16,384: a sweep over 4,096 GPUs plans 8,622
(Llama 3.1 405B, 512 nodes x 8 H100); at 4,096 the memo cleared itself mid-sweep and every
row's speed worked its layout's facts out again."""


def _layout_facts(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                  s: EngineSettings, r: _Resolved) -> _LayoutFacts | _Refused:
    """Work out what _setup caches (each fact from its own cache: the weights per weight
    format, the KV layout, the request's need and the warnings shared across formats), or
    the refusal of a layout vLLM does not start."""
    narrow, marlin_warnings = _marlin_shape(spec, r, layout.tp)
    width = _b12x_width(spec, layout, s)
    version = vllm_rules(s.vllm_version).version
    redundant = redundant_experts(spec, s, layout)
    refusal = narrow[0] if narrow else width[1] if width and width[0] else \
        qk_norm_gather_refusal(spec, layout.tp, version, r.transformers_backend) \
        or w4afp8_shape_refusal(spec, r.scheme, layout.expert_tp, version) \
        or (eplb_layout_refusal(True, layout.ep, layout.tp, layout.dp,
                                moe.num_experts if (moe := first_moe(spec)) else 0, redundant,
                                version) if s.enable_eplb else None)
    if refusal:
        return _Refused(r, refusal)
    # the release EPLB's state is sized for, in the key: its tensors differ by release
    eplb = version if s.enable_eplb and layout.ep and spec.is_moe else None
    draft = _draft_moe(spec, s) if eplb and draft_state_sized(spec.model_type, eplb) else None
    own_heads = bool(r.states.draft_kv_layers) and draft_own_heads(spec, s.vllm_version)
    own_embed = bool(r.states.draft_kv_layers) and draft_builds_embed(spec, s.vllm_version)
    key = ("weights", r.scheme.memo_key, *layout_key(layout), r.act_b, r.expert_pad,
           r.states.draft_kv_layers, own_heads, own_embed,
           r.mbt if spec.compressed_attention or sparse_mla_buffer_bytes(spec, 1) else 0,
           r.vision_first_stage_only,
           r.load, r.siglip_head, r.tower_whole, r.transformers_backend, redundant, eplb,
           draft is not None)
    terms = _cached(spec, key, _rank_terms, spec, r, layout, own_heads, own_embed, redundant,
                    eplb, draft)
    # (shared by the KV dtypes' plans, as the terms are)
    holdings = _rank_holdings(spec, r, layout, eplb)
    kv_b = sparse_mla_kv(spec, s, r.kv_plain, r.compute_capability, layout.tp)
    stages = ENGINE.stage_layouts(r.facts, layout, r.block_size, kv_b, r.fa4_fp8_hd512,
                                  r.states, r.kv_grouping[0], r.kv_grouping[2])
    flydsl = runs_flydsl(spec, r.scheme, s.moe_backend, vllm_rules(s.vllm_version).version,
                         r.compute_capability)  # no MoE WNA16 fallback to warn of (the note)
    warnings = (*(() if flydsl else layout_warnings(spec, layout, r.scheme, s.vllm_version,
                                                    cluster.vendor, r.compute_capability)),
                *marlin_warnings,
                *r.gpu_notes, *_bridge_warnings(cluster, layout.tp),
                *_cross_node_tp_warnings(layout, r),
                *_ray_order_warnings(cluster, layout, s, r),
                *(width[1:] if width else ()),
                *(all2all_notes(s.all2all_backend, version, layout.dp, layout.ep, spec.is_moe,
                                s.max_num_batched_tokens is not None)
                  if _all2all_taken(s) else ()),
                *_eplb_notes(spec, layout, s, redundant, version))
    # a KV-shared layer cut from its source fails at model load, before any KV sizing
    checks = (tuple(_busy_errors(cluster, layout, s, r)
                    + _node_quant_errors(spec, cluster, layout, s, r)
                    + _node_gpu_errors(spec, cluster, layout, s, r)
                    + _wna16_backend_errors(spec, cluster, layout, s, r)),
              tuple(_kv_sharing_errors(spec, stages) or _empty_stage_errors(stages, s)),
              tuple(_page_size_errors(stages, r, s)))
    window_mbt = window_batched_tokens(r.in_flight_window, r.runner[0], layout.pp, r.mbt)
    return _LayoutFacts(r, terms, stages, kv_b,
                        _full_request(spec, r, layout, stages, kv_b, window_mbt), window_mbt,
                        warnings, {}, _distinct_workers(
                            cluster, layout, r, terms, holdings, stages,
                            _all2all_taken(s) and runs_all2all(layout.dp, layout.ep,
                                                               spec.is_moe)), checks, {})


def _wna16_backend_errors(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                          s: EngineSettings, r: _Resolved) -> list[str]:
    """--moe-backend for int weight-only experts: moe_backend.oracle_refusal on this layout,
    whose experts Marlin MoE takes or sends to vLLM's fall-back (layout.moe_wna16_fallback),
    which decides whether the WNA16 MoE oracle reads the flag and what it accepts."""
    if not s.moe_backend or not spec.is_moe:
        return []
    fallback = moe_wna16_fallback(spec, layout, r.scheme, s.vllm_version, cluster.vendor)
    return list(filter(None, [oracle_refusal(spec, r.scheme, s.moe_backend,
                                             vllm_rules(s.vllm_version).version, cluster.vendor,
                                             r.compute_capability, fallback)]))


def _rank_terms(spec: ModelSpec, r: _Resolved, layout: ParallelLayout, own_heads: bool,
                own_embed: bool, redundant: int = 0, eplb: Version | None = None,
                draft: MoeMlp | None = None) -> tuple[WeightTerms, ...]:
    """The weights of each (stage, TP rank) position by component, in rank order (_setup
    caches them per weight format and layout), with `redundant` EPLB experts per MoE layer
    (_redundant_experts) and, where EPLB runs under release `eplb`, its state in the buffers:
    the expert maps and load statistics (eplb.eplb_state_bytes) and its expert transfer
    buffer (weights.eplb_buffer_bytes, from eplb.EXPERT_BUFFER_FROM); with `draft` (the MTP
    draft's routed experts, where eplb.draft_state_sized) the draft's own on the last stage:
    its maps and statistics over its MoE layers and its transfer buffer."""
    eplb_buffer = eplb is not None and eplb >= EXPERT_BUFFER_FROM
    terms = rank_weights(spec, r.scheme, layout, _params(spec), served_dtype_bytes=r.act_b,
                        expert_pad=r.expert_pad, mtp_layers=r.states.draft_kv_layers,
                        mtp_own_heads=own_heads, mtp_own_embed=own_embed,
                        max_num_batched_tokens=r.mbt,
                        vision_first_stage_only=r.vision_first_stage_only,
                        siglip_head=r.siglip_head, tower_whole=r.tower_whole,
                        transformers_backend=r.transformers_backend,
                        rules=r.load._replace(redundant_experts=redundant,
                                              eplb_expert_buffer=eplb_buffer,
                                              eplb_draft_buffer=eplb_buffer and bool(draft))
                        if redundant or eplb_buffer else r.load)
    moe = first_moe(spec)
    if eplb is None or moe is None:
        return terms
    stages = pp_layer_split(spec.num_layers, layout.pp)
    drafted = eplb_state_bytes(spec.mtp_layers, draft.num_experts, redundant, layout.ep_size,
                               eplb)[0] if draft else 0
    return tuple(w.model_copy(update={"buffers_bytes": w.buffers_bytes + eplb_state_bytes(
        sum(isinstance(spec.layers[i].mlp, MoeMlp) for i in stages[index // layout.tp]),
        moe.num_experts, redundant, layout.ep_size, eplb)[0]
        + (drafted if index // layout.tp == layout.pp - 1 else 0)})
        for index, w in enumerate(terms))


def _eplb_notes(spec: ModelSpec, layout: ParallelLayout, s: EngineSettings, redundant: int,
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

    draft = _draft_moe(spec, s)
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


def _eplb_unmodelled(spec: ModelSpec, s: EngineSettings, version: Version) -> tuple[str, ...]:
    """The verdict's unmodelled parts where EPLB runs: the communicators' buffers
    (eplb.UNMODELLED) and an MTP draft's state where _eplb_notes says it is not counted
    (eplb.draft_note)."""
    unsized = _draft_moe(spec, s) and draft_note(spec.model_type, version)
    return (EPLB_UNMODELLED, *([EPLB_DRAFT_UNMODELLED] if unsized else []))


def _eplb_profile(st: _Setup, pp_stage: int) -> tuple[int, str, TermInputs]:
    """(bytes, formula, inputs) vLLM's profile run holds above the weights on a worker of this
    stage when it rearranges EPLB's experts (eplb.profile_rearrangement): one MoE layer's local
    experts of the stage as the weights term loads them (weights.moe_layer_experts_bytes,
    with this layout's redundant experts), its MoE layers, the dummy forward's output
    (--max-num-batched-tokens x hidden in the served dtype; on a stage before the last the
    IntermediateTensors' hidden_states and residual: make_empty_intermediate_tensors_factory
    in deepseek_v2.py and qwen3_moe.py) and the MoE backend's workspace, which stays
    (_moe_workspace); (0, "", {}) without EPLB or a MoE layer on the stage."""
    s, layout, spec = st.s, st.layout, st.spec
    if not (s.enable_eplb and layout.ep and spec.is_moe):  # the cheap check first
        return 0, "", {}
    r = st.facts.r
    layers = st.facts.stages[pp_stage][0]
    moes = [mlp for i in layers if isinstance(mlp := spec.layers[i].mlp, MoeMlp)]
    if not moes:
        return 0, "", {}
    rules = r.load._replace(redundant_experts=redundant_experts(spec, s, layout))
    copy = moe_layer_experts_bytes(spec, r.scheme, layout, layers, _params(spec),
                                   expert_pad=r.expert_pad, rules=rules)
    last = pp_stage == layout.pp - 1
    output = r.mbt * spec.hidden_size * r.act_b * (1 if last else 2)
    moment, formula = profile_rearrangement(copy, moes[0].gated, layout.ep_size, len(moes),
                                            moes[0].num_experts, output,
                                            vllm_rules(s.vllm_version).version)
    workspace = _moe_workspace(st, pp_stage)[0]
    if workspace:
        moment += workspace
        formula += f" + {workspace:,} B MoE workspace (the moe_workspace term) = {moment:,} B"
    inputs: TermInputs = {"layer_experts_bytes": copy, "ep_size": layout.ep_size,
                          "moe_layers": len(moes), "num_experts": moes[0].num_experts,
                          "dummy_output_bytes": output}
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


WEIGHT_PARTS = {
    "embeddings_bytes": "embeddings", "attention_bytes": "attention",
    "dense_mlp_bytes": "dense MLP", "experts_bytes": "routed experts",
    "shared_experts_bytes": "shared experts", "router_bytes": "router", "norms_bytes": "norms",
    "lm_head_bytes": "lm_head", "vision_bytes": "vision tower",
    "rope_cache_bytes": "rotary cos/sin cache", "mtp_bytes": "MTP draft",
    "hyper_connections_bytes": "hyper-connections", "buffers_bytes": "buffers",
}
"""WeightTerms' parts, as the weights term's formula names them."""


def _weights_formula(st: _Setup, bind: RankMemory) -> str:
    """The binding rank's weights as the sum of their parts (rank_weights), and where they
    sit. Every rank's weights are its (stage, TP rank) position's (plan reads their rank_totals,
    the totals of these same parts), so the parts add up to bind.weights_bytes: a DP
    replica's ranks hold what replica 0's hold, its EP share of the experts included."""
    layout, f = st.layout, st.facts
    where = (f"{f.r.scheme.label}; stage {bind.pp_stage}, TP rank {bind.tp_rank}, layers "
             f"{bind.layers[0]}-{bind.layers[1] - 1}")
    parts = f.weight_terms[bind.pp_stage * layout.tp + bind.tp_rank]
    shown = " + ".join(f"{name} {_gib_or_mib(getattr(parts, field))}"
                       for field, name in WEIGHT_PARTS.items() if getattr(parts, field))
    if f.r.scheme.key != "mxfp4" and f.r.expert_pad[1] > 1:
        where += _trtllm_pad_note(st.spec, f.r.expert_pad[1], layout.expert_tp)
    return f"{shown} = {_gib(bind.weights_bytes)} ({where}{_load_time_note(st, bind)})"


def _load_time_note(st: _Setup, bind: RankMemory) -> str:
    """'; ...' for each tensor vLLM makes (or frees) at load that these weights hold (or
    leave out) and the checkpoint's size (weights_bytes) does not: the 16-bit kv_b_proj copy
    of a quantized MLA and a router in float32 over the checkpoint's 16 bits
    (weights.made_at_load), a float32 rotary cache (FP32_ROPE_CACHE), the sparse-MLA top-k
    buffer (sparse_mla_buffer_bytes), GPTQ zero points Marlin frees
    (weight_load.gptq_zeros_freed_bits); '' where none."""
    spec, r, tp = st.spec, st.facts.r, st.layout.tp
    layers = range(*bind.layers)
    notes = []
    kv_b, router_fp32 = made_at_load(spec, r.scheme, layers, tp, r.load.gate_fp32)
    if kv_b:
        notes.append(f"attention holds the {_gib_or_mib(kv_b)} 16-bit copy of kv_b_proj "
                     "vLLM makes at load (W_UK_T / W_UV)")
    if router_fp32:
        notes.append("router in float32, as vLLM builds it")
    if spec.model_type in FP32_ROPE_CACHE:
        notes.append("rotary cos/sin cache in float32, as vLLM builds it")
    topk_bytes = sparse_mla_buffer_bytes(spec, r.mbt)
    if topk_bytes:
        drafts = r.states.draft_kv_layers if bind.pp_stage == st.layout.pp - 1 else 0
        notes.append(f"buffers: the top-k indices vLLM allocates at init, {r.mbt:,} batched "
                     f"tokens x {topk_bytes // (4 * r.mbt):,} x 4 B"
                     + (f", x {1 + drafts} with the MTP draft's" if drafts else ""))
    if r.load.zeros_freed_bits:
        notes.append("without the unused GPTQ zero points vLLM's Marlin frees at load")
    return "".join(f"; {note}" for note in notes)


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


def _tower_tp_note(st: _Setup, bind: RankMemory) -> str:
    """What --mm-encoder-tp-mode data would hold of the vision tower on the binding GPU, where
    the model takes it (vllm_versions.ENCODER_TP_DATA_TYPES) and TP splits the tower."""
    f = st.facts
    held = f.weight_terms[bind.pp_stage * st.layout.tp + bind.tp_rank].vision_bytes
    whole = tower_bytes(st.spec, _params(st.spec), f.r.siglip_head)
    if not (f.r.encoder_tp_data and held and whole > held):
        return ""
    return (f"vision tower split over TP {st.layout.tp} at vLLM's default --mm-encoder-tp-mode "
            f"weights: {_gib_or_mib(held)} on this GPU, its patch embedding, positions, norms "
            f"and unsplit layers whole; --mm-encoder-tp-mode data would put all "
            f"{_gib_or_mib(whole)} on each GPU ({_gib_or_mib(whole - held)} more)")


def _gib_or_mib(n_bytes: int) -> str:
    """GiB with two decimals, or MiB below 0.01 GiB (norms, routers), so no part reads 0.00."""
    return _gib(n_bytes) if n_bytes >= GIB // 100 else f"{n_bytes / MIB:.2f} MiB"


def _memory(st: _Setup, pp_stage: int, weights: int, total: int) -> tuple[int, ...]:
    """(budget, activation, non-torch, graphs, KV pool, blocks, runner buffers) of one worker
    of a stage."""
    s, f = st.s, st.facts
    budget = f.r.budgets[total]
    stage = f.stages[pp_stage][1]
    if s.kv_cache_memory_bytes:
        act = nt = graphs = buffers = 0
        kv = s.kv_cache_memory_bytes
    else:
        o = _overheads(st, pp_stage)
        act, nt, graphs, buffers = o.activation, o.non_torch, o.graphs, o.runner_buffers
        kv = budget - weights - o.subtracted
    return budget, act, nt, graphs, kv, _pool_blocks(kv, stage), buffers


def _pool_blocks(kv_bytes: int, stage: StageKv | None) -> int:
    """The KV blocks a pool of `kv_bytes` holds on a stage (vLLM's num_blocks: the pool //
    the bytes of one block over all its layers): 0 for a pool of none or less, or a stage
    without KV layers."""
    return max(0, kv_bytes) // stage.bytes_per_block if stage else 0


def _capacity(f: _LayoutFacts, stage: StageKv | None, num_blocks: int) -> tuple[int, float]:
    """(KV tokens, max concurrency at max_model_len) of `num_blocks` blocks on a stage, as
    vLLM reports them: concurrency is blocks / blocks per max_model_len request; tokens are
    int(concurrency x max_model_len) from 0.20.1, num_blocks // groups x block tokens before
    (vllm_versions.TOKENS_FROM_CONCURRENCY_FROM)."""
    per_request = f.request
    concurrency = num_blocks / per_request if per_request else 0.0
    if f.r.tokens_from_concurrency:
        return int(concurrency * f.r.max_model_len), concurrency
    return num_blocks // stage.num_groups * stage.block_tokens, concurrency


def _overheads(st: _Setup, pp_stage: int) -> Overheads:
    """The terms subtracted from a worker's budget, kept in its layout's facts once found.
    They read neither its weights nor the KV dtype nor the weight format (but EPLB's profile
    rearrangement, whose bytes the key holds), so a sweep's formats and KV dtypes share them:
    cached per spec, engine, layout, what they read of the stage (its layers' widths:
    engine.stage_widths, whether it is the first and the last, its MoE workspace, all-to-all
    buffer and EPLB profile rearrangement) and of the settings (_Resolved.overhead_key). Stages
    alike in those share one entry: a deep PP split (126 stages) works out a few, and a sweep
    over thousands of GPUs no longer overflows the cache with one entry per stage."""
    f = st.facts
    known = f.overheads.get(pp_stage)
    if known is None:
        rng = f.stages[pp_stage][0]
        workspace, eplb = _moe_workspace(st, pp_stage)[0], _eplb_profile(st, pp_stage)[0]
        warm = (_v2_warm_peak(st, pp_stage) or (0,))[0]
        buffer = (_all2all_buffer(st, pp_stage) or (0,))[0]
        key = ("overheads", ENGINE, *st.layout_key, *stage_widths(f.r.facts, rng),
               rng.start == 0, pp_stage == st.layout.pp - 1, workspace, eplb, warm, buffer,
               f.r.overhead_key)
        known = f.overheads[pp_stage] = _OVERHEADS.get(st.spec, key, _worker_overheads, st,
                                                       pp_stage, workspace, buffer, eplb, warm)
    return known


def _worker_overheads(st: _Setup, pp_stage: int, workspace: int, buffer: int, eplb: int,
                      warm: int) -> Overheads:
    """Work out the overheads _overheads caches, with the stage's parts its key holds (the
    MoE workspace, all-to-all buffer, EPLB profile rearrangement and V2 warm peak, in bytes)."""
    layout, r = st.layout, st.facts.r
    return ENGINE.overheads(Worker(
        r.facts, st.facts.stages[pp_stage][0], pp_stage == layout.pp - 1, layout, r.mbt, r.seqs,
        r.act_b, r.link, r.nvswitch_sharp, layout.tp <= r.gpus_per_node, r.graphs,
        r.max_model_len, r.compute_capability, r.comm_counted, *r.sampler, r.encoder_every_stage,
        r.encoder_rules, workspace, buffer, sum(n for _, n in _runner_buffers(st, pp_stage)),
        eplb, warm,
    ), st.s, r.subtract_graphs)


def _runner_buffers(st: _Setup, pp_stage: int) -> tuple[tuple[str, int], ...]:
    """The model runner's persistent buffers on a worker of this stage, each (formula,
    bytes): from vLLM 0.27.0 (vllm_versions.RUNNER_BUFFERS_COUNTED_FROM), on the runner the
    plan starts (planner.serving.runner_buffers); () before it."""
    s, layout, r = st.s, st.layout, st.facts.r
    if not vllm_rules(s.vllm_version).runner_buffers:
        return ()
    draft = s.num_speculative_tokens if st.spec.mtp_layers else 0
    return runner_buffer_parts(
        r.runner[0], r.facts.hidden_size, r.facts.vocab_size, r.mbt, r.seqs, r.max_model_len,
        _placeholder_block(s), r.act_b, first_stage=pp_stage == 0,
        last_stage=pp_stage == layout.pp - 1, multimodal=r.facts.vision is not None,
        draft_tokens=draft)


def _placeholder_block(s: EngineSettings) -> int:
    """The block size the V1 runner's placeholder block table is built with:
    cache_config.block_size when the runner is constructed (gpu_worker.init_device), which is
    --block-size or CacheConfig.DEFAULT_BLOCK_SIZE (engine.default_block_size); the attention
    backend's own block (update_block_size_for_backend) is set after the model loads
    (multiproc_executor.py WorkerProc.__init__, 0.27.0)."""
    return s.block_size or default_block_size(vllm_rules(s.vllm_version).version)


def _b12x_width(spec: ModelSpec, layout: ParallelLayout, s: EngineSettings
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


def mla_decodes_piecewise(request: PlanRequest) -> bool:
    """Whether the plan's MLA attention runs on TRITON_MLA where it allows no full CUDA graphs
    (engine.triton_mla_piecewise, mla_block.triton_mla_fallback): the speed's caveat."""
    return _resolve(request.model, request.cluster, request.engine,
                    request.layout).mla_piecewise


def _draft_moe(spec: ModelSpec, s: EngineSettings) -> MoeMlp | None:
    """The routed experts of each MTP draft layer vLLM loads (--num-speculative-tokens on a
    model with MTP layers: the spec's own mtp_layer, else a copy of its last layer, as the
    weights' _mtp_bytes counts them), None without a draft or without experts in it."""
    if not (s.num_speculative_tokens and spec.mtp_layers):
        return None
    mlp = (spec.mtp_layer or spec.layers[-1]).mlp
    return mlp if isinstance(mlp, MoeMlp) else None


def _moe_workspace(st: _Setup, pp_stage: int) -> tuple[int, str]:
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
    draft = _draft_moe(spec, s) if pp_stage == st.layout.pp - 1 else None
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
    return total, " + ".join(parts) + f" = {total / GIB:.2f} GiB"


def _all2all_taken(s: EngineSettings) -> bool:
    """Whether --all2all-backend is given and the release's parser takes it (a refused value
    is the plan's refusal, in the parser's words: launch.launch, nothing else to say)."""
    return bool(s.all2all_backend) and vllm_cli(s.vllm_version).accepts(
        "--all2all-backend", s.all2all_backend)


def _all2all_buffer(st: _Setup, pp_stage: int) -> tuple[int, str, bool] | None:
    """(bytes, formula, sized) of the --all2all-backend's buffer outside torch on a worker of
    this stage, where its MoE layers dispatch through it (all2all.runs_all2all; vLLM counts it
    as non-torch memory: planner.serving.all2all); None where vLLM does not use it. A backend
    that holds no buffer gives 0 bytes; one not sized here (sized False) 0 bytes too, which
    the verdict names as unmodelled. The EP group of a stage is every DP replica's TP ranks of
    it, on the nodes ClusterSpec.rank_node places them (DeepEP's RDMA buffer where they span
    more than one)."""
    s, layout = st.s, st.layout
    # the cheap checks first: this runs for every stage of every plan (a sweep's hot path)
    if not _all2all_taken(s) or not runs_all2all(layout.dp, layout.ep, st.spec.is_moe):
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


def _overhead_key(r: _Resolved, s: EngineSettings) -> tuple:
    """Everything _worker_overheads reads besides the spec, layout and stage: the Worker's
    resolved settings and the settings' overrides."""
    return (r.mbt, r.seqs, r.act_b, r.link, r.nvswitch_sharp, r.gpus_per_node, r.graphs,
            r.max_model_len, r.compute_capability, r.comm_counted,
            r.sampler, r.subtract_graphs,
            r.encoder_every_stage, r.encoder_rules, s.activation_bytes,
            s.non_torch_bytes, s.cuda_graph_bytes, s.enforce_eager, s.skip_mm_profiling,
            s.moe_backend and (s.moe_backend, s.vllm_version, s.num_speculative_tokens),
            s.all2all_backend and (s.all2all_backend, s.vllm_version),
            # the runner buffers' (_runner_buffers)
            r.runner[0], vllm_rules(s.vllm_version).runner_buffers, _placeholder_block(s),
            s.num_speculative_tokens)


def _rank_position(layout: ParallelLayout, cluster: ClusterSpec, rank: int
                   ) -> tuple[int, int, int, int]:
    """(pp_stage, tp_rank, node index, GPU index on the node) of a global rank (the node by
    ClusterSpec.rank_node, the rule speed.context.stage_gpus reads too)."""
    pp_stage, tp_rank = divmod(rank % (layout.tp * layout.pp), layout.tp)
    return (pp_stage, tp_rank, *cluster.rank_node(rank))


def _last_node(cluster: ClusterSpec, layout: ParallelLayout, r: _Resolved) -> int:
    """The index of the last node the layout's ranks reach (ClusterSpec.rank_node; the GPU
    count from `r`, which ClusterSpec.gpu_count sums over every node)."""
    return cluster.rank_node(min(layout.gpus, r.gpu_count) - 1)[0]


def _busy_errors(cluster: ClusterSpec, layout: ParallelLayout, s: EngineSettings,
                 r: _Resolved) -> list[str]:
    """vLLM's start-up refusal for each GPU whose free memory is below the budget.

    NOTE: init_device checks free memory >= total x gpu_memory_utilization before it reads
    --kv-cache-memory-bytes (gpu_worker.py in the 0.10.2-0.13.0 wheels, v1/worker/utils.py
    request_memory by 0.33.0 and in 0.34.0, where a given pool turns the extensible KV cache
    off), so a given KV pool does not skip the check."""
    if not r.busy:
        return []
    errors: list[str] = []
    for rank in range(min(layout.gpus, cluster.gpu_count)):
        _, _, node_index, gpu_index = _rank_position(layout, cluster, rank)
        node = cluster.nodes[node_index]
        total = node.gpu.memory_total_bytes
        used = node.memory_used_bytes[gpu_index] if node.memory_used_bytes else 0
        budget = ENGINE.budget_bytes(total, s)
        msg = (
            f"Free memory on device cuda:{gpu_index} ({_gib(total - used)}/{_gib(total)}) on "
            f"startup is less than desired GPU memory utilization "
            f"({s.gpu_memory_utilization:g}, {_gib(budget)}). Decrease GPU memory "
            "utilization or reduce GPU memory used by other processes."
        )
        if total - used < budget and msg not in errors:
            errors.append(msg)
    return errors


def _node_quant_errors(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                       s: EngineSettings, r: _Resolved) -> list[str]:
    """vLLM's quantization refusal on a node past node 0 that the layout reaches, where its
    GPU is of another compute capability than node 0's (whose refusal is _Resolved.refusals).

    NOTE: from the release with --nnodes, every node's `vllm serve` builds its own VllmConfig
    (entrypoints/cli/serve.py run_headless: create_engine_config), whose
    _get_quantization_config (config/vllm.py, 0.19.0, 0.33.0 and 0.34.0 wheels) checks the method's
    get_min_capability() against current_platform.get_device_capability(), that node's GPU
    0: an FP8 checkpoint (75) on an H100 node 0 and a V100 node 1 (70) fails on node 1, as a
    quant_method awq_marlin one up to 0.23 does in AWQMarlinConfig.__init__'s Marlin check
    (wna16_loaders.awq_marlin_capability_refusal). On Ray (no --nnodes) node 0's process alone
    builds the config: not said there."""
    if len(cluster.nodes) == 1 or not vllm_cli(s.vllm_version).accepts("--nnodes"):
        return []
    # (GPUs of one compute capability: no node to check, without a scan of 512 nodes a plan)
    if _CLUSTER_CAPABILITIES.get(cluster, (), _capabilities, cluster) == (r.compute_capability,):
        return []
    version = vllm_rules(s.vllm_version).version
    errors: list[str] = []
    for index in range(1, _last_node(cluster, layout, r) + 1):
        node = cluster.nodes[index]
        if node.gpu.compute_capability == r.compute_capability:
            continue
        marlin = awq_marlin_capability_refusal(spec, r.scheme, version, node.gpu)
        for error in [*capability_errors(node.gpu, r.scheme, vllm_cli(s.vllm_version), r.mixed,
                                         ct_linear_scheme(spec, r.scheme),
                                         kept_marlin_method(spec, r.scheme)
                                         or own_loader_method(spec, r.scheme)),
                      *([marlin] if marlin else [])]:
            message = f"Node {index} ({node.hostname}, {node.gpu.name}): {error}"
            if message not in errors:
                errors.append(message)
    return errors


def _node_gpu_errors(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                     s: EngineSettings, r: _Resolved) -> list[str]:
    """The capability refusals (_gpu_refusals, after wheel_arch_errors: the node's workers run
    PyTorch's and vLLM's kernels on its GPU) of the first node past node 0 the layout reaches
    with each other compute capability than node 0's (whose own are _Resolved.refusals), those
    node 0 does not already give: a T4 or V100 node 1 under an H100 node 0.

    NOTE: each worker picks its attention backend on its own GPU (Attention.__init__ ->
    get_attn_backend -> current_platform.get_attn_backend_cls, which reads the worker's device
    capability: platforms/cuda.py, 0.10.2, 0.11.0, 0.18.0, 0.34.0 wheels), runs its own kernels
    and checks its model_config.dtype in Worker.init_device (check_if_supports_dtype, 0.10.2 on;
    _check_if_gpu_supports_dtype before). That dtype is node 0's resolved one on Ray (before
    0.11.1: _init_workers_ray hands every worker the driver's vllm_config,
    executor/ray_distributed_executor.py, 0.11.0 wheel) and the node's own with --nnodes
    (run_headless builds the node's VllmConfig, whose --dtype auto resolves on its GPU:
    _node_quant_errors). Not modelled: nodes computing in different dtypes under --nnodes
    (bfloat16 on node 0, float16 on a V100 node 1), planned with node 0's sizes."""
    ccs = _CLUSTER_CAPABILITIES.get(cluster, (), _capabilities, cluster)
    if len(cluster.nodes) == 1 or ccs == (r.compute_capability,):
        return []
    rules, cli = vllm_rules(s.vllm_version), vllm_cli(s.vllm_version)
    fp16 = not float16_refused(spec.model_type, rules.version)
    own_dtype = cli.accepts("--nnodes")
    served = served_dtype(s, spec.torch_dtype, cluster.nodes[0].gpu.computes_bf16, fp16)
    seen = {r.compute_capability}
    errors: list[str] = []
    for index in range(1, _last_node(cluster, layout, r) + 1):
        node = cluster.nodes[index]
        if node.gpu.compute_capability in seen:
            continue
        seen.add(node.gpu.compute_capability)
        dtype = served_dtype(s, spec.torch_dtype, node.gpu.computes_bf16, fp16) \
            if own_dtype else served
        errors += [f"Node {index} ({node.hostname}, {node.gpu.name}): {error}"
                   for error in tuple(wheel_arch_errors(node.gpu, rules.version))
                   + _gpu_refusals(spec, s, rules, cli, node.gpu, dtype)
                   + tuple(triton_sm75_errors(node.gpu, spec, cli, dtype))
                   if error not in r.refusals]
    return errors


def _empty_stage_errors(stages: tuple[tuple[range, StageKv | None], ...], s: EngineSettings
                        ) -> list[str]:
    """vLLM's start-up failure when a pipeline stage holds no KV layer while others do.

    NOTE: vLLM get_kv_cache_configs (kv_cache_utils.py, 0.11.0-0.34.0 wheels) projects the
    whole model's KV groups on each worker; on a worker without KV layers every projected
    group is empty and get_kv_cache_config_from_groups fails: get_uniform_page_size's
    `assert len(page_sizes) == 1` (0.11), `assert group_size > 0, "group_size must be greater
    than 0"` (0.12-0.28), _get_kv_cache_bytes_per_block's `assert bytes_per_block > 0` or a
    division by its 0 (0.29-0.34). Nemotron-Super-49B at PP=8: layers 60-69 have no attention.
    In 0.9.1-0.10.x each worker sizes its own: that worker gets the attention-free config of
    one block (_get_kv_cache_config_attention_free) and unify_kv_cache_configs gives every
    worker the smallest block count, 1.
    """
    empty = [(k, rng) for k, (rng, stage) in enumerate(stages) if stage is None]
    if not empty or len(empty) == len(stages):
        return []
    minor = parse_version(s.vllm_version)[1]
    failure = ('AssertionError: group_size must be greater than 0' if 12 <= minor <= 28
               else "every worker gets 1 KV block" if minor < 11
               else "an AssertionError in vLLM's KV cache sizing")
    return [
        f"Pipeline stage {k} (layers {rng.start}-{rng.stop - 1}) holds no attention layer: "
        f"vLLM fails to size its KV cache at start-up ({failure}); choose another pipeline "
        "parallel size."
        for k, rng in empty
    ]


def _kv_shared_layers(spec: ModelSpec) -> tuple[tuple[int, int], ...]:
    """(layer, the layer whose KV cache it reads) of each KV-shared layer, in layer order:
    _kv_sharing_errors caches them per spec."""
    return tuple((layer.index, layer.kv_source) for layer in spec.layers
                 if layer.kv_source is not None)


def _kv_sharing_errors(spec: ModelSpec, stages: tuple[tuple[range, StageKv | None], ...]
                       ) -> list[str]:
    """vLLM's start-up failure when pipeline parallel puts a KV-shared layer (Gemma 4
    num_kv_shared_layers, LayerSpec.kv_source) on a later stage than the layer it reads.

    NOTE: vLLM Attention.__init__ (model_executor/layers/attention/attention.py, 0.19.0, 0.33.0
    and 0.34.0 wheels) calls validate_kv_sharing_target, which raises ValueError "Specified KV
    sharing target layer for ... is not valid: target layer ... is not a valid Attention layer
    in the model" when the target is not in this rank's static_forward_context, and a rank
    registers only its own stage's layers (make_layers: PPMissingLayer elsewhere).
    google/gemma-4-E2B-it at PP=2 (layers 0-17, 18-34): layers 18-34 read layers 13 and 14.
    """
    shared = _cached(spec, ("kv_shared",), _kv_shared_layers, spec)
    if not shared:  # (most models: no stage map per plan)
        return []
    stage_of = {i: k for k, (rng, _) in enumerate(stages) for i in rng}
    cut: dict[int, list[tuple[int, int]]] = {}
    for index, source in shared:
        if stage_of[source] != stage_of[index]:
            cut.setdefault(stage_of[index], []).append((index, source))
    # the shared layers are the model's last ones, so those of one stage are consecutive
    return [
        f"Pipeline stage {k} holds layers {pairs[0][0]}-{pairs[-1][0]}, which read the KV "
        f"cache of layers {', '.join(map(str, sorted({src for _, src in pairs})))} on an "
        "earlier stage (num_kv_shared_layers): vLLM refuses this at model load (ValueError: "
        "the KV sharing target is not a valid Attention layer on that rank); choose a "
        "pipeline parallel size that keeps them on the stage of the layers they read, or PP=1."
        for k, pairs in cut.items()
    ]


def _page_size_errors(stages: tuple[tuple[range, StageKv | None], ...], r: _Resolved,
                      s: EngineSettings) -> list[str]:
    """vLLM's start-up failure for KV layers of different page sizes before it unified them
    (vllm_versions.PAGE_UNIFY_FROM: get_kv_cache_config raises NotImplementedError)."""
    if r.kv_grouping[1] or not any(stage and stage.mixed_pages for _, stage in stages):
        return []
    return [f"vLLM {s.vllm_version} cannot size a KV cache whose layers have different "
            "page sizes (v1/core/kv_cache_utils.py raises NotImplementedError; vLLM 0.12.0 "
            "unifies them): use vLLM 0.12 or later."]


class _Binding(NamedTuple):
    """The worker with the fewest blocks, whose figures the plan reports."""

    pp_stage: int
    weights: int
    total: int
    budget: int
    activation: int
    non_torch: int
    graphs: int
    kv: int
    blocks: int
    runner_buffers: int = 0


def _kv_pool_oom_errors(st: _Setup, candidates: list[_Binding]) -> tuple[int, list[str]]:
    """The out-of-memory failure of a --kv-cache-memory-bytes pool that, with everything vLLM
    holds beside it, is more than a GPU holds, and the bytes it is over by (0: none).

    NOTE: vLLM gpu_worker.determine_available_memory (0.11.0-0.34.0 wheels) returns
    kv_cache_memory_bytes as given ("skipped memory profiling. This does not respect the
    gpu_memory_utilization config ... If OOM'ed, ..."), after profile_run all the same:
    nothing checks it against the GPU. The pool is then allocated beside the weights and the
    non-torch memory (CUDA context, NCCL), compile_or_warm_up_model runs its warm-up forwards
    (the same activation peak), captures the CUDA graphs into their pool and warms the sampler
    with the pool held, and serving runs full batches beside all of it: every term coexists
    with the pool, so the footprint is weights + pool + activation peak + non-torch + CUDA
    graphs + the runner's buffers, the plan's own terms (_overheads, counted whether or not
    vLLM subtracts them; the graphs 0 under --enforce-eager). vLLM's own advice says the same:
    without the flag it logs "--kv-cache-memory=" free memory - (weights + non-torch + peak
    activation + CUDA graph memory) - a 150 MiB margin "to fully utilize gpu memory"
    (compile_or_warm_up_model, kv_cache_memory_bytes_to_gpu_limit, 0.11.1 and 0.34.0
    wheels); the margin is not counted here. A pool over that fails with torch's CUDA out of
    memory while allocating the KV tensors, warming up or capturing."""
    kv = st.s.kv_cache_memory_bytes
    if not kv:
        return 0, []
    worst, worst_over, parts = candidates[0], None, ()
    for c in candidates:
        o = _overheads(st, c.pp_stage)
        held = (c.weights, o.activation, o.non_torch, o.graphs, o.runner_buffers)
        over = kv + sum(held) - c.total
        if worst_over is None or over > worst_over:
            worst, worst_over, parts = c, over, held
    if worst_over <= 0:
        return 0, []
    weights, act, nt, graphs, buffers = parts
    held_text = " + ".join(f"{_gib(n)} {name}" for name, n in (
        ("weights", weights), ("activation peak", act), ("non-torch", nt),
        ("CUDA graphs", graphs), ("runner buffers", buffers)) if n or name == "weights")
    room = worst.total - sum(parts)
    most = (f"at most {room:,} B ({_gib(room)}) fits" if room > 0 else
            "no pool fits beside them")
    return worst_over, [
        f"--kv-cache-memory-bytes {kv:,} ({_gib(kv)}) and what vLLM holds beside it "
        f"({held_text} per GPU) exceed the GPU's {_gib(worst.total)} by "
        f"{_gib(worst_over)}: vLLM skips memory profiling with this flag, allocates the "
        "pool as given and runs out of CUDA memory (allocating it, warming up or capturing "
        f"the CUDA graphs); {most}."]


class _Outcome(NamedTuple):
    """Capacity, ceiling, verdict: what both plan paths report beyond the binding worker."""

    per_request: int
    concurrency: float
    tokens: int
    ceiling: int
    model_limit: int
    errors: list[str]
    warnings: list[str]
    verdict: str
    shortfall: int  # bytes per GPU the memory checks are short by (0: none short)
    longest_shortfall: int  # ... and, before 0.29, a max_model_len request's usable blocks


class _RequestMiss(NamedTuple):
    """How one max_model_len request misses _fits' checks, and by how much."""

    shortfall: int  # bytes per GPU that make every check pass (_request_miss)
    blocks: int  # the most blocks a stage's request needs
    pp_stage: int  # the stage that needs them
    on_blocks: bool  # only the blocks miss: every stage's pool holds its request's bytes


def _request_miss(st: _Setup, pools: dict[int, int], num_blocks: int, held: int,
                  length: int) -> _RequestMiss:
    """The least bytes S per GPU with which one request of `length` tokens (max_model_len for
    vLLM's start-up check) passes _ceiling's own check (_fits), every pool grown by S (a higher
    utilization): on each stage with a pool,
    request bytes + `held` blocks <= pool + S (vLLM's null block from 0.29, _null_blocks),
    and, as every worker gets the fewest blocks of all (num_blocks = min over workers of
    pool // block), the most blocks a stage's request needs <= (pool + S) // block - held on
    each, i.e. S >= (most + held) x block - pool.
    A pool of none or less (weights and the rest fill the budget) is short by the request's
    bytes and held blocks on top of what it is under 0, as more memory must supply all of it."""
    f = st.facts
    per_stage = _stage_requests(st, length)
    stages = [(pp_stage, f.stages[pp_stage][1], pool) for pp_stage, pool in pools.items()]
    blocks, at = max((per_stage[pp_stage][0], pp_stage) for pp_stage, _, _ in stages)
    on_bytes = max(per_stage[pp_stage][1] + held * stage.bytes_per_block - pool
                   for pp_stage, stage, pool in stages)
    on_blocks = max((blocks + held) * stage.bytes_per_block - pool for _, stage, pool in stages)
    return _RequestMiss(max(on_bytes, on_blocks, 0), blocks, at,
                        on_bytes <= 0 and blocks > num_blocks - held)


def _stage_requests(st: _Setup, length: int) -> dict[int, tuple[int, int]]:
    """Per PP stage holding KV, the (blocks, bytes) one request of `length` needs there
    (blocks_per_request, request_bytes): the same for every weight format and worker, so
    cached per spec by what the stages read, as _full_request (a sweep asks it of every
    memory miss)."""
    f = st.facts
    key = ("stage requests", *_stage_layouts_key(st.layout, f.r, f.kv_b), f.window_mbt, length)
    return _cached(st.spec, key, _stage_request_needs, length, st.layout.tp, f.stages, f.kv_b,
                   f.window_mbt)


def _stage_request_needs(length: int, tp: int, stages: tuple[tuple[range, StageKv | None], ...],
                         kv_b: KvBytes, mbt: int) -> dict[int, tuple[int, int]]:
    """Work out what _stage_requests caches."""
    return {pp_stage: (blocks_per_request(stage, length, mbt),
                       request_bytes(stage, length, kv_b, tp, mbt))
            for pp_stage, (_, stage) in enumerate(stages) if stage is not None}


def _null_blocks(vllm_version: str) -> int:
    """The blocks vLLM's start-up check holds back from a worker's pool (the null block
    BlockPool keeps): 1 from KV_CHECK_NULL_BLOCK_FROM, 0 before.

    NOTE: v1/core/kv_cache_utils.py check_enough_kv_cache_memory (0.13.0: the layers' bytes
    summed) and get_kv_cache_configs' _check_enough_kv_cache_memory (0.20.0, 0.28.0: whole
    blocks, _max_memory_usage_bytes_from_groups) raise where the need > the worker's available
    memory; from 0.29.0 (kv_cache_utils.py; kv_cache_planning.py in 0.34.0) where it >
    available - _pool_bytes_per_block ("Reserve the null block BlockPool permanently holds
    back"). So a request of B blocks starts on a worker of N = pool // block blocks where
    B <= N before 0.29 and B <= N - 1 from it, full attention (one group: its blocks' bytes
    are its layers') and hybrid alike."""
    return 1 if parse_version(vllm_version) >= KV_CHECK_NULL_BLOCK_FROM else 0


class _ShortStage(NamedTuple):
    """The PP stage whose workers raise vLLM's start-up refusal, with their figures."""

    pp_stage: int
    need: int  # bytes one max_model_len request needs there
    available: int  # its smallest pool less the blocks the check holds back


def _first_short_stage(st: _Setup, bind: _Binding, pools: dict[int, int], held: int
                       ) -> _ShortStage:
    """The first PP stage (vLLM's workers check in rank order, stage by stage) whose
    max_model_len request needs more bytes than its pool less `held` blocks, or the binding
    worker's stage where none does (a miss in blocks: _short_of_blocks).

    NOTE: v1/core/kv_cache_utils.py get_kv_cache_configs (0.29.0) runs
    _check_enough_kv_cache_memory for each worker on its own projected groups
    (_project_kv_cache_groups_to_worker) and its own memory, so the message names that
    worker's need and memory, not the hungriest stage's need (Kimi-K2 at TP=8 x PP=2 on H100s:
    stage 1's 30 MLA layers need 4.22 GiB of its 3.98, where stage 0's 31 need 4.36 of 7.08)."""
    f = st.facts
    per_stage = _stage_requests(st, f.r.max_model_len)
    short = [_ShortStage(pp_stage, per_stage[pp_stage][1],
                         pools[pp_stage] - held * f.stages[pp_stage][1].bytes_per_block)
             for pp_stage in sorted(pools)]
    return next((s for s in short if s.need > s.available),
                next(s for s in short if s.pp_stage == bind.pp_stage))


def _short_stage_estimate(st: _Setup, pools: dict[int, int], short: _ShortStage, ceiling: int,
                          num_blocks: int, held: int) -> int:
    """vLLM's "estimated maximum model length" in its refusal: the refusing worker's own
    (estimate_max_model_len on its groups and memory, get_kv_cache_configs), which is the
    plan's `ceiling` (held back: 1) where that worker holds the only pool; 0 without blocks."""
    if not num_blocks:
        return 0
    if held and len(pools) == 1:
        return ceiling
    f = st.facts
    pool = pools[short.pp_stage]
    return _ceiling(f, {short.pp_stage: pool}, st.layout.tp, f.window_mbt,
                    _pool_blocks(pool, f.stages[short.pp_stage][1]), held)


def _null_block(st: _Setup, bind: _Binding) -> int:
    """The bytes vLLM holds back from the binding worker's pool before its "No available
    memory for the cache blocks" check (available <= 0): _null_blocks of its block, none
    without KV layers."""
    stage = st.facts.stages[bind.pp_stage][1]
    return _null_blocks(st.s.vllm_version) * stage.bytes_per_block if stage else 0


def _short_of_blocks(st: _Setup, bind: _Binding, miss: _RequestMiss, estimate: str, hint: str
                     ) -> str:
    """The refusal of a max_model_len request whose bytes fit every pool but whose blocks do
    not fit the fewest any worker gets (a hybrid model's stage: its groups in pages unified to
    one size), with the blocks as the cause and, in vLLM's words, their bytes.

    NOTE: v1/core/kv_cache_planning.py (0.34.0) _check_enough_kv_cache_memory compares a
    worker's need in whole blocks (_max_memory_usage_bytes_from_groups: its bytes per block x
    the blocks of every group) with its pool less one block (the null block;
    KV_CHECK_NULL_BLOCK_FROM), so vLLM words this miss as bytes: "(X GiB KV cache is needed,
    which is larger than the available KV cache memory (Y GiB)"; before
    KV_CHECK_IN_BLOCKS_FROM it sums the layers' bytes, which fit."""
    f, version = st.facts, parse_version(st.s.vllm_version)
    stage, bpb = f.stages[miss.pp_stage][1], f.stages[bind.pp_stage][1].bytes_per_block
    request = _stage_requests(st, f.r.max_model_len)[miss.pp_stage][1]
    groups = (f"the whole model's {stage.num_groups} groups, as every stage does," if
              f.r.kv_grouping[2] else "its layers' groups")
    held = _null_blocks(st.s.vllm_version)
    usable = (f"the {bind.blocks - held:,} every worker gets less the null block" if held else
              f"the {bind.blocks:,} every worker gets")
    head = (f"To serve at least one request with the model's max seq len ({f.r.max_model_len}), "
            f"PP stage {miss.pp_stage} needs {miss.blocks:,} KV blocks ({groups} in "
            f"pages of one size), more than {usable} (the fewest "
            f"of any: {_gib(bind.kv)} // {bpb:,} B = {bind.blocks:,} on PP stage "
            f"{bind.pp_stage}); its request's {_gib(request)} fit its pool, its whole blocks "
            f"do not.{estimate} ")
    if version < KV_CHECK_IN_BLOCKS_FROM:
        return head + (f"vLLM {st.s.vllm_version} checks the layers' bytes at start-up, which "
                       "fit, so it starts without this refusal. " + hint)
    return head + (f"vLLM says it in bytes of whole blocks ({miss.blocks:,} x {bpb:,} B against "
                   f"the pool{' less one block' if held else ''}): "
                   f"({_gib(miss.blocks * bpb)} KV cache is needed, which is larger than the "
                   f"available KV cache memory ({_gib(bind.kv - held * bpb)}). " + hint)


def _longest_request_miss(st: _Setup, pools: dict[int, int], num_blocks: int) -> _RequestMiss:
    """How a request that grows to max_model_len misses the blocks it can use on every
    release: vLLM's scheduler computes at most max_model_len - 1 tokens (the last sampled one
    is never fed back: v1/core/sched/scheduler.py, max_model_len - num_computed_tokens - 1 in
    0.28.0), whose KV must fit the N - 1 blocks BlockPool leaves free beside its null block
    (block_pool.py, 0.13.0-0.28.0: `self.null_block = self.free_block_queue.popleft()`)."""
    return _request_miss(st, pools, num_blocks, 1, st.facts.r.max_model_len - 1)


def _unusable_last_block(st: _Setup, bind: _Binding, miss: _RequestMiss, ceiling: int) -> str:
    """Why a max_model_len request that passes a pre-0.29 start-up check never completes
    (`miss`: _longest_request_miss): the check let a request of N blocks through
    (_null_blocks), the BlockPool leaves N - 1 free, and the prompt is checked only against
    max_model_len (v1/engine/input_processor.py). Where the request outgrows the `ceiling`
    (N - 1 blocks) allocate_slots returns None and the scheduler preempts the newest running
    request until it has preempted this one (first come first served; v1/core/sched/
    scheduler.py, 0.11.0, 0.19.0, 0.28.0); it is then never admitted again: from
    FULL_SEQUENCE_ADMISSION_FROM all its tokens must fit the free blocks, and before it, with
    prefix caching, its cached blocks count as blocks to allocate. As the waiting queue's head
    it `break`s the admission loop, holding back every request queued behind it until it is
    aborted; without prefix caching before 0.19 it is recomputed and preempted in a loop."""
    length, version = st.facts.r.max_model_len, st.s.vllm_version
    stage = f" on PP stage {miss.pp_stage}" if st.layout.pp > 1 else ""
    shorter = (f"One request can reach {ceiling:,} tokens; --max-model-len {ceiling} or "
               if ceiling else "No request gets a KV block; ")
    held_back = ("so it waits at the head of the queue for good, holding back every request "
                 "queued behind it until it is aborted")
    readmit = (f"admits a waiting request only where all its tokens fit the free blocks "
               f"(scheduler_reserve_full_isl, on by default), {held_back}."
               if parse_version(version) >= FULL_SEQUENCE_ADMISSION_FROM else
               f"with prefix caching (on by default) counts its cached blocks as blocks to "
               f"allocate when it is readmitted, {held_back}; without prefix caching it is "
               "recomputed and preempted again, over and over.")
    return (f"vLLM {version} starts this plan (its start-up check compares one "
            f"request with the whole pool, all {counted(bind.blocks, 'block')} a worker gets), "
            "but its BlockPool takes one of them as the null block, so a request that grows to "
            f"{length:,} tokens needs {counted(miss.blocks, 'KV block')}{stage}, more than the "
            f"{bind.blocks - 1:,} left, and never completes: vLLM preempts it where it finds no "
            "free block (after the requests admitted after it: first come, first served), and "
            f"{readmit} {shorter}a pool {miss.shortfall:,} B larger serves every request "
            "(max_model_len_shortfall_bytes_per_gpu).")


def _outcome(
    st: _Setup, bind: _Binding, pools: dict[int, int], overweight: bool, errors: list[str]
) -> _Outcome:
    """Concurrency, tokens, ceiling and the verdict in vLLM's words, from the binding worker."""
    s, layout, f = st.s, st.layout, st.facts
    max_model_len = f.r.max_model_len
    num_blocks = bind.blocks
    per_request = f.request
    tokens, concurrency = _capacity(f, f.stages[bind.pp_stage][1], num_blocks)
    held = _null_blocks(s.vllm_version)
    # what one request can use: every release's BlockPool takes the null block
    # (_unusable_last_block); the start-up check holds it back only from 0.29 (_null_blocks),
    # so before it a max_model_len request the usable blocks miss may still start
    ceiling = _ceiling(f, pools, layout.tp, f.window_mbt, num_blocks, 1) \
        if num_blocks > 1 else 0
    starts = ceiling >= max_model_len or not held and _passes(
        f, pools, layout.tp, num_blocks, max_model_len)

    # a pool of none or less, or one short of a max_model_len request: short by what one
    # request needs (_request_miss); without KV layers vLLM checks no pool
    miss = _request_miss(st, pools, num_blocks, held, max_model_len) \
        if pools and not starts else None
    shortfall = miss.shortfall if miss else max(-bind.kv, 0)
    # before 0.29 a request that grows to max_model_len may need a block more than vLLM's
    # start-up check (_longest_request_miss)
    longest = _longest_request_miss(st, pools, num_blocks) \
        if pools and ceiling + 1 < max_model_len and not held else None
    if overweight:
        errors.append(
            f"The weights alone ({_gib(bind.weights)} per GPU) do not fit the budget "
            f"({_gib(bind.budget)} = {s.gpu_memory_utilization:g} x "
            f"{_gib(bind.total)}); vLLM runs out of memory while loading the model."
        )
    elif bind.kv <= _null_block(st, bind):
        errors.append(
            "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
            "when initializing the engine."
        )
    elif not starts:
        # vLLM's own estimate: its start-up check's ceiling, the usable one from 0.29
        short = _first_short_stage(st, bind, pools, held)
        checked = _short_stage_estimate(st, pools, short, ceiling, num_blocks, held)
        estimate = f" Based on the available memory, the estimated maximum model length is " \
            f"{checked}." if checked else ""
        hint = ("Try increasing `gpu_memory_utilization` when initializing the engine. "
                "Decreasing `max_model_len` also reduces what is needed."
                if parse_version(s.vllm_version) >= KV_SHORTFALL_HINT_FROM else
                "Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
                "initializing the engine.")
        errors.append(
            _short_of_blocks(st, bind, miss, estimate, hint) if miss and miss.on_blocks else
            f"To serve at least one request with the model's max seq len ({max_model_len}), "
            f"({_gib(short.need)} KV cache is needed, which is larger than the available KV "
            f"cache memory ({_gib(short.available)}).{estimate} {hint}"
        )
        if not held and len(pools) == 1 and checked > ceiling > 0:  # (_null_blocks)
            errors[-1] += (f" (Headroom: at {checked} the longest request would never complete, "
                           f"as BlockPool keeps one block as its null block; {ceiling} is the "
                           "longest that does.)")
    warnings = list(f.warnings)
    stalls = not errors and longest is not None  # (its last token's KV is never written)
    if stalls:
        warnings.append(_unusable_last_block(st, bind, longest, ceiling))
    if f.r.old_graphs:
        warnings.append(
            f"vLLM {s.vllm_version} does not subtract CUDA graph memory "
            f"(~{_gib(bind.graphs)} per GPU) from the KV budget; it is taken "
            "after the KV cache is allocated, from the memory left outside the utilization."
        )
    warnings += f.r.model_notes
    parts, gap = unmodelled_parts(st.spec, s, f.r.mbt, f.r.seqs, layout.pp)
    if gap:
        warnings.append(gap)
    buffer = _all2all_buffer(st, bind.pp_stage)
    parts = (*parts, *f.r.gap_parts,
             *([unsized_part(effective_backend(s.all2all_backend, vllm_rules(
                 s.vllm_version).version))] if buffer and not buffer[2] else []),
             *(_eplb_unmodelled(st.spec, s, vllm_rules(s.vllm_version).version)
               if s.enable_eplb and layout.ep and st.spec.is_moe else ()))
    limit = f.r.model_limit
    if not errors:
        head = STALLED_FIT if stalls else "Fits"
        fits = head if not parts else f"{head} (unmodelled: {', '.join(parts)})"
        reach = min(ceiling, limit)
        # vLLM refuses a request over max_model_len, whatever the pool could hold
        reach_text = counted(reach, "token") if reach <= max_model_len else (
            f"{counted(max_model_len, 'token')} (max_model_len; the KV cache holds one of "
            f"{reach:,} {LARGER_LEN_STEP})")
        replica = per_replica(layout.dp)
        verdict = (
            f"{fits}: {counted(num_blocks, 'block')} = {tokens:,} KV tokens{replica}, "
            f"{concurrency:,.2f} concurrent requests{replica} at "
            f"{counted(max_model_len, 'token')}; "
            f"one request can reach {reach_text}"
            + (f", the {counted(num_blocks, 'block')} less the null block vLLM "
               f"{s.vllm_version} takes."
               if stalls else ".")
        )
    else:
        verdict = NO_FIT + errors[0]  # the first check vLLM fails, in its order
    return _Outcome(per_request, concurrency, tokens, ceiling, limit, errors, warnings, verdict,
                    shortfall, max(shortfall, longest.shortfall) if longest else shortfall)


LARGER_LEN_STEP = "at a larger --max-model-len"
"""How the verdict names the setting a longer request needs, in the CLI's words (the app says
it its own way: ui.context.app_words)."""

NO_FIT = "Does not fit: "
"""How a verdict starts where the plan does not fit: then the first check vLLM fails, in its
words (the report lists the others, recommend tallies the start-up refusals)."""


UNMODELLED_FIT = "Fits (unmodelled: "
"""How a verdict starts where the plan fits on figures that leave parts out (unmodelled_parts):
no confident fit (the Plan page shows it as a warning, recommend names such rows)."""

STALLED_FIT = "Starts, but its longest request never completes"
"""How a verdict starts where vLLM starts the plan (`fits`) but a request that grows to
max_model_len never gets the blocks it needs (before 0.29: _unusable_last_block, whose warning
says what vLLM does with it): no confident fit; " (unmodelled: a, b)" follows where the figures
also leave parts out."""

CONFIDENT_FIT = "Fits: "
"""How a confident fit's verdict starts: neither unmodelled parts nor a stalled request."""


def verdict_stalled(verdict: str) -> bool:
    """Whether a verdict is STALLED_FIT's: vLLM starts the plan but its longest request never
    completes (the sweep ranks such rows after the other fits, auto_layout passes them over,
    recommend counts them short of memory, tables mark them stalls)."""
    return verdict.startswith(STALLED_FIT)


def verdict_unmodelled(verdict: str) -> str | None:
    """The parts a verdict's figures leave out ("a, b" of "Fits (unmodelled: a, b): ...", or of
    STALLED_FIT's " (unmodelled: a, b): "); None for a verdict without them (the Plan page's
    verdict, the sweep's and recommend's tables mark such plans)."""
    for head in (UNMODELLED_FIT, f"{STALLED_FIT} (unmodelled: "):
        if verdict.startswith(head):
            return verdict[len(head):].partition("): ")[0]
    return None


def unmodelled_ranks(ranked: Iterable[tuple[int, Any]],
                     by: Callable[[Any, str], Hashable] = lambda row, parts: parts,
                     ) -> dict[Hashable, list[int]]:
    """The ranks of the (rank, row) pairs whose row's verdict fits on figures leaving parts
    out (verdict_unmodelled), grouped by by(row, parts) (the parts unless given), groups in
    the order they first appear (text.ranks_by): such a row is no confident fit, as `plan`
    says of its verdict (the sweep tables' yes* rows, recommend's caveats). A stalled fit
    (STALLED_FIT) is left out: its fits cell says stalls, and the line naming those rows says
    its parts (report.stalled_meaning)."""
    return ranks_by(ranked, lambda row: None if verdict_stalled(row.verdict) or (
        parts := verdict_unmodelled(row.verdict)) is None else by(row, parts))


def unread_weights_part(spec: ModelSpec, scheme: quant.QuantScheme) -> tuple[str, ...]:
    """The verdict's unmodelled part where a quantized checkpoint's weights are planned as
    16-bit because Headroom reads no format from them (ModelSpec.unread_quant_method, or an
    AutoRound block: ModelSpec.inc_unplanned; the parser warns of it): where the release takes
    them, vLLM loads them in their own format, so the figures are no confident fit. () for a
    what-if format, which loads another checkpoint."""
    fmt = spec.inc_unplanned
    if scheme.what_if or not (spec.unread_quant_method or fmt):
        return ()
    if spec.unread_quant_method:
        return (f"{spec.unread_quant_method} weights planned as 16-bit",)
    bits = f" {fmt.bits}-bit" if fmt.bits else ""
    return (f"AutoRound {fmt.data_type}{bits} weights planned as 16-bit",)


def unmodelled_parts(spec: ModelSpec, s: EngineSettings, mbt: int, seqs: int, pp: int
                     ) -> tuple[tuple[str, ...], str | None]:
    """What a plan's figures leave out, as its verdict names them ("Fits (unmodelled: ...)":
    the spec's unmodelled parts and a vision encoder profile encoder_cover.encoder_gap finds
    unmodelled), and that gap's warning (None without one)."""
    gap = encoder_gap(spec, s, mbt, seqs, pp)
    return ((*spec.unmodelled, gap[0]), gap[1]) if gap else (spec.unmodelled, None)


def _full_request(spec: ModelSpec, r: _Resolved, layout: ParallelLayout,
                  stages: tuple[tuple[range, StageKv | None], ...], kv_b: KvBytes,
                  window_mbt: int) -> int:
    """The blocks one max_model_len request needs on its hungriest stage: the same for
    every weight format and worker, so cached per spec by all that the stages and the need
    read (the engine's stage layouts, the release's group padding among them; `window_mbt`:
    the batched tokens sliding needs count, window_batched_tokens)."""
    key = ("request", *_stage_layouts_key(layout, r, kv_b), window_mbt, r.max_model_len)
    return _cached(spec, key, _request_need, r, stages, window_mbt)


def _stage_layouts_key(layout: ParallelLayout, r: _Resolved, kv_b: KvBytes) -> tuple:
    """What ENGINE.stage_layouts reads besides the model (_layout_facts' call), as a cache key
    part: figures of the stages alone are shared by every weight format's plans."""
    return (ENGINE, layout.tp, layout.pp, r.block_size, kv_b, r.fa4_fp8_hd512, r.states,
            r.kv_grouping[0], r.kv_grouping[2])


def _request_need(r: _Resolved, stages: tuple[tuple[range, StageKv | None], ...], mbt: int
                  ) -> int:
    """Work out what _full_request caches."""
    return max(blocks_per_request(stage, r.max_model_len, mbt)
               for stage in _distinct_stages(stages))


def _cross_node_tp_warnings(layout: ParallelLayout, r: _Resolved) -> list[str]:
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


def _ray_order_warnings(cluster: ClusterSpec, layout: ParallelLayout, s: EngineSettings,
                        r: _Resolved) -> list[str]:
    """Where a release without --nnodes runs the layout on Ray and the nodes past node 0 it
    reaches hold different GPUs: Ray gives ranks to those nodes by how many workers each
    holds, then by IP address, not in the order given, so which stage runs on which GPU may
    differ from the plan's (ClusterSpec.rank_node's order).

    NOTE: RayDistributedExecutor._init_workers_ray sorts the workers with
    sort_by_driver_then_worker_ip: (not on the driver's node, workers on that node, IP)
    (executor/ray_distributed_executor.py, 0.10.2 wheel, which v1's executor subclasses; the
    same in 0.19.0 v1/executor/ray_executor.py); --nnodes (0.11.1) places node R's ranks on
    node R (launch.over_nodes)."""
    last = _last_node(cluster, layout, r)
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


_CLUSTER_GPUS: IdentityMemo[tuple[GpuSpec, ...]] = IdentityMemo(256)
"""_nvlink_gpus by cluster: every layout's warnings read it, and 512 nodes took a scan each."""


_CLUSTER_CAPABILITIES: IdentityMemo[tuple[str, ...]] = IdentityMemo(256)
"""_capabilities by cluster: _derive and _node_quant_errors read it (512 nodes, a scan each)."""


def _capabilities(cluster: ClusterSpec) -> tuple[str, ...]:
    """The compute capabilities of the cluster's nodes' GPUs, each once, sorted."""
    return tuple(sorted({node.gpu.compute_capability for node in cluster.nodes}))


def _nvlink_gpus(cluster: ClusterSpec) -> tuple[GpuSpec, ...]:
    """Each GPU model (by preset key) on the nodes whose GPUs talk over NVLink, once, in node
    order: the GPUs _bridge_warnings checks."""
    first: dict[str, GpuSpec] = {}
    for node in cluster.nodes:
        if node.intra_node_link == "nvlink":
            first.setdefault(node.gpu.key, node.gpu)
    return tuple(first.values())


def _bridge_warnings(cluster: ClusterSpec, tp: int) -> list[str]:
    """NVLink asked for over more GPUs than one bridge joins (bridged PCIe cards): the
    all-reduce between bridged groups crosses PCIe, which the nvlink link does not model."""
    out: list[str] = []
    if tp <= 2:  # a bridge joins two GPUs at least
        return out
    for gpu in _CLUSTER_GPUS.get(cluster, ("nvlink",), _nvlink_gpus, cluster):
        bridge = gpu.nvlink_bridge_gpus
        if bridge and tp > bridge:
            out.append(f"{gpu.name}: an NVLink bridge joins {bridge} GPUs ({gpu.interconnect}), "
                       f"and TP={tp} spans {tp}: between the bridged groups the all-reduce runs "
                       "over PCIe, which --link nvlink does not model (plan --link pcie for "
                       "that bound).")
    return out


def _layout_errors(st: _Setup) -> list[str]:
    spec, cluster, layout, scheme = st.spec, st.cluster, st.layout, st.facts.r.scheme
    version = st.s.vllm_version
    redundant = redundant_experts(spec, st.s, layout)
    return list(_cached(spec, ("layout", *st.layout_key, cluster.gpu_count,
                               node_starts(cluster), scheme.memo_key, version, redundant),
                        lambda: layout_errors(spec, cluster, layout, scheme, version,
                                              redundant)))


def plan(request: PlanRequest, *, nearest: bool = True) -> Plan:
    """Plan one model on one cluster with one layout and vLLM settings. `nearest=False`: no
    nearest_fit (nor its nearest_fit_change) for a plan that does not fit (fixes.nearest_fit
    plans up to a few hundred changes), for plans shown without it (the app's concurrency
    curve, compared models)."""
    st = _setup(request.model, request.cluster, request.layout, request.engine)
    spec, layout, s, f = st.spec, st.layout, st.s, st.facts
    r = f.r
    errors = _layout_errors(st)
    memo: dict[tuple[int, int, int], tuple[int, ...]] = {}
    ranks: list[RankMemory] = []
    weight_totals = rank_totals(f.weight_terms)
    for rank in range(min(layout.gpus, st.cluster.gpu_count)):
        pp_stage, tp_rank, node_index, gpu_index = _rank_position(layout, st.cluster, rank)
        node = st.cluster.nodes[node_index]
        total = node.gpu.memory_total_bytes
        used = node.memory_used_bytes[gpu_index] if node.memory_used_bytes else 0
        w = weight_totals[pp_stage * layout.tp + tp_rank]
        key = (pp_stage, w, total)
        if key not in memo:
            memo[key] = _memory(st, pp_stage, w, total)
        budget, act, nt, graphs, kv, blocks, buffers = memo[key]
        rng, stage = f.stages[pp_stage]
        ranks.append(RankMemory.model_construct(
            rank=rank, node=node_index, gpu_index=gpu_index, tp_rank=tp_rank, pp_stage=pp_stage,
            layers=(rng.start, rng.stop), total_bytes=total, used_by_others_bytes=used,
            budget_bytes=budget, weights_bytes=w, activation_bytes=act, non_torch_bytes=nt,
            cuda_graph_bytes=graphs, kv_cache_bytes=kv, free_bytes=max(0, total - budget - used),
            num_blocks=blocks, kv_bytes_per_token=stage.kv_bytes_per_token if stage else 0,
            runner_buffer_bytes=buffers,
        ))
    candidates = [_Binding(m.pp_stage, m.weights_bytes, m.total_bytes, m.budget_bytes,
                           m.activation_bytes, m.non_torch_bytes, m.cuda_graph_bytes,
                           m.kv_cache_bytes, m.num_blocks, m.runner_buffer_bytes) for m in ranks]
    index, out, fields = _conclude(st, candidates, errors)
    binding = ranks[index]
    params = _params(spec)
    warm = _warm_restart(st, binding)
    terms = _terms(st, binding, out, warm)
    kv_b = f.kv_b
    if nearest and not fields["fits"]:
        from planner.serving.fixes import nearest_fit  # fixes plans candidates: import here

        fix = nearest_fit(request, Plan.model_construct(**fields))
        if fix:
            fields.update(nearest_fit=fix.text, nearest_fit_change=fix.change,
                          longer_context_fit=fix.longer_context)
    return Plan.model_construct(
        **fields,
        model_runner=r.runner[0],
        model_runner_reason=r.runner[1],
        v2_warm_restart_available_kv_bytes=warm.kv_cache_bytes if warm else None,
        v2_warm_restart_kv_cache_tokens=warm.capacity[1] if warm and warm.capacity else None,
        v2_warm_restart_max_concurrency=warm.capacity[2] if warm and warm.capacity else None,
        engine=s,
        vllm_release=vllm_rules(s.vllm_version).label,
        gpu_name=r.gpu_name,
        gpus_label=gpus_label(st.cluster, layout.gpus),
        wsl2=r.wsl2,
        params_total=params.total,
        params_active=params.active,
        weights_bytes_total=sum(weight_totals[: layout.tp * layout.pp]),
        kv_bytes_per_token=_cached(spec, ("kv", kv_b), lambda: kv_bytes_per_token(spec, kv_b)),
        per_gpu=ranks,
        binding_rank=binding.rank,
        terms=terms,
    )


def _conclude(
    st: _Setup, candidates: list[_Binding], errors: list[str], every_node: bool = True
) -> tuple[int, _Outcome, dict[str, Any]]:
    """From the sized workers (in rank order): the binding one (fewest blocks, first on a tie),
    the outcome, and every PlanSummary field, shared by plan() and plan_summary() (but
    vllm_commands without `every_node`: _launch_fields)."""
    f = st.facts
    r = f.r
    busy, empty, pages = f.checks
    # a refusal other than memory: a layout's (not validated), start-up's, busy GPU's, empty
    # stage's or page size's (more memory does not make such a plan fit)
    refused = bool(errors or r.refusals or busy or empty or pages)
    over, oom = _kv_pool_oom_errors(st, candidates)
    if r.refusals or busy or empty or oom or pages:  # (most plans have none: no merging)
        errors[:0] = [e for e in r.refusals if e not in errors]
        for found in (busy, empty, oom, pages):
            errors += [e for e in found if e not in errors]
    # one pass (a plan has a few workers; a generator or key function per plan cost more):
    # the binding worker, the fewest blocks then the least KV (the first on a tie) of those
    # with a KV layer, each such stage's smallest pool, the heaviest weights, any overweight
    index, fewest, heaviest, overweight = 0, None, 0, False
    pools: dict[int, int] = {}
    for i, c in enumerate(candidates):
        heaviest = max(heaviest, c.weights)
        overweight = overweight or c.weights > c.budget
        if f.stages[c.pp_stage][1] is not None:
            pools[c.pp_stage] = min(pools.get(c.pp_stage, c.kv), c.kv)
            if fewest is None or (c.blocks, c.kv) < fewest:
                index, fewest = i, (c.blocks, c.kv)
    if fewest is None and len(candidates) > 1:  # no worker holds KV: the least KV binds
        index = min(range(len(candidates)), key=lambda i: (candidates[i].blocks, candidates[i].kv))
    bind = candidates[index]
    out = _outcome(st, bind, pools, overweight, errors)
    stage = f.stages[bind.pp_stage][1]
    fields = {
        "model_name": st.spec.name or st.spec.model_type,
        "layout": st.layout,
        "gpus_used": st.layout.gpus,
        "weights_bytes_per_gpu": heaviest,
        "kv_bytes_per_token_per_gpu": stage.kv_bytes_per_token if stage else 0,
        "activation_bytes_per_gpu": bind.activation,
        "non_torch_bytes_per_gpu": bind.non_torch,
        "cuda_graph_bytes_per_gpu": bind.graphs,
        "runner_buffer_bytes_per_gpu": bind.runner_buffers,
        "kv_cache_bytes_per_gpu": bind.kv,
        "num_gpu_blocks": bind.blocks,
        "block_size": stage.block_tokens if stage else r.block_size,
        "kv_cache_tokens": out.tokens,
        "max_concurrency": out.concurrency,
        "max_context_tokens": min(out.ceiling, out.model_limit),
        "kv_limited_context_tokens": out.ceiling,
        "max_model_len": r.max_model_len,
        "max_num_batched_tokens": r.mbt,
        "max_num_seqs": r.seqs,
        "fits": not out.errors,
        "memory_shortfall_bytes_per_gpu": None if refused else max(out.shortfall, over),
        "max_model_len_shortfall_bytes_per_gpu":
            None if refused else max(out.longest_shortfall, over),
        "verdict": out.verdict,
        "warnings": out.warnings,
        "errors": out.errors,
        **_launch_fields(st, not out.errors, every_node),
        "weight_format": r.scheme.key,
        "weight_format_label": r.scheme.label,
    }
    return index, out, fields


def _launch_fields(st: _Setup, fits: bool, every_node: bool = True) -> dict[str, Any]:
    """vllm_command, vllm_commands and launch_note: commands only for a plan that fits (a
    command vLLM's parser refuses is one of the plan's errors, and the verdict says it); over
    several nodes, one per node (launch.over_nodes). Without `every_node`, no vllm_commands of
    a plan that has commands: node 0's command alone is made (launch.over_nodes' `every_node`)."""
    head, note, refused = st.facts.r.launch
    if head is None and not refused:
        return {"vllm_command": None, "launch_note": note, "vllm_commands": []}
    if not fits:
        return {"vllm_command": None, "vllm_commands": [],
                "launch_note": "No launch command: the plan does not fit (see the verdict)."}
    layout = st.layout
    commands, nodes_note = over_nodes(
        with_layout(head, layout.tp, layout.pp, layout.dp, layout.ep),
        layout.tp * layout.pp * layout.dp, st.facts.r.gpus_per_node, layout.dp,
        vllm_cli(st.s.vllm_version), every_node=every_node)
    fields = {"vllm_command": commands[0] if commands else None,
              "launch_note": " ".join(filter(None, (note, nodes_note)))}
    return {**fields, "vllm_commands": list(commands)} if every_node else fields


def plan_summary(request: PlanRequest, *, validated: bool = False) -> PlanSummary:
    """The figures of plan(request) the sweep needs, for one worker per distinct PP stage.

    Workers of one stage differ only in their weights (EP splits experts unevenly: 60 over 8
    ranks -> 8 or 7 each) and, on mixed clusters, in their GPU's total; each distinct pair is
    sized once, on the first stage of each kind (_distinct_workers). `validated=True` skips
    layout_errors (the caller already filtered layouts).
    """
    return PlanSummary.model_construct(**summary_figures(
        request.model, request.cluster, request.layout, request.engine, validated=validated))


def summary_figures(
    model: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout, engine: EngineSettings,
    *, validated: bool = False, every_node: bool = True,
) -> dict[str, Any]:
    """plan_summary()'s fields as a plain dict, from the four parts of a request.

    The sweep builds its own row from them: one pydantic object per row instead of three
    (request, summary, row), a quarter of a sweep's time. Without `every_node`, no
    vllm_commands (one per node) where the plan has commands: its rows show vllm_command,
    node 0's (a sweep over 512 nodes made 730,790 commands to keep 7,012).
    """
    st = _setup(model, cluster, layout, engine)
    errors = [] if validated else _layout_errors(st)
    return _conclude(st, [_Binding(pp_stage, w, total, *_memory(st, pp_stage, w, total))
                          for pp_stage, w, total in st.facts.workers], errors, every_node)[2]


def held_request_blocks(request: PlanRequest, held_tokens: int) -> int:
    """Blocks one decoding request holding `held_tokens` needs on the plan's hungriest stage:
    the per-request rule the plan sizes max_model_len with (blocks_per_request), at the held
    length, its sliding groups counting the tokens a decoding request has in flight (one per
    step, times the batches async scheduling keeps in flight: window_batched_tokens at 1).

    NOTE: vLLM's scheduler allocates blocks as a request grows and frees the blocks that left
    a sliding window (single_type_kv_cache_manager.py SlidingWindowManager.
    remove_skipped_blocks), so a decoding request's sliding group holds cdiv(window - 1 +
    in-flight, block) + 1 blocks, not the window + max_num_batched_tokens that admitting a
    max_model_len request reserves. gpt-oss-20b (12 sliding layers of window 128 + 12 full,
    16-token blocks) at 0.33.0 holding 1,536 tokens: 96 full + cdiv(127 + 2, 16) + 1 = 10
    sliding = 106 blocks.
    """
    st = _setup(request.model, request.cluster, request.layout, request.engine)
    r = st.facts.r
    in_flight = window_batched_tokens(r.in_flight_window, r.runner[0], st.layout.pp, 1)
    # (cached by the stages' inputs: the same for every weight format)
    return _cached(st.spec, ("held blocks", *_stage_layouts_key(st.layout, r, st.facts.kv_b),
                             held_tokens, in_flight),
                   _held_blocks, st.facts.stages, held_tokens, in_flight)


def _held_blocks(stages: tuple[tuple[range, StageKv | None], ...], held_tokens: int,
                 in_flight: int) -> int:
    """Work out what held_request_blocks caches."""
    return max(blocks_per_request(stage, held_tokens, in_flight)
               for stage in _distinct_stages(stages))


def _distinct_stages(stages: tuple[tuple[range, StageKv | None], ...]) -> tuple[StageKv, ...]:
    """The stages' KV layouts, each object once (engine.stage_layouts gives alike stages one
    StageKv), without the stages that hold none: what a maximum over the stages reads."""
    return distinct_objects(stage for _, stage in stages if stage is not None)


def _rank_holdings(spec: ModelSpec, r: _Resolved, layout: ParallelLayout,
                   eplb: Version | None) -> tuple[int, ...]:
    """Per PP stage, the index of the kind of the weight objects its TP ranks hold in
    _rank_terms(..., eplb=`eplb`) (_distinct_workers' `holdings`): rank_weights' stage kinds
    (weights.stage_kinds: one kind's ranks hold the same objects), or each stage its own
    where _rank_terms copies every rank's terms to add EPLB's state."""
    if eplb is not None and first_moe(spec) is not None:
        return tuple(range(layout.pp))
    return stage_kinds(spec, r.scheme, _params(spec), layout.pp)[0]


def _distinct_workers(cluster: ClusterSpec, layout: ParallelLayout, r: _Resolved,
                      terms: tuple[WeightTerms, ...], holdings: tuple[int, ...],
                      stages: tuple[tuple[range, StageKv | None], ...], own_nodes: bool
                      ) -> tuple[tuple[int, int, int], ...]:
    """(PP stage, weight bytes, GPU total) of each distinct worker, stage by stage, of the
    first stage of each kind: the workers summary_figures sizes (_LayoutFacts.workers).

    A stage is another's kind where its TP ranks hold the same weight objects (rank_weights
    gives one object to the ranks of stages alike layer for layer with the same first / last
    duties: all that the overheads read of a stage, _overheads), the same StageKv object and
    the same GPU totals; `own_nodes`: the all-to-all buffer reads which nodes each stage's
    ranks are on (_all2all_buffer), so every stage is its own kind. Such a stage's workers
    size alike, pool for pool, so _conclude finds the same binding worker (the first of the
    fewest blocks), pools and ceiling from the first of each kind: a deep PP split (126 stages
    of Llama 3.1 405B) sizes a few workers, not one or more per stage."""
    gpus = min(layout.gpus, r.gpu_count)
    positions = min(gpus, layout.tp * layout.pp)  # (stage, TP rank) slots that have a GPU
    totals = r.gpu_totals
    workers: list[tuple[int, int, int]] = []
    if len(totals) == 1 and not own_nodes and positions == layout.tp * layout.pp:
        # every stage whole on GPUs of one size: a stage's kind is its ranks' weight objects
        # (`holdings`: _rank_holdings) and its StageKv object, each kind's first stage found
        # without a Python step per stage (first_places), its ranks' weights summed once each
        for pp_stage in first_places(zip(holdings, map(id, map(itemgetter(1), stages)),
                                         strict=True)):
            held = distinct_objects(terms[pp_stage * layout.tp:(pp_stage + 1) * layout.tp])
            workers += [(pp_stage, w, totals[0])
                        for w in dict.fromkeys(t.total_bytes for t in held)]
        return tuple(workers)
    weight_totals = rank_totals(terms)
    kinds: set[tuple] = set()
    held = tuple(map(id, terms))
    for pp_stage in range(cdiv(positions, layout.tp)):
        first, end = pp_stage * layout.tp, min(pp_stage * layout.tp + layout.tp, positions)
        stage_totals = totals if len(totals) == 1 else sorted({
            cluster.nodes[_rank_position(layout, cluster, rank)[2]].gpu.memory_total_bytes
            for rank in range(gpus) if _rank_position(layout, cluster, rank)[0] == pp_stage
        })
        kind = (held[first:end], id(stages[pp_stage][1]), tuple(stage_totals),
                pp_stage if own_nodes else None)
        if kind in kinds:
            continue
        kinds.add(kind)
        stage_weights = dict.fromkeys(weight_totals[first:end])
        workers += [(pp_stage, w, total) for total in stage_totals for w in stage_weights]
    return tuple(workers)


def _block_formula(stage: StageKv, kv_b: KvBytes, tp: int) -> str:
    """'32 layers per group x 65,536 B page (16 tokens) = ...'; turboquant's two page sizes
    in one group: '28 pages x 25,088 B + 4 pages x 65,536 B (16 tokens) = ...'."""
    if stage.uniform_type:
        pages = " + ".join(f"{n} pages x {kv.page_bytes(b, kv_b, tp):,} B" for (kv, n), b
                           in zip(stage.kinds, stage.kind_blocks, strict=True))
        return f"{pages} ({stage.block_tokens} tokens) = {stage.bytes_per_block:,} B"
    return (f"{stage.group_size} layers per group x {stage.page_bytes:,} B page "
            f"({stage.block_tokens} tokens) = {stage.bytes_per_block:,} B")


RUNNER_BUFFERS_NOTE = (
    "from vLLM 0.27.0 memory_profiling (utils/mem_utils.py) measures what the start-up "
    "consumed from free memory (total_consumed) where it added the weights' load to torch's "
    "peak and the non-torch growth before, so the tensors the model runner makes after the "
    "init snapshot outside the weights' load (its __init__ and, on Model Runner V2, the "
    "sampler load_model builds) come off the KV cache too: read from v1/worker/"
    "gpu_model_runner.py (V1) and v1/worker/gpu/ (V2), 0.27.0-0.34.0 "
    "(planner.serving.runner_buffers); the small index buffers, about 1 MiB at most, are "
    "left out")
"""The runner_buffers term's note (vllm_versions.RUNNER_BUFFERS_COUNTED_FROM)."""


ACTIVATION_FIT_SOURCE = ("least-squares fit on vLLM v0.19 H100 start-ups with a cold "
                         "torch.compile cache (a warm cache can measure less and leave more "
                         "KV: README Known limits)")
"""Where the activation fit comes from, in the plan's activation term (engine.SAMPLER_COEF's
note: every calibration log read compiles cold)."""


def _binding_note(st: _Setup, bind: RankMemory) -> str:
    """On a cluster of several GPU totals, which rank (and GPU) the blocks are: each vLLM
    worker sizes its pool on its own GPU's total (gpu_worker.py determine_available_memory:
    requested_memory = ceil(total x gpu_memory_utilization), v1/worker/utils.py
    request_memory), and get_kv_cache_configs (v1/core/kv_cache_utils.py, 0.19.0;
    kv_cache_planning.py, 0.33.0 and 0.34.0) gives every rank the fewest blocks of all ranks, over
    every pipeline stage. '' on one total (nothing to choose between)."""
    if len(st.facts.r.gpu_totals) == 1:
        return ""
    gpu = st.cluster.nodes[bind.node].gpu
    return (f"rank {bind.rank} binds (node {bind.node}, {gpu.name}, stage {bind.pp_stage}): each "
            "rank's budget is its own GPU's total x gpu_memory_utilization, and vLLM gives "
            "every rank the fewest blocks of all ranks (get_kv_cache_configs)")


KV_POOL_GIVEN_FORMULA = ("0.00 GiB: --kv-cache-memory-bytes gives the KV pool, so vLLM skips "
                         "memory profiling and subtracts none")
"""The formula of the activation, non-torch and CUDA graph terms under --kv-cache-memory-bytes
(_memory counts them 0; _kv_pool_oom_errors checks the pool and them against the GPU)."""
KV_POOL_GIVEN_PART_NOTE = (
    "not subtracted: --kv-cache-memory-bytes gives the KV pool, so vLLM skips memory profiling "
    "and the term holding this one is 0 B; its profile run still allocates it "
    "(gpu_worker.determine_available_memory runs profile_run all the same)")
"""What the parts shown inside those terms (the MoE workspace and EPLB's profile rearrangement in
the activation peak, the all-to-all buffer in the non-torch term) say first under
--kv-cache-memory-bytes, before their own note ("Without it: ...", the source of their figure):
their figures stand, subtracted from nothing (0.11.1, 0.34.0 wheels)."""
INSIDE_SKIPPED_TERMS = ("moe_workspace", "eplb_profile", "all2all_buffers")
"""The terms shown as parts of the activation or non-torch term (_terms)."""


def _term(key: str, label: str, value: float, unit: str, formula: str, note: str = "",
          inputs: TermInputs | None = None) -> Term:
    return Term.model_construct(
        key=key, label=label, value=value, unit=unit, formula=formula,
        inputs=inputs_text(inputs), note=note
    )


class _WarmRestart(NamedTuple):
    """What Model Runner V2 sizes on the binding rank when it restarts with a warm
    torch.compile cache (planner.serving.runner_v2)."""

    activation: tuple[int, str]  # v2_warm_activation: its profile peak, with its formula
    graphs: int  # the CUDA graph estimate V2 subtracts (none before 0.29.0)
    kv_cache_bytes: int | None  # the pool left; None where --kv-cache-memory-bytes gives it
    # its (blocks, KV tokens, max concurrency), counted as the plan's own pool (_pool_blocks,
    # _capacity); None where the pool is
    capacity: tuple[int, int, float] | None


def _v2_warm_peak(st: _Setup, pp_stage: int) -> tuple[int, str] | None:
    """Model Runner V2's profile-run peak with a warm torch.compile cache on a worker of this
    stage (runner_v2.v2_warm_activation, plus the stage's MoE workspace, allocated in the dummy
    forward either way: planner.serving.moe_backend), with its formula; None off V2, where
    V2's peak is not read (runner_v2.v2_modelled) or the activation peak is given."""
    s, f = st.s, st.facts
    r = f.r
    if r.runner[0] != "v2" or s.activation_bytes is not None:
        return None
    # (cached by all it reads: every plan of a sweep asks it of each stage kind's workers)
    asked = (f.stages[pp_stage][0], pp_stage == st.layout.pp - 1, r.mbt, r.seqs,
             st.layout.tp, r.act_b, vllm_rules(s.vllm_version).v2_sampler_fp32)
    warm = _cached(st.spec, ("v2 warm", *asked), v2_warm_activation, st.spec, r.facts, *asked)
    workspace = _moe_workspace(st, pp_stage)[0]
    if warm is None or not workspace:
        return warm
    return (warm[0] + workspace,
            f"{warm[1]} + {workspace / GIB:.2f} GiB MoE workspace (the moe_workspace term)")


def _warm_restart(st: _Setup, bind: RankMemory) -> _WarmRestart | None:
    """V2's warm restart on the binding rank (`bind`): the planned pool with the V1 runner's
    activation and graph terms swapped for V2's; None where _v2_warm_peak is. The planned
    (cold) activation is never below V2's warm peak (_worker_overheads), so this pool is never
    the smaller."""
    s, f = st.s, st.facts
    r = f.r
    warm = _v2_warm_peak(st, bind.pp_stage)
    if warm is None:
        return None
    planned = bind.cuda_graph_bytes if r.subtract_graphs else 0
    graphs = planned if vllm_rules(s.vllm_version).v2_graph_estimate else 0
    if s.kv_cache_memory_bytes:
        return _WarmRestart(warm, graphs, None, None)
    kv = bind.kv_cache_bytes + bind.activation_bytes - warm[0] + planned - graphs
    stage = f.stages[bind.pp_stage][1]
    blocks = _pool_blocks(kv, stage)
    return _WarmRestart(warm, graphs, kv, (blocks, *_capacity(f, stage, blocks)))


def _terms(st: _Setup, bind: RankMemory, out: _Outcome, warm: _WarmRestart | None
           ) -> list[Term]:
    """Every figure of the binding rank (`bind`) with its formula and real numbers; on Model
    Runner V2 the activation and graph terms say what V2 subtracts (planner.serving.runner_v2)
    and the KV term what a warm restart sizes (`warm`: _warm_restart)."""
    s, layout, f = st.s, st.layout, st.facts
    r = f.r
    kv_b, stage = f.kv_b, f.stages[bind.pp_stage][1]
    num_blocks, max_model_len = bind.num_blocks, r.max_model_len
    per_request, concurrency, tokens = out.per_request, out.concurrency, out.tokens
    ceiling, model_limit, sampler = out.ceiling, out.model_limit, r.sampler
    tokens_formula = _tokens_formula(r, stage, num_blocks, per_request, tokens)
    kinds = stage.kinds if stage else ()
    per_token = " + ".join(f"{n} layers x [{kv.formula(kv_b, layout.tp)}]" for kv, n in kinds)
    rules = vllm_rules(s.vllm_version)
    v2_note, v2_graphs = (v2_term_notes(warm.activation if warm else None,
                                        rules.v2_graph_estimate, rules.label)
                          if r.runner[0] == "v2" else ("", ""))
    graphs_note = _graphs_note(s, r, rules, v2_graphs)
    first_capture = dsv4_first_capture_bytes(r.facts.dsv4, r.graphs[0])
    encoder_note = _encoder_note(st)
    workspace = _moe_workspace(st, bind.pp_stage)
    buffer = _all2all_buffer(st, bind.pp_stage)
    forward, act_formula = activation_bytes(
        r.facts, f.stages[bind.pp_stage][0], bind.pp_stage == layout.pp - 1, r.mbt, r.seqs,
        layout.tp, r.act_b, max_model_len, layout.expert_tp, r.compute_capability, *sampler,
        not s.skip_mm_profiling and s.activation_bytes is None, r.encoder_every_stage,
        r.encoder_rules, workspace[0] if s.activation_bytes is None else 0,
    )
    eplb = _eplb_profile(st, bind.pp_stage)
    act_formula = _activation_formula(forward, act_formula, eplb, warm)
    buffers = _runner_buffers(st, bind.pp_stage) if not s.kv_cache_memory_bytes else ()
    buffers_text = f" - {_gib(bind.runner_buffer_bytes)} runner buffers" if buffers else ""
    kv_formula = _kv_formula(s, r, bind, buffers_text)
    kv_note = _warm_kv_note(bind, warm, stage, buffers_text, max_model_len)
    terms = [
        _term("budget", "Budget (total x utilization)", bind.budget_bytes, "B",
              f"ceil({_gib(bind.total_bytes)} x {s.gpu_memory_utilization:g}) = "
              f"{_gib(bind.budget_bytes)}", "; ".join(filter(None, (
                  "gpu_memory_utilization is a fraction of TOTAL memory",
                  memory_total_note(st.cluster.nodes[bind.node].gpu)))),
              {"total_bytes": bind.total_bytes,
               "gpu_memory_utilization": s.gpu_memory_utilization}),
        _term("weights", "Weights on the binding GPU", bind.weights_bytes, "B",
              _weights_formula(st, bind), _tower_tp_note(st, bind), _weights_inputs(st, bind)),
        _activation_term(st, bind, act_formula, v2_note + encoder_note,
                         _activation_inputs(st, bind, forward, eplb, warm)),
        _non_torch_term(st, bind, buffer),
        *([_term("runner_buffers", "Model runner buffers", bind.runner_buffer_bytes, "B",
                 runner_buffers_formula(buffers, r.runner[0], rules.label), RUNNER_BUFFERS_NOTE,
                 {"runner": r.runner[0], "max_num_seqs": r.seqs, "vocab_size": r.facts.vocab_size,
                  "max_num_batched_tokens": r.mbt, "hidden_size": r.facts.hidden_size,
                  **_parts_inputs(buffers)})]
          if buffers else []),
        _graphs_term(s, r, bind, first_capture, graphs_note),
        _term("kv_cache", "KV cache pool per GPU", bind.kv_cache_bytes, "B", kv_formula,
              kv_note, _kv_inputs(s, r, bind, warm)),
        _term("kv_bytes_per_token_per_gpu", "KV bytes per token per GPU", bind.kv_bytes_per_token,
              "B", f"{per_token} = {bind.kv_bytes_per_token:,} B",
              "; ".join(filter(None, (checkpoint_kv_note(st.spec, s, rules),
                                      _kv_heads_note(kinds, layout.tp)))),
              _per_token_inputs(kinds, kv_b, layout.tp)),
        _term("bytes_per_block", "Bytes per block", stage.bytes_per_block if stage else 0, "B",
              _block_formula(stage, kv_b, layout.tp) if stage else "-",
              _block_source(s, r, stage, rules), _block_inputs(stage, kv_b, layout.tp)),
        _term("num_blocks", "KV blocks (smallest rank)", num_blocks, "blocks",
              (f"{_gib(bind.kv_cache_bytes)} // {stage.bytes_per_block:,} B = {num_blocks:,}"
               if bind.kv_cache_bytes >= 0 else f"max(0, {_gib(bind.kv_cache_bytes)} // "
               f"{stage.bytes_per_block:,} B) = 0: nothing is left for the KV cache")
              if stage else "-", _binding_note(st, bind),
              {"kv_cache_bytes": bind.kv_cache_bytes,
               "bytes_per_block": stage.bytes_per_block if stage else 0}),
        _term("kv_cache_tokens", "KV cache tokens", tokens, "tokens", tokens_formula,
              inputs={"kv_blocks": num_blocks, **(
                  {"blocks_per_request": per_request, "max_model_len_tokens": max_model_len}
                  if r.tokens_from_concurrency else
                  {"kv_groups": stage.num_groups if stage else 0,
                   "block_size_tokens": stage.block_tokens if stage else 0})}),
        _term("max_concurrency", "Max concurrency at max_model_len", concurrency, "requests",
              f"{num_blocks:,} blocks / {counted(per_request, 'block')} per "
              f"{max_model_len:,}-token request = {concurrency:,.2f}",
              inputs={"kv_blocks": num_blocks, "blocks_per_request": per_request,
                      "max_model_len_tokens": max_model_len}),
        _context_term(bind, ceiling, model_limit),
    ]
    _insert_inside_terms(terms, s, rules, buffer, eplb, workspace, r.mbt)
    if s.kv_cache_memory_bytes:  # _memory: none of these is subtracted
        terms = _pool_given_terms(terms, s.kv_cache_memory_bytes)
    return terms


def _tokens_formula(r: _Resolved, stage: StageKv | None, num_blocks: int, per_request: int,
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


def _graphs_note(s: EngineSettings, r: _Resolved, rules: VllmRules, v2_graphs: str) -> str:
    """The cuda_graphs term's note: whether the release subtracts the graphs, with V2's
    (`v2_graphs`: v2_term_notes), Triton MLA's piecewise graphs and DeepSeek-V4's capture."""
    graphs_note = (
        "subtracted" if r.subtract_graphs
        else "none: --enforce-eager captures no CUDA graphs" if s.enforce_eager
        else f"reported, not subtracted (vLLM < {version_label(GRAPHS_SUBTRACTED_FROM)})")
    if not s.enforce_eager:
        graphs_note += v2_graphs
        if r.mla_piecewise:
            graphs_note += "; " + TRITON_MLA_PIECEWISE_NOTE.format(v=rules.label)
    if r.facts.dsv4 is not None and s.cuda_graph_bytes is None and not s.enforce_eager:
        graphs_note += "; " + dsv4_graphs_note()
    return graphs_note


def _encoder_note(st: _Setup) -> str:
    """The activation term's note on the vision encoder: inside the figure where a measured
    start-up profile covers it, else not modelled where the batch shape needs one; "" where
    neither."""
    s, r = st.s, st.facts.r
    cover, gap = measured(st.spec), encoder_gap(st.spec, s, r.mbt, r.seqs, st.layout.pp)
    return (
        f"; vision encoder: the {cover.name} encoder's start-up profile is inside this "
        f"figure, not a term of its own: {cover.runs}"
        + ("; this plan's batch shape is outside theirs (see the warnings)" if gap else "")
        if cover and profiled(s) else
        "; vision encoder: its start-up profile is not modelled (see the warnings)" if gap
        else "")


def _activation_formula(forward: int, act_formula: str, eplb: tuple[int, str, TermInputs],
                        warm: _WarmRestart | None) -> str:
    """The activation term's formula: the forward's (`forward`, `act_formula`), taken as the
    max with EPLB's profile rearrangement (`eplb`) and V2's warm peak where they are larger."""
    if eplb[0]:
        act_formula = (f"max(forward {_gib(forward)}, EPLB profile rearrangement "
                       f"{_gib(eplb[0])}: the eplb_profile term) = "
                       f"{_gib(max(forward, eplb[0]))}; forward: {act_formula}")
    if warm and warm.activation[0] > max(forward, eplb[0]):  # _worker_overheads' floor
        act_formula = (f"max(V1 runner {_gib(max(forward, eplb[0]))}, Model Runner V2's warm "
                       f"peak {_gib(warm.activation[0])}) = {_gib(warm.activation[0])}: a "
                       "first start-up runs the same dummy forward in the same measured window "
                       f"and compiles there too; V1 runner: {act_formula}")
    return act_formula


def _kv_formula(s: EngineSettings, r: _Resolved, bind: RankMemory, buffers_text: str) -> str:
    """The kv_cache term's formula: the budget less every other term, or the given
    --kv-cache-memory-bytes."""
    kv_formula = (
        f"{_gib(bind.budget_bytes)} - {_gib(bind.weights_bytes)} weights - "
        f"{_gib(bind.activation_bytes)} activation - {_gib(bind.non_torch_bytes)} non-torch"
        + buffers_text
        + (f" - {_gib(bind.cuda_graph_bytes)} CUDA graphs" if r.subtract_graphs else "")
        + f" = {_gib(bind.kv_cache_bytes)}"
    )
    if s.kv_cache_memory_bytes:
        kv_formula = f"--kv-cache-memory-bytes {s.kv_cache_memory_bytes:,} B (profiling skipped)"
    return kv_formula


def _warm_kv_note(bind: RankMemory, warm: _WarmRestart | None, stage: StageKv | None,
                  buffers_text: str, max_model_len: int) -> str:
    """The kv_cache term's note: the pool Model Runner V2 sizes on a warm restart (`warm`);
    "" where there is none."""
    kv_note = ""
    if warm and warm.capacity:  # (None where its pool is)
        # what V2 sizes on a restart that finds the compile cache (planner.serving.runner_v2),
        # and what it holds, counted as the num_blocks, tokens and concurrency terms count
        warm_blocks, warm_tokens, warm_concurrency = warm.capacity
        kv_note = (f"Model Runner V2 restarting with a warm torch.compile cache: "
                   f"{_gib(bind.budget_bytes)} - {_gib(bind.weights_bytes)} weights - "
                   f"{_gib(warm.activation[0])} activation - {_gib(bind.non_torch_bytes)} "
                   f"non-torch{buffers_text} - {_gib(warm.graphs)} CUDA graphs = "
                   f"{_gib(warm.kv_cache_bytes)} "
                   "(planner.serving.runner_v2); "
                   + (f"{_gib(warm.kv_cache_bytes)} // {stage.bytes_per_block:,} B = "
                      if stage else "")
                   + f"{warm_blocks:,} blocks: {warm_tokens:,} KV tokens, "
                   f"{warm_concurrency:,.2f} requests at {max_model_len:,} tokens; this plan "
                   "sizes a first (cold-compile) start-up")
    return kv_note


def _activation_term(st: _Setup, bind: RankMemory, act_formula: str, notes: str,
                     inputs: TermInputs) -> Term:
    """The activation term: the profile run's peak with its sources (`notes`: V2's and the
    vision encoder's after them), or the given figure."""
    s, layout, r = st.s, st.layout, st.facts.r
    sampler = r.sampler
    return (
        _term("activation", "Profile-run activation peak", bind.activation_bytes, "B", act_formula,
              ("DeepSeek-V4: the tensors vLLM 0.22 holds, from its source; unverified against "
               "a printed peak" if r.facts.dsv4 else
               f"forward: {ACTIVATION_FIT_SOURCE}; sampler: the logits "
               "and sort buffers vLLM < 0.17 holds, from its and PyTorch's source (see "
               "planner.serving.engine SORT_ROW_BYTES)" if sampler[0] and (
                   bind.pp_stage == layout.pp - 1) else
               f"{ACTIVATION_FIT_SOURCE} (see planner.serving.engine)")
              + notes, inputs)
        if s.activation_bytes is None else
        _term("activation", "Profile-run activation peak", bind.activation_bytes, "B",
              f"{_gib(bind.activation_bytes)} (given)", inputs=inputs))


def _activation_inputs(st: _Setup, bind: RankMemory, forward: int,
                       eplb: tuple[int, str, TermInputs],
                       warm: _WarmRestart | None) -> TermInputs:
    """The activation term's inputs: the fit's (engine.activation_inputs), with the MoE
    workspace, EPLB's rearrangement and V2's warm peak where the formula takes them; the
    given figure where --activation-bytes gives it."""
    s, layout, f = st.s, st.layout, st.facts
    if s.activation_bytes is not None:
        return {"activation_bytes": s.activation_bytes}
    r = f.r
    workspace = _moe_workspace(st, bind.pp_stage)[0]
    inputs: TermInputs = {"tp": layout.tp, **activation_inputs(
        r.facts, f.stages[bind.pp_stage][0], bind.pp_stage == layout.pp - 1, r.mbt, r.seqs,
        layout.tp, r.act_b, *r.sampler)}
    inputs |= {"moe_workspace_bytes": workspace} if workspace else {}
    inputs |= _encoder_inputs(st, bind)
    if eplb[0] or warm and warm.activation[0] > forward:
        inputs |= {"decoder_peak_bytes": forward, "eplb_profile_bytes": eplb[0]}
    if warm and warm.activation[0] > max(forward, eplb[0]):
        inputs["v2_warm_peak_bytes"] = warm.activation[0]
    return inputs


def _encoder_inputs(st: _Setup, bind: RankMemory) -> TermInputs:
    """The vision encoder's profile in the activation term's inputs (engine.profiled_encoder:
    its own peak, what stays held through the decoder's run, its dummy items); {} where the
    profile run has none."""
    s, layout, r = st.s, st.layout, st.facts.r
    enc = profiled_encoder(r.facts, st.facts.stages[bind.pp_stage][0], layout.tp, r.mbt,
                           r.seqs, r.max_model_len, r.act_b,
                           not s.skip_mm_profiling and s.activation_bytes is None,
                           r.encoder_every_stage, r.encoder_rules)
    if enc is None:
        return {}
    return {"vision_encoder_peak_bytes": enc.vit_peak, "encoder_held_bytes": enc.held,
            "encoder_dummy_items": enc.items, "encoder_patches": enc.patches,
            **({"encoder_video_frames": enc.frames} if enc.frames else {}),
            **({"encoder_padded_rows": enc.rows} if enc.rows else {})}


def _weights_inputs(st: _Setup, bind: RankMemory) -> TermInputs:
    """The weights term's inputs: where the binding rank sits and its parts' bytes."""
    parts = st.facts.weight_terms[bind.pp_stage * st.layout.tp + bind.tp_rank]
    return {"weight_format": st.facts.r.scheme.key, "tp": st.layout.tp,
            "tp_rank": bind.tp_rank, "pp_stage": bind.pp_stage, "first_layer": bind.layers[0],
            "last_layer": bind.layers[1] - 1,
            **{field: getattr(parts, field) for field in WEIGHT_PARTS if getattr(parts, field)}}


def _part_key(text: str) -> str:
    """A part's name as an input key: its words before the first number, in snake case
    ("output_bin_counts 256 x ..." -> "output_bin_counts", "CUDA context" -> "cuda_context")."""
    return re.sub(r"\W+", "_", re.split(r"\d", text, maxsplit=1)[0]).strip("_").lower()


def _parts_inputs(parts: Iterable[tuple[str, int]]) -> TermInputs:
    """Named parts (text, bytes) as inputs keyed '<part>_bytes'."""
    return {f"{_part_key(text)}_bytes": n for text, n in parts}


def _kv_inputs(s: EngineSettings, r: _Resolved, bind: RankMemory,
               warm: _WarmRestart | None) -> TermInputs:
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


def _block_source(s: EngineSettings, r: _Resolved, stage: StageKv | None,
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
            "(planner.serving.mla_block.mla_block_size, engine.stage_layouts)")


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


def _non_torch_term(st: _Setup, bind: RankMemory,
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
        " + ".join(f"{p.bytes / GIB:.2f} GiB {p.label}" for p in parts)
        + (f" + {buffer[0] / GIB:.2f} GiB --all2all-backend buffer (all2all_buffers)"
           if buffer and buffer[0] else "")
        + f" = {_gib(bind.non_torch_bytes)} at TP={layout.tp}, PP={layout.pp}"
        if s.non_torch_bytes is None else f"{_gib(bind.non_torch_bytes)} (given)",
        "; ".join(p.source for p in parts) if s.non_torch_bytes is None else "", inputs)


def _graphs_term(s: EngineSettings, r: _Resolved, bind: RankMemory, first_capture: int,
                 graphs_note: str) -> Term:
    """The cuda_graphs term: the graphs captured at the per-graph figure (with DeepSeek-V4's
    first capture), or the given figure."""
    return _term(
        "cuda_graphs", "CUDA graphs", bind.cuda_graph_bytes, "B",
        f"{GRAPH_BYTES_PER_GRAPH / _MiB:.1f} MiB x ({r.graphs[0]} piecewise + "
        f"{r.graphs[1]} full graphs)"
        + (f" + {first_capture / _MiB:.0f} MiB DeepSeek-V4 indexer dummy logits in the "
           "first piecewise warm-up" if first_capture else "")
        + f" = {_gib(bind.cuda_graph_bytes)}"
        if s.cuda_graph_bytes is None and not s.enforce_eager
        else f"{_gib(bind.cuda_graph_bytes)}",
        graphs_note + (GRAPH_SOURCE if s.cuda_graph_bytes is None and not s.enforce_eager
                       else ""), _graphs_inputs(s, r, first_capture))


GRAPH_SOURCE = ("; 8.4 MiB per graph: fitted (the median of the v0.19 H100 logs' CUDA graph "
                "estimate / their 102 graphs: engine.GRAPH_BYTES_PER_GRAPH); the graphs: one "
                "piecewise per capture size and, from 0.11, one full per size <= max_num_seqs "
                "(vLLM v1/cudagraph_dispatcher.py: engine.cuda_graph_count)")
"""The cuda_graphs term's note on its per-graph figure and its count."""


def _graphs_inputs(s: EngineSettings, r: _Resolved, first_capture: int) -> TermInputs:
    """The cuda_graphs term's inputs: the fitted per-graph figure and the graphs captured
    (engine.cuda_graph_count, from the capture sizes max_num_seqs and max_num_batched_tokens
    give), or the given figure."""
    if s.cuda_graph_bytes is not None:
        return {"cuda_graph_bytes": s.cuda_graph_bytes}
    if s.enforce_eager:
        return {"captured_graphs": 0}
    return {"fitted_bytes_per_graph": GRAPH_BYTES_PER_GRAPH, "piecewise_graphs": r.graphs[0],
            "full_graphs": r.graphs[1], "max_num_seqs": r.seqs, "max_num_batched_tokens": r.mbt,
            **({"first_capture_bytes": first_capture} if first_capture else {})}


def _context_term(bind: RankMemory, ceiling: int, model_limit: int) -> Term:
    """The max_context_tokens term: the KV-limited length or the model's, the smaller."""
    return _term("max_context_tokens", "Longest request that fits", min(ceiling, model_limit),
                 "tokens",
                 f"min(KV-limited {kv_room_text(ceiling)}: largest max_model_len whose "
                 f"per-layer need fits {_gib(bind.kv_cache_bytes)} minus one block; model "
                 f"limit {model_limit:,}: "
                 f"the derived max_model_len vLLM accepts) = {min(ceiling, model_limit):,} "
                 "tokens",
                 "the KV cache binds" if ceiling <= model_limit else
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
    """The terms under --kv-cache-memory-bytes (_memory: none of activation, non_torch and
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


def served_scheme(request: PlanRequest) -> quant.QuantScheme:
    """The weight format vLLM holds for this request (what plan() sizes the weights in)."""
    return _resolve(request.model, request.cluster, request.engine,
                    request.layout).scheme


def param_breakdown(spec: ModelSpec) -> ParamBreakdown:
    """The model's parameter breakdown, counted once per spec (shared with plan())."""
    return _params(spec)
