"""Full-text search over articles and passages (Whoosh), derived from the database.

The names below load the search engine (Whoosh, numpy) on first use, so commands that
never search (``clipper --version``, ``tag list``) start without it.
"""
from __future__ import annotations

from importlib import import_module

__all__ = ["Hit", "PassageHit", "SearchIndex", "SearchResult"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module("clipper.index.searchindex"), name)
    raise AttributeError(f"module 'clipper.index' has no attribute {name!r}")
