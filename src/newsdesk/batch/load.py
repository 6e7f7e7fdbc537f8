"""`newsdesk load`: the articles of a batch output into a store.

Only complete parts are read: those the manifest lists. Loading is insert-only and so idempotent: an
article whose key (canonical URL, else URL, else source, else body hash; see
`newsdesk.store.rows.article_key`) is already in the store is left as it is, and the first record of
a key in the output wins. Loading the same output twice (or two overlapping outputs) stores each
article once.

PostgreSQL: the keys of each chunk of `CHUNK` articles already in the store are looked up first
(so a second load only reads); the rows of the new ones (JSON, filter columns, tsvector: the
tokenising is the costly part) are made in worker processes (`Executor.in_order` of
`newsdesk.pipeline.executors`, as ingest's batches), sent with one `COPY` into a temporary
table, then moved into the store's tables by three set-based statements (articles, search index,
authors) in one transaction, with the rows of the entity, speaker and topic filters of enriched
articles; an article that another load stored meanwhile is left as it is.
Other stores: the stage loop of `newsdesk.pipeline.loop`, whose keeping stage puts the keys not yet
there through the store's `put_many`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from newsdesk.article import Article
from newsdesk.batch.manifest import Manifest
from newsdesk.batch.stage import ARTICLES_DIR, BATCH_COLUMNS
from newsdesk.errors import InputError
from newsdesk.pipeline.executors import Executor, InProcessExecutor, ProcessExecutor
from newsdesk.pipeline.loop import Item, run
from newsdesk.store import open_store
from newsdesk.store import rows as store_rows
from newsdesk.store.base import Store
from newsdesk.store.enrichment import EnrichmentRows

CHUNK = 5_000
_STORE_COLUMNS = ("id", "version", "stored_at", "updated_at")


@dataclass
class LoadResult:
    read: int = 0  # article rows read from the output
    stored: int = 0  # new in the store
    present: int = 0  # already in the store (or twice in the output): left as they were
    seconds: float = 0.0


def output_parts(out: Path) -> list[Path]:
    """The complete article parts of a batch output, as the manifest lists them."""
    if not (out / "manifest.jsonl").is_file():
        raise InputError("not a batch output folder (no manifest.jsonl)", source=str(out), stage="load")
    parts = [out / part["path"] for entry in Manifest(out).done.values() for part in entry.get("parts", [])
             if part["path"].startswith(ARTICLES_DIR + "/")]
    return sorted(dict.fromkeys(parts))


def read_articles(out: Path, batch_rows: int = 1_000) -> Iterator[Article]:
    """Every article of a batch output, streamed a row group at a time."""
    import pyarrow.parquet as pq

    for part in output_parts(out):
        with pq.ParquetFile(part) as handle:
            for batch in handle.iter_batches(batch_size=batch_rows):
                for row in batch.to_pylist():
                    yield article_of(row)


def article_of(row: dict[str, Any]) -> Article:
    for name in (*_STORE_COLUMNS, *BATCH_COLUMNS):
        row.pop(name, None)
    url, caption = row.pop("image_url", None), row.pop("image_caption", None)
    row["image"] = {"url": url, "caption": caption} if url or caption else None
    row["enrichment"] = dict(row.get("enrichment") or [])
    for name in ("authors", "tags", "related", "entities", "quotes", "topics", "keywords"):
        row[name] = row.get(name) or []
    return Article.from_dict(row)


def _chunks(articles: Iterator[Article], size: int) -> Iterator[list[Article]]:
    while chunk := list(islice(articles, size)):
        yield chunk


def load_output(out: str | Path, url: str | None, *, chunk: int = CHUNK, jobs: int | None = None,
                advance: Any = None) -> LoadResult:
    """Load the batch output folder `out` into the store at `url`; `advance(n)` is told of progress.
    For PostgreSQL, `jobs` processes (default: the number of cores) make the rows to COPY."""
    import os
    import time

    started = time.perf_counter()
    out = Path(out)
    articles = read_articles(out)
    store = open_store(url)  # creates or migrates the tables, whichever the backend
    result = LoadResult()
    try:
        from newsdesk.store.postgres import PostgresStore

        is_postgres = isinstance(store, PostgresStore)
    except ImportError:  # pragma: no cover - postgres.py imports psycopg lazily
        is_postgres = False
    try:
        if is_postgres:
            store.close()
            _load_postgres(url or "", _chunks(articles, chunk), result, advance, jobs or os.cpu_count() or 1)
        else:
            with store:  # the stage loop: no work stage, one keeping stage (nothing here can fail)
                run((Item(article=article) for article in articles), work=[],
                    keep=[_PutNew(store, result, advance)], batch_size=chunk, fail=lambda failure: None)
    finally:
        result.seconds = time.perf_counter() - started
    return result


@dataclass
class _PutNew:
    """The keeping stage of a load into a store other than PostgreSQL: the articles of a batch whose
    key is not in the store yet (the first of each key), through `put_many`."""

    store: Store
    result: LoadResult
    advance: Any

    def process(self, items: list[Item]) -> None:
        group = [item.article for item in items if item.article is not None]
        self.result.read += len(group)
        fresh = [article for key, article in _first_per_key(group).items() if self.store.get(key) is None]
        self.result.stored += sum(outcome.status == "stored" for outcome in self.store.put_many(fresh))
        self.result.present = self.result.read - self.result.stored
        if self.advance:
            self.advance(len(group))


def _first_per_key(articles: list[Article]) -> dict[str, Article]:
    first: dict[str, Article] = {}
    for article in articles:
        first.setdefault(store_rows.article_key(article), article)
    return first


_STAGING = """CREATE TEMPORARY TABLE IF NOT EXISTS newsdesk_load (
    key TEXT NOT NULL, url TEXT, fingerprint TEXT NOT NULL, data TEXT NOT NULL, title TEXT NOT NULL,
    site TEXT NOT NULL, site_key TEXT NOT NULL, host TEXT NOT NULL, published_key TEXT NOT NULL,
    language_key TEXT NOT NULL, page_type TEXT NOT NULL, article_like INTEGER NOT NULL, tsv TEXT NOT NULL,
    authors TEXT[] NOT NULL
) ON COMMIT DELETE ROWS"""
_NAMES = ("CREATE TEMPORARY TABLE IF NOT EXISTS newsdesk_names (id TEXT, name TEXT, type TEXT, "
          "name_key TEXT) "
          "ON COMMIT DELETE ROWS")
_FRESH = "CREATE TEMPORARY TABLE IF NOT EXISTS newsdesk_fresh (id BIGINT, key TEXT) ON COMMIT DELETE ROWS"
_COPY = ("COPY newsdesk_load (key, url, fingerprint, data, title, site, site_key, host, published_key, "
         "language_key, page_type, article_like, tsv, authors) FROM STDIN")
_INSERT = """WITH fresh AS (
    INSERT INTO articles (key, url, fingerprint, stored_at, updated_at, data)
    SELECT key, url, fingerprint, %(at)s, %(at)s, data FROM newsdesk_load
    ON CONFLICT (key) DO NOTHING RETURNING id, key)
