"""vision_config values that leave a tower vLLM cannot build or size, found by fuzzing `plan`
(plain and with --enable-lora --enable-tower-connector-lora): each exits 2 with one line.

Llama 4 (vLLM 0.17.0-0.34.0 models/mllama4.py): Mllama4ProcessingInfo.get_patch_per_chunk
asserts image_size % patch_size == 0 and gives (image_size / patch_size)^2 //
round(1 / pixel_shuffle_ratio^2) tokens a chunk; pixel_shuffle views a chunk's side of
image_size / patch_size patches 1 / pixel_shuffle_ratio times narrower. Before, the Scout
fixture with image_size 14 (a 1 x 1 chunk, 1 // 4 = 0 tokens) planned its tower LoRA as a
Qwen3-VL tower's (merger linear_fc1/fc2) and its encoder profile with 2,048 dummy images;
image_size 13 exited 2 with "invalid max_item_patches"; image_size 42 (3 x 3 patches,
2 tokens a chunk, which pixel_shuffle cannot view) and a pixel_shuffle_ratio of 0, 2 or "x"
(read as 0.5) planned silently.

Nulls: transformers 5.25.0's SiglipVisionConfig, Gemma4VisionConfig, Llama4VisionConfig and the
Qwen3-VL / Qwen3.5 vision classes (strict) refuse a null for each width they declare, and vLLM
builds its tower's modules from them (a None fails under transformers 4 too); before, a null
read as the key left out (Qwen3-VL's spatial_merge_size null as 1, not the class's 2). Without
a vision_config, transformers' Gemma3Config and the Qwen3-VL / Qwen3.5 classes build their
default vision_config, so vLLM builds a tower the plan does not count: it says so.

Gemma 3 (vLLM 0.17.0-0.34.0 models/gemma3_mm.py Gemma3MultiModalProjector): SigLIP's
image_size // patch_size patches a side are pooled by an AvgPool2d of that // int(
mm_tokens_per_image ** 0.5); a kernel of 0 (an image_size under patch_size: no patch, no
position) fails when the encoder runs. Before, such a config planned.
"""

import json
from pathlib import Path

import pytest

from planner.catalog import catalog_entry
from tests.cli.test_fuzz_configs import plan, refused
from tests.conftest import load_ref_config

SCOUT, _ = load_ref_config("meta-llama__Llama-4-Scout-17B-16E-Instruct")
QWEN35, _ = load_ref_config("Qwen__Qwen3.5-27B")
TOWER_LORA = ("--enable-lora", "--max-loras", "2", "--max-lora-rank", "8",
              "--enable-tower-connector-lora")
WHERE = "config.json: vision_config."


def scout(**vision: object) -> dict:
    return SCOUT | {"vision_config": SCOUT["vision_config"] | vision}


@pytest.mark.parametrize("flags", [(), TOWER_LORA])
@pytest.mark.parametrize(("vision", "words"), [
    # 14 / 14 = 1 patch a side; ratio 0.5 pools 2 x 2 patches a token: 1 // 4 = 0 tokens
    ({"image_size": 14}, "image_size 14 / patch_size 14 makes chunks of 1 x 1 patches, which "
     "pixel_shuffle_ratio 0.5 cannot pool 2 x 2 into tokens (mllama4.py pixel_shuffle; "
     "get_patch_per_chunk: 1 // 4 = 0 tokens a chunk), so vLLM cannot encode an image"),
    # 42 / 14 = 3 a side: 9 // 4 = 2 tokens, but 3 is no multiple of 2
    ({"image_size": 42}, "image_size 42 / patch_size 14 makes chunks of 3 x 3 patches, which "
     "pixel_shuffle_ratio 0.5 cannot pool 2 x 2 into tokens (mllama4.py pixel_shuffle; "
     "get_patch_per_chunk: 9 // 4 = 2 tokens a chunk)"),
    ({"image_size": 13}, "image_size 13 is no multiple of patch_size 14: vLLM asserts "
     "image_size % patch_size == 0 (mllama4.py get_patch_per_chunk)"),
    ({"patch_size": 15}, "image_size 336 is no multiple of patch_size 15"),  # 336 = 22 x 15 + 6
    ({"pixel_shuffle_ratio": 0.0}, "pixel_shuffle_ratio must be 1 / a whole number, written as "
     "a float (0.5 in Llama 4's checkpoints), got 0.0"),
    ({"pixel_shuffle_ratio": 2}, "pixel_shuffle_ratio must be 1 / a whole number"),
    # Llama4VisionConfig (transformers 5.25.0, strict) takes `pixel_shuffle_ratio: float`
    ({"pixel_shuffle_ratio": 1}, "pixel_shuffle_ratio must be 1 / a whole number, written as a "
     "float (0.5 in Llama 4's checkpoints), got 1: transformers 5's Llama4VisionConfig takes a "
     "float only"),
    ({"pixel_shuffle_ratio": None}, "pixel_shuffle_ratio must be 1 / a whole number, written as "
     "a float (0.5 in Llama 4's checkpoints), got null"),
    ({"pixel_shuffle_ratio": 0.3}, "pixel_shuffle_ratio must be 1 / a whole number"),
    ({"pixel_shuffle_ratio": "0.5"}, "pixel_shuffle_ratio must be 1 / a whole number"),
    ({"pixel_shuffle_ratio": True}, "pixel_shuffle_ratio must be 1 / a whole number"),
    # 1 / 0.2 = 5 does not divide the Scout's 336 / 14 = 24 patches a side
    ({"pixel_shuffle_ratio": 0.2}, "image_size 336 / patch_size 14 makes chunks of 24 x 24 "
     "patches, which pixel_shuffle_ratio 0.2 cannot pool 5 x 5 into tokens"),
])
def test_a_llama4_chunk_vllm_cannot_encode_exits_2(capsys, tmp_path: Path, vision: dict,
                                                   words: str, flags: tuple) -> None:
    assert WHERE + words in refused(capsys, tmp_path, scout(**vision), *flags)


