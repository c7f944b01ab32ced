"""The CUDA graph mode vLLM lowers for a speculative draft: full decode graphs with a draft
replay uniform batches of 1 + k tokens a request, which every attention backend the model runs
must support (AttentionCGSupport.UNIFORM_BATCH); where one supports single-token decode batches
only, vLLM captures piecewise graphs only (vllm_versions.SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM)."""

from planner.model.spec import AttentionMixer, MambaMixer, ModelSpec
from planner.serving.engine import is_dense_mla, is_sparse_mla
from planner.serving.engine.cuda_graphs import on_triton_mla
from planner.serving.hardware import capability_int, cc_to_int, parse_capability
from planner.serving.mla_block import mla_block_size
from planner.serving.startup.attention_backend import (
    FLASHINFER_SM75_LAST,
    dense_mla_backends,
    flashinfer_head_sizes,
    flashinfer_takes,
    gemma4_forced_triton,
)
from planner.serving.startup.gemma4_backend import COMPOSITE_CLASS, gemma4_backend, gemma4_mm_prefix
from planner.serving.vllm_versions import (
    FLASHINFER_NVFP4_SINGLE_TOKEN_SM90_FROM,
    FLASHINFER_SINGLE_TOKEN_BELOW_SM90_SPAN,
    FLASHINFER_SINGLE_TOKEN_SM10X_SPAN,
    FLASHINFER_SINGLE_TOKEN_SM12X_SPAN,
    FLASHINFER_SINGLE_TOKEN_SM90_E5M2_SPAN,
    FLASHINFER_SINGLE_TOKEN_SM100_SPAN,
    FLASHINFER_XQA_HEAD_SIZES_FROM,
    FLASHINFER_XQA_SM12X_FROM,
    FLASHINFER_XQA_SM90_FROM,
    SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM,
    SPEC_SINGLE_TOKEN_STATE_UNTIL,
    TRITON_MLA_SINGLE_TOKEN_SPAN,
    Version,
    VllmRules,
    in_span,
    version_label,
)
from planner.units import VLLM_KV_DTYPE

_BUILDER_NAMED_UNTIL = (0, 11, 1)
"""vLLM's warning names the metadata builder's class before 0.11.1, the backend's from it
(vllm_versions.SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM)."""


def spec_piecewise_backend(spec: ModelSpec, rules: VllmRules, compute_capability: str,
                           vendor: str, kv_cache_dtype: str, served: str, spec_tokens: int,
                           images_served: bool, given_block: int | None = None) -> str | None:
    """vLLM's class name of the attention backend whose CUDA graph support (UNIFORM_SINGLE_
    TOKEN_DECODE) makes vLLM `rules` capture no full decode graph for a draft of `spec_tokens`
    (None: full graphs kept, no draft, or none captured anyway): Mamba2 layers and a sparse-MLA
    model's indexer before 0.17 (vllm_versions.SPEC_SINGLE_TOKEN_STATE_UNTIL), FlashInfer's
    layers without TRT-LLM attention (_flashinfer_single_token: 10.0 in 0.11.0, 10.x but 10.0
    in 0.11.1-0.12, below compute capability 9.0 in 0.11.1-0.32, an fp8_e5m2 cache on 9.0 in
    0.22-0.29 (a Gemma 4's without mm prefix only, from 0.27, and its fp8 / fp8_e4m3 too in
    0.27-0.29), an fp8 cache on 12.x in 0.11.1-0.27, and from 0.30 on those two a layer of a
    head size XQA decode does not replay in uniform batches: 512 (Gemma 4's fp8 / fp8_e4m3 in
    0.30 alone); an nvfp4 cache on 9.0 from 0.32, on 8.x in 0.32),
    a Gemma 4 served with images from 0.30 on TRITON_FLASH_ATTN / TRITON_FLASHINFER
    (_gemma4_composite), `images_served` being not mm_modes.text_only and `given_block` the
    --block-size given (None: not given; TRITON_FLASHINFER refuses one no multiple of 64),
    dense MLA on TRITON_MLA in 0.26-0.30 (TRITON_MLA_SINGLE_TOKEN_SPAN; before 0.22 it captures
    no full graph at all: engine.triton_mla_piecewise) and on CUTLASS_MLA, datacenter
    Blackwell's MLA backend where vLLM picks it: 0.11-0.14 (0.11-0.12 on 10.0 only), 0.15-0.17
    for a qk_nope_head_dim other than 128, from 0.18 for a KV dtype or qk_nope_head_dim that
    FLASHINFER_MLA refuses (read from the block size mla_block.mla_block_size gives without
    --block-size: 128 on a 10.x GPU is CUTLASS_MLA's; a given size that moves 0.18+ off it is
    not modelled). `kv_cache_dtype` as for mla_block_size; `served` the model's dtype.

    The other backends Headroom plans keep full graphs with a draft: FLASH_ATTN (FlashAttention 3
    ALWAYS, 2 UNIFORM_BATCH), TRITON_ATTN and ROCM_ATTN (ALWAYS), FlashInfer on datacenter
    Blackwell from 0.11.1 (10.0; every 10.x from 0.13) and from 0.28 on 12.x (UNIFORM_BATCH
    where TRT-LLM attention runs),
    FLASH_ATTN_MLA, FLASHMLA, FLASHINFER_MLA, the sparse MLA backends and Gated DeltaNet
    (UNIFORM_BATCH); v1/attention/backends/*.py and mla/*.py of the 0.11.1, 0.12.0, 0.17.0,
    0.19.1, 0.25.0, 0.29.0 and 0.34.0 wheels."""
    version = rules.version
    if not spec_tokens or not rules.full_graphs:
        return None
    name = None
    if version < SPEC_SINGLE_TOKEN_STATE_UNTIL and any(
            isinstance(layer.mixer, MambaMixer) for layer in spec.layers):
        name = ("Mamba2AttentionMetadataBuilder" if version < _BUILDER_NAMED_UNTIL
                else "Mamba2AttentionBackend")
    elif version < SPEC_SINGLE_TOKEN_STATE_UNTIL and is_sparse_mla(spec):
        name = ("DeepseekV32IndexerMetadataBuilder" if version < _BUILDER_NAMED_UNTIL
                else "DeepseekV32IndexerBackend")
    elif composite := _gemma4_composite(spec, version, compute_capability, vendor,
                                        kv_cache_dtype, images_served, given_block):
        name = composite
    elif vendor == "nvidia" and _flashinfer_single_token(
            spec, version, compute_capability, kv_cache_dtype, served,
            gemma4_mm_prefix(spec, version, images_served)):
        name = ("FlashInferMetadataBuilder" if version < _BUILDER_NAMED_UNTIL
                else "FlashInferBackend")
    elif is_dense_mla(spec) and on_triton_mla(spec, version, compute_capability, vendor):
        name = "TritonMLABackend" if in_span(version, *TRITON_MLA_SINGLE_TOKEN_SPAN) else None
    elif is_dense_mla(spec) and _on_cutlass_mla(spec, version, compute_capability,
                                                kv_cache_dtype):
        name = ("CutlassMLAMetadataBuilder" if version < _BUILDER_NAMED_UNTIL
                else "CutlassMLABackend")
    return name


