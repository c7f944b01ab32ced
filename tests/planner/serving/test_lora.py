"""--enable-lora: vLLM's LoRA slots on each GPU (planner.serving.lora), worked by hand from the
vLLM 0.31.0-0.34.0 wheels' source (0.17.0-0.30.0 compared with them) for Llama-3.1-8B
(/work/shared/model-configs: hidden 4,096, 32 query / 8 KV heads of 128, intermediate 14,336,
vocabulary 128,256, 32 layers, untied).

Shapes, R = max_lora_rank = 16, N = max_loras = 4, bfloat16 (lora_dtype auto: 2 B):
- qkv_proj, MergedQKVParallelLinearWithLoRA (lora/layers/column_parallel_linear.py, 3 slices
  through MergedColumnParallelLinearWithLoRA.create_lora_weights): A 3 x (N, 1, R, 4,096), B
  (N, 1, q per rank, R) + 2 x (N, 1, kv per rank, R);
- o_proj / down_proj, RowParallelLinearWithLoRA (row_parallel_linear.py: input_size =
  input_size_per_partition; base_linear.py create_lora_weights): A (N, 1, R, input / TP), B
  (N, 1, 4,096, R); --fully-sharded-loras: B (N, 1, 4,096 / TP, R);
- gate_up_proj, MergedColumnParallelLinearWithLoRA: A 2 x (N, 1, R, 4,096), B 2 x (N, 1,
  14,336 / TP, R); --fully-sharded-loras: A of R / TP rows;
- embed_tokens (vocab_parallel_embedding.py): A (N, 128,256, R), B (N, 1, 4,096, R);
- lm_head (logits_processor.py): A (N, 1, R, 4,096), B (N, 1, 128,256, R), and at TP > 1 the
  int64 sharded_to_full_mapping_gpu over 128,256 (already a multiple of 64) entries;
- Punica (punica_base.py, punica_gpu.py, lora_kernel_metadata.py) at 8,192 batched tokens and
  1,024 sequences: 4 x 8,192 x 8 + 3 x 1,024 x 8 + 2 x (2 x 8,192 + 2 x 5 + 6) x 4 = 417,920 B.
"""

import json

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.launch import engine_flags
from planner.serving.layout import ParallelLayout
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.plan.layout_facts import setup
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused
from tests.cli.conftest import run_main

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
UNREAD = "moonshotai/Kimi-VL-A3B-Instruct"  # kimi_vl.py's class: not SupportsLoRA in any release
UNREAD_WORDS = "KimiVLForConditionalGeneration does not support LoRA yet."
PUNICA = 4 * 8192 * 8 + 3 * 1024 * 8 + 2 * (2 * 8192 + 2 * 5 + 6) * 4  # 417,920 B
# the embedding's and lm_head's slots, each N x (128,256 x 16 + 4,096 x 16) = 8,470,528
VOCAB_ENDS = 2 * 4 * (128256 * 16 + 4096 * 16)  # 16,941,056 elements
# one layer at TP=1, elements: qkv 4 x (3 x 16 x 4,096 + (4,096 + 1,024 + 1,024) x 16)
# = 1,179,648; o 4 x (16 x 4,096 + 4,096 x 16) = 524,288; gate_up 4 x (2 x 16 x 4,096 +
# 2 x 14,336 x 16) = 2,359,296; down 4 x (16 x 14,336 + 4,096 x 16) = 1,179,648
LAYER_TP1 = 1_179_648 + 524_288 + 2_359_296 + 1_179_648  # 5,242,880
TP1_BYTES = (32 * LAYER_TP1 + VOCAB_ENDS) * 2 + PUNICA  # 369,844,352 B
# TP=2: q 2,048 and kv 512 per rank, intermediate 7,168, o_proj input 2,048:
# qkv 4 x (3 x 16 x 4,096 + (2,048 + 512 + 512) x 16) = 983,040; o 4 x (16 x 2,048 + 4,096 x
# 16) = 393,216; gate_up 4 x (2 x 16 x 4,096 + 2 x 7,168 x 16) = 1,441,792; down 4 x (16 x
# 7,168 + 4,096 x 16) = 720,896
LAYER_TP2 = 983_040 + 393_216 + 1_441_792 + 720_896  # 3,538,944
MAPPING = 128256 * 8  # 1,026,048 B, the lm_head's int64 vocabulary mapping at TP > 1
TP2_BYTES = (32 * LAYER_TP2 + VOCAB_ENDS) * 2 + MAPPING + PUNICA  # 261,818,496 B
# --fully-sharded-loras at TP=2: column A of 8 rows, row B of 2,048 rows:
# qkv 4 x (3 x 8 x 4,096 + 3,072 x 16) = 589,824; o 4 x (16 x 2,048 + 2,048 x 16) = 262,144;
# gate_up 4 x (2 x 8 x 4,096 + 2 x 7,168 x 16) = 1,179,648; down 4 x (16 x 7,168 + 2,048 x
# 16) = 589,824
LAYER_FS2 = 589_824 + 262_144 + 1_179_648 + 589_824  # 2,621,440
FS2_BYTES = (32 * LAYER_FS2 + VOCAB_ENDS) * 2 + MAPPING + PUNICA  # 203,098,240 B


# Qwen3-8B (models/qwen3.py: Qwen2MLP, embedding_modules embed_tokens and lm_head): hidden
# 4,096, 32 / 8 heads of 128, intermediate 12,288, vocabulary 151,936, 36 layers, at TP=1:
# qkv 1,179,648 (as Llama's); o 524,288; gate_up 4 x (2 x 16 x 4,096 + 2 x 12,288 x 16) =
# 2,097,152; down 4 x (16 x 12,288 + 4,096 x 16) = 1,048,576; embed_tokens and lm_head each
# 4 x (151,936 x 16 + 4,096 x 16) = 9,986,048
QWEN3_BYTES = (36 * (1_179_648 + 524_288 + 2_097_152 + 1_048_576) + 2 * 9_986_048) * 2 + PUNICA
# Qwen2.5-7B (models/qwen2.py: Qwen2ForCausalLM declares no embedding_modules, so no embedding
# or lm_head slots): hidden 3,584, 28 / 4 heads of 128, intermediate 18,944, 28 layers, TP=1:
# qkv 4 x (3 x 16 x 3,584 + (3,584 + 512 + 512) x 16) = 983,040; o 4 x (16 x 3,584 + 3,584 x
# 16) = 458,752; gate_up 4 x (2 x 16 x 3,584 + 2 x 18,944 x 16) = 2,883,584; down 4 x (16 x
# 18,944 + 3,584 x 16) = 1,441,792
QWEN2_BYTES = 28 * (983_040 + 458_752 + 2_883_584 + 1_441_792) * 2 + PUNICA  # 323,379,328 B

