"""Quantization schemes as data: bits per weight (scales and zero points included), which
components stay 16-bit, how vLLM loads each one, and where every figure comes from.

A scheme is used in two modes: the checkpoint's own format (`checkpoint_scheme(spec)`, from
`spec.quant.scheme`, with the checkpoint's exclusions in `spec.quant.excluded_modules`) and a
what-if target format (`what_if_scheme("w4a16-gptq-g128")`), planned uniformly whatever the
checkpoint's exclusions (stored_format). Sizes in bytes are computed by
planner.serving.weights.
"""

import re
from functools import lru_cache
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from planner.memo import IdentityMemo
from planner.model.exclusion_match import (
    INC_METHODS,
    LIST_MATCH,
    WRAPPER_ROOT,
    NameKeeps,
    exact_read,
    inc_searched_gates,
    mapper_splits,
    modelopt_read,
    name_keeps,
    names_no_layer,
    wrapped_read,
    wrapper_read,
)
from planner.model.spec import AttentionMixer, ModelSpec, ModuleFormat
from planner.text import shortened

Component = Literal[
    "embeddings",
    "attention",
    "dense_mlp",
    "experts",
    "shared_experts",
    "router",
    "norms",
    "lm_head",
]
COMPONENTS: tuple[Component, ...] = get_args(Component)
"""The parts of a text model that weights are counted in (planner.serving.weights.WeightTerms)."""

KEPT_BITS = 16.0
"""Bits of a tensor a quantized checkpoint leaves unquantized (bf16/fp16)."""

_USUAL_KEEPS: tuple[Component, ...] = ("embeddings", "lm_head", "router", "norms")


class UnknownSchemeError(KeyError):
    """A quantization scheme key that planner.model.quant does not know; the message lists the
    keys."""

    def __str__(self) -> str:
        return str(self.args[0])


