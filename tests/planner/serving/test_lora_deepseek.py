"""--enable-lora on DeepSeek-V2-Lite-Chat (DeepseekV2ForCausalLM; planner.serving.lora.deepseek_mla,
lora.moe and lora) and, further down, DeepSeek-V3 / R1 and Kimi-K2 (a q_lora_rank's fused_qkv_a_proj
and q_b_proj), worked by hand from models/deepseek_v2.py, layers/mla.py and lora/ of the vLLM 0.34.0
wheel (and 0.21.0 for the releases that wrap the MLA projections again), with
/work/shared/model-configs/deepseek-ai__DeepSeek-V2-Lite-Chat.json: hidden 2,048, 16 heads,
q_lora_rank null, kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128,
intermediate_size 10,944, first_k_dense_replace 1 (layer 0 dense, layers 1-26 MoE), 64 routed
experts of moe_intermediate_size 1,408, n_shared_experts 2 (one DeepseekV2MLP of 2 x 1,408 = 2,816),
vocabulary 102,400, bfloat16.

N = max_loras = 4, R = max_lora_rank = 16, 2 B per element:
- MLA, every layer: kv_a_proj_with_mqa (ReplicatedLinear(2,048, 512 + 64),
  ReplicatedLinearWithLoRA): 4 x (16 x 2,048 + 576 x 16) = 167,936 at any TP; q_proj
  (ColumnParallelLinear(2,048, 16 x (128 + 64) = 3,072)): 4 x (16 x 2,048 + 3,072 / TP x 16);
  kv_b_proj (ColumnParallelLinear(512, 16 x (128 + 128) = 4,096)): 4 x (16 x 512 + 4,096 / TP
  x 16); o_proj (RowParallelLinear(16 x 128 = 2,048, 2,048)): 4 x (16 x 2,048 / TP + 2,048 x 16);
- layer 0's DeepseekV2MLP: gate_up_proj 4 x (2 x 16 x 2,048 + 2 x 10,944 / TP x 16), down_proj
  4 x (16 x 10,944 / TP + 2,048 x 16);
- each MoE layer: gate (GateLinear(2,048, 64), GateLinearWithLoRA / ReplicatedLinearWithLoRA)
  4 x (16 x 2,048 + 64 x 16) = 135,168 at any TP; shared_experts gate_up_proj 4 x (2 x 16 x
  2,048 + 2 x 2,816 / TP x 16), down_proj 4 x (16 x 2,816 / TP + 2,048 x 16); experts
  (FusedMoEWithLoRA) 4 x 64 x (2 x 16 x 2,048 + 2 x 1,408 / TP x 16 + 16 x 1,408 / TP + 2,048 x
  16); adapter_enabled int32 26 x 5 x 4 = 520 B;
- no embed_tokens / lm_head slots (no embedding_modules), so no lm_head mapping at TP > 1;
- Punica at 8,192 batched tokens and 1,024 sequences: test_lora.PUNICA (0.29.0 on),
  PUNICA_TO_028 before.
"""

import json

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028

DSV2 = "deepseek-ai/DeepSeek-V2-Lite-Chat"
FLAGS = 26 * 5 * 4  # 520 B
GATE = 4 * (16 * 2048 + 64 * 16)  # 135,168
KV_A = 4 * (16 * 2048 + (512 + 64) * 16)  # 167,936
# TP=1: q 4 x (16 x 2,048 + 3,072 x 16) = 327,680; kv_b 4 x (16 x 512 + 4,096 x 16) = 294,912;
# o 4 x (16 x 2,048 + 2,048 x 16) = 262,144
MLA_TP1 = (KV_A, 327_680, 294_912, 262_144)  # kv_a_proj_with_mqa, q_proj, kv_b_proj, o_proj
# layer 0: gate_up 4 x (2 x 16 x 2,048 + 2 x 10,944 x 16) = 1,662,976; down 4 x (16 x 10,944 +
# 2,048 x 16) = 831,488
DENSE_TP1 = 1_662_976 + 831_488
# shared gate_up 4 x (2 x 16 x 2,048 + 2 x 2,816 x 16) = 622,592; shared down 4 x (16 x 2,816
# + 2,048 x 16) = 311,296; experts 4 x 64 x (2 x 16 x 2,048 + 2 x 1,408 x 16 + 16 x 1,408 +
# 2,048 x 16) = 256 x 165,888 = 42,467,328
MOE_TP1 = GATE + 622_592 + 311_296 + 42_467_328  # 43,536,384
SLOTS_TP1 = 27 * sum(MLA_TP1) + DENSE_TP1 + 26 * MOE_TP1  # 1,162,862,592 elements
TP1_BYTES = SLOTS_TP1 * 2 + FLAGS + PUNICA  # 2,326,143,624 B
# TP=2 (8 heads a rank): q 4 x (16 x 2,048 + 1,536 x 16) = 229,376; kv_b 4 x (16 x 512 + 2,048
# x 16) = 163,840; o 4 x (16 x 1,024 + 2,048 x 16) = 196,608
MLA_TP2 = (KV_A, 229_376, 163_840, 196_608)
# gate_up 4 x (2 x 16 x 2,048 + 2 x 5,472 x 16) = 962,560; down 4 x (16 x 5,472 + 2,048 x 16)
# = 481,280
DENSE_TP2 = 962_560 + 481_280
# shared gate_up 4 x (2 x 16 x 2,048 + 2 x 1,408 x 16) = 442,368; shared down 4 x (16 x 1,408 +
# 2,048 x 16) = 221,184; experts 256 x (2 x 16 x 2,048 + 2 x 704 x 16 + 16 x 704 + 2,048 x 16)
# = 256 x 132,096 = 33,816,576
MOE_TP2 = GATE + 442_368 + 221_184 + 33_816_576  # 34,615,296
SLOTS_TP2 = 27 * sum(MLA_TP2) + DENSE_TP2 + 26 * MOE_TP2  # 921,901,056 elements
TP2_BYTES = SLOTS_TP2 * 2 + FLAGS + PUNICA  # 1,844,220,552 B

