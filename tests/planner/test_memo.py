"""IdentityMemo: hits by identity, never by a recycled id(), and stays within its bound; the
alike-parts helpers distinct_objects and first_alike."""

import gc
import weakref

import pytest

from planner.memo import IdentityMemo, distinct_objects, first_alike


class _Thing:
    """A plain object: hashed and compared by identity, like a spec looked up by id()."""


def _counting():
    """A compute function that records how often it ran, returning the run number."""
    runs = []

    def compute(tag: str = "") -> str:
        runs.append(tag)
        return f"{tag}{len(runs)}"

    return compute, runs


def test_hit_returns_the_first_value_without_recomputing():
    memo, (compute, runs), thing = IdentityMemo(8), _counting(), _Thing()
    assert memo.get(thing, ("k", 1), compute, "v") == "v1"
    assert memo.get(thing, ("k", 1), compute, "w") == "v1"
    assert runs == ["v"]


def test_other_key_or_other_object_misses():
    memo, (compute, runs) = IdentityMemo(8), _counting()
    a, b = _Thing(), _Thing()
    assert memo.get(a, (1,), compute) == "1"
    assert memo.get(a, (2,), compute) == "2"
    assert memo.get(b, (1,), compute) == "3"
    assert len(memo) == 3 and len(runs) == 3


def test_an_entry_lives_no_longer_than_its_owner():
    memo, (compute, runs) = IdentityMemo(8), _counting()
    thing, other = _Thing(), _Thing()
    memo.get(thing, (), compute)
    memo.get_all((other, thing), (), compute)
    alive = weakref.ref(thing)
    del thing
    gc.collect()
    # the memo did not keep the owner alive, and forgot both entries it was part of
    assert alive() is None
    assert len(memo) == 0
    # a new object (CPython often reuses the address) misses
    fresh = [_Thing() for _ in range(200)]
    for f in fresh[:5]:
        memo.get(f, (), compute)
    assert len(runs) == 7


def test_get_all_needs_every_owner_to_be_the_same_object():
    memo, (compute, runs) = IdentityMemo(8), _counting()
    a, b, c = _Thing(), _Thing(), _Thing()
    assert memo.get_all((a, b), (), compute) == "1"
    assert memo.get_all((a, b), (), compute) == "1"
    assert memo.get_all((a, c), (), compute) == "2"
    assert memo.get_all((b, a), (), compute) == "3"
    assert len(runs) == 3


def test_bound_is_respected_by_clearing_when_full():
    memo, (compute, runs), thing = IdentityMemo(3), _counting(), _Thing()
    for k in range(3):
        memo.get(thing, (k,), compute)
    assert len(memo) == 3
    memo.get(thing, (3,), compute)  # full: cleared, then the new value kept
    assert len(memo) == 1
    memo.get(thing, (0,), compute)  # cleared away, so computed again
    assert len(runs) == 5
    for k in range(100):
        memo.get(thing, (k,), compute)
        assert len(memo) <= 3


def test_bound_must_be_positive():
    with pytest.raises(ValueError, match="max_entries >= 1"):
        IdentityMemo(0)


def test_a_planned_and_swept_model_is_freed_once_its_caller_drops_it(ref_config):
    # An app session parses its own spec and builds its own cluster and settings each rerun;
    # when the session ends, nothing in the planner may keep them (issue 13 item 9).
    from planner.model.config.parser import parse_model_config
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan
    from planner.serving.sweep import sweep

    config, quant = ref_config("Qwen__Qwen3-30B-A3B")
    spec = parse_model_config(config, quant, name="Qwen/Qwen3-30B-A3B")
    cluster, engine = preset_cluster("rtx-3090", 4), EngineSettings()
    plan(PlanRequest(model=spec, cluster=cluster, layout=ParallelLayout(tp=4), engine=engine))
    rows = sweep(spec, cluster, engine).rows
    assert rows
    owners = [weakref.ref(o) for o in (spec, cluster, engine)]
    del spec, cluster, engine, rows
    gc.collect()
    assert [o() for o in owners] == [None, None, None]


def test_distinct_objects_keeps_each_object_once_by_identity_in_first_order():
    a, b = [1], [1]  # equal, not the same object: both kept
    assert distinct_objects([a, b, a, a, b]) == (a, b)
    kept = distinct_objects([b, a, b])
    assert kept[0] is b and kept[1] is a and len(kept) == 2


def test_first_alike_names_the_first_equal_position():
    # positions 0..5 with keys x y x z y x: x first at 0, y at 1, z at 3
    assert first_alike(["x", "y", "x", "z", "y", "x"]) == (0, 1, 0, 3, 1, 0)
    assert first_alike([]) == ()
