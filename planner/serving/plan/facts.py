"""The NamedTuples a plan carries: Resolved, LayoutFacts or Refused, Setup, RequestLines."""

from typing import NamedTuple

from planner.model import quant
from planner.model.attention.kvformat import KvBytes
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings, ModelFacts, StageKv, StateRules
from planner.serving.engines import Overheads
from planner.serving.hardware import ClusterSpec
from planner.serving.launch import Launch
from planner.serving.layout import ParallelLayout
from planner.serving.mm_processor import PanAndScanProfile
from planner.serving.vllm_versions import EncoderRules
from planner.serving.weights import WeightLoadRules, WeightTerms


class RequestLines(NamedTuple):
    """One request's bytes and blocks as lines in k = cdiv(L, block), from L >= linear_from."""

    bytes_slope: int
    bytes_intercept: int
    blocks_slope: int
    blocks_intercept: int
    linear_from: int


class LayoutFacts(NamedTuple):
    """What every plan of one layout under one Resolved reads besides its workers' sizes,
    fetched in one lookup rather than one per fact (setup)."""

    r: "Resolved"  # held, so that the id _LAYOUT_FACTS keys on stays this object's
    weight_terms: tuple[WeightTerms, ...]  # each (stage, TP rank) position's, by part
    load: WeightLoadRules  # the load rules they are sized by on this layout (moe.layout_load)
    stages: tuple[tuple[range, StageKv | None], ...]
    kv_b: KvBytes  # the layout's KV layout (engine.sparse_mla_kv: 0.18 reads heads per rank)
    request: int  # blocks of one max_model_len request on its hungriest stage (full_request)
    window_mbt: int  # the batched tokens sliding needs count (window_batched_tokens)
    warnings: tuple[str, ...]  # the layout's warnings no worker changes (_layout_facts)
    overheads: dict[tuple[int, str], Overheads]  # each (PP stage, GPU capability)'s, once sized
    workers: tuple[tuple[int, int, int, str], ...]  # each kind of stage's distinct workers
    # the start-up failures no worker's sizes change, in the order _conclude adds them:
    # (busy_errors, kv_sharing_errors or else empty_stage_errors, page_size_errors)
    checks: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    lines: dict[int, RequestLines | None]  # each PP stage's, once kv_ceiling needs them


class Setup(NamedTuple):
    """Everything both plan paths derive from a request before looking at any GPU: the
    request and its layout's facts."""

    spec: ModelSpec
    cluster: ClusterSpec
    layout: ParallelLayout
    s: EngineSettings
    layout_key: tuple[int, int, int, bool]  # layout_key(layout), for the memo keys
    facts: LayoutFacts


class Capture(NamedTuple):
    """The CUDA graphs a worker on one GPU model captures (at its own node's capture sizes:
    plan.derive._capture), and why it decodes without full graphs: vLLM picks each worker's
    attention backend from its own GPU (platforms/cuda.py get_attn_backend_cls) and resolves
    its cudagraph mode from that backend's support in the worker (gpu_model_runner.py
    _check_and_update_cudagraph_mode, 0.19.0 and 0.30.0 wheels; v1/worker/gpu/model_runner.py
    resolve_cudagraph_mode_and_sizes, 0.30.0 and 0.34.0), so a stage on another GPU model
    captures its own."""

    graphs: tuple[int, int]  # (piecewise, full): engine.cuda_graph_count
    mla_piecewise: bool  # engine.triton_mla_piecewise: TRITON_MLA allows no full graphs
    flex_piecewise: bool  # startup.attention_backend.flex_decodes_piecewise: FLEX_ATTENTION, none
    spec_piecewise: str | None  # spec_graph_mode.spec_piecewise_backend: a draft, no full graphs
    # FlashInfer's workspace inside the CUDA graph estimate, in bytes
    # (flashinfer_workspace.flashinfer_workspace)
    flashinfer_workspace: int

    @property
    def full_decode(self) -> bool:
        """Whether its attention backend allows full decode graphs."""
        return not (self.mla_piecewise or self.flex_piecewise or self.spec_piecewise)


