"""Fixtures of the web desk's tests: a server (uvicorn in a thread on a free loopback port) over a fresh
SQLite store and another over a fresh PostgreSQL schema, each for the whole session (every test that
uses `desk_server` runs on both), and one headless Debian chromium (driven by Playwright)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from conftest import fresh_store_url
from newsdesk.settings import Settings
from newsdesk.web import create_app

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
AXE = PROJECT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
# Where the browser tests write a screenshot of every page they visit (README shows the best ones).
SCREENSHOTS = PROJECT / "build" / "screenshots"
TOKEN = "desk-test-token-0123456789"


@dataclass
class DeskServer:
    url: str
    token: str
    store_url: str
    server: uvicorn.Server

    def client(self, token: bool = False) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def wait_for_job(self, job_id: str, timeout: float = 240) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while time.monotonic() < deadline:
                job: dict[str, Any] = client.get(f"/api/ingest/{job_id}").json()
                if job["state"] in ("done", "failed"):
                    return job
                time.sleep(0.2)
        pytest.fail(f"ingest job {job_id} did not finish in {timeout} s")


def serve_in_thread(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the desk's server did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


DESK_STORES = ["sqlite", "postgres"]


@pytest.fixture(scope="session", params=DESK_STORES)
def desk_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[DeskServer]:
    """The desk over a fresh SQLite store, then over a fresh PostgreSQL schema (NEWSDESK_TEST_POSTGRES_URL,
    set by scripts/test); writes limited generously (the rate limit has its own test)."""
    with fresh_store_url(request.param, tmp_path_factory.mktemp(f"desk-{request.param}")) as store_url:
        app = create_app(store_url, Settings(), api_token=TOKEN, writes_per_minute=6000, write_burst=1000,
                         max_upload=4 << 20)
        server, thread, url = serve_in_thread(app)
        try:
            yield DeskServer(url, TOKEN, store_url, server)
        finally:
            server.should_exit = True
            thread.join(30)


@dataclass
class Watch:
    """What a page did that it must not: dialogs opened (a script ran), console errors, page errors."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not (self.dialogs or self.console_errors or self.page_errors)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless (scripts/test installs it); Playwright never downloads a browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test (it installs Debian's chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def desk_page(browser: Any, desk_server: DeskServer) -> Iterator[tuple[Any, Watch]]:
    """A fresh browser context on the desk, with every dialog, console error and page error recorded."""
    context = browser.new_context(base_url=desk_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch()

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: message.type == "error" and watch.console_errors.append(message.text))
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    yield page, watch
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical accessibility violations axe-core finds on the page."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run scripts/test (npm ci in tests/js)", pytrace=False)
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("async () => JSON.stringify((await axe.run(document, "
                           "{resultTypes: ['violations']})).violations)")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [node["html"][:200] for node in v["nodes"][:3]]}
            for v in json.loads(result) if v["impact"] in ("serious", "critical")]


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
