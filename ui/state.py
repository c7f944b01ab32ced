"""The app's state: one typed record kept in st.session_state and mirrored in the URL.

Every choice that shapes a plan (hardware, model, quantization, layout, vLLM release, engine
knobs, the models compared) lives in `AppState`. Widgets are bound to its fields (`bind`), the
record is written to `st.query_params` at the top of every run (`sync_query_params`), and a link
read back on a session's first run (`init_state`) reproduces the plan. Secrets (the Hugging Face
token) and uploaded files are never part of it.
"""

import json
import re
import shlex
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Literal, get_args

import streamlit as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from planner.model.config.overrides import parse_hf_overrides
from planner.model.quant import UnknownSchemeError, resolve_scheme, scheme
from planner.serving.engine import checkpoint_name_problem
from planner.serving.eplb import redundant_count_problem
from planner.serving.hardware import (
    LinkKind,
    MigInstanceError,
    NoGpuPresetError,
    OtherMemorySizeError,
    gpu_preset,
    memory_total_of_gib,
    parse_network,
    pcie_slot_problem,
    preset_choice_note,
)
from planner.serving.lora.settings import (
    DEFAULT_MAX_LORA_RANK,
    LORA_DTYPES,
    MAX_LORA_RANKS,
    lora_dtype_refusal,
    rank_refusal,
)
from planner.serving.mm_processor import (
    ProcessorKwargs,
    parsed_processor_kwargs,
    processor_kwargs_text,
)
from planner.serving.moe_backend import normalize_moe_backend
from planner.serving.speed import ARRIVALS, Arrival
from planner.serving.startup.block_size import (
    MULTIPLE_OF_16,
    block_size_choices,
    block_size_errors,
)
from planner.serving.startup.wheel_arch import no_preset_text
from planner.serving.sweep import WHAT_IF_KEYS, Objective
from planner.serving.vllm_cli import supported_versions, vllm_cli
from planner.serving.vllm_versions import (
    DEFAULT_VLLM_VERSION,
    UncoveredRelease,
    listed_stand_in,
    vllm_rules,
)
from planner.text import shortened
from planner.units import VLLM_KV_DTYPE, KvCacheDtype, MambaCacheMode, MambaDtype
from probes.hub import HubError, check_repo_id

DEFAULT_MODEL = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
DEFAULT_GPU = "rtx-3090"
DEFAULT_COMPARE = (
    "Qwen/Qwen3-235B-A22B-GPTQ-Int4",
    "Qwen/Qwen3-30B-A3B",
    "meta-llama/Meta-Llama-3.1-70B",
)
"""The Compare page's models while its picker is untouched, after the Plan page's model
(AppState.compared_models)."""
DEFAULT_COMPARE_CONTEXT = 32768
"""The Compare page's context while its field is untouched and the Plan page's max_model_len
is empty (AppState.compared_context)."""
MAX_COMPARE = 6
CHECKPOINT_QUANT = "checkpoint"
"""`quant` value meaning: plan the checkpoint's own format (no what-if)."""
CHECKPOINT_OPTION = "Checkpoint: {label}"
"""The checkpoint's own weight format as the Plan page's Quantization field lists it."""
WHAT_IF_OPTION = "What-if: {label}"
"""A what-if weight format as the Plan page's Quantization field lists it."""

_BLANK_MODEL = "a model is a Hugging Face repo id such as Qwen/Qwen3-8B, not blank"
"""Why a blank model (AppState.model, or one of AppState.compare) is refused."""
_STATE_KEY = "app_state"
_MESSAGES_KEY = "app_state_messages"
_REFUSED_KEY = "app_state_refused"
_FIELD_REFUSED_KEY = "app_state_field_refused"
_TYPED_KEY = "app_state_typed"
_KEPT_KEY = "app_state_kept"


_KV_KEYS = {spelling: key for key, spelling in VLLM_KV_DTYPE.items()}
"""vLLM's --kv-cache-dtype spelling -> the planner's KV dtype key (AppState.kv_cache_dtype)."""


MM_COUNT_MAX = 1 << 31
"""The largest --limit-mm-per-prompt count a field takes: Headroom's bound, not vLLM's (its
config/multimodal.py BaseDummyOptions takes any count >= 0), far above vLLM's default of 999
items and within the whole numbers a browser's number field holds exactly."""
MM_LIMIT_FIELDS = {"image": "mm_limit_image", "video": "mm_limit_video",
                   "audio": "mm_limit_audio"}
"""Each modality the app offers a --limit-mm-per-prompt count for -> its state field, in the
order the launch command writes them."""
OMITTED_AT_DEFAULT = frozenset({"arrival", "wsl2", "model_runner", "mamba_cache_dtype",
                                "mamba_ssm_cache_dtype", "mamba_cache_mode",
                                "speculative_method", "prefix_caching",
                                "allow_long_max_model_len"})
"""State fields the link leaves out at their default (added after links were shared: a link
without them reads the same as before)."""
PREFIX_CACHING: dict[str, bool | None] = {"auto": None, "on": True, "off": False}
"""AppState.prefix_caching -> EngineSettings.enable_prefix_caching."""
SESSION_ONLY = frozenset({"trust_remote_code"})
"""State fields a link neither carries nor sets: --trust-remote-code lets vLLM run a
repository's Python code, so only a tick in this session puts it in a command, never a link
someone else sent."""


_NUMERIC = {int, float}


def _annotation_types(model: type[BaseModel], name: str | None) -> set[Any]:
    """The types a field's annotation names (int | None: {int, NoneType})."""
    annotation = model.model_fields[name].annotation if name else None
    return set(get_args(annotation)) | {annotation}


