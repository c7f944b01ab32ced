"""What vLLM's text-only and encoder-parallel flags change in a multimodal model's memory.

--language-model-only (0.17.0 on) and --limit-mm-per-prompt with every modality of the tower at
0 serve the model text-only: the worker runs no encoder profile and uses no encoder cache, and
the release drops the tower's weights where it builds it under a limit guard
(vllm_versions.TOWER_MODALITIES, TOWER_SKIPPED_AT_ZERO_FROM, EARLY_TOWER_SKIP_TYPES). Gemma 4
with an audio_config declares audio too (AUDIO_TOWER_TYPES): text-only needs it at 0 as well, and
image and video at 0 without it are refused (audio_limit_refusal), its audio tower not sized.
--mm-encoder-tp-mode data holds the whole tower on every TP rank where the model class takes it
(vllm_versions.ENCODER_TP_DATA_TYPES); elsewhere vLLM falls back to weights.
"""

import json
import re
from collections.abc import Iterable
from typing import NamedTuple

from planner.memo import IdentityMemo
from planner.model.config.vision import qwen3_vl_video_tokens
from planner.model.spec import (
    AUDIO_UNCOUNTED,
    AUDIO_UNCOUNTED_WARNING,
    ModelSpec,
    uncounted_towers,
)
from planner.serving.engine import EngineSettings
from planner.serving.lora.tower import (
    TOWER_LORA_CLASS_FLAG_FROM,
    TOWER_LORA_CLASSES,
    TOWER_LORA_IGNORED_LOG,
    TOWER_LORA_OFF_LOG,
    TOWER_LORA_OFF_TEXT_ONLY_FROM,
    gemma4_tower_refusal,
    registry_class_name,
)
from planner.serving.processor_order import processor_order_spec, read_encoder
from planner.serving.video_pruning import pruning_refusal
from planner.serving.vllm_versions import (
    AUDIO_TOWER_SKIPPED_FROM,
    AUDIO_TOWER_TYPES,
    EARLY_TOWER_SKIP_TYPES,
    ENCODER_TP_DATA_WHOLE_FROM,
    MM_LIMIT_PER_PROMPT,
    MOONVIT_SPLIT_FROM,
    TOWER_MODALITIES,
    TOWER_SKIPPED_AT_ZERO_FROM,
    Version,
    encoder_tp_data_taken,
    parse_version,
    version_label,
)
from planner.text import shortened


def given_limits(s: EngineSettings) -> dict[str, int]:
    """--limit-mm-per-prompt as given: each modality's count in the order given (mm_limit_order;
    where it names none, the modalities at 0, then those with a count above 0)."""
    limits = {**dict.fromkeys(s.zero_mm_limits, 0), **dict(s.mm_item_limits)}
    return {**{m: limits[m] for m in s.mm_limit_order if m in limits}, **limits}


def limit_settings(counts: dict[str, int]) -> dict[str, tuple]:
    """The EngineSettings fields of --limit-mm-per-prompt's `counts` (modality -> count, in
    the order given; given_limits reads them back): zero_mm_limits, mm_item_limits and
    mm_limit_order; {} for none (the app's count fields)."""
    if not counts:
        return {}
    return {"zero_mm_limits": tuple(m for m, c in counts.items() if c == 0),
            "mm_item_limits": tuple((m, c) for m, c in counts.items() if c),
            "mm_limit_order": tuple(counts)}


def modality_word(modality: str) -> str:
    """A --limit-mm-per-prompt key as notes and errors name it: as given where it is one word
    (image, video), else as JSON, so that the empty name reads "" and not as a blank."""
    return modality if re.fullmatch(r"\w+", modality) else json.dumps(modality)


def limit_words(limits: Iterable[tuple[str, int]]) -> str:
    """'image 0, video 2': each modality (modality_word) with its count, shortened."""
    return shortened(", ".join(f"{modality_word(m)} {c}" for m, c in limits))


def text_only_flag(s: EngineSettings) -> str:
    """The flag that asks for text-only serving, or sets the limits, as the notes name it ('' where
    none does)."""
    if s.language_model_only:
        return "--language-model-only"
    limits = given_limits(s)
    return "--limit-mm-per-prompt " + limit_words(limits.items()) if limits else ""


