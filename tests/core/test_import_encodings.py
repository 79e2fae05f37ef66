"""Encodings: declared charsets with stray bytes, undeclared legacy feeds, UTF-16/32
without a BOM, and the mojibake check (repaired, or reported: never stored silently)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from clipper import importing
from clipper.errors import InputError
from clipper.importers import load_source_items
from clipper.jobs import run_job
from clipper.text.encoding import decode, is_binary, is_mojibake, repair_mojibake

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "import" / "encodings"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
LEGACY_FEEDS = sorted(name for name in EXPECTED if name.startswith("feed-"))

POLISH = "Policja bada serię ataków na rowerzystów w Krakowie, a świadkowie mówią o dwóch sprawcach."


def test_fixtures_declare_no_encoding_and_are_not_utf8():
    for name in LEGACY_FEEDS:
        data = (HERE / name).read_bytes()
        assert b"encoding=" not in data and b"charset" not in data and not data.startswith(b"<?xml")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")


@pytest.mark.parametrize("name", LEGACY_FEEDS)
def test_undeclared_legacy_feed_is_decoded_right(name):
    [draft] = load_source_items(str(HERE / name))
    assert draft.title == EXPECTED[name]["title"]
    assert draft.text == EXPECTED[name]["text"]
    assert not is_mojibake(draft.text)
    assert "encoding_warning" not in draft.extra


def test_utf8_page_with_one_bad_byte_stays_utf8():
    name = "page-utf8-one-bad-byte.html"
    [draft] = load_source_items(str(HERE / name))
    assert draft.title == EXPECTED[name]["title"]
    first = draft.text.split("\n\n")[0]
    assert first == EXPECTED[name]["text"]  # only the stray byte became U+FFFD
    assert draft.text.count("\ufffd") == 1 and "Ã" not in draft.text
    assert "encoding_warning" not in draft.extra


@pytest.mark.parametrize("declared", ["utf-8", "UTF8", None])
def test_declared_or_not_a_stray_byte_only_replaces_itself(declared):
    data = POLISH.encode("utf-8")
    cut = data.index(b"Krakowie")
    found = decode(data[:cut] + b"\x81" + data[cut:], declared=declared)
    assert found.encoding == "utf-8" and found.replaced == 1
    assert found.text == POLISH[: POLISH.index("Krakowie")] + "\ufffd" + POLISH[POLISH.index("Krakowie"):]


def test_a_wrong_declaration_loses_to_the_bytes():
    # declared UTF-8, really windows-1250: nearly every non-ASCII byte is invalid UTF-8
    found = decode(POLISH.encode("cp1250"), declared="utf-8")
    assert found.text == POLISH and found.how == "detected"
    # declared latin-1 (a stale header), really UTF-8: latin-1 would give "atakÃ³w"
    found = decode(POLISH.encode("utf-8"), declared="iso-8859-1")
    assert found.text == POLISH and found.encoding == "utf-8"


def test_web_labels_are_read_as_browsers_do():
    # "iso-8859-1" is windows-1252 on the web: 0x93/0x94 are curly quotes, not controls
    assert decode(b"\x93Fine\x94, she said.", declared="iso-8859-1").text == "\u201cFine\u201d, she said."
    assert decode("바다".encode("cp949"), declared="euc-kr").text == "바다"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_bom_are_text_not_binary(codec, tmp_path):
    page = ("<html><head><title>Ferry strike ends</title></head><body><article><h1>Ferry strike ends</h1>"
            "<p>The ferry strike ended on Tuesday after eleven hours of talks between crews and the port.</p>"
            "<p>Crews return to work tomorrow morning, and the first boat leaves at six.</p></article></body></html>")
    data = page.encode(codec)
    assert not is_binary(data)
    path = tmp_path / "page.html"
    path.write_bytes(data)
    [draft] = load_source_items(str(path))
    assert draft.title == "Ferry strike ends" and "eleven hours of talks" in draft.text
    # and from a file with no telling suffix (sniffed), as plain text
    plain = tmp_path / "note"
    plain.write_bytes("Ferry strike ends\n\nThe strike ended on Tuesday after long talks with the crews.".encode(codec))
    [draft] = load_source_items(str(plain))
    assert draft.title == "Ferry strike ends"


def test_utf16_cjk_without_any_ascii_is_detected():
    text = "市議会は火曜日、古い橋を建て替える計画を承認した。工事は来年の春に始まる。"
    assert decode(text.encode("utf-16-le")).text == text


def test_real_binary_is_still_refused(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="binary"):
        load_source_items(str(path))


def test_mojibake_in_the_source_is_repaired(tmp_path):
    # the page itself holds UTF-8 that was once read as windows-1252 ("atakÃ³w")
    garbled = POLISH.encode("utf-8").decode("cp1252")
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><meta charset='utf-8'><title>Rowerzyści</title></head><body><article>"
                    f"<h1>Rowerzyści</h1><p>{garbled}</p><p>{garbled}</p></article></body></html>", encoding="utf-8")
    [draft] = load_source_items(str(page))
    assert draft.text.split("\n\n")[0] == POLISH
    assert "encoding_warning" not in draft.extra


def test_text_that_stays_garbled_is_reported_not_stored_silently(tmp_path, lib):
    # Japanese read as windows-1252 and saved as UTF-8: ftfy cannot undo that
    japanese = "市議会は火曜日、古い橋を建て替える計画を承認した。工事は来年の春に始まり、二年かかる見込みだ。"
    garbled = japanese.encode("shift_jis").decode("cp1252", errors="replace")
    assert repair_mojibake(garbled)[2]  # still garbled
    path = tmp_path / "garbled.txt"
    path.write_text(f"Harbour bridge\n\n{garbled}\n\n{garbled} {garbled}", encoding="utf-8")
    report = run_job(importing.import_sources(lib, [str(path)]))
    assert len(report.imported) == 1
    [warning] = report.warnings
    assert warning["id"] == report.imported[0]["id"] and "mojibake" in warning["warning"]
    assert report.to_dict()["warnings"] == report.warnings
    stored = lib.articles.get(report.imported[0]["id"])
    assert stored is not None


def test_clean_text_is_left_alone():
    for text in ("Café “quoted” — fine", "naïve résumé", "Größe", "x ± y ≤ z", "€100", POLISH):
        assert repair_mojibake(text) == (text, False, False)


def test_mojibake_check_is_cheap_on_huge_ascii_text():
    import time

    text = "The harbour wall story continues with more words. " * 200_000
    start = time.perf_counter()
    assert not is_mojibake(text)
    assert time.perf_counter() - start < 1.0


def test_the_cli_says_so_on_stderr_and_in_json(run_cli, cli_json, write):
    japanese = "市議会は火曜日、古い橋を建て替える計画を承認した。工事は来年の春に始まり、二年かかる見込みだ。"
    garbled = japanese.encode("shift_jis").decode("cp1252", errors="replace")
    path = write("garbled.txt", f"Harbour bridge\n\n{garbled}\n\n{garbled} {garbled}")
    report = cli_json("import", path)
    [warning] = report["warnings"]
    assert warning["id"] == report["imported"][0]["id"] and "mojibake" in warning["warning"]
    other = write("garbled2.txt", f"Second bridge\n\n{garbled}\n\nA second, different paragraph here.")
    code, out, err = run_cli("import", other)
    assert code == 0 and "clipper: warning:" in err and "mojibake" in err


def test_binary_with_nul_bytes_is_never_taken_for_utf16():
    assert is_binary(b"\x00\x01\x02 binary " * 200)
    assert is_binary(bytes(range(256)) * 16)


def test_a_stray_control_character_is_not_mojibake():
    assert repair_mojibake("Sea\x9bwall repaired") == ("Sea\x9bwall repaired", False, False)
