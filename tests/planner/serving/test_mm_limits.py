"""--limit-mm-per-prompt counts above 0 in the plan (mm_modes.LIMITS_READ_FROM).

The rule, from multimodal/encoder_budget.py MultiModalBudget (the 0.16.0-0.34.0 wheels): the
profile encodes the declared modality with the most tokens per item among those whose limit is
above 0, on max(1, min(budget // tokens, max_num_seqs x max(1, min(limit, max_model_len //
tokens)))) dummy items, budget = max(max_num_batched_tokens, the most tokens per item among them)
(v1/core/encoder_cache_manager.py compute_mm_encoder_budget). Nothing else at start-up reads the
limit: the decoder's dummy run holds no multimodal token, and the encoder cache is no buffer.

Qwen/Qwen3-VL-32B-Instruct (../shared/model-configs: vision_config hidden_size 1152,
intermediate_size 4304, patch_size 16, temporal_patch_size 2, in_channels 3, spatial_merge_size
2, out_hidden_size 5120, 3 deepstack indexes; bfloat16), vLLM 0.20.0 (Model Runner V1), one
H100, max_model_len 32,768, max_num_seqs 2, max_num_batched_tokens 65,536. vLLM's largest image
is 16,384 tokens = 65,536 patches (model.config.vision.qwen3_vl_image_grid), its video 12,288
tokens, so the image is profiled while its limit is above 0:
  budget = max(65,536, 16,384) = 65,536; budget // 16,384 = 4;
  default (999): 2 x max(1, min(999, 32,768 // 16,384 = 2)) = 4 -> min(4, 4) = 4 images;
  image 1:       2 x max(1, min(1, 2)) = 2 -> min(4, 2) = 2 images;
  image 4:       2 x min(4, 2) = 4 -> 4 images (max_model_len caps it first);
  video 0:       the image still has the most tokens, the budget the same: 4 images.
Per image (engine.encoder_profile): held input 65,536 x 3 x 2 x 16^2 = 1,536 values + outputs
16,384 x 5,120 x (1 + 3) values, x 2 B = 201,326,592 + 671,088,640 = 872,415,232 B; the ViT's
peak per patch: input 1,536 + positions 1,152 + deepstack 3 x 5,120 / 4 = 3,840 + one block's
attention live set 11 x 1,152 = 12,672 (TP 1): 19,200 values x 2 B = 38,400 B.
"""

import shlex

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.mm_modes import LIMITS_READ_FROM, allowed_limit
from planner.serving.plan import Plan, PlanRequest, plan
from planner.serving.vllm_cli import command_problems, supported_versions, vllm_cli
from planner.serving.vllm_versions import TOWER_MODALITIES, parse_version

QWEN3_VL = "Qwen/Qwen3-VL-32B-Instruct"
HELD_PER_IMAGE = 65_536 * 1_536 * 2 + 16_384 * 5_120 * 4 * 2  # 872,415,232
VIT_PER_PATCH = (1_536 + 1_152 + 3_840 + 12_672) * 2  # 38,400


def _plan(model: str, version: str = "0.20.0", seqs: int = 2, **flags: object) -> Plan:
    """The plan on one H100 at max_model_len 32,768, 2 sequences (unless told), 65,536 batched
    tokens."""
    s = EngineSettings(vllm_version=version, max_model_len=32_768, max_num_seqs=seqs,
                       max_num_batched_tokens=65_536, **flags)
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100-sxm", 1),
                            layout=ParallelLayout(tp=1), engine=s))


def _at_8k(model: str, version: str = "0.20.0", **flags: object) -> Plan:
    """The plan on one H100 at max_model_len 8,192 and the release's other defaults (it fits;
    Qwen3-VL-32B before 0.17 at 0.93: at their 0.9 its KV cache, 1.99 GiB with the M-RoPE rotary
    cache's 4 rows a position, 268,435,456 B, misses one 8,192-token request's 2.00 GiB)."""
    if model == QWEN3_VL and parse_version(version) < (0, 17, 0):
        flags = {"gpu_memory_utilization": 0.93, **flags}
    s = EngineSettings(vllm_version=version, max_model_len=8_192, **flags)
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100-sxm", 1),
                            layout=ParallelLayout(tp=1), engine=s))


def _terms(p: Plan) -> dict:
    return {t.key: t for t in p.terms}


