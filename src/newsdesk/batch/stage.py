"""One batch task: one input archive in, Parquet parts out. Runs in a worker process, whatever the
executor; it never imports Dask.

Records are streamed through the stage loop (`newsdesk.pipeline.loop`, in the task's process):
pages are read one at a time from `ArchiveReader`, then extracted, filtered by language, enriched and
written in batches of `CHUNK`, so memory stays constant whatever the size of the file.
Every part is written under a temporary name (starting with "." so dataset readers skip it) and
renamed only when it is complete; a task that dies leaves no part that looks whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from newsdesk.article import Article
from newsdesk.errors import ArchiveError, NewsdeskError
from newsdesk.pipeline.loop import Failure, Item, Stage, run
from newsdesk.pipeline.stages import Enrich, EnrichStage, Extract
from newsdesk.settings import Settings
from newsdesk.text import language_key

CHUNK = 64  # articles enriched and written together
ROW_GROUP = 1_000  # rows buffered per partition before they are written as one row group
ARTICLES_DIR = "articles"
ERRORS_DIR = "errors"
UNKNOWN_DATE = "unknown"
UNKNOWN_LANGUAGE = "und"  # ISO 639-2 "undetermined"
# Columns a batch adds after the article columns of `newsdesk.exports.parquet_schema()` (whose own
# `input`, last, gives way to the batch's).
BATCH_COLUMNS = ("record_id", "input", "offset", "crawl_date", "fetched_at")


@dataclass(frozen=True)
class InputTask:
    """What a worker needs to process one input: picklable, and the same on every attempt."""

    input: str  # absolute path of the archive
    out: str  # the output folder
    enrich: bool = False
    languages: tuple[str, ...] = ()  # keep only these (primary subtags); empty keeps all
    settings: Settings = field(default_factory=Settings)


@dataclass
class Part:
    path: str  # relative to the output folder
    rows: int
    sha256: str
    bytes: int


@dataclass
class InputResult:
    """What a finished task reports; the driver writes it to the manifest."""

    input: str
    records: int = 0  # records the archive held (of every kind)
    pages: int = 0  # HTML (or WET text) records read as pages
    rows: int = 0  # article rows written
    filtered: int = 0  # articles left out by the language filter
    errors: int = 0  # rows of the errors table (bad records, a broken file)
    skipped: dict[str, int] = field(default_factory=dict)
    broken_at: int | None = None  # the byte where a truncated or corrupt file broke
    parts: list[Part] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the worker process during the task (all its threads)
    peak_rss: int = 0  # bytes: the worker process's peak resident memory so far
    worker: str = ""  # host:pid of the process that ran the task

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> InputResult:
        parts = [Part(**part) for part in data.get("parts", [])]
        return InputResult(**{**data, "parts": parts})


def input_id(path: str) -> str:
    """A short stable name for an input: its file name and a hash of its absolute path."""
    name = Path(path).name
    for suffix in (".gz", ".warc", ".wet", ".arc"):
        name = name.removesuffix(suffix)
    return f"{name}-{hashlib.sha1(path.encode()).hexdigest()[:10]}"


def process_input(task: InputTask, enrich: Enrich | None = None) -> InputResult:
    """Read, extract, (enrich) and write one archive through the stage loop; bad records go to the
    errors table. `enrich` replaces the project's enrichment (which `task.enrich` asks for)."""
    from newsdesk.sources.warc import ArchiveReader

    started, cpu_started = time.perf_counter(), time.process_time()
    result = InputResult(input=task.input)
    writer = _PartWriter(Path(task.out), input_id(task.input))
    errors: list[dict[str, Any]] = []
    reader = ArchiveReader(task.input, max_bytes=task.settings.max_input_bytes)
    report = _Reporter(Path(task.out), input_id(task.input))
    work: list[Stage] = [Extract(task.settings)]
    if task.languages:  # filtered before enrichment, the costly part: only kept articles are enriched
        work.append(LanguageFilter(task.languages))
    if task.enrich or enrich is not None:
        work.append(EnrichStage(task.settings, enrich))

    def fail(failure: Failure) -> None:
        errors.append(_error(task.input, _offset(failure.source), failure.stage, failure.reason))

    def records() -> Iterator[Item]:
        for item in reader:
            report(result.pages, _offset(item.source) or 0)
            if isinstance(item, NewsdeskError):
                offset = item.offset if isinstance(item, ArchiveError) else _offset(item.source)
                if isinstance(item, ArchiveError):
                    result.broken_at = item.offset
                errors.append(_error(task.input, offset, item.stage or "read", item.reason))
                continue
            result.pages += 1
            yield Item(item)

    try:
        run(records(), work=work, keep=[_Rows(task, writer, result)], batch_size=CHUNK, fail=fail)
        result.parts = writer.finish()
        if errors:
            result.parts.append(_write_errors(Path(task.out), input_id(task.input), errors))
    except BaseException:
        writer.abort()
        raise
    result.records = reader.counts.read
    result.skipped = dict(reader.counts.skipped)
    result.errors = len(errors)
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu_started
    result.peak_rss = _peak_rss()
    result.worker = f"{socket.gethostname()}:{os.getpid()}"
    report.done()
    return result


