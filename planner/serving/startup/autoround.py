"""AutoRound checkpoints (quant_method "auto-round"), which vLLM loads with its Intel Neural
Compressor config (quantization/inc.py, inc/ from 0.24: INCConfig): which releases read it,
INCConfig's checks of bits, data_type, packing_format, sym, MXFP and block-FP8 layouts, its
extra_config entries (routed experts, gate/up, lm_head), the schemes and kernels each layer gets
(Marlin, Humming, GPTQ's exllama, AWQ's own GEMM), and the notes where a layer leaves Marlin."""

from planner.model.config.quant import INC_UNKNOWN_NAMES, fused_moe_of, inc_set
from planner.model.quant import QuantScheme, checkpoint_scheme
from planner.model.quant import scheme as quant_scheme
from planner.model.spec import IncEntry, IncFormat, ModelSpec, QuantSpec
from planner.serving.hardware import GpuSpec
from planner.serving.layout import (
    MARLIN_MOE_GROUP_SIZES,
    first_moe,
    group_size,
    inc_checkpoint,
    inc_packing_off_marlin,
    marlin_takes_group,
    quantized_component,
)
from planner.serving.startup.device import capability
from planner.serving.startup.quant_method import config_quant_method
from planner.serving.startup.wna16_loaders import MARLIN_MIN_CAPABILITY
from planner.serving.tie import served_tie
from planner.serving.vllm_versions import UNKNOWN_QUANT_READ_FROM, Version, version_label


def inc_overrides_quantization(spec: ModelSpec, quantization: str | None) -> bool:
    """Whether vLLM loads this checkpoint as "inc" whatever `quantization` (--quantization)
    says: quant_method "auto-round", in a format Headroom reads or one it plans as 16-bit.

    NOTE: INCConfig.override_quantization_method returns "inc" for quant_method "auto-round"
    (exactly: not "intel/auto-round" or "auto_round") without reading user_quant, and
    config/model.py _verify_quantization (0.19.0, 0.28.0, 0.30.0, 0.33.0, 0.34.0 wheels) then
    sets self.quantization to the override: --quantization is not compared, and INCConfig
    loads (or refuses: inc_errors, inc_format_errors) the checkpoint as stored. No override
    before "inc" in that list claims "auto-round" (gptq / awq ones take "gptq" / "awq" only)."""
    return bool(quantization) and config_quant_method(spec) == "auto-round"


def inc_quantization_notes(spec: ModelSpec, quantization: str | None) -> list[str]:
    """The note that a --quantization given for an AutoRound checkpoint has no effect."""
    if not inc_overrides_quantization(spec, quantization):
        return []
    return [f"--quantization {quantization} has no effect here: vLLM turns this checkpoint's "
            "quant_method 'auto-round' into 'inc' whatever --quantization says "
            "(INCConfig.override_quantization_method), so it is planned as stored"
            + ("." if spec.quant else ", its weights as 16-bit (a format Headroom does not "
               "read: see the verdict).")]


def inc_as_stored_errors(spec: ModelSpec, version: Version, gpu: GpuSpec) -> list[str]:
    """vLLM's refusals of an AutoRound checkpoint as stored (inc_errors of its read format,
    inc_format_errors of a block planned as 16-bit), which a runtime what-if's
    --quantization loads instead (inc_overrides_quantization): for launch's note. [] before
    INC_READ_FROM, whose INCConfig is not read (Headroom's refusal is no words of vLLM's)."""
    if version < INC_READ_FROM:
        return []
    if spec.quant is not None:
        return inc_errors(spec, checkpoint_scheme(spec), version, gpu)
    return inc_format_errors(spec, quant_scheme("bf16"), version, gpu)  # as stored: no what-if


INC_READ_FROM: Version = (0, 19, 0)
"""The first release whose AutoRound loader Headroom has read (INCConfig, quantization/inc.py;
the 0.19.0-0.30.0 and 0.32.0-0.34.0 wheels; 0.31.0 not read: the INC files of 0.30.0 and 0.32.0
are byte-identical). Earlier releases load "auto-round" on auto_round.py AutoRoundConfig (0.11.0,
0.12.0 wheels), not read here: refused (inc_errors)."""
INC_PLAIN_GPTQ_LAST: Version = (0, 21, 0)
"""NOTE: INCConfig.apply_gptq_quant_layer (0.19.0-0.21.0) builds GPTQLinearMethod (gptq.py, the
exllama kernels) for a linear layer Marlin does not take; 0.22.0-0.23.0 raise
NotImplementedError there, as INCWNA16LinearScheme._build_gptq_method does from 0.24.0."""
INC_FP8_FROM: Version = (0, 29, 0)  # SUPPORTED_DTYPES gains "fp" (INCFp8Scheme) in the 0.29.0 wheel
INC_MXFP_FROM: Version = (0, 27, 0)  # SUPPORTED_DTYPES gains "mx_fp" (substring match) in 0.27.0
INC_SYM_DEFAULT_FROM: Version = (0, 29, 0)
"""NOTE: INCConfig.from_config reads sym with get_from_keys (required) and packing_format with
get_from_keys_or(..., "auto_round:auto_gptq"), a present null as None ("Unsupported
packing_format: None"), until 0.28.0; from 0.29.0 both default (sym true, a null packing_format
the block's default packing: config.quant._inc_packing). 0.19.0-0.34.0 wheels, each read."""


