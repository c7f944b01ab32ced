"""Vision tower estimates against the meta-device table and against counts worked by hand.

The hand counts follow the tensors of each transformers modeling file (named per test), summed
here in comments; tests/fixtures/param_counts.json holds what transformers itself built.
"""

import json
import re
from pathlib import Path

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.config.vision import (
    QWEN3_VL_MAX_PIXELS,
    QWEN3_VL_VIDEO_MAX_PIXELS,
    qwen3_vl_video_tokens,
    siglip_head,
    vit_block,
)
from planner.model.spec import ConfigError
from tests.conftest import load_ref_config

STORED = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "param_counts.json").read_text()
)
TABLE = STORED["models"]
CLASS_DEFAULTS = STORED["class_defaults"]
"""transformers 5.24.0's config-class defaults (to_dict) of wrappers no reference config holds,
with the meta count of their tower + projector (test_crosscheck_meta.class_default_table)."""
WITH_VISION = sorted(name for name, row in TABLE.items() if row.get("vision_count"))


def vision_of(config: dict, name: str | None = None) -> int:
    return parse_model_config(config, name=name).vision.params


def catalog_vision(repo_id: str) -> int:
    entry = catalog_entry(repo_id)
    return vision_of(entry.config, repo_id)


def test_every_measured_tower_is_estimated():
    # Qwen3-VL (2), Qwen3.5 (2), Qwen3.6, Gemma 4 (2), Llama 4 Maverick and Scout, Kimi-K2.5
    assert len(WITH_VISION) == 10


@pytest.mark.parametrize("name", WITH_VISION)
def test_vision_is_the_meta_count(name):
    # every tower is counted tensor by tensor (the hand counts below): the estimate equals what
    # transformers 5.24 builds on `meta`; a 2 % tolerance let a lost merger, projector or set
    # of norms (0.01-1.5 % of a tower) pass
    config, _ = load_ref_config(name)
    assert vision_of(config, name) == TABLE[name]["vision_count"]


@pytest.mark.parametrize("model_type", sorted(CLASS_DEFAULTS))
def test_class_default_vision_is_the_meta_count(model_type):
    row = CLASS_DEFAULTS[model_type]
    assert vision_of(row["config"]) == row["vision_count"]


def test_mistral3_pixtral_tower_by_hand():
    # Mistral3Config class defaults (transformers 5.24.0; no Mistral-Small-3.x config.json is
    # in ../shared or the catalog): Pixtral 24 x 1024, MLP 4096, patch 14, 3 channels; text
    # 5120; spatial_merge_size 2; multimodal_projector_bias false; vision_feature_layer -1.
    # pixtral/modeling_pixtral.py: patch_conv 3 x 14^2 x 1024 = 602,112 (no bias); ln_pre
    # 1,024; per layer q/k/v/o 4 x 1024^2 = 4,194,304 + gated MLP 3 x 1024 x 4096 =
    # 12,582,912 + 2 RMSNorms 2,048 = 16,779,264, x 24 = 402,702,336; no learned positions.
    # mistral3/modeling_mistral3.py projector: norm 1,024; patch_merger 4 x 1024 x 1024 =
    # 4,194,304; linear_1 1024 x 5120 = 5,242,880; linear_2 5120^2 = 26,214,400.
    # Total 438,958,080 (the Qwen-VL formula it fell through to gave 309,212,160).
    spec = parse_model_config(CLASS_DEFAULTS["mistral3"]["config"])
    assert spec.vision.params == 438_958_080
    assert spec.vision.note == ("estimate: Pixtral 24 x 1024 + Mistral 3 projector over 1 "
                                "feature layer")
    # vLLM mistral3.py builds all 24 layers (feature layer -1) and Pixtral has no post-norm
    assert (spec.vision.unbuilt_params, spec.vision.pooling_head_params) == (0, 0)
    # with multimodal_projector_bias true: linear_1 and linear_2 biases 2 x 5120 = 10,240
    config = {**CLASS_DEFAULTS["mistral3"]["config"], "multimodal_projector_bias": True}
    assert vision_of(config) == 438_958_080 + 10_240


