"""Weight-only int checkpoints (GPTQ, AWQ) against vLLM's GPTQ and AWQ configs: which loader takes
one (the plain float16-only gptq.py / awq.py, the Marlin configs, AutoGPTQConfig /
AutoAWQConfig), a quant_method awq_marlin / gptq_marlin kept under that name, the keys, sym and
act-order each config reads, and the refusals they raise while vLLM reads the config.
Sources: quantization/gptq.py, gptq_marlin.py, awq.py, awq_marlin.py, auto_gptq.py,
auto_awq.py and utils/marlin_utils.py, per wheel as each NOTE says."""

from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.hardware import GpuSpec, parse_capability
from planner.serving.layout import (
    MARLIN_MOE_GROUP_SIZES,
    group_size,
    marlin_takes_group,
    quantized_component,
)
from planner.serving.vllm_versions import ACT_ORDER_REFUSED_FROM, Version, version_label

PLAIN_LOADER_LAST: dict[str, Version] = {"gptq": (0, 21, 0), "awq": (0, 23, 0)}
"""NOTE: the last release whose GPTQ / AWQ checkpoint loads on vLLM's plain loader where
Marlin does not take it: gptq.py GPTQConfig and awq.py AWQConfig, get_supported_act_dtypes()
[torch.half] (0.19.0, 0.20.0, 0.21.0 wheels; awq.py also 0.22.0, 0.23.0). gptq_marlin.py
GPTQMarlinConfig.override_quantization_method converts only is_gptq_marlin_compatible
checkpoints (current_platform.is_cuda() or is_cpu(), so never on ROCm; 4 or 8 bits,
symmetric; check_marlin_supported: group in marlin_utils.MARLIN_SUPPORTED_GROUP_SIZES
[-1, 32, 64, 128]); awq_marlin.py AWQMarlinConfig.is_awq_marlin_compatible likewise
(cuda-alike, 4 bits, the same groups). From 0.22.0 quantization "gptq" is AutoGPTQConfig and
from 0.24.0 "awq" AutoAWQConfig, [torch.half, torch.bfloat16] at every group. Both checks also
read the checkpoint's keys (marlin_keys_miss: GPTQ's sym and a null desc_act, AWQ's bits /
group_size / zero_point). Releases before PLAIN_LOADER_READ_FROM are not read."""

PLAIN_LOADER_READ_FROM: Version = (0, 19, 0)


def plain_loader(method: str, scheme: QuantScheme, version: Version, vendor: str,
                  capability: tuple[int, int] | None = None, keys_miss: str = "") -> str:
    """Why vLLM `version` loads this GPTQ/AWQ `method` with its plain, float16-only loader
    (PLAIN_LOADER_LAST), or "" where a Marlin or Auto loader takes it. `capability`: an NVIDIA
    GPU's compute capability where the caller asks (below 7.5 Marlin takes nothing:
    is_{method}_marlin_compatible ends in check_marlin_supported, whose
    query_marlin_supported_quant_types lists no type there; 0.19.0-0.21.0 gptq_marlin.py,
    0.19.0-0.23.0 awq_marlin.py wheels). `keys_miss`: the stored checkpoint's keys that check
    refuses (marlin_keys_miss)."""
    if method not in PLAIN_LOADER_LAST or not \
            PLAIN_LOADER_READ_FROM <= version <= PLAIN_LOADER_LAST[method]:
        return ""
    if not marlin_takes_group(scheme):  # MARLIN_SUPPORTED_GROUP_SIZES, the same list
        return (f"{method}_marlin takes groups {list(MARLIN_MOE_GROUP_SIZES)}, not "
                f"{group_size(scheme)} (is_{method}_marlin_compatible)")
    if keys_miss:
        return keys_miss
    if method == "gptq" and vendor != "nvidia":
        return "gptq_marlin is CUDA-only (is_gptq_marlin_compatible)"
    if marlin_lists_no_type(vendor, capability):
        return (f"{method}_marlin needs compute capability 7.5 (is_{method}_marlin_compatible: "
                "check_marlin_supported)")
    return ""


def marlin_lists_no_type(vendor: str, capability: tuple[int, int] | None) -> bool:
    """Whether marlin_utils.query_marlin_supported_quant_types lists no type for this GPU: on
    CUDA below compute capability 7.5 (ROCm skips the test), so _check_marlin_supported
    refuses every checkpoint there (0.19.0-0.34.0 wheels)."""
    return vendor == "nvidia" and capability is not None and capability < (7, 5)


