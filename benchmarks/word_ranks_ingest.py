"""What the stored ranks of the head's words (PostgreSQL schema 12, `article_word_ranks`) or the days and
words of coverage (schema 13, `article_days`) cost when storing.

    .venv/bin/python benchmarks/word_ranks_ingest.py --postgres-url URL [--articles 10000] [--batch 500]
                                                     [--version 12|13]

Two fresh schemas of the PostgreSQL database: one of schema 12 (this newsdesk), one of schema 11 (the
migrations up to 11 only, written without the word ranks, as newsdesk before schema 12 wrote); with
`--version 13`, one of schema 13 (this newsdesk) and one of schema 12 (the migrations up to 12 only:
no article_days, no trigger keeping it). The same
articles (corpus.make_articles, seed 7, the search benchmark's) go into both with Store.put_many in
batches, the two stores taking turns batch by batch and the order swapped every round, so that neither
gets the quieter minute of the shared machine. Prints each store's articles per second (wall time of
put_many, summed), the ratio, the size of the new table and its indexes per article, and the load.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from backends import in_schema, load_average, reset_schema
from corpus import make_articles, require_data
from newsdesk.store import open_store, postgres, postgres_schema

# What each compared schema version adds when storing (the table measured), and how the version before it
# wrote (patched while the older store writes: the word ranks are written by the store; the days of
# schema 13 by a trigger of the schema itself, so the older store's schema alone leaves them out).
ADDED = {12: ("article_word_ranks", "word ranks"), 13: ("article_days", "days and words")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgres-url", required=True, help="a PostgreSQL database to make two schemas in")
    ap.add_argument("--articles", type=int, default=10_000, help="articles stored into each schema")
    ap.add_argument("--batch", type=int, default=500, help="articles per put_many")
    ap.add_argument("--version", type=int, choices=sorted(ADDED), default=12,
                    help="the schema version compared with the one before it")
    args = ap.parse_args()
    require_data()
    articles = list(make_articles(args.articles))
    new_version, old_version = args.version, args.version - 1
    table, what = ADDED[new_version]
    urls = {}
    for version in (old_version, new_version):
        schema = f"newsdesk_bench_word_ranks_{version}"
        reset_schema(args.postgres_url, schema)
        urls[version] = in_schema(args.postgres_url, schema)
    keep = postgres.keep_word_ranks
    everything = postgres.MIGRATIONS
    refill = postgres_schema._refill_word_ranks
    postgres.MIGRATIONS = everything[:old_version]  # type: ignore[misc]
    postgres_schema._refill_word_ranks = lambda cur: None  # type: ignore[assignment]
    old = open_store(urls[old_version])
    postgres.MIGRATIONS = everything  # type: ignore[misc]
    postgres_schema._refill_word_ranks = refill  # type: ignore[assignment]
    new = open_store(urls[new_version])
    print(f"load average before: {load_average()}", flush=True)
    seconds = {old_version: 0.0, new_version: 0.0}

    def put(version: int, batch: list[Any]) -> None:
        if version == 11:
            postgres.keep_word_ranks = lambda cur, ids, replace: None  # type: ignore[assignment]
        started = time.perf_counter()
        (new if version == new_version else old).put_many(batch)
        seconds[version] += time.perf_counter() - started
        postgres.keep_word_ranks = keep  # type: ignore[assignment]

    for round, start in enumerate(range(0, len(articles), args.batch)):
        batch = articles[start:start + args.batch]
        for version in ((new_version, old_version) if round % 2 == 0 else (old_version, new_version)):
            put(version, batch)
    assert isinstance(new, postgres.PostgresStore)
    size = new._read(f"SELECT pg_total_relation_size('{table}'), count(*) FROM {table}")
    search = new._read("SELECT pg_total_relation_size('article_search')")[0][0]
    old.close()
    new.close()
    print(f"load average after: {load_average()}")
    print(f"\n{len(articles):,} articles, put_many in batches of {args.batch}, the two stores taking turns")
    print(f"{'store':<32} {'articles/s':>10} {'seconds':>8}")
    for version in (old_version, new_version):
        label = f"schema {version} ({'no ' if version == old_version else ''}{what})"
        print(f"{label:<32} {len(articles) / seconds[version]:>10.1f} {seconds[version]:>8.1f}")
    ratio = seconds[old_version] / seconds[new_version]
    print(f"schema {new_version} / schema {old_version} rate: {ratio:.2f}")
    print(f"{table}: {size[0][1]:,} rows, {size[0][0] / len(articles):,.0f} bytes per article "
          f"with its indexes (article_search with its indexes: {search / len(articles):,.0f})")


if __name__ == "__main__":
    main()
