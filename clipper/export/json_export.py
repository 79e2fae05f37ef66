"""Clipper's own JSON export: the export dataclasses as plain dicts under a small header.

``{"format": "clipper-export", "version": 1, "title": ..., "created": ..., "scope": ...,
"group_by": ..., "include_article_notes": ..., "articles": [...]}``. :func:`load` reads it
back into an :class:`ExportDocument`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import BinaryIO

from clipper.errors import InputError
from clipper.export.model import ExportArticle, ExportDocument, ExportPassage, ExportTag

FORMAT = "clipper-export"
VERSION = 1


def to_dict(doc: ExportDocument) -> dict:
    return {"format": FORMAT, "version": VERSION, **asdict(doc)}


def write(doc: ExportDocument, fh: BinaryIO) -> None:
    fh.write(json.dumps(to_dict(doc), ensure_ascii=False, indent=2).encode("utf-8"))
    fh.write(b"\n")


def _pick(cls, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def from_dict(data: dict) -> ExportDocument:
    """Rebuild an :class:`ExportDocument`; unknown keys are ignored (forward compatible)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError("Not a Clipper export (missing \"format\": \"clipper-export\")")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise InputError(f"Unsupported Clipper export version {data.get('version')!r}")
    try:
        articles = []
        for a in data.get("articles", []):
            passages = [
                ExportPassage(**{**_pick(ExportPassage, p),
                                 "tags": [ExportTag(**_pick(ExportTag, t)) for t in p.get("tags", [])]})
                for p in a.get("passages", [])
            ]
            articles.append(ExportArticle(**{
                **_pick(ExportArticle, a),
                "tags": [ExportTag(**_pick(ExportTag, t)) for t in a.get("tags", [])],
                "passages": passages,
            }))
        return ExportDocument(**{**_pick(ExportDocument, data), "articles": articles})
    except (TypeError, AttributeError) as exc:
        raise InputError(f"Malformed Clipper export: {exc}") from exc


def load(path: Path | str) -> ExportDocument:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from exc
    return from_dict(data)
