"""The stage loop and what runs on it: a source yields items, work stages (extract, hints, enrich)
run over batches on an executor (here, local processes or Dask), keeping stages (store with its
checkpoints, stories; or a batch task's Parquet parts) take the batches back in order.

    loop.py        Item, Failure, the Stage protocol, `run` (failures and progress, once)
    stages.py      the work stages: Extract, Hints, EnrichStage (enrich_isolated)
    executors.py   InProcessExecutor, ProcessExecutor, DaskExecutor: one Executor interface
                   (in_order for batches of pages, as_done for whole tasks)
    local.py       files, folders, globs, web archives -> items with checkpoints
    web.py         URLs, feeds, sitemaps -> items; `update` re-polls them
    ingest.py      Ingester (ingest, update, the desk's jobs): those sources, stages and the store

See docs/architecture.md for adding a source or a stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsdesk.pipeline.ingest import IngestCounts, Ingester
    from newsdesk.pipeline.stages import enrich_isolated

__all__ = ["IngestCounts", "Ingester", "enrich_isolated"]


def __getattr__(name: str) -> Any:
    """`Ingester`, `IngestCounts` and `enrich_isolated`, imported when first asked for: a batch task
    or a load, which use the loop and the executors only, never load the web source and its client."""
    if name in ("IngestCounts", "Ingester"):
        from newsdesk.pipeline import ingest

        return getattr(ingest, name)
    if name == "enrich_isolated":
        from newsdesk.pipeline import stages

        return stages.enrich_isolated
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
