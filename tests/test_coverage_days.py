"""Coverage counts per day made the fast way are the counts of the straightforward way: every matching
article of a store read and counted by the first ten characters of its date, on SQLite, PostgreSQL
(schema 13: `article_days`, kept by a trigger on every write) and in memory, for words, prefixes, ORs,
ANDs, NOTs, phrases, filters, undated and oddly dated articles, and every interval of a chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import fresh_store_url, write_as_before_days
from newsdesk import Article, SearchRequest
from newsdesk.coverage import INTERVALS, compare, day_counts
from newsdesk.store import Store, open_store
from newsdesk.store.postgres import PostgresStore

FIRST = date(2023, 12, 25)
WORDS = ["harbour", "ferry", "council", "weather", "technology", "technical", "china", "russia", "white",
         "house", "budget", "court"]
QUERIES = ["harbour", "tech*", "china OR russia", "harbour ferry", "harbour -ferry", "council NOT court",
           '"white house"', 'harbour OR "white house"', "(china OR tech*) -weather", "nothingmatches",
           "white house"]
# Dates as pages give them: a day, a time in another zone, a day with no time, a month, nonsense, none.
ODD_DATES = ["2024-02-30T10:00:00Z", "2024-03", "yesterday", "", "2024-01-05", "2024-01-06T23:59:59-11:00"]


def _articles(count: int = 240) -> list[Article]:
    found = []
    for number in range(count):
        day = FIRST + timedelta(days=(number * 7) % 97)
        words = [WORDS[(number * k) % len(WORDS)] for k in (1, 3, 5)]
        if number % 4 == 0:
            words += ["white", "house"]
        elif number % 4 == 1:
            words += ["house", "white"]  # both words, not the phrase
        published: str | None = f"{day.isoformat()}T0{number % 10}:30:00+02:00"
        if number % 17 == 0:
            published = ODD_DATES[number % len(ODD_DATES)] or None
        found.append(Article(source="test", url=f"https://days.example/{number}", title=f"Report {number}",
                             body=" ".join(words) + f" note number {number}.", published=published,
                             site_name=["North Post", "South Times", "East Wire"][number % 3],
                             language=["en", "de"][number % 2]))
    return found


def _straightforward(store: Store, request: SearchRequest) -> tuple[Counter[str], int]:
    """Every matching article read, counted per day of its date (bucket_of's rule), and the undated."""
    counts: Counter[str] = Counter()
    undated = 0
    for stored in store.iter_articles(replace(request, cursor=None, sort="date")):
        published = stored.article.published or ""
        try:
            date.fromisoformat(published[:10])
        except ValueError:
            undated += 1
            continue
        counts[published[:10]] += 1
    return counts, undated


def _requests() -> list[SearchRequest]:
    found = [SearchRequest(query) for query in QUERIES]
    found += [SearchRequest("harbour", site="North Post"), SearchRequest("tech*", language="de"),
              SearchRequest("china OR russia", since="2024-01-10", until="2024-02"),
              SearchRequest(since="2024-02-01"), SearchRequest()]
    return found


@pytest.mark.parametrize("kind", ["sqlite", "postgres", "memory"])
def test_counts_per_day_are_those_of_every_matching_article_read(kind: str, tmp_path: Path) -> None:
    articles = _articles()
    with fresh_store_url(kind, tmp_path) as url, open_store(url) as store:
        store.put_many(articles[:200])
        for article in articles[200:]:
            store.put(article)
        # Stored again with another date and other words: the day and words follow (the trigger's update).
        for number in (3, 40, 201):
            store.put(replace(articles[number], published="2024-04-01T09:00:00Z",
                              body=f"court weather changed report {number}."))
        for request in _requests():
            expected = _straightforward(store, request)
            assert day_counts(store, request) == expected, request
            assert sum(expected[0].values()) + expected[1] == store.count(request), request
        assert day_counts(store, SearchRequest("court weather"))[0]["2024-04-01"] == 3
        series = [(None, SearchRequest(query)) for query in QUERIES[:5]]
        for interval in INTERVALS:
            assert compare(store, series, interval) == _compare_straightforward(store, series, interval)


def _compare_straightforward(store: Store, series: list[tuple[str | None, SearchRequest]],
                             interval: str) -> dict[str, object]:
    """`compare` with every count made by reading the articles (a memory store's way)."""
    from newsdesk import coverage

    counting = coverage.day_counts
    try:
        coverage.day_counts = _straightforward  # type: ignore[assignment]
        return compare(store, series, interval)  # type: ignore[arg-type]
    finally:
        coverage.day_counts = counting  # type: ignore[assignment]


def test_postgres_counts_from_article_days_only_what_it_can(tmp_path: Path) -> None:
    """The narrow table's counts equal article_search's grouping (schema 12's way) for every query; a
    phrase (positions) and filters are counted from article_search; the matches' wide rows are not read."""
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore)
        store.put_many(_articles())
        assert store._read("SELECT count(*) FROM article_days")[0][0] == 240
        assert store._read("SELECT count(*) FROM article_days d JOIN article_search a ON a.id = d.id "
                           "WHERE d.day = substr(a.published_key, 1, 10) "
                           "AND d.words = strip(a.tsv)")[0][0] == 240
        new = {request: sorted(store.published_days(request)) for request in _requests()}
        store._days = False
        store._all_days = None  # every article's days counted again, the old way
        try:
            old = {request: sorted(store.published_days(request)) for request in _requests()}
        finally:
            store._days = True
        assert new == old
        # The rows are narrow: the words out of line (TOAST) however few they are (filler).
        store.put(Article(url="https://days.example/many-words", title="Many words",
                          body=" ".join(f"word{number}x" for number in range(150)), published="2024-01-02"))
        toast = store._read("SELECT reltoastrelid::regclass::text FROM pg_class "
                            "WHERE oid = 'article_days'::regclass")[0][0]
        outside = store._read(f"SELECT count(DISTINCT chunk_id) FROM {toast}")[0][0]
        # (A row short enough with its words, under 128 bytes, keeps them: none of over 96 bytes does.)
        assert outside >= store._read("SELECT count(*) FROM article_days "
                                      "WHERE pg_column_size(words) > 96")[0][0] >= 1
        assert outside > 200
        plan = "\n".join(row[0] for row in store._read(
            "EXPLAIN SELECT d.day, count(*) FROM article_days d WHERE d.words @@ CAST(? AS tsquery) "
            "GROUP BY d.day", ["'harbour'"]))
        assert "article_search" not in plan


