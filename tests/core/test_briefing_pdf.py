"""The briefing PDF: passages never split, headings never end a page, contents page numbers,
RTL quotes on the right, "Page n of m" — checked on the file with pdftotext, page by page."""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtGui", reason="PySide6 is needed for the PDF renderer")
if not shutil.which("pdftotext"):
    pytest.skip("poppler-utils (pdftotext) not installed", allow_module_level=True)

from clipper.export import export  # noqa: E402
from clipper.export import pdf as pdf_module  # noqa: E402
from clipper.export.briefing import BriefingOptions, briefing_document  # noqa: E402
from clipper.export.model import ExportArticle, ExportDocument, ExportPassage, ExportTag  # noqa: E402

ARABIC = "وقال مسؤولون إن الصاروخ يبلغ مداه ألفي كيلومتر"
TAGS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]


def pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    return [unicodedata.normalize("NFKC", page) for page in out.split("\f")[:-1]]  # "ﬁ" ligatures


def big_doc(filler: int = 30, chip_tags: bool = True) -> ExportDocument:
    """Passages of varied length; every passage carries unique markers in its quote, its
    chip and its note, and one section tag (so a tag name first appears at its section)."""
    arts = []
    pid = 0
    for a in range(1, 13):
        passages = []
        for k in range(4):
            pid += 1
            words = " ".join(["lorem"] * (filler + (pid * 7) % 40))
            passages.append(ExportPassage(
                id=pid, article_id=a, start=k * 100, end=k * 100 + 50,
                quote=f"QSTART{pid:03d} {words} QEND{pid:03d}",
                tags=[ExportTag(TAGS[(a + k) % len(TAGS)], "#c62828")]
                + ([ExportTag(f"chip{pid:03d}", "#fff176")] if chip_tags else []),
                note=f"NOTE{pid:03d} first line.\n\n- a list item\n- NLAST{pid:03d}"))
        arts.append(ExportArticle(id=a, title=f"Headline number {a}", outlet="The Chronicle",
                                  published=f"2026-02-{a:02d}", url=f"https://e.test/{a}",
                                  imported_at="2026-03-01T00:00:00Z", passages=passages))
    return ExportDocument(title="Big briefing", created="2026-03-02T00:00:00Z", scope="test", articles=arts)


def marker_pages(texts: list[str], prefix: str) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for n, text in enumerate(texts, start=1):
        for m in re.findall(rf"{prefix}(\d\d\d)", text):
            found.setdefault(m, set()).add(n)
    return found


@pytest.fixture(scope="module")
def briefing_pdf(tmp_path_factory) -> tuple[Path, ExportDocument]:
    """By date: every passage printed once."""
    doc = big_doc()
    path = export(doc, "pdf", tmp_path_factory.mktemp("b") / "big.pdf", briefing=BriefingOptions(group_by="date"))
    return path, doc


@pytest.fixture(scope="module")
def by_tag_pdf(tmp_path_factory) -> Path:
    return export(big_doc(chip_tags=False), "pdf", tmp_path_factory.mktemp("t") / "tags.pdf",
                  briefing=BriefingOptions(group_by="tag"))


def _flows(doc, options):
    pdf_module.ensure_app()
    out = pdf_module._PdfOut("A4", "t", "a")
    flows = pdf_module._briefing_flows(briefing_document(doc, options),
                                       pdf_module._FlowFactory(out.writer, out.content_w))
    return out, flows


def test_the_fixture_has_passages_that_would_straddle_a_page():
    """Without the keep-together rule some passage would be cut by a page end (so the next
    test checks something real)."""
    out, flows = _flows(big_doc(), BriefingOptions(group_by="date"))
    for f in flows:
        f.keep_together = False
    loose = pdf_module.paginate(flows, out.content_h)
    split = [p for page in loose for p in page if p.flow.panels and (p.start > 0 or p.end < p.flow.height)]
    assert split


