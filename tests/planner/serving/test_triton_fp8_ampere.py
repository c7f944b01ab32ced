"""An fp8 KV cache on compute capability 8.0-8.8 where TRITON_ATTN serves a layer: vLLM
0.24-0.34 list FLASH_ATTN, FLASHINFER, TRITON_ATTN for 8.x (platforms/cuda.py); FLASH_ATTN
takes fp8 only with FlashAttention 3 on Hopper, FLASHINFER fp8 / fp8_e4m3 / fp8_e5m2 at head
sizes 64, 128, 256, 512 without attention sinks off 9.0, 10.x and 12.x, and TRITON_ATTN's
__init__ raises for fp8* below SM89 (0.24.0-0.34.0 wheels read). gpt-oss-20b (sinks) and
phi-2 (head_dim 80) with --kv-cache-dtype fp8 on an A100 or RTX 3090 were planned to fit with
a launch command; Qwen3-8B (head_dim 128, no sinks) runs on FLASHINFER."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan


def _plan(model: str, gpu: str, kv: str = "fp8", version: str = "0.34.0"):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=2048,
                                                  kv_cache_dtype=kv)))


def _refusal(device: str, cap: str) -> str:
    return (f"FP8 KV cache is not supported by the Triton attention backend on {device} "
            f"(compute capability {cap}); native FP8 (fp8e4nv) requires SM89+. Re-run with "
            "--kv-cache-dtype bfloat16.")


def test_sinks_or_another_head_size_fall_to_triton_and_stop() -> None:
    a100, rtx = ("NVIDIA A100-SXM4-80GB", "8.0"), ("NVIDIA GeForce RTX 3090", "8.6")
    for version in ("0.24.0", "0.34.0"):
        for model in ("openai/gpt-oss-20b", "microsoft/phi-2"):
            result = _plan(model, "a100-80gb", version=version)
            assert not result.fits and result.vllm_command is None
            assert result.errors == [_refusal(*a100)], (model, version, result.errors)
    assert _plan("microsoft/phi-2", "rtx-3090").errors == [_refusal(*rtx)]
    # fp8_per_token_head is no FlashInfer dtype: TRITON_ATTN, which refuses every fp8* name
    assert _plan("Qwen/Qwen3-8B", "rtx-3090", "fp8_per_token_head").errors == [_refusal(*rtx)]


def test_fp8_runs_on_flashinfer_or_from_sm89() -> None:
    # Qwen3-8B: head_dim 128, no sinks -> FLASHINFER on 8.x: 36 layers x 8 KV heads x 128 x 2
    # (K, V) x 1 B = 73,728 B a token
    for gpu in ("a100-80gb", "rtx-3090"):
        result = _plan("Qwen/Qwen3-8B", gpu)
        assert result.fits and result.kv_bytes_per_token == 36 * 8 * 128 * 2
    # the L40S is 8.9: Triton has fp8e4nv there
    assert _plan("openai/gpt-oss-20b", "l40s").fits
    assert _plan("microsoft/phi-2", "l40s").fits
