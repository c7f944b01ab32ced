"""vLLM's start-up refusals (planner.serving.startup), worded as vLLM words them."""

from planner.catalog import catalog_spec as _spec
from planner.model.quant import scheme, what_if_scheme
from planner.serving.engine import VllmWindow
from planner.serving.hardware import gpu_preset
from planner.serving.startup import startup_errors
from planner.serving.vllm_cli import vllm_cli
from tests.conftest import past_v100_wheels

BASE = {"gpu": gpu_preset("h100-sxm"), "scheme": scheme("bf16"), "cli": vllm_cli("0.33.0"),
        "max_model_len": 8192,
        "window": VllmWindow(40960, 40960, "max_position_embeddings", 40960, None, "", "40960.0"),
        "mbt": 8192, "seqs": 1024,
        "mbt_given": True, "chunked_prefill": True, "block_size": 16}


def errors(**changes) -> list[str]:
    return startup_errors(**{**BASE, **changes})


def test_defaults_start() -> None:
    assert errors() == []


def test_batched_tokens_below_max_model_len_only_without_chunked_prefill() -> None:
    assert errors(mbt=4096, seqs=256) == []  # chunked prefill splits long prompts
    assert errors(mbt=4096, seqs=256, chunked_prefill=False) == [
        "max_num_batched_tokens (4096) is smaller than max_model_len (8192). This effectively "
        "limits the maximum sequence length to max_num_batched_tokens and makes vLLM reject "
        "longer sequences. Please increase max_num_batched_tokens or decrease max_model_len."]


def test_capability_per_release_and_format() -> None:
    v100, rtx3090 = gpu_preset("v100-32gb"), gpu_preset("rtx-3090")
    assert past_v100_wheels(errors(gpu=v100, scheme=scheme("fp8-block128"))) == [
        "The quantization method fp8 is not supported for the current GPU. Minimum "
        "capability: 75. Current capability: 70."]
    # ModelOpt NVFP4's get_min_capability() is 75 (Marlin W4A16): an RTX 3090 (8.6) loads it
    assert errors(gpu=rtx3090, scheme=scheme("nvfp4")) == []
    assert past_v100_wheels(errors(gpu=v100, scheme=scheme("w4a16-gptq-g128"))) == []  # GPTQ: 60


def _no_backend(kv: str, why: str, cc: str) -> str:
    return (f"No valid attention backend found for cuda with kv_cache_dtype={kv}. Reasons: "
            f"{{FLASHINFER: [{why}]}} (compute capability {cc}).")


def test_nvfp4_kv_per_release_and_capability() -> None:
    """Read in each wheel's v1/attention/backends/flashinfer.py (see
    attention_backend._nvfp4_error)."""
    from planner.serving.startup.attention_backend import (
        kv_format_errors,
        runnable_kv_cache_dtypes,
    )

    llama = _spec("meta-llama/Llama-3.1-8B-Instruct")  # head_dim 128, no sinks

    def kv_errors(gpu: str, kv: str, version: str, spec=llama) -> list[str]:
        return kv_format_errors(gpu_preset(gpu), spec, kv, vllm_cli(version))

    # Blackwell SM100 family: trtllm-gen, from 0.21 (0.20 has no backend listing nvfp4)
    assert kv_errors("b200", "nvfp4", "0.20.0") == [
        _no_backend("nvfp4", "kv_cache_dtype not supported", "10.0")]
    assert kv_errors("b200", "nvfp4", "0.21.0") == kv_errors("b300", "nvfp4_4over6",
                                                             "0.28.0") == []
    # an RTX 3090 (8.6): refused up to 0.31, each release in its words; fa2 from 0.32
    assert "fails in the kernel" in kv_errors("rtx-3090", "nvfp4", "0.22.0")[0]
    assert kv_errors("rtx-3090", "nvfp4", "0.24.0") == [
        "--kv-cache-dtype nvfp4 requires sm100f, please try a different dtype or remove"]
    assert kv_errors("rtx-3090", "nvfp4", "0.31.0") == [
        _no_backend("nvfp4", "kv_cache_dtype not supported", "8.6")]
    assert kv_errors("rtx-3090", "nvfp4", "0.32.0") == kv_errors("h100-sxm", "nvfp4",
                                                                 "0.33.0") == []
    assert kv_errors("rtx-5090", "nvfp4", "0.33.0") == []  # 12.x family, fa2 too
    # fa2 has no scale search: nvfp4_4over6 stays Blackwell-only
    assert kv_errors("rtx-3090", "nvfp4_4over6", "0.33.0") == [
        _no_backend("nvfp4_4over6", "kv_cache_dtype not supported", "8.6")]
    # FlashInfer runs 8.0-12.1 from 0.24 (SM75 broken): a V100 has no nvfp4 backend
    assert kv_errors("v100-32gb", "nvfp4", "0.33.0") == [
        _no_backend("nvfp4", "compute capability not supported", "7.0")]
    # gpt-oss: head_dim 64 and attention sinks, which fa2 cannot read; trtllm-gen can
    oss = _spec("openai/gpt-oss-20b")
    assert kv_errors("rtx-3090", "nvfp4", "0.33.0", oss) == [
        _no_backend("nvfp4", "fa2 prefill misreads an NVFP4 KV cache at head_size 64", "8.6")]
    assert kv_errors("b200", "nvfp4", "0.33.0", oss) == []
    # per-token-head formats run on TRITON_ATTN, any capability; plain dtypes are not checked
    assert kv_errors("v100-32gb", "int8_per_token_head", "0.33.0") == []
    # (fp8 on a V100 is refused from 0.24: test_triton_attention_refuses_fp8_and_bf16_kv...;
    # 0.18-0.23 fail in Triton: test_triton_fp8_ampere)
    assert kv_errors("v100-32gb", "fp8", "0.23.0")[0].startswith(
        "vLLM 0.23 runs this fp8 KV cache on TRITON_ATTN on Tesla V100-SXM2-32GB")
    # dense MLA picks among the MLA backends (v1/attention/backends/mla/*.py): none lists
    # fp8_e5m2 or a packed format; TRITON_MLA (any GPU) lists fp8 and fp8_e4m3, and every MLA
    # backend float16, from the 0.18.0 wheel (absent from 0.17.0's supported_kv_cache_dtypes)
    deepseek = _spec("deepseek-ai/DeepSeek-V3")
    assert kv_errors("b200", "nvfp4", "0.33.0", deepseek) == [
        "No valid attention backend found for cuda with kv_cache_dtype=nvfp4. Reasons: "
        "{FLASH_ATTN_MLA: [kv_cache_dtype not supported, compute capability not supported], "
        "FLASHMLA: [kv_cache_dtype not supported], FLASHINFER_MLA: [kv_cache_dtype not "
        "supported], CUTLASS_MLA: [kv_cache_dtype not supported], TRITON_MLA: [kv_cache_dtype "
        "not supported]} (compute capability 10.0)."]
    assert kv_errors("a100-80gb", "fp8_e5m2", "0.33.0", deepseek)[0].startswith(
        "No valid attention backend found for cuda with kv_cache_dtype=fp8_e5m2.")
    # TRITON_MLA lists fp8, but its impl refuses it below SM89 from 0.26 (test_triton_mla_kv)
    assert kv_errors("a100-80gb", "fp8", "0.33.0", deepseek)[0].startswith(
        "FP8 KV cache is not supported by the Triton MLA backend on NVIDIA A100-SXM4-80GB")
    # ... and its Triton decode kernel cannot read it there in 0.18-0.25 (test_triton_mla_kv)
    assert kv_errors("a100-80gb", "fp8", "0.25.0", deepseek)[0].startswith(
        "vLLM 0.25 runs this fp8 KV cache on TRITON_MLA on NVIDIA A100-SXM4-80GB")
    assert "TRITON_MLA: [kv_cache_dtype not supported]}" in kv_errors(
        "a100-80gb", "fp8", "0.17.0", deepseek)[0]
    assert kv_errors("l40s", "fp8", "0.18.0", deepseek) == []  # TRITON_MLA, 8.9: fp8e4nv
    assert kv_errors("a100-80gb", "fp16", "0.18.0", deepseek) == []  # float16 on TRITON_MLA
    assert kv_errors("h100-sxm", "fp8", "0.17.0", deepseek) == []  # FLASHMLA on 9.x
    # sparse MLA (an indexer: DeepSeek-V3.2) has other backends: packed formats not sized
    assert kv_errors("b200", "nvfp4", "0.33.0", _spec("deepseek-ai/DeepSeek-V3.2"))[0].startswith(
        "Headroom does not size --kv-cache-dtype nvfp4 for MLA layers")
    # 0.15-0.21 on Hopper: FLASH_ATTN (FA3) claims every quantized KV dtype but reads only
    # fp8 / fp8_e4m3 (flash_attn.py get_fp8_dtype_for_flashattn); from 0.22 it claims those two
    # (the 0.22.0 and 0.22.1 wheels' supports_kv_cache_dtype: `if kv_cache_dtype in ("fp8",
    # "fp8_e4m3")` ... `return kv_cache_dtype in ["auto", "float16", "bfloat16"]`)
    hopper = ("Unrecognized FP8 dtype: {} (vLLM 0.{} selects FLASH_ATTN for it on compute "
              "capability 9.0, which reads fp8_e4m3 only; it fails at the first attention step).")
    assert kv_errors("h100-sxm", "fp8_e5m2", "0.19.0") == [hopper.format("fp8_e5m2", 19)]
    assert kv_errors("h100-sxm", "fp8_e5m2", "0.15.0") == [hopper.format("fp8_e5m2", 15)]
    # 0.11.1-0.14.0 the same (supports_kv_cache_dtype: `if kv_cache_dtype.startswith("fp8"):
    # return flash_attn_supports_fp8()`; get_fp8_dtype_for_flashattn raises for fp8_e5m2), and
    # 0.11.0's selector sends an fp8* cache on 9.0 to FLASH_ATTN (`(has_sink or
    # use_fp8_kv_cache) and not cls.is_device_capability(90)` -> TRITON_ATTN off 9.0 only)
    for minor in (11, 12, 14):
        assert kv_errors("h100-sxm", "fp8_e5m2", f"0.{minor}.0") == [
            hopper.format("fp8_e5m2", minor)]
    # it claims any quantized dtype from 0.20 (is_quantized_kv_cache), fp8* alone before: in
    # 0.19 nvfp4 is no FLASH_ATTN dtype and the selector refuses it in its own words
    assert kv_errors("h100-sxm", "nvfp4", "0.20.0") == [hopper.format("nvfp4", 20)]
    assert kv_errors("h100-sxm", "nvfp4", "0.19.0")[0].startswith(
        "No valid attention backend found for cuda with kv_cache_dtype=nvfp4.")
    assert kv_errors("h100-sxm", "nvfp4", "0.21.0") == [hopper.format("nvfp4", 21)]
    assert kv_errors("h100-sxm", "int8_per_token_head", "0.21.0") == [
        hopper.format("int8_per_token_head", 21)]
    # 0.22: TRITON_ATTN takes the per-token-head formats, FlashInfer fp8_e5m2; nvfp4 goes to
    # FlashInfer's trtllm-gen kernels, SM100 only (_nvfp4_error)
    assert kv_errors("h100-sxm", "int8_per_token_head", "0.22.0") == []
    assert kv_errors("h100-sxm", "fp8_e5m2", "0.22.0") == []
    assert kv_errors("h100-sxm", "nvfp4", "0.22.0")[0].startswith(
        "vLLM 0.22 runs an nvfp4 KV cache only on FlashInfer's trtllm-gen kernels")
    assert kv_errors("h100-sxm", "int8_per_token_head", "0.23.0") == []
    assert kv_errors("h100-sxm", "fp8_e5m2", "0.23.0") == kv_errors("h100-sxm", "fp8",
                                                                     "0.19.0") == []
    assert kv_errors("rtx-3090", "fp8_e5m2", "0.19.0") == []  # no FA3 below 9.0
    # DeepSeek-V4's fp8_ds_mla cache (models/deepseek_v4/attention.py) takes fp8 only
    assert kv_errors("b200", "int8_per_token_head", "0.33.0",
                     _spec("deepseek-ai/DeepSeek-V4-Flash")) == [
        "DeepseekV4 fp8_ds_mla layout only supports fp8 kv-cache, got int8_per_token_head. "
        "Please set `--kv-cache-dtype fp8` or select a backend that supports bfloat16 KV "
        "cache."]
    # what the app offers is exactly what is not refused
    offered = runnable_kv_cache_dtypes(gpu_preset("rtx-3090"), llama, vllm_cli("0.31.0"))
    assert "nvfp4" not in offered and "int4_per_token_head" in offered and "fp8" in offered


