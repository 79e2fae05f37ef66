"""clipper capture | verify | versions | diff | refresh | reextract | original"""
from __future__ import annotations

import sys

from clipper.cli.common import ProgressBar, open_library, positive_int, print_json, record_id, wants_json
from clipper.errors import InputError


def register(sub, common) -> None:
    p = sub.add_parser("capture", parents=[common], help="list an article's captures (the originals kept at import)")
    p.add_argument("id", type=record_id)
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("verify", parents=[common],
                       help="recompute the hashes of kept originals and stored texts (exit 1 on any mismatch)")
    p.add_argument("id", type=record_id, nargs="?")
    p.add_argument("--prune", action="store_true",
                   help="also remove orphan blobs (kept originals no capture names any more)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("versions", parents=[common], help="list the versions of an article")
    p.add_argument("id", type=record_id)
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser("diff", parents=[common],
                       help="word-level changes between two versions of an article (default: the last two)")
    p.add_argument("id", type=record_id)
    p.add_argument("v1", type=positive_int, nargs="?", metavar="V1")
    p.add_argument("v2", type=positive_int, nargs="?", metavar="V2")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the changes (auto: when stdout is a terminal); else [-deleted-]{+inserted+}")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("refresh", parents=[common],
                       help="re-fetch URL articles (conditional requests); changed ones get a new version")
    p.add_argument("ids", type=record_id, nargs="*", metavar="ID")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="articles with tag T (repeatable)")
    p.add_argument("--query", metavar="Q", help="articles matching the search query Q")
    p.add_argument("--all", action="store_true", help="every article with an http(s) URL")
    p.add_argument("--watched", action="store_true",
                   help="the watched articles that are due (clipper watch; for cron)")
    p.add_argument("--delay", type=float, metavar="S", help="seconds between two requests to one host (default 1)")
    p.add_argument("--limit", type=positive_int, metavar="N", help="check at most N articles this run (default 200)")
    p.add_argument("--timeout", type=float, metavar="S", help="network timeout in seconds (default 20)")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("watch", parents=[common],
                       help="watch articles: the app (or 'clipper refresh --watched') refreshes them on a schedule",
                       description="Watched articles are refreshed from the web while the app is open, each "
                                   "when its last check is older than the library's interval (default 6h); "
                                   "'clipper refresh --watched' does the same from cron.")
    p.add_argument("ids", type=record_id, nargs="*", metavar="ID")
    p.add_argument("--off", action="store_true", help="stop watching the named articles")
    p.add_argument("--list", action="store_true", help="list the watched articles (the default with no ID)")
    p.add_argument("--every", metavar="INTERVAL", help="set the library's interval: 30m, 2h, 1d, 1h30m")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("reextract", parents=[common],
                       help="run today's extractor on kept originals; changed text becomes a new version")
    p.add_argument("ids", type=record_id, nargs="*", metavar="ID")
    p.add_argument("--all", action="store_true", help="every article with a kept original")
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("original", parents=[common],
                       help="write an article's kept original: a WARC file for a URL capture, else the original file")
    p.add_argument("id", type=record_id)
    p.add_argument("-o", "--output", metavar="FILE", help="where to write (default: capture-N.warc.gz / .html / .txt …)")
    p.add_argument("--capture", type=positive_int, metavar="C", help="which capture (default: the newest)")
    p.set_defaults(func=cmd_original)


def cmd_capture(args) -> int:
    from clipper import captures

    with open_library(args) as lib:
        rows = captures.list_for(lib, args.id)
    if wants_json(args):
        print_json({"article_id": args.id, "captures": rows})
        return 0
    print_captures(rows)
    return 0


def print_captures(rows: list[dict]) -> None:
    if not rows:
        print("no kept originals (imported before captures were kept)")
    for c in rows:
        where = c["source"] + (f" → {c['final_url']}" if c["final_url"] and c["final_url"] != c["source"] else "")
        entry = f" entry {c['entry']}" if c["entry"] else ""
        http = f" HTTP {c['status']}" if c["status"] else ""
        print(f"capture {c['id']} (v{c['version']}) {c['captured_at']}  {c['origin']}/{c['kind']}{entry}{http}")
        print(f"  source: {where}")
        for key in ("content_type", "etag", "last_modified"):
            if c[key]:
                print(f"  {key.replace('_', '-')}: {c[key]}")
        print(f"  original: sha256 {c['sha256']} ({c['size']} bytes, {c['stored_size']} stored as {c['blob']})")
        print(f"  text: sha256 {c['text_hash']}  by clipper {c['clipper_version']}, {c['extractor']}")


