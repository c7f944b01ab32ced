"""QuantSpec from a config.json `quantization_config` or a ModelOpt hf_quant_config.json.

Maps every storage format to one scheme key of planner.model.quant (e.g. "fp8-block128",
"w4a16-gptq-g128", "mxfp4", "nvfp4"); the byte widths live there, not here.
"""

import fnmatch
import json
import re
from collections import Counter
from typing import Literal

from planner.jsondoc import json_kind
from planner.model.exclusion_match import (
    INC_METHODS,
    ct_pattern_error,
    ct_takes_lm_head,
    inc_regex_key,
    vllm_matches,
    vllm_pattern_error,
)
from planner.model.layer_names import FUSED_SHARDS, layer_prefixes, router_prefix
from planner.model.quant import OCP_MX_GROUP_SIZE, TORCHAO_INT4_GROUPS, component_formats
from planner.model.spec import (
    AttentionMixer,
    ConfigError,
    DenseMlp,
    IncEntry,
    IncFormat,
    LayerSpec,
    ModelOptFaults,
    ModuleFormat,
    QuantSpec,
    ReleaseExclusions,
)

# ModelOpt quant_algo -> scheme key (hf_quant_config.json "quantization.quant_algo").
MODELOPT_ALGOS = {
    "FP8": "fp8-tensor",
    "FP8_PER_CHANNEL_PER_TOKEN": "fp8-channel",
    "FP8_PB_WO": "fp8-block128",
    "FP8_BLOCK": "fp8-block128",
    "NVFP4": "nvfp4",
    "W4A16_NVFP4": "nvfp4",
    "NVFP4_AWQ": "nvfp4",
    "W4A16_AWQ": "w4a16-awq-g128",
    "W4A8_AWQ": "w4a16-awq-g128",
    "INT8_SQ": "w8a8-int8",
    "W8A8_SQ_PER_CHANNEL": "w8a8-int8",
    "MXFP4": "mxfp4",
}


def quant_spec(
    qc: object,
    where: str,
    hf_quant: dict | None,
    warnings: list[str],
    expert_dtype: object = None,
    gate_up_fused_last: tuple[int, int, int] | None = None,
) -> QuantSpec | None:
    """The checkpoint's QuantSpec; hf_quant_config.json wins over quantization_config.

    `expert_dtype` is config.json's top-level key of that name (DeepSeek-V4: "fp4" routed
    experts beside fp8-block linears). `gate_up_fused_last`: the last release whose INC loader
    fuses this model's dense gate_proj / up_proj (inc_gate_up_fused_last; None: every one).
    """
    spec = _quant_spec(qc, where, hf_quant, warnings, gate_up_fused_last)
    if expert_dtype is None or (expert_dtype == "fp8" and spec is not None
                                and spec.method == "fp8"):  # fmt: skip
        return spec
    if expert_dtype == "fp4" and spec is not None and spec.scheme == "fp8-block128":
        return spec.model_copy(update={
            "scheme": "fp8-block128-fp4experts",
            "summary": spec.summary + "; routed experts FP4 (e2m1, ue8m0 scale per 32)",
        })  # fmt: skip
    planned = spec.summary if spec is not None else "16-bit weights"
    warnings.append(f"expert_dtype {expert_dtype!r} not understood here: planned as {planned}")
    return spec


def _quant_spec(
    qc: object, where: str, hf_quant: dict | None, warnings: list[str],
    gate_up_fused_last: tuple[int, int, int] | None,
) -> QuantSpec | None:
    if hf_quant is not None:
        return _modelopt(hf_quant, "hf_quant_config.json", warnings)
    if qc is None:
        return None
    if not isinstance(qc, dict):
        raise ConfigError(f"config.json: {where} must be an object")
    method = qc.get("quant_method")
    if not isinstance(method, str):
        raise ConfigError(f"config.json: {where}.quant_method is missing or not a string")
    method = vllm_method_name(method)
    if method not in READ_METHODS:
        warnings.append(f"{where}.quant_method {method!r} not understood: planned as 16-bit "
                        "weights")
        return None
    if method in INC_METHODS or method in INC_UNKNOWN_NAMES:
        return _inc(qc, where, method, warnings, gate_up_fused_last)
    if method == "modelopt":
        return _modelopt(qc, f"config.json: {where}", warnings)
    spec = _method_spec(qc, where, method, warnings)
    if spec is None:
        return None
    key, listed = _exclusions(qc, method, where, warnings)
    whole, alone = _kept_alone(listed)
    older = (ReleaseExclusions(until=FP8_MODULES_TO_NOT_CONVERT_FROM, key="ignored_layers"),) \
        if method == "fp8" and key == "modules_to_not_convert" else ()
    return spec.model_copy(update={"excluded_key": key, "older_exclusions": older,
                                   "excluded_modules": whole + spec.excluded_modules,
                                   "module_schemes": spec.module_schemes + alone})


def _method_spec(qc: dict, where: str, method: str, warnings: list[str]) -> QuantSpec | None:
    """The QuantSpec of a method quant_spec reads an EXCLUSION_KEYS list for, before its list
    (torchao's FP8 already keeps the routed experts 16-bit)."""
    if method == "w4afp8":
        return _w4afp8(qc, where, warnings)
    if method == "fp8":
        return _fp8(qc, where, warnings)
    if method in ("gptq", "awq", "gptq_marlin", "awq_marlin"):
        return _gptq_awq(qc, where, method)
    if method == "compressed-tensors":
        return _compressed(qc, where, warnings)
    if method == "mxfp4":
        return QuantSpec(method="mxfp4", scheme="mxfp4", weight_bits=4,
                         group_size=OCP_MX_GROUP_SIZE,
                         summary="MXFP4 (e2m1, one e8m0 scale per 32) MoE experts")  # fmt: skip
    if method == "bitsandbytes":
        return _bnb(qc)
    if method == "torchao":
        return _torchao(qc, where, warnings)
    if method == "quark":
        return _quark(qc, where, warnings)
    # fbgemm_fp8, the last of READ_METHODS
    _fbgemm_keys(qc, where, warnings)
    return QuantSpec(method=method, scheme="fp8-channel", weight_bits=8,
                     summary="FP8 per-channel (fbgemm)")  # fmt: skip


FBGEMM_KEYS = {"modules_to_not_convert": "give [] where no module stays 16-bit",
               "activation_scale_ub": "give the checkpoint's activation scale upper bound"}
"""The keys vLLM's FBGEMMFp8Config needs, with what _fbgemm_keys says to give for each.

NOTE: FBGEMMFp8Config.from_config reads them with get_from_keys, no default, in this order
(quantization/fbgemm_fp8.py, every wheel 0.9.1-0.34.0 read); a missing one raises base_config.py's
ValueError "Cannot find any of [key] in the model's quantization config.". __init__ takes a
falsy modules_to_not_convert as []."""


def _fbgemm_keys(qc: dict, where: str, warnings: list[str]) -> None:
    """Refuse, in vLLM's words, an fbgemm_fp8 config without a key FBGEMM_KEYS names (the first
    missing, as vLLM reads them), or with an activation_scale_ub torch cannot make a tensor of;
    warn of one that is not one positive number. These were planned as a fitting FP8 checkpoint."""
    key = next((k for k in FBGEMM_KEYS if k not in qc), None)
    if key is not None:
        raise ConfigError(f"config.json: {where}.{key} is missing, which vLLM's FBGEMMFp8Config "
                          f"needs (\"Cannot find any of ['{key}'] in the model's quantization "
                          f"config.\"): {FBGEMM_KEYS[key]}.")
    bound = qc["activation_scale_ub"]
    numbers = _tensor_numbers(bound)
    if numbers is None:
        # NOTE: FBGEMMFp8LinearMethod.create_weights builds every FP8 linear layer's
        # torch.tensor(quant_config.input_scale_ub, dtype=torch.float32) (fbgemm_fp8.py, 0.9.1,
        # 0.19.0, 0.34.0 wheels; from_config passes the value as read): torch raises TypeError
        # for None ("must be real number, not NoneType"), a string or an object, the same (or
        # ValueError) for an array holding one, and OverflowError for an integer past float's.
        kind = ("an array holding other values than numbers" if isinstance(bound, list)
                else "an integer too large for a float" if isinstance(bound, int)
                else json_kind(bound))
        raise ConfigError(f"config.json: {where}.activation_scale_ub is {kind}: vLLM's "
                          "FBGEMMFp8 layers make a float32 tensor of it (torch.tensor raises) "
                          f"and stop; {FBGEMM_KEYS['activation_scale_ub']}.")
    if len(numbers) != 1 or not numbers[0] > 0:
        # NOTE: the 0.9.1 and 0.11.0-0.14.0 wheels' FBGEMMFp8LinearMethod.apply pass the tensor
        # as input_scale_ub to the per-token FP8 quantization, which caps each token's
        # activation maximum at it (input_quant_fp8.py from 0.11.0: x_max.clamp(max=scale_ub)
        # after `assert scale_ub.numel() == 1`); 0.15.0-0.34.0 build it and never read it.
        warnings.append(f"{where}.activation_scale_ub = {json.dumps(bound)} is not one positive "
                        "number: vLLM 0.9.1-0.14.0 cap each token's FP8 activation scale at it "
                        "(a bound of 0 or less, or NaN, corrupts every activation; from 0.11.0 "
                        "an array of other than one number fails an assertion at the first "
                        "forward pass), 0.15.0 on never read it")


def _tensor_numbers(value: object) -> list[float] | None:
    """The numbers torch.tensor(value, dtype=torch.float32) holds (a JSON number, true/false
    as 1/0, or an array of them, nested or not), flattened; None where an entry is no number
    (null, a string, an object) or an integer too large for a float, which torch raises for.
    Arrays of uneven lengths are not told apart (torch refuses most)."""
    if isinstance(value, list):
        entries = [_tensor_numbers(v) for v in value]
        return None if None in entries else [n for e in entries for n in e]
    if not isinstance(value, int | float):
        return None
    try:
        return [float(value)]
    except OverflowError:
        return None


EXCLUSION_KEYS: dict[str, tuple[str, ...]] = {
    "fp8": ("ignored_layers", "modules_to_not_convert"),
    "w4afp8": ("ignored_layers", "modules_to_not_convert"),
    "fbgemm_fp8": ("modules_to_not_convert",),
    "awq": ("modules_to_not_convert",),
    "awq_marlin": ("modules_to_not_convert",),
    "gptq": (),
    "gptq_marlin": (),
    "compressed-tensors": ("ignore",),
    "mxfp4": (),
    "bitsandbytes": ("llm_int8_skip_modules",),
    "torchao": ("modules_to_not_convert",),
    "quark": ("exclude",),
}
"""The quantization_config keys the newest vLLM release read takes a method's exclusion list
(the modules it keeps 16-bit) from, the first that is not empty; () none. ModelOpt's are
_modelopt's, AutoRound's (extra_config) _inc's.

NOTE: the from_config of each method's config class in the wheels 0.9.1, 0.9.2, 0.10.0-0.10.2,
0.11.0-0.34.0 (quantization/*.py): Fp8Config get_from_keys_or(["ignored_layers"]), from 0.10.1
`if not ignored_layers:` get_from_keys_or(["modules_to_not_convert"]) (0.9.1-0.10.0: ignored_layers
only, FP8_MODULES_TO_NOT_CONVERT_FROM), never "ignore"; W4AFP8Config (0.34.0) the same;
FBGEMMFp8Config get_from_keys(["modules_to_not_convert"]) in every wheel; AWQConfig /
AWQMarlinConfig (0.9.1-0.23.0) and AutoAWQConfig (0.24.0-0.34.0)
get_from_keys_or(["modules_to_not_convert"]); GPTQConfig / GPTQMarlinConfig / AutoGPTQConfig read
no list (bits, group_size, desc_act, sym, lm_head, dynamic: gptq_dynamic's "-:" rules keep modules
16-bit); CompressedTensorsConfig config.get("ignore", []) in every wheel; Mxfp4Config.from_config
is `return cls()` in every wheel that has it (0.10.1-0.34.0): no list, every linear layer
unquantized and every routed expert MXFP4 whatever the config names; BitsAndBytesConfig
get_safe_value(["llm_int8_skip_modules"]) (0.9.1-0.27.0; the 0.28.0 wheel drops the method);
TorchAOConfig config.get("modules_to_not_convert") (0.9.2-0.34.0); QuarkConfig
quant_config.get("exclude") (0.9.1-0.34.0)."""
FP8_MODULES_TO_NOT_CONVERT_FROM = (0, 10, 1)
"""The first release whose Fp8Config reads modules_to_not_convert (EXCLUSION_KEYS' NOTE)."""
_LIST_KEYS = ("ignored_layers", "modules_to_not_convert", "ignore")
"""The exclusion-list keys quantizers write that some method's loader does not read: said
where a config gives one its loader ignores (_exclusions)."""


def _exclusions(qc: dict, method: str, where: str, warnings: list[str]
                ) -> tuple[str | None, tuple[str, ...]]:
    """(key, modules) of the exclusion list `method`'s loader reads (EXCLUSION_KEYS), with a
    warning for each _LIST_KEYS list it does not read (MXFP4's aside: it keeps every linear
    16-bit whatever its list)."""
    keys = EXCLUSION_KEYS[method]
    key = next((k for k in keys if qc.get(k)), None)
    unread = [k for k in _LIST_KEYS if k not in keys and qc.get(k)]
    if method != "mxfp4":
        reads = " else ".join(keys) if keys else "no exclusion list"
        warnings.extend(f"{where}.{k}: vLLM's {method} loader does not read it (it reads "
                        f"{reads}): the modules it names are planned in the checkpoint's format, "
                        "as vLLM builds them" for k in unread)
    return key, _names(qc[key], where) if key else ()


