"""The model runner's persistent buffers, which vLLM counts against the KV cache from 0.27.0
(vllm_versions.RUNNER_BUFFERS_COUNTED_FROM), read from vLLM's source per runner.

Why they count from 0.27.0: memory_profiling (utils/mem_utils.py) takes non_kv_cache_memory
= total_consumed (the init snapshot's free memory - free memory after the profile run) +
transient_peak_headroom (torch's peak - torch's allocated after it), where up to 0.26.0 it was
weights (the load window's allocated growth) + torch_peak_increase (the peak - allocated before
the profile run) + non_torch_increase. With R = torch reserved, A = torch allocated, W the
weights: new - old = (A before the profile - A at the snapshot - W) + (R - A after the
profile, the cache's slack), the torch tensors made after gpu_worker.init_device's snapshot
outside the weights window that live into the profile run: the runner's buffers, built in its
__init__ (right after the snapshot) and in load_model after its DeviceMemoryProfiler window.
What the profile run itself leaves allocated (the V1 runner's PP intermediate tensors, the
workspace manager's buffers, v1/worker/workspace.py, both grown lazily there) counts in both
formulas alike; the slack has no source to size it (the 0.34.0 worker caps the allocator's
split size in the profile window for it) and is left out.

Read in the 0.27.0, 0.28.0, 0.31.0 and 0.34.0 wheels (0.29.0, 0.30.0, 0.32.0 and 0.33.0
checked for the shapes below; the V1 runner to 0.33.0, removed in 0.34.0):
- Model Runner V1 (v1/worker/gpu_model_runner.py GPUModelRunner.__init__): inputs_embeds
  (max_num_batched_tokens x hidden, the model dtype; _make_buffer's pinned CPU half is host
  memory) and the placeholder InputBatch's block table (gpu_input_batch.py, block_table.py
  MultiGroupBlockTable: max_num_seqs x get_block_table_width(cdiv(max_model_len, block),
  block) int32, the width rounded up to 128 tokens' worth of blocks; the block is --block-size
  or CacheConfig.DEFAULT_BLOCK_SIZE, set before update_block_size_for_backend runs); with an
  MTP draft or an EAGLE-3 drafter (the same EagleProposer), on the last PP stage, its
  proposer's hidden_states and inputs_embeds (spec_decode/llm_base_proposer.py
  SpecDecodeBaseProposer.__init__, max_num_batched_tokens x hidden each: the drafter's
  hidden, which an EAGLE-3 drafter Headroom plans shares with the target). Left out, 1.04 MiB
  at most at 16,384 tokens and 1,024 sequences: the index
  buffers (input_ids, positions, req_indices, is_token_ids, query_pos, slot_mapping, 0.33's
  is_padding: 38 B a token; M-RoPE positions 24 more) and the per-sequence ones (69 B).
- Model Runner V2 (v1/worker/gpu/model_runner.py; load_model builds the sampler after its
  DeviceMemoryProfiler window, on the last PP stage of a generative model): the sampler's
  penalties (sample/penalties.py PenaltiesState: output_bin_counts max_num_seqs x vocab int32,
  prompt_bin_mask max_num_seqs x cdiv(vocab, 32) int32), its per-request tables (V2_ROW_PARTS:
  sample/logit_bias.py LogitBiasState, bad_words.py BadWordsState, logprob.py
  LogprobTokenIdsState; StagedWriteTensor's GPU half) and StructuredOutputsWorker's
  grammar_bitmask (structured_outputs.py: max_num_seqs x (1 + draft tokens) rows of
  cdiv(vocab, 32) int32); off the first PP stage, intermediate_tensors
  (make_empty_intermediate_tensors at max_num_batched_tokens: hidden_states and residual, the
  model dtype); on the first stage of a multimodal model, EncoderRunner's inputs_embeds
  (mm/encoder_runner.py, max_num_batched_tokens x hidden); with an MTP draft or an EAGLE-3
  drafter, the speculator's hidden_states (spec_decode/autoregressive/speculator.py in
  0.27.0-0.31.0, EagleSpeculator an AutoRegressiveSpeculator; target_dependent_ar/ and
  multi_module_mtp/speculator.py in 0.34.0, TargetDependentARSpeculator "Base for Eagle, MTP,
  and Gemma4 drafters"), and grammar_bitmask's 1 + draft tokens rows a request either way.
  Left out, 0.3 MiB at most: InputBuffers (13 B a token), RequestState (all_token_ids is host
  memory, UVA), logits_indices, M-RoPE positions, the thinking-budget state (only with a
  reasoning parser).
"""

