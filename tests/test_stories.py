"""Duplicates and stories: syndicated copies folded, similar events kept apart, online = rebuild."""

from __future__ import annotations

import json
import pickle
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import cast

import pytest

from newsdesk.article import Article, Entity
from newsdesk.stories import DuplicateIndex, Story, StoryClusterer, StoryTracker, clustering
from newsdesk.stories.clustering import Member
from newsdesk.stories.features import (
    Features,
    article_features,
    event_score,
    event_signals,
    names,
    time_marks,
)

REPORT = [
    "A magnitude 6.1 earthquake struck northern Chile near the city of Iquique on Tuesday, shaking "
    "buildings and cutting power to thousands of homes, the national emergency office said.",
    "Rescue teams searched collapsed houses in Alto Hospicio through the night, and officials said "
    "two people had died and dozens were injured when walls fell on a crowded market street.",
    "President Gabriel Boric flew to the region on Wednesday and promised money to rebuild the "
    "schools and the hospital wing that were damaged, as aftershocks rattled the coast.",
    "The Pacific Tsunami Warning Center said there was no threat of a tsunami for the wider ocean, "
    "though the navy briefly ordered fishing boats to stay in the harbour of Iquique.",
]
OTHER = [
    "Shares in the carmaker fell sharply on Monday after it cut its profit forecast for the year, "
    "blaming weak demand in Europe and the cost of new battery plants in the United States.",
    "The chief executive told analysts that prices would stay under pressure until the summer and "
    "that the company would delay two new models while it reviews its spending plans.",
]


def test_exact_duplicates_ignore_template_case_and_spacing() -> None:
    index = DuplicateIndex()
    assert index.add("a", "\n\n".join(REPORT)) is None
    match = index.add("b", "  " + "\n".join(p.upper() for p in REPORT) + "  ")
    assert match is not None and match.kind == "exact" and match.group == "a"


def test_near_duplicates_teasers_and_groups_named_by_earliest_copy() -> None:
    index = DuplicateIndex()
    assert index.add("wire", "\n\n".join(REPORT)) is None
    edited = index.add("site1", "\n\n".join([*REPORT, "Follow our live coverage for updates."]))
    assert edited is not None and edited.kind == "near" and edited.group == "wire"
    fewer = index.add("site2", "\n\n".join(REPORT[:2] + REPORT[3:]))
    assert fewer is not None and fewer.group == "wire"
    teaser = index.add("feed", REPORT[0] + " Rescue teams searched collapsed houses ...")
    assert teaser is not None and teaser.kind == "teaser" and teaser.group == "wire"
    assert index.add("other", "\n\n".join(OTHER)) is None
    assert index.group("other") == "other" and index.group("site2") == "wire"
    # A short body proves nothing: a one-line summary is not a teaser of everything that starts alike.
    assert index.add("short", "A magnitude 6.1 earthquake struck northern Chile") is None
    with pytest.raises(ValueError, match="already added"):
        index.add("wire", "again")


@pytest.mark.parametrize("body", ["", "   \n\n ", "\x00\x01\x02" * 1000, "word " * 200_000])
def test_bad_bodies_do_not_break_the_index(body: str) -> None:
    index = DuplicateIndex()
    index.add("first", body)
    assert index.add("second", "\n\n".join(OTHER)) is None


def test_time_marks() -> None:
    marks = time_marks("First Published: June 13, 2013 4:59 PM. In 5 May 2012 and in Sept. 2010.")
    assert {"2013", "2013-06", "06-13", "05-05", "2012-05", "2010-09"} <= set(marks)


def _article(title: str, paragraphs: list[str], published: str | None = None) -> Article:
    return Article(title=title, body="\n\n".join(paragraphs), published=published)


QUAKE_2014 = [
    _article("Earthquake hits northern Chile", REPORT, "2014-04-01"),
    _article("Two dead as quake shakes Iquique", [REPORT[1], REPORT[0], REPORT[2]], "2014-04-02"),
    _article("Chile quake: Boric visits Iquique", [REPORT[2], REPORT[3]], "2014-04-02"),
]
QUAKE_2010 = [
    _article("Massive earthquake strikes central Chile", [
        "A magnitude 8.8 earthquake struck off the coast of central Chile near Concepcion on Saturday "
        "February 27, 2010, killing hundreds and toppling buildings in Santiago.",
        "President Michelle Bachelet declared a state of catastrophe in the Maule and Biobio regions "
        "as a tsunami swept into the port of Talcahuano."], "2010-02-27"),
    _article("Chile counts the dead after Concepcion quake", [
        "Rescuers in Concepcion pulled survivors from a collapsed apartment block on Sunday as Michelle "
        "Bachelet said the death toll from the 2010 earthquake had passed 700.",
        "The tsunami destroyed fishing villages around Talcahuano and the Maule coast."], "2010-02-28"),
]


