"""vLLM's --all2all-backend (ParallelConfig.all2all_backend, vllm/config/parallel.py): the
MoE dispatch / combine of expert-parallel layouts, where vLLM reads it, and the GPU memory the
DeepEP backends' buffers take from the KV pool.

The values each release's parser takes are its All2AllBackend Literal (the
planner/serving/vllm_cli fixtures, "--all2all-backend"; tools/extract_vllm_cli.py), no case or
'-' folding (argparse choices): six in 0.11.1-0.14.0; mori 0.15.0-0.22.1; nixl_ep and the
flashinfer_nvlink_* pair from 0.18.0; mori_high_throughput / mori_low_latency from 0.23.0 (and
mori again in 0.34.0); deepep_v2 from 0.24.0; moonep from 0.31.0. 'passthrough' is in the
Literal from 0.32.0 but arg_utils.py takes it out of the parser's choices (--moe-backend sets
it).

NOTE: read in the 0.9.1-0.34.0 wheels:
- The flag arrives in 0.11.1 (the vllm_cli fixtures, which the refusal reads). Before, vLLM reads
  only the VLLM_ALL2ALL_BACKEND environment variable (envs.py: default "naive" in 0.9.1-0.10.2,
  "allgather_reducescatter" in 0.11.0); 0.11.1-0.13.0 fall back to it when the flag is unset (its
  default allgather_reducescatter), 0.14.0 on default the field itself to allgather_reducescatter.
- Where it is read: every rank's EP-group communicator builds the backend's manager whenever
  --data-parallel-size > 1 (base_device_communicator.py DeviceCommunicatorBase.__init__:
  `use_ep = data_parallel_size > 1`; cuda_communicator.py CudaCommunicator.__init__), with or
  without --enable-expert-parallel, so the manager's own package check runs there. From 0.14.0
  a dense model has no EP group (parallel_state.py initialize_model_parallel: "Don't create EP
  group for dense models", `model_config.is_moe`; 0.11.1-0.13.0 make it for every model, 0.14.0,
  0.15.0, 0.19.0, 0.33.0 and 0.34.0 read), so no manager and no package check there; the MoE
  layers run its all-to-all kernels only with both (fused_moe/config.py
  FusedMoEParallelConfig.use_all2all_kernels: `dp_size > 1 and use_ep`; 0.33.0 adds prefill
  context parallel, which Headroom does not plan, and sequence-parallel MoE
  (vllm_versions.sequence_parallel_moe), which need DP > 1 too). Without EP at DP > 1 they
  still dispatch through the manager's own dispatch / combine, which only the gathering
  managers have (no_ep_dispatch_refusal).
- Removed values the parser still takes: pplx from 0.17.0, naive from 0.19.0
  (ParallelConfig.__post_init__ logs "The '<value>' all2all backend has been removed. Falling
  back to 'allgather_reducescatter'." and runs that).
- Packages: the DeepEP managers assert has_deep_ep() ("DeepEP kernels not found. ..."), PPLX's
  has_pplx() (0.11.1-0.16.0), MoRI's has_mori() (device_communicators/all2all.py); no wheel's
  METADATA requires deep_ep, pplx_kernels or mori (0.11.1, 0.19.0, 0.33.0 read), so a
  `pip install vllm` lacks them and the server stops at start-up in those words. Whether a
  given vLLM image ships them is not checked here.
- Buffers: allgather_reducescatter (AgRsAll2AllManager, `__init__` only) and naive
  (NaiveAll2AllManager) hold none. The DeepEP managers' get_handle builds one deep_ep.Buffer
  (handle_cache, the same kwargs for every MoE layer): DeepEPHTAll2AllManager._make_all2all_kwargs
  num_nvl_bytes = VLLM_DEEPEP_BUFFER_SIZE_MB (envs.py default 1024) x 2**20, num_rdma_bytes the
  same where the EP group spans nodes (All2AllManagerBase.internode; not with
  VLLM_DEEPEP_HIGH_THROUGHPUT_FORCE_INTRA_NODE=1), else 0; DeepEPLLAll2AllManager the same
  num_nvl_bytes and num_rdma_bytes = deep_ep.Buffer.get_low_latency_rdma_size_hint(...), a
  DeepEP function sized below (deepep_ll_rdma_bytes). Every wheel 0.11.1-0.34.0 (1 GiB
  hard-coded in 0.9.1-0.10.2, the variable from 0.11.0).
- The low-latency size hint's inputs (fused_moe/all2all_utils.py maybe_make_prepare_finalize,
  the use_deepep_ll_kernels branch, 0.11.1-0.34.0 read; layer.py before): tokens
  moe.max_num_tokens, hidden moe.hidden_dim, ranks the EP group's size, experts moe.num_experts
  (the FusedMoE layer's global_num_experts: the routed experts + EPLB's redundant ones,
  planner.serving.eplb; 0.33.0 on take out a checkpoint's approximate_experts
  (expert_substitution.py), not read here). Per release:
    release        tokens (moe.max_num_tokens)                   hidden (moe.hidden_dim)
    0.11.1-0.19.0  VLLM_MOE_DP_CHUNK_SIZE, envs.py default 256    rounded up to LL_HIDDEN_SIZES
    0.20.0-0.34.0  --max-num-batched-tokens (scheduler_config);   the same
                   its default 256 under batched-DP MoE
  (layer.py FusedMoEConfig(max_num_tokens=envs.VLLM_MOE_DP_CHUNK_SIZE) 0.11.1-0.19.0, the
  variable gone from 0.20.0's envs.py; max_num_tokens=scheduler_config.max_num_batched_tokens
  0.20.0-0.34.0: MOE_TOKENS_FROM_BUDGET_FROM). The hidden size is the experts' own
  (Nemotron-H's latent size), rounded up by DeepEPLLPrepareAndFinalize
  .maybe_roundup_layer_hidden_size to the least SUPPORTED_HIDDEN_SIZES entry at or above it
  (the same list in every wheel 0.11.1-0.34.0; 0.10.2 and 0.11.0 list six and only assert at
  dispatch); above 8192 it raises ValueError("Hidden Size {h} is greater than the maximum
  supported hidden size 8192"). The quant methods' own round-ups after it (0.34.0
  unquantized_round_up_hidden_size_and_intermediate_size) change only the intermediate size.
  vLLM's handle_cache builds one deep_ep.Buffer per distinct kwargs: MoE layers of more than
  one (hidden, experts) are not sized here.
- Batched-DP MoE (BATCHED_DP_FROM): ParallelConfig.use_batched_dp_moe (config/parallel.py:
  all2all_backend in ("deepep_low_latency", "nixl_ep"), --enable-expert-parallel and
  --data-parallel-size > 1, whatever the model) makes engine/arg_utils.py
  _set_default_max_num_seqs_and_batched_tokens_args default --max-num-batched-tokens to
  SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP = 256 in place of the GPU's
  tier (then the same chunked-prefill-off and max_num_seqs x max_model_len rules, and
  max_num_seqs capped at the tokens): absent from the 0.11.1-0.19.0 wheels, the same in every
  wheel 0.20.0-0.34.0.
- The low-latency RDMA size (deepseek-ai/DeepEP csrc/config.hpp LowLatencyLayout and
  get_low_latency_rdma_size_hint, csrc/kernels/configs.cuh NUM_BUFFER_ALIGNMENT_BYTES 128, read
  at commit 3861241a): with T tokens, hidden h, E experts and h // 128 scales, a dispatch
  message 16 + max(2h, h + 4 x scales) B (an int4 and the bf16 row or the fp8 row and its float
  scales), a combine message 4 x scales + 2h B; send max(T x dispatch, E x T x combine), receive
  max(E x T x dispatch, E x T x combine), signalling align_up(4E, 128), each twice (odd/even),
  then ((total + 128) // 128) x 128. The rank count does not enter it. Other DeepEP commits
  and forks differ (DEEPEP_NOTE). NVSHMEM's symmetric heap holds it: DeepEP's buffer.py sets
  NVSHMEM_CUMEM_GRANULARITY = 2^29 ("NVSHMEM initialization requires at least 256 MiB", read at
  commit 04b06f7), NVSHMEM's documented default too ("Granularity for cuMemAlloc/cuMemCreate";
  its heap is NVSHMEM_SYMMETRIC_SIZE, default 1 GiB): how far the heap's physical memory
  exceeds the hint was not read from a source, so that rounding is unmodelled.
- DeepEP's Buffer (deepseek-ai/DeepEP csrc/deep_ep.cpp Buffer::Buffer and sync,
  csrc/kernels/configs.cuh, read at commit 011d766): cudaMalloc(num_nvl_bytes + 8 x 4 + 8 x 8
  + 8 x 8 B) (NUM_MAX_NVL_PEERS = 8 barrier signals, buffer and signal pointers), a
  cudaMalloc'd 32 MiB workspace (NUM_WORKSPACE_BYTES), and num_rdma_bytes from NVSHMEM's
  symmetric heap at sync. vLLM pins no DeepEP release, so these are unverified for the DeepEP
  a server has (DEEPEP_NOTE).
- When: at model load, before vLLM's profile (the kernel set-up of the quant method's
  process_weights_after_loading, 0.33.0; prepare_communication_buffer_for_model right after
  the weights are measured, 0.11.1 and 0.21.0 gpu_model_runner.py load_model). Both
  allocations are outside torch's allocator, and vLLM measures the weights as torch memory
  (DeviceMemoryProfiler) and the non-torch increase from the worker's start snapshot
  (utils/mem_utils.py memory_profiling, gpu_worker.py determine_available_memory): the buffer
  is non-torch memory the KV pool loses.
"""

