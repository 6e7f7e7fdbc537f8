"""What the SQLite store's ranking of one word or prefix is (FTS5's bm25 without column sizes, title 5,
authors 2, body 1), and its first page ranked by the weighted count (newsdesk.store.fts5_rank): the same
ids and scores as bm25's (docs/benchmarks.md, "SQLite search at 1,000,000 articles: where the time goes").

* One word, or one prefix, ranks its matches by the weighted count of their occurrences of it (5 per
  occurrence in the title, 2 in the authors, 1 in the body), then by id: bm25's IDF and its length term
  are the same for every match of one phrase.
* That count has no bound in the body: a match with the word only in its body outranks one with it
  once in its title as soon as the body holds it six times. So, unlike PostgreSQL's ts_rank (whose body
  part is bounded: store/postgres_ranking.py), the matches with the word in their title or authors are
  not a set that must hold the top of SQLite's ranking.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import scrapinghub_articles
from newsdesk import SearchRequest
from newsdesk.article import Article
from newsdesk.search.query import parse_query, to_fts5
from newsdesk.store import fts5_rank
from newsdesk.store.sqlite import SQLiteStore

# Words that are not the ones searched: every body is long (bm25's length term turns negative for a
# store whose documents average fewer than 9 tokens; see newsdesk.store.sqlite's docstring).
FILLER = ("harbour council budget morning bridge traffic river station market weather school "
          "election hospital museum train").split()


def body(quorum: int, quorums: int, n: int) -> str:
    words = [FILLER[(n + i) % len(FILLER)] for i in range(40)]
    for i in range(quorum):
        words.insert(3 * i + 1, "quorum")
    for i in range(quorums):
        words.insert(2 * i + 2, "quorums.")
    return " ".join(words).capitalize() + "."


# (in the title, in an author's name, in the body; "quorums" in the body) for each article, and the
# weighted count of `quorum` (title 5, authors 2, body 1) and of `quor*`.
COUNTS = [(title, author, quorum, quorums)
          for title in (0, 1) for author in (0, 1) for quorum in (0, 1, 2, 4, 6, 9) for quorums in (0, 3)]


def weighted(title: int, author: int, quorum: int, quorums: int, prefix: bool) -> int:
    return 5 * title + 2 * author + quorum + (quorums if prefix else 0)


Ranked = tuple[SQLiteStore, dict[int, tuple[int, ...]]]  # the store, and each article's COUNTS by id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ranked]:
    store = SQLiteStore(Path(tmp_path_factory.mktemp("ranking")) / "store.db")
    articles = [Article(url=f"http://127.0.0.1/ranking/{n}",
                        title=("Quorum " if title else "") + f"report {n} from the council",
                        authors=["Ada Quorum" if author else "Ada Lovelace"],
                        body=body(quorum, quorums, n))
                for n, (title, author, quorum, quorums) in enumerate(COUNTS)]
    # Stored in a shuffled order, so that the ids do not follow the counts.
    order = sorted(range(len(articles)), key=lambda n: (n * 37) % len(articles))
    outcomes = store.put_many([articles[n] for n in order])
    yield store, {outcome.id: COUNTS[n] for outcome, n in zip(outcomes, order, strict=True)}
    store.close()


def pages(store: SQLiteStore, query: str, limit: int) -> list[tuple[int, float]]:
    """Every hit of `query`, page after page by cursor: (id, score)."""
    found: list[tuple[int, float]] = []
    cursor = None
    while True:
        page = store.search(SearchRequest(query, limit=limit, cursor=cursor))
        found += [(hit.id, hit.score) for hit in page.hits]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


@pytest.mark.parametrize("query", ["quorum", "quor*"])
@pytest.mark.parametrize("limit", [1, 5, 20])
def test_one_word_ranks_by_its_weighted_count_then_id(store: Ranked, query: str, limit: int) -> None:
    found, counts = store
    prefix = query.endswith("*")
    count = {id: weighted(*values, prefix=prefix) for id, values in counts.items()}
    expected = sorted((id for id in count if count[id] > 0), key=lambda id: (-count[id], id))
    hits = pages(found, query, limit)
    assert [id for id, _ in hits] == expected
    # The score is a function of the count alone, rising with it.
    by_count: dict[int, set[float]] = {}
    for id, score in hits:
        by_count.setdefault(count[id], set()).add(score)
    assert all(len(scores) == 1 for scores in by_count.values())
    ordered = [by_count[n].pop() for n in sorted(by_count)]
    assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered)


def test_a_match_in_the_body_only_outranks_one_in_the_title(store: Ranked) -> None:
    found, counts = store
    hits = [id for id, _ in pages(found, "quorum", 20)]
    title_once = next(id for id in hits if counts[id] == (1, 0, 0, 0))
    body_six = next(id for id in hits if counts[id] == (0, 0, 6, 0))
    body_four = next(id for id in hits if counts[id] == (0, 0, 4, 0))
    assert hits.index(body_six) < hits.index(title_once) < hits.index(body_four)


# --- the first page ranked by fts5_rank's weighted count ---------------------------------------------


def test_the_ranking_function_is_built_and_registered(tmp_path: Path) -> None:
    assert fts5_rank.available(), ("newsdesk/store/fts5_rank.c was not built or does not reach SQLite: "
                                   "install a C compiler and SQLite's headers (Debian: gcc, libsqlite3-dev), "
                                   "then scripts/bootstrap again")
    store = SQLiteStore(tmp_path / "store.db")
    assert store._count_ranking
    store.close()


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    store = SQLiteStore(Path(tmp_path_factory.mktemp("real")) / "store.db")
    store.put_many(scrapinghub_articles())
    yield store
    store.close()


# One phrase each: words common and rare, prefixes short and long, phrases (one ending in a prefix), a
# word in no article.
ONE_PHRASE = ["said", "the", "people", "apple", "elect*", "a*", "s*", '"new york"', '"the presid*"',
              '"of the"', "zzqxv"]


def by_bm25(store: SQLiteStore, query: str, limit: int, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as patch:
        patch.setattr(store, "_count_ranking", False)
        tree = parse_query(query)
        assert tree is not None
        return list(store._ranked(tree, SearchRequest(query), None, limit))


@pytest.mark.parametrize("query", ONE_PHRASE)
def test_a_first_page_by_count_is_bm25s_page(real: SQLiteStore, query: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The same ids in the same order with the same scores (to the last bit), whatever the page's size."""
    tree = parse_query(query)
    assert tree is not None and real._count_ranking
    for limit in (1, 7, 21, 5_000):
        expected = by_bm25(real, query, limit, monkeypatch)
        assert real._ranked_by_count(tree, limit) == expected
        assert real._ranked(tree, SearchRequest(query), None, limit) == expected
    if query != "zzqxv":
        assert real._ranked(tree, SearchRequest(query), None, 5)


