"""Exports carry hostile page content safely (issue 18, item 9): one URL policy (http and https only) and one
escaping path for Markdown, HTML and RSS, checked by rendering the Markdown with a CommonMark renderer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import httpx
import lxml.html
import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from newsdesk.article import Article
from newsdesk.exports import http_url, markdown_link, markdown_text
from newsdesk.settings import Settings
from newsdesk.store import open_store
from newsdesk.web import create_app

Cli = Callable[..., Result]
COMMONMARK = MarkdownIt("commonmark")
HOSTILE = [
    Article(url="https://gazette.example/politics/1", title="</title><script>alert(2)</script>",
            body="<img src=x onerror=alert(5)> The council met on Tuesday.", published="2024-10-01T08:00:00Z",
            site_name="Gazette <b>"),
    Article(url="https://herald.example/politics/2", title="Title ](javascript:alert(1))",
            body="Rain closed the harbour bridge for the day.", published="2024-10-01T09:00:00Z"),
    Article(url="https://courier.example/sport/3) [click me](javascript:alert(1)", title="Cup final",
            body="The cup final went to extra time and penalties.", published="2024-10-01T10:00:00Z"),
    Article(url="javascript:alert(3)//politics/4", title="Script link",
            body="Trains were cancelled after the storm on Monday night.",
            published="2024-10-01T11:00:00Z"),
    Article(url="data:text/html,<script>alert(4)</script>", title="Data link",
            body="Ferries ran late across the bay, the harbour master said.",
            published="2024-10-01T12:00:00Z"),
]


def _links_are_safe(html: str) -> None:
    """No script, no event handler, and every link http(s)."""
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert not tree.xpath("//script | //img | //iframe"), html
    assert not [name for element in tree.iter() for name in element.attrib if name.startswith("on")]
    for href in tree.xpath("//a/@href"):
        assert unquote(href).lower().startswith(("http://", "https://")), href


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    with open_store(url) as store:
        store.put_many(HOSTILE)
    return url


def test_markdown_roundup_renders_no_script_and_no_foreign_link(cli: Cli, db: str) -> None:
    markdown = cli("roundup", "--date", "2024-10-01", "--db", db).stdout
    for article in HOSTILE:
        assert (article.title or "") in markdown.replace("\\", "")  # every item is there, escaped
    html = COMMONMARK.render(markdown)
    _links_are_safe(html)
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert "</title><script>alert(2)</script>" in tree.text_content()  # shown as text
    assert {a.text_content() for a in tree.iter("a")} == {"</title><script>alert(2)</script>",
                                                          "Title ](javascript:alert(1))", "Cup final"}
    assert "click me" not in {a.text_content() for a in tree.iter("a")}


def test_html_and_rss_roundups_link_http_only(cli: Cli, db: str) -> None:
    html = cli("roundup", "--date", "2024-10-01", "--format", "html", "--db", db).stdout
    _links_are_safe(html.split("<body", 1)[1].split(">", 1)[1])
    assert "&lt;/title&gt;&lt;script&gt;" in html
    rss = ElementTree.fromstring(cli("roundup", "--date", "2024-10-01", "--format", "rss", "--db", db).stdout)
    links = [node.text or "" for node in rss.iter("link")]
    assert links and all(link.startswith(("http://", "https://")) for link in links), links
    for guid in rss.iter("guid"):  # a page's own URL, or (a page without one) an id that is no link
        permalink = guid.get("isPermaLink") == "true"
        assert guid.text and guid.text.startswith("https://" if permalink else "newsdesk-roundup-"), guid.text


def test_the_desks_roundup_files_are_escaped_the_same_way(db: str) -> None:
    app = create_app(db, Settings(), api_token="t" * 24)

    async def fetch() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
                return [await client.get(f"/api/roundups/2024-10-01/export?format={fmt}")
                        for fmt in ("markdown", "html", "rss")]

    with ThreadPoolExecutor(1) as pool:
        markdown, html, rss = pool.submit(asyncio.run, fetch()).result()
    _links_are_safe(COMMONMARK.render(markdown.text))
    _links_are_safe(html.text.split("<body", 1)[1].split(">", 1)[1])
    links = [node.text or "" for node in ElementTree.fromstring(rss.content).iter("link")]
    assert links and all(link.startswith("http") for link in links)


def test_extract_markdown_escapes_the_page(cli: Cli, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    sentence = "The harbour bridge reopened after repairs &lt;script&gt;alert(7)&lt;/script&gt;. "
    page.write_text(
        '<html><head><meta property="og:title" content="&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;">'
        '<link rel="canonical" href="https://gazette.example/a) [x](javascript:alert(1)"></head>'
        f"<body><article><h1>Harbour</h1><p>{sentence * 5}</p></article></body></html>", encoding="utf-8")
    markdown = cli("extract", str(page), "--format", "markdown").stdout
    _links_are_safe(COMMONMARK.render(markdown))
    assert "alert(7)" in markdown


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60), url=st.one_of(
    st.text(max_size=60), st.builds(lambda scheme, rest: scheme + rest,
                                    st.sampled_from(["http://", "https://", "HTTP://", "javascript:", "data:",
                                                     " https://", "https:", "http://a.example/"]),
                                    st.text(max_size=40))))
def test_any_title_and_url_make_one_safe_link_or_none(text: str, url: str) -> None:
    html = COMMONMARK.render(f"- {markdown_link(text, url)}\n")
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    anchors = tree.xpath("//a")
    assert not tree.xpath("//script | //img"), html
    if http_url(url) is None:
        assert anchors == []
    else:
        assert len(anchors) == 1, html
        assert anchors[0].get("href").lower().startswith(("http://", "https://"))
    shown = " ".join(text.split())
    assert tree.text_content().strip() == shown.strip() or not shown.strip().isprintable(), (text, html)


@pytest.mark.parametrize("text", ["-", "- item", "+", "+ item", "1. First", "2) Second", "=", "---",
                                  "12345. x"])
def test_text_that_starts_like_a_list_or_a_heading_is_shown_as_it_is(text: str) -> None:
    html = COMMONMARK.render(f"- {markdown_link(text, None)}\n")
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert len(tree.xpath("//li")) == 1 and not tree.xpath("//ol | //hr | //h1 | //h2"), html
    assert tree.text_content().strip() == text
    body = COMMONMARK.render(markdown_text(f"A line\n{text}", lines=True))
    assert "<ol" not in body and "<ul" not in body and "<h" not in body and "<hr" not in body, body


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_markdown_text_is_shown_as_it_is(text: str) -> None:
    html = COMMONMARK.render(f"x {markdown_text(text)}\n")
    assert not lxml.html.fromstring(f"<div>{html}</div>").xpath("//script | //a | //img | //em | //strong")


def test_http_url_policy() -> None:
    assert http_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert http_url(" HTTP://example.org/ ") == "HTTP://example.org/"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//example.org", "/local", "file:///etc/passwd",
                "https://example.org/\nx", "http://", "", None, "vbscript:x", "jav\tascript:alert(1)"):
        assert http_url(bad) is None, bad