# Mistral-7B-Instruct-v0.3 (models/mistral.py: a LlamaForCausalLM with embedding_modules {}):
# Llama-3.1-8B's layer shapes (hidden 4,096, 32 / 8 heads of 128, intermediate 14,336, 32
# layers), no embedding or lm_head slots
MISTRAL_BYTES = 32 * LAYER_TP1 * 2 + PUNICA  # 335,962,240 B
# gemma-2-9b-it (models/gemma2.py: no embedding_modules): hidden 3,584, 16 / 8 heads of 256,
# intermediate 14,336, 42 layers, TP=1: qkv 4 x (3 x 16 x 3,584 + (4,096 + 2,048 + 2,048) x 16)
# = 1,212,416; o 4 x (16 x 4,096 + 3,584 x 16) = 491,520; gate_up 4 x (2 x 16 x 3,584 + 2 x
# 14,336 x 16) = 2,293,760; down 4 x (16 x 14,336 + 3,584 x 16) = 1,146,880
GEMMA2_BYTES = 42 * (1_212_416 + 491_520 + 2_293_760 + 1_146_880) * 2 + PUNICA  # 432,562,304 B
# phi-4 (models/phi3.py Phi3ForCausalLM: a LlamaForCausalLM whose packed_modules_mapping gives
# qkv_proj and gate_up_proj one slice each, so one A each; Llama's embedding_modules): hidden
# 5,120, 40 / 10 heads of 128, intermediate 17,920, vocabulary 100,352, 40 layers, TP=1:
# qkv 4 x (16 x 5,120 + (5,120 + 1,280 + 1,280) x 16) = 819,200; o 4 x (16 x 5,120 + 5,120 x
# 16) = 655,360; gate_up 4 x (16 x 5,120 + 2 x 17,920 x 16) = 2,621,440; down 4 x (16 x 17,920
# + 5,120 x 16) = 1,474,560; embed_tokens and lm_head each 4 x (100,352 x 16 + 5,120 x 16) =
# 6,750,208
PHI4_BYTES = (40 * (819_200 + 655_360 + 2_621_440 + 1_474_560) + 2 * 6_750_208) * 2 + PUNICA
# A text-only Gemma3ForCausalLM (models/gemma3.py: no embedding_modules, so its lm_head and
# its 262,208-entry vocabulary, past vLLM's LoRA limit, are not wrapped) with gemma-3-12b-it's
# text_config: hidden 3,840, 16 / 8 heads of 256, intermediate 15,360, 48 layers, TP=1:
# qkv 4 x (3 x 16 x 3,840 + (4,096 + 2,048 + 2,048) x 16) = 1,261,568; o 4 x (16 x 4,096 +
# 3,840 x 16) = 507,904; gate_up 4 x (2 x 16 x 3,840 + 2 x 15,360 x 16) = 2,457,600; down 4 x
# (16 x 15,360 + 3,840 x 16) = 1,228,800
GEMMA3_BYTES = 48 * (1_261_568 + 507_904 + 2_457_600 + 1_228_800) * 2 + PUNICA  # 524,181,632 B
# vLLM 0.17.0-0.28.0 punica_base.py: _embeddings_indices is (2, tokens) int64, one row more
PUNICA_TO_028 = 5 * 8192 * 8 + 3 * 1024 * 8 + 2 * (2 * 8192 + 2 * 5 + 6) * 4  # 483,456 B


def _plan(tp: int = 1, pp: int = 1, version: str = "0.34.0", model: str = LLAMA, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", 2), layout=ParallelLayout(
            tp=tp, pp=pp), engine=EngineSettings(vllm_version=version, **engine)))


def _term(p, key: str):
    return next(t for t in p.terms if t.key == key)


@pytest.mark.parametrize(("tp", "fully_sharded", "expected"), [
    (1, False, TP1_BYTES), (2, False, TP2_BYTES), (2, True, FS2_BYTES)])
def test_the_slots_are_in_the_weights_as_worked_by_hand(tp, fully_sharded, expected) -> None:
    base = _plan(tp)
    lora = _plan(tp, enable_lora=True, max_loras=4, max_lora_rank=16,
                 fully_sharded_loras=fully_sharded)
    assert lora.lora_bytes_per_gpu == expected
    assert _term(lora, "lora").value == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert base.lora_bytes_per_gpu == 0 and not any(t.key == "lora" for t in base.terms)


@pytest.mark.parametrize(("model", "expected", "wrapped"), [
    ("Qwen/Qwen3-8B", QWEN3_BYTES, True), ("Qwen/Qwen2.5-7B-Instruct", QWEN2_BYTES, False)])
def test_qwen3_wraps_its_embedding_and_lm_head_and_qwen2_does_not(model, expected,
                                                                  wrapped) -> None:
    base = _plan(model=model)
    lora = _plan(model=model, enable_lora=True, max_loras=4)
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert ("lm_head" in _term(lora, "lora").formula) is wrapped
    assert QWEN3_BYTES == 389_537_920 and QWEN2_BYTES == 323_379_328


# One H100, max_num_seqs 1,024 and max_num_batched_tokens 8,192: the capture sizes are 1, 2, 4,
# 8-248 by 8 (31) and 256-512 by 16 (17), 51, each <= 1,024 so each a full graph too: 51 + 51
# graphs at int(8.4 MiB) = 8,808,038 B each
GRAPH = 8_808_038
BASE_GRAPH_BYTES = (51 + 51) * GRAPH  # 898,419,876 B
# With LoRA each size is captured for [0] + lora/utils.py get_captured_lora_counts(max_loras,
# specialize_active_lora=False) = [0, max_loras + 1] (max_loras 4: 0 and 5; the powers of two
# 1, 2, 4 join only with --specialize-active-lora, which would make 5 cases, 255 + 255 graphs)
LORA_GRAPH_BYTES = 2 * (51 + 51) * GRAPH  # 1,796,839,752 B