from planner.serving.vllm_cli import VllmCli, invalid_choice, unrecognized_flag
from planner.serving.vllm_versions import Version, version_label

MIB = 1 << 20

AGRS, NAIVE = "allgather_reducescatter", "naive"
AGRS_DEFAULT_FROM: Version = (0, 11, 0)
"""NOTE: the release whose default backend is allgather_reducescatter: envs.py
VLLM_ALL2ALL_BACKEND defaults to "naive" in 0.9.1-0.10.2 and to "allgather_reducescatter" in
0.11.0; the --all2all-backend flag's default from 0.11.1 (module NOTE)."""
REMOVED_FROM: dict[str, Version] = {"pplx": (0, 17, 0), "naive": (0, 19, 0)}
"""NOTE: ParallelConfig.__post_init__ turns these into allgather_reducescatter from the release
given (`== "pplx"` in 0.17.0-0.18.0, `in ["pplx", "naive"]` from 0.19.0)."""
DENSE_NO_EP_GROUP_FROM: Version = (0, 14, 0)
"""NOTE: the release from which a dense model gets no EP group, so no all2all manager
(parallel_state.py initialize_model_parallel; module NOTE)."""
DEEPEP_HT, DEEPEP_LL = "deepep_high_throughput", "deepep_low_latency"
PACKAGE_ERRORS = {
    DEEPEP_HT: ("deep_ep", "DeepEP kernels not found. Please follow https://github.com/"
                "vllm-project/vllm/blob/main/tools/ep_kernels/README.md to install DeepEP "
                "kernels."),
    "pplx": ("pplx_kernels", "pplx_kernels not found. Please follow https://github.com/"
             "vllm-project/vllm/blob/main/tools/ep_kernels/README.md to install pplx_kernels."),
    "mori": ("mori", "MoRI kernels not found. Please follow https://github.com/ROCm/mori/blob/"
             "main/README.md to install MoRI kernels."),
}
"""NOTE: the package each manager asserts at construction, and vLLM's words when it is missing
(distributed/device_communicators/all2all.py, 0.11.1-0.34.0; mori from 0.15.0)."""
PACKAGE_ERRORS[DEEPEP_LL] = PACKAGE_ERRORS[DEEPEP_HT]
PACKAGE_ERRORS["mori_high_throughput"] = PACKAGE_ERRORS["mori_low_latency"] = \
    PACKAGE_ERRORS["mori"]