@pytest.fixture(scope="module", autouse=True)
def _enriched() -> None:
    """The reports enriched, as ingest does before stories: the tracker takes their entities."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    enrich_articles([*QUAKE_2014, *QUAKE_2010], Settings.from_env())


@pytest.fixture(scope="module")
def tracker_results() -> list[int]:
    tracker = StoryTracker()
    order = [QUAKE_2014[0], QUAKE_2010[0], QUAKE_2014[1], QUAKE_2010[1], QUAKE_2014[2]]
    return [cast(Story, story).id for story in tracker.add_many(enumerate(order))]


def test_similar_events_are_told_apart_and_one_event_is_followed(tracker_results: list[int]) -> None:
    a, b, c, d, e = tracker_results
    assert a == c == e  # the 2014 Iquique quake, three reports
    assert b == d  # the 2010 Concepcion quake
    assert a != b


def test_rebuild_gives_the_online_result(tracker_results: list[int]) -> None:
    order = [QUAKE_2014[0], QUAKE_2010[0], QUAKE_2014[1], QUAKE_2010[1], QUAKE_2014[2]]
    tracker = StoryTracker()
    one_by_one = [cast(Story, tracker.add(n, article)).id for n, article in enumerate(order)]
    assert one_by_one == tracker_results
    story = tracker.stories[tracker_results[0]]
    assert story.articles == [0, 2, 4]
    assert str(story.first_seen)[:10] == "2014-04-01" and str(story.last_seen)[:10] == "2014-04-02"


def test_the_time_window_splits_reports_far_apart() -> None:
    tracker = StoryTracker(StoryClusterer())
    first = cast(Story, tracker.add("a", QUAKE_2014[0]))
    later = cast(Story, tracker.add("b", _article(QUAKE_2014[1].title or "", QUAKE_2014[1].body.split("\n\n"),
                                      "2017-06-01")))
    assert first.id != later.id


def test_features_come_from_enrichment_without_a_parse() -> None:
    article = _article("Quake hits Iquique", REPORT, "2014-04-01T10:00:00+02:00")
    article.enrichment = {"version": "test"}  # enriched: its entities are taken as they are
    article.entities = [Entity(id="p1", name="Gabriel Boric", type="person", mentions=[(0, 5), (9, 14)]),
                        Entity(id="l1", name="Iquique", type="place", mentions=[(20, 27)])]
    features = StoryTracker().features([article])[0]
    assert features.entities == {"p1": 2} and features.persons == {"boric": 2}
    assert features.places == {"l1": 1}
    assert features.published is not None and features.published.tzinfo is None
    # Words are kept per language (detected here: the article names none).
    assert features.language == "en"
    assert "en:earthquake" in features.lead and "en:tsunami" in features.words
    assert "en:tsunami" not in features.lead
    assert "en:the" not in features.words and "en:6" not in features.words
    assert article_features(Article(body="")).words == {}


def test_different_people_contradict_similar_words() -> None:
    def member(body: str, people: list[str]) -> Features:
        article = Article(title="Player arrested on suspicion of drunk driving", body=body)
        article.enrichment = {"version": "test"}
        article.entities = [Entity(id=name, name=name, type="person", mentions=[(0, 1)]) for name in people]
        return StoryTracker().features([article])[0]

    body = ("The team's player was arrested early on Sunday on suspicion of drunk driving, police said, "
            "and was released after posting bail. The club said it was aware of the arrest.")
    clusterer = StoryClusterer()
    first = clusterer.add("a", member(body, ["Vincent Jackson"]))
    article = Member(clusterer.vectorise(member(body.replace("Sunday", "Monday"), ["Jamal Williams"])), None)
    again = Member(clusterer.vectorise(member(body.replace("Sunday", "Monday"), ["Vincent Jackson"])), None)
    # The same words, other people: less likely the same event than with the same people.
    assert clusterer.probability(article, first.members[0]) < clusterer.probability(again, first.members[0])


def test_the_clusterer_pickles_and_carries_on(tracker_results: list[int]) -> None:
    order = [QUAKE_2014[0], QUAKE_2010[0], QUAKE_2014[1], QUAKE_2010[1], QUAKE_2014[2]]
    tracker = StoryTracker()
    for n, article in enumerate(order[:3]):
        tracker.add(n, article)
    restored = StoryTracker(pickle.loads(pickle.dumps(tracker.clusterer)))
    rest = [cast(Story, restored.add(n, article)).id for n, article in enumerate(order[3:], start=3)]
    assert rest == tracker_results[3:]
    assert restored.stories[tracker_results[0]].articles == [0, 2, 4]


def test_cluster_command(tmp_path: Path, run_newsdesk: Callable[..., subprocess.CompletedProcess[bytes]]
                         ) -> None:
    files = []
    for n, article in enumerate([QUAKE_2014[0], QUAKE_2010[0], QUAKE_2014[1]]):
        path = tmp_path / f"{n}.txt"
        path.write_text(f"{article.title}\n\n{article.body}\n", encoding="utf-8")
        files.append(str(path))
    (tmp_path / "broken.html.gz").write_bytes(b"not gzip")
    result = run_newsdesk("cluster", *files, str(tmp_path / "broken.html.gz"), timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [Path(line["source"]).name for line in lines] == ["0.txt", "1.txt", "2.txt"]
    assert lines[0]["story"] == lines[2]["story"] != lines[1]["story"]
    assert b"broken.html.gz" in result.stderr and b"3 documents in 2 stories, 1 failed" in result.stderr
    offline = run_newsdesk("cluster", "--offline", *reversed(files), timeout=120)
    assert offline.returncode == 0, offline.stderr
    lines = [json.loads(line) for line in offline.stdout.decode().splitlines()]
    assert [(Path(line["source"]).name, line["story"]) for line in lines] == [("2.txt", "1"), ("1.txt", "2"),
                                                                             ("0.txt", "1")]
    assert b"3 documents in 2 stories, 0 failed" in offline.stderr


BOXING_DE = ("Der Boxer Tobias Brandt hat am Samstag in Hamburg seinen Titel verteidigt. Er gewann den "
             "Kampf nach zwölf Runden einstimmig nach Punkten, und die Halle war mit den Fans der beiden "
             "Boxer voll.")
HOCKEY_DE = ("Die Eisbären haben am Samstag in Berlin das Spiel gegen die Adler mit drei zu eins gewonnen. "
             "Die Mannschaft von Trainer Jonas Weber war in der Halle von Anfang an besser, und die Fans "
             "waren voll des Lobes.")


def test_pages_in_another_language_are_not_grouped_by_their_function_words() -> None:
    """Two German reports of different events share many common words (der, die, und, in, am Samstag,
    Halle, Fans) among English news: the words of a language are weighed by that language alone, and
    nothing specific (a name, a place, a figure) links them."""
    tracker = StoryTracker(clock=lambda: datetime(2024, 10, 5))
    english = [_article(a.title or "", a.body.split("\n\n"), None) for a in (*QUAKE_2014, *QUAKE_2010)]
    for n, article in enumerate(english):
        tracker.add(f"en{n}", article)
    boxing = tracker.add("de1", Article(title="Brandt verteidigt Titel", body=BOXING_DE, language="de"))
    hockey = tracker.add("de2", Article(title="Eisbären gewinnen in Berlin", body=HOCKEY_DE, language="de"))
    assert boxing is not None and hockey is not None and boxing.id != hockey.id
    assert StoryTracker().features([Article(body=HOCKEY_DE, language="de")])[0].words["de:eisbären"] == 1


def test_pages_that_are_not_articles_are_in_no_story() -> None:
    tracker = StoryTracker()
    first = tracker.add("a", QUAKE_2014[0])
    listing = Article(title="Latest news", body=QUAKE_2014[1].body, published=QUAKE_2014[1].published,
                      page_type="listing")
    assert first is not None and tracker.add("b", listing) is None
    assert first.articles == ["a"] and len(tracker.stories) == 1
    unknown = Article(title=QUAKE_2014[1].title, body=QUAKE_2014[1].body, published=QUAKE_2014[1].published)
    assert tracker.add("c", unknown) is first  # no page type: an article


def test_an_undated_page_is_news_of_when_it_arrives() -> None:
    """Undated, a report of the 2014 quake arriving in 2024 is not taken into the 2014 story."""
    tracker = StoryTracker(clock=lambda: datetime(2024, 10, 5))
    first = tracker.add("a", QUAKE_2014[0])
    undated = tracker.add("b", _article(QUAKE_2014[1].title or "", QUAKE_2014[1].body.split("\n\n"), None))
    assert first is not None and undated is not None and undated.id != first.id
    assert str(undated.first_seen)[:10] == "2024-10-05"


GUIDE = [  # a guide: it speaks to its reader; its time is only when it was met
    "Composting at home with a Bokashi Bucket is easier than you think: you add your kitchen scraps, "
    "you sprinkle Bokashi Bran over them and you press them down, says Marta Lindqvist of Green Cone "
    "Gardens in Uppsala.",
    "Keep your bucket closed, drain your liquid every two days and after 14 days you can bury the "
    "contents in your garden, where you will find rich soil within a month.",
]
GUIDE_AGAIN = [  # another guide on the same topic, from another site
    "If you want to start composting, a Bokashi Bucket lets you turn your food waste into soil: you "
    "layer your scraps with Bokashi Bran and you keep the lid shut, Marta Lindqvist of Green Cone "
    "Gardens in Uppsala explains.",
    "You drain your bucket every two days; after 14 days you bury what is in it in your garden, and "
    "your plants will thank you within a month.",
]


def test_two_undated_guides_on_one_topic_are_not_one_story() -> None:
    """Two undated pages are both at the time they were met, so sharing a time says nothing: when both
    speak to their reader (guides, not reports of an event) they are not one story, however alike.
    Told as reports (the same names, no "you"), the same two pages are one story."""
    def tracker() -> StoryTracker:
        return StoryTracker(clock=lambda: datetime(2024, 10, 5))

    def report(paragraphs: list[str]) -> list[str]:
        told = [p.replace("you think", "gardeners think").replace("your plants will thank you", "plants grow")
                for p in paragraphs]
        for second, third in (("you ", "gardeners "), ("your ", "their "), ("You ", "Gardeners "),
                              ("If you", "If gardeners"), ("lets you", "lets gardeners")):
            told = [p.replace(second, third) for p in told]
        return told

    guides = tracker()
    first = guides.add("a", _article("Composting with a Bokashi Bucket", GUIDE))
    second = guides.add("b", _article("How to compost with a Bokashi Bucket", GUIDE_AGAIN))
    assert first is not None and second is not None and first.id != second.id
    reports = tracker()
    first = reports.add("a", _article("Composting with a Bokashi Bucket", report(GUIDE)))
    second = reports.add("b", _article("How to compost with a Bokashi Bucket", report(GUIDE_AGAIN)))
    assert first is not None and second is not None and first.id == second.id


def test_dated_guides_on_one_topic_weigh_less_than_reports() -> None:
    """Dated pages that both speak to their reader (guides, lists, explainers of one week on one topic)
    are compared, but the pair score counts the share of "you" in the page that says it least against
    them (clustering.SPEAKS): the two guides of one day are two stories, the same two pages told as
    reports one, and the guide pair's p is the lower."""
    def told(paragraphs: list[str]) -> list[str]:
        out = [p.replace("than you think", "than gardeners think") for p in paragraphs]
        for second, third in (("If you want", "Gardeners who want"), ("lets you", "lets gardeners"),
                              ("you will find", "gardeners find"),
                              ("your plants will thank you", "plants grow"),
                              ("You ", "Gardeners "), ("you ", "gardeners "), ("your ", "their ")):
            out = [p.replace(second, third) for p in out]
        return out

    def pair(first: list[str], second: list[str]) -> tuple[Story | None, Story | None, float]:
        tracker = StoryTracker()
        one = _article("Composting with a Bokashi Bucket", first, "2024-10-05")
        other = _article("How to compost with a Bokashi Bucket", second, "2024-10-06")
        a, b = tracker.add("a", one), tracker.add("b", other)
        members = [tracker.clusterer.member(f, count=False) for f in tracker.features([one, other])]
        return a, b, tracker.clusterer.probability(*members)

    first, second, guides = pair(GUIDE, GUIDE_AGAIN)
    assert first is not None and second is not None and first.id != second.id
    first, second, reports = pair(told(GUIDE), told(GUIDE_AGAIN))
    assert first is not None and second is not None and first.id == second.id
    assert guides < clustering.THRESHOLD <= reports


