"""clipper export"""
from __future__ import annotations

from clipper.cli.common import record_id

FORMAT_CHOICES = ["pdf", "md", "markdown", "csv", "json", "w3c", "csl-json", "bibtex", "ris", "docx", "html"]


def register(sub, common) -> None:
    p = sub.add_parser("export", parents=[common],
                       help="export passages and notes (PDF, DOCX, HTML, Markdown, CSV, JSON, W3C) "
                            "or article metadata (CSL-JSON, BibTeX, RIS)")
    p.add_argument("--format", required=True, choices=FORMAT_CHOICES)
    p.add_argument("--article", type=record_id, action="append", default=[], metavar="ID")
    p.add_argument("--tag", action="append", default=[], metavar="T")
    p.add_argument("--query", metavar="Q")
    p.add_argument("--passages", action="store_true", help="with --query: match passages rather than articles")
    p.add_argument("--briefing", action="store_true",
                   help="a briefing: cover, contents, sections, citations, bibliography (pdf; docx and html always are)")
    p.add_argument("--group-by", choices=["article", "tag", "story", "date"], default=None,
                   help="sections: by article or tag (plain exports), by tag, story or date (briefings; default tag)")
    p.add_argument("--style", metavar="S",
                   help="citation style: chicago-note, chicago-bib, apa, mla, harvard or a .csl file")
    p.add_argument("--template", metavar="FILE", help="briefing template (Jinja2; see clipper/export/templates)")
    p.add_argument("--author", default="", help="author named on the briefing's cover")
    p.add_argument("--page-size", choices=["A4", "Letter"], default="A4")
    p.add_argument("--title", help="title of the export")
    p.add_argument("--no-article-notes", action="store_true")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the file to write (- or /dev/stdout: standard output)")
    p.set_defaults(func=cmd_export)
    describe_options(p, OPTION_HELP)


OPTION_HELP = {
    "format": "the file format",
    "article": "export this article (repeatable)",
    "tag": "export the passages with tag T (repeatable)",
    "query": "export what the search Q finds",
    "group_by": "sections by article or by tag",
    "page_size": "PDF page size",
    "no_article_notes": "leave out the notes on whole articles",
    "output": "the file to write (written whole or not at all)",
}


def describe_options(parser, helps: dict[str, str]) -> None:
    """Give the options added above without a help text the one in ``helps``."""
    for action in parser._actions:
        if action.option_strings and not action.help and action.dest in helps:
            action.help = helps[action.dest]


def cmd_export(args) -> int:
    from pathlib import Path

    from clipper.cli.common import UsageError, emit, open_library
    from clipper.export import BRIEFING_FORMATS, export, write_to
    from clipper.export.briefing import BriefingOptions
    from clipper.export.citations import Citer
    from clipper.export_scope import Scope, build_document
    from clipper.output import is_stdout

    briefing = args.briefing or args.format in ("docx", "html")
    if args.briefing and args.format not in BRIEFING_FORMATS:
        raise UsageError(f"--briefing needs --format pdf, docx or html (not {args.format})")
    group_by = args.group_by or ("tag" if briefing else "article")
    if briefing and group_by == "article":
        raise UsageError("a briefing groups by tag, story or date")
    if not briefing and group_by in ("story", "date"):
        raise UsageError(f"--group-by {group_by} needs --briefing")
    if args.template and not briefing:
        raise UsageError("--template needs --briefing")
    citer = Citer(args.style) if args.style else None  # a bad style fails before any work
    if args.template and not Path(args.template).expanduser().is_file():
        from clipper.errors import ExportError

        raise ExportError(f"Template not found: {args.template}")

    scope = Scope(articles=args.article, tags=args.tag, query=args.query, passages=args.passages)
    with open_library(args) as lib:
        doc = build_document(lib, scope, group_by="tag" if group_by == "tag" else "article",
                             title=args.title, include_article_notes=not args.no_article_notes,
                             include_text=args.format not in ("csl-json", "bibtex", "ris"))
    options = None
    if briefing:
        options = BriefingOptions(group_by=group_by, style=args.style, template=args.template,
                                  author=args.author)
    elif citer is not None and args.format not in ("csl-json", "bibtex", "ris"):
        for article, text in zip(doc.articles, citer.cite_many(doc.articles)):
            article.citation = text
    if is_stdout(args.output):  # streamed in place: stdout holds the export, nothing else
        import sys

        sys.stdout.flush()
        write_to(sys.stdout.buffer, doc, args.format, page_size=args.page_size, briefing=options)
        sys.stdout.buffer.flush()
        return 0
    path = export(doc, args.format, Path(args.output), page_size=args.page_size, briefing=options)
    n_passages = sum(len(a.passages) for a in doc.articles)
    return emit(args, {"output": str(path), "articles": len(doc.articles), "passages": n_passages},
                f"wrote {path} ({_count(len(doc.articles), 'article')}, "
                f"{_count(n_passages, 'passage')})")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