@pytest.mark.parametrize(("version", "max_loras"), [
    ("0.21.0", 4), ("0.24.0", 4), ("0.31.0", 1), ("0.31.0", 4), ("0.31.0", 8), ("0.34.0", 4)])
def test_the_cuda_graphs_are_captured_for_no_lora_and_for_max_loras_plus_one(
        version, max_loras) -> None:
    # V1's v1/cudagraph_dispatcher.py _get_lora_cases (0.21.0) and Model Runner V2's
    # v1/worker/gpu/lora_utils.py get_lora_capture_cases (0.24.0-0.34.0): two cases per size
    # whatever max_loras, since the launch command leaves specialize_active_lora off
    base, lora = _plan(version=version), _plan(version=version, enable_lora=True,
                                               max_loras=max_loras)
    assert base.cuda_graph_bytes_per_gpu == BASE_GRAPH_BYTES == 898_419_876
    assert lora.cuda_graph_bytes_per_gpu == LORA_GRAPH_BYTES == 1_796_839_752
    assert "(102 piecewise + 102 full graphs)" in _term(lora, "cuda_graphs").formula
    assert "--specialize-active-lora" not in lora.vllm_command
    assert "without --specialize-active-lora's powers of two" in _term(lora, "lora").note


# --specialize-active-lora: [0] + get_captured_lora_counts(max_loras, True), whose `n & (n - 1)
# == 0 or n == max_loras + 1` over 1..max_loras + 1 (lora/utils.py, 0.17.0 and 0.34.0 alike)
# keeps the powers of two and max_loras + 1: max_loras 1 -> 0, 1, 2 (2 is both); 3 -> 0, 1, 2,
# 4; 4 -> 0, 1, 2, 4, 5; 8 -> 0, 1, 2, 4, 8, 9
@pytest.mark.parametrize(("version", "max_loras", "counts"), [
    ("0.17.0", 4, "0, 1, 2, 4 and 5"), ("0.31.0", 1, "0, 1 and 2"), ("0.31.0", 3, "0, 1, 2 and 4"),
    ("0.31.0", 4, "0, 1, 2, 4 and 5"), ("0.31.0", 8, "0, 1, 2, 4, 8 and 9"),
    ("0.34.0", 4, "0, 1, 2, 4 and 5")])
def test_specialize_active_lora_captures_each_size_per_power_of_two(version, max_loras,
                                                                   counts) -> None:
    lora = _plan(version=version, enable_lora=True, max_loras=max_loras,
                 specialize_active_lora=True)
    cases = counts.count(",") + 2
    assert lora.cuda_graph_bytes_per_gpu == cases * BASE_GRAPH_BYTES
    assert f"CUDA graphs captured x {cases} ({counts} active LoRAs" in _term(lora, "lora").note
    assert "--specialize-active-lora" in lora.vllm_command
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []


def test_specialize_active_lora_on_four_slots_as_worked_by_hand() -> None:
    # Llama-3.1-8B on one H100, 4 slots, vLLM 0.31.0: 5 cases (0, 1, 2, 4, 5) x (51 piecewise +
    # 51 full) x 8,808,038 B = 4,492,099,380 B, against 2 x 102 x 8,808,038 = 1,796,839,752 B
    default = _plan(version="0.31.0", enable_lora=True, max_loras=4)
    lora = _plan(version="0.31.0", enable_lora=True, max_loras=4, specialize_active_lora=True)
    assert default.cuda_graph_bytes_per_gpu == 1_796_839_752
    assert lora.cuda_graph_bytes_per_gpu == 5 * (51 + 51) * GRAPH == 4_492_099_380
    assert "(255 piecewise + 255 full graphs)" in _term(lora, "cuda_graphs").formula
    assert lora.lora_bytes_per_gpu == default.lora_bytes_per_gpu  # the slots are the same
    assert _term(lora, "lora").inputs["specialize_active_lora"] == "True"


def test_pipeline_stages_hold_their_own_layers_embedding_and_lm_head() -> None:
    # PP=2: 16 layers a stage; embed_tokens on the first (untied), lm_head and its (TP=1: no)
    # mapping on the last
    p = _plan(pp=2, enable_lora=True, max_loras=4)
    # each stage: 16 layers + one of embed_tokens / lm_head (8,470,528 elements each)
    assert p.lora_bytes_per_gpu == (16 * LAYER_TP1 + VOCAB_ENDS // 2) * 2 + PUNICA
    formula = _term(p, "lora").formula
    assert "qkv_proj 16 x 1,179,648" in formula
    assert ("embed_tokens" in formula) != ("lm_head" in formula)


def test_the_reported_lora_bytes_are_the_heaviest_gpus(capsys) -> None:
    # Qwen2.5-7B at PP=3 (vLLM get_pp_indices: 28 // 3 = 9 a stage, the one left over on the
    # stage before the last: 9 / 10 / 9 layers); no embedding or lm_head slots (QWEN2_BYTES):
    # the last stage (9 layers, lm_head 152,064 x 3,584 and the final norm) is the heaviest,
    # the middle one (10 layers, nothing else) the lightest but with the most slots. Inside the
    # heaviest GPU's weights: 9 x 5,767,168 elements x 2 B + PUNICA = 104,226,944 B (0.10
    # GiB), not the middle stage's 10 x 5,767,168 x 2 + PUNICA = 115,761,280 B (0.11 GiB)
    qwen2_layer = 983_040 + 458_752 + 2_883_584 + 1_441_792  # 5,767,168 elements
    p = plan(PlanRequest(
        model=catalog_spec("Qwen/Qwen2.5-7B-Instruct"), cluster=preset_cluster("h100", 3),
        layout=ParallelLayout(pp=3), engine=EngineSettings(enable_lora=True, max_loras=4)))
    assert [g.layers for g in p.per_gpu] == [(0, 9), (9, 19), (19, 28)]
    assert p.weights_bytes_per_gpu == p.per_gpu[2].weights_bytes > p.per_gpu[1].weights_bytes
    assert p.lora_bytes_per_gpu == 9 * qwen2_layer * 2 + PUNICA == 104_226_944
    # each GPU's own (the app's memory bar draws them): the middle stage's 10 layers
    assert [g.lora_bytes for g in p.per_gpu] == [104_226_944, 115_761_280, 104_226_944]
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen2.5-7B-Instruct", "--gpu",
                            "h100", "--gpus", "3", "--pp", "3", "--enable-lora", "--max-loras",
                            "4")
    assert code == 0 and "(0.10 GiB of them LoRA slots)" in out


