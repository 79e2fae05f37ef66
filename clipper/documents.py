"""What the library hands to the search index: flat, denormalised documents.

The library builds these from the database (the single source of truth); the index never
reads SQLite itself. ``stamp`` changes whenever anything indexed about the document
changes, so ``check`` can find stale documents by comparing stamps.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleDoc:
    id: int
    title: str
    text: str
    dek: str = ""
    outlet: str = ""
    agency: str = ""
    author: str = ""
    url: str = ""
    language: str = ""
    published: str | None = None  # ISO date or timestamp
    imported_at: str = ""  # ISO UTC timestamp
    tags: list[str] = field(default_factory=list)  # article tags AND its passages' tags
    tag_ids: list[int] | None = None  # the same tags' ids: indexed instead of names when given
    quotes: list[str] = field(default_factory=list)  # its passages' quotes
    notes: list[str] = field(default_factory=list)  # article notes and passage notes
    passage_count: int = 0
    note_count: int = 0
    orphan_count: int = 0
    stamp: str = ""
    versions: int = 1  # how many versions the article has (clipper.versions)
    changed_at: str = ""  # when its newest version arrived (articles with 2+ versions)


@dataclass
class PassageDoc:
    id: int
    article_id: int
    quote: str
    tags: list[str] = field(default_factory=list)
    tag_ids: list[int] | None = None
    note: str = ""
    status: str = "anchored"
    color: str = ""
    article_title: str = ""
    outlet: str = ""
    agency: str = ""
    author: str = ""
    url: str = ""
    language: str = ""
    published: str | None = None
    imported_at: str = ""
    stamp: str = ""
