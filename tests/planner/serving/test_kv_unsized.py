"""The reasons vLLM KV dtypes are not offered: one per dtype any covered release has."""

from pathlib import Path

from planner.serving.kv_unsized import UNSIZED_KV_REASONS, unsized_reason
from planner.serving.vllm_cli import FIXTURE_DIR, unmodelled_kv_cache_dtypes


def test_every_unoffered_dtype_of_every_release_has_its_reason() -> None:
    versions = [Path(f).stem.removeprefix("vllm-") for f in FIXTURE_DIR.glob("vllm-*.json")]
    unoffered = {kv for v in versions for kv in unmodelled_kv_cache_dtypes(v)}
    assert unoffered <= set(UNSIZED_KV_REASONS), unoffered - set(UNSIZED_KV_REASONS)
    assert "fp8_inc" in unoffered and "octave_k3v3_compact" in unoffered


def test_the_platform_reasons_read_from_the_source() -> None:
    # rocm_octave_attn.py supports_compute_capability: is_rocm() and RDNA3/CDNA3
    assert unsized_reason("octave_k3v3").startswith("ROCm only (0.33.0+)")
    # config/cache.py: "Intel Gaudi (HPU) supports fp8 (using fp8_inc)"
    assert "'Intel Gaudi (HPU) supports fp8 (using fp8_inc)'" in unsized_reason("fp8_inc")
    # mla_attention.py: FLASHMLA_SPARSE serves any quantized dtype as fp8_ds_mla
    assert unsized_reason("fp8_ds_mla").endswith("pass fp8")
    assert "nvfp4_ds_mla" not in UNSIZED_KV_REASONS  # sized (kvformat.NVFP4_DS_MLA_NOTE)
    assert "--attention-backend ULTRAQUANT" in unsized_reason("ultraquant_4bit")
    assert "\n" not in "".join(UNSIZED_KV_REASONS.values())  # each fits the CLI's one line
    assert unsized_reason("a_future_dtype") == "its page layout is not modelled"