class QuantScheme(BaseModel):
    """One weight storage format: effective bits per weight and what it leaves in 16-bit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(description="'bf16', 'fp8-block128', 'w4a16-gptq-g128', 'gguf-q4_k_m', ...")
    label: str
    family: Literal["float", "fp8", "int8", "gptq", "awq", "mxfp4", "nvfp4", "bnb", "gguf",
                    "torchao", "ocp_mx"]
    bits_per_weight: float = Field(gt=0, description="effective, incl. scales and zero points")
    keeps_16bit: tuple[Component, ...] = Field(
        default=(), description="components left in 16-bit by this format"
    )
    component_bits: dict[Component, float] = Field(
        default_factory=dict,
        description="components stored at other bits than bits_per_weight (GGUF mixes)",
    )
    vllm_quantization: str | None = Field(
        default=None, description="`vllm serve --quantization` value when it must be passed"
    )
    runtime: bool = Field(
        default=False, description="vLLM can produce it from a 16-bit checkpoint at load"
    )
    loading: str = Field(default="", description="how vLLM holds it on the GPU")
    source: str
    what_if: bool = Field(
        default=False,
        description="a what-if target (EngineSettings.target_quant), not the checkpoint as "
        "stored: none of the checkpoint's exclusions or per-module formats apply (stored_format)",
    )

    @property
    def memo_key(self) -> tuple[str, bool]:
        """What the figures planned in this scheme depend on besides the model: the key and
        whether it is a what-if (a what-if of the checkpoint's own key is planned uniformly)."""
        return self.key, self.what_if

    def bits_for(self, component: Component) -> float:
        """Bits per weight this format gives one component (before checkpoint exclusions)."""
        if component in self.component_bits:
            return self.component_bits[component]
        if component in self.keeps_16bit:
            return KEPT_BITS
        return self.bits_per_weight

    def leaves_unquantized(self, component: Component) -> bool:
        """Whether this format leaves `component` in 16 (or 32) bits (before checkpoint
        exclusions): a float format, a component it keeps, or one a mix stores at 16 bits or
        more. Not bits_for alone: GPTQ int4 in groups of 1 carries 4 + (16 + 4) / 1 = 24 bits
        per weight and is still int4, which vLLM's Marlin refuses."""
        if component in self.component_bits:
            return self.component_bits[component] >= KEPT_BITS
        return self.family == "float" or component in self.keeps_16bit


def model_keeps_16bit(spec: ModelSpec, component: Component) -> bool:
    """Whether vLLM's model class holds `component` in the model dtype whatever the format:
    Arctic's routed experts (ModelSpec.experts_unquantized)."""
    return component == "experts" and spec.experts_unquantized


def _float(key: str, label: str, bits: float, source: str) -> QuantScheme:
    """An unquantized format: every tensor at `bits`."""
    return QuantScheme(key=key, label=label, family="float", bits_per_weight=bits, source=source)


def _quantized(**fields: object) -> QuantScheme:
    """A quantized format that leaves embeddings, lm_head, router and norms in 16-bit."""
    return QuantScheme(keeps_16bit=_USUAL_KEEPS, **fields)


# NOTE: group-quantized int formats (GPTQ, AWQ) store per group of `g` input weights one fp16
# scale and one packed zero point of the weight's own width, so bits = w + (16 + w) / g.
# GPTQ int4 g128: 4 + 20/128 = 4.15625; g32: 4 + 20/32 = 4.625; int8 g128: 8 + 24/128 = 8.1875.
# Symmetric GPTQ checkpoints still store `qzeros` (AutoGPTQ/GPTQModel packing: qweight int32
# [in/8, out], scales fp16 [in/g, out], qzeros int32 [in/g, out/8]); AutoAWQ GEMM packs the
# same amounts (qweight [in, out/8], qzeros [in/g, out/8], scales [in/g, out]). The act-order
# `g_idx` (one int32 per input row) adds 32/out bits, under 0.01 bit: left out. Per-channel
# ("gchannel") counts one group per 4096 inputs.
# Symmetric compressed-tensors "pack-quantized" checkpoints ("ct") store no zero point at all:
# weight_packed int32 [out, in/8] + weight_scale bf16 [out, in/g]; vLLM's CompressedTensorsWNA16
# registers weight_zero_point only when `symmetric` is false. So bits = w + 16/g: int4 g32
# 4 + 16/32 = 4.5 (Kimi-K2.5), g128 4 + 16/128 = 4.125. An asymmetric one stores a packed
# zero point like GPTQ (4 + 20/g) and is planned with the GPTQ key.
_CHANNEL_GROUP = 4096
_GROUP_LABELS = {"gptq": "GPTQ", "awq": "AWQ", "ct": "compressed-tensors symmetric"}
GroupMethod = Literal["gptq", "awq", "ct"]


def _grouped(method: GroupMethod, weight_bits: int, group: str) -> QuantScheme:
    """A GPTQ/AWQ/compressed-tensors int format; `group` is 'g<N>' or 'gchannel'.

    Every one loads through vLLM's mixed-precision int kernels (Marlin / Machete), so all carry
    the "gptq"/"awq" family that the layout checks use for the group alignment rule.
    """
    size = _CHANNEL_GROUP if group == "gchannel" else int(group[1:])
    shown = "per-channel" if group == "gchannel" else f"group {size}"
    name = _GROUP_LABELS[method]
    zero_bits = 0 if method == "ct" else weight_bits
    stored = (
        "compressed-tensors pack-quantized layout (weight_packed, weight_scale; no zero point)"
        if method == "ct"
        else "AutoGPTQ/GPTQModel and AutoAWQ tensor layouts (qweight, scales, qzeros)"
    )
    zero = f" + {weight_bits}-bit packed zero" if zero_bits else ""
    return _quantized(
        key=f"w{weight_bits}a16-{method}-{group}",
        label=f"{name} int{weight_bits}, {shown} (W{weight_bits}A16)",
        family="awq" if method == "awq" else "gptq",
        bits_per_weight=weight_bits + (16 + zero_bits) / size,
        loading="Marlin / Machete repack the weights into their tiles: about the same bytes",
        source=(
            f"{weight_bits} + (16-bit scale{zero}) / {size}; {stored}; "
            "embeddings, lm_head, router and norms are not quantized modules"
        ),
    )


TORCHAO_INT4_GROUPS = (32, 64, 128, 256)
"""The group sizes of torchao's Int4WeightOnlyConfig ("choices are [256, 128, 64, 32]",
torchao 0.18.0 quantization/quant_api.py; default 128)."""


def _torchao_int4(group: int) -> QuantScheme:
    """torchao's int4 weight-only format in groups of `group` (a quant_method "torchao"
    checkpoint's Int4WeightOnlyConfig: planner.model.config.quant._torchao).

    NOTE: torchao 0.18.0 Int4Tensor (quantize_/workflows/int4/int4_tensor.py, packing "plain",
    the default) stores qdata two int4 a byte [N, K/2] and scale and zero_point in the weight's
    dtype [K/g, N] each; the tinygemm layout (int4_tile_packed_to_4d_tensor.py) one bf16
    scale_and_zero [K/g, N, 2]: 4 + (16 + 16)/g bits either way (g128: 4.25, g32: 5.0). vLLM
    (quantization/torchao.py TorchAOConfig.get_quant_method, 0.19.0-0.34.0 wheels) quantizes
    LinearBase layers only: a RoutedExperts / FusedMoE layer gets None and runs unquantized
    (fused_moe/routed_experts.py _get_quant_method: UnquantizedFusedMoEMethod), embeddings and
    lm_head (VocabParallelEmbedding) stay 16-bit. An MoE router is a ReplicatedLinear that
    torchao does quantize where the model file hands it the quant config
    (router_dtype.gate_quantized), else it is built 16-bit. A weight whose input width is not a
    multiple of the group is left unquantized by torchao (_int4_weight_only_quantize_tensor):
    not modelled (every linear of the models Headroom reads divides by 256)."""
    return QuantScheme(
        key=f"torchao-int4-g{group}",
        label=f"torchao int4 weight-only, group {group}",
        family="torchao",
        bits_per_weight=4 + 32 / group,
        keeps_16bit=(*_USUAL_KEEPS, "experts"),
        loading="torchao's int4 tensor subclass (tinygemm / preshuffled kernels), weight-only",
        source=(
            f"4 + (16-bit scale + 16-bit zero point) / {group}; torchao 0.18.0 Int4Tensor / "
            "Int4TilePackedTo4dTensor; vLLM quantization/torchao.py quantizes Linear layers "
            "only: routed experts, embeddings, lm_head stay 16-bit"
        ),
    )


OCP_MX_GROUP_SIZE: int = 32
"""NOTE: OCP Microscaling Formats v1.0 scale one e8m0 per 32 values (vLLM
quantization/utils/ocp_mx_utils.py OCP_MX_BLOCK_SIZE = 32: 0.19.0, 0.24.0, 0.34.0 wheels); Quark
MX checkpoints carry weight group_size 32 (config.quant._quark_mx), which vLLM's
get_quark_ocp_mx_group_size returns (layout.quark_mx_shared_misaligned), and MXFP4 checkpoints
(gpt-oss, DeepSeek-V4's routed experts) scale their FP4 values so too."""


def _quark_mx(key: str, label: str, value_bits: int) -> QuantScheme:
    """Quark's OCP MX format over every linear layer and routed expert (a quant_method
    "quark" checkpoint's: planner.model.config.quant._quark_mx), `value_bits` a weight.

    NOTE: vLLM quark/schemes/quark_ocp_mx.py QuarkOCP_MX.create_weights (0.19.0, 0.24.0,
    0.29.0, 0.33.0, 0.34.0 wheels) registers the weight packed (get_packed_dim: MXFP4 two
    values a byte, K/2; MXFP6 four values in three bytes, 3K/4) and one uint8 e8m0 weight_scale
    per 32 inputs: value_bits + 8/32 bits (MXFP4 4.25, MXFP6 6.25); quark_moe.py
    QuarkOCP_MX_MoEMethod the same for w13 / w2. Without native MX support (MI350-class ROCm
    GPUs with AITER) vLLM keeps them packed and dequantizes each layer's weight per call
    ("Simulated weight dequantization and activation QDQ ... computed in high precision"):
    that transient 16-bit copy is not modelled. Unlike gpt-oss's Mxfp4Config, attention and
    dense MLPs are quantized too."""
    return _quantized(
        key=key,
        label=label,
        family="ocp_mx",
        bits_per_weight=value_bits + 8 / OCP_MX_GROUP_SIZE,
        loading=("Quark OCP MX: packed weights with e8m0 scales per 32; native on MI350-class "
                 "GPUs, else dequantized per call (16-bit compute)"),
        source=(f"{value_bits}-bit e2m1/e3m2/e2m3 values + one 8-bit e8m0 scale per 32 (OCP "
                "Microscaling Formats v1.0); vLLM quark/schemes/quark_ocp_mx.py"),
    )


QUARK_MX_SCHEMES: dict[str, QuantScheme] = {
    "quark-mxfp4": _quark_mx("quark-mxfp4", "Quark MXFP4 (OCP MX, all linears)", 4),
    "quark-mxfp6": _quark_mx("quark-mxfp6", "Quark MXFP6 (OCP MX, all linears)", 6),
}
"""Quark's OCP MX checkpoint formats: read from a checkpoint; not in SCHEMES, so the sweeps and
the app do not offer them as what-ifs (the CLI's --target-quant takes them by key, as it takes
torchao-int4-g<N>)."""


# NOTE: GGUF K-quant super-blocks hold 256 weights (ggml/src/ggml-common.h):
#   block_q8_0 = fp16 d + 32 x int8                              = 34 B / 32   -> 8.5 bits
#   block_q6_K = ql[128] + qh[64] + int8 scales[16] + fp16 d      = 210 B / 256 -> 6.5625
#   block_q5_K = fp16 d, dmin + scales[12] + qh[32] + qs[128]     = 176 B / 256 -> 5.5
#   block_q4_K = fp16 d, dmin + scales[12] + qs[128]              = 144 B / 256 -> 4.5
#   block_q3_K = hmask[32] + qs[64] + scales[12] + fp16 d         = 110 B / 256 -> 3.4375
#   block_q2_K = scales[16] + qs[64] + fp16 d, dmin               = 84 B / 256  -> 2.625
Q8_0, Q6_K, Q5_K, Q4_K, Q3_K, Q2_K = 8.5, 6.5625, 5.5, 4.5, 3.4375, 2.625
F32 = 32.0

# NOTE: the _M mixes (llama.cpp src/llama-quant.cpp, llama_tensor_get_type_impl) raise some
# tensors above the base type. output.weight (lm_head) -> Q6_K; norms and ffn_gate_inp (router)
# are never quantized (F32); token_embd keeps the base type. Per mix:
#   Q4_K_M / Q5_K_M: attn_v and ffn_down -> Q6_K on `use_more_bits` layers (i < n/8,
#     i >= 7n/8, or (i - n/8) % 3 == 2: half of the layers, 16 of 32).
#   Q3_K_M: attn_v -> Q4_K (Q5_K on the first 2 layers: left out), attn_output -> Q4_K,
#     ffn_down -> Q4_K (Q5_K on the first n/16 layers).
#   Q2_K: attn_v -> Q4_K (GQA >= 4, else Q3_K), attn_output -> Q3_K, ffn_down -> Q3_K.
# We turn these into effective bits per component for a Llama-shaped layer (GQA 4: q and o are
# 0.4 of the attention weights each, k and v 0.1 each; gated MLP: ffn_down is 1/3), an estimate
# for other shapes. Q4_K_M attention = 4.5 + 0.1 x 0.5 x (6.5625 - 4.5) = 4.603125; MLP =
# 4.5 + (1/3) x 0.5 x 2.0625 = 4.84375. Cross-check: these give Llama-3-8B 4.575 GiB against
# the 4.58G that llama.cpp's tools/quantize/quantize.cpp lists
# (see tests/planner/model/test_quant.py).
# Not modelled: the 8-expert (Mixtral) rules (attn_k/attn_v -> Q8_0) and shape fallbacks.
_ATTN_V_SHARE, _ATTN_O_SHARE, _FFN_DOWN_SHARE, _MORE_BITS_LAYERS = 0.1, 0.4, 1 / 3, 0.5


def _gguf(key: str, label: str, attention: float, mlp: float, base: float) -> QuantScheme:
    """A GGUF mix: `attention` and `mlp` are its effective bits for those components.

    bits_per_weight is the MLP figure, which covers most of a model's weights.
    """
    return QuantScheme(
        key=key,
        label=label,
        family="gguf",
        bits_per_weight=mlp,
        component_bits={
            "embeddings": base,
            "attention": attention,
            "router": F32,
            "norms": F32,
            "lm_head": Q8_0 if base == Q8_0 else Q6_K,
        },
        loading="vLLM's GGUF loader keeps the ggml blocks as stored (experimental)",
        source=(
            "ggml-common.h block sizes; mix rules of llama.cpp src/llama-quant.cpp "
            "(llama_tensor_get_type_impl); effective bits for a Llama-shaped layer (estimate)"
        ),
    )


def _blend(base: float, *raised: tuple[float, float]) -> float:
    """Effective bits of a component whose (share, bits) parts are raised above `base`."""
    return base + sum(share * (bits - base) for share, bits in raised)


_HALF_V = (_ATTN_V_SHARE * _MORE_BITS_LAYERS, Q6_K)
_HALF_DOWN = (_FFN_DOWN_SHARE * _MORE_BITS_LAYERS, Q6_K)
_Q3_K_M_DOWN = _blend(Q4_K, (1 / 16, Q5_K))

_SCHEMES: tuple[QuantScheme, ...] = (
    _float("fp32", "FP32", 32, "IEEE 754 binary32: 4 bytes per weight"),
    _float("bf16", "BF16", 16, "bfloat16: 2 bytes per weight"),
    _float("fp16", "FP16", 16, "IEEE 754 binary16: 2 bytes per weight"),
    _quantized(
        key="fp8-tensor",
        label="FP8 E4M3, per-tensor scale",
        family="fp8",
        bits_per_weight=8,
        vllm_quantization="fp8",
        runtime=True,
        loading=(
            "`--quantization fp8` on a 16-bit checkpoint quantizes every Linear at load with "
            "one scale per tensor; VocabParallelEmbedding and lm_head stay 16-bit"
        ),
        source=(
            "1 byte per weight + one fp32 weight_scale per tensor (negligible); vLLM "
            "model_executor/layers/quantization/fp8.py (Fp8LinearMethod); ModelOpt FP8"
        ),
    ),
    _quantized(
        key="fp8-channel",
        label="FP8 E4M3, per-channel scale",
        family="fp8",
        # NOTE: one fp32 scale per output row, amortized over the row's in_features inputs;
        # for in_features = 4096: 8 + 32/4096 = 8.0078125 (an estimate for other widths).
        bits_per_weight=8 + 32 / 4096,
        loading="compressed-tensors FP8 kernels keep the stored layout",
        source=(
            "1 byte per weight + one fp32 weight_scale per output channel [out, 1] "
            "(compressed-tensors FP8 / FP8_DYNAMIC checkpoints); in_features 4096 assumed"
        ),
    ),
    _quantized(
        key="fp8-block128",
        label="FP8 E4M3, 128x128 block scales",
        family="fp8",
        # NOTE: one fp32 weight_scale_inv per 128 x 128 block: 8 + 32/16384 = 8.001953125.
        bits_per_weight=8 + 32 / (128 * 128),
        loading="block-scaled fp8 kernels (DeepGEMM / CUTLASS) keep the stored layout",
        source=(
            "quantization_config weight_block_size [128, 128] with fp32 weight_scale_inv "
            "per block (DeepSeek-V3, Kimi K2, Qwen3-*-FP8 checkpoints)"
        ),
    ),
    _quantized(
        key="fp8-block128-fp4experts",
        label="FP8 E4M3 128x128 blocks, routed experts FP4 (MXFP4 layout)",
        family="fp8",
        bits_per_weight=8 + 32 / (128 * 128),
        # NOTE: DeepSeek-V4 (config.json expert_dtype "fp4"): routed experts hold FP4 E2M1
        # values with one UE8M0 scale per 32, the OCP MX layout: 4 + 8/32 = 4.25 bits; the
        # other linears (attention, shared expert) are fp8 128x128 blocks (8.00195 bits).
        # DeepSeek-V4-Flash: 277,025,390,592 expert weights x 4.25/8 B = 147.2 GB.
        component_bits={"experts": 4 + 8 / OCP_MX_GROUP_SIZE},
        loading="fp8 block kernels for the linears; the FP4 experts are kept as stored",
        source=(
            "quantization_config fp8 weight_block_size [128, 128] + expert_dtype 'fp4' "
            "(DeepSeek-V4): e2m1 values with a ue8m0 scale per 32 for the routed experts"
        ),
    ),
    _quantized(
        key="fp8-block128-int4experts",
        label="W4AFP8: routed experts INT4 group 128 (FP8 activations), FP8 E4M3 128x128 "
              "blocks elsewhere",
        family="fp8",
        bits_per_weight=8 + 32 / (128 * 128),
        # NOTE: vLLM 0.34.0 quantization/w4afp8.py W4AFP8Config (quant_method "w4afp8"; absent
        # from 0.33.0): the Linear layers are Fp8Config's (block 128 x 128, fp32 scale per
        # block: 8.00195 bits); each RoutedExperts layer not skipped gets
        # CompressedTensorsW4A8Fp8MoEMethod, whose create_weights registers w13/w2_weight_packed
        # int32 [E, N, K / 8] (4 bits a weight) and w13/w2_weight_scale in the model dtype
        # [E, N, K / 128]: 4 + 16/128 = 4.125 bits. Left out: w13/w2_weight_shape, float32
        # [E, 2] each (16 B an expert a layer).
        component_bits={"experts": 4 + 16 / 128},
        loading=(
            "fp8 block kernels for the linears; the INT4 experts on vLLM's CUTLASS W4A8 MoE "
            "(Hopper) or Humming, which turn their bf16 group scales into fp8 after load"
        ),
        source=(
            "quantization_config quant_method 'w4afp8': int4 packed 8 per int32 + one 16-bit "
            "scale per 128 for the routed experts, fp8 + fp32 scale per 128x128 block "
            "elsewhere (vLLM 0.34.0 quantization/w4afp8.py)"
        ),
    ),
    _quantized(
        key="w8a8-int8",
        label="INT8 W8A8, per-channel scale",
        family="int8",
        bits_per_weight=8 + 32 / 4096,
        loading="compressed-tensors W8A8 int8 kernels keep the stored layout",
        source=(
            "1 byte per weight + one scale per output channel (<= 32 bits, in_features 4096 "
            "assumed); compressed-tensors int8 W8A8 (e.g. RedHatAI *-quantized.w8a8)"
        ),
    ),
    _grouped("gptq", 4, "g128"),
    _grouped("gptq", 4, "g32"),
    _grouped("awq", 4, "g128"),
    _grouped("gptq", 8, "g128"),
    QuantScheme(
        key="mxfp4",
        label="MXFP4 (experts only)",
        family="mxfp4",
        # NOTE: OCP MX v1.0: 32 FP4 E2M1 values share one E8M0 scale: 4 + 8/32 = 4.25 bits.
        bits_per_weight=4 + 8 / OCP_MX_GROUP_SIZE,
        keeps_16bit=(*_USUAL_KEEPS, "attention", "dense_mlp", "shared_experts"),
        loading=(
            "vLLM Mxfp4Config quantizes only FusedMoE experts; every Linear layer is left "
            "unquantized (bf16)"
        ),
        source=(
            "OCP Microscaling Formats (MX) v1.0: 32-element blocks, E8M0 scale; gpt-oss "
            "checkpoints (*_blocks U8, *_scales U8) and vLLM quantization/mxfp4.py"
        ),
    ),
    _quantized(
        key="nvfp4",
        label="NVFP4 (FP4 E2M1, 16-value FP8 scales)",
        family="nvfp4",
        # NOTE: one FP8 E4M3 scale per 16 FP4 values: 4 + 8/16 = 4.5 bits, plus one fp32
        # weight_scale_2 per tensor (4 bytes for millions of weights: left out).
        bits_per_weight=4 + 8 / 16,
        loading="ModelOpt NVFP4 kernels keep the stored layout (FP4 weights + FP8 scales)",
        source=(
            "NVIDIA ModelOpt NVFP4 (hf_quant_config.json quant_algo NVFP4, group_size 16): "
            "U8-packed FP4 weight, F8_E4M3 weight_scale per 16, F32 weight_scale_2 per tensor"
        ),
    ),
    _quantized(
        key="bnb-nf4",
        label="bitsandbytes NF4 (double quant)",
        family="bnb",
        # NOTE: 64-value blocks; double quantization stores each block's absmax as uint8 with
        # one fp32 scale per 256 blocks: 4 + 8/64 + 32/(64 x 256) = 4.126953125 bits.
        # Without double quant the absmax is fp32: 4 + 32/64 = 4.5 bits.
        bits_per_weight=4 + 8 / 64 + 32 / (64 * 256),
        vllm_quantization="bitsandbytes",
        runtime=True,
        loading="`--quantization bitsandbytes` quantizes a 16-bit checkpoint to 4 bits at load",
        source=(
            "bitsandbytes Linear4bit: NF4 with blocksize 64, double quant (uint8 absmax, fp32 "
            "per 256 blocks); QLoRA paper (Dettmers et al. 2023) section 3"
        ),
    ),
    _quantized(
        key="bnb-int8",
        label="bitsandbytes LLM.int8",
        family="bnb",
        bits_per_weight=8 + 32 / 4096,
        loading="pre-quantized 8-bit bitsandbytes checkpoints load as stored",
        source=(
            "bitsandbytes Linear8bitLt: int8 weight + fp32 SCB scale per output row "
            "(in_features 4096 assumed); LLM.int8() paper (Dettmers et al. 2022)"
        ),
    ),
    _gguf("gguf-q8_0", "GGUF Q8_0", Q8_0, Q8_0, Q8_0),
    _gguf("gguf-q6_k", "GGUF Q6_K", Q6_K, Q6_K, Q6_K),
    _gguf(
        "gguf-q5_k_m",
        "GGUF Q5_K_M (mix)",
        _blend(Q5_K, _HALF_V),
        _blend(Q5_K, _HALF_DOWN),
        Q5_K,
    ),
    _gguf(
        "gguf-q4_k_m",
        "GGUF Q4_K_M (mix)",
        _blend(Q4_K, _HALF_V),
        _blend(Q4_K, _HALF_DOWN),
        Q4_K,
    ),
    _gguf(
        "gguf-q3_k_m",
        "GGUF Q3_K_M (mix)",
        _blend(Q3_K, (_ATTN_V_SHARE + _ATTN_O_SHARE, Q4_K)),
        _blend(Q3_K, (_FFN_DOWN_SHARE, _Q3_K_M_DOWN)),
        Q3_K,
    ),
    _gguf(
        "gguf-q2_k",
        "GGUF Q2_K (mix)",
        _blend(Q2_K, (_ATTN_V_SHARE, Q4_K), (_ATTN_O_SHARE, Q3_K)),
        _blend(Q2_K, (_FFN_DOWN_SHARE, Q3_K)),
        Q2_K,
    ),
)

SCHEMES: dict[str, QuantScheme] = {s.key: s for s in _SCHEMES}
"""Every fixed scheme key; `scheme()` also resolves other groups of 'w4a16-gptq-g{N}',
'w4a16-awq-g{N}' and 'w4a16-ct-g{N}' (compressed-tensors symmetric, no zero points)."""

_GROUP_PATTERN = re.compile(r"w(4|8)a16-(gptq|awq|ct)-(g[1-9]\d*|gchannel)")
_TORCHAO_PATTERN = re.compile(r"torchao-int4-g(\d+)")


def scheme(key: str) -> QuantScheme:
    """The scheme for a key; other GPTQ/AWQ/ct group sizes ('g<N>', 'gchannel') by pattern."""
    if key in SCHEMES:
        return SCHEMES[key]
    match = _GROUP_PATTERN.fullmatch(key)
    if match and match.group(1, 2) != ("8", "awq"):
        return _grouped(match.group(2), int(match.group(1)), match.group(3))
    if key in QUARK_MX_SCHEMES:
        return QUARK_MX_SCHEMES[key]
    torchao = _TORCHAO_PATTERN.fullmatch(key)
    if torchao and int(torchao.group(1)) in TORCHAO_INT4_GROUPS:
        return _torchao_int4(int(torchao.group(1)))
    raise UnknownSchemeError(
        f"Unknown quantization scheme {shortened(key)!r}. Known: {', '.join(SCHEMES)}; or "
        f"{', '.join(SCHEME_ALIASES)}; or "
        "w4a16-gptq-g<N>, w4a16-awq-g<N>, w4a16-ct-g<N>, w8a16-gptq-g<N>, w8a16-ct-g<N> "
        "(N > 0 or 'channel'); torchao-int4-g<N> (N 32, 64, 128 or 256); quark-mxfp4, "
        "quark-mxfp6."
    )


SCHEME_ALIASES: dict[str, str] = {
    "int4": "w4a16-gptq-g128", "w4a16": "w4a16-gptq-g128", "gptq": "w4a16-gptq-g128",
    "gptq-int4": "w4a16-gptq-g128", "awq": "w4a16-awq-g128", "awq-int4": "w4a16-awq-g128",
    "int8": "w8a8-int8", "w8a8": "w8a8-int8", "w8a16": "w8a16-gptq-g128",
    "gptq-int8": "w8a16-gptq-g128", "fp8": "fp8-tensor", "w8a8-fp8": "fp8-tensor",
    "fp8-block": "fp8-block128", "w4afp8": "fp8-block128-int4experts", "nvfp4": "nvfp4",
    "mxfp4": "mxfp4", "nf4": "bnb-nf4",
    "bnb": "bnb-nf4", "bitsandbytes": "bnb-nf4", "bfloat16": "bf16", "float16": "fp16",
    "q4_k_m": "gguf-q4_k_m", "q8_0": "gguf-q8_0",
}
"""Common names of a weight format -> the default scheme of that family: int4/GPTQ as
GPTQ int4 group 128 (the usual GPTQ export), AWQ int4 group 128 (AutoAWQ's default), int8 as
compressed-tensors W8A8, fp8 as vLLM's runtime `--quantization fp8` (per-tensor)."""


def what_if_scheme(key: str) -> QuantScheme:
    """The scheme for a what-if target key (EngineSettings.target_quant): stored_format is
    False for it, whatever the checkpoint's own format."""
    return scheme(key).model_copy(update={"what_if": True})


def resolve_scheme(name: str) -> QuantScheme:
    """The scheme for a key or a common name (SCHEME_ALIASES), case and spaces ignored;
    callers echo `.key` back so the exact scheme is visible."""
    wanted = "-".join(name.strip().lower().split())
    return scheme(SCHEME_ALIASES.get(wanted, wanted))


DTYPE_SCHEME = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}
"""The scheme key of each torch dtype a 16/32-bit checkpoint is stored or served in."""


