"""CSL-JSON, BibTeX/BibLaTeX and RIS exports parse back (jsonschema, pybtex) with stable keys."""
from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from clipper.export import export
from clipper.export.bibliographic import bibtex, csl_json, ris
from clipper.export.model import ExportArticle, ExportDocument

pybtex_database = pytest.importorskip("pybtex.database")

SCHEMA = json.loads((Path(__file__).parent.parent / "fixtures" / "csl" / "csl-data.schema.json").read_text("utf-8"))

ARTICLES = [
    ExportArticle(id=11, title="Rates & {risks}: 100% of $5_000 #1 ~ ^ \\ fall", outlet="The Economist",
                  agency="AP", author="Jane Smith and John van Dyke", published="2026-02-11",
                  url="https://example.com/a?x=1&y=2", imported_at="2026-02-12T08:30:00Z", language="en",
                  dek="Central banks <b>pause</b>."),
    ExportArticle(id=12, title="Ущерб оценивается", outlet="", agency="", author="",
                  published="2025-07", url="https://example.org/ru", imported_at="2026-01-01T00:00:00Z"),
    ExportArticle(id=13, title="Wire copy", outlet="Le Monde", agency="Reuters", author="",
                  published=None, url="", imported_at="2026-03-01T10:00:00Z"),
]


def doc(articles=ARTICLES):
    return ExportDocument(title="refs", created="2026-03-02T00:00:00Z", articles=list(articles))


def test_csl_json_validates_against_the_schema(tmp_path):
    path = export(doc(), "csl-json", tmp_path / "refs.json")
    data = json.loads(path.read_text("utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert [d["id"] for d in data] == ["smith2026rates-11", "anon2025-12", "reutersndwire-13"]
    assert data[0]["title"] == ARTICLES[0].title  # literal, markup and all
    assert data[0]["abstract"] == "Central banks <b>pause</b>."
    assert data[1]["type"] == "webpage" and data[1]["issued"] == {"date-parts": [[2025, 7]]}
    # The schema rejects what it should (the test is not vacuous).
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**data[0], "outlet": "x"}], SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"id": "x", "type": "newspaper"}], SCHEMA)


def test_bibtex_parses_back_with_pybtex(tmp_path):
    path = export(doc(), "bibtex", tmp_path / "refs.bib")
    parsed = pybtex_database.parse_file(str(path), bib_format="bibtex")
    assert list(parsed.entries) == [csl["id"] for csl in csl_json(doc())]
    a = parsed.entries["smith2026rates-11"]
    assert a.type == "article"
    # Every LaTeX special is escaped (pybtex needs the braces balanced to parse it at all).
    assert a.fields["title"] == ("{Rates \\& \\{risks\\}: 100\\% of \\$5\\_000 \\#1 \\textasciitilde{} "
                                 "\\textasciicircum{} \\textbackslash{} fall}")
    assert a.fields["journaltitle"] == "The Economist" and a.fields["journal"] == "The Economist"
    assert a.fields["date"] == "2026-02-11" and a.fields["year"] == "2026" and a.fields["month"] == "February"
    assert a.fields["urldate"] == "2026-02-12"
    assert a.fields["url"] == "https://example.com/a?x=1&y=2"
    assert a.fields["organization"] == "AP"
    assert [str(p) for p in a.persons["author"]] == ["Smith, Jane", "{van Dyke}, John"]
    online = [e for e in parsed.entries.values() if e.type == "online"]
    assert len(online) == 1 and online[0].fields["title"] == "{Ущерб оценивается}"
    wire = parsed.entries["reutersndwire-13"]
    assert [str(p) for p in wire.persons["author"]] == ["{Reuters}"] and "date" not in wire.fields
    assert wire.fields["urldate"] == "2026-03-01"


def test_ris_has_one_record_per_article():
    text = ris(doc())
    records = [r for r in text.split("ER  - ") if r.strip()]
    assert len(records) == 3
    first = dict(line.split("  - ", 1) for line in records[0].strip().splitlines() if "  - " in line)
    assert first["TY"] == "NEWS" and first["T2"] == "The Economist" and first["Y2"] == "2026/02/12"
    assert first["DA"] == "2026/02/11/" and first["ID"] == "smith2026rates-11"
    assert records[0].count("AU  - ") == 2 and "AU  - van Dyke, John" in records[0]
    assert "TY  - ELEC" in records[1] and "DA  - 2025/07//" in records[1]
    assert all(line.endswith("\r") or not line for line in text.split("\n")[:-1])


def test_keys_do_not_depend_on_what_else_is_exported():
    alone = bibtex(doc(ARTICLES[2:]))
    together = bibtex(doc())
    assert "@article{reutersndwire-13," in alone and "@article{reutersndwire-13," in together


def test_export_cli_writes_bibliographic_formats(cli_json, write, tmp_path):
    from clipper_testkit import MISSILE_ARTICLE

    aid = cli_json("import", write("a.txt", MISSILE_ARTICLE))["imported"][0]["id"]
    out = cli_json("export", "--format", "bibtex", "--article", str(aid), "-o", str(tmp_path / "x.bib"))
    assert out["articles"] == 1
    parsed = pybtex_database.parse_file(str(tmp_path / "x.bib"), bib_format="bibtex")
    [entry] = parsed.entries.values()
    assert entry.fields["title"] == "{Coastal battery fires test missiles}" and "urldate" in entry.fields
    cli_json("export", "--format", "csl-json", "-o", str(tmp_path / "x.json"))
    jsonschema.validate(json.loads((tmp_path / "x.json").read_text("utf-8")), SCHEMA)
    cli_json("export", "--format", "ris", "-o", str(tmp_path / "x.ris"))
    assert io.open(tmp_path / "x.ris", encoding="utf-8").read().startswith("TY  - ")
