"""A Qwen3-VL-family tower planned at its checkpoint's processor files' limits
(planner.model.config.processor, vision.qwen3_vl_sized, mm_modes.video_outranks).

Figures worked by hand from Qwen3.5-27B's config (tests/fixtures/configs, a copy of
../shared/model-configs: vision_config depth 27, hidden_size 1152, intermediate_size 4304,
patch_size 16, temporal_patch_size 2, spatial_merge_size 2, in_channels 3, out_hidden_size
5120, no deepstack; bfloat16) and Qwen3-VL-32B-Instruct's, and the vLLM and transformers
sources the modules cite.
"""

import re

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.config.processor import processor_limits
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import Plan, PlanRequest, plan
from tests.conftest import load_ref_config

QWEN35 = load_ref_config("Qwen__Qwen3.5-27B")[0]
QWEN3_VL = load_ref_config("Qwen__Qwen3-VL-32B-Instruct")[0]
VIDEO_9B_BASE = {"video_preprocessor_config.json": {
    "size": {"longest_edge": 234_881_024, "shortest_edge": 4_096}}}
"""A copy of Qwen/Qwen3.5-9B-Base's video processor file's size."""


def _limits(files: dict) -> tuple:
    got = processor_limits(files)
    return (got.image and tuple(got.image), got.video and tuple(got.video), got.notes)


def test_transformers_5_order_picks_each_processors_file() -> None:
    image = {"size": {"longest_edge": 1_000_000}}
    video = {"size": {"longest_edge": 2_000_000}}
    nested = {"image_processor": {"size": {"longest_edge": 3_000_000}},
              "video_processor": {"size": {"longest_edge": 4_000_000}}}
    # image_processing_base.py get_image_processor_dict / video_processing_utils.py
    # get_video_processor_dict (5.25.0): the nested processor first
    assert _limits({"processor_config.json": nested, "preprocessor_config.json": image,
                    "video_preprocessor_config.json": video}) == (
        (3_000_000, "processor_config.json image_processor size.longest_edge"),
        (4_000_000, "processor_config.json video_processor size.longest_edge"), ())
    # a processor_config.json without them (the older layout): the files of their own
    assert _limits({"processor_config.json": {"processor_class": "Qwen3VLProcessor"},
                    "preprocessor_config.json": image, "video_preprocessor_config.json": video
                    }) == ((1_000_000, "preprocessor_config.json size.longest_edge"),
                           (2_000_000, "video_preprocessor_config.json size.longest_edge"), ())
    # no video file: the video processor reads preprocessor_config.json
    assert _limits({"preprocessor_config.json": image})[1] == (
        1_000_000, "preprocessor_config.json size.longest_edge")
    assert _limits({}) == (None, None, ())


def test_max_pixels_and_the_class_defaults() -> None:
    # Qwen2VLImageProcessor.__init__ (5.25.0) writes max_pixels over size["longest_edge"];
    # Qwen3VLVideoProcessor has no such key: the same dict gives the video its size
    legacy = {"max_pixels": 12_845_056, "size": {"longest_edge": 1_000_000}}
    assert _limits({"preprocessor_config.json": legacy})[:2] == (
        (12_845_056, "preprocessor_config.json max_pixels"),
        (1_000_000, "preprocessor_config.json size.longest_edge"))
    # no "size": the class defaults, 28 x 28 x 1,280 = 1,003,520 (image_processing_qwen2_vl.py
    # :96) and 32 x 32 x 768 = 786,432 (video_processing_qwen3_vl.py :114)
    assert _limits({"preprocessor_config.json": {}})[:2] == (
        (1_003_520, "preprocessor_config.json (no size: the class default)"),
        (786_432, "preprocessor_config.json (no size: the class default)"))