def checkpoint_scheme(spec: ModelSpec) -> QuantScheme:
    """The checkpoint's own format: spec.quant.scheme when quantized, else its torch_dtype."""
    if spec.quant is not None:
        return scheme(spec.quant.scheme)
    return SCHEMES[DTYPE_SCHEME[spec.torch_dtype]]


# --- checkpoint exclusions (modules_to_not_convert / ignore / exclude_modules) -------------

_LAYER = re.compile(r"layers\.(\d+|\*)")
_NOT_TEXT = ("vision", "visual", "audio", "mm_projector", "multi_modal", "image", "mtp")
_ROUTER_NAMES = ("router", "gate", "e_score_correction_bias")


class Exclusions(BaseModel):
    """Components a checkpoint keeps in 16-bit, per layer, read from its exclusion list."""

    model_config = ConfigDict(frozen=True)

    all_layers: frozenset[Component] = frozenset()
    by_layer: dict[int, frozenset[Component]] = Field(default_factory=dict)
    unmatched: tuple[str, ...] = Field(default=(), description="names we could not place")

    def excluded(self, layer: int | None, component: Component) -> bool:
        """True when the checkpoint leaves this component (of this layer) unquantized."""
        if component in self.all_layers:
            return True
        return layer is not None and component in self.by_layer.get(layer, frozenset())