def test_fp4_weights_below_blackwell_load_through_marlin_and_the_plan_says_so() -> None:
    """NVFP4 on an RTX 3090 is not refused by any covered release: ModelOpt's
    get_min_capability() is 80 in 0.9.1-0.13 and 75 from 0.14 (fixtures, from the wheels), and
    vLLM falls back to MarlinNvFp4LinearKernel (kernels/linear/nvfp4/marlin.py, W4A16)."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan
    from planner.serving.startup.fp4_weights import fp4_weight_notes
    from planner.serving.vllm_cli import supported_versions

    rtx3090 = gpu_preset("rtx-3090")
    for version in supported_versions():
        minimum = vllm_cli(version).quantization_min_capability["modelopt_fp4"]
        assert minimum == (80 if version in ("0.9.1", "0.9.2", "0.10.0", "0.10.1", "0.10.2",
                                             "0.11.0", "0.11.1", "0.12.0", "0.13.0")
                          else 75), version
        assert errors(gpu=rtx3090, scheme=scheme("nvfp4"), cli=vllm_cli(version)) == []
    marlin = ("NVFP4 on NVIDIA GeForce RTX 3090 (compute capability 8.6) runs through vLLM's "
              "Marlin FP4 fallback: weights stay 4-bit, compute is 16-bit")
    assert fp4_weight_notes(rtx3090, scheme("nvfp4"))[0].startswith(marlin)
    assert fp4_weight_notes(gpu_preset("b200"), scheme("nvfp4")) == []  # FP4 tensor cores
    assert fp4_weight_notes(gpu_preset("rtx-5090"), scheme("mxfp4")) == []
    assert fp4_weight_notes(gpu_preset("v100-32gb"), scheme("nvfp4")) == []  # refused instead
    # the MXFP4 note names the kernel the plan picked (mxfp4.mxfp4_moe_kernel_of): Marlin on an
    # RTX 3090, OpenAI's Triton MoE on an H100; none for another kernel or one that does not run
    assert "Marlin MXFP4" in fp4_weight_notes(rtx3090, scheme("mxfp4"), mxfp4_kernel="marlin")[0]
    hopper = fp4_weight_notes(gpu_preset("h100-sxm"), scheme("mxfp4"), mxfp4_kernel="triton")[0]
    assert "OAI Triton" in hopper
    assert fp4_weight_notes(rtx3090, scheme("mxfp4")) == []
    assert fp4_weight_notes(gpu_preset("h100-sxm"), scheme("mxfp4"),
                            mxfp4_kernel="flashinfer_cutlass") == []
    # vLLM's default MXFP4 MoE backends take 16-bit activations on Blackwell too (mxfp4.py
    # get_mxfp4_backend: SM100_FI_MXFP4_BF16, mxfp4_w4a16_moe_quant_config): no "need Blackwell"
    assert "Blackwell" not in hopper
    # --enable-lora (and VLLM_MXFP4_USE_MARLIN=1, mxfp4_marlin) put MXFP4 experts on Marlin on
    # every NVIDIA GPU, FP4 tensor cores too (modular_kernel.py is_supported_config keeps only
    # the experts classes that take LoRA, MarlinExperts first; 0.21-0.34 wheels): the note says
    # Marlin, never the OAI Triton kernels the GPU runs without it
    for gpu in ("h100-sxm", "b200"):
        for by, how in (("--enable-lora", "with --enable-lora"), ("mxfp4_marlin", "as asked")):
            (note,) = fp4_weight_notes(gpu_preset(gpu), scheme("mxfp4"), None, by)
            assert f"runs on the Marlin MXFP4 kernel {how}:" in note and "Triton" not in note
    assert fp4_weight_notes(rtx3090, scheme("nvfp4"), None, "--enable-lora")[0].startswith(marlin)
    # the plan carries it where users read warnings (CLI "warning:", app, JSON "warnings")
    result = plan(PlanRequest(model=_spec("nvidia/Qwen3-235B-A22B-NVFP4"),
                              cluster=preset_cluster("rtx-3090", 8), layout=ParallelLayout(tp=8),
                              engine=EngineSettings(max_model_len=8192)))
    assert any(w.startswith(marlin) for w in result.warnings), result.warnings


def test_turboquant_runs_on_every_nvidia_gpu_for_full_attention_models_only() -> None:
    from planner.serving.startup.attention_backend import kv_format_errors

    def kv_errors(gpu: str, kv: str, version: str, repo: str) -> list[str]:
        return kv_format_errors(gpu_preset(gpu), _spec(repo), kv, vllm_cli(version))

    llama = "meta-llama/Llama-3.1-8B-Instruct"
    # TURBOQUANT closes every CUDA priority list and keeps the base supports_compute_capability
    # (True); on Hopper 0.20-0.22 FLASH_ATTN does not claim it (arg_utils.py forces FA2)
    for gpu in ("v100-32gb", "a100-80gb", "h100-sxm", "b200"):
        for version in ("0.20.0", "0.22.0", "0.33.0"):
            assert kv_errors(gpu, "turboquant_k8v4", version, llama) == [], (gpu, version)
    assert kv_errors("h100-sxm", "turboquant_3bit_nc", "0.33.0", "google/gemma-2-9b-it") == [
        "Headroom sizes --kv-cache-dtype turboquant_3bit_nc only for models whose every layer "
        "is full attention; google/gemma-2-9b-it has other layers."]
    assert kv_errors("h100-sxm", "turboquant_k8v4", "0.33.0", "Qwen/Qwen3.5-27B")[0].startswith(
        "Headroom sizes --kv-cache-dtype turboquant_k8v4 only for models whose every layer")
    # dense MLA: no MLA backend lists it (vLLM's selector words)
    assert kv_errors("h100-sxm", "turboquant_k8v4", "0.33.0", "deepseek-ai/DeepSeek-R1")[
        0].startswith("No valid attention backend found for cuda with kv_cache_dtype="
                      "turboquant_k8v4. Reasons: {FLASH_ATTN_MLA: [kv_cache_dtype not supported")


def test_runtime_quantization_must_match_a_quantized_checkpoint() -> None:
    # vLLM config/model.py _verify_quantization (0.11.0, 0.20.0, 0.33.0 wheels): a GPTQ
    # checkpoint's quant_method 'gptq' is not overridden for --quantization fp8 (gptq_marlin
    # converts only for marlin / gptq_marlin), so start-up raises
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def run(repo_id: str, quantization: str | None):
        return plan(PlanRequest(model=_spec(repo_id), cluster=preset_cluster("h100-sxm", 8),
                                layout=ParallelLayout(tp=8),
                                engine=EngineSettings(quantization=quantization)))

    gptq = run("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "fp8")
    assert not gptq.fits and gptq.vllm_command is None
    assert gptq.errors[0] == (
        "Quantization method specified in the model config (gptq) does not match the "
        "quantization method specified in the `quantization` argument (fp8).")
    assert run("Qwen/Qwen3-30B-A3B-FP8", "fp8").fits  # the checkpoint's own method
    assert run("Qwen/Qwen3-30B-A3B", "fp8").fits  # a 16-bit checkpoint is quantized at load


def test_triton_attention_refuses_fp8_and_bf16_kv_on_a_v100_from_0_24() -> None:
    # vLLM 0.24.0-0.33.0: FLASH_ATTN and FLASHINFER need compute capability 8.0, so a V100
    # (7.0) runs TRITON_ATTN, whose __init__ refuses fp8 below SM89 and bfloat16 below SM80;
    # Headroom called both "Fits" with a launch command
    from planner.serving.startup.attention_backend import kv_format_errors

    spec, v100 = _spec("Qwen/Qwen3-8B"), gpu_preset("v100-32gb")

    def kv_errors(kv: str, version: str = "0.33.0", gpu=v100) -> list[str]:
        return kv_format_errors(gpu, spec, kv, vllm_cli(version))
    assert kv_errors("fp8") == [
        "FP8 KV cache is not supported by the Triton attention backend on Tesla V100-SXM2-32GB "
        "(compute capability 7.0); native FP8 (fp8e4nv) requires SM89+. Re-run with "
        "--kv-cache-dtype float16."]
    assert kv_errors("fp8_e5m2", "0.24.0") == kv_errors("fp8")
    assert kv_errors("bf16") == [
        "bfloat16 KV cache is not supported on Tesla V100-SXM2-32GB (compute capability 7.0); "
        "bfloat16 requires SM80+. Re-run with --kv-cache-dtype float16."]
    assert kv_errors("auto") == kv_errors("fp16") == kv_errors("int8_per_token_head") == []
    # the check's first release, 0.24.0 (triton_attn.py), and none in 0.23.0's
    assert kv_errors("bf16", "0.24.0") == kv_errors("bf16")
    assert kv_errors("bf16", "0.23.0") == []
    # no such check before 0.24: Triton fails instead (test_triton_fp8_ampere)
    assert kv_errors("fp8", "0.23.0")[0].endswith(
        "vLLM does not check it before 0.24. Use --kv-cache-dtype float16.")
    assert kv_errors("fp8", gpu=gpu_preset("a100-80gb")) == []  # FlashInfer takes it on 8.0


def test_block_sizes_the_release_refuses_do_not_plan() -> None:
    """vLLM 0.9.1-0.17.0 parse --block-size against config/cache.py BlockSize (Literal[1, 8, 16,
    32, 64, 128]; 256 added in the 0.11.1 wheel, the 0.12.0-0.17.0 wheels list it); the 0.18.0,
    0.19.0 and 0.33.0 wheels type it `int`. FLASH_ATTN / TRITON_ATTN raise "Block size must be
    a multiple of 16." (get_kv_cache_shape), MLA backends take multiples of 16 only."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.plan import PlanRequest, plan

    qwen = _spec("Qwen/Qwen3-8B")

    def planned(version: str, block: int):
        return plan(PlanRequest(model=qwen, cluster=preset_cluster("h100-sxm", 1),
                                engine=EngineSettings(vllm_version=version, block_size=block,
                                                      max_model_len=8192)))

    p = planned("0.13.0", 48)
    assert not p.fits and p.vllm_command is None
    assert ("vLLM 0.13.0: argument --block-size: invalid choice: 48 (choose from 1, 8, 16, 32, "
            "64, 128, 256)") in p.errors
    assert ("vLLM 0.11.0: argument --block-size: invalid choice: 256 (choose from 1, 8, 16, "
            "32, 64, 128)") in planned("0.11.0", 256).errors
    # 0.11.1 added 256 (its fixture); 0.11.2's wheel parses as 0.11.1's and plans by it
    for version, block in (("0.12.0", 256), ("0.11.1", 256), ("0.11.2", 256), ("0.9.1", 128),
                           ("0.19.0", 48), ("0.33.0", 272)):
        p = planned(version, block)
        assert p.fits and f"--block-size {block}" in p.vllm_command, (version, block)
    # 8 is one of 0.13's choices, but no default CUDA backend runs it
    for version in ("0.13.0", "0.19.0"):
        assert planned(version, 8).errors == [
            "--block-size 8: vLLM's FLASH_ATTN and TRITON_ATTN backends raise \"Block size "
            "must be a multiple of 16.\" (its MLA backends take multiples of 16 only); "
            "Headroom plans multiples of 16 only."]


