"""A process's memory of what it read from the shared cache a moment ago.

Configuration read on every request (API keys, the catalogue's stamp) lives in the shared cache; on
Redis each read is a round trip (about 0.25 ms with Django's client, as much as the rest of an API
read). Asked again within `seconds`, a value comes from here instead. Whoever changes the value
clears it here and in the shared cache: this process sees the change at once, the others within
`seconds`.

It also holds the one registry of this process's caches: every module that keeps values in a
module-level cache registers how to forget them (`memo_register`), and `memos_clear` forgets them
all (tests call it between two of them, as they clear the shared cache). Caches of pure functions
(`functools.cache` of a computation that depends only on its arguments: holidays, AI rules, parsed
networks) are not registered: nothing they remember can go stale."""

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

_MISSING = object()
_clears: list[Callable[[], None]] = []


def memo_register(clear: Callable[[], None]) -> None:
    """Register how to forget a per-process cache (`memos_clear` calls it)."""
    _clears.append(clear)


class RecentValues:
    """Values read in the last `seconds`, by key."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._values: dict[str, tuple[float, Any]] = {}
        memo_register(self.clear)

    def get(self, key: str, default: Any = None) -> Any:
        found = self._values.get(key)
        if found is None or time.monotonic() - found[0] >= self.seconds:
            return default
        return found[1]

    def set(self, key: str, value: Any) -> None:
        if len(self._values) > 10_000:  # keys of clients that stopped calling
            self._values.clear()
        self._values[key] = (time.monotonic(), value)

    def forget(self, key: str) -> None:
        self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()


def memos_clear() -> None:
    """Forget everything every registered cache holds (tests, between two of them, as they clear the cache)."""
    for clear in _clears:
        clear()


def shared_forget(*keys: str) -> None:
    """Delete entries of the shared cache now, and again once the transaction commits: a request in
    between could have cached the rows as they were before the change."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
