"""What a killed process leaves behind, removed the next time round.

A ``kill -9`` (or a power cut) at the wrong moment leaves temporary files that nothing
else ever removes:

- a ``reindex`` killed while it built the new index: ``.index.rebuild-PID-N`` (a full
  copy of the index, ~500 MB at 50,000 articles) or, killed while swapping it in,
  ``.index.old-PID-N``, both in the library folder;
- Whoosh writers killed mid-commit: ``MAIN.tmp`` (the posting pool's spill folder),
  ``*.ctmp``/``*.run`` and ``_MAIN_N.toc.<time>`` (a table of contents not yet renamed)
  inside the index's folders;
- a backup or restore cut short: ``.clipper-backup-*.tmp`` (in ``backups/``) and
  ``.clipper-restore-*.tmp``; the index's ``clipper-index.json.tmp``;
- an export killed before its rename: ``.NAME.PID.XXXX.part`` beside the target;
- a merge built beside the index when its process died: ``index/.merge-PID-N-PART``.

``clean_library`` (called by ``Library.open``) removes those inside the library folder,
and only what is provably dead: a name carrying a process id whose process is gone (or is
a newer process that reused the number), Whoosh's files only while nobody holds the
index's write lock, files without a process id only when untouched for ``STALE_AFTER``.
``clean_export_parts`` (called at the end of a successful export) removes the dead
``.part`` files of earlier exports to the same target, and nothing else in the user's
folder. Symbolic links are never followed. Nothing here raises: a leftover that cannot be
removed stays for the next time.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

STALE_AFTER = 15 * 60  # seconds untouched before a temporary file without a pid is dead

_INDEX_TEMP = re.compile(r"^\.index\.(?:rebuild|old)-(\d+)-\d+$")
_MERGE_TEMP = re.compile(r"^\.merge-(\d+)-\d+-\w+$")  # clipper.index.side_merge's scratch
_PID_FREE_TEMP = re.compile(r"^\.clipper-(?:backup|restore)-.*\.tmp$")
_WHOOSH_TEMP = re.compile(r"^(?:.*\.tmp|.*\.ctmp|.*\.run|_MAIN_\d+\.toc\.[\d.]+)$")


def clean_library(folder: str | os.PathLike) -> list[Path]:
    """Remove the dead leftovers inside the library ``folder``; returns what was removed."""
    folder = Path(folder)
    removed: list[Path] = []
    try:
        for entry in _entries(folder):
            m = _INDEX_TEMP.match(entry.name)
            if m and entry.is_dir(follow_symlinks=False):
                if not _pid_alive(int(m.group(1)), _mtime(entry)):
                    _remove(Path(entry.path), removed)
            elif _PID_FREE_TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
                _remove_if_stale(entry, removed)
        for entry in _entries(folder / "backups"):
            if _PID_FREE_TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
                _remove_if_stale(entry, removed)
        index = folder / "index"
        for entry in _entries(index):
            m = _MERGE_TEMP.match(entry.name)
            if m and entry.is_dir(follow_symlinks=False):
                if not _pid_alive(int(m.group(1)), _mtime(entry)):
                    _remove(Path(entry.path), removed)
            elif entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                _remove_if_stale(entry, removed)
            elif entry.is_dir(follow_symlinks=False):
                _clean_whoosh_folder(Path(entry.path), removed)
    except Exception as exc:  # noqa: BLE001 - tidying must never stop a library from opening
        log.debug("leftover cleaning stopped: %s", exc)
    return removed


def export_part_prefix(target: Path) -> str:
    """The name an export's temporary file starts with (``clean_export_parts`` knows it)."""
    return f".{target.name[:60]}.{os.getpid()}."


def clean_export_parts(target: str | os.PathLike) -> list[Path]:
    """After a successful export to ``target``: remove the ``.part`` files that earlier,
    killed exports to the same target left beside it (only ours: the name pattern with a
    process id that is no longer running)."""
    target = Path(target)
    pattern = re.compile(r"^\." + re.escape(target.name[:60]) + r"\.(\d+)\.[^./]+\.part$")
    removed: list[Path] = []
    try:
        for entry in _entries(target.parent):
            m = pattern.match(entry.name)
            if m and entry.is_file(follow_symlinks=False) and not _pid_alive(int(m.group(1)), _mtime(entry)):
                _remove(Path(entry.path), removed)
    except Exception as exc:  # noqa: BLE001 - the export itself succeeded
        log.debug("export leftover cleaning stopped: %s", exc)
    return removed


# ------------------------------------------------------------------------ internals


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def _mtime(entry: os.DirEntry) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return time.time()


def _remove(path: Path, removed: list[Path]) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(path)
        log.info("removed leftover %s", path)
    except OSError as exc:
        log.debug("cannot remove leftover %s: %s", path, exc)


def _remove_if_stale(entry: os.DirEntry, removed: list[Path]) -> None:
    if time.time() - _mtime(entry) > STALE_AFTER:
        _remove(Path(entry.path), removed)


def _clean_whoosh_folder(folder: Path, removed: list[Path]) -> None:
    """Whoosh's temporary files in one index folder, while no writer holds its lock."""
    if not (folder / "MAIN_WRITELOCK").is_file():
        return
    candidates = [e for e in _entries(folder) if _WHOOSH_TEMP.match(e.name)]
    if not candidates:
        return
    from whoosh.filedb.filestore import FileStorage

    lock = FileStorage(str(folder)).lock("MAIN_WRITELOCK")
    if not lock.acquire(blocking=False):
        return  # a writer (in this or another process) is at work: its files are live
    try:
        for entry in candidates:
            _remove(Path(entry.path), removed)
    finally:
        lock.release()


def _pid_alive(pid: int, since: float) -> bool:
    """Is the process that wrote a leftover (last changed at ``since``) still running?
    A running process with that number that started after ``since`` is a newer one that
    reused the number: the writer is gone."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate it: only very old ones count as dead
        return time.time() - since < 24 * 3600
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    except OSError:
        return True
    started = _start_time(pid)
    return started is None or started <= since + 1.0


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), on Linux; else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        with open("/proc/stat") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
