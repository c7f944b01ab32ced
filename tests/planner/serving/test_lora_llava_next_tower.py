"""--enable-tower-connector-lora on LLaVA-NeXT (granite-vision; planner.serving.lora.tower), worked
by hand from the vLLM 0.29.0-0.34.0 wheels (LLaVA-NeXT takes LoRA from 0.29.0 only: 0.17.0-0.28.0
refuse --enable-lora itself, test_lora_granite_vision_mimo_v2):

- models/llava_next.py LlavaNextForConditionalGeneration: supports_tower_connector_lora = True
  (0.29.0, 0.30.0 and 0.31.0 read; 0.32.0-0.34.0 equal 0.31.0 byte for byte); packed_modules_
  mapping "qkv_proj": [q, k, v], so SigLIP's self_attn.qkv_proj takes three A; get_mm_mapping
  tower "vision_tower", connector "multi_modal_projector"; get_mm_lora_token_counts with no
  mm_kwargs returns (num_mm_embeds, num_mm_embeds): both wrappers the encoder budget.
- lora/model_manager.py _maybe_init_mm (the same 0.29.0-0.34.0): num_mm_embeds =
  MultiModalBudget.get_encoder_budget() = max(max_num_batched_tokens, the image's tokens)
  (multimodal/encoder_budget.py, v1/core/encoder_cache_manager.py compute_mm_encoder_budget);
  max_batches = max_num_seqs x limit_per_prompt, limit max(1, min(999, max_model_len // the
  image's tokens)) (_get_max_items).
- The image's tokens: get_mm_max_tokens_per_item is the base class's None, so the dummy image
  of get_image_size_with_most_features (llava_next.py: the pinpoint with the most
  get_num_image_tokens) = base 27^2 = 729 (siglip.py SiglipEncoderInfo: (384 // 14)^2;
  vision.py get_num_selected_vision_tokens "full": all) + unpadded 27 rows x 27 cols a tile
  (_get_num_unpadded_features: a whole-tile image unpads nothing) + 27 x tile rows newlines.
- llava.py init_vision_tower_for_llava: SiglipVisionModel to the deepest vision_feature_layer
  (-1 of 27: 27 layers; no head, use_head False), siglip.py per layer qkv_proj
  QKVParallelLinear, out_proj RowParallelLinear, fc1 ColumnParallelLinear, fc2
  RowParallelLinear; LlavaMultiModalProjector linear_1 ColumnParallelLinear(1,152 x 4 feature
  layers = 4,608 -> 2,048), linear_2 RowParallelLinear(2,048 -> 2,048).

granite-vision-3.3-2b: the catalog config (RECONSTRUCTED) has no image_grid_pinpoints; these
tests add the 27 of IBM's llama.cpp examples/llava/README-granitevision.md (granite-vision-
3.2-2b's, "You can find the image_grid_pinpoints in $GRANITE_MODEL/config.json"; ylsdamxssjxxdd/
eva's copy, commit 04e7fe29): 3.3-2b's own are not read. Their most tokens: [3840, 384], 10
rows x 1 col: 729 x 10 + 27 x 10 + 729 = 8,289 ([384, 3840], 1 x 10: 7,290 + 27 + 729 = 8,046;
[768, 1920] 2 x 5: 7,290 + 54 + 729 = 8,073; [1920, 768] 5 x 2: 7,290 + 135 + 729 = 8,154).

N = 4, R = 16, bfloat16, one H100, max_num_batched_tokens 8,192, max_num_seqs 1,024,
max_model_len 131,072. Slots (_Slots' rules: column A R x in, B out / TP x R; row A R x in /
TP, B out x R), elements x N:
TP=1, per layer: qkv 4 x (3 x 16 x 1,152 + 3,456 x 16) = 442,368; out_proj 4 x (16 x 1,152 +
1,152 x 16) = 147,456; fc1 4 x (16 x 1,152 + 4,304 x 16) = 349,184; fc2 4 x (16 x 4,304 +
1,152 x 16) = 349,184: 1,288,192, x 27 = 34,781,184; linear_1 4 x (16 x 4,608 + 2,048 x 16) =
425,984; linear_2 4 x (16 x 2,048 + 2,048 x 16) = 262,144: 35,469,312 x 2 B = 70,938,624 B.
TP=2, per layer: qkv 4 x (55,296 + 1,728 x 16) = 331,776; out_proj 4 x (16 x 576 + 18,432) =
110,592; fc1 4 x (18,432 + 2,152 x 16) = 211,456; fc2 4 x (16 x 2,152 + 18,432) = 211,456:
865,280, x 27 = 23,362,560; linear_1 4 x (73,728 + 1,024 x 16) = 360,448; linear_2 4 x (16 x
1,024 + 32,768) = 196,608: 23,919,616 x 2 B = 47,839,232 B.
Punica (0.29.0 on, test_lora.PUNICA's rule): budget max(8,192, 8,289) = 8,289 tokens, limit
min(999, 131,072 // 8,289 = 15) = 15, 1,024 x 15 = 15,360 batches; each wrapper 4 x 8,289 x 8
+ 3 x 15,360 x 8 + 2 x (2 x 8,289 + 2 x 5 + 6) x 4 = 265,248 + 368,640 + 132,752 = 766,640 B,
two (tower, connector): 1,533,280 B on every GPU.
"""

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.config.vision import LLAVA_NEXT_PINPOINTS_DEFAULT, llava_next_image_tokens
from planner.serving.auto_layout import compared_lora_note
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import LayoutRefused