INSERT INTO newsdesk_fresh (id, key) SELECT id, key FROM fresh"""
_SEARCH = """INSERT INTO article_search (id, title, site, site_key, host, published_key, language_key,
    page_type, article_like, tsv)
SELECT f.id, s.title, s.site, s.site_key, s.host, s.published_key, s.language_key, s.page_type,
    s.article_like, CAST(s.tsv AS tsvector)
FROM newsdesk_fresh f JOIN newsdesk_load s ON s.key = f.key"""
_AUTHORS = """INSERT INTO article_authors (article_id, author_key)
SELECT f.id, unnest(s.authors) FROM newsdesk_fresh f JOIN newsdesk_load s ON s.key = f.key"""


Staged = tuple[list[list[Any]], dict[str, EnrichmentRows]]


def _stage(chunk: tuple[int, list[Article]]) -> tuple[int, Staged]:
    """The rows of a chunk's new articles, with the number of rows read for it (a worker's job)."""
    read, articles = chunk
    return read, _copy_rows(articles)


def _copy_rows(articles: list[Article]) -> Staged:
    """The staging rows of new articles (the store's JSON, key, fingerprint, filter columns and
    tsvector: tokenising the text is most of the work of a load, so it runs in worker processes),
    and the enrichment rows (entities, speakers, topics) of those that have any, by key."""
    made = []
    enriched: dict[str, EnrichmentRows] = {}
    for article in articles:
        row = store_rows.ArticleRow.of(article)
        made.append([row.key, row.url, row.fingerprint, row.data, *row.search_values(),
                     store_rows.index_of(article).tsvector(), row.author_keys])
        if row.enriched.entities or row.enriched.speakers or row.enriched.topics:
            enriched[row.key] = row.enriched
    return made, enriched


def _copy_enrichment(cur: Any, items: list[tuple[int, EnrichmentRows]]) -> None:
    """The entity, speaker and topic filters' rows of new articles (what `store.enrichment.write`
    inserts row by row for the store's own writes), by COPY: an enriched article has dozens."""
    tables: dict[str, list[tuple[Any, ...]]] = {
        "COPY newsdesk_names (id, name, type, name_key) FROM STDIN":
            list({row[0]: row[:4] for _, rows in items for row in rows.entities}.values()),
        "COPY article_entities (article_id, entity_id, mentions) FROM STDIN":
            [(id, row[0], row[4]) for id, rows in items for row in rows.entities],
        "COPY article_speakers (article_id, speaker_key, entity_id, quotes) FROM STDIN":
            [(id, *row) for id, rows in items for row in rows.speakers],
        "COPY article_topics (article_id, topic_id, name_key) FROM STDIN":
            [(id, *row) for id, rows in items for row in rows.topics],
    }
    for statement, values in tables.items():
        with cur.copy(statement) as copying:
            for row in values:
                copying.write_row(row)
    cur.execute("INSERT INTO entities (id, name, type, name_key) SELECT id, name, type, name_key "
                "FROM newsdesk_names ON CONFLICT (id) DO NOTHING")
    cur.execute("DELETE FROM newsdesk_names")