def test_a_stop_word_with_a_contraction_is_no_name() -> None:
    """"I'm", "It's", "We'll" are capitalised stop words, not names: they neither are a name alone nor
    join the capitalised words beside them into one."""
    found = names("Then I'm Going Home, she said. Later It’s Vibe Coding, and We'll see Ruby on Rails.", "en")
    assert not any("'" in name or "’" in name for name in found)
    assert {"c:going home", "c:vibe coding", "c:ruby", "c:rails"} <= found


def test_a_name_with_an_apostrophe_after_a_stop_word_is_a_name() -> None:
    """Only an English contraction is cut at its apostrophe: "O'Donnell" (Spanish stop word `o`) and
    "Dell'Utri" (Italian `dell`) stay names, while "I'm" and "It's" still join nothing."""
    assert "c:ana o'donnell" in names("Ayer la ministra Ana O'Donnell habló en Madrid.", "es")
    assert "c:marcello dell'utri" in names("Ieri il senatore Marcello Dell'Utri ha parlato.", "it")
    found = names("Then I'm Going Home, and It’s Vibe Coding.", "en")
    assert {"c:going home", "c:vibe coding"} <= found and not any("'" in n or "’" in n for n in found)


TEMPLATE = [  # what a template-heavy site leaves around every report when extraction keeps it
    "Sign up for the Northport Evening Post newsletter to get the day's headlines in your inbox every "
    "morning, and follow the Northport Evening Post on social media for breaking news alerts.",
    "Copyright 2024 Northport Evening Post Media Group. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed without the written permission of the publisher.",
    "Read more: Northport Evening Post weather, traffic, local sport and the Northport Evening Post "
    "community calendar, updated every hour by the Northport Evening Post newsroom.",
]
LIBRARY = ["The Northport library will open on Sundays from next month, librarian Anna Kowal said on "
           "Thursday, after 1,200 residents signed a petition asking for longer hours."]
ROADWORKS = ["Roadworks on Harbour Street will close two lanes for 18 days from Monday, the city's "
             "transport office said, as crews replace a 340-metre water main."]


def test_two_reports_of_one_template_heavy_site_are_neither_copies_nor_one_story() -> None:
    """The same boilerplate around two different reports: not duplicates, not one story."""
    library = _article("Library to open on Sundays", [*LIBRARY, *TEMPLATE], "2024-10-03T09:00:00Z")
    roadworks = _article("Harbour Street roadworks", [*ROADWORKS, *TEMPLATE], "2024-10-03T10:00:00Z")
    library.site_name = roadworks.site_name = "Northport Evening Post"
    index = DuplicateIndex()
    assert index.add("library", library.body) is None and index.add("roadworks", roadworks.body) is None
    tracker = StoryTracker()
    first, second = tracker.add("library", library), tracker.add("roadworks", roadworks)
    assert first is not None and second is not None and first.id != second.id


def test_one_wire_story_rewritten_by_two_outlets_is_one_story_not_one_copy() -> None:
    """A wire report and another outlet's rewrite of it: not copies of each other, but one story."""
    from test_roundup import WIRE
    from test_story_day import REWRITE

    one = _article("Senate passes wage bill", WIRE, "2024-10-01T08:00:00Z")
    other = _article("Senators back $15 minimum wage", REWRITE, "2024-10-01T11:00:00Z")
    index = DuplicateIndex()
    assert index.add("one", one.body) is None and index.add("other", other.body) is None
    tracker = StoryTracker()
    assert cast(Story, tracker.add("one", one)).id == cast(Story, tracker.add("other", other)).id


def test_an_undated_page_is_of_the_date_its_opening_states() -> None:
    """An undated page whose dateline states a date is news of that date (not of when it arrived):
    undated but opening with "April 2, 2014", the report joins the 2014 quake's story."""
    from newsdesk.stories.features import stated_date

    assert stated_date("Quake hits Chile\nApril 2, 2014 | 5:03pm\nRescue teams") == datetime(2014, 4, 2)
    assert stated_date("Posted on Thu 2 April 2014 at 08:45") == datetime(2014, 4, 2)
    assert stated_date("Updated 2014-04-02T10:00") == datetime(2014, 4, 2)
    assert stated_date("Trends for April 2014") is None  # no day: no date
    assert stated_date("February 30, 2014") is None
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    body = ["IQUIQUE, Chile, April 2, 2014 -", *QUAKE_2014[1].body.split("\n\n")]
    undated = _article(QUAKE_2014[1].title or "", body, None)
    enrich_articles([undated], Settings.from_env())
    tracker = StoryTracker(clock=lambda: datetime(2024, 10, 5))
    first, _ = tracker.add("a", QUAKE_2014[0]), tracker.add("b", QUAKE_2010[0])
    dated = tracker.add("c", undated)
    assert first is not None and dated is first
    assert str(first.last_seen)[:10] == "2014-04-02"


