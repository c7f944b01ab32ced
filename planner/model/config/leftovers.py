"""What the parse did not read: keys that look architectural which nothing read, and nulls
and mistyped values transformers 5 refuses."""

import json
import math
import re

from planner.model.config.defaults import json_type_matches, type_name
from planner.model.config.reader import Notes, Reader
from planner.text import shortened

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


def refused_null_fields(r: Reader, notes: Notes) -> list[str]:
    """Warn where a field read is written out as null though its transformers class annotates
    it without None (ClassDefaults.not_null): transformers 5 refuses such a config.json, and
    vLLM 0.19.1 on are planned under it (wheel METADATA: 0.24.0 `transformers>=5.5.3`;
    0.19.1-0.23.0 `>=4.56.0` but not 5.0-5.5.0, transformers 5 in their images and a fresh
    install: serving.vllm_versions.TRANSFORMERS_5_ALLOWED_FROM; 0.12.0 and 0.19.0
    `<5,>=4.56.0`); the plan reads the null as vLLM does under transformers 4 before 0.19.1, and
    refuses it from 0.19.1 (ModelSpec.refused_nulls, model_config.null_field_errors). Returns
    'head_dim (Qwen3Config)' for each."""
    if r.defaults is None:
        return []
    nulls = sorted(k for k in r.used & r.defaults.not_null if r.null(k))
    if nulls:
        notes.warnings.append(
            f"{', '.join(r.prefix + k for k in nulls)} null: transformers 5 refuses it "
            f"({r.defaults.class_name} annotates {'it' if len(nulls) == 1 else 'them'} without "
            "None; 5.24.0 raises StrictDataclassFieldValidationError), so vLLM 0.19.1 on, "
            "planned under transformers 5 (0.19.1-0.23.x run it unless transformers<5 is "
            "pinned; 0.24.0 on require it), cannot load this config (their plans are refused); "
            "earlier releases are planned as vLLM reads it with transformers 4")
    return [f"{r.prefix}{k} ({r.defaults.class_name})" for k in nulls]


def mistyped_fields(r: Reader, notes: Notes) -> list[str]:
    """Warn where config.json gives a field a value of a type its transformers class does not
    declare (ClassDefaults.types: `use_cache: "x"`, `rms_norm_eps: 1` for a float, null where
    None is not admitted), read or not: transformers 5 refuses such a config.json, so vLLM
    0.19.1 on, planned under it, refuse it (ModelSpec.mistyped_fields,
    model_config.field_type_errors). Nulls of
    fields read are refused_null_fields'. Returns 'use_cache = "x" (LlamaConfig declares
    bool)' for each."""
    if r.defaults is None:
        return []
    declared = r.defaults.types
    read_nulls = r.used & r.defaults.not_null
    found = [f"{r.prefix}{k} = {_shown(value)} ({r.defaults.class_name} declares "
             f"{type_name(declared[k])})" for k, value in r.cfg.items()
             if k in declared and not json_type_matches(value, declared[k])
             and not (value is None and k in read_nulls)]
    if found:
        notes.warnings.append(
            f"{'; '.join(found)}: transformers 5 refuses the config.json "
            "(StrictDataclassFieldValidationError), so vLLM 0.19.1 on, planned under "
            "transformers 5 (0.19.1-0.23.x run it unless transformers<5 is pinned; 0.24.0 on "
            "require it), cannot load it (their plans are refused); earlier releases are "
            "planned as transformers 4 reads it, the value as written, unchecked")
    return found


def _shown(value: object) -> str:
    """The value as config.json writes it, cut at 40 characters (planner.text.shortened)."""
    return shortened(json.dumps(value), 40)


def _garbage(value: object, low_ok: bool) -> bool:
    """Whether a number is NaN or infinite, or negative (zero too unless `low_ok`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False  # null, absent, or a type refused elsewhere (length._check_theta)
    return not math.isfinite(value) or value < 0 or (value == 0 and not low_ok)


def garbage_number_warnings(r: Reader, notes: Notes) -> None:
    """Warn where rope_theta (top level or in rope_scaling / rope_parameters) is 0, negative,
    NaN or infinite, or rms_norm_eps negative, NaN or infinite: vLLM loads the model and
    serves garbage. Nothing here reads either figure.

    NOTE: vLLM's RotaryEmbedding._compute_inv_freq (0.34.0 wheel, rotary_embedding/base.py)
    computes `1.0 / (base ** (torch.arange(0, rotary_dim, 2) / rotary_dim))`: base 0 gives
    1 / 0 = inf for every pair but the first, a negative base NaN (a negative number to a
    fractional power), NaN NaN; RMSNorm (layers/layernorm.py) passes `eps` to the kernel as
    variance_epsilon, added to the mean square under rsqrt: NaN gives NaN, a negative one NaN
    or inf where the mean square is smaller. Neither is checked where the model is built."""
    theta_blocks = [(r.cfg, "")] + [(r.cfg[k], f"{k}.") for k in ("rope_scaling",
                                    "rope_parameters") if isinstance(r.cfg.get(k), dict)]
    theta_why = ("vLLM's rotary embedding takes 1 / rope_theta ** (i / rotary_dim), inf or "
                 "NaN at this base")
    bad = [(f"{r.prefix}{at}rope_theta {cfg['rope_theta']}", theta_why)
           for cfg, at in theta_blocks if _garbage(cfg.get("rope_theta"), low_ok=False)]
    if _garbage(r.cfg.get("rms_norm_eps"), low_ok=True):
        bad.append((f"{r.prefix}rms_norm_eps {r.cfg['rms_norm_eps']}", "vLLM's RMSNorm adds it "
                    "to the mean square under rsqrt, NaN or inf"))
    notes.warnings.extend(f"{field}: {why}; vLLM loads the model and serves garbage, with no "
                          "error (the plan is sized as given: check the config)"
                          for field, why in bad)


def leftover_keys(r: Reader, model_type: str, notes: Notes) -> None:
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
