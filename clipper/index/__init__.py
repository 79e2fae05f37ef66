"""Full-text search over articles and passages (Whoosh), derived from the database."""
from clipper.index.searchindex import Hit, PassageHit, SearchIndex, SearchResult

__all__ = ["Hit", "PassageHit", "SearchIndex", "SearchResult"]
