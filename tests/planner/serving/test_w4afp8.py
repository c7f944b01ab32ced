"""quant_method "w4afp8" (vLLM 0.34.0): routed experts INT4 in groups of 128 with FP8
activations, every other linear FP8 in 128 x 128 blocks, planned and refused as vLLM does.

Read in the 0.34.0 wheel (absent from 0.33.0: no quantization/w4afp8.py, no "w4afp8" in
quantization/__init__.py QuantizationMethods):
- quantization/w4afp8.py W4AFP8Config(Fp8Config).from_config: group_size (default 128),
  ignored_layers else modules_to_not_convert, weight_block_size (default [128, 128]);
  get_quant_method: RoutedExperts not skipped -> CompressedTensorsW4A8Fp8MoEMethod, every
  other layer Fp8Config's (Fp8LinearMethod). get_min_capability 75, act dtypes [bfloat16,
  half] (Fp8Config's).
- compressed_tensors_moe_w4a8_fp8.py CompressedTensorsW4A8Fp8MoEMethod: __init__ asserts
  "Only group size 128 supported for W4A8 MoE"; create_weights asserts hidden_size and
  intermediate_size_per_partition % 256 and registers w13/w2_weight_packed int32 [E, N, K/8]
  plus w13/w2_weight_scale in the model dtype [E, N, K/128]: 4 + 16/128 = 4.125 bits.
- fused_moe/oracle/w4a8.py select_w4a8_moe_backend: --moe-backend cutlass or humming, else
  "moe_backend='X' is not supported for W4A8 MoE. Expected one of ['cutlass', 'humming']."
  CutlassExpertsW4A8Fp8 runs on capability 9.0 only, Humming's experts on 7.5 and up.
- platforms/rocm.py supported_quantization has no "w4afp8".
"""

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.model.quant import checkpoint_scheme
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import LayoutRefused
from planner.serving.weights import rank_weights
from tests.conftest import past_v100_wheels

QWEN3_MOE = "Qwen/Qwen3-30B-A3B"  # hidden 2048, 48 layers x 128 experts of 768, bfloat16
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
W4AFP8 = {"quant_method": "w4afp8", "group_size": 128, "weight_block_size": [128, 128],
          "activation_scheme": "dynamic", "modules_to_not_convert": ["lm_head"]}


def _spec(quantization_config: dict, repo: str = QWEN3_MOE):
    config = {**catalog_entry(repo).config, "quantization_config": quantization_config}
    return parse_model_config(config, name="acme/w4afp8")


def _errors(quantization_config: dict = W4AFP8, version: str = "0.34.0",
            gpu: str = "h100-sxm", repo: str = QWEN3_MOE, **engine) -> list[str]:
    return plan(PlanRequest(model=_spec(quantization_config, repo),
                            cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096,
                                                  **engine))).errors


def test_w4afp8_is_read_as_int4_experts_beside_fp8_blocks() -> None:
    # was: "quant_method 'w4afp8' not understood: planned as 16-bit weights"
    quant = _spec(W4AFP8).quant
    assert (quant.method, quant.scheme, quant.group_size, quant.block_size) == (
        "w4afp8", "fp8-block128-int4experts", 128, (128, 128))
    assert quant.excluded_modules == ("lm_head",)
    # W4AFP8Config reads ignored_layers first, and never "ignore"
    both = W4AFP8 | {"ignored_layers": ["model.layers.0.mlp.experts"]}
    assert _spec(both).quant.excluded_modules == ("model.layers.0.mlp.experts",)
    assert _spec({"quant_method": "w4afp8", "ignore": ["lm_head"]}).quant.excluded_modules == ()
    # defaults: group 128, block [128, 128]
    bare = _spec({"quant_method": "w4afp8"}).quant
    assert (bare.group_size, bare.block_size) == (128, (128, 128))


def test_w4afp8_weights_per_gpu_as_vllm_0_34_registers_them() -> None:
    spec = _spec(W4AFP8)
    scheme = checkpoint_scheme(spec)
    one = rank_weights(spec, scheme, ParallelLayout(tp=1), count_params(spec))[0]
    # routed experts: 48 layers x 128 experts x 3 x 2048 x 768 = 28,991,029,248 weights at
    # 4 (int4 packed 8 per int32) + 16/128 (one bf16 scale per 128) = 4.125 bits:
    # 28,991,029,248 x 4.125 / 8 = 14,948,499,456 B (the old code: 16-bit, 57,982,058,496 B)
    assert one.experts_bytes == 14_948_499_456
    # attention: (2048 x 4096 q + 2 x 2048 x 512 k/v + 4096 x 2048 o) x 48 = 905,969,664
    # weights at 8 + 32/16384 bits = 906,190,848 B, plus q/k norms 48 x 256 x 2 B = 24,576 B
    assert one.attention_bytes == 906_215_424
    # embeddings and lm_head stay 16-bit: 151,936 x 2048 x 2 B each; router 48 x 2048 x 128 x 2
    assert one.embeddings_bytes == one.lm_head_bytes == 622_329_856
    assert one.router_bytes == 25_165_824
    assert one.total_bytes == 17_135_423_488
    # TP=2 with EP: each GPU holds 64 whole experts, half the bytes
    ep = rank_weights(spec, scheme, ParallelLayout(tp=2, ep=True), count_params(spec))[0]
    assert ep.experts_bytes == 14_948_499_456 // 2


