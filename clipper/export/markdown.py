"""Markdown export, friendly to Obsidian and other Markdown notebooks.

Layout: optional YAML front matter; ``# Export title``; per article ``## Title``, a
citation line, each passage as a ``> quote`` block (every line prefixed), its ``#tags``
(spaces become ``-``), its note, and a source link. Grouped by tag: ``## #tag`` sections,
each passage followed by its citation.

Quotes, titles and citations are article text, not Markdown: characters that would
start formatting, links, hashtags or raw HTML are backslash-escaped, and so is Obsidian's
own syntax (``%%comment%%`` would hide everything up to the next ``%%``, ``==mark==``,
``[[link]]``, ``^block-id``, ``$math$``): no two of those marks are ever left side by
side. A line of dashes or equals signs is escaped too (it would make a rule or turn the
line above into a heading). Notes are the user's own Markdown and are kept, except that
``<`` is escaped so raw HTML in a note (``<img src=...>``) is shown as text rather than
loaded by the viewer, and ``%`` so an unclosed ``%%`` cannot hide the rest of the file.
Only http(s) addresses become links; any other (``javascript:``, ``data:``, ``file:``)
is printed as text.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import BinaryIO

from clipper.export.model import (
    ExportArticle,
    ExportDocument,
    ExportPassage,
    citation_parts,
    format_date,
    group_by_tag,
    tag_slug,
)

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&$!{}^])")
# Obsidian's %%comment%% and ==highlight==: the second mark of a pair is escaped ("50%"
# and "a = b" stay as they are).
_PAIRED = re.compile(r"(?<=%)%|(?<==)=")
# "- x", "1. x", "=", "---" (a list, a heading underline, a rule)
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])(?=\s|$|[-+=])")
_HTML_LT = re.compile(r"<(?!(?:https?|mailto):[^\s<>]*>)")


def escape(text: str) -> str:
    """Article text -> Markdown that renders as exactly that text."""
    lines = []
    for line in text.split("\n"):
        line = _PAIRED.sub(r"\\\g<0>", _INLINE_SPECIAL.sub(r"\\\1", line))
        m = _LINE_START.match(line)
        if m:  # "- x", "1. x", "---" would become a list / rule / heading
            marker = m.group(2)
            escaped = marker[:-1] + "\\" + marker[-1]
            line = m.group(1) + escaped + line[m.end():]
        lines.append(line)
    return "\n".join(lines)


def note_markdown(note: str) -> str:
    """A note's own Markdown, defused: raw HTML shown as text, no ``%%`` (an unclosed
    Obsidian comment would hide the rest of the file), and a note linking anywhere but
    http(s), mailto or a relative address (``javascript:``, ``data:``, ``file:``) is
    exported as plain text."""
    note = note.strip()
    if _unsafe_link(note):
        return escape(note)
    return re.sub(r"(?<=%)%", r"\\%", _HTML_LT.sub(r"\\<", note))


@lru_cache(maxsize=1)
def _link_finder():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    md.validateLink = lambda url: True  # see every link, not only those it would render
    return md


def _unsafe_link(markdown: str) -> bool:
    from clipper.importers.urls import url_scheme

    if ":" not in markdown and "&" not in markdown:  # no scheme, not even as &#58;
        return False
    for token in _link_finder().parse(markdown):
        for child in token.children or ():
            if child.type in ("link_open", "image"):
                href = str(child.attrGet("href") or child.attrGet("src") or "")
                if url_scheme(href) not in ("", "http", "https", "mailto"):
                    return True
    return False


def _link(url: str) -> str:
    """An http(s) address as a link; anything else (javascript:, data:, file: ...) as text."""
    url = url.strip()
    if not url:
        return ""
    if (any(c.isspace() for c in url) or ">" in url or "<" in url
            or not url.lower().startswith(("http://", "https://"))):
        return escape(url)
    return f"<{url}>"


def _citation_line(article: ExportArticle) -> str:
    if article.citation:  # in the chosen citation style
        return escape(article.citation)
    title, source, _url = citation_parts(article)
    line = f"*{escape(title)}*"
    if source:
        line += " — " + escape(source)
    return line


def _quote_block(quote: str) -> list[str]:
    return [("> " + line) if line.strip() else ">" for line in escape(quote).split("\n")]


def _tags_line(passage: ExportPassage) -> str:
    return " ".join("#" + tag_slug(t.name) for t in passage.tags)


def _passage(passage: ExportPassage, article: ExportArticle | None) -> list[str]:
    out = _quote_block(passage.quote)
    if passage.status == "orphaned":
        out += [">", "> *(this passage no longer matches the article text)*"]
    out.append("")
    tags = _tags_line(passage)
    if tags:
        out += [tags, ""]
    if passage.note.strip():
        out += [note_markdown(passage.note), ""]
    if article is not None:
        out.append("— " + _citation_line(article))
        if article.url:
            out.append(f"Source: {_link(article.url)}")
        out.append("")
    return out


def _front_matter(doc: ExportDocument) -> list[str]:
    # JSON strings are valid YAML scalars: safe for any title or scope.
    return [
        "---",
        f"title: {json.dumps(doc.title, ensure_ascii=False)}",
        f"created: {json.dumps(doc.created)}",
        f"scope: {json.dumps(doc.scope, ensure_ascii=False)}",
        f"articles: {len(doc.articles)}",
        f"passages: {doc.passage_count}",
        "tags: [clipper-export]",
        "---",
        "",
    ]


def render(doc: ExportDocument, front_matter: bool = True) -> str:
    out: list[str] = _front_matter(doc) if front_matter else []
    out += [f"# {escape(doc.title or 'Clipper export')}", ""]
    meta = [format_date(doc.created)]
    if doc.scope:
        meta.append(escape(doc.scope))
    meta.append(f"{len(doc.articles)} articles, {doc.passage_count} passages")
    out += [" · ".join(m for m in meta if m), ""]

    if doc.group_by == "tag":
        for tag, entries in group_by_tag(doc):
            out += [f"## #{tag_slug(tag.name)}", ""]
            for article, passage in entries:
                out += _passage(passage, article)
        return "\n".join(out).rstrip() + "\n"

    for article in doc.articles:
        out += [f"## {escape(article.title or 'Untitled')}", "", _citation_line(article)]
        if article.url:
            out.append(f"Source: {_link(article.url)}")
        if article.tags:
            out.append(" ".join("#" + tag_slug(t.name) for t in article.tags))
        out.append("")
        if doc.include_article_notes:
            for note in article.notes:
                if note.strip():
                    out += [note_markdown(note), ""]
        for passage in article.passages:
            out += _passage(passage, None)
    return "\n".join(out).rstrip() + "\n"


def write(doc: ExportDocument, fh: BinaryIO, front_matter: bool = True) -> None:
    fh.write(render(doc, front_matter=front_matter).encode("utf-8"))
