"""How vLLM lays a checkpoint's weights out at load, per release and GPU (WeightLoadRules for
weights.rank_weights): Gated DeltaNet's in_proj_ba whole on every rank, a latent MoE's split
fc1_latent_proj, a float32 MoE gate or correction bias, float32 MXFP4 expert biases, a float32
Mamba2 A / Gated DeltaNet A_log, the TRT-LLM bf16 MoE width padding, the indexer's wk, and the
GPTQ zero points Marlin frees. Not refusals, but read from the same loaders (model files,
quantization configs, choose_mp_linear_kernel, process_weights_after_loading), so kept beside
them."""

from planner.memo import IdentityMemo
from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec
from planner.serving.hardware import GpuSpec, parse_capability
from planner.serving.layout import group_size, int_bits, marlin_takes_group
from planner.serving.long_len import rope_cache_positions
from planner.serving.moe_backend import mega_moe_backend, trtllm_bf16_width_pad
from planner.serving.mxfp4 import (
    MXFP4_FP32_BIAS_KERNELS,
    mxfp4_expert_padding,
    mxfp4_moe_kernel_of,
)
from planner.serving.mxfp4_kernels import Mxfp4Kernel
from planner.serving.startup.device import capability
from planner.serving.startup.quant_method import loading_method
from planner.serving.startup.router_dtype import correction_bias_fp32, gate_fp32, gate_quantized
from planner.serving.startup.wna16_loaders import (
    MARLIN_75_FROM,
    MARLIN_MIN_CAPABILITY,
    PLAIN_LOADER_LAST,
    marlin_keys_miss,
    plain_loader,
)
from planner.serving.vllm_versions import (
    DSV4_MTP_BUFFER_DRAFT_ONLY_FROM,
    DSV4_SEQUENCE_PARALLEL_FROM,
    GDN_A_LOG_MODEL_DTYPE_SPAN,
    GDN_BA_WHOLE_FROM,
    GPTQ_UNUSED_ZEROS_KEPT_FROM,
    HUMMING_FIRST_ON_HOPPER_FROM,
    INDEXER_WK_UNQUANTIZED_FROM,
    LATENT_FC1_WHOLE_FROM,
    Version,
    in_span,
    mrope_cache_factor,
)
from planner.serving.weights import WeightLoadRules


def a_fp32_mixers(version: Version) -> frozenset[str]:
    """The token-mixer kinds whose decay parameter vLLM `version` holds in float32 whatever the
    model dtype (weights.rank_weights a_fp32_mixers): Mamba2's A ("mamba") in every release
    (mamba_mixer2.py MambaMixer2, 0.9.1-0.34.0: weights._a_fp32_per_rank), Gated DeltaNet's
    A_log ("linear") outside vllm_versions.GDN_A_LOG_MODEL_DTYPE_SPAN (0.10.2-0.11.0 and from
    0.19.0)."""
    return frozenset({"mamba"} if in_span(version, *GDN_A_LOG_MODEL_DTYPE_SPAN)
                     else {"mamba", "linear"})


def latent_fc1_split(version: Version) -> bool:
    """Whether vLLM `version` splits a latent MoE's fc1_latent_proj over TP
    (vllm_versions.LATENT_FC1_WHOLE_FROM; weights.rank_weights)."""
    return version < LATENT_FC1_WHOLE_FROM


_LOAD_RULES: IdentityMemo[WeightLoadRules] = IdentityMemo(1024)
"""weight_load_rules by the identity of the model and GPU and the value of the rest. Its two
callers share the entries: the plan's Resolved on the sizing GPU (plan.derive) and the speed
model's context of each layout on the cluster's slowest GPU (speed._build_context), the same
GPU object on a cluster of one GPU model."""


def weight_load_rules(spec: ModelSpec, scheme: QuantScheme, moe_backend: str | None,
                      version: Version, gpu: GpuSpec, mxfp4_marlin: bool = False,
                      max_model_len: int = 0, video_pruned: bool = False) -> WeightLoadRules:
    """WeightLoadRules of `spec` in `scheme` under vLLM `version` on `gpu`; `mxfp4_marlin`: MXFP4
    experts on Marlin whatever the kernel choice (mxfp4.mxfp4_on_marlin); `max_model_len`: the
    length served, which a model that builds its rotary cache for it takes
    (long_len.rope_cache_positions; 0: the config's positions). MXFP4's rules follow
    the kernel mxfp4.mxfp4_moe_kernel_of picks: expert biases in float32 on the kernels that
    convert them (mxfp4.MXFP4_FP32_BIAS_KERNELS), the experts padded for it (expert_padding),
    the kernel itself kept (mxfp4_kernel) for the plan's notes to name; `video_pruned`: the
    M-RoPE rows of --video-pruning-rate above 0 (video_pruning.video_pruned). Cached
    (_LOAD_RULES)."""
    positions = rope_cache_positions(spec.model_type, spec.max_position_embeddings, version,
                                     max_model_len)
    return _LOAD_RULES.get_all((spec, gpu), (scheme.memo_key, moe_backend, version, mxfp4_marlin,
                                             positions, video_pruned),
                               _weight_load_rules, spec, scheme, moe_backend, version, gpu,
                               mxfp4_marlin, positions, video_pruned)


