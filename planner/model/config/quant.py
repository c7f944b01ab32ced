"""QuantSpec from a config.json `quantization_config` or a ModelOpt hf_quant_config.json.

Maps every storage format to one scheme key of planner.model.quant (e.g. "fp8-block128",
"w4a16-gptq-g128", "mxfp4", "nvfp4"); the byte widths live there, not here.
"""

from collections import Counter

from planner.model.quant import component_formats
from planner.model.spec import ConfigError, ModuleFormat, QuantSpec

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
) -> QuantSpec | None:
    """The checkpoint's QuantSpec; hf_quant_config.json wins over quantization_config.

    `expert_dtype` is config.json's top-level key of that name (DeepSeek-V4: "fp4" routed
    experts beside fp8-block linears).
    """
    spec = _quant_spec(qc, where, hf_quant, warnings)
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
    qc: object, where: str, hf_quant: dict | None, warnings: list[str]
) -> QuantSpec | None:
    if hf_quant is not None:
        block = hf_quant.get("quantization", hf_quant)
        if not isinstance(block, dict):
            raise ConfigError("hf_quant_config.json: quantization must be an object")
        return _modelopt(block, "hf_quant_config.json", warnings)
    if qc is None:
        return None
    if not isinstance(qc, dict):
        raise ConfigError(f"config.json: {where} must be an object")
    method = qc.get("quant_method")
    if not isinstance(method, str):
        raise ConfigError(f"config.json: {where}.quant_method is missing or not a string")
    method = method.lower()
    excluded = _names(qc.get("modules_to_not_convert") or qc.get("ignore") or [], where)
    if method == "fp8":
        return _fp8(qc, where, excluded, warnings)
    if method in ("gptq", "awq", "gptq_marlin", "awq_marlin"):
        return _gptq_awq(qc, where, method.removesuffix("_marlin"), excluded)
    if method == "compressed-tensors":
        return _compressed(qc, where, excluded, warnings)
    if method in INC_METHODS or method in INC_UNKNOWN_NAMES:
        return _inc(qc, where, method, warnings)
    if method == "mxfp4":
        return QuantSpec(method="mxfp4", scheme="mxfp4", weight_bits=4, group_size=32,
                         excluded_modules=excluded,
                         summary="MXFP4 (e2m1, one e8m0 scale per 32) MoE experts")  # fmt: skip
    if method == "bitsandbytes":
        return _bnb(qc, excluded)
    if method == "modelopt":
        return _modelopt(qc, f"config.json: {where}", warnings)
    if method == "fbgemm_fp8":
        return QuantSpec(method=method, scheme="fp8-channel", weight_bits=8,
                         excluded_modules=excluded, summary="FP8 per-channel (fbgemm)")  # fmt: skip
    warnings.append(f"{where}.quant_method {method!r} not understood: planned as 16-bit weights")
    return None


def _names(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"config.json: {where} module lists must be lists of strings")
    return tuple(value)


def _int_field(qc: dict, key: str, where: str, default: int | None) -> int | None:
    value = qc.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= 1 << 20:
        raise ConfigError(f"{where}.{key} must be an integer, got {value!r}")
    return value


def _block_pair(block: object) -> bool:
    """Whether an FP8 weight block is a list of two positive ints (weight_block_size, or an
    AutoRound FP8 export's 2-D group_size)."""
    return isinstance(block, list) and len(block) == 2 and all(
        isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in block)


def _fp8(qc: dict, where: str, excluded: tuple[str, ...], warnings: list[str]) -> QuantSpec:
    block = qc.get("weight_block_size")
    if block is None:
        summary = "FP8 e4m3, per-tensor scales"
        return QuantSpec(method="fp8", scheme="fp8-tensor", weight_bits=8,
                         excluded_modules=excluded, summary=summary)  # fmt: skip
    if not _block_pair(block):
        raise ConfigError(f"config.json: {where}.weight_block_size must be two positive ints")
    if block != [128, 128]:
        warnings.append(f"fp8 block {block} planned with the 128x128 block-scale overhead")
    return QuantSpec(method="fp8", scheme="fp8-block128", weight_bits=8,
                     block_size=(block[0], block[1]), excluded_modules=excluded,
                     summary=f"FP8 e4m3, {block[0]}x{block[1]} block scales")  # fmt: skip


