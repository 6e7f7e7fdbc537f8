"""benchmarks/scale_ingest.py: the batches it times are stored and rolled back, leaving the store as it was
(SQLite and PostgreSQL), and the store takes ordinary writes afterwards."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import PROJECT, fresh_store_url
from newsdesk import Article, SearchRequest
from newsdesk.store import open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.sqlite import SQLiteStore

sys.path.insert(0, str(PROJECT / "benchmarks"))
import scale_ingest  # a benchmark script, beside its own modules


def _articles(prefix: str, word: str, count: int) -> list[Article]:
    return [Article(url=f"https://ingest.example/{prefix}/{number}", title=f"Harbour notes {number}",
                    body=f"The ferry timetable changed again. {word} was said at the quay. Number {number}.",
                    published=f"2024-03-{number + 1:02d}") for number in range(count)]


def _found(store: SQLiteStore | PostgresStore, word: str) -> int:
    return store.count(SearchRequest(query=word))


def test_a_rolled_back_sqlite_batch_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    with fresh_store_url("sqlite", tmp_path) as url, open_store(url) as store:
        assert isinstance(store, SQLiteStore)
        store.put_many(_articles("kept", "lighthouse", 3))
        index = store._read("SELECT count(*), sum(length(block)) FROM articles_fts_data")
        clock = scale_ingest.Clock()
        scale_ingest.put_rolled_back_sqlite(store, _articles("gone", "cormorant", 40), clock)
        assert clock.wall > 0 and clock.cpu > 0
        assert store.count(SearchRequest()) == 3
        assert _found(store, "cormorant") == 0 and _found(store, "lighthouse") == 3
        assert store._read("SELECT count(*), sum(length(block)) FROM articles_fts_data") == index
        store.put_many(_articles("later", "cormorant", 2))  # its own transaction again, committed
    with open_store(url) as reopened:
        assert reopened.count(SearchRequest()) == 5
        assert reopened.count(SearchRequest(query="cormorant")) == 2


def test_a_rolled_back_postgres_batch_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore)
        store.put_many(_articles("kept", "lighthouse", 3))
        clock = scale_ingest.Clock(store._connection.info.backend_pid)
        for trigger in (True, False):  # as the store is, and with the days' trigger off (schema 12's way)
            scale_ingest.put_rolled_back(store, _articles("gone", "cormorant", 40), trigger, clock)
        scale_ingest.clean_pending(store, clock)
        assert clock.wall > 0 and clock.cpu > 0
        assert store.count(SearchRequest()) == 3
        assert _found(store, "cormorant") == 0
        assert store._read("SELECT count(*) FROM article_days") == [(3,)]
        assert store._read("SELECT tgenabled FROM pg_trigger WHERE tgname = 'article_search_days' "
                           "AND tgrelid = CAST('article_search' AS regclass)") == [("O",)]
        store.put_many(_articles("later", "cormorant", 2))
        assert _found(store, "cormorant") == 2
        assert store._read("SELECT count(*) FROM article_days") == [(5,)]
