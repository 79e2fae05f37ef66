"""clipper gui"""
from __future__ import annotations


def register(sub, common) -> None:
    p = sub.add_parser("gui", parents=[common], help="open the desktop app")
    p.add_argument("--sample", action="store_true", help="open a throwaway library filled with sample clippings")
    p.set_defaults(func=cmd_gui)


def cmd_gui(args) -> int:
    from clipper.gui.app import run

    return run(library=getattr(args, "library", None), sample=args.sample)