@pytest.mark.parametrize("query", ONE_PHRASE)
def test_the_walk_and_the_offers_give_the_same_page(real: SQLiteStore, query: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """fts5_rank's two ways to a first page, the walk from the first match (words and phrases) and the
    offers of every match (prefixes), give bm25's page and the true number of matches for any phrase."""
    tree = parse_query(query)
    assert tree is not None
    match = to_fts5(tree)

    def both(connection: sqlite3.Connection, limit: int) -> list[tuple[list[tuple[int, int]], int]]:
        return [fts5_rank.first_page(connection, "articles_fts", match, limit, prefix=prefix)
                for prefix in (False, True)]

    matches = real._read("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [match])[0][0]
    for limit in (1, 21, 5_000):
        walked, offered = real._with_connection(functools.partial(both, limit=limit))
        assert walked == offered and walked[1] == matches
        assert [id for id, _ in walked[0]] == [id for id, _ in by_bm25(real, query, limit, monkeypatch)]


def test_a_query_left_half_read_does_not_reach_the_next(real: SQLiteStore,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Matches offered by a query whose rows were not all read (a cursor dropped, an error) are not
    counted in the next page of the connection, whichever way that page is made."""

    def after_a_dropped_query(connection: sqlite3.Connection, match: str,
                              prefix: bool) -> tuple[list[tuple[int, int]], int]:
        rows = connection.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'said' AND "
                                  "weighted_offer(articles_fts, 3) = 0")
        rows.fetchmany(2)
        rows.close()
        return fts5_rank.first_page(connection, "articles_fts", match, 5, prefix=prefix)

    for query, prefix in (("people", False), ("elect*", True)):
        tree = parse_query(query)
        assert tree is not None
        match = to_fts5(tree)
        page, matches = real._with_connection(functools.partial(after_a_dropped_query, match=match,
                                                                  prefix=prefix))
        assert [id for id, _ in page] == [id for id, _ in by_bm25(real, query, 5, monkeypatch)]
        counted = real._read("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [match])
        assert matches == counted[0][0]


def test_pages_beyond_what_the_function_keeps_are_ranked_by_bm25(real: SQLiteStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tree = parse_query("said")
    assert tree is not None
    assert real._ranked_by_count(tree, fts5_rank.MOST + 1) is None
    assert real._ranked(tree, SearchRequest("said"), None, fts5_rank.MOST + 1) == \
        by_bm25(real, "said", fts5_rank.MOST + 1, monkeypatch)
    for limit in (0, fts5_rank.MOST + 1, 2**32 + 3):
        with pytest.raises(ValueError, match="holds 1 to 10,000 matches"):
            real._with_connection(functools.partial(fts5_rank.first_page, table="articles_fts",
                                                    match='"said"', limit=limit, prefix=False))


@pytest.mark.parametrize("limit", [0, -1, fts5_rank.MOST + 1, 2**32 + 3, "20", 2.5])
def test_the_c_functions_refuse_a_page_size_out_of_range(real: SQLiteStore, limit: object) -> None:
    """Checked in C too, on the 64-bit value (a size of 2**32 + 3 is not a page of 3)."""
    for statement in ("SELECT weighted_top(articles_fts, ?) FROM articles_fts WHERE articles_fts "
                      "MATCH 'said' LIMIT 1",
                      "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'said' AND "
                      "weighted_offer(articles_fts, ?)"):
        with pytest.raises(sqlite3.OperationalError, match="between 1 and 10000"):
            real._read(statement, [limit])


def test_every_page_of_a_search_is_bm25s(real: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Page one by count, the next ones (after its cursor) by bm25: together, bm25's whole ranking."""
    for query in ("said", "elect*", '"new york"'):
        found: list[tuple[int, float]] = []
        cursor = None
        while True:
            page = real.search(SearchRequest(query, limit=9, cursor=cursor))
            found += [(hit.id, hit.score) for hit in page.hits]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert found == by_bm25(real, query, 100_000, monkeypatch) and len(found) > 9


def test_queries_of_several_phrases_and_filters_keep_bm25(real: SQLiteStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for query in ("said people", "apple OR google", "year -game"):
        tree = parse_query(query)
        assert tree is not None
        assert real._ranked(tree, SearchRequest(query), None, 20) == by_bm25(real, query, 20, monkeypatch)
    filtered = SearchRequest("said", language="en")
    tree = parse_query("said")
    assert tree is not None
    with monkeypatch.context() as patch:
        patch.setattr(real, "_count_ranking", False)
        expected = real._ranked(tree, filtered, None, 20)
    assert real._ranked(tree, filtered, None, 20) == expected and expected


def test_an_in_memory_store_ranks_by_count_too(monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLiteStore(":memory:")
    store.put_many(scrapinghub_articles()[:60])
    assert store._count_ranking
    for query in ("said", "s*"):
        tree = parse_query(query)
        assert tree is not None
        expected = by_bm25(store, query, 10, monkeypatch)
        assert store._ranked_by_count(tree, 10) == expected
        assert store._ranked(tree, SearchRequest(query), None, 10) == expected
    store.close()


def test_a_store_of_very_short_documents_keeps_bm25(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents of fewer than 9 tokens on average turn bm25's length term negative: its order is then
    not the count's (a single occurrence ranks above two), and bm25 ranks the first page too."""
    store = SQLiteStore(tmp_path / "short.db")
    store.put_many([Article(url=f"http://127.0.0.1/short/{n}", title=f"note {n}",
                            body=" ".join(["quorum"] * (n % 3 + 1)) + ".") for n in range(12)])
    tree = parse_query("quorum")
    assert tree is not None and store._count_ranking
    assert store._ranked_by_count(tree, 20) is None
    expected = by_bm25(store, "quorum", 20, monkeypatch)
    assert store._ranked(tree, SearchRequest("quorum"), None, 20) == expected
    counts = [n % 3 + 1 for n in range(12)]
    assert sorted(counts, reverse=True) != [counts[id - 1] for id, _ in expected]  # not the count's order
    store.close()


@pytest.mark.parametrize("path", ["file", "memory"])
def test_a_store_whose_articles_hold_no_word_is_searched_without_error(tmp_path: Path, path: str) -> None:
    """An index of documents without a single token (a page of symbols, an image's page) has no
    average length: the count's ranking does not apply, and a search finds nothing, as bm25 does."""
    store = SQLiteStore(tmp_path / "symbols.db" if path == "file" else ":memory:")
    store.put_many([Article(url=f"http://127.0.0.1/symbols/{n}", title="—", body="… !!! …")
                    for n in range(3)])
    for query in ("news", "x*", '"new york"'):
        assert store.search(SearchRequest(query)).hits == []
    store.close()
