"""CUDA graphs: the capture sizes and graph counts vLLM picks, TRITON_MLA's piecewise-only
releases, and the memory they take (fitted per graph)."""

import bisect
import math
from collections.abc import Callable

from planner.model.spec import ModelSpec
from planner.serving.engine.sparse_mla import is_dense_mla
from planner.serving.hardware import parse_capability
from planner.serving.vllm_versions import (
    SPEC_DECODE_REQUEST_SIZES_FROM,
    SPEC_GRAPH_DECODE_SIZES_FROM,
    SPEC_GRAPH_ONE_SIZE_FROM,
    SPEC_GRAPH_ROUND_FROM,
    SPEC_GRAPH_SIZES_FROM,
    SPEC_GRAPH_TP_MULTIPLE_UNTIL,
    TRITON_MLA_FULL_GRAPHS_FROM,
    V2_SPEC_DECODE_ROUNDED_FROM,
    VllmRules,
    sm100_family,
)
from planner.units import GIB, MIB, gib_text

GRAPH_BYTES_PER_GRAPH = int(8.4 * MIB)
"""FITTED: vLLM's estimate is first-capture + per-graph x (graphs - 1) per mode
(gpu_model_runner.py profile_cudagraph_memory); the v0.19 H100 logs (all at the default
102 graphs) show no dependence on depth (Llama-3.1-8B with 32 layers and gemma-2-9b with 42
both 0.84 GiB), so one coefficient per graph: the median of cuda_graph_estimated_gib / 102
over the 39 runs, 8.43 MiB, kept as 8.4; leave-one-out error 0.18 GiB mean (18.9 %)
(`python bench/accuracy.py --fit`). Past the first capture a graph keeps no tensors alive
(weak-referenced outputs, one pool captured largest-first: compilation/cuda_graph.py), so the
cost is driver memory and allocator steps; a fixed cost + one per layer on the stage gives 17.6 %
leave-one-out and was not adopted (docs/accuracy-memory.md)."""


DSV4_LOGGED_GRAPH_BYTES = int(2.44 * GIB)
DSV4_LOGGED_GRAPHS = 51
"""UNMODELLED, a log's figures, not a fit: DeepSeek-V4's CUDA graph memory.

vLLM issue #50576 (a DeepSeek-V4-Flash start-up on a 47.4 GiB SM8x card, an SM8x build whose log
lines sit where the 0.27.0 wheel's do: gpu_model_runner.py:6905 "Graph capturing finished" vs
6914, gpu_worker.py:726 "CUDA graph pool memory" vs 727) prints "Profiling CUDA graph memory:
PIECEWISE=51", spends 21 of its 22 s of capture on the 51 piecewise graphs (so, read from the
timing, no FULL graphs; its settings are not shown) and "2.51 GiB (actual), 2.44 GiB
(estimated)": 49 MiB a graph, about six times GRAPH_BYTES_PER_GRAPH. vLLM's estimate
(profile_cudagraph_memory, 0.22.0 and 0.27.0 wheels) is, per mode, the first capture (the
largest size) plus the second capture's growth x (graphs - 1), FULL and PIECEWISE overlaid by
their larger first capture; both are measured with cudaMemGetInfo (driver graph memory, the
warm-up's allocator growth, the private pool) and the split is logged at debug level only, so
one total can neither be derived from the source nor split into rules. It does not transfer
either: DeepSeek-V4 is compiled into torch.compile pieces (@support_torch_compile,
models/deepseek_v4/nvidia/model.py) in 0.22 only; from 0.23 it has no torch.compile and vLLM
auto-enables VLLM_USE_BREAKABLE_CUDAGRAPH for it (config/vllm.py), one eager-broken graph per
size, and its attention backends (FlashMLA sparse, sparse SWA, the indexer) support
UNIFORM_BATCH full graphs, which the #50576 build did not capture. Shown beside the fitted
figure, never used in it."""


def dsv4_graphs_note() -> str:
    """The cuda_graphs term's note for DeepSeek-V4 (see DSV4_LOGGED_GRAPH_BYTES)."""
    per_graph = DSV4_LOGGED_GRAPH_BYTES / DSV4_LOGGED_GRAPHS / MIB
    return (f"DeepSeek-V4: the per-graph cost is fitted on standard decoders (unmodelled for "
            f"it; only its indexer's dummy logits in the first capture are read from vLLM's "
            f"source, activation_dsv4.dsv4_first_capture_bytes); vLLM issue #50576's "
            f"DeepSeek-V4-Flash start-up (an SM8x build of about 0.27) "
            f"estimates {gib_text(DSV4_LOGGED_GRAPH_BYTES)} for "
            f"{DSV4_LOGGED_GRAPHS} piecewise graphs, {per_graph:.0f} MiB a graph")


