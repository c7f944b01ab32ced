"""The start-up refusals and layout errors a plan lists, in the order vLLM meets them."""

from collections.abc import Callable

from planner.model import quant
from planner.model.spec import ModelSpec
from planner.serving.all2all import all2all_refusal
from planner.serving.eagle import eagle_refusals
from planner.serving.engine import (
    EngineSettings,
    StageKv,
    VllmWindow,
    model_served_dtype,
    served_dtype,
)
from planner.serving.eplb import (
    draft_eplb_refusal,
    flag_refusal,
    model_refusal,
    settings_refusals,
)
from planner.serving.hardware import ClusterSpec, GpuSpec, node_starts
from planner.serving.hf_overrides import hf_overrides_errors, rope_overridden
from planner.serving.layout import ParallelLayout, layout_errors, moe_wna16_fallback
from planner.serving.lora.coverage import lora_refusal
from planner.serving.lora.expert_formats import (
    fp8_lora_gpu_refusal,
    mxfp4_lora_vendor_refusal,
    run_time_quantization,
)
from planner.serving.lora.settings import served_dtype_refusal
from planner.serving.mla_block import dsv4_block_refusal, sparse_block_refusal
from planner.serving.mlp_activation import silu_only_errors
from planner.serving.mm_modes import mm_refusals, text_only
from planner.serving.moe_backend import (
    B12X,
    b12x_ep_refusal,
    b12x_refusals,
    mega_deep_gemm_refusal,
    moe_ep_all2all_refusal,
    oracle_refusal,
)
from planner.serving.mtp import mtp_refusal as draft_refusal
from planner.serving.mxfp4 import MXFP4_FROM, mxfp4_ep_reason
from planner.serving.plan.cluster import (
    CLUSTER_CAPABILITIES,
    capabilities,
    last_node,
    rank_position,
)
from planner.serving.plan.facts import Resolved, Setup
from planner.serving.plan.moe import draft_moe, redundant_experts
from planner.serving.plan.shared import cached, gib, vllm_gib
from planner.serving.plan.verdict import Binding
from planner.serving.plan.worker import overheads
from planner.serving.startup import (
    capability_errors,
    ct_linear_scheme,
    quantization_errors,
    startup_errors,
)
from planner.serving.startup.attention_backend import (
    flashinfer_hd256_errors,
    flashinfer_sm75_errors,
    flex_attention_errors,
    kv_format_errors,
    mla_prefill_errors,
)
from planner.serving.startup.autoround import inc_errors, inc_format_errors
from planner.serving.startup.compressed_tensors_moe import (
    ct_channel_moe_errors,
    ct_int8_moe_errors,
    rocm_int8_moe_errors,
)
from planner.serving.startup.ct_expert_projections import ct_expert_projection_errors
from planner.serving.startup.ct_lm_head import ct_lm_head_errors
from planner.serving.startup.ct_targets import ct_target_errors
from planner.serving.startup.device import capability
from planner.serving.startup.dtype import (
    act_dtype_errors,
    dtype_errors,
    float16_errors,
    int8_float32_errors,
)
from planner.serving.startup.fp4_weights import rocm_fp4_moe_errors
from planner.serving.startup.fused_shards import fused_shard_errors
from planner.serving.startup.gemma4_backend import gemma4_mm_prefix_kv_errors
from planner.serving.startup.model_config import (
    field_type_errors,
    gemma_tie_errors,
    mixed_rope_errors,
    nemotron_h_moe_errors,
    null_field_errors,
    olmo3_rope_errors,
    ssm_dtype_errors,
    unread_head_dim_errors,
    zero_head_dim_errors,
)
from planner.serving.startup.modelopt import (
    modelopt_legacy_errors,
    modelopt_mixed_errors,
    modelopt_type_errors,
)
from planner.serving.startup.quant_method import (
    rocm_quantization_errors,
    unknown_quant_errors,
)
from planner.serving.startup.rope_keys import (
    layer_block_errors,
    llama3_original_errors,
    yarn_key_errors,
)
from planner.serving.startup.stored_gate import gptq_gate_errors, stored_gate_errors
from planner.serving.startup.torchao_quark import own_loader_errors, own_loader_method
from planner.serving.startup.transformers4_rope import (
    legacy_type_errors,
    nested_theta_errors,
    own_validator_errors,
)
from planner.serving.startup.triton_sm75 import triton_sm75_errors
from planner.serving.startup.unknown_capability import unknown_capability_refusal
from planner.serving.startup.w4afp8 import w4afp8_errors
from planner.serving.startup.wheel_arch import wheel_arch_errors
from planner.serving.startup.wna16_kernels import (
    gptq_dynamic_errors,
    gptq_kernel_errors,
    rocm_awq_errors,
)
from planner.serving.startup.wna16_loaders import (
    act_order_errors,
    awq_marlin_capability_refusal,
    gptq_sym_errors,
    kept_marlin_method,
    marlin_named_errors,
)
from planner.serving.startup.wna16_shapes import cuda_awq_gemm_errors
from planner.serving.unnamed_architecture import architecture_refusal
from planner.serving.v1_oracle import uncovered_reason
from planner.serving.vllm_cli import VllmCli, unserved_refusal
from planner.serving.vllm_versions import (
    CHUNKED_OFF_TOKENS_MAX_FROM,
    FREE_MEMORY_CHECK_ON_DEVICE_FROM,
    EngineError,
    Version,
    VllmRules,
    align_block_refusal,
    float16_refused,
)
from planner.serving.weights import mtp_excluded, transformers_backend
from planner.text import layer_span, rank_runs
from planner.units import VLLM_KV_DTYPE, kv_cache_dtype_flag


