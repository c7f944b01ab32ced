"""Shared test helpers: `ref_config(name)` loads a reference config from tests/fixtures/configs."""

import json
from pathlib import Path

import pytest

CONFIG_DIR = Path(__file__).resolve().parent / "fixtures" / "configs"


def load_ref_config(name: str) -> tuple[dict, dict | None]:
    """(config.json, hf_quant_config.json or None) of a reference model, e.g. 'Qwen__Qwen3-8B'."""
    config = json.loads((CONFIG_DIR / f"{name}.json").read_text(encoding="utf-8"))
    quant_path = CONFIG_DIR / f"{name}.hf_quant_config.json"
    quant = json.loads(quant_path.read_text(encoding="utf-8")) if quant_path.exists() else None
    return config, quant


@pytest.fixture
def ref_config():
    """The loader above as a fixture: ref_config('Qwen__Qwen3-8B') -> (config, quant)."""
    return load_ref_config
