"""vLLM's --mm-processor-kwargs: the processor overrides that move a per-image token budget
Headroom plans, applied to the model family that reads each.

vLLM (config/multimodal.py MultiModalConfig.mm_processor_kwargs; every release's parser takes
the flag: planner/serving/vllm_cli) merges the JSON object into the kwargs it builds the
model's HF processor with and reads its token budgets through
(multimodal/processing/context.py get_hf_processor, get_merged_mm_kwargs). Three keys are
modelled (MODELLED_KEYS):
- max_soft_tokens, Gemma 4 (gemma4_mm.py _get_max_soft_tokens; one of GEMMA4_SOFT_TOKENS, else
  vLLM's "Unsupported max_soft_tokens value" and transformers' Gemma4ImageProcessor refuse it):
  an image's soft tokens in get_mm_max_tokens_per_item from 0.21.0 (0.19.0-0.20.x read
  vision_config default_output_length there) and in get_mm_lora_token_counts (0.28.0 on:
  lora.tower.GEMMA4_TOWER_FROM);
- max_patches, Llama 4 (mllama4.py get_max_num_tiles reads the processor's max_patches): the
  largest image's tiles (vision.llama4_item_chunks), so the encoder profile's dummy items and
  the tower LoRA's tokens per item;
- do_pan_and_scan, Gemma 3 (gemma3_mm.py get_num_crops): the largest image cut into
  GEMMA3_PAN_AND_SCAN_CROPS crops, (crops + 1) x image_seq_length tokens (get_num_image_tokens):
  the tower LoRA's tokens per item, and the encoder profile's dummy batch
  (pan_and_scan_profile), which encoder_cover weighs against the measured start-ups'.
Any other key is refused (cli: exit 2): it may move memory in ways not modelled.
"""

import json
import sys
from typing import NamedTuple

from planner.memo import IdentityMemo
from planner.model.config.vision import (
    GEMMA3_IMAGE_TOKENS,
    LLAMA4_MAX_TILES,
    llama4_item_chunks,
)
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.engine.encoder import dummy_items
from planner.serving.lora.tower import GEMMA4_TOWER_FROM, GEMMA4_VIDEO_TOKENS
from planner.serving.mm_modes import allowed_limit, text_only, text_only_flag
from planner.serving.vllm_versions import Version, version_label
from planner.text import counted, shortened

GEMMA4_SOFT_TOKENS = (70, 140, 280, 560, 1120)
"""gemma4_mm.py _SUPPORTED_SOFT_TOKENS (0.21.0-0.34.0; 0.20.0 inside _call_hf_processor) and
transformers 5.25.0 image_processing_gemma4.py _SUPPORTED_SOFT_TOKENS: the values taken."""

GEMMA4_KWARGS_BUDGET_FROM: Version = (0, 21, 0)
"""gemma4_mm.py get_mm_max_tokens_per_item reads max_soft_tokens from the merged kwargs from the
0.21.0 wheel; the 0.19.0-0.20.x wheels take vision_config default_output_length there."""

MAX_PATCHES_RANGE = (1, 1024)
"""max_patches Headroom plans: from 1 (transformers' find_supported_resolutions(max_num_chunks)
has no resolution below) to 1,024 tiles, Headroom's own bound (a 458,752-pixel-tall dummy at
448 px tiles); transformers' Llama4ImageProcessor sets no upper bound."""

GEMMA3_PAN_AND_SCAN_V1_LOG = ("`do_pan_and_scan=True` has suboptimal results on V1 because of "
                              "the simplified attention pattern being used.")
"""What vLLM logs (logger.warning_once) once Gemma 3's processor cuts an image with
do_pan_and_scan: gemma3_mm.py Gemma3ProcessingInfo.get_num_crops, the same words in every wheel
read (GEMMA3_PAN_AND_SCAN_V1_LOG_FROM to 0.34.0)."""

GEMMA3_PAN_AND_SCAN_V1_LOG_FROM: Version = (0, 17, 0)
"""The oldest wheel read with GEMMA3_PAN_AND_SCAN_V1_LOG (0.17.0-0.34.0, every release and patch
release); earlier ones not read, so their plans do not quote it."""

