"""The desk's defences: allowed hosts, API token and sessions, CSRF, Origin, rate limits, security headers,
body size limit.

- Only requests naming an allowed host are answered (400 otherwise): loopback names, IP address
  literals, the --host the server listens on and the names configured (`serve --allowed-host`). A web
  page that rebinds its own name to 127.0.0.1 (DNS rebinding) still sends its own name: refused.
- Write API calls need the API token (`Authorization: Bearer TOKEN` or `X-API-Token: TOKEN`); reads
  too when the server was told so (or listens beyond loopback).
- Pages sign in with the token once (a form, or the link `serve` prints): an HttpOnly, SameSite=Strict
  cookie holding a random session id signed with a key derived from the token. Every form carries a
  CSRF token derived from that session (before signing in, from a random cookie), so a cookie planted
  by another site, or by a page on another port of the same machine, never makes a valid token.
- A write whose Origin (else Referer) is not the desk itself is refused (403) before any handler.
- Writes are rate-limited per client (address and session) once authenticated: refused requests cost
  nothing. Wrong tokens (sign-in, bearer) are rate-limited per address: after `GUESS_BURST` wrong ones,
  every token from that address waits (429) until the bucket refills (`GUESSES_PER_MINUTE`).
- Every response, errors and 500s included, gets a strict Content-Security-Policy (scripts and styles
  from the desk only, no inline script or style, no framing), X-Content-Type-Options: nosniff and
  X-Frame-Options: DENY.
- Request bodies over the limit get 413 before any handler; a URL with a NUL character (%00) gets 400
  (no store can search for it).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "newsdesk_session"
CSRF_COOKIE = "newsdesk_csrf"
CSRF_FIELD = "csrf"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on the desk's own form
    # posts, which the Origin check must refuse; other sites still get no Referer.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
GUESS_BURST = 10  # wrong tokens an address may send at once...
GUESSES_PER_MINUTE = 10.0  # ... and then this many a minute


def new_token() -> str:
    return secrets.token_urlsafe(24)


class RateLimit:
    """A token bucket per client: `burst` requests at once, refilled at `per_minute`."""

    def __init__(self, burst: int, per_minute: float) -> None:
        self.burst = burst
        self.rate = per_minute / 60
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _level(self, client: str, now: float) -> float:
        tokens, then = self._buckets.get(client, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - then) * self.rate)

    def _wait(self, tokens: float) -> float:
        return (1 - tokens) / self.rate if self.rate > 0 else 60.0

    def take(self, client: str) -> float:
        """0 when the request may go (and is counted); else the seconds until it could."""
        now = time.monotonic()
        with self._lock:
            tokens = self._level(client, now)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                if len(self._buckets) > 10_000:
                    self._buckets.clear()
                return 0.0
            self._buckets[client] = (tokens, now)
            return self._wait(tokens)

    def wait(self, client: str) -> float:
        """The seconds until `client` could take one, without taking it (0 when it could now)."""
        with self._lock:
            tokens = self._level(client, time.monotonic())
        return 0.0 if tokens >= 1 else self._wait(tokens)


class Guard:
    """The API token, and what follows from it: sessions, CSRF tokens, rate limits and the checks of each
    request."""

    def __init__(self, token: str, *, read_token: bool, writes: RateLimit | None = None,
                 guesses: RateLimit | None = None) -> None:
        self.token = token
        self.read_token = read_token
        # Sessions stay valid across restarts with the same token, and end when the token changes.
        self.key = hmac.new(token.encode(), b"newsdesk session key", hashlib.sha256).digest()
        self.writes = writes or RateLimit(20, 60)
        self.guesses = guesses or RateLimit(GUESS_BURST, GUESSES_PER_MINUTE)

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self.key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:40]

    def new_session(self) -> str:
        """A session cookie's value: a random id and its signature."""
        session = secrets.token_urlsafe(18)
        return f"{session}.{self._sign('session', session)}"

    def session_id(self, request: Request) -> str | None:
        """The id of the request's signed-in session, None without a valid session cookie."""
        session, _, signature = request.cookies.get(SESSION_COOKIE, "").partition(".")
        if session and hmac.compare_digest(signature.encode(), self._sign("session", session).encode()):
            return session
        return None

    def _header_token(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip()
        return request.headers.get("x-api-token")

    def has_token(self, request: Request) -> bool:
        given = self._header_token(request)
        return given is not None and self.check_token(request, given)

    def signed_in(self, request: Request) -> bool:
        return self.session_id(request) is not None or self.has_token(request)

    def check_token(self, request: Request, given: str) -> bool:
        """Whether `given` is the API token. A wrong one counts against the client's address; one that
        guessed too often gets 429 for every token it sends until its bucket refills."""
        client = client_address(request)
        wait = self.guesses.wait(client)
        if wait > 0:
            raise HTTPException(429, "too many wrong tokens from this address: wait and try again",
                                headers={"Retry-After": str(int(wait) + 1)})
        if hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return True
        self.guesses.take(client)
        return False

    def take_write(self, request: Request) -> None:
        """Count an authenticated write against its client (address and session): 429 over the rate."""
        wait = self.writes.take(f"{client_address(request)} {self.session_id(request) or 'token'}")
        if wait > 0:
            raise HTTPException(429, "too many write requests: slow down",
                                headers={"Retry-After": str(int(wait) + 1)})

    def require_write(self, request: Request) -> None:
        if not self.has_token(request):
            raise HTTPException(401, "this call changes the store: send the API token as "
                                "'Authorization: Bearer TOKEN' (printed by newsdesk serve)",
                                headers={"WWW-Authenticate": "Bearer"})
        self.take_write(request)

    def require_read(self, request: Request) -> None:
        if self.read_token and not self.signed_in(request):
            raise HTTPException(401, "this server requires the API token for reading too",
                                headers={"WWW-Authenticate": "Bearer"})

    def _expected_csrf(self, request: Request) -> str | None:
        session = self.session_id(request)
        if session is not None:
            return self._sign("csrf", session)
        anonymous = request.cookies.get(CSRF_COOKIE, "")
        return self._sign("csrf-anonymous", anonymous) if 20 <= len(anonymous) <= 64 else None

    def csrf_token(self, request: Request) -> tuple[str, str | None]:
        """The CSRF token of the request's forms, and the anonymous cookie to set first (None when none
        is needed). Signed in, the token derives from the session; before, from a random cookie."""
        expected = self._expected_csrf(request)
        if expected is not None:
            return expected, None
        anonymous = secrets.token_urlsafe(24)
        return self._sign("csrf-anonymous", anonymous), anonymous

    def check_csrf(self, request: Request, given: str | None) -> None:
        expected = self._expected_csrf(request)
        if not given or expected is None or not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(403, "the form's CSRF token is missing or stale: reload the page and try "
                                "again")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def allowed_host_names(given: Iterable[str]) -> frozenset[str]:
    """The host names a desk answers to: loopback names and those given (lower case, no brackets or
    trailing dot); an address meaning every interface (0.0.0.0, ::) names no host and is left out."""
    names = {name.strip().lower().strip("[]").rstrip(".") for name in given}
    return LOOPBACK_NAMES | (names - {"0.0.0.0", "::", ""})


def host_of_header(value: str) -> str | None:
    """The host of a Host header (lower case, no port, no brackets, no trailing dot); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, port = value[1:].partition("]")
        if not bracket or (port and not (port[:1] == ":" and port[1:].isdigit() and port.isascii())):
            return None
        return name or None
    name, colon, port = value.partition(":")
    if colon and not (port.isdigit() and port.isascii()):
        return None
    return name.rstrip(".") or None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Shield:
    """ASGI middleware: allowed hosts, the Origin of writes, security headers on every response (500s
    included), body size limit."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_form_body: int,
                 allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.max_body = max_body
        self.max_form_body = max_form_body
        self.allowed_hosts = allowed_host_names(allowed_hosts)

    def host_allowed(self, host: str) -> bool:
        name = host_of_header(host)
        # An address cannot be rebound: DNS rebinding always comes with the attacker's own name.
        return name is not None and (name in self.allowed_hosts or _is_ip(name))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in HEADERS if header[0] not in names]
            await send(message)

        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.host_allowed(host):
            await _plain(send_with_headers, 400, f"this desk does not answer to the host {host[:100]!r} "
                         "(newsdesk serve --allowed-host NAME adds one)")
            return
        if b"%00" in scope.get("query_string", b"") or b"%00" in (scope.get("raw_path") or b""):
            # No store keeps NUL in text (PostgreSQL refuses it): a clear 400 rather than a failed query.
            await _plain(send_with_headers, 400, "a NUL character (%00) in the URL: nothing can match it")
            return
        if scope["method"] in WRITE_METHODS and not _same_origin(headers, host):
            await _plain(send_with_headers, 403, "a write from another site (its Origin or Referer is not "
                         "this desk): refused")
            return
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.max_form_body if content_type.startswith("multipart/") else self.max_body
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _plain(send_with_headers, 400, "bad Content-Length")
                return
            if declared > limit:
                await _plain(send_with_headers, 413, f"request body over the limit of {limit} bytes")
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"request body over the limit of {limit} bytes")
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except Exception:
            # Starlette's own 500 response is sent outside this middleware, without the headers: send it
            # here instead, then let the error reach the server's log.
            if not started:
                await _plain(send_with_headers, 500, "internal error (the server's log has the details)")
            raise


def _same_origin(headers: dict[bytes, bytes], host: str) -> bool:
    """Whether a write comes from the desk itself: its Origin (else its Referer) names this host and
    port. Clients that send neither (curl, scripts with the API token) are no browser: allowed."""
    source = headers.get(b"origin") or headers.get(b"referer")
    if source is None:
        return True
    text = source.decode("latin-1").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": text}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