# --fully-sharded-loras at TP=2 (column A of 8 rows, row B of 1,024; kv_a_proj_with_mqa and the
# gate unsharded): q 4 x (8 x 2,048 + 1,536 x 16) = 163,840; kv_b 4 x (8 x 512 + 2,048 x 16) =
# 147,456; o 4 x (16 x 1,024 + 1,024 x 16) = 131,072; gate_up 4 x (2 x 8 x 2,048 + 2 x 5,472 x
# 16) = 831,488; down 4 x (16 x 5,472 + 1,024 x 16) = 415,744; shared gate_up 4 x (2 x 8 x 2,048
# + 2 x 1,408 x 16) = 311,296; shared down 4 x (16 x 1,408 + 1,024 x 16) = 155,648; experts 256
# x (2 x 8 x 2,048 + 2 x 704 x 16 + 16 x 704 + 1,024 x 16) = 256 x 82,944 = 21,233,664
FS2_BYTES = (27 * (KV_A + 163_840 + 147_456 + 131_072) + 831_488 + 415_744
             + 26 * (GATE + 311_296 + 155_648 + 21_233_664)) * 2 + FLAGS + PUNICA  # 1,171,329,672
# TP=1 x DP=2 + EP: the attention, dense layer and shared experts at TP 1, 32 experts a rank of
# the whole 1,408: 4 x 32 x 165,888 = 21,233,664
EP2_BYTES = (27 * sum(MLA_TP1) + DENSE_TP1 + 26 * (GATE + 622_592 + 311_296 + 21_233_664)) * 2 \
    + FLAGS + PUNICA  # 1,221,993,096 B


def _aliased(mla: tuple[int, int, int, int]) -> int:
    """One MLA layer's slots before vLLM 0.22.0: kv_a_proj_with_mqa, q_proj and o_proj wrapped
    twice (self_attn's and the MLA wrapper's paths), kv_b_proj three times (its MLAAttention's
    too)."""
    kv_a, q, kv_b, o = mla
    return 2 * kv_a + 2 * q + 3 * kv_b + 2 * o


# 0.21.0 at TP=1: the MLA aliases (2 x 167,936 + 2 x 327,680 + 3 x 294,912 + 2 x 262,144 =
# 2,400,256 a layer) and the router gate twice (GATE_WRAPPED_TWICE: mlp.gate and
# mlp.experts.runner.gate), Punica's five token rows
TP1_0210 = (27 * _aliased(MLA_TP1) + DENSE_TP1 + 26 * (MOE_TP1 + GATE)) * 2 + FLAGS \
    + PUNICA_TO_028  # 2,406,007,432 B
# 0.19.0 / 0.20.0 at TP=2: the aliases, the gate once
TP2_0190 = (27 * _aliased(MLA_TP2) + DENSE_TP2 + 26 * MOE_TP2) * 2 + FLAGS + PUNICA_TO_028


def _plan(tp: int = 1, version: str = "0.34.0", model: str = DSV2, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", 2),
        layout=ParallelLayout(tp=tp),
        engine=EngineSettings(vllm_version=version, **engine)))