class AppState(BaseModel):
    """Every choice that shapes a plan; field aliases are the URL's query-parameter names."""

    model_config = ConfigDict(validate_assignment=True, populate_by_name=True, extra="ignore")

    hardware: Literal["audit", "preset", "snapshots"] = Field("preset", alias="hw")
    gpu: str = Field(DEFAULT_GPU, alias="gpu", min_length=1)
    gpus_per_node: int = Field(8, alias="gpn", ge=1, le=64)
    nodes: int = Field(1, alias="nodes", ge=1, le=64)
    gpu_memory_gib: float | None = Field(None, alias="gmem", gt=0, lt=1024,
                                          allow_inf_nan=False)
    """None: the preset's CUDA total; a number: the chosen GPU model with this memory per GPU
    (a custom card that names its model, like `--gpu-memory-gib X --gpu-name NAME`), under
    1024 GiB and at least a byte, as the CLI takes it (_gib_amount) and the hardware model
    plans it (hardware.build_cluster: 0 < bytes < 1 TiB)."""
    intra_node_link: Literal["auto"] | LinkKind = Field("auto", alias="link")
    """"auto": the GPU's own link (GpuSpec.default_intra_node_link); else any kind the CLI's
    --link takes (planner.serving.hardware.LinkKind)."""
    wsl2: bool = Field(False, alias="wsl2")
    """The preset GPUs run under Windows WSL2: planned on the preset's whole nvidia-smi total
    (planner.serving.hardware.with_wsl2), like the CLI's --wsl2; a memory given
    (gpu_memory_gib) wins. Left out of the link when off (OMITTED_AT_DEFAULT)."""
    pcie_generation: int | None = Field(None, alias="pcieg")
    """The PCIe generation the GPUs' slots run at, as the CLI's --pcie-gen; None: the card's."""
    pcie_lanes: int | None = Field(None, alias="lanes")
    """The PCIe lanes the GPUs' slots are wired for, as the CLI's --pcie-lanes; None: the
    card's (planner.serving.hardware.pcie_rate)."""
    network: str = Field("", alias="net", max_length=40)
    """The network between nodes, as the CLI's --network: NICs per node x Gb/s each ("8x400",
    "2x100"); empty: the GPU's DGX network (planner.serving.hardware.network_link)."""
    model: str = Field(DEFAULT_MODEL, alias="model", max_length=200)
    """A repo id; blank is refused (_named_model)."""
    revision: str = Field("", alias="rev", max_length=100)
    quant: str = Field(CHECKPOINT_QUANT, alias="quant", min_length=1)
    target_checkpoint: str = Field("", alias="ckpt", max_length=200)
    """A checkpoint that holds the what-if format, for the launch command (optional)."""
    vllm_version: str = Field(DEFAULT_VLLM_VERSION, alias="vllm")
    """The vLLM release whose rules every plan uses (batch defaults, CUDA graphs, KV dtypes,
    launch flags): one of planner.serving.vllm_versions.covered_releases(), like the CLI's
    --vllm-version."""
    kv_cache_dtype: KvCacheDtype = Field("auto", alias="kv")
    tp: int | None = Field(None, alias="tp", ge=1, le=1024)
    """None: the layout is chosen for the hardware (planner.serving.auto_layout), so nodes
    and GPUs per node move it; a number pins TP (and PP and DP, 1 when the link has none)."""
    pp: int | None = Field(None, alias="pp", ge=1, le=1024)
    dp: int | None = Field(None, alias="dp", ge=1, le=1024)
    """Data-parallel replicas; like pp, pinned together with tp (1 when the link has none)."""
    ep: bool = Field(True, alias="ep")
    """Expert parallelism wherever the model has routed experts over more than one GPU
    (ui.context.layout_for). On by default: at the seed's TP=8 it keeps Qwen3-235B's GPTQ
    experts whole, so vLLM keeps the Marlin MoE kernel (planner.serving.layout.layout_warnings);
    the speed model puts it behind TP=8 without EP at one request (every MoE layer waits for the
    busiest GPU's experts) and ahead from 7 requests at once (README, the seed scenario)."""
    gpu_memory_utilization: float | None = Field(None, alias="gmu", ge=0.05, le=1,
                                                 allow_inf_nan=False)
    """None (no `gmu` in the link): vLLM's default for the sidebar's release, as the CLI's
    unset --gpu-memory-utilization (EngineSettings fills it, 0.92 from 0.20, 0.9 before), so it
    follows the release; a number (the slider moved, or a link's `gmu`) is kept whatever the
    release. The Plan page's slider runs 0.05..1: a lower value from a link would crash it."""
    max_model_len: int | None = Field(None, alias="len", ge=1, le=1 << 24)
    """None (an empty field): the max_model_len vLLM derives for the sidebar's release
    (planner.serving.engine.default_max_model_len)."""
    allow_long_max_model_len: bool = Field(False, alias="longlen")
    """VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (the CLI's --allow-long-max-model-len;
    EngineSettings.allow_long_max_model_len): a max_model_len above the model's derived one is
    planned as vLLM serves it, with its warning, not refused. A box in the Plan page's "More
    vLLM options" and the Compare and Recommend pages' vLLM options (ui.settle.
    allow_long_input); left out of the link while off (OMITTED_AT_DEFAULT)."""
    max_num_seqs: int | None = Field(None, alias="seqs", ge=1, le=1 << 16)
    """None: vLLM's default for the GPU (planner.serving.engine.default_batch_limits)."""
    max_num_batched_tokens: int | None = Field(None, alias="mbt", ge=1, le=1 << 24)
    block_size: int | None = Field(None, alias="bs", ge=1, le=1 << 24)
    """vLLM --block-size, tokens per KV cache block; None: vLLM's choice (16, 64 from 0.34,
    or the MLA backend's: planner.serving.mla_block); the Plan page offers the release's
    (planner.serving.startup.block_size.block_size_choices)."""
    moe_backend: str | None = Field(None, alias="moe", max_length=64)
    """vLLM --moe-backend (0.17 on), as its parser reads it; None: vLLM's choice. The Plan page
    offers the sidebar's release's values for a MoE model and drops one that release refuses;
    kept while other models are looked at, planned for MoE models only
    (ui.context.current_engine), as vLLM reads it for MoE layers only."""
    all2all_backend: str | None = Field(None, alias="a2a", max_length=64)
    """vLLM --all2all-backend (0.11.1 on), as its parser takes it; None: vLLM's choice. The
    Plan page offers the sidebar's release's values for a MoE model and drops one that release
    refuses; kept while other models are looked at, planned for MoE models only
    (ui.context.current_engine), as moe_backend."""
    enable_eplb: bool = Field(False, alias="eplb")
    """vLLM --enable-eplb (0.9.2 on): offered on the Plan page for a MoE model where the
    sidebar's release has the flag; kept while other models are looked at, planned for MoE
    models only (ui.context.current_engine), as the CLI's --enable-eplb."""
    num_redundant_experts: int | None = Field(None, alias="redundant")
    """EPLB's redundant experts per MoE layer (the CLI's --num-redundant-experts), 0..1023 as
    vLLM takes them (_redundant_count); None: not passed (vLLM's default); planned only with
    enable_eplb."""
    enable_lora: bool = Field(False, alias="lora")
    """vLLM --enable-lora: offered on the Plan page where Headroom sizes the LoRA slots
    (planner.serving.lora.coverage.lora_refusal: the architectures of
    lora.coverage.LORA_ARCHITECTURES under the releases of lora.settings.LORA_READ), dropped in its
    words elsewhere; planned on every page (ui.context.lora_knobs), as the CLI's --enable-lora: a
    compared or searched model whose slots are not sized without it, warned
    (auto_layout.lora_where_sized)."""
    max_loras: int = Field(1, alias="loras", ge=1, le=1 << 16)
    """vLLM --max-loras (the CLI's bound); planned only with enable_lora."""
    max_lora_rank: int = Field(DEFAULT_MAX_LORA_RANK, alias="lorarank")
    """vLLM --max-lora-rank, one of MAX_LORA_RANKS (_lora_rank); planned only with
    enable_lora."""
    fully_sharded_loras: bool = Field(False, alias="fslora")
    """vLLM --fully-sharded-loras; planned only with enable_lora."""
    specialize_active_lora: bool = Field(False, alias="lorasp")
    """vLLM --specialize-active-lora (more CUDA graphs: lora.cuda_graphs.lora_capture_counts);
    planned only with enable_lora."""
    enable_tower_connector_lora: bool = Field(False, alias="loratower")
    """vLLM --enable-tower-connector-lora (the vision tower's and connector's slots:
    planner.serving.lora.tower); planned only with enable_lora."""
    lora_dtype: str = Field("auto", alias="loradtype")
    """vLLM --lora-dtype, one of LORA_DTYPES (_lora_dtype; auto: the model's dtype); planned
    only with enable_lora."""
    num_speculative_tokens: int = Field(0, alias="spec", ge=0, le=64)
    """MTP speculative decoding: draft tokens per step (0: off; 64: the CLI's bound); offered
    only for a model with MTP layers (planner.serving.plan.mtp_refusal), or with a drafter
    (speculative_model), whose draft tokens it then counts."""
    speculative_model: str = Field("", alias="drafter", max_length=200)
    """An EAGLE-3 drafter checkpoint's repo id (the CLI's --speculative-model), read through
    the hub as the Model page's model is (ui.context.current_draft); empty: none. With it
    num_speculative_tokens is the drafter's. Offered under the Plan page's More vLLM options
    and on the Compare and Recommend pages (ui.settle.drafter_inputs); one that cannot be read
    or that Headroom does not size is replaced by none, in the CLI's words (ui.settle)."""
    speculative_method: Literal["eagle3"] = Field("eagle3", alias="drafmethod")
    """The drafter's method (the CLI's --speculative-method): eagle3, the one planned; left out
    of the link at its default (OMITTED_AT_DEFAULT)."""
    spec_acceptance_length: float | None = Field(None, alias="accept", ge=1, le=65,
                                                  allow_inf_nan=False)
    """With draft tokens (num_speculative_tokens k, MTP or a drafter's), the mean acceptance
    length the speed figures decode at (the CLI's --spec-acceptance-length, its bounds 1 to 65;
    ServingLoad.spec_acceptance_length): vLLM's logged "Mean acceptance length"; None (an
    empty field): decode without the drafter. One outside 1 to k + 1 (k lowered after it was
    set, or a link's) is replaced by none in the planner's words (ui.settle,
    speed.acceptance_refusal)."""
    skip_mm_profiling: bool = Field(False, alias="skipmm")
    """vLLM --skip-mm-profiling: no profile run of the vision encoder (vision models only)."""
    language_model_only: bool = Field(False, alias="lmonly")
    """vLLM --language-model-only (0.17.0 on): served text-only, no vision tower built, no
    encoder profile (vision models only; planner.serving.mm_modes)."""
    mm_encoder_tp_mode: Literal["weights", "data"] = Field("weights", alias="mmtp")
    """vLLM --mm-encoder-tp-mode (0.10.2 on): data holds the whole vision tower on every GPU
    and profiles the encoder at TP 1 widths; offered only where that changes the plan
    (planner.serving.mm_modes.data_mode_inert)."""
    video_pruning_rate: float | None = Field(None, alias="vprune", ge=0, lt=1)
    """vLLM --video-pruning-rate (0.11.0 on): the fraction 0 <= R < 1 of each video's tokens
    pruned; None (an empty field): not passed. Offered on the Plan page for a model with a
    vision tower (planner.serving.video_pruning: above 0, Qwen3-VL's / Qwen3.5's rotary cache
    holds 4 rows a position from vLLM 0.32)."""
    mm_limit_image: int | None = Field(None, alias="mmimage", ge=0, le=MM_COUNT_MAX)
    """vLLM --limit-mm-per-prompt's image count (the CLI's flag); None: not given (vLLM's 999).
    Offered for a vision model whose class declares the modality (mm_modes.
    declared_modalities: ui.settle.mm_limit_inputs) on the Plan, Compare and Recommend pages;
    planned for the models with a vision tower (ui.context.tower_modes), in the order image,
    video, audio (MM_LIMIT_FIELDS)."""
    mm_limit_video: int | None = Field(None, alias="mmvideo", ge=0, le=MM_COUNT_MAX)
    """--limit-mm-per-prompt's video count; as mm_limit_image."""
    mm_limit_audio: int | None = Field(None, alias="mmaudio", ge=0, le=MM_COUNT_MAX)
    """--limit-mm-per-prompt's audio count (Gemma 4 with an audio tower); as mm_limit_image."""
    mm_processor_kwargs: str = Field("", alias="mmkw", max_length=200)
    """vLLM --mm-processor-kwargs as the CLI's flag takes it, JSON with the keys Headroom plans
    (planner.serving.mm_processor: Gemma 4 max_soft_tokens, Llama 4 max_patches, Gemma 3
    do_pan_and_scan), kept as the launch command writes it; empty: none. The Plan, Compare and
    Recommend pages offer each key for a model whose processor reads it (bind_processor_kwarg);
    planned for the models with a vision tower (ui.context.tower_modes)."""
    hf_overrides: str = Field("", alias="hfov", max_length=400)
    """vLLM --hf-overrides as the CLI's flag takes it (planner.model.config.overrides: JSON
    of rope_scaling / rope_parameters and max_position_embeddings), kept as the launch command
    writes it; empty: none. Applied to every model's config (ui.context.model_spec) and passed
    by every page's engine (ui.context.override_knobs), as the CLI's flag on plan, report
    --compare and recommend."""
    enforce_eager: bool = Field(False, alias="eager")
    """vLLM --enforce-eager (the CLI's --enforce-eager, every covered release's flag): no CUDA
    graphs, so none subtracted, and every step's per-layer overhead x the eager factor; for every
    model, on the Plan, Compare, Report and Recommend pages alike."""
    model_runner: Literal["auto", "v1", "v2"] = Field("auto", alias="runner")
    """vLLM's model runner (the CLI's --model-runner): auto, the release's pick, or V1 / V2,
    asked in the launch command (VLLM_USE_V2_MODEL_RUNNER); offered where the release runs
    it (planner.serving.runner_choice.runner_request_refusal), on the Plan, Compare and
    Recommend pages (ui.settle.runner_inputs), for every model; left out of the link at auto
    (OMITTED_AT_DEFAULT)."""
    mamba_cache_dtype: MambaDtype = Field("auto", alias="mambadt")
    """vLLM --mamba-cache-dtype (the CLI's flag): the conv state's dtype (and an auto SSM
    state's) of a model with Mamba or Gated DeltaNet layers; auto: the model dtype. Offered
    with the release's choices (vllm_versions.mamba_dtype_choices) for such a model only (the
    Plan page's, or one on the Compare or Recommend page: ui.settle.state_dtypes_offered),
    kept for the next one (ui.context.state_settings); left out of the link at auto
    (OMITTED_AT_DEFAULT)."""
    mamba_ssm_cache_dtype: MambaDtype = Field("auto", alias="mambassmdt")
    """vLLM --mamba-ssm-cache-dtype: the SSM / delta-rule state's dtype, over the config's and
    the release's default; auto: those, else the conv state's. As mamba_cache_dtype."""
    mamba_cache_mode: MambaCacheMode = Field("auto", alias="mambamode")
    """vLLM --mamba-cache-mode: how such a model's state is paged under prefix caching, as
    vLLM takes it (vllm_versions.mamba_cache_mode); auto: the flag left out. Offered on the
    Plan page for such a model only, with the release's choices (vllm_versions.
    mamba_mode_choices), kept for the next one (ui.context.state_settings); left out of the link
    at auto (OMITTED_AT_DEFAULT)."""
    mamba_block_size: int | None = Field(None, alias="mambablock", ge=1, le=1 << 31)
    """vLLM --mamba-block-size: the "all" mode's block multiple in place of the Mamba chunk;
    None: not passed (left out of the link). Offered as mamba_cache_mode, from vLLM 0.11.1; one
    vLLM refuses for the model (without prefix caching) is the plan's error, in its words."""
    prefix_caching: Literal["auto", "on", "off"] = Field("auto", alias="prefix")
    """vLLM --enable-prefix-caching / --no-enable-prefix-caching (the CLI's flags;
    EngineSettings.enable_prefix_caching, PREFIX_CACHING); auto: neither passed, the release's
    own (on for hybrids from 0.28). Offered on the Plan page for every model, on the Compare
    and Recommend pages where one of their models has Mamba or Gated DeltaNet layers
    (ui.settle.mamba_paging_inputs); left out of the link at auto (OMITTED_AT_DEFAULT)."""
    trust_remote_code: bool = Field(False, alias="trust")
    """vLLM --trust-remote-code in the launch command (the CLI's --trust-remote-code), for a
    model that needs it (ui.context.remote_code_runs): kept while other models are looked
    at, planned only for those; never in a link, nor set by one (SESSION_ONLY)."""
    compare: tuple[str, ...] | None = Field(None, alias="cmp", max_length=MAX_COMPARE)
    """The Compare page's models as its picker holds them; None (no `cmp` in the link): the
    Plan page's model and the default comparison (compared_models), so the page starts from
    the model just planned and follows it until the picker is changed."""
    compare_context: int | None = Field(None, alias="ctx", ge=1, le=1 << 24)
    """The Compare page's max_model_len as its field holds it; None (no `ctx` in the link):
    the Plan page's max_model_len where one is given, else DEFAULT_COMPARE_CONTEXT
    (compared_context)."""
    input_len: int = Field(1024, alias="in", ge=1, le=1 << 24)
    """Speed (planner.serving.speed.ServingLoad): prompt tokens per request."""
    output_len: int = Field(1024, alias="out", ge=1, le=1 << 24)
    concurrency: int = Field(1, alias="conc", ge=1, le=1 << 16)
    """Requests in flight; the speed model caps it at what the KV cache holds."""
    arrival: Arrival = Field(ARRIVALS[0], alias="arr")
    """How the requests arrive (ServingLoad.arrival): staggered, a burst all together, or
    steady; left out of the link when staggered (OMITTED_AT_DEFAULT)."""
    sweep_objective: Objective = Field("context", alias="obj")
    tpot_target_ms: float | None = Field(None, alias="tpot", ge=0.1, le=3.6e6,
                                          allow_inf_nan=False)
    """The sweep's TPOT target for the throughput objective; None: no target."""

    def compared_models(self) -> tuple[str, ...]:
        """The models the Compare page plans: its picker's, or, untouched, the Plan page's
        model first and the default comparison's others after it, as many as
        DEFAULT_COMPARE (the page opened on the default three whatever was planned)."""
        if self.compare is not None:
            return self.compare
        return distinct_models((self.model, *DEFAULT_COMPARE))[:len(DEFAULT_COMPARE)]

    def compared_context(self) -> int:
        """The max_model_len the Compare page plans at: its field's, or, untouched, the Plan
        page's max_model_len where one is given (a plan at 8,192 was compared at 32,768),
        else DEFAULT_COMPARE_CONTEXT."""
        if self.compare_context is not None:
            return self.compare_context
        return self.max_model_len or DEFAULT_COMPARE_CONTEXT

    @field_validator("*", mode="before")
    @classmethod
    def _python_digits(cls, value: Any, info: ValidationInfo) -> Any:
        """A number typed with other Unicode decimal digits (full-width "１０２４") read as
        Python's int() and float() read it, as the CLI's flags do (argparse's type= is int or
        float): pydantic parses ASCII digits only, so a link's len=１０２４ was refused ("unable
        to parse string as an integer") where --max-model-len １０２４ plans 1,024. Only the
        digits change: a full-width point ("０．９") stays refused, as float() refuses it."""
        if not isinstance(value, str) or value.isascii() \
                or not _NUMERIC.intersection(_annotation_types(cls, info.field_name)):
            return value
        return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c
                       for c in value.strip())

    @field_validator("gpu")
    @classmethod
    def _known_gpu(cls, value: str) -> str:
        """A GPU preset key (planner.serving.hardware.GPU_PRESETS); the error names close
        matches, and how to plan another memory size of a preset's model, or a MIG slice, in
        the app's terms (OtherMemorySizeError's and MigInstanceError's advice names the CLI's
        flags)."""
        try:
            return gpu_preset(value).key
        except NoGpuPresetError as exc:
            if exc.unknown:  # a misspelling: its "did you mean" (reason())
                raise
            raise ValueError(f"{no_preset_text(exc)}; the pages plan GPU presets only: plan it "
                             "with the CLI (python -m planner plan --gpu-memory-gib X "
                             f"--gpu-name {shlex.quote(exc.name.strip())})") from None
        except OtherMemorySizeError as exc:
            raise ValueError(f"{exc.what}; pick that model on the Hardware page and give the "
                             "memory CUDA reports in its memory field (gmem in the link)") from None
        except MigInstanceError as exc:
            raise ValueError(f"{exc.what}; plan the slice with the CLI (python -m planner plan "
                             "--gpu-memory-gib X, the instance's CUDA total): a model picked on "
                             "the Hardware page with that memory would plan the whole GPU's "
                             "speed") from None

    @field_validator("gpu_memory_gib")
    @classmethod
    def _bytes_planned(cls, value: float | None) -> float | None:
        """A memory whose total in bytes the hardware model refuses (gmem=1e-300: 0 B;
        1023.99999999999: 1 TiB, though under 1024) is refused here, as the CLI's
        --gpu-memory-gib refuses it (hardware.memory_total_of_gib), not by the hardware model
        after the page took it."""
        if value is not None:
            memory_total_of_gib(value)
        return value

    @field_validator("network", mode="before")
    @classmethod
    def _network_form(cls, value: Any) -> Any:
        """Empty or parse_network's form, kept as typed (stripped); HardwareError's one line
        (a ValueError) otherwise. Before the field's length: a description typed in ("8x400
        InfiniBand NDR, rail-optimised fabric") was refused for its 43 characters, not its
        form."""
        if not isinstance(value, str):
            return value
        if value.strip():
            parse_network(value)
        return value.strip()

    @field_validator("pcie_generation", "pcie_lanes")
    @classmethod
    def _pcie_link(cls, value: int | None, info: ValidationInfo) -> int | None:
        """A generation or width a PCIe link has, as the CLI checks it
        (planner.serving.hardware.pcie_slot_problem)."""
        field = "generation" if info.field_name == "pcie_generation" else "lanes"
        problem = pcie_slot_problem(**{field: value})
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("quant")
    @classmethod
    def _known_quant(cls, value: str) -> str:
        """'checkpoint' or a weight scheme; common names (w4a16, fp8) become the exact key.
        Other text is refused naming the field by its label and its choices as its select box
        lists them: the planner's message listed every scheme key and alias, most of which the
        field never offers."""
        if value == CHECKPOINT_QUANT:
            return value
        try:
            return resolve_scheme(value).key
        except UnknownSchemeError:  # a KeyError: pydantic reports only ValueErrors
            what_ifs = ", ".join(f'"{WHAT_IF_OPTION.format(label=scheme(key).label)}"'
                                 for key in WHAT_IF_KEYS)
            raise ValueError(f"{shortened(value, SHOWN_CHARS)!r} is no {LABELS['quant']} "
                             f"choice; the choices are \"{CHECKPOINT_OPTION.format(label='')}\" "
                             f"followed by the model's own format, then {what_ifs} (the Plan page "
                             "offers the what-ifs the model and the GPU take)") from None

    @field_validator("vllm_version")
    @classmethod
    def _covered_release(cls, value: str) -> str:
        """A release of the app's list; '0.19' and 'v0.19.0' become '0.19.0'. The error is the
        planner's (EngineError, a ValueError) for text that is no version or a release not
        covered, with the sidebar's release that stands in for a later one, and names the
        listed release for a later patch release."""
        try:
            rules = vllm_rules(value)
        except UncoveredRelease as exc:
            if exc.stand_in is None:
                raise
            raise ValueError(f"{exc}; pick {exc.stand_in} in the sidebar to plan with its "
                             "rules") from None
        listed = listed_stand_in(rules)
        if listed is not None:
            raise ValueError(f"vLLM {rules.label} plans with the rules and flags of {listed}, "
                             f"the release the app lists: pick {listed}")
        return rules.label

    @field_validator("kv_cache_dtype", mode="before")
    @classmethod
    def _vllm_kv_spelling(cls, value: Any) -> Any:
        """vLLM's --kv-cache-dtype spelling (bfloat16, float16), as the Plan page's field lists
        it and the CLI's --kv-cache-dtype takes it, is the planner's key (bf16, fp16): a link's
        kv=bfloat16 was refused. Any other text is refused naming the field by its label and
        the choices in the field's words (vLLM's spelling): pydantic's own message listed the
        planner's keys ('bf16', 'fp16'), which the page shows nowhere."""
        if not isinstance(value, str):
            return value
        key = _KV_KEYS.get(value, value)
        if key not in VLLM_KV_DTYPE:
            raise ValueError(f"{shortened(value, SHOWN_CHARS)!r} is no "
                             f"{LABELS['kv_cache_dtype']} choice; the choices are "
                             f"{', '.join(VLLM_KV_DTYPE.values())} (the Plan page offers those "
                             "the sidebar's vLLM release runs on the GPU)")
        return key

    @field_validator("block_size")
    @classmethod
    def _plannable_block_size(cls, value: int | None) -> int | None:
        """A multiple of 16 (planner.serving.startup.block_size.block_size_errors), else refused
        in the field's words (block_label, _block_size_offers); 16 is planned as given, as the
        CLI plans --block-size 16 (from vLLM 0.18 a given size is kept where vLLM's choice may
        differ). Whether the release takes it is the Plan page's check (it
        follows the sidebar's release)."""
        if value is None or not block_size_errors(value):
            return value
        # the CLI's message names --block-size: here the field by its label, with its choices
        raise ValueError(f"{block_label(value)} is no {LABELS['block_size']} choice: "
                         f"{MULTIPLE_OF_16}; the covered vLLM releases offer "
                         f"{_block_size_offers()} (the Plan page lists the sidebar's release's)")

    @field_validator("max_lora_rank")
    @classmethod
    def _lora_rank(cls, value: int) -> int:
        """A rank vLLM's parser takes (planner.serving.lora.settings.rank_refusal), refused as the
        other choice fields are, by its label with the choices: the CLI's words name an argument
        --max-lora-rank that no one typed here."""
        if rank_refusal(value):
            raise _no_lora_choice("max_lora_rank", str(value), map(str, MAX_LORA_RANKS),
                                  "MaxLoRARanks")
        return value

    @field_validator("lora_dtype")
    @classmethod
    def _lora_dtype(cls, value: str) -> str:
        """A dtype vLLM's LoRAConfig takes (planner.serving.lora.settings.lora_dtype_refusal),
        refused by its label with the choices, as _lora_rank."""
        if lora_dtype_refusal(value):
            raise _no_lora_choice("lora_dtype", value, LORA_DTYPES, "LoRADType")
        return value

    @field_validator("num_redundant_experts")
    @classmethod
    def _redundant_count(cls, value: int | None) -> int | None:
        """A count vLLM takes, refused in its words as the CLI's --num-redundant-experts
        refuses it (planner.serving.eplb.redundant_count_problem): 0..1023; pydantic's bound
        (65,536) was none of vLLM's."""
        problem = None if value is None else redundant_count_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("moe_backend")
    @classmethod
    def _known_moe_backend(cls, value: str | None) -> str | None:
        """A --moe-backend value of some covered release, as vLLM's parser reads it ('Marlin'
        -> 'marlin', normalize_moe_backend); empty: None. Whether the sidebar's release takes
        it is the Plan page's check (it follows the release), as for block_size."""
        word = normalize_moe_backend(value) if value is not None else ""
        return _known_choice("moe_backend", "--moe-backend", word, value) if word else None

    @field_validator("all2all_backend")
    @classmethod
    def _known_all2all_backend(cls, value: str | None) -> str | None:
        """A --all2all-backend value of some covered release, as its parser takes it; empty:
        None. Whether the sidebar's release takes it is the Plan page's check, as for
        moe_backend."""
        return (_known_choice("all2all_backend", "--all2all-backend", value, value) if value
                else None)

    @field_validator("hf_overrides")
    @classmethod
    def _planned_overrides(cls, value: str) -> str:
        """Empty, or JSON the CLI's --hf-overrides takes (overrides.parse_hf_overrides: the
        keys Headroom plans; else its one line), written as the launch command writes it."""
        value = value.strip()
        return json.dumps(parse_hf_overrides(value)) if value else ""

    @field_validator("mm_processor_kwargs")
    @classmethod
    def _planned_kwargs(cls, value: str) -> str:
        """Empty, or JSON the CLI's --mm-processor-kwargs takes (mm_processor.
        parsed_processor_kwargs: a key Headroom plans, a value vLLM takes; else its one line),
        written as the launch command writes it ('{}' as empty)."""
        value = value.strip()
        return processor_kwargs_text(parsed_processor_kwargs(value)) if value else ""

    @field_validator("target_checkpoint")
    @classmethod
    def _loadable_checkpoint(cls, value: str) -> str:
        """Empty (none), or a name the launch command can load (a link's `ckpt` is pasted
        into the command a visitor copies: never a flag or a line break): a folder on the
        machine vLLM runs on, by a path starting with '/' or '.' (this server cannot look
        there), else a repo id the hub's rules take (probes.hub.check_repo_id, as the CLI's
        --target-checkpoint)."""
        value = value.strip()  # a paste's surrounding spaces, as the Model page's repo id field
        problem = checkpoint_name_problem(value) if value else None
        if problem:
            raise ValueError(f"the checkpoint {problem}")
        if value and not value.startswith(("/", ".")):
            try:
                check_repo_id(value, local_paths="folder on the machine vLLM runs on "
                              "(starting with / or ./)", revision_input=None)
            except HubError as err:
                raise ValueError(f"the checkpoint {err.message.removesuffix('.')}") from None
        return value

    @field_validator("speculative_model")
    @classmethod
    def _stripped(cls, value: str) -> str:
        """The drafter as typed less a paste's surrounding spaces, as the Model page's field."""
        return value.strip()

    @field_validator("model")
    @classmethod
    def _named_model(cls, value: str) -> str:
        """A model that names something: a blank one (model=%20 in a link) passed the field's
        min_length=1 and was read as the current folder, each page saying "'' looks like a
        local path"; an empty one read "String should have at least 1 character"."""
        if not value.strip():
            raise ValueError(_BLANK_MODEL)
        return value

    @field_validator("compare", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """The URL holds the compared models as one comma-separated string; the picker gives a
        list, where a blank entry (typed as a new option) is refused as the model field's is
        (_named_model). Either way a model named twice, in any case, is compared once
        (distinct_models)."""
        blank = blank_entry(value) if isinstance(value, list | tuple) else None
        if blank:
            raise ValueError(blank)
        if isinstance(value, list | tuple) and all(isinstance(name, str) for name in value):
            return distinct_models(value)
        if isinstance(value, str):
            # a model named twice is compared once (it was a second, identical row)
            parts = distinct_models(part for part in value.split(",") if part.strip())
            if value.strip() and not parts:  # ',,,': not the emptied picker ('')
                raise ValueError("it names no model, only empty entries between commas")
            if len(parts) > MAX_COMPARE:  # pydantic said "Tuple should have at most 6 items"
                raise ValueError(f"it names {len(parts)} models; the Compare page takes at "
                                 f"most {MAX_COMPARE}")
            return parts
        return value


def distinct_models(names: Iterable[str]) -> tuple[str, ...]:
    """`names` stripped, each model once, in the spelling first given: repo ids compared without
    case, as the Hub resolves them (huggingface_hub issue #2090, its maintainer: "repo ids are
    case insensitive across the Hub"; #1453: HfApi.dataset_info answers 'mbzuai/bactrian-x'
    with MBZUAI/Bactrian-X), so Qwen/Qwen3-8B and qwen/qwen3-8b are one row; a local path
    (starting with /, ~ or ., as ui.context._local_path reads it) as the file system spells
    it."""
    kept: dict[str, str] = {}
    for name in (name.strip() for name in names):
        kept.setdefault(name if name.startswith(("/", "~", ".")) else name.lower(), name)
    return tuple(kept.values())


def blank_entry(models: list[Any] | tuple[Any, ...]) -> str | None:
    """Why a picker's models cannot be planned where one typed in is blank, else None (the
    Compare page's through _split_list; the Recommend page's, bound with keep, called it
    "'' looks like a local path")."""
    if any(isinstance(name, str) and not name.strip() for name in models):
        return f"an entry is blank: {_BLANK_MODEL}"
    return None


LABELS: dict[str, str] = {
    # the Hardware page
    "hardware": "Hardware source", "gpu": "GPU model", "gpus_per_node": "GPUs per node",
    "nodes": "Nodes", "gpu_memory_gib": "Memory per GPU as CUDA reports it",
    "intra_node_link": "GPU-to-GPU link in a node",
    "pcie_generation": "PCIe generation of the slots", "pcie_lanes": "PCIe lanes of the slots",
    "wsl2": "Windows (WSL2)", "network": "Network between nodes",
    # the sidebar
    "vllm_version": "vLLM release",
    # the Plan page (its vLLM settings named as vLLM's own, where the field is one)
    "quant": "Quantization", "target_checkpoint": "Checkpoint in this format",
    "kv_cache_dtype": "KV cache dtype", "tp": "Tensor parallel (TP)",
    "pp": "Pipeline parallel (PP)", "dp": "Data parallel (DP, replicas)",
    "ep": "Expert parallel (EP)", "gpu_memory_utilization": "gpu_memory_utilization",
    "max_model_len": "max_model_len", "max_num_seqs": "max_num_seqs",
    "max_num_batched_tokens": "Batched tokens", "block_size": "KV block size (tokens)",
    "moe_backend": "MoE backend", "all2all_backend": "All-to-all backend (DP + EP)",
    "enable_eplb": "Expert-parallel load balancer (EPLB)",
    "num_redundant_experts": "Redundant experts", "enable_lora": "Multi-LoRA serving",
    "max_loras": "LoRAs per batch", "max_lora_rank": "LoRA rank",
    "fully_sharded_loras": "Fully sharded LoRAs",
    "specialize_active_lora": "Graphs per active-LoRA count",
    "lora_dtype": "LoRA dtype",
    "enable_tower_connector_lora": "LoRA on the vision tower",
    "num_speculative_tokens": "MTP draft tokens",
    "speculative_model": "EAGLE-3 drafter", "speculative_method": "Drafter method",
    "spec_acceptance_length": "Mean acceptance length",
    "skip_mm_profiling": "Skip multimodal profiling",
    "language_model_only": "Language model only", "mm_encoder_tp_mode": "Encoder TP mode",
    "video_pruning_rate": "Video pruning rate",
    "mm_processor_kwargs": "Processor options", "hf_overrides": "HF overrides (JSON)",
    "mm_limit_image": "Images per prompt", "mm_limit_video": "Videos per prompt",
    "mm_limit_audio": "Audio clips per prompt",
    "trust_remote_code": "Trust remote code",
    "enforce_eager": "Enforce eager (no CUDA graphs)",
    "allow_long_max_model_len": "Allow a context longer than the model's",
    "model_runner": "Model runner",
    "mamba_cache_dtype": "Conv state dtype", "mamba_ssm_cache_dtype": "SSM state dtype",
    "mamba_cache_mode": "Mamba cache mode", "mamba_block_size": "Mamba block size (tokens)",
    "prefix_caching": "Prefix caching",
    # the load and the sweep's ranking (the Plan and Report pages), the Compare page
    "input_len": "Input tokens", "output_len": "Output tokens", "concurrency": "Concurrency",
    "arrival": "Arrivals", "sweep_objective": "Rank by", "tpot_target_ms": "TPOT target (ms)",
    "compare": "Models", "compare_context": "max_model_len for every model",
    # the Model page's hub form (a link's model and rev)
    "model": "Model", "revision": "Revision",
}
"""Each state field a widget sets -> the label it is shown under (its widget's label, or the
head of it before what the widget adds in brackets: "max_model_len (empty: the model's)"):
the words a refusal names it by (ui.state._commit, the Plan page's _keep_valid), where the
field's name (gpu_memory_gib, kv_cache_dtype) is nowhere on the page."""

RUNNER_NAMES = {"auto": "auto", "v1": "V1", "v2": "V2"}
"""The Model runner box's options as it shows them (AppState.model_runner)."""


def field_label(field: str) -> str:
    """The label a state field is shown under (LABELS), else its name."""
    return LABELS.get(field, field)


def encode(state: AppState) -> dict[str, str]:
    """The state as query parameters (strings); unset optional numbers are left out."""
    params: dict[str, str] = {}
    for name, field in AppState.model_fields.items():
        value = getattr(state, name)
        if value is None or value == "" or name in SESSION_ONLY or (
                name in OMITTED_AT_DEFAULT and value == field.default):
            continue
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, tuple):
            text = ",".join(value)
        else:
            text = str(value)
        params[field.alias or name] = text
    return params


