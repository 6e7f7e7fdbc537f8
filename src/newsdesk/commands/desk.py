"""`newsdesk coverage`: the researcher's desk from the terminal."""

from __future__ import annotations

import click

from newsdesk.commands import QueryCommand, db_option
from newsdesk.commands.search import QUERY_HELP, filters, fold_option
from newsdesk.store import SearchRequest, open_store

COVERAGE_HELP = QUERY_HELP + """
\b
Each QUERY argument is one search (quote a query of several words); the filters apply to every one.
With no QUERY, every stored article is counted.
\b
  newsdesk coverage nato "rutte OR stoltenberg" --interval month --format csv
  newsdesk coverage ukraine --source ledger --since 2022 --interval week
"""


@click.command(cls=QueryCommand, epilog=COVERAGE_HELP)
@click.argument("queries", nargs=-1)
@filters
@click.option("--interval", type=click.Choice(["day", "week", "month"]), default="week", show_default=True,
              help="Bucket length; a range of over 400 buckets is counted by the next longer interval "
                   "(said on stderr).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="csv: one row per search and bucket (series, label, start, count, "
              "all_articles, share); json: what /api/coverage answers.")
@fold_option
@db_option
def coverage(queries: tuple[str, ...], interval: str, fmt: str, fold_duplicates: bool, db: str | None,
             **given: str | None) -> None:
    """Attention over time: how many stored articles match each QUERY (up to five) per day, week or
    month over their whole range, and their share of all stored articles of the period."""
    from dataclasses import replace

    from newsdesk.coverage import MAX_SERIES, compare, to_csv, to_json

    if len(queries) > MAX_SERIES:
        raise click.UsageError(f"at most {MAX_SERIES} queries can be compared, not {len(queries)}")
    common = SearchRequest(fold_duplicates=fold_duplicates, **given)  # type: ignore[arg-type]
    series = [(None, replace(common, query=query.strip() or None)) for query in queries] or [(None, common)]
    with open_store(db) as store:
        result = compare(store, series, interval)  # type: ignore[arg-type]
    if result["note"]:
        click.echo(f"note: {result['note']}", err=True)
    if fmt == "csv":
        click.echo(to_csv(result), nl=False)
        return
    if fmt == "json":
        click.echo(to_json(result))
        return
    _table(result)


def _table(result: dict[str, object]) -> None:
    series = result["series"]
    assert isinstance(series, list)
    starts = result["starts"]
    assert isinstance(starts, list)
    everything = result["all"]
    assert isinstance(everything, list)
    labels = [str(item["label"]) for item in series]
    widths = [max(len(label), 7) for label in labels]
    heads = "  ".join(f"{label:>{width}}" for label, width in zip(labels, widths, strict=True))
    click.echo(f"{result['interval']:<10}  {heads}  all articles")
    for index, start in enumerate(starts):
        cells = []
        for item, width in zip(series, widths, strict=True):
            count, share = item["counts"][index], item["shares"][index]
            text = f"{count} ({share * 100:.1f}%)" if share is not None and count else str(count)
            cells.append(f"{text:>{width}}")
        click.echo(f"{start:<10}  " + "  ".join(cells) + f"  {everything[index]:>12}")
    click.echo("total       " + "  ".join(f"{item['total']:>{width}}" for item, width in
                                          zip(series, widths, strict=True)))
    for item in series:
        if item["undated"]:
            click.echo(f"{item['label']}: {item['undated']} matching articles have no date (not counted)",
                       err=True)