def test_sparse_mla_kv_dtypes_need_a_sparse_backend_that_lists_them() -> None:
    """DeepSeek-V3.2 (indexer: sparse MLA). FLASHMLA_SPARSE lists auto/bfloat16/fp8 (and
    fp8_ds_mla), not fp8_e4m3: on Hopper fp8_e4m3 has no backend until 0.30's
    FLASHINFER_MLA_SPARSE_SM90; FLASH_ATTN_MLA_SPARSE (0.25+) brings float16; nothing takes
    fp8_e5m2 (read in the 0.18.0-0.33.0 wheels, attention_backend._SPARSE_MLA_BACKENDS)."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan
    from planner.serving.startup.attention_backend import kv_format_errors

    v32 = _spec("deepseek-ai/DeepSeek-V3.2")

    def kv_errors(gpu: str, kv: str, version: str) -> list[str]:
        return kv_format_errors(gpu_preset(gpu), v32, kv, vllm_cli(version))

    dense = ("FLASH_ATTN_MLA: [kv_cache_dtype not supported, sparse not supported], FLASHMLA: "
             "[sparse not supported], FLASHINFER_MLA: [sparse not supported, compute "
             "capability not supported], CUTLASS_MLA: [sparse not supported, compute capability "
             "not supported], TRITON_MLA: [sparse not supported]")
    refusal = ("No valid attention backend found for cuda with kv_cache_dtype=fp8_e4m3. Reasons: "
               "{" + dense + ", FLASHMLA_SPARSE: [kv_cache_dtype not supported]} (compute "
               "capability 9.0).")
    for version in ("0.18.0", "0.19.0", "0.24.0"):
        assert kv_errors("h100-sxm", "fp8_e4m3", version) == [refusal]
    assert kv_errors("h100-sxm", "fp8_e4m3", "0.29.0")[0].endswith(
        "FLASH_ATTN_MLA_SPARSE: [kv_cache_dtype not supported], FLASHMLA_SPARSE: "
        "[kv_cache_dtype not supported]} (compute capability 9.0).")
    assert kv_errors("h100-sxm", "fp8_e4m3", "0.30.0") == []  # FLASHINFER_MLA_SPARSE_SM90
    assert kv_errors("h100-sxm", "fp8_e4m3", "0.17.0") == []  # config.py: fp8_ds_mla first
    assert kv_errors("b200", "fp8_e4m3", "0.18.0") == []  # FLASHINFER_MLA_SPARSE
    assert kv_errors("h100-sxm", "fp16", "0.24.0") and not kv_errors(
        "h100-sxm", "fp16", "0.25.0")  # FLASH_ATTN_MLA_SPARSE arrives in 0.25
    assert kv_errors("b200", "fp16", "0.18.0") == []
    for gpu in ("h100-sxm", "b200"):
        assert kv_errors(gpu, "fp8_e5m2", "0.33.0"), gpu
    for kv in ("auto", "fp8", "bf16"):
        assert kv_errors("h100-sxm", kv, "0.19.0") == [], kv
    p = plan(PlanRequest(model=v32, cluster=preset_cluster("h100-sxm", 8),
                         layout=ParallelLayout(tp=8),
                         engine=EngineSettings(vllm_version="0.19.0", kv_cache_dtype="fp8_e4m3",
                                               max_model_len=8192)))
    assert not p.fits and refusal in p.errors


def test_sparse_mla_runs_on_hopper_and_blackwell_only_and_sm120_from_0_24() -> None:
    """FLASHMLA_SPARSE (the one sparse backend off 10.x before 0.24) supports majors 9 and 10
    (flashmla_sparse.py supports_compute_capability, 0.12.0-0.33.0 wheels); SM120 gets
    FLASHINFER_MLA_SPARSE_SM120 (auto/fp8/fp8_e4m3) in the 0.24.0 wheel; 0.11.0 does not
    check (cuda.py returns FlashMLASparseBackend)."""
    from planner.serving.startup.attention_backend import kv_format_errors

    v32 = _spec("deepseek-ai/DeepSeek-V3.2")

    def kv_errors(gpu: str, kv: str, version: str) -> list[str]:
        return kv_format_errors(gpu_preset(gpu), v32, kv, vllm_cli(version))

    both = "sparse not supported, compute capability not supported"
    assert kv_errors("rtx-pro-6000", "auto", "0.19.0") == [
        "No valid attention backend found for cuda with kv_cache_dtype=auto. Reasons: "
        f"{{FLASH_ATTN_MLA: [{both}], FLASHMLA: [{both}], FLASHINFER_MLA: [{both}], "
        f"CUTLASS_MLA: [{both}], TRITON_MLA: [sparse not supported], FLASHMLA_SPARSE: "
        "[compute capability not supported]} (compute capability 12.0)."]
    for gpu, version in (("rtx-pro-6000", "0.23.0"), ("a100-80gb", "0.13.0"),
                         ("a100-80gb", "0.33.0"), ("l40s", "0.19.0")):
        assert kv_errors(gpu, "auto", version), (gpu, version)
    assert kv_errors("rtx-pro-6000", "auto", "0.24.0") == []
    assert kv_errors("rtx-pro-6000", "fp8_e4m3", "0.24.0") == []
    assert kv_errors("rtx-pro-6000", "bf16", "0.24.0")  # SM120 lists auto and fp8 only
    assert kv_errors("a100-80gb", "auto", "0.11.0") == []  # not checked by 0.11
    assert kv_errors("h100-sxm", "fp8_e4m3", "0.13.0") == []  # config.py made it fp8_ds_mla
    # the app offers every dtype where none runs (each plan carries the refusal)
    from planner.serving.startup.attention_backend import runnable_kv_cache_dtypes
    from planner.serving.vllm_cli import kv_cache_dtypes
    assert runnable_kv_cache_dtypes(gpu_preset("a100-80gb"), v32, vllm_cli("0.19.0")) == \
        kv_cache_dtypes("0.19.0")


def test_flashinfer_head_256_in_16_token_blocks_asserts_on_blackwell_0_12_to_0_17() -> None:
    """flashinfer.py FlashInferMetadataBuilder.__init__ (0.12.0-0.17.0 wheels): head_dim 256 on
    is_device_capability(100) (0.12: 10.0 only) / is_device_capability_family(100) (0.13+)
    asserts block_size != 16; FLASHINFER leads the 10.x priority list and lists auto and fp8*
    (bfloat16 from 0.15, else FLASH_ATTN runs)."""
    from planner.serving.engine import EngineSettings
    from planner.serving.startup.attention_backend import flashinfer_hd256_errors
    from planner.serving.vllm_versions import vllm_rules

    gemma2 = _spec("google/gemma-2-9b-it")  # head_dim 256, every layer attention
    bug = ("There is a bug in FlashInfer block_size 16 head size 256 support. Please avoid "
           "this combination by passing --block-size 32 or --block-size 64.")

    def errors(version: str, cc: str, spec=gemma2, **settings) -> list[str]:
        s = EngineSettings(vllm_version=version, **settings)
        return flashinfer_hd256_errors(spec, s, vllm_rules(version), cc)

    assert errors("0.17.0", "10.0") == errors("0.13.0", "10.3") == [bug]
    assert errors("0.12.0", "10.0") == [bug] and errors("0.12.0", "10.3") == []
    for version, cc in (("0.18.0", "10.0"), ("0.11.0", "10.0"), ("0.17.0", "9.0"),
                        ("0.17.0", "12.0")):
        assert errors(version, cc) == [], (version, cc)
    assert errors("0.17.0", "10.0", block_size=32) == []
    assert errors("0.14.0", "10.0", kv_cache_dtype="bf16") == []  # FLASH_ATTN
    assert errors("0.15.0", "10.0", kv_cache_dtype="bf16") == [bug]
    assert errors("0.17.0", "10.0", kv_cache_dtype="fp8") == [bug]
    # hybrid models get 32-aligned attention blocks instead; head 128 is not affected
    assert errors("0.17.0", "10.0", spec=_spec("Qwen/Qwen3.5-27B")) == []
    assert errors("0.17.0", "10.0", spec=_spec("meta-llama/Llama-3.1-8B-Instruct")) == []


def test_modelopt_mixed_precision_loads_from_0_23_and_from_capability_7_5_on_0_24() -> None:
    """nvidia/Qwen3.6-35B-A3B-NVFP4 (MIXED_PRECISION: FP8, W4A16_NVFP4, a W4A16_NVFP4 lm_head)
    per release, from the wheels' quantization/modelopt.py ModelOptMixedPrecisionConfig:
    0.16.0 knows no MIXED_PRECISION; 0.17.0-0.21.0 build FP8 and NVFP4 modules only; up to
    0.22.0 the lm_head is not quantized (vLLM issue 44081); its get_min_capability() is 89 up
    to 0.23.0, 75 from 0.24.0 (the vllm_cli fixtures). A what-if format is not refused."""
    from planner.serving.startup.modelopt import modelopt_mixed_errors

    qwen = _spec("nvidia/Qwen3.6-35B-A3B-NVFP4")
    own = scheme("nvfp4")

    def refused(version: tuple[int, int, int]) -> list[str]:
        return modelopt_mixed_errors(qwen, own, version)

    assert len(refused((0, 16, 0))) == 1 and "no quant_algo MIXED_PRECISION" in refused(
        (0, 16, 0))[0]
    w4a16, lm_head = refused((0, 21, 0))
    assert "its W4A16_NVFP4 ones are built unquantized" in w4a16
    assert "'lm_head.input_scale'" in lm_head and refused((0, 22, 0)) == [
        lm_head.replace("0.21.0", "0.22.0")]
    assert refused((0, 23, 0)) == refused((0, 33, 0)) == []
    assert modelopt_mixed_errors(qwen, scheme("w4a16-gptq-g128"), (0, 16, 0)) == []
    # nor one of its own format (--target-checkpoint X: X's per-module formats are unknown)
    assert modelopt_mixed_errors(qwen, what_if_scheme("nvfp4"), (0, 16, 0)) == []
    a100 = gpu_preset("a100-80gb")
    assert errors(gpu=a100, scheme=own, cli=vllm_cli("0.23.0"), mixed=True) == [
        "The quantization method modelopt_mixed is not supported for the current GPU. "
        "Minimum capability: 89. Current capability: 80."]
    assert errors(gpu=a100, scheme=own, cli=vllm_cli("0.23.0")) == []  # modelopt_fp4: 75
    assert errors(gpu=a100, scheme=own, cli=vllm_cli("0.24.0"), mixed=True) == []


def test_bfloat16_below_compute_capability_8_is_refused_in_vllms_words() -> None:
    """--dtype bfloat16 on a V100 (7.0): every covered release raises at worker start-up
    (0.9.1-0.10.1 v1/worker/gpu_worker.py _check_if_gpu_supports_dtype; 0.10.2-0.33.0
    platforms/cuda.py CudaPlatform.check_if_supports_dtype, called from Worker.init_device).
    --dtype auto on a bf16 checkpoint falls back to float16 there (config/model.py
    _resolve_auto_dtype) and starts; an A100 (8.0) takes bfloat16."""
    from planner.serving.startup.dtype import dtype_errors

    refused = ("Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
               "Your Tesla V100-SXM2-32GB GPU has compute capability 7.0. You can use float16 "
               "instead by explicitly setting the `dtype` flag in CLI, for example: --dtype=half.")
    v100 = gpu_preset("v100-32gb")
    assert dtype_errors(v100, "bfloat16") == [refused]
    assert dtype_errors(v100, "auto") == dtype_errors(v100, "float16") == []
    assert dtype_errors(gpu_preset("a100-80gb"), "bfloat16") == []
    assert dtype_errors(gpu_preset("mi300x"), "bfloat16") == []  # not an NVIDIA capability


def test_float16_for_a_model_vllm_holds_unstable_in_it_is_refused_in_vllms_words() -> None:
    """--dtype float16 on Gemma-2 / Gemma-3 / GLM-4: config/model.py _check_valid_dtype
    (config.py in 0.9.x) raises "The model type 'gemma2' does not support float16. Reason:
    Numerical instability. Please use bfloat16 or float32 instead." in every wheel
    0.9.1-0.33.0 (_FLOAT16_NOT_SUPPORTED_MODELS, one reason for every type); bfloat16,
    float32 and auto start (auto never resolves to float16 for them), and other model types
    take float16. Planned end to end: a plan refused, not a fit."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan
    from planner.serving.startup.dtype import float16_errors

    refused = ("The model type 'gemma2' does not support float16. Reason: Numerical "
               "instability. Please use bfloat16 or float32 instead.")
    assert float16_errors("gemma2", "float16", refused=True) == [refused]
    assert float16_errors("gemma2", "float32", refused=True) == []
    assert float16_errors("gemma2", "auto", refused=True) == []
    assert float16_errors("qwen3", "float16", refused=False) == []

    def planned(model: str, dtype: str):
        return plan(PlanRequest(model=_spec(model), cluster=preset_cluster("a100-80gb", 1),
                                layout=ParallelLayout(tp=1),
                                engine=EngineSettings(dtype=dtype, max_model_len=4096)))

    gemma = planned("google/gemma-2-9b-it", "float16")
    assert not gemma.fits and refused in gemma.verdict
    assert planned("google/gemma-2-9b-it", "bfloat16").fits
    assert planned("Qwen/Qwen3-8B", "float16").fits


