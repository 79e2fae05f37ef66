"""Commands that never search start without the search engine (Whoosh) or numpy."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r'''
import sys
from clipper.cli import main
args = sys.argv[1:]
try:
    main(args)
except SystemExit:
    pass
print("LOADED", "whoosh" in sys.modules, "numpy" in sys.modules, "PySide6" in sys.modules)
'''


def _loaded(*args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=str(ROOT), env=env, capture_output=True,
                         text=True, timeout=120)
    return next(line for line in out.stdout.splitlines() if line.startswith("LOADED"))


def test_version_and_tag_list_do_not_load_whoosh_or_numpy(tmp_path):
    assert _loaded("--version") == "LOADED False False False"
    lib = str(tmp_path / "lib")
    _loaded("--library", lib, "tag", "list")  # creates the library (and its index)
    assert _loaded("--library", lib, "tag", "list") == "LOADED False False False"
    assert _loaded("--library", lib, "list") == "LOADED False False False"
    assert _loaded("--library", lib, "search", "x") == "LOADED True True False"  # searching does


def test_sqlite_utils_loaded_without_numpy_still_stores_and_numpy_imports_later(lib):
    import numpy

    aid = lib.articles.add(__import__("clipper.importers.plaintext", fromlist=["x"]).parse_text(
        "Numpy check\n\nA plain article stored after numpy was hidden from sqlite-utils.", source="n")).id
    assert lib.articles.get(aid).title == "Numpy check"
    assert numpy.arange(3).sum() == 3
