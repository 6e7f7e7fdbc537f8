"""PostgreSQL ranks words with NOTs (at the top: by pairs of operands and ties; under an OR: from head
candidates) exactly as ts_rank over every match does, page after page; and why an AND of words found in
every match is still ranked fully (its body alone may outrank a title match)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

from conftest import fresh_store_url, scrapinghub_articles
from newsdesk import Article, SearchRequest
from newsdesk.search.query import parse_query
from newsdesk.store import open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.postgres_ranking import NO_PAIR_RANK, or_words, pairs_query

FILTERS: list[dict[str, str]] = [{}, {"language": "en"}, {"since": "2018-01-01"}]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresStore]:
    """The ScrapingHub corpus in a PostgreSQL store ranked by ts_rank (no RUM index)."""
    folder = tmp_path_factory.mktemp("bounded")
    with fresh_store_url("postgres", folder) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore) and store.ranking == "ts_rank"
        store.put_many(scrapinghub_articles())
        yield store


def _pages(store: PostgresStore, query: str) -> Iterator[tuple[SearchRequest, int, tuple[float, int] | None,
                                                                list[tuple[int, float]]]]:
    """(request, page size, cursor keyset, the full ranking's page after it): several filters and page
    sizes, four pages each (deep enough to pass from the ranked matches into the ties)."""
    tree = parse_query(query)
    assert tree is not None
    for filters in FILTERS:
        request = SearchRequest(query, **filters)  # type: ignore[arg-type]
        for limit in (1, 3, 10, 21):
            after: tuple[float, int] | None = None
            for _ in range(4):
                full = store._ranked_fully(tree, request, after, limit)
                yield request, limit, after, full
                if len(full) < limit:
                    break
                after = (float(full[-1][1]), full[-1][0])


# A word or an OR with NOTs at the top: calc_rank_and over operands of which a match holds one (every
# match ties at 1e-20) or a few (those holding two are ranked, the rest tie), prefixes and a NOT of an AND.
WITH_NOTS = ["the -google", "year NOT game", "said NOT court", "(apple OR google) -phone",
             "(president OR trump OR election) -google", "google -(apple OR phone)", "new -(york times)",
             "elect* -google", "(company OR business OR market) NOT year", "the -(said OR says)"]


@pytest.mark.parametrize("query", WITH_NOTS)
def test_words_with_nots_are_ranked_exactly_as_the_full_ranking(corpus: PostgresStore, query: str) -> None:
    tree = parse_query(query)
    assert tree is not None and pairs_query(tree) is not None
    pairs = pairs_query(tree)
    assert pairs is not None
    tied = 0
    for request, limit, after, full in _pages(corpus, query):
        assert corpus._ranked_by_pairs(tree, pairs, request, after, limit) == full, (request, limit, after)
        assert corpus._ranked(tree, request, after, limit) == full
        tied += sum(score == NO_PAIR_RANK for _, score in full)
    assert tied, f"no page of {query!r} reached the tied matches: the test would prove little"


def test_a_word_with_a_not_ranks_every_match_alike(corpus: PostgresStore) -> None:
    """What the ranking by id rests on: ts_rank gives every match of `word -other` exactly 1e-20 (in
    float4), however often the word is in the title or body."""
    tree = parse_query("the -google")
    assert tree is not None and pairs_query(tree) == ""
    everything = corpus._ranked_fully(tree, SearchRequest("the -google"), None, 10_000)
    assert len(everything) > 100
    assert {score for _, score in everything} == {NO_PAIR_RANK}
    assert [id for id, _ in everything] == sorted(id for id, _ in everything)


def test_matches_holding_two_operands_rank_above_the_ties(corpus: PostgresStore) -> None:
    tree = parse_query("(apple OR google) -phone")
    assert tree is not None and pairs_query(tree) == "('apple' & 'google')"
    everything = corpus._ranked_fully(tree, SearchRequest("(apple OR google) -phone"), None, 10_000)
    both = {id for id, in corpus._read("SELECT id FROM article_search WHERE tsv @@ "
                                       "CAST('apple & google & !phone' AS tsquery)")}
    assert both and {id for id, score in everything if score != NO_PAIR_RANK} == both
    assert {id for id, _ in everything[:len(both)]} == both and len(everything) > len(both)


def test_the_pairs_of_a_query() -> None:
    def pairs(text: str) -> str | None:
        tree = parse_query(text)
        assert tree is not None
        return pairs_query(tree)

    assert pairs("police NOT court") == ""
    assert pairs("(energy OR oil) -climate") == "('energy' & 'oil')"
    assert pairs("elect* -vote") == ""
    assert pairs("a -(b c)") == "('a' & 'b') | ('a' & 'c') | ('b' & 'c')"  # b or c may be in a match
    # ts_rank of these is not calc_rank_and, or (nearly) every match holds two operands: ranked as before.
    for text in ("said", "trump AND election", '"white house"', "china OR russia", '"new york" -police',
                 "(a OR b) (c OR d) -e", "tech* -tech", "the -google OR apple", "a -a"):
        assert pairs(text) is None, text
    assert pairs("(a OR b OR c OR d OR e OR f) -x") is not None
    assert pairs("(a OR b OR c OR d OR e OR f OR g) -x") is None  # too many pairs to be worth it


# ORs whose branches hold NOTs: calc_rank_or, whose bounds hold for the matches left by the NOT.
OR_WITH_NOTS = ["the -google OR apple", "said OR (year -game)", "(google -apple) OR president",
                "(company -year) OR (business -said) OR market"]


@pytest.mark.parametrize("query", OR_WITH_NOTS)
def test_ors_with_nots_are_ranked_from_head_candidates_exactly(corpus: PostgresStore, query: str) -> None:
    tree = parse_query(query)
    assert tree is not None
    words = or_words(tree)
    assert words is not None
    bounded_pages = 0
    for request, limit, after, full in _pages(corpus, query):
        bounded = corpus._ranked_by_head(tree, words, request, after, limit)
        if bounded is not None:
            bounded_pages += 1
            assert bounded == full, (request, limit, after)
        assert corpus._ranked(tree, request, after, limit) == full
    assert bounded_pages, f"the bounded ranking never applied to {query!r}: the test would prove nothing"


def test_an_and_of_body_words_outranks_its_title_match(tmp_path: Path) -> None:
    """Why ANDs keep the full ranking: calc_rank_and adds up every close pair of positions, so a body
    holding the two words side by side many times ranks above an article with both in its title (the
    bounds of the head do not hold for it)."""
    title = Article(url="https://example.org/title", title="Trump election", body="Nothing else here.")
    body = Article(url="https://example.org/body", title="A long report",
                   body=" ".join("trump election said." for _ in range(40)))
    others = [Article(url=f"https://example.org/o{n}", title=f"Trump news {n}", body="The election came.")
              for n in range(10)]
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as store:
        assert isinstance(store, PostgresStore)
        store.put_many([title, *others, body])
        tree = parse_query("trump AND election")
        assert tree is not None and or_words(tree) is None and pairs_query(tree) is None
        full = store._ranked_fully(tree, SearchRequest("trump AND election"), None, 5)
        ids = {url: id for id, url in store._read("SELECT id, url FROM articles")}
        assert [id for id, _ in full[:2]] == [ids[body.url], ids[title.url]] and full[0][1] > full[1][1]
        assert store._ranked(tree, SearchRequest("trump AND election"), None, 5) == full
        hits = store.search(SearchRequest("trump AND election", limit=5)).hits
        assert [hit.id for hit in hits] == [id for id, _ in full]


@pytest.mark.parametrize("scan", [500, 5])
def test_words_with_nots_keep_every_filter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           scan: int) -> None:
    """The matches read in order of id go through the same filters as the full ranking: author (the
    index of the authors' words), site, dates, language; page after page. Also on connections that read
    in the primary key's order, as a large store does (on data this small PostgreSQL would sort). With
    a scan of 5 matches, filtered pages come from the first matches when they fill the page and from
    the full ranking when the scan stops short (a narrow filter on a large store)."""
    monkeypatch.setattr("newsdesk.store.postgres.PAIR_SCAN", scan)
    articles = []
    for n in range(90):
        fuel = [["energy", "oil"], ["oil"], [], []][n % 4]
        words = ["police"] * (1 + n % 3) + (["court"] if n % 5 == 0 else []) + fuel
        articles.append(Article(
            url=f"https://{'north' if n % 2 else 'south'}.example/news/{n}", title=f"Report {n}",
            body=f"The {' and the '.join(words)} said on day {n}.",
            authors=[["Ana Garcia"], ["Tom Lee"], ["Ana Garcia", "Bo Chen"]][n % 3],
            published=f"2020-{n % 12 + 1:02d}-{n % 27 + 1:02d}T08:00:00+00:00",
            language=["en", "de"][n % 2 == 0]))
    requests: list[dict[str, str]] = [{}, {"author": "garcia"}, {"author": "ana garcia"},
                                      {"site": "north.example"}, {"since": "2020-06-01"},
                                      {"until": "2020-03"}, {"language": "de"}]
    with fresh_store_url("postgres", tmp_path) as url, open_store(url) as writer:
        assert isinstance(writer, PostgresStore)
        writer.put_many(articles)
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        forced = " -cenable_seqscan=off -cenable_bitmapscan=off"
        options["options"] = options.get("options", "") + forced
        with open_store(urlunsplit(parts._replace(query=urlencode(options, quote_via=quote)))) as walker:
            assert isinstance(walker, PostgresStore)
            plan = "\n".join(line for line, in walker._read(
                "EXPLAIN SELECT a.id FROM article_search a WHERE a.tsv @@ CAST(? AS tsquery) "
                "ORDER BY a.id LIMIT 3", ["'police' & !'court'"]))
            assert "Index Scan using article_search_pkey" in plan and "Sort" not in plan
            _filtered_pages(writer, walker, requests)


def _filtered_pages(store: PostgresStore, walker: PostgresStore, requests: list[dict[str, str]]) -> None:
    for query in ("police NOT court", "(energy OR oil) -court", "police -(court OR energy)"):
        tree = parse_query(query)
        assert tree is not None
        pairs = pairs_query(tree)
        assert pairs is not None
        for filters in requests:
            request = SearchRequest(query, **filters)  # type: ignore[arg-type]
            total = store.count(request)
            assert total, (query, filters)
            for limit in (1, 4, 7):
                after: tuple[float, int] | None = None
                seen = 0
                while True:
                    full = store._ranked_fully(tree, request, after, limit)
                    for ranking in (store, walker):
                        assert ranking._ranked_by_pairs(tree, pairs, request, after, limit) == full, \
                            (query, filters, limit, after)
                    seen += len(full)
                    if len(full) < limit:
                        break
                    after = (float(full[-1][1]), full[-1][0])
                assert seen == total, (query, filters, limit)