def test_a_dtype_the_quantization_method_does_not_take_is_refused_in_vllms_words() -> None:
    """VllmConfig._get_quantization_config raises "{dtype} is not supported for quantization
    method {method}. Supported dtypes: {get_supported_act_dtypes()}" (config/vllm.py, 0.19.0
    and 0.30.0 wheels): Fp8Config and ModelOptFp8Config take [torch.bfloat16, torch.half],
    Mxfp4Config [torch.bfloat16], the GPTQ and AWQ loaders float16 (and bfloat16 on Marlin),
    CompressedTensorsConfig [torch.float32, torch.float16, torch.bfloat16]. Qwen3-32B-FP8
    --dtype float32, gpt-oss-20b --dtype float16 and a GPTQ what-if of Gemma-2 on a T4 (vLLM
    serves Gemma-2 in float32 there: no bfloat16, float16 refused) were planned as fits."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(model: str, gpu: str = "h100-sxm", **engine):
        return plan(PlanRequest(model=_spec(model), cluster=preset_cluster(gpu, 1),
                                layout=ParallelLayout(tp=1),
                                engine=EngineSettings(max_model_len=4096, **engine)))

    fp8 = planned("Qwen/Qwen3-32B-FP8", dtype="float32")
    assert not fp8.fits and fp8.vllm_command is None
    assert fp8.errors == ["torch.float32 is not supported for quantization method fp8. "
                          "Supported dtypes: [torch.bfloat16, torch.float16]"]
    gpt_oss = planned("openai/gpt-oss-20b", dtype="float16")
    assert gpt_oss.errors == ["torch.float16 is not supported for quantization method mxfp4. "
                              "Supported dtypes: [torch.bfloat16]"]
    gptq = planned("google/gemma-2-9b-it", "t4", target_quant="w4a16-gptq-g128")
    assert not gptq.fits
    assert gptq.errors[0].startswith("torch.float32 is not supported for quantization method "
                                     "gptq: ")
    int8 = planned("google/gemma-2-9b-it", "t4", target_quant="w8a8-int8")  # compressed-tensors
    assert not any("is not supported for quantization" in e for e in int8.errors)
    for model in ("Qwen/Qwen3-32B-FP8", "openai/gpt-oss-20b"):  # their own bfloat16 starts
        assert planned(model).fits


def test_w8a8_int8_in_float32_stops_at_the_int8_gemms_assertion() -> None:
    """compressed-tensors loads W8A8 int8 in float32 (get_supported_act_dtypes lists it), but
    CUDA's first int8 kernel, CutlassInt8ScaledMMLinearKernel (is_supported / can_implement
    true on any CUDA GPU), calls ops.cutlass_scaled_mm with out_dtype = the activations'
    dtype, which asserts bfloat16 or float16 (_custom_ops.py; 0.19.0, 0.30.0, 0.33.0 wheels).
    Gemma-2 on a T4 runs in float32 (no bfloat16, float16 refused): its int8 what-if was a
    fit. Qwen3 there runs in float16 and starts."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(model: str, gpu: str = "t4", **engine):
        return plan(PlanRequest(model=_spec(model), cluster=preset_cluster(gpu, 1),
                                layout=ParallelLayout(tp=1), engine=EngineSettings(
                                    max_model_len=4096, target_quant="w8a8-int8", **engine)))

    gemma = planned("google/gemma-2-2b-it")
    assert not gemma.fits and gemma.vllm_command is None
    assert any("`assert out_dtype is torch.bfloat16 or out_dtype is torch.float16`" in e
               for e in gemma.errors), gemma.errors
    assert planned("Qwen/Qwen3-0.6B").fits  # float16 on a T4
    forced = planned("Qwen/Qwen3-0.6B", "h100-sxm", dtype="float32")
    assert not forced.fits and any("cutlass_scaled_mm" in e for e in forced.errors)


def test_gptq_and_awq_off_marlin_load_float16_only_on_the_plain_loaders() -> None:
    """gptq_marlin.py is_gptq_marlin_compatible (0.19.0, 0.20.0, 0.21.0 wheels) takes CUDA
    (or CPU) checkpoints in marlin_utils.MARLIN_SUPPORTED_GROUP_SIZES [-1, 32, 64, 128] only;
    any other stays on gptq.py GPTQConfig, whose get_supported_act_dtypes() is [torch.half],
    so config/vllm.py _get_quantization_config refuses bfloat16. 0.22.0 maps "gptq" to
    AutoGPTQConfig ([torch.half, torch.bfloat16]); awq.py AWQConfig ([torch.half]) serves AWQ
    off awq_marlin until 0.23.0, AutoAWQConfig from 0.24.0. Qwen3-8B (torch_dtype bfloat16)
    as GPTQ / AWQ int4 in groups of 256 on an RTX 4090."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(quant: str, release: str, gpu: str = "rtx-4090", **engine):
        return plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster(gpu, 1),
                                layout=ParallelLayout(tp=1),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                                      target_quant=quant, **engine)))

    words = "torch.bfloat16 is not supported for quantization method {}. Supported dtypes: " \
        "[torch.float16] (vLLM {} loads {} int4, group 256 (W4A16) with {}.py's plain loader"
    for release in ("0.19.0", "0.21.0"):
        gptq = planned("w4a16-gptq-g256", release)
        assert not gptq.fits and gptq.vllm_command is None
        assert gptq.errors[0].startswith(words.format("gptq", release, "GPTQ", "gptq"))
    # 0.22.0's AutoGPTQConfig takes bfloat16 (its linear kernels are the next test's)
    assert not any("is not supported for quantization method"
                   in e for e in planned("w4a16-gptq-g256", "0.22.0").errors)
    assert planned("w4a16-gptq-g128", "0.19.0").fits  # gptq_marlin takes group 128
    assert planned("w4a16-gptq-g256", "0.19.0", dtype="float16").fits
    awq = planned("w4a16-awq-g256", "0.23.0")
    assert awq.errors[0].startswith(words.format("awq", "0.23.0", "AWQ", "awq"))
    # 0.24.0's AutoAWQConfig takes bfloat16 (its CUDA GEMM does not: the next tests')
    assert not any("is not supported for quantization method"
                   in e for e in planned("w4a16-awq-g256", "0.24.0").errors)
    assert planned("w4a16-awq-g256", "0.24.0", dtype="float16").fits
    # gptq_marlin is CUDA-only: on ROCm every GPTQ checkpoint stays on GPTQConfig up to 0.21
    amd = planned("w4a16-gptq-g128", "0.21.0", "mi300x")
    assert amd.errors[0].endswith("gptq_marlin is CUDA-only (is_gptq_marlin_compatible); "
                                  "--dtype float16 runs it)")
    assert planned("w4a16-gptq-g128", "0.22.0", "mi300x").fits


def test_gptq_from_0_22_needs_marlin_to_take_its_group_and_gpu() -> None:
    """From 0.22.0 every quantized linear layer of a GPTQ checkpoint is an
    AutoGPTQLinearMethod, whose __init__ calls marlin_utils.verify_marlin_supported before any
    kernel is chosen (auto_gptq.py, 0.22.0-0.33.0 wheels): a group outside
    MARLIN_SUPPORTED_GROUP_SIZES [-1, 32, 64, 128] raises "Marlin does not support group_size
    = N. ..." on every GPU and dtype, though Humming (0.23.0+) or Triton W4A16 could run it;
    on CUDA below compute capability 7.5 query_marlin_supported_quant_types lists no type, so
    uint4b8 (symmetric int4) is refused there at any group. 0.19.0-0.21.0 load such
    checkpoints on gptq.py's Exllama loader in float16. Qwen3-8B (bfloat16) as GPTQ int4."""
    from planner.model.spec import QuantSpec
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(release: str, gpu: str = "rtx-4090", quant: str | None = None, spec=None,
                **engine):
        return plan(PlanRequest(model=spec or _spec("Qwen/Qwen3-8B"),
                                cluster=preset_cluster(gpu, 1), layout=ParallelLayout(tp=1),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                                      target_quant=quant, **engine)))

    group = "Marlin does not support group_size = {}. Only group_sizes = [-1, 32, 64, 128] " \
        "are supported. (vLLM {} AutoGPTQLinearMethod, verify_marlin_supported"
    for release in ("0.22.0", "0.23.0", "0.29.0", "0.33.0"):
        for dtype in ("bfloat16", "float16"):
            (error,) = planned(release, quant="w4a16-gptq-g256", dtype=dtype).errors
            assert error.startswith(group.format(256, release))
        assert planned(release, quant="w4a16-gptq-g128").fits
        assert planned(release, quant="w4a16-gptq-g32").fits
        for gpu in ("mi300x", "rtx-4090"):  # ROCm skips only the capability test
            (error,) = planned(release, gpu, quant="w4a16-gptq-g512").errors
            assert error.startswith(group.format(512, release))
        assert planned(release, "mi300x", quant="w4a16-gptq-g128").fits
    assert planned("0.21.0", quant="w4a16-gptq-g256", dtype="float16").fits  # Exllama
    # an act-order (desc_act) checkpoint in groups of 256: refused by Marlin's check on
    # 0.22.0-0.29.0; 0.30.0 refuses the act-order config first, and vLLM stops there
    base = _spec("Qwen/Qwen3-8B")
    desc = base.model_copy(update={"quant": QuantSpec(
        method="gptq", scheme="w4a16-gptq-g256", weight_bits=4, group_size=256,
        act_order=True, symmetric=True, summary="GPTQ int4, group 256, sym")})
    (error,) = planned("0.29.0", spec=desc).errors
    assert error.startswith(group.format(256, "0.29.0"))
    (error,) = planned("0.30.0", spec=desc).errors
    assert error.startswith("GPTQ group activation ordering (desc_act=True) is no longer")
    # a V100 (compute capability 7.0): Marlin lists no type, so even group 128 is refused
    types = "Marlin does not support weight_bits = {}. Only types = [] are supported (for " \
        "group_size = 128, device_capability = 70, zp = False). (vLLM 0.22.0"
    for quant, bits in (("w4a16-gptq-g128", "uint4b8"), ("w8a16-gptq-g128", "uint8b128")):
        (error,) = past_v100_wheels(planned("0.22.0", "v100-32gb", quant=quant,
                                            dtype="float16").errors)
        assert error.startswith(types.format(bits))
        assert past_v100_wheels(planned("0.21.0", "v100-32gb", quant=quant,
                                        dtype="float16").errors) == []


def test_compressed_tensors_wna16_linears_ask_the_same_kernel_list() -> None:
    """compressed_tensors_wNa16.py CompressedTensorsWNA16.create_weights calls
    choose_mp_linear_kernel on every release read (0.19.0-0.33.0 wheels); the CUDA list of
    0.19.0-0.22.0 has no Humming or Triton, so a symmetric int4 checkpoint in groups of 256
    (Marlin: -1/32/64/128; Exllama: float16 only) finds no kernel in bfloat16 there, and
    0.23.0's HummingLinearKernel takes it. Qwen3-8B's shape as such a checkpoint."""
    from planner.model.spec import QuantSpec
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    ct = _spec("Qwen/Qwen3-8B").model_copy(update={"quant": QuantSpec(
        method="compressed-tensors", scheme="w4a16-ct-g256", weight_bits=4, group_size=256,
        summary="int4 weights, group 256 (W4A16) compressed-tensors, symmetric")})

    def planned(release: str):
        return plan(PlanRequest(model=ct, cluster=preset_cluster("rtx-4090", 1),
                                layout=ParallelLayout(tp=1),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release)))

    for release in ("0.19.0", "0.22.0"):
        (error,) = planned(release).errors
        assert error.startswith("Failed to find a kernel that can implement the WNA16 linear "
                                f"layer. (vLLM {release} choose_mp_linear_kernel")
    assert planned("0.23.0").fits
    # ROCm: TritonW4A16LinearKernel (groups -1..256) joins the list in 0.20.0 (0.19.0: Conch,
    # Exllama); MI300X in groups of 512 is refused from 0.20.0, 256 runs Triton
    g512 = ct.model_copy(update={"quant": ct.quant.model_copy(update={
        "scheme": "w4a16-ct-g512", "group_size": 512})})
    amd = plan(PlanRequest(model=g512, cluster=preset_cluster("mi300x", 1),
                           layout=ParallelLayout(tp=1),
                           engine=EngineSettings(max_model_len=4096, vllm_version="0.20.0")))
    assert "on ROCm Triton W4A16 takes groups [-1, 32, 64, 128, 256]" in amd.errors[0]
    assert plan(PlanRequest(model=ct, cluster=preset_cluster("mi300x", 1),
                            layout=ParallelLayout(tp=1), engine=EngineSettings(
                                max_model_len=4096, vllm_version="0.20.0"))).fits


