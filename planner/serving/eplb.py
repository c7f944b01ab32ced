"""vLLM's expert-parallel load balancer (--enable-eplb) and its redundant experts: the flags
of each release, vLLM's refusals, and how many experts each EP rank then holds.

Read from the `.py` files of the vLLM wheels 0.9.2 (sha256 f3c5da29...), 0.10.0 (8ca37559...),
0.10.1 (df04a141...), 0.10.2 (e0cba611...), 0.11.0 (3861c75f...), 0.11.1 (077da606...),
0.12.0 (596673ed...), 0.20.0 (24d28892...), 0.33.0 (4b6bdec4...) and 0.34.0 (79ca4b3c...),
fused_moe/ of 0.21.0, 0.22.0, 0.23.0, 0.24.0, 0.27.0 and 0.30.0 (EVEN_WORDS_NAME_COUNTS_FROM),
and
config/parallel.py of every covered release 0.10.1-0.34.0; the flags from the command-line
fixtures (planner.serving.vllm_cli):
- flags: 0.9.1 has no EPLB. 0.9.2-0.11.1 take --enable-eplb and --num-redundant-experts N;
  0.10.2 on take --eplb-config JSON ({"num_redundant_experts": N}, EPLBConfig), which 0.12.0 on
  take alone (ParallelConfig.num_redundant_experts: "deprecated ... will be removed in
  v0.12.0"). The launch command writes --eplb-config wherever the release has it.
- ParallelConfig (config.py in 0.9.2 / 0.10.0, config/parallel.py on): redundant experts
  without EPLB are refused ("num_redundant_experts should be used with EPLB." to 0.10.1,
  "num_redundant_experts is set to N but EPLB is not enabled. ..." from 0.10.2); from 0.10.0
  (config.py ParallelConfig.__post_init__ of the 0.10.0 wheel, 8ca37559...) EPLB without
  --enable-expert-parallel ("enable_expert_parallel must be True to use EPLB.") and at
  TP x DP = 1 ("EPLB requires tensor_parallel_size or data_parallel_size to be greater than 1,
  ..."; 0.26.0 on names PCP too). 0.9.2 checks neither; Headroom does not plan EPLB without
  EP there (EPLB_EP_CHECKED_FROM).
- FusedMoE (fused_moe/layer.py): global_num_experts = num_experts + num_redundant_experts, and
  with EP and EPLB global_num_experts % ep_size == 0 ("EPLB currently only supports even
  distribution of experts across ranks."; an assert to 0.21.0, a ValueError naming the counts
  from 0.22.0: EVEN_WORDS_NAME_COUNTS_FROM); determine_expert_map then gives every EP rank
  global_num_experts // ep_size experts, redundant ones included.
- the model: vLLM builds EPLB's state only for a model class implementing its MixtureOfExperts
  interface (the fixtures' eplb_architectures, tools/extract_vllm_cli.py; model_refusal).
- the MoE method: 0.9.2 takes Fp8MoEMethod only, 0.10.0-0.11.0 Fp8MoEMethod or
  UnquantizedFusedMoEMethod ("EPLB is only supported for FP8 quantization for now."); from
  0.11.1 each method's supports_eplb decides (fp8 and unquantized True in 0.11.1, 0.12.0,
  0.20.0, 0.34.0; the other methods' answers differ by release and backend and are not
  checked here: a note says so).
- 0.34.0 (not 0.33.0): with --enable-eplb and no count, ParallelConfig
  .compute_eplb_num_redundant_experts takes the least count making routed + redundant a
  multiple of the EP size ((ep - E % ep) % ep); before, the default is 0.
- an MTP draft: from 0.11.1 the model runner gives a MoE draft its own EplbState entry
  (DRAFT_STATE_FROM), sized for DeepSeek-style drafts (draft_state_sized) and named as not
  counted for others (draft_note); 0.10.2-0.11.0 stop at start-up (draft_eplb_refusal).
Sized, in the weights term's buffers: EplbState's expert maps and load statistics
(eplb_state_bytes) and from 0.12.0 its copy of one MoE layer's local experts to transfer
experts through (EXPERT_BUFFER_FROM, weights.eplb_buffer_bytes), all built at model load, and
the same for a sized MTP draft on the last stage (its MoE layers, its layer's experts). Sized
in the activation peak: the profile run's dummy rearrangement (profile_rearrangement, every
release 0.9.2-0.34.0), whose expert copy and all_gather receive buffer vLLM's profile counts
where they top the dummy forward's peak. Not sized: the communicators' own buffers (NCCL's
for the EP group, NIXL's), named in the verdict as unmodelled (UNMODELLED).
"""

