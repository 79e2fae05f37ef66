"""The Whoosh version guard: with a Whoosh other than the one Clipper's fast paths were
checked against, Clipper takes Whoosh's own code paths (slower, never wrong), and they give
the same answers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from clipper.index import engine

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


def _run(tmp_path: Path, name: str, stock: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CLIPPER_STOCK_WHOOSH", None)
    if stock:
        env["CLIPPER_STOCK_WHOOSH"] = "1"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / name)], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_an_unknown_whoosh_version_takes_the_stock_paths(monkeypatch):
    monkeypatch.setattr(engine, "whoosh_version", lambda: "3.99.0")
    assert not engine.fast_paths_enabled()
    monkeypatch.setattr(engine, "whoosh_version", lambda: engine.KNOWN[0])
    assert engine.fast_paths_enabled()
    monkeypatch.setenv("CLIPPER_STOCK_WHOOSH", "1")
    assert not engine.fast_paths_enabled()


def test_stock_paths_give_the_same_answers(tmp_path):
    fast = _run(tmp_path, "fast", stock=False)
    stock = _run(tmp_path, "stock", stock=True)
    assert fast["fast"] and fast["vectorised"]
    assert not stock["fast"] and not stock["vectorised"]
    assert stock["answers"] == fast["answers"]
    assert fast["answers"]["harbour"][0] == 3 and fast["answers"]["tag:arms"][0] == 1
