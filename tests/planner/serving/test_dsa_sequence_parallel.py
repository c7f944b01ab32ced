"""DeepSeek-V3.2 / GLM-5 sequence-parallel on every layer (vllm_versions.SP_EVERY_LAYER_FROM),
worked by hand from ../shared/model-configs on 16 H200 at TP=8 x DP=2 + EP.

vLLM's source: from the 0.29.0 wheel registry.py builds DeepseekV32ForCausalLM and
GlmMoeDsaForCausalLM from vllm/models/deepseek_v32, which on CUDA is nvidia/model.py
(0.27.0 / 0.28.0: deepseek_v2.py). Its DeepseekV32DecoderLayer sets use_sequence_parallel =
parallel_config.use_sequence_parallel_moe and pipeline_parallel_size == 1: every layer
sp_all_gather's before attention and sp_reduce_scatter's after it, the dense layers'
DeepseekV2MLP takes is_sequence_parallel (whole on every TP rank), and DeepseekV32Model ends
with one sp_all_gather of the normed hidden states (0.29.0, 0.30.0, 0.31.0, 0.34.0 read).

- DeepSeek-V3.2: first_k_dense_replace 3 dense layers, hidden 7,168, intermediate 18,432, FP8
  with 128 x 128 blocks (a float32 scale a block): gate_up + down = 3 x 7,168 x 18,432 =
  396,361,728 weights a layer at 1 B + (2 x 144 x 56 + 56 x 144 = 24,192 blocks) x 4 B =
  96,768 B: 396,458,496 B a layer; 3 layers 1,189,375,488 B whole, 148,671,936 B split over 8.
- GLM-5: first_k_dense_replace 3, hidden 6,144, intermediate 12,288, BF16:
  3 x 3 x 6,144 x 12,288 x 2 B = 1,358,954,496 B whole, 169,869,312 B split over 8.
- The collectives of a decode step at 64 tokens a DP rank (DeepSeek-V3.2, 61 layers, BF16
  activations): each TP rank holds ceil(64 / 8) = 8 tokens; a gather of the 8 ranks' shards is
  8 x 8 x 7,168 x 2 B = 917,504 B, run in vLLM's custom all-reduce buffers over NVLink 4 (8
  GPUs: 4.5 + 1.3 x 7 = 13.6 us measured start-up, 433.6 GB/s measured bus bandwidth):
  13.6 + 7/8 x 917,504 / 433.6e9 s = 13.6 + 1.851513 = 15.451513 us. 61 layers x 2 + the last
  gather = 123 x 15.451513 = 1,900.536 us.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.plan.layout_facts import setup
from planner.serving.speed import _context
from planner.serving.speed.coefficients import FITTED
from planner.serving.speed.step import _tokens, tp_collectives_s
from planner.serving.vllm_versions import (
    SP_MOE_CHUNK,
    SP_MOE_EVERY,
    SP_MOE_SCATTER,
    sequence_parallel_moe,
)

V32, GLM5 = "deepseek-ai/DeepSeek-V3.2", "zai-org/GLM-5"
TP8_DP2_EP = ParallelLayout(tp=8, dp=2, ep=True)
V32_DENSE = 3 * (3 * 7_168 * 18_432 + (2 * 144 * 56 + 56 * 144) * 4)
GLM5_DENSE = 3 * 3 * 6_144 * 12_288 * 2
GATHER_US = 4.5 + 1.3 * 7 + 7 / 8 * 917_504 / 433.6e9 * 1e6


def test_the_figures_by_hand() -> None:
    assert V32_DENSE == 1_189_375_488 and V32_DENSE // 8 == 148_671_936
    assert GLM5_DENSE == 1_358_954_496 and GLM5_DENSE // 8 == 169_869_312
    assert pytest.approx(15.451513, abs=1e-6) == GATHER_US


@pytest.mark.parametrize(("args", "mode"), [
    (("DeepseekV32ForCausalLM", (0, 28, 0), "allgather_reducescatter", True, 8, 2, 1, False),
     SP_MOE_SCATTER),
    (("DeepseekV32ForCausalLM", (0, 29, 0), "allgather_reducescatter", True, 8, 2, 1, False),
     SP_MOE_EVERY),
    (("GlmMoeDsaForCausalLM", (0, 34, 0), "allgather_reducescatter", True, 8, 2, 1, False),
     SP_MOE_EVERY),
    # PP > 1: the decoder layers keep their all-reduces, the MoE block chunks
    (("DeepseekV32ForCausalLM", (0, 34, 0), "allgather_reducescatter", True, 8, 2, 2, False),
     SP_MOE_CHUNK),
    # off CUDA deepseek_v32/__init__.py builds deepseek_v2.py's classes
    (("DeepseekV32ForCausalLM", (0, 34, 0), "allgather_reducescatter", True, 8, 2, 1, False,
      False), SP_MOE_SCATTER),
    # no sequence-parallel MoE without EP
    (("DeepseekV32ForCausalLM", (0, 34, 0), "allgather_reducescatter", False, 8, 2, 1, False),
     ""),
])
def test_where_every_layer_runs_sequence_parallel(args, mode) -> None:
    assert sequence_parallel_moe(*args) == mode


def _dense_bytes(repo_id: str, layout: ParallelLayout, version: str) -> tuple[list[int], bool]:
    facts = setup(catalog_spec(repo_id), preset_cluster("h200", 16), layout,
                  EngineSettings(max_model_len=8192, vllm_version=version)).facts
    return [t.dense_mlp_bytes for t in facts.weight_terms], facts.load.dense_mlp_whole


def test_the_dense_mlps_are_whole_from_0_29() -> None:
    assert _dense_bytes(V32, TP8_DP2_EP, "0.28.0") == ([V32_DENSE // 8] * 8, False)
    assert _dense_bytes(V32, TP8_DP2_EP, "0.29.0") == ([V32_DENSE] * 8, True)
    assert _dense_bytes(V32, ParallelLayout(tp=8, dp=2), "0.34.0") == ([V32_DENSE // 8] * 8,
                                                                       False)
    assert _dense_bytes(GLM5, TP8_DP2_EP, "0.34.0") == ([GLM5_DENSE] * 8, True)


def _request(version: str) -> PlanRequest:
    return PlanRequest(model=catalog_spec(V32), cluster=preset_cluster("h200", 16),
                       layout=TP8_DP2_EP,
                       engine=EngineSettings(max_model_len=8192, vllm_version=version))


def test_every_layer_gathers_and_scatters() -> None:
    request = _request("0.29.0")
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    stage, step = ctx.stages[0], _tokens(ctx, 64)
    assert ctx.sp_moe == SP_MOE_EVERY and stage.layers == 61
    assert tp_collectives_s(ctx, stage, step) * 1e6 == pytest.approx(123 * GATHER_US, rel=1e-9)
    assert step.gated == 8


def test_the_weights_term_says_so() -> None:
    term = next(t for t in plan(_request("0.29.0")).terms if t.key == "weights")
    assert "dense MLPs whole on each of the 8 TP ranks, not split: vLLM 0.29.0" in term.formula
    assert term.inputs["dense_mlp_split_ranks"] == "1"
