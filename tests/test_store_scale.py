"""The store at scale: PostgreSQL ranks from its RUM index in exactly the order of RUM's distance (and,
on a server without the extension, its bounded ranking gives exactly the full ranking's order), reads
run on a pool of connections, and a store says when it changed (what the desk's caches keep to)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

from conftest import (
    fresh_store_url,
    postgres_test_url,
    scrapinghub_articles,
    write_as_before_page_types,
    write_as_before_prefixes,
)
from newsdesk import Article, SearchRequest
from newsdesk.errors import StoreError
from newsdesk.search.query import Term, parse_query, to_tsquery
from newsdesk.store import open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.postgres_prefix import BUCKETS, crowded, group_of, most_lexemes
from newsdesk.store.postgres_ranking import index_ranks, or_words
from newsdesk.store.postgres_rum import RANKING_VARIABLE, RUM_INDEX


@pytest.fixture(scope="module")
def postgres_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresStore]:
    """The ScrapingHub corpus in a PostgreSQL store with its RUM index ($NEWSDESK_PG_RANKING=rum)."""
    folder = tmp_path_factory.mktemp("scale")
    with fresh_store_url("postgres", folder) as url, pytest.MonkeyPatch.context() as env:
        env.setenv(RANKING_VARIABLE, "rum")
        with open_store(url) as store:
            assert isinstance(store, PostgresStore)
            store.put_many(scrapinghub_articles())
            yield store


@pytest.fixture(scope="module")
def ts_rank_corpus(postgres_corpus: PostgresStore) -> Iterator[PostgresStore]:
    """The same store, opened again and ranking as it does on a server without the rum extension
    (test_a_server_without_rum_ranks_with_ts_rank shows such a server gives this mode)."""
    with open_store(postgres_corpus.url) as store:
        assert isinstance(store, PostgresStore)
        store._rum = None
        yield store


@pytest.fixture(scope="module")
def index_corpus(postgres_corpus: PostgresStore) -> Iterator[PostgresStore]:
    """The same store, opened again on connections that never scan the table or sort a whole match
    list when an index can give the order: on data this small PostgreSQL would otherwise sort, and the
    index's own order (what a large store reads) would go untested."""
    parts = urlsplit(postgres_corpus.url)
    options = dict(parse_qsl(parts.query))
    options["options"] += " -cenable_seqscan=off -cenable_bitmapscan=off -cenable_sort=off"
    with open_store(urlunsplit(parts._replace(query=urlencode(options, quote_via=quote)))) as store:
        assert isinstance(store, PostgresStore)
        yield store


# ANDs, NOTs and ORs of common and rare words: what ts_rank had to rank match by match.
RUM_QUERIES = ["the", "said", "google AND apple", "google -apple", "(apple OR google) AND phone",
               "the -google OR apple", "president OR trump OR election", "year NOT game", "new york"]
# What the index does not rank in the order of its distance operator: ranked by ts_rank.
NOT_BY_INDEX = ["elect*", "tech*", "a*", '"new york"', '"vice president" biden', "year NOT game*"]


def full_rum_order(store: PostgresStore, query: str, request: SearchRequest) -> list[tuple[int, float]]:
    """Every match with RUM's score, sorted by the database (not read in the index's order)."""
    tree = parse_query(query)
    assert tree is not None and store._rum is not None
    clauses, params = store._filters(request, tree)
    where = "".join(f" AND {clause}" for clause in clauses)
    found = store._read(f'SELECT a.id, 1.0::float8 / (a.tsv OPERATOR("{store._rum}".<=>) q)::float8 AS s '
                        f"FROM article_search a, CAST(? AS tsquery) q WHERE a.tsv @@ q{where} "
                        "ORDER BY s DESC, a.id", [to_tsquery(tree), *params])
    return [(int(id), float(score)) for id, score in found]


