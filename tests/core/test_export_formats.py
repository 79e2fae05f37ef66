"""Markdown, CSV, JSON and W3C Web Annotation exports, and export()'s atomic writing."""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from clipper.errors import ExportError
from clipper.export import export
from clipper.export import csv_export, json_export
from clipper.export.model import ExportArticle, ExportDocument, ExportPassage, ExportTag

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "w3c" / "annotation.schema.json"
MISSILES, IRAN = ExportTag("missiles", "#e53935"), ExportTag("human rights", "#43a047")


@pytest.fixture
def doc() -> ExportDocument:
    text = "Officials said the missile flew 2,000 km. Talks resume in Vienna next week."
    p1 = ExportPassage(id=11, article_id=1, start=0, end=41, quote=text[:41], prefix="",
                       suffix=" Talks resume", color="#e53935", tags=[MISSILES, IRAN],
                       note="Range is *unverified*.\n\n<img src=\"http://127.0.0.1:1/x.png\"> &amp;",
                       created_at="2026-02-11T10:00:00.000000Z",
                       updated_at="2026-02-11T10:05:00.000000Z")
    # Overlaps p1 and carries one of its tags.
    p2 = ExportPassage(id=12, article_id=1, start=19, end=75, quote=text[19:75],
                       prefix="Officials said the ", suffix="", color="#1e88e5", tags=[MISSILES],
                       note="", created_at="2026-02-11 10:01:00")
    p3 = ExportPassage(id=13, article_id=2, start=0, end=24, quote="=HYPERLINK(\"http://x\")\nline two",
                       tags=[], note="-2 points", color="#ffd54f")
    a1 = ExportArticle(id=1, title="Missile test *draws* [condemnation]", outlet="The Chronicle",
                       agency="Reuters", author="D. Levi", published="2026-02-11",
                       url="https://news.example.com/a?id=1", text=text, tags=[IRAN],
                       notes=["Ask the desk."], passages=[p1, p2])
    a2 = ExportArticle(id=2, title="@pasted note", agency="AFP", url="", passages=[p3])
    return ExportDocument(title="Weekly briefing", created="2026-02-12T09:00:00Z",
                          scope="tag: missiles", group_by="article", include_article_notes=True,
                          articles=[a1, a2])


# ----------------------------------------------------------------------------- markdown

def test_markdown_structure(tmp_path, doc):
    out = export(doc, "md", tmp_path / "b.md").read_text(encoding="utf-8")
    assert out.startswith("---\ntitle: \"Weekly briefing\"\n")
    assert "## Missile test \\*draws\\* \\[condemnation\\]" in out
    assert "> Officials said the missile flew 2,000 km." in out
    assert "#missiles #human-rights" in out
    assert "Range is *unverified*." in out
    assert "Source: <https://news.example.com/a?id=1>" in out
    # Multi-line quote: every line prefixed.
    assert "> =HYPERLINK(\"http://x\")\n> line two" in out
    assert "Ask the desk." in out


def test_markdown_renders_article_text_literally(tmp_path, doc):
    out = export(doc, "markdown", tmp_path / "b.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").render(out)
    assert "<em>draws</em>" not in html  # title asterisks are text
    assert "<img" not in html  # raw HTML in a note is escaped, not passed through
    assert "&lt;img src=" in html


def test_markdown_grouped_by_tag(tmp_path, doc):
    doc.group_by = "tag"
    out = export(doc, "md", tmp_path / "b.md").read_text(encoding="utf-8")
    assert out.index("## #human-rights") < out.index("## #missiles") < out.index("## #Untagged")
    # p1 carries two tags: its quote appears under both.
    assert out.count("> Officials said the missile flew 2,000 km.") == 2
    assert "— *Missile test" in out


# ----------------------------------------------------------------------------- csv

def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_rows_and_columns(tmp_path, doc):
    rows = read_csv(export(doc, "csv", tmp_path / "b.csv"))
    assert list(rows[0]) == csv_export.COLUMNS
    assert [r["passage_id"] for r in rows] == ["11", "12", "13"]
    assert rows[0]["tags"] == "missiles;human rights"
    assert rows[0]["outlet"] == "The Chronicle" and rows[0]["url"] == "https://news.example.com/a?id=1"
    assert rows[0]["start"] == "0" and rows[0]["end"] == "41"


def test_csv_defuses_formulas(tmp_path, doc):
    rows = read_csv(export(doc, "csv", tmp_path / "b.csv"))
    assert rows[2]["quote"].startswith("'=HYPERLINK")
    assert rows[2]["note"] == "'-2 points"
    assert rows[2]["article_title"] == "'@pasted note"
    assert rows[0]["quote"].startswith("Officials")  # ordinary text untouched
    assert csv_export.defuse("+1") == "'+1" and csv_export.defuse(5) == 5


# ----------------------------------------------------------------------------- json