NO_BUFFER = (AGRS, NAIVE)
"""Managers that hold no GPU buffer of their own (module NOTE)."""

DEEPEP_BUFFER_MB = 1024
"""NOTE: envs.py VLLM_DEEPEP_BUFFER_SIZE_MB default, 0.11.0-0.34.0 wheels."""
DEEPEP_META_BYTES = 8 * 4 + 8 * 8 + 8 * 8
"""DeepEP Buffer::Buffer: NUM_MAX_NVL_PEERS (8) int barrier signals + 8 buffer pointers + 8
signal pointers after the NVLink buffer (module NOTE; unverified per DeepEP release)."""
DEEPEP_WORKSPACE_BYTES = 32 * MIB
"""DeepEP configs.cuh NUM_WORKSPACE_BYTES (module NOTE; unverified per DeepEP release)."""
DEEPEP_NOTE = ("DeepEP's own allocations (the 160 B after the NVLink buffer, the 32 MiB "
               "workspace, RDMA bytes from NVSHMEM's heap) are read in deepseek-ai/DeepEP "
               "csrc/deep_ep.cpp at one commit (011d766), the low-latency RDMA size in "
               "csrc/config.hpp at another (3861241a); vLLM pins no DeepEP release: "
               "unverified for the DeepEP installed")
