"""`newsdesk enrich`, `annotate`, `quotes` and `entities`: who is in the news, and who said what."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import click

from newsdesk.article import Article, Quote
from newsdesk.commands import QueryCommand, db_option, query_argument
from newsdesk.commands.search import QUERY_HELP, filters
from newsdesk.enrich.models import language_name, languages_without_entities
from newsdesk.pipeline.loop import Item, run
from newsdesk.pipeline.stages import EnrichStage
from newsdesk.settings import Settings
from newsdesk.store import SearchRequest, open_store
from newsdesk.store.base import Store, StoredArticle
from newsdesk.store.enrichment import Wanted, name_key


def _request(query: str | None, **values: str | None) -> SearchRequest:
    return SearchRequest(query=query, sort="date", **values)  # type: ignore[arg-type]


@click.command(cls=QueryCommand, epilog=QUERY_HELP)
@query_argument
@filters
@click.option("--all", "redo", is_flag=True,
              help="Enrich every matching article again, not only those not yet enriched by this version.")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=32, show_default=True,
              help="Articles enriched and saved together.")
@db_option
def enrich(query: str | None, redo: bool, batch_size: int, db: str | None, **filters: str | None) -> None:
    """Find language, entities, quotations, topics and keywords of stored articles.

    Ingest does this already (unless --no-enrich); run it over articles stored without it, or with
    --all after an upgrade. Articles enriched before their language had an entity model are enriched
    again; it says how many got no entities because their language has no model. Only articles
    matching QUERY and the filters are enriched. Saving enrichment makes no new version of an
    article. Interrupted, it keeps what it saved: run it again.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from newsdesk.enrich import ENRICHMENT_VERSION
    from newsdesk.enrich.models import pipelines

    settings = Settings.from_env()
    have = pipelines(settings)
    request = _request(query, **filters)
    skipped = 0
    with open_store(db) as store:
        total = store.count(request)
        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("enriching", total=total)

            def todo() -> Iterator[Item]:
                nonlocal skipped
                for stored in store.iter_articles(request):
                    bar.advance(task)
                    if not redo and _enriched(stored.article, ENRICHMENT_VERSION, have):
                        skipped += 1
                        continue
                    yield Item(article=stored.article, id=stored.id)

            save = _Save(store, have)
            run(todo(), work=[EnrichStage(settings)], keep=[save], batch_size=batch_size,
                fail=lambda failure: store.record_error(*failure))
    done, without = save.done, save.without
    click.echo(f"{done} articles enriched", err=True)
    if skipped:
        click.echo(f"{skipped} skipped: already enriched by this version (--all enriches them again)",
                   err=True)
    if without:
        languages = ", ".join(f"{count} in {language_name(code)}" for code, count in without.most_common())
        click.echo(f"entities: not available for {sum(without.values())} of them ({languages}): no model "
                   "for their language; they got their language and quotations only", err=True)


def _enriched(article: Article, version: str, have: Mapping[str, str]) -> bool:
    """Enriched by this version, and not in a language that has had a model since (its entities are
    still to find)."""
    if article.enrichment.get("version") != version:
        return False
    return "pipeline" in article.enrichment or _language(article) not in have


def _language(article: Article) -> str:
    from newsdesk.text import language_key

    return language_key(article.language) or "en"


class _Save:
    """The keeping stage of `enrich`: saves the enrichment of the articles enriched (those that
    failed have their error row), and counts in `without` those of each language with no model."""

    def __init__(self, store: Store, have: Mapping[str, str]) -> None:
        self.store, self.have = store, have
        self.done = 0
        self.without: Counter[str] = Counter()

    def process(self, items: list[Item]) -> None:
        enriched = [(item.id, item.article) for item in items
                    if item.id is not None and item.article is not None and not item.failures]
        self.without.update(language for language in (_language(article) for _, article in enriched)
                            if language not in self.have)
        self.store.save_enrichment(enriched)
        self.done += len(enriched)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True)
def annotate(files: tuple[str, ...], fmt: str) -> None:
    """Enrich text files taken verbatim as article bodies (no extraction) and print what was found.

    One JSON object per file: `source`, `length`, `language`, `entities`, `quotes`, `topics`,
    `keywords`, every span a [start, end) offset into the file's text (read as UTF-8, undecodable bytes
    replaced). This is how quotation and entity quality are measured (benchmarks/quotes.py).
    """
    from newsdesk.enrich import enrich_articles

    settings = Settings.from_env()
    paths = list(files)
    for start in range(0, len(paths), 16):
        chunk = paths[start:start + 16]
        articles = [Article(source=path, body=Path(path).read_bytes().decode("utf-8", "replace"))
                    for path in chunk]
        enrich_articles(articles, settings)
        for article in articles:
            data = article.to_dict()
            record = {"source": article.source, "length": len(article.body),
                      **{name: data[name] for name in ("language", "entities", "quotes", "topics",
                                                        "keywords", "enrichment")},
                      "input": article.source}  # `source`, the old name of `input`, goes next release
            click.echo(json.dumps(record, ensure_ascii=False, indent=2 if fmt == "json" else None))


