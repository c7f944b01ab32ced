"""--enable-lora on Phi-2 and Gemma-1 (planner.serving.lora), worked by hand from the configs
(microsoft/phi-2: /work/shared/model-configs/microsoft__phi-2.json, verbatim; google/gemma-7b:
planner/catalog_data/google__gemma-7b.json, a reconstructed config, unverified) and the
models/phi.py and models/gemma.py of the vLLM 0.17.0-0.33.0 wheels:

- phi.py PhiForCausalLM (SupportsLoRA, 0.17.0-0.31.0; byte-identical 0.17.0-0.24.0 and
  0.25.0-0.31.0, the difference the weight loader): packed_modules_mapping qkv_proj (q/k/v: a
  QKVParallelLinear of num_attention_heads kv heads, MergedQKVParallelLinearWithLoRA, 3 A), no
  embedding_modules (no embed_tokens or lm_head slots; its lm_head bias and every linear's bias
  take none: no LoRA bias in any release read). PhiAttention's dense and PhiMLP's fc2 are
  RowParallelLinears (A (N, 1, R, input / TP), B (N, 1, hidden, R)), fc1 a ColumnParallelLinear
  of n_inner (4 x hidden where the config has no n_inner), ColumnParallelLinearWithLoRA: one A
  (N, 1, R, hidden), B (N, 1, n_inner / TP, R). Its parallel attention and MLP and partial
  rotary change no linear's shape.
- gemma.py GemmaForCausalLM (SupportsLoRA, 0.17.0-0.33.0): Llama's qkv_proj (3 A), o_proj
  (of heads x head_dim 256 in), gate_up_proj (2 A) and down_proj, no embedding_modules (no
  embed_tokens or lm_head slots).
- registry.py serves PhiForCausalLM through the Transformers backend from 0.32.0 (phi.py gone
  from the wheel) and GemmaForCausalLM from 0.34.0 (gemma.py gone): models/transformers/
  base.py Base (0.32.0-0.34.0) fuses q/k/v_proj into qkv_proj (fusers/qkv.py, a
  QKVParallelLinear packed [q_proj, k_proj, v_proj]) and Gemma's gate/up_proj into gate_up_proj
  (fusers/glu.py), the rest by transformers' base_model_tp_plan (configuration_phi.py: dense,
  fc2 rowwise, fc1 colwise; configuration_gemma.py: o_proj, down_proj rowwise), so the layers'
  slots are phi.py's and gemma.py's; its embedding_modules {"embed_tokens"} wrap the embedding
  (VocabParallelEmbeddingWithLoRA: A (N, vocab, R), B (N, 1, hidden, R), unsharded) and not
  causal.py's lm_head (a ParallelLMHead, no LinearBase: no slots, no mapping).

N = max_loras = 4, R = max_lora_rank = 16, bfloat16 (lora_dtype auto: 2 B); Punica at 8,192
batched tokens and 1,024 sequences: test_lora.PUNICA (417,920 B, 0.29.0 on) and PUNICA_TO_028
(483,456 B, 0.17.0-0.28.0: _embeddings_indices one int64 row of 8,192 more, 65,536 B).
"""

import json
import re

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.coverage import LORA_ARCHITECTURES
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.weights import TRANSFORMERS_BACKEND_ARCHITECTURES
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028
from tests.test_docs import _command_line_comments

PHI2 = "microsoft/phi-2"
GEMMA = "google/gemma-7b"

