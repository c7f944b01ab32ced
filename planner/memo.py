"""A bounded cache keyed by object identity, for the planner's per-spec and per-stage facts.

Specs, clusters and settings are large frozen pydantic models: hashing one costs more than a
whole plan, so the planner caches what it derives from them by ``id()`` instead. An ``id()`` is
only unique among live objects, so every entry holds a reference to its owners: while the entry
exists no other object can take their ids, and a recycled id can never hit a stale value.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """Values cached per (object identity, key), holding the object; cleared when full."""

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
        This is the planner's hot path (~10 lookups a plan): one dict lookup and one ``is``;
        ``compute`` takes ``args`` rather than being a fresh closure, which costs more per hit.
        """
        full_key = (id(owner), *key)
        entry = self._entries.get(full_key)
        if entry is not None and entry[0] is owner:
            return entry[1]
        return self._store(full_key, owner, compute(*args))

    def get_all(self, owners: tuple[object, ...], key: tuple[Hashable, ...],
                compute: Callable[..., V], *args: object) -> V:
        """Like get, for a value that depends on several objects by identity (all are held and
        checked); a memo is used with one of the two methods, and always as many owners."""
        full_key = (*map(id, owners), *key)
        entry = self._entries.get(full_key)
        # tuple == tests each pair with `is` first, and held owners with these ids are these
        # very objects, so this is the identity check (all(map(operator.is_, ...)) is slower)
        if entry is not None and entry[0] == owners:
            return entry[1]
        return self._store(full_key, owners, compute(*args))

    def _store(self, full_key: tuple, held: object, value: V) -> V:
        """Keep ``value`` with the object(s) it was computed for, clearing the memo if full."""
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[full_key] = (held, value)
        return value