def test_per_channel_compressed_tensors_experts_stop_on_hopper_from_0_32() -> None:
    """compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.__init__ (0.32.0, 0.33.0
    wheels): select_wna16_moe_backend puts Humming ahead of Marlin on compute capability 9.0
    (prioritize_humming; not in the 0.30.0 oracle), Humming takes the per-channel int4 key,
    and off Marlin the method asserts `weight_quant.strategy == "group"`. Qwen3-30B-A3B's
    shape with per-channel symmetric int4 (strategy channel) experts."""
    from planner.model.spec import QuantSpec
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(model: str, gpu: str, release: str):
        spec = _spec(model).model_copy(update={"quant": QuantSpec(
            method="compressed-tensors", scheme="w4a16-ct-gchannel", weight_bits=4,
            summary="int4 weights, group per-channel (W4A16) compressed-tensors, symmetric")})
        return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 8),
                                layout=ParallelLayout(tp=8),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release)))

    for release in ("0.32.0", "0.33.0"):
        (error,) = planned("Qwen/Qwen3-30B-A3B", "h200", release).errors
        assert error.startswith(f"vLLM {release} stops loading the compressed-tensors symmetric "
                                "int4, per-channel (W4A16) experts at `assert "
                                'weight_quant.strategy == "group"`')
    assert planned("Qwen/Qwen3-30B-A3B", "h200", "0.30.0").fits  # Marlin ahead of Humming
    assert planned("Qwen/Qwen3-30B-A3B", "a100-80gb", "0.33.0").fits  # 8.0: Marlin first
    assert planned("Qwen/Qwen3-8B", "h200", "0.33.0").fits  # no experts


def test_per_channel_compressed_tensors_experts_stop_on_amd_gpus_in_every_release() -> None:
    """On ROCm compressed_tensors_moe.py get_moe_method builds CompressedTensorsWNA16MoEMethod
    at every layout (`... or current_platform.is_rocm()` in the 0.19.0-0.26.0 wheels, always
    from 0.27.0, where marlin_utils.check_moe_marlin_supports_config returns False on ROCm and
    the oracle picks TritonWNA16Experts), and its __init__ asserts `weight_quant.strategy ==
    "group"` (compressed_tensors_moe.py 0.19.0; compressed_tensors_moe_wna16.py 0.20.0-0.33.0).
    int8 on 0.27.0 and 0.28.0 stops one line earlier, at `assert self.group_size == -1` with a
    per-channel group of None. Qwen3-30B-A3B's shape, per-channel experts, TP=8 on 8 MI300X."""
    from planner.model.spec import QuantSpec
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(model: str, gpu: str, release: str, key: str = "w4a16-ct-gchannel"):
        bits = int(key[1])
        spec = _spec(model).model_copy(update={"quant": QuantSpec(
            method="compressed-tensors", scheme=key, weight_bits=bits, summary=key)})
        return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 8),
                                layout=ParallelLayout(tp=8, ep=spec.is_moe),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release)))

    for release in ("0.19.0", "0.24.0", "0.33.0"):
        (error,) = planned("Qwen/Qwen3-30B-A3B", "mi300x", release).errors
        assert error.startswith(f"vLLM {release} stops loading the compressed-tensors symmetric "
                                "int4, per-channel (W4A16) experts at `assert "
                                'weight_quant.strategy == "group"`'), error
        assert "(ROCm) vLLM builds that method at every layout" in error
    (error,) = planned("Qwen/Qwen3-30B-A3B", "mi300x", "0.27.0", "w8a16-ct-gchannel").errors
    assert "at `assert self.group_size == -1` (int8 experts" in error
    (error,) = planned("Qwen/Qwen3-30B-A3B", "mi300x", "0.29.0", "w8a16-ct-gchannel").errors
    assert 'at `assert weight_quant.strategy == "group"`' in error
    # an A100 on 0.33.0 keeps Marlin MoE (whole 768-wide experts, hidden 2048 = 16 x 128)
    assert planned("Qwen/Qwen3-30B-A3B", "a100-80gb", "0.33.0").fits
    assert planned("Qwen/Qwen3-8B", "mi300x", "0.33.0").fits  # no experts


def test_compressed_tensors_int8_weight_only_experts_stop_on_0_27_and_0_28_on_every_gpu() -> None:
    """compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.__init__ (0.27.0,
    0.28.0 wheels): `elif self.num_bits == 8: assert self.group_size == -1`, before the MoE
    oracle, with group_size as the config writes it (compressed-tensors 0.17.0 QuantizationArgs:
    None when left out, -1 for channel written, else the group). Not in 0.26.0 or 0.29.0.
    Qwen3-30B-A3B's experts (768 wide, hidden 2048) at TP=8 + EP on 8 H100: 768 % 128 = 0 and
    2048 % 128 = 0, so Marlin MoE takes group 128 on 0.26.0. W8A8 int8 experts
    (CompressedTensorsW8A8Int8MoEMethod: channel weights, dynamic per-token activations, the
    int8 oracle's TritonExperts on CUDA >= 7.5) meet no such assertion on 0.27.0-0.28.0."""
    from planner.model.config.quant import quant_spec
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(weights: dict, release: str, activations: dict | None = None):
        group = {"weights": {"num_bits": 8, "type": "int", "symmetric": True, **weights}}
        if activations:
            group["input_activations"] = activations
        quant = quant_spec({"quant_method": "compressed-tensors", "format": "pack-quantized",
                            "config_groups": {"group_0": group}}, "quantization_config", None,
                           [])
        spec = _spec("Qwen/Qwen3-30B-A3B").model_copy(update={"quant": quant})
        result = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 8),
                                  layout=ParallelLayout(tp=8, ep=True),
                                  engine=EngineSettings(max_model_len=4096,
                                                        vllm_version=release)))
        return result, quant.scheme

    g128 = {"strategy": "group", "group_size": 128}
    for release in ("0.27.0", "0.28.0"):
        (error,) = planned(g128, release)[0].errors
        assert error == (f"vLLM {release} stops loading the compressed-tensors symmetric int8, "
                         "group 128 (W8A16) experts at `assert self.group_size == -1` (int8 "
                         "experts; this checkpoint's group_size is 128) in "
                         "CompressedTensorsWNA16MoEMethod, on every GPU and layout: its int8 "
                         "MoE path takes only per-channel scales written as group_size -1 "
                         "(0.27.0 and 0.28.x; the assertion is not in 0.26.0 or 0.29.0).")
    assert planned(g128, "0.26.0")[0].fits and planned(g128, "0.29.0")[0].fits
    # per-channel without group_size: None == -1 fails; written as -1 it passes
    (error,) = planned({"strategy": "channel"}, "0.27.0")[0].errors
    assert "this checkpoint's group_size is unset" in error
    channel, key = planned({"strategy": "channel", "group_size": -1}, "0.27.0")
    assert channel.fits and key == "w8a16-ct-gchannel"  # was 'w8a16-ct-g-1', an unknown key
    # W8A8 int8 experts load on 0.27.0 and 0.28.0
    dynamic = {"num_bits": 8, "type": "int", "strategy": "token", "dynamic": True}
    for release in ("0.27.0", "0.28.0"):
        w8a8, key = planned({"strategy": "channel"}, release, dynamic)
        assert key == "w8a8-int8" and w8a8.fits


def test_w8a8_int8_experts_have_no_rocm_kernel_on_0_20_to_0_26() -> None:
    """fused_moe/oracle/int8.py select_int8_moe_backend (0.20.0-0.26.0 wheels): TRITON (then
    HUMMING, CPU from 0.25.0); TritonExperts takes int8 only on CUDA >= 7.5, Humming on CUDA,
    CPU on CPUs, so ROCm raises "No Int8 MoE backend supports the deployment configuration.";
    0.19.0 calls fused_experts directly, 0.27.0 adds `or current_platform.is_rocm()`.
    Qwen3-30B-A3B as W8A8 int8 on one MI300X; Qwen3-8B has no experts."""
    moe, dense = _spec("Qwen/Qwen3-30B-A3B"), _spec("Qwen/Qwen3-8B")
    for release in ("0.20.0", "0.26.0"):
        (error,) = _plan_one(moe, release, quant="w8a8-int8").errors
        assert error.startswith("No Int8 MoE backend supports the deployment configuration. "
                                f"(vLLM {release} fused_moe/oracle/int8.py: the INT8 W8A8")
        assert _plan_one(moe, release, "h100-sxm", quant="w8a8-int8").fits  # CUDA: Triton
        assert _plan_one(dense, release, quant="w8a8-int8").fits
    for release in ("0.19.0", "0.27.0"):
        assert _plan_one(moe, release, quant="w8a8-int8").fits


def test_fp4_experts_on_amd_gpus_start_where_a_rocm_backend_takes_them() -> None:
    """On ROCm (AITER off) MXFP4 experts run OpenAI's Triton MoE and W4A4 NVFP4 experts vLLM's
    emulation (fused_moe/oracle/nvfp4.py EMULATION, 0.20.0 on); W4A16 NVFP4 experts
    (ModelOptNvFp4FusedMoE use_a16: activation key None, 0.22.0 on) have no ROCm backend,
    as Marlin and Humming run on CUDA only: "No NvFp4 MoE backend supports the deployment
    configuration.". Compressed-tensors NVFP4 on 0.19.0: no EMULATION yet. VLLM_MXFP4_USE_MARLIN
    (mxfp4_marlin) makes the 0.19.0-0.23.0 MXFP4 oracle raise on ROCm; 0.24.0 has no such
    variable."""
    from planner.model.config.quant import quant_spec

    w4a16 = _spec("nvidia/Qwen3.6-35B-A3B-NVFP4")  # routed experts W4A16_NVFP4
    for release in ("0.23.0", "0.33.0"):
        (error,) = _plan_one(w4a16, release).errors
        assert error.startswith("No NvFp4 MoE backend supports the deployment configuration. "
                                f"(vLLM {release} fused_moe/oracle/nvfp4.py: on AMD Instinct "
                                "MI300X (ROCm) no backend takes W4A16 NVFP4 experts")
        assert _plan_one(w4a16, release, "h100-sxm").fits  # Marlin / Humming on CUDA
    w4a4 = _spec("nvidia/Qwen3-235B-A22B-NVFP4")
    for release, copied in (("0.20.0", True), ("0.24.0", True), ("0.25.0", False)):
        result = _plan_amd(w4a4, release)
        assert result.errors == [], result.errors
        (note,) = [w for w in result.warnings if "NVFP4 emulation" in w]
        assert ("into a 16-bit copy on every forward" in note) is copied
    # compressed-tensors NVFP4 (W4A4) experts on 0.19.0
    ct = _spec("Qwen/Qwen3-30B-A3B").model_copy(update={"quant": quant_spec(
        {"quant_method": "compressed-tensors", "config_groups": {"group_0": {
            "weights": {"num_bits": 4, "type": "float", "strategy": "tensor_group",
                        "group_size": 16},
            "input_activations": {"num_bits": 4, "type": "float", "strategy": "tensor_group",
                                  "group_size": 16, "dynamic": "local"}}}},
        "quantization_config", None, [])})
    (error,) = _plan_one(ct, "0.19.0").errors
    assert error.endswith("every NVFP4 MoE backend of this release runs on CUDA only; vLLM "
                          "emulates NVFP4 experts on ROCm from 0.20.0)")
    assert _plan_one(ct, "0.20.0").fits
    # gpt-oss-20b with VLLM_MXFP4_USE_MARLIN=1
    oss = _spec("openai/gpt-oss-20b")
    for release in ("0.19.0", "0.23.0"):
        (error,) = _plan_one(oss, release, mxfp4_marlin=True).errors
        assert error.startswith("Mxfp4 MoE backend 'MARLIN' does not support the deployment "
                                "configuration since kernel does not support current device "
                                f"rocm. (vLLM {release}:")
        assert _plan_one(oss, release).fits
        assert _plan_one(oss, release, "h100-sxm", mxfp4_marlin=True).fits
    # where ROCm does not read the variable it changes nothing: the experts' bytes stay the
    # Triton plan's; on an H100 Marlin pads gpt-oss-20b's 2,880-wide experts to hidden 3,072
    # (2,880 -> 12 x 256) x width 2,944 (23 x 128), the Triton kernel keeps 2,880 (45 x 64)
    for release in ("0.18.0", "0.24.0"):
        plain, marlin = _plan_one(oss, release), _plan_one(oss, release, mxfp4_marlin=True)
        assert marlin.fits and marlin.weights_bytes_per_gpu == plain.weights_bytes_per_gpu
    nvidia = _plan_one(oss, "0.18.0", "h100-sxm").weights_bytes_per_gpu
    assert _plan_one(oss, "0.18.0", "h100-sxm", mxfp4_marlin=True).weights_bytes_per_gpu > nvidia


