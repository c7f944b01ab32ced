"""Which vision towers' start-up encoder profile a plan accounts for, and the warning for the rest.

vLLM's profile run also runs the multimodal encoder on dummy items of the modality with the
most tokens (v1/worker/gpu_model_runner.py profile_run, 0.11.0-0.33.0 wheels, as
engine.encoder_profile reads it: skipped with --skip-mm-profiling, and where every modality's
--limit-mm-per-prompt is 0 the model runs text-only: weights.VISION_ON_EVERY_STAGE's note;
Model Runner V2 runs none before 0.27.0: vllm_versions.V2_ENCODER_PROFILE_FROM), and that
peak comes out of the KV cache budget. Three cases (issue 11):
  modelled: VisionSpec.encoder is set (Qwen3-VL family, Llama 4: engine.encoder_profile);
  measured: logged start-ups hold the encoder inside the fitted or checked activation
    (MEASURED), at their batch shape (MEASURED_TOKENS_PER_SEQ, one pipeline stage), and
    Gemma 3's do_pan_and_scan batch where it makes no more tower passes than theirs
    (mm_processor.pan_and_scan_profile, pan_and_scan_note);
  the rest: the plan says the peak is left out, and its verdict is no confident fit.
Multimodal models are planned from vLLM 0.11 (v1_oracle.uncovered_reason), whose `vllm serve`
takes --skip-mm-profiling (from 0.10.1: planner/serving/vllm_cli fixtures).
"""

from typing import NamedTuple

from planner.model.config.vision import GEMMA3_IMAGE_TOKENS
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.mm_modes import (
    profile_moved,
    profiled_limit,
    text_only,
    text_only_flag,
    video_profiled,
)
from planner.serving.mm_processor import (
    GEMMA3_PAN_AND_SCAN_CROPS,
    GEMMA3_PAN_AND_SCAN_IMAGE_TOKENS,
    PanAndScanProfile,
)
from planner.serving.vllm_versions import EncoderRules
from planner.text import counted


class Measured(NamedTuple):
    """A tower family whose encoder profile logged start-ups hold."""

    name: str
    runs: str  # the start-ups, with where they are and how close they land
    fit_lift: str = ""  # what those start-ups, rows of the activation fit, add to its figure


MEASURED_TOKENS_PER_SEQ = 8
"""NOTE: max_num_batched_tokens per max_num_seqs of every MEASURED start-up (vLLM's defaults
they ran with: 8,192 / 1,024 on the 80 GB H100, 2,048 / 256 on the A100 and L40S Gemma-4 runs,
as their plans resolve them). The encoder's dummy items grow with the batched tokens
(encoder_budget.py: budget // tokens per item) and the sampler's logits, which bind the
fitted activation of these models there, with the sequences: with more batched tokens per
sequence, or on a pipeline stage without the sampler, the encoder's share is not covered."""

