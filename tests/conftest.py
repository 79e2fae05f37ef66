"""Shared fixtures for the core and CLI tests.

- ``lib_dir``: a fresh library folder path in tmp_path (not created yet).
- ``lib``: a real ``Library`` opened on ``lib_dir`` (closed at teardown).
- ``run_cli(*args, input=None)``: runs ``clipper.cli.main`` in-process with the library set
  through ``$CLIPPER_LIBRARY``; returns ``(code, out, err)``.
- ``cli_json(*args)``: like run_cli with ``--json``; asserts success, returns parsed JSON.
- ``write``: write a text fixture file below tmp_path and return its path as str.
- ``LocalServer``: a web server on 127.0.0.1 for tests that fetch (never the internet).

Test modules import the texts and helpers with ``from clipper_testkit import ...``.

The article texts below are made up for these tests.
"""
from __future__ import annotations

import gc
import io
import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the package is not installed in the venv
    sys.path.insert(0, str(ROOT))

# Other test folders have their own conftest.py, so "import conftest" is ambiguous when the
# whole suite runs; test modules import the helpers below as ``clipper_testkit``.
sys.modules["clipper_testkit"] = sys.modules[__name__]


def pytest_collection_finish(session):
    """Freeze what collecting ~1,600 tests built (~450,000 objects): every full garbage
    collection walked them again, 300-500 ms each, wherever it fell (inside a timed write, a
    search's deadline or a UI stall probe)."""
    gc.collect()
    gc.freeze()


# --------------------------------------------------------------------------- article texts

# A "pasted from a browser" article: newsletter prompt, standfirst repeated as caption and
# lead, a photo credit, a dateline with a dash and a wire credit glued to the end.
PASTED_ARTICLE = """Harbour town votes to rebuild old sea wall

Subscribe to our morning briefing and get the top stories in your inbox every day

Residents backed a costly plan to restore the crumbling barrier after two winters of flooding.

Residents backed a costly plan to restore the crumbling barrier after two winters of flooding.

Photo: AFP/Getty Images

PORTMERRY, Wales — Voters in the small fishing town approved the repair scheme by a wide margin on Sunday, according to figures released by the council.

Engineers expect the work to take three summers, and the harbour will stay open while crews replace the worst sections first.

Some shop owners worried that the scaffolding would keep visitors away, but most said the risk of another flood was worse. – AFP
"""

MISSILE_ARTICLE = """Coastal battery fires test missiles

The navy said on Monday that two missiles were launched from the coastal battery during a routine exercise.

Officials said the mayor of the city had been told in advance and that no ships were in the area.

A spokesperson added that further tests would follow later in the spring.
"""

BUDGET_ARTICLE = """City council approves school budget

The council voted to spend more on school buildings and less on new roads this year.

The mayor praised the decision, saying classrooms had waited long enough for repairs.

Opposition members argued that the road plan had been cut too deeply.
"""

FESTIVAL_ARTICLE = """Lantern festival returns after long pause

Thousands of visitors filled the old quarter as the lantern festival came back on Saturday.

Street vendors sold sweets and paper boats while musicians played late into the night.

Organisers thanked volunteers who cleaned the river banks before the parade.
"""

# One quote ("the bridge") occurs twice; an emoji sits before the last paragraph.
REPEAT_ARTICLE = """Ferry service resumes on the river

Workers repaired the bridge over the weekend and the ferry started running again.

Commuters said the bridge had been closed for too long and that the ferry was crowded.

🚢 Night crossings will start next month, the operator said.
"""

ALL_ARTICLES = [MISSILE_ARTICLE, BUDGET_ARTICLE, FESTIVAL_ARTICLE]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _no_default_library(tmp_path, monkeypatch):
    """No test may ever touch the user's real library folder."""
    from clipper import paths

    monkeypatch.setattr(paths, "default_library_dir", lambda: tmp_path / "default-library")


@pytest.fixture
def lib_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "library"
    monkeypatch.setenv("CLIPPER_LIBRARY", str(folder))
    return folder


@pytest.fixture
def lib(lib_dir):
    from clipper.library import Library

    library = Library.open(lib_dir)
    try:
        yield library
    finally:
        library.close()


class _Stdin(io.TextIOWrapper):
    """A text stdin with a ``.buffer`` holding the given bytes."""


