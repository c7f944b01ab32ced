"""The `vllm serve` settings that change memory (EngineSettings, vLLM's defaults) and
the checkpoint names a launch command can load."""

from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from planner.serving.eagle import EagleDraft
from planner.serving.lora.settings import DEFAULT_MAX_LORA_RANK, lora_dtype_refusal, rank_refusal
from planner.serving.moe_backend import normalize_moe_backend
from planner.serving.vllm_versions import DEFAULT_VLLM_VERSION, default_gpu_memory_utilization
from planner.text import has_control
from planner.units import KvCacheDtype, MambaCacheMode, MambaDtype

_CONTROL_NAMES = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab"}
"""The control characters a pasted name most often holds, by name (others by code point)."""


def checkpoint_name_problem(name: str) -> str | None:
    """Why `name` cannot be the checkpoint a `vllm serve` command loads (None when it can):
    blank, a flag (leading '-': vLLM's parser reads --trust-remote-code as an option, not a
    model), or a control character (a newline splits the command). Spaces and shell
    characters are fine: planner.serving.launch quotes the name as one shell word."""
    if not name.strip():
        return "is empty"
    if name.lstrip().startswith("-"):
        return f"{name!r} starts with '-', so vLLM would read it as an option, not a model"
    control = next((c for c in name if has_control(c)), None)
    if control is not None:  # named: a tab was called "a newline"
        return (f"{name!r} holds a control character "
                f"({_CONTROL_NAMES.get(control, f'U+{ord(control):04X}')}), which breaks the "
                "command")
    return None


