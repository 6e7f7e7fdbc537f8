"""The one stage loop: a source yields items (pages to extract, or articles to enrich), the loop
gathers them into batches, hands each batch to an executor that runs the work stages over it
(extract, hints, language filter, enrich: anywhere, in order), and gives the batches back, in the
order they went, to the keeping stages that run here (store with checkpoints, stories; or Parquet
parts). Every command that turns pages or articles into records runs it: `ingest`, `update` and the
desk's jobs (`Ingester`), `enrich`, and each task of `batch` over its archive.

Failures live here once: each item carries the failures of its stages, and the loop hands every one
to `fail` before the keeping stages see the batch (so an error row is written before the batch and
its checkpoints commit). Progress: `progress()` after each item read and each batch kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple, Protocol

from newsdesk.article import Article, Page
from newsdesk.pipeline.executors import Executor, InProcessExecutor


class Failure(NamedTuple):
    """Why an input (`source`: a path, path@offset, a URL, "article 12") could not go through `stage`."""

    source: str
    stage: str
    reason: str
    location: str | None = None


@dataclass
class Item:
    """One page or article on its way through the stages.

    `page` is what a source read (None for an item that only carries a checkpoint: an archive read to
    its end, done when its last batch is); `article` what extraction made of it, or what was stored
    before. `checkpoint` is committed with the batch that keeps the item. `hints` are fields a feed or
    news sitemap gave, for those the page lacks. A stage that fails on an item adds a `Failure`; a
    stage that leaves it out sets `kept` to False (the language filter)."""

    page: Page | None = None
    checkpoint: str = ""
    hints: dict[str, str] = field(default_factory=dict)
    article: Article | None = None
    failures: list[Failure] = field(default_factory=list)
    enriched: bool = False
    kept: bool = True
    id: int | None = None  # the stored article's id, for items read from the store

    @property
    def live(self) -> bool:
        """Has an article that no stage left out."""
        return self.article is not None and self.kept


class Stage(Protocol):
    """One step over a batch of items, in place. Work stages (run by the executor, maybe in another
    process) must be picklable; a failure of one item is that item's `Failure`, never an exception."""

    def process(self, items: list[Item]) -> None: ...


def run_stages(stages: Sequence[Stage], items: list[Item]) -> list[Item]:
    """What a worker does with a batch: every stage over it, in order."""
    for stage in stages:
        stage.process(items)
    return items


def run(source: Iterable[Item], *, work: Sequence[Stage], keep: Sequence[Stage], batch_size: int,
        fail: Callable[[Failure], None], executor: Executor | None = None,
        progress: Callable[[], None] = lambda: None) -> None:
    """Every item of `source` through the `work` stages (on `executor`, in batches of `batch_size`
    items with a page or an article) and then, in order, through the `keep` stages here."""
    executor = executor or InProcessExecutor()
    for batch in executor.in_order(partial(run_stages, work), _batches(source, batch_size, progress)):
        for item in batch:
            for failure in item.failures:
                fail(failure)
        for stage in keep:
            stage.process(batch)
        progress()


def _batches(source: Iterable[Item], size: int, progress: Callable[[], None]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    filled = 0
    for item in source:
        batch.append(item)
        filled += item.page is not None or item.article is not None
        if filled >= size:
            yield batch
            batch, filled = [], 0
        progress()
    if batch:
        yield batch
