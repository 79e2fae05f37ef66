"""Passage anchoring: find a passage (highlight) again after its article text changed.

A passage is stored like a W3C Web Annotation target: a *TextPositionSelector*
(``start``/``end``, Python code-point offsets) plus a *TextQuoteSelector* (``exact``,
``prefix``, ``suffix``). When the text changes every passage is re-anchored with, in order:

1. **position** - the stored (or, with the old text, diff-mapped) offsets still hold the
   exact quote and nothing else fits its context better;
2. **quote** - every exact occurrence of the quote, ranked by how much of the stored
   prefix/suffix still surrounds it, then by distance to the expected position. This is
   what finds a quote that moved far (paragraphs reordered), where fuzzy matchers give up;
3. **fuzzy** - candidates from diff-match-patch's Bitap matcher around the expected
   position (head and tail of the quote separately, since Bitap is meant for patterns of
   at most 32 characters), from exact hits of the quote's head/tail anywhere, and from the
   stored context; each candidate span is verified against the whole quote and accepted
   only if its similarity reaches ``threshold``;
4. otherwise **orphaned** - a passage is never attached to words that do not resemble it.

Similarity is ``1 - levenshtein / max(len(quote), len(span))`` (rapidfuzz), so a span
dissimilar to the quote is never returned.

``reanchor_all`` also diffs the old and new text (diff-match-patch): positions are mapped
through the edit, and an exact copy of the quote that was *other* words in the old text is
not taken over by a passage whose own words were deleted (unless its whole stored context
agrees). In highly repetitive text ("tide tide tide", one deleted) the diff cannot tell
which copy went, and such a passage may be orphaned rather than guessed. Plain
``reanchor`` has no old text, so it accepts any exact copy, best context first.

Pure functions: no storage, no Qt, no module state.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz.distance import Levenshtein

from clipper.errors import InputError

__all__ = [
    "Selector",
    "Anchor",
    "make_selector",
    "find_quote",
    "reanchor",
    "reanchor_all",
    "similarity",
    "utf16_to_codepoint",
    "codepoint_to_utf16",
]

DEFAULT_CONTEXT = 32
DEFAULT_THRESHOLD = 0.8

# Bitap works on up to 32 pattern characters; longer quotes are matched head and tail.
_BITAP_MAX = 32
# How far (characters) from the expected position Bitap looks, and how many errors it
# tolerates while looking: candidates are verified on the whole quote afterwards.
_BITAP_DISTANCE = 1000
_BITAP_THRESHOLD = 0.35
# Exact hits of the quote's head/tail (or context) considered anywhere in the text.
_MAX_SEED_HITS = 25
# Rough candidate spans refined per passage (best first).
_MAX_REFINED = 6
# Time budget (s) for the old->new text diff; a diff cut short is only a worse hint.
_TEXT_DIFF_TIMEOUT = 0.1


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Selector:
    """What is stored per passage: position plus quote with its context."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Anchor:
    """Where a passage sits in a (new) text, and how it was found."""

    start: int | None
    end: int | None
    status: str  # "anchored" | "orphaned"
    method: str  # "position" | "quote" | "fuzzy" | "orphaned"
    score: float  # 1.0 for exact, similarity for fuzzy, 0.0 for orphaned

    @property
    def anchored(self) -> bool:
        return self.status == "anchored"


_ORPHANED = Anchor(None, None, "orphaned", "orphaned", 0.0)


# --------------------------------------------------------------------------- selectors


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be an integer, got {value!r}")
    return value


def make_selector(text: str, start: int, end: int, context: int = DEFAULT_CONTEXT) -> Selector:
    """Build the selector of ``text[start:end]`` with ``context`` characters each side.

    Raises InputError unless ``0 <= start < end <= len(text)``.
    """
    start = _check_int("passage start", start)
    end = _check_int("passage end", end)
    context = _check_int("context length", context)
    if context < 0:
        raise InputError(f"context length must not be negative, got {context}")
    if not 0 <= start < end <= len(text):
        raise InputError(
            f"passage span {start}..{end} is invalid for an article of {len(text)} "
            f"characters (need 0 <= start < end <= {len(text)})"
        )
    return Selector(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - context):start],
        suffix=text[end:end + context],
    )


