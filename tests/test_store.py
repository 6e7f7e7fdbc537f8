"""The store's contract, run on SQLite, PostgreSQL and in memory alike (the `store` fixture)."""

from __future__ import annotations

import dataclasses
import tracemalloc

import pytest

from conftest import ACCENTED, JAPANESE, PARAGRAPHS, RUSSIAN
from newsdesk import Article, QueryError, SearchRequest, Store


def council(**changes: object) -> Article:
    article = Article(source="pages/council.html", url="https://gazette.example/news/council-budget",
                      title="Council approves budget", authors=["Ana Ruiz", "Tom Lindqvist"],
                      published="2024-10-01T07:45:00+01:00", language="en", site_name="The Gazette",
                      body="\n\n".join(PARAGRAPHS))
    return dataclasses.replace(article, **changes)


def small_corpus() -> list[Article]:
    return [
        council(),
        Article(url="https://www.zeitung.example/cafe", title="Cafés in Zürich", body=ACCENTED,
                published="2024-09-15", language="de-CH", authors=["Lena Huber"]),
        Article(url="https://novosti.example/biznes", title="Поддержка бизнеса", body=RUSSIAN,
                published="2024-10-07", language="ru"),
        Article(url="https://shimbun.example/bosai", title="防災計画", body=JAPANESE, published="2024-10-03",
                language="ja"),
        Article(url="https://gazette.example/news/election", title="Transit pilot faces the election",
                body="Opponents of the transit pilot say the election will decide it. The electorate is "
                     "divided, and the council member elected last year stays neutral.",
                published="2024-10-05T18:00:00+01:00", language="en", site_name="The Gazette",
                authors=["Tom Lindqvist"]),
    ]


def urls(store: Store, query: str | None = None, **filters: object) -> set[str | None]:
    request = SearchRequest(query, limit=100, **filters)  # type: ignore[arg-type]
    return {hit.url for hit in store.search(request).hits}


def test_storing_the_same_article_twice_changes_nothing(store: Store) -> None:
    first = store.put(council())
    again = store.put(council())
    moved = store.put(council(source="warc/other.warc.gz", extraction={"body": "dom"}))
    assert first.status == "stored"
    assert again == moved == dataclasses.replace(first, status="unchanged")
    assert store.count() == 1
    stored = store.get(first.id)
    assert stored is not None and stored.version == 1 and stored.article == council()


def test_a_changed_article_is_updated_and_its_earlier_version_kept(store: Store) -> None:
    first = store.put(council())
    changed = council(title="Council approves budget after all-night session",
                      body="The budget passed at dawn, after an all-night session of the council.")
    outcome = store.put(changed)
    assert outcome.id == first.id and outcome.status == "updated"
    assert store.count() == 1
    versions = store.versions(first.id)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].article == council() and versions[1].article == changed
    stored = store.get("https://gazette.example/news/council-budget")
    assert stored is not None and stored.version == 2 and stored.article == changed
    # The index follows the change: old words are gone, new ones found.
    assert urls(store, "hearings") == set()
    assert urls(store, "dawn") == {council().url}
    assert store.put(changed).status == "unchanged"


def test_articles_are_keyed_by_canonical_url_then_url_then_body(store: Store) -> None:
    a = store.put(Article(url="https://a.example/story?utm=feed", canonical_url="https://a.example/story",
                          body="One story."))
    b = store.put(Article(url="https://a.example/story?utm=mail", canonical_url="https://a.example/story",
                          body="One story."))
    assert b == dataclasses.replace(a, status="unchanged")
    c = store.put(Article(body="A page with no address at all."))
    d = store.put(Article(body="a page  with no ADDRESS at all"))  # the same words: the same key
    assert c.status == "stored" and d.id == c.id and d.status == "updated"
    assert store.count() == 2


def test_get_by_id_url_or_canonical_url(store: Store) -> None:
    outcome = store.put(council(url="https://gazette.example/amp/council", canonical_url=council().url))
    for key in (outcome.id, str(outcome.id), council().url, "https://gazette.example/amp/council"):
        found = store.get(key)
        assert found is not None and found.id == outcome.id, key
    assert store.get(outcome.id + 1000) is None
    assert store.get("https://nowhere.example/") is None