def test_paligemma_projector_is_one_linear():
    # PaliGemmaConfig class defaults: SigLIP 27 x 1152, MLP 4096, 224 px / 14 -> 256
    # positions, vision_use_head false, projection_dim 2048. siglip/modeling_siglip.py: conv
    # 3 x 14^2 x 1152 + 1152 = 678,528; positions 256 x 1152 = 294,912; per layer 4 x 1152^2 +
    # 4 x 1152 = 5,313,024 + 2 x 1152 x 4096 + 4096 + 1152 = 9,442,432 + 2 LayerNorms 4,608
    # = 14,760,064, x 27 = 398,521,728; post_layernorm 2,304.
    # paligemma/modeling_paligemma.py: Linear(1152, 2048) + bias = 2,361,344 (not LLaVA's two
    # layers). Total 401,858,816.
    config = CLASS_DEFAULTS["paligemma"]["config"]
    assert vision_of(config) == 401_858_816
    # a vision_config without vision_use_head takes SiglipVisionConfig's true: the head,
    # probe 1,152 + in_proj 3 x 1152^2 + 3 x 1152 = 3,984,768 + out_proj 1152^2 + 1152 =
    # 1,328,256 + LayerNorm 2,304 + MLP 2 x 1152 x 4096 + 4096 + 1152 = 9,442,432 ->
    # 14,758,912 (transformers builds the same on meta)
    vc = {k: v for k, v in config["vision_config"].items() if k != "vision_use_head"}
    spec = parse_model_config({**config, "vision_config": vc})
    assert spec.vision.params == 401_858_816 + 14_758_912
    assert spec.vision.pooling_head_params == 14_758_912
    assert spec.vision.unbuilt_params == 0  # paligemma.py builds SiglipVisionModel whole


def test_llava_clip_tower_by_hand():
    # LlavaConfig class defaults: CLIP 24 x 1024, MLP 4096, 336 px / 14 -> 576 patches, text
    # 4096, vision_feature_layer -2, projector biases. clip/modeling_clip.py: class_embedding
    # 1,024; conv 3 x 14^2 x 1024 = 602,112 (no bias); 577 positions x 1024 = 590,848;
    # pre_layrnorm 2,048; per layer 4 x 1024^2 + 4 x 1024 + 2 x 1024 x 4096 + 4096 + 1024 +
    # 4 x 1024 = 12,596,224, x 24 = 302,309,376; post_layernorm 2,048. Projector 1024 x 4096
    # + 4096 + 4096^2 + 4096 = 20,979,712. Total 324,487,168.
    spec = parse_model_config(CLASS_DEFAULTS["llava"]["config"])
    assert spec.vision.params == 324_487_168
    # vLLM llava.py builds 24 - 2 + 1 = 23 layers and no post_layernorm: one layer
    # 12,596,224 + 2,048 never built
    assert spec.vision.unbuilt_params == 12_598_272
    # config.json without vision_feature_layer: LlavaConfig's -2, the same 23 layers
    config = {k: v for k, v in CLASS_DEFAULTS["llava"]["config"].items()
              if k != "vision_feature_layer"}
    assert parse_model_config(config).vision.unbuilt_params == 12_598_272
    # vision_feature_layer 12 (a non-negative index is the layer count): 24 - 12 = 12 layers
    # x 12,596,224 + 2,048 = 151,156,736
    config = {**CLASS_DEFAULTS["llava"]["config"], "vision_feature_layer": 12}
    assert parse_model_config(config).vision.unbuilt_params == 151_156_736
    # LLaVA-NeXT adds image_newline (text width 4096)
    assert vision_of(CLASS_DEFAULTS["llava_next"]["config"]) == 324_487_168 + 4_096


def test_qwen2_5_vl_tower_by_hand():
    # Qwen2_5_VLConfig class defaults (no Qwen2.5-VL config.json in ../shared or the catalog):
    # depth 32, hidden_size 3584, MLP 3420, c 3, t 2, p 14, m 2, out 3584.
    # qwen2_5_vl/modeling_qwen2_5_vl.py: per block qkv + proj 4 x 3584^2 + 4 x 3584 =
    # 51,394,560; gated MLP with biases 3 x 3584 x 3420 + 2 x 3420 + 3584 = 36,782,264; two
    # RMSNorms 7,168 -> 88,183,992, x 32 = 2,821,887,744; Conv3d 3 x 2 x 14^2 x 3584 =
    # 4,214,784 (no bias); merger RMSNorm 3,584 + 14336^2 + 14336 = 205,535,232 + 14336 x 3584
    # + 3584 = 51,383,808. Total 3,083,025,152 (the Qwen3-VL formula gave 2,690,919,296).
    assert vision_of(CLASS_DEFAULTS["qwen2_5_vl"]["config"]) == 3_083_025_152