def cmd_verify(args) -> int:
    from clipper import captures

    if args.prune and args.id is not None:
        raise InputError("--prune checks the whole library: name no article")
    with open_library(args) as lib:
        result = captures.verify(lib, args.id)
        if args.prune:
            result["pruned"] = captures.prune(lib)
            gone = {o["sha256"] for o in result["pruned"]}
            result["orphans"] = [o for o in result["orphans"] if o["sha256"] not in gone]
    if wants_json(args):
        print_json(result)
    else:
        for m in result["mismatches"]:
            where = f"capture {m['capture']} of article {m['article_id']}" if m["capture"] else f"article {m['article_id']}"
            print(f"MISMATCH {where} v{m['version']}: {m['problem']}")
        for o in result.get("orphans", []):
            print(f"orphan blob {o['blob']} ({o['size']} bytes): no capture names it")
        for o in result.get("pruned", []):
            print(f"removed orphan blob {o['blob']}")
        print(f"{result['checked']} hashes checked, {len(result['mismatches'])} mismatches "
              f"({len(result['missing'])} missing blobs)"
              + (f", {len(result['orphans'])} orphan blobs (clipper verify --prune removes them)"
                 if result.get("orphans") else "")
              + (f", {len(result['pruned'])} orphan blobs removed" if result.get("pruned") else ""))
    return 1 if result["mismatches"] else 0


def cmd_versions(args) -> int:
    from clipper import versions

    with open_library(args) as lib:
        rows = versions.list_versions(lib, args.id)
    if wants_json(args):
        print_json({"article_id": args.id, "versions": rows})
        return 0
    for v in rows:
        marks = []
        if v["version"] > 1:
            if v["title_changed"]:
                marks.append("headline changed")
            marks.append(f"{v['words_changed']} words changed")
        mark = f" ({', '.join(marks)})" if marks else ""
        current = " *" if v["current"] else ""
        print(f"v{v['version']}{current}  {v['captured_at'][:19].replace('T', ' ')}  {v['origin']:9} "
              f"{v['words']:>6} words  {v['title']}{mark}")
    return 0


def cmd_diff(args) -> int:
    from clipper import versions

    with open_library(args) as lib:
        data = versions.diff(lib, args.id, args.v1, args.v2)
    if wants_json(args):
        print_json(data)
        return 0
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    print(f"article {args.id}: v{data['from']} ({data['from_captured_at'][:19]}) → v{data['to']} "
          f"({data['to_captured_at'][:19]}): +{data['stats']['inserted_words']} -{data['stats']['deleted_words']} words")
    print()
    for label in ("title", "dek"):
        runs = data[label]
        if any(r["op"] != "equal" for r in runs) or (label == "title"):
            print(f"{label}: {versions.render_diff(runs, color)}")
    print()
    print(versions.render_diff(data["body"], color))
    return 0


def _selected(lib, args, *, web: bool) -> list[int]:
    from clipper.refresh import refreshable

    ids = list(args.ids)
    if getattr(args, "watched", False):
        from clipper import watch

        ids.extend(watch.due(lib))
    for tag in args.tag if hasattr(args, "tag") else []:
        ids.extend(lib.articles.ids_with_tag(tag))
    if getattr(args, "query", None):
        ids.extend(sorted(lib.article_ids(args.query)))
    if args.all:
        ids.extend(lib.articles.ids())
    if not (args.ids or getattr(args, "tag", []) or getattr(args, "query", None) or args.all
            or getattr(args, "watched", False)):
        raise InputError("name articles: ID…, --tag T, --query Q, --watched or --all")
    explicit = set(args.ids)
    ids = list(dict.fromkeys(ids))
    if web:  # a selection (not named ids) keeps only URL articles
        keep = set(refreshable(lib, ids))
        ids = [i for i in ids if i in keep or i in explicit]
    return ids


def cmd_refresh(args) -> int:
    from clipper.importers import ImportOptions
    from clipper.jobs import run_job
    from clipper.refresh import DEFAULT_DELAY, DEFAULT_LIMIT, refresh

    options = ImportOptions()
    if args.timeout:
        options.timeout = args.timeout
    bar = ProgressBar(enabled=not wants_json(args))
    idle = ""
    with open_library(args) as lib:
        ids = _selected(lib, args, web=True)
        if args.watched and not ids:
            from clipper import watch

            nxt = watch.next_check(lib)
            idle = (f"; no watched article is due (next check {nxt[:16].replace('T', ' ')} UTC)" if nxt
                    else "; no watched articles ('clipper watch ID' adds one)")
        try:
            report = run_job(refresh(lib, ids, delay=DEFAULT_DELAY if args.delay is None else max(0.0, args.delay),
                                     limit=args.limit or DEFAULT_LIMIT, options=options), bar)
        finally:
            bar.close()
    skipped = (f", {len(report.skipped)} left for a later run (cap {args.limit or DEFAULT_LIMIT})"
               if report.skipped else "")
    return _print_report(args, report, skipped + idle)


