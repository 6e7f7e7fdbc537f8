"""The dialect layer under the SQL stores: SQLite and PostgreSQL run the same statements, written with
`?` placeholders (`SqlBase._sql` turns them into the backend's mark, `%s` on PostgreSQL). A backend
supplies its connection: a write transaction (`_transaction`) and reads (`_read`)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

_CHUNK = 500  # keys looked up in one statement
_T = TypeVar("_T")
POOL_VARIABLE = "NEWSDESK_DB_POOL"
POOL_SIZE = 4  # read connections a store keeps open at most (unless $NEWSDESK_DB_POOL says otherwise)


def pool_size() -> int:
    """How many read connections a store may open: $NEWSDESK_DB_POOL, else POOL_SIZE (at least 1)."""
    given = os.environ.get(POOL_VARIABLE, "").strip()
    return max(1, int(given)) if given.isdigit() else POOL_SIZE


def chunks(items: list[_T]) -> Iterator[tuple[list[_T], str]]:
    """`items` _CHUNK at a time, each chunk with its placeholders for `IN (...)` ("?, ?, ?")."""
    for start in range(0, len(items), _CHUNK):
        chunk = items[start:start + _CHUNK]
        yield chunk, ", ".join("?" * len(chunk))


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for a long migration (only on a terminal; nothing otherwise): the
    function it gives adds that many of `total` done."""
    shown = sys.stderr.isatty()
    done = 0
    started = time.monotonic()

    def advance(count: int) -> None:
        nonlocal done
        done = min(total, done + count)
        if shown:
            filled = 30 * done // total
            print(f"\rnewsdesk: {label} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} "
                  f"{time.monotonic() - started:.0f} s", end="", file=sys.stderr, flush=True)

    advance(0)
    try:
        yield advance
    finally:
        if shown:
            print(file=sys.stderr, flush=True)


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def executemany(self, query: Any, params_seq: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SqlBase:
    """Statements in one dialect, a backend's connection under them; closes on leaving `with`."""

    def _transaction(self) -> AbstractContextManager[Cursor]:
        """A cursor in a write transaction, committed on leaving without error."""
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _upsert(self, table: str, key: str, values: dict[str, Any]) -> None:
        with self._transaction() as cur:
            self._upsert_in(cur, table, key, values)

    def _upsert_in(self, cur: Cursor, table: str, key: str, values: dict[str, Any]) -> None:
        names = list(values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != key)
        marks = ", ".join("?" * len(names))
        cur.execute(self._sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) "
                              f"ON CONFLICT ({key}) DO UPDATE SET {updates}"), list(values.values()))

    _mark = "?"

    def _sql(self, sql: str) -> str:
        return sql if self._mark == "?" else sql.replace("?", self._mark)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


