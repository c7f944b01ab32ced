"""The dense linear layers of a weight-only int checkpoint as one TP rank builds them, and the
kernels their shapes leave them to: Marlin's tiles (marlin_utils.verify_marlin_supports_shape,
padded from 0.24), choose_mp_linear_kernel's fallbacks, and AWQ's own CUDA GEMM
(csrc quantization/awq/gemm_kernels.cu: float16 only, its output and group multiples)."""

from typing import NamedTuple

from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    LinearAttentionMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
)
from planner.serving.hardware import GpuSpec
from planner.serving.layout import (
    MARLIN_MOE_GROUP_SIZES,
    group_size,
    inc_checkpoint,
    int_bits,
    marlin_takes_group,
    quantized_component,
)
from planner.serving.startup.autoround import INC_AUTO_AWQ_FROM, inc_marlin_off
from planner.serving.startup.device import capability
from planner.serving.startup.quant_method import loading_method
from planner.serving.startup.weight_load import GDN_SPLIT_BA_TYPES
from planner.serving.startup.wna16_kernels import (
    GPTQ_HUMMING_FROM,
    TRITON_W4A16_GROUP_SIZES,
    no_wna16_kernel,
)
from planner.serving.startup.wna16_loaders import (
    MARLIN_MIN_CAPABILITY,
    PLAIN_LOADER_LAST,
    PLAIN_LOADER_READ_FROM,
    awq_without_zero_points,
    gptq_sym_errors,
    marlin_keys_miss,
    own_marlin_config,
    quantized_linears,
)
from planner.serving.vllm_versions import Version, version_label

MARLIN_MIN_THREAD_N = 64  # marlin_utils.GPTQ_MARLIN_MIN_THREAD_N, 0.19.0-0.34.0 wheels
MARLIN_MIN_THREAD_K = 128  # marlin_utils.GPTQ_MARLIN_MIN_THREAD_K, the same wheels
MARLIN_TILE_PADDING_FROM: Version = (0, 24, 0)
MARLIN_ACT_ORDER_PADDING_FROM: Version = (0, 30, 0)
"""NOTE: marlin_utils.verify_marlin_supports_shape (the same text in the 0.19.0, 0.20.0, 0.21.0,
0.22.0, 0.23.0, 0.29.0 and 0.34.0 wheels) raises "Weight output_size_per_partition = N is not
divisible by  min_thread_n = 64. Consider ..." (two spaces before min_thread_n: its f-strings
end "by " and start " min_thread_n") / "Weight input_size_per_partition = K is not divisible by
min_thread_k = 128. Consider ..."; check_marlin_supports_shape turns that into (False,
message), which choose_mp_linear_kernel's ValueError lists as "MarlinLinearKernel cannot
implement due to: ...". Its callers for dense
linear layers up to 0.23.0: mixed_precision/marlin.py MarlinLinearKernel.can_implement, so
choose_mp_linear_kernel moves on to the next kernel (gptq_marlin.py GPTQMarlinLinearMethod
0.19.0-0.21.0, auto_gptq.py AutoGPTQLinearMethod 0.22.0-0.23.0, compressed_tensors_wNa16.py
CompressedTensorsWNA16, awq_marlin.py AWQMarlinLinearMethod as inc.py INCConfig builds it for
AWQ packing, and INCConfig's GPTQ path); and awq_marlin.py AWQMarlinConfig.get_quant_method's
check_marlin_supports_layer, which falls back to AWQConfig's AWQLinearMethod ("Falling back to
unoptimized AWQ kernels"). From MARLIN_TILE_PADDING_FROM MarlinLinearKernel.can_implement keeps
only the group check and zero-pads N and K at weight prep (marlin_padded_nk), and auto_awq.py
calls check_marlin_supports_layer(..., allow_tile_padding=True), likewise (0.24.0-0.34.0
wheels) - except, up to 0.29.0, for a layer with act-order (`if c.has_g_idx:` keeps the strict
check); the 0.30.0-0.34.0 wheels pad it too (MARLIN_ACT_ORDER_PADDING_FROM)."""