_PYDANTIC_SHOULD = "Input should be "
"""How pydantic's own messages begin ("Input should be greater than or equal to 1")."""
_BARE_NUMBER = re.compile(r"(?<![\d.,])\d{4,}(?![\d.,])")
"""A whole number of four digits or more written without separators (a float's digits,
"3600000.5", are left as they are)."""


def reason(exc: ValidationError) -> str:
    """The first error's message without pydantic's 'Value error, ' prefix (our validators'
    own text is the message) and without a list of every known name (the GPU presets: the
    'did you mean' names stay; the Hardware page lists them all). Pydantic's "Input should
    be ..." says "the value must be ...": beside the Plan page's "Input tokens" field,
    "output_len = 0 refused: Input should be greater than or equal to 1" read as if the
    input tokens were refused."""
    errors = exc.errors()
    if len(errors) > 1 and all(e["type"] == "literal_error" for e in errors):
        # a union of Literals (link: "auto" or a LinkKind): every branch's choices, where
        # the first error alone read "Input should be 'auto'"
        choices = [c for e in errors for c in re.findall(r"'[^']*'", e["ctx"]["expected"])]
        return f"the value must be {', '.join(choices[:-1])} or {choices[-1]}"
    length = _length_refused(errors[0])
    if length:
        return length
    text = str(errors[0]["msg"]).removeprefix("Value error, ")
    if text.startswith(_PYDANTIC_SHOULD):
        # its bound bare ("less than or equal to 16777216"): separators, as the value refused
        # and the value kept beside it ("input_len = 33,554,432 refused: ... Kept 1,024.")
        text = "the value must be " + _BARE_NUMBER.sub(
            lambda m: f"{int(m[0]):,}", text.removeprefix(_PYDANTIC_SHOULD))
    head, cut, _ = text.partition(" known: ")
    if cut:
        head = head.rstrip(" ;")
        text = head if "did you mean" in head else f"{head}; pick one on the Hardware page"
    return text.rstrip(".")


