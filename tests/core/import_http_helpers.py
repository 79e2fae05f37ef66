"""A local test web server for the importer tests (127.0.0.1, port 0, one thread).

Routes map a path to a function(handler) that writes the whole response; ``hits`` counts
requests per path so tests can prove something was (or was not) fetched.
"""
from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
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
