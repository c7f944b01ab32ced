"""What a speculative draft (MTP layers or an EAGLE-3 drafter) adds to vLLM's start-up beyond its
weights, KV layers and runner buffers, which the plan does not size: its dummy run inside the
profile run and its own CUDA graphs. Said in the activation and cuda_graphs terms' notes on
the last pipeline stage, where vLLM builds the draft. The target's graphs a draft moves are
counted (engine.cuda_graph_count with spec_tokens, vllm_versions.SPEC_GRAPH_ROUND_FROM,
SPEC_GRAPH_SIZES_FROM, SPEC_GRAPH_DECODE_SIZES_FROM, V2_SPEC_DECODE_ROUNDED_FROM,
SPEC_DECODE_REQUEST_SIZES_FROM).

NOTE (vLLM source read, 0.33.0 line numbers unless said):
- Model Runner V1 (0.17.0-0.33.0): gpu_model_runner.py _dummy_run (5795-5837), once the
  target's dummy forward returns and while it holds its hidden states, calls
  `self.drafter.dummy_run(num_tokens, ...)` for every method with use_eagle() ("eagle",
  "eagle3", "mtp", ...: config/speculative.py); profile_run's _dummy_run is over
  max_num_batched_tokens tokens, and the proposer's dummy_run (v1/spec_decode/
  llm_base_proposer.py 1620; eagle.py 1489 in 0.17.0) runs the draft's forward
  num_speculative_tokens times outside a capture (once while capturing), with no logits; it
  returns before profile_run's dummy sampler run. The drafter's CUDA graphs: its own
  CudagraphDispatcher is keyed PIECEWISE over the target's capture sizes where the target's
  mixed mode is PIECEWISE or FULL (llm_base_proposer.py initialize_cudagraph_keys, 420: "Only
  supports PIECEWISE cudagraphs"), and _dummy_run captures one draft graph in each piecewise
  capture ("Eagle currently only supports PIECEWISE cudagraphs", use_cudagraphs only where
  is_graph_capturing and the mode is PIECEWISE), none in the full decode captures.
- Model Runner V2 (0.22.0-0.34.0, v1/worker/gpu/model_runner.py): _dummy_run calls
  `self.speculator.propose(..., dummy_run=True)` after the target's forward, with its draft
  prefill over the batch's tokens (sampling draft token 0) and k - 1 sampled one-token draft
  steps (0.22.0: 520, 0.25.0: 580, 0.34.0: 993; propose in 0.22.0 eagle/speculator.py,
  `for step in range(1, self.num_speculative_steps)`, and 0.34.0 target_dependent_ar/
  speculator.py, _run_multi_step_decode after `if num_speculative_tokens <= 1: return`);
  capture_model captures the
  speculator's own graphs (`self.speculator.capture(...)`, 0.22.0: 654, 0.34.0: 1194;
  spec_decode/autoregressive/cudagraph_utils.py SpeculatorCudaGraphManager in 0.34.0).
Why not sized: the activation peak is a fit on start-ups without drafts (engine.activation
SAMPLER_COEF, a weighted sum, not the moments of the run) and the per-graph figure one on
whole-model graphs without drafts (engine.GRAPH_BYTES_PER_GRAPH: the median over 39 start-ups
of vLLM's estimate / 102 graphs, each a whole-model capture; no depth dependence found between
32 and 42 layers, yet a fixed cost plus one per layer fits as well, 17.6 % leave-one-out
against 18.9 %, so what a one- or few-layer draft capture costs cannot be read from it); no
calibration start-up has a draft."""

from planner.serving.vllm_versions import Version, VllmRules
from planner.text import counted

V1_PROFILE = (
    "v1/worker/gpu_model_runner.py _dummy_run runs the {draft}'s forward over the same "
    "{tokens:,} tokens {k} (llm_base_proposer.py dummy_run, no logits) after the "
    "target's, while it holds the target's hidden states, and frees it before the dummy "
    "sampler")
V2_PROFILE = (
    "Model Runner V2's _dummy_run (v1/worker/gpu/model_runner.py) runs the speculator's "
    "propose(dummy_run=True) after the target's forward: a draft prefill over the same "
    "{tokens:,} tokens, which samples draft token 0{steps}")
SIZES = (
    "; the count follows the capture sizes a draft of {k} moves, {q} tokens a decode request "
    "(engine.cuda_graph_count: largest max_num_seqs x {q} x 2 before its cap from 0.13, "
    "config/vllm.py _set_cudagraph_sizes; full decode graphs of {q} tokens a request; V1 "
    "with full decode graphs and V2 before 0.25 round the sizes up to multiples of {q}, "
    "adjust_cudagraph_sizes_for_spec_decode)")
V1_GRAPHS = (
    "vLLM also captures the {draft}'s own piecewise graphs, one per piecewise capture size "
    "(llm_base_proposer.py initialize_cudagraph_keys: PIECEWISE only)")
V2_GRAPHS = (
    "Model Runner V2 also captures the speculator's own graphs (model_runner.py capture_model: "
    "speculator.capture)")
READ_FROM: Version = (0, 17, 0)
"""The first release whose draft start-up source was read (module docstring)."""

UNREAD = " (the 0.17.0-0.34.0 sources; vLLM {v}'s not read)"
"""Said after a note's source where the plan's release is older than READ_FROM."""

WHY_PROFILE = ("not in this figure: the fit (SAMPLER_COEF) has no draft term and no "
               "calibration start-up has a draft (planner.serving.draft_startup)")
WHY_GRAPHS = ("not in this count: the per-graph figure, fitted on whole-model graphs without "
              "drafts, cannot say what a one- or few-layer draft capture costs "
              "(planner.serving.draft_startup)")


def draft_profile_note(rules: VllmRules, runner: str, draft: str, num_speculative_tokens: int,
                       max_num_batched_tokens: int) -> str:
    """The activation term's note on the `draft`'s dummy run in the profile run (module
    docstring) under vLLM `rules`, on the model runner that starts the plan ("v1" | "v2")."""
    text = V2_PROFILE if runner == "v2" else V1_PROFILE
    later = counted(num_speculative_tokens - 1, "one-token draft step")
    return ("; the draft's share of the profile run: "
            + text.format(draft=draft, tokens=max_num_batched_tokens,
                          k=counted(num_speculative_tokens, "time"),
                          steps=f", then {later}, each sampled ("
                          "`range(1, num_speculative_steps)`): "
                          f"{num_speculative_tokens} passes in all"
                          if num_speculative_tokens > 1 else " (one pass at k = 1)")
            + _unread(rules) + ": " + WHY_PROFILE)


def draft_graphs_note(rules: VllmRules, runner: str, draft: str | None,
                      num_speculative_tokens: int) -> str:
    """The cuda_graphs term's note on the capture sizes a draft moves, which the count follows
    on every stage, and on the `draft`'s own graphs on the stage that builds it (None: another
    stage), which it leaves out (module docstring), under vLLM `rules`, on the model runner
    that starts the plan ("v1" | "v2")."""
    sizes = SIZES.format(k=counted(num_speculative_tokens, "token"),
                         q=1 + num_speculative_tokens)
    if draft is None:
        return sizes
    text = V2_GRAPHS if runner == "v2" else V1_GRAPHS
    return (sizes + "; the draft's graphs: " + text.format(draft=draft) + _unread(rules) + ": "
            + WHY_GRAPHS)


def _unread(rules: VllmRules) -> str:
    """UNREAD for a release older than READ_FROM (an MTP plan), else nothing."""
    return UNREAD.format(v=rules.label) if rules.version < READ_FROM else ""
