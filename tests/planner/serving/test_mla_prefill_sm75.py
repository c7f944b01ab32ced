"""A dense-MLA model below compute capability 8.0 (T4 7.5, V100 7.0) cannot prefill in any
release Headroom plans there (0.10.2-0.34): off the SM100 family vLLM prefills MLA with
vllm_flash_attn's FlashAttention 2 alone (mla/common.py in the 0.10.2, 0.11.0 and 0.14.0 wheels,
layers/attention/mla_attention.py in 0.17.0-0.20.0, mla/prefill/selector.py in 0.21.0-0.31.0,
platforms/interface.py get_mla_prefill_backend_cls in 0.34.0), whose kernel raises
"FlashAttention only supports Ampere GPUs or newer." (_vllm_fa2_C.abi3.so). DeepSeek-V2-Lite
on 4 T4s (TP=4) or 2 V100s (TP=2) was planned to fit, with a launch command."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from tests.conftest import past_v100_wheels

MLA = "deepseek-ai/DeepSeek-V2-Lite-Chat"  # kv_lora_rank 512, qk_rope_head_dim 64


def _plan(model: str, gpu: str, count: int, version: str, kv: str = "auto"):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, count),
                            layout=ParallelLayout(tp=count),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096,
                                                  kv_cache_dtype=kv)))


def _refusal(version: str, device: str, cap: str) -> str:
    release = version if version.startswith("0.10.") else version.rsplit(".", 1)[0]
    return (f"vLLM {release} prefills MLA attention ({MLA}) with FlashAttention "
            f"2 on {device} (compute capability {cap}), its only MLA prefill backend off the "
            "SM100 family, and does not check the GPU: the engine starts and the first prompt "
            "fails (RuntimeError: FlashAttention only supports Ampere GPUs or newer.). "
            "FlashAttention needs compute capability 8.0.")


def test_mla_below_sm80_is_refused_on_every_release_read() -> None:
    for gpu, count, device, cap in (("t4", 4, "Tesla T4", "7.5"),
                                    ("v100-32gb", 2, "Tesla V100-SXM2-32GB", "7.0")):
        for version in ("0.10.2", "0.11.0", "0.14.0", "0.20.0", "0.22.0", "0.26.0", "0.34.0"):
            result = _plan(MLA, gpu, count, version)
            assert not result.fits and result.vllm_command is None, (gpu, version)
            errors = result.errors
            if cap == "7.0" and version in ("0.20.0", "0.22.0", "0.26.0", "0.34.0"):
                errors = past_v100_wheels(errors)  # startup.wheel_arch
            assert errors == [_refusal(version, device, cap)], (gpu, version, errors)


def test_mla_prefill_refusal_follows_the_kv_dtype_refusal() -> None:
    # fp8 KV on a T4: TritonMLAImpl's refusal (0.26 on) comes first, then the prefill's
    result = _plan(MLA, "t4", 4, "0.34.0", "fp8")
    assert result.errors == [
        "FP8 KV cache is not supported by the Triton MLA backend on Tesla T4 (compute "
        "capability 7.5); native FP8 (fp8e4nv) requires SM89+. Re-run with --kv-cache-dtype "
        "float16.", _refusal("0.34.0", "Tesla T4", "7.5")]


def test_mla_from_sm80_and_attention_below_it_still_fit() -> None:
    # an A100 (8.0) runs FlashAttention 2: 2 GPUs, 27 layers x 576 x 2 B of latent a token
    a100 = _plan(MLA, "a100-80gb", 2, "0.34.0")
    assert a100.fits and a100.kv_bytes_per_token == 27 * 576 * 2
    # plain attention on a T4 prefills on TRITON_ATTN (0.24 on) or FlashInfer, not on FA2
    for version in ("0.20.0", "0.34.0"):
        assert _plan("Qwen/Qwen3-4B", "t4", 1, version).fits
