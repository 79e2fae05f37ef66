"""A bounded, thread-safe LRU of numpy arrays kept on a Whoosh segment reader.

Segment files never change, so what is decoded from a segment (phrase keys, postings)
can be kept with its reader for the next query. Each cache has a byte budget; a value
bigger than half the budget is not kept, and the least recently used values go first.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

import numpy as np


def _nbytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    return sum(part.nbytes for part in value)


class ArrayCache:
    """Values are arrays or tuples of arrays, counted by their ``nbytes``."""

    def __init__(self, budget: int):
        self.budget = budget
        self.used = 0
        self.items: OrderedDict = OrderedDict()
        self.lock = Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        size = _nbytes(value)
        if size > self.budget // 2:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.used -= _nbytes(old)
            self.items[key] = value
            self.used += size
            while self.used > self.budget and self.items:
                _key, dropped = self.items.popitem(last=False)
                self.used -= _nbytes(dropped)


def reader_cache(reader, name: str, budget: int) -> ArrayCache:
    """The cache called ``name`` on a segment reader (made with ``budget`` bytes)."""
    attr = f"_clipper_{name}"
    cache = reader.__dict__.get(attr)
    if cache is None:
        cache = reader.__dict__.setdefault(attr, ArrayCache(budget))
    return cache
