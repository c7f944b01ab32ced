"""Byte-level fuzzers: a mutated real config.json, read from disk the way the CLI reads
--model, parses or raises HubError / ConfigError; a mutated real snapshot, read from disk or
as uploaded bytes, loads or raises SnapshotError; never anything else.

(tests/planner/model/test_model_spec.py fuzzes the parser with JSON values and
tests/probes/test_snapshot_fuzz.py the snapshot's fields; these reach the bytes: broken
syntax, binary, deep nesting, integers over 4,300 digits.)
"""

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.inputs import load_model
from planner.model.spec import ConfigError
from probes.hub import HubError
from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import RTX3090X8

CONFIG = (Path(__file__).resolve().parents[1] / "fixtures" / "configs"
          / "Qwen__Qwen3-8B.json").read_bytes()
SNAPSHOT = RTX3090X8.read_bytes()


def edits(size: int) -> st.SearchStrategy:
    """Lists of byte edits of a document of `size` bytes."""
    edit = st.one_of(
        st.tuples(st.just("cut"), st.integers(0, size), st.integers(0, 64)),
        st.tuples(st.just("insert"), st.integers(0, size), st.binary(max_size=8)),
        st.tuples(st.just("insert"), st.integers(0, size),
                  st.sampled_from([b"[" * 5000, b"9" * 4301, b"-" + b"9" * 30, b"1e999", b"NaN",
                                   b'"\\ud800"', b"{", b"}", b",", b"null", b"\x00", b"\xff"])),
        st.tuples(st.just("wrap"), st.integers(1, 3000), st.just(b"")),
    )
    return st.lists(edit, min_size=1, max_size=3)


def _edit(data: bytes, op: str, at: int, arg) -> bytes:
    if op == "cut":
        return data[:at] + data[at + arg:]
    if op == "insert":
        return data[:at] + arg + data[at:]
    return b"[" * at + data + b"]" * at


def _edited(data: bytes, changes) -> bytes:
    """`data` with each of the edits that `edits` draws applied in turn (both fuzzers)."""
    for change in changes:
        data = _edit(data, *change)
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits(len(CONFIG)))
def test_mutated_config_bytes_parse_or_raise_a_user_error(changes) -> None:
    data = _edited(CONFIG, changes)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "config.json").write_bytes(data)
        with contextlib.suppress(HubError, ConfigError):
            load_model(folder)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits(len(SNAPSHOT)))
def test_mutated_snapshot_bytes_load_or_raise_snapshot_error(changes) -> None:
    data = _edited(SNAPSHOT, changes)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "node.json"
        path.write_bytes(data)
        for source in (data, path):  # an upload's bytes, --snapshot / --load
            with contextlib.suppress(SnapshotError):
                load_snapshot(source)