def _weight_load_rules(spec: ModelSpec, scheme: QuantScheme, moe_backend: str | None,
                       version: Version, gpu: GpuSpec, mxfp4_marlin: bool,
                       positions: int, video_pruned: bool) -> WeightLoadRules:
    """Work out what weight_load_rules caches."""
    kernel = mxfp4_moe_kernel_of(version, gpu.compute_capability, gpu.vendor, mxfp4_marlin,
                                 moe_backend)  # MXFP4's: read where the scheme is mxfp4
    return WeightLoadRules(
        expert_bias_fp32=scheme.key == "mxfp4" and kernel in MXFP4_FP32_BIAS_KERNELS,
        gdn_ba_whole=gdn_ba_whole(spec, scheme, version, gpu),
        latent_fc1_split=latent_fc1_split(version), gate_fp32=gate_fp32(spec, version, gpu),
        draft_gate_kept=not gate_fp32(spec, version, gpu, draft=True),
        correction_bias_fp32=correction_bias_fp32(spec, version),
        router_quantized=gate_quantized(spec, scheme, version),
        expert_pad=expert_padding(spec, scheme, kernel, moe_backend, version, gpu),
        indexer_wk_quantized=version < INDEXER_WK_UNQUANTIZED_FROM,
        dsv4_mtp_buffer_draft_only=(spec.compressed_attention is not None
                                    and version >= DSV4_MTP_BUFFER_DRAFT_ONLY_FROM),
        dsv4_sequence_parallel=(spec.compressed_attention is not None and gpu.vendor == "nvidia"
                                and version >= DSV4_SEQUENCE_PARALLEL_FROM),
        mega_moe=spec.compressed_attention is not None and mega_moe_backend(moe_backend, version),
        zeros_freed_bits=gptq_zeros_freed_bits(spec, scheme, version, gpu), mxfp4_kernel=kernel,
        mrope_factor=mrope_cache_factor(spec.mrope, spec.rope_scaling_type, spec.model_type,
                                        version, video_pruned), rope_positions=positions,
        a_fp32_mixers=a_fp32_mixers(version))


def expert_padding(spec: ModelSpec, scheme: QuantScheme, kernel: Mxfp4Kernel,
                   moe_backend: str | None, version: Version, gpu: GpuSpec) -> tuple[int, int]:
    """(hidden, per-rank width) multiples vLLM `version` pads the routed experts to on `gpu`, the
    one rule for the weights the memory plan holds (plan.derive._derive) and the speed model
    reads (speed.stages._rank_weights): MXFP4's for the kernel it runs them on (`kernel`:
    mxfp4.mxfp4_moe_kernel_of's; mxfp4.mxfp4_expert_padding), else the TRT-LLM BF16 MoE's width
    for 16-bit experts (moe_backend.trtllm_bf16_width_pad).

    NOTE: the kernels read the padding: vLLM pads the MoE layer's input to the padded hidden
    size (0.34.0 fused_moe/runner/moe_runner.py: F.pad to moe_config.hidden_dim unless the
    method's skip_forward_padding, which only FLASHINFER_TRTLLM_MXFP4_MXFP8 sets, quantizing
    its activations padded), and the GEMMs run over the padded tensors (experts/marlin_moe.py
    fused_marlin_moe: size_k = the padded hidden, size_n = 2 x marlin_moe_intermediate_size,
    the padded width from w2's shape), so a decode step streams every padded byte of the
    experts it touches."""
    if scheme.key == "mxfp4":
        return mxfp4_expert_padding(kernel, version, gpu.compute_capability, gpu.vendor)
    return (1, trtllm_bf16_width_pad(spec, scheme, moe_backend, version, gpu.compute_capability,
                                     gpu.vendor))


MACHETE_GROUP_SIZES = (-1, 64, 128)  # machete_utils.query_machete_supported_group_sizes
ALLSPARK_DROPPED_FROM: Version = (0, 31, 0)  # AllSpark last in the CUDA list in 0.30.0


