"""Byte units and dtype widths shared by every planner module.

GiB (2**30) and GB (10**9) are both used in this field: GPU totals from CUDA are
GiB, vendor bandwidth and disk sizes are often GB. Names always carry the unit.
"""

from typing import Literal

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
TIB = 1 << 40
GB = 10**9

TorchDtype = Literal["bfloat16", "float16", "float32"]
MambaDtype = Literal["auto", "float32", "float16", "bfloat16"]
"""vLLM's --mamba-cache-dtype / --mamba-ssm-cache-dtype values (config/cache.py MambaDType,
the newest releases'; per release: vllm_versions.mamba_dtype_choices)."""
MambaCacheMode = Literal["auto", "all", "align", "none"]
"""vLLM's --mamba-cache-mode values (config/cache.py MambaCacheMode, 0.15.0-0.31.0; per
release: vllm_versions.mamba_mode_choices) and auto, the flag left out."""
KvCacheDtype = Literal["auto", "bf16", "fp16", "fp32", "fp8", "fp8_e4m3", "fp8_e5m2", "nvfp4",
                       "nvfp4_4over6", "int8_per_token_head", "fp8_per_token_head",
                       "int4_per_token_head", "turboquant_k8v4", "turboquant_4bit_nc",
                       "turboquant_k3v4_nc", "turboquant_3bit_nc", "nvfp4_ds_mla"]

TORCH_DTYPE_BYTES: dict[str, int] = {"bfloat16": 2, "float16": 2, "float32": 4}
"""Bytes per element of the model's compute dtype (config.json `torch_dtype`/`dtype`)."""

KV_DTYPE_BYTES: dict[str, int] = {
    "bf16": 2, "fp16": 2, "fp32": 4, "fp8": 1, "fp8_e4m3": 1, "fp8_e5m2": 1,
}
"""Bytes per KV element. NOTE: vLLM maps every fp8 variant (fp8, fp8_e4m3, fp8_e5m2)
to torch.uint8, one byte (vllm/utils/torch_utils.py STR_DTYPE_TO_TORCH_DTYPE, 0.19-0.34), with
one fp32 k/v scale per layer (not per token). The packed formats (nvfp4, nvfp4_4over6 and the
per-token-head ones, turboquant_*) are sized per head vector with their scales in
planner.model.attention.kvformat.KV_FORMATS; the others are refused with their reason
(planner.serving.kv_unsized.UNSIZED_KV_REASONS)."""

VLLM_KV_DTYPE: dict[str, str] = {
    "auto": "auto", "bf16": "bfloat16", "fp16": "float16", "fp32": "float32", "fp8": "fp8",
    "fp8_e4m3": "fp8_e4m3", "fp8_e5m2": "fp8_e5m2", "nvfp4": "nvfp4",
    "nvfp4_4over6": "nvfp4_4over6", "nvfp4_ds_mla": "nvfp4_ds_mla",
    "int8_per_token_head": "int8_per_token_head",
    "fp8_per_token_head": "fp8_per_token_head", "int4_per_token_head": "int4_per_token_head",
    **{tq: tq for tq in ("turboquant_k8v4", "turboquant_4bit_nc", "turboquant_k3v4_nc",
                         "turboquant_3bit_nc")},
}


def kv_cache_dtype_flag(kv_cache_dtype: str) -> str:
    """The --kv-cache-dtype flag with the value as vLLM spells it (VLLM_KV_DTYPE: bf16 ->
    '--kv-cache-dtype bfloat16'), as the launch command passes it and refusals name it."""
    return f"--kv-cache-dtype {VLLM_KV_DTYPE[kv_cache_dtype]}"
"""Headroom's KV dtype -> `vllm serve --kv-cache-dtype` spelling (vllm/config/cache.py
CacheDType: bfloat16/float16, no float32 in 0.19-0.34)."""


def kv_dtype_bytes(kv_cache_dtype: str, torch_dtype: str) -> int:
    """Bytes per KV element; `auto` follows the model dtype, as vLLM does."""
    if kv_cache_dtype == "auto":
        return TORCH_DTYPE_BYTES[torch_dtype]
    return KV_DTYPE_BYTES[kv_cache_dtype]


_BINARY_UNITS = ((GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB"))
"""The units gib_text writes a figure in, largest first, each with its name (then whole B)."""


def gib_text(n_bytes: float, digits: int = 2) -> str:
    """`n_bytes` as GiB with `digits` decimals and thousands separators ('22.13 GiB'); a
    non-zero figure under one unit of the last digit there (0.01 GiB at two: 10.24 MiB) in
    MiB, else KiB, at the same digits, else whole bytes ('3.50 MiB', '1.95 KiB', '5 B'), so a
    tiny figure never reads "0.00 GiB" (a term's 4 KiB once did); zero stays '0.00 GiB'."""
    for unit, name in _BINARY_UNITS:
        if n_bytes == 0 or abs(n_bytes) * 10**digits >= unit:
            return f"{n_bytes / unit:,.{digits}f} {name}"
    return f"{n_bytes:,g} B"


def number_as_given(value: float) -> str:
    """A number a user typed, shown as the figure planned: the shortest text that reads back as
    the same float (repr), less a trailing '.0' ('23.57', '24', '1023.999'); ':g' kept six
    digits, so --gpu-memory-gib 1023.999 read "Custom 1024 GiB GPU", a size refused as 1 TiB.
    It writes every float flag of the launch command: vLLM's parser reads them with Python's
    float() (argparse type=float), which reads this text back as `value` exactly (':g' passed
    --gpu-memory-utilization 0.9234567 as 0.923457). A negative zero is "0", the number meant,
    not "-0" (a word starting with "-", which reads as a flag)."""
    return repr(float(value) or 0.0).removesuffix(".0")


def gib_text_as_given(n_bytes: int) -> str:
    """gib_text with as many decimals past two as the figure needs to read back as `n_bytes`,
    to the byte: a total typed in GiB shows what was typed ('1,023.999 GiB', not '1,024.00
    GiB', a size refused as 1 TiB; '0.001 GiB', not '1.02 MiB'), a round one two decimals
    ('20.00 GiB')."""
    scale = {name: unit for unit, name in _BINARY_UNITS} | {"B": 1}
    for digits in range(2, 13):
        text = gib_text(n_bytes, digits)
        number, unit = text.rsplit(" ", 1)
        if round(float(number.replace(",", "")) * scale[unit]) == n_bytes:
            return text
    return text
