"""--enable-tower-connector-lora (planner.serving.lora.tower), worked by hand from the vLLM
0.17.0-0.34.0 wheels' lora/model_manager.py (_maybe_init_mm, _create_lora_modules),
models/qwen3_vl.py (Qwen3_VisionTransformer, get_num_mm_encoder_tokens / connector tokens,
packed_modules_mapping "qkv": ["qkv"]), qwen2_5_vl.py Qwen2_5_VisionAttention, qwen3_vl_moe.py
(its packed_modules_mapping without "qkv") and multimodal/encoder_budget.py (the budget and
items per prompt).

Qwen/Qwen3-VL-32B-Instruct's vision_config (/work/shared/model-configs, verbatim): depth 27,
hidden 1,152, intermediate 4,304, patch 16, spatial_merge_size 2, temporal_patch_size 2,
out_hidden_size 5,120, deepstack_visual_indexes [8, 16, 24] (3 deepstack mergers, so 4
mergers); N = 4 LoRAs, R = 16, bfloat16, TP=1 (elements per block or merger):
- attn.qkv (QKVParallelLinearWithLoRA, one A): 4 x (16 x 1,152 + 3 x 1,152 x 16) = 294,912
- attn.proj (row): 4 x (16 x 1,152 + 1,152 x 16) = 147,456
- mlp.linear_fc1 (column): 4 x (16 x 1,152 + 4,304 x 16) = 349,184; linear_fc2 (row): 349,184
- merger linear_fc1 (column, 1,152 x 4 = 4,608 wide): 4 x (16 x 4,608 + 4,608 x 16) = 589,824
- merger linear_fc2 (row, -> 5,120): 4 x (16 x 4,608 + 5,120 x 16) = 622,592
tower 27 x 1,140,736 + 4 x 1,212,416 = 35,649,536 elements = 71,299,072 B.
Punica (punica_buffer_bytes, vLLM 0.29.0 on: 4 int64 rows of tokens), max_num_batched_tokens
8,192, max_num_seqs 1,024, max_model_len 8,192: image 16,384 tokens per item, video 12,288
(the processor sizes Headroom assumes, unverified), budget max(8,192, 16,384) = 16,384; tower
16,384 x 4 = 65,536 tokens, connector 16,384; items per prompt max(1, 8,192 // 16,384 = 0,
8,192 // 12,288 = 0) = 1, so 1,024 batches:
tower 4 x 65,536 x 8 + 3 x 1,024 x 8 + 2 x (2 x 65,536 + 2 x 5 + 6) x 4 = 3,170,432 B;
connector 4 x 16,384 x 8 + 24,576 + 2 x (2 x 16,384 + 16) x 4 = 811,136 B; 3,981,568 B.

google/gemma-3-27b-it (Gemma3ForConditionalGeneration; its catalog config is reconstructed,
not verbatim): vision_config num_hidden_layers 27, hidden_size 1,152, intermediate_size 4,304
(the same SigLIP in the 4b and 12b), read by models/gemma3_mm.py, siglip.py SiglipVisionModel
(SiglipAttention qkv_proj QKVParallelLinear, out_proj RowParallelLinear; SiglipMLP fc1
ColumnParallelLinear, fc2 RowParallelLinear) and lora/layers/column_parallel_linear.py
MergedQKVParallelLinearWithLoRA (the class's packed_modules_mapping "qkv_proj": [q, k, v]:
three A). N = 4, R = 16, bfloat16, TP=1, per layer:
- self_attn.qkv_proj: 4 x (3 x 16 x 1,152 + 3 x 1,152 x 16) = 442,368
- self_attn.out_proj (row): 4 x (16 x 1,152 + 1,152 x 16) = 147,456
- mlp.fc1 (column): 4 x (16 x 1,152 + 4,304 x 16) = 349,184; mlp.fc2 (row): 349,184
tower 27 x 1,288,192 = 34,781,184 elements = 69,562,368 B; the multi_modal_projector (an
nn.Parameter matmul) gets none. TP=2: qkv_proj 4 x (3 x 16 x 1,152 + 3 x 576 x 16) = 331,776;
out_proj 4 x (16 x 576 + 1,152 x 16) = 110,592; fc1 4 x (16 x 1,152 + 2,152 x 16) = 211,456;
fc2 4 x (16 x 2,152 + 1,152 x 16) = 211,456: 27 x 865,280 x 2 B = 46,725,120 B.
Punica: 256 tokens per image (the processor's image_seq_length: transformers 5.25.0
processing_gemma3.py Gemma3Processor.__init__ image_seq_length: int = 256, which gemma3_mm.py
get_num_image_tokens reads; a checkpoint's processor_config.json may override it), so the budget
is max(8,192, 256) = 8,192; gemma3_mm.py get_num_mm_encoder_tokens: 8,192 x 16 = 131,072 tower
tokens, and the connector the same 131,072 (get_num_mm_connector_tokens returns its input;
0.30.0 on get_mm_lora_token_counts returns (x 16, x 16)); items per prompt max(1, min(999, 8,192
// 256 = 32)) = 32, so 1,024 x 32 = 32,768 batches: each wrapper 4 x 131,072 x 8 + 3 x 32,768 x
8 + 2 x (2 x 131,072 + 2 x 5 + 6) x 4 = 4,194,304 + 786,432 + 2,097,280 = 7,078,016 B, two
14,156,032 B (0.17.0-0.28.0: one int64 row more, + 2 x 131,072 x 8 = 16,253,184 B).
"""

