"""What model a config.json names: its model_type, architectures, auto_map classes and dtype."""

from planner.model.config.families import KNOWN_TYPES
from planner.model.config.reader import Notes, Reader
from planner.model.config.wrapper import SIZED_WRAPPERS, text_model_type
from planner.model.spec import WRAPPER_TEXT_MODEL_IN, ConfigError


def read_model_type(top: Reader, r: Reader, notes: Notes) -> str:
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
    text_type = text_model_type(r, value) if r is not top else None
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
    notes.unmodelled.append(f"{text_type!r} {WRAPPER_TEXT_MODEL_IN} {value!r}")
    notes.unknown_type = f"text model type {text_type!r} is not an architecture Headroom knows"
    return value


def architectures(config: dict, prefix: str = "") -> tuple[str, ...]:
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


def text_architectures(text_cfg: dict | None) -> tuple[str, ...]:
    """text_config's architectures where it lists class names, else (). Not refused otherwise,
    as architectures is: only some wrappers' vLLM classes read them
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


def remote_model_class(config: dict) -> str | None:
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


def remote_config_class(config: dict) -> str | None:
    """auto_map's AutoConfig entry: the repository's own config code, which vLLM's get_config
    runs (AutoConfig.from_pretrained) only with trust_remote_code when the model_type is in
    neither its _CONFIG_REGISTRY nor transformers (transformers_utils/config.py, 0.33.0 and
    0.34.0)."""
    auto_map = config.get("auto_map")
    value = auto_map.get("AutoConfig") if isinstance(auto_map, dict) else None
    return value if isinstance(value, str) else None


def dtype(top: Reader, r: Reader) -> str:
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