def unread_method(qc: object, hf_quant: dict | None, quant: QuantSpec | None = None
                  ) -> str | None:
    """quantization_config's quant_method (lower-cased) where Headroom reads no format from
    it and plans 16-bit weights (quant_spec's warning), else None (ModelSpec.unread_quant_method;
    quant_method.unknown_quant_errors). torchao and quark are read, but only some of their formats:
    `quant` None (quant_spec's) is one not understood."""
    method = qc.get("quant_method") if hf_quant is None and isinstance(qc, dict) else None
    method = vllm_method_name(method) if isinstance(method, str) else None
    if method in SOME_FORMATS_READ and quant is None:
        return method
    return None if method in READ_METHODS else method


def vllm_method_name(quant_method: str) -> str:
    """A quant_method as vLLM reads it: lower-cased, "compressed_tensors" as
    "compressed-tensors".

    NOTE: config/model.py ModelConfig._verify_quantization ("Normalize library names"; 0.9.1-0.13.0
    wheels) and, from 0.14.0, transformers_utils/model_arch_config_convertor.py
    _normalize_quantization_config (0.14.0, 0.28.0 and 0.34.0 wheels), before any override or the
    QuantizationMethods check."""
    return quant_method.lower().replace("compressed_tensors", "compressed-tensors")


def _names(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"config.json: {where} module lists must be lists of strings")
    return tuple(value)


def _int_field(qc: dict, key: str, where: str, default: int | None) -> int | None:
    value = qc.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}.{key} must be an integer, got {value!r}")
    if not -1 <= value <= 1 << 20:
        raise ConfigError(f"{where}.{key} must be an integer from -1 to {1 << 20:,}, got "
                          f"{value:,}")
    return value


def _block_pair(block: object) -> bool:
    """Whether an FP8 weight block is a list of two positive ints (weight_block_size, or an
    AutoRound FP8 export's 2-D group_size)."""
    return isinstance(block, list) and len(block) == 2 and all(
        isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in block)


FP8_ACTIVATION_SCHEMES = ("static", "dynamic")
"""NOTE: vLLM's Fp8Config.ACTIVATION_SCHEMES (quantization/fp8.py, the same in the 0.9.1,
0.10.2, 0.11.0, 0.15.0, 0.19.0, 0.24.0, 0.29.0, 0.33.0 and 0.34.0 wheels)."""


def _fp8(qc: dict, where: str, warnings: list[str]) -> QuantSpec:
    block = qc.get("weight_block_size")
    if block is not None:
        _checked_block(block, where, warnings)
    _fp8_activation_scheme(qc, where, block is not None)
    if block is None:
        summary = "FP8 e4m3, per-tensor scales"
        return QuantSpec(method="fp8", scheme="fp8-tensor", weight_bits=8,
                         summary=summary)  # fmt: skip
    return QuantSpec(method="fp8", scheme="fp8-block128", weight_bits=8,
                     block_size=(block[0], block[1]),
                     summary=f"FP8 e4m3, {block[0]}x{block[1]} block scales")  # fmt: skip


def _fp8_activation_scheme(qc: dict, where: str, blocks: bool) -> None:
    """Refuse, in vLLM's words, an activation_scheme Fp8Config cannot load: absent
    (from_config's get_from_keys: "Cannot find any of ['activation_scheme'] ..."), not one of
    FP8_ACTIVATION_SCHEMES (null included: __init__'s "Unsupported activation scheme ..."), or
    "static" with weight blocks (__init__: "The block-wise quantization only supports dynamic
    activation scheme ..."). quantization/fp8.py and base_config.py, the wheels
    FP8_ACTIVATION_SCHEMES names. These were planned as a fitting FP8 checkpoint."""
    at = f"config.json: {where}.activation_scheme"
    if "activation_scheme" not in qc:
        raise ConfigError(f"{at} is missing, which vLLM's Fp8Config needs (\"Cannot find any "
                          "of ['activation_scheme'] in the model's quantization config.\"): "
                          "give \"dynamic\" or \"static\".")
    scheme = qc["activation_scheme"]
    if scheme not in FP8_ACTIVATION_SCHEMES:
        raise ConfigError(f"{at} {scheme!r}: vLLM's Fp8Config stops at load (\"Unsupported "
                          f"activation scheme {scheme}\"): it takes \"dynamic\" or \"static\".")
    if blocks and scheme != "dynamic":
        raise ConfigError(f"{at} \"static\" with weight_block_size: vLLM's Fp8Config stops at "
                          "load (\"The block-wise quantization only supports dynamic activation "
                          "scheme for now, but got static activation scheme.\").")


def _checked_block(block: object, where: str, warnings: list[str]) -> None:
    """An FP8 weight_block_size Fp8Config reads: two positive ints, else refused; planned with
    the 128x128 block-scale overhead, said where it is another size."""
    if not _block_pair(block):
        raise ConfigError(f"config.json: {where}.weight_block_size must be two positive ints")
    if block != [128, 128]:
        warnings.append(f"fp8 block {block} planned with the 128x128 block-scale overhead")


W4AFP8_GROUP = 128
"""The one expert group size vLLM's W4A8 FP8 MoE takes (w4afp8.w4afp8_errors)."""
W4AFP8_SCHEME = "fp8-block128-int4experts"
"""The scheme of quant_method "w4afp8" (_w4afp8), which vLLM loads with that method
(W4AFP8Config) whether stored or a what-if (quant_method.loading_method, capability_errors)."""


def _w4afp8(qc: dict, where: str, warnings: list[str]) -> QuantSpec:
    """quant_method "w4afp8": routed experts INT4 in groups (FP8 activations), the other
    linears FP8 in 128 x 128 blocks (scheme fp8-block128-int4experts).

    NOTE: vLLM 0.34.0 quantization/w4afp8.py W4AFP8Config.from_config (the method is absent
    from the 0.33.0 wheel: vllm_versions.W4AFP8_FROM) reads group_size (default 128),
    ignored_layers, else modules_to_not_convert (not "ignore"), and weight_block_size (default
    [128, 128]; an explicit null leaves per-tensor FP8 linears), with activation_scheme
    "dynamic" whatever the config says; Fp8Config.__init__ raises "The quantization block size
    of weight must have 2 dimensions, but got N dimensions" for another length. get_quant_method
    gives each RoutedExperts layer it does not skip CompressedTensorsW4A8Fp8MoEMethod (4-bit
    symmetric int weights, group_size as read, which its __init__ asserts is 128:
    w4afp8.w4afp8_errors) and every other layer Fp8Config's method."""
    group = _int_field(qc, "group_size", f"config.json: {where}", W4AFP8_GROUP)
    block = qc.get("weight_block_size", [128, 128])
    if isinstance(block, list) and len(block) != 2:
        raise ConfigError(f"config.json: {where}.weight_block_size: vLLM's Fp8Config stops at "
                          "load (\"The quantization block size of weight must have 2 dimensions, "
                          f"but got {len(block)} dimensions\")")
    if block is None:
        warnings.append("w4afp8 with weight_block_size null: per-tensor FP8 linears, planned "
                        "with the 128x128 block-scale overhead")
    else:
        _checked_block(block, where, warnings)
    shown = "per-tensor scales" if block is None else f"{block[0]}x{block[1]} block scales"
    return QuantSpec(method="w4afp8", scheme=W4AFP8_SCHEME, weight_bits=4,
                     group_size=group, block_size=None if block is None else tuple(block),
                     symmetric=True,
                     summary=f"W4AFP8: routed experts int4, group {group}, FP8 activations; "
                             f"FP8 e4m3 linears, {shown}")  # fmt: skip


AWQ_KEYS = {"bits": ("w_bit", "bits"), "group_size": ("q_group_size", "group_size"),
            "zero_point": ("zero_point",)}
"""NOTE: the keys vLLM's AWQ config reads each field from, first found first
(QuantizationConfig.get_from_keys: the first key present, else ValueError "Cannot find any of
[keys] in the model's quantization config."): awq.py AWQConfig.from_config (0.9.1-0.23.0 wheels)
and auto_awq.py AutoAWQConfig.from_config (0.24.0-0.34.0), get_from_keys(config, ["w_bit",
"bits"]), (config, ["q_group_size", "group_size"]) and (config, ["zero_point"]), no default in
any release. AutoAWQ's older exports write w_bit / q_group_size."""

GPTQ_KEYS = {"bits": ("bits",), "group_size": ("group_size",), "desc_act": ("desc_act",)}
"""NOTE: the keys vLLM's GPTQ config reads with get_from_keys, no default, in this order:
gptq.py GPTQConfig.from_config (0.9.1-0.21.0 wheels, every one read), gptq_marlin.py
GPTQMarlinConfig.from_config (0.9.1, 0.19.0, 0.21.0; then sym) and auto_gptq.py
AutoGPTQConfig.from_config (0.22.0-0.34.0, every one read; then sym, wna16_loaders.gptq_sym_errors).
Up to 0.21 the overrides that could take a "gptq" config first, gptq_marlin.py
is_gptq_marlin_compatible (0.9.1, 0.14.0, 0.19.0, 0.21.0 read) and gptq_bitblas.py
is_gptq_bitblas_compatible (0.9.1, 0.15.1 read; absent from 0.16.0), read bits, group_size,
sym and desc_act with .get and return False where one is None, which leaves it on GPTQConfig:
a config without one is refused in every release."""

_KEYS = {"awq": (AWQ_KEYS, "AWQConfig / AutoAWQConfig"),
         "gptq": (GPTQ_KEYS, "GPTQConfig / AutoGPTQConfig")}


def _config_key(qc: dict, method: str, field: str, where: str) -> str:
    """The key `method`'s vLLM config reads `field` from (AWQ_KEYS, GPTQ_KEYS); a checkpoint
    with none of them is refused in vLLM's words."""
    keys, loaders = _KEYS[method][0][field], _KEYS[method][1]
    found = next((key for key in keys if key in qc), None)
    if found is None:
        raise ConfigError(f"config.json: {where} has no {field}: vLLM's {method.upper()} loader "
                          f"stops at load (\"Cannot find any of {list(keys)} in the model's "
                          f"quantization config.\", {loaders}.from_config in every release)")
    return found


def _awq_bits_refusal(bits: int, at: str) -> str:
    """Why no vLLM release loads AWQ weights of `bits` other than 4, in its words.

    NOTE: quant_method "awq" up to 0.23.0 is awq.py AWQConfig, whose __init__ raises
    "Currently, only 4-bit weight quantization is supported for AWQ, but got {bits} bits."
    (0.9.1, 0.19.0, 0.23.0 wheels). No override takes it first: awq_marlin.py
    is_awq_marlin_compatible needs bits in AWQMarlinConfig.TYPE_MAP ({4: uint4, 8: uint8} to
    0.11.2, {4: uint4} from 0.12.0) and check_marlin_supported, whose
    query_marlin_supported_quant_types lists uint4 only with zero points and uint4b8 / uint8b128
    without (0.9.1, 0.11.2); moe_wna16.py is_moe_wna16_compatible takes AWQ at bits 4 only
    (0.19.0). From 0.24.0 "awq" (and "awq_marlin") is auto_awq.py AutoAWQConfig on every GPU,
    whose __init__ raises "Unsupported num_bits = {bits}. Supported: 4. For 8-bit AWQ, use
    Marlin backend by setting backend='awq:marlin' or backend='marlin'." before any layer is
    built (0.24.0-0.34.0 wheels, every one read), so AutoAWQMoEMethod's own "only supports 4bit"
    is never reached; that backend key is AutoRound's (inc.py INCConfig.SUPPORTED_BACKENDS),
    which AutoAWQConfig does not read. quant_method "awq_marlin" up to 0.23.0 is refused by
    AWQMarlinConfig.__init__ in its own words (verify_marlin_supported to 0.11.2, "Unsupported
    num_bits" from 0.12.0)."""
    return (f"{at} = {bits}: vLLM's AWQ loaders take 4-bit weights only and stop at load "
            "(awq.py AWQConfig, 0.9.1-0.23.0: \"Currently, only 4-bit weight quantization is "
            f"supported for AWQ, but got {bits} bits.\"; auto_awq.py AutoAWQConfig, 0.24.0 on: "
            f"\"Unsupported num_bits = {bits}. Supported: 4. For 8-bit AWQ, use Marlin backend "
            "by setting backend='awq:marlin' or backend='marlin'.\", a key of AutoRound "
            "checkpoints that AutoAWQConfig does not read)")