LIMITS_READ_FROM: Version = (0, 16, 0)
"""NOTE: how a --limit-mm-per-prompt count enters start-up memory, read in every wheel
0.16.0-0.34.0 (multimodal/encoder_budget.py: one text 0.17.0-0.26.0, the same rules with a
processor cache argument 0.27.0-0.30.0 and 0.31.0-0.34.0; 0.16.0's differs from 0.17.0's only
in get_modality_with_max_tokens, which keys on the tokens alone, a tie going to the first
modality met, and in keeping no processor; v1/core/encoder_cache_manager.py
compute_mm_encoder_budget, _get_max_items, profile_run, _get_mm_dummy_batch and
allowed_mm_limits the same in each). MultiModalBudget.__init__ takes each declared
modality's allowed_mm_limits (multimodal/processing/context.py: min(get_limit_per_prompt,
the class's get_supported_mm_limits), 999 where unset, 0 for each under
--language-model-only: config/multimodal.py) and keeps those above 0 (tower_modalities); the
encoder budget is max(max_num_batched_tokens, the most tokens per item among them)
(compute_mm_encoder_budget: the compute budget and the encoder cache size alike, each the
scheduler's max(max_num_batched_tokens, ...)); the profile (v1/worker/gpu_model_runner.py
profile_run 0.16.0-0.33.0, v1/worker/gpu/mm/encoder_runner.py profile_encoder_cache on Model
Runner V2) encodes mm_max_items_per_batch dummy items of get_modality_with_max_tokens (the
most tokens per item among them, ties to the later name from 0.17.0), where _get_max_items gives
max(1, min(budget // tokens, max_num_seqs x max(1, min(limit, max_model_len // tokens)))).
So a count enters the profile as that limit only, and a modality at 0 leaves the budget and
the choice of modality. The decoder's dummy run (_dummy_run(max_num_tokens)) holds no
multimodal token at any limit, and the encoder cache is no GPU buffer made at start-up (the
scheduler's EncoderCacheManager counts embeddings; the worker's encoder_cache is a dict the
profile fills and clears). `vllm serve` reads the flag as JSON in every release covered
(engine/arg_utils.py: parse_type(json.loads) for a dict field; a count or {"count": n, ...},
count >= 0: config/multimodal.py BaseDummyOptions; "image=4" is no JSON). Before 0.16.0 the
budget code (v1/worker/utils.py) is not read here, so a count above 0 is not planned there
(limit_refusal)."""

SUPPORTED_MM_CAPS: dict[str, dict[str, int]] = {"paligemma": {"image": 1}}
"""NOTE: the classes whose get_supported_mm_limits caps a modality below any count (paligemma.py
{"image": 1} in every wheel 0.16.0-0.34.0); every other class of TOWER_MODALITIES returns
None for each in every wheel that has it (no cap: qwen2_vl.py, which the Qwen3-VL family's
processing info takes, mllama4.py, gemma3_mm.py, gemma4_mm.py, kimi_vl.py, llava.py,
mistral3.py, kimi_k25.py).
allowed_mm_limits cuts a count to the cap without a word."""


def allowed_limit(spec: ModelSpec, s: EngineSettings, modality: str) -> int:
    """vLLM's items per prompt of `modality` (multimodal/processing/context.py
    allowed_mm_limits): 0 under --language-model-only or where given 0, the count given, else
    999, cut to the class's own limit (SUPPORTED_MM_CAPS)."""
    if s.language_model_only or modality in s.zero_mm_limits:
        return 0
    limit = dict(s.mm_item_limits).get(modality, MM_LIMIT_PER_PROMPT)
    return min(limit, SUPPORTED_MM_CAPS.get(spec.model_type, {}).get(modality, limit))


PROFILED_AT_DEFAULTS: dict[str, str] = {"gemma4": "video"}
"""NOTE: the modality vLLM's encoder profile encodes at the default limits (the most tokens per
item: LIMITS_READ_FROM's NOTE) where it is not the image: gemma4_mm.py
get_mm_max_tokens_per_item (0.19.0-0.34.0) gives a video _VIDEO_MAX_FRAMES 32 x (70 soft
tokens + boi + eoi + 6 timestamp tokens) = 2,496 (lora.tower.GEMMA4_VIDEO_TOKENS), an image its
default_output_length or max_soft_tokens, at most 1,120. The Qwen3-VL family's image (16,384)
outranks its video (12,288) from 0.15.0 at the assumed limits
(model.config.vision.QWEN3_VL_VIDEO_MAX_PIXELS); a checkpoint's processor files may give a
video above it (video_outranks)."""


def profile_moved(spec: ModelSpec, s: EngineSettings) -> bool:
    """Whether a limit of 0 takes out the modality vLLM profiles at the defaults
    (PROFILED_AT_DEFAULTS, else the image) while the model is not served text-only, so that
    vLLM profiles another modality (the most tokens per item among those above 0)."""
    first = PROFILED_AT_DEFAULTS.get(spec.model_type, "image")
    return (first in (declared_modalities(spec) or ()) and not text_only(spec, s)
            and allowed_limit(spec, s, first) == 0)


def video_profiled(spec: ModelSpec, s: EngineSettings) -> bool:
    """Whether vLLM profiles a modelled tower (the Qwen3-VL family) on its dummy video: image at
    0 and video above it (profile_moved), or the video outranking the image (video_outranks).
    Planned from VIDEO_PROFILE_READ_FROM (profiled_video_patches); before, the image's profile
    stands in, flagged."""
    return spec.vision is not None and spec.vision.encoder is not None and (
        profile_moved(spec, s) or video_outranks(spec, s))


def video_outranks(spec: ModelSpec, s: EngineSettings) -> bool:
    """Whether a Qwen3-VL-family tower's video has more tokens per item than its image while
    both are above 0, so that vLLM's profile encodes the video (get_modality_with_max_tokens:
    LIMITS_READ_FROM's NOTE), or as many from 0.17.0, whose max keys on (tokens, name), the
    tie going to "video" (0.16.0's to the first modality met, not known: the image stands).
    Never at the assumed limits (12,288 < 16,384: PROFILED_AT_DEFAULTS); a checkpoint whose
    video processor file gives about twice the image's longest_edge or more
    (model.config.processor), e.g. a copy of Qwen3.5-9B-Base's, 234,881,024 px: 114,688 tokens
    (model.config.vision.qwen3_vl_video_tokens) > 16,384."""
    enc = spec.vision.encoder if spec.vision is not None else None
    if (enc is None or not enc.video_max_pixels or text_only(spec, s)
            or not min(allowed_limit(spec, s, "image"), allowed_limit(spec, s, "video"))):
        return False
    video = qwen3_vl_video_tokens(enc.patch, enc.merge, enc.temporal, enc.video_max_pixels)
    image = enc.max_item_patches // (enc.merge * enc.merge)
    return video > image or (video == image
                             and parse_version(s.vllm_version) >= VIDEO_PROFILE_READ_FROM)


