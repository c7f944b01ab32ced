"""An fp8 KV cache for a dense-MLA model below SM89: vLLM 0.26-0.34 serve the latent on
TRITON_MLA there (FLASH_ATTN_MLA and FLASHMLA need 9.x, FLASHINFER_MLA and CUTLASS_MLA 10.x),
whose TritonMLAImpl.__init__ raises for it (v1/attention/backends/mla/triton_mla.py in the
0.26.0, 0.27.1, 0.28.0, 0.31.0 and 0.34.0 wheels; not in 0.24.0's or 0.25.0's). The plan gave
DeepSeek-V2-Lite on an A100 a launch command with --kv-cache-dtype fp8, and recommend put fp8
KV rows of DeepSeek-V3 on A100s, A40s and RTX A6000s first."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

MODEL = "deepseek-ai/DeepSeek-V2-Lite-Chat"  # kv_lora_rank 512 + qk_rope_head_dim 64: MLA


def _plan(gpu: str, version: str = "0.34.0", kv: str = "fp8"):
    return plan(PlanRequest(model=catalog_spec(MODEL), cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  kv_cache_dtype=kv)))


def test_fp8_kv_below_sm89_is_refused_in_vllms_words() -> None:
    for gpu, cap, name in (("a100-80gb", "8.0", "NVIDIA A100-SXM4-80GB"),
                           ("rtx-a6000", "8.6", "NVIDIA RTX A6000")):
        for version in ("0.26.0", "0.34.0"):
            result = _plan(gpu, version)
            assert not result.fits and result.vllm_command is None
            assert result.errors == [
                f"FP8 KV cache is not supported by the Triton MLA backend on {name} (compute "
                f"capability {cap}); native FP8 (fp8e4nv) requires SM89+. Re-run with "
                "--kv-cache-dtype bfloat16."], result.errors
        # the KV cache the message suggests runs: 576 x 2 B a layer, 27 layers
        ok = _plan(gpu, kv="auto")
        assert ok.fits and ok.kv_bytes_per_token == 27 * 576 * 2


def test_fp8_kv_runs_where_the_gpu_has_fp8_or_the_release_has_no_guard() -> None:
    # the L40S is 8.9 (Triton's fp8e4nv); an H100 runs FLASHMLA; 0.25.0 has no guard
    for gpu, version in (("l40s", "0.34.0"), ("h100-sxm", "0.34.0"), ("a100-80gb", "0.25.0")):
        result = _plan(gpu, version)
        assert result.fits and "--kv-cache-dtype fp8" in result.vllm_command, (gpu, version)
        assert result.kv_bytes_per_token == 27 * 576  # one byte an element