def _gptq_bits_refusal(qc: dict, bits: int, at: str, named: str) -> str:
    """What vLLM does with GPTQ weights of `bits` other than 4 or 8, per release, in its words;
    Headroom plans none of them (2 / 3 bits load up to 0.21 only, on kernels it does not model).

    NOTE: quant_method "gptq" up to 0.21.0 stays on gptq.py GPTQConfig for these bits: the
    overrides that could take it first, gptq_marlin.py is_gptq_marlin_compatible (0.9.1,
    0.21.0) and gptq_bitblas.py is_gptq_bitblas_compatible (0.9.1; gone from 0.16.0), need
    (bits, sym) in TYPE_MAP {(4, True), (8, True)}. GPTQConfig.__init__ takes weight_bits in
    [2, 3, 4, 8] and otherwise raises "Currently, only 2/3/4/8-bit weight quantization is
    supported for GPTQ, but got {bits} bits." (every wheel 0.9.1-0.21.0 read); it takes
    [torch.half] only (get_supported_act_dtypes) and runs the exllama / gptq_gemm kernels
    (ops.gptq_shuffle / gptq_gemm with weight_bits). From 0.22.0 "gptq" is auto_gptq.py
    AutoGPTQConfig on every GPU: from_config reads get_from_keys(config, ["sym"]) ("Cannot find
    any of ['sym'] in the model's quantization config." without it) and __init__ raises
    "Unsupported quantization config: bits={bits}, sym={sym}" for (bits, sym) outside TYPE_MAP
    {(4, True), (8, True)} (every wheel 0.22.0-0.34.0 read). quant_method "gptq_marlin" is
    gptq_marlin.py GPTQMarlinConfig up to 0.21.0 (no override claims it: is_gptq_marlin_compatible
    wants quant_method "gptq"), whose from_config and __init__ read and raise as AutoGPTQConfig's
    (0.9.1, 0.21.0 read), and AutoGPTQConfig from 0.22.0 (the registry maps it there)."""
    auto = f"\"Unsupported quantization config: bits={bits}, sym={qc['sym']}\"" if "sym" in qc \
        else "\"Cannot find any of ['sym'] in the model's quantization config.\""
    if named == "gptq_marlin":
        return (f"{at} = {bits}: quant_method gptq_marlin takes 4 or 8 bits and stops at load "
                f"in every release (gptq_marlin.py GPTQMarlinConfig, 0.9.1-0.21.0, and "
                f"auto_gptq.py AutoGPTQConfig, 0.22.0 on: {auto})")
    if bits in (2, 3):
        return (f"{at} = {bits}: Headroom does not plan 2- or 3-bit GPTQ weights. vLLM "
                "0.9.1-0.21.0 loads them on gptq.py GPTQConfig's own kernels (float16 only), "
                f"whose bytes and limits are not modelled; 0.22.0 on stops at load (auto_gptq.py "
                f"AutoGPTQConfig: {auto})")
    return (f"{at} = {bits}: vLLM's GPTQ loaders take 2, 3, 4 or 8 bits up to 0.21.0 and 4 or "
            "8 from 0.22.0, and stop at load (gptq.py GPTQConfig, 0.9.1-0.21.0: \"Currently, "
            f"only 2/3/4/8-bit weight quantization is supported for GPTQ, but got {bits} "
            f"bits.\"; auto_gptq.py AutoGPTQConfig, 0.22.0 on: {auto})")


def _gptq_awq(qc: dict, where: str, named: str) -> QuantSpec:
    method = named.removesuffix("_marlin")
    awq = method == "awq"
    bits_key = _config_key(qc, method, "bits", where)
    group_key = _config_key(qc, method, "group_size", where)
    zero_point = qc[_config_key(qc, "awq", "zero_point", where)] if awq else None
    if not awq:
        _config_key(qc, "gptq", "desc_act", where)
    bits = _int_field(qc, bits_key, f"config.json: {where}", None)
    group = _int_field(qc, group_key, f"config.json: {where}", None)
    # None or 0: AutoAWQConfig.__init__ stops at 32 // bits before its own check
    if awq and bits is not None and bits > 0 and bits != 4:
        raise ConfigError(_awq_bits_refusal(bits, f"config.json: {where}.{bits_key}"))
    if not awq and bits is not None and bits > 0 and bits not in (4, 8):
        raise ConfigError(_gptq_bits_refusal(qc, bits, f"config.json: {where}.{bits_key}",
                                                 named))
    if bits not in (4, 8):
        raise ConfigError(f"config.json: {where}.{bits_key} = {json.dumps(bits)} is not 4 or 8")
    if group is None or not (group == -1 or group > 0):
        raise ConfigError(f"config.json: {where}.{group_key} = {json.dumps(group)} is not a "
                          "group size (a positive number of input weights, or -1 for one "
                          "scale per output channel)")
    tag = "gchannel" if group == -1 else f"g{group}"
    scheme = f"w{bits}a16-{method}-{tag}"
    sym = "sym" if qc.get("sym", zero_point is False) else "asym"
    summary = f"{method.upper()} int{bits}, group {group if group != -1 else 'per-channel'}, {sym}"
    # vLLM's GPTQ config turns desc_act off for group -1 (auto_gptq.py __init__); AWQ has none.
    # vLLM reads desc_act as Python truth (`if desc_act and group_size == -1`, `if desc_act:
    # raise` in gptq_utils.py from 0.30.0; `if self.quant_config.desc_act` before): "x" or 1
    # is act-order, as true is
    act_order = method == "gptq" and bool(qc.get("desc_act")) and group != -1
    rule = _act_order_rule(qc.get("dynamic"), qc.get("desc_act"), group, where) \
        if method == "gptq" else None
    # AWQ: zero_point false stores no zero points; GPTQ: sym as stored
    # (wna16_loaders.marlin_keys_miss)
    held = (not zero_point if isinstance(zero_point, bool) else None) if awq else qc.get("sym")
    return QuantSpec(method=method, scheme=scheme, weight_bits=bits,
                     group_size=None if group == -1 else group, act_order=act_order,
                     act_order_rule=rule, summary=summary,
                     symmetric=held if isinstance(held, bool) else None,
                     sym_null=not awq and "sym" in qc and qc["sym"] is None,
                     desc_act_null=not awq and qc["desc_act"] is None,
                     marlin_named=named in ("gptq_marlin", "awq_marlin"),
                     # vLLM 0.10.2 reads it as GPTQConfig.autoround_version, its truth deciding
                     # (qwen3_moe.py _maybe_ignore_quant_config: `not ...autoround_version`)
                     autoround_gptq=not awq and bool(qc.get("autoround_version")),
                     awq_old_keys=awq and (bits_key, group_key) != ("bits", "group_size"),
                     awq_marlin_missing=next((key for key in ("bits", "group_size")
                                              if awq and key not in qc), None))


def _act_order_rule(dynamic: object, desc_act: object, group: int, where: str) -> str | None:
    """The first GPTQModel `dynamic` rule that turns group act-order on for its modules.

    NOTE: utils/gptq_utils.py normalize_and_validate_gptq_desc_act (0.30.0-0.34.0 wheels;
    absent from 0.29.0), called by AutoGPTQConfig.__init__, skips rules whose pattern starts
    with "-:" (a negative match: those modules are not quantized) or whose value is not a
    mapping, and raises ValueError for the first other rule whose desc_act (default: the
    checkpoint's) is truthy with a group_size (default: the checkpoint's) other than -1, so a
    rule giving a desc_act checkpoint's per-channel modules a group counts as well.
    A `dynamic` that is no object, or a positive rule whose value is none, is refused: the
    GPTQ configs iterate `dynamic.items()` (gptq.py, gptq_marlin.py from_config / __init__,
    0.19.0; auto_gptq.py 0.33.0, 0.34.0) and utils/gptq_utils.py get_dynamic_override calls
    `pattern_dict.get(key, ...)` on the rule of each module a positive pattern matches
    (AttributeError; the same function in the 0.19.0, 0.33.0 and 0.34.0 wheels). A null `dynamic`
    is read as {} (from_config). A rule whose pattern matches no module is never read there,
    but normalize_and_validate_gptq_desc_act reads every rule whatever it matches. A pattern
    that is no regular expression is refused: get_linear_quant_method (gptq_utils.py, 0.19.0,
    0.24.0, 0.29.0, 0.33.0 and 0.34.0 wheels) asks get_dynamic_override for each quantized linear
    layer, which tries the rules in order with `regex.match(pattern, layer name)` (the regex
    package, re's syntax and more; checked here with it: exclusion_match.vllm_pattern_error)
    and raises regex.error at the first layer no earlier rule matches."""
    if dynamic is None:
        return None
    if not isinstance(dynamic, dict):
        raise ConfigError(f"config.json: {where}.dynamic must map module patterns to objects, "
                          f"got {dynamic!r}")
    for pattern, rule in dynamic.items():
        if (error := vllm_pattern_error(_dynamic_regex(pattern)[1])) is not None:
            raise ConfigError(f"config.json: {where}.dynamic[{pattern!r}] is not a regular "
                              f"expression ({error}): vLLM matches each quantized layer's name "
                              "against it and stops at load")
        if not pattern.startswith("-:") and not isinstance(rule, dict):
            raise ConfigError(f"config.json: {where}.dynamic[{pattern!r}] must be an object of "
                              f"overrides, got {rule!r} (vLLM reads its fields for each module "
                              "the pattern matches and stops at load; one matching no module "
                              "is never read, but Headroom refuses one whatever it matches)")
    return next((pattern for pattern, rule in dynamic.items()
                 if not pattern.startswith("-:") and rule.get("desc_act", desc_act)
                 and rule.get("group_size", group) != -1), None)


def _dynamic_regex(pattern: str) -> tuple[bool, str]:
    """A `dynamic` key as get_dynamic_override reads it (utils/gptq_utils.py, 0.19.0, 0.33.0, 0.34.0
    wheels): whether it is negative ("-:"), and the regular expression left once that prefix,
    or else one "+:", is removed; nothing more ("-:+:x" matches with "+:x")."""
    if pattern.startswith("-:"):
        return True, pattern.removeprefix("-:")
    return False, pattern.removeprefix("+:")


def _dynamic_rule(dynamic: dict, prefix: str) -> dict | bool | None:
    """get_dynamic_override(config, prefix) without a key: False for the first rule matching the
    layer's prefix being negative ("-:"), that rule's overrides for a positive one, None where
    none matches (exclusion_match.vllm_matches: anchored at the prefix's start, not its end)."""
    for pattern, rule in dynamic.items():
        negative, regex = _dynamic_regex(pattern)
        if vllm_matches(regex, prefix):
            return False if negative else rule
    return None


def _dynamic_value(rule: dict, key: str, kind: type, default: object) -> object:
    """override_config's reading of one key: the rule's value where it is a `kind` (bool for
    sym; int, true / false included, for bits and group_size), else the checkpoint's."""
    value = rule.get(key, default)
    return value if isinstance(value, kind) else default


def gptq_dynamic(quant: QuantSpec | None, qc: object, layers: list[LayerSpec],
                 model_type: str | None, where: str, warnings: list[str]) -> QuantSpec | None:
    """`quant` with what a GPTQModel checkpoint's `dynamic` rules do to its layers as vLLM's
    GPTQ loader builds them: a "-:" rule's layers kept 16-bit (excluded_modules, or one
    projection of its component: _kept_alone; a MoE gate too, which vLLM asks where the model
    file hands it the GPTQ config: stored_gate.gptq_gate_errors), a positive rule's in their own
    bits and group (module_schemes, GPTQ keys), and the first layer of each such format in
    dynamic_entries (wna16_kernels.gptq_dynamic_errors refuses those Marlin does not take).
    `model_type`: the text model's vLLM type; None for a multimodal wrapper, whose text layers'
    prefixes are not read (its rules are noted, not applied).

    NOTE: utils/gptq_utils.py (0.19.0, 0.24.0, 0.29.0, 0.33.0, 0.34.0 wheels):
    get_linear_quant_method asks get_dynamic_override for each LinearBase layer's full prefix, the
    fused one for qkv_proj / gate_up_proj (its shards are not asked: a rule naming 'q_proj' alone
    matches nothing there); a negative match builds UnquantizedLinearMethod, a positive one
    override_config: bits and group_size where the rule's value is an int, desc_act and sym where a
    bool, each else the checkpoint's. The routed experts take the same rules by their FusedMoE
    layer's prefix ('model.layers.3.mlp.experts'), not per expert:
    get_moe_quant_method (gptq_marlin.py 0.19.0-0.21.0, auto_gptq.py 0.22.0-0.34.0) builds
    UnquantizedFusedMoEMethod for a negative match and override_config's bits for a positive
    one. Not modelled here: the experts of a layer Marlin MoE does not take go to MoeWNA16,
    which reads no `dynamic` (moe_wna16.py from_config: the checkpoint's bits and group), as
    do every MoE layer's on 0.19-0.21's non-Marlin GPTQConfig; lm_head (a ParallelLMHead is
    asked only with lm_head true, which Headroom plans 16-bit anyway). The format is the one
    vLLM's GPTQ configs document in __init__ (gptq.py, gptq_marlin.py, auto_gptq.py):
    {"+:pattern" or "pattern": {"bits": 8, "group_size": 64, ...}, "-:pattern": {}}."""
    dynamic = qc.get("dynamic") if isinstance(qc, dict) else None
    if quant is None or quant.method != "gptq" or not dynamic:
        return quant
    if model_type is None:
        warnings.append(f"{where}.dynamic: vLLM matches the rules against this multimodal "
                        "model's text layers under its wrapper's prefix, not read here: planned "
                        "in the checkpoint's format throughout")
        return quant
    sym = qc.get("sym", True)
    base = (quant.weight_bits, -1 if quant.group_size is None else quant.group_size,
            sym if isinstance(sym, bool) else True)
    kept: list[str] = []
    own: list[ModuleFormat] = []
    entries: dict[tuple, IncEntry] = {}
    unplanned: list[str] = []
    unmatched: set[str] = set()
    for layer in layers:
        if layer.mixer is not None and not isinstance(layer.mixer, AttentionMixer):
            unmatched.add(type(layer.mixer).__name__)
        if isinstance(layer.mlp, DenseMlp) and not layer.mlp.gated:
            unmatched.add("ungated MLP")
        for prefix, names, component in layer_prefixes(layer, model_type):
            rule = _dynamic_rule(dynamic, prefix)
            if rule is False:
                kept.extend(names)
            if not isinstance(rule, dict):
                continue
            bits, group, rule_sym = (_dynamic_value(rule, "bits", int, base[0]),
                                     _dynamic_value(rule, "group_size", int, base[1]),
                                     _dynamic_value(rule, "sym", bool, base[2]))
            if (bits, group, rule_sym) == base:
                continue
            entries.setdefault((bits, group, rule_sym, component == "experts"), IncEntry(
                module=prefix, bits=bits, group_size=group, sym=rule_sym))
            if (bits, group) == base[:2]:
                continue  # another sym alone packs the same bytes
            if _planned_int(bits, group, "gptq"):
                own.extend(ModuleFormat(module=name, algo=f"int{bits} g{group}",
                                        scheme=_inc_key(bits, group, "gptq")) for name in names)
            else:
                unplanned.append(prefix)
        router = router_prefix(layer, model_type)
        if router is not None and _dynamic_rule(dynamic, router.prefix) is False:
            kept.extend(router.names)
    if unplanned:
        warnings.append(f"{where}.dynamic gives {len(unplanned)} layers bits or groups not "
                        f"planned here ({unplanned[0]}, ...): planned at int{base[0]}, group "
                        f"{base[1]}")
    if unmatched:
        warnings.append(f"{where}.dynamic: rules are matched to softmax attention, gated MLP and "
                        f"MoE layers only; this model's {', '.join(sorted(unmatched))} layers "
                        "are planned in the checkpoint's format")
    whole, alone = _kept_alone(tuple(kept))
    kept_note = f"; {len(kept)} modules kept 16-bit (dynamic)" if kept else ""
    own_note = f"; {len(own)} modules in their own bits/groups (dynamic)" if own else ""
    return quant.model_copy(update={
        "excluded_modules": quant.excluded_modules + whole,
        "module_schemes": quant.module_schemes + alone + tuple(own),
        "dynamic_entries": tuple(entries.values()),
        "summary": quant.summary + kept_note + own_note})


