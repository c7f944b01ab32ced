"""--video-pruning-rate / --video-pruning-method (vLLM's Efficient Video Sampling), worked by
hand from vLLM's source and the configs in ../shared/model-configs (the catalog's copies):

- the M-RoPE rotary cache: from vLLM 0.32.0 qwen3_vl.py mrope_positions_factor is 4 where the
  MultiModalConfig prunes video (rate > 0), else 1; MRotaryEmbedding builds
  max_position_embeddings x factor rows (rotary_embedding/mrope.py). Before 0.32.0 it is 4
  whatever the rate. Bytes = rows x rotary_dim x 2 B (bf16).
- the encoder profile: with pruning on, qwen3_vl.py _postprocess_image_embeds_evs appends the
  M-RoPE positions to each output row, 4 channels (0.13.0-0.16.0) or 5 (0.17.0 on).
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.spec import VisionEncoder
from planner.serving.engine import EngineSettings
from planner.serving.engine.encoder import encoder_profile
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.video_pruning import position_channels
from planner.serving.vllm_versions import EncoderRules, parse_version
from tests.planner.serving.test_encoder_cover import qwen25_vl_like

QWEN3_VL_32B = "Qwen/Qwen3-VL-32B-Instruct"
QWEN35_27B = "Qwen/Qwen3.5-27B"


def _plan(repo_or_spec, release: str, tp: int = 2, **engine):
    spec = catalog_spec(repo_or_spec) if isinstance(repo_or_spec, str) else repo_or_spec
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", tp),
                            layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(vllm_version=release, max_model_len=32768,
                                                  **engine)))


def _rope_bytes(result) -> int:
    weights = next(t for t in result.terms if t.key == "weights")
    return int(weights.inputs["rope_cache_bytes"])


@pytest.mark.parametrize(("repo_id", "release", "rate", "expected"), [
    # Qwen3-VL-32B: text_config max_position_embeddings 262,144, head_dim 128 (rotary_dim 128),
    # rope_scaling mrope_section [24, 20, 20], bf16. 0.34.0 without pruning: factor 1,
    # 262,144 x 128 x 2 B = 67,108,864 B; a rate of 0 is pruning off (is_multimodal_pruning_
    # enabled: rate > 0), the same; 0.75: factor 4, 1,048,576 x 128 x 2 B = 268,435,456 B
    (QWEN3_VL_32B, "0.34.0", None, 262_144 * 128 * 2),
    (QWEN3_VL_32B, "0.34.0", 0.0, 262_144 * 128 * 2),
    (QWEN3_VL_32B, "0.34.0", 0.75, 262_144 * 4 * 128 * 2),
    (QWEN3_VL_32B, "0.32.0", 0.75, 262_144 * 4 * 128 * 2),
    # 0.31.0: MRotaryEmbedding's x 4 whatever the rate: 268,435,456 B with or without
    (QWEN3_VL_32B, "0.31.0", None, 262_144 * 4 * 128 * 2),
    (QWEN3_VL_32B, "0.31.0", 0.75, 262_144 * 4 * 128 * 2),
    # Qwen3.5-27B: head_dim 256 x partial_rotary_factor 0.25 = rotary_dim 64, 262,144
    # positions. 0.32.0 without pruning: 262,144 x 64 x 2 B = 33,554,432 B; with 0.5:
    # 262,144 x 4 x 64 x 2 B = 134,217,728 B
    (QWEN35_27B, "0.32.0", None, 262_144 * 64 * 2),
    (QWEN35_27B, "0.32.0", 0.5, 262_144 * 4 * 64 * 2),
])
def test_pruning_sizes_the_mrope_cache_from_0_32(repo_id, release, rate, expected):
    assert _rope_bytes(_plan(repo_id, release, video_pruning_rate=rate)) == expected


def test_the_weights_term_says_why_the_rows_are_4_per_position():
    # Qwen3-VL-32B at 0.34.0 with 0.75 at TP 2: each GPU holds the whole cache, 268,435,456 B
    # in place of 67,108,864 B: 201,326,592 B more weights a GPU, and the formula says why
    pruned = _plan(QWEN3_VL_32B, "0.34.0", video_pruning_rate=0.75)
    plain = _plan(QWEN3_VL_32B, "0.34.0")
    assert pruned.weights_bytes_per_gpu - plain.weights_bytes_per_gpu == 201_326_592
    weights = next(t for t in pruned.terms if t.key == "weights")
    assert ("262,144 positions x 4 = 1,048,576 rows x 128 x 2 B = 268,435,456 B: vLLM "
            "0.34.0's MRotaryEmbedding enlarges it with mrope_positions_factor 4 as "
            "--video-pruning-rate prunes video") in weights.formula


def test_language_model_only_keeps_the_pruned_rows():
    # --language-model-only still builds the MultiModalConfig (config/model.py: only the
    # limits go to 0), so mrope_positions_factor reads the rate there too: 268,435,456 B
    result = _plan(QWEN3_VL_32B, "0.34.0", video_pruning_rate=0.75, language_model_only=True)
    assert _rope_bytes(result) == 262_144 * 4 * 128 * 2


def test_a_text_model_ignores_the_rate():
    # Qwen3-8B: vLLM builds no MultiModalConfig for a text model, so the rate is stored
    # nowhere: the plan is the one without it, and a note says so
    pruned = _plan("Qwen/Qwen3-8B", "0.34.0", tp=1, video_pruning_rate=0.5)
    plain = _plan("Qwen/Qwen3-8B", "0.34.0", tp=1)
    assert pruned.weights_bytes_per_gpu == plain.weights_bytes_per_gpu
    assert pruned.activation_bytes_per_gpu == plain.activation_bytes_per_gpu
    assert any(w.startswith("--video-pruning-rate 0.5: qwen3 has no vision tower")
               for w in pruned.warnings), pruned.warnings


def test_the_encoder_outputs_carry_the_position_channels():
    # Qwen3-VL-32B's largest image: 16,384 tokens (65,536 patches / 2^2), outputs
    # out_hidden_size 5120 x (1 + 3 deepstack) = 20,480 channels. 0.34.0 (Model Runner V2:
    # the outputs held, not the input): 16,384 x 20,480 x 2 B = 671,088,640 B without
    # pruning, 16,384 x (20,480 + 5) x 2 B = 671,252,480 B with: 163,840 B more activation.
    # The copy made to append them (input 65,536 x 1,536 x 2 B = 201,326,592 B + 16,384 x
    # (20,480 + 20,485) x 2 B = 1,342,341,120 B: 1.44 GiB) stays below the ViT's own peak
    pruned = _plan(QWEN3_VL_32B, "0.34.0", video_pruning_rate=0.75)
    plain = _plan(QWEN3_VL_32B, "0.34.0")
    assert pruned.activation_bytes_per_gpu - plain.activation_bytes_per_gpu == 163_840
    activation = next(t for t in pruned.terms if t.key == "activation")
    assert "each row 5 M-RoPE position channels wider" in activation.formula


def test_position_channels_by_release():
    # qwen3_vl.py _postprocess_image_embeds_evs: 4 channels in the 0.13.0-0.16.0 wheels, a
    # zero fifth from 0.17.0; 0.12.0's Qwen3-VL class prunes no video; Qwen2.5-VL's encoder
    # profile Headroom does not model, so no channels are planned for it
    spec = catalog_spec(QWEN3_VL_32B)
    s = EngineSettings(video_pruning_rate=0.5)
    assert [position_channels(spec, s, parse_version(v))
            for v in ("0.12.0", "0.13.0", "0.16.0", "0.17.0", "0.34.0")] == [0, 4, 4, 5, 5]
    assert position_channels(spec, EngineSettings(video_pruning_rate=0.0),
                             parse_version("0.34.0")) == 0
    qwen25 = parse_model_config(qwen25_vl_like(), name="synthetic/qwen2.5-vl-like")
    assert position_channels(qwen25, s, parse_version("0.34.0")) == 0


def test_vidcom2_is_refused_where_the_class_prunes_with_evs_only():
    # config/model.py (0.27.0-0.34.0): a pruning class whose supported_video_pruning_methods
    # lack the method raises; Qwen2.5-VL keeps SupportsMultiModalPruning's ("evs",), Qwen3-VL
    # has ("evs", "vidcom2")
    qwen25 = parse_model_config(qwen25_vl_like(), name="synthetic/qwen2.5-vl-like")
    refused = _plan(qwen25, "0.34.0", tp=1, video_pruning_rate=0.5,
                    video_pruning_method="vidcom2")
    assert not refused.fits
    assert any("--video-pruning-method vidcom2: vLLM's qwen2_5_vl class prunes video with "
               "evs only" in e for e in refused.errors), refused.errors
    taken = _plan(QWEN3_VL_32B, "0.34.0", video_pruning_rate=0.5,
                  video_pruning_method="vidcom2")
    assert taken.fits and not any("vidcom2" in e for e in taken.errors)
    assert taken.vllm_command.endswith("--video-pruning-rate 0.5 --video-pruning-method vidcom2")


@pytest.mark.parametrize(("release", "rate", "note"), [
    # a rate of 0 prunes nothing (is_multimodal_pruning_enabled: rate > 0)
    ("0.34.0", 0.0, "--video-pruning-rate 0: pruning is off at a rate of 0"),
    # 0.12.0's qwen3_vl.py reads no video_pruning_rate (it does from 0.13.0)
    ("0.12.0", 0.5, "--video-pruning-rate 0.5: vLLM 0.12.0's qwen3_vl class prunes no video "
     "(it reads the rate from 0.13.0)"),
])
def test_a_rate_that_does_nothing_is_noted(release, rate, note):
    result = _plan(QWEN3_VL_32B, release, video_pruning_rate=rate)
    assert any(w.startswith(note) for w in result.warnings), result.warnings


def test_the_engine_json_holds_the_rate_only_when_given():
    # an added key, left out of the dump while None, as hf_overrides is
    assert "video_pruning_rate" not in EngineSettings().model_dump()
    assert "video_pruning_method" not in EngineSettings().model_dump()
    dumped = EngineSettings(video_pruning_rate=0.0).model_dump()
    assert dumped["video_pruning_rate"] == 0.0 and "video_pruning_method" not in dumped


@pytest.mark.parametrize("release", ["0.17.0", "0.26.0"])
def test_qwen35_prunes_from_0_27_only(release):
    # qwen3_5.py in the 0.17.0-0.26.0 wheels: `supports_multimodal_pruning = False` and
    # is_multimodal_pruning_enabled = False whatever the rate; True from 0.27.0. Its M-RoPE
    # cache before 0.32 is 4 rows a position anyway (262,144 x 4 x 64 x 2 B), so only the
    # warning and the encoder's position channels tell them apart. The warning is not "as
    # without it": qwen3_5.py registers Qwen3VLMultiModalProcessor in those wheels, whose
    # get_video_replacement_qwen3vl cuts the video's placeholders to the pruned count at any
    # rate above 0, while the class lays its unpruned rows into them
    spec = catalog_spec(QWEN35_27B)
    s = EngineSettings(video_pruning_rate=0.5)
    assert [position_channels(spec, s, parse_version(v)) for v in (release, "0.27.0")] == [0, 5]
    result = _plan(QWEN35_27B, release, tp=1, video_pruning_rate=0.5)
    assert any(w.startswith(f"--video-pruning-rate 0.5: vLLM {release} starts with it, but its "
                            "qwen3_5 class prunes no video (from 0.27.0 it does) while the "
                            "Qwen3-VL processor it uses still cuts each video's placeholders")
               and "video answers are wrong" in w and "leave the flag out before 0.27.0" in w
               for w in result.warnings), result.warnings
    assert _rope_bytes(result) == 262_144 * 4 * 64 * 2
    # from 0.27.0 the class prunes: no such warning
    pruned = _plan(QWEN35_27B, "0.27.0", tp=1, video_pruning_rate=0.5)
    assert not any("prunes no video" in w for w in pruned.warnings), pruned.warnings


def test_the_copy_that_appends_the_positions_can_be_the_encoder_peak():
    # engine.encoder_profile's third peak, input + outputs N / m^2 x (2 out (1 + k) + channels)
    # x 2 B (qwen3_vl.py _postprocess_image_embeds_evs: each item's torch.cat([emb, positions])
    # is made while the ViT's whole output lives), on a made-up tower whose outputs are wide
    # beside its ViT: h 16, MLP 32, 4 values a patch, merge 2, out 1024, no deepstack, 4,096
    # patches an image (1,024 tokens). mbt 8,192, 1 sequence, 4,096 tokens: items = max(1,
    # min(8,192 // 1,024 = 8, 1 x min(999, 4,096 // 1,024 = 4))) = 4, N = 16,384 patches,
    # 4,096 output rows.
    #   ViT: 16,384 x (4 + 16 + block max(3 x 16 + 8 x 16, 3 x 16 + 2 x 32, 4 x 16 + 32) = 176)
    #        x 2 B = 6,422,528 B (the peak without pruning)
    #   positions (5 channels): 16,384 x 4 x 2 = 131,072 B input + 4,096 x (2,048 + 2,058) B
    #        = 16,949,248 B, the peak with them
    #   held (V1: input + outputs): 131,072 + 4,096 x 2,048 = 8,519,680 B; 4,096 x 2,058 with
    #        the channels: 8,560,640 B
    enc = VisionEncoder(depth=1, hidden=16, mlp=32, patch_input=4, merge=2, out_hidden=1024,
                        deepstack=0, max_item_patches=4096)
    kwargs = dict(tp=1, mbt=8192, seqs=1, max_model_len=4096, act_bytes=2)
    plain = encoder_profile(enc, rules=EncoderRules(), **kwargs)
    pruned = encoder_profile(enc, rules=EncoderRules(position_channels=5), **kwargs)
    assert (plain.items, plain.patches) == (pruned.items, pruned.patches) == (4, 16_384)
    assert (plain.vit_peak, plain.held) == (6_422_528, 8_519_680)
    assert (pruned.vit_peak, pruned.held) == (16_949_248, 8_560_640)
