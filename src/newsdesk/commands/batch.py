"""`newsdesk batch` (web archives → a Parquet dataset, on local processes or Dask) and `newsdesk load`
(that dataset → a store)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from newsdesk.commands import db_option


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Output folder: the dataset, its errors table and its manifest. Rerun with the same "
                   "folder to finish an interrupted run.")
@click.option("--scheduler", default="processes", show_default=True, metavar="processes|local|ADDRESS",
              help="Where tasks run: `processes` (worker processes here, no Dask needed), `local` (a Dask "
                   "LocalCluster here) or the address of a Dask scheduler (tcp://host:8786).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes for `processes` and `local`. Default: the number of cores.")
@click.option("--enrich/--no-enrich", default=False, show_default=True,
              help="Also find entities, quotations, topics and keywords (loads spaCy in each worker).")
@click.option("--language", "languages", multiple=True, metavar="CODE",
              help="Keep only articles in this language (ISO 639-1, e.g. en); repeat for several.")
@click.option("--progress/--no-progress", default=None,
              help="The live display (default: on when stderr is a terminal; one line per file if not).")
def batch(inputs: tuple[str, ...], out: str, scheduler: str, workers: int | None, enrich: bool,
          languages: tuple[str, ...], progress: bool | None) -> None:
    """Extract (and enrich) every HTML page of web archives into a Parquet dataset.

    \b
    INPUTS are WARC, WARC.gz, WET or ARC files, folders holding them, globs ("crawl/*.warc.gz",
    quoted), or text files listing archives one per line, as Common Crawl's warc.paths(.gz) does
    (relative paths are relative to the list file).

    \b
    Output in --out:
      articles/crawl_date=YYYY-MM-DD/language=xx/<input>.parquet   the articles (schema of
          `export --format parquet` plus record_id, input, offset, crawl_date, fetched_at)
      errors/<input>.parquet        bad records and broken files: input, offset, stage, reason
      manifest.jsonl                every finished input, its counts and its parts' checksums

    \b
    One task per input file; records are streamed (constant memory per task). A rerun skips the
    finished inputs and redoes the others; parts are renamed into place only when complete, so an
    interrupted run leaves nothing half-written. Load the result with `newsdesk load`.

    \b
    Examples:
      newsdesk batch crawl/*.warc.gz --out dataset
      newsdesk batch warc.paths --out dataset --scheduler local --workers 8 --language en --enrich
      newsdesk batch warc.paths --out dataset --scheduler tcp://10.0.0.5:8786
    """
    from newsdesk.batch.run import run_batch
    from newsdesk.pipeline.executors import make_executor
    from newsdesk.settings import Settings

    settings = Settings.from_env()
    executor = make_executor(scheduler, workers or os.cpu_count() or 1)
    try:
        summary = run_batch(inputs, out, executor, enrich=enrich, languages=languages, settings=settings,
                            progress=progress, echo=lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        click.echo("interrupted: finished inputs are kept; run the same command to finish", err=True)
        sys.exit(130)
    finally:
        executor.close()
    rate = summary.pages / summary.seconds if summary.seconds else 0.0
    click.echo(f"{len(summary.finished)} inputs done, {summary.already_done} already done, "
               f"{len(summary.failed)} failed: {summary.rows:,} articles, {summary.errors:,} errors, "
               f"{summary.pages:,} pages in {summary.seconds:.1f} s ({rate:,.0f} pages/s) -> {out}", err=True)
    for failure in summary.failed:
        click.echo(f"failed: {failure.input}: {failure.reason}", err=True)
    if summary.failed:
        sys.exit(1)


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--stories/--no-stories", default=True, show_default=True,
              help="Then put the loaded articles into duplicate groups and stories, as ingest does (who "
                   "and where come from enrichment: an output made without --enrich is placed on words, "
                   "dates and figures). --no-stories leaves that to `newsdesk stories --rebuild` or the "
                   "next ingest.")
@db_option
def load(folder: Path, stories: bool, db: str | None) -> None:
    """Load the articles of a `newsdesk batch` output FOLDER into the store.

    Only complete parts (those in the folder's manifest) are read. Idempotent: an article whose key
    (canonical URL, else URL, else its source, else a hash of its body) is already in the store is
    left as it is, so loading twice, or loading overlapping outputs, stores each article once.
    PostgreSQL is loaded with batched COPY; SQLite through the store's usual transactions.
    """
    from newsdesk.batch.load import load_output, output_parts

    parts = output_parts(folder)
    total = _rows(parts)
    with _LoadProgress(total) as advance:
        result = load_output(folder, db, advance=advance)
    rate = result.read / result.seconds if result.seconds else 0.0
    click.echo(f"{result.read:,} articles read: {result.stored:,} stored, {result.present:,} already there "
               f"({result.seconds:.1f} s, {rate:,.0f} rows/s)", err=True)
    if stories:
        from newsdesk.commands.stories import keep_stories
        from newsdesk.store import open_store

        with open_store(db) as store:
            assigned = keep_stories(store)
        click.echo(f"{assigned:,} articles put into duplicate groups and stories", err=True)


def _rows(parts: list[Path]) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(part).metadata.num_rows for part in parts)


class _LoadProgress:
    def __init__(self, total: int) -> None:
        self.total = total
        self.progress: object = None

    def __enter__(self) -> object:
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        progress = Progress("loading", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        task = progress.add_task("load", total=self.total)
        progress.start()
        self.progress = progress
        return lambda count: progress.advance(task, count)

    def __exit__(self, *exc: object) -> None:
        from rich.progress import Progress

        if isinstance(self.progress, Progress):
            self.progress.stop()