import json

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.auto_layout import compared_engine, compared_lora_note
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.tower import (
    TOWER_LORA_CLASSES,
    TOWER_QKV_SLICES,
    tower_model_refusal,
    tower_punica_shapes,
)
from planner.serving.mm_modes import tower_lora
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main
from tests.planner.model.test_config_vision import CLASS_DEFAULTS
from tests.planner.model.test_wrapper_unmodelled import INTERNVL_VISION, QWEN2_TEXT

VL = "Qwen/Qwen3-VL-32B-Instruct"
VL_MOE = "Qwen/Qwen3-VL-30B-A3B-Instruct"
ENGINE = {"max_model_len": 8192, "max_num_batched_tokens": 8192, "max_num_seqs": 1024,
          "enable_lora": True, "max_loras": 4}
TOWER_TP1 = (27 * (294_912 + 147_456 + 349_184 + 349_184) + 4 * (589_824 + 622_592)) * 2
TOWER_PUNICA = 3_170_432 + 811_136  # 3,981,568 B
# vLLM 0.17.0-0.28.0: _embeddings_indices two rows, 5 int64 rows of tokens:
# tower 5 x 65,536 x 8 + 24,576 + 1,048,704 = 3,694,720; connector 5 x 16,384 x 8 + 24,576 +
# 262,272 = 942,208
TOWER_PUNICA_TO_028 = 3_694_720 + 942_208
# TP=2: qkv 4 x (16 x 1,152 + 1,728 x 16) = 184,320; proj 4 x (16 x 576 + 1,152 x 16) =
# 110,592; fc1 4 x (16 x 1,152 + 2,152 x 16) = 211,456; fc2 4 x (16 x 2,152 + 1,152 x 16) =
# 211,456; merger fc1 4 x (16 x 4,608 + 2,304 x 16) = 442,368; fc2 4 x (16 x 2,304 + 5,120 x
# 16) = 475,136
TOWER_TP2 = (27 * (184_320 + 110_592 + 211_456 + 211_456) + 4 * (442_368 + 475_136)) * 2
# Qwen3-VL-30B-A3B (the same tower, out_hidden_size 2,048), TP=1: no attn.qkv (the class's
# packed_modules_mapping has no "qkv"); merger fc2 4 x (16 x 4,608 + 2,048 x 16) = 425,984
TOWER_MOE_TP1 = (27 * (147_456 + 349_184 + 349_184) + 4 * (589_824 + 425_984)) * 2
GEMMA = "google/gemma-3-27b-it"
SIGLIP_TP1 = 27 * (442_368 + 147_456 + 349_184 + 349_184) * 2
SIGLIP_TP2 = 27 * (331_776 + 110_592 + 211_456 + 211_456) * 2
SIGLIP_PUNICA = 2 * 7_078_016
SIGLIP_PUNICA_TO_028 = 2 * (7_078_016 + 131_072 * 8)


