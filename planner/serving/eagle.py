"""vLLM's EAGLE-3 speculative decoding with a separate drafter checkpoint
(`--speculative-config '{"method": "eagle3", "model": DRAFTER, "num_speculative_tokens": N}'`):
the drafters the memory plan sizes (a Llama-style EAGLE-3 head, vLLM's
model_executor/models/llama_eagle3.py Eagle3LlamaForCausalLM), their weights on each GPU of
the last pipeline stage, their KV layers, and vLLM's refusals. The drafter's config.json is
read at the edge (cli.inputs) and passed in parsed (EagleDraft).

NOTE (vLLM 0.17.0-0.34.0 source read, 0.33.0 line numbers unless said):
- The drafter is built on the last pipeline stage only (v1/worker/gpu_model_runner.py:598
  `if self.speculative_config and get_pp_group().is_last_rank`), inside the model load's
  DeviceMemoryProfiler after the target (gpu_model_runner.py:4989-5012), with the target's
  VllmConfig: its tensor parallel group is the target's whatever draft_tensor_parallel_size
  says (v1/spec_decode/llm_base_proposer.py:1303 _get_model, _create_draft_vllm_config:1265;
  config/speculative.py _verify_and_get_draft_tp:1849 only checks it is 1 or the target's TP,
  and only method draft_model builds a draft_parallel_config of its own), in the target's
  dtype (speculative.py ModelConfig(dtype=self.target_model_config.dtype)).
- EAGLEConfig (transformers_utils/configs/eagle.py, 0.17.0-0.34.0 wheels) names the class: for
  eagle3 an architecture starting or ending with "Eagle3" as it is, else "Eagle3" + it
  (LlamaForCausalLM -> Eagle3LlamaForCausalLM).
- llama_eagle3.py (0.17.0, 0.20.0, 0.25.0, 0.30.0, 0.34.0): each decoder layer is a Llama
  layer whose qkv_proj (QKVParallelLinear) takes 2 x hidden on layer 0 (the token embedding
  and the hidden state concatenated), hidden after it, plus a hidden_norm; fc is a
  ReplicatedLinear(3 x target_hidden_size, hidden) (whole on every rank), then the final
  norm; lm_head a ParallelLMHead(draft_vocab_size, hidden); draft_id_to_target_id (the
  checkpoint's d2t) an int64 Parameter of draft_vocab_size, built always before 0.30.0 and
  only where draft_vocab_size differs from the target's vocabulary from 0.30.0
  (D2T_ONLY_WHEN_SMALLER_FROM); embed_tokens a VocabParallelEmbedding(vocab_size, hidden).
- load_model (llm_base_proposer.py:1318, _maybe_share_embeddings:1418, _maybe_share_lm_head:
  1510; Model Runner V2: v1/worker/gpu/spec_decode/eagle/utils.py load_eagle_model,
  maybe_share_target_embed, share_target_lm_head in 0.34.0): at one pipeline stage the draft's
  embed_tokens is replaced by the target's when the checkpoint has none or an identical copy
  (utils.py process_eagle_weight sets has_own_embed_tokens from the checkpoint's tensor
  names); at PP > 1 "The draft model's vocab embedding will be loaded separately from the
  target model". Its lm_head is replaced by the target's only when the checkpoint has none or
  an identical one; an EAGLE-3 head over draft_vocab_size tokens is its own.
- The draft's attention layers (named model.layers.{target layers + i}) join the KV cache:
  load_model marks every attention layer the target did not register as a draft layer
  (llm_base_proposer.py:1328-1340), and the KV cache spec holds them with the target's
  (their FullAttentionSpec of the draft's KV heads and head_dim, the KV cache dtype the
  target's).
"""