@pytest.fixture
def run_cli(lib_dir, monkeypatch):
    from clipper.cli import main

    def run(*args, input: str | bytes | None = None) -> tuple[int, str, str]:  # noqa: A002 - mirrors subprocess.run
        out, err = io.StringIO(), io.StringIO()
        data = input.encode("utf-8") if isinstance(input, str) else (input or b"")
        stdin = _Stdin(io.BytesIO(data), encoding="utf-8")
        with monkeypatch.context() as m:
            m.setattr(sys, "stdout", out)
            m.setattr(sys, "stderr", err)
            m.setattr(sys, "stdin", stdin)
            code = main([str(a) for a in args])
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def cli_json(run_cli):
    def run(*args, input=None, expect: int = 0):  # noqa: A002 - mirrors subprocess.run
        code, out, err = run_cli(*args, "--json", input=input)
        assert code == expect, f"exit {code}, stderr: {err}"
        return json.loads(out) if out.strip() or expect == 0 else None

    return run


@pytest.fixture
def write(tmp_path):
    def write_file(name: str, content: str | bytes) -> str:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return write_file


def row_counts(db_path: Path) -> dict[str, int]:
    """Rows per table of a library database, read through a separate connection."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def one_error_line(err: str) -> str:
    """Assert stderr is one ``clipper: error: `` line without a traceback; return it."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    errors = [line for line in lines if line.startswith("clipper: error: ")]
    assert len(errors) == 1, err
    return errors[0]


# --------------------------------------------------------------------------- a page as a browser shows it

def news_page(title: str = "Lighthouse keepers return to Skerry Point", *, canonical: str | None = None,
              lang: str = "en") -> str:
    """An article page with navigation, a caption and a footer around the body (made up)."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Tidewater Gazette</title>
{link}<meta property="og:site_name" content="Tidewater Gazette"></head>
<body><nav><a href="/">Home</a> <a href="/coast">Coast</a> <a href="/weather">Weather</a></nav>
<main><article><h1>{title}</h1>
<figure><img src="keeper.jpg" alt=""><figcaption>A keeper climbs the spiral stair at dawn.</figcaption></figure>
<p>For the first time in forty years, two keepers will live at the Skerry Point light from next spring, the harbour trust said on Tuesday.</p>
<p>The automated lamp failed three times last winter, and fishing crews asked for someone on the rock who could restart it by hand during storms.</p>
<p>The trust will restore the keepers' cottage, repair the landing stage and run a supply boat twice a week when the sea allows.</p>
<p>"People here remember the keepers as neighbours," said Morwen Tregear, who chairs the trust. "Having the light looked after again matters to the whole coast."</p>
</article></main><footer>Copyright Tidewater Gazette. All rights reserved.</footer></body></html>"""


EMPTY_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Sign in</title></head>
<body><nav><a href="/">Home</a></nav><form><input name="user"><button>Sign in</button></form></body></html>"""


# --------------------------------------------------------------------------- a local web server


class LocalServer:
    """A test web server on 127.0.0.1 (port 0), serving while used as a context manager.

    ``routes`` maps a path to a function(handler) that writes the whole response (or use
    ``body``/``redirect``); ``hits`` counts requests per path (query string dropped), so
    a test can prove something was, or was not, fetched. Unknown paths get a 404.
    """

    def __init__(self) -> None:
        self.routes: dict = {}
        self.hits: Counter = Counter()
        self.headers_seen: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server API
                path = self.path.split("?")[0]
                server.hits[path] += 1
                server.headers_seen.append({k.lower(): v for k, v in self.headers.items()})
                route = server.routes.get(path)
                try:
                    if route is None:
                        self.send_plain(404, b"not here")
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

            def send_plain(self, status, body, ctype="text/plain; charset=utf-8", extra=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def send_not_modified(self, etag):
                """A 304 answer to a conditional request (no body)."""
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def body(self, path: str, body: bytes, ctype: str = "text/html; charset=utf-8", status: int = 200, headers=None):
        self.routes[path] = lambda h: h.send_plain(status, body, ctype, headers)

    def redirect(self, path: str, location: str, status: int = 302):
        def route(h):
            h.send_response(status)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.send_header("Connection", "close")
            h.end_headers()

        self.routes[path] = route

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