def test_json_round_trip(tmp_path, doc):
    path = export(doc, "json", tmp_path / "b.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "clipper-export" and data["version"] == 1
    assert data["articles"][0]["passages"][0]["tags"][1] == {"name": "human rights", "color": "#43a047"}
    assert json_export.load(path) == doc


def test_json_load_rejects_other_files(tmp_path):
    from clipper.errors import InputError

    bad = tmp_path / "x.json"
    bad.write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(InputError, match="Not a Clipper export"):
        json_export.load(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        json_export.load(bad)


# ----------------------------------------------------------------------------- w3c

def test_w3c_valid_against_schema(tmp_path, doc):
    data = json.loads(export(doc, "w3c", tmp_path / "b.jsonld").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["total"] == 3 == len(data["first"]["items"])


def test_w3c_annotation_content(tmp_path, doc):
    data = json.loads(export(doc, "w3c", tmp_path / "b.jsonld").read_text(encoding="utf-8"))
    a1, a2, a3 = data["first"]["items"]
    assert a1["id"] == "urn:clipper:passage:11"
    assert a1["target"]["source"] == "https://news.example.com/a?id=1"
    quote_sel, pos_sel = a1["target"]["selector"]
    assert quote_sel == {"type": "TextQuoteSelector", "exact": doc.articles[0].passages[0].quote,
                         "suffix": " Talks resume"}
    assert pos_sel == {"type": "TextPositionSelector", "start": 0, "end": 41}
    comment, *tags = a1["body"]
    assert comment["purpose"] == "commenting" and comment["format"] == "text/markdown"
    assert [t["value"] for t in tags] == ["missiles", "human rights"]
    assert all(t["purpose"] == "tagging" for t in tags)
    assert a1["created"] == "2026-02-11T10:00:00Z" and a1["modified"] == "2026-02-11T10:05:00Z"
    assert a2["created"] == "2026-02-11T10:01:00Z"  # naive timestamp normalised to UTC
    assert a2["motivation"] == "highlighting"
    assert a3["target"]["source"] == "urn:clipper:article:2"  # pasted text: no URL
    assert "body" not in a3 or all(b["purpose"] != "tagging" for b in a3["body"])


def test_w3c_schema_rejects_broken_annotation(doc):
    from clipper.export import w3c

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data = w3c.collection(doc)
    del data["first"]["items"][0]["target"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    data = w3c.collection(doc)
    data["first"]["items"][0]["target"]["selector"][1]["start"] = -1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


# ----------------------------------------------------------------------------- export()

@pytest.mark.parametrize("fmt", ["md", "csv", "json", "w3c"])
def test_export_replaces_existing_file_and_leaves_no_temp(tmp_path, doc, fmt):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    assert export(doc, fmt, target) == target
    assert target.read_text(encoding="utf-8-sig") != "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_unknown_format_and_page_size(tmp_path, doc):
    with pytest.raises(ExportError, match="Unknown export format 'odt'"):
        export(doc, "odt", tmp_path / "x")
    with pytest.raises(ExportError, match="Unknown page size"):
        export(doc, "pdf", tmp_path / "x.pdf", page_size="A5")


def test_missing_folder(tmp_path, doc):
    with pytest.raises(ExportError, match="does not exist"):
        export(doc, "md", tmp_path / "nope" / "x.md")


def test_target_is_a_folder(tmp_path, doc):
    with pytest.raises(ExportError, match="is a folder"):
        export(doc, "md", tmp_path)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions, non-root")
def test_unwritable_folder(tmp_path, doc):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="permission denied"):
            export(doc, "csv", locked / "x.csv")
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o700)


def test_permission_denied_message(tmp_path, doc, monkeypatch):
    # Works even as root: the folder refuses the temporary file.
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ExportError, match=r"Cannot write .*x\.md: permission denied"):
        export(doc, "md", tmp_path / "x.md")


def test_failure_midway_keeps_existing_file(tmp_path, doc, monkeypatch):
    target = tmp_path / "b.csv"
    target.write_bytes(b"previous export")

    def broken_write(d, fh):
        fh.write(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv_export, "write", broken_write)
    with pytest.raises(ExportError, match="disk full"):
        export(doc, "csv", target)
    assert target.read_bytes() == b"previous export"
    assert os.listdir(tmp_path) == ["b.csv"]


def test_renderer_bug_becomes_export_error(tmp_path, doc, monkeypatch):
    def broken_write(d, fh):
        raise ValueError("boom")

    monkeypatch.setattr(json_export, "write", broken_write)
    with pytest.raises(ExportError, match="failed: boom"):
        export(doc, "json", tmp_path / "b.json")
    assert os.listdir(tmp_path) == []


def test_export_package_does_not_import_qt():
    import subprocess

    code = ("import sys, clipper.export as e, clipper.export.markdown, clipper.export.w3c, "
            "clipper.export.csv_export, clipper.export.json_export; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