def test_numeric_datelines_and_birth_dates() -> None:
    """A byline's numeric date ("UPDATED 05/03/2013", "8/2/2013") dates an undated page: day first when
    the first part cannot be a month, month first when the second cannot, else as the language writes
    dates (month first in English, day first elsewhere). A birth date in the opening ("born ... on April
    22, 1923") dates no report: an obituary of 2008 is not news of 1923."""
    from newsdesk.stories.features import stated_date

    assert stated_date("UPDATED 05/03/2013 at 11:00 AM EDT") == datetime(2013, 5, 3)
    assert stated_date("8:13 AM PDT 8/2/2013") == datetime(2013, 8, 2)
    assert stated_date("Mis à jour le 05/03/2013", "fr") == datetime(2013, 3, 5)
    assert stated_date("Stand: 25.12.2013", "de") == datetime(2013, 12, 25)
    assert stated_date("posted 12/25/2013") == datetime(2013, 12, 25)
    assert stated_date("13/13/2013") is None
    assert stated_date("Page was born Betty Mae Page in Nashville, Tennessee on April 22, 1923.") is None
    assert stated_date("She was born on April 22, 1923. She died on Dec. 11, 2008.") == datetime(2008, 12, 11)


def test_an_undated_page_is_of_the_date_its_address_gives() -> None:
    """A page with no date whose address is dated (/2014/04/02/, /2014/apr/02/, /20140402/) is news of
    that date: it joins the 2014 quake's story, which the time of its arrival (2024) would forbid. An
    address without a whole date (a month, an id) dates nothing."""
    from newsdesk.stories.features import url_date

    assert url_date("https://news.example/world/2014/apr/02/chile-quake") == datetime(2014, 4, 2)
    assert url_date("https://news.example/2014/04/02/chile-quake.html") == datetime(2014, 4, 2)
    assert url_date("https://news.example/a/20140402/chile.html") == datetime(2014, 4, 2)
    assert url_date("https://news.example/2014-04-02-chile-quake") == datetime(2014, 4, 2)
    for undated in ("https://news.example/2014/04/", "https://news.example/story/1142198/quake",
                    "https://news.example/2014/13/40/x", "https://news.example/q?d=/2014/04/02/", ""):
        assert url_date(undated) is None, undated
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    undated_page = _article(QUAKE_2014[1].title or "", QUAKE_2014[1].body.split("\n\n"), None)
    undated_page.url = "https://news.example/world/2014/apr/02/chile-quake"
    enrich_articles([undated_page], Settings.from_env())
    tracker = StoryTracker(clock=lambda: datetime(2024, 10, 5))
    first, _ = tracker.add("a", QUAKE_2014[0]), tracker.add("b", QUAKE_2010[0])
    assert first is not None and tracker.add("c", undated_page) is first


def test_the_offline_pass_finds_the_events_in_any_order() -> None:
    """The offline pass (average link over the pair score, all articles known) gives the two quakes
    whatever the order of arrival, and keeps time as hard evidence: the same report years later, or
    undated (at the time of the run), is a story of its own."""
    from itertools import permutations

    reports = [QUAKE_2014[0], QUAKE_2010[0], QUAKE_2014[1], QUAKE_2010[1], QUAKE_2014[2]]
    events = ["2014", "2010", "2014", "2010", "2014"]
    for order in permutations(range(5)):
        labels = StoryTracker().recluster([reports[i] for i in order])
        found = {events[i]: set() for i in order}
        for i, label in zip(order, labels, strict=True):
            found[events[i]].add(label)
        assert all(len(labels_) == 1 for labels_ in found.values()) and found["2014"] != found["2010"]
    later = _article(QUAKE_2014[1].title or "", QUAKE_2014[1].body.split("\n\n"), "2017-06-01")
    undated = _article(QUAKE_2014[2].title or "", QUAKE_2014[2].body.split("\n\n"), None)
    listing = Article(title="Latest news", body=QUAKE_2014[0].body, page_type="listing",
                      page_type_probability=0.99)
    labels = StoryTracker(clock=lambda: datetime(2024, 10, 5)).recluster(
        [QUAKE_2014[0], later, QUAKE_2014[1], undated, listing])
    assert labels == [0, 1, 0, 3, None]


def test_the_offline_pass_merges_what_online_assignment_left_apart() -> None:
    """Online, a report joins the story it most resembles as it arrives; offline, every member is
    known: the three 2014 reports end in one story even when the middle one arrives last."""
    reports = [QUAKE_2014[0], QUAKE_2014[2], QUAKE_2010[0], QUAKE_2014[1]]
    labels = StoryTracker().recluster(reports)
    assert labels[0] == labels[1] == labels[3] != labels[2]


SYNDICATED = """<!doctype html><html><head><meta charset="utf-8"><title>Quake shakes northern Chile | Harbour
Gazette</title></head><body><header><nav><a href="/">Home</a> <a href="/world">World</a>
<a href="/sport">Sport</a></nav></header><main><article><h1>Quake shakes northern Chile</h1>
<p class="byline">By Wire Staff, The Harbour Gazette</p>{paragraphs}</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Council votes on the new bus lanes</a></li>
<li><a href="/b">Ferry timetable changes for the winter</a></li></ul></aside></main>
<footer><p>Share this article: Facebook Twitter Email</p><p>© 2024 The Harbour Gazette.</p></footer>
</body></html>"""


def test_a_syndicated_copy_with_its_outlets_byline_is_the_teasers_article() -> None:
    """Another outlet's page of the report, its byline line above the text: extracted, it opens as the
    report does (the byline is the authors' field, not body), so a teaser of the report seen first is
    its duplicate (the byline's words in the opening put it below the containment threshold)."""
    from newsdesk.extract import extract_html

    page = SYNDICATED.format(paragraphs="".join(f"<p>{p}</p>" for p in REPORT))
    body = extract_html(page, url="http://127.0.0.1/world/quake").body
    assert body.startswith(REPORT[0]) and "Wire Staff" not in body
    index = DuplicateIndex()
    assert index.add("feed", f"{REPORT[0]} {REPORT[1]} ...") is None
    match = index.add("copy", body)
    assert match is not None and match.kind == "teaser" and match.group == "feed"


FOLLOW_UP = [
    "Three months after the magnitude 6.1 earthquake struck northern Chile near Iquique, rebuilding "
    "has begun in Alto Hospicio, where walls fell on a crowded market street and two people died.",
    "President Gabriel Boric returned to the region and opened the repaired hospital wing, as the "
    "national emergency office said the schools damaged by the quake would reopen in September.",
]


