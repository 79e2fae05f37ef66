"""What one search may cost: a time budget and a bound on the words its patterns expand to.

A fuzzy word (``officials~2``), a prefix (``offic*``) or a wildcard (``*ab*``) stands for
every word of the index it matches; a sloppy phrase is checked span by span. Without a
bound, ``officials~9`` took 28 s at 38k articles and 110 infix wildcards 71 s, while the
GUI searches as you type. ``clipper.index.query.parse`` caps the fuzzy distance and the
slop; during a search (``limit``) the pattern nodes of ``clipper.index.nodes`` count the
distinct words they expand to and check the clock while they scan the lexicon, and the
evaluators (``clipper.index.vector``, the Whoosh collectors and the sloppy-phrase matcher)
check it as they go. Past either bound the search stops with ``QueryTooBroad``, a
``QueryError`` whose one-line message names the word to narrow.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar

from clipper.errors import QueryError

MAX_FUZZY_DISTANCE = 2  # "word~9" searches as "word~2" (as Lucene and Elasticsearch do)
MAX_SLOP = 50  # '"a b"~1000000' searches as '"a b"~50'
MAX_EXPANDED_WORDS = 10_000  # distinct words all the patterns of one query may stand for
TIME_BUDGET = 5.0  # seconds of expansion and matching per search

_ADVICE = ("narrow it: fewer wildcard or fuzzy words, more letters before a * or ?, "
           "a smaller ~ distance or a shorter phrase")


class QueryTooBroad(QueryError):
    """A search stopped because the query would cost more than its budget."""


class Budget:
    """The running cost of one search (see ``limit``)."""

    def __init__(self, seconds: float | None, max_words: int | None):
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.max_words = max_words
        self.words: set = set()
        self.expansions: dict = {}  # expansion key -> the words, reused within the search
        self.what = ""  # the part of the query being worked on, for the message

    def check(self, what: str | None = None) -> None:
        """Raises ``QueryTooBroad`` once the time is up."""
        if what is not None:
            self.what = what
        if self.deadline is not None and time.monotonic() > self.deadline:
            at = f" (stopped at {self.what})" if self.what else ""
            raise QueryTooBroad(
                f"the query is too broad: it takes more than {self.seconds:g} seconds to "
                f"search{at}; {_ADVICE}")

    def stop_clock(self) -> None:
        """The expensive part is over (snippets and facets follow): no more deadline."""
        self.deadline = None

    def expand(self, what: str, words):
        """``words`` (an iterable of index words, consumed here) as a list, counted
        against the word bound; the clock is checked every 256 words."""
        self.check(what)
        out = []
        seen = self.words
        for i, w in enumerate(words):
            out.append(w)
            seen.add(w)
            if not i & 255:
                self.check()
                if self.max_words is not None and len(seen) > self.max_words:
                    self._too_many(what)
        if self.max_words is not None and len(seen) > self.max_words:
            self._too_many(what)
        return out

    def _too_many(self, what: str):
        raise QueryTooBroad(
            f"the query is too broad: its wildcard and fuzzy words match more than "
            f"{self.max_words:,} different words (the limit was reached at {what}); "
            f"{_ADVICE}")


_current: ContextVar[Budget | None] = ContextVar("clipper_query_budget", default=None)


def current() -> Budget | None:
    """The budget of the search running in this thread, if any."""
    return _current.get()


def check(what: str | None = None) -> None:
    """``Budget.check`` of the running search (nothing outside a search)."""
    b = _current.get()
    if b is not None:
        b.check(what)


def stop_clock() -> None:
    """``Budget.stop_clock`` of the running search."""
    b = _current.get()
    if b is not None:
        b.stop_clock()


@contextmanager
def limit(seconds: float | None = TIME_BUDGET, max_words: int | None = MAX_EXPANDED_WORDS):
    """Runs the block as one search with these bounds (None: no bound)."""
    b = Budget(seconds, max_words)
    token = _current.set(b)
    try:
        yield b
    finally:
        _current.reset(token)