from math import gcd
from typing import NamedTuple

from planner.model.attention import cdiv
from planner.units import gib_text

INT32_BYTES = 4

V2_ROW_PARTS: tuple[tuple[str, int], ...] = (
    ("allowed_token_ids", 1024), ("logit_bias_token_ids", 1024), ("logit_bias", 1024),
    ("stop_token_ids", 128), ("bad_word_token_ids", 1024), ("bad_word_offsets", 129),
    ("logprob token_ids", 128),
)
"""NOTE: Model Runner V2's per-request sampler tables, 4-byte elements (int32, logit_bias
float32): sample/logit_bias.py MAX_NUM_ALLOWED_TOKEN_IDS, MAX_NUM_LOGIT_BIAS_TOKENS (1024) and
MAX_NUM_STOP_TOKEN_IDS (128); sample/bad_words.py MAX_BAD_WORDS_TOTAL_TOKENS (1024) and
MAX_NUM_BAD_WORDS + 1 (129; envs VLLM_MAX_BAD_WORDS_TOTAL_TOKENS / VLLM_MAX_NUM_BAD_WORDS from
0.28.0, the same defaults); sampling_params.py MAX_LOGPROB_TOKEN_IDS (128). The same in the
0.27.0-0.34.0 wheels."""

V2_ROW_BYTES = sum(n for _, n in V2_ROW_PARTS) * INT32_BYTES
"""17,924 B a request (V2_ROW_PARTS)."""

BLOCK_TABLE_ALIGN_TOKENS = 128
"""NOTE: v1/worker/block_table.py get_block_table_width(token_alignment=128), 0.27.0-0.33.0:
the width is rounded up to a multiple of 128 // gcd(128, block) blocks."""


def block_table_width(max_model_len: int, block: int) -> int:
    """The V1 runner's block-table columns (BLOCK_TABLE_ALIGN_TOKENS)."""
    align = BLOCK_TABLE_ALIGN_TOKENS // gcd(BLOCK_TABLE_ALIGN_TOKENS, block)
    return cdiv(cdiv(max_model_len, block), align) * align


class RunnerBuffers(NamedTuple):
    """One worker's runner buffers: each part (formula with its numbers, bytes), and what
    those formulas multiply beyond the plan's batch figures (the element and row sizes, the
    block table's shape), named with their units, each constant beside its source
    ('<name>_source', which the term's note lists: plan.terms.SOURCE_SUFFIX)."""

    parts: tuple[tuple[str, int], ...]
    inputs: dict[str, int | str]


INT32_SOURCE = "torch.int32 elements"
V1_INT32_SOURCE = f"{INT32_SOURCE} (v1/worker/block_table.py, 0.27.0-0.33.0)"
V2_INT32_SOURCE = (f"{INT32_SOURCE}, logit_bias float32 (sample/penalties.py, logit_bias.py, "
                   "bad_words.py, logprob.py, structured_outputs.py, 0.27.0-0.34.0)")
V2_ROW_SOURCE = ("(" + " + ".join(f"{n:,} {name}" for name, n in V2_ROW_PARTS)
                 + ") x 4 B: sample/logit_bias.py, bad_words.py, sampling_params.py, "
                 "0.27.0-0.34.0 (runner_buffers.V2_ROW_PARTS)")
BITMASK_SOURCE = ("cdiv(vocab_size, 32) int32 words, a bit per token id: sample/penalties.py "
                  "prompt_bin_mask, structured_outputs.py grammar_bitmask, 0.27.0-0.34.0")


