"""Normalisation for exact-duplicate detection and for comparing paragraphs.

``normalize_text`` maps text that a reader would call "the same" to one string:
Unicode NFKC, zero-width and soft-hyphen characters removed, curly quotes made
straight, every dash made "-", case folded, runs of whitespace (including line and
paragraph breaks) collapsed to one space. ``content_hash`` is the SHA-256 of that.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

# Invisible characters that pasting from browsers and word processors leaves behind.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb"
# Hyphen, non-breaking hyphen, figure dash, en, em, horizontal bar, minus, small and
# full-width hyphen-minus (NFKC already folds some of these; listed for clarity).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"

_TABLE = str.maketrans(
    {
        **dict.fromkeys(map(ord, _INVISIBLE), None),
        **dict.fromkeys(map(ord, _SINGLE_QUOTES), "'"),
        **dict.fromkeys(map(ord, _DOUBLE_QUOTES), '"'),
        **dict.fromkeys(map(ord, _DASHES), "-"),
    }
)


_SPACES = re.compile(r"\s+")  # str.isspace's characters, as str.split() sees them


def normalize_text(s: str) -> str:
    """Return ``s`` normalised for equality comparison (see module docstring)."""
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(_TABLE).casefold()
    # casefold can change characters the table maps; translate once more to be sure.
    s = s.translate(_TABLE)
    # Not " ".join(s.split()): that holds every word of a 20 MB text as a string at once.
    return _SPACES.sub(" ", s).strip()


def text_pieces(text: str, piece: int = 1 << 18):
    """``text`` cut at whitespace about every ``piece`` characters (a word is never cut):
    to work through a 20 MB text without holding all its words at once."""
    start, n = 0, len(text)
    while start < n:
        end = start + piece
        if end < n:
            m = _SPACES.search(text, end)
            end = m.start() if m else n
        else:
            end = n
        yield text[start:end]
        start = end


def normalized_pieces(text: str, piece: int = 1 << 18):
    """``normalize_text(text)`` in pieces: each of ``text_pieces`` normalised on its own
    (nothing in the normalisation reaches across whitespace), so
    ``" ".join(normalized_pieces(text))`` equals ``normalize_text(text)`` while a 20 MB
    text is never copied whole four times over (NFKC, two translations, case folding) at
    once. Empty pieces are left out."""
    for chunk in text_pieces(text, piece):
        chunk = normalize_text(chunk)
        if chunk:
            yield chunk


def count_words(text: str) -> int:
    """``len(text.split())``, without the list of every word."""
    return sum(len(chunk.split()) for chunk in text_pieces(text))


def content_hash(text: str) -> str:
    """SHA-256 hex digest of the normalised text (the article body)."""
    digest = hashlib.sha256()
    for i, chunk in enumerate(normalized_pieces(text)):
        digest.update((" " + chunk if i else chunk).encode("utf-8"))
    return digest.hexdigest()


def text_hash(text: str) -> str:
    """SHA-256 hex digest of the text exactly as stored (an article version's text)."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()
