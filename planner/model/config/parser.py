"""parse_model_config: a Hugging Face config.json (+ hf_quant_config.json) -> ModelSpec.

This package (planner/model/config) is the only code that reads Hugging Face key names;
this module is its entry point, and each concern of the read has a module beside it (reader,
families, identity, wrapper, tie, layers, attention, mlp, moe, mamba, length, compressed, mtp,
per_layer, leftovers). It never executes model code: it reads plain JSON values, validates
them, and records where each architecture figure came from (FieldSource), what it assumed (a
documented transformers default) and what it did not understand (warnings).
"""

import re

from pydantic import ValidationError

from planner.jsondoc import json_kind
from planner.model.config.compressed import compressed_attention
from planner.model.config.defaults import NO_CLASS_MAX_POSITION, class_defaults
from planner.model.config.families import HUNYUAN_TYPES
from planner.model.config.identity import (
    architectures,
    dtype,
    read_model_type,
    remote_config_class,
    remote_model_class,
    text_architectures,
)
from planner.model.config.layers import layer_specs
from planner.model.config.leftovers import (
    garbage_number_warnings,
    leftover_keys,
    mistyped_fields,
    refused_null_fields,
)
from planner.model.config.length import (
    rope_layer_types,
    rope_scaling,
    tokenizer_length,
    tokenizer_length_unusable,
    window_inputs,
)
from planner.model.config.mlp import MLP_KEYS, activation
from planner.model.config.moe import hunyuan_notes
from planner.model.config.mtp import mimo_v2_mtp_layer, mtp_layer_count, nemotron_h_mtp_layer
from planner.model.config.overrides import (
    overridden_error,
    overridden_paths,
    own_rope_scaling,
    with_hf_overrides,
)
from planner.model.config.per_layer import per_layer_inputs_and_kv_sharing
from planner.model.config.processor import PixelLimit, ProcessorLimits, processor_limits
from planner.model.config.quant import (
    gptq_dynamic,
    inc_gate_up_fused_last,
    inc_unplanned,
    quant_spec,
    unread_method,
)
from planner.model.config.reader import MAX_LAYERS, MAX_VOCAB, MAX_WIDTH, Notes, Reader
from planner.model.config.tie import tie_embeddings
from planner.model.config.vision import (
    NULL_REFUSING_VISION,
    QWEN3_VL_MAX_PIXELS,
    QWEN3_VL_VIDEO_MAX_PIXELS,
    TOWER_WITHOUT_VISION_CONFIG,
    deepstack_default,
    qwen3_vl_sized,
    vision_class_defaults,
    vision_estimate,
    vision_null_refusal,
)
from planner.model.config.wrapper import (
    WRAPPER_TEXT_TYPES,
    layer_type,
    text_model_type,
    unsized_towers,
    unsized_wrapper,
)
from planner.model.spec import (
    AUDIO_UNCOUNTED,
    AUDIO_UNCOUNTED_WARNING,
    VISION_UNCOUNTED,
    ConfigError,
    IncFormat,
    LayerSpec,
    ModelSpec,
    ProcessorReading,
    QuantSpec,
    VisionEncoder,
    VisionSpec,
    WindowInputs,
)
from planner.text import spaced_controls


