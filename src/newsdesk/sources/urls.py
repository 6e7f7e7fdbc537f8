"""URLs are checked once, where they enter (the command line, a desk job, a feed item, a sitemap `<loc>`,
a redirect's Location): a malformed one becomes one error row with the reason, and the run goes on.

The check is the one the HTTP client applies when it is asked to fetch (httpx's URL parser, IDNA
included), plus what it lets through that can never be fetched (no host, a port out of range, spaces
or control characters in the host), so nothing that passes here fails later for its form.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from newsdesk.errors import InputError


def check_url(url: str) -> str:
    """The URL, stripped, when it is a well-formed http(s) URL; InputError (stage "url") saying why not."""
    url = url.strip()
    reason = why_malformed(url)
    if reason:
        raise InputError(reason, source=url[:2000], stage="url")
    return url


def why_malformed(url: str) -> str | None:
    """None for a well-formed http(s) URL; otherwise what is wrong with it."""
    if not url:
        return "not a URL: it is empty"
    if any(not char.isprintable() for char in url):
        return "not a valid URL: it has control characters in it"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed or out-of-range port
    except ValueError as error:
        return f"not a valid URL: {error}"
    if parts.scheme.lower() not in ("http", "https"):
        what = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        return f"only http:// and https:// URLs can be fetched ({what})"
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, ValueError) as error:  # IDNA errors are ValueErrors (UnicodeError)
        return f"not a valid URL: {error}"
    if not host or not parts.hostname:
        return "not a valid URL: it has no host"
    if any(char.isspace() for char in parts.netloc):
        return "not a valid URL: its host has a space in it"
    return None