class Resolved(NamedTuple):
    """The layout-independent part of a setup: one per (model, cluster, settings, engine)."""

    gpu_name: str
    wsl2: bool
    max_model_len: int
    mbt: int
    seqs: int
    kv_plain: KvBytes  # the KV dtype's bytes; the layout's (LayoutFacts.kv_b) may be fp8_ds_mla
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
    # what a worker's CUDA graph estimate holds, by the compute capability of each of the
    # cluster's GPUs (Capture): worked out once per capability here, not once per worker and
    # term; node 0's is captures[compute_capability]
    captures: dict[str, Capture]
    fa4_fp8_hd512: bool
    comm_counted: bool  # before vllm_versions.COMM_BEFORE_SNAPSHOT_FROM
    sampler: tuple[bool, bool]  # vllm_versions: (sort_sampler, sampler_holds_forward)
    runner: tuple[str, str]  # vllm_versions.model_runner: ("v1" | "v2", why)
    vision_first_stage_only: bool  # vllm_versions.TOWER_FIRST_STAGE_ON_V2_FROM on V2
    load: WeightLoadRules  # weight_load.weight_load_rules on the sizing GPU
    siglip_head: bool  # vllm_versions.SIGLIP_HEAD_DROPPED_FROM: the pooling head still built
    tower_whole: bool  # vllm_versions.MOONVIT_SPLIT_FROM (Kimi-VL), or
    # --mm-encoder-tp-mode data (mm_modes.encoder_data_parallel): the tower unsplit on every rank
    tower_dropped: bool  # mm_modes.tower_dropped: served text-only, no tower built
    transformers_backend: bool  # weights.transformers_backend: its PP stage placement
    encoder_tp_data: bool  # vllm_versions.ENCODER_TP_DATA_TYPES: --mm-encoder-tp-mode data taken
    linear_ask: tuple  # (served dtype, release, sizing GPU): wna16_shapes.marlin_shape_findings
    encoder_every_stage: bool  # engine.activation_bytes: the V1 runner, tower on every stage
    encoder_rules: EncoderRules  # vllm_versions.runner_encoder_rules: the encoder profile's
    pan_and_scan: PanAndScanProfile | None  # mm_processor.pan_and_scan_profile: once a setup
    in_flight_window: bool  # vllm_versions.IN_FLIGHT_WINDOW_FROM
    kv_grouping: tuple[float, bool, bool]  # (group_pad_ratio, PAGE_UNIFY_FROM,
    # GLOBAL_KV_GROUPS_FROM) of the release
    expert_pad: tuple[int, int]
    gpu_notes: tuple[str, ...]  # fp4_weight_notes: worked out once, not per plan
    model_notes: tuple[str, ...]  # model_notes: likewise
    gap_parts: tuple[str, ...]  # remote_code_gap's / library_backend_gap's, unread_weights_part
    states: StateRules
    align_block_batched: bool  # derive._align_block_batched: vLLM asserts block <= mbt
    facts: ModelFacts
    model_limit: int  # the longest request vLLM admits: the derived max_model_len, or ...
    long_len: bool  # ... the longer one VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 lets it serve
    refusals: tuple[str, ...]
    ep_refusal: str | None  # mxfp4.mxfp4_ep_reason: vLLM stops at start-up with EP > 1
    tp_refusal: str | None  # wna16_kernels.gptq_tp_refusal: ... and with TP > 1
    launch: Launch
    # the 16-bit format vLLM loads the whole model in before it makes fp8 of it at load
    # (vllm_versions.FP8_AT_LOAD_ON_META_FROM; load_peak.load_peak_errors), else None
    whole_16bit: quant.QuantScheme | None
    gpu_count: int  # the cluster's (ClusterSpec.gpu_count), read by every plan
    gpu_totals: tuple[int, ...]  # the distinct GPU memory totals of its nodes
    budgets: dict[int, int]  # ENGINE.budget_bytes of each of those totals
    busy: bool  # some GPU of the cluster has memory in use by others (busy_errors)
    overhead_key: tuple = ()  # _overhead_key: what the overheads read of the settings


class Refused(NamedTuple):
    """A layout vLLM refuses under one Resolved (Marlin's tiles at this TP, the b12x MoE
    width), cached as LayoutFacts are so that each plan of it pays one lookup."""

    r: "Resolved"  # held, as LayoutFacts.r
    message: str