def _module_components(name: str) -> tuple[Component, ...] | None:
    """The components one excluded module name covers, () for non-text, None if unknown.

    Routers: 'mlp.gate' (Qwen MoE), 'mlp.router' (gpt-oss), 'block_sparse_moe.gate' (Mixtral),
    bare 'gate' / 'e_score_correction_bias' (MiniMax-M2). MTP modules are not loaded: ().
    """
    tail = name.rstrip("*").rstrip(".").lower()
    if any(word in tail for word in _NOT_TEXT):
        return ()
    if tail.endswith("lm_head"):
        return ("lm_head",)
    if "embed_tokens" in tail or tail.endswith("wte"):
        return ("embeddings",)
    if "norm" in tail.rsplit(".", 1)[-1]:
        return ("norms",)
    if "shared_expert" in tail:
        return ("shared_experts",)
    if "experts" in tail:
        return ("experts",)
    if tail.rsplit(".", 1)[-1] in _ROUTER_NAMES:
        return ("router",)
    if any(word in tail for word in ("attn", "attention", "mixer")):
        return ("attention",)
    if tail.endswith(("mlp", "feed_forward", "block_sparse_moe")):
        return ("dense_mlp", "experts", "shared_experts", "router")
    if any(word in tail for word in ("mlp", "feed_forward")):
        return ("dense_mlp",)
    return None