@pytest.mark.parametrize("query", RUM_QUERIES)
def test_the_rum_index_ranks_in_the_order_of_its_distance(postgres_corpus: PostgresStore,
                                                          index_corpus: PostgresStore, query: str) -> None:
    """Page after page (the cursor's keyset included), for several page sizes and filters, the pages read
    in the index's order are the matches sorted by score (RUM's distance computed per article) and id."""
    assert postgres_corpus.ranking == "rum"
    tree = parse_query(query)
    assert tree is not None and index_ranks(tree)
    for filters in FILTERS:
        request = SearchRequest(query, **filters)  # type: ignore[arg-type]
        full = full_rum_order(postgres_corpus, query, request)
        assert len(full) == postgres_corpus.count(request)
        for store in (postgres_corpus, index_corpus):
            for limit in (1, 3, 10, 21):
                after: tuple[float, int] | None = None
                position = 0
                for _ in range(4):
                    assert store._rum is not None
                    page = store._ranked_by_index(store._rum, tree, request, after, limit)
                    assert page == full[position:position + limit], (query, filters, limit, after)
                    position += limit
                    if len(page) < limit:
                        break
                    after = (float(page[-1][1]), page[-1][0])
    assert full_rum_order(postgres_corpus, query, SearchRequest(query))  # the test proves something


def test_the_index_gives_the_order(index_corpus: PostgresStore) -> None:
    """(What the test above reads on index_corpus is the index's order, not a sort.)"""
    distance = f'(a.tsv OPERATOR("{index_corpus._rum}".<=>) CAST(? AS tsquery))'
    plan = index_corpus._read("EXPLAIN SELECT a.id FROM article_search a WHERE a.tsv @@ CAST(? AS tsquery) "
                              f"ORDER BY {distance} LIMIT 5", ["'the'", "'the'"])
    text = "\n".join(line for line, in plan)
    assert "Index Scan using article_search_rum" in text and "Sort" not in text


@pytest.mark.parametrize("query", [*NOT_BY_INDEX, "the", "said", "president OR trump OR election"])
def test_prefixes_phrases_and_ors_are_ranked_by_ts_rank(index_corpus: PostgresStore, query: str) -> None:
    """What the index does not rank in its operator's order, and ORs of words (which the bounded ranking
    takes faster), are ranked by ts_rank in a store with the index too."""
    tree = parse_query(query)
    assert tree is not None and (not index_ranks(tree) or or_words(tree) is not None)
    request = SearchRequest(query)
    full = index_corpus._ranked_fully(tree, request, None, 30)
    assert index_corpus._ranked(tree, request, None, 30) == full


@pytest.mark.parametrize("query", ["google AND apple", "google -apple", "year NOT game", "new york"])
def test_ands_and_nots_of_words_are_ranked_by_the_index(index_corpus: PostgresStore, query: str) -> None:
    tree = parse_query(query)
    assert tree is not None and index_corpus._rum is not None
    request = SearchRequest(query)
    assert index_corpus._ranked(tree, request, None, 30) == \
        index_corpus._ranked_by_index(index_corpus._rum, tree, request, None, 30)


def test_the_rum_index_finds_what_the_full_ranking_finds(postgres_corpus: PostgresStore) -> None:
    """Same matches: the ranking changes the order only."""
    for query in RUM_QUERIES:
        tree = parse_query(query)
        assert tree is not None
        ranked = postgres_corpus._ranked(tree, SearchRequest(query), None, 10_000)
        full = postgres_corpus._ranked_fully(tree, SearchRequest(query), None, 10_000)
        assert sorted(id for id, _ in ranked) == sorted(id for id, _ in full), query


# Words common in the bodies (so many matches rank only on the body) and found in some titles.
BOUNDED = ["the", "said", "google", "apple OR google", "president OR trump OR election", "new",
           '"new york" OR london', "company OR business OR market", "year", "game OR games"]
FILTERS: list[dict[str, str]] = [{}, {"language": "en"}, {"since": "2018-01-01"}]


@pytest.mark.parametrize("query", BOUNDED)
def test_bounded_ranking_is_exactly_the_full_ranking(ts_rank_corpus: PostgresStore, query: str) -> None:
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
                full = ts_rank_corpus._ranked_fully(tree, request, after, limit)
                words = or_words(tree)
                assert words is not None
                bounded = ts_rank_corpus._ranked_by_head(tree, words, request, after, limit)
                if bounded is not None:
                    bounded_pages += 1
                    assert bounded == full, (query, filters, limit, after)
                assert ts_rank_corpus._ranked(tree, request, after, limit) == full
                if len(full) < limit:
                    break
                after = (float(full[-1][1]), full[-1][0])
    assert bounded_pages, f"the bounded ranking never applied to {query!r}: the test would prove nothing"