def _length_refused(error: Any) -> str | None:
    """A text or list too long or too short in words, naming the field by its label: pydantic
    said "String should have at most 40 characters" and "at least 1 character" (a link's
    empty gpu=)."""
    kind = {"string_too_long": "characters", "string_too_short": "characters",
            "too_long": "entries"}.get(error["type"])
    if kind is None:
        return None
    label = field_label(str(error["loc"][0])) if error["loc"] else "The value"
    if error["type"] == "string_too_short":
        return f"{label} is blank"
    return (f"{label} takes at most {error['ctx']['max_length']:,} {kind} "
            f"({len(error['input']):,} given)")


SHOWN_CHARS = 60
"""The most characters of a refused text a message echoes (planner.text.shortened)."""


def _shown(value: Any) -> str:
    """A state value as a person reads it: 'empty' for None and '' (the text fields'
    default: a refused checkpoint read "Kept ."), thousands separators (a whole float too:
    "1000000000000.0" read as raw Python), a long text shortened."""
    if value is None or value == "":
        return "empty (the default)"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}"  # every digit a fraction has (1,023.99999999999 is not 1,024)
    # a long text shortened; a list of models (Compare) whole, each entry a model's name
    return shortened(value, SHOWN_CHARS) if isinstance(value, str) else str(value)