def test_unusable_values_are_noted_and_not_planned() -> None:
    got = _limits({"preprocessor_config.json": {"size": {"shortest_edge": 4_096}},
                   "video_preprocessor_config.json": {"size": {"longest_edge": "big"}}})
    assert got == (None, None, (
        "preprocessor_config.json has no size.longest_edge, which vLLM reads: not read",
        'video_preprocessor_config.json size.longest_edge "big" is not a count of pixels from '
        "1 to 17,179,869,184: not read"))
    spec = parse_model_config(QWEN35, processor_configs={
        "video_preprocessor_config.json": {"size": {"longest_edge": True}}})
    assert spec.vision.encoder.video_max_pixels == 25_165_824  # the assumed limit
    assert ("video_preprocessor_config.json size.longest_edge true is not a count of pixels "
            "from 1 to 17,179,869,184: not read (the assumed limit is planned)") in spec.warnings


def test_a_file_there_but_not_read_leaves_the_assumed_limit() -> None:
    # probes.hub gives None for a file it could not read (too big, not JSON, not an object):
    # the processor that reads it has no known limit, and does not fall to the next file
    image = {"size": {"longest_edge": 1_000_000}}
    video = {"size": {"longest_edge": 2_000_000}}
    assert _limits({"preprocessor_config.json": image,
                    "video_preprocessor_config.json": None})[:2] == (
        (1_000_000, "preprocessor_config.json size.longest_edge"), None)
    # processor_config.json comes first for both: neither limit is known
    assert _limits({"processor_config.json": None, "preprocessor_config.json": image,
                    "video_preprocessor_config.json": video}) == (None, None, ())
    # one file both processors read, unusable: noted once
    assert _limits({"preprocessor_config.json": {"size": [1, 2]}}) == (None, None, (
        "preprocessor_config.json has no size.longest_edge, which vLLM reads: not read",))


def test_an_image_limit_below_one_merged_token_is_refused() -> None:
    # 1,000 // 32^2 = 0 tokens: vLLM's largest image is 0 px wide (smart_resize divides by it)
    with pytest.raises(ConfigError, match=re.escape(
            "config.json: vision_config.patch_size 16 x spatial_merge_size 2 is over 31 px a "
            "merged token: vLLM's largest image (qwen2_vl.py get_image_size_with_most_features: "
            "1,000 px (preprocessor_config.json size.longest_edge) // 32^2 = 0 tokens)")):
        parse_model_config(QWEN35, processor_configs={
            "preprocessor_config.json": {"size": {"longest_edge": 1_000}}})


def _plan(config: dict, files: dict, version: str) -> Plan:
    """The plan on one H100 at 8,192 tokens."""
    spec = parse_model_config(config, processor_configs=files)
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                            layout=ParallelLayout(tp=1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192)))


def _activation(config: dict, files: dict, version: str):
    return next(t for t in _plan(config, files, version).terms if t.key == "activation")


def test_a_video_above_the_image_is_what_vllm_profiles() -> None:
    # qwen3_vl.py get_max_video_tokens (0.17.0-0.34.0): 234,881,024 // 2 (temporal) = 117,440,512
    # px a frame, // 32^2 = 114,688 tokens = 2^14 x 7 = 256 x 448 (no divisor from 257 to
    # isqrt 338), an 8,192 x 14,336 frame; 2 frames x 117,440,512 = 234,881,024, not over:
    # one temporal patch, 114,688 tokens > the image's 16,384, so the encoder profile encodes
    # the video (encoder_budget.py get_modality_with_max_tokens); 512 x 896 = 458,752 patches.
    # Items: budget max(8,192, 114,688) // 114,688 = 1.
    # ViT at TP 1, per patch: input 3 x 2 x 16^2 = 1,536 + positions 1,152 + the block's live
    # set max(11 x 1,152 = 12,672, 3 x 1,152 + 2 x 4,304 = 12,064, 4 x 1,152 + 4,304 = 8,912)
    # = 15,360 values, x 2 B x 458,752 = 14,092,861,440 B.
    # Held (V1, 0.20.0): input 458,752 x 1,536 x 2 = 1,409,286,144 + outputs 114,688 x 5,120
    # x 2 = 1,174,405,120 = 2,583,691,264 B; V2 (0.34.0) holds the outputs only.
    for version, held in (("0.20.0", 2_583_691_264), ("0.34.0", 1_174_405_120)):
        term = _activation(QWEN35, VIDEO_9B_BASE, version)
        assert term.inputs["encoder_patches"] == "458752"
        assert term.inputs["encoder_video_frames"] == "2"
        assert term.inputs["vision_encoder_peak_bytes"] == "14092861440"
        assert term.inputs["encoder_held_bytes"] == str(held)
        assert ("1 dummy video of 2 frames at the video processor's largest size, from "
                "video_preprocessor_config.json size.longest_edge: 458,752 patches (more "
                "tokens per item than the image") in term.formula, term.formula
    # at the assumed 25,165,824 the image's 65,536 patches are profiled: 65,536 x 15,360 x 2
    assert _activation(QWEN35, {}, "0.20.0").inputs["vision_encoder_peak_bytes"] == str(
        65_536 * 15_360 * 2)