def test_a_stages_ranks_and_stages_alike_hold_one_copy_of_the_weights_with_slots() -> None:
    # TP=2 x PP=4: 8 layers a stage; the middle two stages hold no embedding or lm_head, so
    # the same slots: 8 x LAYER_TP2 x 2 B + PUNICA = 57,041,024 B on each of their ranks. Each
    # (stage, rank) position got its own copy of its weights before (3.4 million copies in a
    # 4,096-GPU sweep of Llama 3.1 405B, 32 s where 4.6 s without --enable-lora), and every
    # stage was sized as a worker of its own kind
    facts = setup(catalog_spec(LLAMA), preset_cluster("h100", 8), ParallelLayout(tp=2, pp=4),
                  EngineSettings(enable_lora=True, max_loras=4)).facts
    terms = facts.weight_terms
    assert [t.lora_bytes for t in terms[2:6]] == [8 * LAYER_TP2 * 2 + PUNICA] * 4
    assert len({id(t) for t in terms}) == 3  # stage 0, stages 1 and 2, stage 3
    assert terms[2] is terms[3] is terms[4] is terms[5]
    assert [stage for stage, *_ in facts.workers] == [0, 1, 3]


def test_the_launch_command_carries_the_flags_the_release_parses() -> None:
    s = EngineSettings(enable_lora=True, max_loras=4, max_lora_rank=64, fully_sharded_loras=True)
    flags = engine_flags(s, 8192, 8192, 256)
    assert "--enable-lora --max-loras 4 --max-lora-rank 64 --fully-sharded-loras" in flags
    for version in ("0.17.0", "0.17.1", "0.18.0", "0.18.1", "0.19.0", "0.19.1", "0.20.0",
                    "0.20.1", "0.20.2", "0.21.0", "0.22.0", "0.22.1", "0.23.0", "0.24.0",
                    "0.25.0", "0.25.1", "0.26.0", "0.27.0", "0.27.1", "0.28.0", "0.29.0",
                    "0.30.0", "0.31.0", "0.32.0", "0.33.0", "0.34.0"):
        command = _plan(2, version=version, enable_lora=True, max_loras=4,
                        fully_sharded_loras=True).vllm_command
        assert "--enable-lora --max-loras 4 --max-lora-rank 16 --fully-sharded-loras" in command
        assert command_problems(command, vllm_cli(version)) == []


def test_a_rank_vllm_has_no_choice_for_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid choice: 24"):
        EngineSettings(enable_lora=True, max_lora_rank=24)
    with pytest.raises(ValueError):
        EngineSettings(enable_lora=True, max_loras=0)


def test_an_unread_release_or_model_is_refused_in_the_plan() -> None:
    refusal = next(e for e in _plan(version="0.16.0", enable_lora=True).errors
                   if "vLLM 0.16.0 is not read" in e)
    assert "(0.17.0, 0.17.1, 0.18.0, 0.18.1, 0.19.0, 0.19.1, 0.20.0, 0.20.1, 0.20.2, " in refusal
    assert "0.34.0)" in refusal
    moe = plan(PlanRequest(model=catalog_spec(UNREAD), cluster=preset_cluster("h100", 2),
                           engine=EngineSettings(enable_lora=True)))
    assert any(UNREAD_WORDS in e for e in moe.errors)


def test_a_rank_tp_does_not_divide_fails_fully_sharded() -> None:
    with pytest.raises(LayoutRefused, match="--max-lora-rank 1 over TP 2, which does not"):
        _plan(2, enable_lora=True, max_lora_rank=1, fully_sharded_loras=True)


@pytest.mark.parametrize(("argv", "words"), [
    (("--enable-lora", "--vllm-version", "0.16.0"), "vLLM 0.16.0 is not read"),
    (("--enable-lora", "--vllm-version", "0.15.1"), "vLLM 0.15.1 is not read"),
    (("--max-loras", "4"), "--max-loras needs --enable-lora"),
    (("--specialize-active-lora",), "--specialize-active-lora needs --enable-lora"),
])
def test_the_cli_refuses_in_one_line(capsys, argv, words) -> None:
    code, _, err = run_main(capsys, "plan", "--model", LLAMA, "--gpu", "h100", *argv)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("argv", "words"), [
    (("--max-lora-rank", "24"), "invalid choice: 24"),
    (("--max-loras", "0"), "0 is outside 1..65,536"),
])
def test_the_parser_refuses_values_vllm_refuses(capsys, argv, words) -> None:
    with pytest.raises(SystemExit) as refused:
        run_main(capsys, "plan", "--model", LLAMA, "--gpu", "h100", "--enable-lora", *argv)
    err = capsys.readouterr().err
    assert refused.value.code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_the_cli_refuses_a_model_whose_modules_are_not_read(capsys) -> None:
    code, _, err = run_main(capsys, "sweep", "--model", UNREAD, "--gpu", "h100",
                            "--enable-lora")
    assert code == 2 and UNREAD_WORDS in err


def test_the_plan_text_says_how_much_of_the_weights_are_lora_slots(capsys) -> None:
    # 369,844,352 B = 0.34 GiB (TP1_BYTES)
    code, out, _ = run_main(capsys, "plan", "--model", LLAMA, "--gpu", "h100", "--enable-lora",
                            "--max-loras", "4")
    assert code == 0 and "(0.34 GiB of them LoRA slots)" in out
    assert "LoRA kernels (Punica's shrink and expand" in out


