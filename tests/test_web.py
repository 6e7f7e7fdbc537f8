"""The fetcher against a real HTTP server on 127.0.0.1 that misbehaves on purpose.

Only loopback is ever contacted: the private and metadata addresses in these tests are refused before
any socket is opened, which `no_connections` checks by watching socket.create_connection.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from conftest import article_html
from loopback import LoopbackServer
from newsdesk.article import Page
from newsdesk.errors import FetchError
from newsdesk.settings import Settings
from newsdesk.sources.guard import why_refused
from newsdesk.sources.web import Fetcher, FetchOptions, NotModified, Validators

pytestmark = pytest.mark.timeout(30)

PAGE = article_html("Fetched story").encode("utf-8")
ETAG = '"v1"'
LAST_MODIFIED = "Fri, 01 Mar 2024 12:00:00 GMT"


@dataclass
class Site:
    """What the server answers (set by a test) and what it saw (checked by the test)."""

    port: int = 0
    robots: tuple[int, str] = (404, "")
    hits: list[str] = field(default_factory=list)
    times: dict[str, list[float]] = field(default_factory=dict)
    agents: set[str] = field(default_factory=set)
    conditional: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    active: int = 0
    most_active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        headers.setdefault("Content_Type", "text/html; charset=utf-8")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site = self.server.site
        path = self.path
        with site.lock:
            site.hits.append(path)
            site.times.setdefault(path, []).append(time.monotonic())
            site.agents.add(self.headers.get("User-Agent", ""))
            site.counts[path] += 1
            count = site.counts[path]
        if self.headers.get("If-None-Match"):
            site.conditional.append(self.headers["If-None-Match"])
        name = path.strip("/").split("/")[0].replace("-", "_").replace(".", "_")
        route = getattr(self, f"route_{name}", None)
        if route is None:
            self.answer(404, b"not found")
        else:
            route(site, count)

    def route_robots_txt(self, site: Site, count: int) -> None:
        status, text = site.robots
        self.answer(status, text.encode(), Content_Type="text/plain")

    def route_page(self, site: Site, count: int) -> None:
        if self.headers.get("If-None-Match") == ETAG:
            self.answer(304, ETag=ETAG)
        else:
            self.answer(200, PAGE, ETag=ETAG, Last_Modified=LAST_MODIFIED)

    route_private = route_page

    def route_flaky(self, site: Site, count: int) -> None:
        self.answer(500 if count <= 2 else 200, PAGE)

    def route_broken(self, site: Site, count: int) -> None:
        self.answer(503, b"down")

    def route_busy(self, site: Site, count: int) -> None:
        self.answer(429, b"slow down", Retry_After="1") if count == 1 else self.answer(200, PAGE)

    def route_very_busy(self, site: Site, count: int) -> None:
        self.answer(429, b"come back tomorrow", Retry_After="3600")

    def route_hang(self, site: Site, count: int) -> None:
        site.stop.wait(10)

    def route_drip(self, site: Site, count: int) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "60")
        self.end_headers()
        self.drip(b"x" * 60)

    def route_drip_headers(self, site: Site, count: int) -> None:
        self.drip(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"y" * 60)

    def drip(self, data: bytes) -> None:
        for byte in data:
            if self.server.site.stop.wait(1):
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return

    def route_huge(self, site: Site, count: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        block = b"<p>" + b"z" * 65_530 + b"</p>"
        for _ in range(16_384):  # 1 GiB at most, and only for as long as the client reads
            if site.stop.is_set():
                return
            try:
                self.wfile.write(block)
            except OSError:
                return

    def route_huge_declared(self, site: Site, count: int) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(1024 ** 3))
        self.end_headers()

    def route_loop_a(self, site: Site, count: int) -> None:
        self.answer(302, Location="/loop-b")

    def route_loop_b(self, site: Site, count: int) -> None:
        self.answer(302, Location=site.url("/loop-a"))

    def route_chain(self, site: Site, count: int) -> None:
        left = int(self.path.rsplit("/", 1)[1])
        self.answer(302, Location=f"/chain/{left - 1}") if left else self.answer(200, PAGE)

    def route_to(self, site: Site, count: int) -> None:
        targets = {"metadata": "http://169.254.169.254/latest/meta-data/",
                   "loopback": f"http://127.0.0.2:{site.port}/page",
                   "ipv6": f"http://[::1]:{site.port}/page",
                   "private": "http://10.0.0.1/", "file": "file:///etc/passwd"}
        self.answer(302, Location=targets[self.path.rsplit("/", 1)[1]])

    def route_slow(self, site: Site, count: int) -> None:
        with site.lock:
            site.active += 1
            site.most_active = max(site.most_active, site.active)
        time.sleep(0.3)
        with site.lock:
            site.active -= 1
        self.answer(200, PAGE)


class Server(LoopbackServer):
    block_on_close = False
    handler = Handler



@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    server = Server(site)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site
    site.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


QUICK = FetchOptions(user_agent="newsdesk-test/1.0", connect_timeout=2, read_timeout=2, total_timeout=5,
                     backoff=0.05, host_delay=0, allow_private=True, max_bytes=1024 * 1024)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(QUICK) as fetcher:
        yield fetcher


def failed(outcome: object) -> FetchError:
    assert isinstance(outcome, FetchError), outcome
    return outcome


def timed(fetcher: Fetcher, url: str, validators: Validators | None = None) -> tuple[Any, float]:
    start = time.monotonic()
    outcome = fetcher.fetch(url, validators)
    return outcome, time.monotonic() - start


# -- the ordinary case -----------------------------------------------------------------------------


def test_a_page_is_fetched_with_its_headers_and_our_user_agent(site: Site, fetcher: Fetcher) -> None:
    page = fetcher.fetch(site.url("/page"))
    assert isinstance(page, Page)
    assert page.content == PAGE and page.url == page.source == site.url("/page")
    assert page.content_type == "text/html; charset=utf-8"
    assert page.headers["etag"] == ETAG and page.fetched_at is not None
    assert site.hits == ["/robots.txt", "/page"]  # robots.txt first, and a missing one allows all
    assert site.agents == {"newsdesk-test/1.0"}


def test_a_conditional_refetch_is_not_modified(site: Site, fetcher: Fetcher) -> None:
    page = fetcher.fetch(site.url("/page"))
    assert isinstance(page, Page)
    validators = Validators.of(page)
    assert validators == Validators(ETAG, LAST_MODIFIED)
    again = fetcher.fetch(site.url("/page"), validators)
    assert again == NotModified(site.url("/page"), validators)
    assert site.conditional == [ETAG]


def test_an_error_status_is_reported_with_it(site: Site, fetcher: Fetcher) -> None:
    error = failed(fetcher.fetch(site.url("/missing")))
    assert error.status == 404 and error.source == site.url("/missing") and error.stage == "fetch"
    assert site.counts["/missing"] == 1  # a 404 is not retried


# -- robots.txt ------------------------------------------------------------------------------------


def test_robots_txt_is_obeyed_and_read_once_per_host(site: Site, fetcher: Fetcher) -> None:
    site.robots = (200, "User-agent: *\nDisallow: /private/\n")
    error = failed(fetcher.fetch(site.url("/private/secret")))
    assert error.stage == "robots" and "disallowed by robots.txt" in error.reason
    assert isinstance(fetcher.fetch(site.url("/page")), Page)
    assert site.hits == ["/robots.txt", "/page"]


def test_robots_txt_wildcards_and_the_longest_match_follow_rfc_9309(site: Site, fetcher: Fetcher) -> None:
    """`*` and `$` patterns, and an Allow longer than the Disallow it overrides (urllib's parser, used
    before, read the patterns literally and took the first matching line)."""
    site.robots = (200, "User-agent: *\nDisallow: /page/*.pdf$\nDisallow: /private\nAllow: /private/open\n")
    for path in ("/page/report.pdf", "/page/a/b.pdf", "/private/closed"):
        error = failed(fetcher.fetch(site.url(path)))
        assert error.stage == "robots", path
    for path in ("/page/report.pdf?print=1", "/page/report.pdfx", "/private/open/today"):
        assert isinstance(fetcher.fetch(site.url(path)), Page), path


@pytest.mark.parametrize("status", [503, 429])
def test_a_failing_robots_txt_keeps_the_fetcher_away(site: Site, fetcher: Fetcher, status: int) -> None:
    site.robots = (status, "")
    for _ in range(2):
        error = failed(fetcher.fetch(site.url("/page")))
        assert error.stage == "robots" and "server error" in error.reason
    assert site.hits == ["/robots.txt"]


def test_robots_can_be_switched_off(site: Site) -> None:
    site.robots = (200, "User-agent: *\nDisallow: /\n")
    with Fetcher(replace(QUICK, obey_robots=False)) as fetcher:
        assert isinstance(fetcher.fetch(site.url("/page")), Page)
    assert site.hits == ["/page"]


# -- retries ---------------------------------------------------------------------------------------


def test_server_errors_are_retried_until_success(site: Site, fetcher: Fetcher) -> None:
    assert isinstance(fetcher.fetch(site.url("/flaky")), Page)
    assert site.counts["/flaky"] == 3


def test_a_server_that_always_fails_is_tried_a_bounded_number_of_times(site: Site, fetcher: Fetcher) -> None:
    error, seconds = timed(fetcher, site.url("/broken"))
    assert failed(error).status == 503 and "HTTP 503" in error.reason and error.retry_after is None
    assert site.counts["/broken"] == QUICK.attempts
    assert seconds < 1


def test_429_waits_as_long_as_retry_after_says(site: Site, fetcher: Fetcher) -> None:
    page, seconds = timed(fetcher, site.url("/busy"))
    assert isinstance(page, Page)
    assert site.counts["/busy"] == 2 and 0.9 < seconds < 3


def test_a_retry_after_past_the_bound_fails_at_once(site: Site, fetcher: Fetcher) -> None:
    error, seconds = timed(fetcher, site.url("/very-busy"))
    assert failed(error).retry_after == 3600 and error.status == 429
    assert "longer than max_retry_after" in error.reason
    assert site.counts["/very-busy"] == 1 and seconds < 1


# -- time and size limits --------------------------------------------------------------------------


def test_a_server_that_hangs_ends_at_the_read_timeout(site: Site) -> None:
    with Fetcher(replace(QUICK, read_timeout=0.5)) as fetcher:
        error, seconds = timed(fetcher, site.url("/hang"))
    assert "read timeout" in failed(error).reason and seconds < 2


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_server_that_drips_a_byte_a_second_ends_at_the_total_timeout(site: Site, path: str) -> None:
    with Fetcher(replace(QUICK, read_timeout=3, total_timeout=2.5)) as fetcher:
        error, seconds = timed(fetcher, site.url(path))
    assert "total timeout" in failed(error).reason
    assert 2.4 < seconds < 4


def test_an_endless_body_is_cut_at_the_size_limit_in_bounded_memory(site: Site, fetcher: Fetcher) -> None:
    tracemalloc.start()
    try:
        error, seconds = timed(fetcher, site.url("/huge"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "larger than the 1,048,576-byte limit" in failed(error).reason
    assert peak < 8 * QUICK.max_bytes and seconds < 3


def test_a_declared_huge_body_is_refused_without_reading_it(site: Site, fetcher: Fetcher) -> None:
    error, seconds = timed(fetcher, site.url("/huge-declared"))
    assert "1,073,741,824 bytes" in failed(error).reason and seconds < 1


# -- redirects -------------------------------------------------------------------------------------


def test_a_redirect_loop_is_refused(site: Site, fetcher: Fetcher) -> None:
    error = failed(fetcher.fetch(site.url("/loop-a")))
    assert "redirect loop" in error.reason
    assert site.counts["/loop-a"] == 1 and site.counts["/loop-b"] == 1


def test_ten_redirects_are_followed_and_eleven_are_not(site: Site, fetcher: Fetcher) -> None:
    page = fetcher.fetch(site.url("/chain/10"))
    assert isinstance(page, Page)
    assert page.url == site.url("/chain/0") and page.source == site.url("/chain/10")
    assert "more than 10 redirects" in failed(fetcher.fetch(site.url("/chain/11"))).reason


def test_a_redirect_to_another_scheme_is_refused(site: Site, fetcher: Fetcher) -> None:
    reason = failed(fetcher.fetch(site.url("/to/file"))).reason
    assert "only http:// and https:// URLs" in reason and "file:///etc/passwd" in reason


# -- addresses that are never contacted ------------------------------------------------------------


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the process connects to from now on (socket.create_connection is watched)."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def watched(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", watched)
    return opened


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/page", "http://localhost:{port}/page", "http://[::1]:{port}/page",
    "http://[::ffff:127.0.0.1]:{port}/page", "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/", "http://0.0.0.0:{port}/page",
])
def test_private_addresses_are_refused_before_any_connection(site: Site, url: str,
                                                             no_connections: list[tuple[str, int]]) -> None:
    with Fetcher(replace(QUICK, allow_private=False)) as fetcher:
        error = failed(fetcher.fetch(url.format(port=site.port)))
    assert error.stage == "guard" and error.reason.startswith("refused:")
    assert "allow_private" in error.reason
    assert no_connections == [] and site.hits == []


@pytest.mark.parametrize(("target", "kind"), [("metadata", "169.254.169.254 is a link-local address"),
                                              ("loopback", "127.0.0.2 is a loopback address"),
                                              ("ipv6", "::1 is a loopback address"),
                                              ("private", "10.0.0.1 is a private address")])
def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
        site: Site, target: str, kind: str, no_connections: list[tuple[str, int]]) -> None:
    # the test server itself is trusted by address: everything else keeps the default refusal
    options = replace(QUICK, allow_private=False, trusted_addresses=frozenset({"127.0.0.1"}))
    with Fetcher(options) as fetcher:
        error = failed(fetcher.fetch(site.url(f"/to/{target}")))
    assert error.stage == "guard" and kind in error.reason
    assert site.hits == ["/robots.txt", f"/to/{target}"]
    assert {host for host, _ in no_connections} == {"127.0.0.1"}


@pytest.mark.parametrize(("address", "refused"), [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"), ("100.64.0.1", "not a public"), ("::1", "loopback"), ("fe80::1", "link-local"),
    ("fc00::1", "private"), ("ff02::1", "multicast"), ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"), ("2002:7f00:1::", "loopback"),
    ("93.184.216.34", None), ("2606:4700:4700::1111", None), ("::ffff:93.184.216.34", None),
])
def test_the_address_policy(address: str, refused: str | None) -> None:
    reason = why_refused(ipaddress.ip_address(address))
    assert (reason is None) if refused is None else (reason is not None and refused in reason)


# -- pacing ----------------------------------------------------------------------------------------


def test_requests_to_one_host_are_spaced_by_the_host_delay(site: Site) -> None:
    with Fetcher(replace(QUICK, host_delay=0.3)) as fetcher:
        for _ in range(3):
            assert isinstance(fetcher.fetch(site.url("/page")), Page)
    starts = site.times["/robots.txt"] + site.times["/page"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # Seen by the server, one arrival can be handled late on a busy machine, shortening the next gap:
    # the whole span shows the delay kept, and no gap comes near the few ms of an unpaced fetcher.
    assert len(gaps) == 3 and starts[-1] - starts[0] > 3 * 0.3 - 0.1 and min(gaps) > 0.15, gaps


def test_fetch_many_keeps_to_the_per_host_concurrency_limit(site: Site) -> None:
    urls = [site.url(f"/slow/{n}") for n in range(6)]
    with Fetcher(replace(QUICK, host_concurrency=2, workers=6)) as fetcher:
        results = dict(fetcher.fetch_many(urls))
    assert sorted(results) == sorted(urls)
    assert all(isinstance(outcome, Page) for outcome in results.values())
    assert site.most_active == 2


def test_the_options_come_from_the_settings() -> None:
    settings = Settings(fetch_total_timeout=7.5, fetch_max_redirects=4, allow_private=True,
                        max_input_bytes=999)
    options = FetchOptions.from_settings(settings, user_agent="custom/2.0")
    assert (options.total_timeout, options.max_redirects, options.allow_private) == (7.5, 4, True)
    assert (options.max_bytes, options.user_agent, options.host_delay) == (999, "custom/2.0", 1.0)