def test_a_video_as_large_as_the_image_is_what_vllm_profiles_from_0_17() -> None:
    # image 16,777,216 // 32^2 = 16,384 tokens = 128 x 128: 65,536 patches; video
    # 33,554,432 // 2 = 16,777,216 px a frame, 16,384 tokens = 128 x 128, a 4,096 x 4,096
    # frame, 2 frames x 16,777,216 = 33,554,432 not over: 1 x 256 x 256 = 65,536 patches,
    # 16,384 tokens. A tie: encoder_budget.py get_modality_with_max_tokens (0.17.0-0.34.0)
    # keys max on (tokens, name), and "video" > "image".
    files = {"preprocessor_config.json": {"size": {"longest_edge": 16_777_216}},
             "video_preprocessor_config.json": {"size": {"longest_edge": 33_554_432}}}
    term = _activation(QWEN35, files, "0.20.0")
    assert ("1 dummy video of 2 frames at the video processor's largest size, from "
            "video_preprocessor_config.json size.longest_edge: 65,536 patches (as many tokens "
            "per item as the image, a tie vLLM gives the video") in term.formula, term.formula
    # the same peak as the image's: 65,536 x 15,360 x 2 B (the block's live set above)
    assert term.inputs["vision_encoder_peak_bytes"] == str(65_536 * 15_360 * 2)
    # 0.16.0 keys on the tokens alone, the first modality met (a set's order): not flagged as
    # a video profile (Qwen3-VL-32B: 16 px, merge 2, temporal 2 alike; Qwen3.5 is 0.17.0 on)
    assert not any("video processor's longest_edge" in w
                   for w in _plan(QWEN3_VL, files, "0.16.0").warnings)


def test_the_image_files_source_is_named() -> None:
    term = _activation(QWEN35, {"preprocessor_config.json": {
        "size": {"longest_edge": 16_777_216}}}, "0.20.0")
    # the video takes the image file's 16,777,216: 8,192 tokens, below the image's 16,384
    assert "1 dummy image at the image processor's largest size, from preprocessor_config.json "\
        "size.longest_edge: 65,536 patches" in term.formula
    assert "at the image processor's largest size, unverified: 65,536 patches" in (
        _activation(QWEN35, {}, "0.20.0").formula)


def test_a_video_above_the_image_before_its_dummy_is_read_is_flagged() -> None:
    # 0.16.0: the dummy video's code is not read (mm_modes.VIDEO_PROFILE_READ_FROM): the
    # image's profile stands in, and the plan says why the video is profiled
    warnings = _plan(QWEN3_VL, VIDEO_9B_BASE, "0.16.0").warnings
    assert any(w.startswith(
        "its video processor's longest_edge (video_preprocessor_config.json size.longest_edge) "
        "gives a video more tokens per item than the image: vLLM profiles the vision encoder on "
        "its dummy video") for w in warnings), warnings
