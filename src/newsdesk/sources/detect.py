"""What kind of source the user named (`classify`), and what kind of document a fetched page is (`sniff`)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from newsdesk.article import Page


class Kind(StrEnum):
    FILES = "files"
    WARC = "warc"
    URL = "url"


ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".arc", ".arc.gz", ".warc.lz4", ".warc.zst",
                    ".wet.lz4", ".wet.zst")
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"}
_XML_TYPES = {"application/xml", "text/xml"}
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.DOTALL)
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|RDF)\b")
_SITEMAP_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:urlset|sitemapindex)\b")
_ELEMENT = re.compile(rb"<[A-Za-z]")
_SNIFF_BYTES = 4096

Sniffed = Literal["feed", "sitemap", "html", "text"]


def classify(source: str) -> Kind:
    """Files (a folder, a glob, a page file, `-`), a web archive, or a URL to fetch."""
    lowered = source.strip().lower()
    if lowered.startswith(("http://", "https://")):
        return Kind.URL
    if lowered.endswith(ARCHIVE_SUFFIXES):
        return Kind.WARC
    return Kind.FILES


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def is_html_type(content_type: str | None) -> bool:
    return media_type(content_type) in _HTML_TYPES


def looks_like_html(data: bytes) -> bool:
    """True when the first bytes start an HTML document (a doctype or an html/head/body tag)."""
    return bool(_HTML_START.match(data[:_SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf")))


def sniff(page: Page) -> Sniffed:
    """What a fetched page is, from its Content-Type and its first bytes (types are often wrong)."""
    content = page.content
    head = (content.encode("utf-8", "replace") if isinstance(content, str) else content)[:_SNIFF_BYTES]
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    kind = media_type(page.content_type)
    if kind == "application/feed+json" or (head.startswith(b"{") and b"jsonfeed.org/version" in head):
        return "feed"
    if kind == "application/x-gzip" or kind == "application/gzip" or head.startswith(b"\x1f\x8b"):
        return "sitemap"  # a gzipped document on the web is a sitemap in practice; sitemaps checks it
    if kind in _HTML_TYPES or looks_like_html(head):
        return "html"
    if kind in _FEED_TYPES or kind in _XML_TYPES or head.startswith(b"<?xml") or kind.endswith("+xml"):
        if _SITEMAP_ROOT.search(head):
            return "sitemap"
        if _FEED_ROOT.search(head) or kind in _FEED_TYPES:
            return "feed"
    if kind == "text/plain" or not _ELEMENT.search(head):
        return "text"
    return "html"