def test_a_postgres_store_of_version_12_gets_the_day_and_words_of_every_article(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.store import postgres

    articles = _articles()
    with fresh_store_url("postgres", tmp_path) as url:
        monkeypatch.setattr(postgres, "MIGRATIONS", postgres.MIGRATIONS[:12])
        write_as_before_days(monkeypatch)
        with open_store(url) as store:
            store.put_many(articles[:150])
            assert store._read("SELECT to_regclass('article_days')") == [(None,)]  # type: ignore[attr-defined]
            before = {request: sorted(store.published_days(request))  # type: ignore[attr-defined]
                      for request in _requests()}
        monkeypatch.undo()
        with open_store(url) as store:
            assert isinstance(store, PostgresStore)
            assert store._read("SELECT version FROM schema_version") == [(len(postgres.MIGRATIONS),)]
            assert store._read("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                               "WHERE relid = 'article_days'::regclass") == [(True,)]
            assert store._read("SELECT count(*) FROM article_days d JOIN article_search a ON a.id = d.id "
                               "WHERE d.day = substr(a.published_key, 1, 10) "
                               "AND d.words = strip(a.tsv)")[0][0] == 150
            assert {request: sorted(store.published_days(request)) for request in _requests()} == before
            store.put_many(articles[150:])  # kept by the trigger from now on
            for request in _requests():
                assert day_counts(store, request) == _straightforward(store, request), request


def test_the_postgres_days_index_keeps_a_longer_pending_list_in_new_and_migrated_stores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Schema 14: article_days' GIN index merges its new entries 32 MB at a time (only coverage reads
    it); article_search's, which every search reads, keeps the server's default."""
    from newsdesk.store import postgres
    from newsdesk.store.postgres_schema import DAYS_PENDING_LIST_KB

    def options(store: Store, index: str) -> object:
        return store._read("SELECT reloptions FROM pg_class WHERE oid = CAST(? AS regclass)",  # type: ignore[attr-defined]
                           [index])[0][0]

    wanted = [f"gin_pending_list_limit={DAYS_PENDING_LIST_KB}"]
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as store:
        assert options(store, "article_days_words") == wanted
        assert options(store, "article_search_tsv") is None
    with fresh_store_url("postgres", tmp_path) as url:
        monkeypatch.setattr(postgres, "MIGRATIONS", postgres.MIGRATIONS[:13])
        with open_store(url) as store:
            store.put_many(_articles(30))
            assert options(store, "article_days_words") is None
        monkeypatch.undo()
        with open_store(url) as store:
            assert store._read("SELECT version FROM schema_version") == [(14,)]  # type: ignore[attr-defined]
            assert options(store, "article_days_words") == wanted
            assert day_counts(store, _requests()[0]) == _straightforward(store, _requests()[0])