def _lora(**engine) -> dict:
    return {"enable_lora": True, "max_loras": 4, "max_lora_rank": 16, **engine}


@pytest.mark.parametrize(("tp", "version", "expected"), [
    (1, "0.34.0", TP1_BYTES), (2, "0.34.0", TP2_BYTES), (1, "0.29.0", TP1_BYTES),
    (1, "0.22.0", TP1_BYTES - PUNICA + PUNICA_TO_028), (1, "0.21.0", TP1_0210),
    (2, "0.19.0", TP2_0190), (2, "0.20.2", TP2_0190)])
def test_deepseek_v2_lite_slots_as_worked_by_hand(tp, version, expected) -> None:
    base = _plan(tp, version)
    lora = _plan(tp, version, **_lora())
    assert not lora.errors, lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert (TP1_BYTES, TP2_BYTES, TP1_0210) == (2_326_143_624, 1_844_220_552, 2_406_007_432)


def test_fully_sharded_and_expert_parallel_as_worked_by_hand() -> None:
    fs2 = _plan(2, **_lora(fully_sharded_loras=True))
    assert not fs2.errors and fs2.lora_bytes_per_gpu == FS2_BYTES
    ep2 = plan(PlanRequest(model=catalog_spec(DSV2), cluster=preset_cluster("h100", 2),
                           layout=ParallelLayout(tp=1, dp=2, ep=True),
                           engine=EngineSettings(**_lora())))
    assert not ep2.errors and ep2.lora_bytes_per_gpu == EP2_BYTES
    assert (FS2_BYTES, EP2_BYTES) == (1_171_329_672, 1_221_993_096)


def test_the_lora_term_names_the_mla_projections_and_their_aliases() -> None:
    term = next(t for t in _plan(**_lora()).terms if t.key == "lora")
    assert ("kv_a_proj_with_mqa 27 x 167,936 + q_proj 27 x 327,680 + kv_b_proj 27 x 294,912 + "
            "o_proj 27 x 262,144 + gate_up_proj 1,662,976 + down_proj 831,488 + gate 26 x "
            "135,168 + experts 26 x 42,467,328 + shared_experts.gate_up_proj 26 x 622,592 + "
            "shared_experts.down_proj 26 x 311,296") in term.formula
    assert "no embedding or lm_head slots" in term.note and "wrapped_by_id" not in term.note
    old = next(t for t in _plan(version="0.21.0", **_lora()).terms if t.key == "lora")
    assert "kv_b_proj 27 x 884,736" in old.formula  # 3 x 294,912
    assert "each wrapped 2 times and kv_b_proj 3" in old.note



# vLLM 0.17.0-0.34.0 layers/attention/mla_attention.py, read for every release: kv_b_proj is
# called in forward_mha, _compute_prefill_context and _context_parallel_compute_prefill_context
# only (sparse_mla_attention.py from 0.27.0: forward_mha, _compute_context_mha), while the
# decode, forward_mqa, multiplies by W_UK_T / W_UV that process_weights_after_loading made from
# kv_b_proj's base weight at load, before any adapter: an adapter's kv_b_proj delta reaches
# prefill tokens only. The plan says so wherever its warnings show.
MLA_DECODE_WORDS = "vLLM applies an adapter's kv_b_proj delta in prefill only"


def test_a_deepseek_lora_plan_warns_that_kv_b_proj_adapts_prefill_only(capsys) -> None:
    [warning] = [w for w in _plan(**_lora()).warnings if MLA_DECODE_WORDS in w]
    for words in ("W_UK / W_UV", "process_weights_after_loading", "forward_mha",
                  "_compute_prefill_context", "_context_parallel_compute_prefill_context",
                  "vLLM 0.17.0-0.34.0"):
        assert words in warning, words
    assert [w for w in _plan(version="0.21.0", **_lora()).warnings if MLA_DECODE_WORDS in w]
    assert sum(MLA_DECODE_WORDS in w for w in _plan(tp=2, **_lora()).warnings) == 1
    assert not any(MLA_DECODE_WORDS in w for w in _plan().warnings)  # no LoRA, no warning
    llama = _plan(model="meta-llama/Llama-3.1-8B-Instruct", **_lora())
    assert not any(MLA_DECODE_WORDS in w for w in llama.warnings)  # no MLA
    lora = ("--model", DSV2, "--gpu", "h100", "--enable-lora", "--max-loras", "4")
    code, out, _ = run_main(capsys, "plan", *lora)
    assert code == 0 and f"warning: --enable-lora with MLA attention: {MLA_DECODE_WORDS}" in out
    code, out, _ = run_main(capsys, "plan", *lora, "--json")
    assert code == 0 and warning in json.loads(out)["warnings"]
    code, out, _ = run_main(capsys, "report", *lora)  # (its Markdown escapes the leading --)
    assert code == 0 and "- Warning: \\--enable-lora with MLA attention: vLLM applies an " in out
    assert "prefill only" in out