def test_qwen2_vl_tower_by_hand():
    # Qwen2VLConfig class defaults: depth 32, embed_dim 1280, mlp_ratio 4 (MLP 5120),
    # hidden_size 3584 (the output width), c 3, t 2, p 14, m 2.
    # qwen2_vl/modeling_qwen2_vl.py: per block 4 x 1280^2 + 4 x 1280 + 2 x 1280 x 5120 + 5120
    # + 1280 + 4 x 1280 = 19,677,440, x 32 = 629,678,080; Conv3d 3 x 2 x 14^2 x 1280 =
    # 1,505,280 (no bias); merger LayerNorm 2,560 + 5120^2 + 5120 = 26,219,520 + 5120 x 3584
    # + 3584 = 18,353,664. Total 675,759,104 (before: no intermediate_size, not counted).
    spec = parse_model_config(CLASS_DEFAULTS["qwen2_vl"]["config"])
    assert spec.vision.params == 675_759_104
    assert spec.vision.note == ("estimate: 32 ViT blocks of width 1280, MLP 5120, 1 merger "
                                "to 3584")


def test_vit_block():
    # 1152 wide, MLP 4304: qkv+o 4 x 1152^2 + 4 x 1152 = 5,313,024; fc1 1152 x 4304 + 4304,
    # fc2 4304 x 1152 + 1152 = 9,921,872; two LayerNorms 4 x 1152 = 4,608 -> 15,239,504.
    assert vit_block(1152, 4304) == 15_239_504


def test_gemma4_26b_by_hand():
    # gemma4/modeling_gemma4.py: input_proj 3 x 16^2 x 1152 = 884,736; position table
    # 2 x 10240 x 1152 = 23,592,960; per layer q,k,v,o 4 x 1152 x (16 x 72) = 5,308,416,
    # q/k norms 2 x 72, gated MLP 3 x 1152 x 4304 = 14,874,624, 4 RMSNorms 4,608 ->
    # 20,187,792 x 27 = 545,070,384; std_bias + std_scale 2,304; embed_vision 1152 x 2816
    # = 3,244,032. Total 572,794,416.
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    assert vision_of(config) == 572_794_416


def test_llama4_without_vision_config_takes_transformers_defaults():
    # llama4/configuration_llama4.py Llama4VisionConfig defaults: 768 wide, 34 layers,
    # MLP 5632, 448 px / patch 14, vision_output_dim 7680, projector 4096 -> 4096.
    # patch 3 x 14^2 x 768 = 451,584; class 768; positions (32^2 + 1) x 768 = 787,200;
    # pre/post LayerNorm 3,072; 34 x (4 x 768^2 + 4 x 768 + 2 x 768 x 5632 + 5632 + 768 +
    # 4 x 768 = 11,022,592) = 374,768,128; adapter 5632 x 4096 + 4096^2 = 39,845,888;
    # projector 7680 x 5120 = 39,321,600. Total 455,178,240.
    config, _ = load_ref_config("meta-llama__Llama-4-Maverick-17B-128E-Instruct")
    assert "vision_config" not in config
    spec = parse_model_config(config)
    assert spec.vision.params == 455_178_240
    assert any("Llama4VisionConfig defaults" in a for a in spec.assumptions)


def test_kimi_k25_moonvit_by_hand():
    # kimi_k25/modular_kimi_k25.py: conv 3 x 14^2 x 1152 + 1152 = 678,528; positions
    # 64 x 64 x 1152 = 4,718,592; 27 blocks x 15,239,504 = 411,466,608; final LayerNorm
    # 2,304; projector LayerNorm 2,304 + (4608^2 + 4608) + (4608 x 7168 + 7168) =
    # 54,277,888. Total 471,143,920.
    config, _ = load_ref_config("moonshotai__Kimi-K2.5")
    assert vision_of(config) == 471_143_920


def test_gemma3_siglip_by_hand():
    # siglip/modeling_siglip.py: conv 3 x 14^2 x 1152 + 1152 = 678,528; (896/14)^2 = 4096
    # positions x 1152 = 4,718,592; 27 x 15,239,504 = 411,466,608; post_layernorm 2,304;
    # gemma3 projector 1152 x 2560 + soft-embedding norm 1152 = 2,950,272. Total 419,816,304.
    assert catalog_vision("google/gemma-3-4b-it") == 419_816_304


