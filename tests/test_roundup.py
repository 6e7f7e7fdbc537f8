"""The roundup of a day written for the purpose: three outlets, a wire report on all three, three topics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import html5lib
import pytest
from click.testing import Result

from conftest import article_html, fresh_store_url
from newsdesk.article import Article, Topic
from newsdesk.stories.roundup import build_roundup

WIRE = [
    "The Senate passed a bill on Tuesday to raise the federal minimum wage to $15 an hour by 2028, "
    "sending the measure to the House after a 52-48 vote, the Associated Press reported.",
    "Senator Maria Alvarez, who wrote the bill, said the vote was a victory for low-paid workers, "
    "while Republican leader Tom Becker called it a burden on small businesses in rural states.",
    "The House is expected to take up the bill next month. The White House said President Dana "
    "Morgan would sign it if it reached her desk unchanged.",
]
MATCH_A = [
    "Riverside United beat Northport City 3-1 on Tuesday night to reach the final of the national "
    "cup, with striker Leo Carvalho scoring twice at Riverside Stadium.",
    "Carvalho opened the scoring after ten minutes and added a second from the penalty spot; "
    "Northport City's late goal from Sam Okafor came too late.",
]
MATCH_B = [
    "Leo Carvalho scored twice as Riverside United swept past Northport City 3-1 at Riverside Stadium "
    "to book a place in the national cup final.",
    "Northport City manager Ian Hale said his side had been beaten by a better team, and praised "
    "Sam Okafor for a late goal in front of the travelling fans.",
]
EARNINGS = [
    "Harbor Foods said on Tuesday that its quarterly profit rose 12 percent as sales of frozen meals "
    "grew in Canada and Mexico, beating the forecasts of analysts.",
    "Chief executive Priya Raman said the company would open two factories next year.",
]
BRIDGE = [
    "The city of Northport approved a plan on Tuesday to repair the old harbour bridge, closed since a "
    "crack was found in its steel frame in the spring.",
    "Mayor Helen Ortiz said repairs would cost $40 million and take two years.",
]


def page(site: str, section: str, slug: str, title: str, paragraphs: list[str],
         when: str = "2024-10-01T09:00:00Z") -> str:
    url = f"https://{site}/{section}/{slug}"
    head = (f'<link rel="canonical" href="{url}">'
            f'<meta property="article:published_time" content="{when}">'
            f'<meta property="og:site_name" content="{site.split(".")[0].capitalize()}">')
    return article_html(title, paragraphs, head=head)


DAY = {
    "gazette-wire.html": page("gazette.example", "politics", "senate-wage", "Senate passes wage bill", WIRE,
                              "2024-10-01T08:00:00Z"),
    "herald-wire.html": page("herald.example", "politics", "wage-vote", "Minimum wage bill clears Senate",
                             WIRE, "2024-10-01T08:30:00Z"),
    "courier-wire.html": page("courier.example", "politics", "wage", "Senate votes for $15 wage",
                              [*WIRE, "Follow our live coverage of Congress for updates."],
                              "2024-10-01T10:00:00Z"),
    "gazette-match.html": page("gazette.example", "sport", "cup-semi", "Riverside reach cup final",
                               MATCH_A, "2024-10-01T21:00:00Z"),
    "herald-match.html": page("herald.example", "sport", "carvalho-double", "Carvalho double sinks Northport",
                              MATCH_B, "2024-10-01T22:00:00Z"),
    "courier-earnings.html": page("courier.example", "business", "harbor-foods", "Harbor Foods profit up",
                                  EARNINGS, "2024-10-01T12:00:00Z"),
    "herald-bridge.html": page("herald.example", "politics", "bridge", "Northport to repair harbour bridge",
                               BRIDGE, "2024-10-01T15:00:00Z"),
    "gazette-yesterday.html": page("gazette.example", "business", "old", "Markets close higher",
                                   EARNINGS[:1], "2024-09-30T12:00:00Z"),
}


# Each command opens the store anew: a memory:// store would be empty at the next command, so the
# commands run on the stores that persist (the roundup itself reads the store through its protocol).
@pytest.fixture(params=["sqlite", "postgres"])
def day_store(request: pytest.FixtureRequest, tmp_path: Path, cli: Callable[..., Result]) -> Iterator[str]:
    with fresh_store_url(request.param, tmp_path) as store_url:
        yield _ingest_day(store_url, tmp_path, cli)


def _ingest_day(store_url: str, tmp_path: Path, cli: Callable[..., Result]) -> str:
    folder = tmp_path / "day"
    folder.mkdir()
    for name, text in DAY.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = cli("ingest", str(folder), "--db", store_url)
    assert result.exit_code == 0, result.output
    return store_url


def roundup(cli: Callable[..., Result], db: str, *args: str) -> str:
    result = cli("roundup", "--date", "2024-10-01", "--db", db, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_roundup_groups_folds_orders_and_links(day_store: str, cli: Callable[..., Result]) -> None:
    data = json.loads(roundup(cli, day_store, "--format", "json"))
    assert [s["topic"] for s in data["sections"]] == ["Politics", "Sport", "Economy, business and finance"]
    politics = data["sections"][0]["items"]
    wire = politics[0]
    # The wire report on three sites is one item, led by its earliest copy, with every source.
    assert wire["headline"] == "Senate passes wage bill"
    assert wire["url"] == "https://gazette.example/politics/senate-wage"
    assert wire["sources"] == ["Gazette", "Herald", "Courier"]
    assert sorted(wire["copies"]) == ["https://courier.example/politics/wage",
                                      "https://herald.example/politics/wage-vote"]
    assert wire["summary"] == WIRE[0]  # the lead sentence, as written
    assert [i["headline"] for i in politics] == ["Senate passes wage bill",
                                                 "Northport to repair harbour bridge"]
    sport = data["sections"][1]["items"]
    assert len(sport) == 1 and sport[0]["sources"] == ["Gazette", "Herald"] and sport[0]["articles"] == 2
    headlines = [i["headline"] for s in data["sections"] for i in s["items"]]
    assert "Markets close higher" not in headlines  # another day
    only = json.loads(roundup(cli, day_store, "--format", "json", "--topics", "sport,business"))
    assert [s["topic"] for s in only["sections"]] == ["Sport", "Economy, business and finance"]
    herald = json.loads(roundup(cli, day_store, "--format", "json", "--sites", "herald.example"))
    assert json.loads(roundup(cli, day_store, "--format", "json", "--sources", "herald.example")) == herald
    assert {i["headline"] for s in herald["sections"] for i in s["items"]} == {
        "Minimum wage bill clears Senate", "Carvalho double sinks Northport",
        "Northport to repair harbour bridge"}


def test_roundup_formats(day_store: str, cli: Callable[..., Result], tmp_path: Path) -> None:
    markdown = roundup(cli, day_store)
    assert markdown.startswith("# News roundup 2024-10-01\n")
    assert markdown.index("## Politics") < markdown.index("## Sport") < markdown.index("## Economy, business")
    assert "[Senate passes wage bill](https://gazette.example/politics/senate-wage)" in markdown
    assert "*(Gazette, Herald, Courier)*" in markdown

    out = tmp_path / "roundup.html"
    roundup(cli, day_store, "--format", "html", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    parser = html5lib.HTMLParser(strict=True)  # raises at the first parse error
    parser.parse(text)
    assert parser.errors == []
    assert "<script" not in text and "<style" not in text and 'style="' in text
    assert 'href="https://gazette.example/politics/senate-wage"' in text

    rss = roundup(cli, day_store, "--format", "rss")
    feed = feedparser.parse(rss)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert [e.link for e in feed.entries][:1] == ["https://gazette.example/politics/senate-wage"]
    assert len(feed.entries) == 4 and feed.entries[0].tags[0].term == "Politics"


def test_roundup_usage_errors(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("roundup", "--date", "2024-10-01", "--since", "2024-09-01",
                 "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2 and "not both" in result.output


def test_stories_story_and_duplicates_commands(day_store: str, cli: Callable[..., Result]) -> None:
    result = cli("stories", "--db", day_store, "--since", "2024-10-01", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4  # the wage bill, the match, the bridge, the earnings
    wire = rows[0]
    assert wire["headline"] == "Senate passes wage bill" and len(wire["articles"]) == 3
    assert wire["sources"] == ["Gazette", "Herald", "Courier"] and "Tom Becker" in wire["entities"]
    shown = cli("story", wire["id"], "--db", day_store, "--since", "2024-10-01")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == wire["id"]
    assert cli("story", "S999", "--db", day_store).exit_code == 1
    copies = cli("duplicates", "https://courier.example/politics/wage", "--db", day_store)
    assert copies.exit_code == 0, copies.output
    lines = [line.split("\t") for line in copies.stdout.splitlines()]
    assert [line[1] for line in lines] == ["earliest", "exact", "near"]
    assert lines[0][3] == "https://gazette.example/politics/senate-wage"


def test_roundup_without_a_date_is_the_latest_day_with_articles(day_store: str, cli: Callable[..., Result],
                                                                  tmp_path: Path) -> None:
    # Before, it printed an empty roundup for today while the desk's page opened on the latest day.
    latest = cli("roundup", "--db", day_store)
    assert latest.exit_code == 0
    assert latest.stdout == roundup(cli, day_store)
    assert latest.stdout.startswith("# News roundup 2024-10-01\n") and "## Politics" in latest.stdout
    folder = tmp_path / "out"
    folder.mkdir()
    written = cli("roundup", "--format", "rss", "--out", str(folder), "--base-url", "https://news.example.org/desk",
                  "--db", day_store)
    assert written.exit_code == 0, written.output
    assert (folder / "roundup-2024-10-01.xml").is_file()


def test_rss_links_to_the_base_url_and_every_item_has_a_link_and_guid(cli: Callable[..., Result],
                                                                         tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "no-address.html").write_text(article_html("Harbour ferry timetable changes", [
        "The harbour ferry will run every twenty minutes from Monday, the port authority said on Tuesday.",
        "Passengers had asked for more crossings in the morning and in the evening for a year."],
        head='<meta property="article:published_time" content="2024-10-01T09:00:00Z">'), encoding="utf-8")
    store_url = _ingest_day(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, cli)
    assert cli("ingest", str(folder), "--db", store_url).exit_code == 0
    plain = cli("roundup", "--date", "2024-10-01", "--format", "rss", "--db", store_url)
    assert "no --base-url" in plain.stderr
    assert feedparser.parse(plain.stdout).feed.link == "https://example.invalid/"
    rss = cli("roundup", "--date", "2024-10-01", "--format", "rss", "--base-url", "https://news.example.org/desk/",
              "--db", store_url).stdout
    feed = feedparser.parse(rss)
    assert not feed.bozo and feed.feed.link == "https://news.example.org/desk/roundup?date=2024-10-01"
    assert all(entry.get("link") and entry.get("id") for entry in feed.entries), feed.entries
    ferry = next(e for e in feed.entries if e.title == "Harbour ferry timetable changes")
    assert ferry.link.startswith("https://news.example.org/desk/roundup?date=2024-10-01#newsdesk-roundup-")
    again = feedparser.parse(cli("roundup", "--date", "2024-10-01", "--format", "rss", "--base-url",
                                 "https://news.example.org/desk/", "--db", store_url).stdout)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]  # stable guids
    setting = cli("roundup", "--date", "2024-10-01", "--format", "rss", "--db", store_url,
                  env={"NEWSDESK_BASE_URL": "https://desk.example.net/"})
    assert feedparser.parse(setting.stdout).feed.link == "https://desk.example.net/roundup?date=2024-10-01"
    bad = cli("roundup", "--base-url", "javascript:alert(1)", "--db", store_url)
    assert bad.exit_code == 2


def test_since_last_run_covers_the_days_since_the_last_roundup(day_store: str, cli: Callable[..., Result],
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "roundups"
    folder.mkdir()
    first = cli("roundup", "--since-last-run", "--out", str(folder), "--db", day_store)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in folder.iterdir()) == ["roundup-2024-10-01.md"]
    later = tmp_path / "later"
    later.mkdir()
    (later / "later.html").write_text(page("gazette.example", "politics", "later", "Council meets again",
                                           BRIDGE, "2024-10-03T09:00:00Z"), encoding="utf-8")
    assert cli("ingest", str(later), "--db", day_store).exit_code == 0
    second = cli("roundup", "--since-last-run", "--out", str(folder), "--db", day_store)
    assert second.exit_code == 0, second.output
    written = folder / "roundup-2024-10-02_2024-10-03.md"
    assert written.is_file() and "Council meets again" in written.read_text(encoding="utf-8")
    assert "Senate passes wage bill" not in written.read_text(encoding="utf-8")
    both = cli("roundup", "--since-last-run", "--date", "2024-10-01", "--db", day_store)
    assert both.exit_code == 2


FAERIES = ["Die Stadt Nordhafen hat am Dienstag beschlossen, die alte Fähre über den Fluss bis zum Frühjahr "
           "durch ein elektrisches Schiff zu ersetzen, teilte die Verwaltung mit.",
           "Die Bürgermeisterin sagte, das neue Schiff koste acht Millionen Euro und fahre ab März."]
HOSPITAL = ["Das Kreiskrankenhaus von Nordhafen eröffnet im November eine neue Station für Kinder, die "
            "mit Spenden aus der Region gebaut wurde.",
            "Der Chefarzt sagte, die Station habe zwanzig Betten und eine eigene Notaufnahme."]


def _written(site: str, section: str, slug: str, title: str, paragraphs: list[str], language: str,
             tags: list[str] | None = None, topics: list[Topic] | None = None) -> Article:
    return Article(source=f"{slug}.html", url=f"https://{site}/{section}/{slug}", title=title,
                   body="\n\n".join(paragraphs), published="2024-10-01T09:00:00Z", language=language,
                   tags=tags or [], topics=topics or [])


def test_a_roundups_headings_come_in_its_majority_language() -> None:
    """Issue 17: an English roundup whose German stories gave German headings ("Politik") beside English
    ones. Headings now come in the language of most of the roundup's articles."""
    english = [_written("gazette.example", "politics", "wage", "Senate passes wage bill", WIRE, "en"),
               _written("herald.example", "sport", "cup", "Riverside reach cup final", MATCH_A, "en-GB"),
               _written("courier.example", "business", "earnings", "Harbor Foods profit up", EARNINGS, "en",
                        topics=[Topic("medtop:04000000", "economy, business and finance", 0.9)])]
    german = [_written("kurier.example", "politik", "faehre", "Nordhafen ersetzt die Fähre", FAERIES, "de"),
              _written("bote.example", "news", "station", "Neue Kinderstation", HOSPITAL, "de",
                       tags=["Gesundheit"])]
    headings = {section.topic for section in build_roundup([*english, *german]).sections}
    assert headings == {"Politics", "Sport", "Economy, business and finance", "Other"}
    everything = [item.headline for s in build_roundup([*english, *german]).sections for item in s.items]
    assert len(everything) == 5  # the German stories are still there, under "Other"

    # Mostly German: the German sections and tags are the headings, English names of topics are not.
    more_german = [*german, _written("kurier.example", "sport", "pokal", "Nordhafen verliert im Pokal",
                                     ["Der FC Nordhafen hat am Dienstag das Pokalspiel gegen Südstadt "
                                      "mit null zu zwei verloren, vor zwölftausend Zuschauern."], "de")]
    headings = {section.topic for section in build_roundup([*english[2:], *more_german]).sections}
    assert headings == {"Politik", "Gesundheit", "Sport", "Other"}