def parse_model_config(
    config: dict, hf_quant_config: dict | None = None, *, name: str | None = None,
    tokenizer_config: dict | None = None,
    processor_configs: dict[str, dict | None] | None = None,
    hf_overrides: dict | None = None,
) -> ModelSpec:
    """Parse a config.json dict (and optional ModelOpt hf_quant_config.json) into a ModelSpec;
    `tokenizer_config` (tokenizer_config.json, where known) gives only the tokenizer's class
    names (_tokenizer_classes), `processor_configs` (the checkpoint's processor files by name,
    where read) only a Qwen3-VL-family tower's image and video limits (_processor_sized);
    `hf_overrides` (--hf-overrides, parsed: overrides.parse_hf_overrides) is applied to
    `config` first (overrides.with_hf_overrides), whose own rope_scaling is kept in
    ModelSpec.own_rope_scaling; an error on a key it sets names it as given
    (overrides.overridden_error).

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
    own = own_rope_scaling(config)
    paths: tuple[str, ...] = ()
    read = config
    if hf_overrides is not None:
        paths = overridden_paths(config, hf_overrides)
        config = with_hf_overrides(config, hf_overrides)
    try:
        spec = _parse(config, hf_quant_config, name)
    except ConfigError as exc:
        if hf_overrides is None:
            raise
        raise ConfigError(overridden_error(str(exc), read, hf_overrides)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"config.json gives an invalid {loc}: {err['msg']}") from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise ConfigError(f"config.json is malformed: {type(exc).__name__}: {exc}") from None
    if own:
        spec = spec.model_copy(update={"own_rope_scaling": True})
    if paths:
        spec = _overridden_sources(spec, paths)
    if spaced:
        spec = spec.model_copy(update={"warnings": (*spec.warnings, (
            f"control characters in {', '.join(spaced)} are read as spaces (no real "
            "config.json holds one)"))})
    if processor_configs:
        spec = _processor_sized(spec, processor_configs)
    if tokenizer_config is None:
        return spec
    remote, named = _tokenizer_classes(tokenizer_config)
    window = spec.window and spec.window.model_copy(
        update={"tokenizer_model_max_length": tokenizer_length(tokenizer_config),
                "tokenizer_model_max_length_unusable": tokenizer_length_unusable(
                    tokenizer_config)})
    return spec.model_copy(update={"remote_tokenizer_class": remote, "tokenizer_class": named,
                                   "window": window})


def _overridden_sources(spec: ModelSpec, paths: tuple[str, ...]) -> ModelSpec:
    """`spec` with the figures read at `paths` (overrides.overridden_paths) sourced to
    --hf-overrides: the card said 'config.json: text_config.max_position_embeddings' for the
    override's length."""
    given = {f"config.json: {path}" for path in paths}
    return spec.model_copy(update={"fields": tuple(
        f.model_copy(update={"source": "--hf-overrides: " + f.source.removeprefix(
            "config.json: ")}) if f.source in given else f for f in spec.fields)})


def _processor_sized(spec: ModelSpec, files: dict[str, dict | None]) -> ModelSpec:
    """`spec` with its Qwen3-VL-family encoder planned at the limits its processor files give
    (model.config.processor, transformers 5.x's file order; the assumed constants for a limit
    none gives), an assumption naming where each came from and a warning for each file not
    read; where transformers 4.57's order reads other files, that reading beside it
    (VisionSpec.transformers4, which plans on vLLM before 0.19.1 take). Other towers: `spec`
    as it is."""
    enc = spec.vision.encoder if spec.vision is not None else None
    if enc is None or not enc.image_max_pixels:
        return spec
    five, four = processor_limits(files, 5), processor_limits(files, 4)
    order = "" if five == four else " (transformers {}'s processor-file order)"
    sized, assumption = _processor_reading(enc, five, order.format(5))
    update: dict[str, object] = {"encoder": sized}
    if five != four:
        encoder4, assumption4 = _processor_reading(enc, four, order.format("4.57"))
        update["transformers4"] = ProcessorReading(
            encoder=encoder4, assumption=assumption4, warnings=four.notes,
            replaces=(assumption, *five.notes))
    return spec.model_copy(update={
        "vision": spec.vision.model_copy(update=update),
        "assumptions": (*spec.assumptions, assumption),
        "warnings": (*spec.warnings, *five.notes)})


