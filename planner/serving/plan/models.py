"""The plan's serialisable models (PlanRequest, Term, RankMemory, PlanSummary, Plan)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec
from planner.serving.layout import ParallelLayout


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
    lora_bytes: int = Field(default=0, description="vLLM's LoRA slots on this GPU (--enable-lora;"
                            " inside weights_bytes: planner.serving.lora)")
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
    lora_bytes_per_gpu: int = Field(default=0, description="the bytes vLLM's LoRA slots take "
                                    "on the heaviest GPU (--enable-lora; inside "
                                    "weights_bytes_per_gpu: planner.serving.lora)")
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
(max_num_seqs, max_model_len, kv_cache_dtype, gpu_memory_utilization, block_size (None:
vLLM's choice), target_quant, target_checkpoint) and, for a layout, ParallelLayout's tp, pp,
dp, ep, each the CLI flag of that name (--max-model-len, --tp, ...), with its new value."""


def shell_lines(commands: list[str]) -> list[str]:
    """Commands as a shell block shows them: each node's under a `# node R` comment when there
    are several, else the one command ([] for none)."""
    if len(commands) < 2:
        return list(commands)
    return [line for rank, command in enumerate(commands) for line in (f"# node {rank}", command)]


WARM_RESTART_LAUNCH_NOTE = (
    "Warm restart (Model Runner V2): vLLM refuses the first, cold-compile start-up of this "
    "command for memory, and that start-up saves the torch.compile cache; run the same command "
    "again with the cache kept (VLLM_CACHE_ROOT, without VLLM_DISABLE_COMPILE_CACHE) and it "
    "starts with the warm restart pool; a changed --max-model-len is another cache key and "
    "compiles cold again:")
"""What the launch section says above Plan.warm_restart_launch_lines (the CLI, app, report)."""


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

    allow_long_fit: str | None = Field(
        default=None, description="a plan refused for a --max-model-len past the model's "
        "derived one: --allow-long-max-model-len where the plan at the length asked fits with "
        "it, '--allow-long-max-model-len fits at 65,536 tokens (unmodelled: output past the "
        "model's 40,960 tokens (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1))' (planner.serving.fixes."
        "allow_long_fit); None elsewhere")

    @property
    def fit_advice(self) -> str:
        """nearest_fit, longer_context_fit and allow_long_fit in a sentence or three, as the
        CLI, app and report show them ('' for a plan with none)."""
        if not self.nearest_fit:
            return f"Nearest change: {self.allow_long_fit}." if self.allow_long_fit else ""
        longer = (f" For a longer context: {self.longer_context_fit}."
                  if self.longer_context_fit else "")
        asked = (f" For the length asked: {self.allow_long_fit}." if self.allow_long_fit
                 else "")
        return f"Nearest change: {self.nearest_fit}.{longer}{asked}"

    @property
    def launch_lines(self) -> list[str]:
        """The commands as a shell block shows them: each node's under a `# node R` comment
        when there are several (vllm_commands), else the one command; [] when there is none."""
        if len(self.vllm_commands) < 2:
            return [self.vllm_command] if self.vllm_command else []
        return shell_lines(self.vllm_commands)

    @property
    def warm_restart_launch_lines(self) -> list[str]:
        """v2_warm_restart_commands as a shell block shows them (launch_lines)."""
        return shell_lines(self.v2_warm_restart_commands)

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
        "where V2's peak is not read (dense decoders only), where the activation peak or "
        "the KV pool is given, or under --enforce-eager (nothing compiles)")
    v2_warm_restart_kv_cache_tokens: int | None = Field(
        default=None, description="the KV tokens (per replica) of that warm-restart pool, "
        "counted as kv_cache_tokens counts the plan's pool (the binding rank's block bytes and "
        "vLLM's token count); None where v2_warm_restart_available_kv_bytes is")
    v2_warm_restart_max_concurrency: float | None = Field(
        default=None, description="the max_model_len requests (per replica) that warm-restart "
        "pool holds, counted as max_concurrency; None where "
        "v2_warm_restart_available_kv_bytes is")
    v2_warm_restart_fits: bool = Field(
        default=False, description="a plan vLLM refuses for memory alone on its first, "
        "cold-compile start-up, whose warm-restart pool covers what the pool is short by "
        "(memory_shortfall_bytes_per_gpu; one PP stage): the refused start-up saves the "
        "torch.compile cache, so the same command run again with that cache kept starts "
        "(v2_warm_restart_commands)")
    v2_warm_restart_commands: list[str] = Field(
        default_factory=list, description="where v2_warm_restart_fits: the `vllm serve` "
        "commands to run twice, node 0's first, as vllm_commands would hold them had the cold "
        "start-up fitted; empty otherwise, and where no command is made (launch_note)")
    v2_warm_restart_launch_note: str = Field(
        default="", description="what goes with v2_warm_restart_commands, as launch_note goes "
        "with vllm_commands had the cold start-up fitted (what the command loads; over several "
        "nodes, setting HEAD_NODE_IP and which node runs which command); '' where there are no "
        "warm-restart commands")