def decode(params: dict[str, str], base: AppState) -> tuple[AppState, list[str]]:
    """`base` with every valid parameter applied, and one message per parameter ignored.

    Parameters are checked one at a time, so a bad `tp` does not throw away a good model.
    """
    state = base.model_copy()
    messages: list[str] = []
    aliases = {field.alias: name for name, field in AppState.model_fields.items()}
    for key, raw in params.items():
        if key not in aliases:
            continue
        if aliases[key] in SESSION_ONLY:
            messages.append(f"Link parameter {key}={shortened(raw, SHOWN_CHARS)!r} ignored: a "
                            "link cannot turn on Trust remote code; tick it on the Plan page "
                            "yourself.")
            continue
        try:
            setattr(state, aliases[key], raw)
        except ValidationError as exc:
            why = reason(exc)
            shown = shortened(raw, SHOWN_CHARS)
            messages.append(f"Link parameter {key}={shown!r} ignored: {why}"
                            + ("" if why.endswith("?") else "."))
            continue
        if aliases[key] == "gpu":  # "h100": h100-sxm, said as the CLI's --gpu note says it
            choice = preset_choice_note(raw, f"Link parameter {key}={raw!r}", f"{key}={{}}")
            if choice:
                messages.append(f"{choice} in the link, or pick one on the Hardware page.")
    if state.tp is None:  # the Plan page pins tp, pp and dp together; pp or dp alone was
        # silently dropped for the hardware's layout while the link kept showing it
        for field in ("pp", "dp"):
            if getattr(state, field) is not None:
                alias = AppState.model_fields[field].alias
                shown = shortened(params[alias], SHOWN_CHARS)
                messages.append(f"Link parameter {alias}={shown!r} ignored: a link "
                                "pins the layout with tp (and pp, dp beside it); without tp "
                                "the Plan page opens on the hardware's layout.")
                setattr(state, field, None)
    return state, messages