def refuse_unplannable(spec: ModelSpec, ccs: tuple[str, ...], s: EngineSettings,
                       rules: VllmRules, cli: VllmCli, scheme: quant.QuantScheme) -> None:
    """Raise EngineError where this release cannot serve the model at all (its architecture,
    a start-up it runs on the V0 engine on one of the cluster's compute capabilities `ccs`,
    DeepSeek-V4's block size, MXFP4 before 0.10.1): no plan is made, unlike the start-up
    refusals a plan lists."""
    refusal = architecture_refusal(spec, cli) or unserved_refusal(
        spec.architectures, cli, rules.label)
    if refusal:
        raise EngineError(refusal)
    # vLLM < 0.11 runs some start-ups on its V0 engine: refused, never planned with V1 rules
    for node_gpu in ccs:
        reason = uncovered_reason(
            rules.version, node_gpu, spec, cli, kv_cache_dtype=s.kv_cache_dtype, dtype=s.dtype,
            num_speculative_tokens=s.num_speculative_tokens,
            kv_cache_memory_bytes=s.kv_cache_memory_bytes)
        if reason:
            raise EngineError(reason)
    dsv4_refusal = dsv4_block_refusal(spec, s.block_size)
    if dsv4_refusal:
        raise EngineError(dsv4_refusal)
    if scheme.family == "mxfp4" and rules.version < MXFP4_FROM:
        raise EngineError(f"vLLM {rules.label} has no MXFP4 quantization (quantization/mxfp4.py "
                          "arrives in 0.10.1); plan it with vLLM 0.10.1 or later")


def config_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                    gpu: GpuSpec, scheme: quant.QuantScheme, window: VllmWindow,
                    max_model_len: int, mbt: int, seqs: int, mixed: bool,
                    mismatch: tuple[str, ...], fp16: bool, served: str) -> tuple[str, ...]:
    """The start-up refusals of the engine arguments and the model's config (--hf-overrides
    a release does not apply as planned, lengths, batch, block size, MTP, KV format, dtypes,
    config fields, the exclusion list against the layers vLLM merges), in the order vLLM meets
    them, with the attention kernels' first-prefill failures; the first of the three parts of
    Resolved.refusals. `served`: the dtype vLLM computes in."""
    overridden = rope_overridden(s.hf_overrides)
    return (hf_overrides_errors(spec, s.hf_overrides, rules.version, rules.label)
            + tuple(startup_errors(
            gpu=gpu, scheme=scheme, cli=cli, max_model_len=max_model_len,
            window=window, mbt=mbt, seqs=seqs,
            mbt_given=s.max_num_batched_tokens is not None,
            chunked_prefill=s.enable_chunked_prefill
            or rules.version < CHUNKED_OFF_TOKENS_MAX_FROM, block_size=s.block_size,
            mixed=mixed, ct_scheme=ct_linear_scheme(spec, scheme),
            named=_named_method(spec, scheme), allow_long=s.allow_long_max_model_len))
            + unknown_capability_refusals(spec, s, rules, cli, gpu, scheme, served, mixed,
                                          mismatch)
            + tuple(modelopt_mixed_errors(spec, scheme, rules.version))
            + mtp_refusal(spec, s)
            + lora_refusals(spec, s, rules, gpu)
            + mm_refusals(spec, s)
            + tuple(sparse_block_refusal(spec, s.block_size, rules.version))
            + mismatch
            + _gpu_refusals(spec, s, rules, cli, gpu, served)
            + tuple(float16_errors(spec.model_type, s.dtype, not fp16))
            + tuple(null_field_errors(spec, rules.version))
            + tuple(zero_head_dim_errors(spec, rules.version))
            + tuple(unread_head_dim_errors(spec, rules.version, transformers_backend(
                spec, cli.transformers_architectures)))
            + tuple(field_type_errors(spec, rules.version))
            + tuple(gemma_tie_errors(spec, rules.version))
            + tuple(nemotron_h_moe_errors(spec, rules.version))
            + tuple(ssm_dtype_errors(spec, s.mamba_ssm_cache_dtype, rules.version))
            + tuple(olmo3_rope_errors(spec, rules.version))
            + tuple(nested_theta_errors(spec, rules.version, overridden))
            + tuple(layer_block_errors(spec, rules.version))
            + tuple(llama3_original_errors(spec, rules.version, overridden))
            + tuple(own_validator_errors(spec, rules.version, overridden))
            + tuple(legacy_type_errors(spec, rules.version, overridden))
            + tuple(yarn_key_errors(spec, rules.version))
            + tuple(mixed_rope_errors(spec, rules.version, overridden,
                                      transformers_backend(spec, cli.transformers_architectures)))
            + tuple(silu_only_errors(spec, cli))
            + tuple(fused_shard_errors(spec, scheme, rules.version))
            + tuple(ct_target_errors(spec, scheme, rules.version))
            + tuple(ct_expert_projection_errors(spec, scheme, rules.version))
            + tuple(ct_lm_head_errors(spec, scheme, rules.version))
            + tuple(stored_gate_errors(spec, scheme, rules.version))
            + tuple(gptq_gate_errors(spec, scheme, rules.version)))


