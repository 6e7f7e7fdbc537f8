"""`newsdesk stories --recluster`: the offline pass over a window of the store, kept as the stories of its
articles (SQLite, PostgreSQL, memory): what it merges, the window's edge, story ids, idempotence, a run
stopped half-way, new arrivals afterwards, and the commands that show the stories."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from click.testing import Result

from conftest import fresh_store_url
from newsdesk.article import Article
from newsdesk.store import Store, StoryRecord, open_store
from newsdesk.stories.persist import StoryKeeper, assign_stories
from test_stories import FOLLOW_UP, REPORT

QUAKE_2010 = [
    "A magnitude 8.8 earthquake struck off the coast of central Chile near Concepcion on Saturday, "
    "killing hundreds and toppling buildings in Santiago and Talca.",
    "President Michelle Bachelet declared a state of catastrophe in the Maule and Biobio regions as a "
    "tsunami swept into the port of Talcahuano.",
]
QUAKE_2010_NEXT = [
    "Rescuers in Concepcion pulled survivors from a collapsed apartment block on Sunday as Michelle "
    "Bachelet said the death toll from the Maule earthquake had passed 700.",
    "The tsunami destroyed fishing villages around Talcahuano and along the Maule coast.",
]
FOLLOW_UP_OTHER = [
    "President Gabriel Boric opened the rebuilt hospital wing in Iquique on Friday, three months after "
    "the magnitude 6.1 earthquake that killed two people in Alto Hospicio.",
    "Schools damaged by the quake in Alto Hospicio reopen in September, the national emergency office "
    "said, and the market street where the walls fell has been cleared.",
]


def article(site: str, slug: str, title: str, paragraphs: list[str], when: str | None) -> Article:
    return Article(url=f"https://{site}/{slug}", title=title, body="\n\n".join(paragraphs), published=when,
                   site_name=site.split(".")[0].capitalize())


# In order of arrival: a quake in April 2014 (two outlets), another in 2010 (two outlets), and the 2014
# quake's follow-up three months later (two outlets). Online, the follow-up is a story of its own (an
# event's window is 14 days), and the 2010 quake's second report, arriving after the follow-up's first,
# starts a story of its own; the offline pass merges the follow-up with the quake (FOLLOW_UP: 180 days)
# and the two 2010 reports.
ARRIVALS = [
    article("courier.example", "quake", "Earthquake hits northern Chile", REPORT, "2014-04-01T09:00:00Z"),
    article("herald.example", "iquique", "Chile quake: Boric visits Iquique", [REPORT[2], REPORT[3]],
            "2014-04-02T12:00:00Z"),
    article("gazette.example", "maule", "Massive earthquake strikes central Chile", QUAKE_2010,
            "2010-02-27T08:00:00Z"),
    article("ledger.example", "rebuild", "Iquique rebuilds after the quake", FOLLOW_UP,
            "2014-07-10T09:00:00Z"),
    article("herald.example", "maule", "Chile counts the dead after Concepcion quake", QUAKE_2010_NEXT,
            "2010-02-28T10:00:00Z"),
    article("gazette.example", "hospital", "Boric opens repaired Iquique hospital", FOLLOW_UP_OTHER,
            "2014-07-11T10:00:00Z"),
]
# The follow-up's third report, ingested after the re-clustering.
LATER = article("post.example", "schools", "Alto Hospicio schools reopen after Iquique quake",
                [FOLLOW_UP_OTHER[1], FOLLOW_UP[0]], "2014-07-12T08:00:00Z")


@pytest.fixture(scope="module", autouse=True)
def _enriched() -> None:
    """The articles enriched, as ingest does by default: the stories take their entities."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    enrich_articles([*ARRIVALS, LATER], Settings.from_env())


def ingested(store: Store) -> None:
    store.put_many(ARRIVALS)
    assert assign_stories(store) == len(ARRIVALS)


def members(store: Store) -> list[tuple[str, list[int]]]:
    return [(s.id, s.articles) for s in store.stories(top=100)]


