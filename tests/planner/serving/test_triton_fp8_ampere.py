"""An fp8 KV cache on compute capability 8.0-8.8 where TRITON_ATTN serves a layer: vLLM
0.24-0.34 list FLASH_ATTN, FLASHINFER, TRITON_ATTN for 8.x (platforms/cuda.py); FLASH_ATTN
takes fp8 only with FlashAttention 3 on Hopper, FLASHINFER fp8 / fp8_e4m3 / fp8_e5m2 at head
sizes 64, 128, 256, 512 without attention sinks off 9.0, 10.x and 12.x, and TRITON_ATTN's
__init__ raises for fp8* below SM89 (0.24.0-0.34.0 wheels read). gpt-oss-20b (sinks) and
phi-2 (head_dim 80) with --kv-cache-dtype fp8 on an A100 or RTX 3090 were planned to fit with
a launch command; Qwen3-8B (head_dim 128, no sinks) runs on FLASHINFER. 0.18-0.23 route the
same layers (and every layer on a V100) to TRITON_ATTN without the check, and Triton fails."""

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from tests.cli.tiny_model import TINY_CONFIG
from tests.conftest import past_v100_wheels
from tests.planner.serving.vllm_words import triton_fp8_refusal


def _plan(model: str, gpu: str, kv: str = "fp8", version: str = "0.34.0"):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=2048,
                                                  kv_cache_dtype=kv)))


def _refusal(device: str, cap: str) -> str:
    """TritonAttentionImpl.__init__'s words on 8.0-8.8 (it suggests bfloat16 there)."""
    return triton_fp8_refusal(device, cap, "bfloat16")


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


def _before_guard(version: str, device: str, cap: str, fix: str = "bfloat16") -> str:
    return (f"vLLM 0.{version.split('.')[1]} runs this fp8 KV cache on TRITON_ATTN on {device} "
            f"(compute capability {cap}), whose Triton kernels read it as float8_e4m3fn; Triton "
            "cannot compile that below SM89 (ValueError(\"type fp8e4nv not supported in this "
            "architecture. The supported fp8 dtypes are ('fp8e4b15', 'fp8e5')\")) and vLLM does "
            f"not check it before 0.24. Use --kv-cache-dtype {fix}.")


def test_before_0_24_the_same_layers_fall_to_triton_and_fail_in_its_compiler() -> None:
    # 0.18.0-0.23.0 wheels: the same priority list and FlashInfer limits (sinks on the SM100
    # family only; heads 64/128/256, 512 from 0.22; capability from 7.5), no __init__ check:
    # triton_attn.py views the cache as float8_e4m3fn, which Triton 3.5.1 does not compile for
    # cuda 7.0-8.6
    assert _plan("microsoft/phi-2", "rtx-3090", version="0.18.0").errors == [
        _before_guard("0.18.0", "NVIDIA GeForce RTX 3090", "8.6")]
    for kv in ("fp8", "fp8_e5m2"):  # e5m2 is viewed as float8_e4m3fn too before 0.24
        assert _plan("openai/gpt-oss-20b", "a100-80gb", kv, "0.23.0").errors[0] == _before_guard(
            "0.23.0", "NVIDIA A100-SXM4-80GB", "8.0")
    # a V100 (7.0) has no FlashInfer (7.5-12.1) and no FlashAttention (8.0): TRITON_ATTN for all
    assert past_v100_wheels(_plan("Qwen/Qwen3-8B", "v100-32gb", version="0.21.0").errors) == [
        _before_guard("0.21.0", "Tesla V100-SXM2-32GB", "7.0", "float16")]
    # FlashInfer still takes Qwen3-8B's fp8 on an A100: 36 x 8 x 128 x 2 x 1 B a token
    result = _plan("Qwen/Qwen3-8B", "a100-80gb", version="0.20.0")
    assert result.fits and result.kv_bytes_per_token == 36 * 8 * 128 * 2


