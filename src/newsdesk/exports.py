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
from newsdesk.store.base import StoredArticle

SCALAR_FIELDS = ("id", "version", "stored_at", "updated_at", "source", "url", "canonical_url", "title",
                 "published", "modified", "language", "site_name", "description", "body", "image_url",
                 "image_caption")
LIST_FIELDS = ("authors", "tags", "related", "entities", "quotes", "topics", "keywords", "enrichment")
# Added after the first release, so at the end: the page type and its probability (docs/page-types.md).
PAGE_TYPE_FIELDS = ("page_type", "page_type_probability")
# Where the page came from (a path, path@offset in an archive, a URL) under its own name, `input`: the
# Article field and its old name `source` (kept beside it for one release) say the same.
INPUT_FIELDS = ("input",)
COLUMNS = SCALAR_FIELDS + LIST_FIELDS + PAGE_TYPE_FIELDS + INPUT_FIELDS
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
# images, raw HTML and entities, strikethrough, tables; and the backslash itself.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]<>&~|])")


def markdown_text(text: str, *, lines: bool = False) -> str:
    """`text` as literal Markdown: every character Markdown would read as syntax backslash-escaped (a
    CommonMark renderer shows it as the character, so `<script>` stays text). On one line unless
    `lines` (a body: its line breaks kept)."""
    if not lines:
        text = " ".join(text.split())
    return _MARKDOWN_SYNTAX.sub(r"\\\1", text)


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


def flat_record(stored: StoredArticle) -> dict[str, Any]:
    data = record(stored)
    image = data.pop("image") or {}
    data["image_url"], data["image_caption"] = image.get("url"), image.get("caption")
    return {name: data.get(name) for name in COLUMNS}


def write_jsonl(articles: Iterable[StoredArticle], out: IO[str]) -> int:
    count = 0
    for stored in articles:
        out.write(json.dumps(record(stored), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(articles: Iterable[StoredArticle], out: IO[str]) -> int:
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


def _batches(articles: Iterable[StoredArticle], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for stored in articles:
        row = flat_record(stored)
        row["enrichment"] = list(row["enrichment"].items())
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(articles: Iterable[StoredArticle], path: str) -> int:
    """Write a Parquet file in row groups of PARQUET_BATCH articles (pyarrow, an optional extra)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency, this is for stripped installs
        raise RuntimeError("Parquet export needs pyarrow: pip install pyarrow") from None
    schema = parquet_schema()
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in _batches(articles, PARQUET_BATCH):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
