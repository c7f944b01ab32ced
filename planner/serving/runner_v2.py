"""Model Runner V2's own start-up memory terms (vLLM v1/worker/gpu/model_runner.py), read from
vLLM's source per release, for a start-up whose torch.compile cache is warm.

Headroom plans a V2 start-up with the V1 runner's activation fit and graph estimate
(planner.serving.engine); these are what V2 itself subtracts, shown beside them (plan terms'
notes) because a first start-up compiles cold and its extra peak has no source to size it:
- the profile run (model_runner.py profile_run, 0.22.0-0.34.0 wheels) is one forward of
  max_num_batched_tokens (T) tokens without CUDA graphs (execute_model: dispatch_cg_and_sync_dp
  need_eager=is_profile; torch.compile's code runs) over min(T, max_num_seqs) (R) dummy
  requests (_dummy_run: `num_reqs = min(num_tokens, self.max_num_reqs)`), then on the last PP
  stage the dummy sampler over the R last-token hidden states (_dummy_sampler_run);
- its peak is the larger of two moments: the forward's widest MLP (the residual stream,
  gate_up_proj's output and the activation's output live together: T x (hidden + (MLP width
  + intermediate) / TP) x dtype bytes, gated MLPs of width 2 x intermediate) and the
  sampler's: the forward's T hidden states and the R sampled rows stay referenced
  (_dummy_run returns both), compute_logits makes R x vocab logits in the model dtype
  (model_executor/layers/logits_processor.py; at TP > 1 tensor_model_parallel_all_gather,
  whose pynccl path, distributed/device_communicators/cuda_communicator.py all_gather, holds
  the rank's vocab / TP shard, the gathered buffer and its reshaped copy at once), and the
  sampler's fp32 copy in 0.22-0.25 and from 0.33 (vllm_versions.V2_SAMPLER_IN_PLACE_FROM,
  V2_SAMPLER_WARMUP_FROM); otherwise the dummy states (temperature 0, top_k = vocab,
  top_p = 1) skip every logits op and top-k / top-p, and gumbel_sample keeps per-block maxima
  (sample/gumbel.py);
- no CUDA graph estimate is subtracted before 0.29 (vllm_versions.V2_GRAPH_ESTIMATE_FROM).
The dummy forward computes no attention (profile_run passes skip_attn=True: no attention
metadata, block tables or slot mappings), so its widest moment is the MLP's. Its first call
compiles the model inside the measured window (0.27.1 compilation/decorators.py __call__,
the same in the 0.28.0, 0.31.0 and 0.34.0 wheels): with VLLM_USE_AOT_COMPILE on (envs.py
use_aot_compile: torch >= 2.10; 0.27.1-0.31.0 pin torch 2.13.0) a cold cache runs
aot_compile (Dynamo and Inductor on fake tensors, piecewise_backend.py compile_all_ranges,
over the range 1..max_num_batched_tokens, config/vllm.py _set_compile_ranges, split once more
where the all-reduce + RMSNorm fusion is on: TP > 1 on SM 9.0 / 10.x with FlashInfer,
enable_allreduce_rms_fusion; no max-autotune, which compiler_interface.py set_inductor_config
sets for single sizes only), saves it and runs it; a warm one loads it
(_try_load_aot_compiled_fn) and runs it. memory_profiling (utils/mem_utils.py) resets
torch's peak before profile_run and reads it after, so whatever torch allocates while
compiling and on the first calls of new kernels is in the figure vLLM subtracts; vLLM's source
does not size it.
Modelled for dense decoders (no MoE, recurrent state, vision encoder or DeepSeek-V4): the
others' V2 forward is not read.

What the source does not size: a cold torch.compile (a first start-up, or any without a
persisted cache) runs Inductor's compilation inside the measured profile window and peaks
higher. Observed, not fitted: vLLM 0.27.1 on an RTX 4090, Qwen3-8B, one worker, three
start-ups (bench/public_memory_runs.json, the v2 cold/warm pair): peak activation 1.18 GiB
compiling cold, 0.19 GiB on both cache hits, every other term the same. This module's forward
moment for it is 0.156 GiB (the 0.03 GiB left is not read: cuBLAS workspaces and the like).

Under --enforce-eager nothing compiles, cold or warm: VllmConfig.__post_init__ (config/vllm.py,
the 0.22.0, 0.24.0, 0.28.0, 0.31.0 and 0.34.0 wheels) sets compilation_config.mode to NONE, so
the model's support_torch_compile wrapper (compilation/decorators.py: __init__ sets
do_not_compile, __call__ returns self.forward) runs the plain forward in the profile window,
with every custom op on (custom_ops "all" where the mode is NONE: SiluAndMul.forward_cuda, and
on CUDA the vllm_c RMSNorm kernels, platforms/cuda.py get_default_ir_op_priority;
fused_add_rms_norm in place). There is no compile cache, so no warm restart to size. This
module's moments are not that peak either, only a floor of it: the sampler's moment is the same,
and at the forward's MLP the residual, gate_up's and the activation's outputs are live in the
eager forward too, beside two more hidden-wide tensors (llama.py / qwen2.py / qwen3.py: the
model's layer loop still holds the layer's input while `layer(...)` runs, the decoder layer its
post-attention-normed input while `self.mlp(...)` runs), and at TP > 1 the down_proj's
all-reduce returns another hidden-wide tensor on its pynccl and torch.distributed paths (0.34.0
device_communicators/cuda_communicator.py all_reduce), a moment wider than the MLP's where
hidden > intermediate / TP; vLLM's source sizes those per architecture, read here for none (nor
the attention's moment, nor cuBLAS's workspace), so an eager V2 plan keeps the V1 runner's
activation fit (unverified for V2), no lower than these moments."""