def test_kv_heads_are_replicated_past_tp_equal_to_kv_heads() -> None:
    # Llama-3.1-8B at TP=16 (one layer): q 32 / 16 = 2 heads of 128 = 256 per rank, kv 8 / 16
    # rounds to max(1, 0) = 1 head = 128 (QKVParallelLinear replicates the KV heads):
    # qkv 4 x (3 x 16 x 4,096 + (256 + 128 + 128) x 16) = 819,200; o_proj input 4,096 / 16 =
    # 256: 4 x (16 x 256 + 4,096 x 16) = 278,528
    parts = stage_parts(catalog_spec(LLAMA), range(1), False, False, 16,
                        LoraSettings(4, 16, False, (0, 34, 0)))
    by_name = {p.name: p.elements for p in parts}
    assert by_name["qkv_proj"] == 819_200 and by_name["o_proj"] == 278_528


@pytest.mark.parametrize(("model", "expected"), [
    ("mistralai/Mistral-7B-Instruct-v0.3", MISTRAL_BYTES), ("google/gemma-2-9b-it", GEMMA2_BYTES)])
def test_mistral_and_gemma2_get_layer_slots_only(model, expected) -> None:
    base, lora = _plan(model=model), _plan(model=model, enable_lora=True, max_loras=4)
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert "lm_head" not in _term(lora, "lora").formula
    assert MISTRAL_BYTES == 335_962_240 and GEMMA2_BYTES == 432_562_304


@pytest.mark.parametrize(("version", "punica"), [
    ("0.17.0", PUNICA_TO_028), ("0.20.0", PUNICA_TO_028), ("0.28.0", PUNICA_TO_028),
    ("0.29.0", PUNICA)])
def test_older_releases_size_the_same_slots_and_their_own_punica_rows(version, punica) -> None:
    lora = _plan(version=version, enable_lora=True, max_loras=4, max_num_seqs=1024,
                 max_num_batched_tokens=8192)
    assert lora.lora_bytes_per_gpu == (32 * LAYER_TP1 + VOCAB_ENDS) * 2 + punica
    assert PUNICA_TO_028 == 483_456


@pytest.mark.parametrize("version", [
    "0.17.1", "0.18.1", "0.19.1", "0.20.1", "0.20.2", "0.25.1", "0.27.1"])
def test_patch_releases_size_what_their_x_y_0_sizes(version) -> None:
    # every file the LoRA rules read is the same in the patch's wheel as in its x.y.0's
    # (lora.settings.LORA_READ): the 0.17.0-0.28.0 slots and Punica rows, and two graph cases per
    # size (V1 to 0.20.x, Model Runner V2 from 0.24.0); was refused ("is not read")
    lora = _plan(version=version, enable_lora=True, max_loras=4, max_num_seqs=1024,
                 max_num_batched_tokens=8192)
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == (32 * LAYER_TP1 + VOCAB_ENDS) * 2 + PUNICA_TO_028
    assert lora.lora_bytes_per_gpu == 369_909_888
    assert lora.cuda_graph_bytes_per_gpu == LORA_GRAPH_BYTES


@pytest.mark.parametrize(("version", "factor"), [
    ("0.17.0", 2), ("0.21.0", 2), ("0.23.0", 1), ("0.24.0", 2)])
def test_model_runner_v2_before_0_24_captures_each_size_once(version, factor) -> None:
    # Llama-3.1-8B, dense and unquantized: V1 in 0.17.0 and 0.21.0, V2 from 0.23.0
    # (vllm_versions.V2_RUNNER_DEFAULTS); V2 captures the LoRA cases from 0.24.0 only
    base, lora = _plan(version=version), _plan(version=version, enable_lora=True)
    assert lora.cuda_graph_bytes_per_gpu == factor * base.cuda_graph_bytes_per_gpu > 0
    assert ("captured once, with LoRA" in _term(lora, "lora").note) is (factor == 1)


def test_model_runner_v2_before_0_24_ignores_specialize_active_lora() -> None:
    # 0.23.0's V2 cudagraph_utils.py capture(has_lora=...) reads no get_captured_lora_counts
    base = _plan(version="0.23.0")
    lora = _plan(version="0.23.0", enable_lora=True, max_loras=4, specialize_active_lora=True)
    assert lora.cuda_graph_bytes_per_gpu == base.cuda_graph_bytes_per_gpu > 0
    assert "--specialize-active-lora or not" in _term(lora, "lora").note


def test_phi3_wraps_one_slice_per_packed_module() -> None:
    base = _plan(model="microsoft/phi-4")
    lora = _plan(model="microsoft/phi-4", enable_lora=True, max_loras=4)
    assert lora.lora_bytes_per_gpu == PHI4_BYTES == 473_063_552
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == PHI4_BYTES
    assert "qkv_proj 40 x 819,200" in _term(lora, "lora").formula


def test_text_only_gemma3_gets_layer_slots_and_no_vocab_limit() -> None:
    text = catalog_entry("google/gemma-3-12b-it").config["text_config"]
    spec = parse_model_config({**text, "architectures": ["Gemma3ForCausalLM"],
                               "torch_dtype": "bfloat16"})
    lora = plan(PlanRequest(model=spec, cluster=preset_cluster("h100", 1), engine=EngineSettings(
        vllm_version="0.34.0", enable_lora=True, max_loras=4)))
    assert not lora.errors and lora.lora_bytes_per_gpu == GEMMA3_BYTES == 524_181_632


