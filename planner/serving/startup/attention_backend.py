"""No attention backend of the release takes the --kv-cache-dtype on this GPU for this model, in
vLLM's words (kv_format_errors, per release; runnable_kv_cache_dtypes: what the app offers), and
the kernels that fail below compute capability 8.0: MLA prefill (mla_prefill_errors),
FlashInfer's prefill on a T4 in 0.22-0.23 (flashinfer_sm75_errors), 0.10.2's and 0.11.0's
FlexAttention (flex_attention_errors).

vLLM picks the backend at start-up (platforms/cuda.py get_attn_backend_cls) from each
backend's supported_kv_cache_dtypes, supports_compute_capability and head sizes
(v1/attention/backends/*.py and mla/*.py; each rule's NOTE names the wheels read): FlashInfer
(nvfp4, and its head-256 assertion: flashinfer_hd256_errors), FLASH_ATTN's FP8 views, TRITON_ATTN
below SM80, the dense and sparse MLA backends, TURBOQUANT, and the backend a model's config
forces (forced_backend_error)."""

from planner.model.attention.kvformat import KV_FORMATS
from planner.model.spec import AttentionMixer, MlaMixer, ModelSpec
from planner.serving.engine import DEFAULT_BLOCK_SIZE, EngineSettings, is_sparse_mla
from planner.serving.hardware import GpuSpec, capability_int
from planner.serving.startup.device import capability
from planner.serving.startup.unknown_capability import every_capability_refusal
from planner.serving.vllm_cli import VllmCli, kv_cache_dtypes
from planner.serving.vllm_versions import (
    SM90_FA4_FP8_HD512_FROM,
    Version,
    VllmRules,
    flashinfer_hd256_bug,
    parse_version,
    version_label,
)
from planner.units import VLLM_KV_DTYPE, kv_cache_dtype_flag


def flashinfer_head_sizes(minor: int) -> set[int]:
    """FlashInferBackend.get_supported_head_sizes(): 64/128/256 in the 0.21.0 wheel, 512 from
    the 0.22.0 wheel on."""
    return {64, 128, 256} if minor < 22 else {64, 128, 256, 512}


def flashinfer_takes(m: AttentionMixer, minor: int) -> bool:
    """Whether FLASHINFER takes this attention layer in vLLM 0.`minor` below compute
    capability 8.9: a head size it lists (flashinfer_head_sizes) and no attention sinks (its
    supports_sink holds only on trtllm-gen GPUs, none below 8.9: _triton_fp8_below_sm89's
    NOTE). A layer it does not take falls to TRITON_ATTN."""
    return m.head_dim in flashinfer_head_sizes(minor) and not m.sinks


def _no_backend(kv: str, why: str | dict[str, list[str]], cc: int) -> str:
    """vLLM's selector refusal (platforms/cuda.py get_attn_backend_cls), with each backend's
    reasons (`why` alone: FlashInfer's, the one backend that takes nvfp4)."""
    reasons = {"FLASHINFER": [why]} if isinstance(why, str) else why
    listed = ", ".join(f"{name}: [{', '.join(r)}]" for name, r in reasons.items())
    return (f"No valid attention backend found for cuda with kv_cache_dtype={kv}. Reasons: "
            f"{{{listed}}} (compute capability {cc // 10}.{cc % 10}).")


