"""Ingest rate into a large PostgreSQL store as it is, and with schema 12's write path, without changing it.

    .venv/bin/python benchmarks/scale_ingest.py --postgres-url URL --schema SCHEMA [--schema SCHEMA2]
                                                [--articles 2000] [--batch 500]

For each schema (a store of the search benchmark's, e.g. newsdesk_bench_search_1000000_s7_v2 and the
100,000 one), new articles of the search benchmark's generator (another seed; their addresses under
/bench-ingest/, so none is in the store) are stored with Store.put_many in batches, each batch inside an
outer transaction that is then rolled back: the store is left as it was (but for dead rows, which
VACUUM takes). Every other batch is stored with the trigger that keeps `article_days` (schema 13)
disabled in that transaction, which is schema 12's write path; the two take turns, the order swapped
every round. Prints articles per second for each store and way, their ratios, the store's bytes per
article (every relation of the schema) and the load. Ratios of one run are the figures to compare.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import Any

from backends import in_schema, load_average
from corpus import make_articles, require_data
from newsdesk.store import SearchRequest, open_store
from newsdesk.store.postgres import PostgresStore


def put_rolled_back(store: PostgresStore, batch: list[Any], trigger: bool) -> float:
    """Seconds of put_many of `batch` inside an outer transaction rolled back afterwards."""
    import psycopg

    connection = store._connection
    with store._lock:
        started = 0.0
        with connection.transaction():
            if not trigger:
                connection.execute(b"ALTER TABLE article_search DISABLE TRIGGER article_search_days")
            started = time.perf_counter()
            store.put_many(batch)
            seconds = time.perf_counter() - started
            raise psycopg.Rollback()
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgres-url", required=True, help="the PostgreSQL database of the stores")
    ap.add_argument("--schema", action="append", required=True, help="a store's schema (repeatable)")
    ap.add_argument("--articles", type=int, default=2_000, help="articles stored (and rolled back) per way")
    ap.add_argument("--batch", type=int, default=500, help="articles per put_many")
    args = ap.parse_args()
    require_data()
    articles = [replace(article, url=article.url.replace("/bench/", "/bench-ingest/"))
                for article in make_articles(args.articles, seed=11)]
    print(f"load average before: {load_average()}", flush=True)
    rows = []
    for schema in args.schema:
        store = open_store(in_schema(args.postgres_url, schema))
        assert isinstance(store, PostgresStore)
        count = store.count(SearchRequest())
        size = store._read("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                           "JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')")[0][0]
        seconds = {True: 0.0, False: 0.0}
        for round, start in enumerate(range(0, len(articles), args.batch)):
            batch = articles[start:start + args.batch]
            for trigger in ((True, False) if round % 2 == 0 else (False, True)):
                seconds[trigger] += put_rolled_back(store, batch, trigger)
        store.close()
        rows.append((schema, count, int(size), len(articles) / seconds[True], len(articles) / seconds[False]))
        print(f"{schema}: done, load average {load_average()}", flush=True)
    print(f"load average after: {load_average()}")
    print(f"\n{len(articles):,} new articles per way, put_many in batches of {args.batch}, rolled back")
    print(f"{'schema':<40} {'articles':>9} {'bytes/article':>13} {'schema 13 /s':>12} {'schema 12 /s':>12} "
          f"{'13 / 12':>7}")
    for schema, count, size, new, old in rows:
        print(f"{schema:<40} {count:>9,} {size / count:>13,.0f} {new:>12.1f} {old:>12.1f} {new / old:>7.2f}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        bytes_ratio = (last[2] / last[1]) / (first[2] / first[1])
        print(f"{last[0]} against {first[0]}: bytes per article x{bytes_ratio:.2f}, "
              f"ingest rate schema 13 x{last[3] / first[3]:.2f}, schema 12's way x{last[4] / first[4]:.2f}")


if __name__ == "__main__":
    main()