def test_mxfp4_experts_on_amd_gpus_are_padded_as_rocm_pads_them() -> None:
    """ROCm's Triton MXFP4 MoE pads hidden and width per GPU to mxfp4_utils.
    get_padding_alignment() in 0.11.1-0.18.0 (256 on gfx950, else 128) and to 256 from 0.19.0
    (fused_moe/oracle/mxfp4.py mxfp4_round_up_hidden_size_and_intermediate_size). gpt-oss-20b
    (24 layers x 32 experts, hidden 2,880, width 2,880, MXFP4 at 4 + 8/32 = 4.25 bits) at TP=1:
    - 128: 2,880 -> 2,944 (23 x 128): 3 x (2,944^2 - 2,880^2) = 3 x 372,736 = 1,118,208
      parameters more per expert, x 768 experts x 4.25 / 8 = 456,228,864 B;
    - 256: 2,880 -> 3,072 (12 x 256): 3 x (3,072^2 - 2,880^2) = 3 x 1,142,784 = 3,428,352
      per expert, x 768 x 4.25 / 8 = 1,398,767,616 B;
    and the expert biases, created at the padded sizes (w13 2 x width, w2 hidden) and held in
    float32 by the Triton MoE (mxfp4.MXFP4_FP32_BIAS_KERNELS; the unpadded GPU's too):
    768 x (2 x 64 + 64) x 4 = 589,824 B at 128, 768 x (2 x 192 + 192) x 4 = 1,769,472 B at 256.
    An MI300X whose gfx target is not known (a custom AMD GPU) is not padded on 0.18.0."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import ClusterSpec, NodeSpec
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    oss, mi300x = _spec("openai/gpt-oss-20b"), gpu_preset("mi300x")

    def weights(release: str, target: str) -> int:
        gpu = mi300x.model_copy(update={"compute_capability": target})
        cluster = ClusterSpec(nodes=(NodeSpec(gpu=gpu, gpus_per_node=1, intra_node_link="pcie"),),
                              source="test")
        result = plan(PlanRequest(model=oss, cluster=cluster, layout=ParallelLayout(),
                                  engine=EngineSettings(max_model_len=4096, vllm_version=release)))
        return result.weights_bytes_per_gpu

    bare = weights("0.18.0", "")
    assert weights("0.18.0", "gfx942") - bare == 456_228_864 + 589_824
    assert weights("0.18.0", "gfx950") - bare == 1_398_767_616 + 1_769_472
    # 0.19.0, the first release of the oracle's 256 x 256, pads by 256 on any gfx target:
    # gfx942 moves from 128 on 0.18.0 to 256 (1,400,537,088 - 456,818,688 B more)
    assert weights("0.19.0", "gfx942") - bare == 1_398_767_616 + 1_769_472
    assert weights("0.19.0", "gfx942") == weights("0.19.0", "")
    assert weights("0.33.0", "gfx942") == weights("0.33.0", "")  # 256 whatever the target
    note = next(w for w in _plan_one(oss, "0.33.0").warnings if w.startswith("MXFP4 experts"))
    assert "padded to multiples of 256 (hidden) x 256 (width per GPU)" in note


def _plan_amd(spec, release: str):
    """`spec` on two MI300X at TP=2 on vLLM `release`."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    return plan(PlanRequest(model=spec, cluster=preset_cluster("mi300x", 2),
                            layout=ParallelLayout(tp=2),
                            engine=EngineSettings(max_model_len=4096, vllm_version=release)))


def _plan_one(spec, release: str, gpu: str = "mi300x", quant: str | None = None, **engine):
    """Plan `spec` (or its what-if `quant`) on one `gpu` at TP=1 on vLLM `release`."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 1),
                            layout=ParallelLayout(tp=1),
                            engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                                  target_quant=quant, **engine)))


def _quantized(method: str, key: str, bits: int, group: int | None, act_order: bool = False):
    """Qwen3-8B (torch_dtype bfloat16) as a `method` checkpoint in scheme `key`; a GPTQ one
    with sym true, as GPTQ exports write it (the catalog's Qwen3-235B-A22B-GPTQ-Int4)."""
    from planner.model.spec import QuantSpec

    return _spec("Qwen/Qwen3-8B").model_copy(update={"quant": QuantSpec(
        method=method, scheme=key, weight_bits=bits, group_size=group, act_order=act_order,
        symmetric=True if method == "gptq" else None, summary=key)})


NO_KERNEL = "Failed to find a kernel that can implement the WNA16 linear layer. (vLLM "


def test_compressed_tensors_wna16_on_rocm_per_release() -> None:
    """kernels/linear/__init__.py _POSSIBLE_KERNELS[PlatformEnum.ROCM], which
    choose_mp_linear_kernel walks for CompressedTensorsWNA16.create_weights: [Conch, Exllama]
    in the 0.19.0 wheel, TritonW4A16 ahead of them from 0.20.0 (RDNA kernels ahead from 0.23.0
    take gfx11/gfx12 only; the MI300X is gfx942). conch.py takes groups [-1, 128] only (4 or
    8 bits, with or without zero points; conch-triton-kernels is in vLLM's
    requirements/rocm.txt), exllama.py float16 activations without zero points and a group
    > 0, triton_w4a16.py int4 in groups -1/32/64/128/256. So in bfloat16: int4 group 64 finds
    nothing on 0.19.0 and runs Triton from 0.20.0; int4 group 128 and per-channel run Conch on
    0.19.0; int8 group 64 finds nothing on any release (Triton is int4 only), int8 group 128
    runs Conch. In float16 Exllama takes the symmetric ones; an asymmetric int4 group 64
    (uint4, zero points) finds nothing on 0.19.0 even there, and runs Triton from 0.20.0."""
    w4g64 = _quantized("compressed-tensors", "w4a16-ct-g64", 4, 64)
    (error,) = _plan_one(w4g64, "0.19.0").errors
    assert error == (NO_KERNEL + "0.19.0 choose_mp_linear_kernel, compressed-tensors symmetric "
                     "int4, group 64 (W4A16) in bfloat16: on ROCm Triton W4A16 is not in this "
                     "release, Conch takes groups [-1, 128], Exllama takes float16 only; "
                     "--dtype float16 runs it on Exllama)")
    assert _plan_one(w4g64, "0.19.0", dtype="float16").fits  # Exllama
    assert _plan_one(w4g64, "0.20.0").fits  # Triton W4A16
    assert _plan_one(w4g64, "0.19.0", "h100-sxm").fits  # Marlin on CUDA
    assert _plan_one(_quantized("compressed-tensors", "w4a16-ct-g128", 4, 128), "0.19.0").fits
    assert _plan_one(_quantized("compressed-tensors", "w4a16-ct-gchannel", 4, None),
                     "0.19.0").fits  # Conch takes -1
    w8g64 = _quantized("compressed-tensors", "w8a16-ct-g64", 8, 64)
    for release in ("0.19.0", "0.20.0", "0.33.0"):
        (error,) = _plan_one(w8g64, release).errors
        assert error.startswith(NO_KERNEL + release), error
        assert "Conch takes groups [-1, 128], Exllama takes float16 only;" in error
    assert "Triton W4A16 takes int4 only" in _plan_one(w8g64, "0.33.0").errors[0]
    assert _plan_one(w8g64, "0.33.0", dtype="float16").fits
    assert _plan_one(_quantized("compressed-tensors", "w8a16-ct-g128", 8, 128), "0.33.0").fits
    asym = _quantized("compressed-tensors", "w4a16-gptq-g64", 4, 64)  # zero points
    (error,) = _plan_one(asym, "0.19.0", dtype="float16").errors
    assert error.endswith("Conch takes groups [-1, 128], Exllama takes no zero points)")
    assert _plan_one(asym, "0.20.0", dtype="float16").fits


def test_experts_only_int4_asks_no_linear_kernel() -> None:
    """choose_mp_linear_kernel builds linear layers only: Kimi-K2.5's compressed-tensors
    config (int4, group 32) ignores lm_head, self_attn, shared_experts and the dense mlp, and
    kimi_k25.py gives its vision tower no compressed-tensors config, so only the routed
    experts are int4 and they take the MoE methods. On an MI300X on 0.19.0 (Conch -1/128,
    Exllama float16, no Triton W4A16 yet) there is no linear layer for the list to refuse;
    the same int4 group 32 with its attention quantized (Qwen3-8B's shape) is refused."""
    kimi = _spec("moonshotai/Kimi-K2.5")
    assert kimi.quant.scheme == "w4a16-ct-g32"
    assert not [e for e in _plan_one(kimi, "0.19.0").errors if e.startswith(NO_KERNEL)]
    (error,) = _plan_one(_quantized("compressed-tensors", "w4a16-ct-g32", 4, 32),
                         "0.19.0").errors
    assert error.startswith(NO_KERNEL + "0.19.0 choose_mp_linear_kernel")


def test_gptq_act_order_on_rocm_needs_conch_before_0_24() -> None:
    """auto_gptq.py AutoGPTQLinearMethod passes has_g_idx=desc_act (0.22.0-0.29.0 wheels):
    triton_w4a16.py refuses g_idx (0.20.0-0.29.0), conch.py asks has_g_idx only from 0.24.0,
    exllama.py takes it in float16 on an unsplit input. A desc_act int4 group 128 checkpoint
    in bfloat16 on an MI300X: Conch on 0.22.0 and 0.23.0, nothing on 0.24.0-0.29.0; float16
    runs Exllama at TP=1. (0.19.0-0.21.0 load it on gptq.py, float16 only; 0.30.0 refuses
    the config.)"""
    desc = _quantized("gptq", "w4a16-gptq-g128", 4, 128, act_order=True)
    assert _plan_one(desc, "0.23.0").fits
    for release in ("0.24.0", "0.29.0"):
        (error,) = _plan_one(desc, release).errors
        assert error == (NO_KERNEL + release + " choose_mp_linear_kernel, GPTQ int4, group 128 "
                         "(W4A16) in bfloat16: on ROCm Triton W4A16 takes no act-order (g_idx), "
                         "Conch takes no act-order (g_idx), Exllama takes float16 only; --dtype "
                         "float16 runs it on Exllama)")
    assert _plan_one(desc, "0.29.0", dtype="float16").fits
    plain = _quantized("gptq", "w4a16-gptq-g128", 4, 128)
    assert _plan_one(plain, "0.24.0").fits  # Triton W4A16


def test_awq_on_rocm_per_release() -> None:
    """AWQ int4 on an MI300X (AWQ_TRITON_GROUP_SIZES, rocm_awq_errors). 0.19.0-0.23.0:
    awq_marlin.py is_awq_marlin_compatible asks is_cuda_alike() (ROCm is), so groups
    -1/32/64/128 load on AWQMarlinLinearMethod, which asks choose_mp_linear_kernel for uint4
    with zero points: Conch (-1, 128) on 0.19.0, where Exllama takes no zero points, so 32
    and 64 find nothing in either dtype; Triton W4A16 takes them from 0.20.0. Group 256 stays
    on awq.py (float16 only), whose GEMM on ROCm is awq_triton.py (rocm.py verify_quantization
    sets VLLM_USE_TRITON_AWQ), asserting the group in [-1, 32, 64, 128] at the first forward
    pass; from 0.24.0 auto_awq.py AutoAWQLinearMethod runs that GEMM in either dtype (Marlin
    only `if current_platform.is_cuda()`)."""
    qwen = _spec("Qwen/Qwen3-8B")
    for dtype in ("bfloat16", "float16"):
        (error,) = _plan_one(qwen, "0.19.0", quant="w4a16-awq-g64", dtype=dtype).errors
        assert error == (NO_KERNEL + f"0.19.0 AWQMarlinLinearMethod, AWQ int4, group 64 (W4A16) "
                         f"in {dtype}: on ROCm Triton W4A16 is not in this release, Conch takes "
                         "groups [-1, 128], Exllama takes "
                         + ("float16 only and " if dtype == "bfloat16" else "")
                         + "no zero points)")
        assert _plan_one(qwen, "0.20.0", quant="w4a16-awq-g64", dtype=dtype).fits
    for release in ("0.19.0", "0.23.0", "0.24.0", "0.33.0"):  # AWQ in bfloat16, group 128
        assert _plan_one(qwen, release, quant="w4a16-awq-g128").fits
    assert _plan_one(qwen, "0.19.0", quant="w4a16-awq-g64", gpu="h100-sxm").fits
    assertion = ("AssertionError: `assert group_size in AWQ_TRITON_SUPPORTED_GROUP_SIZES or "
                 "group_size == K` (vLLM {} on ROCm")
    for release, dtype in (("0.23.0", "float16"), ("0.24.0", "bfloat16"),
                           ("0.33.0", "float16")):
        (error,) = _plan_one(qwen, release, quant="w4a16-awq-g256", dtype=dtype).errors
        assert error.startswith(assertion.format(release)), error
    # bfloat16 up to 0.23.0 stops earlier, at awq.py's dtypes (act_dtype_errors), said once
    (error,) = _plan_one(qwen, "0.23.0", quant="w4a16-awq-g256").errors
    assert error.startswith("torch.bfloat16 is not supported for quantization method awq")
    assert _plan_one(qwen, "0.24.0", quant="w4a16-awq-g256", gpu="h100-sxm",
                     dtype="float16").fits


def test_autoawq_off_marlin_on_cuda_runs_float16_only() -> None:
    """From 0.24.0 auto_awq.py AutoAWQConfig (get_supported_act_dtypes [torch.half,
    torch.bfloat16]) gives a layer AutoAWQMarlinLinearMethod only where
    check_marlin_supported(uint4, group, zero_point) holds (groups -1/32/64/128, compute
    capability 7.5+, 0.24.0-0.33.0 wheels), else AutoAWQLinearMethod, whose CUDA kernels
    (_custom_ops.py awq_dequantize / awq_gemm -> torch.ops._C, VLLM_USE_TRITON_AWQ unset)
    exist for __half only and take the scales with the dtype-checked mutable_data_ptr<Half>
    (the .so's "expected scalar type Half but found "). So Qwen3-8B (torch_dtype bfloat16)
    as AWQ int4 in groups of 256 on an RTX 4090 or H100: refused in bfloat16, fits in
    float16, on 0.24.0 and 0.33.0; group 128 (Marlin) fits in either; up to 0.23.0 bfloat16
    stops at awq.py's dtypes instead (the previous test); on ROCm (awq_triton.py, either
    dtype) the group assertion refuses 256 (test_awq_on_rocm_per_release)."""
    qwen = _spec("Qwen/Qwen3-8B")
    for release, spelled in (("0.24.0", "Half"),
                             ("0.33.0", "torch::headeronly::ScalarType::Half")):
        for gpu in ("rtx-4090", "h100-sxm"):
            (error,) = _plan_one(qwen, release, gpu, quant="w4a16-awq-g256").errors
            assert error.startswith(f"RuntimeError: expected scalar type {spelled} but found "
                                    f"BFloat16 (vLLM {release} auto_awq.py takes Marlin for "
                                    "groups [-1, 32, 64, 128] only"), error
            assert error.endswith("--dtype float16 runs it where awq_gemm takes each layer's "
                                  "outputs per GPU (a multiple of 64 and of the group))")
            assert _plan_one(qwen, release, gpu, quant="w4a16-awq-g256", dtype="float16").fits
            assert _plan_one(qwen, release, gpu, quant="w4a16-awq-g128").fits
    (error,) = _plan_one(qwen, "0.23.0", "rtx-4090", quant="w4a16-awq-g256").errors
    assert error.startswith("torch.bfloat16 is not supported for quantization method awq")


def test_group_act_order_is_refused_from_0_30() -> None:
    """utils/gptq_utils.py normalize_and_validate_gptq_desc_act, from AutoGPTQConfig.__init__,
    and compressed_tensors.py _quantization_scheme_map_from_config (0.30.0-0.33.0 wheels; not
    in 0.29.0) refuse desc_act with a group, and actorder group or dynamic, on every GPU.
    The bundled RedHatAI Llama-3.1-8B w4a16 entry is GPTQ int4 g128 with desc_act true."""
    desc = _quantized("gptq", "w4a16-gptq-g128", 4, 128, act_order=True)
    assert _plan_one(desc, "0.29.0", "h100-sxm").fits
    for gpu in ("h100-sxm", "mi300x"):
        (error,) = _plan_one(desc, "0.30.0", gpu).errors
        assert error == ("GPTQ group activation ordering (desc_act=True) is no longer "
                         "supported. Use a checkpoint with static activation ordering or "
                         "desc_act=False. (vLLM 0.30.0 AutoGPTQConfig, "
                         "normalize_and_validate_gptq_desc_act; 0.29 loads it)")
    ct = _quantized("compressed-tensors", "w4a16-ct-g128", 4, 128, act_order=True)
    assert _plan_one(ct, "0.29.0", "h100-sxm").fits
    (error,) = _plan_one(ct, "0.33.0", "h100-sxm").errors
    assert error.startswith("Compressed-tensors group/dynamic activation ordering is no longer "
                            "supported.")
    assert _plan_one(_quantized("gptq", "w4a16-gptq-g128", 4, 128), "0.33.0", "h100-sxm").fits
    redhat = _spec("RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16")
    assert redhat.quant.act_order and not _plan_one(redhat, "0.33.0", "h100-sxm").fits
    assert _plan_one(redhat, "0.19.0").fits  # gptq.py on ROCm, in its float16


def test_a_gptq_dynamic_rule_with_group_act_order_is_refused_from_0_30() -> None:
    """normalize_and_validate_gptq_desc_act (utils/gptq_utils.py, 0.30.0-0.33.0 wheels) also
    refuses a GPTQModel `dynamic` rule that gives its modules desc_act with a group: its own
    desc_act or group_size, else the checkpoint's; "-:" rules (modules left unquantized) are
    skipped. Keys as GPTQModel documents them (auto_gptq.py's comment: "+:" positive and "-:"
    negative regex, each value a dict of bits / group_size / desc_act / sym overrides)."""
    from planner.model.config.quant import quant_spec

    def read(**qc) -> object:
        block = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False,
                 "sym": True} | qc
        quant = quant_spec(block, "quantization_config", None, [])
        return _spec("Qwen/Qwen3-8B").model_copy(update={"quant": quant})

    on = read(dynamic={r"-:.*mlp\.gate$": {}, r"+:.*down_proj": {"desc_act": True}})
    assert not on.quant.act_order and on.quant.act_order_rule == r"+:.*down_proj"
    assert _plan_one(on, "0.29.0", "h100-sxm").fits
    (error,) = _plan_one(on, "0.30.0", "h100-sxm").errors
    assert error == ("GPTQ group activation ordering (desc_act=True) is no longer supported, "
                     "but is enabled by dynamic rule '+:.*down_proj'. Use a checkpoint with "
                     "static activation ordering or desc_act=False. (vLLM 0.30.0 "
                     "AutoGPTQConfig, normalize_and_validate_gptq_desc_act: the rule's "
                     "modules would load with act-order; 0.29 loads them)")
    # a desc_act checkpoint per channel (act-order a no-op) whose rule gives a group of 64
    grouped = read(group_size=-1, desc_act=True, dynamic={r".*o_proj": {"group_size": 64}})
    assert grouped.quant.act_order_rule == r".*o_proj"
    assert not _plan_one(grouped, "0.33.0", "h100-sxm").fits
    # per channel, a negative rule, or desc_act off in the rule: loads
    for dynamic in ({r".*o_proj": {"desc_act": True, "group_size": -1}},
                    {r"-:.*o_proj": {"desc_act": True}},
                    {r".*o_proj": {"bits": 8}}):
        quiet = read(dynamic=dynamic)
        assert quiet.quant.act_order_rule is None and _plan_one(quiet, "0.33.0", "h100-sxm").fits


