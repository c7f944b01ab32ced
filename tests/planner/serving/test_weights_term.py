"""The weights term's formula: the binding rank's weights as the sum of their parts. Worked
by hand from Llama-3.1-70B-Instruct's config.json (hidden 8,192, 80 layers, 64 query and 8
KV heads of 128, intermediate 28,672, vocab 128,256, untied, 131,072 positions), BF16 at TP=2
on 2x A100 80GB PCIe."""

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB, MIB

LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"


def test_weights_formula_adds_up_the_parts_by_hand() -> None:
    entry = catalog_entry(LLAMA_70B)
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=LLAMA_70B)
    result = plan(PlanRequest(model=spec, cluster=preset_cluster("a100-80gb-pcie", 2),
                              layout=ParallelLayout(tp=2),
                              engine=EngineSettings(max_model_len=32768)))
    embed = 128_256 // 2 * 8192 * 2  # vocab rows split over TP (128,256 is a multiple of 64)
    attention = 80 * (2 * 8192 * 8192 + 2 * 8192 * 8 * 128) // 2 * 2  # q, o + k, v
    mlp = 80 * 3 * 8192 * 28_672 // 2 * 2  # gate, up, down
    norms = (80 * 2 + 1) * 8192 * 2  # two per layer + the final norm, not split
    rope = 131_072 * 128 * 2  # cos/sin cache rows x rotary dim, bf16
    total = 2 * embed + attention + mlp + norms + rope
    assert total == 70_588_579_840 == result.weights_bytes_per_gpu
    weights = next(t for t in result.terms if t.key == "weights")
    assert weights.formula == (
        f"embeddings {embed / GIB:.2f} GiB + attention {attention / GIB:.2f} GiB + dense MLP "
        f"{mlp / GIB:.2f} GiB + norms {norms / MIB:.2f} MiB + lm_head {embed / GIB:.2f} GiB + "
        f"rotary cos/sin cache {rope / GIB:.2f} GiB = {total / GIB:.2f} GiB "
        "(BF16; stage 0, TP rank 0, layers 0-79)")
    assert weights.formula.startswith("embeddings 0.98 GiB + attention 11.25 GiB + dense MLP "
                                      "52.50 GiB + norms 2.52 MiB")