# google/gemma-3-27b-it, Gemma3ForConditionalGeneration (Headroom's catalog config, marked
# reconstructed: /work/shared has no verbatim copy, the repo being gated; its text_config:
# hidden 5,376, 32 / 16 heads of 128, intermediate 21,504, 62 layers). vLLM 0.17.0-0.34.0
# models/gemma3_mm.py __init__ builds language_model with init_vllm_registered_model(
# architectures=["Gemma3ForCausalLM"]) (so its layers are wrapped as the text-only class's, no
# embedding_modules: no embedding or lm_head slots, no vocabulary limit) and get_mm_mapping names
# vision_tower and multi_modal_projector, which lora/model_manager.py _maybe_init_mm gives no
# Punica wrapper without --enable-tower-connector-lora (default False, config/lora.py), so
# _create_lora_modules ignores them. N = 4, R = 16, bfloat16, TP=1:
# qkv 4 x (3 x 16 x 5,376 + (4,096 + 2,048 + 2,048) x 16) = 4 x 389,120 = 1,556,480;
# o 4 x (16 x 4,096 + 5,376 x 16) = 606,208; gate_up 4 x (2 x 16 x 5,376 + 2 x 21,504 x 16)
# = 3,440,640; down 4 x (16 x 21,504 + 5,376 x 16) = 1,720,320
GEMMA3_MM_TP1 = 62 * (1_556_480 + 606_208 + 3_440_640 + 1_720_320) * 2 + PUNICA
# TP=2: q 2,048 and kv 1,024 per rank, o_proj input 2,048, intermediate 10,752:
# qkv 4 x (3 x 16 x 5,376 + (2,048 + 1,024 + 1,024) x 16) = 1,294,336; o 4 x (16 x 2,048 +
# 5,376 x 16) = 475,136; gate_up 4 x (2 x 16 x 5,376 + 2 x 10,752 x 16) = 2,064,384; down 4 x
# (16 x 10,752 + 5,376 x 16) = 1,032,192; no lm_head, so no vocabulary mapping
GEMMA3_MM_TP2 = 62 * (1_294_336 + 475_136 + 2_064_384 + 1_032_192) * 2 + PUNICA


@pytest.mark.parametrize(("tp", "expected"), [(1, GEMMA3_MM_TP1), (2, GEMMA3_MM_TP2)])
@pytest.mark.parametrize(("version", "punica"), [
    ("0.17.0", PUNICA_TO_028), ("0.24.0", PUNICA_TO_028), ("0.34.0", PUNICA)])
def test_multimodal_gemma3_sizes_its_language_model_only(tp, expected, version, punica) -> None:
    engine = {"max_num_seqs": 1024, "max_num_batched_tokens": 8192, "max_model_len": 32768}
    base = _plan(tp, version=version, model="google/gemma-3-27b-it", **engine)
    lora = _plan(tp, version=version, model="google/gemma-3-27b-it", enable_lora=True,
                 max_loras=4, **engine)
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == expected - PUNICA + punica
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == lora.lora_bytes_per_gpu
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in lora.vllm_command
    assert "tower-connector" not in lora.vllm_command
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []
    note = _term(lora, "lora").note
    assert "vision_tower (SigLIP) and multi_modal_projector get no LoRA" in note
    assert GEMMA3_MM_TP1 == 908_550_272 and GEMMA3_MM_TP2 == 603_807_872


# Qwen/Qwen3-VL-32B-Instruct, Qwen3VLForConditionalGeneration (/work/shared/model-configs, verbatim:
# text_config hidden 5,120, 64 / 8 heads of 128, intermediate 25,600, vocabulary 151,936, 64
# layers, untied). vLLM 0.17.0-0.34.0 models/qwen3_vl.py: language_model is a
# Qwen3LLMForCausalLM, a Qwen3ForCausalLM (embedding_modules embed_tokens and lm_head, which
# lora/utils.py get_supported_lora_modules reads off every module); visual, visual.merger and
# visual.deepstack_merger_list get no Punica wrapper without --enable-tower-connector-lora
# (lora/model_manager.py _maybe_init_mm). N = 4, R = 16, bfloat16, TP=1:
# qkv 4 x (3 x 16 x 5,120 + (8,192 + 1,024 + 1,024) x 16) = 1,638,400; o 4 x (16 x 8,192 +
# 5,120 x 16) = 851,968; gate_up 4 x (2 x 16 x 5,120 + 2 x 25,600 x 16) = 3,932,160; down 4 x
# (16 x 25,600 + 5,120 x 16) = 1,966,080; embed_tokens and lm_head each 4 x (151,936 x 16 +
# 5,120 x 16) = 10,051,584
QWEN3_VL_TP1 = (64 * (1_638_400 + 851_968 + 3_932_160 + 1_966_080) + 2 * 10_051_584) * 2 + PUNICA
# TP=2: q 4,096 and kv 512 per rank, o_proj input 4,096, intermediate 12,800: qkv 4 x (3 x 16 x
# 5,120 + (4,096 + 512 + 512) x 16) = 1,310,720; o 4 x (16 x 4,096 + 5,120 x 16) = 589,824;
# gate_up 4 x (2 x 16 x 5,120 + 2 x 12,800 x 16) = 2,293,760; down 4 x (16 x 12,800 + 5,120 x
# 16) = 1,146,880; the embedding and lm_head unsharded; the lm_head's int64 mapping over
# 151,936 (a multiple of 64) entries
QWEN3_VL_TP2 = ((64 * (1_310_720 + 589_824 + 2_293_760 + 1_146_880) + 2 * 10_051_584) * 2
                + 151_936 * 8 + PUNICA)


@pytest.mark.parametrize(("tp", "expected"), [(1, QWEN3_VL_TP1), (2, QWEN3_VL_TP2)])
@pytest.mark.parametrize(("version", "punica"), [
    ("0.17.0", PUNICA_TO_028), ("0.24.0", PUNICA_TO_028), ("0.34.0", PUNICA)])
def test_qwen3_vl_sizes_its_language_model_as_qwen3(tp, expected, version, punica) -> None:
    model = "Qwen/Qwen3-VL-32B-Instruct"
    engine = {"max_num_seqs": 1024, "max_num_batched_tokens": 8192, "max_model_len": 8192}
    base = _plan(tp, version=version, model=model, **engine)
    lora = _plan(tp, version=version, model=model, enable_lora=True, max_loras=4, **engine)
    assert lora.lora_bytes_per_gpu == expected - PUNICA + punica
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == lora.lora_bytes_per_gpu
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []
    assert "tower-connector" not in lora.vllm_command
    assert "visual.merger and visual.deepstack_merger_list get no LoRA" in _term(lora, "lora").note
    assert QWEN3_VL_TP1 == 1_114_366_080 and QWEN3_VL_TP2 == 725_511_296


