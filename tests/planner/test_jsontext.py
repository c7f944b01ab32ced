"""indented_json writes what json.dumps(value, indent=2) writes, for any JSON-able value."""

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from planner import jsontext
from planner.jsontext import indented_json

_PLAIN = st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
                   st.floats(allow_nan=True, allow_infinity=True))
_KEYS = st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                  st.none())
_VALUES = st.recursive(_PLAIN, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(_KEYS, inner, max_size=6)), max_leaves=40)


@settings(max_examples=500, deadline=None)
@given(_VALUES)
def test_the_text_is_json_dumps_at_indent_2(value: object) -> None:
    assert indented_json(value) == json.dumps(value, indent=2)


def test_a_sweep_like_document_nests_runs_of_plain_values_between_containers() -> None:
    row = {"quant_key": "fp8", "layout": {"tp": 8, "pp": 1, "dp": 1, "ep": False},
           "fits": True, "tpot_ms": 11.62, "speed": None, "ratio": math.inf,
           "verdict": "Fits \u2248 40,960 tokens", "empty": [], "none": {}}
    document = {"model_name": "M", "rows": [row, row], "rows_total": 2, "notes": ("a", 1)}
    assert indented_json(document) == json.dumps(document, indent=2)
    assert indented_json(document).splitlines()[4:8] == [
        '      "quant_key": "fp8",', '      "layout": {', '        "tp": 8,', '        "pp": 1,']


def test_without_jsons_c_encoder_the_text_is_the_same(monkeypatch) -> None:
    # a Python without json's C accelerator (json.encoder.c_make_encoder is None) encodes the
    # runs of plain values with json.JSONEncoder's own separators: the same text
    monkeypatch.setattr(jsontext, "c_make_encoder", None)
    jsontext._flat.cache_clear()
    try:
        document = {"rows": [{"tp": 8, "fits": True, "tpot_ms": 11.62}, [1, "a", None]],
                    "n": 2, 3: {"x": []}}
        assert indented_json(document) == json.dumps(document, indent=2)
    finally:
        jsontext._flat.cache_clear()  # the C encoder's separators again for the other tests