def test_vllm_0_17_and_0_18_fail_at_start_up_on_the_gatelinear_gate(capsys) -> None:
    # lora/layers/replicated_linear.py (0.17.0, 0.18.0): `type(source_layer) is
    # ReplicatedLinear`, so from_layer leaves the GateLinear gate and register_module asserts
    for version in ("0.17.0", "0.17.1", "0.18.0", "0.18.1"):
        assert any('"Module model.layers.1.mlp.gate must be a BaseLayerWithLoRA instance' in e
                   for e in _plan(version=version, **_lora()).errors), version
    code, _, err = run_main(capsys, "plan", "--model", DSV2, "--gpu", "h100", "--enable-lora",
                            "--vllm-version", "0.18.1")
    assert code == 2 and "vLLM 0.18.1 fails at start-up" in err
    assert len(err.strip().splitlines()) == 1


V3 = "deepseek-ai/DeepSeek-V3"
# DeepSeek-V3 / DeepSeek-R1 (/work/shared/model-configs/deepseek-ai__DeepSeek-V3.json and
# __DeepSeek-R1.json, the same numbers): hidden 7,168, 128 heads, q_lora_rank 1,536, kv_lora_rank
# 512, qk_nope 128, qk_rope 64, v 128, intermediate_size 18,432, first_k_dense_replace 3 (layers
# 0-2 dense, 3-60 MoE), 256 routed experts of moe_intermediate_size 2,048, 1 shared expert,
# FP8 block-128 weights (the experts: lora.moe's FP8 rule), bfloat16 slots. 8x H200, TP=8 (16
# heads a rank), N = 4, R = 16:
# - fused_qkv_a_proj (MergedColumnParallelLinear(7,168, [1,536, 512 + 64]), disable_tp: whole on
#   every rank): 4 x (2 x 16 x 7,168 + (1,536 + 576) x 16) = 4 x (229,376 + 33,792) = 1,052,672
# - q_b_proj (ColumnParallelLinear(1,536, 128 x 192)): 4 x (16 x 1,536 + 16 x 192 x 16) =
#   4 x (24,576 + 49,152) = 294,912
# - kv_b_proj: 4 x (16 x 512 + 16 x 256 x 16) = 4 x (8,192 + 65,536) = 294,912
# - o_proj: 4 x (16 x 16 x 128 + 7,168 x 16) = 4 x (32,768 + 114,688) = 589,824
V3_MLA = (1_052_672, 294_912, 294_912, 589_824)  # fused_qkv_a_proj, q_b_proj, kv_b_proj, o_proj
# dense (18,432 / 8 = 2,304): gate_up 4 x (2 x 16 x 7,168 + 2 x 2,304 x 16) = 4 x (229,376 +
# 73,728) = 1,212,416; down 4 x (16 x 2,304 + 7,168 x 16) = 4 x (36,864 + 114,688) = 606,208
V3_DENSE = 1_212_416 + 606_208
# MoE: gate 4 x (16 x 7,168 + 256 x 16) = 475,136; experts (2,048 / 8 = 256 a rank) 4 x 256 x
# (2 x 16 x 7,168 + 2 x 256 x 16 + 16 x 256 + 7,168 x 16) = 1,024 x 356,352 = 364,904,448;
# shared gate_up 4 x (229,376 + 2 x 256 x 16) = 950,272; shared down 4 x (16 x 256 + 114,688) =
# 475,136
V3_GATE = 475_136
V3_MOE = V3_GATE + 364_904_448 + 950_272 + 475_136  # 366,804,992
V3_FLAGS = 58 * 5 * 4  # 1,160 B
# 61 x 2,232,320 + 3 x 1,818,624 + 58 x 366,804,992 = 21,416,316,928 elements
V3_BYTES = (61 * sum(V3_MLA) + 3 * V3_DENSE + 58 * V3_MOE) * 2 + V3_FLAGS + PUNICA  # 42,833,052,936
# 0.20.x: fused_qkv_a_proj, q_b_proj and o_proj twice, kv_b_proj three times (the MLA wrapper's
# references): 2 x 1,052,672 + 2 x 294,912 + 3 x 294,912 + 2 x 589,824 = 4,759,552 a layer
V3_BYTES_020 = (61 * _aliased(V3_MLA) + 3 * V3_DENSE + 58 * V3_MOE) * 2 + V3_FLAGS \
    + PUNICA_TO_028  # 43,141,440,776 B
