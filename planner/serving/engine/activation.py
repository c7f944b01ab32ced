"""The profile run's activation peak: the calibrated fit (SAMPLER_COEF), the sort
sampler of vLLM 0.9.1-0.16.0, DeepSeek-V4's and the vision encoder's share."""

from planner.memo import IdentityMemo
from planner.serving.activation_dsv4 import dsv4_activation, dsv4_marlin
from planner.serving.engine.encoder import VIDEO_TOKEN_SCALE, profiled_encoder
from planner.serving.engine.facts import ModelFacts
from planner.serving.vllm_versions import DEFAULT_ENCODER_RULES, EncoderRules
from planner.text import counted
from planner.units import gib_text

SAMPLER_COEF = 3.637
FORWARD_COEF = 0.308
MOE_ROUTED_COEF = 2.574
"""NOTE: activation peak of the profile run (torch_peak_increase), least-squares fit on the
first 26 v0.19 H100 start-ups that print it. `python bench/accuracy.py --fit` re-derives them
on all 35 bundled cases (gemma-2 served in bf16): 3.640 / 0.280 / 2.615, within the
leave-one-out residual of these values, which give the lower worst-case KV error, so kept:
  peak = 3.637 x S + 0.308 x F + 2.574 x R, where
  S = min(max_num_seqs, max_num_batched_tokens) x vocab x 4 B (fp32 logits of the dummy
      sampler run; last PP stage only; not split by TP: logits are gathered),
  F = max_num_batched_tokens x (hidden + widest MLP output per rank) x dtype bytes,
  R = max_num_batched_tokens x experts_per_token x hidden x dtype bytes (MoE stages).
Llama-3.1-8B, 8192 tokens, 1024 seqs: S = 1024 x 128,256 x 4 = 0.489 GiB,
F = 8192 x (4096 + 28,672) x 2 = 0.500 GiB -> 1.78 + 0.15 = 1.93 GiB (log: 1.89).
Leave-one-out residual 0.087 GiB mean (4.5 %), worst -0.37 GiB (Mixtral-8x7B, TP=2);
multimodal models' vision encoders are profiled too (encoder_profile: Qwen3-VL, Llama 4; the
other towers: encoder_cover, measured inside this fit or warned about).
Figures and per-case residuals: planner/accuracy_data/accuracy_results.json.
The fit describes cold starts: each of the 15 logs read (of the 16 the index holds) prints
"Compiling a graph for compile range (1, 8192) takes" and "Cache the graph", none "Directly
load the compiled graph(s) ... from the cache", and vLLM compiles inside the measured window
(0.19.0 v1/worker/gpu_worker.py determine_available_memory: memory_profiling resets the peak
stats, utils/mem_utils.py, then profile_run's first forward compiles). A warm cache can log a
lower peak: one public V2 pair (0.27.1, RTX 4090, Qwen3-8B) 1.18 GiB cold, 0.19 warm; no
warm V1 start-up was found."""


_WIDTHS: IdentityMemo[tuple[int, int]] = IdentityMemo(1024)


def activation_features(
    facts: ModelFacts,
    layers: range,
    last_stage: bool,
    max_num_batched_tokens: int,
    max_num_seqs: int,
    tp: int,
    act_bytes: int,
) -> tuple[int, int, int]:
    """The three byte counts the activation fit weighs: sampler S, forward F, MoE routed R."""
    mbt = max_num_batched_tokens
    widest, routed = stage_widths(facts, layers)
    width = widest // tp
    sampler = min(max_num_seqs, mbt) * facts.vocab_size * 4 if last_stage else 0
    forward = mbt * (facts.hidden_size + width) * act_bytes
    return sampler, forward, mbt * routed * facts.hidden_size * act_bytes


