"""clipper recover: restore the newest verified automatic backup in place of a damaged
database, keeping the damaged file aside. A healthy database (it passes the full check) and
a library that is only unusable for another reason (disk full, read-only, locked) are left
exactly as they are."""
from __future__ import annotations

import sys

from clipper.cli.common import print_json, wants_json


def register(sub, common) -> None:
    p = sub.add_parser("recover", parents=[common],
                       help="set a damaged library database aside and restore the newest verified automatic backup")
    p.set_defaults(func=cmd_recover)


def cmd_recover(args) -> int:
    from clipper import paths, recover

    folder = paths.resolve_library_dir(getattr(args, "library", None))
    report = recover.recover(folder)  # LibraryError (exit 3) when there is nothing to restore
    if wants_json(args):
        print_json(report)
    elif not report["damaged"]:
        print(f"the library in {folder} is not damaged (it passes the full check); nothing was changed")
    else:
        print(f"damaged database kept as {report['damaged_copy']}")
        rebuilt = "" if report.get("index_warning") else "; search index rebuilt"
        print(f"restored {report.get('articles', 0)} articles from {report['restored_from']}{rebuilt}")
    if report.get("index_warning"):
        print(f"clipper: warning: {report['index_warning']}", file=sys.stderr)
    return 0