# Tied Qwen3-VL (tie_word_embeddings true; Qwen3-VL-32B's verbatim config with the flag set, the
# tied sizes having no config in /work/shared): vLLM 0.17.0-0.27.1 models/qwen3_vl.py
# Qwen3LLMForCausalLM sets `self.lm_head = self.model.embed_tokens`, so lora/model_manager.py
# _create_lora_modules (named_modules(remove_duplicate=False); from 0.22.0 its wrapped_by_id alias
# rule skips names with "lm_head") wraps that VocabParallelEmbedding twice: lm_head gets a second
# VocabParallelEmbeddingWithLoRA, A (4, 151,936, 16) + B (4, 1, 5,120, 16) = 10,051,584 elements,
# besides the LogitsProcessorWithLoRA (untied's lm_head slots). From 0.28.0 the lm_head is its own
# ParallelLMHead (tie_weights): the untied slots. TP=1, N = 4, R = 16, bfloat16:
# 0.17.0-0.28.0 Punica 483,456 B; 0.17.0 / 0.27.1: 1,114,366,080 - 417,920 + 483,456 + 2 x
# 10,051,584 = 1,134,534,784 B; 0.28.0: 1,114,431,616 B; 0.34.0: 1,114,366,080 B (untied's).
@pytest.mark.parametrize(("version", "expected"), [
    ("0.17.0", 1_134_534_784), ("0.27.1", 1_134_534_784), ("0.28.0", 1_114_431_616),
    ("0.34.0", QWEN3_VL_TP1)])
def test_tied_qwen3_vl_wraps_its_lm_head_as_an_embedding_to_0_27(version, expected) -> None:
    config = catalog_entry("Qwen/Qwen3-VL-32B-Instruct").config
    tied = parse_model_config({**config, "tie_word_embeddings": True,
                               "text_config": {**config["text_config"],
                                               "tie_word_embeddings": True}})
    assert tied.tie_word_embeddings
    lora = plan(PlanRequest(model=tied, cluster=preset_cluster("h100", 1), engine=(
        EngineSettings(vllm_version=version, enable_lora=True, max_loras=4, max_num_seqs=1024,
                       max_num_batched_tokens=8192, max_model_len=8192))))
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert ("lm_head as embedding 10,051,584" in _term(lora, "lora").formula) == (
        version < "0.28.0")


def test_the_note_says_no_graphs_under_enforce_eager() -> None:
    # --enforce-eager captures no CUDA graph, with LoRA or without: nothing to double
    lora = _plan(enable_lora=True, enforce_eager=True)
    assert lora.cuda_graph_bytes_per_gpu == 0
    note = _term(lora, "lora").note
    assert "no CUDA graphs to capture with LoRA (--enforce-eager)" in note
    assert "captured x" not in note and "captured once" not in note


@pytest.mark.parametrize(("model", "wrapped"), [
    (LLAMA, True), ("Qwen/Qwen2.5-7B-Instruct", False)])
def test_the_note_names_embedding_and_lm_head_slots_only_where_wrapped(model, wrapped) -> None:
    # at TP=2 Llama's lm_head LoRA gathers the logits; Qwen2's lm_head is not wrapped
    note = _term(_plan(2, model=model, enable_lora=True), "lora").note
    assert ("the embedding and lm_head unsharded" in note) is wrapped
    assert ("no embedding or lm_head slots" in note) is not wrapped
    assert ("copy of the gathered logits" in note) is wrapped



def _json(capsys, *argv: str) -> dict:
    """`python -m planner ARGV` on one H100, its JSON output (exit 0 asserted)."""
    code, out, err = run_main(capsys, *argv, "--gpu", "h100")
    assert code == 0, err
    return json.loads(out)


def test_report_compare_plans_a_model_whose_slots_are_not_sized_without_lora(capsys) -> None:
    # report --compare UNREAD --enable-lora read "Does not fit" in its row, with no speed:
    # the LoRA refusal. It is planned as `plan` plans it without LoRA (the same weights) and
    # its row's note says so; Qwen2.5-7B, whose slots are sized, keeps them: QWEN2_BYTES
    # (N = 4, R = 16) more than without LoRA
    lora = ("--enable-lora", "--max-loras", "4")
    _, moe, qwen2 = _json(capsys, "report", "--model", "Qwen/Qwen3-8B", *lora, "--format",
                          "json", "--compare", UNREAD, "Qwen/Qwen2.5-7B-Instruct",
                          )["comparison"]
    assert moe["fits"] and moe["tpot_ms"] is not None
    assert moe["weights_bytes_per_gpu"] == _json(
        capsys, "plan", "--model", UNREAD, "--json")["weights_bytes_per_gpu"]
    note = [w for w in moe["warnings"] if w.startswith("planned without LoRA")]
    assert len(note) == 1 and UNREAD_WORDS in note[0]
    plain = _json(capsys, "plan", "--model", "Qwen/Qwen2.5-7B-Instruct", "--json")
    assert qwen2["weights_bytes_per_gpu"] - plain["weights_bytes_per_gpu"] == QWEN2_BYTES
    assert not any("LoRA" in w for w in qwen2["warnings"])


# --lora-dtype: vLLM 0.17.0-0.34.0 config/lora.py LoRADType is Literal["auto", "float16",
# "bfloat16"] (no float32); verify_with_model_config turns "auto" into the model's dtype and a
# name into getattr(torch, name); every lora_a_stacked / lora_b_stacked is torch.zeros(...,
# dtype=lora_config.lora_dtype) while the Punica index buffers stay torch.long. Llama-3.1-8B
# on one H100, 4 slots of rank 16, 0.31.0: TP1_BYTES = 184,713,216 slot elements x 2 B +
# 417,920 B of Punica buffers = 369,844,352 B, in bfloat16 named or auto, and in float16 beside
# a model served in float16.
@pytest.mark.parametrize(("dtype", "lora_dtype"), [
    ("auto", "bfloat16"), ("bfloat16", "bfloat16"), ("float16", "float16"), ("float16", "auto")])