def _lora_note(capsys, tmp_path: Path, config: dict) -> str:
    code, out, err = plan(capsys, tmp_path, config, *TOWER_LORA, "--max-model-len", "8192",
                          "--max-num-batched-tokens", "8192", "--max-num-seqs", "256",
                          "--json")
    assert code == 0, err
    return next(t["note"] for t in json.loads(out)["terms"] if "Punica wrappers" in t["note"])


def test_a_llama4_chunk_of_one_token_sizes_llama4s_tower(capsys, tmp_path: Path) -> None:
    # image 28 / patch 14 = 2 x 2 patches, pooled 2 x 2: 1 token a chunk. Largest item 1 + 16
    # tiles = 17 tokens; budget max(8,192, 17) = 8,192 chunks, tower 8,192 x (4 + 1) = 40,960
    # tokens, connector 8,192; min(999, 8,192 // 17 = 481) items x 256 seqs = 123,136 batches
    note = _lora_note(capsys, tmp_path, scout(image_size=28))
    assert "models/mllama4.py Llama4VisionModel" in note
    assert ("two Punica wrappers of 40,960 (tower) and 8,192 (connector) tokens x 123,136 "
            "batches") in note
    assert "merger" not in note


@pytest.mark.parametrize("ratio", [1.0, 0.25])
def test_a_llama4_ratio_of_one_over_a_whole_number_plans(capsys, tmp_path: Path,
                                                         ratio: float) -> None:
    # 24 patches a side: k = 1 (no shuffle) and k = 4 (6 x 6 tokens a chunk) both divide it
    code, _, err = plan(capsys, tmp_path, scout(pixel_shuffle_ratio=ratio), *TOWER_LORA)
    assert code == 0, err


@pytest.mark.parametrize("key", ["depth", "hidden_size", "intermediate_size"])
def test_tower_lora_on_an_uncounted_tower_says_so(capsys, tmp_path: Path, key: str) -> None:
    # was "Qwen3_5ForConditionalGeneration has no vision tower ...; drop the flag", though
    # vLLM builds and wraps one: the config lacks a width the tower's count needs
    vision = {k: v for k, v in QWEN35["vision_config"].items() if k != key}
    config = QWEN35 | {"vision_config": vision}
    assert ("--enable-tower-connector-lora: Qwen3_5ForConditionalGeneration's vision tower is "
            "not counted (no vision_config, or one without depth, hidden_size or "
            "intermediate_size), so its LoRA slots cannot be sized: not planned") in refused(
        capsys, tmp_path, config, *TOWER_LORA)
    code, _, err = plan(capsys, tmp_path, config)
    assert code == 0 and "vision tower not counted" in err, err


GEMMA3 = catalog_entry("google/gemma-3-4b-it").config
GEMMA4, _ = load_ref_config("google__gemma-4-26B-A4B")


