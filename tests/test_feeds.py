"""Feeds written here in every format, and hostile ones: entity bombs and external entities are refused."""

from __future__ import annotations

import json
import time
import tracemalloc
from datetime import UTC, datetime
from typing import Any

import pytest

from newsdesk.article import Page
from newsdesk.errors import InputError, UnsafeXMLError
from newsdesk.sources.feeds import Feed, parse_feed, read_feed

pytestmark = pytest.mark.timeout(30)

FEED_URL = "https://news.example/feed"
MARCH_1 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>The Gazette</title><link>https://news.example/</link>
  <lastBuildDate>Fri, 01 Mar 2024 12:00:00 GMT</lastBuildDate>
  <item><title>Council approves budget</title><link>/2024/budget</link>
    <pubDate>Fri, 01 Mar 2024 10:00:00 GMT</pubDate><description>Schools &amp; roads</description>
    <guid isPermaLink="false">budget-1</guid></item>
  <item><title>No link here</title><description>skipped: nothing to fetch</description></item>
  <item><title>Second story</title><link>https://news.example/2024/second</link></item>
</channel></rss>"""

RSS091 = b"""<?xml version="1.0"?>
<rss version="0.91"><channel><title>The Gazette</title><link>https://news.example/</link>
<description>d</description><language>en</language>
<item><title>Council approves budget</title><link>https://news.example/2024/budget</link></item>
</channel></rss>"""

RSS10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example/"><title>The Gazette</title><link>https://news.example/</link></channel>
  <item rdf:about="https://news.example/2024/budget"><title>Council approves budget</title>
    <link>https://news.example/2024/budget</link><dc:date>2024-03-01T10:00:00Z</dc:date></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>The Gazette</title><link href="https://news.example/"/><updated>2024-03-01T12:00:00Z</updated>
  <id>urn:gazette</id>
  <entry><title>Council approves budget</title><link rel="alternate" href="https://news.example/2024/budget"/>
    <id>urn:budget</id><published>2024-03-01T10:00:00Z</published><updated>2024-03-01T11:00:00Z</updated>
    <summary>Schools &amp; roads</summary></entry>
</feed>"""

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "The Gazette",
    "home_page_url": "https://news.example/", "feed_url": FEED_URL,
    "items": [{"id": "budget-1", "url": "/2024/budget", "title": "Council approves budget",
               "date_published": "2024-03-01T10:00:00Z", "summary": "Schools & roads"},
              {"id": "no-url", "content_text": "skipped: nothing to fetch"},
              {"id": "2", "external_url": "https://news.example/2024/second", "title": "Second story"}],
}).encode()


@pytest.mark.parametrize(("document", "format"), [(RSS20, "rss20"), (RSS091, "rss091u"), (RSS10, "rss10"),
                                                  (ATOM, "atom10"), (JSON_FEED, "json11")])
def test_every_format_gives_the_same_metadata_and_entry(document: bytes, format: str) -> None:
    feed = parse_feed(document, url=FEED_URL)
    assert (feed.format, feed.title, feed.link) == (format, "The Gazette", "https://news.example/")
    first = feed.entries[0]
    assert (first.url, first.title) == ("https://news.example/2024/budget", "Council approves budget")
    if format not in {"rss091u"}:
        assert first.published == MARCH_1
    if format in {"rss20", "atom10", "json11"}:
        assert first.summary == "Schools & roads"


@pytest.mark.parametrize("document", [RSS20, JSON_FEED])
def test_entries_without_a_url_are_left_out_and_relative_urls_resolved(document: bytes) -> None:
    feed = parse_feed(document, url=FEED_URL)
    assert [entry.url for entry in feed.entries] == ["https://news.example/2024/budget",
                                                     "https://news.example/2024/second"]


def test_a_fetched_feed_keeps_its_validators_for_the_next_poll() -> None:
    page = Page(source=FEED_URL, url=FEED_URL, content=ATOM, content_type="application/atom+xml",
                headers={"etag": '"abc"', "last-modified": "Fri, 01 Mar 2024 12:00:00 GMT"})
    feed = read_feed(page)
    assert isinstance(feed, Feed)
    assert (feed.etag, feed.last_modified) == ('"abc"', "Fri, 01 Mar 2024 12:00:00 GMT")
    assert feed.updated == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def test_real_world_sloppiness_is_tolerated() -> None:
    sloppy = RSS20.replace(b"Second story", b"Second&nbsp;story & more")  # not well-formed XML
    feed = parse_feed(sloppy, url=FEED_URL)
    assert len(feed.entries) == 2 and feed.entries[1].title is not None


@pytest.mark.parametrize("document", [b"<html><body><p>Not a feed</p></body></html>", b"just text",
                                      b'{"version": 1, "items": []}', b"{broken json"])
def test_what_is_not_a_feed_is_an_input_error(document: bytes) -> None:
    error = read_feed(Page(source=FEED_URL, url=FEED_URL, content=document))
    assert isinstance(error, InputError) and "not a" in error.reason and error.source == FEED_URL


# -- hostile feeds ---------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://news.example/a</link></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&secret;</title>
<item><title>&secret;</title><link>https://news.example/a</link></item></channel></rss>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">
<rss version="2.0"><channel><title>t</title></channel></rss>"""

# the DTD comes after a syntax error, so only the textual scan can see it
MALFORMED_WITH_ENTITY = b"""<rss version="2.0"><channel><title>a & b</title>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]><item><title>&secret;</title></item>"""


@pytest.fixture
def feedparser_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import feedparser

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an unsafe document reached feedparser")

    monkeypatch.setattr(feedparser, "parse", forbidden)


@pytest.mark.parametrize("document", [
    BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, MALFORMED_WITH_ENTITY,
    BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', "").encode("utf-16"),
], ids=["billion-laughs", "external-entity", "external-dtd", "malformed-with-entity", "utf-16-bomb"])
@pytest.mark.usefixtures("feedparser_never_called")
def test_dtds_and_entities_are_refused_and_nothing_is_expanded(document: bytes) -> None:
    tracemalloc.start()
    start = time.monotonic()
    try:
        outcome = read_feed(Page(source=FEED_URL, url=FEED_URL, content=document))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, UnsafeXMLError)
    assert outcome.reason.startswith("refused:") and "nothing was expanded" in outcome.reason
    assert outcome.source == FEED_URL and outcome.stage == "parse"
    assert "root:" not in str(outcome) and "lollol" not in str(outcome)
    assert peak < 2 * 1024 * 1024 and time.monotonic() - start < 1


def test_parse_feed_raises_the_refusal() -> None:
    with pytest.raises(UnsafeXMLError, match="DTD"):
        parse_feed(BILLION_LAUGHS)
