"""The vLLM quantization method that loads a plan's weights, and vLLM's refusals of the method by
its name: one the release does not have (unknown_quant_errors, config/model.py
_verify_quantization) or its ROCm platform does not list (rocm_quantization_errors,
platforms/rocm.py supported_quantization). Kept apart so that every other check names the method
as vLLM does after its overrides (loading_method, config_quant_method)."""

from planner.model.config.quant import INC_UNKNOWN_NAMES, W4AFP8_SCHEME
from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.hardware import GpuSpec
from planner.serving.startup.wna16_loaders import kept_marlin_method
from planner.serving.vllm_cli import VllmCli
from planner.serving.vllm_versions import (
    MODELOPT_PREFIX_FROM,
    ROCM_BNB_FROM,
    ROCM_BNB_GFX9_FROM,
    ROCM_GFX9_ARCHS,
    ROCM_QUANTIZATION_LISTED,
    ROCM_QUANTIZATION_READ_FROM,
    ROCM_QUANTIZATION_UNLISTED,
    UNKNOWN_QUANT_READ_FROM,
    UNKNOWN_QUANT_ROCM_FROM,
    Version,
    version_label,
)

QUANT_METHOD: dict[str, str] = {
    "fp8": "fp8", "gptq": "gptq", "awq": "awq", "int8": "compressed-tensors",
    "nvfp4": "modelopt_fp4", "mxfp4": "mxfp4", "bnb": "bitsandbytes", "gguf": "gguf",
}
"""The vLLM quantization method that loads each weight-format family (its config's
quant_method, or the runtime --quantization value); its get_min_capability() applies."""


def config_quant_method(spec: ModelSpec) -> str | None:
    """The quant_method vLLM reads from the checkpoint's config (lower-cased): the format
    Headroom reads, an unread one, or an AutoRound block planned as 16-bit weights
    (ModelSpec.inc_unplanned); None for a 16-bit checkpoint."""
    if spec.quant is not None:
        return spec.quant.method
    return spec.unread_quant_method or (spec.inc_unplanned.method if spec.inc_unplanned
                                        else None)


def loading_method(spec: ModelSpec, scheme: QuantScheme, mixed: bool) -> str:
    """The vLLM quantization method that loads `scheme` as vLLM names it after its overrides
    (gptq and awq for their loaders; "" for a what-if no planned checkpoint pins): the
    checkpoint's own (auto-round -> inc, ModelOpt's FP8 / NVFP4 / MIXED_PRECISION -> modelopt /
    modelopt_fp4 / modelopt_mixed, `mixed`: quant.checkpoint_formats), else a runtime
    --quantization's or a what-if's FP8, MXFP4, GPTQ or AWQ."""
    if mixed:
        return "modelopt_mixed"
    if scheme.key == W4AFP8_SCHEME:
        return "w4afp8"
    if spec.quant is not None and not scheme.what_if:
        method = "inc" if spec.quant.method == "auto-round" else spec.quant.method
        if method == "modelopt":
            return "modelopt_fp4" if scheme.family == "nvfp4" else "modelopt"
        return method
    return scheme.family if scheme.family in ("fp8", "mxfp4", "gptq", "awq") else ""