def activation_inputs(facts: ModelFacts, layers: range, last_stage: bool,
                      max_num_batched_tokens: int, max_num_seqs: int, tp: int,
                      act_bytes: int, sort_sampler: bool = False,
                      holds_forward: bool = True) -> dict[str, int | float]:
    """The named inputs of the fitted activation peak (SAMPLER_COEF: its three fitted
    coefficients, and the S, F, R byte counts with what each is made of); the sort sampler's
    moment in place of the fit's sampler term where vLLM < 0.17 sorts (`sort_sampler`:
    sort_sampler_peak_bytes, from source)."""
    mbt = max_num_batched_tokens
    sampler, forward, moe = activation_features(facts, layers, last_stage, mbt, max_num_seqs,
                                                tp, act_bytes)
    widest, routed = stage_widths(facts, layers)
    seqs = min(max_num_seqs, mbt) if last_stage else 0
    sampled: dict[str, int | float] = {
        "fitted_sampler_coef": SAMPLER_COEF, "sampler_seqs": seqs,
        "vocab_size": facts.vocab_size, "logits_dtype_bytes": 4, "sampler_bytes": sampler}
    if sort_sampler and last_stage:
        sampled = {"sampler_seqs": seqs, "vocab_size": facts.vocab_size,
                   "sort_row_bytes": SORT_ROW_BYTES, "sort_sampler_peak_bytes":
                   sort_sampler_peak_bytes(facts, seqs, mbt, act_bytes, holds_forward)[0]}
    if facts.dsv4 is not None:  # activation_dsv4: the tensors vLLM holds, the fit's sampler
        return {**sampled, "max_num_batched_tokens": mbt, "hidden_size": facts.hidden_size,
                "activation_dtype_bytes": act_bytes}
    return {
        **sampled, "fitted_forward_coef": FORWARD_COEF,
        "max_num_batched_tokens": mbt, "hidden_size": facts.hidden_size,
        "mlp_width_per_gpu": widest // tp, "activation_dtype_bytes": act_bytes,
        "forward_bytes": forward, "fitted_moe_routed_coef": MOE_ROUTED_COEF,
        "experts_per_token": routed, "moe_routed_bytes": moe}


def stage_widths(facts: ModelFacts, layers: range) -> tuple[int, int]:
    """The widest MLP and the most routed experts per token among `layers`: all that
    activation_bytes reads of a stage's layers, with whether the stage is the first and the
    last (cached per range)."""
    return _WIDTHS.get(facts, (layers.start, layers.stop), _widest, facts, layers)


def _widest(facts: ModelFacts, layers: range) -> tuple[int, int]:
    """The widest MLP and the most routed experts per token among these layers."""
    return (max((facts.mlp_width[i] for i in layers), default=0),
            max((facts.routed_per_token[i] for i in layers), default=0))


def activation_peak_bytes(features: tuple[int, int, int]) -> int:
    """Profile-run activation peak from the (S, F, R) byte counts (see SAMPLER_COEF)."""
    sampler, forward, moe = features
    return int(SAMPLER_COEF * sampler + FORWARD_COEF * forward + MOE_ROUTED_COEF * moe)


SORT_ROW_BYTES = 4 + 4 + 8
"""NOTE: per logit, what vLLM 0.9.1-0.16.0's dummy sampler holds on top of the model-dtype
logits that _dummy_sampler_run keeps (gpu_model_runner.py; compute_logits gathers the full
vocabulary on every TP rank): the fp32 copy (v1/sample/sampler.py Sampler.forward,
logits.to(torch.float32)) and logits.sort's outputs, fp32 values + int64 indices
(v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p; vllm_versions.TRITON_TOP_K_TOP_P_FROM)."""

SORT_SCRATCH_BYTES = {"segmented": 8 + 4 + 8, "full": 8 + 8 + 4 + 4 + 8}
"""NOTE: per logit, the sort's scratch (PyTorch aten/src/ATen/native/cuda/SortStable.cu
launch_stable_sort_kernel, rows of more than 4,096 values): 128 rows or more ("segmented",
segmented_sort_pairs): int64 reverse indices + cub's DeviceSegmentedRadixSort third key (fp32)
and value (int64) buffers, allocated when the source may not be overwritten
(cub dispatch_radix_sort.cuh: allocation_sizes "bytes needed for 3rd keys/values buffer");
2-127 rows ("full", segmented_sort_pairs_by_full_sort): two int2 index-and-segment arrays,
radix_sort_pairs' fp32 keys_out (allocated when passed nullptr) and DeviceRadixSort's third key
(fp32) and value (int2) buffers. One row, or rows of a million values or more
(segmented_sort_large_segments), sort one row at a time: the "segmented" bytes of one row."""


