"""vLLM refuses a checkpoint whose quant_method is none of the release's quantization methods
and that no override claims (config/model.py ModelConfig._verify_quantization: "Unknown
quantization method: X. Must be one of [...]"), read in the 0.28.0-0.34.0 wheels
(vllm_versions.UNKNOWN_QUANT_READ_FROM): bitsandbytes from 0.28.0 (whose wheel drops
quantization/bitsandbytes.py; 0.27.0 has it), fp_quant from 0.34.0, and any quant_method
Headroom reads no format from, which earlier releases keep planning as 16-bit weights with a
warning."""

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import vllm_cli

BNB_NF4 = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
           "bnb_4bit_compute_dtype": "bfloat16"}


def _spec(quantization_config: dict):
    config = {**catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
              "quantization_config": quantization_config}
    return parse_model_config(config, name="acme/llama-quantized")


def _plan(quantization_config: dict, version: str, **engine):
    return plan(PlanRequest(model=_spec(quantization_config), cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def _refused(p, method: str, version: str) -> bool:
    return not p.fits and p.vllm_command is None and any(
        e.startswith(f"Unknown quantization method: {method}. (vLLM {version}") for e in p.errors)


def test_fp_quant_loads_on_0_33_and_is_refused_on_0_34() -> None:
    # the fixtures are the wheels' QuantizationMethods: fp_quant in 0.33.0's, not in 0.34.0's
    assert vllm_cli("0.33.0").accepts("--quantization", "fp_quant")
    assert not vllm_cli("0.34.0").accepts("--quantization", "fp_quant")
    spec = _spec({"quant_method": "fp_quant"})
    assert spec.quant is None and spec.unread_quant_method == "fp_quant"
    assert any("'fp_quant' not understood" in w for w in spec.warnings)
    assert _plan({"quant_method": "fp_quant"}, "0.33.0").fits
    assert _refused(_plan({"quant_method": "fp_quant"}, "0.34.0"), "fp_quant", "0.34.0")


def test_bitsandbytes_is_refused_from_0_28() -> None:
    # read as NF4 (a format Headroom sizes), but 0.28.0's QuantizationMethods has no
    # bitsandbytes: it planned "Fits" with a command vLLM stops at
    assert vllm_cli("0.27.0").accepts("--quantization", "bitsandbytes")
    assert not vllm_cli("0.28.0").accepts("--quantization", "bitsandbytes")
    assert _spec(BNB_NF4).quant.method == "bitsandbytes"
    assert _plan(BNB_NF4, "0.27.0").fits
    for version in ("0.28.0", "0.34.0"):
        assert _refused(_plan(BNB_NF4, version), "bitsandbytes", version), version


def test_what_vllm_may_still_claim_or_list_is_not_refused() -> None:
    # a quant_method starting with "modelopt" may be claimed by ModelOpt's overrides
    # (_extract_modelopt_quant_algo reads such a config's quant_algo); one the release lists
    # (quark) loads with vLLM's own method; a what-if format loads another checkpoint
    assert _plan({"quant_method": "modelopt_acme"}, "0.34.0").fits
    assert _plan({"quant_method": "quark"}, "0.34.0").fits
    assert _plan({"quant_method": "fp_quant"}, "0.34.0", target_quant="fp8-channel").fits
    # before 0.28 the overrides were not read: an unread method keeps its warning only
    assert _plan({"quant_method": "acme_q"}, "0.27.0").fits
    assert _refused(_plan({"quant_method": "acme_q"}, "0.28.0"), "acme_q", "0.28.0")


def test_compressed_tensors_is_read_in_either_spelling() -> None:
    # vLLM lower-cases quant_method and writes "compressed_tensors" as "compressed-tensors"
    # before its overrides and the QuantizationMethods check (0.14.0-0.34.0
    # model_arch_config_convertor.py _normalize_quantization_config; _verify_quantization
    # before): such a checkpoint loads as compressed-tensors, here int4 in groups of 128
    weights = {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 128,
               "symmetric": True}
    ct = {"quant_method": "Compressed_Tensors", "format": "pack-quantized",
          "config_groups": {"group_0": {"targets": ["Linear"], "weights": weights}}}
    spec = _spec(ct)
    assert spec.quant.scheme == "w4a16-ct-g128" and spec.unread_quant_method is None
    assert _plan(ct, "0.34.0").fits
