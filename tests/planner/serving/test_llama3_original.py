"""A llama3 rope block without original_max_position_embeddings: refused on the releases
that run transformers 4 (0.9.x-0.19.0), where nothing fills the key before get_rope reads it,
planned from 0.19.1, where transformers 5 fills it (startup.rope_keys.llama3_original_errors).

Qwen3-8B (tests/fixtures/configs): max_position_embeddings 40,960, no rope block, no
top-level original_max_position_embeddings.
"""

import copy
import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.serving.startup.rope_keys import llama3_original_errors
from tests.cli.conftest import plan_errors

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"
QWEN3_8B = json.loads((CONFIGS / "Qwen__Qwen3-8B.json").read_text())
LLAMA3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}
"""Llama-3.1's block (meta-llama__Meta-Llama-3.1-8B.json) less its
original_max_position_embeddings 8192."""


def _qwen3(key: str = "rope_scaling", block: dict | None = None, **top: object) -> dict:
    config = copy.deepcopy(QWEN3_8B)
    config[key] = dict(LLAMA3) if block is None else block
    config.update(top)
    return config


@pytest.mark.parametrize("version", [(0, 9, 2), (0, 11, 2), (0, 12, 0), (0, 19, 0)])
def test_a_llama3_block_without_its_original_length_stops_transformers_4_releases(version):
    # 0.9.2-0.11.2: nothing fills the key; 0.12.0-0.19.0: patch_rope_parameters copies only a
    # top-level original_max_position_embeddings, which Qwen3-8B has not; get_rope's
    # rope_parameters["original_max_position_embeddings"] is a KeyError
    (error,) = llama3_original_errors(parse_model_config(_qwen3()), version)
    assert error.startswith("KeyError: 'original_max_position_embeddings' (the rope_scaling "
                            "block is llama3 without it: vLLM ")
    assert "runs transformers 4, which does not fill it in; its rope validation" in error


@pytest.mark.parametrize("version", [(0, 19, 1), (0, 29, 0), (0, 34, 0)])
def test_transformers_5_fills_it(version):
    # standardize_rope_params: setdefault("original_max_position_embeddings",
    # max_position_embeddings) = 40,960 (modeling_rope_utils.py, 5.25.0)
    assert llama3_original_errors(parse_model_config(_qwen3()), version) == []


@pytest.mark.parametrize(("config", "version", "refused"), [
    # Llama-3.1's own block, original 8192: never refused
    (_qwen3(block={**LLAMA3, "original_max_position_embeddings": 8192}), (0, 9, 2), False),
    # null is no length: Llama3RotaryEmbedding divides None by low_freq_factor (TypeError)
    (_qwen3(block={**LLAMA3, "original_max_position_embeddings": None}), (0, 12, 0), True),
    # a top-level original_max_position_embeddings of 8,192: copied into rope_parameters by
    # 0.12.0's patch_rope_parameters (a rope_parameters block: transformers 4 validates none)
    (_qwen3("rope_parameters", original_max_position_embeddings=8192), (0, 12, 0), False),
    # ... but not before 0.12.0, which has no such patch (a rope_scaling block)
    (_qwen3(original_max_position_embeddings=8192), (0, 11, 2), True),
    # before 0.12.0 neither transformers 4 nor vLLM reads rope_parameters: no rope at all
    (_qwen3("rope_parameters"), (0, 11, 2), False),
    # from 0.12.0 vLLM reads rope_parameters as written, with nothing to fill the key
    (_qwen3("rope_parameters"), (0, 19, 0), True),
])
def test_what_fills_the_key_depends_on_the_release(config, version, refused):
    assert bool(llama3_original_errors(parse_model_config(config), version)) is refused


def test_the_cli_plan_reads_does_not_fit_on_0_19_0_and_fits_on_0_19_1(capsys):
    argv = ("--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--hf-overrides",
            json.dumps({"rope_scaling": LLAMA3}))
    word = "original_max_position_embeddings"
    assert plan_errors(capsys, *argv, "--vllm-version", "0.19.0", word=word) == (False, [
        "KeyError: 'original_max_position_embeddings' (the rope_scaling block is llama3 "
        "without it: vLLM 0.19.0 runs transformers 4, which does not fill it in; its rope "
        "validation refuses such a rope_scaling block at load for Llama, Qwen and most config "
        "classes, and get_rope reads rope_parameters[\"original_max_position_embeddings\"] as "
        "it builds the model; under transformers 5, from vLLM 0.19.1, standardize_rope_params "
        "fills it). Give it in the block (Llama-3.1: 8192), or plan a later release."])
    assert plan_errors(capsys, *argv, "--vllm-version", "0.19.1", word=word) == (True, [])
