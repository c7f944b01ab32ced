"""A GPTQ checkpoint's `sym` as vLLM reads it (QuantSpec.symmetric; wna16_loaders.marlin_keys_miss,
gptq_sym_errors).

Worked from the wheels: up to 0.21.0 gptq_marlin.py is_gptq_marlin_compatible reads
quant_config.get("sym") and is False where it is None (absent or null) or (bits, sym) is not
in TYPE_MAP {(4, True), (8, True)}; quantization then stays "gptq", gptq.py GPTQConfig, whose
get_supported_act_dtypes() is [torch.half] and whose GPTQLinearMethod runs no Marlin. From
0.22.0 quantization "gptq" is auto_gptq.py AutoGPTQConfig: from_config get_from_keys(config,
["sym"]) ("Cannot find any of ['sym'] in the model's quantization config." where absent) and
__init__ raises "Unsupported quantization config: bits=4, sym=False" (0.22.0, 0.34.0 wheels).
"""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False}


def _plan(model: str, quantization_config: dict, version: str, gpu: str = "h100-sxm",
          tp: int = 1, **engine):
    config = {**catalog_entry(model).config, "quantization_config": quantization_config}
    spec = parse_model_config(config, name="acme/gptq")
    return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, tp),
                            layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096,
                                                  **engine)))


LLAMA = "meta-llama/Llama-3.1-8B-Instruct"  # torch_dtype bfloat16


def test_sym_is_read() -> None:
    spec = parse_model_config({**catalog_entry(LLAMA).config,
                               "quantization_config": GPTQ | {"sym": False}}, name="acme/gptq")
    assert spec.quant.symmetric is False


@pytest.mark.parametrize(("sym", "held"), [(False, "false"), (None, "null"), ("absent", "absent")])
def test_asymmetric_or_unset_sym_loads_on_the_plain_loader_up_to_0_21(sym, held) -> None:
    qc = GPTQ if sym == "absent" else GPTQ | {"sym": sym}
    (error,) = _plan(LLAMA, qc, "0.21.0").errors  # bfloat16: gptq.py takes float16 only
    assert error.startswith("torch.bfloat16 is not supported for quantization method gptq. "
                            "Supported dtypes: [torch.float16]")
    assert f"sym true only, and sym is {held}" in error
    assert _plan(LLAMA, qc, "0.21.0", dtype="float16").fits
    assert _plan(LLAMA, GPTQ | {"sym": True}, "0.21.0").fits  # gptq_marlin, bfloat16


@pytest.mark.parametrize("version", ["0.22.0", "0.34.0"])
def test_autogptq_refuses_sym_false_null_or_absent(version) -> None:
    for sym, words in ((False, "Unsupported quantization config: bits=4, sym=False"),
                       (None, "Unsupported quantization config: bits=4, sym=None")):
        for dtype in ("auto", "float16"):
            (error,) = _plan(LLAMA, GPTQ | {"sym": sym}, version, dtype=dtype).errors
            assert error.startswith(f"{words} (vLLM {version} AutoGPTQConfig")
    (error,) = _plan(LLAMA, GPTQ, version).errors
    assert error.startswith("Cannot find any of ['sym'] in the model's quantization config.")
    assert _plan(LLAMA, GPTQ | {"sym": True}, version).fits


def test_sym_false_on_0_21_runs_gptq_py_not_a_marlin_fallback() -> None:
    # Qwen3.5-27B's in_proj_ba: 48 + 48 = 96 outputs, 48 per GPU at TP=2, 48 % 64 != 0: with
    # sym true gptq_marlin's kernel list falls back to Exllama in float16 (a warning); with
    # sym false gptq.py's GPTQLinearMethod loads it (48 % 8 = 0 packs): no Marlin, no warning
    def ba_warnings(sym: bool) -> list[str]:
        p = _plan("Qwen/Qwen3.5-27B", GPTQ | {"sym": sym}, "0.21.0", "rtx-3090", 2,
                  dtype="float16")
        assert p.fits
        return [w for w in p.warnings if "in_proj_ba" in w]

    assert any("on Exllama" in w for w in ba_warnings(True))
    assert ba_warnings(False) == []


def test_autogptq_sym_refusal_comes_before_marlin_tiles() -> None:
    # AutoGPTQConfig.__init__ raises before any layer is built: 0.22.0 keeps in_proj_ba whole
    # (96 outputs, 96 % 64 != 0), yet the sym refusal is what vLLM prints
    (error,) = _plan("Qwen/Qwen3.5-27B", GPTQ | {"sym": False}, "0.22.0", "rtx-3090", 2).errors
    assert error.startswith("Unsupported quantization config: bits=4, sym=False")