from planner.memo import IdentityMemo
from planner.model.attention import RecurrentStateKv, cdiv
from planner.model.spec import DenseMlp, ModelSpec
from planner.serving.engine import ModelFacts
from planner.units import gib_text

FP32_BYTES = 4


def v2_forward_bytes(spec: ModelSpec, layers: range, mbt: int, tp: int, act_bytes: int
                     ) -> tuple[int, str]:
    """The forward moment of V2's profile run on these layers: T x (hidden + widest (MLP
    output + activation output) per rank) x dtype bytes (module docstring)."""
    widest, name = 0, ""
    for i in layers:
        mlp = spec.layers[i].mlp
        if isinstance(mlp, DenseMlp):
            width = mlp.intermediate_size * (2 if mlp.gated else 1)
            if width + mlp.intermediate_size > widest:
                widest = width + mlp.intermediate_size
                name = (f"{width:,} gate_up + {mlp.intermediate_size:,} act" if mlp.gated
                        else f"{width:,} fc1 + {mlp.intermediate_size:,} act")
    per_rank = widest // tp
    total = mbt * (spec.hidden_size + per_rank) * act_bytes
    tp_text = f" / TP {tp}" if tp > 1 else ""
    return total, (f"forward {mbt:,} tokens x ({spec.hidden_size:,} residual + ({name}){tp_text})"
                   f" x {act_bytes} B = {gib_text(total, 3)}")


def v2_sampler_bytes(facts: ModelFacts, mbt: int, seqs: int, tp: int, act_bytes: int,
                     fp32_copy: bool) -> tuple[int, str]:
    """The dummy sampler's moment of V2's profile run on the last PP stage (module docstring):
    the held hidden states and sampled rows, and the logits at their largest (TP > 1: the
    all-gather's shard, buffer and copy; before 0.26 the fp32 copy beside the logits)."""
    rows = min(mbt, seqs)
    vocab, hidden = facts.vocab_size, facts.hidden_size
    held = (mbt + rows) * hidden * act_bytes
    gathered = rows * vocab * act_bytes * 2 + rows * cdiv(vocab, tp) * act_bytes if tp > 1 else 0
    copied = rows * vocab * (act_bytes + FP32_BYTES) if fp32_copy else 0
    logits = max(rows * vocab * act_bytes, gathered, copied)
    how = (f"{rows} x {vocab:,} x ({act_bytes} + {FP32_BYTES} fp32 copy) B" if logits == copied
           else f"{rows} x {vocab:,} x {act_bytes} B x 2 + {rows} x {cdiv(vocab, tp):,} x "
                f"{act_bytes} B all-gather" if logits == gathered
           else f"{rows} x {vocab:,} x {act_bytes} B")
    total = held + logits
    return total, (f"sampler ({mbt:,} + {rows}) rows x {hidden:,} x {act_bytes} B held + "
                   f"logits {how} = {gib_text(total, 3)}")


_MODELLED: IdentityMemo[bool] = IdentityMemo(256)
"""v2_modelled by (spec, facts): every worker of every plan asks it, and it walks the layers
(Llama 3.1 405B over 4,096 GPUs: 32,376 asks, 4.1 million layers walked)."""


def v2_modelled(spec: ModelSpec, facts: ModelFacts) -> bool:
    """Whether V2's warm profile peak is modelled for this model (dense decoders only)."""
    return _MODELLED.get_all((spec, facts), (), _dense_decoder, spec, facts)