# --------------------------------------------------------------------------- find_quote

_QUOTE_CLASSES = {
    # straight and typographic single quotes / apostrophes
    **dict.fromkeys("'\u2018\u2019\u201a\u201b\u2032`\u00b4", "['\u2018\u2019\u201a\u201b\u2032`\u00b4]"),
    # straight and typographic double quotes, guillemets
    **dict.fromkeys('"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb', '["\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]'),
    # hyphen, en dash, em dash, minus
    **dict.fromkeys("-\u2010\u2011\u2012\u2013\u2014\u2212", "[-\u2010\u2011\u2012\u2013\u2014\u2212]"),
}


def _loose_pattern(quote: str) -> re.Pattern[str]:
    """Regex matching ``quote`` modulo whitespace runs and quote/dash styles."""
    parts: list[str] = []
    for token in quote.split():
        parts.append("".join(_QUOTE_CLASSES.get(ch) or re.escape(ch) for ch in token))
    return re.compile(r"\s+".join(parts))


def _exact_occurrences(text: str, quote: str, limit: int | None = None) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of ``quote``."""
    hits: list[int] = []
    i = text.find(quote)
    while i != -1:
        hits.append(i)
        if limit is not None and len(hits) >= limit:
            break
        i = text.find(quote, i + 1)
    return hits


class QuoteNotFound(InputError):
    """The quote is not in the text (``find_quote``)."""


def occurs(text: str, quote: str) -> bool:
    """Is ``quote`` in ``text``, exactly or as ``find_quote`` accepts it loosely?"""
    return bool(quote.strip()) and (quote in text or _loose_pattern(quote.strip()).search(text) is not None)


def preview(quote: str, width: int = 40) -> str:
    flat = " ".join(quote.split())
    return flat if len(flat) <= width else flat[: width - 1] + "\u2026"


def find_quote(text: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """Locate ``quote`` in ``text`` and return its ``(start, end)`` code-point span.

    The exact string is looked for first; if it is absent, a match that differs only in
    runs of whitespace or in straight vs typographic quotes/dashes is accepted (users type
    quotes by hand). ``occurrence`` (1-based) picks one of several matches; with several
    matches and no ``occurrence`` an InputError says how many there are.
    """
    if not isinstance(quote, str) or not quote.strip():
        raise InputError("quote is empty: give the words of the passage to select")
    if occurrence is not None:
        occurrence = _check_int("occurrence", occurrence)
        if occurrence < 1:
            raise InputError(f"--occurrence must be 1 or more, got {occurrence}")

    spans = [(i, i + len(quote)) for i in _exact_occurrences(text, quote)]
    if not spans:
        spans = [m.span() for m in _loose_pattern(quote.strip()).finditer(text)]
    if not spans:
        raise QuoteNotFound(f'quote not found in article: "{preview(quote)}"')
    if occurrence is None:
        if len(spans) > 1:
            raise InputError(
                f'quote "{preview(quote)}" occurs {len(spans)} times in the article; '
                f"pass --occurrence N (1 to {len(spans)}) to choose one"
            )
        return spans[0]
    if occurrence > len(spans):
        times = "once" if len(spans) == 1 else f"{len(spans)} times"
        raise InputError(
            f'--occurrence {occurrence} is out of range: quote "{preview(quote)}" '
            f"occurs {times} in the article"
        )
    return spans[occurrence - 1]


# --------------------------------------------------------------------------- similarity


def _dmp(timeout: float = _TEXT_DIFF_TIMEOUT) -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    dmp.Match_Distance = _BITAP_DISTANCE
    dmp.Match_Threshold = _BITAP_THRESHOLD
    return dmp


def similarity(a: str, b: str) -> float:
    """``1 - levenshtein(a, b) / max(len(a), len(b))``: 1.0 identical, 0.0 unrelated."""
    if a == b:
        return 1.0
    return Levenshtein.normalized_similarity(a, b)


# --------------------------------------------------------------------------- context


def _common_prefix_len(a: str, b: str) -> int:
    hi = min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    lo = 0  # binary search on slice equality: C-speed compares, O(log n) of them
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix_len(a: str, b: str) -> int:
    hi = min(len(a), len(b))
    if not hi:
        return 0
    if a[len(a) - hi:] == b[len(b) - hi:]:
        return hi
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _context_score(text: str, sel: Selector, start: int, end: int) -> int:
    """Characters of the stored prefix/suffix that still surround ``text[start:end]``."""
    before = text[max(0, start - len(sel.prefix)):start]
    after = text[end:end + len(sel.suffix)]
    return _common_suffix_len(sel.prefix, before) + _common_prefix_len(sel.suffix, after)


def _full_context(sel: Selector) -> int:
    return len(sel.prefix) + len(sel.suffix)


# --------------------------------------------------------------------------- core


def _clamp(pos: int, text: str) -> int:
    return max(0, min(pos, len(text)))


def _locate(
    text: str,
    sel: Selector,
    threshold: float,
    expected: int,
    excluded: frozenset[int] = frozenset(),
) -> Anchor:
    """Steps 1-4 against ``text``; ``expected`` is where the passage should start.

    ``excluded`` holds starts of exact occurrences known to be *other* words (they
    existed separately in the old text); they are only taken with full context agreement.
    """
    exact = sel.exact
    if not exact:
        return _ORPHANED
    n = len(exact)
    full = _full_context(sel)

    def allowed(pos: int, ctx: int) -> bool:
        return pos not in excluded or (full > 0 and ctx >= full)

    # 1. position: the expected (or stored) offsets hold the quote in its full context.
    for pos in dict.fromkeys((expected, sel.start)):
        if text[pos:pos + n] == exact:
            ctx = _context_score(text, sel, pos, pos + n)
            if ctx >= full and allowed(pos, ctx):
                return Anchor(pos, pos + n, "anchored", "position", 1.0)

    # 2. exact quote: rank occurrences by context agreement, then distance.
    best: tuple[int, int, int] | None = None  # (-ctx, distance, pos)
    for pos in _exact_occurrences(text, exact):
        ctx = _context_score(text, sel, pos, pos + n)
        if not allowed(pos, ctx):
            continue
        key = (-ctx, abs(pos - expected), pos)
        if best is None or key < best:
            best = key
    if best is not None:
        pos = best[2]
        method = "position" if pos in (expected, sel.start) else "quote"
        return Anchor(pos, pos + n, "anchored", method, 1.0)

    # 3. fuzzy.
    found = _fuzzy(text, sel, threshold, expected, excluded)
    if found is not None:
        start, end, score = found
        return Anchor(start, end, "anchored", "fuzzy", score)
    # 4.
    return _ORPHANED


def _fuzzy_candidates(text: str, sel: Selector, expected: int) -> set[tuple[int, int]]:
    exact = sel.exact
    n = len(exact)
    head = exact[:_BITAP_MAX]
    tail = exact[-_BITAP_MAX:]
    dmp = _dmp()
    heads: list[int] = []
    tail_ends: list[int] = []

    # Bitap near the expected position (head forwards, tail on the reversed text so the
    # returned offset is the tail's *end*, robust to length changes inside the quote).
    h = dmp.match_main(text, head, _clamp(expected, text))
    if h != -1:
        heads.append(h)
    if n > _BITAP_MAX:  # a short quote is its own tail: boundary search finds the end
        rev = text[::-1]
        t = dmp.match_main(rev, tail[::-1], _clamp(len(text) - (expected + n), text))
        if t != -1:
            tail_ends.append(len(text) - t)

    # Exact hits of head / tail anywhere (a moved paragraph with a typo fixed inside).
    if n > _BITAP_MAX // 2:
        seed = exact[: min(n // 2, _BITAP_MAX)]
        heads += _exact_occurrences(text, seed, _MAX_SEED_HITS)
        seed = exact[-min(n // 2, _BITAP_MAX):]
        tail_ends += [i + len(seed) for i in _exact_occurrences(text, seed, _MAX_SEED_HITS)]

    # The stored context brackets the passage even if its words changed a lot.
    pre = sel.prefix[-16:]
    suf = sel.suffix[:16]
    if len(pre) >= 8:
        heads += [i + len(pre) for i in _exact_occurrences(text, pre, _MAX_SEED_HITS)]
    if len(suf) >= 8:
        tail_ends += _exact_occurrences(text, suf, _MAX_SEED_HITS)

    heads = sorted(set(heads))
    tail_ends = sorted(set(tail_ends))
    spans: set[tuple[int, int]] = set()
    lo_len, hi_len = max(1, n // 2), n * 2 + 8
    for h in heads:
        if h + 1 <= len(text):
            spans.add((h, min(len(text), h + n)))
        i = bisect.bisect_left(tail_ends, h + lo_len)
        while i < len(tail_ends) and tail_ends[i] <= h + hi_len:
            spans.add((h, tail_ends[i]))
            i += 1
    for e in tail_ends:
        if e - 1 >= 0:
            spans.add((max(0, e - n), e))
    return {(s, e) for s, e in spans if 0 <= s < e <= len(text)}


def _char_class(ch: str) -> str:
    if not ch:
        return ""
    if ch.isspace():
        return "space"
    return "word" if unicodedata.category(ch)[0] in "LMN" else "punct"


def _is_word(ch: str) -> bool:
    return _char_class(ch) == "word"


def _edges_ok(text: str, sel: Selector, start: int, end: int) -> bool:
    """Does ``text[start:end]`` begin and end like the quote (no word cut in two)?"""
    exact = sel.exact
    if _char_class(text[start]) != _char_class(exact[0]):
        return False
    if _char_class(text[end - 1]) != _char_class(exact[-1]):
        return False
    if not (_is_word(sel.prefix[-1:]) and _is_word(exact[0])):
        if _is_word(text[start - 1:start]) and _is_word(text[start]):
            return False
    if not (_is_word(sel.suffix[:1]) and _is_word(exact[-1])):
        if _is_word(text[end - 1]) and _is_word(text[end:end + 1]):
            return False
    return True


def _word_snap(text: str, sel: Selector, start: int, end: int) -> tuple[int, int]:
    """Widen a span that cuts a word, where the quote itself began/ended on a boundary."""
    if not _is_word(sel.prefix[-1:]) or not _is_word(sel.exact[:1]):
        while 0 < start < end and _is_word(text[start - 1]) and _is_word(text[start]):
            start -= 1
    if not _is_word(sel.suffix[:1]) or not _is_word(sel.exact[-1:]):
        while start < end < len(text) and _is_word(text[end - 1]) and _is_word(text[end]):
            end += 1
    return start, end


# A span shaped like the quote (see _edges_ok) is preferred to a slightly more similar one
# that drops a changed word at an edge ("tied up by " vs "tied up by midday").
_EDGE_TOLERANCE = 0.1
_CONTEXT_WEIGHT = 0.1


def _snap(text: str, sel: Selector, start: int, end: int) -> list[tuple[float, int, int]]:
    """Move a rough span's boundaries to where the span is most similar to the quote.

    Coordinate search: each boundary in turn moves within a small radius (the seeds give
    at least one boundary accurately; the other may be off by the length change).
    Returns the best span and the spans of the last pass that are nearly as good.
    """
    exact = sel.exact
    radius = min(24, len(exact) // 3 + 4)
    best = (similarity(exact, text[start:end]), start, end)
    tried: list[tuple[float, int, int]] = [best]
    for _ in range(2):
        tried = [best]
        _score, s, e = best
        for s2 in range(max(0, s - radius), min(e, s + radius + 1)):
            tried.append((similarity(exact, text[s2:e]), s2, e))
        best = max(tried)
        _score, s, e = best
        for e2 in range(max(s + 1, e - radius), min(len(text), e + radius) + 1):
            tried.append((similarity(exact, text[s:e2]), s, e2))
        new_best = max(tried)
        if new_best[1:] == (s, e) and best[1:] == (s, e):
            best = new_best
            break
        best = new_best
    floor = best[0] - _EDGE_TOLERANCE
    near = [t for t in tried if t[0] >= floor and _edges_ok(text, sel, t[1], t[2])]
    return [best] + sorted(near, reverse=True)[:3]


def _fuzzy(
    text: str, sel: Selector, threshold: float, expected: int, excluded: frozenset[int]
) -> tuple[int, int, float] | None:
    exact = sel.exact
    n = len(exact)
    # Rough spans good enough to be worth refining; the refined span must then pass.
    rough = []
    for s0, e0 in _fuzzy_candidates(text, sel, expected):
        score = similarity(exact, text[s0:e0])
        if score >= threshold - 0.25:
            rough.append((score, s0, e0))
    rough.sort(reverse=True)
    full = _full_context(sel)
    # Ranked by (edges shaped like the quote's, similarity + context bonus, nearness).
    best: tuple[bool, float, int, int, int, float] | None = None
    seen: set[tuple[int, int]] = set()
    for _score, s0, e0 in rough[:_MAX_REFINED]:
        spans: list[tuple[int, int]] = []
        for _sc, s1, e1 in _snap(text, sel, s0, e0):
            spans += [(s1, e1), _word_snap(text, sel, s1, e1)]
        for s, e in spans:
            if (s, e) in seen or not 0 <= s < e <= len(text):
                continue
            seen.add((s, e))
            # Skip words that are a distinct copy of the quote elsewhere.
            if any(x < e and s < x + n and min(e, x + n) - max(s, x) > n // 2 for x in excluded):
                continue
            score = similarity(exact, text[s:e])
            if score < threshold:
                continue
            # Surviving context is strong evidence of where the boundaries are: it
            # outweighs a small similarity gain from dropping a changed edge word.
            ctx = _context_score(text, sel, s, e) / full if full else 0.0
            key = (_edges_ok(text, sel, s, e), score + _CONTEXT_WEIGHT * ctx, -abs(s - expected), s, e, score)
            if best is None or key > best:
                best = key
    if best is None:
        return None
    return best[3], best[4], best[5]


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise InputError(f"anchoring threshold must be a number in (0, 1], got {threshold!r}")
    return float(threshold)


def reanchor(new_text: str, sel: Selector, *, threshold: float = DEFAULT_THRESHOLD) -> Anchor:
    """Find the passage described by ``sel`` in ``new_text`` (position, quote, fuzzy)."""
    threshold = _check_threshold(threshold)
    return _locate(new_text, sel, threshold, _clamp(sel.start, new_text))


# --------------------------------------------------------------------------- diff mapping


class _DiffMap:
    """Equal blocks of an old->new diff, to map offsets between the two texts."""

    def __init__(self, old: str, new: str):
        self.old_starts: list[int] = []
        self.new_starts: list[int] = []
        self.lengths: list[int] = []
        dmp = _dmp(_TEXT_DIFF_TIMEOUT)
        o = nw = 0
        for op, chunk in dmp.diff_main(old, new):
            size = len(chunk)
            if op == dmp.DIFF_EQUAL:
                self.old_starts.append(o)
                self.new_starts.append(nw)
                self.lengths.append(size)
                o += size
                nw += size
            elif op == dmp.DIFF_DELETE:
                o += size
            else:
                nw += size

    def map(self, pos: int) -> int:
        """New offset of old offset ``pos`` (for a changed region: where it was)."""
        i = bisect.bisect_right(self.old_starts, pos) - 1
        if i < 0:
            return 0
        off = pos - self.old_starts[i]
        if off < self.lengths[i]:
            return self.new_starts[i] + off
        return self.new_starts[i] + self.lengths[i]

    def survived(self, start: int, end: int) -> int | None:
        """New start of old span ``[start, end)`` if it lies in one unchanged block."""
        i = bisect.bisect_right(self.old_starts, start) - 1
        if i < 0:
            return None
        if end <= self.old_starts[i] + self.lengths[i]:
            return self.new_starts[i] + start - self.old_starts[i]
        return None


def reanchor_all(
    old_text: str,
    new_text: str,
    selectors: dict[int, Selector],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[int, Anchor]:
    """Re-anchor every passage of an article after its text changed from ``old_text``.

    The old->new diff maps each passage's position (so an insertion before it does not
    send it to a nearer copy of its quote), and exact copies of a quote that existed as
    *other* words in the old text are not taken over by a passage whose own words were
    deleted (unless their whole stored context agrees).
    """
    threshold = _check_threshold(threshold)
    if old_text == new_text:
        out: dict[int, Anchor] = {}
        for key, sel in selectors.items():
            out[key] = _locate(new_text, sel, threshold, _clamp(sel.start, new_text))
        return out

    dmap = _DiffMap(old_text, new_text)
    out = {}
    for key, sel in selectors.items():
        if not sel.exact:
            out[key] = _ORPHANED
            continue
        n = len(sel.exact)
        # Where were these words in the old text?
        if old_text[sel.start:sel.start + n] == sel.exact:
            own: int | None = sel.start
        else:
            old_anchor = _locate(old_text, sel, threshold, _clamp(sel.start, old_text))
            own = old_anchor.start
        expected = dmap.map(own if own is not None else _clamp(sel.start, old_text))
        excluded = set()
        for x in _exact_occurrences(old_text, sel.exact):
            if x != own:
                moved = dmap.survived(x, x + n)
                if moved is not None:
                    excluded.add(moved)
        out[key] = _locate(new_text, sel, threshold, _clamp(expected, new_text), frozenset(excluded))
    return out


# --------------------------------------------------------------------------- UTF-16


def _non_bmp(text: str) -> bool:
    return bool(text) and max(text) > "\uffff"


def utf16_to_codepoint(text: str, pos: int) -> int:
    """Convert a UTF-16 code-unit offset (Qt) into a code-point offset (Python).

    An offset that falls between the two halves of a surrogate pair is snapped to the
    start of that character (it never splits it). Out-of-range offsets raise InputError.
    """
    pos = _check_int("UTF-16 position", pos)
    if not _non_bmp(text):
        if not 0 <= pos <= len(text):
            raise InputError(f"UTF-16 position {pos} is outside the text (0..{len(text)})")
        return pos
    data = text.encode("utf-16-le", "surrogatepass")
    if not 0 <= pos <= len(data) // 2:
        raise InputError(f"UTF-16 position {pos} is outside the text (0..{len(data) // 2})")
    head = data[: 2 * pos].decode("utf-16-le", "surrogatepass")
    cp = len(head)
    # A cut between the halves of a pair leaves a lone high surrogate at the end of the
    # decoded head while the text has the whole character there: snap to its start.
    if cp and "\ud800" <= head[-1] <= "\udbff" and cp <= len(text) and text[cp - 1] != head[-1]:
        cp -= 1
    return cp


def codepoint_to_utf16(text: str, pos: int) -> int:
    """Convert a code-point offset (Python) into a UTF-16 code-unit offset (Qt)."""
    pos = _check_int("position", pos)
    if not 0 <= pos <= len(text):
        raise InputError(f"position {pos} is outside the text (0..{len(text)})")
    if not _non_bmp(text):
        return pos
    return len(text[:pos].encode("utf-16-le", "surrogatepass")) // 2


# ---- selections made by people (the desktop app) ---------------------------------------------
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s|$)")


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A selection made by hand, widened to whole words and trimmed of surrounding space:
    a drag that ends mid-word ("…carry out insp") takes the whole word ("inspections")."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end < start:
        start, end = end, start
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
        start -= 1
    while end < len(text) and _is_word(text[end - 1]) and _is_word(text[end]):
        end += 1
    return start, end


def sentence_at(text: str, pos: int) -> tuple[int, int]:
    """The sentence around code-point offset ``pos``: from after the previous sentence end
    (or the paragraph start) to its own end mark (or the paragraph end), trimmed."""
    pos = max(0, min(pos, len(text)))
    para_start = text.rfind("\n", 0, pos) + 1
    para_end = text.find("\n", pos)
    para_end = len(text) if para_end < 0 else para_end
    start = para_start
    for m in _SENTENCE_END.finditer(text, para_start, para_end):
        if m.end() <= pos:
            start = m.end()
        else:
            end = m.end()
            break
    else:
        end = para_end
    return snap_to_words(text, start, end)