def sort_sampler_peak_bytes(facts: ModelFacts, seqs: int, mbt: int, act_bytes: int,
                            holds_forward: bool) -> tuple[int, str]:
    """vLLM 0.9.1-0.16.0's dummy-sampler moment (SORT_ROW_BYTES, SORT_SCRATCH_BYTES) with the
    forward's outputs profile_run still holds: the hidden states of every token (from 0.9.2,
    vllm_versions.SAMPLER_HOLDS_FORWARD_FROM), the sampled rows and their torch.rand_like."""
    vocab = facts.vocab_size
    if seqs == 1 or vocab >= 1_000_000:
        kind, per, count = "one row at a time", SORT_SCRATCH_BYTES["segmented"], vocab
    elif seqs < 128:
        kind, per, count = "full sort", SORT_SCRATCH_BYTES["full"], seqs * vocab
    else:
        kind, per, count = "segmented", SORT_SCRATCH_BYTES["segmented"], seqs * vocab
    rows = (mbt if holds_forward else 0) + 2 * seqs
    total = (seqs * vocab * (act_bytes + SORT_ROW_BYTES) + per * count
             + rows * facts.hidden_size * act_bytes)
    return total, (f"sort sampler {seqs} x {vocab:,} x ({act_bytes} + {SORT_ROW_BYTES}) B"
                   f" + {per} B x {count:,} ({kind} scratch) + {rows} rows x "
                   f"{facts.hidden_size} x {act_bytes} B held = {gib_text(total)}")


def activation_bytes(
    facts: ModelFacts,
    layers: range,
    last_stage: bool,
    max_num_batched_tokens: int,
    max_num_seqs: int,
    tp: int,
    act_bytes: int,
    max_model_len: int = 0,
    expert_tp: int = 1,
    compute_capability: str = "",
    sort_sampler: bool = False,
    holds_forward: bool = True,
    mm_profiling: bool = False,
    encoder_every_stage: bool = False,
    encoder_rules: EncoderRules = DEFAULT_ENCODER_RULES,
    moe_workspace: int = 0,
    dsv4_sequence_parallel: bool = False,
) -> tuple[int, str]:
    """Profile-run activation peak of one worker, with its formula filled in (DeepSeek-V4:
    planner.serving.activation_dsv4, its sampler from the fit's sampler term; `expert_tp` (the
    ranks each routed expert is sliced over: ParallelLayout.expert_tp, tp x dp without EP, 1
    with it) and `compute_capability` pick its MoE kernel's split and workspace; `sort_sampler`
    and `holds_forward`: vllm_versions.TRITON_TOP_K_TOP_P_FROM, SAMPLER_HOLDS_FORWARD_FROM;
    `mm_profiling`: the profile run includes the vision encoder's (encoder_profile, on the first
    stage of a model with one, and on every stage with `encoder_every_stage`; vLLM without
    --skip-mm-profiling; `encoder_rules`: the release's on its model runner,
    vllm_versions.runner_encoder_rules);
    `moe_workspace`: what the MoE backend allocates in the decoder's dummy run and keeps
    (planner.serving.moe_backend), on top of the decoder's peak);
    `dsv4_sequence_parallel`: DeepSeek-V4 runs vLLM's sequence-parallel mode on this layout
    (weights_dsv4.dsv4_sequence_parallel: activation_dsv4.streams_bytes).

    NOTE: the V1 runner's profile_run (gpu_model_runner.py, the 0.10.1-0.33.0 wheels) calls
    model.embed_multimodal with no get_pp_group().is_first_rank test, so every stage that
    builds the tower (weights.VISION_ON_EVERY_STAGE) runs the encoder's profile; Model Runner
    V2's (v1/worker/gpu/model_runner.py, 0.27.0-0.34.0) only on the first PP rank, and none
    before 0.27.0 (vllm_versions.V2_ENCODER_PROFILE_FROM)."""
    decoder, formula = _decoder_activation_bytes(
        facts, layers, last_stage, max_num_batched_tokens, max_num_seqs, tp, act_bytes,
        max_model_len, expert_tp, compute_capability, sort_sampler, holds_forward,
        dsv4_sequence_parallel)
    if moe_workspace:
        decoder += moe_workspace
        formula += (f"; + {gib_text(moe_workspace)} MoE workspace (the moe_workspace term) "
                    f"= {gib_text(decoder)}")
    enc = profiled_encoder(facts, layers, tp, max_num_batched_tokens, max_num_seqs,
                           max_model_len, act_bytes, mm_profiling, encoder_every_stage,
                           encoder_rules)
    if enc is None:
        return decoder, formula
    total = max(enc.vit_peak, enc.held + decoder)
    vision = facts.vision
    if encoder_rules.video_patches:
        video, image = encoder_rules.video_patches, vision.max_item_patches
        why = ("more tokens per item than the image" if video > image else
               "as many tokens per item as the image, a tie vLLM gives the video" if video == image
               else "images at 0")
        item = (f"{counted(enc.items, 'dummy video')} of {enc.frames:,} frames at the video "
                f"processor's largest size, {_limit_from(vision.video_pixels_source)}: "
                f"{enc.patches:,} patches ({why}: mm_modes.profiled_video_patches)")
    elif enc.frames:
        item = (f"{counted(enc.items, 'dummy video')} of {enc.frames:,} frames, {enc.patches:,} "
                f"patches: vLLM 0.11-0.12 count {VIDEO_TOKEN_SCALE:g} tokens per video "
                "embedding, so video outranks the image (video processor size "
                f"{_limit_from(vision.video_pixels_source)})")
    else:
        item = (f"{counted(enc.items, 'dummy image')} at the image processor's largest size, "
                f"{_limit_from(vision.image_pixels_source)}: {enc.patches:,} patches")
    padded = (f", each output padded to {enc.rows:,} rows (vLLM 0.11-0.12 profile_run)"
              if enc.rows else "")
    # encoder.encoder_profile takes the block at TP 1 under data mode: say so where TP > 1
    widths = (f", the tower whole: TP 1 widths on each of the {tp} GPUs (--mm-encoder-tp-mode "
              "data)" if encoder_rules.data_parallel and tp > 1 else "")
    held = ("input + outputs" if encoder_rules.inputs_held else
            "outputs (Model Runner V2 frees the input batch first: v1/worker/gpu/mm/"
            "encoder_runner.py execute_mm_encoder)")
    if encoder_rules.position_channels:
        held += (f", each row {encoder_rules.position_channels} M-RoPE position channels wider "
                 "(--video-pruning-rate: qwen3_vl.py _postprocess_image_embeds_evs, which "
                 "copies the outputs once to append them)")
    return total, (
        f"max(vision encoder profile {gib_text(enc.vit_peak)} ({item}{padded}{widths}), "
        f"{gib_text(enc.held)} encoder {held} held + "
        f"decoder {gib_text(decoder)}) = {gib_text(total)}; decoder: " + formula)


