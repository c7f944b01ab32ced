"""The attention backend vLLM 0.24+ gives a Gemma 4 with heads of two sizes (gemma-4-26B-A4B,
Gemma-4-31B: 256 on the sliding layers, 512 on the global ones) on Hopper (9.0) and datacenter
Blackwell (10.x), with and without bidirectional attention over image tokens ("mm prefix"),
which FlashInfer cannot run and which from 0.30 puts the Triton composites first. Their CUDA
graph support is what a speculative draft's graph mode follows (planner.serving.spec_graph_mode).
"""

from planner.model.spec import ModelSpec
from planner.serving.startup.attention_backend import (
    gemma4_forced_triton,
    gemma4_mixed_heads,
    sm90_fa4_takes_kv,
)
from planner.serving.vllm_versions import Version

GEMMA4_ROUTED_FROM: Version = (0, 24, 0)
"""The first wheel whose Gemma4Config runs FlashAttention 4 for every layer where it can
(attention_backend.gemma4_forced_triton); before it this module gives no backend."""

GEMMA4_TEXT_ONLY_PREFIX_FROM: Version = (0, 27, 0)
"""NOTE: the first wheel whose ModelConfig turns Gemma 4's mm-prefix attention off where
multimodal inputs are configuration-disabled: config/model.py get_model_arch_config passes
_supports_multimodal_for_mm_prefix() (multimodal/registry.py supports_multimodal_inputs: False
under --language-model-only or with every supported modality's limit at 0) to
transformers_utils/model_arch_config_convertor.py Gemma4ModelArchConfigConvertor
.is_mm_prefix_lm(supports_multimodal) (0.27.0, 0.27.1, 0.28.0, 0.30.0, 0.34.0 wheels). The
0.24.0-0.26.0 wheels' is_mm_prefix_lm() takes no argument: use_bidirectional_attention
"vision" sets mm prefix whatever the limits."""

GEMMA4_COMPOSITES_FROM: Version = (0, 30, 0)
"""NOTE: the first wheel with the mm-prefix composites, which platforms/cuda.py
_get_backend_priorities puts first where use_mm_prefix is set (0.30.0-0.34.0 wheels):
TRITON_FLASH_ATTN (v1/attention/backends/triton_flash_attn.py TritonFlashAttentionBackend:
TRITON_ATTN for image-mask prefills, FlashAttention for causal ones; head sizes 256 and 512;
on 9.x only) ahead of FLASH_ATTN off 10.x, TRITON_FLASHINFER (triton_flashinfer.py
TritonFlashInferBackend: TRITON_ATTN and FLASHINFER, 64-token kernel blocks) ahead of
FLASHINFER on 10.x. Absent from the 0.29.0 wheel."""

COMPOSITE_CLASS = {"TRITON_FLASH_ATTN": "TritonFlashAttentionBackend",
                   "TRITON_FLASHINFER": "TritonFlashInferBackend"}
"""The composites' class names, which vLLM's spec-decode graph warning prints
(v1/worker/gpu_model_runner.py: min_cg_attn_backend = attn_backend.__name__, 0.30.0)."""


def gemma4_mm_prefix(spec: ModelSpec, version: Version, images_served: bool) -> bool:
    """Whether vLLM `version` sets use_mm_prefix on this model's attention layers: a gemma4
    config whose use_bidirectional_attention is "vision" (google/gemma-4-26B-A4B,
    nvidia/Gemma-4-31B-IT-NVFP4), served with a modality (`images_served`: not
    mm_modes.text_only), or whatever the limits before GEMMA4_TEXT_ONLY_PREFIX_FROM.

    NOTE: model_executor/layers/attention/attention.py Attention.__init__ `self.use_mm_prefix =
    model_config is not None and model_config.is_mm_prefix_lm` (0.24.0-0.34.0 wheels), which
    the selector passes to each backend's validate_configuration."""
    return (spec.model_type == "gemma4" and spec.use_bidirectional_attention == "vision"
            and (images_served or version < GEMMA4_TEXT_ONLY_PREFIX_FROM))