import json

from planner.serving.vllm_cli import VllmCli, unrecognized_flag
from planner.serving.vllm_versions import Version, version_label
from planner.text import shortened

EPLB_EP_CHECKED_FROM: Version = (0, 10, 0)
"""ParallelConfig refuses EPLB without EP or at TP x DP = 1 (0.9.2's config.py does not)."""
NEW_REDUNDANT_WORDS_FROM: Version = (0, 10, 2)
"""The "is set to N but EPLB is not enabled" words (0.10.1: "should be used with EPLB.")."""
UNQUANTIZED_EPLB_FROM: Version = (0, 10, 0)
"""FusedMoE takes UnquantizedFusedMoEMethod with EPLB (0.9.2: Fp8MoEMethod only)."""
SUPPORTS_EPLB_FROM: Version = (0, 11, 1)
"""FusedMoEMethodBase.supports_eplb decides (0.11.0: an isinstance check)."""
AUTO_REDUNDANT_FROM: Version = (0, 34, 0)
"""An unset count is the least one making the experts divisible (0.33.0: 0)."""
PCP_WORDS_FROM: Version = (0, 26, 0)
"""The one-GPU refusal names prefill-context parallelism (0.25.0's words do not)."""
EVEN_WORDS_NAME_COUNTS_FROM: Version = (0, 22, 0)
"""The divisibility refusal names the counts (a ValueError in fused_moe/layer.py of the 0.22.0,
0.23.0, 0.24.0, 0.27.0, 0.30.0, 0.33.0 and 0.34.0 wheels; an assert without them in 0.20.0 and
0.21.0)."""

ROUTER_CHECK_FROM: Version = (0, 34, 0)
"""The model runner skips eplb_step and the MoE router refuses the missing state at the first
forward (model_refusal's NOTE; 0.33.0: the runner's assert in the profile run)."""
LANGUAGE_MODEL_EPLB_FROM: Version = (0, 28, 0)
"""interfaces.get_mixture_of_experts_model, which the 0.28.0 gpu_model_runner.py (sha256
addb0ffd...) and 0.33.0's call, takes a multimodal model's language model (the 0.27.0
interfaces.py has no such function)."""

MAX_EXPERT_REDUNDANCY = 1023
"""EplbState's cap on redundant experts (eplb_state.py, an assert in build / add_model)."""
REDUNDANCY_CAP_FROM: Version = (0, 10, 0)
"""The cap's first release (0.9.2 sizes its maps by the count instead): the assert is in
eplb_state.py of every wheel 0.10.0-0.34.0 (each read)."""
EXPERT_BUFFER_FROM: Version = (0, 12, 0)
"""EplbState.add_model keeps a copy of one MoE layer's local experts to transfer through
(weights.eplb_buffer_bytes, the weights term's buffers; the 0.11.1 wheel has none)."""

DRAFT_EPLB_FROM: Version = (0, 10, 2)
"""A DeepSeek MTP draft's MoE layer runs EPLB: its DeepseekV2MoE reads enable_eplb from the
ParallelConfig (deepseek_v2.py of the 0.10.2 and 0.11.0 wheels); 0.9.2-0.10.1's
DeepSeekMultiTokenPredictorLayer builds its decoder layer without it (enable_eplb=False, the
default), the redundant experts still counted (n_redundant_experts from the ParallelConfig)."""
DRAFT_STATE_FROM: Version = (0, 11, 1)
"""The model runner adds an MoE MTP draft to EplbState beside the target, each with its own
state (model_states by ModelConfig hash, whose hf_config differs: the draft's architectures):
load_model's `is_mixture_of_experts(self.drafter.model)` in gpu_model_runner.py of the 0.11.1,
0.12.0-0.20.0, 0.25.0, 0.28.0, 0.30.0 and 0.33.0 wheels, Model Runner V2's
EPLBController.maybe_register_speculator in 0.34.0 (v1/worker/gpu/eplb_utils.py). Before, the
runner registers the target alone and deepseek_mtp.py's DeepSeekMTP is no MixtureOfExperts."""
DEEPSEEK_DRAFT_TYPES = frozenset({"deepseek_v3", "deepseek_v32", "glm_moe_dsa"})
"""Model types whose MTP draft vLLM builds as a DeepseekV2MixtureOfExperts with num_moe_layers
= num_nextn_predict_layers: deepseek_mtp.py DeepSeekMTP (0.11.1, 0.12.0, 0.15.0, 0.19.0,
0.33.0, 0.34.0 read), and vllm/models/deepseek_v32's DeepseekV32MTP where 0.33.0 and 0.34.0
route V3.2 / GLM-5 (config/speculative.py use_v32_mtp). Other MoE drafts (glm4_moe_mtp,
qwen3_next_mtp, qwen3_5_mtp, ...; DeepSeek-V4's DeepSeekV4MTP) are not read: draft_note."""