GEMMA3_PAN_AND_SCAN_CROPS = 4
"""Crops of vLLM's largest Gemma 3 image under do_pan_and_scan: the dummy is image_size wide and
pan_and_scan_max_num_crops (Gemma3Processor default 4, processing_gemma3.py 5.25.0) x
image_size tall (gemma3_mm.py get_image_size_with_most_features); get_num_crops: h / w = 4 >=
pan_and_scan_min_ratio_to_activate 1.2, crops = min(floor(4 image_size / 256), floor(4 + 0.5))
= 4 for image_size >= 256 (Gemma 3's 896), within [2, 4], each crop image_size >=
pan_and_scan_min_crop_size 256. These are Gemma3Processor.images_kwargs' values, which
get_num_crops and get_image_size_with_most_features read through _merge_kwargs (the image
processor's own are None; the class's comment: "Values are "null" in preprocessor_config.json");
a checkpoint's processor config that names them (not read) would move the crops."""

GEMMA3_PAN_AND_SCAN_IMAGE_TOKENS = (GEMMA3_PAN_AND_SCAN_CROPS + 1) * GEMMA3_IMAGE_TOKENS
"""Tokens of vLLM's largest Gemma 3 image under do_pan_and_scan: its crops and the whole image,
GEMMA3_IMAGE_TOKENS each (gemma3_mm.py get_num_image_tokens)."""

MODELLED_KEYS = {"max_soft_tokens": "gemma4", "max_patches": "llama4",
                 "do_pan_and_scan": "gemma3"}
"""The keys planned and the model_type whose processor reads each."""

ProcessorKwargs = tuple[tuple[str, bool | int], ...]


def checked_processor_kwargs(kwargs: object) -> ProcessorKwargs:
    """The JSON object of --mm-processor-kwargs as (key, value) pairs in the order given;
    ValueError (one line) for a non-object, a key not modelled (MODELLED_KEYS) or a value vLLM
    or the processor refuses, each named as JSON (true, null, "yes": as the user wrote it)."""
    if not isinstance(kwargs, dict):
        raise ValueError("not a JSON object of processor kwargs, e.g. '{\"max_soft_tokens\": "
                         "560}'")
    other = [key for key in kwargs if key not in MODELLED_KEYS]
    if other:
        raise ValueError(
            f"{shortened(', '.join(map(json.dumps, other)))}: Headroom plans max_soft_tokens "
            "(Gemma 4), max_patches (Llama 4) and do_pan_and_scan (Gemma 3) only; other processor "
            "kwargs may change vLLM's encoder profile and token budgets in ways it does not model")
    for key, value in kwargs.items():
        problem = _value_problem(key, value)
        if problem:
            raise ValueError(f"{key} {shortened(json.dumps(value))}: {problem}")
    return tuple(kwargs.items())


def parsed_processor_kwargs(text: str) -> ProcessorKwargs:
    """--mm-processor-kwargs' JSON text as checked_processor_kwargs takes it (the CLI's flag, the
    app's link key mmkw); ValueError (one line, the text echoed shortened) for text that is not
    JSON too, or JSON Python's reader gives up on: nested deeper than its recursion limit
    (`[[[...` of 100,000 brackets was a RecursionError traceback) or a number of more digits
    than sys.get_int_max_str_digits (Python's own words named sys.set_int_max_str_digits)."""
    example = "e.g. '{\"max_soft_tokens\": 560}'"
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"{shortened(text)!r} is not JSON, {example}") from None
    except RecursionError:
        raise ValueError(f"{shortened(text)!r} is nested too deep to read, {example}") from None
    except ValueError:
        raise ValueError(f"{shortened(text)!r} holds a number of over "
                         f"{sys.get_int_max_str_digits():,} digits, {example}") from None
    return checked_processor_kwargs(loaded)


def processor_kwargs_text(kwargs: ProcessorKwargs) -> str:
    """The (key, value) pairs as the launch command's JSON ('' for none)."""
    return json.dumps(dict(kwargs)) if kwargs else ""


def processor_keys(spec: ModelSpec) -> tuple[str, ...]:
    """The keys Headroom plans (MODELLED_KEYS) that this model's processor reads, where it has
    a vision tower: the ones worth offering for it."""
    if spec.vision is None:
        return ()
    return tuple(key for key, family in MODELLED_KEYS.items() if family == spec.model_type)


