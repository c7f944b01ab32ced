"""TRITON_ATTN's unified attention kernel on compute capability 7.5 (T4): its prefill launch
(TILE_SIZE 32) keeps the Q tile (twice in 16 bits, once in float32) and the K and V tiles in
shared memory, which passes the T4's 65,536 B for Gemma 4's head 512 in float16 (98,304 B: vLLM
issue #57712, 2x Quadro RTX 6000 on 0.26.0) and Gemma-2/3's head 256 in float32 (81,920 B: vLLM
issue #36802 on a T4). Both were planned to fit, with a launch command."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.attention_backend import gemma4_forced_triton
from planner.serving.startup.triton_sm75 import block_m, prefill_smem_bytes


def _plan(model: str, version: str, gpus: int, gpu: str = "t4"):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, gpus),
                            layout=ParallelLayout(tp=gpus),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096)))


def _refusal(model: str, version: str, head: int, served: str, need: int) -> str:
    return (f"vLLM 0.{version.split('.')[1]} serves {model}'s head-size-{head} attention on "
            f"TRITON_ATTN on Tesla T4 (compute capability 7.5) in {served}, whose unified "
            f"attention kernel's prefill tile (32 keys) needs {need:,} B of shared memory a "
            "block, over the 65,536 B compute capability 7.5 allows: Triton stops at the first "
            "prompt (triton.runtime.errors.OutOfResources: out of resource: shared memory, "
            f"Required: {need}, Hardware limit: 65536. Reducing block sizes or `num_stages` "
            "may help.).")


def test_the_kernel_s_shared_memory_by_hand() -> None:
    # Triton 3.9.0's metadata.shared for kernel_unified_attention compiled for sm_75:
    # float16, head 512, BLOCK_M 16, TILE 32: (2 x 16 + 2 x 32) x 512 x 2 = 98,304
    assert prefill_smem_bytes(512, 2, 16) == 98_304
    # float16, head 256: (32 + 64) x 256 x 2 = 49,152; head 128: 24,576
    assert prefill_smem_bytes(256, 2, 16) == 49_152
    assert prefill_smem_bytes(128, 2, 16) == 24_576
    # float32, head 256: (16 + 64) x 256 x 4 = 81,920; BLOCK_M 32: (32 + 64) x 1,024 = 98,304
    assert prefill_smem_bytes(256, 4, 16) == 81_920
    assert prefill_smem_bytes(256, 4, 32) == 98_304
    # float32, head 128: (16 + 64) x 128 x 4 = 40,960; head 80 pads to 128
    assert prefill_smem_bytes(128, 4, 16) == prefill_smem_bytes(80, 4, 16) == 40_960
    # BLOCK_M: 16 up to 16 query heads a KV head, else the next power of two
    assert (block_m(16, 2), block_m(16, 1), block_m(24, 1), block_m(64, 2)) == (16, 16, 32, 32)


def test_gemma_4_head_512_is_refused_on_a_t4() -> None:
    # gemma-4-26B-A4B's global layers: 16 query heads over 2 KV heads (8 a KV head: BLOCK_M
    # 16), head 512, served float16 on a T4: 98,304 B; its sliding layers (head 256) need
    # 49,152 B and run (on 4 T4s the weights do not fit either, a refusal of their own)
    for version in ("0.22.0", "0.26.0", "0.34.0"):
        result = _plan("google/gemma-4-26B-A4B", version, 4)
        assert not result.fits and result.vllm_command is None
        assert _refusal("google/gemma-4-26B-A4B", version, 512, "float16",
                        98_304) in result.errors, result.errors


def test_gemma_3_and_2_in_float32_are_refused_on_a_t4() -> None:
    # vLLM serves Gemma-2/3 in float32 below 8.0; head 256: (16 + 64) x 256 x 4 = 81,920 B
    for model in ("google/gemma-3-4b-it", "google/gemma-2-2b-it"):
        for version in ("0.18.0", "0.23.0", "0.24.0", "0.34.0"):
            result = _plan(model, version, 2)
            assert result.errors == [_refusal(model, version, 256, "float32", 81_920)]


def test_what_still_runs() -> None:
    # head 128 in float16 (24,576 B) runs on TRITON_ATTN; a V100 (7.0) allows 96 KiB a block;
    # 0.17 and earlier are not read
    assert _plan("Qwen/Qwen3-4B", "0.24.0", 1).fits
    assert not any("TRITON_ATTN" in e for e in _plan("google/gemma-3-4b-it", "0.24.0", 2,
                                                       "v100-32gb").errors)
    assert not any("TRITON_ATTN" in e for e in _plan("google/gemma-3-4b-it", "0.17.0", 2).errors)


def test_gemma_4_s_forced_triton_rule_is_public() -> None:
    # the rule triton_sm75 and attention_backend both read (Gemma4Config.verify_and_update_config
    # as attention_backend's NOTE quotes it): gemma-4-26B-A4B's heads are 256 and 512, so 0.22
    # forces TRITON_ATTN (the wider passes 256) whatever the GPU; from 0.24 FA4 runs it on 9.x-
    # 11.x (512 <= 512), TRITON_ATTN elsewhere; before 0.19 nothing forces it; Gemma 3 never
    gemma4, gemma3 = catalog_spec("google/gemma-4-26B-A4B"), catalog_spec("google/gemma-3-4b-it")
    assert [gemma4_forced_triton(gemma4, minor, cc) for minor, cc in (
        (22, 90), (22, 75), (24, 90), (24, 100), (24, 80), (34, 75), (18, 80))] == [
        True, True, False, False, True, True, False]
    assert not gemma4_forced_triton(gemma3, 22, 75)
