"""compressed-tensors NVFP4A16: FP4 weights, 16-bit activations (QuantSpec.weight_only).

The config is built by hand from compressed-tensors' preset (quantization/quant_scheme.py
PRESET_SCHEMES "NVFP4A16": weights num_bits 4, type float, strategy tensor_group, symmetric,
group_size 16, FP8 E4M3 scales, and no input_activations; "NVFP4" adds input_activations of the
same shape). vLLM tells them apart by input_activations alone (compressed_tensors.py
_is_nvfp4_format on the weights, then `input_quant is None`: config.quant._ct_nvfp4).

- Bytes: both store the same FP4 weights (half a byte each) and one FP8 scale per 16, so the
  plan's weights are the same bytes (W4A4 adds one fp32 input_global_scale per linear only).
- AMD: the experts ask fused_moe/oracle/nvfp4.py with activation_key None (0.17.0 on); on ROCm
  only the emulation runs, and it takes W4A4 only: "No NvFp4 MoE backend supports the
  deployment configuration." where the W4A4 checkpoint starts (0.20.0 on).
- Speed, 0.22 on: weight-only (Marlin FP4) where W4A4 runs the FP4 tensor cores of a B200.
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.config.quant import quant_spec
from planner.model.quant import scheme as quant_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed.kernels import kernel_family

WEIGHTS = {"num_bits": 4, "type": "float", "strategy": "tensor_group", "symmetric": True,
           "group_size": 16, "dynamic": False}
ACTIVATIONS = {**WEIGHTS, "dynamic": "local"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _quant(weights: dict, activations: dict | None = None):
    group = {"targets": ["Linear"], "weights": weights}
    if activations is not None:
        group["input_activations"] = activations
    return quant_spec({"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
                       "config_groups": {"group_0": group}}, "quantization_config", None, [])


def _spec(activations: dict | None):
    return catalog_spec("Qwen/Qwen3-30B-A3B").model_copy(
        update={"quant": _quant(WEIGHTS, activations)})


def _plan(spec, gpu: str, release: str):
    return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 1), layout=ParallelLayout(),
                            engine=EngineSettings(max_model_len=4096, vllm_version=release)))


def test_the_config_reads_as_weight_only_nvfp4() -> None:
    a16, a4 = _quant(WEIGHTS), _quant(WEIGHTS, ACTIVATIONS)
    assert (a16.scheme, a16.weight_only) == ("nvfp4", True)
    assert (a4.scheme, a4.weight_only) == ("nvfp4", False)
    assert a16.summary.startswith("NVFP4A16")
    # group 32 is not vLLM's NVFP4 format: not read as NVFP4A16
    assert not _quant({**WEIGHTS, "group_size": 32}).weight_only


def test_same_bytes_as_w4a4() -> None:
    a16, a4 = _plan(_spec(None), "h100-sxm", "0.25.0"), _plan(_spec(ACTIVATIONS), "h100-sxm",
                                                              "0.25.0")
    assert a16.fits and a16.weights_bytes_per_gpu == a4.weights_bytes_per_gpu


@pytest.mark.parametrize("release", ["0.20.0", "0.25.0", "0.33.0"])
def test_refused_on_amd_where_w4a4_runs_on_the_emulation(release) -> None:
    (error,) = _plan(_spec(None), "mi300x", release).errors
    assert error.startswith("No NvFp4 MoE backend supports the deployment configuration. "
                            f"(vLLM {release} fused_moe/oracle/nvfp4.py: on AMD Instinct MI300X "
                            "(ROCm) no backend takes W4A16 NVFP4 experts"), error
    assert _plan(_spec(ACTIVATIONS), "mi300x", release).errors == []


def test_weight_only_kernels_on_blackwell_from_0_22() -> None:
    b200, nvfp4 = gpu_preset("b200"), quant_scheme("nvfp4")
    assert kernel_family(nvfp4, b200, "0.25.0", weight_only=_spec(None).quant.weight_only) \
        == ("weight-only", "bf16")
    assert kernel_family(nvfp4, b200, "0.25.0",
                         weight_only=_spec(ACTIVATIONS).quant.weight_only) == ("fp4", "nvfp4")


def test_before_the_emulation_every_nvfp4_moe_backend_is_cuda_only() -> None:
    # 0.19.0's nvfp4.py has no EMULATION: W4A4 and W4A16 experts alike find no ROCm backend
    (error,) = _plan(_spec(None), "mi300x", "0.19.0").errors
    assert error.endswith("every NVFP4 MoE backend of this release runs on CUDA only; vLLM "
                          "emulates NVFP4 experts on ROCm from 0.20.0)"), error


@pytest.mark.parametrize(("gpu", "release", "a16_needs", "a4_needs"), [
    # CompressedTensorsW4A16Fp4 / W4A4Fp4 .get_min_capability: W4A16 80 up to 0.15, 75 from
    # 0.16; W4A4 100 in 0.10.1-0.15.1, 75 from 0.16. An A100 is 8.0 (80), an L40S 8.9 (89),
    # a T4 7.5 (75), a V100 7.0 (70: the compressed-tensors method's own minimum, 70, passes)
    ("a100-80gb", "0.15.1", None, 100), ("l40s", "0.13.0", None, 100),
    ("t4", "0.15.1", 80, 100), ("t4", "0.16.0", None, None),
    ("v100-32gb", "0.16.0", 75, 75), ("v100-32gb", "0.22.0", 75, 75),
    ("a100-80gb", "0.16.0", None, None),
])
def test_the_scheme_minimum_capability(gpu, release, a16_needs, a4_needs) -> None:
    current = {"a100-80gb": 80, "l40s": 89, "t4": 75, "v100-32gb": 70}[gpu]
    for activations, need in ((None, a16_needs), (ACTIVATIONS, a4_needs)):
        said = [e for e in _plan(_spec(activations), gpu, release).errors
                if "not supported for the current GPU" in e]
        if need is None:
            assert said == [], said
        else:
            assert said == [f"Quantization scheme is not supported for the current GPU. Min "
                            f"capability: {need}. Current capability: {current}. (vLLM "
                            f"{release}: compressed-tensors NVFP4"
                            + ("A16" if activations is None else "") + " weights)"], said
