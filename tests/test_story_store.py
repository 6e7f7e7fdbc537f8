"""Duplicate groups and stories kept in the store (SQLite, PostgreSQL, memory): the records the store
API gives, folding copies out of searches, and a rebuild that equals the online result."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from conftest import fresh_store_url
from newsdesk.article import Article
from newsdesk.store import DuplicateRecord, SearchRequest, Store, StoryRecord, open_store
from newsdesk.stories.persist import StoryKeeper, assign_stories
from test_roundup import BRIDGE, MATCH_A, MATCH_B, WIRE

LIVE = "Follow our live coverage of Congress for updates."


def article(site: str, slug: str, title: str, paragraphs: list[str], when: str | None) -> Article:
    return Article(url=f"https://{site}/{slug}", title=title, body="\n\n".join(paragraphs), published=when,
                   site_name=site.split(".")[0].capitalize())


# In order of arrival; the wire report arrives first from the site that published it last.
ARRIVALS = [
    article("courier.example", "wage", "Senate votes for $15 wage", [*WIRE, LIVE], "2024-10-01T10:00:00Z"),
    article("gazette.example", "match", "Riverside reach cup final", MATCH_A, "2024-10-01T21:00:00Z"),
    article("gazette.example", "wage", "Senate passes wage bill", WIRE, "2024-10-01T08:00:00Z"),
    article("herald.example", "bridge", "Northport to repair harbour bridge", BRIDGE, "2024-10-02T15:00:00Z"),
    article("herald.example", "match", "Carvalho double sinks Northport", MATCH_B, "2024-10-01T22:00:00Z"),
    article("herald.example", "wage", "Minimum wage bill clears Senate", WIRE, "2024-10-01T08:30:00Z"),
]


def ingest_in_two_runs(store: Store) -> None:
    store.put_many(ARRIVALS[:3])
    assert assign_stories(store) == 3
    store.put_many(ARRIVALS[3:])
    assert assign_stories(store) == 3  # another keeper: the state comes back from the store
    assert store.unassigned() == 0


Everything = tuple[list[StoryRecord], list[list[DuplicateRecord]], list[StoryRecord | None]]


def everything(store: Store) -> Everything:
    ids = sorted(stored.id for stored in store.iter_articles())
    return (store.stories(top=100), [store.duplicates_of(id) for id in ids],
            [store.story_of(id) for id in ids])


def test_groups_and_stories_are_kept_across_runs(store: Store) -> None:
    ingest_in_two_runs(store)
    wage, match, bridge = store.stories()
    # The wire report: one story of its three copies, named by the first to arrive (S1), headed by the
    # first to be published; sources in order of publication.
    assert wage == StoryRecord(
        id="S1", headline="Senate passes wage bill", first_seen="2024-10-01T08:00:00Z",
        last_seen="2024-10-01T10:00:00Z", articles=[1, 3, 6], sources=["Gazette", "Herald", "Courier"],
        entities=wage.entities, urls=["https://courier.example/wage", "https://gazette.example/wage",
                                      "https://herald.example/wage"])
    assert 1 <= len(wage.entities) <= 5 and "Senate" in wage.entities
    assert (match.id, match.articles, match.sources) == ("S2", [2, 5], ["Gazette", "Herald"])
    assert (bridge.id, bridge.articles, bridge.headline) == ("S4", [4], "Northport to repair harbour bridge")
    assert set(asdict(wage)) == {"id", "headline", "first_seen", "last_seen", "articles", "sources",
                                 "entities", "urls"}

    # The duplicate group is named by its earliest published copy, whatever the order of arrival.
    group = [DuplicateRecord(3, 3, "earliest", "2024-10-01T08:00:00Z", "https://gazette.example/wage",
                             "Senate passes wage bill"),
             DuplicateRecord(6, 3, "exact", "2024-10-01T08:30:00Z", "https://herald.example/wage",
                             "Minimum wage bill clears Senate"),
             DuplicateRecord(1, 3, "near", "2024-10-01T10:00:00Z", "https://courier.example/wage",
                             "Senate votes for $15 wage")]
    assert store.duplicates_of(1) == store.duplicates_of(6) == group
    assert [(d.article_id, d.kind) for d in store.duplicates_of(2)] == [(2, "earliest")]
    assert store.duplicates_of(999) == []

    assert store.story("S1") == store.story("s1") == store.story_of(6) == wage
    assert store.story_of(5) == match
    assert store.story("S3") is None and store.story("nonsense") is None and store.story_of(999) is None


def test_stories_of_a_period_or_a_site(store: Store) -> None:
    ingest_in_two_runs(store)
    assert [s.id for s in store.stories(since="2024-10-02")] == ["S4"]
    assert [s.id for s in store.stories(until="2024-10-01")] == ["S1", "S2"]
    assert [s.id for s in store.stories(since="2024-10-01T09", until="2024-10-01T12")] == ["S1"]
    assert [s.id for s in store.stories(site="courier.example")] == ["S1"]
    assert [s.id for s in store.stories(site="Herald")] == ["S1", "S2", "S4"]
    assert [s.id for s in store.stories(top=1)] == ["S1"]
    assert store.stories(since="2025") == []


def test_folding_duplicates_keeps_the_earliest_copy_that_matches(store: Store) -> None:
    ingest_in_two_runs(store)

    def ids(query: str | None, **options: object) -> list[int]:
        request = SearchRequest(query, fold_duplicates=True, **options)  # type: ignore[arg-type]
        found = sorted(hit.id for hit in store.search(request).hits)
        assert sorted(stored.id for stored in store.iter_articles(request)) == found
        assert store.count(request) == len(found)
        return found

    assert ids("senate wage") == [3]
    assert sorted(hit.id for hit in store.search(SearchRequest("senate wage")).hits) == [1, 3, 6]
    assert ids("live coverage") == [1]  # only the later copy says it: it stands for the group here
    assert ids(None) == [2, 3, 4, 5]
    assert ids(None, sort="date") == [2, 3, 4, 5]
    assert ids("senate", site="herald.example") == [6]  # the earliest copy *that matches*
    assert ids("senate", sort="date") == [3]
    page = store.search(SearchRequest(None, fold_duplicates=True, limit=2, sort="date"))
    rest = store.search(SearchRequest(None, fold_duplicates=True, limit=2, sort="date",
                                      cursor=page.next_cursor))
    assert [h.id for h in page.hits + rest.hits] == [4, 5, 2, 3] and rest.next_cursor is None


def test_rebuild_gives_the_online_result(store: Store) -> None:
    ingest_in_two_runs(store)
    online = everything(store)
    keeper = StoryKeeper(store)
    assert keeper.rebuild() == len(ARRIVALS)
    keeper.close()
    assert everything(store) == online


def test_articles_not_yet_assigned_are_assigned_first(store: Store) -> None:
    """As after a crash between storing a batch and assigning it: the next catch-up assigns them."""
    store.put_many(ARRIVALS)
    assert store.unassigned() == len(ARRIVALS) and store.stories() == []
    assert [a.id for a in store.arrivals(2)] == [1, 2]
    assert store.duplicates_of(1) == [] and store.story_of(1) is None
    assert SearchRequest().fold_duplicates is False
    assert store.count(SearchRequest(fold_duplicates=True)) == len(ARRIVALS)  # each its own group
    assert assign_stories(store, batch_size=4) == len(ARRIVALS)
    assert [s.id for s in store.stories()] == ["S1", "S2", "S4"]


def test_an_updated_article_keeps_its_group_and_story(store: Store) -> None:
    ingest_in_two_runs(store)
    before = everything(store)
    changed = article("courier.example", "wage", "Senate votes for $15 wage (updated)",
                      ["An entirely different text about the weather in the mountains this weekend."],
                      "2024-10-01T10:00:00Z")
    assert store.put(changed).status == "updated"
    assert assign_stories(store) == 0
    assert store.story_of(1) is not None and store.story_of(1).id == "S1"  # type: ignore[union-attr]
    assert [d.article_id for d in store.duplicates_of(1)] == [3, 6, 1]
    keeper = StoryKeeper(store)
    keeper.rebuild()  # from each article as first stored: the same as online
    assert [s.articles for s in everything(store)[0]] == [s.articles for s in before[0]]


@pytest.mark.parametrize("when", [None, "2024-10-01"])
def test_odd_articles_still_get_a_group_and_a_story(store: Store, when: str | None) -> None:
    odd = [Article(body="", published=when), Article(url="https://x.example/1", body="\u0000 \ufffd" * 50),
           Article(url="https://x.example/2", title="Only a title", body="", published="not a date")]
    store.put_many(odd)
    assert assign_stories(store) == 3 and store.unassigned() == 0
    for stored in store.iter_articles():
        assert store.story_of(stored.id) is not None
        assert [d.article_id for d in store.duplicates_of(stored.id)] == [stored.id]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_store_made_before_stories_were_kept_is_backfilled(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Migration 6 adds the tables empty: the articles already there are "not yet assigned", and the
    next catch-up (an ingest, or `newsdesk stories --rebuild`) assigns them, in order of arrival."""
    from newsdesk.store import postgres, sqlite

    module = sqlite if kind == "sqlite" else postgres
    with fresh_store_url(kind, tmp_path) as url:
        monkeypatch.setattr(module, "MIGRATIONS", module.MIGRATIONS[:5])
        with open_store(url) as old:
            old.put_many(ARRIVALS)
        monkeypatch.undo()
        with open_store(url) as store:
            assert store.unassigned() == len(ARRIVALS) and store.stories() == []
            assert store.search(SearchRequest("senate", fold_duplicates=True)).hits  # nothing folded yet
            assert assign_stories(store) == len(ARRIVALS)
            assert [s.id for s in store.stories()] == ["S1", "S2", "S4"]
        with open_store(url) as store:  # and it stays
            assert store.unassigned() == 0 and store.story("S1") is not None
