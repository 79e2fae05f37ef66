"""Clipper: a desktop news-clipping manager with a Qt-free core."""

__version__ = "0.1.0"