def gemma3(**vision: object) -> dict:
    return GEMMA3 | {"vision_config": GEMMA3["vision_config"] | vision}


@pytest.mark.parametrize("flags", [(), TOWER_LORA])
@pytest.mark.parametrize(("config", "words"), [
    # 10 // 14 = 0 patches: no patch, no position
    (gemma3(image_size=10), "image_size 10 / patch_size 14 makes 0 x 0 patches, fewer a side "
     "than the 16 x 16 tokens mm_tokens_per_image 256 pools them to (gemma3_mm.py "
     "Gemma3MultiModalProjector: AvgPool2d kernel 0 // 16 = 0)"),
    # 224 // 14 = 16 a side pools to 16 (kernel 1); 210 // 14 = 15 does not
    (gemma3(image_size=210), "image_size 210 / patch_size 14 makes 15 x 15 patches, fewer a "
     "side than the 16 x 16 tokens mm_tokens_per_image 256 pools them to (gemma3_mm.py "
     "Gemma3MultiModalProjector: AvgPool2d kernel 15 // 16 = 0), so vLLM cannot encode an "
     "image: not planned"),
    # int(300 ** 0.5) = 17 tokens a side: 896 // 56 = 16 patches
    (gemma3(patch_size=56) | {"mm_tokens_per_image": 300}, "image_size 896 / patch_size 56 "
     "makes 16 x 16 patches, fewer a side than the 17 x 17 tokens mm_tokens_per_image 300"),
    # no patch_size: SiglipVisionConfig's 16 (transformers 5.25.0), so 240 // 16 = 15 a side
    # (240 // 14 = 17 would pool)
    ({**GEMMA3, "vision_config": {k: v for k, v in GEMMA3["vision_config"].items()
                                  if k != "patch_size"} | {"image_size": 240}},
     "image_size 240 / patch_size 16 makes 15 x 15 patches, fewer a side than the 16 x 16 "
     "tokens mm_tokens_per_image 256"),
])
def test_a_gemma3_pool_of_0_exits_2(capsys, tmp_path: Path, config: dict, words: str,
                                    flags: tuple) -> None:
    assert WHERE + words in refused(capsys, tmp_path, config, *flags)


@pytest.mark.parametrize("image", [224, 230])  # 16 (230 // 14 too) patches a side: kernel 1
def test_a_gemma3_pool_of_1_plans(capsys, tmp_path: Path, image: int) -> None:
    code, _, err = plan(capsys, tmp_path, gemma3(image_size=image), *TOWER_LORA)
    assert code == 0, err


def _with_null(config: dict, key: str) -> dict:
    return config | {"vision_config": config["vision_config"] | {key: None}}


@pytest.mark.parametrize(("config", "key", "cls"), [
    (GEMMA3, "image_size", "SiglipVisionConfig"), (GEMMA3, "hidden_size", "SiglipVisionConfig"),
    (GEMMA4, "pooling_kernel_size", "Gemma4VisionConfig"),
    (QWEN35, "spatial_merge_size", "Qwen3_5VisionConfig"),
    (QWEN35, "patch_size", "Qwen3_5VisionConfig"), (SCOUT, "image_size", "Llama4VisionConfig"),
    (SCOUT, "projector_output_dim", "Llama4VisionConfig")])
def test_a_null_vision_width_exits_2(capsys, tmp_path: Path, config: dict, key: str,
                                     cls: str) -> None:
    assert (f"{WHERE}{key} is null: vLLM builds the vision tower with it and fails on a None "
            f"(transformers 5's {cls} refuses a null where it declares the field): give the "
            "number") in refused(capsys, tmp_path, _with_null(config, key))


@pytest.mark.parametrize(("config", "cls"), [(GEMMA3, "SiglipVisionConfig"),
                                             (QWEN35, "Qwen3_5VisionConfig")])
@pytest.mark.parametrize("vision", ["left out", None])
def test_a_default_tower_without_vision_config_is_said_uncounted(
        capsys, tmp_path: Path, config: dict, cls: str, vision: object) -> None:
    text = {k: v for k, v in config.items() if k != "vision_config"}
    text |= {} if vision == "left out" else {"vision_config": None}
    code, _, err = plan(capsys, tmp_path, text)
    assert code == 0, err
    assert (f"warning: no vision_config: transformers builds its default {cls}, whose tower "
            "vLLM builds too: vision tower not counted") in err
    assert "vision tower is not counted" in refused(capsys, tmp_path, text, *TOWER_LORA)
