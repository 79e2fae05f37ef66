"""Saved searches, stored in the library (so they travel with it and are in its backups):
``[{"name", "query", "passages"}]`` in the order they were saved."""
from __future__ import annotations

from clipper.errors import InputError
from clipper.storage import meta

KEY = "saved_searches"
MAX_NAME = 80


def _clean(data) -> list[dict]:
    out = []
    for d in data if isinstance(data, list) else []:
        if isinstance(d, dict) and isinstance(d.get("name"), str) and isinstance(d.get("query"), str):
            out.append({"name": d["name"], "query": d["query"], "passages": bool(d.get("passages"))})
    return out


class SavedSearches:
    def __init__(self, lib):
        self.lib = lib

    def all(self) -> list[dict]:
        return _clean(meta.get_json(self.lib.db, KEY, []))

    def save(self, name: str, query: str, passages: bool = False) -> list[dict]:
        """Store (or replace, by name) a saved search; returns the new list."""
        name = " ".join((name or "").split())
        if not name or len(name) > MAX_NAME:
            raise InputError(f"a saved search needs a name of 1 to {MAX_NAME} characters")
        if not (query or "").strip():
            raise InputError("a saved search needs a query")
        with self.lib.write():
            saved = [s for s in self.all() if s["name"] != name]
            saved.append({"name": name, "query": query.strip(), "passages": bool(passages)})
            meta.set_json(self.lib.db, KEY, saved)
        return saved

    def remove(self, name: str) -> list[dict]:
        with self.lib.write():
            saved = [s for s in self.all() if s["name"] != name]
            meta.set_json(self.lib.db, KEY, saved)
        return saved