def _dense_decoder(spec: ModelSpec, facts: ModelFacts) -> bool:
    """Work out what v2_modelled caches."""
    return (facts.vision is None and facts.dsv4 is None
            and all(isinstance(layer.mlp, DenseMlp) for layer in spec.layers)
            and not any(isinstance(kv, RecurrentStateKv) for kv in facts.kv_layers))


def v2_warm_activation(spec: ModelSpec, facts: ModelFacts, layers: range, last_stage: bool,
                       mbt: int, seqs: int, tp: int, act_bytes: int, fp32_copy: bool
                       ) -> tuple[int, str] | None:
    """V2's profile-run peak with a warm torch.compile cache: max(forward, sampler on the last
    stage), with its formula; None where not modelled (v2_modelled)."""
    if not v2_modelled(spec, facts):
        return None
    forward, forward_text = v2_forward_bytes(spec, layers, mbt, tp, act_bytes)
    if not last_stage:
        return forward, forward_text
    sampler, sampler_text = v2_sampler_bytes(facts, mbt, seqs, tp, act_bytes, fp32_copy)
    total = max(forward, sampler)
    return total, f"max({forward_text}, {sampler_text}) = {gib_text(total, 3)}"


COLD_START = ("a first (cold-compile) start-up peaks higher by an amount vLLM's source does "
              "not size (vLLM 0.27.1, RTX 4090, Qwen3-8B: 1.18 GiB cold, 0.19 GiB warm, an "
              "observed pair), so the plan keeps the V1 runner's figures for it (unverified "
              "for V2), its activation no lower than the warm peak (a first start-up runs the "
              "same dummy forward in the same measured window)")
"""Why a V2 plan keeps the V1 runner's activation and graph terms (module docstring)."""


EAGER = ("under --enforce-eager every start-up runs this same eager profile "
         "(compilation/decorators.py __call__ runs the plain forward), so there is no warm "
         "restart; the "
         "eager forward holds more than these moments (the layer's input and the MLP's normed "
         "input beside them, at TP > 1 the down_proj all-reduce's output), which vLLM's source "
         "sizes per architecture and Headroom does not read, so the plan keeps the V1 runner's "
         "figure (unverified for V2), no lower than these moments")
"""Why an eager V2 plan keeps the V1 runner's activation (module docstring); the activation
term's source before it (planner.serving.plan.terms EAGER_FIT_SOURCE) says why nothing
compiles (VllmConfig.__post_init__), so this does not say it again."""


ENCODER = ("the decoder's part is the V1 runner's figure, unverified for V2; the vision "
           "encoder's part is V2's own (v1/worker/gpu/mm/encoder_runner.py EncoderRunner."
           "profile_encoder_cache: its outputs held through the decoder's dummy run, its input "
           "batch freed by execute_mm_encoder first)")
"""What a V2 plan's activation reads from V2 for a vision encoder profiled on the worker
(vllm_versions.runner_encoder_rules)."""


def v2_term_notes(warm: tuple[int, str] | None, graph_estimate: bool, label: str,
                  eager: bool, encoder: bool) -> tuple[str, str]:
    """The activation and CUDA graph terms' notes on a V2 start-up of vLLM `label`: what V2
    subtracts with a warm compile cache (`warm`: v2_warm_activation) and why the plan keeps
    the V1 runner's figures; under --enforce-eager (`eager`) no compile runs and `warm`'s
    moments are a floor of the eager peak; with a vision encoder profiled on this worker
    (`encoder`) its part is V2's own (engine.encoder_profile)."""
    activation = ("; Model Runner V2 (v1/worker/gpu/model_runner.py profile_run; "
                  + (f"planner.serving.runner_v2): its sized moments are {warm[1]}; {EAGER}"
                     if warm and eager else
                     f"planner.serving.runner_v2): with a warm torch.compile cache it peaks at "
                     f"{warm[1]}; {COLD_START}" if warm else
                     "its peak is read for dense decoders only): "
                     + (ENCODER if encoder else "this is the V1 runner's figure, unverified for "
                        "V2")))
    graphs = ("; Model Runner V2 estimates it by capturing (cudagraph_utils.py "
              "profile_cudagraph_memory, 0.29.0-0.34.0 wheels): this per-graph figure is the "
              "V1 runner's, unverified for V2" if graph_estimate else
              f"; Model Runner V2 subtracts none in vLLM {label} (model_runner.py "
              "profile_cudagraph_memory returns 0 in the 0.20.0-0.28.0 wheels; it captures "
              "after the KV cache is sized); the plan keeps this figure beside the V1 "
              "runner's activation as its stand-in for a first start-up (see the activation "
              "term)")
    return activation, graphs
