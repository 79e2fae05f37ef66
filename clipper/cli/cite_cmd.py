"""clipper cite ID... [--style S] [--format text|html|md]"""
from __future__ import annotations

from clipper.cli.common import record_id


def register(sub, common) -> None:
    from clipper.export.citations import DEFAULT_STYLE, OUTPUT_FORMATS, STYLE_NAMES

    p = sub.add_parser("cite", parents=[common], help="print citations of articles in a CSL style")
    p.add_argument("ids", nargs="+", type=record_id, metavar="ID")
    p.add_argument("--style", default=DEFAULT_STYLE, metavar="S",
                   help=f"{', '.join(STYLE_NAMES)}, another packaged CSL style name, or a .csl file "
                        f"(default {DEFAULT_STYLE})")
    p.add_argument("--format", choices=list(OUTPUT_FORMATS), default="text",
                   help="plain text (default), HTML with italics, or Markdown")
    p.set_defaults(func=cmd_cite)


def cmd_cite(args) -> int:
    from clipper.cli.common import open_library, print_json, wants_json
    from clipper.export.citations import Citer, citation_key, from_article

    citer = Citer(args.style, args.format)  # a bad style fails before the library is opened
    with open_library(args) as lib:
        articles = [from_article(lib.articles.get(aid)) for aid in args.ids]
    citations = citer.cite_many(articles)
    if wants_json(args):
        print_json([{"id": a.id, "key": citation_key(a), "style": args.style, "format": args.format,
                     "citation": c} for a, c in zip(articles, citations)])
    else:
        for line in citations:
            print(line)
    return 0