EPLB_WINDOW_SIZE = 1000
"""EPLBConfig.window_size's default (eplb_window_size in 0.9.2-0.10.1): 1000 in every wheel's
config; Headroom passes no --eplb-config window_size."""
SLOTS_BY_REDUNDANCY = ((0, 9, 2), (0, 34, 0))
"""Releases whose logical_to_physical_map has num_redundant_experts + 1 slots per expert (0.34.0:
without elastic EP); 0.10.0-0.33.0 give MAX_EXPERT_REDUNDANCY + 1 = 1024."""
LOAD_OVER_ALL_EXPERTS_FROM: Version = (0, 10, 1)
"""expert_load_pass / _window count every physical expert (0.9.2, 0.10.0: the rank's local)."""
STEP_TENSOR_FROM: Version = (0, 25, 0)
"""A 4 B int32 step tensor (torch.tensor(0, dtype=torch.int32))."""
LAST_LOAD_FROM: Version = (0, 31, 0)
"""last_expert_load: MoE layers x logical experts int64 (torch.ones)."""

UNMODELLED = "EPLB's communication buffers (NCCL's or NIXL's, not sized)"
"""The verdict's unmodelled part wherever EPLB runs.

NOTE: EPLB's collectives run on the EP group's torch.distributed device group (NCCL): the
load all_reduce and, in the profile, the barrier and all_gather of rearrange
(eplb_state.py, rebalance_execute.py, every wheel 0.9.2-0.34.0), and torch_nccl's
batch_isend_irecv in a real rearrangement (the only path to 0.19.0, the default communicator
in 0.20.0 and 0.21.0: eplb_communicator.py, config/parallel.py). Their communicator's
buffers are NCCL's own, allocated outside torch when a collective first runs on the group
and sized by NCCL at run time (channels, protocols and connections from its topology search,
NCCL_BUFFSIZE), which no vLLM source fixes; the P2P connections come at the first real
rearrangement, after the KV cache is sized. NIXL (the default from 0.22.0 where installed)
registers the experts and the transfer buffer with its agents (NixlEplbCommunicator
._init_registered_buffers), whose transport memory is NIXL's / UCX's. torch_gloo stages
through host memory (TorchDistGlooStagedEplbCommunicator.execute), none on the GPU."""
PROFILE_COPY_SKIPPED_FROM: Version = (0, 22, 0)
"""The first release whose profile run skips the expert copy and its all_gather where NIXL is
installed, with no --eplb-config communicator given (Headroom gives none).

NOTE: rearrange_expert_weights_inplace allocates the profile's expert copy only where the EPLB
communicator's needs_profile_buffer_reservation (rebalance_execute.py of the 0.20.0-0.25.0,
0.28.0-0.34.0 wheels; the 0.19.0 wheel always allocates it), which
NixlEplbCommunicator answers False (eplb_communicator.py; SymmMem too from 0.34.0, never a
default) and the others True. With no communicator given, config/parallel.py picks
torch_nccl in the 0.20.0 and 0.21.0 wheels and, from the 0.22.0 wheel (0.22.0-0.25.0,
0.28.0-0.34.0 read), NIXL where it is installed (is_nixl_available), else torch_gloo, which
reserves (elastic EP: pynccl). NIXL is no dependency of the vllm wheel (its METADATA
Requires-Dist, 0.20.0-0.34.0): profile_rearrangement sizes the copy, as a pip-installed vLLM
makes it."""
LOGICAL_WINDOW_SPARE_FROM: Version = (0, 29, 0)
"""The profile's logical load window has one column more than the logical experts (an
`invalid_idx + 1` column for empty physical slots): rearrange in eplb_state.py of the 0.29.0,
0.30.0-0.34.0 wheels; 0.28.0's and before have num_logical_experts columns."""


def redundant_flag(cli: VllmCli) -> str:
    """The flag the release's launch command sets the redundant count with."""
    return "--eplb-config" if "--eplb-config" in cli.flags else "--num-redundant-experts"


def eplb_launch_flags(enable: bool, redundant: int | None, cli: VllmCli) -> list[str]:
    """The EPLB flags of the launch command, in the release's own spelling."""
    parts = ["--enable-eplb"] if enable else []
    if redundant is not None:
        if redundant_flag(cli) == "--eplb-config":
            parts.append(f"--eplb-config '{json.dumps({'num_redundant_experts': redundant})}'")
        else:
            parts.append(f"--num-redundant-experts {redundant}")
    return parts


