"""--enable-lora on an MoE model (planner.serving.lora.moe): Qwen3-30B-A3B's LoRA slots, worked
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

Qwen1.5-MoE-A2.7B (Qwen2MoeForCausalLM; the catalog's config: hidden 2,048, 16 query / 16 KV
heads of 128, 60 experts of moe_intermediate_size 1,408, one shared expert of
shared_expert_intermediate_size 5,632, 24 MoE layers, untied, bfloat16), from models/
qwen2_moe.py of the 0.17.0, 0.24.0, 0.31.0 and 0.34.0 wheels (Qwen2MoeSparseMoeBlock, the same
modules in every release 0.17.0-0.34.0), N = 4, R = 16:
- no embed_tokens / lm_head slots (Qwen2MoeForCausalLM declares no embedding_modules:
  models/interfaces.py SupportsLoRA's {}), so no lm_head mapping at TP > 1 either;
- gate (ReplicatedLinear / GateLinear(2,048, 60)): 4 x (16 x 2,048 + 60 x 16) = 134,912, once
  in every release (FusedMoE / the runner is given shared_experts but not the gate);
- shared_expert_gate (ReplicatedLinear(2,048, 1), ReplicatedLinearWithLoRA, unsharded): 4 x
  (16 x 2,048 + 1 x 16) = 131,136;
- shared_expert.gate_up_proj (MergedColumnParallelLinear(2,048, [5,632] x 2), packed gate/up as
  shared_expert_intermediate_size > 0: MergedColumnParallelLinearWithLoRA) and down_proj
  (RowParallelLinear(5,632, 2,048)) at the attention's TP, the dense rules;
- experts (FusedMoEWithLoRA): 60 per rank without EP, 1,408 / the MoE's TP; with EP the rank's
  local_num_experts of the whole 1,408.

gpt-oss-20b (GptOssForCausalLM; /work/shared/model-configs/openai__gpt-oss-20b.json: hidden
2,880, 64 query / 8 KV heads of 64, 32 experts of intermediate_size 2,880, 24 layers alternating
sliding and full attention, MXFP4 experts, bfloat16), from the 0.17.0, 0.24.0, 0.31.0 and 0.34.0
wheels (the 0.18.0-0.33.0 ones bisected where the files differ), N = 4, R = 16:
- models/gpt_oss.py GptOssForCausalLM: SupportsLoRA, is_3d_moe_weight True,
  packed_modules_mapping qkv_proj only, no embedding_modules (no embedding / lm_head slots, no
  lm_head mapping); OAIAttention's qkv_proj and o_proj have biases (no LoRA slots: the LoRA
  linears allocate A and B only) and sinks (a Parameter, not wrapped); MLPBlock.router
  (ReplicatedLinear(2,880, 32, bias=True), GateLinear in 0.19.0 and from 0.31.0) is not handed
  to the experts: wrapped once, A (N, 1, R, 2,880) and B (N, 1, 32, R);
- the experts: FusedMoE3DWithLoRA (lora/model_manager.py: packed ["w13"] where
  is_3d_moe_weight and enable_mixed_moe_lora_format is off, its default): w13 A ONE slice (N,
  E, R, H), w13 B (N, E, 2 x I, R), w2 A (N, E, R, I), w2 B (N, E, H, R), with H and I the
  MoE layer's hidden size and per-rank width AFTER MXFP4's padding (0.17.0-0.18.x: Mxfp4MoEMethod
  .create_weights' Marlin branch sets layer.hidden_size / intermediate_size_per_partition;
  0.19.0 on: maybe_roundup_sizes writes moe_config.hidden_dim / intermediate_size_per_partition,
  which the LoRA layer reads);
- the MXFP4 backend with LoRA is Marlin on NVIDIA in every release: quantization/mxfp4.py
  get_mxfp4_backend_with_lora (0.17.0-0.18.x) and oracle/mxfp4.py select_*mxfp4_moe_backend's
  LoRA branch (0.19.0-0.20.x) take Triton only where VLLM_MXFP4_USE_MARLIN is set to 0 ("is
  False": unset reads None), Marlin otherwise; 0.21.0-0.34.0 walk the gpt-oss priority list
  and modular_kernel.py is_supported_config drops every class without LoRAExpertsMixin, so
  MarlinExperts is the first taken (the OAI Triton and FlashInfer classes have none; 0.33.0's
  TrtLlmMxfp4LoRAExperts only for an explicit --moe-backend). Marlin pads hidden to 256 and the
  width to 128 (MXFP4_MARLIN_PAD): H = 3,072; I = 2,944 at TP=1 (2,880), 1,536 at TP=2 (1,440).
  The weights take the same padding (the plan with VLLM_MXFP4_USE_MARLIN=1's).
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.expert_formats import MEGA_MOE_BACKENDS
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused
from tests.cli.conftest import run_main
from tests.conftest import load_ref_config
from tests.planner.serving.test_lora import LLAMA, PUNICA, PUNICA_TO_028
from tests.planner.serving.test_lora import TP1_BYTES as LLAMA_TP1_BYTES

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


QWEN2_MOE = "Qwen/Qwen1.5-MoE-A2.7B"
Q2_GATES = 134_912 + 131_136  # gate + shared_expert_gate, any TP
Q2_FLAGS = 24 * 5 * 4  # adapter_enabled, 480 B
# TP=1: qkv 4 x (3 x 16 x 2,048 + (2,048 + 2,048 + 2,048) x 16) = 786,432; o 4 x (16 x 2,048 +
# 2,048 x 16) = 262,144; shared gate_up 4 x (2 x 16 x 2,048 + 2 x 5,632 x 16) = 983,040; shared
# down 4 x (16 x 5,632 + 2,048 x 16) = 491,520; experts 4 x 60 x (2 x 16 x 2,048 + 2 x 1,408 x
# 16 + 16 x 1,408 + 2,048 x 16) = 240 x 165,888 = 39,813,120
Q2_LAYER_TP1 = 786_432 + 262_144 + Q2_GATES + 983_040 + 491_520 + 39_813_120  # 42,602,304
Q2_TP1_BYTES = 24 * Q2_LAYER_TP1 * 2 + Q2_FLAGS + PUNICA  # 2,045,328,992 B
# TP=2: 8 query and 8 KV heads per rank (1,024 each), o_proj input 1,024, shared expert 2,816,
# experts 704 per rank: qkv 4 x (3 x 16 x 2,048 + 3,072 x 16) = 589,824; o 4 x (16 x 1,024 +
# 2,048 x 16) = 196,608; shared gate_up 4 x (2 x 16 x 2,048 + 2 x 2,816 x 16) = 622,592; shared
# down 4 x (16 x 2,816 + 2,048 x 16) = 311,296; experts 240 x (2 x 16 x 2,048 + 2 x 704 x 16 +
# 16 x 704 + 2,048 x 16) = 240 x 132,096 = 31,703,040
Q2_ATTN_SHARED_TP2 = 589_824 + 196_608 + Q2_GATES + 622_592 + 311_296  # 1,986,368
Q2_TP2_BYTES = 24 * (Q2_ATTN_SHARED_TP2 + 31_703_040) * 2 + Q2_FLAGS + PUNICA  # 1,617,509,984 B
# --fully-sharded-loras at TP=2: column A (qkv, shared gate_up, w13) of 8 rows, row B (o, shared
# down, w2) of 1,024 rows, the gates unsharded: qkv 4 x (3 x 8 x 2,048 + 3,072 x 16) = 393,216;
# o 4 x (16 x 1,024 + 1,024 x 16) = 131,072; shared gate_up 4 x (2 x 8 x 2,048 + 2 x 2,816 x
# 16) = 491,520; shared down 4 x (16 x 2,816 + 1,024 x 16) = 245,760; experts 240 x (2 x 8 x
# 2,048 + 2 x 704 x 16 + 16 x 704 + 1,024 x 16) = 240 x 82,944 = 19,906,560
Q2_LAYER_FS2 = 393_216 + 131_072 + Q2_GATES + 491_520 + 245_760 + 19_906_560  # 21,434,176
Q2_FS2_BYTES = 24 * Q2_LAYER_FS2 * 2 + Q2_FLAGS + PUNICA  # 1,029,258,848 B
# TP=2 + EP (EP 2: 30 experts a rank, the whole 1,408): attention and shared expert as at TP=2,
# experts 4 x 30 x 165,888 = 19,906,560
Q2_EP2_BYTES = 24 * (Q2_ATTN_SHARED_TP2 + 19_906_560) * 2 + Q2_FLAGS + PUNICA  # 1,051,278,944 B


GPT_OSS = "openai/gpt-oss-20b"
GO_ROUTER = 4 * (16 * 2880 + 32 * 16)  # 186,368 elements a layer, unpadded, any TP
GO_FLAGS = 24 * 5 * 4  # adapter_enabled, 480 B
# TP=1: qkv 4 x (3 x 16 x 2,880 + (4,096 + 512 + 512) x 16) = 880,640; o 4 x (16 x 4,096 +
# 2,880 x 16) = 446,464; experts 4 x 32 x (16 x 3,072 + 2 x 2,944 x 16 + 16 x 2,944 + 3,072 x
# 16) = 128 x 239,616 = 30,670,848
GO_LAYER_TP1 = 880_640 + 446_464 + GO_ROUTER + 30_670_848  # 32,184,320
GO_TP1_BYTES = 24 * GO_LAYER_TP1 * 2 + GO_FLAGS + PUNICA  # 1,545,265,760 B
# TP=2: 32 query heads (2,048) and 4 KV heads (256) a rank, o_proj input 2,048, width 1,440 ->
# 1,536: qkv 4 x (3 x 16 x 2,880 + 2,560 x 16) = 716,800; o 4 x (16 x 2,048 + 2,880 x 16) =
# 315,392; experts 128 x (16 x 3,072 + 2 x 1,536 x 16 + 16 x 1,536 + 3,072 x 16) = 128 x
# 172,032 = 22,020,096
GO_ATTN_TP2 = 716_800 + 315_392 + GO_ROUTER  # 1,218,560
GO_TP2_BYTES = 24 * (GO_ATTN_TP2 + 22_020_096) * 2 + GO_FLAGS + PUNICA  # 1,115,873,888 B
# TP=2 + EP (0.21.0 on): 16 experts a rank, the whole width 2,880 -> 2,944: experts 4 x 16 x
# 239,616 = 15,335,424
GO_EP2_BYTES = 24 * (GO_ATTN_TP2 + 15_335_424) * 2 + GO_FLAGS + PUNICA  # 795,009,632 B
# --fully-sharded-loras at TP=2: column A and w13 A of 8 rows, row B of 1,440 rows, w2 B of
# 3,072 / 2 = 1,536 (the padded hidden, divided): qkv 4 x (3 x 8 x 2,880 + 2,560 x 16) =
# 440,320; o 4 x (16 x 2,048 + 1,440 x 16) = 223,232; router unsharded; experts 128 x (8 x
# 3,072 + 2 x 1,536 x 16 + 16 x 1,536 + 1,536 x 16) = 128 x 122,880 = 15,728,640
GO_FS2_BYTES = 24 * (440_320 + 223_232 + GO_ROUTER + 15_728_640) * 2 + GO_FLAGS + PUNICA


def _plan(tp: int = 1, dp: int = 1, ep: bool = False, version: str = "0.34.0",
          model: str = QWEN3_MOE, gpus: int = 2, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", gpus), layout=ParallelLayout(
            tp=tp, dp=dp, ep=ep), engine=EngineSettings(vllm_version=version, **engine)))


def _lora(**engine) -> dict:
    return {"enable_lora": True, "max_loras": 4, "max_lora_rank": 16, **engine}


def _assert_across_releases(model: str, tp: int, fully_sharded: bool, expected: int,
                            more: tuple[str, ...] = ()) -> None:
    """`model`'s slots are `expected` (worked at 0.34.0) under 0.17.0, 0.21.0, 0.24.0, 0.31.0,
    0.34.0 and `more`, less Punica's fifth token row before 0.29.0 (test_lora.PUNICA_TO_028)."""
    for version in ("0.17.0", *more, "0.21.0", "0.24.0", "0.31.0", "0.34.0"):
        punica = PUNICA if version >= "0.29.0" else PUNICA_TO_028
        lora = _plan(tp, version=version, model=model, **_lora(fully_sharded_loras=fully_sharded))
        assert not lora.errors and lora.lora_bytes_per_gpu == expected - PUNICA + punica


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


