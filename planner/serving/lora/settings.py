"""The multi-LoRA flags a plan sizes and the vLLM releases whose LoRA source is read: the
releases (LORA_READ), --max-lora-rank's and --lora-dtype's choices, the LoraSettings a plan
carries, the refusals of what vLLM's parser or LoRAConfig refuses (and of --fully-sharded-loras
splitting unevenly), and the slots' element bytes.

Read from config/lora.py of the vLLM 0.17.0-0.34.0 wheels (LORA_READ; what else was read in
them: planner.serving.lora.slots' docstring):
- config/lora.py LoRAConfig: max_lora_rank is a Literal MaxLoRARanks (MAX_LORA_RANKS, default
  16), max_loras `Field(default=1, ge=1)`, fully_sharded_loras False, lora_dtype "auto" (the
  model's dtype: verify_with_model_config). lora_extra_vocab_size is gone from LoRAConfig from
  the 0.12.0 wheel (the 0.11.0 wheel still has it): no extra-vocabulary rows in any release read
  (0.17.0-0.28.0's VocabParallelEmbeddingWithLoRA, lora/layers/vocal_parallel_embedding.py,
  only views the base weight's added rows, of which there are none).
"""

from typing import NamedTuple

from planner.model.spec import ModelSpec
from planner.text import shortened
from planner.units import TORCH_DTYPE_BYTES

Version = tuple[int, int, int]

LORA_READ: tuple[Version, ...] = (
    (0, 17, 0), (0, 17, 1), (0, 18, 0), (0, 18, 1), (0, 19, 0), (0, 19, 1), (0, 20, 0),
    (0, 20, 1), (0, 20, 2), (0, 21, 0), (0, 22, 0), (0, 22, 1), (0, 23, 0), (0, 24, 0),
    (0, 25, 0), (0, 25, 1), (0, 26, 0), (0, 27, 0), (0, 27, 1), (0, 28, 0), (0, 29, 0),
    (0, 30, 0), (0, 31, 0), (0, 32, 0), (0, 33, 0), (0, 34, 0))
"""The releases whose LoRA source is read (slots' docstring): every release on PyPI from 0.17.0
to 0.34.0. --enable-lora is refused under any other (0.12.0-0.16.0 differ: the LoRA
vocabulary limit is 257,024, the Punica kernel metadata (lora_kernel_metadata.py) reads
otherwise, Qwen3ForCausalLM has no embedding_modules to 0.15.1 and 0.12.0-0.14.0's registry
maps MistralForCausalLM to models/llama.py; 0.11.x still has lora_extra_vocab_size; none of
them is sized here).

The patch releases 0.17.1, 0.18.1, 0.19.1, 0.20.1, 0.20.2, 0.25.1 and 0.27.1: every `.py` file
of each wheel diffed with its x.y.0's (0.20.2 with 0.20.0), and none that is read here differs:
lora/ (layers, Punica wrapper and kernel metadata, model_manager.py, utils.py
get_captured_lora_counts), config/lora.py, v1/cudagraph_dispatcher.py, v1/worker/gpu/
(lora_utils.py, cudagraph_utils.py, model_runner.py), v1/worker/lora_model_runner_mixin.py,
models/ llama, qwen2, qwen3, mistral, gemma2, gemma3, phi3, qwen3_moe, granite, mimo,
nemotron_nas, interfaces and registry.py, layers/linear.py, vocab_parallel_embedding.py,
logits_processor.py, fused_moe/oracle/unquantized.py, distributed/utils.py and
engine/arg_utils.py read byte for byte the same. What differs touches none of the rules: 0.17.1
gpu_model_runner.py (zeroing new KV blocks) and fused_moe.py (TritonExperts takes the no-mul
activations; Qwen3-MoE's SiLU-and-mul unchanged); 0.18.1 config/vllm.py (DeepGEMM off on
Blackwell for some models) and config/attention.py (the TRT-LLM ragged DeepSeek prefill
default); 0.19.1 config/compilation.py (a fuse_minimax_qk_norm pass field) and config/vllm.py
(its compile range); 0.20.1 gpu_model_runner.py (a log argument), fused_moe/config.py
(FusedMoEQuantConfig's MXFP4 mx_alignment; FusedMoEConfig the same) and config/vllm.py
(max_num_batched_tokens joins the capture sizes, vllm_versions.GRAPH_ADDS_BATCHED_TOKENS_FROM:
which sizes, not the LoRA cases per size), 0.20.2 moe_runner.py too (the TRT-LLM MXFP4 output
width); 0.25.1 fused_moe/layer.py (a docstring); 0.27.1 models/qwen3_dspark.py. Their `vllm
serve` parsers (tools/extract_vllm_cli.py fixture() on each wheel) equal their x.y.0 fixtures in
every key but the version and wheel, so vllm_cli's x.y.0 fixture checks their commands."""