@click.command(cls=QueryCommand, epilog=QUERY_HELP)
@query_argument
@filters
@click.option("--type", "kind", type=click.Choice(["direct", "indirect"]),
              help="Only this kind of quotation.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="Most quotations printed, newest articles first.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.option("--all-pages", is_flag=True,
              help="Quotations of every page; by default the pages extraction is sure (probability "
                   ">= 0.8) are listings, product pages, forums, documentation or service pages are "
                   "left out.")
@db_option
def quotes(query: str | None, kind: str | None, limit: int, fmt: str, all_pages: bool, db: str | None,
           **filters: str | None) -> None:
    """Quotations in the stored articles, with their speakers: every quotation by a person with
    --speaker "Mark Rutte" (whole words of the name, or an entity id), in articles matching QUERY."""
    speaker = filters.get("speaker")
    wanted = Wanted.of(speaker) if speaker else None
    shown = 0
    request = replace(_request(query, **filters), articles_only=not all_pages)
    with open_store(db) as store:
        for stored, quote in _quotes(store.iter_articles(request), wanted, kind):
            _print_quote(stored, quote, fmt)
            shown += 1
            if shown >= limit:
                break
    if not shown:
        click.echo("no quotations match", err=True)


def _quotes(articles: Iterator[StoredArticle], wanted: Wanted | None,
            kind: str | None) -> Iterator[tuple[StoredArticle, Quote]]:
    for stored in articles:
        for quote in stored.article.quotes:
            if kind and quote.type != kind:
                continue
            if wanted and not (quote.speaker == wanted.id or wanted.words in name_key(quote.speaker_name)):
                continue
            yield stored, quote


def _print_quote(stored: StoredArticle, quote: Quote, fmt: str) -> None:
    article = stored.article
    if fmt == "jsonl":
        record = {"article": stored.id, "url": article.url, "title": article.title,
                  "published": article.published, **Article(quotes=[quote]).to_dict()["quotes"][0]}
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    speaker = quote.speaker_name or "(unattributed)"
    text = " ".join(quote.text.split())
    shown = f"“{text}”" if quote.type == "direct" else text
    click.echo(click.style(f"{speaker}", bold=True) + f" {quote.cue or ''}: {shown}")
    click.echo(f"    [{stored.id}] {article.title or '(untitled)'}  {(article.published or '')[:10]}")


@click.command(cls=QueryCommand, epilog=QUERY_HELP)
@query_argument
@filters
@click.option("--type", "kind", type=click.Choice(["person", "org", "place", "group"]),
              help="Only people, organisations, places or groups (nationalities, parties...).")
@click.option("--top", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="How many, most covered first.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@db_option
def entities(query: str | None, kind: str | None, top: int, fmt: str, db: str | None,
             **filters: str | None) -> None:
    """Who and what the stored articles name most: each entity with how many articles name it and
    how often, for the articles matching QUERY and the filters (e.g. --since 2024-10-01).

    Entities are found in English, German, French, Dutch and Portuguese; matching articles in other
    languages are counted on stderr ("entities: not available for Spanish (3 articles...)")."""
    request = _request(query, **filters)
    with open_store(db) as store:
        counts = store.entity_counts(request, kind, top)
        gaps = languages_without_entities(store, request)
    for code, articles in gaps.items():
        click.echo(f"entities: not available for {language_name(code)} ({articles} "
                   f"{'article' if articles == 1 else 'articles'}: no model for that language)", err=True)
    if fmt == "jsonl":
        for count in counts:
            click.echo(json.dumps(count.__dict__, ensure_ascii=False))
        return
    if not counts:
        if not gaps:
            click.echo("no entities: are the articles enriched? (newsdesk enrich)", err=True)
        return
    click.echo(f"{'entity':<40} {'type':<7} {'articles':>8} {'mentions':>8}  id")
    for count in counts:
        click.echo(f"{count.name[:40]:<40} {count.type:<7} {count.articles:>8} {count.mentions:>8}  "
                   f"{count.id}")
