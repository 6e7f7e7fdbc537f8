"""Sitemaps: urlsets, sitemap indexes (followed recursively up to a depth), gzipped sitemaps, plain-text
sitemaps and Google News sitemaps (their title and publication date kept), all after the safe-XML check.

Documents are got through a callable the caller passes (`Fetcher.fetch`, or a dictionary lookup in
tests), parsed as a stream (elements are dropped as soon as they are read) and capped at `max_urls`.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

from newsdesk.article import Page
from newsdesk.errors import InputError
from newsdesk.settings import Settings
from newsdesk.sources.safexml import refuse_unsafe_xml
from newsdesk.sources.urls import why_malformed

Get = Callable[[str], Any]  # url -> Page, or an InputError / anything else when there is nothing to read


@dataclass
class SitemapEntry:
    url: str
    sitemap: str  # the sitemap that listed it
    lastmod: datetime | None = None
    title: str | None = None  # news:title
    published: datetime | None = None  # news:publication_date


@dataclass
class SitemapCounts:
    sitemaps: int = 0
    urls: int = 0
    failed: int = 0


class SitemapReader:
    """`for item in SitemapReader(get).read(url)` yields `SitemapEntry | InputError`."""

    def __init__(self, get: Get, *, max_depth: int | None = None, max_urls: int | None = None,
                 max_bytes: int | None = None, max_sitemaps: int | None = None,
                 settings: Settings | None = None) -> None:
        settings = settings or Settings()
        self.get = get
        self.max_depth = settings.sitemap_max_depth if max_depth is None else max_depth
        self.max_urls = max_urls or settings.sitemap_max_urls
        self.max_bytes = max_bytes or settings.max_input_bytes
        self.max_sitemaps = max_sitemaps or settings.sitemap_max_sitemaps
        self.counts = SitemapCounts()

    def read(self, url: str) -> Iterator[SitemapEntry | InputError]:
        """Entries, breadth first; every document fetched (indexes too, failed ones too) counts against
        `max_sitemaps`, and no more sitemaps are queued than that budget can still fetch."""
        seen = {url}
        pending = deque([(url, 0)])
        fetched = dropped = 0
        while pending:
            if fetched >= self.max_sitemaps:
                dropped += len(pending)
                break
            sitemap, depth = pending.popleft()
            fetched += 1
            for item in self._one(sitemap):
                if isinstance(item, SitemapEntry):
                    if self.counts.urls >= self.max_urls:
                        yield InputError(f"stopped at the {self.max_urls:,}-URL cap (sitemap_max_urls)",
                                         source=sitemap, stage="sitemap")
                        return
                    self.counts.urls += 1
                    yield item
                elif isinstance(item, str):  # a sitemap listed by an index
                    if item in seen:
                        continue
                    seen.add(item)
                    if depth + 1 > self.max_depth:
                        self.counts.failed += 1
                        yield InputError(f"not read: sitemap indexes nested deeper than {self.max_depth} "
                                         "(sitemap_max_depth)", source=item, stage="sitemap")
                    elif fetched + len(pending) >= self.max_sitemaps:
                        dropped += 1  # the budget could never fetch it: not kept in memory either
                    else:
                        pending.append((item, depth + 1))
                else:
                    self.counts.failed += 1
                    yield item
        if dropped:
            self.counts.failed += 1
            yield InputError(f"{dropped:,} listed sitemaps not read: {self.max_sitemaps:,} sitemap documents "
                             "is the budget of one run (sitemap_max_sitemaps)", source=url, stage="sitemap")

    def _one(self, url: str) -> Iterator[SitemapEntry | str | InputError]:
        got = self.get(url)
        if isinstance(got, InputError):
            yield got
            return
        if not isinstance(got, Page):
            return  # e.g. NotModified: nothing new
        self.counts.sitemaps += 1
        data = got.content.encode("utf-8") if isinstance(got.content, str) else got.content
        try:
            if data[:2] == b"\x1f\x8b":
                data = _gunzip(data, self.max_bytes, url)
            if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                yield from _text_sitemap(data, url)
                return
            refuse_unsafe_xml(data, url)
            yield from _xml_sitemap(io.BytesIO(data), url)
        except InputError as error:
            yield error
        except Exception as error:  # a parser's bug on one hostile sitemap must not end the run
            yield InputError(f"not a sitemap (internal error: {type(error).__name__}: {error})", source=url,
                             stage="sitemap")


def _gunzip(data: bytes, limit: int, url: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"corrupt gzip sitemap ({error})", source=url, stage="sitemap") from None
    if len(out) > limit:
        raise InputError(f"expands to more than the {limit:,}-byte input limit", source=url, stage="sitemap")
    return out


def _text_sitemap(data: bytes, url: str) -> Iterator[SitemapEntry | InputError]:
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith(("http://", "https://")):
            malformed = why_malformed(line)
            if malformed:
                yield InputError(malformed, source=line[:2000], stage="url")
            else:
                yield SitemapEntry(url=line, sitemap=url)


def _xml_sitemap(stream: BinaryIO, url: str) -> Iterator[SitemapEntry | str | InputError]:
    from defusedxml.ElementTree import iterparse

    fields: dict[str, str] = {}
    kind = None
    root: Any = None
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True,
                                        forbid_entities=True, forbid_external=True):
            name = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if kind is None:
                    kind, root = name, element
                    if name not in {"urlset", "sitemapindex"}:
                        yield InputError(f"not a sitemap (root element <{name}>)", source=url,
                                         stage="sitemap")
                        return
                if name in {"url", "sitemap"}:
                    fields = {}
                continue
            if name in {"url", "sitemap"}:
                location = fields.get("loc", "").strip()
                malformed = why_malformed(location) if location else None
                if malformed:
                    yield InputError(malformed, source=location[:2000], stage="url")
                elif location and name == "sitemap":
                    yield location
                elif location:
                    yield SitemapEntry(url=location, sitemap=url, lastmod=_date(fields.get("lastmod")),
                                       title=fields.get("title") or None,
                                       published=_date(fields.get("publication_date")))
                root.clear()  # constant memory: nothing read is kept
            elif name in {"loc", "lastmod", "title", "publication_date"} and element.text:
                fields[name] = element.text.strip()
    except ParseError as error:
        yield InputError(f"malformed sitemap XML ({error})", source=url, stage="sitemap")


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
