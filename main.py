"""Start the Clipper desktop app:  python main.py [--library DIR] [--sample]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clipper-gui", description="Clipper: a desktop news-clipping manager.")
    from clipper.cli.common import library_folder

    parser.add_argument("--library", metavar="DIR", type=library_folder, help="library folder (default: $CLIPPER_LIBRARY or your data folder)")
    parser.add_argument("--sample", action="store_true", help="open a throwaway library filled with sample clippings")
    args = parser.parse_args(argv)
    from clipper.gui.app import run

    return run(library=args.library, sample=args.sample)


if __name__ == "__main__":
    sys.exit(main())