def init_state(default_hardware: Literal["audit", "preset"]) -> AppState:
    """The session's state: read from the URL on the first run, then kept in session_state."""
    if _STATE_KEY not in st.session_state:
        base = AppState(hardware=default_hardware)
        state, messages = decode(st.query_params.to_dict(), base)
        st.session_state[_STATE_KEY] = state
        st.session_state[_MESSAGES_KEY] = messages
    return st.session_state[_STATE_KEY]


def state() -> AppState:
    """The current session's state (init_state must have run in app.py)."""
    return st.session_state[_STATE_KEY]


def pop_messages() -> list[str]:
    """Messages about link parameters the state refused (each shown once, in the sidebar)."""
    return st.session_state.pop(_MESSAGES_KEY, [])


def pop_refusals() -> list[str]:
    """Messages about values chosen in a widget other than a typed_input field that the state
    refused (each shown once, at the top of the page, the widget put back)."""
    return st.session_state.pop(_REFUSED_KEY, [])


def _settle_refusal(key: str) -> None:
    """Widget `key` holds a value taken, or seeded from the state again: nothing to say
    under it."""
    st.session_state.get(_FIELD_REFUSED_KEY, {}).pop(key, None)


def _refuse(key: str, label: str, value: Any, why: str, kept: Any) -> None:
    """Note widget `key`'s refused value: its field's label, the value, the reason and the
    value kept ("Input tokens = ... refused: .... Kept 1,024."). A typed_input field keeps
    what was typed, to correct, the refusal shown under it; another widget goes back to
    `kept`, the refusal at the page's top (pop_refusals)."""
    message = f"{label} = {_shown(value)} refused: {why}. Kept {_shown(kept)}."
    if key in st.session_state.get(_TYPED_KEY, ()):
        st.session_state.setdefault(_FIELD_REFUSED_KEY, {})[key] = (message, kept)
    else:
        st.session_state[_REFUSED_KEY] = [message]
        st.session_state[key] = kept