INC_EXPERT_ENTRIES_LAST: Version = (0, 23, 0)
"""NOTE: the last release whose INC loader reads the routed experts' extra_config entries:
INCConfig.get_layer_config (inc.py, 0.19.0-0.23.0 wheels) and INCConfigParser._resolve_raw
(config_parser.py, 0.24.0-0.34.0) take them only `if "fusedmoe" in
layer.__class__.__name__.lower()`. The MoE layer is class FusedMoE up to 0.23.0 (0.22.0 and
0.23.0 alias RoutedExperts to it, fused_moe/__init__.py); from 0.24.0 FusedMoE is a factory
function (fused_moe/layer.py) that builds a RoutedExperts (or a subclass: DbrxExperts,
GptOssRoutedExperts, ...), which calls get_quant_method with itself, so the entries are
skipped and the experts take the layer prefix's own config: the checkpoint's, unless a key
names 'mlp.experts' itself. RoutedExperts._load_w13 / _load_w2 (routed_experts.py, 0.33.0, 0.34.0)
copy each stored expert tensor into those parameters, narrowing a larger parameter to a
smaller tensor (_narrow_expert_data_for_padding) and failing on a larger one."""


INC_BACKEND_FROM: Version = (0, 24, 0)
"""NOTE: INCConfig.get_quant_method calls apply_gptq_quant_layer(layer, prefix) without its
`backend` argument (default "auto") in the 0.19.0-0.23.0 wheels, so the config's backend picks
the packing only; INCWNA16LinearScheme (0.24.0-0.34.0) reads it: use_marlin needs "auto" or a
backend containing "marlin". The MoE builders never read it."""


def inc_marlin_off(spec: ModelSpec, scheme: QuantScheme, gpu: GpuSpec, version: Version) -> str:
    """Why vLLM's INC loader does not put an AutoRound checkpoint's linear layers on Marlin
    ("" where it does): its packing (layout.inc_packing_off_marlin), its backend from
    INC_BACKEND_FROM, and check_marlin_supported's group (MARLIN_SUPPORTED_GROUP_SIZES -1, 32,
    64, 128) and, on CUDA, compute capability 7.5 or more (query_marlin_supported_quant_types;
    the ROCm branch skips the capability)."""
    packing = inc_packing_off_marlin(spec, scheme)
    if packing:
        return packing
    backend = spec.quant.backend or "auto"
    if version >= INC_BACKEND_FROM and backend != "auto" and "marlin" not in backend:
        return f"backend {backend!r} turns Marlin off"
    if not marlin_takes_group(scheme):
        return f"Marlin takes groups {list(MARLIN_MOE_GROUP_SIZES)}, not {group_size(scheme)}"
    cc = capability(gpu)
    if gpu.vendor == "nvidia" and cc is not None and cc < MARLIN_MIN_CAPABILITY:
        return f"Marlin needs compute capability 7.5, {gpu.name} has {gpu.compute_capability}"
    return ""


def _inc_unread(method: str, version: Version) -> list[str]:
    """Headroom's refusal of an AutoRound checkpoint on a release before INC_READ_FROM; [] for
    an older spelling (INC_UNKNOWN_NAMES) from UNKNOWN_QUANT_READ_FROM, which
    unknown_quant_errors refuses in vLLM's words."""
    if method in INC_UNKNOWN_NAMES and version >= UNKNOWN_QUANT_READ_FROM:
        return []
    return [f"Headroom has read vLLM's AutoRound loader (INCConfig) from 0.19.0 on; vLLM "
            f"{version_label(version)} loads 'auto-round' on an older AutoRoundConfig not read "
            "here: plan with --vllm-version 0.19.0 or later."]


def _held_sym(quant: QuantSpec) -> bool | None:
    """The checkpoint's sym as vLLM's INCConfig holds it (config.quant._inc_sym): None where it
    is written as null, true where absent."""
    return None if quant.sym_null else quant.symmetric is not False


def _sym_words(sym: bool | None) -> str:
    """A layer's sym in words: a null sym is not symmetric to vLLM (config.quant._inc_sym)."""
    return {True: "symmetric", False: "asymmetric", None: "sym-null (not symmetric)"}[sym]


def _inc_sym_missing(version: Version) -> list[str]:
    """INCConfig.from_config's refusal of a block without sym, up to INC_SYM_DEFAULT_FROM (it
    reads bits, group_size and sym before __init__ checks anything)."""
    return ["Cannot find any of ['sym'] in the model's quantization config. (vLLM "
            f"{version_label(version)} INCConfig.from_config reads sym as required; 0.29 and "
            "later default it to true)"]


