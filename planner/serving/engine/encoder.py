"""vLLM's multimodal encoder profile run (EncoderProfile): the dummy items, Qwen3-VL's
dummy video, the tensors they keep alive, and which workers run it (profiled_encoder)."""

import math
from functools import lru_cache
from typing import NamedTuple

from planner.model.spec import VisionEncoder
from planner.serving.engine.facts import ModelFacts
from planner.serving.vllm_versions import DEFAULT_ENCODER_RULES, MM_LIMIT_PER_PROMPT, EncoderRules


class EncoderProfile(NamedTuple):
    """vLLM's multimodal encoder profile run on one worker (bytes)."""

    vit_peak: int  # the encoder step's own peak: the ViT's forward, or padding its outputs
    held: int  # what stays allocated through the decoder's dummy run
    items: int
    patches: int
    frames: int = 0  # the dummy video's frames where video is profiled; 0: the image
    rows: int = 0  # the rows each output is padded to (EncoderRules.expand_to); 0: none


VIDEO_FRAMES_CAP = 24_576
"""NOTE: qwen3_vl.py _MAX_FRAMES_PER_VIDEO, the most frames vLLM's dummy Qwen3-VL video takes
(get_num_frames_with_most_features) in the 0.11.0-0.14.0 wheels."""

VIDEO_TOKEN_SCALE = 12.5
"""NOTE: qwen3_vl.py Qwen3VLProcessingInfo.get_max_video_tokens, 0.11.0-0.12.0 wheels
(vllm_versions.SCALED_VIDEO_RULE): int(video embeddings x 12.5), the timestamp text vLLM
expects around each one."""


DUMMY_IMAGE_SIDE_PX = 9_999_999
"""NOTE: the side of the square image vLLM 0.11.0-0.12.0 resize to their largest Qwen3-VL image
(qwen2_vl.py get_image_size_with_most_features: _get_vision_info(image_width=9999999,
image_height=9999999, num_frames=1), the 0.11.0, 0.11.1, 0.11.2 and 0.12.0 wheels), which
their dummy video's frames start from (qwen3_vl.py get_dummy_mm_data, _get_max_video_frames).
From 0.13.0 it is the factor pair of longest_edge // (p m)^2 (vision.qwen3_vl_image_grid)."""


def _square_side(factor: int, max_pixels: int) -> int:
    """The side of vLLM 0.11.0-0.12.0's largest Qwen3-VL image, `factor` (patch x merge) px a
    merged token.

    NOTE: qwen3_vl.py _get_vision_info (0.11.0-0.12.0) resizes the DUMMY_IMAGE_SIDE_PX square
    with transformers' image smart_resize (qwen2_vl image_processing_qwen2_vl.py, 4.57.0; the
    same arithmetic in 5.22.0), max_pixels the image processor's longest_edge
    (VisionEncoder.image_max_pixels: vision.QWEN3_VL_MAX_PIXELS or the checkpoint's):
    round(side / factor) factor squared is over it, so beta =
    sqrt(side^2 / max_pixels) and the side is max(factor, floor(side / beta / factor) factor),
    in floats as transformers has it. Qwen3-VL (16 px, merge 2): floor(4,096 / 32) x 32 =
    4,096; an 18 px, merge-2 tower: floor(4,096 / 36) x 36 = 4,068, where the factor pair's
    15 x 863 tokens (51,780 patches, isqrt 227) would give a 4,086 px square."""
    beta = math.sqrt(DUMMY_IMAGE_SIDE_PX * DUMMY_IMAGE_SIDE_PX / max_pixels)
    return max(factor, math.floor(DUMMY_IMAGE_SIDE_PX / beta / factor) * factor)