def test_gemma3_without_patch_size_takes_siglip_class_default_16():
    # transformers 5.25.0 Gemma3Config builds a vision_config dict as SiglipVisionConfig, whose
    # patch_size default is 16 (not the 14 the checkpoint writes): conv 3 x 16^2 x 1152 + 1152 =
    # 885,888 (678,528 at 14); (896/16)^2 = 3136 positions x 1152 = 3,612,672 (4,718,592 at
    # 14): 419,816,304 + 207,360 - 1,105,920 = 418,917,744.
    config = catalog_entry("google/gemma-3-4b-it").config
    vision = {k: v for k, v in config["vision_config"].items() if k != "patch_size"}
    spec = parse_model_config(config | {"vision_config": vision})
    assert spec.vision.params == 418_917_744
    assert ("vision_config.patch_size missing: assumed 16 (transformers SiglipVisionConfig "
            "class default for model_type 'siglip_vision_model')") in spec.assumptions


def test_siglip_head():
    # 1152 wide, MLP 4304: probe 1,152; in_proj 3 x 1152^2 + 3 x 1152 = 3,984,768; out_proj
    # 1152^2 + 1152 = 1,328,256; LayerNorm 2,304; MLP 2 x 1152 x 4304 + 4304 + 1152 =
    # 9,921,872 -> 15,238,352
    assert siglip_head(1152, 4304) == 15_238_352


def test_llava_next_projector_by_hand():
    # granite-vision-3.3-2b: SigLIP at 384 px / 14 -> 27^2 = 729 positions x 1152 = 839,808;
    # conv 678,528; 27 x 15,239,504 = 411,466,608; post_layernorm 2,304 -> 412,987,248;
    # its vision_config has no vision_use_head, so SiglipVisionConfig's true adds the pooling
    # head 15,238,352 (test_siglip_head) -> 428,225,600.
    # llava_next/modeling_llava_next.py: linear_1 (1152 x 4 feature layers) x 2048 + 2048
    # = 9,439,232; linear_2 2048 x 2048 + 2048 = 4,196,352; image_newline 2048.
    # Total 441,863,232 (transformers' meta count 441,861,184 + image_newline).
    assert catalog_vision("ibm-granite/granite-vision-3.3-2b") == 441_863_232
    entry = catalog_entry("ibm-granite/granite-vision-3.3-2b")
    spec = parse_model_config(entry.config, name=entry.repo_id)
    # vLLM llava_next.py: deepest feature layer -1 -> all 27 layers, require_post_norm=False
    # -> post_layernorm 2,304 never built; the head only before 0.15.0
    assert spec.vision.unbuilt_params == 2_304
    assert spec.vision.pooling_head_params == 15_238_352
    assert spec.warnings == ()  # vision_feature_layer is read, not "not understood"
    assert spec.vision.note == ("estimate: SigLIP 27 x 1152 + LLaVA projector over 4 feature "
                                "layers")  # vision_feature_layer [-24, -20, -12, -1]


def test_qwen3_vl_note_counts_its_mergers():
    # vision_config: depth 27, hidden 1152, MLP 4304, deepstack_visual_indexes [8, 16, 24]
    # -> 1 + 3 mergers to out_hidden_size 2048 (read "4 merger(s)")
    entry = catalog_entry("Qwen/Qwen3-VL-30B-A3B-Instruct")
    note = parse_model_config(entry.config, name=entry.repo_id).vision.note
    assert note == "estimate: 27 ViT blocks of width 1152, MLP 4304, 4 mergers to 2048"


def test_each_deepstack_index_is_a_merger():
    # one index less, one deepstack merger less (width 1,152 x merge 2^2 = 4,608, out 2,048):
    # LayerNorm 2 x 4,608 + Linear(4,608, 4,608) + Linear(4,608, 2,048), biases included,
    # = 9,216 + 21,238,272 + 9,439,232 = 30,686,720
    entry = catalog_entry("Qwen/Qwen3-VL-30B-A3B-Instruct")
    config = json.loads(json.dumps(entry.config))
    config["vision_config"]["deepstack_visual_indexes"] = [8, 16]
    assert catalog_vision(entry.repo_id) - vision_of(config) == 30_686_720


