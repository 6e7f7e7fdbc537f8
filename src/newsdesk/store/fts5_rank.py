"""The SQLite store's ranking in C (`fts5_rank.c`, built with the package where a C compiler and SQLite's
headers are): bm25's first page for a query of one phrase, without bm25's second pass and without sorting
every match.

FTS5's bm25, as the store configures it (no column sizes; title 5, authors 2, body 1), ranks the matches
of a query of one phrase (a word, a prefix, a quoted phrase) by the weighted count of the phrase's
occurrences, then by id: its IDF and length term are the same for every match (tests/test_sqlite_ranking.py).
Before it ranks the first match, bm25 runs the phrase's query once more over every match to count them for
its IDF (for a prefix, merging the doclists of all its words again), and SQLite then sorts every match by
rank: at 1,000,000 articles that is most of the time of `said` and `tech*` (docs/benchmarks.md, "SQLite
search at 1,000,000 articles"). `first_page` instead keeps the best `limit` matches by weighted count in a
heap in C and counts the matches on the way; the score is then bm25's, computed here as FTS5 computes it,
to the last bit (`rank`). A word or phrase is walked by the C function itself from its first match (one
call, no row through SQLite's virtual machine); a prefix is offered match by match from the query's own
rows, since a second walk would merge its words' doclists a second time.

The functions reach SQLite through `sqlite3_auto_extension`: every connection opened after `available()`
first returns True has them. `available()` is False (and the store ranks with bm25) when the library was
not built, or when Python's sqlite3 module does not use the SQLite library the function was linked to.
"""

from __future__ import annotations

import array
import ctypes
import importlib.util
import math
import sqlite3
import threading

_lock = threading.Lock()
_available: bool | None = None

MOST = 10_000  # the largest page the C functions keep (fts5_rank.c)
K1, B = 1.2, 0.75  # FTS5's bm25 constants
LENGTH = -3.0  # the length bm25 sees for every document of a contentless index without column sizes


def available() -> bool:
    """Whether connections opened from now on have the ranking functions (registered at the first call)."""
    global _available
    with _lock:
        if _available is None:
            _available = _register()
        return _available


def _register() -> bool:
    spec = importlib.util.find_spec("newsdesk.store._fts5_rank")
    if spec is None or not spec.origin:
        return False
    try:
        library = ctypes.CDLL(spec.origin)
        if library.newsdesk_fts5_rank_register() != 0:
            return False
        connection = sqlite3.connect(":memory:")
        try:
            connection.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, c, content='', tokenize='ascii', "
                               "columnsize=0)")
            connection.execute("INSERT INTO t (rowid, a, b, c) VALUES (1, 'x', 'x y', 'x x')")
            return (first_page(connection, "t", "x", 5, prefix=False) == ([(1, 9)], 1)
                    and first_page(connection, "t", "x*", 5, prefix=True) == ([(1, 9)], 1))
        finally:
            connection.close()
    except (OSError, AttributeError, sqlite3.Error):
        return False


def first_page(connection: sqlite3.Connection, table: str, match: str, limit: int, *,
               prefix: bool) -> tuple[list[tuple[int, int]], int]:
    """The best `limit` (1 to MOST) matches of `match`, one phrase, in the FTS5 `table`: (rowid,
    weighted count) by count, then rowid; and the number of matches. `prefix`: the phrase holds a prefix
    (then its matches are offered one by one rather than walked a second time). Read in the caller's
    transaction, if any, so that the count and the index's totals agree."""
    if not 0 < limit <= MOST:
        raise ValueError(f"a first page holds 1 to {MOST:,} matches, not {limit:,}")
    if prefix:
        connection.execute("SELECT weighted_taken()").fetchall()  # an earlier query's leftovers, if any
        connection.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND weighted_offer({table}, ?)",
                           [match, limit]).fetchall()
        row = connection.execute("SELECT weighted_taken()").fetchone()
    else:
        row = connection.execute(f"SELECT weighted_top({table}, ?) FROM {table} WHERE {table} MATCH ? "
                                 "LIMIT 1", [limit, match]).fetchone()
    if row is None:  # no match (the walk runs from the first one)
        return [], 0
    page = array.array("q", row[0])
    return list(zip(page[1::2], page[2::2], strict=True)), page[0]


def totals(block: bytes) -> tuple[int, int]:
    """The rows and the tokens of all columns of an FTS5 index, from its averages record (the `block` of id
    1 in its `_data` table: the rows, then each column's tokens, as SQLite varints)."""
    rows, at = _varint(block, 0)
    tokens = 0
    while at < len(block):
        column, at = _varint(block, at)
        tokens += column
    return rows, tokens


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for n in range(9):
        byte = data[at]
        at += 1
        if n == 8:
            return (value << 8) | byte, at
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at
    return value, at


def ranks_by_count(rows: int, tokens: int) -> bool:
    """Whether bm25 orders a one-phrase query's matches by weighted count, highest first, in an index of
    `rows` documents holding `tokens`: its saturation term count / (count + k) rises with the count when
    k > 0, which needs documents of more than 9 tokens on average (see newsdesk.store.sqlite); in a store
    of shorter ones k <= 0 and bm25's order is another. (For k > 0 the ranks of counts below 10^6 differ
    by far more than a double's rounding, so the order of the doubles is the order of the counts.) An index
    of documents without a token (symbols, an image's page) is no such store: bm25 ranks it."""
    return rows > 0 and tokens > 0 and K1 * (1 - B + B * LENGTH / (tokens / rows)) > 0


def rank(count: int, matches: int, rows: int, tokens: int) -> float:
    """FTS5's rank (bm25 negated) of a match of a one-phrase query with this weighted count, the query
    matching `matches` of the index's `rows` (holding `tokens`): the operations of fts5Bm25Function, in
    its order, so the same double."""
    idf = math.log((rows - matches + 0.5) / (matches + 0.5))
    if idf <= 0.0:
        idf = 1e-6
    score = 0.0
    score += idf * ((count * (K1 + 1.0)) / (count + K1 * (1 - B + B * LENGTH / (tokens / rows))))
    return -1.0 * score