def tower_term(base, lora, version: str, tower: int, punica: int):
    """`lora`'s lora term, checked against `base` (the same plan without the tower flag): the
    tower's slots and Punica buffers added to its LoRA and weight bytes, the flag in a launch
    command `version` parses."""
    assert not lora.errors
    assert lora.lora_bytes_per_gpu - base.lora_bytes_per_gpu == tower + punica
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == tower + punica
    assert "--enable-tower-connector-lora" in lora.vllm_command
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []
    term = next(t for t in lora.terms if t.key == "lora")
    assert f"tower and connector Punica buffers {punica:,} B" in term.formula
    return term


def _plan(model: str = VL, tp: int = 1, pp: int = 1, version: str = "0.34.0", **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100", 2),
                            layout=ParallelLayout(tp=tp, pp=pp),
                            engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("model", "tp", "version", "tower", "punica"), [
    (VL, 1, "0.34.0", TOWER_TP1, TOWER_PUNICA), (VL, 2, "0.34.0", TOWER_TP2, TOWER_PUNICA),
    (VL, 1, "0.17.0", TOWER_TP1, TOWER_PUNICA_TO_028),
    (VL, 1, "0.28.0", TOWER_TP1, TOWER_PUNICA_TO_028),
    (VL_MOE, 1, "0.34.0", TOWER_MOE_TP1, TOWER_PUNICA),
    (GEMMA, 1, "0.34.0", SIGLIP_TP1, SIGLIP_PUNICA),
    (GEMMA, 2, "0.34.0", SIGLIP_TP2, SIGLIP_PUNICA),
    (GEMMA, 1, "0.17.0", SIGLIP_TP1, SIGLIP_PUNICA_TO_028),
    (GEMMA, 1, "0.29.0", SIGLIP_TP1, SIGLIP_PUNICA),
    ("google/gemma-3-4b-it", 1, "0.34.0", SIGLIP_TP1, SIGLIP_PUNICA)])
def test_tower_and_connector_slots_as_worked_by_hand(model, tp, version, tower, punica) -> None:
    assert (TOWER_TP1, TOWER_TP2, TOWER_MOE_TP1) == (71_299_072, 46_102_528, 53_800_960)
    assert (SIGLIP_TP1, SIGLIP_TP2, SIGLIP_PUNICA, SIGLIP_PUNICA_TO_028) == (
        69_562_368, 46_725_120, 14_156_032, 16_253_184)
    term = tower_term(_plan(model, tp, version=version, **ENGINE),
                      _plan(model, tp, version=version, enable_tower_connector_lora=True,
                            **ENGINE), version, tower, punica)
    assert ("visual attn.qkv 27 x" in term.formula) == (model == VL)
    assert ("vision_tower self_attn.qkv_proj 27 x" in term.formula) == model.startswith("google")


def test_gemma_3_27b_totals_and_words() -> None:
    # the language model's slots (docs/cli.md, 908,550,272 B at TP=1: 62 x (1,556,480 +
    # 606,208 + 3,440,640 + 1,720,320) elements x 2 B + 417,920 B of Punica buffers) plus the
    # SigLIP tower's: 908,550,272 + 69,562,368 + 14,156,032 = 992,268,672 B
    lora = _plan(GEMMA, enable_tower_connector_lora=True, **ENGINE)
    assert lora.lora_bytes_per_gpu == 992_268_672
    term = next(t for t in lora.terms if t.key == "lora")
    assert "vision_tower self_attn.qkv_proj 27 x 442,368" in term.formula
    assert "vision_tower mlp.fc2 27 x 349,184" in term.formula
    assert "merger" not in term.formula
    assert ("two Punica wrappers of 131,072 (tower) and 131,072 (connector) tokens x 32,768 "
            "batches") in term.note
    assert ("from the image's 256 tokens per item (transformers' Gemma3Processor default "
            "image_seq_length; a checkpoint's processor_config.json, not read, may override "
            "it)") in term.note


