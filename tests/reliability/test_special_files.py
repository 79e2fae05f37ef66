"""Files that are not plain files, and file names that are not UTF-8 (issue 14, items 6-7).

A named pipe waits forever for a writer once opened, so an import must refuse pipes,
sockets and devices before opening them; a name holding bytes that are not UTF-8 must not
stop a folder import, and must be printed (and put in JSON) with visible escapes.
"""
from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest

from reliability_testkit import run_clipper
from clipper.errors import InputError
from clipper.importers import read_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file kinds and byte names")


def _story(folder: Path, name: str | bytes, word: str) -> None:
    data = (f"Ferry timetable story {word}\n\nThe harbour board said the {word} ferry would keep "
            f"its winter timetable until the new pier opens in the spring.\n").encode()
    path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else name.encode())
    with open(path, "wb") as fh:
        fh.write(data)


def test_fifo_socket_in_folder_are_skipped_with_a_reason(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _story(folder, "a.txt", "alderwick")
    os.mkfifo(folder / "b-pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "c-sock.html"))
    _story(folder, "d.txt", "dunmarrow")
    try:
        # Before the fix the import opened the pipe and waited for a writer forever.
        result = run_clipper(["import", "--json", str(folder)], tmp_path / "lib", timeout=60)
    finally:
        sock.close()
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [e["title"] for e in data["imported"]] == ["Ferry timetable story alderwick",
                                                       "Ferry timetable story dunmarrow"]
    errors = {Path(e["source"]).name: e["error"] for e in data["failed"]}
    assert set(errors) == {"b-pipe.txt", "c-sock.html"}
    assert "named pipe" in errors["b-pipe.txt"] and "socket" in errors["c-sock.html"]
    assert all("\n" not in e for e in errors.values())


def test_fifo_and_device_named_directly(tmp_path):
    pipe = tmp_path / "news.txt"
    os.mkfifo(pipe)
    result = run_clipper(["import", str(pipe), "/dev/zero"], tmp_path / "lib", timeout=60)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert "named pipe" in lines[0] and "/dev/zero: is a device" in lines[1]
    # edit --text-file reads through the same door
    _story(tmp_path, "a.txt", "brackenholt")
    assert run_clipper(["import", str(tmp_path / "a.txt")], tmp_path / "lib", timeout=60).returncode == 0
    result = run_clipper(["edit", "1", "--text-file", str(pipe)], tmp_path / "lib", timeout=60)
    assert result.returncode == 1 and "named pipe" in result.stderr


def test_a_pipe_swapped_in_after_the_check_is_not_waited_on(tmp_path, monkeypatch):
    """The race: the name is a regular file when stat() looks, a pipe when it is opened."""
    pipe = tmp_path / "late.txt"
    os.mkfifo(pipe)
    regular = os.stat(__file__)
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: regular if Path(p) == pipe else real_stat(p, *a, **k))
    with pytest.raises(InputError, match="named pipe"):
        read_file(pipe, 1 << 20)  # blocking open() would wait here for a writer


def test_names_with_invalid_utf8_do_not_stop_a_folder_import(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _story(folder, b"a.txt", "alderwick")
    _story(folder, b"b-\xff\xfe.txt", "bellhaven")
    _story(folder, b"c-caf\xe9.txt", "cindermoor")
    _story(folder, b"d.txt", "dunmarrow")
    result = run_clipper(["import", "--json", str(folder)], tmp_path / "lib", timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # before: "unexpected UnicodeEncodeError", nothing reported
    names = [Path(e["source"]).name for e in data["imported"]]
    assert names == ["a.txt", "b-\\xff\\xfe.txt", "c-caf\\xe9.txt", "d.txt"]
    assert not data["failed"]
    # plain output: every file reported, escapes visible
    result = run_clipper(["import", str(folder)], tmp_path / "lib2", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("imported ") == 4
    # a failure of such a file names it with the escapes too
    _story(folder, b"e-\xff.txt", "")
    (folder / os.fsdecode(b"e-\xff.txt")).write_bytes(b"\x00" * 100)
    result = run_clipper(["import", "--json", str(folder)], tmp_path / "lib", timeout=120)
    data = json.loads(result.stdout)
    assert [Path(e["source"]).name for e in data["failed"]] == ["e-\\xff.txt"]
    assert len(data["duplicates"]) == 4