# --fully-sharded-loras at TP=1 x DP=2 without EP: FusedMoEWithLoRA.tp_size, which divides the
# w13 A rank and the w2 B hidden rows, is get_tensor_model_parallel_world_size() = 1 in
# 0.17.0-0.20.x (nothing split: DP2_BYTES, with their 5 Punica token rows) and the MoE's
# base_layer.tp_size = tp x dp = 2 from 0.21.0 (lora/layers/fused_moe.py __init__): at 0.34.0
# experts 512 x (2 x 8 x 2,048 + 2 x 384 x 16 + 16 x 384 + 1,024 x 16) = 34,603,008, the
# attention at TP 1 unsplit: 720,896 + 393,216 + 139,264 + 34,603,008 = 35,856,384 a layer
DP2_FS_BYTES = (48 * 35_856_384 + VOCAB_ENDS) * 2 + FLAGS + PUNICA  # 3,482,051,648 B


@pytest.mark.parametrize(("version", "expected"), [
    ("0.17.0", DP2_BYTES - PUNICA + PUNICA_TO_028), ("0.20.0", DP2_BYTES - PUNICA + PUNICA_TO_028),
    ("0.34.0", DP2_FS_BYTES)])
def test_fully_sharded_experts_split_over_the_attention_tp_before_0_21(version,
                                                                        expected) -> None:
    lora = _plan(1, 2, version=version, **_lora(fully_sharded_loras=True))
    assert not lora.errors and lora.lora_bytes_per_gpu == expected
    # the lora term's note names the split where there is one (0.21.0 on, over tp x dp = 2)
    note = next(t for t in lora.terms if t.key == "lora").note
    assert ("w2 B's hidden over TP 2 (--fully-sharded-loras)" in note) is (version == "0.34.0")
    assert (DP2_BYTES - PUNICA + PUNICA_TO_028, DP2_FS_BYTES) == (5_898_036_288, 3_482_051_648)
    # rank 1 over DP=2: vLLM 0.20.0 divides it by 1 and starts; 0.21.0 on by 2, and fails
    rank1 = {"enable_lora": True, "max_loras": 4, "max_lora_rank": 1, "fully_sharded_loras": True}
    assert not _plan(1, 2, version="0.20.0", **rank1).errors
    with pytest.raises(LayoutRefused, match="splits --max-lora-rank 1 over TP 2"):
        _plan(1, 2, version="0.21.0", **rank1)


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


@pytest.mark.parametrize(("tp", "fully_sharded", "expected"), [
    (1, False, Q2_TP1_BYTES), (2, False, Q2_TP2_BYTES), (2, True, Q2_FS2_BYTES)])
