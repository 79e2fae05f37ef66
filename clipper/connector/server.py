"""The loopback HTTP endpoint the browser extension talks to.

Listens on 127.0.0.1 only (``DEFAULT_PORT``, else the next free of ``FALLBACK_PORTS``).
Every request passes, in this order, before anything is read or done:

1. **Host** must be ``127.0.0.1:PORT``, ``localhost:PORT`` or ``[::1]:PORT`` with this
   server's port — a web page that rebinds its own DNS name to 127.0.0.1 sends its own
   name and is refused (403);
2. **Origin** must be absent (a command-line client) or an extension's own origin
   (``chrome-extension://…``, ``moz-extension://…``); every web origin, and ``null``, is
   refused (403). No answer carries any ``Access-Control-*`` header, so a browser never
   lets a web page read one;
3. **Authorization: Bearer TOKEN** must carry the library's pairing token (compared in
   constant time; 401) — no endpoint, not even a read, answers without it;
4. the method and path (404/405); a POST must say ``Content-Type: application/json``
   (415) and give a ``Content-Length`` (411) within ``max_body`` (413, checked before
   reading); the body must be a JSON object (400).

Endpoints: ``POST /v1/capture``, ``GET /v1/lookup?url=…``, ``GET /v1/tags``,
``GET /v1/ping``. Answers are JSON; refusals are ``{"error": "one line"}``.

The library is used by one worker thread with its own Library (a Library belongs to the
thread that opened it), so requests are served one at a time against the database while
the HTTP threads only parse and check.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from clipper.errors import ClipperError, InputError, LibraryError
from clipper.jobs import CancelToken, Progress, run_job

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 24816
FALLBACK_PORTS = 9  # DEFAULT_PORT + 1 … + 9 when the default is taken
MAX_BODY = 24 * 1024 * 1024  # the 20 MB page cap plus JSON escaping
DRAIN_LIMIT = 4 * MAX_BODY  # an oversize body up to this is read and dropped, so the client sees the 413
EXTENSION_ORIGIN = re.compile(r"^(?:chrome-extension|moz-extension|safari-web-extension)://[A-Za-z0-9\-_.]{1,128}$")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
ROUTES = {"/v1/capture": "POST", "/v1/lookup": "GET", "/v1/tags": "GET", "/v1/ping": "GET"}


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class LibraryWorker:
    """One thread owning a Library on ``folder``; ``call(fn, *args)`` runs ``fn(lib, *args)``
    there and returns its result (or raises its exception) in the caller's thread."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clipper-connector-db")

    def _lib(self):
        lib = getattr(self._local, "lib", None)
        if lib is None:
            from clipper.library import Library

            # (automatic backups on a thread of their own: a capture never waits for one)
            lib = self._local.lib = Library.open(self.folder, create=False, repair_index=False,
                                                 backup_in_background=True)
        return lib

    def call(self, fn: Callable, *args):
        return self._pool.submit(lambda: fn(self._lib(), *args)).result()

    def close(self) -> None:
        def close(_lib=None):
            lib = getattr(self._local, "lib", None)
            if lib is not None:
                lib.close()
                self._local.lib = None

        try:
            self._pool.submit(close).result(timeout=30)
        except Exception:  # noqa: BLE001 - shutting down anyway
            pass
        self._pool.shutdown(wait=True)