def gptq_zeros_freed_bits(spec: ModelSpec, scheme: QuantScheme, version: Version,
                          gpu: GpuSpec) -> float:
    """Bits per weight that vLLM `version` frees from a symmetric GPTQ checkpoint's dense
    linear layers on `gpu` (its unused packed zero points, w/g: 4/128 = 0.03125 for int4 g128;
    weights.WeightLoadRules.zeros_freed_bits), 0.0 where they stay on the GPU.

    NOTE: freed where MarlinLinearKernel takes the layer, before GPTQ_UNUSED_ZEROS_KEPT_FROM
    (vllm_versions, the sources there). choose_mp_linear_kernel's CUDA order (0.10.0, 0.19.0,
    0.24.0, 0.29.0, 0.33.0, 0.34.0 wheels): Machete first, which takes compute capability 9.0
    only (is_device_capability(90)) and groups MACHETE_GROUP_SIZES in 16-bit activations and
    keeps qzeros (H100 / H200 at g128: kept; its in % 64 / out % 128 shape check is taken to
    pass); then AllSpark (to 0.30.0) on 8.x for uint8b128 per channel only, which keeps them
    too; on 9.0 from HUMMING_FIRST_ON_HOPPER_FROM Humming, which _resolve_backend_kernels'
    prioritize_humming moves ahead of Marlin for these linears too and whose can_implement
    takes any CUDA layer (humming-kernels a dependency of the 0.32.0 and 0.33.0 wheels), keeps
    them (mixed_precision/humming.py process_weights_after_loading maps qzeros to
    `zero_point` whenever the layer has it; humming/linear.py
    convert_linear_layer_to_humming_standard re-registers it); then Marlin (7.5 from
    MARLIN_75_FROM, 8.0 before). A checkpoint that plain gptq.py
    loads (PLAIN_LOADER_LAST), an asymmetric or compressed-tensors one (zero points used)
    and AMD GPUs (Conch / Exllama / Triton W4A16, not read for this) keep them. A what-if
    GPTQ format is taken as symmetric (AutoGPTQConfig's TYPE_MAP is sym only from 0.22). Not
    modelled: a layer Marlin's tiles refuse (marlin_shape_findings, before
    MARLIN_TILE_PADDING_FROM: Qwen3.5's in_proj_ba, 92,160 B whole for Qwen3.5-27B) runs on
    a kernel that keeps them; `--quantization gptq` up to 0.21 forces plain gptq.py, which
    keeps them ("forcing gptq", gptq_marlin.py override_quantization_method), and is not
    planned."""
    if "-gptq-" not in scheme.key or gpu.vendor != "nvidia" \
            or version >= GPTQ_UNUSED_ZEROS_KEPT_FROM:
        return 0.0
    if stored_format(spec, scheme) and not (spec.quant.method == "gptq"
                                            and spec.quant.symmetric is True):
        return 0.0
    cc = parse_capability(gpu.compute_capability)
    group, bits = group_size(scheme) or -1, int_bits(scheme)
    if cc is None or cc < ((7, 5) if version >= MARLIN_75_FROM else (8, 0)) \
            or not marlin_takes_group(scheme) \
            or (stored_format(spec, scheme) and plain_loader(
                "gptq", scheme, version, gpu.vendor, cc, marlin_keys_miss(spec, scheme, version))):
        return 0.0
    if cc == (9, 0) and (group in MACHETE_GROUP_SIZES
                         or version >= HUMMING_FIRST_ON_HOPPER_FROM):
        return 0.0
    if cc[0] == 8 and group == -1 and bits == 8 and version < ALLSPARK_DROPPED_FROM:
        return 0.0
    return (scheme.bits_per_weight - bits) * bits / (16 + bits)  # w/g of w + (16 + w)/g


GDN_SPLIT_BA_TYPES = ("qwen3_5", "qwen3_5_moe")
"""model_types whose vLLM decoder layer builds Gated DeltaNet with gqa_interleaved_layout=False,
in_proj_b and in_proj_a as two shards (qwen3_5.py Qwen3_5DecoderLayer, 0.22.0-0.34.0 wheels):
the layout vllm_versions.GDN_BA_WHOLE_FROM keeps whole. Qwen3-Next interleaves them."""


def gdn_ba_whole(spec: ModelSpec, scheme: QuantScheme, version: Version, gpu: GpuSpec) -> bool:
    """Whether vLLM `version` holds each Gated DeltaNet layer's in_proj_ba whole on every TP
    rank (vllm_versions.GDN_BA_WHOLE_FROM): Qwen3.5's layout on NVIDIA, loaded by
    AutoGPTQConfig (quantization "gptq" from 0.22.0, any group), INCConfig (AutoRound) or
    AWQ's Marlin config: AutoAWQConfig for every AWQ checkpoint from 0.24.0; up to
    PLAIN_LOADER_LAST["awq"] AWQMarlinConfig, which "awq" becomes only where
    AWQMarlinConfig.is_awq_marlin_compatible holds (awq_marlin.py, 0.22.0 and 0.23.0 wheels:
    4 bits, check_marlin_supported's group and, on CUDA, compute capability 7.5 or more),
    else AWQConfig, split. A compressed-tensors checkpoint or what-if ('-ct-') loads on
    CompressedTensorsConfig: split."""
    if spec.model_type not in GDN_SPLIT_BA_TYPES or gpu.vendor != "nvidia" \
            or version < GDN_BA_WHOLE_FROM or "-ct-" in scheme.key:
        return False
    method = loading_method(spec, scheme, False)
    if method in ("gptq", "inc") or (method == "awq" and version > PLAIN_LOADER_LAST["awq"]):
        return True
    cc = capability(gpu)
    return method == "awq" and scheme.key.startswith("w4") and marlin_takes_group(scheme) \
        and not marlin_keys_miss(spec, scheme, version) \
        and (cc is None or cc >= MARLIN_MIN_CAPABILITY)