def _named_method(spec: ModelSpec, scheme: quant.QuantScheme) -> str | None:
    """The quantization method vLLM names a checkpoint's weights by where it keeps the
    checkpoint's own (capability_errors' `named`)."""
    return kept_marlin_method(spec, scheme) or own_loader_method(spec, scheme)


def unknown_capability_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules,
                                cli: VllmCli, gpu: GpuSpec, scheme: quant.QuantScheme,
                                served: str, mixed: bool, mismatch: tuple[str, ...]
                                ) -> tuple[str, ...]:
    """On an NVIDIA GPU of unknown compute capability (custom_gpu given by its memory only),
    the refusal of the --kv-cache-dtype, then of the weight format, where vLLM refuses it on
    a compute capability the GPU may have (_refused_on_some): the checks that follow the
    capability (kv_format_errors; capability_errors and quant_refusals) pass a GPU whose
    capability is unknown, so the plan would read "Fits" where vLLM may refuse it (a T4
    refuses an nvfp4 KV cache, an RTX 4090 runs it). The --moe-backend's: backend_refusals."""
    ct_scheme, named = ct_linear_scheme(spec, scheme), _named_method(spec, scheme)

    def weight_errors(g: GpuSpec) -> set[str]:
        return set(capability_errors(g, scheme, cli, mixed, ct_scheme, named)
                   + list(quant_refusals(spec, s, rules, cli, g, scheme, served, mixed,
                                         mismatch)))

    return (_refused_on_some(gpu, rules, kv_cache_dtype_flag(s.kv_cache_dtype),
                             lambda g: set(kv_format_errors(g, spec, s.kv_cache_dtype, cli)))
            + _refused_on_some(gpu, rules, f"{scheme.key} weights", weight_errors))


def _mm_prefix_kv_errors(spec: ModelSpec, s: EngineSettings, rules: VllmRules, gpu: GpuSpec
                         ) -> list[str]:
    """A Gemma 4 served with images whose KV dtype no mm-prefix backend lists
    (gemma4_backend.gemma4_mm_prefix_kv_errors), on an NVIDIA GPU of known capability."""
    cc = capability(gpu)
    if gpu.vendor != "nvidia" or cc is None:
        return []
    return gemma4_mm_prefix_kv_errors(spec, rules.version, cc,
                                      VLLM_KV_DTYPE[s.kv_cache_dtype], not text_only(spec, s))


def _refused_on_some(gpu: GpuSpec, rules: VllmRules, what: str,
                     errors: Callable[[GpuSpec], set[str]]) -> tuple[str, ...]:
    """unknown_capability_refusal of `what` on `gpu`, as a plan lists refusals: the refusal
    where `errors` (a check that follows the capability) gives some capability an NVIDIA GPU
    of unknown capability may have (its memory's, its wheels') an error `gpu` does not meet,
    naming them where others run it, saying so where none does; () on any other GPU."""
    refusal = unknown_capability_refusal(gpu, rules.version, what, errors)
    return (refusal,) if refusal else ()


def _gpu_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                  gpu: GpuSpec, served: str) -> tuple[str, ...]:
    """The start-up refusals that follow the GPU's compute capability, which each worker meets
    on its own GPU (node 0's in config_refusals, the later nodes' in node_gpu_errors): the
    `served` dtype's (dtype_errors: bfloat16 below 8.0; --dtype auto resolves to float16 there,
    so only a bfloat16 the config holds fails), then the attention backend's as the model is
    built and run (0.10.2-0.11.0's FlexAttention, whose FlexAttentionImpl.__init__ raises for a
    soft cap before a quantized KV cache; KV dtype, MLA prefill, FlashInfer on a T4,
    FlashInfer's head-256 assertion). TRITON_ATTN's on a T4 (triton_sm75_errors) come after
    every start-up refusal: Triton meets them at the first prompt."""
    return (tuple(dtype_errors(gpu, served))  # Worker.init_device, before the model is built
            + tuple(flex_attention_errors(gpu, spec, cli))  # before its quantized-KV refusal
            + tuple(kv_format_errors(gpu, spec, s.kv_cache_dtype, cli)
                    or _mm_prefix_kv_errors(spec, s, rules, gpu))
            + tuple(mla_prefill_errors(gpu, spec, cli))
            + tuple(flashinfer_sm75_errors(gpu, spec, s.kv_cache_dtype, cli, served))
            + tuple(flashinfer_hd256_errors(spec, s, rules, gpu.compute_capability)))


