"""Which attention backend vLLM gives Gemma 4's layers (heads of 256 on the sliding layers, 512
on the global ones) per KV dtype, GPU and release, read from the wheels and pinned against
Headroom's rules (planner.serving.startup.attention_backend: gemma4_forced_triton,
sm90_fa4_takes_kv; gemma4_backend.gemma4_backend), text-only (no mm prefix) and served with
images (mm prefix: the reading in test_gemma4_mm_prefix_backend.py's docstring).

The reading, per cell (0.29.0, 0.30.0, 0.31.0, 0.33.0 and 0.34.0 wheels):
- model_executor/models/config.py Gemma4Config.verify_and_update_config: head dims differ
  (google/gemma-4-26B-A4B and nvidia/Gemma-4-31B-IT-NVFP4 config.json: head_dim 256,
  global_head_dim 512), so where vllm_flash_attn's _is_fa4_supported holds (compute capability
  9.x, 10.x, 11.x) it sets flash_attn_version = 4 for every layer (0.29.0, 0.30.0; from 0.31.0
  not on the 9.x family with a cache_dtype starting "fp8": "per-layer FA3/FA4 selection"),
  else it forces TRITON_ATTN: A100 (8.0) and RTX 5090 (12.0) run TRITON_ATTN in every cell.
- platforms/cuda.py _get_backend_priorities: FLASHINFER, FLASH_ATTN, TRITON_ATTN on 10.x
  (B200); FLASH_ATTN, FLASHINFER, TRITON_ATTN elsewhere. FlashInferBackend lists auto,
  float16, bfloat16, fp8, fp8_e4m3, fp8_e5m2 and head sizes 64, 128, 256, 512 on 8.0-12.1:
  B200 runs FLASHINFER in every cell.
- H100 (9.0): fa_utils.py flash_attn_supports_kv_cache_dtype refuses fp8_e5m2 outright and,
  in 0.29.0-0.30.0, any fp8 cache under FlashAttention 4 on the 9.x family (fa_version == 3
  there only); from 0.31.0 it takes fp8 / fp8_e4m3 under FA4 at head_size 512, and FA3 (the
  default on 9.x, get_flash_attn_version upgrading head_size > 256 to FA4) takes them at 256.
  So: 16-bit (auto) FLASH_ATTN on FA4; fp8 / fp8_e4m3 FLASHINFER in 0.29-0.30, FLASH_ATTN
  (FA3 at 256, FA4 at 512) from 0.31; fp8_e5m2 FLASHINFER in every release.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.startup.attention_backend import sm90_fa4_takes_kv
from planner.serving.startup.gemma4_backend import gemma4_backend
from planner.serving.vllm_versions import parse_version

MODELS = ("google/gemma-4-26B-A4B", "nvidia/Gemma-4-31B-IT-NVFP4")
RELEASES = ("0.24.0", "0.27.0", "0.28.0", "0.29.0", "0.30.0", "0.31.0", "0.33.0", "0.34.0")
KV_DTYPES = ("auto", "fp8", "fp8_e4m3", "fp8_e5m2")
GPUS = {"H100": 90, "B200": 100, "RTX 5090": 120, "A100": 80}


def _expected(gpu: str, kv: str, version: str, images: bool) -> str:
    """The backend of the module docstring's reading for one cell (of
    test_gemma4_mm_prefix_backend.py's served with `images`)."""
    if images:
        return _expected_with_images(gpu, kv, parse_version(version)[1])
    if gpu in ("A100", "RTX 5090"):
        return "TRITON_ATTN"
    if gpu == "B200" or kv == "fp8_e5m2":
        return "FLASHINFER"
    if kv == "auto":
        return "FLASH_ATTN"
    return "FLASHINFER" if parse_version(version) < (0, 31, 0) else "FLASH_ATTN"


def _expected_with_images(gpu: str, kv: str, minor: int) -> str:
    """Under mm prefix: FlashInfer out, the composites first from 0.30."""
    if gpu in ("A100", "RTX 5090"):
        return "TRITON_ATTN"
    if gpu == "B200":
        # before the composites FLASH_ATTN refuses mm prefix on Blackwell: FA4 takes no head
        # above 128 there (fa_utils.py TMEM clause: 512 always; 256 in 0.24-0.26 / 0.28, and
        # from 0.29 by _fa4_hd256_fallback_reason's mm prefix), so TRITON_ATTN, whatever the cache
        return "TRITON_FLASHINFER" if minor >= 30 else "TRITON_ATTN"
    if kv == "fp8_e5m2":
        return "TRITON_ATTN"
    if kv == "auto":
        return "TRITON_FLASH_ATTN" if minor >= 30 else "FLASH_ATTN"
    return "TRITON_FLASH_ATTN" if minor >= 31 else "TRITON_ATTN"


@pytest.mark.parametrize("repo", MODELS)
@pytest.mark.parametrize("gpu", list(GPUS))
@pytest.mark.parametrize("kv", KV_DTYPES)
@pytest.mark.parametrize("version", RELEASES)
@pytest.mark.parametrize("images", [False, True])
def test_gemma4_backend_per_cell(repo, gpu, kv, version, images):
    spec = catalog_spec(repo)
    assert gemma4_backend(spec, parse_version(version), GPUS[gpu], kv,
                          mm_prefix=images) == _expected(gpu, kv, version, images)


@pytest.mark.parametrize(("kv", "version", "takes"), [
    ("auto", (0, 24, 0), True), ("bfloat16", (0, 30, 0), True),
    ("fp8", (0, 30, 0), False), ("fp8_e4m3", (0, 30, 0), False),  # fa_version == 3 only
    ("fp8", (0, 31, 0), True), ("fp8_e4m3", (0, 34, 0), True),  # FA4 at head_size 512
    ("fp8_e5m2", (0, 34, 0), False),  # refused outright
    ("nvfp4", (0, 34, 0), False),  # not in supported_kv_cache_dtypes
])
def test_flashattention_4_on_hopper_takes_kv(kv, version, takes):
    assert sm90_fa4_takes_kv(kv, version) is takes


def test_no_flashinfer_for_a_model_without_two_head_sizes():
    # Gemma-3 (one head size, 256) is never routed by Gemma4Config: FA3 takes its fp8 cache
    spec = catalog_spec("google/gemma-3-4b-it")
    assert gemma4_backend(spec, (0, 30, 0), 90, "fp8", mm_prefix=False) is None


@pytest.mark.parametrize(("kv", "given_block", "backend"), [
    ("auto", None, "TRITON_FLASHINFER"), ("auto", 128, "TRITON_FLASHINFER"),
    # FLASH_ATTN refuses mm prefix on 10.x (BLACKWELL_FA4_MM_PREFIX): TRITON_ATTN next
    ("auto", 16, "TRITON_ATTN"), ("fp8", 32, "TRITON_ATTN"), ("fp8_e5m2", 16, "TRITON_ATTN"),
])
def test_a_given_block_no_multiple_of_64_takes_the_next_backend_on_10x(kv, given_block,
                                                                       backend):
    # composite.py supports_block_size: block % 64 (TRITON_FLASHINFER's one kernel block), then
    # platforms/cuda.py _get_backend_priorities' next: FLASHINFER (no mm prefix), FLASH_ATTN
    # (FA4 falls to FA2 at these heads on Blackwell: no mm prefix), TRITON_ATTN (0.30.0, 0.34.0)
    spec = catalog_spec("google/gemma-4-26B-A4B")
    for version in ((0, 30, 0), (0, 34, 0)):
        assert gemma4_backend(spec, version, 100, kv, mm_prefix=True,
                              given_block=given_block) == backend