import json
import shlex
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from planner.model.attention import DraftAttentionKv, FullAttentionKv, model_kv_layers
from planner.model.config.fields import MIXER_NAMES
from planner.model.config.leftovers import garbage_number_warnings
from planner.model.config.length import rope_scaling, window_inputs
from planner.model.config.reader import (
    MAX_CONTEXT,
    MAX_HEADS,
    MAX_LAYERS,
    MAX_VOCAB,
    MAX_WIDTH,
    Notes,
    Reader,
)
from planner.model.spec import AttentionMixer, ConfigError, ModelSpec, WindowInputs
from planner.serving.vllm_versions import Version, parse_version, version_label
from planner.serving.vocab import VOCAB_PADDING, vocab_rows_per_rank

EAGLE3_FROM: Version = (0, 17, 0)
"""The first release whose EAGLE-3 source Headroom read (0.17.0-0.34.0)."""

LLAMA_EAGLE3_CLASSES: dict[str, Version] = {
    "Eagle3LlamaForCausalLM": (0, 17, 0),
    "LlamaForCausalLMEagle3": (0, 17, 0),
    "Eagle3Qwen2_5vlForCausalLM": (0, 17, 0),
    "Eagle3Qwen3vlForCausalLM": (0, 17, 0),
    "Eagle3MiniMaxM2ForCausalLM": (0, 20, 0),
}
"""Drafter architectures (after EAGLEConfig's renaming) that vLLM's registry maps to
llama_eagle3.Eagle3LlamaForCausalLM, and the first release whose registry has the name
(model_executor/models/registry.py, 0.17.0-0.34.0)."""

UNMODELLED_EAGLE3_CLASSES = ("Eagle3Qwen3ForCausalLM", "Eagle3DeepseekV2ForCausalLM",
                             "Eagle3DeepseekV3ForCausalLM")
"""EAGLE-3 drafters vLLM serves from other modules (qwen3_eagle3.py from 0.24.0,
deepseek_eagle3.py from 0.18.0), whose weights Headroom does not size."""

EAGLE3_TARGETS: dict[str, Version] = {
    "LlamaForCausalLM": (0, 17, 0), "MistralForCausalLM": (0, 17, 0),
    "Phi3ForCausalLM": (0, 17, 0), "Qwen2ForCausalLM": (0, 17, 0),
    "Qwen3ForCausalLM": (0, 17, 0), "Qwen3MoeForCausalLM": (0, 17, 0),
    "GptOssForCausalLM": (0, 17, 0), "MiniCPMForCausalLM": (0, 17, 0),
    "InternLM3ForCausalLM": (0, 17, 0), "Ernie4_5ForCausalLM": (0, 17, 0),
    "MiMoForCausalLM": (0, 17, 0), "AfmoeForCausalLM": (0, 17, 0),
    "ApertusForCausalLM": (0, 18, 0), "Step1ForCausalLM": (0, 18, 0),
    "MiniMaxM2ForCausalLM": (0, 20, 0), "Ministral3ForCausalLM": (0, 20, 0),
    "GraniteForCausalLM": (0, 32, 0), "GraniteMoeForCausalLM": (0, 33, 0),
    "GraniteMoeSharedForCausalLM": (0, 33, 0),
}  # fmt: skip
"""Text targets with attention layers only whose vLLM class implements SupportsEagle3 (the
class or a base it inherits from lists it: model_executor/models/*.py of each release
0.17.0-0.34.0, read by class inheritance), and the first release where it does.
gpu_model_runner.py:5173 raises "Model does not support EAGLE3 interface but
aux_hidden_state_outputs was requested" for a target without it."""

LLAMA_MAX_POSITION_EMBEDDINGS = 2048
"""transformers LlamaConfig's max_position_embeddings default (LlamaConfig() in transformers
5.25.0), which a drafter config (model_type llama) leaving it out is built with."""