# 0.21.0: the router gate twice too (GATE_WRAPPED_TWICE): + 58 x 475,136 x 2 B
V3_BYTES_021 = V3_BYTES_020 + 58 * V3_GATE * 2  # 43,196,556,552 B
# --fully-sharded-loras at TP=8 (0.34.0): fused_qkv_a_proj unchanged (its tp_size is 1: A of 16
# rows); column A of 2 rows, row B of 896: q_b 4 x (2 x 1,536 + 3,072 x 16) = 208,896; kv_b 4 x
# (2 x 512 + 4,096 x 16) = 266,240; o 4 x (32,768 + 896 x 16) = 188,416; gate_up 4 x (2 x 2 x
# 7,168 + 73,728) = 409,600; down 4 x (36,864 + 896 x 16) = 204,800; shared gate_up 4 x (28,672
# + 8,192) = 147,456; shared down 4 x (4,096 + 14,336) = 73,728; experts 1,024 x (2 x 2 x 7,168
# + 2 x 256 x 16 + 16 x 256 + 896 x 16) = 1,024 x 55,296 = 56,623,104
V3_FS8_BYTES = (61 * (1_052_672 + 208_896 + 266_240 + 188_416) + 3 * (409_600 + 204_800)
                + 58 * (V3_GATE + 56_623_104 + 147_456 + 73_728)) * 2 + V3_FLAGS + PUNICA
# Kimi-K2-Instruct (moonshotai__Kimi-K2-Instruct.json): 64 heads (8 a rank at TP=8), 384 experts,
# first_k_dense_replace 1 (layer 0 dense, 60 MoE), else DeepSeek-V3's numbers. q_b 4 x (24,576 +
# 8 x 192 x 16) = 196,608; kv_b 4 x (8,192 + 8 x 256 x 16) = 163,840; o 4 x (16 x 8 x 128 +
# 114,688) = 524,288; gate 4 x (114,688 + 384 x 16) = 483,328; experts 4 x 384 x 356,352 =
# 547,356,672
KIMI_MOE = 483_328 + 547_356_672 + 950_272 + 475_136  # 549,265,408
KIMI_BYTES = (61 * (1_052_672 + 196_608 + 163_840 + 524_288) + V3_DENSE + 60 * KIMI_MOE) * 2 \
    + 60 * 5 * 4 + PUNICA  # 66,152,269,104 B


def _v3(version: str = "0.34.0", model: str = V3, gpu: str = "h200", **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, 8),
                            layout=ParallelLayout(tp=8),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


@pytest.mark.parametrize(("model", "version", "expected"), [
    (V3, "0.34.0", V3_BYTES), ("deepseek-ai/DeepSeek-R1", "0.34.0", V3_BYTES),
    (V3, "0.22.0", V3_BYTES - PUNICA + PUNICA_TO_028), (V3, "0.21.0", V3_BYTES_021),
    (V3, "0.20.2", V3_BYTES_020), (V3, "0.20.0", V3_BYTES_020)])
def test_deepseek_v3_slots_on_8_h200_as_worked_by_hand(model, version, expected) -> None:
    base = _v3(version, model)
    lora = _v3(version, model, **_lora())
    assert not lora.errors and lora.fits, lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in lora.vllm_command
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []
    assert (V3_BYTES, V3_BYTES_020, V3_BYTES_021) == (42_833_052_936, 43_141_440_776,
                                                      43_196_556_552)


def test_deepseek_v3_fully_sharded_and_kimi_k2_as_worked_by_hand() -> None:
    fs8 = _v3(**_lora(fully_sharded_loras=True))
    assert not fs8.errors and fs8.lora_bytes_per_gpu == V3_FS8_BYTES == 6_862_537_992
    # Kimi-K2 at TP=8 does not fit 8x H100 (its weights alone); its slots are sized all the same
    kimi = _v3(model="moonshotai/Kimi-K2-Instruct", gpu="h100", **_lora())
    assert kimi.lora_bytes_per_gpu == KIMI_BYTES == 66_152_269_104