def everything(store: Store) -> tuple[list[StoryRecord], list[StoryRecord | None]]:
    return store.stories(top=100), [store.story_of(id) for id in range(1, 8)]


def recluster(store: Store, since: str) -> tuple[int, int, int, int]:
    keeper = StoryKeeper(store)
    done = keeper.recluster(since)
    keeper.close()
    return done.articles, done.before, done.after, done.moved


def test_online_leaves_the_follow_up_apart(store: Store) -> None:
    ingested(store)
    assert members(store) == [("S4", [4, 6]), ("S1", [1, 2]), ("S5", [5]), ("S3", [3])]


def test_the_window_is_re_clustered_and_the_rest_kept(store: Store) -> None:
    """The window of 2014: the quake and its follow-up become one story, which keeps the id of the
    older of the two (each had two of its articles: a tie); the follow-up's id now leads to no story.
    The 2010 quake, outside the window, is not touched. The largest story comes first."""
    ingested(store)
    before = store.story("S3"), store.story("S5")
    assert recluster(store, "2014-01-01") == (4, 2, 1, 2)
    assert members(store) == [("S1", [1, 2, 4, 6]), ("S5", [5]), ("S3", [3])]
    assert (store.story("S3"), store.story("S5")) == before and store.story("S4") is None
    merged = store.story_of(6)
    assert merged is not None and merged.id == "S1"
    assert merged.sources == ["Courier", "Herald", "Ledger", "Gazette"]  # in order of publication
    assert (merged.first_seen, merged.last_seen) == ("2014-04-01T09:00:00Z", "2014-07-11T10:00:00Z")
    assert merged.headline == "Earthquake hits northern Chile"
    assert any("Iquique" in name for name in merged.entities) and len(merged.entities) <= 5
    # The whole store: the 2010 quake's two reports too (S5, the later one, merged into S3).
    assert recluster(store, "2000-01-01") == (6, 3, 2, 1)
    assert members(store) == [("S1", [1, 2, 4, 6]), ("S3", [3, 5])]


def test_a_second_run_changes_nothing(store: Store) -> None:
    ingested(store)
    recluster(store, "2014-01-01")
    once, state = everything(store), store.story_state()
    assert recluster(store, "2014-01-01") == (4, 1, 1, 0)
    assert everything(store) == once and store.story_state() == state  # nothing written at all


def test_a_story_across_the_windows_edge_keeps_its_earlier_articles(store: Store) -> None:
    """After the 2014 re-clustering, S1 runs from April to July. A window from June reaches S1: its
    April articles enter the pass as one group (not split, not re-judged), its July articles are
    re-clustered and join it again; the same id. A window from 2014-04-02 splits nothing either."""
    ingested(store)
    recluster(store, "2014-01-01")
    once = everything(store)
    assert recluster(store, "2014-06-01") == (4, 1, 1, 0)
    assert everything(store) == once
    assert recluster(store, "2014-04-02") == (4, 1, 1, 0)
    assert everything(store) == once


def test_a_story_whose_window_articles_all_leave_it_keeps_its_earlier_ones(store: Store) -> None:
    """A story across the window's start whose articles in the window all belong elsewhere: here the
    follow-up's first report put (by hand) in the 2010 quake's story S3. The window of 2014 takes it
    out, into the 2014 quake's story; S3 keeps its 2010 article and its id. S3 is then wholly before
    the window: the next run does not read it, and changes nothing (nothing counted included it)."""
    ingested(store)
    state = store.story_state()
    assert state.data is not None
    assert store.save_stories({3: [3, 4]}, {}, state.serial, state.data)
    assert members(store)[:2] == [("S3", [3, 4]), ("S1", [1, 2])]
    assert recluster(store, "2014-01-01") == (5, 3, 2, 2)
    assert members(store) == [("S1", [1, 2, 4, 6]), ("S5", [5]), ("S3", [3])]
    once, state = everything(store), store.story_state()
    assert recluster(store, "2014-01-01") == (4, 1, 1, 0)
    assert everything(store) == once and store.story_state() == state


