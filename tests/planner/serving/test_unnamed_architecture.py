"""A config.json that names no architectures: vLLM fills in transformers' base model class of
its model_type from 0.11.1 (transformers_utils/config.py get_config, read in 0.11.0, 0.11.1,
0.19.0, 0.27.0 and 0.34.0; MODEL_MAPPING_NAMES of models/auto/modeling_auto.py in the
transformers 4.56.0 and 5.16.1 wheels: llama -> LlamaModel, llama4 ->
Llama4ForConditionalGeneration, no kimi_k2), then serves that class: LlamaModel as a pooling
model (registry.py _EMBEDDING_MODELS), Llama4ForConditionalGeneration as a generator. All were
planned as generators of their model_type before, without a word."""

import json
from pathlib import Path

import pytest

from planner.serving.vllm_cli import transformers_base_model_class
from tests.cli.conftest import run_main
from tests.conftest import load_ref_config
from tools.extract_transformers_model_types import base_model_classes

LLAMA, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
MAVERICK, _ = load_ref_config("meta-llama__Llama-4-Maverick-17B-128E-Instruct")
POOLED = ("config.json names no architectures: vLLM {v} gives it LlamaModel, transformers {t}'s "
          "base model class for model_type 'llama' (MODEL_MAPPING_NAMES; "
          "transformers_utils/config.py get_config); vLLM {v} serves LlamaModel as a pooling "
          "model (embeddings, classes, scores or rewards: model_executor/models/registry.py "
          "_EMBEDDING_MODELS; `vllm serve --runner pooling`); Headroom plans text generation "
          "only.")


def _refusal(config: dict, version: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> str:
    (tmp_path / "config.json").write_text(json.dumps(config))
    code, out, err = run_main(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm",
                              "--vllm-version", version)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    return err.removeprefix("python -m planner plan: error: ").removesuffix("\n")


def test_the_base_classes_are_read_from_each_transformers() -> None:
    assert transformers_base_model_class("4.56.0", "llama") == "LlamaModel"
    assert transformers_base_model_class("5.16.1", "llama4") == "Llama4ForConditionalGeneration"
    assert transformers_base_model_class("5.16.1", "kimi_k2") is None
    text = ('MODEL_MAPPING_NAMES = OrderedDict(\n    [\n        ("llama", "LlamaModel"),\n'
            '        ("funnel", ("FunnelModel", "FunnelBaseModel")),\n    ]\n)\n'
            'MODEL_FOR_CAUSAL_LM_MAPPING_NAMES = OrderedDict([("llama", "LlamaForCausalLM")])\n')
    assert base_model_classes(text) == {"llama": "LlamaModel"}


@pytest.mark.parametrize(("version", "transformers", "missing"), [
    ("0.34.0", "5.16.1", {"architectures": []}), ("0.11.1", "4.56.0", {})])
def test_a_llama_without_architectures_is_served_as_llama_model_a_pooling_model(
        version: str, transformers: str, missing: dict, tmp_path: Path,
        capsys: pytest.CaptureFixture) -> None:
    config = {k: v for k, v in LLAMA.items() if k != "architectures"} | missing
    assert _refusal(config, version, tmp_path, capsys) == POOLED.format(v=version, t=transformers)


def test_before_0_11_1_vllm_fills_none_in(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = {k: v for k, v in LLAMA.items() if k != "architectures"}
    assert _refusal(config, "0.11.0", tmp_path, capsys) == (
        "config.json names no architectures, which vLLM 0.11.0 needs to pick a model class "
        "(model_executor/models/registry.py); it fills them in from 0.11.1 on "
        "(transformers_utils/config.py get_config): name the class in config.json's "
        "\"architectures\", or plan with vLLM 0.11.1 or later.")


def test_a_model_type_transformers_has_no_base_class_for_stops_vllm(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # kimi_k2: vLLM 0.34.0 reads its config (_CONFIG_REGISTRY), transformers 5.16.1 has none
    config = {k: v for k, v in LLAMA.items() if k != "architectures"} | {"model_type": "kimi_k2"}
    assert _refusal(config, "0.34.0", tmp_path, capsys) == (
        "vLLM 0.34.0 stops with \"No model architectures are specified\": config.json names no "
        "architectures, and transformers 5.16.1, the oldest it allows, has no base model class "
        "for model_type 'kimi_k2' to fill in (MODEL_MAPPING_NAMES; transformers_utils/config.py "
        "get_config): name the class in config.json's \"architectures\".")


def test_a_generator_filled_in_is_planned_and_named(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "config.json").write_text(json.dumps(
        {k: v for k, v in MAVERICK.items() if k != "architectures"}))
    code, out, err = run_main(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm",
                              "--gpus", "8", "--max-model-len", "8192", "--target-quant", "fp8")
    assert code == 0
    assert ("warning: config.json names no architectures: vLLM 0.34.0 gives it "
            "Llama4ForConditionalGeneration, transformers 5.16.1's base model class for "
            "model_type 'llama4' (MODEL_MAPPING_NAMES; transformers_utils/config.py "
            "get_config), and serves it as a generator "
            "(ModelConfig._get_default_runner_type).") in out + err, out
