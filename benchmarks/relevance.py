"""Ranking quality of search, measured: ECB+ topics hidden among the search benchmark's articles.

    .venv/bin/python benchmarks/relevance.py [--articles 100000] [--backends sqlite,postgres]
                                             [--postgres-url URL]

The relevance set: every ECB+ document (../shared/data/ecbplus, 33 topics, 772 documents) stored as
an article (its first line that is not a URL as the title, the rest as the body) among the search
benchmark's --articles generated ones (benchmarks/search.py's cached store, copied: a SQLite file, a
PostgreSQL schema via pg_dump). Each topic has one query, a few words naming its seminal event
(TOPICS below, written by hand from the topics' first documents before any ranking was measured and
not changed after); the topic's documents (both of its events) are the relevant ones.

Scores per backend and ranking, mean over topics: nDCG@10 (binary relevance) and recall@20, from
the store's top 20 for the query (Store.search, as the desk and `newsdesk search` show it).
Rankings compared, in the same run on the same store:

* sqlite, before: FTS5 bm25(5, 2, 1) with document-length normalisation (an index with column sizes,
  as schema version 4 had it), built beside the current one in the copy;
* sqlite, now: the store's index without column sizes (columnsize=0, schema version 5);
* postgres, full: ts_rank over every match (what newsdesk did before schema version 7);
* postgres, now: Store.search (the bounded candidate ranking where it applies, else the full one).

Nothing here is fitted: there is no training split, and these figures were not used to choose a
ranking.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from backends import add_backend_options, chosen_backends, header, in_schema, schema_exists
from corpus import CACHE, CORPUS_VERSION, require_data
from ecbplus_data import documents
from newsdesk.article import Article
from newsdesk.search.query import parse_query, to_fts5
from newsdesk.store import SearchRequest, open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.sql import SqlStore
from newsdesk.store.sqlite import SQLiteStore

SEED = 7  # the search benchmark's articles
TOP = 20
URL = "https://ecbplus.example/{}"
TOPICS = {
    1: "rehab center", 2: "host oscars", 3: "escaped prisoner", 4: "pinup dies", 5: "76ers coach cheeks",
    6: "sequel director negotiations", 7: "klitschko heavyweight", 8: "bank bomb",
    9: "endangered species act", 10: "teixeira offer", 11: "turkmenistan parliament elections",
    12: "navy pirates", 13: "alaska fire", 14: "waitrose fire", 16: "deputy killed",
    18: "office shooting murder", 19: "riots police shooting", 20: "earthquake iran", 21: "woman killed",
    22: "workplace shooting", 23: "climber dies", 24: "paris jewellery heist", 25: "saints injured reserve",
    26: "mafia boss", 27: "microsoft patch", 28: "watergate dies", 29: "colts playoffs",
    30: "undersea cable", 31: "scoring record", 32: "murder mother", 33: "girl killed stray bullet",
    34: "surgeon general", 35: "arrested dui",
}
_SIZED = """
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts_sized USING fts5(title, authors, body, content='',
    tokenize='ascii');
INSERT INTO articles_fts_sized (articles_fts_sized, rank) VALUES ('rank', 'bm25(5.0, 2.0, 1.0)')
"""


@dataclass(frozen=True)
class Score:
    ndcg: float
    recall: float


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _marker(articles: int) -> str:
    return f"benchmark:relevance:{articles}:{SEED}:{CORPUS_VERSION}"


def ecb_articles() -> list[tuple[int, Article]]:
    out = []
    for document in documents(sorted(TOPICS)):
        lines = [line for line in document.text.splitlines() if line.strip()]
        title = next((line for line in lines if "http" not in line and "www." not in line), "")
        body = "\n\n".join(line for line in lines if line != title)
        out.append((document.topic, Article(url=URL.format(document.name), title=title, body=body,
                                            language="en")))
    return out


def _search_store(backend: str, articles: int, postgres: str | None) -> None:
    """Make sure the search benchmark's store exists (it builds and caches it)."""
    command = [sys.executable, str(Path(__file__).with_name("search.py")), "--articles", str(articles),
               "--backends", backend, "--repeat", "1"]
    if postgres:
        command += ["--postgres-url", postgres]
    log(f"{backend}: making sure the search benchmark's store exists: {' '.join(command)}")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def open_copy(backend: str, articles: int, postgres: str | None) -> SqlStore:
    """The copy of the search benchmark's store with the ECB+ documents in it."""
    name = f"search-{articles}-s{SEED}-v{CORPUS_VERSION}"
    copy = f"relevance-{articles}-s{SEED}-v{CORPUS_VERSION}"
    if backend == "sqlite":
        source, target = CACHE / f"{name}.db", CACHE / f"{copy}.db"
        url = f"sqlite:///{target}"
        if target.exists():
            with open_store(url) as store:
                if store.is_done(_marker(articles)):
                    return _opened(url)
        if not source.exists():
            _search_store(backend, articles, None)
        log(f"sqlite: copying {source}")
        with open_store(f"sqlite:///{source}") as store:  # checkpointed into the file on close
            pass
        shutil.copyfile(source, target)
    else:
        assert postgres
        schema, target_schema = ("newsdesk_bench_" + n.replace("-", "_") for n in (name, copy))
        url = in_schema(postgres, target_schema)
        if schema_exists(postgres, target_schema):
            with open_store(url) as store:
                if store.is_done(_marker(articles)):
                    return _opened(url)
        if not schema_exists(postgres, schema):
            _search_store(backend, articles, postgres)
        log(f"postgres: copying schema {schema} (pg_dump)")
        import psycopg

        with psycopg.connect(postgres, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{target_schema}" CASCADE'.encode())
        dump = subprocess.run(["pg_dump", "-d", postgres, "-n", schema], check=True,
                              capture_output=True).stdout
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", postgres], check=True,
                       stdout=subprocess.DEVNULL, input=dump.replace(schema.encode(), target_schema.encode()))
    started = time.monotonic()
    store = _opened(url)
    store.put_many([article for _, article in ecb_articles()])
    if isinstance(store, SQLiteStore):
        _index_with_sizes(store)
    store.mark_done(_marker(articles))
    log(f"{backend}: ECB+ documents added in {time.monotonic() - started:.0f} s")
    return store


