"""parse_model_config: a Hugging Face config.json (+ hf_quant_config.json) -> ModelSpec.

This is the only code that reads Hugging Face key names. It never executes model
code: it reads plain JSON values, validates them, and records where each
architecture figure came from (FieldSource), what it assumed (a documented
transformers default) and what it did not understand (warnings).
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from planner.jsondoc import json_kind
from planner.model.config.defaults import NO_CLASS_MAX_POSITION, ClassDefaults, class_defaults
from planner.model.config.fields import FieldLog, Part
from planner.model.config.quant import (
    gptq_dynamic,
    inc_gate_up_fused_last,
    inc_unplanned,
    quant_spec,
    unread_method,
)
from planner.model.config.vision import vision_estimate
from planner.model.spec import (
    AttentionMixer,
    CompressedAttention,
    ConfigError,
    DenseMlp,
    IncFormat,
    LayerSpec,
    LinearAttentionMixer,
    MambaMixer,
    MlaMixer,
    ModelSpec,
    MoeMlp,
    QuantSpec,
    RopeBlock,
    VisionSpec,
    WindowInputs,
)
from planner.text import spaced_controls

# Plausibility limits: a value outside them is a malformed config, not a model.
MAX_LAYERS = 4096
MAX_WIDTH = 1 << 20  # hidden / intermediate sizes
MAX_HEADS = 1 << 14
MAX_VOCAB = 1 << 24
MAX_EXPERTS = 1 << 16
MAX_CONTEXT = 1 << 30

GEMMA_TYPES = ("gemma", "gemma2", "gemma3", "gemma3_text", "gemma4", "gemma4_text")
QWEN2_BIAS_TYPES = ("qwen2", "qwen2_moe", "qwen2_vl", "qwen2_5_vl", "mimo")
QK_NORM_TYPES = (
    "qwen3", "qwen3_moe", "qwen3_next", "qwen3_vl", "qwen3_vl_text", "qwen3_vl_moe",
    "qwen3_vl_moe_text", "qwen3_5", "qwen3_5_text", "qwen3_5_moe", "qwen3_5_moe_text",
    "gemma3", "gemma3_text", "gemma4", "gemma4_text", "olmo2", "olmo3", "olmoe",
)  # fmt: skip
WHOLE_QK_NORM_TYPES = ("olmo2", "olmo3", "olmoe")
"""NOTE: vLLM builds these q/k norms over the whole projections, q_norm over all heads x
head_dim and k_norm over all KV heads x head_dim, and at TP > 1 all-gathers q and k before them
(`_apply_qk_norm`), so every rank holds both whole: olmo2.py Olmo2Attention (q_norm
`RMSNorm(config.hidden_size)`, k_norm `RMSNorm(self.total_num_kv_heads * self.head_dim)`,
head_dim = hidden_size / num_attention_heads; 0.9.1, 0.11.0, 0.19.0 and 0.25.0 wheels; the
0.26.0 wheel drops olmo2.py and runs Olmo2ForCausalLM through the Transformers backend:
transformers 5.24.0 modeling_olmo2.py Olmo2Attention builds `Olmo2RMSNorm(num_attention_heads
* head_dim)` and `(num_key_value_heads * head_dim)`; vLLM's QKVFuser (fusers/qkv.py, 0.25.0
on) builds q, k and v as a QKVParallelLinear, not as the base_model_tp_plan's
`colwise_gather_output`, and the norms as TPAwareRMSNorm (fusers/rms_norm.py), which holds
its weight whole and all-gathers a TP-sharded input before it: every rank holds them whole
there too, and above the KV heads the gather stops vLLM, model_config.qk_norm_gather_refusal),
olmoe.py OlmoeAttention
(`RMSNorm(self.total_num_heads * self.head_dim)` and `RMSNorm(self.total_num_kv_heads *
self.head_dim)`; 0.9.1, 0.19.0 and 0.33.0 wheels; the 0.34.0 wheel drops olmoe.py and runs
OlmoeForCausalLM through the Transformers backend: transformers 5.24.0 modeling_olmoe.py
OlmoeAttention `OlmoeRMSNorm(config.hidden_size)` and `((hidden_size // num_attention_heads) *
num_key_value_heads)`, built as OLMo 2's).
OLMo 3 the same: Olmo3ForCausalLM is
olmo2.py's Olmo2ForCausalLM in the 0.11.0-0.25.0 registries, olmo3.py Olmo3Attention in
0.26.0-0.28.0 (the same norms and all-gather), the Transformers backend from 0.29.0 (transformers
5.24.0 modeling_olmo3.py Olmo3Attention `Olmo3RMSNorm(num_attention_heads * head_dim)` and
`(num_key_value_heads * head_dim)`, built as OLMo 2's). Not one head_dim each, as
Qwen3's."""
NOPE_TYPES = ("nemotron_h",)
"""Attention without any rotary embedding (vLLM nemotron_h.py builds no get_rope)."""
HEAD_DIM_AS_GIVEN_TYPES = ("gemma", "gemma2", "gemma3", "gemma3_text")
"""NOTE: model_types whose vLLM model passes config.head_dim to its attention as it is
(gemma.py, gemma2.py and gemma3.py `head_dim=config.head_dim`, 0.11.0 and 0.33.0 wheels;
gemma.py also 0.23.0; gemma2.py and gemma3.py 0.34.0, whose registry serves GemmaForCausalLM
through the Transformers backend: transformers 5.24.0 modeling_gemma.py GemmaAttention
`getattr(config, "head_dim", ...)`, GemmaConfig `head_dim: int = 256`), where others fall back
on hidden_size / num_attention_heads for a null
(qwen3.py and llama.py `head_dim or hidden_size // total_num_heads`; transformers 4.57.1
LlamaConfig and GptOssConfig derive it)."""
HIDDEN_HEAD_DIM_TYPES = ("granitemoehybrid", "arctic")
"""NOTE: model_types whose vLLM attention takes hidden_size / num_attention_heads as its head
size whatever config.json says: granitemoehybrid.py GraniteMoeHybridAttention `self.head_dim =
self.hidden_size // self.total_num_heads` (0.9.1-0.34.0 wheels read); arctic.py ArcticAttention
`self.head_dim = self.hidden_size // self.total_num_heads` (0.28.0 wheel read)."""
MLA_ONLY_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "glm_moe_dsa")
"""NOTE: model_types vLLM builds with deepseek_v2.py's decoder layer (registry.py 0.19.0:
DeepseekV2/V3/V32ForCausalLM, GlmMoeDsaForCausalLM; kimi_k2 configs name
DeepseekV3ForCausalLM), which cannot run without kv_lora_rank. ModelConfig.use_mla is
is_deepseek_mla, true for these only when `kv_lora_rank is not None` (config.py 0.9.2;
model_arch_config_convertor.py 0.19.0 is_deepseek_mla); otherwise DeepseekV2DecoderLayer picks
DeepseekV2Attention (0.9.2, 0.11.0, 0.19.0, 0.34.0 wheels), whose __init__ sizes
kv_a_proj_with_mqa as `self.kv_lora_rank + self.qk_rope_head_dim`: a TypeError on None at
load. When qk_nope_head_dim and qk_rope_head_dim are both 0 the release decides (refused with
both words, as the parser does not know the release): 0.9.1-0.11.0 DeepseekV2DecoderLayer
takes DeepseekV2Attention all the same, whose __init__ first sets `self.scaling =
self.qk_head_dim**-0.5` of qk_head_dim = qk_nope_head_dim + qk_rope_head_dim = 0, a
ZeroDivisionError ("0.0 cannot be raised to a negative power") at layer 0 (0.9.1, 0.9.2,
0.10.0-0.10.2, 0.11.0 wheels); from 0.11.1 it takes DeepseekAttention, plain MHA, where
`all(dim == 0 for dim in (qk_nope_head_dim, qk_rope_head_dim))` (0.11.1, 0.15.0, 0.18.0,
0.19.0, 0.22.0, 0.28.0, 0.34.0 wheels; deepseek_v32/'s own classes from 0.29.0 not read for
this), which Headroom does not plan."""
NON_GATED_TYPES = ("phi", "gpt2", "gpt_neox", "gpt_bigcode", "starcoder2", "falcon", "nemotron")
KNOWN_TYPES = (
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "qwen3_next",
    "qwen3_vl", "qwen3_vl_moe", "qwen3_5", "qwen3_5_moe", "phi3", "phi", "granite",
    "gemma", "gemma2", "gemma3", "gemma3_text", "gemma4", "gemma4_text", "deepseek_v2",
    "deepseek_v3", "deepseek_v32", "kimi_k2", "kimi_k25", "glm_moe_dsa", "gpt_oss",
    "llama4", "llama4_text", "nemotron_h", "nemotron-nas", "minimax_m2", "mimo",
    "mimo_v2_flash", "mistral3", "kimi_vl", "granitemoe", "olmo2", "olmo3", "olmoe",
    "starcoder2", "deepseek_v4", "ernie4_5_moe", "granitemoehybrid", "granitemoeshared",
    "hunyuan_v1_moe", "hunyuan_v1_dense", "hunyuan", "arctic",
)  # fmt: skip
HUNYUAN_TYPES = ("hunyuan_v1_moe", "hunyuan_v1_dense", "hunyuan")
"""NOTE: model_types built by vLLM's hunyuan_v1.py (HunYuanDenseV1ForCausalLM and
HunYuanMoEV1ForCausalLM, 0.10.0-0.28.0; 0.28.0 wheel read): "hunyuan" is the remote-code config
of Tencent's own repositories (auto_map configuration_hunyuan.HunYuanConfig: Hunyuan-A13B's
models/config.json), which the same classes read. Each layer is a HunYuanSparseMoeBlock where
num_experts is above 1 (`_is_moe`), else a HunYuanMLP of intermediate_size (bias
config.mlp_bias); the block's experts take moe_intermediate_size (one integer, or a list read
`[layer_id]`), top-k moe_topk likewise, `renormalize=top_k > 1`, a router (gate) of hidden x
num_experts without bias or quantization, and where `use_mixed_mlp_moe > 0` a shared_mlp
HunYuanMLP of intermediate_size x num_shared_expert (likewise per layer), no bias, beside the
experts. q/k norms (RMSNorm(head_dim) each) where use_qk_norm; q/k/v/o biases from
`attention_bias or bias`. `moe_layer_num_skipped` is read by none of it. Cross-layer attention
(`use_cla`) is flagged, not planned (_hunyuan_notes)."""

# Keys whose name looks architectural but that do not change parameter or KV counts.
_BENIGN_KEYS = frozenset(
    (
        "rope_theta", "rms_norm_eps", "layer_norm_epsilon", "norm_eps", "initializer_range",
        "max_window_layers", "use_sliding_window", "num_logits_to_keep",
        "partial_rotary_factor", "rotary_dim", "n_group", "topk_group",
        "routed_scaling_factor", "router_aux_loss_coef", "aux_loss_alpha", "ep_size",
        "pretraining_tp", "norm_topk_prob", "output_router_logits", "chunk_size",
        "time_step_rank", "expand", "mamba_hidden_act", "mamba_proj_bias", "time_step_min",
        "time_step_max", "time_step_floor", "time_step_limit", "index_topk",
        "initial_context_length", "swa_rope_theta", "attention_value_scale",
        "sliding_window_size", "rescale_prenorm_residual",
        "residual_in_fp32", "mtp_use_dedicated_embeddings", "mamba_ssm_dtype",
        "mamba_ssm_cache_dtype", "num_mtp_modules", "mtp_transformer_layers",
        "deepstack_visual_indexes", "default_output_length", "image_seq_length",
        "video_seq_length", "max_length", "min_length", "num_beams", "num_beam_groups",
        "num_return_sequences", "mtp_hybrid_override_pattern", "moe_shared_expert_overlap",
        "position_embedding_size", "swiglu_limit", "attn_type_list", "qk_head_dim",
        "attention_chunk_size", "attention_multiplier", "embedding_multiplier",
        "residual_multiplier",
    )
)
_ARCH_WORDS = re.compile(
    r"(^num_|^n_|_size$|_dim$|layers?$|heads?$|experts?|_rank$|window|pattern|lora|_ratio|_mult)"
)


@dataclass
class _Notes:
    """What the parser recorded while reading: sources, assumptions, warnings."""

    fields: FieldLog = field(default_factory=FieldLog)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmodelled: list[str] = field(default_factory=list)
    unknown_type: str | None = None
    """Why only the standard key names are read ("model_type 'mpt' is not an architecture
    Headroom knows"), for the error of a required field none of them gives."""


class _Reader:
    """Typed, validated reads from one config dict; remembers which keys it used."""

    def __init__(self, cfg: dict, prefix: str, notes: _Notes):
        self.cfg, self.prefix, self.notes = cfg, prefix, notes
        self.used: set[str] = set()
        self._defaults: ClassDefaults | None = None
        self._found: dict[tuple[str, ...], str | None] = {}
        """key() per keys tuple, worked out once: the parse reads the same keys for every
        layer, the config does not change during it, the keys a read marks used stay marked,
        and setting `defaults` clears it (model_type is read before)."""
        self._reads: dict[tuple[tuple[str, ...], type], tuple[str | None, Any]] = {}
        """_typed per keys tuple and kind, likewise (a class default is noted once anyway)."""

    @property
    def defaults(self) -> ClassDefaults | None:
        """The model_type's transformers class defaults; None until set, or for no class."""
        return self._defaults

    @defaults.setter
    def defaults(self, value: ClassDefaults | None) -> None:
        self._defaults = value
        self._found.clear()
        self._reads.clear()

    def key(self, *keys: str) -> str | None:
        """The first of `keys` present with a non-null value; None where a transformers
        class default stands in for an earlier key left out (default_key)."""
        if keys in self._found:
            return self._found[keys]
        default_key = self._class_defaults_for(keys).get(None)
        found = None
        for k in keys:
            self.used.add(k)
            if k == default_key:
                break
            if self.cfg.get(k) is not None:
                found = k
                break
        self._found[keys] = found
        return found

    def null(self, *keys: str) -> str | None:
        """The first of `keys` the config gives as an explicit JSON null, else None: for a
        read that found no value, whether one was written out as null (not left out)."""
        return next((k for k in keys if k in self.cfg and self.cfg[k] is None), None)

    def where(self, key: str) -> str:
        """Human-readable location of a key, e.g. 'config.json: text_config.head_dim'."""
        return f"config.json: {self.prefix}{key}"

    def get(self, *keys: str) -> Any:
        """Raw value of the first present key, or None."""
        k = self.key(*keys)
        return None if k is None else self.cfg[k]

    def int_(self, *keys: str, lo: int = 1, hi: int = MAX_WIDTH) -> int | None:
        """An integer in [lo, hi] from the first present key; where a key is left out of the
        config and the model_type's transformers class has a default for it, that default
        (what transformers, and so vLLM, reads), noted as an assumption; None when absent."""
        k, value = self._typed(keys, int)
        return value if k is None else _as_int(value, self.where(k), lo, hi)

    def _typed(self, keys: tuple[str, ...], kind: type) -> tuple[str | None, Any]:
        """(the key read, its raw value); (None, the class default of `kind`) where one stands
        in for a key left out, noted once; (None, None) when absent. tie_word_embeddings takes
        no class default here: _tie_embeddings reads the text and top configs in turn."""
        read = self._reads.get((keys, kind))
        if read is not None:
            return read
        k = self.key(*keys)
        default_key = None if "tie_word_embeddings" in keys else self.default_key(keys, kind)
        if default_key is not None:
            self._note_default(default_key)
            read = None, self.defaults.values[default_key]
        else:
            read = k, None if k is None else self.cfg[k]
        self._reads[keys, kind] = read
        return read

    def _note_default(self, key: str) -> None:
        """Say once that the class default of `key` stands in for it."""
        note = f"{self.prefix}{key} missing: assumed {self.defaults.why(key)}"
        if note not in self.notes.assumptions:
            self.notes.assumptions.append(note)

    def default_key(self, keys: tuple[str, ...], kind: type = int) -> str | None:
        """The first of `keys` left out of the config whose class default (of `kind`) stands
        in for it.

        A key given (even null) ends the search. A later key that is another field of the
        same class does not stand in for a left-out one: Qwen3-MoE without
        moe_intermediate_size has experts of Qwen3MoeConfig's 768, not of intermediate_size
        (the dense width). A later key the class does not define is a spelling of the same
        figure (n_head for num_attention_heads), so the config's value wins.
        """
        return self._class_defaults_for(keys).get(kind)

    def _class_defaults_for(self, keys: tuple[str, ...]) -> dict[type | None, str]:
        """{kind: default_key(keys, kind)} for int, bool and str where there is one, and
        under None the one key() takes (int's, else bool's, else str's). One pass over
        `keys`; key() and _typed keep their answers per reader, since the parse asks the same
        for every layer."""
        found = {}
        table = self.defaults.values if self.defaults else {}
        for i, key in enumerate(keys):
            if key in self.cfg:
                break
            kind = type(table.get(key))
            if kind in (int, bool, str) and kind not in found and not any(
                    later in self.cfg and later not in table for later in keys[i + 1:]):
                found[kind] = key
        first = found.get(int) or found.get(bool) or found.get(str)
        if first:
            found[None] = first
        return found

    def str_(self, *keys: str) -> str | None:
        """A string from the first present key; None when absent. Another JSON type is
        refused: it changed a figure silently (an activation of 0 read as a gated MLP). A key
        left out takes its class default (NemotronHConfig mlp_hidden_act "relu2")."""
        k, value = self._typed(keys, str)
        if k is not None and not isinstance(value, str):
            raise ConfigError(f"{self.where(k)} must be a string, got {value!r}")
        return value

    def flag(self, *keys: str) -> bool | None:
        """A boolean (JSON true/false) from the first present key; the class default of a key
        left out (_typed); None when absent."""
        k, value = self._typed(keys, bool)
        if k is not None and not isinstance(value, bool):
            raise ConfigError(f"{self.where(k)} must be true or false, got {value!r}")
        return value

    def int_list(self, key: str, lo: int = 0, hi: int = MAX_LAYERS) -> list[int] | None:
        """A list of integers, or None when absent."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ConfigError(f"{self.where(key)} must be a list, got {json_kind(value)}")
        return [_as_int(v, f"{self.where(key)}[{i}]", lo, hi) for i, v in enumerate(value)]

    def record(self, label: str, value: object, key: str | None, derived: str = "") -> None:
        """Note where a model-wide architecture figure came from (key, derivation or default)."""
        self.notes.fields.add(label, str(value), self._source(key, derived))

    def record_layer(
        self, label: str, value: object, key: str | None, layer: int, part: Part,
        derived: str = "",
    ) -> None:  # fmt: skip
        """Note a per-layer figure; the log folds the layers into one entry per figure."""
        self.notes.fields.add(label, str(value), self._source(key, derived), layer, part)

    def _source(self, key: str | None, derived: str) -> str:
        if key is not None:
            return self.where(key) + (f" ({derived})" if derived else "")
        return f"derived: {derived}" if derived else "default"

    def missing(self, key: str, why: str, names: tuple[str, ...] = ()) -> ConfigError:
        """The error of a required field none of `names` (default: `key`) gives. For a
        model_type Headroom does not know it also says that only these names were read: MPT's
        n_layers or GPT-2's unset n_inner read as "num_hidden_layers / intermediate_size is
        missing", as if the config were incomplete."""
        text = f"config.json: {self.prefix}{key} is missing ({why})"
        if self.notes.unknown_type is None:
            return ConfigError(text)
        looked = ", ".join(dict.fromkeys(names or (key,)))
        return ConfigError(f"{text}: {self.notes.unknown_type}, so it read only the standard "
                           f"names ({looked}), which this config may not use: Headroom cannot "
                           "plan it (vLLM may serve it)")

    def required_int(self, label: str, *keys: str, hi: int) -> int:
        """An integer that must be present; ConfigError naming the key otherwise."""
        value = self.int_(*keys, hi=hi)
        if value is None:
            raise self.missing(keys[0], f"needed: {label}", keys)
        self._record_read(label, keys, value)
        return value

    def _record_read(self, label: str, keys: tuple[str, ...], value: int) -> None:
        """Record a model-wide figure int_ read: its key, or the class default it took."""
        default_key = self.default_key(keys)
        if default_key is None:
            self.record(label, value, self.key(*keys))
        else:
            self.notes.fields.add(label, str(value),
                                  f"default: {self.defaults.why(default_key)}")

    def defaulted_int(self, label: str, keys: tuple[str, ...], default: int, why: str) -> int:
        """An integer with a documented default, recorded as an assumption when used."""
        value = self.int_(*keys, hi=MAX_CONTEXT)
        if value is None:
            state = "null" if self.null(*keys) else "missing"
            self.notes.assumptions.append(f"{self.prefix}{keys[0]} {state}: assumed {why}")
            self.notes.fields.add(label, str(default), f"default: {why}")
            return default
        self._record_read(label, keys, value)
        return value


def _as_int(value: object, where: str, lo: int, hi: int) -> int:
    """Validate one JSON number as an integer in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise ConfigError(f"{where} must be a whole number, got {value!r}")
    if not lo <= value <= hi:  # a float as written: int(1e308) has 309 digits
        raise ConfigError(f"{where} = {value!r} is out of range ({lo} to {hi})")
    return int(value)


def parse_model_config(
    config: dict, hf_quant_config: dict | None = None, *, name: str | None = None,
    tokenizer_config: dict | None = None,
) -> ModelSpec:
    """Parse a config.json dict (and optional ModelOpt hf_quant_config.json) into a ModelSpec;
    `tokenizer_config` (tokenizer_config.json, where known) gives only the tokenizer's class
    names (_tokenizer_classes).

    Raises ConfigError, and nothing else, for any input that cannot be planned.
    """
    if not isinstance(config, dict):
        raise ConfigError(f"config.json must be a JSON object, got {json_kind(config)}")
    if hf_quant_config is not None and not isinstance(hf_quant_config, dict):
        raise ConfigError("hf_quant_config.json must be a JSON object")
    if tokenizer_config is not None and not isinstance(tokenizer_config, dict):
        raise ConfigError("tokenizer_config.json must be a JSON object")
    if tokenizer_config is not None:  # a chat_template's lines are no one-line name
        tokenizer_config = {k: tokenizer_config[k] for k in TOKENIZER_KEYS
                            if k in tokenizer_config}
    config, hf_quant_config, tokenizer_config, spaced = _spaced_documents(
        config, hf_quant_config, tokenizer_config)
    _refuse_speculators_draft(config)
    try:
        spec = _parse(config, hf_quant_config, name)
    except ConfigError:
        raise
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"config.json gives an invalid {loc}: {err['msg']}") from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise ConfigError(f"config.json is malformed: {type(exc).__name__}: {exc}") from None
    if spaced:
        spec = spec.model_copy(update={"warnings": (*spec.warnings, (
            f"control characters in {', '.join(spaced)} are read as spaces (no real "
            "config.json holds one)"))})
    if tokenizer_config is None:
        return spec
    remote, named = _tokenizer_classes(tokenizer_config)
    window = spec.window and spec.window.model_copy(
        update={"tokenizer_model_max_length": _tokenizer_length(tokenizer_config)})
    return spec.model_copy(update={"remote_tokenizer_class": remote, "tokenizer_class": named,
                                   "window": window})


TOKENIZER_KEYS = ("auto_map", "tokenizer_class", "model_max_length")
"""The tokenizer_config.json keys Headroom reads (_tokenizer_classes, _tokenizer_length); the
rest is not read, and its control characters (the newlines of nearly every chat_template,
added tokens) are not reported."""


def _spaced_documents(config: dict, hf_quant_config: dict | None,
                      tokenizer_config: dict | None
                      ) -> tuple[dict, dict | None, dict | None, list[str]]:
    """The three documents with every control character in their strings and keys made a
    space (planner.text.spaced_controls), and where there were any. A model_type, an
    architecture or a quant_method is printed in plans, inspect's card and warnings: one
    holding a newline or an escape sequence split the plan's lines or recoloured the terminal
    (a hub repo's config.json is anyone's text). A document without one is kept as it is."""
    spaced: list[str] = []
    documents: list[dict | None] = []
    for label, document in (("config.json", config), ("hf_quant_config.json", hf_quant_config),
                            ("tokenizer_config.json", tokenizer_config)):
        cleaned, found = spaced_controls(document) if document is not None else (None, [])
        documents.append(cleaned if found else document)
        spaced += [f"{label} {where}" for where in found]
    return documents[0], documents[1], documents[2], spaced


def _refuse_speculators_draft(config: dict) -> None:
    """Refuse a speculators-format draft checkpoint (an EAGLE / EAGLE-3 head trained with the
    speculators library, e.g. RedHatAI's *-speculator.eagle3 repositories) with what vLLM
    does with it, since Headroom does not model EAGLE / draft-model speculative decoding.

    NOTE: from vLLM 0.10.1 `vllm serve DRAFT` reads config.json for a speculators_config (not
    None), whatever its model_type, and serves speculators_config.verifier.name_or_path (model
    and tokenizer) with DRAFT as the draft of its speculative config
    (transformers_utils/config.py maybe_override_with_speculators_target_model, 0.10.1 and
    0.10.2; maybe_override_with_speculators, 0.11.0, 0.20.0, 0.33.0 and 0.34.0, read; 0.11.0 on
    raises "Invalid speculators config structure" without the verifier's name). The draft's
    own layer sits under transformer_layer_config, not at the top level the parser reads
    (SpeculatorsConfig.extract_transformers_pre_trained_config), so without this the parse
    stopped on "hidden_size is missing". 0.9.1-0.10.0 have no speculators code at all."""
    spec = config.get("speculators_config")
    if spec is None:
        return
    verifier = spec.get("verifier") if isinstance(spec, dict) else None
    name = verifier.get("name_or_path") if isinstance(verifier, dict) else None
    head = "config.json is a speculators-format draft checkpoint (speculators_config)"
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{head} that names no verifier (speculators_config.verifier."
                          "name_or_path): vLLM cannot serve it, and Headroom does not model "
                          "EAGLE / draft-model speculative decoding.")
    raise ConfigError(f"{head}: vLLM (0.10.1 on) serves its verifier {name} with it as the "
                      "speculative draft, which Headroom does not model (EAGLE / draft "
                      f"models); plan {name} instead (without the draft's weights and KV "
                      "cache).")


def _refuse_llm_config(config: dict) -> None:
    """Refuse a wrapper that keeps its language model under llm_config, which Headroom does not
    read, in words that say so (it stopped at the first missing top-level key, e.g.
    "hidden_size is missing").

    NOTE: AIDC-AI's Ovis checkpoints (architectures ["Ovis"], model_type "ovis"): vLLM serves
    them natively in every covered release (registry.py "Ovis": ovis.py; 0.9.1-0.34.0 wheels)
    and its own OvisConfig (transformers_utils/configs/ovis.py, 0.9.1, 0.19.0, 0.33.0, 0.34.0)
    builds llm_config as the text config ("map llm_config to text_config"); ovis.py builds the
    language model from it and a visual tokenizer from visual_tokenizer_config."""
    kind = config.get("model_type")
    named = f"model_type '{kind}'" if isinstance(kind, str) and kind else "this config"
    raise ConfigError(
        f"config.json: {named} keeps its language model under llm_config (as AIDC-AI's Ovis "
        "does, which vLLM serves natively with ovis.py), and Headroom does not read llm_config "
        "or size its vision tower: it cannot plan this model. For the language model alone, "
        "plan a config.json holding llm_config's keys (the tower's weights and encoder profile "
        "then left out).")


def _parse(config: dict, hf_quant: dict | None, name: str | None) -> ModelSpec:
    notes = _Notes()
    top = _Reader(config, "", notes)
    text_cfg = config.get("text_config")
    if text_cfg is not None and not isinstance(text_cfg, dict):
        raise ConfigError("config.json: text_config must be an object")
    if text_cfg is None and isinstance(config.get("llm_config"), dict):
        _refuse_llm_config(config)
    r = _Reader(text_cfg, "text_config.", notes) if text_cfg else top
    model_type = _model_type(top, r, notes)
    top.defaults = class_defaults(top.get("model_type"))
    if r is not top:
        text_type = r.get("model_type") or WRAPPER_TEXT_TYPES.get(top.get("model_type"))
        r.defaults = class_defaults(text_type) if text_type else class_defaults(
            top.get("model_type"), text_config=True)

    hidden = r.required_int("hidden size", "hidden_size", "d_model", "n_embd", hi=MAX_WIDTH)
    num_layers = r.required_int(
        "layers", "num_hidden_layers", "n_layer", "num_layers", hi=MAX_LAYERS
    )
    vocab = r.required_int("vocab size", "vocab_size", hi=MAX_VOCAB)

    text_layers = layer_type(model_type, _text_type(r, model_type))
    layers = _layers(r, text_layers, hidden, num_layers)
    if text_layers in HUNYUAN_TYPES:
        _hunyuan_notes(r, layers, notes)
    tie, text_tie = _tie_embeddings(top, r, model_type)
    max_pos = r.defaulted_int(
        "max context",
        ("max_position_embeddings", "n_positions", "max_sequence_length"),
        *NO_CLASS_MAX_POSITION,
    )
    rope = _rope(r, top, max_pos)
    window = _window_inputs(r, top, max_pos, model_type)
    if rope.get("extended"):
        r.record("extended context (rope scaling)", rope["extended"], None, rope["formula"])
    quant, unplanned, unread = _quant(config, text_cfg, hf_quant, notes, r.get("expert_dtype"),
                                      layers, text_layers)
    if quant is None:
        _warn_quantized_name(name, notes)
    mtp_layers = _mtp_layers(r)
    if model_type == "qwen3_next" and r.key("num_nextn_predict_layers") is None:
        mtp_layers = 1
        notes.assumptions.append(
            "Qwen3-Next: one multi-token-prediction layer (mtp.* tensors ship in the "
            "checkpoint; config.json does not list it)"
        )
    mtp_layer = None
    if model_type == "mimo_v2_flash":
        mtp_layers, mtp_layer = 1, _mimo_v2_mtp_layer(r, layers)
        notes.assumptions.append(
            "MiMo-V2-Flash: one multi-token-prediction layer, as vLLM builds it (config.json "
            "does not list the checkpoint's mtp layers; vLLM loads only the first)"
        )
    if model_type == "nemotron_h" and mtp_layers:
        mtp_layer = _nemotron_h_mtp_layer(r, layers)
    layers, ple_width, ple_rows = _per_layer_inputs_and_kv_sharing(r, model_type, layers, notes)
    unsized = r is not top and unsized_wrapper(model_type, _text_type(r, model_type))
    vision = (_unsized_towers(top, model_type, _text_type(r, model_type), notes,
                              (tie, text_tie)) if unsized
              else _vision(top, model_type, hidden, notes))
    if not unsized and isinstance(top.get("audio_config"), dict):
        # NOTE: vLLM gemma4_mm.py Gemma4ForConditionalGeneration (0.33.0, 0.34.0) builds audio_tower
        # whenever config.audio_config is set (Gemma-4 E2B/E4B): its weights are not sized.
        notes.warnings.append("audio_config: the audio tower's parameters and weights are not "
                              "counted (vLLM loads it): weights too low")
        notes.unmodelled.append("audio tower (audio_config)")
    compressed = _compressed_attention(r, model_type, num_layers, notes)
    _leftover_keys(r, model_type, notes)
    if r is not top and not unsized:  # an unsized wrapper's own keys are its towers'
        _leftover_keys(top, model_type, notes)
    refused_nulls = tuple(field for reader in dict.fromkeys((r, top))
                          for field in _refused_nulls(reader, notes))

    return ModelSpec(
        name=name,
        model_type=model_type,
        config_model_type=top.get("model_type"),
        architectures=_architectures(config),
        architectures_missing=not config.get("architectures"),
        text_architectures=_text_architectures(text_cfg),
        remote_model_class=_remote_model_class(config),
        remote_config_class=_remote_config_class(config),
        hidden_size=hidden,
        vocab_size=vocab,
        per_layer_input_size=ple_width,
        per_layer_input_vocab=ple_rows,
        layers=tuple(layers),
        tie_word_embeddings=tie,
        text_tie_word_embeddings=text_tie,
        torch_dtype=_dtype(top, r),
        max_position_embeddings=max_pos,
        rope_scaling_type=rope.get("type"),
        rope_scaling_factor=rope.get("factor"),
        extended_context_tokens=rope.get("extended"),
        original_max_position_embeddings=rope.get("original"),
        window=window,
        quant=quant,
        inc_unplanned=unplanned,
        unread_quant_method=unread,
        vision=vision,
        compressed_attention=compressed,
        mtp_layers=mtp_layers,
        mtp_layer=mtp_layer,
        experts_unquantized=text_layers == "arctic",
        mtp_own_embeddings=model_type in ("deepseek_v3", "deepseek_v32", "glm_moe_dsa"),
        norm_bias=text_layers in ("phi", "gpt2", "gpt_neox", "starcoder2", "falcon"),
        lm_head_bias=text_layers == "phi",
        fields=notes.fields.sources(layers),
        assumptions=tuple(notes.assumptions),
        warnings=tuple(notes.warnings),
        unmodelled=tuple(notes.unmodelled),
        refused_nulls=refused_nulls,
        hidden_act=_activation(r, "hidden_act"),
        activation_function=_activation(r, "activation_function"),
        mlp_keys=tuple((key, r.cfg[key]) for key in MLP_KEYS
                       if key in r.cfg and isinstance(r.cfg[key], (int, bool, type(None)))),
    )


MLP_KEYS = ("use_mixed_mlp_moe", "use_residual", "moe_layer_frequency", "shared_intermediate_size")
"""NOTE: the config.json keys vLLM reads to build an MLP beside (or instead of) a MoE layer's
experts, kept as written (ModelSpec.mlp_keys) for the SiLU-only check
(planner.serving.mlp_activation), which asks by release: hunyuan_v1.py HunYuanSparseMoeBlock's
shared_mlp (`use_mixed_mlp_moe > 0`), arctic.py's ArcticMLP on the layers `(i + 1) %
moe_layer_frequency` leaves dense and as the residual MLP (`use_residual`), granitemoeshared.py's
shared_mlp (unless `shared_intermediate_size` is 0). The layers plan all of them: HunYuan's
shared MLP (_hunyuan_moe) and Arctic's residual MLP (_arctic_moe) and GraniteMoeShared's
(GRANITE_SHARED_TYPES) as shared experts, Arctic's dense layers as dense MLPs."""


def _activation(r: _Reader, key: str) -> str | None:
    """config.<key> (hidden_act, or EXAONE 3's activation_function) as vLLM's model classes read
    it: the config's, else where the key is left out its class default (LlamaConfig hidden_act
    "silu"); None otherwise. Noted nowhere: _gated notes a default where the MLP's activation
    comes from one."""
    value = r.get(key)
    if value is None and key not in r.cfg and r.defaults is not None:
        value = r.defaults.values.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{r.where(key)} must be a string, got {value!r}")
    return value


def _model_type(top: _Reader, r: _Reader, notes: _Notes) -> str:
    for reader in (top, r):  # text_config.model_type too: a list one was a TypeError
        value = reader.get("model_type")
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigError(f"{reader.where('model_type')} must be a string, got {value!r}")
    value = top.get("model_type")
    if value is None:
        value = r.get("model_type")
    if value is None:
        notes.warnings.append("config.json has no model_type: read as a Llama-style decoder")
        notes.unknown_type = "config.json has no model_type"
        return "unknown"
    text_type = _text_type(r, value) if r is not top else None
    if value in KNOWN_TYPES or text_type in KNOWN_TYPES:
        return value
    fields = ("read from the standard fields (hidden_size, heads, intermediate_size, "
              "experts); check the figures")
    if text_type is None or text_type == value:
        notes.warnings.append(f"model_type {value!r} is not a known architecture: {fields}")
        notes.unmodelled.append(f"model_type {value!r}")
        notes.unknown_type = f"model_type {value!r} is not an architecture Headroom knows"
        return value
    # a wrapper outside KNOWN_TYPES builds its text model from text_config (layer_type's NOTE)
    wrapper = (f"the {value} wrapper" if value in SIZED_WRAPPERS else
               f"model_type {value!r}, a multimodal wrapper Headroom does not know,")
    notes.warnings.append(
        f"{wrapper} holds text model type {text_type!r} (text_config.model_type), which is not a "
        f"known architecture: its layers are {fields}")
    notes.unmodelled.append(f"{text_type!r} text model in {value!r}")
    notes.unknown_type = f"text model type {text_type!r} is not an architecture Headroom knows"
    return value


def _architectures(config: dict, prefix: str = "") -> tuple[str, ...]:
    """The model class names config.json lists (none when absent or null); one given as a
    string is a list of one, as vLLM's registry reads it (ModelRegistry.inspect_model_cls,
    model_executor/models/registry.py, 0.34.0). Anything else is refused: vLLM iterates the
    list for its model class (`arch not in self.models for arch in architectures`), so a number
    stops it with a TypeError and a non-string entry at its suffix matching; it was dropped
    here, and the model planned as its model_type's without a word."""
    archs = config.get("architectures")
    names = _class_names(archs)
    if names is None:
        raise ConfigError(f"config.json: {prefix}architectures must be a list of model class "
                          f"names such as [\"LlamaForCausalLM\"], got {archs!r}")
    return names


def _text_architectures(text_cfg: dict | None) -> tuple[str, ...]:
    """text_config's architectures where it lists class names, else (). Not refused otherwise,
    as _architectures is: only some wrappers' vLLM classes read them
    (planner.serving.mlp_activation), and transformers keeps any value."""
    return _class_names((text_cfg or {}).get("architectures")) or ()


def _class_names(archs: object) -> tuple[str, ...] | None:
    """An architectures value as vLLM's registry reads it: none when absent or null, a string
    as a list of one; None where it is no list of class names."""
    if archs is None:
        return ()
    names = [archs] if isinstance(archs, str) else archs
    if not isinstance(names, list) or not all(isinstance(a, str) and a for a in names):
        return None
    return tuple(names)


def _remote_model_class(config: dict) -> str | None:
    """auto_map's first AutoModel* entry: the repository's own model code, the one vLLM's
    Transformers backend loads for an architecture its registry lacks
    (ModelRegistry._try_resolve_transformers, model_executor/models/registry.py, 0.33.0 and
    0.34.0)."""
    auto_map = config.get("auto_map")
    if not isinstance(auto_map, dict):
        return None
    return next((v for k, v in auto_map.items()
                 if isinstance(k, str) and k.startswith("AutoModel") and isinstance(v, str)),
                None)


def _remote_config_class(config: dict) -> str | None:
    """auto_map's AutoConfig entry: the repository's own config code, which vLLM's get_config
    runs (AutoConfig.from_pretrained) only with trust_remote_code when the model_type is in
    neither its _CONFIG_REGISTRY nor transformers (transformers_utils/config.py, 0.33.0 and
    0.34.0)."""
    auto_map = config.get("auto_map")
    value = auto_map.get("AutoConfig") if isinstance(auto_map, dict) else None
    return value if isinstance(value, str) else None


def _tokenizer_classes(tokenizer_config: dict) -> tuple[str | None, str | None]:
    """(auto_map's AutoTokenizer class, tokenizer_class) of a tokenizer_config.json, as
    transformers' AutoTokenizer.from_pretrained reads them (models/auto/tokenization_auto.py,
    4.56.0 and 5.16.1): auto_map a list (the legacy form) or a dict's "AutoTokenizer" entry, a
    [slow, fast] pair of which the fast one is loaded where given, else the slow one; a value
    of any other shape is not a class name (None)."""
    auto_map = tokenizer_config.get("auto_map")
    pair = auto_map if isinstance(auto_map, list) else (
        auto_map.get("AutoTokenizer") if isinstance(auto_map, dict) else None)
    pair = [pair] if isinstance(pair, str) else pair
    remote = None
    if isinstance(pair, list):
        remote = next((c for c in reversed(pair[:2]) if isinstance(c, str) and c), None)
    named = tokenizer_config.get("tokenizer_class")
    return remote, named if isinstance(named, str) and named else None


def _dtype(top: _Reader, r: _Reader) -> str:
    """torch_dtype / dtype, text config first; bfloat16 assumed when absent."""
    aliases = {"bfloat16": "bfloat16", "bf16": "bfloat16", "float16": "float16",
               "fp16": "float16", "half": "float16", "float32": "float32", "float": "float32",
               "fp32": "float32"}  # fmt: skip
    for reader in (r, top):
        k = reader.key("torch_dtype", "dtype")
        if k is None:
            continue
        raw = reader.cfg[k]
        value = aliases.get(str(raw).removeprefix("torch."))
        if value is None:
            reader.notes.warnings.append(
                f"{reader.where(k)} = {raw!r} is not a 16/32-bit float: planned as bfloat16"
            )
            value = "bfloat16"
        reader.record("dtype", value, k)
        return value
    r.notes.assumptions.append(
        "torch_dtype missing: assumed bfloat16 (vLLM's dtype=auto serves float32 configs "
        "in 16-bit; quantized checkpoints keep unquantized tensors in bfloat16)"
    )
    r.record("dtype", "bfloat16", None)
    return "bfloat16"


WRAPPER_TIE_DEFAULTS: dict[str, bool | None] = {
    "gemma3": True, "gemma4": True, "paligemma": True, "mistral3": True, "kimi_k25": True,
    "internvl": True, "lighton_ocr": True, "granite_speech": True,
    "llama4": False, "qwen3_vl": False, "qwen3_vl_moe": False, "llava": False,
    "llava_next": False, "llava_onevision": False, "llava_next_video": False,
    "kimi_vl": None, "qwen2_audio": None, "voxtral": None,
}  # fmt: skip
"""NOTE: multimodal wrappers whose vLLM model builds its language model from config.text_config
through VllmConfig.with_hf_config (init_vllm_registered_model(hf_config=config.text_config):
gemma3_mm.py, gemma4_mm.py, paligemma.py, mistral3.py, kimi_k25.py, kimi_vl.py, llava.py,
llava_next.py; `with_hf_config(config.text_config)`: mllama4.py, qwen3_vl.py, qwen3_vl_moe.py;
0.18.1, 0.19.0, 0.24.0, 0.33.0 and 0.34.0 wheels; qwen3_5.py reads hf_text_config and is not
one, as 0.34.0's CUDA Qwen3.5, vllm/models/qwen3_5/nvidia/model.py), and
the tie_word_embeddings their transformers 5.24.0 config class holds when config.json's top
level leaves it out, which with_hf_config copies onto the text config (serving.tie): Gemma3Config
(`bool | None = True`), Gemma4Config, PaliGemmaConfig, Mistral3Config and Kimi_K25Config
(`bool = True`, whatever text_config says), Llama4Config, Qwen3VLConfig, Qwen3VLMoeConfig,
LlavaConfig and LlavaNextConfig (`bool = False`; LlavaConfig.__post_init__ takes text_config's
true over its own false). None: vLLM's own KimiVLConfig (transformers_utils/configs/kimi_vl.py)
has no such field, so only a top-level value is copied. Read in each configuration_<type>.py and
checked by building each class under 5.24.0.
The wrappers Headroom plans only the text model of (unsized_wrapper) build it the same way
(interns1.py for InternVLForConditionalGeneration, lightonocr.py, granite_speech.py,
llava_onevision.py, llava_next_video.py, qwen2_audio.py, voxtral.py:
init_vllm_registered_model(hf_config=config.text_config), which calls with_hf_config
(models/utils.py); read in the 0.19.0, 0.19.1, 0.23.0, 0.24.0, 0.29.0, 0.33.0 and 0.34.0 wheels,
lightonocr.py from 0.19.0), and their language models (qwen2.py, qwen3.py, granite.py,
llama.py) tie lm_head to embed_tokens where `config.tie_word_embeddings` (0.24.0, 0.33.0 and
0.34.0 wheels). InternVLConfig, LightOnOcrConfig and GraniteSpeechConfig (5.24.0) hold
`tie_word_embeddings: bool = True` while their text configs (Qwen2Config, Qwen3Config,
GraniteConfig) hold False: from 0.24.0 vLLM ties the lm_head unless config.json's top level
says false, and a checkpoint's own lm_head.weight is not served, as for Mistral 3 (vLLM issue
#51063). LlavaOnevisionConfig and LlavaNextVideoConfig hold False (and take text_config's true,
as LlavaConfig); Qwen2AudioConfig and VoxtralConfig have no such field (None). Idefics3 /
SmolVLM are not listed: idefics3.py ties its own lm_head by the config's text_config
(`self.config.text_config.tie_word_embeddings`), and both classes default to False."""

WRAPPER_TIE_FROM_TEXT = ("llava", "llava_onevision", "llava_next_video")
"""Wrappers whose transformers 5 class takes text_config's true over its own false
(LlavaConfig.__post_init__, 5.24.0: "forward-pass the attr from text config"; the same lines in
LlavaOnevisionConfig.__post_init__ and LlavaNextVideoConfig.__post_init__)."""

WRAPPER_TEXT_TYPES: dict[str, str] = {"paligemma": "gemma"}
"""NOTE: the text config type a wrapper builds where text_config names none: transformers 4.57.1
PaliGemmaConfig.__init__ (`text_config.get("model_type", "gemma")`) and 5.24.0 (sub_configs
`text_config` SubConfigSpec model_type="gemma")."""


TOWER_CONFIG_KEYS = ("vision_config", "audio_config", "encoder_config", "projector_config")
"""NOTE: the config.json keys of what a multimodal wrapper builds besides its text model, as
transformers 5.24.0's config classes name their sub-configs: vision_config (Idefics3Config,
SmolVLMConfig, InternVLConfig, LlavaOnevisionConfig, LlavaNextVideoConfig, LightOnOcrConfig,
GotOcr2Config, Ovis2Config), audio_config (Qwen2AudioConfig, VoxtralConfig), encoder_config and
projector_config (GraniteSpeechConfig's speech encoder and Q-Former projector)."""

SIZED_WRAPPERS = ("llava", "llava_next", "paligemma")
"""Wrappers outside KNOWN_TYPES whose vision tower and projector vision.py sizes from
vision_config (vision._llava_like: the SigLIP / CLIP / Pixtral tower with its projector)."""


def unsized_wrapper(model_type: str, text_type: str) -> bool:
    """Whether `model_type` is a multimodal wrapper Headroom plans only the text model of: no
    known architecture itself nor a SIZED_WRAPPERS one, around a text_config of a known type
    (layer_type builds its text layers). vLLM loads its towers too (idefics3.py, interns1.py,
    llava_onevision.py, qwen2_audio.py, granite_speech.py, ...), which nothing here sizes."""
    return (model_type not in KNOWN_TYPES and model_type not in SIZED_WRAPPERS
            and text_type in KNOWN_TYPES)


def _head(tied: bool) -> str:
    """What the plan counts for a tie reading, in words."""
    return ("no lm_head of its own (tied to the embeddings)" if tied else
            "a separate lm_head")


def _unsized_towers(top: _Reader, model_type: str, text_type: str, notes: _Notes,
                    ties: tuple[bool, bool | None]) -> VisionSpec | None:
    """Say that an unsized_wrapper's towers are not counted (a warning, and an unmodelled part
    the verdict names), without guessing their size from another family's formula; a
    vision_config still makes it a vision model (VisionSpec of 0 parameters), whose encoder
    start-up profile the plan leaves out (encoder_cover.encoder_gap). `ties`: _tie_embeddings'
    (tied, text_config's reading where it differs), whose lm_head count the warning states."""
    for key in TOWER_CONFIG_KEYS:
        if top.get(key) is not None and not isinstance(top.get(key), dict):
            raise ConfigError(f"config.json: {key} must be an object")
    keys = ", ".join(key for key in TOWER_CONFIG_KEYS if top.get(key) is not None)
    given = keys or f"the {model_type} config class's defaults, as config.json gives none"
    notes.warnings.append(
        f"{model_type} is a multimodal wrapper Headroom does not model: it plans only the "
        f"{text_type} text model (text_config). The towers vLLM also loads ({given}) are not "
        "counted, so the weights are too low and the KV cache too high by their size: check "
        "against a real start-up." + ("" if ties[1] is None else (
            f" Its lm_head differs by release: from vLLM 0.24.0 config/vllm.py with_hf_config "
            f"copies the {model_type} config's tie_word_embeddings ({str(ties[0]).lower()}) "
            f"onto the text model, and the plan counts {_head(ties[0])}"
            + ("; a checkpoint's own lm_head.weight is then not served (vLLM issue #51063)"
               if ties[0] else "")
            + f"; before 0.24.0 it counts {_head(ties[1])}, as vLLM builds it under "
            f"transformers 4 from text_config's ({str(ties[1]).lower()}).")))
    notes.unmodelled.append(f"{model_type} tower weights" + (f" ({keys})" if keys else ""))
    vision = top.get("vision_config")
    if vision is None:
        return None
    kind = vision.get("model_type")
    return VisionSpec(model_type=kind if isinstance(kind, str) and kind else "vision", params=0,
                      note=f"not counted: Headroom does not size the {model_type} tower")


def _text_type(r: _Reader, model_type: str) -> str:
    """The text model's type: text_config's model_type, else the one its wrapper builds
    (WRAPPER_TEXT_TYPES), else the config's own."""
    return str(r.get("model_type") or WRAPPER_TEXT_TYPES.get(model_type, model_type))


def layer_type(model_type: str, text_type: str) -> str:
    """The model_type whose rules build the text layers: `text_type` (text_config's) for a
    wrapper that is no known architecture itself but whose text model is one (PaliGemma with
    a Gemma 2 text model: alternating sliding layers, four norms a layer), else the config's.

    NOTE: paligemma.py PaliGemmaForConditionalGeneration (0.16.0, 0.19.0, 0.24.0, 0.29.0,
    0.33.0 and 0.34.0 wheels) sets text_config.architectures to GemmaForCausalLM for a "gemma"
    text config (0.34.0's registry serves it through the Transformers backend) and to
    Gemma2ForCausalLM otherwise, and builds it with init_vllm_registered_model(
    hf_config=config.text_config): gemma2.py's layers then slide where
    `config.layer_types[layer_idx] == "sliding_attention"` (even layers: the list Gemma2Config
    writes where text_config gives none, transformers 5.24.0 PaliGemmaConfig building its
    text_config) and each has four GemmaRMSNorms, as for a plain Gemma 2 config.json.
    llava.py and llava_next.py build their text model from text_config the same way, as do
    the wrappers Headroom does not know whose vLLM model runs init_vllm_registered_model(
    hf_config=config.text_config) or with_hf_config(config.text_config) (0.24.0, 0.33.0 and
    0.34.0 wheels: aya_vision.py, idefics3.py, internvl.py, interns1.py, llava_onevision.py and
    others), so their text layers take the text type's rules too."""
    return text_type if model_type not in KNOWN_TYPES and text_type in KNOWN_TYPES else model_type


def _tie_embeddings(top: _Reader, r: _Reader, model_type: str) -> tuple[bool, bool | None]:
    """(tied, text_config's own reading where it differs for a WRAPPER_TIE_DEFAULTS wrapper,
    else None)."""
    if r is not top and model_type in WRAPPER_TIE_DEFAULTS:
        tie, text_tie = _wrapper_tie(top, r, model_type)
        return tie, None if text_tie == tie else text_tie
    return _plain_tie(top, r, model_type), None


def _own_tie(reader: _Reader, default: bool) -> bool:
    """A config's own tie_word_embeddings as transformers holds it: its value, `default` left
    out, and a null as untied (vLLM reads the None `if config.tie_word_embeddings`; a Gemma
    model that asserts it refuses it: model_config.gemma_tie_errors)."""
    value = reader.flag("tie_word_embeddings")
    return (reader.null("tie_word_embeddings") is None and default) if value is None else value


def _wrapper_tie(top: _Reader, r: _Reader, model_type: str) -> tuple[bool, bool]:
    """A wrapper's two readings: its own (its value, else its class's WRAPPER_TIE_DEFAULTS),
    which vLLM copies onto the text config under transformers 5; and text_config's (its
    value, else its transformers 4.57.1 class default: GemmaConfig, Gemma2Config and
    Gemma3TextConfig True, LlamaConfig, MistralConfig, GraniteConfig, DeepseekV2/V3Config,
    Llama4TextConfig, Qwen3VLTextConfig and Qwen3VLMoeTextConfig False), which transformers 4
    leaves it. serving.tie.served_tie picks the release's.

    NOTE: VllmConfig.with_hf_config (config/vllm.py) copies the top-level
    hf_config.tie_word_embeddings onto the text config of a multimodal model: in the
    0.16.0-0.18.1 wheels only where the text config has no such attribute (under the
    transformers 4 they require every config has one), in the 0.19.0-0.23.0 wheels only under
    transformers >= 5.0.0 (which 0.19.1-0.23.0 allow: vllm_versions.TRANSFORMERS_5_ALLOWED_FROM),
    from 0.24.0 always (0.24.0, 0.29.0, 0.33.0, 0.34.0 wheels)."""
    text_tie = _own_tie(r, _text_type(r, model_type) in GEMMA_TYPES)
    default = WRAPPER_TIE_DEFAULTS[model_type]
    tie = _own_tie(top, text_tie if default is None else default)
    if model_type in WRAPPER_TIE_FROM_TEXT:
        tie = tie or text_tie
    key, null = top.key("tie_word_embeddings"), top.null("tie_word_embeddings")
    if key is None and null is None and default is not None:
        top.notes.assumptions.append(
            f"tie_word_embeddings missing: assumed {default} (the transformers 5 {model_type} "
            "config class default)")
    for reader in (top, r):
        if reader.null("tie_word_embeddings"):
            reader.notes.assumptions.append(
                f"{reader.prefix}tie_word_embeddings null: untied (a separate lm_head), as "
                "vLLM reads a None (`if config.tie_word_embeddings`)")
    top.record("tied embeddings", tie, key or null, "null: untied" if null else "")
    if tie != text_tie:
        top.notes.assumptions.append(
            f"tie_word_embeddings: vLLM under transformers 5 (0.24.0 on; 0.19.1-0.23.x where "
            f"it is installed, as a fresh install resolves) builds the text model with the "
            f"wrapper's ({'tied' if tie else 'untied'}), under transformers 4 with text_config's "
            f"({'tied' if text_tie else 'untied'}): each release is planned as it builds it "
            "(transformers 4 before 0.24.0)" + (
                "; tied, a checkpoint's own lm_head.weight is not served (vLLM issue #51063)"
                if tie else ""))
    return tie, text_tie


def _plain_tie(top: _Reader, r: _Reader, model_type: str) -> bool:
    """The tie of a plain config or another wrapper: text_config's value, else the top's;
    a null as untied; else the config class's default, Gemma's True or Llama's False. Both
    values are checked even where text_config's decides: transformers 5 (vLLM 0.24.0 on)
    refuses a wrapper's tie_word_embeddings that is not a boolean, as the text config's
    (5.24.0 Idefics3Config(tie_word_embeddings="yes"): StrictDataclassFieldValidationError,
    "expected bool, got str", checked by building it)."""
    values = [(reader, reader.flag("tie_word_embeddings")) for reader in (r, top)]
    for reader, value in values:
        if value is not None:
            reader.record("tied embeddings", value, "tie_word_embeddings")
            return value
    null = next((reader for reader in (r, top) if reader.null("tie_word_embeddings")), None)
    if null is not None:
        # NOTE: transformers 4.57.1 PretrainedConfig keeps the None, and vLLM ties only where
        # `config.tie_word_embeddings` is true (llama.py, qwen3.py, starcoder2.py, 0.11.0
        # wheel; gemma3.py from 0.14.0). Gemma's models that assert it instead refuse the
        # null, as an untied Gemma (model_config.gemma_tie_errors).
        null.notes.assumptions.append(
            f"{null.prefix}tie_word_embeddings null: untied (a separate lm_head), as vLLM "
            "reads a None (`if config.tie_word_embeddings`)")
        null.record("tied embeddings", False, "tie_word_embeddings", "null: untied")
        return False
    class_default = top.defaults.values.get("tie_word_embeddings") if (
        r is top and top.defaults) else None
    if isinstance(class_default, bool):  # a plain config: its class's (Starcoder2Config True)
        top._note_default("tie_word_embeddings")
        top.notes.fields.add("tied embeddings", str(class_default),
                             f"default: {top.defaults.why('tie_word_embeddings')}")
        return class_default
    default = model_type in GEMMA_TYPES
    r.notes.assumptions.append(
        f"tie_word_embeddings missing: assumed {default} (transformers default for "
        f"{'Gemma' if default else 'Llama-style'} configs)"
    )
    r.record("tied embeddings", default, None)
    return default


# --- layers -----------------------------------------------------------------------------


def _layers(r: _Reader, model_type: str, hidden: int, num_layers: int) -> list[LayerSpec]:
    """Per-layer mixer and MLP, from whichever layer-pattern keys the config uses."""
    if r.get("block_configs") is not None:
        return _nas_layers(r, hidden, num_layers)
    pattern = r.get("hybrid_override_pattern")
    if pattern is not None:
        r.used.add("intermediate_size")
        return _pattern_layers(r, model_type, hidden, num_layers, pattern)
    if model_type == "granitemoehybrid":
        return _granite_hybrid_layers(r, hidden, num_layers)
    if model_type in NOPE_TYPES and r.get("layer_types", "layers_block_type") is None:
        # NOTE: without its pattern a Nemotron-H config was planned as a uniform attention +
        # MLP decoder (Nemotron-H-56B: 118 such layers, 83.3 B parameters for 56.3 B). transformers
        # 5.24 NemotronHConfig.__post_init__ then takes a 4-layer default list whatever
        # num_hidden_layers says, so there is no layout to plan.
        raise ConfigError(f"{r.where('hybrid_override_pattern')} is missing: a {model_type} "
                          "config gives its Mamba / attention / MLP layout there, one "
                          "character per layer (M * - E)")
    kinds = _mixer_kinds(r, model_type, num_layers)
    moe_flags = _moe_flags(r, model_type, num_layers)
    r.used.add("intermediate_size")  # the dense width; unused when every layer is MoE
    attn = _Attention(r, model_type, hidden)
    if "sliding" in kinds and attn.window is None and not attn.chunked:
        state = "null" if r.null("sliding_window") else "missing"
        r.notes.assumptions.append(
            f"{kinds.count('sliding')} layers are sliding-window layers but {r.prefix}"
            f"sliding_window is {state}: planned as full attention, as vLLM builds them "
            "(gpt_oss.py, gemma2.py, gemma3.py: a sliding layer's window is "
            "config.sliding_window, None: no window)")
    # Gemma 2+: pre/post norms around attention and MLP; Phi-2: one norm (parallel block).
    num_norms = 4 if model_type in GEMMA_TYPES[1:] else 1 if model_type == "phi" else 2
    gemma4 = model_type.startswith("gemma4")
    layers = []
    for i in range(num_layers):
        mixer = attn.mixer(kinds[i], i)
        mlp = attn.moe_mlp(i) if moe_flags[i] else attn.dense_mlp(i, moe_model=any(moe_flags))
        # NOTE: Gemma 4 (transformers 5.24 modeling_gemma4.py Gemma4TextDecoderLayer; vLLM
        # 0.33.0 and 0.34.0 gemma4.py Gemma4DecoderLayer): a MoE layer adds
        # pre_feedforward_layernorm_2, post_feedforward_layernorm_1 and _2 (hidden each) around
        # its two branches, and every
        # layer holds a layer_scalar of shape [1] (a persistent buffer loaded from the
        # checkpoint).
        moe_norms = 3 if gemma4 and moe_flags[i] else 0
        if model_type == "arctic" and moe_flags[i] and _arctic_residual(r):
            moe_norms = 1  # arctic.py ArcticDecoderLayer's residual_layernorm (hidden)
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=num_norms + moe_norms,
                                num_scalars=1 if gemma4 else 0))
    return layers


def _mixer_kinds(r: _Reader, model_type: str, n: int) -> list[str]:
    """'full' / 'sliding' / 'linear' / 'mamba' for each layer (MLA decided later)."""
    layer_types = r.get("layer_types")
    if model_type == "gpt_oss":
        return _gpt_oss_kinds(r, layer_types, n)
    if layer_types is not None:
        return _from_layer_types(r, layer_types, n, model_type)
    if model_type == "olmo3":
        return _olmo3_kinds(r, n)
    hybrid = r.int_list("hybrid_layer_pattern", hi=1)  # MiMo-V2: 1 = sliding window
    if hybrid is not None:
        _check_len(r, "hybrid_layer_pattern", hybrid, n)
        r.record("layer pattern", "hybrid_layer_pattern (1 = sliding)", "hybrid_layer_pattern")
        return ["sliding" if v else "full" for v in hybrid]
    interval = r.int_("full_attention_interval", hi=MAX_LAYERS)
    if interval is not None:
        # NOTE: Qwen3-Next: layer i is full attention when (i + 1) % interval == 0, else
        # gated DeltaNet; interval 4 over 48 layers -> 12 full + 36 linear
        # (transformers Qwen3NextConfig.layer_types).
        r.record("layer pattern", f"full every {interval}", "full_attention_interval")
        return ["full" if (i + 1) % interval == 0 else "linear" for i in range(n)]
    attn_types = r.int_list("attn_type_list", hi=1)
    if attn_types is not None and 0 in attn_types:
        r.notes.warnings.append(
            "attn_type_list has lightning (linear) attention layers: planned as full attention"
        )
    if r.get("attention_chunk_size") is not None and model_type.startswith("llama4"):
        return _llama4_kinds(r, n)
    return _sliding_kinds(r, model_type, n)


def _gpt_oss_kinds(r: _Reader, layer_types: object, n: int) -> list[str]:
    """gpt-oss: even layers slide, odd ones are full attention, whatever layer_types says.

    NOTE: vLLM gpt_oss.py OAIAttention: `sliding_window = config.sliding_window if
    self.layer_idx % 2 == 0 else None` (0.11.0, 0.19.0, 0.23.0, 0.24.0, 0.33.0, 0.34.0 wheels), and
    transformers' GptOssConfig without layer_types writes the same alternation (4.57.1
    configuration_gpt_oss.py); a layer_types that says otherwise is noted, not followed."""
    kinds = ["sliding" if i % 2 == 0 else "full" for i in range(n)]
    if layer_types is None:
        r.record("layer pattern", "even layers sliding", None,
                 "gpt-oss: layer_idx % 2 == 0 slides (vLLM gpt_oss.py)")
    elif _from_layer_types(r, layer_types, n, "gpt_oss") != kinds:
        r.notes.assumptions.append(
            f"{r.prefix}layer_types is not gpt-oss's even-sliding alternation: planned as vLLM "
            "builds it, even layers sliding and odd ones full attention (gpt_oss.py: "
            "layer_idx % 2 == 0 slides, layer_types unread)")
    return kinds


def _olmo3_kinds(r: _Reader, n: int) -> list[str]:
    """OLMo 3 without layer_types: three sliding layers, then one full, as its config class
    writes them.

    NOTE: transformers 5.24.0 Olmo3Config.__post_init__ (configuration_olmo3.py), for a missing
    or null layer_types: `"sliding_attention" if (i + 1) % 4 != 0 else "full_attention"`; vLLM's
    own Olmo3Config (transformers_utils/configs/olmo3.py, _CONFIG_REGISTRY olmo3 in 0.11.0-0.18.x)
    writes the same list, and its models slide where layer_types says so (_from_layer_types)."""
    state = "null" if r.null("layer_types") else "missing"
    r.record("layer pattern", "full every 4", None,
             f"layer_types {state}: (i + 1) % 4 != 0 slides (transformers Olmo3Config)")
    r.notes.assumptions.append(
        f"{r.prefix}layer_types {state}: layers (i + 1) % 4 != 0 slide and every 4th is full "
        "attention, as transformers' and vLLM's Olmo3Config write it")
    return ["full" if (i + 1) % 4 == 0 else "sliding" for i in range(n)]


def _from_layer_types(r: _Reader, layer_types: object, n: int, model_type: str) -> list[str]:
    """Each layer's kind from layer_types, as vLLM builds it.

    NOTE: vLLM's models make a layer sliding only where `layer_types[i] ==
    "sliding_attention"` (llama.py, gemma2.py, gemma3.py; 0.12.0, 0.33.0 and 0.34.0 wheels), so a
    "local" or "chunked_attention" layer is full attention there; Llama 4's chunked layers
    come from attention_chunk_size and no_rope_layers instead (llama4.py), which the
    "chunked_attention" of transformers 5's Llama4TextConfig.layer_types matches, and
    Rnj1ForCausalLM (rnj1.py) windows its "chunked_attention" layers by sliding_window.
    """
    names = {"full_attention": "full", "attention": "full", "global": "full",
             "sliding_attention": "sliding", "local": "full", "chunked_attention": "full",
             "linear_attention": "linear", "mamba": "mamba", "mamba2": "mamba"}  # fmt: skip
    if model_type.startswith("llama4") or "Rnj1ForCausalLM" in _architectures(r.cfg, r.prefix):
        # NOTE: vLLM rnj1.py (Rnj1ForCausalLM on a Gemma3TextConfig, 0.20.0-0.34.0 wheels; none
        # in 0.19.0) gives a "chunked_attention" layer per_layer_sliding_window =
        # config.sliding_window (chunk_lookback 1), a SlidingWindowSpec of that window
        names["chunked_attention"] = "sliding"
    unknown = "is not a known layer kind"
    if model_type == "granitemoehybrid":
        names = GRANITE_HYBRID_LAYER_KINDS
        unknown = ("is not a layer kind vLLM granitemoehybrid.py builds (\"mamba\" / "
                   "\"linear_attention\" and \"attention\" / \"full_attention\" only)")
    if not isinstance(layer_types, list):
        raise ConfigError(f"{r.where('layer_types')} must be a list of strings")
    _check_len(r, "layer_types", layer_types, n)
    kinds = []
    for i, t in enumerate(layer_types):
        if not isinstance(t, str):
            raise ConfigError(f"{r.where('layer_types')}[{i}] is {json_kind(t)}, not a "
                              "string: each entry names one layer's kind")
        if t not in names:
            raise ConfigError(f"{r.where('layer_types')}[{i}] = {t!r} {unknown}")
        kinds.append(names[t])
    unread = sorted({t for t, kind in zip(layer_types, kinds, strict=True)
                     if kind == "full" and t in ("local", "chunked_attention")})
    if unread:
        r.notes.assumptions.append(
            f"{r.prefix}layer_types: {', '.join(map(repr, unread))} layers planned as full "
            "attention, as vLLM builds them (its models slide only layer_types "
            "\"sliding_attention\")")
    # the count of each kind, in the order the layers first show it: "18 sliding / 18 full"
    r.record("layer pattern", " / ".join(f"{count} {kind}" for kind, count
                                         in Counter(kinds).items()), "layer_types")
    return kinds


def _check_len(r: _Reader, key: str, values: list | str, n: int) -> None:
    if len(values) != n:
        raise ConfigError(
            f"{r.where(key)} has {len(values)} entries but num_hidden_layers is {n}"
        )


def _llama4_kinds(r: _Reader, n: int) -> list[str]:
    # NOTE: Llama 4 uses chunked local attention (attention_chunk_size) on three layers of
    # four and global NoPE attention on every 4th (transformers Llama4TextConfig:
    # no_rope_layers default = every (i+1) % 4 == 0 is global). Chunked layers hold at
    # most one chunk of KV, so they are planned as sliding-window layers of that size.
    # An empty list takes that default too (`self.no_rope_layers if self.no_rope_layers else
    # default_no_rope_layers`, transformers 5.25.0 Llama4TextConfig.__post_init__): Hub-saved
    # Scout config.json files write `"no_rope_layers": []` (tests/fixtures/configs/SOURCES.md).
    nope = r.int_list("no_rope_layers", hi=1)
    if nope:
        _check_len(r, "no_rope_layers", nope, n)
        kinds = ["sliding" if v else "full" for v in nope]
    else:
        step = r.int_("no_rope_layer_interval") or 4
        kinds = ["full" if (i + 1) % step == 0 else "sliding" for i in range(n)]
    r.notes.assumptions.append(
        "Llama 4 chunked attention planned as sliding-window layers of attention_chunk_size"
    )
    return kinds


def _sliding_kinds(r: _Reader, model_type: str, n: int) -> list[str]:
    window = r.int_("sliding_window", hi=MAX_CONTEXT)
    use = r.flag("use_sliding_window")
    if window is None or use is False:
        return ["full"] * n
    pattern = r.int_("sliding_window_pattern", hi=MAX_LAYERS)
    if pattern is None and model_type == "gemma2":
        pattern = 2  # transformers Gemma2Config: alternating, even layers sliding
    if pattern is not None:
        # NOTE: Gemma 3: sliding_window_pattern 6 -> layers 5, 11, ... are global
        # ((i + 1) % 6 == 0), the other five of six slide (transformers Gemma3TextConfig).
        r.record("layer pattern", f"full every {pattern}", "sliding_window_pattern")
        return ["full" if (i + 1) % pattern == 0 else "sliding" for i in range(n)]
    if use is True:
        # Qwen2-style: layers from max_window_layers on use the window.
        start = r.int_("max_window_layers", lo=0, hi=MAX_LAYERS) or 0
        return ["sliding" if i >= start else "full" for i in range(n)]
    return ["sliding"] * n  # Mistral / Phi-3 semantics: every layer slides


EXPERT_KEYS = ("num_experts", "num_local_experts", "n_routed_experts")
TOP_K_KEYS = ("num_experts_per_tok", "experts_per_token", "top_k_experts", "moe_topk")
SHARED_KEYS = ("n_shared_experts", "num_shared_experts")


def _moe_keys(model_type: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The names of (the routed-expert count, experts per token, shared experts) for
    `model_type`: ERNIE 4.5 MoE's own (moe_num_experts, moe_k, moe_num_shared_experts) added for
    "ernie4_5_moe" only, so no other type's config (known or not) is read by them."""
    if model_type == "ernie4_5_moe":
        return ((*EXPERT_KEYS, "moe_num_experts"), (*TOP_K_KEYS, "moe_k"),
                (*SHARED_KEYS, "moe_num_shared_experts"))
    return EXPERT_KEYS, TOP_K_KEYS, SHARED_KEYS


NO_EXPERTS_DENSE_TYPES = {
    "qwen2_moe": "qwen2_moe.py: a sparse block only where num_experts > 0",
    "qwen3_moe": "qwen3_moe.py: a sparse block only where num_experts > 0",
    "ernie4_5_moe": "ernie45_moe.py: use_moe, where config.json leaves it out, is "
                    "moe_num_experts > 0",
    **dict.fromkeys(HUNYUAN_TYPES, "hunyuan_v1.py: a sparse block only where num_experts > 1"),
}
"""model_types whose vLLM code builds a dense MLP where the expert count is 0, and why:
qwen2_moe.py and qwen3_moe.py (0.33.0 and 0.34.0 wheels) make a layer sparse only
`config.num_experts > 0`; ernie45_moe.py Ernie4_5_MoeDecoderLayer only where `use_moe =
getattr(config, "use_moe", moe_num_experts > 0)` (0.9.2, 0.19.0, 0.34.0 wheels)."""

NO_EXPERTS_MOE_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2")
"""NOTE: (text) model_types whose MoE layers are built whatever the routed-expert count, so
n_routed_experts = 0 is refused. vLLM deepseek_v2.py (0.11.0, 0.33.0, 0.34.0 wheels; kimi_k2 reads
as DeepseekV3Config, DeepseekV3ForCausalLM): DeepseekV2DecoderLayer makes a layer MoE where
`config.n_routed_experts is not None` (and from first_k_dense_replace, every moe_layer_freq),
and DeepseekV2MoE then builds a gate of n_routed_experts outputs and a FusedMoE of that many
experts, each token routed to num_experts_per_tok of them. transformers 5.24.0 builds
DeepseekV3MoE / DeepseekV2Moe for every layer from first_k_dense_replace on whatever the count
(modeling_deepseek_v3.py DeepseekV3DecoderLayer, modeling_deepseek_v2.py
DeepseekV2DecoderLayer). A null n_routed_experts gives no MoE layer in vLLM: planned dense."""


def _no_experts_note(what: str, model_type: str) -> str:
    """The assumption a MoE config with an expert count of 0 (`what`) is planned under."""
    if model_type in NO_EXPERTS_DENSE_TYPES:
        return (f"{what}: no routed experts, every MLP planned dense (intermediate_size), as "
                f"vLLM builds it ({NO_EXPERTS_DENSE_TYPES[model_type]})")
    return (f"{what}: no routed experts, every MLP planned dense (intermediate_size); "
            f"UNVERIFIED for model_type {model_type!r}: vLLM may build MoE layers with no "
            "experts instead, as it does for DeepSeek (deepseek_v2.py)")


def _moe_flags(r: _Reader, model_type: str, n: int) -> list[bool]:
    """True for each layer whose MLP is a mixture of experts."""
    text_type = _text_type(r, model_type)
    if text_type == "ernie4_5_moe":  # use_moe's default, `moe_num_experts > 0`, is evaluated
        # even where config.json gives use_moe (it is getattr's argument): 0.19.0 wheel
        _refuse_ernie_null(r, ("moe_num_experts",), "vLLM compares it with 0 (use_moe = "
                           "getattr(config, 'use_moe', moe_num_experts > 0))")
    keys = _moe_keys(text_type)[0]
    experts = r.int_(*keys, lo=0, hi=MAX_EXPERTS)
    if experts == 0 and text_type in NO_EXPERTS_MOE_TYPES:
        raise ConfigError(
            f"{r.where(str(r.key(*keys)))} = 0: vLLM builds {text_type} MoE layers whatever "
            "the count (deepseek_v2.py: MoE where n_routed_experts is not None), each routing "
            "num_experts_per_tok of no experts, so there is no model to plan")
    if experts == 0:
        r.notes.assumptions.append(_no_experts_note(f"{r.prefix}{r.key(*keys)} = 0",
                                                    model_type))
    if experts is None and text_type in NO_EXPERTS_MOE_TYPES and r.null("n_routed_experts"):
        r.notes.assumptions.append(
            f"{r.prefix}n_routed_experts null: every MLP planned dense (intermediate_size), as "
            "vLLM builds it with transformers 4 (deepseek_v2.py: MoE only where "
            "n_routed_experts is not None)")
    if not experts or r.flag("enable_moe_block") is False:
        return [False] * n
    if text_type == "ernie4_5_moe":
        return _ernie_moe_flags(r, n)
    if text_type in HUNYUAN_TYPES:  # _is_moe: one expert is a dense HunYuanMLP
        return [experts > 1] * n
    if text_type == "arctic":
        return _arctic_moe_flags(r, n)
    first_dense = r.int_("first_k_dense_replace", lo=0, hi=MAX_LAYERS) or 0
    if isinstance(r.get("moe_layer_freq"), list):  # MiMo-V2: one 0/1 flag per layer
        freq_list = r.int_list("moe_layer_freq", hi=1) or []
        _check_len(r, "moe_layer_freq", freq_list, n)
        return [bool(v) for v in freq_list]
    freq = r.int_("moe_layer_freq", hi=MAX_LAYERS) or 1
    sparse_step = r.int_("decoder_sparse_step", hi=MAX_LAYERS) or 1
    interleave = r.int_("interleave_moe_layer_step", hi=MAX_LAYERS) or 1
    dense_list = set(r.int_list("mlp_only_layers", hi=MAX_LAYERS) or [])
    moe_list = r.int_list("moe_layers", hi=MAX_LAYERS)
    flags = []
    for i in range(n):
        # NOTE: DeepSeek-V3: first_k_dense_replace 3 -> layers 0-2 dense, 3-60 MoE
        # (i % moe_layer_freq == 0); Qwen MoE: (i + 1) % decoder_sparse_step == 0 unless in
        # mlp_only_layers; Llama 4 Maverick: interleave_moe_layer_step 2 -> odd layers MoE.
        is_moe = (
            i >= first_dense
            and i % freq == 0
            and (i + 1) % sparse_step == 0
            and (i + 1) % interleave == 0
            and i not in dense_list
        )
        flags.append(is_moe if moe_list is None else i in moe_list)
    return flags


def _refuse_ernie_null(r: _Reader, keys: tuple[str, ...], use: str) -> None:
    """Refuses an ERNIE 4.5 MoE config giving any of `keys` as null: transformers'
    Ernie4_5_MoeConfig keeps the None, and vLLM's ernie45_moe.py compares it (`use`) and stops."""
    null = next((key for key in keys if r.null(key)), None)
    if null is not None:
        raise ConfigError(f"{r.where(null)} is null: {use} (ernie45_moe.py) and stops; "
                          "give an integer")


def _ernie_moe_flags(r: _Reader, n: int) -> list[bool]:
    """ERNIE 4.5 MoE's MoE layers: i from moe_layer_start_index to moe_layer_end_index
    (inclusive) where (i + 1) % moe_layer_interval == 0, unless use_moe is false.

    NOTE: vLLM ernie45_moe.py Ernie4_5_MoeDecoderLayer (0.9.2, 0.19.0 and 0.34.0 wheels):
    `use_moe = getattr(config, "use_moe", moe_num_experts > 0)` and MoE where `use_moe and
    ((layer_idx + 1) % moe_layer_interval == 0) and layer_idx >= moe_layer_start_index and
    layer_idx <= moe_layer_end_index`, else Ernie4_5_MoeMLP of intermediate_size. A key left
    out takes transformers' Ernie4_5_MoeConfig default (4.56.0 and 5.24.0: start 1, interval
    1, end -1), and the class turns an end of -1 into num_hidden_layers - 1 (4.56.0 __init__,
    5.24.0 __post_init__). ERNIE-4.5-21B-A3B (start 1, end 27, 28 layers): layer 0 dense.
    A null layer key is refused whatever use_moe says: from 0.11.1 (0.11.1, 0.19.0, 0.34.0
    wheels) Ernie4_5_MoeForCausalLM.__init__ lists its MoE layers by comparing every index with
    config.moe_layer_start_index / _end_index / _interval, use_moe not asked; 0.9.2-0.11.0 do
    not, so there Headroom is stricter than vLLM for a config with use_moe false."""
    _refuse_ernie_null(r, ("moe_layer_start_index", "moe_layer_end_index", "moe_layer_interval"),
                       "vLLM compares each layer index with it")
    if r.flag("use_moe") is False:
        return [False] * n
    start = r.int_("moe_layer_start_index", lo=0, hi=MAX_LAYERS) or 0
    end = r.int_("moe_layer_end_index", lo=-1, hi=MAX_LAYERS)
    interval = r.int_("moe_layer_interval", hi=MAX_LAYERS) or 1
    if end is None or end == -1:
        end = n - 1
        r.notes.assumptions.append(
            f"{r.prefix}moe_layer_end_index {'-1' if r.key('moe_layer_end_index') else 'missing'}"
            f": MoE layers up to the last ({n - 1}), as transformers Ernie4_5_MoeConfig reads it")
    return [start <= i <= end and (i + 1) % interval == 0 for i in range(n)]


HUNYUAN_UNREAD_KEYS = ("moe_layer_num_skipped", "anyres_pooling_size", "num_media_embeds",
                       "org_vocab_size", "dense_list")
"""Keys of HunYuan configs (Hunyuan-A13B's models/config.json) that look architectural but that
neither vLLM's hunyuan_v1.py (0.28.0) nor transformers' HunYuanMoEV1 / HunYuanDenseV1 modeling
(5.25.0) reads: no weight depends on them."""


def _hunyuan_notes(r: _Reader, layers: list[LayerSpec], notes: _Notes) -> None:
    """Flags what the HunYuan figures (HUNYUAN_TYPES' NOTE) leave out: cross-layer attention
    (`use_cla` with cla_share_factor above 1: hunyuan_v1.py builds every layer i with `i %
    factor != 0` as HunYuanCrossAttention, a q_proj of hidden x hidden and o_proj, reading the
    previous layer's K and V through an encoder-decoder Attention, not planned), and what vLLM's
    Transformers backend (0.29.0 on: registry.py maps both classes to it) builds otherwise than
    hunyuan_v1.py: transformers 5.25 modeling_hunyuan_v1_moe.py / _dense.py build q/k norms on
    every layer, a bias-free dense MLP and, on every layer, a shared_mlp of intermediate_size
    (whatever use_mixed_mlp_moe and num_shared_expert say) and no cross-layer attention.
    Hunyuan-A13B's config (use_qk_norm true, use_mixed_mlp_moe true, num_shared_expert 1,
    mlp_bias false, use_cla false) is built alike by both."""
    r.used.update((*HUNYUAN_UNREAD_KEYS, "num_shared_expert"))  # read under use_mixed_mlp_moe
    factor = r.int_("cla_share_factor", hi=MAX_LAYERS) or 1
    if r.flag("use_cla") and factor > 1:
        notes.warnings.append(
            f"{r.prefix}use_cla with cla_share_factor {factor}: cross-layer attention not "
            "modelled (every layer planned with its own K/V projections and KV cache; vLLM "
            "0.10-0.28 hunyuan_v1.py builds layers i % factor != 0 as cross-attention on the "
            "previous layer's K/V, an encoder-decoder Attention: 0.11.0's runner gives each a "
            "cross-attention KV cache sized for encoder inputs, 0.28.0's stops on it, "
            "Attention.get_kv_cache_spec asserting a decoder layer)")
        notes.unmodelled.append("HunYuan cross-layer attention (use_cla)")
    differs = []
    if not r.flag("use_qk_norm"):
        differs.append("q/k norms (use_qk_norm false)")
    if any(isinstance(layer.mlp, DenseMlp) for layer in layers) and r.flag("mlp_bias"):
        differs.append("no dense MLP biases (mlp_bias true)")
    moe = [layer.mlp for layer in layers if isinstance(layer.mlp, MoeMlp)]
    width = r.int_("intermediate_size") or 0
    if any(mlp.shared_intermediate_size != width for mlp in moe):
        differs.append(f"a shared MLP of intermediate_size ({width}) on every MoE layer")
    if differs:
        notes.warnings.append(
            "the HunYuan figures follow vLLM 0.10-0.28 hunyuan_v1.py; vLLM 0.29 on runs this "
            "model on its Transformers backend, which builds " + ", ".join(differs)
            + " (transformers modeling_hunyuan_v1_*.py): its weights differ")
        notes.unmodelled.append("HunYuan on vLLM's Transformers backend (0.29 on)")


def _arctic_moe_flags(r: _Reader, n: int) -> list[bool]:
    """Arctic's MoE layers: i where `(i + 1) % moe_layer_frequency == 0`, the others a dense
    ArcticMLP of intermediate_size (vLLM arctic.py ArcticMoE / ArcticDecoderLayer, 0.28.0 wheel;
    deprecated, not served, from 0.29.0). A frequency left out is vLLM's ArcticConfig default 2
    (transformers_utils/configs/arctic.py, registered for "arctic" from 0.26.0; earlier
    releases take the repository's configuration_arctic.py, which vLLM's copies)."""
    freq = r.int_("moe_layer_frequency", hi=MAX_LAYERS)
    if freq is None:
        freq = 2
        r.notes.assumptions.append(
            f"{r.prefix}moe_layer_frequency missing: assumed 2 (vLLM ArcticConfig default, "
            "transformers_utils/configs/arctic.py): MoE on the odd layers")
    return [(i + 1) % freq == 0 for i in range(n)]


def _layer_int(r: _Reader, keys: tuple[str, ...], i: int, lo: int = 1,
               hi: int = MAX_WIDTH) -> int | None:
    """The first of `keys` for layer i, where config.json gives one integer or a list of one a
    layer, which hunyuan_v1.py reads `[layer_id]` (moe_topk, moe_intermediate_size,
    num_shared_expert: Hunyuan-A13B lists 32 of each); the class default where left out; None
    when absent."""
    value = r.get(*keys)
    if not isinstance(value, list):
        return r.int_(*keys, lo=lo, hi=hi)
    key = str(r.key(*keys))
    if len(value) <= i:
        raise ConfigError(f"{r.where(key)} has {len(value)} entries: vLLM reads entry {i} for "
                          f"layer {i} (hunyuan_v1.py asserts len > layer_id)")
    return _as_int(value[i], f"{r.where(key)}[{i}]", lo, hi)


class _Attention:
    """Builds mixers and MLPs for the uniform-layer families from one config."""

    def __init__(self, r: _Reader, model_type: str, hidden: int):
        self.r, self.model_type, self.hidden = r, model_type, hidden
        heads_keys = ("num_attention_heads", "n_head", "num_heads")
        heads = r.int_(*heads_keys, hi=MAX_HEADS)
        if heads is None and (null := r.null(*heads_keys)):
            # NOTE: transformers 5.24 refuses it where the class annotates the field `int`
            # (LlamaConfig, Qwen3Config: StrictDataclassFieldValidationError); 4.57.1
            # LlamaConfig divides hidden_size by it.
            raise ConfigError(f"{r.where(null)} is null: the attention head count is needed "
                              "(transformers cannot load the config without it)")
        if heads is None:
            heads = 32
            r.notes.assumptions.append(
                "num_attention_heads missing: assumed 32 (transformers LlamaConfig default)"
            )
        self.heads = heads
        # (key, derivation) of each attention figure, recorded per layer by mixer()
        self.sources: dict[str, tuple[str | None, str]] = {
            "attention heads": (r.key(*heads_keys), _class_default_note(r, heads_keys))
        }
        kv_keys = ("num_key_value_heads", "num_kv_heads", "n_head_kv")
        kv = r.int_(*kv_keys, hi=MAX_HEADS)
        kv_key = r.key(*kv_keys)
        kv_derived = _class_default_note(r, kv_keys)
        if kv is None:
            kv, kv_derived = heads, "= num_attention_heads"
            if model_type != "nemotron-nas":  # NAS: block_configs give each layer's KV heads
                r.notes.assumptions.append(_null_kv_note(r.prefix, null) if (
                    null := r.null(*kv_keys)) else (
                    "num_key_value_heads missing: assumed = num_attention_heads (MHA, "
                    "transformers default)"))
        self.kv_heads = kv
        self.sources["KV heads"] = (kv_key, kv_derived)
        hd_keys = () if model_type in HIDDEN_HEAD_DIM_TYPES else ("head_dim",
                                                                  "attention_head_dim")
        hd = r.int_(*hd_keys, hi=MAX_WIDTH)
        if hd is not None and r.key(*hd_keys) is None:
            self.sources["head dim"] = (None, _class_default_note(r, hd_keys))
        elif hd is None:
            null = r.null(*hd_keys)
            if null and model_type in HEAD_DIM_AS_GIVEN_TYPES:
                raise ConfigError(f"{r.where(null)} is null: vLLM's {model_type} model takes "
                                  "head_dim as given (no hidden_size / num_attention_heads "
                                  "fallback), so it cannot build the attention")
            if hidden % heads:
                raise ConfigError(
                    f"config.json: {r.prefix}num_attention_heads = {heads} does not divide "
                    f"hidden_size = {hidden} and head_dim is not given"
                )
            hd = hidden // heads
            self.sources["head dim"] = (None, "hidden_size / num_attention_heads")
            if null:
                r.notes.assumptions.append(
                    f"{r.prefix}{null} null: read as hidden_size / num_attention_heads = "
                    f"{hidden} / {heads} = {hd}, as vLLM does (ModelConfig.get_head_size: "
                    "\"Some configs may set head_dim=None\")")
        else:
            self.sources["head dim"] = (r.key("head_dim", "attention_head_dim"), "")
        self.head_dim = hd
        self.window = r.int_("sliding_window", hi=MAX_CONTEXT)
        self.chunked = model_type.startswith("llama4")
        if self.chunked:
            self.window = r.int_("attention_chunk_size", hi=MAX_CONTEXT)
        self.qkv_bias, self.o_bias = _attention_biases(r, model_type)
        self.qk_norm = model_type in QK_NORM_TYPES or bool(r.flag("use_qk_norm"))
        self.qk_norm_whole = model_type in WHOLE_QK_NORM_TYPES
        self.qk_norm_per_layer = self.qk_norm_whole or r.str_("qk_norm_type") == "per_layer"
        self.output_gate = bool(r.flag("attn_output_gate")) or model_type == "qwen3_next"
        self.mla = r.int_("kv_lora_rank", hi=MAX_WIDTH) is not None
        if model_type in MLA_ONLY_TYPES and r.null("kv_lora_rank") and any(
                r.get(k) != 0 for k in ("qk_nope_head_dim", "qk_rope_head_dim")):
            # it read "qk_rope_head_dim = 64 is more than the head dim, 56", a symptom
            raise ConfigError(
                f"{r.where('kv_lora_rank')} is null: vLLM runs {model_type} attention as MLA "
                "only with a kv_lora_rank, and its non-MLA DeepseekV2Attention adds "
                "kv_lora_rank to qk_rope_head_dim, so vLLM stops at load (TypeError); give "
                "the checkpoint's kv_lora_rank (its KV latent width)")
        if model_type in MLA_ONLY_TYPES and r.null("kv_lora_rank"):  # both head dims 0
            # it read "qk_rope_head_dim = 0 is out of range (1 to 1048576)", a symptom
            raise ConfigError(
                f"{r.where('kv_lora_rank')} is null and qk_nope_head_dim and qk_rope_head_dim "
                "are 0: vLLM 0.9.1-0.11.0 build DeepseekV2Attention all the same and stop at "
                "load (ZeroDivisionError: 0.0 cannot be raised to a negative power, its scale "
                "(qk_nope_head_dim + qk_rope_head_dim) ** -0.5); from 0.11.1 deepseek_v2.py "
                f"builds {model_type} attention as plain multi-head attention "
                "(DeepseekAttention), which Headroom does not plan; give the checkpoint's "
                "kv_lora_rank and head dims")
        ropes = r.get("rope_parameters")
        # Gemma 4: one rope block per layer type (rope_parameters.full_attention / ...).
        self.typed_ropes = isinstance(ropes, dict) and any(
            isinstance(v, dict) and k.endswith("_attention") for k, v in ropes.items()
        )

    def mixer(self, kind: str, i: int, kv_heads: int | None = None) -> Any:
        """The token mixer of layer i, of the given kind (`kv_heads`: a per-layer override)."""
        if kind == "linear":
            return self._linear()
        if kind == "mamba":
            return _mamba(self.r)
        if self.mla:
            return self._mla(i)
        r = self.r
        sources = dict(self.sources)
        figures = {"attention heads": self.heads, "KV heads": self.kv_heads,
                   "head dim": self.head_dim}  # fmt: skip

        def override(label: str, key: str, hi: int) -> None:
            value = r.int_(key, hi=hi)
            if value is not None:
                figures[label], sources[label] = value, (key, "")

        v_hd = r.int_("v_head_dim", hi=MAX_WIDTH)
        kv_shared = False
        sinks = self.model_type == "gpt_oss"
        if kind == "sliding" and r.key("swa_num_key_value_heads"):
            # MiMo-V2-Flash: sliding layers have their own head counts and dims.
            override("attention heads", "swa_num_attention_heads", MAX_HEADS)
            override("KV heads", "swa_num_key_value_heads", MAX_HEADS)
            override("head dim", "swa_head_dim", MAX_WIDTH)
            v_hd = r.int_("swa_v_head_dim", hi=MAX_WIDTH) or v_hd
            sinks = bool(r.flag("add_swa_attention_sink_bias"))
        elif kind == "full" and self.model_type == "mimo_v2_flash":
            sinks = bool(r.flag("add_full_attention_sink_bias"))
        if kind == "full" and r.key("global_head_dim"):
            # Gemma 4: global layers have their own head_dim and KV heads, and with
            # attention_k_eq_v the value reuses the key projection.
            override("head dim", "global_head_dim", MAX_WIDTH)
            override("KV heads", "num_global_key_value_heads", MAX_HEADS)
            v_hd = None
            kv_shared = bool(r.flag("attention_k_eq_v"))
        if kv_heads is not None:  # Nemotron-NAS: per-block GQA groups
            figures["KV heads"] = kv_heads
            sources["KV heads"] = (None, "num_attention_heads / block_configs[].attention."
                                         "n_heads_in_group")  # fmt: skip
        for label, value in figures.items():
            key, derived = sources[label]
            r.record_layer(label, value, key, i, "mixer", derived)
        heads, kv, hd = figures["attention heads"], figures["KV heads"], figures["head dim"]
        _check_groups(heads, kv, *(r.prefix + sources[label][0] if sources[label][0] else
                                   f"{label} ({sources[label][1]})"
                                   for label in ("attention heads", "KV heads")))
        v_hd = v_hd or hd
        rotary, rope_local, rope_padded = self._rotary(kind, hd, i)
        return AttentionMixer(
            kind="sliding" if kind == "sliding" else "full",
            num_heads=heads,
            num_kv_heads=kv,
            head_dim=hd,
            v_head_dim=v_hd,
            sliding_window=self.window if kind == "sliding" else None,
            chunked=self.chunked and kind == "sliding",
            kv_shared=kv_shared,
            qkv_bias=self.qkv_bias,
            o_bias=self.o_bias,
            qk_norm=self.qk_norm,
            qk_norm_per_layer=self.qk_norm_per_layer,
            qk_norm_whole=self.qk_norm_whole,
            sinks=sinks,
            output_gate=self.output_gate,
            rotary_dim=rotary,
            rope_local=rope_local,
            rope_padded=rope_padded,
        )

    def _rotary(self, kind: str, head_dim: int, i: int) -> tuple[int, bool, bool]:
        """(rotary_dim, own local rope, cache padded to head_dim) of attention layer i.

        NOTE (vLLM get_rope): rotary_dim = int(head_size x partial_rotary_factor), e.g.
        Qwen3-Next 256 x 0.25 = 64, Phi-2 80 x 0.4 = 32, MiMo-V2 192 x 0.334 = 64;
        MiniMax-M2 gives rotary_dim 64 directly. Nemotron-H attention and Llama 4's global
        (no_rope_layers 0) layers have no rope. Gemma 3 / Gemma 4 / MiMo-V2 sliding layers
        use their own unscaled rope (a second cos/sin cache); Gemma 4 "proportional" rope
        pads its cache to the full head_dim (vLLM gemma4_rope.py).
        """
        r = self.r

        def record(value: object, key: str | None, derived: str = "") -> None:
            r.record_layer("rotary dim", value, key, i, "mixer", derived)

        if self.model_type in NOPE_TYPES:
            record("none (NoPE)", None, f"{self.model_type} attention has no rotary embedding")
            return 0, False, False
        if self.model_type == "granitemoehybrid" and r.get("position_embedding_type") != "rope":
            # NOTE: granitemoehybrid.py GraniteMoeHybridAttention builds get_rope only `if
            # config.position_embedding_type == "rope"` (0.9.1-0.34.0 wheels; transformers
            # GraniteMoeHybridConfig's default None; Granite 4.0 configs say "nope")
            record("none (NoPE)", r.key("position_embedding_type"),
                   "granitemoehybrid: rope only where position_embedding_type is \"rope\"")
            return 0, False, False
        if self.model_type.startswith("llama4") and kind == "full":
            record("none (NoPE)", r.key("no_rope_layers"),
                   "0 = no rope" if r.key("no_rope_layers") else "every 4th layer is NoPE")
            return 0, False, False
        block, block_key = self._rope_block(kind)
        rope_local = kind == "sliding" and (
            self.typed_ropes or r.key("rope_local_base_freq", "swa_rope_theta") is not None
        )
        padded = block.get("rope_type") == "proportional"
        if "partial_rotary_factor" in block:
            factor, key = block["partial_rotary_factor"], f"{block_key}.partial_rotary_factor"
        else:
            key = r.key("partial_rotary_factor", "rotary_pct")
            factor = None if key is None else r.cfg[key]
        if factor is not None:
            if isinstance(factor, bool) or not isinstance(factor, int | float) or not (
                0 < factor <= 1
            ):
                raise ConfigError(f"{r.where(key)} must be a number in (0, 1], got {factor!r}")
            rotary = int(head_dim * factor)
            record(rotary, key, f"int({head_dim} x {factor:g})")
            return rotary, rope_local, padded
        key = r.key("rotary_dim", "qk_rope_head_dim")
        if key is None:
            record(head_dim, None, "= head_dim (no partial_rotary_factor)")
            return head_dim, rope_local, padded
        rotary = _as_int(r.cfg[key], r.where(key), 1, MAX_WIDTH)
        if rotary > head_dim:  # it read "out of range (1 to 56)", the bound unexplained
            hd_key, derived = self.sources["head dim"]
            how = f" ({hd_key or derived})" if head_dim == self.head_dim and (
                hd_key or derived) else ""
            raise ConfigError(f"{r.where(key)} = {rotary} is more than the head dim, "
                              f"{head_dim}{how}: a head's rotary dims are some of its dims")
        record(rotary, key)
        return rotary, rope_local, padded

    def _rope_block(self, kind: str) -> tuple[dict, str]:
        """The rope_parameters / rope_scaling object of a layer kind, and its key path."""
        r = self.r
        key = r.key("rope_parameters", "rope_scaling")
        block = r.cfg[key] if key else {}
        if key and self.typed_ropes:
            layer_type = "sliding_attention" if kind == "sliding" else "full_attention"
            block, key = block.get(layer_type) or {}, f"{key}.{layer_type}"
        if not isinstance(block, dict):
            raise ConfigError(f"{r.where(str(key))} must be an object")
        return block, str(key)

    def _mla(self, i: int) -> MlaMixer:
        r = self.r
        key, derived = self.sources["attention heads"]
        r.record_layer("attention heads", self.heads, key, i, "mixer", derived)
        for label, key in (("KV LoRA rank", "kv_lora_rank"), ("Q LoRA rank", "q_lora_rank"),
                           ("rotary dim", "qk_rope_head_dim")):  # fmt: skip
            r.record_layer(label, r.get(key), r.key(key), i, "mixer")
        return MlaMixer(
            num_heads=self.heads,
            q_lora_rank=r.int_("q_lora_rank", hi=MAX_WIDTH),
            kv_lora_rank=r.int_("kv_lora_rank", hi=MAX_WIDTH),
            qk_nope_head_dim=r.int_("qk_nope_head_dim", hi=MAX_WIDTH) or 128,
            qk_rope_head_dim=r.int_("qk_rope_head_dim", hi=MAX_WIDTH) or 64,
            v_head_dim=r.int_("v_head_dim", hi=MAX_WIDTH) or 128,
            index_n_heads=r.int_("index_n_heads", hi=MAX_HEADS),
            index_head_dim=r.int_("index_head_dim", hi=MAX_WIDTH),
            index_topk=r.int_("index_topk", hi=MAX_CONTEXT),
        )

    def _linear(self) -> LinearAttentionMixer:
        r = self.r
        return LinearAttentionMixer(
            num_key_heads=_need(r, "linear_num_key_heads", MAX_HEADS),
            num_value_heads=_need(r, "linear_num_value_heads", MAX_HEADS),
            key_head_dim=_need(r, "linear_key_head_dim", MAX_WIDTH),
            value_head_dim=_need(r, "linear_value_head_dim", MAX_WIDTH),
            conv_kernel_dim=r.int_("linear_conv_kernel_dim", hi=1024) or 4,
            ssm_dtype=ssm if (ssm := r.get("mamba_ssm_dtype")) in (
                "bfloat16", "float16", "float32") else None,
        )

    def dense_mlp(self, i: int, moe_model: bool) -> DenseMlp:
        """Dense MLP; MoE models' dense layers may use a different width (Llama 4)."""
        r = self.r
        keys = ("intermediate_size_mlp", "intermediate_size") if moe_model else ()
        keys += ("intermediate_size", "ffn_hidden_size", "n_inner")
        size = r.int_(*keys, hi=MAX_WIDTH)
        if size is None:
            raise r.missing("intermediate_size", "needed: dense MLP width", keys)
        r.record_layer("MLP width", size, r.key(*keys), i, "mlp")
        return DenseMlp(intermediate_size=size, gated=_gated(r, self.model_type),
                        bias=_mlp_bias(r, self.model_type))

    def moe_mlp(self, i: int) -> MoeMlp:
        """The MoE block of layer i from the expert keys of the config."""
        return _moe(self.r, self.model_type, i)


QKV_BIAS_ONLY_TYPES = (
    "qwen3", "qwen3_moe", "qwen3_vl", "qwen3_vl_text", "qwen3_vl_moe", "qwen3_vl_moe_text",
    "minimax_m2", "mimo_v2_flash",
)  # fmt: skip
"""NOTE: model_types whose vLLM attention takes its qkv_proj bias from attention_bias and
builds o_proj with bias=False: qwen3.py Qwen3DecoderLayer / qwen3_moe.py Qwen3MoeDecoderLayer
(`qkv_bias=getattr(config, "attention_bias", False)`, o_proj `bias=False`; 0.9.1, 0.10.1,
0.11.0, 0.13.0, 0.15.1, 0.17.0, 0.19.0, 0.21.0, 0.24.0, 0.27.0, 0.30.0-0.34.0 wheels; Qwen3-VL
builds these text models), minimax_m2.py MiniMaxM2DecoderLayer (0.13.0-0.34.0, same wheels),
mimo_v2_flash.py (0.19.0) / mimo_v2.py (0.21.0-0.34.0) MiMoV2Attention (qkv_proj
`bias=attention_bias`, o_proj `bias=False`)."""
QWEN3_NEXT_ATTENTION_TYPES = (
    "qwen3_next", "qwen3_5", "qwen3_5_text", "qwen3_5_moe", "qwen3_5_moe_text",
)  # fmt: skip
"""NOTE: qwen3_next.py Qwen3NextAttention (qwen3_5.py builds it too): qkv_proj
`bias=getattr(config, "qkv_bias", False)`, o_proj `bias=False` (0.11.0-0.34.0 wheels as
above; 0.34.0's CUDA Qwen3.5, vllm/models/qwen3_5/nvidia/model.py, builds it too); attention_bias
is not read."""
NO_ATTENTION_BIAS_TYPES = (
    "gemma", "mixtral", "llama4", "llama4_text", "granitemoe", "granitemoeshared", "olmoe",
    "nemotron_h", "arctic",
)  # fmt: skip
"""NOTE: model_types whose vLLM attention builds qkv_proj and o_proj with bias=False whatever
the config says: gemma.py GemmaAttention, mixtral.py MixtralAttention, llama4.py
Llama4DecoderLayer (`bias=False, bias_o_proj=False`), granitemoe.py GraniteMoeAttention (which
granitemoeshared.py GraniteMoeSharedDecoderLayer builds too: 0.9.1, 0.19.0, 0.27.1, 0.28.0,
0.31.0 and 0.34.0 wheels),
olmoe.py OlmoeAttention, nemotron_h.py NemotronHAttention, arctic.py ArcticAttention (0.28.0
read; deprecated, not served, from 0.29.0) (0.9.1-0.33.0 wheels as above; the
0.34.0 wheel drops gemma.py and olmoe.py and builds Gemma-1 and OLMoE through the Transformers
backend, whose transformers 5.24.0 GemmaAttention / OlmoeAttention q/k/v/o_proj take
`bias=config.attention_bias`: _attention_biases notes a config that sets it)."""
ALL_ATTENTION_BIAS_TYPES = ("phi", "gpt_oss")
"""NOTE: hard-coded bias=True on qkv and o: phi.py PhiAttention (0.9.1-0.31.0 wheels; 0.32.0
to 0.34.0 run Phi through the Transformers backend, which builds each linear with a bias
where the transformers module has one, models/transformers/utils.py `bias=linear.bias is not
None`: transformers 5.24.0 modeling_phi.py PhiAttention q/k/v_proj and dense `bias=True`),
gpt_oss.py OAIAttention (0.10.1-0.34.0)."""


def _attention_biases(r: _Reader, model_type: str) -> tuple[bool, bool]:
    """(qkv_proj bias, o_proj bias) as vLLM's model file for `model_type` builds them.

    NOTE: llama.py LlamaDecoderLayer (also mistral.py, phi3.py's Llama model, nemotron_nas.py
    DeciLMDecoderLayer, and a model_type Headroom does not know, read as Llama): `attention_bias
    = config.attention_bias or config.bias` for both, then `if hasattr(config, "qkv_bias"):`
    qkv_proj takes config.qkv_bias instead (InternLM3); granite.py GraniteDecoderLayer takes
    attention_bias or bias for both, with no qkv_bias (0.9.1-0.34.0 wheels as above), as
    does hunyuan_v1.py HunYuanDecoderLayer (HUNYUAN_TYPES; 0.28.0 wheel).
    starcoder2.py Starcoder2Attention: `bias=config.use_bias` on both (0.9.1-0.24.0; 0.25.0 on
    run Starcoder2 through the Transformers backend: transformers 5.24.0 modeling_starcoder2.py
    Starcoder2Attention q/k/v/o_proj `bias=config.use_bias`); transformers 5.24.0
    Starcoder2Config `use_bias: bool = True`. ernie45_moe.py Ernie4_5_MoeAttention: qkv_proj
    `qkv_bias=getattr(config, "use_bias", False)`, o_proj bias=False (0.9.2, 0.19.0, 0.34.0
    wheels; Ernie4_5_MoeConfig use_bias default False). Qwen2
    (qwen2.py, qwen2_moe.py; mimo.py builds Qwen2's model): qkv_proj bias=True, o_proj False.
    gemma2.py, gemma3.py, gemma4.py (and the rest): config.attention_bias on both."""
    if model_type in QWEN2_BIAS_TYPES:
        return True, False
    if model_type in ALL_ATTENTION_BIAS_TYPES:
        return True, True
    if model_type in NO_ATTENTION_BIAS_TYPES:
        if model_type in ("gemma", "olmoe") and r.flag("attention_bias"):
            r.notes.assumptions.append(
                f"{r.prefix}attention_bias true: no q/k/v/o biases counted, as vLLM's own "
                f"{model_type}.py (0.9.1-0.33.x) builds none; vLLM 0.34 on runs this model "
                "through its Transformers backend, which builds them, so the weights there "
                "are that much higher")
        return False, False
    if model_type == "starcoder2":
        use_bias = bool(r.flag("use_bias"))
        return use_bias, use_bias
    if model_type == "ernie4_5_moe":
        return bool(r.flag("use_bias")), False
    if model_type in QWEN3_NEXT_ATTENTION_TYPES:
        return bool(r.flag("qkv_bias")), False
    if model_type in QKV_BIAS_ONLY_TYPES:
        return bool(r.flag("attention_bias")), False
    if model_type in ("granite", *LLAMA_ATTENTION_TYPES, *HUNYUAN_TYPES) or (
            model_type not in KNOWN_TYPES):
        bias = bool(r.flag("attention_bias")) or bool(r.flag("bias"))
        if model_type not in ("granite", *HUNYUAN_TYPES) and "qkv_bias" in r.cfg:
            return bool(r.flag("qkv_bias")), bias
        return bias, bias
    bias = bool(r.flag("attention_bias"))
    if bias and model_type == "olmo3":
        # NOTE: olmo2.py Olmo2Attention (Olmo3ForCausalLM, 0.11.0-0.25.0) and olmo3.py
        # Olmo3Attention (0.26.0-0.28.0) build qkv_proj and o_proj with bias=False; the
        # Transformers backend (0.29.0 on) builds transformers 5.24.0 modeling_olmo3.py's
        # q/k/v/o_proj `bias=config.attention_bias`.
        r.notes.assumptions.append(
            f"{r.prefix}attention_bias true: q/k/v/o biases counted, as vLLM 0.29 on builds "
            "them (Transformers backend); its own olmo2.py / olmo3.py (0.11.0-0.28.x) build "
            "none, so the weights there are that much lower")
    return bias, bias


LLAMA_ATTENTION_TYPES = ("llama", "mistral", "mistral3", "phi3", "nemotron-nas")
"""model_types whose text model is built by llama.py LlamaDecoderLayer's rules
(_attention_biases)."""


MLP_BIAS_TYPES = (*LLAMA_ATTENTION_TYPES, "granite", "nemotron_h", *HUNYUAN_TYPES)
"""NOTE: model_types whose vLLM dense MLP takes its biases from config.mlp_bias: llama.py
LlamaDecoderLayer's LlamaMLP `bias=getattr(config, "mlp_bias", False)` (also mistral.py
MistralDecoderLayer, a LlamaDecoderLayer, 0.15.1-0.34.0; phi3.py Phi3ForCausalLM, a
LlamaForCausalLM; nemotron_nas.py DeciLMDecoderLayer's LlamaMLP), granite.py GraniteMLP the
same, nemotron_h.py NemotronHMLP `bias=config.mlp_bias` (0.9.1, 0.19.0, 0.33.0, 0.34.0 wheels),
hunyuan_v1.py's dense-layer HunYuanMLP `bias=getattr(config, "mlp_bias", False)` (0.28.0). The
other known families' dense MLPs hard-code bias=False whatever the config says, read in the same
wheels where each ships: gemma.py GemmaMLP, gemma2.py, gemma3.py, gemma4.py, qwen2.py Qwen2MLP
(qwen3.py imports it as Qwen3MLP; mimo.py builds Qwen2's model), qwen2_moe.py Qwen2MoeMLP
(qwen3_next.py and qwen3_5.py import it as Qwen3NextMLP), qwen3_moe.py Qwen3MoeMLP,
deepseek_v2.py DeepseekV2MLP (DeepSeek-V2/V3/V3.2, Kimi, GLM-5 dense layers; 0.33.0's and 0.34.0's
vllm/models/deepseek_v32 imports it), llama4.py (its dense layers' LlamaMLP `bias=False`),
olmo2.py Olmo2MLP (0.9.1-0.25.0; OLMo 3's too, 0.11.0-0.25.0), olmo3.py Olmo3MLP
(0.26.0-0.28.0; transformers 5.24.0 modeling_olmo3.py Olmo3MLP, which 0.29.0 on run, the same),
mimo_v2_flash.py (0.19.0) / mimo_v2.py (0.33.0, 0.34.0) MiMoV2MLP, arctic.py ArcticMLP (0.28.0);
mixtral.py, granitemoe.py, olmoe.py, minimax_m2.py and gpt_oss.py build no dense MLP."""


def _mlp_bias(r: _Reader, model_type: str) -> bool:
    """Whether a dense MLP's linears carry biases, as vLLM builds them.

    NOTE: config.mlp_bias for MLP_BIAS_TYPES and a model_type Headroom does not know (read as
    Llama, as _attention_biases reads it); False for the other known types, whose vLLM MLP
    hard-codes it (MLP_BIAS_TYPES' NOTE). phi.py PhiMLP: the linears' default bias=True
    (0.9.1-0.31.0; the Transformers backend after: transformers 5.24.0 PhiMLP nn.Linear fc1 /
    fc2, bias by default); starcoder2.py Starcoder2MLP: c_fc and c_proj
    `bias=config.use_bias` (0.9.1-0.24.0; Transformers backend from 0.25.0: transformers
    5.24.0 Starcoder2MLP the same); ernie45_moe.py's dense-layer Ernie4_5_MoeMLP
    `use_bias=getattr(config, "use_bias", False)` (its shared experts' takes the default
    False; 0.9.2, 0.19.0, 0.34.0 wheels)."""
    if model_type == "phi":
        return True
    if model_type in ("starcoder2", "ernie4_5_moe"):
        return bool(r.flag("use_bias"))
    if model_type in MLP_BIAS_TYPES or model_type not in KNOWN_TYPES:
        return bool(r.flag("mlp_bias"))
    return False


def _null_kv_note(prefix: str, key: str) -> str:
    """The assumption a KV head count written out as null is read under."""
    return (f"{prefix}{key} null: assumed = num_attention_heads (MHA), as vLLM reads it "
            "(ModelConfig.get_total_num_kv_heads: a null count falls back on "
            "num_attention_heads; transformers 4.57.1 LlamaConfig and Qwen3Config set it so)")


def _class_default_note(r: _Reader, keys: tuple[str, ...]) -> str:
    """'transformers Qwen3Config default' where a class default stands in for `keys` (the
    assumption gives the value and release), else ''."""
    key = r.default_key(keys)
    return "" if key is None else f"transformers {r.defaults.class_name} default"


def _need(r: _Reader, key: str, hi: int) -> int:
    value = r.int_(key, hi=hi)
    if value is None:
        raise r.missing(key, "needed for this layer kind")
    return value


def _gated(r: _Reader, model_type: str) -> bool:
    act = r.str_("mlp_hidden_act", "hidden_act", "hidden_activation", "activation_function")
    return not (act in ("relu2", "gelu_new") or model_type in NON_GATED_TYPES)


GRANITE_SHARED_TYPES = ("granitemoeshared", "granitemoehybrid")
"""NOTE: model_types whose MoE layers add one GraniteMoeSharedMLP of shared_intermediate_size
beside the experts (granitemoeshared.py GraniteMoeSharedDecoderLayer, 0.9.1-0.34.0 wheels, and
granitemoehybrid.py's two layer classes, 0.9.2-0.34.0 read): input_linear a
MergedColumnParallelLinear hidden -> 2 x shared_intermediate_size, output_linear a
RowParallelLinear back, both bias=False, SiLU-and-mul; none where `getattr(config,
"shared_intermediate_size", 0) == 0`. Planned as one ungated shared expert of that width (split
over TP like a dense MLP); GraniteMoeMoE's router and experts as before."""


def _routing(r: _Reader, i: int, expert_keys: tuple[str, ...], experts: int | None,
             top_k_keys: tuple[str, ...], top_k: int | None) -> int:
    """Layer i's expert count (read from `expert_keys`), checked against its experts per token
    (from `top_k_keys`), both recorded."""
    if top_k is None:
        raise r.missing("num_experts_per_tok", "MoE model", top_k_keys)
    if experts is None or top_k > experts:
        raise ConfigError(
            f"config.json: {r.prefix}num_experts_per_tok = {top_k} exceeds the expert count"
        )
    r.record_layer("experts", experts, r.key(*expert_keys), i, "mlp")
    r.record_layer("experts per token", top_k, r.key(*top_k_keys), i, "mlp")
    return experts


def _moe(r: _Reader, model_type: str, i: int) -> MoeMlp:
    if model_type in HUNYUAN_TYPES:
        return _hunyuan_moe(r, model_type, i)
    if model_type == "arctic":
        return _arctic_moe(r, i)
    expert_keys, top_k_keys, shared_keys = _moe_keys(model_type)
    experts = r.int_(*expert_keys, hi=MAX_EXPERTS)
    top_k = r.int_(*top_k_keys, hi=MAX_EXPERTS)
    experts = _routing(r, i, expert_keys, experts, top_k_keys, top_k)
    size_keys = ("moe_intermediate_size", "expert_intermediate_size", "intermediate_size")
    size = r.int_(*size_keys, hi=MAX_WIDTH)
    if size is None:
        raise r.missing("moe_intermediate_size", "MoE model", size_keys)
    r.record_layer("expert width", size, r.key(*size_keys), i, "mlp")
    n_shared = r.int_(*shared_keys, lo=0, hi=MAX_EXPERTS) or 0
    shared_size = r.int_(*(("shared_intermediate_size",) if model_type in GRANITE_SHARED_TYPES
                           else ("shared_expert_intermediate_size",
                                 "moe_shared_expert_intermediate_size")), lo=0)
    if shared_size is None and n_shared:
        # DeepSeek, ERNIE 4.5 (ernie45_moe.py: one Ernie4_5_MoeMLP of moe_intermediate_size x
        # moe_num_shared_experts): n_shared experts fused into one MLP
        shared_size = size * n_shared
    elif shared_size and not n_shared:
        n_shared = 1
    if model_type.startswith("llama4"):
        n_shared, shared_size = 1, size  # Llama 4: one shared expert of the expert width
    if model_type.startswith("gemma4"):
        # NOTE: Gemma 4 MoE layers keep a dense MLP (intermediate_size) beside the experts;
        # it runs for every token, so it is planned as a shared expert.
        n_shared, shared_size = 1, r.int_("intermediate_size")
    # NOTE: a router bias whatever the config says: gpt_oss.py router bias=True, nemotron_h.py,
    # mimo_v2_flash.py (0.19.0) / mimo_v2.py (0.21.0-0.34.0) MiMoV2MoE and ernie45_moe.py
    # Ernie4_5_MoeMoE (0.10.2-0.34.0 wheels read; none in 0.9.2's, 64 x 27 = 1,728 parameters
    # of ERNIE-4.5-21B-A3B counted there too) an unconditional gate.e_score_correction_bias;
    # deepseek_v2.py only with topk_method "noaux_tc", minimax_m2.py with use_routing_bias.
    latent = r.int_("moe_latent_size", hi=MAX_WIDTH)
    router_bias = (
        model_type in ("gpt_oss", "nemotron_h", "mimo_v2_flash", "ernie4_5_moe")
        or r.str_("topk_method") == "noaux_tc"
        or bool(r.flag("use_routing_bias"))
    )
    return MoeMlp(
        num_experts=experts,
        experts_per_token=top_k,
        expert_intermediate_size=size,
        num_shared_experts=1 if n_shared and shared_size else 0,
        shared_intermediate_size=shared_size or 0,
        shared_expert_gate=bool(shared_size) and model_type.startswith(("qwen2_moe", "qwen3")),
        gated=_gated(r, model_type),
        bias=model_type == "gpt_oss",
        router_bias=router_bias,
        renormalize=_renormalize(r, model_type),
        latent_size=latent,
        # NOTE: nemotron_h.py NemotronHMoE's fc1/fc2_latent_proj take bias=config.mlp_bias
        # (0.14.0-0.34.0 wheels)
        latent_bias=bool(latent) and bool(r.flag("mlp_bias")),
        router_scales=model_type.startswith("gemma4"),
        # NOTE: float32 routers, whatever the checkpoint's dtype: minimax_m2.py MiniMaxM2MoE
        # builds its gate with params_dtype=torch.float32 and e_score_correction_bias in
        # float32 (ERNIE 4.5 MoE too, from 0.11.1: weight_load.gate_fp32); mimo_v2_flash.py
        # (0.19.0) / mimo_v2.py (0.24.0, 0.34.0) MiMoV2MoE in getattr(config,
        # "moe_router_dtype", "float32") (0.19.0, 0.24.0, 0.34.0 wheels).
        router_fp32=model_type == "minimax_m2" or (
            model_type == "mimo_v2_flash" and r.str_("moe_router_dtype") in (None, "float32")),
    )


def _hunyuan_moe(r: _Reader, model_type: str, i: int) -> MoeMlp:
    """HunYuan's MoE block of layer i (HUNYUAN_TYPES' NOTE: hunyuan_v1.py
    HunYuanSparseMoeBlock, 0.28.0 wheel): moe_topk, moe_intermediate_size and num_shared_expert
    per layer (_layer_int); the shared_mlp where `use_mixed_mlp_moe > 0`."""
    # num_experts_per_tok: transformers HunYuanMoEV1Config's attribute_map name for moe_topk
    top_k_keys = ("moe_topk", "num_experts_per_tok")
    experts = r.int_("num_experts", hi=MAX_EXPERTS)
    top_k = _layer_int(r, top_k_keys, i, hi=MAX_EXPERTS)
    experts = _routing(r, i, ("num_experts",), experts, top_k_keys, top_k)
    dense = _need(r, "intermediate_size", MAX_WIDTH)
    size = _layer_int(r, ("moe_intermediate_size",), i) or dense
    r.record_layer("expert width", size, r.key("moe_intermediate_size") or "intermediate_size",
                   i, "mlp")
    mixed = r.get("use_mixed_mlp_moe")
    if mixed is not None and not isinstance(mixed, int):  # a bool is an int
        raise ConfigError(f"{r.where('use_mixed_mlp_moe')} must be true, false or an integer "
                          f"(vLLM compares it with 0), got {mixed!r}")
    mixed = mixed is not None and mixed > 0
    shared = _layer_int(r, ("num_shared_expert",), i, lo=0, hi=MAX_EXPERTS) if mixed else 0
    if mixed and shared is None:
        shared = 1
        note = (f"{r.prefix}num_shared_expert missing: a shared MLP of intermediate_size "
                "planned, as vLLM's Transformers backend (0.29 on) builds it; hunyuan_v1.py "
                "(0.10-0.28) reads config.num_shared_expert and stops without it")
        if note not in r.notes.assumptions:
            r.notes.assumptions.append(note)
    if shared:
        r.record_layer("shared MLP width", dense * shared, "num_shared_expert", i, "mlp",
                       "intermediate_size x num_shared_expert")
    return MoeMlp(num_experts=experts, experts_per_token=top_k, expert_intermediate_size=size,
                  num_shared_experts=1 if shared else 0, shared_intermediate_size=dense * shared,
                  gated=_gated(r, model_type), renormalize=top_k > 1)


def _arctic_moe(r: _Reader, i: int) -> MoeMlp:
    """Arctic's MoE layer i (vLLM arctic.py, 0.28.0 wheel): ArcticMoE's num_local_experts
    experts of intermediate_size (ws / w2s), num_experts_per_tok of them a token with
    `renormalize=top_k > 1`, a gate of hidden x experts without bias; and where
    config.use_residual, ArcticDecoderLayer's residual_mlp, an ArcticMLP of hidden_size
    (`ffn_dim = hidden_size`, w13 / w2 without bias, SiLU-and-mul) every token runs beside the
    experts: planned as a shared expert of that width (its residual_layernorm in _layers)."""
    experts = r.int_("num_local_experts", hi=MAX_EXPERTS)
    top_k = r.int_("num_experts_per_tok", hi=MAX_EXPERTS)
    experts = _routing(r, i, ("num_local_experts",), experts, ("num_experts_per_tok",), top_k)
    size = _need(r, "intermediate_size", MAX_WIDTH)
    r.record_layer("expert width", size, "intermediate_size", i, "mlp")
    residual = _arctic_residual(r)
    hidden = r.int_("hidden_size") or 0
    if residual:
        r.record_layer("residual MLP width", hidden, "hidden_size", i, "mlp",
                       "use_residual: ArcticMLP of hidden_size")
    return MoeMlp(num_experts=experts, experts_per_token=top_k, expert_intermediate_size=size,
                  num_shared_experts=1 if residual else 0,
                  shared_intermediate_size=hidden if residual else 0, renormalize=top_k > 1)


def _arctic_residual(r: _Reader) -> bool:
    """config.use_residual; False where left out, noted: ArcticDecoderLayer reads it
    unguarded, and vLLM's ArcticConfig (0.26.0 on) has no default, so vLLM stops there."""
    flag = r.flag("use_residual")
    if flag is None:
        note = (f"{r.prefix}use_residual missing: no residual MLP planned; vLLM's "
                "ArcticDecoderLayer reads config.use_residual (AttributeError from 0.26.0, "
                "whose ArcticConfig has no such field)")
        if note not in r.notes.assumptions:
            r.notes.assumptions.append(note)
    return bool(flag)


def _renormalize(r: _Reader, model_type: str) -> bool:
    """Whether vLLM's FusedMoE for this model renormalizes the top-k weights: mixtral.py passes
    renormalize=True; qwen2_moe.py, qwen3_moe.py (qwen3_vl_moe.py builds its block) and most
    others config.norm_topk_prob (the transformers class default where the key is left out);
    qwen3_next.py (Qwen3.5's block too) getattr(config, "norm_topk_prob", True) (0.24.0 and
    0.34.0 wheels)."""
    if model_type in ("mixtral", "ernie4_5_moe", *GRANITE_SHARED_TYPES):
        # ernie45_moe.py; granitemoe.py GraniteMoeMoE (the shared types' experts):
        # renormalize=True
        return True
    flag = r.flag("norm_topk_prob")
    if flag is None:
        return model_type.startswith(("qwen3_next", "qwen3_5"))
    return flag


def _mamba(r: _Reader) -> MambaMixer:
    """A Mamba2 layer. NOTE: nemotron_h.py NemotronHMambaDecoderLayer passes
    use_conv_bias=config.use_conv_bias and use_bias=config.use_bias to MambaMixer2, whose
    conv1d takes the first and in_proj / out_proj the second (layers/mamba/mamba_mixer2.py,
    0.9.1, 0.19.0, 0.33.0 and 0.34.0 wheels); transformers 5.24.0 NemotronHConfig defaults
    `use_conv_bias: bool = True`, `use_bias: bool = False`."""
    ssm_dtype = r.get("mamba_ssm_cache_dtype", "mamba_ssm_dtype")
    return MambaMixer(
        num_heads=_need(r, "mamba_num_heads", MAX_HEADS),
        head_dim=_need(r, "mamba_head_dim", MAX_WIDTH),
        state_size=_need(r, "ssm_state_size", MAX_WIDTH),
        n_groups=r.int_("n_groups", hi=MAX_HEADS) or 1,
        conv_kernel=r.int_("conv_kernel", hi=1024) or 4,
        state_dtype=ssm_dtype if ssm_dtype in ("bfloat16", "float16", "float32") else None,
        conv_bias=r.flag("use_conv_bias") is not False,
        proj_bias=bool(r.flag("use_bias")),
    )


GRANITE_HYBRID_LAYER_KINDS = {"mamba": "mamba", "linear_attention": "mamba",
                              "attention": "full", "full_attention": "full"}
"""NOTE: the layer_types vLLM granitemoehybrid.py builds (ALL_DECODER_LAYER_TYPES, indexed by
config.layer_types[i]): GraniteMoeHybridMambaDecoderLayer for "mamba" and
GraniteMoeHybridAttentionDecoderLayer for "attention" (0.9.1-0.31.0 wheels), "linear_attention"
and "full_attention" too from 0.28.0, and only those two from 0.32.0 (0.32.0-0.34.0), where
transformers 5 renames the legacy names as it loads the config (5.24.0 configuration_utils.py
_LEGACY_LAYER_TYPE_REMAP: "mamba" -> "linear_attention", "attention" -> "full_attention");
transformers 4.56.0 GraniteMoeHybridConfig refuses any but "mamba" and "attention". Any other
name is a KeyError in vLLM."""


def _granite_hybrid_layers(r: _Reader, hidden: int, n: int) -> list[LayerSpec]:
    """Granite 4.0 hybrids (GraniteMoeHybridForCausalLM): each layer Mamba2 or attention by
    layer_types, then routed experts and / or a shared MLP.

    NOTE: vLLM granitemoehybrid.py (0.9.2, 0.10.0-0.34.0 wheels read; Headroom plans Mamba
    models from 0.11.0 only, v1_oracle; 0.9.1's class is SupportsV0Only, with replicated
    attention projections and GraniteMoeMoE on every layer): both layer classes build
    input_layernorm and post_attention_layernorm, `block_sparse_moe = GraniteMoeMoE(
    num_local_experts, num_experts_per_tok, intermediate_size)` where `getattr(config,
    "num_local_experts", 0) > 0` and `shared_mlp = GraniteMoeSharedMLP` (granitemoeshared.py:
    gated input_linear hidden -> 2 x shared_intermediate_size, output_linear back, no biases,
    SiLU only) unless `getattr(config, "shared_intermediate_size", 0) == 0`; with neither the
    layer has no MLP. A key left out takes transformers' GraniteMoeHybridConfig default (5.24.0:
    8 experts, 2 a token, shared_intermediate_size 1024), since vLLM reads the loaded config.
    layer_types left out: transformers 5.24.0 __post_init__ writes "linear_attention" for every
    layer (all Mamba); 4.56.0 keeps None, where vLLM's `config.layer_types[layer_idx]` stops
    (TypeError)."""
    r.used.update(("intermediate_size", "mamba_chunk_size", "position_embedding_type"))
    layer_types = r.get("layer_types")
    if layer_types is None:
        kinds = ["mamba"] * n
        r.record("layer pattern", f"{n} mamba", None,
                 "layer_types missing: transformers GraniteMoeHybridConfig's default")
        r.notes.assumptions.append(
            f"{r.prefix}layer_types missing: every layer planned as Mamba2, as transformers 5 "
            "GraniteMoeHybridConfig writes it (\"linear_attention\" each); under transformers 4 "
            "vLLM stops on it (granitemoehybrid.py indexes config.layer_types)")
    else:
        kinds = _from_layer_types(r, layer_types, n, "granitemoehybrid")
    attn = _Attention(r, "granitemoehybrid", hidden)
    mamba = _granite_mamba(r, hidden) if "mamba" in kinds else None
    experts = _granite_size(r, "num_local_experts", MAX_EXPERTS)
    shared = _granite_size(r, "shared_intermediate_size", MAX_WIDTH)
    if not experts:
        r.notes.assumptions.append(
            f"{r.prefix}num_local_experts = 0: no routed experts; "
            + (f"every layer's MLP is the shared MLP ({shared} wide)" if shared else
               "shared_intermediate_size = 0 too: no layer has an MLP")
            + ", as vLLM builds it (granitemoehybrid.py: block_sparse_moe only where "
            "num_local_experts > 0)")
    layers = []
    for i, kind in enumerate(kinds):
        mixer = mamba if kind == "mamba" else attn.mixer("full", i)
        if experts:
            mlp: MoeMlp | DenseMlp | None = attn.moe_mlp(i)
        elif shared:
            mlp = DenseMlp(intermediate_size=shared)
            r.record_layer("MLP width", shared, r.key("shared_intermediate_size"), i, "mlp",
                           "" if r.key("shared_intermediate_size") else
                           _class_default_note(r, ("shared_intermediate_size",)))
        else:
            mlp = None
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=2))
    return layers


def _granite_size(r: _Reader, key: str, hi: int) -> int:
    """A GraniteMoeHybrid count that may be 0 (the class default where left out); a null is
    refused: vLLM compares it with 0 (`getattr(config, key, 0) > 0` / `== 0`) or sizes a
    layer by it, and stops."""
    if r.null(key):
        raise ConfigError(f"{r.where(key)} is null: vLLM's granitemoehybrid.py compares it "
                          "with 0 and builds the layer's MLPs from it; give an integer (0: none)")
    return r.int_(key, lo=0, hi=hi) or 0


def _granite_mamba(r: _Reader, hidden: int) -> MambaMixer:
    """GraniteMoeHybrid's Mamba2 mixer, as granitemoehybrid.py builds MambaMixer2.

    NOTE: GraniteMoeHybridMambaDecoderLayer (0.9.2-0.34.0 wheels): MambaMixer2(
    ssm_state_size=mamba_d_state, conv_kernel_size=mamba_d_conv, intermediate_size=mamba_expand
    x hidden_size, use_conv_bias=mamba_conv_bias, use_bias=mamba_proj_bias,
    n_groups=mamba_n_groups, num_heads=mamba_n_heads, head_dim=mamba_d_head); its state in the
    model dtype unless --mamba-ssm-cache-dtype says otherwise (get_mamba_state_dtype_from_config:
    cache_config's, no config key). mamba_d_head "auto" (transformers 4.56.0 and 5.24.0
    GraniteMoeHybridConfig's default) is mamba_expand x hidden_size / mamba_n_heads, and both
    classes refuse a config whose mamba_d_head x mamba_n_heads is not mamba_expand x
    hidden_size ("The dimensions for the Mamba head state do not match the model
    intermediate_size")."""
    heads = _need(r, "mamba_n_heads", MAX_HEADS)
    expand = _need(r, "mamba_expand", 1024)
    inner = expand * hidden
    if inner % heads:
        raise ConfigError(f"{r.where('mamba_n_heads')} = {heads} does not divide "
                          f"mamba_expand x hidden_size = {inner}: transformers refuses it "
                          "(mamba_n_heads must divide mamba_expand * hidden_size)")
    raw = r.get("mamba_d_head")
    head_dim = inner // heads if raw is None or raw == "auto" else _need(
        r, "mamba_d_head", MAX_WIDTH)
    if head_dim * heads != inner:
        raise ConfigError(f"{r.where('mamba_d_head')} = {head_dim} x mamba_n_heads = {heads} "
                          f"is not mamba_expand x hidden_size = {inner}: transformers refuses "
                          "it (the dimensions for the Mamba head state do not match the "
                          "model intermediate_size)")
    return MambaMixer(
        num_heads=heads,
        head_dim=head_dim,
        state_size=_need(r, "mamba_d_state", MAX_WIDTH),
        n_groups=r.int_("mamba_n_groups", hi=MAX_HEADS) or 1,
        conv_kernel=r.int_("mamba_d_conv", hi=1024) or 4,
        conv_bias=r.flag("mamba_conv_bias") is not False,
        proj_bias=bool(r.flag("mamba_proj_bias")),
    )


def _pattern_layers(
    r: _Reader, model_type: str, hidden: int, n: int, pattern: object
) -> list[LayerSpec]:
    """Nemotron-H: one block per character (M Mamba2, * attention, - MLP, E MoE)."""
    if not isinstance(pattern, str):
        raise ConfigError(f"{r.where('hybrid_override_pattern')} must be a string")
    _check_len(r, "hybrid_override_pattern", pattern, n)
    r.record("layer pattern", pattern, "hybrid_override_pattern")
    attn = _Attention(r, model_type, hidden)
    layers = []
    for i, ch in enumerate(pattern):
        if ch == "M":
            mixer, mlp = _mamba(r), None
        elif ch == "*":
            mixer, mlp = attn.mixer("full", i), None
        elif ch == "-":
            mixer, mlp = None, attn.dense_mlp(i, moe_model=False)
        elif ch == "E":
            mixer, mlp = None, attn.moe_mlp(i)
        else:
            raise ConfigError(
                f"{r.where('hybrid_override_pattern')}[{i}] = {ch!r} is not one of M * - E"
            )
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=1))
    return layers


