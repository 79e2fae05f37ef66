"""Layering rules checked on the source with ast:

- only clipper/gui/ and clipper/export/pdf.py import PySide6 (or shiboken6);
- SQL lives in clipper/storage/ only: no string literal outside it reads like a SELECT,
  INSERT INTO, UPDATE ... SET or DELETE FROM statement (clipper/index/ included);
- no import cycle between Clipper's modules, counting imports inside functions (a cycle
  hidden behind a function-local import is still a cycle).
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


def _module_name(rel: str) -> str:
    parts = ["clipper"] + rel[:-3].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(sources: list[tuple[str, ast.Module]]) -> dict[str, dict[str, int]]:
    """Module → {imported Clipper module: line of the first such import}, from every import
    statement anywhere in the file (top level, functions, ``if TYPE_CHECKING``), relative
    ones resolved, ``from pkg import sub`` counted as importing the submodule, and
    ``__import__("…")`` / ``import_module("…")`` with a literal name."""
    modules = {_module_name(rel): rel for rel, _ in sources}
    graph: dict[str, dict[str, int]] = {}
    for rel, tree in sources:
        here = _module_name(rel)
        package = here if rel.endswith("__init__.py") else here.rpartition(".")[0]
        edges: dict[str, int] = {}
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = package.split(".")
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join(pkg + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str)
                  and (getattr(node.func, "id", None) in {"__import__", "import_module"}
                       or getattr(node.func, "attr", None) == "import_module")):
                targets = [node.args[0].value]
            for name in targets:
                while name not in modules and "." in name:
                    name = name.rpartition(".")[0]
                if name in modules and name != here:
                    edges.setdefault(name, node.lineno)
        graph[here] = edges
    return graph


def import_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (a → b → … → a) for every strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan; the graph is small enough for recursion
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    cycles = []
    for group in groups:  # a shortest way back to the start, inside the group
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        while queue:
            v = queue.pop(0)
            for w in sorted(graph[v]):
                if w == start:
                    queue = []
                    cycles.append(paths[v] + [start])
                    break
                if w in group and w not in paths:
                    paths[w] = paths[v] + [w]
                    queue.append(w)
    return cycles


def _describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    return " → ".join(f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:])) + f" → {cycle[-1]}"


def test_no_import_cycles():
    graph = import_graph(SOURCES)
    cycles = import_cycles(graph)
    assert cycles == [], "import cycles (move the shared piece into a module both can import):\n" + "\n".join(
        _describe(c, graph) for c in cycles)


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function():
    """The check sees a cycle made by a function-local (and a relative) import."""
    planted = [
        ("alpha.py", ast.parse("from clipper import beta\n")),
        ("beta.py", ast.parse("def f():\n    from .gamma import g\n")),
        ("gamma.py", ast.parse("import os\n\ndef g():\n    import clipper.alpha\n")),
        ("delta.py", ast.parse("from clipper import alpha\n")),
    ]
    graph = import_graph(planted)
    assert graph["clipper.beta"] == {"clipper.gamma": 2}
    assert import_cycles(graph) == [["clipper.alpha", "clipper.beta", "clipper.gamma", "clipper.alpha"]]
    assert "clipper.beta (line 2) → clipper.gamma" in _describe(import_cycles(graph)[0], graph)
    assert import_cycles(import_graph(planted[:2] + planted[3:])) == []


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
