"""The plan's caches never hand one request's figures to another: derived settings are shared
by equal settings objects only, and the per-worker overheads follow the settings' overrides."""

from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, fit, plan, shared, worker
from planner.serving.plan.layout_facts import setup
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
        # the pool is the budget less the weights and what comes off (graphs: vLLM 0.20+;
        # the model runner's buffers: 0.27+)
        rank = given.per_gpu[0]
        assert rank.runner_buffer_bytes > 0
        assert rank.kv_cache_bytes == rank.budget_bytes - rank.weights_bytes - (
            rank.activation_bytes + rank.non_torch_bytes + rank.cuda_graph_bytes
            + rank.runner_buffer_bytes)
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


def test_equal_pp_stages_fit_their_lines_once():
    # Llama-3.1-8B over PP 2 on 2x H100: two stage objects of 16 full-attention layers each,
    # equal in value. A block of 64 tokens x 16 layers x (K + V) x 8 KV heads x 128 dims x
    # 2 B = 4,194,304 B, one group of 16 layers: a request of k blocks takes 4,194,304 x k B
    # and k blocks, linear from 0 tokens. _fit_lines is cached by the stage's value, so the
    # second stage (and every other split, GPU and count with such a stage) is not refitted.
    st = setup(LLAMA_8B, preset_cluster("h100-sxm", 2), ParallelLayout(pp=2),
               EngineSettings(max_model_len=8192))
    (_, first), (_, second) = st.facts.stages
    assert first is not second and first == second
    kv_b, mbt = st.facts.kv_b, st.facts.window_mbt
    fit._fit_lines.cache_clear()
    # fresh copies: the identity cache (_LINES) has never seen them
    lines = [fit._request_lines(stage.model_copy(), kv_b, 1, mbt)
             for stage in (first, second)]
    assert lines[0] == lines[1] == (4_194_304, 0, 1, 0, 0)
    info = fit._fit_lines.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_worker_overheads_are_kept_apart_from_the_per_spec_results():
    # one entry per layout, PP stage and GPU: in the per-spec cache they cleared it every
    # ~4,000 entries in a recommend search across nodes, and the weights with it
    _plan()
    assert worker._OVERHEADS._entries
    assert not [key for key in shared._CACHE._entries if key[1] == "overheads"]
