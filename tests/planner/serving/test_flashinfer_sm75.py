"""FlashInfer's paged prefill on compute capability 7.5 (T4) in vLLM 0.22-0.23: FLASH_ATTN
needs 8.0, so FLASHINFER (7.5-12.1 up to the 0.23.0 wheel) serves a float16 model's layers of
head size 64/128/256/512 without sinks, with flashinfer-python 0.6.11.post2 (0.22.x) or 0.6.12
(0.23.0), whose SharedStorageQKVO carries two 16-byte NVFP4 scale placeholders: at head 128
with a 16-bit cache, or head 256 at any KV dtype, the kernel asks 32 B more than the T4's
64 KiB and cudaFuncSetAttribute refuses it (flashinfer issue #3620, on a T4; vLLM 0.24.0 raises
FlashInfer's floor to 8.0 for it). Qwen3-4B on a T4 was planned to fit on 0.22-0.23."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan


def _plan(model: str, version: str, kv: str = "auto", gpus: int = 1):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("t4", gpus),
                            layout=ParallelLayout(tp=gpus),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096,
                                                  kv_cache_dtype=kv)))


LONG = ("the first prompt of more than 64 query rows per KV head (tokens x query heads per KV "
        "head: a 128-row tile)")


def _refusal(model: str, version: str, head: int, pin: str, need: int,
             when: str = "the first prefill") -> str:
    return (f"vLLM 0.{version.split('.')[1]} serves {model}'s head-size-{head} attention on "
            f"FlashInfer {pin} on Tesla T4 (compute capability 7.5), whose paged prefill kernel "
            f"asks {need:,} B of shared memory a block, over the 65,536 B compute capability "
            "7.5 allows (BatchPrefillWithPagedKVCache failed with error invalid argument; "
            f"flashinfer issue #3620): it fails at {when}. vLLM 0.24 leaves FlashInfer off "
            "compute capability 7.5 for this.")


def test_head_128_in_16_bits_overflows_on_the_0_22_and_0_23_pins() -> None:
    # a prompt's query tile: 128 rows x 128 x 2 B = 32,768; a 16-row K+V step 2 x 128 x 16 x 2
    # = 8,192; two blocks would need 2 x 40,960 > 65,536, so one block: (65,536 - 32,768) /
    # 8,192 = 4 steps (at most 8 / 2) -> 32,768 + 32,768 = 65,536, + 2 x 16 B placeholders;
    # a short prompt's 64-row tile runs 2 blocks an SM: 16,384 + 2 x 8,192 + 32 = 32,800 B
    for version, pin in (("0.22.0", "0.6.11.post2"), ("0.22.1", "0.6.11.post2"),
                         ("0.23.0", "0.6.12")):
        result = _plan("Qwen/Qwen3-4B", version)
        assert not result.fits and result.vllm_command is None
        assert result.errors == [_refusal("Qwen/Qwen3-4B", version, 128, pin, 65_568, LONG)]


def test_what_still_fits_a_t4() -> None:
    # fp8: 16-row step 4,096 B -> 8 steps, capped at 4: 32,768 + 16,384 + 32 = 49,184 B
    assert _plan("Qwen/Qwen3-4B", "0.23.0", "fp8").fits
    # flashinfer 0.6.8.post1 (vLLM 0.21) has no placeholders: exactly 65,536 B; from 0.24
    # TRITON_ATTN serves the T4
    assert _plan("Qwen/Qwen3-4B", "0.21.0").fits and _plan("Qwen/Qwen3-4B", "0.24.0").fits
    # gemma-2 runs in float32 on a T4, which FlashInfer does not take: TRITON_ATTN, whose
    # prefill tile does not fit either (tests/planner/serving/test_triton_sm75.py)
    assert not any("FlashInfer" in e for e in _plan("google/gemma-2-2b-it", "0.23.0").errors)


def test_head_256_overflows_at_8_bits_too() -> None:
    # gemma-7b (head 256, served float16 on 2 T4s): query tile 64 x 256 x 2 = 32,768 (128
    # rows only under head 256); fp8 step 2 x 256 x 16 x 1 = 8,192 -> 4 steps: 65,536 + 32
    for kv in ("auto", "fp8"):
        result = _plan("google/gemma-7b", "0.23.0", kv, gpus=2)
        assert result.errors == [_refusal("google/gemma-7b", "0.23.0", 256, "0.6.12", 65_568)]
    assert _plan("google/gemma-7b", "0.21.0", gpus=2).fits


def test_gemma_4_is_on_triton_not_flashinfer() -> None:
    # heads 256 and 512: Gemma4Config forces TRITON_ATTN in 0.22-0.23 (the wider passes 256),
    # so no FlashInfer shared-memory refusal (the model does not fit 4 T4s' memory, a refusal of
    # its own)
    result = _plan("google/gemma-4-26B-A4B", "0.23.0", gpus=4)
    assert not any("FlashInfer" in e for e in result.errors), result.errors