def spec_piecewise_note(backend: str, spec_tokens: int, rules: VllmRules) -> str:
    """The cuda_graphs term's note where spec_piecewise_backend names `backend`, with vLLM's
    warning."""
    where = ("config/compilation.py resolve_cudagraph_mode_and_sizes"
             if rules.version >= SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM
             else "v1/worker/gpu_model_runner.py _check_and_update_cudagraph_mode"
             if rules.version >= _BUILDER_NAMED_UNTIL
             else "v1/worker/gpu_model_runner.py initialize_cudagraph_capture")
    return (f"the draft's decode batches carry 1 + k = {1 + spec_tokens} tokens a request, and "
            f"vLLM {rules.label} runs {backend}, whose CUDA graphs replay one token a request "
            "only (AttentionCGSupport.UNIFORM_SINGLE_TOKEN_DECODE, below the UNIFORM_BATCH a "
            "draft needs), so vLLM turns FULL_AND_PIECEWISE into PIECEWISE: no full decode "
            "graphs (vLLM "
            f"{where} logs \"CUDAGraphMode.FULL_AND_PIECEWISE is not supported with "
            f"spec-decode for attention backend {backend} (support: "
            "AttentionCGSupport.UNIFORM_SINGLE_TOKEN_DECODE); setting cudagraph_mode=PIECEWISE\"; "
            f"vllm_versions.SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM, from "
            f"{version_label(SPEC_GRAPH_MODE_CHECK_IN_CONFIG_FROM)} in config/compilation.py)")


def _on_cutlass_mla(spec: ModelSpec, version: Version, compute_capability: str,
                    kv_cache_dtype: str) -> bool:
    """Whether vLLM `version` serves dense-MLA `spec` on CUTLASS_MLA on this GPU without
    --block-size: a 10.x GPU given CUTLASS_MLA's 128-token block (mla_block.mla_block_size) and a
    KV dtype CUTLASS_MLA lists (attention_backend.dense_mla_backends; else no backend takes it
    and the plan is refused)."""
    cc = parse_capability(compute_capability) or (0, 0)
    kv = VLLM_KV_DTYPE[kv_cache_dtype]
    return (cc[0] == 10 and kv in dense_mla_backends(version[1], cc_to_int(cc))[
        "CUTLASS_MLA"][0] and mla_block_size(spec, None, version, compute_capability,
                                             kv_cache_dtype) == 128)


