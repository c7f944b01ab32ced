"""--enable-lora on MiniMax-M2.5 / M2.7 (MiniMaxM2ForCausalLM; planner.serving.lora.moe), worked by
hand from models/minimax_m2.py and lora/ of the vLLM 0.34.0 wheel (0.23.0 and 0.31.0 the same
lines; 0.17.0-0.22.1 for the float32 gate) with the catalog's configs
(/work/shared/model-configs/MiniMaxAI__MiniMax-M2.5.json and __MiniMax-M2.7.json, the same
numbers): hidden 3,072, 48 query / 8 KV heads of 128, 62 layers, every one full attention and
MoE (256 experts of intermediate_size 1,536, no shared expert), vocabulary 200,064, untied, FP8
block-128 weights but the router gate (modules_to_not_convert), bfloat16 slots.

vLLM: MiniMaxM2ForCausalLM is SupportsLoRA with packed_modules_mapping qkv_proj only and no
embedding_modules (no embed_tokens / lm_head slots, no lm_head mapping at TP > 1);
MiniMaxM2Attention's qkv_proj (QKVParallelLinear) and o_proj (RowParallelLinear) take the dense
rules; MiniMaxM2MoE's gate (GateLinear(3,072, 256), float32, ReplicatedLinearWithLoRA: whole on
every rank) is not handed to the experts, so wrapped once in every release; its experts are
FusedMoEWithLoRA (is_3d_moe_weight not set). 8x H100, TP=8, N = 4, R = 16, vLLM 0.34.0:
- qkv_proj: 48 / 8 = 6 query heads (768) and max(1, 8 / 8) = 1 KV head (128) a rank:
  4 x (3 x 16 x 3,072 + (768 + 128 + 128) x 16) = 4 x (147,456 + 16,384) = 655,360
- o_proj: 4 x (16 x 768 + 3,072 x 16) = 4 x (12,288 + 49,152) = 245,760
- gate: 4 x (16 x 3,072 + 256 x 16) = 4 x (49,152 + 4,096) = 212,992
- experts without EP: 256 a rank, 1,536 / 8 = 192 wide (the FP8 block scales refined to 64,
  vLLM 0.29.0 on): 4 x 256 x (2 x 16 x 3,072 + 2 x 192 x 16 + 16 x 192 + 3,072 x 16) =
  1,024 x (98,304 + 6,144 + 3,072 + 49,152) = 1,024 x 156,672 = 160,432,128
- experts with --enable-expert-parallel (EP 8, DP 1: not sequence-parallel): 256 / 8 = 32 a
  rank, whole 1,536: 4 x 32 x (98,304 + 2 x 1,536 x 16 + 16 x 1,536 + 49,152) = 128 x 221,184 =
  28,311,552
- adapter_enabled int32 62 x 5 x 4 = 1,240 B; Punica at 8,192 tokens and 1,024 sequences:
  test_lora.PUNICA (0.29.0 on), PUNICA_TO_028 before.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028

M25 = "MiniMaxAI/MiniMax-M2.5"
ATTN_GATE = 655_360 + 245_760 + 212_992  # qkv_proj, o_proj, gate: 1,114,112 a layer
FLAGS = 62 * 5 * 4  # 1,240 B
# 62 x (1,114,112 + 160,432,128) = 10,015,866,880 elements
TP8_BYTES = 62 * (ATTN_GATE + 160_432_128) * 2 + FLAGS + PUNICA  # 20,032,152,920 B
# 62 x (1,114,112 + 28,311,552) = 1,824,391,168 elements
EP8_BYTES = 62 * (ATTN_GATE + 28_311_552) * 2 + FLAGS + PUNICA  # 3,649,201,496 B


def _plan(version: str = "0.34.0", ep: bool = False, model: str = M25, lora: bool = True):
    engine = {"enable_lora": True, "max_loras": 4, "max_lora_rank": 16} if lora else {}
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100", 8),
                            layout=ParallelLayout(tp=8, ep=ep),
                            engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("model", "version", "ep", "expected"), [
    (M25, "0.34.0", False, TP8_BYTES), ("MiniMaxAI/MiniMax-M2.7", "0.34.0", False, TP8_BYTES),
    (M25, "0.29.0", False, TP8_BYTES), (M25, "0.34.0", True, EP8_BYTES),
    (M25, "0.23.0", True, EP8_BYTES - PUNICA + PUNICA_TO_028)])
def test_minimax_m2_slots_on_8_h100_as_worked_by_hand(model, version, ep, expected) -> None:
    base = _plan(version, ep, model, lora=False)
    lora = _plan(version, ep, model)
    assert not lora.errors and lora.fits, lora.errors
    assert lora.lora_bytes_per_gpu == expected
    # the FP8 weights are unchanged: the plan grows by the slots alone
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    if version == "0.34.0":  # (0.23.0 reads minimax_m2's config only with --trust-remote-code)
        assert command_problems(lora.vllm_command, vllm_cli(version)) == []
        assert ("--all2all-backend allgather_reducescatter" in lora.vllm_command) is ep
    assert (TP8_BYTES, EP8_BYTES) == (20_032_152_920, 3_649_201_496)


def test_the_lora_term_names_the_gate_and_no_embedding() -> None:
    term = next(t for t in _plan().terms if t.key == "lora")
    assert ("qkv_proj 62 x 655,360 + o_proj 62 x 245,760 + gate 62 x 212,992 + experts 62 x "
            "160,432,128") in term.formula
    assert "no embedding or lm_head slots" in term.note


@pytest.mark.parametrize("version", ["0.17.0", "0.19.1", "0.21.0", "0.22.1"])
def test_before_0_23_the_float32_gate_fails_the_lora_shrink(version, capsys) -> None:
    # minimax_m2.py 0.17.0-0.22.1: `router_logits, _ = self.gate(hidden_states.to(torch.float32))`
    # on a float32 ReplicatedLinear; lora_shrink_op.py asserts `inputs.dtype ==
    # lora_a_weights[0].dtype` (bfloat16 slots) once an adapter is active
    errors = _plan(version, ep=True).errors
    assert len(errors) == 1 and errors[0].startswith(
        f"--enable-lora: vLLM {version} fails as soon as an adapter is active")
    assert "from vLLM 0.23.0 the gate is a GateLinear" in errors[0]
    code, _, err = run_main(capsys, "plan", "--model", M25, "--gpu", "h100", "--gpus", "8",
                            "--tp", "8", "--ep", "--enable-lora", "--vllm-version", version)
    assert code == 2 and "hidden_states.to(torch.float32)" in err
    assert len(err.strip().splitlines()) == 1
