"""Snapshot fuzzer: a mutated real snapshot loads or raises SnapshotError, nothing else, and
whatever loads survives findings, the audit summary, the cluster and the text summary."""

from __future__ import annotations

import contextlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.__main__ import render_summary
from probes.audit_summary import audit_summary
from probes.cluster import snapshots_to_cluster
from probes.findings import audit
from probes.snapshot import SnapshotError, load_snapshot
from tests.probes.conftest import raw_3090

BASE = raw_3090()


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every key / index path in the document (the root excluded)."""
    children = (node.items() if isinstance(node, dict) else
                enumerate(node) if isinstance(node, list) else ())
    found = []
    for key, child in children:
        found.append((*prefix, key))
        found += _paths(child, (*prefix, key))
    return found


PATHS = _paths(BASE)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0, -1, 10**30, 2**63, float("inf"), float("nan"), 1e308]) | st.floats()
    | st.text(max_size=6) | st.sampled_from(["X", "NV4", "SYS", "PIX", "gone", "zombie"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
MUTATION = st.tuples(st.sampled_from(PATHS), st.sampled_from(["delete", "replace", "append"]),
                     VALUES)


def _mutate(doc: dict, path: tuple, op: str, value: object) -> None:
    """Apply one mutation in place; paths an earlier mutation removed are skipped."""
    parent = doc
    for key in path[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return
    key = path[-1]
    with contextlib.suppress(KeyError, IndexError, TypeError):
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = value
        elif isinstance(parent[key], list):
            parent[key].append(value if value is not None else parent[key][:1])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_snapshots_load_or_raise_snapshot_error(mutations) -> None:
    doc = json.loads(json.dumps(BASE))
    for mutation in mutations:
        _mutate(doc, *mutation)
    try:
        snap = load_snapshot(json.dumps(doc).encode())
    except SnapshotError:
        return
    findings = audit(snap)
    audit_summary(snap)
    render_summary(snap, findings)
    with contextlib.suppress(SnapshotError):
        snapshots_to_cluster([snap])


def test_the_fuzzer_mutates_the_topology_and_the_gpus() -> None:
    # the paths the reproducers hit are among the fuzzed ones
    assert ("topology", "pcie", 4) in PATHS and ("topology", "gpu_indices", 7) in PATHS
    assert ("gpus", 1, "temperature_c") in PATHS