def test_gemma_4_runs_every_layer_on_triton_off_flashattention_4() -> None:
    # gemma-4-26B-A4B: sliding layers of head 256, global ones of 512. Gemma4Config
    # (model_executor/models/config.py) forces TRITON_ATTN for heads of two sizes: where the wider
    # passes 256 in the 0.22.0/0.23.0 wheels, where FlashAttention 4 (9.x-11.x) is missing in
    # 0.24.0-0.34.0; FlashInfer, which lists 256 and 512 from 0.22, never gets the layers
    model = "google/gemma-4-26B-A4B"
    assert _plan(model, "a100-80gb").errors == [_refusal("NVIDIA A100-SXM4-80GB", "8.0")]
    assert _plan(model, "a100-80gb", version="0.23.0").errors == [
        _before_guard("0.23.0", "NVIDIA A100-SXM4-80GB", "8.0")]
    # a 16-bit cache runs on TRITON_ATTN; an H100 keeps FlashAttention 4 (FA3/FA4 per layer)
    assert _plan(model, "a100-80gb", "auto").fits and _plan(model, "h100-sxm").fits


def test_0_11_to_0_17_route_fp8_alike_and_0_11_0_sends_all_fp8_to_triton_on_8_x() -> None:
    # 0.11.1-0.17.0 wheels: the same priority list, FlashInfer limits (heads 64/128/256,
    # 7.5-12.1, sinks on SM100 only) and triton_attn.py's float8_e4m3fn view as 0.18
    a100 = ("NVIDIA A100-SXM4-80GB", "8.0")
    for version in ("0.11.1", "0.14.0", "0.17.0"):
        assert _plan("microsoft/phi-2", "a100-80gb", version=version).errors == [
            _before_guard(version, *a100)], version
        assert _plan("Qwen/Qwen3-8B", "a100-80gb", version=version).fits  # FlashInfer
    assert _plan("Qwen/Qwen3-8B", "v100-32gb", version="0.14.0").errors == [
        _before_guard("0.14.0", "Tesla V100-SXM2-32GB", "7.0", "float16")]
    # 0.11.0's get_attn_backend_cls: from 8.0, an fp8 cache goes to TRITON_ATTN whatever the
    # layers (but on 9.0), so Qwen3-8B fails too on an A100 (vLLM issue #26431: an RTX 3090 on
    # 0.11.0, "type fp8e4nv not supported in this architecture"); the L40S (8.9) compiles it
    assert _plan("Qwen/Qwen3-8B", "a100-80gb", version="0.11.0").errors == [
        _before_guard("0.11.0", *a100)]
    assert _plan("Qwen/Qwen3-8B", "l40s", version="0.11.0").fits


def test_head_512_falls_to_triton_before_flashinfer_lists_it_in_0_22() -> None:
    # FlashInferBackend.get_supported_head_sizes(): 64/128/256 in the 0.21.0 wheel, 512 from
    # 0.22.0 (flashinfer_head_sizes). The tiny Llama with head_dim 512, fp8 KV on an A100:
    # 0.21 sends its layers to TRITON_ATTN, whose Triton cannot read fp8 below SM89; 0.22's
    # FlashInfer takes them: 4 layers x 2 KV heads x 512 x 2 (K, V) x 1 B = 8,192 B a token
    spec = parse_model_config(TINY_CONFIG | {"head_dim": 512}, name="tiny/head-512")

    def planned(version: str):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("a100-80gb", 1),
                                engine=EngineSettings(vllm_version=version, max_model_len=2048,
                                                      kv_cache_dtype="fp8")))
    assert planned("0.21.0").errors == [
        _before_guard("0.21.0", "NVIDIA A100-SXM4-80GB", "8.0")]
    at_22 = planned("0.22.0")
    assert at_22.fits and at_22.kv_bytes_per_token == 4 * 2 * 512 * 2 == 8_192