def quant_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                   gpu: GpuSpec, scheme: quant.QuantScheme, served: str, mixed: bool,
                   mismatch: tuple[str, ...]) -> tuple[str, ...]:
    """The start-up refusals of the weight format and its kernels on this GPU and release;
    the second part of Resolved.refusals."""
    return (tuple(act_dtype_errors(spec, scheme, served, mixed, version=rules.version,
                                     vendor=gpu.vendor))
            + tuple(int8_float32_errors(scheme, served))
            + tuple(gptq_kernel_errors(spec, scheme, served, rules.version, gpu))
            + tuple(act_order_errors(spec, scheme, rules.version))
            + tuple(gptq_dynamic_errors(spec, scheme, rules.version, gpu))
            + tuple(gptq_sym_errors(spec, scheme, rules.version))
            + tuple(rocm_awq_errors(spec, scheme, served, rules.version, gpu))
            + tuple(cuda_awq_gemm_errors(spec, scheme, served, rules.version, gpu))
            # _verify_quantization stops at a mismatch, then at an unknown method, before
            # the platform's list
            + (() if mismatch else tuple(
                unknown_quant_errors(spec, scheme, mixed, cli, rules.version, gpu)
                or rocm_quantization_errors(spec, scheme, mixed, rules.version, gpu)))
            + tuple(ct_channel_moe_errors(spec, scheme, rules.version, gpu))
            + tuple(ct_int8_moe_errors(spec, scheme, rules.version))
            + tuple(rocm_int8_moe_errors(spec, scheme, rules.version, gpu))
            + tuple(rocm_fp4_moe_errors(spec, scheme, rules.version, gpu, s.mxfp4_marlin,
                                        s.moe_backend))
            + tuple(inc_errors(spec, scheme, rules.version, gpu))
            + tuple(inc_format_errors(spec, scheme, rules.version, gpu))
            + tuple(w4afp8_errors(spec, scheme, rules.version))
            + tuple(own_loader_errors(spec, scheme, rules.version, gpu))
            + tuple(marlin_named_errors(spec, scheme, rules.version, gpu))
            + tuple(modelopt_legacy_errors(spec, scheme, rules.version))
            + tuple(modelopt_type_errors(spec, scheme, rules.version)))


def moe_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, cli: VllmCli,
                 gpu: GpuSpec, scheme: quant.QuantScheme, b12x: bool,
                 eplb_kind: str) -> tuple[str, ...]:
    """The start-up refusals of the MoE flags (--moe-backend, --all2all-backend, EPLB's);
    the last part of Resolved.refusals before the launch's own."""
    return (backend_refusals(spec, s, rules, gpu, scheme, b12x)
            + tuple(filter(None, [mega_deep_gemm_refusal(s.moe_backend, spec.architectures,
                                                         rules.version)
                                  if s.moe_backend else None,
                                  moe_ep_all2all_refusal(s.moe_backend, s.all2all_backend,
                                                         rules.version)
                                  if s.moe_backend else None,
                                  all2all_refusal(s.all2all_backend, cli)
                                  if s.all2all_backend else None,
                                  flag_refusal(s.enable_eplb, s.num_redundant_experts, cli)]))
            # the MoE method is refused as FusedMoE is built, the model class at the profile
            + tuple(settings_refusals(s.enable_eplb, s.num_redundant_experts, eplb_kind,
                                      spec.is_moe, rules.version))
            + tuple(filter(None, [model_refusal(spec.architectures, spec.vision is not None,
                                                cli, rules.version)
                                  if s.enable_eplb and spec.is_moe else None,
                                  draft_eplb_refusal(spec.model_type, rules.version)
                                  if s.enable_eplb and draft_moe(spec, s) else None])))


def backend_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, gpu: GpuSpec,
                     scheme: quant.QuantScheme, b12x: bool) -> tuple[str, ...]:
    """The refusals of --moe-backend that follow the GPU (b12x_refusals, the MoE oracle's:
    oracle_refusal), each worker's on its own GPU, then, on an NVIDIA GPU of unknown compute
    capability, the value's where a capability it may have refuses it (_refused_on_some:
    flashinfer_trtllm runs on 10.x only, an unknown GPU passed)."""

    def on(g: GpuSpec) -> tuple[str, ...]:
        return (tuple(b12x_refusals(rules.version, g.compute_capability, scheme.family,
                                    bool(draft_moe(spec, s)) and mtp_excluded(spec, scheme),
                                    g.vendor) if b12x else ())
                + tuple(filter(None, [oracle_refusal(spec, scheme, s.moe_backend,
                                                     rules.version, g.vendor,
                                                     g.compute_capability)
                                      if s.moe_backend else None])))

    return on(gpu) + (_refused_on_some(gpu, rules, f"--moe-backend {s.moe_backend}",
                                       lambda g: set(on(g))) if s.moe_backend else ())


def ep_refusal(ccs: tuple[str, ...], s: EngineSettings, rules: VllmRules,
               scheme: quant.QuantScheme, b12x: bool) -> str | None:
    """Why vLLM stops at start-up with EP > 1 (MXFP4 on some GPU of the cluster, whose
    compute capabilities are `ccs`, the B12x MoE backend); None where it does not
    (Resolved.ep_refusal)."""
    return (next(filter(None, (mxfp4_ep_reason(rules.version, cc) for cc in ccs)), None)
        if scheme.key == "mxfp4" and not s.mxfp4_marlin else
        b12x_ep_refusal(rules.version) if b12x else None)