def flag_refusal(enable: bool, redundant: int | None, cli: VllmCli) -> str | None:
    """The release's parser refusing the flags (0.9.1 has none), in its words."""
    if enable and unrecognized_flag("--enable-eplb", cli):
        return unrecognized_flag("--enable-eplb", cli)
    if redundant is not None:
        return unrecognized_flag(redundant_flag(cli), cli)
    return None


FP8_EXPERT_SCHEMES = frozenset({"fp8-tensor", "fp8-channel", "fp8-block128"})
"""planner.model.quant's FP8 schemes whose routed experts are FP8 too: a quant_method "fp8"
checkpoint with FP4 or int4 experts (fp8-block128-fp4experts, -int4experts) gets another MoE
method (0.34.0 fp8.py: Mxfp4MoEMethod for store_dtype mxfp4), not read here."""


def moe_method_kind(quant_method: str | None, runtime_quantization: str | None,
                    what_if: bool, scheme_key: str) -> str:
    """"unquantized", "fp8" (vLLM's Fp8Config: Fp8MoEMethod) or "other" for the served MoE
    layers: the checkpoint's quant_method, else the runtime --quantization, in `scheme_key`
    (the format Headroom plans: FP8_EXPERT_SCHEMES for "fp8")."""
    if what_if:
        return "other"
    method = quant_method or runtime_quantization
    if method is None:
        return "unquantized"
    return "fp8" if method == "fp8" and scheme_key in FP8_EXPERT_SCHEMES else "other"


def redundant_count_problem(count: int) -> str | None:
    """Why vLLM takes no `count` redundant experts per MoE layer, in one line (the CLI's
    --num-redundant-experts and the app's Redundant experts refuse it as bad input); None
    for 0..MAX_EXPERT_REDUNDANCY.

    NOTE: with EPLB, ParallelConfig raises "num_redundant_experts must be non-negative, but
    got N." (vllm/config.py ParallelConfig.__post_init__, then config/parallel.py reading
    eplb_config.num_redundant_experts: the sources read through the search tool, their
    releases not pinned), and without it any count but 0 ("should be used with EPLB",
    redundant_refusal). EplbState asserts "num_redundant_experts N must be less than or equal
    to 1023" at model load (MAX_EXPERT_REDUNDANCY, eplb_state.py of every wheel 0.10.0-0.34.0,
    settings_refusals); 0.9.2 has no cap, but Headroom refuses the same counts there."""
    if count < 0:
        return (f"vLLM refuses a negative count (ParallelConfig: \"num_redundant_experts must "
                f"be non-negative, but got {shortened(str(count))}.\")")
    if count > MAX_EXPERT_REDUNDANCY:
        return (f"vLLM takes at most {MAX_EXPERT_REDUNDANCY:,} (EplbState stops the model load: "
                f"\"num_redundant_experts {shortened(str(count))} must be less than or equal "
                f"to {MAX_EXPERT_REDUNDANCY}\")")
    return None


def redundant_refusal(redundant: int | None, version: Version) -> str | None:
    """vLLM's refusal of redundant experts without --enable-eplb (ParallelConfig, module
    docstring); None for none (0 or not given)."""
    if not redundant:
        return None
    return "vLLM refuses redundant experts without --enable-eplb: " + (
        f"num_redundant_experts is set to {redundant} but EPLB is not enabled. Either enable "
        "EPLB or unset num_redundant_experts." if version >= NEW_REDUNDANT_WORDS_FROM else
        f"num_redundant_experts should be used with EPLB.{redundant}.")


def settings_refusals(enable: bool, redundant: int | None, kind: str, is_moe: bool,
                      version: Version) -> list[str]:
    """vLLM's start-up refusals of these EPLB settings on any layout (module docstring)."""
    if not enable:
        refusal = redundant_refusal(redundant, version)
        return [refusal] if refusal else []
    if not is_moe:
        return []  # --enable-expert-parallel's own refusal (layout_errors) names the model
    allowed = {"fp8"} if version < UNQUANTIZED_EPLB_FROM else {"fp8", "unquantized"}
    if kind not in allowed and version < SUPPORTS_EPLB_FROM:
        return ["vLLM refuses --enable-eplb for these MoE weights: EPLB is only supported "
                "for FP8 quantization for now."]
    if redundant and redundant > MAX_EXPERT_REDUNDANCY and version >= REDUNDANCY_CAP_FROM:
        return [f"vLLM stops at model load: num_redundant_experts {redundant} must be less "
                f"than or equal to {MAX_EXPERT_REDUNDANCY}"]
    return []


