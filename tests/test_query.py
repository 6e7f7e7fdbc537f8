"""The query language: what it parses to, and that every backend finds the same articles for it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import STORE_KINDS, fresh_store_url, scrapinghub_articles
from newsdesk import QueryError, SearchRequest, Store, open_store
from newsdesk.search.query import And, Not, Or, Phrase, Term, parse_query, to_fts5, to_tsquery


@pytest.mark.parametrize(("query", "tree"), [
    ("budget", Term("budget")),
    ("Budget COUNCIL", And((Term("budget"), Term("council")))),
    ('"harbour bridge"', Phrase((Term("harbour"), Term("bridge")))),
    ("nato OR otan", Or((Term("nato"), Term("otan")))),
    ("ukraine NOT russia", And((Term("ukraine"), Not(Term("russia"))))),
    ("ukraine -russia", And((Term("ukraine"), Not(Term("russia"))))),
    ("(kyiv OR kiev) AND war", And((Or((Term("kyiv"), Term("kiev"))), Term("war")))),
    ('war -"kiev city" -(a OR b)', And((Term("war"), Not(Phrase((Term("kiev"), Term("city")))),
                                        Not(Or((Term("a"), Term("b"))))))),
    ("elect*", Term("elect", prefix=True)),
    ('"council mem*"', Phrase((Term("council"), Term("mem", prefix=True)))),
    ('"harbour bri"*', Phrase((Term("harbour"), Term("bri", prefix=True)))),
    ("e-mail", Phrase((Term("e"), Term("mail")))),
    ("Zürich", Term("zurich")),
    ("東京", Phrase((Term("東"), Term("京")))),
    ("and or not", And((Term("and"), Term("or"), Term("not")))),  # lower case: words
    ('"unclosed phrase', Phrase((Term("unclosed"), Term("phrase")))),
    ("((a OR b", Or((Term("a"), Term("b")))),
    ("a ) b", And((Term("a"), Term("b")))),
    ("AND a OR", Term("a")),
    ("NOT NOT a", Term("a")),
    ("title:x ^y NEAR(z)", And((Phrase((Term("title"), Term("x"))), Term("y"), Term("near"), Term("z")))),
])
def test_parse(query: str, tree: object) -> None:
    assert parse_query(query) == tree


@pytest.mark.parametrize("query", ["-russia", "NOT russia", "a OR NOT b", "(NOT a) OR b", "***", "AND OR",
                                   "( )", '""', "—"])
def test_queries_with_nothing_to_look_for_are_query_errors(query: str) -> None:
    with pytest.raises(QueryError, match="search for"):
        parse_query(query)


def test_blank_queries_match_everything() -> None:
    assert parse_query(None) is None and parse_query("  ") is None


def test_compiled_forms_quote_every_token() -> None:
    tree = parse_query('(kyiv OR "kiev war*") -"col:x" ^near')
    assert tree is not None
    assert to_fts5(tree) == '((((("kyiv") OR ("kiev" + "war" *))) AND ("near")) NOT ("col" + "x"))'
    assert to_tsquery(tree) == "(('kyiv' | ('kiev' <-> 'war':*)) & !('col' <-> 'x') & 'near')"


# --- the same results on every backend, on real article bodies ------------------------------------------

REPRESENTATIVE = [
    ("google", {}),
    ("apple OR google", {}),
    ('"the company"', {}),
    ("elect*", {}),
    ("game -google", {}),
    ("(apple OR google) AND phone", {}),
    ('"new york"', {}),
    ("trump NOT impeachment", {}),
    ('"according to"', {}),
    ("presid*", {}),
    ("microsoft AND (xbox OR cloud)", {}),
    ('"last year" million', {}),
    ("e-mail OR email", {}),
    ("2019", {}),
    ("review*", {"sort": "date"}),
    ("market", {"language": "en"}),
    ("the", {"since": "2019-03-01", "until": "2019-06"}),
    ("police OR court", {"author": "writer c"}),
    ("the", {"author": "Writer"}),  # one word: PostgreSQL's index of the authors' words alone (no LIKE)
    ("the OR a", {"site": "www.wsj.com"}),
    (None, {"since": "2019-11", "language": "en"}),
]


@contextlib.contextmanager
def _filled(kind: str, folder: Path) -> Iterator[Store]:
    with fresh_store_url(kind, folder) as url, open_store(url) as store:
        store.put_many(scrapinghub_articles())
        yield store


@pytest.fixture(scope="module")
def corpus_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """The ScrapingHub corpus in one store of each kind."""
    with contextlib.ExitStack() as stack:
        folder = tmp_path_factory.mktemp("corpus")
        yield {kind: stack.enter_context(_filled(kind, folder)) for kind in STORE_KINDS}


def found(store: Store, query: str | None, **filters: object) -> set[str] | str:
    """The URLs matching, or the QueryError's message."""
    try:
        request = SearchRequest(query, **filters)  # type: ignore[arg-type]
        return {stored.article.url or "" for stored in store.iter_articles(request)}
    except QueryError as error:
        return f"QueryError: {error}"


@pytest.mark.parametrize(("query", "filters"), REPRESENTATIVE)
def test_every_backend_finds_the_same_articles(corpus_stores: dict[str, Store], query: str | None,
                                               filters: dict[str, str]) -> None:
    results = {kind: found(store, query, **filters) for kind, store in corpus_stores.items()}
    assert results["sqlite"] == results["postgres"] == results["memory"]
    assert isinstance(results["sqlite"], set) and results["sqlite"], "a representative query finds something"
    counts = {kind: store.count(SearchRequest(query, **filters)) for kind, store in corpus_stores.items()}  # type: ignore[arg-type]
    assert set(counts.values()) == {len(results["sqlite"])}
    first = {kind: len(store.search(SearchRequest(query, limit=5, **filters)).hits)  # type: ignore[arg-type]
             for kind, store in corpus_stores.items()}
    assert set(first.values()) == {min(5, len(results["sqlite"]))}


_VOCABULARY = ["google", "apple", "the", "company", "new", "york", "said", "game", "year", "million",
               "president", "trump", "police", "e-mail", "microsoft", "cloud", "2019", "review", "de", "la",
               "Zürich", "über", "東京", "정부", "market", "AND", "OR", "NOT", "(", ")", '"', "-", "*", "^",
               ":", "NEAR", "NEAR(", "title:", "+", "{", "}", "'", "\\", "col:", "presid", "elect", "a", "to"]
_PIECE = st.one_of(st.sampled_from(_VOCABULARY), st.text(max_size=5))
_BEFORE, _AFTER, _GAP = (st.sampled_from(["", "-", '"', "("]), st.sampled_from(["", "*", '"', ")"]),
                         st.sampled_from([" ", "", "  "]))
_QUERY = st.lists(st.tuples(_BEFORE, _PIECE, _AFTER, _GAP), min_size=1, max_size=7).map(
    lambda parts: "".join(before + piece + after + gap for before, piece, after, gap in parts))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=_QUERY)
def test_random_queries_never_crash_and_agree_on_every_backend(corpus_stores: dict[str, Store],
                                                               query: str) -> None:
    results = {kind: found(store, query) for kind, store in corpus_stores.items()}
    assert results["sqlite"] == results["postgres"] == results["memory"], query