EXLLAMA_KERNEL = "Exllama"
HUMMING_KERNEL = "Humming"
TRITON_W4A16_KERNEL = "Triton W4A16"
AWQ_GEMM_KERNEL = "AWQ's own GEMM (AWQLinearMethod)"


class NarrowLinear(NamedTuple):
    """A dense linear layer as one TP rank builds it: the planner's component, vLLM's name,
    output_size_per_partition, input_size_per_partition, whether it is row-parallel, whether
    TP splits its input (row-parallel at TP > 1), its output shards per rank (one per merged
    part: output_partition_sizes, whose sum is out_size) and whether TP splits its output
    (column-parallel at TP > 1; a replicated layer's is whole)."""

    component: str
    name: str
    out_size: int
    in_size: int
    row: bool
    split_input: bool
    parts: tuple[int, ...]
    split_output: bool


GDN_TYPES = ("qwen3_next", *GDN_SPLIT_BA_TYPES)  # GatedDeltaNet in vLLM's qwen3_next / qwen3_5


def dense_linears(spec: ModelSpec, tp: int, ba_whole: bool) -> list[NarrowLinear]:
    """Each distinct dense linear layer's per-rank shape at tensor parallel size `tp`
    (`ba_whole`: gdn_ba_whole). NOTE, as the 0.21.0 wheel builds them (layers/linear.py
    QKVParallelLinear, MergedColumnParallelLinear, RowParallelLinear; output_size_per_partition
    is the sum of a merged layer's shards): qkv_proj (q heads doubled with Qwen3-Next's output
    gate; a kv head per rank where tp exceeds the kv heads), o_proj, gate_up_proj / down_proj
    (a dense MLP, and the shared experts at num_shared x their width); MLA's replicated
    fused_qkv_a_proj (q_lora + kv_lora + rope wide) or kv_a_proj_with_mqa (kv_lora + rope),
    q_proj or q_b_proj, kv_b_proj and o_proj (deepseek_v2.py DeepseekV2MLAAttention);
    Gated DeltaNet's in_proj_qkvz,
    in_proj_ba (2 x value heads) and out_proj (mamba/gdn_linear_attn.py GatedDeltaNetAttention).
    Routed experts (MoE methods), Mamba mixers and lm_head are not listed."""
    found: dict[NarrowLinear, None] = {}
    hidden = spec.hidden_size

    def add(component: str, name: str, parts: tuple[int, ...], in_size: int, row: bool,
            replicated: bool = False) -> None:
        found[NarrowLinear(component, name, sum(parts), in_size, row, row and tp > 1, parts,
                           not row and not replicated and tp > 1)] = None

    for layer in spec.layers:
        mixer, mlp = layer.mixer, layer.mlp
        if isinstance(mixer, AttentionMixer):
            kv = mixer.num_kv_heads // tp if mixer.num_kv_heads >= tp else 1
            q = mixer.num_heads // tp * mixer.head_dim * (2 if mixer.output_gate else 1)
            add("attention", "qkv_proj", (q, kv * mixer.head_dim, kv * mixer.v_head_dim),
                hidden, False)
            add("attention", "o_proj", (hidden,), mixer.num_heads * mixer.v_head_dim // tp,
                True)
        elif isinstance(mixer, MlaMixer):
            heads = mixer.num_heads // tp
            kv_a = mixer.kv_lora_rank + mixer.qk_rope_head_dim
            add("attention", "fused_qkv_a_proj" if mixer.q_lora_rank else "kv_a_proj_with_mqa",
                (mixer.q_lora_rank, kv_a) if mixer.q_lora_rank else (kv_a,), hidden,
                False, replicated=True)  # disable_tp: the same width at every TP
            add("attention", "q_b_proj" if mixer.q_lora_rank else "q_proj",
                (heads * (mixer.qk_nope_head_dim + mixer.qk_rope_head_dim),),
                mixer.q_lora_rank or hidden, False)
            add("attention", "kv_b_proj", (heads * (mixer.qk_nope_head_dim + mixer.v_head_dim),),
                mixer.kv_lora_rank, False)
            add("attention", "o_proj", (hidden,), heads * mixer.v_head_dim, True)
        elif isinstance(mixer, LinearAttentionMixer) and spec.model_type in GDN_TYPES:
            keys = mixer.num_key_heads * mixer.key_head_dim
            values = mixer.num_value_heads * mixer.value_head_dim
            add("attention", "in_proj_qkvz", ((2 * keys + 2 * values) // tp,), hidden, False)
            add("attention", "in_proj_ba", (2 * mixer.num_value_heads // (1 if ba_whole else tp),),
                hidden, False, replicated=ba_whole)
            add("attention", "out_proj", (hidden,), values // tp, True)
        if isinstance(mlp, DenseMlp):
            width = mlp.intermediate_size // tp
            add("dense_mlp", "gate_up_proj" if mlp.gated else "up_proj",
                (width, width) if mlp.gated else (width,), hidden, False)
            add("dense_mlp", "down_proj", (hidden,), width, True)
        if isinstance(mlp, MoeMlp) and mlp.num_shared_experts:
            width = mlp.num_shared_experts * mlp.shared_intermediate_size // tp
            add("shared_experts", "shared_expert.gate_up_proj", (width, width), hidden, False)
            add("shared_experts", "shared_expert.down_proj", (hidden,), width, True)
    return list(found)


def _marlin_shape_miss(layer: NarrowLinear) -> str:
    """verify_marlin_supports_shape's message for a layer Marlin's tiles do not fit, up to its
    "Consider ..." advice, as vLLM writes it (MARLIN_TILE_PADDING_FROM's NOTE: "by  min_thread_n"
    with two spaces), else ""."""
    if layer.out_size % MARLIN_MIN_THREAD_N:
        return (f"Weight output_size_per_partition = {layer.out_size} is not divisible by  "
                f"min_thread_n = {MARLIN_MIN_THREAD_N}")
    if layer.in_size % MARLIN_MIN_THREAD_K:
        return (f"Weight input_size_per_partition = {layer.in_size} is not divisible by "
                f"min_thread_k = {MARLIN_MIN_THREAD_K}")
    return ""


class _Wna16Layer(NamedTuple):
    """What choose_mp_linear_kernel is asked for one layer (MPLinearLayerConfig)."""

    bits: int
    zero_points: bool
    group: int
    g_idx: bool
    served: str
    version: Version
    cc: int | None


def _mp_fallback(layer: NarrowLinear, c: _Wna16Layer) -> str | None:
    """The kernel choose_mp_linear_kernel takes for a layer Marlin's tiles do not fit on CUDA,
    None where none does, "" where a kernel ahead of Marlin takes it anyway.

    NOTE: kernels/linear/__init__.py _POSSIBLE_KERNELS[CUDA] in order, for 16-bit activations:
    Machete (compute capability 9.0 only; machete.py can_implement, machete_utils.py: groups
    -1, 64, 128, no act-order on a split input, input % 64 and output % 128), AllSpark (8.x
    only; allspark_utils.py check_allspark_supported_dtype_shape: group -1, uint8b128, no
    zero points or act-order, input and output % 16), Marlin, then HummingLinearKernel in the
    0.23.0 wheel (humming.py can_implement: no act-order, no zero points; from 0.25.0 listed
    last), Conch (the conch package, not installed with the CUDA wheel), Exllama (exllama.py:
    float16 only, uint4b8 / uint8b128, a group > 0, output % (32 / bits), no act-order on a
    split input) and in the 0.23.0 wheel TritonW4A16LinearKernel (triton_w4a16.py: 4 bits,
    output % 8, no act-order, groups -1, 32, 64, 128, 256). Read in the 0.19.0, 0.21.0,
    0.23.0 and 0.29.0 wheels (Machete and Exllama the same in each)."""
    act_split = c.g_idx and layer.split_input
    if c.cc == 90 and c.group in (-1, 64, 128) and not act_split \
            and layer.in_size % 64 == 0 and layer.out_size % 128 == 0:
        return ""
    if c.cc is not None and 80 <= c.cc < 90 and c.group == -1 and c.bits == 8 \
            and not c.zero_points and not c.g_idx \
            and layer.in_size % 16 == 0 and layer.out_size % 16 == 0:
        return ""
    if c.version >= GPTQ_HUMMING_FROM and not c.g_idx and not c.zero_points:
        return HUMMING_KERNEL
    if c.served == "float16" and not c.zero_points and c.group > 0 and not act_split \
            and layer.out_size % (32 // c.bits) == 0:
        return EXLLAMA_KERNEL
    if c.version >= GPTQ_HUMMING_FROM and c.bits == 4 and not c.g_idx \
            and layer.out_size % 8 == 0 and c.group in TRITON_W4A16_GROUP_SIZES:
        return TRITON_W4A16_KERNEL
    return None


def _marlin_linear_path(spec: ModelSpec, scheme: QuantScheme, version: Version,
                        gpu: GpuSpec) -> tuple[bool, bool] | None:
    """(AWQMarlinConfig's fallback rather than choose_mp_linear_kernel's, zero points) where
    vLLM `version` builds this checkpoint's dense linear layers on Marlin on this GPU, None
    where it does not (other kernels, or ROCm: no Marlin in the list). AWQ's fallback,
    AWQLinearMethod, runs ops.awq_gemm / awq_dequantize on CUDA: float16 only, and awq_gemm
    checks the layer's shape (_awq_gemm_refusal)."""
    cc = capability(gpu)
    if gpu.vendor != "nvidia" or scheme.family not in ("gptq", "awq") \
            or version < PLAIN_LOADER_READ_FROM or not marlin_takes_group(scheme) \
            or (cc is not None and cc < MARLIN_MIN_CAPABILITY):
        return None
    if inc_checkpoint(spec, scheme):
        if inc_marlin_off(spec, scheme, gpu, version):
            return None
        return False, scheme.family == "awq"  # INC builds AWQMarlinLinearMethod directly
    if marlin_keys_miss(spec, scheme, version) or gptq_sym_errors(spec, scheme, version):
        return None  # gptq.py / awq.py's own kernels, AutoAWQLinearMethod, or no layer built
    if scheme.family == "awq":
        return (True, True) if scheme.key.startswith("w4") else None
    method = loading_method(spec, scheme, False)
    return False, method == "compressed-tensors" and "-ct-" not in scheme.key


def _ba_kept(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether the stored checkpoint keeps Gated DeltaNet's in_proj_a / in_proj_b unquantized
    (its excluded modules name them): in_proj_ba then takes no quantized kernel."""
    return stored_format(spec, scheme) and any(
        word in name for name in spec.quant.excluded_modules
        for word in ("in_proj_a", "in_proj_b"))


def marlin_shape_findings(spec: ModelSpec, scheme: QuantScheme, tp: int, served: str,
                          version: Version, gpu: GpuSpec, ba_whole: bool
                          ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(refusal, warnings) for the quantized dense linear layers whose per-rank shape at
    tensor parallel size `tp` Marlin's tiles do not fit (MARLIN_TILE_PADDING_FROM's NOTE), in
    vLLM `version` serving `served` activations: choose_mp_linear_kernel's ValueError where
    no kernel takes a layer (_mp_fallback), or AWQ's own GEMM refuses it (_awq_gemm_refusal),
    else which slower kernel runs it. E.g.
    Qwen3.5-27B as GPTQ int4 g128 on 0.21.0 in bfloat16: in_proj_ba is 2 x 48 = 96 outputs
    whole, 48 per GPU at TP=2; 96 % 64 = 32 and 48 % 64 = 48 -> no kernel at any TP; 0.23.0
    runs it on Humming; 0.24.0 pads it for Marlin."""
    own_gemm = _awq_own_gemm(spec, scheme, version, gpu)
    if served == "float16" and own_gemm:
        group = group_size(scheme) or -1
        kept = _ba_kept(spec, scheme)
        refusal = _awq_gemm_refusal(
            [layer for layer in dense_linears(spec, tp, ba_whole)
             if quantized_component(spec, scheme, layer.component)
             and not (kept and layer.name == "in_proj_ba")
             and not (layer.row and group > 0 and layer.in_size % group)],
            group, served, version, scheme.label,
            f"its loader ({own_gemm}) at tensor parallel size {tp}")
        return ((refusal,), ()) if refusal else ((), ())
    path = _marlin_linear_path(spec, scheme, version, gpu)
    g_idx = not scheme.what_if and spec.quant is not None and spec.quant.act_order
    if path is None or served not in ("bfloat16", "float16") \
            or version >= MARLIN_ACT_ORDER_PADDING_FROM \
            or (version >= MARLIN_TILE_PADDING_FROM and (path[0] or not g_idx)):
        return (), ()
    awq_fallback, zero_points = path
    kept = _ba_kept(spec, scheme)
    layer_ask = _Wna16Layer(int_bits(scheme), zero_points,
                            group_size(scheme) or -1, g_idx, served, version, capability(gpu))
    refused: list[NarrowLinear] = []
    slower: dict[str, list[str]] = {}
    for layer in dense_linears(spec, tp, ba_whole):
        miss = _marlin_shape_miss(layer)
        if not miss or not quantized_component(spec, scheme, layer.component) \
                or (kept and layer.name == "in_proj_ba") \
                or (layer.row and layer_ask.group > 0
                    and layer.in_size % layer_ask.group):  # quant_alignment_errors refuses
            continue
        kernel = AWQ_GEMM_KERNEL if awq_fallback else _mp_fallback(layer, layer_ask)
        if kernel is None:
            refused.append(layer)
        elif kernel:
            slower.setdefault(kernel, []).append(f"{layer.name} ({miss})")
    at = f"at tensor parallel size {tp}"
    if awq_fallback and slower:
        fell = [layer for layer in dense_linears(spec, tp, ba_whole)
                if any(name.startswith(f"{layer.name} (") for name in slower[AWQ_GEMM_KERNEL])]
        refusal = _awq_gemm_refusal(fell, layer_ask.group, served, version, scheme.label,
                                    "awq_marlin.py's fallback where Marlin's tiles do not fit "
                                    f"({'; '.join(slower[AWQ_GEMM_KERNEL])}: "
                                    f"check_marlin_supports_layer) {at}")
        if refusal:
            return (refusal,), ()
    if refused:
        others = ("Humming and Triton W4A16 take no act-order (g_idx), nor Humming zero points"
                  if version >= GPTQ_HUMMING_FROM else "Humming is not in this release")
        fp16 = served != "float16" and all(
            _mp_fallback(layer, layer_ask._replace(served="float16")) for layer in refused)
        return (no_wna16_kernel(
            version, f"choose_mp_linear_kernel, {scheme.label} in {served} {at}",
            "Marlin's tiles do not fit " + "; ".join(
                f"{layer.name}: {_marlin_shape_miss(layer)}" for layer in refused)
            + f" (marlin_utils.verify_marlin_supports_shape); Exllama takes float16 without "
            f"zero points only; {others}", fp16),), ()
    return (), tuple(
        f"vLLM {version_label(version)} runs the {scheme.label} layer"
        f"{'s' if len(names) > 1 else ''} {'; '.join(names)} {at} on {kernel}, not Marlin, "
        "whose tiles need 64 outputs and 128 inputs per GPU (marlin_utils."
        "verify_marlin_supports_shape; vLLM pads them from 0.24): slower than the Marlin "
        "speed figures assume."
        for kernel, names in slower.items())


AWQ_GEMM_HALF_ONLY_MESSAGE_NEW_FROM: Version = (0, 33, 0)
"""NOTE: vLLM's CUDA AWQ kernels take float16 only. _custom_ops.py awq_dequantize / awq_gemm
call torch.ops._C.awq_dequantize / awq_gemm unless VLLM_USE_TRITON_AWQ (envs.py default "0";
only platforms/rocm.py sets it), 0.19.0-0.34.0 wheels. Their host code (vllm-project/vllm
csrc/libtorch_stable/quantization/awq/gemm_kernels.cu, read at commit 1549683) takes
`_scaling_factors.mutable_data_ptr<torch::headeronly::Half>()` and the
kernels exist for __half only: the wheels' _C_stable_libtorch.abi3.so export
vllm::awq::dequantize_weights(int*, __half*, int*, __half*, int) and
gemm_forward_4bit_cuda_m16nXk32<64/128> on __half, and no bfloat16 version. The stable
ABI's typed mutable_data_ptr checks the dtype: the .so holds "expected scalar type Half but found "
(0.23.0-0.32.0) and "expected scalar type torch::headeronly::ScalarType::Half but found " (from this
release, 0.33.0; 0.34.0's .so the same). The scales are in the served dtype (create_weights,
params_dtype)."""


AWQ_GEMM_MIN_OUT = 64  # gemm_kernels.cu awq_gemm: "OC is not multiple of cta_N = 64"
AWQ_GEMM_GROUP_MULTIPLE = 32  # the same: "Group size should be a multiple of 32"


def _awq_gemm_miss(layer: NarrowLinear, group: int) -> str:
    """The std::invalid_argument vLLM's CUDA awq_gemm raises for this layer, else "" (csrc
    libtorch_stable quantization/awq/gemm_kernels.cu, in this order; its group is the input
    over the scales' rows: the whole input per rank for channelwise scales)."""
    group = group if group > 0 else layer.in_size
    if layer.out_size % AWQ_GEMM_MIN_OUT:
        return f"OC is not multiple of cta_N = {AWQ_GEMM_MIN_OUT}"
    if group % AWQ_GEMM_GROUP_MULTIPLE:
        return f"Group size should be a multiple of {AWQ_GEMM_GROUP_MULTIPLE}"
    if layer.out_size % group:
        return "OC is not multiple of Group size"
    return ""


def _awq_half_only(version: Version, where: str, then: str) -> str:
    """The RuntimeError bfloat16 meets on AWQ's own CUDA GEMM (`where`: what runs there;
    `then`: what float16 does), in `version`'s spelling (AWQ_GEMM_HALF_ONLY_MESSAGE_NEW_FROM)."""
    spelled = ("torch::headeronly::ScalarType::Half"
               if version >= AWQ_GEMM_HALF_ONLY_MESSAGE_NEW_FROM else "Half")
    return (f"RuntimeError: expected scalar type {spelled} but found BFloat16 ({where}, whose "
            "kernels (ops.awq_dequantize / awq_gemm) take float16 only: the memory profiling "
            f"run stops at its first forward pass; {then})")


def _awq_own_gemm(spec: ModelSpec, scheme: QuantScheme, version: Version,
                  gpu: GpuSpec) -> str:
    """Why vLLM `version` runs every quantized dense layer of this AWQ-packed checkpoint on
    AWQ's own CUDA GEMM on NVIDIA ("" where it does not): an AWQ checkpoint in a group Marlin
    does not take, or stored without zero points (zero_point false: check_marlin_supported
    lists uint4 with zero points only), on awq.py AWQConfig's AWQLinearMethod up to
    PLAIN_LOADER_LAST["awq"] (is_awq_marlin_compatible fails) and auto_awq.py
    AutoAWQLinearMethod after (cuda_awq_gemm_errors' NOTE); an AutoRound checkpoint in 4-bit
    AWQ packing its INC loader keeps off Marlin (inc_marlin_off), on the same methods
    (INC_AUTO_AWQ_FROM's NOTE; 8-bit AWQ packing loads nowhere, _inc_layer_errors)."""
    if scheme.family != "awq" or gpu.vendor != "nvidia" or version < PLAIN_LOADER_READ_FROM \
            or not quantized_linears(spec, scheme):
        return ""
    if inc_checkpoint(spec, scheme):
        why = inc_marlin_off(spec, scheme, gpu, version) if scheme.key.startswith("w4") else ""
        return f"INCConfig keeps it off Marlin ({why})" if why else ""
    if not scheme.what_if and spec.quant is not None and spec.quant.method != "awq" \
            or own_marlin_config(spec, scheme, version):
        return ""  # AWQMarlinConfig itself: marlin_named_errors
    loader = "awq.py" if version <= PLAIN_LOADER_LAST["awq"] else "auto_awq.py"
    if not marlin_takes_group(scheme):
        return f"{loader} takes Marlin for groups {list(MARLIN_MOE_GROUP_SIZES)} only"
    if awq_without_zero_points(spec, scheme):
        return (f"{loader} takes Marlin for AWQ weights with zero points only (uint4), and the "
                "checkpoint's zero_point is false")
    return marlin_keys_miss(spec, scheme, version)


def _awq_gemm_refusal(layers: list[NarrowLinear], group: int, served: str, version: Version,
                      label: str, how: str) -> str:
    """vLLM's refusal of these dense layers on AWQ's own CUDA GEMM (AWQLinearMethod /
    AutoAWQLinearMethod, reached by `how`), "" where it runs them: bfloat16 stops at the
    profiling run's awq_dequantize (AWQ_GEMM_HALF_ONLY_MESSAGE_NEW_FROM's NOTE), float16 at
    awq_gemm's shape checks (_awq_gemm_miss), which run below 256 tokens (apply's
    FP16_MATMUL_HEURISTIC_CONDITION): the CUDA graph capture, or with --enforce-eager the
    first decode step."""
    misses = [f"{layer.name}: {miss}" for layer in layers
              if (miss := _awq_gemm_miss(layer, group))]
    where = f"vLLM {version_label(version)} runs {label} with {how} on AWQ's own CUDA GEMM"
    if served == "bfloat16":
        return _awq_half_only(version, f"{where} ({', '.join(layer.name for layer in layers)})",
                              f"in float16 awq_gemm raises {'; '.join(misses)}" if misses
                              else "--dtype float16 runs it")
    if served != "float16" or not misses:
        return ""
    return (f"awq_gemm raises {'; '.join(misses)} ({where}: the CUDA graph capture stops, or "
            "with --enforce-eager the first decode step)")


def cuda_awq_gemm_errors(spec: ModelSpec, scheme: QuantScheme, served: str, version: Version,
                         gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of an AWQ-packed checkpoint's linear layers on NVIDIA in bfloat16 where
    they run AWQ's own GEMM (_awq_own_gemm: a group Marlin does not take, zero_point false,
    AutoRound's AWQ packing off Marlin; AWQ_GEMM_HALF_ONLY_MESSAGE_NEW_FROM's NOTE: the CUDA
    AWQ GEMM takes float16 only); [] elsewhere. Up to PLAIN_LOADER_LAST["awq"] an AWQ
    checkpoint loads on awq.py AWQConfig, refused earlier for its dtypes (act_dtype_errors);
    AutoRound's INCConfig takes bfloat16 (get_supported_act_dtypes, 0.19.0-0.34.0) and builds
    AWQLinearMethod there (inc.py apply_awq_quant_layer, 0.19.0-0.23.0; AutoAWQLinearMethod
    from 0.24.0, inc_wna16_linear.py _build_awq_method), so it stops at the profiling run.

    NOTE: from 0.24.0 (0.24.0-0.34.0 wheels) quantization "awq" is auto_awq.py AutoAWQConfig,
    get_supported_act_dtypes() [torch.half, torch.bfloat16]; get_quant_method takes
    AutoAWQMarlinLinearMethod only where check_marlin_supported(uint4, group, zero_point)
    holds (MARLIN_SUPPORTED_GROUP_SIZES [-1, 32, 64, 128], compute capability 7.5 or more)
    and otherwise AutoAWQLinearMethod, whose apply runs ops.awq_dequantize and torch.matmul
    for 256 tokens or more (the memory profiling run) and ops.awq_gemm below. E.g. Qwen3-8B
    as AWQ int4 in groups of 256 in bfloat16 on an RTX 4090 on 0.24.0: refused at the
    profiling run; --dtype float16 runs it."""
    why = _awq_own_gemm(spec, scheme, version, gpu) if served == "bfloat16" else ""
    inc = inc_checkpoint(spec, scheme)
    if not why or (version <= PLAIN_LOADER_LAST["awq"] and not inc):
        return []
    method = "AutoAWQLinearMethod" if version >= INC_AUTO_AWQ_FROM else "AWQLinearMethod"
    return [_awq_half_only(version, f"vLLM {version_label(version)} {why} and runs "
                           f"{scheme.label} on {method}", "--dtype float16 runs it where "
                           "awq_gemm takes each layer's outputs per GPU (a multiple of 64 and of "
                           "the group)")]
