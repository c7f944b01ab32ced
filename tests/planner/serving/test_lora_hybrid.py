"""Multi-LoRA slots of the dense Gated-DeltaNet hybrid Qwen3.5 (planner.serving.lora
HYBRID_GDN_LORA), worked by hand from the shapes read in the vLLM wheels: models/qwen3_5.py
Qwen3_5ForConditionalGeneration (language_model a Qwen3_5ForCausalLM; packed_modules_mapping
qkv_proj [q, k, v], gate_up_proj [gate, up], in_proj_qkvz [in_proj_qkv, in_proj_z], in_proj_ba
[in_proj_b, in_proj_a]; Qwen3_5ForCausalLMBase embedding_modules embed_tokens and lm_head from
0.29.0, none to 0.28.0), layers/mamba/gdn/qwen_gdn_linear_attn.py QwenGatedDeltaNetAttention
__init__, create_qkvz_proj and create_ba_proj (0.22.0-0.34.0; 0.21.0 layers/mamba/
gdn_linear_attn.py), models/qwen3_next.py Qwen3NextAttention (qkv_proj of 24 x (1 +
attn_output_gate) q heads), lora/layers/column_parallel_linear.py
MergedColumnParallelLinearWithLoRA (one A per output size) and ColumnParallelLinearWithLoRA
(conv1d), lora/model_manager.py _get_punica_wrapper (no wrapper for "visual." without
enable_tower_connector_lora), all of 0.28.0 and 0.34.0.

Qwen/Qwen3.5-27B (../shared/model-configs, text_config): hidden 5,120, 64 layers of which 16
full attention (every 4th) and 48 Gated DeltaNet, full attention 24 q heads (x 2 with the
output gate) and 4 KV heads of 256, GDN 16 key heads and 48 value heads of 128 (key 2,048,
value 6,144), conv kernel 4, intermediate 17,408, vocabulary 248,320 (untied). 4 LoRAs of
rank 16, bf16 (2 B), at TP=1:
- GDN in_proj_qkvz 4 x (4 x 16 x 5,120 + (2,048 + 2,048 + 6,144 + 6,144) x 16) = 2,359,296;
  in_proj_ba 4 x (2 x 16 x 5,120 + 96 x 16) = 661,504; conv1d 4 x (16 x 4 + 10,240 x 16) =
  655,616; out_proj 4 x (16 x 6,144 + 5,120 x 16) = 720,896: 4,397,312 per GDN layer
- full attention qkv_proj 4 x (3 x 16 x 5,120 + (12,288 + 1,024 + 1,024) x 16) = 1,900,544;
  o_proj 4 x (16 x 6,144 + 5,120 x 16) = 720,896: 2,621,440
- MLP gate_up_proj 4 x (2 x 16 x 5,120 + 2 x 17,408 x 16) = 2,883,584; down_proj 4 x (16 x
  17,408 + 5,120 x 16) = 1,441,792: 4,325,376 per layer
- embed_tokens and lm_head each 4 x (248,320 x 16 + 5,120 x 16) = 16,220,160 (0.29.0 on)
TP=2: in_proj_qkvz 4 x (327,680 + 8,192 x 16) = 1,835,008; in_proj_ba 4 x (163,840 + 48 x 16)
= 658,432; conv1d 4 x (64 + 5,120 x 16) = 327,936; out_proj 4 x (16 x 3,072 + 81,920) =
524,288 (3,345,664); qkv_proj 4 x (245,760 + (6,144 + 512 + 512) x 16) = 1,441,792; o_proj
4 x (16 x 3,072 + 81,920) = 524,288 (1,966,080); gate_up 4 x (163,840 + 2 x 8,704 x 16) =
1,769,472; down 4 x (16 x 8,704 + 81,920) = 884,736 (2,654,208); the lm_head's int64 mapping
over 248,320 (a multiple of 64) x 8 = 1,986,560 B.
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main
from tests.conftest import load_ref_config

QWEN3_5 = "Qwen/Qwen3.5-27B"
PUNICA = 4 * 8192 * 8 + 3 * 1024 * 8 + 2 * (2 * 8192 + 2 * 5 + 6) * 4  # 417,920 B
PUNICA_TO_028 = 5 * 8192 * 8 + 3 * 1024 * 8 + 2 * (2 * 8192 + 2 * 5 + 6) * 4  # 483,456 B
ENDS = 2 * 16_220_160
TP1_LAYERS = 48 * 4_397_312 + 16 * 2_621_440 + 64 * 4_325_376  # 529,838,080 elements
TP2_LAYERS = 48 * 3_345_664 + 16 * 1_966_080 + 64 * 2_654_208  # 361,918,464 elements
TP1_BYTES = (TP1_LAYERS + ENDS) * 2 + PUNICA  # 1,124,974,720 B
TP2_BYTES = (TP2_LAYERS + ENDS) * 2 + 248320 * 8 + PUNICA  # 791,122,048 B
TP1_028_BYTES = TP1_LAYERS * 2 + PUNICA_TO_028  # 1,060,159,616 B: no embedding_modules


def _plan(tp: int, version: str, **engine):
    return plan(PlanRequest(
        model=catalog_spec(QWEN3_5), cluster=preset_cluster("h100", 2),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("tp", "version", "expected"), [
    (1, "0.34.0", TP1_BYTES), (2, "0.34.0", TP2_BYTES), (1, "0.28.0", TP1_028_BYTES)])
def test_qwen3_5_slots_as_worked_by_hand(tp, version, expected) -> None:
    base = _plan(tp, version)
    lora = _plan(tp, version, enable_lora=True, max_loras=4, max_lora_rank=16)
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    term = next(t for t in lora.terms if t.key == "lora")
    assert "conv1d 48 x" in term.formula and "qkv_proj 16 x" in term.formula
    assert ("lm_head" in term.formula) is (version == "0.34.0")


@pytest.mark.parametrize("version", ["0.17.0", "0.21.0", "0.28.0", "0.29.0", "0.34.0"])
def test_qwen3_5_launch_command_passes_the_release_parser(version) -> None:
    command = _plan(2, version, enable_lora=True, max_loras=4).vllm_command
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in command
    assert command_problems(command, vllm_cli(version)) == []


# Qwen/Qwen3.5-35B-A3B (Qwen3_5MoeForConditionalGeneration; ../shared/model-configs,
# text_config): hidden 2,048, 40 layers of which 10 full attention (every 4th) and 30 Gated
# DeltaNet, full attention 16 q heads (x 2 with the output gate) and 2 KV heads of 256, GDN 16
# key heads and 32 value heads of 128 (key 2,048, value 4,096), conv kernel 4, every layer an
# MoE of 256 experts of moe_intermediate_size 512 with a shared expert of 512 and its gate,
# vocabulary 248,320 (untied), bf16. Read in vLLM 0.17.0, 0.18.0, 0.19.0, 0.21.0 and 0.34.0:
# models/qwen3_5.py Qwen3_5MoeForConditionalGeneration (is_3d_moe_weight True from 0.19.0, so
# lora/model_manager.py _create_lora_modules gives the experts ["w13"] and FusedMoE3DWithLoRA;
# 0.17.0-0.18.0 ["w1", "w3"], FusedMoEWithLoRA), qwen3_5.py Qwen3_5DecoderLayer (the dense
# Qwen3.5's GDN and attention, qwen3_next.py Qwen3NextSparseMoeBlock where model_type is
# qwen3_5_moe_text), qwen3_next.py Qwen3NextSparseMoeBlock.__init__ (gate (hidden, 256),
# shared_expert_gate (hidden, 1), shared_expert Qwen2MoeMLP, experts given gate=self.gate),
# lora/layers/fused_moe.py FusedMoEWithLoRA._create_lora_a_weights and FusedMoE3DWithLoRA
# ._create_lora_b_weights. 4 LoRAs of rank 16, 2 B each. TP=1:
# - GDN in_proj_qkvz 4 x (4 x 16 x 2,048 + (2,048 + 2,048 + 4,096 + 4,096) x 16) = 1,310,720;
#   in_proj_ba 4 x (2 x 16 x 2,048 + 64 x 16) = 266,240; conv1d 4 x (16 x 4 + 8,192 x 16) =
#   524,544; out_proj 4 x (16 x 4,096 + 2,048 x 16) = 393,216: 2,494,720 per GDN layer
# - attention qkv_proj 4 x (3 x 16 x 2,048 + (8,192 + 512 + 512) x 16) = 983,040; o_proj
#   4 x (16 x 4,096 + 2,048 x 16) = 393,216: 1,376,256
# - MoE: gate 4 x (16 x 2,048 + 256 x 16) = 147,456; shared_expert_gate 4 x (16 x 2,048 + 16) =
#   131,136; shared gate_up_proj 4 x (2 x 16 x 2,048 + 2 x 512 x 16) = 327,680; shared
#   down_proj 4 x (16 x 512 + 2,048 x 16) = 163,840; experts, 3D (0.19.0 on): 4 x 256 x (one
#   w13 A 16 x 2,048 + w13 B 1,024 x 16 + w2 A 16 x 512 + w2 B 2,048 x 16) = 1,024 x 90,112 =
#   92,274,688; per expert (0.17-0.18): 1,024 x (2 x 32,768 + 16,384 + 8,192 + 32,768) =
#   125,829,120
# - embed_tokens and lm_head each 4 x (248,320 x 16 + 2,048 x 16) = 16,023,552 (0.29.0 on)
# - adapter flags 40 x 5 x 4 B = 800 B
# TP=2: in_proj_qkvz 4 x (131,072 + 6,144 x 16) = 917,504; in_proj_ba 4 x (65,536 + 32 x 16) =
# 264,192; conv1d 4 x (64 + 4,096 x 16) = 262,400; out_proj 4 x (16 x 2,048 + 32,768) = 262,144
# (1,706,240); qkv_proj 4 x (98,304 + (4,096 + 256 + 256) x 16) = 688,128; o_proj 262,144
# (950,272); gate 147,456 and shared_expert_gate 131,136 unsharded; shared gate_up 4 x (65,536 +
# 2 x 256 x 16) = 294,912; shared down 4 x (16 x 256 + 32,768) = 147,456; experts 1,024 x
# (32,768 + 512 x 16 + 16 x 256 + 32,768) = 79,691,776; the lm_head mapping 248,320 x 8 B.
MOE = "Qwen/Qwen3.5-35B-A3B"
MOE_GDN = 30 * 2_494_720 + 10 * 1_376_256  # 88,604,160 elements
MOE_SIDE = 147_456 + 131_136 + 327_680 + 163_840  # gate, shared expert and its gate: 770,112
MOE_ENDS = 2 * 16_023_552
MOE_TP1_BYTES = (MOE_GDN + 40 * (MOE_SIDE + 92_274_688) + MOE_ENDS) * 2 + 800 + PUNICA
MOE_TP2_BYTES = ((30 * 1_706_240 + 10 * 950_272 + 40 * (147_456 + 131_136 + 294_912 + 147_456
                                                        + 79_691_776) + MOE_ENDS) * 2
                 + 800 + 248320 * 8 + PUNICA)
MOE_TP1_018_BYTES = (MOE_GDN + 40 * (MOE_SIDE + 125_829_120)) * 2 + 800 + PUNICA_TO_028


def _moe_plan(tp: int, version: str, **engine):
    return plan(PlanRequest(
        model=catalog_spec(MOE), cluster=preset_cluster("h100", 2),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("tp", "version", "expected"), [
    (1, "0.34.0", MOE_TP1_BYTES), (2, "0.34.0", MOE_TP2_BYTES),
    (1, "0.18.0", MOE_TP1_018_BYTES)])
def test_qwen3_5_moe_slots_as_worked_by_hand(tp, version, expected) -> None:
    assert (MOE_TP1_BYTES, MOE_TP2_BYTES, MOE_TP1_018_BYTES) == (
        7_685_305_248, 6_620_898_208, 10_305_631_136)
    lora = _moe_plan(tp, version, enable_lora=True, max_loras=4, max_lora_rank=16)
    assert lora.lora_bytes_per_gpu == expected
    term = next(t for t in lora.terms if t.key == "lora")
    assert "conv1d 30 x" in term.formula and "shared_expert_gate 40 x" in term.formula
    assert ("FusedMoE3DWithLoRA" in term.note) is (version == "0.34.0")


def test_qwen3_5_moe_gate_is_wrapped_twice_in_0_21() -> None:
    # 0.21.0: the runner's gate (given gate=self.gate) wrapped again; no embeddings before 0.29
    once = (MOE_GDN + 40 * (MOE_SIDE + 92_274_688)) * 2 + 800 + PUNICA_TO_028
    twice = _moe_plan(1, "0.21.0", enable_lora=True, max_loras=4).lora_bytes_per_gpu
    assert twice == once + 40 * 147_456 * 2


@pytest.mark.parametrize("version", ["0.17.0", "0.19.0", "0.34.0"])
def test_qwen3_5_moe_launch_command_passes_the_release_parser(version) -> None:
    command = _moe_plan(2, version, enable_lora=True, max_loras=4).vllm_command
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in command
    assert command_problems(command, vllm_cli(version)) == []


# Qwen/Qwen3-Next-80B-A3B-Instruct (Qwen3NextForCausalLM; ../shared/model-configs): hidden
# 2,048, 48 layers, 12 full attention (every 4th: 16 q heads, x 2 with the output gate, which
# Qwen3NextAttention takes as getattr(config, "attn_output_gate", True); 2 KV heads of 256) and
# 36 Gated DeltaNet (16 key heads and 32 value heads of 128, conv kernel 4), every layer an MoE
# of 512 experts of 512 with a shared expert of 512 and its gate; no embedding_modules (no
# embedding or lm_head slots). Read in vLLM 0.17.0, 0.18.0, 0.19.0, 0.21.0 and 0.34.0:
# models/qwen3_next.py Qwen3NextForCausalLM packed_modules_mapping in_proj_qkvz
# ["in_proj_qkvz"] and in_proj_ba ["in_proj_ba"], QwenGatedDeltaNetAttention create_qkvz_proj /
# create_ba_proj with gqa_interleaved_layout=True (one output size each; 0.17.0
# Qwen3NextGatedDeltaNet's in_proj_ba [32] x 2), lora/layers/column_parallel_linear.py
# ColumnParallelLinearWithLoRA.can_replace_layer (a MergedColumnParallelLinear packed as one:
# one A), no is_3d_moe_weight (FusedMoEWithLoRA, two w13 A). 4 LoRAs of rank 16, 2 B each.
# TP=1: in_proj_qkvz 4 x (16 x 2,048 + 12,288 x 16) = 917,504; in_proj_ba 4 x (16 x 2,048 +
# 64 x 16) = 135,168; conv1d 524,544 and out_proj 393,216 as Qwen3.5-35B-A3B's: 1,970,432 per
# GDN layer; attention 1,376,256 as above; MoE gate 4 x (16 x 2,048 + 512 x 16) = 163,840,
# shared_expert_gate 131,136, shared gate_up 327,680 and down 163,840 as above, experts 4 x
# 512 x (2 x 16 x 2,048 + 1,024 x 16 + 16 x 512 + 2,048 x 16) = 2,048 x 122,880 =
# 251,658,240; flags 48 x 5 x 4 B = 960 B.
# TP=2: in_proj_qkvz 4 x (32,768 + 6,144 x 16) = 524,288; in_proj_ba 4 x (32,768 + 32 x 16) =
# 133,120; conv1d 262,400; out_proj 262,144 (1,181,952); attention 950,272 as above; gate
# 163,840; shared_expert_gate 131,136; shared gate_up 294,912 and down 147,456 as above;
# experts 2,048 x (65,536 + 512 x 16 + 16 x 256 + 32,768) = 226,492,416; no lm_head mapping.
NEXT = "Qwen/Qwen3-Next-80B-A3B-Instruct"
NEXT_TP1_BYTES = (36 * 1_970_432 + 12 * 1_376_256 + 48 * (
    163_840 + 131_136 + 327_680 + 163_840 + 251_658_240)) * 2 + 960 + PUNICA
NEXT_TP2_BYTES = (36 * 1_181_952 + 12 * 950_272 + 48 * (
    163_840 + 131_136 + 294_912 + 147_456 + 226_492_416)) * 2 + 960 + PUNICA


@pytest.mark.parametrize(("tp", "version", "expected"), [
    (1, "0.34.0", NEXT_TP1_BYTES), (2, "0.34.0", NEXT_TP2_BYTES),
    (2, "0.17.0", NEXT_TP2_BYTES - PUNICA + PUNICA_TO_028),
    (2, "0.21.0", NEXT_TP2_BYTES - PUNICA + PUNICA_TO_028 + 48 * 163_840 * 2)])
def test_qwen3_next_slots_as_worked_by_hand(tp, version, expected) -> None:
    assert (NEXT_TP1_BYTES, NEXT_TP2_BYTES) == (24_410_014_784, 21_922_382_912)
    lora = plan(PlanRequest(
        model=catalog_spec(NEXT), cluster=preset_cluster("h100", 2), layout=ParallelLayout(tp=tp),
        engine=EngineSettings(vllm_version=version, enable_lora=True, max_loras=4,
                              max_lora_rank=16)))
    assert lora.lora_bytes_per_gpu == expected
    term = next(t for t in lora.terms if t.key == "lora")
    assert "in_proj_ba 36 x" in term.formula and "lm_head" not in term.formula
    assert "FusedMoEWithLoRA" in term.note


@pytest.mark.parametrize("version", ["0.17.0", "0.19.0", "0.34.0"])
def test_qwen3_next_launch_command_passes_the_release_parser(version) -> None:
    # TP=4 on 4 H100s: at TP=2 the 80B weights and 20.4 GiB of slots leave no KV cache
    command = plan(PlanRequest(
        model=catalog_spec(NEXT), cluster=preset_cluster("h100", 4), layout=ParallelLayout(tp=4),
        engine=EngineSettings(vllm_version=version, enable_lora=True, max_loras=4))).vllm_command
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in command
    assert command_problems(command, vllm_cli(version)) == []


def test_a_quantized_qwen3_5_moe_before_0_20_is_refused_in_one_line(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4", "--gpu",
                            "h100", "--gpus", "2", "--tp", "2", "--enable-lora",
                            "--vllm-version", "0.19.1")
    assert code == 2 and "quantized experts" in err and "not planned" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("tp", "expected"), [(1, MOE_TP1_BYTES), (2, MOE_TP2_BYTES)])
def test_the_nvfp4_qwen3_6_moe_holds_qwen3_5_moe_slots_from_0_20(tp, expected) -> None:
    # nvidia__Qwen3.6-35B-A3B-NVFP4.json's text_config has Qwen3.5-35B-A3B's shapes (hidden
    # 2,048, 40 layers, 30 GDN + 10 attention, 256 experts of 512 and a shared expert of 512,
    # vocabulary 248,320, untied); its ModelOpt MIXED_PRECISION keeps the experts, the shared
    # expert and lm_head W4A16 NVFP4 and the attention / GDN projections FP8: the experts run on
    # MarlinExperts under LoRA from 0.20.0, and every LoRA slot is 16-bit whatever its base
    # layer's format, so the slots are MOE_TP1_BYTES / MOE_TP2_BYTES
    spec = parse_model_config(*load_ref_config("nvidia__Qwen3.6-35B-A3B-NVFP4"),
                              name="nvidia/Qwen3.6-35B-A3B-NVFP4")
    lora = plan(PlanRequest(model=spec, cluster=preset_cluster("h100", 2),
                            layout=ParallelLayout(tp=tp), engine=EngineSettings(
                                vllm_version="0.34.0", enable_lora=True, max_loras=4)))
    assert not lora.errors and lora.lora_bytes_per_gpu == expected


def test_qwen3_5_wraps_the_embed_tokens_every_pp_stage_builds_from_0_29() -> None:
    # vLLM qwen3_5.py Qwen3_5Model (0.29.0 and 0.34.0 wheels) builds embed_tokens unguarded
    # but the lm_head on the last rank only (PPMissingLayer elsewhere), and
    # _create_lora_modules skips a PPMissingLayer only: a middle stage of Qwen3.5-27B holds
    # embed_tokens slots, 4 x (248,320 x 16 + 5,120 x 16) = 16,220,160 elements, no lm_head's;
    # to 0.28.0 the class declares no embedding_modules, so none
    spec = catalog_spec(QWEN3_5)
    parts = stage_parts(spec, range(0), False, False, 1, LoraSettings(4, 16, False, (0, 29, 0)))
    assert [(p.name, p.elements) for p in parts] == [("embed_tokens", 16_220_160)]
    old = LoraSettings(4, 16, False, (0, 28, 0))
    assert stage_parts(spec, range(0), False, False, 1, old) == ()