INC_TAKES: tuple[tuple[Version, tuple[int, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ((0, 19, 0), (2, 3, 4, 8), ("int",), ("auto_round:auto_gptq", "auto_round:auto_awq")),
    ((0, 27, 0), (2, 3, 4, 8), ("int", "mx_fp"),
     ("auto_round:auto_gptq", "auto_round:auto_awq", "auto_round:llm_compressor")),
    ((0, 29, 0), (2, 3, 4, 8), ("int", "mx_fp", "fp"),
     ("auto_round:auto_gptq", "auto_round:auto_awq", "auto_round:fp8",
      "auto_round:llm_compressor")),
    ((0, 30, 0), (2, 3, 4, 5, 6, 7, 8), ("int", "mx_fp", "fp"),
     ("auto_round:auto_gptq", "auto_round:auto_awq", "auto_round:fp8",
      "auto_round:llm_compressor")),
)
"""NOTE: (first release, SUPPORTED_BITS, SUPPORTED_DTYPES, SUPPORTED_FORMATS) of vLLM's
INCConfig (inc.py in the 0.19.0-0.23.0 wheels, inc/inc.py 0.24.0-0.34.0; each wheel read):
__init__ raises ValueError "Unsupported weight_bits / data_type / packing_format: ...,
currently only support {...}." in that order for a value outside them. From 0.27.0 any
data_type containing "mx_fp" passes ("mx_fp4", is_mxfp); from 0.29.0 "fp8" is read as "fp"
(_normalize_data_type). A missing packing_format defaults to one the release takes. The
sets are written in each source's order (vLLM prints Python sets, in no fixed order)."""


def _inc_init_errors(bits: int | None, data_type: str, packing: str | None,
                     version: Version) -> list[str]:
    """INCConfig.__init__'s refusal of these bits, data_type and packing_format on `version`
    (INC_TAKES), naming the first release that takes the value; [] where it takes all three."""
    def takes(entry: tuple, kind: int, value: object) -> bool:
        if kind == 2 and isinstance(value, str):
            value = "fp" if value == "fp8" and entry[0] >= INC_FP8_FROM else value
            return value in entry[2] or (entry[0] >= INC_MXFP_FROM and "mx_fp" in value)
        return value is None or value in entry[kind]

    now = next(entry for entry in reversed(INC_TAKES) if entry[0] <= version)
    for kind, key, value in ((1, "weight_bits", bits), (2, "data_type", data_type),
                             (3, "packing_format", packing)):
        if takes(now, kind, value):
            continue
        first = next(version_label(entry[0]) for entry in INC_TAKES if takes(entry, kind, value))
        return [f"Unsupported {key}: {value}, currently only support {inc_set(now[kind])}. "
                f"(vLLM {version_label(version)} INCConfig; {first} and later take it)"]
    return []


INC_MXFP_CHECK_FROM: Version = (0, 29, 0)
"""NOTE: INCConfig.__init__ ends in _validate_supported_quantization (inc/inc.py). In the 0.27.0
and 0.28.0 wheels (the same function) it asserts, for an MXFP8 block ("mx_fp" in data_type,
bits 8), group_size 32, sym, packing_format 'auto_round:llm_compressor' (from_config defaults a
missing one to 'auto_round:auto_gptq') and backend 'auto', as "INC MXFP8 only supports ...".
From 0.29.0 (_validate_mxfp_quantization, the same in the 0.29.0, 0.30.0, 0.32.0, 0.33.0 and
0.34.0 wheels) it checks a block whose data_type is exactly "mx_fp" (AutoRound's MXFP4 and MXFP8
schemes write that, auto_round/schemes.py, find_string id 51927722244), asserting bits 4 or 8
first, then the same four, as "INC MXFP only supports ..."; from_config defaults a missing
packing_format to 'auto_round:llm_compressor' there, and a missing sym to true."""


def _inc_mxfp_errors(fmt: IncFormat, version: Version) -> list[str]:
    """INCConfig's AssertionError for an MXFP block outside the layout it runs (bits 4 / 8,
    group 32, symmetric, llm_compressor packing, backend auto) on `version` (INC_MXFP_CHECK_FROM);
    [] where it passes. A group_size that is not an integer is not checked here."""
    where = f"(vLLM {version_label(version)} INCConfig"
    if version >= INC_MXFP_CHECK_FROM and fmt.data_type == "mx_fp":
        name, packing = "INC MXFP", fmt.packing_format or "auto_round:llm_compressor"
        where += "._validate_mxfp_quantization)"
        if fmt.bits not in (4, 8):
            return [f"INC MXFP only supports bits=4 or bits=8, but found bits={fmt.bits}. "
                    + where]
    elif version < INC_MXFP_CHECK_FROM and "mx_fp" in fmt.data_type and fmt.bits == 8:
        name, packing = "INC MXFP8", fmt.packing_format or "auto_round:auto_gptq"
        where += "._validate_supported_quantization)"
    else:
        return []
    if fmt.group_size is not None and fmt.group_size != 32:
        return [f"{name} only supports group_size=32, but found group_size={fmt.group_size}. "
                + where]
    return _inc_layout_tail(fmt, name, packing, "auto_round:llm_compressor", where)


def _inc_layout_tail(fmt: IncFormat, name: str, packing: str, wanted: str, where: str
                     ) -> list[str]:
    """The last three assertions the MXFP and block-FP8 checks share, in their order: sym
    (false or null fails `assert self.sym`), packing_format `wanted`, backend 'auto'."""
    backend = fmt.backend or "auto"
    if fmt.symmetric is False or fmt.sym_null:
        return [f"{name} only supports symmetric weights. {where}"]
    if packing != wanted:
        return [f"{name} only supports packing_format={wanted!r}, but found {packing!r}. "
                + where]
    if backend != "auto":
        return [f"{name} only supports backend='auto', but found backend={backend!r}. {where}"]
    return []


def _inc_fp8_errors(fmt: IncFormat, version: Version) -> list[str]:
    """INCConfig's AssertionError for a block-FP8 block (data_type "fp", or "fp8" read as it)
    outside the layout it runs, on `version` from INC_FP8_FROM; [] where it passes. Headroom
    plans a block-FP8 export only inside it (config.quant._inc_fp8).

    NOTE: INCConfig._validate_fp8_block_quantization (inc/inc.py; the same function in the
    0.29.0-0.34.0 wheels) asserts, in this order, bits 8, a 2-D
    group_size, `self.sym` (a null sym is None: config.quant._inc_sym), packing_format
    'auto_round:fp8' (from_config's default for bits 8 with a 2-D group_size) and backend
    'auto'. A group_size that is neither an integer nor two is not checked here."""
    if version < INC_FP8_FROM or fmt.data_type not in ("fp", "fp8") or fmt.bits is None:
        return []
    name, where = "INC block-wise FP8", (f"(vLLM {version_label(version)} "
                                         "INCConfig._validate_fp8_block_quantization)")
    if fmt.bits != 8:
        return [f"{name} only supports bits=8, but found bits={fmt.bits}. {where}"]
    if fmt.block_size is None:
        return [] if fmt.group_size is None else [
            f"{name} requires a 2-D group_size, but found group_size={fmt.group_size}. {where}"]
    packing = fmt.packing_format or "auto_round:fp8"
    return _inc_layout_tail(fmt, name, packing, "auto_round:fp8", where)


INC_SCHEMES_FROM: Version = (0, 24, 0)
"""NOTE: from the 0.24.0 wheel INCConfig.get_quant_method resolves each quantized layer's
INCLayerConfig (bits, group_size and sym from its extra_config entry, else the checkpoint's;
data_type, packing_format and backend the checkpoint's) to a scheme, and
schemes/factory.py resolve_scheme raises NotImplementedError "No INC scheme found for layer
config: ..." where none can_handle it: INCWna16Scheme takes data_type "int", INCMxfp4Scheme /
INCMxfp8Scheme "mx_fp" in data_type with bits 4 / 8 (from 0.27.0), INCFp8Scheme data_type
"fp" with bits 8, a truthy sym, packing 'auto_round:fp8' and a 2-D group_size (from 0.29.0);
INCLayerConfig prints its fields in this order (config_parser.py, resolve_scheme: the same
in the 0.24.0-0.34.0 wheels, each read). A layer of 16 or more bits is built unquantized
before any scheme (no entry of QuantSpec.inc_entries has them). Int blocks always find one;
MXFP / FP blocks need INC_MXFP_FROM / INC_FP8_FROM, so only those releases reach the check."""


def _inc_scheme_errors(data_type: str, packing: str, backend: str,
                       layers: list[tuple[str, int, int | tuple[int, int] | None, bool | None]],
                       version: Version) -> list[str]:
    """resolve_scheme's refusal of the first of these quantized layers (what gives it its
    config, its bits, group_size and sym, as INCConfig holds them) that no scheme takes for an
    MXFP or FP block (INC_SCHEMES_FROM); [] where each finds one."""
    for whose, bits, group, sym in layers:
        if "mx_fp" in data_type and bits not in (4, 8):
            takes = "MXFP layers run in 4 or 8 bits only (INCMxfp4Scheme, INCMxfp8Scheme)"
        elif data_type == "fp" and not (bits == 8 and sym and isinstance(group, tuple)):
            takes = ("block-FP8 layers run 8-bit symmetric in a 2-D block only "
                     "(INCFp8Scheme)")
        else:
            continue
        return [f"No INC scheme found for layer config: INCLayerConfig(bits={bits}, "
                f"group_size={group}, sym={sym}, packing_format={packing!r}, "
                f"backend={backend!r}, data_type={data_type!r}, quantized=True) (vLLM "
                f"{version_label(version)} INCConfig: {whose}; {takes}, so no release loads "
                "it)"]
    return []


def _inc_unplanned_layers(fmt: IncFormat, version: Version) -> list[str]:
    """_inc_scheme_errors for an MXFP / FP block Headroom plans as 16-bit weights: its own
    layers and its extra_config entries, with the packing_format each release defaults a
    missing one to (from_config: 'auto_round:auto_gptq' to 0.28.0; from 0.29.0
    'auto_round:llm_compressor' for "mx_fp" data, 'auto_round:fp8' for a block-FP8 one) and
    data_type "fp8" read as "fp" from INC_FP8_FROM."""
    if fmt.bits is None or fmt.data_type == "int":
        return []
    fp8 = version >= INC_FP8_FROM and fmt.data_type in ("fp", "fp8")
    data_type = "fp" if fp8 else fmt.data_type
    default = "auto_round:auto_gptq"
    if version >= INC_FP8_FROM and "mx_fp" in data_type:
        default = "auto_round:llm_compressor"
    elif fp8 and fmt.bits == 8 and fmt.block_size is not None:
        default = "auto_round:fp8"
    sym = None if fmt.sym_null else fmt.symmetric is not False
    group = fmt.block_size or fmt.group_size
    layers = [("the checkpoint's own config", fmt.bits, group, sym)] + [
        (f"the config extra_config gives '{e.module}'", e.bits, e.group_size, e.sym)
        for e in fmt.entries]
    return _inc_scheme_errors(data_type, fmt.packing_format or default, fmt.backend or "auto",
                              layers, version)


def inc_format_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                      gpu: GpuSpec) -> list[str]:
    """vLLM's refusals of an AutoRound block planned as 16-bit weights (ModelSpec.inc_unplanned:
    its format is not planned here), as INCConfig.__init__ checks it on `version`, and, for
    2/3/5-7-bit int weights in GPTQ or AWQ packing, as its linear layers' kernels take them on
    `gpu` (_inc_layer_errors); [] where that release takes it, or for a what-if. E.g. 5-bit
    weights before 0.30, data_type mx_fp before 0.27, 3-bit GPTQ packing 0.22-0.29."""
    fmt = spec.inc_unplanned
    if fmt is None or scheme.what_if:
        return []
    if fmt.method in INC_UNKNOWN_NAMES or version < INC_READ_FROM:
        return _inc_unread(fmt.method, version)
    if fmt.symmetric is None and not fmt.sym_null and version < INC_SYM_DEFAULT_FROM:
        return _inc_sym_missing(version)
    family = {None: "gptq", "auto_round:auto_gptq": "gptq", "auto_round:auto_awq": "awq"}.get(
        fmt.packing_format)
    return _inc_init_errors(fmt.bits, fmt.data_type, fmt.packing_format, version) \
        or _inc_mxfp_errors(fmt, version) or _inc_fp8_errors(fmt, version) \
        or _inc_unplanned_layers(fmt, version) or (
        _inc_layer_errors(family, fmt.bits, None, None if fmt.sym_null else fmt.symmetric
                          is not False, "the checkpoint's", gpu, version)
        if family and fmt.data_type == "int"
        and (fmt.bits in INC_HUMMING_BITS or (family, fmt.bits) == ("awq", 8)) else [])


def inc_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
               gpu: GpuSpec) -> list[str]:
    """vLLM's refusals of an AutoRound checkpoint as stored ([] where it loads), in its words.

    NOTE: config/model.py _verify_quantization (0.19.0, 0.33.0, 0.34.0 wheels): only "auto-round" is
    turned into "inc" (INCConfig.override_quantization_method), and a quant_method no
    registered config has is "Unknown quantization method". INCConfig.from_config raises on a
    missing sym up to 0.28.0 (get_from_keys: "Cannot find any of ['sym'] in the model's
    quantization config."). A GPTQ-packed linear layer off Marlin (inc_marlin_off) raises
    NotImplementedError from 0.22.0 (INC_PLAIN_GPTQ_LAST); AWQ-packed ones fall back to
    AWQLinearMethod / AutoAWQLinearMethod and load. Each extra_config entry of a GPTQ-packed
    checkpoint (QuantSpec.inc_entries) is such a layer too (_inc_layer_errors). Routed experts'
    extra_config entries that
    disagree raise ValueError up to INC_EXPERT_ENTRIES_LAST; after it, entries giving experts
    other bits or a group are not read, and the stored tensors do not fit."""
    if not inc_checkpoint(spec, scheme):
        return []
    quant, v = spec.quant, version_label(version)
    if quant.method in INC_UNKNOWN_NAMES or version < INC_READ_FROM:
        return _inc_unread(quant.method, version)
    if scheme.family == "fp8":
        if version < INC_FP8_FROM:
            return _inc_init_errors(8, "fp", "auto_round:fp8", version)
        if first_moe(spec) is not None and quantized_component(spec, scheme, "experts"):
            return ["INCFp8Scheme does not support MoE layers. (vLLM "
                    f"{v} INCConfig: AutoRound block FP8 has a linear method only)"]
        return _inc_scheme_errors("fp", "auto_round:fp8", "auto", [
            (f"the config extra_config gives '{e.module}'", e.bits, e.group_size, e.sym)
            for e in quant.inc_entries], version)
    if quant.symmetric is None and not quant.sym_null and version < INC_SYM_DEFAULT_FROM:
        return _inc_sym_missing(version)
    if quant.packing_null and version < INC_SYM_DEFAULT_FROM:
        formats = next(entry[3] for entry in reversed(INC_TAKES) if entry[0] <= version)
        return [f"Unsupported packing_format: None, currently only support {inc_set(formats)}. "
                f"(vLLM {v} INCConfig: packing_format is written as null; 0.29 and later read "
                "it as the default)"]
    if quant.expert_conflict and version <= INC_EXPERT_ENTRIES_LAST:
        return [f"Fused MoE layer '{quant.expert_conflict}' requires consistent quant config "
                f"for all sub-layers (vLLM {v} INCConfig.get_layer_config: the extra_config "
                "entries of its routed experts give different bits, group_size or sym)"]
    listed = [(name, "16-bit") for name in quant.excluded_modules] + [
        (f.module, f.algo) for f in quant.module_schemes]
    expert = next(((fused_moe_of(name), own) for name, own in listed if fused_moe_of(name)), None)
    partial = _partial_expert_entries(spec, listed)
    if partial and version <= INC_EXPERT_ENTRIES_LAST:
        layer, own, named, projections = partial
        group = "per-channel" if quant.group_size is None else f"g{quant.group_size}"
        return [f"vLLM {v} builds every routed expert of '{layer}' in the {own} its "
                f"extra_config entries give {named} of its {projections:,} expert projections "
                "(INCConfig.get_layer_config takes the entries under a FusedMoE layer's prefix "
                "for the whole layer), so the other experts' tensors, stored in the "
                f"checkpoint's int{quant.weight_bits} {group}, do not fit the parameters it "
                "builds (a load error, or wrong weights where they are smaller)."]
    if expert and version > INC_EXPERT_ENTRIES_LAST:
        group = "per-channel" if quant.group_size is None else f"g{quant.group_size}"
        return [f"vLLM {v} builds the routed experts of '{expert[0]}' in the checkpoint's "
                f"int{quant.weight_bits} {group}, not in the {expert[1]} their extra_config "
                "entries store them in: from 0.24 INCConfigParser reads those entries only for "
                "a layer class named FusedMoE, and the layer is RoutedExperts, so the stored "
                "expert tensors do not fit the parameters it builds (a load error, or wrong "
                "weights where they are smaller). 0.19-0.23 build them as listed."]
    arch = spec.architectures[0] if spec.architectures else ""
    gate_up = _inc_gate_up_errors(spec, version, arch)
    if gate_up:
        return gate_up
    head = next((e for e in quant.inc_entries if e.module == "lm_head"), None)
    if head and arch in INC_NESTED_LM_HEAD and version < INC_LM_HEAD_SUFFIX_FROM \
            and not served_tie(spec, version):
        return [f"vLLM {v} builds {arch}'s lm_head (prefix 'language_model.lm_head') "
                f"unquantized, not in the int{head.bits} its extra_config entry 'lm_head' "
                "stores it in: INCConfig matches that key to the layer by suffix from 0.27 "
                "only, so the checkpoint's quantized lm_head tensors do not fit the 16-bit "
                "layer it builds. 0.27 and later build it as listed."]
    why = inc_marlin_off(spec, scheme, gpu, version) if scheme.family == "gptq" else ""
    if why and version > INC_PLAIN_GPTQ_LAST:
        return [_inc_no_marlin(quant.weight_bits, _held_sym(quant), why,
                               "releases 0.19-0.21 fall back to GPTQ's exllama kernels",
                               version)]
    return next(filter(None, (_inc_layer_errors(scheme.family, e.bits, e.group_size, e.sym,
                                                f"extra_config gives '{e.module}'", gpu, version)
                              for e in quant.inc_entries)), [])


