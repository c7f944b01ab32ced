"""vLLM refuses a checkpoint whose quant_method is none of the release's quantization methods
and that no override claims (config/model.py ModelConfig._verify_quantization: "Unknown
quantization method: X. Must be one of [...]"), from 0.16.0 (vllm_versions.UNKNOWN_QUANT_READ_FROM;
every override read in the 0.9.1-0.34.0 wheels): bitsandbytes from 0.28.0 (whose wheel drops
quantization/bitsandbytes.py; 0.27.0 has it), fp_quant from 0.34.0, AutoRound's older
spellings, and any quant_method Headroom reads no format from, which earlier releases (whose
overrides also claim by checkpoint_format) keep planning as 16-bit weights with a warning."""

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import vllm_cli

_MXFP8 = {"dtype": "fp8_e4m3", "qscheme": "per_group", "group_size": 32, "scale_format": "e8m0"}
QUARK_MXFP8 = {"quant_method": "quark", "export": {"kv_cache_group": [], "pack_method": "reorder"},
               "global_quant_config": {"weight": {**_MXFP8, "is_dynamic": False},
                                       "input_tensors": {**_MXFP8, "is_dynamic": True}},
               "layer_quant_config": {}, "layer_type_quant_config": {}, "exclude": ["lm_head"]}
"""A Quark OCP MXFP8 checkpoint: vLLM's QuarkConfig loads it (QuarkOCP_MX, 0.34.0), Headroom
reads Quark's FP8 / INT8 W8A8 and MXFP4 / MXFP6 formats only (config.quant._quark) and plans it
as 16-bit weights."""
BNB_NF4 = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
           "bnb_4bit_compute_dtype": "bfloat16"}


def _spec(quantization_config: dict):
    config = {**catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
              "quantization_config": quantization_config}
    return parse_model_config(config, name="acme/llama-quantized")


