"""Hostile queries and cursors (issue 18, item 6): any string gives results or a QueryError, on every store.

The parser refuses parentheses nested deeper than MAX_DEPTH and words longer than MAX_TERM_LENGTH with a
QueryError; a chain of NOTs of any length is read without recursion; a crafted page cursor is a
QueryError, never a driver error.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import STORE_KINDS, fresh_store_url
from newsdesk.article import Article
from newsdesk.errors import QueryError
from newsdesk.search.query import MAX_DEPTH, MAX_TERM_LENGTH, parse_query
from newsdesk.store import SearchRequest, Store, open_store

API_QUERY_LIMIT = 1000  # the API's max_length for q (newsdesk.web.api.filters)
WORDS = ["harbour", "bridge", "council", "budget", "river", "school", "transit", "mayor", "vote", "rain"]


def _articles() -> list[Article]:
    articles = []
    for number in range(12):
        words = [WORDS[(number + k) % len(WORDS)] for k in range(6)]
        articles.append(Article(url=f"https://gazette.example/news/{number}", title=" ".join(words[:3]),
                                body=" ".join(words * 3) + f" number {number}.",
                                published=f"2024-10-{number % 5 + 1:02d}T0{number % 9}:00:00Z"))
    return articles


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    with contextlib.ExitStack() as stack:
        folder = tmp_path_factory.mktemp("hostile")
        opened = {}
        for kind in STORE_KINDS:
            url = stack.enter_context(fresh_store_url(kind, folder))
            store = stack.enter_context(open_store(url))
            store.put_many(_articles())
            opened[kind] = store
        yield opened


def outcome(store: Store, query: str | None, cursor: str | None = None, sort: str = "relevance") -> object:
    """The ids found (search, iter_articles and count agree), or "QueryError"; any other exception fails.
    (Without a cursor: the size of the first page and every id matching, as stores rank their own way.)"""
    request = SearchRequest(query=query, cursor=cursor, sort=sort, limit=3)  # type: ignore[arg-type]
    try:
        page = store.search(request)
        if cursor is None:
            everything = sorted(stored.id for stored in store.iter_articles(request))
            assert store.count(request) == len(everything)
            return (len(page.hits), everything)
        return [hit.id for hit in page.hits]
    except QueryError:
        return "QueryError"


HOSTILE = [
    "(" * 340 + "bridge",
    "NOT " * 1000 + "bridge",
    "bridge " + "NOT " * 1001 + "river",
    "-(" * 250 + "bridge",
    "정" * 700,  # 2,100 bytes: over PostgreSQL's lexeme limit
    "bridge " + "x" * (MAX_TERM_LENGTH + 1),
    '"' + "(" * 400,
    ")" * 500 + "bridge",
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: f"{q[:12]}..{len(q)}")
def test_hostile_queries_are_query_errors_or_results_on_every_store(stores: dict[str, Store],
                                                                      query: str) -> None:
    results = {kind: outcome(store, query) for kind, store in stores.items()}
    assert results["sqlite"] == results["postgres"] == results["memory"]


def test_the_documented_limits() -> None:
    nested = "(" * MAX_DEPTH + "bridge" + ")" * MAX_DEPTH
    assert parse_query(nested) is not None
    with pytest.raises(QueryError, match="nested more than"):
        parse_query("(" + nested + ")")
    assert parse_query("x" * MAX_TERM_LENGTH) is not None
    with pytest.raises(QueryError, match="letters long"):
        parse_query("정" * 700)
    assert parse_query("NOT " * 1000 + "bridge") is not None  # an even number of NOTs cancels out
    with pytest.raises(QueryError, match="must not be there"):
        parse_query("NOT " * 1001 + "bridge")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=API_QUERY_LIMIT)
       | st.lists(st.sampled_from(["(", ")", "NOT", "-(", "-", "OR", "AND", '"', "*", "bridge", "정" * 60,
                                   "river*", " "]), max_size=400).map("".join))
def test_any_query_is_a_result_or_a_query_error_on_every_store(stores: dict[str, Store], query: str) -> None:
    query = query.replace("\x00", "")  # the desk refuses NUL before any store (test_desk_api)
    results = {kind: outcome(store, query) for kind, store in stores.items()}
    assert results["sqlite"] == results["postgres"] == results["memory"], query


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


CRAFTED = [
    _cursor(["r", "abc", 1]), _cursor(["r", 1.5, 2**70]), _cursor(["d", "2024", 2**70]),
    _cursor(["d", "\ud800", 1]), _cursor(["d", "2024\x00", 1]), _cursor(["r", None, 1]),
    _cursor(["d", 5, 1]), _cursor(["r", 1e308 * 10, 1]), _cursor(["d", "2024", True]),
    _cursor(["d", "2024", -1]),
    _cursor(["d", "2024", 0]), _cursor(["r", [1], 1]), _cursor("[" * 5000), "[" * 600, "é", "%%%", "",
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]


@pytest.mark.parametrize("cursor", CRAFTED)
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_crafted_cursors_are_query_errors_on_every_store(stores: dict[str, Store], cursor: str,
                                                         sort: str) -> None:
    for kind, store in stores.items():
        found = outcome(store, "bridge", cursor or "x", sort)
        assert found == "QueryError", (kind, cursor)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3), max_leaves=6)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=st.tuples(st.sampled_from(["r", "d", "x"]), _JSON, st.integers() | _JSON).map(
    lambda t: _cursor(list(t))) | st.text(max_size=60), sort=st.sampled_from(["relevance", "date"]))
def test_any_cursor_is_a_page_or_a_query_error_on_every_store(stores: dict[str, Store], cursor: str,
                                                              sort: str) -> None:
    results = {kind: outcome(store, "bridge OR river", cursor or "x", sort) for kind, store in stores.items()}
    # Pages after a made-up score may differ (each store ranks its own way); refusing one may not.
    assert len({result == "QueryError" for result in results.values()}) == 1, (cursor, results)


def test_real_cursors_still_page_through_everything(stores: dict[str, Store]) -> None:
    for sort in ("relevance", "date"):
        for kind, store in stores.items():
            seen: list[int] = []
            cursor = None
            while True:
                page = store.search(SearchRequest(query="bridge", sort=sort, limit=2, cursor=cursor))  # type: ignore[arg-type]
                seen += [hit.id for hit in page.hits]
                cursor = page.next_cursor
                if cursor is None:
                    break
            every = sorted(stored.id for stored in store.iter_articles(SearchRequest(query="bridge")))
            assert sorted(seen) == every, kind
