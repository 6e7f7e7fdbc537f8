"""Coverage on SQLite counted from the day of every article, kept per store generation
(store/sqlite_days.py): the same counts as grouping the matches by day in SQL, for every kind of date,
filter and folding, and again after every write, by this store or by another connection; and every
article per day, which both SQL stores keep per generation, read again after a write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import scrapinghub_articles
from newsdesk import Article, SearchRequest
from newsdesk.coverage import compare, day_counts
from newsdesk.store import Store, open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.sql import SqlStore
from newsdesk.store.sqlite import SQLiteStore
from newsdesk.web import insights

# Dates as pages write them: a day, a time with its offset, a month or a year only, garbage, none, and
# keys that sort just around a day's range of the date index.
ODD_DATES = ["", "2019", "2019-03", "2019-03-04", "2019-03-04T08:00:00Z", "2019-03-04T23:59:59+02:00",
             "2019-03-05T00:00:00Z", "2019-03-04\U0010ffffx", "2019-03-04\U0010ffff", "zz", "2019-03-04 ",
             "2019-03-0", "2019-03-04\x00", "\U0010ffff"]

REQUESTS = [SearchRequest(), SearchRequest("the"), SearchRequest("said"), SearchRequest("apple OR google"),
            SearchRequest("elect*", since="2018"), SearchRequest('"new york"'),
            SearchRequest("the", language="en"),
            SearchRequest("the", fold_duplicates=True), SearchRequest(fold_duplicates=True),
            SearchRequest(site="nothing.example"), SearchRequest("the", author="writer b"),
            SearchRequest(since="2019-03", until="2019-03-04"), SearchRequest("zzzqqq")]


def _corpus() -> list[Article]:
    articles = scrapinghub_articles()
    return [replace(a, published=ODD_DATES[n % len(ODD_DATES)] or None) if n % 3 == 0 else a
            for n, a in enumerate(articles)]


def _grouped(store: SQLiteStore, request: SearchRequest) -> list[tuple[str, int]]:
    """The straightforward count: the matches grouped by day in SQL (what SQLite did before)."""
    return sorted(SqlStore.published_days(store, request))


def test_days_counted_from_the_day_index_are_those_of_grouping_the_matches(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "days.db") as store:
        store.put_many(_corpus())
        for request in REQUESTS:
            assert sorted(store.published_days(request)) == _grouped(store, request), request
        assert store._days is not None  # counted from the index, not by the fallback
        every = dict(store.published_days(SearchRequest()))
        assert every[""] > 0 and every["2019-03-04"] > 0 and "2019-03-0" in every
        assert sum(every.values()) == store.count()
        for interval in ("day", "week", "month"):
            for request in REQUESTS[:6]:
                counts, undated = day_counts(store, request)
                assert sum(counts.values()) + undated == store.count(request)
                assert insights.coverage(store, request, interval)["undated"] == undated


def test_the_day_index_follows_every_write(tmp_path: Path) -> None:
    path = tmp_path / "writes.db"
    articles = _corpus()
    with SQLiteStore(path) as store, SQLiteStore(path) as other:
        store.put_many(articles[:100])
        before = compare(store, [(None, SearchRequest("the"))], "week")
        kept = store._days
        assert kept is not None
        # Written by this store: new ids past the end of the index, and an article moved to another day.
        store.put_many(articles[100:150])
        store.put(replace(articles[0], published="2031-01-02T10:00:00Z"))
        for request in REQUESTS:
            assert sorted(store.published_days(request)) == _grouped(store, request), request
        assert store._days is not kept and dict(store.published_days(SearchRequest()))["2031-01-02"] == 1
        assert compare(store, [(None, SearchRequest("the"))], "week") != before
        # Written by another connection to the file: seen as well.
        other.put_many(articles[150:])
        other.put(replace(articles[1], published="2032-05-06"))
        for request in REQUESTS:
            assert sorted(store.published_days(request)) == _grouped(store, request), request
        assert dict(store.published_days(SearchRequest("the")))["2032-05-06"] == 1


def test_a_store_whose_ids_are_sparse_is_grouped_in_sql(tmp_path: Path) -> None:
    """An array per id is kept only while ids are dense; past that the SQL grouping counts."""
    with SQLiteStore(tmp_path / "sparse.db") as store:
        store.put_many(_corpus()[:20])
        with store._transaction() as cur:  # ids far apart, as after deleting most of a large store
            cur.execute("UPDATE article_search SET id = id * 100000")
        for request in REQUESTS[:4]:
            assert sorted(store.published_days(request)) == _grouped(store, request)
        assert store._days is None


def test_every_article_per_day_is_read_again_after_a_write(store: Store) -> None:
    """The all-article counts each store keeps per generation (SQLite's day index, PostgreSQL's grouping)
    follow a new article, a moved one, and one written by another connection."""
    # (PostgreSQL refuses a NUL in text: that date is left out here.)
    articles = [a for a in _corpus() if "\x00" not in (a.published or "")][:60]
    store.put_many(articles[:50])
    before = dict(store.published_days(SearchRequest()))
    assert sum(before.values()) == 50
    store.put_many(articles[50:])
    store.put(replace(articles[0], published="2031-01-02T10:00:00Z"))
    after = dict(store.published_days(SearchRequest()))
    assert sum(after.values()) == 60 and after["2031-01-02"] == 1
    assert sorted(after.items()) == sorted(SqlStore.published_days(store, SearchRequest()))
    if isinstance(store, PostgresStore):
        with open_store(store.url) as other:
            other.put(replace(articles[1], published="2032-05-06"))
        assert dict(store.published_days(SearchRequest()))["2032-05-06"] == 1
