"""What Clipper writes and prints cannot be turned against the machine or the terminal.

- An export or a backup never replaces a device node, a FIFO or a symbolic link: it is
  refused with one line before anything is written. ``-o -`` and ``-o /dev/stdout`` stream
  the export to standard output.
- Control characters, bidi overrides and line separators in titles, outlets, tags, notes
  and file names never reach the terminal raw: they are removed before metadata is stored,
  and anything printed is escaped (a file name cannot forge a second error line).
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from reliability_testkit import ROOT, child_env
from clipper.cli import main as cli_main
from clipper.library import Library
from clipper.models import ArticleDraft

STORY = ("Harbour crews rebuilt the old sea wall over the winter, the council said on Monday.\n\n"
         "Engineers expect the second phase to start in spring.")
RAW = "\x1b[31m\x1b]0;owned\x07\x9b2J\u202etxt.exe\u2028\x85"  # CSI, OSC+BEL, C1 CSI, RLO, LS, NEL
DANGEROUS = ["\x1b", "\x07", "\x9b", "\x85", "\u202e", "\u2028"]


def _cli(library, *args, capsys):
    code = cli_main(["--library", str(library), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "lib"
    with Library.open(folder) as lib:
        lib.articles.add(ArticleDraft(title="Sea wall", text=STORY, tags=["port"]))
        lib.passages.add(1, quote="old sea wall", note="ask about the cost")
    return folder


# ------------------------------------------------------------------ export and backup targets

def _targets(tmp_path) -> dict:
    """Non-regular targets to refuse: a FIFO, a symlink to a file, a dangling symlink, and
    (as root) a character device node like /dev/null, made in tmp_path."""
    made = {}
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    made["fifo"] = fifo
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.md"
    link.symlink_to(victim)
    made["symlink"] = link
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "nowhere" / "x.md")
    made["dangling-symlink"] = dangling
    if os.geteuid() == 0:
        null = tmp_path / "null"
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        made["device"] = null
    return made


def _node(path):
    st = os.lstat(path)
    return stat.S_IFMT(st.st_mode), st.st_ino, os.readlink(path) if stat.S_ISLNK(st.st_mode) else None


@pytest.mark.parametrize("command", ["export", "backup"])
def test_non_regular_targets_are_refused_and_left_as_they_are(folder, tmp_path, capsys, command):
    targets = _targets(tmp_path)
    for kind, target in targets.items():
        before = _node(target)
        if command == "export":
            code, out, err = _cli(folder, "export", "--format", "md", "--article", 1, "-o", target, capsys=capsys)
        else:
            code, out, err = _cli(folder, "backup", target, capsys=capsys)
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1 and lines[0].startswith("clipper: error: "), (kind, err)
        assert ("symbolic link" in err) if "symlink" in kind else ("not a regular file" in err), (kind, err)
        assert _node(target) == before, kind
        assert out == ""
    assert (tmp_path / "victim.txt").read_text() == "keep me"
    assert not (tmp_path / "nowhere").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".part", ".tmp"))]


def test_dev_null_itself_is_refused(folder, capsys):
    """The real /dev/null (checked before anything is written, so it is safe to try)."""
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.lstat("/dev/null").st_mode):
        pytest.skip("no /dev/null device here")
    before = os.lstat("/dev/null")
    code, out, err = _cli(folder, "export", "--format", "csv", "--article", 1, "-o", "/dev/null", capsys=capsys)
    assert code == 1 and "not a regular file" in err
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_export_streams_to_standard_output(folder, tmp_path, target):
    run = subprocess.run([sys.executable, "-m", "clipper", "export", "--format", "json", "--article", "1",
                          "-o", target], cwd=str(ROOT), env=child_env(folder), capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert "old sea wall" in json.dumps(data)
    assert run.stderr == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib"]  # no file called "-" or stray part


def test_a_regular_file_is_still_replaced(folder, tmp_path, capsys):
    out_file = tmp_path / "out.md"
    out_file.write_text("old")
    code, out, err = _cli(folder, "export", "--format", "md", "--article", 1, "-o", out_file, capsys=capsys)
    assert code == 0, err
    assert "old sea wall" in out_file.read_text()


# ------------------------------------------------------------------ control characters in metadata

def _stored(folder):
    with Library.open(folder) as lib:
        a = lib.articles.get(1)
        p = lib.passages.for_article(1)
        notes = lib.notes.for_article(1)
        return a, p, notes


def _assert_clean(text: str):
    for ch in DANGEROUS:
        assert ch not in text, (ch, text)


def test_title_outlet_and_note_controls_are_removed_before_storing(tmp_path, capsys, write):
    src = write("story.txt", STORY)
    folder = tmp_path / "lib"
    code, out, err = _cli(folder, "import", src, "--title", f"Sea{RAW}wall", "--outlet", f"Port{RAW}Post",
                          capsys=capsys)
    assert code == 0, err
    a, _, _ = _stored(folder)
    _assert_clean(a.title + a.outlet)
    assert a.title == "Sea[31m]0;owned2Jtxt.exe wall" and a.outlet == "Port[31m]0;owned2Jtxt.exe Post"
    code, out, err = _cli(folder, "edit", 1, "--title", "Quay\x1b]8;;http://x\x07 works\u202e", capsys=capsys)
    assert code == 0, err
    assert _stored(folder)[0].title == "Quay]8;;http://x works"
    code, out, err = _cli(folder, "note", 1, f"line one{RAW}\nline two\ttabbed", capsys=capsys)
    assert code == 0, err
    note = _stored(folder)[2][-1].text
    _assert_clean(note)
    assert note == "line one[31m]0;owned2Jtxt.exe\n\n\nline two\ttabbed"  # U+2028, NEL: line breaks
    code, out, err = _cli(folder, "highlight", 1, "--quote", "second phase", "--note", "why\x1b[2J", capsys=capsys)
    assert code == 0, err
    assert _stored(folder)[1][-1].note == "why[2J"


def test_controls_in_an_imported_file_title_are_removed(tmp_path, capsys, write):
    src = write("story.txt", f"Sea\x1b[31m\u202e\x9b\u2028wall repaired\n\n{STORY}")
    code, out, err = _cli(tmp_path / "lib", "import", src, capsys=capsys)
    assert code == 0, err
    title = _stored(tmp_path / "lib")[0].title
    _assert_clean(title)
    assert title == "Sea[31m"  # the title line ends at the line separator


@pytest.mark.parametrize("name", ["report\u202etxt.exe", "esc\x1b[31m", "c1\x9b", "iso\u2066x"])
def test_tag_names_with_controls_are_refused(folder, capsys, name):
    code, out, err = _cli(folder, "tag", "add", 1, name, capsys=capsys)
    assert code == 1 and "control characters" in err
    _assert_clean(err)


def test_line_separators_in_a_tag_name_are_white_space(folder, capsys):
    code, out, err = _cli(folder, "tag", "add", 1, "north\u2028harbour\x85x", capsys=capsys)
    assert code == 0, err
    assert "north harbour x" in _stored(folder)[0].tags


def test_right_to_left_text_is_kept(tmp_path, capsys, write):
    hebrew, arabic = "חומת הים נבנתה מחדש", "\u200fأعيد بناء الجدار"
    src = write("story.txt", STORY)
    code, out, err = _cli(tmp_path / "lib", "import", src, "--title", hebrew, "--outlet", arabic,
                          "--tag", "נמל", capsys=capsys)
    assert code == 0, err
    a, _, _ = _stored(tmp_path / "lib")
    assert (a.title, a.outlet, a.tags) == (hebrew, arabic, ["נמל"])


# ------------------------------------------------------------------ what is printed

def test_a_file_name_cannot_forge_an_error_line_or_drive_the_terminal(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    evil = src / "bad\nclipper: error: forged \x1b[2J\u202e.txt"
    evil.write_bytes(b"\x00\x01\x02 binary " * 200)
    (src / "good.txt").write_text("Sea wall\n\n" + STORY)
    code, out, err = _cli(tmp_path / "lib", "import", src, capsys=capsys)
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("clipper: error:")]
    assert len(errors) == 1 and len(err.strip().splitlines()) == 1, err
    assert "\\u000aclipper: error: forged \\u001b[2J\\u202e.txt" in errors[0]
    _assert_clean(out + err)
    code, out, err = _cli(tmp_path / "lib", "import", src / "good.txt", capsys=capsys)  # a duplicate line
    assert "duplicate of 1" in out


def test_raw_controls_already_stored_are_escaped_when_printed(folder, capsys):
    """A library written before the rule (controls planted straight into the database)."""
    import sqlite3

    conn = sqlite3.connect(folder / "library.db")
    conn.execute("UPDATE articles SET title = ?, outlet = ? WHERE id = 1", [f"T{RAW}", f"O{RAW}"])
    conn.execute("UPDATE tags SET name = ? WHERE name = 'port'", [f"tag{RAW}"])
    conn.commit()
    conn.close()
    assert _cli(folder, "reindex", capsys=capsys)[0] == 0
    for command in (["list"], ["show", 1], ["tag", "list"], ["search", "harbour"]):
        code, out, err = _cli(folder, *command, capsys=capsys)
        assert code == 0, (command, err)
        _assert_clean(out + err)
        assert "\\u001b[31m" in out, (command, out)
    code, out, err = _cli(folder, "show", 1, "--json", capsys=capsys)
    _assert_clean(out)
    assert json.loads(out)["title"] == f"T{RAW}"  # JSON's own escapes: the data is intact
