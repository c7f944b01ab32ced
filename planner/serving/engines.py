"""The engine seam: what plan() asks of an inference engine's memory rules, and vLLM's answers.

plan() works through one Engine: the budget a worker starts from, the terms subtracted before
the KV cache, how pages and blocks are laid out, and the flags that launch it. vLLM (VLLM
below, rules in planner.serving.engine and planner.serving.vllm_versions) is the only engine
modelled; another (SGLang, llama.cpp) is added by implementing the same four methods beside
it, without touching planner/model.
"""

import math
from typing import NamedTuple, Protocol

from planner.model.attention.kvformat import KvBytes
from planner.serving.activation_dsv4 import dsv4_first_capture_bytes
from planner.serving.engine import (
    DEFAULT_STATE_RULES,
    EngineSettings,
    ModelFacts,
    StageKv,
    StateRules,
    activation_bytes,
    cuda_graph_bytes,
    non_torch_bytes,
    stage_layouts,
)
from planner.serving.launch import engine_flags
from planner.serving.layout import ParallelLayout
from planner.serving.vllm_versions import DEFAULT_ENCODER_RULES, EncoderRules


class Worker(NamedTuple):
    """One worker (GPU) as the subtracted terms see it."""

    facts: ModelFacts
    layers: range
    last_stage: bool
    layout: ParallelLayout
    max_num_batched_tokens: int
    max_num_seqs: int
    act_bytes: int
    link: str
    nvswitch_sharp: bool
    tp_within_node: bool
    graphs: tuple[int, int]
    max_model_len: int = 0
    compute_capability: str = ""
    comm_counted: bool = False  # vllm_versions.COMM_BEFORE_SNAPSHOT_FROM: before it, vLLM counts
    # its communicators' buffers (engine.non_torch_parts)
    sort_sampler: bool = False  # vllm_versions.TRITON_TOP_K_TOP_P_FROM: the dummy sampler sorts
    sampler_holds_forward: bool = True  # vllm_versions.SAMPLER_HOLDS_FORWARD_FROM
    encoder_every_stage: bool = False  # the encoder's profile on every stage (activation_bytes)
    encoder_rules: EncoderRules = DEFAULT_ENCODER_RULES  # vllm_versions.runner_encoder_rules
    moe_workspace: int = 0  # the MoE backend's profile-run workspace (planner.serving.moe_backend)
    all2all_buffer: int = 0  # --all2all-backend's buffer outside torch (planner.serving.all2all)
    runner_buffers: int = 0  # the model runner's buffers (planner.serving.runner_buffers)
    eplb_profile: int = 0  # EPLB's profile rearrangement (planner.serving.eplb
    # .profile_rearrangement, with the MoE workspace still held): 0 without EPLB
    v2_warm_peak: int = 0  # Model Runner V2's profile peak with a warm compile cache
    # (planner.serving.runner_v2): a cold start runs the same dummy forward (and sampler on the
    # last stage) in the same measured window and compiles there too, so it peaks no lower;
    # 0 off V2 or where it is not read
    dsv4_sequence_parallel: bool = False  # DeepSeek-V4's sequence-parallel mode on this layout
    # (weights_dsv4.dsv4_sequence_parallel): its residual holds tokens / tp (activation_bytes)
    attention_workspace: int = 0  # FlashInfer's workspace inside the CUDA graph estimate
    # (planner.serving.flashinfer_workspace): 0 where vLLM does not measure it there


class Overheads(NamedTuple):
    """The terms an engine subtracts from the budget before the KV cache (bytes)."""

    activation: int
    non_torch: int
    graphs: int
    graphs_subtracted: bool
    runner_buffers: int = 0

    @property
    def subtracted(self) -> int:
        """What comes off the budget (graphs only where the engine subtracts them)."""
        return (self.activation + self.non_torch + self.runner_buffers
                + (self.graphs if self.graphs_subtracted else 0))


