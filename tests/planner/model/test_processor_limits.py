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
IMAGE = {"size": {"longest_edge": 1_000_000}}
VIDEO = {"size": {"longest_edge": 2_000_000}}
NESTED = {"image_processor": {"size": {"longest_edge": 3_000_000}},
          "video_processor": {"size": {"longest_edge": 4_000_000}}}
"""An image processor's file, a video processor's, and a processor_config.json nesting both,
each at its own longest_edge (so a limit names the file it came from)."""


def _limits(files: dict, transformers_major: int = 5) -> tuple:
    got = processor_limits(files, transformers_major)
    return (got.image and tuple(got.image), got.video and tuple(got.video), got.notes)


def test_transformers_5_order_picks_each_processors_file() -> None:
    # image_processing_base.py get_image_processor_dict / video_processing_utils.py
    # get_video_processor_dict (5.25.0): the nested processor first
    assert _limits({"processor_config.json": NESTED, "preprocessor_config.json": IMAGE,
                    "video_preprocessor_config.json": VIDEO}) == (
        (3_000_000, "processor_config.json image_processor size.longest_edge"),
        (4_000_000, "processor_config.json video_processor size.longest_edge"), ())
    # a processor_config.json without them (the older layout): the files of their own
    assert _limits({"processor_config.json": {"processor_class": "Qwen3VLProcessor"},
                    "preprocessor_config.json": IMAGE, "video_preprocessor_config.json": VIDEO
                    }) == ((1_000_000, "preprocessor_config.json size.longest_edge"),
                           (2_000_000, "video_preprocessor_config.json size.longest_edge"), ())
    # no video file: the video processor reads preprocessor_config.json
    assert _limits({"preprocessor_config.json": IMAGE})[1] == (
        1_000_000, "preprocessor_config.json size.longest_edge")
    assert _limits({}) == (None, None, ())


def test_transformers_4_57_order_takes_the_files_of_their_own_first() -> None:
    # 4.57.6 image_processing_base.py get_image_processor_dict: [preprocessor_config.json,
    # processor_config.json], the first there; video_processing_utils.py
    # get_video_processor_dict: [video_preprocessor_config.json, preprocessor_config.json,
    # processor_config.json]; each then .get("image_processor" / "video_processor", the object)
    assert _limits({"processor_config.json": NESTED, "preprocessor_config.json": IMAGE,
                    "video_preprocessor_config.json": VIDEO}, 4) == (
        (1_000_000, "preprocessor_config.json size.longest_edge"),
        (2_000_000, "video_preprocessor_config.json size.longest_edge"), ())
    # no video file: the video processor reads preprocessor_config.json, before the nested one
    assert _limits({"processor_config.json": NESTED, "preprocessor_config.json": IMAGE}, 4
                   )[1] == (1_000_000, "preprocessor_config.json size.longest_edge")
    # processor_config.json alone: its nested processors, as 5.x
    assert _limits({"processor_config.json": NESTED}, 4)[:2] == (
        (3_000_000, "processor_config.json image_processor size.longest_edge"),
        (4_000_000, "processor_config.json video_processor size.longest_edge"))
    # processor_config.json alone without them: the whole object, which has no size: the class
    # defaults 1,003,520 and 786,432 (where 5.x, finding no nested one and no file, has none)
    assert _limits({"processor_config.json": {"processor_class": "Qwen3VLProcessor"}}, 4
                   )[:2] == (
        (1_003_520, "processor_config.json (no size: the class default)"),
        (786_432, "processor_config.json (no size: the class default)"))
    # processor_config.json unread blocks neither processor where its own file comes first
    assert _limits({"processor_config.json": None, "preprocessor_config.json": IMAGE}, 4
                   )[:2] == ((1_000_000, "preprocessor_config.json size.longest_edge"),
                             (1_000_000, "preprocessor_config.json size.longest_edge"))


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
        "preprocessor_config.json has no size.longest_edge, which vLLM reads: not read (the "
        "assumed limit is planned)",
        'video_preprocessor_config.json size.longest_edge "big" is not a count of pixels from '
        "1 to 17,179,869,184: not read (the assumed limit is planned)"))
    spec = parse_model_config(QWEN35, processor_configs={
        "video_preprocessor_config.json": {"size": {"longest_edge": True}}})
    assert spec.vision.encoder.video_max_pixels == 25_165_824  # the assumed limit
    assert ("video_preprocessor_config.json size.longest_edge true is not a count of pixels "
            "from 1 to 17,179,869,184: not read (the assumed limit is planned)") in spec.warnings


