"""Opening an index without copying its segment files into memory.

Whoosh maps a compound segment file (``*.seg``) and hands out each file inside it as
``BufferFile(memoryview)``, whose ``BytesIO(memoryview)`` copies the whole part: opening a
10k-article index copied ~140 MB (terms and postings of every segment, ~85 ms) before the
first query could run. Here the segment file is mapped once and each part reads straight
from the mapping: opening costs what reading the segment directories costs.

Relies on how whoosh3 3.54.0 (pinned) opens compound files: ``CompoundStorage`` takes the
``subset()`` path for a file object without ``fileno``.
"""
from __future__ import annotations

import mmap
import os

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile

from clipper.index import whoosh_internals as wi

_COMPOUND_EXT = ".seg"
_PEEK = 256


class _ViewIO:
    """A read-only file over a memoryview (no copy, unlike ``BytesIO``)."""

    __slots__ = ("_mv", "_pos", "_len")

    def __init__(self, mv: memoryview):
        self._mv = mv
        self._pos = 0
        self._len = len(mv)

    def read(self, size: int | None = -1) -> bytes:
        pos = self._pos
        if size is None or size < 0:
            end = self._len
        else:
            end = min(self._len, pos + size)
        if end <= pos:
            return b""
        self._pos = end
        return bytes(self._mv[pos:end])

    def peek(self, size: int = 1) -> bytes:
        """Some bytes from the current position, without moving it (like
        ``BufferedReader.peek``, at most ``_PEEK`` of them): the C unpickler then reads a
        posting block's small info pickle in one call instead of one per opcode."""
        pos = self._pos
        return bytes(self._mv[pos:min(self._len, pos + _PEEK)])

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        pos = self._pos
        limit = self._len if size is None or size < 0 else min(self._len, pos + size)
        i = pos
        mv = self._mv
        while i < limit:
            if mv[i] == 10:
                i += 1
                break
            i += 1
        self._pos = i
        return bytes(mv[pos:i])

    def seek(self, where: int, whence: int = 0) -> int:
        if whence == 0:
            pos = where
        elif whence == 1:
            pos = self._pos + where
        elif whence == 2:
            pos = self._len + where
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._mv = memoryview(b"")
        self._len = self._pos = 0


class _ViewFile(BufferFile):
    """A ``BufferFile`` that reads its memoryview in place."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose=None):
        wi.set_buffer(self, buf, name)
        self.file = _ViewIO(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name: str | None = None) -> _ViewFile:
        buf = wi.buffer_of(self)
        if position < 0 or length < 0 or position + length > len(buf):
            raise ValueError(f"part {name!r} lies outside the segment file")
        return _ViewFile(buf[position:position + length], name=name or wi.name_of(self))


class _MappedSegment(_ViewFile):
    """A whole compound segment file, memory-mapped; its parts are views into it."""

    def __init__(self, path: str, name: str):
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        super().__init__(memoryview(self._map), name=name)

    def close(self) -> None:
        if self.is_closed:
            return
        super().close()
        try:
            self._map.close()
        except BufferError:
            pass  # parts still in use keep the mapping alive until they go


class MappedStorage(FileStorage):
    """``FileStorage`` whose compound segment files are read in place (see above)."""

    def open_file(self, name, **kwargs):
        if name.endswith(_COMPOUND_EXT) and not kwargs:
            return _MappedSegment(wi.storage_path(self, name), name)
        return super().open_file(name, **kwargs)


def open_index_dir(path: str | os.PathLike):
    return MappedStorage(os.fspath(path)).open_index()