def _compressed(qc: dict, where: str, warnings: list[str]) -> QuantSpec:
    groups = qc.get("config_groups")
    if not isinstance(groups, dict) or not groups:
        raise ConfigError(f"config.json: {where}.config_groups is missing or empty")
    group = next(iter(groups.values()))
    if not isinstance(group, dict) or not isinstance(group.get("weights"), dict):
        raise ConfigError(f"config.json: {where}.config_groups entries need a weights object")
    w, a = group["weights"], group.get("input_activations")
    bits = _int_field(w, "num_bits", f"config.json: {where}.weights", None)
    size = _int_field(w, "group_size", f"config.json: {where}.weights", None)
    wtype, strategy = w.get("type"), w.get("strategy")
    a_bits = a.get("num_bits") if isinstance(a, dict) else None
    kv = qc.get("kv_cache_scheme")
    kv_fp8 = "fp8" if isinstance(kv, dict) and kv.get("num_bits") == 8 else None
    a16 = False
    if wtype == "float" and bits == 4:
        a16 = _ct_nvfp4(w) and a is None
        scheme, summary = "nvfp4", ("NVFP4A16 (e2m1 weights, fp8 scale per 16; 16-bit "
                                    "activations) via compressed-tensors" if a16 else
                                    "NVFP4 (e2m1, fp8 scale per 16) via compressed-tensors")
    elif wtype == "float" and bits == 8:
        scheme = {"block": "fp8-block128", "channel": "fp8-channel"}.get(strategy, "fp8-tensor")
        summary = f"FP8 e4m3 ({strategy or 'tensor'} scales) via compressed-tensors"
    elif wtype == "int" and bits == 8 and a_bits == 8:
        scheme, summary = "w8a8-int8", "INT8 weights and activations (W8A8) via compressed-tensors"
    elif wtype == "int" and bits in (4, 8):
        # compressed-tensors QuantizationArgs.symmetric defaults to true; symmetric checkpoints
        # store no zero points (planner.model.quant "ct" keys), asymmetric ones pack them like GPTQ.
        # compressed-tensors QuantizationArgs: group_size -1 (or none) is per-channel
        symmetric = w.get("symmetric", True) is not False
        channel = size is None or size == -1
        tag = "gchannel" if channel else f"g{size}"
        scheme = f"w{bits}a16-{'ct' if symmetric else 'gptq'}-{tag}"
        summary = (
            f"int{bits} weights, group {'per-channel' if channel else size} (W{bits}A16) "
            "compressed-tensors, "
            + ("symmetric (no zero points)" if symmetric else "asymmetric (zero points)")
        )
    else:
        warnings.append(f"{where}: compressed-tensors {wtype} {bits}-bit not understood")
        scheme, summary = "bf16", "unknown compressed-tensors format"
    if len(groups) > 1:
        warnings.append(f"{where}: {len(groups)} config_groups; planned with the first")
    # compressed_tensors_moe.py is_actorder: group strategy, actorder group or dynamic
    act_order = strategy == "group" and w.get("actorder") in ("group", "dynamic")
    targets, ignore = _ct_targets(groups, where), _names(qc.get("ignore") or [], where)
    _ct_patterns(targets + ignore, where)
    # a ParallelLMHead the targets take is built in the group's scheme (ct_takes_lm_head)
    head = (ModuleFormat(module="lm_head", algo=f"{scheme} (config_groups targets)",
                         scheme=scheme),) if ct_takes_lm_head(targets, ignore) else ()
    return QuantSpec(method="compressed-tensors", scheme=scheme, weight_bits=bits,
                     group_size=size, kv_cache_dtype=kv_fp8, targets=targets,
                     act_order=act_order, weight_only=a16, summary=summary,
                     module_schemes=head)  # fmt: skip


def _ct_targets(groups: dict, where: str) -> tuple[str, ...]:
    """Every config group's targets, in order (QuantSpec.targets): a group whose one target
    names an attention module ('LlamaAttention') left out, as vLLM drops it; () where a group
    gives none (not read: every layer taken as targeted).

    NOTE: CompressedTensorsConfig.from_config skips a group `len(v["targets"]) == 1 and
    v["targets"][0].endswith("Attention")` ("Attention quant is coupled with KV-cache
    quantization"), then _quantization_scheme_map_from_config maps each target of each group
    to its scheme (compressed_tensors.py, 0.19.0 and 0.34.0 wheels)."""
    found: list[str] = []
    for group in groups.values():
        if group.get("targets") is None:
            return ()
        names = _names(group["targets"], f"{where}.config_groups")
        if not (len(names) == 1 and names[0].endswith("Attention")):
            found.extend(names)
    return tuple(found)


def _ct_patterns(entries: tuple[str, ...], where: str) -> None:
    """Refuse a compressed-tensors "re:" target or ignore entry that the regex package vLLM
    matches with cannot compile: its regex.error, no ValueError, stops vLLM building the model
    (exclusion_match.ct_entry_matches, ct_pattern_error)."""
    for entry in entries:
        if (err := ct_pattern_error(entry)) is not None:
            raise ConfigError(f"config.json: {where}: {entry!r} is not a regular expression "
                              f"({err}); vLLM's regex.match stops on it")


def _ct_nvfp4(args: dict) -> bool:
    """Whether compressed-tensors quantization args are NVFP4: strategy tensor_group, float,
    4 bits, group 16, symmetric. Weights so with no input_activations are NVFP4A16
    (QuantSpec.weight_only: FP4 weights x 16-bit activations).

    NOTE: vLLM compressed_tensors.py CompressedTensorsConfig._is_nvfp4_format (0.17.0, 0.25.0,
    0.33.0, 0.34.0 wheels) and _is_fp4a16_nvfp4 (0.9.1, 0.11.0: the same test plus `input_quant is
    None`); QuantizationArgs.symmetric defaults to true (compressed-tensors)."""
    return (args.get("strategy") == "tensor_group" and args.get("type") == "float"
            and args.get("num_bits") == 4 and args.get("group_size") == 16
            and args.get("symmetric", True) is not False)


# NOTE: vLLM's AutoRound / Intel Neural Compressor loader, INCConfig (quantization/inc.py in the
# 0.19.0-0.23.0 wheels, inc/inc.py + inc/config_parser.py in 0.24.0-0.30.0, 0.32.0-0.34.0):
# override_quantization_method turns quant_method "auto-round" into "inc", the method's own
# name; from_config reads bits, group_size and sym (get_from_keys: required up to 0.28,
# get_from_keys_or(..., True) from 0.29), packing_format (default "auto_round:auto_gptq"; also
# "auto_round:auto_awq"), block_name_to_quantize / to_quant_block_names, extra_config,
# data_type (default "int") and backend / vllm_backend (default "auto", one of
# INC_BACKENDS, else ValueError "Unsupported backend"). modules_to_not_convert is not read. Other
# spellings older AutoRound exports wrote ("intel/auto-round", "auto_round") match neither the
# override nor a registered method: vLLM stops at "Unknown quantization method"
# (config/model.py _verify_quantization), planned here in their format and refused by
# planner.serving.startup.autoround.inc_errors.
INC_UNKNOWN_NAMES = ("intel/auto-round", "auto_round")
SOME_FORMATS_READ = ("torchao", "quark")
"""quant_methods whose formats quant_spec reads only in part (_torchao, _quark): another is
planned as 16-bit weights, said in a warning, and counted as unread (unread_method)."""
READ_METHODS = ("fp8", "w4afp8", "gptq", "awq", "gptq_marlin", "awq_marlin",
                "compressed-tensors", *INC_METHODS, *INC_UNKNOWN_NAMES, "mxfp4", "bitsandbytes",
                "modelopt", *SOME_FORMATS_READ, "fbgemm_fp8")
"""The quant_method values quant_spec reads a format from (lower-cased)."""
INC_PACKINGS = {"auto_round:auto_gptq": "gptq", "auto_round:auto_awq": "awq"}
INC_BACKENDS = ("auto", "gptq", "gptq:marlin", "awq", "awq:marlin", "marlin")
_KEPT_BITS = 16
# NOTE: what INCConfig.__init__ accepts in the newest release read (0.33.0 and 0.34.0: the same
# inc.py; it raises ValueError "Unsupported weight_bits / data_type / packing_format: ...,
# currently only support {...}." otherwise): SUPPORTED_BITS 2-8 (0.19.0-0.29.0: 2, 3, 4, 8),
# SUPPORTED_DTYPES int, mx_fp (any data_type containing "mx_fp", from 0.27.0) and fp ("fp8" read
# as "fp", 0.29.0), SUPPORTED_FORMATS auto_gptq, auto_awq, llm_compressor (0.27.0) and fp8
# (0.29.0). A block outside these is refused by every release read, so here; vLLM prints Python
# sets, in no fixed order: they are written in the 0.33.0 source's order.
INC_ANY_BITS = (2, 3, 4, 5, 6, 7, 8)
INC_ANY_DTYPES = ("int", "mx_fp", "fp")
INC_ANY_PACKINGS = ("auto_round:auto_gptq", "auto_round:auto_awq", "auto_round:fp8",
                    "auto_round:llm_compressor")
QWEN3_MOE_GATE_UP_LAST = (0, 24, 0)


def inc_gate_up_fused_last(config: dict) -> tuple[int, int, int] | None:
    """The last vLLM release whose INC loader fuses this model's dense gate_proj / up_proj into
    gate_up_proj (their extra_config entries read together, refused when they differ): None for
    every release (the default), (0, 0, 0) for none.

    NOTE: Qwen2MoeForCausalLM and Qwen3MoeForCausalLM list qkv_proj only in their class-level
    packed_modules_mapping; __init__ adds gate_up_proj to that dict where a dense MLP exists
    (Qwen2-MoE: mlp_only_layers or shared_expert_intermediate_size > 0; Qwen3-MoE:
    mlp_only_layers), and configure_quant_config (model_loader/utils.py) hands INCConfig that
    dict by reference (qwen2_moe.py, qwen3_moe.py, utils.py: 0.19.0, 0.24.0, 0.33.0, 0.34.0 wheels).
    Qwen3MoeForCausalLM is SupportsQuant from 0.25.0 (its class declaration in the 0.19.0-0.34.0
    wheels; QWEN3_MOE_GATE_UP_LAST the release before), whose __new__ copies the mapping into
    INCConfig's own dict (interfaces.py SupportsQuant._maybe_apply_model_mapping: update) before
    __init__ adds gate_up_proj: from 0.25 its dense gate/up entries are not read. Where the
    model adds no gate_up_proj (dense layers from decoder_sparse_step alone), no release reads
    them. Qwen1.5-MoE-A2.7B has shared experts (5632 wide), and the Qwen3-MoE configs in
    ../shared (30B-A3B, 235B-A22B, Coder-480B) no dense layer (mlp_only_layers [],
    decoder_sparse_step 1). Routed experts are never shards (fused_moe_of)."""
    archs = config.get("architectures")
    arch = archs[0] if isinstance(archs, list) and archs else None
    dense = bool(config.get("mlp_only_layers"))
    if arch == "Qwen2MoeForCausalLM":
        shared = config.get("shared_expert_intermediate_size")
        return None if dense or (isinstance(shared, int) and shared > 0) else (0, 0, 0)
    if arch == "Qwen3MoeForCausalLM":
        return QWEN3_MOE_GATE_UP_LAST if dense else (0, 0, 0)
    return None