def test_a_file_there_but_not_read_leaves_the_assumed_limit() -> None:
    # probes.hub gives None for a file it could not read (too big, not JSON, not an object):
    # the processor that reads it has no known limit, and does not fall to the next file
    assert _limits({"preprocessor_config.json": IMAGE,
                    "video_preprocessor_config.json": None})[:2] == (
        (1_000_000, "preprocessor_config.json size.longest_edge"), None)
    # processor_config.json comes first for both: neither limit is known
    assert _limits({"processor_config.json": None, "preprocessor_config.json": IMAGE,
                    "video_preprocessor_config.json": VIDEO}) == (None, None, ())
    # one file both processors read, unusable: noted once
    assert _limits({"preprocessor_config.json": {"size": [1, 2]}}) == (None, None, (
        "preprocessor_config.json has no size.longest_edge, which vLLM reads: not read (the "
        "assumed limit is planned)",))


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


BOTH_ORDERS = {
    "processor_config.json": {"image_processor": {"size": {"longest_edge": 16_777_216}},
                              "video_processor": {"size": {"longest_edge": 33_554_432}}},
    "preprocessor_config.json": {"size": {"longest_edge": 4_194_304}},
    "video_preprocessor_config.json": {"size": {"longest_edge": 234_881_024}}}
"""A checkpoint with nested processors and files of their own giving other limits."""


def test_the_release_s_transformers_major_picks_the_processor_file_order() -> None:
    # vLLM 0.18.0 requires transformers<5 (4.57's order): the files of their own, image
    # 4,194,304 // 32^2 = 4,096 tokens, video 234,881,024: 114,688 tokens (the first test of
    # this file's arithmetic), above the image's: the video profiled, 458,752 patches,
    # 458,752 x 15,360 values x 2 B = 14,092,861,440 B.
    term = _activation(QWEN35, BOTH_ORDERS, "0.18.0")
    assert term.inputs["encoder_patches"] == "458752"
    assert term.inputs["vision_encoder_peak_bytes"] == "14092861440"
    assert "from video_preprocessor_config.json size.longest_edge: 458,752 patches" in (
        term.formula)
    # vLLM 0.30.0 runs transformers 5 (5.x's order): the nested ones, image 16,777,216 and
    # video 33,554,432 // 2: 16,384 tokens each, the tie vLLM gives the video: 1 x 256 x 256 =
    # 65,536 patches, 65,536 x 15,360 x 2 = 2,013,265,920 B.
    term = _activation(QWEN35, BOTH_ORDERS, "0.30.0")
    assert term.inputs["encoder_patches"] == "65536"
    assert term.inputs["vision_encoder_peak_bytes"] == "2013265920"
    assert "from processor_config.json video_processor size.longest_edge: 65,536 patches" in (
        term.formula)
    notes = {version: [w for w in _plan(QWEN35, BOTH_ORDERS, version).warnings
                       if "processor files" in w] for version in ("0.18.0", "0.20.0", "0.30.0")}
    assert notes["0.18.0"] == [
        "vLLM 0.18.0 requires transformers<5, whose 4.57 reads this checkpoint's processor "
        "files in another order than transformers 5: planned in 4.57's (vision encoder "
        "profile (transformers 4.57's processor-file order): image processor longest_edge "
        "4,194,304 px from preprocessor_config.json size.longest_edge; video processor "
        "longest_edge 234,881,024 px from video_preprocessor_config.json size.longest_edge)"]
    # 0.20.0 runs under 4 or 5: planned under 5 (the 65,536 patches), 4.57's named
    assert notes["0.20.0"][0].startswith("vLLM 0.20.0 runs under transformers 4 or 5")
    assert _activation(QWEN35, BOTH_ORDERS, "0.20.0").inputs["encoder_patches"] == "65536"
    assert notes["0.30.0"] == []
    # the same files in either order's place: one reading, no note
    same = {"preprocessor_config.json": BOTH_ORDERS["preprocessor_config.json"]}
    assert parse_model_config(QWEN35, processor_configs=same).vision.transformers4 is None


def _video_temporal_plan(files: dict, zero: tuple[str, ...] = ()) -> Plan:
    spec = parse_model_config(QWEN35, processor_configs=files)
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                            layout=ParallelLayout(tp=1), engine=EngineSettings(
                                vllm_version="0.30.0", max_model_len=8192,
                                zero_mm_limits=zero)))


