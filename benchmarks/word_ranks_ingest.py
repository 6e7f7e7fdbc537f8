"""What the stored ranks of the head's words (PostgreSQL schema 12, `article_word_ranks`) cost when storing.

    .venv/bin/python benchmarks/word_ranks_ingest.py --postgres-url URL [--articles 10000] [--batch 500]

Two fresh schemas of the PostgreSQL database: one of schema 12 (this newsdesk), one of schema 11 (the
migrations up to 11 only, written without the word ranks, as newsdesk before schema 12 wrote). The same
articles (corpus.make_articles, seed 7, the search benchmark's) go into both with Store.put_many in
batches, the two stores taking turns batch by batch and the order swapped every round, so that neither
gets the quieter minute of the shared machine. Prints each store's articles per second (wall time of
put_many, summed), the ratio, the size of the schema-12 table and its indexes per article, and the load.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from backends import in_schema, load_average, reset_schema
from corpus import make_articles, require_data
from newsdesk.store import open_store, postgres, postgres_schema


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgres-url", required=True, help="a PostgreSQL database to make two schemas in")
    ap.add_argument("--articles", type=int, default=10_000, help="articles stored into each schema")
    ap.add_argument("--batch", type=int, default=500, help="articles per put_many")
    args = ap.parse_args()
    require_data()
    articles = list(make_articles(args.articles))
    urls = {}
    for version in (11, 12):
        schema = f"newsdesk_bench_word_ranks_{version}"
        reset_schema(args.postgres_url, schema)
        urls[version] = in_schema(args.postgres_url, schema)
    keep = postgres.keep_word_ranks
    everything = postgres.MIGRATIONS
    refill = postgres_schema._refill_word_ranks
    postgres.MIGRATIONS = everything[:11]  # type: ignore[misc]
    postgres_schema._refill_word_ranks = lambda cur: None  # type: ignore[assignment]
    old = open_store(urls[11])
    postgres.MIGRATIONS = everything  # type: ignore[misc]
    postgres_schema._refill_word_ranks = refill  # type: ignore[assignment]
    new = open_store(urls[12])
    print(f"load average before: {load_average()}", flush=True)
    seconds = {11: 0.0, 12: 0.0}

    def put(version: int, batch: list[Any]) -> None:
        postgres.keep_word_ranks = keep if version == 12 else (lambda cur, ids, replace: None)  # type: ignore[assignment]
        started = time.perf_counter()
        (new if version == 12 else old).put_many(batch)
        seconds[version] += time.perf_counter() - started
        postgres.keep_word_ranks = keep  # type: ignore[assignment]

    for round, start in enumerate(range(0, len(articles), args.batch)):
        batch = articles[start:start + args.batch]
        for version in ((12, 11) if round % 2 == 0 else (11, 12)):
            put(version, batch)
    assert isinstance(new, postgres.PostgresStore)
    size = new._read("SELECT pg_total_relation_size('article_word_ranks'), count(*) FROM article_word_ranks")
    search = new._read("SELECT pg_total_relation_size('article_search')")[0][0]
    old.close()
    new.close()
    print(f"load average after: {load_average()}")
    print(f"\n{len(articles):,} articles, put_many in batches of {args.batch}, the two stores taking turns")
    print(f"{'store':<32} {'articles/s':>10} {'seconds':>8}")
    for version in (11, 12):
        label = "schema 11 (no word ranks)" if version == 11 else "schema 12 (word ranks)"
        print(f"{label:<32} {len(articles) / seconds[version]:>10.1f} {seconds[version]:>8.1f}")
    print(f"schema 12 / schema 11 rate: {seconds[11] / seconds[12]:.2f}")
    print(f"article_word_ranks: {size[0][1]:,} rows, {size[0][0] / len(articles):,.0f} bytes per article "
          f"with its indexes (article_search with its indexes: {search / len(articles):,.0f})")


if __name__ == "__main__":
    main()