def cmd_watch(args) -> int:
    from clipper import watch

    if args.off and not args.ids:
        raise InputError("--off needs the ids of the articles to stop watching")
    if args.list and (args.ids or args.off):
        raise InputError("--list takes no ids (and no --off)")
    every = watch.parse_every(args.every) if args.every else None
    with open_library(args) as lib:
        changed = watch.set_watched(lib, args.ids, not args.off) if args.ids else []  # checks the ids first
        if every is not None:
            watch.set_every(lib, every)
        rows = watch.listing(lib)
        seconds = watch.get_every(lib)
    data = {"every": seconds, "every_text": watch.format_every(seconds), "watched": rows}
    if args.ids:
        data["changed"] = changed
    if wants_json(args):
        print_json(data)
        return 0
    if args.ids:
        verb = "stopped watching" if args.off else "watching"
        unchanged = [i for i in args.ids if i not in changed]
        if changed:
            print(f"{verb} {', '.join(map(str, changed))}")
        if unchanged:
            print(f"{'not watched' if args.off else 'already watched'}: {', '.join(map(str, unchanged))}")
        return 0
    if every is not None:
        print(f"watched articles are checked every {data['every_text']}")
        if not args.list:
            return 0
    if not rows:
        print(f"no watched articles (checked every {data['every_text']}; 'clipper watch ID' adds one)")
        return 0
    print(f"{len(rows)} watched, checked every {data['every_text']}:")
    for r in rows:
        last = (r["last_checked"] or "never")[:16].replace("T", " ")
        nxt = "due now" if r["due"] else f"next {r['next_check'][:16].replace('T', ' ')}"
        print(f"{r['id']:>6}  v{r['versions']:<3} checked {last:16}  {nxt:22}  {r['title']}")
    return 0


def cmd_reextract(args) -> int:
    from clipper.jobs import run_job
    from clipper.refresh import reextract
    from clipper.storage import captures as capture_store

    bar = ProgressBar(enabled=not wants_json(args))
    with open_library(args) as lib:
        if args.all:
            ids = capture_store.articles_with_captures(lib.db)
        elif args.ids:
            ids = list(dict.fromkeys(args.ids))
        else:
            raise InputError("name articles: ID… or --all")
        try:
            report = run_job(reextract(lib, ids), bar)
        finally:
            bar.close()
    return _print_report(args, report, "")


def _print_report(args, report, extra: str) -> int:
    if wants_json(args):
        print_json(report.to_dict())
    else:
        for aid in report.changed:
            print(f"changed {aid}: now v{report.versions[aid]}")
        print(f"{len(report.changed)} changed, {len(report.unchanged)} unchanged, {len(report.failed)} failed{extra}")
        for f in report.failed:
            print(f"clipper: error: {f['error']}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_original(args) -> int:
    from pathlib import Path

    from clipper import captures

    with open_library(args) as lib:
        c = captures.pick(lib, args.id, args.capture)
        target = Path(args.output) if args.output else Path(captures.default_name(c))
        if target.is_dir():
            target = target / captures.default_name(c)
        try:
            result = captures.export_original(lib, args.id, target, c.id)
        except FileNotFoundError:
            raise InputError(f"article {args.id}: the kept original of capture {c.id} is missing (run clipper verify)") from None
    if wants_json(args):
        print_json(result)
    else:
        print(f"wrote {result['path']} ({result['format']}, capture {result['capture']})")
    return 0


def show_extras(lib, args, data: dict) -> None:
    """``show --version N`` (the text of that version) and ``show --captures``."""
    from clipper import captures, versions

    if getattr(args, "at_version", None):
        v = versions.get_version(lib, args.id, args.at_version)
        data.update(title=v["title"], dek=v["dek"], text=v["text"], shown_version=v["version"])
        # passages belong to the current text: on an older version show those whose quote it holds
        data["passages"] = [p for p in data["passages"]
                            if (p.get("opens_on") or {}).get("version") == v["version"] or v["current"]]
        for p in data["passages"]:
            if p.get("opens_on"):
                p["start"], p["end"] = p["opens_on"]["start"], p["opens_on"]["end"]
    if getattr(args, "captures", False):
        data["captures"] = captures.list_for(lib, args.id)


def print_show_extras(data: dict) -> None:
    if data.get("versions", 1) > 1 or data.get("shown_version"):
        shown = data.get("shown_version") or data["version"]
        print(f"Version {shown} of {data['versions']} (clipper versions {data['id']})")
    for p in data.get("passages", []):
        where = p.get("opens_on")
        if where and where.get("version"):
            removed = f", removed in v{where['removed_in']}" if where.get("removed_in") else ""
            print(f"  passage #{p['id']} opens on v{where['version']}{removed}")
    if "captures" in data:
        print("Captures:")
        print_captures(data["captures"])