def test_rocm_refuses_the_quantization_methods_its_release_does_not_list() -> None:
    """platforms/rocm.py RocmPlatform.supported_quantization, read in the 0.19.0-0.33.0 wheels:
    modelopt_fp4 from 0.20.0, modelopt (ModelOpt FP8) from 0.21.0, inc (AutoRound) from
    0.28.0, bitsandbytes up to 0.27.0; platforms/interface.py verify_quantization raises
    "{quant} quantization is currently not supported in rocm." for the method left after
    config/model.py's overrides (ModelOptFp8Config -> modelopt, ModelOptNvFp4Config ->
    modelopt_fp4, ahead of 0.19.0's petit_nvfp4; INCConfig: auto-round -> inc). CUDA has no
    list (platforms/interface.py's default, [], which verify_quantization skips)."""
    from planner.model.spec import QuantSpec

    def refusal(method: str, release: str, listed: str) -> str:
        return (f"{method} quantization is currently not supported in rocm. (vLLM {release} "
                f"platforms/rocm.py supported_quantization; it lists {method} {listed})")

    fp8 = _spec("nvidia/Llama-3.1-70B-Instruct-FP8")  # hf_quant_config.json quant_algo FP8
    for release in ("0.19.0", "0.20.0"):
        assert _plan_one(fp8, release).errors == [refusal("modelopt", release, "from 0.21.0")]
    assert _plan_one(fp8, "0.21.0").fits
    nvfp4 = _spec("nvidia/Gemma-4-31B-IT-NVFP4")
    assert _plan_one(nvfp4, "0.19.0").errors == [refusal("modelopt_fp4", "0.19.0",
                                                         "from 0.20.0")]
    assert _plan_one(nvfp4, "0.20.0").fits
    qwen = _spec("Qwen/Qwen3-8B")
    autoround = qwen.model_copy(update={"quant": QuantSpec(
        method="auto-round", scheme="w4a16-gptq-g128", weight_bits=4, group_size=128,
        symmetric=True, summary="AutoRound int4 g128")})
    assert _plan_one(autoround, "0.27.0").errors == [refusal("inc", "0.27.0", "from 0.28.0")]
    assert _plan_one(autoround, "0.28.0").fits
    bnb = qwen.model_copy(update={"quant": QuantSpec(
        method="bitsandbytes", scheme="bnb-nf4", weight_bits=4, group_size=64,
        summary="bitsandbytes NF4")})
    assert _plan_one(bnb, "0.27.0").fits
    # from 0.28.0 no release has the method at all (the wheel drops quantization/bitsandbytes.py
    # and QuantizationMethods lists no bitsandbytes): _verify_quantization stops with "Unknown
    # quantization method" before verify_quantization reads ROCm's list, on any GPU
    # (quant_method.unknown_quant_errors, tests/planner/serving/test_unknown_quant.py)
    for release in ("0.28.0", "0.33.0"):
        for gpu in ("mi300x", "h100-sxm"):
            errors = _plan_one(bnb, release, gpu).errors
            assert len(errors) == 1 and errors[0].startswith(
                f"Unknown quantization method: bitsandbytes. (vLLM {release}"), (release, gpu)
    assert _plan_one(fp8, "0.19.0", "h200").fits


def test_rocm_lists_modelopt_mixed_from_0_21() -> None:
    """platforms/rocm.py supported_quantization: "modelopt_mixed" is not in the 0.19.0 and
    0.20.0 wheels' lists and is in 0.21.0's (beside "modelopt"). The bundled
    Qwen3.6-35B-A3B-NVFP4 is a ModelOpt MIXED_PRECISION checkpoint (method modelopt_mixed
    after the overrides): on an MI300X 0.20.0 refuses the method, 0.21.0 does not (its other
    refusals, W4A16_NVFP4 modules and the quantized lm_head, are the CUDA ones)."""
    spec = _spec("nvidia/Qwen3.6-35B-A3B-NVFP4")
    refusal = ("modelopt_mixed quantization is currently not supported in rocm. (vLLM 0.20.0 "
               "platforms/rocm.py supported_quantization; it lists modelopt_mixed from 0.21.0)")
    assert refusal in _plan_one(spec, "0.20.0").errors
    for release in ("0.21.0", "0.22.0"):
        amd, cuda = _plan_one(spec, release).errors, _plan_one(spec, release, "h100-sxm").errors
        assert not [e for e in amd if "not supported in rocm" in e]
        # 0.22.0 builds the W4A16_NVFP4 experts, which no ROCm MoE backend takes
        rocm_only = [e for e in amd if e.startswith("No NvFp4 MoE backend supports")]
        assert len(rocm_only) == (release == "0.22.0")
        assert [e for e in amd if e not in rocm_only] == cuda