def capture_sizes(max_num_seqs: int, max_num_batched_tokens: int, blackwell_1024: bool,
                  rules: VllmRules | None = None, query_len: int = 1) -> list[int]:
    """vLLM's default cudagraph_capture_sizes.

    NOTE: vLLM config/vllm.py VllmConfig._set_cudagraph_sizes (0.19.0-0.34.0 wheels; 0.34.0 then
    splits them, vllm_versions.SM100_GRAPH_GRIDS_FROM): the
    largest size is min(max_num_seqs x 2, 512), 1024 on Blackwell (cc 10.x) from 0.28.0,
    then at most max_num_batched_tokens; sizes are 1, 2, 4, then every 8 below 256, then
    every 16 up to the largest. max_num_seqs 256 -> 512 -> 3 + 31 + 17 = 51 sizes. Before
    0.12 every 8 up to the largest, and 0.9.x's largest is 512 whatever max_num_seqs
    (vllm_versions.GRAPH_STEP16_FROM, GRAPH_SIZES_BY_SEQS_FROM). Off that stride, the batched
    tokens join where they are the largest (from 0.20.1, GRAPH_ADDS_BATCHED_TOKENS_FROM) and
    max_num_seqs where it is at most 512 (1024) and the batched tokens (from 0.31,
    GRAPH_ADDS_MAX_SEQS_FROM). With a speculative draft, `query_len` (1 + num_speculative_tokens)
    tokens a decode request: the largest is max_num_seqs x query_len x 2 before its caps (from
    0.13, vllm_versions.SPEC_GRAPH_SIZES_FROM) and the uniform decode sizes n x query_len join
    (from 0.29, SPEC_GRAPH_DECODE_SIZES_FROM), as request counts in the same stride up to
    min(max_num_seqs, 512 (1024)) and that count, those within the largest before the batched
    tokens cap it and within the batched tokens.
    """
    step16 = rules is None or rules.graph_step16
    cap = 1024 if blackwell_1024 else 512
    widened = query_len if rules is None or rules.version >= SPEC_GRAPH_SIZES_FROM else 1
    largest = min(max_num_seqs * widened * 2 if rules is None or rules.graph_sizes_by_seqs
                  else cap, cap, max_num_batched_tokens)
    sizes = _stride(largest, step16)
    extra = []
    if rules is not None and rules.graph_adds_batched_tokens and max_num_batched_tokens == largest:
        extra.append(max_num_batched_tokens)
    if query_len > 1 and (rules is None or rules.version >= SPEC_GRAPH_DECODE_SIZES_FROM):
        requests = min(max_num_seqs, cap)
        extra += [n * query_len for n in {*_stride(requests, True), requests}
                  if n * query_len <= largest]
    elif (query_len == 1 and rules is not None and rules.graph_adds_max_seqs
          and max_num_seqs <= cap and max_num_seqs <= max_num_batched_tokens):
        extra.append(max_num_seqs)
    return sorted(set(sizes + extra))


def _stride(largest: int, step16: bool) -> list[int]:
    """1, 2, 4, then every 8 (below 256 where `step16`, then every 16) up to `largest`: vLLM's
    default capture sizes and, from 0.29, its decode request counts (capture_sizes)."""
    sizes = [i for i in (1, 2, 4) if i <= largest]
    sizes += list(range(8, min(largest + 1, 256 if step16 else largest + 1), 8))
    return sizes + (list(range(256, largest + 1, 16)) if step16 else [])


def spec_graph_multiple(query_len: int, tp: int, version: tuple[int, ...]) -> int:
    """The multiple vLLM `version`'s adjust_cudagraph_sizes_for_spec_decode rounds the capture
    sizes to: `query_len` (1 + num_speculative_tokens), max(query_len, `tp`) at TP > 1 in
    0.11.1 (vllm_versions.SPEC_GRAPH_TP_MULTIPLE_UNTIL)."""
    return max(query_len, tp) if version < SPEC_GRAPH_TP_MULTIPLE_UNTIL else query_len


