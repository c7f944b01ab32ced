"""A config.json field whose value is not of the type its transformers config class declares
is refused from vLLM 0.19.1 (the first release planned under transformers 5, which its image
and a fresh install run and 0.24.0 on require, whose `@strict` config classes check every
field's type as they set it), saying on 0.19.1-0.23.x that transformers<5 pinned loads it, and
planned as written before it.

The expected verdicts were read from transformers 5.22.2 (the newest vLLM 0.34.0's
`transformers<5.23.0,>=5.16.1` allows) with huggingface_hub 2.4.0: LlamaConfig.from_dict raises
StrictDataclassFieldValidationError for `initializer_range: "x"`, `use_cache: "x"`,
`rms_norm_eps: null`, `rms_norm_eps: 1` (an int for a float), `pretraining_tp: 1.0` (a float
for `int | None`) and `eos_token_id: 2.0`, and takes `eos_token_id` 2 or [1, 2] (`int |
list[int] | None`) and `attention_dropout` 0 (`int | float | None`). LlamaConfig's annotations
are in models/llama/configuration_llama.py.
"""

import json
from pathlib import Path

import pytest

from planner.catalog import catalog_entries
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings, derived_max_model_len
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.model_config import field_type_errors
from planner.serving.vllm_cli import supported_versions
from planner.serving.vllm_versions import parse_version
from tests.cli.tiny_model import TINY_CONFIG

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

REFUSAL = "transformers 5 refuses config.json (StrictDataclassFieldValidationError): "
TAIL = ". Give a value of the declared type, or remove the field (the class default applies)."
PINNED = (" (vLLM {v} runs transformers 5 in its image and a fresh pip install; with "
          "transformers<5 pinned it loads the value as written)")


def _errors(config: dict, version: str) -> list[str]:
    spec = parse_model_config(config)
    return list(plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                                 engine=EngineSettings(vllm_version=version))).errors)


@pytest.mark.parametrize(("key", "value", "named"), [
    ("initializer_range", "x", 'initializer_range = "x" (LlamaConfig declares float)'),
    ("use_cache", "x", 'use_cache = "x" (LlamaConfig declares bool)'),
    ("rms_norm_eps", None, "rms_norm_eps = null (LlamaConfig declares float)"),
    ("rms_norm_eps", 1, "rms_norm_eps = 1 (LlamaConfig declares float)"),
    ("pretraining_tp", 1.0, "pretraining_tp = 1.0 (LlamaConfig declares int | None)"),
    ("eos_token_id", 2.0, "eos_token_id = 2.0 (LlamaConfig declares int | list[int] | None)"),
])
def test_a_mistyped_field_is_refused_from_0_19_1_and_planned_before(
        key: str, value: object, named: str) -> None:
    config = {**TINY_CONFIG, key: value}
    assert _errors(config, "0.24.0") == [REFUSAL + named + TAIL]
    assert _errors(config, "0.34.0") == [REFUSAL + named + TAIL]
    assert _errors(config, "0.23.0") == [REFUSAL + named + PINNED.format(v="0.23.0") + TAIL]
    assert _errors(config, "0.19.1") == [REFUSAL + named + PINNED.format(v="0.19.1") + TAIL]
    assert _errors(config, "0.19.0") == []
    warnings = parse_model_config(config).warnings
    assert any(w.startswith(f"{named}: transformers 5 refuses the config.json") for w in warnings)


def test_the_refusal_starts_at_the_first_release_planned_under_transformers_5() -> None:
    # wheel METADATA: 0.19.0 and before `transformers<5,>=4.56.0`; 0.19.1-0.23.0 `>=4.56.0`
    # but not 5.0-5.5.0, transformers 5 in their images and a fresh install; 0.24.0
    # `transformers>=5.5.3`
    spec = parse_model_config({**TINY_CONFIG, "use_cache": "x"})
    refused = [v for v in supported_versions() if field_type_errors(spec, parse_version(v))]
    versions = list(supported_versions())
    # 0.19.1 has no fixture of its own (0.19.0's stands for it): 0.20.0 is the first listed
    assert refused == versions[versions.index("0.20.0"):]
    assert versions[versions.index("0.20.0") - 1] == "0.19.0" and "0.34.0" in refused
    assert field_type_errors(spec, parse_version("0.19.1"))


def test_two_mistyped_fields_are_named_on_one_line() -> None:
    errors = _errors({**TINY_CONFIG, "use_cache": "x", "initializer_range": 0}, "0.30.0")
    assert errors == [REFUSAL + 'use_cache = "x" (LlamaConfig declares bool); '
                      "initializer_range = 0 (LlamaConfig declares float)" + TAIL]


@pytest.mark.parametrize(("key", "value"), [
    ("eos_token_id", 2), ("eos_token_id", [1, 2]), ("eos_token_id", None),
    ("attention_dropout", 0), ("attention_dropout", 0.1), ("pretraining_tp", None),
    ("chunk_size_feed_forward", "x"),  # PreTrainedConfig's own fields are not checked
])
def test_a_value_the_declared_type_admits_is_planned_on_every_release(
        key: str, value: object) -> None:
    spec = parse_model_config({**TINY_CONFIG, key: value})
    assert spec.mistyped_fields == ()
    assert all(field_type_errors(spec, parse_version(v)) == []
               for v in supported_versions())


