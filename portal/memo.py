"""A process's memory of what it read from the shared cache a moment ago.

Configuration read on every request (API keys, the catalogue's stamp) lives in the shared cache; on
Redis each read is a round trip (about 0.25 ms with Django's client, as much as the rest of an API
read). Asked again within `seconds`, a value comes from here instead. Whoever changes the value
clears it here and in the shared cache: this process sees the change at once, the others within
`seconds`."""

import time
from typing import Any

from django.core.cache import cache
from django.db import transaction

_MISSING = object()
_memos: list["RecentValues"] = []


class RecentValues:
    """Values read in the last `seconds`, by key."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._values: dict[str, tuple[float, Any]] = {}
        _memos.append(self)

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
    """Forget everything (tests, between two of them, as they clear the cache)."""
    for memo in _memos:
        memo.clear()


def shared_forget(*keys: str) -> None:
    """Delete entries of the shared cache now, and again once the transaction commits: a request in
    between could have cached the rows as they were before the change."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