VIDEO_PROFILE_READ_FROM: Version = (0, 17, 0)
"""NOTE: how vLLM's encoder profile runs the Qwen3-VL family's dummy video, read in every
0.17.0-0.34.0 source (patch releases included; qwen3_5.py takes Qwen3VLDummyInputsBuilder and
the class's _process_video_input): qwen3_vl.py get_dummy_mm_data builds target_num_frames = 2
frames of get_image_size_with_most_features(max_pixels = video longest_edge //
temporal_patch_size), resized by _get_vision_info (the size get_max_video_tokens counts:
model.config.vision.qwen3_vl_video_tokens), and _get_dummy_videos marks them
do_sample_frames False, so the processor keeps both frames; _process_video_input sends
pixel_values_videos through the same self.visual(pixel_values, grid_thw) as an image (or
run_dp_sharded_mrope_vision_model under data mode), each row c x t x p^2 values, one per
patch: grid_t x grid_h x grid_w = tokens x merge^2 patches, the embeddings tokens rows wide
out x (1 + deepstack) as an image's. So the video's profile is the image's formula
(engine.encoder_profile) on those patches. 0.16.0's source is not read here: its video stays
flagged (the image's profile stands in)."""


def profiled_video_patches(spec: ModelSpec, s: EngineSettings) -> int:
    """The patches of the dummy video vLLM's encoder profile runs through the ViT where it
    profiles the video (video_profiled) in a release read (VIDEO_PROFILE_READ_FROM): the video's
    tokens per item (model.config.vision.qwen3_vl_video_tokens) x merge^2. Qwen3-VL (16 px,
    merge 2, temporal 2): 12,288 tokens, 2 frames of 3,072 x 4,096 px, one temporal patch of
    192 x 256 = 49,152 patches. 0 where the image is profiled or the video is not planned."""
    enc = spec.vision.encoder if spec.vision is not None else None
    if (enc is None or not enc.video_max_pixels or not video_profiled(spec, s)
            or parse_version(s.vllm_version) < VIDEO_PROFILE_READ_FROM):
        return 0
    tokens = qwen3_vl_video_tokens(enc.patch, enc.merge, enc.temporal, enc.video_max_pixels)
    return tokens * enc.merge * enc.merge


def profiled_limit(spec: ModelSpec, s: EngineSettings) -> int:
    """The items per prompt of the modality a modelled tower's profile encodes (engine.
    encoder_profile: the image; the video where video_profiled, its dummy where
    profiled_video_patches gives it, else the image's dummy standing in)."""
    return allowed_limit(spec, s, "video" if video_profiled(spec, s) else "image")


def limit_refusal(spec: ModelSpec, s: EngineSettings) -> str | None:
    """Why a count above 0 is not planned for this vision model: a release before
    LIMITS_READ_FROM (its budget code not read), or beside --enable-tower-connector-lora (the
    tower's Punica wrappers are sized from the items per prompt: lora.tower.
    tower_punica_shapes plans vLLM's 999); None where it is planned."""
    if not s.mm_item_limits or spec.vision is None:
        return None
    counts = limit_words(s.mm_item_limits)
    version = parse_version(s.vllm_version)
    if version < LIMITS_READ_FROM:
        return (f"--limit-mm-per-prompt {counts}: Headroom plans a count above 0 from vLLM "
                f"{version_label(LIMITS_READ_FROM)} only (how vLLM {version_label(version)} "
                "sizes its encoder profile from it is not read); a limit of 0 is planned")
    if s.enable_lora and s.enable_tower_connector_lora and tower_lora(spec, s).wrapped:
        return (f"--limit-mm-per-prompt {counts} with --enable-tower-connector-lora: vLLM sizes "
                "the tower's Punica wrappers from the items per prompt (lora/model_manager.py "
                "_maybe_init_mm), which Headroom plans at the default 999 only, so it is not "
                "planned: drop one of them")
    return None


def declared_modalities(spec: ModelSpec) -> frozenset[str] | None:
    """The modalities this vision model's class declares (get_supported_mm_limits): its vision
    tower's (TOWER_MODALITIES) and audio where it builds an audio tower (AUDIO_TOWER_TYPES);
    None where Headroom does not know them."""
    modalities = TOWER_MODALITIES.get(spec.model_type)
    if spec.vision is None or modalities is None:
        return None
    audio = spec.vision.audio_tower and spec.model_type in AUDIO_TOWER_TYPES
    return modalities | {"audio"} if audio else modalities


def text_only(spec: ModelSpec, s: EngineSettings) -> bool:
    """Whether vLLM serves this vision model text-only: every modality it declares
    (declared_modalities) is at 0, by --language-model-only or --limit-mm-per-prompt."""
    modalities = declared_modalities(spec)
    return modalities is not None and (s.language_model_only
                                       or modalities <= set(s.zero_mm_limits))