def _plan(quantization_config: dict, version: str, gpu: str = "h100-sxm", **engine):
    return plan(PlanRequest(model=_spec(quantization_config), cluster=preset_cluster(gpu, 1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def _plan16(version: str, **engine):
    """Llama-3.1-8B-Instruct (16-bit) on one H100, vLLM `version`."""
    return plan(PlanRequest(model=catalog_spec("meta-llama/Llama-3.1-8B-Instruct"),
                            cluster=preset_cluster("h100-sxm", 1),
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


def test_a_bitsandbytes_what_if_is_refused_from_0_28() -> None:
    # a 16-bit Llama-3.1-8B planned as bnb-nf4 / bnb-int8: 0.27.0 quantizes NF4 at load
    # (--quantization bitsandbytes); 0.28.0 has no bitsandbytes method at all, so neither that
    # flag (a parser refusal) nor a bitsandbytes checkpoint (_verify_quantization: "Unknown
    # quantization method: bitsandbytes. Must be one of [...]") starts. It planned "Fits",
    # advising to quantize first and give the checkpoint
    nf4 = _plan16("0.27.0", target_quant="bnb-nf4")
    assert nf4.fits and "--quantization bitsandbytes" in nf4.vllm_command
    for version in ("0.28.0", "0.34.0"):
        for key, label in (("bnb-nf4", "bitsandbytes NF4 (double quant)"),
                           ("bnb-int8", "bitsandbytes LLM.int8")):
            p = _plan16(version, target_quant=key)
            assert _refused(p, "bitsandbytes", version), (version, key)
            assert p.errors == [
                f"Unknown quantization method: bitsandbytes. (vLLM {version} config/model.py "
                "_verify_quantization: it is none of the release's quantization methods and no "
                "override claims the checkpoint, for a bitsandbytes checkpoint of the what-if; "
                "nor does vllm serve take --quantization bitsandbytes to make one at load)"]
            assert p.launch_note == (f"No {label} command: vLLM {version} has no bitsandbytes "
                                     "quantization method (see the verdict).")
            # a checkpoint given for it is refused too, with no command
            given = _plan16(version, target_quant=key, target_checkpoint="acme/llama-bnb")
            assert _refused(given, "bitsandbytes", version), (version, key)


def test_what_vllm_may_still_claim_or_list_is_not_refused() -> None:
    # a quant_method starting with "modelopt" may be claimed by ModelOpt's overrides
    # (_extract_modelopt_quant_algo reads such a config's quant_algo); one the release lists
    # (quark) loads with vLLM's own method; a what-if format loads another checkpoint
    assert _plan({"quant_method": "modelopt_acme"}, "0.34.0").fits
    assert _plan(QUARK_MXFP8, "0.34.0").fits
    assert _plan({"quant_method": "fp_quant"}, "0.34.0", target_quant="fp8-channel").fits



def test_an_unread_method_is_refused_from_0_16() -> None:
    # from 0.16.0 (marlin.py, bitblas.py and gptq_marlin_24.py gone) no override claims a
    # quant_method outside gptq / awq / auto-round / mxfp4 / modelopt...: "acme_q" is in no
    # release's QuantizationMethods, so vLLM stops; 0.15.1's bitblas / gptq_marlin_24 overrides
    # may still claim it by checkpoint_format (not kept here): the warning only
    acme = {"quant_method": "acme_q"}
    assert _plan(acme, "0.15.1").fits
    for version in ("0.16.0", "0.19.0", "0.27.0"):
        assert _refused(_plan(acme, version), "acme_q", version), version
    # on ROCm, 0.16-0.19's PetitNvFp4Config claims a checkpoint by its quant_algo, a key not
    # kept for an unread method: refused on an MI300X from 0.20.0 (petit.py is gone there)
    assert _plan(acme, "0.19.0", "mi300x").fits
    assert _refused(_plan(acme, "0.20.0", "mi300x"), "acme_q", "0.20.0")


def test_an_unlisted_modelopt_name_is_claimed_from_0_22() -> None:
    # _extract_modelopt_quant_algo reads a quant_method starting with "modelopt" from 0.22.0,
    # only "modelopt" itself up to 0.21.0: there "modelopt_acme" is claimed by no override
    modelopt = {"quant_method": "modelopt_acme", "quant_algo": "FP8"}
    assert _refused(_plan(modelopt, "0.21.0"), "modelopt_acme", "0.21.0")
    assert _plan(modelopt, "0.22.0").fits


def test_older_autoround_spellings_are_refused_once_in_vllms_words() -> None:
    # "intel/auto-round" is in no release's QuantizationMethods and INCConfig claims only
    # "auto-round": the general refusal, not a second one of inc_errors' own
    old = {"quant_method": "intel/auto-round", "bits": 4, "group_size": 128, "sym": True}
    p = _plan(old, "0.34.0")
    assert _refused(p, "intel/auto-round", "0.34.0")
    # a 5-bit block, planned as 16-bit weights (ModelSpec.inc_unplanned), likewise
    five = {**old, "quant_method": "auto_round", "bits": 5}
    assert _spec(five).quant is None
    for q, method in ((p, "intel/auto-round"), (_plan(five, "0.34.0"), "auto_round")):
        assert _refused(q, method, "0.34.0")
        unknown = [e for e in q.errors if e.startswith("Unknown quantization method")]
        assert len(unknown) == 1 and "config/model.py _verify_quantization" in unknown[0]


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


def test_runtime_fp8_on_an_unread_checkpoint_is_vllms_mismatch() -> None:
    # _verify_quantization compares the config's quant_method (after the overrides, none of
    # which claims quark for a user's fp8) with --quantization before anything else:
    # "Quantization method specified in the model config (quark) does not match ..."
    p = _plan(QUARK_MXFP8, "0.34.0", quantization="fp8")
    assert not p.fits and p.vllm_command is None
    assert p.errors[0] == (
        "Quantization method specified in the model config (quark) does not match the "
        "quantization method specified in the `quantization` argument (fp8).")


def test_a_runtime_fp8_what_if_of_an_unread_checkpoint_has_no_command() -> None:
    # an unread quant_method plans 16-bit weights, so the CLI takes --target-quant; the FP8
    # what-if's command would be `vllm serve <it> --quantization fp8`, which vLLM stops at as
    # above (quark in the config, fp8 on the command line). The plan's figures stand (the
    # what-if's weights); the command does not, unless another checkpoint is given
    p = _plan(QUARK_MXFP8, "0.34.0", target_quant="fp8-tensor")
    assert p.fits and p.vllm_command is None
    assert "(quark) does not match the quantization method specified in the `quantization` " \
        "argument (fp8)" in p.launch_note
    given = _plan(QUARK_MXFP8, "0.34.0", target_quant="fp8-tensor",
                  target_checkpoint="acme/llama-fp8")
    assert given.vllm_command.startswith("vllm serve acme/llama-fp8 ")
    assert "--quantization" not in given.vllm_command
    # a 16-bit checkpoint (no quant_method) keeps vLLM's load-time FP8
    plain = plan(PlanRequest(
        model=parse_model_config(catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config,
                                 name="acme/llama"),
        cluster=preset_cluster("h100-sxm", 1),
        engine=EngineSettings(vllm_version="0.34.0", max_model_len=8192,
                              target_quant="fp8-tensor")))
    assert plain.vllm_command.startswith("vllm serve acme/llama --quantization fp8 ")


def test_weights_planned_as_16_bit_are_no_confident_fit() -> None:
    # quark is in 0.34.0's QuantizationMethods: vLLM loads it with its own config, in a format
    # Headroom does not read, so the 16-bit figures fit with the part named in the verdict
    # (plan.verdict.UNMODELLED_FIT), as the sweep's yes* rows and recommend's caveats read it
    quark = _plan(QUARK_MXFP8, "0.34.0")
    assert quark.fits and quark.verdict.startswith(
        "Fits (unmodelled: quark weights planned as 16-bit): ")
    # a what-if format loads another checkpoint: nothing unread
    what_if = _plan(QUARK_MXFP8, "0.34.0", target_quant="fp8-channel")
    assert what_if.verdict.startswith("Fits: ")
    # an AutoRound block planned as 16-bit (5 bits, which INCConfig takes from 0.30)
    five = {"quant_method": "auto-round", "bits": 5, "group_size": 128, "sym": True}
    assert _plan(five, "0.30.0").verdict.startswith(
        "Fits (unmodelled: AutoRound int 5-bit weights planned as 16-bit): ")