def _value_problem(key: str, value: object) -> str | None:
    """Why vLLM or the processor refuses this value of a modelled key (None: taken)."""
    number = isinstance(value, int) and not isinstance(value, bool)
    if key == "max_soft_tokens" and not (number and value in GEMMA4_SOFT_TOKENS):
        return (f"vLLM's Gemma 4 processor takes one of "
                f"{', '.join(map(str, GEMMA4_SOFT_TOKENS))} (gemma4_mm.py: "
                "\"Unsupported max_soft_tokens value\")")
    low, high = MAX_PATCHES_RANGE
    if key == "max_patches" and not (number and low <= value <= high):
        return f"a whole number of tiles, {low} to {high:,}"
    if key == "do_pan_and_scan" and not isinstance(value, bool):
        return "true or false"
    return None


_SPECS: IdentityMemo[ModelSpec] = IdentityMemo(256)


def processor_spec(spec: ModelSpec, s: EngineSettings) -> ModelSpec:
    """`spec` with the token budgets --mm-processor-kwargs sets for its family (`spec` itself
    where none applies; one copy per spec and kwargs, cached)."""
    if not _applied(spec, s):
        return spec
    return _SPECS.get(spec, s.mm_processor_kwargs, _processed, spec, dict(s.mm_processor_kwargs))


def _applied(spec: ModelSpec, s: EngineSettings) -> dict[str, bool | int]:
    """The given keys this model's processor reads (processor_keys)."""
    keys = processor_keys(spec)
    return {key: value for key, value in s.mm_processor_kwargs if key in keys}