def _partial_expert_entries(spec: ModelSpec, listed: list[tuple[str, str]]
                            ) -> tuple[str, str, int, int] | None:
    """(layer, format, entries, projections) of the first FusedMoE layer whose routed experts'
    extra_config entries (`listed`: module, format; those differing from the checkpoint's)
    name fewer than all its experts' projections (gate, up and down each, or up and down), or
    None. Up to INC_EXPERT_ENTRIES_LAST, INCConfig.get_layer_config (inc.py, 0.19.0-0.23.0
    wheels) gives the whole FusedMoE layer the config of the entries under its prefix, and
    apply_gptq_quant_layer / apply_awq_quant_layer build every expert in it; the experts not
    listed are stored in the checkpoint's format."""
    moe = first_moe(spec)
    if moe is None:
        return None
    layers: dict[str, tuple[str, set[str]]] = {}
    for name, own in listed:
        if fused_moe_of(name):
            layers.setdefault(fused_moe_of(name), (own, set()))[1].add(name)
    projections = moe.num_experts * (3 if moe.gated else 2)
    return next(((layer, own, len(names), projections)
                 for layer, (own, names) in layers.items() if len(names) < projections), None)


def _inc_gate_up_errors(spec: ModelSpec, version: Version, arch: str) -> list[str]:
    """vLLM's refusal of a dense MLP's gate_proj / up_proj extra_config entries on a model whose
    INC loader fuses them on some releases only (QuantSpec.gate_up_fused_last,
    config.quant.inc_gate_up_fused_last): where it fuses them, entries that differ raise
    get_layer_config's "Fused module" ValueError; where it does not, gate_up_proj takes the
    checkpoint's format (no key names it), so an entry in other bits, another group or 16 bits
    stores tensors that do not fit it. A sym alone packs the same bytes: not refused."""
    quant, v = spec.quant, version_label(version)
    last = quant.gate_up_fused_last
    if last is None:
        return []
    if version <= last:
        if not quant.gate_up_conflict:
            return []
        shards = [quant.gate_up_conflict.replace("gate_up_proj", p)
                  for p in ("gate_proj", "up_proj")]
        return [f"Fused module '{quant.gate_up_conflict}' requires consistent quant config for "
                f"{shards} (vLLM {v} INCConfig.get_layer_config: {arch} fuses gate_proj and "
                f"up_proj into gate_up_proj up to {version_label(last)})"]
    base = (quant.weight_bits, quant.group_size or -1)
    kept = quant.excluded_modules + tuple(f.module for f in quant.module_schemes
                                          if f.scheme == "bf16")
    unread = [(name, "16-bit") for name in kept] + [
        (e.module, f"int{e.bits} g{e.group_size}") for e in quant.inc_entries
        if (e.bits, e.group_size) != base]
    name, own = next(((name, own) for name, own in unread if not fused_moe_of(name)
                      and name.rpartition(".")[2] in ("gate_proj", "up_proj")), ("", ""))
    if not name:
        return []
    group = "per-channel" if quant.group_size is None else f"g{quant.group_size}"
    fused = name.rpartition(".")[0] + ".gate_up_proj"
    since = ("on any release (it adds none for dense layers from decoder_sparse_step alone)"
             if last == (0, 0, 0) else f"from {last[0]}.{last[1] + 1} (SupportsQuant copies the "
             "class mapping before __init__ adds gate_up_proj)")
    return [f"vLLM {v} builds '{fused}' in the checkpoint's int{quant.weight_bits} {group}, not "
            f"in the {own} its extra_config entry '{name}' stores: {arch}'s packed_modules_"
            f"mapping, as INCConfig reads it, has no gate_up_proj {since}, so the gate_proj / "
            "up_proj entries are not read and the stored tensors do not fit the parameters it "
            "builds."]


