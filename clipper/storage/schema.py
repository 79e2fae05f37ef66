"""The library schema and its ordered migrations.

The schema version is SQLite's ``PRAGMA user_version``. Each migration is a function run in
one transaction together with the version bump, so a library is at the old version or the
new one, never in between. A library from a newer Clipper is refused (SchemaTooNew).

Overview (see README "Design notes"):
- articles: the clean text and metadata of each clipping; ``rev`` increases whenever
  anything the search index holds about the article changes (used for drift checks).
- tags (case-insensitive unique names, colour), article_tags, passage_tags.
- passages: W3C-style anchors (start/end code-point offsets + exact/prefix/suffix), colour,
  status (anchored|orphaned), rev.
- notes: Markdown notes on an article (many) or on a passage (one).
- meta: key/value facts about the library.
- changelog: one row per article/passage each write touched, replayed by the search index
  (clipper/storage/changelog.py).
"""
from __future__ import annotations

from typing import Callable

import sqlite_utils

from clipper.errors import SchemaTooNew
from clipper.storage.db import transaction, utcnow


def _v1(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            dek TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            outlet TEXT NOT NULL DEFAULT '',
            agency TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            published TEXT,
            url TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            word_count INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL DEFAULT '',
            story_id INTEGER,
            extra TEXT NOT NULL DEFAULT '{}',
            signature BLOB,
            rev INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX articles_hash ON articles(content_hash);
        CREATE INDEX articles_url ON articles(url) WHERE url != '';
        CREATE INDEX articles_imported ON articles(imported_at);
        CREATE INDEX articles_published ON articles(published);
        CREATE INDEX articles_story ON articles(story_id);
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL COLLATE NOCASE UNIQUE,
            color TEXT NOT NULL DEFAULT '#ffd54f',
            created_at TEXT NOT NULL
        );
        CREATE TABLE article_tags (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (article_id, tag_id)
        );
        CREATE INDEX article_tags_tag ON article_tags(tag_id);
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER,
            "end" INTEGER,
            quote TEXT NOT NULL,
            prefix TEXT NOT NULL DEFAULT '',
            suffix TEXT NOT NULL DEFAULT '',
            color TEXT NOT NULL DEFAULT '#ffd54f',
            status TEXT NOT NULL DEFAULT 'anchored' CHECK (status IN ('anchored', 'orphaned')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX passages_article ON passages(article_id);
        CREATE TABLE passage_tags (
            passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (passage_id, tag_id)
        );
        CREATE INDEX passage_tags_tag ON passage_tags(tag_id);
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
            passage_id INTEGER UNIQUE REFERENCES passages(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((article_id IS NULL) != (passage_id IS NULL))
        );
        CREATE INDEX notes_article ON notes(article_id);
        """
    )
    db.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", [utcnow()])


def _v2_captures_and_versions(db: sqlite_utils.Database) -> None:
    """Captures (the original bytes each import read, kept as content-addressed blobs in
    ``<library>/captures/``) and article versions (issue 17). A version row with NULL
    title/dek/text is the article's current version (its text is the articles row);
    superseded versions hold their own copy. Articles without version rows have one
    implicit version 1. ``refresh_checks`` keeps the validators of the last refresh."""
    db.executescript(
        """
        CREATE TABLE captures (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL DEFAULT 1,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            stored TEXT NOT NULL DEFAULT 'zst',
            stored_size INTEGER NOT NULL DEFAULT 0,
            origin TEXT NOT NULL DEFAULT 'file',
            kind TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            final_url TEXT NOT NULL DEFAULT '',
            entry INTEGER,
            status INTEGER,
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT '',
            content_type TEXT NOT NULL DEFAULT '',
            headers TEXT NOT NULL DEFAULT '{}',
            captured_at TEXT NOT NULL,
            clipper_version TEXT NOT NULL DEFAULT '',
            extractor TEXT NOT NULL DEFAULT '',
            text_hash TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX captures_article ON captures(article_id);
        CREATE INDEX captures_sha ON captures(sha256);
        CREATE TABLE article_versions (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'import',
            title TEXT,
            dek TEXT,
            text TEXT,
            text_hash TEXT NOT NULL DEFAULT '',
            words INTEGER NOT NULL DEFAULT 0,
            title_changed INTEGER NOT NULL DEFAULT 0,
            words_changed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (article_id, version)
        );
        CREATE TABLE refresh_checks (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            checked_at TEXT NOT NULL,
            status INTEGER,
            etag TEXT NOT NULL DEFAULT '',
            last_modified TEXT NOT NULL DEFAULT ''
        );
        ALTER TABLE passages ADD COLUMN version INTEGER;
        """
    )


def _v3_changelog(db: sqlite_utils.Database) -> None:
    """The change log the search index replays (clipper/storage/changelog.py)."""
    db.executescript(
        """
        CREATE TABLE changelog (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('article', 'passage')),
            op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
            ref INTEGER NOT NULL
        );
        """
    )


def _trash_slots(db: sqlite_utils.Database) -> None:
    """The Trash (a trashed article's rows, kept whole until restored or emptied) and fixed
    tag slots (a tag pinned to a number key 1–9 in the tag palette)."""
    db.executescript(
        """
        CREATE TABLE trash (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL,
            title TEXT NOT NULL,
            outlet TEXT NOT NULL DEFAULT '',
            published TEXT,
            passage_count INTEGER NOT NULL DEFAULT 0,
            trashed_at TEXT NOT NULL,
            payload TEXT NOT NULL
        );
        CREATE INDEX trash_article ON trash(article_id);
        CREATE INDEX trash_trashed ON trash(trashed_at);
        ALTER TABLE tags ADD COLUMN slot INTEGER CHECK (slot IS NULL OR slot BETWEEN 1 AND 9);
        CREATE UNIQUE INDEX tags_slot ON tags(slot) WHERE slot IS NOT NULL;
        """
    )
    # the nine most used tags get the number keys they had in the palette (most used first)
    ranked = db.execute(
        "SELECT t.id FROM tags t ORDER BY (SELECT COUNT(*) FROM passage_tags pt WHERE pt.tag_id = t.id) + "
        "(SELECT COUNT(*) FROM article_tags at WHERE at.tag_id = t.id) DESC, t.name COLLATE NOCASE LIMIT 9").fetchall()
    for slot, (tag_id,) in enumerate(ranked, start=1):
        db.execute("UPDATE tags SET slot = ? WHERE id = ?", [slot, tag_id])


def _change_marks_and_watch(db: sqlite_utils.Database) -> None:
    """The article list's "headline changed" / "N words changed" marks, kept per article
    when a version is stored (so a list reads them with its rows instead of diffing):
    one ``article_changes`` row per article with 2+ versions — how many versions, whether
    the current headline differs from version 1's, how many words changed since version 1
    and when the newest version arrived. ``watched``: articles the app refreshes on a
    schedule. Existing versioned articles get their row now."""
    db.executescript(
        """
        CREATE TABLE article_changes (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            versions INTEGER NOT NULL,
            title_changed INTEGER NOT NULL DEFAULT 0,
            words_changed INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT
        );
        CREATE TABLE watched (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            since TEXT NOT NULL
        );
        """
    )
    from clipper.storage.versions import backfill_marks

    backfill_marks(db)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2_captures_and_versions, _v3_changelog,
                                                          _trash_slots, _change_marks_and_watch]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def pending(db: sqlite_utils.Database) -> int:
    """How many migrations would run (raises SchemaTooNew for a newer library)."""
    version = current_version(db)
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"this library was written by a newer Clipper (schema {version}, this Clipper knows {SCHEMA_VERSION}); upgrade Clipper"
        )
    return SCHEMA_VERSION - version


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Run the pending migrations, each atomically with its version bump. Returns versions applied."""
    applied = []
    while pending(db):
        with transaction(db):
            version = current_version(db)  # re-read under the write lock: another process may have migrated
            if version >= SCHEMA_VERSION:
                break
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
        applied.append(version + 1)
    return applied
