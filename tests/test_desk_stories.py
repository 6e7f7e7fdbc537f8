"""Stories and duplicate copies on the desk (REST API and pages), over SQLite and PostgreSQL: the bundled
examples carry one story told twice (The Coastal Ledger's report on the harbour bridge and a syndicated
near copy of it on valleydaily.example) and two stories told once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import lxml.html
import pytest
from click.testing import Result

from desk_fixtures import DeskServer

pytestmark = pytest.mark.timeout(300)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DAY = "2024-10-01"
LEDGER = "The Coastal Ledger"
VALLEY = "valleydaily.example"


@dataclass
class Bridge:
    desk: DeskServer
    report: int  # The Coastal Ledger's report, the earliest
    copy: int  # valleydaily.example's near copy of it
    story: dict[str, Any]


@pytest.fixture(scope="module")
def bridge(desk_server: DeskServer) -> Bridge:
    files = [("files", (path.name, path.read_bytes(), "text/html")) for path in sorted(EXAMPLES.iterdir())]
    with desk_server.client(token=True) as client:
        job = desk_server.wait_for_job(client.post("/api/ingest/files", files=files).json()["id"])
        assert job["state"] == "done" and job["failed"] == 0, job
        hits = client.get("/api/search", params={"q": '"harbour bridge reopens"', "limit": 10}).json()["hits"]
        ids = {hit["title"]: hit["id"] for hit in hits}
        report = ids["Harbour bridge reopens after two-year repair"]
        copy = ids["Harbour bridge reopens months early"]
        story = client.get(f"/api/articles/{copy}/story")
        assert story.status_code == 200, story.text
    return Bridge(desk_server, report, copy, story.json())


def _html(text: str) -> Any:
    return lxml.html.fromstring(text)


def test_stories_are_listed_most_covered_first_with_their_sources(bridge: Bridge) -> None:
    story = bridge.story
    assert story["id"] == f"S{bridge.report}"
    assert {bridge.report, bridge.copy} <= set(story["articles"])
    assert story["articles"].index(bridge.report) < story["articles"].index(bridge.copy)  # order of arrival
    assert {LEDGER, VALLEY} <= set(story["sources"])
    assert story["headline"] == "Harbour bridge reopens after two-year repair"
    assert story["first_seen"] <= story["last_seen"] and story["first_seen"].startswith(DAY)
    assert len(story["urls"]) == len(story["articles"])
    assert set(story) == {"id", "headline", "first_seen", "last_seen", "articles", "sources", "entities",
                          "urls"}
    with bridge.desk.client() as client:
        listed = client.get("/api/stories", params={"since": DAY, "until": DAY, "top": 50}).json()
        assert story in listed
        ranks = [(-len(s["sources"]), -len(s["articles"])) for s in listed]
        assert ranks == sorted(ranks)
        assert story in client.get("/api/stories", params={"since": DAY, "site": VALLEY}).json()
        radio = client.get("/api/stories", params={"since": DAY, "site": "North Coast Radio"}).json()
        assert radio and story not in radio
        assert all("North Coast Radio" in s["sources"] for s in radio)
        assert client.get("/api/stories", params={"since": "2031-01-01"}).json() == []
        assert len(client.get("/api/stories", params={"top": 1}).json()) == 1
        assert client.get("/api/stories", params={"top": 0}).status_code == 422


def test_one_story_as_the_cli_gives_it(bridge: Bridge, cli: Callable[..., Result]) -> None:
    story = bridge.story
    with bridge.desk.client() as client:
        assert client.get(f"/api/stories/{story['id']}").json() == story
        assert client.get(f"/api/stories/{story['id'].lower()}").json() == story
        assert client.get(f"/api/articles/{bridge.report}/story").json() == story
        missing = client.get("/api/stories/S999999999999")
        assert missing.status_code == 404 and "no story" in missing.json()["detail"]
        assert client.get("/api/stories/bridge").status_code == 422
        assert client.get("/api/articles/999999999/story").status_code == 404
    shown = cli("story", story["id"], "--db", bridge.desk.store_url)
    assert json.loads(shown.stdout) == story


def test_duplicates_of_an_article(bridge: Bridge) -> None:
    with bridge.desk.client() as client:
        group = client.get(f"/api/articles/{bridge.copy}/duplicates").json()
        assert client.get(f"/api/articles/{bridge.report}/duplicates").json() == group
        assert client.get("/api/articles/999999999/duplicates").status_code == 404
    assert [(d["article_id"], d["kind"], d["group"]) for d in group] == [
        (bridge.report, "earliest", bridge.report), (bridge.copy, "near", bridge.report)]
    assert group[1]["url"] == "https://valleydaily.example/2024/10/01/harbour-bridge-reopens-months-early/"
    assert group[1]["title"] == "Harbour bridge reopens months early" and group[0]["published"]
    assert set(group[0]) == {"article_id", "group", "kind", "published", "url", "title"}


def test_folding_duplicates_keeps_the_earliest_copy(bridge: Bridge) -> None:
    query = {"q": '"harbour bridge reopens"', "limit": 10}
    with bridge.desk.client() as client:
        both = [hit["id"] for hit in client.get("/api/search", params=query).json()["hits"]]
        folded = client.get("/api/search", params={**query, "fold_duplicates": "true"}).json()["hits"]
        listed = client.get("/api/articles", params={**query, "fold_duplicates": "true"}).json()["articles"]
        counted = client.get("/api/coverage", params={**query, "fold_duplicates": "true"}).json()
        lines = client.get("/api/export", params={**query, "fold_duplicates": "true"}).text.splitlines()
    assert sorted(both) == sorted([bridge.report, bridge.copy])
    assert [hit["id"] for hit in folded] == [a["id"] for a in listed] == [bridge.report]
    assert sum(b["count"] for b in counted["buckets"]) + counted["undated"] == 1
    assert [json.loads(line)["id"] for line in lines] == [bridge.report]


def test_stories_page_shows_the_day_and_the_week(bridge: Bridge) -> None:
    with bridge.desk.client() as client:
        response = client.get("/stories", params={"date": DAY})
        assert response.status_code == 200
        page = _html(response.text)
        assert client.get("/stories", params={"date": "yesterday"}).status_code == 400
        assert "Stories" in client.get("/").text  # in the navigation
    assert page.findtext(".//title") == f"Stories {DAY} · newsdesk"
    for section in ("day-stories", "week-stories"):
        items = page.get_element_by_id(section).findall("li")
        item = next(li for li in items if li.find(".//h3/a").get("href") == f"/stories/{bridge.story['id']}")
        assert item.find(".//h3/a").text_content() == bridge.story["headline"]
        assert {LEDGER, VALLEY} <= {a.text_content() for a in item.find_class("sources")[0].iter("a")}
    assert page.get_element_by_id("week-h").text_content() == "The week's stories: 2024-09-25 to 2024-10-01"
    nav = page.find(".//nav")
    assert [a.text_content() for a in nav.iter("a")][:2] == ["Search", "Stories"]


def test_story_page_is_its_timeline(bridge: Bridge) -> None:
    with bridge.desk.client() as client:
        page = _html(client.get(f"/stories/{bridge.story['id']}").text)
        assert client.get("/stories/S999999999999").status_code == 404
        assert client.get("/stories/%3Cscript%3E").status_code == 404
    assert page.findtext(".//h1") == bridge.story["headline"]
    rows = page.get_element_by_id("timeline").findall("li")
    links = [row.xpath(".//a[starts-with(@href, '/articles/')]")[0].get("href") for row in rows]
    assert links.index(f"/articles/{bridge.report}") < links.index(f"/articles/{bridge.copy}")
    copy_row = rows[links.index(f"/articles/{bridge.copy}")]
    assert copy_row.find_class("site")[0].text_content() == VALLEY
    assert "near copy of #" in copy_row.text_content()
    originals = copy_row.find_class("original")
    assert originals[0].get("href").startswith("https://valleydaily.example/")
    assert page.xpath("//svg[@id='story-chart']/rect")


def test_article_page_shows_its_copies_and_its_story(bridge: Bridge) -> None:
    with bridge.desk.client() as client:
        copy = _html(client.get(f"/articles/{bridge.copy}").text)
        report = _html(client.get(f"/articles/{bridge.report}").text)
    meta = copy.find_class("meta")[0].text_content()
    assert f"near copy of #{bridge.report}" in meta and bridge.story["headline"] in meta
    assert next(a.get("href") for a in copy.get_element_by_id("copies-list").iter("a")) == \
        f"/articles/{bridge.report}"
    def links(page: Any, id: str) -> list[str]:
        return [a.get("href") for a in page.get_element_by_id(id).iter("a")]

    assert f"/articles/{bridge.report}" in links(copy, "story-mates")
    assert f"/articles/{bridge.copy}" in links(report, "copies-list")
    assert report.xpath(f"//a[@href='/stories/{bridge.story['id']}']")


def test_search_page_folds_copies_and_unfolds_them_on_request(bridge: Bridge) -> None:
    query = {"q": '"harbour bridge reopens"'}
    with bridge.desk.client() as client:
        folded = _html(client.get("/search", params=query).text)
        shown = _html(client.get("/search", params={**query, "copies": "show"}).text)
        assert client.get("/search", params={**query, "copies": "maybe"}).status_code == 400

    def hits(page: Any) -> list[str]:
        return [hit.find(".//h3/a").get("href") for hit in page.find_class("hit")]

    assert hits(folded) == [f"/articles/{bridge.report}"]
    assert folded.find_class("copies")[0].text_content() == "1 copy folded"
    assert folded.get_element_by_id("copies").get("checked") is None
    assert sorted(hits(shown)) == sorted([f"/articles/{bridge.report}", f"/articles/{bridge.copy}"])
    assert {a.text_content() for a in shown.find_class("copies")} == {"one of 2 copies"}
    assert shown.get_element_by_id("copies").get("checked") is not None
    assert "copies=show" in folded.get_element_by_id("unfold-copies").get("href")


def test_roundup_is_built_from_stories_and_downloads(bridge: Bridge) -> None:
    with bridge.desk.client() as client:
        page = _html(client.get("/roundup", params={"date": DAY}).text)
        stories = page.get_element_by_id("roundup-stories")
        assert f"/stories/{bridge.story['id']}" in [a.get("href") for a in stories.find_class("headline")]
        buttons = {a.text_content(): a.get("href") for a in page.find_class("exports")[0].iter("a")}
        assert set(buttons) == {"Markdown", "HTML", "RSS", "JSON"}
        assert all(a.get("download") is not None for a in page.find_class("exports")[0].iter("a"))
        files = {label: client.get(url) for label, url in buttons.items()}
        assert client.get("/api/roundups/2024-13-01/export").status_code == 422
    suffixes = {"Markdown": "md", "HTML": "html", "RSS": "xml", "JSON": "json"}
    for label, response in files.items():
        assert response.status_code == 200
        assert response.headers["content-disposition"] == \
            f'attachment; filename="roundup-{DAY}.{suffixes[label]}"'
    headline = bridge.story["headline"]
    markdown = files["Markdown"].text
    assert re.search(rf"\*\*\[{re.escape(headline)}\]\(https://ledger\.example/[^)]+\)\*\*", markdown)
    assert LEDGER in files["Markdown"].text and VALLEY in files["Markdown"].text
    assert files["HTML"].headers["content-type"].startswith("text/html")
    assert _html(files["HTML"].text).xpath(f"//a[text()='{headline}']")
    rss = ElementTree.fromstring(files["RSS"].content)
    assert headline in [item.findtext("title") for item in rss.iter("item")]
    assert rss.findtext("channel/link", "").endswith(f"/roundup?date={DAY}")
    data = json.loads(files["JSON"].text)
    items = [item for section in data["sections"] for item in section["items"]]
    item = next(item for item in items if item["headline"] == headline)
    assert {LEDGER, VALLEY} <= set(item["sources"])
    assert item["copies"] == ["https://valleydaily.example/2024/10/01/harbour-bridge-reopens-months-early/"]
    assert data["title"] == f"News roundup {DAY}"