def test_a_video_processor_temporal_patch_other_than_the_towers_is_refused() -> None:
    # transformers' video processor flattens a patch to 3 channels x 1 frame x 16^2 = 768
    # values; vLLM's patch embedding views them as (-1, 2, 16, 16): 768 / 512 is no whole
    # channel count (qwen3_vl.py Qwen3_VisionPatchEmbed.forward), so any video fails
    files = {"video_preprocessor_config.json": {"size": {"longest_edge": 25_165_824},
                                                "temporal_patch_size": 1}}
    assert _video_temporal_plan(files).errors == [
        "video_preprocessor_config.json temporal_patch_size 1 is not vision_config's "
        "temporal_patch_size 2: the video processor flattens each patch to 3 x 1 x 16^2 = 768 "
        "values, which vLLM 0.30.0's patch embedding views as 2-frame patches into a Conv3d of "
        "3 channels (qwen3_vl.py Qwen3_VisionPatchEmbed.forward x.view(L, -1, "
        "temporal_patch_size, patch_size, patch_size)), so every video fails (the start-up "
        "profile too where it encodes the dummy video); not planned: serve it with "
        "--limit-mm-per-prompt '{\"video\": 0}' or fix the file"]
    # video at 0: no video is encoded; the image's 65,536 patches profiled (assumed limit)
    served = _video_temporal_plan(files, ("video",))
    assert served.errors == []
    assert next(t for t in served.terms if t.key == "activation").inputs[
        "encoder_patches"] == "65536"
    # the tower's 2, given or the class default (video_processing_qwen3_vl.py: 2): planned
    for given in ({"temporal_patch_size": 2}, {}):
        files = {"video_preprocessor_config.json": {"size": {"longest_edge": 25_165_824},
                                                    **given}}
        assert _video_temporal_plan(files).errors == []


def test_an_image_processor_temporal_patch_other_than_the_towers_is_refused() -> None:
    # transformers' image processor repeats an image to its own temporal_patch_size frames and
    # flattens each patch to 3 channels x that x 16^2 values (image_processing_qwen2_vl.py
    # 5.25.0 :203-207, 4.57.6 _preprocess :273-294): 3 x 4 x 256 = 3,072 at 4; vLLM's patch
    # embedding views them as (-1, 2, 16, 16), 3,072 / 512 = 6 channels into a Conv3d of 3
    # (qwen3_vl.py Qwen3_VisionPatchEmbed.forward, images through self.visual too), so every
    # image fails. The video file says 2: the video is planned.
    files = {"preprocessor_config.json": {"size": {"longest_edge": 16_777_216},
                                          "temporal_patch_size": 4},
             "video_preprocessor_config.json": {"size": {"longest_edge": 25_165_824},
                                                "temporal_patch_size": 2}}
    assert _video_temporal_plan(files).errors == [
        "preprocessor_config.json temporal_patch_size 4 is not vision_config's "
        "temporal_patch_size 2: the image processor flattens each patch to 3 x 4 x 16^2 = "
        "3,072 values, which vLLM 0.30.0's patch embedding views as 2-frame patches into a "
        "Conv3d of 3 channels (qwen3_vl.py Qwen3_VisionPatchEmbed.forward x.view(L, -1, "
        "temporal_patch_size, patch_size, patch_size)), so every image fails (the start-up "
        "profile too where it encodes the dummy image); not planned: serve it with "
        "--limit-mm-per-prompt '{\"image\": 0}' or fix the file"]
    assert _video_temporal_plan(files, ("image",)).errors == []
    # one file for both (transformers' video processor falls back on preprocessor_config.json):
    # each is refused in its words
    alone = {"preprocessor_config.json": files["preprocessor_config.json"]}
    assert [e.split(":")[1].strip() for e in _video_temporal_plan(alone).errors] == [
        "the image processor flattens each patch to 3 x 4 x 16^2 = 3,072 values, which vLLM "
        "0.30.0's patch embedding views as 2-frame patches into a Conv3d of 3 channels "
        "(qwen3_vl.py Qwen3_VisionPatchEmbed.forward x.view(L, -1, temporal_patch_size, "
        "patch_size, patch_size)), so every image fails (the start-up profile too where it "
        "encodes the dummy image); not planned",
        "the video processor flattens each patch to 3 x 4 x 16^2 = 3,072 values, which vLLM "
        "0.30.0's patch embedding views as 2-frame patches into a Conv3d of 3 channels "
        "(qwen3_vl.py Qwen3_VisionPatchEmbed.forward x.view(L, -1, temporal_patch_size, "
        "patch_size, patch_size)), so every video fails (the start-up profile too where it "
        "encodes the dummy video); not planned"]
    # the tower's 2, given or Qwen2VLImageProcessor's class default 2: planned
    for given in ({"temporal_patch_size": 2}, {}):
        files = {"preprocessor_config.json": {"size": {"longest_edge": 16_777_216}, **given}}
        assert _video_temporal_plan(files).errors == []
        assert processor_limits(files).image_temporal.frames == 2