def _regex_as_name(name: str) -> str:
    """A compressed-tensors "re:" entry as the module name it matches ('re:.*mlp\\.gate$' ->
    '.*mlp.gate'), any other entry as it is.

    NOTE: vLLM's compressed-tensors loader ignores a layer whose name re.match-es an entry's
    pattern after "re:" (compressed_tensors/utils.py _is_equal_or_regex_match, 0.19.0 wheel;
    quantization/utils/config_utils.py is_equal_or_regex_match, 0.34.0); llm-compressor
    recipes keep MoE gates so ("re:.*mlp.gate$"). Its layer index: _entry_layers."""
    if not name.startswith("re:"):
        return name
    return name.removeprefix("re:").rstrip("$").replace("\\", "")


def _place(name: str) -> tuple[int | None, tuple[Component, ...]] | None:
    """(its layer, None for every layer or a model-wide module; its components) of one module
    name, glob or compressed-tensors regex (_regex_as_name); None if unknown."""
    name = _regex_as_name(name)
    components = _module_components(name)
    if components is None:
        return None
    layer = _LAYER.search(name)
    return None if layer is None or layer.group(1) == "*" else int(layer.group(1)), components


_REGEX_LAYER_INDEX = re.compile(r"layers\\?\.(?![*+?{])(.+?)\\?\.(?![*+?{])")
"""In a compressed-tensors "re:" pattern, the layer index between "layers." and the next dot
("\\." or "."), neither dot repeated ('layers\\.1\\d\\.' -> '1\\d'; 'layers.*.' has none)."""


