"""The project's own exceptions. Everything a user can cause ends in one of these.

The CLI maps them to exit codes: InputError/QueryError/NotFound -> 1 (or 2 for usage),
LibraryError and subclasses -> 3.
"""


class ClipperError(Exception):
    """Base class: a clear, user-facing message in ``str(exc)``."""


class InputError(ClipperError):
    """A source or argument was rejected (binary file, too large, no text, bad URL...)."""


class NotFound(ClipperError):
    """An article, passage or tag id/name does not exist."""


class QueryError(ClipperError):
    """A search query could not be understood."""


class DuplicateError(ClipperError):
    """The thing being created already exists."""

    def __init__(self, message: str, existing_id: int | None = None):
        super().__init__(message)
        self.existing_id = existing_id


class ExportError(ClipperError):
    """An export could not be written."""


class Cancelled(ClipperError):
    """A long job was cancelled by the user."""


class LibraryError(ClipperError):
    """The library as a whole is unusable (exit code 3)."""


class LibraryLocked(LibraryError):
    """Another process holds the write lock for longer than the busy timeout."""


class LibraryCorrupt(LibraryError):
    """The database file is damaged or is not a Clipper library."""


class SchemaTooNew(LibraryError):
    """The library was written by a newer Clipper."""


class DiskFull(LibraryError):
    """The disk (or the database's page limit) is full."""


class LibraryReadOnly(LibraryError):
    """The library folder (or its disk) cannot be written to."""