def test_autoawq_on_rocm_takes_groups_32_and_64() -> None:
    """From 0.24.0 (auto_awq.py AutoAWQConfig, no Marlin off CUDA) AWQ runs awq_triton.py's
    GEMM on ROCm, whose AWQ_TRITON_SUPPORTED_GROUP_SIZES are [-1, 32, 64, 128] (0.24.0 and
    0.33.0 wheels): Qwen3-8B as AWQ int4 in groups of 32 or 64 runs in either dtype; 256 is
    refused (test_awq_on_rocm_per_release)."""
    qwen = _spec("Qwen/Qwen3-8B")
    for release in ("0.24.0", "0.33.0"):
        for group in (32, 64):
            for dtype in ("bfloat16", "float16"):
                assert _plan_one(qwen, release, quant=f"w4a16-awq-g{group}", dtype=dtype).fits


def test_act_order_gptq_on_rocm_at_tp_above_1_needs_conch(capsys) -> None:
    """exllama.py ExllamaLinearKernel.can_implement (0.19.0-0.29.0 wheels): "Act reordering
    currently not supported by Exllama, when the input features are partitioned across
    devices", so a row-parallel layer (o_proj, down_proj) at TP > 1 leaves Exllama when
    has_g_idx. AutoGPTQLinearMethod (0.22.0-0.29.0) passes has_g_idx=desc_act; on ROCm Triton
    W4A16 takes no g_idx, Conch takes groups -1/128 and, from 0.24.0, no g_idx either. So a
    desc_act GPTQ int4 checkpoint in float16 on MI300Xs: TP=1 runs Exllama on every release;
    TP=2 finds no kernel for group 64 on 0.22.0-0.29.0 and for group 128 on 0.24.0-0.29.0
    (0.22.0-0.23.0: Conch). A refusal of that layout only (LayoutRefused: a pinned --tp exits
    2, the chosen layout is TP=1 x DP=2). 0.21.0's gptq.py runs a split act-order layer
    without Exllama (ExllamaState.UNUSED); NVIDIA's Marlin takes g_idx."""
    import pytest

    from cli.planner_cli import main
    from planner.serving.vllm_versions import LayoutRefused

    def on_two(spec, release: str, tp: int, gpu: str = "mi300x"):
        from planner.serving.engine import EngineSettings
        from planner.serving.hardware import preset_cluster
        from planner.serving.layout import ParallelLayout
        from planner.serving.plan import PlanRequest, plan

        return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 2),
                                layout=ParallelLayout(tp=tp, dp=2 // tp),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                                      dtype="float16")))

    g64 = _quantized("gptq", "w4a16-gptq-g64", 4, 64, act_order=True)
    g128 = _quantized("gptq", "w4a16-gptq-g128", 4, 128, act_order=True)
    for spec, release in ((g64, "0.22.0"), (g64, "0.29.0"), (g128, "0.24.0")):
        with pytest.raises(LayoutRefused) as refused:
            on_two(spec, release, 2)
        assert str(refused.value).startswith(
            NO_KERNEL + release + " choose_mp_linear_kernel at TP > 1")
        assert str(refused.value).endswith("Exllama takes no act-order on a split input; TP=1 "
                                           "runs it)")
        assert on_two(spec, release, 1).fits
    for spec, release, gpu in ((g128, "0.23.0", "mi300x"), (g64, "0.21.0", "mi300x"),
                               (g64, "0.29.0", "h100-sxm")):
        assert on_two(spec, release, 2, gpu).fits
    # the bundled RedHatAI Llama-3.1-8B w4a16 entry: GPTQ desc_act g128, torch_dtype float16
    args = ["plan", "--model", "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16", "--gpu",
            "mi300x", "--gpus", "2", "--vllm-version", "0.24.0"]
    assert main([*args, "--tp", "2"]) == 2
    (line,) = [e for e in capsys.readouterr().err.splitlines() if "error:" in e]
    assert line.endswith("Exllama takes no act-order on a split input; TP=1 runs it).")
    assert main(args) == 0
    assert "TP=1 x DP=2" in capsys.readouterr().out


def test_nemotron_h_moe_layers_are_refused_before_0_11_1() -> None:
    """nemotron_h.py ALL_DECODER_LAYER_TYPES has 'M', '-' and '*' only in the 0.11.0 wheel
    (KeyError: 'E' at an MoE layer), 'E' from 0.11.1 (vllm_versions.NEMOTRON_H_MOE_FROM).
    Nemotron-3-Nano-30B-A3B's pattern has 'E' layers and no latent MoE; Nemotron-H-56B has none
    (dense '-' MLPs)."""
    from planner.serving.startup.model_config import nemotron_h_moe_errors

    nano = _spec("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16")
    assert nemotron_h_moe_errors(nano, (0, 11, 0)) == [
        "KeyError: 'E' (vLLM 0.11.0's nemotron_h.py builds the hybrid_override_pattern layers "
        "'M', '-' and '*' only, not this model's 'E' MoE layers; MoE layers from vLLM 0.11.1)"]
    assert nemotron_h_moe_errors(nano, (0, 11, 1)) == []
    assert nemotron_h_moe_errors(nano, (0, 12, 0)) == []  # no latent MoE to refuse
    assert nemotron_h_moe_errors(_spec("nvidia/Nemotron-H-56B-Base-8K"), (0, 11, 0)) == []


def test_compressed_tensors_schemes_need_their_own_capability() -> None:
    """CompressedTensorsConfig.get_scheme refuses a scheme whose get_min_capability the GPU is
    below ("Quantization scheme is not supported for the current GPU. Min capability: N.
    Current capability: C."), after the method's own 70, read per wheel in
    compressed_tensors/schemes/: W8A8 int8 75 in every wheel 0.9.1-0.33.0; WNA16 80 up to
    0.11.2, 75 from 0.12.0; FP8 (W8A16's figure where W8A8's 89 fails) 80 up to 0.15.1, 75
    from 0.16.0. Qwen3-8B on a V100 (7.0) and a T4 (7.5)."""
    from planner.model.spec import QuantSpec
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    def planned(release: str, gpu: str, quant: str | None = None, spec=None):
        return plan(PlanRequest(model=spec or _spec("Qwen/Qwen3-8B"),
                                cluster=preset_cluster(gpu, 1), layout=ParallelLayout(tp=1),
                                engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                                      target_quant=quant, dtype="float16")))

    words = "Quantization scheme is not supported for the current GPU. Min capability: {}. " \
        "Current capability: {}. (vLLM {}: compressed-tensors {} weights)"
    for release in ("0.11.0", "0.21.0", "0.33.0"):
        v100 = planned(release, "v100-32gb", "w8a8-int8").errors
        (error,) = v100 if release == "0.11.0" else past_v100_wheels(v100)
        assert error == words.format(75, 70, release, "W8A8 int8")
        assert planned(release, "t4", "w8a8-int8").fits
    (error,) = planned("0.11.0", "t4", "w4a16-ct-g128").errors
    assert error == words.format(80, 75, "0.11.0", "WNA16")
    assert planned("0.12.0", "t4", "w4a16-ct-g128").fits
    # a compressed-tensors WNA16 format is not AutoGPTQ's: no Marlin type check on a V100
    (error,) = past_v100_wheels(planned("0.33.0", "v100-32gb", "w4a16-ct-g128").errors)
    assert error == words.format(75, 70, "0.33.0", "WNA16")
    fp8 = _spec("Qwen/Qwen3-8B").model_copy(update={"quant": QuantSpec(
        method="compressed-tensors", scheme="fp8-channel", weight_bits=8,
        summary="FP8 e4m3 weights, per-channel scales (W8A8) compressed-tensors")})
    (error,) = planned("0.15.1", "t4", spec=fp8).errors
    assert error == words.format(80, 75, "0.15.1", "FP8")
    assert not any(e.startswith("Quantization scheme") for e in planned("0.16.0", "t4",
                                                                        spec=fp8).errors)


def test_awq_below_its_capability_is_refused_under_the_name_vllm_gives_it() -> None:
    """config/vllm.py _get_quantization_config words the refusal with
    model_config.quantization, which AutoAWQConfig.override_quantization_method sets to
    "auto_awq" for an AWQ checkpoint from 0.24.0 (auto_awq.py get_name; awq.py's AWQConfig,
    "awq", up to 0.23.0, where a V100 is not awq_marlin-compatible). Both take 75 (the
    wheels' quantization_min_capability). Qwen3-8B as AWQ int4 g128 on a V100 (7.0)."""
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    words = "The quantization method {} is not supported for the current GPU. Minimum " \
        "capability: 75. Current capability: 70."
    for release, name in (("0.23.0", "awq"), ("0.24.0", "auto_awq"), ("0.33.0", "auto_awq")):
        planned = plan(PlanRequest(
            model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("v100-32gb", 1),
            layout=ParallelLayout(tp=1),
            engine=EngineSettings(max_model_len=4096, vllm_version=release, dtype="float16",
                                  target_quant="w4a16-awq-g128")))
        assert past_v100_wheels(planned.errors)[0] == words.format(name)


def _olmo(model_type: str, kv_heads: int):
    """A small OLMo-family config.json (8 heads of 1024 / 8 = 128, `kv_heads` KV heads)."""
    architecture = {"olmo2": "Olmo2ForCausalLM", "olmo3": "Olmo3ForCausalLM",
                    "olmoe": "OlmoeForCausalLM"}[model_type]
    experts = {"num_experts": 4, "num_experts_per_tok": 2} if model_type == "olmoe" else {}
    return {"model_type": model_type, "architectures": [architecture], "hidden_size": 1024,
            "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": kv_heads,
            "intermediate_size": 2048, "vocab_size": 1000, "max_position_embeddings": 4096,
            "torch_dtype": "bfloat16", **experts}


def test_olmo_on_the_transformers_backend_above_its_kv_heads_stops(capsys, tmp_path) -> None:
    """models/transformers/fusers/qkv.py QKVFuser builds q/k/v as a QKVParallelLinear (one KV
    head a rank where tp >= KV heads, layers/linear.py) and fusers/rms_norm.py TPAwareRMSNorm
    raises "Cannot gather norm of width ..." where the rank's width x tp is not the norm's
    (0.25.0-0.34.0 wheels). The registries send Olmo2ForCausalLM there from 0.26.0,
    Olmo3ForCausalLM from 0.29.0 (olmo3.py in 0.26.0-0.28.0), OlmoeForCausalLM from 0.34.0,
    whose own classes all-gather k before the norm. By hand, 2 KV heads of 128: k_norm 256
    wide; TP 4: one head a rank, 128 x 4 = 512, not 256 (refused); TP 2: 128 x 2 = 256 (runs);
    1 KV head: k_norm 128 wide, the rank's input as wide, a plain norm (runs). A refusal of
    that layout only: a pinned --tp 4 exits 2, the chosen layout is TP=2 x DP=2."""
    import json

    import pytest

    from cli.planner_cli import main
    from planner.model.config.parser import parse_model_config
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan
    from planner.serving.vllm_versions import LayoutRefused

    def on_four(model_type: str, kv_heads: int, release: str, tp: int):
        return plan(PlanRequest(
            model=parse_model_config(_olmo(model_type, kv_heads), name="x"),
            cluster=preset_cluster("h100-sxm", 4), layout=ParallelLayout(tp=tp, dp=4 // tp),
            engine=EngineSettings(max_model_len=4096, vllm_version=release)))

    for model_type, native, backend in (("olmo2", "0.25.0", "0.26.0"),
                                        ("olmo3", "0.28.0", "0.29.0"),
                                        ("olmoe", "0.33.0", "0.34.0")):
        for release in (backend, "0.34.0"):
            with pytest.raises(LayoutRefused) as refused:
                on_four(model_type, 2, release, 4)
            assert str(refused.value) == (
                "Cannot gather norm of width 256: a TP-sharded input of width 128 does not "
                "tile it evenly across 4 ranks (replicated or uneven sharding). (vLLM "
                f"{release} Transformers backend, TPAwareRMSNorm at the first forward: above "
                "TP 2 each rank holds one of the 2 KV heads, and k_norm spans them all; TP 2 "
                "or below runs)")
            assert on_four(model_type, 2, release, 2).fits
            assert on_four(model_type, 1, release, 4).fits
        assert on_four(model_type, 2, native, 4).fits
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_olmo("olmo2", 2)))
    args = ["plan", "--model", str(config), "--gpu", "h100-sxm", "--gpus", "4",
            "--max-model-len", "4096"]
    assert main([*args, "--tp", "4"]) == 2
    (line,) = [e for e in capsys.readouterr().err.splitlines() if "error:" in e]
    assert "Cannot gather norm of width 256" in line
    assert main(args) == 0
    assert "TP=2 x DP=2" in capsys.readouterr().out