OWN_EMBED_AT_PP_REQUIRED_FROM: Version = (0, 31, 0)
"""NOTE: Model Runner V2's maybe_share_target_embed (v1/worker/gpu/spec_decode/eagle/utils.py)
skips sharing at PP > 1 (`if get_pp_group().world_size == 1`) in 0.22.0-0.30.0, so the
drafter keeps its own embed_tokens there; from 0.31.0 (0.31.0-0.34.0 wheels) it goes on where
the drafter has has_own_embed_tokens (SupportsEagleBase: every EAGLE-3 head), takes the target's
embedding on the last stage (a PPMissingLayer: none, for an untied target), and raises
`RuntimeError(f"{type(draft_model).__name__} needs the target input embedding, but it is
unavailable on this PP stage")` where the checkpoint gave the drafter no embed_tokens. The
drafter is built on the last stage only (v1/worker/gpu/model_runner.py, `if
self.is_last_pp_rank`)."""

D2T_ONLY_WHEN_SMALLER_FROM: Version = (0, 30, 0)
"""From 0.30.0 llama_eagle3.py builds draft_id_to_target_id only where draft_vocab_size
differs from the target's vocabulary (`if self.config.draft_vocab_size != target_vocab_size`);
0.17.0-0.29.0 build it always."""

_UNMODELLED_KEYS = ("eagle_config", "num_aux_hidden_states", "norm_before_fc", "fc_norm",
                    "norm_output", "layer_types", "quantization_config", "attention_bias",
                    "target_hidden_size")
"""Drafter config keys that change what llama_eagle3.py builds in some releases (the number
of auxiliary hidden states, extra norms, sliding layers, quantized or biased projections, a
target hidden size of its own) and that Headroom does not size: a config holding one of them
set (not false / null) is refused."""

NOT_GIVEN_MESSAGE = ("num_speculative_tokens must be provided with speculative model unless "
                     "the draft model config contains an n_predict parameter.")
"""vLLM's refusal of a drafter without num_speculative_tokens (config/speculative.py
__post_init__, 0.17.0, 0.25.0, 0.33.0 and 0.34.0)."""


class DraftError(ValueError):
    """A drafter config Headroom cannot plan (one line; the CLI exits 2)."""


class EagleDraft(BaseModel):
    """An EAGLE-3 drafter as vLLM builds it, from its config.json (parse_eagle_draft)."""

    model_config = ConfigDict(frozen=True)

    model: str = Field(description="the drafter's repo id or path, as --speculative-config "
                       "names it")
    architecture: str = Field(description="vLLM's class name for it (EAGLEConfig's renaming)")
    hidden_size: int = Field(gt=0)
    num_layers: int = Field(gt=0, description="num_hidden_layers: draft decoder layers")
    num_heads: int = Field(gt=0)
    num_kv_heads: int = Field(gt=0)
    head_dim: int = Field(gt=0)
    intermediate_size: int = Field(gt=0)
    vocab_size: int = Field(gt=0, description="embed_tokens rows (the target's vocabulary)")
    draft_vocab_size: int = Field(gt=0, description="lm_head rows (the draft's vocabulary)")
    window: WindowInputs = Field(description="its config's length keys and rope blocks, from "
                                 "which vLLM derives the draft's max_model_len "
                                 "(eagle_window.draft_window_limit)")
    warnings: tuple[str, ...] = Field(
        default=(), description="what its config gives that vLLM builds and serves garbage "
        "with (a rope_theta or rms_norm_eps the target's parser warns of: "
        "leftovers.garbage_number_warnings); the plan's warnings and sweep's and recommend's "
        "model warnings give them")


def _positive(config: dict, key: str, hi: int, default: int | None = None) -> int:
    """A positive whole-number field of the drafter config, at most `hi` (the target reader's
    plausibility limit: above it a malformed config, not a model), `default` where it is
    absent or null (as vLLM's LlamaAttention and llama_eagle3.py read head_dim,
    num_key_value_heads and draft_vocab_size)."""
    value = config.get(key)
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DraftError(f"the drafter config's {key} is {value!r}, not a positive whole number")
    if value > hi:
        raise DraftError(f"the drafter config's {key} is {value:,}, out of range (1 to {hi:,})")
    return value