TOWER_SETTINGS = ("language_model_only", "zero_mm_limits", "mm_item_limits", "mm_limit_order",
                  "mm_encoder_tp_mode", "mm_processor_kwargs", "video_pruning_rate",
                  "video_pruning_method")
"""The EngineSettings fields of the flags that change how vLLM builds and feeds a vision tower
(--mm-processor-kwargs: the processor's token budgets, mm_processor; --video-pruning-rate and
--video-pruning-method: video_pruning): a model planned beside
others (tower_settings_where_built) keeps them only where it has one. vLLM reads each only into
the MultiModalConfig it builds for a model whose class supports multimodal inputs (config/
model.py __post_init__, 0.17.0-0.34.0: `if self._model_info.supports_multimodal`), so a text
model takes them without a word and is served as without them."""


def tower_settings_where_built(spec: ModelSpec, s: EngineSettings) -> EngineSettings:
    """`s`, less --language-model-only, --limit-mm-per-prompt (zeros, counts and order),
    --mm-encoder-tp-mode, --mm-processor-kwargs and the video pruning flags (TOWER_SETTINGS)
    for a model without a vision tower Headroom counts: vLLM builds no MultiModalConfig for it
    and ignores them (mm_mode_notes), so a model compared with, or searched beside, a vision
    model is planned and launched as without them, not noted. A vision model whose processor
    reads none of the kwargs keeps them: vLLM hands them to its HF processor, which passes
    over a key it does not take (transformers ProcessorMixin._merge_kwargs: "not a valid
    argument for this processor and will be ignored"), and its plan says so
    (mm_processor.processor_notes)."""
    defaults = {name: EngineSettings.model_fields[name].default for name in TOWER_SETTINGS}
    if spec.vision is not None or all(getattr(s, name) == value
                                      for name, value in defaults.items()):
        return s
    return s.model_copy(update=defaults)


UNDECLARED_LIMIT_READ = ("multimodal/processing/context.py allowed_mm_limits: the limits of "
                         "get_supported_mm_limits' modalities only")
"""NOTE: where vLLM reads --limit-mm-per-prompt, in every wheel read (0.17.0-0.34.0, patch
releases included): config/multimodal.py _validate_limit_per_prompt stores any key (one not
video, image or audio as BaseDummyOptions, no check against the model), and every reader asks
get_limit_per_prompt(modality) for the modalities the model's class declares only
(get_supported_mm_limits): allowed_mm_limits and validate_num_items in
multimodal/processing/context.py (the profile's MultiModalBudget and each request's count),
the text-only test ("All limits of multimodal modalities supported by the model are set to
0": multimodal/registry.py supports_multimodal_inputs to 0.30.0, config/model.py
_supports_multimodal_inputs from 0.31.0) and _mark_tower_model (interfaces.py). A
key the class does not declare is read by nothing but config/model.py's compile hash
(mm_limit_per_prompt, 0.33.0 on) and its cache key (0.31.0 on): no error, no log, at start-up
or on a request. A declared modality's count above the class's own limit is cut to it the
same way (allowed_mm_limits: min(user, supported)); a request over it fails then ("At most
{limit} {modality}(s) may be provided in one prompt.", validate_num_items): planned at the
cut value (SUPPORTED_MM_CAPS, allowed_limit)."""


def undeclared_limits(spec: ModelSpec, s: EngineSettings) -> tuple[str, ...]:
    """The modalities --limit-mm-per-prompt sets (to 0 or above) that this vision model's class
    does not declare (declared_modalities), which vLLM stores and never reads
    (UNDECLARED_LIMIT_READ); () where Headroom does not know the class's modalities or
    --language-model-only rules."""
    modalities = declared_modalities(spec)
    if modalities is None or s.language_model_only:
        return ()
    return tuple(m for m in given_limits(s) if m not in modalities)


def audio_limit_refusal(spec: ModelSpec, s: EngineSettings) -> str | None:
    """Why --limit-mm-per-prompt is not planned: every vision modality at 0 but audio left
    above it on a model that builds an audio tower (AUDIO_TOWER_TYPES), which vLLM then builds,
    loads and profiles, and Headroom does not size; None where it is planned."""
    modalities, zero = declared_modalities(spec) or frozenset(), set(s.zero_mm_limits)
    vision_zero = modalities - {"audio"} <= zero
    if s.language_model_only or "audio" not in modalities - zero or not vision_zero:
        return None
    name = " / ".join(spec.architectures) or spec.model_type
    return (f"{text_only_flag(s)}: {name} "
            "here has an audio_config, so vLLM keeps audio's 999 items per prompt and still "
            "builds, loads and profiles its audio_tower (gemma4_mm.py "
            "get_supported_mm_limits, _mark_tower_model(vllm_config, \"audio\")), which Headroom "
            "does not size, so it is not planned; add \"audio\": 0 (or --language-model-only) to "
            "serve it text-only")


TEMPORAL_READ_FROM: Version = (0, 17, 0)
"""The first release whose image and video paths temporal_refusal reads (0.17.0-0.34.0);
before it a processor temporal_patch_size other than the tower's is planned, not read."""


