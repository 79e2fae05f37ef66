"""SQL for tags and their links to articles and passages."""
from __future__ import annotations

import json
from typing import Iterable

import sqlite_utils

from clipper.errors import NotFound
from clipper.models import Tag
from clipper.storage.db import utcnow

_COUNT = (
    "(SELECT COUNT(*) FROM passage_tags pt WHERE pt.tag_id = t.id) + "
    "(SELECT COUNT(*) FROM article_tags at WHERE at.tag_id = t.id)"
)


def find(db: sqlite_utils.Database, name: str) -> Tag | None:
    row = db.execute(f"SELECT t.id, t.name, t.color, {_COUNT}, t.slot FROM tags t WHERE t.name = ? COLLATE NOCASE",
                     [name]).fetchone()
    return Tag(*row) if row else None


def get(db: sqlite_utils.Database, name: str) -> Tag:
    tag = find(db, name)
    if tag is None:
        raise NotFound(f"no tag named {name!r}")
    return tag


# New tags take the first colour of this palette that no tag uses yet (then round again).
# Twelve colours chosen to stay apart (CIELAB distance >= 13) for normal vision and for
# simulated protanopia, deuteranopia and tritanopia (tests/core/test_tag_colors.py); no grey.
PALETTE = ("#e69f00", "#0072b2", "#99ddff", "#882255", "#eedd88", "#cc3311",
           "#332288", "#ee6677", "#44bb99", "#77aadd", "#228833", "#ffaabb")


def next_color(db: sqlite_utils.Database) -> str:
    used = {c.lower() for (c,) in db.execute("SELECT color FROM tags")}
    free = [c for c in PALETTE if c not in used]
    return free[0] if free else PALETTE[count(db) % len(PALETTE)]


def free_slot(db: sqlite_utils.Database) -> int | None:
    taken = {r[0] for r in db.execute("SELECT slot FROM tags WHERE slot IS NOT NULL")}
    return next((n for n in range(1, 10) if n not in taken), None)


def ensure(db: sqlite_utils.Database, name: str, color: str | None = None) -> int:
    """The tag's id, creating it (next palette colour, the lowest free number slot) if needed."""
    tag = find(db, name)
    if tag is not None:
        return tag.id
    cur = db.execute("INSERT INTO tags (name, color, created_at, slot) VALUES (?, ?, ?, ?)",
                     [name, color or next_color(db), utcnow(), free_slot(db)])
    return cur.lastrowid


def all_tags(db: sqlite_utils.Database) -> list[Tag]:
    return [Tag(*r) for r in db.execute(
        f"SELECT t.id, t.name, t.color, {_COUNT}, t.slot FROM tags t ORDER BY t.name COLLATE NOCASE")]


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM tags").fetchone()[0]


def colors(db: sqlite_utils.Database) -> dict[str, str]:
    return {name: color for name, color in db.execute("SELECT name, color FROM tags")}


def set_slot(db: sqlite_utils.Database, tag_id: int, slot: int | None) -> None:
    """Pin a tag to a slot (1–9), taking the slot from any tag that held it; None unpins."""
    if slot is not None:
        db.execute("UPDATE tags SET slot = NULL WHERE slot = ?", [slot])
    db.execute("UPDATE tags SET slot = ? WHERE id = ?", [slot, tag_id])


def rename(db: sqlite_utils.Database, tag_id: int, new_name: str) -> None:
    db.execute("UPDATE tags SET name = ? WHERE id = ?", [new_name, tag_id])


def recolor(db: sqlite_utils.Database, tag_id: int, color: str) -> None:
    db.execute("UPDATE tags SET color = ? WHERE id = ?", [color, tag_id])


def delete(db: sqlite_utils.Database, tag_id: int) -> None:
    db.execute("DELETE FROM tags WHERE id = ?", [tag_id])


def merge(db: sqlite_utils.Database, src_id: int, dst_id: int) -> None:
    """Move every link of src to dst (keeping one copy), then delete src."""
    db.execute("INSERT OR IGNORE INTO passage_tags (passage_id, tag_id) SELECT passage_id, ? FROM passage_tags WHERE tag_id = ?",
               [dst_id, src_id])
    db.execute("INSERT OR IGNORE INTO article_tags (article_id, tag_id) SELECT article_id, ? FROM article_tags WHERE tag_id = ?",
               [dst_id, src_id])
    db.execute("DELETE FROM tags WHERE id = ?", [src_id])


def touched_by(db: sqlite_utils.Database, tag_id: int) -> tuple[list[int], list[int]]:
    """(article ids, passage ids) whose indexed documents mention the tag."""
    pids = [r[0] for r in db.execute("SELECT passage_id FROM passage_tags WHERE tag_id = ?", [tag_id])]
    aids = [r[0] for r in db.execute(
        "SELECT article_id FROM article_tags WHERE tag_id = ? UNION "
        "SELECT p.article_id FROM passage_tags pt JOIN passages p ON p.id = pt.passage_id WHERE pt.tag_id = ?",
        [tag_id, tag_id])]
    return aids, pids


def set_article_tags(db: sqlite_utils.Database, article_id: int, names: Iterable[str]) -> None:
    db.execute("DELETE FROM article_tags WHERE article_id = ?", [article_id])
    add_article_tags(db, article_id, names)


def add_article_tags(db: sqlite_utils.Database, article_id: int, names: Iterable[str]) -> None:
    for name in names:
        tag_id = ensure(db, name)
        db.execute("INSERT OR IGNORE INTO article_tags (article_id, tag_id) VALUES (?, ?)", [article_id, tag_id])


def remove_article_tags(db: sqlite_utils.Database, article_id: int, names: Iterable[str]) -> None:
    for name in names:
        tag = find(db, name)
        if tag is not None:
            db.execute("DELETE FROM article_tags WHERE article_id = ? AND tag_id = ?", [article_id, tag.id])


def set_passage_tags(db: sqlite_utils.Database, passage_id: int, names: Iterable[str]) -> None:
    db.execute("DELETE FROM passage_tags WHERE passage_id = ?", [passage_id])
    for name in names:
        tag_id = ensure(db, name)
        db.execute("INSERT OR IGNORE INTO passage_tags (passage_id, tag_id) VALUES (?, ?)", [passage_id, tag_id])


def passage_tag_ids(db: sqlite_utils.Database, passage_ids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for pid, tid in db.execute(
        "SELECT passage_id, tag_id FROM passage_tags WHERE passage_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY tag_id", [json.dumps(list(passage_ids))]):
        out.setdefault(pid, []).append(tid)
    return out


def names_by_id(db: sqlite_utils.Database) -> dict[int, str]:
    return dict(db.execute("SELECT id, name FROM tags").fetchall())


def passage_tag_map(db: sqlite_utils.Database, passage_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for pid, name in db.execute(
        "SELECT pt.passage_id, t.name FROM passage_tags pt JOIN tags t ON t.id = pt.tag_id "
        "WHERE pt.passage_id IN (SELECT value FROM json_each(?)) ORDER BY t.name COLLATE NOCASE",
            [json.dumps(list(passage_ids))]):
        out.setdefault(pid, []).append(name)
    return out
