"""Plain-text (and pasted-text) importer: bytes -> text -> cleaned ArticleDraft."""
from __future__ import annotations

from clipper.errors import InputError
from clipper.models import ArticleDraft
from clipper.text.cleaner import clean
from clipper.text.encoding import decode_bytes


def parse_text(text: str, source: str = "") -> ArticleDraft:
    """Clean pasted article text into a draft.

    Raises InputError("<source>: no article text found") when nothing of a story is
    left (empty, whitespace-only, or only site furniture / a lone headline).
    """
    label = source or "text"
    if not isinstance(text, str):
        raise InputError(f"{label}: expected text, got {type(text).__name__}")
    result = clean(text)
    if not result.paragraphs:
        raise InputError(f"{label}: no article text found")
    extra: dict = {}
    if result.dateline:
        extra["dateline"] = result.dateline
    return ArticleDraft(
        title=result.title,
        text=result.text,
        dek=result.dek,
        agency=result.agency,
        author=result.author,
        published=result.published,
        source=source,
        extra=extra,
    )


def parse_bytes(data: bytes, source: str) -> ArticleDraft:
    """Decode bytes (BOM, UTF-8, or a detected legacy encoding) and parse them."""
    text = decode_bytes(data, source=source or "input")
    return parse_text(text, source=source)