_H100 = "vLLM 0.19.0, H100, ../shared/calibration/vllm-v0.19-h100.json"
_FIT = "the activation fit (bench/accuracy.py --fit: every H100 start-up that prints the peak)"
MEASURED = {
    ("gemma3", "siglip_vision_model"): Measured(
        "Gemma 3 SigLIP",
        f"the gemma-3-4b-it, gemma-3-12b-it and gemma-3-27b-it start-ups ({_H100}, TP=1) are "
        f"rows of {_FIT} (leave-one-out residuals -0.16 to -0.18 GiB); planned available KV "
        "within 1.1 % of each log",
        "refitted without these three of its 37 rows, the fit gives them 0.060-0.089 GiB less "
        "(gemma-3-4b-it 3.648 vs 3.737 GiB, 12b 3.712 vs 3.788, 27b 3.788 vs 3.848, at 8,192 "
        "tokens and 1,024 seqs)"),
    ("llava_next", "siglip_vision_model"): Measured(
        "granite-vision (LLaVA-NeXT SigLIP)",
        f"the granite-vision-3.3-2b start-up ({_H100}, TP=1) is a row of {_FIT} (leave-one-out "
        "residual -0.03 GiB); planned available KV within 0.1 % of its log",
        "refitted without it, the fit gives it 0.0003 GiB less (0.7622 vs 0.7625 GiB)"),
    ("kimi_vl", "moonvit"): Measured(
        "Kimi-VL MoonViT",
        f"the Kimi-VL-A3B-Instruct start-ups ({_H100}, TP=1 and TP=2) are rows of {_FIT} "
        "(leave-one-out residuals -0.06 and -0.04 GiB); planned available KV within 0.6 % of "
        "each log",
        "refitted without these two, the fit gives them 0.021-0.022 GiB less (TP=1 2.849 vs "
        "2.870 GiB, TP=2 2.799 vs 2.821)"),
    ("gemma4", "gemma4_vision"): Measured(
        "Gemma 4",
        "two public gemma-4-26B-A4B start-ups (bench/public_memory_runs.json, checked, never "
        "fitted): page-myoceane-a100-gemma4-26b-a4b-eager (vLLM 0.19, A100) 21.48 GiB of KV "
        "planned vs 21.50 logged, unresolved-l40s-gemma4-26b-a4b-fp8 (vLLM 0.25, L40S) 13.12 "
        "vs 12.75 (+2.9 %, within issue 11's 5 % / 0.5 GiB)"),
}
"""NOTE: (model_type, vision_config.model_type) of the families whose start-ups hold the
encoder profile in the activation the plan uses (figures: `python bench/accuracy.py`,
`python bench/public_memory.py`). fit_lift: the activation fit (bench/accuracy.py
activation_rows, the 37-row refit of `--fit`) least-squares refitted without the family's rows,
at those rows' features: the most their logged peaks, encoder profile included, lift the fitted
figure there (tests/test_public_benches.py re-derives it). The encoder's share inside it is not
separable (no start-up of these models without the encoder profile is measured), so a plan
where vLLM profiles no encoder (text-only serving, --skip-mm-profiling, a runner without one)
keeps the figure and says it may overstate by up to that much (fit_lift_note)."""

_NAMES = {
    "gemma3": "Gemma 3 SigLIP", "gemma4": "Gemma 4", "kimi_vl": "Kimi-VL MoonViT",
    "kimi_k25": "Kimi-K2.5 MoonViT-3D", "llava": "LLaVA", "llava_next": "LLaVA-NeXT",
    "mistral3": "Mistral 3 (Pixtral)", "qwen2_vl": "Qwen2-VL", "qwen2_5_vl": "Qwen2.5-VL",
}  # fmt: skip


def measured(spec: ModelSpec) -> Measured | None:
    """The MEASURED entry of this model's tower (None: modelled, unmeasured or no tower)."""
    vision = spec.vision
    if vision is None or vision.encoder is not None:
        return None
    return MEASURED.get((spec.model_type, vision.model_type))


def fit_lift_note(spec: ModelSpec, s: EngineSettings) -> str:
    """The activation note's words, where vLLM profiles no encoder, on what the fitted figure
    holds of this tower's profile all the same (MEASURED fit_lift); "" where no MEASURED row
    lifts the fit or the settings give the peak or the KV size."""
    cover = measured(spec)
    if (cover is None or not cover.fit_lift or s.activation_bytes is not None
            or s.kv_cache_memory_bytes):
        return ""
    return (f"; yet this figure is the activation fit, whose rows include the {cover.name} "
            f"start-ups that profiled it: {cover.fit_lift}, so it may overstate by up to that "
            "much (the encoder's share is not separable: no start-up without it was measured)")


