"""The desk's defences: API token and session, CSRF, security headers, body size limit, rate limit.

- Write API calls need the API token (`Authorization: Bearer TOKEN` or `X-API-Token: TOKEN`); reads
  too when the server was told so (or listens beyond loopback).
- Pages sign in with the token once (a form, or the link `serve` prints): an HttpOnly, SameSite=Strict
  session cookie derived from the token. Every form carries a CSRF token that must equal its cookie.
- Every response gets a strict Content-Security-Policy (scripts and styles from the desk only, no
  inline script or style, no framing), X-Content-Type-Options: nosniff and X-Frame-Options: DENY.
- Request bodies over the limit get 413, and write requests over the rate get 429, before any handler;
  a URL with a NUL character (%00) gets 400 (no store can search for it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

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
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    """The API token, and what follows from it: session cookies and the checks of each request."""

    def __init__(self, token: str, *, read_token: bool) -> None:
        self.token = token
        self.read_token = read_token
        self.session = hmac.new(token.encode(), b"newsdesk session", hashlib.sha256).hexdigest()

    def _header_token(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip()
        return request.headers.get("x-api-token")

    def has_token(self, request: Request) -> bool:
        given = self._header_token(request)
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def signed_in(self, request: Request) -> bool:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return hmac.compare_digest(cookie.encode(), self.session.encode()) or self.has_token(request)

    def check_token(self, given: str) -> bool:
        return hmac.compare_digest(given.strip().encode(), self.token.encode())

    def require_write(self, request: Request) -> None:
        if not self.has_token(request):
            raise HTTPException(401, "this call changes the store: send the API token as "
                                "'Authorization: Bearer TOKEN' (printed by newsdesk serve)",
                                headers={"WWW-Authenticate": "Bearer"})

    def require_read(self, request: Request) -> None:
        if self.read_token and not self.signed_in(request):
            raise HTTPException(401, "this server requires the API token for reading too",
                                headers={"WWW-Authenticate": "Bearer"})


def csrf_token(request: Request) -> tuple[str, bool]:
    """The request's CSRF token, and whether it is new (to be set as a cookie)."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if len(existing) >= 20:
        return existing, False
    return secrets.token_urlsafe(24), True


def check_csrf(request: Request, given: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not given or len(cookie) < 20 or not hmac.compare_digest(given.encode(), cookie.encode()):
        raise HTTPException(403, "the form's CSRF token is missing or stale: reload the page and try again")


class RateLimit:
    """A token bucket per client address: `burst` write requests at once, refilled at `per_minute`."""

    def __init__(self, burst: int, per_minute: float) -> None:
        self.burst = burst
        self.rate = per_minute / 60
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the request may go; else the seconds until it could."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                if len(self._buckets) > 10_000:
                    self._buckets.clear()
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate if self.rate > 0 else 60.0


class Shield:
    """ASGI middleware: security headers on every response, body size limit, write rate limit."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_form_body: int, rate: RateLimit) -> None:
        self.app = app
        self.max_body = max_body
        self.max_form_body = max_form_body
        self.rate = rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in HEADERS if header[0] not in names]
            await send(message)

        if b"%00" in scope.get("query_string", b"") or b"%00" in (scope.get("raw_path") or b""):
            # No store keeps NUL in text (PostgreSQL refuses it): a clear 400 rather than a failed query.
            await _plain(send_with_headers, 400, "a NUL character (%00) in the URL: nothing can match it")
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.max_form_body if content_type.startswith("multipart/") else self.max_body
        if scope["method"] in WRITE_METHODS:
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.rate.take(str(client))
            if wait > 0:
                await _plain(send_with_headers, 429, "too many write requests: slow down",
                             [(b"retry-after", str(int(wait) + 1).encode())])
                return
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

        await self.app(scope, limited_receive, send_with_headers)


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    import json

    body = json.dumps({"detail": text}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
