"""The documents the index is given: see ``clipper.documents`` (they live outside the index
package so that ``clipper.storage``, which builds them, never imports the search engine)."""
from clipper.documents import ArticleDoc, PassageDoc

__all__ = ["ArticleDoc", "PassageDoc"]
