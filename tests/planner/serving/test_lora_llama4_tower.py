"""--enable-tower-connector-lora on Llama 4 (planner.serving.lora.tower), worked by hand from the
vLLM 0.17.0-0.34.0 wheels' models/mllama4.py (Llama4VisionModel: patch_embedding
Llama4UnfoldConvolution.linear ColumnParallelLinear(c p^2 -> hidden, gather_output); per layer
Llama4VisionAttention qkv_proj QKVParallelLinear(hidden, hidden / heads, heads), o_proj
RowParallelLinear, Llama4VisionMLP fc1 ColumnParallelLinear(hidden -> intermediate), fc2
RowParallelLinear; vision_adapter Llama4VisionPixelShuffleMLP mlp fc1 ColumnParallelLinear(
intermediate -> projector_input_dim), fc2 RowParallelLinear(-> projector_output_dim);
Llama4MultiModalProjector linear_1 ColumnParallelLinear(vision_output_dim -> text hidden,
gather_output); packed_modules_mapping "qkv_proj": [q, k, v], so MergedQKVParallelLinearWithLoRA,
three A; get_mm_mapping tower "vision_model.", connector "multi_modal_projector." and
"vision_model.vision_adapter."; get_num_mm_encoder_tokens / get_num_mm_connector_tokens to
0.29.0, get_mm_lora_token_counts from 0.30.0: budget // 144 chunks of 577 tower and 144
connector tokens), lora/model_manager.py _maybe_init_mm and lora/layers/column_parallel_linear.py
(ColumnParallelLinearWithLoRA takes the exact ColumnParallelLinear, gather_output or not).

meta-llama/Llama-4-Scout-17B-16E-Instruct's vision_config (planner/catalog_data, the Hub file
as aiconfigurator stores it): 34 layers, hidden 1,408, 16 heads, intermediate 5,632, patch 14,
image 336, 3 channels (588 values a patch), pixel_shuffle_ratio 0.5, projector_input_dim 4,096,
projector_output_dim 4,096, vision_output_dim 4,096; text hidden 5,120. 8x H200, TP=8, N = 4
LoRAs, R = 16, bfloat16 (elements; column A R x in, B out / 8 x R; row A R x in / 8, B out x R):
- patch_embedding.linear: 4 x (16 x 588 + 176 x 16) = 4 x 12,224 = 48,896
- per layer: qkv_proj 4 x (3 x 16 x 1,408 + 3 x 176 x 16) = 4 x 76,032 = 304,128; o_proj
  4 x (16 x 176 + 1,408 x 16) = 101,376; fc1 4 x (16 x 1,408 + 704 x 16) = 135,168; fc2 4 x
  (16 x 704 + 1,408 x 16) = 135,168: 675,840 a layer, 34 layers 22,978,560
- vision_adapter fc1 4 x (16 x 5,632 + 512 x 16) = 393,216; fc2 4 x (16 x 512 + 4,096 x 16) =
  294,912
- multi_modal_projector linear_1 4 x (16 x 4,096 + 640 x 16) = 303,104
tower 24,018,688 elements = 48,037,376 B. TP=4 (pp=2 below): qkv 4 x (67,584 + 3 x 352 x 16) =
337,920, o_proj 4 x (16 x 352 + 22,528) = 112,640, fc1 4 x (22,528 + 1,408 x 16) = 180,224, fc2
the same: 34 x 811,008 = 27,574,272; patch 4 x (9,408 + 352 x 16) = 60,160, adapter fc1 4 x
(90,112 + 1,024 x 16) = 425,984, fc2 4 x (16 x 1,024 + 65,536) = 327,680, projector 4 x (65,536 +
1,280 x 16) = 344,064: 28,732,160 elements = 57,464,320 B.
Punica at max_num_batched_tokens 8,192, max_num_seqs 1,024, max_model_len 8,192: the image's
tokens per item (1 + 16 tiles: vision.LLAMA4_MAX_TILES, transformers 5.25.0
image_processing_llama4.py Llama4ImageProcessor.max_patches = 16, which mllama4.py
get_max_num_tiles reads; a checkpoint's preprocessor_config.json may override it) x 144 = 2,448,
budget max(8,192, 2,448) = 8,192: 56 chunks, tower 56 x 577 = 32,312 tokens, connector 56 x 144
= 8,064; items per prompt min(999, 8,192 // 2,448) = 3, so 3,072 batches (punica_buffer_bytes,
0.29.0 on): tower 4 x 32,312 x 8 + 3 x 3,072 x 8 + 2 x (2 x 32,312 + 16) x 4 = 1,033,984 +
73,728 + 517,120 = 1,624,832 B; connector 4 x 8,064 x 8 + 73,728 + 2 x (2 x 8,064 + 16) x 4 =
258,048 + 73,728 + 129,152 = 460,928 B; 2,085,760 B (0.17.0-0.28.0 one int64 row of tokens more:
+ (32,312 + 8,064) x 8 = 2,408,768 B).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from tests.planner.serving.test_lora_tower import tower_term

SCOUT = "meta-llama/Llama-4-Scout-17B-16E-Instruct"
MAVERICK = "meta-llama/Llama-4-Maverick-17B-128E-Instruct"
ENGINE = {"max_model_len": 8192, "max_num_batched_tokens": 8192, "max_num_seqs": 1024,
          "enable_lora": True, "max_loras": 4}
TOWER_TP8 = (48_896 + 34 * (304_128 + 101_376 + 135_168 + 135_168) + 393_216 + 294_912
             + 303_104) * 2
TOWER_TP4 = (60_160 + 34 * (337_920 + 112_640 + 180_224 + 180_224) + 425_984 + 327_680
             + 344_064) * 2
PUNICA = 1_624_832 + 460_928
PUNICA_TO_028 = PUNICA + (32_312 + 8_064) * 8


def _plan(model: str = SCOUT, tp: int = 8, pp: int = 1, version: str = "0.34.0", **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h200", 8),
                            layout=ParallelLayout(tp=tp, pp=pp),
                            engine=EngineSettings(vllm_version=version, **ENGINE, **engine)))


@pytest.mark.parametrize(("version", "punica"), [
    ("0.34.0", PUNICA), ("0.30.0", PUNICA), ("0.29.0", PUNICA), ("0.28.0", PUNICA_TO_028),
    ("0.17.0", PUNICA_TO_028)])
def test_scout_on_8_h200_tp8_as_worked_by_hand(version, punica) -> None:
    assert (TOWER_TP8, PUNICA, PUNICA_TO_028) == (48_037_376, 2_085_760, 2_408_768)
    term = tower_term(_plan(version=version),
                      _plan(version=version, enable_tower_connector_lora=True), version,
                      TOWER_TP8, punica)
    assert "vision_model self_attn.qkv_proj 34 x 304,128" in term.formula
    assert "multi_modal_projector linear_1 303,104" in term.formula
    assert ("two Punica wrappers of 32,312 (tower) and 8,064 (connector) tokens x 3,072 "
            "batches") in term.note
    assert ("from the image's 2,448 tokens per item (1 + 16 tiles: transformers' "
            "Llama4ImageProcessor default max_patches; a checkpoint's preprocessor_config.json, "
            "not read, may override it)") in term.note


@pytest.mark.parametrize(("version", "later_tower"), [("0.34.0", False), ("0.32.0", True)])
def test_pipeline_stages_hold_the_wrappers_and_where_built_the_slots(version, later_tower
                                                                    ) -> None:
    # TP=4 x PP=2: every stage's model builds the two wrappers; the tower (so its slots) on
    # the first stage only on Model Runner V2 from 0.33.0 (mllama4.py builds it inside
    # _mark_tower_model: a StageMissingLayer on later stages), on both before
    assert TOWER_TP4 == 57_464_320
    base = _plan(tp=4, pp=2, version=version)
    lora = _plan(tp=4, pp=2, version=version, enable_tower_connector_lora=True)
    assert not lora.errors
    added = [b.lora_bytes - a.lora_bytes for a, b in zip(base.per_gpu, lora.per_gpu,
                                                         strict=True)]
    assert added == [TOWER_TP4 + PUNICA] * 4 + [PUNICA + (TOWER_TP4 if later_tower else 0)] * 4


def test_maverick_without_vision_config_takes_the_transformers_defaults() -> None:
    # Maverick's catalog config has no vision_config, so the tower is transformers'
    # Llama4VisionConfig defaults (the parser says so): hidden 768, image 448 (1,024 patches a
    # chunk, 256 tokens), vision_output_dim 7,680; TP=8: qkv 4 x (3 x 16 x 768 + 3 x 96 x 16) =
    # 165,888, o_proj 4 x (16 x 96 + 768 x 16) = 55,296, fc1 4 x (16 x 768 + 704 x 16) = 94,208,
    # fc2 4 x (16 x 704 + 768 x 16) = 94,208; patch 4 x (9,408 + 96 x 16) = 43,776, adapter
    # 393,216 + 294,912, projector 4 x (16 x 7,680 + 640 x 16) = 532,480: 15,190,784 elements =
    # 30,381,568 B. Punica: 17 x 256 = 4,352 tokens an item, 32 chunks: tower 32 x 1,025 =
    # 32,800 tokens, connector 8,192, 1 item per prompt (1,024 batches): 4 x 32,800 x 8 +
    # 24,576 + 2 x 65,616 x 4 = 1,599,104 and 4 x 8,192 x 8 + 24,576 + 2 x 16,400 x 4 =
    # 417,920: 32,398,592 B in all
    tower = (43_776 + 34 * (165_888 + 55_296 + 94_208 + 94_208) + 393_216 + 294_912
             + 532_480) * 2
    assert tower == 30_381_568
    assert any("llama4 config without vision_config" in a
               for a in catalog_spec(MAVERICK).assumptions)
    base = _plan(MAVERICK)
    lora = _plan(MAVERICK, enable_tower_connector_lora=True)
    assert lora.lora_bytes_per_gpu - base.lora_bytes_per_gpu == tower + 1_599_104 + 417_920
    assert "from the image's 4,352 tokens per item (1 + 16 tiles" in \
        next(t for t in lora.terms if t.key == "lora").note
