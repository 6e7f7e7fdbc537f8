"""`newsdesk search`, `show`, `sources` and `export`: read what the store holds."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click

from newsdesk.commands import (
    DATE,
    QueryCommand,
    article_ref,
    collection_option,
    db_option,
    query_argument,
    site_option,
)
from newsdesk.exports import article_markdown, exported, record, write_csv, write_jsonl, write_parquet
from newsdesk.page_types import PAGE_TYPES, UNKNOWN
from newsdesk.store import SearchPage, SearchRequest, Store, open_store
from newsdesk.store.desk import with_collection

F = TypeVar("F", bound=Callable[..., Any])


def filters(func: F) -> F:
    """The filters shared by the commands that read articles; they reach the command as keyword
    arguments named as `SearchRequest`'s fields."""
    for option in reversed([
        site_option("Only this site, the outlet (its name or host); --source, its old name, is accepted "
                    "until the next release."),
        click.option("--since", type=DATE, help="Published on or after this date (ISO 8601: 2024-10-01)."),
        click.option("--until", type=DATE,
                     help="Published on or before this date (2024-10 is the whole month)."),
        click.option("--author", help="Only articles by this author (whole words of the name)."),
        click.option("--language", help="Only this language (ISO 639-1 code: en, de...)."),
        click.option("--entity", help="Only articles naming this person, organisation or place (whole "
                     "words of its name, aliases understood: Kiev finds Kyiv; or an entity id)."),
        click.option("--speaker", help="Only articles quoting this speaker (whole words of the name, or "
                     "an entity id)."),
        click.option("--topic", help="Only articles on this topic (whole words of its name: politics, sport, "
                     "war...; or its id; see docs/topics.md)."),
        click.option("--page-type", type=click.Choice([*PAGE_TYPES, UNKNOWN], case_sensitive=False),
                     help="Only pages of this type, as extraction classified them (unknown: pages "
                     "without one, such as text pages; see docs/page-types.md)."),
        click.option("--input", metavar="PREFIX", help="Only pages whose input (where they were read "
                     "from: a path, path@offset in a web archive, or a URL) starts with PREFIX, as the "
                     "folder of a `newsdesk sources` row: --input pages/."),
    ]):
        func = option(func)
    return func


fold_option = click.option(
    "--fold-duplicates", is_flag=True,
    help="One article per duplicate group (copies of one report on several sites): the earliest "
         "published copy that matches. See `newsdesk duplicates`.")


QUERY_HELP = """\b
QUERY language (the same on SQLite and PostgreSQL):
  nato ukraine            both words (AND is implied)
  "secretary general"     the phrase
  rutte OR stoltenberg    either word
  nato NOT trump          without the word; also nato -trump
  (kyiv OR kiev) aid      parentheses group
  ukrain*                 any word starting with ukrain
A QUERY may be several arguments; -trump, or any -word, is a word of the query, not an option.
Parentheses nest at most 32 deep; a word has at most 100 letters.
"""


@click.command(cls=QueryCommand, epilog=QUERY_HELP)
@query_argument
@filters
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table",
              show_default=True)
@click.option("--offset", type=click.IntRange(0, 1_000_000), default=0,
              help="Skip this many results first (page 3 of 20: --offset 40).")
@click.option("--cursor", help="Start where a previous page ended (the `next page: --cursor ...` it "
              "printed).")
@click.option("--count", "count_only", is_flag=True, help="Print only how many articles match.")
@collection_option
@fold_option
@db_option
def search(query: str | None, sort: str, limit: int, fmt: str, offset: int, cursor: str | None,
           count_only: bool, collection: str | None, fold_duplicates: bool, db: str | None,
           **filters: str | None) -> None:
    """Find stored articles: title, site, date and a snippet with the matched terms marked.

    The number of matches and the next page's --cursor are printed on stderr (not with --format jsonl
    or csv, whose output is the results alone).
    """
    request = SearchRequest(query=query, sort=sort, limit=limit,  # type: ignore[arg-type]
                            fold_duplicates=fold_duplicates, cursor=cursor or None,
                            **filters)  # type: ignore[arg-type]
    with open_store(db) as store:
        request = with_collection(store, request, collection)
        if count_only:
            click.echo(store.count(request))
            return
        page = _skipped(store, request, offset)
        if fmt == "table":
            total = store.count(replace(request, cursor=None))
            shown = f"{offset + 1}-{offset + len(page.hits)}" if page.hits else "none"
            click.echo(f"{total} matching article{'' if total == 1 else 's'}; showing {shown}", err=True)
        if fmt == "jsonl":
            for hit in page.hits:
                stored = store.get(hit.id)
                if stored is not None:
                    click.echo(json.dumps(record(stored), ensure_ascii=False))
            return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "title", "site", "published", "url", "snippet"])
        for hit in page.hits:
            writer.writerow([hit.id, hit.title, hit.site, hit.published, hit.url, hit.snippet.marked()])
        return
    if not page.hits:
        click.echo("no articles match", err=True)
        return
    for hit in page.hits:
        date = (hit.published or "")[:10]
        click.echo(click.style(f"[{hit.id}] {hit.title or '(untitled)'}", bold=True))
        click.echo("    " + "  ".join(part for part in (hit.site, date, hit.url or "") if part))
        on, off = (click.style("", reverse=True, reset=False), click.style("", reset=True))
        snippet = hit.snippet.marked(on, off) if sys.stdout.isatty() else hit.snippet.marked("[", "]")
        click.echo("    " + " ".join(snippet.split()))
    if page.next_cursor:
        click.echo(f"next page: --cursor {page.next_cursor}", err=True)