VISION = "ibm-granite/granite-vision-3.3-2b"
PINPOINTS = [[384, 384], [384, 768], [384, 1152], [384, 1536], [384, 1920], [384, 2304],
             [384, 2688], [384, 3072], [384, 3456], [384, 3840], [768, 384], [768, 768],
             [768, 1152], [768, 1536], [768, 1920], [1152, 384], [1152, 768], [1152, 1152],
             [1536, 384], [1536, 768], [1920, 384], [1920, 768], [2304, 384], [2688, 384],
             [3072, 384], [3456, 384], [3840, 384]]
ENGINE = {"max_model_len": 131072, "max_num_batched_tokens": 8192, "max_num_seqs": 1024,
          "enable_lora": True, "max_loras": 4, "max_lora_rank": 16}
SLOTS_TP1 = (27 * (442_368 + 147_456 + 349_184 + 349_184) + 425_984 + 262_144) * 2
SLOTS_TP2 = (27 * (331_776 + 110_592 + 211_456 + 211_456) + 360_448 + 196_608) * 2
PUNICA = 2 * (4 * 8289 * 8 + 3 * 15360 * 8 + 2 * (2 * 8289 + 2 * 5 + 6) * 4)


def _spec():
    entry = catalog_entry(VISION)
    assert entry is not None
    return parse_model_config({**entry.config, "image_grid_pinpoints": PINPOINTS}, name=VISION)


def _plan(tp: int = 1, version: str = "0.34.0", spec=None, **engine):
    return plan(PlanRequest(model=spec or _spec(), cluster=preset_cluster("h100", tp),
                            layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(vllm_version=version, **{**ENGINE, **engine})))


def test_the_largest_image_is_the_tallest_pinpoint() -> None:
    tower = _spec().vision.llava_next
    assert tower is not None and tower.image_tokens == 8289 and tower.pinpoint == (3840, 384)
    assert (tower.depth, tower.hidden, tower.mlp, tower.projector_in) == (27, 1152, 4304, 4608)
    # transformers' default pinpoints on a 336-pixel tile (24 x 24 patches), "default" strategy
    # (base 576 - 1): [672, 672], 2 x 2: 576 x 4 + 24 x 2 + 575 = 2,927 (CLIP's 577 - 1 = 576
    # base makes llava-v1.6's familiar 2,928)
    assert llava_next_image_tokens(LLAVA_NEXT_PINPOINTS_DEFAULT, 336, 14, False) == (
        2927, (672, 672), "")


@pytest.mark.parametrize("version", ["0.29.0", "0.31.0", "0.34.0"])
@pytest.mark.parametrize(("tp", "slots"), [(1, SLOTS_TP1), (2, SLOTS_TP2)])
def test_granite_vision_tower_and_projector_slots_and_wrappers(version, tp, slots) -> None:
    without = _plan(tp, version)
    lora = _plan(tp, version, enable_tower_connector_lora=True)
    assert not lora.errors, lora.errors
    assert lora.lora_bytes_per_gpu - without.lora_bytes_per_gpu == slots + PUNICA
    assert slots + PUNICA == {1: 72_471_904, 2: 49_372_512}[tp]
    note = next(t for t in lora.terms if t.key == "lora").note
    assert ("two Punica wrappers of 8,289 (tower) and 8,289 (connector) tokens x 15,360 "
            "batches") in note
    assert "image_grid_pinpoints' [3840, 384], from config.json" in note


def test_a_config_without_pinpoints_is_refused_in_one_line() -> None:
    # the catalog config: transformers' default [[336, 672], ...] on a 384-pixel tile gives
    # [336, 672] a 0-row grid (336 // 384), which llava_next.py _get_num_unpadded_features
    # divides by
    with pytest.raises(LayoutRefused, match=r"config.json has no image_grid_pinpoints, so "
                       r"transformers' LlavaNextConfig default applies, whose "
                       r"image_grid_pinpoints entry \[336, 672\] is not whole 384-pixel tiles"):
        _plan(spec=catalog_spec(VISION), enable_tower_connector_lora=True)


def test_before_029_lora_itself_is_refused() -> None:
    old = _plan(version="0.28.0", enable_tower_connector_lora=True)
    assert any("LlavaNextForConditionalGeneration does not support LoRA yet." in e
               for e in old.errors), old.errors


def test_compared_beside_language_model_only_keeps_its_lora() -> None:
    # report --compare / recommend plan a model whose LoRA `plan` would refuse without it
    # (auto_layout.compared_lora_note); under --language-model-only vLLM 0.30.0 turns the tower
    # flag off (_maybe_init_mm) before the pinpoints the catalog config lacks are read, so the
    # model keeps --enable-lora there (was planned without LoRA, the pinpoints named as why)
    spec = catalog_spec(VISION)
    asked = EngineSettings(vllm_version="0.30.0", enable_lora=True,
                           enable_tower_connector_lora=True)
    assert "[336, 672] is not whole 384-pixel tiles" in str(compared_lora_note(spec, asked))
    text_only = asked.model_copy(update={"language_model_only": True})
    assert compared_lora_note(spec, text_only) is None