def typed_input(widget: Callable[..., Any], label: str, *, under: Any = None,
                **options: Any) -> Any:
    """A field the user types in (`widget`: a container's number_input, text_input or
    multiselect, its `options` holding bind's, keep's or bind_processor_kwarg's key), the
    refusal of the value it shows as a warning right under it, in `under` (a container
    holding the field's row: in a narrow column the message wraps a few words a line) or
    else the field's own container; returned: the value in force (the one kept where the
    field shows a refused one). The field keeps what was typed so it can be corrected: the
    refusal was shown at the page's top and the field put back, emptied where nothing was
    kept (a malformed --hf-overrides JSON), the text lost and the message far from it."""
    key = options["key"]
    st.session_state.setdefault(_TYPED_KEY, set()).add(key)
    value = widget(label, **options)
    refusal = st.session_state.get(_FIELD_REFUSED_KEY, {}).get(key)
    if refusal is None:
        return value
    # in a container app.py styles (compact: in the Plan page's options column, 170 px wide
    # at 1280 px, a malformed JSON's refusal ran 22 lines of four words)
    with (under or widget.__self__).container(key=f"refused-{key}"):
        st.warning(refusal[0])
    return refusal[1]


def sync_query_params() -> None:
    """Write the state into the URL so the address bar is always a link to this plan."""
    wanted = encode(state())
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def _no_lora_choice(field: str, given: str, choices: Iterable[str], vllm_type: str
                    ) -> ValueError:
    """A LoRA field's value vLLM's config/lora.py `vllm_type` does not take, refused naming the
    field by its label (LABELS) with the choices (State._lora_rank, _lora_dtype); `given`
    quoted as _known_choice quotes it: a raw echo printed a link's newline or escape as is."""
    return ValueError(f"{shortened(given, SHOWN_CHARS)!r} is no {LABELS[field]} choice; the "
                      f"choices are {', '.join(choices)} (vLLM config/lora.py {vllm_type})")


def _known_choice(field: str, flag: str, word: str, given: str) -> str:
    """`word` (`given` as the parser reads it) where some covered release's parser takes it
    for `flag`; else a ValueError naming the field by its label (LABELS, not the CLI's flag)
    and every choice its select box can show (ui.settle.backend_label's words: "vLLM's
    choice", then the values as the parser spells them)."""
    known = _flag_choices(flag)
    if word not in known:
        raise ValueError(f"{shortened(given, SHOWN_CHARS)!r} is no {LABELS[field]} choice; "
                         f"the covered vLLM releases offer vLLM's choice, {', '.join(known)} "
                         "(the Plan page lists the sidebar's release's)")
    return word


def block_label(size: int | None) -> str:
    """A KV block size as the Plan page's field lists it."""
    return "vLLM's choice" if size is None else f"{size} tokens"


@cache
def _block_size_offers() -> str:
    """The KV block sizes the Plan page's field offers under some covered release, in its
    words (block_label): vLLM's choice, each release's block_size_choices, and, from the first
    release whose parser takes any int (no --block-size choices), any multiple of 16 a link
    sets (ui.settle._block_sizes)."""
    clis = [vllm_cli(version) for version in supported_versions()]
    sizes = sorted({size for cli in clis for size in block_size_choices(cli)})
    any_int = next(cli.vllm_version for cli in clis if "--block-size" not in cli.choices)
    return (f"{', '.join(map(block_label, (None, *sizes)))}, and from {any_int} any multiple "
            "of 16 tokens")