MAX_LORA_RANKS: tuple[int, ...] = (1, 8, 16, 32, 64, 128, 256, 320, 512)
"""config/lora.py MaxLoRARanks of the 0.17.0-0.34.0 wheels: the --max-lora-rank choices."""


DEFAULT_MAX_LORA_RANK = 16
"""LoRAConfig.max_lora_rank's default (0.17.0-0.34.0)."""

LORA_DTYPES: tuple[str, ...] = ("auto", "float16", "bfloat16")
"""config/lora.py LoRADType of the 0.17.0-0.34.0 wheels (every one reads the same): the
--lora-dtype values LoRAConfig takes (the parser takes any string, engine/arg_utils.py
`lora_dtype: str | torch.dtype | None`; LoRAConfig's Literal refuses the rest, float32
included). verify_with_model_config: "auto" (or None) -> the model's dtype, a name ->
getattr(torch, name). Every slot tensor (lora_a_stacked / lora_b_stacked of the linear,
embedding, logits-processor and fused-MoE layers) is `torch.zeros(..., dtype=lora_dtype)`;
the Punica index buffers (torch.long), the experts' adapter flags (torch.int) and the lm_head
mapping (torch.long) keep theirs."""
"""LoRAConfig.max_lora_rank's default (0.17.0-0.34.0)."""


class LoraSettings(NamedTuple):
    """The LoRA flags a plan sizes (EngineSettings' enable_lora, max_loras, max_lora_rank,
    fully_sharded_loras, specialize_active_lora, lora_dtype, enable_tower_connector_lora) and
    the release (of LORA_READ) that serves them. `tower_every_stage`: with `tower`, vLLM builds
    the vision tower, so wraps it, on every PP stage, not the first alone (lora.tower).
    `tower_data_parallel`: with `tower`, --mm-encoder-tp-mode data holds the tower whole on
    every TP rank (mm_modes.encoder_data_parallel), so its slots are TP 1's (lora.tower)."""

    max_loras: int
    rank: int
    fully_sharded: bool
    version: Version
    specialize: bool = False
    dtype: str = "auto"
    tower: bool = False
    tower_every_stage: bool = False
    tower_data_parallel: bool = False


def release_refusal(version: Version, label: str) -> str | None:
    """--enable-lora under a release whose LoRA source is not read (LORA_READ)."""
    if version in LORA_READ:
        return None
    read = ", ".join(".".join(map(str, v)) for v in LORA_READ)
    return (f"--enable-lora: Headroom sizes vLLM's LoRA slots for the releases whose source it "
            f"read ({read}); vLLM {label} is not read, so it is not planned")


def lora_dtype_refusal(lora_dtype: str) -> str | None:
    """vLLM's LoRAConfig refusing a --lora-dtype outside LoRADType, in its words' gist."""
    if lora_dtype in LORA_DTYPES:
        return None
    return (f"--lora-dtype: {shortened(lora_dtype)} is not one of {', '.join(LORA_DTYPES)} "
            "(vLLM 0.17.0-0.34.0 config/lora.py LoRADType)")