def test_qwen3_vl_32b_totals() -> None:
    # Qwen3-VL-32B's language-model slots (test_lora.py QWEN3_VL_TP1: 1,114,366,080 B) plus
    # the tower's: 1,114,366,080 + 71,299,072 + 3,981,568 = 1,189,646,720 B
    assert _plan(enable_tower_connector_lora=True, **ENGINE).lora_bytes_per_gpu == 1_189_646_720


def test_items_per_prompt_grow_the_punica_batches() -> None:
    # max_model_len 262,144: items per prompt max(262,144 // 16,384 = 16, 262,144 // 12,288 =
    # 21) = 21, so 21,504 batches: 20,480 more than at 8,192, x 3 int64 x 2 wrappers =
    # 983,040 B more
    short = _plan(enable_tower_connector_lora=True, **ENGINE)
    long = _plan(enable_tower_connector_lora=True, **{**ENGINE, "max_model_len": 262144})
    assert long.lora_bytes_per_gpu - short.lora_bytes_per_gpu == 20_480 * 3 * 8 * 2 == 983_040



def test_the_videos_tokens_per_item_are_vllms_factor_pair() -> None:
    # Qwen3-VL-32B with a 29 px, merge-1 tower at max_model_len 29,920: image 16,777,216 //
    # 29^2 = 19,949 (prime) -> 19,947 = 109 x 183 tokens; video 25,165,824 // 2 // 29^2 =
    # 14,961 = 3 x 4,987 (over 200 to 1) -> 14,960 = 110 x 136 (qwen3_vl.py
    # get_max_video_tokens). Budget max(8,192, 19,947, 14,960) = 19,947, merge 1: tower and
    # connector 19,947 tokens; items per prompt max(29,920 // 19,947 = 1, 29,920 // 14,960 =
    # 2) = 2, so 1,024 x 2 = 2,048 batches (1,024 at 14,961: 29,920 // 14,961 = 1)
    config = json.loads(json.dumps(catalog_entry(VL).config))
    config["vision_config"].update(patch_size=29, spatial_merge_size=1)
    vision = parse_model_config(config).vision
    assert tower_punica_shapes(vision, 8192, 1024, 29_920) == (19_947, 19_947, 2_048)


@pytest.mark.parametrize("lengths", [(8192, 262144), (262144, 8192)])
def test_one_spec_planned_at_two_lengths_keeps_each_lengths_punica_batches(lengths) -> None:
    # the app (and nearest_fit) plans one spec object again at another max_model_len: the
    # tower's Punica batches read it, so its LoRA bytes are not the first length's (they were:
    # the copies were cached without it, +983,040 B lost or kept)
    spec = catalog_spec(VL)
    expected = {8192: 1_189_646_720, 262144: 1_189_646_720 + 983_040}
    for length in lengths:
        got = plan(PlanRequest(model=spec, cluster=preset_cluster("h100", 2),
                               layout=ParallelLayout(),
                               engine=EngineSettings(enable_tower_connector_lora=True,
                                                     **{**ENGINE, "max_model_len": length})))
        assert got.lora_bytes_per_gpu == expected[length]

@pytest.mark.parametrize(("version", "later_tower", "punica"), [
    ("0.34.0", False, 417_920 + SIGLIP_PUNICA), ("0.33.0", False, 417_920 + SIGLIP_PUNICA),
    ("0.32.0", True, 417_920 + SIGLIP_PUNICA),
    ("0.24.0", True, 417_920 + 65_536 + SIGLIP_PUNICA_TO_028)])