def _gemma4_composite(spec: ModelSpec, version: Version, compute_capability: str, vendor: str,
                      kv_cache_dtype: str, images_served: bool, given_block: int | None
                      ) -> str | None:
    """The class name of the mm-prefix composite vLLM `version` serves this Gemma 4 on
    (startup.gemma4_backend.gemma4_backend), None where it runs none. Its CUDA graph support is
    the least of its halves' and its routing's, and v1/attention/backends/composite.py
    MMPrefixAttentionRouting.get_cudagraph_support gives UNIFORM_SINGLE_TOKEN_DECODE where every
    sliding layer clamps its image block to the window (gemma4.py Gemma4Attention passes
    mm_prefix_clamp_sliding_window=self.is_sliding; NEVER otherwise), 0.30.0-0.34.0 wheels."""
    cc = capability_int(compute_capability)
    if vendor != "nvidia" or cc is None:
        return None
    backend = gemma4_backend(spec, version, cc, VLLM_KV_DTYPE[kv_cache_dtype],
                             gemma4_mm_prefix(spec, version, images_served), given_block)
    return COMPOSITE_CLASS.get(backend or "")


def _flashinfer_single_token(spec: ModelSpec, version: Version, compute_capability: str,
                             kv_cache_dtype: str, served: str, mm_prefix: bool) -> bool:
    """Whether vLLM `version` serves an attention layer of `spec` on FlashInfer while its CUDA
    graphs replay single-token decode batches only. On 10.x FlashInfer comes first: 0.11.0
    serves 10.0 on it by default with single-token graphs whatever the layer's sinks
    (vllm_versions.FLASHINFER_SINGLE_TOKEN_SM100_SPAN), 0.11.1-0.12 run TRT-LLM attention on 10.0
    alone (FLASHINFER_SINGLE_TOKEN_SM10X_SPAN). Off 10.x platforms/cuda.py lists FLASH_ATTN,
    FLASHINFER, TRITON_ATTN, and FlashInfer gets a layer where FLASH_ATTN refuses it:
    below 9.0 (vllm_versions.FLASHINFER_SINGLE_TOKEN_BELOW_SM90_SPAN) FLASH_ATTN needs 8.0 and
    FlashAttention 2 takes no fp8 cache, and FlashInfer takes 7.5 before 0.24
    (FLASHINFER_SM75_LAST); on 9.0 FlashAttention 3 takes no fp8_e5m2 cache from 0.22
    (FLASHINFER_SINGLE_TOKEN_SM90_E5M2_SPAN), nor the FlashAttention 4 Gemma4Config runs a
    Gemma 4 on fp8 / fp8_e4m3 in 0.24-0.30, FlashInfer taking them without `mm_prefix`
    (gemma4_backend.gemma4_mm_prefix), TRITON_ATTN with it (gemma4_backend); on 12.x
    FlashAttention 2 takes no fp8 cache (FLASHINFER_SINGLE_TOKEN_SM12X_SPAN). From 0.30
    FlashInfer's XQA decode replays uniform batches on 9.0 and 12.x for the head sizes
    _xqa_head passes, so there a layer of another
    (512) alone lowers (FLASHINFER_XQA_HEAD_SIZES_FROM). From 0.32 FlashInfer alone serves an
    nvfp4 cache off 10.x (through fa2), single-token on 9.0
    (FLASHINFER_NVFP4_SINGLE_TOKEN_SM90_FROM) and below it in 0.32. FlashInfer takes 16-bit
    models and the layers of attention_backend.flashinfer_takes, unless Gemma4Config forces
    TRITON_ATTN (attention_backend._triton_fp8_below_sm89's NOTE). Layers with attention sinks
    are left to TRITON_ATTN as below 8.9 (FlashInfer's supports_sink needs TRT-LLM
    attention)."""
    cc = parse_capability(compute_capability)
    if cc is None or served == "float32":
        return False
    cc_int, minor = cc_to_int(cc), version[1]
    kv = VLLM_KV_DTYPE[kv_cache_dtype]
    fp8 = kv in ("fp8", "fp8_e4m3", "fp8_e5m2")
    fa2_nvfp4 = kv == "nvfp4"  # FlashInfer's alone, off 10.x from 0.32 (else refused)
    # 0.11.0's default on 10.0 takes sinks too
    if in_span(version, *FLASHINFER_SINGLE_TOKEN_SM100_SPAN):
        return cc_int == 100 and any(
            isinstance(layer.mixer, AttentionMixer)
            and layer.mixer.head_dim in flashinfer_head_sizes(minor) for layer in spec.layers)
    sm90_e5m2, sm12x_fp8 = _xqa_arch_flashinfer(spec, version, cc, kv, mm_prefix)
    spans = ((FLASHINFER_SINGLE_TOKEN_BELOW_SM90_SPAN,
              cc_int == 75 and minor <= FLASHINFER_SM75_LAST
              or 80 <= cc_int < 90 and (fp8 or fa2_nvfp4)),
             (FLASHINFER_SINGLE_TOKEN_SM90_E5M2_SPAN, sm90_e5m2),
             (FLASHINFER_SINGLE_TOKEN_SM10X_SPAN, cc[0] == 10 and cc_int != 100),
             (FLASHINFER_SINGLE_TOKEN_SM12X_SPAN, sm12x_fp8))
    single_token = any(in_span(version, *span) and served_there
                       for span, served_there in spans) or (
        version >= FLASHINFER_NVFP4_SINGLE_TOKEN_SM90_FROM and cc_int == 90 and fa2_nvfp4)
    xqa = version >= FLASHINFER_XQA_HEAD_SIZES_FROM and (sm90_e5m2 or sm12x_fp8)
    if not single_token and not xqa:
        return False
    return any(single_token or not _xqa_head(head)
               for head in _flashinfer_heads(spec, minor, cc_int))


