"""What every plan module reads: ENGINE (the seam), the per-spec cache and GiB text."""

from typing import Any

from planner.memo import IdentityMemo
from planner.model.params import ParamBreakdown, count_params
from planner.model.spec import ModelSpec
from planner.serving.engines import VLLM, Engine
from planner.serving.vllm_versions import KV_CHECK_GIB_AS_ROUNDED_FROM, parse_version
from planner.units import GIB, gib_text

ENGINE: Engine = VLLM
"""The engine whose memory rules plan() applies (planner.serving.engines: the seam)."""


gib = gib_text
"""A byte figure in a plan's text: GiB, or a smaller unit where it would read 0.00 GiB."""


def vllm_gib(n_bytes: float) -> str:
    """`n_bytes` in GiB as vLLM writes a figure of its start-up refusals: utils/mem_utils.py
    format_gib's f"{round(b / GiB_bytes, 2)}" (0.14.0-0.34.0), as 0.9.1-0.13.0 gpu_worker.py's
    `GiB = lambda b: round(b / GiB_bytes, 2)` wrote it: the rounded float's shortest text, no
    thousands separator ("4.5", "110.0", "1024.0", "0.0"), GiB_bytes = 1 << 30."""
    return f"{round(n_bytes / GIB, 2)}"


def vllm_kv_check_gib(n_bytes: int, version: str) -> str:
    """A figure of vLLM's KV cache check refusal, which a plan quotes, as vLLM `version` writes
    it (KV_CHECK_GIB_AS_ROUNDED_FROM): "4.5 GiB" from 0.14.0 (vllm_gib), "4.50 GiB" before;
    gib would write "4.50 GiB" at every release, "1,024.00 GiB" and "3.50 MiB" where vLLM
    writes "1024.0 GiB" and "0.0 GiB"."""
    if parse_version(version) >= KV_CHECK_GIB_AS_ROUNDED_FROM:
        return f"{vllm_gib(n_bytes)} GiB"
    return f"{n_bytes / GIB:.2f} GiB"


_CACHE: IdentityMemo[Any] = IdentityMemo(16384)
"""Per-spec results: a 32-GPU sweep holds ~1,200 entries (weights, warnings per layout), one
over 4,096 GPUs ~6,000 (Llama 3.1 405B), which at 4,096 cleared it and worked the rank
weights out again."""


def spec_params(spec: ModelSpec) -> ParamBreakdown:
    """The parameter breakdown, counted once per spec."""
    return cached(spec, ("param_breakdown",), lambda: count_params(spec))


def cached(spec: ModelSpec, key: tuple, compute, *args):
    """Per-spec results cached by identity: hashing a large frozen spec costs more than a plan.
    On a miss, compute(*args) (per-plan lookups pass a function and its arguments rather than
    a fresh closure, which costs more per hit: IdentityMemo.get)."""
    return _CACHE.get(spec, key, compute, *args)


def param_breakdown(spec: ModelSpec) -> ParamBreakdown:
    """The model's parameter breakdown, counted once per spec (shared with plan())."""
    return spec_params(spec)
