"""--enable-lora on Llama 4 (Llama4ForConditionalGeneration; planner.serving.lora.moe and lora),
worked by hand from models/mllama4.py and llama4.py of the vLLM 0.34.0 wheel (0.17.0, 0.21.0
and 0.28.0 for the releases that differ) and lora/ of the same wheels, with
/work/shared/model-configs/meta-llama__Llama-4-Maverick-17B-128E-Instruct.json (text_config):
hidden 5,120, 40 heads, 8 kv heads, head_dim 128, 48 layers, interleave_moe_layer_step 2 (layer
i is Llama4MoE where (i + 1) % 2 == 0: the 24 odd layers; the 24 even ones LlamaMLP of
intermediate_size_mlp 16,384), 128 experts (num_local_experts) of intermediate_size 8,192, one
shared expert (LlamaMLP of intermediate_size 8,192), router ReplicatedLinear / GateLinear
(5,120 -> 128), vocabulary 202,048, untied, bfloat16.

8x H200, TP=8 (5 heads and 1 kv head a rank), N = max_loras = 4, R = max_lora_rank = 16, 2 B per
element:
- every layer: qkv_proj (QKVParallelLinear, packed q/k/v: MergedQKVParallelLinearWithLoRA, 3 A)
  4 x (3 x 16 x 5,120 + (5 x 128 + 2 x 128) x 16) = 4 x (245,760 + 14,336) = 1,040,384;
  o_proj (RowParallelLinear(40 x 128, 5,120)) 4 x (16 x 640 + 5,120 x 16) = 4 x (10,240 +
  81,920) = 368,640;
- a dense layer (16,384 / 8 = 2,048): gate_up_proj 4 x (2 x 16 x 5,120 + 2 x 2,048 x 16) = 4 x
  (163,840 + 65,536) = 917,504; down_proj 4 x (16 x 2,048 + 81,920) = 458,752;
- an MoE layer: router (ReplicatedLinearWithLoRA, unsharded, wrapped once: never handed to the
  experts) 4 x (16 x 5,120 + 128 x 16) = 335,872; shared_expert (8,192 / 8 = 1,024) gate_up_proj
  4 x (163,840 + 2 x 1,024 x 16) = 786,432, down_proj 4 x (16 x 1,024 + 81,920) = 393,216;
  experts (FusedMoEWithLoRA, 1,024 a rank) 4 x 128 x (2 x 16 x 5,120 + 2 x 1,024 x 16 + 16 x
  1,024 + 5,120 x 16) = 512 x 294,912 = 150,994,944; adapter_enabled int32 24 x 5 x 4 = 480 B;
- embed_tokens (Llama4ForCausalLM's, a LlamaForCausalLM's embedding_modules) 4 x (202,048 x 16
  + 5,120 x 16) = 13,258,752 and lm_head the same; the int64 lm_head mapping at TP > 1 over the
  vocabulary padded to 64 (202,048 already is) 202,048 x 8 = 1,616,384 B;
- Punica at 8,192 batched tokens and 1,024 sequences: test_lora.PUNICA (0.29.0 on),
  PUNICA_TO_028 before.
"""

import copy

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028
from tests.planner.serving.test_lora_deepseek import _lora

MAVERICK = "meta-llama/Llama-4-Maverick-17B-128E-Instruct"
SCOUT = "meta-llama/Llama-4-Scout-17B-16E-Instruct"
ATTENTION = 1_040_384 + 368_640
DENSE = 917_504 + 458_752
ROUTER = 335_872
SHARED = 786_432 + 393_216
VOCAB_ENDS = 2 * 13_258_752
MAPPING = 202_048 * 8  # 1,616,384 B
FLAGS = 24 * 5 * 4  # 480 B
# 48 x 1,409,024 + 24 x 1,376,256 + 24 x 152,510,464 + 26,517,504 = 3,787,431,936 elements
SLOTS = 48 * ATTENTION + 24 * DENSE + 24 * (ROUTER + SHARED + 150_994_944) + VOCAB_ENDS
BYTES = SLOTS * 2 + FLAGS + MAPPING + PUNICA  # 7,576,898,656 B
BYTES_TO_028 = BYTES - PUNICA + PUNICA_TO_028  # 7,576,964,192 B
# TP=8 + --enable-expert-parallel (EP 8, DP 1): 16 experts a rank, whole (8,192): 4 x 16 x
# (163,840 + 2 x 8,192 x 16 + 16 x 8,192 + 81,920) = 64 x 638,976 = 40,894,464; the attention,
# dense layers, shared expert and router as above
EP_BYTES = (48 * ATTENTION + 24 * DENSE + 24 * (ROUTER + SHARED + 40_894_464) + VOCAB_ENDS) * 2 \
    + FLAGS + MAPPING + PUNICA  # 2,292,075,616 B
# Llama-4-Scout (planner/catalog_data, the Hub config as aiconfigurator stores it): the same
# widths, interleave_moe_layer_step 1 (48 MoE layers, no dense one), 16 experts. 4x H100, TP=4
# (10 heads, 2 kv heads a rank): qkv 4 x (245,760 + (1,280 + 512) x 16) = 1,097,728; o 4 x (16 x
# 1,280 + 81,920) = 409,600; router 4 x (81,920 + 16 x 16) = 328,704; shared gate_up 4 x
# (163,840 + 2 x 2,048 x 16) = 917,504, down 4 x (16 x 2,048 + 81,920) = 458,752; experts 4 x 16
# x (163,840 + 65,536 + 32,768 + 81,920) = 64 x 344,064 = 22,020,096
SCOUT_LAYER = 1_097_728 + 409_600 + 328_704 + 917_504 + 458_752 + 22_020_096  # 25,232,384
SCOUT_BYTES = (48 * SCOUT_LAYER + VOCAB_ENDS) * 2 + 48 * 5 * 4 + MAPPING + PUNICA


