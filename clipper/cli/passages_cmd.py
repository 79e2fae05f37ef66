"""clipper highlight | note | tag | passage"""
from __future__ import annotations

import sys
from argparse import ArgumentTypeError

from clipper.cli.common import UsageError, emit, open_library, print_json, record_id, wants_json


def register(sub, common) -> None:
    p = sub.add_parser("highlight", parents=[common], help="highlight a passage of an article",
                       description="Highlight a span, given by an exact quote or by code-point offsets "
                                   "(as in 'clipper show ID --json').")
    p.add_argument("id", type=record_id, help="article id")
    p.add_argument("--quote", help="the exact text to highlight")
    p.add_argument("--occurrence", type=int, metavar="N", help="which occurrence of the quote (1-based)")
    p.add_argument("--start", type=int, help="start offset (code points into the text 'show --json' prints)")
    p.add_argument("--end", type=int, help="end offset (exclusive)")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="tag (repeatable)")
    p.add_argument("--color", metavar="#RRGGBB", help="the passage's colour (default: its first tag's)")
    p.add_argument("--note", metavar="TEXT", help="a Markdown note on the passage")
    p.set_defaults(func=cmd_highlight)

    p = sub.add_parser("note", parents=[common], help="add a note to an article, or set a passage's note",
                       description="clipper note ID TEXT  |  clipper note --passage PID TEXT  (TEXT - reads stdin; "
                                   "an empty TEXT with --passage clears the note)")
    p.add_argument("args", nargs="+", metavar="ID TEXT")
    p.add_argument("--passage", type=record_id, metavar="PID", help="set the note of passage PID instead")
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("tag", parents=[common], help="manage tags: list, rename, merge, color, delete, pin, add, remove")
    tsub = p.add_subparsers(dest="tag_command", metavar="ACTION", parser_class=type(p))
    tsub.required = True
    t = tsub.add_parser("list", parents=[common], help="tags with colour and count")
    t.set_defaults(func=cmd_tag_list)
    t = tsub.add_parser("rename", parents=[common], help="rename a tag")
    t.add_argument("old")
    t.add_argument("new")
    t.set_defaults(func=cmd_tag_rename)
    t = tsub.add_parser("merge", parents=[common], help="merge SRC into DST (passages keep one copy)")
    t.add_argument("src")
    t.add_argument("dst")
    t.set_defaults(func=cmd_tag_merge)
    t = tsub.add_parser("color", parents=[common], help="set a tag's colour")
    t.add_argument("tag")
    t.add_argument("color", metavar="#RRGGBB")
    t.set_defaults(func=cmd_tag_color)
    t = tsub.add_parser("delete", parents=[common], help="delete a tag and its links (not its passages)")
    t.add_argument("tag")
    t.set_defaults(func=cmd_tag_delete)
    t = tsub.add_parser("pin", parents=[common], help="pin a tag to a number key (1-9) of the tag palette; 0 unpins")
    t.add_argument("tag")
    t.add_argument("slot", type=int, choices=range(10), metavar="SLOT")
    t.set_defaults(func=cmd_tag_pin)
    t = tsub.add_parser("add", parents=[common], help="tag an article: tag add ID TAG...")
    t.add_argument("id", type=record_id)
    t.add_argument("tags", nargs="+")
    t.set_defaults(func=cmd_tag_add)
    t = tsub.add_parser("remove", parents=[common], help="untag an article: tag remove ID TAG...")
    t.add_argument("id", type=record_id)
    t.add_argument("tags", nargs="+")
    t.set_defaults(func=cmd_tag_remove)

    p = sub.add_parser("passage", parents=[common], help="show, edit or delete a passage")
    psub = p.add_subparsers(dest="passage_command", metavar="ACTION", parser_class=type(p))
    psub.required = True
    t = psub.add_parser("show", parents=[common], help="print a passage with its tags and note")
    t.add_argument("pid", type=record_id)
    t.set_defaults(func=cmd_passage_show)
    t = psub.add_parser("edit", parents=[common], help="change a passage's tags, colour or note")
    t.add_argument("pid", type=record_id)
    t.add_argument("--add-tag", action="append", default=[], metavar="T", help="add tag T (repeatable)")
    t.add_argument("--remove-tag", action="append", default=[], metavar="T", help="remove tag T (repeatable)")
    t.add_argument("--color", metavar="#RRGGBB", help="the passage's colour")
    t.add_argument("--note", metavar="TEXT", help="replace the note (empty: remove it)")
    t.set_defaults(func=cmd_passage_edit)
    t = psub.add_parser("delete", parents=[common], help="delete a passage with its note")
    t.add_argument("pid", type=record_id)
    t.set_defaults(func=cmd_passage_delete)


