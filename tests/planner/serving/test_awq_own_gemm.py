"""AWQ-packed checkpoints whose linear layers vLLM keeps off Marlin run AWQ's own CUDA GEMM,
whose kernels take float16 only (wna16_shapes._awq_own_gemm, cuda_awq_gemm_errors):

- an AWQ checkpoint with zero_point false: awq_marlin.py is_awq_marlin_compatible (0.19.0-
  0.23.0) and auto_awq.py get_quant_method (0.24.0-0.34.0) ask check_marlin_supported(uint4,
  group, has_zp=False), and marlin_utils.query_marlin_supported_quant_types lists uint4 only
  with zero points (uint4b8 / uint8b128 without), so 0.19-0.23 keep quantization "awq" (awq.py
  AWQConfig, [torch.half]) and 0.24+ build AutoAWQLinearMethod;
- an AutoRound checkpoint in AWQ packing with sym true: INCConfig builds AWQLinearMethod
  (inc.py apply_awq_quant_layer, 0.19.0-0.23.0) / AutoAWQLinearMethod (inc_wna16_linear.py
  _build_awq_method, 0.24.0-0.34.0) after the same check with has_zp = not sym, and takes
  bfloat16 (get_supported_act_dtypes), so bfloat16 stops at the profiling run's
  awq_dequantize. Either way the layer builds qzeros (create_weights): AWQ's bytes.
"""

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

# AutoAWQ's GEMM export as real checkpoints write it (e.g. QuantTrio/DeepSeek-V3.2-Exp-AWQ's
# config.json: bits 4, group_size 128, version gemm, zero_point true); vLLM needs zero_point
AWQ = {"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm", "zero_point": True}
INC_AWQ = {"quant_method": "auto-round", "bits": 4, "group_size": 128,
           "packing_format": "auto_round:auto_awq"}


def _plan(quantization_config: dict, version: str, **engine):
    config = {**catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
              "quantization_config": quantization_config}  # torch_dtype bfloat16
    spec = parse_model_config(config, name="acme/llama-awq")
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def test_awq_without_zero_points_leaves_marlin() -> None:
    with_zp, without = AWQ | {"zero_point": True}, AWQ | {"zero_point": False}
    for version in ("0.21.0", "0.34.0"):
        assert _plan(with_zp, version).fits  # Marlin, bfloat16
        assert _plan(without, version, dtype="float16").fits  # AWQ's GEMM in float16
    # 0.21: awq.py's plain loader, float16 only
    (error,) = _plan(without, "0.21.0").errors
    assert error.startswith("torch.bfloat16 is not supported for quantization method awq. "
                            "Supported dtypes: [torch.float16]") and "zero_point is false" in error
    # 0.34: AutoAWQLinearMethod's awq_dequantize in the profiling run
    (error,) = _plan(without, "0.34.0").errors
    assert error.startswith("RuntimeError: expected scalar type "
                            "torch::headeronly::ScalarType::Half but found BFloat16 (vLLM 0.34.0 "
                            "auto_awq.py takes Marlin for AWQ weights with zero points only")
    assert "on AutoAWQLinearMethod" in error
    # the same bytes: qzeros are built with or without zero points
    assert _plan(without, "0.34.0", dtype="float16").weights_bytes_per_gpu \
        == _plan(with_zp, "0.34.0", dtype="float16").weights_bytes_per_gpu


def test_autoround_awq_packing_off_marlin_runs_float16_only() -> None:
    sym, asym = INC_AWQ | {"sym": True}, INC_AWQ | {"sym": False}
    for version, method, spelled in (
            ("0.21.0", "AWQLinearMethod", "Half"),
            ("0.34.0", "AutoAWQLinearMethod", "torch::headeronly::ScalarType::Half")):
        (error,) = _plan(sym, version).errors
        assert error.startswith(f"RuntimeError: expected scalar type {spelled} but found "
                                f"BFloat16 (vLLM {version} INCConfig keeps it off Marlin "
                                "(Marlin takes AWQ packing with zero points"), error
        assert f"on {method}" in error
        assert _plan(sym, version, dtype="float16").fits
        assert _plan(asym, version).fits  # zero points: AWQ Marlin in bfloat16