def test_the_earlier_part_of_a_story_stays_together_when_the_window_parts_from_it(store: Store) -> None:
    """Online, the follow-up (S4) is a story of its own. A window from June holds only it: the quake's
    story (S1), wholly before the window, is not read, and the follow-up stays apart."""
    ingested(store)
    online = everything(store)
    assert recluster(store, "2014-06-01") == (2, 1, 1, 0)
    assert everything(store) == online


def test_new_arrivals_join_the_re_clustered_story(store: Store) -> None:
    """The tracker's open stories lead to the re-clustered ones: a third report of the follow-up,
    ingested afterwards, joins S1, where its two earlier reports now are."""
    ingested(store)
    recluster(store, "2014-01-01")
    store.put_many([LATER])
    assert assign_stories(store) == 1
    assert members(store) == [("S1", [1, 2, 4, 6, 7]), ("S5", [5]), ("S3", [3])]
    assert (store.story_of(7) or StoryRecord("", None, None, None, [], [], [], [])).id == "S1"


def test_a_run_stopped_half_way_changes_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The result is written in one transaction with the tracker's state: a failure while writing
    (here: the story records) leaves the stories and the state as they were; the next run does it."""
    from newsdesk.store.sql_stories import SqlStories

    ingested(store)
    online, state = everything(store), store.story_state()

    def broken(*args: object) -> None:
        raise RuntimeError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(SqlStories, "_write_stories", broken)
        with pytest.raises(RuntimeError):
            recluster(store, "2014-01-01")
    assert everything(store) == online and store.story_state() == state
    assert recluster(store, "2014-01-01") == (4, 2, 1, 2)
    assert members(store) == [("S1", [1, 2, 4, 6]), ("S5", [5]), ("S3", [3])]


def test_a_run_stopped_half_way_leaves_the_tracker_as_it_was(store: Store,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """As the command runs it (the keeper closed in a finally, articles assigned by the run itself):
    the write fails, and the tracker's state saved on closing does not lead to the stories that were
    not written. An article ingested afterwards joins the stories as if no re-clustering had run."""
    from newsdesk.store.sql_stories import SqlStories

    store.put_many(ARRIVALS)  # not yet assigned: the run assigns them first

    def broken(*args: object) -> None:
        raise RuntimeError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(SqlStories, "save_stories", broken)
        keeper = StoryKeeper(store)
        try:
            with pytest.raises(RuntimeError):
                keeper.recluster("2014-01-01")
        finally:
            keeper.close()
    assert members(store) == [("S4", [4, 6]), ("S1", [1, 2]), ("S5", [5]), ("S3", [3])]
    store.put_many([LATER])
    assert assign_stories(store) == 1
    assert members(store) == [("S4", [4, 6, 7]), ("S1", [1, 2]), ("S5", [5]), ("S3", [3])]  # as online


def test_an_article_that_fails_is_recorded_and_the_run_goes_on(store: Store,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An internal error on one article's features (here: made to happen) is recorded as online
    assignment records it; the article is a story of its own (S6: its old story's id went to the
    earlier report, with which it shared it) and the others are re-clustered (the follow-up's other
    report, alone, is no story that merges with the quake's)."""
    from newsdesk.stories import tracker

    ingested(store)
    real = tracker.article_features

    def failing(article: Article, entities: object = None) -> object:
        if article.title == ARRIVALS[5].title:
            raise ValueError("no features today")
        return real(article, entities)  # type: ignore[arg-type]

    monkeypatch.setattr(tracker, "article_features", failing)
    assert recluster(store, "2014-01-01") == (4, 2, 3, 1)
    assert members(store)[:3] == [("S1", [1, 2]), ("S6", [6]), ("S4", [4])]
    assert [(e.source, e.stage) for e in store.errors()] == [("https://gazette.example/hospital", "stories")]
    assert "no features today" in store.errors()[0].reason


def failing_on(monkeypatch: pytest.MonkeyPatch, title: str) -> None:
    """The story features of the article of `title` fail (an internal error, made to happen)."""
    from newsdesk.stories import tracker

    real = tracker.article_features

    def failing(article: Article, entities: object = None) -> object:
        if article.title == title:
            raise ValueError("no features today")
        return real(article, entities)  # type: ignore[arg-type]

    monkeypatch.setattr(tracker, "article_features", failing)