# phi-2: hidden 2,560, 32 heads of 80 (2,560 / 32), kv heads 32, n_inner 4 x 2,560 = 10,240,
# 32 layers, vocabulary 51,200 (not wrapped). TP=1, per layer:
# qkv 4 x (3 x 16 x 2,560 + (2,560 + 2,560 + 2,560) x 16) = 983,040; dense 4 x (16 x 2,560 +
# 2,560 x 16) = 327,680; fc1 4 x (16 x 2,560 + 10,240 x 16) = 819,200; fc2 4 x (16 x 10,240 +
# 2,560 x 16) = 819,200
PHI2_LAYER_TP1 = 983_040 + 327_680 + 819_200 + 819_200  # 2,949,120
PHI2_TP1 = 32 * PHI2_LAYER_TP1 * 2 + PUNICA  # 189,161,600 B
# TP=2: q, k and v 1,280 each a rank, dense input 1,280, fc1 5,120 a rank: qkv 4 x (3 x 16 x
# 2,560 + 3,840 x 16) = 737,280; dense 4 x (16 x 1,280 + 2,560 x 16) = 245,760; fc1 4 x (16 x
# 2,560 + 5,120 x 16) = 491,520; fc2 4 x (16 x 5,120 + 2,560 x 16) = 491,520 (no lm_head, so no
# lm_head mapping)
PHI2_LAYER_TP2 = 737_280 + 245_760 + 491_520 + 491_520  # 1,966,080
PHI2_TP2 = 32 * PHI2_LAYER_TP2 * 2 + PUNICA  # 126,247,040 B

# gemma-7b: hidden 3,072, 16 heads and 16 kv heads of 256, intermediate 24,576, 28 layers,
# vocabulary 256,000 (not wrapped). TP=1, per layer: qkv 4 x (3 x 16 x 3,072 + (4,096 + 4,096
# + 4,096) x 16) = 1,376,256; o 4 x (16 x 4,096 + 3,072 x 16) = 458,752; gate_up 4 x (2 x 16 x
# 3,072 + 2 x 24,576 x 16) = 3,538,944; down 4 x (16 x 24,576 + 3,072 x 16) = 1,769,472
GEMMA_LAYER_TP1 = 1_376_256 + 458_752 + 3_538_944 + 1_769_472  # 7,143,424
GEMMA_TP1 = 28 * GEMMA_LAYER_TP1 * 2 + PUNICA  # 400,449,664 B


# on the Transformers backend the embedding too: phi-2 4 x (51,200 x 16 + 2,560 x 16) = 3,440,640
# elements, gemma-7b 4 x (256,000 x 16 + 3,072 x 16) = 16,580,608, x 2 B, at every TP
PHI2_EMBED = 3_440_640 * 2  # 6,881,280 B
GEMMA_EMBED = 16_580_608 * 2  # 33,161,216 B


def _plan(model: str, version: str, tp: int = 1, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("model", "version", "tp", "expected"), [
    (PHI2, "0.31.0", 1, PHI2_TP1), (PHI2, "0.31.0", 2, PHI2_TP2), (PHI2, "0.29.0", 1, PHI2_TP1),
    (PHI2, "0.28.0", 1, PHI2_TP1 - PUNICA + PUNICA_TO_028),
    (PHI2, "0.17.0", 2, PHI2_TP2 - PUNICA + PUNICA_TO_028),
    (GEMMA, "0.33.0", 1, GEMMA_TP1), (GEMMA, "0.29.0", 1, GEMMA_TP1),
    (GEMMA, "0.28.0", 1, GEMMA_TP1 - PUNICA + PUNICA_TO_028),
    (GEMMA, "0.17.0", 1, GEMMA_TP1 - PUNICA + PUNICA_TO_028),
    # the Transformers backend: its first release of each, and 0.34.0
    (PHI2, "0.32.0", 1, PHI2_TP1 + PHI2_EMBED), (PHI2, "0.32.0", 2, PHI2_TP2 + PHI2_EMBED),
    (PHI2, "0.34.0", 1, PHI2_TP1 + PHI2_EMBED), (PHI2, "0.34.0", 2, PHI2_TP2 + PHI2_EMBED),
    (GEMMA, "0.34.0", 1, GEMMA_TP1 + GEMMA_EMBED)])
def test_the_slots_are_in_the_weights_as_worked_by_hand(model, version, tp, expected) -> None:
    base = _plan(model, version, tp)
    lora = _plan(model, version, tp, enable_lora=True, max_loras=4, max_lora_rank=16)
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    assert (PHI2_TP1, PHI2_TP2, GEMMA_TP1) == (189_161_600, 126_247_040, 400_449_664)
    assert PUNICA_TO_028 - PUNICA == 65_536
    assert (PHI2_TP1 + PHI2_EMBED, PHI2_TP2 + PHI2_EMBED, GEMMA_TP1 + GEMMA_EMBED) == (
        196_042_880, 133_128_320, 433_610_880)


