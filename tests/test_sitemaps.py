"""Sitemaps written here: urlsets, nested indexes, gzip, Google News; limits on depth, count and size."""

from __future__ import annotations

import functools
import gzip
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from newsdesk.article import Page
from newsdesk.errors import FetchError, InputError, UnsafeXMLError
from newsdesk.sources.feeds import Feed, read_feed
from newsdesk.sources.sitemaps import SitemapEntry, SitemapReader
from newsdesk.sources.web import Fetcher, FetchOptions

pytestmark = pytest.mark.timeout(30)

SITE = "https://news.example"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(*paths: str, lastmod: str | None = None) -> bytes:
    stamp = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    urls = "".join(f"<url><loc>{SITE}{path}</loc>{stamp}</url>" for path in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>{urls}</urlset>'.encode()


def index(*locations: str) -> bytes:
    maps = "".join(f"<sitemap><loc>{location}</loc></sitemap>" for location in locations)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {NS}>{maps}</sitemapindex>'.encode()


class Documents(dict[str, bytes]):
    """A tiny web: the getter answers a Page for a known URL and a FetchError (404) otherwise."""

    def __init__(self, **documents: bytes) -> None:
        super().__init__({f"{SITE}/{name.replace('_', '-').replace('--', '.')}": data
                          for name, data in documents.items()})
        self.asked: list[str] = []

    def get(self, url: str) -> Page | FetchError:
        self.asked.append(url)
        if url not in self:
            return FetchError("HTTP 404", source=url, status=404)
        return Page(source=url, url=url, content=self[url])


def read(documents: Documents, start: str, **limits: int) -> tuple[list[SitemapEntry], list[InputError],
                                                                  SitemapReader]:
    reader = SitemapReader(documents.get, **limits)
    items = list(reader.read(f"{SITE}/{start}"))
    return ([item for item in items if isinstance(item, SitemapEntry)],
            [item for item in items if isinstance(item, InputError)], reader)


def test_a_urlset_gives_its_urls_and_lastmod() -> None:
    documents = Documents(sitemap__xml=urlset("/a", "/b", lastmod="2024-03-01T10:00:00+00:00"))
    entries, errors, _ = read(documents, "sitemap.xml")
    assert errors == []
    assert [entry.url for entry in entries] == [f"{SITE}/a", f"{SITE}/b"]
    assert entries[0].lastmod == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert entries[0].sitemap == f"{SITE}/sitemap.xml"


def test_an_index_is_followed_into_plain_and_gzipped_sitemaps() -> None:
    documents = Documents(index__xml=index(f"{SITE}/one.xml", f"{SITE}/two.xml.gz"),
                          one__xml=urlset("/a", lastmod="2024-03-01"),
                          two__xml__gz=gzip.compress(urlset("/b", "/c")))
    entries, errors, reader = read(documents, "index.xml")
    assert errors == []
    assert [entry.url for entry in entries] == [f"{SITE}/a", f"{SITE}/b", f"{SITE}/c"]
    assert entries[0].lastmod == datetime(2024, 3, 1, tzinfo=UTC)
    assert (reader.counts.sitemaps, reader.counts.urls) == (3, 3)


def test_google_news_sitemaps_give_title_and_publication_date() -> None:
    news = f"""<?xml version="1.0" encoding="UTF-8"?>
    <urlset {NS} {NEWS_NS}><url><loc>{SITE}/budget</loc>
      <news:news><news:publication><news:name>The Gazette</news:name><news:language>en</news:language>
      </news:publication><news:publication_date>2024-03-01T10:00:00Z</news:publication_date>
      <news:title>Council approves budget</news:title></news:news></url></urlset>""".encode()
    [entry], errors, _ = read(Documents(news__xml=news), "news.xml")
    assert errors == []
    assert entry.title == "Council approves budget"
    assert entry.published == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_nesting_past_the_depth_limit_is_reported_not_read() -> None:
    documents = Documents(level0__xml=index(f"{SITE}/level1.xml"), level1__xml=index(f"{SITE}/level2.xml"),
                          level2__xml=index(f"{SITE}/level3.xml"), level3__xml=urlset("/deep"))
    entries, errors, _ = read(documents, "level0.xml", max_depth=2)
    assert entries == []
    [error] = errors
    assert error.source == f"{SITE}/level3.xml" and "nested deeper than 2" in error.reason
    assert f"{SITE}/level3.xml" not in documents.asked
    entries, errors, _ = read(documents, "level0.xml", max_depth=3)
    assert [entry.url for entry in entries] == [f"{SITE}/deep"] and errors == []


def test_an_index_that_lists_itself_is_read_once() -> None:
    documents = Documents(loop__xml=index(f"{SITE}/loop.xml", f"{SITE}/pages.xml"), pages__xml=urlset("/a"))
    entries, errors, _ = read(documents, "loop.xml")
    assert [entry.url for entry in entries] == [f"{SITE}/a"] and errors == []
    assert documents.asked.count(f"{SITE}/loop.xml") == 1


def test_the_url_cap_stops_the_stream_with_a_note() -> None:
    documents = Documents(big__xml=urlset(*[f"/{n}" for n in range(10)]))
    entries, errors, _ = read(documents, "big.xml", max_urls=4)
    assert len(entries) == 4
    [error] = errors
    assert "4-URL cap" in error.reason


def test_a_missing_child_sitemap_is_reported_and_the_rest_read() -> None:
    documents = Documents(index__xml=index(f"{SITE}/gone.xml", f"{SITE}/pages.xml"), pages__xml=urlset("/a"))
    entries, errors, reader = read(documents, "index.xml")
    assert [entry.url for entry in entries] == [f"{SITE}/a"]
    [error] = errors
    assert isinstance(error, FetchError) and error.status == 404 and reader.counts.failed == 1


def test_a_plain_text_sitemap_is_a_list_of_urls() -> None:
    documents = Documents(sitemap__txt=f"{SITE}/a\n\n{SITE}/b\nnot a url\n".encode())
    entries, errors, _ = read(documents, "sitemap.txt")
    assert [entry.url for entry in entries] == [f"{SITE}/a", f"{SITE}/b"] and errors == []


@pytest.mark.parametrize("document", [
    b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    b'<urlset><url><loc>&b;</loc></url></urlset>',
    b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY s SYSTEM "file:///etc/passwd">]>'
    b'<urlset><url><loc>&s;</loc></url></urlset>',
], ids=["entity-bomb", "external-entity"])
def test_sitemaps_with_dtds_are_refused(document: bytes) -> None:
    entries, errors, _ = read(Documents(evil__xml=document), "evil.xml")
    assert entries == []
    [error] = errors
    assert isinstance(error, UnsafeXMLError) and "root:" not in str(error)