def mtp_refusal(spec: ModelSpec, s: EngineSettings) -> tuple[str, ...]:
    """vLLM's refusal of MTP speculative decoding for this model and release
    (planner.serving.mtp; the plan's error; the app offers the setting only where it is
    empty), or of the EAGLE-3 drafter given (planner.serving.eagle.eagle_refusals)."""
    if s.speculative_draft is not None:
        return eagle_refusals(s.speculative_draft, spec, s.vllm_version,
                              s.num_speculative_tokens, s.kv_cache_dtype)
    return draft_refusal(spec, s.num_speculative_tokens, s.vllm_version)


def lora_refusals(spec: ModelSpec, s: EngineSettings, rules: VllmRules, gpu: GpuSpec
                  ) -> tuple[str, ...]:
    """--enable-lora where Headroom does not size vLLM's LoRA slots: a release whose LoRA source
    is not read or a model whose wrapped modules are not (lora.coverage.lora_refusal), gpt-oss's
    MXFP4 LoRA off NVIDIA (lora.expert_formats.mxfp4_lora_vendor_refusal) or FP8 experts' LoRA on a
    GPU without FP8 before vLLM 0.20 (lora.expert_formats.fp8_lora_gpu_refusal); the plan's error,
    never a guess (the CLI exits 2 on the first ones first: cli.inputs.check_lora)."""
    if not s.enable_lora:
        return ()
    quantization = run_time_quantization(s.quantization, s.target_quant)
    refusal = lora_refusal(spec, rules.version, rules.label, quantization, s.moe_backend) \
        or lora_gpu_refusal(spec, s, quantization, rules, gpu)
    return (refusal,) if refusal else ()


def lora_gpu_refusal(spec: ModelSpec, s: EngineSettings, quantization: str | None,
                     rules: VllmRules, gpu: GpuSpec) -> str | None:
    """The GPU's part of lora_refusals: gpt-oss's MXFP4 LoRA off NVIDIA, FP8 experts' LoRA on
    a GPU without FP8 before vLLM 0.20 (`quantization`: run_time_quantization's), or the dtype
    the model is served in on it (float32, or another than --lora-dtype's: the GPU decides
    auto's, float16 without bfloat16) refused by vLLM's LoRA kernels
    (lora.settings.served_dtype_refusal)."""
    return mxfp4_lora_vendor_refusal(spec, gpu.vendor) \
        or fp8_lora_gpu_refusal(spec, quantization, rules.version, rules.label, gpu) \
        or served_dtype_refusal(s.lora_dtype, model_served_dtype(spec, s, gpu.computes_bf16))


def wna16_backend_errors(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                         s: EngineSettings, r: Resolved, rules: VllmRules) -> list[str]:
    """--moe-backend for int weight-only experts: moe_backend.oracle_refusal on this layout,
    whose experts Marlin MoE takes or sends to vLLM's fall-back (layout.moe_wna16_fallback),
    which decides whether the WNA16 MoE oracle reads the flag and what it accepts; on an NVIDIA
    GPU of unknown compute capability, the value's where a capability it may have refuses it
    (_refused_on_some: flashinfer_trtllm's MxInt4 MoE runs on 10.x only)."""
    if not s.moe_backend or not spec.is_moe:
        return []
    fallback = moe_wna16_fallback(spec, layout, r.scheme, s.vllm_version, cluster.vendor)

    def on(vendor: str, compute_capability: str) -> set[str]:
        return set(filter(None, [oracle_refusal(spec, r.scheme, s.moe_backend, rules.version,
                                                vendor, compute_capability, fallback)]))

    return sorted(on(cluster.vendor, r.compute_capability)) or list(_refused_on_some(
        cluster.sizing_node.gpu, rules, f"--moe-backend {s.moe_backend}",
        lambda g: on(g.vendor, g.compute_capability)))


def busy_errors(cluster: ClusterSpec, layout: ParallelLayout, s: EngineSettings,
                r: Resolved, version: Version) -> list[str]:
    """vLLM's start-up refusal for each GPU whose free memory is below the budget
    (Resolved.budgets), in vLLM `version`'s words (free_memory_refusal).

    NOTE: init_device checks free memory >= total x gpu_memory_utilization before it reads
    --kv-cache-memory-bytes (gpu_worker.py in the 0.10.2-0.13.0 wheels, v1/worker/utils.py
    request_memory by 0.33.0 and in 0.34.0, where a given pool turns the extensible KV cache
    off), so a given KV pool does not skip the check."""
    if not r.busy:
        return []
    errors: list[str] = []
    for rank in range(min(layout.gpus, cluster.gpu_count)):
        _, _, node_index, gpu_index = rank_position(layout, cluster, rank)
        node = cluster.nodes[node_index]
        total = node.gpu.memory_total_bytes
        used = node.memory_used_bytes[gpu_index] if node.memory_used_bytes else 0
        budget = r.budgets[total]
        if total - used >= budget:
            continue
        msg = free_memory_refusal(gpu_index, total - used, total, budget,
                                  s.gpu_memory_utilization, version)
        if msg not in errors:
            errors.append(msg)
    return errors