def test_qwen2_moe_shared_expert_slots_as_worked_by_hand(tp, fully_sharded, expected) -> None:
    # 0.21.0 wraps Qwen2-MoE's gate once (GATE_WRAPPED_TWICE is Qwen3-MoE's)
    _assert_across_releases(QWEN2_MOE, tp, fully_sharded, expected)
    assert (Q2_TP1_BYTES, Q2_TP2_BYTES, Q2_FS2_BYTES) == (
        2_045_328_992, 1_617_509_984, 1_029_258_848)
    base = _plan(tp, model=QWEN2_MOE)
    lora = _plan(tp, model=QWEN2_MOE, **_lora(fully_sharded_loras=fully_sharded))
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    formula = next(t for t in lora.terms if t.key == "lora").formula
    assert "gate 24 x 134,912 + shared_expert_gate 24 x 131,136" in formula
    assert "embed_tokens" not in formula and "lm_head" not in formula


def test_expert_parallel_slots_hold_the_ranks_own_experts() -> None:
    # 0.21.0 on, EP with vLLM's default all2all backend (allgather_reducescatter): TP=2 + EP
    # holds 30 of Qwen1.5-MoE's 60 experts a rank, whole (Q2_EP2_BYTES); Qwen3-30B-A3B 64 of
    # 128: its TP=2 attention (qkv 557,056, o 262,144, gate 139,264) and 4 x 64 x (2 x 16 x
    # 2,048 + 2 x 768 x 16 + 16 x 768 + 2,048 x 16) = 256 x 135,168 = 34,603,008 a layer, the
    # vocabulary ends and the lm_head mapping at TP 2
    qwen3 = (48 * (557_056 + 262_144 + GATE + 34_603_008) + VOCAB_ENDS) * 2 + FLAGS + MAPPING
    for model, expected in ((QWEN2_MOE, Q2_EP2_BYTES), (QWEN3_MOE, qwen3 + PUNICA)):
        base, lora = _plan(2, ep=True, model=model), _plan(2, ep=True, model=model, **_lora())
        assert not lora.errors and lora.lora_bytes_per_gpu == expected
        assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert (Q2_EP2_BYTES, qwen3 + PUNICA) == (1_051_278_944, 3_454_955_584)


def test_uneven_expert_parallel_gives_the_first_ranks_one_expert_more() -> None:
    # TP=8 + EP: 60 experts over 8 ranks, 8 on ranks 0-3 and 7 on ranks 4-7 (vLLM's linear
    # placement). TP=8: 2 query / 2 KV heads of 128 a rank, o_proj input 256, shared expert 704:
    # qkv 4 x (3 x 16 x 2,048 + 768 x 16) = 442,368; o 4 x (16 x 256 + 2,048 x 16) = 147,456;
    # shared gate_up 4 x (2 x 16 x 2,048 + 2 x 704 x 16) = 352,256; shared down 4 x (16 x 704 +
    # 2,048 x 16) = 176,128; experts 4 x 8 x 165,888 = 5,308,416 (rank 0) or 4 x 7 x 165,888 =
    # 4,644,864 (rank 7)
    rest = 442_368 + 147_456 + Q2_GATES + 352_256 + 176_128  # 1,384,256
    rank0 = 24 * (rest + 5_308_416) * 2 + Q2_FLAGS + PUNICA  # 321,666,656 B
    rank7 = 24 * (rest + 4_644_864) * 2 + Q2_FLAGS + PUNICA  # 289,816,160 B
    base = _plan(8, ep=True, model=QWEN2_MOE, gpus=8)
    lora = _plan(8, ep=True, model=QWEN2_MOE, gpus=8, **_lora())
    added = [b.weights_bytes - a.weights_bytes for a, b in zip(base.per_gpu, lora.per_gpu,
                                                                strict=True)]
    assert added == [rank0] * 4 + [rank7] * 4 and lora.lora_bytes_per_gpu == rank0
    assert (rank0, rank7) == (321_666_656, 289_816_160)


@pytest.mark.parametrize("version", ["0.21.0", "0.27.1", "0.34.0"])
def test_the_ep_lora_command_names_the_all2all_backend_and_passes_the_parser(version) -> None:
    command = _plan(1, 2, ep=True, version=version, model=QWEN2_MOE, **_lora()).vllm_command
    assert "--enable-lora --max-loras 4 --max-lora-rank 16 --all2all-backend " \
        "allgather_reducescatter" in command and "--enable-expert-parallel" in command
    assert command_problems(command, vllm_cli(version)) == []
    given = _plan(2, ep=True, version=version, **_lora(all2all_backend="allgather_reducescatter"))
    assert given.vllm_command.count("--all2all-backend") == 1
    assert "--all2all-backend" not in _plan(2, version=version, **_lora()).vllm_command


@pytest.mark.parametrize(("version", "engine", "words"), [
    ("0.20.0", {}, "EP support for Fused MoE LoRA is not implemented yet"),
    ("0.34.0", {"fully_sharded_loras": True}, "together with fully_sharded_loras=True"),
    ("0.24.0", {"all2all_backend": "deepep_low_latency"},
     "only supports all2all_backend='allgather_reducescatter', got 'deepep_low_latency'"),
    ("0.34.0", {"enable_eplb": True}, "--enable-eplb: the redundant experts' LoRA slots")])
def test_expert_parallel_is_refused(version, engine, words) -> None:
    with pytest.raises(LayoutRefused, match=words):
        _plan(2, ep=True, version=version, **_lora(**engine))


# EP at TP=2 x DP=2: config/parallel.py use_sequence_parallel_moe (EP, TP > 1, DP > 1,
# allgather_reducescatter) reaches the experts of the blocks that pass is_sequence_parallel
# (qwen3_moe.py, gpt_oss.py to 0.24.0: 0.25.0 adds `and vllm_config.lora_config is None`), and
# lora/layers/fused_moe.py _ep_check asserts it is not; qwen2_moe.py passes nothing
@pytest.mark.parametrize(("model", "version", "refused"), [
    (QWEN3_MOE, "0.21.0", True), (QWEN3_MOE, "0.34.0", True), (GPT_OSS, "0.24.0", True),
    (GPT_OSS, "0.25.0", False), (QWEN2_MOE, "0.34.0", False)])
def test_ep_at_tp_and_dp_over_one_runs_sequence_parallel_experts_lora_refuses(
        model, version, refused) -> None:
    words = "at TP > 1 and DP > 1: vLLM fails at start-up"
    try:
        lora = _plan(2, 2, ep=True, version=version, model=model, gpus=4, **_lora())
    except LayoutRefused as refusal:
        assert refused and words in str(refusal)
    else:
        assert not refused and not lora.errors and lora.lora_bytes_per_gpu > 0


def test_a_removed_all2all_backend_runs_allgather_reducescatter_under_ep_lora() -> None:
    # 0.21.0: --all2all-backend naive is removed (ParallelConfig.__post_init__ falls back to
    # allgather_reducescatter), so FusedMoEWithLoRA._ep_check passes; the command keeps the
    # user's flag as given
    lora = _plan(2, ep=True, version="0.21.0", **_lora(all2all_backend="naive"))
    assert not lora.errors and lora.lora_bytes_per_gpu > 0


