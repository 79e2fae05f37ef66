"""check / repair / reindex: the index is derived from the database and can always be
brought back in line with it."""
from __future__ import annotations

import json

import pytest

from clipper_testkit import BUDGET_ARTICLE, FESTIVAL_ARTICLE, MISSILE_ARTICLE
from clipper import maintenance
from clipper.importers.plaintext import parse_text
from clipper.jobs import CancelToken, run_job
from clipper.library import Library
from clipper.storage import changelog


@pytest.fixture
def three(lib):
    ids = [lib.articles.add(parse_text(t, source=str(i))).id
           for i, t in enumerate((MISSILE_ARTICLE, BUDGET_ARTICLE, FESTIVAL_ARTICLE))]
    pid = lib.passages.add(ids[0], quote="two missiles", tags=["arms"]).id
    assert lib.wait_for_index()  # the index holds all three before a test breaks it
    return lib, ids, pid


@pytest.fixture
def index_down():
    """While active, every index update fails (as on a full disk)."""
    from clipper.index import SearchIndex

    mp = pytest.MonkeyPatch()

    def boom(self, **kwargs):
        raise OSError("no space left for the index")

    mp.setattr(SearchIndex, "update", boom)
    yield mp
    mp.undo()


def test_fresh_library_checks_ok(three):
    lib, ids, pid = three
    report = maintenance.check(lib)
    assert report["ok"] is True
    assert report["database"] == {"ok": True, "problems": []}
    assert (report["articles"], report["passages"]) == (3, 1)
    assert report["index"]["ok"] is True


def test_empty_library_checks_ok(run_cli):
    code, out, err = run_cli("check", "--json")
    assert code == 0, err
    assert json.loads(out)["ok"] is True


def test_drift_kinds_are_reported_and_repaired(three, index_down):
    lib, ids, pid = three
    lib.articles.edit(ids[1], title="Council budget passes")  # stale article (and no passages)
    lib.articles.delete(ids[2])  # extra article in the index
    new = lib.passages.add(ids[0], quote="routine exercise").id  # missing passage
    lib.passages.update(pid, note="compare with June")  # stale passage + stale article
    lib.close()  # its index lane stops without having applied any of that
    lib = Library.open(lib.folder, repair_index=False)
    index_down.undo()
    d = maintenance.drift(lib)
    assert d.stale_articles == sorted([ids[0], ids[1]])
    assert d.extra_articles == [ids[2]]
    assert d.missing_passages == [new]
    assert d.stale_passages == [pid]
    assert d.missing_articles == [] and d.extra_passages == []
    report = maintenance.check(lib)
    assert report["ok"] is False and report["index"]["ok"] is False
    report = maintenance.check(lib, repair=True)
    assert report["index"]["repaired"] is True and report["index"]["ok_after_repair"] is True
    assert report["ok"] is True
    assert maintenance.drift(lib).total == 0
    assert lib.search("note:june", passages=True).total == 1
    assert lib.search("tag:arms", passages=True).total == 1
    assert lib.search("title:council passes").total == 1
    assert lib.search("lantern").total == 0


def test_cli_reindex_rebuilds_from_the_database(run_cli, cli_json, write, lib_dir):
    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    cli_json("highlight", 1, "--quote", "two missiles")
    import shutil

    shutil.rmtree(lib_dir / "index")
    code, out, err = run_cli("reindex", "--json")
    assert code == 0, err
    assert json.loads(out) == {"articles": 1, "passages": 1}
    assert cli_json("check")["index"]["ok"] is True
    assert cli_json("search", "missiles")["total"] == 1
    code, out, _ = run_cli("reindex")
    assert "reindexed 1 articles and 1 passages" in out


def test_check_text_output(run_cli, cli_json, write, index_down):
    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    index_down.undo()
    code, out, _ = run_cli("check")
    assert code == 1
    assert "database: ok" in out and "drift" in out and "check --repair" in out
    code, out, _ = run_cli("check", "--repair")
    assert code == 0 and "repaired" in out


def test_repair_on_open_replays_the_log(lib_dir, index_down):
    with Library.open(lib_dir) as lib:
        lib.articles.add(parse_text(MISSILE_ARTICLE, source="m"))
        assert lib.index.applied_seq < changelog.max_seq(lib.db)  # the index missed it
    index_down.undo()
    with Library.open(lib_dir, repair_index=False) as lib:
        assert lib.index_needs_repair()
        assert lib.index.search("missiles").total == 0  # not repaired yet
        result = lib.repair_index()
        assert result == {"repaired": 1}
        assert not lib.index_needs_repair()
        assert lib.search("missiles").total == 1


def test_reindex_job_reports_progress(three):
    lib, ids, pid = three
    seen = []
    result = run_job(maintenance.reindex(lib), seen.append)
    assert result == {"articles": 3, "passages": 1}
    assert seen and seen[0].done == 0 and seen[0].total == 4
    assert maintenance.drift(lib).total == 0


def test_cancelled_reindex_keeps_the_old_index(three):
    lib, ids, pid = three
    token = CancelToken()
    token.cancel()
    from clipper.errors import Cancelled

    try:
        run_job(maintenance.reindex(lib, cancel=token))
    except Cancelled:
        pass
    assert lib.search("missiles").total == 1
    assert maintenance.drift(lib).total == 0


def test_damaged_database_is_reported(lib_dir, run_cli):
    """A damaged page inside a real library: check reports it (or the open refuses it), never a traceback."""
    with Library.open(lib_dir) as lib:
        for i in range(40):
            lib.articles.add(parse_text(f"Story number {i}\n\n" + (f"Filler words for story {i}. " * 200),
                                        source=str(i)))
        lib.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray((lib_dir / "library.db").read_bytes())
    page = 4096
    for offset in range(page * 5, min(len(raw), page * 9)):
        raw[offset] = 0x5A
    (lib_dir / "library.db").write_bytes(bytes(raw))
    code, out, err = run_cli("check", "--json")
    assert "Traceback" not in err
    if code == 3:
        assert err.startswith("clipper: error: ")
    else:
        assert code == 1
        assert json.loads(out)["database"]["ok"] is False
