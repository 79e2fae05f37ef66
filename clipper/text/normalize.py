"""Normalisation for exact-duplicate detection and for comparing paragraphs.

``normalize_text`` maps text that a reader would call "the same" to one string:
Unicode NFKC, zero-width and soft-hyphen characters removed, curly quotes made
straight, every dash made "-", case folded, runs of whitespace (including line and
paragraph breaks) collapsed to one space. ``content_hash`` is the SHA-256 of that.
"""
from __future__ import annotations

import hashlib
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


def normalize_text(s: str) -> str:
    """Return ``s`` normalised for equality comparison (see module docstring)."""
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(_TABLE).casefold()
    # casefold can change characters the table maps; translate once more to be sure.
    s = s.translate(_TABLE)
    return " ".join(s.split())


def content_hash(text: str) -> str:
    """SHA-256 hex digest of the normalised text (the article body)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