def test_the_lora_term_names_the_fused_qkv_a_proj() -> None:
    term = next(t for t in _v3(**_lora()).terms if t.key == "lora")
    assert ("fused_qkv_a_proj 61 x 1,052,672 + q_b_proj 61 x 294,912 + kv_b_proj 61 x 294,912 + "
            "o_proj 61 x 589,824 + gate_up_proj 3 x 1,212,416") in term.formula
    assert "fused_qkv_a_proj (q_a_proj + kv_a_proj_with_mqa) unsharded, 2 slices" in term.note
    assert "kv_a_proj_with_mqa 61" not in term.formula


@pytest.mark.parametrize(("version", "cls"), [
    ("0.17.0", "DeepSeekV2FusedQkvAProj"), ("0.18.1", "DeepSeekV2FusedQkvAProjLinear"),
    ("0.19.0", "DeepSeekV2FusedQkvAProjLinear"), ("0.19.1", "DeepSeekV2FusedQkvAProjLinear")])
def test_before_0_20_a_q_lora_rank_fails_at_start_up_on_fused_qkv_a_proj(version, cls) -> None:
    # lora/layers/column_parallel_linear.py (0.17.0-0.19.1): MergedColumnParallelLinearWithLoRA
    # takes `type(source_layer) is MergedColumnParallelLinear` only; layer 0's attention is met
    # before layer 3's GateLinear gate
    lora = _v3(version, **_lora())
    assert lora.errors == [
        f"--enable-lora: vLLM {version} fails at start-up (\"Module model.layers.0.self_attn."
        "fused_qkv_a_proj must be a BaseLayerWithLoRA instance, got <class 'vllm.model_executor."
        f"models.deepseek_v2.{cls}'>\", lora/model_manager.py: MergedColumnParallelLinearWithLoRA "
        "takes the q_lora_rank's fused_qkv_a_proj, a MergedColumnParallelLinear subclass, from "
        "vLLM 0.20.0)"]


def test_a_q_lora_rank_refused_by_the_cli_in_one_line(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "deepseek-ai/DeepSeek-R1", "--gpu", "h200",
                            "--gpus", "8", "--tp", "8", "--enable-lora", "--vllm-version",
                            "0.19.1")
    assert code == 2 and "vLLM 0.19.1 fails at start-up" in err and "fused_qkv_a_proj" in err
    assert len(err.strip().splitlines()) == 1


def test_ep_at_tp_and_dp_over_one_is_refused_as_vllm_asserts() -> None:
    # deepseek_v2.py DeepseekV2MoE passes is_sequence_parallel = use_sequence_parallel_moe (EP,
    # TP > 1, DP > 1) to its experts, which FusedMoEWithLoRA._ep_check asserts against
    layout = ParallelLayout(tp=2, dp=2, ep=True)
    with pytest.raises(LayoutRefused, match="at TP > 1 and DP > 1: vLLM fails at start-up"):
        plan(PlanRequest(model=catalog_spec(DSV2), cluster=preset_cluster("h100", 4),
                         layout=layout, engine=EngineSettings(**_lora())))


V32 = "deepseek-ai/DeepSeek-V3.2"
# DeepSeek-V3.2 (/work/shared/model-configs/deepseek-ai__DeepSeek-V3.2.json): DeepSeek-V3's numbers
# (hidden 7,168, 128 heads, q_lora_rank 1,536, kv_lora_rank 512, 61 layers, 3 dense, 256 experts of
# 2,048, 1 shared, FP8 block-128) plus the sparse-attention indexer: index_n_heads 64,
# index_head_dim 128, index_topk 2,048; no indexer_types / index_topk_freq, so
# models/utils.py compute_skip_topk_layers skips none and every layer builds one.
# vLLM registers DeepseekV32ForCausalLM as deepseek_v2.py's DeepseekV3ForCausalLM to 0.28.0 and as
# vllm/models/deepseek_v32 DeepseekV32ForCausalLM (a DeepseekV2ForCausalLM: the same
# packed_modules_mapping, no embedding_modules, DeepseekV2MoE / DeepseekV2MLP) from 0.29.0. The
# indexer (deepseek_v2.py Indexer; 0.29.0 on deepseek_v32/attention.py DeepseekV32Indexer) holds
# - wq_b = ReplicatedLinear(q_lora_rank, index_head_dim x index_n_heads = 8,192):
#   ReplicatedLinearWithLoRA (isinstance, 0.20.0 on), whole on every rank: 4 x (16 x 1,536 +
#   8,192 x 16) = 4 x (24,576 + 131,072) = 622,592 elements a layer;
# - wk_weights_proj = MergedColumnParallelLinear(7,168, [128, 64], disable_tp) (0.20.0 on; wk and
#   weights_proj before): not in packed_modules_mapping, so from_layer gets [] and no class takes
#   it (ColumnParallelLinearWithLoRA wants 1 name, MergedColumnParallelLinearWithLoRA 2, the
#   variable-slice class 3+ output sizes): lora/model_manager.py warns "could not be wrapped by
#   any LoRA layer implementation ... It will be ignored." (0.20.0 on): no slots;
# - k_norm (LayerNorm), k_cache, indexer_op: not LinearBase, no slots.
# Before 0.22.0 the indexer is held three times (self_attn.indexer, the MLA wrapper's
# mla_attn.indexer, its MLAAttention's mla_attn.mla_attn.indexer), but as one Indexer object:
# replace_submodule sets the wrapper on that object, so _create_lora_modules' live
# named_modules walk meets the wrapper at the alias paths, no class takes a BaseLayerWithLoRA and
# it is registered again without new slots: wq_b once in every release.
V32_WQ_B = 4 * (16 * 1536 + 64 * 128 * 16)  # 622,592
V32_BYTES = V3_BYTES + 61 * V32_WQ_B * 2  # 42,833,052,936 + 75,956,224 = 42,909,009,160 B
V32_BYTES_020 = V3_BYTES_020 + 61 * V32_WQ_B * 2  # 43,217,397,000 B
V32_BYTES_021 = V3_BYTES_021 + 61 * V32_WQ_B * 2  # 43,272,512,776 B