INC_LM_HEAD_SUFFIX_FROM: Version = (0, 27, 0)
INC_NESTED_LM_HEAD = ("Qwen3VLMoeForConditionalGeneration", "Qwen3_5ForConditionalGeneration",
                      "Qwen3_5MoeForConditionalGeneration")
"""NOTE: INCConfigParser._resolve_raw (inc/config_parser.py) matches an extra_config key to a
layer by its exact prefix, then, from the 0.27.0 wheel (the same in 0.28.0-0.34.0; absent
from 0.24.0-0.26.0, and from inc.py get_layer_config in 0.19.0-0.23.0), by suffix
(layer_name.endswith("." + key): 'lm_head' for 'language_model.lm_head'); a ParallelLMHead
no key matches is built unquantized. These architectures build the lm_head at
'language_model.lm_head' (qwen3_vl_moe.py Qwen3MoeLLMForCausalLM and qwen3_5.py
Qwen3_5ForCausalLMBase: ParallelLMHead(prefix=maybe_prefix(prefix, "lm_head")) under the
wrapper's maybe_prefix(prefix, "language_model")), and their hf_to_vllm_mapper (qwen3_vl.py
Qwen3VLForConditionalGeneration's, inherited) renames 'lm_head.' to 'language_model.lm_head.'
by prefix, which leaves the bare extra_config key 'lm_head' (AutoRound's name for the
transformers model's lm_head) as it is: read in each of the 0.19.0-0.27.0 wheels, 0.33.0 and 0.34.0.
Qwen3VLForConditionalGeneration builds its lm_head at the fixed prefix 'lm_head' (qwen3_vl.py
Qwen3LLMForCausalLM), matched exactly on every release: not listed."""