def test_a_float_limit_is_read_at_its_floor_and_refused_from_0_13() -> None:
    # transformers keeps a file's 16777216.0 as it is (Qwen2VLImageProcessor.__init__, SizeDict:
    # 4.57.6, 5.25.0); vLLM 0.13.0-0.34.0 get_image_size_with_most_features does
    # range(16777216.0 // 32^2 = 16384.0, 0, -1): TypeError at start-up
    floated = {"preprocessor_config.json": {"size": {"longest_edge": 16_777_216.0}}}
    limits = processor_limits(floated)
    assert limits.image.max_pixels == limits.video.max_pixels == 16_777_216
    assert limits.written == ("preprocessor_config.json size.longest_edge 16777216.0",)
    assert limits.notes == ()
    # a fraction is read at its floor too (smart_resize's square side is a multiple of 32 whose
    # square is at most the value, so at most 16,777,216); below 1 it is no count of pixels
    half = processor_limits({"preprocessor_config.json": {"max_pixels": 16_777_216.5}})
    assert half.image == (16_777_216, "preprocessor_config.json max_pixels")
    assert half.written == ("preprocessor_config.json max_pixels 16777216.5",)
    assert processor_limits({"preprocessor_config.json": {"max_pixels": 0.5}}).notes == (
        "preprocessor_config.json max_pixels 0.5 is not a count of pixels from 1 to "
        "17,179,869,184: not read (the assumed limit is planned)",)
    assert _video_temporal_plan(floated).errors == [
        "preprocessor_config.json size.longest_edge 16777216.0 is a float, which vLLM 0.30.0 "
        "cannot size: TypeError: 'float' object cannot be interpreted as an integer at "
        "start-up (qwen2_vl.py get_image_size_with_most_features factors max_pixels // (patch "
        "x merge)^2 with range(), for the image and the video whatever --limit-mm-per-prompt "
        "says); write it as an integer, or serve the model text-only (--limit-mm-per-prompt "
        "'{\"image\": 0, \"video\": 0}')"]
    # text-only: no MultiModalBudget, planned
    assert _video_temporal_plan(floated, ("image", "video")).errors == []


def test_before_0_13_a_float_limit_plans_as_its_integer() -> None:
    # vLLM 0.12.0 sizes the largest image with transformers' smart_resize, which takes the
    # float: the encoder and plan of the integer file. 4,194,304 // 32^2 = 4,096 tokens, 64 x
    # 64, 4,096 x 2^2 = 16,384 patches
    config = load_ref_config("Qwen__Qwen3-VL-32B-Instruct")[0]
    specs = [parse_model_config(config, processor_configs={
        "preprocessor_config.json": {"size": {"longest_edge": edge}}})
        for edge in (4_194_304.0, 4_194_304)]
    floated, whole = (spec.vision.encoder for spec in specs)
    assert floated.pixels_written == ("preprocessor_config.json size.longest_edge 4194304.0",)
    assert floated.model_copy(update={"pixels_written": ()}) == whole
    assert ("image processor longest_edge 4,194,304 px from preprocessor_config.json "
            "size.longest_edge (written 4194304.0: its floor)") in specs[0].assumptions[-1]
    assert whole.max_item_patches == 16_384
    plans = [plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2),
                              layout=ParallelLayout(tp=2), engine=EngineSettings(
                                  vllm_version="0.12.0", max_model_len=8192)))
             for spec in specs]
    assert plans[0].errors == plans[1].errors == []
    assert plans[0].kv_cache_bytes_per_gpu == plans[1].kv_cache_bytes_per_gpu


@pytest.mark.parametrize(("version", "refused"), [
    # 0.12.0 qwen2_vl.py get_image_size_with_most_features: _get_vision_info over a 9,999,999 px
    # square (transformers' smart_resize takes the float); from 0.13.0 `max_pixels =
    # image_processor.max_pixels or image_processor.size["longest_edge"]`, then
    # range(max_pixels // (16 x 2)^2, 0, -1), which MultiModalBudget.__init__ (v1/worker/utils.py,
    # built by gpu_model_runner.py for a model with a modality above 0) reaches at start-up
    # through get_mm_max_tokens_per_item -> get_max_image_tokens: range(4194304.0 // 1,024 =
    # 4096.0, ...) is a TypeError on 0.13.0 and 0.16.0 as on 0.17.0
    ("0.12.0", False), ("0.13.0", True), ("0.16.0", True), ("0.17.0", True),
])
def test_a_float_limit_on_qwen3_vl_is_refused_from_0_13(version, refused) -> None:
    config = load_ref_config("Qwen__Qwen3-VL-32B-Instruct")[0]
    spec = parse_model_config(config, processor_configs={
        "preprocessor_config.json": {"size": {"longest_edge": 4_194_304.0}}})
    errors = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2),
                              layout=ParallelLayout(tp=2), engine=EngineSettings(
                                  vllm_version=version, max_model_len=8192))).errors
    assert [e.startswith("preprocessor_config.json size.longest_edge 4194304.0 is a float, "
                         f"which vLLM {version} cannot size: TypeError") for e in errors] == (
        [True] if refused else [])