def gemma4_backend(spec: ModelSpec, version: Version, cc: int, kv: str, mm_prefix: bool,
                   given_block: int | None = None) -> str | None:
    """The backend vLLM `version` gives every attention layer of this Gemma 4 on compute
    capability `cc` (90 for 9.0) with a KV cache of `kv` (vLLM's name), use_mm_prefix
    `mm_prefix` (gemma4_mm_prefix) and `given_block` (--block-size; None where not given);
    None where Gemma4Config does not route it (one head size, before GEMMA4_ROUTED_FROM) or
    off 9.0 / 10.x / forced TRITON_ATTN's GPUs.

    NOTE (0.24.0, 0.27.0, 0.28.0, 0.30.0, 0.31.0, 0.34.0 wheels): v1/attention/backend.py
    validate_configuration refuses a backend whose supports_mm_prefix is False under mm prefix
    ("partial multimodal token full attention not supported"): FLASHINFER's is the base
    class's False, TRITON_ATTN's True, FLASH_ATTN's is_fa_version_supported(4) with
    supports_combination asking FlashAttention 4 (Gemma4Config sets it), and from 0.31 refusing
    a quantized cache on 9.0 ("SM90 FP8 KV with mm_prefix requires Triton"). A composite
    (GEMMA4_COMPOSITES_FROM) takes a layer where both halves take it, its causal half without
    mm prefix: TRITON_FLASH_ATTN's FlashAttention half lists no fp8_e5m2 and takes an fp8 /
    fp8_e4m3 cache where FlashAttention does (sm90_fa4_takes_kv: from 0.31, FA3 at 256 and FA4
    at 512, `fa_version not in (3, 4)` its check; 0.30's _FA4Backend FA4 only), so
    on 9.0: 16-bit FLASH_ATTN (0.24-0.29) / TRITON_FLASH_ATTN (0.30+); fp8 / fp8_e4m3
    TRITON_ATTN (0.24-0.30) / TRITON_FLASH_ATTN (0.31+); fp8_e5m2 TRITON_ATTN; on 10.x
    TRITON_FLASHINFER (Triton and FlashInfer list every fp8 cache) from 0.30 where
    `given_block` is None or a multiple of TRITON_FLASHINFER_BLOCK
    (takes_triton_flashinfer_block), else TRITON_ATTN (BLACKWELL_FA4_MM_PREFIX: FLASH_ATTN
    refuses mm prefix there). Text-only (no mm prefix) 9.0 runs FLASH_ATTN, or FLASHINFER
    where it refuses the cache; 10.x FLASHINFER first.
    """
    if not gemma4_mixed_heads(spec) or version < GEMMA4_ROUTED_FROM:
        return None
    if gemma4_forced_triton(spec, version[1], cc):
        return "TRITON_ATTN"
    composites = mm_prefix and version >= GEMMA4_COMPOSITES_FROM
    if cc // 10 == 10:
        if not mm_prefix:
            return "FLASHINFER"
        if composites and takes_triton_flashinfer_block(given_block):
            return "TRITON_FLASHINFER"
        return BLACKWELL_FA4_MM_PREFIX
    if cc != 90:
        return None
    if sm90_fa4_takes_kv(kv, version):
        return "TRITON_FLASH_ATTN" if composites else "FLASH_ATTN"
    return "TRITON_ATTN" if mm_prefix else "FLASHINFER"


BLACKWELL_FA4_MM_PREFIX = "TRITON_ATTN"
"""NOTE: on 10.x under mm prefix FLASH_ATTN refuses Gemma 4's layers, so TRITON_ATTN (mm prefix,
every head size from 32, every fp8 cache) serves them where the composite does not (before 0.30;
a given block TRITON_FLASHINFER refuses from 0.30). flash_attn.py supports_combination refuses
use_mm_prefix where get_flash_attn_version(head_size=...) != 4 ("mm_prefix (PrefixLM
bidirectional attention) requires FlashAttention v4, which does not resolve for this
head_size"), and fa_utils.py get_flash_attn_version drops FA4 to FA2 on major >= 10 for a head
above 128 ("FA4 on Blackwell does not support head_size=%d due to TMEM capacity limits"): the
512-wide global layers in every 0.24.0-0.34.0 wheel; the 256-wide sliding ones in 0.24.0-0.26.0
and 0.28.0 (192/128 the only exception), and from 0.29.0, where 256 is exempt, through
_fa4_hd256_fallback_reason's "mm_prefix bidirectional attention" (0.29.0, 0.30.0, 0.31.0, 0.33.0,
0.34.0 wheels). 0.27.x exempts 256 with no such fallback, so its sliding layers run FLASH_ATTN
(FA4) where it takes the cache: a mix no planned figure tells apart (both keep full graphs with
a draft, take blocks of multiples of 16 and hold no FlashInfer workspace)."""

