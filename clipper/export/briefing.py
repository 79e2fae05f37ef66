"""The briefing: a document an analyst hands on, built from an export and a template.

:func:`build` groups an :class:`ExportDocument` into sections (by tag, story group or
date), formats every article's citation and the bibliography in one CSL style, and
returns a :class:`Briefing`. :func:`render_blocks` runs a Jinja2 template over it; the
template writes *briefing markup*, a small XML vocabulary that every renderer (PDF, DOCX,
HTML) reads, so a user's copy of the template changes all three formats alike:

=====================================  ==============================================
element                                meaning
=====================================  ==============================================
``<briefing>``                         the root
``<cover>`` with ``<title>``,          the cover page (title, then subtitle and
``<subtitle>``, ``<line>``             meta lines)
``<toc title="…"/>``                   table of contents (sections, with page numbers)
``<section title="…" color="#…">``     a section: a TOC entry and a heading
``<item>``                             one article; kept with its first passage
``<headline>``, ``<meta>``,            the item's heading, outlet/date line, styled
``<citation>``, ``<also>``             citation (may hold ``<i>``/``<b>``), story line
``<comment>``                          an analyst's comment block (Markdown)
``<passage color="#…">`` with          a quote, its tag chips and its note (Markdown);
``<quote>``, ``<chips>``/``<chip        never split across pages when it fits on one
color="#…">``, ``<note>``
``<bibliography title="…">`` with      the bibliography
``<entry>`` (may hold ``<i>``/``<b>``)
``<heading>``, ``<p>``                 free headings and paragraphs
=====================================  ==============================================

The template runs in Jinja2's sandbox with autoescaping: article text, notes and tag
names reach the markup as text, never as elements, so markup typed into a note prints
literally in every format. A template that does not compile, names a missing field or
writes invalid markup raises :class:`ExportError` with one line naming the template.
"""
from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from clipper.errors import ExportError
from clipper.export.model import (
    UNTAGGED,
    UNTAGGED_COLOR,
    ExportArticle,
    ExportDocument,
    ExportPassage,
    ExportTag,
    format_date,
    group_by_tag,
)

GROUPINGS = ("tag", "story", "date")
DEFAULT_TEMPLATE = "briefing.xml.j2"


@dataclass
class BriefingOptions:
    group_by: str = "tag"  # tag | story | date
    style: str | None = None  # citation style (see clipper.export.citations)
    template: str | None = None  # path of a user's template; None: the default
    author: str = ""
    bibliography: bool = True


@dataclass
class Item:
    article: ExportArticle
    passages: list[ExportPassage]
    citation: str  # HTML from citeproc (escaped text, <i>/<b>): a safe Markup in templates
    citation_text: str
    key: str
    also_carried: int = 0  # other outlets carrying the same story
    also_outlets: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    key: str
    color: str = ""
    items: list[Item] = field(default_factory=list)

    @property
    def passage_count(self) -> int:
        return sum(len(i.passages) for i in self.items)


@dataclass
class Briefing:
    title: str
    author: str
    created: str
    date: str  # human date of creation
    scope: str
    style: str
    group_by: str
    article_count: int
    passage_count: int
    include_article_notes: bool
    sections: list[Section] = field(default_factory=list)
    bibliography: list[str] = field(default_factory=list)  # HTML entries (safe Markup)


# --------------------------------------------------------------------------- building