def test_put_many_reports_each_article_in_order(store: Store) -> None:
    corpus = small_corpus()
    outcomes = store.put_many([*corpus, corpus[0], dataclasses.replace(corpus[1], title="Cafés")])
    assert [o.status for o in outcomes] == ["stored"] * 5 + ["unchanged", "updated"]
    assert outcomes[5].id == outcomes[0].id and outcomes[6].id == outcomes[1].id
    assert len({o.id for o in outcomes}) == 5
    assert store.put_many([]) == []


def test_search_words_phrases_boolean_and_prefix(store: Store) -> None:
    store.put_many(small_corpus())
    gazette, election = council().url, "https://gazette.example/news/election"
    assert urls(store, "transit") == {gazette, election}
    assert urls(store, "transit budget") == {gazette}  # AND is implied
    assert urls(store, "transit AND budget") == {gazette}
    assert urls(store, '"transit pilot"') == {gazette, election}
    assert urls(store, '"pilot transit"') == set()
    assert urls(store, "budget OR electorate") == {gazette, election}
    assert urls(store, "transit NOT budget") == {election}
    assert urls(store, "transit -budget") == {election}
    assert urls(store, "(budget OR electorate) AND neutral") == {election}
    assert urls(store, "elect*") == {gazette, election}  # election, electorate, elected
    assert urls(store, "electo*") == {election}
    assert urls(store, '"council mem*"') == {gazette, election}


def test_search_folds_case_accents_and_scripts(store: Store) -> None:
    store.put_many(small_corpus())
    assert urls(store, "zurich") == urls(store, "ZÜRICH") == {"https://www.zeitung.example/cafe"}
    assert urls(store, "naive cafe") == {"https://www.zeitung.example/cafe"}
    assert urls(store, "правительство") == {"https://novosti.example/biznes"}
    assert urls(store, "防災") == {"https://shimbun.example/bosai"}  # CJK words are phrases of characters
    assert urls(store, "Lindqvist") == {council().url, "https://gazette.example/news/election"}  # authors


def test_search_filters(store: Store) -> None:
    store.put_many(small_corpus())
    gazette, election = council().url, "https://gazette.example/news/election"
    assert urls(store, site="The Gazette") == {gazette, election}
    assert urls(store, site="the gazette") == {gazette, election}
    assert urls(store, site="zeitung.example") == urls(store, site="www.zeitung.example") == {
        "https://www.zeitung.example/cafe"}
    assert urls(store, since="2024-10-03") == {"https://novosti.example/biznes", "https://shimbun.example/bosai",
                                              election}
    assert urls(store, until="2024-10-01") == {gazette, "https://www.zeitung.example/cafe"}
    assert urls(store, since="2024-10", until="2024-10") == urls(store, since="2024-10-01") | set()
    assert urls(store, author="lindqvist") == {gazette, election}
    assert urls(store, author="Ana Ruiz") == {gazette}
    assert urls(store, author="Ruiz Ana") == set()
    assert urls(store, language="en") == {gazette, election}
    assert urls(store, language="de") == {"https://www.zeitung.example/cafe"}
    assert urls(store, "council", author="Tom Lindqvist", since="2024-10-02") == {election}
    assert store.count(SearchRequest("council", site="The Gazette")) == 2


def test_sort_by_date_and_relevance(store: Store) -> None:
    store.put_many(small_corpus())
    by_date = store.search(SearchRequest(sort="date", limit=10)).hits
    assert [hit.published for hit in by_date] == sorted((a.published for a in small_corpus()), reverse=True)
    relevant = store.search(SearchRequest("transit", limit=10)).hits
    assert relevant[0].url == "https://gazette.example/news/election"  # in the title, and a short body
    assert relevant[0].score >= relevant[1].score
    dated = store.search(SearchRequest("transit", sort="date", limit=10)).hits
    assert [hit.url for hit in dated] == ["https://gazette.example/news/election", council().url]


@pytest.mark.parametrize("query", [None, "the OR council OR cafe OR budget OR transit", "elect*"])
@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("site", [None, "The Gazette"])  # (SQLite ranks a site's matches another way)
def test_pages_follow_each_other_by_cursor(store: Store, query: str | None, sort: str,
                                           site: str | None) -> None:
    corpus = [dataclasses.replace(a, url=f"{a.url}/{n}", published=f"2024-10-{n % 5 + 1:02d}")
              for n in range(6) for a in small_corpus()]
    store.put_many(corpus)
    everything = [hit.id for hit in store.search(SearchRequest(query, sort=sort, limit=100, site=site)).hits]  # type: ignore[arg-type]
    seen: list[int] = []
    cursor = None
    while True:
        page = store.search(SearchRequest(query, sort=sort, limit=4, cursor=cursor, site=site))  # type: ignore[arg-type]
        seen += [hit.id for hit in page.hits]
        assert len(page.hits) <= 4
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everything and len(set(seen)) == len(seen) > 4
    assert len(seen) == store.count(SearchRequest(query, site=site))