def inc_set(values: tuple) -> str:
    """A tuple written as vLLM prints the set it checks against ({'int', 'mx_fp', 'fp'})."""
    return "{" + ", ".join(repr(v) for v in values) + "}"


def _inc_refusals(qc: dict, at: str) -> None:
    """Raise vLLM's ValueError (INCConfig.__init__, 0.33.0-0.34.0 wording) for a block every release
    read refuses: bits, data_type or packing_format outside INC_ANY_*, int weights in a
    packing other than GPTQ's or AWQ's, or a backend outside INC_BACKENDS (the same set in
    every release).

    NOTE: int weights in auto_round:llm_compressor or auto_round:fp8 packing: outside
    SUPPORTED_FORMATS before 0.27.0 (llm_compressor) / 0.29.0 (fp8); 0.27.0-0.28.0
    _validate_supported_quantization raises ValueError "packing_format='auto_round:
    llm_compressor' requires an 'mx_fp' data_type."; 0.29.0-0.34.0 _validate_int_quantization
    asserts packing_format in ['auto_round:auto_awq', 'auto_round:auto_gptq'] (the same
    function in each of these wheels)."""
    bits, packing = qc.get("bits"), qc.get("packing_format")
    data_type = "fp" if qc.get("data_type", "int") == "fp8" else qc.get("data_type", "int")
    if isinstance(bits, int) and not isinstance(bits, bool) and bits not in INC_ANY_BITS:
        raise ConfigError(f"{at}.bits: Unsupported weight_bits: {bits}, currently only support "
                          f"{inc_set(INC_ANY_BITS)}. (vLLM INCConfig)")
    if not isinstance(data_type, str) or (data_type not in INC_ANY_DTYPES
                                          and "mx_fp" not in data_type):
        raise ConfigError(f"{at}.data_type: Unsupported data_type: {data_type}, currently only "
                          f"support {inc_set(INC_ANY_DTYPES)}. (vLLM INCConfig)")
    if packing is not None and packing not in INC_ANY_PACKINGS:
        raise ConfigError(f"{at}.packing_format: Unsupported packing_format: {packing}, "
                          f"currently only support {inc_set(INC_ANY_PACKINGS)}. (vLLM "
                          "INCConfig)")
    if data_type == "int" and packing is not None and packing not in INC_PACKINGS:
        raise ConfigError(
            f"{at}.packing_format: INC int quantization only supports packing_format in "
            f"{sorted(INC_PACKINGS)!r}, but found packing_format={packing!r}. (vLLM INCConfig "
            "_validate_int_quantization; every release read refuses int weights in this "
            "packing)")
    _inc_act_refusals(qc, data_type, at)
    backend = qc.get("backend", qc.get("vllm_backend"))
    if backend is not None and backend not in INC_BACKENDS:
        raise ConfigError(f"{at}.backend: Unsupported backend: {backend}, currently only "
                          f"support {inc_set(INC_BACKENDS)}. (vLLM INCConfig)")


def inc_unplanned(qc: object, quant: QuantSpec | None, where: str) -> IncFormat | None:
    """The format of an AutoRound block that quant_spec planned as 16-bit weights (`quant`
    None), as vLLM's INCConfig.__init__ checks it, with an MXFP or FP block's extra_config
    entries (_inc_entries); None for any other block."""
    method = qc.get("quant_method") if isinstance(qc, dict) else None
    if quant is not None or not isinstance(method, str) \
            or method.lower() not in INC_METHODS + INC_UNKNOWN_NAMES:
        return None
    bits, packing, sym = qc.get("bits"), qc.get("packing_format"), qc.get("sym")
    group, backend = qc.get("group_size"), qc.get("backend", qc.get("vllm_backend"))
    data_type, entries = str(qc.get("data_type", "int")), ()
    if data_type != "int" and _is_int(bits) and (_is_int(group) or _block_pair(group)):
        extra, at = qc.get("extra_config"), f"config.json: {where}"
        entries = _inc_entries(extra, _inc_kept(extra, bits, at), bits, group, _inc_sym(qc))
    return IncFormat(method=method.lower(),
                     bits=bits if isinstance(bits, int) and not isinstance(bits, bool) else None,
                     symmetric=sym if isinstance(sym, bool) else None,
                     sym_null=_inc_sym(qc) is None,
                     data_type=data_type,
                     packing_format=packing if isinstance(packing, str) else None,
                     group_size=group if isinstance(group, int) and not isinstance(group, bool)
                     else None,
                     backend=backend if isinstance(backend, str) else None,
                     block_size=tuple(group) if _block_pair(group) else None, entries=entries)


def _inc_act_refusals(qc: dict, data_type: object, at: str) -> None:
    """Raise vLLM's AssertionError (INCConfig._validate_raw_config, 0.33.0-0.34.0 wording) for a
    block-FP8 or MXFP8 block whose activation fields differ from what vLLM runs: every release read
    refuses it (before 0.29 / 0.27 by its data_type).

    NOTE: _validate_raw_config (inc/inc.py; the same function in the 0.29.0-0.34.0 wheels)
    compares each field, where the block has it (get_from_keys_or, default the expected
    value), for data_type fp: act_bits 8, act_group_size the block's first side, act_data_type
    "fp", act_sym, act_dynamic true, activation_scheme "dynamic", fmt "e4m3"; for an MXFP8
    block ("mx_fp" in data_type, bits 8): act_bits 8, act_data_type "mx_fp", act_group_size
    32, act_sym, act_dynamic true (0.27.0-0.28.0 the same five, and enable_quanted_input
    false, not checked here). AutoRound's FP8_BLOCK scheme writes the FP8 values, its
    MXFP8_RCEIL act_data_type "mx_fp_rceil" (auto_round/schemes.py, find_string id
    51927722244)."""
    group, bits = qc.get("group_size"), qc.get("bits")
    if data_type == "fp" and _block_pair(group):
        name, expected = "INC block-wise FP8", {
            "act_bits": 8, "act_group_size": group[0], "act_data_type": "fp", "act_sym": True,
            "act_dynamic": True, "activation_scheme": "dynamic", "fmt": "e4m3"}
    elif isinstance(data_type, str) and "mx_fp" in data_type and bits == 8:
        name, expected = "INC MXFP8", {"act_bits": 8, "act_data_type": "mx_fp",
                                       "act_group_size": 32, "act_sym": True, "act_dynamic": True}
    else:
        return
    for field, value in expected.items():
        if qc.get(field, value) != value:
            raise ConfigError(
                f"{at}.{field}: {name} only supports {field}={value!r}, but found "
                f"{field}={qc[field]!r}. (vLLM INCConfig._validate_raw_config from 0.27 / 0.29; "
                "earlier releases refuse the data_type: none loads it)")


def _inc(qc: dict, where: str, method: str, warnings: list[str],
         gate_up_fused_last: tuple[int, int, int] | None) -> QuantSpec | None:
    """An AutoRound checkpoint as vLLM's INCConfig reads it: int4/int8 weights packed as GPTQ or
    AWQ (the same tensors, so the same scheme keys and bytes), the modules extra_config keeps
    at 16 bits (`bits` >= 16: UnquantizedLinearMethod in get_quant_method) excluded, the ones it
    gives other bits or groups (or a quantized lm_head) in module_schemes."""
    at = f"config.json: {where}"
    if method in INC_METHODS:
        _inc_refusals(qc, at)
    data_type = qc.get("data_type", "int")
    packing = _inc_packing(qc, "auto_round:auto_gptq")
    if isinstance(qc.get("group_size"), list):
        return _inc_fp8(qc, where, method, data_type, warnings)
    bits = _int_field(qc, "bits", at, None)
    group = _int_field(qc, "group_size", at, None)
    if bits is None or group is None:
        raise ConfigError(f"{at} needs bits and group_size (vLLM INCConfig.from_config)")
    backend = qc.get("backend", qc.get("vllm_backend"))
    if data_type != "int" or packing not in INC_PACKINGS \
            or not _planned_int(bits, group, INC_PACKINGS[packing]):
        awq8 = (data_type, packing, bits) == ("int", "auto_round:auto_awq", 8)
        what = "(8-bit AWQ, which no vLLM release loads)" if awq8 else "not understood"
        warnings.append(f"{where}: AutoRound {data_type} {bits}-bit, group {group}, packing "
                        f"{packing!r} {what}: planned as 16-bit weights")
        return None
    sym = qc.get("sym")
    if sym is not None and not isinstance(sym, bool):
        raise ConfigError(f"{at}.sym must be true or false, got {sym!r}")
    family, vllm_sym = INC_PACKINGS[packing], _inc_sym(qc)
    kept, schemes, notes, conflict, gate_up = _inc_overrides(
        qc.get("extra_config"), bits, group, vllm_sym, family, at, gate_up_fused_last)
    warnings.extend(f"{where}: {note}" for note in notes)
    blocks = _block_names(qc.get("block_name_to_quantize", qc.get("to_quant_block_names")), at)
    if blocks and not any(b.strip().endswith("layers") for b in blocks):
        warnings.append(f"{where}: block_name_to_quantize {blocks} names no decoder layers; "
                        "planned with every decoder layer quantized")
    shown = "per-channel" if group == -1 else f"group {group}"
    sym_null = vllm_sym is None
    symmetry = "sym null" if sym_null else {True: "sym", False: "asym", None: "sym unset"}[sym]
    kept_note = f"; {len(kept)} modules kept 16-bit (extra_config)" if kept else ""
    own_note = (f"; {len(schemes)} modules in their own bits/groups (extra_config)"
                if schemes else "")
    whole, alone = _kept_alone(kept)
    return QuantSpec(
        method=method, scheme=_inc_key(bits, group, family), weight_bits=bits,
        group_size=None if group == -1 else group, excluded_modules=whole,
        module_schemes=alone + schemes, expert_conflict=conflict, gate_up_conflict=gate_up,
        gate_up_fused_last=gate_up_fused_last, symmetric=sym, sym_null=sym_null,
        backend=backend, packing_null="packing_format" in qc and qc["packing_format"] is None,
        inc_entries=_inc_entries(qc.get("extra_config"), kept, bits, group, vllm_sym),
        summary=f"AutoRound int{bits}, {shown}, {symmetry}, {family.upper()}-packed"
                f"{kept_note}{own_note}",
    )


def _inc_sym(qc: dict) -> bool | None:
    """sym as vLLM's INCConfig holds it: the stored true / false, true where the key is absent
    (from 0.29; earlier releases refuse the block: autoround.inc_errors), None where it is
    written as null.

    NOTE: QuantizationConfig.get_from_keys / get_from_keys_or (base_config.py) return a present
    key's value, null included, so INCConfig.from_config (inc.py 0.19.0-0.23.0, inc/inc.py
    0.24.0-0.34.0; each wheel read) holds sym None on every release: get_from_keys(config,
    ["sym"]) raises only for a missing key (to 0.28.0), get_from_keys_or(config, ["sym"], True)
    defaults only a missing one (from 0.29.0). Nothing checks the None: GPTQ packing looks
    (bits, sym) up in a map of (4, True) and (8, True) (off Marlin), AWQ packing asks Marlin for
    zero points (`not sym`: true), and the MXFP and block-FP8 checks assert `self.sym`: it loads
    as sym false would, and vLLM's messages print sym=None."""
    return qc.get("sym", True)


def _block_names(blocks: object, at: str) -> list[str]:
    """block_name_to_quantize as the names vLLM matches layers against ([] where it quantizes
    every block): a comma-separated string split, a list (or an object's keys) of strings.

    NOTE: INCConfig.__init__ splits a string on ","; get_layer_config quantizes a layer only
    where `self.block_name_to_quantize` is truthy and `layer_name.startswith(name)` for one of
    them (inc.py 0.19.0-0.23.0, inc/config_parser.py INCConfigParser._resolve_raw 0.24.0-
    0.34.0): a falsy value quantizes every block, a number or true cannot be iterated and a
    name that is no string cannot be passed to startswith (TypeError)."""
    if not blocks:
        return []
    if isinstance(blocks, str):
        return blocks.split(",")
    if not isinstance(blocks, list | dict) or not all(isinstance(b, str) for b in blocks):
        raise ConfigError(f"{at}.block_name_to_quantize must be a string or a list of strings, "
                          f"got {blocks!r}")
    return list(blocks)


_PROJECTION_SETS = (("q_proj", "k_proj", "v_proj", "o_proj"), ("gate_proj", "up_proj", "down_proj"))
"""The projections of one attention or MLP (planner.model.quant's per-module shares)."""


def _kept_alone(kept: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[ModuleFormat, ...]]:
    """Split the modules kept 16-bit into those excluded as components (QuantSpec.
    excluded_modules, a whole component per name) and single projections counted 16-bit in
    their own share (module_schemes, scheme "bf16": 16 bits a weight whatever the dtype): a
    q/k/v/o or gate/up/down projection kept without the rest of its attention or MLP
    (an o_proj alone is a third of Llama's attention, not all of it). Routed experts' entries
    stay whole: vLLM builds their layer's FusedMoE in one format."""
    whole: list[str] = []
    alone: list[ModuleFormat] = []
    names = set(kept)
    for name in kept:
        head, _, last = name.rpartition(".")
        projections = next((p for p in _PROJECTION_SETS if last in p), ())
        if projections and not fused_moe_of(name) \
                and not all(f"{head}.{p}" in names for p in projections):
            alone.append(ModuleFormat(module=name, algo="16-bit", scheme="bf16"))
        else:
            whole.append(name)
    return tuple(whole), tuple(alone)