def build(doc: ExportDocument, options: BriefingOptions | None = None) -> Briefing:
    """Group ``doc`` into sections and cite every article in the chosen style."""
    from clipper.export.citations import Citer, citation_key, html_to_text

    options = options or BriefingOptions()
    if options.group_by not in GROUPINGS:
        raise ExportError(f"Unknown grouping {options.group_by!r} (choose {', '.join(GROUPINGS)})")
    html_citer = Citer(options.style, "html")
    articles = doc.articles
    cited = html_citer.cite_many(articles)
    html_cites = dict(zip((a.id for a in articles), cited))
    text_cites = {aid: html_to_text(c) for aid, c in html_cites.items()}

    def item(article: ExportArticle, passages: list[ExportPassage]) -> Item:
        own = (article.outlet or article.agency or "").casefold()
        outlets = sorted({o for o in article.story_outlets if o and o.casefold() != own}, key=str.casefold)
        return Item(article=article, passages=passages, citation=html_cites[article.id],
                    citation_text=text_cites[article.id], key=citation_key(article),
                    also_carried=len(outlets), also_outlets=outlets)

    sections: list[Section] = []
    if options.group_by == "tag":
        for tag, entries in group_by_tag(doc):
            section = Section(title=tag.name, key="tag:" + tag.name, color=tag.color)
            by_article: dict[int, Item] = {}
            for article, passage in entries:
                if article.id not in by_article:
                    by_article[article.id] = item(article, [])
                    section.items.append(by_article[article.id])
                by_article[article.id].passages.append(passage)
            sections.append(section)
        tagged = {p.article_id for a in articles for p in a.passages}
        bare = [a for a in articles if a.id not in tagged]  # articles without passages
        if bare:
            sections.append(Section(title=UNTAGGED if not sections else "Articles without passages",
                                    key="articles", color=UNTAGGED_COLOR,
                                    items=[item(a, []) for a in bare]))
    elif options.group_by == "story":
        groups: dict[object, list[ExportArticle]] = {}
        for article in articles:
            groups.setdefault(("story", article.story_id) if article.story_id is not None
                              else ("article", article.id), []).append(article)
        for key, members in groups.items():
            lead = members[0]
            title = " ".join((lead.title or "Untitled").split())
            sections.append(Section(title=title, key=f"{key[0]}:{key[1]}",
                                    items=[item(a, list(a.passages)) for a in members]))
    else:  # date
        groups = {}
        for article in articles:
            day = (article.published or "")[:10]
            groups.setdefault(day, []).append(article)
        for day in sorted(groups, key=lambda d: (d == "", d)):
            title = format_date(day) if day else "Undated"
            sections.append(Section(title=title, key="date:" + (day or "undated"),
                                    items=[item(a, list(a.passages)) for a in groups[day]]))

    bibliography = html_citer.bibliography(articles, cited) if options.bibliography else []
    return Briefing(
        title=doc.title or "Briefing", author=options.author, created=doc.created,
        date=format_date(doc.created) or doc.created, scope=doc.scope,
        style=html_citer.style.name, group_by=options.group_by,
        article_count=len(articles), passage_count=doc.passage_count,
        include_article_notes=doc.include_article_notes, sections=sections,
        bibliography=bibliography,
    )


# --------------------------------------------------------------------------- template

def default_template_text() -> str:
    return resources.files("clipper.export").joinpath("templates", DEFAULT_TEMPLATE).read_text("utf-8")