def rocm_quantization_errors(spec: ModelSpec, scheme: QuantScheme, mixed: bool,
                             version: Version, gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a quantization method its ROCm platform does not list on AMD
    (platforms/interface.py verify_quantization, run by config/model.py _verify_quantization
    on the method left after the overrides, loading_method): [] where `version` lists it
    (ROCM_QUANTIZATION_LISTED; releases before ROCM_QUANTIZATION_READ_FROM are not read but
    for bitsandbytes, ROCM_BNB_FROM on, on gfx9 GPUs ROCM_BNB_GFX9_FROM on).
    E.g. an AutoRound checkpoint on an MI300X on 0.27.0: "inc quantization is currently not
    supported in rocm."; 0.28.0 lists inc. A quant_method awq_marlin / gptq_marlin is checked
    under that name, which vLLM keeps (kept_marlin_method): gptq_marlin is refused from 0.25.
    A bitsandbytes format (a checkpoint, --quantization bitsandbytes or a what-if) is checked
    as bitsandbytes: on an MI300X (gfx942) vLLM 0.9.1-0.16.x refuse it, 0.17.0-0.27.x run it."""
    if gpu.vendor == "nvidia" or scheme.family == "float":
        return []
    method = kept_marlin_method(spec, scheme) or loading_method(spec, scheme, mixed) \
        or (QUANT_METHOD["bnb"] if scheme.family == "bnb" else "")
    if version < ROCM_QUANTIZATION_READ_FROM and method != QUANT_METHOD["bnb"]:
        return []
    if method in ROCM_QUANTIZATION_UNLISTED:
        return [f"{method} quantization is currently not supported in rocm. (vLLM "
                f"{version_label(version)} platforms/rocm.py supported_quantization does not "
                f"list {method})"]
    first, last = ROCM_QUANTIZATION_LISTED.get(method, (ROCM_QUANTIZATION_READ_FROM, None))
    gfx9 = method == QUANT_METHOD["bnb"] and gpu.compute_capability in ROCM_GFX9_ARCHS
    if gfx9:
        first = ROCM_BNB_GFX9_FROM
    if first <= version and (last is None or version <= last):
        return []
    listed = " ".join(([f"from {version_label(first)}"] if first > ROCM_QUANTIZATION_READ_FROM
                       or method == QUANT_METHOD["bnb"] else [])
                      + ([f"up to {last[0]}.{last[1]}.x"] if last else []))
    if gfx9:
        listed += (f" on gfx9 GPUs, {', '.join(ROCM_GFX9_ARCHS[:-1])} and {ROCM_GFX9_ARCHS[-1]}, "
                   f"and from {version_label(ROCM_BNB_FROM)} on others")
    return [f"{method} quantization is currently not supported in rocm. (vLLM "
            f"{version_label(version)} platforms/rocm.py supported_quantization; it lists "
            f"{method} {listed})"]


def unknown_quant_errors(spec: ModelSpec, scheme: QuantScheme, mixed: bool, cli: VllmCli,
                         version: Version, gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a checkpoint whose quant_method is none of the release's quantization
    methods and that no override claims (vllm_versions.UNKNOWN_QUANT_READ_FROM: from 0.16.0),
    checked on the method vLLM names after its overrides (loading_method, as
    rocm_quantization_errors, which vLLM checks after it), or the checkpoint's quant_method
    where Headroom reads no format from it: bitsandbytes from 0.28, fp_quant from 0.34,
    w4afp8 before 0.34 (vllm_versions.W4AFP8_FROM; before 0.16 as well: the overrides that
    claim by other keys there want checkpoint_format "marlin" and the like, as
    UNKNOWN_QUANT_READ_FROM's NOTE reads the 0.9.1-0.15.1 wheels), AutoRound's older
    spellings, an unread method (planned as 16-bit weights; on AMD GPUs from
    UNKNOWN_QUANT_ROCM_FROM, an unlisted "modelopt..." one up to MODELOPT_PREFIX_FROM only).
    A what-if format's method is its family's: a bitsandbytes one (bnb_what_if_dropped) from
    0.28 too, whose checkpoint stops here and whose --quantization the parser refuses."""
    unread = None if scheme.what_if else spec.unread_quant_method
    # an AutoRound block planned as 16-bit weights: INCConfig claims "auto-round" (as "inc")
    unplanned = spec.inc_unplanned.method if spec.inc_unplanned and not scheme.what_if else None
    what_if_bnb = scheme.what_if and scheme.family == "bnb"
    method = unread or (unplanned if unplanned in INC_UNKNOWN_NAMES else None) \
        or loading_method(spec, scheme, mixed) or (QUANT_METHOD["bnb"] if what_if_bnb else "")
    if (not method or (version < UNKNOWN_QUANT_READ_FROM and method != "w4afp8")
            or cli.accepts("--quantization", method)
            or (unread and gpu.vendor != "nvidia" and version < UNKNOWN_QUANT_ROCM_FROM)
            or (method.startswith("modelopt")
                and (not unread or version >= MODELOPT_PREFIX_FROM))):
        return []
    what = ("" if not what_if_bnb else
            ", for a bitsandbytes checkpoint of the what-if; nor does vllm serve take "
            "--quantization bitsandbytes to make one at load")
    return [f"Unknown quantization method: {method}. (vLLM {version_label(version)} "
            "config/model.py _verify_quantization: it is none of the release's quantization "
            f"methods and no override claims the checkpoint{what})"]


def bnb_what_if_dropped(scheme: QuantScheme, cli: VllmCli) -> bool:
    """Whether `scheme` is a bitsandbytes what-if on a release that has no bitsandbytes method
    (the 0.28.0 wheel drops quantization/bitsandbytes.py; the vllm_cli fixtures' --quantization
    choices, as vllm_cli.choice_refusal reads them for the flag): unknown_quant_errors refuses it,
    and no checkpoint of it can be made or loaded there."""
    return scheme.what_if and scheme.family == "bnb" and not cli.accepts(
        "--quantization", QUANT_METHOD["bnb"])