def runner_buffer_sizes(
    runner: str, hidden: int, vocab: int, mbt: int, seqs: int, max_model_len: int,
    block: int, act_bytes: int, *, first_stage: bool, last_stage: bool, multimodal: bool,
    draft_tokens: int, drafter: str = "MTP",
) -> RunnerBuffers:
    """The persistent buffers of one worker of Model Runner `runner` ("v1" | "v2") (module
    docstring), with their inputs. `draft_tokens`: draft tokens (0 without a draft) of the
    `drafter` ("MTP" or "EAGLE-3", whose proposer's buffers are the same); `multimodal`: the
    model has a vision encoder."""
    t, r, h = mbt, seqs, hidden
    embeds = t * h * act_bytes
    parts: list[tuple[str, int]] = []
    inputs: dict[str, int | str] = {}
    if runner == "v1":
        width = block_table_width(max_model_len, block)
        parts += [(f"inputs_embeds {t:,} x {h:,} x {act_bytes} B", embeds),
                  (f"block table {r:,} x {width:,} x {INT32_BYTES} B (max_model_len "
                   f"{max_model_len:,}, block {block})", r * width * INT32_BYTES)]
        inputs |= {"activation_dtype_bytes": act_bytes, "max_model_len_tokens": max_model_len,
                   "block_size_tokens": block,
                   "block_table_align_tokens": BLOCK_TABLE_ALIGN_TOKENS,
                   "block_table_align_tokens_source": "v1/worker/block_table.py "
                   "get_block_table_width(token_alignment=128), 0.27.0-0.33.0",
                   "block_table_blocks": width, "int32_bytes": INT32_BYTES,
                   "int32_bytes_source": V1_INT32_SOURCE}
        if draft_tokens and last_stage:
            parts.append((f"{drafter} proposer hidden_states + inputs_embeds 2 x {t:,} x {h:,} x "
                          f"{act_bytes} B", 2 * embeds))
            inputs["draft_tokens"] = draft_tokens
        return RunnerBuffers(tuple(parts), inputs)
    if multimodal and first_stage:
        parts.append((f"encoder inputs_embeds {t:,} x {h:,} x {act_bytes} B", embeds))
    if not first_stage:
        parts.append((f"PP intermediate tensors 2 x {t:,} x {h:,} x {act_bytes} B", 2 * embeds))
    if parts:
        inputs["activation_dtype_bytes"] = act_bytes
    if last_stage:
        words = cdiv(vocab, 32)
        rows = r * (1 + draft_tokens)
        parts += [(f"output_bin_counts {r:,} x {vocab:,} x {INT32_BYTES} B",
                   r * vocab * INT32_BYTES),
                  (f"prompt_bin_mask {r:,} x {words:,} x {INT32_BYTES} B", r * words * INT32_BYTES),
                  (f"grammar_bitmask {rows:,} x {words:,} x {INT32_BYTES} B",
                   rows * words * INT32_BYTES),
                  (f"sampler request tables {r:,} x {V2_ROW_BYTES:,} B", r * V2_ROW_BYTES)]
        inputs |= {"int32_bytes": INT32_BYTES, "int32_bytes_source": V2_INT32_SOURCE,
                   "bitmask_words": words, "bitmask_words_source": BITMASK_SOURCE,
                   "grammar_bitmask_rows": rows,
                   "sampler_request_row_bytes": V2_ROW_BYTES,
                   "sampler_request_row_bytes_source": V2_ROW_SOURCE}
        if draft_tokens:
            parts.append((f"{drafter} speculator hidden_states {t:,} x {h:,} x {act_bytes} B",
                          embeds))
            inputs |= {"draft_tokens": draft_tokens, "activation_dtype_bytes": act_bytes}
    return RunnerBuffers(tuple(parts), inputs)


def runner_buffers_formula(parts: tuple[tuple[str, int], ...], runner: str, label: str) -> str:
    """The runner_buffers term's formula: each part, then the total (for one part, its
    figure once: "... x 2 B = 234,881,024 B (0.219 GiB)")."""
    total = sum(n for _, n in parts)
    name = "Model Runner V2" if runner == "v2" else "Model Runner V1"
    sum_text = " + ".join(f"{text} = {n:,} B" for text, n in parts) if len(parts) > 1 \
        else parts[0][0]
    return f"{name} (vLLM {label}): {sum_text} = {total:,} B ({gib_text(total, 3)})"