def marlin_group_refusal(group: int | tuple[int, int]) -> str:
    """marlin_utils._check_marlin_supported's words for a group outside
    MARLIN_SUPPORTED_GROUP_SIZES (MARLIN_MOE_GROUP_SIZES, the same list), as
    verify_marlin_supported raises them; "" for a group Marlin takes."""
    if group in MARLIN_MOE_GROUP_SIZES:
        return ""
    return (f"Marlin does not support group_size = {group}. Only group_sizes = "
            f"{list(MARLIN_MOE_GROUP_SIZES)} are supported.")


def kept_marlin_method(spec: ModelSpec, scheme: QuantScheme) -> str | None:
    """The quant_method "awq_marlin" or "gptq_marlin" of a checkpoint planned as stored that
    writes it so (QuantSpec.marlin_named), which vLLM keeps as model_config.quantization in
    every release: no override renames it, as AutoAWQConfig / AutoGPTQConfig's (and up to
    0.23 / 0.21 awq_marlin.py is_awq_marlin_compatible / gptq_marlin.py
    is_gptq_marlin_compatible) claim only quant_method "awq" / "gptq" (0.21.0, 0.23.0, 0.34.0
    wheels). So start-up's refusals name it (capability_errors, act_dtype_errors,
    rocm_quantization_errors), and the registry maps it to AWQMarlinConfig / GPTQMarlinConfig
    up to PLAIN_LOADER_LAST (own_marlin_config), to AutoAWQConfig / AutoGPTQConfig after. None
    for any other."""
    quant = spec.quant
    if not stored_format(spec, scheme) or not quant.marlin_named:
        return None
    return f"{quant.method}_marlin"


MARLIN_75_FROM: Version = (0, 14, 0)
"""The first release whose Marlin takes compute capability 7.5 (8.0 before).

NOTE: marlin_utils.py query_marlin_supported_quant_types returns [] for `device_capability <
80` in the 0.9.1 and 0.13.0 wheels, `< 75` in 0.16.0, 0.21.0 and 0.23.0; awq_marlin.py /
gptq_marlin.py get_min_capability() return the same 80 / 75 there, and the vllm_cli fixtures
(extracted from every wheel) give 80 up to 0.13.0 and 75 from 0.14.0: the Marlin threshold is
taken to move with them (0.14.0 and 0.15.x's marlin_utils not read)."""


def own_marlin_config(spec: ModelSpec, scheme: QuantScheme, version: Version) -> bool:
    """Whether vLLM `version` loads this checkpoint with AWQMarlinConfig / GPTQMarlinConfig
    because its quant_method says so (kept_marlin_method; every release up to
    PLAIN_LOADER_LAST), with no fall-back to awq.py / gptq.py's plain loader for the whole
    config (marlin_named_errors)."""
    named = kept_marlin_method(spec, scheme)
    return bool(named) and version <= PLAIN_LOADER_LAST[spec.quant.method]


