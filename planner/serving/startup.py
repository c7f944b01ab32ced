"""vLLM's own start-up refusals that decide whether a plan can run, in vLLM's words.

One function for the CLI, the app, the sweep and the report (planner.serving.plan puts its
messages in Plan.errors), so they agree on every refusal. Sources, read in the 0.33.0 and
0.34.0 wheels:
- vllm/config/scheduler.py SchedulerConfig.verify_max_model_len: batched tokens vs
  max_num_seqs, and vs max_model_len when chunked prefill is off;
- vllm/config/model.py _get_and_verify_max_len: a max_model_len above the derived one;
- vllm/config/model.py _verify_quantization: --quantization against a quantized checkpoint;
- vllm/config/vllm.py _get_quantization_config: the quantization method's minimum compute
  capability (per release from planner/serving/vllm_cli/, get_min_capability());
- platforms/cuda.py get_attn_backend_cls: no attention backend takes the --kv-cache-dtype on
  this GPU (kv_format_errors, per release), or the --block-size (block_size_errors).
"""

from typing import NamedTuple

from planner.model.attention.kvformat import KV_FORMATS
from planner.model.config.quant import (
    INC_UNKNOWN_NAMES,
    QUARK_PER_BLOCK_FROM,
    SOME_FORMATS_READ,
    TORCHAO_FP8,
    W4AFP8_GROUP,
    W4AFP8_SCHEME,
    fused_moe_of,
    inc_set,
)
from planner.model.quant import QuantScheme, checkpoint_formats, checkpoint_scheme, stored_format
from planner.model.quant import scheme as quant_scheme
from planner.model.spec import (
    AttentionMixer,
    DenseMlp,
    IncEntry,
    IncFormat,
    LinearAttentionMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
    QuantSpec,
)
from planner.serving.engine import DEFAULT_BLOCK_SIZE, EngineSettings, VllmWindow, is_sparse_mla
from planner.serving.hardware import GpuSpec, parse_capability
from planner.serving.layout import (
    MARLIN_MOE_GROUP_SIZES,
    first_moe,
    group_size,
    inc_checkpoint,
    inc_packing_off_marlin,
    int_bits,
    marlin_takes_group,
    quantized_component,
)
from planner.serving.moe_backend import trtllm_bf16_width_pad
from planner.serving.mxfp4 import mxfp4_rocm_padding
from planner.serving.tie import served_tie
from planner.serving.vllm_cli import (
    VllmCli,
    invalid_choice,
    kv_cache_dtypes,
    supported_versions,
    vllm_cli,
)
from planner.serving.vllm_versions import (
    ACT_ORDER_REFUSED_FROM,
    CT_WNA16_MOE_READ_FROM,
    ERNIE_GATE_FP32_FROM,
    GATE_FP32_OFF_SM90_SM100_FROM,
    GDN_BA_WHOLE_FROM,
    GPTQ_UNUSED_ZEROS_KEPT_FROM,
    HUMMING_FIRST_ON_HOPPER_FROM,
    INDEXER_WK_UNQUANTIZED_FROM,
    LATENT_FC1_WHOLE_FROM,
    LATENT_MOE_FROM,
    MODELOPT_PREFIX_FROM,
    NEMOTRON_H_MOE_FROM,
    NVFP4_ROCM_EMULATION_FROM,
    OLMO3_MODEL_FROM,
    ROCM_BNB_FROM,
    ROCM_BNB_GFX9_FROM,
    ROCM_CONCH_G_IDX_FROM,
    ROCM_GFX9_ARCHS,
    ROCM_QUANTIZATION_LISTED,
    ROCM_QUANTIZATION_READ_FROM,
    ROCM_QUANTIZATION_UNLISTED,
    TRANSFORMERS_5_ALLOWED_FROM,
    TRANSFORMERS_5_ONLY_FROM,
    UNKNOWN_QUANT_READ_FROM,
    UNKNOWN_QUANT_ROCM_FROM,
    W4AFP8_FROM,
    Version,
    VllmRules,
    flashinfer_hd256_bug,
    parse_version,
    version_label,
)
from planner.serving.weights import WeightLoadRules
from planner.units import VLLM_KV_DTYPE

QUANT_METHOD: dict[str, str] = {
    "fp8": "fp8", "gptq": "gptq", "awq": "awq", "int8": "compressed-tensors",
    "nvfp4": "modelopt_fp4", "mxfp4": "mxfp4", "bnb": "bitsandbytes", "gguf": "gguf",
}
"""The vLLM quantization method that loads each weight-format family (its config's
quant_method, or the runtime --quantization value); its get_min_capability() applies."""


def _capability(gpu: GpuSpec) -> int | None:
    """vLLM's DeviceCapability.to_int(): major x 10 + minor (None off NVIDIA or unknown)."""
    cc = parse_capability(gpu.compute_capability)
    return cc[0] * 10 + cc[1] if cc else None


def _flashinfer_head_sizes(minor: int) -> set[int]:
    """FlashInferBackend.get_supported_head_sizes(): 64/128/256 in the 0.21.0 wheel, 512 from
    the 0.22.0 wheel on."""
    return {64, 128, 256} if minor < 22 else {64, 128, 256, 512}


def _no_backend(kv: str, why: str | dict[str, list[str]], cc: int) -> str:
    """vLLM's selector refusal (platforms/cuda.py get_attn_backend_cls), with each backend's
    reasons (`why` alone: FlashInfer's, the one backend that takes nvfp4)."""
    reasons = {"FLASHINFER": [why]} if isinstance(why, str) else why
    listed = ", ".join(f"{name}: [{', '.join(r)}]" for name, r in reasons.items())
    return (f"No valid attention backend found for cuda with kv_cache_dtype={kv}. Reasons: "
            f"{{{listed}}} (compute capability {cc // 10}.{cc % 10}).")


def _mla_backend_error(kv: str, minor: int, cc: int, sparse: bool = False) -> str | None:
    """No MLA attention backend of vLLM 0.`minor` (>= 0.15; sparse: >= 0.18) takes `kv` on
    this GPU. A sparse-MLA model (an indexer) is refused by every dense backend ("sparse not
    supported") and needs a sparse one (_SPARSE_MLA_BACKENDS) listing `kv`.

    NOTE: supported_kv_cache_dtypes and supports_compute_capability of
    v1/attention/backends/mla/*.py, the same in the 0.15.0-0.34.0 wheels except where noted:
    FLASH_ATTN_MLA auto/bfloat16, major 9; FLASHMLA auto/bfloat16/fp8/fp8_e4m3, major 9 or 10;
    FLASHINFER_MLA and CUTLASS_MLA as FLASHMLA, major 10; TRITON_MLA auto/bfloat16 (fp8 and
    fp8_e4m3 from 0.18.0), any capability; float16 in every list from 0.18.0 (absent from the
    0.17.0 wheel's lists, present in 0.18.0's and 0.19.0's). No list has fp8_e5m2 or a packed
    format (0.11-0.14 not read).
    """
    backends = dense_mla_backends(minor, cc)
    if sparse:
        backends |= _sparse_mla_backends(minor, cc)
    reasons = {name: [why for why, bad in (
        ("kv_cache_dtype not supported", kv not in kvs),
        ("sparse not supported", sparse and name not in _SPARSE_NAMES),
        ("compute capability not supported", not ok)) if bad]
        for name, (kvs, ok) in backends.items()}
    return None if not all(reasons.values()) else _no_backend(kv, reasons, cc)


