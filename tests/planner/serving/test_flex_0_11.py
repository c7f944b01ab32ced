"""vLLM 0.11.0 below compute capability 8.0 (T4, V100): its get_attn_backend_cls
(platforms/cuda.py, 0.11.0 wheel) returns FLEX_ATTENTION for every layer there ("FlexAttention
is the default for older GPUs"), and FlexAttentionImpl.__init__
(v1/attention/backends/flex_attention.py) raises NotImplementedError for a quantized KV cache
and a logits soft cap. From 0.11.1 TRITON_ATTN (or FlashInfer on 7.5) takes those layers."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan


def _plan(model: str, gpu: str, version: str, kv: str = "auto"):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=2048,
                                                  kv_cache_dtype=kv)))


def test_flex_refuses_a_quantized_kv_cache() -> None:
    for gpu in ("t4", "v100-32gb"):
        assert _plan("Qwen/Qwen3-4B", gpu, "0.11.0", "fp8").errors == [
            "FlexAttention does not support quantized kv-cache. Yet"], gpu
    assert _plan("Qwen/Qwen3-4B", "t4", "0.11.0").fits  # a 16-bit cache runs


def test_flex_refuses_gemma_2s_soft_cap() -> None:
    # gemma2.py passes config.attn_logit_softcapping (50.0 in gemma-2-2b-it's config)
    result = _plan("google/gemma-2-2b-it", "t4", "0.11.0")
    assert not result.fits
    assert result.errors == ["FlexAttention does not support logits soft cap yet."]
    # 0.11.1 serves the T4's float32 layers on TRITON_ATTN, which takes the cap
    assert _plan("google/gemma-2-2b-it", "t4", "0.11.1").fits