def test_snippets_mark_the_matched_words(store: Store) -> None:
    store.put_many(small_corpus())
    hit = store.search(SearchRequest("zurich naive")).hits[0]
    assert hit.title == "Cafés in Zürich" and hit.site == "zeitung.example"
    assert hit.snippet.marked() == ("Café owners in [Zürich] said the “new rules” cost them €2,000 — a "
                                    "[naïve] estimate, critics said.")
    html = hit.snippet.marked("<mark>", "</mark>", lambda text: text.replace("€", "&euro;"))
    assert html.count("<mark>") == 2 and "&euro;2,000" in html
    hit = store.search(SearchRequest('"public hearings" -zurich')).hits[0]
    assert "[public] [hearings]" in str(hit.snippet)


@pytest.mark.parametrize("query", ['"unbalanced', "((council", "council)", "AND", "council AND", "OR OR",
                                   "NOT", "^council", "title:council", "NEAR(council budget)", "council:*",
                                   '"*"', "*", "-", "--council", "council NEAR budget", "{budget}", "'",
                                   "\\", "\x00", "council\u0000budget", "c*u*n*c*i*l", "AND OR NOT ( ) \"",
                                   "x" * 500, "budget " * 200])
def test_malformed_queries_never_reach_the_database_as_errors(store: Store, query: str) -> None:
    store.put_many(small_corpus())
    try:
        page = store.search(SearchRequest(query))
    except QueryError as error:
        assert error.stage == "search"
    else:
        assert isinstance(page.hits, list)


@pytest.mark.parametrize("query", ["-budget", "NOT budget", "budget OR -council", "***"])
def test_queries_that_cannot_be_searched_raise_query_error(store: Store, query: str) -> None:
    with pytest.raises(QueryError):
        store.search(SearchRequest(query))
    with pytest.raises(QueryError):
        store.count(SearchRequest(query))


def test_a_cursor_from_elsewhere_is_a_query_error(store: Store) -> None:
    with pytest.raises(QueryError):
        store.search(SearchRequest("budget", cursor="not-a-cursor"))
    with pytest.raises(QueryError):
        store.search(SearchRequest(limit=0))