def test_mixtral_slots_as_worked_by_hand() -> None:
    # Mixtral-8x7B-v0.1 (/work/shared/model-configs/mistralai__Mixtral-8x7B-v0.1.json: hidden
    # 4,096, 32 query / 8 KV heads of 128, 8 experts of intermediate_size 14,336, 32 layers,
    # vocabulary 32,000, untied, bfloat16) at TP=2, N = 4, R = 16, from models/mixtral.py of the
    # 0.17.0, 0.24.0, 0.31.0 and 0.34.0 wheels (MixtralForCausalLM: embedding_modules
    # embed_tokens and lm_head, qkv_proj packed; MixtralMoE's gate not given to the experts, so
    # wrapped once, 0.21.0 too): qkv 4 x (3 x 16 x 4,096 + (2,048 + 512 + 512) x 16) = 983,040;
    # o 4 x (16 x 2,048 + 4,096 x 16) = 393,216; gate 4 x (16 x 4,096 + 8 x 16) = 262,656;
    # experts 4 x 8 x (2 x 16 x 4,096 + 2 x 7,168 x 16 + 16 x 7,168 + 4,096 x 16) = 32 x 540,672
    # = 17,301,504; embed_tokens and lm_head each 4 x (32,000 x 16 + 4,096 x 16) = 2,310,144;
    # flags 32 x 5 x 4 = 640 B; the lm_head mapping 32,000 (a multiple of 64) x 8 = 256,000 B
    layer = 983_040 + 393_216 + 262_656 + 17_301_504  # 18,940,416
    slots = (32 * layer + 2 * 2_310_144) * 2 + 640 + 256_000  # 1,221,683,840 B
    for version, punica in (("0.17.0", PUNICA_TO_028), ("0.21.0", PUNICA_TO_028),
                            ("0.24.0", PUNICA_TO_028), ("0.31.0", PUNICA), ("0.34.0", PUNICA)):
        lora = _plan(2, version=version, model="mistralai/Mixtral-8x7B-v0.1", **_lora())
        assert not lora.errors and lora.lora_bytes_per_gpu == slots + punica
    assert slots + PUNICA == 1_222_101_760


@pytest.mark.parametrize(("tp", "fully_sharded", "expected"), [
    (1, False, GO_TP1_BYTES), (2, False, GO_TP2_BYTES), (2, True, GO_FS2_BYTES)])
def test_gpt_oss_slots_on_marlin_padded_experts_as_worked_by_hand(tp, fully_sharded,
                                                                   expected) -> None:
    _assert_across_releases(GPT_OSS, tp, fully_sharded, expected, ("0.19.0",))
    assert (GO_TP1_BYTES, GO_TP2_BYTES, GO_FS2_BYTES) == (
        1_545_265_760, 1_115_873_888, 796_189_280)
    # vLLM runs the MXFP4 experts on Marlin with LoRA: the weights are the
    # VLLM_MXFP4_USE_MARLIN=1 plan's (256 x 128 padding), plus the slots
    lora = _plan(tp, model=GPT_OSS, **_lora(fully_sharded_loras=fully_sharded))
    marlin = _plan(tp, model=GPT_OSS, mxfp4_marlin=True)
    assert lora.weights_bytes_per_gpu - marlin.weights_bytes_per_gpu == expected
    assert _plan(tp, model=GPT_OSS).weights_bytes_per_gpu < marlin.weights_bytes_per_gpu
    # ... and the plan's kernel note says so (it read "the OAI Triton MoE kernels" on the H100)
    assert any("runs on the Marlin MXFP4 kernel with --enable-lora" in w for w in lora.warnings)
    assert not any("OAI Triton" in w for w in lora.warnings)
    formula = next(t for t in lora.terms if t.key == "lora").formula
    assert "router 24 x 186,368" in formula and "embed_tokens" not in formula
    note = next(t for t in lora.terms if t.key == "lora").note
    assert "FusedMoE3DWithLoRA): per expert on the rank w13 A (rank x hidden)" in note


@pytest.mark.parametrize(("tp", "ep", "experts_bytes"), [
    (1, False, 11_083_579_392), (2, False, 5_784_993_792), (2, True, 5_541_789_696)])
def test_gpt_oss_marlin_expert_biases_padded_and_w2_whole_as_worked_by_hand(tp, ep,
                                                                             experts_bytes):
    # With LoRA the experts run on Marlin (H 3,072; I 2,944 at TP=1 and EP, 1,536 at TP=2) and
    # vLLM allocates the biases at the padded sizes, bf16, w2_bias (E, H) whole on every rank
    # (0.34.0 mxfp4.py GptOssMxfp4MoEMethod.create_weights; marlin_utils_fp4.py
    # prepare_moe_mxfp4_layer_for_marlin keeps the shapes). Per layer, E experts on the rank:
    # E x I x H x 51 / 32 B (w13 2 x I x H / 2 + scales / 32, w2 H x I / 2 + scales / 32)
    # + E x (2 x I + H) x 2 B of biases:
    # TP=1: 32 x 2,944 x 3,072 x 51 / 32 + 32 x 8,960 x 2 = 461,242,368 + 573,440
    # TP=2: 32 x 1,536 x 3,072 x 51 / 32 + 32 x 6,144 x 2 = 240,648,192 + 393,216
    # EP=2: 16 x 2,944 x 3,072 x 51 / 32 + 16 x 8,960 x 2 = 230,621,184 + 286,720
    assert experts_bytes == 24 * {(1, False): 461_242_368 + 573_440,
                                  (2, False): 240_648_192 + 393_216,
                                  (2, True): 230_621_184 + 286_720}[(tp, ep)]
    lora = _plan(tp, ep=ep, model=GPT_OSS, **_lora())
    weights = next(t for t in lora.terms if t.key == "weights")
    assert weights.inputs["experts_bytes"] == str(experts_bytes)


def test_gpt_oss_over_expert_parallelism_holds_the_ranks_experts() -> None:
    lora = _plan(2, ep=True, model=GPT_OSS, **_lora())
    assert not lora.errors and lora.lora_bytes_per_gpu == GO_EP2_BYTES == 795_009_632
    assert "--all2all-backend allgather_reducescatter" in lora.vllm_command


@pytest.mark.parametrize("version", ["0.17.0", "0.20.2", "0.24.0", "0.31.0", "0.34.0"])
def test_the_gpt_oss_lora_command_passes_the_release_parser(version) -> None:
    command = _plan(2, version=version, model=GPT_OSS, **_lora()).vllm_command
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in command
    assert command_problems(command, vllm_cli(version)) == []


def test_gpt_oss_lora_off_nvidia_is_refused(capsys) -> None:
    # Marlin's MoE is CUDA-only: vLLM 0.19-0.20 raise "Mxfp4 LoRA is currently only supported
    # on CUDA.", 0.17-0.18 find no backend; 0.21 on's ROCm fall-back is not read
    amd = plan(PlanRequest(model=catalog_spec(GPT_OSS), cluster=preset_cluster("mi300x", 1),
                           engine=EngineSettings(vllm_version="0.34.0", **_lora())))
    assert any("on NVIDIA GPUs only" in e for e in amd.errors)
    code, _, err = run_main(capsys, "plan", "--model", GPT_OSS, "--gpu", "mi300x",
                            "--enable-lora")
    assert code == 2 and "on NVIDIA GPUs only" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("model", "engine", "words"), [
    ("nvidia/Qwen3-235B-A22B-NVFP4", {"vllm_version": "0.19.1"},
     "has quantized experts (modelopt)"),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", {"vllm_version": "0.17.0"}, "has quantized experts (gptq)"),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", {"moe_backend": "triton"},
     "on vLLM's Marlin int4 / NVFP4 experts (auto or marlin)"),
    (QWEN3_MOE, {"target_quant": "w4a16-awq-g128"}, "MoE experts in w4a16-awq-g128 (asked with"),
    (QWEN3_MOE, {"moe_backend": "flashinfer_cutlass"}, "--moe-backend flashinfer_cutlass"),
    ("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", {"target_quant": "fp8-tensor"},
     "NemotronHForCausalLM's non-gated experts in fp8 (asked"),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", {"target_quant": "nvfp4"},
     "MoE experts in nvfp4 (asked with"),
    (GPT_OSS, {"moe_backend": "triton"}, "on vLLM's Marlin MXFP4 experts (auto or marlin)")])