def _load_postgres(url: str, chunks: Iterator[list[Article]], result: LoadResult, advance: Any,
                   jobs: int) -> None:
    import psycopg

    from newsdesk.errors import StoreError
    from newsdesk.store.postgres_schema import keep_loaded

    try:
        connection = psycopg.connect(url, autocommit=True)
    except psycopg.Error as error:
        raise StoreError(f"cannot connect to PostgreSQL: {error}".strip(), stage="load") from None
    executor: Executor = ProcessExecutor(jobs) if jobs > 1 else InProcessExecutor()

    def copy(read: int, made: Staged) -> None:
        staged, enriched = made
        with connection.transaction(), connection.cursor() as cur:
            with cur.copy(_COPY) as copying:
                for row in staged:
                    copying.write_row(row)
            cur.execute(_INSERT, {"at": store_rows.now()})
            stored = max(cur.rowcount, 0)
            cur.execute(_SEARCH)
            cur.execute(_AUTHORS)
            # The prefix groups and word ranks that bound PostgreSQL's ranking (the store's own writes
            # keep them for each article): without them a loaded article would be ranked as if its title
            # held no word and its body no crowd of words with a prefix.
            keep_loaded(cur, "a.id IN (SELECT id FROM newsdesk_fresh)")
            if enriched:
                fresh = cur.execute("SELECT id, key FROM newsdesk_fresh").fetchall()
                _copy_enrichment(cur, [(id, enriched[key]) for id, key in fresh if key in enriched])
            cur.execute("DELETE FROM newsdesk_load")
            cur.execute("DELETE FROM newsdesk_fresh")
        result.read += read
        result.stored += stored
        result.present = result.read - result.stored
        if advance:
            advance(read)

    def todo() -> Iterator[tuple[int, list[Article]]]:
        """Each chunk's articles not in the store yet (the first of each key), looked up here."""
        for group in chunks:
            fresh = _first_per_key(group)
            present = connection.execute("SELECT key FROM articles WHERE key = ANY(%s)",
                                         [list(fresh)]).fetchall()
            for (key,) in present:
                del fresh[key]
            yield len(group), list(fresh.values())

    try:
        with connection:
            connection.execute(_STAGING)
            connection.execute(_FRESH)
            connection.execute(_NAMES)
            for read, made in executor.in_order(_stage, todo()):
                copy(read, made)
    finally:
        executor.close()