class EngineSettings(BaseModel):
    """The `vllm serve` settings that change memory, with vLLM's defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vllm_version: str = Field(
        default=DEFAULT_VLLM_VERSION, description="whose rules apply (serving.vllm_versions)"
    )
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    quantization: str | None = Field(default=None, description="runtime --quantization, e.g. fp8")
    target_quant: str | None = Field(
        default=None, description="what-if scheme key (planner.model.quant)"
    )
    target_checkpoint: str | None = Field(
        default=None, description="a checkpoint holding target_quant, for the launch command"
    )
    target_checkpoint_config_read: bool = Field(
        default=False, description="the CLI read target_checkpoint's own config.json (a local "
        "folder's) and found target_quant there: the launch note says it was checked")
    revision: str | None = Field(
        default=None, description="the hub commit the config was read at, pinned by the "
        "launch command (vLLM --revision) when the planned repo itself is served"
    )
    trust_remote_code: bool = Field(
        default=False, description="the launch command passes vLLM --trust-remote-code (it "
        "runs the repository's own Python code; Headroom never does): launch-only")
    hf_overrides: str | None = Field(
        default=None, description="--hf-overrides as given (JSON text of the keys Headroom "
        "models: model.config.overrides.HF_OVERRIDE_KEYS), applied to the config before "
        "planning and passed in the launch command; None: left out, and out of a dump")
    kv_cache_dtype: KvCacheDtype = "auto"
    gpu_memory_utilization: float = Field(
        default=default_gpu_memory_utilization(DEFAULT_VLLM_VERSION), gt=0, le=1,
        description="None or unset: vLLM's default for vllm_version "
        "(0.92 from 0.20.0, 0.9 before; vllm_versions.default_gpu_memory_utilization)")
    max_model_len: int | None = Field(default=None, gt=0, description="None: the model's")
    allow_long_max_model_len: bool = Field(
        default=False, description="VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 before the command: a "
        "max_model_len above the derived one is served with vLLM's warning, not refused "
        "(planner.serving.long_len); left out of a dump while off")
    max_num_seqs: int | None = Field(default=None, gt=0, description="None: vLLM's default")
    max_num_batched_tokens: int | None = Field(default=None, gt=0, description="None: default")
    block_size: int | None = Field(
        default=None, gt=0, description="--block-size; None: vLLM's choice (DEFAULT_BLOCK_SIZE, "
        "or the attention backend's: mla_block.mla_block_size)")
    enforce_eager: bool = False
    model_runner: Literal["auto", "v1", "v2"] = Field(
        default="auto", description="the model runner asked: auto (the release's own pick, "
        "vllm_versions.model_runner), v1 or v2 (VLLM_USE_V2_MODEL_RUNNER=0 / =1 before the "
        "command where the release reads it: planner.serving.runner_choice); left out of a "
        "dump while auto")
    mamba_cache_dtype: MambaDtype = Field(
        default="auto", description="--mamba-cache-dtype: a hybrid model's conv state (and "
        "an auto SSM state) in it; auto: the model dtype (engine.stages._state_dtype); left "
        "out of a dump while auto")
    mamba_ssm_cache_dtype: MambaDtype = Field(
        default="auto", description="--mamba-ssm-cache-dtype: a hybrid model's SSM / delta-rule "
        "state in it, over the config's and the release's default; auto: those, else the conv "
        "state's; left out of a dump while auto")
    mamba_cache_mode: MambaCacheMode = Field(
        default="auto", description="--mamba-cache-mode: how a hybrid model's state is paged "
        "under prefix caching (vllm_versions.mamba_cache_mode: all, align; none, like auto, "
        "the release's own); auto: the flag left out; left out of a dump while auto")
    mamba_block_size: int | None = Field(
        default=None, gt=0, description="--mamba-block-size: in mamba_cache_mode 'all' the "
        "attention block's multiple in place of the model's Mamba chunk; refused without "
        "prefix caching (vllm_versions.MAMBA_BLOCK_WITHOUT_PREFIX_CACHING); None: left out, "
        "and out of a dump")
    enable_prefix_caching: bool | None = Field(
        default=None, description="None: vLLM's default (on for hybrid models from 0.28)")
    enable_chunked_prefill: bool = Field(default=True, description="vLLM V1's default; off: "
                                         "batched tokens must cover max_model_len")
    kv_cache_memory_bytes: int | None = Field(default=None, gt=0,
                                              description="--kv-cache-memory-bytes")
    skip_mm_profiling: bool = Field(
        default=False, description="--skip-mm-profiling: no multimodal encoder profile run")
    language_model_only: bool = Field(
        default=False, description="--language-model-only (vLLM 0.17.0 on): every modality's "
        "limit 0, the model served text-only (plan.mm_modes)")
    zero_mm_limits: tuple[str, ...] = Field(
        default=(), description="--limit-mm-per-prompt: the modalities given a limit of 0 "
        "(the counts above 0: mm_item_limits), e.g. ('image', 'video')")
    mm_item_limits: tuple[tuple[str, int], ...] = Field(
        default=(), description="--limit-mm-per-prompt: the modalities given a count above 0, "
        "as (modality, count) in the order given (vLLM 0.16.0 on: mm_modes.LIMITS_READ_FROM), "
        "e.g. (('image', 4),)")
    mm_limit_order: tuple[str, ...] = Field(
        default=(), description="--limit-mm-per-prompt: its modalities in the order given, which "
        "the launch command keeps (mm_modes.given_limits); () reads as the zeros first")
    mm_encoder_tp_mode: Literal["weights", "data"] = Field(
        default="weights", description="--mm-encoder-tp-mode: 'data' holds the whole vision "
        "tower on every TP rank where the model takes it (vllm_versions.ENCODER_TP_DATA_TYPES)")
    mm_processor_kwargs: tuple[tuple[str, bool | int], ...] = Field(
        default=(), description="--mm-processor-kwargs as (key, value) pairs in the order given, "
        "each a key mm_processor.MODELLED_KEYS plans (mm_processor.checked_processor_kwargs)")
    video_pruning_rate: float | None = Field(
        default=None, ge=0, lt=1, description="--video-pruning-rate (vLLM 0.11.0 on): the "
        "fraction of each video's tokens pruned, on above 0 (planner.serving.video_pruning); "
        "None: not passed, and out of a dump")
    video_pruning_method: Literal["evs", "vidcom2"] | None = Field(
        default=None, description="--video-pruning-method (vLLM 0.27.0 on; vLLM's default "
        "evs); None: not passed, and out of a dump")
    num_speculative_tokens: int = Field(
        default=0, ge=0, description="--speculative-config method mtp: draft tokens per step "
        "from the model's own MTP layers (0: no speculative decoding); with speculative_draft, "
        "the EAGLE-3 drafter's")
    speculative_draft: EagleDraft | None = Field(
        default=None, description="--speculative-config method eagle3: the EAGLE-3 drafter "
        "checkpoint vLLM loads beside the model (planner.serving.eagle); None: none (a plan's "
        "JSON leaves the key out)")
    mxfp4_marlin: bool = Field(
        default=False, description="MXFP4 experts on vLLM's Marlin kernel: its fallback when "
        "triton_kernels is missing on Hopper, or VLLM_MXFP4_USE_MARLIN=1 (0.11-0.19). NVIDIA "
        "only: on AMD GPUs vLLM 0.19-0.23 refuses it (fp4_weights.MXFP4_MARLIN_ENV) and other "
        "releases' ROCm path does not read it")
    flashinfer_sampler: bool = Field(
        default=False, description="vLLM's FlashInfer top-k/top-p sampler is on (the log "
        "prints 'Using FlashInfer for top-p & top-k sampling'): before 0.11.1 whenever "
        "flashinfer is installed, from 0.11.1 with VLLM_USE_FLASHINFER_SAMPLER=1. Before 0.17 "
        "it replaces the logits sort the activation term counts "
        "(vllm_versions.TRITON_TOP_K_TOP_P_FROM)")
    moe_backend: str | None = Field(
        default=None, description="--moe-backend (vLLM 0.17.0 on; the release's parser "
        "choices: planner.serving.moe_backend); None: not passed, vLLM's auto. flashinfer_b12x "
        "adds its MoE workspace to the activation peak (vLLM 0.25-0.28)")
    all2all_backend: str | None = Field(
        default=None, description="--all2all-backend (vLLM 0.11.1 on; the release's parser "
        "choices: planner.serving.all2all); None: not passed, vLLM's default "
        "(allgather_reducescatter). Read by vLLM on MoE models with --enable-expert-parallel "
        "and --data-parallel-size > 1; the DeepEP backends' buffers come off the KV pool")
    enable_eplb: bool = Field(
        default=False, description="--enable-eplb (vLLM 0.9.2 on): the expert-parallel load "
        "balancer; with --enable-expert-parallel only (planner.serving.eplb)")
    num_redundant_experts: int | None = Field(
        default=None, ge=0, description="EPLB's redundant experts per MoE layer (vLLM "
        "--num-redundant-experts to 0.11.1, --eplb-config num_redundant_experts from 0.10.2); "
        "each EP rank holds (routed + redundant) / EP size experts. None: not passed, vLLM's "
        "default (0; from 0.34.0 the least making the experts divisible by the EP size)")
    enable_lora: bool = Field(
        default=False, description="--enable-lora: vLLM allocates max_loras LoRA slots of "
        "max_lora_rank in every wrapped layer before the KV cache is sized (planner.serving.lora:"
        " sized for the releases and architectures whose source is read, refused elsewhere)")
    max_loras: int = Field(default=1, ge=1, description="--max-loras (vLLM's default 1)")
    max_lora_rank: int = Field(default=DEFAULT_MAX_LORA_RANK, description="--max-lora-rank, one "
                               "of vLLM's MaxLoRARanks (default 16)")
    fully_sharded_loras: bool = Field(
        default=False, description="--fully-sharded-loras: the LoRA A of column layers and B of "
        "row layers split over TP too")
    specialize_active_lora: bool = Field(
        default=False, description="--specialize-active-lora: every CUDA graph capture size "
        "captured for 0, each power of two up to max_loras and max_loras + 1 active LoRAs, not "
        "only 0 and max_loras + 1 (planner.serving.lora.cuda_graphs.lora_capture_counts)")
    enable_tower_connector_lora: bool = Field(
        default=False, description="--enable-tower-connector-lora: the vision tower's and "
        "connector's linears get LoRA slots too, with their own Punica buffers "
        "(planner.serving.lora.tower: the Qwen3-VL tower, Gemma 3's SigLIP, Llama 4's "
        "vision model and Gemma 4's tower from vLLM 0.29.0)")
    lora_dtype: str = Field(
        default="auto", description="--lora-dtype, one of vLLM's LoRADType (auto: the model's "
        "dtype; float16, bfloat16): the LoRA slots' element "
        "(planner.serving.lora.settings.LORA_DTYPES)")
    activation_bytes: int | None = Field(default=None, ge=0, description="override")
    non_torch_bytes: int | None = Field(default=None, ge=0, description="override")
    cuda_graph_bytes: int | None = Field(default=None, ge=0, description="override")

    @model_serializer(mode="wrap")
    def _runner_when_asked(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """The dump without model_runner, mamba_cache_dtype, mamba_ssm_cache_dtype or
        mamba_cache_mode while it is "auto", nor mamba_block_size, speculative_draft,
        hf_overrides, video_pruning_rate or video_pruning_method while None, nor
        mm_item_limits or mm_limit_order while empty, nor allow_long_max_model_len while off:
        a plan's JSON keeps its keys unless one is asked."""
        data = handler(self)
        for key in ("model_runner", "mamba_cache_dtype", "mamba_ssm_cache_dtype",
                    "mamba_cache_mode", "mamba_block_size", "speculative_draft",
                    "hf_overrides", "video_pruning_rate", "video_pruning_method"):
            if getattr(self, key) in ("auto", None):
                data.pop(key, None)
        for key in ("mm_item_limits", "mm_limit_order", "allow_long_max_model_len"):
            if not getattr(self, key):
                data.pop(key, None)
        return data

    @model_validator(mode="before")
    @classmethod
    def _release_utilization(cls, data: object) -> object:
        """An unset (or None) gpu_memory_utilization is vLLM's default for vllm_version."""
        if isinstance(data, dict) and data.get("gpu_memory_utilization") is None:
            version = data.get("vllm_version") or DEFAULT_VLLM_VERSION
            data = {**data, "gpu_memory_utilization": default_gpu_memory_utilization(
                version if isinstance(version, str) else DEFAULT_VLLM_VERSION)}
        return data

    @field_validator("max_lora_rank", "lora_dtype")
    @classmethod
    def _lora_choice(cls, value: int | str, info: ValidationInfo) -> int | str:
        """One of the ranks vLLM's parser offers (lora.settings.MAX_LORA_RANKS), one of the dtypes
        its LoRAConfig takes (lora.settings.LORA_DTYPES)."""
        refusal = (rank_refusal(int(value)) if info.field_name == "max_lora_rank"
                   else lora_dtype_refusal(str(value)))
        if refusal:
            raise ValueError(refusal)
        return value

    @field_validator("mm_item_limits")
    @classmethod
    def _counts_above_zero(cls, value: tuple[tuple[str, int], ...]
                           ) -> tuple[tuple[str, int], ...]:
        """Each count above 0 (a 0 is zero_mm_limits')."""
        low = next((f"{m} {c}" for m, c in value if c < 1), None)
        if low:
            raise ValueError(f"{low}: a count of 0 belongs in zero_mm_limits")
        return value

    @field_validator("moe_backend")
    @classmethod
    def _moe_backend_word(cls, value: str | None) -> str | None:
        """The value as vLLM's parser reads it (moe_backend.normalize_moe_backend); one word."""
        if value is None:
            return None
        word = normalize_moe_backend(value)
        if not word or not all(c.isalnum() or c == "_" for c in word):
            raise ValueError(f"--moe-backend {value!r} is not a backend name")
        return word

    @field_validator("all2all_backend")
    @classmethod
    def _all2all_word(cls, value: str | None) -> str | None:
        """One backend name (the release's parser checks the choice: all2all.all2all_refusal)."""
        if value is not None and not (value and all(c.isalnum() or c == "_" for c in value)):
            raise ValueError(f"--all2all-backend {value!r} is not a backend name")
        return value

    @field_validator("target_checkpoint", "revision")
    @classmethod
    def _loadable_name(cls, value: str | None) -> str | None:
        """A checkpoint name (or revision) vLLM reads as one (checkpoint_name_problem)."""
        problem = None if value is None else checkpoint_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value
