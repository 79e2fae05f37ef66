"""Snippets: the best fragments of a hit with the matched words marked.

``fragments`` are plain text with ``matches`` as [start, end] offsets into each fragment
(for the GUI to draw its own highlights); ``snippet`` is the same as HTML, with matched
words in ``<b>…</b>`` and everything else escaped.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator

# Matches further into a document than this are not looked for (a snippet from the first
# 300K characters is enough; Whoosh's own highlighter stopped at 32K).
CHARLIMIT = 300_000
FRAGMENT_CHARS = 220
SURROUND = 60
SEPARATOR = " … "


def find_fragments(text: str, wanted: set, terms_of: Callable[[str], Iterable[str]],
                   word_re: re.Pattern, top: int = 2) -> list[dict]:
    """Up to ``top`` fragments of ``text`` around the first matches: words whose index
    terms (``terms_of(word)``: folded, stemmed) are in ``wanted``, and exact phrases —
    tuples of index terms in ``wanted`` — marked as one span where their words follow
    each other (a phrase's words elsewhere are not marked).

    The index keeps no character offsets, so this re-reads the text of a shown hit;
    scanning stops once the fragments are complete.
    """
    if not text or not wanted:
        return []
    n = len(text)
    frags: list[list] = []  # [start, end, [(s, e), ...]]
    for s, e in _match_spans(text, wanted, terms_of, word_re, min(n, CHARLIMIT)):
        if frags and s < frags[-1][1]:
            if e <= frags[-1][1]:
                frags[-1][2].append((s, e))
            continue
        if len(frags) == top:
            break
        start = max(0, s - SURROUND)
        if frags:
            start = max(start, frags[-1][1])
        end = max(e, min(n, start + FRAGMENT_CHARS))
        frags.append([start, end, [(s, e)]])
    return [_fragment(text, start, end, spans) for start, end, spans in frags]


def _match_spans(text: str, wanted: set, terms_of: Callable[[str], Iterable[str]],
                 word_re: re.Pattern, limit: int) -> Iterator[tuple[int, int]]:
    """(start, end) of every match in ``text[:limit]``, in order and not overlapping: a
    phrase occurrence swallows the single-word matches inside it."""
    words = {w for w in wanted if isinstance(w, str)}
    phrases = [w for w in wanted if isinstance(w, tuple) and w]
    if not phrases:
        for m in word_re.finditer(text, 0, limit):
            if not words.isdisjoint(terms_of(m.group())):
                yield m.span()
        return
    ends = {p[-1] for p in phrases}  # a phrase is looked for where its last word is
    longest = max(map(len, phrases))
    starts: list[int] = []  # start and index terms of every word so far
    seen: list = []
    pending: list[tuple[int, int]] = []
    for m in word_re.finditer(text, 0, limit):
        terms = terms_of(m.group())
        s, e = m.span()
        starts.append(s)
        seen.append(terms)
        if words and not words.isdisjoint(terms):
            pending.append((s, e))
        if not ends.isdisjoint(terms):
            n = len(seen)
            for phrase in phrases:
                k = len(phrase)
                if k <= n and phrase[-1] in terms and all(
                        phrase[j] in seen[n - k + j] for j in range(k - 1)):
                    begin = starts[n - k]
                    kept = [span for span in pending if span[0] < begin]
                    if kept and kept[-1][1] > begin:
                        continue  # overlaps an earlier occurrence ("a a" in "a a a")
                    pending = [*kept, (begin, e)]
        if pending and len(starts) >= longest:
            # A phrase found later starts at this word's (longest - 2)th predecessor at
            # the earliest: what ends before that is final.
            horizon = starts[len(starts) - longest + 1]
            while pending and pending[0][1] <= horizon:
                yield pending.pop(0)
    yield from pending


def _fragment(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> dict:
    """Fragment bounds moved to word boundaries, never cutting a match."""
    first, last = spans[0][0], spans[-1][1]
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, first)
        if space >= 0:
            start = space + 1
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", last, end)
        if space >= 0:
            end = space
    return {"text": text[start:end], "matches": [[s - start, e - start] for s, e in spans]}


def lead_fragment(text: str, chars: int = FRAGMENT_CHARS) -> list[dict]:
    """The opening of a text, for hits with no highlightable match (date filters...)."""
    text = " ".join((text or "").split())
    if not text:
        return []
    if len(text) > chars:
        cut = text.rfind(" ", 0, chars)
        text = text[: cut if cut > chars // 2 else chars] + "…"
    return [{"text": text, "matches": []}]


def to_html(fragments: list[dict]) -> str:
    parts = []
    for f in fragments:
        text, pos, out = f["text"], 0, []
        for s, e in f["matches"]:
            out.append(html.escape(text[pos:s]))
            out.append("<b>" + html.escape(text[s:e]) + "</b>")
            pos = e
        out.append(html.escape(text[pos:]))
        parts.append(" ".join("".join(out).split()))
    return SEPARATOR.join(parts)