def served_dtype_refusal(lora_dtype: str, served: str) -> str | None:
    """vLLM's LoRA kernels refusing the dtype the model is served in (`served`), or slots
    (--lora-dtype `lora_dtype`) in another.

    NOTE: lora/ops/triton_ops/lora_shrink_op.py of the 0.17.0-0.34.0 wheels asserts `inputs.dtype
    == lora_a_weights[0].dtype` and `inputs.dtype in [torch.float16, torch.bfloat16]` once an
    adapter is active (after its no-LoRA return); the inputs are the wrapped layer's, uncast
    (lora/layers/base_linear.py _apply_lora_to_output -> punica_gpu.py add_lora_linear ->
    add_shrink), the slots lora_dtype's (config/lora.py verify_with_model_config: auto -> the
    model's dtype). So a model served in float32 fails whatever the slots, and slots in another
    16-bit dtype than the model's fail: at start-up while vLLM captures the CUDA graphs of the
    active-LoRA cases, on the first adapter request with --enforce-eager (as
    moe.float32_gate_refusal's gate). None where the dtypes agree."""
    slots = served if lora_dtype == "auto" else lora_dtype
    if served not in ("float16", "bfloat16"):
        why = (f"the model is served in {served} (--dtype), which vLLM's LoRA kernels do not "
               "take (`assert inputs.dtype in [torch.float16, torch.bfloat16]`); serve it in "
               "bfloat16 or float16")
    elif slots != served:
        why = (f"--lora-dtype {lora_dtype} slots beside a model served in {served} (`assert "
               "inputs.dtype == lora_a_weights[0].dtype`); leave --lora-dtype auto")
    else:
        return None
    return shrink_assert_refusal("vLLM", "", why)


def shrink_assert_refusal(vllm: str, assertion: str, why: str) -> str:
    """--enable-lora refused as `vllm` ("vLLM", or "vLLM 0.22.1") fails once an adapter is
    active: an assertion (`assertion`, quoted after the file, or "") of its LoRA shrink kernel,
    which first runs with an adapter in the CUDA-graph capture of the active-LoRA cases (on the
    first adapter request with --enforce-eager); `why`: what breaks it. The one wording of
    served_dtype_refusal and moe.float32_gate_refusal."""
    return (f"--enable-lora: {vllm} fails as soon as an adapter is active (an AssertionError in "
            f"lora/ops/triton_ops/lora_shrink_op.py{assertion}: at start-up while it captures "
            "the CUDA graphs of the active-LoRA cases, on the first adapter request with "
            f"--enforce-eager): {why}")


def slot_dtype_bytes(lora: LoraSettings, served_dtype_bytes: int) -> int:
    """The bytes of a slot element: lora_dtype's, auto being the served dtype's."""
    return served_dtype_bytes if lora.dtype == "auto" else TORCH_DTYPE_BYTES[lora.dtype]


def rank_refusal(rank: int) -> str | None:
    """vLLM's parser refusing a --max-lora-rank outside MaxLoRARanks, in its words' gist."""
    if rank in MAX_LORA_RANKS:
        return None
    return (f"argument --max-lora-rank: invalid choice: {shortened(str(rank))} (choose from "
            f"{', '.join(map(str, MAX_LORA_RANKS))}; vLLM config/lora.py MaxLoRARanks)")



def fully_sharded_refusal(lora: LoraSettings, spec: ModelSpec, tp: int,
                          expert_tp: int | None = None) -> str | None:
    """vLLM's start-up failure where --fully-sharded-loras splits the rank or the hidden size
    over TP unevenly (distributed/utils.py divide asserts the division is whole), the MoE
    experts' slots over `expert_tp` too (moe.fully_sharded_tp: tp x dp from 0.21.0)."""
    if not lora.fully_sharded:
        return None
    for over in dict.fromkeys((tp, expert_tp or tp)):
        for what, size in (("--max-lora-rank", lora.rank), ("hidden_size", spec.hidden_size)):
            if size % over:
                return (f"--fully-sharded-loras: vLLM splits {what} {size} over TP {over}, "
                        "which does not divide it (distributed/utils.py divide asserts), so it "
                        "fails at start-up")
    return None

