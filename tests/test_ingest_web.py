"""Ingest from the web, against a real HTTP server on loopback: a page, a feed, a sitemap, `update`,
and the refusal of private addresses without --allow-private."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from conftest import PARAGRAPHS, article_html
from loopback import LoopbackServer
from newsdesk.pipeline import Ingester
from newsdesk.settings import Settings
from newsdesk.store import SearchRequest, Store


@dataclass
class Site:
    """What the server answers: path -> (content type, body); every request is logged."""

    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base: str = ""

    def add_article(self, number: int) -> str:
        path = f"/news/{number}"
        paragraphs = [f"Dispatch {number}: {paragraph}" for paragraph in PARAGRAPHS]
        self.pages[path] = ("text/html; charset=utf-8",
                            article_html(title=f"Loopback story {number}", paragraphs=paragraphs).encode())
        return self.base + path

    def feed(self, numbers: list[int]) -> None:
        items = "".join(f"<item><title>Loopback story {n}</title><link>{self.base}/news/{n}</link>"
                        f"<pubDate>Tue, 01 Oct 2024 0{n % 10}:00:00 GMT</pubDate></item>" for n in numbers)
        self.pages["/feed.xml"] = ("application/rss+xml", (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback News</title>'
            f"<link>{self.base}/</link>{items}</channel></rss>").encode())


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        site.requests.append(self.path)
        hostile = getattr(self, "hostile_" + self.path.strip("/").replace("-", "_"), None)
        if hostile is not None:
            hostile()
            return
        if self.path not in site.pages:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        kind, body = site.pages[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


    # Hostile answers, each bounded in time and size so the tests stop by themselves.
    def hostile_error(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def hostile_loop(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/loop")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def hostile_to_private(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def hostile_hang(self) -> None:
        time.sleep(4)

    def hostile_drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(8):
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(0.5)

    def hostile_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        chunk = b"<p>" + b"x" * 65_533
        with contextlib.suppress(OSError):
            for _ in range(16 * 1024):  # up to 1 GiB, unless the client hangs up first
                self.wfile.write(chunk)

    def hostile_bomb_xml(self) -> None:
        levels = [b'<!ENTITY lol1 "' + b"&lol;" * 10 + b'">']
        levels += [b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(2, 10)]
        bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(levels)
                + b']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>')
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(bomb)))
        self.end_headers()
        self.wfile.write(bomb)

    def hostile_external_xml(self) -> None:
        feed = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<rss version="2.0"><channel><title>&x;</title></channel></rss>')
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(feed)))
        self.end_headers()
        self.wfile.write(feed)


class Server(LoopbackServer):
    handler = Handler



@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    server = Server(site)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    site.pages["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow: /private/\n")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


FAST = Settings(allow_private=True, fetch_host_delay=0.0, fetch_backoff=0.01)


def titles(store: Store) -> list[str]:
    return sorted(stored.article.title or "" for stored in store.iter_articles(SearchRequest()))


def test_an_article_url_is_fetched_extracted_and_stored(store: Store, site: Site) -> None:
    url = site.add_article(1)
    counts = Ingester(store, FAST).run([url])
    assert (counts.fetched, counts.stored, counts.failed) == (1, 1, 0)
    stored = store.get(url)
    assert stored is not None and stored.article.title == "Loopback story 1"


def test_a_feed_brings_its_entries_and_update_fetches_only_new_ones(store: Store, site: Site) -> None:
    for number in (1, 2, 3):
        site.add_article(number)
    site.feed([1, 2, 3])
    counts = Ingester(store, FAST).run([site.base + "/feed.xml"])
    assert counts.stored == 3
    assert titles(store) == ["Loopback story 1", "Loopback story 2", "Loopback story 3"]
    assert [feed.url for feed in store.feeds()] == [site.base + "/feed.xml"]

    site.add_article(4)
    site.feed([1, 2, 3, 4])
    site.requests.clear()
    again = Ingester(store, FAST).update()
    assert again.stored == 1
    assert "/news/4" in site.requests
    assert not {"/news/1", "/news/2", "/news/3"} & set(site.requests)
    assert titles(store)[-1] == "Loopback story 4"


def test_a_sitemap_brings_its_pages_robots_txt_is_obeyed(store: Store, site: Site) -> None:
    site.add_article(7)
    site.pages["/private/secret"] = site.pages["/news/7"]
    urls = "".join(f"<url><loc>{site.base}{path}</loc></url>" for path in ("/news/7", "/private/secret"))
    site.pages["/sitemap.xml"] = ("application/xml", (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>").encode())
    counts = Ingester(store, FAST).run([site.base + "/sitemap.xml"])
    assert counts.stored == 1
    assert "/private/secret" not in site.requests
    assert any("robots" in error.reason for error in store.errors())


def test_loopback_is_refused_without_allow_private(store: Store, site: Site) -> None:
    url = site.add_article(9)
    counts = Ingester(store, Settings(fetch_host_delay=0.0)).run([url, "http://169.254.169.254/latest/"])
    assert counts.stored == 0 and counts.failed == 2
    assert site.requests == []
    reasons = " ".join(error.reason for error in store.errors())
    assert "private" in reasons or "loopback" in reasons or "refused" in reasons


BOUNDED = Settings(allow_private=True, fetch_host_delay=0.0, fetch_backoff=0.05, fetch_attempts=2,
                   fetch_read_timeout=1.0, fetch_total_timeout=3.0, max_input_bytes=2 * 1024 * 1024,
                   fetch_host_concurrency=8)


@pytest.mark.timeout(60)
def test_hostile_servers_are_bounded_and_reported_and_the_run_goes_on(store: Store, site: Site) -> None:
    good = site.add_article(5)
    hostile = [site.base + path for path in ("/error", "/loop", "/to-private", "/hang", "/drip", "/huge")]
    started = time.monotonic()
    counts = Ingester(store, BOUNDED).run([*hostile, good])
    assert time.monotonic() - started < 40
    assert counts.stored == 1
    assert store.get(good) is not None
    failed = {error.source: error.reason for error in store.errors()}
    assert set(failed) == set(hostile)
    assert "169.254.169.254" not in " ".join(site.requests)


def test_entity_bombs_and_external_entities_in_feeds_are_refused(store: Store, site: Site) -> None:
    counts = Ingester(store, FAST).run([site.base + "/bomb-xml", site.base + "/external-xml"])
    assert counts.stored == 0 and counts.failed == 2
    reasons = [error.reason for error in store.errors()]
    assert all("DTD" in reason or "entit" in reason.lower() for reason in reasons), reasons
    assert all("lol" not in reason and "root:" not in reason for reason in reasons)