def _print_passage(args, p, verb: str) -> None:
    tags = f" [{', '.join(p.tags)}]" if p.tags else ""
    emit(args, p.to_dict(),
         f"{verb} passage {p.id}".lstrip() + f" on article {p.article_id} ({p.start}-{p.end}){tags}: “{p.quote}”")


def cmd_highlight(args) -> int:
    if args.quote is None and (args.start is None or args.end is None):
        raise UsageError("give --quote TEXT, or both --start N and --end N")
    if args.quote is not None and (args.start is not None or args.end is not None):
        raise UsageError("give either --quote or --start/--end, not both")
    with open_library(args) as lib:
        p = lib.passages.add(args.id, quote=args.quote, occurrence=args.occurrence, start=args.start, end=args.end,
                             tags=args.tag, color=args.color, note=args.note or "")
    _print_passage(args, p, "added")
    return 0


def _read_text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


def cmd_note(args) -> int:
    with open_library(args) as lib:
        if args.passage is not None:
            if len(args.args) != 1:
                raise UsageError("with --passage give just the note TEXT")
            note = lib.notes.set_passage_note(args.passage, _read_text(args.args[0]))
            out = {"passage_id": args.passage, "note": note.to_dict() if note else None}
            msg = f"note {'set' if note else 'cleared'} on passage {args.passage}"
        else:
            if len(args.args) != 2:
                raise UsageError("usage: clipper note ID TEXT  or  clipper note --passage PID TEXT")
            try:
                article_id = record_id(args.args[0])
            except ArgumentTypeError as exc:
                raise UsageError(f"argument ID: {exc}") from None
            note = lib.notes.add(article_id, _read_text(args.args[1]))
            out = {"article_id": article_id, "note": note.to_dict()}
            msg = f"note {note.id} added to article {article_id}"
    return emit(args, out, msg)


def cmd_tag_list(args) -> int:
    with open_library(args) as lib:
        tags = lib.tags.all()
    if wants_json(args):
        print_json({"tags": [t.to_dict() for t in tags]})
    else:
        for t in tags:
            print(f"{t.color}  {t.count:>5}  {t.name}")
    return 0


def cmd_tag_rename(args) -> int:
    with open_library(args) as lib:
        tag = lib.tags.rename(args.old, args.new)
    return emit(args, tag.to_dict(), f"renamed {args.old} → {tag.name}")


def cmd_tag_merge(args) -> int:
    with open_library(args) as lib:
        tag = lib.tags.merge(args.src, args.dst)
    return emit(args, tag.to_dict(), f"merged {args.src} into {tag.name} ({tag.count} uses)")


def cmd_tag_color(args) -> int:
    with open_library(args) as lib:
        tag = lib.tags.recolor(args.tag, args.color)
    return emit(args, tag.to_dict(), f"{tag.name} is now {tag.color}")


def cmd_tag_delete(args) -> int:
    with open_library(args) as lib:
        tag = lib.tags.delete(args.tag)
    return emit(args, tag.to_dict(), f"deleted tag {tag.name}")


def cmd_tag_pin(args) -> int:
    with open_library(args) as lib:
        tag = lib.tags.pin(args.tag, args.slot or None)
    return emit(args, tag.to_dict(), f"{tag.name} is on key {tag.slot}" if tag.slot else f"{tag.name} is unpinned")


def cmd_tag_add(args) -> int:
    return _retag(args, "add_tags")


def cmd_tag_remove(args) -> int:
    return _retag(args, "remove_tags")


def _retag(args, method: str) -> int:
    with open_library(args) as lib:
        getattr(lib.articles, method)(args.id, args.tags)
        tags = lib.articles.get(args.id).tags
    return emit(args, {"id": args.id, "tags": tags}, f"article {args.id}: {', '.join(tags) or '(no tags)'}")


def cmd_passage_show(args) -> int:
    with open_library(args) as lib:
        p = lib.passages.get(args.pid)
    _print_passage(args, p, "")
    return 0


def cmd_passage_edit(args) -> int:
    with open_library(args) as lib:
        p = lib.passages.update(args.pid, add_tags=args.add_tag, remove_tags=args.remove_tag, color=args.color,
                                note=args.note)
    _print_passage(args, p, "updated")
    return 0


def cmd_passage_delete(args) -> int:
    with open_library(args) as lib:
        p = lib.passages.delete(args.pid)
    _print_passage(args, p, "deleted")
    return 0
