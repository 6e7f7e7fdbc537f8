"""The PostgreSQL store's writing connection gathers a GIN merge in 64 MB of work_mem (never less than the
server gives it); its readers keep the server's setting; and what a merge writes is found by searches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import fresh_store_url
from newsdesk import Article, SearchRequest
from newsdesk.store import open_store
from newsdesk.store.postgres import PostgresStore


@contextmanager
def _store(tmp_path: Path, options: str = "") -> Iterator[PostgresStore]:
    with fresh_store_url("postgres", tmp_path) as url, \
            open_store(url.replace("options=", f"options={options}%20") if options else url) as store:
        assert isinstance(store, PostgresStore)
        yield store


def _writer(store: PostgresStore, setting: str) -> str:
    with store._lock:
        return str(store._connection.execute(f"SHOW {setting}".encode()).fetchone()[0])


def test_the_writer_merges_in_64_mb_and_the_readers_keep_the_servers_work_mem(tmp_path: Path) -> None:
    with _store(tmp_path, "-cwork_mem%3D4MB") as store:
        assert _writer(store, "work_mem") == "64MB"
        assert store._read("SHOW work_mem") == [("4MB",)]


def test_a_larger_work_mem_of_the_server_is_kept(tmp_path: Path) -> None:
    with _store(tmp_path, "-cwork_mem%3D256MB") as store:
        assert _writer(store, "work_mem") == "256MB"


def test_articles_merged_from_the_pending_lists_are_found(tmp_path: Path) -> None:
    # The smallest pending lists (64 kB): the inserts of one batch merge them into the indexes many times.
    with _store(tmp_path, "-cgin_pending_list_limit%3D64") as store:
        assert _writer(store, "gin_pending_list_limit") == "64kB"
        articles = [Article(url=f"https://gin.example/{number}", title=f"Tide table {number}",
                            body=f"The pier reading {number} came in at dawn. "
                                 + ("Gulls circled the breakwater. " if number % 3 == 0 else "Fog. ")
                                 + " ".join(f"buoy{number}x{word}" for word in range(40)),
                            published=f"2024-05-{number % 28 + 1:02d}") for number in range(300)]
        store.put_many(articles)
        assert store.count(SearchRequest(query="gulls")) == 100
        assert store.count(SearchRequest(query="buoy7x39")) == 1
        assert store.count(SearchRequest(query="tide")) == 300
        days = dict(store.published_days(SearchRequest(query="gulls")))
        assert sum(days.values()) == 100
