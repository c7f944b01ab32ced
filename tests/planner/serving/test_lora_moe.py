"""--enable-lora on an MoE model (planner.serving.lora_moe): Qwen3-30B-A3B's LoRA slots, worked
by hand from the vLLM 0.34.0 wheel's source (the same lines in 0.17.0, 0.24.0 and 0.31.0), with
Qwen3-30B-A3B's config (/work/shared/model-configs/Qwen__Qwen3-30B-A3B.json): hidden 2,048, 32
query / 4 KV heads of 128, 128 experts of moe_intermediate_size 768, decoder_sparse_step 1 and
no mlp_only_layers (48 MoE layers), vocabulary 151,936, untied, bfloat16.

N = max_loras = 4, R = max_lora_rank = 16, 2 B per element (lora_dtype auto):
- qkv_proj / o_proj: the dense rules (lora/layers/column_parallel_linear.py
  MergedQKVParallelLinearWithLoRA, row_parallel_linear.py RowParallelLinearWithLoRA);
- gate (models/qwen3_moe.py Qwen3MoeSparseMoeBlock.gate, a ReplicatedLinear / GateLinear;
  lora/layers/replicated_linear.py ReplicatedLinearWithLoRA, base_linear.py
  create_lora_weights): A (N, 1, R, 2,048) and B (N, 1, 128, R) = 4 x (16 x 2,048 + 128 x 16)
  = 139,264 elements, unsharded;
- experts (lora/layers/fused_moe.py FusedMoEWithLoRA._create_lora_a_weights and
  _create_lora_b_weights): w13 A 2 x (N, 128, R, 2,048), w13 B 2 x (N, 128, 768 / TP, R), w2 A
  (N, 128, R, 768 / TP), w2 B (N, 128, 2,048, R); adapter_enabled int32 (N + 1) per layer:
  48 x 5 x 4 = 960 B;
- embed_tokens and lm_head (Qwen3MoeForCausalLM.embedding_modules): each 4 x (151,936 x 16 +
  2,048 x 16) = 9,854,976 elements; at TP > 1 the lm_head's int64 mapping over 151,936
  entries (a multiple of 64) = 1,215,488 B;
- Punica at 8,192 batched tokens and 1,024 sequences (0.34.0): 417,920 B (test_lora.PUNICA).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora import LoraSettings, stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028

QWEN3_MOE = "Qwen/Qwen3-30B-A3B"
VOCAB_ENDS = 2 * 9_854_976  # embed_tokens + lm_head elements
FLAGS = 48 * 5 * 4  # the experts' adapter_enabled, 960 B
MAPPING = 151936 * 8  # 1,215,488 B, the lm_head's vocabulary mapping at TP > 1
GATE = 4 * (16 * 2048 + 128 * 16)  # 139,264 elements a layer
# TP=1: qkv 4 x (3 x 16 x 2,048 + (4,096 + 512 + 512) x 16) = 720,896; o 4 x (16 x 4,096 +
# 2,048 x 16) = 393,216; experts 4 x 128 x (2 x 16 x 2,048 + 2 x 768 x 16 + 16 x 768 + 2,048 x
# 16) = 512 x 135,168 = 69,206,016
LAYER_TP1 = 720_896 + 393_216 + GATE + 69_206_016  # 70,459,392
TP1_BYTES = (48 * LAYER_TP1 + VOCAB_ENDS) * 2 + FLAGS + PUNICA  # 6,803,940,416 B
# TP=2: q 16 heads = 2,048 and kv 2 heads = 256 per rank, o_proj input 2,048, expert
# intermediate 384: qkv 4 x (3 x 16 x 2,048 + (2,048 + 256 + 256) x 16) = 557,056; o 4 x (16 x
# 2,048 + 2,048 x 16) = 262,144; experts 512 x (2 x 16 x 2,048 + 2 x 384 x 16 + 16 x 384 +
# 2,048 x 16) = 512 x 116,736 = 59,768,832
LAYER_TP2 = 557_056 + 262_144 + GATE + 59_768_832  # 60,727,296
TP2_BYTES = (48 * LAYER_TP2 + VOCAB_ENDS) * 2 + FLAGS + MAPPING + PUNICA  # 5,870,874,688 B
# --fully-sharded-loras at TP=2: column A and w13 A of 8 rows, row B and w2 B of 1,024 rows:
# qkv 4 x (3 x 8 x 2,048 + 2,560 x 16) = 360,448; o 4 x (16 x 2,048 + 1,024 x 16) = 196,608;
# gate unsharded; experts 512 x (2 x 8 x 2,048 + 2 x 384 x 16 + 16 x 384 + 1,024 x 16) = 512 x
# 67,584 = 34,603,008
LAYER_FS2 = 360_448 + 196_608 + GATE + 34_603_008  # 35,299,328
FS2_BYTES = (48 * LAYER_FS2 + VOCAB_ENDS) * 2 + FLAGS + MAPPING + PUNICA  # 3,429,789,760 B
# TP=1 x DP=2 without EP: the attention at TP 1, the experts sliced over tp x dp = 2
# (FusedMoEParallelConfig.make): 720,896 + 393,216 + 139,264 + 59,768,832 = 61,022,208
DP2_BYTES = (48 * 61_022_208 + VOCAB_ENDS) * 2 + FLAGS + PUNICA  # 5,897,970,752 B


def _plan(tp: int = 1, dp: int = 1, ep: bool = False, version: str = "0.34.0",
          model: str = QWEN3_MOE, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", 2), layout=ParallelLayout(
            tp=tp, dp=dp, ep=ep), engine=EngineSettings(vllm_version=version, **engine)))


def _lora(**engine) -> dict:
    return {"enable_lora": True, "max_loras": 4, "max_lora_rank": 16, **engine}


@pytest.mark.parametrize(("tp", "dp", "fully_sharded", "expected"), [
    (1, 1, False, TP1_BYTES), (2, 1, False, TP2_BYTES), (2, 1, True, FS2_BYTES),
    (1, 2, False, DP2_BYTES)])
def test_qwen3_moe_slots_per_expert_as_worked_by_hand(tp, dp, fully_sharded, expected) -> None:
    base = _plan(tp, dp)
    lora = _plan(tp, dp, **_lora(fully_sharded_loras=fully_sharded))
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert (TP1_BYTES, TP2_BYTES, FS2_BYTES, DP2_BYTES) == (
        6_803_940_416, 5_870_874_688, 3_429_789_760, 5_897_970_752)
    formula = next(t for t in lora.terms if t.key == "lora").formula
    assert "gate 48 x 139,264" in formula and "experts' adapter flags 960 B" in formula


def test_vllm_0_21_wraps_the_router_gate_twice() -> None:
    # 0.21.0: MoERunner is an nn.Module holding the gate, and _create_lora_modules has no
    # wrapped_by_id yet: mlp.gate and mlp.experts.runner.gate each get slots; 0.17.0 (FusedMoE's
    # `_gate`, not a supported suffix) and 0.22.0 (wrapped_by_id) once. Both before 0.29.0: the
    # Punica wrapper's 5 token rows (test_lora.PUNICA_TO_028)
    once = TP1_BYTES - PUNICA + PUNICA_TO_028  # 6,804,005,952 B
    for version, expected in (("0.17.0", once), ("0.21.0", once + 48 * GATE * 2),
                              ("0.22.0", once)):
        assert _plan(version=version, **_lora()).lora_bytes_per_gpu == expected
    parts = stage_parts(catalog_spec(QWEN3_MOE), range(1), False, False, 1,
                        LoraSettings(4, 16, False, (0, 21, 0)))
    assert {p.name: p.elements for p in parts}["gate"] == 2 * GATE == 278_528


@pytest.mark.parametrize("version", [
    "0.17.0", "0.20.2", "0.21.0", "0.24.0", "0.27.1", "0.31.0", "0.34.0"])
def test_the_moe_lora_command_passes_the_release_parser(version) -> None:
    command = _plan(2, version=version, **_lora(fully_sharded_loras=True)).vllm_command
    assert "--enable-lora --max-loras 4 --max-lora-rank 16 --fully-sharded-loras" in command
    assert command_problems(command, vllm_cli(version)) == []


@pytest.mark.parametrize(("version", "words"), [
    ("0.20.0", "EP support for Fused MoE LoRA is not implemented yet"),
    ("0.34.0", "allgather_reducescatter all2all backend, whose per-rank expert slots")])
def test_expert_parallel_is_refused(version, words) -> None:
    with pytest.raises(LayoutRefused, match=words):
        _plan(2, ep=True, version=version, **_lora())


@pytest.mark.parametrize(("model", "engine", "words"), [
    ("Qwen/Qwen3-30B-A3B-FP8", {}, "has quantized experts (fp8)"),
    (QWEN3_MOE, {"quantization": "fp8"}, "quantized at run time (fp8)"),
    (QWEN3_MOE, {"moe_backend": "flashinfer_cutlass"}, "--moe-backend flashinfer_cutlass"),
    ("Qwen/Qwen1.5-MoE-A2.7B", {}, "Qwen2MoeForCausalLM is not read")])
def test_what_is_not_read_stays_refused(model, engine, words) -> None:
    lora = _plan(model=model, **_lora(**engine))
    assert any(words in e for e in lora.errors) and lora.lora_bytes_per_gpu == 0


@pytest.mark.parametrize(("argv", "words"), [
    (("--model", "Qwen/Qwen3-30B-A3B-FP8"), "has quantized experts (fp8)"),
    (("--model", QWEN3_MOE, "--gpus", "2", "--tp", "2", "--ep"), "--enable-expert-parallel"),
])
def test_the_cli_refuses_in_one_line(capsys, argv, words) -> None:
    code, _, err = run_main(capsys, "plan", *argv, "--gpu", "h100", "--enable-lora")
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