def test_the_offline_pass_merges_a_story_with_its_follow_up_months_later() -> None:
    """Two reports of an event and two of its follow-up three months later are two stories online
    (an event's window is 14 days) and one offline: stories of two reports or more merge when their
    members agree on average within FOLLOW_UP (180 days). The same follow-up three years later, or
    told by one report alone, stays a story of its own: time is still hard evidence."""
    from newsdesk.stories import offline

    later = [_article("Iquique rebuilds after the quake", FOLLOW_UP, "2014-07-10"),
             _article("Boric opens repaired Iquique hospital", FOLLOW_UP[::-1], "2014-07-11")]
    years = [_article(a.title or "", a.body.split("\n\n"), "2017-07-10") for a in later]
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    enrich_articles([*later, *years], Settings.from_env())
    reports = [QUAKE_2014[0], QUAKE_2014[1], QUAKE_2010[0], *later, QUAKE_2010[1]]
    tracker = StoryTracker()
    online = [tracker.add(i, a) for i, a in enumerate(reports)]
    assert online[0] is online[1] and online[3] is online[4] and online[0] is not online[3]
    labels = StoryTracker().recluster(reports)
    assert labels[0] == labels[1] == labels[3] == labels[4] and labels[2] == labels[5] != labels[0]
    # Without the story merge (the first stage alone), the follow-up is a story of its own.
    clusterer = StoryClusterer()
    found = StoryTracker(clusterer).features(reports)
    for features in found:
        clusterer.member(features)
    members = [clusterer.member(features, count=False) for features in found]
    alone = offline.recluster(clusterer, members, story_link=None)
    assert alone[0] == alone[1] and alone[3] == alone[4] and alone[0] != alone[3]
    # Three years later is beyond FOLLOW_UP; one report alone is no story to merge.
    labels = StoryTracker().recluster([QUAKE_2014[0], QUAKE_2014[1], *years])
    assert labels[0] == labels[1] and labels[2] == labels[3] != labels[0]
    labels = StoryTracker().recluster([QUAKE_2014[0], QUAKE_2014[1], later[0]])
    assert labels == [0, 0, 2]


def test_merge_and_join_stories_follow_their_rules() -> None:
    """`merge_stories` merges stories of two members or more by average link within the follow-up
    window; `join_stories` puts an article left alone in the story whose closest members it fits."""
    from datetime import timedelta

    from newsdesk.stories.offline import join_stories, merge_stories

    def member(day: int) -> Member:
        return Member({}, datetime(2024, 1, 1) + timedelta(days=day))

    members = [member(0), member(1), member(100), member(101), member(400), member(401), member(2)]
    labels = [0, 0, 2, 2, 4, 4, 6]
    high = {(i, j): 0.6 for i in range(6) for j in range(i + 1, 6)}
    high[0, 6] = high[1, 6] = 0.9
    # 0-1 and 2-3 agree (0.6 >= 0.4) and are 99 days apart: one story; 4-5 is 299 days from them.
    assert merge_stories(members, high, labels) == [0, 0, 0, 0, 4, 4, 6]
    assert merge_stories(members, high, labels, link=0.7) == labels
    assert merge_stories(members, high, labels, follow_up=timedelta(days=30)) == labels
    # The article alone (6) fits the first story's members (0.9 on average): it joins it.
    assert join_stories(members, high, labels)[6] == 0
    assert join_stories(members, {(0, 6): 0.9}, labels)[6] == 6  # mean of its 2 closest: 0.45 < 0.5


def test_an_event_covered_by_several_reports_takes_follow_ups_within_the_developing_window() -> None:
    """Online, an event of one or two days' reports takes what is within 14 days of it; once COVERED
    reports (3) tell it, its follow-ups within 60 days join it, as a developing story's do. Told by two
    reports, the same follow-up seven weeks later starts a story of its own."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings
    from newsdesk.stories import clustering

    follow_up = _article("Iquique rebuilds after the quake", [*FOLLOW_UP, REPORT[2]], "2014-05-20")
    enrich_articles([follow_up], Settings.from_env())
    assert clustering.COVERED == 3
    tracker = StoryTracker()
    first = tracker.add("a", QUAKE_2014[0])
    assert first is not None and tracker.add("b", QUAKE_2014[1]) is first
    assert tracker.add("c", QUAKE_2014[2]) is first
    assert tracker.add("d", follow_up) is first
    tracker = StoryTracker()
    first = tracker.add("a", QUAKE_2014[0])
    assert tracker.add("b", QUAKE_2014[1]) is first and tracker.add("d", follow_up) is not first


def test_a_widely_covered_story_merges_with_a_follow_up_a_year_later() -> None:
    """`merge_stories` gives a story told by WIDELY reports or more (5) a follow-up window of its own
    (FOLLOW_UP_WIDE, 730 days): its follow-up story 400 days later merges with it; the same two stories
    of two reports each, or further apart than 730 days, stay apart. An article alone joins the widely
    covered story within 730 days (`join_stories`), a story of two reports within an event's window only."""
    from datetime import timedelta

    from newsdesk.stories import offline
    from newsdesk.stories.offline import join_stories, merge_stories

    assert offline.WIDELY == 5 and offline.FOLLOW_UP_WIDE.days == 730

    def member(day: int) -> Member:
        return Member({}, datetime(2024, 1, 1) + timedelta(days=day))

    def alike(count: int) -> dict[tuple[int, int], float]:
        return {(i, j): 0.6 for i in range(count) for j in range(i + 1, count)}

    # Five reports of an event over two days, then two of its follow-up 400 days later.
    members = [member(day) for day in (0, 0, 1, 1, 2, 402, 403)]
    labels = [0, 0, 0, 0, 0, 5, 5]
    assert merge_stories(members, alike(7), labels) == [0] * 7
    assert merge_stories(members, alike(7), labels, wide=None) == labels  # 400 days > FOLLOW_UP
    assert merge_stories(members, alike(7), labels, link=0.7) == labels  # they must still agree
    # Told by two reports, the event keeps FOLLOW_UP (180 days).
    small = [member(0), member(1), member(402), member(403)]
    assert merge_stories(small, alike(4), [0, 0, 2, 2]) == [0, 0, 2, 2]
    # Three years later is beyond FOLLOW_UP_WIDE too.
    late = [member(day) for day in (0, 0, 1, 1, 2, 1100, 1101)]
    assert merge_stories(late, alike(7), labels) == labels
    # An article alone 400 days later joins the widely covered story (`join_stories`), not a story of two.
    one = [member(day) for day in (0, 0, 1, 1, 2, 402)]
    assert join_stories(one, alike(6), [0, 0, 0, 0, 0, 5]) == [0] * 6
    assert join_stories(one, alike(6), [0, 0, 0, 0, 0, 5], wide=None) == [0, 0, 0, 0, 0, 5]
    assert join_stories(small[:3], alike(3), [0, 0, 2]) == [0, 0, 2]