def flashinfer_xqa_decode(spec: ModelSpec, version: Version, compute_capability: str, kv: str,
                          mm_prefix: bool) -> bool:
    """Whether vLLM `version` serves an attention layer of `spec` on FlashInfer on 9.0 (from
    0.25: vllm_versions.FLASHINFER_XQA_SM90_FROM) or 12.x (from 0.28: FLASHINFER_XQA_SM12X_FROM)
    and decodes it on XQA, whose kernel takes FlashInfer's TRT-LLM workspace
    (flashinfer_workspace): a KV cache of `kv` (vLLM's name) FlashAttention refuses there, as
    _flashinfer_single_token reads it (_xqa_arch_flashinfer), a layer FlashInfer takes and,
    from 0.30, of a head size XQA decodes (_xqa_head; FlashInferMetadataBuilder reverts the
    others to native decode, FLASHINFER_XQA_HEAD_SIZES_FROM). Query heads a multiple of KV
    heads (can_use_trtllm_attention) and 16-bit activations are the caller's."""
    cc = parse_capability(compute_capability)
    if cc is None:
        return False
    sm90, sm12x = _xqa_arch_flashinfer(spec, version, cc, kv, mm_prefix)
    if not (sm90 and version >= FLASHINFER_XQA_SM90_FROM
            or sm12x and version >= FLASHINFER_XQA_SM12X_FROM):
        return False
    return any(version < FLASHINFER_XQA_HEAD_SIZES_FROM or _xqa_head(head)
               for head in _flashinfer_heads(spec, version[1], cc_to_int(cc)))


def _flashinfer_heads(spec: ModelSpec, minor: int, cc: int) -> list[int]:
    """The head sizes of `spec`'s attention layers FlashInfer takes in vLLM 0.`minor`
    (attention_backend.flashinfer_takes) on compute capability `cc` (90 for 9.0), none where
    Gemma4Config forces TRITON_ATTN (gemma4_forced_triton); what _flashinfer_single_token and
    flashinfer_xqa_decode each filter by XQA's head sizes."""
    if gemma4_forced_triton(spec, minor, cc):
        return []
    return [layer.mixer.head_dim for layer in spec.layers
            if isinstance(layer.mixer, AttentionMixer) and flashinfer_takes(layer.mixer, minor)]


def _xqa_arch_flashinfer(spec: ModelSpec, version: Version, cc: tuple[int, int], kv: str,
                         mm_prefix: bool) -> tuple[bool, bool]:
    """(9.0, 12.x): whether a KV cache of `kv` (vLLM's name) sends `spec`'s attention to
    FlashInfer on compute capability `cc` there (_flashinfer_single_token's docstring): on 9.0
    an fp8 cache FLASH_ATTN refuses (fp8_e5m2; a Gemma 4's fp8 / fp8_e4m3 where Gemma4Config's
    pick, gemma4_backend, is FLASHINFER), on 12.x any fp8 cache and nvfp4."""
    cc_int = cc_to_int(cc)
    fp8 = kv in ("fp8", "fp8_e4m3", "fp8_e5m2")
    routed = gemma4_backend(spec, version, cc_int, kv, mm_prefix)  # Gemma4Config's pick
    sm90 = cc_int == 90 and fp8 and (routed == "FLASHINFER" if routed else kv == "fp8_e5m2")
    return sm90, cc[0] == 12 and (fp8 or kv == "nvfp4")


def _xqa_head(head_dim: int) -> bool:
    """FlashInfer's _is_xqa_head_dim_supported, whose head sizes XQA decode replays in
    uniform multi-token batches on 9.0 and 12.x (vllm_versions.FLASHINFER_XQA_HEAD_SIZES_FROM)."""
    return 16 <= head_dim <= 256 and head_dim % 16 == 0