def _gptq_awq(qc: dict, where: str, method: str, excluded: tuple[str, ...]) -> QuantSpec:
    bits = _int_field(qc, "bits", f"config.json: {where}", 4)
    group = _int_field(qc, "group_size", f"config.json: {where}", 128)
    if bits not in (4, 8):
        raise ConfigError(f"config.json: {where}.bits = {bits} is not 4 or 8")
    tag = "gchannel" if group == -1 else f"g{group}"
    scheme = f"w{bits}a16-{method}-{tag}"
    sym = "sym" if qc.get("sym", qc.get("zero_point") is False) else "asym"
    summary = f"{method.upper()} int{bits}, group {group if group != -1 else 'per-channel'}, {sym}"
    # vLLM's GPTQ config turns desc_act off for group -1 (auto_gptq.py __init__); AWQ has none
    act_order = method == "gptq" and qc.get("desc_act") is True and group != -1
    return QuantSpec(method=method, scheme=scheme, weight_bits=bits,
                     group_size=None if group == -1 else group, excluded_modules=excluded,
                     act_order=act_order, summary=summary)  # fmt: skip


def _compressed(qc: dict, where: str, excluded: tuple[str, ...], warnings: list[str]) -> QuantSpec:
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
    if wtype == "float" and bits == 4:
        scheme, summary = "nvfp4", "NVFP4 (e2m1, fp8 scale per 16) via compressed-tensors"
    elif wtype == "float" and bits == 8:
        scheme = {"block": "fp8-block128", "channel": "fp8-channel"}.get(strategy, "fp8-tensor")
        summary = f"FP8 e4m3 ({strategy or 'tensor'} scales) via compressed-tensors"
    elif wtype == "int" and bits == 8 and a_bits == 8:
        scheme, summary = "w8a8-int8", "INT8 weights and activations (W8A8) via compressed-tensors"
    elif wtype == "int" and bits in (4, 8):
        # compressed-tensors QuantizationArgs.symmetric defaults to true; symmetric checkpoints
        # store no zero points (planner.model.quant "ct" keys), asymmetric ones pack them like GPTQ.
        symmetric = w.get("symmetric", True) is not False
        tag = f"g{size}" if size else "gchannel"
        scheme = f"w{bits}a16-{'ct' if symmetric else 'gptq'}-{tag}"
        summary = (
            f"int{bits} weights, group {size or 'per-channel'} (W{bits}A16) compressed-tensors, "
            + ("symmetric (no zero points)" if symmetric else "asymmetric (zero points)")
        )
    else:
        warnings.append(f"{where}: compressed-tensors {wtype} {bits}-bit not understood")
        scheme, summary = "bf16", "unknown compressed-tensors format"
    if len(groups) > 1:
        warnings.append(f"{where}: {len(groups)} config_groups; planned with the first")
    # compressed_tensors_moe.py is_actorder: group strategy, actorder group or dynamic
    act_order = strategy == "group" and w.get("actorder") in ("group", "dynamic")
    return QuantSpec(method="compressed-tensors", scheme=scheme, weight_bits=bits,
                     group_size=size, excluded_modules=excluded, kv_cache_dtype=kv_fp8,
                     act_order=act_order, summary=summary)  # fmt: skip


# NOTE: vLLM's AutoRound / Intel Neural Compressor loader, INCConfig (quantization/inc.py in the
# 0.19.0-0.23.0 wheels, inc/inc.py + inc/config_parser.py in 0.24.0-0.30.0, 0.32.0, 0.33.0):
# override_quantization_method turns quant_method "auto-round" into "inc", the method's own
# name; from_config reads bits, group_size and sym (get_from_keys: required up to 0.28,
# get_from_keys_or(..., True) from 0.29), packing_format (default "auto_round:auto_gptq"; also
# "auto_round:auto_awq"), block_name_to_quantize / to_quant_block_names, extra_config,
# data_type (default "int") and backend / vllm_backend (default "auto", one of
# INC_BACKENDS, else ValueError "Unsupported backend"). modules_to_not_convert is not read. Other
# spellings older AutoRound exports wrote ("intel/auto-round", "auto_round") match neither the
# override nor a registered method: vLLM stops at "Unknown quantization method"
# (config/model.py _verify_quantization), planned here in their format and refused by
# planner.serving.startup.inc_errors.
INC_METHODS = ("auto-round", "inc")
INC_UNKNOWN_NAMES = ("intel/auto-round", "auto_round")
INC_PACKINGS = {"auto_round:auto_gptq": "gptq", "auto_round:auto_awq": "awq"}
INC_BACKENDS = ("auto", "gptq", "gptq:marlin", "awq", "awq:marlin", "marlin")
_KEPT_BITS = 16


