"""The standfirst (dek) is stored once: beside the body, never again inside it.

Every importer ends here (saved pages, feeds, read-later exports, bookmarks, pasted
text), so one rule holds for all of them. Texts are compared as their normalised words
(case, quotes, dashes, punctuation and spacing ignored), so a description that differs
from the lead paragraph only in typography still counts as the same text.

``settle_standfirst(dek, paragraphs)``:
1. the dek is trimmed to the standfirst: its first paragraph, cut before onward-link
   furniture ("Read more: …", "Related: …", "The post … appeared first on …"), and
   dropped when what is left is not standfirst-sized (a whole article pasted into a
   description field);
2. a body paragraph (one of the first three) that is the dek, or that the dek repeats
   cut short ("…"), is not a second copy: a paragraph equal to the dek leaves the body; a
   short lead paragraph the dek cut short becomes the dek (the full sentence) and leaves
   the body; when the body says more than the dek (the dek is the start of a longer
   paragraph, an excerpt running over several, or sits inside one), the body stays and
   the dek goes: its words are all in the body already;
3. a dek that is a body paragraph followed by teasers (description + related links)
   is trimmed to that paragraph, which then leaves the body;
4. a dek found anywhere else in the body (an excerpt, a closing summary), or nearly
   equal to one of the first paragraphs (a lightly edited description), goes;
5. if taking the dek out would leave the body under ``min_words`` words (a page whose
   only paragraph is its description), the text stays in the body and the dek goes.
"""
from __future__ import annotations

import re

from clipper.text.normalize import normalize_text

_WORD = re.compile(r"\w+")
MAX_DEK_WORDS = 120
MIN_CONTAINED_WORDS = 5  # a shorter dek inside a paragraph can be chance

# Where teasers start inside a description: onward-link labels and feed footers.
_TEASER_START = re.compile(
    r"(?:^|(?<=[.!?…»”\"'])\s+|\s+[|•·–—-]\s+)"
    r"(?:read more|read also|also read|related(?: articles?| stories| coverage| links?)?|see also|more on this(?: story)?|"
    r"recommended(?: reading)?|most read|you may also like|more from [^:]{1,40}|continue reading|"
    r"lire aussi|à lire aussi|lesen sie auch|mehr zum thema|leer más|lee también|leggi anche)\s*[:»>…]",
    re.I,
)
_POST_FOOTER = re.compile(r"\s*The post .{1,300}? appeared first on .{1,120}?\.?\s*$", re.I | re.S)
_CONTINUE = re.compile(r"\s*(?:\[…\]|\[\.\.\.\]|…)?\s*(?:continue reading|read more|read the full (?:story|article))\b.{0,120}$", re.I)


def words(text: str) -> list[str]:
    return _WORD.findall(normalize_text(text or ""))


def trim_dek(dek: str) -> str:
    """The standfirst part of a dek (rule 1)."""
    dek = (dek or "").strip()
    if not dek:
        return ""
    dek = re.split(r"\n\s*\n|\n", dek, maxsplit=1)[0].strip()
    dek = _POST_FOOTER.sub("", dek)
    m = _TEASER_START.search(dek)
    if m and m.start() > 0:
        dek = dek[: m.start()].rstrip(" |•·–—-")
    dek = _CONTINUE.sub("", dek).strip()
    dek = re.sub(r"\s*(?:\[(?:…|\.\.\.)\]|\((?:…|\.\.\.)\))$", "…", dek)
    if len(words(dek)) > MAX_DEK_WORDS:
        return ""
    return dek


def _starts_with(longer: list[str], prefix: list[str], cut: bool) -> bool:
    """``longer`` begins with ``prefix`` (its last word may be cut short when ``cut``)."""
    if not prefix or len(prefix) > len(longer):
        return False
    if longer[: len(prefix)] == prefix:
        return True
    if cut and longer[: len(prefix) - 1] == prefix[:-1] and longer[len(prefix) - 1].startswith(prefix[-1]):
        return True
    return False


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle or len(needle) > len(haystack):
        return False
    first = needle[0]
    n = len(needle)
    for i, word in enumerate(haystack[: len(haystack) - n + 1]):
        if word == first and haystack[i:i + n] == needle:
            return True
    return False


def _words_from(paragraphs: list[str], start: int, count: int) -> list[str]:
    """The first ``count`` words of the body from paragraph ``start`` on."""
    out: list[str] = []
    for para in paragraphs[start:]:
        out.extend(words(para))
        if len(out) >= count:
            break
    return out


def settle_standfirst(dek: str, paragraphs: list[str], min_words: int = 0) -> tuple[str, list[str]]:
    """(dek, paragraphs) with the standfirst kept once (see the module docstring)."""
    paragraphs = [p for p in paragraphs if p and p.strip()]
    dek = trim_dek(dek)
    dk = words(dek)
    if not dk:
        return "", paragraphs
    cut = dek.rstrip().endswith(("...", "…"))
    kept = list(paragraphs)
    for i, para in enumerate(paragraphs[:3]):
        pk = words(para)
        if not pk:
            continue
        if pk == dk or (cut and i == 0 and _starts_with(pk, dk, cut) and len(para) <= 400 and "\n" not in para):
            dek_text = para if cut else dek  # a cut-short description: the full sentence
            kept = paragraphs[:i] + paragraphs[i + 1:]
            return _enough(dek_text, kept, min_words)
        if len(dk) >= MIN_CONTAINED_WORDS and (_starts_with(pk, dk, cut) or _contains(pk, dk)
                                               or _starts_with(_words_from(paragraphs, i, len(dk) + 1), dk, cut)):
            return "", paragraphs  # the body says it all (an excerpt of it): the dek adds nothing
        if len(pk) >= MIN_CONTAINED_WORDS and _starts_with(dk, pk, False):
            # the dek is this paragraph followed by teasers or more: trim it to the paragraph
            kept = paragraphs[:i] + paragraphs[i + 1:]
            return _enough(para, kept, min_words)
    # anywhere in the body (an excerpt, a closing summary) it is already stored
    stem = dk[:-1] if cut and len(dk) > 1 else dk
    if len(stem) >= MIN_CONTAINED_WORDS and _contains(_words_from(paragraphs, 0, 10**9), stem):
        return _enough("", [p for j, p in enumerate(paragraphs) if j < 3 or words(p) != dk] or paragraphs, min_words)
    # a near copy of a lead paragraph (the description edited a little): the body's stays
    if len(dk) >= MIN_CONTAINED_WORDS and any(_similar(words(p), dk) for p in paragraphs[:3]):
        return "", paragraphs
    return _enough(dek, paragraphs, min_words)


def _similar(a: list[str], b: list[str]) -> bool:
    """Nearly the same words in nearly the same order (a lightly edited copy)."""
    from difflib import SequenceMatcher

    if min(len(a), len(b)) < MIN_CONTAINED_WORDS or max(len(a), len(b)) > 1.5 * min(len(a), len(b)):
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.8


def _enough(dek: str, paragraphs: list[str], min_words: int) -> tuple[str, list[str]]:
    """Rule 5: never leave the body too short by taking the dek out of it."""
    if min_words and sum(len(_WORD.findall(p)) for p in paragraphs) < min_words:
        return "", [dek] + paragraphs if dek else paragraphs
    return dek, paragraphs


def settle_text(dek: str, text: str, min_words: int = 0) -> tuple[str, str]:
    """``settle_standfirst`` for a body held as one string (paragraphs split by blank lines)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    new_dek, kept = settle_standfirst(dek, paragraphs, min_words)
    if kept == paragraphs:
        return new_dek, text
    return new_dek, "\n\n".join(kept)
