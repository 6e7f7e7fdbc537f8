"""The in-memory store (`memory://`): the SQLite store on a database in memory, gone when it closes.

It used to be a Python store of its own that evaluated the query language and the filters a third
time; as SQLite in memory it runs the very statements of the file store (one fewer implementation of
the query semantics), and the test suite ran no slower with it (docs/architecture.md has the figures).
The query language is still checked two ways: SQLite's FTS5 and PostgreSQL's tsquery must agree.
"""

from __future__ import annotations

from newsdesk.store.sqlite import SQLiteStore


class MemoryStore(SQLiteStore):
    """A fresh SQLite database in memory: every `MemoryStore()` is empty, and private to its object."""

    def __init__(self) -> None:
        super().__init__(":memory:")
