"""PDF export through Qt's PDF writer (offscreen), checked with poppler's pdftotext/pdfinfo."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtGui", reason="PySide6 is needed for the PDF renderer")
if not (shutil.which("pdftotext") and shutil.which("pdfinfo")):
    pytest.skip("poppler-utils (pdftotext, pdfinfo) not installed", allow_module_level=True)

from clipper_testkit import LocalServer  # noqa: E402
from clipper.errors import ExportError  # noqa: E402
from clipper.export import export  # noqa: E402
from clipper.export import pdf as pdf_module  # noqa: E402
from clipper.export.model import ExportArticle, ExportDocument, ExportPassage, ExportTag  # noqa: E402

HEBREW = "הממשלה אישרה את התקציב החדש"
ARABIC = "وقال مسؤولون إن الصاروخ يبلغ مداه ألفي كيلومتر"
URL = "https://news.example.com/world/story?id=42"
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def pdftext(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    return out


def flat(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return " ".join(text.split())


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def passage(pid, quote, tags=(), note="", color="#ffd54f", article_id=1, start=0):
    return ExportPassage(id=pid, article_id=article_id, start=start, end=start + len(quote),
                         quote=quote, color=color, tags=list(tags), note=note)


def make_doc(n_articles=1, group_by="article", extra_note="") -> ExportDocument:
    missiles, iran = ExportTag("missiles", "#c62828"), ExportTag("iran", "#fff176")
    articles = []
    for i in range(1, n_articles + 1):
        articles.append(ExportArticle(
            id=i, title=f"Missile test number {i}", dek="Standfirst.", outlet="The Chronicle",
            agency="Reuters", author="Dana Levi", published="2026-02-11", url=URL,
            notes=["Article note: call the desk."],
            passages=[
                # Two overlapping passages carrying several tags, with notes.
                passage(10 * i + 1, "Officials said the missile flew 2,000 km on Tuesday.",
                        [missiles, iran], note="Range is **unverified**.\n\n- check IISS\n- check CSIS" + extra_note,
                        color="#c62828", article_id=i),
                passage(10 * i + 2, "the missile flew 2,000 km on Tuesday, state media reported.",
                        [iran], note="Overlaps the first passage.", color="#1e88e5", article_id=i, start=19),
            ]))
    return ExportDocument(title="Weekly briefing", created="2026-02-12T09:00:00Z",
                          scope="query: iran AND missiles", group_by=group_by,
                          include_article_notes=True, articles=articles)


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory) -> Path:
    return export(make_doc(), "pdf", tmp_path_factory.mktemp("pdf") / "briefing.pdf")


def test_title_block_citation_passages_and_notes(sample_pdf):
    text = flat(pdftext(sample_pdf))
    for expected in ("Weekly briefing", "query: iran AND missiles", "1 article, 2 passages",
                     "Missile test number 1", "The Chronicle (Reuters), Dana Levi, 11 Feb 2026", URL,
                     "Officials said the missile flew 2,000 km on Tuesday.",
                     "state media reported.", "Range is unverified.", "check IISS",
                     "Overlaps the first passage.", "missiles", "iran", "Article note: call the desk."):
        assert expected in text, expected
    # Passages keep text order.
    assert text.index("Officials said") < text.index("state media reported")


def test_footer_metadata_fonts(sample_pdf):
    text = pdftext(sample_pdf)
    info = pdfinfo(sample_pdf)
    n = int(info["Pages"])
    assert re.search(rf"Page 1 of {n}\b", text)
    assert info["Title"] == "Weekly briefing"
    assert info["Author"] == "Clipper" and info["Creator"] == "Clipper"
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(sample_pdf)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        assert fonts and all(" yes " in line for line in fonts), "every font embedded"


def test_url_is_a_link_annotation(sample_pdf):
    raw = sample_pdf.read_bytes()
    assert b"/Subtype /Link" in raw
    assert f"/URI ({URL})".encode() in raw


def test_page_size_a4_and_letter(tmp_path):
    a4 = pdfinfo(export(make_doc(), "pdf", tmp_path / "a4.pdf"))["Page size"]
    letter = pdfinfo(export(make_doc(), "pdf", tmp_path / "l.pdf", page_size="Letter"))["Page size"]
    assert a4.startswith("595") and "842" in a4 and "A4" in a4
    assert letter.startswith("612 x 792")


def test_page_count_grows_with_content_and_footer_counts(tmp_path):
    small = int(pdfinfo(export(make_doc(1), "pdf", tmp_path / "s.pdf"))["Pages"])
    big_path = export(make_doc(40), "pdf", tmp_path / "b.pdf")
    big = int(pdfinfo(big_path)["Pages"])
    assert small == 1 and big > 3
    pages = pdftext(big_path).split("\f")
    for i in (0, big - 1):
        assert f"Page {i + 1} of {big}" in pages[i]


def test_group_by_tag_sections(tmp_path):
    text = flat(pdftext(export(make_doc(2, group_by="tag"), "pdf", tmp_path / "t.pdf")))
    # "iran" sorts before "missiles"; the first passage has both tags so it appears twice.
    # (pdftotext may interleave the running header with a heading, so look per page.)
    assert "iran 4 passages" in text
    assert text.index("iran 4 passages") < text.index("2 passages")
    assert text.count("Officials said the missile flew") == 4
    assert text.count("Missile test number 1") >= 3  # citation under each passage


def test_hebrew_and_arabic_are_extractable(tmp_path):
    doc = make_doc()
    doc.articles[0].passages.append(passage(90, HEBREW, start=200, note="Hebrew"))
    doc.articles[0].passages.append(passage(91, ARABIC, start=300, note="Arabic"))
    doc.articles[0].passages.append(passage(92, "Café naïve — 中国外交部表示关注", start=400))
    text = flat(pdftext(export(doc, "pdf", tmp_path / "rtl.pdf")))
    for quote in (HEBREW, ARABIC):
        words = flat(quote).split()
        forward, backward = " ".join(words), " ".join(reversed(words))
        assert forward in text or backward in text, quote
    assert "Café naïve" in text
    if any("Droid" in f or "CJK" in f or "Noto Sans SC" in f for f in _font_families()):
        assert "中国外交部表示关注" in text


def _font_families() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    return subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout.splitlines()


def test_rtl_block_direction():
    pdf_module.ensure_app()
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QTextDocument

    qdoc = QTextDocument()
    builder = pdf_module._Builder(qdoc)
    builder.block(HEBREW)
    builder.block("2026 " + ARABIC)
    builder.block("Tehran " + HEBREW)
    directions = [qdoc.findBlockByNumber(i).blockFormat().layoutDirection() for i in range(3)]
    assert directions == [Qt.LayoutDirection.RightToLeft, Qt.LayoutDirection.RightToLeft,
                          Qt.LayoutDirection.LeftToRight]


def test_user_markup_is_printed_literally_and_loads_nothing(tmp_path):
    with LocalServer() as server:
        base = server.url("")
        img = f'<img src="{base}/x.png">'
        note = (f"Bold <b>tag</b> &amp; entity {img} <img src=file:///etc/passwd> "
                f"![pic]({base}/y.png)")
        doc = make_doc()
        doc.title = "Briefing <i>not italic</i>"
        doc.articles[0].passages[0].note = note
        doc.articles[0].passages[1].quote = f"Quote with {img} and <script>x</script>"
        doc.articles[0].notes = [f"<style>body{{background:url({base}/z)}}</style>"]
        text = flat(pdftext(export(doc, "pdf", tmp_path / "m.pdf")))
    assert sum(server.hits.values()) == 0
    squashed = re.sub(r"\s+", "", text)  # long notes wrap at arbitrary points
    for literal in ("<b>tag</b>", "&amp;", img, "<img src=file:///etc/passwd>",
                    "<script>x</script>", "Briefing <i>not italic</i>", "<style>body{background:"):
        assert re.sub(r"\s+", "", literal) in squashed, literal
    assert "[image: pic]" in text


def test_safe_document_refuses_resources():
    pdf_module.ensure_app()
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    qdoc = pdf_module._SafeDocument()
    assert qdoc.loadResource(QTextDocument.ResourceType.ImageResource.value,
                             QUrl("file:///etc/passwd")) is None


def test_unwritable_target_raises_export_error(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        export(make_doc(), "pdf", tmp_path / "missing" / "x.pdf")


def test_failure_midway_keeps_existing_pdf(tmp_path, monkeypatch):
    target = tmp_path / "briefing.pdf"
    export(make_doc(), "pdf", target)
    before = target.read_bytes()

    def failing_panels(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(pdf_module, "_quote_panels", failing_panels)
    with pytest.raises(ExportError, match="renderer crashed"):
        export(make_doc(3), "pdf", target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["briefing.pdf"]


def test_empty_scope_still_renders(tmp_path):
    doc = ExportDocument(title="Nothing", created="2026-02-12", scope="tag: none", articles=[])
    text = flat(pdftext(export(doc, "pdf", tmp_path / "e.pdf")))
    assert "Nothing to export" in text and "Page 1 of 1" in text
