"""transformers' config-class defaults, per model_type: what a config.json that leaves a
field out means when transformers (and so vLLM) loads it.

class_defaults: every integer, boolean and string default of the config class of a model_type,
from transformers-defaults.json, which tools/extract_transformers_defaults.py reads from the
transformers 5.22.2 source, the newest vLLM 0.34.0's `transformers<5.23.0,>=5.16.1` allows
(transformers/models/<type>/configuration_<type>.py, the class's annotated defaults, e.g.
Qwen3Config `head_dim: int = 128`; 5.24.0 gives the same defaults and nulls refused), and the
type each field is declared with (`rms_norm_eps: float`). A config without
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

    types: dict[str, list]
    """The JSON value types each field's annotation admits where the table records it (LlamaConfig
    `eos_token_id: int | list[int] | None` -> ["int", {"list": ["int"]}, "null"]): transformers
    5 checks each field of a `@strict` class against its annotation as it sets it
    (json_type_matches)."""

    def why(self, key: str) -> str:
        """'4096 (transformers Qwen3Config class default for model_type 'qwen3')'."""
        return (f"{self.values[key]} (transformers {self.class_name} class default for "
                f"model_type {self.model_type!r})")


READ_AS: dict[str, str] = {"kimi_k2": "deepseek_v3", "deepseek_v32": "deepseek_v3"}
"""model_types vLLM reads with another type's transformers class, whose defaults then fill the
fields config.json leaves out and whose annotations decide what transformers 5 refuses.
kimi_k2 (Kimi-K2's config.json, Kimi-K2.5's text_config), which transformers has no class of
its own for, as DeepseekV3Config: vLLM 0.33.0 and 0.34.0 transformers_utils/config.py
_CONFIG_REGISTRY `kimi_k2="DeepseekV3Config"` ("Kimi K2 uses same architecture as DeepSeek V3");
transformers 5.24.0 Kimi_K25Config.__post_init__ rewrites a text_config model_type "kimi_k2" to
"deepseek_v3" (configuration_kimi_k25.py). deepseek_v32 as DeepseekV3Config too, not
transformers' DeepseekV32Config: _CONFIG_REGISTRY `deepseek_v32="DeepseekV3Config"`, read
before AutoConfig, in every release that serves DeepseekV32ForCausalLM (transformers_utils/
config.py:70 of the 0.11.0 wheel, its own configs/deepseek_v3.py class with the same
`max_position_embeddings=4096` default and no index_* fields; transformers' class from 0.11.1,
config.py:83 `from transformers import DeepseekV3Config`, configs/__init__.py
`"DeepseekV3Config": "transformers"` from 0.13.0, config.py:134 of the 0.34.0 wheel). So a
V3.2 config without max_position_embeddings is 4096 tokens long there (DeepseekV32Config says
163840), takes no index_* default, and its q_lora_rank / n_group / topk_group may be null
(`int | None`)."""


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
                         frozenset(entry["not_null"]), entry["types"])


def json_type_matches(value: object, alternatives: list) -> bool:
    """Whether a config.json value passes transformers 5's check of a field declared with
    `alternatives` (ClassDefaults.types).

    NOTE: huggingface_hub 2.4.0 dataclasses.py (what transformers 5.22.2's
    `huggingface-hub<3.0,>=1.31.0` resolves to; transformers 5.5.3's LlamaConfig is `@strict`
    with the same annotations) type_validator: a union passes where any member does;
    _validate_simple_type is `isinstance(value, expected_type)` with a bool refused for int,
    so an int is refused for a float field (`rms_norm_eps: 1`), a float for an int field
    (`pretraining_tp: 1.0`) and a bool for both (isinstance(True, float) is False);
    _validate_list checks each item. transformers 5.22.2 LlamaConfig.from_dict refuses each of
    those (StrictDataclassFieldValidationError) and takes eos_token_id 2 or [1, 2]."""
    return any(_matches(value, alternative) for alternative in alternatives)


def _matches(value: object, alternative: str | dict) -> bool:
    if isinstance(alternative, dict):
        return isinstance(value, list) and all(json_type_matches(item, alternative["list"])
                                               for item in value)
    return {"null": value is None, "int": type(value) is int,
            "float": isinstance(value, float), "bool": isinstance(value, bool),
            "str": isinstance(value, str), "list": isinstance(value, list),
            "dict": isinstance(value, dict)}[alternative]


def type_name(alternatives: list) -> str:
    """'int | list[int] | None', as the class declares it."""
    return " | ".join(f"list[{type_name(a['list'])}]" if isinstance(a, dict)
                      else "None" if a == "null" else a for a in alternatives)
