"""--fetch-full over an export of many entries: a Progress per page fetched, and cancel
stops at the next entry with nothing stored from that export."""
from __future__ import annotations

import pytest
from clipper_testkit import LocalServer

from clipper import importing
from clipper.importers import ImportOptions
from clipper.jobs import CancelToken, Progress

TOPICS = ["ferry", "orchard", "glacier", "railway", "vineyard"]


def _page(topic: str) -> bytes:
    return (f"<html><head><title>News about the {topic}</title></head><body><article>"
            f"<h1>News about the {topic}</h1><p>Local officials described the {topic} plans "
            f"at a meeting on Thursday evening in the town hall.</p><p>Residents asked how "
            f"the {topic} work would change daily life over the coming months.</p>"
            f"</article></body></html>").encode()


@pytest.fixture
def export(tmp_path):
    with LocalServer() as server:
        rows = ["URL,Title,Selection,Folder,Timestamp"]
        for topic in TOPICS:
            server.body(f"/{topic}", _page(topic))
            rows.append(f"{server.url('/' + topic)},News about the {topic},,Unread,1700000000")
        path = tmp_path / "instapaper.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        yield path, server


def test_each_fetched_page_is_reported(export, lib):
    path, server = export
    job = importing.import_sources(lib, [str(path)], options=ImportOptions(fetch_full=True, allow_private=True))
    labels = []
    try:
        while True:
            p = next(job)
            assert isinstance(p, Progress)
            labels.append(p.label)
    except StopIteration as stop:
        report = stop.value
    fetching = [label for label in labels if "fetching page" in label]
    assert len(fetching) == len(TOPICS)
    assert "fetching page 3:" in fetching[2] and fetching[2].endswith("/glacier")
    assert len(report.imported) == len(TOPICS)
    assert lib.search("vineyard").total == 1


def test_cancel_between_page_fetches_stops_and_stores_nothing(export, lib):
    path, server = export
    token = CancelToken()
    job = importing.import_sources(lib, [str(path)], options=ImportOptions(fetch_full=True, allow_private=True),
                                   cancel=token)
    try:
        while True:
            p = next(job)
            if "fetching page 2" in p.label:
                token.cancel()
    except StopIteration as stop:
        report = stop.value
    assert report.cancelled
    assert report.imported == [] and report.failed == []
    assert sum(server.hits.values()) == 1  # cancelled as page 2 was announced: never requested
    assert lib.search("*").total == 0
