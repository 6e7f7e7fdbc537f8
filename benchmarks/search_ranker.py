"""An experiment for issue 19, not part of newsdesk: ranking one phrase on SQLite by its weighted count
from an FTS5 ranking function in C, against FTS5's bm25, on the search benchmark's store.

    .venv/bin/python benchmarks/search_ranker.py [--articles 1000000] [--repeat 5]

The SQLite store ranks by bm25 without column sizes (title 5, authors 2, body 1): for a query of one
phrase (a word, a prefix, a quoted phrase) that orders the matches by the weighted count of the
phrase's occurrences, then by id (tests/test_sqlite_ranking.py). bm25 pays, once per statement, a second
pass over every match to count them for its IDF (FTS5's xQueryPhrase; for a prefix, merging its words'
doclists again), and then ~70 ns per match (benchmarks/search_costs.py). This compiles (with the
machine's C compiler, into a temporary folder) a ranking function that returns the weighted count and
nothing else, registers it with SQLite through `sqlite3_auto_extension` (this Python's sqlite3 has no
`enable_load_extension`; the function reaches every connection opened after, through the system's
libsqlite3 that Python's sqlite3 module is linked to), and times, in CPU ms of this process (median of
`--repeat` runs after a warm-up):

* `bm25`: the store's ranked statement (`ORDER BY rank, rowid LIMIT 21`);
* `count`: the same order by the function's weighted count (`ORDER BY count DESC, rowid LIMIT 21`),
  the function also counting the rows it is called for (read after the statement, on the same
  connection, by `weighted_count_rows()`): the number of matches bm25's IDF needs;
* `matches`: counting the matches with a statement of their own instead (`count(*)`), for comparison.

It checks that both give the same 21 ids, that the function saw every match, and that bm25's scores
are computed exactly (to the last bit) from the weighted count, the number of matches it saw and the
index's row and token totals (read from FTS5's averages record), as FTS5's bm25 computes them: what a
store ranking this way would show.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backends import header, load_average
from corpus import CACHE, CORPUS_VERSION
from newsdesk.search.query import Phrase, Term, parse_query, to_fts5
from search import QUERIES, SEED

SOURCE = r"""
#include <sqlite3.h>
/* The matches a ranking statement saw (its rows, each counted once): the number bm25's IDF needs. */
typedef struct { sqlite3_int64 rows, last; int any; } Seen;
static void weighted_count(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                           int n, sqlite3_value **args) {
  static const int weight[3] = {5, 2, 1};  /* title, authors, body */
  Seen *seen = (Seen *)api->xUserData(fts);
  sqlite3_int64 id = api->xRowid(fts);
  Fts5PhraseIter it;
  int col, off, count = 0;
  (void)n; (void)args;
  if (!seen->any || id != seen->last) { seen->rows++; seen->last = id; seen->any = 1; }
  for (api->xPhraseFirst(fts, 0, &it, &col, &off); col >= 0; api->xPhraseNext(fts, &it, &col, &off))
    count += weight[col < 3 ? col : 2];
  sqlite3_result_int(ctx, count);
}
static void seen_rows(sqlite3_context *ctx, int n, sqlite3_value **args) {
  Seen *seen = (Seen *)sqlite3_user_data(ctx);
  (void)n; (void)args;
  sqlite3_result_int64(ctx, seen->rows);
  seen->rows = 0; seen->any = 0;
}
int weighted_count_init(sqlite3 *db, char **error, const void *routines) {
  fts5_api *fts = 0;
  sqlite3_stmt *stmt;
  Seen *seen;
  (void)error; (void)routines;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) != SQLITE_OK) return SQLITE_OK;
  sqlite3_bind_pointer(stmt, 1, (void *)&fts, "fts5_api_ptr", 0);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (!fts || !(seen = sqlite3_malloc(sizeof *seen))) return SQLITE_OK;
  seen->rows = 0; seen->last = 0; seen->any = 0;
  fts->xCreateFunction(fts, "weighted_count", seen, weighted_count, sqlite3_free);
  sqlite3_create_function(db, "weighted_count_rows", 0, SQLITE_UTF8, seen, seen_rows, 0, 0);
  return SQLITE_OK;
}
"""
LIMIT = 21
K1, B = 1.2, 0.75  # FTS5's bm25 constants


def register(folder: Path) -> None:
    """Compile SOURCE and have SQLite add its function to every connection opened from now on."""
    (folder / "ranker.c").write_text(SOURCE)
    library = folder / "ranker.so"
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(library), str(folder / "ranker.c"),
                    "-lsqlite3"], check=True)
    sqlite = ctypes.CDLL("libsqlite3.so.0")
    ranker = ctypes.CDLL(str(library))
    if sqlite.sqlite3_auto_extension(ctypes.cast(ranker.weighted_count_init, ctypes.c_void_p)) != 0:
        raise RuntimeError("sqlite3_auto_extension failed")


def varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at `at`, and where the next one starts."""
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