def test_pipeline_stages_hold_the_tower_buffers_and_where_built_its_slots(
        version, later_tower, punica) -> None:
    # gemma-3-27b-it at PP=2 (vLLM get_pp_indices: 31 + 31 layers), the language model's slots
    # per stage 31 x 7,323,648 elements x 2 B (1,556,480 + 606,208 + 3,440,640 + 1,720,320 a
    # layer, docs/cli.md's TP=1 figure's) + its Punica buffers. lora/model_manager.py
    # _init_punica_wrapper runs on every stage's model (its class multimodal there too), so
    # each holds the tower's and connector's wrappers; the tower's slots where vLLM builds the
    # tower: the first stage only on Model Runner V2 from 0.33.0 (interfaces.py
    # _mark_tower_model: a StageMissingLayer, not a child module, so never wrapped), every
    # stage before (0.32.0: V2, 0.24.0: V1 for this class; weights.VISION_ON_EVERY_STAGE)
    # (to 0.28.0 Punica's second int64 row of tokens: 65,536 B more, the tower's as worked above)
    stage = 31 * 7_323_648 * 2 + punica  # 454,066,176 B of the language model's slots
    p = _plan(GEMMA, pp=2, version=version, enable_tower_connector_lora=True, **ENGINE)
    assert not p.errors
    assert command_problems(p.vllm_command, vllm_cli(version)) == []
    assert [g.lora_bytes for g in p.per_gpu] == [
        stage + SIGLIP_TP1, stage + (SIGLIP_TP1 if later_tower else 0)]
    if version == "0.34.0":  # 538,202,496 and 468,640,128 B
        assert [g.lora_bytes for g in p.per_gpu] == [538_202_496, 468_640_128]
    # Qwen3-VL-32B likewise: its second stage's tower buffers, no slots, on 0.34.0
    vl = _plan(VL, pp=2, enable_tower_connector_lora=True, **ENGINE)
    without = _plan(VL, pp=2, **ENGINE)
    assert [a.lora_bytes - b.lora_bytes for a, b in zip(vl.per_gpu, without.per_gpu,
                                                         strict=True)] == [
        TOWER_TP1 + TOWER_PUNICA, TOWER_PUNICA]


def test_the_cli_refuses_towers_not_sized(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "moonshotai/Kimi-K2.5", "--gpu", "h100",
                            "--enable-lora", "--enable-tower-connector-lora")
    assert code == 2 and "KimiK25ForConditionalGeneration does not support LoRA yet" in err
    assert len(err.strip().splitlines()) == 1


TEXT_IGNORED = ("--enable-tower-connector-lora: Qwen3ForCausalLM has no vision tower, and vLLM "
                "{} reads the flag only for a multimodal model (lora/model_manager.py "
                "_init_punica_wrapper calls _maybe_init_mm only where supports_mm), so it "
                "ignores it without a log: planned as without the flag")


@pytest.mark.parametrize("version", ["0.17.0", "0.18.1", "0.19.0", "0.28.0", "0.29.0",
                                     "0.34.0"])
