"""Build the flat search-index documents (clipper.documents) from the database.

``stamp`` is the row's ``rev``: it changes whenever anything indexed about the row changes,
so comparing stamps finds stale index documents without reading any text.
"""
from __future__ import annotations

import json
from typing import Iterable, Iterator

import sqlite_utils

from clipper.documents import ArticleDoc, PassageDoc
from clipper.storage import tags as tag_store

_ARTICLE_SQL = (
    "SELECT id, title, text, dek, outlet, agency, author, url, language, published, imported_at, rev "
    "FROM articles"
)
_PASSAGE_SQL = (
    'SELECT p.id, p.article_id, p.quote, COALESCE(n.text, \'\'), p.status, p.color, a.title, a.outlet, a.agency, '
    "a.author, a.url, a.language, a.published, a.imported_at, p.rev "
    "FROM passages p JOIN articles a ON a.id = p.article_id LEFT JOIN notes n ON n.passage_id = p.id"
)


def _in(ids: Iterable[int]) -> tuple[str, list]:
    return "IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))]


def _article_extras(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict]:
    cond, params = _in(ids)
    extras: dict[int, dict] = {i: {"tags": {}, "quotes": [], "notes": [], "passages": 0, "orphans": 0, "note_count": 0}
                               for i in ids}
    for aid, tid, name in db.execute(
            f"SELECT at.article_id, t.id, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id "
            f"WHERE at.article_id {cond}", params):
        extras[aid]["tags"][tid] = name
    for aid, tid, name in db.execute(
            "SELECT p.article_id, t.id, t.name FROM passage_tags pt JOIN passages p ON p.id = pt.passage_id "
            f"JOIN tags t ON t.id = pt.tag_id WHERE p.article_id {cond}", params):
        extras[aid]["tags"][tid] = name
    for aid, quote, status in db.execute(f"SELECT article_id, quote, status FROM passages WHERE article_id {cond} ORDER BY start",
                                         params):
        e = extras[aid]
        e["quotes"].append(quote)
        e["passages"] += 1
        e["orphans"] += status == "orphaned"
    for aid, text in db.execute(
            f"SELECT article_id, text FROM notes WHERE article_id {cond} UNION ALL "
            f"SELECT p.article_id, n.text FROM notes n JOIN passages p ON p.id = n.passage_id WHERE p.article_id {cond}",
            params + params):
        extras[aid]["notes"].append(text)
        extras[aid]["note_count"] += 1
    for aid, count, changed in db.execute(
            f"SELECT article_id, COUNT(*), MAX(created_at) FROM article_versions WHERE article_id {cond} "
            "GROUP BY article_id HAVING COUNT(*) > 1", params):
        extras[aid]["versions"] = (count, changed)
    return extras


def _chunks(db: sqlite_utils.Database, table: str, ids: Iterable[int] | None, batch: int) -> Iterator[list[int]]:
    """The given ids (every row of ``table`` when None) in batches."""
    all_ids = [r[0] for r in db.execute(f"SELECT id FROM {table} ORDER BY id")] if ids is None else list(ids)
    for i in range(0, len(all_ids), batch):
        yield all_ids[i:i + batch]


def article_docs(db: sqlite_utils.Database, ids: Iterable[int] | None = None, batch: int = 500) -> Iterator[ArticleDoc]:
    """Documents for the given article ids (all articles when None), streamed in batches."""
    for chunk in _chunks(db, "articles", ids, batch):
        cond, params = _in(chunk)
        extras = _article_extras(db, chunk)
        for row in db.execute(f"{_ARTICLE_SQL} WHERE id {cond} ORDER BY id", params):
            e = extras[row[0]]
            yield ArticleDoc(
                id=row[0], title=row[1], text=row[2], dek=row[3], outlet=row[4], agency=row[5], author=row[6],
                url=row[7], language=row[8], published=row[9], imported_at=row[10],
                tags=sorted(e["tags"].values(), key=str.casefold), tag_ids=sorted(e["tags"]),
                quotes=e["quotes"], notes=e["notes"],
                passage_count=e["passages"], note_count=e["note_count"], orphan_count=e["orphans"],
                stamp=str(row[11]), versions=e.get("versions", (1, ""))[0], changed_at=e.get("versions", (1, ""))[1],
            )


def passage_docs(db: sqlite_utils.Database, ids: Iterable[int] | None = None, batch: int = 1000) -> Iterator[PassageDoc]:
    for chunk in _chunks(db, "passages", ids, batch):
        cond, params = _in(chunk)
        tag_map = tag_store.passage_tag_map(db, chunk)
        id_map = tag_store.passage_tag_ids(db, chunk)
        for r in db.execute(f"{_PASSAGE_SQL} WHERE p.id {cond} ORDER BY p.id", params):
            yield PassageDoc(id=r[0], article_id=r[1], quote=r[2], note=r[3], status=r[4], color=r[5],
                             article_title=r[6], outlet=r[7], agency=r[8], author=r[9], url=r[10], language=r[11],
                             published=r[12], imported_at=r[13], tags=tag_map.get(r[0], []),
                             tag_ids=id_map.get(r[0], []), stamp=str(r[14]))