def temporal_refusal(spec: ModelSpec, s: EngineSettings, kind: str) -> str | None:
    """Why a Qwen3-VL-family checkpoint is not planned with `kind` ("image" | "video") above 0:
    its processor file's temporal_patch_size (VisionEncoder.image_temporal / video_temporal,
    in the order of the release's transformers: processor_order.read_encoder) is not
    vision_config's, so transformers flattens each patch to channels x its temporal_patch_size
    x patch^2 values (the image processor repeats an image to that many frames:
    model.config.processor.IMAGE_CLASS_TEMPORAL_PATCH) and vLLM's patch embedding (qwen3_vl.py
    Qwen3_VisionPatchEmbed.forward: x.view(L, -1, temporal_patch_size, patch_size, patch_size)
    into a Conv3d of in_channels channels, 0.17.0:171, 0.34.0:405; images and videos both
    through self.visual, _process_image_input / _process_video_input) gets another channel
    count or no whole one: every item fails, the start-up profile's too where it encodes one.
    The image's token count is not at stake: one temporal patch whatever the size
    (transformers' grid_t = ceil(1 / t); vLLM _get_vision_info max(round_up(1, t) // t, 1)).
    None where they agree, the file gave none or `kind` is at 0."""
    version = parse_version(s.vllm_version)
    enc = read_encoder(spec, version)
    frames = enc and (enc.image_temporal if kind == "image" else enc.video_temporal)
    if (enc is None or not frames or frames == enc.temporal or version < TEMPORAL_READ_FROM
            or not allowed_limit(spec, s, kind)):
        return None
    source = enc.image_temporal_source if kind == "image" else enc.video_temporal_source
    channels = enc.patch_input // (enc.temporal * enc.patch * enc.patch)
    return (f"{source} {frames} is not vision_config's "
            f"temporal_patch_size {enc.temporal}: the {kind} processor flattens each patch to "
            f"{channels} x {frames} x {enc.patch}^2 = "
            f"{channels * frames * enc.patch ** 2:,} values, which vLLM "
            f"{version_label(version)}'s patch embedding views as {enc.temporal}-frame patches "
            f"into a Conv3d of {channels} channels (qwen3_vl.py Qwen3_VisionPatchEmbed.forward "
            f"x.view(L, -1, temporal_patch_size, patch_size, patch_size)), so every {kind} "
            f"fails (the start-up profile too where it encodes the dummy {kind}); not planned: "
            f"serve it with --limit-mm-per-prompt '{{\"{kind}\": 0}}' or fix the file")


FLOAT_LIMIT_FAILS_FROM: Version = (0, 13, 0)
"""NOTE: qwen2_vl.py Qwen2VLProcessingInfo.get_image_size_with_most_features (0.13.0, 0.14.0,
0.15.0, 0.15.1, 0.16.0, 0.17.0, 0.19.1, 0.25.0, 0.29.0, 0.30.0 and 0.34.0 wheels) takes
`max_pixels = image_processor.max_pixels or image_processor.size["longest_edge"]`
(0.13.0-0.16.0; from 0.17.0 size["longest_edge"] after the mm_processor_kwargs overrides; of the
video processor // its temporal_patch_size from qwen3_vl.py get_max_video_tokens) and factors
`max_seq_len = max_pixels // (unit * unit)` with `range(max_seq_len, 0, -1)`: a float there
(transformers keeps a file's 16777216.0 as it is) raises TypeError ("'float' object cannot be
interpreted as an integer"). get_mm_max_tokens_per_item asks for both the image and the video
whatever the limits, from MultiModalBudget, which the model runner and scheduler build for any
model served with a modality above 0 (multimodal/encoder_budget.py, registry.py
supports_multimodal_inputs, 0.19.1; v1/worker/gpu_model_runner.py and v1/worker/utils.py
MultiModalBudget.__init__, 0.13.0), so vLLM fails at start-up. The 0.11.0, 0.11.1 and 0.12.0
wheels size the largest image with transformers' smart_resize instead (_get_vision_info over a
9,999,999 px square), which takes a float."""


def float_limit_refusal(spec: ModelSpec, s: EngineSettings) -> str | None:
    """vLLM's start-up failure on a Qwen3-VL-family processor file that writes its longest_edge
    (or max_pixels) as a float (VisionEncoder.pixels_written, in the order of the release's
    transformers) from FLOAT_LIMIT_FAILS_FROM; None before it (planned at the float's floor),
    where none is a float or the model is served text-only."""
    version = parse_version(s.vllm_version)
    enc = read_encoder(spec, version)
    if enc is None or not enc.pixels_written or version < FLOAT_LIMIT_FAILS_FROM \
            or text_only(spec, s):
        return None
    return (f"{' and '.join(enc.pixels_written)} is a float, which vLLM "
            f"{version_label(version)} cannot size: TypeError: 'float' object cannot be "
            "interpreted as an integer at start-up (qwen2_vl.py get_image_size_with_most_"
            "features factors max_pixels // (patch x merge)^2 with range(), for the image and "
            "the video whatever --limit-mm-per-prompt says); write it as an integer, or serve "
            "the model text-only (--limit-mm-per-prompt '{\"image\": 0, \"video\": 0}')")


def mm_refusals(spec: ModelSpec, s: EngineSettings) -> tuple[str, ...]:
    """Why these multimodal flags are not planned for this model (audio_limit_refusal,
    limit_refusal, tower_lora's failure, temporal_refusal of the image and the video,
    float_limit_refusal, video_pruning.pruning_refusal); () where they are: plan's refusals,
    the CLI's exit."""
    return tuple(filter(None, [audio_limit_refusal(spec, s), limit_refusal(spec, s),
                               tower_lora(spec, s).failure, temporal_refusal(spec, s, "image"),
                               temporal_refusal(spec, s, "video"),
                               float_limit_refusal(spec, s), pruning_refusal(spec, s)]))


