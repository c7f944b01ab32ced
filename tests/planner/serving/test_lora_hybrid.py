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
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main

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


@pytest.mark.parametrize(("model", "words"), [
    ("Qwen/Qwen3.5-35B-A3B", "Qwen3_5MoeForConditionalGeneration is not read"),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "Qwen3NextForCausalLM is not read")])
def test_the_moe_hybrids_stay_refused_in_one_line(capsys, model, words) -> None:
    code, _, err = run_main(capsys, "plan", "--model", model, "--gpu", "h100", "--gpus", "2",
                            "--tp", "2", "--enable-lora")
    assert code == 2 and words in err and "qwen3_5.py" in err
    assert len(err.strip().splitlines()) == 1