def test_text_config_fields_are_checked_against_the_text_class() -> None:
    # Gemma3TextConfig `use_cache: bool`; Gemma3Config `initializer_range: float | None`
    entry = next(e for e in catalog_entries() if e.repo_id == "google/gemma-3-12b-it")
    config = {**entry.config, "initializer_range": None,
              "text_config": {**entry.config["text_config"], "use_cache": 1}}
    spec = parse_model_config(config)
    assert spec.mistyped_fields == (
        "text_config.use_cache = 1 (Gemma3TextConfig declares bool)",)


def _fixture_configs() -> list[tuple[str, dict]]:
    """Every config.json among the test fixtures but the deliberately bad ones."""
    found = []
    for path in sorted(FIXTURES.rglob("*.json")):
        if "bad_inputs" in path.parts or path.name.endswith("hf_quant_config.json"):
            continue
        config = json.loads(path.read_text())
        if isinstance(config, dict) and "model_type" in config:
            found.append((path.relative_to(FIXTURES).as_posix(), config))
    return found


def test_no_catalog_or_fixture_config_is_refused_on_any_release() -> None:
    # the catalog holds every ../shared/model-configs and tests/fixtures/configs file verbatim
    # (test_catalog); transformers 5.22.2 loads each of these without a type error
    configs = [(e.repo_id, e.config) for e in catalog_entries()] + _fixture_configs()
    assert len(configs) >= 128  # 73 catalog entries, 55 fixture files
    for name, config in configs:
        spec = parse_model_config(config)
        assert all(field_type_errors(spec, parse_version(v)) == []
               for v in supported_versions()), name


def _deepseek_v32_config() -> dict:
    return next(e for e in catalog_entries() if e.repo_id == "deepseek-ai/DeepSeek-V3.2").config


def test_deepseek_v32_is_checked_as_vllm_loads_it_with_deepseek_v3_config() -> None:
    # vLLM's _CONFIG_REGISTRY loads model_type deepseek_v32 with transformers' DeepseekV3Config
    # (`q_lora_rank: int | None`), not DeepseekV32Config (`q_lora_rank: int`): transformers
    # 5.22.2 DeepseekV3Config.from_dict takes the V3.2 config with q_lora_rank null, and
    # refuses use_cache "x"
    config = _deepseek_v32_config()
    null = parse_model_config({**config, "q_lora_rank": None})
    assert (null.refused_nulls, null.mistyped_fields) == ((), ())
    mistyped = parse_model_config({**config, "use_cache": "x"})
    assert mistyped.mistyped_fields == ('use_cache = "x" (DeepseekV3Config declares bool)',)


def test_deepseek_v32_left_out_max_position_embeddings_is_deepseek_v3_configs_4096() -> None:
    # vLLM fills it from DeepseekV3Config (`max_position_embeddings=4096`: 0.11.0 wheel's own
    # transformers_utils/configs/deepseek_v3.py:42; transformers 5.22.2 and 5.25.0), not
    # DeepseekV32Config's 163,840 (_CONFIG_REGISTRY deepseek_v32="DeepseekV3Config", 0.11.0
    # transformers_utils/config.py:70 to 0.34.0 :134). Derived max_model_len by hand, V3.2's
    # rope_scaling yarn factor 40, original_max_position_embeddings 4,096: to 0.29.0 the yarn
    # block sets 4,096 x 40 = 163,840 whatever max_position_embeddings is; from 0.30.0 yarn's
    # factor is not applied, so the limit is max_position_embeddings: 4,096 (was 163,840)
    config = {k: v for k, v in _deepseek_v32_config().items() if k != "max_position_embeddings"}
    spec = parse_model_config(config)
    assert spec.max_position_embeddings == 4096
    assert ("max_position_embeddings missing: assumed 4096 (transformers DeepseekV3Config class "
            "default for model_type 'deepseek_v3')") in spec.assumptions
    assert derived_max_model_len(spec, (0, 29, 0)) == 163840
    assert derived_max_model_len(spec, (0, 30, 0)) == 4096
    # the catalog config leaves out no field DeepseekV3Config has a default for (read against
    # DeepseekV32Config, its head_dim 64 was noted: a figure MLA does not use)
    assert not [a for a in parse_model_config(_deepseek_v32_config()).assumptions
                if "missing: assumed" in a]


@pytest.mark.parametrize("left_out", [("index_topk",), ("index_n_heads", "index_head_dim")])
def test_deepseek_v32_without_an_indexer_field_is_refused(left_out) -> None:
    # DeepseekV3Config has no index_* default; DeepseekV32ForCausalLM asserts index_topk
    # (model_executor/models/config.py:413-414, 0.11.0 wheel) and the indexer reads
    # index_n_heads / index_head_dim (deepseek_v2.py:740-742, 0.11.0): vLLM cannot start it
    config = {k: v for k, v in _deepseek_v32_config().items() if k not in left_out}
    with pytest.raises(ConfigError, match=f"config.json: {', '.join(left_out)} missing: vLLM "
                       "loads model_type deepseek_v32 with DeepseekV3Config"):
        parse_model_config(config)


def test_deepseek_v32_config_of_a_v3_class_without_indexer_is_dense_mla() -> None:
    # deepseek_v2.py `is_v32 = hasattr(config, "index_topk")` (0.11.0-0.34.0): without it and
    # without DeepseekV32ForCausalLM's assert, DeepseekV3ForCausalLM builds dense MLA
    config = {k: v for k, v in _deepseek_v32_config().items() if not k.startswith("index_")}
    spec = parse_model_config({**config, "architectures": ["DeepseekV3ForCausalLM"]})
    assert {layer.mixer.index_topk for layer in spec.layers} == {None}