def _inc_packing(qc: dict, default: str) -> str:
    """packing_format, `default` where it is left out or written as null.

    NOTE: INCConfig.from_config (inc/inc.py 0.29.0-0.34.0 wheels, each read) reads a null
    packing_format as its default: 'auto_round:fp8' for a block-FP8 block, else
    'auto_round:auto_gptq' for int weights; 0.19.0-0.28.0 (get_from_keys_or(...,
    "auto_round:auto_gptq"), which returns a present null as None) refuse it
    (QuantSpec.packing_null, autoround.inc_errors)."""
    packing = qc.get("packing_format")
    return default if packing is None else packing


def _planned_int(bits: object, group: object, family: str) -> bool:
    """Whether Headroom plans int weights in these bits and group, GPTQ- or AWQ-packed
    (`family`): 4 or 8 bits, per-channel (-1) or a positive group, not 8-bit AWQ (which no
    vLLM release loads); a checkpoint's, an extra_config entry's or a `dynamic` rule's."""
    return _is_int(bits) and bits in (4, 8) and _is_int(group) and -1 <= group != 0 \
        and (family, bits) != ("awq", 8)


def _inc_key(bits: int, group: int, family: str) -> str:
    """The scheme key of GPTQ / AWQ packing in these bits and group ('w8a16-gptq-g32')."""
    return f"w{bits}a16-{family}-{'gchannel' if group == -1 else f'g{group}'}"


def _inc_fp8(qc: dict, where: str, method: str, data_type: str, warnings: list[str]
             ) -> QuantSpec | None:
    """An AutoRound block-FP8 export: data_type "fp" ("fp8" is read as "fp"), bits 8, a 2-D
    group_size, sym, packing_format "auto_round:fp8" (its default for such a block), backend
    "auto"; any other is planned as 16-bit weights (autoround._inc_fp8_errors refuses it).

    NOTE: INCConfig (0.29.0-0.30.0, 0.32.0-0.34.0 wheels) gives these linear layers
    INCFp8Scheme: Fp8LinearMethod with weight_block_size = group_size, the block-FP8 tensors
    of quant_method fp8 (fp8 weight, fp32 weight_scale_inv per block); the scheme has no MoE
    method (INCScheme.get_moe_method raises NotImplementedError), and releases before 0.29
    list data_type int and mx_fp only (autoround.inc_errors)."""
    block = qc["group_size"]
    packing = _inc_packing(qc, "auto_round:fp8")
    if data_type not in ("fp", "fp8") or qc.get("bits") != 8 or packing != "auto_round:fp8" \
            or qc.get("sym", True) is not True or not _block_pair(block) \
            or qc.get("backend", qc.get("vllm_backend", "auto")) != "auto":
        warnings.append(f"{where}: AutoRound {data_type} {qc.get('bits')}-bit in blocks of "
                        f"{block}, packing {packing!r} not understood: planned as 16-bit weights")
        return None
    if block != [128, 128]:
        warnings.append(f"{where}: fp8 block {block} planned with the 128x128 block-scale "
                        "overhead")
    extra = qc.get("extra_config")
    kept = _inc_kept(extra, 8, f"config.json: {where}")
    if isinstance(extra, dict) and any(_is_lm_head(n) and n not in kept for n in extra):
        warnings.append(f"{where}: extra_config quantizes lm_head (vLLM INCConfig builds it "
                        "quantized): planned at 16 bits")
    return QuantSpec(
        method=method, scheme="fp8-block128", weight_bits=8, block_size=(block[0], block[1]),
        excluded_modules=kept, symmetric=True, backend=qc.get("backend"),
        inc_entries=_inc_entries(extra, kept, 8, block, True),
        summary=f"AutoRound FP8 e4m3, {block[0]}x{block[1]} block scales (auto_round:fp8)")


def _is_lm_head(name: str) -> bool:
    return name == "lm_head" or name.endswith(".lm_head")


def _inc_kept(extra: object, bits: int, at: str) -> tuple[str, ...]:
    """extra_config's modules kept at 16 bits: `bits` >= 16, or no `bits` in the entry of a
    layer vLLM builds on its own (an entry without bits for a fused layer's shard or a routed
    expert takes the checkpoint's bits).

    NOTE: INCConfig.get_quant_method (inc.py 0.19.0-0.23.0, inc/inc.py 0.24.0-0.34.0; read
    in each of the 15 wheels) returns UnquantizedLinearMethod (UnquantizedFusedMoEMethod for
    RoutedExperts from 0.24.0) for a layer whose prefix (or "model." + prefix) is an
    extra_config key whose `.get("bits", 16) >= 16`: a missing bits counts as 16 there, ahead
    of get_layer_config, which fills a missing bits with the checkpoint's. A fused layer's
    prefix (qkv_proj, gate_up_proj) and a FusedMoE's ("mlp.experts") are no shard's or
    expert's key, so those entries reach get_layer_config."""
    if extra is None:
        return ()
    if not isinstance(extra, dict) or not all(isinstance(v, dict) for v in extra.values()):
        raise ConfigError(f"{at}.extra_config must map module names to objects")
    _inc_entry_types(extra, at)
    return tuple(name for name, cfg in extra.items()
                 if (isinstance(cfg.get("bits", bits), int) and cfg.get("bits", bits) >= _KEPT_BITS)
                 or ("bits" not in cfg and not inc_regex_key(name) and not fused_moe_of(name)
                     and _fused_shards(name, extra) is None))


def _is_int(value: object) -> bool:
    """A JSON integer (not true / false, which Python counts as 1 / 0)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _inc_entry_types(extra: dict, at: str) -> None:
    """Refuse an extra_config entry whose bits, group_size or sym vLLM cannot use: bits not an
    integer, group_size neither an integer nor two (a block-FP8 block), sym given but neither
    true nor false nor null.

    NOTE: INCConfig.get_quant_method compares an entry's bits with 16 (`.get("bits", 16) >= 16`)
    for the layer it names and the layer config's `bits < 16` (inc.py check_quantized
    0.19.0-0.23.0, inc/config_parser.py INCConfigParser.resolve 0.24.0-0.34.0): a string, list,
    object or null fails there with a TypeError; a float or true reaches GPTQConfig /
    INCConfig's Fraction(32, bits). A group_size that is no integer raises ValueError in
    config_parser._normalize_group_size (0.29.0-0.34.0) and reaches the kernel's
    `input_size_per_partition % group_size` before (gptq.py GPTQLinearMethod.create_weights,
    0.19.0). sym goes into Marlin's (bits, sym) type map and the fused layers' set() of
    configs, where a list or object is unhashable; a string is no symmetry AutoRound writes.
    Read in the 0.19.0, 0.24.0, 0.27.0, 0.28.0, 0.29.0, 0.33.0 and 0.34.0 wheels."""
    for name, cfg in extra.items():
        where = f"{at}.extra_config[{name!r}]"
        if "bits" in cfg and not _is_int(cfg["bits"]):
            raise ConfigError(f"{where}.bits must be an integer, got {cfg['bits']!r} (vLLM "
                              "compares it with 16 to tell a 16-bit layer)")
        if "group_size" in cfg and not (_is_int(cfg["group_size"])
                                        or _block_pair(cfg["group_size"])):
            raise ConfigError(f"{where}.group_size must be an integer (or two for an FP8 "
                              f"block), got {cfg['group_size']!r}")
        if cfg.get("sym") is not None and not isinstance(cfg["sym"], bool):
            raise ConfigError(f"{where}.sym must be true or false, got {cfg['sym']!r}")


_ROUTED_EXPERT = re.compile(r"^(.*\.experts)\.\d+\.")


def fused_moe_of(name: str) -> str | None:
    """The FusedMoE layer ('model.layers.1.mlp.experts') whose routed expert this module
    ('model.layers.1.mlp.experts.3.down_proj') is, None for any other module: no such key
    equals the layer's prefix; shared experts are layers of their own."""
    routed = _ROUTED_EXPERT.match(name)
    return routed.group(1) if routed else None


def _inc_entry(extra: dict, name: str, bits: int, group: int, sym: bool | None) -> tuple:
    """(bits, group_size, sym) of an extra_config key as get_layer_config reads it: the entry's,
    each filled in with the checkpoint's."""
    cfg = extra.get(name, {})
    return cfg.get("bits", bits), cfg.get("group_size", group), cfg.get("sym", sym)


def _inc_entries(extra: object, kept: tuple[str, ...], bits: int, group: int | list[int],
                 sym: bool | None) -> tuple[IncEntry, ...]:
    """QuantSpec.inc_entries: the entries of linear layers (not kept 16-bit, not a regex, not a
    routed expert's) whose filled-in (bits, group_size, sym) differ from the checkpoint's, or
    that quantize lm_head. `sym`: the checkpoint's as vLLM holds it (_inc_sym); a group of two
    ints (block FP8) is kept as a block, as INCConfigParser._normalize_group_size reads it."""
    if not isinstance(extra, dict):
        return ()
    base = (bits, group, sym)
    found = []
    for name in extra:
        own_bits, own_group, own_sym = own = _inc_entry(extra, name, *base)
        if name in kept or inc_regex_key(name) or fused_moe_of(name) \
                or (own == base and not _is_lm_head(name)) or not _is_int(own_bits) \
                or not (_is_int(own_group) or _block_pair(own_group)):
            continue
        found.append(IncEntry(module=name, bits=own_bits, sym=own_sym, group_size=own_group
                              if _is_int(own_group) else tuple(own_group)))
    return tuple(found)


def _fused_shards(name: str, extra: dict) -> tuple[str, list[str]] | None:
    """The fused layer whose shard this extra_config key names and its shards (q/k/v_proj ->
    qkv_proj, gate/up_proj -> gate_up_proj; FUSED_SHARDS), None for any other key: a regex,
    a routed expert's, or an MLA layer's q_proj (its own linear layer: no k_proj / v_proj of
    the same attention listed; Llama's q_proj listed alone is read as such too)."""
    head, _, last = name.rpartition(".")
    fused = next((key for key, shards in FUSED_SHARDS.items() if last in shards), None)
    if fused is None or inc_regex_key(name) or fused_moe_of(name):
        return None
    shards = [f"{head}.{shard}" for shard in FUSED_SHARDS[fused]]
    if fused == "qkv_proj" and not any(shard in extra for shard in shards[1:]):
        return None
    return f"{head}.{fused}", shards


def _inc_overrides(extra: object, bits: int, group: int, sym: bool | None, family: str, at: str,
                   gate_up_fused_last: tuple[int, int, int] | None
                   ) -> tuple[tuple[str, ...], tuple[ModuleFormat, ...], list[str], str | None,
                              str | None]:
    """extra_config's modules kept at 16 bits, those vLLM builds in their own int format,
    notes on the entries not planned (at the checkpoint's format), the first FusedMoE layer
    whose routed experts' entries disagree (QuantSpec.expert_conflict), and the first
    gate_up_proj whose shards' entries disagree where some release does not fuse them
    (`gate_up_fused_last` set: QuantSpec.gate_up_conflict, refused per release by
    autoround.inc_errors; elsewhere such shards are refused here).

    NOTE: INCConfig.get_layer_config (inc.py 0.19.0-0.23.0; config_parser.py
    INCConfigParser._resolve_raw 0.24.0-0.34.0): a module named in extra_config takes the
    entry's bits, group_size and sym, each defaulting to the checkpoint's (its data_type and
    packing are the checkpoint's whatever the entry says); a ParallelLMHead is quantized only
    when extra_config names it (exactly; from 0.27.0 also by suffix, 'lm_head' for
    'language_model.lm_head': autoround.INC_NESTED_LM_HEAD); a fused layer
    (packed_modules_mapping: qkv_proj, gate_up_proj) takes its shards' config and raises
    ValueError "Fused module '...' requires consistent quant config for [...]" when they differ;
    a FusedMoE layer takes the config of the entries under its prefix (each filled in with the
    checkpoint's) and raises ValueError "Fused MoE layer '...' requires consistent quant config
    for all sub-layers" when they differ: in 0.19.0-0.23.0 only, as that branch asks for a layer
    class named "...FusedMoE" (autoround.INC_EXPERT_ENTRIES_LAST). Regex keys (any of
    *+?^$()[]{}|\\) match by re.search: not placed here."""
    kept = _inc_kept(extra, bits, at)
    if not extra:
        return kept, (), [], None, None
    schemes: list[ModuleFormat] = []
    unplanned: list[str] = []
    experts: dict[str, set[tuple]] = {}
    gate_up: str | None = None

    def entry(name: str) -> tuple:
        return _inc_entry(extra, name, bits, group, sym)

    for name in extra:
        own_bits, own_group, _ = entry(name)
        fused, shards = _fused_shards(name, extra) or ("", [])
        if len({entry(shard) for shard in shards}) > 1:
            if gate_up_fused_last is None or not fused.endswith("gate_up_proj"):
                raise ConfigError(f"{at}.extra_config: Fused module '{fused}' requires "
                                  f"consistent quant config for {shards} (vLLM INCConfig)")
            gate_up = gate_up or fused
        if fused_moe_of(name):
            experts.setdefault(fused_moe_of(name), set()).add(entry(name))
        if name in kept or ((own_bits, own_group) == (bits, group) and not _is_lm_head(name)):
            continue  # another sym alone packs the same bytes
        if _planned_int(own_bits, own_group, family) and not inc_regex_key(name):
            schemes.append(ModuleFormat(module=name, algo=f"int{own_bits} g{own_group}",
                                        scheme=_inc_key(own_bits, own_group, family)))
        else:
            unplanned.append(name)
    heads = [name for name in unplanned if _is_lm_head(name)]
    others = sorted(name for name in unplanned if name not in heads)
    notes = [f"extra_config gives {len(others)} modules bits or groups not planned here "
             f"({others[0]}, ...): planned at int{bits}, group {group}"] if others else []
    notes += [f"extra_config quantizes {heads[0]} in bits or a group not planned here: planned "
              "at 16 bits"] if heads else []
    conflict = next((layer for layer, configs in experts.items() if len(configs) > 1), None)
    return kept, tuple(schemes), notes, conflict, gate_up