def test_what_is_not_read_stays_refused(model, engine, words) -> None:
    version = engine.pop("vllm_version", "0.34.0")
    lora = _plan(model=model, version=version, **_lora(**engine))
    assert any(words in e for e in lora.errors) and lora.lora_bytes_per_gpu == 0


def test_a_load_time_fp8_what_if_is_the_fp8_run_it_launches(capsys) -> None:
    # --target-quant fp8 on a 16-bit checkpoint is launched as vLLM's --quantization fp8 (the
    # same run): its experts take the FP8 LoRA slots, Qwen3-30B-A3B's 6,803,940,416 B at TP=1
    # with 4 slots of rank 16 (as --quantization fp8, 53cdc797); it was refused as "quantized
    # at run time (fp8-tensor)", naming a flag the user had not given
    what_if = _plan(model=QWEN3_MOE, **_lora(target_quant="fp8-tensor"))
    assert not what_if.errors and what_if.lora_bytes_per_gpu == TP1_BYTES == 6_803_940_416
    code, out, err = run_main(capsys, "plan", "--model", QWEN3_MOE, "--gpu", "h100",
                              "--enable-lora", "--max-loras", "4", "--target-quant", "fp8")
    assert code == 0 and "--quantization fp8 " in out and "--enable-lora --max-loras 4" in out
    # before vLLM 0.20 on a GPU without FP8, the same refusal as --quantization fp8's
    code, _, err = run_main(capsys, "plan", "--model", QWEN3_MOE, "--gpu", "a100-80gb",
                            "--vllm-version", "0.19.0", "--enable-lora", "--target-quant", "fp8")
    assert code == 2 and "no FP8 tensor cores" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("argv", "words"), [
    (("--model", "nvidia/Qwen3-235B-A22B-NVFP4", "--vllm-version", "0.19.0"),
     "has quantized experts (modelopt)"),
    (("--model", QWEN3_MOE, "--gpus", "2", "--tp", "2", "--ep", "--fully-sharded-loras"),
     "fully_sharded_loras=True"),
    (("--model", QWEN3_MOE, "--gpus", "2", "--tp", "2", "--ep", "--vllm-version", "0.20.0"),
     "EP support for Fused MoE LoRA is not implemented yet"),
])
def test_the_cli_refuses_in_one_line(capsys, argv, words) -> None:
    code, _, err = run_main(capsys, "plan", *argv, "--gpu", "h100", "--enable-lora")
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("version", "tp", "engine", "warned"), [
    ("0.32.0", 2, {}, True), ("0.33.0", 2, {}, False), ("0.32.0", 1, {}, False),
    ("0.32.0", 2, {"enforce_eager": True}, False)])
def test_a_shared_experts_fully_sharded_lora_before_0_33_warns_of_the_stream(
        version, tp, engine, warned) -> None:
    # runner/shared_experts.py: 0.33.0 disables the shared experts' side stream under
    # --fully-sharded-loras (NCCL deadlock under CUDA graphs, vLLM issue 60845); 0.32.0 does not
    lora = _plan(tp, version=version, model=QWEN2_MOE, **_lora(fully_sharded_loras=True,
                                                               **engine))
    assert any("vLLM issue 60845" in w for w in lora.warnings) == warned
    assert not any("60845" in w for w in _plan(2, version="0.32.0", **_lora(
        fully_sharded_loras=True)).warnings)  # Qwen3-30B-A3B: no shared expert


# Qwen/Qwen3-VL-30B-A3B-Instruct (Qwen3VLMoeForConditionalGeneration;
# /work/shared/model-configs/Qwen__Qwen3-VL-30B-A3B-Instruct.json, text_config: Qwen3-30B-A3B's
# shapes above, hidden 2,048, 32 query / 4 KV heads of 128, 128 experts of 768, 48 MoE layers,
# no mlp_only_layers, vocabulary 151,936, untied), read in models/qwen3_vl_moe.py of the 0.17.0,
# 0.24.0 and 0.34.0 wheels (and every file version between, bisected): SupportsLoRA (a
# Qwen3VLForConditionalGeneration), is_3d_moe_weight True in every release, so
# lora/model_manager.py _create_lora_modules gives the experts ["w13"] and FusedMoE3DWithLoRA
# wraps them; packed_modules_mapping qkv_proj; language_model a Qwen3MoeLLMForCausalLM
# (Qwen3MoeForCausalLM subclass: embedding_modules embed_tokens and lm_head) whose layers are
# Qwen3MoeDecoderLayer's with Qwen3MoeSparseMoeBlock (its gate handed to the MoE layer: twice on
# 0.21.0); visual, visual.merger and visual.deepstack_merger_list unwrapped (qwen3_vl.py
# get_mm_mapping; --enable-tower-connector-lora default off). So Qwen3-30B-A3B's attention, gate,
# vocabulary, flags, mapping and Punica, and lora/layers/fused_moe.py FusedMoE3DWithLoRA
# (_w13_slices 1; _create_lora_b_weights: w13 B (N, E, 2 x I, R)) experts: ONE w13 A.
# TP=1: 4 x 128 x (16 x 2,048 + 2 x 768 x 16 + 16 x 768 + 2,048 x 16) = 512 x 102,400 =
# 52,428,800 a layer; 720,896 + 393,216 + 139,264 + 52,428,800 = 53,682,176
VL_MOE = "Qwen/Qwen3-VL-30B-A3B-Instruct"
VL_TP1_BYTES = (48 * 53_682_176 + VOCAB_ENDS) * 2 + FLAGS + PUNICA  # 5,193,327,680 B
# TP=2: experts 512 x (16 x 2,048 + 2 x 384 x 16 + 16 x 384 + 2,048 x 16) = 512 x 83,968 =
# 42,991,616; 557,056 + 262,144 + 139,264 + 42,991,616 = 43,950,080 a layer
VL_TP2_BYTES = (48 * 43_950_080 + VOCAB_ENDS) * 2 + FLAGS + MAPPING + PUNICA  # 4,260,261,952 B
VL_ENGINE = {"max_model_len": 8192, "max_num_batched_tokens": 8192, "max_num_seqs": 1024}


@pytest.mark.parametrize(("tp", "expected"), [(1, VL_TP1_BYTES), (2, VL_TP2_BYTES)])
@pytest.mark.parametrize("version", ["0.17.0", "0.24.0", "0.34.0"])
def test_qwen3_vl_moe_slots_as_worked_by_hand(tp, expected, version) -> None:
    assert (VL_TP1_BYTES, VL_TP2_BYTES) == (5_193_327_680, 4_260_261_952)
    punica = PUNICA if version >= "0.29.0" else PUNICA_TO_028
    base = _plan(tp, version=version, model=VL_MOE, **VL_ENGINE)
    lora = _plan(tp, version=version, model=VL_MOE, **VL_ENGINE, **_lora())
    assert not lora.errors and lora.lora_bytes_per_gpu == expected - PUNICA + punica
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == lora.lora_bytes_per_gpu
    note = next(t for t in lora.terms if t.key == "lora").note
    assert "FusedMoE3DWithLoRA" in note and "visual.deepstack_merger_list get no LoRA" in note
    assert "tower-connector" not in lora.vllm_command


