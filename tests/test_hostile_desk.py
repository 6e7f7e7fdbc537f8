"""The desk against a hostile network (issue 18, items 6 and 10): foreign Host headers, cross-site writes,
planted CSRF cookies, write floods, token guessing, crafted queries and cursors, and 500s."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from newsdesk.article import Article
from newsdesk.settings import Settings
from newsdesk.store import open_store
from newsdesk.web import create_app

TOKEN = "hostile-desk-token-0123456789"
T = TypeVar("T")


def run(app: FastAPI, steps: Callable[[httpx.AsyncClient], Awaitable[T]], *,
        base_url: str = "http://127.0.0.1:8765", raise_errors: bool = True) -> T:
    """`steps` with a client of the app (its lifespan running), in a thread of its own."""
    async def go() -> T:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors)
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
                return await steps(client)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    with open_store(url) as store:
        store.put_many([Article(url=f"https://gazette.example/news/{n}", title=f"Harbour bridge {n}",
                                body=f"The harbour bridge opened again on day {n}.",
                                published=f"2024-10-0{n}T08:00:00Z") for n in range(1, 6)])
    return url


def app_of(store_url: str, **options: Any) -> FastAPI:
    return create_app(store_url, Settings(), api_token=TOKEN, **options)


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_foreign_host_names_are_refused(store_url: str) -> None:
    """DNS rebinding: the page's own name arrives as the Host."""
    async def steps(client: httpx.AsyncClient) -> list[int]:
        statuses = []
        for host in ("attacker.example:8765", "attacker.example", "127.0.0.1.attacker.example", "",
                     "localhost:80:80", "127.0.0.1:8765", "localhost:8765", "[::1]:8765", "10.1.2.3:8765",
                     "desk.example:8765", "DESK.example."):
            statuses.append((await client.get("/api/articles", headers={"Host": host})).status_code)
        return statuses

    assert run(app_of(store_url, allowed_hosts=["desk.example"]), steps) == [400] * 5 + [200] * 6
    refused = run(app_of(store_url), lambda c: c.get("/api/articles", headers={"Host": "attacker.example"}))
    assert refused.status_code == 400 and "does not answer to the host" in refused.json()["detail"]
    assert refused.headers["x-frame-options"] == "DENY"


def test_the_rss_channel_link_names_an_allowed_host_only(store_url: str) -> None:
    async def steps(client: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response]:
        path = "/api/roundups/2024-10-01/export?format=rss"
        return (await client.get(path, headers={"Host": "attacker.example"}),
                await client.get(path, headers={"Host": "127.0.0.1:8765"}))

    foreign, own = run(app_of(store_url), steps)
    assert foreign.status_code == 400 and "attacker" not in foreign.text.replace("'attacker.example'", "")
    assert own.status_code == 200 and "<link>http://127.0.0.1:8765/roundup?date=2024-10-01</link>" in own.text


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_a_csrf_cookie_planted_from_another_port_is_refused(store_url: str) -> None:
    """Cookies do not keep ports apart: a page on 127.0.0.1:9999 can set the desk's CSRF cookie. The form
    token is bound to the session, so a token made for the planted cookie does not match it."""
    async def steps(client: httpx.AsyncClient) -> list[int]:
        # The attacker's server reads the desk's sign-in form for a cookie of its own choosing...
        client.cookies.set("newsdesk_csrf", "a" * 32)
        planted = _csrf(await client.get("/login"))
        client.cookies.clear()
        # ... the victim signs in and has a session ...
        assert (await client.get(f"/login?token={TOKEN}")).status_code in (200, 303)
        assert client.cookies.get("newsdesk_session")
        # ... and the attacker's page posts the victim's browser to the desk with the planted pair.
        client.cookies.set("newsdesk_csrf", "a" * 32)
        form = {"urls": "https://example.org/a", "csrf": planted}
        statuses = [(await client.post("/ingest", data=form)).status_code,
                    (await client.post("/ingest", data=form,
                                       headers={"Origin": "http://127.0.0.1:9999"})).status_code]
        # The desk's own form still works.
        own = _csrf(await client.get("/ingest"))
        statuses.append((await client.post("/ingest", data={"urls": "", "csrf": own},
                                           headers={"Origin": "http://127.0.0.1:8765"})).status_code)
        return statuses

    assert run(app_of(store_url), steps) == [403, 403, 400]  # 400: the desk's form, with nothing to ingest


