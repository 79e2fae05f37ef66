"""clipper connector token | clipper serve — the browser extension's pairing and endpoint."""
from __future__ import annotations

import signal
import sys

from clipper.cli.common import Parser, emit, open_library, positive_int


def register(sub, common) -> None:
    p = sub.add_parser("connector", parents=[common], help="pair the browser extension with this library")
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser, required=True)
    t = actions.add_parser("token", parents=[common],
                           help="print the pairing token to paste into the extension (created once per library)")
    t.add_argument("--reset", action="store_true",
                   help="make a new token; the extension must be paired again")
    t.set_defaults(func=cmd_token)

    from clipper.connector.server import DEFAULT_PORT, FALLBACK_PORTS

    s = sub.add_parser("serve", parents=[common],
                       help="listen for the browser extension on 127.0.0.1 (until Ctrl+C)")
    s.add_argument("--port", type=positive_int, default=None,
                   help=f"port to listen on (default {DEFAULT_PORT}, or the next free of the "
                        f"{FALLBACK_PORTS} after it; 0: any free port)")
    s.set_defaults(func=cmd_serve)


def cmd_token(args) -> int:
    from clipper.connector.token import ensure_token, reset_token

    with open_library(args) as lib:
        token = reset_token(lib) if args.reset else ensure_token(lib)
        folder = str(lib.folder)
    return emit(args, {"token": token, "library": folder}, token)


def cmd_serve(args) -> int:
    from clipper.connector.server import DEFAULT_PORT, ConnectorServer
    from clipper.connector.token import ensure_token

    with open_library(args) as lib:
        ensure_token(lib)
        folder = lib.folder
    port = DEFAULT_PORT if args.port is None else args.port
    fallback = None if args.port is None else 0

    def captured(result: dict) -> None:
        what = "already in the library" if result.get("duplicate") else "saved"
        extra = ""
        if result.get("passage_id") is not None:
            extra = f", passage {result['passage_id']}" + (" (orphaned)" if result.get("orphaned") else "")
        print(f"clipper: {what}: article {result['article_id']} {result.get('title', '')!r}{extra}",
              file=sys.stderr, flush=True)

    kwargs = {} if fallback is None else {"fallback": fallback}
    server = ConnectorServer(folder, port, on_captured=captured, **kwargs)
    server.bind()

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    print(f"listening on 127.0.0.1:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.httpd.server_close()
        server.worker.close()
    return 0
