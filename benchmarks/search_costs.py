"""Where a SQLite search's time goes: the search benchmark's unfiltered queries taken apart, on its store.

    .venv/bin/python benchmarks/search_costs.py [--articles 1000000] [--repeat 5] [--query TEXT ...]
                                                [--prefix-index LENGTHS]

Opens the search benchmark's cached SQLite store of `--articles` articles (benchmarks/search.py builds
it; this never builds or writes articles: the statements run on a read-only connection, the whole
searches on the store opened as the search benchmark opens it) and times, in CPU milliseconds of this
process (median of `--repeat` runs after one warm-up), the statements that one ranked FTS5 search is
made of:

* `count`: iterating the matches (`SELECT count(*) ... MATCH`), positions not read; for a prefix, this
  includes merging the doclists of every indexed word that starts with it.
* `open`: the cursor on one match (`... AND rowid = first match`), no rank: for a prefix, the same merge.
* `bm25 setup`: ranking that one match, less `open`: bm25's IDF, which FTS5 gets by running the query
  of each phrase once more over all its matches (`xQueryPhrase`), merging a prefix's words again.
* `bm25 / match`: `count(*) ... AND rank < 0` (every match ranked), less `count` and `bm25 setup`.
* `top 21`: the store's ranked statement (`ORDER BY rank, rowid LIMIT 21`), less the previous.
* `hits`: `Store.search` (the statement, reading the 20 hits' fields, making their snippets), less the
  ranked statement.

With `--prefix-index "4 6"` it also builds (once; kept beside the store as
`search-N-s7-v2-prefixL.fts.db`) the store's full-text index again in a file of its own, with FTS5 prefix
indexes of those lengths (what a schema change would add), from the store's articles
(`rows.index_of`, as the store indexes them), checks that every query ranks the same ids with the same
scores on it, and times the same statements there (no `hits`: that file holds only the index).

The figures are CPU time, which the load of a shared machine moves less than wall time; they are
comparable within one run.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backends import header, load_average
from corpus import CACHE, CORPUS_VERSION
from newsdesk.article import Article
from newsdesk.search.query import parse_query, to_fts5
from newsdesk.store import SearchRequest, open_store, rows
from search import QUERIES, SEED

LIMIT = 20


def cpu_ms(run: Callable[[], Any], repeat: int) -> float:
    """Median CPU milliseconds of `run`, after one warm-up call."""
    run()
    spent = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        spent.append(1000 * (time.process_time() - started))
    return statistics.median(spent)


def costs(connection: sqlite3.Connection, search: Callable[[str], Any] | None, text: str,
          repeat: int) -> dict[str, float] | None:
    """The parts of one ranked search of `text` (see the module's docstring); None when nothing matches."""
    match = to_fts5(parse_query(text))  # type: ignore[arg-type]

    def read(sql: str, *params: Any) -> Callable[[], list[Any]]:
        return lambda: connection.execute(sql, [match, *params]).fetchall()

    matches = read("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?")()[0][0]
    if not matches:
        return None
    first = read("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid LIMIT 1")()[0][0]
    count = cpu_ms(read("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"), repeat)
    opened = cpu_ms(read("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?", first),
                    repeat)
    one = cpu_ms(read("SELECT rank FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?", first),
                 repeat)
    every = cpu_ms(read("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ? AND rank < 0"), repeat)
    ranked = cpu_ms(read("SELECT rowid, rank FROM articles_fts f WHERE articles_fts MATCH ? "
                         "ORDER BY f.rank, f.rowid LIMIT ?", LIMIT + 1), repeat)
    setup = one - opened
    found = {"matches": matches, "count": count, "open": opened, "bm25 setup": setup,
             "bm25 / match": every - count - setup, "top 21": ranked - every, "ranked": ranked}
    if search is not None:
        whole = cpu_ms(lambda: search(text), repeat)
        found.update({"hits": whole - ranked, "search": whole})
    return found


def top(connection: sqlite3.Connection, text: str) -> list[Any]:
    match = to_fts5(parse_query(text))  # type: ignore[arg-type]
    return connection.execute("SELECT rowid, rank FROM articles_fts f WHERE articles_fts MATCH ? "
                              "ORDER BY f.rank, f.rowid LIMIT 100", [match]).fetchall()


def prefixed_copy(path: Path, lengths: str) -> Path:
    """A file holding the store's full-text index made again with FTS5 prefix indexes of `lengths`."""
    copy = path.with_name(f"{path.stem}-prefix{lengths.replace(' ', '-')}.fts.db")
    if copy.exists():
        return copy
    partial = copy.with_name(copy.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    out = sqlite3.connect(partial, isolation_level=None)
    out.execute("PRAGMA journal_mode = OFF")
    out.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, authors, body, content='', "
                f"tokenize='ascii', columnsize=0, prefix='{lengths}')")
    out.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(5.0, 2.0, 1.0)')")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    last = 0
    while True:
        batch = source.execute("SELECT id, data FROM articles WHERE id > ? ORDER BY id LIMIT 2000",
                               [last]).fetchall()
        if not batch:
            break
        out.execute("BEGIN")
        out.executemany("INSERT INTO articles_fts (rowid, title, authors, body) VALUES (?, ?, ?, ?)",
                        [(id, *rows.index_of(Article.from_json(data)).columns()) for id, data in batch])
        out.execute("COMMIT")
        last = batch[-1][0]
    source.close()
    out.close()
    partial.replace(copy)
    print(f"built {copy} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return copy


COLUMNS = ["count", "open", "bm25 setup", "bm25 / match", "top 21", "hits", "ranked", "search"]


def table(connection: sqlite3.Connection, search: Callable[[str], Any] | None, texts: list[str],
          repeat: int) -> None:
    print(f"{'query':<40} {'matches':>8}" + "".join(f" {name:>12}" for name in COLUMNS))
    for text in texts:
        found = costs(connection, search, text, repeat)
        if found is None:
            print(f"{text[:40]:<40} {0:>8}")
            continue
        print(f"{text[:40]:<40} {int(found['matches']):>8,}" +
              "".join(f" {found[name]:>12.1f}" if name in found else f" {'':>12}" for name in COLUMNS),
              flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000, help="articles in the benchmark's store")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each statement, after a warm-up")
    ap.add_argument("--query", action="append", default=[],
                    help="a query to take apart (repeatable); default: the search benchmark's queries "
                         "without filters, ranked by relevance")
    ap.add_argument("--prefix-index", metavar="LENGTHS",
                    help='also time the statements on a copy of the index with FTS5 prefix indexes of these '
                         'lengths (e.g. "4 6"; built once, kept beside the store)')
    args = ap.parse_args(argv)
    if args.prefix_index is not None and not all(n.isdigit() for n in args.prefix_index.split()):
        ap.error("--prefix-index takes lengths such as \"4 6\"")
    if args.articles < 1 or args.repeat < 1:
        ap.error("--articles and --repeat must be at least 1")
    path = CACHE / f"search-{args.articles}-s{SEED}-v{CORPUS_VERSION}.db"
    if not path.exists():
        sys.exit(f"{path}: no such store; build it first: benchmarks/search.py --articles {args.articles} "
                 "--backends sqlite --build-only")
    texts = args.query or [query.text for query in QUERIES if not query.options]
    print(f"{header()}\n{path} ({args.articles:,} articles), CPU ms, median of {args.repeat} runs")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    store = open_store(f"sqlite:///{path.resolve()}")
    try:
        table(connection, lambda t: store.search(SearchRequest(query=t, limit=LIMIT)), texts, args.repeat)
    finally:
        store.close()
    if args.prefix_index:
        copy = prefixed_copy(path, " ".join(args.prefix_index.split()))
        prefixed = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        differ = [text for text in texts if top(connection, text) != top(prefixed, text)]
        print(f"\nthe same index with prefix='{args.prefix_index}' ({copy.stat().st_size / 2**20:,.0f} MB, "
              f"the store's index {_index_mb(connection):,.0f} MB); the first 100 ids and scores of every "
              f"query {'differ for ' + ', '.join(differ) if differ else 'are the same'}")
        table(prefixed, None, texts, args.repeat)
        prefixed.close()
    connection.close()
    print(f"load average after the run: {load_average()}")


def _index_mb(connection: sqlite3.Connection) -> float:
    found = connection.execute("SELECT sum(length(block)) FROM articles_fts_data").fetchone()[0]
    return float(found or 0) / 2**20


if __name__ == "__main__":
    main()
