"""vLLM's refusals of a weight-only int (WNA16) checkpoint's linear layers for want of a kernel:
choose_mp_linear_kernel's lists per release and platform (kernels/linear/__init__.py
_POSSIBLE_KERNELS: Machete, AllSpark, Marlin, Humming, Conch, Exllama, Triton W4A16),
AutoGPTQLinearMethod's Marlin check, a GPTQ `dynamic` rule's bits and groups, an act-order
checkpoint at TP > 1 on AMD, and AWQ's Triton GEMM on ROCm."""

from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.hardware import GpuSpec, parse_capability
from planner.serving.layout import MARLIN_MOE_GROUP_SIZES, group_size, int_bits, marlin_takes_group
from planner.serving.startup.wna16_loaders import (
    PLAIN_LOADER_LAST,
    PLAIN_LOADER_READ_FROM,
    act_order_errors,
    marlin_group_refusal,
    marlin_keys_miss,
    marlin_lists_no_type,
    plain_loader,
    quantized_linears,
)
from planner.serving.vllm_versions import (
    ACT_ORDER_REFUSED_FROM,
    ROCM_CONCH_G_IDX_FROM,
    Version,
    version_label,
)

GPTQ_MP_KERNELS_FROM: Version = (0, 22, 0)
"""NOTE: from the 0.22.0 wheel quantization "gptq" is auto_gptq.py AutoGPTQConfig, whose
AutoGPTQLinearMethod.create_weights takes the first kernel of
kernels/linear/__init__.py _POSSIBLE_KERNELS that can_implement the layer
(choose_mp_linear_kernel), else raises ValueError("Failed to find a kernel that can implement
the WNA16 linear layer. Reasons: ..."). Read per wheel, for 16-bit activations:
- CUDA 0.22.0: CutlassW4A8 (FP8 activations only), Machete (9.0; groups -1, 64, 128),
  AllSpark (group -1 on 8.x), Marlin (MARLIN_SUPPORTED_GROUP_SIZES -1, 32, 64, 128), Conch
  (groups -1, 128, and `conch` installed: not among the CUDA wheel's dependencies), Exllama
  (float16 activations only): nothing takes group 256 in bfloat16.
- CUDA 0.23.0-0.29.0 add HummingLinearKernel (humming-kernels is a dependency), which takes any
  group but "does not support act-order (g_idx)" (0.23.0-0.24.0 also symmetric only), and
  TritonW4A16LinearKernel (4-bit, groups -1, 32, 64, 128, 256, no g_idx either): an act-order
  checkpoint needs Marlin's groups.
- CUDA from 0.30.0 (0.30.0, 0.32.0, 0.33.0, 0.34.0): Humming takes act-order too (its can_implement
  asks only for CUDA and the package): every group loads, though an act-order checkpoint
  stops before, at its config (ACT_ORDER_REFUSED_FROM, act_order_errors).
- ROCm: _rocm_wna16_misses.
Releases before this one load GPTQ on gptq.py / gptq_marlin.py (PLAIN_LOADER_LAST)."""

GPTQ_HUMMING_FROM: Version = (0, 23, 0)  # HummingLinearKernel in the CUDA list (above)
TRITON_W4A16_GROUP_SIZES = (-1, 32, 64, 128, 256)  # triton_w4a16.py, 0.20.0-0.34.0 wheels
CT_MP_KERNELS_READ_FROM: Version = (0, 19, 0)  # the first wheel read (gptq_kernel_errors)
ROCM_TRITON_W4A16_FROM: Version = (0, 20, 0)  # in the ROCm list from 0.20.0 (not in 0.19.0)
CONCH_GROUP_SIZES = (-1, 128)  # conch.py _CONCH_SUPPORTED_GROUP_SIZES, 0.19.0-0.34.0 wheels