def _mla_backend_error(kv: str, minor: int, cc: int, sparse: bool = False) -> str | None:
    """No MLA attention backend of vLLM 0.`minor` (dense: from 0.11.1, MLA_KV_CHECKED_FROM;
    sparse: from 0.12) takes `kv` on this GPU. A sparse-MLA model (an indexer) is refused by
    every dense backend ("sparse not supported") and needs a sparse one (_SPARSE_MLA_BACKENDS)
    listing `kv`.

    NOTE: supported_kv_cache_dtypes and supports_compute_capability of
    v1/attention/backends/mla/*.py, the same in the 0.15.0-0.34.0 wheels except where noted:
    FLASH_ATTN_MLA auto/bfloat16, major 9; FLASHMLA auto/bfloat16/fp8/fp8_e4m3, major 9 or 10;
    FLASHINFER_MLA and CUTLASS_MLA as FLASHMLA, major 10; TRITON_MLA auto/bfloat16 (fp8 and
    fp8_e4m3 from 0.18.0), any capability; float16 in every list from 0.18.0 (absent from the
    0.17.0 wheel's lists, present in 0.18.0's and 0.19.0's). No list has fp8_e5m2 or a packed
    format. The 0.11.1, 0.11.2, 0.12.0, 0.13.0, 0.14.0 and 0.14.1 wheels list no bfloat16:
    FLASH_ATTN_MLA and TRITON_MLA auto only, FLASHMLA, FLASHINFER_MLA and CUTLASS_MLA
    auto/fp8/fp8_e4m3 (the same capabilities), and their platforms/cuda.py
    get_attn_backend_cls validates every backend of _get_backend_priorities (MLA: CUTLASS_MLA,
    FLASHINFER_MLA, FLASH_ATTN_MLA, FLASHMLA, TRITON_MLA on 10.x; FLASH_ATTN_MLA, FLASHMLA,
    FLASHINFER_MLA, TRITON_MLA elsewhere; then FLASHMLA_SPARSE, which a dense model refuses)
    through validate_configuration's supports_kv_cache_dtype, raising "No valid attention
    backend found for cuda with ..." where none passes: an fp8 cache off 9.x and 10.x, a
    bfloat16 one on every GPU (0.11.1-0.14.x, MLA_KV_CHECKED_FROM; _mla_kv_fix gives the way
    out there).
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
    """The dense-MLA backends of vLLM 0.`minor` (from 0.11.1: MLA_KV_CHECKED_FROM): {name:
    (the KV dtypes it lists, vLLM's names; whether it supports compute capability `cc`, 90
    for 9.0)}, as read in _mla_backend_error's NOTE; planner.serving.mla_block picks among
    them for the block size."""
    half = ("auto",) + (("bfloat16",) if minor >= 15 else ()) + (
        ("float16",) if minor >= 18 else ())
    fp8 = ("fp8", "fp8_e4m3")
    return {
        "FLASH_ATTN_MLA": (half, cc // 10 == 9),
        "FLASHMLA": (half + fp8, cc // 10 in (9, 10)),
        "FLASHINFER_MLA": (half + fp8, cc // 10 == 10),
        "CUTLASS_MLA": (half + fp8, cc // 10 == 10),
        "TRITON_MLA": (half + (fp8 if minor >= 18 else ()), True),
    }


MLA_KV_CHECKED_FROM: Version = (0, 11, 1)
"""The first release whose attention selector checks a dense-MLA backend's KV dtypes
(_mla_backend_error); 0.10.2 and 0.11.0 take TRITON_MLA unchecked (_v1_triton_mla_refusal)."""

TRITON_MLA_ON_V1_FROM: Version = (0, 10, 2)
"""The first release whose V1 oracle keeps a non-auto KV cache of an MLA model on V1 off
compute capability 10.0 and Hopper (_v1_triton_mla_refusal's NOTE)."""

TRITON_MLA_GUARD_FROM = 26
"""The first vLLM 0.x minor whose TritonMLAImpl refuses a KV dtype the GPU cannot run
(_triton_mla_refusal)."""

TRITON_MLA_FP8_FROM = 18
"""The first vLLM 0.x minor whose TRITON_MLA lists fp8 (_mla_backend_error's NOTE)."""


def _triton_mla_refusal(kv: str, minor: int, cc: int, device: str) -> str | None:
    """Why vLLM 0.`minor`'s TRITON_MLA cannot run `kv` here (its words from 0.26), where it
    serves a dense-MLA model (no other dense backend takes this GPU and `kv`:
    dense_mla_backends).

    NOTE: v1/attention/backends/mla/triton_mla.py TritonMLAImpl.__init__, the same lines in the
    0.26.0, 0.27.1, 0.28.0, 0.31.0 and 0.34.0 wheels, raises on CUDA for an fp8* KV cache below
    SM89 and a bfloat16 one below SM80, in the words below. The 0.18.0-0.25.0 wheels (each
    read) do not check: model_executor/layers/attention/mla_attention.py views an fp8* cache as
    current_platform.fp8_dtype() (float8_e4m3fn, Triton's fp8e4nv) and TRITON_MLA's decode
    kernel (v1/attention/ops/triton_decode_attention.py: `if k.dtype.is_fp8()`) loads it, which
    Triton does not compile below SM89: Triton 3.5.1 compiling such a load for cuda targets
    7.0, 7.5, 8.0 and 8.6 raises _TRITON_FP8E4NV (8.9 compiles). It fails at the first decode
    kernel: in the full CUDA-graph capture at start-up in 0.22-0.25 (TritonMLAMetadataBuilder,
    UNIFORM_BATCH), at the first request's decode in 0.18-0.21 (MLACommonMetadataBuilder
    inherits NEVER: attention stays out of the graphs); read, not run on a GPU. Before 0.18
    TRITON_MLA lists no fp8 (_mla_backend_error refuses it).
    """
    others = [b for name, b in dense_mla_backends(minor, cc).items() if name != "TRITON_MLA"]
    if minor < TRITON_MLA_FP8_FROM or any(ok and kv in kvs for kvs, ok in others):
        return None
    if kv.startswith("fp8") and cc < 89 and minor < TRITON_MLA_GUARD_FROM:
        return _triton_fp8e4nv("TRITON_MLA", minor, TRITON_MLA_GUARD_FROM, device, cc)
    if kv.startswith("fp8") and cc < 89:
        return _triton_fp8_words(device, cc, "Triton MLA")
    if kv == "bfloat16" and cc < 80 and minor >= TRITON_MLA_GUARD_FROM:
        return (f"bfloat16 KV cache is not supported by the Triton MLA backend on {device} "
                f"(compute capability {cc // 10}.{cc % 10}); bfloat16 requires SM80+. Re-run with "
                "--kv-cache-dtype float16.")
    return None


def _v1_triton_mla_refusal(kv: str, version: Version, cc: int, device: str) -> str | None:
    """TritonMLAImpl's refusal of a non-auto KV cache in vLLM 0.10.2 and 0.11.0, where it
    serves a dense-MLA model: off 9.x and off 10.0 (Ampere, Ada, 10.3, 12.x).

    NOTE: platforms/cuda.py get_attn_backend_cls of the 0.10.2 and 0.11.0 wheels, MLA with no
    backend forced: CUTLASS_MLA on is_device_capability(100) (10.0 exactly) with its block of
    128 (check_and_update_config forces it there), FLASHMLA where
    attention/ops/flashmla.py is_flashmla_supported (device major 9, _flashmla_C built),
    FLASH_ATTN_MLA where attention/utils/fa_utils.py flash_attn_supports_mla (FlashAttention 3,
    major 9), else TRITON_MLA, whatever the KV dtype; v1/attention/backends/mla/triton_mla.py
    TritonMLAImpl.__init__ raises NotImplementedError("TritonMLA V1 with FP8 KV cache not yet
    supported") where is_quantized_kv_cache (attention/backends/abstract.py: kv_cache_dtype !=
    "auto", bfloat16 too). The engine is V1 there: CudaPlatform.is_kv_cache_dtype_supported
    (0.10.2; 0.11.0 has no V0) assumes FLASHMLA for MLA off 10.0 ("Only FlashMLA and
    CUTLASS_MLA support fp8") and keeps any cache dtype. 0.9.1-0.10.1 send such a cache to V0
    off 10.0 and Hopper (planner.serving.v1_oracle); from 0.11.1 the selector refuses it first
    (MLA_KV_CHECKED_FROM, _mla_backend_error). Read, not run on a GPU.
    """
    if (not TRITON_MLA_ON_V1_FROM <= version < MLA_KV_CHECKED_FROM or kv == "auto"
            or cc // 10 == 9 or cc == 100):
        return None
    release = version_label(version)
    return (f"vLLM {release} serves MLA attention on TRITON_MLA on {device} (compute capability "
            f"{cc // 10}.{cc % 10}; FlashMLA needs 9.x, CUTLASS MLA 10.0), whose TritonMLAImpl "
            "refuses every --kv-cache-dtype but auto: NotImplementedError(\"TritonMLA V1 with "
            f"FP8 KV cache not yet supported\"). {_mla_kv_fix(kv, cc)}")


def _mla_kv_fix(kv: str, cc: int) -> str:
    """The ways out of a dense-MLA refusal of `kv` (vLLM's name) in 0.10.2-0.14.x
    (_v1_triton_mla_refusal, _mla_backend_error): auto; fp8 on a 9.x GPU (FLASHMLA, every
    release), on 10.x from 0.11.1 (the selector takes CUTLASS_MLA on any 10.x), on SM89 and
    up from 0.18 (TRITON_MLA lists fp8 and Triton reads it: _triton_mla_refusal); bfloat16
    from 0.15 (every dense backend lists it)."""
    ways = ["--kv-cache-dtype auto"]
    if kv in ("fp8", "fp8_e4m3"):
        later = (version_label(MLA_KV_CHECKED_FROM) if cc // 10 == 10
                 else f"0.{TRITON_MLA_FP8_FROM}" if cc >= 89 else None)
        ways += [f"vLLM {later} or later"] if later else []
        ways.append("a GPU of compute capability 9.x (FLASHMLA)")
    elif kv == "bfloat16":
        ways.append("vLLM 0.15 or later")
    if len(ways) == 1:
        return f"Use {ways[0]}."
    return f"Use {', '.join(ways[:-1])}{',' if len(ways) > 2 else ''} or {ways[-1]}."


def _is_dense_mla(spec: ModelSpec) -> bool:
    """Whether vLLM serves `spec` on a dense-MLA backend: MLA layers without an indexer
    (sparse MLA) and no DeepSeek-V4 compressed attention."""
    mixers = [layer.mixer for layer in spec.layers]
    return (spec.compressed_attention is None and any(isinstance(m, MlaMixer) for m in mixers)
            and not any(isinstance(m, MlaMixer) and m.index_n_heads for m in mixers))


MLA_PREFILL_FROM: Version = (0, 10, 2)
"""The first release read for mla_prefill_errors (the V1 engine on compute capability below 8.0:
planner.serving.v1_oracle.OLD_GPU_FALLBACK_UNTIL)."""

_FA2_AMPERE = "RuntimeError: FlashAttention only supports Ampere GPUs or newer."
"""vllm_flash_attn's FlashAttention 2 kernel below compute capability 8.0 (the string in
_vllm_fa2_C.abi3.so of the 0.11.0, 0.14.0, 0.17.0, 0.26.0, 0.27.1 and 0.34.0 wheels; vLLM issue
#8189 quotes it from vllm_flash_attn on a pre-Ampere GPU)."""


def mla_prefill_errors(gpu: GpuSpec, spec: ModelSpec, cli: VllmCli) -> list[str]:
    """Why vLLM `cli.vllm_version` cannot prefill a dense-MLA model on `gpu` below compute
    capability 8.0 (T4, V100), whatever the KV dtype: it prefills MLA with FlashAttention 2.

    NOTE: off the SM100 family MLACommonImpl prefills with vllm_flash_attn's
    flash_attn_varlen_func: v1/attention/backends/mla/common.py (0.11.0, 0.14.0 wheels) and
    model_executor/layers/attention/mla_attention.py (0.17.0-0.20.0) take TRT-LLM ragged,
    FlashInfer or cuDNN prefill only on 10.x (use_trtllm_ragged_deepseek_prefill,
    use_flashinfer_prefill, use_cudnn_prefill), else "Use FlashAttention"; from 0.21.0 the
    prefill priority list off 10.x is FLASH_ATTN alone (v1/attention/backends/mla/prefill/
    selector.py _get_mla_prefill_backend_priorities in the 0.21.0-0.28.0 and 0.31.0 wheels,
    platforms/interface.py get_mla_prefill_backend_cls in 0.34.0), whose
    validate_configuration passes any capability (MLAPrefillBackend.supports_compute_capability:
    True). Below 8.0 fa_utils.get_flash_attn_version logs "FA2 is only supported on devices
    with compute capability >= 8" and returns None, so the call runs FA2 (DEFAULT_FA_VERSION
    2), whose kernel raises _FA2_AMPERE. The decode runs on TRITON_MLA (dense_mla_backends)
    and the profile run skips attention (0.26.0 gpu_model_runner._dummy_run builds attention
    metadata only for full CUDA graphs, decode-only on TRITON_MLA): the engine starts and the
    first prompt's prefill fails. Read, not run on a GPU; 0.12-0.13 and 0.15-0.16 not read.
    The 0.10.2 wheel runs the same code: platforms/cuda.py get_attn_backend_cls gives MLA
    TRITON_MLA off FlashMLA (9.0) and FA3 (9.0); v1/attention/backends/mla/common.py prefills
    with flash_attn_varlen_func off 10.0 (use_flashinfer_prefill, use_cudnn_prefill), and
    attention/utils/fa_utils.py get_flash_attn_version returns None below 8.0 (FA2's
    is_fa_version_supported fails), so FA2's kernel raises (the string is in 0.10.2's
    _vllm_fa2_C.abi3.so); gpu_model_runner._dummy_run builds attention metadata only for full
    CUDA graphs.
    """
    cc = capability(gpu)
    version = parse_version(cli.vllm_version)
    if cc is None or cc >= 80 or version < MLA_PREFILL_FROM or not _is_dense_mla(spec):
        return []
    release = cli.vllm_version if version[1] < 11 else f"0.{version[1]}"
    return [f"vLLM {release} prefills MLA attention ({spec.name}) with FlashAttention 2 on "
            f"{gpu.name} (compute capability {cc // 10}.{cc % 10}), its only MLA prefill backend "
            "off the SM100 family, and does not check the GPU: the engine starts and the first "
            f"prompt fails ({_FA2_AMPERE}). FlashAttention needs compute capability 8.0."]


_TRITON_FP8E4NV = ("ValueError(\"type fp8e4nv not supported in this architecture. The "
                   "supported fp8 dtypes are ('fp8e4b15', 'fp8e5')\")")
"""Triton's refusal to compile a float8_e4m3fn load below SM89 (Triton 3.5.1 for cuda targets
7.0-8.6; vLLM issue #26431's title quotes its first words, an RTX 3090 on 0.11.0)."""


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
    8.0-12.1 (7.5-12.1 before 0.24.0), head sizes in flashinfer_head_sizes. Not modelled:
    the trtllm-gen path also needs its cubins downloadable at start-up
    (utils/flashinfer.py supports_trtllm_attention: has_nvidia_artifactory()).
    """
    family = cc // 10
    if minor < 21:
        return _no_backend(kv, "kv_cache_dtype not supported", cc)
    if cc > 121 or cc < (80 if minor >= 24 else 75):
        return _no_backend(kv, "compute capability not supported", cc)
    if not head_sizes <= flashinfer_head_sizes(minor):
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
    """vLLM 0.10.1-0.21 on Hopper: FLASH_ATTN (FA3, first in the 9.x priority list) accepts a
    KV dtype it cannot read.

    NOTE: v1/attention/backends/flash_attn.py FlashAttentionBackend.supports_kv_cache_dtype
    returns flash_attn_supports_fp8() (FA3 on the 9.x family) for any kv.startswith("fp8")
    (0.11.1-0.19.0 wheels; 0.11.1, 0.12.0, 0.13.0, 0.14.0 and 0.15.0 read) or any
    is_quantized_kv_cache(kv) (0.20.0-0.21.0), and the 0.11.0 wheel's platforms/cuda.py sends
    every fp8* cache on 9.0 to FLASH_ATTN (TRITON_ATTN only off 9.0), but its forward (and the
    metadata builder's ahead-of-time scheduler; 0.11.0, 0.12.0 and 0.14.0 read)
    views the cache through get_fp8_dtype_for_flashattn, which takes fp8 / fp8_e4m3 only and
    raises "Unrecognized FP8 dtype: ..." at the first attention step. From 0.22.0 it claims
    fp8 / fp8_e4m3 only (0.22.0, 0.22.1, 0.23.0, 0.24.0 wheels) and TRITON_ATTN or FlashInfer
    take the others.
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
    read = 11 <= minor <= 21 or (minor == 10 and patch >= 1)
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
        return _triton_fp8_words(device, cc)
    if name == "bfloat16":
        return (f"bfloat16 KV cache is not supported on {device} (compute capability {cap}); "
                "bfloat16 requires SM80+. Re-run with --kv-cache-dtype float16.")
    return None


def _triton_fp8_words(device: str, cc: int, backend: str = "Triton attention") -> str:
    """TritonAttentionImpl's refusal of an fp8* KV cache below SM89, in vLLM's words (0.24.0-
    0.34.0 triton_attn.py; TritonMLAImpl's from 0.26, backend "Triton MLA"): it suggests
    float16 below SM80, else bfloat16 (_sixteen_bit)."""
    return (f"FP8 KV cache is not supported by the {backend} backend on {device} "
            f"(compute capability {cc // 10}.{cc % 10}); native FP8 (fp8e4nv) requires SM89+. "
            f"Re-run with --kv-cache-dtype {_sixteen_bit(cc)}.")


def _sixteen_bit(cc: int) -> str:
    """The 16-bit KV dtype vLLM's Triton checks suggest: float16 below SM80 (no bfloat16)."""
    return "float16" if cc < 80 else "bfloat16"


def gemma4_forced_triton(spec: ModelSpec, minor: int, cc: int) -> bool:
    """Whether vLLM 0.`minor` runs every attention layer of this Gemma 4 on TRITON_ATTN on
    compute capability `cc` (90 for 9.0): Gemma4Config forces it for heads of two sizes.

    NOTE: model_executor/models/config.py Gemma4Config.verify_and_update_config, for a gemma4
    model whose head_dim and global_head_dim differ (gemma-4-26B-A4B: 256 and 512): the 0.22.0
    and 0.23.0 wheels (0.19.0-0.21.0 as read for speed.kernels.WIDE_HEAD_FA4_FROM) force
    TRITON_ATTN where the wider passes 256; the 0.24.0-0.28.0 and 0.34.0 wheels run FlashAttention
    4 where is_fa_version_supported(4) (compute capability 9.x-11.x) and the wider is at most 512,
    else force TRITON_ATTN ("FA4 not available, forcing TRITON_ATTN backend").
    """
    if not gemma4_mixed_heads(spec) or minor < 19:
        return False
    widest = max(_attention_head_sizes(spec))
    if minor < 24:
        return widest > 256
    return not (cc // 10 in (9, 10, 11) and widest <= 512)


TRITON_ATTN_KV_DTYPES: tuple[str, ...] = (
    "auto", "float16", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2", "int4_per_token_head",
    "int8_per_token_head", "fp8_per_token_head")
"""NOTE: v1/attention/backends/triton_attn.py TritonAttentionBackend.supported_kv_cache_dtypes
(0.20.0, 0.22.0, 0.23.0, 0.24.0 wheels: without int4_per_token_head, which the parser offers
from 0.25.0 too; 0.25.0, 0.28.0, 0.30.0, 0.32.0, 0.34.0: all of these). No nvfp4,
nvfp4_4over6, nvfp4_ds_mla or turboquant_* in any of them."""


def forced_backend_error(spec: ModelSpec, kv: str, minor: int, cc: int) -> str | None:
    """vLLM 0.`minor`'s refusal where the model's config forces an attention backend that does
    not list the KV cache dtype `kv` (vLLM's name) on compute capability `cc` (90 for 9.0):
    a Gemma 4 with heads of two sizes on TRITON_ATTN (gemma4_forced_triton: every GPU in
    0.20-0.23, off 9.x-11.x from 0.24), whose list (TRITON_ATTN_KV_DTYPES) holds no nvfp4, so
    an nvfp4 cache vLLM runs on FlashInfer for other models (_nvfp4_error) is refused, images
    or not. The only forcing Headroom's catalog meets (EmbeddingGemma2's, 0.34.0 config.py, is
    not a catalog model).

    NOTE: platforms/cuda.py get_attn_backend_cls checks a selected backend alone (0.20.0,
    0.22.0, 0.24.0, 0.31.0, 0.32.0, 0.34.0 wheels): validate_configuration's reasons, here
    "kv_cache_dtype not supported" (v1/attention/backend.py supports_kv_cache_dtype: `kv in
    supported_kv_cache_dtypes`), raise ValueError "Selected backend {selected_backend} is not
    valid for this configuration. Reason: {invalid_reasons}", the enum member printed as
    AttentionBackendEnum.TRITON_ATTN (registry.py defines no __str__), the list as Python
    prints it; no other backend is tried. TRITON_ATTN's other checks pass a Gemma 4: head
    size >= 32, mm prefix, any compute capability (triton_attn.py, same wheels)."""
    if not gemma4_forced_triton(spec, minor, cc) or kv in TRITON_ATTN_KV_DTYPES:
        return None
    return ("Selected backend AttentionBackendEnum.TRITON_ATTN is not valid for this "
            "configuration. Reason: ['kv_cache_dtype not supported'] (Gemma4Config forces "
            "TRITON_ATTN for heads of two sizes on compute capability "
            f"{cc // 10}.{cc % 10}, and it lists no {kv} KV cache); use --kv-cache-dtype "
            + ("auto or fp8." if cc >= 89 else "auto."))


def sm90_fa4_takes_kv(kv: str, version: Version) -> bool:
    """Whether FLASH_ATTN takes a KV cache of `kv` (vLLM's name) on a layer it runs with
    FlashAttention 4 on Hopper (9.x): a 16-bit one in every release, fp8 / fp8_e4m3 from 0.31
    (vllm_versions.SM90_FA4_FP8_HD512_FROM) at head size 512, never fp8_e5m2 or a packed format.

    NOTE: v1/attention/backends/fa_utils.py flash_attn_supports_kv_cache_dtype returns False
    for fp8_e5m2 outright, else (fa_version == 3 and family 90) or (fa_version == 4 and family
    100) in the 0.27.1-0.30.0 wheels (FlashAttentionBackend.supports_kv_cache_dtype the same
    test for fp8 / fp8_e4m3 in 0.24.0-0.26.0); from the 0.31.0 wheel (0.33.0, 0.34.0 the same)
    family 90 takes fa_version 4 too where head_size is 512 (`sm90_fp8_kv_supported`).
    FlashAttentionBackend.supported_kv_cache_dtypes: auto, float16, bfloat16, fp8, fp8_e4m3
    (0.29.0-0.34.0 wheels).
    """
    return kv in ("auto", "bfloat16", "float16") or (
        kv in ("fp8", "fp8_e4m3") and version >= SM90_FA4_FP8_HD512_FROM)


def gemma4_mixed_heads(spec: ModelSpec) -> bool:
    """A Gemma 4 whose attention layers have heads of two sizes (gemma-4-26B-A4B: 256 and 512),
    the models Gemma4Config routes (gemma4_forced_triton)."""
    return spec.model_type == "gemma4" and len(_attention_head_sizes(spec)) >= 2


def _attention_head_sizes(spec: ModelSpec) -> set[int]:
    """The head sizes of `spec`'s softmax attention layers (gemma-4-26B-A4B: 256 and 512)."""
    return {layer.mixer.head_dim for layer in spec.layers
            if isinstance(layer.mixer, AttentionMixer)}


FLEX_BELOW_SM80: tuple[Version, ...] = ((0, 10, 2), (0, 11, 0))
"""The releases whose selector gives compute capability below 8.0 FLEX_ATTENTION.

NOTE: platforms/cuda.py get_attn_backend_cls of the 0.11.0 wheel, V1 default path: FlashInfer
on 10.0 where installed; from 8.0 TRITON_ATTN where the layer has sinks or the KV cache is
fp8* (but on 9.0), else FLASH_ATTN; below 8.0 "FlexAttention is the default for older GPUs"
(FLEX_ATTENTION_V1). v1/attention/backends/flex_attention.py FlexAttentionImpl.__init__
raises NotImplementedError for a quantized KV cache, alibi slopes, a logits soft cap and KV
sharing, in the words below. The 0.10.2 wheel's selector gives below 8.0 the same (from 8.0 it
sends sinks to TRITON_ATTN, the rest to FLASH_ATTN); its FlexAttentionImpl also raises for a
sliding window (_FLEX_SLIDING), before the soft cap, and its oracle sends a quantized KV cache
there to V0 (v1_oracle). From 0.11.1 (_get_backend_priorities) FLEX_ATTENTION comes last,
after TRITON_ATTN, which takes every layer."""

_FLEX_SLIDING_UNTIL: Version = (0, 10, 2)
"""The last release whose FlexAttentionImpl refuses a sliding window (0.10.2 wheel; 0.11.0's
takes it, with a sliding-window mask_mod)."""

_FLEX_QUANTIZED_KV = "FlexAttention does not support quantized kv-cache. Yet"
_FLEX_SLIDING = "FlexAttention does not support sliding window yet."


def flex_attention_errors(gpu: GpuSpec, spec: ModelSpec, cli: VllmCli) -> list[str]:
    """FlexAttentionImpl's refusal, as the first attention layer it refuses is built, in vLLM
    0.10.2 and 0.11.0 below compute capability 8.0 (T4, V100), where it serves every attention
    layer (FLEX_BELOW_SM80): a sliding window in 0.10.2 (a layer the parser makes "sliding":
    per_layer_sliding_window, or cache_config.sliding_window for a model-wide window, in
    attention/layer.py Attention.__init__; Gemma-2's layer 0, Mistral-7B-v0.1, Phi-3), else
    Gemma-2's logits soft cap (model_executor/models/gemma2.py passes
    config.attn_logit_softcapping, 50.0 in Gemma-2's configs). Not modelled: alibi models and
    KV sharing (Gemma-3n; Gemma 4, whose layers share, is not in 0.11.0); the quantized KV
    refusal is kv_format_errors' (0.11.0) or v1_oracle's V0 fall-back (0.10.2)."""
    cc = capability(gpu)
    version = parse_version(cli.vllm_version)[:3]
    if cc is None or cc >= 80 or version not in FLEX_BELOW_SM80:
        return []
    for mixer in (layer.mixer for layer in spec.layers):
        if not isinstance(mixer, AttentionMixer):
            continue
        if version <= _FLEX_SLIDING_UNTIL and mixer.kind == "sliding" and mixer.sliding_window:
            return [_FLEX_SLIDING]
        if spec.model_type == "gemma2":
            return ["FlexAttention does not support logits soft cap yet."]
    return []


def flex_decodes_piecewise(compute_capability: str, spec: ModelSpec, rules: VllmRules) -> bool:
    """Whether vLLM `rules` decodes `spec` with piecewise CUDA graphs only because its attention
    layers run on FLEX_ATTENTION (below compute capability 8.0: FLEX_BELOW_SM80) on a GPU of
    `compute_capability` on a release
    that otherwise captures full decode graphs: 0.11.0, whose FlexAttentionMetadataBuilder
    keeps the base class's AttentionCGSupport.NEVER (v1/attention/backends/flex_attention.py
    sets no cudagraph_support; utils.py AttentionMetadataBuilder's default), so
    gpu_model_runner.py _check_and_update_cudagraph_mode turns FULL_AND_PIECEWISE into
    PIECEWISE ("attention is compiled piecewise"): no full decode graphs, each layer's
    attention launched from Python every step. 0.10.2 captures piecewise graphs only anyway;
    from 0.11.1 TRITON_ATTN (AttentionCGSupport.ALWAYS) or FlashInfer serves those GPUs.
    Not counted: float32 on 8.0+ under 0.11.0 (FLASH_ATTN refuses the dtype, so
    FlexAttention serves it there too)."""
    cc = capability_int(compute_capability)
    return (rules.full_graphs and cc is not None and cc < 80
            and rules.version[:3] in FLEX_BELOW_SM80
            and any(isinstance(layer.mixer, AttentionMixer) for layer in spec.layers))


FLEX_PIECEWISE_NOTE = (
    "vLLM {v} serves this GPU's attention with FLEX_ATTENTION (compute capability below 8.0), "
    "which supports no CUDA graph (AttentionCGSupport.NEVER; attention_backend."
    "flex_decodes_piecewise), so vLLM turns FULL_AND_PIECEWISE into PIECEWISE: no full decode "
    "graphs, each layer's attention launched from Python every step")
"""What flex_decodes_piecewise means for a plan, on its CUDA graph and overhead terms."""


def _triton_fp8_below_sm89(kv: str, version: Version, cc: int, device: str,
                           attention: list[AttentionMixer], forced: bool) -> str | None:
    """vLLM 0.11-0.34 below compute capability 8.9: an fp8* KV cache on an attention layer
    FlashInfer does not take falls to TRITON_ATTN, whose Triton kernels cannot read it; from
    0.24 its __init__ says so (_triton_fp8_words), before that Triton does (_triton_fp8e4nv).
    0.11.0 has a selector of its own (FLEX_BELOW_SM80).

    NOTE: platforms/cuda.py lists FLASH_ATTN, then FLASHINFER, then TRITON_ATTN off 10.x
    (_get_backend_priorities, 0.11.1-0.34.0: the 0.11.1, 0.12.0, 0.13.0, 0.14.0, 0.15.0, 0.16.0,
    0.17.0 wheels read as the 0.18.0 one below). FLASH_ATTN takes fp8 with FlashAttention 3 only
    (flash_attn_supports_fp8: Hopper; from 0.22 in supports_kv_cache_dtype itself) and needs
    8.0. FLASHINFER lists fp8, fp8_e4m3 and fp8_e5m2 (not fp8_per_token_head), the head sizes of
    flashinfer_head_sizes, capability 7.5-12.1 before 0.24 and 8.0-12.1 from 0.24, and
    attention sinks only on trtllm-gen (supports_sink: the SM100 family before 0.24, with 9.0
    and 12.x from 0.24): so gpt-oss (sinks), phi-2 (head 80), fp8_per_token_head, or any layer
    on a V100, fall to TRITON_ATTN (0.18.0-0.25.0 wheels each read; 0.26.0, 0.27.1, 0.28.0,
    0.31.0, 0.34.0; the 0.11.1-0.17.0 ones above list FlashInfer's 64/128/256, 7.5-12.1 and
    sinks on SM100 alike, and their triton_attn.py views an fp8* cache as fp8_dtype() too).
    Before 0.24 triton_attn.py views every quantized cache as current_platform.fp8_dtype()
    (float8_e4m3fn, fp8e4nv: fp8_e5m2 too) and unified attention loads it; vLLM PR #43914,
    which added the 0.24 check, says the engine then dies at start-up ("Engine core
    initialization failed"). FlashInfer's own fp8 kernels on a T4 (7.5) before 0.24 run where
    its prefill fits the T4's shared memory (flashinfer_sm75_errors: heads 64 and 128 at 8
    bits; vLLM issue #47549 reports fp8 KV on FlashInfer running on 7.5 in 0.23.0).
    `forced`: the model runs on TRITON_ATTN whatever its layers (gemma4_forced_triton: Gemma 4
    with heads of 256 and 512).
    """
    name, minor = VLLM_KV_DTYPE[kv], version[1]
    if version < (0, 11, 0) or cc >= 89 or not name.startswith("fp8"):
        return None
    if version[:3] == (0, 11, 0) and cc < 80:
        return _FLEX_QUANTIZED_KV
    flashinfer = (version[:3] != (0, 11, 0) and not forced and cc >= (75 if minor < 24 else 80)
                  and name in ("fp8", "fp8_e4m3", "fp8_e5m2")
                  and all(flashinfer_takes(m, minor) for m in attention))
    if flashinfer:
        return None
    if minor >= 24:
        return _triton_fp8_words(device, cc)
    return _triton_fp8e4nv("TRITON_ATTN", minor, 24, device, cc)


TURING_SMEM_BYTES = 65_536
"""Shared memory of a compute capability 7.5 SM, and the most one block may opt into (CUDA C++
Programming Guide, technical specifications per compute capability: 64 KB each on 7.5)."""

FLASHINFER_SM75_FROM, FLASHINFER_SM75_LAST = 18, 23
"""The vLLM 0.x minors read whose FlashInfer backend takes compute capability 7.5
(FlashInferBackend.supports_compute_capability: 7.5-12.1 in the 0.18.0-0.23.0 wheels; from
0.24.0 8.0-12.1, "currently broken on SM75 (Turing)", flashinfer issue #3620)."""

_FLASHINFER_PIN = {18: "0.6.6", 19: "0.6.6", 20: "0.6.8.post1", 21: "0.6.8.post1",
                   22: "0.6.11.post2", 23: "0.6.12"}
"""flashinfer-python each vLLM 0.x wheel requires (its METADATA Requires-Dist; 0.22.1 as 0.22.0).
0.6.11.post2 and 0.6.12 add two 16-byte NVFP4 scale placeholders to the prefill's shared
storage (_fa2_prefill_smem_bytes); 0.6.6 and 0.6.8.post1 do not."""


def _fa2_prefill_smem_bytes(head: int, kv_bytes: int, long_prompt: bool, placeholders: bool
                            ) -> int | None:
    """sizeof(SharedStorageQKVO) FlashInfer's paged prefill launches on compute capability 7.5
    for 16-bit queries and output at `head` and a KV element of `kv_bytes`; None where no KV
    tile fits ("Unsupported max_mma_kv: 0").

    NOTE: flashinfer/data/include/flashinfer of the flashinfer-python 0.6.6, 0.6.8.post1,
    0.6.11.post2 and 0.6.12 wheels: utils.cuh FA2DetermineCtaTileQ gives a query tile of 128
    rows where the packed query length (tokens x query heads per KV head) passes 64 and the head
    is under 256, else 64 below 8.0 (one KV warp: get_num_warps_kv); prefill.cuh
    BatchPrefillWithPagedKVCacheDispatched runs 2 blocks an SM where twice (query tile + one
    16-row KV step) fits the SM's shared memory, and takes the KV steps (NUM_MMA_KV) that fit
    the rest of a block's share, at most 8 / NUM_MMA_Q (vLLM passes no RoPE), rounded down to
    8/4/2/1 (DISPATCH_NUM_MMA_KV); SharedStorageQKVO is a union of the query + K + V tiles and
    the output tile (the query tile's size), plus the NVFP4 scale placeholders (two
    alignas(16) uint8_t[1]) from 0.6.11. cudaFuncSetAttribute refuses a size over
    TURING_SMEM_BYTES.
    """
    cta_q = 128 if long_prompt and head < 256 else 64
    q_bytes = cta_q * head * 2
    step_bytes = 2 * head * 16 * kv_bytes  # one 16-row step of K and V
    blocks = 2 if 2 * (q_bytes + step_bytes) <= TURING_SMEM_BYTES else 1
    steps = min((TURING_SMEM_BYTES // blocks - q_bytes) // step_bytes, 8 // (cta_q // 64))
    if steps < 1:
        return None
    steps = max(n for n in (1, 2, 4, 8) if n <= steps)
    return q_bytes + steps * step_bytes + (32 if placeholders else 0)


def flashinfer_sm75_errors(gpu: GpuSpec, spec: ModelSpec, kv_cache_dtype: str, cli: VllmCli,
                           dtype: str) -> list[str]:
    """Why vLLM 0.22-0.23 cannot prefill on FlashInfer on compute capability 7.5 (T4) for this
    model at this KV dtype and served `dtype`: the kernel's shared storage passes 64 KiB.

    NOTE: below 8.0 FLASH_ATTN is out (8.0) and FLASHINFER, next in the priority list, takes a
    layer of head size 64/128/256/512 (flashinfer_head_sizes) without sinks, dtype float16 or
    bfloat16 (FlashInferBackend.supported_dtypes; a float32 model runs on TRITON_ATTN) and KV
    auto/float16/bfloat16/fp8/fp8_e4m3/fp8_e5m2 (0.22.0, 0.22.1, 0.23.0 wheels); its queries
    stay in the model's dtype there (no TRT-LLM attention). Per _fa2_prefill_smem_bytes a
    16-bit cache at head 128 with a prompt's query tile of 128 rows needs 65,568 B, head 256
    65,568 B at 16 or 8 bits, head 512 no tile at all, on the FlashInfer 0.22-0.23 pin
    (_FLASHINFER_PIN); FlashInfer returns cudaErrorInvalidValue and vLLM raises its
    "BatchPrefillWithPagedKVCache failed with error invalid argument" (csrc/batch_prefill.cu)
    at the first such prefill. flashinfer issue #3620 reports it on a T4 (head 128, float16,
    0.6.12, through vLLM's FlashInfer backend), which vLLM 0.24.0's flashinfer.py cites when it
    raises FlashInfer's floor to 8.0 (flashinfer PR #3621's thread: Qwen3.6-27B, head 256, on
    RTX 2080 Tis with vLLM 0.23 ran in 16 bits with that PR's fix applied). Gemma 4 with heads
    of two sizes, the wider over 256 (gemma-4-26B-A4B: 256 and 512), runs every layer on
    TRITON_ATTN instead (model_executor/models/config.py Gemma4Config.verify_and_update_config,
    "Forcing TRITON_ATTN": gemma4_forced_triton). Computed from the source, not run on a GPU.
    """
    cc = capability(gpu)
    minor = parse_version(cli.vllm_version)[1]
    name = VLLM_KV_DTYPE[kv_cache_dtype]
    if (cc != 75 or not FLASHINFER_SM75_FROM <= minor <= FLASHINFER_SM75_LAST
            or dtype not in ("float16", "bfloat16")
            or name not in ("auto", "float16", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2")
            or gemma4_forced_triton(spec, minor, cc)):
        return []
    kv_bytes = 1 if name.startswith("fp8") else 2
    pin = _FLASHINFER_PIN[minor]
    heads = sorted({m.head_dim for m in (layer.mixer for layer in spec.layers)
                    if isinstance(m, AttentionMixer) and flashinfer_takes(m, minor)})
    errors = []
    for head in heads:
        need = [_fa2_prefill_smem_bytes(head, kv_bytes, long, minor >= 22)
                for long in (False, True)]
        if all(n is not None and n <= TURING_SMEM_BYTES for n in need):
            continue
        over = None if None in need else max(need)
        why = ("finds no KV tile in its 65,536 B (Unsupported max_mma_kv: 0)" if over is None
               else f"asks {over:,} B of shared memory a block, over the {TURING_SMEM_BYTES:,} B "
               "compute capability 7.5 allows (BatchPrefillWithPagedKVCache failed with error "
               "invalid argument; flashinfer issue #3620)")
        when = ("the first prompt of more than 64 query rows per KV head (tokens x query heads "
                "per KV head: a 128-row tile)" if need[0] is not None
                and need[0] <= TURING_SMEM_BYTES else "the first prefill")
        errors.append(f"vLLM 0.{minor} serves {spec.name}'s head-size-{head} attention on "
                      f"FlashInfer {pin} on {gpu.name} (compute capability 7.5), whose paged "
                      f"prefill kernel {why}: it fails at {when}. vLLM 0.24 leaves FlashInfer "
                      "off compute capability 7.5 for this.")
    return errors


def _triton_fp8e4nv(backend: str, minor: int, guard_from: int, device: str, cc: int) -> str:
    """Why vLLM 0.`minor`, which does not check the GPU before 0.`guard_from`, cannot run an
    fp8* KV cache on `backend` below SM89, in Headroom's words with Triton's (_TRITON_FP8E4NV)."""
    return (f"vLLM 0.{minor} runs this fp8 KV cache on {backend} on {device} (compute "
            f"capability {cc // 10}.{cc % 10}), whose Triton kernels read it as float8_e4m3fn; "
            f"Triton cannot compile that below SM89 ({_TRITON_FP8E4NV}) and vLLM does not "
            f"check it before 0.{guard_from}. Use --kv-cache-dtype {_sixteen_bit(cc)}.")


def kv_format_errors(gpu: GpuSpec, spec: ModelSpec, kv_cache_dtype: str, cli: VllmCli
                     ) -> list[str]:
    """Why vLLM `cli.vllm_version` cannot run this --kv-cache-dtype on `gpu` for `spec`.

    Plain dtypes (auto, bf16/fp16, the fp8 variants) have a backend on every NVIDIA GPU vLLM
    runs (TRITON_ATTN lists them and supports_compute_capability is True in every wheel),
    except fp8_e5m2 on Hopper in 0.10.1-0.21 (_flash_attn_fp8_only) and, from 0.11, fp8 where
    TRITON_ATTN alone takes it below SM89 or 0.11.0's FlexAttention below 8.0
    (_triton_below_sm80, _triton_fp8_below_sm89). The
    per-token-head formats run on TRITON_ATTN, any capability, head size >= 32 (0.20.0-0.34.0
    triton_attn.py; on Hopper from 0.22), fp8_per_token_head from SM89 from 0.24. Dense MLA
    models pick among the MLA backends (_mla_backend_error, from 0.15; _triton_mla_refusal);
    packed formats on other MLA layers (sparse, older releases) are refused in Headroom's words
    (not sized); DeepSeek-V4's fp8_ds_mla cache takes fp8 only (vLLM's). A backend the
    model's config forces must list the dtype itself (forced_backend_error: no other is tried).
    """
    cc = capability(gpu)
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
    fp8 = None if mla or cc is None else _triton_fp8_below_sm89(
        kv_cache_dtype, (0, minor, patch), cc, gpu.name,
        [m for m in mixers if isinstance(m, AttentionMixer)],
        gemma4_forced_triton(spec, minor, cc))
    if fp8:
        return [fp8]
    version = (0, minor, patch)
    dense_mla = cc is not None and version >= TRITON_MLA_ON_V1_FROM and _is_dense_mla(spec)
    early = _v1_triton_mla_refusal(VLLM_KV_DTYPE[kv_cache_dtype], version, cc, gpu.name) \
        if dense_mla else None
    if early:
        return [early]
    dense_mla = dense_mla and version >= MLA_KV_CHECKED_FROM
    sparse_mla = (spec.compressed_attention is None and cc is not None and minor >= 12
                  and kv_cache_dtype not in KV_FORMATS and is_sparse_mla(spec))
    mla_error = _mla_backend_error(VLLM_KV_DTYPE[kv_cache_dtype], minor, cc, sparse_mla) \
        if dense_mla or sparse_mla else None
    if mla_error and dense_mla and minor < 15:
        return [f"{mla_error} {_mla_kv_fix(VLLM_KV_DTYPE[kv_cache_dtype], cc)}"]
    if mla_error:
        return [mla_error]
    triton_mla = _triton_mla_refusal(VLLM_KV_DTYPE[kv_cache_dtype], minor, cc, gpu.name) \
        if dense_mla else None
    if triton_mla:
        return [triton_mla]
    if kv_cache_dtype not in KV_FORMATS:
        return []
    if spec.compressed_attention is not None:  # 0.33.0-0.34.0 models/deepseek_v4/attention.py
        return [f"DeepseekV4 fp8_ds_mla layout only supports fp8 kv-cache, got "
                f"{kv_cache_dtype}. Please set `--kv-cache-dtype fp8` or select a backend "
                "that supports bfloat16 KV cache."]
    if gpu.vendor == "amd" and kv_cache_dtype.startswith("nvfp4"):
        return [_rocm_nvfp4_error(VLLM_KV_DTYPE[kv_cache_dtype])]
    if kv_cache_dtype == "nvfp4_ds_mla":
        return _nvfp4_ds_mla_errors(spec, cc)
    if mla:
        return [f"Headroom does not size --kv-cache-dtype {kv_cache_dtype} for MLA layers "
                f"(vLLM packs the latent differently); use auto or fp8 for {spec.name}."]
    attention = [m for m in mixers if isinstance(m, AttentionMixer)]
    if kv_cache_dtype.startswith("turboquant_"):
        return _turboquant_errors(kv_cache_dtype, spec, mixers, attention)
    forced = None if cc is None else forced_backend_error(spec, VLLM_KV_DTYPE[kv_cache_dtype],
                                                          minor, cc)
    if forced:
        return [forced]
    if cc is None or not kv_cache_dtype.startswith("nvfp4"):
        return []
    heads = {m.head_dim for m in attention} | {m.v_head_dim for m in attention}
    error = _nvfp4_error(kv_cache_dtype, minor, cc, heads, any(m.sinks for m in attention))
    return [error] if error else []


def _rocm_nvfp4_error(kv: str) -> str:
    """vLLM's ROCm selector refusal of an NVFP4 KV cache, on any AMD GPU and release.

    NOTE: 0.34.0 platforms/rocm.py _get_backend_priorities offers ROCM_ATTN, ROCM_AITER_FA,
    ROCM_AITER_UNIFIED_ATTN, TRITON_ATTN, TURBOQUANT, ROCM_OCTAVE and ULTRAQUANT (TRITON_MLA,
    ROCM_AITER_MLA and ROCM_AITER_MLA_SPARSE for MLA layers), none of whose
    supported_kv_cache_dtypes holds an nvfp4 dtype, so get_attn_backend_cls raises "No valid
    attention backend found for rocm with ...". In every release the one backend taking nvfp4
    is FlashInfer and the one taking nvfp4_ds_mla FLASHMLA_SPARSE (_nvfp4_error,
    _nvfp4_ds_mla_errors), both CUDA's.
    """
    return (f"No valid attention backend found for rocm with kv_cache_dtype={kv}: no ROCm "
            "attention backend stores an NVFP4 KV cache (FlashInfer and FLASHMLA_SPARSE, the "
            "backends that do, run on CUDA only); use auto or fp8.")


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


def unrunnable_kv_errors(gpu: GpuSpec, spec: ModelSpec, kv_cache_dtype: str, cli: VllmCli
                         ) -> list[str]:
    """Why vLLM cannot run this --kv-cache-dtype here for `spec`: kv_format_errors', or on an
    NVIDIA GPU of unknown compute capability, which those pass, the refusal where every
    capability it may have refuses it (every_capability_refusal: plan.refusals refuses it in
    these words). One that some capability runs is not among them: naming the GPU's model
    plans it."""
    errors = kv_format_errors(gpu, spec, kv_cache_dtype, cli)
    every = None if errors else every_capability_refusal(
        gpu, parse_version(cli.vllm_version), kv_cache_dtype_flag(kv_cache_dtype),
        lambda g: set(kv_format_errors(g, spec, kv_cache_dtype, cli)))
    return [every] if every else errors


def runnable_kv_cache_dtypes(gpu: GpuSpec, spec: ModelSpec, cli: VllmCli) -> tuple[str, ...]:
    """The KV dtypes of this release (vllm_cli.kv_cache_dtypes) vLLM can run here for `spec`
    (no unrunnable_kv_errors): what the app offers; the CLI refuses the others in those words.
    Where none runs (a sparse-MLA model on a GPU no sparse backend supports), all of them:
    each plan then carries the refusal."""
    offered = kv_cache_dtypes(cli.vllm_version)
    return tuple(kv for kv in offered if not unrunnable_kv_errors(gpu, spec, kv, cli)) or offered


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
    attention block is aligned to 32 (plan.derive._state_rules), so only a model of plain
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
