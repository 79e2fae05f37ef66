"""A search's hits as Clipper shows them: stored fields, tag names, and snippets that mark
the query's terms in the ~20 texts shown (re-read through ``text_loader``, else stored in
the index) instead of character offsets kept in every posting."""
from __future__ import annotations

import re
from datetime import datetime

from whoosh import query as wq

from clipper.index.results import Hit, PassageHit
from clipper.index.schema import WORD_PATTERN
from clipper.index.snippets import find_fragments, lead_fragment, to_html

_WORD_RE = re.compile(WORD_PATTERN)


def wanted_terms(q: wq.Query, reader) -> dict[str, set[str]]:
    """The index terms a snippet marks, by field: every term of the query outside a NOT,
    prefixes and fuzzy words expanded against the index. A term only marks what is in the
    text shown, so this is the same for every hit; it replaces Whoosh's TermsCollector,
    which recorded the matching terms of every hit (seconds for a broad prefix at 50k)."""
    out: dict[str, set[str]] = {}

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.AndMaybe):
            walk(node.a)
            walk(node.b)
            return
        if not node.is_leaf():
            for child in node.children():
                walk(child)
            return
        if isinstance(node, wq.Phrase) and node.slop == 1 and len(node.words) > 1:
            # An exact phrase marks its occurrences, not its words one by one.
            out.setdefault(node.fieldname, set()).add(tuple(node.words))
            return
        try:
            terms = node.existing_terms(reader, phrases=True, expand=True)
        except Exception:  # noqa: BLE001 - custom leaves (date ranges, id lists) mark nothing
            return
        for fieldname, text in terms:
            word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            out.setdefault(fieldname, set()).add(word)

    walk(q)
    return out


class HitBuilding:
    """``SearchIndex``'s hits and snippets (a mixin: ``text_loader``, ``tag_names`` and
    the analyzer are the ``SearchIndex``'s)."""

    def _terms_of(self, word: str) -> tuple[str, ...]:
        """The index terms of one word of text (folded, stemmed, loose variants)."""
        cache = self._terms_cache
        terms = cache.get(word)
        if terms is None:
            if len(cache) > 200_000:
                cache.clear()
            terms = tuple({t.text for t in self._stem(word, mode="index")})
            cache[word] = terms
        return terms

    def _texts(self, ids: list[int], hits_by_id: dict) -> dict[int, str]:
        if not ids:
            return {}
        if self.text_loader is not None:
            try:
                return self.text_loader(ids) or {}
            except Exception:  # noqa: BLE001 - snippets are optional; the hits are not
                return {}
        return {i: hits_by_id[i].get("stored_text", "") or "" for i in ids}

    def _make_hits(self, page, passages: bool, snippets: bool,
                   wanted: dict[str, set[str]]) -> list:
        stored = [hit.fields() for hit in page]
        texts: dict[int, str] = {}
        if snippets and not passages:
            by_id = {int(s["id"]): s for s in stored}
            texts = self._texts(list(by_id), by_id)
        hits = []
        for hit, fields_ in zip(page, stored):
            hits.append(self._make_hit(hit, fields_, passages, snippets, texts, wanted))
        return hits

    def _fragments(self, sources: list[tuple[str, str]],
                   wanted: dict[str, set[str]]) -> list[dict]:
        for fieldname, text in sources:
            if text and wanted.get(fieldname):
                frags = find_fragments(text, wanted[fieldname], self._terms_of, _WORD_RE)
                if frags:
                    return frags
        return []

    def _make_hit(self, hit, stored: dict, passages: bool, snippets: bool,
                  texts: dict[int, str], wanted: dict[str, set[str]]):
        frags: list[dict] = []
        if passages:
            if snippets:
                frags = (self._fragments([("quote", stored.get("quote", "")),
                                          ("note", stored.get("note", ""))], wanted)
                         or lead_fragment(stored.get("quote", "")))
            return PassageHit(
                passage_id=int(stored["id"]),
                article_id=int(stored["article_id"]),
                quote=stored.get("quote", ""),
                tags=self._tag_display(stored.get("tag", "")),
                note=stored.get("note", ""),
                score=_score(hit),
                snippet=to_html(frags),
                fragments=frags,
            )
        if snippets:
            text = texts.get(int(stored["id"]), "")
            frags = (self._fragments([("text", text),
                                      ("quote", stored.get("quote", "")),
                                      ("note", stored.get("note", ""))], wanted)
                     or lead_fragment(text))
        pub = stored.get("published")
        return Hit(
            id=int(stored["id"]),
            title=stored.get("title", ""),
            outlet=stored.get("outlet", ""),
            published=_published_text(pub),
            score=_score(hit),
            snippet=to_html(frags),
            fragments=frags,
        )

    def _tag_display(self, stored: str) -> list[str]:
        """Tag names of a stored ``tag`` field (ids when the index holds ids)."""
        values = [t for t in stored.split(",") if t]
        if self.tag_names is None:
            return values
        names = (self.tag_names.name_of(t) for t in values)
        return sorted((n for n in names if n is not None), key=str.casefold)


def _published_text(pub: datetime | None) -> str | None:
    """A date-only publication time comes back as the ``YYYY-MM-DD`` that ``show`` prints."""
    if pub is None:
        return None
    if (pub.hour, pub.minute, pub.second, pub.microsecond) == (0, 0, 0, 0):
        return pub.date().isoformat()
    return pub.isoformat()


class PageHit:
    """A hit of the vectorised path: what ``_make_hits`` asks of a Whoosh ``Hit``."""

    __slots__ = ("_searcher", "docnum", "score")

    def __init__(self, searcher, docnum: int, score: float):
        self._searcher = searcher
        self.docnum = docnum
        self.score = score

    def fields(self) -> dict:
        return self._searcher.stored_fields(self.docnum)


def _score(hit) -> float:
    s = hit.score
    return float(s) if isinstance(s, (int, float)) else 0.0
