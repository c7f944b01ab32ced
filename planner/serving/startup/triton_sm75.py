"""TRITON_ATTN's unified attention kernel on compute capability 7.5 (T4, RTX 20xx, Quadro RTX):
where its prefill tile needs more shared memory than a block may have (triton_sm75_errors)."""

from planner.model.spec import AttentionMixer, ModelSpec
from planner.serving.hardware import GpuSpec
from planner.serving.startup.attention_backend import (
    TURING_SMEM_BYTES,
    flashinfer_takes,
    gemma4_forced_triton,
)
from planner.serving.startup.device import capability
from planner.serving.vllm_cli import VllmCli
from planner.serving.vllm_versions import parse_version

TRITON_SMEM_FROM = 18
"""The first vLLM 0.x minor read for triton_sm75_errors (the kernel's file moved to
v1/attention/ops/ in 0.18; 0.11.1-0.17 not read)."""

PREFILL_TILE = 32
"""TILE_SIZE (keys a step) of the unified attention kernel's prefill launch: _get_tile_size
returns 32 for is_prefill, any head size and dtype (v1/attention/ops/triton_unified_attention.py
of the 0.19.0-0.22.0, 0.24.0, 0.26.0 and 0.34.0 wheels; 0.18.0 too)."""

_ELEMENT_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4}


def block_m(num_heads: int, num_kv_heads: int) -> int:
    """BLOCK_M, the query rows of one program: 16 up to 16 query heads a KV head, else the
    next power of two (unified_attention in the wheels PREFILL_TILE names). From the model's
    heads; tensor parallelism keeps the ratio while it splits the KV heads."""
    per_kv = num_heads // num_kv_heads
    return 16 if per_kv <= 16 else 1 << (per_kv - 1).bit_length()


def prefill_smem_bytes(head: int, element_bytes: int, rows: int) -> int:
    """Shared memory the unified attention kernel's prefill launch needs on compute capability
    7.5: its Q tile (`rows` x the head padded to a power of two) and its K and V tiles
    (PREFILL_TILE x the padded head), in the query's dtype; in 16 bits the Q term counts
    twice (its MMA operand), in float32 (FMA dots) once.

    NOTE: compiled, not run: kernel_unified_attention of the 0.22.0, 0.26.0 and 0.34.0 wheels
    compiled by Triton 3.9.0 for GPUTarget("cuda", 75, 32) at the launch's defaults
    (num_warps 4, num_stages 3; vLLM passes neither on CUDA but B200 head 256), whose
    metadata.shared is 98,304 B at head 512 in float16 (BLOCK_M 16, TILE 32: vLLM issue #57712's
    'Required: 98304' on 0.26.0), 65,536 at TILE 16, 49,152 at head 256, 24,576 at head 128;
    in float32 81,920 at head 256 (vLLM issue #36802's 'Required: 81920' on a T4), 98,304 at
    BLOCK_M 32, 40,960 at head 128. This formula gives each.
    """
    padded = 1 << (head - 1).bit_length()
    q_rows = rows if element_bytes == 4 else 2 * rows
    return (q_rows + 2 * PREFILL_TILE) * padded * element_bytes


def _on_triton(m: AttentionMixer, minor: int, served: str, forced: bool) -> bool:
    """Whether vLLM 0.`minor` serves this layer on TRITON_ATTN on compute capability 7.5: every
    layer from 0.24 (FlashInfer needs 8.0 there), before it the layers FlashInfer does not take
    (a float32 model, a head size it lacks, sinks: attention_backend._triton_fp8_below_sm89's
    NOTE) or a Gemma 4 Gemma4Config forces there."""
    return (minor >= 24 or forced or served == "float32"
            or not flashinfer_takes(m, minor))


def triton_sm75_errors(gpu: GpuSpec, spec: ModelSpec, cli: VllmCli, served: str) -> list[str]:
    """Why vLLM 0.18-0.34 cannot prefill this model on TRITON_ATTN on compute capability 7.5:
    the unified attention kernel's prefill tile passes the 65,536 B of shared memory a block
    may have (Gemma 4's head 512 in 16 bits; Gemma-2/3's head 256 in float32, which vLLM
    serves them in below 8.0). Triton refuses it when it compiles the kernel for the first
    prompt ('fails on the first request (TRITON_ATTN)', vLLM PR #39018, open, which would drop
    the tile to 16 for head 512 there)."""
    cc = capability(gpu)
    minor = parse_version(cli.vllm_version)[1]
    element_bytes = _ELEMENT_BYTES.get(served)
    if cc != 75 or minor < TRITON_SMEM_FROM or element_bytes is None:
        return []
    forced = gemma4_forced_triton(spec, minor, cc)
    needs = {}
    for m in (layer.mixer for layer in spec.layers):
        if isinstance(m, AttentionMixer) and _on_triton(m, minor, served, forced):
            need = prefill_smem_bytes(m.head_dim, element_bytes,
                                      block_m(m.num_heads, m.num_kv_heads))
            if need > TURING_SMEM_BYTES:
                needs[m.head_dim] = max(need, needs.get(m.head_dim, 0))
    return [f"vLLM 0.{minor} serves {spec.name}'s head-size-{head} attention on TRITON_ATTN on "
            f"{gpu.name} (compute capability 7.5) in {served}, whose unified attention kernel's "
            f"prefill tile ({PREFILL_TILE} keys) needs {need:,} B of shared memory a block, over "
            f"the {TURING_SMEM_BYTES:,} B compute capability 7.5 allows: Triton stops at the "
            "first prompt (triton.runtime.errors.OutOfResources: out of resource: shared memory, "
            f"Required: {need}, Hardware limit: {TURING_SMEM_BYTES}. Reducing block sizes or "
            "`num_stages` may help.)."
            for head, need in sorted(needs.items())]