def test_the_offline_pass_merges_a_widely_covered_event_with_its_follow_up_a_year_later() -> None:
    """Five reports of the quake and two of the rebuilding 13 months later: one story offline (a widely
    covered event's follow-up window, FOLLOW_UP_WIDE), and so is one report of the rebuilding alone;
    told by two reports, the quake's story keeps FOLLOW_UP (180 days) and an event's window for a
    single article, and the rebuilding a year later is a story of its own. The 2010 quake stays apart
    either way."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    more = [_article("Iquique counts the damage after Chile quake", [REPORT[3], REPORT[0], REPORT[1]],
                     "2014-04-03"),
            _article("Chile quake: schools shut in Iquique", [REPORT[0], REPORT[2], REPORT[3]], "2014-04-03")]
    later = [_article("Iquique rebuilds a year after the quake", FOLLOW_UP, "2015-05-10"),
             _article("Boric opens repaired Iquique hospital", FOLLOW_UP[::-1], "2015-05-11")]
    enrich_articles([*more, *later], Settings.from_env())
    labels = StoryTracker().recluster([*QUAKE_2014, *more, *later, *QUAKE_2010])
    assert labels == [0, 0, 0, 0, 0, 0, 0, 7, 7]
    labels = StoryTracker().recluster([*QUAKE_2014[:2], *later, *QUAKE_2010])
    assert labels == [0, 0, 2, 2, 4, 4]
    # One report of the rebuilding alone joins the widely covered story too (within FOLLOW_UP_WIDE of
    # it, by online assignment's rule), not the story of two reports.
    labels = StoryTracker().recluster([*QUAKE_2014, *more, later[0], *QUAKE_2010])
    assert labels == [0, 0, 0, 0, 0, 0, 6, 6]
    labels = StoryTracker().recluster([*QUAKE_2014[:2], later[0], *QUAKE_2010])
    assert labels == [0, 0, 2, 3, 3]


def test_two_stories_linked_by_evidence_are_compared_on_every_pair_of_their_members() -> None:
    """`story_pairs`: once two stories share rare evidence (one pair of their members shares two rare
    items), their other member pairs are scored by the pair score without the evidence requirement, so
    two alike stories whose short reports share too little evidence pairwise still merge; a story of one
    article, or one no pair links, gains no pairs, and two undated pages that speak to their reader are
    still never compared."""
    from newsdesk.stories.features import BAGS
    from newsdesk.stories.offline import merge_stories, story_pairs

    clusterer = StoryClusterer()
    vectors = {bag: {"iquique": 0.8, "quake": 0.6} for bag in BAGS}
    day = datetime(2014, 4, 1)
    undated_guide = Member(vectors, day, dated=False, reader=True)  # at the time it was met
    members = [Member(vectors, day), Member(vectors, day), Member(vectors, day), Member(vectors, day),
               Member(vectors, day), undated_guide, Member(vectors, day), undated_guide, Member(vectors, day)]
    labels = [0, 0, 2, 2, 4, 5, 5, 7, 7]
    pairs = {(0, 1): 0.9, (2, 3): 0.9, (1, 2): 0.8, (3, 4): 0.8, (5, 6): 0.9, (7, 8): 0.9, (6, 8): 0.7}
    found = story_pairs(clusterer, members, pairs, labels)
    added = {pair: p for pair, p in found.items() if pair not in pairs}
    assert set(added) == {(0, 2), (0, 3), (1, 3), (5, 8), (6, 7)}  # not (5, 7): two undated guides
    assert all(p == clusterer.probability(members[0], members[1]) > 0.9 for p in added.values())
    first = {pair: p for pair, p in found.items() if pair[1] < 4}
    assert merge_stories(members[:4], {pair: pairs[pair] for pair in first if pair in pairs},
                         labels[:4]) == [0, 0, 2, 2]  # the mean over the four pairs: 0.8 / 4 < 0.4
    assert merge_stories(members[:4], first, labels[:4]) == [0, 0, 0, 0]


def _editions(titles: list[str], paragraphs: list[str], days: list[str]) -> list[Article]:
    """Reports of one event: each title with the paragraphs in another order, on the days given."""
    return [_article(title, paragraphs[i % len(paragraphs):] + paragraphs[:i % len(paragraphs)], day)
            for i, (title, day) in enumerate(zip(titles, days, strict=True))]


FESTIVAL = [
    "The Harbourfield Festival {year} opened at Marlow Farm near Pennock on Wednesday, and organiser Ruth "
    "Calloway said {crowd} people had come through the gates for five days of music on the farm.",
    "{headliner} headline the Beacon Stage on Friday night, with {closer} closing the Harbourfield "
    "Festival on Sunday, Calloway told reporters at Marlow Farm.",
    "Police in Pennock said traffic on the roads around Marlow Farm was heavy but moving, and the "
    "festival's medical tents had treated {treated} people by Thursday.",
    "Tickets for the Harbourfield Festival {year} sold out in {minutes} minutes, and this year's edition "
    "has a new field for children beside the Beacon Stage, Calloway said.",
]
EARNINGS = [
    "Corvane Motors reported fourth-quarter {year} profit of {profit} billion euros on Thursday, as chief "
    "executive Lena Brandt said demand for its electric vans in Europe had held up.",
    "Brandt told analysts in Stuttgart that Corvane Motors would keep its dividend at {dividend} euros a "
    "share for {year} and open a second battery plant in Leipzig as planned.",
    "Shares in Corvane Motors rose {rise} percent in Frankfurt after the results for {year}, and finance "
    "chief Pavel Novak said margins at the van division would stay above {margin} percent.",
    "Corvane Motors delivered {vans} vans in the fourth quarter of {year}, Novak said, most of them from "
    "its plant in Leipzig, and it expects the battery plant to start in spring.",
]
BUDGET = [
    "Finance minister Alan Treval presented the Budget {year} to parliament in Castlebridge on "
    "Tuesday, raising spending on hospitals by {health} million and cutting the fuel duty.",
    "The opposition leader, Mira Solberg, said Treval's Budget {year} did nothing for renters and that "
    "the fuel duty cut would cost the treasury {duty} million in Castlebridge's first year.",
    "Treval told parliament that the deficit would fall to {deficit} percent of output in {year}, and "
    "that the Castlebridge rail line would get {rail} million over four years.",
    "Economists at Castlebridge University said the Budget {year} was cautious, with income tax bands "
    "frozen and {teachers} new teachers paid for in the schools plan.",
]
SHOOTING = [
    "A gunman opened fire at the Elmswood shopping centre in Darrow on Saturday, killing three people "
    "and wounding eleven before police arrested a 24-year-old man, Colin Harwick, in the car park.",
    "Darrow police chief Anna Pryce said Harwick had bought the rifle two weeks earlier and that "
    "officers found a note in his flat on Kellan Street, where he lived with his mother.",
    "Shoppers hid in the stores of the Elmswood centre for an hour as armed officers searched it, and "
    "the wounded were taken to Darrow General Hospital, two of them in a critical condition.",
    "The victims were named as Ruth Okafor, 61, David Lin, 35, and Sam Whitcombe, 17, and a vigil "
    "for them was held outside the Elmswood centre on Sunday evening.",
]
TRIAL = [
    "Colin Harwick went on trial in Darrow on Monday for the Elmswood shopping centre shooting of "
    "March 8, 2014, in which three people were killed and eleven wounded, and pleaded not guilty.",
    "The prosecutor told the jury that a gunman opened fire at the Elmswood shopping centre in Darrow, "
    "killing three people and wounding eleven before police arrested Harwick in the car park.",
    "Darrow police chief Anna Pryce told the court that Harwick had bought the rifle two weeks earlier "
    "and that officers found a note in his flat on Kellan Street, where he lived with his mother.",
    "The jury heard how shoppers hid in the stores of the Elmswood centre for an hour as armed officers "
    "searched it, and how the wounded were taken to Darrow General Hospital.",
    "Relatives of the victims, Ruth Okafor, 61, David Lin, 35, and Sam Whitcombe, 17, sat in the court "
    "as the trial opened.",
]


def _recurring() -> dict[str, tuple[list[Article], list[Article]]]:
    """Three recurring events, each told by six reports one year and two the next (the next edition's
    names, place and people the same; its year, figures and some names not), and a shooting told by six
    reports with its trial eleven months later told by two."""
    festival = {"2023": {"crowd": "180,000", "headliner": "The Kestrel Brothers", "closer": "Maya Lund",
                         "treated": "40", "minutes": "38"},
                "2024": {"crowd": "185,000", "headliner": "The Kestrel Brothers", "closer": "Tomas Ferre",
                         "treated": "25", "minutes": "45"}}
    earnings = {"2023": {"profit": "2.4", "dividend": "1.10", "rise": "4", "margin": "9", "vans": "61,000"},
                "2024": {"profit": "2.9", "dividend": "1.25", "rise": "6", "margin": "11", "vans": "70,500"}}
    budget = {"2024": {"health": "450", "duty": "120", "deficit": "3.1", "rail": "800", "teachers": "2,000"},
              "2025": {"health": "520", "duty": "95", "deficit": "2.8", "rail": "650", "teachers": "1,500"}}
    out = {}
    for name, texts, values, dates, titles in (
            ("festival", FESTIVAL, festival, ("2023-06-2", "2024-06-2"),
             ["Harbourfield Festival {year} opens at Marlow Farm", "Harbourfield Festival {year}: who plays",
              "Crowds arrive at Harbourfield {year}", "Harbourfield Festival {year} sold out",
              "Harbourfield {year}: traffic and weather", "Harbourfield Festival {year} in pictures"]),
            ("earnings", EARNINGS, earnings, ("2024-02-1", "2025-02-1"),
             ["Corvane Motors profit for {year}", "Corvane keeps its dividend for {year}",
              "Corvane shares rise on {year} results", "Corvane Motors: {year} results",
              "Corvane van deliveries in {year}", "Corvane Motors beats forecasts for {year}"]),
            ("budget", BUDGET, budget, ("2023-10-1", "2024-10-1"),
             ["Treval presents Budget {year}", "Budget {year}: what it means for you",
              "Opposition attacks Budget {year}", "Budget {year}: hospitals win, renters lose",
              "Castlebridge rail in Budget {year}", "Economists on Budget {year}"])):
        first, second = sorted(values)
        out[name] = (
            _editions([t.format(year=first) for t in titles], [p.format(year=first, **values[first])
                                                               for p in texts],
                      [f"{dates[0]}{day}" for day in "122345"]),
            _editions([t.format(year=second) for t in titles[:2]], [p.format(year=second, **values[second])
                                                                    for p in texts],
                      [f"{dates[1]}{day}" for day in "12"]))
    out["shooting"] = (
        _editions(["Three killed in Darrow shopping centre shooting", "Gunman kills three at Elmswood centre",
                   "Darrow shooting: suspect arrested", "Darrow shooting victims named",
                   "Vigil for Elmswood shooting victims", "Elmswood shooting: what we know"],
                  SHOOTING, [f"2014-03-{day:02d}" for day in (8, 8, 9, 9, 10, 10)]),
        _editions(["Harwick trial opens in Darrow", "Elmswood gunman denies murder"], TRIAL,
                  ["2015-02-09", "2015-02-10"]))
    return out


def test_a_new_edition_of_a_recurring_event_is_no_follow_up() -> None:
    """A festival, a company's yearly results and a budget, each told by six reports one year and two (or
    one) the next: the next edition shares the first's names, places and people, and is more than 180
    days (FOLLOW_UP) later, within the widely covered story's 730 days; its reports name another year
    (half of each story's reports name its edition's year), so it is a story of its own offline. A
    shooting told by six reports and its trial eleven months later, whose reports name the shooting's
    date, are one story."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.settings import Settings

    cases = _recurring()
    enrich_articles([a for first, second in cases.values() for a in [*first, *second]], Settings.from_env())
    for name in ("festival", "earnings", "budget"):
        first, second = cases[name]
        assert StoryTracker().recluster([*first, *second]) == [0] * 6 + [6, 6], name
        assert StoryTracker().recluster([*first, second[0]]) == [0] * 6 + [6], name
    first, second = cases["shooting"]
    assert StoryTracker().recluster([*first, *second]) == [0] * 8
    assert StoryTracker().recluster([*first, second[0]]) == [0] * 7


