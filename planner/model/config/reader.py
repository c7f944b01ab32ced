"""Reader: typed, validated reads of one config dict (a key left out takes its transformers
class default), and Notes, what the parse records while reading (sources, assumptions,
warnings); with the plausibility limits every read checks against."""

import math
from dataclasses import dataclass, field
from typing import Any

from planner.jsondoc import json_kind
from planner.model.config.defaults import ClassDefaults
from planner.model.config.fields import FieldLog, Part
from planner.model.spec import ConfigError

# Plausibility limits: a value outside them is a malformed config, not a model.
MAX_LAYERS = 4096
MAX_WIDTH = 1 << 20  # hidden / intermediate sizes
MAX_HEADS = 1 << 14
MAX_VOCAB = 1 << 24
MAX_EXPERTS = 1 << 16
MAX_CONTEXT = 1 << 30

SIZE_DIMENSIONS = frozenset({
    "hidden_size", "d_model", "n_embd", "num_hidden_layers", "n_layer", "num_layers",
    "num_attention_heads", "n_head", "num_heads", "vocab_size", "intermediate_size",
    "ffn_hidden_size", "n_inner", "moe_intermediate_size"})
"""The core dimensions (and their spellings) the weights are sized by: one left out of a
config takes the transformers class default, which vLLM builds the model with too, so it is
planned, but real configs write them out (none of the 173 in tests/fixtures/configs,
../shared/model-configs and the catalog leaves one out), so a warning says so (review h419)."""


@dataclass
class Notes:
    """What the parser recorded while reading: sources, assumptions, warnings."""

    fields: FieldLog = field(default_factory=FieldLog)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unmodelled: list[str] = field(default_factory=list)
    zero_head_dim: str = ""
    """Where config.json's head_dim is 0 and read as hidden_size / num_attention_heads
    (ModelSpec.zero_head_dim)."""
    unread_head_dim: str = ""
    """config.json's head_dim where vLLM's own attention reads none and builds another width
    (ModelSpec.unread_head_dim)."""
    unknown_type: str | None = None
    """Why only the standard key names are read ("model_type 'mpt' is not an architecture
    Headroom knows"), for the error of a required field none of them gives."""


class Reader:
    """Typed, validated reads from one config dict; remembers which keys it used."""

    def __init__(self, cfg: dict, prefix: str, notes: Notes):
        self.cfg, self.prefix, self.notes = cfg, prefix, notes
        self.used: set[str] = set()
        self._defaults: ClassDefaults | None = None
        self._found: dict[tuple[str, ...], str | None] = {}
        """key() per keys tuple, worked out once: the parse reads the same keys for every
        layer, the config does not change during it, the keys a read marks used stay marked,
        and setting `defaults` clears it (model_type is read before)."""
        self._reads: dict[tuple[tuple[str, ...], type], tuple[str | None, Any]] = {}
        """_typed per keys tuple and kind, likewise (a class default is noted once anyway)."""
        self.null_refusal = ""
        """Why int_ refuses an integer written out as null (the rest of its one-line message);
        '' where a null reads as the key left out."""

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
        (what transformers, and so vLLM, reads), noted as an assumption; None when absent
        (ConfigError where written out as null and null_refusal says why)."""
        k, value = self._typed(keys, int)
        if k is None:
            null = self.null(*keys) if self.null_refusal and value is None else None
            if null:
                raise ConfigError(f"{self.where(null)} is null: {self.null_refusal}")
            return value
        number = as_int(value, self.where(k), lo, hi)
        if isinstance(value, float):
            # NOTE: transformers 5.25.0's LlamaConfig(num_hidden_layers=32.0) raises
            # StrictDataclassFieldValidationError ("expected int, got float"); with transformers
            # 4 the float reaches vLLM, whose make_layers runs range(start, 32.0) and whose
            # layers take their widths as torch shapes: TypeError either way.
            raise ConfigError(f"{self.where(k)} must be an integer, got {value!r}: transformers "
                              "5 refuses a float for an integer field, and vLLM sizes layers "
                              f"and tensors by it (write {number})")
        return number

    def _typed(self, keys: tuple[str, ...], kind: type) -> tuple[str | None, Any]:
        """(the key read, its raw value); (None, the class default of `kind`) where one stands
        in for a key left out, noted once; (None, None) when absent. tie_word_embeddings takes
        no class default here: tie_embeddings reads the text and top configs in turn."""
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
        """Say once that the class default of `key` stands in for it; for a dimension the
        weights are sized by (SIZE_DIMENSIONS), a warning too, which plan and sweep print."""
        note = f"{self.prefix}{key} missing: assumed {self.defaults.why(key)}"
        if note not in self.notes.assumptions:
            self.notes.assumptions.append(note)
            if key in SIZE_DIMENSIONS:
                self.notes.warnings.append(
                    f"{note}: the plan is sized on it, as vLLM builds the model on it too; a "
                    "checkpoint of another size fails vLLM's weight load")

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
        return [as_int(v, f"{self.where(key)}[{i}]", lo, hi) for i, v in enumerate(value)]

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


def as_int(value: object, where: str, lo: int, hi: int) -> int:
    """Validate one JSON number as an integer in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise ConfigError(f"{where} must be a whole number, got {value!r}")
    if not lo <= value <= hi:  # a float as written: int(1e308) has 309 digits
        raise ConfigError(f"{where} = {value!r} is out of range ({lo} to {hi})")
    return int(value)


def check_len(r: Reader, key: str, values: list | str, n: int) -> None:
    if len(values) != n:
        raise ConfigError(
            f"{r.where(key)} has {len(values)} entries but num_hidden_layers is {n}"
        )


def class_default_note(r: Reader, keys: tuple[str, ...]) -> str:
    """'transformers Qwen3Config default' where a class default stands in for `keys` (the
    assumption gives the value and release), else ''."""
    key = r.default_key(keys)
    return "" if key is None else f"transformers {r.defaults.class_name} default"


def need(r: Reader, key: str, hi: int) -> int:
    value = r.int_(key, hi=hi)
    if value is None:
        raise r.missing(key, "needed for this layer kind")
    return value
