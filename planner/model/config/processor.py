"""The Qwen3-VL family's image and video size limits (size.longest_edge) from a checkpoint's
processor files, as transformers picks the file (ProcessorLimits; vision.qwen3_vl_sized plans
them in place of vision.QWEN3_VL_MAX_PIXELS / QWEN3_VL_VIDEO_MAX_PIXELS).

NOTE: which file transformers 5.x reads (5.25.0, and 5.5.3 and 5.22.0 alike: the docstrings of
vision.QWEN3_VL_MAX_PIXELS and QWEN3_VL_VIDEO_MAX_PIXELS): image_processing_base.py
get_image_processor_dict takes processor_config.json's nested "image_processor" where there is
one, else preprocessor_config.json; video_processing_utils.py get_video_processor_dict takes
processor_config.json's nested "video_processor", else video_preprocessor_config.json, else
preprocessor_config.json (so a checkpoint without a video file takes the image file's size).
transformers 4.57.6 orders them otherwise (image_processing_base.py get_image_processor_dict:
preprocessor_config.json, else processor_config.json; video_processing_utils.py
get_video_processor_dict: video_preprocessor_config.json, else preprocessor_config.json, else
processor_config.json; each takes the file's nested "image_processor" / "video_processor" where
it has one, else the whole object; processing_utils.py _get_arguments_from_pretrained builds
each through those), which differs where a nested processor and a file of its own are both
there: processor_limits reads either order (`transformers_major`), and the plan takes the one
the targeted vLLM release runs with (serving.processor_order: 4 before 0.19.1). vLLM reads the
limit as `size["longest_edge"]` of the processor it builds (qwen2_vl.py
get_image_size_with_most_features, qwen3_vl.py get_max_video_tokens, 0.17.0-0.34.0); the patch,
merge and temporal sizes it profiles with are vision_config's (qwen3_vl.py _get_vision_info),
but get_max_video_tokens divides the video's longest_edge by the video processor's own
temporal_patch_size, and that processor flattens each video patch to channels x its
temporal_patch_size x patch^2 values, which vLLM's patch embedding views as vision_config's
(ProcessorLimits.video_temporal; serving.mm_modes temporal_refusal); the image processor
likewise with its own (ProcessorLimits.image_temporal, IMAGE_CLASS_TEMPORAL_PATCH).
"""

import json
import math
from typing import NamedTuple

PROCESSOR_FILE = "processor_config.json"
IMAGE_PROCESSOR_FILE = "preprocessor_config.json"
VIDEO_PROCESSOR_FILE = "video_preprocessor_config.json"
PROCESSOR_FILES = (PROCESSOR_FILE, IMAGE_PROCESSOR_FILE, VIDEO_PROCESSOR_FILE)
"""The processor files a checkpoint may hold (small JSON objects: probes.hub fetches those its
repo lists, or a model folder holds)."""

IMAGE_CLASS_MAX_PIXELS = 28 * 28 * 1280
"""Qwen2VLImageProcessor's size longest_edge class default, 1,003,520 (image_processing_qwen2_vl.py
:96, transformers 5.25.0; the class transformers' auto map gives qwen3_vl, qwen3_vl_moe, qwen3_5
and qwen3_5_moe): what a file without "size" (nor max_pixels) gives."""

VIDEO_CLASS_MAX_PIXELS = 32 * 32 * 768
"""Qwen3VLVideoProcessor's size longest_edge class default, 786,432 (video_processing_qwen3_vl.py
:114, transformers 5.25.0): what a video file without "size" gives."""

VIDEO_CLASS_TEMPORAL_PATCH = 2
"""Qwen3VLVideoProcessor's temporal_patch_size class default (video_processing_qwen3_vl.py:122,
transformers 5.25.0; :97, 4.57.6): what a video processor file without it gives."""

IMAGE_CLASS_TEMPORAL_PATCH = 2
"""Qwen2VLImageProcessor's temporal_patch_size class default (image_processing_qwen2_vl.py:104,
transformers 5.25.0; the __init__ default, :134, 4.57.6): what an image processor file without
it gives. The image processor repeats each image to that many frames and flattens each patch
to channels x it x patch^2 values (5.25.0 :203-207; 4.57.6 _preprocess :273-294), so the
image's values follow its file, not vision_config (ProcessorLimits.image_temporal)."""

MAX_READ_PIXELS = 2**34
"""The largest longest_edge planned, 17,179,869,184 px (4,194,304 tokens of 32 x 32 px a frame
pair): far above any checkpoint read (234,881,024); a larger value is noted and not planned."""


ASSUMED = " (the assumed limit is planned)"
"""The end of a note on a limit not read."""


class PixelLimit(NamedTuple):
    """One processor's size.longest_edge and where it came from."""

    max_pixels: int
    source: str  # e.g. "video_preprocessor_config.json size.longest_edge"


class TemporalPatch(NamedTuple):
    """A processor's temporal_patch_size and where it came from."""

    frames: int
    source: str  # e.g. "video_preprocessor_config.json temporal_patch_size"


class ProcessorLimits(NamedTuple):
    """The image and video limits a checkpoint's processor files give (None: no file gives it,
    the assumed constant stands), and notes on files not read."""

    image: PixelLimit | None
    video: PixelLimit | None
    notes: tuple[str, ...] = ()
    video_temporal: TemporalPatch | None = None
    image_temporal: TemporalPatch | None = None
    written: tuple[str, ...] = ()
    """'<source> <value>' of each limit its file wrote as a float (read at its floor: _limit)."""


