"""--moe-backend for int weight-only (WNA16) experts, GPTQ, AWQ and compressed-tensors, and the
device rules of deep_gemm, flashinfer_cutlass, b12x and FP8 cutlass: each figure worked by hand
from the vLLM wheels named (planner.serving.moe_backend's NOTEs).

Shapes (../shared/model-configs and the catalog): Qwen3-235B-A22B-GPTQ-Int4 hidden 4,096, 128
experts 1,536 wide, GPTQ int4 group 128; Qwen3-30B-A3B hidden 2,048, experts 768 wide. Marlin MoE
takes a layout where hidden % 128 == 0 and the expert width per GPU is a multiple of the group
(vLLM pads to it from 0.25.0: marlin_utils check_moe_marlin_supports_layer, allow_tile_padding).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

GPTQ_235B = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
QWEN30 = "Qwen/Qwen3-30B-A3B"
FP8_30B = "Qwen/Qwen3-30B-A3B-FP8"
WNA16 = "the WNA16 MoE oracle (fused_moe/oracle/int_wna16.py) raises at start-up"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def _errors(model: str, gpu: str, release: str, backend: str, quant: str | None = None,
            tp: int = 1, ep: bool = False) -> list[str]:
    """The plan's errors for `model` (or its what-if `quant`) on `tp` `gpu`s."""
    request = PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, tp),
                          layout=ParallelLayout(tp=tp, ep=ep),
                          engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                                moe_backend=backend, target_quant=quant))
    return [e for e in plan(request).errors if "moe" in e.lower()]


def test_gptq_experts_marlin_takes_ask_the_oracle_from_0_25() -> None:
    # TP=8 with EP keeps each expert whole: 1,536 % 128 = 0, hidden 4,096 % 128 = 0, so vLLM
    # builds auto_gptq.py AutoGPTQMoEMethod, whose __init__ asks select_wna16_moe_backend.
    # 0.24.0's select_wna16_moe_backend does not read moe_backend (no map_wna16_backend): the
    # flag is ignored; from 0.25.0 map_wna16_backend raises for a value outside its dict,
    # {marlin, humming, flashinfer_trtllm} in 0.25.0, {triton, marlin, humming,
    # flashinfer_trtllm, emulation, rdna3} in 0.33.0
    assert _errors(GPTQ_235B, "h100-sxm", "0.24.0", "cutlass", tp=8, ep=True) == []
    assert _errors(GPTQ_235B, "h100-sxm", "0.25.0", "cutlass", tp=8, ep=True) == [
        "vLLM 0.25.0: moe_backend='cutlass' is not supported for WNA16 MoE (fused_moe/oracle/"
        "int_wna16.py raises at start-up): vLLM expects one of marlin, humming, flashinfer_trtllm"]
    assert _errors(GPTQ_235B, "h100-sxm", "0.33.0", "cutlass", tp=8, ep=True) == [
        "vLLM 0.33.0: moe_backend='cutlass' is not supported for WNA16 MoE (fused_moe/oracle/"
        "int_wna16.py raises at start-up): vLLM expects one of triton, marlin, humming, "
        "flashinfer_trtllm, emulation, rdna3"]


def test_the_moe_wna16_fall_back_asks_from_0_27() -> None:
    # TP=8 without EP slices each expert: 1,536 / 8 = 192, 192 % 128 = 64, so Marlin MoE does
    # not take it and vLLM builds moe_wna16.py MoeWNA16Method, which asks the oracle from the
    # 0.27.0 wheel only (0.26.0's MoeWNA16Method runs its Triton kernel without it)
    assert _errors(GPTQ_235B, "h100-sxm", "0.26.0", "cutlass", tp=8) == []
    assert _errors(GPTQ_235B, "h100-sxm", "0.27.0", "cutlass", tp=8) == [
        "vLLM 0.27.0: moe_backend='cutlass' is not supported for WNA16 MoE (fused_moe/oracle/"
        "int_wna16.py raises at start-up): vLLM expects one of triton, marlin, humming, "
        "flashinfer_trtllm, emulation"]
    # _backend_incompatibility_reason (0.27.0 on): MARLIN for a MoeWNA16Config
    assert _errors(GPTQ_235B, "h100-sxm", "0.27.0", "marlin", tp=8) == [
        "vLLM 0.27.0: --moe-backend marlin does not take these GPTQ int4, group 128 (W4A16) "
        "experts: the MoeWNA16 checkpoint layout is not supported (Marlin MoE does not take this "
        f"layout, so vLLM builds MoeWNA16Method); {WNA16}"]
    # ... while EP's whole experts stay on AutoGPTQMoEMethod, which Marlin serves
    assert _errors(GPTQ_235B, "h100-sxm", "0.27.0", "marlin", tp=8, ep=True) == []