@pytest.mark.parametrize(("version", "expected"), [
    ("0.34.0", V32_BYTES), ("0.29.0", V32_BYTES),
    ("0.28.0", V32_BYTES - PUNICA + PUNICA_TO_028), ("0.22.0", V32_BYTES - PUNICA + PUNICA_TO_028),
    ("0.21.0", V32_BYTES_021), ("0.20.0", V32_BYTES_020)])
def test_deepseek_v3_2_slots_on_8_h200_as_worked_by_hand(version, expected) -> None:
    # the indexer's weights, top-k buffer and cache leave the default budget no KV room with
    # these slots (as DeepSeek-V3 has): at 0.95 it fits
    base = _v3(version, V32, gpu_memory_utilization=0.95)
    lora = _v3(version, V32, gpu_memory_utilization=0.95, **_lora())
    assert not lora.errors and lora.fits, lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []
    assert (V32_BYTES, V32_BYTES_020, V32_BYTES_021) == (42_909_009_160, 43_217_397_000,
                                                         43_272_512_776)


def test_the_lora_term_names_the_indexer_wq_b() -> None:
    term = next(t for t in _v3(model=V32, **_lora()).terms if t.key == "lora")
    assert "o_proj 61 x 589,824 + indexer.wq_b 61 x 622,592 + gate_up_proj 3 x" in term.formula
    assert "indexer's" in term.note and "wk_weights_proj" in term.note
    assert "indexer" not in next(t for t in _v3(**_lora()).terms if t.key == "lora").note


def test_deepseek_v3_2_before_0_20_fails_at_start_up_on_fused_qkv_a_proj(capsys) -> None:
    assert _v3("0.17.1", V32, **_lora()).errors == _v3("0.17.1", **_lora()).errors
    code, _, err = run_main(capsys, "plan", "--model", V32, "--gpu", "h200", "--gpus", "8", "--tp",
                            "8", "--enable-lora", "--vllm-version", "0.19.0")
    assert code == 2 and "vLLM 0.19.0 fails at start-up" in err and "fused_qkv_a_proj" in err
    assert len(err.strip().splitlines()) == 1


