"""Whoosh schemas and analyzers for the search index.

The schema (custom analyzer classes included) is pickled into the index files, so the
classes here must stay importable at ``clipper.index.schema``. Any change to fields or
analyzers must bump ``INDEX_SCHEMA_VERSION``: an index written with another version is
recreated empty and rebuilt from the database.

Two Whoosh indexes live in the index folder: ``articles/`` (one document per article) and
``passages/`` (one document per passage). Passage documents hold only what is the
passage's own (quote, note, tags, status) plus sort columns; a passage query naming article
metadata (title, outlet, dates...) is answered through the articles index and mapped onto
passages by ``article_id`` (see ``clipper.index.searchindex``).

Text fields keep positions (phrases) but not character offsets, and the article body is
not stored: snippets re-read the text of the ~20 hits shown (from the database through
``text_loader``, else from ``stored_text``) and find the matches again.
"""
from __future__ import annotations

import unicodedata

from whoosh import fields
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, Token
from whoosh.support.charset import accent_map

from clipper.index.state import INDEX_SCHEMA_VERSION  # noqa: E402,F401 - bump it there

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
    """Like ``fold_analyzer`` plus English stemming. No stop list: phrases stay exact.

    When indexing, a word with accented vowels is also indexed (same position) without
    them, one at a time and all together: "Téhéran" also gives "tehran", so the usual
    English spelling finds it (``LooseVowelFilter``)."""
    return (RegexTokenizer(WORD_PATTERN) | LooseVowelFilter() | FoldFilter()
            | StemFilter(cachesize=100000))


_VOWELS = set("aeiouy")


def _accented_vowel(c: str) -> bool:
    if c.isascii():
        return False
    base = unicodedata.normalize("NFD", c)[0].lower()
    return base in _VOWELS and base != c.lower()


def loose_variants(word: str, limit: int = 3) -> list[str]:
    """The word without its accented vowels (not the first letter): each one dropped
    alone, then all together. Transliterations often drop a vowel an accent marks
    ("Téhéran" → "Tehran"). Empty for words without accented vowels."""
    if word.isascii():
        return []
    spots = [i for i, c in enumerate(word) if i > 0 and _accented_vowel(c)]
    if not spots:
        return []
    out = []
    for i in spots[:limit]:
        out.append(word[:i] + word[i + 1:])
    if len(spots) > 1:
        out.append("".join(c for i, c in enumerate(word) if i not in spots))
    return out