LL_HIDDEN_SIZES = (2048, 2560, 3072, 4096, 5120, 6144, 7168, 8192)
"""NOTE: DeepEPLLPrepareAndFinalize.SUPPORTED_HIDDEN_SIZES, 0.11.1-0.34.0 wheels: the hidden
size the low-latency kernels run, the least entry at or above the layer's (module NOTE)."""
LL_ALIGNMENT_BYTES = 128
"""DeepEP csrc/kernels/configs.cuh NUM_BUFFER_ALIGNMENT_BYTES (module NOTE)."""
MOE_DP_CHUNK_TOKENS = 256
"""NOTE: envs.py VLLM_MOE_DP_CHUNK_SIZE default, 0.11.1-0.19.0 wheels: the low-latency
buffer's tokens before MOE_TOKENS_FROM_BUDGET_FROM."""
MOE_TOKENS_FROM_BUDGET_FROM: Version = (0, 20, 0)
"""NOTE: the release from which FusedMoEConfig.max_num_tokens, the low-latency buffer's tokens,
is --max-num-batched-tokens (fused_moe/layer.py; module NOTE)."""
BATCHED_DP_BACKENDS = (DEEPEP_LL, "nixl_ep")
BATCHED_DP_FROM: Version = (0, 20, 0)
"""NOTE: the release from which ParallelConfig.use_batched_dp_moe defaults
--max-num-batched-tokens to BATCHED_DP_TOKENS (module NOTE)."""
BATCHED_DP_TOKENS = 256
"""NOTE: SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP (config/scheduler.py,
0.20.0-0.34.0 wheels)."""


def all2all_refusal(backend: str, cli: VllmCli) -> str | None:
    """Why vLLM `cli.vllm_version`'s parser refuses --all2all-backend `backend`, in one line
    (before the flag: the environment variable that release reads instead)."""
    missing = unrecognized_flag("--all2all-backend", cli)
    if missing:
        return (f"{missing}; this release reads VLLM_ALL2ALL_BACKEND from the server's "
                "environment instead, which Headroom does not plan")
    if not cli.accepts("--all2all-backend", backend):
        return invalid_choice(cli, "--all2all-backend", backend)
    return None


def runs_all2all(dp: int, ep: bool, is_moe: bool) -> bool:
    """Whether the MoE layers dispatch through the --all2all-backend (module NOTE: EP and
    DP > 1, a model with MoE layers)."""
    return is_moe and ep and dp > 1


def effective_backend(backend: str, version: Version) -> str:
    """The backend vLLM runs for `backend`: allgather_reducescatter for a removed one
    (REMOVED_FROM)."""
    removed = REMOVED_FROM.get(backend)
    return AGRS if removed and version >= removed else backend


def running_backend(given: str | None, version: Version) -> str:
    """The backend vLLM `version` runs: `given` (a value its parser takes: plan.moe.
    all2all_taken), else the release's default (AGRS_DEFAULT_FROM), a removed value replaced
    (effective_backend)."""
    default = AGRS if version >= AGRS_DEFAULT_FROM else NAIVE
    return effective_backend(given or default, version)


