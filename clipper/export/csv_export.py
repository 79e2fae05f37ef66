"""CSV export: one row per passage, for spreadsheets.

Encoding choice: UTF-8 *with* a byte-order mark (``utf-8-sig``). Excel on Windows opens a
BOM-less CSV in the legacy ANSI code page and garbles Hebrew, Arabic, CJK and accents;
with the BOM it detects UTF-8. LibreOffice, pandas (``encoding="utf-8-sig"``) and Python's
``csv`` module all read it fine. Rows end in CRLF as RFC 4180 says.

Formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, their full-width
forms ``＝ ＋ － ＠`` (which spreadsheets in East Asian locales read as the same), or a tab,
carriage return or line feed (which some spreadsheets strip before looking) gets a
leading ``'`` so a spreadsheet shows it as text instead of evaluating it.
"""
from __future__ import annotations

import csv
import io
from typing import BinaryIO

from clipper.export.model import ExportDocument, citation

COLUMNS = [
    "quote", "tags", "note", "article_title", "outlet", "agency", "author", "published",
    "url", "article_id", "passage_id", "start", "end", "color", "citation",
]
_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r", "\n")


def defuse(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def rows(doc: ExportDocument):
    yield COLUMNS
    for article in doc.articles:
        for p in article.passages:
            yield [
                defuse(v)
                for v in (
                    p.quote, ";".join(t.name for t in p.tags), p.note, article.title,
                    article.outlet, article.agency, article.author, article.published or "",
                    article.url, article.id, p.id, p.start, p.end, p.color, citation(article),
                )
            ]


def write(doc: ExportDocument, fh: BinaryIO) -> None:
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerows(rows(doc))
        text.flush()
    finally:
        text.detach()  # leave the caller's file open
