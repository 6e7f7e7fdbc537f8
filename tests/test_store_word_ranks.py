"""PostgreSQL ranks a one-word query from the stored ranks of the head's words (schema 12,
`article_word_ranks`) exactly as ts_rank over every match does, page after page and under every filter;
the table is kept at ingest, on replacement and by a migration of a store of version 11."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from conftest import fresh_store_url, scrapinghub_articles, write_as_before_word_ranks
from newsdesk import Article, SearchRequest
from newsdesk.search.query import parse_query
from newsdesk.store import open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.postgres_prefix import most_lexemes
from newsdesk.store.postgres_ranking import BODY_BOUND, or_words

# Common words of the bodies found in some titles, a quoted word, a word in no title, a rare word.
WORDS = ["the", "said", "google", "year", "new", "president", '"company"', "apple", "zzzunknown"]
FILTERS: list[dict[str, str]] = [{}, {"language": "en"}, {"since": "2019-06-01"}, {"until": "2019-03"}]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresStore]:
    folder = tmp_path_factory.mktemp("word-ranks")
    with fresh_store_url("postgres", folder) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore) and store.ranking == "ts_rank"
        store.put_many(scrapinghub_articles())
        yield store


Page = list[tuple[int, float | str]]


def _pages(store: PostgresStore, query: str, filters: list[dict[str, str]],
           limits: tuple[int, ...] = (1, 3, 10, 21), pages: int = 5) -> Iterator[
        tuple[SearchRequest, int, tuple[float, int] | None, Page]]:
    tree = parse_query(query)
    assert tree is not None
    for given in filters:
        request = SearchRequest(query, **given)  # type: ignore[arg-type]
        for limit in limits:
            after: tuple[float, int] | None = None
            for _ in range(pages):
                full = store._ranked_fully(tree, request, after, limit)
                yield request, limit, after, full
                if len(full) < limit:
                    break
                after = (float(full[-1][1]), full[-1][0])


def _stored_pages_read(store: PostgresStore, query: str, filters: list[dict[str, str]],
                       ranked: Callable[[SearchRequest, tuple[float, int] | None, int], Page | None],
                       limits: tuple[int, ...] = (1, 3, 10, 21), pages: int = 5) -> int:
    """Page after page under every filter: `ranked` (the stored ranks' page, None where they cannot give
    it) and the store's own ranking both equal the full ranking's page; returns how many pages the
    stored ranks gave."""
    tree = parse_query(query)
    assert tree is not None
    read = 0
    for request, limit, after, full in _pages(store, query, filters, limits, pages):
        found = ranked(request, after, limit)
        if found is not None:
            read += 1
            assert found == full, (request, limit, after)
        assert store._ranked(tree, request, after, limit) == full, (request, limit, after)
    return read


@pytest.mark.parametrize("query", WORDS)
def test_a_word_is_ranked_from_its_stored_ranks_exactly(corpus: PostgresStore, query: str) -> None:
    tree = parse_query(query)
    assert tree is not None
    word = query.strip('"')
    read = _stored_pages_read(corpus, query, FILTERS,
                              partial(corpus._ranked_by_word, tree, word))
    if query != "zzzunknown":
        assert read, f"the stored ranks never gave a page of {query!r}: the test would prove little"


def test_the_stored_ranks_are_ts_rank_of_the_word(corpus: PostgresStore) -> None:
    """Every row is ts_rank of its word (as a search writes the tsquery) on the article's tsvector, and
    every article has a row for each word of its head, none for another."""
    rows = corpus._read("SELECT r.word, r.rank::float8, a.id, ts_rank(a.tsv, CAST(? || replace(replace("
                        "r.word, '\\', '\\\\'), '''', '''''') || ? AS tsquery))::float8 "
                        "FROM article_word_ranks r JOIN article_search a ON a.id = r.article_id", ["'", "'"])
    assert len(rows) > 1_000
    assert all(stored == computed for _, stored, _, computed in rows)
    heads = corpus._read("SELECT a.id, u.lexeme FROM article_search a, unnest(a.head) u")
    assert sorted((id, word) for word, _, id, _ in rows) == sorted((int(id), word) for id, word in heads)
    assert min(stored for _, stored, _, _ in rows) > BODY_BOUND


def _repeated(tmp_path: Path) -> list[Article]:
    """Articles whose title holds `said` once and whose bodies repeat it 0-6 times (ties included), and
    articles that repeat it in their body only, up to 60 times: the order among the title matches is the
    body's count, and no body alone reaches a title."""
    articles = []
    for n in range(40):
        said = " ".join(["said"] * (n % 7))
        articles.append(Article(url=f"https://t{n % 3}.example/{n}", title=f"Minister said {n}",
                                body=f"Words {n} {said} end.", authors=[["Ana Garcia"], ["Tom Lee"]][n % 2],
                                published=f"2020-{n % 12 + 1:02d}-01T08:00:00+00:00",
                                language=["en", "de"][n % 2]))
    for n in range(30):
        articles.append(Article(url=f"https://b{n % 3}.example/{n}", title=f"Report {n}",
                                body=" ".join(["it", "said"] * (2 * n)) + " end.",
                                authors=[["Ana Garcia"], ["Tom Lee"]][n % 2],
                                published=f"2020-{n % 12 + 1:02d}-01T08:00:00+00:00",
                                language=["en", "de"][n % 2]))
    return articles


