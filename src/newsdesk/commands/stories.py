"""`newsdesk cluster`: which story each document belongs to."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice

import click

from newsdesk.article import Article
from newsdesk.errors import NewsdeskError, SettingsError
from newsdesk.extract import extract_page
from newsdesk.settings import Settings
from newsdesk.sources.files import read_pages

BATCH = 32


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True,
              help="One JSON object per document: source, story, title.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Similarity an article needs to join a story (default: the tuned one).")
def cluster(paths: tuple[str, ...], fmt: str, threshold: float | None) -> None:
    """Group documents into stories (events), in the order given, as if they arrived one by one.

    PATHS are files or folders as in `newsdesk extract` (.html, .html.gz, .txt: .txt files are taken
    as flattened pages, their body found as in `extract`). Each document is assigned to the story it
    is most similar to in who (people, organisations), where (places), when (dates in the text, the
    publication date) and words, or starts a new story. Prints one line per document:

    \b
      {"source": "a.txt", "story": "1", "title": "..."}

    Unreadable documents are reported on stderr as `path: reason` and the run goes on.
    """
    from newsdesk.stories import StoryClusterer, StoryTracker

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    tracker = StoryTracker(StoryClusterer() if threshold is None else StoryClusterer(threshold))
    articles = _articles(paths, settings)
    done = failed = 0
    while batch := list(islice(articles, BATCH)):
        good = [a for a in batch if isinstance(a, Article)]
        failed += len(batch) - len(good)
        stories = tracker.add_many((a.source, a) for a in good)
        for article, story in zip(good, stories, strict=True):
            sys.stdout.write(json.dumps({"source": article.source, "story": str(story.id + 1),
                                         "title": article.title}, ensure_ascii=False) + "\n")
            done += 1
        sys.stdout.flush()
    click.echo(f"{done} documents in {len(tracker.stories)} stories, {failed} failed", err=True)
    if done == 0:
        sys.exit(1)


def _articles(paths: tuple[str, ...], settings: Settings) -> Iterator[Article | NewsdeskError]:
    for item in read_pages(paths, settings.max_input_bytes):
        if isinstance(item, NewsdeskError):
            click.echo(str(item), err=True)
            yield item
            continue
        try:
            yield extract_page(item, settings)
        except NewsdeskError as error:
            click.echo(f"{item.source}: {error.reason}", err=True)
            yield error
