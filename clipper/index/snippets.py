"""Snippets: the best fragments of a hit with the matched words marked.

``fragments`` are plain text with ``matches`` as [start, end] offsets into each fragment
(for the GUI to draw its own highlights); ``snippet`` is the same as HTML, with matched
words in ``<b>…</b>`` and everything else escaped.
"""
from __future__ import annotations

import html

from whoosh import highlight

# Highlighting stops at this many characters of a document. Whoosh's default (32K) would
# give an empty snippet for a match in the second half of a long article.
CHARLIMIT = 300_000
FRAGMENT_CHARS = 220
SURROUND = 60
SEPARATOR = " … "


class _FragmentCollector(highlight.Formatter):
    """Returns fragments as plain data instead of formatted text."""

    def format(self, fragments, replace=False):
        out = []
        for f in fragments:
            start, end = _trim(f)
            base = start
            text = f.text[start:end]
            spans = []
            last = 0
            for t in sorted(f.matches, key=lambda t: (t.startchar, -(t.endchar - t.startchar))):
                if t.startchar is None or t.startchar - base < last:
                    continue
                s, e = t.startchar - base, min(t.endchar, end) - base
                if e > s:
                    spans.append([s, e])
                    last = e
            out.append({"text": text, "matches": spans})
        return out


def _trim(f) -> tuple[int, int]:
    """Fragment bounds moved to word boundaries, never cutting a match."""
    text, start, end = f.text, f.startchar, f.endchar
    starts = [t.startchar for t in f.matches if t.startchar is not None]
    ends = [t.endchar for t in f.matches if t.endchar is not None]
    first = min(starts) if starts else end
    last = max(ends) if ends else start
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, first)
        if space >= 0:
            start = space + 1
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", last, end)
        if space >= 0:
            end = space
    return start, end


def make_highlighter() -> highlight.Highlighter:
    return highlight.Highlighter(
        # Pinpoint: fragments from the match offsets stored in the index (chars=True),
        # without re-analysing the whole article for every hit.
        fragmenter=highlight.PinpointFragmenter(
            maxchars=FRAGMENT_CHARS, surround=SURROUND, autotrim=False, charlimit=CHARLIMIT
        ),
        formatter=_FragmentCollector(),
        order=highlight.FIRST,
    )


def fragments_for(highlighter, hit, stored: dict, fieldnames, top: int = 2) -> list[dict]:
    """Fragments from the first of ``fieldnames`` that has a match in this hit."""
    for name in fieldnames:
        try:
            value = stored.get(name)
            if not value:
                continue
            frags = highlighter.highlight_hit(hit, name, text=value, top=top)
        except KeyError:
            continue
        if frags:
            return frags
    return []


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