def _opened(url: str) -> SqlStore:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    return store


def _index_with_sizes(store: SQLiteStore) -> None:
    """Beside the store's index, one with column sizes (bm25 normalised by length, as before)."""
    from newsdesk.store import rows

    log("sqlite: indexing every article again with column sizes (the ranking before columnsize=0)")
    with store._transaction() as cur:
        for statement in filter(str.strip, _SIZED.split(";")):
            cur.execute(statement)
        cur.execute("INSERT INTO articles_fts_sized (articles_fts_sized) VALUES ('delete-all')")
        last = 0
        while True:
            found = cur.execute("SELECT id, data FROM articles WHERE id > ? ORDER BY id LIMIT 2000",
                                [last]).fetchall()
            if not found:
                break
            values = [(id, *rows.index_of(Article.from_json(data)).columns()) for id, data in found]
            cur.executemany("INSERT INTO articles_fts_sized (rowid, title, authors, body) "
                            "VALUES (?, ?, ?, ?)",
                            values)
            last = found[-1][0]


def ranked_ids(store: SqlStore, ranking: str, query: str) -> list[int]:
    tree = parse_query(query)
    assert tree is not None
    request = SearchRequest(query, limit=TOP)
    if ranking == "before":
        found = store._read("SELECT rowid FROM articles_fts_sized WHERE articles_fts_sized MATCH ? "
                            "ORDER BY rank, rowid LIMIT ?", [to_fts5(tree), TOP])
        return [int(id) for id, in found]
    if ranking == "full":
        assert isinstance(store, PostgresStore)
        return [id for id, _ in store._ranked_fully(tree, request, None, TOP)]
    return [hit.id for hit in store.search(request).hits]


def score(found: list[int], relevant: set[int]) -> Score:
    dcg = sum(1 / math.log2(rank + 2) for rank, id in enumerate(found[:10]) if id in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(10, len(relevant))))
    return Score(dcg / ideal if ideal else 0.0, len(set(found[:TOP]) & relevant) / len(relevant))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="the search benchmark's store size")
    add_backend_options(parser)
    args = parser.parse_args()
    require_data()
    backends, postgres = chosen_backends(args)
    print(header())
    topics = [topic for topic, _ in ecb_articles()]
    results: dict[str, dict[int, Score]] = {}
    counts: dict[int, int] = {}
    for backend in backends:
        if backend == "postgres" and not postgres:
            continue
        with open_copy(backend, args.articles, postgres) as store:
            ids = {url: int(id) for id, url in store._read("SELECT id, url FROM articles WHERE url LIKE ?",
                                                            [URL.format("%")])}
            relevant: dict[int, set[int]] = {}
            for topic, article in zip(topics, (a for _, a in ecb_articles()), strict=True):
                relevant.setdefault(topic, set()).add(ids[article.url or ""])
            counts = {topic: len(found) for topic, found in relevant.items()}
            for ranking in (("before", "now") if backend == "sqlite" else ("full", "now")):
                results[f"{backend} {ranking}"] = {
                    topic: score(ranked_ids(store, ranking, query), relevant[topic])
                    for topic, query in TOPICS.items()}
    print(f"\n{len(TOPICS)} ECB+ topics ({sum(counts.values())} documents) among {args.articles:,} articles; "
          f"binary relevance: a topic's documents\n")
    names = list(results)
    print(f"{'#':>3} {'query':<34} {'rel':>4}" + "".join(f" {name:>22}" for name in names))
    for topic, query in TOPICS.items():
        cells = "".join(f"   {results[n][topic].ndcg:>6.3f} / {results[n][topic].recall:>5.3f}    "
                        for n in names)
        print(f"{topic:>3} {query:<34} {counts.get(topic, 0):>4}{cells}")
    print(f"\n{'ranking':<18} {'nDCG@10':>8} {'recall@20':>10}")
    for name in names:
        scores = list(results[name].values())
        print(f"{name:<18} {sum(s.ndcg for s in scores) / len(scores):>8.3f} "
              f"{sum(s.recall for s in scores) / len(scores):>10.3f}")
    print("(mean over topics; the queries were written before any ranking was measured: nothing is fitted)")


if __name__ == "__main__":
    main()