GLM5 = "zai-org/GLM-5"
# GLM-5 (GlmMoeDsaForCausalLM; /work/shared/model-configs/zai-org__GLM-5.json): hidden 6,144, 64
# heads (8 a rank at TP=8), q_lora_rank 2,048, kv_lora_rank 512, qk_nope_head_dim 192,
# qk_rope_head_dim 64, v_head_dim 256, index_n_heads 32, index_head_dim 128, index_topk 2,048,
# intermediate_size 12,288, first_k_dense_replace 3 (layers 0-2 dense, 3-77 MoE), 256 routed
# experts of moe_intermediate_size 2,048, 1 shared expert, vocabulary 154,880, untied, bfloat16
# (unquantized). vLLM 0.17.0-0.28.0 models/deepseek_v2.py: `class
# GlmMoeDsaForCausalLM(DeepseekV2ForCausalLM): pass` (is_v32 from index_topk); 0.29.0-0.34.0
# vllm/models/deepseek_v32/__init__.py: `from .nvidia.model import DeepseekV32ForCausalLM as
# GlmMoeDsaForCausalLM` on CUDA: DeepSeek-V3.2's rules with these numbers. 8x H200, TP=8, N = 4,
# R = 16, 0.34.0:
# - fused_qkv_a_proj ([2,048, 512 + 64], whole on every rank): 4 x (2 x 16 x 6,144 + 2,624 x 16)
#   = 4 x (196,608 + 41,984) = 954,368
# - q_b_proj (2,048 -> 64 x 256, 2,048 a rank): 4 x (16 x 2,048 + 2,048 x 16) = 262,144
# - kv_b_proj (512 -> 64 x (192 + 256), 3,584 a rank): 4 x (16 x 512 + 3,584 x 16) = 262,144
# - o_proj (64 x 256 -> 6,144, 2,048 inputs a rank): 4 x (16 x 2,048 + 6,144 x 16) = 524,288
# - indexer.wq_b (2,048 -> 32 x 128, replicated): 4 x (16 x 2,048 + 4,096 x 16) = 393,216
GLM5_ATTN = 954_368 + 262_144 + 262_144 + 524_288 + 393_216  # 2,396,160 a layer
# dense (12,288 / 8 = 1,536): gate_up 4 x (2 x 16 x 6,144 + 2 x 1,536 x 16) = 983,040; down 4 x
# (16 x 1,536 + 6,144 x 16) = 491,520
GLM5_DENSE = 983_040 + 491_520
# MoE: gate 4 x (16 x 6,144 + 256 x 16) = 409,600; experts (2,048 / 8 = 256 a rank) 4 x 256 x
# (2 x 16 x 6,144 + 2 x 256 x 16 + 16 x 256 + 6,144 x 16) = 1,024 x 307,200 = 314,572,800; shared
# gate_up 4 x (196,608 + 2 x 256 x 16) = 819,200; shared down 4 x (16 x 256 + 98,304) = 409,600
GLM5_GATE = 409_600
GLM5_MOE = GLM5_GATE + 314_572_800 + 819_200 + 409_600  # 316,211,200
# 78 x 2,396,160 + 3 x 1,474,560 + 75 x 316,211,200 = 23,907,164,160 elements
GLM5_BYTES = (78 * GLM5_ATTN + 3 * GLM5_DENSE + 75 * GLM5_MOE) * 2 + 75 * 5 * 4 \
    + PUNICA  # 47,814,747,740 B
# 0.20.x: fused_qkv_a_proj, q_b_proj and o_proj twice, kv_b_proj three times, wq_b once:
# + 78 x (954,368 + 262,144 + 2 x 262,144 + 524,288) x 2 B = 353,353,728 B; 0.21.0 the router
# gate twice too: + 75 x 409,600 x 2 B = 61,440,000 B
GLM5_BYTES_020 = GLM5_BYTES - PUNICA + PUNICA_TO_028 + 78 * 2_265_088 * 2  # 48,168,167,004 B


@pytest.mark.parametrize(("version", "expected"), [
    ("0.34.0", GLM5_BYTES), ("0.29.0", GLM5_BYTES), ("0.28.0", GLM5_BYTES - PUNICA + PUNICA_TO_028),
    ("0.21.0", GLM5_BYTES_020 + 75 * GLM5_GATE * 2), ("0.20.0", GLM5_BYTES_020)])
def test_glm_5_slots_on_8_h200_as_worked_by_hand(version, expected) -> None:
    # its BF16 weights alone (176.73 GiB a GPU at TP=8) do not fit an H200: sized all the same
    lora = _v3(version, GLM5, **_lora())
    assert lora.lora_bytes_per_gpu == expected
    assert not any("enable-lora" in e for e in lora.errors), lora.errors
    assert (GLM5_BYTES, GLM5_BYTES_020) == (47_814_747_740, 48_168_167_004)
    term = next(t for t in lora.terms if t.key == "lora")
    assert "indexer.wq_b 78 x 393,216 + gate_up_proj 3 x 983,040" in term.formula


def test_glm_5_before_0_20_fails_at_start_up_as_deepseek_v3_2(capsys) -> None:
    assert _v3("0.19.1", GLM5, **_lora()).errors[0] == _v3("0.19.1", V32, **_lora()).errors[0]
    code, _, err = run_main(capsys, "plan", "--model", GLM5, "--gpu", "h200", "--gpus", "8", "--tp",
                            "8", "--enable-lora", "--vllm-version", "0.18.0")
    assert code == 2 and "vLLM 0.18.0 fails at start-up" in err and "fused_qkv_a_proj" in err
    assert len(err.strip().splitlines()) == 1