def test_qwen3_vl_moe_gate_is_wrapped_twice_in_0_21() -> None:
    once = VL_TP1_BYTES - PUNICA + PUNICA_TO_028
    assert _plan(version="0.21.0", model=VL_MOE, **_lora()).lora_bytes_per_gpu == (
        once + 48 * GATE * 2)
    assert _plan(version="0.22.0", model=VL_MOE, **_lora()).lora_bytes_per_gpu == once


@pytest.mark.parametrize("version", ["0.17.0", "0.21.0", "0.24.0", "0.34.0"])
def test_the_qwen3_vl_moe_lora_command_passes_the_release_parser(version) -> None:
    command = _plan(2, version=version, model=VL_MOE, **_lora(fully_sharded_loras=True)
                    ).vllm_command
    assert "--enable-lora --max-loras 4 --max-lora-rank 16 --fully-sharded-loras" in command
    assert command_problems(command, vllm_cli(version)) == []


def test_qwen3_moe_wraps_the_embedding_and_lm_head_every_pp_stage_builds() -> None:
    # vLLM qwen3_moe.py (0.17.0, 0.24.0, 0.34.0 wheels): Qwen3MoeModel builds embed_tokens and
    # Qwen3MoeForCausalLM its ParallelLMHead with no is_first_rank / is_last_rank guard, and
    # lora/model_manager.py _create_lora_modules skips a PPMissingLayer only: both stages of
    # PP=2 hold 24 layers, embed_tokens and lm_head (151,936 x 2,048: 4 x (151,936 x 16 +
    # 2,048 x 16) = 9,854,976 elements each, VOCAB_ENDS together) and 24 x 5 x 4 = 480 B of
    # flags: (24 x 70,459,392 + 19,709,952) x 2 B + 480 + PUNICA, where the first stage had
    # no lm_head slots and the last no embed_tokens (9,854,976 x 2 B = 19,709,952 B less):
    # 1,710,735,360 x 2 = 3,421,470,720 + 480 + 417,920 = 3,421,889,120 B
    stage = (24 * LAYER_TP1 + VOCAB_ENDS) * 2 + 24 * 5 * 4 + PUNICA
    p = plan(PlanRequest(
        model=catalog_spec(QWEN3_MOE), cluster=preset_cluster("h100", 2),
        layout=ParallelLayout(pp=2), engine=EngineSettings(**_lora())))
    assert [g.lora_bytes for g in p.per_gpu] == [stage, stage] == [3_421_889_120] * 2
    # the base weights alike too: both stages hold 24 layers, embed_tokens, the final norm and
    # lm_head (151,936 x 2,048 x 2 B = 622,329,856 B each: test_weights)
    assert [g.weights_bytes - g.lora_bytes for g in p.per_gpu] == [
        p.per_gpu[0].weights_bytes - stage] * 2
    # TP=2 x PP=2: each stage's lm_head also has its vocabulary mapping, 151,936 x 8 B
    p4 = plan(PlanRequest(
        model=catalog_spec(QWEN3_MOE), cluster=preset_cluster("h100", 4),
        layout=ParallelLayout(tp=2, pp=2), engine=EngineSettings(**_lora())))
    assert {g.lora_bytes for g in p4.per_gpu} == {
        (24 * LAYER_TP2 + VOCAB_ENDS) * 2 + 24 * 5 * 4 + MAPPING + PUNICA}
    # Qwen3-VL-MoE's Qwen3MoeLLMForCausalLM subclasses Qwen3MoeForCausalLM: a middle stage too
    lora = LoraSettings(4, 16, False, (0, 34, 0))
    parts = stage_parts(catalog_spec(VL_MOE), range(0), False, False, 1, lora)
    assert [(p.name, p.elements) for p in parts] == [("embed_tokens", 9_854_976),
                                                    ("lm_head", 9_854_976)]


# FP8 experts (Fp8MoEMethod: an FP8 checkpoint or --quantization fp8, both through
# fused_moe/oracle/fp8.py select_fp8_moe_backend): the slots are the 16-bit ones whatever the
# experts' format (FusedMoEWithLoRA allocates in LoRAConfig.lora_dtype, auto =
# model_config.dtype, the checkpoint's torch_dtype bfloat16), and the FP8 weights keep their
# bytes (TritonExperts on FP8 GPUs, MarlinExperts W8A16 below: Headroom's plan without LoRA).
# Qwen3-30B-A3B-FP8 (/work/shared/model-configs/Qwen__Qwen3-30B-A3B-FP8.json) has
# Qwen3-30B-A3B's shapes (hidden 2,048, 32 / 4 heads of 128, 128 experts of 768, 48 layers,
# vocabulary 151,936, untied, bfloat16), so its slots are TP1_BYTES by the same hand figure.
QWEN3_MOE_FP8 = "Qwen/Qwen3-30B-A3B-FP8"
# Qwen3-235B-A22B-FP8 (Qwen__Qwen3-235B-A22B-FP8.json: hidden 4,096, 64 query / 4 KV heads of
# 128, 128 experts of moe_intermediate_size 1,536, 94 layers, vocabulary 151,936, untied,
# bfloat16, 128 x 128 blocks) at TP=8, N = 4, R = 16: q 8 heads = 1,024, kv max(1, 4 / 8) = 1
# head = 128 per rank, experts 1,536 / 8 = 192 wide (refined block scales from 0.29.0):
# qkv 4 x (3 x 16 x 4,096 + (1,024 + 128 + 128) x 16) = 868,352; o 4 x (16 x 1,024 + 4,096 x
# 16) = 327,680; gate 4 x (16 x 4,096 + 128 x 16) = 270,336; experts 4 x 128 x (2 x 16 x 4,096
# + 2 x 192 x 16 + 16 x 192 + 4,096 x 16) = 512 x 205,824 = 105,381,888; a layer 106,848,256;
# embed_tokens and lm_head 2 x 4 x (151,936 x 16 + 4,096 x 16) = 19,972,096
Q235_FP8_TP8 = ((94 * 106_848_256 + 19_972_096) * 2 + 94 * 5 * 4 + MAPPING
                + PUNICA)  # 20,129,051,608 B


def test_fp8_experts_take_the_16_bit_slots_as_worked_by_hand() -> None:
    base = _plan()
    base_fp8 = _plan(model=QWEN3_MOE_FP8)
    lora = _plan(model=QWEN3_MOE_FP8, **_lora())
    assert not lora.errors and lora.lora_bytes_per_gpu == TP1_BYTES == 6_803_940_416
    # the FP8 weights are unchanged: the plan grows by the slots alone, and stays under the
    # BF16 checkpoint's weights
    assert lora.weights_bytes_per_gpu - base_fp8.weights_bytes_per_gpu == TP1_BYTES
    assert base_fp8.weights_bytes_per_gpu < base.weights_bytes_per_gpu
    # every release (0.21.0's second gate wrap aside: test_vllm_0_21_wraps_the_router_gate_twice)
    for version in ("0.17.0", "0.19.0", "0.20.0", "0.24.0", "0.31.0"):
        punica = PUNICA if version >= "0.29.0" else PUNICA_TO_028
        for tp, fully_sharded, expected in ((1, False, TP1_BYTES), (2, True, FS2_BYTES)):
            fp8 = _plan(tp, version=version, model=QWEN3_MOE_FP8,
                        **_lora(fully_sharded_loras=fully_sharded))
            assert not fp8.errors and fp8.lora_bytes_per_gpu == expected - PUNICA + punica
    # --quantization fp8 on the BF16 checkpoint: the same slots
    runtime = _plan(quantization="fp8", **_lora())
    assert not runtime.errors and runtime.lora_bytes_per_gpu == TP1_BYTES