def model_refusal(architectures: tuple[str, ...], multimodal: bool, cli: VllmCli,
                  version: Version) -> str | None:
    """vLLM's refusal of EPLB for a model class that does not implement its MixtureOfExperts
    interface (cli.eplb_architectures), for the first of `architectures` the registry serves;
    None where it does, where none is served (another refusal names it), and from 0.28.0 for
    a multimodal model, whose language model vLLM takes instead
    (interfaces.get_mixture_of_experts_model, which Headroom does not resolve).

    NOTE: the V1 model runner builds EplbState only for is_mixture_of_experts(model) and
    eplb_step, run by the profile's dummy run, asserts it (gpu_model_runner.py, 0.9.2, 0.11.1,
    0.20.0; 0.33.0 asserts the model too); 0.34.0's runner skips the step, and the MoE
    router's _validate_eplb_state raises "EPLB requires expert_load_view != None" at the
    first forward (fused_moe/router/base_router.py). Either way the start-up stops."""
    arch = cli.built(architectures, transformers=True)
    if arch is None or arch in cli.eplb_architectures or (
            multimodal and version >= LANGUAGE_MODEL_EPLB_FROM):
        return None
    return (f"vLLM {cli.vllm_version} runs --enable-eplb only for model classes implementing "
            f"its MixtureOfExperts interface, which {arch} does not: the start-up stops "
            + ('("EPLB requires expert_load_view != None")' if version >= ROUTER_CHECK_FROM else
               "(the model runner asserts EPLB's state in the profile run)"))


def method_note(kind: str, version: Version) -> str | None:
    """Where Headroom does not check that the MoE method supports EPLB (from 0.11.1)."""
    if kind == "other" and version >= SUPPORTS_EPLB_FROM:
        return ("--enable-eplb: whether this weight format's MoE method supports EPLB "
                "(vLLM's supports_eplb; where not, it stops at start-up: \"EPLB is not "
                "supported ...\") is not checked: read for FP8 and 16-bit weights only")
    return None


def eplb_state_bytes(moe_layers: int, experts: int, redundant: int, ep_size: int,
                     version: Version) -> tuple[int, str]:
    """(bytes, formula) of the tensors EplbState builds on one GPU for its stage's
    `moe_layers` MoE layers at model load, before the profile: the expert maps and the load
    statistics (module docstring). L MoE layers, E logical experts, P = E + redundant physical.

    NOTE: EplbState.build (0.9.2-0.11.0) / add_model (0.11.1 on), distributed/eplb/
    eplb_state.py, read in every wheel 0.9.2-0.34.0: physical_to_logical_map L x P int64
    (torch.tensor of Python ints), logical_to_physical_map L x E x slots int64 (torch.full of
    -1; slots SLOTS_BY_REDUNDANCY), logical_replica_count L x E int64, expert_load_pass L x P
    int32 and expert_load_window window x L x P int32 (P / EP size before
    LOAD_OVER_ALL_EXPERTS_FROM), each expanded over the layers and made contiguous; from
    STEP_TENSOR_FROM a 4 B int32, from LAST_LOAD_FROM last_expert_load L x E int64. The
    un-expanded maps are freed as they are replaced; the allocator's rounding is not counted.
    """
    physical = experts + redundant
    slots, counted = _slots(redundant, version), _counted(physical, ep_size, version)
    parts = [(8 * moe_layers * physical, f"{moe_layers} x {physical} x 8 B physical_to_logical"),
             (8 * moe_layers * experts * slots,
              f"{moe_layers} x {experts} x {slots} x 8 B logical_to_physical"),
             (8 * moe_layers * experts, f"{moe_layers} x {experts} x 8 B replica counts"),
             (4 * moe_layers * counted, f"{moe_layers} x {counted} x 4 B load pass"),
             (4 * EPLB_WINDOW_SIZE * moe_layers * counted,
              f"{EPLB_WINDOW_SIZE:,} x {moe_layers} x {counted} x 4 B load window")]
    if version >= STEP_TENSOR_FROM:
        parts.append((4, "4 B step"))
    if version >= LAST_LOAD_FROM:
        parts.append((8 * moe_layers * experts, f"{moe_layers} x {experts} x 8 B last load"))
    total = sum(n for n, _ in parts)
    return total, " + ".join(f"{words} {n:,}" for n, words in parts) + f" = {total:,} B"


def _slots(redundant: int, version: Version) -> int:
    """logical_to_physical_map's slots per logical expert (SLOTS_BY_REDUNDANCY)."""
    return redundant + 1 if version in SLOTS_BY_REDUNDANCY else MAX_EXPERT_REDUNDANCY + 1


