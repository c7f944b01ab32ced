"""A config.json field whose value is not of the type its transformers config class declares
is refused from vLLM 0.24.0 (the first release requiring transformers 5, whose `@strict`
config classes check every field's type as they set it) and planned as written before it.

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
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.model_config import field_type_errors
from planner.serving.vllm_cli import supported_versions
from planner.serving.vllm_versions import parse_version
from tests.cli.tiny_model import TINY_CONFIG

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

REFUSAL = "transformers 5 refuses config.json (StrictDataclassFieldValidationError): "
TAIL = ("; vLLM 0.24.0 on run transformers 5.5.3 or later (earlier releases under transformers "
        "4 take the value as written). Give a value of the declared type, or remove the field "
        "(the class default applies).")


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
def test_a_mistyped_field_is_refused_from_0_24_and_planned_before(
        key: str, value: object, named: str) -> None:
    config = {**TINY_CONFIG, key: value}
    assert _errors(config, "0.24.0") == [REFUSAL + named + TAIL]
    assert _errors(config, "0.34.0") == [REFUSAL + named + TAIL]
    assert _errors(config, "0.23.0") == []
    warnings = parse_model_config(config).warnings
    assert any(w.startswith(f"{named}: transformers 5 refuses the config.json") for w in warnings)


def test_the_refusal_starts_at_the_first_release_requiring_transformers_5() -> None:
    # wheel METADATA: 0.23.0 and before allow transformers 4 (`>=4.56.0`, 0.19.1-0.23.0 also
    # 5.5.1 on); 0.24.0 `transformers>=5.5.3`
    spec = parse_model_config({**TINY_CONFIG, "use_cache": "x"})
    refused = [v for v in supported_versions() if field_type_errors(spec, parse_version(v))]
    versions = list(supported_versions())
    assert refused == versions[versions.index("0.24.0"):]
    assert "0.23.0" in versions and "0.34.0" in refused


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


def test_deepseek_v32_is_checked_as_vllm_loads_it_with_deepseek_v3_config() -> None:
    # vLLM's _CONFIG_REGISTRY loads model_type deepseek_v32 with transformers' DeepseekV3Config
    # (`q_lora_rank: int | None`), not DeepseekV32Config (`q_lora_rank: int`): transformers
    # 5.22.2 DeepseekV3Config.from_dict takes the V3.2 config with q_lora_rank null, and
    # refuses use_cache "x"
    entry = next(e for e in catalog_entries() if e.repo_id == "deepseek-ai/DeepSeek-V3.2")
    null = parse_model_config({**entry.config, "q_lora_rank": None})
    assert (null.refused_nulls, null.mistyped_fields) == ((), ())
    mistyped = parse_model_config({**entry.config, "use_cache": "x"})
    assert mistyped.mistyped_fields == ('use_cache = "x" (DeepseekV3Config declares bool)',)