@pytest.mark.parametrize("version", ["0.16.0", "0.20.0"])
def test_image_1_halves_the_dummy_images_and_the_kv_cache_gains_the_difference(
        version: str) -> None:
    # the 0.16.0 wheel (pip download vllm==0.16.0 --no-deps) has the same encoder_budget.py
    # _get_max_items, compute_mm_encoder_budget, allowed_mm_limits, profile_run and Qwen3-VL
    # image (16,384) and video (12,288) tokens: the same 4 -> 2 images
    base = _terms(_plan(QWEN3_VL, version))
    one = _terms(_plan(QWEN3_VL, version, mm_item_limits=(("image", 1),)))
    for terms, items in ((base, 4), (one, 2)):
        inputs = terms["activation"].inputs
        assert inputs["encoder_dummy_items"] == str(items)
        assert inputs["encoder_patches"] == str(items * 65_536)
        assert inputs["encoder_held_bytes"] == str(items * HELD_PER_IMAGE)
        assert inputs["vision_encoder_peak_bytes"] == str(items * 65_536 * VIT_PER_PATCH)
    # the ViT's peak binds (4 images: 10,066,329,600 B against 3,489,660,928 held + the
    # decoder's 2.12 GiB), so the activation and the KV cache move by 2 images' ViT peak
    moved = 2 * 65_536 * VIT_PER_PATCH  # 5,033,164,800 B
    assert base["activation"].value - one["activation"].value == moved
    assert one["kv_cache"].value - base["kv_cache"].value == moved
    # the weights stay: the tower is built at any count above 0
    assert one["weights"].value == base["weights"].value


def test_a_count_past_max_model_len_or_video_0_moves_nothing() -> None:
    base = [t.value for t in _plan(QWEN3_VL).terms]
    assert [t.value for t in _plan(QWEN3_VL, mm_item_limits=(("image", 4),)).terms] == base
    assert [t.value for t in _plan(QWEN3_VL, zero_mm_limits=("video",)).terms] == base
    both = _plan(QWEN3_VL, zero_mm_limits=("video",), mm_item_limits=(("image", 4),))
    assert [t.value for t in both.terms] == base
    assert any("keeps image 4, video 0 items per prompt" in w
               and "planned on the image at 4 per prompt" in w for w in both.warnings)


@pytest.mark.parametrize(("video", "seqs", "items"),
                         [((), 2, 4), ((("video", 1),), 2, 2), ((), 4, 5)])
def test_image_0_profiles_the_dummy_video_through_the_same_vit(video: tuple, seqs: int,
                                                               items: int) -> None:
    # qwen3_vl.py get_dummy_mm_data (0.17.0-0.34.0): 2 frames of get_image_size_with_most_
    # features(25,165,824 // 2 px) = 96 x 128 merged tokens = 3,072 x 4,096 px; 2 x 3,072 x 4,096
    # = 25,165,824 is not over longest_edge, so smart_resize keeps it: grid 1 x 192 x 256 =
    # 49,152 patches, 12,288 tokens. _process_video_input runs them through self.visual as an
    # image's, each patch 3 x 2 x 16^2 values, so the same per-patch figures hold.
    # budget max(65,536, 12,288) = 65,536 // 12,288 = 5; video 999: 2 x max(1, min(999,
    # 32,768 // 12,288 = 2)) = 4 -> 4 videos; video 1: 2 x 1 = 2 videos; at 4 sequences the
    # budget binds: min(5, 4 x 2 = 8) = 5 videos, where the images stay at min(65,536 // 16,384
    # = 4, 4 x 2) = 4 (h703: 0.20.0's prepare_encoder_metadata cuts a 1-temporal-patch video
    # into one 49,152-patch attention sequence, as an image into one)
    p = _plan(QWEN3_VL, seqs=seqs, zero_mm_limits=("image",), mm_item_limits=video)
    terms, base = _terms(p), _terms(_plan(QWEN3_VL, seqs=seqs))
    inputs = terms["activation"].inputs
    assert inputs["encoder_dummy_items"] == str(items)
    assert inputs["encoder_video_frames"] == "2"
    assert inputs["encoder_patches"] == str(items * 49_152)
    # held per video: 49,152 x 1,536 x 2 + 12,288 x 5,120 x 4 x 2 = 654,311,424 B
    assert inputs["encoder_held_bytes"] == str(items * 654_311_424)
    vit = items * 49_152 * VIT_PER_PATCH  # 4: 7,549,747,200 B; 2: 3,774,873,600; 5: 9,437,184,000
    assert inputs["vision_encoder_peak_bytes"] == str(vit)
    # the ViT binds (2 videos: 1,308,622,848 held + the decoder's 2.12 GiB < 3,774,873,600), so
    # the KV cache gains the 4 images' ViT peak less the videos'
    moved = 4 * 65_536 * VIT_PER_PATCH - vit  # 2,516,582,400 / 6,291,456,000 / 629,145,600 B
    assert base["activation"].value - terms["activation"].value == moved
    assert terms["kv_cache"].value - base["kv_cache"].value == moved
    assert "dummy video" not in p.verdict and not any("with images at 0" in w
                                                      for w in p.warnings)


