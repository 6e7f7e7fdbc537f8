"""URLs from hostile feeds, sitemaps, archives and users: the one check where URLs enter
(`newsdesk.sources.urls`) answers every string with a reason or a URL that the HTTP client and the
export writers accept, and never raises anything else. No URL here is fetched: nothing leaves the test."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.errors import InputError
from newsdesk.exports import http_url
from newsdesk.sources.urls import check_url, why_malformed

schemes = st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", "data", "file", ""])
hosts = st.one_of(
    st.from_regex(r"[a-z0-9-]{0,20}(\.[a-z0-9-]{0,10}){0,3}", fullmatch=True),
    st.sampled_from(["0177.0.0.1", "xn--", "xn--/bad", "[::1]", "[::ffff:127.0.0.1]", "127.1", "0x7f.1",
                     "exa mple.org", "ex\u00e4mple.org", "\u0000.example", "a..b", ".", "\u202e.example"]),
    st.text(max_size=30),
)
ports = st.one_of(st.just(""), st.integers(min_value=-5, max_value=70000).map(lambda n: f":{n}"),
                  st.text(max_size=6).map(lambda s: f":{s}"))
paths = st.text(max_size=40)
assembled = st.builds(lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}",
                      schemes, hosts, ports, paths)
any_url = st.one_of(assembled, st.text(max_size=200))


@settings(max_examples=400, deadline=None)
@given(any_url)
def test_any_string_is_a_reason_or_a_url_the_client_accepts(url: str) -> None:
    reason = why_malformed(url.strip())
    if reason is not None:
        assert isinstance(reason, str) and reason
        with pytest.raises(InputError) as caught:
            check_url(url)
        assert caught.value.stage == "url"
        return
    checked = check_url(url)
    parsed = httpx.URL(checked)  # what the fetcher will be asked: it must not raise
    assert parsed.scheme in ("http", "https")
    assert parsed.host
    assert http_url(checked) is not None  # exports link what ingest could fetch


@pytest.mark.parametrize("url", ["http://0177.0.0.1/x", "http://xn--/bad", "javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "http://exa mple.org/",
                                 "http://example.org:99999/", "file:///etc/passwd", "", "   "])
def test_known_hostile_urls_are_refused_with_a_reason(url: str) -> None:
    assert why_malformed(url.strip())


@pytest.mark.parametrize("url", ["https://example.org/news/1?x=1#top", "http://127.0.0.1:8080/page",
                                 "https://b\u00fccher.example/seite", "http://[::1]:8000/"])
def test_well_formed_urls_pass(url: str) -> None:
    assert why_malformed(url) is None
    assert check_url(f"  {url} ") == url