def test_qwen3_235b_fp8_slots_at_tp8_as_worked_by_hand() -> None:
    base = _plan(8, model="Qwen/Qwen3-235B-A22B-FP8", gpus=8)
    lora = _plan(8, model="Qwen/Qwen3-235B-A22B-FP8", gpus=8, **_lora())
    assert not lora.errors and lora.lora_bytes_per_gpu == Q235_FP8_TP8 == 20_129_051_608
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == Q235_FP8_TP8


def _a100(version: str, model: str = QWEN3_MOE_FP8, **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("a100-80gb", 1),
                            engine=EngineSettings(vllm_version=version, **_lora(**engine))))


@pytest.mark.parametrize("version", ["0.17.0", "0.19.1"])
def test_fp8_experts_lora_without_fp8_tensor_cores_before_0_20_is_refused(version, capsys
                                                                         ) -> None:
    # 0.17.0-0.19.x: select_fp8_moe_backend returns TRITON under LoRA on any GPU, and
    # TritonExperts lists FP8 only from capability 8.9: the A100 (8.0) is refused, the H100 not
    for refused in (_a100(version), _a100(version, QWEN3_MOE, quantization="fp8")):
        assert any("forces the Triton FP8 experts under LoRA" in e
                   and "vLLM 0.20.0 or later serves them on Marlin" in e for e in refused.errors)
    assert not _plan(version=version, model=QWEN3_MOE_FP8, **_lora()).errors
    code, _, err = run_main(capsys, "plan", "--model", QWEN3_MOE_FP8, "--gpu", "a100-80gb",
                            "--enable-lora", "--vllm-version", version)
    assert code == 2 and "(no FP8 tensor cores)" in err and len(err.strip().splitlines()) == 1


def test_fp8_experts_lora_on_marlin_from_0_20_keeps_the_slots() -> None:
    # 0.20.0 on: the oracle skips TritonExperts (no FP8 on 8.0) for MarlinExperts, which has
    # LoRAExpertsMixin; the slots are the BF16 checkpoint's on the same GPU and release
    for version in ("0.20.0", "0.34.0"):
        fp8 = _a100(version)
        assert not fp8.errors
        assert fp8.lora_bytes_per_gpu == _a100(version, QWEN3_MOE).lora_bytes_per_gpu > 0


@pytest.mark.parametrize("version", ["0.17.0", "0.19.1"])
@pytest.mark.parametrize("model", ["nvidia/Qwen3-235B-A22B-NVFP4",
                                   "Qwen/Qwen3-235B-A22B-GPTQ-Int4"])
def test_int4_and_nvfp4_experts_before_0_20_are_refused_with_what_vllm_does(model, version
                                                                           ) -> None:
    # 0.17.0-0.19.x: FusedMoEWithLoRA asserts TritonExperts, and the GPTQ Marlin MoE method's
    # select_gemm_impl gives MarlinExperts under LoRA, ModelOpt NVFP4's oracle (no LoRA branch
    # there) FlashInfer / CUTLASS / Marlin experts; 0.20.0 on MarlinExperts has LoRAExpertsMixin
    lora = _plan(model=model, gpus=8, tp=8, version=version, **_lora())
    refusal = next(e for e in lora.errors if e.startswith("--enable-lora"))
    assert "vLLM 0.17-0.19 stop at start-up on them" in refusal
    assert "assert isinstance(m_fused_moe_fn.impl.fused_experts, TritonExperts)" in refusal
    assert "0.20 on take them on MarlinExperts" in refusal and lora.lora_bytes_per_gpu == 0
    assert "serve vLLM 0.20.0 or later" in refusal


# int4 and NVFP4 experts from vLLM 0.20.0: MarlinExperts (LoRAExpertsMixin) under LoRA, every
# other experts class dropped by modular_kernel.py is_supported_config; the slots are the 16-bit
# ones at the layer's unpadded hidden_size and intermediate_size_per_partition (FusedMoEWithLoRA
# reads moe_config; no maybe_roundup_sizes for GPTQ / AWQ / ModelOpt NVFP4; Marlin's tile
# padding is local to the repacked weights), so Qwen3-235B-A22B-NVFP4
# (nvidia__Qwen3-235B-A22B-NVFP4.json) and -GPTQ-Int4 (the catalog's config), both with
# Qwen3-235B-A22B-FP8's shapes (hidden 4,096, 64 / 4 heads of 128, 128 experts of 1,536, 94
# layers, vocabulary 151,936, untied, bfloat16), hold Q235_FP8_TP8 at TP=8 on H100s.
NVFP4_235B = "nvidia/Qwen3-235B-A22B-NVFP4"
GPTQ_235B = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
# The seed, GPTQ-Int4 on 8 RTX 3090s at TP=8 + EP (vLLM 0.21.0 on): EP size 8, so 128 / 8 = 16
# experts per GPU, each the whole 1,536 wide (1,536 % 128 = 0: Marlin MoE takes them); the
# attention stays at TP=8. N = 4, R = 16: qkv 868,352, o 327,680 and gate 270,336 as at TP=8
# above; experts 4 x 16 x (2 x 16 x 4,096 + 2 x 1,536 x 16 + 16 x 1,536 + 4,096 x 16) = 64 x
# 270,336 = 17,301,504; a layer 18,767,872; embed_tokens and lm_head 19,972,096; the plan's
# 2,048 batched tokens and 256 sequences give Punica 4 x 2,048 x 8 + 3 x 256 x 8 + 2 x (2 x
# 2,048 + 2 x 5 + 6) x 4 = 104,576 B (test_lora.PUNICA's terms)
SEED_PUNICA = 4 * 2048 * 8 + 3 * 256 * 8 + 2 * (2 * 2048 + 2 * 5 + 6) * 4  # 104,576 B
SEED_EP_BYTES = ((94 * 18_767_872 + 19_972_096) * 2 + 94 * 5 * 4 + MAPPING
                 + SEED_PUNICA)  # 3,569,626,072 B


def _rtx3090(version: str = "0.34.0", ep: bool = True, **engine):
    return plan(PlanRequest(
        model=catalog_spec(GPTQ_235B), cluster=preset_cluster("rtx3090", 8),
        layout=ParallelLayout(tp=8, ep=ep), engine=EngineSettings(
            vllm_version=version, max_num_batched_tokens=2048, max_num_seqs=256, **engine)))


def test_int4_and_nvfp4_experts_from_0_20_take_the_16_bit_slots_as_worked_by_hand() -> None:
    for version in ("0.20.0", "0.24.0", "0.34.0"):
        punica = PUNICA if version >= "0.29.0" else PUNICA_TO_028
        base = _plan(8, model=NVFP4_235B, gpus=8, version=version)
        lora = _plan(8, model=NVFP4_235B, gpus=8, version=version, **_lora())
        assert not lora.errors and lora.lora_bytes_per_gpu == Q235_FP8_TP8 - PUNICA + punica
        # Marlin FP4: the weights keep the bytes planned without LoRA
        assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == lora.lora_bytes_per_gpu
    # GPTQ-Int4 at TP=8 + EP on H100s (at TP=8 alone Marlin MoE refuses its 192-wide experts:
    # test_the_seed_at_tp8_without_ep_runs_the_wna16_fallback_and_is_refused), at the H100
    # plan's 8,192 batched tokens and 1,024 sequences: the seed's slots with PUNICA
    for version in ("0.24.0", "0.34.0"):
        punica = PUNICA if version >= "0.29.0" else PUNICA_TO_028
        base = _plan(8, model=GPTQ_235B, gpus=8, ep=True, version=version)
        lora = _plan(8, model=GPTQ_235B, gpus=8, ep=True, version=version, **_lora())
        assert not lora.errors and lora.lora_bytes_per_gpu == SEED_EP_BYTES - SEED_PUNICA + punica
        assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == lora.lora_bytes_per_gpu
    assert Q235_FP8_TP8 == 20_129_051_608