INC_HUMMING_FROM: Version = (0, 30, 0)
INC_HUMMING_BITS = (2, 3, 5, 6, 7)
"""NOTE: INCWna16Scheme.get_linear_method (inc/schemes/inc_wna16_scheme.py, 0.30.0-0.34.0
wheels; absent from 0.29.0) sends a layer in CUDA_HUMMING_SUPPORTED_BITS {2, 3, 5, 6, 7} to
Humming's kernels when current_platform.is_cuda(); other layers (and every layer on ROCm) go
to INCWNA16LinearScheme, whose _build_gptq_method raises NotImplementedError off Marlin."""


def _inc_no_marlin(bits: int, sym: bool | None, why: str, tail: str, version: Version) -> str:
    """vLLM's NotImplementedError for a GPTQ-packed AutoRound linear layer Marlin does not take
    (from 0.22), with why and what other releases do."""
    return (f"INC quantization with bits={bits}, sym={sym} is not supported. Only 4-bit and "
            "8-bit symmetric quantization is supported with Marlin kernels. (vLLM "
            f"{version_label(version)} builds no other kernel for a GPTQ-packed AutoRound "
            f"layer: {why}; {tail})")


def _inc_layer_errors(family: str, bits: int, group: int | None, sym: bool | None, whose: str,
                      gpu: GpuSpec, version: Version) -> list[str]:
    """vLLM's refusal of an AutoRound linear layer in GPTQ or AWQ packing (`family`) in these
    bits, group and sym (`whose`: what gives it them) on `version` and `gpu`; [] where a kernel
    takes it.

    NOTE: INCConfig.apply_gptq_quant_layer / apply_awq_quant_layer (inc.py 0.19.0-0.23.0) and
    INCWNA16LinearScheme (0.24.0-0.34.0) put a GPTQ-packed layer on Marlin for (bits, sym)
    (4, True) or (8, True) in a group check_marlin_supported takes, an AWQ-packed one for
    uint4 with zero points (query_marlin_supported_quant_types: asymmetric 4-bit only).
    Off Marlin, GPTQ packing builds gptq.py GPTQLinearMethod in 0.19.0-0.21.0 (GPTQConfig
    raises ValueError outside 2/3/4/8 bits) and raises NotImplementedError from 0.22.0
    (INC_PLAIN_GPTQ_LAST); AWQ packing builds awq.py AWQConfig (0.19.0-0.23.0) or auto_awq.py
    AutoAWQConfig (0.24.0 on, TYPE_MAP {4}), both raising ValueError for bits other than 4
    (awq.py AWQConfig.__init__ in the 0.19.0-0.23.0 wheels, auto_awq.py AutoAWQConfig.__init__
    in 0.24.0-0.34.0, each read; 8 bits: query_marlin_supported_quant_types lists uint8 with
    no has_zp, so backend 'awq:marlin' or 'marlin' does not help). From INC_HUMMING_FROM
    2/3/5/6/7 bits run Humming on CUDA. The GPU's capability is the checkpoint's check
    (inc_marlin_off)."""
    v = version_label(version)
    humming = bits in INC_HUMMING_BITS
    if humming and gpu.vendor == "nvidia" and version >= INC_HUMMING_FROM:
        return []
    later = "; 0.30 and later run it on Humming's kernels on NVIDIA GPUs" if humming else ""
    if family == "awq":
        if bits == 4:
            return []
        if bits == 8:
            later = ("; no release loads 8-bit AWQ packing: Marlin lists no uint8 type, "
                     "whatever the backend")
        off = (f"(vLLM {v} builds AWQ's own linear method for a layer Marlin does not take "
               f"(it takes AWQ packing asymmetric in 4 bits): {whose} {bits}-bit weights{later})")
        if version < INC_AUTO_AWQ_FROM:
            return [f"Currently, only 4-bit weight quantization is supported for AWQ, but got "
                    f"{bits} bits. {off}"]
        return [f"Unsupported num_bits = {bits}. Supported: 4. For 8-bit AWQ, use Marlin backend "
                f"by setting backend='awq:marlin' or backend='marlin'. {off}"]
    if version <= INC_PLAIN_GPTQ_LAST:
        return [] if bits in (2, 3, 4, 8) else [
            f"Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got "
            f"{bits} bits. (vLLM {v} builds GPTQ's exllama GPTQLinearMethod off Marlin: "
            f"{whose} {bits}-bit weights)"]
    if (bits, sym) not in ((4, True), (8, True)):
        why = (f"{whose} {bits}-bit {_sym_words(sym)} weights, which "
               "Marlin does not take")
    elif group not in MARLIN_MOE_GROUP_SIZES:
        why = f"{whose} group {group}: Marlin takes groups {list(MARLIN_MOE_GROUP_SIZES)}"
    else:
        return []
    return [_inc_no_marlin(bits, sym, why, later.removeprefix("; ") or
                           "releases 0.19-0.21 fall back to GPTQ's exllama kernels", version)]