def _counted(physical: int, ep_size: int, version: Version) -> int:
    """The physical experts the load statistics count (LOAD_OVER_ALL_EXPERTS_FROM)."""
    return physical if version >= LOAD_OVER_ALL_EXPERTS_FROM else physical // ep_size


WINDOW_SOURCE = ("EPLBConfig.window_size's default (eplb_window_size in 0.9.2-0.10.1), "
                 "config/parallel.py, every wheel 0.9.2-0.34.0")
STATE_SOURCE = "EplbState.build / add_model, distributed/eplb/eplb_state.py, 0.9.2-0.34.0"


def eplb_state_inputs(moe_layers: int, experts: int, redundant: int, ep_size: int,
                      version: Version) -> dict[str, int | str]:
    """What eplb_state_bytes multiplies, named with units, each constant beside its source
    ('<name>_source', which the term's note lists): the weights term's inputs where EPLB runs."""
    physical = experts + redundant
    return {
        "eplb_state_bytes": eplb_state_bytes(moe_layers, experts, redundant, ep_size,
                                             version)[0],
        "eplb_moe_layers": moe_layers, "eplb_num_experts": experts,
        "eplb_physical_experts": physical,
        "eplb_int64_bytes": 8,
        "eplb_int64_bytes_source": f"the expert maps and replica counts, int64: {STATE_SOURCE}",
        "eplb_logical_to_physical_slots": _slots(redundant, version),
        "eplb_logical_to_physical_slots_source": "num_redundant_experts + 1 in 0.9.2 and "
        "0.34.0, MAX_EXPERT_REDUNDANCY + 1 = 1024 in 0.10.0-0.33.0: eplb_state.py",
        "eplb_load_experts": _counted(physical, ep_size, version),
        "eplb_int32_bytes": 4,
        "eplb_int32_bytes_source": f"the load pass and window, int32: {STATE_SOURCE}",
        "eplb_load_window_steps": EPLB_WINDOW_SIZE,
        "eplb_load_window_steps_source": WINDOW_SOURCE}


def redundant_count(enable: bool, redundant: int | None, num_experts: int, ep_size: int,
                    version: Version) -> int:
    """The redundant experts vLLM builds: the given count, else 0, or from 0.34.0 the least
    making num_experts + it a multiple of ep_size (AUTO_REDUNDANT_FROM)."""
    if not enable:
        return 0
    if redundant is not None:
        return redundant
    return (ep_size - num_experts % ep_size) % ep_size if version >= AUTO_REDUNDANT_FROM else 0


def layout_refusal(enable: bool, ep: bool, tp: int, dp: int, num_experts: int, redundant: int,
                   version: Version) -> str | None:
    """vLLM's refusal of EPLB on this layout (ep_size = tp x dp with EP), or None;
    `num_experts` 0 for a dense model (no MoE layer to check)."""
    if not enable:
        return None
    if not ep:
        if version < EPLB_EP_CHECKED_FROM:
            return (f"--enable-eplb without --enable-expert-parallel is not planned for vLLM "
                    f"{version_label(version)} (its checks start at 0.10.0)")
        return ("vLLM refuses --enable-eplb without --enable-expert-parallel: "
                "enable_expert_parallel must be True to use EPLB.")
    if tp * dp <= 1 and version >= EPLB_EP_CHECKED_FROM:
        return "vLLM refuses --enable-eplb on one GPU: " + (
            f"EPLB requires tensor, prefill-context, or data parallelism, but got TP={tp}, "
            f"PCP=1, DP={dp}." if version >= PCP_WORDS_FROM else
            "EPLB requires tensor_parallel_size or data_parallel_size to be greater than 1, "
            f"but got TP={tp},DP={dp}.")
    total, ep_size = num_experts + redundant, tp * dp
    if num_experts and total % ep_size:
        return (f"vLLM refuses --enable-eplb with {num_experts} routed + {redundant} redundant "
                f"experts over {ep_size} EP ranks (tp x dp): EPLB currently only supports even "
                "distribution of experts across ranks." + (
                    f" Got {total} experts and {ep_size} EP ranks."
                    if version >= EVEN_WORDS_NAME_COUNTS_FROM else ""))
    return None


def draft_state_sized(model_type: str, version: Version) -> bool:
    """Whether EplbState holds a state of its own for this model's MTP draft, which Headroom
    sizes (DRAFT_STATE_FROM, DEEPSEEK_DRAFT_TYPES): its maps and load statistics
    (eplb_state_bytes over the draft's MoE layers) and from EXPERT_BUFFER_FROM its transfer
    buffer (one draft MoE layer's local experts, weights.WeightLoadRules.eplb_draft_buffer)."""
    return version >= DRAFT_STATE_FROM and model_type in DEEPSEEK_DRAFT_TYPES


