"""Gemma 4's per-layer embeddings (PLE) and KV-shared layers."""

from planner.model.config.reader import MAX_LAYERS, MAX_VOCAB, Notes, Reader
from planner.model.spec import AttentionMixer, ConfigError, DenseMlp, LayerSpec

GEMMA4_PLE_DEFAULTS = {"hidden_size_per_layer_input": 256, "vocab_size_per_layer_input": 262144}
"""transformers 5.24 configuration_gemma4.py Gemma4TextConfig class defaults: a gemma4 config
without these keys builds per-layer embeddings of this width (vLLM gemma4.py reads the same
attributes from the HF config object)."""


def per_layer_inputs_and_kv_sharing(
    r: Reader, model_type: str, layers: list[LayerSpec], notes: Notes
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
