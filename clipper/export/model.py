"""The plain data an export is made from, and small helpers shared by every format.

No Qt, no SQL: the library fills an :class:`ExportDocument`; each format module turns it
into bytes. Offsets are Python code-point offsets into the article text; dates are
ISO 8601 strings.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

UNTAGGED = "Untagged"
UNTAGGED_COLOR = "#9e9e9e"


@dataclass
class ExportTag:
    name: str
    color: str = "#ffd54f"


@dataclass
class ExportPassage:
    id: int
    article_id: int
    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    color: str = "#ffd54f"
    tags: list[ExportTag] = field(default_factory=list)
    note: str = ""  # Markdown
    status: str = "anchored"  # or "orphaned"
    created_at: str = ""
    updated_at: str = ""


@dataclass
class ExportArticle:
    id: int
    title: str
    dek: str = ""
    outlet: str = ""
    agency: str = ""
    author: str = ""
    published: str | None = None
    url: str = ""  # "" for pasted text
    language: str = ""
    imported_at: str = ""
    text: str = ""  # may be "" when the format does not need it
    tags: list[ExportTag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # article notes, Markdown
    passages: list[ExportPassage] = field(default_factory=list)  # in text order
    story_id: int | None = None  # near-duplicate group
    story_outlets: list[str] = field(default_factory=list)  # other outlets carrying the story
    citation: str = ""  # in the export's citation style (--style), "" for the built-in line


@dataclass
class ExportDocument:
    title: str
    created: str  # ISO timestamp
    scope: str = ""  # human text, e.g. "tag: missiles" or "query: iran AND missiles"
    group_by: str = "article"  # "article" | "tag"
    include_article_notes: bool = True
    articles: list[ExportArticle] = field(default_factory=list)

    @property
    def passage_count(self) -> int:
        return sum(len(a.passages) for a in self.articles)


# --------------------------------------------------------------------------- dates

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: str | None) -> str:
    """``2026-02-11`` (or a full ISO timestamp) -> ``11 Feb 2026``; other text unchanged."""
    if not value:
        return ""
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
        else:
            d = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = text.split("-")
            if 1 <= int(month) <= 12:
                return f"{_MONTHS[int(month) - 1]} {year}"
        return text
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


# --------------------------------------------------------------------------- citation

def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def citation_parts(article: ExportArticle) -> tuple[str, str, str]:
    """(title, source line, url): the pieces of :func:`citation`, for formats that style them."""
    title = _clean(article.title) or "Untitled"
    outlet, agency = _clean(article.outlet), _clean(article.agency)
    if outlet and agency and outlet.casefold() != agency.casefold():
        who = f"{outlet} ({agency})"
    else:
        who = outlet or agency
    parts = [p for p in (who, _clean(article.author), format_date(article.published)) if p]
    return title, ", ".join(parts), (article.url or "").strip()


def citation(article: ExportArticle) -> str:
    """``Title. Outlet (Agency), Author, 11 Feb 2026. URL`` with empty parts left out, or
    the citation in the export's style when one was chosen (``article.citation``)."""
    if article.citation:
        return article.citation
    title, source, url = citation_parts(article)
    out = title if title[-1] in ".?!…" else title + "."
    if source:
        out += " " + source + "."
    if url:
        out += " " + url
    return out


# --------------------------------------------------------------------------- grouping

def group_by_tag(
    doc: ExportDocument,
) -> list[tuple[ExportTag, list[tuple[ExportArticle, ExportPassage]]]]:
    """One group per tag (sorted by name), each passage under every tag it carries.

    Passages without tags are collected under a final "Untagged" group. Within a group,
    passages keep the document's article order and text order.
    """
    groups: dict[str, tuple[ExportTag, list[tuple[ExportArticle, ExportPassage]]]] = {}
    untagged: list[tuple[ExportArticle, ExportPassage]] = []
    for article in doc.articles:
        for passage in article.passages:
            if not passage.tags:
                untagged.append((article, passage))
                continue
            seen: set[str] = set()
            for tag in passage.tags:
                key = tag.name.casefold()
                if key in seen:
                    continue
                seen.add(key)
                if key not in groups:
                    groups[key] = (tag, [])
                groups[key][1].append((article, passage))
    result = [groups[k] for k in sorted(groups, key=lambda k: (k, groups[k][0].name))]
    if untagged:
        result.append((ExportTag(UNTAGGED, UNTAGGED_COLOR), untagged))
    return result


# --------------------------------------------------------------------------- file names

MAX_FILENAME_BYTES = 120
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_filename(title: str, ext: str = "") -> str:
    """A file name made from ``title`` that stays inside its folder on any OS.

    Separators, control and Windows-reserved characters become ``_``; leading dots and
    trailing dots/spaces go; reserved device names (``CON``, ``LPT1``...) get a ``_``
    prefix; the result (with ``ext``, e.g. ``".pdf"``) is at most 120 UTF-8 bytes and never
    cut inside a character. An empty result becomes ``export``.
    """
    ext = ext if not ext or ext.startswith(".") else "." + ext
    name = unicodedata.normalize("NFC", title or "")
    name = _UNSAFE.sub("_", name)
    name = "".join(
        "_" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in name
    )
    name = " ".join(name.split())  # collapse whitespace
    name = re.sub(r"_{2,}", "_", name)
    name = name.lstrip(". _").rstrip(". ")
    budget = MAX_FILENAME_BYTES - len(ext.encode("utf-8"))
    encoded = name.encode("utf-8")
    if len(encoded) > budget:
        name = encoded[:budget].decode("utf-8", errors="ignore").rstrip(". ")
    if not name.strip("_"):
        name = "export"
    if name.split(".")[0].upper().rstrip() in _WINDOWS_RESERVED:
        name = "_" + name
        if len(name.encode("utf-8")) > budget:
            name = name.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return name + ext


# --------------------------------------------------------------------------- text helpers

def first_strong_direction(text: str) -> str:
    """"rtl" or "ltr" from the first strong bidi character (Unicode rule P2); "ltr" if none."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi == "L":
            return "ltr"
        if bidi in ("R", "AL"):
            return "rtl"
    return "ltr"


def tag_slug(name: str) -> str:
    """Tag name as an Obsidian/Markdown hashtag body: spaces become ``-``; only letters,
    digits, ``_``, ``-`` and ``/`` are kept (what Obsidian reads as part of a tag), so
    nothing after the ``#`` can start other syntax (``%%``, ``==``, ``[[``)."""
    slug = "-".join(name.split())
    return re.sub(r"[^\w\-/]", "", slug) or "tag"
