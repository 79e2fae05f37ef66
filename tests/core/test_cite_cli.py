"""`clipper cite` and the export command's briefing options: the CLI contract."""
from __future__ import annotations

import shutil

import pytest

from clipper_testkit import BUDGET_ARTICLE, MISSILE_ARTICLE, one_error_line


@pytest.fixture
def two(cli_json, write, lib):
    a = cli_json("import", write("a.txt", MISSILE_ARTICLE))["imported"][0]["id"]
    b = cli_json("import", write("b.txt", BUDGET_ARTICLE))["imported"][0]["id"]
    return a, b


def test_cite_prints_one_citation_per_line(run_cli, two):
    a, b = two
    for style in ("chicago-note", "chicago-bib", "apa", "mla", "harvard"):
        code, out, err = run_cli("cite", str(a), str(b), "--style", style)
        assert code == 0 and err == ""
        lines = out.splitlines()
        assert len(lines) == 2, style
        assert "oastal" in lines[0] and "udget" in lines[1], style  # given order, not sorted
    code, out, _ = run_cli("cite", str(a), "--style", "apa", "--format", "md")
    assert code == 0 and out.count("\n") == 1


def test_cite_json_html_and_a_csl_file(cli_json, run_cli, two, tmp_path):
    a, _b = two
    [row] = cli_json("cite", str(a), "--style", "mla", "--format", "html")
    assert set(row) >= {"id", "key", "citation"} and row["id"] == a
    assert row["key"].endswith(f"-{a}")
    style = tmp_path / "one.csl"
    style.write_text('<?xml version="1.0"?><style xmlns="http://purl.org/net/xbiblio/csl" class="note" '
                     'version="1.0"><info><title>t</title><id>t</id><updated>2026-01-01T00:00:00Z</updated>'
                     '</info><citation><layout prefix="[" suffix="]"><text variable="title"/></layout>'
                     '</citation></style>', encoding="utf-8")
    code, out, _ = run_cli("cite", str(a), "--style", str(style))
    assert code == 0 and out == "[Coastal battery fires test missiles]\n"


def test_cite_errors(run_cli, two):
    a, _b = two
    code, out, err = run_cli("cite", str(a), "--style", "vancouver-xyz")
    assert code == 1 and out == "" and "Unknown citation style" in one_error_line(err)
    code, out, err = run_cli("cite", "999")
    assert code == 1 and "999" in one_error_line(err)
    code, _out, err = run_cli("cite")
    assert code == 2
    code, _out, err = run_cli("cite", str(a), "--format", "rtf")
    assert code == 2


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext not installed")
def test_export_briefing_options(cli_json, run_cli, two, tmp_path):
    pytest.importorskip("PySide6.QtGui")
    a, _b = two
    out = cli_json("export", "--format", "pdf", "--briefing", "--group-by", "date", "--style", "apa",
                   "--title", "Desk", "--author", "A. Analyst", "-o", str(tmp_path / "b.pdf"))
    assert out["articles"] == 2
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")
    for fmt in ("docx", "html"):
        cli_json("export", "--format", fmt, "--group-by", "story", "-o", str(tmp_path / f"b.{fmt}"))
    assert "Prepared by" not in (tmp_path / "b.html").read_text("utf-8")


def test_export_usage_and_template_errors(run_cli, two, tmp_path):
    code, _o, err = run_cli("export", "--format", "csv", "--briefing", "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "--briefing" in one_error_line(err)
    code, _o, err = run_cli("export", "--format", "md", "--group-by", "story", "-o", str(tmp_path / "x.md"))
    assert code == 2
    bad = tmp_path / "bad.j2"
    bad.write_text("<briefing>{% if %}</briefing>", encoding="utf-8")
    code, _o, err = run_cli("export", "--format", "html", "--template", str(bad), "-o", str(tmp_path / "x.html"))
    assert code == 1 and one_error_line(err).startswith("clipper: error: Template bad.j2 line 1:")
    assert not (tmp_path / "x.html").exists()
    code, _o, err = run_cli("export", "--format", "html", "--style", "nope", "-o", str(tmp_path / "x.html"))
    assert code == 1 and "Unknown citation style" in err
    code, _o, err = run_cli("export", "--format", "md", "--style", "mla", "-o", str(tmp_path / "x.md"))
    assert code == 0 and "Coastal Battery Fires Test Missiles. Accessed" in (tmp_path / "x.md").read_text("utf-8")
