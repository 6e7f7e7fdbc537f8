"""The desk's REST API over a real server on loopback: shapes equal the CLI's, pagination, exports,
ingest jobs, and its defences (token, CSRF, private addresses, size and rate limits, headers)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from click.testing import Result
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import PARAGRAPHS, article_html
from desk_fixtures import DeskServer
from newsdesk.article import Article
from newsdesk.settings import Settings
from newsdesk.store import open_store
from newsdesk.web import create_app

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def filled(desk_server: DeskServer) -> DeskServer:
    """Three pages uploaded through the API and ingested by a background job."""
    files = [("files", (f"story-{n}.html", _page(n), "text/html")) for n in range(3)]
    with desk_server.client(token=True) as client:
        response = client.post("/api/ingest/files", files=files)
    assert response.status_code == 202, response.text
    job = desk_server.wait_for_job(response.json()["id"])
    assert job["state"] == "done" and job["read"] == 3 and job["failed"] == 0, job
    return desk_server


def _page(number: int) -> bytes:
    words = ["first", "second", "third"][number]
    paragraphs = [f"The harbour authority published its {words} report on Monday, after a long review of "
                  "the berths, the cranes and the ferry timetable that residents had asked for.", *PARAGRAPHS]
    return article_html(f"Harbour story number {number}", paragraphs).encode()


def test_article_and_search_shapes_equal_the_cli(filled: DeskServer, cli: Callable[..., Result]) -> None:
    with filled.client() as client:
        hits = client.get("/api/search", params={"q": "harbour story", "limit": 5}).json()["hits"]
        assert hits and all(hit["snippet"]["text"] for hit in hits)
        one = client.get(f"/api/articles/{hits[0]['id']}").json()
    shown = json.loads(cli("show", str(hits[0]["id"]), "--db", filled.store_url).stdout)
    assert one == shown
    lines = cli("search", "harbour story", "--limit", "5", "--format", "jsonl", "--db", filled.store_url)
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [{k: v for k, v in hit.items() if k not in ("snippet", "score")} for hit in hits] == records


def test_an_upload_is_named_by_its_own_name_never_by_a_server_path(filled: DeskServer) -> None:
    """The article's source and its page's "Original" say `upload:NAME`, not the job's temporary file."""
    with filled.client() as client:
        hits = client.get("/api/search", params={"q": '"harbour authority published"'}).json()["hits"]
        assert {hit["source"] for hit in hits} == {f"upload:story-{n}.html" for n in range(3)}
        page = client.get(f"/articles/{hits[0]['id']}").text
    assert f"<dd>{hits[0]['source']}</dd>" in page
    assert "newsdesk-upload-" not in page and tempfile.gettempdir() + "/" not in page


def test_an_uploaded_web_archive_is_read_record_by_record(desk_server: DeskServer) -> None:
    """A WARC (written with warcio) is read as an archive; a file of another kind is refused, by name."""
    raw = io.BytesIO()
    writer = WARCWriter(raw, gzip=True)
    page = article_html("Lighthouse keeper retires", ["The lighthouse keeper of the northern cape retired "
                                                      "on Friday after forty years of service.", *PARAGRAPHS])
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        "https://news.example.org/lighthouse.html", "response", payload=io.BytesIO(page.encode()),
        length=len(page.encode()), http_headers=http))
    files = [("files", ("crawl.warc.gz", raw.getvalue(), "application/warc")),
             ("files", ("notes.pdf", b"%PDF-1.4 not a page", "application/pdf"))]
    with desk_server.client(token=True) as client:
        job = desk_server.wait_for_job(client.post("/api/ingest/files", files=files).json()["id"])
        assert (job["state"], job["read"], job["failed"]) == ("done", 1, 1), job
        assert job["sources"] == ["crawl.warc.gz", "notes.pdf"]
        assert [(e["source"], e["stage"]) for e in job["errors"]] == [("upload:notes.pdf", "read")]
        hits = client.get("/api/search", params={"q": "lighthouse keeper"}).json()["hits"]
        assert client.get("/api/errors").json()[-1]["source"] == "upload:notes.pdf"
    assert len(hits) == 1 and hits[0]["source"].startswith("upload:crawl.warc.gz@")
    assert hits[0]["url"] == "https://news.example.org/lighthouse.html"


