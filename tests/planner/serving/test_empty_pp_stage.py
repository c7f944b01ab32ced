"""A pipeline stage without KV layers: vLLM's start-up failure, not a traceback (Nemotron-Super
-49B's no-op attention blocks, ../shared/model-configs/nvidia__Llama-3_3-Nemotron-Super-49B-v1)."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.sweep import sweep

REPO = "nvidia/Llama-3_3-Nemotron-Super-49B-v1"


@pytest.mark.parametrize(("version", "failure"), [
    ("0.11.0", "an AssertionError in vLLM's KV cache sizing"),
    ("0.19.0", "AssertionError: group_size must be greater than 0"),
    ("0.33.0", "an AssertionError in vLLM's KV cache sizing"),
])
def test_stage_without_attention_is_vllms_start_up_failure(version, failure):
    # block_configs: attention no_op at layers 6, 7, 11, 42-51, 53-70. PP=8 splits 80 layers
    # 10 a stage (get_pp_indices): stage 6 = layers 60-69, no attention at all.
    p = plan(PlanRequest(model=catalog_spec(REPO), cluster=preset_cluster("rtx-3090", 8),
                         layout=ParallelLayout(tp=1, pp=8),
                         engine=EngineSettings(vllm_version=version, max_model_len=4096)))
    assert not p.fits
    assert p.errors == [
        "Pipeline stage 6 (layers 60-69) holds no attention layer: vLLM fails to size its KV "
        f"cache at start-up ({failure}); choose another pipeline parallel size."]
    binding = p.per_gpu[p.binding_rank]
    assert binding.pp_stage != 6 and binding.num_blocks > 0
    # one full-attention group of 16-token blocks: tokens = blocks x 16 (0.33 reads them
    # from concurrency x max_model_len instead)
    if version != "0.33.0":
        assert p.kv_cache_tokens == binding.num_blocks * 16


def test_sweep_of_the_report_ranks_the_stage_refusal_as_not_fitting():
    # the reported traceback: sweep --gpu rtx-3090 --gpus 8 --vllm-version 0.11.0
    result = sweep(catalog_spec(REPO), preset_cluster("rtx-3090", 8),
                   EngineSettings(vllm_version="0.11.0"))
    pp8 = [r for r in result.rows if r.layout.pp == 8]
    assert pp8 and not any(r.fits for r in pp8)
    # PP=4 (layers 60-79: 71-79 attend) is not refused
    assert any(r.fits for r in result.rows if r.layout.pp == 4)


def test_several_stages_without_attention_are_one_error():
    # PP=40 splits 80 layers 2 a stage: stage 3 = layers 6-7, 21-25 = 42-51, 27-34 = 54-69,
    # no_op attention all (the layers above); stage 5 (10-11), 26 (52-53) and 35 (70-71) keep
    # layer 10's, 52's and 71's. One error for the 14 stages, not 14 (PP=80: 31 lines in the
    # CLI, 31 error boxes in the app before)
    p = plan(PlanRequest(model=catalog_spec(REPO), cluster=preset_cluster("h100-sxm", 40),
                         layout=ParallelLayout(tp=1, pp=40),
                         engine=EngineSettings(max_model_len=4096)))
    assert not p.fits
    assert p.errors == [
        "Pipeline stages 3, 21-25, 27-34 (layers 6-7, 42-51, 54-69) hold no attention layer: "
        "vLLM fails to size its KV cache at start-up (an AssertionError in vLLM's KV cache "
        "sizing); choose another pipeline parallel size."]