GATHERS = (AGRS, NAIVE)
"""The managers whose dispatch / combine gather the DP ranks' tokens (no_ep_dispatch_refusal)."""


def no_ep_dispatch_refusal(backend: str | None, version: Version, dp: int, ep: bool,
                           is_moe: bool) -> str | None:
    """vLLM `version`'s failure where an MoE model runs at --data-parallel-size > 1 without
    --enable-expert-parallel on a given backend whose manager has no dispatch (any but
    GATHERS, a removed value replaced: effective_backend); None elsewhere.

    NOTE: the EP group's communicator builds the backend's manager whenever DP > 1
    (base_device_communicator.py `use_ep = data_parallel_size > 1`; cuda_communicator.py
    CudaCommunicator.__init__ by all2all_backend), and without EP the MoE layer dispatches
    through it: fused_moe/layer.py forward_impl `do_naive_dispatch_combine = dp_size > 1 and
    not isinstance(quant_method, FusedMoEModularMethod)` then get_ep_group().dispatch (0.11.1,
    0.13.0 wheels); from 0.19.0 the runner's do_naive_dispatch_combine
    (get_ep_group().dispatch_router_logits / combine) or, for a quant method with its own
    modular kernel, all2all_utils.maybe_make_prepare_finalize's "Falling back to
    AllGather+ReduceScatter" prepare / finalize (prepare_finalize/naive_dp_ep.py), whose
    prepare calls get_ep_group().dispatch (0.19.0, 0.34.0 wheels). Only NaiveAll2AllManager
    and AgRsAll2AllManager implement dispatch and combine; the PPLX, DeepEP (HT, LL, V2),
    FlashInfer, MoRI, MoonEP, NIXL EP and passthrough managers inherit or keep
    All2AllManagerBase's `raise NotImplementedError` (device_communicators/*.py of the 0.11.1,
    0.19.0 and 0.34.0 wheels, read class by class), so vLLM stops at its profiling forward.
    Read, not run. FlashInfer CUTLASS MoE's chunked DP path (0.11.x) is not modelled."""
    if backend is None or ep or dp < 2 or not is_moe:
        return None
    runs = effective_backend(backend, version)
    if runs in GATHERS:
        return None
    return (f"NotImplementedError (--all2all-backend {runs} without --enable-expert-parallel "
            f"at --data-parallel-size {dp}: vLLM {version_label(version)} builds {runs}'s "
            "manager for the EP group whenever DP > 1 and the MoE layers dispatch through it "
            "without EP too, and that manager has no dispatch; vLLM stops at its profiling "
            "forward). Add --enable-expert-parallel, or give allgather_reducescatter.")


