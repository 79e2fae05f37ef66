"""Whoosh schemas and analyzers for the search index.

The schema (custom analyzer classes included) is pickled into the index files, so the
classes here must stay importable at ``clipper.index.schema``. Any change to fields or
analyzers must bump ``INDEX_SCHEMA_VERSION``: an index written with another version is
recreated empty and rebuilt from the database.

Two Whoosh indexes live in the index folder: ``articles/`` (one document per article) and
``passages/`` (one document per passage, carrying a copy of its article's metadata).
"""
from __future__ import annotations

import unicodedata

from whoosh import fields
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.support.charset import accent_map

INDEX_SCHEMA_VERSION = 1

# Combining marks that belong inside words: Latin diacritics written as separate marks,
# Hebrew points and cantillation, Arabic short vowels and Quranic marks. Python's ``\w``
# excludes them, which would cut pointed Hebrew or vowelled Arabic into pieces.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
)
WORD_PATTERN = rf"[\w{_MARKS}]+(?:\.[\w{_MARKS}]+)*"


def fold_word(text: str) -> str:
    """Lower-case, drop combining marks (points, harakat, accents), fold the rest."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    text = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )
    return text.translate(accent_map)


class FoldFilter(Filter):
    """``fold_word`` on every token (one filter instead of three for indexing speed)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold_word(t.text)
            yield t


def fold_analyzer():
    """Words, lower-cased, marks stripped, accents folded — no stemming."""
    return RegexTokenizer(WORD_PATTERN) | FoldFilter()


def text_analyzer():
    """Like ``fold_analyzer`` plus English stemming. No stop list: phrases stay exact."""
    return fold_analyzer() | StemFilter(cachesize=50000)


def tag_analyzer():
    """Whole tag names (comma separated), lower-cased and accent folded, not stemmed."""
    return (
        RegexTokenizer(r"[^,]+")
        | _StripFilter()
        | FoldFilter()
    )


def keyword_analyzer():
    """Space-separated keywords, lower-cased (hosts, languages, presence flags)."""
    return RegexTokenizer(r"\S+") | LowercaseFilter()


class _StripFilter(Filter):
    """Trims surrounding whitespace of each token and drops empty ones."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for t in tokens:
            text = " ".join(t.text.split())
            if text:
                t.text = text
                yield t


def _common_fields(text_an, fold_an) -> dict:
    return {
        "title": fields.TEXT(analyzer=text_an, stored=True, field_boost=2.0, chars=True),
        "quote": fields.TEXT(analyzer=text_an, stored=True, chars=True),
        "note": fields.TEXT(analyzer=text_an, stored=True, chars=True),
        "tag": fields.TEXT(analyzer=tag_analyzer(), stored=True, phrase=False),
        "outlet": fields.TEXT(analyzer=fold_an, stored=True),
        "agency": fields.TEXT(analyzer=fold_an, stored=True),
        "author": fields.TEXT(analyzer=fold_an),
        "url": fields.TEXT(analyzer=RegexTokenizer(r"[^\W_]+") | FoldFilter()),
        "site": fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        "lang": fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        "published": fields.DATETIME(stored=True, sortable=True),
        "imported": fields.DATETIME(sortable=True),
        "title_sort": fields.COLUMN(fields.columns.VarBytesColumn()),
        # Facet columns (exact display values).
        "outlet_f": fields.COLUMN(fields.columns.VarBytesColumn()),
        "agency_f": fields.COLUMN(fields.columns.VarBytesColumn()),
        "month": fields.COLUMN(fields.columns.VarBytesColumn()),
        "stamp": fields.COLUMN(fields.columns.VarBytesColumn()),
        "has": fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        "is": fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
    }


def article_schema() -> fields.Schema:
    text_an, fold_an = text_analyzer(), fold_analyzer()
    return fields.Schema(
        key=fields.ID(unique=True),
        id=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
        # chars=True stores match offsets: snippets without re-analysing the article.
        text=fields.TEXT(analyzer=text_an, stored=True, chars=True),
        **_common_fields(text_an, fold_an),
    )


def passage_schema() -> fields.Schema:
    text_an, fold_an = text_analyzer(), fold_analyzer()
    return fields.Schema(
        key=fields.ID(unique=True),
        id=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
        article_id=fields.NUMERIC(int, bits=64, stored=True),
        article_key=fields.ID(),
        **_common_fields(text_an, fold_an),
    )


def vocabulary_schema() -> fields.Schema:
    """The ``vocabulary/`` index behind "did you mean": every folded, unstemmed word
    seen, in documents of many words each (a word list, not one entry per article, so it
    costs almost nothing to keep). ``spelling=True`` lives here and not on a stemmed
    field, where it would break fuzzy queries."""
    return fields.Schema(
        spell=fields.TEXT(analyzer=keyword_analyzer(), phrase=False, spelling=True),
    )


# Fields a user may name in a query (aliases map onto the real field).
USER_FIELDS = {
    "title": "title",
    "text": "text",
    "body": "text",
    "outlet": "outlet",
    "agency": "agency",
    "author": "author",
    "url": "url",
    "site": "site",
    "lang": "lang",
    "language": "lang",
    "tag": "tag",
    "tags": "tag",
    "note": "note",
    "notes": "note",
    "quote": "quote",
}
