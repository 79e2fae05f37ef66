"""The `clipper` command line: thin wrappers over the Qt-free core.

Exit codes: 0 success; 1 some inputs rejected, not found, or a bad query; 2 usage;
3 the library is unusable (locked, damaged, newer schema, disk full).
Errors are one line on stderr (``clipper: error: ...``); ``--debug`` shows tracebacks.
"""
from __future__ import annotations

import argparse
import logging
import sys
import traceback

from clipper import __version__
from clipper.cli.common import Parser, UsageError, one_line, safe_output
from clipper.errors import ClipperError, DiskFull, LibraryError

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_LIBRARY = 0, 1, 2, 3


def _common() -> argparse.ArgumentParser:
    """Options accepted both before and after the command name."""
    from clipper.cli.common import library_folder

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", metavar="DIR", default=argparse.SUPPRESS, type=library_folder,
                        help="library folder (default: $CLIPPER_LIBRARY, else the user data folder)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print data as JSON")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    return common


def build_parser() -> Parser:
    from clipper.cli import articles_cmd, maintenance_cmd, passages_cmd, search_cmd, export_cmd, gui_cmd

    common = _common()
    parser = Parser(prog="clipper", description="Clipper: save, search, highlight, tag and export news articles.",
                    parents=[common])
    parser.add_argument("--version", action="version", version=f"clipper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in (articles_cmd, passages_cmd, search_cmd, export_cmd, maintenance_cmd, gui_cmd):
        module.register(sub, common)
    __import__("clipper.cli.recover_cmd", fromlist=["register"]).register(sub, common)
    __import__("clipper.cli.versions_cmd", fromlist=["register"]).register(sub, common)
    __import__("clipper.cli.connector_cmd", fromlist=["register"]).register(sub, common)
    __import__("clipper.cli.cite_cmd", fromlist=["register"]).register(sub, common)
    return parser


def _join_dash_values(argv: list[str]) -> list[str]:
    """``--sort -published`` → ``--sort=-published`` (argparse would read -published as an option)."""
    out: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg == "--sort":
            value = next(it, None)
            out.append(arg if value is None else f"--sort={value}")
        else:
            out.append(arg)
    return out


def _dash_words(argv: list[str], parser) -> list[str]:
    """``clipper search -iran`` → ``clipper search -- -iran``: a query word starting with a
    minus (an exclusion) is not an option. The search options stay where argparse reads
    them; the query words go after ``--``. Only for the ``search`` command."""
    commands = parser._subparsers._group_actions[0].choices

    def takes_value(p) -> set[str]:
        return {opt for action in p._actions if action.nargs != 0 for opt in action.option_strings}

    top = takes_value(parser)
    at, it = None, iter(range(len(argv)))
    for i in it:
        a = argv[i]
        if a == "--":
            return argv
        if a.startswith("-"):
            if a in top:
                next(it, None)  # its value
            continue
        if a == "search":
            at = i
        break  # the first word that is not an option is the command
    if at is None:
        return argv
    rest = argv[at + 1:]
    search_values = takes_value(commands["search"])
    options, words, literal = [], [], False
    it = iter(rest)
    for a in it:
        if literal:
            words.append(a)
        elif a == "--":
            literal = True
        elif a.startswith("--") or a == "-h":
            options.append(a)
            if a in search_values:
                value = next(it, None)
                if value is not None:
                    options.append(value)
        else:
            words.append(a)
    if not any(a.startswith("-") and a != "-" for a in words):
        return argv
    return [*argv[:at + 1], *options, "--", *words]


def main(argv: list[str] | None = None) -> int:
    argv = _join_dash_values(sys.argv[1:] if argv is None else list(argv))
    with safe_output(debug="--debug" in argv):  # no control sequence in anything printed
        return _main(argv)


def _main(argv: list[str]) -> int:
    debug = "--debug" in argv
    logging.basicConfig(level=logging.DEBUG if debug else logging.ERROR, format="clipper: %(levelname)s: %(message)s")
    try:
        parser = build_parser()
        args = parser.parse_args(_dash_words(argv, parser))
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return args.func(args) or EXIT_OK
    except UsageError as exc:
        print(f"clipper: error: {one_line(exc)} (see 'clipper --help')", file=sys.stderr)
        return EXIT_USAGE
    except LibraryError as exc:
        _report(exc, debug)
        return EXIT_LIBRARY
    except ClipperError as exc:
        _report(exc, debug)
        return EXIT_REJECTED
    except KeyboardInterrupt:
        print("clipper: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        if _is_disk_full(exc):  # met outside the library's own checks (the search index...)
            _report(DiskFull(f"disk full: {exc.strerror}; what was saved before stays saved "
                                  "(free some space and try again)"), debug)
            return EXIT_LIBRARY
        return _unexpected(exc, debug)
    except Exception as exc:  # a bug: still one line for the user, the traceback with --debug  # noqa: BLE001 - the last resort: one line, never a traceback
        return _unexpected(exc, debug)


def _unexpected(exc: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(f"clipper: error: unexpected {type(exc).__name__}: {one_line(exc)} (run with --debug for details)",
          file=sys.stderr)
    return EXIT_LIBRARY if _is_sqlite(exc) else EXIT_REJECTED


def _is_disk_full(exc: OSError) -> bool:
    import errno

    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _is_sqlite(exc: BaseException) -> bool:
    import sqlite3

    return isinstance(exc, sqlite3.Error)


def _report(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    message = one_line(str(exc).strip()) if str(exc).strip() else type(exc).__name__
    print(f"clipper: error: {message}", file=sys.stderr)
