"""Cross-check planner.model.params against transformers building each reference config on `meta`.

Needs torch + transformers (skipped otherwise). Only model_types transformers knows natively
are built (never trust_remote_code). `python -m tests.planner.model.test_crosscheck_meta` rewrites
tests/fixtures/param_counts.json, the table tests/planner/model/test_params.py always checks.
"""

import json
import sys
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from tests.conftest import CONFIG_DIR, load_ref_config
from tests.planner.model.test_params import NOT_MODELLED

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
transformers = pytest.importorskip(
    "transformers", reason="transformers is not installed (pip install transformers accelerate)"
)

pytestmark = pytest.mark.crosscheck
TABLE = Path(__file__).resolve().parents[2] / "fixtures" / "param_counts.json"
VISION_WORDS = ("visual", "vision", "multi_modal_projector", "embed_vision", "mm_projector",
                "image_newline")
CLASS_DEFAULT_TYPES = (
    "llava", "llava_next", "mistral3", "paligemma", "qwen2_5_vl", "qwen2_vl")
"""Wrappers no reference config holds: their vision towers are checked on the config class's
defaults (param_counts.json "class_defaults": the config as to_dict() writes it)."""
# Same architecture under another name: built with the native class of the alias.
TYPE_ALIASES = {"kimi_k2": "deepseek_v3", "mimo": "qwen2"}


def _names() -> list[str]:
    return sorted(
        p.stem for p in CONFIG_DIR.glob("*.json") if not p.name.endswith(".hf_quant_config.json")
    )


def _build_config(raw: dict):
    """A transformers config object for a raw config dict, or a skip reason (str)."""
    from transformers import AutoConfig
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    raw = {k: v for k, v in raw.items() if k not in ("auto_map", "quantization_config")}
    model_type = TYPE_ALIASES.get(raw.get("model_type"), raw.get("model_type"))
    if model_type not in CONFIG_MAPPING_NAMES:
        return f"model_type {raw.get('model_type')!r} needs remote code (not built)"
    if isinstance(raw.get("text_config"), dict):
        text = {k: v for k, v in raw["text_config"].items() if k != "quantization_config"}
        text["model_type"] = TYPE_ALIASES.get(text.get("model_type"), text.get("model_type"))
        raw = {**raw, "text_config": text}
    raw["model_type"] = model_type
    return AutoConfig.for_model(**raw)


def meta_counts(raw: dict) -> tuple[int, int] | str:
    """(text params, vision params) of the model transformers builds on `meta`, or a reason."""
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

    config = _build_config(raw)
    if isinstance(config, str):
        return config
    with torch.device("meta"):
        try:
            model = AutoModelForImageTextToText.from_config(config)
        except ValueError:
            model = AutoModelForCausalLM.from_config(config)
    state_keys = set(model.state_dict().keys())
    text = vision = 0
    named = list(model.named_parameters()) + [
        (n, b) for n, b in model.named_buffers() if n in state_keys and "inv_freq" not in n
    ]
    for name, tensor in named:
        if any(word in name for word in VISION_WORDS):
            vision += tensor.numel()
        else:
            text += tensor.numel()
    return text, vision


def measured_table() -> dict[str, dict]:
    """Meta-device counts of every reference config transformers can build."""
    rows = {}
    for name in _names():
        config, _ = load_ref_config(name)
        got = meta_counts(config)
        if isinstance(got, str):
            rows[name] = {"count": None, "how": got}
            continue
        rows[name] = {
            "count": got[0],
            "vision_count": got[1],
            "how": "transformers from_config on torch.device('meta'): parameters + persistent "
            "buffers, text model (vision/projector modules apart)",
        }
    return rows


def class_default_table() -> dict[str, dict]:
    """Each CLASS_DEFAULT_TYPES config class's defaults (to_dict) and the meta count of the
    vision tower + projector transformers builds from them."""
    from transformers import AutoConfig

    rows = {}
    for model_type in CLASS_DEFAULT_TYPES:
        config = AutoConfig.for_model(model_type).to_dict()
        config = json.loads(json.dumps(config))  # tuples as lists, as a config.json holds them
        rows[model_type] = {"config": config, "vision_count": meta_counts(config)[1]}
    return rows


@pytest.mark.parametrize("model_type", CLASS_DEFAULT_TYPES)
def test_class_default_towers_are_what_transformers_builds(model_type):
    # the stored class defaults are the installed transformers' (its version recorded in the
    # table), and their meta count is the one tests/planner/model/test_config_vision.py checks
    stored = json.loads(TABLE.read_text(encoding="utf-8"))
    if stored["transformers_version"] != transformers.__version__:
        pytest.skip(f"table built with transformers {stored['transformers_version']}")
    assert class_default_table()[model_type] == stored["class_defaults"][model_type]


@pytest.mark.parametrize("name", _names())
def test_text_params_match_meta_device(name, request):
    config, quant = load_ref_config(name)
    got = meta_counts(config)
    if isinstance(got, str):
        pytest.skip(got)
    if name in NOT_MODELLED:
        # strict: still compared, so the day the parser models it the xfail reports XPASS
        request.applymarker(pytest.mark.xfail(reason=NOT_MODELLED[name], strict=True))
    ours = count_params(parse_model_config(config, quant, name=name)).text_total
    assert ours == got[0], f"{name}: ours {ours:,} vs meta {got[0]:,}"


if __name__ == "__main__":
    table = {
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "models": measured_table(),
        "class_defaults": class_default_table(),
    }
    TABLE.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {TABLE}\n")
