"""The desk in a real browser (Debian's chromium, headless, via Playwright): the researcher's path from
ingest to entity page, accessibility (axe-core) on every page, and a hostile page that must run no script.

Screenshots of every page visited go to build/screenshots/ (see desk_fixtures.SCREENSHOTS).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from desk_fixtures import DeskServer, Watch, axe_violations, screenshot
from newsdesk.article import Article, Entity, Image, Quote
from newsdesk.store import SearchRequest, open_store
from newsdesk.stories.persist import assign_stories

pytestmark = pytest.mark.timeout(600)
PROJECT = Path(__file__).resolve().parent.parent
SEED = PROJECT.parent / "shared" / "data" / "seed"
EXAMPLES = PROJECT / "examples"


def _visit(page: Any, path: str, name: str, problems: dict[str, Any]) -> None:
    """Open a page (unless `path` is empty: the current one), check axe-core and take a screenshot."""
    if path:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
    assert page.title(), f"{page.url} has no title"
    violations = axe_violations(page)
    if violations:
        problems[page.url] = violations
    screenshot(page, name)


def _sign_in(page: Any, token: str) -> None:
    page.goto("/ingest")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/ingest$"))


def test_ingest_search_read_follow(desk_page: tuple[Any, Watch], desk_server: DeskServer) -> None:
    page, watch = desk_page
    seed = sorted(SEED.glob("*.txt"))
    if not seed:
        pytest.fail(f"the shared seed page is missing in {SEED} (see README)", pytrace=False)
    problems: dict[str, Any] = {}
    _visit(page, "/ingest", "ingest-sign-in", problems)
    _sign_in(page, desk_server.token)
    _visit(page, "", "ingest", problems)
    page.get_by_label(re.compile("upload pages")).set_input_files([*sorted(EXAMPLES.iterdir()), *seed])
    page.get_by_role("button", name="Ingest").click()
    page.wait_for_url(re.compile(r"/ingest/jobs/"))
    page.wait_for_selector("#job-state.done, #job-state.failed", timeout=300_000)  # the page refreshes itself
    assert "done" in page.locator("#job-state").inner_text()
    assert int(page.locator("#count-failed").inner_text()) == 0
    _visit(page, "", "ingest-progress", problems)

    page.goto("/")
    page.get_by_label("Query").fill("Rutte")
    page.get_by_label("Query").press("Enter")
    page.wait_for_url(re.compile(r"q=Rutte"))
    assert page.locator("svg#coverage-chart rect").count() >= 1
    assert page.locator(".hit mark").first.inner_text().lower() == "rutte"
    _visit(page, "", "search", problems)

    page.get_by_role("link", name=re.compile("Incoming NATO Chief")).first.click()
    page.wait_for_url(re.compile(r"/articles/\d+$"))
    article_url = page.url
    assert page.locator("h1").inner_text().startswith("Incoming NATO Chief")
    _visit(page, "", "article", problems)

    page.get_by_role("link", name="Roundup").click()
    page.get_by_label("Day").fill("2024-10-01")
    page.get_by_role("button", name="Show").click()
    assert page.locator("h1").inner_text() == "Roundup for 2024-10-01"
    day = page.locator("#day-articles")
    # The examples' copy of the seed page and the shared seed page are two uploads with one body: two
    # articles (a page without a URL is where it came from), one duplicate group, one story item.
    assert day.get_by_role("link", name=re.compile("Incoming NATO Chief")).count() == 2
    stories = page.locator("#roundup-stories")
    assert stories.get_by_role("link", name=re.compile("Incoming NATO Chief")).count() == 1
    _visit(page, "", "roundup", problems)
    with page.expect_download() as download:
        page.get_by_role("link", name="Markdown").click()
    assert download.value.suggested_filename == "roundup-2024-10-01.md"
    assert "# News roundup 2024-10-01" in Path(download.value.path()).read_text(encoding="utf-8")

    page.get_by_role("link", name="Stories", exact=True).click()
    page.get_by_label("Day", exact=True).fill("2024-10-01")
    page.get_by_role("button", name="Show").click()
    bridge = page.locator("#day-stories li").filter(has_text="Harbour bridge reopens after two-year repair")
    assert "The Coastal Ledger" in bridge.inner_text() and "valleydaily.example" in bridge.inner_text()
    _visit(page, "", "stories", problems)
    bridge.get_by_role("link", name="Harbour bridge reopens after two-year repair").click()
    page.wait_for_url(re.compile(r"/stories/S\d+$"))
    assert page.locator("#timeline li").count() >= 2
    assert page.locator("svg#story-chart rect").count() >= 1
    _visit(page, "", "story", problems)
    timeline = page.locator("#timeline")
    timeline.get_by_role("link", name="Harbour bridge reopens months early", exact=True).click()
    page.wait_for_url(re.compile(r"/articles/\d+$"))
    assert "near copy of" in page.locator("dl.meta").inner_text()
    assert page.locator("#copies-list li").count() == 1
    _visit(page, "", "article-copy", problems)

    page.goto("/search?q=%22harbour+bridge+reopens%22")
    assert page.locator(".hit").count() == 1
    assert page.locator(".hit a.copies").inner_text() == "1 copy folded"
    page.get_by_label(re.compile("Show duplicate copies")).check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"copies=show"))
    assert page.locator(".hit").count() == 2
    _visit(page, "", "search-copies", problems)
    _visit(page, "/sources", "sources", problems)
    _visit(page, "/entities", "entities", problems)

    page.goto(article_url)
    quotes = page.locator('q.quote[data-speaker="Mark Rutte"]')
    if page.locator("q.quote").count() == 0 and "Mark Rutte" not in page.locator(".sidebar").inner_text():
        assert not problems, problems
        assert watch.clean(), watch
        pytest.xfail("ingest does not enrich yet (entities and quotations): the lead wires enrichment into "
                     "the Ingester on main; this test then checks the quotations and the entity page")
    numbers = {quotes.nth(index).get_attribute("data-quote") for index in range(quotes.count())}
    assert len(numbers) >= 2, f"quotations by Mark Rutte highlighted: {numbers}"
    quotes.first.hover()
    assert quotes.first.locator(".speaker").is_visible()
    assert "Mark Rutte" in quotes.first.locator(".speaker").inner_text()
    screenshot(page, "article-quote-hover")

    page.locator(".sidebar").get_by_role("link", name="Mark Rutte").first.click()
    page.wait_for_url(re.compile(r"/entities/"))
    assert page.locator("h1").inner_text() == "Mark Rutte"
    assert page.locator("svg#mentions-chart rect").count() >= 1
    _visit(page, "", "entity", problems)
    assert not problems, problems
    assert watch.clean(), watch


HOSTILE = "<script>alert('title')</script>"
HOSTILE_HTML = f"""<!DOCTYPE html><html><head><title>{HOSTILE.replace('<', '&lt;')} | Evil</title>
<meta property="og:title" content="&lt;script&gt;alert('og')&lt;/script&gt;&lt;/textarea&gt;">
<meta name="author" content="&lt;img src=x onerror=alert('author')&gt;">
<link rel="canonical" href="javascript:alert('canonical')">
<meta property="og:image" content="javascript:alert('image')">
</head><body><article><h1>&lt;/textarea&gt;&lt;script&gt;alert('h1')&lt;/script&gt;</h1>
<p>Evil paragraph one says &lt;script&gt;alert('body')&lt;/script&gt; and
"&gt;&lt;img src=x onerror=alert('attr')&gt;
then &lt;a href="javascript:alert('link')"&gt;click&lt;/a&gt; and {{{{ 7*7 }}}} for template injection.</p>
<p>A second paragraph, long enough to be kept as article text by the extractor, with
&lt;svg onload=alert('svg')&gt;
and &lt;iframe src="javascript:alert('frame')"&gt;&lt;/iframe&gt; written in it as plain words.</p>
<figure><img src="x.jpg" onerror="alert('img')">
<figcaption>&lt;/textarea&gt;&lt;script&gt;alert('caption')&lt;/script&gt;</figcaption></figure>
<script>alert('page script')</script></article></body></html>"""


def _hostile_article() -> Article:
    """Everything a page can carry, already past extraction: the desk must escape all of it."""
    evil = "\"'><script>alert('x')</script><img src=x onerror=alert('y')></textarea>"
    body = f"Hostile words {evil} said here. “We will {evil} win,” said Evil Person at the ceremony."
    name_at = body.index("Evil Person")
    quote_at = body.index("We will")
    return Article(
        source="hostile", url="javascript:alert('url')", canonical_url="javascript:alert('canonical')",
        title=f"Hostile record {evil}", authors=[f"Author {evil}"], published="2024-10-01",
        site_name=f"site {evil}", description=f"lede {evil}", body=body,
        image=Image(url="javascript:alert('img')", caption=f"caption {evil}"), tags=[f"tag {evil}"],
        entities=[Entity("a1b2c3", f"Evil Person {evil}", "person", [(name_at, name_at + 11)])],
        quotes=[Quote(f"We will {evil} win", "direct", (quote_at, body.index(" win,") + 4),
                      speaker_name=f"Evil Person {evil}", speaker="a1b2c3")])


def test_hostile_page_runs_no_script(desk_page: tuple[Any, Watch], desk_server: DeskServer,
                                     tmp_path: Path) -> None:
    page, watch = desk_page
    upload = [("files", ("\"><script>alert('name')<.html", HOSTILE_HTML.encode(), "text/html"))]
    with desk_server.client(token=True) as client:
        job = client.post("/api/ingest/files", files=upload).json()
    assert desk_server.wait_for_job(job["id"])["state"] == "done"
    with open_store(desk_server.store_url) as store:
        stored = store.put(_hostile_article()).id
        assign_stories(store)  # as the next ingest would: its duplicate group and story
    with desk_server.client() as client:
        found = client.get("/api/search", params={"q": "evil paragraph"}).json()["hits"]
    assert found, "the hostile page was not ingested"
    with desk_server.client() as client:
        story = client.get(f"/api/articles/{stored}/story").json()["id"]
    pages = ["/search?q=hostile+OR+evil", "/search?q=hostile+OR+evil&copies=show",
             f"/articles/{found[0]['id']}", f"/articles/{stored}", "/sources", "/roundup?date=2024-10-01",
             "/entities", "/entities/a1b2c3", "/stories?date=2024-10-01", f"/stories/{story}",
             f"/ingest/jobs/{job['id']}",
             "/search?q=%3Cscript%3E", "/entities/%3Cscript%3Ealert(1)", "/stories/%3Cscript%3Ealert(1)"]
    for path in pages:
        before = len(watch.console_errors)
        response = page.goto(path)
        page.wait_for_load_state("load")
        if "/%3C" in path:  # no such entity or story: the 404 document itself is logged, no more
            assert response is not None and response.status == 404
            assert watch.console_errors[before:] == [
                "Failed to load resource: the server responded with a status of 404 (Not Found)"]
            del watch.console_errors[before:]
    page.goto(f"/stories/{story}")
    assert page.get_by_text("Hostile record \"'><script>alert('x')</script>", exact=False).count() >= 1
    page.goto(f"/articles/{stored}")
    assert page.get_by_text("<script>alert('x')</script>", exact=False).count() >= 1
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("[onerror], [onload]").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    screenshot(page, "hostile-article")
    assert watch.clean(), watch


def test_coverage_comparison(desk_page: tuple[Any, Watch], desk_server: DeskServer) -> None:
    """Two searches compared over more days than a chart has bars: nothing lost (the chart's total is
    the search's count), the interval switched, and the CSV downloaded equal to the API's numbers."""
    from datetime import date, timedelta

    page, watch = desk_page
    problems: dict[str, Any] = {}
    with open_store(desk_server.store_url) as store:
        store.put_many([Article(source="test", url=f"https://wharf.example/{n}", title=f"Wharf report {n}",
                                body=f"The wharfinger{' tugboat' if n % 3 == 0 else ''} log, entry {n}.",
                                published=(date(2021, 2, 1) + timedelta(days=7 * n)).isoformat(),
                                site_name="Wharf Weekly") for n in range(120)])  # 833 days: over 750
        searched = store.count(SearchRequest("wharfinger"))
    page.goto("/coverage")
    page.get_by_label("Query 1").fill("wharfinger")
    page.get_by_label("Label of search 1").fill("Wharfinger")
    page.get_by_label("Query 2").fill("wharfinger tugboat")
    page.get_by_label("Interval").select_option("day")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"q2=wharfinger"))
    assert "counted by week" in page.locator("#interval-note").inner_text()
    assert page.locator("svg#compare-chart polyline").count() == 2
    assert page.locator("svg#compare-chart .yaxis text").count() >= 3  # a y-axis with numbers
    totals = page.locator("#series-totals .total")
    assert int(totals.nth(0).inner_text()) == searched == 120
    assert int(totals.nth(1).inner_text()) == 40
    table = page.locator("#compare-chart-table tbody tr")
    assert sum(int(table.nth(i).locator("td").nth(0).inner_text().replace(",", ""))
               for i in range(table.count())) == searched
    _visit(page, "", "coverage", problems)
    page.get_by_label("Interval").select_option("month")
    page.get_by_label("Show").select_option("share")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"interval=month"))
    assert page.locator("#interval-note").count() == 0
    assert "%" in (page.locator("svg#compare-chart .yaxis text").nth(1).text_content() or "")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    with desk_server.client() as client:
        api = client.get("/api/coverage", params={"series": ["q=wharfinger&label=Wharfinger",
                                                             "q=wharfinger tugboat"],
                                                  "interval": "month", "fold_duplicates": "true"}).json()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["count"]) for row in rows if row["series"] == "1"] == api["series"][0]["counts"]
    assert [int(row["count"]) for row in rows if row["series"] == "2"] == api["series"][1]["counts"]
    assert sum(api["series"][0]["counts"]) == searched
    _visit(page, "", "coverage-share", problems)
    assert not problems, problems
    assert watch.clean(), watch


def test_docs_render_every_operation_offline(desk_page: tuple[Any, Watch], desk_server: DeskServer) -> None:
    """/docs shows the API's operations from files the desk serves itself: every request the page makes
    goes to the desk (any other is recorded and refused), and unknown pages get the desk's 404 page."""
    page, watch = desk_page
    elsewhere: list[str] = []

    def only_the_desk(route: Any) -> None:
        if route.request.url.startswith(desk_server.url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_desk)
    problems: dict[str, Any] = {}
    response = page.goto("/docs")
    assert response is not None and response.status == 200
    page.wait_for_selector(".opblock", timeout=60_000)
    with desk_server.client() as client:
        spec = client.get("/api/openapi.json").json()
    operations = sum(1 for methods in spec["paths"].values() for method in methods
                     if method in ("get", "post", "put", "patch", "delete"))
    assert page.locator(".opblock").count() == operations
    assert page.locator(".opblock-summary-path", has_text="/api/coverage").count() == 1
    _visit(page, "", "docs", problems)
    _visit(page, "/", "home", problems)
    missing = page.goto("/no/such/page")
    assert missing is not None and missing.status == 404
    assert "text/html" in (missing.headers.get("content-type") or "")
    assert page.title().startswith("Not found") and page.locator("h1").inner_text() == "404"
    del watch.console_errors[:]  # the 404 document itself is logged as a failed resource
    assert elsewhere == []
    assert not problems, problems
    assert watch.clean(), watch


def test_collections_and_saved_searches(desk_page: tuple[Any, Watch], desk_server: DeskServer,
                                        tmp_path: Path) -> None:
    """A collection made on its page, used as a search filter, exported and imported as CSV; a search
    saved from the search page showing the match an ingest brought, once, and in its Atom feed."""
    import feedparser

    from conftest import article_html

    page, watch = desk_page
    problems: dict[str, Any] = {}
    with open_store(desk_server.store_url) as store:
        store.put_many([Article(source="t", url=f"https://{host}/lamp-{n}", site_name=site,
                                title=f"Lamplighter report {n}",
                                body=f"The lamplighter walked the quay, {n}.",
                                published=f"2023-05-{n + 1:02d}")
                        for n, (site, host) in enumerate([("North Lamp", "northlamp.example"),
                                                          ("South Lamp", "lampsouth.example"),
                                                          ("West Lamp", "westlamp.example")] * 2)])
    _sign_in(page, desk_server.token)
    page.goto("/collections")
    page.get_by_label("Name", exact=True).fill("Lamp coast")
    page.get_by_label("Country", exact=True).fill("GB")
    page.get_by_label("Kind", exact=True).fill("regional")
    page.get_by_label(re.compile("Sites, one a line")).fill("North Lamp\nlampsouth.example")
    page.get_by_role("button", name="Save collection").click()
    page.wait_for_url(re.compile(r"/collections$"))
    row = page.locator("#collections-table tr", has_text="Lamp coast")
    assert "North Lamp, lampsouth.example" in row.inner_text()
    _visit(page, "", "collections", problems)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export every collection as CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Lamp coast,North Lamp,GB,,regional," in exported

    row.get_by_role("link", name="Search Lamp coast").click()
    page.wait_for_url(re.compile(r"collection=Lamp"))
    page.get_by_label("Query").fill("lamplighter")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=lamplighter"))
    metas = page.locator(".hit .meta").all_inner_texts()
    assert len(metas) == 4 and all("West Lamp" not in meta for meta in metas)
    page.get_by_label("Name", exact=True).fill("Lamps")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/saved$"))
    lamps = page.locator("#saved-table tr", has_text="Lamps")
    assert lamps.locator(".new-count").inner_text() == "0"
    _visit(page, "", "saved", problems)

    page.goto("/sources?collection=Lamp+coast")
    assert page.locator("#sources-table tbody tr").count() == 2
    _visit(page, "", "sources-collection", problems)
    page.goto("/collections")
    page.get_by_label("Collection", exact=True).select_option("Lamp coast")
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/collections$"))
    assert page.locator("#no-collections").count() == 1
    csv_file = tmp_path / "collections.csv"
    csv_file.write_text(exported, encoding="utf-8")
    page.get_by_label(re.compile("CSV with the columns")).set_input_files(str(csv_file))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/collections$"))
    assert "North Lamp, lampsouth.example" in page.locator("#collections-table").inner_text()

    new_page = article_html("Lamplighter retires after forty years", [
        "The lamplighter of the north quay retired on Friday after forty years of lighting the lamps.",
        "Residents gathered at the harbour to thank him for his work in all weathers."],
        head='<link rel="canonical" href="https://northlamp.example/news/lamplighter-retires">'
             '<meta property="og:site_name" content="North Lamp">'
             '<meta property="article:published_time" content="2023-06-01T09:00:00Z">')
    with desk_server.client(token=True) as client:
        job = client.post("/api/ingest/files", files=[("files", ("retires.html", new_page.encode(),
                                                                 "text/html"))]).json()
    assert desk_server.wait_for_job(job["id"])["stored"] == 1
    page.goto("/saved")
    assert page.locator("#saved-table tr", has_text="Lamps").locator(".new-count").inner_text() == "1"
    page.get_by_role("link", name="Lamps", exact=True).click()
    page.wait_for_url(re.compile(r"/saved/Lamps$"))
    assert page.locator("#new-articles li").all_inner_texts()[0].startswith("Lamplighter retires")
    _visit(page, "", "saved-new", problems)
    page.goto("/saved")
    assert page.locator("#saved-table tr", has_text="Lamps").locator(".new-count").inner_text() == "0"
    with desk_server.client() as client:
        atom = client.get("/saved/Lamps/feed.atom")
    feed = feedparser.parse(atom.text)
    assert atom.headers["content-type"].startswith("application/atom+xml") and not feed.bozo
    assert feed.entries[0].title == "Lamplighter retires after forty years" and len(feed.entries) == 5
    assert not problems, problems
    assert watch.clean(), watch