def test_site_is_the_filter_and_errors_carry_input(desk_server: DeskServer) -> None:
    """One name per idea (issue 20): `site` filters by outlet, `source` (its old name) still works for one
    release and is marked deprecated in the OpenAPI document; error records say `input` beside `source`."""
    raw = io.BytesIO()
    writer = WARCWriter(raw, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    for host, title in (("quayside.example", "Quayside ferry berth widened"),
                        ("uplands.example", "Uplands ferry berth closed")):
        page = article_html(title, [f"{title} on Tuesday, the port office said in a statement about the "
                                    "ferry berth and its new timetable.", *PARAGRAPHS]).encode()
        writer.write_record(writer.create_warc_record(f"https://{host}/news/berth.html", "response",
                                                      payload=io.BytesIO(page), length=len(page),
                                                      http_headers=http))
    files = [("files", ("berths.warc.gz", raw.getvalue(), "application/warc")),
             ("files", ("minutes.pdf", b"%PDF-1.4 not a page", "application/pdf"))]
    with desk_server.client(token=True) as client:
        job = desk_server.wait_for_job(client.post("/api/ingest/files", files=files).json()["id"])
        assert (job["read"], job["failed"]) == (2, 1), job
        assert [(e["input"], e["source"]) for e in job["errors"]] == [("upload:minutes.pdf",) * 2]
        error = client.get("/api/errors").json()[-1]
        assert error["input"] == error["source"] == "upload:minutes.pdf"
        query = {"q": "ferry berth"}
        by_site = client.get("/api/articles", params={**query, "site": "quayside.example"}).json()["articles"]
        by_old_name = client.get("/api/articles", params={**query, "source": "quayside.example"}).json()
        assert [a["url"] for a in by_site] == ["https://quayside.example/news/berth.html"]
        assert by_old_name["articles"] == by_site
        hits = client.get("/api/search", params={**query, "site": "uplands.example"}).json()["hits"]
        assert [hit["url"] for hit in hits] == ["https://uplands.example/news/berth.html"]
        both = client.get("/api/articles", params={"site": "quayside.example", "source": "uplands.example"})
        assert both.status_code == 400 and "site" in both.json()["detail"]
        series = client.get("/api/coverage", params={"series": ["q=ferry berth&site=uplands.example",
                                                                "q=ferry berth&source=uplands.example"]})
        for one in series.json()["series"]:
            assert one["total"] + one["undated"] == 1
            assert one["filters"] == {"q": "ferry berth", "site": "uplands.example"}
        document = client.get("/api/openapi.json").json()
    parameters = {p["name"]: p for p in document["paths"]["/api/articles"]["get"]["parameters"]}
    assert "site" in parameters and not parameters["site"].get("deprecated")
    assert parameters["source"]["deprecated"] is True
    error_schema = document["components"]["schemas"]["ErrorOut"]
    assert "input" in error_schema["required"] and error_schema["properties"]["source"]["deprecated"] is True


def test_cursor_pagination_walks_every_article_once(filled: DeskServer) -> None:
    seen: list[int] = []
    cursor = None
    with filled.client() as client:
        total = len(_every(client, "/api/articles", {}, "articles"))  # the session's store: other tests add
        while True:
            params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = client.get("/api/articles", params=params).json()
            seen += [article["id"] for article in page["articles"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert client.get("/api/articles", params={"cursor": "garbage"}).status_code == 400
    assert len(seen) == len(set(seen)) == total >= 3


def test_sources_errors_coverage_and_bad_queries(filled: DeskServer) -> None:
    with filled.client() as client:
        sources = client.get("/api/sources").json()
        assert sum(source["articles"] for source in sources) >= 3
        assert isinstance(client.get("/api/errors").json(), list)
        coverage = client.get("/api/coverage", params={"q": "harbour", "interval": "week"}).json()
        assert coverage["interval"] == "week"
        assert sum(b["count"] for b in coverage["buckets"]) + coverage["undated"] >= 3
        problem = client.get("/api/search", params={"q": "NOT harbour"})
        assert problem.status_code == 400 and "must not" in problem.json()["detail"]
        assert client.get("/api/articles/999999").status_code == 404


def test_exports_stream_jsonl_csv_and_parquet(filled: DeskServer) -> None:
    with filled.client() as client:
        params = {"q": '"harbour authority published"'}  # only the three pages of `filled`
        lines = client.get("/api/export", params={**params, "format": "jsonl"}).text.splitlines()
        text = client.get("/api/export", params={**params, "format": "csv"}).text
        rows = list(csv.DictReader(io.StringIO(text)))
        parquet = client.get("/api/export", params={**params, "format": "parquet"})
    assert len(lines) == len(rows) == 3
    assert {json.loads(line)["title"] for line in lines} == {row["title"] for row in rows}
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.num_rows == 3 and "entities" in table.column_names


def test_writes_need_the_token(desk_server: DeskServer) -> None:
    with desk_server.client() as client:
        assert client.post("/api/ingest", json={"sources": ["https://example.org/"]}).status_code == 401
        wrong = client.post("/api/ingest", json={"sources": ["https://example.org/"]},
                            headers={"Authorization": "Bearer wrong"})
        assert wrong.status_code == 401
        files = [("files", ("a.html", b"<p>x</p>", "text/html"))]
        assert client.post("/api/ingest/files", files=files).status_code == 401


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/page", "http://localhost:9/", "http://169.254.169.254/",
                                 "http://[::1]/", "http://10.0.0.1/feed.xml", "file:///etc/passwd",
                                 "/etc/passwd"])
def test_ingest_refuses_private_addresses_and_local_paths(desk_server: DeskServer, url: str) -> None:
    with desk_server.client(token=True) as client:
        response = client.post("/api/ingest", json={"sources": [url]})
    assert response.status_code == 400
    assert "refused" in response.json()["detail"] or "only http" in response.json()["detail"]


def test_nul_characters_are_refused_with_400(desk_server: DeskServer) -> None:
    """PostgreSQL cannot compare text with NUL in it: such a request is refused before the store sees it."""
    with desk_server.client(token=True) as client:
        for path in ("/api/articles?speaker=a%00b", "/api/search?q=%00", "/api/entities/x%00y",
                     "/search?q=%00", "/api/stories?site=%00"):
            response = client.get(path)
            assert response.status_code == 400 and "NUL" in response.json()["detail"], path
        for path in ("/api/articles?speaker=.", "/api/quotes?entity=%C2%98", "/api/entities/-"):
            response = client.get(path)  # no word to match: PostgreSQL refused the store's sentinel
            assert response.status_code == 400 and "no letter or digit" in response.json()["detail"], path
        assert "no letter or digit" in client.get("/search?entity=.").text
        refused = client.post("/api/ingest", json={"sources": ["https://example.org/\u0000x"]})
        assert refused.status_code == 400 and "control characters" in refused.json()["detail"]


def test_forms_without_the_csrf_token_are_refused(desk_server: DeskServer) -> None:
    with desk_server.client() as client:
        signed = client.get(f"/login?token={desk_server.token}", follow_redirects=False)
        assert signed.status_code == 303 and "newsdesk_session" in signed.headers["set-cookie"]
        assert 'name="csrf"' in client.get("/ingest").text  # its token derives from the session
        no_token = client.post("/ingest", data={"urls": "https://example.org/"})
        assert no_token.status_code == 403
        wrong = client.post("/ingest", data={"urls": "https://example.org/", "csrf": "x" * 32})
        assert wrong.status_code == 403
        login = client.post("/login", data={"token": desk_server.token})
        assert login.status_code == 403


def test_security_headers_on_every_response(desk_server: DeskServer) -> None:
    with desk_server.client() as client:
        for path in ("/", "/api/sources", "/static/style.css", "/no-such-page"):
            headers = client.get(path).headers
            assert "script-src 'self'" in headers["content-security-policy"]
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"


def test_request_size_limit(desk_server: DeskServer) -> None:
    with desk_server.client(token=True) as client:
        big = client.post("/api/ingest", content=b"{" + b" " * (2 << 20) + b"}",
                          headers={"content-type": "application/json"})
        assert big.status_code == 413
        files = [("files", ("big.html", b"x" * (5 << 20), "text/html"))]
        assert client.post("/api/ingest/files", files=files).status_code == 413


def _asgi(app: Any, calls: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                return [await client.request(method, path, **kwargs) for method, path, kwargs in calls]

    # In a thread of its own: the session's Playwright browser may keep an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_write_rate_limit(tmp_path: Any) -> None:
    """Authenticated writes are counted (refused ones are not: tests/test_hostile_desk.py)."""
    app = create_app("memory://", Settings(), api_token="t" * 20, writes_per_minute=1, write_burst=3)
    auth = {"Authorization": "Bearer " + "t" * 20}
    calls = [("POST", "/api/ingest", {"json": {"sources": []}, "headers": auth})] * 5
    statuses = [response.status_code for response in _asgi(app, calls)]
    assert statuses[:3] == [400] * 3 and statuses[3:] == [429, 429]


def test_reads_can_require_the_token(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with open_store(url) as store:
        store.put(Article(url="https://example.org/a", title="A title", body="Some words here."))
    app = create_app(url, Settings(), api_token="s" * 20, read_token=True)
    auth = {"headers": {"Authorization": "Bearer " + "s" * 20}}
    statuses = [r.status_code for r in _asgi(app, [("GET", "/api/articles", {}), ("GET", "/search", {}),
                                                     ("GET", "/api/articles", auth)])]
    assert statuses == [401, 401, 200]


def test_serve_command_prints_the_url_and_serves(tmp_path: Any) -> None:
    """`newsdesk serve` as its own process: token generated once into the config folder, URL printed."""
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "NEWSDESK_API_TOKEN"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    command = [sys.executable, "-m", "newsdesk", "serve", "--db", f"sqlite:///{tmp_path / 's.db'}",
               "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == f"http://127.0.0.1:{port}/"
        token_file = tmp_path / "config" / "newsdesk" / "api-token"
        token = token_file.read_text().strip()
        assert len(token) >= 20 and oct(token_file.stat().st_mode & 0o777) == "0o600"
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/search", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        assert response.status_code == 200 and "<title>Search · newsdesk</title>" in response.text
        refused = httpx.post(f"http://127.0.0.1:{port}/api/ingest", json={"sources": ["https://e.org/"]})
        assert refused.status_code == 401
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert f"login?token={token}" in stderr


def _every(client: httpx.Client, path: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every item of a paged list, walked 100 at a time."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        paging = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = client.get(path, params={**params, **paging}).json()
        found += page[key]
        cursor = page["next_cursor"]
        if not cursor:
            return found


def test_page_type_filters_the_api_as_the_cli(filled: DeskServer, cli: Callable[..., Result]) -> None:
    """Each page is of exactly one type (or none): the filter splits the articles, and says no to a type
    that is not one."""
    from newsdesk.page_types import PAGE_TYPES, UNKNOWN

    with filled.client() as client:
        every = {hit["id"] for hit in _every(client, "/api/search", {}, "hits")}
        split: list[int] = []
        for kind in (*PAGE_TYPES, UNKNOWN):
            hits = _every(client, "/api/search", {"page_type": kind}, "hits")
            split += [hit["id"] for hit in hits]
            lines = cli("search", "--page-type", kind, "--limit", "1000", "--format", "jsonl",
                        "--db", filled.store_url).stdout.splitlines()
            assert sorted(json.loads(line)["id"] for line in lines) == sorted(hit["id"] for hit in hits)
        assert sorted(split) == sorted(every) and every
        refused = client.get("/api/search", params={"page_type": "brochure"})
        assert 400 <= refused.status_code < 500