def test_nvfp4_lora_on_blackwell_runs_marlin_and_keeps_the_weights() -> None:
    # without LoRA the NVFP4 oracle takes FlashInfer / CUTLASS on a B200; under LoRA only
    # MarlinExperts has LoRAExpertsMixin: FP4 values and FP8 block scales either way
    def b200(**engine):
        return plan(PlanRequest(model=catalog_spec(NVFP4_235B),
                                cluster=preset_cluster("b200", 8), layout=ParallelLayout(tp=8),
                                engine=EngineSettings(vllm_version="0.34.0", **engine)))
    base, lora = b200(), b200(**_lora())
    assert not lora.errors and lora.lora_bytes_per_gpu > 0
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == lora.lora_bytes_per_gpu


def test_the_seed_gptq_int4_on_8_rtx_3090_with_ep_as_worked_by_hand() -> None:
    base, lora = _rtx3090(), _rtx3090(**_lora())
    assert lora.lora_bytes_per_gpu == SEED_EP_BYTES == 3_569_626_072
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == SEED_EP_BYTES
    # 0.21.0 (EP LoRA's first release) wraps Qwen3-MoE's gate twice (GATE_WRAPPED_TWICE): 94 x
    # 270,336 elements more; its Punica has a fifth int64 token row, 2,048 x 8 B more
    assert _rtx3090("0.21.0", **_lora()).lora_bytes_per_gpu == (
        SEED_EP_BYTES + 94 * 270_336 * 2 + 2048 * 8)


@pytest.mark.parametrize("version", ["0.20.0", "0.26.0", "0.27.0", "0.34.0"])
def test_the_seed_at_tp8_without_ep_runs_the_wna16_fallback_and_is_refused(version, capsys
                                                                          ) -> None:
    # 1,536 / 8 = 192 wide per GPU, not a multiple of group 128: Marlin MoE refuses the layer
    # (check_moe_marlin_supports_layer; with tile padding a group still straddles), so
    # MoeWNA16Method: no modular kernel in 0.20-0.26 (select_gemm_impl raises at start-up),
    # TritonWNA16Experts from 0.27 (its apply() reads no LoRA context)
    with pytest.raises(LayoutRefused, match="runs the int4 experts off Marlin MoE"):
        _rtx3090(version, ep=False, **_lora())
    assert not _rtx3090(version, ep=False).errors
    code, _, err = run_main(capsys, "plan", "--model", GPTQ_235B, "--gpu", "rtx3090", "--gpus",
                            "8", "--tp", "8", "--enable-lora", "--vllm-version", version)
    assert code == 2 and "MoeWNA16Method uses the new modular kernel" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("version", ["0.21.0", "0.34.0"])
def test_the_seed_lora_command_with_ep_passes_the_release_parser(version) -> None:
    command = _rtx3090(version, **_lora(max_model_len=8192)).vllm_command
    assert "--enable-expert-parallel" in command and "--enable-lora" in command
    assert "--all2all-backend allgather_reducescatter" in command
    assert command_problems(command, vllm_cli(version)) == []


def test_nvfp4_lora_off_nvidia_is_refused() -> None:
    with pytest.raises(LayoutRefused, match="NVFP4 experts with LoRA on Marlin, on NVIDIA"):
        plan(PlanRequest(model=catalog_spec(NVFP4_235B), cluster=preset_cluster("mi300x", 8),
                         layout=ParallelLayout(tp=8),
                         engine=EngineSettings(vllm_version="0.34.0", **_lora())))


def test_modelopt_fp8_experts_take_the_same_slots() -> None:
    # ModelOptFp8MoEMethod calls select_fp8_moe_backend as Fp8MoEMethod does (modelopt.py,
    # 0.17.0-0.34.0): Qwen3-30B-A3B's config (tests/fixtures/configs) with a ModelOpt FP8
    # hf_quant_config (quant_algo FP8, nvidia__Llama-3.1-70B-Instruct-FP8's) holds
    # Qwen3-30B-A3B's slots
    spec = parse_model_config(load_ref_config("Qwen__Qwen3-30B-A3B")[0],
                              load_ref_config("nvidia__Llama-3.1-70B-Instruct-FP8")[1],
                              name="Qwen3-30B-A3B as ModelOpt FP8")
    assert (spec.quant.method, spec.quant.scheme) == ("modelopt", "fp8-tensor")
    lora = plan(PlanRequest(model=spec, cluster=preset_cluster("h100", 1),
                            engine=EngineSettings(vllm_version="0.34.0", **_lora())))
    assert not lora.errors and lora.lora_bytes_per_gpu == TP1_BYTES


def test_lora_pads_no_block_fp8_shard_under_an_explicit_moe_backend() -> None:
    # Qwen3-30B-A3B-FP8 at TP=16: 768 / 16 = 48 per rank, gcd(128, 128, 48, 2,048) = 16 < 32,
    # so no refined block scales; with --moe-backend triton 0.31.0 on pad the shard to whole
    # 128 blocks (fused_moe/oracle/fp8.py pad_tp_shard_to_weight_blocks), but not under LoRA:
    # "Block-aligned FP8 TP sharding requires 128-aligned global expert dimensions, pure TP,
    # and no LoRA or expert bias."
    def at_tp16(**engine):
        return plan(PlanRequest(
            model=catalog_spec(QWEN3_MOE_FP8), cluster=preset_cluster("h100", 16),
            layout=ParallelLayout(tp=16),
            engine=EngineSettings(vllm_version="0.34.0", moe_backend="triton", **engine)))
    assert not at_tp16().errors
    with pytest.raises(LayoutRefused, match="768 / 16 = 48 wide per GPU"):
        at_tp16(**_lora())


@pytest.mark.parametrize("backend", MEGA_MOE_BACKENDS)
def test_a_mega_moe_backend_refuses_lora_from_0_33_for_any_model(capsys, backend) -> None:
    # vLLM 0.33.0-0.34.0 VllmConfig.__post_init__ -> LoRAConfig.verify_with_kernel_config raises
    # for these --moe-backend values whatever the model; Llama-3.1-8B (dense) was planned
    # "Fits" with a command vLLM refuses. 0.32.0 has no such check: its 4 slots of rank 16,
    # 369,844,352 B at TP=1 on an H100 (test_lora.TP1_BYTES), planned as without the flag
    for version in ("0.33.0", "0.34.0"):
        code, out, err = run_main(capsys, "plan", "--model", LLAMA, "--gpu", "h100",
                                  "--vllm-version", version, "--enable-lora",
                                  "--moe-backend", backend)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert f"(\"LoRA is not supported with moe_backend='{backend}'." in err
    old = plan(PlanRequest(model=catalog_spec(LLAMA), cluster=preset_cluster("h100", 1),
                           engine=EngineSettings(vllm_version="0.32.0", moe_backend=backend,
                                                 **_lora())))
    assert not old.errors and old.lora_bytes_per_gpu == LLAMA_TP1_BYTES == 369_844_352