def spec_capture_sizes(sizes: list[int], multiple: int, version: tuple[int, ...]
                       ) -> list[int]:
    """vLLM's config/compilation.py adjust_cudagraph_sizes_for_spec_decode (vllm_versions.
    SPEC_GRAPH_ROUND_FROM): each capture size rounded up to a multiple of `multiple`
    (spec_graph_multiple), those past the largest size dropped; where none is left,
    vllm_versions.SPEC_GRAPH_ONE_SIZE_FROM: the sizes as they were before 0.12, from 0.12
    [multiple] where it is within the largest, else none (vLLM refuses: spec_graph_refusal)."""
    largest = sizes[-1] if sizes else 0
    rounded = sorted({_round_up(size, multiple) for size in sizes} & set(range(largest + 1)))
    if rounded or version < SPEC_GRAPH_ONE_SIZE_FROM:
        return rounded or sizes
    return [multiple] if multiple <= largest else []


def _round_up(size: int, multiple: int) -> int:
    """`size` rounded up to a multiple of `multiple` (vLLM utils round_up)."""
    return -(-size // multiple) * multiple


def _walk_grid(limit: int, step: Callable[[float], float]) -> list[int]:
    """vLLM 0.34 config/compilation.py _walk_grid: 1 up to `limit`, each size the next multiple
    of the largest power of two not above step(size), then `limit`."""
    grid, size = [], 1
    while size < limit:
        grid.append(size)
        stride = 1 << max(0, math.floor(math.log2(max(1.0, step(size)))))
        size = (size // stride + 1) * stride
    return [*grid, limit] if limit else []


SM100_GRAPH_TOKENS = 8192
"""vLLM 0.34 config/vllm.py _split_cudagraph_capture_sizes on SM100: the prefill graphs' and
the decode graphs' token cap (vllm_versions.SM100_GRAPH_GRIDS_FROM)."""


def _sm100_graph_count(max_num_seqs: int, max_num_batched_tokens: int, query_len: int = 1
                       ) -> tuple[int, int]:
    """(piecewise, full) graphs of vLLM 0.34's SM100 grids (vllm_versions.SM100_GRAPH_GRIDS_
    FROM): config/compilation.py prefill_cudagraph_capture_grid up to min(8192, batched
    tokens) (54 sizes at 8192), decode_cudagraph_capture_grid up to max_num_seqs (64 at 1024),
    decode_cudagraph_capture_shapes capping them at min(max_num_seqs, min(batched tokens,
    8192) // query_len) requests of `query_len` tokens (1 + num_speculative_tokens)."""
    tokens = min(SM100_GRAPH_TOKENS, max_num_batched_tokens)
    prefill = _walk_grid(tokens, lambda t: min(t, max(8, t / 4), 0.07 * max(t, 4096)))
    decode = _walk_grid(max_num_seqs, lambda n: 0.65 * n ** (2 / 3))
    limit = min(max_num_seqs, tokens // query_len)
    reachable = decode[: bisect.bisect_left(decode, limit) + 1]
    return len(prefill), len({min(n, limit) for n in reachable})


def cuda_graph_count(max_num_seqs: int, max_num_batched_tokens: int,
                     blackwell_1024: bool = False, rules: VllmRules | None = None,
                     full_decode: bool = True, spec_tokens: int = 0, runner: str = "v1",
                     tp: int = 1) -> tuple[int, int]:
    """(piecewise, full) graphs vLLM captures by default (FULL_AND_PIECEWISE) for the target
    model; `full_decode` False where the attention backend allows none (triton_mla_piecewise);
    `blackwell_1024`: a datacenter Blackwell (10.x) GPU under a release that singles it out;
    `spec_tokens`: num_speculative_tokens of a draft (MTP or EAGLE-3), on model runner
    `runner` ("v1" | "v2"), at tensor parallel size `tp` (0.11.1 rounds by it:
    spec_graph_multiple). The draft's own graphs are not counted (draft_startup).

    NOTE: v1/cudagraph_dispatcher.py (0.19.0 wheel): one PIECEWISE graph per capture size,
    plus one FULL decode graph per capture size <= max_num_seqs (uniform decode of one
    token per request). Default 1024 seqs on H100: 51 + 51 = 102 graphs. Before 0.11 the
    default mode is PIECEWISE: no full graphs (vllm_versions.FULL_GRAPHS_FROM). Model Runner
    V2 (v1/worker/gpu/cudagraph_utils.py CudaGraphManager._init_candidates, 0.33.0 and
    0.34.0) captures the same sets, but on SM100 from 0.34 (_sm100_graph_count).
    With a draft (q = 1 + spec_tokens tokens a decode request verifies), full decode graphs
    are the sizes from q to q x max_num_seqs tokens (v1/cudagraph_dispatcher.py; V2 0.22-0.24)
    once V1 (with full decode graphs) and V2 0.22-0.24 have rounded the sizes up to multiples
    of q (of max(q, tp) on 0.11.1: spec_capture_sizes, vllm_versions.SPEC_GRAPH_ROUND_FROM,
    SPEC_GRAPH_TP_MULTIPLE_UNTIL, SPEC_GRAPH_ONE_SIZE_FROM); V2 from 0.25 keeps the
    sizes for its piecewise graphs and rounds each full one (V2_SPEC_DECODE_ROUNDED_FROM), and
    0.34 counts requests (SPEC_DECODE_REQUEST_SIZES_FROM).
    """
    q = 1 + spec_tokens
    if rules is not None and rules.sm100_graph_grids and blackwell_1024:
        piecewise, full = _sm100_graph_count(max_num_seqs, max_num_batched_tokens, q)
        return piecewise, full if full_decode else 0
    sizes = capture_sizes(max_num_seqs, max_num_batched_tokens, blackwell_1024, rules, q)
    full = (rules is None or rules.full_graphs) and full_decode
    if q == 1:
        return len(sizes), sum(1 for size in sizes if size <= max_num_seqs) if full else 0
    version = rules.version if rules else SPEC_DECODE_REQUEST_SIZES_FROM
    if _spec_rounds(version, runner, full):
        sizes = spec_capture_sizes(sizes, spec_graph_multiple(q, tp, version), version)
    return _spec_graph_count(sizes, max_num_seqs, q, full, runner, version)


def _spec_rounds(version: tuple[int, ...], runner: str, full: bool) -> bool:
    """Whether vLLM `version` rounds the capture sizes for a draft (adjust_cudagraph_sizes_for_
    spec_decode) on `runner`, `full` whether full decode graphs are captured: V1 with them,
    V2 0.22-0.24 whatever the mode (vllm_versions.SPEC_GRAPH_ROUND_FROM)."""
    v2_rounds = runner == "v2" and version < V2_SPEC_DECODE_ROUNDED_FROM
    return version >= SPEC_GRAPH_ROUND_FROM and (v2_rounds or runner == "v1" and full)


def spec_graph_refusal(max_num_seqs: int, max_num_batched_tokens: int, blackwell_1024: bool,
                       rules: VllmRules, full_decode: bool, spec_tokens: int, runner: str,
                       tp: int) -> str | None:
    """vLLM's start-up ValueError from adjust_cudagraph_sizes_for_spec_decode for a draft of
    `spec_tokens` at TP `tp` (cuda_graph_count's arguments; `full_decode` False also under
    --enforce-eager, which captures no graph): 0.11.1's at TP > 1 where neither 1 + k nor TP
    divides the other (vllm_versions.SPEC_GRAPH_TP_MULTIPLE_UNTIL), 0.12's and later's where
    the rounding leaves no size and 1 + k is over the largest (SPEC_GRAPH_ONE_SIZE_FROM); None
    where vLLM starts."""
    q, version = 1 + spec_tokens, rules.version
    if not spec_tokens or not _spec_rounds(version, runner, rules.full_graphs and full_decode):
        return None
    multiple = spec_graph_multiple(q, tp, version)
    if tp > 1 and version < SPEC_GRAPH_TP_MULTIPLE_UNTIL and (multiple % q or multiple % tp):
        return (f"Can't determine cudagraph shapes that are both a multiple of {q} "
                f"(num_speculative_tokens + 1) required by spec-decode and {tp} "
                "(tensor_parallel_size) required by sequence parallelism please adjust "
                "num_speculative_tokens or disable sequence parallelism (vLLM "
                f"{rules.label} config/compilation.py adjust_cudagraph_sizes_for_spec_decode "
                f"rounds the CUDA graph capture sizes to max({q}, TP {tp}) = {multiple} at any "
                "TP > 1, sequence parallelism or not; 0.11.2 only with it): a TP that 1 + k "
                "divides or divides it, vLLM 0.11.2 or --enforce-eager starts it")
    sizes = capture_sizes(max_num_seqs, max_num_batched_tokens, blackwell_1024, rules, q)
    if spec_capture_sizes(sizes, multiple, version):
        return None
    return (f"No valid cudagraph sizes after rounding to multiple of {multiple} "
            "(num_speculative_tokens + 1 or tp if sequence parallelism is enabled) please adjust "
            f"num_speculative_tokens ({spec_tokens}) or max_cudagraph_capture_size "
            f"({sizes[-1] if sizes else 0}) or cudagraph_capture_sizes ({sizes}) (vLLM "
            f"{rules.label} config/compilation.py adjust_cudagraph_sizes_for_spec_decode: every "
            f"capture size rounds up past the largest, which is under 1 + k = {q}; a larger "
            "--max-num-seqs or --enforce-eager starts it)")


def _spec_graph_count(sizes: list[int], max_num_seqs: int, q: int, full: bool, runner: str,
                      version: tuple[int, ...]) -> tuple[int, int]:
    """cuda_graph_count's (piecewise, full) graphs with a draft: capture `sizes` (rounded where
    _spec_rounds), `q` = 1 + num_speculative_tokens, `full` whether full decode graphs are
    captured, on `runner` of vLLM `version` (the vllm_versions constants cuda_graph_count
    names)."""
    v2_rounds = runner == "v2" and version < V2_SPEC_DECODE_ROUNDED_FROM
    if not full:
        return len(sizes), 0
    largest = sizes[-1] if sizes else 0
    if runner == "v1" or v2_rounds:
        decode = {size for size in sizes if q <= size <= q * max_num_seqs}
    elif version >= SPEC_DECODE_REQUEST_SIZES_FROM:  # request counts of q tokens each
        decode = {min(-(-size // q), max_num_seqs) for size in sizes
                  if _round_up(size, q) <= largest}
    else:
        decode = {_round_up(size, q) for size in sizes
                  if _round_up(size, q) <= min(q * max_num_seqs, largest)}
    return len(sizes), len(decode)


def on_triton_mla(spec: ModelSpec, version: tuple[int, ...], compute_capability: str,
                  vendor: str = "nvidia") -> bool:
    """Whether vLLM `version` serves `spec`'s attention on TRITON_MLA: a dense-MLA model on an
    NVIDIA GPU of compute capability other than 9.x and 10.x (an unknown one is not counted;
    10.x other than 10.0 before 0.13, where platforms/cuda.py takes Blackwell's MLA backends
    on is_device_capability(100) only and FlashMLA / FlashAttention MLA need major 9:
    vllm_versions.sm100_family), or on any AMD GPU. Before 0.11 too: platforms/cuda.py of the
    0.9.1 and 0.10.1 wheels forces block size 64 for FlashMLA only where is_flashmla_supported
    (major 9), CUTLASS_MLA only on 10.0 (0.10.1), and every block size other than 64 gets
    TRITON_MLA (10.0 on 0.9.1, TRITON_MLA there too, is not counted).

    NOTE: ROCm's MLA backend (platforms/rocm.py, 0.11.0, 0.16.0 and 0.21.0 wheels) is
    ROCM_AITER_MLA only with rocm_aiter_ops.is_mla_enabled() (VLLM_ROCM_USE_AITER, default
    False) or block size 1, else TRITON_MLA; Headroom plans no environment variable set."""
    cc = parse_capability(compute_capability) or (0, 0)
    off_flash = vendor == "amd" or cc[0] not in (0, 9, 10) or (
        cc[0] == 10 and not sm100_family(version, cc))
    return off_flash and is_dense_mla(spec)


def triton_mla_piecewise(spec: ModelSpec, rules: VllmRules, compute_capability: str,
                         vendor: str = "nvidia") -> bool:
    """Whether vLLM `rules` decodes `spec` with piecewise CUDA graphs only because its attention
    runs on TRITON_MLA (on_triton_mla), which supports none before 0.22 (vllm_versions.
    TRITON_MLA_FULL_GRAPHS_FROM), on a release that otherwise captures full decode graphs
    (0.11-0.21)."""
    return (rules.full_graphs and rules.version < TRITON_MLA_FULL_GRAPHS_FROM
            and on_triton_mla(spec, rules.version, compute_capability, vendor))


TRITON_MLA_PIECEWISE_NOTE = (
    "vLLM {v} serves this GPU's MLA attention with TRITON_MLA, which supports no CUDA graph "
    "before 0.22 (AttentionCGSupport.NEVER; vllm_versions.TRITON_MLA_FULL_GRAPHS_FROM), so vLLM "
    "turns FULL_AND_PIECEWISE into PIECEWISE: no full decode graphs, each layer's attention "
    "launched from Python every step")
"""What triton_mla_piecewise means for a plan, on its CUDA graph and overhead terms."""


def cuda_graph_bytes(graphs: int) -> int:
    """Estimated CUDA graph memory of one worker that captures `graphs` graphs."""
    return GRAPH_BYTES_PER_GRAPH * graphs
