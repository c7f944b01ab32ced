"""One worker's memory: the overheads vLLM subtracts, the runner buffers, the KV pool."""

from planner.memo import IdentityMemo
from planner.serving.engine import EngineSettings, default_block_size, stage_widths
from planner.serving.engines import Overheads, Worker
from planner.serving.plan import shared
from planner.serving.plan.facts import Setup
from planner.serving.plan.fit import pool_blocks
from planner.serving.plan.moe import all2all_buffer, eplb_profile, moe_workspace
from planner.serving.plan.shared import cached, gib
from planner.serving.runner_buffers import RunnerBuffers, runner_buffer_sizes
from planner.serving.runner_v2 import v2_warm_activation
from planner.serving.vllm_versions import vllm_rules
from planner.serving.weights import dsv4_sequence_parallel_on

_OVERHEADS: IdentityMemo[Overheads] = IdentityMemo(16384)
"""Per-spec worker overheads (overheads), apart from _CACHE: one entry per layout, PP stage
and GPU, so a recommend search across nodes stores tens of thousands (58,096 distinct in
DeepSeek-V3's 128-GPU search at 100,000 requests), which in _CACHE cleared it every ~4,000
and with it the per-layout weights (_rank_terms, 474 distinct computed 8,017 times)."""


def memory(st: Setup, pp_stage: int, weights: int, total: int, cc: str) -> tuple[int, ...]:
    """(budget, activation, non-torch, graphs, KV pool, blocks, runner buffers) of one worker
    of a stage on a GPU of `total` bytes and compute capability `cc`."""
    s, f = st.s, st.facts
    budget = f.r.budgets[total]
    stage = f.stages[pp_stage][1]
    if s.kv_cache_memory_bytes:
        act = nt = graphs = buffers = 0
        kv = s.kv_cache_memory_bytes
    else:
        o = overheads(st, pp_stage, cc)
        act, nt, graphs, buffers = o.activation, o.non_torch, o.graphs, o.runner_buffers
        kv = budget - weights - o.subtracted
    return budget, act, nt, graphs, kv, pool_blocks(kv, stage), buffers


def overheads(st: Setup, pp_stage: int, cc: str) -> Overheads:
    """The terms subtracted from a worker's budget on a GPU of compute capability `cc` (whose
    CUDA graphs and FlashInfer workspace its graph estimate holds, Resolved.captures, and from
    which its profile run picks DeepSeek-V4's MoE kernel, activation_dsv4.dsv4_marlin), kept
    in its layout's facts once found.
    They read neither its weights nor the KV dtype nor the weight format (but EPLB's profile
    rearrangement, whose bytes the key holds), so a sweep's formats and KV dtypes share them:
    cached per spec, engine, layout, what they read of the stage (its layers' widths:
    engine.stage_widths, whether it is the first and the last, its MoE workspace, all-to-all
    buffer and EPLB profile rearrangement) and of the settings (Resolved.overhead_key). Stages
    alike in those share one entry: a deep PP split (126 stages) works out a few, and a sweep
    over thousands of GPUs no longer overflows the cache with one entry per stage."""
    f = st.facts
    known = f.overheads.get((pp_stage, cc))
    if known is None:
        rng = f.stages[pp_stage][0]
        workspace, eplb = moe_workspace(st, pp_stage)[0], eplb_profile(st, pp_stage)[0]
        warm = (v2_warm_peak(st, pp_stage) or (0,))[0]
        buffer = (all2all_buffer(st, pp_stage) or (0,))[0]
        key = ("overheads", shared.ENGINE, *st.layout_key, *stage_widths(f.r.facts, rng),
               rng.start == 0, pp_stage == st.layout.pp - 1, workspace, eplb, warm, buffer,
               f.r.overhead_key, sequence_parallel(st), cc, f.r.captures[cc])
        known = f.overheads[pp_stage, cc] = _OVERHEADS.get(
            st.spec, key, _worker_overheads, st, pp_stage, workspace, buffer, eplb, warm, cc)
    return known


