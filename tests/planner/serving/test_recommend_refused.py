"""recommend drops a candidate vLLM would not plan at all (replicas.replica_plan) instead of
failing the whole search: `recommend --gpus-max 16 --vllm-version 0.10.0` exited 2 with the
fp8 KV cache's V0 fall-back on compute capability 8.6, advising a --kv-cache-dtype flag
recommend does not have, where --gpus-max 8 dropped those rows."""

import math

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.prices import with_overrides
from planner.serving.recommend import RecommendError, Workload, _search_counts, recommend

QWEN8 = catalog_spec("Qwen/Qwen3-8B")
CONTEXT = Workload(context_tokens=8000)


def test_a_kv_dtype_refused_on_the_gpu_drops_out_above_one_node() -> None:
    # vLLM 0.10.0 engine/arg_utils.py _is_v1_supported_oracle sends a non-auto cache dtype
    # to V0 unless CudaPlatform.is_kv_cache_dtype_supported (platforms/cuda.py): compute
    # capability 10.0, or fp8 where FlashAttention 3 takes it (Hopper). An RTX 3090 is 8.6.
    engine = EngineSettings(vllm_version="0.10.0")
    lows = _search_counts(QWEN8, "rtx-3090", CONTEXT,
                          engine.model_copy(update={"max_model_len": 8000}), 16, None, False)
    refused = {fam.kv_cache_dtype for fam, b in lows.items() if b.refusal}
    assert refused == {"fp8"}
    for fam, bound in lows.items():
        if fam.kv_cache_dtype == "fp8":
            assert math.isinf(bound.gpus) and not bound.launchable
            assert "--kv-cache-dtype fp8 on compute capability 8.6" in bound.refusal
        else:
            assert bound.gpus <= 16 and not bound.refusal
    rows = recommend([QWEN8], CONTEXT, with_overrides(), engine=engine, gpus_max=16,
                     gpu_keys=("rtx-3090",)).rows
    assert rows and {r.kv_cache_dtype for r in rows} == {"auto"}
    # the same answer as the search of one node, which drops the fp8 rows in the sweep
    one_node = recommend([QWEN8], CONTEXT, with_overrides(), engine=engine, gpus_max=8,
                         gpu_keys=("rtx-3090",)).rows
    assert [(r.gpus, r.quant_key, r.layout) for r in rows] == \
        [(r.gpus, r.quant_key, r.layout) for r in one_node]


@pytest.mark.parametrize("gpus_max", [8, 16])
def test_a_gpu_vllm_refuses_drops_out_and_alone_is_the_refusal(gpus_max) -> None:
    # vLLM 0.9.1 _is_v1_supported_oracle: compute capability below 8.0 (a T4: 7.5) runs V0
    engine = EngineSettings(vllm_version="0.9.1")
    prices = with_overrides({"t4": 0.3})
    rows = recommend([QWEN8], CONTEXT, prices, engine=engine, gpus_max=gpus_max,
                     gpu_keys=("t4", "l4")).rows
    assert rows and {r.gpu_key for r in rows} == {"l4"}
    with pytest.raises(RecommendError) as refused:
        recommend([QWEN8], CONTEXT, prices, engine=engine, gpus_max=gpus_max,
                  gpu_keys=("t4",))
    assert str(refused.value).startswith(
        "Qwen/Qwen3-8B: vLLM 0.9.1 would start it on its V0 engine, which Headroom does not "
        "model (compute capability 7.5 < 8.0"), str(refused.value)
