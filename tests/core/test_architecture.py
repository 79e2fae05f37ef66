"""Layering rules checked on the source with ast:

- only clipper/gui/ and clipper/export/pdf.py import PySide6 (or shiboken6);
- SQL lives in clipper/storage/ only: no string literal outside it reads like a SELECT,
  INSERT INTO, UPDATE ... SET or DELETE FROM statement (clipper/index/ included).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "clipper"
QT_ALLOWED = ("gui/", "export/pdf.py")
SQL_ALLOWED = ("storage/",)

# SQL keywords are written in capitals throughout Clipper; prose ("select the passage
# from the list") is not flagged.
SQL_PATTERNS = [
    re.compile(r"\bSELECT\b[\s\S]+?\bFROM\b"),
    re.compile(r"\bSELECT\s+(?:COUNT|\d|\*)"),
    re.compile(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b"),
    re.compile(r"\bUPDATE\s+[\"\w]+\s+SET\b"),
    re.compile(r"\bDELETE\s+FROM\b"),
    re.compile(r"\bCREATE\s+(?:TABLE|INDEX)\b"),
    re.compile(r"\bPRAGMA\s+\w+", re.I),
]


def _sources() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return out


SOURCES = _sources()


def _imported_modules(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"__import__", "import_module"}:
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def _strings(tree: ast.Module) -> list[tuple[int, str]]:
    """String literals, with f-strings joined (placeholders as '?'). Docstrings excluded."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    out = []
    inside_fstring = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside_fstring.add(id(value))
                parts.append(value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else "?")
            out.append((node.lineno, "".join(parts)))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                and id(node) not in inside_fstring):
            out.append((node.lineno, node.value))
    return out


def test_sources_found():
    names = {rel for rel, _ in SOURCES}
    assert {"library.py", "storage/db.py", "cli/__init__.py"} <= names


def test_only_gui_and_pdf_import_qt():
    offenders = []
    for rel, tree in SOURCES:
        if rel.startswith(QT_ALLOWED[0]) or rel == QT_ALLOWED[1]:
            continue
        for name in _imported_modules(tree):
            if name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}:
                offenders.append(f"{rel}: imports {name}")
    assert offenders == []


def test_storage_does_not_import_the_index():
    """SQL in storage, the search engine in index: storage builds the index's documents
    (``clipper.documents``) but never imports ``clipper.index``."""
    offenders = []
    for rel, tree in SOURCES:
        if not rel.startswith("storage/"):
            continue
        for name in _imported_modules(tree):
            if name == "clipper.index" or name.startswith("clipper.index."):
                offenders.append(f"{rel}: imports {name}")
    assert offenders == []


def test_the_index_upkeep_has_no_import_cycle():
    """``index/background`` (the child indexer) does not import ``index/searchindex``."""
    imported = {rel: set(_imported_modules(tree)) for rel, tree in SOURCES}
    assert "clipper.index.searchindex" not in imported["index/background.py"]


def test_core_does_not_import_the_gui():
    offenders = []
    for rel, tree in SOURCES:
        if rel.startswith("gui/") or rel.startswith("cli/gui_cmd"):
            continue
        for name in _imported_modules(tree):
            if name == "clipper.gui" or name.startswith("clipper.gui."):
                offenders.append(f"{rel}: imports {name}")
    assert offenders == []


def test_no_sql_outside_storage():
    offenders = []
    for rel, tree in SOURCES:
        if rel.startswith(SQL_ALLOWED):
            continue
        for lineno, text in _strings(tree):
            for pattern in SQL_PATTERNS:
                m = pattern.search(text)
                if m:
                    offenders.append(f"clipper/{rel}:{lineno}: {m.group(0)[:40]!r}")
                    break
    assert offenders == [], "SQL outside clipper/storage/:\n" + "\n".join(offenders)


@pytest.mark.parametrize("text, is_sql", [
    ("SELECT id FROM articles", True),
    ("SELECT COUNT(*) FROM tags", True),
    ("INSERT OR IGNORE INTO t VALUES (?)", True),
    ('UPDATE "passages" SET x = 1', True),
    ("DELETE FROM notes WHERE id = ?", True),
    ("PRAGMA integrity_check", True),
    ("Select the passage from the list", False),
    ("update the index, then set the marker", False),
    ("delete this tag from all passages", False),
    ("Insert into the document", False),
])
def test_sql_detector(text, is_sql):
    assert any(p.search(text) for p in SQL_PATTERNS) is is_sql