class ConnectorServer:
    """The endpoint over the library at ``folder``.

    ``on_progress(Progress)``, ``on_captured(result: dict)`` and ``on_failed(message)`` (a
    capture refused after the request checks: no article text, a bad body) are called from
    server threads (the desktop app turns them into signals). ``port=0`` picks any free
    port (tests)."""

    def __init__(self, folder, port: int = DEFAULT_PORT, *, fallback: int = FALLBACK_PORTS,
                 max_body: int = MAX_BODY, on_progress: Callable[[Progress], None] | None = None,
                 on_captured: Callable[[dict], None] | None = None,
                 on_failed: Callable[[str], None] | None = None):
        self.folder = Path(folder)
        self.requested_port = port
        self.fallback = fallback if port else 0
        self.max_body = max_body
        self.on_progress = on_progress
        self.on_captured = on_captured
        self.on_failed = on_failed
        self.cancel = CancelToken()
        self.worker = LibraryWorker(self.folder)
        self.httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.httpd.server_address[1] if self.httpd is not None else 0

    def bind(self) -> int:
        """Listen on the requested port or the next free one; returns the port."""
        last: OSError | None = None
        for port in range(self.requested_port, self.requested_port + self.fallback + 1):
            try:
                httpd = _HTTPServer((HOST, port), _Handler)
            except OSError as exc:
                last = exc
                continue
            httpd.connector = self
            self.httpd = httpd
            return self.port
        upper = self.requested_port + self.fallback
        span = f"{self.requested_port}" if not self.fallback else f"{self.requested_port}–{upper}"
        raise ClipperError(f"cannot listen on {HOST}:{span} ({last.strerror if last else 'in use'}); "
                           "pass another --port")

    def start(self) -> int:
        """Bind (if needed) and serve on a daemon thread; returns the port."""
        if self.httpd is None:
            self.bind()
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="clipper-connector-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        return self.port

    def serve_forever(self) -> None:
        if self.httpd is None:
            self.bind()
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.cancel.cancel()
        if self.httpd is not None:
            if self._thread is not None:
                self.httpd.shutdown()
                self._thread.join(timeout=10)
            self.httpd.server_close()
        self.worker.close()

    # ---- the checks ----------------------------------------------------------------------
    def check_host(self, host: str | None) -> None:
        allowed = {f"{name}:{self.port}" for name in LOOPBACK_NAMES}
        if not host or host.strip().lower() not in allowed:
            raise Refused(403, f"refused: Host must be 127.0.0.1:{self.port} or localhost:{self.port}")

    @staticmethod
    def check_origin(origin: str | None) -> None:
        if origin is None:
            return
        if not EXTENSION_ORIGIN.match(origin.strip()):
            raise Refused(403, "refused: requests from web pages are not accepted (only the Clipper extension)")

    def check_token(self, authorization: str | None) -> None:
        from clipper.connector.token import get_token, token_matches

        header = {"WWW-Authenticate": 'Bearer realm="clipper"'}
        if not authorization:
            raise Refused(401, "missing pairing token: send Authorization: Bearer TOKEN "
                               "(see `clipper connector token`)", header)
        scheme, _, given = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise Refused(401, "the Authorization header must be: Bearer TOKEN", header)
        if not token_matches(given.strip(), self.worker.call(get_token)):
            raise Refused(401, "wrong pairing token (pair the extension again with the token from Clipper)", header)

    # ---- the endpoints -------------------------------------------------------------------
    def capture(self, body) -> dict:
        from clipper.connector.capture import capture_job, parse_capture

        def work(lib):
            result = run_job(capture_job(lib, request, self.cancel), self.on_progress)
            return result.to_dict()

        try:
            request = parse_capture(body)
            result = self.worker.call(work)
        except ClipperError as exc:
            if self.on_failed is not None:
                self.on_failed(_one_line(exc))
            raise
        if self.on_captured is not None:
            try:
                self.on_captured(result)
            except Exception:  # noqa: BLE001 - a listener must not fail the capture
                log.exception("connector: capture listener failed")
        return result

    def lookup(self, query: dict) -> dict:
        from clipper.connector.capture import lookup

        url = (query.get("url") or [""])[0].strip()
        if not url:
            raise InputError("give the page as ?url=…")
        return self.worker.call(lookup, url)

    def tags(self, _query: dict) -> dict:
        from clipper.connector.capture import palette_tags

        return {"tags": self.worker.call(palette_tags)}

    def ping(self, _query: dict) -> dict:
        from clipper import __version__

        def info(lib):
            return {"app": "clipper", "version": __version__, "library": str(lib.folder),
                    "articles": lib.articles.count()}

        return self.worker.call(info)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # two servers must never share a port
    connector: ConnectorServer


class _Handler(BaseHTTPRequestHandler):
    server_version = "Clipper"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        log.debug("connector: %s %s", self.address_string(), format % args)

    def do_GET(self):  # noqa: N802
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    def do_OPTIONS(self):  # noqa: N802
        self._handle("OPTIONS")

    def do_PUT(self):  # noqa: N802
        self._handle("PUT")

    def do_DELETE(self):  # noqa: N802
        self._handle("DELETE")

    def do_PATCH(self):  # noqa: N802
        self._handle("PATCH")

    def do_HEAD(self):  # noqa: N802
        self._handle("HEAD")

    def _handle(self, method: str) -> None:
        connector: ConnectorServer = self.server.connector
        try:
            connector.check_host(self.headers.get("Host"))
            connector.check_origin(self.headers.get("Origin"))
            connector.check_token(self.headers.get("Authorization"))
            parts = urlsplit(self.path)
            want = ROUTES.get(parts.path)
            if want is None:
                raise Refused(404, f"no such endpoint: {parts.path[:80]}")
            if method != want:
                raise Refused(405, f"{parts.path} takes {want}, not {method}", {"Allow": want})
            if method == "POST":
                data = connector.capture(self._json_body(connector.max_body))
            else:
                data = getattr(connector, parts.path.rsplit("/", 1)[1])(parse_qs(parts.query))
            self._send(200, data)
        except Refused as exc:
            self._send(exc.status, {"error": str(exc)}, exc.headers)
        except LibraryError as exc:
            self._send(503, {"error": _one_line(exc)})
        except ClipperError as exc:  # InputError and friends: the request was wrong
            self._send(400, {"error": _one_line(exc)})
        except Exception as exc:  # noqa: BLE001 - a bug: one line for the extension, the trace in the log
            log.exception("connector: %s %s failed", method, self.path)
            self._send(500, {"error": f"unexpected {type(exc).__name__}: {_one_line(exc)}"})

    def _json_body(self, max_body: int):
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            self._drain()
            raise Refused(415, "the body must be JSON (Content-Type: application/json)")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise Refused(411, "send the body with a Content-Length, not chunked")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            raise Refused(411, "a Content-Length header is required") from None
        if length < 0:
            self.close_connection = True
            raise Refused(400, "bad Content-Length")
        if length > max_body:
            self._drain(length)
            raise Refused(413, f"request too large: {length} bytes, the limit is {max_body // (1024 * 1024)} MB")
        raw = self.rfile.read(length)
        if len(raw) < length:
            self.close_connection = True
            raise Refused(400, "the body ended before its Content-Length")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Refused(400, f"malformed JSON: {_one_line(exc)}") from None

    def _drain(self, length: int | None = None) -> None:
        """Read and drop a refused body (so the client can read our answer), or close."""
        if length is None:
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
        if length < 0 or length > DRAIN_LIMIT or self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _send(self, status: int, data: dict, headers: dict | None = None) -> None:
        if status >= 400:  # a refused request's body may be unread: never parse it as the next request
            self.close_connection = True
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status, HTTPStatus(status).phrase)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