def test_a_gzip_bomb_stops_at_the_size_limit() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (64 * 1024 * 1024) + b"</urlset>")
    entries, errors, _ = read(Documents(bomb__xml__gz=bomb), "bomb.xml.gz", max_bytes=1024 * 1024)
    assert entries == []
    [error] = errors
    assert "expands to more than the 1,048,576-byte input limit" in error.reason


@pytest.mark.parametrize("document", [b"<html><body>no</body></html>", b"<urlset><url><loc>x</urlset>"])
def test_what_is_not_a_sitemap_is_an_input_error(document: bytes) -> None:
    entries, errors, _ = read(Documents(odd__xml=document), "odd.xml")
    assert entries == [] and len(errors) == 1


# -- through the real fetcher, from a local server -------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """tmp_path served over HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(Quiet, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_sitemaps_and_feeds_through_the_fetcher(served: str, tmp_path: Path) -> None:
    (tmp_path / "sitemap_index.xml").write_bytes(index(f"{served}/pages.xml.gz"))
    (tmp_path / "pages.xml.gz").write_bytes(gzip.compress(urlset("/a", "/b")))
    (tmp_path / "feed.xml").write_bytes(b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                                        b"<item><link>/story</link></item></channel></rss>")
    options = FetchOptions(host_delay=0, allow_private=True, total_timeout=5)
    with Fetcher(options) as fetcher:
        reader = SitemapReader(fetcher.fetch)
        urls = [item.url for item in reader.read(f"{served}/sitemap_index.xml")
                if isinstance(item, SitemapEntry)]
        page = fetcher.fetch(f"{served}/feed.xml")
    assert urls == [f"{SITE}/a", f"{SITE}/b"]
    assert isinstance(page, Page)
    feed = read_feed(page)
    assert isinstance(feed, Feed) and [entry.url for entry in feed.entries] == [f"{served}/story"]