def _limit_from(source: str) -> str:
    """Where a processor's size limit came from (VisionEncoder.image_pixels_source,
    video_pixels_source), or 'unverified' for the assumed one."""
    return f"from {source}" if source else "unverified"


def _decoder_activation_bytes(
    facts: ModelFacts, layers: range, last_stage: bool, max_num_batched_tokens: int,
    max_num_seqs: int, tp: int, act_bytes: int, max_model_len: int, expert_tp: int,
    compute_capability: str, sort_sampler: bool, holds_forward: bool,
    dsv4_sequence_parallel: bool,
) -> tuple[int, str]:
    """activation_bytes without the vision encoder: the decoder's peak and its formula."""
    mbt = max_num_batched_tokens
    sampler, forward, moe = activation_features(
        facts, layers, last_stage, mbt, max_num_seqs, tp, act_bytes
    )
    if facts.dsv4 is not None:
        return dsv4_activation(facts.dsv4, tp, mbt, max_model_len, act_bytes,
                               int(SAMPLER_COEF * sampler), expert_tp,
                               dsv4_marlin(compute_capability), dsv4_sequence_parallel)
    total = activation_peak_bytes((sampler, forward, moe))
    seqs = min(max_num_seqs, mbt) if last_stage else 0
    width = forward // (mbt * act_bytes) - facts.hidden_size
    routed = moe // (mbt * facts.hidden_size * act_bytes)
    forward_formula = (
        f"{FORWARD_COEF} x {mbt} tokens x ({facts.hidden_size} hidden + {width} widest MLP "
        f"up-projection per GPU) x {act_bytes} B + {MOE_ROUTED_COEF} x {mbt} tokens x {routed} "
        f"experts per token x {facts.hidden_size} hidden x {act_bytes} B")
    if sort_sampler and last_stage:
        # the dummy sampler sorts (vLLM 0.9.1-0.16.0): the larger of the fit's forward terms
        # and the sampler's moment; the profile run frees the forward's activations before
        # sampling, so the two do not add
        fwd = activation_peak_bytes((0, forward, moe))
        peak, sampler_formula = sort_sampler_peak_bytes(facts, seqs, mbt, act_bytes,
                                                        holds_forward)
        total = max(fwd, peak)
        return total, (f"max(forward {forward_formula} = {gib_text(fwd)}, "
                       f"{sampler_formula}) = {gib_text(total)}")
    formula = (
        f"{SAMPLER_COEF} x {seqs} seqs{'' if last_stage else ' (no sampler: not the last stage)'}"
        f" x {facts.vocab_size:,} vocab x 4 B + "
        + forward_formula + f" = {gib_text(total)}"
    )
    return total, formula
