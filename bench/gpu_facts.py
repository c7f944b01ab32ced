"""Measure, on a machine with an NVIDIA GPU and PyTorch, the physical rates the speed and memory
models rest on, and print them as JSON: how fast a decode GEMM streams 16-bit and FP8 weights
(speed.coefficients bandwidth_efficiency), a large BF16 GEMM's TFLOP/s (GpuSpec
measured_gemm_tflops), a device-to-device copy, and the memory the CUDA context takes outside
torch before and after a forward's kernels are loaded (engine.CONTEXT_BYTES).

    python bench/gpu_facts.py [--quick]

torch matmul is cuBLAS, not vLLM's kernels: the figures bound what vLLM can reach, they do
not stand for it. Where there is no torch or no CUDA GPU it says so in one line (exit 2).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

GIB = 1 << 30
DECODE_SHAPES = {"gate_up 8192x57344 (Llama-3.1-70B)": (8192, 57344),
                 "o_proj 8192x8192 (Llama-3.1-70B)": (8192, 8192),
                 "gate_up 4096x28672 (Llama-3.1-8B)": (4096, 28672)}
"""Weight matrices of real models, (in, out): the GEMMs a decode step streams."""
BATCHES = (1, 8, 32, 128, 512)


def _median_ms(torch, fn, repeats: int) -> float:
    """Median time of `fn` in ms over `repeats` runs timed with CUDA events, after 3 warm-ups."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def _non_torch_bytes(torch) -> int:
    """Device memory in use that torch's allocator does not hold (vLLM's non-torch memory:
    mem_get_info's total - free - torch's reserved)."""
    free, total = torch.cuda.mem_get_info()
    return total - free - torch.cuda.memory_reserved()


def _decode_row(torch, w16, w8, batch: int, repeats: int) -> dict:
    """x[batch, in] @ W.t() in BF16 and (via torch._scaled_mm) FP8 e4m3: weight bytes / time."""
    x16 = torch.randn(batch, w16.shape[1], device="cuda", dtype=torch.bfloat16)
    ms16 = _median_ms(torch, lambda: x16 @ w16.t(), repeats)
    row = {"batch": batch, "bf16_ms": round(ms16, 4),
           "bf16_weight_gbps": round(w16.numel() * 2 / ms16 / 1e6, 1)}
    if batch < 16:  # _scaled_mm wants every dimension a multiple of 16
        return row
    x8, one = x16.to(torch.float8_e4m3fn), torch.ones((), device="cuda", dtype=torch.float32)
    try:
        ms8 = _median_ms(torch, lambda: torch._scaled_mm(
            x8, w8.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16), repeats)
    except (RuntimeError, TypeError) as error:
        return row | {"fp8_error": str(error).splitlines()[0][:200]}
    return row | {"fp8_ms": round(ms8, 4), "fp8_weight_gbps": round(w8.numel() / ms8 / 1e6, 1)}


def _decode_rows(torch, repeats: int) -> list[dict]:
    """Every DECODE_SHAPES matrix at every batch in BATCHES (_decode_row)."""
    rows = []
    for name, (k, n) in DECODE_SHAPES.items():
        w16 = torch.randn(n, k, device="cuda", dtype=torch.bfloat16)
        w8 = w16.to(torch.float8_e4m3fn)
        rows += [{"matrix": name} | _decode_row(torch, w16, w8, batch, repeats)
                 for batch in BATCHES]
        del w16, w8
        torch.cuda.empty_cache()
    return rows


def _large_gemm(torch, repeats: int) -> dict:
    """An 8192^3 BF16 matmul on random data: TFLOP/s."""
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    ms = _median_ms(torch, lambda: a @ b, repeats)
    return {"shape": "8192x8192x8192 bf16", "ms": round(ms, 3),
            "tflops": round(2 * 8192 ** 3 / ms / 1e9, 1)}


def _copy(torch, repeats: int) -> dict:
    """A 4 GiB device-to-device copy: bytes read + written per second."""
    src = torch.empty(4 * GIB, device="cuda", dtype=torch.uint8)
    dst = torch.empty_like(src)
    ms = _median_ms(torch, lambda: dst.copy_(src), repeats)
    return {"bytes": 4 * GIB, "ms": round(ms, 3),
            "read_plus_write_gbps": round(2 * 4 * GIB / ms / 1e6, 1)}


def measure(quick: bool) -> dict:
    """Every figure, with the GPU, driver and torch they were read on."""
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("no CUDA GPU visible to torch")
    torch.zeros(1, device="cuda")
    context_at_init = _non_torch_bytes(torch)
    repeats = 5 if quick else 20
    facts = {"gpu": torch.cuda.get_device_name(0),
             "compute_capability": ".".join(map(str, torch.cuda.get_device_capability(0))),
             "total_bytes": torch.cuda.mem_get_info()[1], "torch": torch.__version__,
             "cuda": torch.version.cuda, "non_torch_bytes_after_init": context_at_init}
    facts["decode_gemm"] = _decode_rows(torch, repeats)
    facts["large_gemm"] = _large_gemm(torch, repeats)
    facts["copy"] = _copy(torch, repeats)
    q = torch.randn(8, 32, 4096, 128, device="cuda", dtype=torch.bfloat16)
    torch.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)
    torch.cuda.synchronize()
    facts["non_torch_bytes_after_kernels"] = _non_torch_bytes(torch)
    facts["non_torch_growth_gib"] = round(
        (facts["non_torch_bytes_after_kernels"] - context_at_init) / GIB, 3)
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 timed runs a figure, not 20")
    args = parser.parse_args(argv)
    try:
        facts = measure(args.quick)
    except (ImportError, RuntimeError) as error:
        print(f"gpu_facts: cannot measure here: {error}", file=sys.stderr)
        return 2
    json.dump(facts, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
