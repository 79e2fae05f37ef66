"""clipper recover: keep a damaged database aside and restore the newest verified automatic backup."""
from __future__ import annotations

from clipper.cli.common import print_json, wants_json


def register(sub, common) -> None:
    p = sub.add_parser("recover", parents=[common],
                       help="set a damaged library database aside and restore the newest verified automatic backup")
    p.set_defaults(func=cmd_recover)


def cmd_recover(args) -> int:
    from clipper import paths, recovery

    folder = paths.resolve_library_dir(getattr(args, "library", None))
    report = recovery.recover(folder)  # LibraryError (exit 3) when there is nothing to restore
    if wants_json(args):
        print_json(report)
    elif not report["damaged"]:
        print(f"the library in {folder} is not damaged; nothing was changed")
    else:
        print(f"damaged database kept as {report['damaged_copy']}")
        print(f"restored {report.get('articles', 0)} articles from {report['restored_from']}; search index rebuilt")
    return 0