def _entry_layers(name: str, layer: int | None, num_layers: int) -> tuple[int, ...] | None:
    """The decoder layers one exclusion entry placed at `layer` (_place) names, None for every
    layer: a compressed-tensors "re:" pattern's, of `num_layers`, each index its layer index
    expression (_REGEX_LAYER_INDEX) re.fullmatch-es ('re:.*layers\\.1\\d\\.self_attn.*' -> 10-19);
    any other entry's, or a pattern's without such an expression, `layer`.

    NOTE: vLLM re.match-es the pattern from the start of the module's name
    (is_equal_or_regex_match, quantization/utils/config_utils.py 0.34.0;
    _is_equal_or_regex_match, compressed_tensors/utils.py 0.9.2, 0.19.0, 0.29.0), so the
    expression must match the whole index before the dot after it: read as a name, '1\\d' kept
    layer 1 (not 10-19) and '[0-2]' every layer."""
    index = _REGEX_LAYER_INDEX.search(name.removeprefix("re:")) if name.startswith("re:") \
        else None
    try:
        expression = None if index is None else re.compile(index.group(1))
    except re.error:
        expression = None
    if expression is None:
        return None if layer is None else (layer,)
    return tuple(i for i in range(num_layers) if expression.fullmatch(str(i)))


@lru_cache(maxsize=256)
def parse_exclusions(modules: tuple[str, ...], num_layers: int) -> Exclusions:
    """Map module names, globs or compressed-tensors regexes ('model.layers.*.self_attn',
    'lm_head', 're:.*mlp\\.gate$') of a model of `num_layers` decoder layers to components
    (cached: every plan of a checkpoint as stored reads its list; the result is frozen)."""
    all_layers: set[Component] = set()
    by_layer: dict[int, set[Component]] = {}
    unmatched: list[str] = []
    for name in modules:
        placed = _place(name)
        if placed is None:
            unmatched.append(name)
            continue
        layers = _entry_layers(name, placed[0], num_layers)
        if layers is None:
            all_layers.update(placed[1])
        for layer in layers or ():
            by_layer.setdefault(layer, set()).update(placed[1])
    return Exclusions(
        all_layers=frozenset(all_layers),
        by_layer={i: frozenset(c) for i, c in by_layer.items()},
        unmatched=tuple(unmatched),
    )


NO_EXCLUSIONS = Exclusions()
"""A what-if's exclusions (checkpoint_exclusions): none but the scheme's own keeps."""