def _nas_layers(r: _Reader, hidden: int, n: int) -> list[LayerSpec]:
    """Nemotron-NAS (DeciLM) block_configs: per-layer GQA groups, FFN width, no-op blocks."""
    blocks = r.get("block_configs")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise ConfigError(f"{r.where('block_configs')} must be a list of objects")
    _check_len(r, "block_configs", blocks, n)
    attn = _Attention(r, "nemotron-nas", hidden)
    layers = []
    for i, block in enumerate(blocks):
        where = f"{r.where('block_configs')}[{i}]"
        a, f = block.get("attention") or {}, block.get("ffn") or {}
        if not isinstance(a, dict) or not isinstance(f, dict):
            raise ConfigError(f"{where} attention/ffn must be objects")
        mixer = mlp = None
        if a.get("replace_with_linear") or f.get("replace_with_linear"):
            r.notes.warnings.append(f"{where}: replace_with_linear blocks are not modelled")
        if not a.get("no_op") and not a.get("replace_with_linear"):
            group = _as_int(a.get("n_heads_in_group"), f"{where}.attention.n_heads_in_group",
                            1, MAX_HEADS)  # fmt: skip
            mixer = attn.mixer("full", i, kv_heads=attn.heads // group)
        if not f.get("no_op") and not f.get("replace_with_linear"):
            mult = f.get("ffn_mult")
            if isinstance(mult, bool) or not isinstance(mult, int | float) or not 0 < mult < 1e3:
                raise ConfigError(f"{where}.ffn.ffn_mult must be a positive number")
            # NOTE: DeciLM _ffn_mult_to_intermediate_size: int(2 * mult * hidden / 3) rounded
            # up to a multiple of 256; mult 2.625, hidden 8192 -> 14336 -> 14336.
            width = 256 * math.ceil(int(2 * mult * hidden / 3) / 256)
            mlp = DenseMlp(intermediate_size=width, bias=_mlp_bias(r, "nemotron-nas"))
            r.record_layer("MLP width", width, None, i, "mlp",
                           "block_configs[].ffn.ffn_mult (DeciLM rounding)")  # fmt: skip
        num_norms = (mixer is not None) + (mlp is not None)
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=num_norms))
    r.record("layer pattern", "block_configs (per-layer)", "block_configs")
    return layers