def draft_eplb_refusal(model_type: str, version: Version) -> str | None:
    """vLLM 0.10.2-0.11.0 stopping an EPLB start-up with a DeepSeek MTP draft: the draft's
    FusedMoE runs with EPLB (DRAFT_EPLB_FROM) but no state is set for it (DRAFT_STATE_FROM),
    and its MoE method asserts the state (Fp8MoEMethod.apply and UnquantizedFusedMoEMethod's
    `if enable_eplb: assert expert_load_view is not None`, fp8.py / fused_moe/layer.py) in the
    profile's draft dummy run (gpu_model_runner.py _dummy_run: self.drafter.dummy_run)."""
    if model_type not in DEEPSEEK_DRAFT_TYPES or not DRAFT_EPLB_FROM <= version < DRAFT_STATE_FROM:
        return None
    return (f"vLLM {version_label(version)} stops at start-up with --enable-eplb and an MTP "
            "draft: the draft's MoE layer runs EPLB, whose state the model runner builds for "
            "the target model only (from 0.11.1 for the draft too), and asserts it in the "
            "profile run (assert expert_load_view is not None)")


DRAFT_UNMODELLED = "EPLB's state for the MTP draft (not sized)"
"""The verdict's unmodelled part where draft_note applies."""


def draft_note(model_type: str, version: Version) -> str | None:
    """Where vLLM may also give a MoE MTP draft an EplbState that Headroom does not size (a
    draft not in DEEPSEEK_DRAFT_TYPES, from DRAFT_STATE_FROM); None elsewhere."""
    if version < DRAFT_STATE_FROM or model_type in DEEPSEEK_DRAFT_TYPES:
        return None
    return ("--enable-eplb with an MTP draft: where the draft's model class implements "
            "MixtureOfExperts (vLLM's EPLB model interface), the model runner adds it to "
            "EplbState with its own expert maps, load statistics and, from 0.12.0, transfer "
            "buffer (a copy of one draft MoE layer's local experts), and the profile run "
            "rearranges its experts as the target's (the eplb_profile term counts the "
            "target's); not read for this model's draft, so not counted")


def profile_rearrangement(layer_experts: int, gated: bool, ep_size: int, moe_layers: int,
                          experts: int, output: int, version: Version) -> tuple[int, str]:
    """(bytes, formula) vLLM's profile run holds above the weights on one GPU when it
    rearranges EPLB's experts after its dummy forward: the copy of one MoE layer's local
    experts (`layer_experts`: weights.moe_layer_experts_bytes), the all_gather's receive
    buffer of `ep_size` x its largest tensor (w13, gate and up: 2 of an expert's 3 matrices,
    1 of 2 without a gate; its scales and biases pro rata to its parameters), the logical
    load window of `moe_layers` x `experts` logical experts, and `output`, the dummy forward's
    output, which the runner still holds. vLLM's profile counts the peak allocated bytes
    (memory_profiling: allocated_bytes.all.peak), so the activation term is the larger of
    this and the forward's peak (planner.serving.engines.VllmEngine.overheads).

    NOTE: the V1 runner's _dummy_run(is_profile=True) ends with eplb_step(is_dummy=True,
    is_profile=True) while its output is held (gpu_model_runner.py of the 0.9.2, 0.10.1,
    0.11.1, 0.12.0, 0.13.0, 0.15.0, 0.19.0, 0.20.0, 0.25.0 and 0.33.0 wheels; Model Runner
    V2: step_eplb_after on _dummy_run, v1/worker/gpu/model_runner.py and eplb_utils.py of the
    0.29.0-0.34.0 wheels): EplbState.step ->
    rearrange(is_profile=True) (eplb_state.py) allocates, per registered model, a logical
    load window torch.zeros(window_size, num_moe_layers, num_logical_experts) int32
    (LOGICAL_WINDOW_SPARE_FROM: one column more; window_size EPLB_WINDOW_SIZE), the last one
    (the target's: the runner adds an MTP draft first, gpu_model_runner.py load_model
    0.11.1-0.33.0, EPLBController.maybe_register_speculator before maybe_register_model in
    0.34.0) still held while
    rearrange_expert_weights_inplace (rebalance_execute.py, same code 0.9.2-0.34.0) takes
    `torch.empty_like(w) for w in expert_weights[0]` and, for each tensor, all_gathers it on
    the EP group into a list of ep_size references to its copy ("to reserve enough memory for
    the buffers"), then returns; both are freed before the sampler's dummy run. PyTorch's
    ProcessGroupNCCL::allgather gathers same-size outputs into one new tensor of ep_size x
    the input (newLikeFlat: a caching-allocator tensor, held by the work's outputs_ and freed
    with it when all_gather returns, as workEnqueue hands the watchdog a copy without
    outputs_: one tensor's at a time), then copies each slice out: read in
    torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp of pytorch/pytorch at 0007e752 (the
    version read; the torch each wheel pins, 2.7.0 to 2.14.0, is not). A DeepSeek MTP draft's
    MoE layer has the target's expert shapes: its rearrangement, run in the same loop, holds
    no more. The w13 share counts its scales with it, which vLLM gathers as tensors of their
    own, smaller: ep_size x w13's scales more than vLLM holds (16 x 18 x 7,168 B = 2,064,384 B
    for DeepSeek-V3 at 18 local experts). Not counted: the L x E int64 global loads (58 x 256
    x 8 = 118,784 B for DeepSeek-V3), the barrier's 1-byte tensor, what the dummy forward
    leaves allocated besides its output (inside the fitted forward peak, not separated) and,
    for a multimodal model, the encoder outputs the profile still holds. From
    PROFILE_COPY_SKIPPED_FROM a vLLM with NIXL installed allocates neither copy nor receive
    buffer: this counts them."""
    largest, columns = _w13_bytes(layer_experts, gated), _window_columns(experts, version)
    window = 4 * EPLB_WINDOW_SIZE * moe_layers * columns
    total = layer_experts + ep_size * largest + window + output
    return total, (
        f"{layer_experts:,} B copy of one MoE layer's local experts + {ep_size} EP ranks x "
        f"{largest:,} B ({'2/3' if gated else '1/2'}: w13) all_gather receive buffer + "
        f"{EPLB_WINDOW_SIZE:,} x {moe_layers} MoE layers x {columns} x 4 B logical load window + "
        f"{output:,} B dummy forward output = {total:,} B")


