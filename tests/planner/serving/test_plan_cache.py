"""The plan's caches never hand one request's figures to another: derived settings are shared
by equal settings objects only, and the per-worker overheads follow the settings' overrides."""

from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB
from tests.planner.serving.test_plan import LLAMA_8B

H100 = preset_cluster("h100-sxm", 1)


def _plan(**settings):
    return plan(PlanRequest(model=LLAMA_8B, cluster=H100,
                            engine=EngineSettings(max_model_len=8192, **settings)))


def test_equal_settings_objects_share_derived_settings_and_others_do_not():
    # Llama-3.1-8B: 32 layers x (K + V) x 8 KV heads x 128 dims = 65,536 elements per token:
    # 131,072 B at bf16, 65,536 B at fp8 (one byte)
    fp8, again, auto = _plan(kv_cache_dtype="fp8"), _plan(kv_cache_dtype="fp8"), _plan()
    assert fp8.kv_bytes_per_token_per_gpu == again.kv_bytes_per_token_per_gpu == 65_536
    assert auto.kv_bytes_per_token_per_gpu == 131_072
    assert "--kv-cache-dtype fp8" in fp8.vllm_command
    assert "--kv-cache-dtype" not in auto.vllm_command


def test_cached_overheads_follow_each_settings_override():
    measured = _plan()
    assert measured.activation_bytes_per_gpu != GIB  # the fitted peak
    assert measured.non_torch_bytes_per_gpu != 2 * GIB and measured.cuda_graph_bytes_per_gpu > 0
    for override, field, value in (("activation_bytes", "activation_bytes_per_gpu", GIB),
                                   ("non_torch_bytes", "non_torch_bytes_per_gpu", 2 * GIB),
                                   ("cuda_graph_bytes", "cuda_graph_bytes_per_gpu", 0)):
        given = _plan(**{override: value})
        assert getattr(given, field) == value
        # the pool is the budget less the weights and what comes off (graphs: vLLM 0.20+)
        rank = given.per_gpu[0]
        assert rank.kv_cache_bytes == rank.budget_bytes - rank.weights_bytes - (
            rank.activation_bytes + rank.non_torch_bytes + rank.cuda_graph_bytes)
    assert _plan().model_dump() == measured.model_dump()