def test_image_0_before_0_17_stands_the_image_in_for_the_video() -> None:
    # 0.16.0's qwen3_vl.py is not read (mm_modes.VIDEO_PROFILE_READ_FROM): flagged as before
    p = _at_8k(QWEN3_VL, "0.16.0", zero_mm_limits=("image",), mm_item_limits=(("video", 2),))
    assert p.verdict.startswith("Fits (unmodelled: vision encoder start-up profile on the dummy "
                                "video): "), p.verdict
    said = [w for w in p.warnings if "with images at 0 vLLM profiles the vision encoder on its "
            "dummy video" in w]
    assert len(said) == 1 and "at the video's 2 items per prompt" in said[0]
    assert "encoder_video_frames" not in _terms(p)["activation"].inputs
    # every modality at 0: text-only, no encoder profile
    text = _terms(_plan(QWEN3_VL, zero_mm_limits=("image", "video")))
    assert "encoder_dummy_items" not in text["activation"].inputs


@pytest.mark.parametrize("version", [v for v in supported_versions()
                                     if parse_version(v) >= LIMITS_READ_FROM])
def test_the_count_stays_in_the_launch_command_as_json(version: str) -> None:
    p = _at_8k(QWEN3_VL, version, zero_mm_limits=("video",), mm_item_limits=(("image", 4),))
    words = shlex.split(p.vllm_command)
    assert words[words.index("--limit-mm-per-prompt") + 1] == '{"video": 0, "image": 4}'
    assert command_problems(p.vllm_command, vllm_cli(version)) == []


def test_before_0_16_a_count_is_refused_a_zero_planned() -> None:
    p = _at_8k(QWEN3_VL, "0.15.1", mm_item_limits=(("image", 1),))
    assert p.errors == ["--limit-mm-per-prompt image 1: Headroom plans a count above 0 from vLLM "
                        "0.16.0 only (how vLLM 0.15.1 sizes its encoder profile from it is not "
                        "read); a limit of 0 is planned"]
    assert _at_8k(QWEN3_VL, "0.15.1", zero_mm_limits=("image", "video")).errors == []


def test_tower_lora_with_a_count_is_refused() -> None:
    p = _at_8k(QWEN3_VL, mm_item_limits=(("image", 1),), enable_lora=True,
               enable_tower_connector_lora=True)
    assert any(e.startswith("--limit-mm-per-prompt image 1 with --enable-tower-connector-lora")
               for e in p.errors), p.errors


def test_gemma3_measured_at_its_shape_takes_any_count() -> None:
    # Gemma 3's image is 256 tokens: at the H100 default 8,192 batched tokens and 1,024
    # sequences, budget // 256 = 32 images, and 1,024 x max(1, min(1, 8,192 // 256)) = 1,024
    # is no cap: 32 images at image 1 as at 999, the measured start-ups' profile
    def values(**flags: object) -> list[int]:
        p = _at_8k("google/gemma-3-12b-it", **flags)
        assert p.verdict.startswith("Fits: "), p.verdict
        return [t.value for t in p.terms]
    assert values(mm_item_limits=(("image", 1),)) == values()


def test_gemma4_video_0_moves_the_profile_to_the_image() -> None:
    # gemma4_mm.py get_mm_max_tokens_per_item (0.19.0-0.34.0): video 32 x (70 + 2 + 6) = 2,496
    # tokens > the image's at most 1,120: the measured start-ups profiled the video
    def warned(**flags: object) -> bool:
        p = _at_8k("google/gemma-4-26B-A4B", **flags)
        return "Gemma 4 vision encoder start-up profile" in p.verdict
    assert warned(zero_mm_limits=("video",))
    assert not warned(zero_mm_limits=("image",))
    assert not warned(mm_item_limits=(("image", 2), ("video", 1)))


def test_paligemma_cuts_a_count_to_its_own_limit() -> None:
    # paligemma.py get_supported_mm_limits {"image": 1} (0.16.0-0.34.0); allowed_mm_limits
    # takes min(user, supported)
    spec = catalog_spec("google/gemma-3-12b-it").model_copy(update={"model_type": "paligemma"})
    s = EngineSettings(vllm_version="0.20.0", mm_item_limits=(("image", 4),))
    assert allowed_limit(spec, s, "image") == 1
    assert allowed_limit(spec, EngineSettings(), "image") == 1
    assert allowed_limit(catalog_spec(QWEN3_VL), s, "image") == 4


@pytest.mark.parametrize("model_type", sorted(set(TOWER_MODALITIES) - {"paligemma"}))
def test_no_other_tower_class_caps_a_count(model_type: str) -> None:
    # read in the 0.16.0-0.34.0 wheels: gemma3_mm.py, kimi_vl.py, mllama4.py, llava.py (and
    # llava_next.py's BaseLlavaProcessingInfo), mistral3.py, gemma4_mm.py, kimi_k25.py and
    # qwen2_vl.py (which qwen2_5_vl.py, qwen3_vl.py, qwen3_vl_moe.py, qwen3_5.py inherit) return
    # None for each modality of get_supported_mm_limits: a count of 4 stays 4
    spec = catalog_spec("google/gemma-3-12b-it").model_copy(update={"model_type": model_type})
    for modality in TOWER_MODALITIES[model_type]:
        s = EngineSettings(vllm_version="0.20.0", mm_item_limits=((modality, 4),))
        assert allowed_limit(spec, s, modality) == 4