def _check_built(config: dict, model: str, heads: int, kv_heads: int) -> None:
    """Refuse a drafter config that vLLM fails to build at start-up, whatever the TP (the
    rope checks are rope_scaling's, as for a target):

    - model_executor/layers/attention/attention.py Attention.__init__ asserts `num_heads %
      num_kv_heads == 0` on each rank's counts (0.17.0:253, 0.25.0:328, 0.30.0:326,
      0.34.0:350). Where the totals do not divide (more KV heads than heads included), no TP
      passes both it and LlamaAttention's split asserts (eagle_head_errors): with the KV heads
      split, each rank holds heads / tp and kv / tp; with them replicated, tp is a multiple of
      kv and a divisor of heads.
    - models/llama.py LlamaMLP raises `ValueError(f"Unsupported activation: {hidden_act}. Only
      silu is supported for now.")` (0.17.0:112, 0.25.0:111, 0.34.0:114); llama_eagle3.py's
      decoder layers are llama.py's, whose MLP takes config.hidden_act (LlamaConfig's default
      "silu", transformers 5.25.0)."""
    if heads % kv_heads:
        raise DraftError(f"the drafter config of {model} has {heads} attention heads and "
                         f"{kv_heads} KV heads: vLLM's Attention asserts \"num_heads ({heads}) "
                         f"is not divisible by num_kv_heads ({kv_heads})\" as it builds the "
                         "drafter at TP 1, and at any TP one of its asserts fails "
                         "(model_executor/layers/attention/attention.py, models/llama.py)")
    act = config.get("hidden_act", "silu")
    if act != "silu":
        raise DraftError(f"the drafter config of {model} sets hidden_act {act!r}: vLLM's "
                         f"llama.py LlamaMLP raises \"Unsupported activation: {act}. Only silu "
                         "is supported for now.\" as it builds the drafter")


def _check_draft_vocab(model: str, vocab: int, draft_vocab: int) -> None:
    """Refuse a drafter whose draft vocabulary is larger than its vocabulary: vLLM builds it
    (its config checks compare the vocabularies of method draft_model only, and llama_eagle3.py
    sizes lm_head and d2t by draft_vocab_size) and fails at its first draft step.
    compute_logits, the same code in every release 0.17.0-0.34.0 (0.34.0:364-386), scatters
    the draft_vocab_size logits to target ids `base + self.draft_id_to_target_id` (base =
    arange(draft_vocab_size)) in a row of config.vocab_size columns, `logits_new[:, targets] =
    logits` (0.17.0:350, 0.25.0:356, 0.30.0:394, 0.34.0:385): a draft id i from vocab_size up
    lands in a column only where d2t[i] is negative, and load_weights leaves d2t zeros where
    the checkpoint holds none. Every path to a draft token goes through it (Model Runner V1's
    proposer, v1/spec_decode/eagle.py or llm_base_proposer.py; Model Runner V2's speculator,
    v1/worker/gpu/spec_decode)."""
    if draft_vocab > vocab:
        raise DraftError(f"the drafter config of {model} has draft_vocab_size {draft_vocab:,}, "
                         f"more than its vocab_size {vocab:,}: vLLM builds it but fails at the "
                         "first draft step, where llama_eagle3.py compute_logits writes draft "
                         "id i's logit to target id i + d2t[i] of a vocab_size-wide row "
                         "(`logits_new[:, targets] = logits`, line 385 in 0.34.0), past its end "
                         f"from draft id {vocab:,} up unless d2t holds negative offsets")


