"""vLLM's own error texts that several tests expect, quoted once from the wheels."""


def triton_fp8_refusal(device: str, cap: str, sixteen_bit: str) -> str:
    """TritonAttentionImpl.__init__'s refusal of an fp8 KV cache below SM89
    (v1/attention/backends/triton_attn.py, 0.24.0-0.34.0 wheels); `sixteen_bit` is the cache
    dtype it suggests: bfloat16 from compute capability 8.0, float16 below it."""
    return (f"FP8 KV cache is not supported by the Triton attention backend on {device} "
            f"(compute capability {cap}); native FP8 (fp8e4nv) requires SM89+. Re-run with "
            f"--kv-cache-dtype {sixteen_bit}.")
