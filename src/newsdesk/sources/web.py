"""Fetching URLs politely and safely: `Fetcher.fetch(url) -> Page | NotModified | FetchError`.

robots.txt is obeyed as RFC 9309 reads it (protego: `*` and `$` wildcards, the longest match wins;
cached per host; missing = allowed; a 5xx or unreachable robots.txt = nothing
allowed for `robots_error_wait` seconds), each host gets a delay between requests and a cap on parallel
ones, 429/5xx are retried with exponential backoff honouring Retry-After up to a bound, and every fetch
ends within `total_timeout` with at most `max_bytes` read. Redirects are followed here, hop by hop (at
most `max_redirects`, loops refused); private, loopback, link-local and other non-public addresses are
refused at connection time (see `guard.py`) unless `allow_private` is set. Nothing ever raises: every
failure is a `FetchError` with the URL, the stage, the reason and the HTTP status when there was one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from newsdesk.article import Page
from newsdesk.errors import FetchError
from newsdesk.settings import Settings
from newsdesk.sources.decoding import ACCEPT_ENCODING, BoundedDecoder, DecodingError
from newsdesk.sources.guard import Deadline, GuardedBackend, GuardedTransport, refusal
from newsdesk.sources.urls import why_malformed

USER_AGENT = "newsdesk/0.1 (news archiving; +https://pypi.org/project/newsdesk/)"
_REDIRECTS = {301, 302, 303, 307, 308}
_ROBOTS_BYTES = 512 * 1024
_ROBOTS_KEEP = 24 * 3600.0


@dataclass(frozen=True)
class FetchOptions:
    """Every limit of the fetcher. `from_settings` takes them from `Settings` (NEWSDESK_FETCH_*)."""

    user_agent: str = USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0  # one fetch, all retries and redirects included
    max_bytes: int = 32 * 1024 * 1024
    max_redirects: int = 10
    attempts: int = 3
    backoff: float = 1.0  # the first retry waits this long, each next one twice as long
    max_retry_after: float = 60.0  # a longer Retry-After is not waited for: the fetch fails
    host_delay: float = 1.0  # between the starts of two requests to one host
    host_concurrency: int = 2
    workers: int = 8  # threads of fetch_many
    robots_error_wait: float = 600.0
    obey_robots: bool = True
    allow_private: bool = False
    trusted_addresses: frozenset[str] = field(default_factory=frozenset)  # exempt from the private check

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> FetchOptions:
        values: dict[str, Any] = {"max_bytes": settings.max_input_bytes}
        for option in fields(cls):
            if hasattr(settings, f"fetch_{option.name}"):
                values[option.name] = getattr(settings, f"fetch_{option.name}")
        values["allow_private"] = settings.allow_private
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the ETag and Last-Modified of the copy already held."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, page: Page) -> Validators:
        return cls(page.headers.get("etag"), page.headers.get("last-modified"))

    def headers(self) -> dict[str, str]:
        sent = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in sent.items() if value}


@dataclass(frozen=True)
class NotModified:
    """A conditional GET answered 304: the copy held is current. `validators` are the ones to keep."""

    url: str
    validators: Validators


Outcome = Page | NotModified | FetchError


class _Failed(Exception):
    def __init__(self, reason: str, *, stage: str = "fetch", status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.stage, self.status, self.retry_after = reason, stage, status, retry_after


@dataclass
class _Answer:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


class _Host:
    """One host's pacing: at most `concurrency` requests at once, starts `delay` seconds apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.slots = threading.Semaphore(concurrency)
        self.lock = threading.Lock()
        self.delay = delay
        self.next_start = 0.0
        self.robots: _Robots | None = None
        self.robots_lock = threading.Lock()


@dataclass
class _Robots:
    rules: Protego | None  # None: everything is allowed
    reachable: bool
    until: float