TORCHAO_FP8 = "Float8DynamicActivationFloat8WeightConfig"
"""The torchao config type of FP8 weights and dynamic FP8 activations
(torchao_quark.own_loader_errors refuses it below compute capability 8.9)."""
_TORCHAO_FP8_SCHEMES = {"PerRow": "fp8-channel", "PerTensor": "fp8-tensor"}
_TORCHAO_EXPERTS = "experts"
"""Routed experts, which vLLM's TorchAOConfig leaves unquantized (quant.TORCHAO_INT4_GROUPS'
NOTE): an excluded module name planner.model.quant.parse_exclusions places on them."""
TORCHAO_INSTALL = ("vLLM does not install torchao: TorchAOConfig.from_config stops at load "
                   "without it (\"Please install torchao>=0.10.0 via `pip install "
                   "torchao>=0.10.0` to use torchao quantization.\")")
"""Said of every torchao checkpoint: torchao is none of vLLM's requirements (the 0.19.0-0.34.0
wheels' METADATA), and quantization/torchao.py imports it to read the config."""


def _torchao(qc: dict, where: str, warnings: list[str]) -> QuantSpec | None:
    """A torchao checkpoint's format from quant_type {"default": {"_type", "_data"}}: an
    Int4WeightOnlyConfig (int4 groups, planner.model.quant.TORCHAO_INT4_GROUPS) or a
    Float8DynamicActivationFloat8WeightConfig (FP8 per row or per tensor); None (16-bit
    weights, with a warning) for another type.

    NOTE: vLLM quantization/torchao.py TorchAOConfig.from_config (0.19.0, 0.24.0, 0.29.0,
    0.33.0, 0.34.0 wheels, the same rules) asserts "quant_type must be specified" and
    "Expected only one key 'default' in quant_type dictionary", hands quant_type["default"] to
    torchao's config_from_dict (which raises "Input dictionary missing required '_type' or
    '_data' fields"), and skips modules_to_not_convert (not "ignore") and the None entries of
    a module_fqn_to_config; get_quant_method gives every other LinearBase layer the config and
    any other layer (routed experts) none. torchao 0.18.0: Int4WeightOnlyConfig group_size
    defaults to 128 and quantizes version 2 only (`assert config.version == 2`);
    Float8DynamicActivationFloat8WeightConfig's granularity None is PerTensor for activations
    and weights, one PerRow / PerTensor or two of the same kind (float8/inference.py
    _normalize_granularity); its Float8Tensor keeps one fp32 scale per output row (PerRow)
    or per tensor."""
    at = f"config.json: {where}"
    quant_type = qc.get("quant_type")
    if quant_type is None:
        raise ConfigError(f"{at} has no quant_type: vLLM's TorchAOConfig.from_config stops at "
                          "load (\"quant_type must be specified\")")
    if not isinstance(quant_type, dict) or list(quant_type) != ["default"]:
        raise ConfigError(f"{at}.quant_type: vLLM's TorchAOConfig.from_config stops at load "
                          "(\"Expected only one key 'default' in quant_type dictionary\")")
    config = quant_type["default"]
    if not isinstance(config, dict) or "_type" not in config or "_data" not in config:
        raise ConfigError(f"{at}.quant_type.default: torchao's config_from_dict stops vLLM at "
                          "load (\"Input dictionary missing required '_type' or '_data' fields\")")
    kind, data = config["_type"], config["_data"]
    data = data if isinstance(data, dict) else {}
    warnings.append(TORCHAO_INSTALL)
    if kind == "Int4WeightOnlyConfig":
        group = _int_field(data, "group_size", f"{at}.quant_type.default._data", 128)
        if group in TORCHAO_INT4_GROUPS:
            if config.get("_version", 1) != 2:
                warnings.append(f"{where}: torchao Int4WeightOnlyConfig _version "
                                f"{config.get('_version', 1)!r}: torchao 0.18.0 quantizes "
                                "version 2 only (assert config.version == 2): planned as "
                                "version 2's bytes")
            return QuantSpec(method="torchao", scheme=f"torchao-int4-g{group}", weight_bits=4,
                             group_size=group,
                             summary=f"torchao int4 weight-only, group {group} (16-bit scale "
                                     "and zero point per group); routed experts 16-bit")
    elif kind == TORCHAO_FP8:
        scheme = _TORCHAO_FP8_SCHEMES.get(_torchao_granularity(data.get("granularity")) or "")
        if scheme is not None:
            shown = "per-row" if scheme == "fp8-channel" else "per-tensor"
            return QuantSpec(method="torchao", scheme=scheme, weight_bits=8,
                             excluded_modules=(_TORCHAO_EXPERTS,),
                             summary=f"torchao FP8 e4m3 weights ({shown} fp32 scales) and "
                                     "dynamic FP8 activations; routed experts 16-bit")
    warnings.append(f"{where}.quant_type {kind!r} not understood ({_torchao_shown(kind, data)}"
                    "): planned as 16-bit weights; Headroom reads torchao's "
                    f"Int4WeightOnlyConfig (group 32, 64, 128 or 256) and {TORCHAO_FP8} "
                    "(PerRow or PerTensor)")
    return None


def _torchao_granularity(granularity: object) -> str | None:
    """"PerRow" or "PerTensor" for a serialized FP8 granularity (None: PerTensor; one, or a
    list of two of the same kind), else None."""
    if granularity is None:
        return "PerTensor"
    kinds = [g["_type"] if isinstance(g, dict) and isinstance(g.get("_type"), str) else None
             for g in (granularity if isinstance(granularity, list) else [granularity])]
    return kinds[0] if len(kinds) in (1, 2) and len(set(kinds)) == 1 \
        and kinds[0] in _TORCHAO_FP8_SCHEMES else None


def _torchao_shown(kind: object, data: dict) -> str:
    """What of a torchao config the warning names: the group or granularity read."""
    if kind == "Int4WeightOnlyConfig":
        return f"group_size {data.get('group_size', 128)!r}"
    if kind == TORCHAO_FP8:
        return f"granularity {data.get('granularity')!r}"
    return "another torchao config type"


QUARK_PER_BLOCK_FROM = (0, 28, 0)
"""NOTE: the first release whose QuarkConfig._is_fp8_w8a8 takes FP8 weights with qscheme
"per_block" (block_size [128, 128], symmetric, dynamic per_group 128 activations): absent
from quark/quark.py in the 0.19.0-0.27.0 wheels (each read), which raise NotImplementedError
"No quark compatible scheme was found. ..." (torchao_quark.own_loader_errors)."""


def _quark(qc: dict, where: str, warnings: list[str]) -> QuantSpec | None:
    """A Quark checkpoint's format from global_quant_config (FP8 W8A8 per tensor, per channel
    or per 128 x 128 block; INT8 W8A8; OCP MXFP4 / MXFP6, _quark_mx), its exclude list and
    its kv_cache_group; None (16-bit weights, with a warning) for another format (MXFP8,
    NVFP4, W4A16, W4A8 are not planned).

    NOTE: vLLM quantization/quark/quark.py (0.19.0, 0.24.0, 0.29.0, 0.33.0, 0.34.0 wheels):
    QuarkConfig.from_config raises "The export key should be included in the configurations
    of Quark quantized model" without `export`, takes len(export.kv_cache_group) and, where
    the group is not empty, the output_tensors of the layer_quant_config entries it matches
    (fnmatch) as the KV cache's config, which QuarkKVCacheMethod.validate_kv_cache_config
    wants fp8_e4m3 per_tensor. _find_matched_config gives a layer its layer_quant_config
    entry, else layer_type_quant_config.get(type(layer)) (keyed by class: a string key never
    matches), else global_quant_config; should_ignore_layer leaves `exclude` (fnmatch) 16-bit.
    _get_scheme_cls_from_config refuses quantized output_tensors or bias, then
    _is_fp8_w8a8: fp8_e4m3 weights and inputs, static weights per_tensor / per_channel
    (inputs dynamic, or static per_tensor), or per_block (QUARK_PER_BLOCK_FROM) -> QuarkW8A8Fp8
    (get_min_capability 89); _is_w8a8_int8: int8 symmetric weights per_tensor / per_channel
    with static per_tensor or dynamic per_channel inputs -> QuarkW8A8Int8 (75). The KV cache
    dtype `auto` takes is the model's whatever kv_cache_group says (utils/torch_utils.py
    get_kv_cache_quant_algo_string reads ModelOpt configs only; 0.34.0): the FP8 k/v scales
    apply with --kv-cache-dtype fp8."""
    at = f"config.json: {where}"
    export = qc.get("export")
    if not isinstance(export, dict):
        raise ConfigError(f"{at} has no export object: vLLM's QuarkConfig.from_config stops at "
                          "load (\"The export key should be included in the configurations of "
                          "Quark quantized model\")")
    kv_group = export.get("kv_cache_group")
    if not isinstance(kv_group, list):
        raise ConfigError(f"{at}.export.kv_cache_group must be a list (vLLM's "
                          "QuarkConfig.from_config takes its len())")
    top = qc.get("global_quant_config")
    layers = qc.get("layer_quant_config") or {}
    if not isinstance(top, dict) or not isinstance(layers, dict) \
            or not isinstance(qc.get("layer_type_quant_config"), dict):
        raise ConfigError(f"{at}: vLLM's QuarkConfig reads global_quant_config, "
                          "layer_quant_config and layer_type_quant_config as objects")
    if top.get("output_tensors") or top.get("bias"):
        raise ConfigError(f"{at}.global_quant_config: vLLM stops at load (\"Currently, Quark "
                          "models with output_tensors and bias quantized are not supported\")")
    if kv_group:
        _quark_kv(kv_group, layers, at, warnings)
    found = _quark_format(top.get("weight"), top.get("input_tensors")) \
        or _quark_mx(top.get("weight"), top.get("input_tensors"))
    if found is None:
        warnings.append(f"{where}.global_quant_config not understood (weight "
                        f"{_quark_shown(top.get('weight'))}, input_tensors "
                        f"{_quark_shown(top.get('input_tensors'))}): planned as 16-bit "
                        "weights; Headroom reads Quark's FP8 and INT8 W8A8 formats and MXFP4 / "
                        "MXFP6 weights with 16-bit or dynamic OCP MX inputs")
        return None
    scheme, summary = found
    own = sorted(name for name, entry in layers.items() if isinstance(entry, dict)
                 and (entry.get("weight"), entry.get("input_tensors"))
                 != (top.get("weight"), top.get("input_tensors")))
    if own:
        warnings.append(f"{where}.layer_quant_config gives {len(own)} patterns their own "
                        f"format ({own[0]}, ...): planned in the global format")
    inputs = top["input_tensors"]
    act = inputs.get("qscheme") if isinstance(inputs, dict) else None
    return QuantSpec(method="quark", scheme=scheme, weight_bits=_QUARK_BITS.get(scheme, 8),
                     block_size=(128, 128) if scheme == "fp8-block128" else None,
                     input_qscheme=act if isinstance(act, str) else None,
                     summary=f"Quark {summary}")


def _quark_format(weight: object, inputs: object) -> tuple[str, str] | None:
    """(scheme key, summary) of Quark weight / input_tensors configs vLLM loads as FP8 or INT8
    W8A8 (_quark's NOTE: _is_fp8_w8a8, _is_w8a8_int8), None for any other."""
    if not isinstance(weight, dict) or not isinstance(inputs, dict) \
            or weight.get("is_dynamic"):
        return None
    kinds, qscheme = (weight.get("dtype"), inputs.get("dtype")), weight.get("qscheme")
    dynamic, act = inputs.get("is_dynamic"), inputs.get("qscheme")
    if kinds == ("fp8_e4m3", "fp8_e4m3"):
        if qscheme == "per_block" and weight.get("block_size") == [128, 128] \
                and weight.get("symmetric") is True and dynamic and act == "per_group" \
                and inputs.get("group_size") == 128 and inputs.get("symmetric") is True:
            return "fp8-block128", "FP8 W8A8 (e4m3, 128x128 block scales)"
        if qscheme in ("per_tensor", "per_channel") and (dynamic or act == "per_tensor"):
            shown = qscheme.replace("_", "-")
            return ("fp8-tensor" if qscheme == "per_tensor" else "fp8-channel",
                    f"FP8 W8A8 (e4m3, {shown} weight scales)")
    if kinds == ("int8", "int8") and qscheme in ("per_tensor", "per_channel") \
            and weight.get("symmetric") is True \
            and ((act == "per_tensor" and not dynamic) or (act == "per_channel"
                                                            and dynamic is True)):
        return "w8a8-int8", f"INT8 W8A8 ({qscheme.replace('_', '-')} weight scales)"
    return None


