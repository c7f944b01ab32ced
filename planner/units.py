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
KvCacheDtype = Literal["auto", "bf16", "fp16", "fp32", "fp8"]

TORCH_DTYPE_BYTES: dict[str, int] = {"bfloat16": 2, "float16": 2, "float32": 4}
"""Bytes per element of the model's compute dtype (config.json `torch_dtype`/`dtype`)."""

KV_DTYPE_BYTES: dict[str, int] = {"bf16": 2, "fp16": 2, "fp32": 4, "fp8": 1}
"""Bytes per KV element. NOTE: vLLM maps every fp8 variant (fp8, fp8_e4m3, fp8_e5m2)
to torch.uint8, one byte (vllm/utils/torch_utils.py kv_cache_dtype_str_to_dtype)."""


def kv_dtype_bytes(kv_cache_dtype: str, torch_dtype: str) -> int:
    """Bytes per KV element; `auto` follows the model dtype, as vLLM does."""
    if kv_cache_dtype == "auto":
        return TORCH_DTYPE_BYTES[torch_dtype]
    return KV_DTYPE_BYTES[kv_cache_dtype]

