"""clipper search"""
from __future__ import annotations

import argparse
import html
import re

from clipper.cli.common import open_library, positive_int, print_json, wants_json

SORTS = ["relevance", "published", "-published", "imported", "-imported", "title", "-title"]


def _query_help() -> str:
    """The query language's reference: ``clipper.index.query``'s docstring, read from its
    source so that building the parser never loads the search engine."""
    try:
        import ast
        from importlib.util import find_spec

        origin = find_spec("clipper.index.query").origin
        with open(origin, encoding="utf-8") as f:
            return ast.get_docstring(ast.parse(f.read()), clean=False) or ""
    except Exception:  # the help must never fail  # noqa: BLE001 - the help must never fail
        return ""


def register(sub, common) -> None:
    p = sub.add_parser("search", parents=[common], help="search articles (or passages) with the query language",
                       description=_query_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--limit", type=positive_int, default=20, help="at most N hits (default 20)")
    p.add_argument("--offset", type=positive_int, default=0, help="skip the first N hits (paging)")
    p.add_argument("--sort", choices=SORTS, default="relevance", help="order of the hits (default: relevance)")
    p.add_argument("--facets", action="store_true", help="counts by tag, outlet, agency and month")
    p.add_argument("--passages", action="store_true", help="search passages instead of articles")
    p.set_defaults(func=cmd_search)


_MARK = re.compile(r"</?b>")


def plain_snippet(snippet: str) -> str:
    return html.unescape(_MARK.sub(lambda m: "]" if m.group(0) == "</b>" else "[", snippet))


def cmd_search(args) -> int:
    from clipper.errors import QueryError
    from clipper.query_check import query_problem

    query = " ".join(args.query)
    problem = query_problem(query)
    if problem:
        raise QueryError(problem)
    sort = None if args.sort == "relevance" else args.sort
    with open_library(args) as lib:
        result = lib.search(query, limit=args.limit, offset=args.offset, sort=sort, facets=args.facets,
                            passages=args.passages)
    data = result.to_dict()
    if wants_json(args):
        print_json(data)
        return 0
    if not data["total"]:
        print("no results")
        if data.get("suggestion"):
            print(f"did you mean: {data['suggestion']}")
        return 0
    print(f"{data['total']} result{'s' if data['total'] != 1 else ''}")
    for h in data["hits"]:
        if args.passages:
            tags = f" [{', '.join(h['tags'])}]" if h.get("tags") else ""
            print(f"\npassage {h['passage_id']} (article {h['article_id']}){tags}\n  “{h['quote']}”")
            if h.get("note"):
                print(f"  note: {h['note']}")
        else:
            date = (h.get("published") or "")[:10]
            outlet = f" — {h['outlet']}" if h.get("outlet") else ""
            print(f"\n{h['id']:>6}  {h['title']}{outlet} {date}")
            if h.get("snippet"):
                print(f"        {plain_snippet(h['snippet'])}")
    if data.get("facets"):
        for name, counts in data["facets"].items():
            if counts:
                print(f"\n{name}: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))
    return 0