def dense_mla_backends(minor: int, cc: int) -> dict[str, tuple[tuple[str, ...], bool]]:
    """The dense-MLA backends of vLLM 0.`minor` (>= 0.15): {name: (the KV dtypes it lists,
    vLLM's names; whether it supports compute capability `cc`, 90 for 9.0)}, as read in
    _mla_backend_error's NOTE; planner.serving.mla_block picks among them for the block size."""
    half = ("auto", "bfloat16") + (("float16",) if minor >= 18 else ())
    fp8 = ("fp8", "fp8_e4m3")
    return {
        "FLASH_ATTN_MLA": (half, cc // 10 == 9),
        "FLASHMLA": (half + fp8, cc // 10 in (9, 10)),
        "FLASHINFER_MLA": (half + fp8, cc // 10 == 10),
        "CUTLASS_MLA": (half + fp8, cc // 10 == 10),
        "TRITON_MLA": (half + (fp8 if minor >= 18 else ()), True),
    }


_SPARSE_MLA_BACKENDS: tuple[tuple[str, tuple[int, ...], int, tuple[str, ...]], ...] = (
    ("FLASH_ATTN_MLA_SPARSE", (9,), 25, ("auto", "float16", "bfloat16")),
    ("FLASHMLA_SPARSE", (9, 10), 12, ("auto", "bfloat16", "fp8")),
    ("FLASHINFER_MLA_SPARSE_SM90", (9,), 30, ("auto", "bfloat16", "fp8", "fp8_e4m3")),
    ("FLASHINFER_MLA_SPARSE", (10,), 18, ("auto", "float16", "bfloat16", "fp8", "fp8_e4m3")),
    ("FLASHINFER_MLA_SPARSE_SM120", (12,), 24, ("auto", "fp8", "fp8_e4m3")),
)
"""(backend, compute capability majors it supports, first 0.minor, plain KV dtypes) of vLLM's
sparse-MLA backends (platforms/cuda.py _get_backend_priorities, MLA with use_sparse), as listed
in each one's supported_kv_cache_dtypes and supports_compute_capability.

NOTE: v1/attention/backends/mla/flashmla_sparse.py FlashMLASparseBackend lists auto,
bfloat16, fp8_ds_mla and fp8 ("alias for fp8_ds_mla"; nvfp4_ds_mla from 0.30), never
fp8_e4m3, float16 or fp8_e5m2 (0.18.0, 0.19.0, 0.20.0, 0.23.0, 0.25.0, 0.29.0-0.34.0 wheels),
on major 9 and 10; mla_attention.py turns the dtype into fp8_ds_mla only after the selector
(get_attn_backend) took the backend, so an fp8_e4m3 cache must be listed as such. Hopper's
other sparse backends: flashattn_mla_sparse.py FLASH_ATTN_MLA_SPARSE (major 9, from the
0.25.0 wheel; absent from 0.23.0) auto/float16/bfloat16; flashinfer_mla_sparse_sm90.py
FLASHINFER_MLA_SPARSE_SM90 (major 9, from the 0.30.0 wheel; absent from 0.29.0) auto/bfloat16/
fp8/fp8_e4m3, for kv_lora_rank 512 and qk_rope_head_dim 0 or 64 (DeepSeek-V3.2, GLM-5), given
FlashInfer >= 0.6.18, which the 0.30.0 (0.6.18.post1), 0.31.0-0.32.0 (0.7.0.post1), 0.33.0
(0.7.2.post1) and 0.34.0 (0.7.3) wheels pin. Blackwell's: flashinfer_mla_sparse.py
FLASHINFER_MLA_SPARSE (major 10) auto/float16/bfloat16/fp8/fp8_e4m3 (0.18.0-0.34.0). 0.33.0's
FLASH_ATTN_MLA_SPARSE_FA4 (10.x, auto/bfloat16) adds no dtype. SM120: FLASHINFER_MLA_SPARSE_SM120
(flashinfer_mla_sparse.py, major 12, from the 0.24.0 wheel; absent from 0.23.0) auto/fp8/fp8_e4m3
(and fp8_ds_mla). Which are listed: 10.x FLASHINFER_MLA_SPARSE and FLASHMLA_SPARSE; 12.x from 0.24
FLASHINFER_MLA_SPARSE_SM120; every other GPU (8.x, 12.x before 0.24) the Hopper list, whose
backends support 9.x only (or 9.x and 10.x): no sparse backend runs there. The validated
selector is the 0.12.0 wheel's on (0.11.0 returns FlashMLASparseBackend unchecked); before
0.18 model_executor/models/config.py turns any fp8* cache of DeepseekV32ForCausalLM into
fp8_ds_mla before selection, so only the capability is checked there."""

_SPARSE_NAMES = frozenset(name for name, *_ in _SPARSE_MLA_BACKENDS)


def _sparse_mla_backends(minor: int, cc: int) -> dict[str, tuple[tuple[str, ...], bool]]:
    """The sparse-MLA backends of this GPU's priority list in vLLM 0.`minor` (>= 0.12):
    {name: (the KV dtypes it lists, whether it supports the capability)}; before 0.18 every
    dtype passes (the config picked fp8_ds_mla already)."""
    major = cc // 10
    listed = (("FLASHINFER_MLA_SPARSE", "FLASHMLA_SPARSE") if major == 10 else
              ("FLASHINFER_MLA_SPARSE_SM120",) if major == 12 and minor >= 24 else
              ("FLASH_ATTN_MLA_SPARSE", "FLASHMLA_SPARSE", "FLASHINFER_MLA_SPARSE_SM90"))
    every = tuple(VLLM_KV_DTYPE.values())
    return {name: (kvs if minor >= 18 else every, major in majors)
            for name, majors, first, kvs in _SPARSE_MLA_BACKENDS
            if name in listed and minor >= first}


def _nvfp4_error(kv: str, minor: int, cc: int, head_sizes: set[int], sinks: bool) -> str | None:
    """Why vLLM 0.`minor` cannot run an nvfp4 KV cache here (None when it can).

    NOTE: only FlashInfer takes nvfp4 KV (v1/attention/backends/flashinfer.py), per wheel:
    0.20.0: no backend lists it (supported_kv_cache_dtypes) and FlashInferMetadataBuilder
    raises "nvfp4 KV cache is not yet supported"; 0.21.0-0.22.0: listed, trtllm-gen FP4
    kernels only, which exist for the SM100 family, unchecked (it fails in the kernel);
    0.23.0-0.24.0: the builder raises "--kv-cache-dtype nvfp4 requires sm100f, ..." off
    is_device_capability_family(100); 0.25.0-0.31.0: supports_kv_cache_dtype is False off the
    SM100 family, so the selector finds no backend; 0.32.0-0.34.0: _nvfp4_kv_on_fa2() also
    runs plain nvfp4 (not nvfp4_4over6: "the slot-mapping writer has no scale search") on the
    8.x, 9.x and 12.x families through fa2, where supports_combination refuses head size 64
    and attention sinks. FlashInfer itself needs head sizes 64/128/256/512 and capability
    8.0-12.1 (7.5-12.1 before 0.24.0), head sizes in _flashinfer_head_sizes. Not modelled:
    the trtllm-gen path also needs its cubins downloadable at start-up
    (utils/flashinfer.py supports_trtllm_attention: has_nvidia_artifactory()).
    """
    family = cc // 10
    if minor < 21:
        return _no_backend(kv, "kv_cache_dtype not supported", cc)
    if cc > 121 or cc < (80 if minor >= 24 else 75):
        return _no_backend(kv, "compute capability not supported", cc)
    if not head_sizes <= _flashinfer_head_sizes(minor):
        return _no_backend(kv, "head_size not supported", cc)
    fa2 = minor >= 32 and family in (8, 9, 12)
    if family == 10:
        return None
    if fa2 and kv != "nvfp4":
        return _no_backend(kv, "kv_cache_dtype not supported", cc)
    if fa2 and 64 in head_sizes:
        return _no_backend(kv, "fa2 prefill misreads an NVFP4 KV cache at head_size 64", cc)
    if fa2 and sinks:
        return _no_backend(kv, "the sink prefill wrapper cannot read an NVFP4 KV cache", cc)
    if fa2:
        return None
    if minor < 23:
        return (f"vLLM 0.{minor} runs an nvfp4 KV cache only on FlashInfer's trtllm-gen "
                "kernels, built for the SM100 family (compute capability 10.x), not "
                f"{cc // 10}.{cc % 10}; it does not check this before 0.23 and fails in the "
                "kernel.")
    if minor < 25:
        return "--kv-cache-dtype nvfp4 requires sm100f, please try a different dtype or remove"
    return _no_backend(kv, "kv_cache_dtype not supported", cc)


def _flash_attn_fp8_only(kv: str, minor: int, cc: int, patch: int = 0) -> str | None:
    """vLLM 0.10.1-0.10.2 and 0.15-0.22 on Hopper: FLASH_ATTN (FA3, first in the 9.x priority
    list) accepts a KV dtype it cannot read.

    NOTE: v1/attention/backends/flash_attn.py FlashAttentionBackend.supports_kv_cache_dtype
    returns flash_attn_supports_fp8() (FA3 on the 9.x family) for any kv.startswith("fp8")
    (0.15.0-0.19.0 wheels) or any is_quantized_kv_cache(kv) (0.20.0-0.22.0), but its forward
    views the cache through get_fp8_dtype_for_flashattn, which takes fp8 / fp8_e4m3 only and
    raises "Unrecognized FP8 dtype: ..." at the first attention step. From 0.23.0 it claims
    fp8 / fp8_e4m3 only and TRITON_ATTN or FlashInfer take the others. 0.11-0.14 not read.
    A turboquant_* run is not claimed: engine/arg_utils.py (0.20.0 on) sets flash_attn_version
    2 for it, and flash_attn_supports_fp8() is FA3 only. 0.10.1-0.10.2 (platforms/cuda.py
    get_attn_backend_cls: FLASH_ATTN_V1 by default on 8.0+ but 10.0) have the same
    get_fp8_dtype_for_flashattn; the 0.9.x and 0.10.0 wheels do not (their FA3 path views any
    fp8 cache as e4m3: it starts).
    """
    name = VLLM_KV_DTYPE[kv]
    claimed = (name.startswith("fp8") if minor < 20
               else name not in ("auto", "bfloat16", "float16", "float32")
               and not name.startswith("turboquant_"))
    read = 15 <= minor <= 22 or (minor == 10 and patch >= 1)
    if read and cc // 10 == 9 and claimed and name not in ("fp8", "fp8_e4m3"):
        return (f"Unrecognized FP8 dtype: {name} (vLLM 0.{minor} selects FLASH_ATTN for it on "
                f"compute capability {cc // 10}.{cc % 10}, which reads fp8_e4m3 only; it fails "
                "at the first attention step).")
    return None


def _triton_below_sm80(kv: str, minor: int, cc: int, device: str) -> str | None:
    """vLLM 0.24-0.34 below compute capability 8.0 (V100): TritonAttentionImpl's refusal.

    NOTE: FLASH_ATTN and FLASHINFER need capability 8.0 (supports_compute_capability,
    0.24.0-0.34.0 wheels), so TRITON_ATTN, which lists fp8 and bfloat16, is selected, and its
    __init__ (v1/attention/backends/triton_attn.py, from 0.24.0; absent in 0.11.0-0.23.0)
    raises for an fp8* KV cache below SM89 and a bfloat16 one below SM80, in these words.
    """
    if minor < 24 or cc >= 80:
        return None
    name, cap = VLLM_KV_DTYPE[kv], f"{cc // 10}.{cc % 10}"
    if name.startswith("fp8"):
        return (f"FP8 KV cache is not supported by the Triton attention backend on {device} "
                f"(compute capability {cap}); native FP8 (fp8e4nv) requires SM89+. Re-run "
                "with --kv-cache-dtype float16.")
    if name == "bfloat16":
        return (f"bfloat16 KV cache is not supported on {device} (compute capability {cap}); "
                "bfloat16 requires SM80+. Re-run with --kv-cache-dtype float16.")
    return None


def kv_format_errors(gpu: GpuSpec, spec: ModelSpec, kv_cache_dtype: str, cli: VllmCli
                     ) -> list[str]:
    """Why vLLM `cli.vllm_version` cannot run this --kv-cache-dtype on `gpu` for `spec`.

    Plain dtypes (auto, bf16/fp16, the fp8 variants) have a backend on every NVIDIA GPU vLLM
    runs (TRITON_ATTN lists them and supports_compute_capability is True in every wheel),
    except fp8_e5m2 on Hopper in 0.15-0.22 (_flash_attn_fp8_only). The per-token-head formats
    run on TRITON_ATTN, any capability, head size >= 32 (0.20.0-0.34.0 triton_attn.py; on
    Hopper from 0.23). Dense MLA models pick among the MLA backends (_mla_backend_error, from
    0.15); packed formats on other MLA layers (sparse, older releases) are refused in
    Headroom's words (not sized); DeepSeek-V4's fp8_ds_mla cache takes fp8 only (vLLM's).
    """
    cc = _capability(gpu)
    mixers = [layer.mixer for layer in spec.layers]
    mla = any(isinstance(m, MlaMixer) for m in mixers) or spec.compressed_attention is not None
    _, minor, patch = (int(part) for part in cli.vllm_version.split("."))
    flash_attn = None if mla or cc is None else _flash_attn_fp8_only(kv_cache_dtype, minor, cc,
                                                                      patch)
    if flash_attn:
        return [flash_attn]
    triton = None if mla or cc is None else _triton_below_sm80(kv_cache_dtype, minor, cc,
                                                                gpu.name)
    if triton:
        return [triton]
    dense_mla = (spec.compressed_attention is None and cc is not None and minor >= 15
                 and any(isinstance(m, MlaMixer) for m in mixers)
                 and not any(isinstance(m, MlaMixer) and m.index_n_heads for m in mixers))
    sparse_mla = (spec.compressed_attention is None and cc is not None and minor >= 12
                  and kv_cache_dtype not in KV_FORMATS and is_sparse_mla(spec))
    mla_error = _mla_backend_error(VLLM_KV_DTYPE[kv_cache_dtype], minor, cc, sparse_mla) \
        if dense_mla or sparse_mla else None
    if mla_error:
        return [mla_error]
    if kv_cache_dtype not in KV_FORMATS:
        return []
    if spec.compressed_attention is not None:  # 0.33.0-0.34.0 models/deepseek_v4/attention.py
        return [f"DeepseekV4 fp8_ds_mla layout only supports fp8 kv-cache, got "
                f"{kv_cache_dtype}. Please set `--kv-cache-dtype fp8` or select a backend "
                "that supports bfloat16 KV cache."]
    if kv_cache_dtype == "nvfp4_ds_mla":
        return _nvfp4_ds_mla_errors(spec, cc)
    if mla:
        return [f"Headroom does not size --kv-cache-dtype {kv_cache_dtype} for MLA layers "
                f"(vLLM packs the latent differently); use auto or fp8 for {spec.name}."]
    attention = [m for m in mixers if isinstance(m, AttentionMixer)]
    if kv_cache_dtype.startswith("turboquant_"):
        return _turboquant_errors(kv_cache_dtype, spec, mixers, attention)
    if cc is None or not kv_cache_dtype.startswith("nvfp4"):
        return []
    heads = {m.head_dim for m in attention} | {m.v_head_dim for m in attention}
    error = _nvfp4_error(kv_cache_dtype, minor, cc, heads, any(m.sinks for m in attention))
    return [error] if error else []


def _nvfp4_ds_mla_errors(spec: ModelSpec, cc: int | None) -> list[str]:
    """Where vLLM cannot store the nvfp4_ds_mla layout (kvformat.NVFP4_DS_MLA_NOTE).

    NOTE: 0.30.0-0.34.0 v1/attention/backends/mla/flashmla_sparse.py: FLASHMLA_SPARSE, the one
    backend listing nvfp4_ds_mla (FLASHINFER_MLA_SPARSE takes auto/float16/bfloat16/fp8/
    fp8_e4m3 only), refuses it off SM100 in the words below; the layout is the DeepSeek
    sparse-MLA latent, so a model without sparse-MLA layers has no backend for it at all.
    """
    if not is_sparse_mla(spec):
        return [f"--kv-cache-dtype nvfp4_ds_mla is vLLM's DeepSeek sparse-MLA cache layout "
                f"(FLASHMLA_SPARSE only); {spec.name} has no sparse-MLA layers."]
    if cc is not None and cc // 10 != 10:
        return ["FLASHMLA_SPARSE only supports the nvfp4_ds_mla kv-cache dtype on SM100 "
                "(Blackwell)"]
    return []


def _turboquant_errors(kv: str, spec: ModelSpec, mixers: list, attention: list[AttentionMixer]
                       ) -> list[str]:
    """Where Headroom does not run a turboquant_* preset (kvformat.TURBOQUANT_NOTE).

    NOTE: vLLM 0.20.0-0.34.0 platforms/cuda.py ends every dense priority list with TURBOQUANT,
    the one backend whose supports_kv_cache_dtype takes turboquant_*; it keeps the base
    supports_compute_capability (True: any NVIDIA GPU) and supports_sink (False: "attention
    sinks not supported"). Its slot is sized from one head_size (K and V alike). Headroom sizes
    it where every layer is full attention: hybrid and sliding-window models page otherwise.
    """
    if len(attention) != len(mixers) or any(m.kind == "sliding" and m.sliding_window
                                            for m in attention):
        return [f"Headroom sizes --kv-cache-dtype {kv} only for models whose every layer is "
                f"full attention; {spec.name} has other layers."]
    if any(m.sinks for m in attention):
        return [f"No valid attention backend found for cuda with kv_cache_dtype={kv}. "
                "Reasons: {TURBOQUANT: [attention sinks not supported]}."]
    if any(m.head_dim != m.v_head_dim for m in attention):
        return [f"Headroom sizes --kv-cache-dtype {kv} only where K and V heads have one size "
                f"(vLLM's TurboQuantConfig takes one head_dim); {spec.name} has two."]
    return []


def runnable_kv_cache_dtypes(gpu: GpuSpec, spec: ModelSpec, cli: VllmCli) -> tuple[str, ...]:
    """The KV dtypes of this release (vllm_cli.kv_cache_dtypes) vLLM can run here for `spec`:
    what the app offers; the CLI refuses the others with kv_format_errors' words. Where none
    runs (a sparse-MLA model on a GPU no sparse backend supports), all of them: each plan
    then carries the refusal."""
    offered = kv_cache_dtypes(cli.vllm_version)
    return tuple(kv for kv in offered if not kv_format_errors(gpu, spec, kv, cli)) or offered


def fp4_weight_notes(gpu: GpuSpec, scheme: QuantScheme, cli: VllmCli | None = None
                     ) -> list[str]:
    """What vLLM runs FP4 weights with on a GPU without FP4 tensor cores (it loads them): none
    where `cli`'s release refuses the method on this GPU (its get_min_capability(), as
    startup_errors says; MXFP4's is 80 in every covered release, so a T4 gets no note).

    NOTE: NVFP4: ModelOpt's get_min_capability() is 80 (0.11.0-0.13.0 wheels), then 75, so no
    covered release refuses an 8.x or 9.x GPU (vllm_cli fixtures). The W4A4 kernels need FP4
    tensor cores (FlashInfer CuTe-DSL "requires sm_10x", cutlass_fp4_supported()); the next in
    0.33.0 and 0.34.0 model_executor/kernels/linear/__init__.py _POSSIBLE_NVFP4_KERNELS is
    MarlinNvFp4LinearKernel, "NVFP4 weight-only GEMM via Marlin (W4A16)", whose
    is_fp4_marlin_supported() is capability >= 7.5 (>= 8.0 in 0.11.0: modelopt.py
    ModelOptNvFp4LinearMethod backend "marlin"). MXFP4 (gpt-oss): 0.33.0 and 0.34.0
    fused_moe/oracle/mxfp4.py _get_priority_backends_for_gpt_oss takes the OAI Triton MoE
    kernels on 9.0-12.x (_triton_kernel_moe_supports_current_device, 16-bit activations,
    when triton_kernels is installed) and Marlin MXFP4 (capability >= 7.5) otherwise; for the
    GPUs this note is for (no native FP4: below 10.0) the 0.11.0-0.18.0 wheels choose the same
    in quantization/mxfp4.py get_mxfp4_backend (0.18.0: FlashInfer on 10.x, triton_kernels on
    9.0 <= capability < 11.0, else Marlin).
    """
    fmt = scheme.family
    if fmt not in ("nvfp4", "mxfp4") or gpu.vendor != "nvidia" or _capability(gpu) is None:
        return []
    minimum = cli.quantization_min_capability.get(QUANT_METHOD[fmt], 0) if cli else 0
    if gpu.weight_format_support(fmt) == "native" or _capability(gpu) < max(75, minimum):
        return []  # the quantization method's minimum capability refuses it (below 7.5 always)
    cc = gpu.compute_capability
    if fmt == "nvfp4":
        return [f"NVFP4 on {gpu.name} (compute capability {cc}) runs through vLLM's Marlin FP4 "
                "fallback: weights stay 4-bit, compute is 16-bit (MarlinNvFp4LinearKernel, "
                "W4A16; FP4 tensor cores need Blackwell). Source: vLLM "
                "model_executor/kernels/linear/nvfp4/marlin.py."]
    kernel = ("the OAI Triton MoE kernels (Marlin MXFP4 without triton_kernels)"
              if _capability(gpu) >= 90 else "the Marlin MXFP4 kernel")
    return [f"MXFP4 on {gpu.name} (compute capability {cc}) runs on {kernel}: weights stay "
            "4-bit, compute is 16-bit (FP4 tensor cores need Blackwell). Source: vLLM "
            "model_executor/layers/quantization/mxfp4.py get_mxfp4_backend (0.11-0.18), "
            "fused_moe/oracle/mxfp4.py (0.19 on)."]


MXFP4_MARLIN_ENV: tuple[Version, Version] = ((0, 19, 0), (0, 24, 0))
"""The releases (first up to, not including, second) whose MXFP4 MoE oracle on ROCm honours
VLLM_MXFP4_USE_MARLIN (EngineSettings.mxfp4_marlin) by raising.

NOTE: fused_moe/oracle/mxfp4.py select_mxfp4_moe_backend, 0.19.0-0.23.0 wheels: `if
envs.is_set("VLLM_MXFP4_USE_MARLIN") and envs.VLLM_MXFP4_USE_MARLIN: return
_return_or_raise(Mxfp4MoeBackend.MARLIN, ...)`, and MarlinExperts._supports_current_device is
`p.is_cuda() and p.has_device_capability((7, 5))`, so on ROCm it raises ValueError(f"Mxfp4 MoE
backend 'MARLIN' does not support the deployment configuration since kernel does not support
current device {current_platform.device_name}."), device_name "rocm". The 0.24.0 wheel's envs.py
has no such variable (deprecated from 0.23: "Use --moe-backend marlin"); the 0.10.2-0.18.0
wheels read it only in get_mxfp4_backend's CUDA branch, so on ROCm it changes nothing there;
the 0.10.1 wheel's _should_use_marlin returns it on any platform (what Marlin then does on
ROCm not read: planned as on NVIDIA)."""


MXFP4_RDNA_REFUSED: tuple[tuple[Version, Version, tuple[str, ...], str, str], ...] = (
    ((0, 19, 0), (0, 20, 0), ("gfx11", "gfx12"),
     "No MXFP4 MoE backend supports the deployment configuration.",
     "OpenAI's Triton MoE takes ROCm capability 9.0 up to 11.0 only (gfx9, gfx10)"),
    ((0, 22, 0), (0, 24, 0), ("gfx10",),
     "No MXFP4 MoE backend supports the deployment configuration.",
     "OpenAI's Triton MoE takes gfx9 (gfx90a, gfx942, gfx950) and gfx11/gfx12 only"),
    ((0, 24, 0), (0, 25, 0), ("gfx10",),
     "Mxfp4 MoE backend 'TRITON_UNFUSED' does not support the deployment configuration since "
     "kernel does not support current device rocm.",
     "OpenAI's Triton MoE, and the unfused one vLLM falls back to on ROCm, take gfx9 (gfx90a, "
     "gfx942, gfx950) and gfx11/gfx12 only"))
"""(first release, first release without it, gfx target prefixes, vLLM's words, why) where no
MXFP4 MoE backend takes gpt-oss's experts (quantization method mxfp4) on an RDNA GPU with
--moe-backend auto and no environment variable set.

NOTE: fused_moe/oracle/mxfp4.py select_mxfp4_moe_backend walks the priority list
(_get_priority_backends in 0.19.0, _get_priority_backends_for_gpt_oss from 0.20.0) and takes
the first kernel whose is_supported_config passes; on ROCm only TRITON (and 0.19.0's
TRITON_UNFUSED) can: the AITER backends need rocm_aiter_ops.is_enabled() (VLLM_ROCM_USE_AITER,
default "False"), FlashInfer and Marlin is_cuda(), XPU is_xpu() (MXFP4_ROCM_KERNEL's NOTE).
The OAI Triton classes' _supports_current_device (fused_moe/ and, from 0.20.0, fused_moe/experts/
gpt_oss_triton_kernels_moe.py; 0.19.1 the same as 0.19.0) is
`(9, 0) <= capability < (11, 0)` in the 0.19.0-0.21.0 wheels (a gfx11xx reads 11.x, gfx12xx
12.x; gfx10xx 10.x passes), `on_gfx9() or on_gfx1x()` from 0.22.0 (platforms/rocm.py: gfx1x is
"gfx11"/"gfx12", gfx9 gfx90a/gfx942/gfx950; gfx10xx fails). After the list: 0.19.0 and
0.22.0-0.23.0 raise NotImplementedError("No MXFP4 MoE backend supports the deployment
configuration." ...) on CUDA and ROCm; 0.24.0 returns _return_or_raise(TRITON_UNFUSED) on ROCm,
whose kernel check raises ValueError(_make_log_unsupported) with reason "kernel does not support
current device rocm" (modular_kernel.py is_supported_config). 0.20.0-0.21.0 and 0.25.0-0.34.0
list EMULATION (OCP_MXQuantizationEmulationTritonExperts, a TritonExperts: is_cuda_alike();
from 0.28.0 is_supported_config also needs the amd-quark package, assumed installed),
which takes RDNA GPUs the Triton MoE does not: no refusal there (the emulation's memory is not
modelled)."""


CT_NVFP4A16_MOE_FROM: Version = (0, 17, 0)
"""NOTE: compressed_tensors_moe.py CompressedTensorsMoEMethod.get_moe_method (0.17.0-0.34.0
wheels; 0.17.0, 0.20.0, 0.22.0, 0.23.0, 0.25.0, 0.33.0, 0.34.0 read): NVFP4 weights with no
input_activations (NVFP4A16) build CompressedTensorsW4A4Nvfp4MoEMethod(use_a16=True), which
asks select_nvfp4_moe_backend with activation_key None, as ModelOpt's W4A16_NVFP4 experts do
from MIXED_W4A16_NVFP4_FROM (rocm_fp4_moe_errors' NOTE). Earlier releases not read here."""


def nvfp4_a16_experts(spec: ModelSpec, scheme: QuantScheme, version: Version) -> bool:
    """Whether vLLM `version` runs this checkpoint's NVFP4 experts with 16-bit activations
    (QuantSpec.weight_only: ModelOpt W4A16_NVFP4 from MIXED_W4A16_NVFP4_FROM, compressed-tensors
    NVFP4A16 from CT_NVFP4A16_MOE_FROM)."""
    quant = spec.quant
    if scheme.family != "nvfp4" or quant is None or scheme.what_if or not quant.weight_only:
        return False
    return version >= (CT_NVFP4A16_MOE_FROM if quant.method == "compressed-tensors"
                       else MIXED_W4A16_NVFP4_FROM)


def rocm_fp4_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version, gpu: GpuSpec,
                        mxfp4_marlin: bool = False, moe_backend: str | None = None
                        ) -> list[str]:
    """vLLM's refusal of FP4 experts on AMD GPUs, where no MoE backend of the release takes
    them: NVFP4 W4A16 experts (a ModelOpt W4A16_NVFP4 or compressed-tensors NVFP4A16
    checkpoint's: nvfp4_a16_experts) in every release, compressed-tensors NVFP4 experts before
    NVFP4_ROCM_EMULATION_FROM (ModelOpt ones there meet rocm_quantization_errors), and MXFP4
    experts with mxfp4_marlin (VLLM_MXFP4_USE_MARLIN=1) in MXFP4_MARLIN_ENV, and gpt-oss's
    MXFP4 experts on RDNA GPUs where vLLM's auto choice finds no backend (MXFP4_RDNA_REFUSED).

    NOTE: the W4A16 case: quantization/modelopt.py ModelOptNvFp4FusedMoE.__init__ (0.22.0-0.34.0
    wheels) asks select_nvfp4_moe_backend with activation_key None for quant_method
    "W4A16_NVFP4" (use_a16); EMULATION takes (kNvfp4Static, kNvfp4Dynamic) only
    (nvfp4_emulation_moe.py _supports_quant_scheme, 0.20.0-0.34.0) and Marlin / Humming, the
    backends that take None, run on CUDA only, so the oracle raises NotImplementedError("No
    NvFp4 MoE backend supports the deployment configuration.")."""
    if gpu.vendor == "nvidia" or first_moe(spec) is None \
            or not quantized_component(spec, scheme, "experts"):
        return []
    label, quant = version_label(version), spec.quant
    stored = quant is not None and not scheme.what_if
    nvfp4_refusal = "No NvFp4 MoE backend supports the deployment configuration. (vLLM " + label
    if scheme.family == "nvfp4" and stored and quant.method == "compressed-tensors" \
            and version < NVFP4_ROCM_EMULATION_FROM:
        return [f"{nvfp4_refusal} fused_moe/oracle/nvfp4.py: every NVFP4 MoE backend of this "
                f"release runs on CUDA only; vLLM emulates NVFP4 experts on ROCm from "
                f"{version_label(NVFP4_ROCM_EMULATION_FROM)})"]
    if nvfp4_a16_experts(spec, scheme, version):
        return [f"{nvfp4_refusal} fused_moe/oracle/nvfp4.py: on {gpu.name} (ROCm) no backend "
                "takes W4A16 NVFP4 experts (16-bit activations): Marlin and Humming run on CUDA "
                "only, and the emulation vLLM uses on ROCm takes W4A4 NVFP4 experts only)"]
    if scheme.family == "mxfp4" and mxfp4_marlin \
            and MXFP4_MARLIN_ENV[0] <= version < MXFP4_MARLIN_ENV[1]:
        return ["Mxfp4 MoE backend 'MARLIN' does not support the deployment configuration since "
                "kernel does not support current device rocm. (vLLM " + label + ": "
                "VLLM_MXFP4_USE_MARLIN=1 asks for Marlin's MoE, which runs on CUDA only; without "
                "it vLLM runs OpenAI's Triton MoE kernels on ROCm)"]
    rdna = next((row for row in MXFP4_RDNA_REFUSED if row[0] <= version < row[1]
                 and gpu.compute_capability.startswith(row[2])), None)
    if scheme.key == "mxfp4" and not mxfp4_marlin and moe_backend in (None, "auto") and rdna:
        return [f"{rdna[3]} (vLLM {label} fused_moe/oracle/mxfp4.py: on {gpu.name} "
                f"({gpu.compute_capability}) no MXFP4 MoE backend of this release runs: "
                f"{rdna[4]}; AITER's needs VLLM_ROCM_USE_AITER=1, the rest run on CUDA, XPU or "
                "CPU only)"]
    return []


NVFP4_EMULATION_FUSED_FROM: Version = (0, 25, 0)
"""NOTE: experts/nvfp4_emulation_moe.py calls dequantize_to_dtype on the layer's whole expert
weights before the Triton MoE in the 0.20.0-0.24.0 wheels (a 16-bit copy of them on every
forward); from the 0.25.0 wheel (0.25.0-0.34.0) its own @triton.jit kernel dequantizes each
tile it reads."""


def rocm_fp4_notes(spec: ModelSpec, scheme: QuantScheme, version: Version,
                   gpu: GpuSpec) -> list[str]:
    """What vLLM runs FP4 experts on on an AMD GPU, where rocm_fp4_moe_errors lets them
    start: MXFP4 on OpenAI's Triton MoE kernels (mxfp4.MXFP4_ROCM_KERNEL, padded as
    mxfp4.mxfp4_rocm_padding says), NVFP4 W4A4 on vLLM's emulation (NVFP4_ROCM_EMULATION_FROM)."""
    if gpu.vendor == "nvidia" or first_moe(spec) is None \
            or not quantized_component(spec, scheme, "experts"):
        return []
    if scheme.family == "mxfp4":
        pad = mxfp4_rocm_padding(version, gpu.compute_capability)
        padded = ("vLLM pads them by the GPU's gfx target (128 or 256), which this GPU does "
                  "not name: not sized" if pad is None else
                  f"padded to a width per GPU that is a multiple of {pad[1]}" if pad[0] == 1
                  else f"padded to multiples of {pad[0]} (hidden) x {pad[1]} (width per GPU)")
        return [f"MXFP4 experts on {gpu.name} run on OpenAI's Triton MoE kernels "
                "(triton_kernels; vLLM's ROCm choice with AITER off): weights stay 4-bit, "
                f"compute is 16-bit, {padded}. Source: vLLM fused_moe/oracle/mxfp4.py "
                "(quantization/mxfp4.py before 0.19)."]
    if scheme.family != "nvfp4" or version < NVFP4_ROCM_EMULATION_FROM \
            or nvfp4_a16_experts(spec, scheme, version):
        return []
    copy = ("; this release dequantizes each MoE layer's experts into a 16-bit copy on every "
            "forward, which this plan does not size" if version < NVFP4_EMULATION_FUSED_FROM
            else "")
    return [f"NVFP4 experts on {gpu.name} run on vLLM's NVFP4 emulation (ROCm has no NVFP4 MoE "
            "kernel): the FP4 weights are dequantized to 16-bit for a Triton MoE" + copy + ". "
            "Its speed is uncalibrated (the default MoE figures). Source: vLLM "
            "fused_moe/experts/nvfp4_emulation_moe.py."]


def config_quant_method(spec: ModelSpec) -> str | None:
    """The quant_method vLLM reads from the checkpoint's config (lower-cased): the format
    Headroom reads, an unread one, or an AutoRound block planned as 16-bit weights
    (ModelSpec.inc_unplanned); None for a 16-bit checkpoint."""
    if spec.quant is not None:
        return spec.quant.method
    return spec.unread_quant_method or (spec.inc_unplanned.method if spec.inc_unplanned
                                        else None)


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


def quantization_errors(spec: ModelSpec, quantization: str | None) -> list[str]:
    """vLLM's refusal of a runtime --quantization that is not a quantized checkpoint's own.

    NOTE: vllm/config/model.py _verify_quantization (0.11.0, 0.20.0, 0.33.0, 0.34.0 wheels) raises
    when the config's quant_method and the argument differ after the methods' overrides,
    which convert only to a method the user named (gptq_marlin for marlin / gptq_marlin, ...);
    every --quantization Headroom plans (a runtime scheme: fp8) is no such override. A
    checkpoint whose quant_method Headroom reads no format from (spec.unread_quant_method,
    planned as 16-bit weights) is compared likewise: vLLM reads its config all the same.
    """
    method = config_quant_method(spec)
    if not quantization or method is None or method == quantization \
            or inc_overrides_quantization(spec, quantization):
        return []
    return [quantization_mismatch(method, quantization)]


def quantization_mismatch(method: str, quantization: str) -> str:
    """vLLM's words where the config's quant_method `method` is not --quantization's
    (quantization_errors' NOTE)."""
    return ("Quantization method specified in the model config "
            f"({method}) does not match the quantization method specified in the "
            f"`quantization` argument ({quantization}).")


MODELOPT_MIXED_FROM: Version = (0, 17, 0)
"""NOTE: quantization/modelopt.py lists MIXED_PRECISION in QUANT_ALGOS and has
ModelOptMixedPrecisionConfig ("modelopt_mixed") from the 0.17.0 wheel; the 0.16.0 wheel's
ModelOptQuantConfigBase.from_config raises on it ("ModelOpt currently only supports: [...]
quantizations in vLLM")."""

MIXED_W4A16_NVFP4_FROM: Version = (0, 22, 0)
"""NOTE: ModelOptMixedPrecisionConfig.get_quant_method builds FP8 and NVFP4 entries only in the
0.17.0-0.21.0 wheels: a W4A16_NVFP4 module gets UnquantizedLinearMethod (routed experts: no
quantized method), which its FP4 tensors do not fit; the 0.22.0 wheel routes it to
ModelOptNvFp4W4A16LinearMethod / ModelOptNvFp4FusedMoE (vLLM PR 42566)."""

MIXED_LM_HEAD_FROM: Version = (0, 23, 0)
"""NOTE: up to the 0.22.0 wheel ModelOptMixedPrecisionConfig.get_quant_method quantizes
LinearBase layers only and qwen3_5.py builds its ParallelLMHead without a quant_config, so a
listed (quantized) lm_head is built 16-bit and its scales have nowhere to load: "There is no
module or parameter named 'lm_head.input_scale' in Qwen3_5MoeForCausalLM" (vLLM issues 44081
and 45102, nvidia/Qwen3.6-35B-A3B-NVFP4 on 0.22.0). The 0.23.0 wheel quantizes
(LinearBase, ParallelLMHead) and qwen3_5.py passes its quant_config (vLLM PR 42124); other
model classes are not read."""


def modelopt_mixed_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """Why vLLM `version` does not load this ModelOpt MIXED_PRECISION checkpoint in its own
    format ([] when it does, or when a what-if plans another checkpoint: stored_format): the
    per-module formats its release does not build."""
    quant = spec.quant
    if checkpoint_formats(spec, scheme) is None:
        return []
    v = version_label(version)
    if version < MODELOPT_MIXED_FROM:
        return [f"vLLM {v}'s ModelOpt config knows no quant_algo MIXED_PRECISION (\"ModelOpt "
                "currently only supports: [...] quantizations in vLLM\"); "
                "ModelOptMixedPrecisionConfig arrives in vLLM 0.17.0."]
    errors = []
    if version < MIXED_W4A16_NVFP4_FROM and any(f.algo == "W4A16_NVFP4"
                                                for f in quant.module_formats):
        errors.append(f"vLLM {v}'s ModelOptMixedPrecisionConfig builds FP8 and NVFP4 modules "
                      "only: its W4A16_NVFP4 ones are built unquantized and their FP4 "
                      "tensors do not load (W4A16_NVFP4 from vLLM 0.22.0).")
    if version < MIXED_LM_HEAD_FROM and any(f.module.split(".")[-1] == "lm_head"
                                            for f in quant.module_formats):
        errors.append(f"vLLM {v} builds the lm_head unquantized, so the checkpoint's quantized "
                      "lm_head does not load: \"There is no module or parameter named "
                      "'lm_head.input_scale'\" (a quantized lm_head from vLLM 0.23.0).")
    return errors


def block_size_errors(block_size: int) -> list[str]:
    """A --block-size Headroom does not plan: one that is not a multiple of 16.

    NOTE: the parser of vLLM 0.9.1-0.17.0 takes 1, 8, 16, 32, 64, 128 (and 256 from 0.11.1)
    only (config/cache.py BlockSize, the fixtures' --block-size choices, checked with the
    command); 0.18.0-0.34.0 take any int. FLASH_ATTN and TRITON_ATTN, the CUDA defaults below
    Blackwell, raise "Block size must be a multiple of 16." (get_kv_cache_shape, 0.9.1-0.19.0
    wheels), and from 0.18.0 the selector drops every backend whose kernel block sizes do not
    divide it (supports_block_size: the MLA backends take multiples of 16, 32, 64 or 128), so
    only some backends (FlashInfer before 0.18, FLEX_ATTENTION in 0.18-0.19) might run 1 or 8:
    which one vLLM picks is not modelled.
    """
    if block_size % 16 == 0:
        return []
    return [f"--block-size {block_size}: vLLM's FLASH_ATTN and TRITON_ATTN backends raise "
            "\"Block size must be a multiple of 16.\" (its MLA backends take multiples of 16 "
            "only); Headroom plans multiples of 16 only."]


def block_size_refusal(block_size: int, cli: VllmCli) -> str | None:
    """Why vLLM `cli.vllm_version` will not run --block-size N, in one line: its parser's
    refusal (0.9.1-0.17.0 take the BlockSize choices only), else block_size_errors; None when
    it runs. The CLI stops on it (exit 2) before planning."""
    if not cli.accepts("--block-size", str(block_size)):
        return invalid_choice(cli, "--block-size", str(block_size))
    return next(iter(block_size_errors(block_size)), None)


def block_size_choices(cli: VllmCli) -> tuple[int, ...]:
    """The --block-size values to offer under `cli`'s release, smallest first: the parser's
    choices that block_size_refusal passes (0.9.1-0.11.0: 32-128; 0.11.1-0.17.0: 32-256),
    without vLLM's default (DEFAULT_BLOCK_SIZE, 16), which these releases run as when it is
    not given (CUDA's check_and_update_config overrides both alike for MLA). A release whose
    parser takes any int (0.18.0 on, no choices in its fixture) is offered the last listed
    ones (0.17.0's BlockSize) with 16: there a given size is kept
    (CacheConfig.user_specified_block_size) where vLLM's choice may be the backend's (32 or
    64 for MLA, mla_block.mla_block_size); block_size_refusal passes any other multiple of 16
    there, as the CLI does."""
    listed = cli.choices.get("--block-size")
    sizes = listed or next(
        other.choices["--block-size"] for other in map(vllm_cli, reversed(supported_versions()))
        if "--block-size" in other.choices)
    return tuple(sorted(size for size in map(int, sizes)
                        if (size != DEFAULT_BLOCK_SIZE or not listed)
                        and block_size_refusal(size, cli) is None))


FLASHINFER_BF16_KV_FROM: Version = (0, 15, 0)
"""NOTE: v1/attention/backends/flashinfer.py FlashInferBackend.supported_kv_cache_dtypes lists
auto and fp8/fp8_e4m3/fp8_e5m2 in the 0.12.0-0.14.0 wheels, and bfloat16 too from the 0.15.0
wheel."""


def flashinfer_hd256_errors(spec: ModelSpec, s: EngineSettings, rules: VllmRules,
                            compute_capability: str) -> list[str]:
    """FlashInfer's assertion for head size 256 in 16-token blocks, where vLLM works around
    flashinfer issue 1993 (vllm_versions.flashinfer_hd256_bug: 0.11.1-0.17 on Blackwell).

    NOTE: 0.11.1-0.17.0 platforms/cuda.py _get_backend_priorities puts FLASHINFER first on
    10.x, and FlashInferMetadataBuilder.__init__ asserts in these words. A hybrid model's
    attention block is aligned to 32 (plan._state_rules), so only a model of plain
    head-256 attention (Gemma-2, Gemma-3 4B/12B, Gemma-7B) at --block-size 16 meets it, with
    a KV dtype FlashInfer lists (FLASHINFER_BF16_KV_FROM; an unlisted one runs on FLASH_ATTN).
    """
    mixers = [layer.mixer for layer in spec.layers]
    kvs = ("auto", "fp8", "fp8_e4m3", "fp8_e5m2") + (
        ("bf16",) if rules.version >= FLASHINFER_BF16_KV_FROM else ())
    if (not flashinfer_hd256_bug(rules, compute_capability)
            or s.block_size not in (None, DEFAULT_BLOCK_SIZE)
            or s.kv_cache_dtype not in kvs
            or not all(isinstance(m, AttentionMixer) and m.head_dim == m.v_head_dim == 256
                       for m in mixers)):
        return []
    return ["There is a bug in FlashInfer block_size 16 head size 256 support. Please avoid "
            "this combination by passing --block-size 32 or --block-size 64."]


def dtype_errors(gpu: GpuSpec, dtype: str) -> list[str]:
    """vLLM's refusal of --dtype bfloat16 on an NVIDIA GPU below compute capability 8.0 (V100):
    [] for any other dtype, GPU, or a GPU without an NVIDIA capability.

    NOTE: every covered release raises it in Worker.init_device from model_config.dtype:
    v1/worker/gpu_worker.py _check_if_gpu_supports_dtype in the 0.9.1-0.10.1 wheels,
    platforms/cuda.py CudaPlatform.check_if_supports_dtype from 0.10.2 (0.33.0, 0.34.0 the same).
    --dtype auto does not meet it: config/model.py _resolve_auto_dtype falls back to the
    platform's first supported dtype (float16 below 8.0) with a warning.
    """
    current = _capability(gpu)
    if dtype != "bfloat16" or current is None or current >= 80:
        return []
    return ["Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
            f"Your {gpu.name} GPU has compute capability {current // 10}.{current % 10}. You "
            "can use float16 instead by explicitly setting the `dtype` flag in CLI, for "
            "example: --dtype=half."]


def null_field_errors(spec: ModelSpec, version: Version) -> list[str]:
    """transformers' refusal of a config.json field written out as null that its config class
    annotates without None (ModelSpec.refused_nulls), where vLLM `version` requires
    transformers 5 (TRANSFORMERS_5_ONLY_FROM: 0.24.0 on, transformers 5.5.3 or later).

    NOTE: transformers 5.24.0 PreTrainedConfig is a @strict dataclass (huggingface_hub):
    Qwen3Config.from_dict({"head_dim": None}) raises StrictDataclassFieldValidationError
    ("Validation error for field 'head_dim': TypeError: Field 'head_dim' expected int, got
    NoneType (value: None)") when AutoConfig loads config.json, before vLLM builds anything."""
    if version < TRANSFORMERS_5_ONLY_FROM or not spec.refused_nulls:
        return []
    return [f"transformers 5 refuses config.json (StrictDataclassFieldValidationError): "
            f"{', '.join(spec.refused_nulls)} null where the class annotates the field without "
            "None; vLLM 0.24.0 on run transformers 5.5.3 or later. Remove the null (the class "
            "default applies) or give the value."]


GEMMA_TIE_ASSERTED_LAST: dict[str, Version] = {
    "gemma": (0, 28, 0), "gemma2": (0, 28, 0), "gemma3_text": (0, 13, 0)}
"""NOTE: the last release whose vLLM model for a text model_type asserts
config.tie_word_embeddings ("# currently all existing Gemma models have `tie_word_embeddings`
enabled" / `assert config.tie_word_embeddings`): gemma.py GemmaForCausalLM and gemma2.py
Gemma2ForCausalLM in the 0.10.2-0.28.0 wheels (0.29.0-0.33.0: gemma.py ties `if
config.tie_word_embeddings`, 0.34.0 has no gemma.py and builds GemmaForCausalLM on the
Transformers backend; gemma2.py always ties its logits to embed_tokens:
GEMMA2_ALWAYS_TIED_FROM); gemma3.py Gemma3ForCausalLM in the 0.10.2-0.13.0 wheels (0.14.0 on:
`if config.tie_word_embeddings`). gemma4.py ties `if` from 0.19.0. Keyed on the text config's
model_type: a wrapper (gemma3_mm.py, paligemma.py) builds these from its text config, with the
tie that release reads (tie.served_tie)."""


def gemma_asserts_tie(spec: ModelSpec, version: Version) -> bool:
    """Whether vLLM `version`'s model for the text model asserts the tie
    (GEMMA_TIE_ASSERTED_LAST)."""
    text_type = spec.window.text_model_type if spec.window else spec.model_type
    last = GEMMA_TIE_ASSERTED_LAST.get(text_type)
    return last is not None and version <= last


def gemma_tie_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM's refusal of an untied Gemma (tie_word_embeddings false or null, which the parser
    reads untied, as vLLM `version` reads it: tie.served_tie) on a release whose model asserts
    the tie (GEMMA_TIE_ASSERTED_LAST); [] otherwise. E.g. a gemma3_text config.json with
    tie_word_embeddings null on 0.13.0."""
    if not gemma_asserts_tie(spec, version) or served_tie(spec, version):
        return []
    text_type = spec.window.text_model_type if spec.window else spec.model_type
    return [f"AssertionError: vLLM {version_label(version)} builds {text_type} only with "
            "tie_word_embeddings true (`assert config.tie_word_embeddings`: \"currently all "
            "existing Gemma models have `tie_word_embeddings` enabled\"); this config.json "
            "gives it false or null."]


def nemotron_h_moe_errors(spec: ModelSpec, version: Version) -> list[str]:
    """vLLM's failure to build a Nemotron-H MoE on a release whose nemotron_h.py has no MoE
    layer (before vllm_versions.NEMOTRON_H_MOE_FROM) or, for a latent MoE (moe_latent_size
    set), no latent projections (before LATENT_MOE_FROM); [] otherwise. E.g.
    Nemotron-3-Nano-30B-A3B on 0.11.0, Nemotron-3-Super-120B-A12B on 0.12.0."""
    moe = first_moe(spec)
    if spec.model_type != "nemotron_h" or moe is None:
        return []
    if version < NEMOTRON_H_MOE_FROM:
        return [f"KeyError: 'E' (vLLM {version_label(version)}'s nemotron_h.py builds the "
                "hybrid_override_pattern layers 'M', '-' and '*' only, not this model's 'E' "
                f"MoE layers; MoE layers from vLLM {version_label(NEMOTRON_H_MOE_FROM)})"]
    if not moe.latent_size or version >= LATENT_MOE_FROM:
        return []
    return [f"vLLM {version_label(version)}'s nemotron_h.py NemotronHMoE has no latent MoE: it "
            "reads no moe_latent_size, builds no fc1_latent_proj / fc2_latent_proj and sizes "
            f"the routed experts {spec.hidden_size:,} wide, not {moe.latent_size:,}, so this "
            "checkpoint's MoE tensors do not load (latent MoE from vLLM "
            f"{version_label(LATENT_MOE_FROM)})."]


def _olmo3_rope_failure(spec: ModelSpec, version: Version) -> str | None:
    """vLLM's error building an OLMo 3 where olmo2.py builds it and transformers 5 may be
    installed (TRANSFORMERS_5_ALLOWED_FROM up to vllm_versions.OLMO3_MODEL_FROM), at its first
    layer that fails: a sliding one reads rope_parameters["rope_theta"] (KeyError, unless
    config.json's rope_parameters is one flat block holding rope_theta, which transformers 5
    keeps at the top), a full one hands rope_parameters whole to get_rope (TypeError: the
    nested blocks are unhashable); None elsewhere, or where every layer slides on a flat block.

    NOTE: transformers 5.24.0's Olmo3Config (convert_rope_params_to_dict) adds the
    sliding_attention / full_attention blocks to a flat rope_parameters too (built here from a
    flat block: {"rope_type", "rope_theta", "full_attention": {...}, "sliding_attention":
    {...}}); get_rope (rotary_embedding/__init__.py, 0.19.1-0.25.0 wheels) keys its cache on
    tuple(rope_parameters.items()), `if key in _ROPE_DICT` hashing each value."""
    if spec.model_type != "olmo3" or not TRANSFORMERS_5_ALLOWED_FROM <= version < OLMO3_MODEL_FROM:
        return None
    flat_theta = spec.window is not None and spec.window.rope_parameters_theta
    built = f"vLLM {version_label(version)} builds Olmo3ForCausalLM with olmo2.py, whose"
    nested = ("transformers 5's Olmo3Config nests rope_parameters by layer type, "
              "sliding_attention / full_attention")
    later = (f"vLLM {version_label(OLMO3_MODEL_FROM)} on build it with olmo3.py, which reads "
             "the nested blocks.")
    for layer in spec.layers:
        if not isinstance(layer.mixer, AttentionMixer):
            continue
        if not layer.mixer.sliding_window:
            return (f"TypeError: unhashable type: 'dict' ({built} full-attention layers pass "
                    f"config.rope_parameters whole to get_rope, which hashes its items; {nested},"
                    f" blocks it holds even where config.json gives one flat block). {later}")
        if not flat_theta:
            return (f"KeyError: 'rope_theta' ({built} sliding-window layers read "
                    f"config.rope_parameters[\"rope_theta\"]; {nested}, with no rope_theta at "
                    f"the top). {later}")
    return None


def olmo3_rope_errors(spec: ModelSpec, version: Version) -> list[str]:
    """_olmo3_rope_failure as a start-up refusal, where vLLM `version` requires transformers 5
    (TRANSFORMERS_5_ONLY_FROM: 0.24.0 and 0.25.x). E.g. an OLMo 3 config.json on 0.25.0."""
    failure = _olmo3_rope_failure(spec, version)
    return [failure] if failure and version >= TRANSFORMERS_5_ONLY_FROM else []


def olmo3_rope_note(spec: ModelSpec, version: Version) -> str | None:
    """_olmo3_rope_failure as a plan note where vLLM `version` runs under transformers 4 or 5
    (0.19.1-0.23.x): planned as under transformers 4, where it starts, but a fresh pip install
    of the release resolves transformers 5 (TRANSFORMERS_5_ALLOWED_FROM)."""
    failure = _olmo3_rope_failure(spec, version)
    if failure is None or version >= TRANSFORMERS_5_ONLY_FROM:
        return None
    return (f"vLLM {version_label(version)} runs under transformers 4 or 5 (it requires "
            "transformers >=4.56.0, not 5.0-5.5.0): planned as under transformers 4, where it "
            "starts; under transformers 5, which a fresh pip install of this release resolves, "
            f"it stops at start-up with {failure} Pin transformers<5 for this plan.")


def qk_norm_gather_refusal(spec: ModelSpec, tp: int, version: Version,
                           transformers_backend: bool) -> str | None:
    """vLLM's failure at the first forward of a model whose k_norm spans all KV heads (OLMo 2,
    OLMo 3, OLMoE: parser.WHOLE_QK_NORM_TYPES) on its Transformers backend
    (weights.transformers_backend) at a TP above its KV heads (more than one); None elsewhere.
    E.g. an OLMo 2 with 2 KV heads of 128 at TP 4 on 0.34.0.

    NOTE: models/transformers/fusers/qkv.py QKVFuser fuses q_proj, k_proj and v_proj into a
    QKVParallelLinear, which gives each rank one KV head where tp >= total_num_kv_heads
    (layers/linear.py), and fusers/rms_norm.py RMSNormFuser builds the norms as TPAwareRMSNorm,
    whose forward raises this ValueError where the rank's width x tp is not the norm's width:
    head_dim x tp against KV heads x head_dim. Read in the 0.25.0-0.34.0 wheels, every release
    whose registry sends these models there (Olmo2ForCausalLM from 0.26.0, Olmo3ForCausalLM
    from 0.29.0, OlmoeForCausalLM from 0.34.0); their own olmo2.py / olmo3.py / olmoe.py
    all-gather k before the norm (_apply_qk_norm). Read, not run."""
    if not transformers_backend:
        return None
    for layer in spec.layers:
        mixer = layer.mixer
        if isinstance(mixer, AttentionMixer) and mixer.qk_norm_whole \
                and 1 < mixer.num_kv_heads < tp:
            full = mixer.num_kv_heads * mixer.head_dim
            return (f"Cannot gather norm of width {full}: a TP-sharded input of width "
                    f"{mixer.head_dim} does not tile it evenly across {tp} ranks (replicated "
                    f"or uneven sharding). (vLLM {version_label(version)} Transformers backend, "
                    f"TPAwareRMSNorm at the first forward: above TP {mixer.num_kv_heads} each "
                    f"rank holds one of the {mixer.num_kv_heads} KV heads, and k_norm spans "
                    f"them all; TP {mixer.num_kv_heads} or below runs)")
    return None


def gate_fp32(spec: ModelSpec, version: Version, gpu: GpuSpec) -> bool:
    """Whether vLLM `version` holds the MoE gate in float32 on `gpu` (weights.rank_weights
    gate_fp32): Nemotron-H's always before 0.17, then off NVIDIA compute capability 9.0 and
    10.x (vllm_versions.GATE_FP32_OFF_SM90_SM100_FROM); ERNIE 4.5 MoE's, with its
    e_score_correction_bias, on every GPU from 0.11.1 (vllm_versions.ERNIE_GATE_FP32_FROM)."""
    if spec.model_type == "ernie4_5_moe" and spec.is_moe:
        return version >= ERNIE_GATE_FP32_FROM
    if spec.model_type != "nemotron_h" or not spec.is_moe:
        return False
    cc = _capability(gpu) if gpu.vendor == "nvidia" else None
    return version < GATE_FP32_OFF_SM90_SM100_FROM or not (
        cc is not None and (cc == 90 or cc // 10 == 10))


def latent_fc1_split(version: Version) -> bool:
    """Whether vLLM `version` splits a latent MoE's fc1_latent_proj over TP
    (vllm_versions.LATENT_FC1_WHOLE_FROM; weights.rank_weights)."""
    return version < LATENT_FC1_WHOLE_FROM


def weight_load_rules(spec: ModelSpec, scheme: QuantScheme, moe_backend: str | None,
                      version: Version, gpu: GpuSpec) -> WeightLoadRules:
    """WeightLoadRules of `spec` in `scheme` under vLLM `version` on `gpu`."""
    return WeightLoadRules(
        gdn_ba_whole=gdn_ba_whole(spec, scheme, version, gpu),
        latent_fc1_split=latent_fc1_split(version), gate_fp32=gate_fp32(spec, version, gpu),
        width_pad=trtllm_bf16_width_pad(spec, scheme, moe_backend, version,
                                        gpu.compute_capability, gpu.vendor),
        indexer_wk_quantized=version < INDEXER_WK_UNQUANTIZED_FROM,
        zeros_freed_bits=gptq_zeros_freed_bits(spec, scheme, version, gpu))


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
            or (stored_format(spec, scheme) and _plain_loader(
                "gptq", scheme, version, gpu.vendor, cc, marlin_keys_miss(spec, scheme, version))):
        return 0.0
    if cc == (9, 0) and (group in MACHETE_GROUP_SIZES
                         or version >= HUMMING_FIRST_ON_HOPPER_FROM):
        return 0.0
    if cc[0] == 8 and group == -1 and bits == 8 and version < ALLSPARK_DROPPED_FROM:
        return 0.0
    return (scheme.bits_per_weight - bits) * bits / (16 + bits)  # w/g of w + (16 + w)/g


def float16_errors(model_type: str, dtype: str, refused: bool) -> list[str]:
    """vLLM's refusal of --dtype float16 for a model type it holds numerically unstable in
    float16 (`refused`: vllm_versions.float16_refused, per release); [] otherwise.

    NOTE: _check_valid_dtype, run on the dtype --dtype resolves to (config.py in the 0.9.x
    wheels, config/model.py from 0.11; the same text in every wheel 0.9.1-0.34.0, the reason
    the same for each model type in _FLOAT16_NOT_SUPPORTED_MODELS). --dtype auto never meets
    it: _resolve_auto_dtype leaves float16 out for these types (engine.served_dtype).
    """
    if dtype != "float16" or not refused:
        return []
    return [f"The model type {model_type!r} does not support float16. Reason: Numerical "
            "instability. Please use bfloat16 or float32 instead."]


ACT_DTYPES: dict[str, tuple[str, ...]] = {
    "fp8": ("bfloat16", "float16"), "fbgemm_fp8": ("bfloat16", "float16"),
    "modelopt": ("bfloat16", "float16"), "modelopt_mixed": ("bfloat16", "float16"),
    "modelopt_fp4": ("bfloat16", "float16", "float8_e4m3fn"), "mxfp4": ("bfloat16",),
    "gptq": ("float16", "bfloat16"), "awq": ("float16", "bfloat16"),
    "inc": ("float16", "bfloat16"), "w4afp8": ("bfloat16", "float16"),
}
"""The activation dtypes each quantization method that loads a planned format takes, in the
order vLLM prints them (QuantizationConfig.get_supported_act_dtypes(), the 0.19.0 and 0.30.0
wheels alike: fp8.py, fbgemm_fp8.py, modelopt.py ModelOptFp8Config / ModelOptNvFp4Config /
ModelOptMixedPrecisionConfig, mxfp4.py). gptq and awq stand for their loaders, named
gptq / gptq_marlin / auto_gptq (awq alike) as the release and the checkpoint pick: the
Marlin ones take float16 and bfloat16, the plain ones float16 only, none float32.
compressed-tensors and bitsandbytes take float32 too, so they are not listed. inc: INCConfig
([torch.half, torch.bfloat16], 0.19.0, 0.33.0 and 0.34.0 wheels), which an AutoRound checkpoint's
"auto-round" turns into."""


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


def _plain_loader(method: str, scheme: QuantScheme, version: Version, vendor: str,
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
    if _marlin_lists_no_type(vendor, capability):
        return (f"{method}_marlin needs compute capability 7.5 (is_{method}_marlin_compatible: "
                "check_marlin_supported)")
    return ""


def _marlin_lists_no_type(vendor: str, capability: tuple[int, int] | None) -> bool:
    """Whether marlin_utils.query_marlin_supported_quant_types lists no type for this GPU: on
    CUDA below compute capability 7.5 (ROCm skips the test), so _check_marlin_supported
    refuses every checkpoint there (0.19.0-0.34.0 wheels)."""
    return vendor == "nvidia" and capability is not None and capability < (7, 5)


def _marlin_group_refusal(group: int | tuple[int, int]) -> str:
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
        refused = _marlin_group_refusal(group)
        return [f"{refused} {where}; quant_method awq loads this group on awq.py)"] \
            if refused else []
    refused = _marlin_group_refusal(group)
    if not refused or not _quantized_linears(spec, scheme):
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
    asks it (marlin_named_errors for node 0's GPU, plan._node_quant_errors for the others).
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


def _loading_method(spec: ModelSpec, scheme: QuantScheme, mixed: bool) -> str:
    """The vLLM quantization method that loads `scheme` as vLLM names it after its overrides
    (gptq and awq for their loaders; "" for a what-if no planned checkpoint pins): the
    checkpoint's own (auto-round -> inc, ModelOpt's FP8 / NVFP4 / MIXED_PRECISION -> modelopt /
    modelopt_fp4 / modelopt_mixed, `mixed`: quant.checkpoint_formats), else a runtime
    --quantization's or a what-if's FP8, MXFP4, GPTQ or AWQ."""
    if mixed:
        return "modelopt_mixed"
    if scheme.key == W4AFP8_SCHEME:
        return "w4afp8"
    if spec.quant is not None and not scheme.what_if:
        method = "inc" if spec.quant.method == "auto-round" else spec.quant.method
        if method == "modelopt":
            return "modelopt_fp4" if scheme.family == "nvfp4" else "modelopt"
        return method
    return scheme.family if scheme.family in ("fp8", "mxfp4", "gptq", "awq") else ""


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
    method = _loading_method(spec, scheme, False)
    if method in ("gptq", "inc") or (method == "awq" and version > PLAIN_LOADER_LAST["awq"]):
        return True
    cc = _capability(gpu)
    return method == "awq" and scheme.key.startswith("w4") and marlin_takes_group(scheme) \
        and not marlin_keys_miss(spec, scheme, version) \
        and (cc is None or cc >= MARLIN_MIN_CAPABILITY)


def rocm_quantization_errors(spec: ModelSpec, scheme: QuantScheme, mixed: bool,
                             version: Version, gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a quantization method its ROCm platform does not list on AMD
    (platforms/interface.py verify_quantization, run by config/model.py _verify_quantization
    on the method left after the overrides, _loading_method): [] where `version` lists it
    (ROCM_QUANTIZATION_LISTED; releases before ROCM_QUANTIZATION_READ_FROM are not read but
    for bitsandbytes, ROCM_BNB_FROM on, on gfx9 GPUs ROCM_BNB_GFX9_FROM on).
    E.g. an AutoRound checkpoint on an MI300X on 0.27.0: "inc quantization is currently not
    supported in rocm."; 0.28.0 lists inc. A quant_method awq_marlin / gptq_marlin is checked
    under that name, which vLLM keeps (kept_marlin_method): gptq_marlin is refused from 0.25.
    A bitsandbytes format (a checkpoint, --quantization bitsandbytes or a what-if) is checked
    as bitsandbytes: on an MI300X (gfx942) vLLM 0.9.1-0.16.x refuse it, 0.17.0-0.27.x run it."""
    if gpu.vendor == "nvidia" or scheme.family == "float":
        return []
    method = kept_marlin_method(spec, scheme) or _loading_method(spec, scheme, mixed) \
        or (QUANT_METHOD["bnb"] if scheme.family == "bnb" else "")
    if version < ROCM_QUANTIZATION_READ_FROM and method != QUANT_METHOD["bnb"]:
        return []
    if method in ROCM_QUANTIZATION_UNLISTED:
        return [f"{method} quantization is currently not supported in rocm. (vLLM "
                f"{version_label(version)} platforms/rocm.py supported_quantization does not "
                f"list {method})"]
    first, last = ROCM_QUANTIZATION_LISTED.get(method, (ROCM_QUANTIZATION_READ_FROM, None))
    gfx9 = method == QUANT_METHOD["bnb"] and gpu.compute_capability in ROCM_GFX9_ARCHS
    if gfx9:
        first = ROCM_BNB_GFX9_FROM
    if first <= version and (last is None or version <= last):
        return []
    listed = " ".join(([f"from {version_label(first)}"] if first > ROCM_QUANTIZATION_READ_FROM
                       or method == QUANT_METHOD["bnb"] else [])
                      + ([f"up to {last[0]}.{last[1]}.x"] if last else []))
    if gfx9:
        listed += (f" on gfx9 GPUs, {', '.join(ROCM_GFX9_ARCHS[:-1])} and {ROCM_GFX9_ARCHS[-1]}, "
                   f"and from {version_label(ROCM_BNB_FROM)} on others")
    return [f"{method} quantization is currently not supported in rocm. (vLLM "
            f"{version_label(version)} platforms/rocm.py supported_quantization; it lists "
            f"{method} {listed})"]


