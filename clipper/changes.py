"""Change records: what a write operation touched, so the index and views refresh only that."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Changes:
    articles: set[int] = field(default_factory=set)  # created or changed (incl. passages/notes/tags)
    created_articles: set[int] = field(default_factory=set)  # subset of articles: new rows
    passages: set[int] = field(default_factory=set)
    deleted_articles: set[int] = field(default_factory=set)
    deleted_passages: set[int] = field(default_factory=set)
    tags: bool = False  # the tag list (names, colours, counts) changed

    def __bool__(self) -> bool:
        return bool(self.articles or self.passages or self.deleted_articles or self.deleted_passages or self.tags)

    def merge(self, other: "Changes") -> "Changes":
        self.articles |= other.articles
        self.created_articles |= other.created_articles
        self.passages |= other.passages
        self.deleted_articles |= other.deleted_articles
        self.deleted_passages |= other.deleted_passages
        self.tags = self.tags or other.tags
        return self