@pytest.mark.parametrize(("value", "words"), [
    ("8", "deepstack_visual_indexes must be a list, got a string"),
    (3, "deepstack_visual_indexes must be a list, got a number"),
    ({}, "deepstack_visual_indexes must be a list, got an object"),
    (["a"], "deepstack_visual_indexes[0] must be an integer, got 'a'"),
    ([8, 1.5], "deepstack_visual_indexes[1] must be a whole number, got 1.5"),
    ([-1], "deepstack_visual_indexes[0] = -1 is out of range"),
    (None, "deepstack_visual_indexes must be a list of ViT block indexes, got null"),
])
def test_a_deepstack_list_vllm_cannot_read_is_refused(value: object, words: str) -> None:
    # vLLM qwen3_vl.py builds 1 + len(deepstack_visual_indexes) mergers and looks each block's
    # index up in the list; each of these was read as no deepstack merger at all (3 x
    # 30,686,720 parameters and their LoRA slots less on Qwen3-VL-30B-A3B)
    config = json.loads(json.dumps(catalog_entry("Qwen/Qwen3-VL-30B-A3B-Instruct").config))
    config["vision_config"]["deepstack_visual_indexes"] = value
    with pytest.raises(ConfigError, match=re.escape(f"config.json: vision_config.{words}")):
        parse_model_config(config)


def test_qwen3_vl_vision_heads_are_read_and_must_divide_the_width():
    # Qwen3-VL-32B's vision_config: num_heads 16, hidden_size 1152 (72 per head)
    entry = catalog_entry("Qwen/Qwen3-VL-32B-Instruct")
    assert parse_model_config(entry.config, name=entry.repo_id).vision.encoder.heads == 16
    config = json.loads(json.dumps(entry.config))
    config["vision_config"]["num_heads"] = 10  # 1152 / 10 = 115.2: vLLM's divide() asserts
    with pytest.raises(ConfigError, match=re.escape(
            "config.json: vision_config.num_heads = 10 does not divide vision_config.hidden_size "
            "1152")):
        parse_model_config(config)
    config["vision_config"]["num_heads"] = "16"  # read as vLLM reads it: an integer
    with pytest.raises(ConfigError, match="vision_config.num_heads must be an integer"):
        parse_model_config(config)


def test_vision_config_without_dims_is_not_counted_and_says_so():
    config, _ = load_ref_config("Qwen__Qwen3-VL-32B-Instruct")
    config["vision_config"] = {"model_type": "qwen3_vl"}
    spec = parse_model_config(config)
    assert spec.vision is None
    assert any("vision tower not counted" in w for w in spec.warnings)
    # neither its weights nor its encoder's start-up profile are in the figures: no
    # confident fit (planner.serving.plan's verdict reads spec.unmodelled)
    assert spec.unmodelled == ("vision tower (vision_config)",)


def whole_of(config: dict) -> int:
    return parse_model_config(config).vision.replicated_params


def test_tower_params_every_tp_rank_holds_whole_by_hand():
    # What vLLM keeps unsplit at TP > 1 (0.19.0 / 0.33.0 wheels): patch embeddings,
    # positions, norms, RowParallelLinear biases, nn.Linear / ReplicatedLinear projectors.
    # Gemma 4: gemma4_mm.py builds the tower with transformers AutoModel and embed_vision
    # as a ReplicatedLinear: all 572,794,416 (test_gemma4_26b_by_hand).
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    assert whole_of(config) == 572_794_416
    # Llama 4 defaults (768 wide, 34 layers): class 768 + positions 787,200 + pre/post
    # LayerNorms 3,072 + 34 x (2 LayerNorms 3,072 + o_proj / fc2 biases 1,536 = 4,608) =
    # 156,672 -> 947,712 (the patch embedding is a ColumnParallelLinear: split).
    config, _ = load_ref_config("meta-llama__Llama-4-Maverick-17B-128E-Instruct")
    assert whole_of(config) == 947_712
    # Kimi-K2.5 MoonViT: conv 678,528 + positions 4,718,592 + 27 x (norm0/norm1 4,608 +
    # wo / fc1 biases 2,304 = 6,912) = 186,624 + final LayerNorm 2,304 + the ReplicatedLinear
    # projector 54,277,888 -> 59,863,936.
    config, _ = load_ref_config("moonshotai__Kimi-K2.5")
    assert whole_of(config) == 59_863_936
    # Mistral 3 defaults: patch_conv 602,112 + ln_pre 1,024 + 24 x 2 RMSNorms 2,048 =
    # 49,152 + projector norm 1,024 + patch_merger nn.Linear 4,194,304 -> 4,847,616 (no
    # biases: multimodal_projector_bias false); with biases linear_2's 5,120 too.
    assert whole_of(CLASS_DEFAULTS["mistral3"]["config"]) == 4_847_616
    biased = {**CLASS_DEFAULTS["mistral3"]["config"], "multimodal_projector_bias": True}
    assert whole_of(biased) == 4_847_616 + 5_120
    # Qwen2.5-VL defaults (32 x 3584): Conv3d 4,214,784 + 32 x (2 RMSNorms 7,168 + proj /
    # down_proj biases 7,168) = 458,752 + merger RMSNorm 3,584 + fc2 bias 3,584 -> 4,680,704.
    assert whole_of(CLASS_DEFAULTS["qwen2_5_vl"]["config"]) == 4_680_704
    # Qwen2-VL defaults (32 x 1280, out 3584): Conv3d 1,505,280 + 32 x (2 LayerNorms 5,120
    # + proj / fc2 biases 2,560) = 245,760 + merger LayerNorm 2,560 + bias 3,584 -> 1,757,184.
    assert whole_of(CLASS_DEFAULTS["qwen2_vl"]["config"]) == 1_757_184
    # Gemma 3 4B SigLIP: conv 678,528 + positions 4,718,592 + 27 x 6,912 = 186,624 +
    # post_layernorm 2,304 + Gemma 3 projector (nn.Parameter + RMSNorm) 2,950,272 -> 8,536,320.
    entry = catalog_entry("google/gemma-3-4b-it")
    assert parse_model_config(entry.config).vision.replicated_params == 8_536_320