INC_AUTO_AWQ_FROM: Version = (0, 24, 0)
"""NOTE: the INC loader's AWQ fallback is awq.py AWQConfig / AWQLinearMethod in the 0.19.0-0.23.0
wheels and auto_awq.py AutoAWQConfig / AutoAWQLinearMethod from 0.24.0 (awq.py gone)."""


_INC_OFF_MARLIN = {"gptq": "GPTQLinearMethod (gptq.py, exllama)",
                   "awq": "AWQ's own GEMM (AWQLinearMethod / AutoAWQLinearMethod)"}
"""The linear method vLLM's INC loader builds for a layer Marlin does not take, where it loads
(_inc_layer_errors: GPTQ packing on 0.19-0.21 only, AWQ packing in 4 bits)."""


def inc_notes(spec: ModelSpec, scheme: QuantScheme, version: Version, gpu: GpuSpec
              ) -> list[str]:
    """How an AutoRound checkpoint that loads leaves Marlin (inc_marlin_off), or, where its
    layers run Marlin, which of its extra_config entries' layers do not (_inc_entry_kernel):
    timed at Marlin's weight-only figures all the same (unverified for those kernels; the speed
    model names no linear kernel, only the weight-only family)."""
    if not inc_checkpoint(spec, scheme) or scheme.family not in ("gptq", "awq") \
            or inc_errors(spec, scheme, version, gpu):
        return []
    v, why = version_label(version), inc_marlin_off(spec, scheme, gpu, version)
    if why:
        return [f"vLLM {v} runs this AutoRound checkpoint's linear layers on "
                f"{_INC_OFF_MARLIN[scheme.family]}, not Marlin ({why}; INCConfig); the speed "
                "is Marlin's weight-only estimate (unverified for that kernel)."]
    kernels: dict[str, list[str]] = {}
    for entry in spec.quant.inc_entries:
        kernel = _inc_entry_kernel(scheme.family, entry, gpu, version)
        if kernel:
            kernels.setdefault(kernel, []).append(entry.module)
    return [f"vLLM {v} runs {_modules(names)} on {kernel} (INCConfig builds each extra_config "
            "entry as a layer of its own bits, group_size and sym); the speed is Marlin's "
            "weight-only estimate (unverified for that kernel)." for kernel, names in
            kernels.items()]


