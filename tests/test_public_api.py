"""The declared public API: `newsdesk.__all__` is exactly what a user may import, and it is typed."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import newsdesk
from newsdesk import errors

PUBLIC = {
    "Article", "Image", "Link", "Page",
    "Settings",
    "NewsdeskError", "SettingsError", "InputError", "ExtractionError",
    "ArchiveError", "FetchError", "UnsafeXMLError",
    "extract", "extract_page", "extract_text",
    "open_store", "Store", "SearchRequest", "StoreError", "QueryError",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(newsdesk.__all__) == PUBLIC
    assert len(newsdesk.__all__) == len(PUBLIC)


def test_every_public_name_exists() -> None:
    for name in newsdesk.__all__:
        assert getattr(newsdesk, name) is not None, name


def test_every_error_newsdesk_raises_on_purpose_is_public() -> None:
    raised = {name for name, value in vars(errors).items()
              if isinstance(value, type) and issubclass(value, newsdesk.NewsdeskError)}
    assert raised <= set(newsdesk.__all__)


def test_extract_is_a_typed_callable() -> None:
    hints = typing.get_type_hints(newsdesk.extract)
    assert hints["return"] is newsdesk.Article
    assert hints["html"] == bytes | str
    parameters = inspect.signature(newsdesk.extract).parameters
    assert list(parameters)[:2] == ["html", "url"]
    assert parameters["settings"].kind is inspect.Parameter.KEYWORD_ONLY


def test_extract_text_is_a_typed_callable() -> None:
    hints = typing.get_type_hints(newsdesk.extract_text)
    assert hints["return"] is newsdesk.Article
    assert hints["text"] is str


def test_extract_page_is_a_typed_callable() -> None:
    hints = typing.get_type_hints(newsdesk.extract_page)
    assert hints["return"] is newsdesk.Article
    assert hints["page"] is newsdesk.Page


def test_the_package_ships_its_type_information() -> None:
    assert (Path(newsdesk.__file__).parent / "py.typed").is_file()


def test_the_quick_start_works() -> None:
    page = b"<html><body><article><h1>Hello</h1><p>" + b"A sentence of news text. " * 20 + b"</p></article>"
    article = newsdesk.extract(page, url="https://example.com/a")
    assert isinstance(article, newsdesk.Article)
    assert article.url == "https://example.com/a"
    assert "A sentence of news text." in article.body