def test_phi_wraps_dense_fc1_fc2_and_neither_family_its_embedding_or_lm_head() -> None:
    lora = LoraSettings(4, 16, False, (0, 31, 0))
    phi = {p.name: p.count for p in stage_parts(catalog_spec(PHI2), range(32), True, True, 1,
                                                lora)}
    assert phi == {"qkv_proj": 32, "dense": 32, "fc1": 32, "fc2": 32}
    gemma = {p.name: p.count for p in stage_parts(catalog_spec(GEMMA), range(28), True, True, 1,
                                                  lora)}
    assert gemma == {"qkv_proj": 28, "o_proj": 28, "gate_up_proj": 28, "down_proj": 28}


@pytest.mark.parametrize(("model", "version", "layers"), [
    (PHI2, (0, 32, 0), {"qkv_proj": 32, "dense": 32, "fc1": 32, "fc2": 32}),
    (PHI2, (0, 34, 0), {"qkv_proj": 32, "dense": 32, "fc1": 32, "fc2": 32}),
    (GEMMA, (0, 34, 0), {"qkv_proj": 28, "o_proj": 28, "gate_up_proj": 28, "down_proj": 28})])
def test_the_transformers_backend_wraps_the_embedding_not_the_lm_head(model, version, layers
                                                                      ) -> None:
    spec = catalog_spec(model)
    lora = LoraSettings(4, 16, False, version)
    parts = {p.name: p.count for p in stage_parts(spec, range(spec.num_layers), True, True, 2,
                                                  lora)}
    assert parts == {**layers, "embed_tokens": 1}
    # a second PP stage holds no embedding (untied phi-2) or the tied one (gemma-7b), no lm_head
    last = {p.name for p in stage_parts(spec, range(0), False, True, 1, lora)}
    assert last == ({"embed_tokens"} if spec.tie_word_embeddings else set())


def test_only_phi_and_gemma_of_the_sized_classes_are_on_the_transformers_backend() -> None:
    # the backend's rules (slots' docstring) are read for these two only
    on_backend = {arch for arch in LORA_ARCHITECTURES
                  if arch in TRANSFORMERS_BACKEND_ARCHITECTURES.values()}
    assert on_backend == {"PhiForCausalLM", "GemmaForCausalLM"}


def test_the_plan_says_the_backend_wraps_the_embedding_only(capsys) -> None:
    code, out, _ = run_main(capsys, "plan", "--model", PHI2, "--gpu", "h100", "--enable-lora",
                            "--max-loras", "4", "--max-lora-rank", "16", "--vllm-version",
                            "0.34.0", "--json")
    assert code == 0
    notes = " ".join(term.get("note", "") for term in json.loads(out)["terms"])
    assert ("the embedding unsharded; no lm_head slots (vLLM's Transformers backend declares "
            "embed_tokens only)") in notes


def test_the_command_line_doc_quotes_these_figures() -> None:
    # docs/cli.md's --enable-lora paragraph: the figures above, the 0.17.0-0.28.0 Punica row
    text = _command_line_comments()
    quoted = re.search(r"phi-2 ([\d,]+) B at TP=1, ([\d,]+) B at TP=2 under 0\.31\.0\..*?gemma-7b "
                       r"\(a reconstructed config\) ([\d,]+) B at TP=1 under 0\.33\.0\. Both "
                       r"([\d,]+) B more under 0\.17\.0-0\.28\.0", text).groups()
    assert quoted == tuple(f"{figure:,}" for figure in (PHI2_TP1, PHI2_TP2, GEMMA_TP1,
                                                        PUNICA_TO_028 - PUNICA))
    backend = re.search(r"phi-2 ([\d,]+) B at TP=1, ([\d,]+) B at TP=2 under "
                        r"0\.32\.0-0\.34\.0, gemma-7b ([\d,]+) B under 0\.34\.0", text)
    assert backend is not None
    assert backend.groups() == tuple(f"{figure:,}" for figure in (
        PHI2_TP1 + PHI2_EMBED, PHI2_TP2 + PHI2_EMBED, GEMMA_TP1 + GEMMA_EMBED))