def _worker_overheads(st: Setup, pp_stage: int, workspace: int, buffer: int, eplb: int,
                      warm: int, cc: str) -> Overheads:
    """Work out the overheads overheads caches, with the stage's parts its key holds (the
    MoE workspace, all-to-all buffer, EPLB profile rearrangement and V2 warm peak, in bytes)
    and the worker's own GPU's compute capability `cc` (its CUDA graphs and FlashInfer
    workspace, Resolved.captures, and DeepSeek-V4's MoE kernel, whose workspace its activation
    peak holds: activation_dsv4.dsv4_marlin; vLLM picks them in the worker's process, so a
    later stage on another GPU model picks its own)."""
    layout, r = st.layout, st.facts.r
    capture = r.captures[cc]
    return shared.ENGINE.overheads(Worker(
        r.facts, st.facts.stages[pp_stage][0], pp_stage == layout.pp - 1, layout, r.mbt, r.seqs,
        r.act_b, r.link, r.nvswitch_sharp, layout.tp <= r.gpus_per_node, capture.graphs,
        r.max_model_len, cc, r.comm_counted, *r.sampler, r.encoder_every_stage,
        r.encoder_rules, workspace, buffer, sum(n for _, n in runner_buffers(st, pp_stage).parts),
        eplb, warm, sequence_parallel(st), capture.flashinfer_workspace,
    ), st.s, r.subtract_graphs)


def sequence_parallel(st: Setup) -> bool:
    """Whether DeepSeek-V4 runs vLLM's sequence-parallel mode on this layout: the release and
    GPU have it (WeightLoadRules.dsv4_sequence_parallel) and the layout and --moe-backend turn
    it on (weights.dsv4_sequence_parallel_on), as the weights read it (weights._dsv4_terms);
    its profile-run residual holds the GPU's share of the tokens (engine.activation_bytes)."""
    layout = st.layout
    return dsv4_sequence_parallel_on(st.facts.load, layout.tp, layout.ep_size, layout.pp)


def runner_buffers(st: Setup, pp_stage: int) -> RunnerBuffers:
    """The model runner's persistent buffers on a worker of this stage, each (formula,
    bytes), with their inputs: from vLLM 0.27.0 (vllm_versions.RUNNER_BUFFERS_COUNTED_FROM),
    on the runner the plan starts (planner.serving.runner_buffers); none before it."""
    s, layout, r = st.s, st.layout, st.facts.r
    if not vllm_rules(s.vllm_version).runner_buffers:
        return RunnerBuffers((), {})
    # an EAGLE-3 drafter's proposer holds the MTP one's buffers (runner_buffers' docstring)
    eagle = s.speculative_draft is not None
    draft = s.num_speculative_tokens if st.spec.mtp_layers or eagle else 0
    return runner_buffer_sizes(
        r.runner[0], r.facts.hidden_size, r.facts.vocab_size, r.mbt, r.seqs, r.max_model_len,
        placeholder_block(s), r.act_b, first_stage=pp_stage == 0,
        last_stage=pp_stage == layout.pp - 1, multimodal=r.facts.vision is not None,
        draft_tokens=draft, drafter="EAGLE-3" if eagle else "MTP")


def placeholder_block(s: EngineSettings) -> int:
    """The block size the V1 runner's placeholder block table is built with:
    cache_config.block_size when the runner is constructed (gpu_worker.init_device), which is
    --block-size or CacheConfig.DEFAULT_BLOCK_SIZE (engine.default_block_size); the attention
    backend's own block (update_block_size_for_backend) is set after the model loads
    (multiproc_executor.py WorkerProc.__init__, 0.27.0)."""
    return s.block_size or default_block_size(vllm_rules(s.vllm_version).version)


def v2_warm_peak(st: Setup, pp_stage: int) -> tuple[int, str] | None:
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
    warm = cached(st.spec, ("v2 warm", *asked), v2_warm_activation, st.spec, r.facts, *asked)
    workspace = moe_workspace(st, pp_stage)[0]
    if warm is None or not workspace:
        return warm
    return (warm[0] + workspace,
            f"{warm[1]} + {gib(workspace)} MoE workspace (the moe_workspace term)")