def _rocm_wna16_misses(bits: int, zero_points: bool, group: int, g_idx: bool, served: str,
                       version: Version, split: bool = False) -> list[str]:
    """Why each kernel vLLM `version` offers on ROCm refuses a WNA16 linear layer on AMD CDNA
    (MI300X) with `served` activations, [] where one takes it (`split`: a row-parallel layer
    at TP > 1, whose input TP splits).

    NOTE: kernels/linear/__init__.py _POSSIBLE_KERNELS[PlatformEnum.ROCM], walked in order by
    choose_mp_linear_kernel (0.19.0-0.34.0 wheels): Conch, Exllama in 0.19.0; TritonW4A16
    ahead of them from ROCM_TRITON_W4A16_FROM; RDNA3W4A16 (0.23.0) and RDNAHybridW4A16
    (0.26.0) ahead of those take gfx1100 / gfx11-gfx12 only (on_gfx1100, _on_gfx1x), no
    preset's target. can_implement per wheel: triton_w4a16.py takes uint4b8 or uint4 (4 bits,
    with or without zero points), float16 or bfloat16, a group in TRITON_W4A16_GROUP_SIZES
    (or the whole input, not planned), no g_idx (0.20.0-0.29.0); conch.py uint4, uint8,
    uint4b8 and uint8b128, CONCH_GROUP_SIZES, no g_idx from ROCM_CONCH_G_IDX_FROM, and the
    `conch` package, which vLLM's ROCm build installs (requirements/rocm.txt:
    conch-triton-kernels==1.2.1); exllama.py float16 activations, uint4b8 or uint8b128 (no
    zero points), a group > 0, and no g_idx on a split input ("Act reordering currently not
    supported by Exllama, when the input features are partitioned across devices",
    0.19.0-0.29.0). From ACT_ORDER_REFUSED_FROM no layer carries g_idx."""
    g_idx = g_idx and version < ACT_ORDER_REFUSED_FROM
    if version < ROCM_TRITON_W4A16_FROM:
        triton = "Triton W4A16 is not in this release"
    elif bits != 4 or g_idx or group not in TRITON_W4A16_GROUP_SIZES:
        triton = ("Triton W4A16 takes int4 only" if bits != 4 else
                  "Triton W4A16 takes no act-order (g_idx)" if g_idx else
                  f"Triton W4A16 takes groups {list(TRITON_W4A16_GROUP_SIZES)}")
    else:
        return []
    if group in CONCH_GROUP_SIZES and not (g_idx and version >= ROCM_CONCH_G_IDX_FROM):
        return []
    conch = (f"Conch takes groups {list(CONCH_GROUP_SIZES)}" if group not in CONCH_GROUP_SIZES
             else "Conch takes no act-order (g_idx)")
    exllama = [why for why, off in (("float16 only", served != "float16"),
                                    ("no zero points", zero_points),
                                    ("no channelwise scales", group < 1),
                                    ("no act-order on a split input", g_idx and split)) if off]
    return [triton, conch, "Exllama takes " + " and ".join(exllama)] if exllama else []