class TowerLora(NamedTuple):
    """What vLLM does with --enable-tower-connector-lora for a model under its settings
    (tower_lora): the one reading the CLI checks, the plan, compared and recommended models'
    notes and the app ask."""

    wrapped: bool
    """vLLM goes on to wrap the tower and connector in LoRA slots (Headroom sizes them or says
    why not: lora.tower.tower_refusal), or fails doing so (failure)."""
    ignored: str | None = None
    """Where vLLM starts without them, the plan's warning; the flag stays in the launch
    command (every release's parser takes it: lora.tower's docstring)."""
    failure: str | None = None
    """Where vLLM fails at start-up with them, the refusal."""
    text_model: bool = False
    """The model has no tower at all: a model compared or searched beside a vision model is
    planned and launched without the flag (auto_layout.lora_where_sized)."""


TOWER_LORA_UNASKED = TowerLora(wrapped=False)


def tower_lora(spec: ModelSpec, s: EngineSettings) -> TowerLora:
    """What vLLM `s.vllm_version` does with --enable-tower-connector-lora (with --enable-lora;
    without it vLLM builds no LoRAConfig) for `spec`, from lora/model_manager.py of every
    wheel 0.17.0-0.34.0 (lora.settings.LORA_READ):
    - a text model (no tower, counted or not: model.spec.uncounted_towers): ignored without a
      word. _init_punica_wrapper calls _maybe_init_mm, the only reader of the flag at start-up,
      only where supports_mm (interfaces.supports_multimodal and get_mm_mapping), else builds
      the language model's wrapper alone; engine/arg_utils.py create_engine_config passes the
      flag into LoRAConfig unchecked (it refuses default_mm_loras of a non-multimodal model,
      not this) and config/lora.py only hashes it.
    - a multimodal class without supports_tower_connector_lora from
      lora.tower.TOWER_LORA_CLASS_FLAG_FROM (its architecture not in lora.tower.
      TOWER_LORA_CLASSES: Mistral 3's, say): ignored with vLLM's warning
      (lora.tower.TOWER_LORA_IGNORED_LOG), --language-model-only or not (_maybe_init_mm
      returns before that test). Before 0.29.0 every multimodal class passes the test
      (hasattr get_num_mm_encoder_tokens, the SupportsMultiModal stub), so its flag is read as
      below (a tower not read refused: lora.tower.tower_refusal).
    - under --language-model-only from lora.tower.TOWER_LORA_OFF_TEXT_ONLY_FROM: turned off,
      with vLLM's warning (lora.tower.TOWER_LORA_OFF_LOG).
    - beside text-only serving (text_only) otherwise: a failure at start-up. vLLM builds no
      tower for the slots to wrap and sizes the tower's Punica wrapper from
      `max(mm_budget.mm_max_items_per_prompt.values())`, where MultiModalBudget keeps no
      modality whose limit is 0 (multimodal/encoder_budget.py tower_modalities; under
      --language-model-only MultiModalConfig.get_limit_per_prompt gives 0 for each): max() of
      nothing, a ValueError. So under either flag in 0.17.0-0.18.1 (no language_model_only
      test there) and with every limit at 0 in every release, Gemma 4's included (its
      model-support test passes in every release: lora.tower.GEMMA4_TOWER_FROM).
    - Gemma 4 before GEMMA4_TOWER_FROM: a failure (lora.tower.gemma4_tower_refusal).
    - else wrapped."""
    if not (s.enable_lora and s.enable_tower_connector_lora):
        return TOWER_LORA_UNASKED
    version = parse_version(s.vllm_version)
    name = " / ".join(spec.architectures) or spec.model_type
    if spec.vision is None and not uncounted_towers(spec):
        return TowerLora(False, text_model=True, ignored=(
            f"--enable-tower-connector-lora: {name} has no vision tower, and vLLM "
            f"{version_label(version)} reads the flag only for a multimodal model "
            "(lora/model_manager.py _init_punica_wrapper calls _maybe_init_mm only where "
            "supports_mm), so it ignores it without a log: planned as without the flag"))
    flagged = bool(set(spec.architectures[:1]) & TOWER_LORA_CLASSES)
    if version >= TOWER_LORA_CLASS_FLAG_FROM and not flagged:
        built = registry_class_name(spec.architectures[0]) if spec.architectures else name
        return TowerLora(False, ignored=(
            f"--enable-tower-connector-lora: vLLM {version_label(version)} logs \""
            f"{TOWER_LORA_IGNORED_LOG.format(built)}\" (lora/model_manager.py _maybe_init_mm: "
            "the class does not set supports_tower_connector_lora), so no vision tower or "
            "connector gets LoRA slots: planned as without the flag"))
    if s.language_model_only and version >= TOWER_LORA_OFF_TEXT_ONLY_FROM:
        return TowerLora(False, ignored=(
            f"--enable-tower-connector-lora with --language-model-only: vLLM "
            f"{version_label(version)} turns it off (lora/model_manager.py _maybe_init_mm: "
            f"\"{TOWER_LORA_OFF_LOG}\"), so no vision tower or connector gets LoRA slots: "
            "planned as without the flag"))
    if not text_only(spec, s):
        return TowerLora(True, failure=gemma4_tower_refusal(spec, version))
    return TowerLora(True, failure=(
        f"--enable-tower-connector-lora with {text_only_flag(s)}: the model is served "
        "text-only, so vLLM builds no vision tower for LoRA to wrap, and vLLM "
        f"{version_label(version)} fails at start-up sizing the tower's Punica wrapper "
        "from no modality's items per prompt (lora/model_manager.py _maybe_init_mm, max() "
        "of an empty sequence; vLLM 0.19.0 on turns the flag off under "
        "--language-model-only instead, and starts), so it is not planned: drop one of them"))


