"""--enable-lora on three dense families vLLM builds as Llama's modules (planner.serving.lora),
worked by hand from the configs (planner/catalog_data, /work/shared/model-configs) and the vLLM
0.34.0 sources, compared with every release of settings.LORA_READ (0.17.0-0.34.0):

- models/granite.py GraniteForCausalLM: SupportsLoRA, packed qkv_proj (q/k/v, 3 A) and
  gate_up_proj (gate/up, 2 A), embedding_modules embed_tokens and lm_head in every release; a
  tied lm_head is its own ParallelLMHead (`self.lm_head.weight = embed_tokens.weight` to 0.27.1,
  tie_weights from 0.28.0), so it gets lm_head slots, not a second embedding's. Its
  embedding_multiplier, residual_multiplier, attention_multiplier and logits_scaling are
  scalars in forward and LogitsProcessor(scale=...): no tensor, no slot.
- models/mimo.py MiMoForCausalLM: a Qwen2ForCausalLM subclass that declares nothing of its own
  (Qwen2's packed_modules_mapping, no embedding_modules: no embedding or lm_head slots);
  MiMoModel is a Qwen2Model, whose layers are config.num_hidden_layers Qwen2DecoderLayers: the
  checkpoint's model.mtp_layers.* are dropped at load and never built in the target; with
  --speculative-config method mtp they are the MiMoMTP drafter (mimo_mtp.py), loaded after
  load_lora_model wrapped the target only (v1/worker/gpu_model_runner.py 0.17.0,
  v1/worker/gpu/model_runner.py 0.34.0: "The drafter does not use the target's LoRA
  adapter"), so no slots either way. Its qkv bias takes no slot (no LoRA bias from 0.17.0).
- models/nemotron_nas.py DeciLMForCausalLM (SupportsLoRA, HasNoOps): Llama's packed_modules_mapping
  and embedding_modules; DeciLMDecoderLayer builds self_attn (a LlamaAttention of
  num_attention_heads / n_heads_in_group kv heads) only where block_configs[i].attention.no_op
  is false and mlp (a LlamaMLP of _ffn_mult_to_intermediate_size(ffn_mult, hidden): int(2 x
  mult x hidden / 3) rounded up to 256) only where ffn.no_op is false: a no-op block has no
  linear, so no slots.

N = max_loras = 4, R = max_lora_rank = 16, bfloat16 (lora_dtype auto: 2 B), the shapes of
test_lora.py's docstring; Punica at 8,192 batched tokens and 1,024 sequences: test_lora.PUNICA
(0.29.0 on) and PUNICA_TO_028 (0.17.0-0.28.0).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.coverage import model_refusal
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import stage_parts
from planner.serving.plan import PlanRequest, plan
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028

GRANITE_8B = "ibm-granite/granite-3.3-8b-instruct"
GRANITE_2B = "ibm-granite/granite-3.1-2b-instruct"
MIMO = "XiaomiMiMo/MiMo-7B-Base"
NAS = "nvidia/Llama-3_3-Nemotron-Super-49B-v1"

# granite-3.3-8b-instruct: hidden 4,096, 32 / 8 heads of 128 (4,096 / 32), intermediate 12,800,
# vocabulary 49,159, 40 layers, tied. TP=1, per layer:
# qkv 4 x (3 x 16 x 4,096 + (4,096 + 1,024 + 1,024) x 16) = 1,179,648; o 4 x (16 x 4,096 +
# 4,096 x 16) = 524,288; gate_up 4 x (2 x 16 x 4,096 + 2 x 12,800 x 16) = 2,162,688; down 4 x
# (16 x 12,800 + 4,096 x 16) = 1,081,344
GRANITE_LAYER_TP1 = 1_179_648 + 524_288 + 2_162_688 + 1_081_344  # 4,947,968
# embed_tokens and lm_head each 4 x (49,159 x 16 + 4,096 x 16) = 3,408,320
GRANITE_ENDS = 2 * 3_408_320
GRANITE_TP1 = (40 * GRANITE_LAYER_TP1 + GRANITE_ENDS) * 2 + PUNICA  # 409,888,640 B
# TP=2: q 2,048 and kv 512 a rank, intermediate 6,400, o_proj input 2,048: qkv 4 x (3 x 16 x
# 4,096 + 3,072 x 16) = 983,040; o 4 x (16 x 2,048 + 4,096 x 16) = 393,216; gate_up 4 x
# (2 x 16 x 4,096 + 2 x 6,400 x 16) = 1,343,488; down 4 x (16 x 6,400 + 4,096 x 16) = 671,744
GRANITE_LAYER_TP2 = 983_040 + 393_216 + 1_343_488 + 671_744  # 3,391,488
# the lm_head's int64 mapping over the vocabulary padded to 64: 49,159 -> 49,216 entries
GRANITE_MAPPING = 49216 * 8  # 393,728 B
GRANITE_TP2 = (40 * GRANITE_LAYER_TP2 + GRANITE_ENDS) * 2 + GRANITE_MAPPING + PUNICA
# granite-3.1-2b-instruct: hidden 2,048, 32 / 8 heads of 64 (2,048 / 32), intermediate 8,192,
# vocabulary 49,155, 40 layers, tied, TP=1: qkv 4 x (3 x 16 x 2,048 + (2,048 + 512 + 512) x
# 16) = 589,824; o 4 x (16 x 2,048 + 2,048 x 16) = 262,144; gate_up 4 x (2 x 16 x 2,048 + 2 x
# 8,192 x 16) = 1,310,720; down 4 x (16 x 8,192 + 2,048 x 16) = 655,360; embed_tokens and
# lm_head each 4 x (49,155 x 16 + 2,048 x 16) = 3,276,992
GRANITE_2B_TP1 = (40 * (589_824 + 262_144 + 1_310_720 + 655_360) + 2 * 3_276_992) * 2 + PUNICA

# MiMo-7B-Base: hidden 4,096, 32 / 8 heads of 128, intermediate 11,008, 36 layers (one MTP
# layer, not built), vocabulary 151,680 (no embedding_modules: not wrapped), TP=1:
# qkv 1,179,648 and o 524,288 (as Granite's); gate_up 4 x (2 x 16 x 4,096 + 2 x 11,008 x 16)
# = 1,933,312; down 4 x (16 x 11,008 + 4,096 x 16) = 966,656
MIMO_TP1 = 36 * (1_179_648 + 524_288 + 1_933_312 + 966_656) * 2 + PUNICA  # 331,899,008 B

# Llama-3_3-Nemotron-Super-49B-v1: hidden 8,192, 64 heads of 128, 80 layers, vocabulary
# 128,256, untied. block_configs: 49 attention blocks (n_heads_in_group 8: 8 kv heads), 31 no-op
# (layers 6, 7, 11, 42-51, 53-70); no FFN is a no-op, ffn_mult 5.25 (28,672) on 48 attention
# layers and layer 46, 2.625 (14,336) on layers 0, 6, 7, 43, 44, 48, 3.28125 (17,920) on 11,
# 1.3125 (7,168) on 42, 45, 47, 49-51, 53, 56, 60, 61, 1.0 (int(5,461.3) -> 5,632) on 54, 55,
# 57-59, 64, 65, 68, 0.5 (2,730 -> 2,816) on 62, 63, 66, 67, 69, 70.
# TP=4, an attention block: q 16 heads = 2,048 and kv 2 heads = 256 a rank: qkv 4 x (3 x 16 x
# 8,192 + (2,048 + 2 x 256) x 16) = 1,736,704; o 4 x (16 x 2,048 + 8,192 x 16) = 655,360
NAS_ATTENTION = 49 * (1_736_704 + 655_360)
# an FFN of width w, w / 4 a rank: gate_up 4 x (2 x 16 x 8,192 + 2 x w / 4 x 16) and down 4 x
# (16 x w / 4 + 8,192 x 16): 1,572,864 + 48 w a layer
NAS_WIDTHS = 49 * 28672 + 6 * 14336 + 17920 + 10 * 7168 + 8 * 5632 + 6 * 2816  # 1,642,496
NAS_FFN = 80 * 1_572_864 + 48 * NAS_WIDTHS
# embed_tokens and lm_head each 4 x (128,256 x 16 + 8,192 x 16) = 8,732,672; the lm_head mapping
# 128,256 x 8 B (already a multiple of 64)
NAS_TP4 = (NAS_ATTENTION + NAS_FFN + 2 * 8_732_672) * 2 + 128256 * 8 + PUNICA  # 680,134,784 B


def _plan(model: str, tp: int = 1, gpus: int = 1, version: str = "0.34.0", **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", gpus),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("model", "tp", "expected"), [
    (GRANITE_8B, 1, GRANITE_TP1), (GRANITE_8B, 2, GRANITE_TP2), (GRANITE_2B, 1, GRANITE_2B_TP1),
    (MIMO, 1, MIMO_TP1), (NAS, 4, NAS_TP4)])
def test_the_slots_are_in_the_weights_as_worked_by_hand(model, tp, expected) -> None:
    base = _plan(model, tp, gpus=tp)
    lora = _plan(model, tp, gpus=tp, enable_lora=True, max_loras=4, max_lora_rank=16)
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert (GRANITE_TP1, GRANITE_TP2, GRANITE_2B_TP1, MIMO_TP1, NAS_TP4) == (
        409_888_640, 285_763_968, 238_969_728, 331_899_008, 680_134_784)


@pytest.mark.parametrize("version", ["0.17.0", "0.27.1", "0.28.0"])
def test_older_releases_size_the_same_slots_with_their_punica_rows(version) -> None:
    # granite.py, mimo.py and nemotron_nas.py declare the same modules in every release read;
    # to 0.28.0 Punica's _embeddings_indices holds one int64 row of 8,192 more
    for model, tp, expected in ((GRANITE_8B, 1, GRANITE_TP1), (MIMO, 1, MIMO_TP1),
                                (NAS, 4, NAS_TP4)):
        lora = _plan(model, tp, gpus=tp, version=version, enable_lora=True, max_loras=4)
        assert lora.lora_bytes_per_gpu == expected - PUNICA + PUNICA_TO_028


def test_a_no_op_block_has_no_slots() -> None:
    # 49 of the 80 layers build self_attn, all 80 an mlp
    parts = stage_parts(catalog_spec(NAS), range(80), True, True, 4,
                        LoraSettings(4, 16, False, (0, 34, 0)))
    counts: dict[str, int] = {}
    for part in parts:
        counts[part.name] = counts.get(part.name, 0) + part.count
    assert counts == {"qkv_proj": 49, "o_proj": 49, "gate_up_proj": 80, "down_proj": 80,
                      "embed_tokens": 1, "lm_head": 1}


def test_granite_wraps_its_tied_lm_head_once_and_mimo_neither_end() -> None:
    version = LoraSettings(4, 16, False, (0, 27, 1))  # before tie_weights: still its own head
    granite = {p.name for p in stage_parts(catalog_spec(GRANITE_8B), range(0), True, True, 1,
                                           version)}
    assert granite == {"embed_tokens", "lm_head"}
    assert not stage_parts(catalog_spec(MIMO), range(0), True, True, 1, version)


def test_mimo_with_its_mtp_draft_sizes_the_target_only() -> None:
    lora = _plan(MIMO, enable_lora=True, max_loras=4, num_speculative_tokens=1)
    assert not lora.errors and lora.lora_bytes_per_gpu == MIMO_TP1


def test_no_op_blocks_are_read_for_decilm_only() -> None:
    nas = catalog_spec(NAS)
    assert model_refusal(nas) is None
    as_llama = nas.model_copy(update={"architectures": ("LlamaForCausalLM",)})
    assert "layers other than attention with a gated dense MLP" in (model_refusal(as_llama)
                                                                     or "")