@pytest.mark.parametrize("scan", [500, 3])
def test_body_repetitions_order_the_title_matches_under_every_filter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan: int) -> None:
    """Under every filter (author of one and two words, site, dates, language), page after page: the
    stored ranks give the full ranking's pages; with a walk of 3 entries, a filter that the first
    entries do not fill a page with leaves the page to the ranking from head candidates."""
    monkeypatch.setattr("newsdesk.store.postgres.WORD_SCAN", scan)
    requests: list[dict[str, str]] = [{}, {"author": "garcia"}, {"author": "ana garcia"},
                                      {"site": "t1.example"}, {"since": "2020-06-01"}, {"until": "2020-03"},
                                      {"language": "de"}]
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore)
        store.put_many(_repeated(tmp_path))
        tree = parse_query("said")
        assert tree is not None
        everything = store._ranked_fully(tree, SearchRequest("said"), None, 1_000)
        assert len(everything) == 40 + 29
        assert len({score for _, score in everything[:40]}) == 7  # 7 counts in the body: 7 ranks, tied
        assert _stored_pages_read(
            store, "said", requests,
            partial(store._ranked_by_word, tree, "said"),
            (1, 4, 7, 40), pages=20)
        seen, cursor = [], None
        while True:
            page = store.search(SearchRequest("said", limit=6, cursor=cursor))
            seen += [hit.id for hit in page.hits]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == [id for id, _ in everything]


def test_a_replaced_article_gets_the_ranks_of_its_new_title(tmp_path: Path) -> None:
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore)
        first = Article(url="https://x.example/1", title="Markets said", body="It said so, said he.")
        store.put(first)
        store.put(Article(url="https://x.example/1", title="Markets fell", body="They fell and fell."))
        ranks = store._read("SELECT word FROM article_word_ranks ORDER BY word")
        assert ranks == [("fell",), ("markets",)]
        tree = parse_query("fell")
        assert tree is not None
        assert store._ranked_by_word(tree, "fell", SearchRequest("fell"), None, 1) == \
            store._ranked_fully(tree, SearchRequest("fell"), None, 1)


def test_a_postgres_store_of_version_11_gets_the_ranks_of_its_head_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.store import postgres

    articles = scrapinghub_articles()[:150]
    with fresh_store_url("postgres", tmp_path) as url:
        monkeypatch.setattr(postgres, "MIGRATIONS", postgres.MIGRATIONS[:11])
        write_as_before_word_ranks(monkeypatch)
        with open_store(url) as store:
            store.put_many(articles)
            assert isinstance(store, PostgresStore)
            assert not store._read("SELECT 1 FROM pg_tables WHERE tablename = 'article_word_ranks' "
                                   "AND schemaname = current_schema()")
        monkeypatch.undo()
        with open_store(url) as store:
            assert isinstance(store, PostgresStore)
            assert store._read("SELECT version FROM schema_version") == [(len(postgres.MIGRATIONS),)]
            # Vacuumed after the migration (the index-only scans need not read the rows' pages once the
            # visibility map is set: at once with synchronous commits, a moment later without).
            assert store._read("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                               "WHERE relid = 'article_word_ranks'::regclass") == [(True,)]
            migrated = sorted(store._read("SELECT u.url, r.word, r.rank FROM article_word_ranks r "
                                          "JOIN articles u ON u.id = r.article_id"))
            assert len(migrated) > 500
            # The same ranks as ingest writes: the articles again, into a fresh store.
            with fresh_store_url("postgres", tmp_path) as other_url, open_store(other_url) as other:
                assert isinstance(other, PostgresStore)
                other.put_many(articles)
                assert sorted(other._read("SELECT u.url, r.word, r.rank FROM article_word_ranks r "
                                          "JOIN articles u ON u.id = r.article_id")) == migrated
            assert store._read("SELECT count(*) FROM pg_indexes WHERE indexname IN "
                               "('article_word_ranks_order', 'article_word_ranks_article') "
                               "AND schemaname = current_schema()") == [(2,)]
            tree = parse_query("the")
            assert tree is not None
            full = store._ranked_fully(tree, SearchRequest("the"), None, 3)
            assert store._ranked_by_word(tree, "the", SearchRequest("the"), None, 3) == full


def test_the_stored_bounds_of_prefix_groups_are_those_of_the_articles_groups(corpus: PostgresStore) -> None:
    """most3 and most4 of every row are postgres_prefix.most_lexemes of the article's groups for the
    word's first 3 and 4 characters (what bounds a prefix's rank of a head candidate)."""
    rows = corpus._read("SELECT r.word, r.most3, r.most4, p.groups FROM article_word_ranks r "
                        "LEFT JOIN article_prefixes p ON p.article_id = r.article_id")
    assert len(rows) > 1_000 and any(most3 is not None and most3 > 2 for _, most3, _, _ in rows)
    for word, most3, most4, groups in rows:
        assert (most3, most4) == (most_lexemes(groups or [], word[:3]), most_lexemes(groups or [], word[:4]))


# ORs of words (calc_rank_or: the mean of each word's rank), phrases and NOTs inside (checked to match).
ORS = ["apple OR google", "president OR trump OR election", "company OR business OR market", "game OR games",
       "the OR said", '"new york" OR london', "the -google OR apple", "said OR (year -game)"]


@pytest.mark.parametrize("query", ORS)
def test_an_or_of_words_is_ranked_from_the_stored_ranks_exactly(corpus: PostgresStore, query: str) -> None:
    tree = parse_query(query)
    assert tree is not None
    words = or_words(tree)
    assert words is not None and len(words) > 1
    read = _stored_pages_read(corpus, query, FILTERS,
                              partial(corpus._ranked_by_words, tree, words))
    assert read, f"the stored ranks never gave a page of {query!r}: the test would prove little"
