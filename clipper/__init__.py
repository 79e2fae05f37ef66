"""Clipper: a desktop news-clipping manager with a Qt-free core."""
import sys as _sys

__version__ = "0.1.0"


def _sqlite_utils_without_numpy() -> None:
    """sqlite-utils imports numpy when it can, only to store numpy values (Clipper stores
    none): ~0.1 s at the start of every command. Import it while numpy is hidden, so
    commands that never search (``tag list``, ``list``) start without numpy; code that
    needs numpy (search, near-duplicates) imports it as usual afterwards."""
    if "sqlite_utils" in _sys.modules or "numpy" in _sys.modules:
        return
    _sys.modules["numpy"] = None  # makes "import numpy" raise ImportError
    try:
        import sqlite_utils  # noqa: F401
    except ImportError:
        pass
    finally:
        del _sys.modules["numpy"]


_sqlite_utils_without_numpy()
