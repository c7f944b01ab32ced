"""Vision tower estimates against the meta-device table and against counts worked by hand.

The hand counts follow the tensors of each transformers modeling file (named per test), summed
here in comments; tests/fixtures/param_counts.json holds what transformers itself built.
"""

import json
from pathlib import Path

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.config.vision import vit_block
from tests.conftest import load_ref_config

TABLE = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "param_counts.json").read_text()
)["models"]
WITH_VISION = sorted(name for name, row in TABLE.items() if row.get("vision_count"))


def vision_of(config: dict, name: str | None = None) -> int:
    return parse_model_config(config, name=name).vision.params


def catalog_vision(repo_id: str) -> int:
    entry = catalog_entry(repo_id)
    return vision_of(entry.config, repo_id)


def test_every_measured_tower_is_estimated():
    # Qwen3-VL (2), Qwen3.5 (2), Qwen3.6, Gemma 4 (2), Llama 4 Maverick, Kimi-K2.5
    assert len(WITH_VISION) == 9


@pytest.mark.parametrize("name", WITH_VISION)
def test_vision_is_the_meta_count(name):
    # every tower is counted tensor by tensor (the hand counts below): the estimate equals what
    # transformers 5.24 builds on `meta`; a 2 % tolerance let a lost merger, projector or set
    # of norms (0.01-1.5 % of a tower) pass
    config, _ = load_ref_config(name)
    assert vision_of(config, name) == TABLE[name]["vision_count"]


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


def test_llava_next_projector_by_hand():
    # granite-vision-3.3-2b: SigLIP at 384 px / 14 -> 27^2 = 729 positions x 1152 = 839,808;
    # conv 678,528; 27 x 15,239,504 = 411,466,608; post_layernorm 2,304 -> 412,987,248.
    # llava_next/modeling_llava_next.py: linear_1 (1152 x 4 feature layers) x 2048 + 2048
    # = 9,439,232; linear_2 2048 x 2048 + 2048 = 4,196,352; image_newline 2048.
    # Total 426,624,880.
    assert catalog_vision("ibm-granite/granite-vision-3.3-2b") == 426_624_880
    entry = catalog_entry("ibm-granite/granite-vision-3.3-2b")
    spec = parse_model_config(entry.config, name=entry.repo_id)
    assert spec.warnings == ()  # vision_feature_layer is read, not "not understood"
    assert spec.vision.note == ("estimate: SigLIP 27 x 1152 + LLaVA projector over 4 feature "
                                "layers")  # vision_feature_layer [-24, -20, -12, -1]


def test_qwen3_vl_note_counts_its_mergers():
    # vision_config: depth 27, hidden 1152, MLP 4304, deepstack_visual_indexes [8, 16, 24]
    # -> 1 + 3 mergers to out_hidden_size 2048 (read "4 merger(s)")
    entry = catalog_entry("Qwen/Qwen3-VL-30B-A3B-Instruct")
    note = parse_model_config(entry.config, name=entry.repo_id).vision.note
    assert note == "estimate: 27 ViT blocks of width 1152, MLP 4304, 4 mergers to 2048"


def test_vision_config_without_dims_is_not_counted_and_says_so():
    config, _ = load_ref_config("Qwen__Qwen3-VL-32B-Instruct")
    config["vision_config"] = {"model_type": "qwen3_vl"}
    spec = parse_model_config(config)
    assert spec.vision is None
    assert any("vision tower not counted" in w for w in spec.warnings)
    # neither its weights nor its encoder's start-up profile are in the figures: no
    # confident fit (planner.serving.plan's verdict reads spec.unmodelled)
    assert spec.unmodelled == ("vision tower (vision_config)",)