def marlin_named_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                        gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a checkpoint whose quant_method is "awq_marlin" / "gptq_marlin" on a
    release that loads it with that config itself (own_marlin_config), in its words; [] where
    it loads (or off NVIDIA: ROCm not read). E.g. AWQ int4 in groups of 256 written as
    awq_marlin on 0.23.0: "Marlin does not support group_size = 256. ...", where quant_method
    "awq" loads on awq.py.

    NOTE: awq_marlin.py AWQMarlinConfig (0.9.1, 0.13.0, 0.16.0, 0.21.0 and 0.23.0 wheels, the
    same code): from_config reads get_from_keys(config, ["bits"]), (["group_size"]),
    (["zero_point"]) with no other key
    (AutoAWQ's older w_bit / q_group_size: "Cannot find any of ['bits'] in the model's
    quantization config."), and __init__ calls marlin_utils.verify_marlin_supported(uint4,
    group_size, has_zp=zero_point) while VllmConfig._get_quantization_config reads the config,
    before its capability check: below compute capability 7.5 (8.0 before MARLIN_75_FROM)
    query_marlin_supported_quant_types lists no type, with zero_point false it lists [uint4b8,
    uint8b128, float8_e4m3fn, float4_e2m1f] (no uint4), and the group must be in [-1, 32, 64,
    128]; the ValueError prints the types as ScalarType reprs. get_quant_method keeps the
    per-layer fall-back (0.21.0, 0.23.0: a layer check_marlin_supports_layer refuses runs
    AWQConfig's method, marlin_shape_findings).
    gptq_marlin.py GPTQMarlinConfig (0.9.1, 0.13.0, 0.16.0, 0.21.0): __init__ checks only
    (bits, sym) (gptq_sym_errors), get_min_capability 80 / 75 (capability_errors names
    gptq_marlin); each quantized linear layer's GPTQMarlinLinearMethod.__init__ calls
    verify_marlin_supported(quant_type, group_size) (0.21.0: a FusedMoE layer Marlin does not
    take falls back to MoeWNA16 instead)."""
    if gpu.vendor != "nvidia" or not own_marlin_config(spec, scheme, version):
        return []
    quant, v = spec.quant, version_label(version)
    group = quant.group_size if quant.group_size is not None else -1
    cc = parse_capability(gpu.compute_capability)
    if quant.method == "awq":
        where = _awq_marlin_where(version)
        if quant.awq_marlin_missing:
            return [f"Cannot find any of ['{quant.awq_marlin_missing}'] in the model's "
                    f"quantization config. {where}; it reads bits and group_size, not AutoAWQ's "
                    "older w_bit / q_group_size)"]
        below = awq_marlin_capability_refusal(spec, scheme, version, gpu)
        if below:
            return [below]
        zp = quant.symmetric is not True
        capability = f"{cc[0]}{cc[1]}" if cc else "-1"
        if not zp:
            return [f"Marlin does not support weight_bits = uint4. Only types = "
                    f"[{MARLIN_NO_ZP_TYPES}] are supported (for group_size = {group}, "
                    f"device_capability = {capability}, zp = False). {where}, which takes AWQ "
                    "with zero points only: zero_point is false)"]
        refused = marlin_group_refusal(group)
        return [f"{refused} {where}; quant_method awq loads this group on awq.py)"] \
            if refused else []
    refused = marlin_group_refusal(group)
    if not refused or not quantized_linears(spec, scheme):
        return []
    return [f"{refused} (vLLM {v} GPTQMarlinLinearMethod: quant_method gptq_marlin builds every "
            "quantized linear layer on Marlin; quant_method gptq loads this group on gptq.py)"]


def _awq_marlin_where(version: Version) -> str:
    """The opening of the source note marlin_named_errors' AWQMarlinConfig refusals end with."""
    return f"(vLLM {version_label(version)} AWQMarlinConfig: quant_method awq_marlin loads on " \
        "Marlin only"


def awq_marlin_capability_refusal(spec: ModelSpec, scheme: QuantScheme, version: Version,
                                  gpu: GpuSpec) -> str | None:
    """AWQMarlinConfig.__init__'s Marlin refusal of `gpu` below compute capability 7.5 (8.0
    before MARLIN_75_FROM) for a quant_method awq_marlin checkpoint it loads itself
    (own_marlin_config), in vLLM's words; None on a GPU Marlin takes, for any other checkpoint,
    or where from_config stops first (QuantSpec.awq_marlin_missing). Every node's VllmConfig
    asks it (marlin_named_errors for node 0's GPU, plan.refusals.node_quant_errors for the others).
    E.g. a V100 (7.0) on 0.23.0: "... Only types = [] are supported ..."."""
    quant = spec.quant
    if gpu.vendor != "nvidia" or not own_marlin_config(spec, scheme, version) \
            or quant.method != "awq" or quant.awq_marlin_missing:
        return None
    cc = parse_capability(gpu.compute_capability)
    need = (7, 5) if version >= MARLIN_75_FROM else (8, 0)
    if cc is None or cc >= need:
        return None
    group = quant.group_size if quant.group_size is not None else -1
    return (f"Marlin does not support weight_bits = uint4. Only types = [] are supported (for "
            f"group_size = {group}, device_capability = {cc[0]}{cc[1]}, zp = "
            f"{quant.symmetric is not True}). {_awq_marlin_where(version)}, which needs compute "
            f"capability {need[0]}.{need[1]}; quant_method awq loads on awq.py there)")


MARLIN_NO_ZP_TYPES = ("ScalarType.uint4b8, ScalarType.uint8b128, ScalarType.float8_e4m3fn, "
                      "ScalarType.float4_e2m1f")
"""marlin_utils.query_marlin_supported_quant_types(has_zp=False) on CUDA from 7.5, as the
ValueError prints it (scalar_type.py ScalarType.__repr__: "ScalarType." + the type's name;
0.21.0 and 0.23.0 wheels)."""


def quantized_linears(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether the checkpoint stores a linear layer that choose_mp_linear_kernel builds
    quantized: a mixer's, a dense MLP's, a shared expert's or lm_head's (routed experts take
    vLLM's MoE methods instead). E.g. Kimi-K2.5's compressed-tensors ignore list leaves
    self_attn, shared_experts and the dense mlp in bfloat16: only its routed experts are int4."""
    present = {"attention", "lm_head"}
    for layer in spec.layers:
        if layer.mlp is not None and layer.mlp.kind == "dense":
            present.add("dense_mlp")
        if isinstance(layer.mlp, MoeMlp) and layer.mlp.num_shared_experts:
            present.add("shared_experts")
    return any(quantized_component(spec, scheme, component) for component in present)


def awq_without_zero_points(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether `scheme` plans an AWQ checkpoint as stored whose zero_point is false
    (QuantSpec.symmetric): vLLM's AWQ configs then ask check_marlin_supported(uint4, group,
    has_zp=False), which query_marlin_supported_quant_types refuses (uint4 is listed with zero
    points only; awq_marlin.py is_awq_marlin_compatible 0.19.0-0.23.0, auto_awq.py
    get_quant_method 0.24.0-0.34.0), so its layers leave Marlin. Both build qzeros all the
    same (create_weights), so its bytes are AWQ's."""
    return stored_format(spec, scheme) and spec.quant.method == "awq" \
        and spec.quant.symmetric is True


def marlin_keys_miss(spec: ModelSpec, scheme: QuantScheme, version: Version) -> str:
    """Why vLLM `version`'s GPTQ / AWQ Marlin check refuses this stored checkpoint for its own
    keys ("" where they pass, or another checkpoint): up to PLAIN_LOADER_LAST its plain loader
    then takes it, after it AWQ's layers leave Marlin (zero_point false only).

    NOTE: gptq_marlin.py is_gptq_marlin_compatible (0.19.0-0.21.0 wheels) reads
    quant_config.get("sym") and .get("desc_act") and returns False where one is None (absent or
    null; a config without desc_act is refused at parse, config.quant.GPTQ_KEYS) or (bits, sym)
    is not in TYPE_MAP {(4, True), (8, True)}; awq_marlin.py is_awq_marlin_compatible
    (0.19.0-0.23.0) reads .get("bits"), .get("group_size") and .get("zero_point"), False where
    one is None (AutoAWQ's older w_bit / q_group_size are not read there: awq.py AWQConfig reads
    them, config.quant.AWQ_KEYS) and check_marlin_supported(uint4, group, has_zp=zero_point)
    refuses zero_point false (awq_without_zero_points). From 0.22.0 AutoGPTQConfig refuses sym
    false (gptq_sym_errors); from 0.24.0 AutoAWQConfig reads w_bit and asks only the zero
    point."""
    if not stored_format(spec, scheme) or spec.quant.method not in PLAIN_LOADER_LAST:
        return ""
    quant, plain = spec.quant, version <= PLAIN_LOADER_LAST[spec.quant.method]
    if plain and quant.marlin_named:
        return ""  # AWQMarlinConfig / GPTQMarlinConfig itself: marlin_named_errors
    if quant.method == "awq":
        if awq_without_zero_points(spec, scheme):
            return ("awq_marlin takes AWQ weights with zero points only, and zero_point is "
                    "false (is_awq_marlin_compatible: check_marlin_supported)") if plain else \
                "auto_awq.py takes Marlin for AWQ weights with zero points only"
        return ("awq_marlin reads bits and group_size, which this config gives only as w_bit "
                "/ q_group_size (is_awq_marlin_compatible)") if plain and quant.awq_old_keys \
            else ""
    if not plain or quant.marlin_named:
        return ""  # quant_method gptq_marlin: GPTQMarlinConfig itself (gptq_sym_errors)
    if quant.desc_act_null:
        return "gptq_marlin reads desc_act, which this config gives as null " \
            "(is_gptq_marlin_compatible)"
    if quant.symmetric is True:
        return ""
    held = "null" if quant.sym_null else "absent" if quant.symmetric is None else "false"
    return f"gptq_marlin takes GPTQ with sym true only, and sym is {held} " \
        "(is_gptq_marlin_compatible)"


GPTQ_SYM_REQUIRED_FROM: Version = (0, 22, 0)
"""NOTE: from 0.22.0 quantization "gptq" is auto_gptq.py AutoGPTQConfig on every GPU
(override_quantization_method), whose from_config reads get_from_keys(config, ["sym"]) (no
default: ValueError "Cannot find any of ['sym'] in the model's quantization config.") and whose
__init__ raises ValueError(f"Unsupported quantization config: bits={weight_bits},
sym={is_sym}") for (bits, sym) outside TYPE_MAP {(4, True), (8, True)} (0.22.0, 0.28.0,
0.29.0, 0.34.0 wheels read). Up to 0.21 sym false, null or absent loads on gptq.py's plain
GPTQConfig, which reads no sym (marlin_keys_miss), unless the config's quant_method is
"gptq_marlin": vLLM then builds gptq_marlin.py GPTQMarlinConfig (no override claims it:
is_gptq_marlin_compatible wants quant_method "gptq"), whose from_config and __init__ read sym
and raise in the same words (0.9.1, 0.19.0, 0.21.0 read)."""


def gptq_sym_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a GPTQ checkpoint as stored for its sym key (GPTQ_SYM_REQUIRED_FROM),
    in its words; [] where it loads. E.g. an asymmetric int4 GPTQ checkpoint on 0.34.0:
    "Unsupported quantization config: bits=4, sym=False"."""
    if not stored_format(spec, scheme) or spec.quant.method != "gptq" \
            or spec.quant.symmetric is True \
            or (version < GPTQ_SYM_REQUIRED_FROM and not spec.quant.marlin_named):
        return []
    v = version_label(version)
    loader = "AutoGPTQConfig" if version >= GPTQ_SYM_REQUIRED_FROM else "GPTQMarlinConfig"
    earlier = ("quant_method gptq_marlin is refused so in every release" if
               spec.quant.marlin_named else "0.21 and earlier load it on gptq.py's plain loader, "
               "float16 only")
    if spec.quant.symmetric is None and not spec.quant.sym_null:
        return ["Cannot find any of ['sym'] in the model's quantization config. (vLLM "
                f"{v} {loader}.from_config reads sym as required; {earlier})"]
    return [f"Unsupported quantization config: bits={spec.quant.weight_bits}, "
            f"sym={spec.quant.symmetric} (vLLM {v} {loader}: Marlin takes GPTQ in 4 or "
            f"8 bits, symmetric; {earlier})"]


def act_order_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a group act-order checkpoint (QuantSpec.act_order: GPTQ desc_act
    with a group, compressed-tensors actorder group or dynamic; or a GPTQ `dynamic` rule
    giving some modules that, QuantSpec.act_order_rule) from ACT_ORDER_REFUSED_FROM, on every
    GPU; [] otherwise. E.g. a GPTQ int4 g128 desc_act checkpoint on 0.30.0."""
    quant = spec.quant
    if quant is None or scheme.what_if or not (quant.act_order or quant.act_order_rule) \
            or version < ACT_ORDER_REFUSED_FROM:
        return []
    where = f"vLLM {version_label(version)} "
    if not quant.act_order:
        return ["GPTQ group activation ordering (desc_act=True) is no longer supported, but is "
                f"enabled by dynamic rule {quant.act_order_rule!r}. Use a checkpoint with "
                "static activation ordering or desc_act=False. (" + where + "AutoGPTQConfig, "
                "normalize_and_validate_gptq_desc_act: the rule's modules would load with "
                "act-order; 0.29 loads them)"]
    if quant.method == "gptq":
        return ["GPTQ group activation ordering (desc_act=True) is no longer supported. Use a "
                "checkpoint with static activation ordering or desc_act=False. (" + where
                + "AutoGPTQConfig, normalize_and_validate_gptq_desc_act; 0.29 loads it)"]
    return ["Compressed-tensors group/dynamic activation ordering is no longer supported. Use "
            "a checkpoint with static/weight activation ordering or without activation "
            "ordering. (" + where + "CompressedTensorsConfig: this checkpoint's actorder is "
            "group or dynamic; 0.29 loads it)"]


MARLIN_MIN_CAPABILITY = 75  # marlin_utils.query_marlin_supported_quant_types: [] below 7.5 (CUDA)