def test_lora_dtype_sizes_the_slots_elements(dtype, lora_dtype) -> None:
    assert (32 * LAYER_TP1 + VOCAB_ENDS) == 184_713_216 and TP1_BYTES == 369_844_352
    lora = _plan(version="0.31.0", dtype=dtype, enable_lora=True, max_loras=4,
                 lora_dtype=lora_dtype)
    assert lora.fits and not lora.errors
    assert lora.lora_bytes_per_gpu == _term(lora, "lora").value == 369_844_352
    assert ("--lora-dtype" in lora.vllm_command) is (lora_dtype != "auto")
    assert command_problems(lora.vllm_command, vllm_cli("0.31.0")) == []


# lora/ops/triton_ops/lora_shrink_op.py (0.17.0-0.34.0) asserts `inputs.dtype ==
# lora_a_weights[0].dtype` and `inputs.dtype in [torch.float16, torch.bfloat16]` once an
# adapter is active, and the layer's input reaches it uncast (base_linear.py
# _apply_lora_to_output -> punica_gpu.py add_lora_linear -> add_shrink): a model served in
# float32 fails whatever the slots, and 16-bit slots of the other dtype fail. These planned
# (739,270,784 B of float32 slots; 369,844,352 B of bfloat16 slots beside float32 or float16
# activations) and now read as vLLM's start-up failure; the CLI exits 2.
@pytest.mark.parametrize(("dtype", "lora_dtype", "words"), [
    ("float32", "auto", "the model is served in float32 (--dtype)"),
    ("float32", "bfloat16", "the model is served in float32 (--dtype)"),
    ("auto", "float16", "--lora-dtype float16 slots beside a model served in bfloat16"),
    ("float16", "bfloat16", "--lora-dtype bfloat16 slots beside a model served in float16")])
def test_slots_in_another_dtype_than_the_served_one_are_vllms_failure(capsys, dtype, lora_dtype,
                                                                       words) -> None:
    lora = _plan(version="0.31.0", dtype=dtype, enable_lora=True, lora_dtype=lora_dtype)
    assert not lora.fits
    [error] = [e for e in lora.errors if "lora_shrink_op.py" in e]
    assert error.startswith("--enable-lora: vLLM fails as soon as an adapter is active (an "
                            "AssertionError in lora/ops/triton_ops/lora_shrink_op.py: at "
                            "start-up while it captures the CUDA graphs of the active-LoRA "
                            "cases, on the first adapter request with --enforce-eager): ")
    assert words in error
    code, out, err = run_main(capsys, "plan", "--model", LLAMA, "--gpu", "h100", "--enable-lora",
                              "--dtype", dtype, "--lora-dtype", lora_dtype)
    assert (code, out) == (2, "") and words in err and len(err.strip().splitlines()) == 1


def test_auto_slots_follow_a_gpu_without_bfloat16_and_named_ones_must_too(capsys) -> None:
    # a T4 (capability 7.5) serves bfloat16 Llama in float16 (engine.served_dtype), and auto
    # slots with it; bfloat16 slots there fail as above
    code, _, _ = run_main(capsys, "plan", "--model", LLAMA, "--gpu", "t4", "--enable-lora",
                          "--max-model-len", "4k")
    assert code == 0
    code, _, err = run_main(capsys, "plan", "--model", LLAMA, "--gpu", "t4", "--enable-lora",
                            "--max-model-len", "4k", "--lora-dtype", "bfloat16")
    assert code == 2 and "--lora-dtype bfloat16 slots beside a model served in float16" in err


def test_lora_dtype_is_passed_when_not_auto_and_every_release_parses_it() -> None:
    for version in ("0.17.0", "0.22.1", "0.28.0", "0.31.0", "0.34.0"):
        command = _plan(version=version, enable_lora=True, lora_dtype="bfloat16").vllm_command
        assert "--enable-lora --max-loras 1 --max-lora-rank 16 --lora-dtype bfloat16" in command
        assert command_problems(command, vllm_cli(version)) == []


def test_a_lora_dtype_vllm_does_not_take_is_refused(capsys) -> None:
    with pytest.raises(ValueError, match="--lora-dtype: float32 is not one of auto, float16, "
                       "bfloat16"):
        EngineSettings(enable_lora=True, lora_dtype="float32")
    with pytest.raises(SystemExit) as refused:
        run_main(capsys, "plan", "--model", LLAMA, "--gpu", "h100", "--enable-lora",
                 "--lora-dtype", "float32")
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "invalid choice: 'float32'" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_main(capsys, "plan", "--model", LLAMA, "--gpu", "h100", "--lora-dtype",
                            "float16")
    assert code == 2 and "--lora-dtype needs --enable-lora" in err


# Multimodal classes of lora.coverage.SUPPORTS_LORA_FROM, from the class lines of the vLLM
# 0.17.0-0.34.0 wheels: models/kimi_vl.py KimiVLForConditionalGeneration is never SupportsLoRA,
# gemma4_mm.py's is from 0.20.0 (not in 0.19.x; sized from there: test_lora_gemma4),
# llava_next.py's (granite-vision) from 0.29.0 (sized from there: test_lora_granite_vision_mimo_v2);
# without it v1/worker/lora_model_runner_mixin.py load_lora_model raises "<class> does not support
# LoRA yet.".
@pytest.mark.parametrize(("model", "version", "expected"), [
    ("moonshotai/Kimi-VL-A3B-Instruct", "0.34.0",
     "(\"KimiVLForConditionalGeneration does not support LoRA yet.\""),
    ("google/gemma-4-26B-A4B", "0.19.0", "SupportsLoRA there (it is from vLLM 0.20.0)"),
    ("ibm-granite/granite-vision-3.3-2b", "0.28.0", "SupportsLoRA there (it is from vLLM 0.29.0)"),
])
def test_unread_multimodal_classes_are_refused_with_their_reason(model, version,
                                                                 expected) -> None:
    refused = plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100", 8),
                               layout=ParallelLayout(tp=8), engine=EngineSettings(
                                   vllm_version=version, enable_lora=True)))
    assert any(expected in e for e in refused.errors), refused.errors
