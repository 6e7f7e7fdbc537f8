"""The small defects of issue 17, each shown on a real desk server (SQLite and PostgreSQL): result lines
without a site, an ingest job with a failure, and the Sources page (sort, filter, hosts, dates, the
sites without a name or address); and the `sources` command's long names."""

from __future__ import annotations

from collections.abc import Callable

import lxml.html
from click.testing import Result

from desk_fixtures import DeskServer
from newsdesk import Article
from newsdesk.store import open_store


def _html(text: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(text)


def test_a_result_without_a_site_does_not_start_with_a_dot(desk_server: DeskServer) -> None:
    with open_store(desk_server.store_url) as store:
        store.put(Article(source="nosite.txt", title="Siteless lighthouse note", published="2013-07-02",
                          body="The lighthouse keeper wrote a siteless note about the lamp and the fog."))
    with desk_server.client() as client:
        page = _html(client.get("/search", params={"q": "siteless lighthouse"}).text)
    meta = page.find_class("hit")[0].find_class("meta")[0].text_content().strip()
    assert meta == "2013-07-02"  # '· 2013-07-02' before


def test_a_job_with_a_failure_is_not_shown_as_plainly_done(desk_server: DeskServer) -> None:
    files = [("files", ("empty.html", b"", "text/html"))]
    with desk_server.client(token=True) as client:
        job = client.post("/api/ingest/files", files=files).json()
    finished = desk_server.wait_for_job(job["id"])
    assert finished["state"] == "done" and finished["failed"] == 1
    with desk_server.client() as client:
        page = _html(client.get(f"/ingest/jobs/{job['id']}").text)
    state = page.get_element_by_id("job-state")
    assert "with-failures" in state.get("class").split()  # plain "done" (green) before
    assert "with 1 failure" in state.text_content()


def test_sources_page_sorts_filters_and_shows_hosts(desk_server: DeskServer) -> None:
    with open_store(desk_server.store_url) as store:
        store.put_many([
            Article(source="t", url="https://zeta-tide.example/a", site_name="zeta tide", title="A",
                    body="Tide tables for the week.", published="2021-03-04T10:00:00Z"),
            Article(source="t", url="https://alpha-tide.example/b", site_name="Alpha Tide", title="B",
                    body="Tide tables for the month.", published="2022-05-06T10:00:00Z"),
            Article(source="t", url="https://alpha-tide.example/c", site_name="Alpha Tide", title="C",
                    body="Tide tables for the year.", published="2022-05-07T10:00:00Z"),
            Article(source="folder/file.txt", title="D", body="A page read from a file, with no address.")])
    with desk_server.client() as client:
        page = _html(client.get("/sources", params={"q": "tide"}).text)
        rows = page.get_element_by_id("sources-table").findall(".//tbody/tr")
        names = [row[0].find(".//a").text_content() for row in rows]
        assert names == ["Alpha Tide", "zeta tide"]  # case aside
        assert rows[0][1].text_content() == "alpha-tide.example"
        assert "date" in rows[0][3].get("class")  # kept on one line
        by_count = _html(client.get("/sources", params={"q": "tide", "sort": "articles"}).text)
        counts = [int(r[2].text_content()) for r in by_count.get_element_by_id("sources-table").findall(
            ".//tbody/tr")]
        assert counts == [2, 1]
        by_host = _html(client.get("/sources", params={"q": "zeta-tide.example"}).text)
        assert len(by_host.get_element_by_id("sources-table").findall(".//tbody/tr")) == 1
        unknown = _html(client.get("/sources", params={"q": "(unknown)"}).text)
        cells = unknown.get_element_by_id("sources-table").findall(".//tbody/tr/td")
        assert cells == [] or cells[0].find(".//a") is None  # no link to a search that finds nothing
        everything = _html(client.get("/sources").text)
        rows = everything.get_element_by_id("sources-table").findall(".//tbody/tr")
        # Issue 17: a page read from a file is listed by its folder, linked to a search that finds it.
        [folder] = [row for row in rows if row[0].text_content() == "folder: folder/"]
        link = folder[0].find(".//a").get("href")
        assert link.startswith("/search?") and "input=folder%2F" in link
        found = _html(client.get(link).text)
        assert [hit.find(".//h3").text_content() for hit in found.find_class("hit")] == ["D"]
        listed = {s["site"]: s["folder"] for s in client.get("/api/sources").json()}
        assert listed["folder: folder/"] == "folder/"
        api = client.get("/api/articles", params={"input": "folder/"}).json()["articles"]
        assert [(a["title"], a["input"]) for a in api] == [("D", "folder/file.txt")]


def test_sources_command_marks_a_cut_name(cli: Callable[..., Result], tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    long_name = "The Extraordinarily Long Name of a Regional Harbour Gazette"
    with open_store(url) as store:
        store.put(Article(source="t", url="https://long.example/a", site_name=long_name, title="A",
                          body="Harbour news."))
    out = cli("sources", "--db", url).stdout
    assert "The Extraordinarily Long Name of a Regi…" in out