def test_writes_from_another_origin_are_refused(store_url: str) -> None:
    async def steps(client: httpx.AsyncClient) -> list[int]:
        body = {"sources": []}
        return [(await client.post("/api/ingest", json=body, headers={**AUTH, **extra})).status_code
                for extra in ({"Origin": "http://127.0.0.1:9999"}, {"Origin": "null"},
                              {"Referer": "http://attacker.example/page"}, {"Origin": "http://127.0.0.1:8765"},
                              {})]

    assert run(app_of(store_url), steps) == [403, 403, 403, 400, 400]


def test_refused_writes_do_not_use_up_the_real_clients_bucket(store_url: str) -> None:
    async def steps(client: httpx.AsyncClient) -> list[int]:
        hostile = [(await client.post("/api/ingest", json={"sources": []})).status_code for _ in range(20)]
        assert set(hostile) == {401}
        return [(await client.post("/api/ingest", json={"sources": []}, headers=AUTH)).status_code
                for _ in range(5)]

    # The real client's own writes are what count: 3 at once, then 429.
    assert run(app_of(store_url, write_burst=3, writes_per_minute=1), steps) == [400, 400, 400, 429, 429]


def test_token_guesses_are_rate_limited(store_url: str) -> None:
    async def steps(client: httpx.AsyncClient) -> list[int]:
        guesses = [(await client.get(f"/login?token=guess{n}")).status_code for n in range(12)]
        right = (await client.get(f"/login?token={TOKEN}")).status_code
        api = (await client.post("/api/ingest", json={"sources": []}, headers=AUTH)).status_code
        return [*guesses, right, api]

    statuses = run(app_of(store_url), steps)
    assert statuses[:10] == [200] * 10  # the sign-in page again, saying the token was wrong
    assert statuses[10:] == [429] * 4  # then every token from this address waits, the right one too


def test_every_response_has_the_security_headers_even_a_500(store_url: str) -> None:
    app = app_of(store_url)

    async def steps(client: httpx.AsyncClient) -> list[httpx.Response]:
        app.state.desk.store.close()  # a store gone away: every read fails inside the handler
        return [await client.get("/api/articles"), await client.get("/search?q=bridge")]

    for response in run(app, steps, raise_errors=False):
        assert response.status_code == 500
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "Traceback" not in response.text


HOSTILE_PATHS = [
    "/api/search?q=" + "(" * 340 + "bridge", "/api/search?q=" + quote("NOT " * 1001) + "bridge",
    "/api/search?q=" + "-(" * 250 + "bridge", "/search?q=" + "(" * 340, "/api/export?q=" + "-(" * 250 + "a",
    "/entities?q=" + "(" * 340, "/api/search?q=" + quote("정" * 700),
    "/api/search?q=bridge&cursor=WyJyIiwiYWJjIiwxXQ",
    "/api/articles?cursor=WyJkIiwiMjAyNCIsMTE4MDU5MTYyMDcxNzQxMTMwMzQyNF0",
    "/api/articles?cursor=" + base64.urlsafe_b64encode(b'["d","\\ud800",1]').decode().rstrip("="),
    "/api/articles?cursor=" + base64.urlsafe_b64encode(b'["d","2024\\u0000",1]').decode().rstrip("="),
    "/stories?date=0001-01-01", "/roundup?date=0001-01-01",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=lambda p: p[:40])
def test_hostile_requests_are_4xx_never_500(store_url: str, path: str) -> None:
    response = run(app_of(store_url), lambda client: client.get(path), raise_errors=False)
    assert response.status_code in (200, 400, 422), (response.status_code, response.text[:300])
    if path.startswith("/api/") and response.status_code == 400:
        assert response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/articles?since=garbage", "/api/stories?until=2013-13-45",
                                  "/api/export?since=2022-02-30", "/api/coverage?until=soon"])
def test_dates_that_are_no_dates_are_400(store_url: str, path: str) -> None:
    response = run(app_of(store_url), lambda client: client.get(path))
    assert response.status_code == 400 and "is not a date" in response.json()["detail"]
    page = run(app_of(store_url), lambda client: client.get("/search?q=bridge&since=garbage"))
    assert page.status_code == 200 and "is not a date" in page.text


def test_a_page_for_a_client_over_its_guess_limit_is_a_429_page(store_url: str) -> None:
    async def steps(client: httpx.AsyncClient) -> list[int]:
        for n in range(10):
            await client.get(f"/login?token=guess{n}")
        return [(await client.get("/sources", headers={"Authorization": "Bearer wrong"})).status_code,
                (await client.get("/api/sources", headers={"Authorization": "Bearer wrong"})).status_code]

    assert run(app_of(store_url, read_token=True), steps, raise_errors=False) == [429, 429]
