"""Duplicate groups and stories kept in the store (SQLite, PostgreSQL, memory): the records the store
API gives, folding copies out of searches, and a rebuild that equals the online result."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import cast

import pytest
from click.testing import Result

from conftest import fresh_store_url, write_as_before_page_types
from newsdesk.article import Article
from newsdesk.store import DuplicateRecord, SearchRequest, Store, StoryRecord, open_store
from newsdesk.store.sql_stories import SqlStories
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


@pytest.fixture(scope="module", autouse=True)
def _enriched() -> None:
    """The articles enriched, as ingest does by default: the stories take their entities."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    enrich_articles(ARRIVALS, Settings.from_env())


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

    # The roundup's lookup of many articles at once agrees with the one-by-one lookups.
    ids = list(range(1, 7))
    one_by_one = {id: (store.duplicates_of(id)[0].group, int(cast(StoryRecord, store.story_of(id)).id[1:]))
                  for id in ids}
    assert store.placements([*ids, 999]) == one_by_one


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
        write_as_before_page_types(monkeypatch)  # as the newsdesk of version 5 wrote them
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


# --- online at ingest, and the commands ---------------------------------------------------------------

def day_folders(tmp_path: Path) -> tuple[Path, Path]:
    """The day of tests/test_roundup.py in two folders, for two ingest runs."""
    from test_roundup import DAY

    first, second = tmp_path / "first", tmp_path / "second"
    for number, (name, text) in enumerate(sorted(DAY.items())):
        folder = first if number < 4 else second
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return first, second


def test_ingest_assigns_as_articles_arrive_and_a_rebuild_agrees(store: Store, tmp_path: Path) -> None:
    from newsdesk.pipeline import Ingester

    first, second = day_folders(tmp_path)
    assert Ingester(store, batch_size=2, enrich=False).run([str(first)]).assigned == 4
    assert Ingester(store, batch_size=3, enrich=False).run([str(second)]).assigned == 4
    online = everything(store)
    assert [(s.headline, len(s.articles)) for s in online[0]] == [
        # Two stories of two articles from two sites: the more recent first.
        ("Senate passes wage bill", 3), ("Riverside reach cup final", 2), ("Markets close higher", 2),
        ("Northport to repair harbour bridge", 1)]
    again = Ingester(store, enrich=False).run([str(first), str(second)])
    assert (again.unchanged + again.skipped, again.assigned) == (8, 0)
    assert everything(store) == online
    keeper = StoryKeeper(store, batch_size=5)
    assert keeper.rebuild() == 8
    keeper.close()
    assert everything(store) == online


