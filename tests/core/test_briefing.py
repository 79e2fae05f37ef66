"""The briefing: sections by tag/story/date, templates, and the DOCX and HTML renderings."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from clipper.errors import ExportError
from clipper.export import export
from clipper.export.briefing import BriefingOptions, briefing_document, build, default_template_text
from clipper.export.model import ExportArticle, ExportDocument, ExportPassage, ExportTag

MARKUP = "<b>bold?</b> &amp; <script>alert(1)</script> {{ 7*7 }} <img src=http://x.test/p.png>"
HEBREW = "הממשלה אישרה את התקציב החדש"


def make_doc() -> ExportDocument:
    red, blue = ExportTag("missiles", "#c62828"), ExportTag("iran", "#1e88e5")
    arts = [
        ExportArticle(id=1, title="Missile test over the gulf", outlet="The Chronicle", agency="Reuters",
                      author="Dana Levi", published="2026-02-11", url="https://e.test/1",
                      imported_at="2026-02-12T09:00:00Z", notes=["Desk: " + MARKUP], story_id=1,
                      story_outlets=["Le Monde", "BBC", "The Chronicle"],
                      passages=[ExportPassage(1, 1, 0, 10, "Officials said the missile flew far.", tags=[red, blue],
                                              note="Note one " + MARKUP),
                                ExportPassage(2, 1, 20, 30, HEBREW, tags=[blue])]),
        ExportArticle(id=2, title="Second report on the test", outlet="Le Monde", published="2026-02-12",
                      imported_at="2026-02-12T10:00:00Z", story_id=1, story_outlets=["The Chronicle"],
                      passages=[ExportPassage(3, 2, 0, 5, "A second quote " + MARKUP, tags=[red])]),
        ExportArticle(id=3, title="Budget vote", outlet="Daily", published="2026-02-11",
                      imported_at="2026-02-12T10:00:00Z",
                      passages=[ExportPassage(4, 3, 0, 5, "Untagged quote.")]),
    ]
    return ExportDocument(title="Weekly briefing", created="2026-02-13T09:00:00Z", scope="tag: iran",
                          articles=arts)


def test_sections_by_tag_story_and_date():
    doc = make_doc()
    by_tag = build(doc, BriefingOptions(group_by="tag"))
    assert [s.title for s in by_tag.sections] == ["iran", "missiles", "Untagged"]
    assert [[p.id for i in s.items for p in i.passages] for s in by_tag.sections] == [[1, 2], [1, 3], [4]]
    by_story = build(doc, BriefingOptions(group_by="story"))
    assert [[i.article.id for i in s.items] for s in by_story.sections] == [[1, 2], [3]]
    assert by_story.sections[0].title == "Missile test over the gulf"
    by_date = build(doc, BriefingOptions(group_by="date"))
    assert [(s.title, [i.article.id for i in s.items]) for s in by_date.sections] == [
        ("11 Feb 2026", [1, 3]), ("12 Feb 2026", [2])]
    item = by_story.sections[0].items[0]
    assert item.also_carried == 2 and item.also_outlets == ["BBC", "Le Monde"]  # its own outlet left out
    assert "<i>The Chronicle</i>" in item.citation  # styled HTML for the renderers
    assert len(by_tag.bibliography) == 3
    with pytest.raises(ExportError, match="Unknown grouping"):
        build(doc, BriefingOptions(group_by="outlet"))


def test_default_template_makes_every_part():
    bdoc = briefing_document(make_doc(), BriefingOptions(style="apa"))
    kinds = [type(b).__name__ for b in bdoc.blocks]
    assert kinds == ["Cover", "Toc", "SectionBlock", "SectionBlock", "SectionBlock", "BibliographyBlock"]
    first = bdoc.sections[0].children[0]
    assert first.headline == "Missile test over the gulf"
    assert first.meta == "The Chronicle (Reuters) · 11 Feb 2026 · Dana Levi"
    assert "".join(t for t, _, _ in first.citation).startswith("Levi, D. (2026, February 11).")
    assert first.also == "Also carried by 2 outlets: BBC, Le Monde"
    assert first.comments == ["Desk: " + MARKUP]
    assert first.passages[0].note == "Note one " + MARKUP
    assert [c.name for c in first.passages[0].chips] == ["missiles", "iran"]


def test_a_users_template_changes_the_output(tmp_path):
    template = tmp_path / "mine.xml.j2"
    template.write_text(
        '<briefing title="{{ briefing.title }}">'
        '{% for s in briefing.sections %}<section title="S: {{ s.title }}">'
        '{% for i in s.items %}<item><headline>{{ i.article.title | upper }}</headline>'
        '{% for p in i.passages %}<passage><quote>{{ p.quote }}</quote></passage>{% endfor %}'
        '</item>{% endfor %}</section>{% endfor %}</briefing>', encoding="utf-8")
    path = export(make_doc(), "html", tmp_path / "b.html", briefing=BriefingOptions(template=str(template)))
    html = path.read_text("utf-8")
    assert "S: iran" in html and "MISSILE TEST OVER THE GULF" in html
    assert "Contents" not in html and "Bibliography" not in html  # left out of this template


@pytest.mark.parametrize("source, message", [
    ("<briefing>{% for x in %}</briefing>", r"^Template bad\.j2 line 1: "),
    ("<briefing>\n{{ briefing.nope }}</briefing>", r"^Template bad\.j2 line 2: .*nope"),
    ("<briefing><section title='x'>", r"^Template bad\.j2 wrote invalid briefing markup \(output line 1"),
    ("<briefing><table/></briefing>", r"^Template bad\.j2: unknown element <table>"),
    ("<report/>", r"^Template bad\.j2: the root element must be <briefing>"),
    ("<briefing>{{ ''.__class__.__mro__ }}</briefing>", r"^Template bad\.j2 line 1: .*unsafe|__class__"),
])
def test_bad_templates_are_one_line_errors(tmp_path, source, message):
    template = tmp_path / "bad.j2"
    template.write_text(source, encoding="utf-8")
    target = tmp_path / "out.html"
    with pytest.raises(ExportError) as info:
        export(make_doc(), "html", target, briefing=BriefingOptions(template=str(template)))
    assert "\n" not in str(info.value)
    assert re.search(message, str(info.value)), str(info.value)
    assert not target.exists()


def test_default_template_is_documented_and_parses():
    text = default_template_text()
    assert "briefing.sections" in text and "safe_html" in text


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.attrs = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_html_for_email_is_self_contained_and_literal(tmp_path):
    path = export(make_doc(), "html", tmp_path / "b.html", briefing=BriefingOptions(style="mla", group_by="story"))
    html = path.read_text("utf-8")
    parser = _Collect()
    parser.feed(html)
    assert not {"script", "img", "link", "style", "iframe", "object"} & set(parser.tags)
    assert not [v for k, v in parser.attrs if k in ("src", "srcset", "background")]
    assert "class" not in {k for k, _ in parser.attrs}  # inline styles only
    text = " ".join("".join(parser.text).split())
    assert text.count(MARKUP) == 3  # in the comment, the note and the quote, as text
    assert "Also carried by 2 outlets: BBC, Le Monde" in text
    assert "Smith" not in text and "Levi, Dana. “Missile Test over the Gulf.” The Chronicle, 11 Feb. 2026" in text
    assert 'dir="rtl"' in html and "border-right:4px" in html  # the Hebrew quote's bar is on the right


def test_docx_opens_and_holds_every_quote_and_note(tmp_path):
    docx = pytest.importorskip("docx")
    doc = make_doc()
    path = export(doc, "docx", tmp_path / "b.docx", briefing=BriefingOptions(group_by="story"))
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    body = "\n".join(paragraphs)
    for article in doc.articles:
        for passage in article.passages:
            assert passage.quote in paragraphs, passage.quote
    assert "Note one " + MARKUP in paragraphs
    assert "Desk: " + MARKUP in paragraphs
    assert "Also carried by 2 outlets: BBC, Le Monde" in body
    assert "Bibliography" in paragraphs and "Contents" in paragraphs
    assert document.core_properties.title == "Weekly briefing"
    hebrew = next(p for p in document.paragraphs if p.text == HEBREW)
    assert hebrew._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi") is not None
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Missile test over the gulf", "Budget vote", "Bibliography"]
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "NUMPAGES" in footer and " PAGE " in footer


def test_plain_formats_carry_the_chosen_style(tmp_path):
    from clipper.export.citations import Citer

    doc = make_doc()
    for article, text in zip(doc.articles, Citer("apa").cite_many(doc.articles)):
        article.citation = text
    md = export(doc, "md", tmp_path / "b.md").read_text("utf-8")
    assert r"Levi, D. (2026, February 11). Missile test over the gulf. The Chronicle. https://e.test/1" in md
    rows = export(doc, "csv", tmp_path / "b.csv").read_text("utf-8-sig")
    assert "Levi, D. (2026, February 11)." in rows
    data = json.loads(export(doc, "json", tmp_path / "b.json").read_text("utf-8"))
    assert data["articles"][0]["citation"].startswith("Levi, D. (2026, February 11).")
    # Notes keep their markup as text in Markdown (escaped '<'), CSV and JSON.
    assert "Note one \\<b>bold?\\</b> &amp; \\<script>" in md
    assert "Note one " + MARKUP in rows
    assert data["articles"][0]["passages"][0]["note"] == "Note one " + MARKUP
