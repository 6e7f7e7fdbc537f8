"""SQLite ranks a filtered search's best matches first and filters only those (SQLiteStore._ranked_filtered):
page after page, whatever the number of candidates it ranks first, it gives exactly what filtering every
match before ranking gives (the same articles, order and scores)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import scrapinghub_articles
from newsdesk import SearchRequest
from newsdesk.search.query import parse_query, to_fts5
from newsdesk.store import sqlite
from newsdesk.store.sqlite import SQLiteStore


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    path = Path(tmp_path_factory.mktemp("filtered")) / "store.db"
    store = SQLiteStore(path)
    store.put_many(scrapinghub_articles())
    yield store
    store.close()


def every_match_filtered(store: SQLiteStore, request: SearchRequest, after: tuple[float, int] | None,
                         limit: int) -> list[tuple[int, float]]:
    """The page as the join of every match to its filters, ranked after (the plan before the change)."""
    tree = parse_query(request.query)
    assert tree is not None
    clauses, params = store._filters(request, tree)
    if after is not None:
        clauses.append("(f.rank > ? OR (f.rank = ? AND f.rowid > ?))")
        params += [-after[0], -after[0], after[1]]
    where = "".join(f" AND {clause}" for clause in clauses)
    found = store._read("SELECT f.rowid, f.rank FROM articles_fts f JOIN article_search a ON a.id = f.rowid "
                        f"WHERE articles_fts MATCH ?{where} ORDER BY f.rank, f.rowid LIMIT ?",
                        [to_fts5(tree), *params, limit])
    return [(int(id), -float(rank)) for id, rank in found]


QUERIES = ["the", "said", "people", "apple OR google", "new york", "elect*", "year NOT game"]
FILTERS: list[dict[str, object]] = [
    {"language": "en"},  # an eighth of the corpus
    {"since": "2019-06-01", "until": "2019-07"},  # a sixth of it
    {"author": "writer c"},  # a seventh
    {"author": "writer a", "since": "2019-09"},  # a few
    {"language": "xx"},  # none at all
    {"language": "en", "fold_duplicates": True},
]


@pytest.mark.parametrize("candidates", [1, 4, 30, 2_000])
@pytest.mark.parametrize("query", QUERIES)
def test_filtered_pages_are_those_of_filtering_every_match(corpus: SQLiteStore, query: str, candidates: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite, "_FILTER_CANDIDATES", candidates)
    tree = parse_query(query)
    assert tree is not None
    pages = 0
    for filters in FILTERS:
        request = SearchRequest(query, **filters)  # type: ignore[arg-type]
        for limit in (1, 3, 10):
            after: tuple[float, int] | None = None
            for _ in range(5):
                expected = every_match_filtered(corpus, request, after, limit)
                assert corpus._ranked(tree, request, after, limit) == expected, (filters, limit, after)
                pages += bool(expected)
                if len(expected) < limit:
                    break
                after = (expected[-1][1], expected[-1][0])
    assert pages > 10  # the pages compared were not all empty


def test_a_search_with_filters_gives_the_pages_of_filtering_every_match(corpus: SQLiteStore) -> None:
    """Through search() and its cursors: every page of `said --language en` in order, none twice."""
    request = SearchRequest("said", language="en", limit=7)
    seen: list[int] = []
    while True:
        page = corpus.search(request)
        seen += [hit.id for hit in page.hits]
        if page.next_cursor is None:
            break
        request = SearchRequest("said", language="en", limit=7, cursor=page.next_cursor)
    expected = every_match_filtered(corpus, SearchRequest("said", language="en"), None, 100_000)
    assert seen == [id for id, _ in expected] and len(seen) > 7
