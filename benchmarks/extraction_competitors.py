"""The extractors the benchmark compares: newsdesk and its competitors, each behind one small adapter.

An adapter's loader imports its package and returns a function from (page, url) to a `Prediction`;
the imports sit inside the loaders so that a worker loads only the package it measures. Part of
benchmarks/extraction.py (the command).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from extraction_data import SETS, decode_html

META_FIELDS = ("title", "author", "date")
Prediction = dict[str, Any]  # {"body": str, "title": str|None, "authors": list|str|None, "date": str|None}
ExtractFn = Callable[[Any, str], Prediction]

_HTML_LANG = re.compile(rb"""<html[^>]*?\slang\s*=\s*["']?([a-zA-Z]{2,3})""", re.IGNORECASE)


def prediction(body: str | None, title: Any = None, authors: Any = None, date: Any = None) -> Prediction:
    return {"body": body or "", "title": title or None, "authors": authors or None,
            "date": str(date) if date else None}


def _load_newsdesk() -> ExtractFn:
    import newsdesk

    def run(raw: bytes, url: str) -> Prediction:
        article = newsdesk.extract(raw, url=url)
        return prediction(article.body, article.title, article.authors, article.published)
    return run


def _load_newsdesk_text() -> ExtractFn:
    import newsdesk

    def run(text: str, url: str) -> Prediction:
        article = newsdesk.extract_text(text, url=url)
        return prediction(article.body, article.title, article.authors, article.published)
    return run


def _load_trafilatura() -> ExtractFn:
    import trafilatura

    def run(raw: bytes, url: str) -> Prediction:
        body = trafilatura.extract(raw, url=url, output_format="txt", include_comments=False)
        meta = trafilatura.extract_metadata(raw, default_url=url)
        if meta is None:
            return prediction(body)
        return prediction(body, meta.title, meta.author, meta.date)
    return run


def _load_trafilatura_defaults() -> ExtractFn:
    import trafilatura

    def run(raw: bytes, url: str) -> Prediction:
        return prediction(trafilatura.extract(raw, url=url))
    return run


def _load_readability() -> ExtractFn:
    import html_text
    from readability import Document

    def run(raw: bytes, url: str) -> Prediction:
        doc = Document(raw, url=url)
        return prediction(html_text.extract_text(doc.summary(html_partial=True)), doc.short_title())
    return run


def _load_newspaper() -> ExtractFn:
    import newspaper

    config = newspaper.Config()
    config.fetch_images = False  # no network here; it would try to fetch the top image

    def run(raw: bytes, url: str) -> Prediction:
        article = newspaper.Article(url, config=config)
        article.download(input_html=decode_html(raw))
        article.parse()
        return prediction(article.text, article.title, article.authors, article.publish_date)
    return run


def _load_goose() -> ExtractFn:
    from goose3 import Goose

    goose = Goose()

    def run(raw: bytes, url: str) -> Prediction:
        article = goose.extract(url=url, raw_html=decode_html(raw))
        return prediction(article.cleaned_text, article.title, article.authors, article.publish_date)
    return run


_JUSTEXT_LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
                      "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "hu": "Hungarian", "fi": "Finnish",
                      "ar": "Arabic", "ru": "Russian", "cs": "Czech", "sv": "Swedish", "da": "Danish",
                      "tr": "Turkish", "el": "Greek", "ko": "Korean", "uk": "Ukrainian", "ro": "Romanian"}


def _load_justext() -> ExtractFn:
    import justext

    stoplists: dict[str, frozenset[str]] = {}

    def run(raw: bytes, url: str) -> Prediction:
        match = _HTML_LANG.search(raw[:20_000])
        language = _JUSTEXT_LANGUAGES.get(match.group(1).decode().lower() if match else "", "English")
        if language not in stoplists:
            stoplists[language] = justext.get_stoplist(language)
        paragraphs = justext.justext(raw, stoplists[language])
        return prediction("\n".join(p.text for p in paragraphs if not p.is_boilerplate))
    return run


def _load_resiliparse() -> ExtractFn:
    from resiliparse.extract.html2text import extract_plain_text

    def run(raw: bytes, url: str) -> Prediction:
        return prediction(extract_plain_text(decode_html(raw), main_content=True))
    return run


def _load_baseline() -> ExtractFn:
    return lambda raw, url: prediction("")


@dataclass(frozen=True)
class Extractor:
    name: str
    package: str  # distribution whose version is reported
    load: Callable[[], ExtractFn]
    fields: tuple[str, ...] = ()  # metadata it returns, out of META_FIELDS
    text_input: bool = False  # takes the html-text flattening of the page instead of its bytes
    sets: tuple[str, ...] = tuple(SETS)


EXTRACTORS = {e.name: e for e in (
    Extractor("newsdesk", "newsdesk", _load_newsdesk, META_FIELDS),
    Extractor("trafilatura", "trafilatura", _load_trafilatura, META_FIELDS),
    Extractor("trafilatura-defaults", "trafilatura", _load_trafilatura_defaults),
    Extractor("readability-lxml", "readability-lxml", _load_readability, ("title",)),
    Extractor("newspaper4k", "newspaper4k", _load_newspaper, META_FIELDS),
    Extractor("goose3", "goose3", _load_goose, META_FIELDS),
    Extractor("justext", "jusText", _load_justext),
    Extractor("resiliparse", "resiliparse", _load_resiliparse),
    Extractor("newsdesk-text", "newsdesk", _load_newsdesk_text, META_FIELDS, True, ("scrapinghub",)),
)}
KEEP_ALL = "keep-everything"  # the flattened text itself as the body; scored, not timed
BASELINE = Extractor("baseline", "newsdesk", _load_baseline)  # RSS of the harness alone
NOTES = {
    "trafilatura": "extract(txt, include_comments=False) + extract_metadata, both timed",
    "trafilatura-defaults": "extract(html, url=url) defaults: comments kept, no metadata",
    "readability-lxml": "summary() flattened by html-text; title = short_title()",
    "newspaper4k": "plain install, no nltk: pages it takes for Korean or Arabic raise",
    "justext": "stoplist from <html lang>, else English",
    "newsdesk-text": "newsdesk.extract_text on the html-text flattening (WET-like)",
    KEEP_ALL: "the html-text flattening itself as body",
}
