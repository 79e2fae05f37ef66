"""Where an export or a backup may be written: a regular file, or standard output.

Exports and backups are written to a temporary file beside the target and renamed over
it, which would *replace* whatever the name points at. So a target that exists and is not
a regular file is refused before anything is written: a symbolic link (the link itself
would be replaced, not the file it names), a device such as ``/dev/null`` (as root, the
rename would destroy it for the whole machine), a FIFO or a socket.

``-`` (and ``/dev/stdout``) name standard output; commands that can stream (``export``)
write there in place instead.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def is_stdout(path: str | os.PathLike) -> bool:
    return os.fspath(path) in STDOUT_NAMES


def target_problem(path: Path) -> str | None:
    """Why ``path`` must not be replaced by a rename (None: absent, or a regular file)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # the write itself reports it (permission, name too long...)
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link (Clipper never replaces one; name the file it points to)"
    if stat.S_ISDIR(st.st_mode):
        return "it is a folder"
    if not stat.S_ISREG(st.st_mode):
        kind = ("a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "not a regular file")
        return f"it is {kind}, not a regular file (Clipper never replaces one)"
    return None