def _video_patches(enc: VisionEncoder, frames: int) -> int:
    """Patches of a `frames`-frame dummy video at the image's largest size, vLLM 0.11.0-0.12.0.

    NOTE: qwen3_vl.py Qwen3VLProcessingInfo._get_vision_info with the video processor:
    transformers video_processing_qwen3_vl.py smart_resize(frames, side, side, temporal_factor
    t, factor p m, max_pixels = the video processor's longest_edge) (4.57.0, the same in
    5.22.0): edge = round(side / pm) pm, and where round(frames / t) t x edge^2 > max_pixels,
    edge = max(pm, floor(side / beta / pm) pm) with beta = sqrt(frames x side^2 / max_pixels);
    its min_pixels branch needs t_bar x edge^2 < shortest_edge, never true at side 4,096.
    grid_t = (frames + frames % t) // t; patches = grid_t (edge / p)^2. `side` is the square
    image's (_square_side: 4,096 for Qwen3-VL), which matters only where no shrink is taken
    (side / beta = sqrt(max_pixels / frames) whatever the side)."""
    factor = enc.patch * enc.merge
    side = _square_side(factor, enc.image_max_pixels)
    edge = round(side / factor) * factor
    if round(frames / enc.temporal) * enc.temporal * edge * edge > enc.video_max_pixels:
        beta = math.sqrt(frames * side * side / enc.video_max_pixels)
        edge = max(factor, math.floor(side / beta / factor) * factor)
    grid_t = max((frames + frames % enc.temporal) // enc.temporal, 1)
    return grid_t * (edge // enc.patch) ** 2


@lru_cache(maxsize=64)
def qwen3_vl_dummy_video(enc: VisionEncoder, max_model_len: int) -> tuple[int, int]:
    """(frames, patches) of vLLM 0.11.0-0.12.0's dummy Qwen3-VL video (SCALED_VIDEO_RULE, the
    releases where it can outrank the image: encoder_profile).

    NOTE: qwen2_vl.py get_num_frames_with_most_features (one video per prompt: the registry
    asks with mm_counts 1 each) = min(_get_max_video_frames(max_model_len), VIDEO_FRAMES_CAP):
    from 2 frames (qwen3_vl.py start_num_frames), one more while the next count's embeddings
    (_video_patches / m^2) stay within max_model_len. The dummy is processed with do_resize
    False and do_sample_frames False (qwen3_vl.py get_dummy_processor_inputs,
    _get_dummy_videos), so the ViT gets exactly these patches. Qwen3-VL-30B-A3B at 65,536
    tokens: 24,576 frames of 32 x 32 -> 12,288 x 2 x 2 = 49,152 patches, 12,288 embeddings."""
    merged = enc.merge * enc.merge
    frames = 2
    while frames < VIDEO_FRAMES_CAP and _video_patches(enc, frames + 1) // merged <= max_model_len:
        frames += 1
    return frames, _video_patches(enc, frames)


def dummy_items(span: int, mbt: int, seqs: int, max_model_len: int,
                limit: int = MM_LIMIT_PER_PROMPT) -> int:
    """The dummy items vLLM's encoder profile runs of the modality with the most tokens per item
    (`span`): multimodal/encoder_budget.py MultiModalBudget._get_max_items, the same in the
    0.16.0-0.34.0 wheels: max(1, min(budget // span, max_num_seqs x max(1, min(limit,
    max_model_len // span)))), limit its --limit-mm-per-prompt (999 unset:
    mm_modes.LIMITS_READ_FROM), budget = max(max_num_batched_tokens, span)
    (v1/core/encoder_cache_manager.py compute_mm_encoder_budget: the smaller of the compute
    budget and the encoder cache size, each max(max_num_batched_tokens, span)). Without chunked
    prefill it also caps the requests at max_num_batched_tokens // span, which moves no count:
    that cap x items per prompt is at least budget // span where max_num_batched_tokens >=
    span, and the count is 1 either way below it."""
    budget = max(mbt, span)
    per_prompt = max(1, min(limit, max_model_len // span))
    return max(1, min(budget // span, seqs * per_prompt))


def encoder_profile(enc: VisionEncoder, tp: int, mbt: int, seqs: int, max_model_len: int,
                    act_bytes: int, rules: EncoderRules = DEFAULT_ENCODER_RULES,
                    ) -> EncoderProfile:
    """The encoder half of vLLM's profile run, from the tensors it keeps alive.

    NOTE: vLLM v1/worker/gpu_model_runner.py profile_run (0.11.0-0.33.0 wheels; Model Runner V2,
    0.34.0's only runner, profiles alike: v1/worker/gpu/mm/encoder_runner.py
    profile_encoder_cache, 0.27.0-0.34.0, on the first PP rank): the encoder runs on one
    modality only, the one with the most tokens per item (get_modality_with_max_tokens; a tie
    goes to the video from 0.17.0: mm_modes.video_outranks), on max_mm_items_per_batch dummy
    items of it (v1/worker/utils.py to 0.15, multimodal/encoder_budget.py from 0.16, 0.34.0's
    as 0.33.0's: items = max(1, min(budget //
    tokens per item, max_num_seqs x max(1, min(999, max_model_len // tokens per item)))), budget
    = max(max_num_batched_tokens, the most tokens per item of any modality)). Qwen3-VL's image
    is 16,384 tokens; its video (qwen3_vl_dummy_video) outranks it at 0.11-0.12 only
    (rules.scaled_video: 12.5 x 12,288 = 153,600 tokens at 65,536 max_model_len, the sipeed
    log's "budget of 153600 tokens, and profiled with 1 video items"; Qwen3.5, which 0.11-0.12
    do not have, is planned alike, unverified); from 0.13 the video's embeddings stay below (at
    most 16,200 in 0.13-0.14, a 3-frame 2,880 x 2,880 dummy; 12,288 from 0.15: 2 frames at
    QWEN3_VL_VIDEO_MAX_PIXELS / 2) and the image is profiled, at the assumed limits (a
    checkpoint's video processor file may give a video above the image: mm_modes.
    video_outranks). With images at 0 and video above, or such a video (0.17.0 on:
    rules.video_patches, mm_modes.profiled_video_patches) the 2-frame video is
    profiled through the same ViT, its patches in place of the image's: Qwen3-VL-32B's 12,288
    tokens are 49,152 patches, 4 items at 65,536 batched tokens, 2 sequences and 32,768 tokens
    (budget // 12,288 = 5 > 2 x min(999, 32,768 // 12,288 = 2) = 4).
    The outputs stay in the encoder cache through the decoder's dummy run, and on Model Runner
    V1 the dummy batch stays referenced beside them (V2 frees it first: rules.inputs_held,
    vllm_versions.runner_encoder_rules); at 0.11 each output is first padded to `budget`
    rows, at 0.12 to the modality's tokens per item (rules.expand_to,
    vllm_versions.EXPAND_TO_*_RULE), and the unpadded outputs live beside the padded copies
    until the last is made. Pixel values
    arrive in the model dtype (multimodal/processing.py, 0.11.0-0.13.0; processing/context.py
    in 0.20.0). Llama 4 counts its 2,448 embeddings per item, not the 19 separator tokens
    around them (processing_llama4.py _prompt_split_image): at 0.12 its outputs would pad by
    19 rows each, not counted (< 1 MiB). The torch peak is the largest of
      ViT: input N x (c t p^2) + positions N x h (prepare_encoder_metadata) + deepstack
           outputs k x N / m^2 x out + the live set of one block (below), x dtype bytes;
      padding: input + outputs N / m^2 x out x (1 + k) + the padded copies;
      decoder: input (V1 only) + the outputs (padded, where padded) + the decoder's own
           peak.
    One block's live set (qwen3_vl.py Qwen3_VisionTransformer.forward / Qwen3_VisionBlock,
    qwen2_5_vl.py Qwen2_5_VisionAttention.forward, linear.py RowParallelLinear.forward; the
    same code in the 0.19.0, 0.24.0, 0.33.0 and 0.34.0 wheels; the encoder runs eager). The caller's
    `hidden_states = blk(hidden_states, ...)` holds the block's input until the block
    returns, and a call's argument (norm1(x), norm2(x)) lives until the call returns:
      attention, at its proj: input + norm1(x) + qkv 3h/TP + the rearranged q|k made
        contiguous 2h/TP + the rotated q|k 2h/TP + the attention output h/TP (locals of
        forward) + proj's output h, + h more at TP > 1 (the all-reduce is out of place:
        RowParallelLinear keeps output_parallel beside the reduced output):
        (3 + [TP > 1]) h + 8 h / TP;
      MLP: input + x + norm2(x) + fc1 and GELU outputs 2 i / TP (ColumnParallel fc1), or at
        fc2: GELU output i / TP + fc2's output h (+ h at TP > 1):
        max(3 h + 2 i / TP, (4 + [TP > 1]) h + i / TP).
    With video pruning on (rules.position_channels, video_pruning.position_channels) each
    output row carries 4 or 5 more channels of M-RoPE positions, and the image's outputs are
    copied once to append them (qwen3_vl.py _postprocess_image_embeds_evs: the ViT's output
    lives until every item's `torch.cat([emb, positions])` is made): a third peak of
      positions: input + outputs N / m^2 x (2 out (1 + k) + channels).
    A profiled dummy video's pruning copies (_postprocess_video_embeds_evs: the retained rows,
    the deepstack split and the timestamp text rows merged in) are not counted: its note says so.
    Not counted: rotary cos/sin (N x head_dim, 9 MiB at N = 65,536), cu_seqlens.
    Under --mm-encoder-tp-mode data (rules.data_parallel) every layer is whole on each GPU
    (qwen3_vl.py / mllama4.py use_data_parallel: disable_tp); vision.py (0.17.0, 0.34.0)
    run_dp_sharded_mrope_vision_model deals Qwen3-VL's dummy items over the TP ranks
    (get_load_balance_assignment) and run_dp_sharded_vision_model splits Llama 4's chunks
    evenly, then both all-gather the outputs. The block is taken at TP 1 over all N patches:
    exact for Qwen3-VL where one item is profiled (one GPU encodes it, the others none), an
    upper bound where the work is shared; the all-gather's padded copy (the outputs once more,
    transient) is not counted.
    Qwen3-VL-30B-A3B, one 16,384-token image (N = 65,536, h 1152, i 4304, k 3, out 2048),
    TP=1: attention 11 h = 12,672 > MLP 12,064 per patch: 201,326,592 + 150,994,944 +
    201,326,592 + 65,536 x 12,672 x 2 = 1,660,944,384 -> 2,214,592,512 B = 2.06 GiB.
    """
    tp = 1 if rules.data_parallel else tp
    merge = enc.merge * enc.merge
    patches, frames = enc.max_item_patches, 0
    if rules.video_patches:  # the 2-frame dummy video (mm_modes.profiled_video_patches)
        patches, frames = rules.video_patches, 2
    span = patches // merge  # tokens per item, as the budget counts them
    if rules.scaled_video and enc.video_max_pixels:
        video_frames, video_patches = qwen3_vl_dummy_video(enc, max_model_len)
        video_span = int(video_patches // merge * VIDEO_TOKEN_SCALE)
        if video_span > span:
            patches, frames, span = video_patches, video_frames, video_span
    budget = max(mbt, span)
    items = dummy_items(span, mbt, seqs, max_model_len, rules.items_per_prompt)
    n = items * patches
    merged = n // merge
    target = budget if rules.expand_to == "budget" else span if rules.expand_to == "item" else 0
    rows = target if target > patches // merge else 0
    width = enc.out_hidden * (1 + enc.deepstack) * act_bytes
    appended = width + rules.position_channels * act_bytes  # a row once pruning appends
    inputs = n * enc.patch_input * act_bytes
    held = (inputs if rules.inputs_held else 0) + (items * rows if rows else merged) * appended
    h, mlp, reduced = enc.hidden, enc.mlp // tp, 1 if tp > 1 else 0
    block = max((3 + reduced) * h + 8 * h // tp, 3 * h + 2 * mlp, (4 + reduced) * h + mlp)
    vit = (n * enc.patch_input + n * h + enc.deepstack * merged * enc.out_hidden
           + n * block) * act_bytes
    padding = held + merged * width if rows else 0
    positions = inputs + merged * (width + appended) if rules.position_channels else 0
    return EncoderProfile(max(vit, padding, positions), held, items, n, frames, rows)


def profiled_encoder(facts: ModelFacts, layers: range, tp: int, max_num_batched_tokens: int,
                     max_num_seqs: int, max_model_len: int, act_bytes: int,
                     mm_profiling: bool, encoder_every_stage: bool,
                     encoder_rules: EncoderRules) -> EncoderProfile | None:
    """The vision encoder's profile run on a worker of these layers (activation_bytes), or
    None where the profile run has none (no tower, --skip-mm-profiling, a later stage, Model
    Runner V2 before vllm_versions.V2_ENCODER_PROFILE_FROM: encoder_rules.profiled)."""
    if (facts.vision is None or not mm_profiling or not encoder_rules.profiled
            or (layers.start and not encoder_every_stage)):
        return None
    return encoder_profile(facts.vision, tp, max_num_batched_tokens, max_num_seqs,
                           max_model_len, act_bytes, encoder_rules)
