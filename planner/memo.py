"""A bounded cache keyed by object identity, for the planner's per-spec and per-stage facts.

Specs, clusters and settings are large frozen pydantic models: hashing one costs more than a
whole plan, so the planner caches what it derives from them by ``id()`` instead. An ``id()`` is
only unique among live objects, so every entry holds a *weak* reference to its owners: an
entry is dropped the moment one of its owners is collected (before its id can be reused), and
a hit checks that the owner is still that very object. Entries live no longer than their
owners, so an app session that ends frees its specs and everything derived from them (the
memo used to hold its owners strongly, which kept ~1,365 ended sessions' specs alive).
Beside it, helpers for working out alike parts once: distinct_objects, first_alike,
alike_kinds, first_places.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")
T = TypeVar("T")


class IdentityMemo(Generic[V]):
    """Values cached per (object identity, key), owners held weakly; cleared when full."""

    __slots__ = ("_entries", "_max_entries")

    def __init__(self, max_entries: int) -> None:
        """An empty memo that holds at most ``max_entries`` values (it clears itself when full:
        a sweep refills it in one pass, so nothing cleverer than clearing is needed)."""
        if max_entries < 1:
            raise ValueError(f"IdentityMemo needs max_entries >= 1, got {max_entries}")
        self._entries: dict[tuple, tuple[object, V]] = {}
        self._max_entries = max_entries

    def __len__(self) -> int:
        """How many values the memo holds now."""
        return len(self._entries)

    def get(self, owner: object, key: tuple[Hashable, ...], compute: Callable[..., V],
            *args: object) -> V:
        """The value for ``owner`` (by identity) and ``key``; on a miss, ``compute(*args)``.

        ``key`` holds cheap hashables (ints, strings) that, with the owner, fix the value.
        This is the planner's hot path (~10 lookups a plan): one dict lookup and one weak
        dereference; ``compute`` takes ``args`` rather than being a fresh closure, which costs
        more per hit. The owner must accept weak references (pydantic models do).
        """
        full_key = (id(owner), *key)
        entry = self._entries.get(full_key)
        if entry is not None and entry[0]() is owner:
            return entry[1]
        value = compute(*args)
        self._store(full_key, weakref.ref(owner, self._dropper(full_key)), value)
        return value

    def get_all(self, owners: tuple[object, ...], key: tuple[Hashable, ...],
                compute: Callable[..., V], *args: object) -> V:
        """Like get, for a value that depends on several objects by identity (all are held
        weakly and checked); a memo is used with one of the two methods, and always as many
        owners."""
        full_key = (*map(id, owners), *key)
        entry = self._entries.get(full_key)
        if entry is not None:
            # (a loop, not all() over a generator: this runs once per plan and per estimate)
            for ref, owner in zip(entry[0], owners, strict=True):
                if ref() is not owner:
                    break
            else:
                return entry[1]
        value = compute(*args)
        drop = self._dropper(full_key)
        self._store(full_key, tuple(weakref.ref(owner, drop) for owner in owners), value)
        return value

    def _dropper(self, full_key: tuple) -> Callable[[object], None]:
        """The weakref callback that forgets ``full_key`` once an owner is collected."""
        entries = self._entries

        def drop(_ref: object) -> None:
            entries.pop(full_key, None)

        return drop

    def _store(self, full_key: tuple, refs: object, value: V) -> None:
        """Keep ``value`` with weak references to the object(s) it was computed for, clearing
        the memo if full."""
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[full_key] = (refs, value)



def distinct_objects(items: Iterable[T]) -> tuple[T, ...]:
    """Each object of `items` once, by identity, in order of first place: where the planner
    hands one object to every part that holds the same figures (rank_weights' ranks,
    engine.stage_layouts' stages), what is worked out of each part is worked out of a few.
    (dict over zip and map: no Python-level step per item, where a rank's list is thousands
    of items long: TP 128 x PP 32.)"""
    seq = tuple(items)
    return tuple(dict(zip(map(id, seq), seq, strict=True)).values())


def first_alike(keys: Iterable[Hashable]) -> tuple[int, ...]:
    """Per position, the first position whose key equals its own: two runs of positions that
    match first for first are alike, so their figures are worked out once."""
    first: dict[Hashable, int] = {}
    return tuple(first.setdefault(key, i) for i, key in enumerate(keys))


def alike_kinds(keys: Iterable[Hashable]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(per position, the index of its kind; the first position of each kind): positions of
    equal keys are one kind, numbered in order of first place, so each kind's figures are
    worked out once, at its first position."""
    seq = list(keys)
    number = {key: i for i, key in enumerate(dict.fromkeys(seq))}
    return tuple(map(number.__getitem__, seq)), first_places(seq)


def first_places(keys: Iterable[Hashable]) -> tuple[int, ...]:
    """The first position of each distinct key, in order. (A dict over the positions
    reversed, whose last write of a key is its first position: no Python-level step per
    position, where the positions are a deep PP split's 126 stages.)"""
    seq = list(keys)
    return tuple(sorted(dict(zip(reversed(seq), range(len(seq) - 1, -1, -1),
                                 strict=True)).values()))
