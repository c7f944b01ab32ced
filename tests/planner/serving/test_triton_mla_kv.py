"""An fp8 KV cache for a dense-MLA model below SM89: vLLM 0.26-0.34 serve the latent on
TRITON_MLA there (FLASH_ATTN_MLA and FLASHMLA need 9.x, FLASHINFER_MLA and CUTLASS_MLA 10.x),
whose TritonMLAImpl.__init__ raises for it (v1/attention/backends/mla/triton_mla.py in the
0.26.0, 0.27.1, 0.28.0, 0.31.0 and 0.34.0 wheels); in 0.18-0.25 nothing checks, and its Triton
decode kernel cannot read the cache there (float8_e4m3fn below SM89). The plan gave
DeepSeek-V2-Lite on an A100 a launch command with --kv-cache-dtype fp8, and recommend put fp8
KV rows of DeepSeek-V3 on A100s, A40s and RTX A6000s first."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, recommend
from planner.serving.sweep import sweep

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


def test_fp8_kv_below_sm89_fails_in_triton_before_the_guard() -> None:
    # 0.18-0.25: TRITON_MLA lists fp8 and nothing checks the GPU, but its decode kernel loads
    # the cache as float8_e4m3fn, which Triton does not compile below SM89 (Triton 3.5.1 for
    # cuda 7.5/8.0/8.6: "type fp8e4nv not supported in this architecture")
    triton = ("ValueError(\"type fp8e4nv not supported in this architecture. The supported "
              "fp8 dtypes are ('fp8e4b15', 'fp8e5')\")")
    for gpu, cap, name, version, fix in (
            ("a100-80gb", "8.0", "NVIDIA A100-SXM4-80GB", "0.18.0", "bfloat16"),
            ("rtx-a6000", "8.6", "NVIDIA RTX A6000", "0.25.0", "bfloat16"),
            ("t4", "7.5", "Tesla T4", "0.21.0", "float16")):  # (the weights do not fit either)
        result = _plan(gpu, version)
        assert not result.fits and result.vllm_command is None
        minor = version.split(".")[1]
        assert result.errors[0] == (
            f"vLLM 0.{minor} runs this fp8 KV cache on TRITON_MLA on {name} (compute "
            f"capability {cap}), whose Triton kernels read it as float8_e4m3fn; Triton cannot "
            f"compile that below SM89 ({triton}) and vLLM does not check it before 0.26. Use "
            f"--kv-cache-dtype {fix}."), result.errors
    # before 0.18 TRITON_MLA lists no fp8: the selector refuses it in its own words
    assert _plan("a100-80gb", "0.17.0").errors[0].startswith(
        "No valid attention backend found for cuda with kv_cache_dtype=fp8.")


def test_fp8_kv_runs_where_the_gpu_has_fp8() -> None:
    # the L40S is 8.9 (Triton's fp8e4nv), in 0.18 as in 0.34; an H100 runs FLASHMLA
    for gpu, version in (("l40s", "0.34.0"), ("l40s", "0.18.0"), ("h100-sxm", "0.34.0")):
        result = _plan(gpu, version)
        assert result.fits and "--kv-cache-dtype fp8" in result.vllm_command, (gpu, version)
        assert result.kv_bytes_per_token == 27 * 576  # one byte an element


def test_bf16_kv_below_sm80_is_refused_in_vllms_words_from_0_26() -> None:
    # TritonMLAImpl.__init__ (0.26.0-0.34.0 wheels) raises for a bfloat16 cache below SM80 as
    # well: a T4 (7.5) is told to use float16. Before 0.26 nothing checks the KV dtype there
    # (the MLA prefill's FlashAttention 2 fails all the same: test_mla_prefill_sm75)
    words = ("bfloat16 KV cache is not supported by the Triton MLA backend on Tesla T4 (compute "
             "capability 7.5); bfloat16 requires SM80+. Re-run with --kv-cache-dtype float16.")
    for version in ("0.26.0", "0.34.0"):
        assert _plan("t4", version, "bf16").errors[0] == words, version
    assert words not in _plan("t4", "0.25.0", "bf16").errors


def test_non_auto_kv_on_triton_mla_is_refused_in_0_10_2_and_0_11_0() -> None:
    # 0.10.2/0.11.0 platforms/cuda.py get_attn_backend_cls: FLASHMLA and FLASH_ATTN_MLA on
    # major 9 only, CUTLASS_MLA on 10.0 exactly, else TRITON_MLA, whose TritonMLAImpl.__init__
    # raises for any cache dtype but "auto" (is_quantized_kv_cache); the V1 oracle keeps it
    words = ('whose TritonMLAImpl refuses every --kv-cache-dtype but auto: NotImplementedError('
             '"TritonMLA V1 with FP8 KV cache not yet supported").')
    for gpu, cap, name, fix in (
            ("a100-80gb", "8.0", "NVIDIA A100-SXM4-80GB",
             "Use --kv-cache-dtype auto or a GPU of compute capability 9.x (FLASHMLA)."),
            ("l40s", "8.9", "NVIDIA L40S", "Use --kv-cache-dtype auto, vLLM 0.18 or later, or "
             "a GPU of compute capability 9.x (FLASHMLA)."),
            ("b300", "10.3", "NVIDIA B300 SXM6 AC", "Use --kv-cache-dtype auto, vLLM 0.11.1 or "
             "later, or a GPU of compute capability 9.x (FLASHMLA).")):
        for version in ("0.10.2", "0.11.0"):
            result = _plan(gpu, version)
            assert not result.fits and result.vllm_command is None
            assert result.errors[0] == (
                f"vLLM {version} serves MLA attention on TRITON_MLA on {name} (compute "
                f"capability {cap}; FlashMLA needs 9.x, CUTLASS MLA 10.0), {words} {fix}"), \
                (gpu, version, result.errors)
    # a bfloat16 cache too (0.11.0 takes the flag; 0.10.2's CLI does not), listed from 0.15
    assert _plan("a100-80gb", "0.11.0", "bf16").errors[0].endswith(
        f"{words} Use --kv-cache-dtype auto or vLLM 0.15 or later.")
    # FLASHMLA on 9.x and CUTLASS_MLA on 10.0 take fp8: one byte an element
    for gpu in ("h100-sxm", "b200"):
        for version in ("0.10.2", "0.11.0"):
            result = _plan(gpu, version)
            assert result.fits and result.kv_bytes_per_token == 27 * 576, (gpu, version)


def test_the_selector_lists_fp8_only_on_9x_and_10x_in_0_11_1_to_0_14() -> None:
    # 0.11.1-0.14.1 wheels: FLASH_ATTN_MLA and TRITON_MLA list "auto" alone, FLASHMLA (9, 10),
    # FLASHINFER_MLA and CUTLASS_MLA (10) auto/fp8/fp8_e4m3; get_attn_backend_cls validates
    reasons = ("Reasons: {FLASH_ATTN_MLA: [kv_cache_dtype not supported, compute capability "
               "not supported], FLASHMLA: [compute capability not supported], FLASHINFER_MLA: "
               "[compute capability not supported], CUTLASS_MLA: [compute capability not "
               "supported], TRITON_MLA: [kv_cache_dtype not supported]}")
    for version in ("0.11.1", "0.12.0", "0.13.0", "0.14.0", "0.14.1"):
        assert _plan("a100-80gb", version).errors == [
            f"No valid attention backend found for cuda with kv_cache_dtype=fp8. {reasons} "
            "(compute capability 8.0). Use --kv-cache-dtype auto or a GPU of compute "
            "capability 9.x (FLASHMLA)."], version
        assert _plan("rtx-a6000", version).errors[0].endswith(
            "(compute capability 8.6). Use --kv-cache-dtype auto or a GPU of compute "
            "capability 9.x (FLASHMLA)."), version
        assert _plan("l40s", version).errors[0].endswith(
            "(compute capability 8.9). Use --kv-cache-dtype auto, vLLM 0.18 or later, or a GPU "
            "of compute capability 9.x (FLASHMLA)."), version
        for gpu in ("h100-sxm", "b200", "b300"):  # FLASHMLA; CUTLASS_MLA on any 10.x
            assert _plan(gpu, version).fits, (gpu, version)
        auto = _plan("a100-80gb", version, "auto")
        assert auto.fits and auto.kv_bytes_per_token == 27 * 576 * 2
    # no backend lists bfloat16 before 0.15 (every dense one from 0.15.0), on any GPU
    assert _plan("h100-sxm", "0.14.1", "bf16").errors == [
        "No valid attention backend found for cuda with kv_cache_dtype=bfloat16. Reasons: "
        "{FLASH_ATTN_MLA: [kv_cache_dtype not supported], FLASHMLA: [kv_cache_dtype not "
        "supported], FLASHINFER_MLA: [kv_cache_dtype not supported, compute capability not "
        "supported], CUTLASS_MLA: [kv_cache_dtype not supported, compute capability not "
        "supported], TRITON_MLA: [kv_cache_dtype not supported]} (compute capability 9.0). "
        "Use --kv-cache-dtype auto or vLLM 0.15 or later."]
    assert _plan("h100-sxm", "0.15.0", "bf16").fits


def test_a_search_keeps_no_refused_fp8_row() -> None:
    # the sweep ranks the refused fp8 rows after the fitting ones; recommend keeps auto rows
    spec = catalog_spec(MODEL)
    engine = EngineSettings(vllm_version="0.12.0", max_model_len=8192)
    rows = sweep(spec, preset_cluster("a100-80gb", 1), engine).rows
    assert {r.kv_cache_dtype for r in rows if r.fits} == {"auto"}
    assert rows and all(not r.fits and r.vllm_command is None
                        for r in rows if r.kv_cache_dtype == "fp8")
    found = recommend([spec], Workload(context_tokens=8192), with_overrides(), engine=engine,
                      gpu_keys=("a100-80gb", "l40s")).rows
    assert found and {r.kv_cache_dtype for r in found} == {"auto"}