def _check_groups(heads: int, kv: int, heads_key: str, kv_key: str) -> None:
    """Grouped-query attention shares each KV head with an equal group of query heads.

    NOTE (vLLM Attention.__init__, model_executor/layers/attention): `assert num_heads %
    num_kv_heads == 0, "num_heads (...) is not divisible by num_kv_heads (...)"`; more KV
    heads than query heads cannot divide them either. Llama-3.1-8B: 32 / 8 = 4 per group.
    """
    if kv > heads:
        raise ConfigError(f"config.json: {kv_key} = {kv} is more than {heads_key} = {heads}: "
                          "a model cannot have more KV heads than query heads")
    if heads % kv:
        raise ConfigError(f"config.json: {heads_key} = {heads} is not divisible by {kv_key} = "
                          f"{kv}: each KV head serves an equal group of query heads (vLLM "
                          "refuses this)")


# --- context, MTP, quantization, vision ---------------------------------------------------


def _rope(r: _Reader, top: _Reader, max_pos: int) -> dict:
    """rope_scaling / rope_parameters: type, factor, and the context a YaRN factor gives.

    A factor that stretches the context past MAX_CONTEXT is refused. NOTE (vLLM
    model_executor/layers/rotary_embedding, get_rope): linear and YaRN scaling precompute a
    cos/sin cache of (max_position or original_max_position_embeddings) x factor rows, so
    YaRN factor 1e6 on Llama-3.1's 8,192 would be 8.2e9 rows (about 2 TB in bf16 at
    rotary_dim 128); real factors are 4-64 (Qwen3 4 x 32,768, DeepSeek-V3 40 x 4,096).
    Neither vLLM nor transformers caps the factor (transformers only warns below 1)."""
    for reader in (r, top):
        k = reader.key("rope_scaling", "rope_parameters")
        if k is None:
            continue
        block = reader.cfg[k]
        if not isinstance(block, dict):
            raise ConfigError(f"{reader.where(k)} must be an object")
        rtype = block.get("rope_type", block.get("type"))
        factor = block.get("factor")
        if rtype is None or rtype == "default" or factor is None:
            return {}
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor > 0:
            raise ConfigError(f"{reader.where(k)}.factor must be a positive number")
        out: dict = {"type": str(rtype), "factor": float(factor)}
        orig = block.get("original_max_position_embeddings")
        if orig is not None:
            out["original"] = _as_int(orig, f"{reader.where(k)}.original_max_position_embeddings",
                                      1, MAX_CONTEXT)  # fmt: skip
        base = out.get("original", max_pos) if rtype == "yarn" else max_pos
        if factor * base > MAX_CONTEXT:
            raise ConfigError(
                f"{reader.where(k)}.factor = {factor:g} stretches the context to "
                f"{factor * base:,.0f} tokens ({factor:g} x {base:,}), over the "
                f"{MAX_CONTEXT:,}-token limit of any real model: not a usable rope scaling"
            )
        if rtype == "yarn" and "original" in out:
            # NOTE: YaRN stretches the trained context by `factor`: DeepSeek-V3 40 x 4096 =
            # 163,840 tokens; gpt-oss 32 x 4096 = 131,072 (rope_scaling block of config.json).
            out["extended"] = int(factor * out["original"])
            out["formula"] = f"{factor:g} x {out['original']} ({k}: yarn)"
        return out
    return {}