def tower_dropped(spec: ModelSpec, s: EngineSettings, version: Version) -> bool:
    """Whether this release builds no vision tower for the text-only model (its weights not
    loaded): every release from TOWER_SKIPPED_AT_ZERO_FROM, EARLY_TOWER_SKIP_TYPES before."""
    return text_only(spec, s) and (version >= TOWER_SKIPPED_AT_ZERO_FROM
                                   or spec.model_type in EARLY_TOWER_SKIP_TYPES)


def audio_tower_dropped(spec: ModelSpec, s: EngineSettings, version: Version) -> bool:
    """Whether this release builds no audio tower for a model that declares audio (AUDIO_TOWER_
    TYPES with an audio_config: declared_modalities): audio's limit 0, by --limit-mm-per-prompt
    or --language-model-only (config/multimodal.py get_limit_per_prompt: 0 for each), from
    AUDIO_TOWER_SKIPPED_FROM: gemma4_mm.py builds audio_tower and embed_audio inside
    _mark_tower_model(vllm_config, "audio") in every wheel that has it (0.19.0-0.34.0), and
    interfaces.py makes them StageMissingLayers (no weights loaded) where every one of the
    modalities it names is at 0; the vision tower follows image and video alone. Before it no
    registry has a Gemma 4 class (refused: vllm_cli.unserved_refusal)."""
    return ("audio" in (declared_modalities(spec) or ())
            and (s.language_model_only or "audio" in s.zero_mm_limits)
            and version >= AUDIO_TOWER_SKIPPED_FROM)


_SERVED_TOWERS: IdentityMemo[ModelSpec] = IdentityMemo(256)


def served_towers(spec: ModelSpec, s: EngineSettings) -> ModelSpec:
    """`spec` as a plan under `s` reads its towers: its processor files in the order of the
    release's transformers (processor_order.processor_order_spec); less the audio tower's
    unmodelled part and the parser's warning of it (AUDIO_UNCOUNTED, AUDIO_UNCOUNTED_WARNING)
    where vLLM builds no audio tower (audio_tower_dropped), so neither the verdict, the plan's
    warnings nor the model's warnings name a tower that is not there; `spec` itself otherwise
    (one copy per spec, cached)."""
    spec = processor_order_spec(spec, parse_version(s.vllm_version))
    if AUDIO_UNCOUNTED not in spec.unmodelled or not audio_tower_dropped(
            spec, s, parse_version(s.vllm_version)):
        return spec
    return _SERVED_TOWERS.get(spec, (), _without_audio, spec)


def _without_audio(spec: ModelSpec) -> ModelSpec:
    return spec.model_copy(update={
        "unmodelled": tuple(p for p in spec.unmodelled if p != AUDIO_UNCOUNTED),
        "warnings": tuple(w for w in spec.warnings if w != AUDIO_UNCOUNTED_WARNING)})


def _whole_at_weights(spec: ModelSpec, version: Version) -> str:
    """The source by which this release holds the model's vision tower whole on every GPU at
    the default weights mode already, so that data mode only spreads the images: Gemma 4 from
    ENCODER_TP_DATA_WHOLE_FROM, Kimi-VL before MOONVIT_SPLIT_FROM (its class takes data mode
    from ENCODER_TP_DATA_FROM: kimi_vl.py supports_encoder_tp_data in the 0.13.0 wheel); ''
    where TP splits it."""
    whole_from = ENCODER_TP_DATA_WHOLE_FROM.get(spec.model_type)
    if whole_from is not None and version >= whole_from:
        return "models/transformers/utils.py recursive_replace_linear \"replicate\""
    if spec.model_type == "kimi_vl" and version < MOONVIT_SPLIT_FROM:
        return ("moonvit.py and kimi_vl.py ReplicatedLinear before "
                f"{version_label(MOONVIT_SPLIT_FROM)}")
    return ""


def data_mode_taken(spec: ModelSpec, version: Version) -> bool:
    """Whether this release's model class takes --mm-encoder-tp-mode data and holds its tower
    whole for it where weights mode splits it (vllm_versions.encoder_tp_data_taken, less
    _whole_at_weights)."""
    return (encoder_tp_data_taken(spec.model_type, version)
            and not _whole_at_weights(spec, version))


def encoder_data_parallel(spec: ModelSpec, s: EngineSettings, version: Version) -> bool:
    """Whether --mm-encoder-tp-mode data is in effect: asked, and the model class takes it
    (data_mode_taken); a dropped tower has nothing to hold."""
    return (s.mm_encoder_tp_mode == "data" and spec.vision is not None
            and data_mode_taken(spec, version) and not tower_dropped(spec, s, version))