@pytest.mark.parametrize("lmo", [False, True])
def test_a_text_models_tower_flag_is_ignored_as_vllm_ignores_it(version: str, lmo: bool
                                                                ) -> None:
    # lora/model_manager.py, every wheel 0.17.0-0.34.0: _init_punica_wrapper sets supports_mm =
    # supports_multimodal(model) and hasattr(model, "get_mm_mapping") and calls _maybe_init_mm,
    # the flag's only reader at start-up (its "Disabling ... language model only" warning
    # included), only where it holds; Qwen3ForCausalLM is no SupportsMultiModal class, so it gets
    # the language model's Punica wrapper alone and no log. engine/arg_utils.py passes the flag
    # into LoRAConfig unchecked (only default_mm_loras of a non-multimodal model is refused).
    # Was: exit 2 "has no vision tower ... drop the flag", and under --language-model-only from
    # 0.19.0 a warning quoting the "Disabling" log vLLM never reaches for a text model
    model = "Qwen/Qwen3-8B"
    flags = {"language_model_only": lmo}
    ignored = _plan(model, version=version, **ENGINE, **flags, enable_tower_connector_lora=True)
    without = _plan(model, version=version, **ENGINE, **flags)
    assert ignored.errors == [] and ignored.fits
    assert ignored.lora_bytes_per_gpu == without.lora_bytes_per_gpu > 0
    assert ignored.weights_bytes_per_gpu == without.weights_bytes_per_gpu
    assert ignored.kv_cache_tokens == without.kv_cache_tokens
    assert [w for w in ignored.warnings if w not in without.warnings] == [
        TEXT_IGNORED.format(version)]
    # the flag stays in the command: every release's parser takes it
    assert ignored.vllm_command == without.vllm_command + " --enable-tower-connector-lora"
    assert command_problems(ignored.vllm_command, vllm_cli(version)) == []


def test_the_cli_plans_a_text_models_tower_flag_with_the_warning(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100",
                              "--enable-lora", "--enable-tower-connector-lora", "--json")
    assert code == 0, err
    planned = json.loads(out)
    assert TEXT_IGNORED.format("0.34.0") in planned["warnings"]
    assert planned["vllm_command"].endswith(" --enable-tower-connector-lora")


def test_an_audio_wrappers_uncounted_tower_is_not_read_as_a_text_model() -> None:
    # qwen2_audio.py Qwen2AudioForConditionalGeneration is a multimodal class (vLLM runs
    # _maybe_init_mm for it), its audio tower not counted here: refused, not ignored, where
    # the release reads its flag (0.28.0: hasattr get_num_mm_encoder_tokens, the stub); from
    # 0.29.0 the class, which sets no supports_tower_connector_lora, has it ignored
    audio = {"model_type": "qwen2_audio_encoder", "d_model": 1_280, "encoder_layers": 32,
             "encoder_ffn_dim": 5_120}
    text = {"model_type": "qwen2", "hidden_size": 4_096, "num_hidden_layers": 32,
            "num_attention_heads": 32, "num_key_value_heads": 32, "intermediate_size": 11_008,
            "vocab_size": 156_032, "max_position_embeddings": 8_192}
    spec = parse_model_config({"model_type": "qwen2_audio", "architectures": [
        "Qwen2AudioForConditionalGeneration"], "text_config": text, "audio_config": audio})
    decided = tower_lora(spec, EngineSettings(**ENGINE, vllm_version="0.28.0",
                                              enable_tower_connector_lora=True))
    assert decided.wrapped and not decided.text_model and decided.ignored is None
    assert not tower_lora(spec, EngineSettings(**ENGINE, enable_tower_connector_lora=True)
                          ).wrapped
    assert tower_model_refusal(spec, decided.wrapped) == (
        "--enable-tower-connector-lora: Qwen2AudioForConditionalGeneration's towers are not "
        "counted (qwen2_audio tower weights (audio_config)), so their LoRA slots cannot be "
        "sized: not planned")


CLASS_IGNORED = ("--enable-tower-connector-lora: vLLM {} logs \"LoRA with tower connector is "
                 "enabled, but the model Mistral3ForConditionalGeneration does not support it. "
                 "This will be ignored.\" (lora/model_manager.py _maybe_init_mm: the class does "
                 "not set supports_tower_connector_lora), so no vision tower or connector gets "
                 "LoRA slots: planned as without the flag")
DISABLING = ("--enable-tower-connector-lora with --language-model-only: vLLM {} turns it off "
             "(lora/model_manager.py _maybe_init_mm: \"Disabling `enable_tower_connector_lora` "
             "because the multimodal model is configured to initialize the language model "
             "only.\"), so no vision tower or connector gets LoRA slots: planned as without the "
             "flag")


