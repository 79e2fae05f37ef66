"""The Whoosh version guard: with a Whoosh other than the one Clipper's fast paths were
checked against, Clipper takes Whoosh's own code paths (slower, never wrong), and they give
the same answers. And every use of a private Whoosh name is in one module,
``clipper/index/whoosh_internals.py`` (checked on the source with ast)."""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest

from clipper.index import engine
from clipper.index import whoosh_version as version

ROOT = Path(__file__).resolve().parents[2]

CHILD = r'''
import json, sys
from clipper.index import engine
from clipper.importers.plaintext import parse_text
from clipper.library import Library

texts = [
    "Harbour council approves sea wall\n\nThe harbour council voted to rebuild the sea wall after the winter storms. Engineers said the wall would take three summers.",
    "Ferry crews strike over pay\n\nFerry crews walked out on Monday in a dispute over pay and rosters. The harbour stayed open for fishing boats.",
    "Missile test off the coast\n\nThe navy said two missiles were fired from the coastal battery during a routine exercise near the harbour.",
    "Budget for schools passes\n\nThe city council passed the school budget after a long debate about teachers and buildings.",
]
with Library.open(sys.argv[1]) as lib:
    ids = [lib.articles.add(parse_text(t, source=str(i))).id for i, t in enumerate(texts)]
    lib.passages.add(ids[2], quote="two missiles", tags=["arms"], note="check the date")
    lib.articles.edit(ids[0], title="Harbour council approves new sea wall")
    lib.articles.delete(ids[3])
    out = {"fast": engine.FAST, "vectorised": lib.index.vectorised, "answers": {}}
    for q in ["harbour", "harbour council", '"sea wall"', "harb*", "harbor~", "tag:arms", "note:date",
              "harbour -ferry", "ferry OR missiles", "*", "council", "title:(wall OR strike)"]:
        r = lib.search(q, limit=10)
        out["answers"][q] = [r.total, sorted(h.id for h in r.hits)]
    print(json.dumps(out))
'''


# Run first in a child: the installed whoosh3 reports another release.
FAKE_VERSION = r'''
from importlib import metadata
_real_version = metadata.version
metadata.version = lambda name: "3.99.0" if name == "whoosh3" else _real_version(name)
'''