def _processor_reading(enc: VisionEncoder, limits: ProcessorLimits, order: str
                       ) -> tuple[VisionEncoder, str]:
    """(`enc` sized at `limits`, the assumption naming where each came from, `order` its
    processor-file order where the two orders differ)."""
    image = limits.image or PixelLimit(QWEN3_VL_MAX_PIXELS, "")
    video = limits.video or PixelLimit(QWEN3_VL_VIDEO_MAX_PIXELS, "")
    sized = qwen3_vl_sized(enc, image, video)
    for kind, read in (("video", limits.video_temporal), ("image", limits.image_temporal)):
        if read is not None:
            sized = sized.model_copy(update={f"{kind}_temporal": read.frames,
                                             f"{kind}_temporal_source": read.source})
    if limits.written:
        sized = sized.model_copy(update={"pixels_written": limits.written})
    floats = {float_.rsplit(" ", 1)[0]: float_.rsplit(" ", 1)[1] for float_ in limits.written}
    said = "; ".join(f"{kind} processor longest_edge {limit.max_pixels:,} px "
                     + (f"from {limit.source}" if limit.source else "assumed, unverified")
                     + (f" (written {floats[limit.source]}: its floor)"
                        if limit.source in floats else "")
                     for kind, limit in (("image", image), ("video", video)))
    return sized, f"vision encoder profile{order}: {said}"