class LooseVowelFilter(Filter):
    """At index time, also yields ``loose_variants`` of a token at the same position.
    Query text is left alone (the query parser adds the variants of an accented query
    word itself, as alternatives)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        for t in tokens:
            if t.mode != "index" or t.text.isascii():
                yield t
                continue
            original = t.text
            variants = loose_variants(original)
            yield t
            for v in variants:
                t.text = v
                yield t


class WordsField(fields.TEXT):
    """A positional ``TEXT`` field that indexes faster: the same terms, positions and
    weights as Whoosh's token pipeline, computed per distinct word instead of per token.

    The tokenizer still finds the words; the filters after it (loose vowels, folding,
    stemming) only ever look at one token at a time, so their output for a given word is
    always the same and is memoised (a bounded per-field cache, never pickled with the
    schema). Searching is untouched: queries go through ``self.analyzer`` as before.
    ``tests/core/test_index_fields.py`` checks both paths give identical postings."""

    CACHE_LIMIT = 200_000

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_word_terms", "_single_values")}

    def _terms_of(self, word: str) -> tuple[str, ...]:
        token = Token(positions=True, boosts=True, mode="index")
        token.text, token.pos, token.boost, token.stopped = word, 0, 1.0, False
        stream = iter((token,))
        for f in self.analyzer.items[1:]:
            stream = f(stream)
        return tuple(t.text for t in stream)

    def index(self, value, **kwargs):
        items = getattr(self.analyzer, "items", None)
        if (not isinstance(value, str) or kwargs or not items
                or not isinstance(items[0], RegexTokenizer) or items[0].gaps):
            yield from super().index(value, **kwargs)
            return
        cache = self.__dict__.get("_word_terms")
        if cache is None or len(cache) > self.CACHE_LIMIT:
            cache = self.__dict__["_word_terms"] = {}
        positions: dict[str, list[int]] = {}
        # finditer, not findall: a 20 MB text as one list of words was ~180 MB at once
        for pos, word in enumerate(m.group() for m in items[0].expression.finditer(value)):
            terms = cache.get(word)
            if terms is None:
                terms = cache[word] = self._terms_of(word)
            for term in terms:
                found = positions.get(term)
                if found is None:
                    positions[term] = [pos]
                else:
                    found.append(pos)
        encode, boost = self.format.encode, self.format.field_boost
        # Most words occur once in a document: their encoded value depends only on that
        # position, so it is kept (positions are small integers, the cache stays small).
        singles = self.__dict__.setdefault("_single_values", {})
        for term, found in positions.items():
            if len(found) == 1:
                pos = found[0]
                value = singles.get(pos)
                if value is None:
                    value = encode(found)
                    if pos < 100_000:
                        singles[pos] = value
                yield term.encode("utf-8"), 1, boost, value
            else:
                yield term.encode("utf-8"), len(found), len(found) * boost, encode(found)


def tag_analyzer():
    """Whole tag names (comma separated), lower-cased and accent folded, not stemmed."""
    return (
        RegexTokenizer(r"[^,]+")
        | _StripFilter()
        | FoldFilter()
    )


def fold_tag(name: str) -> str:
    """A tag name as the tag field indexes it (one term)."""
    terms = [t.text for t in tag_analyzer()(name)]
    return terms[0] if terms else ""


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


def article_schema() -> fields.Schema:
    text_an, fold_an = text_analyzer(), fold_analyzer()
    return fields.Schema(
        key=fields.ID(unique=True),
        id=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
        title=WordsField(analyzer=text_an, stored=True, field_boost=2.0),
        text=WordsField(analyzer=text_an),
        # The body for snippets, only when the index has no text_loader (tests, tools).
        stored_text=fields.STORED(),
        quote=WordsField(analyzer=text_an, stored=True),
        note=WordsField(analyzer=text_an, stored=True),
        tag=fields.TEXT(analyzer=tag_analyzer(), stored=True, phrase=False),
        **_metadata_fields(fold_an),
        has=fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        **{"is": fields.TEXT(analyzer=keyword_analyzer(), phrase=False)},
    )


# Article fields a passage query may name: answered by the articles index.
ARTICLE_ONLY_FIELDS = ("title", "outlet", "agency", "author", "url", "site", "lang",
                       "published", "imported", "changed")


def _metadata_fields(fold_an) -> dict:
    return {
        "outlet": WordsField(analyzer=fold_an, stored=True),
        "agency": WordsField(analyzer=fold_an, stored=True),
        "author": WordsField(analyzer=fold_an),
        "url": WordsField(analyzer=RegexTokenizer(r"[^\W_]+") | FoldFilter()),
        "site": fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        "lang": fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        "published": fields.DATETIME(stored=True, sortable=True),
        "imported": fields.DATETIME(sortable=True),
        "changed": fields.DATETIME(sortable=True),  # newest version arrived (2+ versions); ranges read the column
        "title_sort": fields.COLUMN(fields.columns.VarBytesColumn()),
        # Facet columns (exact display values).
        "outlet_f": fields.COLUMN(fields.columns.VarBytesColumn()),
        "agency_f": fields.COLUMN(fields.columns.VarBytesColumn()),
        "month": fields.COLUMN(fields.columns.VarBytesColumn()),
        "stamp": fields.COLUMN(fields.columns.VarBytesColumn()),
    }


def passage_schema() -> fields.Schema:
    """Only what is the passage's own, plus its article's id and sort columns."""
    text_an = text_analyzer()
    return fields.Schema(
        key=fields.ID(unique=True),
        id=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
        article_id=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
        article_key=fields.ID(),
        quote=WordsField(analyzer=text_an, stored=True),
        note=WordsField(analyzer=text_an, stored=True),
        tag=fields.TEXT(analyzer=tag_analyzer(), stored=True, phrase=False),
        has=fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        **{"is": fields.TEXT(analyzer=keyword_analyzer(), phrase=False)},
        # Sort columns (same values as the articles' DATETIME columns).
        published=fields.COLUMN(fields.columns.NumericColumn("Q", default=2**64 - 1)),
        imported=fields.COLUMN(fields.columns.NumericColumn("Q", default=2**64 - 1)),
        title_sort=fields.COLUMN(fields.columns.VarBytesColumn()),
        stamp=fields.COLUMN(fields.columns.VarBytesColumn()),
    )


def passage_query_schema() -> fields.Schema:
    """What a passage query is parsed against: the passage fields plus the article
    metadata fields (``ARTICLE_ONLY_FIELDS``), which are then answered by the articles
    index."""
    schema = passage_schema()
    arts = article_schema()
    for name in ARTICLE_ONLY_FIELDS:
        if name in schema:
            schema.remove(name)
        schema.add(name, arts[name])
    return schema


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