def act_dtype_errors(spec: ModelSpec, scheme: QuantScheme, served: str,
                     mixed: bool = False, *, version: Version, vendor: str) -> list[str]:
    """vLLM's refusal of the dtype it runs the model in (`served`: engine.served_dtype, e.g.
    float32 for --dtype float32, or for Gemma-2/3 under auto on a GPU without bfloat16) for
    the quantization method that loads `scheme`: the checkpoint's own method, vLLM's
    --quantization fp8 at load, or for a what-if of GPTQ, AWQ, FP8 or MXFP4 the methods
    that load such a checkpoint ([] where it takes it, or no method loads the weights).
    vLLM `version` on a GPU of `vendor` picks the GPTQ/AWQ loader (_plain_loader).

    NOTE: config/vllm.py VllmConfig._get_quantization_config, right after the minimum
    capability check (0.19.0 and 0.30.0 wheels; older releases hold the same check in
    model_executor/model_loader, unverified per release): `if model_config.dtype not in
    quant_config.get_supported_act_dtypes(): raise ValueError(f"{model_config.dtype} is not
    supported for quantization method {model_config.quantization}. Supported dtypes:
    {supported_dtypes}")`. `mixed`: a ModelOpt MIXED_PRECISION checkpoint (modelopt_mixed).
    E.g. a GPTQ int4 checkpoint in groups of 256 served in bfloat16 on vLLM 0.19.0-0.21.0:
    gptq_marlin refuses group 256, so quantization stays "gptq" (GPTQConfig, [torch.half])
    and vLLM raises "torch.bfloat16 is not supported for quantization method gptq. Supported
    dtypes: [torch.float16]"; 0.22.0's AutoGPTQConfig takes it.
    """
    if scheme.family == "float":
        return []
    method = _loading_method(spec, scheme, mixed)
    named = kept_marlin_method(spec, scheme)
    if named and served not in ("float16", "bfloat16"):
        return [f"torch.{served} is not supported for quantization method {named}. Supported "
                "dtypes: [torch.float16, torch.bfloat16]"]
    allowed = ACT_DTYPES.get(method)
    if allowed is None or served in allowed:
        plain = "" if named else _plain_loader(method, scheme, version, vendor,
                                               keys_miss=marlin_keys_miss(spec, scheme, version))
        if not plain or served == "float16":
            return []
        return [f"torch.{served} is not supported for quantization method {method}. Supported "
                f"dtypes: [torch.float16] (vLLM {version_label(version)} loads {scheme.label} "
                f"with {method}.py's plain loader: {plain}; --dtype float16 runs it)"]
    if method in ("gptq", "awq"):
        return [f"torch.{served} is not supported for quantization method {method}: vLLM's "
                f"{method.upper()} loaders ({method}_marlin, auto_{method}, {method}, as the "
                "release and the GPU pick) take torch.float16, and torch.bfloat16 on Marlin "
                "(get_supported_act_dtypes)."]
    listed = ", ".join(f"torch.{d}" for d in allowed)
    return [f"torch.{served} is not supported for quantization method {method}. Supported "
            f"dtypes: [{listed}]"]


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