def _plan(version: str = "0.34.0", model: str = MAVERICK, gpu: str = "h200", gpus: int = 8,
          layout: ParallelLayout | None = None, spec=None, **engine):
    return plan(PlanRequest(model=spec or catalog_spec(model), cluster=preset_cluster(gpu, gpus),
                            layout=layout or ParallelLayout(tp=8),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


@pytest.mark.parametrize(("version", "expected"), [
    ("0.34.0", BYTES), ("0.31.0", BYTES), ("0.29.0", BYTES), ("0.28.0", BYTES_TO_028),
    ("0.21.0", BYTES_TO_028), ("0.20.2", BYTES_TO_028), ("0.17.0", BYTES_TO_028)])
def test_maverick_on_8_h200_as_worked_by_hand(version, expected) -> None:
    # the router is never handed to the experts, so 0.21.0 wraps it once (no runner alias);
    # 0.31.0 on it is a GateLinear, a ReplicatedLinear of the same shapes
    base = _plan(version)
    lora = _plan(version, **_lora())
    assert not lora.errors and lora.fits, lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in lora.vllm_command
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []
    assert (BYTES, BYTES_TO_028) == (7_576_898_656, 7_576_964_192)


def test_the_lora_term_names_the_router_shared_expert_and_dense_layers() -> None:
    term = next(t for t in _plan(**_lora()).terms if t.key == "lora")
    assert ("qkv_proj 48 x 1,040,384 + o_proj 48 x 368,640 + gate_up_proj 24 x 917,504 + "
            "down_proj 24 x 458,752 + router 24 x 335,872 + experts 24 x 150,994,944 + "
            "shared_expert.gate_up_proj 24 x 786,432 + shared_expert.down_proj 24 x 393,216 + "
            "embed_tokens 13,258,752 + lm_head 13,258,752") in term.formula
    assert "vision_model (the ViT and its vision_adapter) and multi_modal_projector get no " \
           "LoRA" in term.note


def test_expert_parallel_and_scout_as_worked_by_hand() -> None:
    ep = _plan(layout=ParallelLayout(tp=8, ep=True), **_lora())
    assert not ep.errors and ep.lora_bytes_per_gpu == EP_BYTES == 2_292_075_616
    assert "--all2all-backend allgather_reducescatter" in ep.vllm_command
    assert command_problems(ep.vllm_command, vllm_cli("0.34.0")) == []
    scout = _plan(model=SCOUT, gpu="h100", gpus=4, layout=ParallelLayout(tp=4), **_lora())
    assert not scout.errors and scout.lora_bytes_per_gpu == SCOUT_BYTES == 2_477_379_136


def _maverick_with_moe_layers(moe_layers: list[int]):
    config = copy.deepcopy(catalog_entry(MAVERICK).config)
    config["text_config"]["moe_layers"] = moe_layers
    return parse_model_config(config, name=MAVERICK)


def test_moe_layers_is_not_what_vllm_reads() -> None:
    # transformers' Llama4TextConfig keeps moe_layers as given (its modeling builds MoE layers
    # from it), but no vLLM model reads it: llama4.py Llama4DecoderLayer makes layer i Llama4MoE
    # where (i + 1) % interleave_moe_layer_step == 0, so a list naming all 48 layers still gives
    # the 24 odd MoE layers, the same 7,576,898,656 B as worked by hand above
    every = _maverick_with_moe_layers(list(range(48)))
    assert any("moe_layers disagrees with the MoE layers vLLM builds (layer 0: MoE there)" in w
               and "24 of 48 layers are planned MoE" in w for w in every.warnings)
    lora = _plan(spec=every, **_lora())
    assert not lora.errors and lora.lora_bytes_per_gpu == BYTES
    assert lora.weights_bytes_per_gpu == _plan(**_lora()).weights_bytes_per_gpu
    odd = _maverick_with_moe_layers(list(range(1, 48, 2)))  # the Hub file's list
    assert not any("moe_layers" in w for w in odd.warnings)


def test_ep_before_0_21_and_sequence_parallel_experts_are_refused() -> None:
    with pytest.raises(LayoutRefused, match="EP support for Fused MoE LoRA is not implemented"):
        _plan("0.20.0", layout=ParallelLayout(tp=8, ep=True), **_lora())
    # llama4.py Llama4MoE passes is_sequence_parallel = use_sequence_parallel_moe (EP, TP > 1,
    # DP > 1) to its experts, which FusedMoEWithLoRA._ep_check asserts against
    with pytest.raises(LayoutRefused, match="at TP > 1 and DP > 1: vLLM fails at start-up"):
        _plan(layout=ParallelLayout(tp=4, dp=2, ep=True), **_lora())


def test_the_cli_plans_maverick_with_and_without_its_tower(capsys) -> None:
    # its tower's slots: test_lora_llama4_tower.py
    args = ("plan", "--model", MAVERICK, "--gpu", "h200", "--gpus", "8", "--tp", "8",
            "--max-model-len", "8192", "--enable-lora", "--max-loras", "4")
    code, out, _ = run_main(capsys, *args)
    assert code == 0 and "7.06 GiB" in out
    code, out, _ = run_main(capsys, *args, "--enable-tower-connector-lora")
    assert code == 0 and "--enable-tower-connector-lora" in out