VLLM_LENGTH_KEYS = (
    "max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "model_max_length",
    "max_target_positions", "max_sequence_length", "max_seq_length", "seq_len",
)
"""NOTE: the keys vLLM reads for a model's length, in its order: possible_keys of
config/model.py _get_and_verify_max_len (0.9.1-0.13.0 wheels) and of
transformers_utils/model_arch_config_convertor.py derive_max_model_len_and_key (0.14.0-0.34.0
wheels: the same nine keys, read from hf_text_config in every release)."""

_LAYER_TYPE_KEYS = frozenset((
    "full_attention", "sliding_attention", "chunked_attention", "linear_attention", "conv",
    "mamba", "attention", "sparse", "dense", "hybrid", "moe", "main", "compress",
))
"""NOTE: a rope_parameters object whose keys are all layer types is nested, one block per
type: transformers 5.5.3 configuration_utils.ALLOWED_LAYER_TYPES, plus DeepSeek-V4's "main" and
"compress" (vLLM 0.33.0 and 0.34.0 transformers_utils/config.py is_rope_parameters_nested)."""

_CLASS_ORIGINAL_MAX_POSITION = {"phi3": 4096}
"""NOTE: transformers' Phi3Config sets original_max_position_embeddings = 4096 when config.json
leaves it out (4.57.1 and 5.5.3 models/phi3/configuration_phi3.py); vLLM reads it with getattr
on the loaded config (planner.serving.engine._vllm_window)."""


