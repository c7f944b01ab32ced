"""What a speculative draft (MTP layers or an EAGLE-3 drafter) adds to vLLM's start-up beyond its
weights, KV layers and runner buffers, which the plan does not size: its dummy run inside the
profile run and its own CUDA graphs. Said in the activation and cuda_graphs terms' notes on
the last pipeline stage, where vLLM builds the draft.

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
  is_graph_capturing and the mode is PIECEWISE), none in the full decode captures. The
  default largest capture size is max_num_seqs x (1 + num_speculative_tokens) x 2, capped
  (config/vllm.py _set_cudagraph_sizes, 0.17.0-0.33.0; engine.capture_sizes takes it
  without drafts). With full decode graphs, the capture sizes are rounded up to multiples of
  1 + num_speculative_tokens (config/compilation.py adjust_cudagraph_sizes_for_spec_decode,
  called from compilation.py from 0.20.0, from gpu_model_runner.py before), full decode
  graphs go up to
  (1 + num_speculative_tokens) x max_num_seqs tokens (v1/cudagraph_dispatcher.py
  initialize_cudagraph_keys), and from 0.29.0 config/vllm.py _set_cudagraph_sizes appends
  uniform decode sizes.
- Model Runner V2 (0.22.0-0.34.0, v1/worker/gpu/model_runner.py): _dummy_run calls
  `self.speculator.propose(..., dummy_run=True)` after the target's forward, with its draft
  prefill over the batch's tokens and its sampled draft steps (0.22.0: 520, 0.25.0: 580,
  0.34.0: 993; 0.34.0 target_dependent_ar/speculator.py propose); capture_model captures the
  speculator's own graphs (`self.speculator.capture(...)`, 0.22.0: 654, 0.34.0: 1194;
  spec_decode/autoregressive/cudagraph_utils.py SpeculatorCudaGraphManager in 0.34.0), and
  cudagraph_utils.py sizes decode graphs by the 1 + num_speculative_tokens tokens a request
  verifies.
Why not sized: the activation peak is a fit on start-ups without drafts (engine.activation
SAMPLER_COEF, a weighted sum, not the moments of the run) and the per-graph figure one on
whole-model graphs without drafts (engine.GRAPH_BYTES_PER_GRAPH: no depth dependence found,
so a one- or few-layer draft graph's cost cannot be read from it); no calibration start-up
has a draft."""

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
    "{tokens:,} tokens, then {steps}, each sampled")
V1_GRAPHS = (
    "vLLM also captures the {draft}'s own piecewise graphs, one per piecewise capture size "
    "(llm_base_proposer.py initialize_cudagraph_keys: PIECEWISE only); a draft also moves the "
    "capture sizes: the largest is max_num_seqs x {q} x 2 before its cap (config/vllm.py "
    "_set_cudagraph_sizes), and with full decode graphs they are rounded up to multiples of "
    "1 + {k} and full decode graphs go up to {q} x max_num_seqs tokens (config/compilation.py "
    "adjust_cudagraph_sizes_for_spec_decode, v1/cudagraph_dispatcher.py)")
V2_GRAPHS = (
    "Model Runner V2 also captures the speculator's own graphs (model_runner.py capture_model: "
    "speculator.capture) and sizes decode graphs by the {q} tokens a request verifies "
    "(cudagraph_utils.py)")
READ_FROM: Version = (0, 17, 0)
"""The first release whose draft start-up source was read (module docstring)."""

UNREAD = " (the 0.17.0-0.34.0 sources; vLLM {v}'s not read)"
"""Said after a note's source where the plan's release is older than READ_FROM."""

WHY_PROFILE = ("not in this figure: the fit (SAMPLER_COEF) has no draft term and no "
               "calibration start-up has a draft (planner.serving.draft_startup)")
WHY_GRAPHS = ("neither in this count nor in its per-graph figure, fitted on whole-model graphs "
              "without drafts (planner.serving.draft_startup)")


def draft_profile_note(rules: VllmRules, runner: str, draft: str, num_speculative_tokens: int,
                       max_num_batched_tokens: int) -> str:
    """The activation term's note on the `draft`'s dummy run in the profile run (module
    docstring) under vLLM `rules`, on the model runner that starts the plan ("v1" | "v2")."""
    text = V2_PROFILE if runner == "v2" else V1_PROFILE
    return ("; the draft's share of the profile run: "
            + text.format(draft=draft, tokens=max_num_batched_tokens,
                          k=counted(num_speculative_tokens, "time"),
                          steps=counted(num_speculative_tokens, "draft step"))
            + _unread(rules) + ": " + WHY_PROFILE)


def draft_graphs_note(rules: VllmRules, runner: str, draft: str,
                      num_speculative_tokens: int) -> str:
    """The cuda_graphs term's note on the `draft`'s own graphs and the capture sizes a draft
    changes (module docstring) under vLLM `rules`, on the model runner that starts the plan
    ("v1" | "v2")."""
    text = V2_GRAPHS if runner == "v2" else V1_GRAPHS
    return ("; the draft's graphs: "
            + text.format(draft=draft, k=num_speculative_tokens, q=1 + num_speculative_tokens)
            + _unread(rules) + ": " + WHY_GRAPHS)


def _unread(rules: VllmRules) -> str:
    """UNREAD for a release older than READ_FROM (an MTP plan), else nothing."""
    return UNREAD.format(v=rules.label) if rules.version < READ_FROM else ""
