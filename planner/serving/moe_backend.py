"""vLLM's --moe-backend (KernelConfig.moe_backend, vllm/config/kernel.py; a flag from 0.17.0)
and the MoE workspace the flashinfer_b12x backend keeps from the profile run on.

The values each release's parser takes are its MoEBackend Literal (the planner/serving/vllm_cli
fixtures, "--moe-backend"): flashinfer_b12x from 0.22.0. The parser lower-cases a value and
turns '-' into '_' before checking it (engine/arg_utils.py add_cli_args,
moe_backend_kwargs["type"], the 0.17.0-0.34.0 wheels): normalize_moe_backend.

NOTE: what flashinfer_b12x holds, read in the wheels:
- vLLM 0.25.0-0.34.0 fused_moe/experts/flashinfer_b12x_moe.py, FlashInferB12xExperts
  ._ensure_wrapper: each MoE layer builds its own FlashInfer B12xMoEWrapper(num_experts,
  top_k, hidden_size, intermediate_size=intermediate_size_per_partition, use_cuda_graph=True,
  max_num_tokens=moe_config.max_num_tokens, num_local_experts) on its first apply(), the
  profile run's dummy forward; fused_moe/layer.py sets max_num_tokens to
  scheduler_config.max_num_batched_tokens. The wrapper's buffers stay allocated, so vLLM counts
  them in the profile's torch peak (its activation figure) and they come off the KV cache.
  It passes neither quant_mode nor activation_precision: FlashInfer's default "fp4" runs the
  NVFP4 path for W4A4 and W4A16 NVFP4 checkpoints alike (moe_dispatch._normalize_quant_mode).
- FlashInfer 0.6.13, 0.6.14 and 0.6.16.post3 (the flashinfer-python vLLM 0.25, 0.26 and
  0.27-0.28 pin), the same code in the three: fused_moe/cute_dsl/b12x_moe.py
  B12xMoEWrapper._allocate_buffers and blackwell_sm12x/moe_dispatch.py
  allocate_sm120_static_workspace, allocate_sm120_dynamic_workspace, _dynamic_task_geometry,
  select_sm120_moe_backend (b12x_workspace_bytes below).
- Not sized: vLLM 0.22.0-0.24.x run the functional b12x_fused_moe, whose workspace FlashInfer
  caches once per shape for every layer (moe_dispatch._get_cached_workspace); from 0.29.0
  vLLM pins FlashInfer 0.6.18 and later, whose allocators differ (a direct-micro workspace, a
  dynamic tile height chosen per shape; 0.7.0 adds workspaces shared between wrappers).
  Those plans say so (b12x_note). No other --moe-backend value of vLLM 0.25.1 builds a
  wrapper that pre-allocates per layer (fused_moe/experts/: only flashinfer_b12x_moe.py).
"""

from planner.model.attention import cdiv
from planner.model.config.quant import W4AFP8_SCHEME
from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec, MoeMlp
from planner.serving.all2all import effective_backend
from planner.serving.hardware import parse_capability
from planner.serving.layout import int_bits, quantized_component
from planner.serving.mxfp4_kernels import MXFP4_BACKEND_KERNELS
from planner.serving.vllm_cli import VllmCli, invalid_choice, unrecognized_flag
from planner.serving.vllm_versions import Version, in_span, version_label

B12X = "flashinfer_b12x"
B12X_FROM: Version = (0, 22, 0)
"""NOTE: flashinfer_b12x is in MoEBackend from the 0.22.0 wheel (vllm_cli fixtures)."""
B12X_SIZED: tuple[Version, Version] = ((0, 25, 0), (0, 29, 0))
"""The releases whose flashinfer_b12x workspace b12x_workspace_bytes sizes, from the first up
to (not including) the second: a B12xMoEWrapper per layer (vLLM 0.25.0 on) over FlashInfer
0.6.13-0.6.16.post3 (to vLLM 0.28.x)."""

B12X_EP_FROM: Version = (0, 25, 0)
"""NOTE: FlashInferB12xExperts._supports_parallel_config is `not use_ep` from the 0.25.0 wheel
(through 0.34.0), True in 0.22.0-0.24.0."""
B12X_PADS_FROM: Version = (0, 27, 0)
"""NOTE: vLLM 0.27.0 pins FlashInfer 0.6.16.post3 (wheel METADATA), whose B12xMoEWrapper pads an
intermediate size per rank that is not a multiple of 128; 0.6.13/0.6.14 (vLLM 0.25, 0.26)
raise instead (b12x_width_problem)."""

STATIC_CUTOVER_ROWS = 640
"""NOTE: moe_dispatch.py _STATIC_COMPACT_CUTOVER_PAIRS_DEFAULT (FlashInfer 0.6.13-0.6.16.post3):
up to 640 routed rows (tokens x top-k) run the static kernel, more the dynamic one; the
FLASHINFER_B12X_STATIC_COMPACT_CUTOVER_PAIRS environment variable (not modelled) moves it."""
TILE = 128
"""NOTE: moe_dispatch.py _LEVEL_TILE_M = _LEVEL_TILE_N = 128 (the dynamic kernel's tiles)."""
SF_BLOCK = 16
"""NOTE: moe_dispatch.py _NVFP4_BLOCK_SIZE: one FP8 scale per 16 FP4 values."""


def normalize_moe_backend(value: str) -> str:
    """The value as vLLM's parser reads it (lower case, '-' as '_')."""
    return value.strip().lower().replace("-", "_")


def moe_backend_refusal(backend: str, cli: VllmCli) -> str | None:
    """Why vLLM `cli.vllm_version`'s parser refuses --moe-backend `backend`, in one line."""
    missing = unrecognized_flag("--moe-backend", cli)
    if missing:
        return missing
    if not cli.accepts("--moe-backend", backend):
        return invalid_choice(cli, "--moe-backend", backend)
    return None


