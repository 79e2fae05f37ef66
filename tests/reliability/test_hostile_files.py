"""Hostile files: binaries in disguise, NUL bytes, a 2 GB sparse file, pathological HTML,
legacy encodings. Each ends in a clear InputError or a correct article, in bounded time."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from reliability_testkit import ROOT, child_env, run_clipper
from clipper.errors import ClipperError, InputError
from clipper.importers import ImportOptions, load_source_items

STORY = ("Harbour council approves the sea wall plan\n\n"
         "The council voted on Tuesday to rebuild the old sea wall before the winter storms arrive.\n\n"
         "Engineers said the work would take three summers and cost more than first planned.\n")

PNG = b"\x89PNG\r\n\x1a\n" + zlib.compress(os.urandom(3000))
ELF = b"\x7fELF\x02\x01\x01" + bytes(9) + os.urandom(4000)
ZIP = b"PK\x03\x04" + os.urandom(4000)


def _single_error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        items = load_source_items(str(path), ImportOptions())
        errors = [i for i in items if isinstance(i, InputError)]
        assert errors and len(errors) == len(items), items
        raise errors[0]
    message = str(info.value)
    assert "\n" not in message and str(path.name) in message
    return message


@pytest.mark.parametrize("suffix", [".txt", ".html", ".xml", ".md", ""])
@pytest.mark.parametrize("payload", [PNG, ELF, ZIP], ids=["png", "elf", "zip"])
def test_binary_renamed_is_refused(tmp_path, suffix, payload):
    path = tmp_path / f"photo{suffix}"
    path.write_bytes(payload)
    _single_error(path)


def test_nul_bytes_in_text(tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes(STORY.encode().replace(b" the ", b" \x00the\x00 "))
    try:
        items = load_source_items(str(path), ImportOptions())
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    for item in items:
        assert "\x00" not in getattr(item, "text", "")


def test_text_made_of_nul_bytes_is_refused(tmp_path):
    path = tmp_path / "zeros.txt"
    path.write_bytes(bytes(50_000))
    _single_error(path)


def test_sparse_2gb_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024 ** 3)
    real_open = Path.open

    def guarded(self, *a, **k):
        assert Path(self) != path, "the file was opened before its size was checked"
        return real_open(self, *a, **k)

    monkeypatch.setattr(Path, "open", guarded)
    message = _single_error(path)
    assert "limit" in message
    result = run_clipper(["import", str(path)], tmp_path / "lib", timeout=60)
    assert result.returncode == 1
    assert "limit" in result.stderr and result.stderr.count("\n") == 1


PARSE_CHILD = textwrap.dedent('''
    import json, resource, sys, time
    from clipper.errors import ClipperError
    from clipper.importers import ImportOptions, load_source_items
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        items = load_source_items(sys.argv[1], ImportOptions())
        outcome = [len(i.text) if hasattr(i, "text") else "error: " + str(i) for i in items]
    except ClipperError as exc:
        outcome = ["error: " + str(exc)]
    print(json.dumps({"seconds": time.monotonic() - started, "outcome": outcome,
                      "rss_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
''')


def _parse_in_child(path: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", PARSE_CHILD, str(path)], cwd=str(ROOT), env=child_env(path.parent),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.mark.slow
def test_100k_nested_elements_in_bounded_time_and_memory(tmp_path):
    path = tmp_path / "nested.html"
    path.write_text("<html><body><p>The harbour council met on Tuesday to approve the sea wall plan.</p>"
                    + "<div>" * 100_000 + "deep inside" + "</div>" * 100_000 + "</body></html>")
    report = _parse_in_child(path)
    assert report["seconds"] < 20
    assert report["rss_growth_mb"] < 600
    assert report["outcome"]


@pytest.mark.slow
def test_20_mb_on_one_line_in_bounded_time_and_memory(tmp_path):
    path = tmp_path / "oneline.html"
    body = "The harbour wall story continues with more words. " * 408_000  # just under the 20 MB cap
    path.write_text("<html><body><p>" + body + "</p></body></html>")
    assert 19 * 1024 ** 2 < path.stat().st_size < 20 * 1024 ** 2
    report = _parse_in_child(path)
    assert report["seconds"] < 20
    assert report["rss_growth_mb"] < 1000
    assert report["outcome"]


@pytest.mark.slow
def test_20_mb_of_plain_text_on_one_line(tmp_path):
    path = tmp_path / "oneline.txt"
    path.write_text("Harbour\n\n" + "The harbour wall story continues with more words. " * 390_000)
    report = _parse_in_child(path)
    assert report["seconds"] < 20
    assert report["rss_growth_mb"] < 1000


@pytest.mark.parametrize("encoding, text, more", [
    ("cp1252", "Café owners say the “new” sea wall costs €3m — too much, they argue, for the town’s budget.",
     "Engineers at the façade workshop said the naïve estimate ignored the winter storms entirely."),
    ("shift_jis", "港町の議会は火曜日、古い防波堤を冬の嵐の前に再建する計画を承認した。技術者によると工事は三年かかる。",
     "商店主の多くは足場が観光客を遠ざけると心配したが、洪水の危険の方が大きいと話した。"),
    ("utf-16", "Ψηφοφόροι στο λιμάνι ενέκριναν το σχέδιο για το παλιό τείχος πριν από τις χειμερινές καταιγίδες.",
     "Οι μηχανικοί είπαν ότι οι εργασίες θα διαρκέσουν τρία καλοκαίρια και θα κοστίσουν περισσότερο."),
])
def test_legacy_encodings_are_stored_correctly(tmp_path, encoding, text, more):
    path = tmp_path / f"story-{encoding}.txt"
    body = text + "\n\n" + more + "\n"
    path.write_bytes(("Headline\n\n" + body).encode(encoding))  # Python's utf-16 codec writes a BOM
    result = run_clipper(["import", str(path), "--json"], tmp_path / "lib")
    assert result.returncode == 0, result.stderr
    aid = json.loads(result.stdout)["imported"][0]["id"]
    shown = json.loads(run_clipper(["show", str(aid), "--json"], tmp_path / "lib").stdout)
    assert text in shown["text"]


def test_unreadable_and_odd_paths_are_clear(tmp_path):
    folder = tmp_path / "a-folder.txt"
    folder.mkdir()
    with pytest.raises(ClipperError):
        load_source_items(str(folder), ImportOptions())
    with pytest.raises(InputError, match="no such file"):
        load_source_items(str(tmp_path / "missing.txt"), ImportOptions())