def test_passages_with_chips_and_notes_are_never_split(briefing_pdf):
    path, doc = briefing_pdf
    texts = pages(path)
    assert len(texts) > 5
    n_passages = doc.passage_count
    for prefix in ("QSTART", "QEND", "chip", "NOTE", "NLAST"):
        found = marker_pages(texts, prefix)
        assert len(found) == n_passages, prefix
    starts, ends = marker_pages(texts, "QSTART"), marker_pages(texts, "QEND")
    chips, notes, lasts = marker_pages(texts, "chip"), marker_pages(texts, "NOTE"), marker_pages(texts, "NLAST")
    for m in starts:
        # A passage is whole on one page: quote start and end, chip, note and its last line.
        assert len(starts[m]) == 1 and starts[m] == ends[m] == chips[m] == notes[m] == lasts[m], m


def test_headings_never_end_a_page():
    out, flows = _flows(big_doc(), BriefingOptions(group_by="tag"))
    laid = pdf_module.paginate(flows, out.content_h)
    for page in laid[:-1]:
        assert page and not page[-1].flow.keep_with_next, "a heading ended a page"
    for page in laid:
        for placed in page:
            if placed.flow.keep_together and placed.flow.height <= out.content_h:
                assert placed.start == 0 and placed.end == placed.flow.height


def test_contents_page_numbers_match_the_pages(by_tag_pdf):
    texts = pages(by_tag_pdf)
    toc_page = next(i for i, t in enumerate(texts) if "Contents" in t)
    entries = re.findall(r"^\s*(\d+)\.\s+(\w+)\s+(\d+)\s*$", texts[toc_page], re.M)
    assert [name for _n, name, _p in entries] == sorted(TAGS)
    for _n, name, page in entries:
        first = next(i for i, t in enumerate(texts) if i > toc_page and re.search(rf"^\s*{name}\s*$", t, re.M))
        assert int(page) == first + 1, name
    assert len({p for _n, _name, p in entries}) > 2  # the numbers really differ


def test_page_n_of_m_and_cover(briefing_pdf):
    path, _doc = briefing_pdf
    texts = pages(path)
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text
    assert "Big briefing" in texts[0] and "Contents" not in texts[0]
    assert "Bibliography" in texts[-1] or any("Bibliography" in t for t in texts[-3:])


def test_rtl_quote_stays_right():
    doc = big_doc(1)
    doc.articles[0].passages[0].quote = ARABIC
    out, flows = _flows(doc, BriefingOptions(group_by="story"))
    from PySide6.QtCore import Qt

    flow = next(f for f in flows if f.panels and f.qdoc.begin().text() == ARABIC)
    block = flow.qdoc.begin()
    assert block.blockFormat().layoutDirection() == Qt.LayoutDirection.RightToLeft
    line = block.layout().lineAt(0)
    start = line.cursorToX(0)
    start = start[0] if isinstance(start, tuple) else start
    assert start > out.content_w * 0.85  # the quote's first letter is at the right edge
    _top, _bottom, _background, bar, _color = flow.panels[0]
    assert bar.left() > out.content_w / 2  # the colour bar on the right side too
    ltr = next(f for f in flows if f.panels and f is not flow)
    assert ltr.panels[0][3].left() < out.content_w / 2


def test_markup_in_notes_and_quotes_prints_literally(tmp_path):
    doc = big_doc(1)
    literal = "<b>not bold</b> &amp; <script>x</script> **real bold**"
    doc.articles[0].passages[0].note = literal
    doc.articles[0].passages[1].quote = "Quote " + literal
    doc.title = "Briefing <i>plain</i>"
    text = " ".join("".join(pages(export(doc, "pdf", tmp_path / "m.pdf",
                                          briefing=BriefingOptions(group_by="story")))).split())
    assert "<b>not bold</b> &amp; <script>x</script> real bold" in text  # Markdown bold, HTML as text
    assert "Quote <b>not bold</b> &amp; <script>x</script> **real bold**" in text  # a quote is never Markdown
    assert "Briefing <i>plain</i>" in text


def test_plain_export_keeps_passages_whole_too(tmp_path):
    """The plain PDF (no --briefing) shares the layout: chips are never printed on two pages."""
    doc = big_doc()
    texts = pages(export(doc, "pdf", tmp_path / "plain.pdf"))
    chips = marker_pages(texts, "chip")
    starts = marker_pages(texts, "QSTART")
    assert len(texts) > 5 and len(chips) == doc.passage_count
    assert all(len(p) == 1 for p in chips.values())
    assert all(chips[m] == starts[m] for m in chips)