def free_memory_refusal(gpu_index: int, free_bytes: int, total_bytes: int, budget_bytes: int,
                        utilization: float, version: Version) -> str:
    """vLLM's refusal of a GPU with less free memory than total x `utilization`, in `version`'s
    words and figures (FREE_MEMORY_CHECK_ON_DEVICE_FROM): the device named from 0.14.0, the
    request there the budget ceil(total x utilization) (`budget_bytes`: the engine's
    budget_bytes, vLLM's request_memory) and before it the float product, each figure
    vllm_gib ("110.0/121.69 GiB"); the fraction as vLLM's f-string writes the float it read
    (str: "0.9234567", "1.0"; gpu_worker.py 0.9.1, v1/worker/utils.py request_memory 0.19.0
    and 0.34.0)."""
    named = version >= FREE_MEMORY_CHECK_ON_DEVICE_FROM
    requested = budget_bytes if named else total_bytes * utilization
    return (f"Free memory on device{f' cuda:{gpu_index}' if named else ''} "
            f"({vllm_gib(free_bytes)}/{vllm_gib(total_bytes)} GiB) on startup is less than "
            f"desired GPU memory utilization ({utilization}, {vllm_gib(requested)} GiB). "
            "Decrease GPU memory utilization or reduce GPU memory used by other processes.")


def node_quant_errors(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                      s: EngineSettings, r: Resolved, rules: VllmRules, cli: VllmCli
                      ) -> list[str]:
    """vLLM's quantization refusal on a node past node 0 that the layout reaches, where its
    GPU is of another compute capability than node 0's (whose refusal is Resolved.refusals).

    NOTE: from the release with --nnodes, every node's `vllm serve` builds its own VllmConfig
    (entrypoints/cli/serve.py run_headless: create_engine_config), whose
    _get_quantization_config (config/vllm.py, 0.19.0, 0.33.0 and 0.34.0 wheels) checks the method's
    get_min_capability() against current_platform.get_device_capability(), that node's GPU
    0: an FP8 checkpoint (75) on an H100 node 0 and a V100 node 1 (70) fails on node 1, as a
    quant_method awq_marlin one up to 0.23 does in AWQMarlinConfig.__init__'s Marlin check
    (wna16_loaders.awq_marlin_capability_refusal). On Ray (no --nnodes) node 0's process alone
    builds the config: not said there."""
    if len(cluster.nodes) == 1 or not cli.accepts("--nnodes"):
        return []
    # (GPUs of one compute capability: no node to check, without a scan of 512 nodes a plan)
    if CLUSTER_CAPABILITIES.get(cluster, (), capabilities, cluster) == (r.compute_capability,):
        return []
    errors: list[str] = []
    for index in range(1, last_node(cluster, layout, r) + 1):
        node = cluster.nodes[index]
        if node.gpu.compute_capability == r.compute_capability:
            continue
        marlin = awq_marlin_capability_refusal(spec, r.scheme, rules.version, node.gpu)
        for error in [*capability_errors(node.gpu, r.scheme, cli, r.mixed,
                                         ct_linear_scheme(spec, r.scheme),
                                         kept_marlin_method(spec, r.scheme)
                                         or own_loader_method(spec, r.scheme)),
                      *([marlin] if marlin else [])]:
            message = f"Node {index} ({node.hostname}, {node.gpu.name}): {error}"
            if message not in errors:
                errors.append(message)
    return errors


def node_gpu_errors(spec: ModelSpec, cluster: ClusterSpec, layout: ParallelLayout,
                    s: EngineSettings, r: Resolved, rules: VllmRules, cli: VllmCli
                    ) -> list[str]:
    """The capability refusals (_gpu_refusals, after wheel_arch_errors: the node's workers run
    PyTorch's and vLLM's kernels on its GPU; the --moe-backend's, backend_refusals: each
    worker's MoE oracle checks the kernel on its own GPU as it builds its FusedMoE layers) of
    the first node past node 0 the layout reaches with each other compute capability than node
    0's (whose own are Resolved.refusals), those node 0 does not already give: a T4 or V100
    node 1 under an H100 node 0. A node whose capability is unknown (a snapshot GPU of no
    preset whose capability was not read) is refused a KV dtype, weight format or MoE backend
    a capability it may have refuses (unknown_capability_refusals, backend_refusals), as node
    0 is; not distinguished there: the weight format's minimum capability is checked by each
    node's own config with --nnodes only (node_quant_errors), by node 0's on Ray.

    NOTE: each worker picks its attention backend on its own GPU (Attention.__init__ ->
    get_attn_backend -> current_platform.get_attn_backend_cls, which reads the worker's device
    capability: platforms/cuda.py, 0.10.2, 0.11.0, 0.18.0, 0.34.0 wheels), runs its own kernels
    and checks its model_config.dtype in Worker.init_device (check_if_supports_dtype, 0.10.2 on;
    _check_if_gpu_supports_dtype before). That dtype is node 0's resolved one on Ray (before
    0.11.1: _init_workers_ray hands every worker the driver's vllm_config,
    executor/ray_distributed_executor.py, 0.11.0 wheel) and the node's own with --nnodes
    (run_headless builds the node's VllmConfig, whose --dtype auto resolves on its GPU:
    node_quant_errors). Not modelled: nodes computing in different dtypes under --nnodes
    (bfloat16 on node 0, float16 on a V100 node 1), planned with node 0's sizes."""
    ccs = CLUSTER_CAPABILITIES.get(cluster, (), capabilities, cluster)
    if len(cluster.nodes) == 1 or ccs == (r.compute_capability,):
        return []
    fp16 = not float16_refused(spec.model_type, rules.version)
    own_dtype = cli.accepts("--nnodes")
    served = served_dtype(s, spec.torch_dtype, cluster.nodes[0].gpu.computes_bf16, fp16)
    mismatch = tuple(quantization_errors(spec, s.quantization))
    b12x = s.moe_backend == B12X and spec.is_moe
    seen = {r.compute_capability}
    errors: list[str] = []
    for index in range(1, last_node(cluster, layout, r) + 1):
        node = cluster.nodes[index]
        if node.gpu.compute_capability in seen:
            continue
        seen.add(node.gpu.compute_capability)
        dtype = served_dtype(s, spec.torch_dtype, node.gpu.computes_bf16, fp16) \
            if own_dtype else served
        errors += [f"Node {index} ({node.hostname}, {node.gpu.name}): {error}"
                   for error in tuple(wheel_arch_errors(node.gpu, rules.version))
                   + _gpu_refusals(spec, s, rules, cli, node.gpu, dtype)
                   + unknown_capability_refusals(spec, s, rules, cli, node.gpu, r.scheme,
                                                 dtype, r.mixed, mismatch)
                   + backend_refusals(spec, s, rules, node.gpu, r.scheme, b12x)
                   + tuple(triton_sm75_errors(node.gpu, spec, cli, dtype))
                   if error not in r.refusals]
    return errors