PROGRESS_DIR = ".progress"
PROGRESS_EVERY = 0.5  # seconds between two progress notes of a task


class _Reporter:
    """Notes how far a task has got (pages read, byte offset) in a small file the driver polls, so
    the progress display moves between finished files on any executor (the output folder is shared)."""

    def __init__(self, out: Path, name: str) -> None:
        self.path = out / PROGRESS_DIR / f"{name}.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.last = 0.0

    def __call__(self, pages: int, offset: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        with contextlib.suppress(OSError):
            temporary.write_text(f'{{"pages": {pages}, "offset": {offset}}}', encoding="utf-8")
            os.replace(temporary, self.path)

    def done(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class LanguageFilter:
    """A work stage: leaves out (`kept` False) the articles not in one of `languages` (primary
    subtags), detecting the language of those whose page does not say it."""

    languages: tuple[str, ...]

    def process(self, items: list[Item]) -> None:
        for item in items:
            article = item.article
            if article is None:
                continue
            if not article.language:
                article.language = _detect(article.body)
            item.kept = (language_key(article.language) or UNKNOWN_LANGUAGE) in self.languages


@dataclass
class _Rows:
    """The keeping stage of a batch task: each live article as a row of its (crawl date, language)
    part; the articles left out by the language filter (before enrichment, or after it when
    enrichment found another language) are counted."""

    task: InputTask
    writer: _PartWriter
    result: InputResult

    def process(self, items: list[Item]) -> None:
        for item in items:
            article, page = item.article, item.page
            if article is None or page is None:
                continue
            if not item.kept:
                self.result.filtered += 1
                continue
            if not article.language:
                article.language = _detect(article.body)
            language = language_key(article.language) or UNKNOWN_LANGUAGE
            if self.task.languages and language not in self.task.languages:
                self.result.filtered += 1
                continue
            fetched = page.fetched_at
            if fetched is not None and fetched.tzinfo is not None:
                fetched = fetched.astimezone(UTC)
            date = fetched.date().isoformat() if fetched is not None else UNKNOWN_DATE
            offset = _offset(page.source) or 0
            row = _row(article)
            row.update(record_id=f"{self.task.input}@{offset}", input=self.task.input, offset=offset,
                       crawl_date=date, fetched_at=fetched.isoformat() if fetched is not None else None)
            self.writer.add(date, language, row)
            self.result.rows += 1


def _detect(body: str) -> str | None:
    from newsdesk.enrich.language import detect_language

    return detect_language(body)


def _row(article: Article) -> dict[str, Any]:
    from newsdesk.exports import flatten

    data = flatten(article.to_dict(), parquet=True)
    data.pop("extraction", None)
    return data


def _offset(source: str | None) -> int | None:
    tail = (source or "").rpartition("@")[2]
    return int(tail) if tail.isdigit() else None


def _error(input: str, offset: int | None, stage: str, reason: str) -> dict[str, Any]:
    record_id = f"{input}@{offset}" if offset is not None else input
    return {"record_id": record_id, "input": input, "offset": offset, "stage": stage, "reason": reason}


def article_schema() -> Any:
    """The article schema of `export --format parquet` plus the batch columns (see docs/batch.md)."""
    import pyarrow as pa

    from newsdesk.exports import parquet_schema

    schema = parquet_schema()
    # A batch row's `input` is the archive it was read from (its record: `record_id`, path@offset), not
    # the export's `input` (the article's source, path@offset here too): the batch column stays.
    schema = schema.remove(schema.get_field_index("input"))
    extra = [pa.field("record_id", pa.string(), nullable=False), pa.field("input", pa.string()),
             pa.field("offset", pa.int64()), pa.field("crawl_date", pa.string()),
             pa.field("fetched_at", pa.string())]
    for extra_field in extra:
        schema = schema.append(extra_field)
    return schema


def errors_schema() -> Any:
    import pyarrow as pa

    return pa.schema([pa.field("record_id", pa.string()), pa.field("input", pa.string()),
                      pa.field("offset", pa.int64()), pa.field("stage", pa.string()),
                      pa.field("reason", pa.string())])


class _PartWriter:
    """Parquet parts of one input, one per (crawl date, language), written under temporary names."""

    def __init__(self, out: Path, name: str) -> None:
        self.out = out
        self.name = name
        self.schema = article_schema()
        self.open: dict[tuple[str, str], tuple[Any, Path, Path, list[dict[str, Any]], list[int]]] = {}

    def add(self, date: str, language: str, row: dict[str, Any]) -> None:
        key = (date, language)
        entry = self.open.get(key)
        if entry is None:
            import pyarrow.parquet as pq

            final = self.out / ARTICLES_DIR / f"crawl_date={date}" / f"language={language}" / \
                f"{self.name}.parquet"
            final.parent.mkdir(parents=True, exist_ok=True)
            temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
            writer = pq.ParquetWriter(temporary, self.schema, compression="zstd")
            entry = self.open[key] = (writer, temporary, final, [], [0])
        buffer = entry[3]
        buffer.append(row)
        if len(buffer) >= ROW_GROUP:
            self._write(entry)

    def _write(self, entry: tuple[Any, Path, Path, list[dict[str, Any]], list[int]]) -> None:
        import pyarrow as pa

        writer, _, _, buffer, count = entry
        if buffer:
            writer.write_table(pa.Table.from_pylist(buffer, schema=self.schema))
            count[0] += len(buffer)
            buffer.clear()

    def finish(self) -> list[Part]:
        parts = []
        for entry in self.open.values():
            self._write(entry)
            writer, temporary, final, _, count = entry
            writer.close()
            parts.append(_publish(temporary, final, self.out, count[0]))
        self.open.clear()
        return parts

    def abort(self) -> None:
        for writer, temporary, *_ in self.open.values():
            with contextlib.suppress(Exception):
                writer.close()
            temporary.unlink(missing_ok=True)
        self.open.clear()


def _write_errors(out: Path, name: str, errors: list[dict[str, Any]]) -> Part:
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = out / ERRORS_DIR / f"{name}.parquet"
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(pa.Table.from_pylist(errors, schema=errors_schema()), temporary, compression="zstd")
    return _publish(temporary, final, out, len(errors))


def _publish(temporary: Path, final: Path, out: Path, rows: int) -> Part:
    """Flush the finished part to disk, checksum it and give it its final name (atomically)."""
    digest = hashlib.sha256()
    with temporary.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
        os.fsync(handle.fileno())
    size = temporary.stat().st_size
    os.replace(temporary, final)
    return Part(path=final.relative_to(out).as_posix(), rows=rows, sha256=digest.hexdigest(), bytes=size)


def _peak_rss() -> int:
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)
