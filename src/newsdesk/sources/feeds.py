"""Feeds: RSS 0.9x/1.0/2.0 and Atom (feedparser, after the safe-XML check) and JSON Feed (json).

A feed becomes its metadata (title, link, updated, and the validators to re-poll it conditionally) and
its entries (url, title, published, summary): the URLs to fetch next.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from newsdesk.article import Page
from newsdesk.errors import InputError
from newsdesk.sources.safexml import refuse_unsafe_xml


@dataclass
class FeedEntry:
    url: str
    title: str | None = None
    published: datetime | None = None
    summary: str | None = None
    id: str | None = None


@dataclass
class Feed:
    """A parsed feed. `etag`/`last_modified` come from the response that carried it, for re-polling."""

    url: str | None
    format: str  # feedparser's name of it (rss20, rss10, rss091u, atom10, ...) or json1
    title: str | None = None
    link: str | None = None
    updated: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)


def read_feed(page: Page) -> Feed | InputError:
    """The feed a fetched page holds, or the InputError (an UnsafeXMLError for DTDs) saying why not."""
    try:
        feed = parse_feed(page.content, url=page.url or page.source)
    except InputError as error:
        error.source = error.source or page.url or page.source
        return error
    except Exception as error:  # a parser's bug on one hostile feed must not end the run
        return InputError(f"not a feed (internal error: {type(error).__name__}: {error})",
                          source=page.url or page.source, stage="parse")
    feed.etag = page.headers.get("etag")
    feed.last_modified = page.headers.get("last-modified")
    return feed


def parse_feed(content: bytes | str, *, url: str | None = None) -> Feed:
    """Parse RSS, Atom or JSON Feed. Raises UnsafeXMLError for DTDs/entities, InputError otherwise."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _json_feed(data, url)
    refuse_unsafe_xml(data, url)
    import feedparser

    parsed = feedparser.parse(data, response_headers={"content-location": url or ""},
                              resolve_relative_uris=True, sanitize_html=True)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise InputError(f"not a feed ({reason})", source=url, stage="parse")
    meta = parsed.feed
    feed = Feed(url=url, format=parsed.version, title=meta.get("title"), link=meta.get("link"),
                updated=_struct_time(meta.get("updated_parsed") or meta.get("published_parsed")))
    for item in parsed.entries:
        link = item.get("link") or _first_link(item) or (item.get("id") if _is_url(item.get("id")) else None)
        if not link:
            continue
        feed.entries.append(FeedEntry(
            url=urljoin(url or "", link), title=item.get("title"),
            published=_struct_time(item.get("published_parsed") or item.get("updated_parsed")),
            summary=item.get("summary"), id=item.get("id")))
    return feed


def _json_feed(data: bytes, url: str | None) -> Feed:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise InputError(f"not a JSON feed ({error})", source=url, stage="parse") from None
    if not isinstance(document, dict) or "jsonfeed.org/version" not in str(document.get("version", "")):
        raise InputError("not a JSON feed (no jsonfeed.org version)", source=url, stage="parse")
    base = url or document.get("feed_url") or ""
    feed = Feed(url=url, format="json" + str(document["version"]).rsplit("/", 1)[-1].replace(".", ""),
                title=_text(document.get("title")), link=_text(document.get("home_page_url")))
    items = document.get("items")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        link = _text(item.get("url")) or _text(item.get("external_url"))
        if not link:
            continue
        feed.entries.append(FeedEntry(
            url=urljoin(base, link), title=_text(item.get("title")),
            published=_iso(item.get("date_published") or item.get("date_modified")),
            summary=_text(item.get("summary")) or _text(item.get("content_text")), id=_text(item.get("id"))))
    feed.updated = max((e.published for e in feed.entries if e.published), default=None)
    return feed


def _first_link(item: Any) -> str | None:
    for link in item.get("links") or []:
        if link.get("href") and link.get("rel", "alternate") == "alternate":
            return str(link["href"])
    return None


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value).strip() else None


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
