"""The storage layer: every SQL statement in Clipper lives in this package.

Small functions that take a sqlite-utils ``Database`` first and return plain dataclasses
(clipper.models). Transactions are opened by the caller with ``db.transaction(db)``.
"""