def empty_stage_errors(stages: tuple[tuple[range, StageKv | None], ...], version: Version
                       ) -> list[str]:
    """vLLM's start-up failure when a pipeline stage holds no KV layer while others do (one
    error naming every such stage).

    NOTE: vLLM get_kv_cache_configs (kv_cache_utils.py, 0.11.0-0.34.0 wheels) projects the
    whole model's KV groups on each worker; on a worker without KV layers every projected
    group is empty and get_kv_cache_config_from_groups fails: get_uniform_page_size's
    `assert len(page_sizes) == 1` (0.11), `assert group_size > 0, "group_size must be greater
    than 0"` (0.12-0.28), _get_kv_cache_bytes_per_block's `assert bytes_per_block > 0` or a
    division by its 0 (0.29-0.34). Nemotron-Super-49B at PP=8: layers 60-69 have no attention.
    In 0.9.1-0.10.x each worker sizes its own: that worker gets the attention-free config of
    one block (_get_kv_cache_config_attention_free) and unify_kv_cache_configs gives every
    worker the smallest block count, 1.
    """
    empty = [(k, rng) for k, (rng, stage) in enumerate(stages) if stage is None]
    if not empty or len(empty) == len(stages):
        return []
    minor = version[1]
    failure = ('AssertionError: group_size must be greater than 0' if 12 <= minor <= 28
               else "every worker gets 1 KV block" if minor < 11
               else "an AssertionError in vLLM's KV cache sizing")
    if len(empty) == 1:
        k, rng = empty[0]
        where = f"Pipeline stage {k} ({layer_span(rng.start, rng.stop)}) holds"
    else:  # one line for them all: PP=80 has 31 such stages
        layers = [i for _, rng in empty for i in rng]
        where = (f"Pipeline stages {rank_runs([k for k, _ in empty], '')} (layers "
                 f"{rank_runs(layers, '')}) hold")
    return [f"{where} no attention layer: vLLM fails to size its KV cache at start-up "
            f"({failure}); choose another pipeline parallel size."]


def _kv_shared_layers(spec: ModelSpec) -> tuple[tuple[int, int], ...]:
    """(layer, the layer whose KV cache it reads) of each KV-shared layer, in layer order:
    kv_sharing_errors caches them per spec."""
    return tuple((layer.index, layer.kv_source) for layer in spec.layers
                 if layer.kv_source is not None)


def kv_sharing_errors(spec: ModelSpec, stages: tuple[tuple[range, StageKv | None], ...]
                      ) -> list[str]:
    """vLLM's start-up failure when pipeline parallel puts a KV-shared layer (Gemma 4
    num_kv_shared_layers, LayerSpec.kv_source) on a later stage than the layer it reads.

    NOTE: vLLM Attention.__init__ (model_executor/layers/attention/attention.py, 0.19.0, 0.33.0
    and 0.34.0 wheels) calls validate_kv_sharing_target, which raises ValueError "Specified KV
    sharing target layer for ... is not valid: target layer ... is not a valid Attention layer
    in the model" when the target is not in this rank's static_forward_context, and a rank
    registers only its own stage's layers (make_layers: PPMissingLayer elsewhere).
    google/gemma-4-E2B-it at PP=2 (layers 0-17, 18-34): layers 18-34 read layers 13 and 14.
    """
    shared = cached(spec, ("kv_shared",), _kv_shared_layers, spec)
    if not shared:  # (most models: no stage map per plan)
        return []
    stage_of = {i: k for k, (rng, _) in enumerate(stages) for i in rng}
    cut: dict[int, list[tuple[int, int]]] = {}
    for index, source in shared:
        if stage_of[source] != stage_of[index]:
            cut.setdefault(stage_of[index], []).append((index, source))
    # the shared layers are the model's last ones, so those of one stage are consecutive
    return [
        f"Pipeline stage {k} holds layers {pairs[0][0]}-{pairs[-1][0]}, which read the KV "
        f"cache of layers {', '.join(map(str, sorted({src for _, src in pairs})))} on an "
        "earlier stage (num_kv_shared_layers): vLLM refuses this at model load (ValueError: "
        "the KV sharing target is not a valid Attention layer on that rank); choose a "
        "pipeline parallel size that keeps them on the stage of the layers they read, or PP=1."
        for k, pairs in cut.items()
    ]