def _modules(names: list[str]) -> str:
    """"'model.layers.0.mlp.down_proj'" for one name, "3 layers ('model.layers.0.mlp.down_proj',
    ...)" for more."""
    return f"'{names[0]}'" if len(names) == 1 else f"{len(names)} layers ('{names[0]}', ...)"


def _inc_entry_kernel(family: str, entry: IncEntry, gpu: GpuSpec, version: Version) -> str:
    """Where vLLM runs an extra_config entry's linear layer that loads off Marlin, with why; ""
    on Marlin. The checks are _inc_layer_errors': Humming for 2/3/5/6/7 bits on NVIDIA GPUs
    from INC_HUMMING_FROM; Marlin for GPTQ packing (4, sym) / (8, sym), AWQ packing 4-bit
    asymmetric, in a group MARLIN_MOE_GROUP_SIZES lists; else _INC_OFF_MARLIN."""
    if entry.bits in INC_HUMMING_BITS and gpu.vendor == "nvidia" and version >= INC_HUMMING_FROM:
        return (f"Humming's kernels ({entry.bits}-bit weights: INCWna16Scheme sends 2/3/5/6/7 "
                "bits to Humming on CUDA from 0.30)")
    takes = (entry.bits, entry.sym) in ((4, True), (8, True)) if family == "gptq" \
        else entry.bits == 4 and not entry.sym  # AWQ: Marlin's uint4 with zero points
    if takes and entry.group_size in MARLIN_MOE_GROUP_SIZES:
        return ""
    shown = "per-channel" if entry.group_size == -1 else f"group {entry.group_size}"
    marlin = ("symmetric in 4 or 8 bits" if family == "gptq" else "asymmetric in 4 bits")
    return (f"{_INC_OFF_MARLIN[family]}, not Marlin ({entry.bits}-bit "
            f"{_sym_words(entry.sym)}, {shown}: Marlin takes "
            f"{family.upper()} packing {marlin}, groups {list(MARLIN_MOE_GROUP_SIZES)})")
