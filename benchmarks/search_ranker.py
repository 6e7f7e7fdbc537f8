"""SQLite's ranking of one phrase by newsdesk.store.fts5_rank's weighted count against FTS5's bm25, statement
against statement, on the search benchmark's store.

    .venv/bin/python benchmarks/search_ranker.py [--articles 1000000] [--repeat 5]

For the search benchmark's unfiltered queries of one phrase, times in CPU ms of this process (median of
`--repeat` runs after a warm-up):

* `bm25`: the ranked statement by bm25 (`ORDER BY rank, rowid LIMIT 21`), as the store ranked before;
* `count`: the store's ranking by the C functions (`SQLiteStore._ranked_by_count`: the best matches by
  weighted count kept in a heap in C, the number of matches they saw, the index's totals, in one
  transaction);
* `count(*)`: counting the matches with a statement of their own, for comparison (the IDF needs it).

It checks that both give the same 21 ids with the same scores, to the last bit.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any

from backends import header, load_average
from corpus import CACHE, CORPUS_VERSION
from newsdesk.search.query import Phrase, Term, parse_query, to_fts5
from newsdesk.store import fts5_rank
from newsdesk.store.sqlite import SQLiteStore
from search import QUERIES, SEED
from search_costs import cpu_ms

LIMIT = 21


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
    if not fts5_rank.available():
        sys.exit("newsdesk/store/fts5_rank.c is not built: install gcc and libsqlite3-dev, then run "
                 "scripts/bootstrap")
    store = SQLiteStore(path)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    averages = connection.execute("SELECT block FROM articles_fts_data WHERE id = 1").fetchone()[0]
    rows, _ = fts5_rank.totals(averages)
    print(f"{header()}\n{path} ({rows:,} articles), CPU ms, median of {args.repeat} runs; SQLite "
          f"{sqlite3.sqlite_version}")
    print(f"{'query':<24} {'matches':>8} {'bm25':>7} {'count':>7} {'ratio':>6} {'count(*)':>8}  same ids, "
          "same scores")
    for text in [query.text for query in QUERIES if not query.options and one_phrase(query.text)]:
        tree = parse_query(text)
        assert isinstance(tree, (Term, Phrase))
        match = to_fts5(tree)

        def ranked(match: str = match) -> list[Any]:
            return connection.execute("SELECT rowid, rank FROM articles_fts f WHERE articles_fts MATCH ? "
                                      "ORDER BY f.rank, f.rowid LIMIT ?", [match, LIMIT]).fetchall()

        def counted(tree: Term | Phrase = tree) -> list[Any] | None:
            return store._ranked_by_count(tree, LIMIT)

        def matching(match: str = match) -> int:
            return int(connection.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                          [match]).fetchone()[0])

        matches = matching()
        by_rank, by_count = ranked(), counted() or []
        same_ids = [id for id, _ in by_rank] == [id for id, _ in by_count]
        same_scores = [-rank for _, rank in by_rank] == [score for _, score in by_count]
        old, new, count = (cpu_ms(run, args.repeat) for run in (ranked, counted, matching))
        print(f"{text:<24} {matches:>8,} {old:>7.1f} {new:>7.1f} {new / old:>6.2f} {count:>8.1f}  "
              f"{'yes' if same_ids else 'NO'}, {'yes' if same_scores else 'NO'}", flush=True)
    connection.close()
    store.close()
    print(f"load average after the run: {load_average()}")


if __name__ == "__main__":
    main()
