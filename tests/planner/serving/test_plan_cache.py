"""The plan's caches never hand one request's figures to another: derived settings are shared
by equal settings objects only, and the per-worker overheads follow the settings' overrides."""

from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, ModelSpec
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


def _sliding(full: int, sliding: int) -> ModelSpec:
    """A model of `full` full-attention and `sliding` sliding-window (1,024) layers, each
    8 KV heads x 128."""
    def mixer(kind, window=None):
        return AttentionMixer(kind=kind, num_heads=32, num_kv_heads=8, head_dim=128,
                              v_head_dim=128, sliding_window=window)
    layers = [mixer("full")] * full + [mixer("sliding", 1024)] * sliding
    return LLAMA_8B.model_copy(update={"layers": tuple(
        LayerSpec(index=i, mixer=m, mlp=DenseMlp(intermediate_size=14336))
        for i, m in enumerate(layers))})


def test_one_requests_blocks_follow_the_release_s_group_padding():
    # 10 full + 14 sliding layers: vLLM 0.17 pads a group only below 1.25 x the smallest type
    # (14 >= 12.5: group size 10, 1 + 2 groups), 0.18 below 1.5 x (14 < 15: size 14, 1 + 1).
    # One 8,192-token request on an A100 (max_num_batched_tokens 2,048): 8,192 / 16 = 512
    # full blocks, cdiv(1,024 - 1 + 2,048, 16) + 1 = 193 per sliding group
    # (SlidingWindowSpec.max_memory_usage_bytes): 512 + 2 x 193 = 898 blocks on 0.17,
    # 512 + 193 = 705 on 0.18, whichever release a spec was planned with first
    a100 = preset_cluster("a100-80gb", 1)
    for first, second in (("0.18.0", "0.17.1"), ("0.17.1", "0.18.0")):
        spec = _sliding(10, 14)  # a fresh spec: nothing cached for it yet
        for version in (first, second):
            p = plan(PlanRequest(model=spec, cluster=a100, engine=EngineSettings(
                vllm_version=version, max_model_len=8192)))
            per_request = 898 if version == "0.17.1" else 705
            assert p.max_concurrency == p.per_gpu[0].num_blocks / per_request, (first, version)
