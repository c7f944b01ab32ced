"""--enable-lora on Gemma 4 (Gemma4ForConditionalGeneration; planner.serving.lora.moe and
coverage), worked by hand from models/gemma4_mm.py and gemma4.py of the vLLM 0.34.0 wheel (0.20.0,
0.21.0, 0.28.0 and 0.31.0 for the releases that differ) and lora/ of the same wheels, with
/work/shared/model-configs (text_config):
- google/gemma-4-26B-A4B: hidden 2,816, 16 heads; 25 sliding layers of head_dim 256 and 8 kv
  heads, 5 full ones (every sixth) of global_head_dim 512 and, attention_k_eq_v,
  num_global_key_value_heads 2 (the V slot kept, loaded with K: three qkv slices); every layer
  an MoE layer (enable_moe_block): the dense Gemma4MLP of intermediate_size 2,112 beside
  router.proj (GateLinear 2,816 -> 128) and 128 experts of moe_intermediate_size 704;
  vocabulary 262,144, tied; bfloat16.
- nvidia/Gemma-4-31B-IT-NVFP4: hidden 5,376, 32 heads; 50 sliding layers (256 x 16 kv heads),
  10 full ones (512 x 4 global kv heads, k_eq_v); enable_moe_block false: a dense MLP of
  21,504 in every layer; ModelOpt NVFP4 linears (the attention kept in 16-bit), 16-bit slots.
Neither class declares embedding_modules: no embed_tokens or lm_head slots, no vocabulary limit
(262,144 is over the LoRA lm_head's 258,048). N = max_loras = 4, R = max_lora_rank = 16, 2 B
per element; Punica at 8,192 batched tokens and 1,024 sequences: test_lora.PUNICA (0.29.0 on),
PUNICA_TO_028 before.

26B-A4B on one H100, TP=1:
- sliding layer: qkv_proj 4 x (3 x 16 x 2,816 + (16 x 256 + 2 x 8 x 256) x 16) = 4 x (135,168
  + 131,072) = 1,064,960; o_proj 4 x (16 x 4,096 + 2,816 x 16) = 4 x (65,536 + 45,056) =
  442,368;
- full layer: qkv_proj 4 x (135,168 + (16 x 512 + 2 x 2 x 512) x 16) = 4 x (135,168 + 163,840)
  = 1,196,032; o_proj 4 x (16 x 8,192 + 45,056) = 704,512;
- every layer: router.proj (ReplicatedLinearWithLoRA, wrapped once) 4 x (16 x 2,816 + 128 x
  16) = 188,416; mlp.gate_up_proj 4 x (2 x 16 x 2,816 + 2 x 2,112 x 16) = 4 x (90,112 +
  67,584) = 630,784; mlp.down_proj 4 x (16 x 2,112 + 45,056) = 315,392; experts
  (FusedMoEWithLoRA) 4 x 128 x (90,112 + 2 x 704 x 16 + 16 x 704 + 2,816 x 16) = 512 x
  168,960 = 86,507,520; adapter_enabled int32 30 x 5 x 4 = 600 B.
TP=2 (8 heads, 4 sliding and 1 full kv head a rank, widths halved): sliding qkv 4 x (135,168 +
(2,048 + 2 x 1,024) x 16) = 802,816, o 4 x (16 x 2,048 + 45,056) = 311,296; full qkv 4 x
(135,168 + (4,096 + 2 x 512) x 16) = 868,352, o 4 x (16 x 4,096 + 45,056) = 442,368; router
188,416; mlp.gate_up 4 x (90,112 + 2 x 1,056 x 16) = 495,616, down 4 x (16 x 1,056 + 45,056) =
247,808; experts 512 x (90,112 + 2 x 352 x 16 + 16 x 352 + 45,056) = 512 x 152,064 =
77,856,768.
31B NVFP4 on one H100, TP=1: sliding qkv 4 x (3 x 16 x 5,376 + (8,192 + 2 x 4,096) x 16) = 4 x
(258,048 + 262,144) = 2,080,768, o 4 x (16 x 8,192 + 5,376 x 16) = 868,352; full qkv 4 x
(258,048 + (16,384 + 2 x 2,048) x 16) = 2,342,912, o 4 x (16 x 16,384 + 86,016) = 1,392,640;
gate_up 4 x (2 x 16 x 5,376 + 2 x 21,504 x 16) = 3,440,640, down 4 x (16 x 21,504 + 86,016) =
1,720,320.
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
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028
from tests.planner.serving.test_lora_deepseek import _lora

MOE = "google/gemma-4-26B-A4B"
DENSE = "nvidia/Gemma-4-31B-IT-NVFP4"
FLAGS = 30 * 5 * 4  # 600 B
# 25 sliding + 5 full layers' attention, then 30 x (router + dense MLP + experts)
MOE_TP1 = (25 * (1_064_960 + 442_368) + 5 * (1_196_032 + 704_512)
           + 30 * (188_416 + 630_784 + 315_392 + 86_507_520))  # 2,676,449,280 elements
MOE_TP2 = (25 * (802_816 + 311_296) + 5 * (868_352 + 442_368)
           + 30 * (188_416 + 495_616 + 247_808 + 77_856_768))  # 2,398,064,640 elements
DENSE_TP1 = (50 * (2_080_768 + 868_352) + 10 * (2_342_912 + 1_392_640)
             + 60 * (3_440_640 + 1_720_320))  # 494,469,120 elements


def _plan(model: str = MOE, tp: int = 1, version: str = "0.34.0", spec=None, **engine):
    return plan(PlanRequest(model=spec or catalog_spec(model), cluster=preset_cluster("h100", tp),
                            layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


@pytest.mark.parametrize(("model", "tp", "version", "expected"), [
    (MOE, 1, "0.34.0", MOE_TP1 * 2 + FLAGS + PUNICA),
    (MOE, 2, "0.34.0", MOE_TP2 * 2 + FLAGS + PUNICA),
    (MOE, 1, "0.29.0", MOE_TP1 * 2 + FLAGS + PUNICA),
    (MOE, 1, "0.21.0", MOE_TP1 * 2 + FLAGS + PUNICA_TO_028),  # no runner alias of the router
    (MOE, 1, "0.20.0", MOE_TP1 * 2 + FLAGS + PUNICA_TO_028),
    (DENSE, 1, "0.34.0", DENSE_TP1 * 2 + PUNICA),
    (DENSE, 1, "0.20.0", DENSE_TP1 * 2 + PUNICA_TO_028)])
def test_gemma4_on_h100_as_worked_by_hand(model, tp, version, expected) -> None:
    base = _plan(model, tp, version)
    lora = _plan(model, tp, version, **_lora())
    assert not lora.errors and lora.fits, lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert "--enable-lora --max-loras 4 --max-lora-rank 16" in lora.vllm_command
    assert command_problems(lora.vllm_command, vllm_cli(version)) == []
    assert (MOE_TP1, MOE_TP2, DENSE_TP1) == (2_676_449_280, 2_398_064_640, 494_469_120)


def test_the_lora_term_names_the_router_dense_mlp_and_no_vocabulary_slots() -> None:
    term = next(t for t in _plan(**_lora()).terms if t.key == "lora")
    assert ("qkv_proj 25 x 1,064,960 + o_proj 25 x 442,368 + router.proj 30 x 188,416 + "
            "experts 30 x 86,507,520 + mlp.gate_up_proj 30 x 630,784 + mlp.down_proj 30 x "
            "315,392 + qkv_proj 5 x 1,196,032 + o_proj 5 x 704,512") in term.formula
    assert "embed_tokens" not in term.formula and "lm_head" not in term.formula
    assert "no embedding or lm_head slots" in term.note
    assert "vision_tower and embed_vision (audio_tower and embed_audio where built) get no " \
           "LoRA" in term.note


def test_before_0_20_vllm_refuses_the_class_in_its_words() -> None:
    refused = _plan(version="0.19.1", **_lora())
    assert any("\"Gemma4ForConditionalGeneration does not support LoRA yet.\"" in e
               and "(it is from vLLM 0.20.0)" in e for e in refused.errors), refused.errors


def test_per_layer_inputs_and_kv_shared_layers_are_refused_as_not_read() -> None:
    # the refusal names what the config has: gemma4.py builds per_layer_model_projection,
    # per_layer_input_gate and per_layer_projection for per-layer inputs, a q_proj of its own
    # in a KV-shared layer; neither's LoRA is read
    ple = ("per-layer embeddings (hidden_size_per_layer_input), whose LoRA modules "
           "(per_layer_model_projection, per_layer_input_gate, per_layer_projection) are not "
           "read")
    shared = ("KV-shared layers (num_kv_shared_layers), whose LoRA modules (a KV-shared "
              "layer's q_proj) are not read")
    both = ("per-layer embeddings (hidden_size_per_layer_input) and KV-shared layers "
            "(num_kv_shared_layers), whose LoRA modules (per_layer_model_projection, "
            "per_layer_input_gate, per_layer_projection; a KV-shared layer's q_proj) are not "
            "read")
    for change, said in (({"hidden_size_per_layer_input": 256}, ple),
                         ({"num_kv_shared_layers": 10}, shared),
                         ({"hidden_size_per_layer_input": 256, "num_kv_shared_layers": 10},
                          both)):
        config = copy.deepcopy(catalog_entry(DENSE).config)
        config["text_config"] |= change
        refused = _plan(DENSE, spec=parse_model_config(config, name=DENSE), **_lora())
        assert any(e.startswith(f"--enable-lora: Gemma4ForConditionalGeneration here has "
                                f"{said}, so it is not planned") for e in refused.errors), (
            change, refused.errors)


def test_the_cli_plans_26b_a4b_and_its_tower(capsys) -> None:
    args = ("plan", "--model", MOE, "--gpu", "h100", "--max-model-len", "8192",
            "--enable-lora", "--max-loras", "4")
    code, out, _ = run_main(capsys, *args)
    assert code == 0 and "4.99 GiB" in out  # 5,353,317,080 B
    # + 89,171,968 B of tower slots + 5,387,200 B of Punica buffers
    # (test_lora_gemma4_tower.py): 5,447,876,248 B
    code, out, _ = run_main(capsys, *args, "--enable-tower-connector-lora")
    assert code == 0 and "5.07 GiB of them LoRA slots" in out
