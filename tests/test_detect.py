"""Choosing the source from what the user typed, and telling feeds, sitemaps, HTML and text apart."""

from __future__ import annotations

import gzip

import pytest

from conftest import article_html
from newsdesk.article import Page
from newsdesk.sources.detect import Kind, classify, looks_like_html, sniff


@pytest.mark.parametrize(("source", "kind"), [
    ("pages/", Kind.FILES), ("pages/*.html", Kind.FILES), ("story.html", Kind.FILES),
    ("notes.txt", Kind.FILES),
    ("-", Kind.FILES), ("crawl.warc", Kind.WARC), ("CRAWL.WARC.GZ", Kind.WARC), ("cc.warc.wet.gz", Kind.WARC),
    ("cc.wet", Kind.WARC), ("old.arc", Kind.WARC), ("https://news.example/feed.xml", Kind.URL),
    ("http://news.example/", Kind.URL),
])
def test_classify(source: str, kind: Kind) -> None:
    assert classify(source) is kind


RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
ATOM = b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title></feed>'
RDF = b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>'
JSON_FEED = b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": []}'
URLSET = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
INDEX = b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'


@pytest.mark.parametrize(("content", "content_type", "expected"), [
    (RSS, "application/rss+xml", "feed"),
    (RSS, "text/xml", "feed"),
    (RSS, "text/html", "html"),  # a server that says HTML is believed: feeds are not sent as text/html
    (ATOM, "application/xml", "feed"),
    (ATOM, None, "feed"),
    (RDF, "application/rdf+xml", "feed"),
    (JSON_FEED, "application/feed+json", "feed"),
    (JSON_FEED, "application/json", "feed"),
    (URLSET, "application/xml", "sitemap"),
    (INDEX, "text/xml; charset=utf-8", "sitemap"),
    (gzip.compress(URLSET, mtime=0), "application/x-gzip", "sitemap"),
    (article_html().encode(), "text/html; charset=utf-8", "html"),
    (article_html().encode(), None, "html"),
    (article_html().encode(), "application/octet-stream", "html"),
    (b"Just some words, no markup at all.", "text/plain", "text"),
    (b"Just some words.", None, "text"),
    (b'{"not": "a feed"}', "application/json", "text"),
])
def test_sniff(content: bytes, content_type: str | None, expected: str) -> None:
    assert sniff(Page(source="test", content=content, content_type=content_type)) == expected


def test_html_is_recognised_after_a_bom_comments_and_whitespace() -> None:
    assert looks_like_html(b"\xef\xbb\xbf  <!-- generated -->\n<!DOCTYPE html><html>")
    assert looks_like_html(b"<HTML><BODY>")
    assert not looks_like_html(b"%PDF-1.7")
    assert not looks_like_html(b"<?xml version='1.0'?><rss/>")