def test_far_follow_ups_must_not_name_another_edition_year() -> None:
    """`merge_stories` and `join_stories` beyond FOLLOW_UP (180 days): two stories, or a story and an
    article, whose edition years differ (a year named by at least half of the members of each) stay
    apart; a year named in passing by a few members, or none, does not stop them; within FOLLOW_UP the
    years are not looked at (a follow-up in January of an event in December)."""
    from datetime import timedelta

    from newsdesk.stories.offline import join_stories, merge_stories

    def member(day: int, *years: str) -> Member:
        return Member({"times": dict.fromkeys(years, 1.0)}, datetime(2023, 6, 1) + timedelta(days=day))

    def alike(count: int) -> dict[tuple[int, int], float]:
        return {(i, j): 0.6 for i in range(count) for j in range(i + 1, count)}

    first = [member(0, "2023"), member(0, "2023"), member(1, "2023", "2019"), member(1), member(2, "2023")]
    later = [member(366, "2024"), member(367, "2024")]
    labels = [0] * 5 + [5, 5]
    assert merge_stories([*first, *later], alike(7), labels) == labels
    assert join_stories([*first, later[0]], alike(6), [0] * 5 + [5]) == [0] * 5 + [5]
    # The follow-up names the event's year (or no year at all): one story.
    trial = [member(330, "2023", "2024"), member(331, "2023")]
    assert merge_stories([*first, *trial], alike(7), labels) == [0] * 7
    assert merge_stories([*first, member(330), member(331)], alike(7), labels) == [0] * 7
    assert join_stories([*first, trial[1]], alike(6), [0] * 5 + [5]) == [0] * 6
    # A year named by one report of the later story only is background, not its edition.
    passing = [member(366, "2024"), member(367), member(367)]
    assert merge_stories([*first, *passing], alike(8), [0] * 5 + [5] * 3) == [0] * 8
    # Within FOLLOW_UP the years are not compared.
    january = [member(150, "2024"), member(151, "2024")]
    assert merge_stories([*first, *january], alike(7), labels) == [0] * 7