@pytest.mark.parametrize("query", ["elect*", "google AND apple", '"new york"', "google -apple",
                                   "(apple OR google) AND phone"])
def test_queries_the_bounds_do_not_hold_for_are_ranked_fully(query: str) -> None:
    """(Not by the head's bounds: prefixes have their own, words with NOTs at the top rank by pairs
    (test_store_bounded.py); an OR with NOTs inside keeps the bounds, test_store_bounded.py too.)"""
    tree = parse_query(query)
    assert tree is not None and or_words(tree) is None


def test_search_results_do_not_change_with_the_bounded_ranking(ts_rank_corpus: PostgresStore) -> None:
    """What Store.search shows (pages by cursor) is the full ranking's, page after page."""
    for query in ("the", "apple OR google"):
        tree = parse_query(query)
        assert tree is not None
        everything = ts_rank_corpus._ranked_fully(tree, SearchRequest(query), None, 10_000)
        seen: list[int] = []
        cursor = None
        for _ in range(6):
            page = ts_rank_corpus.search(SearchRequest(query, limit=7, cursor=cursor))
            seen += [hit.id for hit in page.hits]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [id for id, _ in everything[:len(seen)]]


def test_the_rum_index_is_made_and_dropped_as_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without $NEWSDESK_PG_RANKING a store keeps what it has (none at first: ts_rank); =rum makes the
    index over the articles already stored, =ts_rank drops it; the results' sets never change."""
    articles = scrapinghub_articles()[:60]
    with fresh_store_url("postgres", tmp_path) as url:
        monkeypatch.delenv(RANKING_VARIABLE, raising=False)
        with open_store(url) as store:
            assert isinstance(store, PostgresStore) and store.ranking == "ts_rank"
            store.put_many(articles)
            before = {hit.id for hit in store.search(SearchRequest("the", limit=100)).hits}
        monkeypatch.setenv(RANKING_VARIABLE, "rum")
        with open_store(url) as store:
            assert isinstance(store, PostgresStore) and store.ranking == "rum"
            assert {hit.id for hit in store.search(SearchRequest("the", limit=100)).hits} == before
        monkeypatch.delenv(RANKING_VARIABLE)
        with open_store(url) as store:
            assert isinstance(store, PostgresStore) and store.ranking == "rum"  # kept
        monkeypatch.setenv(RANKING_VARIABLE, "ts_rank")
        with open_store(url) as store:
            assert isinstance(store, PostgresStore) and store.ranking == "ts_rank"
            assert store._read(f"SELECT count(*) FROM pg_indexes WHERE indexname = '{RUM_INDEX}' "
                               "AND schemaname = current_schema()") == [(0,)]
        monkeypatch.setenv(RANKING_VARIABLE, "bm25")
        with pytest.raises(StoreError, match="must be rum or ts_rank"):
            open_store(url)


def test_a_server_without_rum_says_so_or_ranks_with_ts_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    """A role that may not create the extension, in a database that has none: asked for the RUM index,
    the store does not open and says why; not asked, it opens, ranks with ts_rank, and searches rank
    exactly as the full ranking."""
    import psycopg

    name = f"norum_{uuid.uuid4().hex[:10]}"
    admin = postgres_test_url()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {name} LOGIN".encode())
        connection.execute(f"CREATE DATABASE {name} OWNER {name}".encode())
    try:
        parts = urlsplit(admin)
        url = f"postgresql://{name}@{parts.hostname}:{parts.port}/{name}"
        monkeypatch.setenv(RANKING_VARIABLE, "rum")
        with pytest.raises(StoreError, match=r"no rum extension.*or this role may not create it"):
            open_store(url)
        monkeypatch.delenv(RANKING_VARIABLE)
        with open_store(url) as store:
            assert isinstance(store, PostgresStore)
            assert store.ranking == "ts_rank"
            store.put_many(scrapinghub_articles()[:60])
            for query in ("the", "elect*", "google AND apple"):
                tree = parse_query(query)
                assert tree is not None
                shown = [(hit.id, hit.score) for hit in store.search(SearchRequest(query, limit=5)).hits]
                full = store._ranked_fully(tree, SearchRequest(query), None, 5)
                assert shown == [(id, pytest.approx(score)) for id, score in full]
            found: Any = store._read("SELECT count(*) FROM pg_extension WHERE extname = 'rum'")
            assert found == [(0,)]
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
            connection.execute(f"DROP ROLE IF EXISTS {name}".encode())


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

        def read_leaves_it() -> bool:
            before = generation()
            store.search(SearchRequest("anything"))
            store.count()
            return bool(generation() == before)

        # PostgreSQL's generation is the server's: a test on another worker process (scripts/test runs
        # two) may write between the two readings. A read that itself changed it would do so every time.
        assert any(read_leaves_it() for _ in range(20))
        before = generation()
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