def totals(connection: sqlite3.Connection) -> tuple[int, int]:
    """Rows and tokens (all columns) of the index: FTS5's averages record (id 1 of its data table)."""
    data = connection.execute("SELECT block FROM articles_fts_data WHERE id = 1").fetchone()[0]
    rows, at = varint(data, 0)
    tokens = 0
    for _ in range(3):
        column, at = varint(data, at)
        tokens += column
    return rows, tokens


def bm25(count: int, matches: int, rows: int, tokens: int) -> float:
    """FTS5's rank (the negated bm25) of a match of one phrase, as fts5Bm25Function computes it: a
    contentless index without column sizes counts every document as -3 tokens long."""
    idf = math.log((rows - matches + 0.5) / (matches + 0.5))
    if idf <= 0.0:
        idf = 1e-6
    length = -3.0
    score = 0.0
    score += idf * ((count * (K1 + 1.0)) / (count + K1 * (1 - B + B * length / (tokens / rows))))
    return -1.0 * score


def cpu_ms(run: Callable[[], Any], repeat: int) -> float:
    run()
    spent = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        spent.append(1000 * (time.process_time() - started))
    return statistics.median(spent)


def one_phrase(text: str) -> bool:
    tree = parse_query(text)
    return isinstance(tree, (Term, Phrase))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000, help="articles in the benchmark's store")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each statement, after a warm-up")
    args = ap.parse_args(argv)
    path = CACHE / f"search-{args.articles}-s{SEED}-v{CORPUS_VERSION}.db"
    if not path.exists():
        sys.exit(f"{path}: no such store; build it first: benchmarks/search.py --articles {args.articles} "
                 "--backends sqlite --build-only")
    with tempfile.TemporaryDirectory() as folder:
        register(Path(folder))
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows, tokens = totals(connection)
    print(f"{header()}\n{path} ({rows:,} articles), CPU ms, median of {args.repeat} runs; SQLite "
          f"{sqlite3.sqlite_version}")
    print(f"{'query':<24} {'matches':>8} {'bm25':>7} {'count':>7} {'ratio':>6} {'count(*)':>8}  same ids, "
          "same scores")
    for text in [query.text for query in QUERIES if not query.options and one_phrase(query.text)]:
        match = to_fts5(parse_query(text))  # type: ignore[arg-type]

        def ranked(match: str = match) -> list[Any]:
            return connection.execute("SELECT rowid, rank FROM articles_fts f WHERE articles_fts MATCH ? "
                                      "ORDER BY f.rank, f.rowid LIMIT ?", [match, LIMIT]).fetchall()

        def counted(match: str = match) -> tuple[list[Any], int]:
            connection.execute("SELECT weighted_count_rows()").fetchall()
            found = connection.execute("SELECT rowid, weighted_count(articles_fts) c FROM articles_fts "
                                       "WHERE articles_fts MATCH ? ORDER BY c DESC, rowid LIMIT ?",
                                       [match, LIMIT]).fetchall()
            return found, int(connection.execute("SELECT weighted_count_rows()").fetchone()[0])

        def matching(match: str = match) -> int:
            return int(connection.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                          [match]).fetchone()[0])

        matches = matching()
        by_rank, (by_count, seen) = ranked(), counted()
        same_ids = [id for id, _ in by_rank] == [id for id, _ in by_count]
        same_scores = seen == matches and [rank for _, rank in by_rank] == [
            bm25(count, seen, rows, tokens) for _, count in by_count]
        old, new, count = (cpu_ms(run, args.repeat) for run in (ranked, counted, matching))
        print(f"{text:<24} {matches:>8,} {old:>7.1f} {new:>7.1f} {new / old:>6.2f} {count:>8.1f}  "
              f"{'yes' if same_ids else 'NO'}, {'yes' if same_scores else 'NO'}", flush=True)
    connection.close()
    print(f"load average after the run: {load_average()}")


if __name__ == "__main__":
    main()