TRITON_FLASHINFER_BLOCK = 64
"""NOTE: triton_flashinfer.py TritonFlashInferBackend kernel_block_sizes=(64,) (0.30.0-0.34.0
wheels). Its supports_block_size(16) is False (composite.py: v1/attention/backend.py
supports_block_size, 16 % 64), so get_preferred_block_size gives its smallest kernel block, 64,
where --block-size is not given (platforms/interface.py update_block_size_for_backend: the first
attention layer's backend in 0.30.0; _preferred_block_size_for_backends with one backend class
in 0.31.0-0.34.0): 0.30-0.33's default of 16 becomes 64, 0.34's default is 64 already."""


def takes_triton_flashinfer_block(given_block: int | None) -> bool:
    """Whether TRITON_FLASHINFER passes vLLM's selector with --block-size `given_block`
    (None: not given).

    NOTE: v1/attention/selector.py passes the block size to validate_configuration only where
    cache_config.user_specified_block_size (0.30.0, 0.34.0 wheels); composite.py
    supports_block_size is v1/attention/backend.py supports_block_size over its kernel blocks
    (64 alone): `block_size % 64 == 0`, else "block_size not supported" and the selector goes
    on down platforms/cuda.py _get_backend_priorities: FLASHINFER refuses mm prefix, FLASH_ATTN
    too on 10.x (BLACKWELL_FA4_MM_PREFIX), TRITON_ATTN (MultipleOf(16)) takes it, as before
    0.30 (0.30.0, 0.33.0, 0.34.0 wheels)."""
    return given_block is None or given_block % TRITON_FLASHINFER_BLOCK == 0


def gemma4_default_block(spec: ModelSpec, version: Version, cc: int, kv: str,
                         mm_prefix: bool, block_size: int) -> int:
    """The block size vLLM `version` runs this Gemma 4 with, where --block-size is not given
    and Headroom's default rule gives `block_size`: TRITON_FLASHINFER_BLOCK at least on
    TRITON_FLASHINFER (gemma4_backend), else `block_size`."""
    if gemma4_backend(spec, version, cc, kv, mm_prefix) == "TRITON_FLASHINFER":
        return max(block_size, TRITON_FLASHINFER_BLOCK)
    return block_size


def gemma4_mm_prefix_kv_errors(spec: ModelSpec, version: Version, cc: int, kv: str,
                               images_served: bool) -> list[str]:
    """Why vLLM `version` finds no attention backend for this Gemma 4 served with images
    (gemma4_mm_prefix) and an nvfp4 KV cache of `kv` (vLLM's name) on compute capability `cc`,
    from GEMMA4_ROUTED_FROM: FlashInfer alone lists nvfp4 (attention_backend._nvfp4_error) and
    takes no mm prefix; TRITON_ATTN, FLASH_ATTN, FLEX_ATTENTION and the composites, which take
    it, list no nvfp4 (supported_kv_cache_dtypes, 0.24.0-0.34.0 wheels; TURBOQUANT takes neither).
    Where Gemma4Config forces TRITON_ATTN (gemma4_forced_triton) vLLM refuses that backend
    instead, images or not (attention_backend.forced_backend_error, in kv_format_errors).

    NOTE: v1/attention/backend.py validate_configuration appends "partial multimodal token full
    attention not supported" where use_mm_prefix and not supports_mm_prefix() (FlashInfer's is
    the base class's False), "kv_cache_dtype not supported" where the dtype is not listed."""
    if not (kv.startswith("nvfp4") and version >= GEMMA4_ROUTED_FROM
            and gemma4_mm_prefix(spec, version, images_served)
            and not gemma4_forced_triton(spec, version[1], cc)):
        return []
    return [f"No valid attention backend found for cuda with kv_cache_dtype={kv} and "
            "use_mm_prefix=True: FLASHINFER, the one backend that lists it, reports 'partial "
            "multimodal token full attention not supported' (the config's "
            "use_bidirectional_attention \"vision\" turns on bidirectional attention over image "
            "tokens), and TRITON_ATTN, FLASH_ATTN and FLEX_ATTENTION report 'kv_cache_dtype not "
            f"supported' (compute capability {cc // 10}.{cc % 10}). Serve it with "
            "--language-model-only, or with --kv-cache-dtype fp8."]
