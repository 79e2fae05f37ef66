"""The sample library: a throwaway library filled from clipper/resources/sample through the core API.

Each ``*.txt`` file there is a short made-up news story: ``Key: value`` header lines
(Title, Outlet, Agency, Author, Published, URL, Dek), a blank line, then the body.
``highlights.json`` lists passages (file, quote, tags, note); ``notes.json`` article notes.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from clipper.errors import InputError
from clipper.models import ArticleDraft

HEADER_KEYS = {"title", "outlet", "agency", "author", "published", "url", "dek"}


def sample_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "resources" / "sample"


def parse_story(text: str, source: str = "") -> ArticleDraft:
    head, sep, body = text.partition("\n\n")
    if not sep:
        raise InputError(f"{source}: a sample story needs a header, a blank line and a body")
    fields: dict[str, str] = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() in HEADER_KEYS:
            fields[key.strip().lower()] = value.strip()
    return ArticleDraft(title=fields.get("title", ""), text=body.strip(), dek=fields.get("dek", ""),
                        outlet=fields.get("outlet", ""), agency=fields.get("agency", ""),
                        author=fields.get("author", ""), published=fields.get("published") or None,
                        url=fields.get("url", ""), language="en", source=source)


def fill_sample(lib, folder: Path | None = None) -> dict[str, int]:
    """Add the sample stories, passages and notes to ``lib``. Returns {file name: article id}."""
    folder = Path(folder or sample_dir())
    ids: dict[str, int] = {}
    for path in sorted(folder.glob("*.txt")):
        draft = parse_story(path.read_text(encoding="utf-8"), path.name)
        ids[path.name] = lib.articles.add(draft).id
    highlights = folder / "highlights.json"
    if highlights.exists():
        for h in json.loads(highlights.read_text(encoding="utf-8")):
            aid = ids.get(h["file"])
            if aid is None:
                continue
            for name in h.get("tags", []):
                if lib.tags.find(name) is None:
                    lib.tags.create(name)
            lib.passages.add(aid, quote=h["quote"], tags=h.get("tags", []), note=h.get("note", ""))
    notes = folder / "notes.json"
    if notes.exists():
        for n in json.loads(notes.read_text(encoding="utf-8")):
            if n["file"] in ids:
                lib.notes.add(ids[n["file"]], n["note"])
    return ids


def create_sample_library(parent: Path | None = None) -> Path:
    """A new library in a temporary folder, filled with the samples. Returns its folder."""
    from clipper.library import Library

    folder = Path(tempfile.mkdtemp(prefix="clipper-sample-", dir=parent)) / "library"
    with Library.open(folder) as lib:
        fill_sample(lib)
    return folder