def _w13_bytes(layer_experts: int, gated: bool) -> int:
    """w13's share of one MoE layer's local experts: 2 of 3 matrices, 1 of 2 without a gate."""
    return layer_experts * (2 if gated else 1) // (3 if gated else 2)


def _window_columns(experts: int, version: Version) -> int:
    """The profile's logical load window's columns (LOGICAL_WINDOW_SPARE_FROM)."""
    return experts + 1 if version >= LOGICAL_WINDOW_SPARE_FROM else experts


def profile_inputs(layer_experts: int, gated: bool, experts: int, version: Version
                   ) -> dict[str, int | str]:
    """What profile_rearrangement multiplies beyond the layout's counts, named with units,
    each constant beside its source ('<name>_source', which the term's note lists)."""
    return {
        "w13_receive_bytes_per_rank": _w13_bytes(layer_experts, gated),
        "w13_matrices": 2 if gated else 1, "expert_matrices": 3 if gated else 2,
        "load_window_steps": EPLB_WINDOW_SIZE, "load_window_steps_source": WINDOW_SOURCE,
        "load_window_experts": _window_columns(experts, version),
        "load_window_experts_source": "num_logical_experts + 1 (an invalid_idx + 1 column) from "
        "0.29.0, num_logical_experts before: EplbState.rearrange, eplb_state.py",
        "int32_bytes": 4,
        "int32_bytes_source": "the logical load window, int32: EplbState.rearrange, "
        "eplb_state.py, 0.9.2-0.34.0"}


def profile_note(version: Version) -> str:
    """What the profile rearrangement term (profile_rearrangement) counts, and where vLLM
    holds less."""
    skipped = (f"; from {version_label(PROFILE_COPY_SKIPPED_FROM)} a vLLM with NIXL installed "
               "(its default EPLB communicator there, no vllm dependency) skips the copy and "
               "its all_gather: counted here as a pip-installed vLLM makes them"
               if version >= PROFILE_COPY_SKIPPED_FROM else "")
    return ("vLLM steps EPLB once after the profile's dummy forward (EplbState"
            ".rearrange(is_profile=True), eplb_state.py, rebalance_execute.py): it allocates a "
            f"logical load window ({EPLB_WINDOW_SIZE:,} steps x MoE layers x logical experts, "
            "int32) and a copy of one MoE layer's local experts, then all_gathers each expert "
            "tensor into ep_size references to its copy, which PyTorch's NCCL all_gather "
            "receives in one ep_size x tensor buffer; all freed before the KV cache is sized, "
            "but vLLM's profile counts its peak allocation, so the activation term is the "
            "larger of this moment and the forward's peak" + skipped)