# Prefixes of common words (their articles often hold several words with the prefix, some in titles)
# and short ones whose groups are crowded in many bodies: the bounded prefix ranking's cases.
PREFIXES = ["elect*", "tech*", "presid*", "compan*", "gam*", "con*", "pro*", "the*", "goog*", "mark*"]


def _pages(store: PostgresStore, tree: Any, request: SearchRequest, limit: int) -> Iterator[
        tuple[tuple[float, int] | None, list[tuple[int, float]]]]:
    """(cursor keyset, the full ranking's page after it) for the first pages of `request`."""
    after: tuple[float, int] | None = None
    for _ in range(4):
        full = store._ranked_fully(tree, request, after, limit)
        yield after, full
        if len(full) < limit:
            return
        after = (float(full[-1][1]), full[-1][0])


@pytest.mark.parametrize("word_ranks", [True, False])
@pytest.mark.parametrize("query", PREFIXES)
def test_bounded_prefix_ranking_is_exactly_the_full_ranking(ts_rank_corpus: PostgresStore, query: str,
                                                            word_ranks: bool,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Page after page (the cursor's keyset included), for several page sizes and filters, the prefix
    ranking from head candidates and crowded groups (postgres_prefix.py) gives the same articles in the
    same order with the same scores as ranking every match with ts_rank: its candidates from the stored
    ranks of the head's words (schema 12) and, as schema 11 ranked, from their head ranks and groups."""
    monkeypatch.setattr(ts_rank_corpus, "_word_ranks", word_ranks)
    tree = parse_query(query)
    assert isinstance(tree, Term) and tree.prefix
    bounded_pages = 0
    for filters in FILTERS:
        request = SearchRequest(query, **filters)  # type: ignore[arg-type]
        for limit in (1, 3, 10, 21):
            for after, full in _pages(ts_rank_corpus, tree, request, limit):
                bounded = ts_rank_corpus._ranked_by_prefix(tree, request, after, limit)
                if bounded is not None:
                    bounded_pages += 1
                    assert bounded == full, (query, filters, limit, after)
                assert ts_rank_corpus._ranked(tree, request, after, limit) == full
    assert bounded_pages, f"the bounded ranking never applied to {query!r}: the test would prove nothing"


def test_a_body_crowded_with_words_of_a_prefix_outranks_title_matches(tmp_path: Path) -> None:
    """ts_rank adds up every word with the prefix: an article whose body holds a dozen of them (none in
    its title) ranks above articles with one in the title. The bounded ranking must find it (through
    its crowded group), not only the title matches."""
    words = ["technology", "technical", "technique", "techniques", "technician", "technicians",
             "technologies", "technological", "techno", "technocrat", "technocrats", "tech"]
    crowd = Article(url="https://example.org/crowd", title="A long report",
                    body=" ".join(f"{word} {word} {word}." for word in words))
    titles = [Article(url=f"https://example.org/t{n}", title=f"Techy news {n}", body=f"Story number {n}.")
              for n in range(30)]
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore)
        store.put_many([*titles, crowd])
        tree = parse_query("tech*")
        assert isinstance(tree, Term)
        full = store._ranked_fully(tree, SearchRequest("tech*"), None, 5)
        crowd_id = store._read("SELECT id FROM articles WHERE url = ?", [crowd.url])[0][0]
        assert full[0][0] == crowd_id and full[0][1] > full[1][1]
        assert store._ranked_by_prefix(tree, SearchRequest("tech*"), None, 5) == full
        store._word_ranks = False  # as schema 11 ranked
        assert store._ranked_by_prefix(tree, SearchRequest("tech*"), None, 5) == full
        store._word_ranks = True
        hits = store.search(SearchRequest("tech*", limit=5)).hits
        assert [hit.id for hit in hits] == [id for id, _ in full]


def test_prefix_groups_bound_the_words_with_a_prefix() -> None:
    groups = crowded(["technology", "technical", "technique", "tea", "team", "ten", "te"])
    assert groups == ["tec 3", "tech 3"]
    assert "tech 3" in groups and "tech 4" not in groups and "tec 3" in groups
    assert all(not entry.startswith("te ") for entry in groups)  # groups are 3 or 4 characters
    assert most_lexemes(groups, "tech") == 3 and most_lexemes([], "tech") == 2
    assert most_lexemes([f"tech {bucket}" for bucket in BUCKETS], "tech") is None
    assert group_of("te") is None and group_of("tec") == "tec" and group_of("technolog") == "tech"


def test_the_author_filter_reads_the_index_of_the_authors_words(ts_rank_corpus: PostgresStore) -> None:
    """`--author` is a lookup in the GIN index of the authors' words (schema 11), not a LIKE over every
    author of the store; it finds what the LIKE finds."""
    index_corpus = ts_rank_corpus
    clauses, params = index_corpus._filters(SearchRequest(author="Writer C"), None)
    with index_corpus._reader() as connection:
        # (On data this small PostgreSQL would rather scan the table: what a large store reads is tested.)
        connection.execute(b"SET enable_seqscan = off")
        try:
            plan = "\n".join(row[0] for row in connection.execute(
                f"EXPLAIN SELECT a.id FROM article_search a WHERE {' AND '.join(clauses)}"
                .replace("?", "%s").encode(), params).fetchall())
        finally:
            connection.execute(b"RESET enable_seqscan")
    assert "article_authors_words" in plan
    for author, words in [("Writer C", "writer c"), ("WRITER", "writer"), ("c", "c"),
                          ("C Writer", "c writer")]:
        with_like = index_corpus._read(
            "SELECT a.id FROM article_search a WHERE EXISTS (SELECT 1 FROM article_authors w WHERE "
            "w.article_id = a.id AND w.author_key LIKE ?) ORDER BY a.id", [f"% {words} %"])
        clauses, params = index_corpus._filters(SearchRequest(author=author), None)
        found = index_corpus._read(f"SELECT a.id FROM article_search a WHERE {' AND '.join(clauses)} "
                                   "ORDER BY a.id", params)
        assert found == with_like, author
        assert with_like or author == "C Writer"


def test_a_postgres_store_of_version_10_gets_prefix_groups_and_the_authors_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.store import postgres

    articles = scrapinghub_articles()[:120]
    with fresh_store_url("postgres", tmp_path) as url:
        monkeypatch.setattr(postgres, "MIGRATIONS", postgres.MIGRATIONS[:10])
        write_as_before_prefixes(monkeypatch)
        with open_store(url) as store:
            store.put_many(articles)
        monkeypatch.undo()
        with open_store(url) as store:
            assert isinstance(store, PostgresStore)
            assert store._read("SELECT version FROM schema_version") == [(len(postgres.MIGRATIONS),)]
            migrated = dict(store._read("SELECT article_id, groups FROM article_prefixes"))
            assert len(migrated) > 60
            # The same groups as ingest writes: store the articles again into a fresh store.
            with fresh_store_url("postgres", tmp_path) as other_url, open_store(other_url) as other:
                assert isinstance(other, PostgresStore)
                other.put_many(articles)
                by_url = dict(other._read("SELECT r.url, p.groups FROM article_prefixes p "
                                          "JOIN articles r ON r.id = p.article_id"))
            urls = dict(store._read("SELECT id, url FROM articles"))
            assert {urls[id]: groups for id, groups in migrated.items()} == by_url
            assert store._read("SELECT count(*) FROM pg_indexes WHERE indexname IN "
                               "('article_authors_words', 'article_prefixes_groups') "
                               "AND schemaname = current_schema()") == [(2,)]
            bounded_pages = 0
            for query in PREFIXES:
                tree = parse_query(query)
                assert isinstance(tree, Term)
                bounded = store._ranked_by_prefix(tree, SearchRequest(query), None, 3)
                if bounded is not None:
                    bounded_pages += 1
                    assert bounded == store._ranked_fully(tree, SearchRequest(query), None, 3)
            assert bounded_pages
