"""Exports of stored articles as JSONL, CSV or Parquet, streamed: memory stays constant however many.

The schema is documented in docs/exports.md and pinned by tests: the Article JSON fields plus `id`,
`version`, `stored_at` and `updated_at`. CSV and Parquet flatten `image` into `image_url` and
`image_caption`, and keep list fields (`authors`, `tags`, `related`, and the enrichment: `entities`,
`quotes`, `topics`, `keywords`, `enrichment`) as JSON text in CSV and as nested columns in Parquet.
`page_type` and `page_type_probability` come last.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from newsdesk.store.base import StoredArticle

SCALAR_FIELDS = ("id", "version", "stored_at", "updated_at", "source", "url", "canonical_url", "title",
                 "published", "modified", "language", "site_name", "description", "body", "image_url",
                 "image_caption")
LIST_FIELDS = ("authors", "tags", "related", "entities", "quotes", "topics", "keywords", "enrichment")
# Added after the first release, so at the end: the page type and its probability (docs/page-types.md).
PAGE_TYPE_FIELDS = ("page_type", "page_type_probability")
COLUMNS = SCALAR_FIELDS + LIST_FIELDS + PAGE_TYPE_FIELDS
PARQUET_BATCH = 1_000


def record(stored: StoredArticle) -> dict[str, Any]:
    """The export record of one stored article: its JSON form plus the store's bookkeeping."""
    data = stored.article.to_dict()
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
               pa.field("page_type", text), pa.field("page_type_probability", pa.float64())]
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