def _quantized_linears(spec: ModelSpec, scheme: QuantScheme) -> bool:
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
            and version >= GPTQ_MP_KERNELS_FROM and _quantized_linears(spec, scheme) \
            and not act_order_errors(spec, scheme, version):
        refused = _autogptq_marlin_refusal(scheme, version, gpu)
        if refused:
            return [refused]
    if scheme.family != "gptq" or first is None or version < first \
            or served not in (("bfloat16", "float16") if amd else ("bfloat16",)) \
            or not _quantized_linears(spec, scheme):
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
    return [_no_wna16_kernel(version, f"choose_mp_linear_kernel, {scheme.label} in {served}",
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
    if _marlin_lists_no_type(gpu.vendor, cc):
        bits = "uint8b128" if int_bits(scheme) == 8 else "uint4b8"
        return (f"Marlin does not support weight_bits = {bits}. Only types = [] are supported "
                f"(for group_size = {group}, device_capability = {cc[0]}{cc[1]}, zp = False). "
                f"({why}: Marlin needs compute capability 7.5; vLLM 0.21 loads GPTQ on "
                "Exllama here)")
    refused = _marlin_group_refusal(group)
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
            or not _quantized_linears(spec, scheme) \
            or gptq_kernel_errors(spec, scheme, served, version, gpu):
        return None
    bits = int_bits(scheme)
    misses = _rocm_wna16_misses(bits, False, group_size(scheme) or -1, True, served, version,
                                split=True)
    if not misses:
        return None
    return _no_wna16_kernel(version, f"choose_mp_linear_kernel at TP > 1, {scheme.label} with "
                            f"act-order in {served}", "on ROCm " + ", ".join(misses)
                            + "; TP=1 runs it", False)


def _no_wna16_kernel(version: Version, what: str, why: str, fp16_runs: bool) -> str:
    """choose_mp_linear_kernel's ValueError, with what it was asked and why no kernel took it
    (`fp16_runs`: Exllama takes it in float16)."""
    return ("Failed to find a kernel that can implement the WNA16 linear layer. (vLLM "
            f"{version_label(version)} {what}: {why}"
            + ("; --dtype float16 runs it on Exllama)" if fp16_runs else ")"))


MARLIN_MIN_THREAD_N = 64  # marlin_utils.GPTQ_MARLIN_MIN_THREAD_N, 0.19.0-0.34.0 wheels
MARLIN_MIN_THREAD_K = 128  # marlin_utils.GPTQ_MARLIN_MIN_THREAD_K, the same wheels
MARLIN_TILE_PADDING_FROM: Version = (0, 24, 0)
MARLIN_ACT_ORDER_PADDING_FROM: Version = (0, 30, 0)
"""NOTE: marlin_utils.verify_marlin_supports_shape (the same text in the 0.19.0, 0.20.0, 0.21.0,
0.22.0 and 0.23.0 wheels) raises "Weight output_size_per_partition = N is not divisible by
min_thread_n = 64" / "Weight input_size_per_partition = K is not divisible by min_thread_k =
128"; check_marlin_supports_shape turns that into (False, message). Its callers for dense
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
    output_size_per_partition, input_size_per_partition, whether it is row-parallel and
    whether TP splits its input (row-parallel at TP > 1)."""

    component: str
    name: str
    out_size: int
    in_size: int
    row: bool
    split_input: bool


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

    def add(component: str, name: str, out_size: int, in_size: int, row: bool) -> None:
        found[NarrowLinear(component, name, out_size, in_size, row, row and tp > 1)] = None

    for layer in spec.layers:
        mixer, mlp = layer.mixer, layer.mlp
        if isinstance(mixer, AttentionMixer):
            kv = mixer.num_kv_heads // tp if mixer.num_kv_heads >= tp else 1
            q = mixer.num_heads // tp * mixer.head_dim * (2 if mixer.output_gate else 1)
            add("attention", "qkv_proj", q + kv * (mixer.head_dim + mixer.v_head_dim), hidden,
                False)
            add("attention", "o_proj", hidden, mixer.num_heads * mixer.v_head_dim // tp, True)
        elif isinstance(mixer, MlaMixer):
            heads = mixer.num_heads // tp
            add("attention", "fused_qkv_a_proj" if mixer.q_lora_rank else "kv_a_proj_with_mqa",
                (mixer.q_lora_rank or 0) + mixer.kv_lora_rank + mixer.qk_rope_head_dim, hidden,
                False)  # replicated (disable_tp): the same width at every TP
            add("attention", "q_b_proj" if mixer.q_lora_rank else "q_proj",
                heads * (mixer.qk_nope_head_dim + mixer.qk_rope_head_dim),
                mixer.q_lora_rank or hidden, False)
            add("attention", "kv_b_proj", heads * (mixer.qk_nope_head_dim + mixer.v_head_dim),
                mixer.kv_lora_rank, False)
            add("attention", "o_proj", hidden, heads * mixer.v_head_dim, True)
        elif isinstance(mixer, LinearAttentionMixer) and spec.model_type in GDN_TYPES:
            keys = mixer.num_key_heads * mixer.key_head_dim
            values = mixer.num_value_heads * mixer.value_head_dim
            add("attention", "in_proj_qkvz", (2 * keys + 2 * values) // tp, hidden, False)
            add("attention", "in_proj_ba", 2 * mixer.num_value_heads // (1 if ba_whole else tp),
                hidden, False)
            add("attention", "out_proj", hidden, values // tp, True)
        if isinstance(mlp, DenseMlp):
            width = mlp.intermediate_size // tp
            add("dense_mlp", "gate_up_proj" if mlp.gated else "up_proj",
                width * (2 if mlp.gated else 1), hidden, False)
            add("dense_mlp", "down_proj", hidden, width, True)
        if isinstance(mlp, MoeMlp) and mlp.num_shared_experts:
            width = mlp.num_shared_experts * mlp.shared_intermediate_size // tp
            add("shared_experts", "shared_expert.gate_up_proj", 2 * width, hidden, False)
            add("shared_experts", "shared_expert.down_proj", hidden, width, True)
    return list(found)


def _marlin_shape_miss(layer: NarrowLinear) -> str:
    """verify_marlin_supports_shape's message for a layer Marlin's tiles do not fit, else ""."""
    if layer.out_size % MARLIN_MIN_THREAD_N:
        return (f"Weight output_size_per_partition = {layer.out_size} is not divisible by "
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
    cc = _capability(gpu)
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
    method = _loading_method(spec, scheme, False)
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
                            group_size(scheme) or -1, g_idx, served, version, _capability(gpu))
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
        return (_no_wna16_kernel(
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
            or not _quantized_linears(spec, scheme):
        return []
    group = group_size(scheme) or -1
    marlin_era = version <= PLAIN_LOADER_LAST["awq"]
    if marlin_era and marlin_takes_group(scheme):  # is_awq_marlin_compatible
        misses = _rocm_wna16_misses(4, True, group, False, served, version)
        return [_no_wna16_kernel(version, f"AWQMarlinLinearMethod, {scheme.label} in {served}",
                                 "on ROCm " + ", ".join(misses), False)] if misses else []
    if group in AWQ_TRITON_GROUP_SIZES or (marlin_era and served != "float16"):
        return []
    return [f"AssertionError: `assert group_size in AWQ_TRITON_SUPPORTED_GROUP_SIZES or "
            f"group_size == K` (vLLM {version_label(version)} on ROCm runs {scheme.label} on "
            f"awq_triton.py's GEMM, which takes groups {list(AWQ_TRITON_GROUP_SIZES)}: the "
            "memory profiling run stops at its first forward pass)"]


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
            or not _quantized_linears(spec, scheme):
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


def gptq_dynamic_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                        gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a layer a GPTQ checkpoint's `dynamic` rule gives bits, sym or a group
    its kernel does not take (QuantSpec.dynamic_entries), in its words; [] where each loads.
    E.g. a rule giving the MLPs 3 bits on 0.33.0: "Unsupported quantization config: bits=3,
    sym=True".

    NOTE: utils/gptq_utils.py override_config, which get_linear_quant_method and
    get_moe_quant_method call for a positive match: on gptq_marlin (0.19.0-0.21.0, where
    is_gptq_marlin_compatible takes the checkpoint and the GPU: _plain_loader "") and auto_gptq
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
    plain = "" if quant.marlin_named else _plain_loader(
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
        refused = "" if experts else _marlin_group_refusal(entry.group_size)
        if refused:
            return [f"{refused} (vLLM {v} {loader}'s linear method, verify_marlin_supported: "
                    f"{whose})"]
    return []


def ct_channel_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                          gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a compressed-tensors checkpoint's per-channel (strategy channel, the
    -gchannel keys) int4 / int8 weight-only experts where they leave Marlin at every layout: on
    Hopper from HUMMING_FIRST_ON_HOPPER_FROM, on AMD GPUs from CT_WNA16_MOE_READ_FROM.

    NOTE: compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.__init__ (0.32.0, 0.33.0
    and 0.34.0 wheels) asks select_wna16_moe_backend, which on compute capability 9.0 tries Humming
    before Marlin (humming/priority.py prioritize_humming); fused_humming_moe.py takes the
    per-channel key (kInt4Static / kInt8Static: GroupShape(1, -1)), so the backend is not
    Marlin and the next line is `assert weight_quant.strategy == "group"` ("channelwise is not
    supported by this kernel"): an AssertionError at any layout. On ROCm get_moe_method builds
    that method at every layout (layout.moe_wna16_fallback's NOTE), which asserts the same in
    __init__ in every wheel 0.19.0-0.34.0 (compressed_tensors_moe.py in 0.19.0,
    compressed_tensors_moe_wna16.py from 0.20.0: unconditionally up to 0.26.0, off Marlin from
    0.27.0, where the oracle's TritonWNA16Experts takes kInt4Static). Marlin takes such
    experts on other NVIDIA GPUs where its check holds (not planned: the layout checks have no
    channel rule). int8 experts on 0.27-0.28 stop one line earlier where their group_size is
    not written as -1 (ct_int8_moe_errors, on every GPU)."""
    if spec.quant is None or scheme.what_if or spec.quant.method != "compressed-tensors" \
            or not scheme.key.endswith("-gchannel") \
            or first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    label = version_label(version)
    if gpu.vendor != "nvidia":
        if version < CT_WNA16_MOE_READ_FROM or ct_int8_moe_errors(spec, scheme, version):
            return []  # older releases not read; int8 on 0.27-0.28 stops one line earlier
        return [f"vLLM {label} stops loading the {scheme.label} experts at `assert "
                "weight_quant.strategy == \"group\"` (channelwise is not supported by this "
                f"kernel) in CompressedTensorsWNA16MoEMethod: on {gpu.name} (ROCm) vLLM builds "
                "that method at every layout (no Marlin MoE there), and only Marlin takes "
                "per-channel scales."]
    if version < HUMMING_FIRST_ON_HOPPER_FROM or gpu.compute_capability != "9.0":
        return []
    return [f"vLLM {label} stops loading the {scheme.label} experts at `assert "
            "weight_quant.strategy == \"group\"` (CompressedTensorsWNA16MoEMethod: channelwise is "
            f"not supported by this kernel): on {gpu.name} (compute capability 9.0) its WNA16 "
            "MoE oracle picks Humming's MoE ahead of Marlin, and only Marlin takes per-channel "
            "scales. A release before 0.32 or another GPU runs them on Marlin MoE."]


CT_INT8_GROUP_ASSERT: Version = (0, 27, 0)
CT_INT8_GROUP_ASSERT_LAST: Version = (0, 29, 0)
"""NOTE: compressed_tensors_moe_wna16.py CompressedTensorsWNA16MoEMethod.__init__ asserts
`self.group_size == -1` for 8-bit weights in the 0.27.0 and 0.28.0 wheels (group_size taken
as weight_quant.group_size as the config writes it: compressed-tensors 0.17.0, vLLM's pin,
quant_args.py QuantizationArgs keeps None for a per-channel checkpoint that leaves it out,
-1 where it is written, a group's size otherwise), before the strategy assertion and before
the MoE oracle, so on every GPU; absent from 0.26.0 and 0.29.0 (from the first up to, not
including, the second). compressed_tensors_moe.py get_moe_method sends every int8 weight-only
(WNA16) MoE layer there in those wheels (the ROCm-only FlyDSL branch wants 4 bits)."""


def ct_int8_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM 0.27.0-0.28.x's refusal of a compressed-tensors checkpoint's int8 weight-only
    experts whose group_size is not written as -1 (CT_INT8_GROUP_ASSERT), on every GPU and
    layout: a per-channel checkpoint without group_size, or any group (e.g. 128)."""
    quant = spec.quant
    if quant is None or scheme.what_if or quant.method != "compressed-tensors" \
            or not scheme.key.startswith("w8a16-") or quant.group_size == -1 \
            or not CT_INT8_GROUP_ASSERT <= version < CT_INT8_GROUP_ASSERT_LAST \
            or first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    written = "unset" if quant.group_size is None else str(quant.group_size)
    return [f"vLLM {version_label(version)} stops loading the {scheme.label} experts at `assert "
            f"self.group_size == -1` (int8 experts; this checkpoint's group_size is {written}) "
            "in CompressedTensorsWNA16MoEMethod, on every GPU and layout: its int8 MoE path "
            "takes only per-channel scales written as group_size -1 (0.27.0 and 0.28.x; the "
            "assertion is not in 0.26.0 or 0.29.0)."]


INT8_MOE_ORACLE: tuple[Version, Version] = ((0, 20, 0), (0, 27, 0))
"""NOTE: compressed-tensors W8A8 int8 experts (CompressedTensorsW8A8Int8MoEMethod: channel
weights, dynamic per-token activations) ask fused_moe/oracle/int8.py select_int8_moe_backend
from the 0.20.0 wheel (0.19.0 has no oracle and calls the Triton fused MoE directly). Its
backends are TRITON (0.20.0-0.24.0), then TRITON, HUMMING, CPU (0.25.0, 0.26.0); TritonExperts
(experts/triton_moe.py _supports_quant_scheme) takes (kInt8StaticChannelSym,
kInt8DynamicTokenSym) only where `current_platform.is_cuda() and has_device_capability((7,
5))`, Humming on CUDA only (fused_humming_moe.py _supports_current_device), CPU on CPUs: on ROCm
none is left and the oracle raises NotImplementedError("No Int8 MoE backend supports the
deployment configuration."). The 0.27.0 wheel adds `or current_platform.is_rocm()` to the
Triton check (0.28.0-0.34.0 the same). From the first release up to, not including, the
second."""


def rocm_int8_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                         gpu: GpuSpec) -> list[str]:
    """vLLM 0.20.0-0.26.x's refusal of W8A8 int8 experts (compressed-tensors, stored or a
    what-if) on AMD GPUs (INT8_MOE_ORACLE)."""
    quant = spec.quant
    stored = quant is not None and quant.method == "compressed-tensors"
    if gpu.vendor == "nvidia" or scheme.key != "w8a8-int8" \
            or not (scheme.what_if or stored) \
            or not INT8_MOE_ORACLE[0] <= version < INT8_MOE_ORACLE[1] \
            or first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    return [f"No Int8 MoE backend supports the deployment configuration. (vLLM "
            f"{version_label(version)} fused_moe/oracle/int8.py: the {scheme.label} experts on "
            f"{gpu.name} (ROCm) have no kernel, as its Triton int8 MoE runs on CUDA only; "
            "ROCm takes it from 0.27.0)"]


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
MARLIN_MIN_CAPABILITY = 75  # marlin_utils.query_marlin_supported_quant_types: [] below 7.5 (CUDA)


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
    cc = _capability(gpu)
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


def unknown_quant_errors(spec: ModelSpec, scheme: QuantScheme, mixed: bool, cli: VllmCli,
                         version: Version, gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a checkpoint whose quant_method is none of the release's quantization
    methods and that no override claims (vllm_versions.UNKNOWN_QUANT_READ_FROM: from 0.16.0),
    checked on the method vLLM names after its overrides (_loading_method, as
    rocm_quantization_errors, which vLLM checks after it), or the checkpoint's quant_method
    where Headroom reads no format from it: bitsandbytes from 0.28, fp_quant from 0.34,
    w4afp8 before 0.34 (vllm_versions.W4AFP8_FROM; before 0.16 as well: the overrides that
    claim by other keys there want checkpoint_format "marlin" and the like, as
    UNKNOWN_QUANT_READ_FROM's NOTE reads the 0.9.1-0.15.1 wheels), AutoRound's older
    spellings, an unread method (planned as 16-bit weights; on AMD GPUs from
    UNKNOWN_QUANT_ROCM_FROM, an unlisted "modelopt..." one up to MODELOPT_PREFIX_FROM only).
    A what-if format's method is its family's: a bitsandbytes one (bnb_what_if_dropped) from
    0.28 too, whose checkpoint stops here and whose --quantization the parser refuses."""
    unread = None if scheme.what_if else spec.unread_quant_method
    # an AutoRound block planned as 16-bit weights: INCConfig claims "auto-round" (as "inc")
    unplanned = spec.inc_unplanned.method if spec.inc_unplanned and not scheme.what_if else None
    what_if_bnb = scheme.what_if and scheme.family == "bnb"
    method = unread or (unplanned if unplanned in INC_UNKNOWN_NAMES else None) \
        or _loading_method(spec, scheme, mixed) or (QUANT_METHOD["bnb"] if what_if_bnb else "")
    if (not method or (version < UNKNOWN_QUANT_READ_FROM and method != "w4afp8")
            or cli.accepts("--quantization", method)
            or (unread and gpu.vendor != "nvidia" and version < UNKNOWN_QUANT_ROCM_FROM)
            or (method.startswith("modelopt")
                and (not unread or version >= MODELOPT_PREFIX_FROM))):
        return []
    what = ("" if not what_if_bnb else
            ", for a bitsandbytes checkpoint of the what-if; nor does vllm serve take "
            "--quantization bitsandbytes to make one at load")
    return [f"Unknown quantization method: {method}. (vLLM {version_label(version)} "
            "config/model.py _verify_quantization: it is none of the release's quantization "
            f"methods and no override claims the checkpoint{what})"]


def bnb_what_if_dropped(scheme: QuantScheme, cli: VllmCli) -> bool:
    """Whether `scheme` is a bitsandbytes what-if on a release that has no bitsandbytes method
    (the 0.28.0 wheel drops quantization/bitsandbytes.py; the vllm_cli fixtures' --quantization
    choices, as vllm_cli.choice_refusal reads them for the flag): unknown_quant_errors refuses it,
    and no checkpoint of it can be made or loaded there."""
    return scheme.what_if and scheme.family == "bnb" and not cli.accepts(
        "--quantization", QUANT_METHOD["bnb"])


W4A8_MOE_MULTIPLE = 256
"""CompressedTensorsW4A8Fp8MoEMethod.create_weights's CUTLASS reorder_tensor requirement on
both expert widths (w4afp8_shape_refusal)."""


def own_loader_method(spec: ModelSpec, scheme: QuantScheme) -> str | None:
    """"torchao" or "quark" for such a checkpoint planned as stored, whose own config class
    vLLM loads it with whatever format it holds: capability_errors names it and takes its
    get_min_capability (the vllm_cli fixtures: torchao 75, quark 70), not the format
    family's. None for any other."""
    quant = spec.quant
    return quant.method if stored_format(spec, scheme) and quant.method in SOME_FORMATS_READ \
        else None


TORCHAO_FP8_CHECK_FROM: Version = (0, 22, 0)
"""NOTE: the first release whose quantization/torchao.py has
_check_torchao_fp8_activation_capability (absent from the 0.19.0-0.21.0 wheels, in 0.22.0,
0.23.0, 0.24.0, 0.29.0, 0.33.0, 0.34.0): torchao_quantize_param_data raises its ValueError
where current_platform.supports_fp8() is false (NVIDIA below 8.9, AMD before MI300). Before it
torchao's own check stops the load: quant_api.py asserts "Float8 dynamic activation
quantization is only supported on CUDA>=8.9 and MI300+" (torchao 0.18.0)."""

QUARK_SCHEME_MIN_CAPABILITY = {"fp8": ("QuarkW8A8Fp8", 89), "int8": ("QuarkW8A8Int8", 75),
                               "ocp_mx": ("QuarkOCP_MX", 70)}
"""NOTE: get_min_capability of the Quark scheme that loads each format family
(quark/schemes/quark_w8a8_fp8.py, quark_w8a8_int8.py, quark_ocp_mx.py; 0.19.0, 0.29.0,
0.34.0 wheels), which
QuarkConfig._check_scheme_supported compares with the GPU's (RuntimeError "Quantization
scheme is not supported for the current GPU. Min capability: N. Current capability: C.",
the same words as a tuple up to 0.28.0); FP8 before QUARK_FP8_CAPABILITY_ERROR_FROM in other
words."""

QUARK_FP8_CAPABILITY_ERROR_FROM: Version = (0, 30, 0)
"""NOTE: the first release whose quark.py picks QuarkW8A8Fp8 whatever the GPU and refuses it in
init_scheme (_check_scheme_supported, the words of QUARK_SCHEME_MIN_CAPABILITY; 0.30.0-0.34.0
wheels). 0.9.1-0.29.0's _get_scheme_from_config asks _check_scheme_supported(89, error=False)
and below 89 falls through to NotImplementedError "No quark compatible scheme was found."
(0.9.1, 0.18.0, 0.19.0, 0.20.0-0.29.0 wheels, each read)."""

QUARK_INT8_DYNAMIC_FROM: Version = (0, 20, 0)
"""NOTE: the first release whose quark.py takes INT8 W8A8 with dynamic per-token inputs
(input_tensors per_channel, is_dynamic: _is_dynamic_per_token_w8a8, 0.20.0-0.29.0; then
_is_w8a8_int8, 0.30.0-0.34.0). 0.9.1-0.19.0 take static per-tensor inputs only
(_is_static_tensor_w8a8; 0.9.1, 0.11.0, 0.14.0, 0.16.0, 0.18.0, 0.19.0 wheels) and raise
NotImplementedError "No quark compatible scheme was found." for dynamic ones."""


def own_loader_errors(spec: ModelSpec, scheme: QuantScheme, version: Version,
                      gpu: GpuSpec) -> list[str]:
    """vLLM's refusal of a torchao or Quark checkpoint's format (own_loader_method) on this
    GPU or release; [] where it loads. torchao FP8 needs FP8 tensor cores
    (TORCHAO_FP8_CHECK_FROM); Quark's FP8 and INT8 schemes their minimum capability
    (QUARK_SCHEME_MIN_CAPABILITY), its per-block FP8, dynamic per-token INT8, MXFP6 and
    weight-only OCP MX a release that reads them (config.quant.QUARK_PER_BLOCK_FROM,
    QUARK_INT8_DYNAMIC_FROM, QUARK_MXFP6_FROM, QUARK_MX_WEIGHT_ONLY_FROM)."""
    method = own_loader_method(spec, scheme)
    at = f"vLLM {version_label(version)}"
    if method == "torchao":
        if scheme.family != "fp8" or gpu.weight_format_support("fp8") == "native":
            return []
        if version < TORCHAO_FP8_CHECK_FROM:
            return ["Float8 dynamic activation quantization is only supported on CUDA>=8.9 and "
                    f"MI300+ (torchao's check, which {at} reaches loading {TORCHAO_FP8})"]
        current = (f" (current GPU compute capability: {gpu.compute_capability})"
                   if gpu.vendor == "nvidia" else "")
        return [f"torchao FP8 activation quantization config '{TORCHAO_FP8}' requires GPU "
                "compute capability >= 8.9 (e.g., NVIDIA Ada Lovelace / Hopper or AMD "
                f"MI300+){current}. For older GPUs, consider using a non-FP8 config such as "
                f"Int8WeightOnlyConfig or Int4WeightOnlyConfig. ({at} quantization/torchao.py)"]
    if method != "quark":
        return []
    unread = (  # (this format, the first release that reads it, what earlier ones read)
        (scheme.key == "fp8-block128", QUARK_PER_BLOCK_FROM,
         "_is_fp8_w8a8 takes no per_block FP8 weights; it reads them"),
        (scheme.family == "int8" and spec.quant.input_qscheme == "per_channel",
         QUARK_INT8_DYNAMIC_FROM,
         "takes INT8 W8A8 with static per-tensor inputs only; dynamic per-token ones"),
        (scheme.key == "quark-mxfp6", QUARK_MXFP6_FROM, "reads MXFP4 OCP MX only; MXFP6"),
        (scheme.family == "ocp_mx" and spec.quant.input_qscheme != "per_group",
         QUARK_MX_WEIGHT_ONLY_FROM,
         "reads OCP MX weights with OCP MX inputs only; 16-bit inputs"))
    for this_format, since, read in unread:
        if this_format and version < since:
            return [f"No quark compatible scheme was found. ({at} quark.py {read} from "
                    f"{version_label(since)})"]
    name, need = QUARK_SCHEME_MIN_CAPABILITY[scheme.family]
    current = _capability(gpu)
    if current is not None and current < need:
        if scheme.family == "fp8" and version < QUARK_FP8_CAPABILITY_ERROR_FROM:
            return [f"No quark compatible scheme was found. ({at} quark.py: FP8 W8A8 weights "
                    f"below compute capability {need} match no scheme; current capability: "
                    f"{current})"]
        return [f"Quantization scheme is not supported for the current GPU. Min capability: "
                f"{need}. Current capability: {current}. ({at}: Quark {name} weights)"]
    return _quark_moe_errors(spec, scheme, version)


QUARK_INT8_MOE_FROM: Version = (0, 20, 0)
"""NOTE: the first release with quark_moe.py QuarkW8A8Int8MoEMethod (0.20.0-0.34.0 wheels);
0.19.0's QuarkMoEMethod.get_moe_method takes W4A8, FP8 W8A8 and OCP MX experts only and raises
RuntimeError("Unsupported FusedMoe scheme") for INT8 ones."""

QUARK_FP8_MOE_BLOCK_FROM: Version = (0, 30, 0)
"""NOTE: the first release whose QuarkW8A8Fp8MoEMethod takes per_block weights with per_group
inputs (quark_moe.py, 0.30.0-0.34.0 wheels, each read); 0.19.0-0.29.0 take per_tensor /
per_tensor and per_channel / per_channel weights / inputs only. Either raises ValueError "For
FP8 Fused MoE layers, only per-tensor[, per-channel and per-block | and per-channel] scales for
weights and activations are supported. Found W, I" for any other pair."""

QUARK_FP8_MOE_CHANNEL_FROM: Version = (0, 11, 0)
"""NOTE: the first release whose QuarkW8A8Fp8MoEMethod takes per_channel / per_channel
(quark_moe.py: 0.11.0, 0.14.0, 0.16.0, 0.18.0, 0.19.0 wheels); 0.9.1-0.10.2 take per_tensor /
per_tensor only ("For FP8 Fused MoE layers, only per-tensor scales for weights and activations
are supported. Found W, I")."""

QUARK_MX_MOE_FROM: Version = (0, 10, 0)
"""NOTE: the first release with an OCP MX MoE method (quark_moe.py QuarkW4A4MXFp4MoEMethod,
0.10.0-0.11.x; QuarkOCP_MX_MoEMethod from 0.12.0): 0.9.1 and 0.9.2's get_moe_method takes FP8
W8A8 experts only and raises RuntimeError("Unsupported FusedMoe scheme")."""

QUARK_MXFP6_FROM: Version = (0, 12, 0)
"""NOTE: the first release whose quark.py reads MXFP6 (_is_ocp_mx: fp4, fp6_e3m2 or fp6_e2m3
weights and inputs; 0.12.0, 0.16.0 wheels): 0.9.1-0.11.x read MXFP4 only (_is_mx_fp4: fp4
weights and fp4 dynamic inputs) and stop at "No quark compatible scheme was found." (also for
MXFP4 weights with MXFP6 inputs, which Headroom does not tell apart: not checked)."""

QUARK_MX_WEIGHT_ONLY_FROM: Version = (0, 17, 0)
"""NOTE: the first release whose quark.py reads OCP MX weights alone (_is_w_ocp_mx_a_x, which
checks the weights only: 0.17.0, 0.18.0, 0.19.0 wheels, the same function). 0.9.1-0.16.x want
MX inputs too (_is_mx_fp4 / _is_ocp_mx: input_tensors per_group, group 32, e8m0) and stop a
checkpoint with 16-bit inputs at "No quark compatible scheme was found." (the inputs' group
and scale format are not checked here)."""

_QUARK_WEIGHT_QSCHEME = {"fp8-tensor": "per_tensor", "fp8-channel": "per_channel",
                         "fp8-block128": "per_block"}


def _quark_moe_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a Quark checkpoint's quantized routed experts (own_loader_errors):
    INT8 before QUARK_INT8_MOE_FROM, OCP MX before QUARK_MX_MOE_FROM, FP8 weight / input
    scales its MoE method does not pair (QUARK_FP8_MOE_CHANNEL_FROM, QUARK_FP8_MOE_BLOCK_FROM).
    [] for a dense model or experts the checkpoint excludes."""
    if first_moe(spec) is None or not quantized_component(spec, scheme, "experts"):
        return []
    at = f"vLLM {version_label(version)} quark_moe.py"
    if scheme.family in ("int8", "ocp_mx"):
        name, since = (("INT8", QUARK_INT8_MOE_FROM) if scheme.family == "int8"
                       else ("OCP MX", QUARK_MX_MOE_FROM))
        return [] if version >= since else [
            f"Unsupported FusedMoe scheme ({at}: no {name} MoE method before "
            f"{version_label(since)})"]
    if scheme.family != "fp8":
        return []
    pair = (_QUARK_WEIGHT_QSCHEME[scheme.key], spec.quant.input_qscheme)
    channel, block = version >= QUARK_FP8_MOE_CHANNEL_FROM, version >= QUARK_FP8_MOE_BLOCK_FROM
    if pair == ("per_tensor", "per_tensor") \
            or (channel and pair == ("per_channel", "per_channel")) \
            or (block and pair == ("per_block", "per_group")):
        return []
    scales = ("per-tensor, per-channel and per-block" if block else
              "per-tensor and per-channel" if channel else "per-tensor")
    return [f"For FP8 Fused MoE layers, only {scales} scales for weights and activations are "
            f"supported. Found {pair[0]}, {pair[1]} ({at} QuarkW8A8Fp8MoEMethod)"]


def w4afp8_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a w4afp8 checkpoint whose routed experts' group is not 128 ([] where
    it loads, on releases before W4AFP8_FROM: unknown_quant_errors refuses the method).

    NOTE: 0.34.0 quantization/w4afp8.py W4AFP8Config.get_quant_method gives each RoutedExperts
    layer it does not skip CompressedTensorsW4A8Fp8MoEMethod(self.weight_quant, ...), whose
    weight_quant is QuantizationArgs(num_bits=4, symmetric=True, strategy="group",
    group_size=the config's group_size), and whose __init__
    (compressed_tensors_moe_w4a8_fp8.py) asserts `self.group_size == 128, "Only group size 128
    supported for W4A8 MoE"` while the model is built. A dense model (or experts the checkpoint
    skips) has no such layer: its linears are Fp8Config's, which read no group."""
    quant = spec.quant
    if not stored_format(spec, scheme) or quant.method != "w4afp8" or version < W4AFP8_FROM \
            or quant.group_size == W4AFP8_GROUP or first_moe(spec) is None \
            or not quantized_component(spec, scheme, "experts"):
        return []
    return [f"Only group size 128 supported for W4A8 MoE (vLLM {version_label(version)}: "
            f"the checkpoint's group_size is {quant.group_size}; "
            "CompressedTensorsW4A8Fp8MoEMethod asserts it while building the routed experts)"]


def w4afp8_shape_refusal(spec: ModelSpec, scheme: QuantScheme, expert_tp: int,
                         version: Version) -> str | None:
    """vLLM's refusal of w4afp8 routed experts whose hidden size, or intermediate size per
    rank (`expert_tp`: layout.ParallelLayout.expert_tp, TP x DP without EP, 1 with it), is not
    a multiple of 256; None where they load, or the method does not build them.

    NOTE: 0.34.0 compressed_tensors_moe_w4a8_fp8.py CompressedTensorsW4A8Fp8MoEMethod
    .create_weights ("requirement for CUTLASS reorder_tensor", whichever of CUTLASS and Humming
    select_w4a8_moe_backend picks): `assert hidden_size % 256 == 0, f"{hidden_size=} must be
    divisible by 256"`, then the same for intermediate_size_per_partition, which
    fused_moe/config.py FusedMoEConfig.__post_init__ sets to intermediate_size // tp_size
    (the MoE TP size, flatten_tp_across_dp_and_pcp) and routed_experts.py passes on through
    maybe_roundup_sizes (which rounds only hidden_size, and only for all2all backends:
    all2all_utils.maybe_roundup_layer_hidden_size). The hidden size is the experts' own
    (Nemotron-H's moe_latent_size where it has one: nemotron_h.py). E.g. Qwen3-30B-A3B
    (hidden 2048, moe_intermediate_size 768) at TP 2: 768 / 2 = 384."""
    if not (scheme.key == W4AFP8_SCHEME and version >= W4AFP8_FROM) \
            or not quantized_component(spec, scheme, "experts"):
        return None
    for layer in spec.layers:
        mlp = layer.mlp
        if not isinstance(mlp, MoeMlp):
            continue
        hidden = mlp.latent_size or spec.hidden_size
        width = mlp.expert_intermediate_size // expert_tp
        named = ("hidden_size", hidden) if hidden % W4A8_MOE_MULTIPLE else \
            ("intermediate_size_per_partition", width) if width % W4A8_MOE_MULTIPLE else None
        if named:
            where = "" if named[0] == "hidden_size" else (
                f"; {mlp.expert_intermediate_size} / {expert_tp} ranks" if expert_tp > 1
                else "")
            return (f"{named[0]}={named[1]} must be divisible by 256 (vLLM "
                    f"{version_label(version)} CompressedTensorsW4A8Fp8MoEMethod.create_weights "
                    f"asserts it for the W4A8 MoE kernels{where})")
    return None


MODELOPT_LEGACY_ALGOS: tuple[tuple[Version, bool, tuple[str, ...]], ...] = (
    ((0, 13, 0), False, ("FP8", "NVFP4")),
    ((0, 14, 0), True, ("FP8", "FP8_PER_CHANNEL_PER_TOKEN", "FP8_PB_WO", "NVFP4")),
    ((0, 33, 0), True, ("FP8", "FP8_PER_CHANNEL_PER_TOKEN", "FP8_PB_WO", "NVFP4",
                        "MIXED_PRECISION")),
)
"""(first release, upper-cased, the quant_algos) a legacy ModelOpt config (producer.name
"modelopt" and a "quantization" block: hf_quant_config.json's layout) may name, from a release
on; vLLM raises ValueError(f"Unknown ModelOpt quant algo: {quant_algo}") for any other.

NOTE: config/model.py ModelConfig._parse_quant_hf_config in the 0.13.0 wheel (quant_algo
"FP8" or "NVFP4" exactly, else the raise), transformers_utils/model_arch_config_convertor.py
_normalize_quantization_config in 0.14.0, 0.16.0, 0.21.0, 0.23.0, 0.28.0, 0.29.0, 0.30.0,
0.31.0 and 0.32.0 (upper-cased: FP8, FP8_PER_CHANNEL_PER_TOKEN, FP8_PB_WO -> modelopt, NVFP4 ->
modelopt_fp4, else the raise) and in 0.33.0 and 0.34.0 (MIXED_PRECISION -> modelopt_mixed as
well). The 0.9.1 wheel reads no hf_quant_config.json into the model config (not judged before
0.13). Not modelled: from 0.26.0 (read in 0.26.0-0.34.0; 0.25.0 lacks it) a "quantization"
block holding "modelopt_quant_config" is read so whatever its producer (is_legacy_modelopt); a
config with neither gets no quant_method there (vLLM then loads no quantization)."""


def modelopt_legacy_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM's refusal of a legacy ModelOpt config's quant_algo (QuantSpec.modelopt_legacy_algo,
    MODELOPT_LEGACY_ALGOS) while it reads the model config, in its words; [] where it loads or
    the release is not read. E.g. hf_quant_config.json quant_algo W4A16_AWQ on 0.34.0."""
    algo = spec.quant.modelopt_legacy_algo if stored_format(spec, scheme) else None
    if algo is None or version < MODELOPT_LEGACY_ALGOS[0][0]:
        return []
    _, upper, taken = next(e for e in reversed(MODELOPT_LEGACY_ALGOS) if e[0] <= version)
    if (algo.upper() if upper else algo) in taken:
        return []
    return [f"Unknown ModelOpt quant algo: {algo} (vLLM {version_label(version)} reads a "
            "ModelOpt config whose producer is modelopt as quant_method modelopt, modelopt_fp4"
            + (" or modelopt_mixed" if "MIXED_PRECISION" in taken else "")
            + f" only for quant_algo {', '.join(taken)}"
            + ("" if upper else " (exactly so written)") + ")"]


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


def int8_float32_errors(scheme: QuantScheme, served: str) -> list[str]:
    """W8A8 int8 weights run in float32 (Gemma-2/3 or GLM-4 on a T4 or V100, or --dtype
    float32): vLLM loads them (compressed-tensors' get_supported_act_dtypes lists
    torch.float32), then its int8 GEMM stops at the profile run, in an assertion.

    NOTE: vLLM's CUDA int8 kernels are tried in the order CutlassInt8ScaledMMLinearKernel,
    Triton, Humming (model_executor/kernels/linear/__init__.py _POSSIBLE_INT8_KERNELS); the
    CUTLASS one's is_supported and can_implement accept every CUDA GPU, and its
    apply_weights calls ops.cutlass_scaled_mm(..., out_dtype=x.dtype) (cutlass_scaled_mm_azp
    for asymmetric activations), which begin `assert out_dtype is torch.bfloat16 or out_dtype
    is torch.float16` (_custom_ops.py). Read in the 0.19.0, 0.30.0, 0.33.0 and 0.34.0 wheels; older
    releases assumed alike (unverified)."""
    if scheme.family != "int8" or served != "float32":
        return []
    return [f"vLLM runs {scheme.label} in torch.float32 here, and its int8 GEMM stops at "
            "`assert out_dtype is torch.bfloat16 or out_dtype is torch.float16` "
            "(_custom_ops.cutlass_scaled_mm, from CutlassInt8ScaledMMLinearKernel with the "
            "activations' dtype): W8A8 int8 writes 16-bit outputs only."]


def startup_errors(
    *, gpu: GpuSpec, scheme: QuantScheme, cli: VllmCli, max_model_len: int, window: VllmWindow,
    mbt: int, seqs: int, mbt_given: bool, chunked_prefill: bool, block_size: int | None,
    mixed: bool = False, ct_scheme: str | None = None, named: str | None = None,
) -> list[str]:
    """The ValueErrors vLLM raises at start-up for these settings ([] when it starts).

    The batch checks apply to a user-given max_num_batched_tokens: vLLM's defaults already
    satisfy them (EngineArgs caps the defaults, see engine.default_batch_limits). `mixed`: the
    checkpoint's own per-module formats (ModelOpt MIXED_PRECISION), which vLLM loads with its
    modelopt_mixed method (ModelOptMixedPrecisionConfig.override_quantization_method).
    A --max-model-len above the release's `window` (engine.vllm_window) is refused naming the
    length key that set it (max_len_key: seq_length, model_max_length, ... not always
    max_position_embeddings) with the window after rope scaling, as config/model.py
    _get_and_verify_max_len words it (0.19.0 and 0.30.0 wheels; vLLM prints the scaled length
    as a float where a rope block multiplied it, "131072.0": Headroom writes the integer).
    """
    errors = [] if block_size is None else block_size_errors(block_size)
    if mbt_given and mbt < max_model_len and not chunked_prefill:
        errors.append(
            f"max_num_batched_tokens ({mbt}) is smaller than max_model_len ({max_model_len}). "
            "This effectively limits the maximum sequence length to max_num_batched_tokens "
            "and makes vLLM reject longer sequences. Please increase max_num_batched_tokens "
            "or decrease max_model_len.")
    if mbt < seqs:
        errors.append(f"max_num_batched_tokens ({mbt}) must be greater than or equal to "
                      f"max_num_seqs ({seqs}).")
    if max_model_len > window.limit:
        errors.append(
            f"User-specified max_model_len ({max_model_len}) is greater than the derived "
            f"max_model_len ({window.key}={window.limit} or model_max_length="
            f"{window.model_max_length} in model's config.json). To allow overriding this "
            "maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1.")
    return errors + capability_errors(gpu, scheme, cli, mixed, ct_scheme, named)


CT_SCHEME_MIN_CAPABILITY: dict[str, tuple[tuple[Version, int], ...]] = {
    "NVFP4": (((0, 9, 1), 80), ((0, 10, 1), 100), ((0, 16, 0), 75)),
    "NVFP4A16": (((0, 9, 1), 80), ((0, 16, 0), 75)),
    "W8A8 int8": (((0, 9, 1), 75),),
    "WNA16": (((0, 9, 1), 80), ((0, 12, 0), 75)),
    "FP8": (((0, 9, 1), 80), ((0, 16, 0), 75)),
}
"""get_min_capability of the compressed-tensors scheme that loads a checkpoint's linear layers,
from each release on (ct_linear_scheme names it).

NOTE: CompressedTensorsConfig.get_scheme calls _check_scheme_supported(scheme.
get_min_capability()), which raises RuntimeError "Quantization scheme is not supported for the
current GPU. Min capability: N. Current capability: C." (0.33.0's and 0.34.0's words; up to 0.16.0
the same words passed as a tuple), after the method's own get_min_capability (70:
capability_errors). Each scheme's get_min_capability read in the compressed_tensors/schemes/ files
of every wheel 0.9.1-0.34.0: W4A4 NVFP4 (compressed_tensors_w4a4_nvfp4.py) 80 in 0.9.1, 100 in
0.10.1-0.15.1 (80 with VLLM_USE_NVFP4_CT_EMULATIONS, not modelled), 75 from 0.16.0; NVFP4A16
(compressed_tensors_w4a16_nvfp4.py) 80 in 0.9.1-0.15.1, 75 in 0.16.0-0.22.0, and from 0.23.0
CompressedTensorsW4A4Fp4(use_a16=True) at 75; W8A8 int8 (compressed_tensors_w8a8_int8.py) 75
in every wheel; WNA16 (compressed_tensors_wNa16.py) 80 in 0.9.1-0.11.2, 75 from 0.12.0; FP8
(_get_scheme_from_parts: W8A8 at 89 where _check_scheme_supported(89, error=False) holds, else
CompressedTensorsW8A16Fp8, compressed_tensors_w8a16_fp8.py) 80 in 0.9.1-0.15.1, 75 from 0.16.0,
so W8A16's figure decides."""


def capability_errors(gpu: GpuSpec, scheme: QuantScheme, cli: VllmCli, mixed: bool = False,
                      ct_scheme: str | None = None, named: str | None = None) -> list[str]:
    """vLLM's refusal of the quantization method on a GPU below its get_min_capability()
    (VllmConfig._get_quantization_config, config/vllm.py; [] where it runs): startup_errors'
    for node 0's GPU, plan's for each other node a layout reaches (plan._node_quant_errors).
    `ct_scheme`: the compressed-tensors scheme of a checkpoint that method loads
    (ct_linear_scheme; None: not one), whose own minimum comes next (CT_SCHEME_MIN_CAPABILITY).
    E.g. a W8A8 int8 checkpoint on a V100 (7.0): the method takes 70, the scheme 75. AWQ is
    named auto_awq from INC_AUTO_AWQ_FROM, as AutoAWQConfig.override_quantization_method
    renames "awq" (auto_awq.py get_name, 0.24.0-0.34.0 wheels) before config/vllm.py words the
    refusal with model_config.quantization. `named`: the checkpoint's quant_method awq_marlin /
    gptq_marlin, which vLLM keeps under that name (kept_marlin_method), whose minimum the
    release's fixture gives (80 to 0.13, then 75; gptq_marlin 60 from 0.22, AutoGPTQConfig's);
    where AWQMarlinConfig itself loads it (own_marlin_config) its __init__'s Marlin check
    raises first below 7.5 (awq_marlin_capability_refusal)."""
    version = parse_version(cli.vllm_version)
    if named == "awq_marlin" and version <= PLAIN_LOADER_LAST["awq"]:
        return []
    method = named or ("modelopt_mixed" if mixed else "compressed-tensors" if ct_scheme
                       else "w4afp8" if scheme.key == W4AFP8_SCHEME
                       else QUANT_METHOD.get(scheme.family))
    if method == "awq" and version >= INC_AUTO_AWQ_FROM:
        method = "auto_awq"
    minimum = cli.quantization_min_capability.get(method or "")
    current = _capability(gpu)
    if minimum is not None and current is not None and current < minimum:
        return [f"The quantization method {method} is not supported for the current GPU. "
                f"Minimum capability: {minimum}. Current capability: {current}."]
    if ct_scheme and current is not None:
        need = next((n for first, n in reversed(CT_SCHEME_MIN_CAPABILITY[ct_scheme])
                     if version >= first), 0)
        if current < need:
            return [f"Quantization scheme is not supported for the current GPU. Min capability: "
                    f"{need}. Current capability: {current}. (vLLM {version_label(version)}: "
                    f"compressed-tensors {ct_scheme} weights)"]
    return []


def ct_linear_scheme(spec: ModelSpec, scheme: QuantScheme) -> str | None:
    """For capability_errors: the compressed-tensors scheme (a CT_SCHEME_MIN_CAPABILITY key)
    that loads a checkpoint's linear layers, stored or what-if (W8A8 int8 and the -ct- WNA16
    keys are compressed-tensors formats); None for any other. NVFP4A16 is
    QuantSpec.weight_only."""
    quant = spec.quant
    stored = not scheme.what_if and quant is not None and quant.method == "compressed-tensors"
    if scheme.family == "int8" and (stored or scheme.what_if):
        return "W8A8 int8"
    if scheme.family == "gptq" and (stored or "-ct-" in scheme.key):
        return "WNA16"
    if not stored:
        return None
    if scheme.family == "nvfp4":
        return "NVFP4A16" if quant.weight_only else "NVFP4"
    return "FP8" if scheme.family == "fp8" else None