def _class_default(kind: str, arch: str):
    # transformers 5.24.0's config-class defaults (tests/fixtures: test_config_vision)
    return parse_model_config({**CLASS_DEFAULTS[kind]["config"], "architectures": [arch]})


@pytest.mark.parametrize("version", ["0.29.0", "0.34.0"])
@pytest.mark.parametrize("lmo", [False, True])
def test_a_class_without_the_tower_flag_has_it_ignored_from_0_29(version: str, lmo: bool
                                                                 ) -> None:
    # lora/model_manager.py _maybe_init_mm, 0.29.0-0.34.0: supports_tower_connector_lora =
    # supports_mm and self.model.supports_tower_connector_lora (interfaces.py SupportsMultiModal:
    # ClassVar[bool] = False); mistral3.py's class never sets it, so with the flag vLLM logs
    # "LoRA with tower connector is enabled, but the model %s does not support it. This will be
    # ignored." (%s: self.model.__class__.__name__) and returns before its language_model_only
    # test: the same warning with --language-model-only, no "Disabling"
    spec = _class_default("mistral3", "Mistral3ForConditionalGeneration")
    decided = tower_lora(spec, EngineSettings(**ENGINE, vllm_version=version,
                                              language_model_only=lmo,
                                              enable_tower_connector_lora=True))
    assert decided == (False, CLASS_IGNORED.format(version), None, False)


@pytest.mark.parametrize("version", ["0.29.0", "0.34.0"])
def test_the_ignored_flags_warning_names_the_class_vllm_builds(version: str) -> None:
    # models/registry.py _MULTIMODAL_MODELS, 0.29.0-0.34.0: "InternVLForConditionalGeneration":
    # ("interns1", "InternS1ForConditionalGeneration"), a class that sets no
    # supports_tower_connector_lora (interns1.py), so vLLM's warning prints that class's
    # __name__, not the config's architecture (the InternVL wrapper of test_wrapper_unmodelled)
    spec = parse_model_config({
        "model_type": "internvl", "architectures": ["InternVLForConditionalGeneration"],
        "text_config": QWEN2_TEXT, "vision_config": INTERNVL_VISION})
    decided = tower_lora(spec, EngineSettings(**ENGINE, vllm_version=version,
                                              enable_tower_connector_lora=True))
    assert decided.ignored == CLASS_IGNORED.replace(
        "Mistral3ForConditionalGeneration", "InternS1ForConditionalGeneration").format(version)


@pytest.mark.parametrize("lmo", [False, True])
def test_before_0_29_every_multimodal_class_reads_the_flag(lmo: bool) -> None:
    # 0.28.0's _maybe_init_mm: supports_mm and hasattr(model, "get_num_mm_encoder_tokens"),
    # which SupportsMultiModal's stub gives every multimodal class, Mistral 3's too: wrapped
    # (refused here: its tower is not read), or under --language-model-only "Disabling"
    spec = _class_default("mistral3", "Mistral3ForConditionalGeneration")
    decided = tower_lora(spec, EngineSettings(**ENGINE, vllm_version="0.28.0",
                                              language_model_only=lmo,
                                              enable_tower_connector_lora=True))
    assert decided.wrapped is not lmo
    assert decided.ignored == (DISABLING.format("0.28.0") if lmo else None)
    if not lmo:
        assert "Mistral3ForConditionalGeneration's tower is not read" in tower_model_refusal(
            spec, decided.wrapped)


@pytest.mark.parametrize("version", ["0.28.0", "0.34.0"])
def test_qwen_2_5_vls_class_sets_the_flag_in_every_release(version: str) -> None:
    # qwen2_5_vl.py Qwen2_5_VLForConditionalGeneration: supports_tower_connector_lora = True
    # (0.29.0-0.34.0), hasattr get_num_mm_encoder_tokens before: read, its tower not sized
    # here (refused), "Disabling" under --language-model-only
    spec = _class_default("qwen2_5_vl", "Qwen2_5_VLForConditionalGeneration")
    asked = EngineSettings(**ENGINE, vllm_version=version, enable_tower_connector_lora=True)
    assert tower_lora(spec, asked).wrapped
    assert "Qwen2_5_VLForConditionalGeneration's tower is not read" in tower_model_refusal(
        spec, True)
    lmo = tower_lora(spec, asked.model_copy(update={"language_model_only": True}))
    assert lmo.ignored == DISABLING.format(version)


