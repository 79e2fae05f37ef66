"""What the index folder says about itself, read without loading the search engine.

- ``clipper-index.json``: the schema version the index was written with (analyzers and
  fields; another version means a rebuild) and whether a search found it damaged.
- ``lane.json``: the watermark, the last change-log sequence the index holds
  (``clipper.index_lane``), and what it holds beyond it (``ahead``): during a bulk import
  the articles the background indexer has not committed yet keep the watermark back, but
  someone's edits after them are applied at once; ``ahead`` says up to which sequence
  everything is held except those entries (``holes``, ranges of sequences), so a search
  waiting for such an edit sees it without waiting for the import's next commit.

``known_current`` lets a command that does not search (``list``, ``tag list``) confirm that
the index needs nothing without importing Whoosh or numpy.
"""
from __future__ import annotations

import json
from pathlib import Path

# Changing fields or analyzers (clipper/index/schema.py) must bump this: an index written
# with another version is recreated and rebuilt from the database.
INDEX_SCHEMA_VERSION = 5  # 4: changed (newest version) and has:versions; 5: tags by id
VERSION_FILE = "clipper-index.json"
STATE_FILE = "lane.json"


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def applied_seq(folder: Path) -> int | None:
    return applied_state(folder)[0]


def applied_state(folder: Path) -> tuple[int | None, tuple[int, list[tuple[int, int]]] | None]:
    """(watermark, ahead) from one read of ``lane.json``."""
    data = read_json(Path(folder) / STATE_FILE)
    seq = data.get("applied_seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None, None
    return seq, _ahead(data.get("ahead"))


def _ahead(ahead) -> tuple[int, list[tuple[int, int]]] | None:
    try:
        upto = int(ahead["upto"])
        holes = [(int(lo), int(hi)) for lo, hi in ahead["holes"]]
    except (TypeError, KeyError, ValueError):
        return None
    return upto, holes


def holds(applied: int | None, ahead: tuple[int, list[tuple[int, int]]] | None, seq: int) -> bool:
    """Does an index at watermark ``applied`` with ``ahead`` hold the entry ``seq``?"""
    if applied is not None and seq <= applied:
        return True
    if ahead is None or seq > ahead[0]:
        return False
    return not any(lo <= seq <= hi for lo, hi in ahead[1])


def ranges(seqs) -> list[tuple[int, int]]:
    """Sorted sequence numbers as (first, last) runs of consecutive numbers."""
    out: list[list[int]] = []
    for s in sorted(seqs):
        if out and s <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], s)
        else:
            out.append([s, s])
    return [(lo, hi) for lo, hi in out]


def known_current(folder: Path, max_seq: int) -> bool:
    """True when the index folder is of this schema, not marked damaged, and holds every
    change up to ``max_seq``. False means "open it and find out" (not "it is broken")."""
    folder = Path(folder)
    meta = read_json(folder / VERSION_FILE)
    if meta.get("schema_version") != INDEX_SCHEMA_VERSION or meta.get("damaged"):
        return False
    if not ((folder / "articles").is_dir() and (folder / "passages").is_dir()):
        return False
    seq = applied_seq(folder)
    return seq == max_seq  # ahead of the database too means "find out" (a database put back)
