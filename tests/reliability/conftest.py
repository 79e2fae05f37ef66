"""Helpers for the crash, fault and hostile-input tests.

- ``corpus(folder, n, seed)``: n small made-up articles as .txt files; returns
  {expected clean text: unique search word}.
- ``clipper_proc(args, library)``: starts ``python -m clipper ...`` as a child process.
- ``db_snapshot(db_path)``: every row of every table (read-only), to compare before/after.
- ``check_articles(db_path, expected, tag)``: nothing half-stored, no duplicates.
"""
from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# "from conftest import" is ambiguous across test folders; tests import these helpers as reliability_testkit.
sys.modules["reliability_testkit"] = sys.modules[__name__]

ROOT = Path(__file__).resolve().parents[2]

WORDS = ("harbour council river bridge market ferry school budget mayor engineers storm wall "
         "voters plan winter summer crews repair scheme figures residents shop owners visitors "
         "scaffolding flood barrier town vote railway station platform tunnel museum library "
         "farmers harvest orchard festival lantern parade volunteers teachers nurses hospital").split()
LETTERS = "bcdfghjklmnpqrstvwxz"


def unique_word(n: int) -> str:
    """A made-up word, distinct for every n, that the analyzer keeps whole."""
    digits = []
    while True:
        n, r = divmod(n, len(LETTERS))
        digits.append(LETTERS[r])
        if not n:
            break
    return "quor" + "a".join(digits) + "ix"


def corpus(folder: Path, n: int, seed: int = 7, start: int = 0) -> dict[str, str]:
    from clipper.importers.plaintext import parse_bytes

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}
    for i in range(start, start + n):
        word = unique_word(i)
        paras = []
        for _ in range(3):
            sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(14, 22)))
            paras.append(sentence.capitalize() + f" and {word} said so on day {rng.randint(1, 28)}.")
        title = f"{rng.choice(WORDS).capitalize()} story {word}"
        data = (title + "\n\n" + "\n\n".join(paras) + "\n").encode()
        (folder / f"story-{i:04d}.txt").write_bytes(data)
        expected[parse_bytes(data, "x").text] = word
    return expected


def child_env(library: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["CLIPPER_LIBRARY"] = str(library)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def clipper_proc(args: list[str], library: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "clipper", *args], cwd=str(ROOT), env=child_env(library),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def run_clipper(args: list[str], library: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clipper", *args], cwd=str(ROOT), env=child_env(library),
                          capture_output=True, text=True, timeout=timeout)


def ro(db_path: Path) -> sqlite3.Connection:
    # Not mode=ro: a crashed writer may have left a -wal that must be recovered to be read.
    return sqlite3.connect(str(db_path))


def integrity(db_path: Path) -> list[str]:
    conn = ro(db_path)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")] + [
            f"fk {r}" for r in conn.execute("PRAGMA foreign_key_check")]
    finally:
        conn.close()


def db_snapshot(db_path: Path) -> dict[str, list]:
    conn = ro(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        snap = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
        snap["user_version"] = conn.execute("PRAGMA user_version").fetchall()
        return snap
    finally:
        conn.close()


def check_articles(db_path: Path, expected: dict[str, str], tag: str | None) -> list[int]:
    """Every stored article is one of the sources, complete, once. Returns the article ids."""
    assert integrity(db_path) == ["ok"]
    conn = ro(db_path)
    try:
        rows = conn.execute("SELECT id, text, content_hash FROM articles").fetchall()
        tags = {}
        for aid, name in conn.execute(
                "SELECT at.article_id, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id"):
            tags.setdefault(aid, set()).add(name)
    finally:
        conn.close()
    texts = [r[1] for r in rows]
    assert len(texts) == len(set(texts)), "an article was stored twice"
    for aid, text, _ in rows:
        assert text in expected, f"article {aid} holds text that matches no source (half-stored?)"
        if tag:
            assert tag in tags.get(aid, set()), f"article {aid} lost its tag"
    return [r[0] for r in rows]


def assert_searchable(library: Path, expected: dict[str, str], ids: list[int]) -> None:
    """After check --repair: the index matches the database and each article is found by its word."""
    from clipper import maintenance
    from clipper.library import Library

    lib = Library.open(library, create=False)
    try:
        report = maintenance.check(lib, repair=True)
        assert report["ok"], report
        assert maintenance.drift(lib).total == 0
        for aid in ids:
            word = expected[lib.articles.get(aid).text]
            hits = [h.id for h in lib.search(word).hits]
            assert hits == [aid], (word, hits)
    finally:
        lib.close()


@pytest.fixture
def library(tmp_path) -> Path:
    return tmp_path / "lib"