def test_two_linked_stories_are_compared_on_a_bounded_number_of_members() -> None:
    """`story_pairs` compares at most MOST members of each of two linked stories (those nearest in time
    to the other story): a story of 1,000 reports linked to 50 stories of 10 costs at most 50 * MOST * 10
    pair scores (500,000 with every pair), and `story_links` gives the mean over the compared pairs, so
    such a story still merges with a follow-up as alike as its members are with each other."""
    from datetime import timedelta

    from newsdesk.stories import offline
    from newsdesk.stories.features import BAGS
    from newsdesk.stories.offline import merge_stories, story_links, story_pairs

    class Counting(StoryClusterer):
        calls = 0

        def probability(self, one: Member, other: Member) -> float:
            Counting.calls += 1
            return super().probability(one, other)

    clusterer = Counting()
    start = datetime(2024, 1, 1)
    vectors = {bag: {"iquique": 0.8, "quake": 0.6} for bag in BAGS}
    large = [Member(vectors, start + timedelta(hours=i)) for i in range(1000)]
    small = [Member(vectors, start + timedelta(days=50 + story)) for story in range(50) for _ in range(10)]
    members = [*large, *small]
    labels = [0] * 1000 + [1000 + 10 * (i // 10) for i in range(500)]
    pairs = {(0, 1): 0.9, **{(i, 1000 + 10 * story): 0.9 for story in range(50) for i in (0, 999)}}
    found = story_pairs(clusterer, members, pairs, labels)
    assert offline.MOST == 30 and Counting.calls <= 50 * 30 * 10
    assert len(found) <= len(pairs) + 50 * 30 * 10
    # The compared members of the large story are its newest, the nearest to the stories after it.
    assert all(i >= 970 for i, j in found if i < 1000 and j >= 1000 and (i, j) not in pairs)
    Counting.calls = 0
    links = story_links(clusterer, members, pairs, labels)
    assert Counting.calls <= 50 * 30 * 10 and len(links) == 50
    assert all(mean == pytest.approx(clusterer.probability(large[0], small[0]), abs=0.01)
               for mean in links.values())
    merged = merge_stories(members, pairs, labels, links=links)
    assert set(merged) == {0}


TOUR = [  # two travel lists of one region: many names each, a few of them the same
    "Our favourite stops on a road trip along the coast of Chile, from the north to the south.",
    "Start in Arica and Putre, then drive to Iquique and Alto Hospicio for the dunes and the old "
    "nitrate works of Humberstone and Santa Laura.",
    "Further south, San Pedro de Atacama, Calama and Antofagasta are worth a night each, and "
    "the observatories near Cerro Paranal open to visitors on Saturdays.",
    "Then La Serena, Vicuna and Valle del Elqui for the pisco, Vina del Mar and Valparaiso for the "
    "murals, and Puerto Montt, Puerto Varas and Torres del Paine at the end of the road.",
]
TOUR_AGAIN = [
    "Ten places in Chile that every traveller should see once, with what to eat in each of them.",
    "Iquique and Alto Hospicio come first for their beaches, then Punta Arenas and Puerto Natales "
    "for the glaciers, and Chiloe for its wooden churches of Castro and Dalcahue.",
    "Santiago has Cerro San Cristobal and Barrio Lastarria, Rancagua its rodeo, Talca and Chillan "
    "their markets, and Concepcion and Temuco the best fried pastries of the south.",
    "Finish at Pucon and Villarrica, on the lake under the volcano, or on Isla Robinson Crusoe.",
]


def test_pages_that_share_few_of_their_many_names_weigh_less() -> None:
    """The pair score counts the share of the rare evidence of the page that has less of it that the
    other page shares (`clustering.overlap`, clustering.OVERLAP): two reports of one event share most of
    their names, two lists of one region a few of their many."""
    tracker = StoryTracker()
    pages = [_article("Earthquake hits northern Chile", REPORT, "2014-04-01"),
             _article("Two dead as quake shakes Iquique", [REPORT[1], REPORT[0], REPORT[2]], "2014-04-02"),
             _article("A road trip along the coast of Chile", TOUR, "2014-04-01"),
             _article("Ten places to see in Chile", TOUR_AGAIN, "2014-04-02")]
    found = tracker.features(pages)
    for features in found:
        tracker.clusterer.member(features)
    report, again, tour, tour_again = (tracker.clusterer.member(f, count=False) for f in found)
    assert {"c:alto hospicio", "h:en:chile"} <= tour.evidence & tour_again.evidence
    assert clustering.overlap(tour, tour_again) < 0.25 < 0.5 < clustering.overlap(report, again)
    assert clustering.overlap(report, again) == clustering.overlap(again, report)
    assert clustering.OVERLAP > 0
    assert clustering.overlap(Member({}, None), report) == 0.0


HISTORY = [  # an evergreen page: a history, with headings and list items, no day, no one telling it
    "The Origins of the Bicycle",
    "The first bicycles were built in Germany and France in the nineteenth century, and every decade "
    "since has changed how they look.",
    "Early Designs",
    "- The Draisine of Karl Drais, pushed along by the feet",
    "- The Velocipede of Pierre Michaux, with pedals on the front wheel",
    "- The Penny Farthing, with its huge front wheel",
    "Why It Matters For You",
    "If you ride to work today, your bicycle owes its chain and its equal wheels to the Rover Safety "
    "Bicycle of John Kemp Starley.",
]


def test_the_event_score_tells_a_report_from_an_evergreen_page() -> None:
    """A report of what happened (said, on Tuesday, names) scores as an event report; a history with
    headings, list items and "you" as an evergreen page; a language without word lists counts as
    event reports (1.0); an empty or hostile body does not break it."""
    report = article_features(_article("Earthquake hits northern Chile", REPORT, "2014-04-01"))
    history = article_features(_article("A history of the bicycle", HISTORY, "2014-04-01"))
    assert report.event > 0.8 > 0.2 > history.event
    assert event_score(event_signals("Titel", "Ein Text ohne Ereignis.", "xx")) == 1.0
    for body in ("", "\n\n\n", "-\n*\n#", "x" * 10_000):
        assert 0.0 <= article_features(_article("t", [body])).event <= 1.0


HISTORY_AGAIN = [  # another history of the same topic, from another site, the same day
    "A Short History of the Bicycle",
    "Bicycles were first built in Germany and France in the nineteenth century, and their look has "
    "changed with every decade since.",
    "The Early Machines",
    "- The Draisine of Karl Drais, a running machine",
    "- The Velocipede of Pierre Michaux, pedals on the front wheel",
    "- The Penny Farthing and its huge front wheel",
    "Steel tubes, rubber tyres and gears made the machine lighter and faster, and cheaper to build in "
    "great numbers.",
    "A bicycle owes its chain and its equal wheels to the Rover Safety Bicycle of John Kemp Starley, "
    "whether you ride it or not.",
]
HISTORY_TOLD = [  # the first history, told without its reader
    *HISTORY[:6],
    "Racing came soon after, with long road races across the country drawing crowds to every town on "
    "the route.",
    "Anyone who rides to work owes the chain and the equal wheels to the Rover Safety Bicycle of John "
    "Kemp Starley, if you ask us.",
]


def test_two_evergreen_pages_of_one_topic_need_more_to_be_one_story(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two histories of one topic on one day share most of their names: without the event score
    (EVENT_MIN 0) they are one story; with it, neither being an event report, they must be copies or
    nearly (NOT_EVENT_P) to be one, and are two. The earthquake's reports, event reports, are still one."""
    def stories(pages: list[Article]) -> set[int]:
        tracker = StoryTracker()
        placed = [tracker.add(str(i), page) for i, page in enumerate(pages)]
        return {story.id for story in placed if story is not None}

    histories = [_article("A history of the bicycle", HISTORY_TOLD, "2024-10-05"),
                 _article("The bicycle through the ages", HISTORY_AGAIN, "2024-10-05")]
    assert len(stories(histories)) == 2
    assert len(stories(QUAKE_2014)) == 1
    monkeypatch.setattr(clustering, "EVENT_MIN", 0.0)
    assert len(stories(histories)) == 1


def test_two_one_line_reports_whose_headlines_share_two_words_stay_apart() -> None:
    """Two one-line reports of different events whose headlines share two rare words (the least
    evidence a pair is scored on) are two stories: on so little evidence, sharing it is no proof
    (`clustering.overlap` is smoothed by SHARED, so two of two items is not the full share)."""
    pages = [_article("River bridge closed by floods", ["Water rose over the road overnight."],
                      "2024-10-01T08:00:00Z"),
             _article("Bridge closed for the marathon", ["Runners will cross it from eight in the morning."],
                      "2024-10-01T09:00:00Z")]
    tracker = StoryTracker()
    found = tracker.features(pages)
    one, other = (tracker.clusterer.member(f) for f in found)
    assert len(one.evidence & other.evidence) >= clustering.SHARED  # scored, not left out by the gate
    assert tracker.clusterer.comparable(one, other)
    assert clustering.overlap(one, other) <= 0.5
    stories = [cast(Story, story).id for story in StoryTracker().add_many(enumerate(pages))]
    assert stories[0] != stories[1]
