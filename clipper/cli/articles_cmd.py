"""clipper import | list | show | edit | delete | trash"""
from __future__ import annotations

import sys
import textwrap
from datetime import datetime, timedelta, timezone

from clipper.cli.common import (ProgressBar, emit, one_line, open_library, positive_int, print_json, record_id,
                                wants_json)
from clipper.errors import InputError


def register(sub, common) -> None:
    p = sub.add_parser("import", parents=[common], help="import articles from files, folders, URLs, feeds or stdin",
                       description="Import articles. SOURCE is a file, a folder (recursive), an http(s) URL, a feed, "
                                   "a read-it-later export, an OPML list of feeds, or - for stdin.")
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="tag every imported article (repeatable)")
    p.add_argument("--title", help="override the title")
    p.add_argument("--outlet", help="override the outlet")
    p.add_argument("--date", help="override the published date (YYYY-MM-DD)")
    p.add_argument("--url", help="override the URL")
    p.add_argument("--fetch-full", action="store_true", help="fetch full pages for feed/export entries without a body")
    p.add_argument("--allow-private", action="store_true",
                   help="let URLs named inside a document (OPML, feed, bookmarks, export) reach loopback or "
                        "private network addresses")
    p.add_argument("--max-size", type=positive_int, metavar="MB", help="size cap per file in MB (default 20)")
    p.add_argument("--timeout", type=float, metavar="S", help="network timeout in seconds (default 20)")
    p.add_argument("--no-update", action="store_true",
                   help="report a changed re-import (same URL) as a duplicate instead of updating the article")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("list", parents=[common], help="list articles")
    p.add_argument("--sort", default="-imported", choices=["imported", "-imported", "published", "-published", "title", "-title"],
                   help="order (a leading minus: descending; default -imported, newest first)")
    p.add_argument("--limit", type=positive_int, help="at most N articles")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", parents=[common], help="print one article, its passages and notes")
    p.add_argument("id", type=record_id)
    p.add_argument("--captures", action="store_true", help="also list the kept originals (see clipper capture)")
    p.add_argument("--version", dest="at_version", type=positive_int, metavar="N",
                   help="print version N of the article (see clipper versions)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("edit", parents=[common], help="change an article's metadata or text (passages are re-anchored)")
    p.add_argument("id", type=record_id)
    for name in ("title", "dek", "outlet", "agency", "author", "url", "language"):
        p.add_argument(f"--{name}", help=f"set the article's {name}" + (" (http or https)" if name == "url" else ""))
    p.add_argument("--date", dest="published", help="published date (YYYY-MM-DD)")
    p.add_argument("--text-file", metavar="F", help="replace the text with the contents of F (- for stdin)")
    p.set_defaults(func=cmd_edit)

    p = sub.add_parser("delete", parents=[common],
                       help="move an article, with its passages and notes, to the Trash ('clipper trash restore ID')")
    p.add_argument("id", type=record_id)
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("trash", parents=[common], help="list, restore or empty the Trash of deleted articles",
                       description="Deleted articles wait in the Trash, out of lists, search and exports, "
                                   "with their passages, notes and tags, until restored or emptied.")
    tsub = p.add_subparsers(dest="trash_cmd", required=True, metavar="{list,restore,empty}")
    t = tsub.add_parser("list", parents=[common], help="list trashed articles, most recently deleted first")
    t.set_defaults(func=cmd_trash_list)
    t = tsub.add_parser("restore", parents=[common], help="bring a trashed article back (its id from 'trash list')")
    t.add_argument("id", type=record_id)
    t.set_defaults(func=cmd_trash_restore)
    t = tsub.add_parser("empty", parents=[common], help="delete trashed articles for good")
    t.add_argument("--older-than", metavar="AGE", type=parse_age,
                   help="only those deleted more than AGE ago: 30d, 12h, 2w")
    t.set_defaults(func=cmd_trash_empty)


def _parse_date(value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InputError(f"date must be YYYY-MM-DD, not {value!r}") from None


def cmd_import(args) -> int:
    from clipper.importers import DEFAULT_MAX_BYTES, ImportOptions
    from clipper.importing import Overrides, import_sources
    from clipper.jobs import run_job
    from clipper.tags import check_name

    options = ImportOptions(max_bytes=args.max_size * 1024 * 1024 if args.max_size else DEFAULT_MAX_BYTES,
                            fetch_full=args.fetch_full, allow_private=args.allow_private)
    if args.timeout:
        options.timeout = args.timeout
    from clipper.importers.urls import web_url

    overrides = Overrides(title=args.title, outlet=args.outlet, published=_parse_date(args.date),
                          url=web_url(args.url) if args.url else None,
                          tags=[check_name(t) for t in args.tag])
    bar = ProgressBar(enabled=not wants_json(args))
    with open_library(args) as lib:
        try:
            report = run_job(import_sources(lib, args.sources, options=options, overrides=overrides,
                                            stdin=sys.stdin.buffer if "-" in args.sources else None,
                                            update_changed=not args.no_update), bar)
        finally:
            bar.close()
    if wants_json(args):
        data = report.to_dict()
        data["imported"] = [{"id": e["id"], "title": e["title"], "source": e["source"], "related": e.get("related", [])}
                            for e in report.imported]
        data["duplicates"] = [{"source": e["source"], "id": e["id"], "title": e["title"], "reason": e["reason"]}
                              for e in report.duplicates]
        print_json(data)
    else:
        for e in report.imported:
            extra = f" (same story as {', '.join(map(str, e['related']))})" if e.get("related") else ""
            print(f"imported {e['id']}: {e['title']}{extra}")
        for e in report.updated:
            r = e.get("reanchor") or {}
            print(f"updated {e['id']}: {e['title']} ({len(r.get('moved', []))} passages moved, "
                  f"{len(r.get('orphaned', []))} orphaned)")
        for e in report.duplicates:
            print(f"duplicate of {e['id']}: {one_line(e['source'])} ({e['reason']})")
        for e in report.failed:
            print(f"clipper: error: {one_line(e['error'])}", file=sys.stderr)
        for e in report.warnings:
            print(f"clipper: warning: article {e['id']}: {one_line(e['warning'])}", file=sys.stderr)
        if report.cancelled:
            print("import cancelled", file=sys.stderr)
    if report.stopped:  # the library became unusable part-way: what was saved is listed above
        saved = len(report.imported) + len(report.updated)
        print(f"clipper: error: {one_line(report.stopped['error'])}; import stopped at "
              f"{one_line(report.stopped['source'])} ({saved} saved before it are kept)", file=sys.stderr)
        return 3
    return 1 if report.failed else 0


def cmd_list(args) -> int:
    with open_library(args) as lib:
        rows = lib.articles.summaries(sort=args.sort, limit=args.limit)
        total = lib.articles.count()
    if wants_json(args):
        print_json({"total": total, "articles": rows})  # total: in the library, like search's
        return 0
    for r in rows:
        date = (r["published"] or "")[:10]
        print(f"{r['id']:>6}  {date:10}  {r['outlet'][:18]:18}  {r['title']}")
    return 0


def cmd_show(args) -> int:
    from clipper.cli import versions_cmd

    with open_library(args) as lib:
        data = lib.articles.full(args.id)
        versions_cmd.show_extras(lib, args, data)
    if wants_json(args):
        print_json(data)
        return 0
    print(data["title"])
    meta = [x for x in (data["outlet"], data["agency"], data["author"], data["published"]) if x]
    if meta:
        print(" · ".join(meta))
    if data["url"]:
        print(data["url"])
    if data["tags"]:
        print("tags: " + ", ".join(data["tags"]))
    print()
    if data["dek"]:
        print(textwrap.fill(data["dek"], 88))
        print()
    for para in data["text"].split("\n\n"):
        print(textwrap.fill(para, 88) if para.strip() else "")
        print()
    if data["passages"]:
        print("Passages:")
        for p in data["passages"]:
            tags = f" [{', '.join(p['tags'])}]" if p["tags"] else ""
            flag = " (ORPHANED)" if p["status"] == "orphaned" else ""
            print(f"  #{p['id']} {p['start']}-{p['end']}{flag}{tags}: “{p['quote']}”")
            if p["note"]:
                print(textwrap.indent(p["note"], "      note: "))
    if data["notes"]:
        print("Notes:")
        for n in data["notes"]:
            print(textwrap.indent(n["text"], "  "))
    if data["related"]:
        print("Same story: " + ", ".join(map(str, data["related"])))
    versions_cmd.print_show_extras(data)
    return 0


def cmd_edit(args) -> int:
    from clipper.importers import DEFAULT_MAX_BYTES, read_file, read_limited
    from clipper.text.encoding import decode_bytes
    from pathlib import Path

    text = None
    if args.text_file:
        if args.text_file == "-":
            data = read_limited(sys.stdin.buffer, DEFAULT_MAX_BYTES, "stdin")
        else:
            data = read_file(Path(args.text_file), DEFAULT_MAX_BYTES)
        text = decode_bytes(data, source=args.text_file)
    fields = {k: getattr(args, k) for k in ("title", "dek", "outlet", "agency", "author", "url", "language")}
    fields["published"] = _parse_date(args.published)
    with open_library(args) as lib:
        report = lib.articles.edit(args.id, text=text, **fields)
        article = lib.articles.full(args.id)
    if wants_json(args):
        print_json({"id": args.id, "title": article["title"], "reanchor": report,
                    "passages": article["passages"]})
    else:
        print(f"updated {args.id}: {article['title']}")
        if text is not None:
            print(f"passages: {len(report['unchanged'])} in place, {len(report['moved'])} moved, "
                  f"{len(report['orphaned'])} orphaned")
    return 0


def cmd_delete(args) -> int:
    with open_library(args) as lib:
        entry = lib.articles.trash(args.id)
    return emit(args, {"deleted": args.id, "trash": True, "title": entry["title"]},
                f"moved {args.id} to the Trash: {entry['title']} (clipper trash restore {args.id})")


def parse_age(value: str) -> timedelta:
    import argparse
    import re

    m = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", value or "")
    if not m:
        raise argparse.ArgumentTypeError(f"age must look like 30d, 12h or 2w, not {value!r}")
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(hours=n) if unit == "h" else timedelta(days=n * (7 if unit == "w" else 1))


def cmd_trash_list(args) -> int:
    with open_library(args) as lib:
        rows = lib.articles.trashed()
    if wants_json(args):
        print_json({"total": len(rows), "trash": rows})
        return 0
    if not rows:
        print("the Trash is empty")
    for r in rows:
        print(f"{r['id']:>6}  deleted {r['trashed_at'][:16].replace('T', ' ')}  {r['passage_count']:>3} passages  "
              f"{r['title']}")
    return 0


def cmd_trash_restore(args) -> int:
    with open_library(args) as lib:
        new_id = lib.articles.restore_trashed(args.id)
        title = lib.articles.get(new_id).title
    moved = f" (as {new_id}: its id was taken)" if new_id != args.id else ""
    return emit(args, {"restored": args.id, "id": new_id, "title": title}, f"restored {args.id}{moved}: {title}")


def cmd_trash_empty(args) -> int:
    older = None
    if args.older_than is not None:
        older = (datetime.now(timezone.utc) - args.older_than).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with open_library(args) as lib:
        n = lib.articles.empty_trash(older_than=older)
    return emit(args, {"deleted": n}, f"deleted {n} article{'s' * (n != 1)} for good")