def _qwen3_vl_encoder(**vision: object):
    config = json.loads(json.dumps(catalog_entry("Qwen/Qwen3-VL-30B-A3B-Instruct").config))
    config["vision_config"].update(vision)
    return parse_model_config(config).vision.encoder


@pytest.mark.parametrize(("patch", "merge", "patches"), [
    # 16,777,216 // 32^2 = 16,384 tokens = 128 x 128: a 4,096 x 4,096 image, 65,536 patches
    (16, 2, 65_536),
    # 16,777,216 // 28^2 = 21,399 = 3 x 7 x 1,019: the closest pair from isqrt 146 down is
    # 21 x 1,019 (1,019 / 21 = 48.5 <= 200), 21,399 x 2^2 = 85,596 patches (16,777,216 // 14^2
    # = 85,598 before)
    (14, 2, 85_596),
    # 16,777,216 // 29^2 = 19,949, a prime (1 x 19,949: over 200 to 1); 19,948 = 4 x 4,987
    # (1,247 to 1); 19,947 = 3 x 61 x 109: 109 x 183, so 19,947 patches at merge 1 (19,949)
    (29, 1, 19_947),
])
def test_the_largest_qwen3_vl_image_is_vllms_factor_pair(patch: int, merge: int,
                                                         patches: int) -> None:
    # qwen2_vl.py get_image_size_with_most_features (0.17.0-0.34.0): longest_edge //
    # (patch x merge)^2 tokens, the closest factor pair within 200 to 1, one token fewer
    # while none is
    encoder = _qwen3_vl_encoder(patch_size=patch, spatial_merge_size=merge)
    assert encoder.max_item_patches == patches


def test_a_merged_token_over_4096_px_is_refused() -> None:
    # 1,024 x 5 = 5,120 px a token: 16,777,216 // 5,120^2 = 0 tokens, an image 0 px wide
    with pytest.raises(ConfigError, match=re.escape(
            "config.json: vision_config.patch_size 1024 x spatial_merge_size 5 is over 4,096 px "
            "a merged token")):
        _qwen3_vl_encoder(patch_size=1024, spatial_merge_size=5)


def test_a_merged_token_over_the_video_frames_side_is_refused() -> None:
    # qwen3_vl.py get_max_video_tokens (0.17.0-0.34.0), asked at start-up whatever the limits:
    # 25,165,824 // 2 = 12,582,912 px a frame, isqrt 3,547. 887 x 4 = 3,548 px: 3,548^2 =
    # 12,588,304 > 12,582,912, 0 tokens, a frame 0 px wide (transformers 5.25.0's video
    # smart_resize divides by it, 4.57.0's refuses it); its image is still 1 token
    # (16,777,216 // 3,548^2 = 1). 1,024 x 4 = 4,096 px likewise (16 patches of image before).
    for patch, merge in ((887, 4), (1024, 4)):
        with pytest.raises(ConfigError, match=re.escape(
                f"config.json: vision_config.patch_size {patch} x spatial_merge_size {merge} is "
                "over 3,547 px a merged token: vLLM's largest video frame")):
            _qwen3_vl_encoder(patch_size=patch, spatial_merge_size=merge)
    # 591 x 6 = 3,546 px: 3,546^2 = 12,574,116 fits both once: 1 token, 6^2 = 36 patches
    assert _qwen3_vl_encoder(patch_size=591, spatial_merge_size=6).max_item_patches == 36