def gptq_kernel_errors(spec: ModelSpec, scheme: QuantScheme, served: str, version: Version,
                       gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a GPTQ or compressed-tensors WNA16 checkpoint's linear layers for want
    of a kernel ([] where one takes it): AutoGPTQLinearMethod from GPTQ_MP_KERNELS_FROM and
    compressed_tensors_wNa16.py CompressedTensorsWNA16.create_weights (0.19.0-0.34.0 wheels)
    both ask choose_mp_linear_kernel, whose CUDA list in the 0.19.0-0.21.0 wheels is 0.22.0's
    (no Humming, no Triton), checked in bfloat16 (float16 runs Exllama); on AMD
    _rocm_wna16_misses, in bfloat16 and float16. Symmetry is not planned for GPTQ (Humming is
    symmetric only on 0.23-0.24), nor compressed-tensors act-order (its g_idx is actorder
    group only, which QuantSpec.act_order does not tell from dynamic). A GPTQ checkpoint
    stops before the kernels where Marlin's own check refuses it (_autogptq_marlin_refusal).
    E.g. compressed-tensors int4 in groups of 256 on an RTX 4090 on 0.22.0: Marlin takes 32,
    64, 128, Exllama float16 only -> refused; 0.23.0's Humming takes it. On an MI300X on
    0.19.0, compressed-tensors int4 in groups of 64 in bfloat16: no Triton W4A16 yet, Conch
    takes -1 and 128, Exllama float16 -> refused."""
    method = "gptq" if scheme.what_if or spec.quant is None else spec.quant.method
    first = {"gptq": GPTQ_MP_KERNELS_FROM,
             "compressed-tensors": CT_MP_KERNELS_READ_FROM}.get(method)
    amd = gpu.vendor != "nvidia"
    if method == "gptq" and scheme.family == "gptq" and "-ct-" not in scheme.key \
            and version >= GPTQ_MP_KERNELS_FROM and quantized_linears(spec, scheme) \
            and not act_order_errors(spec, scheme, version):
        refused = _autogptq_marlin_refusal(scheme, version, gpu)
        if refused:
            return [refused]
    if scheme.family != "gptq" or first is None or version < first \
            or served not in (("bfloat16", "float16") if amd else ("bfloat16",)) \
            or not quantized_linears(spec, scheme):
        return []
    group = group_size(scheme) or -1
    act_order = method == "gptq" and not scheme.what_if and spec.quant.act_order
    if amd:
        bits = int_bits(scheme)
        zero_points = method == "compressed-tensors" and "-ct-" not in scheme.key
        misses = _rocm_wna16_misses(bits, zero_points, group, act_order, served, version)
        if not misses:
            return []
        fp16 = not _rocm_wna16_misses(bits, zero_points, group, act_order, "float16", version)
        why = "on ROCm " + ", ".join(misses)
    else:
        # a GPTQ checkpoint off Marlin's groups stopped above; act-order is GPTQ's alone
        if version >= GPTQ_HUMMING_FROM or marlin_takes_group(scheme):
            return []
        fp16 = True
        why = (f"Marlin takes groups {list(MARLIN_MOE_GROUP_SIZES)}, Exllama float16 only, "
               "and Humming is not in this release")
    return [no_wna16_kernel(version, f"choose_mp_linear_kernel, {scheme.label} in {served}",
                             why, fp16 and served != "float16")]


def _autogptq_marlin_refusal(scheme: QuantScheme, version: Version, gpu: GpuSpec) -> str | None:
    """AutoGPTQLinearMethod's refusal of a GPTQ checkpoint before any kernel is chosen, in its
    words; None where Marlin's check passes. E.g. int4 in groups of 256 on 0.23.0: "Marlin does
    not support group_size = 256. ...", though Humming could run it.

    NOTE: AutoGPTQLinearMethod.__init__ calls marlin_utils.verify_marlin_supported(quant_type,
    group_size) for every quantized linear layer, in every wheel from 0.22.0 (GPTQ_MP_KERNELS_FROM)
    to 0.34.0 read (0.34.0 skips it under VLLM_BATCH_INVARIANT, not planned), on any dtype;
    _check_marlin_supported refuses a quant type that query_marlin_supported_quant_types does not
    list (none on a CUDA compute capability below 7.5; ROCm skips the capability test) and a group
    outside MARLIN_SUPPORTED_GROUP_SIZES [-1, 32, 64, 128] (the same in those wheels).
    AutoGPTQConfig's TYPE_MAP gives a symmetric int4 uint4b8 and int8 uint8b128."""
    group = group_size(scheme) or -1
    cc = parse_capability(gpu.compute_capability)
    why = f"vLLM {version_label(version)} AutoGPTQLinearMethod, verify_marlin_supported"
    if marlin_lists_no_type(gpu.vendor, cc):
        bits = "uint8b128" if int_bits(scheme) == 8 else "uint4b8"
        return (f"Marlin does not support weight_bits = {bits}. Only types = [] are supported "
                f"(for group_size = {group}, device_capability = {cc[0]}{cc[1]}, zp = False). "
                f"({why}: Marlin needs compute capability 7.5; vLLM 0.21 loads GPTQ on "
                "Exllama here)")
    refused = marlin_group_refusal(group)
    return f"{refused} ({why}, before any kernel is chosen)" if refused else None


def gptq_tp_refusal(spec: ModelSpec, scheme: QuantScheme, served: str, version: Version,
                    gpu: GpuSpec) -> str | None:
    """vLLM's refusal of an act-order GPTQ checkpoint on AMD at TP > 1 only, where TP = 1 runs
    it (its row-parallel layers' split input leaves Exllama, _rocm_wna16_misses `split`);
    None where every TP runs it or none does (gptq_kernel_errors). E.g. desc_act int4 g128
    in float16 on an MI300X on 0.24.0: TP=1 runs Exllama, TP=2 finds no kernel."""
    quant = spec.quant
    if gpu.vendor == "nvidia" or quant is None or scheme.what_if or quant.method != "gptq" \
            or not quant.act_order or served not in ("bfloat16", "float16") \
            or not GPTQ_MP_KERNELS_FROM <= version < ACT_ORDER_REFUSED_FROM \
            or not quantized_linears(spec, scheme) \
            or gptq_kernel_errors(spec, scheme, served, version, gpu):
        return None
    bits = int_bits(scheme)
    misses = _rocm_wna16_misses(bits, False, group_size(scheme) or -1, True, served, version,
                                split=True)
    if not misses:
        return None
    return no_wna16_kernel(version, f"choose_mp_linear_kernel at TP > 1, {scheme.label} with "
                            f"act-order in {served}", "on ROCm " + ", ".join(misses)
                            + "; TP=1 runs it", False)


def no_wna16_kernel(version: Version, what: str, why: str, fp16_runs: bool) -> str:
    """choose_mp_linear_kernel's ValueError, with what it was asked and why no kernel took it
    (`fp16_runs`: Exllama takes it in float16)."""
    return ("Failed to find a kernel that can implement the WNA16 linear layer. (vLLM "
            f"{version_label(version)} {what}: {why}"
            + ("; --dtype float16 runs it on Exllama)" if fp16_runs else ")"))


AWQ_TRITON_GROUP_SIZES = (-1, 32, 64, 128)
"""NOTE: awq_triton.py AWQ_TRITON_SUPPORTED_GROUP_SIZES, the same in every wheel 0.19.0-0.34.0:
awq_dequantize_triton and awq_gemm_triton `assert group_size in
AWQ_TRITON_SUPPORTED_GROUP_SIZES or group_size == K` (the group worked out of the tensors'
shapes). On ROCm AWQ's own GEMM is this Triton code: platforms/rocm.py verify_quantization
sets VLLM_USE_TRITON_AWQ=1, and _custom_ops.py awq_gemm / awq_dequantize then call it."""


def rocm_awq_errors(spec: ModelSpec, scheme: QuantScheme, served: str, version: Version,
                    gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of an AWQ checkpoint's linear layers on AMD (ROCm), in float16 or
    bfloat16 ([] where they run; releases before PLAIN_LOADER_READ_FROM are not read).

    NOTE: up to PLAIN_LOADER_LAST["awq"] (0.19.0-0.23.0 wheels) awq_marlin.py
    AWQMarlinConfig.is_awq_marlin_compatible asks current_platform.is_cuda_alike(), which ROCm
    is, and marlin_utils.query_marlin_supported_quant_types skips the capability test on ROCm:
    an AWQ int4 checkpoint in MARLIN_SUPPORTED_GROUP_SIZES loads on awq_marlin, whose
    AWQMarlinLinearMethod.create_weights asks choose_mp_linear_kernel for uint4 with zero
    points (_rocm_wna16_misses; 0.19.0 has no Triton W4A16, so groups 32 and 64 find no
    kernel in either dtype). Any other group loads on awq.py AWQConfig (float16 only:
    act_dtype_errors), and from 0.24.0 every AWQ checkpoint on auto_awq.py AutoAWQConfig,
    whose get_quant_method takes Marlin only on CUDA (`current_platform.is_cuda()`) and
    otherwise AutoAWQLinearMethod: both run AWQ's GEMM, which asserts its group
    (AWQ_TRITON_GROUP_SIZES) in the memory profiling run's first forward pass. E.g. AWQ int4
    in groups of 64 on an MI300X: refused on 0.19.0, runs on 0.20.0 (Triton W4A16)."""
    method = "awq" if scheme.what_if or spec.quant is None else spec.quant.method
    if scheme.family != "awq" or method != "awq" or gpu.vendor == "nvidia" \
            or served not in ("bfloat16", "float16") or version < PLAIN_LOADER_READ_FROM \
            or not quantized_linears(spec, scheme):
        return []
    group = group_size(scheme) or -1
    marlin_era = version <= PLAIN_LOADER_LAST["awq"]
    if marlin_era and marlin_takes_group(scheme):  # is_awq_marlin_compatible
        misses = _rocm_wna16_misses(4, True, group, False, served, version)
        return [no_wna16_kernel(version, f"AWQMarlinLinearMethod, {scheme.label} in {served}",
                                 "on ROCm " + ", ".join(misses), False)] if misses else []
    if group in AWQ_TRITON_GROUP_SIZES or (marlin_era and served != "float16"):
        return []
    return [f"AssertionError: `assert group_size in AWQ_TRITON_SUPPORTED_GROUP_SIZES or "
            f"group_size == K` (vLLM {version_label(version)} on ROCm runs {scheme.label} on "
            f"awq_triton.py's GEMM, which takes groups {list(AWQ_TRITON_GROUP_SIZES)}: the "
            "memory profiling run stops at its first forward pass)"]


def gptq_dynamic_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                        gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a layer a GPTQ checkpoint's `dynamic` rule gives bits, sym or a group
    its kernel does not take (QuantSpec.dynamic_entries), in its words; [] where each loads.
    E.g. a rule giving the MLPs 3 bits on 0.33.0: "Unsupported quantization config: bits=3,
    sym=True".

    NOTE: utils/gptq_utils.py override_config, which get_linear_quant_method and
    get_moe_quant_method call for a positive match: on gptq_marlin (0.19.0-0.21.0, where
    is_gptq_marlin_compatible takes the checkpoint and the GPU: plain_loader "") and auto_gptq
    (AutoGPTQConfig from 0.22.0, on every GPU) it raises ValueError "Unsupported quantization
    config: bits=.., sym=.." for (bits, sym) outside TYPE_MAP {(4, True), (8, True)}, and the
    linear method's __init__ then verify_marlin_supported: "Marlin does not support group_size
    = .. Only group_sizes = [-1, 32, 64, 128] are supported." (marlin_utils.py
    _check_marlin_supported; GPTQMarlinLinearMethod 0.19.0, AutoGPTQLinearMethod 0.22.0-0.34.0
    wheels); on 0.19-0.21's plain GPTQConfig (gptq.py) only bits outside 2/3/4/8 ("Currently,
    only 2/3/4/8-bit weight quantization is supported for GPTQ, but got .. bits."), and that
    release's MoE layers go to MoeWNA16, which reads no rule. A FusedMoE's rule group is not
    checked here (unverified); releases before PLAIN_LOADER_READ_FROM are not read."""
    quant = spec.quant
    if quant is None or scheme.what_if or quant.method != "gptq" or not quant.dynamic_entries \
            or version < PLAIN_LOADER_READ_FROM:
        return []
    v = version_label(version)
    plain = "" if quant.marlin_named else plain_loader(
        "gptq", scheme, version, gpu.vendor, parse_capability(gpu.compute_capability),
        marlin_keys_miss(spec, scheme, version))
    loader = "AutoGPTQConfig" if version >= GPTQ_MP_KERNELS_FROM else "GPTQMarlinConfig"
    for entry in quant.dynamic_entries:
        whose = f"the `dynamic` rule matching '{entry.module}' gives it"
        experts = entry.module.endswith(".experts")
        if plain:
            if not experts and entry.bits not in (2, 3, 4, 8):
                return [f"Currently, only 2/3/4/8-bit weight quantization is supported for "
                        f"GPTQ, but got {entry.bits} bits. (vLLM {v} GPTQConfig override_config:"
                        f" {whose}; {plain})"]
            continue
        if (entry.bits, entry.sym) not in ((4, True), (8, True)):
            return [f"Unsupported quantization config: bits={entry.bits}, sym={entry.sym} (vLLM "
                    f"{v} {loader} override_config: {whose}; Marlin takes GPTQ in 4 or 8 bits, "
                    "symmetric)"]
        refused = "" if experts else marlin_group_refusal(entry.group_size)
        if refused:
            return [f"{refused} (vLLM {v} {loader}'s linear method, verify_marlin_supported: "
                    f"{whose})"]
    return []
