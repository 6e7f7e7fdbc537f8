"""The web source of ingest and update: a URL is fetched and, by what it turns out to be, extracted
as a page or read as a feed or sitemap whose entries are fetched in turn. `newsdesk update` re-polls
every feed and sitemap ingested before, conditionally, and fetches only entries not stored yet."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Protocol

from newsdesk.article import Page
from newsdesk.errors import InputError, NewsdeskError
from newsdesk.pipeline.loop import Failure, Item
from newsdesk.settings import Settings
from newsdesk.sources.detect import sniff
from newsdesk.sources.feeds import read_feed
from newsdesk.sources.sitemaps import SitemapReader
from newsdesk.sources.urls import why_malformed
from newsdesk.sources.web import Fetcher, FetchOptions, NotModified, Outcome, Validators
from newsdesk.store.base import RunState


class Counts(Protocol):
    """The counts of the run that the web half adds to (`newsdesk.pipeline.ingest.IngestCounts`)."""

    fetched: int
    unchanged: int
    skipped: int


class WebSource:
    """Fetches for one run, as a source of `Item`s; the Fetcher (and its robots.txt cache) is made on
    first use. What it keeps between runs (validators, feeds and sitemaps, which URLs are stored) goes
    through `state`, the store's run-state part; `fail` records a failure of the run, `notice` tells
    the user something."""

    def __init__(self, state: RunState, settings: Settings, counts: Counts, fail: Callable[[Failure], None],
                 notice: Callable[[str], None]) -> None:
        self.state, self.settings, self.counts = state, settings, counts
        self.fail, self.notice = fail, notice
        self._fetcher: Fetcher | None = None

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = Fetcher(FetchOptions.from_settings(self.settings))
        return self._fetcher

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()

    def process(self, items: list[Item]) -> None:
        """A keeping stage, after the store: keep the validators of the pages fetched once their batch
        is stored, so the next fetch of each URL is conditional."""
        for item in items:
            page = item.page
            if page is not None and page.url and item.checkpoint.startswith("url:"):
                self.state.save_fetch_state(page.url, page.headers.get("etag"),
                                            page.headers.get("last-modified"))

    # -- what the user named ---------------------------------------------------------------------------

    def url(self, url: str) -> Iterator[Item]:
        """A URL the user gave: fetched conditionally; a page, a feed or a sitemap."""
        malformed = why_malformed(url.strip())
        if malformed:
            self.fail(Failure(url, "url", malformed))
            return
        url = url.strip()
        state = self.state.fetch_state(url)
        validators = Validators(state.etag, state.last_modified) if state else None
        outcome = self.fetcher.fetch(url, validators)
        page = self._page(url, outcome)
        if page is None:
            return
        kind = sniff(page)
        if kind == "feed":
            yield from self._feed(url, page)
        elif kind == "sitemap":
            yield from self._sitemap(url, page)
        else:
            yield Item(page, f"url:{url}")

    def update(self) -> Iterator[Item]:
        """Every feed and sitemap ingested before, re-polled; only entries not stored yet are fetched."""
        for state in self.state.feeds():
            validators = Validators(state.etag, state.last_modified)
            page = self._page(state.url, self.fetcher.fetch(state.url, validators))
            if page is None:
                continue
            if state.kind == "sitemap":
                yield from self._sitemap(state.url, page)
            else:
                yield from self._feed(state.url, page)

    # -- the parts ---------------------------------------------------------------------------------------

    def _page(self, url: str, outcome: Outcome) -> Page | None:
        counts = self.counts
        if isinstance(outcome, NotModified):
            counts.unchanged += 1
            return None
        if isinstance(outcome, NewsdeskError):
            self.fail(Failure(url, outcome.stage or "fetch", outcome.reason))
            return None
        counts.fetched += 1
        return outcome

    def _feed(self, url: str, page: Page) -> Iterator[Item]:
        feed = read_feed(page)
        if isinstance(feed, InputError):
            self.fail(Failure(url, feed.stage or "feed", feed.reason))
            return
        info = {"title": feed.title, "link": feed.link, "format": feed.format}
        self.state.save_feed(url, "feed", None, None, info)  # remembered for `update` at once
        hints = {entry.url: _hints(entry.title, entry.published) for entry in feed.entries}
        if (yield from self._entries(url, [entry.url for entry in feed.entries], hints)):
            # Every entry was taken: the next poll may be conditional. Otherwise it must not be, or a
            # 304 would hide the entries left for it.
            self.state.save_feed(url, "feed", feed.etag, feed.last_modified, info)

    def _sitemap(self, url: str, page: Page) -> Iterator[Item]:
        def get(address: str) -> Outcome:
            return page if address == url else self.fetcher.fetch(address)

        reader = SitemapReader(get, settings=self.settings)
        urls: list[str] = []
        hints: dict[str, dict[str, str]] = {}
        for item in reader.read(url):
            if isinstance(item, InputError):
                self.fail(Failure(item.source or url, item.stage or "sitemap", item.reason))
                continue
            urls.append(item.url)
            hints[item.url] = _hints(item.title, item.published)
        self.state.save_feed(url, "sitemap", None, None, {"urls": len(urls)})
        if (yield from self._entries(url, urls, hints)):
            self.state.save_feed(url, "sitemap", page.headers.get("etag"),
                                          page.headers.get("last-modified"), {"urls": len(urls)})

    def _entries(self, listing: str, urls: Iterable[str],
                 hints: dict[str, dict[str, str]]) -> Generator[Item, None, bool]:
        """Fetch the entries of a feed or sitemap not stored yet, at most `feed_max_items` of them in
        this run (in the listing's order); True when none was left over for the next run."""
        budget = self.settings.feed_max_items
        fresh: list[str] = []
        left = 0
        for url in dict.fromkeys(urls):
            malformed = why_malformed(url)
            if malformed:
                self.fail(Failure(url, "url", malformed))  # one error row; the other entries go on
            elif self.state.is_done(f"url:{url}"):
                self.counts.skipped += 1
            elif len(fresh) >= budget:
                left += 1
            else:
                fresh.append(url)
        if left:
            self.notice(f"{listing}: {len(fresh):,} new entries fetched in this run, {left:,} left "
                        f"for the next run or `newsdesk update` (feed_max_items = {budget:,})")
        yield from self._fetch_entries(fresh, hints)
        return not left

    def _fetch_entries(self, fresh: list[str], hints: dict[str, dict[str, str]]) -> Iterator[Item]:
        for url, outcome in self.fetcher.fetch_many(fresh):
            page = self._page(url, outcome)
            if page is None:
                continue
            if sniff(page) not in ("html", "text"):
                self.counts.skipped += 1
                continue
            yield Item(page, f"url:{url}", hints.get(url, {}))


def _hints(title: str | None, published: object) -> dict[str, str]:
    hints = {}
    if title:
        hints["title"] = title
    if published is not None:
        hints["published"] = published.isoformat() if hasattr(published, "isoformat") else str(published)
    return hints

