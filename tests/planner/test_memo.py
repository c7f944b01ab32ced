"""IdentityMemo: hits by identity, never by a recycled id(), and stays within its bound."""

import gc

import pytest

from planner.memo import IdentityMemo


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


def test_held_object_keeps_its_id_so_a_new_object_never_hits():
    memo, (compute, runs) = IdentityMemo(8), _counting()
    thing = _Thing()
    memo.get(thing, (), compute)
    first_id = id(thing)
    del thing
    gc.collect()
    # the memo still holds the first object, so no live object can have its id: every new
    # object misses (without the held reference CPython would often reuse the address)
    fresh = [_Thing() for _ in range(200)]
    assert all(id(f) != first_id for f in fresh)
    for f in fresh[:5]:
        memo.get(f, (), compute)
    assert len(runs) == 6


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
