"""A small least-recently-used cache, one per app-server worker process.

Entries are keyed by fingerprints of what they were computed from (a round's judgments,
one participant's answers, the consultation's settings), so a worker never needs to be
told that something changed: a changed input is a new key, and old keys age out.
Cached values are shared by every request of the worker: read them, never change them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """A thread-safe mapping that keeps the ``size`` most recently used entries.

    Parameters
    ----------
    size : int
        How many entries to keep.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value cached under ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        """Cache ``value`` under ``key``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], V | None]) -> V | None:
        """The cached value, or ``compute()``'s, cached unless it is None.

        Two threads missing at once may both compute; both get an equal value.
        """
        value = self.get(key)
        if value is None:
            value = compute()
            if value is not None:
                self.put(key, value)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
