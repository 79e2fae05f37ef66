"""Did you mean: a query with each unknown word replaced by the closest indexed word.

Candidates come from the article index's own lexicon (stems, matched with rapidfuzz within
two edits); the spelling shown is the closest word of the live texts holding the candidate.
A word whose stem is indexed but which never occurs in that spelling ("enginers") counts as
unknown. No second index is kept for this.
"""
from __future__ import annotations

import re
from collections import Counter

from rapidfuzz import process as fuzz_process
from rapidfuzz.distance import Levenshtein
from whoosh import query as wq

from clipper.index.schema import WORD_PATTERN, fold_word

_WORD_RE = re.compile(WORD_PATTERN)
_TEXT_FIELDS = {"title", "text", "body", "note", "notes", "quote"}


class Speller:
    """``stem(text)`` the index's analyzer, ``terms_of(word)`` a word's index terms,
    ``texts(ids, stored)`` the article texts (as for snippets)."""

    def __init__(self, stem, terms_of, texts):
        self._stem = stem
        self._terms_of = terms_of
        self._texts = texts

    def suggest(self, query: str, searcher) -> str | None:
        """Each word of the query not found in the index (as typed: a word whose stem is
        indexed but which never occurs in that spelling counts as not found) is replaced
        by the closest indexed word within two edits, if there is one.

        Candidates come from the article index's lexicon (stems, matched with rapidfuzz);
        the spelling shown is the closest word of the texts that hold the candidate."""
        if not isinstance(query, str) or len(query) > 1000:
            return None
        if searcher.doc_count() == 0:
            return None
        out, pos, changed = [], 0, False
        corrected: dict[str, str | None] = {}  # a word repeated is looked up once
        for m in re.finditer(
            r"(?<![\w:*~\-])(?:(\w+):)?([^\W\d_][\w']+)(?![\w*~:])", query
        ):
            word = m.group(2)
            if m.group(1) and m.group(1).lower() not in _TEXT_FIELDS:
                continue
            if word in ("AND", "OR", "NOT", "TO") or len(word) < 3:
                continue
            if word not in corrected:
                corrected[word] = self._correct(searcher, word)
            better = corrected[word]
            if better is not None:
                out.append(query[pos:m.start(2)])
                out.append(better)
                pos = m.end(2)
                changed = True
        if not changed:
            return None
        out.append(query[pos:])
        return "".join(out)

    _SPELL_FIELDS = ("title", "text", "quote", "note")

    def _correct(self, searcher, word: str) -> str | None:
        folded = fold_word(word)
        stems = [t.text for t in self._stem(folded)]
        if not folded or len(stems) != 1:
            return None
        stem = stems[0]
        best = None
        if self._live(searcher, stem):
            # The stem is indexed: fine unless this spelling never occurs ("enginers"
            # stems like "engineers").
            surfaces = self._surfaces(searcher, stem)
            if not surfaces or folded in surfaces:
                return None
            best = min(surfaces, key=lambda s: (Levenshtein.distance(folded, s),
                                                -surfaces[s]))
            if best.startswith(folded) or folded.startswith(best):
                return None  # another inflection of a word that is there
            if Levenshtein.distance(folded, best) > 2:
                return None
        else:
            reader = searcher.reader()
            candidates: Counter = Counter()
            for f in self._SPELL_FIELDS:
                if f not in reader.schema:
                    continue
                lexicon = _lexicon(reader, f, stem[:1])
                for cand, dist, _ in fuzz_process.extract(
                        stem, lexicon, scorer=Levenshtein.distance, score_cutoff=2,
                        limit=8):
                    if cand != stem:
                        candidates[cand] = max(candidates[cand], 3 - dist)
            for cand, _ in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0])):
                if not self._live(searcher, cand):
                    continue
                surfaces = self._surfaces(searcher, cand)
                if surfaces:
                    best = min(surfaces, key=lambda s: (Levenshtein.distance(folded, s),
                                                        -surfaces[s]))
                    break
        if best is None or best == folded:
            return None
        if word[:1].isupper():
            best = best.upper() if word.isupper() and len(word) > 1 else best[:1].upper() + best[1:]
        return best

    def _in_any_field(self, stem: str) -> wq.Or:
        """The documents holding ``stem`` in a field the speller reads. As a tree of unions
        in every segment: for a segment of up to 5,000 documents, Whoosh's ``Or`` would
        fill an array of 2,048 scores first, ~0.5 ms per segment (with ``_lexicon``: a
        two-word search that found nothing, over the 161 small segments edits left during
        an import, 181 -> 80 ms; over 13 segments 34 -> 23 ms)."""
        q = wq.Or([wq.Term(f, stem) for f in self._SPELL_FIELDS])
        q.matcher_type = wq.Or.DEFAULT_MATCHER
        return q

    def _live(self, searcher, stem: str) -> bool:
        """Is the term in some live document (the lexicon keeps deleted ones)?"""
        return next(iter(searcher.docs_for_query(self._in_any_field(stem))), None) is not None

    def _surfaces(self, searcher, stem: str, docs: int = 5) -> Counter:
        """Folded words of a few live documents holding ``stem`` that index as it."""
        docnums = []
        for d in searcher.docs_for_query(self._in_any_field(stem)):
            docnums.append(d)
            if len(docnums) >= docs:
                break
        stored = {int(searcher.stored_fields(d)["id"]): searcher.stored_fields(d)
                  for d in docnums}
        texts = self._texts(list(stored), stored)
        out: Counter = Counter()
        for i, s in stored.items():
            for text in (s.get("title", ""), texts.get(i, ""), s.get("quote", ""),
                         s.get("note", "")):
                for w in _WORD_RE.findall(text or ""):
                    if stem in self._terms_of(w):
                        out[fold_word(w)] += 1
        return out


def _lexicon(reader, field: str, prefix: str) -> list[str]:
    """The indexed words of ``field`` that start with ``prefix``, in order. Read segment by
    segment: a reader of many segments merges their lexicons term by term (a heap in
    Python), several times slower than a set of each segment's run."""
    words: set = set()
    for leaf, _ in reader.leaf_readers():
        words.update(leaf.expand_prefix(field, prefix))
    return sorted(t.decode("utf-8") if isinstance(t, bytes) else t for t in words)
