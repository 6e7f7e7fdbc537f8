"""Ingest: sources yield pages, the extractor makes articles, enrichment fills in what they say, the
store keeps them, in batches. With `processes` > 1, extraction and enrichment of whole batches run in
worker processes (each loads the spaCy pipeline once) while this process reads and stores, in order.

A batch is stored in one transaction together with the checkpoints of the inputs it finishes, so a
run killed at any point (Ctrl-C, kill -9) loses at most the batch in flight, and the same command run
again skips every input already done: nothing is extracted twice, nothing is stored twice.
Every failure is recorded in the store with its source, stage and reason, and the run goes on.

After each batch is stored, its new articles join their duplicate groups and stories
(`newsdesk.stories.persist`), in order of arrival, in a transaction of their own: an article stored
but not yet assigned when the run was killed is assigned first by the next run (or `newsdesk stories
--rebuild`), so none stays without its group and story.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from newsdesk.article import Article, Page
from newsdesk.children import die_with_parent
from newsdesk.errors import ArchiveError, NewsdeskError
from newsdesk.extract import extract_page
from newsdesk.pipeline_web import WebSource, WebWork
from newsdesk.settings import Settings
from newsdesk.sources.detect import ARCHIVE_SUFFIXES, Kind, classify
from newsdesk.sources.files import content_type_for, expand_paths, is_page_file, read_bytes
from newsdesk.sources.warc import SKIPPED_PAGES, ArchiveCounts, ArchiveReader
from newsdesk.store.base import Store

if TYPE_CHECKING:
    from newsdesk.stories.persist import StoryKeeper


@dataclass
class IngestCounts:
    """What a run did, for the progress display and the closing summary."""

    read: int = 0
    fetched: int = 0
    extracted: int = 0
    enriched: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    assigned: int = 0  # articles that joined their duplicate group and story
    started: float = field(default_factory=time.monotonic)

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.read / elapsed if elapsed > 0 else 0.0

    def summary(self) -> str:
        return (f"{self.read} read, {self.fetched} fetched, {self.extracted} extracted, "
                f"{self.enriched} enriched, "
                f"{self.stored} stored, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.skipped} skipped, "
                f"{self.failed} failed, {self.assigned} into stories ({self.rate():.1f} pages/s)")


@dataclass
class _Work:
    """A page to extract (or None), and the checkpoint that says it is done once its batch is committed."""

    page: Page | None
    checkpoint: str
    hints: dict[str, str] = field(default_factory=dict)  # title/published from a feed or news sitemap


Progress = Callable[[IngestCounts], None]


class Ingester:
    """`Ingester(store).run(["pages/", "crawl.warc.gz"])` ingests every source and returns the counts."""

    def __init__(self, store: Store, settings: Settings | None = None, *, batch_size: int = 100,
                 progress: Progress | None = None, enrich: bool = True, processes: int = 1,
                 stories: bool = True, notice: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.batch_size = batch_size
        self.enrich = enrich
        self.processes = max(1, processes)
        self.progress = progress or (lambda counts: None)
        self.counts = IngestCounts()
        self._web: WebSource | None = None
        # Duplicate groups and stories of what is stored (`stories`: False leaves that to a later run).
        self.stories = stories
        self.notice = notice or (lambda message: None)
        self._keeper: StoryKeeper | None = None

    def run(self, sources: Sequence[str]) -> IngestCounts:
        """Ingest every source: files, folders, globs, web archives, URLs, feeds and sitemaps."""
        return self._drain(self._work(sources))

    def update(self) -> IngestCounts:
        """Re-poll every feed and sitemap ingested before and ingest only what is new."""
        return self._drain(self._web_work(self.web.update()))

    @property
    def web(self) -> WebSource:
        if self._web is None:
            self._web = WebSource(self)
        return self._web

    def _drain(self, works: Iterable[_Work]) -> IngestCounts:
        pool = _Pool(self.processes, self.settings, self.enrich)
        batch: list[_Work] = []
        try:
            for work in works:
                batch.append(work)
                if sum(item.page is not None for item in batch) >= self.batch_size:
                    self._finish(pool.submit(batch))
                    batch = []
                self.progress(self.counts)
            self._finish(pool.submit(batch))
            self._finish(pool.drain())
            self._assign()  # what an earlier run stored but could not assign, when nothing new came
        finally:
            pool.close()
            if self._web is not None:
                self._web.close()
                self._web = None
            if self._keeper is not None:
                self._keeper.close()
                self._keeper = None
        self.progress(self.counts)
        return self.counts

    def _assign(self) -> None:
        """Put every stored article not yet in a duplicate group and story into them, in order."""
        if not self.stories:
            return
        if self._keeper is None:
            from newsdesk.stories.persist import StoryKeeper

            self._keeper = StoryKeeper(self.store, notice=self.notice, batch_size=max(self.batch_size, 1))
        self.counts.assigned += self._keeper.catch_up()

    def _finish(self, results: Iterable[_Done]) -> None:
        """Count, record the failures of, and store batches that came back, in the order they went."""
        for done in results:
            articles = []
            for work, article, failures, enriched in done:
                for failure in failures:
                    self.fail(*failure)
                if article is not None:
                    self.counts.extracted += 1
                    self.counts.enriched += enriched
                    for name, value in work.hints.items():
                        if not getattr(article, name):
                            setattr(article, name, value)
                            article.extraction[name] = "listing"
                    articles.append(article)
            self._commit(articles, [work for work, *_ in done])
            self.progress(self.counts)

    def _commit(self, batch: list[Article], done: list[_Work]) -> None:
        outcomes = self.store.put_many(batch) if batch else []
        for outcome in outcomes:
            if outcome.status == "stored":
                self.counts.stored += 1
            elif outcome.status == "updated":
                self.counts.updated += 1
            else:
                self.counts.unchanged += 1
        for work in done:
            self.store.mark_done(work.checkpoint)
            page = work.page
            if page is not None and page.url and work.checkpoint.startswith("url:"):
                self.store.save_fetch_state(page.url, page.headers.get("etag"),
                                            page.headers.get("last-modified"))
        if any(outcome.status == "stored" for outcome in outcomes):
            self._assign()
        batch.clear()
        done.clear()

    def fail(self, source: str, stage: str, reason: str, location: str | None = None) -> None:
        self.counts.failed += 1
        self.store.record_error(source, stage, reason, location)

    def _work(self, sources: Sequence[str]) -> Iterator[_Work]:
        for source in sources:
            kind = classify(source)
            if kind is Kind.WARC:
                yield from self._archive(source)
            elif kind is Kind.URL:
                yield from self._web_work(self.web.url(source))
            elif Path(source).is_dir():  # its pages, and the web archives in it read as archives
                archives = sorted(path for path in Path(source).rglob("*")
                                  if path.name.lower().endswith(ARCHIVE_SUFFIXES) and path.is_file())
                for archive in archives:
                    yield from self._archive(str(archive))
                yield from self._files(source, empty="" if archives else "no page files or web archives")
            else:
                yield from self._files(source)

    def _web_work(self, works: Iterable[WebWork]) -> Iterator[_Work]:
        for work in works:
            self.counts.read += 1
            yield _Work(work.page, work.checkpoint, work.hints)

    def _files(self, source: str, empty: str = "no such file, folder or glob match") -> Iterator[_Work]:
        """Page files; `empty` is the failure recorded when there are none ("" for none)."""
        paths: Iterable[str | Path]
        if any(char in source for char in "*?[") and not Path(source).exists():
            paths = (Path(p) for p in sorted(glob.glob(source, recursive=True)) if is_page_file(Path(p)))
        else:
            paths = expand_paths([source])
        found = False
        for path in paths:
            found = True
            if path == "-":
                self.fail("-", "read", "stdin cannot be ingested; save it to a file first")
                continue
            path = Path(path)
            checkpoint = _file_checkpoint(path)
            if checkpoint and self.store.is_done(checkpoint):
                self.counts.skipped += 1
                continue
            self.counts.read += 1
            try:
                data = read_bytes(path, self.settings.max_input_bytes)
            except NewsdeskError as error:
                self.fail(str(path), error.stage or "read", error.reason)
                continue
            yield _Work(Page(source=str(path), content=data, content_type=content_type_for(path.name)),
                        checkpoint or f"file:{path}")
        if not found and empty:
            self.fail(source, "read", empty)

    def _archive(self, source: str) -> Iterator[_Work]:
        path = Path(source)
        finished = _file_checkpoint(path)
        if finished and self.store.is_done(finished):
            self.counts.skipped += 1
            return
        reader = ArchiveReader(path, max_bytes=self.settings.max_input_bytes)
        for item in reader:
            if isinstance(item, ArchiveError):
                self.fail(source, item.stage or "read", item.reason, f"byte {item.offset}")
                continue
            if isinstance(item, NewsdeskError):
                where = item.source.rsplit("@", 1)[-1] if item.source and "@" in item.source else None
                self.fail(source, item.stage or "read", item.reason, where and f"byte {where}")
                continue
            self.counts.read += 1
            # Each record is its own checkpoint: a resumed run skips records stored before the kill.
            checkpoint = f"record:{finished}:{item.source.rsplit('@', 1)[-1]}"
            if self.store.is_done(checkpoint):
                self.counts.skipped += 1
                continue
            yield _Work(item, checkpoint)
        self.counts.skipped += sum(reader.counts.skipped.values())
        self._explain_skips(source, reader.counts)
        if finished:
            yield _Work(None, finished)

    def _explain_skips(self, source: str, counts: ArchiveCounts) -> None:
        """Say why an archive's records were skipped; an archive whose pages were all skipped for what
        they held (not for their record type) is an error row too, so `newsdesk errors` shows it."""
        held = sum(number for reason, number in counts.skipped.items() if reason in SKIPPED_PAGES)
        if not held:
            return  # warcinfo, request, metadata records: never pages, nothing to explain
        why = ", ".join(f"{number} {reason}" for reason, number in counts.skipped.most_common())
        self.notice(f"{source}: {counts.yielded} pages of {counts.read} records; not pages: {why}")
        if not counts.yielded:
            self.fail(source, "read", f"no page in {counts.read} records: {why}")


# A page's work, its article (None when it failed or there was no page), failures as (source, stage,
# reason), and 1 when the article was enriched.
_Done = list[tuple[_Work, Article | None, list[tuple[str, str, str]], int]]


def prepare(works: list[_Work], settings: Settings, enrich: bool) -> _Done:
    """Extract (and enrich) a batch of pages: what a worker process does. Every page's failure is
    its own; an article that cannot be enriched is kept unenriched, with the failure recorded."""
    done: _Done = []
    for work in works:
        page = work.page
        if page is None:
            done.append((work, None, [], 0))
            continue
        article, failures = _extract(page, settings)
        if article is not None:
            for name, value in work.hints.items():
                if not getattr(article, name):
                    setattr(article, name, value)
                    article.extraction[name] = "listing"
        # What goes back to the storing process needs the page's address and headers, not its bytes.
        done.append((_Work(replace(page, content=b""), work.checkpoint, work.hints), article, failures, 0))
    if enrich:
        articles = [(position, article) for position, (_, article, _, _) in enumerate(done) if article]
        for position, failure in enrich_isolated([article for _, article in articles], settings).items():
            work, article, failures, _ = done[articles[position][0]]
            failures.append((work.page.source if work.page else "", "enrich", failure))
        done = [(work, article, failures, int(bool(article and article.enrichment)))
                for work, article, failures, _ in done]
    return done


def _extract(page: Page, settings: Settings) -> tuple[Article | None, list[tuple[str, str, str]]]:
    try:
        return extract_page(page, settings), []
    except NewsdeskError as error:
        return None, [(page.source, error.stage or "extract", error.reason)]
    except Exception as error:  # one page's bug must not end a run over thousands
        return None, [(page.source, "extract", f"internal error: {type(error).__name__}: {error}")]


def enrich_isolated(articles: list[Article], settings: Settings) -> dict[int, str]:
    """Enrich in one batch; if that fails, one by one, so only the bad article goes without.
    Returns the failure of each article (by position) that could not be enriched."""
    from newsdesk.enrich import enrich_articles

    try:
        enrich_articles(articles, settings)
        return {}
    except Exception:  # isolated below, article by article
        pass
    failures = {}
    for position, article in enumerate(articles):
        try:
            enrich_articles([article], settings)
        except Exception as error:
            article.entities, article.quotes, article.topics, article.keywords = [], [], [], []
            article.enrichment = {}
            failures[position] = f"internal error: {type(error).__name__}: {error}"
    return failures


class _Pool:
    """Batches prepared in this process, or in `processes` worker processes with results taken back
    in the order the batches went (so checkpoints follow what is stored)."""

    def __init__(self, processes: int, settings: Settings, enrich: bool) -> None:
        self.settings, self.enrich, self.processes = settings, enrich, processes
        self.in_flight: deque[Future[_Done]] = deque()
        self.executor: ProcessPoolExecutor | None = None
        if processes > 1:
            # spawn: the reading process may have fetcher threads running, which fork would copy.
            # die_with_parent: a kill -9 of this process takes its workers with it.
            self.executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=die_with_parent, initargs=(os.getpid(),))

    def submit(self, batch: list[_Work]) -> list[_Done]:
        """Hand a batch over; return the batches finished meanwhile, oldest first."""
        if not batch:
            return []
        if self.executor is None:
            return [prepare(batch, self.settings, self.enrich)]
        self.in_flight.append(self.executor.submit(prepare, batch, self.settings, self.enrich))
        finished = []
        while len(self.in_flight) > self.processes or (self.in_flight and self.in_flight[0].done()):
            finished.append(self.in_flight.popleft().result())
        return finished

    def drain(self) -> list[_Done]:
        finished = [future.result() for future in self.in_flight]
        self.in_flight.clear()
        return finished

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)


def _file_checkpoint(path: Path) -> str | None:
    """A file is the same input while its path, size and modification time are."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"file:{os.path.abspath(path)}:{stat.st_size}:{stat.st_mtime_ns}"