def _run(tmp_path: Path, name: str, stock: bool, fake_version: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CLIPPER_STOCK_WHOOSH", None)
    if stock:
        env["CLIPPER_STOCK_WHOOSH"] = "1"
    code = (FAKE_VERSION if fake_version else "") + CHILD
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_an_unknown_whoosh_version_takes_the_stock_paths(monkeypatch):
    monkeypatch.setattr(version, "whoosh_version", lambda: "3.99.0")
    assert not version.fast_paths_enabled()
    monkeypatch.setattr(version, "whoosh_version", lambda: version.KNOWN[0])
    assert version.fast_paths_enabled()
    monkeypatch.setenv("CLIPPER_STOCK_WHOOSH", "1")
    assert not version.fast_paths_enabled()
    assert engine.FAST is version.FAST


def test_stock_paths_give_the_same_answers(tmp_path):
    fast = _run(tmp_path, "fast", stock=False)
    stock = _run(tmp_path, "stock", stock=True)
    assert fast["fast"] and fast["vectorised"]
    assert not stock["fast"] and not stock["vectorised"]
    assert stock["answers"] == fast["answers"]
    assert fast["answers"]["harbour"][0] == 3 and fast["answers"]["tag:arms"][0] == 1
    other = _run(tmp_path, "other", stock=False, fake_version=True)  # another whoosh3 release
    assert not other["fast"] and not other["vectorised"]
    assert other["answers"] == fast["answers"]


# ---------------------------------------------------------------- private names, contained

PACKAGE = ROOT / "clipper"
ALLOWED = "index/whoosh_internals.py"  # the one module that may touch Whoosh's private names
# Whoosh modules outside its documented API (implementation details of one release).
INTERNAL_MODULES = ("whoosh.codec.whoosh3", "whoosh.codec.plaintext", "whoosh.codec.memory",
                    "whoosh.filedb.compound", "whoosh.system", "whoosh.util.numeric",
                    "whoosh.util.varints")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_whoosh(module: str) -> bool:
    return module == "whoosh" or module.startswith("whoosh.")


@lru_cache(maxsize=None)
def whoosh_private_names() -> frozenset:
    """Every private name Whoosh's own source defines or uses: attributes, functions,
    classes, module-level names."""
    import whoosh

    out = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8", errors="replace"))):
            name = (node.attr if isinstance(node, ast.Attribute)
                    else node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    else node.id if isinstance(node, ast.Name) else None)
            if name and _private(name):
                out.add(name)
    return frozenset(out)


@lru_cache(maxsize=None)
def _class_private_names(cls: type) -> frozenset:
    """The private names a Whoosh class and its Whoosh bases define: class attributes,
    methods, and attributes their methods set or read on ``self``."""
    out = set()
    for klass in cls.__mro__:
        if not _is_whoosh(klass.__module__ or ""):
            continue
        out.update(n for n in vars(klass) if _private(n))
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        out.update(node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                   and isinstance(node.value, ast.Name) and node.value.id == "self" and _private(node.attr))
    return frozenset(out)


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _whoosh_bindings(tree: ast.Module) -> dict[str, str]:
    """Local name → the Whoosh object it names, for every import of Whoosh in a file."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _is_whoosh(a.name):
                    out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _is_whoosh(node.module):
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


def _is_self(node) -> bool:
    return _dotted(node) in ("self", "cls") or (isinstance(node, ast.Call) and _dotted(node.func) == "super")


def private_whoosh_uses(sources: list[tuple[str, ast.Module]]) -> list[str]:
    """Where a Clipper module other than ``ALLOWED`` touches a private Whoosh name:

    - imports an underscore name of Whoosh, or anything from one of its internal modules;
    - in a class derived from a Whoosh class (directly or through Clipper classes): reads,
      sets or overrides a private name of its Whoosh bases (``self._x``, ``super()._x``,
      ``def _x``);
    - anywhere else: ``obj._x``, or ``getattr``/``hasattr``/``setattr``/``delattr`` with
      ``"_x"``, for a private name Whoosh's source uses (Clipper's own private attributes
      are reached through ``self``, or have names Whoosh does not use)."""
    wnames = whoosh_private_names()
    bases: dict[str, frozenset] = {}  # Clipper class derived from Whoosh → its Whoosh bases' private names
    mixins: dict[str, set] = {}  # Clipper class some of those derive from → the same
    for _ in range(3):  # classes derived from classes of other modules
        for _rel, tree in sources:
            bind = _whoosh_bindings(tree)
            for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
                names, derived = set(), False
                for base in cls.bases:
                    d = _dotted(base)
                    if d is None:
                        continue
                    root, _, rest = d.partition(".")
                    if root in bind:
                        derived = True
                        names |= _class_private_names(_resolve(bind[root] + ("." + rest if rest else "")))
                    elif d.rpartition(".")[2] in bases:
                        derived = True
                        names |= bases[d.rpartition(".")[2]]
                if derived:
                    bases[cls.name] = frozenset(names)
    # A Clipper mixin of such a class (``class M: def _btexts…``, ``class Q(M, wq.Prefix)``)
    # overrides for it: it is judged by the private names of the class's Whoosh bases.
    for _rel, tree in sources:
        bind = _whoosh_bindings(tree)
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name in bases):
            for base in cls.bases:
                d = _dotted(base)
                if d and d.partition(".")[0] not in bind:
                    mixins.setdefault(d.rpartition(".")[2], set()).update(bases[cls.name])
    out = []
    for rel, tree in sources:
        if rel == ALLOWED:
            continue
        where = f"clipper/{rel}"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _is_whoosh(node.module):
                if node.module.startswith(INTERNAL_MODULES) or any(map(_private, node.module.split("."))):
                    out.append(f"{where}:{node.lineno}: imports from Whoosh's internal {node.module}")
                out += [f"{where}:{node.lineno}: imports Whoosh's private {node.module}.{a.name}"
                        for a in node.names if _private(a.name)]
            elif isinstance(node, ast.Import):
                out += [f"{where}:{node.lineno}: imports Whoosh's internal {a.name}" for a in node.names
                        if _is_whoosh(a.name) and (a.name.startswith(INTERNAL_MODULES)
                                                   or any(map(_private, a.name.split("."))))]
            elif isinstance(node, ast.Attribute) and node.attr in wnames and not _is_self(node.value):
                out.append(f"{where}:{node.lineno}: uses Whoosh's private {ast.unparse(node)}")
            elif (isinstance(node, ast.Call) and _dotted(node.func) in ("getattr", "setattr", "hasattr", "delattr")
                  and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                  and node.args[1].value in wnames):
                out.append(f"{where}:{node.lineno}: uses Whoosh's private {node.args[1].value!r} "
                           f"via {node.func.id}")
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            private = bases.get(cls.name, frozenset()) | mixins.get(cls.name, set())
            for node in ast.walk(cls) if private else ():
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in private:
                    out.append(f"{where}:{node.lineno}: {cls.name} overrides Whoosh's private {node.name}")
                elif isinstance(node, ast.Attribute) and node.attr in private and _is_self(node.value):
                    out.append(f"{where}:{node.lineno}: {cls.name} uses Whoosh's private {node.attr}")
    return sorted(set(out))


def _package_sources() -> list[tuple[str, ast.Module]]:
    return [(p.relative_to(PACKAGE).as_posix(), ast.parse(p.read_text(encoding="utf-8"), filename=str(p)))
            for p in sorted(PACKAGE.rglob("*.py"))]


def test_only_whoosh_internals_touches_private_whoosh_names():
    uses = private_whoosh_uses(_package_sources())
    assert uses == [], (f"private Whoosh names outside {ALLOWED} (add a small named function there "
                        "and call it):\n" + "\n".join(uses))


def test_whoosh_internals_is_where_the_private_names_are():
    """The checker finds the allowed module's own uses when it is not exempted (so an
    empty report above means something)."""
    sources = [(rel.replace("whoosh_internals", "moved_elsewhere"), tree) for rel, tree in _package_sources()]
    uses = private_whoosh_uses(sources)
    assert any("moved_elsewhere.py" in u and "_read_toc" in u for u in uses)
    assert any("moved_elsewhere.py" in u and "whoosh.codec.whoosh3" in u for u in uses)
    assert any("PostingsWriterHooks overrides Whoosh's private _write_block" in u for u in uses)


@pytest.mark.parametrize("code, found", [
    ("from whoosh.codec.whoosh3 import W3TermInfo", "imports from Whoosh's internal whoosh.codec.whoosh3"),
    ("from whoosh.query.qcore import _NullQuery", "imports Whoosh's private whoosh.query.qcore._NullQuery"),
    ("import whoosh.util.numeric", "imports Whoosh's internal whoosh.util.numeric"),
    ("def f(searcher):\n    return searcher._idf_cache", "uses Whoosh's private searcher._idf_cache"),
    ("def f(ix):\n    return list(ix._segments())", "uses Whoosh's private ix._segments"),
    ("def f(r):\n    return getattr(r, '_perdoc', None)", "uses Whoosh's private '_perdoc' via getattr"),
    ("from whoosh import collectors\n\nclass Top(collectors.TopCollector):\n"
     "    def _collect(self, n, score):\n        return n",
     "Top overrides Whoosh's private _collect"),
    ("from whoosh.matching import ListMatcher\n\nclass Base(ListMatcher):\n    pass\n\n"
     "class Mine(Base):\n    def id(self):\n        return self._ids[self._i]",
     "Mine uses Whoosh's private _ids"),
    ("from whoosh.writing import SegmentWriter\n\nclass W(SegmentWriter):\n"
     "    def commit(self):\n        super()._flush_segment()", "W uses Whoosh's private _flush_segment"),
    ("from whoosh import query as wq\n\nclass Counting:\n    def _btexts(self, reader):\n        return []\n\n"
     "class CountedPrefix(Counting, wq.Prefix):\n    pass", "Counting overrides Whoosh's private _btexts"),
])
def test_the_private_name_check_finds_each_kind_of_use(code, found):
    uses = private_whoosh_uses([("index/planted.py", ast.parse(code))])
    assert any(found in u for u in uses), uses


@pytest.mark.parametrize("code", [
    "class Mine:\n    def __init__(self):\n        self._ids = []\n    def f(self):\n        return self._ids",
    "from whoosh import query as wq\n\nclass Q(wq.Query):\n    def _my_own_helper(self):\n        return 1",
    "from whoosh.matching import ListMatcher\n\ndef f(m: ListMatcher):\n    return m.id()",
])
def test_the_private_name_check_leaves_clippers_own_names(code):
    assert private_whoosh_uses([("index/planted.py", ast.parse(code))]) == []