def test_a_temporal_patch_over_two_frames_is_refused() -> None:
    # vLLM's largest video is 2 frames; transformers' video smart_resize raises "t:2 must be
    # larger than temporal_factor:3" (4.57.0 and 5.25.0)
    with pytest.raises(ConfigError, match=re.escape(
            "config.json: vision_config.temporal_patch_size 3 is over 2")):
        _qwen3_vl_encoder(temporal_patch_size=3)


@pytest.mark.parametrize(("patch", "merge", "temporal", "tokens"), [
    # 25,165,824 // 2 // 32^2 = 12,288 = 96 x 128 (isqrt 110; 12,288 = 2^12 x 3): a 4,096 x
    # 3,072 frame; 2 frames x 12,582,912 px = 25,165,824, not over longest_edge; one temporal
    # patch: 12,288
    (16, 2, 2, 12_288),
    # 25,165,824 // 2 // 29^2 = 14,961 = 3 x 4,987 (3 to 1,662: over 200 to 1); 14,960 = 2^4 x
    # 5 x 11 x 17: 110 x 136, a 3,190 x 3,944 frame, 14,960 tokens at merge 1 (14,961 before)
    (29, 1, 2, 14_960),
    # temporal 1: 25,165,824 // 32^2 = 24,576 = 128 x 192, a 4,096 x 6,144 frame; 2 frames x
    # 25,165,824 px is over longest_edge: beta = sqrt(2), 4,096 / 1.4142 / 32 = 90.5 -> 2,880,
    # 6,144 / 1.4142 / 32 = 135.8 -> 4,320; 2 temporal patches x 90 x 135 = 24,300
    (16, 2, 1, 24_300),
])
def test_the_largest_qwen3_vl_video_is_vllms_factor_pair(patch: int, merge: int, temporal: int,
                                                         tokens: int) -> None:
    assert qwen3_vl_video_tokens(patch, merge, temporal) == tokens


@pytest.mark.parametrize(("video_max_pixels", "tokens"), [
    # the planned longest_edge, 25,165,824 (copies of the checkpoints' video file): 12,288
    (QWEN3_VL_VIDEO_MAX_PIXELS, 12_288),
    # no video_preprocessor_config.json: transformers' get_video_processor_dict (4.57.0,
    # 5.22.0) reads preprocessor_config.json, longest_edge 16,777,216: // 2 // 32^2 = 8,192 =
    # 64 x 128 (isqrt 90; 8,192 = 2^13), a 2,048 x 4,096 frame; 2 frames x 8,388,608 px =
    # 16,777,216, not over: one temporal patch, 8,192, below the image's 16,384
    (QWEN3_VL_MAX_PIXELS, 8_192),
    # a copy of Qwen3.5-9B-Base's video file, 234,881,024: // 2 // 32^2 = 114,688 = 2^14 x 7
    # (isqrt 338: no divisor from 257 to 338, 2^8 = 256 the closest) = 256 x 448, an 8,192 x
    # 14,336 frame; 2 x 117,440,512 px = 234,881,024, not over: 114,688, above the image
    (234_881_024, 114_688),
    # transformers' class default, 32 x 32 x 768 = 786,432 (a video file without "size"):
    # // 2 // 32^2 = 384 = 16 x 24, a 512 x 768 frame, 2 x 393,216 px not over: 384
    (786_432, 384),
])
def test_the_largest_qwen3_vl_video_by_which_file_gives_its_size(video_max_pixels: int,
                                                                  tokens: int) -> None:
    assert QWEN3_VL_MAX_PIXELS == 4096 * 4096 and QWEN3_VL_VIDEO_MAX_PIXELS == 24 * 1024 * 1024
    assert qwen3_vl_video_tokens(16, 2, 2, video_max_pixels) == tokens