def all2all_notes(backend: str, version: Version, dp: int, ep: bool, is_moe: bool,
                  tokens_given: bool = False) -> list[str]:
    """What vLLM `version` does with --all2all-backend `backend` on this layout, in the plan's
    notes: ignored (a dense model, DP = 1), the gather DP > 1 without EP runs through it
    (no_ep_dispatch_refusal refuses the backends that have none), replaced (a removed value),
    the package its manager needs where vLLM builds one (DP > 1, and from 0.14.0 a model
    with MoE layers: DENSE_NO_EP_GROUP_FROM), and the batched-DP token budget where no
    --max-num-batched-tokens is given (`tokens_given`: batched_dp_moe)."""
    v = version_label(version)
    notes = []
    if batched_dp_moe(backend, version, dp, ep) and not tokens_given:
        notes.append(f"--all2all-backend {backend} with --enable-expert-parallel and "
                     f"--data-parallel-size > 1: vLLM {v} defaults --max-num-batched-tokens to "
                     f"{BATCHED_DP_TOKENS} (ParallelConfig.use_batched_dp_moe, SchedulerConfig."
                     "DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP), not the GPU's default: "
                     "the budget planned here.")
    runs = effective_backend(backend, version)
    if not is_moe or dp < 2:
        why = ("the model has no MoE layers" if not is_moe else
               "the MoE all-to-all runs only with --enable-expert-parallel and "
               "--data-parallel-size > 1 (FusedMoEParallelConfig.use_all2all_kernels)")
        notes.append(f"--all2all-backend {backend}: vLLM {v} ignores it on this layout: {why}.")
    elif not ep:  # a gathering manager here: no_ep_dispatch_refusal refuses the others
        how = "broadcast and all-reduce" if runs == NAIVE else "all-gather and reduce-scatter"
        notes.append(f"--all2all-backend {backend}: without --enable-expert-parallel vLLM {v}'s "
                     f"MoE layers still dispatch through its manager at --data-parallel-size "
                     f"> 1: they {how} the DP ranks' tokens.")
    if runs != backend:
        notes.append(f"--all2all-backend {backend}: vLLM {v} logs \"The '{backend}' all2all "
                     "backend has been removed. Falling back to 'allgather_reducescatter'.\" "
                     "and runs allgather_reducescatter (ParallelConfig.__post_init__).")
    builds_manager = dp > 1 and (is_moe or version < DENSE_NO_EP_GROUP_FROM)
    if builds_manager and runs in PACKAGE_ERRORS:
        package, error = PACKAGE_ERRORS[runs]
        notes.append(f"--all2all-backend {runs} needs the {package} package, which the vllm "
                     f"wheel does not install (not checked here): without it vLLM {v} stops "
                     f"at start-up with \"{error}\"")
    return notes


def batched_dp_moe(backend: str | None, version: Version, dp: int, ep: bool) -> bool:
    """Whether vLLM `version` runs batched-DP MoE (ParallelConfig.use_batched_dp_moe), which
    defaults --max-num-batched-tokens to BATCHED_DP_TOKENS (module NOTE)."""
    return (version >= BATCHED_DP_FROM and backend in BATCHED_DP_BACKENDS and ep and dp > 1)


def ll_tokens(version: Version, max_num_batched_tokens: int) -> int:
    """The tokens a rank dispatches that vLLM `version` sizes the low-latency buffer for
    (FusedMoEConfig.max_num_tokens: module NOTE)."""
    return (max_num_batched_tokens if version >= MOE_TOKENS_FROM_BUDGET_FROM
            else MOE_DP_CHUNK_TOKENS)


