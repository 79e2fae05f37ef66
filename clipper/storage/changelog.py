"""The change log: one row per article or passage a committed write touched.

Every write transaction appends its rows before it commits (``append``), so the log and
the data can never disagree: a kill, a signal or a race leaves both before or both after.
The search index remembers the last sequence number it applied (its *watermark*) and is
brought up to date by replaying what came after (``touched``). Replaying means "make the
index match the database for these ids", which is idempotent and independent of order, so
replaying a range twice (after a kill between the index commit and the watermark) is
harmless.

Writers are serialised by ``BEGIN IMMEDIATE``, so sequence numbers are committed in order:
once ``max_seq`` reads N, every entry up to N is committed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from clipper.storage.db import utcnow

ARTICLE, PASSAGE = "article", "passage"
CREATE, UPDATE, DELETE = "create", "update", "delete"


@dataclass
class Touched:
    """What a range of the log touched (ids, whatever happened to them)."""
    first: int
    last: int
    articles: set[int] = field(default_factory=set)
    created_articles: set[int] = field(default_factory=set)  # created in the range
    passages: set[int] = field(default_factory=set)
    created_seqs: list[int] = field(default_factory=list)  # the entries that created them
    changed_articles: set[int] = field(default_factory=set)  # updated or deleted in the range

    def __len__(self) -> int:
        return len(self.articles) + len(self.passages)


def append(db: sqlite_utils.Database, changes) -> int | None:
    """Log a ``Changes`` record inside the open write transaction; returns the last
    sequence number written (None when nothing the index holds was touched)."""
    rows = []
    created = changes.created_articles
    for i in sorted(changes.deleted_articles):
        rows.append((ARTICLE, DELETE, i))
    for i in sorted(changes.articles - changes.deleted_articles):
        rows.append((ARTICLE, CREATE if i in created else UPDATE, i))
    for i in sorted(changes.deleted_passages):
        rows.append((PASSAGE, DELETE, i))
    for i in sorted(changes.passages - changes.deleted_passages):
        rows.append((PASSAGE, UPDATE, i))
    if not rows:
        return None
    at = utcnow()
    db.conn.executemany("INSERT INTO changelog(at, kind, op, ref) VALUES (?, ?, ?, ?)",
                        [(at, *r) for r in rows])
    return max_seq(db)


def max_seq(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT MAX(seq) FROM changelog").fetchone()
    return row[0] or 0


def touched(db: sqlite_utils.Database, after: int, upto: int | None = None,
            limit: int | None = None) -> Touched:
    """The ids touched by entries ``after < seq <= upto`` (at most ``limit`` entries)."""
    sql = "SELECT seq, kind, op, ref FROM changelog WHERE seq > ?"
    args: list = [after]
    if upto is not None:
        sql += " AND seq <= ?"
        args.append(upto)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    out = Touched(after, after)
    for seq, kind, op, ref in db.execute(sql, args):
        out.last = seq
        if kind == ARTICLE:
            out.articles.add(ref)
            if op == CREATE:
                out.created_articles.add(ref)
                out.created_seqs.append(seq)
            else:
                out.changed_articles.add(ref)
        else:
            out.passages.add(ref)
    return out


def pending_after(db: sqlite_utils.Database, after: int) -> tuple[int, int]:
    """(entries after ``after``, how many of them are not new articles), in one read."""
    row = db.execute("SELECT COUNT(*), COALESCE(SUM(op != 'create'), 0) FROM changelog WHERE seq > ?",
                     [after]).fetchone()
    return row[0], row[1]