def data_mode_inert(spec: ModelSpec, version: Version) -> str | None:
    """Why --mm-encoder-tp-mode data plans as the default for this vision model: vLLM falls
    back to weights, or takes it with a tower every GPU holds whole already
    (_whole_at_weights); None where it changes the plan (data_mode_taken)."""
    if data_mode_taken(spec, version):
        return None
    release = version_label(version)
    whole = _whole_at_weights(spec, version)
    if whole:
        return (f"vLLM {release} takes it for {spec.model_type}, whose vision tower every GPU "
                f"holds whole at weights mode too ({whole}), so only the images are spread")
    return (f"vLLM {release} does not take it for {spec.model_type} and falls back to weights "
            "(config/model.py: \"This model does not support `--mm-encoder-tp-mode data`\")")


def mm_mode_notes(spec: ModelSpec, s: EngineSettings, version: Version) -> tuple[str, ...]:
    """The plan's notes where a flag does less than it says: a model without a tower counted
    (vLLM builds no MultiModalConfig for a text model and ignores the flags: config/model.py,
    0.34.0), a tower this release still builds, modalities left above 0, data mode a model
    class falls back from."""
    notes = []
    flag = text_only_flag(s)
    modalities = declared_modalities(spec)
    release = version_label(version)
    given = [flag] if flag else []
    if s.mm_encoder_tp_mode == "data":
        given.append("--mm-encoder-tp-mode data")
    if given and spec.vision is None:
        notes.append(f"{' and '.join(given)}: {spec.model_type} has no vision tower that "
                     "Headroom counts, so the plan is as without the flag")
    if flag and spec.vision is not None and modalities is None:
        notes.append(f"{flag}: Headroom does not know which modalities build the "
                     f"{spec.model_type} vision tower, so it plans the tower and its encoder "
                     "profile as without the flag")
    elif flag and text_only(spec, s) and not tower_dropped(spec, s, version):
        notes.append(
            f"{flag}: vLLM {release} serves {spec.model_type} text-only (no encoder profile, "
            "no encoder cache) but still builds and loads its vision tower: this model's "
            f"class has no limit guard before {version_label(TOWER_SKIPPED_AT_ZERO_FROM)} "
            "(vllm_versions.EARLY_TOWER_SKIP_TYPES), so its weights stay in the plan")
    elif flag and modalities is not None and spec.vision is not None and not text_only(spec, s):
        notes.append(_limits_note(spec, s, modalities, flag))
        notes.extend(_cut_notes(spec, s, release))
    undeclared = undeclared_limits(spec, s)
    if undeclared:
        limits = given_limits(s)
        named = limit_words((m, limits[m]) for m in undeclared)
        notes.append(
            f"--limit-mm-per-prompt {named}: {spec.model_type} takes no such input (its "
            f"class declares {', '.join(sorted(modalities or ()))}: get_supported_mm_limits), "
            f"and vLLM {release} reads a limit only for a modality the class declares "
            f"({UNDECLARED_LIMIT_READ}), so it starts and serves as without that key, with no "
            "error or warning: kept in the launch command as given, planned as without it")
    inert = (data_mode_inert(spec, version) if s.mm_encoder_tp_mode == "data"
             and spec.vision is not None and not tower_dropped(spec, s, version) else None)
    if inert:
        notes.append(f"--mm-encoder-tp-mode data: {inert}: planned as the default")
    return tuple(notes)


def _limits_note(spec: ModelSpec, s: EngineSettings, modalities: frozenset[str],
                 flag: str) -> str:
    """The plan's words on limits that leave the model multimodal: each declared modality's
    items per prompt, and what vLLM's encoder profile reads of them (LIMITS_READ_FROM)."""
    each = ", ".join(f"{m} {allowed_limit(spec, s, m):,}" for m in sorted(modalities))
    modelled = spec.vision is not None and spec.vision.encoder is not None
    video = profiled_video_patches(spec, s)
    planned = (f"; planned on the {'dummy video' if video else 'image'} at "
               f"{profiled_limit(spec, s):,} per prompt (the activation's encoder_dummy_items)"
               if modelled and (video or not video_profiled(spec, s)) else "")
    return (f"{flag}: vLLM builds the vision tower and keeps {each} items per prompt (every one "
            f"of {', '.join(sorted(modalities))} at 0 serves text only); its start-up profile "
            "encodes the modality with the most tokens per item among those above 0, on "
            "max(1, min(budget // tokens, max_num_seqs x max(1, min(limit, max_model_len // "
            "tokens)))) dummy items (multimodal/encoder_budget.py MultiModalBudget "
            f"_get_max_items, get_modality_with_max_tokens){planned}")


def _cut_notes(spec: ModelSpec, s: EngineSettings, release: str) -> list[str]:
    """A count above the class's own limit (SUPPORTED_MM_CAPS), which vLLM cuts to it."""
    caps = SUPPORTED_MM_CAPS.get(spec.model_type, {})
    return [f"--limit-mm-per-prompt {modality_word(m)} {count:,}: vLLM {release} cuts it to "
            f"{spec.model_type}'s own limit of {caps[m]} without a word (multimodal/processing/"
            "context.py allowed_mm_limits: min(user, get_supported_mm_limits)), so it is "
            f"planned at {caps[m]}, and a prompt with more fails (validate_num_items)"
            for m, count in s.mm_item_limits if count > caps.get(m, count)]