def test_triton_and_emulation_arrive_per_release() -> None:
    # Qwen3-30B-A3B as GPTQ int4 g128 on one GPU: 768 % 128 = 0 -> AutoGPTQMoEMethod.
    # "emulation" is in map_wna16_backend from 0.26.0 (Int4EmulationTritonExperts takes
    # kInt4Static, is_cuda_alike()); "triton" from 0.27.0, where AutoGPTQMoEMethod's
    # may_have_bias=True makes _backend_incompatibility_reason refuse it
    (error,) = _errors(QWEN30, "h100-sxm", "0.25.0", "emulation", "w4a16-gptq-g128")
    assert "moe_backend='emulation' is not supported for WNA16 MoE" in error
    assert _errors(QWEN30, "h100-sxm", "0.26.0", "emulation", "w4a16-gptq-g128") == []
    (error,) = _errors(QWEN30, "h100-sxm", "0.26.0", "triton", "w4a16-gptq-g128")
    assert "moe_backend='triton' is not supported for WNA16 MoE" in error
    assert _errors(QWEN30, "h100-sxm", "0.27.0", "triton", "w4a16-gptq-g128") == [
        "vLLM 0.27.0: --moe-backend triton does not take these GPTQ int4, group 128 (W4A16) "
        "experts: expert bias is not supported (AutoGPTQMoEMethod may hold expert bias); "
        + WNA16]
    # at TP=8 (768 / 8 = 96, 96 % 128 = 96: MoeWNA16Method, may_have_bias=False) Triton runs
    assert _errors(QWEN30, "h100-sxm", "0.27.0", "triton", "w4a16-gptq-g128", tp=8) == []
    # int8 experts (kInt8Static): the emulation kernel takes the four int4 keys only
    (error,) = _errors(QWEN30, "h100-sxm", "0.26.0", "emulation", "w8a16-gptq-g128")
    assert error.endswith("experts: vLLM's int4 emulation MoE takes int4 weights only; " + WNA16)


def test_flashinfer_trtllm_needs_a_b200_and_symmetric_int4_in_groups_of_32() -> None:
    # TrtLlmMxint4ExpertsMonolithic: is_device_capability_family(100) first, then the weight
    # key (kInt4Static32, None) only (0.25.0-0.33.0); 0.27.0 on asks
    # _backend_incompatibility_reason before both: zero points or bias refused
    (error,) = _errors(QWEN30, "h100-sxm", "0.25.0", "flashinfer_trtllm", "w4a16-gptq-g128")
    assert ("asks for FlashInfer's TRT-LLM MoE, which runs on compute capability 10.x (B200, "
            "B300) only, not on compute capability 9.0") in error
    # a B200 (10.0): AutoGPTQMoEMethod's key is kInt4Static whatever the group
    (error,) = _errors(QWEN30, "b200", "0.25.0", "flashinfer_trtllm", "w4a16-gptq-g32")
    assert ("FlashInfer's MxInt4 MoE takes symmetric int4 in groups of 32 only, and "
            "AutoGPTQMoEMethod hands the oracle int4 weights keyed without their group") in error
    (error,) = _errors(QWEN30, "b200", "0.27.0", "flashinfer_trtllm", "w4a16-gptq-g32")
    assert "zero points and bias are not supported (AutoGPTQMoEMethod may hold expert bias)" \
        in error
    # compressed-tensors symmetric int4 in groups of 32: kInt4Static32, no zero points
    assert _errors(QWEN30, "b200", "0.27.0", "flashinfer_trtllm", "w4a16-ct-g32") == []
    (error,) = _errors(QWEN30, "b200", "0.27.0", "flashinfer_trtllm", "w4a16-ct-g128")
    assert "hands the oracle int4 weights not in groups of 32" in error, error


def test_humming_takes_groups_of_32_from_0_29() -> None:
    # compressed-tensors int4 in groups of 32 hand the oracle kInt4Static32: Humming's
    # _supports_quant_scheme lists (kInt4Static, None) and (kInt8Static, None) only in
    # 0.25.0-0.28.0, any unsigned int key from 0.29.0 (_is_supported_wna16_weight_key)
    (error,) = _errors(QWEN30, "h100-sxm", "0.28.0", "humming", "w4a16-ct-g32")
    assert error == ("vLLM 0.28.0: --moe-backend humming does not take these compressed-"
                     "tensors symmetric int4, group 32 (W4A16) experts: Humming's WNA16 MoE "
                     f"takes int4 in groups of 32 or zero points from vLLM 0.29.0 only; {WNA16}")
    assert _errors(QWEN30, "h100-sxm", "0.29.0", "humming", "w4a16-ct-g32") == []
    # group 128 (kInt4Static) runs on Humming already in 0.25.0
    assert _errors(QWEN30, "h100-sxm", "0.25.0", "humming", "w4a16-ct-g128") == []