TOKENIZER_KEYS = ("auto_map", "tokenizer_class", "model_max_length")
"""The tokenizer_config.json keys Headroom reads (_tokenizer_classes, tokenizer_length); the
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


_DSA_INDEXER_KEYS = ("index_topk", "index_n_heads", "index_head_dim")


def _refuse_indexless_deepseek_v32(r: Reader, archs: tuple[str, ...]) -> None:
    """Refuse a DeepSeek-V3.2 config that leaves an indexer field out where vLLM builds the
    indexer: it loads model_type deepseek_v32 with DeepseekV3Config (defaults.READ_AS), which
    has none of the three, so nothing stands in for one left out. DeepseekV32ForCausalLM's
    verify_and_update_config asserts `hasattr(hf_config, "index_topk")` (model_executor/
    models/config.py:413-414 of the 0.11.0 wheel, :87-88 of 0.34.0), and the indexer, built
    wherever index_topk is there, reads `config.index_n_heads` and `config.index_head_dim`
    (deepseek_v2.py:740-742, 0.11.0; models/deepseek_v32/attention.py:69-71, 0.34.0): an
    AssertionError or AttributeError at start-up. Without DeepseekV32ForCausalLM and
    index_topk, deepseek_v2.py's `is_v32 = hasattr(config, "index_topk")` builds dense MLA,
    which is planned."""
    missing = [k for k in _DSA_INDEXER_KEYS if k not in r.cfg]
    if missing and ("DeepseekV32ForCausalLM" in archs or "index_topk" in r.cfg):
        raise ConfigError(
            f"config.json: {r.prefix}{', '.join(missing)} missing: vLLM loads model_type "
            "deepseek_v32 with DeepseekV3Config, which has no default for "
            f"{'it' if len(missing) == 1 else 'them'}, and its DeepSeek-V3.2 sparse attention "
            "reads index_topk, index_n_heads and index_head_dim, so it cannot start this model")


def _bidirectional(r: Reader) -> str | None:
    """The text config's use_bidirectional_attention where it names what it covers (Gemma 4's
    "vision"); a bool (Gemma 3's, EmbeddingGemma's) or none gives None."""
    value = r.get("use_bidirectional_attention")
    return value if isinstance(value, str) else None


def _parse(config: dict, hf_quant: dict | None, name: str | None) -> ModelSpec:
    """The ModelSpec of a checked config.json, in reading order: readers, sizes, layers,
    context, quantization, MTP, towers, then the keys left over (each step's notes kept)."""
    notes = Notes()
    top, r, text_cfg, model_type = _readers(config, notes)
    hidden = r.required_int("hidden size", "hidden_size", "d_model", "n_embd", hi=MAX_WIDTH)
    num_layers = r.required_int(
        "layers", "num_hidden_layers", "n_layer", "num_layers", hi=MAX_LAYERS
    )
    vocab = r.required_int("vocab size", "vocab_size", hi=MAX_VOCAB)
    text_type = text_model_type(r, model_type)
    text_layers = layer_type(model_type, text_type)
    layers = layer_specs(r, text_layers, hidden, num_layers)
    if text_layers in HUNYUAN_TYPES:
        hunyuan_notes(r, layers, notes)
    tie, text_tie = tie_embeddings(top, r, model_type)
    max_pos, rope, window = _context_length(r, top, model_type, rope_layer_types(layers))
    quant, unplanned, unread = _quant(config, text_cfg, hf_quant, notes, r.get("expert_dtype"),
                                      layers, text_layers)
    if quant is None:
        _warn_quantized_name(name, notes)
    mtp_layers, mtp_layer = _mtp(r, model_type, layers, notes)
    layers, ple_width, ple_rows = per_layer_inputs_and_kv_sharing(r, model_type, layers, notes)
    unsized = r is not top and unsized_wrapper(model_type, text_type)
    vision = _towers(top, model_type, text_type, hidden, notes, unsized, (tie, text_tie))
    compressed = compressed_attention(r, model_type, num_layers, notes)
    refused_nulls, mistyped = _leftovers(top, r, model_type, unsized, notes)
    # (keyword order is evaluation order: dtype's warnings land before notes are read)
    return ModelSpec(
        **_identity_fields(config, text_cfg, top, name, model_type),
        hidden_size=hidden,
        vocab_size=vocab,
        per_layer_input_size=ple_width,
        per_layer_input_vocab=ple_rows,
        use_bidirectional_attention=_bidirectional(r),
        layers=tuple(layers),
        tie_word_embeddings=tie,
        text_tie_word_embeddings=text_tie,
        torch_dtype=dtype(top, r),
        max_position_embeddings=max_pos,
        rope_scaling_type=rope.get("type"),
        rope_scaling_factor=rope.get("factor"),
        mrope=rope.get("mrope", False),
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
        **_family_flags(model_type, text_layers),
        fields=notes.fields.sources(layers),
        assumptions=tuple(notes.assumptions),
        warnings=tuple(notes.warnings),
        unmodelled=tuple(notes.unmodelled),
        zero_head_dim=notes.zero_head_dim,
        unread_head_dim=notes.unread_head_dim,
        refused_nulls=refused_nulls,
        mistyped_fields=mistyped,
        **_mlp_fields(r),
    )


def _readers(config: dict, notes: Notes) -> tuple[Reader, Reader, dict | None, str]:
    """(top-level reader, text model's reader, text_config, model_type): the text reader is
    text_config's where there is one, else the top's; each with its transformers class's
    defaults. Refuses an llm_config wrapper and an indexless DeepSeek-V3.2 first."""
    top = Reader(config, "", notes)
    text_cfg = config.get("text_config")
    if text_cfg is not None and not isinstance(text_cfg, dict):
        raise ConfigError("config.json: text_config must be an object")
    if text_cfg is None and isinstance(config.get("llm_config"), dict):
        _refuse_llm_config(config)
    r = Reader(text_cfg, "text_config.", notes) if text_cfg else top
    model_type = read_model_type(top, r, notes)
    if model_type == "deepseek_v32":
        _refuse_indexless_deepseek_v32(r, architectures(config))
    top.defaults = class_defaults(top.get("model_type"))
    if r is not top:
        text_type = r.get("model_type") or WRAPPER_TEXT_TYPES.get(top.get("model_type"))
        r.defaults = class_defaults(text_type) if text_type else class_defaults(
            top.get("model_type"), text_config=True)
    return top, r, text_cfg, model_type


def _context_length(r: Reader, top: Reader, model_type: str, layer_types: frozenset[str]
                    ) -> tuple[int, dict, WindowInputs]:
    """(max_position_embeddings, rope scaling, window inputs), the extended context recorded
    as a field where rope scaling gives one; `layer_types`: the attention layer types whose
    blocks a rope object nested by layer type is checked for (length.rope_layer_types)."""
    max_pos = r.defaulted_int(
        "max context",
        ("max_position_embeddings", "n_positions", "max_sequence_length"),
        *NO_CLASS_MAX_POSITION,
    )
    rope = rope_scaling(r, top, max_pos)
    window = window_inputs(r, top, max_pos, model_type, layer_types)
    if rope.get("extended"):
        r.record("extended context (rope scaling)", rope["extended"], None, rope["formula"])
    return max_pos, rope, window


def _mtp(r: Reader, model_type: str, layers: list[LayerSpec], notes: Notes
         ) -> tuple[int, LayerSpec | None]:
    """(multi-token-prediction layers, the MTP layer's own spec where it differs): the
    config's count, or the one vLLM builds where config.json does not list it."""
    mtp_layers = mtp_layer_count(r)
    if model_type == "qwen3_next" and r.key("num_nextn_predict_layers") is None:
        mtp_layers = 1
        notes.assumptions.append(
            "Qwen3-Next: one multi-token-prediction layer (mtp.* tensors ship in the "
            "checkpoint; config.json does not list it)"
        )
    mtp_layer = None
    if model_type == "mimo_v2_flash":
        mtp_layers, mtp_layer = 1, mimo_v2_mtp_layer(r, layers)
        notes.assumptions.append(
            "MiMo-V2-Flash: one multi-token-prediction layer, as vLLM builds it (config.json "
            "does not list the checkpoint's mtp layers; vLLM loads only the first)"
        )
    if model_type == "nemotron_h" and mtp_layers:
        mtp_layer = nemotron_h_mtp_layer(r, layers)
    return mtp_layers, mtp_layer


def _towers(top: Reader, model_type: str, text_type: str, hidden: int, notes: Notes,
            unsized: bool, ties: tuple[bool, bool | None]) -> VisionSpec | None:
    """The vision tower's estimate (an unsized wrapper's towers only noted), and a warning
    for an audio tower, which is not sized."""
    vision = (unsized_towers(top, model_type, text_type, notes, ties) if unsized
              else _vision(top, model_type, hidden, notes))
    if not unsized and isinstance(top.get("audio_config"), dict):
        # NOTE: vLLM gemma4_mm.py Gemma4ForConditionalGeneration (0.33.0, 0.34.0) builds audio_tower
        # whenever config.audio_config is set (Gemma-4 E2B/E4B): its weights are not sized. Not
        # at audio's limit 0, where a plan drops both notes (serving.mm_modes.served_towers).
        notes.warnings.append(AUDIO_UNCOUNTED_WARNING)
        notes.unmodelled.append(AUDIO_UNCOUNTED)
    return vision


def _leftovers(top: Reader, r: Reader, model_type: str, unsized: bool, notes: Notes
               ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(refused null fields, mistyped fields) of both readers, after noting the keys no step
    read and the numbers that look like garbage."""
    leftover_keys(r, model_type, notes)
    if r is not top and not unsized:  # an unsized wrapper's own keys are its towers'
        leftover_keys(top, model_type, notes)
    readers = tuple(dict.fromkeys((r, top)))
    refused_nulls = tuple(field for reader in readers
                          for field in refused_null_fields(reader, notes))
    mistyped = tuple(field for reader in readers for field in mistyped_fields(reader, notes))
    for reader in readers:
        garbage_number_warnings(reader, notes)
    return refused_nulls, mistyped


def _identity_fields(config: dict, text_cfg: dict | None, top: Reader, name: str | None,
                     model_type: str) -> dict:
    """ModelSpec's naming fields: the name, types, architectures and remote-code classes."""
    return {
        "name": name,
        "model_type": model_type,
        "config_model_type": top.get("model_type"),
        "architectures": architectures(config),
        "architectures_missing": not config.get("architectures"),
        "text_architectures": text_architectures(text_cfg),
        "remote_model_class": remote_model_class(config),
        "remote_config_class": remote_config_class(config),
    }


def _family_flags(model_type: str, text_layers: str) -> dict:
    """ModelSpec's per-family facts that config.json does not state (vLLM's model code does)."""
    return {
        "experts_unquantized": text_layers == "arctic",
        "mtp_own_embeddings": model_type in ("deepseek_v3", "deepseek_v32", "glm_moe_dsa"),
        "norm_bias": text_layers in ("phi", "gpt2", "gpt_neox", "starcoder2", "falcon"),
        "lm_head_bias": text_layers == "phi",
    }


def _mlp_fields(r: Reader) -> dict:
    """ModelSpec's MLP activation keys and the MLP flags config.json sets (MLP_KEYS)."""
    return {
        "hidden_act": activation(r, "hidden_act"),
        "activation_function": activation(r, "activation_function"),
        "mlp_keys": tuple((key, r.cfg[key]) for key in MLP_KEYS
                          if key in r.cfg and isinstance(r.cfg[key], (int, bool, type(None)))),
    }


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


def _quant(
    config: dict, text_cfg: dict | None, hf_quant: dict | None, notes: Notes,
    expert_dtype: object, layers: list[LayerSpec], text_layers: str,
) -> tuple[QuantSpec | None, IncFormat | None, str | None]:  # fmt: skip
    """QuantSpec from quantization_config (top level or text_config) or hf_quant_config,
    with a separate routed-expert format (expert_dtype) where the config gives one and a GPTQ
    checkpoint's `dynamic` rules matched to `layers` (gptq_dynamic; `text_layers`: the text
    model's vLLM type, None for a wrapper's text_config); and an AutoRound block's format where
    it is planned as 16-bit weights (ModelSpec.inc_unplanned); and the quant_method where
    none is read (ModelSpec.unread_quant_method). A ModelOpt spec keeps config.json's
    transformers_version (QuantSpec.exporter_transformers)."""
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
    exporter = config.get("transformers_version")
    if quant is not None and quant.method == "modelopt" and exporter is not None:
        quant = quant.model_copy(update={"exporter_transformers": str(exporter)})
    return quant, inc_unplanned(qc, quant, where), unread_method(qc, hf_quant, quant)


QUANTIZED_NAME_WORDS = frozenset(
    ("fp8", "fp4", "nvfp4", "mxfp4", "awq", "gptq", "int4", "int8", "w4a16", "w8a16", "w8a8",
     "w4a8", "4bit", "8bit", "bnb")
)  # fmt: skip
"""Words of a repo id that say its checkpoint is quantized ('...-A12B-FP8', '...quantized.w4a16',
'...-GPTQ-Int4'), matched between separators so that e.g. 'Llama-4' or 'int' alone do not."""


def _warn_quantized_name(name: str | None, notes: Notes) -> None:
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


def _vision(top: Reader, model_type: str, text_hidden: int, notes: Notes) -> VisionSpec | None:
    """Estimated parameters of the vision tower and projector (not planned, only counted)."""
    vc = top.get("vision_config")
    if vc is None and model_type == "llama4":
        # transformers' Llama4Config builds a default Llama4VisionConfig when the key is absent
        notes.assumptions.append(
            "llama4 config without vision_config: the vision tower counted with transformers' "
            "Llama4VisionConfig defaults (what a model built from this config.json holds)"
        )
        vc = {}
    if vc is None and model_type in TOWER_WITHOUT_VISION_CONFIG:
        notes.warnings.append(
            f"no vision_config: transformers builds its default {NULL_REFUSING_VISION[model_type]}"
            ", whose tower vLLM builds too: vision tower not counted, and vLLM's start-up "
            "profile of its encoder not modelled")
        notes.unmodelled.append(VISION_UNCOUNTED)
    if vc is None:
        return None
    if not isinstance(vc, dict):
        raise ConfigError("config.json: vision_config must be an object")
    vc, deepstack_note = deepstack_default(vc, model_type)
    reader = Reader(vc, "vision_config.", notes)
    vision_type = vc.get("model_type")
    reader.defaults = vision_class_defaults(
        model_type, vision_type if isinstance(vision_type, str) else "")
    reader.null_refusal = vision_null_refusal(model_type)
    try:
        vision = vision_estimate(reader, top, text_hidden, model_type)
        if deepstack_note:
            notes.assumptions.append(deepstack_note)
    except LookupError:
        notes.warnings.append("vision_config without depth/hidden_size/intermediate_size: "
                              "vision tower not counted, and vLLM's start-up profile of its "
                              "encoder not modelled")  # fmt: skip
        notes.unmodelled.append(VISION_UNCOUNTED)
        return None
    notes.assumptions.append(
        f"vision tower parameters are an estimate from vision_config dimensions ({vision.note})"
    )
    return vision