def test_w4afp8_loads_on_0_34_and_is_unknown_before() -> None:
    assert _errors(version="0.34.0") == []
    for version in ("0.33.0", "0.28.0", "0.16.0", "0.15.1"):
        # 0.15.1 too: the only overrides that claim by other keys there want
        # checkpoint_format "marlin" and the like (vllm_versions.UNKNOWN_QUANT_READ_FROM's
        # NOTE, 0.9.1-0.15.1 wheels), which no w4afp8 config has
        assert _errors(version=version) == [
            f"Unknown quantization method: w4afp8. (vLLM {version} config/model.py "
            "_verify_quantization: it is none of the release's quantization methods and no "
            "override claims the checkpoint)"]


def test_w4afp8_experts_group_other_than_128_is_refused_on_moe_models_only() -> None:
    assert _errors(W4AFP8 | {"group_size": 64}) == [
        "Only group size 128 supported for W4A8 MoE (vLLM 0.34.0: the checkpoint's group_size "
        "is 64; CompressedTensorsW4A8Fp8MoEMethod asserts it while building the routed "
        "experts)"]
    # a dense model has no RoutedExperts: its linears are Fp8Config's, which read no group
    assert _errors(W4AFP8 | {"group_size": 64}, repo=LLAMA) == []


def test_w4afp8_expert_width_per_rank_must_divide_by_256() -> None:
    spec = _spec(W4AFP8)

    def _layout(tp: int, ep: bool = False):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", tp),
                                layout=ParallelLayout(tp=tp, ep=ep),
                                engine=EngineSettings(max_model_len=4096)))

    # TP=2 without EP: each expert sliced in two, 768 / 2 = 384, 384 % 256 = 128
    with pytest.raises(LayoutRefused, match=r"^intermediate_size_per_partition=384 must be "
                       r"divisible by 256 \(vLLM 0\.34\.0 CompressedTensorsW4A8Fp8MoEMethod"
                       r"\.create_weights asserts it for the W4A8 MoE kernels; 768 / 2 "
                       r"ranks\)$"):
        _layout(2)
    # with EP each expert stays whole (768 = 3 x 256): it loads
    assert _layout(2, ep=True).errors == []


def test_w4afp8_refusals_on_gpu_dtype_and_moe_backend() -> None:
    assert _errors(gpu="mi300x") == [
        "w4afp8 quantization is currently not supported in rocm. (vLLM 0.34.0 "
        "platforms/rocm.py supported_quantization does not list w4afp8)"]
    assert past_v100_wheels(_errors(gpu="v100-32gb")) == [
        "The quantization method w4afp8 is not supported for the current GPU. Minimum "
        "capability: 75. Current capability: 70."]
    assert _errors(dtype="float32") == [
        "torch.float32 is not supported for quantization method w4afp8. Supported dtypes: "
        "[torch.bfloat16, torch.float16]"]
    # the W4A8 MoE oracle, not the FP8 one (which maps triton and refused cutlass for another
    # reason on any GPU)
    assert _errors(moe_backend="triton") == [
        "vLLM 0.34.0: moe_backend='triton' is not supported for W4A8 MoE "
        "(fused_moe/oracle/w4a8.py raises at start-up): vLLM expects one of cutlass, humming"]
    assert _errors(moe_backend="cutlass") == []
    assert _errors(gpu="a100-80gb", moe_backend="cutlass") == [
        "vLLM 0.34.0: --moe-backend cutlass asks for vLLM's CUTLASS MoE, which runs on compute "
        "capability 9.0 only, not on compute capability 8.0: the W4A8 MoE oracle "
        "(fused_moe/oracle/w4a8.py) raises at start-up"]
    assert _errors(gpu="a100-80gb", moe_backend="humming") == []


def test_w4afp8_weight_block_of_other_length_stops_at_fp8_config() -> None:
    with pytest.raises(ConfigError, match=r"The quantization block size of weight must have 2 "
                       r"dimensions, but got 3 dimensions"):
        _spec(W4AFP8 | {"weight_block_size": [128, 128, 128]})


def test_w4afp8_what_if_of_a_16_bit_model_names_no_tool_that_cannot_write_it() -> None:
    # vLLM 0.34.0 has no load-time path to w4afp8 (model_loader/weight_utils.py get_quant_config:
    # no checkpoint config and no online shorthand for it, so W4AFP8Config() expects the int4
    # tensors stored; config/quantization.py's online keys hold no int4 group-128 expert key),
    # and neither llm-compressor (compressed-tensors) nor GPTQModel (gptq) writes quant_method
    # w4afp8: the note said "quantize it first (e.g. with llm-compressor or GPTQModel)"
    spec = catalog_spec(QWEN3_MOE)
    note = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(max_model_len=4096,
                                                  target_quant="fp8-block128-int4experts"))
                ).launch_note
    assert note == (
        "No W4AFP8: routed experts INT4 group 128 (FP8 activations), FP8 E4M3 128x128 blocks "
        "elsewhere checkpoint of Qwen/Qwen3-30B-A3B is in Headroom's catalog and vLLM 0.34.0 "
        "cannot make one at load: quantize it first, or find one published on the hub, and "
        "give its name (--target-checkpoint), or plan a known checkpoint of it in another "
        "format: Qwen/Qwen3-30B-A3B-FP8.")