def parse_eagle_draft(config: dict, model: str) -> EagleDraft:
    """The EAGLE-3 drafter `config` (its config.json) describes, named `model`; DraftError for
    one Headroom does not size (one line)."""
    if "speculators_config" in config:
        raise DraftError(f"{model} is a speculators-format drafter (speculators_config), whose "
                         "transformer_layer_config Headroom does not read yet: give a flat "
                         "EAGLE-3 config (architectures LlamaForCausalLMEagle3)")
    archs = config.get("architectures")
    if not (isinstance(archs, list) and archs and all(isinstance(a, str) for a in archs)):
        raise DraftError(f"the drafter config of {model} names no architectures")
    arch = archs[0] if archs[0].startswith("Eagle3") or archs[0].endswith("Eagle3") \
        else f"Eagle3{archs[0]}"
    if arch in UNMODELLED_EAGLE3_CLASSES:
        raise DraftError(f"vLLM serves the drafter {arch} with a module other than "
                         "llama_eagle3.py, whose weights Headroom does not size")
    if arch not in LLAMA_EAGLE3_CLASSES:
        raise DraftError(f"vLLM: \"Model architectures ['{arch}'] are not supported for now.\" "
                         f"(the drafter {model} declares {archs[0]}; EAGLE-3 drafters: "
                         f"{', '.join(LLAMA_EAGLE3_CLASSES)})")
    for key in _UNMODELLED_KEYS:
        if config.get(key) not in (None, False):
            raise DraftError(f"the drafter config of {model} sets {key}, which changes the "
                             "EAGLE-3 head vLLM builds in ways Headroom does not size")
    hidden = _positive(config, "hidden_size", MAX_WIDTH)
    heads = _positive(config, "num_attention_heads", MAX_HEADS)
    vocab = _positive(config, "vocab_size", MAX_VOCAB)
    kv_heads = _positive(config, "num_key_value_heads", MAX_HEADS, heads)
    _check_built(config, model, heads, kv_heads)
    notes = Notes()
    reader = Reader(config, "", notes)
    max_position = _positive(config, "max_position_embeddings", MAX_CONTEXT,
                             LLAMA_MAX_POSITION_EMBEDDINGS)
    try:
        rope_scaling(reader, reader, max_position)
        window = window_inputs(reader, reader, max_position,
                               str(config.get("model_type") or "llama"), ("full_attention",))
    except ConfigError as exc:
        raise DraftError(f"the drafter config of {model}: {exc}") from None
    if window.layer_block_problems:
        raise DraftError(f"the drafter config of {model}: {window.layer_block_problems[0]}")
    draft_vocab = _positive(config, "draft_vocab_size", MAX_VOCAB, vocab)
    _check_draft_vocab(model, vocab, draft_vocab)
    garbage_number_warnings(reader, notes)
    return EagleDraft(
        model=model, architecture=arch, hidden_size=hidden,
        num_layers=_positive(config, "num_hidden_layers", MAX_LAYERS), num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=_positive(config, "head_dim", MAX_WIDTH, hidden // heads),
        intermediate_size=_positive(config, "intermediate_size", MAX_WIDTH), vocab_size=vocab,
        draft_vocab_size=draft_vocab, window=window,
        warnings=tuple(f"the drafter config of {model}: {w}" for w in notes.warnings))


def eagle_refusals(draft: EagleDraft, spec: ModelSpec, vllm_version: str,
                   num_speculative_tokens: int, kv_cache_dtype: str) -> tuple[str, ...]:
    """Why this release cannot serve (or Headroom cannot plan) `spec` with `draft`: vLLM's
    refusals, quoted, and the drafts Headroom does not size; () where it plans it."""
    version = parse_version(vllm_version)
    name = spec.name or spec.model_type
    if not num_speculative_tokens:
        return (f"vLLM refuses the EAGLE-3 drafter without --num-speculative-tokens: "
                f"\"{NOT_GIVEN_MESSAGE}\"",)
    if version < EAGLE3_FROM:
        return (f"EAGLE-3 drafters are planned on vLLM {version_label(EAGLE3_FROM)} and "
                f"later (the releases whose source Headroom read), not {vllm_version}",)
    first = LLAMA_EAGLE3_CLASSES[draft.architecture]
    if version < first:
        return (f"vLLM {vllm_version}: \"Model architectures ['{draft.architecture}'] are not "
                f"supported for now.\" (its registry names the drafter from "
                f"{version_label(first)})",)
    others = {MIXER_NAMES[layer.mixer.kind if layer.mixer else None]: None
              for layer in spec.layers if not isinstance(layer.mixer, AttentionMixer)}
    if others:
        return (f"{name} has {' and '.join(others)} layers: Headroom plans an EAGLE-3 drafter "
                "only for targets whose layers are all softmax attention",)
    arch = spec.architectures[0] if spec.architectures else spec.model_type
    target = EAGLE3_TARGETS.get(arch)
    if target is None or version < target:
        return (f"Headroom plans an EAGLE-3 drafter for the targets whose vLLM class it read "
                f"implementing SupportsEagle3, and {arch} in {vllm_version} is not one of them; "
                "on a target class without it vLLM raises \"Model does not support EAGLE3 "
                "interface but aux_hidden_state_outputs was requested\"",)
    if draft.hidden_size != spec.hidden_size:
        return (f"the drafter {draft.model} has hidden_size {draft.hidden_size:,}, "
                f"{name} {spec.hidden_size:,}: its fc takes 3 x the target's hidden states, "
                "which Headroom sizes only for a drafter of the target's width",)
    if kv_cache_dtype.startswith("turboquant"):
        return (f"--kv-cache-dtype {kv_cache_dtype}: the 16-bit boundary layers vLLM keeps "
                "are not planned with a drafter's KV layers",)
    if draft.vocab_size != spec.vocab_size:
        return (f"the drafter {draft.model} has vocab_size {draft.vocab_size:,}, {name} "
                f"{spec.vocab_size:,}: its token embedding is the target's, of one vocabulary",)
    return ()


def eagle_head_errors(draft: EagleDraft | None, tp: int) -> list[str]:
    """Why vLLM cannot build `draft` at TP `tp` (empty where it can, or without a
    drafter): its LlamaAttention asserts `self.total_num_heads % tp_size == 0`, and that the KV
    heads split over TP (`self.total_num_kv_heads % tp_size == 0`) or replicate (`tp_size %
    self.total_num_kv_heads == 0`) evenly (model_executor/models/llama.py, 0.17.0, 0.25.0,
    0.33.0 and 0.34.0: llama_eagle3.py's decoder layers are Llama layers, on the target's TP
    group). Checked apart from the target's heads, which a drafter need not share; and its
    MLP's: gate_up_proj, a MergedColumnParallelLinear of [intermediate_size] * 2, asserts
    `all(output_size % self.tp_size == 0 for output_size in output_sizes)`
    (model_executor/layers/linear.py, 0.17.0:642, 0.25.0:624, 0.30.0:713, 0.34.0:791)."""
    if draft is None:
        return []
    errors = []
    if draft.num_heads % tp:
        errors.append(f"The EAGLE-3 drafter {draft.model}'s {draft.num_heads} attention heads "
                      f"are not divisible by tensor parallel size {tp} (vLLM llama.py "
                      "LlamaAttention: `assert self.total_num_heads % tp_size == 0`).")
    kv = draft.num_kv_heads
    if (kv >= tp and kv % tp) or (kv < tp and tp % kv):
        errors.append(f"The EAGLE-3 drafter {draft.model}'s {kv} KV heads cannot be split or "
                      f"replicated evenly over tensor parallel size {tp} (vLLM llama.py "
                      "LlamaAttention asserts one divides the other).")
    if draft.intermediate_size % tp:
        errors.append(f"The EAGLE-3 drafter {draft.model}'s intermediate_size "
                      f"{draft.intermediate_size:,} is not divisible by tensor parallel size "
                      f"{tp} (vLLM linear.py MergedColumnParallelLinear, its gate_up_proj: "
                      "`assert all(output_size % self.tp_size == 0 for output_size in "
                      "output_sizes)`).")
    return errors


def eagle_kv_layers(draft: EagleDraft, spec: ModelSpec) -> tuple[FullAttentionKv, ...]:
    """The draft's KV layers, one full-attention layer per draft decoder layer (the module
    NOTE: they join the target's KV cache on the last stage): of the target's full-attention
    type where its KV heads and head dims are the target's (vLLM's spec is then the same),
    else a DraftAttentionKv, a type of its own."""
    dims = {"num_kv_heads": draft.num_kv_heads, "head_dim": draft.head_dim,
            "v_head_dim": draft.head_dim}
    alike = any(type(kv) is FullAttentionKv and kv == FullAttentionKv(**dims)
                for kv in model_kv_layers(spec))
    return ((FullAttentionKv if alike else DraftAttentionKv)(**dims),) * draft.num_layers


class DraftBytes(NamedTuple):
    """The drafter's weights on one GPU of the last stage, by part (eagle_rank_bytes)."""

    layers: int  # its decoder layers, split over TP like the target's
    fc: int  # fc: 3 x hidden -> hidden, whole on every rank
    norms: int  # each layer's 3 norms and the final one
    lm_head: int  # its own lm_head over draft_vocab_size, split over TP
    d2t: int  # draft_id_to_target_id, int64, whole on every rank
    embed: int  # its own embed_tokens: at PP > 1 only (the target's at PP 1)
    rope: int = 0  # its own rotary cos/sin cache, whole on every rank (0: the target's shared)

    @property
    def total(self) -> int:
        """All the drafter's bytes on this GPU."""
        return sum(self)


def eagle_rank_bytes(draft: EagleDraft, tp: int, pp: int, elem: int, target_vocab: int,
                     vllm_version: str, rope: int = 0) -> DraftBytes:
    """The drafter's weights on one GPU of the last stage at TP `tp` and PP `pp`, in the
    served dtype of `elem` bytes (the module NOTE: QKVParallelLinear splits q by heads and k, v
    by KV heads, max(1, kv / tp) of them a rank; the MLP's columns and rows split over TP; fc,
    the norms and d2t whole), with `rope` bytes of its own rotary cache
    (eagle_window.draft_rope_bytes)."""
    h, hd = draft.hidden_size, draft.head_dim
    q_heads, kv_heads = draft.num_heads // tp, max(1, draft.num_kv_heads // tp)
    qkv_out = (q_heads + 2 * kv_heads) * hd
    attention = (2 * h + h * (draft.num_layers - 1)) * qkv_out \
        + draft.num_layers * q_heads * hd * h
    mlp = draft.num_layers * 3 * (draft.intermediate_size // tp) * h
    d2t = 8 * draft.draft_vocab_size if (
        parse_version(vllm_version) < D2T_ONLY_WHEN_SMALLER_FROM
        or draft.draft_vocab_size != target_vocab) else 0
    return DraftBytes(
        layers=(attention + mlp) * elem,
        fc=3 * h * h * elem,
        norms=(3 * draft.num_layers + 1) * h * elem,
        lm_head=vocab_rows_per_rank(draft.draft_vocab_size, tp) * h * elem,
        d2t=d2t,
        embed=vocab_rows_per_rank(draft.vocab_size, tp) * h * elem if pp > 1 else 0,
        rope=rope)


def eagle_bytes_formula(draft: EagleDraft, parts: DraftBytes, tp: int, elem: int) -> str:
    """The drafter's bytes on one GPU as the sum of their parts, with the config's numbers."""
    h = draft.hidden_size
    terms = [
        f"{draft.num_layers} decoder layer(s) {parts.layers:,} B (qkv 2 x {h:,} in, "
        f"{draft.num_heads} + 2 x {draft.num_kv_heads} heads x {draft.head_dim} over TP {tp}; "
        f"o_proj; MLP 3 x {draft.intermediate_size:,} x {h:,} / {tp})",
        f"fc 3 x {h:,} x {h:,} x {elem} B = {parts.fc:,} B (whole on every rank)",
        f"norms {3 * draft.num_layers + 1} x {h:,} x {elem} B = {parts.norms:,} B",
        f"lm_head {draft.draft_vocab_size:,} (padded to {VOCAB_PADDING}) / {tp} x {h:,} x "
        f"{elem} B = {parts.lm_head:,} B",
    ]
    if parts.d2t:
        terms.append(f"d2t {draft.draft_vocab_size:,} x 8 B = {parts.d2t:,} B")
    if parts.embed:
        terms.append(f"its own embed_tokens {draft.vocab_size:,} / {tp} x {h:,} x {elem} B = "
                     f"{parts.embed:,} B (at PP > 1 vLLM loads it separately)")
    if parts.rope:
        terms.append(f"its rotary cos/sin cache {parts.rope // (draft.head_dim * elem):,} "
                     f"positions x {draft.head_dim} x {elem} B = {parts.rope:,} B (a get_rope "
                     "instance of its own, whole on every rank)")
    return " + ".join(terms) + f" = {parts.total:,} B"


def eagle_speculative_config(draft: EagleDraft, num_speculative_tokens: int) -> str:
    """The launch command's --speculative-config flag, its JSON one shell word (SpeculativeConfig
    fields method, model and num_speculative_tokens: config/speculative.py, 0.17.0-0.34.0)."""
    config = {"method": "eagle3", "model": draft.model,
              "num_speculative_tokens": num_speculative_tokens}
    return f"--speculative-config {shlex.quote(json.dumps(config))}"


def eagle_note(draft: EagleDraft, num_speculative_tokens: int, vllm_version: str) -> str:
    """What the memory plan holds of the drafter, what it assumes and what it leaves out."""
    own_embed_needed = (
        f" (vLLM {vllm_version} on Model Runner V2 raises \"Eagle3LlamaForCausalLM needs the "
        "target input embedding, but it is unavailable on this PP stage\" where the "
        "checkpoint holds none and the last stage no target embedding: "
        "v1/worker/gpu/spec_decode/eagle/utils.py "
        "maybe_share_target_embed)"
        if parse_version(vllm_version) >= OWN_EMBED_AT_PP_REQUIRED_FROM else "")
    return (f"EAGLE-3 drafter {draft.model} ({draft.architecture}, {num_speculative_tokens} "
            f"draft token(s) a step): its weights sit on the last pipeline stage's GPUs (the "
            f"weights term's EAGLE-3 draft) and its {draft.num_layers} attention layer(s), "
            f"{draft.num_kv_heads} KV heads x {draft.head_dim}, join the KV cache there. At "
            "PP 1 its token embedding is taken as the target's, which vLLM shares when the "
            "drafter checkpoint holds none or an identical copy (one of its own would add "
            f"{draft.vocab_size:,} x {draft.hidden_size:,} / TP; at PP > 1 vLLM loads its own, "
            f"counted{own_embed_needed}); its lm_head over "
            f"{draft.draft_vocab_size:,} tokens is its own. Not planned: the drafter's share of "
            "the profile run's activation peak and its own CUDA graphs (the activation and "
            "cuda_graphs terms' notes say what vLLM runs: planner.serving.draft_startup), "
            "and at PP 1 the transient of its own embed_tokens, which vLLM allocates when it "
            "builds the drafter and frees when it takes the target's (llama_eagle3.py "
            "LlamaModel builds a VocabParallelEmbedding always): it raises the load's peak "
            "only, not the weights vLLM subtracts (the load's DeviceMemoryProfiler reads "
            "allocated memory after it is freed: platforms/cuda.py get_current_memory_usage, "
            "max_memory_allocated after empty_cache and a peak reset)")
