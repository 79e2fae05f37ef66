"""Plain domain dataclasses shared by storage, importers, index, export, CLI and GUI.

No behaviour beyond small conveniences; no Qt, no SQL.
Offsets (``start``/``end``) are Python code-point offsets into ``Article.text``.
Dates are ISO 8601 strings: ``published`` is ``YYYY-MM-DD`` (or a full timestamp),
``imported_at``/``created_at``/``updated_at`` are UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict


@dataclass
class ArticleDraft:
    """What an importer produces before storage: cleaned text plus metadata guesses."""

    title: str
    text: str  # clean body, paragraphs separated by "\n\n"
    dek: str = ""  # standfirst / summary
    outlet: str = ""  # site or publication name
    agency: str = ""  # wire agency (Reuters, AP, AFP, ...)
    author: str = ""  # "A. Writer; B. Writer"
    published: str | None = None  # ISO date
    url: str = ""  # canonical URL ("" for pasted text)
    language: str = ""  # ISO 639-1 if known
    tags: list[str] = field(default_factory=list)
    source: str = ""  # file path or URL it came from (for messages)
    # Extra per-source data kept as JSON (e.g. read-it-later ids); optional.
    extra: dict = field(default_factory=dict)
    # The original bytes and how they were read (clipper.captures.Original); set by the
    # importers, kept by the library when the draft is stored.
    capture: object | None = field(default=None, repr=False, compare=False)


@dataclass
class Article:
    id: int
    title: str
    text: str
    dek: str = ""
    outlet: str = ""
    agency: str = ""
    author: str = ""
    published: str | None = None
    url: str = ""
    language: str = ""
    imported_at: str = ""
    updated_at: str = ""
    content_hash: str = ""
    word_count: int = 0
    source: str = ""
    story_id: int | None = None  # near-duplicate group
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Tag:
    id: int
    name: str
    color: str = "#ffd54f"
    count: int = 0  # passages + articles carrying it
    slot: int | None = None  # the number key (1–9) it is pinned to in the tag palette

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Passage:
    id: int
    article_id: int
    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    color: str = "#ffd54f"
    note: str = ""
    status: str = "anchored"  # or "orphaned"
    tags: list[str] = field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Note:
    id: int
    article_id: int | None
    passage_id: int | None
    text: str  # Markdown
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict:
        return asdict(self)