def stored_format(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether planning `scheme` plans this checkpoint as stored: its own format and no what-if.

    Only then do the checkpoint's exclusion list and per-module formats apply. A what-if
    target, even one naming the checkpoint's own format (with EngineSettings.target_checkpoint
    naming the checkpoint served), describes a checkpoint whose module layout is unknown: it
    is planned uniformly in the target format with only the format's own 16-bit keeps, as a
    what-if of a 16-bit model is, and as the speed model and the KV dtype already took it.
    DeepSeek-V4 in its own format has no such list: its weights are its vLLM model's tensors
    either way (planner.serving.weights._dsv4_model).
    """
    return not scheme.what_if and spec.quant is not None and spec.quant.scheme == scheme.key


def checkpoint_exclusions(spec: ModelSpec, scheme: QuantScheme) -> Exclusions:
    """The modules kept in 16-bit when planning `scheme`: the checkpoint's exclusion list
    applies only to the checkpoint as stored (stored_format), as its method's loader matches
    it (_list_exclusions); a what-if target keeps just what the scheme itself keeps."""
    if stored_format(spec, scheme):
        return _EXCLUSIONS.get(spec, (), _list_exclusions, spec, None)
    return NO_EXCLUSIONS


_EXCLUSIONS: IdentityMemo[Exclusions] = IdentityMemo(64)
"""_list_exclusions per spec, which every weights computation of a sweep asks for."""


def _list_exclusions(spec: ModelSpec, version: tuple[int, int, int] | None) -> Exclusions:
    """The checkpoint's list placed as its method's loader in vLLM `version` (None: the
    newest) matches it (exclusion_match.LIST_MATCH): an exact one as vLLM names a multimodal
    wrapper's layers (exclusion_match.exact_read), without the entries that name no layer; an
    AWQ, compressed-tensors, bitsandbytes or TorchAO one by its rule in the layers
    Headroom names (their components' other layers as placed, a compressed-tensors list without
    the entries that name no layer, a bitsandbytes or TorchAO one as vLLM meets it on a
    multimodal wrapper: exclusion_match.wrapped_read), a ModelOpt one as placed and as matched
    to those layers (less the entries rooted at a multimodal wrapper that release does not
    read: exclusion_match.wrapper_read), an AutoRound one as placed with the MoE gates its
    regex keys find (exclusion_match.inc_searched_gates), any other as placed."""
    quant = spec.quant
    match = LIST_MATCH.get(quant.method)
    modules = quant.excluded_modules
    if match == "exact":
        modules = exact_read(spec, modules, version)
    if match in ("exact", "regex"):
        modules = tuple(m for m in modules if not _names_no_layer(m))
    if match == "modelopt" and not wrapper_read(spec, version):
        modules = tuple(m for m in modules if not m.startswith(WRAPPER_ROOT))
    if match in ("parts", "dotted"):
        modules = wrapped_read(spec, modules, match)
    placed = parse_exclusions(modules, spec.num_layers)
    if quant.method in INC_METHODS:
        return _with_gates(placed, inc_searched_gates(spec, modules))
    if match in (None, "exact"):
        return placed
    keeps = _name_keeps(spec, version)
    read_anywhere = frozenset().union(*keeps.read.values())
    whole = frozenset(c for c in read_anywhere if all(
        c in keeps.kept[i] for i, read in keeps.read.items() if c in read))
    if match == "modelopt":
        all_layers = placed.all_layers | whole
        by_layer = {i: frozenset(placed.by_layer.get(i, frozenset()) | keeps.kept[i])
                    - all_layers for i in keeps.read}
    else:
        all_layers = (placed.all_layers - read_anywhere) | whole
        by_layer = {i: frozenset(keeps.kept[i] | {
            c for c in COMPONENTS if c not in read and placed.excluded(i, c)}) - all_layers
            for i, read in keeps.read.items()}
    return Exclusions(all_layers=all_layers, unmatched=placed.unmatched,
                      by_layer={i: own for i, own in by_layer.items() if own})


def _with_gates(placed: Exclusions, layers: frozenset[int]) -> Exclusions:
    """`placed` with the MoE gate of each of `layers` kept 16-bit too (an AutoRound list's
    regex keys as vLLM searches them: exclusion_match.inc_searched_gates)."""
    by_layer = dict(placed.by_layer)
    for i in layers:
        by_layer[i] = by_layer.get(i, frozenset()) | {"router"}
    return placed.model_copy(update={"by_layer": by_layer})


def _names_no_layer(name: str) -> bool:
    """Whether an exactly matched entry naming a layer's linear component keeps nothing
    (exclusion_match.names_no_layer); a model-wide or norm entry is placed as it is."""
    placed = _place(name)
    return placed is not None and bool(set(placed[1]) & set(_LINEAR_COMPONENTS)) \
        and names_no_layer(name)


_LINEAR_COMPONENTS: tuple[Component, ...] = ("attention", "dense_mlp", "experts",
                                             "shared_experts", "router")


_NAME_KEEPS: IdentityMemo[NameKeeps] = IdentityMemo(64)


def _name_keeps(spec: ModelSpec, version: tuple[int, int, int] | None) -> NameKeeps:
    """exclusion_match.name_keeps of the checkpoint's whole list (its lone projections too:
    QuantSpec.release_exclusions) by its method's rule, with a compressed-tensors checkpoint's
    targets, per spec, a ModelOpt list as vLLM `version` (None: the newest) reads it
    (exclusion_match.modelopt_read), a bitsandbytes or TorchAO one as vLLM meets it on a
    multimodal wrapper (exclusion_match.wrapped_read)."""
    quant = spec.quant
    entries = quant.excluded_modules + tuple(
        f.module for f in quant.module_schemes if f.scheme == "bf16")
    match = LIST_MATCH[quant.method]
    if match == "modelopt":
        entries = modelopt_read(spec, entries, version)
    if match in ("parts", "dotted"):
        entries = wrapped_read(spec, entries, match)
    return _NAME_KEEPS.get(spec, (mapper_splits(spec, version), wrapper_read(spec, version)),
                           name_keeps, spec, entries, match, quant.targets)


_LISTED: IdentityMemo[tuple[ModuleFormat, ...]] = IdentityMemo(64)
"""_listed_module_schemes per spec and vLLM release, which checkpoint_module_bits asks for
every weight format a sweep plans (twice on a miss: its check and _module_bits)."""


def _list_module_schemes(spec: ModelSpec, version: tuple[int, int, int] | None = None
                         ) -> tuple[ModuleFormat, ...]:
    """_listed_module_schemes, worked out once per spec and release."""
    return _LISTED.get(spec, (version,), _listed_module_schemes, spec, version)


def _listed_module_schemes(spec: ModelSpec, version: tuple[int, int, int] | None
                           ) -> tuple[ModuleFormat, ...]:
    """The checkpoint's per-module formats with its list's lone 16-bit projections as its
    method's loader in vLLM `version` (None: the newest) matches them (LIST_MATCH): an exact
    list's without those naming no layer, an AWQ list's those name_keeps finds, a
    compressed-tensors, bitsandbytes or TorchAO list's those it finds and those in a component
    it does not read there (_unread), a ModelOpt list's with those it finds."""
    schemes = spec.quant.module_schemes
    match = LIST_MATCH.get(spec.quant.method)
    if match is None:
        return schemes
    own = tuple(f for f in schemes if f.scheme != "bf16")
    if match == "exact":
        return own + tuple(f for f in schemes if f.scheme == "bf16"
                           and not names_no_layer(f.module))
    keeps = _name_keeps(spec, version)
    if match in ("regex", "parts", "dotted"):
        own += tuple(f for f in schemes if f.scheme == "bf16" and not names_no_layer(f.module)
                     and _unread(f.module, keeps))
    kept = schemes if match == "modelopt" else own
    return kept + tuple(ModuleFormat(module=name, algo="16-bit", scheme="bf16")
                        for name in keeps.alone)


def _unread(module: str, keeps: NameKeeps) -> bool:
    """Whether a lone projection's component is one name_keeps did not read in its layer (in
    no layer, for an entry without an index): a DeepSeek MLA o_proj, kept as placed."""
    placed = _place(module)
    if placed is None:
        return False
    layers = [placed[0]] if placed[0] is not None else list(keeps.read)
    return not any(set(placed[1]) & keeps.read.get(i, frozenset()) for i in layers)


def list_keeps(spec: ModelSpec, version: tuple[int, int, int] | None
               ) -> dict[tuple[int, Component], dict[str, float]]:
    """Per decoder layer and linear component, what the checkpoint's list keeps 16-bit as vLLM
    `version` (None: the newest, as the plan's weights) matches it: {"": 1.0} for the
    component kept whole (_list_exclusions), else each lone 16-bit module's name and share of
    it (_list_module_schemes, _module_share); the releases that match it otherwise differ by
    these (startup.exclusion_lists.mapper_split_note)."""
    exclusions = _list_exclusions(spec, version)
    keeps: dict[tuple[int, Component], dict[str, float]] = {
        (i, c): {"": 1.0} for i in range(spec.num_layers) for c in _LINEAR_COMPONENTS
        if exclusions.excluded(i, c)}
    for fmt in _list_module_schemes(spec, version):
        placed = _place(fmt.module) if fmt.scheme == "bf16" else None
        if placed is None or placed[0] is None:
            continue
        layer, components = placed
        for c in components:
            if c in _LINEAR_COMPONENTS and "" not in keeps.get((layer, c), {}):
                keeps.setdefault((layer, c), {})[fmt.module] = _module_share(
                    spec, layer, c, fmt.module)
    return keeps


# --- per-module formats (ModelOpt MIXED_PRECISION quantized_layers) -----------------------


class ComponentFormats(BaseModel):
    """Each component's own format, per layer, in a checkpoint that lists its modules' formats
    (QuantSpec.module_formats): a component none of whose modules is listed stays 16-bit.

    NOTE: vLLM ModelOptMixedPrecisionConfig._resolve_quant_algo (quantization/modelopt.py,
    0.17.0-0.34.0 wheels) finds a module's entry by its name, by its fused shards
    (packed_modules_mapping: qkv_proj <- q/k/v_proj, gate_up_proj <- gate/up_proj, Qwen3.5's
    in_proj_qkvz <- in_proj_qkv/in_proj_z; shards of two formats raise "Mixed quant_algo
    within fused layer"), or for the routed experts by any key under the module's prefix,
    with the model.language_model. / language_model.model. prefixes swapped (0.22.0 on);
    every module it finds no entry for is built unquantized. Here a component takes the
    format of the modules listed in it: its unlisted ones (Qwen3.5's in_proj_a / in_proj_b
    and conv1d beside FP8 in_proj_qkv / in_proj_z / out_proj) are charged at that format too.
    """

    model_config = ConfigDict(frozen=True)

    all_layers: dict[Component, ModuleFormat] = Field(default_factory=dict)
    by_layer: dict[int, dict[Component, ModuleFormat]] = Field(default_factory=dict)
    notes: tuple[str, ...] = Field(default=(), description="what is planned approximately: a "
                                   "component listed in two formats, a name not placed")

    def format(self, layer: int | None, component: Component) -> ModuleFormat | None:
        """The format of this component (of this layer); None: not listed, 16-bit."""
        return self.by_layer.get(layer, {}).get(component) or self.all_layers.get(component)

    def bits(self, layer: int | None, component: Component) -> float:
        """Bits per weight of this component (of this layer): its listed format's, which
        applies whatever that format keeps in 16-bit elsewhere (a listed lm_head is
        quantized), else KEPT_BITS."""
        fmt = self.format(layer, component)
        return KEPT_BITS if fmt is None else scheme(fmt.scheme).bits_per_weight


