"""Where the library lives: --library DIR, else $CLIPPER_LIBRARY, else the platform data dir."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DB_NAME = "library.db"
INDEX_DIR = "index"
BACKUP_DIR = "backups"
DIRTY_MARKER = "index-dirty"


def default_library_dir() -> Path:
    return Path(platformdirs.user_data_dir("Clipper", appauthor=False)) / "library"


def resolve_library_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CLIPPER_LIBRARY")
    if env:
        return Path(env).expanduser()
    return default_library_dir()
