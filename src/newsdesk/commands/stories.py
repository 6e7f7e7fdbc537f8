"""`newsdesk cluster`: which story each document belongs to; `newsdesk roundup`: the period's stories."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice

import click

from newsdesk.article import Article
from newsdesk.commands import db_option
from newsdesk.errors import NewsdeskError, SettingsError
from newsdesk.extract import extract_page
from newsdesk.settings import Settings
from newsdesk.sources.files import read_pages
from newsdesk.store import SearchRequest, open_store

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


@click.command()
@click.option("--date", "day", metavar="DAY", help="The day (2024-10-01). Default: today (UTC), unless "
              "--since/--until are given.")
@click.option("--since", help="From this date or time (ISO 8601).")
@click.option("--until", help="Up to this date or time, included (2024-10 is the whole month).")
@click.option("--topics", multiple=True, metavar="TOPIC",
              help="Only these topics (repeat, or separate with commas).")
@click.option("--sources", multiple=True, metavar="SITE",
              help="Only articles from these sites, by name or host (repeat, or separate with commas).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "rss", "json"]), default="markdown",
              show_default=True)
@click.option("--title", default=None, help="The roundup's title (default: News roundup DAY).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@db_option
def roundup(day: str | None, since: str | None, until: str | None, topics: tuple[str, ...],
            sources: tuple[str, ...], fmt: str, title: str | None, out: str | None, db: str | None) -> None:
    """Write the news roundup of a day or period: its stories grouped by topic.

    Stories are those of the stored articles published in the period, copies of one report folded
    into one item (with every source that carried it). Topics come from enrichment when the articles
    have them, else from the URL's section. Within a topic, the most widely covered story comes first.
    Each item has the headline, the sources, the link and the article's own lead sentence.

    \b
    Examples:
      newsdesk roundup --date 2024-10-01
      newsdesk roundup --since 2024-10-01 --until 2024-10-07 --format html --out week.html
      newsdesk roundup --topics politics,sport --format rss
    """
    from newsdesk.stories.roundup import build_roundup, render, today

    if day and (since or until):
        raise click.UsageError("give --date or --since/--until, not both")
    if not (since or until):
        day = day or today()
        since, until = day, day
    request = SearchRequest(since=since, until=until, sort="date")
    try:
        with open_store(db) as store:
            articles = [stored.article for stored in store.iter_articles(request)]
    except NewsdeskError as error:
        raise click.ClickException(str(error)) from None
    label = day or " to ".join(x for x in (since, until) if x)
    result = build_roundup(articles, title=title or f"News roundup {label}", topics=_split(topics) or None,
                           sources=_split(sources) or None)
    text = render(result, fmt)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        count = sum(len(s.items) for s in result.sections)
        click.echo(f"{out}: {count} stories in {len(result.sections)} topics from {len(articles)} articles",
                   err=True)
    else:
        sys.stdout.write(text)


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