def _processed(spec: ModelSpec, kwargs: dict[str, bool | int]) -> ModelSpec:
    vision = spec.vision
    assert vision is not None  # (_applied)
    update: dict[str, object] = {}
    if "max_soft_tokens" in kwargs and vision.gemma4 is not None:
        update["gemma4"] = vision.gemma4.model_copy(
            update={"image_tokens": kwargs["max_soft_tokens"]})
    if "max_patches" in kwargs:
        chunks = llama4_item_chunks(int(kwargs["max_patches"]))
        default = llama4_item_chunks(LLAMA4_MAX_TILES)
        if vision.encoder is not None:
            chunk = vision.encoder.max_item_patches // default
            update["encoder"] = vision.encoder.model_copy(
                update={"max_item_patches": chunks * chunk})
        if vision.llama4 is not None:
            update["llama4"] = vision.llama4.model_copy(
                update={"item_tokens": vision.llama4.item_tokens // default * chunks})
    if kwargs.get("do_pan_and_scan") and vision.siglip is not None:
        update["siglip"] = vision.siglip.model_copy(
            update={"image_tokens": GEMMA3_PAN_AND_SCAN_IMAGE_TOKENS})
    return spec.model_copy(update={"vision": vision.model_copy(update=update)})


class PanAndScanProfile(NamedTuple):
    """vLLM's Gemma 3 encoder profile under do_pan_and_scan at one batch shape, beside the one
    without it (encoder_cover.MEASURED's start-ups ran GEMMA3_IMAGE_TOKENS an image)."""

    items: int  # dummy images of (crops + 1) x GEMMA3_IMAGE_TOKENS tokens
    crops: int  # items x (crops + 1): SigLIP passes, the whole image's included
    plain_crops: int  # the dummy images without the flag (and at 999 per prompt), one pass each
    limit: int  # the image's items per prompt (mm_modes.allowed_limit)


def pan_and_scan_profile(spec: ModelSpec, s: EngineSettings, mbt: int, seqs: int,
                         max_model_len: int) -> PanAndScanProfile | None:
    """The dummy batch vLLM's encoder profile runs with do_pan_and_scan, and without it (None
    where the flag is not given true for Gemma 3). Every image is GEMMA3_PAN_AND_SCAN_CROPS
    crops and the whole, each image_size square (gemma3_mm.py _call_hf_processor /
    _postprocess_hf_mm_data num_patches = crops + 1), and _process_image_input runs the
    tower on every crop of the batch at once and pools each to GEMMA3_IMAGE_TOKENS
    embeddings: the profile's pixel values, tower activations and held outputs all grow
    with the crops. engine.encoder.dummy_items counts the images, the same code in the
    0.17.0-0.34.0 wheels (gemma3_mm.py's crop count and dummy image too)."""
    if not _applied(spec, s).get("do_pan_and_scan"):
        return None
    passes = GEMMA3_PAN_AND_SCAN_CROPS + 1
    limit = allowed_limit(spec, s, "image")
    items = dummy_items(GEMMA3_PAN_AND_SCAN_IMAGE_TOKENS, mbt, seqs, max_model_len, limit)
    return PanAndScanProfile(items, items * passes,
                             dummy_items(GEMMA3_IMAGE_TOKENS, mbt, seqs, max_model_len), limit)


def processor_notes(spec: ModelSpec, s: EngineSettings, version: Version) -> tuple[str, ...]:
    """The plan's notes on each --mm-processor-kwargs key: which figure it moves, or why none."""
    if not s.mm_processor_kwargs:
        return ()
    if text_only(spec, s):
        return (f"--mm-processor-kwargs: {text_only_flag(s)} serves the model text-only, so no "
                "image is processed or profiled: planned as without it",)
    applied = _applied(spec, s)
    notes = [_note(key, value, version) for key, value in applied.items()]
    ignored = [key for key, _ in s.mm_processor_kwargs if key not in applied]
    if ignored:
        whose = (f"{spec.model_type}'s processor is not one that reads "
                 f"{'it' if len(ignored) == 1 else 'them'} (" + ", ".join(
                     f"{key}: {MODELLED_KEYS[key]}" for key in ignored) + ")"
                 if spec.vision is not None else
                 f"{spec.model_type} has no vision tower (vLLM builds no multimodal processor)")
        notes.append(f"--mm-processor-kwargs {', '.join(ignored)}: {whose}: planned as without "
                     "it; the launch command still passes it")
    return tuple(notes)


def _note(key: str, value: bool | int, version: Version) -> str:
    """The note on one key this model's processor reads."""
    flag = f"--mm-processor-kwargs {key} {json.dumps(value)}"
    if key == "max_soft_tokens":
        budget = ("its image budget (gemma4_mm.py get_mm_max_tokens_per_item)"
                  if version >= GEMMA4_KWARGS_BUDGET_FROM else
                  f"each image it processes, though vLLM {version_label(version)} budgets an "
                  "image at vision_config default_output_length (gemma4_mm.py "
                  "get_mm_max_tokens_per_item reads the kwarg from "
                  f"{version_label(GEMMA4_KWARGS_BUDGET_FROM)})")
        return (f"{flag}: an image is {value:,} soft tokens in {budget}. The encoder profile "
                f"runs the modality with the most tokens per item, the video's "
                f"{GEMMA4_VIDEO_TOKENS:,} (32 frames x 78), above any image, so it is unchanged; "
                "with --enable-tower-connector-lora (vLLM "
                f"{version_label(GEMMA4_TOWER_FROM)} on) the tower's and "
                "connector's Punica wrappers take the image's items per prompt (lora term)")
    if key == "max_patches":
        chunks = llama4_item_chunks(int(value))
        return (f"{flag}: vLLM's largest image is {value} tiles tall (mllama4.py "
                "get_max_num_tiles reads the processor's max_patches: transformers' default "
                f"{LLAMA4_MAX_TILES}), {counted(chunks, 'chunk')} with the global one (none "
                "for one tile: _postprocess_hf_mm_data): the encoder profile's dummy images "
                "(activation term) and, with --enable-tower-connector-lora, the tower LoRA's "
                "tokens per item follow")
    if not value:
        return f"{flag}: Gemma3Processor's default (no crops): nothing changes"
    tokens = GEMMA3_PAN_AND_SCAN_IMAGE_TOKENS
    return (f"{flag}: vLLM's largest image (image_size x {GEMMA3_PAN_AND_SCAN_CROPS} image_size, "
            f"gemma3_mm.py get_image_size_with_most_features) is cut into "
            f"{GEMMA3_PAN_AND_SCAN_CROPS} crops (get_num_crops): ({GEMMA3_PAN_AND_SCAN_CROPS} "
            f"+ 1) x {GEMMA3_IMAGE_TOKENS} = {tokens:,} tokens an image (get_num_image_tokens); "
            "with --enable-tower-connector-lora the tower LoRA's items per prompt follow, and "
            f"its budget (max(batched tokens, {tokens:,})) below {tokens:,} batched tokens; the "
            f"encoder profile runs {GEMMA3_PAN_AND_SCAN_CROPS + 1} tower passes an image: from "
            f"{tokens:,} batched tokens up, at the batch shapes the measured start-ups cover, no "
            f"more than their {GEMMA3_IMAGE_TOKENS}-token images make (the activation term's "
            f"note); below {tokens:,}, more (the plan is flagged, with a warning of its own)"
            + (". Of its output, not memory, vLLM logs: "
               f"\"{GEMMA3_PAN_AND_SCAN_V1_LOG}\" (gemma3_mm.py get_num_crops)"
               if version >= GEMMA3_PAN_AND_SCAN_V1_LOG_FROM else ""))