def _inc(qc: dict, where: str, method: str, warnings: list[str]) -> QuantSpec | None:
    """An AutoRound checkpoint as vLLM's INCConfig reads it: int4/int8 weights packed as GPTQ or
    AWQ (the same tensors, so the same scheme keys and bytes), the modules extra_config keeps
    at 16 bits (`bits` >= 16: UnquantizedLinearMethod in get_quant_method) excluded."""
    at = f"config.json: {where}"
    data_type = qc.get("data_type", "int")
    packing = qc.get("packing_format", "auto_round:auto_gptq")
    if isinstance(qc.get("group_size"), list):
        return _inc_fp8(qc, where, method, data_type, warnings)
    bits = _int_field(qc, "bits", at, None)
    group = _int_field(qc, "group_size", at, None)
    if bits is None or group is None:
        raise ConfigError(f"{at} needs bits and group_size (vLLM INCConfig.from_config)")
    backend = qc.get("backend", qc.get("vllm_backend"))
    if method in INC_METHODS and backend is not None and backend not in INC_BACKENDS:
        raise ConfigError(f"{at}.backend: Unsupported backend: {backend}, currently only "
                          f"support {set(INC_BACKENDS)} (vLLM INCConfig)")
    if data_type != "int" or packing not in INC_PACKINGS or bits not in (4, 8) \
            or not -1 <= group != 0:
        warnings.append(f"{where}: AutoRound {data_type} {bits}-bit, group {group}, packing "
                        f"{packing!r} not understood: planned as 16-bit weights")
        return None
    sym = qc.get("sym")
    if sym is not None and not isinstance(sym, bool):
        raise ConfigError(f"{at}.sym must be true or false, got {sym!r}")
    kept, notes = _inc_overrides(qc.get("extra_config"), bits, group, at)
    warnings.extend(f"{where}: {note}" for note in notes)
    blocks = qc.get("block_name_to_quantize", qc.get("to_quant_block_names"))
    if isinstance(blocks, str):
        blocks = blocks.split(",")
    if blocks is not None and not any(str(b).strip().endswith("layers") for b in blocks):
        warnings.append(f"{where}: block_name_to_quantize {blocks} names no decoder layers; "
                        "planned with every decoder layer quantized")
    family = INC_PACKINGS[packing]
    tag = "gchannel" if group == -1 else f"g{group}"
    shown = "per-channel" if group == -1 else f"group {group}"
    symmetry = {True: "sym", False: "asym", None: "sym unset"}[sym]
    kept_note = f"; {len(kept)} modules kept 16-bit (extra_config)" if kept else ""
    return QuantSpec(
        method=method, scheme=f"w{bits}a16-{family}-{tag}", weight_bits=bits,
        group_size=None if group == -1 else group, excluded_modules=kept,
        symmetric=sym, backend=backend,
        summary=f"AutoRound int{bits}, {shown}, {symmetry}, {family.upper()}-packed{kept_note}",
    )


def _inc_fp8(qc: dict, where: str, method: str, data_type: str, warnings: list[str]
             ) -> QuantSpec | None:
    """An AutoRound block-FP8 export: data_type "fp" ("fp8" is read as "fp"), bits 8, a 2-D
    group_size, sym, packing_format "auto_round:fp8" (its default for such a block).

    NOTE: INCConfig (0.29.0-0.30.0, 0.32.0, 0.33.0 wheels) gives these linear layers
    INCFp8Scheme: Fp8LinearMethod with weight_block_size = group_size, the block-FP8 tensors
    of quant_method fp8 (fp8 weight, fp32 weight_scale_inv per block); the scheme has no MoE
    method (INCScheme.get_moe_method raises NotImplementedError), and releases before 0.29
    list data_type int and mx_fp only (startup.inc_errors)."""
    block = qc["group_size"]
    packing = qc.get("packing_format", "auto_round:fp8")
    if data_type not in ("fp", "fp8") or qc.get("bits") != 8 or packing != "auto_round:fp8" \
            or qc.get("sym", True) is not True or not _block_pair(block):
        warnings.append(f"{where}: AutoRound {data_type} {qc.get('bits')}-bit in blocks of "
                        f"{block}, packing {packing!r} not understood: planned as 16-bit weights")
        return None
    if block != [128, 128]:
        warnings.append(f"{where}: fp8 block {block} planned with the 128x128 block-scale "
                        "overhead")
    kept, notes = _inc_overrides(qc.get("extra_config"), 8, -1, f"config.json: {where}")
    warnings.extend(f"{where}: {note}" for note in notes if "lm_head" in note)
    return QuantSpec(
        method=method, scheme="fp8-block128", weight_bits=8, block_size=(block[0], block[1]),
        excluded_modules=kept, symmetric=True, backend=qc.get("backend"),
        summary=f"AutoRound FP8 e4m3, {block[0]}x{block[1]} block scales (auto_round:fp8)")


