"""transformers' config-class defaults, per model_type: what a config.json that leaves a
field out means when transformers (and so vLLM) loads it.

class_defaults: every integer, boolean and string default of the config class of a model_type,
from transformers-defaults.json, which tools/extract_transformers_defaults.py reads from the
transformers 5.24.0 source (transformers/models/<type>/configuration_<type>.py, the class's
annotated defaults, e.g. Qwen3Config `head_dim: int = 128`). A config without
max_position_embeddings whose model_type has no class default falls back to the
PretrainedConfig/LlamaConfig 2048, stated as such.
"""

import json
from dataclasses import dataclass
from pathlib import Path

NO_CLASS_MAX_POSITION = (2048, "2048 (transformers PretrainedConfig/LlamaConfig default)")
"""max_position_embeddings for a config.json without it whose model_type transformers has no
class default for (class_defaults)."""


_TABLE = json.loads((Path(__file__).with_name("transformers-defaults.json")).read_text("utf-8"))


@dataclass(frozen=True)
class ClassDefaults:
    """The integer, boolean and string defaults of one transformers config class
    (transformers-defaults.json, written by tools/extract_transformers_defaults.py from the
    transformers source)."""

    model_type: str
    class_name: str
    values: dict[str, int | bool | str]
    not_null: frozenset[str]
    """Fields the class annotates without None (Qwen3Config `head_dim: int`): transformers 5's
    strict dataclass validation refuses a config.json that writes one as null (5.24.0 raises
    StrictDataclassFieldValidationError)."""

    def why(self, key: str) -> str:
        """'4096 (transformers Qwen3Config class default for model_type 'qwen3')'."""
        return (f"{self.values[key]} (transformers {self.class_name} class default for "
                f"model_type {self.model_type!r})")


READ_AS: dict[str, str] = {"kimi_k2": "deepseek_v3"}
"""model_types transformers has no config class of its own for but vLLM and transformers read
with another type's: kimi_k2 (Kimi-K2's config.json, Kimi-K2.5's text_config) as DeepseekV3Config.
vLLM 0.33.0 and 0.34.0 transformers_utils/config.py _CONFIG_REGISTRY `kimi_k2="DeepseekV3Config"`
("Kimi K2 uses same architecture as DeepSeek V3"); transformers 5.24.0 Kimi_K25Config.__post_init__
rewrites a text_config model_type "kimi_k2" to "deepseek_v3" (configuration_kimi_k25.py)."""


def class_defaults(model_type: str | None, text_config: bool = False) -> ClassDefaults | None:
    """The defaults transformers fills in for a config of `model_type` (with `text_config`:
    for the text_config of a composite model_type whose text_config names none), or None
    for a type transformers has no config class for (remote code, or unknown)."""
    model_type = READ_AS.get(model_type, model_type)
    entry = _TABLE["types"].get(model_type)
    if entry is not None and text_config and "text_config" in entry:
        model_type, entry = entry["text_config"], _TABLE["types"][entry["text_config"]]
    if entry is None:
        return None
    return ClassDefaults(model_type, entry["class"], entry["defaults"],
                         frozenset(entry["not_null"]))
