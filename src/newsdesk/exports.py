"""Exports of stored articles as JSONL, CSV or Parquet, streamed: memory stays constant however many;
and the one policy for what any export (Markdown, HTML, RSS) may link to and how its text is escaped.

The schema is documented in docs/exports.md and pinned by tests: the Article JSON fields plus `id`,
`version`, `stored_at` and `updated_at`. CSV and Parquet flatten `image` into `image_url` and
`image_caption`, and keep list fields (`authors`, `tags`, `related`, and the enrichment: `entities`,
`quotes`, `topics`, `keywords`, `enrichment`) as JSON text in CSV and as nested columns in Parquet.
`page_type` and `page_type_probability` come after them, and `input` (where the page came from;
`source` is its old name, kept for one release) last.

Text of pages is hostile: a title may be `</title><script>...`, a URL `javascript:...` or `data:...`,
or made to break out of Markdown's link syntax. Every link of every export and of the desk goes
through `http_url` (http and https only, nothing else is linked); Markdown text through
`markdown_text` and link targets through `markdown_url`; HTML through `html.escape`; RSS through the
XML serializer.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any
from urllib.parse import quote, urlsplit

from newsdesk.article import Article
from newsdesk.store.base import SearchHit, SearchRequest, Store, StoredArticle

SCALAR_FIELDS = ("id", "version", "stored_at", "updated_at", "source", "url", "canonical_url", "title",
                 "published", "modified", "language", "site_name", "description", "body", "image_url",
                 "image_caption")
LIST_FIELDS = ("authors", "tags", "related", "entities", "quotes", "topics", "keywords", "enrichment")
# Added after the first release, so at the end: the page type and its probability (docs/page-types.md).
PAGE_TYPE_FIELDS = ("page_type", "page_type_probability")
# Where the page came from (a path, path@offset in an archive, a URL) under its own name, `input`: the
# Article field and its old name `source` (kept beside it for one release) say the same.
INPUT_FIELDS = ("input",)
# What researchers join on, after them: the story and duplicate group of the article (empty until
# ingest or `newsdesk stories` placed it), and, when the export ran a search, the hit's snippet (its
# matched words in [brackets]) and score (higher is better, within one backend and one query).
JOIN_FIELDS = ("story_id", "duplicate_group", "snippet", "score")
COLUMNS = SCALAR_FIELDS + LIST_FIELDS + PAGE_TYPE_FIELDS + INPUT_FIELDS + JOIN_FIELDS
JOIN_BATCH = 500
PARQUET_BATCH = 1_000


def http_url(url: str | None) -> str | None:
    """An http(s) URL to link, or None: never javascript:, data:, a relative path or anything else."""
    if not url or not url.strip():
        return None
    url = url.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        return None  # a control character (a newline) in a URL breaks whatever format holds it
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


# Characters Markdown (CommonMark and GitHub's) reads as syntax within a line: emphasis, code, links and
# images, raw HTML and entities, strikethrough, tables, a heading ("#" where a line or list item starts);
# and the backslash itself.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]<>&~|#])")
# What starts a block where a line starts: a list item ("-", "+", "1." or "1)"), a setext heading's
# underline or a thematic break ("=", "-").
_LINE_START = re.compile(r"(?m)^([ \t]*)([-+=])|^([ \t]*\d{1,9})([.)])")


def markdown_text(text: str, *, lines: bool = False) -> str:
    """`text` as literal Markdown: every character Markdown would read as syntax backslash-escaped (a
    CommonMark renderer shows it as the character, so `<script>` stays text). On one line unless
    `lines` (a body: its line breaks kept)."""
    if not lines:
        text = " ".join(text.split())
    escaped = _MARKDOWN_SYNTAX.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[3]}\\{m[4]}", escaped)


def markdown_url(url: str | None) -> str | None:
    """A link target for Markdown `[text](target)`: an http(s) URL with every character that could end
    or bend the link (spaces, parentheses, angle brackets, quotes, backslashes) percent-encoded; None
    when the URL is not one to link."""
    safe = http_url(url)
    return None if safe is None else quote(safe, safe="!#$%&'*+,-./:;=?@[]~_")


def markdown_link(text: str, url: str | None) -> str:
    """`[text](url)`, escaped; the text alone when the URL is not one to link."""
    target = markdown_url(url)
    return f"[{markdown_text(text)}]({target})" if target else markdown_text(text)


def article_record(article: Article) -> dict[str, Any]:
    """What every output shows of an article: its JSON form, with `input` (where the page came from)
    after the rest; `source`, its old name, says the same until the next release."""
    data = article.to_dict()
    data["input"] = article.source
    return data


def record(stored: StoredArticle) -> dict[str, Any]:
    """The export record of one stored article: its JSON form (`article_record`) plus the store's
    bookkeeping. `url` is the canonical URL when the page gave no other (what researchers join on is
    never empty when an address is known)."""
    data = article_record(stored.article)
    if not data.get("url") and data.get("canonical_url"):
        data["url"] = data["canonical_url"]
    return {"id": stored.id, "version": stored.version, "stored_at": stored.stored_at,
            "updated_at": stored.updated_at, **data}


def article_markdown(stored: StoredArticle, story_id: str | None = None) -> str:
    """One stored article as Markdown to read or paste: title, where and when, the body, then its
    quotations (with their speakers), the entities it names (most mentioned first) and its related
    links; every text escaped and only http(s) URLs linked (`markdown_text`, `markdown_link`)."""
    article = stored.article
    names = {entity.id: entity.name for entity in article.entities}
    url = article.canonical_url or article.url
    lines = [f"# {markdown_text(article.title or '(untitled)')}", ""]
    meta = [f"**{name}:** {value}" for name, value in (
        ("Site", markdown_text(article.site_name or "")),
        ("Published", markdown_text(article.published or "")),
        ("Authors", markdown_text(", ".join(article.authors))),
        ("URL", markdown_link(url, url) if url else ""),
        ("Article", str(stored.id)), ("Story", markdown_text(story_id or ""))) if value]
    if meta:
        lines += ["  \n".join(meta), ""]
    lines.append(markdown_text(article.body, lines=True))
    if article.quotes:
        lines += ["", "## Quotations", ""]
        for quote in article.quotes:
            speaker = names.get(quote.speaker or "") or quote.speaker_name or "unknown speaker"
            lines.append(f"- “{markdown_text(quote.text)}” — {markdown_text(speaker)}"
                         + (" (reported)" if quote.type != "direct" else ""))
    if article.entities:
        lines += ["", "## Named", ""]
        ranked = sorted(article.entities, key=lambda entity: (-len(entity.mentions), entity.name))
        lines += [f"- {markdown_text(entity.name)} ({entity.type}, {len(entity.mentions)} "
                  f"mention{'' if len(entity.mentions) == 1 else 's'})" for entity in ranked]
    if article.related:
        lines += ["", "## Related", ""]
        lines += [f"- {markdown_link(link.title or link.url or '', link.url)}" for link in article.related]
    return "\n".join(lines) + "\n"


Joined = tuple[StoredArticle, dict[str, Any]]  # an article and its JOIN_FIELDS


def joined(store: Store, articles: Iterable[StoredArticle],
           hits: dict[int, SearchHit] | None = None) -> Iterator[Joined]:
    """Each article with its story id ("S12"), duplicate group (the id of the group's earliest copy) and,
    for the hits of a search (`hits` by article id), snippet and score; looked up JOIN_BATCH at a time."""
    batch: list[StoredArticle] = []

    def flush() -> Iterator[Joined]:
        placed = store.placements([stored.id for stored in batch])
        for stored in batch:
            group, story = placed.get(stored.id, (None, None))
            hit = (hits or {}).get(stored.id)
            yield stored, {"story_id": None if story is None else f"S{story}", "duplicate_group": group,
                           "snippet": hit.snippet.marked("[", "]") if hit else None,
                           "score": hit.score if hit else None}
        batch.clear()

    for stored in articles:
        batch.append(stored)
        if len(batch) >= JOIN_BATCH:
            yield from flush()
    yield from flush()


def searched(store: Store, request: SearchRequest, page_size: int = 200) -> Iterator[Joined]:
    """Every hit of a search with a query, best first (or newest, with sort="date"), a page at a time,
    each with its snippet and score and its JOIN_FIELDS."""
    from dataclasses import replace

    cursor = None
    while True:
        page = store.search(replace(request, limit=page_size, cursor=cursor))
        hits = {hit.id: hit for hit in page.hits}
        found = [stored for hit in page.hits if (stored := store.get(hit.id)) is not None]
        yield from joined(store, found, hits)
        if not page.next_cursor or not page.hits:
            return
        cursor = page.next_cursor


def _pair(item: StoredArticle | Joined) -> Joined:
    return item if isinstance(item, tuple) else (item, {})


def exported(store: Store, request: SearchRequest) -> Iterator[Joined]:
    """The articles of an export with their JOIN_FIELDS: with a query, the hits best first with their
    snippet and score; without, newest first."""
    return searched(store, request) if request.query else joined(store, store.iter_articles(request))


def export_record(item: StoredArticle | Joined) -> dict[str, Any]:
    """The JSONL record of an export: `record` and the JOIN_FIELDS (null when not known)."""
    stored, extra = _pair(item)
    return {**record(stored), **{name: extra.get(name) for name in JOIN_FIELDS}}


def flat_record(item: StoredArticle | Joined) -> dict[str, Any]:
    data = flatten(export_record(item))
    return {name: data.get(name) for name in COLUMNS}


def flatten(data: dict[str, Any], parquet: bool = False) -> dict[str, Any]:
    """An article's record (`Article.to_dict`, `record`) as the columns of CSV and Parquet, in place:
    `image` as `image_url` and `image_caption`; for Parquet, `enrichment` as the (key, value) pairs of
    its map column. Every flat form (CSV, Parquet exports, batch parts) is made here."""
    if "image" in data:
        image = data.pop("image") or {}
        data["image_url"], data["image_caption"] = image.get("url"), image.get("caption")
    if parquet:
        data["enrichment"] = list((data.get("enrichment") or {}).items())
    return data


def write_jsonl(articles: Iterable[StoredArticle | Joined], out: IO[str]) -> int:
    count = 0
    for item in articles:
        out.write(json.dumps(export_record(item), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(articles: Iterable[StoredArticle | Joined], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for stored in articles:
        row = flat_record(stored)
        for name in LIST_FIELDS:
            row[name] = json.dumps(row[name], ensure_ascii=False)
        writer.writerow(row)
        count += 1
    return count


def parquet_schema() -> Any:
    import pyarrow as pa

    text = pa.string()
    fields = [pa.field("id", pa.int64()), pa.field("version", pa.int64())]
    fields += [pa.field(name, text) for name in SCALAR_FIELDS[2:]]
    span = pa.list_(pa.int64(), 2)
    fields += [pa.field("authors", pa.list_(text)), pa.field("tags", pa.list_(text)),
               pa.field("related", pa.list_(pa.struct([("title", text), ("url", text)]))),
               pa.field("entities", pa.list_(pa.struct([("id", text), ("name", text), ("type", text),
                                                         ("mentions", pa.list_(span)),
                                                         ("caption_mentions", pa.list_(span))]))),
               pa.field("quotes", pa.list_(pa.struct([
                   ("text", text), ("type", text), ("span", span), ("speaker_name", text),
                   ("speaker_span", span), ("cue", text), ("cue_span", span), ("speaker", text)]))),
               pa.field("topics", pa.list_(pa.struct([("id", text), ("name", text),
                                                       ("score", pa.float64())]))),
               pa.field("keywords", pa.list_(pa.struct([("text", text), ("score", pa.float64()),
                                                         ("mentions", pa.list_(span))]))),
               pa.field("enrichment", pa.map_(text, text)),
               pa.field("page_type", text), pa.field("page_type_probability", pa.float64()),
               pa.field("input", text)]
    return pa.schema(fields)


def export_schema() -> Any:
    """The Parquet schema of an export: the article columns (`parquet_schema`) and the JOIN_FIELDS."""
    import pyarrow as pa

    schema = parquet_schema()
    for field in (pa.field("story_id", pa.string()), pa.field("duplicate_group", pa.int64()),
                  pa.field("snippet", pa.string()), pa.field("score", pa.float64())):
        schema = schema.append(field)
    return schema


def _batches(articles: Iterable[StoredArticle | Joined], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for stored in articles:
        batch.append(flatten(flat_record(stored), parquet=True))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(articles: Iterable[StoredArticle | Joined], path: str) -> int:
    """Write a Parquet file in row groups of PARQUET_BATCH articles (pyarrow, an optional extra)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency, this is for stripped installs
        raise RuntimeError("Parquet export needs pyarrow: pip install pyarrow") from None
    schema = export_schema()
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in _batches(articles, PARQUET_BATCH):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
