"""Tags: names are case-insensitively unique; rename, merge, recolour, delete.

Renaming or merging re-indexes every article and passage that carries the tag in the same
operation, so search shows the new name the moment the call returns.
"""
from __future__ import annotations

import re

from clipper.errors import DuplicateError, InputError
from clipper.models import Tag
from clipper.storage import articles as article_store
from clipper.storage import passages as passage_store
from clipper.storage import tags as store
from clipper.text.controls import clean_field

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_TAG_LENGTH = 80


def check_color(color: str) -> str:
    if not isinstance(color, str) or not COLOR_RE.match(color.strip()):
        raise InputError(f"colour must look like #RRGGBB, not {color!r}")
    return color.strip().lower()


def check_name(name: str) -> str:
    """The tag name as stored, white space collapsed. InputError when it is empty, too
    long, or holds what ``clean_field`` would remove (controls, direction overrides)."""
    collapsed = " ".join((name or "").split())
    if not collapsed:
        raise InputError("a tag name cannot be empty")
    if len(collapsed) > MAX_TAG_LENGTH:
        raise InputError(f"a tag name can have at most {MAX_TAG_LENGTH} characters")
    if clean_field(collapsed) != collapsed:
        raise InputError("a tag name cannot contain control characters or text-direction overrides")
    return collapsed


class Tags:
    def __init__(self, lib):
        self.lib = lib

    def all(self) -> list[Tag]:
        return store.all_tags(self.lib.db)

    def get(self, name: str) -> Tag:
        return store.get(self.lib.db, name)

    def find(self, name: str) -> Tag | None:
        return store.find(self.lib.db, name)

    def colors(self) -> dict[str, str]:
        return store.colors(self.lib.db)

    def create(self, name: str, color: str | None = None) -> Tag:
        name = check_name(name)
        color = check_color(color) if color else None
        with self.lib.write() as changes:
            if store.find(self.lib.db, name) is not None:
                raise DuplicateError(f"a tag named {name!r} already exists")
            store.ensure(self.lib.db, name, color)
            changes.tags = True
        return self.get(name)

    def ensure(self, name: str) -> None:
        """Create the tag (with the next palette colour) if it does not exist yet. Caller holds a write."""
        store.ensure(self.lib.db, check_name(name))

    def _touch(self, changes, tag_id: int) -> None:
        aids, pids = store.touched_by(self.lib.db, tag_id)
        article_store.bump(self.lib.db, aids)
        passage_store.bump(self.lib.db, pids)
        changes.articles.update(aids)
        changes.passages.update(pids)
        changes.tags = True

    def rename(self, old: str, new: str) -> Tag:
        new = check_name(new)
        with self.lib.write() as changes:
            tag = store.get(self.lib.db, old)
            other = store.find(self.lib.db, new)
            if other is not None and other.id != tag.id:
                raise DuplicateError(f"a tag named {other.name!r} already exists; use 'tag merge {old} {other.name}'")
            store.rename(self.lib.db, tag.id, new)
            # The index holds tags by id (clipper.index.tagnames): nothing to re-index.
            changes.tags = True
        return self.get(new)

    def merge(self, src: str, dst: str) -> Tag:
        with self.lib.write() as changes:
            s = store.get(self.lib.db, src)
            d = store.get(self.lib.db, dst)
            if s.id == d.id:
                raise InputError("cannot merge a tag into itself")
            self._touch(changes, s.id)
            store.merge(self.lib.db, s.id, d.id)
        return self.get(dst)

    def recolor(self, name: str, color: str) -> Tag:
        color = check_color(color)
        with self.lib.write() as changes:
            tag = store.get(self.lib.db, name)
            store.recolor(self.lib.db, tag.id, color)
            changes.tags = True
        return self.get(name)

    def pin(self, name: str, slot: int | None) -> Tag:
        """Pin a tag to the number key ``slot`` (1–9) of the tag palette, the same number
        everywhere and every time; a tag already on that slot gives it up. None unpins."""
        if slot is not None and not (isinstance(slot, int) and 1 <= slot <= 9):
            raise InputError(f"a tag slot is a number from 1 to 9, not {slot!r}")
        with self.lib.write() as changes:
            tag = store.get(self.lib.db, name)
            store.set_slot(self.lib.db, tag.id, slot)
            changes.tags = True
        return self.get(name)

    def drop_unused(self, names) -> list[str]:
        """Delete those of ``names`` that no passage or article carries (the tags a passage
        made, when that passage is undone). Joins an open write."""
        dropped = []
        with self.lib.write() as changes:
            for name in names:
                tag = store.find(self.lib.db, name)
                if tag is not None and tag.count == 0:
                    store.delete(self.lib.db, tag.id)
                    dropped.append(tag.name)
                    changes.tags = True
        return dropped

    def slots(self) -> dict[int, Tag]:
        """The pinned tags by slot number."""
        return {t.slot: t for t in self.all() if t.slot is not None}

    def delete(self, name: str) -> Tag:
        with self.lib.write() as changes:
            tag = store.get(self.lib.db, name)
            self._touch(changes, tag.id)
            store.delete(self.lib.db, tag.id)
        return tag