def profiled(spec: ModelSpec, s: EngineSettings, rules: EncoderRules) -> bool:
    """Whether the plan's activation reads the encoder's start-up profile: vLLM runs it
    (no --skip-mm-profiling, not served text-only: mm_modes.text_only, a model runner that
    profiles one: `rules`, vllm_versions.runner_encoder_rules) and the settings give neither
    the peak nor the KV size."""
    return (not s.skip_mm_profiling and not text_only(spec, s) and rules.profiled
            and s.activation_bytes is None and not s.kv_cache_memory_bytes)


def _pan_and_scan_batch(p: PanAndScanProfile, mbt: int, seqs: int, max_model_len: int) -> str:
    """The words on vLLM's dummy batch under do_pan_and_scan beside the measured start-ups'."""
    tokens = GEMMA3_PAN_AND_SCAN_IMAGE_TOKENS
    return (f"--mm-processor-kwargs do_pan_and_scan: vLLM profiles {counted(p.items, 'image')} "
            f"of ({GEMMA3_PAN_AND_SCAN_CROPS} + 1) x {GEMMA3_IMAGE_TOKENS} = {tokens:,} tokens "
            f"(max(1, min(max({mbt:,}, {tokens:,}) // {tokens:,}, {seqs:,} x max(1, min({p.limit}, "
            f"{max_model_len:,} // {tokens:,})))), multimodal/encoder_budget.py), "
            f"{p.items:,} x {GEMMA3_PAN_AND_SCAN_CROPS + 1} = {p.crops:,} tower passes (crops "
            f"and the whole image, each pooled to {GEMMA3_IMAGE_TOKENS} embeddings), where the "
            f"measured start-ups' {GEMMA3_IMAGE_TOKENS}-token images make {p.plain_crops:,} at "
            "this batch shape")


def pan_and_scan_note(spec: ModelSpec, p: PanAndScanProfile | None, mbt: int, seqs: int,
                      max_model_len: int, act_bytes: int) -> str:
    """The activation note's words where do_pan_and_scan's encoder profile `p`
    (mm_processor.pan_and_scan_profile, None without the flag) stays within the measured
    start-ups' at this batch shape (no more crops); "" elsewhere. The outputs held through
    the decoder's dummy run are the images' embeddings x the text hidden size x the activation
    dtype (gemma3_mm.py Gemma3MultiModalProjector maps each to the text width)."""
    if p is None or p.crops > p.plain_crops:
        return ""
    row = spec.hidden_size * act_bytes
    rows = p.crops * GEMMA3_IMAGE_TOKENS
    plain_rows = p.plain_crops * GEMMA3_IMAGE_TOKENS
    tokens = GEMMA3_PAN_AND_SCAN_IMAGE_TOKENS
    return (f"; {_pan_and_scan_batch(p, mbt, seqs, max_model_len)}, so within theirs: every "
            "tensor of the profile grows with the passes (the tower's inputs and activations, "
            f"the outputs held through the decoder's dummy run: {rows:,} x "
            f"{spec.hidden_size:,} x {act_bytes} B = {rows * row:,} B against "
            f"{plain_rows:,} rows' {plain_rows * row:,} B), and this figure may overstate the "
            f"encoder's share (not separable) by up to {p.plain_crops - p.crops:,} / "
            f"{p.plain_crops:,} of it; the encoder cache stays max({mbt:,}, {tokens:,}) = "
            f"{max(mbt, tokens):,} embeddings (v1/core/encoder_cache_manager.py "
            "compute_mm_encoder_budget)")


