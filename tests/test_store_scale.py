"""The store at scale: PostgreSQL's bounded ranking gives exactly the full ranking's order, reads run on
a pool of connections, and a store says when it changed (what the desk's caches keep to)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import fresh_store_url, scrapinghub_articles, write_as_before_page_types
from newsdesk import Article, SearchRequest
from newsdesk.search.query import parse_query
from newsdesk.store import open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.postgres_ranking import or_words


@pytest.fixture(scope="module")
def postgres_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresStore]:
    with fresh_store_url("postgres", tmp_path_factory.mktemp("scale")) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore)
        store.put_many(scrapinghub_articles())
        yield store


# Words common in the bodies (so many matches rank only on the body) and found in some titles.
BOUNDED = ["the", "said", "google", "apple OR google", "president OR trump OR election", "new",
           '"new york" OR london', "company OR business OR market", "year", "game OR games"]
FILTERS: list[dict[str, str]] = [{}, {"language": "en"}, {"since": "2018-01-01"}]


@pytest.mark.parametrize("query", BOUNDED)
def test_bounded_ranking_is_exactly_the_full_ranking(postgres_corpus: PostgresStore, query: str) -> None:
    """Page after page (the cursor's keyset included), for several page sizes and filters, the bounded
    ranking gives the same articles in the same order with the same scores as ranking every match."""
    tree = parse_query(query)
    assert tree is not None and or_words(tree) is not None
    bounded_pages = 0
    for filters in FILTERS:
        request = SearchRequest(query, **filters)  # type: ignore[arg-type]
        for limit in (1, 3, 10, 21):
            after: tuple[float, int] | None = None
            for _ in range(4):
                full = postgres_corpus._ranked_fully(tree, request, after, limit)
                words = or_words(tree)
                assert words is not None
                bounded = postgres_corpus._ranked_by_head(tree, words, request, after, limit)
                if bounded is not None:
                    bounded_pages += 1
                    assert bounded == full, (query, filters, limit, after)
                assert postgres_corpus._ranked(tree, request, after, limit) == full
                if len(full) < limit:
                    break
                after = (float(full[-1][1]), full[-1][0])
    assert bounded_pages, f"the bounded ranking never applied to {query!r}: the test would prove nothing"


@pytest.mark.parametrize("query", ["elect*", "google AND apple", '"new york"', "google -apple",
                                   "(apple OR google) AND phone", "the -google OR apple"])
def test_queries_the_bounds_do_not_hold_for_are_ranked_fully(query: str) -> None:
    tree = parse_query(query)
    assert tree is not None and or_words(tree) is None


def test_search_results_do_not_change_with_the_bounded_ranking(postgres_corpus: PostgresStore) -> None:
    """What Store.search shows (pages by cursor) is the full ranking's, page after page."""
    for query in ("the", "apple OR google"):
        tree = parse_query(query)
        assert tree is not None
        everything = postgres_corpus._ranked_fully(tree, SearchRequest(query), None, 10_000)
        seen: list[int] = []
        cursor = None
        for _ in range(6):
            page = postgres_corpus.search(SearchRequest(query, limit=7, cursor=cursor))
            seen += [hit.id for hit in page.hits]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [id for id, _ in everything[:len(seen)]]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_reads_from_many_threads_at_once_agree(kind: str, tmp_path: Path) -> None:
    with fresh_store_url(kind, tmp_path) as url, open_store(url) as store:
        store.put_many(scrapinghub_articles()[:60])
        expected = [hit.id for hit in store.search(SearchRequest("the", limit=10)).hits]
        results: list[list[int]] = []
        failures: list[BaseException] = []

        def read() -> None:
            try:
                for _ in range(5):
                    results.append([hit.id for hit in store.search(SearchRequest("the", limit=10)).hits])
                    assert store.count() == 60
            except BaseException as error:  # reported below
                failures.append(error)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures
        assert results == [expected] * 40


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_generation_changes_with_every_write_and_only_then(kind: str, tmp_path: Path) -> None:
    with fresh_store_url(kind, tmp_path) as url, open_store(url) as store, open_store(url) as other:
        generation = getattr(store, "generation")  # noqa: B009 (SQL stores only)
        before = generation()
        store.search(SearchRequest("anything"))
        store.count()
        assert generation() == before
        store.put(Article(url="https://example.org/a", title="A", body="One two three."))
        after_put = generation()
        assert after_put != before
        other.record_error("elsewhere", "fetch", "refused")  # a write by another connection
        assert generation() != after_put


def test_a_postgres_store_of_version_6_gets_the_head_of_every_article(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.store import postgres

    articles = scrapinghub_articles()[:80]
    with fresh_store_url("postgres", tmp_path) as url:
        monkeypatch.setattr(postgres, "MIGRATIONS", postgres.MIGRATIONS[:6])
        write_as_before_page_types(monkeypatch)
        with open_store(url) as store:
            store.put_many(articles)
            assert isinstance(store, PostgresStore)
            toasted = toast_bytes(store)
            assert toasted > 0
        monkeypatch.undo()
        with open_store(url) as store:
            assert isinstance(store, PostgresStore)
            assert store._read("SELECT version FROM schema_version") == [(len(postgres.MIGRATIONS),)]
            # The tsvectors moved into the rows (the table was rewritten): none is fetched from TOAST.
            assert set(store._read("SELECT attstorage FROM pg_attribute WHERE attrelid = "
                                   "'article_search'::regclass AND attnum > 0 AND attlen = -1")) == {("m",)}
            assert toast_bytes(store) < toasted / 2  # (long bodies still need it)
            # Every article's head is its title's and authors' words, nothing of the body.
            titled = store._read("SELECT count(*) FROM article_search WHERE head @@ CAST(? AS tsquery)",
                                 ["'the'"])[0][0]
            assert 0 < titled < store.count(SearchRequest("the"))
            tree = parse_query("the")
            assert tree is not None
            assert store._ranked_by_head(tree, ["the"], SearchRequest("the"), None, 5) == \
                store._ranked_fully(tree, SearchRequest("the"), None, 5)


def toast_bytes(store: PostgresStore) -> int:
    found = store._read("SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = "
                        "'article_search'::regclass")
    return int(found[0][0])