def render_markup(briefing: Briefing, template: str | None = None) -> str:
    """Run the template (a file path, or None for the default) over ``briefing``."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment
    from markupsafe import Markup

    name = Path(template).name if template else DEFAULT_TEMPLATE
    if template:
        try:
            source = Path(template).expanduser().read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ExportError(f"Cannot read template {template}: {getattr(exc, 'strerror', None) or exc}") from exc
    else:
        source = default_template_text()
    env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = format_date
    try:
        compiled = env.from_string(source)
        return compiled.render(
            briefing=briefing,
            safe_html=lambda html: Markup(html),  # citeproc's escaped HTML (citations)
        )
    except jinja2.TemplateSyntaxError as exc:
        raise ExportError(f"Template {name} line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        line = _template_line(exc)
        where = f" line {line}" if line else ""
        raise ExportError(f"Template {name}{where}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    except ExportError:
        raise
    except Exception as exc:  # e.g. a filter given the wrong type
        line = _template_line(exc)
        where = f" line {line}" if line else ""
        raise ExportError(f"Template {name}{where}: {type(exc).__name__}: {exc}") from exc


def _template_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# --------------------------------------------------------------------------- blocks

Run = tuple[str, bool, bool]  # text, italic, bold


@dataclass
class Cover:
    title: str
    subtitle: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class Toc:
    title: str = "Contents"


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    runs: list[Run]


@dataclass
class PassageBlock:
    quote: str
    color: str = "#ffd54f"
    chips: list[ExportTag] = field(default_factory=list)
    note: str = ""  # Markdown


@dataclass
class ItemBlock:
    headline: str = ""
    meta: str = ""
    citation: list[Run] = field(default_factory=list)
    also: str = ""
    url: str = ""
    comments: list[str] = field(default_factory=list)  # Markdown
    passages: list[PassageBlock] = field(default_factory=list)
    extra: list[Paragraph] = field(default_factory=list)


@dataclass
class SectionBlock:
    title: str
    color: str = ""
    number: int = 0  # 1-based, for anchors
    children: list = field(default_factory=list)  # ItemBlock | Paragraph | Heading


@dataclass
class BibliographyBlock:
    title: str = "Bibliography"
    entries: list[list[Run]] = field(default_factory=list)


@dataclass
class BriefingDocument:
    """The parsed markup: what every renderer draws."""

    title: str
    author: str
    blocks: list = field(default_factory=list)

    @property
    def sections(self) -> list[SectionBlock]:
        return [b for b in self.blocks if isinstance(b, SectionBlock)]


_ALLOWED = {
    "briefing", "cover", "title", "subtitle", "line", "toc", "section", "item", "headline",
    "meta", "citation", "also", "comment", "passage", "quote", "chips", "chip", "note",
    "bibliography", "entry", "heading", "p", "i", "b", "url",
}


def parse_markup(markup: str, template_name: str = DEFAULT_TEMPLATE, *, title: str = "",
                 author: str = "") -> BriefingDocument:
    """Briefing markup → :class:`BriefingDocument` (a clear error for anything unknown)."""
    try:
        root = ET.fromstring(markup)
    except ET.ParseError as exc:
        line, col = exc.position
        raise ExportError(f"Template {template_name} wrote invalid briefing markup "
                          f"(output line {line}, column {col}): {str(exc).split(':')[0]}") from exc
    if root.tag != "briefing":
        raise ExportError(f"Template {template_name}: the root element must be <briefing>, not <{root.tag}>")
    for el in root.iter():
        if el.tag not in _ALLOWED:
            raise ExportError(f"Template {template_name}: unknown element <{el.tag}> "
                              f"(see clipper/export/briefing.py for the briefing markup)")
    doc = BriefingDocument(title=root.get("title") or title, author=root.get("author") or author)
    number = 0
    for el in root:
        if el.tag == "cover":
            doc.blocks.append(Cover(title=_text(el.find("title")) or doc.title,
                                    subtitle=_text(el.find("subtitle")),
                                    lines=[_text(x) for x in el.findall("line") if _text(x)]))
        elif el.tag == "toc":
            doc.blocks.append(Toc(title=el.get("title", "Contents")))
        elif el.tag == "section":
            number += 1
            section = SectionBlock(title=el.get("title") or _text(el.find("heading")) or f"Section {number}",
                                   color=el.get("color", ""), number=number)
            for child in el:
                if child.tag == "item":
                    section.children.append(_item(child))
                elif child.tag == "p":
                    section.children.append(Paragraph(_runs(child)))
                elif child.tag == "heading":
                    section.children.append(Heading(_text(child), 3))
                elif child.tag == "passage":
                    section.children.append(ItemBlock(passages=[_passage(child)]))
            doc.blocks.append(section)
        elif el.tag == "bibliography":
            doc.blocks.append(BibliographyBlock(title=el.get("title", "Bibliography"),
                                                entries=[_runs(e) for e in el.findall("entry")]))
        elif el.tag == "heading":
            doc.blocks.append(Heading(_text(el), 2))
        elif el.tag == "p":
            doc.blocks.append(Paragraph(_runs(el)))
        elif el.tag == "item":
            doc.blocks.append(_item(el))
    return doc


def _text(el) -> str:
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _raw(el) -> str:
    """Text with line breaks kept (Markdown notes)."""
    if el is None:
        return ""
    return "".join(el.itertext()).strip("\n")


def _runs(el, italic: bool = False, bold: bool = False) -> list[Run]:
    runs: list[Run] = []
    if el.text:
        runs.append((el.text, italic, bold))
    for child in el:
        runs += _runs(child, italic or child.tag == "i", bold or child.tag == "b")
        if child.tail:
            runs.append((child.tail, italic, bold))
    # Collapse whitespace across runs (template indentation).
    out: list[Run] = []
    for text, i, b in runs:
        text = re.sub(r"\s+", " ", text)
        if out and out[-1][1:] == (i, b):
            out[-1] = (out[-1][0] + text, i, b)
        elif text:
            out.append((text, i, b))
    if out:
        out[0] = (out[0][0].lstrip(), *out[0][1:])
        out[-1] = (out[-1][0].rstrip(), *out[-1][1:])
    return [r for r in out if r[0]]


def _passage(el) -> PassageBlock:
    chips = [ExportTag(_text(c), c.get("color") or "#ffd54f") for c in el.iter("chip") if _text(c)]
    return PassageBlock(quote=_raw(el.find("quote")).strip(), color=el.get("color") or "#ffd54f",
                        chips=chips, note=_raw(el.find("note")).strip())


def _item(el) -> ItemBlock:
    item = ItemBlock(headline=_text(el.find("headline")), meta=_text(el.find("meta")),
                     citation=_runs(el.find("citation")) if el.find("citation") is not None else [],
                     also=_text(el.find("also")), url=_text(el.find("url")))
    for child in el:
        if child.tag == "comment" and _raw(child).strip():
            item.comments.append(_raw(child).strip())
        elif child.tag == "passage":
            item.passages.append(_passage(child))
        elif child.tag == "p":
            item.extra.append(Paragraph(_runs(child)))
    return item


def briefing_document(doc: ExportDocument, options: BriefingOptions | None = None) -> BriefingDocument:
    """Build, template and parse: what the PDF/DOCX/HTML renderers draw."""
    options = options or BriefingOptions()
    briefing = build(doc, options)
    name = Path(options.template).name if options.template else DEFAULT_TEMPLATE
    markup = render_markup(briefing, options.template)
    return parse_markup(markup, name, title=briefing.title, author=briefing.author)


# --------------------------------------------------------------------------- Markdown notes

@dataclass
class MdBlock:
    kind: str  # "p" | "li" | "quote" | "code" | "heading" | "hr"
    runs: list[tuple[str, dict]]  # text, {"b", "i", "code", "s", "href"}
    prefix: str = ""
    depth: int = 0


def markdown_blocks(source: str) -> list[MdBlock]:
    """A note's Markdown as plain blocks of styled text runs (raw HTML stays text).

    Links keep their target in ``href`` (the renderer decides how to show it); images
    become ``[image: alt]`` text: nothing is ever loaded.
    """
    return list(_markdown_blocks(source or ""))


@functools.lru_cache(maxsize=1)
def _markdown_parser():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).disable(["entity"])
    md.enable("strikethrough")
    return md


@functools.lru_cache(maxsize=1024)
def _markdown_blocks(source: str) -> tuple:
    tokens = _markdown_parser().parse(source)
    blocks: list[MdBlock] = []
    lists: list[list] = []
    quote = 0
    prefix = ""
    heading = False
    for tok in tokens:
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([kind == "ordered_list_open", int(tok.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            ordered, n = lists[-1]
            prefix = f"{n}. " if ordered else "• "
            if ordered:
                lists[-1][1] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "inline":
            runs = _md_inline(tok.children or [])
            if heading:
                runs = [(t, {**s, "b": True}) for t, s in runs]
            if quote:
                runs = [(t, {**s, "i": True}) for t, s in runs]
            blocks.append(MdBlock("li" if prefix else "quote" if quote else "heading" if heading else "p",
                                  runs, prefix=prefix, depth=len(lists) + quote))
            prefix = ""
        elif kind in ("fence", "code_block"):
            blocks.append(MdBlock("code", [(tok.content.rstrip("\n"), {"code": True})], depth=len(lists)))
        elif kind == "hr":
            blocks.append(MdBlock("hr", [("⁂", {})]))
    return tuple(blocks)


def _md_inline(children) -> list[tuple[str, dict]]:
    runs: list[tuple[str, dict]] = []
    stack: list[dict] = [{}]
    hrefs: list[str] = []
    for child in children:
        cur = stack[-1]
        kind = child.type
        if kind == "text":
            runs.append((child.content, cur))
        elif kind == "softbreak":
            runs.append((" ", cur))
        elif kind == "hardbreak":
            runs.append(("\n", cur))
        elif kind in ("strong_open", "em_open", "s_open"):
            stack.append({**cur, {"strong_open": "b", "em_open": "i", "s_open": "s"}[kind]: True})
        elif kind in ("strong_close", "em_close", "s_close", "link_close"):
            if len(stack) > 1:
                stack.pop()
            if kind == "link_close" and hrefs:
                href = hrefs.pop()
                if href:
                    runs.append((f" ({href})", {**stack[-1], "muted": True}))
        elif kind == "code_inline":
            runs.append((child.content, {**cur, "code": True}))
        elif kind == "link_open":
            href = child.attrGet("href") or ""
            hrefs.append(href)
            stack.append({**cur, "href": href} if _linkable(href) else dict(cur))
        elif kind == "image":
            alt = "".join(c.content for c in (child.children or []) if c.type == "text")
            runs.append((f"[image: {alt}]" if alt else "[image]", cur))
        else:
            runs.append((child.content, cur))
    return runs


def _linkable(url: str) -> bool:
    low = url.strip().lower()
    return low.startswith(("http://", "https://", "mailto:")) and not any(c.isspace() for c in url.strip())


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
