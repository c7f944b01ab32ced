"""A what-if with no checkpoint suggests planning a known checkpoint of the model in another
format only where that checkpoint can fit the GPUs at hand: Qwen3-30B-A3B as GPTQ int4 on one
RTX 5090 suggested Qwen/Qwen3-30B-A3B-FP8, whose weights alone pass the GPU's budget.

Qwen3-30B-A3B-FP8's weights, by hand from its config.json (shared/model-configs; hidden 2,048,
48 layers, 128 experts of moe_intermediate 768, 32 query and 4 KV heads of 128, vocab
151,936, untied; FP8 in 128x128 blocks with float32 scales; modules_to_not_convert: lm_head,
the norms and mlp.gate, so those and the embeddings are bf16):
  experts a layer: 128 x 3 x 2,048 x 768 = 603,979,776 B, scales 128 x 3 x (6 x 16) x 4 B
    = 147,456 B;
  attention a layer: q 2,048 x 4,096 + k, v 2,048 x 512 each + o 4,096 x 2,048 = 18,874,368 B,
    scales (512 + 64 + 64 + 512) x 4 B = 4,608 B;
  bf16 a layer: router 128 x 2,048 x 2 = 524,288 B, two norms 2 x 2,048 x 2 = 8,192 B, q/k
    norms 2 x 128 x 2 = 512 B;
  a layer 623,539,200 B x 48 = 29,929,881,600 B; embeddings and lm_head 2 x 151,936 x 2,048
  x 2 = 1,244,659,712 B; final norm 4,096 B: 31,174,545,408 B = 29.03 GiB.
The RTX 5090 preset's CUDA total 33,672,543,601 B x 0.92 (vLLM's default
gpu_memory_utilization) = 30,978,740,112.92, vLLM's request ceil()-ed: 30,978,740,113 B =
28.85 GiB, less than the weights alone; two of them, 61,957,480,226 B, hold them.
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.quant import checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.plan import PlanRequest, plan_summary
from planner.serving.plan.shared import ENGINE
from planner.serving.weights import weights_bytes

HEAD = ("No GPTQ int4, group 128 (W4A16) checkpoint of Qwen/Qwen3-30B-A3B is in Headroom's "
        "catalog and vLLM 0.34.0 cannot make one at load: quantize it first (e.g. with "
        "llm-compressor or GPTQModel), or find one published on the hub, and give its name "
        "(--target-checkpoint)")
"""The note's head. It said "... checkpoint of ... is known ... quantize it first" alone: for
Qwen/Qwen3-32B in AWQ (audit57, 4x RTX 4090) that read as if none existed, though Qwen publishes
Qwen/Qwen3-32B-AWQ; "known" meant the catalog's (launch.QUANTIZED_CHECKPOINTS)."""


def _note(gpus: int) -> str:
    return plan_summary(PlanRequest(
        model=catalog_spec("Qwen/Qwen3-30B-A3B"), cluster=preset_cluster("rtx-5090", gpus),
        layout={"tp": gpus}, engine=EngineSettings(vllm_version="0.34.0", max_model_len=4096,
                                                  target_quant="w4a16-gptq-g128"))).launch_note


@pytest.mark.parametrize("gpus, end", [
    (1, ". The catalog's Qwen/Qwen3-30B-A3B-FP8 (29.03 GiB of weights) does not fit these "
        "GPUs: its weights alone pass the GPUs' memory budget, 28.85 GiB "
        "(--gpu-memory-utilization x each GPU's memory, summed)."),
    (2, ", or plan a known checkpoint of it in another format: Qwen/Qwen3-30B-A3B-FP8."),
])
def test_a_known_checkpoint_is_suggested_only_where_its_weights_fit(gpus, end):
    assert _note(gpus) == HEAD + end


def test_the_figures_weighed_are_the_hand_worked_ones():
    spec = catalog_spec("Qwen/Qwen3-30B-A3B-FP8")
    assert weights_bytes(spec, checkpoint_scheme(spec)).total_bytes == 31_174_545_408
    total = gpu_preset("rtx-5090").memory_total_bytes
    assert total == 33_672_543_601
    assert ENGINE.budget_bytes(total, EngineSettings(vllm_version="0.34.0")) == 30_978_740_113
