"""What a search returns: article hits, passage hits and the result page around them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Hit:
    id: int
    title: str
    outlet: str
    published: str | None
    score: float
    snippet: str = ""
    fragments: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class PassageHit:
    passage_id: int
    article_id: int
    quote: str
    tags: list[str]
    note: str
    score: float
    snippet: str = ""
    fragments: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResult:
    total: int
    hits: list
    facets: dict | None
    suggestion: str | None
    query: str

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": self.facets,
            "suggestion": self.suggestion,
            "query": self.query,
        }