def b12x_workspace_bytes(num_experts: int, top_k: int, hidden: int, intermediate: int,
                         max_num_tokens: int) -> tuple[int, int, int]:
    """(static, dynamic, output) bytes one MoE layer's B12xMoEWrapper allocates (module NOTE).

    E experts, K hidden, N the intermediate size per TP rank, T max_num_tokens, R = T x top-k:
    - static workspace of S = min(R, 640) rows where R > 640 (the dynamic one then serves
      the rest), else R: row_counts E x 4 + token_map and token_weights E x S x 4 each +
      packed_input E x S x K/2 (FP4) + packed_input_scale E x up(S, 128) x up(K/16, 4) (FP8)
      + three int32 counters + weight_expert_ids and global_to_local_expert E x 4 each +
      compact_topk_ids max(E, S) x 4;
    - dynamic workspace where R > 640: M = ceil(R / 128) + min(E, R) - 1 tiles of 128 rows,
      P = 128 M; tasks = M x ceil(N / 128): row_counts and expert_write_rows E x 4 each +
      expert_tile_base (E + 1) x 4 + token_map and token_weights P x 4 each + packed_input
      P x K/2 + packed_input_scale P x up(K/16, 4) + seven int32 counters + six task arrays
      tasks x 4 + tile_write_count M x 4;
    - the bf16 output, T x K x 2.
    """
    e, k, t = num_experts, hidden, max_num_tokens
    rows = t * top_k
    dynamic = rows > STATIC_CUTOVER_ROWS
    s = max(1, min(rows, STATIC_CUTOVER_ROWS) if dynamic else rows)
    scale_cols = cdiv(k // SF_BLOCK, 4) * 4
    static = (e * 4 + 2 * e * s * 4 + e * s * (k // 2) + e * cdiv(s, TILE) * TILE * scale_cols
              + 3 * 4 + 2 * e * 4 + max(e, s) * 4)
    dyn = 0
    if dynamic:
        tiles = cdiv(rows, TILE) + min(e, rows) - 1
        padded = tiles * TILE
        tasks = tiles * max(1, cdiv(intermediate, TILE))
        dyn = (2 * e * 4 + (e + 1) * 4 + 2 * padded * 4 + padded * (k // 2)
               + padded * scale_cols + 7 * 4 + 6 * tasks * 4 + tiles * 4)
    return static, dyn, t * k * 2


def b12x_sized(version: Version) -> bool:
    """Whether b12x_workspace_bytes holds for this release (B12X_SIZED)."""
    return in_span(version, *B12X_SIZED)


def b12x_refusals(version: Version, compute_capability: str, expert_family: str,
                  draft_unquantized: bool = False, vendor: str = "nvidia") -> list[str]:
    """Why vLLM stops at start-up with --moe-backend flashinfer_b12x: an explicit backend that
    does not fit raises in the MoE oracle. The GPU check holds on every release with the
    backend (0.22 on) for NVFP4 experts, the rest on 0.25.0-0.28.x (B12X_SIZED), where the
    other oracles were read.

    NOTE: fused_moe/oracle/nvfp4.py select_nvfp4_moe_backend (0.25.1 wheel; the same in
    0.26.0-0.28.0; _return_or_raise in the 0.22.0, 0.24.0, 0.29.0 and 0.33.0 wheels too, 0.34.0's
    MoEKernelOracle.return_or_raise in oracle/base.py alike): an
    explicit moe_backend whose kernel is_supported_config refuses raises ValueError;
    FlashInferB12xExperts._supports_current_device (the same in the 0.22.0-0.34.0 wheels) takes
    current_platform.is_cuda() and is_device_capability_family(120) only (no AMD GPU; an
    NVIDIA GPU of unknown capability is not refused); the other oracles (fp8, int8,
    int_wna16, mxfp4, mxfp8, unquantized) do not map flashinfer_b12x and raise "is not
    supported for ... MoE".
    `draft_unquantized`: an MTP draft with routed experts that the checkpoint keeps out of its
    quantization (weights.mtp_excluded) is built with the same KernelConfig, so its MoE goes
    to the unquantized oracle (oracle/unquantized.py map_unquantized_backend: triton,
    flashinfer_trtllm, flashinfer_cutlass, aiter), which raises the same way."""
    sized = b12x_sized(version)
    if version < B12X_FROM or not (sized or expert_family == "nvfp4"):
        return []
    label = version_label(version)
    out = []
    capability = parse_capability(compute_capability)
    if vendor == "amd":
        out.append(f"vLLM {label}: --moe-backend {B12X} runs on NVIDIA SM12x GPUs only "
                   "(FlashInferB12xExperts: current_platform.is_cuda()); on ROCm the MoE oracle "
                   "raises at start-up")
    elif capability and capability[0] != 12:
        out.append(f"vLLM {label}: --moe-backend {B12X} runs on SM12x GPUs only "
                   f"(FlashInferB12xExperts: is_device_capability_family(120)); this GPU is "
                   f"compute capability {compute_capability}: the MoE oracle raises at start-up")
    if not sized:
        return out
    if expert_family != "nvfp4":
        out.append(f"vLLM {label}: --moe-backend {B12X} runs NVFP4 experts only (fused_moe/"
                   f"oracle/nvfp4.py); these experts are {expert_family}: the MoE oracle raises "
                   "'moe_backend=... is not supported' at start-up")
    if draft_unquantized:
        out.append(f"vLLM {label}: --moe-backend {B12X} with the MTP draft: the checkpoint keeps "
                   "the draft's experts unquantized, and the unquantized MoE oracle raises "
                   f"\"moe_backend='{B12X}' is not supported for unquantized MoE\" at start-up "
                   "(fused_moe/oracle/unquantized.py); plan without --num-speculative-tokens")
    return out


FLYDSL = "flydsl"
FLYDSL_FROM: Version = (0, 24, 0)
"""NOTE: "flydsl" ("Use AMD FlyDSL kernels (ROCm only)") is in config/kernel.py MoEBackend from
the 0.24.0 wheel (0.24.0-0.34.0; the vllm_cli fixtures agree), so older parsers refuse it."""
WNA16_ASKS: tuple[Version, Version] = ((0, 25, 0), (0, 27, 0))
"""(first release whose WNA16 MoE oracle reads --moe-backend for experts on the Marlin MoE path,
first release whose every int weight-only MoE path asks it): GPTQ, AWQ, AutoRound (INC) and
compressed-tensors WNA16 experts alike (wna16_asks).

NOTE: fused_moe/oracle/int_wna16.py select_wna16_moe_backend exists from the 0.20.0 wheel and
reads config.moe_backend (`if runner_backend != "auto": requested_backend =
map_wna16_backend(runner_backend)`) from the 0.25.0 wheel (0.20.0-0.24.0 have no
map_wna16_backend and ignore the flag). Who asks it, read in the 0.25.0, 0.26.0, 0.27.0, 0.30.0,
0.33.0 and 0.34.0 wheels: the Marlin-path methods built where check_moe_marlin_supports_layer holds,
auto_gptq.py AutoGPTQMoEMethod.__init__, auto_awq.py AutoAWQMoEMethod.__init__ (INC's
inc_wna16_scheme.py / inc_wna16_moe.py _resolve_gptq_moe / _resolve_awq_moe build these two) and
compressed_tensors_moe_wna16_marlin.py CompressedTensorsWNA16MarlinMoEMethod (0.25.0, 0.26.0), from
0.25.0; the fall-backs, moe_wna16.py MoeWNA16Method.__init__ and compressed_tensors_moe_wna16.py
CompressedTensorsWNA16MoEMethod.__init__ (every CT layer from 0.27.0), only from 0.27.0 (0.25.0 and
0.26.0 build them without the oracle). On ROCm no layout takes the Marlin path
(layout.moe_wna16_fallback), so compressed-tensors int experts off the FlyDSL branch
(CompressedTensorsWNA16MoEMethod) ask from 0.27.0 there, and map_wna16_backend has no "flydsl"."""
MOE_ORACLES: dict[str, tuple[str, str]] = {
    "float": ("unquantized", "unquantized"), "fp8": ("fp8", "FP8"), "mxfp4": ("mxfp4", "MXFP4"),
    "nvfp4": ("nvfp4", "NvFP4"), "int8": ("int8", "Int8"), "wna16": ("int_wna16", "WNA16"),
    "w4a8": ("w4a8", "W4A8")}
"""The MoE oracle (fused_moe/oracle/<file>.py) each expert format's --moe-backend reaches, and
the kind its refusal names (oracle_refusal).

NOTE: each oracle's map_*_backend raises ValueError(f"moe_backend='{runner_backend}' is not
supported for {kind} MoE. Expected one of [...]") for a value it does not map, and none maps
"flydsl" (0.24.0-0.34.0 wheels, each read; int_wna16 from 0.25.0): the explicit-backend branch
comes before any platform choice on CUDA and ROCm alike (only CPU, TPU, out-of-tree platforms
and LoRA return earlier). The one reader of "flydsl" is compressed_tensors_moe.py get_moe_method:
on ROCm, strategy group, int, group_size 32, 4 bits, no LoRA and on_gfx950() build
CompressedTensorsW4A16FlydslMoEMethod (0.24.0-0.34.0)."""


def _compressed_tensors(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether vLLM loads the experts as a compressed-tensors checkpoint (stored, or a ct
    what-if: a what-if of another key is that format's own loader)."""
    return ("-ct-" in scheme.key if scheme.what_if else
            spec.quant is not None and spec.quant.method == "compressed-tensors")


def _moe_experts(spec: ModelSpec, scheme: QuantScheme) -> tuple[str, bool]:
    """(format, int4 in groups of 32) of the experts as --moe-backend sees them: the
    MOE_ORACLES key of their MoE oracle (16-bit where the scheme leaves them so; DeepSeek-V4's
    FP4 experts MXFP4; int weight-only ones, GPTQ, AWQ, AutoRound or compressed-tensors,
    "wna16"), and whether they are compressed-tensors int4 in groups of 32 (FlyDSL's branch)."""
    ct = _compressed_tensors(spec, scheme)
    int4_g32 = ct and scheme.key in ("w4a16-ct-g32", "w4a16-gptq-g32")
    if not quantized_component(spec, scheme, "experts"):
        return "float", False
    if scheme.key == "fp8-block128-fp4experts":
        return "mxfp4", False
    if scheme.key == W4AFP8_SCHEME:
        return "w4a8", False
    if scheme.family in ("gptq", "awq"):
        return "wna16", int4_g32
    return scheme.family, False


def runs_flydsl(spec: ModelSpec, scheme: QuantScheme, moe_backend: str | None, version: Version,
                compute_capability: str) -> bool:
    """Whether vLLM builds this MoE model's experts with its FlyDSL MoE
    (CompressedTensorsW4A16FlydslMoEMethod: MOE_ORACLES' NOTE): --moe-backend flydsl,
    compressed-tensors int4 experts in groups of 32, a gfx950 GPU, vLLM 0.24 on."""
    return (moe_backend == FLYDSL and spec.is_moe and version >= FLYDSL_FROM
            and compute_capability == "gfx950" and _moe_experts(spec, scheme)[1])


MARLIN = "marlin"
ORACLE_FROM: dict[str, Version] = {"float": (0, 17, 0), "fp8": (0, 17, 0), "nvfp4": (0, 17, 0),
                                   "mxfp4": (0, 19, 0), "int8": (0, 20, 0),
                                   "wna16": WNA16_ASKS[0], "w4a8": (0, 34, 0)}
"""The first release whose experts of each format (MOE_ORACLES keys) ask their MoE oracle
(int weight-only experts on some paths only up to WNA16_ASKS[1]: wna16_asks)."""
Mapped = str | tuple[str, Version] | tuple[str, Version, Version]
ORACLE_VALUES: dict[str, tuple[Mapped, ...]] = {
    "float": ("triton", ("batched_triton", (0, 27, 0)), "flashinfer_trtllm", "flashinfer_cutlass",
              "aiter"),
    "fp8": ("triton", "deep_gemm", "cutlass", "flashinfer_trtllm", "flashinfer_cutlass", MARLIN,
            ("humming", (0, 25, 0)), "aiter", ("hpc", (0, 25, 0))),
    "nvfp4": (("b12x", (0, 29, 0)), "cutlass", "flashinfer_trtllm", "flashinfer_cutlass",
              "flashinfer_cutedsl", ("flashinfer_moe_ep_cutedsl", (0, 32, 0)),
              (B12X, B12X_FROM), MARLIN, ("humming", (0, 25, 0)), ("emulation", (0, 20, 0))),
    "mxfp4": (("b12x", (0, 29, 0)), ("deep_gemm", (0, 20, 0)), "flashinfer_trtllm",
              "flashinfer_trtllm_afp8", "flashinfer_cutlass", "flashinfer_cutlass_afp8",
              ("flashinfer_moe_ep_cutedsl", (0, 32, 0)),
              ("flashinfer_moe_ep_mega_deep_gemm", (0, 32, 0)), "triton",
              ("triton_unfused", (0, 20, 0)), ("humming", (0, 21, 0)), MARLIN,
              ("ck", (0, 19, 0), (0, 20, 0)), ("aiter", (0, 20, 0)),
              ("aiter_triton_mxfp4_bf16", (0, 30, 0)), ("aiter_mxfp4_fp8", (0, 21, 0)),
              ("aiter_triton_mxfp4_mxfp4", (0, 33, 0)), ("aiter_mxfp4_mxfp4", (0, 22, 0)), "xpu",
              ("cpu", (0, 22, 0)), ("emulation", (0, 20, 0))),
    "int8": ("triton", ("humming", (0, 25, 0))),
    "w4a8": ("cutlass", "humming"),
    "wna16": (("triton", (0, 27, 0)), MARLIN, "humming", "flashinfer_trtllm",
              ("emulation", (0, 26, 0)), ("rdna3", (0, 30, 0)))}
"""The --moe-backend values each expert format's MoE oracle maps (MOE_ORACLES keys), in the
order of its map_*_backend's dict (as vLLM lists them): a bare value from ORACLE_FROM on, else
(value, first release[, first release without it]).

NOTE: read in fused_moe/oracle/{unquantized,fp8,nvfp4,mxfp4,int8,int_wna16}.py map_*_backend,
every wheel 0.17.0-0.34.0 (each select_*_moe_backend's `runner_backend != "auto"` branch calls
it before any platform choice; only CPU, TPU, out-of-tree platforms and LoRA return earlier):
a value it lacks raises ValueError(f"moe_backend='{runner_backend}' is not supported for
{kind} MoE. Expected one of {list(mapping.keys())}."). fp8.py, nvfp4.py and unquantized.py
from 0.17.0, mxfp4.py from 0.19.0 (0.17-0.18 quantization/mxfp4.py does not read moe_backend),
int8.py from 0.20.0; int_wna16.py maps from 0.25.0, asked on the paths WNA16_ASKS names:
marlin, humming, flashinfer_trtllm in the 0.25.0 wheel, emulation added in 0.26.0, triton first
in 0.27.0 (0.27.0-0.29.0 the same five), rdna3 last from 0.30.0 (0.30.0-0.34.0). w4a8.py (in
the wheels from 0.22.0, not 0.21.0; Headroom reaches it from 0.34.0 only, for the routed
experts of quant_method "w4afp8": CompressedTensorsW4A8Fp8MoEMethod), in 0.34.0
select_w4a8_moe_backend, maps cutlass and humming and raises ValueError(f"moe_backend=
'{config.moe_backend}' is not supported for W4A8 MoE. Expected one of {list(backend_map)}.")
for another value; under auto it takes CUTLASS, else Humming. Values a model file or another
path reads first are left out of oracle_refusal (NOT_ORACLE)."""
ORACLE_SKIPS: dict[str, tuple[Mapped, ...]] = {"float": (("humming", (0, 25, 0)),
                                                       (MARLIN, (0, 33, 0)))}
"""Values an oracle skips to its auto choice instead of mapping them, from a release on.

NOTE: oracle/unquantized.py select_unquantized_moe_backend: `if runner_backend not in ["auto",
"humming"]` from the 0.25.0 wheel (0.25.0-0.32.0), `["auto", "humming", "marlin"]` in 0.33.0
and 0.34.0
("'humming' and 'marlin' are quantization-only; an unquantized layer ... falls through to auto
instead of erroring")."""
NOT_ORACLE = frozenset({B12X, "deep_gemm_mega_moe", "aiter_mega_moe",
                        "flashinfer_moe_ep_mega_deep_gemm", "flashinfer_moe_ep_mega_cutedsl"})
"""Values oracle_refusal leaves alone: flashinfer_b12x has b12x_refusals; the mega-MoE values
are read by model files first (0.33.0 vllm/models/deepseek_v4, kimi_k3, step5, muse_spark;
0.34.0 also glm5next, minimax_m3:
`moe_backend == "deep_gemm_mega_moe"`, `in NATIVE_MEGA_MOE_BACKENDS`, "aiter_mega_moe"),
not followed further here."""

MEGA_DEEP_GEMM = "flashinfer_moe_ep_mega_deep_gemm"
MEGA_DEEP_GEMM_ARCHITECTURES = frozenset({"DeepseekV4ForCausalLM", "DeepSeekV4MTPModel",
                                          "DeepseekV41ForCausalLM"})
MEGA_DEEP_GEMM_MODELS_FROM: Version = (0, 34, 0)
"""NOTE: 0.34.0 config/kernel.py validate_flashinfer_moe_ep_model, called by
KernelConfig.set_platform_defaults in VllmConfig.__post_init__ (config/vllm.py), raises unless
one of the model's architectures is in FLASHINFER_MOE_EP_ARCHITECTURES (the three above);
0.32.0-0.33.x, which take the value, not read for it (nor for MOE_EP_BACKENDS)."""


def mega_deep_gemm_refusal(backend: str, architectures: tuple[str, ...], version: Version
                           ) -> str | None:
    """vLLM's refusal of --moe-backend flashinfer_moe_ep_mega_deep_gemm for a model other than
    DeepSeek-V4 (MEGA_DEEP_GEMM_MODELS_FROM), in its words; None otherwise."""
    if backend != MEGA_DEEP_GEMM or version < MEGA_DEEP_GEMM_MODELS_FROM \
            or MEGA_DEEP_GEMM_ARCHITECTURES & set(architectures):
        return None
    return (f"moe_backend={backend!r} is only supported for DeepSeek-V4 models "
            f"({sorted(MEGA_DEEP_GEMM_ARCHITECTURES)}), but the model is {list(architectures)}.")


MEGA_MOE_BACKENDS: tuple[tuple[Version, frozenset[str]], ...] = (
    ((0, 32, 0), frozenset({"deep_gemm_mega_moe", "flashinfer_moe_ep_cutedsl", MEGA_DEEP_GEMM})),
    ((0, 29, 0), frozenset({"deep_gemm_mega_moe", MEGA_DEEP_GEMM,
                            "flashinfer_moe_ep_mega_cutedsl"})),
    ((0, 27, 0), frozenset({"deep_gemm_mega_moe"})))
"""The --moe-backend values DeepSeek-V4's _use_sequence_parallel counts as mega-MoE, from each
release on (newest first; vllm_versions.DSV4_SEQUENCE_PARALLEL_FROM).

NOTE: models/deepseek_v4/nvidia/model.py `moe_backend == "deep_gemm_mega_moe"` in the 0.27.0,
0.27.1 and 0.28.0 wheels; `in MEGA_MOE_BACKENDS` (config/kernel.py) from 0.29.0:
{"deep_gemm_mega_moe"} | FLASHINFER_MOE_EP_BACKENDS, which is {"flashinfer_moe_ep_mega_deep_gemm",
"flashinfer_moe_ep_mega_cutedsl"} in 0.29.0-0.31.0 and {"flashinfer_moe_ep_cutedsl",
"flashinfer_moe_ep_mega_deep_gemm"} in 0.32.0-0.34.0."""


def mega_moe_backend(backend: str | None, version: Version) -> bool:
    """Whether `backend` is one of vLLM `version`'s mega-MoE values (MEGA_MOE_BACKENDS)."""
    return backend in next((values for first, values in MEGA_MOE_BACKENDS if version >= first),
                           frozenset())


MOE_EP_BACKENDS = frozenset({"flashinfer_moe_ep_cutedsl", MEGA_DEEP_GEMM})
"""NOTE: 0.34.0 config/kernel.py FLASHINFER_MOE_EP_BACKENDS; bind_passthrough_all2all_backend
(KernelConfig.set_platform_defaults, VllmConfig.__post_init__) gives them all2all_backend
"passthrough" where it is allgather_reducescatter (the default, after ParallelConfig swaps a
removed value for it: all2all.effective_backend) and raises for any other; 0.32.0-0.33.x not
read (MEGA_DEEP_GEMM_MODELS_FROM)."""


def moe_ep_all2all_refusal(backend: str, all2all: str | None, version: Version) -> str | None:
    """vLLM's refusal of an --all2all-backend beside a FlashInfer MoE-EP --moe-backend, which
    dispatches and combines itself (MOE_EP_BACKENDS), in its words; None otherwise."""
    runs = effective_backend(all2all, version) if all2all else "allgather_reducescatter"
    if backend not in MOE_EP_BACKENDS or version < MEGA_DEEP_GEMM_MODELS_FROM \
            or runs == "allgather_reducescatter":
        return None
    return (f"moe_backend={backend!r} dispatches and combines itself and cannot be paired "
            f"with all2all_backend={runs!r}; leave --all2all-backend unset.")


def dense_note(backend: str, spec: ModelSpec) -> str | None:
    """The plan's note that --moe-backend changes nothing for a model without MoE layers: the
    fused-MoE oracles read it (fused_moe/oracle/, 0.17.0-0.34.0), as do the MoE quantization
    methods and model files, and the MoE-EP checks above, which refuse where they apply; None
    for a MoE model."""
    if spec.is_moe:
        return None
    return (f"--moe-backend {backend}: vLLM reads it for MoE layers only, and {spec.name} has "
            "none: it changes nothing here.")


CUDA_MIN_CAPABILITY = (7, 5)
BACKEND_DEVICES: dict[str, tuple[str, str, tuple[int, int] | str | None]] = {
    MARLIN: ("Marlin's MoE", "nvidia", CUDA_MIN_CAPABILITY),
    "humming": ("Humming's MoE", "nvidia", CUDA_MIN_CAPABILITY),
    "cutlass": ("vLLM's CUTLASS MoE", "nvidia", None),
    "deep_gemm": ("DeepGEMM's MoE", "nvidia", None),
    "hpc": ("the HPC MoE", "nvidia", None),
    "b12x": ("b12x's MoE", "nvidia", None),
    "flashinfer_trtllm": ("FlashInfer's TRT-LLM MoE", "nvidia", None),
    "flashinfer_cutlass": ("FlashInfer's CUTLASS MoE", "nvidia", None),
    "flashinfer_cutlass_afp8": ("FlashInfer's CUTLASS MoE", "nvidia", None),
    "flashinfer_cutedsl": ("FlashInfer's CuteDSL MoE", "nvidia", None),
    "aiter": ("AITER's MoE", "amd", None),
    "aiter_triton_mxfp4_bf16": ("AITER's Triton MXFP4 MoE", "amd", None),
    "aiter_triton_mxfp4_mxfp4": ("AITER's Triton MXFP4 MoE", "amd", None),
    "rdna3": ("vLLM's RDNA3 W4A16 MoE", "amd", "gfx1100")}
"""The device each mapped value's experts need: (what, vendor, least compute capability or the
one AMD target), where vLLM's kernel check refuses every other one; the oracle's
_return_or_raise (0.34.0: MoEKernelOracle.return_or_raise, oracle/base.py) then raises
ValueError("... MoE backend ... does not support the deployment configuration since kernel does
not support current device.").

NOTE: _supports_current_device of every experts class the oracles map each value to, read in
the 0.17.0, 0.21.0, 0.25.0, 0.29.0, 0.33.0 and 0.34.0 wheels (fused_moe/ and fused_moe/experts/):
MarlinExpertsBase and HummingExpertsBase `is_cuda() and has_device_capability((7, 5))`;
CutlassExpertsFp8Base cutlass_group_gemm_supported (w8a8_utils.py: `if not
current_platform.is_cuda(): return False`), CutlassExpertsFp4/Mxfp4 is_cuda() first (NVFP4's
families: CUDA_FAMILIES); DeepGemmExperts
and DeepGemmFP4Experts is_deep_gemm_supported (utils/deep_gemm.py: is_cuda() in 0.17.0, later
Platform.support_deep_gemm, False unless cuda.py overrides it); HPCExperts, B12xExperts,
FlashInferExperts, FlashInferCuteDSLExperts and the TrtLlm*Experts is_cuda() first;
AiterExperts rocm_aiter_ops.is_fused_moe_enabled (_aiter_ops.py if_aiter_supported: ROCm gfx9
only, else None) and the Aiter*ExpertsMonolithic rocm_aiter_ops.is_enabled() with ROCm targets;
Rdna3WNA16Experts rdna3_moe_kernel_available (0.30.0-0.34.0: is_rocm() and on_gfx1100()).
0.17.0-0.19.0's unquantized oracle checks flashinfer_trtllm / flashinfer_cutlass itself
(is_supported_config_trtllm_bf16; has_flashinfer_cutlass_fused_moe, expert parallelism without
data parallelism, capability >= 9.0) and raises "FlashInfer ... MoE backend is not available
for this configuration." (off CUDA too; its EP condition is not modelled here)."""
Families = tuple[tuple[Version, tuple[str, ...]], ...]
SM100: tuple[str, ...] = ("10",)
CUTLASS_NVFP4_NO_SM110_FROM: Version = (0, 34, 0)
"""NOTE: experts/cutlass_moe.py CutlassExpertsFp4._supports_current_device, which the NVFP4
oracle's "cutlass" (VLLM_CUTLASS) maps to: is_cuda() and is_device_capability_family 100, 110
or 120 in the 0.17.0-0.33.0 wheels (0.17.0, 0.19.0, 0.20.0, 0.21.0, 0.25.0, 0.29.0, 0.33.0
read); the 0.34.0 wheel drops 110 ("SM110 excluded: grouped NVFP4 kernel is sm100-only")."""
FI_CUTLASS: Families = ((ORACLE_FROM["float"], ("9.0", "10", "11", "12")),
                        ((0, 21, 0), ("9.0", "10", "12")))
CUDA_FAMILIES: dict[str, dict[str, Families]] = {
    "flashinfer_trtllm": {"float": (((0, 20, 0), SM100),), "fp8": (((0, 17, 0), SM100),),
                          "nvfp4": (((0, 17, 0), SM100),), "mxfp4": (((0, 19, 0), SM100),),
                          "wna16": ((WNA16_ASKS[0], SM100),)},
    "flashinfer_cutedsl": {"nvfp4": (((0, 17, 0), SM100),)},
    "cutlass": {"nvfp4": ((ORACLE_FROM["nvfp4"], ("10", "11", "12")),
                        (CUTLASS_NVFP4_NO_SM110_FROM, ("10", "12"))),
                "w4a8": ((ORACLE_FROM["w4a8"], ("9.0",)),)},
    "flashinfer_cutlass": {"float": FI_CUTLASS, "fp8": FI_CUTLASS, "nvfp4": FI_CUTLASS,
                           "mxfp4": FI_CUTLASS},
    "flashinfer_cutlass_afp8": {"mxfp4": FI_CUTLASS},
    "deep_gemm": {"fp8": (((0, 17, 0), ("9.0", "10")), ((0, 24, 0), ("9.0", "10", "12"))),
                  "mxfp4": (((0, 20, 0), ("10",)), ((0, 24, 0), ("10", "12")))},
    "b12x": {"nvfp4": (((0, 29, 0), ("12",)),), "mxfp4": (((0, 29, 0), ("12",)),)}}
"""The NVIDIA compute capabilities each value's experts run on, per expert format, from a
release on: "9.0" that capability (is_device_capability(90)), "10" any 10.x
(is_device_capability_family(100)). Every other NVIDIA GPU fails the kernel check and the
oracle raises at start-up (cuda_families).

NOTE: _supports_current_device of the experts class each value maps to, read in the wheels
named (fused_moe/ and fused_moe/experts/):
- flashinfer_trtllm, flashinfer_cutedsl: TrtLlmFp8Experts(Base), TrtLlmNvFp4ExpertsBase,
  TrtLlmMxfp4ExpertsBase (0.19.0 on), TrtLlmBf16Experts(Base) (0.20.0 on; the unquantized
  oracle's FLASHINFER_TRTLLM), FlashInferCuteDSLExperts and FlashInferCuteDSLBatchedExperts:
  `p.is_cuda() and p.is_device_capability_family(100)` (and FlashInfer present), every wheel
  0.17.0-0.34.0 (script over both folders); TrtLlmMxint4ExpertsMonolithic (the WNA16 oracle's
  FLASHINFER_TRTLLM, experts/trtllm_mxint4_moe.py) the same, 0.25.0-0.34.0 (0.25, 0.26, 0.27,
  0.30, 0.33, 0.34 read).
- flashinfer_cutlass (flashinfer_cutlass_afp8 for MXFP4): FlashInferExperts
  (flashinfer_cutlass_moe.py), which the fp8, nvfp4 and mxfp4 oracles map it to (0.17.0,
  0.19.0, 0.25.0, 0.33.0, 0.34.0 read) and the unquantized one from 0.20.0: is_cuda() and
  (is_device_capability(90) or family 100, 110 or 120) in the 0.17.0-0.20.0 wheels, SM110
  dropped from 0.21.0 ("SM110 excluded: flashinfer-ai/flashinfer#3134"; 0.21.0, 0.25.0,
  0.29.0, 0.33.0, 0.34.0 read). 0.17.0-0.19.0's unquantized oracle checks it itself
  (select_unquantized_moe_backend: has_flashinfer_cutlass_fused_moe() and
  has_device_capability(90)), the same GPUs.
- deep_gemm: FP8's TritonOrDeepGemmExperts (a FallbackExperts: DeepGemmExperts' check and
  TritonExperts') asks utils/deep_gemm.py is_deep_gemm_supported: Hopper 9.0 or family 100 in
  0.17.0, Platform.support_deep_gemm from 0.20.0, whose platforms/cuda.py override adds family
  120 from the 0.24.0 wheel (0.20.0-0.23.0 without it); MXFP4's DeepGemmFP4Experts (mapped from
  0.20.0) adds family 100 only to it, then family 100 or 120 from 0.24.0. Both also want
  VLLM_USE_DEEP_GEMM (default on) and the deep_gemm package (has_deep_gemm), from 0.34.0 an nvcc
  of 12.9 or later found at start-up (_deep_gemm_nvcc_path, _nvcc_version); not modelled.
- cutlass (NVFP4 experts): CutlassExpertsFp4, CUTLASS_NVFP4_NO_SM110_FROM. cutlass (W4A8
  experts, 0.34.0): experts/cutlass_moe.py CutlassExpertsW4A8Fp8._supports_current_device,
  is_device_capability(90) and cutlass_group_gemm_supported(); its is_supported_config also
  refuses an in_dtype other than bfloat16 (not modelled: --dtype float16 with --moe-backend
  cutlass). Humming's experts (fused_humming_moe.py: has_humming(), is_cuda(), capability 7.5
  or more; BACKEND_DEVICES) take (kInt4Static, kFp8DynamicTokenSym), so under auto every NVIDIA
  GPU of 7.5 or more loads them.
- b12x: the nvfp4 and mxfp4 oracles' B12X backends build fused_moe/b12x.py B12xExperts, whose
  check is `current_platform.is_cuda() and current_platform.is_device_capability_family(120)`
  (and the b12x package), 0.29.0-0.34.0 (each wheel read)."""


def cuda_families(backend: str, expert_format: str, version: Version) -> tuple[str, ...] | None:
    """The compute capabilities CUDA_FAMILIES gives this value and format at `version`; None
    where it names none (another rule or no rule)."""
    for since, families in reversed(CUDA_FAMILIES.get(backend, {}).get(expert_format, ())):
        if version >= since:
            return families
    return None


def _family_words(families: tuple[str, ...]) -> str:
    """'compute capability 9.0, 10.x or 12.x', the B200/B300 or SM12x GPUs named for one."""
    shown = [f if "." in f else f"{f}.x" for f in families]
    named = {SM100: " (B200, B300)", ("12",): " (RTX 50-series, RTX PRO 6000, DGX Spark)"}
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"compute capability {listed}{named.get(families, '')}"


MXFP4_TRITON_CUDA: tuple[tuple[Version, tuple[int, int], tuple[int, int]], ...] = (
    ((0, 19, 0), (9, 0), (11, 0)), ((0, 32, 0), (9, 0), (13, 0)))
"""(first release, lowest, first refused) NVIDIA compute capability of OpenAI's Triton MoE,
which --moe-backend triton asks for gpt-oss's MXFP4 experts (map_mxfp4_backend: "triton" ->
[TRITON] -> OAITritonMxfp4ExpertsMonolithic, OAITritonExperts), and from 0.20.0 triton_unfused
(-> [TRITON_UNFUSED] -> UnfusedOAITritonExperts, which keeps BaseOAITritonExperts'
_supports_current_device: 0.20.0, 0.21.0, 0.22.0, 0.24.0, 0.25.0, 0.27.0, 0.29.0, 0.31.0-0.34.0
wheels read).
MXFP4_TRITON_ROCM_GFX9_GFX1X_FROM: from then on ROCm takes gfx90a/gfx942/gfx950 and gfx11/gfx12
targets; before, ROCm reads the same capability window as CUDA (gfx9 9.x, gfx10 10.x pass,
gfx11 11.x and gfx12 12.x do not).

NOTE: gpt_oss_triton_kernels_moe.py (fused_moe/ in 0.19.0, fused_moe/experts/ from 0.20.0)
_supports_current_device, the 0.19.0, 0.20.0, 0.21.0 wheels: is_cuda_alike() and (9, 0) <=
capability < (11, 0); _triton_kernel_moe_supports_current_device, the 0.22.0-0.31.0 wheels
(0.22, 0.25, 0.27-0.31 read): CUDA (9, 0) <= capability < (11, 0), ROCm on_gfx9() or
on_gfx1x() (platforms/rocm.py: "gfx90a", "gfx942", "gfx950"; "gfx11", "gfx12"); 0.32.0 and
0.33.0 the same with < (13, 0) on CUDA (0.34.0 too). An explicit backend that fails it raises
ValueError ("Mxfp4 MoE backend 'TRITON' does not support the deployment configuration since
kernel does not support current device ...") in the oracle's _return_or_raise (0.34.0:
MoEKernelOracle.return_or_raise, oracle/base.py, the same words)."""
MXFP4_TRITON_ROCM_GFX9_GFX1X_FROM: Version = (0, 22, 0)


def mxfp4_triton_runs(version: Version, vendor: str, compute_capability: str) -> bool | None:
    """Whether OpenAI's Triton MoE runs gpt-oss's experts on this GPU (MXFP4_TRITON_CUDA);
    None where the GPU does not say (no capability or gfx target)."""
    if vendor == "amd":
        if not compute_capability.startswith("gfx"):
            return None
        if version >= MXFP4_TRITON_ROCM_GFX9_GFX1X_FROM:
            return compute_capability in ("gfx90a", "gfx942", "gfx950") \
                or compute_capability.startswith(("gfx11", "gfx12"))
        return compute_capability.startswith(("gfx9", "gfx10"))
    capability = parse_capability(compute_capability)
    window = next((w for w in reversed(MXFP4_TRITON_CUDA) if version >= w[0]), None)
    if capability is None or window is None:
        return None
    return window[1] <= capability < window[2]


def _values(entries: tuple[Mapped, ...], first: Version, version: Version) -> tuple[str, ...]:
    """The values of `entries` (ORACLE_VALUES' form) that `version` holds."""
    out = []
    for entry in entries:
        value, since, until = (entry, first, None) if isinstance(entry, str) else (*entry, None)[:3]
        if in_span(version, since, until):
            out.append(value)
    return tuple(out)


WNA16_REASONS_FROM: Version = (0, 27, 0)
"""NOTE: fused_moe/oracle/int_wna16.py _backend_incompatibility_reason, asked for an explicit
backend before its kernel check from the 0.27.0 wheel (read in 0.27.0-0.34.0; absent in
0.25.0 and 0.26.0), raises "WNA16 MoE backend '<B>' does not support the deployment
configuration since <reason>." for (wna16_layout_reason):
- FLASHINFER_TRTLLM with may_have_zp or may_have_bias: "zero points and bias are not
  supported". AutoGPTQMoEMethod and AutoAWQMoEMethod pass may_have_bias=True (auto_gptq.py,
  auto_awq.py), compressed-tensors may_have_zp = not symmetric; MoeWNA16Method passes its
  has_zp, which Headroom does not read for GPTQ/AWQ checkpoints (not refused on it).
- TRITON with may_have_bias ("expert bias is not supported"): every AutoGPTQ/AutoAWQ layer
  (the AutoAWQConfig and desc_act checks come after it).
- MARLIN (and EMULATION) for a MoeWNA16Config: "the MoeWNA16 checkpoint layout is not
  supported"; MARLIN for a compressed-tensors layer that check_moe_marlin_supports_config
  refuses: "Marlin not supported for this layer" (the layouts moe_wna16_fallback names).
- RDNA3 (0.30.0 on): "only compressed-tensors checkpoints are supported", "asymmetric
  checkpoints are not supported"."""
WNA16_ANY_INT_FROM: Version = (0, 29, 0)
"""NOTE: the kernels' _supports_quant_scheme for the weight key each WNA16 method passes
(auto_gptq.py: QuantKey(uint4b8 / uint8b128, group scale) = kInt4Static / kInt8Static
whatever the group; auto_awq.py: kInt4Static; moe_wna16.py and compressed-tensors: kInt4Static32
for int4 in groups of 32, compressed-tensors symmetric=False for zero points), read in the
0.25.0-0.34.0 wheels (wna16_kernel_reason):
- HummingExpertsBase (fused_humming_moe.py): (kInt4Static, None) and (kInt8Static, None) only
  in 0.25.0-0.28.0; from the 0.29.0 wheel also any unsigned int key with row groups
  (_is_supported_wna16_weight_key), so groups of 32 and zero points too.
- TritonWNA16Experts (triton_moe.py, mapped from 0.27.0): kInt4Static, kInt8Static,
  kInt4Static32 in 0.27.0 and 0.28.0, the asymmetric kInt4StaticAsym / kInt4Static32Asym too
  from 0.29.0.
- TrtLlmMxint4ExpertsMonolithic: (kInt4Static32, None) only, 0.25.0-0.34.0.
- Int4EmulationTritonExperts (int4_emulation_moe.py, mapped from 0.26.0): the four int4 keys,
  no int8.
- MarlinExperts: every int4 key above and kInt8Static."""


CT_METHOD = "compressed-tensors' WNA16 MoE method"
"""How the refusals name CompressedTensorsWNA16MarlinMoEMethod (the Marlin path, 0.25-0.26) and
CompressedTensorsWNA16MoEMethod alike."""


def wna16_asks(version: Version, fallback: bool) -> bool:
    """Whether vLLM `version`'s int weight-only experts ask the WNA16 MoE oracle, which reads
    --moe-backend (WNA16_ASKS), on a layout Marlin MoE takes (fallback False) or not."""
    return version >= WNA16_ASKS[1] or (version >= WNA16_ASKS[0] and not fallback)


def _wna16_key(spec: ModelSpec, scheme: QuantScheme, fallback: bool) -> tuple[str, int, bool,
                                                                              bool]:
    """(the MoE method vLLM builds, bits, int4 in groups of 32 in its weight key, zero points)
    for int weight-only experts (WNA16_ANY_INT_FROM's NOTE): CT_METHOD,
    "MoeWNA16Method" (a GPTQ/AWQ/AutoRound layout Marlin MoE does not take) or the Marlin-path
    "AutoGPTQMoEMethod" / "AutoAWQMoEMethod", whose key never says the group."""
    bits = int_bits(scheme)
    g32 = bits == 4 and scheme.key.endswith("-g32")
    if _compressed_tensors(spec, scheme):
        return CT_METHOD, bits, g32, "-ct-" not in scheme.key
    if fallback:
        return "MoeWNA16Method", bits, g32, False
    return ("AutoAWQMoEMethod" if scheme.family == "awq" else "AutoGPTQMoEMethod"), bits, False, \
        False


def wna16_layout_reason(spec: ModelSpec, scheme: QuantScheme, backend: str, version: Version,
                        fallback: bool) -> str | None:
    """_backend_incompatibility_reason's words for this backend and these int weight-only
    experts (WNA16_REASONS_FROM), None where it has none."""
    if version < WNA16_REASONS_FROM:
        return None
    method, _, _, zero_points = _wna16_key(spec, scheme, fallback)
    bias = method in ("AutoGPTQMoEMethod", "AutoAWQMoEMethod")
    if backend == "flashinfer_trtllm" and (bias or zero_points):
        return (f"zero points and bias are not supported ({method} may hold expert bias)" if bias
                else "zero points and bias are not supported (this checkpoint has zero points)")
    if backend == "triton" and bias:
        return f"expert bias is not supported ({method} may hold expert bias)"
    if backend in (MARLIN, "emulation") and method == "MoeWNA16Method":
        return ("the MoeWNA16 checkpoint layout is not supported (Marlin MoE does not take this "
                "layout, so vLLM builds MoeWNA16Method)")
    if backend == MARLIN and method == CT_METHOD and fallback:
        return "Marlin not supported for this layer (check_moe_marlin_supports_config)"
    if backend == "rdna3" and method != CT_METHOD:
        return "only compressed-tensors checkpoints are supported"
    if backend == "rdna3" and zero_points:
        return "asymmetric checkpoints are not supported"
    return None


def wna16_kernel_reason(spec: ModelSpec, scheme: QuantScheme, backend: str, version: Version,
                        fallback: bool) -> str | None:
    """Why the kernel `backend` maps to does not take these experts' weight key
    (WNA16_ANY_INT_FROM), None where it does."""
    method, bits, g32, zero_points = _wna16_key(spec, scheme, fallback)
    if backend == "flashinfer_trtllm" and not (g32 and not zero_points):
        detail = (" with zero points" if zero_points else "" if bits == 8 else
                  " keyed without their group" if method.startswith("Auto") else
                  " not in groups of 32")
        return ("FlashInfer's MxInt4 MoE takes symmetric int4 in groups of 32 only, and "
                f"{method} hands the oracle int{bits} weights{detail}")
    if version < WNA16_ANY_INT_FROM and (backend == "humming" and (g32 or zero_points)
                                         or backend == "triton" and zero_points):
        return (f"{'Humming' if backend == 'humming' else 'Triton'}'s WNA16 MoE takes "
                f"{'int4 in groups of 32 or ' if backend == 'humming' else ''}zero points "
                f"from vLLM {version_label(WNA16_ANY_INT_FROM)} only")
    if backend == "emulation" and bits == 8:
        return "vLLM's int4 emulation MoE takes int4 weights only"
    return None


def _cutlass_fp8_disabled(spec: ModelSpec, scheme: QuantScheme) -> bool:
    """Whether the FP8 MoE oracle turns down an explicit "cutlass" for these FP8 experts: they
    load through another FP8 method than compressed-tensors'.

    NOTE: fused_moe/oracle/fp8.py select_fp8_moe_backend(..., allow_vllm_cutlass=False): an
    explicit "cutlass" (VLLM_CUTLASS, or its batched twin) raises ValueError("vLLM CUTLASS FP8
    MoE backend is disabled for this configuration.") unless the caller passes
    allow_vllm_cutlass=True, before the kernel check, every wheel 0.17.0-0.34.0 (each read). The
    callers: quantization/fp8.py Fp8MoEMethod passes False (FP8 checkpoints and --quantization
    fp8 before 0.20.0), online/fp8.py the default False (0.20.0-0.23.0; from 0.24.0 only
    Fp8PtpcOnlineMoEMethod passes True, the per-tensor and per-block online methods
    --quantization fp8 builds keep False), ModelOpt and the others leave the default; only
    compressed_tensors_moe(_w8a8_fp8).py CompressedTensorsW8A8Fp8MoEMethod passes True."""
    return not _compressed_tensors(spec, scheme)


def oracle_refusal(spec: ModelSpec, scheme: QuantScheme, backend: str, version: Version,
                   vendor: str, compute_capability: str, fallback: bool | None = None
                   ) -> str | None:
    """Why vLLM stops at start-up with --moe-backend `backend` for this MoE model's experts:
    their oracle does not map it (ORACLE_VALUES), turns it down for these experts
    (wna16_layout_reason, _cutlass_fp8_disabled), or maps it to a kernel this GPU cannot run
    (BACKEND_DEVICES, CUDA_FAMILIES) or these weights do not suit (wna16_kernel_reason), in
    vLLM's order. None where vLLM runs them, skips the value (oracle_skip_note) or the path
    was not read (NOT_ORACLE, formats outside MOE_ORACLES, releases before the oracle).

    Int weight-only experts depend on the layout (wna16_asks): they are answered only when
    `fallback` says whether vLLM sends this layout's experts from Marlin MoE to its fall-back
    (layout.moe_wna16_fallback), every other format only without it."""
    expert_format = _moe_experts(spec, scheme)[0]
    if not spec.is_moe or backend in NOT_ORACLE | {"auto"} or expert_format not in MOE_ORACLES \
            or runs_flydsl(spec, scheme, backend, version, compute_capability) \
            or (expert_format == "wna16") != (fallback is not None):
        return None
    first = ORACLE_FROM[expert_format]
    if version < first or backend in _values(ORACLE_SKIPS.get(expert_format, ()), first, version) \
            or fallback is not None and not wna16_asks(version, fallback):
        return None
    mapped = _values(ORACLE_VALUES[expert_format], first, version)
    label = version_label(version)
    oracle, kind = MOE_ORACLES[expert_format]
    raises = f"the {kind} MoE oracle (fused_moe/oracle/{oracle}.py) raises at start-up"
    if backend not in mapped:
        hint = ("vLLM's FlyDSL MoE runs compressed-tensors int4 experts in groups of 32 on "
                "gfx950 GPUs only" if backend == FLYDSL else
                f"vLLM expects one of {', '.join(mapped)}")
        return (f"vLLM {label}: moe_backend='{backend}' is not supported for {kind} MoE "
                f"(fused_moe/oracle/{oracle}.py raises at start-up): {hint}")
    why = (wna16_layout_reason(spec, scheme, backend, version, fallback)
           if fallback is not None else None)
    if why:
        return (f"vLLM {label}: --moe-backend {backend} does not take these {scheme.label} "
                f"experts: {why}; {raises}")
    if backend == "cutlass" and expert_format == "fp8" and _cutlass_fp8_disabled(spec, scheme):
        return (f"vLLM {label}: --moe-backend cutlass: vLLM CUTLASS FP8 MoE backend is disabled "
                "for this configuration (only compressed-tensors FP8 checkpoints allow it; "
                f"these experts load through another FP8 method): {raises}")
    if scheme.key == "mxfp4" and MXFP4_BACKEND_KERNELS.get(backend) == "triton" \
            and mxfp4_triton_runs(version, vendor, compute_capability) is False:
        where = (f"compute capability {compute_capability}" if vendor == "nvidia" else
                 compute_capability)
        return (f"vLLM {label}: --moe-backend {backend} asks for OpenAI's Triton MoE for these "
                f"MXFP4 experts, which does not run on {where}: {raises}; leave the MoE "
                "backend to vLLM (auto)")
    device = _device_refusal(backend, expert_format, version, vendor, compute_capability)
    if device:
        return f"vLLM {label}: {device}: {raises}"
    why = (wna16_kernel_reason(spec, scheme, backend, version, fallback)
           if fallback is not None else None)
    return (f"vLLM {label}: --moe-backend {backend} does not take these {scheme.label} experts: "
            f"{why}; {raises}") if why else None


def _device_refusal(backend: str, expert_format: str, version: Version, vendor: str,
                    compute_capability: str) -> str | None:
    """'--moe-backend B asks for K, which runs on ... only, not on ...' where this GPU fails
    the kernel's device check (BACKEND_DEVICES, CUDA_FAMILIES), else None."""
    if backend not in BACKEND_DEVICES:
        return None
    what, needs_vendor, need = BACKEND_DEVICES[backend]
    capability = parse_capability(compute_capability)
    families = cuda_families(backend, expert_format, version)
    if vendor == "nvidia" == needs_vendor and families is not None and capability is not None \
            and f"{capability[0]}.{capability[1]}" not in families \
            and str(capability[0]) not in families:
        return (f"--moe-backend {backend} asks for {what}, which runs on "
                f"{_family_words(families)} only, not on compute capability "
                f"{compute_capability}")
    if vendor == needs_vendor and (
            need is None or isinstance(need, str) and compute_capability == need
            or isinstance(need, tuple) and (capability is None or capability >= need)):
        return None
    runs_on = (f"CUDA GPUs of compute capability {need[0]}.{need[1]} or more"
               if isinstance(need, tuple) else
               f"AMD {need} GPUs (ROCm)" if need else
               "CUDA GPUs" if needs_vendor == "nvidia" else "AMD GPUs (ROCm)")
    where = (("an AMD GPU (ROCm)" if vendor == "amd" else "an NVIDIA GPU (CUDA)")
             if vendor != needs_vendor else
             f"compute capability {compute_capability}" if vendor == "nvidia" else
             compute_capability)
    return f"--moe-backend {backend} asks for {what}, which runs on {runs_on} only, not on {where}"


def oracle_skip_note(spec: ModelSpec, scheme: QuantScheme, backend: str, version: Version
                     ) -> str | None:
    """The plan's note where the experts' oracle skips --moe-backend `backend` and picks their
    kernel as under auto (ORACLE_SKIPS)."""
    expert_format = _moe_experts(spec, scheme)[0]
    if not spec.is_moe or expert_format not in ORACLE_SKIPS \
            or backend not in _values(ORACLE_SKIPS[expert_format], (0, 0, 0), version):
        return None
    oracle, kind = MOE_ORACLES[expert_format]
    return (f"--moe-backend {backend}: these experts are 16-bit, and vLLM "
            f"{version_label(version)}'s {kind} MoE oracle (fused_moe/oracle/{oracle}.py) skips "
            f"'{backend}' (quantization-only) and picks their kernel as without the flag")


AITER_ENV_FORMATS = ("float", "fp8")
"""The expert formats whose "aiter" is AiterExperts alone (oracle/unquantized.py and fp8.py
map it to AITER; backend_to_kernel_cls gives AiterExperts, in 0.33.0 and 0.34.0 its subclasses
AiterUnquantizedExperts and AiterFp8Block/Tensor/ChannelExperts, which keep its device check),
checked by aiter_env_note.

NOTE: experts/rocm_aiter_moe.py (rocm_aiter_fused_moe.py before) AiterExperts.
_supports_current_device is rocm_aiter_ops.is_fused_moe_enabled(): _AITER_ENABLED and
_FMOE_ENABLED, read from envs.py VLLM_ROCM_USE_AITER (default "False") and
VLLM_ROCM_USE_AITER_MOE (default "True"), the same in the 0.17.0, 0.25.0, 0.33.0 and 0.34.0 wheels
(_aiter_ops.py): without VLLM_ROCM_USE_AITER=1 an explicit aiter fails the oracle's kernel
check and raises at start-up even on ROCm (if_aiter_supported also wants a gfx9 target)."""


def aiter_env_note(spec: ModelSpec, scheme: QuantScheme, backend: str, version: Version,
                   vendor: str) -> str | None:
    """The plan's note that --moe-backend aiter needs VLLM_ROCM_USE_AITER=1 on an AMD GPU
    (AITER_ENV_FORMATS' NOTE), where the experts' oracle maps it."""
    expert_format = _moe_experts(spec, scheme)[0]
    if backend != "aiter" or vendor != "amd" or not spec.is_moe \
            or expert_format not in AITER_ENV_FORMATS \
            or version < ORACLE_FROM[expert_format]:
        return None
    oracle, kind = MOE_ORACLES[expert_format]
    return (f"--moe-backend aiter: vLLM {version_label(version)} runs AITER's MoE only with "
            "VLLM_ROCM_USE_AITER=1 in the server's environment (off by default); without it "
            f"the {kind} MoE oracle (fused_moe/oracle/{oracle}.py) raises at start-up. The "
            "command below does not set it")


def b12x_width_problem(version: Version, widths: list[int]) -> tuple[bool, str] | None:
    """(refused, why) where a MoE layer's intermediate size per TP rank (`widths`) is not a
    multiple of 128 on a release b12x_workspace_bytes sizes (B12X_SIZED), else None: vLLM
    0.25-0.26 stop in the profile run (refused), 0.27-0.28 keep a padded copy of the layer's
    expert weights that the plan does not size (a warning).

    NOTE: FlashInfer 0.6.13 and 0.6.14 (vLLM 0.25, 0.26) blackwell_sm12x/moe_dispatch.py
    _get_weight_views, which B12xMoEWrapper.run calls with n = intermediate_size on the first
    forward, raises ValueError "intermediate_size (N) must be a multiple of 128 for the SM120
    MoE kernel's gate/up tile split". FlashInfer 0.6.16.post3 (vLLM 0.27, 0.28) instead has
    B12xMoEWrapper.run call _pad_intermediate_to_tile once and keep its result on the wrapper
    (self._padded_weights): zero-padded copies of w1, w2 and their scale factors at the width
    rounded up to 128, beside vLLM's own weights."""
    odd = sorted({n for n in widths if n % TILE})
    if not b12x_sized(version) or not odd:
        return None
    label = version_label(version)
    shown = ", ".join(f"{n:,}" for n in odd)
    if version < B12X_PADS_FROM:
        return True, (f"vLLM {label}: --moe-backend {B12X} needs each MoE layer's intermediate "
                      f"size per TP rank to be a multiple of {TILE}, here {shown}: FlashInfer "
                      "0.6.13/0.6.14 (_get_weight_views) raises 'intermediate_size ... must be "
                      f"a multiple of {TILE}' in the profile run; plan another TP size")
    return False, (f"--moe-backend {B12X}: vLLM {label}'s FlashInfer 0.6.16.post3 zero-pads each "
                   f"MoE layer's experts from an intermediate size per TP rank of {shown} to a "
                   f"multiple of {TILE} in the profile run and keeps that copy of their weights "
                   "(_pad_intermediate_to_tile): it comes off the KV cache, and this plan does "
                   "not size it")


def b12x_ep_refusal(version: Version) -> str | None:
    """vLLM 0.25.0 on refuse flashinfer_b12x with expert parallelism (B12X_EP_FROM).

    NOTE: FlashInferB12xExperts._supports_parallel_config returns not use_ep (0.25.0-0.34.0
    wheels: "B12xMoEWrapper does not yet support expert parallelism"); True in 0.22.0-0.24.0."""
    if version < B12X_EP_FROM:
        return None
    return (f"vLLM {version_label(version)}: --moe-backend {B12X} does not run with expert "
            "parallelism (FlashInferB12xExperts._supports_parallel_config: not use_ep); "
            "plan without --ep")


def b12x_note(version: Version) -> str | None:
    """The plan's note where flashinfer_b12x holds a workspace Headroom does not size."""
    if b12x_sized(version) or version < B12X_FROM:
        return None
    label = version_label(version)
    why = ("runs FlashInfer's functional b12x_fused_moe, whose workspace FlashInfer caches "
           "once per shape for all layers" if version < B12X_SIZED[0] else
           "builds a FlashInfer B12xMoEWrapper per MoE layer over FlashInfer 0.6.18 or later, "
           "whose buffers Headroom has not read")
    return (f"--moe-backend {B12X}: vLLM {label} {why}: that MoE workspace is allocated in the "
            "profile run and comes off the KV cache, and this plan does not size it (sized for "
            "vLLM 0.25-0.28: planner.serving.moe_backend)")


TRTLLM_BF16_PAD_FROM: Version = (0, 29, 0)
"""NOTE: the first release that pads gated (SiLU) 16-bit experts for FlashInfer's TRT-LLM BF16
MoE, to a per-GPU expert width (intermediate size per partition) that is a multiple of 128,
hidden size untouched: fused_moe/oracle/unquantized.py convert_to_unquantized_kernel_format's
FLASHINFER_TRTLLM branch, align_moe_weights_for_fi(w13, w2, is_act_and_mul, min_alignment=128)
(quantization/utils/flashinfer_utils.py: new_zeros tensors of the padded width, which
unquantized_fused_moe_method.py process_weights_after_loading puts in place of the loaded ones
with replace_parameter), 0.29.0 and 0.30.0 wheels; from 0.31.0 (0.31.0-0.34.0 read)
UnquantizedFusedMoEMethod.maybe_roundup_sizes ->
unquantized_round_up_hidden_size_and_intermediate_size allocates them padded (round_up(
intermediate_size, 128) for FLASHINFER_TRTLLM). The 0.24.0-0.28.0 wheels (each read) call
align_moe_weights_for_fi only `if not is_act_and_mul` (RELU2_NO_MUL experts, not modelled
here), so gated experts run the kernel unpadded; the 0.20.0-0.23.0 wheels pad nothing."""
TRTLLM_BF16_WIDTH = 128
TRTLLM_BF16_SOFTMAX_TYPES = frozenset({
    "mixtral", "qwen2_moe", "qwen3_moe", "qwen3_vl_moe", "qwen3_vl_moe_text", "qwen3_next",
    "qwen3_5_moe", "qwen3_5_moe_text"})
"""The model types whose vLLM MoE routes by softmax -> top-k with SiLU experts and no custom
routing function or router bias (mixtral.py, qwen2_moe.py, qwen3_moe.py (qwen3_vl_moe.py
builds its Qwen3MoeSparseMoeBlock), qwen3_next.py (qwen3_5.py builds its
Qwen3NextSparseMoeBlock), 0.24.0 and 0.34.0 wheels): FusedTopKRouter.routing_method_type ->
config.py get_routing_method_type gives RenormalizeNaive where they renormalize
(ModelSpec MoeMlp.renormalize), Default where not (the same in the 0.24.0, 0.27.0, 0.30.0,
0.32.0 and 0.34.0 wheels). Other families are not read here and plan unpadded: Gemma 4
(gelu_tanh, a custom router) and DeepSeek-V2-Lite (softmax without renormalizing) are refused
by the kernel; Nemotron-H and GLM-4.x MoE (sigmoid with a bias) hang on router_factory.py's
degenerate-grouping rule, which changes between releases; Llama 4's Llama4 routing is taken, but
its 8,192 width stays a multiple of 128 up to TP 64."""


def trtllm_bf16_width_pad(spec: ModelSpec, scheme: QuantScheme, moe_backend: str | None,
                          version: Version, compute_capability: str, vendor: str) -> int:
    """The multiple vLLM `version` pads each GPU's 16-bit expert width to: 128 where it runs
    the routed experts on FlashInfer's TRT-LLM BF16 MoE (TRTLLM_BF16_PAD_FROM), else 1.

    NOTE: fused_moe/oracle/unquantized.py _get_priority_backends (0.24.0-0.34.0 wheels, each
    read) lists FLASHINFER_TRTLLM first on CUDA, moved back only on family 90 (Hopper) and,
    from 0.25.0, for SWIGLUOAI (gpt-oss); dp_size > 1 moves only FLASHINFER_CUTLASS. Its kernel
    (experts/trtllm_bf16_moe.py TrtLlmBf16Experts(Base/Monolithic)) takes is_cuda() and
    is_device_capability_family(100) only (B200 10.0, B300 10.3; never 12.x, where
    FlashInfer's CUTLASS MoE, which pads nothing, comes next; never ROCm), SILU or RELU2_NO_MUL,
    routing DeepSeekV3, Llama4, Renormalize, RenormalizeNaive, SigmoidRenorm, Sigmoid (MiniMax2
    too by 0.34.0), at most 2,048 experts (0.28.0 on), no EPLB, and no all2all kernels but
    allgather/reducescatter (the default --all2all-backend, config/parallel.py): every
    Headroom layout. --moe-backend flashinfer_trtllm asks it outright; any other value, LoRA
    (not planned here) or VLLM_BATCH_INVARIANT leave it. Qwen3-30B-A3B at TP 8: 768 / 8 = 96
    -> 128 per GPU."""
    capability = parse_capability(compute_capability)
    if (vendor != "nvidia" or capability is None or capability[0] != 10
            or version < TRTLLM_BF16_PAD_FROM
            or normalize_moe_backend(moe_backend or "auto") not in ("auto", "flashinfer_trtllm")
            or spec.model_type not in TRTLLM_BF16_SOFTMAX_TYPES
            or _moe_experts(spec, scheme)[0] != "float"):
        return 1
    mlps = [layer.mlp for layer in spec.layers if isinstance(layer.mlp, MoeMlp)]
    return TRTLLM_BF16_WIDTH if mlps and all(m.renormalize and m.gated for m in mlps) else 1