def _skipped(store: Store, request: SearchRequest, offset: int) -> SearchPage:
    """The page of `request.limit` hits after the first `offset` (walked a page at a time)."""
    while offset > 0:
        step = min(offset, 1000)
        skipped = store.search(replace(request, limit=step))
        offset -= step
        if not skipped.next_cursor:
            return SearchPage([], None)
        request = replace(request, cursor=skipped.next_cursor)
    return store.search(request)


@click.command()
@click.argument("id_or_url")
@click.option("--format", "fmt", type=click.Choice(["json", "text", "markdown"]), default="json",
              show_default=True,
              help="markdown: to read or paste, with the quotations and the entities named.")
@db_option
def show(id_or_url: str, fmt: str, db: str | None) -> None:
    """Print one stored article, by its id or its URL."""
    key = article_ref(id_or_url, "ID_OR_URL")
    with open_store(db) as store:
        stored = store.get(key)
        story = store.story_of(stored.id) if stored is not None and fmt == "markdown" else None
    if stored is None:
        raise click.ClickException(f"no article {id_or_url!r} in the store")
    if fmt == "markdown":
        click.echo(article_markdown(stored, story.id if story else None), nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps(record(stored), ensure_ascii=False, indent=2))
    else:
        article = stored.article
        click.echo(f"{article.title}\n{', '.join(article.authors)}  {article.published or ''}\n")
        click.echo(article.body)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@db_option
def sources(fmt: str, db: str | None) -> None:
    """Every site in the store, with its page count, date range, failures and pages by type (what
    extraction classified each page as; "unknown" for pages without a type, such as text pages).
    Pages with neither a site name nor an address are listed by the folder they were read from
    ("folder: pages/"; `folder` in jsonl)."""
    with open_store(db) as store:
        summaries = store.sources()
    if fmt == "jsonl":
        for summary in summaries:
            click.echo(json.dumps(summary.__dict__, ensure_ascii=False))
        return
    click.echo(f"{'site':<40} {'articles':>8}  {'first':<10}  {'last':<10}  {'failures':>8}  by type")
    for summary in summaries:
        first, last = (summary.first_published or "")[:10], (summary.last_published or "")[:10]
        kinds = ", ".join(f"{kind} {count}" for kind, count in _by_type(summary.page_types))
        name = summary.site if len(summary.site) <= 40 else summary.site[:39] + "…"
        click.echo(f"{name:<40} {summary.articles:>8}  {first:<10}  {last:<10}  "
                   f"{summary.failures:>8}  {kinds}".rstrip())


def _by_type(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Page-type counts in the order of PAGE_TYPES, "unknown" last."""
    order = {kind: n for n, kind in enumerate((*PAGE_TYPES, UNKNOWN))}
    return sorted(counts.items(), key=lambda item: order.get(item[0], len(order)))


@click.command(cls=QueryCommand, epilog=QUERY_HELP)
@query_argument
@filters
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Output file (stdout when omitted; "
              "Parquet needs a file).")
@collection_option
@fold_option
@db_option
def export(query: str | None, fmt: str, out: str | None, collection: str | None, fold_duplicates: bool,
           db: str | None, **filters: str | None) -> None:
    """Export stored articles (all, or those matching QUERY and the filters), streamed.

    The columns are documented in docs/exports.md: the article, its story_id and duplicate_group, and
    with a QUERY the snippet and score of each hit (best first). With --fold-duplicates, copies of one
    report are left out but for the earliest published one that matches.
    """
    request = SearchRequest(query=query, fold_duplicates=fold_duplicates, **filters)  # type: ignore[arg-type]
    with open_store(db) as store:
        request = with_collection(store, request, collection)
        # With a query the hits come best first, with their snippet and score; without, newest first.
        articles = exported(store, request)
        if fmt == "parquet":
            if not out:
                raise click.UsageError("--format parquet needs --out FILE")
            count = write_parquet(articles, out)
        else:
            with (open(out, "w", encoding="utf-8", newline="") if out else sys.stdout) as stream:
                count = (write_jsonl if fmt == "jsonl" else write_csv)(articles, stream)
    click.echo(f"{count} articles exported", err=True)
