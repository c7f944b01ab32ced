"""vLLM 0.11.0 below compute capability 8.0 (T4, V100): its get_attn_backend_cls
(platforms/cuda.py, 0.11.0 wheel) returns FLEX_ATTENTION for every layer there ("FlexAttention
is the default for older GPUs"), and FlexAttentionImpl.__init__
(v1/attention/backends/flex_attention.py) raises NotImplementedError for a quantized KV cache
and a logits soft cap. From 0.11.1 TRITON_ATTN (or FlashInfer on 7.5) takes those layers.
The 0.10.2 wheel's selector does the same below 8.0 (its oracle no longer falls back to V0
there), and its FlexAttentionImpl also refuses a sliding window, checked before the soft cap."""

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


def test_0_10_2_runs_flexattention_below_sm80_as_0_11_0() -> None:
    # Qwen3-4B (full attention, no soft cap) was refused as "not read": it plans, with the KV
    # of 36 layers x 8 KV heads x 128 x 2 (K, V) x 2 B = 147,456 B a token in float16
    for gpu in ("t4", "v100-32gb"):
        result = _plan("Qwen/Qwen3-4B", gpu, "0.10.2")
        assert result.fits and result.kv_bytes_per_token == 36 * 8 * 128 * 2 * 2, gpu


def test_0_10_2s_flexattention_refuses_a_sliding_window_first() -> None:
    # gemma-2-2b-it's layer 0 slides (layer_types[0] "sliding_attention", window 4096); 0.10.2's
    # __init__ checks the window before the soft cap, 0.11.0's takes the window
    assert _plan("google/gemma-2-2b-it", "t4", "0.10.2").errors[0] == (
        "FlexAttention does not support sliding window yet.")
    assert _plan("google/gemma-2-2b-it", "t4", "0.11.0").errors[0] == (
        "FlexAttention does not support logits soft cap yet.")


def test_the_soft_cap_is_refused_before_a_quantized_kv_cache() -> None:
    # 0.11.0 FlexAttentionImpl.__init__ raises for logits_soft_cap before it checks
    # is_quantized_kv_cache: gemma-2 with an fp8 cache on a T4 meets the soft cap first
    errors = _plan("google/gemma-2-2b-it", "t4", "0.11.0", "fp8").errors
    assert errors[:2] == ["FlexAttention does not support logits soft cap yet.",
                          "FlexAttention does not support quantized kv-cache. Yet"], errors
