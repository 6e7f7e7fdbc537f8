"""Ingest: sources yield pages, the extractor makes articles, enrichment fills in what they say, the
store keeps them, in batches, through the stage loop (`newsdesk.pipeline.loop`). With `processes` >
1, the work stages of whole batches run in worker processes (each loads the spaCy pipeline once)
while this process reads and stores, in order.

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

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsdesk.pipeline.executors import Executor, InProcessExecutor, ProcessExecutor
from newsdesk.pipeline.local import LocalSource
from newsdesk.pipeline.loop import Failure, Item, Stage, run
from newsdesk.pipeline.stages import EnrichStage, Extract, Hints
from newsdesk.pipeline.web import WebSource
from newsdesk.settings import Settings
from newsdesk.sources.detect import Kind, classify
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


Progress = Callable[[IngestCounts], None]


class Ingester:
    """`Ingester(store).run(["pages/", "crawl.warc.gz"])` ingests every source and returns the counts.

    Stages: read (LocalSource, WebSource) -> Extract -> Hints -> EnrichStage (unless `enrich` is
    False) on the executor; then, here, in order: Keep (articles and checkpoints in one transaction),
    the web source's validators, Stories (duplicate groups and stories)."""

    def __init__(self, store: Store, settings: Settings | None = None, *, batch_size: int = 100,
                 progress: Progress | None = None, enrich: bool = True, processes: int = 1,
                 stories: bool = True, notice: Callable[[str], None] | None = None,
                 executor: Executor | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.batch_size = batch_size
        self.enrich = enrich
        self.processes = max(1, processes)
        self.executor = executor  # None: in this process, or `processes` local ones
        self.progress = progress or (lambda counts: None)
        self.counts = IngestCounts()
        self._web: WebSource | None = None
        # Duplicate groups and stories of what is stored (`stories`: False leaves that to a later run).
        self.stories = stories
        self.notice = notice or (lambda message: None)
        self._keeper: StoryKeeper | None = None

    def run(self, sources: Sequence[str]) -> IngestCounts:
        """Ingest every source: files, folders, globs, web archives, URLs, feeds and sitemaps."""
        return self._drain(self._items(sources))

    def update(self) -> IngestCounts:
        """Re-poll every feed and sitemap ingested before and ingest only what is new."""
        return self._drain(self._read(self.web.update()))

    @property
    def web(self) -> WebSource:
        if self._web is None:
            self._web = WebSource(self.store, self.settings, self.counts, self.failed, self.notice)
        return self._web

    def work_stages(self) -> list[Stage]:
        stages: list[Stage] = [Extract(self.settings), Hints()]
        if self.enrich:
            stages.append(EnrichStage(self.settings))
        return stages

    def _drain(self, items: Iterable[Item]) -> IngestCounts:
        executor = self.executor or (ProcessExecutor(self.processes) if self.processes > 1
                                     else InProcessExecutor())
        keep: list[Stage] = [Keep(self.store, self.counts, self._assign), self.web]
        try:
            run(items, work=self.work_stages(), keep=keep, batch_size=self.batch_size, fail=self.failed,
                executor=executor, progress=lambda: self.progress(self.counts))
            self._assign()  # what an earlier run stored but could not assign, when nothing new came
        finally:
            if self.executor is None:
                executor.close()
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

    def failed(self, failure: Failure) -> None:
        self.counts.failed += 1
        self.store.record_error(*failure)

    def fail(self, source: str, stage: str, reason: str, location: str | None = None) -> None:
        self.failed(Failure(source, stage, reason, location))

    def _items(self, sources: Sequence[str]) -> Iterator[Item]:
        local = LocalSource(self.store, self.settings, self.counts, self.failed, self.notice)
        for source in sources:
            kind = classify(source)
            if kind is Kind.URL:
                yield from self._read(self.web.url(source))
            else:
                yield from local.items(source, kind)

    def _read(self, items: Iterable[Item]) -> Iterator[Item]:
        for item in items:
            self.counts.read += 1
            yield item


@dataclass
class Keep:
    """The store stage: a batch's articles and the checkpoints of the inputs it finishes, in one
    transaction; then, when any article is new, `stored()` (its duplicate group and story)."""

    store: Store
    counts: IngestCounts
    stored: Callable[[], None]

    def process(self, items: list[Item]) -> None:
        articles = [item.article for item in items if item.article is not None and item.kept]
        self.counts.extracted += len(articles)
        self.counts.enriched += sum(item.enriched for item in items)
        outcomes = self.store.put_many(articles, done=[item.checkpoint for item in items])
        for outcome in outcomes:
            if outcome.status == "stored":
                self.counts.stored += 1
            elif outcome.status == "updated":
                self.counts.updated += 1
            else:
                self.counts.unchanged += 1
        if any(outcome.status == "stored" for outcome in outcomes):
            self.stored()