@cache
def _flag_choices(flag: str) -> tuple[str, ...]:
    """Every value a covered release's parser takes for `flag` (the vllm_cli fixtures'
    choices: --moe-backend's MoEBackend from 0.17.0, --all2all-backend's from 0.11.1), the
    newest release's order first."""
    values = (value for version in reversed(supported_versions())
              for value in vllm_cli(version).choices.get(flag, ()))
    return tuple(dict.fromkeys(values))


def bind(page: str, field: str, then: Callable[[], None] | None = None,
         seed: Any = None) -> dict[str, Any]:
    """Widget keyword arguments binding a widget to a state field: `st.slider(..., **bind())`.

    Streamlit forgets widget values of pages not shown, so the state, not the widget, is
    the record: the widget is seeded from it when its key is missing, and an on_change
    callback writes the new value back before the script reruns (so the URL written at
    the top of the run is already up to date). `then` runs after a value is taken, still
    before the rerun (a change that moves other fields: set_state). `seed`: what the widget
    shows while the field is None, where None means "follow another field" (the Compare
    page's models and context: AppState.compared_models, compared_context).
    """
    key = f"{page}.{field}"
    if key not in st.session_state:
        st.session_state[key] = _widget_value(getattr(state(), field), seed)
        _settle_refusal(key)
    return {"key": key, "on_change": _commit, "args": (key, field, then, seed)}


def _widget_value(value: Any, seed: Any) -> Any:
    """A state value as its widget holds it: `seed` for None (bind), a list for a tuple."""
    value = seed if value is None else value
    return list(value) if isinstance(value, tuple) else value


def _commit(key: str, field: str, then: Callable[[], None] | None = None,
            seed: Any = None) -> None:
    """on_change callback: copy a widget's value into the state, then run `then`; a refused
    value is noted (typed_input shows why under the field, which keeps it to correct) and the
    state keeps its value (`seed` where that is None: bind)."""
    value = st.session_state[key]
    try:
        setattr(state(), field, value)
    except ValidationError as exc:
        _refuse(key, field_label(field), value, reason(exc),
                _widget_value(getattr(state(), field), seed))
        return
    _settle_refusal(key)
    taken = getattr(state(), field)
    if taken is not None and _widget_value(taken, seed) != value:
        # the widget shows the value as the state took it: the Compare picker's model typed
        # again in another case is one entry, as it is one row (distinct_models)
        st.session_state[key] = _widget_value(taken, seed)
    if then is not None:
        then()


PROCESSOR_LABELS = {"max_soft_tokens": "Gemma 4 image soft tokens",
                    "max_patches": "Llama 4 image tiles", "do_pan_and_scan": "Gemma 3 pan and scan"}
"""Each --mm-processor-kwargs key's field (bind_processor_kwarg), by the label it is shown and
refused under."""


def processor_kwargs() -> ProcessorKwargs:
    """The state's --mm-processor-kwargs as (key, value) pairs (AppState.mm_processor_kwargs)."""
    text = state().mm_processor_kwargs
    return parsed_processor_kwargs(text) if text else ()


def _processor_kwarg(key: str) -> bool | int | None:
    """One key's value as its field holds it: unset, None (a box: False)."""
    return dict(processor_kwargs()).get(key, False if key == "do_pan_and_scan" else None)


def bind_processor_kwarg(page: str, key: str) -> dict[str, Any]:
    """Widget keyword arguments binding a widget to one key of the state's
    --mm-processor-kwargs (link key mmkw), as bind binds a field: seeded from the state, and on
    change the state's JSON with the key set, or left out where the field is emptied or the
    box unticked (the processor's default); a value the CLI refuses is refused aloud in its
    words under the field (typed_input), the state keeping its value."""
    widget = f"{page}.mm_processor_kwargs.{key}"
    if widget not in st.session_state:
        st.session_state[widget] = _processor_kwarg(key)
        _settle_refusal(widget)
    return {"key": widget, "on_change": _commit_processor_kwarg, "args": (widget, key)}


def _commit_processor_kwarg(widget: str, key: str) -> None:
    """on_change callback of bind_processor_kwarg's widget."""
    value = st.session_state[widget]
    kwargs = {k: v for k, v in processor_kwargs() if k != key}
    if value is not None and value is not False:
        kwargs[key] = value
    try:
        state().mm_processor_kwargs = processor_kwargs_text(tuple(kwargs.items()))
    except ValidationError as exc:
        _refuse(widget, PROCESSOR_LABELS[key], value, reason(exc), _processor_kwarg(key))
        return
    _settle_refusal(widget)


def mm_limit_counts() -> dict[str, int]:
    """The state's --limit-mm-per-prompt counts given (AppState.mm_limit_image, ...), in
    MM_LIMIT_FIELDS' order."""
    counts = {m: getattr(state(), field) for m, field in MM_LIMIT_FIELDS.items()}
    return {m: count for m, count in counts.items() if count is not None}


def refused(**updates: Any) -> str | None:
    """Why set_state would refuse `updates` (the field's label and reason), else None: tried
    on a copy, so nothing is set where one field is refused."""
    trial = state().model_copy()
    for field, value in updates.items():
        try:
            setattr(trial, field, value)
        except ValidationError as exc:
            why = reason(exc)
            return why if why.startswith(field_label(field)) else f"{field_label(field)}: {why}"
    return None


def set_state(**updates: Any) -> None:
    """Change state fields (from a callback, or before the bound widgets are drawn), drop the
    widgets bound to them so they are re-seeded, and update the URL."""
    current = state()
    for field, value in updates.items():
        setattr(current, field, value)
        for key in [k for k in st.session_state if str(k).endswith(f".{field}")]:
            del st.session_state[key]
    sync_query_params()


def keep(key: str, default: Any, limits: tuple[float, float] | None = None,
         name: str = "") -> dict[str, Any]:
    """Widget keyword arguments for a page's own input, not in the link (the Recommend page's):
    its value survives a visit to another page. Streamlit forgets the widget's value once its
    page is left, so the session keeps the value the user gave (an on_change callback) and
    seeds the widget from it on return; an input never changed starts at `default` again.
    `limits` (low, high), for a number field `name`d so: a value outside them is refused aloud
    and the value kept, as for a state field (_commit, _refuse);
    as widget bounds a browser refused it without a word."""
    if key not in st.session_state:
        st.session_state[key] = _kept(key, default)
        _settle_refusal(key)
    return {"key": key, "on_change": _keep, "args": (key, default, limits, name)}


def _kept(key: str, default: Any) -> Any:
    """The value the user last gave a `keep` widget, else `default`."""
    return st.session_state.get(_KEPT_KEY, {}).get(key, default)


def _keep(key: str, default: Any = None, limits: tuple[float, float] | None = None,
          name: str = "") -> None:
    """on_change callback of a `keep` widget: note the value the user gave, or refuse one
    outside `limits` in _commit's words and keep the one before (_refuse)."""
    value = st.session_state[key]
    if limits is not None and value is not None and not limits[0] <= value <= limits[1]:
        bound = (f"greater than or equal to {_shown(limits[0])}" if value < limits[0]
                 else f"less than or equal to {_shown(limits[1])}")
        _refuse(key, name, value, f"the value must be {bound}", _kept(key, default))
        return
    _settle_refusal(key)
    st.session_state.setdefault(_KEPT_KEY, {})[key] = value
