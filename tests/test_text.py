"""The shared text helpers (`newsdesk.text`) and the parts of newsdesk that must agree through them:
language tags, host names and invisible characters (ZWNJ and ZWJ are letters' business, not noise)."""

from __future__ import annotations

from pathlib import Path

import pytest

import newsdesk
from conftest import PARAGRAPHS
from newsdesk import Article
from newsdesk.store import rows
from newsdesk.text import drop_invisible, host_of, language_key, language_parts

# Persian "I went home" spelled with ZERO WIDTH NON-JOINERs (U+200C), Hindi with a ZERO WIDTH JOINER.
PERSIAN = "من به خانه می\u200cروم و کتاب\u200cها را می\u200cخوانم. این جمله برای آزمون نوشته شده است."
HINDI = "क्\u200dष यह वाक्य परीक्षण के लिए लिखा गया है और इसमें कई शब्द हैं।"


@pytest.mark.parametrize(("tag", "parts"), [
    ("en-GB", ("en", "gb")), ("en_us", ("en", "us")), (" DE ", ("de", "")), ("de, en", ("de", "")),
    ("zh-Hans-CN", ("zh", "hans")), (None, ("", "")), ("", ("", "")), ("x.y", ("", "")), ("??", ("", "")),
])
def test_language_parts(tag: str | None, parts: tuple[str, str]) -> None:
    assert language_parts(tag) == parts
    assert language_key(tag) == parts[0]


def test_the_store_keys_languages_as_the_batch_partitions_them() -> None:
    for tag in ("en-GB", "x.y", "pt_BR", "", "de, en"):
        article = Article(title="T", body="Body.", language=tag)
        assert rows.ArticleRow.of(article).language_key == language_key(tag)


@pytest.mark.parametrize(("url", "host"), [
    ("https://www.Example.COM/a", "example.com"), ("example.com/path", "example.com"),
    ("http://[::1", ""), ("", ""), (None, ""), ("not a url", "not a url"),
])
def test_host_of(url: str | None, host: str) -> None:
    assert host_of(url) == host


def test_a_page_at_an_unreadable_address_is_extracted() -> None:
    article = newsdesk.extract("<html><body><article><h1>Title</h1><p>" + "Some words here. " * 20
                               + "</p></article></body></html>", url="http://[::1")
    assert article.title == "Title"


def test_invisible_characters_go_and_joiners_stay() -> None:
    assert drop_invisible("soft\u00adhyphen zero\u200bwidth joined\u2060word \ufeffbom") == (
        "softhyphen zerowidth joinedword bom")
    assert drop_invisible(PERSIAN) == PERSIAN and drop_invisible(HINDI) == HINDI


def test_dropping_invisible_characters_keeps_every_other_character() -> None:
    # Non-ASCII text without invisible characters comes back as it is; with them, only they go (at
    # either end, next to one another, around lone surrogates and astral characters).
    samples = ["Ünïcödé text", "\u00adstart", "end\ufeff", "\u200b\u2060\u00ad\ufeff", "a\ud800\u200bb",
               "\U0001f600\u00ad\U0001f600", "\u200c\u200d kept", ""]
    for text in samples:
        expected = "".join(character for character in text if character not in "\u00ad\u200b\u2060\ufeff")
        assert drop_invisible(text) == expected


@pytest.mark.parametrize("text", [PERSIAN, HINDI])
def test_joiners_survive_extraction_of_html_and_of_text(text: str) -> None:
    html = (f"<html><head><title>{text[:20]}</title></head><body><article><h1>{text[:20]}</h1>"
            + "".join(f"<p>{text}</p>" for _ in range(3)) + "</article></body></html>")
    assert text in newsdesk.extract(html).body
    flattened = newsdesk.extract_text("Council approves budget\n\n"
                                      + "\n\n".join(f"{paragraph} {text}" for paragraph in PARAGRAPHS))
    assert text in flattened.body


SRC = Path(newsdesk.__file__).parent
# What a copy of a helper looks like in source: a table of invisible characters, "www." cut by hand.
COPIES = ("\\u200b", "\\u00ad", 'removeprefix("www.")', "lstrip(\"www.\")")


def test_every_other_module_uses_the_helpers_instead_of_a_copy() -> None:
    found = {str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if path != SRC / "text.py"
             and any(copy in path.read_text(encoding="utf-8") for copy in COPIES)}
    assert not found, sorted(found)