def test_every_tower_sized_is_of_a_class_that_sets_the_flag() -> None:
    # the towers Headroom sizes (Qwen3-VL family, Qwen3.5, Gemma 3 / 4, Llama 4, LLaVA-NeXT)
    # all set supports_tower_connector_lora in 0.29.0-0.34.0 (qwen3_vl.py, gemma3_mm.py,
    # gemma4_mm.py, mllama4.py, llava_next.py; qwen3_vl_moe.py and qwen3_5.py inherit it)
    assert set(TOWER_QKV_SLICES) <= TOWER_LORA_CLASSES
    assert "Mistral3ForConditionalGeneration" not in TOWER_LORA_CLASSES


def test_the_cli_plans_gemma_3s_tower_saying_its_config_is_reconstructed(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", GEMMA, "--gpu", "h100", "--enable-lora",
                              "--enable-tower-connector-lora", "--max-model-len", "8192",
                              "--json")
    assert code == 0
    assert "--enable-tower-connector-lora" in json.loads(out)["vllm_command"]
    assert "bundled catalog config (reconstructed, unverified)" in err


def test_the_flag_needs_enable_lora(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", VL, "--gpu", "h100",
                            "--enable-tower-connector-lora")
    assert code == 2 and "--enable-tower-connector-lora needs --enable-lora" in err


def test_a_compared_text_model_keeps_lora_without_the_tower_flag() -> None:
    # vLLM reads the flag only for a multimodal model (lora/model_manager.py _maybe_init_mm
    # where supports_mm): Qwen3-8B keeps its LoRA slots; Gemma 3 its tower's
    asked = EngineSettings(**ENGINE, enable_tower_connector_lora=True)
    text = compared_engine(catalog_spec("Qwen/Qwen3-8B"), asked)
    assert text.enable_lora and not text.enable_tower_connector_lora
    assert compared_lora_note(catalog_spec("Qwen/Qwen3-8B"), asked) is None
    gemma = catalog_spec(GEMMA)
    assert compared_engine(gemma, asked).enable_tower_connector_lora
    assert compared_lora_note(gemma, asked) is None


def test_a_vision_config_without_sizes_takes_the_transformers_defaults_and_says_so() -> None:
    # Qwen3-VL-32B's vision_config without out_hidden_size and temporal_patch_size: transformers
    # 5.25.0 Qwen3VLVisionConfig's 3,584 and 2 stand in (what vLLM builds from such a config);
    # each merger's linear_fc2 is then 4 x (16 x 4,608 + 3,584 x 16) = 524,288 elements, 98,304
    # fewer than at 5,120: 4 mergers x 98,304 x 2 B = 786,432 B fewer; the video's tokens per
    # item (temporal 2) and so the Punica buffers unchanged
    config = catalog_entry(VL).config
    vision = {k: v for k, v in config["vision_config"].items()
              if k not in ("out_hidden_size", "temporal_patch_size")}
    spec = parse_model_config({**config, "vision_config": vision})
    assert any("vision_config.out_hidden_size missing: assumed 3584 (transformers "
               "Qwen3VLVisionConfig" in a for a in spec.assumptions)
    assert any("vision_config.temporal_patch_size missing: assumed 2" in a
               for a in spec.assumptions)

    def lora_bytes(tower: bool) -> int:
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h100", 1),
                                engine=EngineSettings(vllm_version="0.34.0", **ENGINE,
                                                      enable_tower_connector_lora=tower))
                    ).lora_bytes_per_gpu

    assert lora_bytes(True) - lora_bytes(False) == TOWER_TP1 - 786_432 + TOWER_PUNICA
