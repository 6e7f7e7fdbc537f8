"""Attention over time (`newsdesk.coverage`, `newsdesk coverage`, /api/coverage): every matching dated
article counted over the whole range, a range too long for the interval moved up an interval and said,
shares of all stored articles, and the CSV equal to the JSON, on SQLite, PostgreSQL and in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import Result

from conftest import fresh_store_url
from newsdesk import Article, SearchRequest
from newsdesk.coverage import MAX_BUCKETS, compare, parse_series, to_csv
from newsdesk.errors import QueryError
from newsdesk.store import Store, open_store
from newsdesk.web import insights

FIRST = date(2020, 3, 2)


def _articles() -> list[Article]:
    """900 days of articles: every third day one on the harbour, every fifth one on the ferry; two undated."""
    found = []
    for offset in range(0, 900):
        day = FIRST + timedelta(days=offset)
        words = []
        if offset % 3 == 0:
            words.append("harbour bridge traffic")
        if offset % 5 == 0:
            words.append("ferry timetable change")
        words.append("council weather report")
        found.append(Article(source="test", url=f"https://coverage.example/{offset}", title=f"Day {offset}",
                             body=" ".join(words) + f" on day {offset}.",
                             published=f"{day.isoformat()}T08:00:00Z",
                             site_name="Coverage Post" if offset % 2 else "Other Times"))
    found += [Article(source="test", url=f"https://coverage.example/undated-{n}", title="Undated",
                      body="harbour bridge undated note", published=None) for n in range(2)]
    return found


@pytest.fixture
def filled(store: Store) -> Store:
    store.put_many(_articles())
    return store


def test_a_long_range_moves_up_an_interval_and_loses_nothing(filled: Store) -> None:
    request = SearchRequest("harbour")
    result = insights.coverage(filled, request, "day")
    # 900 days are over the 400 bars of a chart: counted by week, and said so. Before, the chart kept the
    # last 400 days and dropped the rest without a word.
    assert result["interval"] == "week" and result["asked_interval"] == "day"
    assert "counted by week" in result["note"]
    assert len(result["starts"]) <= MAX_BUCKETS
    assert result["starts"][0] == "2020-03-02"
    assert result["starts"][-1] <= (FIRST + timedelta(899)).isoformat()
    total = sum(bucket["count"] for bucket in result["buckets"])
    assert total == 300 and result["undated"] == 2
    assert total + result["undated"] == filled.count(request)
    monthly = insights.coverage(filled, request, "month")
    assert monthly["interval"] == "month" and monthly["note"] is None
    assert monthly["starts"][:2] == ["2020-03-01", "2020-04-01"]
    assert sum(b["count"] for b in monthly["buckets"]) == 300
    short = insights.coverage(filled, SearchRequest("harbour", since="2021-01-01", until="2021-02"), "day")
    assert short["interval"] == "day" and short["note"] is None
    assert short["starts"][0] == "2021-01-01" and short["starts"][-1] == "2021-02-28"  # the range asked


def test_two_searches_compared_with_their_shares(filled: Store) -> None:
    result = compare(filled, [("Harbour", SearchRequest("harbour")), (None, SearchRequest("ferry"))], "month")
    harbour, ferry = result["series"]
    assert harbour["label"] == "Harbour" and ferry["label"] == "ferry"
    assert harbour["total"] == 300 and ferry["total"] == 180
    assert sum(result["all"]) == 900  # every dated article, the share's denominator
    for index, whole in enumerate(result["all"]):
        assert harbour["shares"][index] == pytest.approx(harbour["counts"][index] / whole, abs=1e-6)
    assert 0.3 < harbour["shares"][3] < 0.37 and 0.18 < ferry["shares"][3] < 0.22
    with pytest.raises(QueryError):
        compare(filled, [(None, SearchRequest(str(n))) for n in range(6)], "week")


def test_csv_rows_are_the_json_numbers(filled: Store) -> None:
    result = compare(filled, [(None, SearchRequest("harbour")), (None, SearchRequest("ferry"))], "week")
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert len(rows) == 2 * len(result["starts"])
    for row in rows:
        series = result["series"][int(row["series"]) - 1]
        at = result["starts"].index(row["start"])
        assert int(row["count"]) == series["counts"][at]
        assert int(row["all_articles"]) == result["all"][at]
        assert (float(row["share"]) if row["share"] else None) == series["shares"][at]


def test_a_series_is_a_query_string_over_the_defaults() -> None:
    label, request = parse_series("q=nato&source=ledger&label=NATO", SearchRequest(since="2024"))
    assert label == "NATO" and request == SearchRequest("nato", site="ledger", since="2024")
    for bad in ("colour=red", "since=2022-02-30", "page_type=poster", "entity=%21%21"):
        with pytest.raises(QueryError):
            parse_series(bad)


def test_coverage_command_compares_queries_as_csv(cli: Callable[..., Result], tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with open_store(url) as store:
        store.put_many(_articles())
        expected = compare(store, [(None, SearchRequest("harbour")),
                                   (None, SearchRequest("ferry timetable"))], "month")
    result = cli("coverage", "harbour", "ferry timetable", "--interval", "month", "--format", "csv",
                 "--db", url)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == to_csv(expected)
    result = cli("coverage", "harbour", "--interval", "day", "--format", "json", "--db", url)
    assert result.exit_code == 0
    assert "counted by week" in result.stderr
    assert json.loads(result.stdout)["series"][0]["total"] == 300
    table = cli("coverage", "harbour -traffic", "--source", "Other Times", "--db", url)
    assert table.exit_code == 0 and table.stdout.splitlines()[0].startswith("week")
    too_many = cli("coverage", "a", "b", "c", "d", "e", "f", "--db", url)
    assert too_many.exit_code == 2 and "at most 5" in too_many.stderr


# --- over HTTP: /api/coverage and the Coverage page in a real browser ---------------------------------

WORD = "quayside"  # only the articles these tests add use it


def _long_range() -> list[Article]:
    """Articles on the quayside over 2020-2022 (more than 400 days), and on the quayside crane in 2022."""
    found = []
    for offset in range(0, 1000, 4):
        day = date(2020, 1, 6) + timedelta(days=offset)
        extra = " crane" if offset % 8 == 0 else ""
        found.append(Article(source="test", url=f"https://quayside.example/{offset}",
                             title=f"Quayside {offset}", body=f"The {WORD}{extra} notes of day {offset}.",
                             published=day.isoformat(),
                             site_name="Quayside Gazette"))
    return found


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def quayside(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A desk of its own (the session's desk is shared by tests that count its articles)."""
    from desk_fixtures import TOKEN, DeskServer, serve_in_thread
    from newsdesk.settings import Settings
    from newsdesk.web import create_app

    with fresh_store_url(request.param, tmp_path_factory.mktemp("quayside")) as url:
        with open_store(url) as store:
            store.put_many(_long_range())
        server, thread, address = serve_in_thread(create_app(url, Settings(), api_token=TOKEN))
        try:
            yield DeskServer(address, TOKEN, url, server)
        finally:
            server.should_exit = True
            thread.join(30)


def test_api_counts_by_month_compares_and_its_csv_is_its_json(quayside: Any) -> None:
    with quayside.client() as client:
        monthly = client.get("/api/coverage", params={"q": WORD, "interval": "month"})
        assert monthly.status_code == 200, monthly.text  # refused (422) before
        assert monthly.json()["interval"] == "month"
        assert sum(b["count"] for b in monthly.json()["buckets"]) == 250
        series = ["q=" + WORD + "&label=all", f"q={WORD} crane"]
        compared = client.get("/api/coverage", params={"series": series, "interval": "day"}).json()
        assert compared["interval"] == "week" and "counted by week" in compared["note"]
        assert [s["label"] for s in compared["series"]] == ["all", f"{WORD} crane"]
        assert [s["total"] for s in compared["series"]] == [250, 125]
        text = client.get("/api/coverage", params={"series": series, "interval": "day", "format": "csv"}).text
        assert text == to_csv(compared)
        assert client.get("/api/coverage", params={"series": "colour=red"}).status_code == 400
        assert client.get("/api/coverage", params={"interval": "year"}).status_code == 422