class Engine(Protocol):
    """The memory rules of one inference engine."""

    name: str

    def budget_bytes(self, total_bytes: int, settings: EngineSettings) -> int:
        """Memory one worker may use, from the GPU's total."""

    def overheads(self, worker: Worker, settings: EngineSettings,
                  graphs_subtracted: bool) -> Overheads:
        """The terms subtracted from the budget before the KV cache."""

    def stage_layouts(self, facts: ModelFacts, layout: ParallelLayout, block_size: int,
                      kv_bytes: KvBytes, fa4_fp8_hd512: bool, states: StateRules,
                      group_pad_ratio: float = 1.5, whole_model: bool = False,
                      ) -> tuple[tuple[range, StageKv | None], ...]:
        """Each pipeline stage's layers and KV page / block layout (`whole_model`: from the
        whole model's KV cache groups)."""

    def launch_flags(self, settings: EngineSettings, max_model_len: int,
                     max_num_batched_tokens: int, max_num_seqs: int) -> str:
        """The engine's half of the launch command."""


class VllmEngine:
    """vLLM's V1 engine (determine_available_memory, kv_cache_utils, `vllm serve`)."""

    name = "vllm"

    def budget_bytes(self, total_bytes: int, settings: EngineSettings) -> int:
        """ceil(total x gpu_memory_utilization): a fraction of TOTAL memory (request_memory)."""
        return math.ceil(total_bytes * settings.gpu_memory_utilization)

    def overheads(self, worker: Worker, settings: EngineSettings,
                  graphs_subtracted: bool) -> Overheads:
        """Activation peak (the larger of the forward's, EPLB's profile rearrangement and V2's
        warm peak),
        non-torch memory (the all-to-all buffer included), CUDA graphs (FlashInfer's workspace
        included; overrides in `settings` win) and the model runner's buffers."""
        w, s = worker, settings
        if s.activation_bytes is not None:
            act = s.activation_bytes
        else:
            act = activation_bytes(w.facts, w.layers, w.last_stage, w.max_num_batched_tokens,
                                   w.max_num_seqs, w.layout.tp, w.act_bytes, w.max_model_len,
                                   w.layout.expert_tp, w.compute_capability, w.sort_sampler,
                                   w.sampler_holds_forward, not s.skip_mm_profiling,
                                   w.encoder_every_stage, w.encoder_rules,
                                   w.moe_workspace, w.dsv4_sequence_parallel)[0]
            # the profile's peak: its forward or EPLB's moment, and no lower than V2's warm one
            act = max(act, w.eplb_profile, w.v2_warm_peak)
        nt = s.non_torch_bytes if s.non_torch_bytes is not None else non_torch_bytes(
            w.layout, w.link, w.nvswitch_sharp, w.tp_within_node, w.comm_counted
        ) + w.all2all_buffer
        graphs = 0 if s.enforce_eager else (
            s.cuda_graph_bytes if s.cuda_graph_bytes is not None
            else cuda_graph_bytes(sum(w.graphs))
            + dsv4_first_capture_bytes(w.facts.dsv4, w.graphs[0]) + w.attention_workspace)
        return Overheads(act, nt, graphs, graphs_subtracted, w.runner_buffers)

    def stage_layouts(self, facts: ModelFacts, layout: ParallelLayout, block_size: int,
                      kv_bytes: KvBytes, fa4_fp8_hd512: bool = False,
                      states: StateRules = DEFAULT_STATE_RULES, group_pad_ratio: float = 1.5,
                      whole_model: bool = False,
                      ) -> tuple[tuple[range, StageKv | None], ...]:
        """vLLM's KV groups, unified pages and blocks per stage (planner.serving.engine)."""
        return stage_layouts(facts, layout, block_size, kv_bytes, fa4_fp8_hd512, states,
                             group_pad_ratio, whole_model)

    def launch_flags(self, settings: EngineSettings, max_model_len: int,
                     max_num_batched_tokens: int, max_num_seqs: int) -> str:
        """`vllm serve` engine flags (planner.serving.launch)."""
        return engine_flags(settings, max_model_len, max_num_batched_tokens, max_num_seqs)


VLLM: Engine = VllmEngine()