def test_a_crash_is_made_good_by_the_next_run(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles stored but not assigned, and a tracker state older than the assignments (a kill between
    two saves of it), give the same groups and stories as a run that never stopped."""
    from newsdesk.stories import persist

    monkeypatch.setattr(persist, "SNAPSHOT_EVERY", 2)
    store.put_many(ARRIVALS[:3])
    keeper = StoryKeeper(store, batch_size=1)
    assert keeper.catch_up() == 3  # saved its state with articles 2 (not 3): then "killed", no close()
    assert (store.story_state().seq, store.story_state().data_seq) == (3, 2)
    store.put_many(ARRIVALS[3:])  # stored, never assigned
    assert store.unassigned() == 3
    assert assign_stories(store, batch_size=2) == 3  # replays article 3 into the tracker, then goes on
    online = everything(store)
    StoryKeeper(store).rebuild()
    assert everything(store) == online


def test_a_state_that_cannot_be_read_means_a_rebuild(store: Store) -> None:
    messages: list[str] = []
    store.put_many(ARRIVALS[:4])
    assert assign_stories(store) == 4
    online = everything(store)
    assert store.save_assignments([], {}, store.story_state().serial, b"not a pickle")
    store.put_many(ARRIVALS[4:])
    assert assign_stories(store, notice=messages.append) == 6  # all of them, again
    assert "rebuilding" in messages[0]
    def bridge(stories: list[StoryRecord]) -> list[StoryRecord]:
        return [s for s in stories if (s.headline or "").startswith("Northport")]

    assert bridge(everything(store)[0]) == bridge(online[0])  # S1 and S2 took their copies in
    assert [s.articles for s in store.stories()] == [[1, 3, 6], [2, 5], [4]]


def test_a_hostile_state_runs_nothing_and_means_a_rebuild(store: Store, tmp_path: Path) -> None:
    """A store from someone else: its saved state names a function to call. It is refused, not run."""
    import os
    import pickle

    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str, ...]]:
            return (os.mkdir, (str(tmp_path / "pwned"),))

    store.put_many(ARRIVALS[:4])
    assert assign_stories(store) == 4
    assert store.save_assignments([], {}, store.story_state().serial, pickle.dumps({"tracked": Hostile()}))
    store.put_many(ARRIVALS[4:])
    messages: list[str] = []
    assert assign_stories(store, notice=messages.append) == 6  # all of them, again
    assert not (tmp_path / "pwned").exists() and "rebuilding" in messages[0]
    assert [s.articles for s in store.stories()] == [[1, 3, 6], [2, 5], [4]]


def test_the_commands_read_the_stored_stories(cli: Callable[..., Result], tmp_path: Path) -> None:
    from test_roundup import _ingest_day

    with fresh_store_url("sqlite", tmp_path) as url:
        _ingest_day(url, tmp_path, cli)
        listed = cli("stories", "--db", url, "--format", "jsonl")
        assert listed.exit_code == 0 and listed.stderr == ""
        stories = [json.loads(line) for line in listed.stdout.splitlines()]
        assert [len(s["articles"]) for s in stories] == [3, 2, 2, 1]
        rebuilt = cli("stories", "--rebuild", "--db", url, "--format", "jsonl")
        assert rebuilt.exit_code == 0 and "rebuilt: 8 articles" in rebuilt.stderr
        assert rebuilt.stdout == listed.stdout
        table = cli("stories", "--db", url, "--since", "2024-10-01", "--site", "courier.example").stdout
        old = cli("stories", "--db", url, "--since", "2024-10-01", "--source", "courier.example")
        assert old.stdout == table and "--source is deprecated, use --site" in old.stderr
        assert table.splitlines()[0] == f"[{stories[0]['id']}] Senate passes wage bill"
        assert "3 articles, 3 sources: Gazette, Herald, Courier; 2024-10-01" in table
        assert cli("stories", "--db", url, "--since", "2030-01-01").stderr == "no stories in this period\n"

        shown = json.loads(cli("story", stories[1]["id"].lower(), "--db", url).stdout)
        assert shown == stories[1] and shown["headline"] == "Riverside reach cup final"
        missing = cli("story", "S999", "--db", url)
        assert missing.exit_code == 1 and "no story 'S999'" in missing.stderr

        copies = cli("duplicates", str(stories[0]["articles"][0]), "--db", url, "--format", "jsonl")
        found = [json.loads(line) for line in copies.stdout.splitlines()]
        assert [(c["kind"], c["url"]) for c in found] == [
            ("earliest", "https://gazette.example/politics/senate-wage"),
            ("exact", "https://herald.example/politics/wage-vote"),
            ("near", "https://courier.example/politics/wage")]
        assert set(found[0]) == {"article_id", "group", "kind", "published", "url", "title"}
        assert cli("duplicates", "https://nowhere.example/x", "--db", url).exit_code == 1

        def count(*args: str) -> int:
            result = cli(*args, "--db", url)
            assert result.exit_code == 0, result.output
            return len(result.stdout.splitlines())

        assert count("search", "senate", "--format", "jsonl") == 3
        assert count("search", "senate", "--format", "jsonl", "--fold-duplicates") == 1
        assert count("export", "--format", "jsonl") == 8
        assert count("export", "--format", "jsonl", "--fold-duplicates") == 6  # without two wire copies
        assert "--fold-duplicates" in cli("search", "--help").stdout


def test_stories_say_when_articles_are_in_none_yet(cli: Callable[..., Result], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as store:
        store.put_many(ARRIVALS)  # as an older newsdesk (or a killed ingest) left them
    listed = cli("stories", "--db", url)
    assert listed.exit_code == 0 and listed.stdout == ""
    assert "6 stored articles are in no duplicate group or story yet" in listed.stderr
    assert "newsdesk stories --rebuild" in listed.stderr
    assert cli("duplicates", "1", "--db", url).exit_code == 1
    rebuilt = cli("stories", "--rebuild", "--db", url)
    assert rebuilt.exit_code == 0 and "[S1] Senate passes wage bill" in rebuilt.stdout
    assert "in no duplicate group" not in rebuilt.stderr


FIRE = [
    ("2024-01-01", "Firefighters in Northport battled a warehouse fire on Monday as smoke covered the "
                   "harbour district, fire chief Helen Ortiz said."),
    ("2024-01-02", "Fire chief Helen Ortiz said the Northport warehouse fire was under control on Tuesday "
                   "after firefighters worked through the night in the harbour district."),
    ("2099-01-01", "Astronomers at the Kepler observatory in Chile found a comet that will pass close to "
                   "Earth next spring, the observatory's director said."),
    ("2024-01-03", "Fire chief Helen Ortiz said the Northport warehouse fire in the harbour district, under "
                   "control since Tuesday after firefighters worked through the night, was started by a "
                   "faulty heater."),
    ("2024-02-20", "The Riverside council approved a budget that pays for new school buildings and longer "
                   "library hours, mayor Dana Morgan said on Saturday."),
    (None, "Helen Ortiz, the Northport fire chief, thanked the firefighters who fought the harbour district "
           "warehouse fire through the night."),
]


def test_old_stories_close_and_a_rebuild_closes_the_same(store: Store) -> None:
    """A story whose last article is FORGET_AFTER (30 days) older than the newest date leaves the candidates;
    a date in the future moves no clock; an undated report is at the time it was stored (now), so it
    does not join a story of 2024."""
    keeper = StoryKeeper(store, batch_size=1)
    for number, (when, body) in enumerate(FIRE, start=1):
        store.put(Article(url=f"https://news.example/{number}", title=None, body=body, published=when))
        assert keeper.catch_up() == 1
    keeper.close()
    online = everything(store)
    story_of = {id: (record.id if record else None) for id, record in enumerate(online[2], start=1)}
    assert story_of[1] == story_of[2] == story_of[4] == "S1"  # the 2099 page closed nothing
    assert story_of[6] != "S1"  # undated: stored now, years after the fire (whose story closed anyway)
    rebuilt = StoryKeeper(store, batch_size=100)
    rebuilt.rebuild()
    rebuilt.close()
    assert everything(store) == online


def test_forget_closes_stories_of_the_clusterer() -> None:
    from collections import Counter
    from datetime import datetime

    from newsdesk.stories import StoryClusterer
    from newsdesk.stories.features import Features

    def features() -> Features:
        return Features(words=Counter({"fire": 2, "warehouse": 1}), entities=Counter({"helen-ortiz": 1}),
                        evidence={"e:helen-ortiz", "e:northport"})

    clusterer = StoryClusterer()
    old = clusterer.add("a", features(), datetime(2024, 1, 1))
    assert clusterer.add("b", features(), None) is old
    assert clusterer.forget(datetime(2023, 12, 1)) == []
    assert clusterer.forget(datetime(2024, 1, 15)) == [old]
    assert not old.members and old.articles == ["a", "b"]
    assert clusterer.add("c", features(), None) is not old  # undated: only open stories are candidates
    assert clusterer.forget(datetime(2024, 1, 15)) == []


def test_ingest_without_stories_leaves_them_to_the_next_run(cli: Callable[..., Result],
                                                           tmp_path: Path) -> None:
    first, _ = day_folders(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    skipped = cli("ingest", str(first), "--db", url, "--no-enrich", "--no-stories")
    assert skipped.exit_code == 0 and "0 into stories" in skipped.stderr
    assert "4 stored articles are in no duplicate group" in cli("stories", "--db", url).stderr
    again = cli("ingest", str(first), "--db", url, "--no-enrich")  # nothing new: it assigns what waits
    assert again.exit_code == 0 and "4 into stories" in again.stderr
    listed = cli("stories", "--db", url)
    assert listed.stderr == "" and listed.stdout.count("[S") == 3


def test_two_processes_assigning_into_one_store(store: Store) -> None:
    """A keeper whose state is stale (another assigned meanwhile) reloads it before assigning."""
    store.put_many(ARRIVALS[:3])
    first = StoryKeeper(store)
    assert first.catch_up() == 3
    store.put_many(ARRIVALS[3:5])
    assert StoryKeeper(store).catch_up() == 2
    store.put(ARRIVALS[5])
    assert first.catch_up() == 1  # its save is refused (stale serial): it reloads and assigns again
    first.close()
    online = everything(store)
    assert [s.articles for s in online[0]] == [[1, 3, 6], [2, 5], [4]]
    StoryKeeper(store).rebuild()
    assert everything(store) == online


def test_stories_of_another_version_are_rebuilt_when_shown(cli: Callable[..., Result],
                                                           tmp_path: Path) -> None:
    """A store whose stories were made by another version of the clustering is rebuilt (with a notice)
    before `newsdesk stories` lists them, and gives what assigning them online gives."""
    import pickle

    from newsdesk.stories.persist import _Tracked

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as store:
        store.put_many(ARRIVALS)
        assert assign_stories(store) == len(ARRIVALS)
        online = everything(store)
        old = pickle.dumps({"version": "an older clustering", "tracked": _Tracked()})
        assert store.save_assignments([], {}, store.story_state().serial, old)
    listed = cli("stories", "--db", url, "--format", "jsonl")
    assert listed.exit_code == 0, listed.output
    assert "made by another version of newsdesk: rebuilding them from 6 articles" in listed.stderr
    assert [json.loads(line) for line in listed.stdout.splitlines()] == [asdict(s) for s in online[0]]
    with open_store(url) as store:
        assert everything(store) == online and not StoryKeeper(store).outdated()
    again = cli("stories", "--db", url, "--format", "jsonl")
    assert again.stderr == "" and again.stdout == listed.stdout


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_arrivals_start_past_the_assigned_and_come_back_after_a_clear(kind: str, tmp_path: Path) -> None:
    """arrivals() and unassigned() walk from the first article a walk found unassigned (not from the
    first article): exact across updates of old articles, a rebuild, and groups cleared by another
    store open on the same database (another process)."""
    with fresh_store_url(kind, tmp_path) as url, open_store(url) as store, open_store(url) as other:
        assert isinstance(store, SqlStories) and isinstance(other, SqlStories)
        store.put_many(ARRIVALS[:3])
        assert assign_stories(store) == 3 and store.unassigned() == 0 and store.arrivals(10) == []
        store.put_many(ARRIVALS[3:5])
        assert store.unassigned() == 2 and [a.id for a in store.arrivals(10)] == [4, 5]
        assert store._arrival_floor == 4 and store._floor() == 4  # where the next walks start
        assert assign_stories(store) == 2 and store.unassigned() == 0
        with open_store(url) as fresh:  # all of 1..5 assigned: a store opened now starts past them
            assert isinstance(fresh, SqlStories) and fresh._floor() == 6 and fresh.arrivals(10) == []
        changed = article("courier.example", "wage", "Senate votes for $15 wage (updated)",
                          ["An entirely different text about the weather in the mountains."],
                          "2024-10-01T10:00:00Z")
        assert other.put(changed).status == "updated"
        assert store.unassigned() == 0 and store.arrivals(10) == []
        other.clear_stories()  # another process drops every group: all come back, from the first
        assert store.unassigned() == 5 and [a.id for a in store.arrivals(10)] == [1, 2, 3, 4, 5]
        assert StoryKeeper(other).rebuild() == 5
        assert store.unassigned() == 0 and store.arrivals(10) == []
        other.put(ARRIVALS[5])
        assert store.unassigned() == 1 and [a.id for a in store.arrivals(10)] == [6]
        assert assign_stories(store) == 1 and store.unassigned() == 0
        store.clear_stories()
        assert store.unassigned() == 6 and other.unassigned() == 6
        assert [a.id for a in store.arrivals(2)] == [1, 2]
        assert assign_stories(other) == 6 and store.unassigned() == 0 and store.arrivals(10) == []