def processor_limits(files: dict[str, dict | None], transformers_major: int = 5
                     ) -> ProcessorLimits:
    """The limits `files` (a processor file's name -> its JSON object, those the checkpoint
    holds: PROCESSOR_FILES; None for one there but not read) give, picked as transformers
    `transformers_major` (5: 5.25.0; 4: 4.57.6) does (the module's NOTE)."""
    notes: list[str] = []
    written: list[str] = []
    pick = _pick if transformers_major >= 5 else _pick_4
    image_picked = pick("image_processor", files, (IMAGE_PROCESSOR_FILE,))
    image = _limit(image_picked, IMAGE_CLASS_MAX_PIXELS, "max_pixels", notes, written)
    picked = pick("video_processor", files, (VIDEO_PROCESSOR_FILE, IMAGE_PROCESSOR_FILE))
    video = _limit(picked, VIDEO_CLASS_MAX_PIXELS, None, notes, written)
    temporal = _temporal(picked, VIDEO_CLASS_TEMPORAL_PATCH, notes) if video else None
    image_temporal = _temporal(image_picked, IMAGE_CLASS_TEMPORAL_PATCH, notes) if image else None
    # both processors may read one file: its note (and its float) once
    return ProcessorLimits(image, video, tuple(dict.fromkeys(notes)), temporal, image_temporal,
                           tuple(dict.fromkeys(written)))


def _pick_4(key: str, files: dict[str, dict | None], order: tuple[str, ...]
            ) -> tuple[object, str] | None:
    """As _pick, in transformers 4.57.6's order: the first file of `order` there, else
    processor_config.json, its nested `key` where it has one, else the whole object."""
    name = next((name for name in (*order, PROCESSOR_FILE) if name in files), None)
    processor = files[name] if name is not None else None
    if processor is None:
        return None
    return (processor[key], f"{name} {key}") if key in processor else (processor, name)


def _temporal(picked: tuple[object, str] | None, class_default: int, notes: list[str]
              ) -> TemporalPatch | None:
    """The image or video processor's temporal_patch_size (`class_default` where its file has
    none); None (noted) where it is no count of frames from 1."""
    assert picked is not None and isinstance(picked[0], dict)  # (_limit read it)
    processor, where = picked
    value = processor.get("temporal_patch_size")
    if value is None:
        return TemporalPatch(class_default, f"{where} (no temporal_patch_size: the class default)")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        notes.append(f"{where} temporal_patch_size {json.dumps(value)[:40]} is not a count of "
                     "frames from 1: not read (vision_config's is planned)")
        return None
    return TemporalPatch(value, f"{where} temporal_patch_size")


def _pick(key: str, files: dict[str, dict | None], order: tuple[str, ...]
          ) -> tuple[object, str] | None:
    """(the processor's dict, where it is) transformers reads: processor_config.json's nested
    `key`, else the first file of `order` there; None where there is none, or where the file
    transformers would read was not (its limit is not known: the assumed one stands, not the
    next file's)."""
    if PROCESSOR_FILE in files:
        nested = files[PROCESSOR_FILE]
        if nested is None:
            return None
        if key in nested:
            return nested[key], f"{PROCESSOR_FILE} {key}"
    name = next((name for name in order if name in files), None)
    processor = files[name] if name is not None else None
    return None if processor is None else (processor, name)


def _limit(picked: tuple[object, str] | None, class_default: int, override: str | None,
           notes: list[str], written_floats: list[str]) -> PixelLimit | None:
    """The processor's longest_edge: its `override` key (Qwen2VLImageProcessor.__init__ writes
    max_pixels over size["longest_edge"]; the video class has no such key), else size.longest_edge,
    else the class default where it has no "size"; None (noted) where the value is no usable
    count of pixels. A float from 1 (16777216.0) is read as its floor, `written_floats` given
    '<source> <value>':
    transformers keeps it as it is (Qwen2VLImageProcessor.__init__ and SizeDict, 4.57.6 and
    5.25.0) and its smart_resize, the only place vLLM before 0.13 takes it (_get_vision_info
    over a 9,999,999 px square), gives the floor's sizes (the square's side is a multiple of
    patch x merge whose square is at most the value, so at most its floor); vLLM 0.13 and
    later fail on it (serving.mm_modes.float_limit_refusal)."""
    if picked is None:
        return None
    processor, where = picked
    if not isinstance(processor, dict):
        notes.append(f"{where} is not a JSON object: not read{ASSUMED}")
        return None
    size = processor.get("size")
    if override and processor.get(override) is not None:
        value, key = processor[override], override
    elif size is None:
        return PixelLimit(class_default, f"{where} (no size: the class default)")
    elif isinstance(size, dict) and "longest_edge" in size:
        value, key = size["longest_edge"], "size.longest_edge"
    else:
        notes.append(f"{where} has no size.longest_edge, which vLLM reads: not read{ASSUMED}")
        return None
    written, floated = json.dumps(value)[:40], isinstance(value, float)
    if floated and math.isfinite(value) and value >= 1:
        value = math.floor(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_READ_PIXELS:
        notes.append(f"{where} {key} {written} is not a count of pixels from 1 to "
                     f"{MAX_READ_PIXELS:,}: not read{ASSUMED}")
        return None
    if floated:
        written_floats.append(f"{where} {key} {written}")
    return PixelLimit(value, f"{where} {key}")
