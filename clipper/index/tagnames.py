"""Tags in the index by id, their names from the database.

The index holds a tag as ``t<id>``, never its name: renaming a tag (on a thousand
passages) changes nothing in the index and is searchable at once. A query's ``tag:`` clauses
(and the tag part of a plain word's default fields) are rewritten from names to ids when the
query is parsed, hits and facets get the names back, through a ``TagNames`` the library
gives the index (it reads the ``tags`` table; a few hundred rows, read once per search).

Without one (an index used on its own, as in tests), documents carry tag names as before.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from whoosh import query as wq

TOKEN = re.compile(r"t(\d+)$")


def token(tag_id: int) -> str:
    return f"t{int(tag_id)}"


def token_id(text: str) -> int | None:
    m = TOKEN.match(text)
    return int(m.group(1)) if m else None


class TagNames:
    """``load() -> {id: name}`` of every tag; ``fold(name) -> term`` as the tag field's
    analyzer folds names (lower case, accents, spaces)."""

    def __init__(self, load: Callable[[], dict[int, str]], fold: Callable[[str], str]):
        self._load = load
        self._fold = fold
        self._names: dict[int, str] | None = None
        self._folded: dict[int, str] = {}

    def refresh(self) -> None:
        """Read the tags again (once per search)."""
        self._names = dict(self._load())
        self._folded = {i: self._fold(n) for i, n in self._names.items()}

    @property
    def names(self) -> dict[int, str]:
        if self._names is None:
            self.refresh()
        return self._names

    def name_of(self, text: str) -> str | None:
        """The tag name behind an index term (``t17``), None for a deleted tag."""
        i = token_id(text)
        return self.names.get(i) if i is not None else None

    def _ids(self, matches: Callable[[str], bool]) -> list[int]:
        self.names  # noqa: B018 - loads
        return sorted(i for i, f in self._folded.items() if matches(f))

    def rewrite(self, q: wq.Query, field: str = "tag") -> wq.Query:
        """``q`` with every clause on ``field`` naming tags turned into their ids."""
        if q.is_leaf():
            if getattr(q, "fieldname", None) != field:
                return q
            return self._leaf(q, field)
        return q.apply(lambda child: self.rewrite(child, field))

    def _leaf(self, q: wq.Query, field: str) -> wq.Query:
        if isinstance(q, wq.Prefix):
            ids = self._ids(lambda f: f.startswith(q.text))
        elif isinstance(q, wq.Wildcard):
            ids = self._ids(lambda f: fnmatch.fnmatchcase(f, q.text))
        elif isinstance(q, wq.FuzzyTerm):
            from rapidfuzz.distance import Levenshtein

            ids = self._ids(lambda f: Levenshtein.distance(f, q.text) <= q.maxdist
                            and f[:q.prefixlength] == q.text[:q.prefixlength])
        elif isinstance(q, wq.Term):
            ids = self._ids(lambda f: f == q.text)
        elif isinstance(q, (wq.Every, wq.NullQuery.__class__)):
            return q
        else:  # ranges and the like on tag names: compare names as text
            words = [w for w in getattr(q, "words", lambda: [])() if isinstance(w, str)]
            ids = self._ids(lambda f: f in words) if words else []
        if not ids:
            return wq.NullQuery
        terms = [wq.Term(field, token(i), boost=q.boost) for i in ids]
        return terms[0] if len(terms) == 1 else wq.Or(terms)
