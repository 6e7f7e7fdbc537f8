"""What every backend stores for an article besides its JSON: key, fingerprint and filter columns,
and the pieces of SQL, cursors and summaries the SQL backends share."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from newsdesk.article import Article
from newsdesk.errors import QueryError
from newsdesk.page_types import UNKNOWN, check_page_type, is_article
from newsdesk.search.tokens import IndexedDocument, index_document, tokens
from newsdesk.store import enrichment, groups
from newsdesk.store.base import SearchRequest, SiteSummary
from newsdesk.store.enrichment import EnrichmentRows
from newsdesk.store.enrichment import name_key as author_key
from newsdesk.store.groups import source_label as source_label
from newsdesk.store.groups import story_source as story_source
from newsdesk.text import host_of as host_of
from newsdesk.text import language_key as language_key

# Fields that say where and how an article was read, or what enrichment derived from it, not what it
# says: a change in them alone is no new version.
_NOT_CONTENT = ("source", "extraction", "entities", "quotes", "topics", "keywords", "enrichment")


@dataclass(frozen=True)
class ArticleRow:
    key: str
    url: str | None
    fingerprint: str
    title: str
    site: str
    site_key: str
    host: str
    published_key: str  # the published date as written, "" when unknown
    language_key: str
    page_type: str  # "" when the page has no type
    article_like: int  # 1 when the page counts as an article (newsdesk.page_types.is_article), else 0
    author_keys: list[str]
    data: str  # the Article's JSON
    enriched: EnrichmentRows

    def search_values(self) -> list[str | int]:
        """The columns of the article_search table after its id, in order."""
        return [self.title, self.site, self.site_key, self.host, self.published_key, self.language_key,
                self.page_type, self.article_like]

    @staticmethod
    def of(article: Article) -> ArticleRow:
        content = article.to_dict()
        data = json.dumps(content, ensure_ascii=False)
        for name in _NOT_CONTENT:
            content.pop(name, None)
        if article.canonical_url:
            content.pop("url")  # the address it was read at, when the page names its own
        else:
            content["url"] = _identity_url(article.url)  # tracking parameters are no change
        digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()
        site = site_of(article)
        return ArticleRow(
            key=article_key(article), url=_clean_url(article.url), fingerprint=digest[:32],
            title=article.title or "", site=site, site_key=" ".join(tokens(site)),
            host=host_of(article.canonical_url or article.url), published_key=article.published or "",
            language_key=language_key(article.language), page_type=article.page_type or "",
            article_like=int(is_article(article.page_type, article.page_type_probability)),
            author_keys=sorted({author_key(name) for name in article.authors} - {"  "}), data=data,
            enriched=EnrichmentRows.of(article))


def index_of(article: Article) -> IndexedDocument:
    return index_document(article.title, article.authors, article.body)


def article_key(article: Article) -> str:
    """What makes an article the same article: its canonical URL, else its URL (without fragment or
    tracking parameters), else where it was read from ("source:" + path, or archive@offset), else
    (an article given to the store alone) a hash of its normalised body. Two pages without a URL
    with the same body are two articles, duplicates of each other (`newsdesk.stories.duplicates`),
    never versions of one: a syndicated story saved from two sites keeps both sources."""
    url = _identity_url(article.canonical_url) or _identity_url(article.url)
    if url:
        return url
    if article.source and article.source.strip():
        return groups.SOURCE_KEY + article.source.strip()
    body = " ".join(tokens(article.body))
    return groups.BODY_KEY + hashlib.sha256(body.encode()).hexdigest()[:40]


# Query parameters that say how a reader came to a page, not which page it is.
_TRACKING = frozenset({"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
                       "mc_cid", "mc_eid", "_ga", "_gl", "ocid", "cmpid", "ncid"})


def _identity_url(url: str | None) -> str | None:
    """The URL without fragment and without tracking parameters (utm_* and the click ids of
    `_TRACKING`); the other parameters stay as written, in their order."""
    clean = _clean_url(url)
    if not clean or "?" not in clean:
        return clean
    try:
        parts = urlsplit(clean)
    except ValueError:
        return clean
    kept = [pair for pair in parts.query.split("&")
            if pair and not _is_tracking(unquote(pair.partition("=")[0]).strip().lower())]
    return urlunsplit(parts._replace(query="&".join(kept)))


def _is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in _TRACKING


# Migration 7 of the SQL stores: the keys made before article_key kept tracking parameters and keyed
# pages without a URL by their body are made again; the rows these can be.
REKEY_CANDIDATES = f"SELECT id, key, data FROM articles WHERE key LIKE '{groups.BODY_KEY}%' OR key LIKE '%?%'"


def rekeyed(candidates: Iterable[tuple[int, str, str]], taken: set[str]) -> list[tuple[str, int]]:
    """(new key, id) of each of the (id, key, JSON) `candidates` whose key article_key now makes
    otherwise, in id order, so that applied in order no two rows ever share a key; `taken` is every
    key in the store. An article whose new key another one has already keeps its old one."""
    changes = []
    for id, key, data in sorted(candidates):
        new = article_key(Article.from_json(data))
        if new != key and new not in taken:
            taken.discard(key)
            taken.add(new)
            changes.append((new, id))
    return changes


def _clean_url(url: str | None) -> str | None:
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "http://[::1": not a URL urllib can read, kept as written
        return url.strip()
    return urlunsplit(parts._replace(fragment="")) if parts.scheme else url.strip()


def site_of(article: Article) -> str:
    """The site: its name when the page gives one, else the host of its URL."""
    return (article.site_name or "").strip() or host_of(article.canonical_url or article.url)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def iso(at: datetime | str | None) -> str | None:
    if at is None or isinstance(at, str):
        return at
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def author_filter(words: str, mark: str) -> tuple[str, list[Any]]:
    """The clause on `a` (and its parameters) of the articles with an author whose name holds `words`
    (folded words joined by single spaces) as consecutive whole words: `author_key LIKE '% words %'`."""
    return ("EXISTS (SELECT 1 FROM article_authors w WHERE w.article_id = a.id "
            f"AND w.author_key LIKE {mark})", [f"% {words} %" if words else ""])


AuthorFilter = Callable[[str, str], tuple[str, list[Any]]]


def filters(request: SearchRequest, mark: str,
            input_sql: str = "json_extract(r.data, '$.source')",
            author: AuthorFilter = author_filter) -> tuple[list[str], list[Any]]:
    """WHERE clauses on table alias `a` (and their parameters) for a request's filters; `mark` is the
    driver's placeholder ("?" or "%s"), `input_sql` the input of an article `r` (`Article.source`, in
    its JSON) in the store's dialect, `author` the store's author clause (same matches as
    `author_filter`, which it may make faster with an index)."""
    clauses: list[str] = []
    params: list[Any] = []
    if request.site:
        clauses.append(f"(a.site_key = {mark} OR a.host = {mark})")
        params += [" ".join(tokens(request.site)), host_of(request.site)]
    if request.sites:
        names = sorted({" ".join(tokens(site)) for site in request.sites})
        hosts = sorted({host_of(site) for site in request.sites})
        clauses.append(f"(a.site_key IN ({', '.join([mark] * len(names))}) "
                       f"OR a.host IN ({', '.join([mark] * len(hosts))}))")
        params += [*names, *hosts]
    if request.since:
        clauses.append(f"a.published_key >= {mark}")
        params.append(request.since.strip())
    if request.until:
        # "~" sorts after every character of an ISO date, so "2024-10" ends after the whole month.
        clauses.append(f"a.published_key <> '' AND a.published_key <= {mark}")
        params.append(request.until.strip() + "~")
    if request.language:
        clauses.append(f"a.language_key = {mark}")
        params.append(language_key(request.language))
    if request.author:
        clause, values = author(" ".join(tokens(request.author)), mark)
        clauses.append(clause)
        params += values
    if request.page_type:
        wanted = check_page_type(request.page_type)
        clauses.append(f"a.page_type = {mark}")
        params.append("" if wanted == UNKNOWN else wanted)
    if request.articles_only:
        clauses.append("a.article_like = 1")
    if request.input is not None:
        # The input is inside the article's JSON: `input_sql` reads it in the store's dialect.
        clauses.append(f"EXISTS (SELECT 1 FROM articles r WHERE r.id = a.id "
                       f"AND substr({input_sql}, 1, CAST({mark} AS INTEGER)) = {mark})")
        params += [len(request.input), request.input]
    more, more_params = enrichment.filters(request.entity, request.speaker, request.topic, mark)
    return clauses + more, params + more_params


def encode_cursor(kind: str, value: float | str, id: int) -> str:
    raw = json.dumps([kind, value, id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_CURSOR = 1000  # characters: a real cursor holds a kind, a date or a score, and an id
MAX_ID = 2**62  # ids a store hands out (and the API accepts) are below this


def decode_cursor(cursor: str, kind: str) -> tuple[Any, int]:
    """The sort value and id a page ended with; QueryError when the cursor is not one of `kind`.

    Strictly checked, as it comes from the client: a score must be a finite number, a date text without
    NUL or lone surrogates (no store can compare those), an id a positive integer in the stores' range.
    """
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError(cursor)
        found, value, id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if found != kind or type(id) is not int or not 0 < id < MAX_ID:
            raise ValueError(cursor)
        if kind == "r":
            if type(value) not in (int, float) or not math.isfinite(value):
                raise ValueError(cursor)
            value = float(value)
        elif type(value) is not str or "\x00" in value:
            raise ValueError(cursor)
        else:
            value.encode("utf-8")  # a lone surrogate cannot be sent to any store
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error):
        raise QueryError(f"not a cursor of this search: {cursor[:100]!r}", stage="search") from None
    return value, id


def check_request(request: SearchRequest) -> None:
    if request.limit < 1:
        raise QueryError(f"limit must be at least 1, not {request.limit}", stage="search")
    if request.sort not in ("relevance", "date"):
        raise QueryError(f"sort must be relevance or date, not {request.sort!r}", stage="search")
    if request.page_type:
        try:
            check_page_type(request.page_type)
        except ValueError as error:
            raise QueryError(str(error), stage="search") from None
    if request.input is not None:
        try:
            request.input.encode("utf-8")  # a lone surrogate (a file name not in UTF-8) reaches no store
        except UnicodeEncodeError:
            raise QueryError(f"the input filter {request.input[:60]!r} is not UTF-8 text: no stored input "
                             "can start with it", stage="search") from None
        if "\x00" in request.input:
            raise QueryError("a NUL character in the input filter: no stored input has one", stage="search")


def error_host(source: str, location: str | None) -> str:
    for place in (location, source):
        if place and "://" in place:
            return host_of(place)
    return ""


def input_folder(source: str | None) -> str | None:
    """The folder an input was read from, as its inputs start: "pages/" for "pages/a.html" and for
    "pages/crawl.warc.gz@120" (a record of an archive), "upload:" for a page uploaded to the desk, ""
    for a file of the current folder; None for a URL or no input."""
    text = (source or "").strip()
    if not text or text == "-" or "://" in text:
        return None
    archive, at, offset = text.rpartition("@")
    if at and offset.isdigit():
        text = archive
    if text.startswith("upload:"):
        return "upload:"
    end = text.replace("\\", "/").rfind("/") + 1  # a Windows path's folder, as written
    return text[:end]


def folder_label(folder: str) -> str:
    """How the Sources list names the pages of a folder that have no site: "folder: pages/"."""
    return "uploads" if folder == "upload:" else f"folder: {folder or './'}"


def summarise_sources(articles: Iterable[tuple[str, str, int, str | None, str | None, str]],
                      failures: Iterable[tuple[str, int]],
                      inputs: Iterable[tuple[str | None, str | None, str]] = (),
                      failed_inputs: Iterable[tuple[str, int]] = ()) -> list[SiteSummary]:
    """Per site: articles (in all and by page type), published range and failures (an error counts for
    the site of its host). Pages without a site or host are grouped by the folder they were read from.

    `articles` holds (site, host, count, first published, last published, page type) groups, the page
    type "" for pages without one; `failures` (host, count) pairs; `inputs` (input, published, page
    type) of each page without a site or a host, grouped by `input_folder` (those without one, with
    the pages of `articles` that have neither, are "(unknown)"); `failed_inputs` (input, count) of
    the failures without a host, counted for the folder of their input likewise.
    """
    folders: dict[str, str] = {}  # site label -> its folder
    grouped: list[tuple[str, str, int, str | None, str | None, str]] = []
    for source, published, page_type in inputs:
        folder = input_folder(source)
        label = "(unknown)" if folder is None else folder_label(folder)
        if folder is not None:
            folders[label] = folder
        grouped.append((label, "", 1, published or None, published or None, page_type))
    failed: list[tuple[str, int]] = []  # (site label, count) of the failures without a host
    for source, count in failed_inputs:
        folder = input_folder(source)
        label = "(unknown)" if folder is None else folder_label(folder)
        if folder is not None:
            folders[label] = folder
        failed.append((label, count))
    sites: dict[str, list[Any]] = {}
    site_of_host: dict[str, str] = {}
    for named, host, count, first, last, page_type in (*articles, *grouped):
        site = named or host or "(unknown)"
        entry = sites.setdefault(site, [0, None, None, 0, {}, set()])
        entry[0] += count
        entry[1] = min(filter(None, (entry[1], first)), default=None)
        entry[2] = max(filter(None, (entry[2], last)), default=None)
        kind = page_type or UNKNOWN
        entry[4][kind] = entry[4].get(kind, 0) + count
        if host:
            site_of_host.setdefault(host, site)
            entry[5].add(host)
    for host, count in failures:
        site = site_of_host.get(host, host) or "(unknown)"
        entry = sites.setdefault(site, [0, None, None, 0, {}, set()])
        entry[3] += count
        if host:
            entry[5].add(host)
    for site, count in failed:
        sites.setdefault(site, [0, None, None, 0, {}, set()])[3] += count
    # By name as a reader sorts it: case and accents aside ("bbc.com" beside "BBC News").
    ordered = sorted(sites.items(), key=lambda item: name_key(item[0]))
    return [SiteSummary(site, entry[0], entry[1], entry[2], entry[3], dict(sorted(entry[4].items())),
                        sorted(entry[5]), folders.get(site)) for site, entry in ordered]


def name_key(name: str) -> tuple[str, str]:
    """A site name's place in a list as a reader sorts it: case and accents aside, then as written."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", name).casefold()
    return "".join(char for char in folded if not unicodedata.combining(char)), name
