"""Exports that a notebook or spreadsheet cannot be turned against (issue 14, item 14):
Obsidian syntax in article text stays text, only http(s) addresses become links (and only
those are accepted as an article's URL), CSV cells that a spreadsheet would evaluate are
defused in every form."""
from __future__ import annotations

import csv
import io
import re

import pytest
from markdown_it import MarkdownIt

from clipper.export import csv_export, markdown
from clipper.export.model import ExportArticle, ExportDocument, ExportPassage, ExportTag

from clipper_testkit import MISSILE_ARTICLE, one_error_line


def _doc(text: str, quote_text: str, note: str = "", url: str = "https://news.example.com/a",
         tag: str = "missiles") -> ExportDocument:
    p = ExportPassage(id=1, article_id=1, start=0, end=len(quote_text), quote=quote_text,
                      tags=[ExportTag(tag, "#e53935")], note=note, color="#e53935")
    later = ExportPassage(id=2, article_id=1, start=0, end=4, quote="LATER PASSAGE", tags=[],
                          note="LATER NOTE", color="#e53935")
    a = ExportArticle(id=1, title="Budget %% talks", url=url, text=text, passages=[p, later],
                      notes=["ARTICLE NOTE"])
    return ExportDocument(title="Briefing", created="2026-02-12T09:00:00Z", scope="",
                          group_by="article", include_article_notes=True, articles=[a])


def _obsidian_visible(md: str) -> str:
    """What Obsidian shows of a file: %%…%% comments (an unclosed one runs to the end)
    removed. Backslash escapes are honoured as in CommonMark."""
    out, i, hidden = [], 0, False
    while i < len(md):
        if md[i] == "\\" and i + 1 < len(md):
            if not hidden:
                out.append(md[i:i + 2])
            i += 2
            continue
        if md.startswith("%%", i):
            hidden = not hidden
            i += 2
            continue
        if not hidden:
            out.append(md[i])
        i += 1
    return "".join(out)


def test_percent_pairs_do_not_hide_the_rest_of_the_export():
    quote = "Growth was 3%% lower, officials said"
    doc = _doc("x", quote, note="A 100%% sure note")
    md = markdown.render(doc)
    assert "%%" not in md  # before: "3%%" opened an Obsidian comment
    visible = _obsidian_visible(md)
    for later in ("LATER PASSAGE", "LATER NOTE", "ARTICLE NOTE", "officials said", "sure note"):
        assert later in visible, later
    html = MarkdownIt("commonmark").render(md)
    assert "3%% lower" in html and "Budget %% talks" in html and "100%% sure" in html


@pytest.mark.parametrize("text", ["==marked==", "[[Secret page]]", "![[embed.png]]", "line ^block1",
                                  "$x^2$", "~~gone~~", "#hashtag", "<!-- hidden -->", "---",
                                  "Title\n===", "- item", "1. first", "> quoted", "| a | b |",
                                  "`code`", "**bold**", "&amp;"])
def test_markdown_and_obsidian_syntax_in_quotes_stays_text(text):
    md = markdown.render(_doc("x", text))
    quote_lines = [line for line in md.splitlines() if line.startswith(">")]
    body = "\n".join(line[2:] for line in quote_lines[:text.count("\n") + 1])
    for pair in ("==", "[[", "%%", "~~", "$$"):
        assert pair not in body, (text, body)
    assert not re.search(r"(?<!\\)\^\w+\s*$", body), body  # no block id
    html = MarkdownIt("commonmark").render(body)
    for tag in ("<h1", "<h2", "<hr", "<ul", "<ol", "<code", "<strong", "<del", "<blockquote", "<!--"):
        assert tag not in html, (text, html)


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "JavaScript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"])
def test_markdown_never_links_to_other_schemes(url):
    md = markdown.render(_doc("x", "quote", url=url, note=f"[click]({url}) and <{url}>"))
    html = MarkdownIt("commonmark").render(md)
    md_any = MarkdownIt("commonmark")
    md_any.validateLink = lambda u: True  # look at what a permissive viewer would link
    html_any = md_any.render(md)
    assert "href" not in html_any.replace('href="https://', ""), html_any
    assert "<a " not in html


def test_markdown_keeps_web_links_in_notes():
    md = markdown.render(_doc("x", "quote", note="See [the report](https://example.org/r) and <https://x.org>"))
    html = MarkdownIt("commonmark").render(md)
    assert 'href="https://example.org/r"' in html and 'href="https://x.org"' in html
    assert 'href="https://news.example.com/a"' in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "vbscript:x",
                                 "example.org/no-scheme"])
def test_url_option_refuses_other_schemes(run_cli, cli_json, write, lib_dir, url):
    path = write("a.txt", MISSILE_ARTICLE)
    code, out, err = run_cli("import", path, "--url", url)
    assert code == 1 and "http" in one_error_line(err) and out == ""
    assert not (lib_dir / "library.db").exists() or cli_json("list")["total"] == 0
    aid = cli_json("import", path, "--url", "https://news.example.com/story")["imported"][0]["id"]
    code, _, err = run_cli("edit", str(aid), "--url", url)
    assert code == 1 and "http" in one_error_line(err)
    assert cli_json("show", aid)["url"] == "https://news.example.com/story"  # unchanged
    cli_json("edit", str(aid), "--url", "")  # clearing stays possible
    assert cli_json("show", aid)["url"] == ""


@pytest.mark.parametrize("cell", ["\uff1dSUM(A1:A9)", "\uff0b1", "\uff0d1", "\uff20cmd", "\n=1+1",
                                  "\r=1+1", "\t=1+1", "=1+1", "@SUM(1)"])
def test_csv_defuses_every_formula_start(cell):
    doc = _doc("x", cell, note=cell)
    buf = io.BytesIO()
    csv_export.write(doc, buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8-sig"), newline="")))
    assert rows[0]["quote"] == "'" + cell and rows[0]["note"] == "'" + cell


def test_tag_names_cannot_carry_syntax():
    md = markdown.render(_doc("x", "quote", tag="a%%b==c[[d]]"))
    assert "%%" not in md and "==" not in md and "[[" not in md