def test_fp8_cutlass_is_disabled_outside_compressed_tensors() -> None:
    # oracle/fp8.py select_fp8_moe_backend: an explicit cutlass raises "vLLM CUTLASS FP8 MoE
    # backend is disabled for this configuration." unless allow_vllm_cutlass; fp8.py
    # Fp8MoEMethod passes False (0.17.0-0.33.0), compressed-tensors' W8A8 FP8 method True
    for release in ("0.17.0", "0.33.0"):
        assert _errors(FP8_30B, "h100-sxm", release, "cutlass") == [
            f"vLLM {release}: --moe-backend cutlass: vLLM CUTLASS FP8 MoE backend is disabled "
            "for this configuration (only compressed-tensors FP8 checkpoints allow it; these "
            "experts load through another FP8 method): the FP8 MoE oracle (fused_moe/oracle/"
            "fp8.py) raises at start-up"]
    ct = catalog_spec(FP8_30B)
    ct = ct.model_copy(update={"quant": ct.quant.model_copy(
        update={"method": "compressed-tensors"})})
    request = PlanRequest(model=ct, cluster=preset_cluster("h100-sxm", 1),
                          layout=ParallelLayout(),
                          engine=EngineSettings(max_model_len=4096, vllm_version="0.33.0",
                                                moe_backend="cutlass"))
    assert not any("CUTLASS" in e for e in plan(request).errors)


def test_b12x_runs_on_sm12x_only() -> None:
    # fused_moe/b12x.py B12xExperts._supports_current_device: is_cuda() and
    # is_device_capability_family(120) (0.29.0-0.33.0), what "b12x" maps to for NVFP4 and
    # MXFP4 experts; neither 0.28.0's parser nor its nvfp4.py has "b12x"
    nvfp4 = "nvidia/Qwen3.6-35B-A3B-NVFP4"
    assert _errors(nvfp4, "h100-sxm", "0.29.0", "b12x") == [
        "vLLM 0.29.0: --moe-backend b12x asks for b12x's MoE, which runs on compute capability "
        "12.x (RTX 50-series, RTX PRO 6000, DGX Spark) only, not on compute capability 9.0: "
        "the NvFP4 MoE oracle (fused_moe/oracle/nvfp4.py) raises at start-up"]
    assert _errors(nvfp4, "rtx-pro-6000", "0.29.0", "b12x") == []
    assert any("invalid choice: 'b12x'" in e for e in
               _errors(nvfp4, "rtx-pro-6000", "0.28.0", "b12x"))


@pytest.mark.parametrize(("gpu", "release", "refused"), [
    # DeepGEMM (FP8's TritonOrDeepGemmExperts: utils/deep_gemm.py is_deep_gemm_supported ->
    # cuda.py support_deep_gemm): 9.0 or 10.x, 12.x from 0.24.0. A100 8.0, RTX 3090 8.6
    ("a100-80gb", "0.25.0", "9.0, 10.x or 12.x"), ("rtx-3090", "0.17.0", "9.0 or 10.x"),
    ("rtx-pro-6000", "0.23.0", "9.0 or 10.x"), ("rtx-pro-6000", "0.24.0", None),
    ("h100-sxm", "0.17.0", None),
])
def test_deep_gemm_runs_on_hopper_and_blackwell(gpu, release, refused) -> None:
    errors = _errors(FP8_30B, gpu, release, "deep_gemm")
    if refused is None:
        assert errors == []
    else:
        (error,) = errors
        assert f"asks for DeepGEMM's MoE, which runs on compute capability {refused} only" \
            in error, error


def test_flashinfer_cutlass_is_refused_on_ampere_and_on_sm110_from_0_21() -> None:
    # FlashInferExperts._supports_current_device: is_device_capability(90) or family 100,
    # 110 or 120 up to 0.20.0, SM110 dropped from 0.21.0
    from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset

    for gpu, cc in (("rtx-3090", "8.6"), ("a100-80gb", "8.0")):
        assert _errors(FP8_30B, gpu, "0.25.0", "flashinfer_cutlass") == [
            "vLLM 0.25.0: --moe-backend flashinfer_cutlass asks for FlashInfer's CUTLASS MoE, "
            "which runs on compute capability 9.0, 10.x or 12.x only, not on compute "
            f"capability {cc}: the FP8 MoE oracle (fused_moe/oracle/fp8.py) raises at start-up"]
    assert _errors(FP8_30B, "h100-sxm", "0.25.0", "flashinfer_cutlass") == []
    thor = gpu_preset("b200").model_copy(update={"compute_capability": "11.0"})
    for release, ok in (("0.20.0", True), ("0.21.0", False)):
        request = PlanRequest(
            model=catalog_spec(FP8_30B),
            cluster=ClusterSpec(nodes=(NodeSpec(gpu=thor, gpus_per_node=1,
                                                intra_node_link="pcie"),), source="test"),
            layout=ParallelLayout(),
            engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                  moe_backend="flashinfer_cutlass"))
        said = [e for e in plan(request).errors if "FlashInfer's CUTLASS" in e]
        assert (said == []) is ok, said