def test_a_story_split_so_that_no_old_id_is_left_for_a_part(store: Store,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """S1 (1, 2, 4, 6) re-clustered with article 1 on its own (its features fail; the quake's other
    report is then alone too): the follow-up keeps S1, and article 1, whose own id is S1's, gets the
    lowest id no story has (S2), not an error; article 2 the next (S3 is the 2010 quake's)."""
    ingested(store)
    recluster(store, "2014-01-01")
    assert members(store)[0] == ("S1", [1, 2, 4, 6])
    failing_on(monkeypatch, ARRIVALS[0].title)
    assert recluster(store, "2014-01-01") == (4, 1, 3, 2)
    assert members(store) == [("S1", [4, 6]), ("S4", [2]), ("S2", [1]), ("S5", [5]), ("S3", [3])]
    assert recluster(store, "2014-01-01") == (4, 3, 3, 0)  # and again: nothing changes


def test_a_new_id_is_never_one_of_a_story_outside_the_window(store: Store,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """S4 holds the 2010 reports (3, 5), outside the window; article 4 is in S1. Re-clustered on its
    own (its features fail; the follow-up's other report is then alone too), article 4 does not take
    S4 (it would join the 2010 story): it gets the lowest id no story has (S2)."""
    ingested(store)
    state = store.story_state()
    assert state.data is not None
    assert store.save_stories({4: [3, 5], 1: [1, 2, 4, 6]}, {}, state.serial, state.data)
    failing_on(monkeypatch, ARRIVALS[3].title)
    recluster(store, "2014-01-01")
    assert ("S4", [3, 5]) in members(store)
    assert members(store) == [("S1", [1, 2]), ("S4", [3, 5]), ("S6", [6]), ("S2", [4])]


def test_a_storys_articles_before_the_window_keep_its_id(store: Store,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """S4 holds the quake's first report (April) and the follow-up (July); a window from June, with the
    April report apart from the rest (its features fail): the April report, outside the window, keeps
    S4 although the follow-up has more of S4's articles; the follow-up takes a free id."""
    ingested(store)
    state = store.story_state()
    assert state.data is not None
    assert store.save_stories({4: [1, 4, 6], 2: [2]}, {}, state.serial, state.data)
    failing_on(monkeypatch, ARRIVALS[0].title)
    assert recluster(store, "2014-06-01") == (3, 1, 2, 2)
    assert members(store) == [("S6", [4, 6]), ("S2", [2]), ("S4", [1]), ("S5", [5]), ("S3", [3])]


def test_a_failed_article_is_recorded_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure is recorded once the result is kept: not for a reading thrown away because another
    process assigned meanwhile, and not again by the next run over the same window."""
    from newsdesk.store.sql_stories import SqlStories

    ingested(store)
    failing_on(monkeypatch, ARRIVALS[5].title)
    real = SqlStories.save_stories
    calls: list[int] = []

    def stale_once(self: SqlStories, *args: Any) -> bool:
        calls.append(1)
        return False if len(calls) == 1 else real(self, *args)

    with monkeypatch.context() as patched:
        patched.setattr(SqlStories, "save_stories", stale_once)
        assert recluster(store, "2014-01-01") == (4, 2, 3, 1)
    assert len(calls) == 2
    assert recluster(store, "2014-01-01") == (4, 3, 3, 0)
    assert [(e.source, e.stage) for e in store.errors()] == [("https://gazette.example/hospital", "stories")]


def test_another_process_assigning_all_the_time_means_a_clear_error(store: Store,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A store whose stories keep changing under the run (here: every write finds a newer state): after
    RECLUSTER_TRIES readings it stops with an error saying to retry later, having changed nothing."""
    from newsdesk.errors import StoreError
    from newsdesk.store.sql_stories import SqlStories
    from newsdesk.stories.persist import RECLUSTER_TRIES

    ingested(store)
    online, state = everything(store), store.story_state()
    calls: list[int] = []

    def stale(*args: object) -> bool:
        calls.append(1)
        return False

    monkeypatch.setattr(SqlStories, "save_stories", stale)
    with pytest.raises(StoreError, match="run it again later"):
        recluster(store, "2014-01-01")
    assert len(calls) == RECLUSTER_TRIES
    assert everything(store) == online and store.story_state() == state


def test_another_process_assigning_meanwhile_means_a_second_look(store: Store) -> None:
    """A keeper whose state is stale (another process assigned since) does not write over it: it
    takes the new state and reads the window again, with what arrived."""
    ingested(store)
    keeper = StoryKeeper(store)
    keeper.catch_up()
    store.put_many([LATER])
    assert assign_stories(store) == 1  # another keeper
    assert keeper.recluster("2014-01-01").after == 1
    keeper.close()
    # The follow-up's story had three of the five articles (S4: 4, 6 and 7), the quake's two: S4 it is.
    assert members(store) == [("S4", [1, 2, 4, 6, 7]), ("S5", [5]), ("S3", [3])]


def test_a_rebuild_undoes_it(store: Store) -> None:
    ingested(store)
    online = everything(store)
    recluster(store, "2014-01-01")
    StoryKeeper(store).rebuild()
    assert everything(store) == online


def test_anchors_never_merge_and_the_window_joins_them() -> None:
    """The offline pass with anchors (`StoryTracker.recluster(anchors=...)`): the quake's two reports,
    each anchored alone (two stories judged apart before the window), stay apart, and the follow-up's
    two reports are a story of their own (a follow-up merges with a story of two reports or more).
    Without anchors, all four are one story."""
    from newsdesk.stories import StoryTracker

    reports = [ARRIVALS[0], ARRIVALS[1], ARRIVALS[3], ARRIVALS[5]]
    assert StoryTracker().recluster(reports) == [0, 0, 0, 0]
    assert StoryTracker().recluster(reports, anchors=[[0], [1]]) == [0, 1, 2, 2]
    # An anchor of both is one story from the start, which the follow-up joins.
    assert StoryTracker().recluster(reports, anchors=[[0, 1]]) == [0, 0, 0, 0]


def test_two_lone_anchors_never_join_the_same_story() -> None:
    """Two anchors of one article each (parts of two stories from before the window) that both fit a
    story of the window: the first joins it, the second then may not (they never merge)."""
    from types import SimpleNamespace

    from newsdesk.stories import offline

    when = datetime(2024, 10, 1)
    lone = [SimpleNamespace(when=when, vectors={}) for _ in range(4)]
    pairs = {(0, 2): 0.9, (0, 3): 0.9, (1, 2): 0.9, (1, 3): 0.9}
    joined = offline.join_stories(cast(list[offline.Member], lone), pairs, [0, 1, 2, 2],
                                  anchored=frozenset({0, 1}))
    assert joined == [2, 1, 2, 2]


def test_members_of_one_anchor_are_never_paired() -> None:
    """An anchor of 300 articles and 10 window articles, all sharing their evidence: the pairs scored
    are the window's with each other and with the anchor's, none of two of the anchor's (44,850)."""
    from types import SimpleNamespace

    from newsdesk.stories import offline

    anchor, window = 300, 10
    together = [SimpleNamespace(evidence=frozenset({"e:a", "e:b", f"own{i}"}), when=None)
                for i in range(anchor + window)]
    clusterer = SimpleNamespace(alike=lambda one, other: 0.5)
    found = offline._pairs(cast(offline.StoryClusterer, clusterer), cast(list[offline.Member], together),
                           None, {i: 0 for i in range(anchor)})
    assert len(found) == anchor * window + window * (window - 1) // 2
    assert all(j >= anchor for _, j in found)


def test_the_desk_shows_the_re_clustered_stories(cli: Callable[..., Result], tmp_path: Path) -> None:
    """The REST API and the desk's Stories page, already serving (and caching) the online stories, show
    the re-clustered ones once `stories --recluster` ran in another process; an old id is a 404 and
    an article's story is its new one."""
    from desk_fixtures import serve_in_thread
    from newsdesk.settings import Settings
    from newsdesk.web import create_app

    with fresh_store_url("sqlite", tmp_path) as url:
        with open_store(url) as store:
            ingested(store)
        server, thread, address = serve_in_thread(create_app(url, Settings(), api_token="r" * 20))
        try:
            def stories() -> list[tuple[str, list[int]]]:
                found = httpx.get(f"{address}/api/stories", timeout=30).json()
                return [(story["id"], story["articles"]) for story in found]

            assert stories() == [("S4", [4, 6]), ("S1", [1, 2]), ("S5", [5]), ("S3", [3])]
            assert cli("stories", "--recluster", "--since", "2010", "--db", url).exit_code == 0
            assert stories() == [("S1", [1, 2, 4, 6]), ("S3", [3, 5])]
            assert httpx.get(f"{address}/api/stories/S4", timeout=30).status_code == 404
            assert httpx.get(f"{address}/api/articles/6/story", timeout=30).json()["id"] == "S1"
            page = httpx.get(f"{address}/stories?date=2014-07-11", timeout=30)
            assert page.status_code == 200 and "/stories/S1" in page.text and "/stories/S4" not in page.text
        finally:
            server.should_exit = True
            thread.join(30)


def test_the_commands_show_the_re_clustered_stories(cli: Callable[..., Result], tmp_path: Path) -> None:
    """`stories --recluster --since` and `--days`, then the list (largest multi-source story first), one
    story, an old id merged away, and the roundup of the year."""
    with fresh_store_url("sqlite", tmp_path) as url:
        with open_store(url) as store:
            ingested(store)
        done = cli("stories", "--recluster", "--since", "2010-01-01", "--db", url, "--format", "jsonl")
        assert done.exit_code == 0, done.output
        assert "re-clustered since 2010-01-01: 6 articles, 4 stories before, 2 after, 3 articles moved" \
            in done.stderr
        listed = [json.loads(line) for line in done.stdout.splitlines()]
        assert [(s["id"], s["articles"]) for s in listed] == [("S1", [1, 2, 4, 6]), ("S3", [3, 5])]
        again = cli("stories", "--db", url, "--format", "jsonl")
        assert again.stdout == done.stdout
        shown = json.loads(cli("story", "S1", "--db", url).stdout)
        assert shown["articles"] == [1, 2, 4, 6] and len(shown["sources"]) == 4
        gone = cli("story", "S4", "--db", url)
        assert gone.exit_code == 1 and "no story 'S4'" in gone.stderr
        assert "article 4 is in story S1" in gone.stderr
        # The roundup of 2014: the quake and its follow-up are one item now (online: two).
        roundup = cli("roundup", "--since", "2014-01-01", "--until", "2014-12-31", "--format", "json",
                      "--db", url)
        assert roundup.exit_code == 0, roundup.output
        items = [item for section in json.loads(roundup.stdout)["sections"] for item in section["items"]]
        assert [(item["headline"], item["articles"], len(item["sources"])) for item in items] == [
            ("Earthquake hits northern Chile", 4, 4)]
        # --days: a window of the last days holds none of these articles (all of 2010 and 2014).
        recent = cli("stories", "--recluster", "--days", "30", "--db", url)
        assert recent.exit_code == 0 and ": 0 articles" in recent.stderr
        for wrong in (["--recluster"], ["--recluster", "--rebuild", "--days", "3"], ["--days", "3"],
                      ["--recluster", "--days", "3", "--since", "2014"], ["--recluster", "--days", "0"],
                      ["--recluster", "--days", "800000"], ["--recluster", "--days", "3", "--until", "2014"],
                      ["--recluster", "--since", "2014", "--collection", "quakes"]):
            refused = cli("stories", *wrong, "--db", url)
            assert refused.exit_code == 2 and "Traceback" not in refused.output, (wrong, refused.output)
        until = cli("stories", "--recluster", "--days", "3", "--until", "2014", "--db", url)
        assert "runs to now" in until.stderr
        help_text = cli("stories", "--help").stdout
        assert "--recluster" in help_text and "--days" in help_text and "nightly" in help_text
