"""Article texts for search snippets and "did you mean" (the index does not store them)."""
from __future__ import annotations

import json

import sqlite_utils


def texts(db: sqlite_utils.Database, ids: list[int]) -> dict[int, str]:
    """{article id: text as indexed (dek, blank line, body)} for the ids that exist."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    rows = db.execute(
        "SELECT id, dek, text FROM articles WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(ids)],
    )
    out = {}
    for aid, dek, text in rows:
        text = text or ""
        out[aid] = f"{dek}\n\n{text}" if dek else text
    return out