def test_iter_articles_streams_every_match_in_constant_memory(store: Store,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newsdesk.store.sql.STREAM_PAGE", 4)  # so that 60 articles make many pages
    filler = " ".join(f"word{n % 5000}" for n in range(40_000))  # about 350 kB of body each
    store.put_many(Article(url=f"https://big.example/{n}", title=f"Big {n}", body=f"{filler} tail{n}")
                   for n in range(60))  # about 21 MB in all
    tracemalloc.start()
    try:
        seen = 0
        for stored in store.iter_articles(SearchRequest("word42 OR tail7")):
            assert stored.article.body.startswith("word0 word1")
            seen += 1
            if seen == 1:
                tracemalloc.reset_peak()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == 60
    assert peak < 8_000_000, f"iterating used {peak:,} bytes: more than a page of articles at a time"


def test_errors_and_sources(store: Store) -> None:
    store.put_many(small_corpus())
    store.record_error("https://gazette.example/news/broken", "fetch", "HTTP 500",
                       at="2024-10-02T10:00:00+00:00")
    store.record_error("crawl.warc.gz", "extract", "no text", location="https://elsewhere.example/a",
                       at="2024-10-03T10:00:00+00:00")
    store.record_error("pages/bad.html", "read", "binary file", at="2024-10-04T10:00:00+00:00")
    assert [e.reason for e in store.errors()] == ["HTTP 500", "no text", "binary file"]
    assert [e.stage for e in store.errors(since="2024-10-03")] == ["extract", "read"]
    assert store.errors()[1].location == "https://elsewhere.example/a"
    sites = {s.site: s for s in store.sources()}
    gazette = sites["The Gazette"]
    assert (gazette.articles, gazette.first_published, gazette.last_published, gazette.failures) == (
        2, "2024-10-01T07:45:00+01:00", "2024-10-05T18:00:00+01:00", 1)
    assert sites["elsewhere.example"].articles == 0 and sites["elsewhere.example"].failures == 1
    # A failure without a host counts for the folder it was read from (issue 17).
    assert (sites["folder: pages/"].articles, sites["folder: pages/"].failures) == (0, 1)
    assert sites["novosti.example"].articles == 1 and sites["novosti.example"].failures == 0


def test_pages_without_a_site_are_listed_by_folder_and_found_by_input(store: Store) -> None:
    """Issue 17: pages read from files, with no site name and no address, were one "(unknown)" row that
    no search could find. They are listed by the folder they were read from, and `input` finds them."""
    def page(source: str, words: str) -> Article:
        return Article(source=source, title=words.capitalize(), published="2024-10-02",
                       body=f"The ferry {words} was reported on Tuesday by the harbour office.")

    store.put_many([page("pages/a.html", "timetable change"), page("pages/b.html", "engine repair"),
                    page("archive/old/c.html", "ticket prices"),
                    page("crawls/day.warc.gz@120", "crew strike"), page("loose.html", "new pier"),
                    Article(source="pages/d.html", url="https://gazette.example/news/ferry", title="Ferry",
                            body="The ferry with an address is listed by its host.")])
    sources = {s.site: s for s in store.sources()}
    assert {name: (s.articles, s.folder) for name, s in sources.items()} == {
        "folder: ./": (1, ""), "folder: archive/old/": (1, "archive/old/"),
        "folder: crawls/": (1, "crawls/"), "folder: pages/": (2, "pages/"), "gazette.example": (1, None)}
    assert sources["folder: pages/"].first_published == "2024-10-02"
    titles = {hit.title for hit in store.search(SearchRequest(input="pages/")).hits}
    assert titles == {"Timetable change", "Engine repair", "Ferry"}  # its input is in pages/ too
    assert store.count(SearchRequest(input="archive/")) == 1
    assert [h.title for h in store.search(SearchRequest("repair", input="pages/")).hits] == ["Engine repair"]
    assert store.search(SearchRequest("repair", input="archive/")).hits == []
    assert store.count(SearchRequest(input="pages/%")) == 0  # a prefix as written, not a pattern
    for hostile in ("pages/\x00", "pages/\udc80"):  # no store can compare these: a clear QueryError
        with pytest.raises(QueryError, match="input filter"):
            store.search(SearchRequest(input=hostile))


def test_the_folder_of_an_input_is_written_as_the_input_starts() -> None:
    from newsdesk.store.rows import input_folder

    assert [input_folder(text) for text in ("pages/a.html", "/abs/p/q.txt", "crawls/day.warc.gz@120",
                                            "C:\\pages\\a.html", "a.html", "a@b.html", "upload:x.html")] == [
        "pages/", "/abs/p/", "crawls/", "C:\\pages\\", "", "", "upload:"]
    assert [input_folder(text) for text in ("https://gazette.example/a", "-", "", None)] == [None] * 4


def test_ingest_bookkeeping_feeds_and_fetch_state(store: Store) -> None:
    assert not store.is_done("warc:shard-1.warc.gz")
    store.mark_done("warc:shard-1.warc.gz", {"records": 120})
    store.mark_done("warc:shard-1.warc.gz", {"records": 121})
    assert store.is_done("warc:shard-1.warc.gz") and not store.is_done("warc:shard-2.warc.gz")
    store.save_feed("https://gazette.example/rss", "rss", etag='"v1"', meta={"title": "The Gazette"})
    store.save_feed("https://gazette.example/rss", "rss", etag='"v2"', last_modified="Tue, 01 Oct 2024",
                    meta={"title": "The Gazette"})
    store.save_feed("https://gazette.example/sitemap.xml", "sitemap")
    feeds = store.feeds()
    assert [(f.url, f.kind, f.etag) for f in feeds] == [
        ("https://gazette.example/rss", "rss", '"v2"'),
        ("https://gazette.example/sitemap.xml", "sitemap", None)]
    assert feeds[0].meta == {"title": "The Gazette"} and feeds[0].last_modified == "Tue, 01 Oct 2024"
    assert store.fetch_state("https://gazette.example/a") is None
    store.save_fetch_state("https://gazette.example/a", '"abc"', None)
    store.save_fetch_state("https://gazette.example/a", '"abd"', "Wed, 02 Oct 2024")
    state = store.fetch_state("https://gazette.example/a")
    assert state is not None and (state.etag, state.last_modified) == ('"abd"', "Wed, 02 Oct 2024")