_QUARK_MX_VALUES = {"fp4": "quark-mxfp4", "fp6_e3m2": "quark-mxfp6", "fp6_e2m3": "quark-mxfp6"}
_QUARK_BITS = {"quark-mxfp4": 4, "quark-mxfp6": 6}


def _quark_mx(weight: object, inputs: object) -> tuple[str, str] | None:
    """(scheme key, summary) of Quark OCP MX weights vLLM loads (QuarkOCP_MX and its MoE
    method) with 16-bit or dynamic OCP MX inputs; None for any other.

    NOTE: quark.py _is_w_ocp_mx_a_x (0.19.0, 0.34.0 wheels; 0.34.0 through
    utils/ocp_mx_utils.py ocp_mx_weight_dtype_and_rows): weight dtype fp4, fp6_e3m2 or
    fp6_e2m3 (fp8 is MXFP8, not planned here) per_group, group_size 32, scale_format e8m0;
    the pair must be an OCP_MX_Scheme.from_quant_dtype entry (ocp_mx_utils.py: no inputs,
    or MXFP4 weights with MXFP4 / MXFP6 inputs, or MXFP6 weights with the same MXFP6), and
    inputs dynamic (static MX input scales raise "QuarkOCP_MX with static input scales is
    currently not implemented"; FP8 inputs, W4A8, are not planned here)."""
    if not isinstance(weight, dict) or weight.get("is_dynamic") \
            or weight.get("qscheme") != "per_group" \
            or weight.get("group_size") != OCP_MX_GROUP_SIZE \
            or weight.get("scale_format") != "e8m0" or not isinstance(weight.get("dtype"), str) \
            or weight["dtype"] not in _QUARK_MX_VALUES:
        return None
    values = weight["dtype"]
    takes = (values, "fp6_e3m2", "fp6_e2m3") if values == "fp4" else (values,)
    if inputs is not None and (not isinstance(inputs, dict) or not inputs.get("is_dynamic")
                               or inputs.get("dtype") not in takes):
        return None
    acts = "16-bit" if inputs is None else f"dynamic {inputs['dtype']}"
    scheme = _QUARK_MX_VALUES[values]
    return scheme, f"OCP MX {values} weights (e8m0 scale per 32), {acts} activations"


def _quark_shown(config: object) -> str:
    """A Quark tensor config in a warning: its dtype and qscheme (the config itself if it is
    not one object)."""
    if not isinstance(config, dict):
        return repr(config)
    return f"{config.get('dtype')!r} {config.get('qscheme')!r}"


def _quark_kv(kv_group: list, layers: dict, at: str, warnings: list[str]) -> None:
    """Refuse a kv_cache_group vLLM stops at, in its words; say what the FP8 k/v scales do
    (_quark's NOTE)."""
    matched = [entry for name, entry in layers.items() if isinstance(name, str)
               and any(isinstance(p, str) and fnmatch.fnmatchcase(name, p) for p in kv_group)]
    if not matched:
        raise ConfigError(f"{at}.export.kv_cache_group: vLLM stops at load (\"The Quark "
                          "quantized model has the kv_cache_group parameter setting, but no "
                          "kv_cache quantization settings were found in the quantization "
                          "configuration.\")")
    kv = matched[0].get("output_tensors") if isinstance(matched[0], dict) else None
    if not isinstance(kv, dict) or kv.get("dtype") != "fp8_e4m3" \
            or kv.get("qscheme") != "per_tensor":
        raise ConfigError(f"{at}.layer_quant_config: the KV cache config {_quark_shown(kv)} "
                          "is not one vLLM loads (QuarkKVCacheMethod: \"Currently supported kv "
                          "cache quantization is dtype=fp8_e4m3\", \"Only support per-tensor "
                          "scaling factor for quark KV cache.\")")
    warnings.append(f"quark kv_cache_group {kv_group}: the checkpoint's FP8 k/v scales apply "
                    "with --kv-cache-dtype fp8; --kv-cache-dtype auto keeps a 16-bit KV cache "
                    "(vLLM reads a KV dtype for auto from ModelOpt configs only)")


def _bnb(qc: dict) -> QuantSpec:
    if qc.get("load_in_8bit"):
        return QuantSpec(method="bitsandbytes", scheme="bnb-int8", weight_bits=8,
                         summary="bitsandbytes LLM.int8()")  # fmt: skip
    kind = qc.get("bnb_4bit_quant_type", "nf4")
    return QuantSpec(method="bitsandbytes", scheme="bnb-nf4", weight_bits=4, group_size=64,
                     summary=f"bitsandbytes 4-bit {kind}")  # fmt: skip


def _modelopt(cfg: dict, where: str, warnings: list[str]) -> QuantSpec:
    """A ModelOpt checkpoint's QuantSpec, from hf_quant_config.json or a config.json
    quantization_config (`cfg`: the whole of either).

    NOTE: vLLM modelopt.py ModelOptQuantConfigBase.from_config (0.16.0, 0.21.0, 0.23.0, 0.33.0,
    0.34.0 wheels) reads the "quantization" block where the config has one (the legacy
    hf_quant_config.json layout: quant_algo, group_size, exclude_modules), else the config
    itself (quant_algo, group_size, "ignore" else exclude_modules), and upper-cases quant_algo
    ("ModelOpt may emit lowercase"); the overrides' _extract_modelopt_quant_algo and
    ModelOptMixedPrecisionConfig's quantized_layers entries upper-case it too. The KV cache
    dtype --kv-cache-dtype auto takes is _modelopt_kv's."""
    block = cfg.get("quantization", cfg)
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: quantization must be an object")
    producer = cfg.get("producer")
    legacy = block is not cfg and isinstance(producer, dict) \
        and producer.get("name") == "modelopt"
    legacy_algo = block.get("quant_algo") if legacy else None
    algo = block.get("quant_algo")
    algo = algo.upper() if isinstance(algo, str) else algo
    group = block.get("group_size")
    formats: tuple[ModuleFormat, ...] = ()
    algos: Counter[str] = Counter()
    if algo == "MIXED_PRECISION":
        formats, groups = _module_formats(block.get("quantized_layers"), where)
        # scheme, weight_only and group_size describe the 4-bit algorithm: the routed
        # experts', most of the weights
        algos = Counter(f.algo for f in formats)
        algo = next((a for a in algos if "4" in a), algos.most_common(1)[0][0])
        group = groups.get(algo, group)
        warnings.extend(f"{where}: {line}" for line in component_formats(formats).notes)
    if not isinstance(algo, str) or algo not in MODELOPT_ALGOS:
        raise ConfigError(f"{where}: quant_algo {algo!r} is not a known ModelOpt algorithm")
    if group is None and MODELOPT_ALGOS[algo] == "nvfp4":
        group = 16  # ModelOptNvFp4Config._from_config's default (0.34.0), as config.json omits it
    kv_dtype = _modelopt_kv(cfg, block)
    key = "exclude_modules" if block is not cfg or "ignore" not in cfg else "ignore"
    excluded = block.get(key, [])
    if excluded and not isinstance(excluded, list):
        raise ConfigError(f"{where}: exclude_modules must be a list")
    excluded = excluded if isinstance(excluded, list) else []
    kept = tuple(m for m in excluded if isinstance(m, str))
    kv = ", FP8 KV cache" if kv_dtype == "fp8" else ""
    counts = ", ".join(f"{a} x{n}" for a, n in sorted(algos.items()))
    return QuantSpec(
        method="modelopt",
        scheme=MODELOPT_ALGOS[algo],
        weight_bits=4 if "4" in algo else 8,
        group_size=group if isinstance(group, int) and not isinstance(group, bool) else None,
        excluded_modules=kept,
        excluded_key=key if kept else None,
        older_exclusions=() if block is not cfg else _modelopt_older(cfg, kept),
        kv_cache_dtype=kv_dtype,
        modelopt_legacy_algo=legacy_algo if isinstance(legacy_algo, str) else None,
        weight_only=algo == "W4A16_NVFP4",
        module_formats=formats,
        modelopt_faults=_modelopt_faults(block, key, block is cfg),
        summary=(f"ModelOpt MIXED_PRECISION ({counts}; other modules 16-bit){kv}" if formats
                 else f"ModelOpt {algo}{kv}"),
    )


def _modelopt_faults(block: dict, key: str, flat: bool) -> ModelOptFaults | None:
    """The values of this ModelOpt config (`block`: its "quantization" block, else the whole)
    of another type than vLLM's reader asks for (modelopt.modelopt_type_errors); None where
    there are none. An exclusion list present but empty or null ({}, null) is read as none here
    and kept as its type; a non-empty non-list is a ConfigError (_modelopt)."""
    listed = block.get(key, [])
    kv = block.get("kv_cache_quant_algo")
    faults = ModelOptFaults(
        key=key, flat=flat,
        list_type=None if isinstance(listed, list) else type(listed).__name__,
        entry=next((repr(m) for m in listed if not isinstance(m, str)), None)
        if isinstance(listed, list) else None,
        kv_type=None if kv is None or isinstance(kv, str) else type(kv).__name__)
    return faults if faults.list_type or faults.entry or faults.kv_type else None


MODELOPT_KEYS_BEFORE = (((0, 11, 1), "exclude_modules"), ((0, 33, 0), "ignore"))
"""The one key older releases read a config.json ModelOpt quantization_config's exclusion list
from (no "quantization" block), each up to the release before its version.

NOTE: modelopt.py from_config, the layout without a "quantization" block: the 0.10.0-0.11.0
wheels config.get("exclude_modules"), 0.11.1-0.32.0 config.get("ignore", []) ("ignore" is the
key in config.json), 0.33.0-0.34.0 config.get("ignore", config.get("exclude_modules", []))
("ModelOpt checkpoints use either key across export versions"; _modelopt's). The 0.9.1 and
0.9.2 wheels read the "quantization" block only (get_from_keys). The block's exclude_modules:
the same key in every wheel."""


def _modelopt_older(cfg: dict, kept: tuple[str, ...]) -> tuple[ReleaseExclusions, ...]:
    """The lists the releases before 0.33 read from a config.json ModelOpt config
    (MODELOPT_KEYS_BEFORE); none where each is the newest's."""
    older = tuple(ReleaseExclusions(until=until, key=key, modules=tuple(
        str(m) for m in cfg[key]) if isinstance(cfg.get(key), list) else ())
        for until, key in MODELOPT_KEYS_BEFORE)
    return () if all(o.modules == kept for o in older) else older


def _modelopt_kv(cfg: dict, block: dict) -> Literal["fp8"] | None:
    """"fp8" where --kv-cache-dtype auto takes an FP8 KV cache from this ModelOpt config, else
    None.

    NOTE: utils/torch_utils.py get_kv_cache_quant_algo_string, which
    resolve_kv_cache_dtype_string asks for "auto" (vllm_versions.CHECKPOINT_KV_DTYPE_FROM;
    0.16.0, 0.21.0, 0.33.0, 0.34.0 wheels), takes the first of the "quantization" block's
    kv_cache_scheme, the config's kv_cache_scheme, the block's kv_cache_quant_algo, the
    config's kv_cache_quant_algo: a dict with dynamic false, num_bits 8 and type "float" is
    fp8 (num_bits 4 float nvfp4, not planned here), a string lower-cased "fp8" fp8_e4m3;
    anything else "auto" (the model dtype)."""
    kv = (block.get("kv_cache_scheme") or cfg.get("kv_cache_scheme")
          or block.get("kv_cache_quant_algo") or cfg.get("kv_cache_quant_algo"))
    if isinstance(kv, dict):
        fp8 = kv.get("dynamic") is False and kv.get("num_bits") == 8 and kv.get("type") == "float"
        return "fp8" if fp8 else None
    return "fp8" if isinstance(kv, str) and kv.lower() == "fp8" else None


def _module_formats(layers: object, where: str) -> tuple[tuple[ModuleFormat, ...], dict]:
    """A MIXED_PRECISION checkpoint's quantized_layers as ModuleFormats, and the group_size
    of each algorithm (its first entry's).

    NOTE: vLLM modelopt.py ModelOptMixedPrecisionConfig (0.17.0-0.34.0 wheels) gives each
    listed module its entry's quant_algo (upper-cased) and leaves every module the map does
    not name unquantized (UnquantizedLinearMethod)."""
    if not isinstance(layers, dict) or not layers:
        raise ConfigError(f"{where}: MIXED_PRECISION needs quantized_layers")
    formats, groups = [], {}
    for module, entry in layers.items():
        algo = entry.get("quant_algo") if isinstance(entry, dict) else None
        algo = algo.upper() if isinstance(algo, str) else algo
        if not isinstance(algo, str) or algo not in MODELOPT_ALGOS:  # a list: unhashable
            raise ConfigError(f"{where}: quantized_layers[{module!r}] quant_algo {algo!r} is "
                              "not a known ModelOpt algorithm")
        groups.setdefault(algo, entry.get("group_size"))
        formats.append(ModuleFormat(module=module, algo=algo, scheme=MODELOPT_ALGOS[algo],
                                    weight_only=algo == "W4A16_NVFP4"))
    return tuple(formats), groups