class Fetcher:
    """Fetches URLs; thread-safe. Use as a context manager, or call `close()`."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self.options = options or FetchOptions()
        self._deadline = Deadline()
        backend = GuardedBackend(allow_private=self.options.allow_private,
                                 trusted=self.options.trusted_addresses, deadline=self._deadline)
        o = self.options
        self._client = httpx.Client(
            transport=GuardedTransport(backend, max_connections=max(o.workers, o.host_concurrency) * 2),
            timeout=httpx.Timeout(o.read_timeout, connect=o.connect_timeout, pool=o.total_timeout),
            headers={"User-Agent": o.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=False, trust_env=False)
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, validators: Validators | None = None) -> Outcome:
        self._deadline.at = time.monotonic() + self.options.total_timeout
        try:
            return self._fetch(url, validators, self.options.attempts, self.options.max_bytes, robots=True)
        except _Failed as failed:
            return FetchError(failed.reason, source=url, stage=failed.stage, status=failed.status,
                              retry_after=failed.retry_after)
        except Exception as error:  # the promise above: one URL's failure is its own, never raised
            return FetchError(f"internal error: {type(error).__name__}: {error}", source=url, stage="fetch")
        finally:
            self._deadline.at = None

    def fetch_many(self, urls: Iterable[str]) -> Iterator[tuple[str, Outcome]]:
        """(url, outcome) pairs as fetches finish; at most 2 x workers URLs are in flight at once."""
        with ThreadPoolExecutor(self.options.workers, thread_name_prefix="newsdesk-fetch") as pool:
            running: dict[Future[Outcome], str] = {}
            queue = iter(urls)
            for url in queue:
                running[pool.submit(self.fetch, url)] = url
                if len(running) >= 2 * self.options.workers:
                    break
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield running.pop(future), future.result()
                    if (following := next(queue, None)) is not None:
                        running[pool.submit(self.fetch, following)] = following

    def _fetch(self, url: str, validators: Validators | None, attempts: int, max_bytes: int, *,
               robots: bool) -> Outcome:
        current, seen = url, [url]
        headers = validators.headers() if validators else {}
        for _ in range(self.options.max_redirects + 1):
            malformed = why_malformed(current)
            if malformed:
                raise _Failed(f"{malformed}: {current[:300]}", stage="url")
            if robots and self.options.obey_robots:
                self._check_robots(current)
            answer = self._request(current, headers, attempts, max_bytes)
            location = answer.headers.get("location", "").strip()
            if answer.status in _REDIRECTS and location:
                try:
                    target = urljoin(current, location)
                except ValueError as error:
                    raise _Failed(f"the redirect's Location is not a valid URL ({error})", stage="url",
                                  status=answer.status) from None
                if target in seen:
                    raise _Failed(f"redirect loop: {' -> '.join([*seen, target])}", status=answer.status)
                seen.append(target)
                current = target
                continue
            if answer.status == 304 and validators is not None:
                fresh = Validators(answer.headers.get("etag") or validators.etag,
                                   answer.headers.get("last-modified") or validators.last_modified)
                return NotModified(current, fresh)
            if not 200 <= answer.status < 300:
                asked = _retry_after(answer.headers.get("retry-after"))
                raise _Failed(f"HTTP {answer.status}" + (f" (at {current})" if current != url else ""),
                              status=answer.status, retry_after=asked)
            return Page(source=url, content=answer.body, url=current,
                        content_type=answer.headers.get("content-type"), headers=answer.headers,
                        fetched_at=datetime.now(UTC))
        raise _Failed(f"more than {self.options.max_redirects} redirects (last: {current})")

    def _request(self, url: str, headers: dict[str, str], attempts: int, max_bytes: int) -> _Answer:
        host = self._host(url)
        for attempt in range(1, attempts + 1):
            with self._turn(host):
                answer = self._exchange(url, headers, max_bytes)
            if (answer.status != 429 and answer.status < 500) or attempt == attempts:
                return answer
            asked = _retry_after(answer.headers.get("retry-after"))
            if asked is not None and asked > self.options.max_retry_after:
                raise _Failed(f"HTTP {answer.status}: the server asks to wait {asked:.0f} s, longer than "
                              f"max_retry_after ({self.options.max_retry_after:.0f} s)",
                              status=answer.status, retry_after=asked)
            pause = asked if asked is not None else self.options.backoff * 2 ** (attempt - 1)
            if self._deadline.at is not None and time.monotonic() + pause > self._deadline.at:
                raise _Failed(f"HTTP {answer.status}; waiting {pause:.1f} s more would pass the total "
                              "timeout", status=answer.status, retry_after=asked)
            time.sleep(pause)
        raise AssertionError("unreachable")  # the last attempt always returns

    def _exchange(self, url: str, headers: dict[str, str], max_bytes: int) -> _Answer:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                found = {name.lower(): value for name, value in response.headers.multi_items()}
                if response.status_code in _REDIRECTS or response.status_code == 304 \
                        or response.status_code >= 400:
                    return _Answer(url, response.status_code, found, b"")  # bodies of these are not read
                declared = found.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise _Failed(f"the body ({int(declared):,} bytes) is larger than the {max_bytes:,}-byte "
                                  "limit", status=response.status_code)
                try:
                    body = _read_body(response, found.get("content-encoding"), max_bytes)
                except DecodingError as error:
                    raise _Failed(f"the body cannot be decoded: {error}", status=response.status_code,
                                  stage="decode") from None
                return _Answer(url, response.status_code, found, body)
        except httpx.TimeoutException as error:
            over = self._deadline.at is not None and time.monotonic() >= self._deadline.at - 0.01
            kind = f"total timeout ({self.options.total_timeout:g} s)" if over else {
                httpx.ConnectTimeout: f"connect timeout ({self.options.connect_timeout:g} s)",
                httpx.PoolTimeout: "no free connection",
            }.get(type(error), f"read timeout ({self.options.read_timeout:g} s)")
            raise _Failed(f"timed out: {kind} at {url}") from None
        except httpx.HTTPError as error:
            refused = refusal(error)
            if refused is not None:
                raise _Failed(f"{refused} at {url}", stage="guard") from None
            raise _Failed(f"{type(error).__name__}: {error or 'connection failed'} at {url}") from None

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._hosts_lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(self.options.host_concurrency, self.options.host_delay)
            return self._hosts[key]

    @contextmanager
    def _turn(self, host: _Host) -> Iterator[None]:
        with host.slots:
            with host.lock:
                now = time.monotonic()
                start = max(now, host.next_start)
                host.next_start = start + host.delay
            if start > now:
                time.sleep(start - now)
                if self._deadline.at is not None:
                    self._deadline.at += start - now  # waiting our turn is not the server's time
            yield

    def _check_robots(self, url: str) -> None:
        host = self._host(url)
        with host.robots_lock:
            if host.robots is None or host.robots.until < time.monotonic():
                host.robots = self._load_robots(url)
            robots = host.robots
        if not robots.reachable:
            raise _Failed("robots.txt could not be read (server error): nothing is fetched from this host "
                          f"for {self.options.robots_error_wait:g} s", stage="robots")
        if robots.rules is not None and not robots.rules.can_fetch(url, self.options.user_agent):
            raise _Failed("disallowed by robots.txt", stage="robots")

    def _load_robots(self, url: str) -> _Robots:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        now = time.monotonic()
        try:
            found = self._fetch(robots_url, None, 1, _ROBOTS_BYTES, robots=False)
        except _Failed as failed:
            if failed.status is not None and 400 <= failed.status < 500 and failed.status != 429:
                return _Robots(None, True, now + _ROBOTS_KEEP)  # no robots.txt: everything is allowed
            if failed.stage == "guard":
                raise
            return _Robots(None, False, now + self.options.robots_error_wait)
        if not isinstance(found, Page):
            return _Robots(None, True, now + _ROBOTS_KEEP)
        content = found.content
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        try:
            rules = Protego.parse(text)  # RFC 9309: * and $ wildcards, the longest match wins
        except Exception:  # a robots.txt the parser cannot read restricts nothing, as a missing one
            return _Robots(None, True, now + _ROBOTS_KEEP)
        return _Robots(rules, True, now + _ROBOTS_KEEP)


def _read_body(response: httpx.Response, encoding: str | None, max_bytes: int) -> bytes:
    """The body, decoded piece by piece from the raw bytes: neither the bytes on the wire nor the
    decoded ones may pass `max_bytes`, and no piece is inflated past a small bound (see decoding.py)."""
    decoder = BoundedDecoder(encoding)
    chunks: list[bytes] = []
    wire = size = 0
    for raw in response.iter_raw():
        wire += len(raw)
        if wire > max_bytes:
            raise _Failed(f"the body is larger than the {max_bytes:,}-byte limit: stopped reading",
                          status=response.status_code)
        for piece in decoder.feed(raw):
            size += len(piece)
            if size > max_bytes:
                raise _Failed(f"the body decodes ({encoding}) to more than the {max_bytes:,}-byte limit: "
                              f"stopped after {wire:,} bytes read (a decompression bomb?)",
                              status=response.status_code, stage="decode")
            chunks.append(piece)
    decoder.end()
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