def align_block_error(stages: tuple[tuple[range, StageKv | None], ...], r: Resolved,
                      label: str) -> str | None:
    """vLLM's start-up assert where this layout's attention block (the state page's, so its
    TP's) is more than max_num_batched_tokens in mamba_cache_mode "align"
    (Resolved.align_block_batched; vllm_versions.align_block_refusal, in vLLM `label`'s
    words), else None."""
    block = max((stage.block_tokens for _, stage in stages if stage), default=0)
    return align_block_refusal(label, block, r.mbt) \
        if r.align_block_batched and block > r.mbt else None


def page_size_errors(stages: tuple[tuple[range, StageKv | None], ...], r: Resolved,
                     s: EngineSettings) -> list[str]:
    """vLLM's start-up failure for KV layers of different page sizes before it unified them
    (vllm_versions.PAGE_UNIFY_FROM: get_kv_cache_config raises NotImplementedError)."""
    if r.kv_grouping[1] or not any(stage and stage.mixed_pages for _, stage in stages):
        return []
    return [f"vLLM {s.vllm_version} cannot size a KV cache whose layers have different "
            "page sizes (v1/core/kv_cache_utils.py raises NotImplementedError; vLLM 0.12.0 "
            "unifies them): use vLLM 0.12 or later."]


def kv_pool_oom_errors(st: Setup, candidates: list[Binding]) -> tuple[int, list[str]]:
    """The out-of-memory failure of a --kv-cache-memory-bytes pool that, with everything vLLM
    holds beside it, is more than a GPU holds, and the bytes it is over by (0: none).

    NOTE: vLLM gpu_worker.determine_available_memory (0.11.0-0.34.0 wheels) returns
    kv_cache_memory_bytes as given ("skipped memory profiling. This does not respect the
    gpu_memory_utilization config ... If OOM'ed, ..."), after profile_run all the same:
    nothing checks it against the GPU. The pool is then allocated beside the weights and the
    non-torch memory (CUDA context, NCCL), compile_or_warm_up_model runs its warm-up forwards
    (the same activation peak), captures the CUDA graphs into their pool and warms the sampler
    with the pool held, and serving runs full batches beside all of it: every term coexists
    with the pool, so the footprint is weights + pool + activation peak + non-torch + CUDA
    graphs + the runner's buffers, the plan's own terms (overheads, counted whether or not
    vLLM subtracts them; the graphs 0 under --enforce-eager). vLLM's own advice says the same:
    without the flag it logs "--kv-cache-memory=" free memory - (weights + non-torch + peak
    activation + CUDA graph memory) - a 150 MiB margin "to fully utilize gpu memory"
    (compile_or_warm_up_model, kv_cache_memory_bytes_to_gpu_limit, 0.11.1 and 0.34.0
    wheels); the margin is not counted here. A pool over that fails with torch's CUDA out of
    memory while allocating the KV tensors, warming up or capturing."""
    kv = st.s.kv_cache_memory_bytes
    if not kv:
        return 0, []
    worst, worst_over, parts = candidates[0], None, ()
    for c in candidates:
        o = overheads(st, c.pp_stage, c.compute_capability)
        held = (c.weights, o.activation, o.non_torch, o.graphs, o.runner_buffers)
        over = kv + sum(held) - c.total
        if worst_over is None or over > worst_over:
            worst, worst_over, parts = c, over, held
    if worst_over <= 0:
        return 0, []
    weights, act, nt, graphs, buffers = parts
    held_text = " + ".join(f"{gib(n)} {name}" for name, n in (
        ("weights", weights), ("activation peak", act), ("non-torch", nt),
        ("CUDA graphs", graphs), ("runner buffers", buffers)) if n or name == "weights")
    room = worst.total - sum(parts)
    most = (f"at most {room:,} B ({gib(room)}) fits" if room > 0 else
            "no pool fits beside them")
    return worst_over, [
        f"--kv-cache-memory-bytes {kv:,} ({gib(kv)}) and what vLLM holds beside it "
        f"({held_text} per GPU) exceed the GPU's {gib(worst.total)} by "
        f"{gib(worst_over)}: vLLM skips memory profiling with this flag, allocates the "
        "pool as given and runs out of CUDA memory (allocating it, warming up or capturing "
        f"the CUDA graphs); {most}."]


def cached_layout_errors(st: Setup) -> list[str]:
    spec, cluster, layout, scheme = st.spec, st.cluster, st.layout, st.facts.r.scheme
    version = st.s.vllm_version
    redundant, tp_mode = redundant_experts(spec, st.s, layout), st.s.mm_encoder_tp_mode
    draft = st.s.speculative_draft
    return list(cached(spec, ("layout", *st.layout_key, cluster.gpu_count,
                              node_starts(cluster), scheme.memo_key, version, redundant, tp_mode,
                              draft and (draft.num_heads, draft.num_kv_heads)),
                       lambda: layout_errors(spec, cluster, layout, scheme, version,
                                              redundant, tp_mode, draft)))