def _length(value: object) -> int | None:
    """A whole number of tokens in [1, MAX_CONTEXT], or None: a length vLLM could not use, or
    one past MAX_CONTEXT (no real model's; vLLM would take it), is left out."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        return None
    return int(value) if 1 <= value <= MAX_CONTEXT else None


def _nested(block: dict) -> bool:
    """Whether a rope_parameters object holds one block per layer type (_LAYER_TYPE_KEYS)."""
    return bool(block) and set(block) <= _LAYER_TYPE_KEYS


VLLM_ROPE_TYPES = frozenset((
    "default", "proportional", "llama3", "mllama4", "linear", "ntk", "dynamic", "xdrope", "yarn",
    "deepseek_yarn", "deepseek_llama_scaling", "longrope", "openpangu", "bailing_mrope",
))
"""NOTE: the rope types vLLM's get_rope builds (model_executor/layers/rotary_embedding/
__init__.py, 0.19.0 and 0.30.0 wheels, their union); any other raises `ValueError(f"Unknown
RoPE scaling type {scaling_type}")` when the model is built, after config/model.py has already
multiplied the context by its factor (Llama-3.1-8B with rope_type "x": 8 x 131,072)."""


def _rope_blocks(block: dict, where: str = "rope_scaling") -> tuple[RopeBlock, ...]:
    """The rope blocks of one rope_scaling / rope_parameters object, with vLLM's renames; a
    rope type that is not a string, or that vLLM's get_rope does not know, is refused.

    NOTE: vLLM transformers_utils/config.py patch_rope_scaling_dict (0.9.1-0.11.1),
    patch_rope_parameters_dict (0.12.0-0.20.0), patch_legacy_rope_type (0.21.0-0.34.0): a
    legacy `type` becomes `rope_type`, "su" becomes "longrope", "mrope" becomes "default"."""
    out = []
    nested = _nested(block)
    for name, one in (block.items() if nested else ((None, block),)):
        if not isinstance(one, dict) or not one:
            continue
        key = "rope_type" if "rope_type" in one else "type"
        kind = one.get(key, "default")
        at = f"{where}.{name}.{key}" if nested else f"{where}.{key}"
        if not isinstance(kind, str):
            raise ConfigError(f"config.json: {at} must be a string, got {kind!r}")
        kind = {"su": "longrope", "mrope": "default"}.get(kind, kind)
        if kind not in VLLM_ROPE_TYPES:
            raise ConfigError(f"config.json: {at} = {kind!r}: vLLM stops on \"Unknown RoPE "
                              f"scaling type {kind}\" when it builds the rotary embedding "
                              "(get_rope, model_executor/layers/rotary_embedding)")
        factor = one.get("factor")
        factor = (float(factor) if isinstance(factor, int | float) and not isinstance(
            factor, bool) and math.isfinite(factor) and factor > 0 else None)
        out.append(RopeBlock(rope_type=kind, factor=factor, original_max_position_embeddings=(
            _length(one.get("original_max_position_embeddings")))))
    return tuple(out)


def _window_inputs(r: _Reader, top: _Reader, max_pos: int, model_type: str) -> WindowInputs:
    """The fields vLLM's derived max_model_len reads (planner.serving.engine._vllm_window).

    The length keys come from the text config (vLLM reads hf_text_config); a config.json
    without max_position_embeddings (or its n_positions / max_sequence_length aliases) counts
    the transformers class default where defaults.py knows one, and otherwise none, as vLLM
    sees no attribute then; one written out as null counts none (vLLM's
    _get_and_verify_max_len skips a length that is None, config/model.py, 0.11.0 wheel)."""
    text_type = _text_type(r, model_type)
    lengths = {k: v for k in VLLM_LENGTH_KEYS if (v := _length(r.get(k))) is not None}
    if "max_position_embeddings" not in lengths and not r.null(
            "max_position_embeddings", "n_positions", "max_sequence_length") and (
            set(lengths) & {"n_positions", "max_sequence_length"}
            or r.defaults and "max_position_embeddings" in r.defaults.values):
        lengths["max_position_embeddings"] = max_pos
    block: dict = {}
    where = "rope_scaling"
    for reader in (r, top):
        k = reader.key("rope_scaling", "rope_parameters")
        if k is not None and isinstance(reader.cfg[k], dict):
            block, where = reader.cfg[k], reader.prefix + k
            break
    original = _length(r.get("original_max_position_embeddings"))
    least = lengths.get("model_max_length") or min(lengths.values(), default=2048)
    ropes = _rope_blocks(block, where)
    flat = r.get("rope_parameters")
    for rope in ropes:
        base = (rope.original_max_position_embeddings or least) if rope.rope_type == "yarn" \
            else least
        if rope.factor and rope.factor * base > MAX_CONTEXT:
            raise ConfigError(
                f"config.json: a {rope.rope_type} rope factor of {rope.factor:g} stretches the "
                f"context to {rope.factor * base:,.0f} tokens ({rope.factor:g} x {base:,}), "
                f"over the {MAX_CONTEXT:,}-token limit of any real model: not a usable rope "
                "scaling")
    return WindowInputs(
        lengths=tuple((k, lengths[k]) for k in VLLM_LENGTH_KEYS if k in lengths),
        ropes=ropes,
        ropes_nested=_nested(block),
        ropes_parameters_only=bool(ropes) and where.endswith("rope_parameters"),
        rope_theta_top_level=r.key("rope_theta", "rotary_emb_base") is not None,
        rope_parameters_theta=isinstance(flat, dict) and not _nested(flat)
        and flat.get("rope_theta") is not None,
        original_max_position_embeddings=original or _CLASS_ORIGINAL_MAX_POSITION.get(
            text_type),
        text_model_type=text_type,
    )


def _tokenizer_length(tokenizer_config: dict) -> int | None:
    """tokenizer_config.json's model_max_length where it is a usable length.

    NOTE: transformers writes int(1e30) (VERY_LARGE_INTEGER) for a tokenizer without a limit;
    a value past MAX_CONTEXT is no limit to any real model, so it is left out (_length)."""
    return _length(tokenizer_config.get("model_max_length"))


def _compressed_attention(r: _Reader, model_type: str, num_layers: int, notes: _Notes
                          ) -> CompressedAttention | None:
    """DeepSeek-V4's compressed attention fields (its KV cache layout), None for others.

    NOTE: vLLM models/deepseek_v4 (0.22.0 wheel): layer i compresses by compress_ratios[i]
    (0 and 1: the 128-token window only; 4: compressed cache + Lightning indexer; 128);
    compress_ratios has one more entry than num_hidden_layers (the MTP layer's)."""
    if model_type != "deepseek_v4":
        return None
    ratios = r.int_list("compress_ratios", hi=1 << 16)
    window = r.int_("sliding_window", hi=MAX_CONTEXT)
    head_dim = r.int_("head_dim", hi=MAX_WIDTH)
    index_dim = r.int_("index_head_dim", hi=MAX_WIDTH)
    shapes = {field: r.int_(key, lo=0 if field == "num_hash_layers" else 1, hi=MAX_WIDTH)
              for field, key in _DSV4_SHAPE_KEYS.items()}
    missing = [key for field, key in _DSV4_SHAPE_KEYS.items() if shapes[field] is None]
    if not ratios or len(ratios) < num_layers or None in (window, head_dim, index_dim) or (
            missing):
        raise ConfigError("config.json: deepseek_v4 needs compress_ratios (one per layer), "
                          "sliding_window, head_dim, index_head_dim and "
                          + ", ".join(_DSV4_SHAPE_KEYS.values()))
    notes.warnings.append(DSV4_WARNING)
    notes.unmodelled.append("DeepSeek-V4 CUDA graph memory")
    return CompressedAttention(compress_ratios=tuple(ratios[:num_layers]),
                               sliding_window=window, head_dim=head_dim,
                               index_head_dim=index_dim, **shapes)


DSV4_WARNING = (
    "deepseek_v4: parameters, weights, buffers, profile-run activation and KV cache are "
    "modelled from vLLM 0.22's source, but its CUDA graph memory is not (the per-graph cost "
    "is fitted on standard decoders, only the indexer's dummy logits of the first capture are "
    "read from the source; an independent DeepSeek-V4-Flash start-up, vLLM issue #50576, "
    "estimates 49 MiB a graph, about six times the fit), and the one logged start-up (2x "
    "GH200, vLLM issue #44376) has 4.0 GiB less KV pool than planned: read the pool as an "
    "upper bound")


_DSV4_SHAPE_KEYS = {
    "num_heads": "num_attention_heads", "q_lora_rank": "q_lora_rank",
    "o_lora_rank": "o_lora_rank", "o_groups": "o_groups", "rope_head_dim": "qk_rope_head_dim",
    "index_n_heads": "index_n_heads", "index_topk": "index_topk", "hc_mult": "hc_mult",
    "num_hash_layers": "num_hash_layers",
}  # fmt: skip
"""CompressedAttention field -> config.json key of DeepSeek-V4's weight shapes."""


def _mtp_layers(r: _Reader) -> int:
    k = r.key("num_nextn_predict_layers", "mtp_num_hidden_layers", "num_mtp_modules")
    if k is None:
        return 0
    value = _as_int(r.cfg[k], r.where(k), 0, 64)
    if k == "num_mtp_modules" and r.flag("use_mtp") is False:
        return 0
    return value


def _mimo_v2_mtp_layer(r: _Reader, layers: list[LayerSpec]) -> LayerSpec | None:
    """MiMo-V2-Flash's MTP draft layer: the sliding layers' attention and a dense MLP of
    intermediate_size.

    NOTE: vLLM model_executor/models/mimo_v2_mtp.py (0.21.0-0.34.0 wheels):
    _MIMO_V2_FLASH_NUM_MTP_LAYERS = 1 ("vLLM currently supports only the first MiMo-V2 MTP
    layer"); MiMoV2MTPLayer builds MiMoV2Attention from swa_num_attention_heads,
    swa_num_key_value_heads, swa_head_dim, swa_v_head_dim, sliding_window_size,
    add_swa_attention_sink_bias and swa_rope_theta ("MTP uses the SWA attention
    configuration"), and MiMoV2MLP(intermediate_size), dense (gate_up + down).
    """
    sliding = next((lay.mixer for lay in layers if getattr(lay.mixer, "kind", None)
                    == "sliding"), None)
    size = r.int_("intermediate_size", hi=MAX_WIDTH)
    if sliding is None or size is None:
        return None
    return LayerSpec(index=len(layers), mixer=sliding, mlp=DenseMlp(intermediate_size=size),
                     num_norms=2)


def _nemotron_h_mtp_layer(r: _Reader, layers: list[LayerSpec]) -> LayerSpec | None:
    """Nemotron-H's MTP step from mtp_hybrid_override_pattern "*E": one attention layer and
    one MoE layer, held as one layer (the model's attention mixer and MoE block, 2 norms);
    other patterns keep the last-layer copy.

    NOTE: vLLM nemotron_h_mtp.py NemotronHMultiTokenPredictor (0.17.0-0.34.0 wheels): one
    physical layer per pattern character, "*" NemotronHMTPAttentionDecoderLayer, "E"
    NemotronHMTPMoEDecoderLayer (others: NotImplementedError); the first holds enorm, hnorm
    and eh_proj, the last the final norm.
    """
    if r.get("mtp_hybrid_override_pattern") != "*E":
        return None
    mixer = next((lay.mixer for lay in layers if isinstance(lay.mixer, AttentionMixer)), None)
    mlp = next((lay.mlp for lay in layers if isinstance(lay.mlp, MoeMlp)), None)
    if mixer is None or mlp is None:
        return None
    return LayerSpec(index=len(layers), mixer=mixer, mlp=mlp, num_norms=2)


GEMMA4_PLE_DEFAULTS = {"hidden_size_per_layer_input": 256, "vocab_size_per_layer_input": 262144}
"""transformers 5.24 configuration_gemma4.py Gemma4TextConfig class defaults: a gemma4 config
without these keys builds per-layer embeddings of this width (vLLM gemma4.py reads the same
attributes from the HF config object)."""


def _per_layer_inputs_and_kv_sharing(
    r: _Reader, model_type: str, layers: list[LayerSpec], notes: _Notes
) -> tuple[list[LayerSpec], int, int]:
    """Gemma 4's per-layer embeddings (PLE) and KV-shared layers: (layers, PLE width, PLE rows).

    hidden_size_per_layer_input > 0 adds embed_tokens_per_layer, per_layer_model_projection
    and, in every layer, per_layer_input_gate / per_layer_projection (counted from the
    returned width and rows, planner.model.params). num_kv_shared_layers = k makes the last k
    layers read the KV of the last earlier layer of their kind: they hold q_proj, o_proj and
    q_norm only, and use_double_wide_mlp doubles their MLP (vLLM 0.33.0 and 0.34.0 gemma4.py
    Gemma4Attention / Gemma4DecoderLayer; transformers 5.24 modeling_gemma4.py) and have no
    KV cache of their own (planner.model.attention.model_kv_layers). Zero (Gemma-4 26B-A4B,
    31B) changes nothing. Other model types with these keys (Gemma-3n) are flagged, not
    modelled.
    """
    gemma4 = model_type.startswith("gemma4")
    values = {}
    for key in ("hidden_size_per_layer_input", "vocab_size_per_layer_input"):
        values[key] = r.int_(key, lo=0, hi=MAX_VOCAB)
        if values[key] is None and gemma4:
            values[key] = GEMMA4_PLE_DEFAULTS[key]
            notes.assumptions.append(f"{r.prefix}{key} missing: assumed {values[key]} "
                                     "(transformers Gemma4TextConfig default)")
    width, rows = values["hidden_size_per_layer_input"], values["vocab_size_per_layer_input"]
    shared = r.int_("num_kv_shared_layers", lo=0, hi=MAX_LAYERS) or 0
    double_wide = bool(r.flag("use_double_wide_mlp"))
    if not gemma4:
        for key, value, part in ((r.prefix + "hidden_size_per_layer_input", width,
                                  "per-layer embeddings"),
                                 (r.prefix + "num_kv_shared_layers", shared, "KV sharing")):
            if value:
                notes.warnings.append(f"{model_type}: {key} = {value}: {part} not counted")
                notes.unmodelled.append(f"{part} ({key})")
        return layers, 0, 0
    if width:
        r.record("per-layer embedding width", width, "hidden_size_per_layer_input")
        r.record("per-layer embedding rows", rows, r.key("vocab_size_per_layer_input"),
                 "" if r.key("vocab_size_per_layer_input") else "Gemma4TextConfig default")
    rows = rows if width else 0
    if not shared:
        return layers, width, rows
    first = len(layers) - shared
    kinds = [getattr(layer.mixer, "kind", None) for layer in layers]
    out = list(layers[:first])
    for layer in layers[first:]:
        earlier = [i for i in range(first) if kinds[i] == kinds[layer.index]]
        if not earlier or not isinstance(layer.mixer, AttentionMixer):
            raise ConfigError(
                f"config.json: {r.prefix}num_kv_shared_layers = {shared}: layer "
                f"{layer.index} has no earlier {kinds[layer.index]} attention layer to read "
                "its KV from (vLLM refuses this config)")
        mlp = layer.mlp
        if double_wide and isinstance(mlp, DenseMlp):
            mlp = mlp.model_copy(update={"intermediate_size": 2 * mlp.intermediate_size})
        out.append(layer.model_copy(update={
            "mixer": layer.mixer.model_copy(update={"kv_source": earlier[-1]}), "mlp": mlp}))
    targets = sorted({layer.kv_source for layer in out[first:]})
    r.record("KV-shared layers", f"{first}-{len(layers) - 1} (read layers "
             f"{', '.join(map(str, targets))})", "num_kv_shared_layers",
             "double-wide MLP" if double_wide else "")
    return out, width, rows


def _refused_nulls(r: _Reader, notes: _Notes) -> list[str]:
    """Warn where a field read is written out as null though its transformers class annotates
    it without None (ClassDefaults.not_null): transformers 5 refuses such a config.json, and
    vLLM 0.24.0 on require transformers 5.5.3 or later (wheel METADATA: 0.24.0
    `transformers>=5.5.3`; 0.20.0-0.23.0 `>=4.56.0` but not 5.0-5.5.0; 0.12.0 and 0.19.0
    `<5,>=4.56.0`); the plan reads the null as vLLM does under transformers 4, and refuses it
    from 0.24.0 (ModelSpec.refused_nulls, model_config.null_field_errors). Returns
    'head_dim (Qwen3Config)' for each."""
    if r.defaults is None:
        return []
    nulls = sorted(k for k in r.used & r.defaults.not_null if r.null(k))
    if nulls:
        notes.warnings.append(
            f"{', '.join(r.prefix + k for k in nulls)} null: transformers 5 refuses it "
            f"({r.defaults.class_name} annotates {'it' if len(nulls) == 1 else 'them'} without "
            "None; 5.24.0 raises StrictDataclassFieldValidationError), so vLLM 0.24.0 on, "
            "which require transformers 5.5.3 or later, cannot load this config (their plans "
            "are refused); earlier releases are planned as vLLM reads it with transformers 4 "
            "(0.20-0.23 also take transformers 5.5.1 on, which refuses it: pin "
            "transformers<5 there)")
    return [f"{r.prefix}{k} ({r.defaults.class_name})" for k in nulls]


def _leftover_keys(r: _Reader, model_type: str, notes: _Notes) -> None:
    """Warn about keys that look architectural and that nothing here read."""
    skip = {"text_config", "vision_config", "audio_config", "quantization_config",
            "block_configs"}  # fmt: skip
    left = sorted(
        k
        for k in r.cfg
        if k not in r.used
        and k not in skip
        and k not in _BENIGN_KEYS
        and "token" not in k
        and _ARCH_WORDS.search(k)
        and r.cfg[k] not in (None, 0, False, [], {})
    )
    if left:
        notes.warnings.append(
            f"{model_type}: keys not understood (ignored in the counts): "
            + ", ".join(r.prefix + k for k in left)
        )
        notes.unmodelled.extend(r.prefix + k for k in left)


def _quant(
    config: dict, text_cfg: dict | None, hf_quant: dict | None, notes: _Notes,
    expert_dtype: object, layers: list[LayerSpec], text_layers: str,
) -> tuple[QuantSpec | None, IncFormat | None, str | None]:  # fmt: skip
    """QuantSpec from quantization_config (top level or text_config) or hf_quant_config,
    with a separate routed-expert format (expert_dtype) where the config gives one and a GPTQ
    checkpoint's `dynamic` rules matched to `layers` (gptq_dynamic; `text_layers`: the text
    model's vLLM type, None for a wrapper's text_config); and an AutoRound block's format where
    it is planned as 16-bit weights (ModelSpec.inc_unplanned); and the quant_method where
    none is read (ModelSpec.unread_quant_method)."""
    qc = config.get("quantization_config")
    where = "quantization_config"
    if qc is not None:
        # NOTE: vLLM reads hf_quant_config.json only where config.json has no
        # quantization_config (transformers_utils/config.py, 0.13.0, 0.16.0, 0.21.0, 0.23.0,
        # 0.33.0, 0.34.0 wheels: "ModelOpt 0.29.0 and before saves the quantization config in
        # a separate hf_quant_config.json"; 0.9.1 reads none there), and resolves
        # --kv-cache-dtype auto from the one it read (utils/torch_utils.py
        # resolve_kv_cache_dtype_string: hf_config.quantization_config)
        hf_quant = None
    elif hf_quant is None and text_cfg:
        qc, where = text_cfg.get("quantization_config"), "text_config.quantization_config"
    quant = quant_spec(qc, where, hf_quant, notes.warnings, expert_dtype,
                       inc_gate_up_fused_last(config))
    quant = gptq_dynamic(quant, qc, layers, text_layers if not text_cfg else None, where,
                         notes.warnings)
    return quant, inc_unplanned(qc, quant, where), unread_method(qc, hf_quant, quant)


QUANTIZED_NAME_WORDS = frozenset(
    ("fp8", "fp4", "nvfp4", "mxfp4", "awq", "gptq", "int4", "int8", "w4a16", "w8a16", "w8a8",
     "w4a8", "4bit", "8bit", "bnb")
)  # fmt: skip
"""Words of a repo id that say its checkpoint is quantized ('...-A12B-FP8', '...quantized.w4a16',
'...-GPTQ-Int4'), matched between separators so that e.g. 'Llama-4' or 'int' alone do not."""


def _warn_quantized_name(name: str | None, notes: _Notes) -> None:
    """Warn when the model name says quantized but no quantization info was given.

    NOTE: NVIDIA's Nemotron-3-Super-120B-A12B-FP8 ships its FP8 format only in
    hf_quant_config.json; its config.json alone reads as a bf16 model twice the size.
    """
    words = set(re.split(r"[^a-z0-9]+", (name or "").lower())) & QUANTIZED_NAME_WORDS
    if words:
        notes.warnings.append(
            f"{name} looks quantized ({', '.join(sorted(words))}) but its config.json carries "
            "no quantization_config, so it is planned as 16-bit weights: pass its "
            "hf_quant_config.json, or choose the format as a what-if"
        )


def _vision(top: _Reader, model_type: str, text_hidden: int, notes: _Notes) -> VisionSpec | None:
    """Estimated parameters of the vision tower and projector (not planned, only counted)."""
    vc = top.get("vision_config")
    if vc is None and model_type == "llama4":
        # transformers' Llama4Config builds a default Llama4VisionConfig when the key is absent
        notes.assumptions.append(
            "llama4 config without vision_config: the vision tower counted with transformers' "
            "Llama4VisionConfig defaults (what a model built from this config.json holds)"
        )
        vc = {}
    if vc is None:
        return None
    if not isinstance(vc, dict):
        raise ConfigError("config.json: vision_config must be an object")
    try:
        vision = vision_estimate(_Reader(vc, "vision_config.", notes), top, text_hidden,
                                 model_type)  # fmt: skip
    except LookupError:
        notes.warnings.append("vision_config without depth/hidden_size/intermediate_size: "
                              "vision tower not counted, and vLLM's start-up profile of its "
                              "encoder not modelled")  # fmt: skip
        notes.unmodelled.append("vision tower (vision_config)")
        return None
    notes.assumptions.append(
        f"vision tower parameters are an estimate from vision_config dimensions ({vision.note})"
    )
    return vision