def component_formats(formats: tuple[ModuleFormat, ...]) -> ComponentFormats:
    """Place every listed module (QuantSpec.module_formats) in its layer's component; of two
    formats in one component the wider is planned (and noted)."""
    all_layers: dict[Component, ModuleFormat] = {}
    by_layer: dict[int, dict[Component, ModuleFormat]] = {}
    notes: list[str] = []
    for fmt in formats:
        placed = _place(fmt.module)
        if placed is None:
            notes.append(f"quantized_layers names {fmt.module!r} ({fmt.algo}), which is "
                         "not placed in a component: planned without it")
            continue
        table = all_layers if placed[0] is None else by_layer.setdefault(placed[0], {})
        for component in placed[1]:
            held = table.setdefault(component, fmt)
            if (held.scheme, held.weight_only) != (fmt.scheme, fmt.weight_only):
                wide = max(held, fmt, key=lambda f: scheme(f.scheme).bits_per_weight)
                table[component] = wide
                notes.append(f"{held.module} ({held.algo}) and {fmt.module} ({fmt.algo}) are "
                             f"one component ({component}) here: planned as {wide.algo}")
    return ComponentFormats(all_layers=all_layers, by_layer=by_layer, notes=tuple(notes))


_FORMATS: IdentityMemo[ComponentFormats] = IdentityMemo(64)
"""component_formats per QuantSpec (by identity: hashing 291 entries costs 0.15 ms), which
every weights computation of a sweep asks for."""


def checkpoint_formats(spec: ModelSpec, scheme: QuantScheme) -> ComponentFormats | None:
    """The per-module formats that apply when planning `scheme`: the checkpoint's own, when it
    lists them and it is planned as stored (stored_format, as checkpoint_exclusions); else
    None."""
    quant = spec.quant
    if not stored_format(spec, scheme) or not quant.module_formats:
        return None
    return _FORMATS.get(quant, (), component_formats, quant.module_formats)


# --- per-module int formats (AutoRound extra_config) ---------------------------------------

_SHARDED = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class ModuleBits(BaseModel):
    """Bits per weight of the components whose modules a checkpoint gives their own int format
    (QuantSpec.module_schemes), per layer; every other component keeps its scheme's bits."""

    model_config = ConfigDict(frozen=True)

    all_layers: dict[Component, float] = Field(default_factory=dict)
    by_layer: dict[int, dict[Component, float]] = Field(default_factory=dict)

    def bits(self, layer: int | None, component: Component) -> float | None:
        """This component's (of this layer) blended bits; None: not listed."""
        listed = self.by_layer.get(layer, {}).get(component)
        return self.all_layers.get(component) if listed is None else listed


def _module_share(spec: ModelSpec, layer: int | None, component: Component, name: str) -> float:
    """The share of its component's weights one listed module holds: a q/k/v/o projection of
    softmax attention by its shape ([heads x head_dim, hidden] ...), a gate/up/down projection
    of a dense MLP or shared expert a third (half without a gate); any other name (an MLA
    projection too: approximated), the routed experts (vLLM builds one FusedMoE layer in one
    format) and model-wide modules the whole. Biases and q/k norms are left out."""
    last = name.rsplit(".", 1)[-1]
    if layer is None or layer >= spec.num_layers or last not in _SHARDED:
        return 1.0
    mixer, mlp = spec.layers[layer].mixer, spec.layers[layer].mlp
    if component == "attention" and isinstance(mixer, AttentionMixer) and last in _SHARDED[:4]:
        h, heads, kv = spec.hidden_size, mixer.num_heads, mixer.num_kv_heads
        own_kv = mixer.kv_source is None
        sizes = {"q_proj": heads * mixer.head_dim * h * (2 if mixer.output_gate else 1),
                 "k_proj": kv * mixer.head_dim * h * own_kv,
                 "v_proj": kv * mixer.v_head_dim * h * (own_kv and not mixer.kv_shared),
                 "o_proj": heads * mixer.v_head_dim * h}
        return sizes[last] / sum(sizes.values())
    if component in ("dense_mlp", "shared_experts") and last in _SHARDED[4:] and mlp:
        return 1 / 3 if mlp.gated else (0.0 if last == "gate_proj" else 0.5)
    return 1.0


def _module_bits(spec: ModelSpec, base: QuantScheme) -> ModuleBits:
    """Blend each listed module into its component: the component's scheme bits plus, per
    listed module, its share (_module_share) times its own format's extra bits; a module that
    is its whole component (an expert's entry: the layer's FusedMoE) sets it. A tied lm_head
    is the token embedding, never quantized (vLLM ties lm_head to embed_tokens instead of
    building a ParallelLMHead)."""
    all_layers: dict[Component, float] = {}
    by_layer: dict[int, dict[Component, float]] = {}
    for fmt in _list_module_schemes(spec):
        placed = _place(fmt.module)
        if placed is None:
            continue
        layer, components = placed
        table = all_layers if layer is None else by_layer.setdefault(layer, {})
        for component in components:
            if component == "lm_head" and spec.tie_word_embeddings:
                continue
            own, listed = base.bits_for(component), scheme(fmt.scheme).bits_per_weight
            share = _module_share(spec, layer, component, fmt.module)
            table[component] = listed if share == 1 else table.get(component, own) + share * (
                listed - own)
    return ModuleBits(all_layers=all_layers, by_layer=by_layer)


_MODULE_BITS: IdentityMemo[ModuleBits] = IdentityMemo(64)
"""_module_bits per (spec, scheme), which every weights computation of a sweep asks for."""


def checkpoint_module_bits(spec: ModelSpec, scheme: QuantScheme) -> ModuleBits | None:
    """The per-module int formats that apply when planning `scheme`: the checkpoint's own
    (QuantSpec.module_schemes), when it is planned as stored (stored_format); else None."""
    if not stored_format(spec, scheme) or not _list_module_schemes(spec):
        return None
    return _MODULE_BITS.get(spec, (scheme.key,), _module_bits, spec, scheme)