def encoder_gap(spec: ModelSpec, s: EngineSettings, mbt: int, seqs: int, pp: int,
                max_model_len: int, rules: EncoderRules, cropped: PanAndScanProfile | None
                ) -> tuple[str, str] | None:
    """(the verdict's unmodelled part, the warning) where vLLM's start-up profile runs a
    vision encoder the plan's activation leaves out; None where it is modelled, covered by
    MEASURED at this batch shape (under do_pan_and_scan, with no more tower passes than
    theirs: `cropped`, mm_processor.pan_and_scan_profile), not run (--skip-mm-profiling,
    text-only, a runner without one: `rules`) or not read (a given activation peak or KV size)."""
    vision = spec.vision
    if vision is None or not profiled(spec, s, rules):
        return None
    if vision.encoder is not None:  # at 0.11-0.12 the video is the modelled profile already
        moved = video_profiled(spec, s) and not (rules.scaled_video or rules.video_patches)
        return _video_gap(spec, s, rules) if moved else None
    cover = measured(spec)
    shape_ok = pp == 1 and mbt <= MEASURED_TOKENS_PER_SEQ * seqs
    outgrown = cropped is not None and cropped.crops > cropped.plain_crops
    moved = profile_moved(spec, s)
    if cover and shape_ok and not outgrown and not moved:
        return None
    name = cover.name if cover else _NAMES.get(
        spec.model_type, f"{spec.model_type} ({vision.model_type})")
    why = ("its peak is not modelled" if cover is None else
           "its peak is not a term of its own, and the measured start-ups (the activation "
           "term's note names them) profiled it on the modality with the most tokens per item "
           f"at the defaults, which {text_only_flag(s)} sets to 0, so vLLM profiles another "
           "one (the most tokens per item among those above 0: multimodal/encoder_budget.py "
           "get_modality_with_max_tokens; mm_modes.PROFILED_AT_DEFAULTS)" if moved else
           "its peak is not a term of its own, and the measured start-ups (the activation "
           f"term's note names them) ran fewer tower passes "
           f"({_pan_and_scan_batch(cropped, mbt, seqs, max_model_len)}), and the encoder's "
           "share of the fitted figure is not separable: the excess is not sized"
           if shape_ok and cropped else
           "its peak is not a term of its own: the measured start-ups (the activation term's "
           "note names them) hold it inside the activation at up to "
           f"{MEASURED_TOKENS_PER_SEQ} batched tokens per sequence on one pipeline stage, "
           "where the sampler's logits set the peak; this plan has "
           f"{mbt:,} / {seqs:,} = {mbt / seqs:,.0f} batched tokens per sequence"
           + (f" on {pp} pipeline stages (only the last one samples)" if pp > 1 else "")
           + ", where the encoder can outgrow them")
    return (f"{name} vision encoder start-up profile", (
        f"vLLM profiles the {name} vision encoder on dummy items at start-up "
        f"({rules.profile_run}) and that peak comes out of the KV cache; {why}, "
        "so the activation and KV figures may be optimistic: check against a real start-up. "
        "--skip-mm-profiling leaves it out of the profile (leave room for it yourself); "
        "--limit-mm-per-prompt with every modality at 0 (e.g. "
        "'{\"image\": 0, \"video\": 0}') serves text only and profiles no encoder."))


def _video_gap(spec: ModelSpec, s: EngineSettings, rules: EncoderRules) -> tuple[str, str]:
    """(the verdict's unmodelled part, the warning) where vLLM profiles a modelled tower on its
    dummy video (mm_modes.video_profiled) in a release whose dummy video is not read
    (mm_modes.VIDEO_PROFILE_READ_FROM), which the plan stands in for with its image's."""
    why = (f"{text_only_flag(s)}: with images at 0" if profile_moved(spec, s) else
           f"its video processor's longest_edge ({spec.vision.encoder.video_pixels_source}) "
           "gives a video more tokens per item than the image:")
    return ("vision encoder start-up profile on the dummy video", (
        f"{why} vLLM profiles the vision encoder on its dummy "
        f"video ({rules.profile_run}; multimodal/encoder_budget.py get_modality_with_max_tokens "
        "among the modalities above 0), whose frames and budget Headroom does not model: the "
        f"activation holds the image's profile instead, at the video's {profiled_limit(spec, s):,} "
        "items per prompt, so the activation and KV figures may be off either way: check "
        "against a real start-up"))