def deepep_ll_rdma_bytes(tokens: int, hidden: int, experts: int) -> tuple[int, str]:
    """(bytes, formula) of DeepEP's get_low_latency_rdma_size_hint(tokens, hidden, ranks,
    experts), `hidden` the size the kernels run (LL_HIDDEN_SIZES; module NOTE)."""
    scales = hidden // 128
    dispatch = 16 + max(2 * hidden, hidden + 4 * scales)
    combine = 4 * scales + 2 * hidden
    send = max(tokens * dispatch, experts * tokens * combine)
    recv = experts * tokens * max(dispatch, combine)
    signal = -(-4 * experts // LL_ALIGNMENT_BYTES) * LL_ALIGNMENT_BYTES
    total = 2 * (send + recv + signal)
    hint = (total + LL_ALIGNMENT_BYTES) // LL_ALIGNMENT_BYTES * LL_ALIGNMENT_BYTES
    return hint, (
        f"low-latency RDMA buffer (DeepEP get_low_latency_rdma_size_hint, T={tokens:,}, "
        f"hidden {hidden:,}, E={experts}: dispatch message 16 + max(2 x {hidden:,}, "
        f"{hidden:,} + 4 x {scales}) = {dispatch:,} B, combine 4 x {scales} + 2 x {hidden:,} = "
        f"{combine:,} B; 2 x (send {send:,} + receive {recv:,} + signals {signal:,}) = "
        f"{total:,} B; ({total:,} + 128) // 128 x 128) = {hint:,} B")


def ll_hidden(hidden: int) -> int | None:
    """The hidden size vLLM's low-latency kernels run for a layer of `hidden`
    (maybe_roundup_layer_hidden_size), None above the largest, which vLLM refuses."""
    return next((size for size in LL_HIDDEN_SIZES if size >= hidden), None)


def deepep_buffer_bytes(backend: str, internode: bool, tokens: int = 0,
                        shapes: frozenset[tuple[int, int]] = frozenset()
                        ) -> tuple[int, str, bool] | None:
    """(bytes, formula, complete) of the DeepEP buffer one rank allocates for `backend`
    (module NOTE), None for a backend this module does not size; complete is False where a
    part is left out (the low-latency RDMA buffer where the MoE layers have more than one
    (hidden, experts) shape or a hidden size above LL_HIDDEN_SIZES). `internode`: the EP group
    spans nodes (the high-throughput RDMA buffer); `tokens` (ll_tokens) and `shapes` (the MoE
    layers' (hidden, routed + EPLB's redundant experts)): the low-latency RDMA buffer's
    inputs."""
    if backend not in (DEEPEP_HT, DEEPEP_LL):
        return None
    nvl = DEEPEP_BUFFER_MB * MIB
    rdma = nvl if backend == DEEPEP_HT and internode else 0
    formula = (f"NVLink buffer VLLM_DEEPEP_BUFFER_SIZE_MB {DEEPEP_BUFFER_MB} x 2^20 = "
               f"{nvl:,} B + {DEEPEP_META_BYTES} B signals and pointers + 32 MiB workspace")
    complete = True
    if backend == DEEPEP_HT:
        formula += (f" + RDMA buffer {rdma:,} B (the EP group spans nodes)" if internode
                    else " (one node: no RDMA buffer)")
    else:
        hidden, experts = next(iter(shapes)) if len(shapes) == 1 else (0, 0)
        runs = ll_hidden(hidden) if hidden else None
        if runs:
            rdma, ll_formula = deepep_ll_rdma_bytes(tokens, runs, experts)
            formula += " + " + ll_formula + (
                f" (the layers' hidden {hidden:,} rounded up to {runs:,}: vLLM's "
                "SUPPORTED_HIDDEN_SIZES)" if runs != hidden else "")
        else:
            complete = False
            formula += (" + the low-latency RDMA buffer, not sized: " + (
                f"hidden {hidden:,} is above vLLM's largest, {LL_HIDDEN_SIZES[-1]:,}" if hidden
                else "MoE layers of more than one (hidden, experts) shape"))
    total = nvl + DEEPEP_META_BYTES + DEEPEP_WORKSPACE_BYTES + rdma
    return total, f"{formula} = {total:,} B", complete


def unsized_part(backend: str) -> str:
    """The verdict's name for what deepep_buffer_bytes leaves out of `backend`'s buffers."""
    return ("the DeepEP low-latency RDMA buffer" if backend == DEEPEP_LL
            else f"the {backend} all-to-all buffers")


def buffer_note(backend: str, label: str) -> str:
    """The all2all_buffers term's note for the backend vLLM `label` runs: where the figure
    comes from and whether the KV pool loses it (module NOTE)."""
    if backend in NO_BUFFER:
        return (f"vLLM {label}'s {backend} manager (device_communicators/all2all.py) allocates "
                "no buffer of its own: the KV pool loses nothing to it")
    if backend not in (DEEPEP_HT, DEEPEP_LL):
        return (f"vLLM {label}'s {backend} manager allocates buffers Headroom does not size "
                "(its kernels package's): unmodelled, not subtracted")
    manager = "DeepEPHTAll2AllManager" if backend == DEEPEP_HT else "DeepEPLLAll2AllManager"
    return (f"vLLM {label} device_communicators/all2all.py {manager}._make_all2all_kwargs -> "
            "one deep_ep.Buffer per GPU, built at model load (before the profile) outside "
            "torch's allocator: vLLM's profile counts it as non-torch memory, so it comes off "
            "the KV pool (in the non-torch term). VLLM_DEEPEP_BUFFER_SIZE_MB read at its "
            f"default; {DEEPEP_NOTE}"
            + ("; the low-latency RDMA buffer comes from NVSHMEM's symmetric heap, whose "
               "rounding of it (NVSHMEM_CUMEM_GRANULARITY, 512 MiB as DeepEP sets it) is "
               "unmodelled" if backend == DEEPEP_LL else ""))
