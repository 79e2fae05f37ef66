"""clipper reindex | check | backup | restore"""
from __future__ import annotations

import errno
from pathlib import Path

from clipper.cli.common import ProgressBar, emit, open_library, print_json, wants_json
from clipper.errors import DiskFull


def register(sub, common) -> None:
    p = sub.add_parser("reindex", parents=[common], help="rebuild the search index from the database")
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("check", parents=[common], help="check database integrity and index drift")
    p.add_argument("--repair", action="store_true", help="fix index drift (the database is never changed)")
    p.add_argument("--deep", action="store_true",
                   help="also read back the whole search index to find damaged files (slower: "
                        "about a second per thousand articles)")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("backup", parents=[common], help="write a consistent snapshot of the library to FILE")
    p.add_argument("file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="restore a backup FILE into an empty library")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)


def cmd_reindex(args) -> int:
    from clipper.jobs import run_job
    from clipper.maintenance import reindex

    bar = ProgressBar(enabled=not wants_json(args))
    with open_library(args, repair_index=False) as lib:
        try:
            result = run_job(reindex(lib), bar)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise DiskFull("disk full: the search index was not rebuilt; the old index is kept "
                           "(free some space and try again)") from None
        finally:
            bar.close()
    return emit(args, result, f"reindexed {result['articles']} articles and {result['passages']} passages")


def cmd_check(args) -> int:
    from clipper.maintenance import check

    with open_library(args, repair_index=False) as lib:
        report = check(lib, repair=args.repair, deep=args.deep)
    if wants_json(args):
        print_json(report)
    else:
        db = report["database"]
        print(f"database: {'ok' if db['ok'] else 'DAMAGED'} ({report['articles']} articles, {report['passages']} passages)")
        for problem in db["problems"][:20]:
            print(f"  {problem}")
        idx = report["index"]
        if idx["ok"]:
            print("index: ok")
        else:
            parts = [f"{len(v)} {k.replace('_', ' ')}" for k, v in idx.items() if isinstance(v, list) and v]
            if idx.get("damaged"):
                parts.append(f"damaged ({idx['damaged']})")
            if idx.get("needs_rebuild"):
                parts.append("needs a rebuild")
            print("index: drift — " + ", ".join(parts))
            if idx.get("repaired"):
                print(f"index: {'repaired' if idx.get('ok_after_repair') else 'repair FAILED'}"
                      f"{' (rebuilt)' if idx.get('rebuilt') else ''}")
            else:
                print("run 'clipper check --repair' to fix the index")
    return 0 if report["ok"] else 1


def cmd_backup(args) -> int:
    from clipper import backup

    with open_library(args, repair_index=False) as lib:
        path = backup.snapshot(lib.db, Path(args.file), folder_blobs=lib.folder)
    return emit(args, {"backup": str(path)}, f"backup written to {path}")


def cmd_restore(args) -> int:
    from clipper import backup, paths
    from clipper.jobs import run_job
    from clipper.library import Library
    from clipper.maintenance import reindex

    folder = paths.resolve_library_dir(getattr(args, "library", None))
    backup.restore_into(Path(args.file), folder)
    bar = ProgressBar(enabled=not wants_json(args))
    lib = Library.open(folder, repair_index=False)
    try:
        result = run_job(reindex(lib), bar)
    finally:
        bar.close()
        lib.close()
    return emit(args, {"restored": str(folder), **result},
                f"restored {result['articles']} articles and {result['passages']} passages into {folder}")