def _inc_overrides(extra: object, bits: int, group: int, at: str
                   ) -> tuple[tuple[str, ...], list[str]]:
    """extra_config's modules kept at 16 bits, and notes on the overrides not planned (other
    bits or groups: planned at the checkpoint's)."""
    if extra is None:
        return (), []
    if not isinstance(extra, dict) or not all(isinstance(v, dict) for v in extra.values()):
        raise ConfigError(f"{at}.extra_config must map module names to objects")
    kept = tuple(name for name, cfg in extra.items()
                 if isinstance(cfg.get("bits", bits), int) and cfg.get("bits", bits) >= _KEPT_BITS)
    other = sorted(name for name, cfg in extra.items() if name not in kept
                   and (cfg.get("bits", bits), cfg.get("group_size", group)) != (bits, group))
    notes = [f"extra_config gives {len(other)} modules other bits or groups ({other[0]}, ...): "
             f"planned at int{bits}, group {group}"] if other else []
    if any(name.endswith("lm_head") and name not in kept for name in extra):
        notes.append("extra_config quantizes lm_head (vLLM INCConfig builds it quantized): "
                     "planned at 16 bits")
    return kept, notes


def _bnb(qc: dict, excluded: tuple[str, ...]) -> QuantSpec:
    if qc.get("load_in_8bit"):
        return QuantSpec(method="bitsandbytes", scheme="bnb-int8", weight_bits=8,
                         excluded_modules=excluded, summary="bitsandbytes LLM.int8()")  # fmt: skip
    kind = qc.get("bnb_4bit_quant_type", "nf4")
    return QuantSpec(method="bitsandbytes", scheme="bnb-nf4", weight_bits=4, group_size=64,
                     excluded_modules=excluded, summary=f"bitsandbytes 4-bit {kind}")  # fmt: skip


def _modelopt(block: dict, where: str, warnings: list[str]) -> QuantSpec:
    algo = block.get("quant_algo")
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
    kv_algo = block.get("kv_cache_quant_algo")
    # NOTE: vLLM modelopt.py ModelOptQuantConfigBase.from_config reads exclude_modules from
    # hf_quant_config.json and "ignore" from a config.json quantization_config (0.16.0, 0.33.0)
    excluded = block.get("exclude_modules", block.get("ignore")) or []
    if not isinstance(excluded, list):
        raise ConfigError(f"{where}: exclude_modules must be a list")
    kv = ", FP8 KV cache" if kv_algo == "FP8" else ""
    counts = ", ".join(f"{a} x{n}" for a, n in sorted(algos.items()))
    return QuantSpec(
        method="modelopt",
        scheme=MODELOPT_ALGOS[algo],
        weight_bits=4 if "4" in algo else 8,
        group_size=group if isinstance(group, int) and not isinstance(group, bool) else None,
        excluded_modules=tuple(str(m) for m in excluded),
        kv_cache_dtype="fp8" if kv_algo == "FP8" else None,
        weight_only=algo == "W4A16_NVFP4",
        module_formats=formats,
        summary=(f"ModelOpt MIXED_PRECISION ({counts}; other modules 16-bit){kv}" if formats
                 else f"ModelOpt {algo}{kv}"),
    )


def _module_formats(layers: object, where: str) -> tuple[tuple[ModuleFormat, ...], dict]:
    """A MIXED_PRECISION checkpoint's quantized_layers as ModuleFormats, and the group_size
    of each algorithm (its first entry's).

    NOTE: vLLM modelopt.py ModelOptMixedPrecisionConfig (0.17.0-0.33.0 wheels) gives each
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
